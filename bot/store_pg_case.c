/* The PostgreSQL store's cases (add, find, record, timeline), the case search, ticket_get,
 * privacy (a subject's conversations, export, purge, stale conversations, unlink), the privacy
 * audit and the analytics record (stats_events): the same tables, columns and answers as
 * bot/store_sqlite.c, translated. store_pg_case_ops fills these members of the PG store's ops
 * (bot/store_pg.c fills the rest).
 *
 * Every statement here is a static string, prepared once per connection by bot_pg_exec,
 * except the case search's, which is assembled per call from fixed clauses (its parameters
 * never in the text) and run unprepared: a prepared form would be named by a buffer's address.
 *
 * Writes follow store_pg_int.h's rules: a write is one statement (a data-modifying WITH for a
 * case and its event) through store_pg_write, written so that what may be expected does not
 * fail in SQL (a reference that exists: ON CONFLICT DO NOTHING, SN_ECONFLICT, drawn again by
 * the caller; a conversation purged meanwhile: looked for in the statement), since a failed
 * statement takes the server's group commit with it; the purge is several statements in
 * store_pg_tx_begin's transaction (a savepoint inside a batch). Reads of several statements
 * (the export, the stats walk) share one snapshot. */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/pg.h"
#include "bot/store.h"
#include "bot/store_pg_int.h"

static struct bot_pg *pg_of(struct store *s)
{
    return store_pg_cast(s)->pg;
}

/* The text of v into buf (24 bytes); 0 is "never" (NULL) for times and the ticket link. */
static const char *time_or_null(char *buf, long long v)
{
    return v ? bot_pg_fmt_ll(buf, v) : NULL;
}

/* The text of a column, NULL for SQL NULL (borrowed from r). */
static const char *col_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static void col_copy(const PGresult *r, int row, int col, char *out, size_t size)
{
    store_pg_copy(out, size, r, row, col);
}

/* ---- a read of several statements in one snapshot ---- */

/* Outside a transaction, a read-only repeatable-read one (*own 1): the statements of an
 * export or of a long walk then see the store as it was when the first began, as SQLite's
 * one statement does. Inside the caller's (a batch), its own. */
static int snapshot_begin(struct bot_pg *pg, int *own, struct sn_err *err)
{
    int rc = SN_OK;
    *own = !bot_pg_in_tx(pg);
    if (*own && (rc = bot_pg_begin(pg, err)) == SN_OK &&
        (rc = bot_pg_script(pg, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", err)))
        bot_pg_rollback(pg);
    return rc;
}

/* Ends snapshot_begin's: returns rc, or the commit's failure. */
static int snapshot_end(struct bot_pg *pg, int own, int rc, struct sn_err *err)
{
    if (!own || !bot_pg_in_tx(pg))
        return rc;
    if (rc == SN_OK)
        return bot_pg_commit(pg, err);
    bot_pg_rollback(pg);
    return rc;
}

/* ---- tickets ---- */

static const char ticket_get_sql[] =
    "SELECT id, coalesce(conv_id, ''), lang, email, text, created, consent FROM sanad_store.tickets"
    " WHERE id = $1::bigint";

static int
pc_ticket_get(struct store *s, long long id, store_ticket_fn *fn, void *ctx, struct sn_err *err)
{
    char b[24];
    const char *v[] = {bot_pg_fmt_ll(b, id)};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), ticket_get_sql, 1, v, &r, err);
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = sn_err_set(err, SN_ENOTFOUND, "no ticket %lld", id);
    } else {
        struct store_ticket t = {.id = bot_pg_ll(r, 0, 0),
                                 .conv_id = bot_pg_str(r, 0, 1),
                                 .lang = bot_pg_str(r, 0, 2),
                                 .email = col_or_null(r, 0, 3),
                                 .text = bot_pg_str(r, 0, 4),
                                 .created = bot_pg_ll(r, 0, 5),
                                 .consent = (int)bot_pg_ll(r, 0, 6)};
        rc = fn(ctx, &t);
    }
    PQclear(r);
    return rc;
}

/* ---- cases ---- */

/* A case's columns, in the order case_row reads them. */
#define CASE_COLS                                                                              \
    "SELECT id, ref, coalesce(conv_id, ''), coalesce(ticket_id, 0), coalesce(visitor_id, '')," \
    " status, priority, coalesce(department, ''), coalesce(assignee, ''), created, updated,"   \
    " coalesce(first_response_at, 0), coalesce(solved_at, 0), sla_breached, tier FROM "        \
    "sanad_store.cases"

static const char case_by_ref_sql[] = CASE_COLS " WHERE ref = $1::text";
static const char case_by_conv_sql[] =
    CASE_COLS " WHERE conv_id = $1::text ORDER BY id DESC LIMIT 1";
static const char case_by_visitor_sql[] =
    CASE_COLS " WHERE visitor_id = $1::text ORDER BY id DESC LIMIT 1";

/* The case and its first event in one statement (one round trip, atomic without a
 * transaction). $1 the reference, $2.. the fields as case_params numbers them, $15.. the
 * event. The id is the identity column's: unique across nodes. The reference is the caller's
 * random draw (bot/cases.c draws again on SN_ECONFLICT); the unique index on ref decides
 * between two nodes that drew the same one at once: no case then (ON CONFLICT DO NOTHING, not
 * a failed statement, which would take a batch with it), and no event either. A conversation
 * that is not there (purged meanwhile, by another node or the CLI) is found the same way
 * rather than by the foreign key's failure: the first column is 0 (its row is held FOR KEY
 * SHARE, as the foreign key would, until the statement's transaction ends). */
static const char case_add_sql[] =
    "WITH conv AS (SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM sanad_store.conversations"
    " WHERE id = $2::text FOR KEY SHARE) AS ok),"
    " c AS (INSERT INTO sanad_store.cases(ref, conv_id, ticket_id, visitor_id, status, priority,"
    " department, assignee, updated, first_response_at, solved_at, created, sla_breached, tier)"
    " SELECT $1::text, $2::text, $3::bigint, $4::text, $5::text, $6::bigint, $7::text,"
    " $8::text, $9::bigint, $10::bigint, $11::bigint, $12::bigint, $13::bigint, $14::bigint"
    " FROM conv WHERE conv.ok ON CONFLICT (ref) DO NOTHING RETURNING id),"
    " e AS (INSERT INTO sanad_store.case_events(case_id, ts, kind, actor, detail)"
    " SELECT id, $15::bigint, $16::text, $17::text, $18::text FROM c)"
    " SELECT (SELECT ok FROM conv)::int, (SELECT id FROM c)";

