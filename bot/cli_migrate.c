/* `sanad migrate --from sqlite --to postgres`: copies a SQLite store (every table of the v11
 * store and the accounts) into an empty PostgreSQL store, then checks it row by row.
 *
 * The source is brought to this binary's schema first (store_sqlite_open), the target's
 * schemas are made by their owners (store_pg_open: sanad_store; bot_auth_open_cfg:
 * sanad_auth), so the copy needs no DDL of its own: it moves rows between two schemas
 * that already agree. The copy and the check run in ONE PostgreSQL transaction, on a
 * SQLite read transaction (one snapshot): a difference, a refused row or a lost
 * connection rolls the target back to the empty store it was. Rows keep their ids; the
 * identity sequences are set past the largest. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "bot/auth.h"
#include "bot/cli.h"
#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/lock.h"
#include "bot/migrate.h"
#include "bot/pg.h"
#include "bot/store.h"
#include "bot/store_pg.h"

static const char usage[] =
    "usage: sanad migrate --from sqlite --to postgres --pg-dsn DSN [--pg-password-file FILE]\n"
    "                     [--store-db PATH | --data DIR | --config FILE]\n"
    "\n"
    "Copies the SQLite store (its twelve tables, the accounts and their sessions) into the\n"
    "PostgreSQL store at DSN, ids kept, then reads every row back from both sides and\n"
    "compares them: `table: N rows copied, N checked` per table, or the first difference.\n"
    "All in one transaction: on any failure the target is left as it was.\n"
    "The source comes from --store-db (or the config's store_db, or DIR/store.db); it is\n"
    "brought to this binary's schema first, and must not be in use (stop the server).\n"
    "The target must be empty: migrate does not merge two stores (there is no --force);\n"
    "a target whose tables hold rows is refused and left unchanged.\n"
    "Attachment files stay where they are (attachments_dir): only their rows move.\n"
    "Exit codes: 0 copied and checked, 2 bad input (options, no source, a target with\n"
    "rows, a server running on the source), 3 internal (a database failed, a difference).\n";

/* One table: its columns in the order copied and compared, a key order that is unique (or
 * whole-row, feedback has no key) in both databases, and how the check reads each side.
 * PostgreSQL orders text by the byte order SQLite uses only under COLLATE "C". */
struct mig_table {
    const char *schema;
    const char *name;
    const char *cols;
    const char *sq_check; /* the check's columns on SQLite: NULL for cols */
    const char *pg_check; /* on PostgreSQL: NULL for cols */
    const char *sq_order;
    const char *pg_order;
    int blob;     /* index in cols of the BLOB (bytea) column, -1 for none */
    int identity; /* id is an identity column: set its sequence past max(id) */
};

#define C_ "COLLATE \"C\""
/* In the order the rows may reference each other (conversations before their messages,
 * cases before their events, users before their sessions). */
