/* Accounts, password hashing, agent sessions and the failed-login throttle (bot/auth.h). */
#include "bot/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bot/auth_int.h"
#include "bot/config.h"

/* ---- the SQLite backend: the tables in the store file, its own connection -------------- */

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS users("
    " id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK(role IN ('agent','editor','admin')), pw_hash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS agent_sessions("
    " token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS agent_sessions_user ON agent_sessions(user_id);";

enum {
    S_ADD,
    S_GET,
    S_EACH,
    S_DISABLE,
    S_PASSWD,
    S_RENAME,
    S_REVOKE_USER,
    S_SESS_NEW,
    S_SESS_GET,
    S_SESS_DEL,
    S_SESS_GC,
    S_COUNT
};

#define USER_COLS "id, login, display_name, role, disabled, created, updated"

/* The user_set statements bind ?1 login, ?2 the value, ?3 now. */
static const char *sql[S_COUNT] = {
    [S_ADD] = "INSERT INTO users(login, display_name, role, pw_hash, created, updated)"
              " VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
    [S_GET] = "SELECT " USER_COLS ", pw_hash FROM users WHERE login = ?1",
    [S_EACH] = "SELECT " USER_COLS " FROM users ORDER BY login",
    [S_DISABLE] = "UPDATE users SET disabled = 1, updated = ?3 WHERE login = ?1",
    [S_PASSWD] = "UPDATE users SET pw_hash = ?2, updated = ?3 WHERE login = ?1",
    [S_RENAME] = "UPDATE users SET display_name = ?2, updated = ?3 WHERE login = ?1",
    [S_REVOKE_USER] = "DELETE FROM agent_sessions"
                      " WHERE user_id = (SELECT id FROM users WHERE login = ?1)",
    [S_SESS_NEW] = "INSERT INTO agent_sessions(token_hash, user_id, created, expires)"
                   " VALUES(?1, ?2, ?3, ?4)",
    [S_SESS_GET] = "SELECT u.id, u.login, u.display_name, u.role, u.disabled, u.created,"
                   " u.updated FROM agent_sessions s JOIN users u ON u.id = s.user_id"
                   " WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.disabled = 0",
    [S_SESS_DEL] = "DELETE FROM agent_sessions WHERE token_hash = ?1",
    [S_SESS_GC] = "DELETE FROM agent_sessions WHERE expires <= ?1",
};

/* enum bot_auth_set → its statement, and whether the user's sessions go with it */
static const struct {
    int st;
    int revoke;
} set_sql[BOT_AUTH_SET_COUNT] = {
    [BOT_AUTH_SET_DISABLE] = {S_DISABLE, 1},
    [BOT_AUTH_SET_PASSWD] = {S_PASSWD, 1},
    [BOT_AUTH_SET_RENAME] = {S_RENAME, 0},
};

struct auth_sqlite {
    struct bot_auth base;
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
};

static int db_err(struct auth_sqlite *a, struct sn_err *err, const char *what)
{
    return sn_err_set(err, SN_EDB, "auth: %s: %s", what, sqlite3_errmsg(a->db));
}

static sqlite3_stmt *stmt(struct auth_sqlite *a, int i)
{
    sqlite3_reset(a->st[i]);
    sqlite3_clear_bindings(a->st[i]);
    return a->st[i];
}

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void user_row(sqlite3_stmt *st, struct bot_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    copy_col(u->login, sizeof u->login, st, 1);
    copy_col(u->name, sizeof u->name, st, 2);
    u->role = bot_auth_role_parse((const char *)sqlite3_column_text(st, 3));
    u->disabled = sqlite3_column_int(st, 4) != 0;
    u->created = sqlite3_column_int64(st, 5);
    u->updated = sqlite3_column_int64(st, 6);
}

static void sq_close(struct bot_auth *base)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    sqlite3_close(a->db);
    sodium_memzero(a, sizeof *a);
    free(a);
}

static int sq_user_add(struct bot_auth *base,
                       const char *login,
                       const char *name,
                       const char *role,
                       const char *hash,
                       long long now,
                       struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, S_ADD);
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* the hash's copy goes */
    if (step == SQLITE_CONSTRAINT)
        return sn_err_set(err, SN_ECONFLICT, "user %s exists", login);
    return step == SQLITE_DONE ? SN_OK : db_err(a, err, "add user");
}