/* Every column but id, ref and created, and the event, in one statement: no event when there
 * is no such case. $1 the id. Its first column is 0 when the case would move to a
 * conversation that is not there, its second the events written (0: no such case). */
static const char case_set_sql[] =
    "WITH conv AS (SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM sanad_store.conversations"
    " WHERE id = $2::text FOR KEY SHARE) AS ok),"
    " u AS (UPDATE sanad_store.cases SET conv_id = $2::text, ticket_id = $3::bigint,"
    " visitor_id = $4::text, status = $5::text, priority = $6::bigint, department = $7::text,"
    " assignee = $8::text, updated = $9::bigint, first_response_at = $10::bigint,"
    " solved_at = $11::bigint, sla_breached = $12::bigint, tier = $13::bigint"
    " WHERE id = $1::bigint AND (SELECT ok FROM conv) RETURNING id),"
    " e AS (INSERT INTO sanad_store.case_events(case_id, ts, kind, actor, detail)"
    " SELECT id, $14::bigint, $15::text, $16::text, $17::text FROM u RETURNING case_id)"
    " SELECT (SELECT ok FROM conv)::int, (SELECT count(*) FROM e)";

static const char case_events_sql[] =
    "SELECT case_id, ts, kind, actor, detail FROM sanad_store.case_events"
    " WHERE case_id = $1::bigint ORDER BY id";

/* The parameters of a case's fields from v[1] on, as case_add_sql and case_set_sql number
 * them (written once, so the two cannot drift apart); created is written only when add.
 * bufs holds the numbers' text. Returns the next free index. */
static int case_params(const char **v,
                       char (*bufs)[24],
                       const struct store_case *c,
                       int add,
                       const struct store_case_event *ev)
{
    int k = 1;
    v[k++] = store_pg_opt(c->conv_id);
    v[k++] = time_or_null(bufs[0], c->ticket_id);
    v[k++] = store_pg_opt(c->visitor_id);
    v[k++] = c->status;
    v[k++] = bot_pg_fmt_ll(bufs[1], c->priority);
    v[k++] = store_pg_opt(c->department);
    v[k++] = store_pg_opt(c->assignee);
    v[k++] = bot_pg_fmt_ll(bufs[2], c->updated);
    v[k++] = time_or_null(bufs[3], c->first_response_at);
    v[k++] = time_or_null(bufs[4], c->solved_at);
    if (add)
        v[k++] = bot_pg_fmt_ll(bufs[5], c->created);
    v[k++] = bot_pg_fmt_ll(bufs[6], c->sla_breached);
    v[k++] = bot_pg_fmt_ll(bufs[7], c->tier < 1 ? 1 : c->tier);
    v[k++] = bot_pg_fmt_ll(bufs[8], ev->ts);
    v[k++] = ev->kind;
    v[k++] = ev->actor;
    v[k++] = ev->detail;
    return k;
}

static int pc_case_add(struct store *s,
                       struct store_case *c,
                       const struct store_case_event *ev,
                       struct sn_err *err)
{
    const char *v[18];
    char bufs[9][24];
    PGresult *r = NULL;
    v[0] = c->ref;
    int n = case_params(v, bufs, c, 1, ev);
    assert(n == 18);
    int rc = store_pg_write(store_pg_cast(s), case_add_sql, n, v, &r, err);
    if (rc == SN_OK && (PQntuples(r) != 1 || !bot_pg_ll(r, 0, 0)))
        rc = sn_err_set(err, SN_EDB, "store: no conversation %s for the case", c->conv_id);
    else if (rc == SN_OK && bot_pg_null(r, 0, 1))
        rc = sn_err_set(err, SN_ECONFLICT, "store: case %s exists", c->ref);
    else if (rc == SN_OK)
        c->id = bot_pg_ll(r, 0, 1);
    PQclear(r);
    return rc;
}

static void case_row(const PGresult *r, int i, struct store_case *c)
{
    c->id = bot_pg_ll(r, i, 0);
    col_copy(r, i, 1, c->ref, sizeof c->ref);
    col_copy(r, i, 2, c->conv_id, sizeof c->conv_id);
    c->ticket_id = bot_pg_ll(r, i, 3);
    col_copy(r, i, 4, c->visitor_id, sizeof c->visitor_id);
    col_copy(r, i, 5, c->status, sizeof c->status);
    c->priority = (int)bot_pg_ll(r, i, 6);
    col_copy(r, i, 7, c->department, sizeof c->department);
    col_copy(r, i, 8, c->assignee, sizeof c->assignee);
    c->created = bot_pg_ll(r, i, 9);
    c->updated = bot_pg_ll(r, i, 10);
    c->first_response_at = bot_pg_ll(r, i, 11);
    c->solved_at = bot_pg_ll(r, i, 12);
    c->sla_breached = (int)bot_pg_ll(r, i, 13);
    c->tier = (int)bot_pg_ll(r, i, 14);
}

static int pc_case_find(struct store *s,
                        enum store_case_key key,
                        const char *value,
                        struct store_case *out,
                        struct sn_err *err)
{
    static const char *const by[] = {[STORE_CASE_BY_REF] = case_by_ref_sql,
                                     [STORE_CASE_BY_CONV] = case_by_conv_sql,
                                     [STORE_CASE_BY_VISITOR] = case_by_visitor_sql};
    PGresult *r = NULL;
    memset(out, 0, sizeof *out);
    if ((unsigned)key >= sizeof by / sizeof *by || !value || !*value)
        return sn_err_set(err, SN_ENOTFOUND, "store: no such case");
    const char *v[] = {value};
    int rc = bot_pg_exec(pg_of(s), by[key], 1, v, &r, err);
    if (rc == SN_OK && PQntuples(r) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no case for %s", value);
    else if (rc == SN_OK)
        case_row(r, 0, out);
    PQclear(r);
    return rc;
}

static int pc_case_record(struct store *s,
                          const struct store_case *c,
                          const struct store_case_event *ev,
                          struct sn_err *err)
{
    const char *v[17];
    char bufs[9][24], idb[24];
    PGresult *r = NULL;
    v[0] = bot_pg_fmt_ll(idb, c->id);
    int n = case_params(v, bufs, c, 0, ev);
    assert(n == 17);
    int rc = store_pg_write(store_pg_cast(s), case_set_sql, n, v, &r, err);
    if (rc == SN_OK && (PQntuples(r) != 1 || !bot_pg_ll(r, 0, 0)))
        rc = sn_err_set(err, SN_EDB, "store: no conversation %s for case %lld", c->conv_id, c->id);
    else if (rc == SN_OK && bot_pg_ll(r, 0, 1) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no case %lld", c->id);
    PQclear(r);
    return rc;
}

static int pc_case_event_each(
    struct store *s, long long case_id, store_case_event_fn *fn, void *ctx, struct sn_err *err)
{
    char b[24];
    const char *v[] = {bot_pg_fmt_ll(b, case_id)};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), case_events_sql, 1, v, &r, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++) {
        struct store_case_event ev = {.case_id = bot_pg_ll(r, i, 0),
                                      .ts = bot_pg_ll(r, i, 1),
                                      .kind = bot_pg_str(r, i, 2),
                                      .actor = bot_pg_str(r, i, 3),
                                      .detail = col_or_null(r, i, 4)};
        rc = fn(ctx, &ev);
    }
    PQclear(r);
    return rc;
}

