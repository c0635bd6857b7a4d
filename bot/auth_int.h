/* Internal to bot/auth.c and bot/auth_pg.c: the storage of accounts and sessions behind a
 * table of operations, one per backend (SQLite in the store file, PostgreSQL in schema
 * sanad_auth). auth.c keeps the policy (input checks, hashing, the login's equal work, token
 * hashing); a backend only reads and writes rows. Every operation returns SN_OK or a
 * negative sn_code with err set. */
#ifndef SANAD_BOT_AUTH_INT_H
#define SANAD_BOT_AUTH_INT_H

#include <sodium.h>

#include "bot/auth.h"

/* What bot_auth_ops.user_set changes on a user's row. */
enum bot_auth_set {
    BOT_AUTH_SET_DISABLE, /* disabled = 1, sessions revoked; value unused */
    BOT_AUTH_SET_PASSWD,  /* pw_hash = value, sessions revoked */
    BOT_AUTH_SET_RENAME,  /* display_name = value */
    BOT_AUTH_SET_COUNT
};

struct bot_auth_ops {
    /* SN_ECONFLICT when the login exists. role is its name ("agent"...), hash the stored
     * password hash. */
    int (*user_add)(struct bot_auth *a,
                    const char *login,
                    const char *name,
                    const char *role,
                    const char *hash,
                    long long now,
                    struct sn_err *err);
    /* The user (and its hash when hash is not NULL); SN_ENOTFOUND. */
    int (*user_get)(struct bot_auth *a,
                    const char *login,
                    struct bot_user *out,
                    char hash[crypto_pwhash_STRBYTES],
                    struct sn_err *err);
    int (*user_each)(struct bot_auth *a, bot_auth_user_fn *fn, void *ctx, struct sn_err *err);
    /* Changes what (enum bot_auth_set) of login's row and sets updated = now, revoking the
     * user's sessions with it when what says so; SN_ENOTFOUND when there is no such user. */
    int (*user_set)(struct bot_auth *a,
                    int what,
                    const char *login,
                    const char *value,
                    long long now,
                    struct sn_err *err);
    /* Drops the sessions expired at now, then stores a new one (th: the token's hash). */
    int (*sess_new)(struct bot_auth *a,
                    const char *th,
                    long long user_id,
                    long long now,
                    long long expires,
                    struct sn_err *err);
    /* The enabled user of the live session th; SN_ENOTFOUND. */
    int (*sess_get)(struct bot_auth *a,
                    const char *th,
                    long long now,
                    struct bot_user *out,
                    struct sn_err *err);
    int (*sess_del)(struct bot_auth *a, const char *th, struct sn_err *err);
    /* Frees the backend's object (a itself included). */
    void (*close)(struct bot_auth *a);
};

/* The head of every backend's object. */
struct bot_auth {
    const struct bot_auth_ops *ops;
    char dummy[crypto_pwhash_STRBYTES]; /* verified against for unknown logins ("" until used) */
};

/* PostgreSQL accounts (bot/auth_pg.c): connects with dsn and password_file, migrates schema
 * sanad_auth. Returns an object owned by the caller (bot_auth_close), or NULL with err set. */
struct bot_auth *bot_auth_pg_open(const char *dsn, const char *password_file, struct sn_err *err);

#endif