static int sq_user_get(struct bot_auth *base,
                       const char *login,
                       struct bot_user *out,
                       char hash[crypto_pwhash_STRBYTES],
                       struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, S_GET);
    int rc = SN_OK;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        user_row(st, out);
        if (hash)
            copy_col(hash, crypto_pwhash_STRBYTES, st, 7);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "no user %s", login);
        break;
    default:
        rc = db_err(a, err, "find user");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_user_each(struct bot_auth *base, bot_auth_user_fn *fn, void *ctx, struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, S_EACH);
    struct bot_user u;
    int rc = SN_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        user_row(st, &u);
        if ((rc = fn(ctx, &u)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(a, err, "list users");
    sqlite3_reset(st);
    return rc;
}

static int sq_user_set(struct bot_auth *base,
                       int what,
                       const char *login,
                       const char *value,
                       long long now,
                       struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, set_sql[what].st);
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    if (value)
        sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_DONE)
        return db_err(a, err, "update user");
    if (sqlite3_changes(a->db) == 0)
        return sn_err_set(err, SN_ENOTFOUND, "no user %s", login);
    if (!set_sql[what].revoke)
        return SN_OK;
    st = stmt(a, S_REVOKE_USER);
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? SN_OK : db_err(a, err, "revoke sessions");
}

static int sq_sess_new(struct bot_auth *base,
                       const char *th,
                       long long user_id,
                       long long now,
                       long long expires,
                       struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *gc = stmt(a, S_SESS_GC);
    sqlite3_bind_int64(gc, 1, now);
    sqlite3_step(gc);
    sqlite3_reset(gc);
    sqlite3_stmt *st = stmt(a, S_SESS_NEW);
    sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, expires);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? SN_OK : db_err(a, err, "create session");
}

static int sq_sess_get(
    struct bot_auth *base, const char *th, long long now, struct bot_user *out, struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, S_SESS_GET);
    int rc = SN_OK;
    sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        user_row(st, out);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "no session");
        break;
    default:
        rc = db_err(a, err, "find session");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_sess_del(struct bot_auth *base, const char *th, struct sn_err *err)
{
    struct auth_sqlite *a = (struct auth_sqlite *)base;
    sqlite3_stmt *st = stmt(a, S_SESS_DEL);
    sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? SN_OK : db_err(a, err, "revoke session");
}

static const struct bot_auth_ops sqlite_ops = {
    .user_add = sq_user_add,
    .user_get = sq_user_get,
    .user_each = sq_user_each,
    .user_set = sq_user_set,
    .sess_new = sq_sess_new,
    .sess_get = sq_sess_get,
    .sess_del = sq_sess_del,
    .close = sq_close,
};

void bot_auth_close(struct bot_auth *a)
{
    if (a)
        a->ops->close(a);
}

struct bot_auth *bot_auth_open(const char *path, struct sn_err *err)
{
    struct auth_sqlite *a = sn_xcalloc(1, sizeof *a);
    char *msg = NULL;
    a->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        sn_err_set(err, SN_EDB, "auth: %s: %s", path, sqlite3_errmsg(a->db));
        goto fail;
    }
    sqlite3_busy_timeout(a->db, 2000);
    if (sqlite3_exec(a->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "auth: %s: %s", path, msg ? msg : "schema");
        sqlite3_free(msg);
        goto fail;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(a->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &a->st[i], NULL) !=
            SQLITE_OK) {
            db_err(a, err, "prepare");
            goto fail;
        }
    return &a->base;
fail:
    sq_close(&a->base);
    return NULL;
}

static struct bot_auth *open_sqlite(const struct bot_config *cfg, struct sn_err *err)
{
    return bot_auth_open(cfg->store_db, err);
}

static struct bot_auth *open_pg(const struct bot_config *cfg, struct sn_err *err)
{
    return bot_auth_pg_open(cfg->pg_dsn, cfg->pg_password_file, err);
}