/* ---- the case search ---- */

/* The search's columns: case_row's, the summary (the first visitor message, else the left
 * message: only what the people wrote), then the left message's text, email, created and
 * language (each a lookup by the tickets' primary key; NULL when none). substr counts
 * characters, as SQLite's does on text. */
#define SEARCH_COLS                                                                               \
    "SELECT c.id, c.ref, coalesce(c.conv_id, ''), coalesce(c.ticket_id, 0),"                      \
    " coalesce(c.visitor_id, ''), c.status, c.priority, coalesce(c.department, ''),"              \
    " coalesce(c.assignee, ''), c.created, c.updated, coalesce(c.first_response_at, 0),"          \
    " coalesce(c.solved_at, 0), c.sla_breached, c.tier, coalesce((SELECT substr(m.text, 1, 140)"  \
    " FROM sanad_store.messages m WHERE m.conv_id = c.conv_id AND m.sender = 'visitor' ORDER BY " \
    "m.seq"                                                                                       \
    " LIMIT 1), (SELECT substr(t.text, 1, 140) FROM sanad_store.tickets t WHERE t.id = "          \
    "c.ticket_id), ''),"                                                                          \
    " (SELECT t.text FROM sanad_store.tickets t WHERE t.id = c.ticket_id),"                       \
    " (SELECT t.email FROM sanad_store.tickets t WHERE t.id = c.ticket_id),"                      \
    " (SELECT t.created FROM sanad_store.tickets t WHERE t.id = c.ticket_id),"                    \
    " (SELECT t.lang FROM sanad_store.tickets t WHERE t.id = c.ticket_id)"

/* The text, as the SQLite store matches it: a substring of what the visitor, the agents and
 * their notes wrote in the case's conversation (its messages' primary key is (conv_id, seq):
 * each case reads only its own) or of its left message; the bot's turns are left out (they
 * repeat the knowledge base). ILIKE: ASCII letters in any case (PostgreSQL folds other
 * letters too, by the database's locale, where SQLite's LIKE does not); the escape is the
 * backslash, which like_pattern puts before \, % and _. */
#define SEARCH_TEXT                                                                  \
    " AND (EXISTS (SELECT 1 FROM sanad_store.messages m WHERE m.conv_id = c.conv_id" \
    " AND m.sender IN ('visitor', 'agent', 'note') AND m.text ILIKE $# ESCAPE '\\')" \
    " OR EXISTS (SELECT 1 FROM sanad_store.tickets t WHERE t.id = c.ticket_id"       \
    " AND t.text ILIKE $# ESCAPE '\\'))"

/* s as a LIKE pattern that matches it anywhere: %s%, with \, % and _ escaped by \. Owned by
 * the caller (free). */
static char *like_pattern(const char *s)
{
    size_t n = strlen(s), j = 0;
    char *p = sn_xmalloc(2 * n + 3);
    p[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '%' || s[i] == '_')
            p[j++] = '\\';
        p[j++] = s[i];
    }
    p[j++] = '%';
    p[j] = 0;
    return p;
}

/* The search's SQL, made of fixed clauses (no input ever in the text), and its parameters
 * (all passed as text; PostgreSQL types each by its place, and the numbers are cast). */
struct search_sql {
    char sql[4096];
    size_t len;
    int n;               /* parameters so far */
    const char *val[20]; /* parameter i + 1 */
    char num[20][24];    /* the text of the numbers */
};

/* Appends clause to the SQL, each "$#" in it numbered as the next parameter: text, or num
 * (as text) when text is NULL. The clauses are this file's: their length is bounded. */
static void search_add(struct search_sql *q, const char *clause, const char *text, long long num)
{
    assert(q->n < (int)(sizeof q->val / sizeof *q->val));
    q->n++;
    for (const char *p = clause; *p; p++) {
        if (p[0] == '$' && p[1] == '#') {
            q->len += (size_t)snprintf(q->sql + q->len, sizeof q->sql - q->len, "$%d", q->n);
            p++;
        } else if (q->len + 1 < sizeof q->sql) {
            q->sql[q->len++] = *p;
        }
        assert(q->len + 1 < sizeof q->sql);
    }
    q->sql[q->len] = 0;
    q->val[q->n - 1] = text ? text : bot_pg_fmt_ll(q->num[q->n - 1], num);
}

/* Appends clause as it is (no parameter). */
static void search_raw(struct search_sql *q, const char *clause)
{
    q->len += (size_t)snprintf(q->sql + q->len, sizeof q->sql - q->len, "%s", clause);
    assert(q->len + 1 < sizeof q->sql);
}

/* The conditions of f but the text, as " AND …" clauses of the cases aliased c. */
static void search_filters(struct search_sql *b, const struct store_case_filter *f)
{
    if (f->ref)
        search_add(b, " AND c.ref = $#::text", f->ref, 0);
    if (f->nstatus) { /* status IN ($a, $b, …): one parameter each */
        search_raw(b, " AND c.status IN (");
        for (int i = 0; i < f->nstatus; i++)
            search_add(b, i ? ", $#::text" : "$#::text", f->status[i], 0);
        search_raw(b, ")");
    }
    if (f->department)
        search_add(b, " AND c.department = $#::text", f->department, 0);
    if (f->assignee)
        search_add(b, " AND c.assignee = $#::text", f->assignee, 0);
    if (f->visitor_id)
        search_add(b, " AND c.visitor_id = $#::text", f->visitor_id, 0);
    if (f->from)
        search_add(b, " AND c.created >= $#::bigint", NULL, f->from);
    if (f->to)
        search_add(b, " AND c.created <= $#::bigint", NULL, f->to);
    if (f->before)
        search_add(b, " AND c.id < $#::bigint", NULL, f->before);
    if (f->exclude_id)
        search_add(b, " AND c.id <> $#::bigint", NULL, f->exclude_id);
}

/* 1 when f is a search store_case_search runs: a limit in range, a status count that fits,
 * a window that is not negative. */
