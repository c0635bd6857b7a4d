/* The knowledge base distributed through PostgreSQL (bot/kbsync.h). A version's payload is
 * JSON, its kind says what it does to a base:
 *   put       {"entries": [entry, ...]}   each entry as kb_write_entry writes it: added, or
 *                                         the entry of that id replaced (kb_import's rules)
 *   rm        {"ids": [id, ...]}
 *   syn_add   {"term": t, "canonical": c}
 *   syn_rm    {"term": t}
 *   snapshot  {"entries": [...], "synonyms": [[t, c], ...]}   the whole base
 * The digest (BLAKE2b-256 of the payload, hex) is checked before anything is read. */
#include "bot/kbsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "bot/api.h"
#include "bot/config.h"
#include "bot/pg.h"
#include "bot/server.h"
#include "kb/gap.h"
#include "kb/kb.h"

#define BATCH_ROWS 50 /* versions read per query while catching up */
#define DIGEST_HEX 65
#define NODE_MAX   128
#define AUTHOR_MAX (KB_MAX_ACTOR_BYTES + 1)

static const char *const steps[] = {
    "CREATE SCHEMA IF NOT EXISTS sanad_kb;"
    "CREATE TABLE sanad_kb.kb_versions("
    " version bigint PRIMARY KEY, created bigint NOT NULL, node text NOT NULL,"
    " author text NOT NULL, kind text NOT NULL, payload bytea NOT NULL, digest text NOT NULL);"
    "CREATE INDEX kb_versions_snapshot ON sanad_kb.kb_versions(version) WHERE kind = 'snapshot';"
    "CREATE TABLE sanad_kb.gaps("
    " node text NOT NULL, id bigint NOT NULL, lang text NOT NULL, key text NOT NULL,"
    " analyzed text NOT NULL, sample text NOT NULL, count bigint NOT NULL,"
    " n_low bigint NOT NULL, n_unhelpful bigint NOT NULL, n_human bigint NOT NULL,"
    " n_picked bigint NOT NULL, proposed_to text NOT NULL, first bigint NOT NULL,"
    " last bigint NOT NULL, resolved bigint NOT NULL, resolved_to text NOT NULL,"
    " PRIMARY KEY(node, id));"
    "CREATE INDEX gaps_key ON sanad_kb.gaps(lang, key);",
};

static const char lock_sql[] = "SELECT pg_advisory_xact_lock(hashtext('sanad_kb.kb_versions'))";
static const char head_sql[] = "SELECT coalesce(max(version), 0) FROM sanad_kb.kb_versions";
static const char last_snap_sql[] = "SELECT coalesce(max(version), 0) FROM sanad_kb.kb_versions"
                                    " WHERE kind = 'snapshot'";
/* after the lock, in a statement of its own: READ COMMITTED reads the head as committed */
static const char insert_sql[] =
    "INSERT INTO sanad_kb.kb_versions(version, created, node, author, kind, payload, digest)"
    " SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6 FROM sanad_kb.kb_versions"
    " RETURNING version";
static const char notify_sql[] = "SELECT pg_notify('sanad_kb', $1)";
static const char rows_sql[] = "SELECT version, node, author, kind, payload, digest"
                               " FROM sanad_kb.kb_versions WHERE version > $1"
                               " ORDER BY version LIMIT 50";
static const char row_sql[] = "SELECT version, node, author, kind, payload, digest"
                              " FROM sanad_kb.kb_versions WHERE version = $1";

/* One edit of this node not yet in PostgreSQL (FIFO). */
struct pending {
    struct pending *next;
    char kind[12];
    char author[AUTHOR_MAX];
    char *payload;
};

struct bot_kbsync {
    struct bot_pg *pg;
    struct kb *kb;     /* borrowed: the server's */
    sqlite3 *local;    /* the base's file: kbsync_applied */
    long long applied; /* the last version applied to kb */
    char node[NODE_MAX];
    struct pending *pending, *pending_tail;
    int listen_pid; /* the backend that LISTENs: another one after a reset listens anew */
};

/* ---- the applied version, in the local file ------------------------------------------- */

