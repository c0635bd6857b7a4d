/* Accounts and agent sessions: users with a role and an Argon2id password hash
 * (libsodium crypto_pwhash_str, interactive limits), login sessions identified by a random
 * 256-bit token of which only a hash (crypto_generichash) is stored, and an in-memory
 * throttle of failed logins per account and per client address. Both tables (users,
 * agent_sessions) live in the conversation store: the SQLite store file, or with `store
 * postgres` PostgreSQL's schema sanad_auth, shared by every node (a session made on one node
 * is valid on all; a disable or a new password revokes everywhere). struct bot_auth is its
 * own connection. Use it from one thread at a time.
 *
 * Every function returns SN_OK or a negative sn_code with err set. Passwords and tokens are
 * never copied into err or any log line. sodium_init() must have succeeded before use. */
#ifndef SANAD_BOT_AUTH_H
#define SANAD_BOT_AUTH_H

#include <stddef.h>

#include "kb/base.h"

#define BOT_AUTH_LOGIN_MAX 64 /* bytes of a login: [a-z0-9._-]{2,64} */
#define BOT_AUTH_NAME_MAX  80 /* characters (code points) of a display name */
#define BOT_AUTH_PW_MIN    8  /* bytes of a password */
#define BOT_AUTH_PW_MAX    1024
#define BOT_AUTH_TOKEN_HEX 65 /* a session token as hex, NUL included (256 bits) */

enum bot_role { BOT_ROLE_AGENT = 1, BOT_ROLE_EDITOR = 2, BOT_ROLE_ADMIN = 3 };

struct bot_user {
    long long id;
    char login[BOT_AUTH_LOGIN_MAX + 1];
    char name[BOT_AUTH_NAME_MAX * 4 + 1];
    int role; /* enum bot_role */
    int disabled;
    long long created, updated; /* ms since the epoch */
};

struct bot_auth;
struct bot_config;

/* Opens the accounts of cfg's store: bot_auth_open(cfg->store_db) for sqlite, PostgreSQL
 * (cfg->pg_dsn, cfg->pg_password_file; schema sanad_auth migrated) for postgres. Returns an
 * object owned by the caller (bot_auth_close), or NULL with err set (SN_EDB, SN_EINVAL). */
struct bot_auth *bot_auth_open_cfg(const struct bot_config *cfg, struct sn_err *err);
/* Opens (creating the tables when missing) the accounts in the SQLite file path. Returns an
 * object owned by the caller (bot_auth_close), or NULL with err set (SN_EDB). */
struct bot_auth *bot_auth_open(const char *path, struct sn_err *err);
void bot_auth_close(struct bot_auth *a);

/* Input checks; each returns SN_OK or SN_EINVAL with a reason in err. */
int bot_auth_login_check(const char *login, struct sn_err *err);
int bot_auth_name_check(const char *name, struct sn_err *err);
int bot_auth_password_check(const char *pw, size_t len, struct sn_err *err);

/* "agent", "editor", "admin" ↔ enum bot_role; parse returns 0 for anything else. */
int bot_auth_role_parse(const char *s);
const char *bot_auth_role_name(int role);
/* True when a user with role `have` may do what needs role `need`: the same role, admin,
 * or need 0 (any logged-in user). */
int bot_auth_role_allows(int have, int need);

/* Adds a user (checked inputs; the password is hashed here). SN_ECONFLICT when the login
 * exists, SN_EINVAL for a bad input. */
int bot_auth_user_add(struct bot_auth *a,
                      const char *login,
                      const char *name,
                      int role,
                      const char *pw,
                      size_t pw_len,
                      long long now,
                      struct sn_err *err);
/* The user into *out. SN_ENOTFOUND when there is none. */
int bot_auth_user_get(struct bot_auth *a,
                      const char *login,
                      struct bot_user *out,
                      struct sn_err *err);
/* Calls fn for every user in login order; a non-zero return stops and is returned. */
typedef int bot_auth_user_fn(void *ctx, const struct bot_user *u);
int bot_auth_user_each(struct bot_auth *a, bot_auth_user_fn *fn, void *ctx, struct sn_err *err);
/* Disables the user and revokes their sessions. SN_ENOTFOUND when there is none. */
int bot_auth_user_disable(struct bot_auth *a, const char *login, long long now, struct sn_err *err);
/* Sets a new password and revokes the user's sessions. SN_ENOTFOUND, SN_EINVAL. */
int bot_auth_user_passwd(struct bot_auth *a,
                         const char *login,
                         const char *pw,
                         size_t pw_len,
                         long long now,
                         struct sn_err *err);

/* Sets the user's display name (checked as bot_auth_name_check; the caller trims it), what
 * visitors see in "joined" and replies from then on. SN_ENOTFOUND, SN_EINVAL, SN_EDB. */
int bot_auth_user_rename(
    struct bot_auth *a, const char *login, const char *name, long long now, struct sn_err *err);

/* Checks login and password; on success creates a session valid for ttl seconds, writes its
 * token (hex, the only copy) into token and the user into *out. SN_ENOTFOUND for an unknown
 * login, a wrong password or a disabled user alike (the same work is done for an unknown
 * login, so the time does not tell them apart); SN_EDB. */
int bot_auth_login(struct bot_auth *a,
                   const char *login,
                   const char *pw,
                   size_t pw_len,
                   int ttl,
                   long long now,
                   char token[BOT_AUTH_TOKEN_HEX],
                   struct bot_user *out,
                   struct sn_err *err);
/* The enabled user of a live session token into *out. SN_ENOTFOUND when the token is
 * unknown, expired, revoked or its user disabled. */
int bot_auth_session_get(
    struct bot_auth *a, const char *token, long long now, struct bot_user *out, struct sn_err *err);
/* Revokes the session (unknown tokens are fine: SN_OK). */
int bot_auth_logout(struct bot_auth *a, const char *token, struct sn_err *err);

#endif