static int search_valid(const struct store_case_filter *f)
{
    return f->limit >= 1 && f->limit <= STORE_CASE_SEARCH_MAX && f->nstatus >= 0 &&
           f->nstatus <= STORE_CASE_SEARCH_STATUSES && f->scan >= 0;
}

/* The search of f into b (zeroed by the caller); like is f->text as like_pattern made it
 * (borrowed: it must outlive b's use), or NULL without a text. With a text and a window,
 * the text is matched in the f->scan newest cases the other conditions give: a bounded
 * amount of work per call, whatever the store holds. */
static void search_build(struct search_sql *b, const struct store_case_filter *f, const char *like)
{
    int window = like && f->scan > 0;
    search_raw(b, SEARCH_COLS);
    search_raw(b, window ? " FROM (SELECT * FROM sanad_store.cases c WHERE true"
                         : " FROM sanad_store.cases c WHERE true");
    search_filters(b, f);
    if (window) {
        search_add(b, " ORDER BY c.id DESC LIMIT $#::bigint", NULL, f->scan);
        search_raw(b, ") c WHERE true");
    }
    if (like)
        search_add(b, SEARCH_TEXT, like, 0);
    search_add(b, " ORDER BY c.id DESC LIMIT $#::bigint", NULL, f->limit);
}

/* The count and the lowest id of the f->scan newest cases that meet the other conditions
 * into b (zeroed by the caller). */
static void search_window_build(struct search_sql *b, const struct store_case_filter *f)
{
    search_raw(b, "SELECT count(*), min(w.id) FROM (SELECT c.id FROM sanad_store.cases c"
                  " WHERE true");
    search_filters(b, f);
    search_add(b, " ORDER BY c.id DESC LIMIT $#::bigint) w", NULL, f->scan);
}

/* Where a text search's window ended: the lowest id of the f->scan newest cases that meet
 * the other conditions when there are that many (more may lie below), else 0. */
static int search_window_end(struct bot_pg *pg,
                             const struct store_case_filter *f,
                             long long *end,
                             struct sn_err *err)
{
    struct search_sql b = {.len = 0};
    PGresult *r = NULL;
    search_window_build(&b, f);
    int rc = bot_pg_exec_adhoc(pg, b.sql, b.n, b.val, &r, err);
    *end = 0;
    if (rc == SN_OK && PQntuples(r) == 1 && bot_pg_ll(r, 0, 0) == f->scan)
        *end = bot_pg_ll(r, 0, 1);
    PQclear(r);
    return rc;
}

static int pc_case_search(struct store *s,
                          const struct store_case_filter *f,
                          store_case_found_fn *fn,
                          void *ctx,
                          long long *scan_end,
                          struct sn_err *err)
{
    struct bot_pg *pg = pg_of(s);
    struct search_sql *b = NULL;
    PGresult *r = NULL;
    char *like = NULL;
    int rc = SN_OK, window = f->text && f->scan > 0;
    if (scan_end)
        *scan_end = 0;
    if (!search_valid(f))
        return sn_err_set(err, SN_EINVAL, "store: bad case search");
    b = sn_xcalloc(1, sizeof *b);
    if (f->text)
        like = like_pattern(f->text);
    search_build(b, f, like);
    if ((rc = bot_pg_exec_adhoc(pg, b->sql, b->n, b->val, &r, err)))
        goto out;
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_case c;
        case_row(r, i, &c);
        struct store_ticket left = {.id = c.ticket_id,
                                    .conv_id = c.conv_id,
                                    .text = col_or_null(r, i, 16),
                                    .email = col_or_null(r, i, 17),
                                    .created = bot_pg_ll(r, i, 18),
                                    .lang = col_or_null(r, i, 19)};
        if ((rc = fn(ctx, &c, bot_pg_str(r, i, 15), left.text ? &left : NULL)))
            goto out;
    }
    if (window && scan_end)
        rc = search_window_end(pg, f, scan_end, err);
out:
    PQclear(r);
    free(like);
    free(b);
    return rc;
}

/* ---- privacy (bot/privacy.h, docs/privacy.md) ---- */

/* Calls fn for the first column of every row of r that is not NULL; r is the client's copy,
 * so fn may write (a purge) while it is walked. */
static int each_id(const PGresult *r, store_id_fn *fn, void *ctx)
{
    int rc = SN_OK;
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++)
        if (!PQgetisnull(r, i, 0))
            rc = fn(ctx, PQgetvalue(r, i, 0));
    return rc;
}

static const char subject_token_sql[] =
    "SELECT id FROM sanad_store.conversations WHERE token_hash = $1::text ORDER BY created, id";
static const char subject_email_sql[] =
    "SELECT id FROM sanad_store.conversations WHERE id IN ("
    " SELECT conv_id FROM sanad_store.profiles WHERE lower(email) = lower($1::text)"
    " UNION SELECT conv_id FROM sanad_store.tickets WHERE lower(email) = lower($1::text))"
    " ORDER BY created, id";
/* The visitor's reopened cases' timelines: each "reopened" event names the conversation the
 * case moved from (detail.previous_conversation), read here with jansson: PostgreSQL 15 has
 * no cast of text to json that spares a detail that is not JSON. */
static const char subject_reopened_sql[] =
    "SELECT e.detail FROM sanad_store.case_events e JOIN sanad_store.cases c ON c.id = e.case_id"
    " WHERE c.visitor_id = $1::text AND e.kind = 'reopened' AND e.detail IS NOT NULL";
/* $2: a JSON array of those previous conversations (strings). */
static const char subject_visitor_sql[] =
    "SELECT id FROM sanad_store.conversations WHERE id IN ("
    " SELECT conv_id FROM sanad_store.cases WHERE visitor_id = $1::text"
    " UNION SELECT x FROM json_array_elements_text($2::json) x)"
    " ORDER BY created, id";

/* The JSON array (text, owned by the caller: free) of the conversations the visitor's cases
 * were reopened from. */
static int reopened_from(struct bot_pg *pg, const char *visitor, char **out, struct sn_err *err)
{
    const char *v[] = {visitor};
    PGresult *r = NULL;
    json_t *list = json_array();
    int rc = bot_pg_exec(pg, subject_reopened_sql, 1, v, &r, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++) {
        json_t *d = json_loads(PQgetvalue(r, i, 0), JSON_DECODE_ANY, NULL);
        json_t *prev = json_is_object(d) ? json_object_get(d, "previous_conversation") : NULL;
        if (json_is_string(prev))
            json_array_append(list, prev);
        json_decref(d);
    }
    *out = rc == SN_OK ? json_dumps(list, JSON_COMPACT) : NULL;
    if (rc == SN_OK && !*out)
        rc = sn_err_set(err, SN_EDB, "store: cannot encode the JSON");
    json_decref(list);
    PQclear(r);
    return rc;
}