static int local_open(struct bot_kbsync *k, const char *path, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_open_v2(path, &k->local, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return sn_err_set(err, SN_EDB, "kbsync: %s: %s", path, sqlite3_errmsg(k->local));
    sqlite3_busy_timeout(k->local, 5000);
    if (sqlite3_exec(k->local,
                     "CREATE TABLE IF NOT EXISTS kbsync_applied("
                     " id INTEGER PRIMARY KEY CHECK(id = 1), version INTEGER NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(k->local, "SELECT version FROM kbsync_applied WHERE id = 1", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = sn_err_set(err, SN_EDB, "kbsync: %s: %s", path, sqlite3_errmsg(k->local));
        goto out;
    }
    k->applied = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int local_save(struct bot_kbsync *k, long long v, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_prepare_v2(k->local,
                           "INSERT INTO kbsync_applied(id, version) VALUES(1, ?1)"
                           " ON CONFLICT(id) DO UPDATE SET version = excluded.version",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sn_err_set(err, SN_EDB, "kbsync: %s", sqlite3_errmsg(k->local));
        goto out;
    }
    sqlite3_bind_int64(st, 1, v);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sn_err_set(err, SN_EDB, "kbsync: %s", sqlite3_errmsg(k->local));
    else
        k->applied = v;
out:
    sqlite3_finalize(st);
    return rc;
}

/* ---- payloads ------------------------------------------------------------------------- */

static void digest_hex(const char *p, size_t len, char out[DIGEST_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)p, len, NULL, 0);
    sodium_bin2hex(out, DIGEST_HEX, h, sizeof h);
}

/* Appends the entries of l as a JSON array's members (kb_write_entry's lines, joined). */
static int entries_json(const struct kb_entry_list *l, struct sn_buf *b)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t at = b->len;
        if (i && sn_buf_add(b, ",", 1))
            return SN_ETOOBIG;
        if (kb_write_entry(KB_FMT_JSONL, l->v[i], b))
            return SN_ETOOBIG;
        if (b->len > at && b->p[b->len - 1] == '\n')
            b->len--; /* the line's end: a member, not a line */
    }
    return SN_OK;
}

static int add_pair(void *ctx, const char *term, const char *canonical)
{
    json_array_append_new(ctx, json_pack("[s, s]", term, canonical));
    return 0;
}

/* The whole base as a snapshot payload into *out (malloc'd, the caller's). */
static int snapshot_payload(struct kb *kb, char **out, struct sn_err *err)
{
    struct kb_filter f = {.status = -1};
    struct kb_entry_list l;
    struct sn_buf b;
    json_t *syn = json_array();
    char *s = NULL;
    int rc;
    *out = NULL;
    kb_entry_list_init(&l);
    sn_buf_init(&b, BOT_KBSYNC_MAX_PAYLOAD);
    if ((rc = kb_entry_list(kb, &f, &l, err)) || (rc = kb_synonym_each(kb, add_pair, syn, err)))
        goto out;
    if (sn_buf_printf(&b, "{\"entries\":[") || entries_json(&l, &b) ||
        !(s = json_dumps(syn, JSON_COMPACT)) || sn_buf_printf(&b, "],\"synonyms\":%s}", s)) {
        rc = sn_err_set(err, SN_ETOOBIG, "kbsync: the base is larger than a version may be");
        goto out;
    }
    *out = sn_buf_take(&b);
out:
    free(s);
    json_decref(syn);
    sn_buf_fini(&b);
    kb_entry_list_fini(&l);
    return rc;
}

/* ---- applying a version --------------------------------------------------------------- */

/* kb_import of the entries of array a (all or nothing). *changed: entries added or updated. */
static int import_entries(struct kb *kb, json_t *a, int *changed, struct sn_err *err)
{
    struct sn_buf b;
    struct kb_import_stats st;
    size_t i;
    json_t *e;
    int rc = SN_OK;
    if (!json_is_array(a))
        return sn_err_set(err, SN_EINVAL, "entries: not an array");
    if (json_array_size(a) == 0)
        return SN_OK;
    sn_buf_init(&b, BOT_KBSYNC_MAX_PAYLOAD);
    json_array_foreach(a, i, e)
    {
        char *line = json_is_object(e) ? json_dumps(e, JSON_COMPACT) : NULL;
        if (!line) {
            rc = sn_err_set(err, SN_EINVAL, "entries[%zu]: not an object", i);
            break;
        }
        int full = sn_buf_printf(&b, "%s\n", line);
        free(line);
        if (full) {
            rc = sn_err_set(err, SN_ETOOBIG, "entries: too large");
            break;
        }
    }
    if (!rc) {
        rc = kb_import(kb, KB_FMT_JSONL, b.p, b.len, &st, err);
        if (!rc)
            *changed += st.added + st.updated;
        kb_import_report_fini(&st.rows);
    }
    sn_buf_fini(&b);
    return rc;
}

static int apply_put(struct bot_kbsync *k, json_t *p, int *changed, struct sn_err *err)
{
    return import_entries(k->kb, json_object_get(p, "entries"), changed, err);
}

