/* Opening the conversation store the configuration names: sqlite (store_db) or postgres
 * (pg_dsn, pg_password_file). Every place that opens the store goes through here. */
#ifndef SANAD_BOT_STORE_OPEN_H
#define SANAD_BOT_STORE_OPEN_H

#include "bot/config.h"
#include "bot/store.h"

/* 1 when cfg->store is postgres. */
int store_is_pg(const struct bot_config *cfg);
/* Opens (and migrates) the store of cfg. Owned by the caller (store_close), or NULL with err
 * set. */
struct store *
store_open(const struct bot_config *cfg, store_dialogue_upgrade_fn *up, struct sn_err *err);
/* Opens it for reading only, without migrating (refused at another schema version). */
struct store *store_open_ro(const struct bot_config *cfg, struct sn_err *err);

#endif