static const struct mig_table tables[] = {
    {"sanad_store", "conversations",
     "id, token_hash, state, lang, created, updated, last_seq, dialogue, agent_id, queued_at, "
     "resolution",
     "id, token_hash, state, lang, created, updated, last_seq, CASE WHEN dialogue IS NULL THEN "
     "NULL ELSE lower(hex(dialogue)) END, agent_id, queued_at, resolution",
     "id, token_hash, state, lang, created, updated, last_seq, encode(dialogue, 'hex'), "
     "agent_id, queued_at, resolution",
     "id", "id " C_, 7, 0},
    {"sanad_store", "messages",
     "conv_id, seq, sender, client_id, text, kind, kb_id, band, intent, ts, agent, meta", NULL,
     NULL, "conv_id, seq", "conv_id " C_ ", seq", -1, 0},
    {"sanad_store", "feedback", "conv_id, seq, helpful, ts", NULL, NULL,
     "conv_id, seq, helpful, ts", "conv_id " C_ ", seq, helpful, ts", -1, 0},
    {"sanad_store", "csat", "conv_id, rating, comment, ts", NULL, NULL, "conv_id", "conv_id " C_,
     -1, 0},
    {"sanad_store", "tickets", "id, conv_id, lang, email, consent, text, created, status", NULL,
     NULL, "id", "id", -1, 1},
    {"sanad_store", "canned", "shortcut, lang, text, updated", NULL, NULL, "shortcut, lang",
     "shortcut " C_ ", lang " C_, -1, 0},
    {"sanad_store", "attachments", "id, conv_id, hash, type, size, name, created", NULL, NULL, "id",
     "id " C_, -1, 0},
    {"sanad_store", "profiles", "conv_id, name, email, consent, department, updated", NULL, NULL,
     "conv_id", "conv_id " C_, -1, 0},
    {"sanad_store", "cases",
     "id, ref, conv_id, ticket_id, visitor_id, status, priority, department, assignee, created, "
     "updated, first_response_at, solved_at, sla_breached, tier",
     NULL, NULL, "id", "id", -1, 1},
    {"sanad_store", "case_events", "id, case_id, ts, kind, actor, detail", NULL, NULL, "id", "id",
     -1, 1},
    {"sanad_store", "audit",
     "id, ts, actor, action, subject_kind, subject_hash, conversations, messages", NULL, NULL, "id",
     "id", -1, 1},
    {"sanad_store", "stats_events",
     "id, ts, kind, conv, lang, channel, agent, sub, band, value, value2, start", NULL, NULL, "id",
     "id", -1, 1},
    {"sanad_auth", "users", "id, login, display_name, role, pw_hash, disabled, created, updated",
     NULL, NULL, "id", "id", -1, 1},
    {"sanad_auth", "agent_sessions", "token_hash, user_id, created, expires", NULL, NULL,
     "token_hash", "token_hash " C_, -1, 0},
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* A COPY's buffer is sent to the server in pieces of about this size. */
#define COPY_CHUNK (256 * 1024)
/* No single value of a store comes near this (a dialogue is a few KiB). */
#define COPY_MAX (64u << 20)

enum { O_FROM = 1, O_TO, O_STORE, O_DATA, O_CONFIG, O_DSN, O_PWFILE };

static int bad(const char *msg, const char *what)
{
    fprintf(stderr, "sanad migrate: %s%s%s\n(see `sanad migrate --help`)\n", msg, what ? ": " : "",
            what ? what : "");
    return 2;
}

/* Runs sql (built here: not a prepared statement) on c; want is the status it must give.
 * *res (when res is not NULL) is the result, owned by the caller (PQclear). */
static int
pq_run(PGconn *c, const char *sql, ExecStatusType want, PGresult **res, struct sn_err *err)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != want) {
        int rc = sn_err_set(err, SN_EDB, "postgres: %s", PQerrorMessage(c));
        PQclear(r);
        return rc;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return SN_OK;
}

/* 1 when the SQLite source has table t (an older file may lack the accounts). */
static int sq_has(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int has = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        has = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return has;
}

/* The first table of the target that holds a row, in *which (NULL: all empty or absent). */
static int target_rows(PGconn *c, const struct mig_table **which, struct sn_err *err)
{
    *which = NULL;
    for (size_t i = 0; i < NTABLES && !*which; i++) {
        char sql[512];
        PGresult *r = NULL;
        snprintf(sql, sizeof sql, "SELECT to_regclass('%s.%s') IS NOT NULL", tables[i].schema,
                 tables[i].name);
        if (pq_run(c, sql, PGRES_TUPLES_OK, &r, err))
            return err->code;
        int exists = !strcmp(PQgetvalue(r, 0, 0), "t");
        PQclear(r);
        if (!exists)
            continue;
        snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s.%s)", tables[i].schema,
                 tables[i].name);
        if (pq_run(c, sql, PGRES_TUPLES_OK, &r, err))
            return err->code;
        if (!strcmp(PQgetvalue(r, 0, 0), "t"))
            *which = &tables[i];
        PQclear(r);
    }
    return SN_OK;
}

static int copy_send(PGconn *c, struct sn_buf *b, struct sn_err *err)
{
    if (!b->len) /* nothing yet (p may still be NULL) */
        return SN_OK;
    if (PQputCopyData(c, b->p, (int)b->len) != 1)
        return sn_err_set(err, SN_EDB, "postgres: %s", PQerrorMessage(c));
    b->len = 0; /* the buffer kept for the next chunk */
    b->p[0] = 0;
    return SN_OK;
}

/* One SQLite row as one COPY line. */
static int copy_row(sqlite3_stmt *st, int blob, struct sn_buf *b)
{
    int rc = SN_OK, n = sqlite3_column_count(st);
    for (int i = 0; i < n && !rc; i++) {
        if (i)
            rc = sn_buf_add(b, "\t", 1);
        if (rc)
            break;
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
            rc = bot_migrate_copy_null(b);
        } else if (i == blob) {
            const void *d = sqlite3_column_blob(st, i);
            rc = bot_migrate_copy_bytea(b, d, (size_t)sqlite3_column_bytes(st, i));
        } else {
            const unsigned char *t = sqlite3_column_text(st, i);
            rc = bot_migrate_copy_text(b, t, (size_t)sqlite3_column_bytes(st, i));
        }
    }
    return rc ? rc : sn_buf_add(b, "\n", 1);
}

