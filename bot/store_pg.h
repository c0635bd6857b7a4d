/* The PostgreSQL conversation store: a second backend of struct store (bot/store.h) on one
 * libpq connection (bot/pg.h), for N nodes sharing one database. Tables in schema
 * sanad_store, the same as the SQLite store's v11; schema steps by bot_pg_migrate under the
 * name sanad_store (version in table sanad_store_version). */
#ifndef SANAD_BOT_STORE_PG_H
#define SANAD_BOT_STORE_PG_H

#include "bot/store.h"

/* Connects (dsn, password_file as bot_pg_connect takes them) and brings the schema to this
 * binary's version (one transaction under an advisory lock: nodes starting at once wait for
 * each other); a database at a newer version is refused (SN_EDB) and left untouched.
 * upgrade is kept for the dialogue rewrites of later schema steps (none yet). Returns a store
 * owned by the caller (store_close), or NULL with err set. */
struct store *store_pg_open(const char *dsn,
                            const char *password_file,
                            store_dialogue_upgrade_fn *upgrade,
                            struct sn_err *err);
/* The same without any schema change (sanad stats, the API worker): a database at another
 * version than this binary's is refused (SN_EDB). */
struct store *store_pg_open_ro(const char *dsn, const char *password_file, struct sn_err *err);
/* The node id this store's notifications name (msg_add's pg_notify('sanad_msg',
 * "<conv> <seq> <node>")); "" until set. node_id is copied (cut at 127 bytes). */
void store_pg_set_node(struct store *s, const char *node_id);

#endif