static int pc_subject_convs(struct store *s,
                            enum store_subject kind,
                            const char *value,
                            store_id_fn *fn,
                            void *ctx,
                            struct sn_err *err)
{
    struct bot_pg *pg = pg_of(s);
    PGresult *r = NULL;
    char *prev = NULL;
    int rc = SN_OK;
    const char *v[] = {value, NULL};
    switch (kind) {
    case STORE_SUBJECT_TOKEN:
        rc = bot_pg_exec(pg, subject_token_sql, 1, v, &r, err);
        break;
    case STORE_SUBJECT_EMAIL:
        rc = bot_pg_exec(pg, subject_email_sql, 1, v, &r, err);
        break;
    case STORE_SUBJECT_VISITOR:
        if ((rc = reopened_from(pg, value, &prev, err)) == SN_OK) {
            v[1] = prev;
            rc = bot_pg_exec(pg, subject_visitor_sql, 2, v, &r, err);
        }
        break;
    default:
        return sn_err_set(err, SN_EINVAL, "store: no such subject kind");
    }
    if (rc == SN_OK)
        rc = each_id(r, fn, ctx);
    PQclear(r);
    free(prev);
    return rc;
}

/* ---- export: one conversation as JSON, built here with jansson (keys in the SQLite
 * export's order; jansson keeps the order they are set in) ---- */

/* Column col of row i as a JSON value: null for NULL, else a number (int) or a string. */
static json_t *j_int(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? json_null() : json_integer(bot_pg_ll(r, i, col));
}

static json_t *j_str(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? json_null() : json_string(PQgetvalue(r, i, col));
}

/* A column that holds JSON (meta, detail): the JSON itself when it parses, else the text as
 * it is (SQLite's CASE WHEN json_valid(x) THEN json(x) ELSE x END). */
static json_t *j_json_or_text(const PGresult *r, int i, int col)
{
    if (PQgetisnull(r, i, col))
        return json_null();
    json_t *v = json_loads(PQgetvalue(r, i, col), JSON_DECODE_ANY, NULL);
    return v ? v : json_string(PQgetvalue(r, i, col));
}

/* The column kinds of an export table: how each column becomes a value. */
enum jcol { J_INT, J_STR, J_JSON };
struct jfield {
    const char *key;
    enum jcol kind;
};

static json_t *j_field(const PGresult *r, int i, int col, enum jcol kind)
{
    json_t *v = kind == J_INT   ? j_int(r, i, col)
                : kind == J_STR ? j_str(r, i, col)
                                : j_json_or_text(r, i, col);
    return v ? v : json_null(); /* a text jansson refused (not UTF-8): none */
}

/* Row i of r as an object of fields[0..n) (column k is fields[k]). */
static json_t *j_row(const PGresult *r, int i, const struct jfield *fields, int n)
{
    json_t *o = json_object();
    for (int k = 0; k < n; k++)
        json_object_set_new(o, fields[k].key, j_field(r, i, k, fields[k].kind));
    return o;
}

#define NFIELDS(a) ((int)(sizeof(a) / sizeof *(a)))

static const struct jfield conv_fields[] = {{"id", J_STR},      {"state", J_STR},
                                            {"lang", J_STR},    {"created", J_INT},
                                            {"updated", J_INT}, {"resolution", J_STR}};
static const char export_conv_sql[] = "SELECT id, state, lang, created, updated, resolution"
                                      " FROM sanad_store.conversations WHERE id = $1::text";
static const struct jfield msg_fields[] = {
    {"seq", J_INT},  {"sender", J_STR}, {"text", J_STR}, {"ts", J_INT},     {"agent", J_STR},
    {"kind", J_STR}, {"kb_id", J_STR},  {"band", J_STR}, {"intent", J_STR}, {"meta", J_JSON}};
static const char export_msgs_sql[] =
    "SELECT seq, sender, text, ts, agent, kind, kb_id, band,"
    " intent, meta FROM sanad_store.messages WHERE conv_id = $1::text"
    " ORDER BY seq";
static const struct jfield feedback_fields[] = {{"seq", J_INT}, {"helpful", J_INT}, {"ts", J_INT}};
static const char export_feedback_sql[] =
    "SELECT seq, helpful, ts FROM sanad_store.feedback WHERE conv_id = $1::text ORDER BY ts, seq";
static const struct jfield csat_fields[] = {{"rating", J_INT}, {"comment", J_STR}, {"ts", J_INT}};
static const char export_csat_sql[] =
    "SELECT rating, comment, ts FROM sanad_store.csat WHERE conv_id = $1::text";
static const struct jfield profile_fields[] = {{"name", J_STR},
                                               {"email", J_STR},
                                               {"consent", J_INT},
                                               {"department", J_STR},
                                               {"updated", J_INT}};
static const char export_profile_sql[] = "SELECT name, email, consent, department, updated"
                                         " FROM sanad_store.profiles WHERE conv_id = $1::text";
static const struct jfield ticket_fields[] = {
    {"id", J_INT},   {"lang", J_STR},    {"email", J_STR}, {"consent", J_INT},
    {"text", J_STR}, {"created", J_INT}, {"status", J_STR}};
static const char export_tickets_sql[] =
    "SELECT id, lang, email, consent, text, created, status"
    " FROM sanad_store.tickets WHERE conv_id = $1::text ORDER BY id";
static const struct jfield att_fields[] = {{"id", J_STR},   {"type", J_STR}, {"size", J_INT},
                                           {"name", J_STR}, {"hash", J_STR}, {"created", J_INT}};
static const char export_atts_sql[] =
    "SELECT id, type, size, name, hash, created"
    " FROM sanad_store.attachments WHERE conv_id = $1::text ORDER BY id";
/* The cases' fields; the id (the last column) only finds the case's events. */
static const struct jfield case_fields[] = {{"ref", J_STR},
                                            {"status", J_STR},
                                            {"priority", J_INT},
                                            {"department", J_STR},
                                            {"assignee", J_STR},
                                            {"visitor", J_STR},
                                            {"ticket", J_INT},
                                            {"tier", J_INT},
                                            {"created", J_INT},
                                            {"updated", J_INT},
                                            {"first_response_at", J_INT},
                                            {"solved_at", J_INT}};
static const char export_cases_sql[] =
    "SELECT ref, status, priority, department, assignee, visitor_id, ticket_id, tier, created,"
    " updated, first_response_at, solved_at, id FROM sanad_store.cases WHERE conv_id = $1::text "
    "ORDER BY id";
