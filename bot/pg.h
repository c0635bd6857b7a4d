/* One libpq connection in the house's error convention, shared by everything that talks to
 * PostgreSQL (the store backend, the accounts, the cluster's notifications and leases, the
 * knowledge base's versions, `sanad migrate`). A struct bot_pg is one connection: use it from
 * one thread at a time.
 *
 * Statements are passed as static strings: bot_pg_exec prepares each one the first time it is
 * run on a connection (keyed by the string's address) and runs the prepared form after that,
 * so the hot path pays one round trip and no parse. Parameters and results are text.
 *
 * A lost connection (PostgreSQL restarted, a network cut) is reset on the next call and the
 * statement is run once more when it was not inside a transaction; within a transaction the
 * call fails (SN_EDB) and the caller's transaction is gone. */
#ifndef SANAD_BOT_PG_H
#define SANAD_BOT_PG_H

#include <libpq-fe.h>

#include "kb/base.h"

struct bot_pg;

/* Connects with dsn (a libpq connection string or URI); password_file, when not NULL, holds
 * the password (its first line) so it never sits in the config or the process list. Returns a
 * connection owned by the caller (bot_pg_close), or NULL with err set (SN_EDB; the message
 * never carries the password). */
struct bot_pg *bot_pg_connect(const char *dsn, const char *password_file, struct sn_err *err);
void bot_pg_close(struct bot_pg *p);
/* The libpq connection itself (for PQsocket, PQconsumeInput, PQnotifies); borrowed. */
PGconn *bot_pg_conn(struct bot_pg *p);

/* Runs sql (a string that lives as long as p: its address names the prepared statement) with
 * n text parameters (vals[i] NULL is SQL NULL). On success *res (when res is not NULL) is the
 * result, owned by the caller (PQclear); without res the result is dropped. SN_ECONFLICT for a
 * unique violation (SQLSTATE 23505), SN_EDB with err set for any other failure. */
int bot_pg_exec(struct bot_pg *p,
                const char *sql,
                int n,
                const char *const *vals,
                PGresult **res,
                struct sn_err *err);
/* bot_pg_exec with binary parameters: lens[i] and fmts[i] (1: binary, for bytea) as libpq's
 * PQexecParams takes them; lens and fmts may be NULL (all text). */
int bot_pg_execv(struct bot_pg *p,
                 const char *sql,
                 int n,
                 const char *const *vals,
                 const int *lens,
                 const int *fmts,
                 PGresult **res,
                 struct sn_err *err);
/* bot_pg_exec for SQL text made per call (its address names nothing): never prepared, with
 * the same reset, retry and errors. */
int bot_pg_exec_adhoc(struct bot_pg *p,
                      const char *sql,
                      int n,
                      const char *const *vals,
                      PGresult **res,
                      struct sn_err *err);
/* Ends the open transaction by rc: commits when rc is SN_OK (returning the commit's result),
 * rolls back otherwise (returning rc). */
int bot_pg_end(struct bot_pg *p, int rc, struct sn_err *err);
/* Runs sql as a simple query (several statements allowed, no parameters): schema scripts,
 * BEGIN, COMMIT, LISTEN. */
int bot_pg_script(struct bot_pg *p, const char *sql, struct sn_err *err);

/* Transactions: begin, commit (SN_EDB: rolled back), rollback (always ends it). */
int bot_pg_begin(struct bot_pg *p, struct sn_err *err);
int bot_pg_commit(struct bot_pg *p, struct sn_err *err);
void bot_pg_rollback(struct bot_pg *p);
/* 1 while a transaction is open on p. */
int bot_pg_in_tx(const struct bot_pg *p);

/* Applies a schema: steps[0..n) are scripts, step i taking version i to i + 1, kept in table
 * `name_version`. Runs in one transaction holding an advisory lock on name (so two nodes
 * starting at once wait for each other and the second finds the work done). A database at a
 * newer version than n is refused (SN_EDB) and left untouched. */
int bot_pg_migrate(
    struct bot_pg *p, const char *name, const char *const *steps, int n, struct sn_err *err);

/* Field helpers on a result: the text (never NULL: "" for SQL NULL), 1 when NULL, as long long
 * (0 for NULL). */
const char *bot_pg_str(const PGresult *r, int row, int col);
int bot_pg_null(const PGresult *r, int row, int col);
long long bot_pg_ll(const PGresult *r, int row, int col);
/* Formats v into buf (at least 24 bytes) and returns buf: for parameters. */
const char *bot_pg_fmt_ll(char *buf, long long v);

#endif