/* Copies table t from db into c with COPY (the transaction open on c); *n is the rows sent. */
static int
copy_table(sqlite3 *db, PGconn *c, const struct mig_table *t, long long *n, struct sn_err *err)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    struct sn_buf b;
    const char *abort_msg = NULL;
    int rc = SN_OK, s;
    *n = 0;
    if (!sq_has(db, t->name))
        return SN_OK;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->sq_order);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sn_err_set(err, SN_EDB, "sqlite %s: %s", t->name, sqlite3_errmsg(db));
    snprintf(sql, sizeof sql, "COPY %s.%s (%s) FROM STDIN", t->schema, t->name, t->cols);
    if ((rc = pq_run(c, sql, PGRES_COPY_IN, NULL, err))) {
        sqlite3_finalize(st);
        return rc;
    }
    sn_buf_init(&b, COPY_MAX);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (copy_row(st, t->blob, &b)) {
            rc = sn_err_set(err, SN_ETOOBIG, "%s: a row past %u MiB", t->name, COPY_MAX >> 20);
            break;
        }
        (*n)++;
        if (b.len >= COPY_CHUNK && (rc = copy_send(c, &b, err)))
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = sn_err_set(err, SN_EDB, "sqlite %s: %s", t->name, sqlite3_errmsg(db));
    if (!rc)
        rc = copy_send(c, &b, err);
    abort_msg = rc ? "sanad migrate: aborted" : NULL;
    if (PQputCopyEnd(c, abort_msg) != 1 && !rc)
        rc = sn_err_set(err, SN_EDB, "postgres: %s", PQerrorMessage(c));
    PGresult *r;
    while ((r = PQgetResult(c))) { /* the COPY's own result (a refused row is named here) */
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
            rc = sn_err_set(err, SN_EDB, "%s.%s: %s", t->schema, t->name, PQresultErrorMessage(r));
        PQclear(r);
    }
    sn_buf_fini(&b);
    sqlite3_finalize(st);
    return rc;
}

/* Sets t's identity sequence so that the next id is past the largest copied. */
static int set_identity(PGconn *c, const struct mig_table *t, struct sn_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s.%s', 'id'), coalesce(max(id), 0) + 1, "
             "false) FROM %s.%s",
             t->schema, t->name, t->schema, t->name);
    return pq_run(c, sql, PGRES_TUPLES_OK, NULL, err);
}

/* Describes the first difference: the table, the row (its first column, the key's head)
 * and the column with both values (cut). */
static int differ(const struct mig_table *t,
                  long long row,
                  const char *key,
                  const char *col,
                  const char *a,
                  const char *b,
                  struct sn_err *err)
{
    return sn_err_set(err, SN_ECONFLICT,
                      "%s: row %lld (%.40s): %s differs: sqlite %s%.40s%s, postgres %s%.40s%s",
                      t->name, row, key, col, a ? "'" : "", a ? a : "NULL", a ? "'" : "",
                      b ? "'" : "", b ? b : "NULL", b ? "'" : "");
}

/* Compares one row of both sides; SN_ECONFLICT with the difference described. */
static int check_row(const struct mig_table *t,
                     long long row,
                     sqlite3_stmt *st,
                     const PGresult *r,
                     struct sn_err *err)
{
    int n = sqlite3_column_count(st);
    const char *key = (const char *)sqlite3_column_text(st, 0);
    if (PQnfields(r) != n)
        return differ(t, row, key ? key : "", "the column count", "", "", err);
    for (int i = 0; i < n; i++) {
        const char *a = (const char *)sqlite3_column_text(st, i);
        size_t an = (size_t)sqlite3_column_bytes(st, i);
        int a_null = sqlite3_column_type(st, i) == SQLITE_NULL, b_null = PQgetisnull(r, 0, i);
        const char *b = b_null ? NULL : PQgetvalue(r, 0, i);
        size_t bn = b_null ? 0 : (size_t)PQgetlength(r, 0, i);
        if (a_null != b_null || an != bn || (an && memcmp(a, b, an)))
            return differ(t, row, key ? key : "", sqlite3_column_name(st, i), a_null ? NULL : a, b,
                          err);
    }
    return SN_OK;
}