static const struct jfield event_fields[] = {
    {"ts", J_INT}, {"kind", J_STR}, {"actor", J_STR}, {"detail", J_JSON}};
static const char export_events_sql[] =
    "SELECT ts, kind, actor, detail FROM sanad_store.case_events"
    " WHERE case_id = $1::bigint ORDER BY id";

/* Every row of sql ($1 = key) as an array of objects (*out, owned by the caller); one: the
 * first row as an object, or null when none. */
static int j_rows(struct bot_pg *pg,
                  const char *sql_text,
                  const char *key,
                  const struct jfield *fields,
                  int n,
                  int one,
                  json_t **out,
                  struct sn_err *err)
{
    const char *v[] = {key};
    PGresult *r = NULL;
    *out = NULL;
    int rc = bot_pg_exec(pg, sql_text, 1, v, &r, err);
    if (rc)
        return rc;
    if (one) {
        *out = PQntuples(r) ? j_row(r, 0, fields, n) : json_null();
    } else {
        *out = json_array();
        for (int i = 0; i < PQntuples(r); i++)
            json_array_append_new(*out, j_row(r, i, fields, n));
    }
    PQclear(r);
    return SN_OK;
}

/* The conversation's cases, each with its events ("events"), into *out. */
static int j_cases(struct bot_pg *pg, const char *conv_id, json_t **out, struct sn_err *err)
{
    const char *v[] = {conv_id};
    PGresult *r = NULL;
    *out = json_array();
    int rc = bot_pg_exec(pg, export_cases_sql, 1, v, &r, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++) {
        json_t *k = j_row(r, i, case_fields, NFIELDS(case_fields)), *evs = NULL;
        json_array_append_new(*out, k);
        rc = j_rows(pg, export_events_sql, PQgetvalue(r, i, NFIELDS(case_fields)), event_fields,
                    NFIELDS(event_fields), 0, &evs, err);
        if (rc == SN_OK)
            json_object_set_new(k, "events", evs);
    }
    PQclear(r);
    return rc;
}

static int pc_conv_export(struct store *s, const char *conv_id, char **json, struct sn_err *err)
{
    static const struct {
        const char *key, *sql;
        const struct jfield *fields;
        int n, one;
    } parts[] = {
        {"messages", export_msgs_sql, msg_fields, NFIELDS(msg_fields), 0},
        {"feedback", export_feedback_sql, feedback_fields, NFIELDS(feedback_fields), 0},
        {"csat", export_csat_sql, csat_fields, NFIELDS(csat_fields), 1},
        {"profile", export_profile_sql, profile_fields, NFIELDS(profile_fields), 1},
        {"tickets", export_tickets_sql, ticket_fields, NFIELDS(ticket_fields), 0},
        {"attachments", export_atts_sql, att_fields, NFIELDS(att_fields), 0},
    };
    struct bot_pg *pg = pg_of(s);
    json_t *doc = NULL, *part = NULL;
    int own;
    *json = NULL;
    /* one snapshot: the parts are read by several statements */
    int rc = snapshot_begin(pg, &own, err);
    if (rc)
        return rc;
    rc = j_rows(pg, export_conv_sql, conv_id, conv_fields, NFIELDS(conv_fields), 1, &doc, err);
    if (rc == SN_OK && json_is_null(doc))
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", conv_id);
    for (size_t i = 0; rc == SN_OK && i < sizeof parts / sizeof parts[0]; i++) {
        rc = j_rows(pg, parts[i].sql, conv_id, parts[i].fields, parts[i].n, parts[i].one, &part,
                    err);
        if (rc == SN_OK)
            json_object_set_new(doc, parts[i].key, part);
    }
    if (rc == SN_OK) {
        rc = j_cases(pg, conv_id, &part, err);
        json_object_set_new(doc, "cases", part); /* on a failure, freed with doc */
    }
    if (rc == SN_OK && !(*json = json_dumps(doc, JSON_COMPACT)))
        rc = sn_err_set(err, SN_EDB, "store: cannot encode the JSON");
    json_decref(doc);
    if ((rc = snapshot_end(pg, own, rc, err))) {
        free(*json);
        *json = NULL;
    }
    return rc;
}

/* ---- the purge ---- */

/* The conversation's cases: those about it and those of its left messages. */
#define PURGE_CASES                                                                               \
    "(SELECT id FROM sanad_store.cases WHERE conv_id = $1::text OR ticket_id IN (SELECT id FROM " \
    "sanad_store.tickets"                                                                         \
    " WHERE conv_id = $1::text))"

/* The free-text keys a purge takes out of the timelines' details (docs/privacy.md). */
static const char *const free_text_keys[] = {"note", "comment", "text", "email", "name", "error"};

static const char purge_details_sql[] =
    "SELECT id, detail FROM sanad_store.case_events WHERE case_id IN " PURGE_CASES
    " AND detail IS NOT NULL ORDER BY id FOR UPDATE";
static const char purge_lock_sql[] =
    "SELECT id FROM sanad_store.conversations WHERE id = $1::text FOR UPDATE";
static const char purge_detail_set_sql[] =
    "UPDATE sanad_store.case_events SET detail = $2::text WHERE id = $1::bigint";

/* The purge's statements after the timelines, in the order the foreign keys need (children
 * before the conversation row); each counts into the store_purge member at its offset (-1:
 * none, and no row is "no such conversation"). */
static const struct {
    const char *sql;
    long offset;
} purge_steps[] = {
    {"UPDATE sanad_store.cases SET conv_id = NULL, ticket_id = NULL, visitor_id = NULL"
     " WHERE id IN " PURGE_CASES,
     offsetof(struct store_purge, cases)},
    {"DELETE FROM sanad_store.messages WHERE conv_id = $1::text",
     offsetof(struct store_purge, messages)},
    {"DELETE FROM sanad_store.tickets WHERE conv_id = $1::text",
     offsetof(struct store_purge, tickets)},
    {"DELETE FROM sanad_store.profiles WHERE conv_id = $1::text",
     offsetof(struct store_purge, profiles)},
    {"UPDATE sanad_store.csat SET comment = NULL WHERE conv_id = $1::text AND comment IS NOT NULL",
     offsetof(struct store_purge, csat_comments)},
    {"DELETE FROM sanad_store.conversations WHERE id = $1::text", -1},
};

/* The free-text keys out of the details of the conversation's cases' events. *n counts every
 * detail that is JSON (SQLite's json_remove rewrites each of them, changed or not: the same
 * count); only those that lose a key are written. PostgreSQL 15 cannot test text for JSON
 * in SQL without failing the statement on the first that is not, hence jansson. */
