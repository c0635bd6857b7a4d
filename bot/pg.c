/* One libpq connection: prepared statements by the SQL's address, reset on a lost
 * connection, one error convention. */
#include "bot/pg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define STMT_SLOTS 512 /* open addressing; far more than the statements any module has */

struct stmt {
    const char *sql; /* NULL: free slot */
    unsigned id;
};

struct bot_pg {
    PGconn *conn;
    int in_tx;
    unsigned next_id;
    struct stmt stmts[STMT_SLOTS];
};

static int pg_fail(struct bot_pg *p, struct sn_err *err, const char *what, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(p->conn);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    int code = state && !strcmp(state, "23505") ? SN_ECONFLICT : SN_EDB;
    return sn_err_set(err, code, "postgres: %s: %.*s", what, (int)len, msg);
}

struct bot_pg *bot_pg_connect(const char *dsn, const char *password_file, struct sn_err *err)
{
    struct bot_pg *p = NULL;
    char pw[1024] = "";
    if (!dsn || !*dsn) {
        sn_err_set(err, SN_EINVAL, "postgres: no connection string (pg_dsn)");
        goto out;
    }
    if (password_file) {
        FILE *f = fopen(password_file, "r");
        if (!f) {
            sn_err_set(err, SN_EIO, "postgres: cannot read the password file %s", password_file);
            goto out;
        }
        if (!fgets(pw, sizeof pw, f))
            pw[0] = '\0';
        fclose(f);
        pw[strcspn(pw, "\r\n")] = '\0';
    }
    p = sn_xcalloc(1, sizeof *p);
    /* Defaults the dsn may override (entries before dbname yield to what it names): a
     * PostgreSQL that hangs instead of refusing must not hold the event loop for long, so
     * connecting, a silent peer (TCP keepalives, unacknowledged sends) and one statement each
     * have a bound. */
    const char *keys[] = {"connect_timeout",
                          "keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "options",
                          "dbname",
                          password_file ? "password" : NULL,
                          NULL};
    const char *vals[] = {"5",
                          "1",
                          "10",
                          "5",
                          "3",
                          "15000",
                          "-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000",
                          dsn,
                          pw,
                          NULL};
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        const char *m = p->conn ? PQerrorMessage(p->conn) : "out of memory";
        size_t len = strlen(m);
        while (len && m[len - 1] == '\n')
            len--;
        sn_err_set(err, SN_EDB, "postgres: cannot connect: %.*s", (int)len, m);
        bot_pg_close(p);
        p = NULL;
        goto out;
    }
    /* Notices (CREATE TABLE IF NOT EXISTS ... skipping) are not errors; keep them off stderr. */
    PQsetNoticeProcessor(p->conn, NULL, NULL);
    PGresult *r = PQexec(p->conn, "SET client_min_messages = warning");
    PQclear(r);
out:
    sodium_memzero(pw, sizeof pw);
    return p;
}

void bot_pg_close(struct bot_pg *p)
{
    if (!p)
        return;
    if (p->conn)
        PQfinish(p->conn);
    free(p);
}

PGconn *bot_pg_conn(struct bot_pg *p)
{
    return p->conn;
}

int bot_pg_in_tx(const struct bot_pg *p)
{
    return p->in_tx;
}

static size_t slot_of(const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) % STMT_SLOTS;
}

/* The prepared statement's slot for sql (the slot is filled once prepared). */
static struct stmt *stmt_find(struct bot_pg *p, const char *sql)
{
    size_t i = slot_of(sql);
    for (size_t k = 0; k < STMT_SLOTS; k++, i = (i + 1) % STMT_SLOTS)
        if (!p->stmts[i].sql || p->stmts[i].sql == sql)
            return &p->stmts[i];
    return NULL; /* full: run unprepared */
}

/* A dead connection is reset outside a transaction; prepared statements went with it. */
static int revive(struct bot_pg *p)
{
    if (PQstatus(p->conn) == CONNECTION_OK)
        return 1;
    if (p->in_tx)
        return 0;
    PQreset(p->conn);
    memset(p->stmts, 0, sizeof p->stmts);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return 0;
    PQsetNoticeProcessor(p->conn, NULL, NULL);
    PQclear(PQexec(p->conn, "SET client_min_messages = warning"));
    return 1;
}