static int apply_rm(struct bot_kbsync *k, json_t *p, int *changed, struct sn_err *err)
{
    json_t *ids = json_object_get(p, "ids"), *id;
    size_t i;
    if (!json_is_array(ids))
        return sn_err_set(err, SN_EINVAL, "ids: not an array");
    for (i = 0; i < json_array_size(ids); i++)
        if (!json_is_string(json_array_get(ids, i)))
            return sn_err_set(err, SN_EINVAL, "ids[%zu]: not a string", i);
    json_array_foreach(ids, i, id)
    {
        struct sn_err e = {0};
        int rc = kb_entry_rm(k->kb, json_string_value(id), &e);
        if (rc == SN_OK)
            (*changed)++;
        else if (rc != SN_ENOTFOUND) /* gone already: the same end */
            return sn_err_set(err, rc, "%s", e.msg);
    }
    return SN_OK;
}

static int apply_syn_add(struct bot_kbsync *k, json_t *p, int *changed, struct sn_err *err)
{
    const char *t = json_string_value(json_object_get(p, "term")),
               *c = json_string_value(json_object_get(p, "canonical"));
    if (!t || !c)
        return sn_err_set(err, SN_EINVAL, "term and canonical: not strings");
    int rc = kb_synonym_add(k->kb, t, c, err);
    *changed += rc == SN_OK;
    return rc;
}

static int apply_syn_rm(struct bot_kbsync *k, json_t *p, int *changed, struct sn_err *err)
{
    const char *t = json_string_value(json_object_get(p, "term"));
    if (!t)
        return sn_err_set(err, SN_EINVAL, "term: not a string");
    struct sn_err e = {0};
    int rc = kb_synonym_rm(k->kb, t, &e);
    if (rc == SN_OK)
        (*changed)++;
    return rc == SN_ENOTFOUND || rc == SN_OK ? SN_OK : sn_err_set(err, rc, "%s", e.msg);
}

struct ids {
    json_t *keep; /* object: id or term → true */
    json_t *drop; /* array of what is not kept */
};

static int collect_syn(void *ctx, const char *term, const char *canonical)
{
    struct ids *s = ctx;
    (void)canonical;
    if (!json_object_get(s->keep, term))
        json_array_append_new(s->drop, json_string(term));
    return 0;
}

/* The base becomes the snapshot: its entries imported, every other entry and synonym gone. */
static int apply_snapshot(struct bot_kbsync *k, json_t *p, int *changed, struct sn_err *err)
{
    json_t *entries = json_object_get(p, "entries"), *syn = json_object_get(p, "synonyms"), *v;
    struct ids s = {json_object(), json_array()};
    struct kb_filter f = {.status = -1};
    struct kb_entry_list l;
    size_t i;
    int rc = SN_OK;
    kb_entry_list_init(&l);
    if (!json_is_array(entries) || !json_is_array(syn)) {
        rc = sn_err_set(err, SN_EINVAL, "a snapshot has entries and synonyms arrays");
        goto out;
    }
    for (i = 0; i < json_array_size(syn); i++) {
        v = json_array_get(syn, i);
        if (!json_is_string(json_array_get(v, 0)) || !json_is_string(json_array_get(v, 1))) {
            rc = sn_err_set(err, SN_EINVAL, "synonyms[%zu]: not a [term, canonical] pair", i);
            goto out;
        }
    }
    for (i = 0; i < json_array_size(entries); i++)
        if (!json_is_string(json_object_get(json_array_get(entries, i), "id"))) {
            rc = sn_err_set(err, SN_EINVAL, "entries[%zu]: no id", i);
            goto out;
        }
    if ((rc = import_entries(k->kb, entries, changed, err)))
        goto out;
    json_array_foreach(entries, i, v)
        json_object_set(s.keep, json_string_value(json_object_get(v, "id")), json_true());
    if ((rc = kb_entry_list(k->kb, &f, &l, err)))
        goto out;
    for (size_t j = 0; j < l.n; j++)
        if (!json_object_get(s.keep, l.v[j]->id)) {
            if ((rc = kb_entry_rm(k->kb, l.v[j]->id, err)))
                goto out;
            (*changed)++;
        }
    json_object_clear(s.keep);
    json_array_foreach(syn, i, v)
        json_object_set(s.keep, json_string_value(json_array_get(v, 0)), json_true());
    if ((rc = kb_synonym_each(k->kb, collect_syn, &s, err)))
        goto out;
    json_array_foreach(s.drop, i, v)
    {
        kb_synonym_rm(k->kb, json_string_value(v), NULL);
        (*changed)++;
    }
    json_array_foreach(syn, i, v)
    {
        if ((rc = kb_synonym_add(k->kb, json_string_value(json_array_get(v, 0)),
                                 json_string_value(json_array_get(v, 1)), err)))
            goto out;
    }
out:
    kb_entry_list_fini(&l);
    json_decref(s.keep);
    json_decref(s.drop);
    return rc;
}

typedef int apply_fn(struct bot_kbsync *k, json_t *payload, int *changed, struct sn_err *err);

static const struct {
    const char *kind;
    apply_fn *fn;
} kinds[] = {
    {"put", apply_put},           {"rm", apply_rm},
    {"syn_add", apply_syn_add},   {"syn_rm", apply_syn_rm},
    {"snapshot", apply_snapshot},
};