/* Reads t from both sides in key order and compares every row; *n is the rows checked. */
static int
check_table(sqlite3 *db, PGconn *c, const struct mig_table *t, long long *n, struct sn_err *err)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s = SQLITE_DONE, pg_done = 0;
    *n = 0;
    int has = sq_has(db, t->name);
    if (has) {
        snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s",
                 t->sq_check ? t->sq_check : t->cols, t->name, t->sq_order);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            return sn_err_set(err, SN_EDB, "sqlite %s: %s", t->name, sqlite3_errmsg(db));
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM %s.%s ORDER BY %s",
             t->pg_check ? t->pg_check : t->cols, t->schema, t->name, t->pg_order);
    /* row by row (single-row mode): a table of millions of rows is never all in memory */
    if (!PQsendQuery(c, sql) || !PQsetSingleRowMode(c)) {
        sqlite3_finalize(st);
        return sn_err_set(err, SN_EDB, "postgres: %s", PQerrorMessage(c));
    }
    for (;;) {
        PGresult *r = NULL;
        if (!pg_done) {
            r = PQgetResult(c);
            ExecStatusType ps = r ? PQresultStatus(r) : PGRES_TUPLES_OK;
            if (ps == PGRES_TUPLES_OK) {
                pg_done = 1; /* the end (its empty result) */
            } else if (ps != PGRES_SINGLE_TUPLE) {
                if (!rc)
                    rc = sn_err_set(err, SN_EDB, "postgres %s: %s", t->name,
                                    PQresultErrorMessage(r));
                pg_done = 1;
            }
            if (pg_done) {
                PQclear(r);
                r = NULL;
            }
        }
        if (!rc)
            s = st ? sqlite3_step(st) : SQLITE_DONE;
        if (rc) {
            PQclear(r);
            break;
        }
        if (s != SQLITE_ROW && s != SQLITE_DONE)
            rc = sn_err_set(err, SN_EDB, "sqlite %s: %s", t->name, sqlite3_errmsg(db));
        else if ((s == SQLITE_ROW) != (r != NULL))
            rc = sn_err_set(err, SN_ECONFLICT, "%s: %s has more rows (%lld checked before)",
                            t->name, r ? "postgres" : "sqlite", *n);
        else if (r)
            rc = check_row(t, *n + 1, st, r, err);
        PQclear(r);
        if (rc || s == SQLITE_DONE)
            break;
        (*n)++;
    }
    for (PGresult *r; (r = PQgetResult(c));) /* whatever is left of the query, dropped */
        PQclear(r);
    sqlite3_finalize(st);
    return rc;
}