/* The accounts' backend by the store's (cfg->store, checked by bot/config.c). */
static const struct {
    const char *store;
    struct bot_auth *(*open)(const struct bot_config *cfg, struct sn_err *err);
} backends[] = {
    {"sqlite", open_sqlite},
    {"postgres", open_pg},
};

struct bot_auth *bot_auth_open_cfg(const struct bot_config *cfg, struct sn_err *err)
{
    const char *store = cfg->store ? cfg->store : "sqlite";
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (!strcmp(store, backends[i].store))
            return backends[i].open(cfg, err);
    sn_err_set(err, SN_EINVAL, "auth: unknown store %s", store);
    return NULL;
}

/* ---- input checks --------------------------------------------------------------------- */

int bot_auth_login_check(const char *login, struct sn_err *err)
{
    size_t n = login ? strlen(login) : 0;
    if (n < 2 || n > BOT_AUTH_LOGIN_MAX)
        return sn_err_set(err, SN_EINVAL, "a login is 2 to %d characters", BOT_AUTH_LOGIN_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return sn_err_set(err, SN_EINVAL, "a login may hold only a-z, 0-9, '.', '_' and '-'");
    }
    return SN_OK;
}

int bot_auth_name_check(const char *name, struct sn_err *err)
{
    size_t n = name ? strlen(name) : 0, cps = 0;
    if (n == 0)
        return sn_err_set(err, SN_EINVAL, "the display name is empty");
    if (!sn_utf8_valid(name, n, NULL))
        return sn_err_set(err, SN_EINVAL, "the display name is not valid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c & 0xC0) != 0x80)
            cps++;
        if (c < 0x20 || c == 0x7F)
            return sn_err_set(err, SN_EINVAL, "the display name holds a control character");
    }
    if (cps > BOT_AUTH_NAME_MAX)
        return sn_err_set(err, SN_EINVAL, "the display name is longer than %d characters",
                          BOT_AUTH_NAME_MAX);
    return SN_OK;
}

int bot_auth_password_check(const char *pw, size_t len, struct sn_err *err)
{
    if (len < BOT_AUTH_PW_MIN || len > BOT_AUTH_PW_MAX)
        return sn_err_set(err, SN_EINVAL, "a password is %d to %d bytes", BOT_AUTH_PW_MIN,
                          BOT_AUTH_PW_MAX);
    if (memchr(pw, 0, len) || !sn_utf8_valid(pw, len, NULL))
        return sn_err_set(err, SN_EINVAL, "the password is not valid UTF-8 text");
    return SN_OK;
}

static const char *const role_names[] = {NULL, "agent", "editor", "admin"};

int bot_auth_role_parse(const char *s)
{
    for (int i = 1; i <= BOT_ROLE_ADMIN; i++)
        if (s && !strcmp(s, role_names[i]))
            return i;
    return 0;
}

const char *bot_auth_role_name(int role)
{
    return role >= 1 && role <= BOT_ROLE_ADMIN ? role_names[role] : "?";
}

int bot_auth_role_allows(int have, int need)
{
    return need == 0 || have == need || have == BOT_ROLE_ADMIN;
}

/* ---- users ---------------------------------------------------------------------------- */

static int
hash_password(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES], struct sn_err *err)
{
    if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return sn_err_set(err, SN_EIO, "auth: password hashing failed (out of memory)");
    return SN_OK;
}