static apply_fn *kind_fn(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind, kinds[i].kind))
            return kinds[i].fn;
    return NULL;
}

/* Applies version row of r (rows_sql's columns). A version refused (its payload damaged or
 * its operation invalid) is logged and skipped: every node refuses it alike. */
static int apply_row(struct bot_kbsync *k, PGresult *r, int row, int *changed)
{
    struct sn_err e = {0};
    long long v = bot_pg_ll(r, row, 0);
    const char *kind = bot_pg_str(r, row, 3);
    size_t len = 0;
    /* bytea's text form is 2 hex digits a byte: too long is refused before it is decoded */
    unsigned char *raw = (size_t)PQgetlength(r, row, 4) > 2 * (size_t)BOT_KBSYNC_MAX_PAYLOAD + 2
                             ? NULL
                             : PQunescapeBytea((const unsigned char *)bot_pg_str(r, row, 4), &len);
    char dg[DIGEST_HEX];
    json_t *p = NULL;
    apply_fn *fn = kind_fn(kind);
    int rc = SN_OK;
    if (!raw) {
        rc = sn_err_set(&e, SN_EINVAL, "the payload cannot be read");
    } else if (len > BOT_KBSYNC_MAX_PAYLOAD) {
        rc = sn_err_set(&e, SN_ETOOBIG, "the payload is %zu bytes", len);
    } else if (digest_hex((const char *)raw, len, dg), strcmp(dg, bot_pg_str(r, row, 5))) {
        rc = sn_err_set(&e, SN_EINVAL, "the payload does not match its digest");
    } else if (!fn) {
        rc = sn_err_set(&e, SN_EINVAL, "unknown kind");
    } else if (!(p = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL)) ||
               !json_is_object(p)) {
        rc = sn_err_set(&e, SN_EINVAL, "the payload is not a JSON object");
    } else {
        kb_set_actor(k->kb, bot_pg_str(r, row, 2));
        rc = fn(k, p, changed, &e);
        kb_set_actor(k->kb, NULL);
    }
    if (rc)
        sn_log(SN_LOG_ERR, "kbsync",
               "event=version_refused version=%lld node=\"%.64s\" kind=\"%.16s\" err=\"%s\"", v,
               bot_pg_str(r, row, 1), kind, e.msg);
    else
        sn_log(SN_LOG_INFO, "kbsync", "event=version_applied version=%lld node=\"%.64s\" kind=%s",
               v, bot_pg_str(r, row, 1), kind);
    json_decref(p);
    PQfreemem(raw);
    return rc;
}

/* ---- publishing ------------------------------------------------------------------------ */

/* Inserts one version (numbered under the lock) and notifies; *version: its number. When
 * only_at >= 0 the version is written only if the head is still only_at (a snapshot must be
 * of the head it was made at): *version is 0 when it was not. */
static int publish(struct bot_kbsync *k,
                   const char *kind,
                   const char *author,
                   const char *payload,
                   long long only_at,
                   long long *version,
                   struct sn_err *err)
{
    PGresult *r = NULL;
    char now[24], dg[DIGEST_HEX], vbuf[24];
    size_t len = strlen(payload);
    int rc;
    *version = 0;
    digest_hex(payload, len, dg);
    if ((rc = bot_pg_begin(k->pg, err)) || (rc = bot_pg_exec(k->pg, lock_sql, 0, NULL, NULL, err)))
        goto out;
    if (only_at >= 0) {
        if ((rc = bot_pg_exec(k->pg, head_sql, 0, NULL, &r, err)))
            goto out;
        long long head = bot_pg_ll(r, 0, 0);
        PQclear(r);
        r = NULL;
        if (head != only_at)
            goto out; /* rolled back below: nothing written */
    }
    const char *vals[] = {
        bot_pg_fmt_ll(now, bot_server_now_ms()), k->node, author, kind, payload, dg};
    const int lens[] = {0, 0, 0, 0, (int)len, 0};
    const int fmts[] = {0, 0, 0, 0, 1, 0};
    if ((rc = bot_pg_execv(k->pg, insert_sql, 6, vals, lens, fmts, &r, err)))
        goto out;
    *version = bot_pg_ll(r, 0, 0);
    const char *nv[] = {bot_pg_fmt_ll(vbuf, *version)};
    if ((rc = bot_pg_exec(k->pg, notify_sql, 1, nv, NULL, err)))
        goto out;
    rc = bot_pg_commit(k->pg, err);
out:
    PQclear(r);
    if (bot_pg_in_tx(k->pg)) {
        bot_pg_rollback(k->pg);
        if (!rc)
            *version = 0;
    }
    if (rc)
        *version = 0;
    return rc;
}

