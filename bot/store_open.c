/* The store backend by cfg->store. */
#include "bot/store_open.h"

#include <string.h>

#include "bot/store_pg.h"

int store_is_pg(const struct bot_config *cfg)
{
    return cfg->store && !strcmp(cfg->store, "postgres");
}

struct store *
store_open(const struct bot_config *cfg, store_dialogue_upgrade_fn *up, struct sn_err *err)
{
    if (store_is_pg(cfg))
        return store_pg_open(cfg->pg_dsn, cfg->pg_password_file, up, err);
    return store_sqlite_open(cfg->store_db, up, err);
}

struct store *store_open_ro(const struct bot_config *cfg, struct sn_err *err)
{
    if (store_is_pg(cfg))
        return store_pg_open_ro(cfg->pg_dsn, cfg->pg_password_file, err);
    return store_sqlite_open_ro(cfg->store_db, err);
}
