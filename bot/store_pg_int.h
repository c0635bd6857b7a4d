/* Internal to the PostgreSQL store's files (bot/store_pg.c, bot/store_pg_case.c): the
 * struct both fill ops for, and the batch and transaction rules every write follows.
 *
 * Tables live in schema sanad_store: every statement names them qualified
 * (sanad_store.conversations), because a connection that bot/pg.c resets after a lost
 * connection does not keep a search_path. Every statement is a static string run through
 * bot_pg_exec/_execv (prepared by its address); none is built from input. */
#ifndef SANAD_BOT_STORE_PG_INT_H
#define SANAD_BOT_STORE_PG_INT_H

#include "bot/pg.h"
#include "bot/store.h"

#define STORE_PG_NODE_MAX 128 /* a node id, NUL included */

struct store_pg {
    struct store base; /* first: a struct store * is a struct store_pg * */
    struct bot_pg *pg;
    /* group commit (store_batch_begin): while batching, writes join one transaction, begun
     * by the first (tx_open); lost is set when a failed write took that transaction with it
     * (in PostgreSQL any failed statement aborts the whole transaction) */
    int batching, tx_open, lost;
    char node[STORE_PG_NODE_MAX]; /* store_pg_set_node; "" until set */
};

/* Fills the case, case search, ticket_get, privacy, audit and stats members of ops
 * (bot/store_pg_case.c). Called once, after store_pg.c filled its own and stubs for these. */
void store_pg_case_ops(struct store_ops *ops);

static inline struct store_pg *store_pg_cast(struct store *s)
{
    return (struct store_pg *)s;
}

/* Before a write: in a batch, the batch's transaction, begun by its first write; SN_EDB once
 * the batch was lost (every later write of it fails too: none of the batch happened). */
int store_pg_enter(struct store_pg *q, struct sn_err *err);
/* After a write (rc its result): returns rc. A failure in a batch aborted the batch's
 * transaction: it is rolled back now, and store_batch_end says SN_EDB. Outside a batch a
 * statement commits on its own and nothing needs doing. */
int store_pg_check(struct store_pg *q, int rc);
/* One write statement under those rules: enter, bot_pg_exec (text parameters), check.
 * *res as bot_pg_exec's (owned by the caller; res may be NULL). A write whose failure is
 * expected (a duplicate, a missing row) must be written so that it does not fail in SQL
 * (ON CONFLICT DO NOTHING, a WHERE EXISTS, a row count): a failed statement takes the
 * batch with it. */
int store_pg_write(struct store_pg *q,
                   const char *sql,
                   int n,
                   const char *const *vals,
                   PGresult **res,
                   struct sn_err *err);
/* A write of several statements: its own transaction, or in a batch a savepoint in the
 * batch's, so that a failure undoes this write only (as far as PostgreSQL allows: a lost
 * connection takes the batch). */
int store_pg_tx_begin(struct store_pg *q, struct sn_err *err);
/* Ends store_pg_tx_begin's: rc SN_OK commits (in a batch: keeps the write in it), else it is
 * undone. Returns rc, or the commit's failure. */
int store_pg_tx_end(struct store_pg *q, int rc, struct sn_err *err);

/* A text parameter for a long long: buf at least 24 bytes (bot_pg_fmt_ll). */
#define STORE_PG_LL(buf, v) bot_pg_fmt_ll((buf), (v))
/* A C string (NULL and "" alike) as an optional text parameter: NULL for "". */
static inline const char *store_pg_opt(const char *v)
{
    return v && *v ? v : NULL;
}
/* Copies column col of row into dst[0..size) ("" for NULL), cut at size - 1 bytes. */
void store_pg_copy(char *dst, size_t size, const PGresult *r, int row, int col);

#endif