static void pending_push(struct bot_kbsync *k, const char *kind, const char *author, char *payload)
{
    struct pending *p = sn_xcalloc(1, sizeof *p);
    snprintf(p->kind, sizeof p->kind, "%s", kind);
    snprintf(p->author, sizeof p->author, "%s", author ? author : "");
    p->payload = payload;
    if (k->pending_tail)
        k->pending_tail->next = p;
    else
        k->pending = p;
    k->pending_tail = p;
}

/* Publishes the pending edits in order; stops at the first failure (kept for later). */
static int pending_flush(struct bot_kbsync *k, struct sn_err *err)
{
    while (k->pending) {
        struct pending *p = k->pending;
        long long v;
        int rc = publish(k, p->kind, p->author, p->payload, -1, &v, err);
        if (rc)
            return rc;
        sn_log(SN_LOG_INFO, "kbsync", "event=version_published version=%lld kind=%s", v, p->kind);
        k->pending = p->next;
        if (!k->pending)
            k->pending_tail = NULL;
        free(p->payload);
        free(p);
    }
    return SN_OK;
}

/* ---- catching up ----------------------------------------------------------------------- */

static int apply_from(struct bot_kbsync *k,
                      const char *sql,
                      long long arg,
                      int *changed,
                      int *rows,
                      struct sn_err *err)
{
    PGresult *r = NULL;
    char a[24];
    const char *vals[] = {bot_pg_fmt_ll(a, arg)};
    int rc = bot_pg_exec(k->pg, sql, 1, vals, &r, err);
    *rows = rc ? 0 : PQntuples(r);
    for (int i = 0; !rc && i < *rows; i++) {
        apply_row(k, r, i, changed); /* refused or applied, it is done */
        rc = local_save(k, bot_pg_ll(r, i, 0), err);
    }
    PQclear(r);
    return rc;
}

/* A snapshot now and then, by a node at the head, so that a new node need not replay the
 * whole log. */
static void maybe_snapshot(struct bot_kbsync *k)
{
    PGresult *r = NULL;
    struct sn_err e = {0};
    char *payload = NULL;
    long long v;
    if (bot_pg_exec(k->pg, last_snap_sql, 0, NULL, &r, &e))
        goto out;
    if (k->applied - bot_pg_ll(r, 0, 0) < BOT_KBSYNC_SNAPSHOT_EVERY)
        goto out;
    if (snapshot_payload(k->kb, &payload, &e) ||
        publish(k, "snapshot", "", payload, k->applied, &v, &e))
        goto out;
    if (v) {
        sn_log(SN_LOG_NOTICE, "kbsync", "event=snapshot version=%lld bytes=%zu", v,
               strlen(payload));
        local_save(k, v, &e);
    }
out:
    if (e.code)
        sn_log(SN_LOG_WARN, "kbsync", "event=snapshot_failed err=\"%s\"", e.msg);
    free(payload);
    PQclear(r);
}

/* LISTEN on the connection's current backend (a reset connection has forgotten it). */
static int listen_again(struct bot_kbsync *k, struct sn_err *err)
{
    int pid = PQbackendPID(bot_pg_conn(k->pg));
    if (pid && pid == k->listen_pid)
        return SN_OK;
    int rc = bot_pg_script(k->pg, "LISTEN sanad_kb", err);
    if (rc == SN_OK)
        k->listen_pid = PQbackendPID(bot_pg_conn(k->pg));
    return rc;
}

int bot_kbsync_poll(struct bot_kbsync *k, struct sn_err *err)
{
    PGresult *r = NULL;
    int changed = 0, rows, rc;
    if ((rc = pending_flush(k, err)))
        return rc;
    if ((rc = bot_pg_exec(k->pg, head_sql, 0, NULL, &r, err)))
        return rc;
    if ((rc = listen_again(k, err))) { /* after the head: that call resets a lost connection */
        PQclear(r);
        return rc;
    }
    long long head = bot_pg_ll(r, 0, 0);
    PQclear(r);
    if (head < k->applied) { /* another log (the database replaced): start over from it */
        sn_log(SN_LOG_WARN, "kbsync", "event=log_behind_base head=%lld applied=%lld", head,
               k->applied);
        if ((rc = local_save(k, 0, err)))
            return rc;
    }
    if (head <= k->applied)
        return 0;
    if (k->applied == 0) { /* never synced: the latest snapshot, then the log after it */
        if ((rc = bot_pg_exec(k->pg, last_snap_sql, 0, NULL, &r, err)))
            return rc;
        long long snap = bot_pg_ll(r, 0, 0);
        PQclear(r);
        if (snap && (rc = apply_from(k, row_sql, snap, &changed, &rows, err)))
            return rc;
    }
    do {
        if ((rc = apply_from(k, rows_sql, k->applied, &changed, &rows, err)))
            return rc;
    } while (rows == BATCH_ROWS);
    maybe_snapshot(k);
    return changed;
}