static int purge_details(struct bot_pg *pg, const char *conv_id, long long *n, struct sn_err *err)
{
    const char *v[] = {conv_id};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg, purge_details_sql, 1, v, &r, err);
    *n = 0;
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++) {
        json_t *d = json_loads(PQgetvalue(r, i, 1), JSON_DECODE_ANY, NULL);
        int changed = 0;
        if (!d)
            continue;
        (*n)++;
        for (size_t k = 0; json_is_object(d) && k < sizeof free_text_keys / sizeof *free_text_keys;
             k++)
            changed |= json_object_del(d, free_text_keys[k]) == 0;
        char *text = changed ? json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_decref(d);
        if (changed && !text) {
            rc = sn_err_set(err, SN_EDB, "store: cannot encode the JSON");
            break;
        }
        if (text) {
            const char *u[] = {PQgetvalue(r, i, 0), text};
            rc = bot_pg_exec(pg, purge_detail_set_sql, 2, u, NULL, err);
            free(text);
        }
    }
    PQclear(r);
    return rc;
}

/* The rows the last statement changed, from its result's tag. */
static long long changed_rows(const PGresult *r)
{
    const char *t = PQcmdTuples((PGresult *)r);
    return t && *t ? strtoll(t, NULL, 10) : 0;
}

static int
pc_conv_purge(struct store *s, const char *conv_id, struct store_purge *n, struct sn_err *err)
{
    struct store_pg *q = store_pg_cast(s);
    struct bot_pg *pg = q->pg;
    const char *v[] = {conv_id};
    memset(n, 0, sizeof *n);
    int rc = store_pg_tx_begin(q, err);
    if (rc)
        return rc;
    /* the conversation's row first: another node's write to it (a message, a case) waits
     * for the purge, then finds no conversation, instead of failing on a foreign key */
    PGresult *lk = NULL;
    if ((rc = bot_pg_exec(pg, purge_lock_sql, 1, v, &lk, err)) == SN_OK && PQntuples(lk) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", conv_id);
    PQclear(lk);
    /* the free text, while the cases still name the conversation */
    if (rc == SN_OK)
        rc = purge_details(pg, conv_id, &n->case_events, err);
    for (size_t i = 0; rc == SN_OK && i < sizeof purge_steps / sizeof purge_steps[0]; i++) {
        PGresult *r = NULL;
        rc = bot_pg_exec(pg, purge_steps[i].sql, 1, v, &r, err);
        long long changed = rc == SN_OK ? changed_rows(r) : 0;
        PQclear(r);
        if (rc == SN_OK && purge_steps[i].offset >= 0)
            *(long long *)((char *)n + purge_steps[i].offset) = changed;
        else if (rc == SN_OK && changed == 0)
            rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", conv_id);
    }
    if (rc != SN_OK)
        memset(n, 0, sizeof *n);
    return store_pg_tx_end(q, rc, err);
}

static const char stale_sql[] = "SELECT id FROM sanad_store.conversations WHERE updated < "
                                "$1::bigint AND state NOT IN ('queued', 'agent')"
                                " ORDER BY updated, id LIMIT $2::bigint";

static int pc_conv_stale(
    struct store *s, long long before, int limit, store_id_fn *fn, void *ctx, struct sn_err *err)
{
    char b1[24], b2[24];
    const char *v[] = {bot_pg_fmt_ll(b1, before), bot_pg_fmt_ll(b2, limit > 0 ? limit : 1)};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), stale_sql, 2, v, &r, err);
    if (rc == SN_OK)
        rc = each_id(r, fn, ctx);
    PQclear(r);
    return rc;
}

static const char unlink_visitor_sql[] =
    "UPDATE sanad_store.cases SET visitor_id = NULL WHERE visitor_id = $1::text";
static const char unlink_email_sql[] =
    "DELETE FROM sanad_store.tickets WHERE conv_id IS NULL AND lower(email) = lower($1::text)";

static int pc_subject_unlink(
    struct store *s, enum store_subject kind, const char *value, long long *n, struct sn_err *err)
{
    const char *v[] = {value};
    PGresult *r = NULL;
    int rc = SN_OK;
    *n = 0;
    if (kind == STORE_SUBJECT_VISITOR)
        rc = store_pg_write(store_pg_cast(s), unlink_visitor_sql, 1, v, &r, err);
    else if (kind == STORE_SUBJECT_EMAIL)
        rc = store_pg_write(store_pg_cast(s), unlink_email_sql, 1, v, &r, err);
    if (rc == SN_OK && r)
        *n = changed_rows(r);
    PQclear(r);
    return rc;
}

/* ---- the privacy audit ---- */

static const char audit_add_sql[] =
    "INSERT INTO sanad_store.audit(ts, actor, action, subject_kind, subject_hash, conversations, "
    "messages)"
    " VALUES($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::bigint)";
static const char audit_each_sql[] = "SELECT ts, actor, action, subject_kind, subject_hash, "
                                     "conversations, messages FROM sanad_store.audit"
                                     " ORDER BY id DESC LIMIT $1::bigint";

static int pc_audit_add(struct store *s, const struct store_audit *a, struct sn_err *err)
{
    char b[3][24];
    const char *v[] = {bot_pg_fmt_ll(b[0], a->ts),
                       a->actor,
                       a->action,
                       a->subject_kind,
                       a->subject_hash,
                       bot_pg_fmt_ll(b[1], a->conversations),
                       bot_pg_fmt_ll(b[2], a->messages)};
    return store_pg_write(store_pg_cast(s), audit_add_sql, 7, v, NULL, err);
}

static int
pc_audit_each(struct store *s, int limit, store_audit_fn *fn, void *ctx, struct sn_err *err)
{
    char b[24];
    const char *v[] = {bot_pg_fmt_ll(b, limit)};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), audit_each_sql, 1, v, &r, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(r); i++) {
        struct store_audit a = {bot_pg_ll(r, i, 0),   col_or_null(r, i, 1), col_or_null(r, i, 2),
                                col_or_null(r, i, 3), col_or_null(r, i, 4), bot_pg_ll(r, i, 5),
                                bot_pg_ll(r, i, 6)};
        rc = fn(ctx, &a);
    }
    PQclear(r);
    return rc;
}

/* ---- the analytics record (stats_events) ---- */

/* start: the time of the conversation's "conv" row (its own ts for that row), what the walk
 * orders by (the index stats_events_start). */
static const char stats_add_sql[] =
    "INSERT INTO sanad_store.stats_events(ts, kind, conv, lang, channel, agent, sub, band, value, "
    "value2,"
    " start) VALUES($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text,"
    " $8::text, $9::bigint, $10::bigint, CASE WHEN $2::text = 'conv' THEN $1::bigint ELSE"
    " (SELECT min(ts) FROM sanad_store.stats_events WHERE conv = $3::text AND kind = 'conv') END)";