int bot_auth_user_add(struct bot_auth *a,
                      const char *login,
                      const char *name,
                      int role,
                      const char *pw,
                      size_t pw_len,
                      long long now,
                      struct sn_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc;
    if ((rc = bot_auth_login_check(login, err)) || (rc = bot_auth_name_check(name, err)) ||
        (rc = bot_auth_password_check(pw, pw_len, err)))
        return rc;
    if (!role_names[role < 1 || role > BOT_ROLE_ADMIN ? 0 : role])
        return sn_err_set(err, SN_EINVAL, "the role is agent, editor or admin");
    if ((rc = hash_password(pw, pw_len, hash, err)))
        return rc;
    rc = a->ops->user_add(a, login, name, role_names[role], hash, now, err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int bot_auth_user_get(struct bot_auth *a,
                      const char *login,
                      struct bot_user *out,
                      struct sn_err *err)
{
    return a->ops->user_get(a, login, out, NULL, err);
}

int bot_auth_user_each(struct bot_auth *a, bot_auth_user_fn *fn, void *ctx, struct sn_err *err)
{
    return a->ops->user_each(a, fn, ctx, err);
}

int bot_auth_user_disable(struct bot_auth *a, const char *login, long long now, struct sn_err *err)
{
    return a->ops->user_set(a, BOT_AUTH_SET_DISABLE, login, NULL, now, err);
}

int bot_auth_user_passwd(struct bot_auth *a,
                         const char *login,
                         const char *pw,
                         size_t pw_len,
                         long long now,
                         struct sn_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc;
    if ((rc = bot_auth_password_check(pw, pw_len, err)) ||
        (rc = hash_password(pw, pw_len, hash, err)))
        return rc;
    rc = a->ops->user_set(a, BOT_AUTH_SET_PASSWD, login, hash, now, err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int bot_auth_user_rename(
    struct bot_auth *a, const char *login, const char *name, long long now, struct sn_err *err)
{
    int rc = bot_auth_name_check(name, err);
    if (rc)
        return rc;
    return a->ops->user_set(a, BOT_AUTH_SET_RENAME, login, name, now, err);
}

/* ---- sessions ------------------------------------------------------------------------- */

/* The stored form of a token: hex of crypto_generichash (32 bytes) of its hex text. */
static void token_hash(const char *token, char out[BOT_AUTH_TOKEN_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, BOT_AUTH_TOKEN_HEX, h, sizeof h);
}

static int token_well_formed(const char *token)
{
    if (!token || strlen(token) != BOT_AUTH_TOKEN_HEX - 1)
        return 0;
    for (const char *p = token; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

int bot_auth_login(struct bot_auth *a,
                   const char *login,
                   const char *pw,
                   size_t pw_len,
                   int ttl,
                   long long now,
                   char token[BOT_AUTH_TOKEN_HEX],
                   struct bot_user *out,
                   struct sn_err *err)
{
    char hash[crypto_pwhash_STRBYTES] = "", th[BOT_AUTH_TOKEN_HEX];
    unsigned char raw[32];
    int rc, found;
    token[0] = 0;
    rc = bot_auth_login_check(login, NULL) ? SN_ENOTFOUND
                                           : a->ops->user_get(a, login, out, hash, err);
    if (rc != SN_OK && rc != SN_ENOTFOUND)
        return rc;
    found = rc == SN_OK;
    if (!found) {
        /* the same Argon2id work as for a real account */
        if (!a->dummy[0]) {
            randombytes_buf(raw, sizeof raw);
            if (hash_password((const char *)raw, sizeof raw, a->dummy, err))
                return err ? err->code : SN_EIO;
        }
        memcpy(hash, a->dummy, sizeof hash);
    }
    int ok = crypto_pwhash_str_verify(hash, pw, pw_len) == 0;
    sodium_memzero(hash, sizeof hash);
    if (!found || !ok || out->disabled)
        return sn_err_set(err, SN_ENOTFOUND, "wrong login or password");

    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, BOT_AUTH_TOKEN_HEX, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    token_hash(token, th);
    rc = a->ops->sess_new(a, th, out->id, now, now + (long long)ttl * 1000, err);
    if (rc)
        sodium_memzero(token, BOT_AUTH_TOKEN_HEX);
    return rc;
}

int bot_auth_session_get(
    struct bot_auth *a, const char *token, long long now, struct bot_user *out, struct sn_err *err)
{
    char th[BOT_AUTH_TOKEN_HEX];
    if (!token_well_formed(token))
        return sn_err_set(err, SN_ENOTFOUND, "no session");
    token_hash(token, th);
    return a->ops->sess_get(a, th, now, out, err);
}

int bot_auth_logout(struct bot_auth *a, const char *token, struct sn_err *err)
{
    char th[BOT_AUTH_TOKEN_HEX];
    if (!token_well_formed(token))
        return SN_OK;
    token_hash(token, th);
    return a->ops->sess_del(a, th, err);
}