/* ---- open, close ----------------------------------------------------------------------- */

void bot_kbsync_close(struct bot_kbsync *k)
{
    if (!k)
        return;
    while (k->pending) {
        struct pending *p = k->pending;
        k->pending = p->next;
        sn_log(SN_LOG_ERR, "kbsync", "event=edit_not_published kind=%s", p->kind);
        free(p->payload);
        free(p);
    }
    bot_pg_close(k->pg);
    sqlite3_close(k->local);
    free(k);
}

struct bot_kbsync *bot_kbsync_open(const struct bot_config *cfg, struct kb *kb, struct sn_err *err)
{
    struct bot_kbsync *k = sn_xcalloc(1, sizeof *k);
    PGresult *r = NULL;
    char *payload = NULL;
    k->kb = kb;
    if (cfg->node_id) {
        snprintf(k->node, sizeof k->node, "%s", cfg->node_id);
    } else {
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(k->node, sizeof k->node, "%s:%d", host, cfg->port);
    }
    if (local_open(k, cfg->kb_db, err) ||
        !(k->pg = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err)))
        goto fail;
    if (bot_pg_migrate(k->pg, "sanad_kb", steps, (int)(sizeof steps / sizeof steps[0]), err) ||
        listen_again(k, err) || bot_pg_exec(k->pg, head_sql, 0, NULL, &r, err))
        goto fail;
    if (bot_pg_ll(r, 0, 0) == 0) { /* the first node: its base is version 1 */
        long long v;
        if (snapshot_payload(kb, &payload, err) || publish(k, "snapshot", "", payload, 0, &v, err))
            goto fail;
        if (v) {
            sn_log(SN_LOG_NOTICE, "kbsync", "event=first_snapshot version=%lld bytes=%zu", v,
                   strlen(payload));
            if (local_save(k, v, err))
                goto fail;
        }
    }
    if (bot_kbsync_poll(k, err) < 0)
        goto fail;
    sn_log(SN_LOG_NOTICE, "kbsync", "event=ready node=\"%s\" version=%lld", k->node, k->applied);
    PQclear(r);
    free(payload);
    return k;
fail:
    PQclear(r);
    free(payload);
    bot_kbsync_close(k);
    return NULL;
}

int bot_kbsync_fd(struct bot_kbsync *k)
{
    return PQsocket(bot_pg_conn(k->pg));
}

int bot_kbsync_notified(struct bot_kbsync *k)
{
    PGconn *c = bot_pg_conn(k->pg);
    PGnotify *n;
    int any = 0;
    if (!PQconsumeInput(c))
        return 1; /* the connection is gone: the poll resets it */
    while ((n = PQnotifies(c))) {
        any = 1;
        PQfreemem(n);
    }
    return any;
}

/* ---- what an API edit changed ---------------------------------------------------------- */

/* The payload of a put of the entries ids (of kb), or NULL (logged) when one is gone. */
static char *put_payload(struct kb *kb, const char *const *ids, size_t n)
{
    struct kb_entry_list l;
    struct sn_buf b;
    struct sn_err e = {0};
    char *out = NULL;
    kb_entry_list_init(&l);
    for (size_t i = 0; i < n; i++) {
        struct kb_entry *en = kb_entry_get(kb, ids[i], &e);
        if (!en) {
            sn_log(SN_LOG_ERR, "kbsync", "event=edit_lost id=\"%.64s\" err=\"%s\"", ids[i], e.msg);
            goto out;
        }
        kb_entry_list_push(&l, en);
    }
    sn_buf_init(&b, BOT_KBSYNC_MAX_PAYLOAD);
    if (!sn_buf_printf(&b, "{\"entries\":[") && !entries_json(&l, &b) && !sn_buf_printf(&b, "]}")) {
        out = sn_buf_take(&b);
    }
    sn_buf_fini(&b);
out:
    kb_entry_list_fini(&l);
    return out;
}

static const char *reply_str(const struct bot_api_call *c, const char *obj, const char *key)
{
    json_t *j = c->json;
    if (obj)
        j = json_object_get(j, obj);
    return json_string_value(json_object_get(j, key));
}

/* Each edit rule makes the kind and payload (malloc'd; NULL: nothing to publish). */
typedef char *edit_fn(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind);

static char *edit_param(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    *kind = "put";
    return put_payload(k->kb, &c->param, 1);
}

static char *edit_created(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    const char *id = reply_str(c, NULL, "id");
    *kind = "put";
    return id ? put_payload(k->kb, &id, 1) : NULL;
}

static char *edit_promoted(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    const char *id = reply_str(c, "entry", "id");
    *kind = "put";
    return id ? put_payload(k->kb, &id, 1) : NULL;
}