static PGresult *run_once(struct bot_pg *p,
                          int prepare,
                          const char *sql,
                          int n,
                          const char *const *vals,
                          const int *lens,
                          const int *fmts)
{
    struct stmt *s = prepare ? stmt_find(p, sql) : NULL;
    if (!s)
        return PQexecParams(p->conn, sql, n, NULL, vals, lens, fmts, 0);
    if (!s->sql) {
        char name[16];
        snprintf(name, sizeof name, "s%u", ++p->next_id);
        PGresult *r = PQprepare(p->conn, name, sql, n, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        s->sql = sql;
        s->id = p->next_id;
    }
    char name[16];
    snprintf(name, sizeof name, "s%u", s->id);
    return PQexecPrepared(p->conn, name, n, vals, lens, fmts, 0);
}

static int ok_status(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static int exec_any(struct bot_pg *p,
                    int prepare,
                    const char *sql,
                    int n,
                    const char *const *vals,
                    const int *lens,
                    const int *fmts,
                    PGresult **res,
                    struct sn_err *err)
{
    if (res)
        *res = NULL;
    if (!revive(p)) {
        p->in_tx = 0;
        return pg_fail(p, err, "connection lost", NULL);
    }
    PGresult *r = run_once(p, prepare, sql, n, vals, lens, fmts);
    if (!ok_status(r) && PQstatus(p->conn) != CONNECTION_OK && !p->in_tx) {
        /* Lost between calls: once more on a fresh connection. A statement that reached the
         * database before the loss is retried; every write the backends make is idempotent
         * on a retry (client ids, upserts) or fails with a conflict. */
        PQclear(r);
        r = revive(p) ? run_once(p, prepare, sql, n, vals, lens, fmts) : NULL;
    }
    if (!r || !ok_status(r)) {
        int rc = pg_fail(p, err, "statement failed", r);
        PQclear(r);
        if (PQstatus(p->conn) != CONNECTION_OK)
            p->in_tx = 0;
        return rc;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return SN_OK;
}

int bot_pg_execv(struct bot_pg *p,
                 const char *sql,
                 int n,
                 const char *const *vals,
                 const int *lens,
                 const int *fmts,
                 PGresult **res,
                 struct sn_err *err)
{
    return exec_any(p, 1, sql, n, vals, lens, fmts, res, err);
}

int bot_pg_exec_adhoc(struct bot_pg *p,
                      const char *sql,
                      int n,
                      const char *const *vals,
                      PGresult **res,
                      struct sn_err *err)
{
    return exec_any(p, 0, sql, n, vals, NULL, NULL, res, err);
}

int bot_pg_exec(struct bot_pg *p,
                const char *sql,
                int n,
                const char *const *vals,
                PGresult **res,
                struct sn_err *err)
{
    return bot_pg_execv(p, sql, n, vals, NULL, NULL, res, err);
}

int bot_pg_script(struct bot_pg *p, const char *sql, struct sn_err *err)
{
    if (!revive(p)) {
        p->in_tx = 0;
        return pg_fail(p, err, "connection lost", NULL);
    }
    PGresult *r = PQexec(p->conn, sql);
    int rc = SN_OK;
    if (!ok_status(r))
        rc = pg_fail(p, err, "script failed", r);
    PQclear(r);
    return rc;
}

int bot_pg_begin(struct bot_pg *p, struct sn_err *err)
{
    int rc = bot_pg_script(p, "BEGIN", err);
    if (rc == SN_OK)
        p->in_tx = 1;
    return rc;
}

int bot_pg_commit(struct bot_pg *p, struct sn_err *err)
{
    int rc = bot_pg_script(p, "COMMIT", err);
    p->in_tx = 0;
    return rc;
}

void bot_pg_rollback(struct bot_pg *p)
{
    if (PQstatus(p->conn) == CONNECTION_OK)
        PQclear(PQexec(p->conn, "ROLLBACK"));
    p->in_tx = 0;
}

int bot_pg_end(struct bot_pg *p, int rc, struct sn_err *err)
{
    if (rc == SN_OK)
        return bot_pg_commit(p, err);
    bot_pg_rollback(p);
    return rc;
}

int bot_pg_migrate(
    struct bot_pg *p, const char *name, const char *const *steps, int n, struct sn_err *err)
{
    char sql[256];
    PGresult *r = NULL;
    int rc = bot_pg_begin(p, err);
    if (rc)
        return rc;
    /* The lock is the transaction's: released by its end, whichever way it ends. */
    const char *lock_args[] = {name};
    static const char lock_sql[] = "SELECT pg_advisory_xact_lock(hashtext($1))";
    if ((rc = bot_pg_exec(p, lock_sql, 1, lock_args, NULL, err)))
        goto out;
    snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS %s_version(v integer NOT NULL)", name);
    if ((rc = bot_pg_script(p, sql, err)))
        goto out;
    snprintf(sql, sizeof sql, "SELECT v FROM %s_version", name);
    r = PQexec(p->conn, sql);
    if (!ok_status(r)) {
        rc = pg_fail(p, err, "schema version", r);
        goto out;
    }
    int v = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (v > n) {
        rc = sn_err_set(err, SN_EDB,
                        "postgres: %s schema is version %d, newer than this binary's %d", name, v,
                        n);
        goto out;
    }
    if (v < 0) {
        snprintf(sql, sizeof sql, "INSERT INTO %s_version VALUES (0)", name);
        if ((rc = bot_pg_script(p, sql, err)))
            goto out;
        v = 0;
    }
    for (int i = v; i < n; i++)
        if ((rc = bot_pg_script(p, steps[i], err)))
            goto out;
    if (v < n) {
        snprintf(sql, sizeof sql, "UPDATE %s_version SET v = %d", name, n);
        if ((rc = bot_pg_script(p, sql, err)))
            goto out;
    }
    rc = bot_pg_commit(p, err);
out:
    PQclear(r);
    if (rc && bot_pg_in_tx(p))
        bot_pg_rollback(p);
    return rc;
}

const char *bot_pg_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

int bot_pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col);
}

long long bot_pg_ll(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *bot_pg_fmt_ll(char *buf, long long v)
{
    snprintf(buf, 24, "%lld", v);
    return buf;
}