static const char stats_last_sql[] = "SELECT coalesce(max(ts), 0) FROM sanad_store.stats_events"
                                     " WHERE conv = $1::text AND kind = $2::text";
/* One page of the walk, after the row ($3, $4, $5) (start, conv, id); the first page starts
 * from ($1 - 1, '', 0), before every row of the range. */
#define STATS_PAGE 2000
static const char stats_walk_sql[] =
    "SELECT ts, kind, conv, lang, channel, agent, sub, band, value, value2, start, id"
    " FROM sanad_store.stats_events WHERE start >= $1::bigint AND start < $2::bigint"
    " AND (start, conv, id) > ($3::bigint, $4::text, $5::bigint)"
    " ORDER BY start, conv, id LIMIT 2000"; /* STATS_PAGE */
static const char stats_email_seen_sql[] =
    "WITH mine(email) AS (SELECT email FROM sanad_store.profiles WHERE conv_id = $1::text AND "
    "consent = 1"
    " AND email <> '' UNION SELECT email FROM sanad_store.tickets WHERE conv_id = $1::text AND "
    "consent = 1"
    " AND email <> '')"
    " SELECT (EXISTS(SELECT 1 FROM sanad_store.profiles p, mine WHERE lower(p.email) = "
    "lower(mine.email)"
    " AND p.consent = 1 AND p.conv_id <> $1::text AND p.updated >= $2::bigint)"
    " OR EXISTS(SELECT 1 FROM sanad_store.tickets t, mine WHERE lower(t.email) = lower(mine.email)"
    " AND t.consent = 1 AND coalesce(t.conv_id, '') <> $1::text AND t.created >= $2::bigint))"
    "::int";

/* A value of -1 is "none": NULL. */
static const char *value_or_null(char *buf, long long v)
{
    return v >= 0 ? bot_pg_fmt_ll(buf, v) : NULL;
}

static int pc_stats_add(struct store *s, const struct store_stats_event *ev, struct sn_err *err)
{
    char b[3][24];
    const char *v[] = {bot_pg_fmt_ll(b[0], ev->ts),
                       ev->kind,
                       ev->conv,
                       ev->lang,
                       ev->channel,
                       ev->agent,
                       ev->sub,
                       ev->band,
                       value_or_null(b[1], ev->value),
                       value_or_null(b[2], ev->value2)};
    return store_pg_write(store_pg_cast(s), stats_add_sql, 10, v, NULL, err);
}

static int pc_stats_last(
    struct store *s, const char *conv, const char *kind, long long *ts, struct sn_err *err)
{
    const char *v[] = {conv, kind};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), stats_last_sql, 2, v, &r, err);
    *ts = rc == SN_OK && PQntuples(r) ? bot_pg_ll(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

static long long value_col(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? -1 : bot_pg_ll(r, i, col);
}

/* In pages of STATS_PAGE rows by the key (start, conv, id) (the index stats_events_start), in
 * one snapshot (snapshot_begin), so that a long walk holds no result larger than a page and
 * still sees the record as it was when it began, as SQLite's one statement does. */
static int pc_stats_each(struct store *s,
                         long long from,
                         long long to,
                         store_stats_fn *fn,
                         void *ctx,
                         struct sn_err *err)
{
    struct bot_pg *pg = pg_of(s);
    char bf[24], bt[24], bs[24], bi[24], conv[STORE_ID_MAX] = "";
    PGresult *r = NULL;
    int own, rows;
    int rc = snapshot_begin(pg, &own, err);
    const char *v[] = {bot_pg_fmt_ll(bf, from), bot_pg_fmt_ll(bt, to), bot_pg_fmt_ll(bs, from - 1),
                       conv, bot_pg_fmt_ll(bi, 0)};
    do {
        rows = 0;
        if (rc || (rc = bot_pg_exec(pg, stats_walk_sql, 5, v, &r, err)))
            break;
        rows = PQntuples(r);
        for (int i = 0; rc == SN_OK && i < rows; i++) {
            struct store_stats_event ev = {.ts = bot_pg_ll(r, i, 0),
                                           .kind = col_or_null(r, i, 1),
                                           .conv = col_or_null(r, i, 2),
                                           .lang = col_or_null(r, i, 3),
                                           .channel = col_or_null(r, i, 4),
                                           .agent = col_or_null(r, i, 5),
                                           .sub = col_or_null(r, i, 6),
                                           .band = col_or_null(r, i, 7),
                                           .value = value_col(r, i, 8),
                                           .value2 = value_col(r, i, 9)};
            rc = fn(ctx, &ev);
        }
        if (rc == SN_OK && rows) {
            bot_pg_fmt_ll(bs, bot_pg_ll(r, rows - 1, 10));
            snprintf(conv, sizeof conv, "%s", bot_pg_str(r, rows - 1, 2));
            bot_pg_fmt_ll(bi, bot_pg_ll(r, rows - 1, 11));
        }
        PQclear(r);
        r = NULL;
    } while (rc == SN_OK && rows == STATS_PAGE);
    return snapshot_end(pg, own, rc, err);
}

static int pc_stats_email_seen(
    struct store *s, const char *conv, long long since, int *seen, struct sn_err *err)
{
    char b[24];
    const char *v[] = {conv, bot_pg_fmt_ll(b, since)};
    PGresult *r = NULL;
    int rc = bot_pg_exec(pg_of(s), stats_email_seen_sql, 2, v, &r, err);
    *seen = rc == SN_OK && PQntuples(r) && bot_pg_ll(r, 0, 0) != 0;
    PQclear(r);
    return rc;
}

void store_pg_case_ops(struct store_ops *ops)
{
    ops->case_add = pc_case_add;
    ops->case_find = pc_case_find;
    ops->case_record = pc_case_record;
    ops->case_event_each = pc_case_event_each;
    ops->ticket_get = pc_ticket_get;
    ops->case_search = pc_case_search;
    ops->subject_convs = pc_subject_convs;
    ops->conv_export = pc_conv_export;
    ops->conv_purge = pc_conv_purge;
    ops->conv_stale = pc_conv_stale;
    ops->subject_unlink = pc_subject_unlink;
    ops->audit_add = pc_audit_add;
    ops->audit_each = pc_audit_each;
    ops->stats_add = pc_stats_add;
    ops->stats_last = pc_stats_last;
    ops->stats_each = pc_stats_each;
    ops->stats_email_seen = pc_stats_email_seen;
}