static char *edit_rm(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    (void)k;
    *kind = "rm";
    json_t *j = json_pack("{s:[s]}", "ids", c->param);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* An import: a put of the rows' entries as they now are; rows without an id got new ones,
 * which the request does not tell: then the whole base (a snapshot). */
static char *edit_import(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    struct kb_entry_list l;
    struct kb_import_report rep = {0};
    struct sn_err e = {0};
    char *out = NULL;
    const char **ids = NULL;
    size_t i;
    enum kb_format fmt = !strcmp(c->ctype, "text/csv") ? KB_FMT_CSV : KB_FMT_JSONL;
    kb_entry_list_init(&l);
    *kind = "put";
    if (kb_parse_import(fmt, c->body ? c->body : "", c->len, &l, &rep, &e) == SN_OK) {
        ids = sn_xcalloc(l.n + 1, sizeof *ids);
        for (i = 0; i < l.n && l.v[i]->id[0]; i++)
            ids[i] = l.v[i]->id;
        if (i == l.n) {
            out = put_payload(k->kb, ids, l.n);
        } else {
            *kind = "snapshot";
            if (snapshot_payload(k->kb, &out, &e))
                sn_log(SN_LOG_ERR, "kbsync", "event=edit_lost err=\"%s\"", e.msg);
        }
    }
    free(ids);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    return out;
}

static char *edit_syn_add(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    (void)k;
    *kind = "syn_add";
    const char *t = reply_str(c, NULL, "term"), *cn = reply_str(c, NULL, "canonical");
    json_t *j = t && cn ? json_pack("{s:s, s:s}", "term", t, "canonical", cn) : NULL;
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

static char *edit_syn_rm(struct bot_kbsync *k, const struct bot_api_call *c, const char **kind)
{
    (void)k;
    *kind = "syn_rm";
    const char *t = reply_str(c, NULL, "term");
    json_t *j = t ? json_pack("{s:s}", "term", t) : NULL;
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

/* The API's editing routes (bot/api_kb.c's table) and what each publishes. Routes that change
 * only this node's gaps (dismiss) are not here. */
static const struct {
    int method;
    const char *path;
    edit_fn *fn;
} edits[] = {
    {BOT_API_POST, "/api/entries", edit_created},
    {BOT_API_PUT, "/api/entries/{id}", edit_param},
    {BOT_API_DELETE, "/api/entries/{id}", edit_rm},
    {BOT_API_POST, "/api/entries/{id}/publish", edit_param},
    {BOT_API_POST, "/api/entries/{id}/unpublish", edit_param},
    {BOT_API_POST, "/api/entries/{id}/revert", edit_param},
    {BOT_API_POST, "/api/import", edit_import},
    {BOT_API_POST, "/api/synonyms", edit_syn_add},
    {BOT_API_DELETE, "/api/synonyms", edit_syn_rm},
    {BOT_API_POST, "/api/gaps/{id}/promote", edit_promoted},
};

int bot_kbsync_distributes(int method, const char *path)
{
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++)
        if (edits[i].method == method && !strcmp(edits[i].path, path))
            return 1;
    return 0;
}

void bot_kbsync_edited(struct bot_kbsync *k,
                       int method,
                       const char *path,
                       const struct bot_api_call *c)
{
    struct sn_err e = {0};
    const char *kind = NULL;
    if (!k)
        return;
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        if (edits[i].method != method || strcmp(edits[i].path, path))
            continue;
        char *payload = edits[i].fn(k, c, &kind);
        if (!payload)
            return;
        pending_push(k, kind, c->user ? c->user->login : "", payload);
        if (pending_flush(k, &e))
            sn_log(SN_LOG_ERR, "kbsync", "event=publish_failed kind=%s err=\"%s\" (retried)", kind,
                   e.msg);
        return;
    }
}

/* ---- gaps ------------------------------------------------------------------------------ */

static const char gaps_push_sql[] =
    "INSERT INTO sanad_kb.gaps(node, id, lang, key, analyzed, sample, count, n_low,"
    " n_unhelpful, n_human, n_picked, proposed_to, first, last, resolved, resolved_to)"
    " SELECT $1, g.id, g.lang, g.key, g.analyzed, g.sample, g.count, g.n_low, g.n_unhelpful,"
    " g.n_human, g.n_picked, g.proposed_to, g.first, g.last, g.resolved, g.resolved_to"
    " FROM jsonb_to_recordset($2::jsonb) AS g(id bigint, lang text, key text, analyzed text,"
    " sample text, count bigint, n_low bigint, n_unhelpful bigint, n_human bigint,"
    " n_picked bigint, proposed_to text, first bigint, last bigint, resolved bigint,"
    " resolved_to text)"
    " ON CONFLICT(node, id) DO UPDATE SET lang = excluded.lang, key = excluded.key,"
    " analyzed = excluded.analyzed, sample = excluded.sample, count = excluded.count,"
    " n_low = excluded.n_low, n_unhelpful = excluded.n_unhelpful, n_human = excluded.n_human,"
    " n_picked = excluded.n_picked, proposed_to = excluded.proposed_to,"
    " first = excluded.first, last = excluded.last, resolved = excluded.resolved,"
    " resolved_to = excluded.resolved_to"
    " WHERE (sanad_kb.gaps.count, sanad_kb.gaps.resolved, sanad_kb.gaps.last)"
    " IS DISTINCT FROM (excluded.count, excluded.resolved, excluded.last)";

int bot_kbsync_gaps_push(struct bot_kbsync *k, struct sn_err *err)
{
    struct kb_gap *v = NULL;
    int n = 0, rc = kb_gap_list(k->kb, NULL, 0, 1, &v, &n, err);
    if (rc || n == 0)
        goto out;
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:I, s:I, s:i,"
                         " s:s}",
                         "id", (json_int_t)v[i].id, "lang", v[i].lang, "key", v[i].key, "analyzed",
                         v[i].analyzed, "sample", v[i].sample, "count", v[i].count, "n_low",
                         v[i].n_low, "n_unhelpful", v[i].n_unhelpful, "n_human", v[i].n_human,
                         "n_picked", v[i].n_picked, "proposed_to", v[i].proposed_to, "first",
                         (json_int_t)v[i].first, "last", (json_int_t)v[i].last, "resolved",
                         v[i].resolved, "resolved_to", v[i].resolved_to));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    const char *vals[] = {k->node, s};
    rc = s ? bot_pg_exec(k->pg, gaps_push_sql, 2, vals, NULL, err)
           : sn_err_set(err, SN_EIO, "kbsync: gaps cannot be written as JSON");
    free(s);