/* The copy and the check, in one transaction on p, on a read transaction of db. */
static int migrate(sqlite3 *db, struct bot_pg *p, struct sn_err *err)
{
    PGconn *c = bot_pg_conn(p);
    long long copied[NTABLES] = {0}, checked[NTABLES] = {0};
    const struct mig_table *full = NULL;
    struct sn_buf lock;
    int rc;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return sn_err_set(err, SN_EDB, "sqlite: %s", sqlite3_errmsg(db));
    if ((rc = bot_pg_begin(p, err)))
        goto out;
    /* nobody writes the target meanwhile (a node started on it), and it is still empty */
    sn_buf_init(&lock, 4096);
    sn_buf_adds(&lock, "LOCK TABLE ");
    for (size_t i = 0; i < NTABLES; i++)
        sn_buf_printf(&lock, "%s%s.%s", i ? ", " : "", tables[i].schema, tables[i].name);
    sn_buf_adds(&lock, " IN EXCLUSIVE MODE");
    rc = pq_run(c, lock.p, PGRES_COMMAND_OK, NULL, err);
    sn_buf_fini(&lock);
    if (!rc && !(rc = target_rows(c, &full, err)) && full)
        rc = sn_err_set(err, SN_EINVAL, "the target's %s.%s has rows now: nothing was changed",
                        full->schema, full->name);
    for (size_t i = 0; i < NTABLES && !rc; i++)
        if (!(rc = copy_table(db, c, &tables[i], &copied[i], err)) && tables[i].identity)
            rc = set_identity(c, &tables[i], err);
    for (size_t i = 0; i < NTABLES && !rc; i++)
        rc = check_table(db, c, &tables[i], &checked[i], err);
    if (!rc)
        rc = bot_pg_commit(p, err);
    else
        bot_pg_rollback(p);
    if (!rc)
        for (size_t i = 0; i < NTABLES; i++)
            printf("%s: %lld rows copied, %lld checked\n", tables[i].name, copied[i], checked[i]);
out:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Brings the target's schemas to this binary's version by their owners' own open. */
static int target_schemas(struct bot_config *cfg, struct sn_err *err)
{
    struct store *ps = store_pg_open(cfg->pg_dsn, cfg->pg_password_file, bot_dialogue_upgrade, err);
    if (!ps)
        return err->code ? err->code : SN_EDB;
    store_close(ps);
    int rc = bot_config_set(cfg, "store", "postgres", err);
    if (rc)
        return rc;
    struct bot_auth *a = bot_auth_open_cfg(cfg, err);
    if (!a)
        return err->code ? err->code : SN_EDB;
    bot_auth_close(a);
    return SN_OK;
}

/* Maps a failure to the exit code of the usage (a difference is a failure: 3). */
static int fail(const char *what, const struct sn_err *e)
{
    fprintf(stderr, "sanad migrate: %s%s%s\n", what, *what ? ": " : "", e->msg);
    return e->code == SN_EINVAL ? 2 : 3;
}

int bot_cli_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"store-db", required_argument, NULL, O_STORE},
        {"data", required_argument, NULL, O_DATA},
        {"config", required_argument, NULL, O_CONFIG},
        {"pg-dsn", required_argument, NULL, O_DSN},
        {"pg-password-file", required_argument, NULL, O_PWFILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* the flags bot_config_args reads, in the order of the enum from O_STORE */
    static const char *const flags[] = {"--store-db", "--data", "--config", "--pg-dsn",
                                        "--pg-password-file"};
    char *paths[1 + 2 * 5] = {"migrate"};
    const char *from = NULL, *to = NULL;
    int np = 1, c, rc = 0, lock = -1;
    struct bot_config cfg;
    struct sn_err e = {0};
    struct bot_pg *p = NULL;
    sqlite3 *db = NULL;
    const struct mig_table *full = NULL;
    struct stat sb;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (c == '?' || c == ':')
            return bad("unknown option or missing value", NULL);
        if (c == O_FROM)
            from = optarg;
        else if (c == O_TO)
            to = optarg;
        else if (np < (int)(sizeof paths / sizeof paths[0]) - 1)
            paths[np++] = (char *)flags[c - O_STORE], paths[np++] = optarg;
    }
    if (optind < argc)
        return bad("unexpected argument", argv[optind]);
    const char *why = bot_migrate_direction_check(from, to);
    if (why)
        return bad(why, NULL);
    bot_config_init(&cfg);
    if (bot_config_args(&cfg, np, paths, &e)) {
        rc = bad(e.msg, NULL);
        goto out;
    }
    if (!cfg.pg_dsn) {
        rc = bad("--pg-dsn (or pg_dsn in the config) names the target", NULL);
        goto out;
    }
    /* the source must be there: opening a missing path would make an empty store */
    if (stat(cfg.store_db, &sb) || !S_ISREG(sb.st_mode)) {
        rc = bad("no store at the source", cfg.store_db);
        goto out;
    }
    if ((rc = bot_lock_take(cfg.store_db, &lock, &e))) {
        lock = -1;
        rc = rc == SN_ECONFLICT
                 ? bad("a server is running on the source: stop it first", cfg.store_db)
                 : fail("the source's lock", &e);
        goto out;
    }
    if (!(p = bot_pg_connect(cfg.pg_dsn, cfg.pg_password_file, &e))) {
        rc = fail("the target", &e);
        goto out;
    }
    if (target_rows(bot_pg_conn(p), &full, &e)) {
        rc = fail("the target", &e);
        goto out;
    }
    if (full) {
        fprintf(stderr,
                "sanad migrate: the target's %s.%s has rows: migrate copies into an empty store "
                "only (it does not merge two stores); nothing was changed\n",
                full->schema, full->name);
        rc = 2;
        goto out;
    }
    struct store *src = store_sqlite_open(cfg.store_db, bot_dialogue_upgrade, &e);
    if (!src) {
        rc = fail("the source", &e);
        goto out;
    }
    store_close(src);
    if (target_schemas(&cfg, &e)) {
        rc = fail("the target's schema", &e);
        goto out;
    }
    if (sqlite3_open_v2(cfg.store_db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sanad migrate: %s: %s\n", cfg.store_db, sqlite3_errmsg(db));
        rc = 3;
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    if (migrate(db, p, &e)) {
        rc = fail(e.code == SN_ECONFLICT ? "the check found a difference (nothing was written)"
                                         : "nothing was written",
                  &e);
        goto out;
    }
    fprintf(stderr, "sanad migrate: %s copied into the PostgreSQL store and checked\n",
            cfg.store_db);
out:
    sqlite3_close(db);
    bot_pg_close(p);
    if (lock >= 0)
        bot_lock_release(lock);
    bot_config_fini(&cfg);
    return rc;
}