out:
    kb_gaps_free(v, n);
    return rc;
}

/* One gap per language and key over the nodes: counts summed, the latest sample; the id is
 * this node's own for it (dismiss and promote act on this node's base), 0 when only other
 * nodes saw it. */
static const char gaps_list_sql[] =
    "SELECT coalesce(max(id) FILTER (WHERE node = $4), 0), lang, key, (array_agg(analyzed ORDER BY "
    "last DESC))[1],"
    " (array_agg(sample ORDER BY last DESC))[1], sum(count), sum(n_low), sum(n_unhelpful),"
    " sum(n_human), sum(n_picked), max(proposed_to), min(first), max(last), min(resolved),"
    " max(resolved_to)"
    " FROM sanad_kb.gaps WHERE ($1 = '' OR lang = $1) GROUP BY lang, key"
    " HAVING $2 = '1' OR min(resolved) = 0"
    " ORDER BY sum(count) DESC, max(last) DESC LIMIT CASE WHEN $3::int > 0 THEN $3::int END";

int bot_kbsync_gap_list(struct bot_kbsync *k,
                        const char *lang,
                        int limit,
                        int all,
                        struct kb_gap **out,
                        int *n,
                        struct sn_err *err)
{
    PGresult *r = NULL;
    char lim[24];
    const char *vals[] = {lang ? lang : "", all ? "1" : "0", bot_pg_fmt_ll(lim, limit), k->node};
    *out = NULL;
    *n = 0;
    /* this node's own gaps as they are now (a gap just dismissed here is seen at once) */
    int rc = bot_kbsync_gaps_push(k, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(k->pg, gaps_list_sql, 4, vals, &r, err);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    *out = sn_xcalloc((size_t)rows + 1, sizeof **out);
    for (int i = 0; i < rows; i++) {
        struct kb_gap *g = &(*out)[i];
        g->id = bot_pg_ll(r, i, 0);
        snprintf(g->lang, sizeof g->lang, "%s", bot_pg_str(r, i, 1));
        g->key = sn_xstrdup(bot_pg_str(r, i, 2));
        g->analyzed = sn_xstrdup(bot_pg_str(r, i, 3));
        g->sample = sn_xstrdup(bot_pg_str(r, i, 4));
        g->count = (int)bot_pg_ll(r, i, 5);
        g->n_low = (int)bot_pg_ll(r, i, 6);
        g->n_unhelpful = (int)bot_pg_ll(r, i, 7);
        g->n_human = (int)bot_pg_ll(r, i, 8);
        g->n_picked = (int)bot_pg_ll(r, i, 9);
        g->proposed_to = sn_xstrdup(bot_pg_str(r, i, 10));
        g->first = bot_pg_ll(r, i, 11);
        g->last = bot_pg_ll(r, i, 12);
        g->resolved = (int)bot_pg_ll(r, i, 13);
        g->resolved_to = sn_xstrdup(bot_pg_str(r, i, 14));
    }
    *n = rows;
    PQclear(r);
    return SN_OK;
}
