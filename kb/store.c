/* Entries, their history, import and export: everything that writes the entries table. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "kb/fts5_tok.h"
#include "kb/kb.h"
#include "kb/kb_int.h"

/* 2 added entry_history.by (who made the change); a version 1 base is migrated when it is
 * opened for writing, and a base of a newer version is refused. */
#define SCHEMA_VERSION     "2"
#define SCHEMA_VERSION_NUM 2
/* What the index holds depends on the analyzer: a base indexed by an older one (before root
 * tokens, "1"; before English irregular verbs, "2") is re-indexed when next opened for
 * writing. Bump on any change to tokens. */
#define ANALYZER_VERSION "4"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries("
    " n INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " lang TEXT NOT NULL CHECK (lang IN ('ar','en')),"
    " category TEXT NOT NULL DEFAULT '',"
    " question TEXT NOT NULL,"
    " variants TEXT NOT NULL DEFAULT '[]',"
    " answer TEXT NOT NULL,"
    " keywords TEXT NOT NULL DEFAULT '[]',"
    " status TEXT NOT NULL CHECK (status IN ('draft','published')),"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL, version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entry_history("
    " entry_id TEXT NOT NULL, version INTEGER NOT NULL, action TEXT NOT NULL,"
    " at INTEGER NOT NULL, snapshot TEXT NOT NULL, by TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (entry_id, version));"
    "CREATE TABLE IF NOT EXISTS synonyms("
    " term TEXT PRIMARY KEY, canonical TEXT NOT NULL, created INTEGER NOT NULL);"
    /* rowid = entries.n; only published entries are indexed. */
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5("
    " question, variants, keywords, answer, tokenize='sanad');"
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_vocab USING fts5vocab(kb_fts, row);"
    /* The analyzed phrasings of each indexed entry, for ranking without re-analysis. */
    "CREATE TABLE IF NOT EXISTS kb_terms(n INTEGER PRIMARY KEY, data TEXT NOT NULL);";

int kb__dberr(struct kb *kb, struct sn_err *err, const char *what)
{
    return sn_err_set(err, SN_EDB, "%s: %s", what, sqlite3_errmsg(kb->db));
}

int kb__exec(struct kb *kb, const char *sql, struct sn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(kb->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return SN_EDB;
    }
    return SN_OK;
}

/* The base's schema version; 0 when it has none (not a Sanad base, or a new file). */
static int schema_version(struct kb *kb)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(kb->db, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = atoi((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Brings a base of an older schema to this one, in one transaction (a failure leaves it as
 * it was). Version 1 -> 2: the history learns who made each change; older rows say "". */
static int migrate(struct kb *kb, int from, struct sn_err *err)
{
    int rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    if (from < 2)
        rc = kb__exec(kb, "ALTER TABLE entry_history ADD COLUMN by TEXT NOT NULL DEFAULT ''", err);
    if (rc == SN_OK)
        rc = kb__exec(kb, "UPDATE meta SET value='" SCHEMA_VERSION "' WHERE key='schema'", err);
    if (rc == SN_OK)
        rc = kb__exec(kb, "COMMIT", err);
    if (rc)
        kb__exec(kb, "ROLLBACK", NULL);
    return rc;
}

#define ENTRY_COLS                                                                            \
    "n, id, lang, category, question, variants, answer, keywords, status, created, updated, " \
    "version"

static int analyzer_current(struct kb *kb)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(kb->db, "SELECT value FROM meta WHERE key='analyzer'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), ANALYZER_VERSION) == 0;
    sqlite3_finalize(st);
    return ok;
}

static struct kb_entry *row_entry(sqlite3_stmt *st);

/* Indexes every published entry again with this analyzer, in one transaction: a failure
 * leaves the old index as it was. FTS5 rebuilds from the text it stores (a DELETE would
 * re-tokenize with the new analyzer and miss the old tokens). */
static int reindex(struct kb *kb, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int s = SQLITE_DONE, rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    rc = kb__exec(kb,
                  "INSERT INTO kb_fts(kb_fts) VALUES('rebuild'); DELETE FROM kb_terms;"
                  "INSERT OR REPLACE INTO meta VALUES('analyzer','" ANALYZER_VERSION "');",
                  err);
    if (rc == SN_OK &&
        sqlite3_prepare_v2(kb->db,
                           "SELECT " ENTRY_COLS " FROM entries WHERE status='published' ORDER BY n",
                           -1, &st, NULL) != SQLITE_OK)
        rc = kb__dberr(kb, err, "re-index");
    while (rc == SN_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct kb_entry *e = row_entry(st);
        rc = kb__index_terms(kb, sqlite3_column_int64(st, 0), e, err);
        kb_entry_free(e);
    }
    if (rc == SN_OK && s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "re-index");
    sqlite3_finalize(st);
    if (rc == SN_OK)
        rc = kb__exec(kb, "COMMIT", err);
    if (rc)
        kb__exec(kb, "ROLLBACK", NULL);
    return rc;
}

struct kb *kb_open(const char *path, int flags, struct sn_err *err)
{
    struct kb *kb = sn_xcalloc(1, sizeof *kb);
    struct stat sb;
    int oflags = (flags & KB_OPEN_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    kb->readonly = !!(flags & KB_OPEN_READONLY);
    if (flags & KB_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    else if (stat(path, &sb) != 0) {
        sn_err_set(err, SN_ENOTFOUND, "%s: no such database (run `sanad kb init`)", path);
        goto fail;
    }
    if (sqlite3_open_v2(path, &kb->db, oflags, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EIO, "%s: %s", path, kb->db ? sqlite3_errmsg(kb->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(kb->db, 5000);
    if (kb_fts5_register(kb->db) != SQLITE_OK) {
        sn_err_set(err, SN_EIO, "cannot register the FTS5 tokenizer (SQLite without FTS5?)");
        goto fail;
    }
    kb->an = kb_analyzer_new(err);
    if (!kb->an)
        goto fail;
    /* a base of a newer schema is refused before anything is written to it */
    int sv = schema_version(kb);
    if (sv > SCHEMA_VERSION_NUM) {
        sn_err_set(err, SN_EINVAL, "%s: written by a newer Sanad (schema %d, this one knows %d)",
                   path, sv, SCHEMA_VERSION_NUM);
        goto fail;
    }
    if (flags & KB_OPEN_CREATE) {
        if (kb__exec(kb, "PRAGMA journal_mode=WAL", err) || kb__exec(kb, "BEGIN", err) ||
            kb__exec(kb, schema, err) || kb__gap_schema(kb, err) || kb__calib_schema(kb, err) ||
            kb__feedback_schema(kb, err))
            goto fail;
        if (!schema_version(kb) &&
            (kb__exec(kb,
                      "INSERT INTO meta VALUES('schema','" SCHEMA_VERSION "');"
                      "INSERT INTO meta VALUES('analyzer','" ANALYZER_VERSION "');"
                      "INSERT INTO kb_fts(kb_fts, rank) VALUES('rank','bm25(8.0, 6.0, 3.0, 1.0)');",
                      err)))
            goto fail;
        if (kb__exec(kb, "COMMIT", err))
            goto fail;
    }
    sv = schema_version(kb);
    if (!sv) {
        sn_err_set(err, SN_ENOTFOUND, "%s: not a Sanad knowledge base (run `sanad kb init`)", path);
        goto fail;
    }
    if (!kb->readonly && sv < SCHEMA_VERSION_NUM && migrate(kb, sv, err))
        goto fail;
    if (!kb->readonly && !(flags & KB_OPEN_CREATE)) {
        kb__gap_schema(kb, NULL);   /* on failure kb_gap_log reports SN_EDB later */
        kb__calib_schema(kb, NULL); /* likewise kb_calibrate and kb_label_add */
        kb__feedback_schema(kb, NULL); /* likewise kb_feedback_add */
        if (!analyzer_current(kb) && reindex(kb, err))
            goto fail;
    }
    kb__exec(kb, "PRAGMA synchronous=NORMAL", NULL);
    return kb;
fail:
    kb_close(kb);
    return NULL;
}

void kb_batch_begin(struct kb *kb)
{
    kb->batching = 1;
}

int kb__batch_enter(struct kb *kb, struct sn_err *err)
{
    if (!kb->batching || kb->tx_open)
        return SN_OK;
    int rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    kb->tx_open = rc == SN_OK;
    return rc;
}

int kb_batch_end(struct kb *kb, struct sn_err *err)
{
    int rc = SN_OK;
    /* a failure that rolled the transaction back already leaves nothing to commit */
    if (kb->tx_open && !sqlite3_get_autocommit(kb->db) && (rc = kb__exec(kb, "COMMIT", err)))
        kb__exec(kb, "ROLLBACK", NULL);
    kb->batching = kb->tx_open = 0;
    return rc;
}

void kb_close(struct kb *kb)
{
    if (!kb)
        return;
    kb__df_free(&kb->df);
    kb__post_free(kb->post);
    kb__fuzzy_free(kb->fuzzy);
    kb__calib_free(kb->calib);
    sqlite3_finalize(kb->st_terms);
    sqlite3_finalize(kb->st_hit);
    sqlite3_finalize(kb->st_dv);
    sqlite3_finalize(kb->st_gap);
    if (kb->tx_open)
        kb__exec(kb, "COMMIT", NULL); /* a batch never ended: gaps are worth keeping */
    free(kb->qscratch);
    kb__rcache_free(kb);
    kb__syn_free(kb->syn);
    kb_analyzer_free(kb->an);
    sqlite3_close(kb->db);
    free(kb);
}

static char *json_list(char **v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static int parse_list(const char *s, char ***v, int *n)
{
    json_t *a = json_loads(s, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return SN_EDB;
    }
    *n = (int)json_array_size(a);
    *v = sn_xcalloc((size_t)*n + 1, sizeof **v);
    for (int i = 0; i < *n; i++) {
        const char *t = json_string_value(json_array_get(a, (size_t)i));
        (*v)[i] = sn_xstrdup(t ? t : "");
    }
    json_decref(a);
    return SN_OK;
}

/* Builds an entry from a row selected with ENTRY_COLS; owned by the caller. */
static struct kb_entry *row_entry(sqlite3_stmt *st)
{
    struct kb_entry *e = kb_entry_new();
    free(e->id);
    free(e->category);
    free(e->question);
    free(e->answer);
    e->id = sn_xstrdup((const char *)sqlite3_column_text(st, 1));
    snprintf(e->lang, sizeof e->lang, "%s", (const char *)sqlite3_column_text(st, 2));
    e->category = sn_xstrdup((const char *)sqlite3_column_text(st, 3));
    e->question = sn_xstrdup((const char *)sqlite3_column_text(st, 4));
    parse_list((const char *)sqlite3_column_text(st, 5), &e->variants, &e->n_variants);
    e->answer = sn_xstrdup((const char *)sqlite3_column_text(st, 6));
    parse_list((const char *)sqlite3_column_text(st, 7), &e->keywords, &e->n_keywords);
    e->status = kb_status_parse((const char *)sqlite3_column_text(st, 8));
    e->created = sqlite3_column_int64(st, 9);
    e->updated = sqlite3_column_int64(st, 10);
    e->version = sqlite3_column_int(st, 11);
    return e;
}

/* Looks id up; *n is its row number or 0 when absent. *out (optional) gets the entry. */
static int
find(struct kb *kb, const char *id, long long *n, struct kb_entry **out, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    *n = 0;
    if (out)
        *out = NULL;
    if (sqlite3_prepare_v2(kb->db, "SELECT " ENTRY_COLS " FROM entries WHERE id=?1", -1, &st,
                           NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "find");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        if (out)
            *out = row_entry(st);
    } else if (s != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "find");
    }
    sqlite3_finalize(st);
    return rc;
}

static int record(struct kb *kb, const struct kb_entry *e, const char *action, struct sn_err *err)
{
    struct sn_buf b;
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    sn_buf_init(&b, 1u << 20);
    kb_write_entry(KB_FMT_JSONL, e, &b);
    if (sqlite3_prepare_v2(
            kb->db,
            "INSERT OR REPLACE INTO entry_history(entry_id, version, action, at, snapshot, by)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "history");
        goto out;
    }
    sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, e->version);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (long long)time(NULL));
    sqlite3_bind_text(st, 5, b.p ? b.p : "", (int)b.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, kb->actor, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "history");
out:
    sqlite3_finalize(st);
    sn_buf_fini(&b);
    return rc;
}

/* Writes e at row n (0 = new row). Must run inside a transaction. */
static int store(struct kb *kb, long long n, const struct kb_entry *e, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    char *variants = json_list(e->variants, e->n_variants);
    char *keywords = json_list(e->keywords, e->n_keywords);
    const char *sql =
        n ? "UPDATE entries SET id=?1, lang=?2, category=?3, question=?4, variants=?5, answer=?6,"
            " keywords=?7, status=?8, created=?9, updated=?10, version=?11 WHERE n=?12"
          : "INSERT INTO entries(id, lang, category, question, variants, answer, keywords,"
            " status, created, updated, version) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
    if (sqlite3_prepare_v2(kb->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "store");
        goto out;
    }
    sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->question, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, variants, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->answer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, keywords, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, kb_status_name(e->status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, e->created);
    sqlite3_bind_int64(st, 10, e->updated);
    sqlite3_bind_int(st, 11, e->version);
    if (n)
        sqlite3_bind_int64(st, 12, n);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "store");
        goto out;
    }
    if (!n)
        n = sqlite3_last_insert_rowid(kb->db);
    rc = kb__index_entry(kb, n, e, err);
out:
    sqlite3_finalize(st);
    free(variants);
    free(keywords);
    return rc;
}

static void new_id(struct kb *kb, struct kb_entry *e)
{
    /* Short, readable and unique: lang + a counter past the highest row number. */
    sqlite3_stmt *st = NULL;
    long long next = 1;
    if (sqlite3_prepare_v2(kb->db, "SELECT coalesce(max(n),0)+1 FROM entries", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        next = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    for (;;) {
        char id[40];
        long long n;
        snprintf(id, sizeof id, "%s-%04lld", e->lang, next++);
        if (find(kb, id, &n, NULL, NULL) == SN_OK && n == 0) {
            free(e->id);
            e->id = sn_xstrdup(id);
            return;
        }
    }
}

static int same_content(const struct kb_entry *a, const struct kb_entry *b)
{
    if (strcmp(a->lang, b->lang) || strcmp(a->category, b->category) ||
        strcmp(a->question, b->question) || strcmp(a->answer, b->answer) ||
        a->status != b->status || a->n_variants != b->n_variants || a->n_keywords != b->n_keywords)
        return 0;
    for (int i = 0; i < a->n_variants; i++)
        if (strcmp(a->variants[i], b->variants[i]))
            return 0;
    for (int i = 0; i < a->n_keywords; i++)
        if (strcmp(a->keywords[i], b->keywords[i]))
            return 0;
    return 1;
}

/* add / update / import share this: validate, then write e and its history. Inside a
 * transaction owned by the caller. result: 0 added, 1 updated, 2 unchanged. */
static int put(struct kb *kb,
               struct kb_entry *e,
               int mode,
               int expect,
               const char *action,
               int *result,
               struct sn_err *err)
{
    enum { ADD, UPDATE, UPSERT };
    struct kb_entry *old = NULL;
    long long n = 0, now = (long long)time(NULL);
    int rc = kb_entry_validate(e, err);
    if (rc)
        goto out;
    if (e->id[0] == 0) {
        if (mode == UPDATE) {
            rc = sn_err_set(err, SN_EINVAL, "id: required to edit");
            goto out;
        }
        new_id(kb, e);
    }
    rc = find(kb, e->id, &n, &old, err);
    if (rc)
        goto out;
    if (mode == ADD && n) {
        rc = sn_err_set(err, SN_ECONFLICT, "entry %s already exists", e->id);
        goto out;
    }
    if (mode == UPDATE && !n) {
        rc = sn_err_set(err, SN_ENOTFOUND, "no entry %s", e->id);
        goto out;
    }
    if (expect > 0 && old && old->version != expect) {
        rc = sn_err_set(err, SN_ECONFLICT, "entry %s is at version %d, not %d", e->id, old->version,
                        expect);
        goto out;
    }
    if (old && same_content(old, e)) {
        *result = 2;
        goto out;
    }
    if (old) {
        e->created = old->created;
        e->version = old->version + 1;
        e->updated = now;
        *result = 1;
    } else {
        if (!e->created)
            e->created = now;
        if (!e->updated)
            e->updated = e->created;
        if (!e->version)
            e->version = 1;
        /* A version recorded before (the id was removed) must not be overwritten. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(
                kb->db, "SELECT coalesce(max(version),0) FROM entry_history WHERE entry_id=?1", -1,
                &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) >= e->version)
                e->version = sqlite3_column_int(st, 0) + 1;
        }
        sqlite3_finalize(st);
        *result = 0;
    }
    rc = store(kb, n, e, err);
    if (rc == SN_OK)
        rc = record(kb, e, old ? (strcmp(action, "add") ? action : "edit") : action, err);
out:
    kb_entry_free(old);
    return rc;
}

static int txn_end(struct kb *kb, int rc, struct sn_err *err)
{
    if (rc == SN_OK)
        rc = kb__exec(kb, "COMMIT", err);
    if (rc != SN_OK)
        kb__exec(kb, "ROLLBACK", NULL);
    kb__index_changed(kb);
    return rc;
}

int kb_entry_add(struct kb *kb, struct kb_entry *e, struct sn_err *err)
{
    int result;
    int rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    return txn_end(kb, put(kb, e, 0, 0, "add", &result, err), err);
}

int kb_entry_update(struct kb *kb, struct kb_entry *e, struct sn_err *err)
{
    return kb_entry_update_if(kb, e, 0, err);
}

int kb_entry_update_if(struct kb *kb, struct kb_entry *e, int expect, struct sn_err *err)
{
    int result;
    int rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    return txn_end(kb, put(kb, e, 1, expect, "edit", &result, err), err);
}

int kb_entry_set_status(struct kb *kb, const char *id, int status, int expect, struct sn_err *err)
{
    struct kb_entry *e = NULL;
    long long n;
    int result, rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    rc = find(kb, id, &n, &e, err);
    if (rc == SN_OK && !n)
        rc = sn_err_set(err, SN_ENOTFOUND, "no entry %s", id);
    if (rc == SN_OK) {
        e->status = status;
        rc = put(kb, e, 1, expect, status == KB_PUBLISHED ? "publish" : "unpublish", &result, err);
    }
    kb_entry_free(e);
    return txn_end(kb, rc, err);
}

int kb_entry_rm(struct kb *kb, const char *id, struct sn_err *err)
{
    return kb_entry_rm_if(kb, id, 0, err);
}

int kb_entry_rm_if(struct kb *kb, const char *id, int expect, struct sn_err *err)
{
    struct kb_entry *old = NULL;
    sqlite3_stmt *st = NULL;
    long long n;
    int rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    rc = find(kb, id, &n, &old, err);
    if (rc == SN_OK && !n)
        rc = sn_err_set(err, SN_ENOTFOUND, "no entry %s", id);
    else if (rc == SN_OK && expect > 0 && old->version != expect)
        rc = sn_err_set(err, SN_ECONFLICT, "entry %s is at version %d, not %d", id, old->version,
                        expect);
    if (rc)
        goto out;
    rc = kb__unindex(kb, n, err);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(kb->db, "DELETE FROM entries WHERE n=?1", -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "rm");
        goto out;
    }
    sqlite3_bind_int64(st, 1, n);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "rm");
        goto out;
    }
    old->version++;
    old->updated = (long long)time(NULL);
    rc = record(kb, old, "rm", err);
out:
    sqlite3_finalize(st);
    kb_entry_free(old);
    return txn_end(kb, rc, err);
}

struct kb_entry *kb_entry_get(struct kb *kb, const char *id, struct sn_err *err)
{
    struct kb_entry *e = NULL;
    long long n;
    if (find(kb, id, &n, &e, err) == SN_OK && !n)
        sn_err_set(err, SN_ENOTFOUND, "no entry %s", id);
    return e;
}

/* The rows a struct kb_filter selects: ?1 lang, ?2 category, ?3 status, ?4 text (a case-
 * insensitive substring of the id, question, variants, answer or keywords; instr, not LIKE,
 * so that % and _ are plain characters). ASCII letters match in any case. */
#define FILTER_SQL                                                                          \
    "(?1 IS NULL OR lang=?1) AND (?2 IS NULL OR category=?2) AND (?3 IS NULL OR status=?3)" \
    " AND (?4 IS NULL OR instr(lower(id || char(10) || question || char(10) || variants"    \
    " || char(10) || answer || char(10) || keywords), lower(?4)) > 0)"

static void bind_filter(sqlite3_stmt *st, const struct kb_filter *f)
{
    if (f && f->lang)
        sqlite3_bind_text(st, 1, f->lang, -1, SQLITE_STATIC);
    if (f && f->category)
        sqlite3_bind_text(st, 2, f->category, -1, SQLITE_STATIC);
    if (f && f->status >= 0)
        sqlite3_bind_text(st, 3, kb_status_name(f->status), -1, SQLITE_STATIC);
    if (f && f->text && f->text[0])
        sqlite3_bind_text(st, 4, f->text, -1, SQLITE_STATIC);
}

int kb_entry_count(struct kb *kb, const struct kb_filter *f, long long *total, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    *total = 0;
    if (sqlite3_prepare_v2(kb->db, "SELECT count(*) FROM entries WHERE " FILTER_SQL, -1, &st,
                           NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "count");
    bind_filter(st, f);
    if (sqlite3_step(st) == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    else
        rc = kb__dberr(kb, err, "count");
    sqlite3_finalize(st);
    return rc;
}

int kb_category_list(
    struct kb *kb, const char *lang, struct kb_category **out, int *n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s, cap = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT lang, category, count(*), sum(status='published') FROM entries"
                           " WHERE ?1 IS NULL OR lang=?1 GROUP BY lang, category"
                           " ORDER BY lang, category",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "categories");
    if (lang)
        sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = sn_xrealloc(*out, (size_t)cap * sizeof **out);
        }
        struct kb_category *c = &(*out)[(*n)++];
        snprintf(c->lang, sizeof c->lang, "%s", (const char *)sqlite3_column_text(st, 0));
        c->name = sn_xstrdup((const char *)sqlite3_column_text(st, 1));
        c->entries = sqlite3_column_int(st, 2);
        c->published = sqlite3_column_int(st, 3);
    }
    if (s != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "categories");
        kb_categories_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

void kb_categories_free(struct kb_category *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

void kb_set_actor(struct kb *kb, const char *who)
{
    snprintf(kb->actor, sizeof kb->actor, "%s", who ? who : "");
}

int kb_entry_list(struct kb *kb,
                  const struct kb_filter *f,
                  struct kb_entry_list *out,
                  struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT " ENTRY_COLS " FROM entries WHERE " FILTER_SQL
                           " ORDER BY id LIMIT ?5 OFFSET ?6",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "list");
    bind_filter(st, f);
    sqlite3_bind_int64(st, 5, f && f->limit > 0 ? f->limit : -1);
    sqlite3_bind_int64(st, 6, f && f->offset > 0 ? f->offset : 0);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        kb_entry_list_push(out, row_entry(st));
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "list");
    sqlite3_finalize(st);
    return rc;
}

int kb_history(struct kb *kb, const char *id, struct kb_version **out, int *n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s, cap = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT version, at, action, snapshot, by FROM entry_history"
                           " WHERE entry_id=?1 ORDER BY version",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "history");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct kb_entry_list l;
        const char *snap = (const char *)sqlite3_column_text(st, 3);
        kb_entry_list_init(&l);
        if (kb_parse(KB_FMT_JSONL, snap, strlen(snap), &l, NULL) != SN_OK || l.n != 1) {
            kb_entry_list_fini(&l);
            continue; /* unreadable snapshot: skip rather than hide the rest */
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = sn_xrealloc(*out, (size_t)cap * sizeof **out);
        }
        struct kb_version *v = &(*out)[(*n)++];
        v->version = sqlite3_column_int(st, 0);
        v->at = sqlite3_column_int64(st, 1);
        snprintf(v->action, sizeof v->action, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(v->by, sizeof v->by, "%s", (const char *)sqlite3_column_text(st, 4));
        v->entry = l.v[0];
        l.n = 0;
        kb_entry_list_fini(&l);
    }
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "history");
    else if (*n == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "no history for %s", id);
    sqlite3_finalize(st);
    if (rc) {
        kb_history_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void kb_history_free(struct kb_version *v, int n)
{
    for (int i = 0; i < n; i++)
        kb_entry_free(v[i].entry);
    free(v);
}

int kb_revert(struct kb *kb, const char *id, int version, struct sn_err *err)
{
    struct kb_version *v = NULL;
    struct kb_entry *e = NULL;
    int n = 0, result;
    int rc = kb_history(kb, id, &v, &n, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        if (v[i].version == version && strcmp(v[i].action, "rm") != 0)
            e = kb_entry_dup(v[i].entry);
    kb_history_free(v, n);
    if (!e)
        return sn_err_set(err, SN_ENOTFOUND, "%s has no version %d to revert to", id, version);
    e->version = 0;
    e->created = 0;
    e->updated = 0;
    rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc == SN_OK)
        rc = txn_end(kb, put(kb, e, 2, 0, "revert", &result, err), err);
    if (rc == SN_OK && result == 2)
        rc = sn_err_set(err, SN_ECONFLICT, "%s is already the same as version %d", id, version);
    kb_entry_free(e);
    return rc;
}

int kb_import(struct kb *kb,
              enum kb_format fmt,
              const char *buf,
              size_t len,
              struct kb_import_stats *st,
              struct sn_err *err)
{
    struct kb_entry_list l;
    int rc;
    memset(st, 0, sizeof *st);
    kb_entry_list_init(&l);
    rc = kb_parse_import(fmt, buf, len, &l, &st->rows, err);
    if (rc)
        goto out;
    rc = kb__exec(kb, "BEGIN IMMEDIATE", err);
    if (rc)
        goto out;
    for (size_t i = 0; i < l.n && rc == SN_OK; i++) {
        int result = 0;
        rc = put(kb, l.v[i], 2, 0, "import", &result, err);
        if (rc) {
            struct sn_err inner = err ? *err : (struct sn_err){0};
            sn_err_set(err, rc, "entry %zu (%s): %s", i + 1, l.v[i]->id, inner.msg);
        } else {
            if (result == 0)
                st->added++;
            else if (result == 1)
                st->updated++;
            else
                st->unchanged++;
        }
    }
    rc = txn_end(kb, rc, err);
out:
    kb_entry_list_fini(&l);
    return rc;
}

int kb_export(struct kb *kb, enum kb_format fmt, FILE *f, struct sn_err *err)
{
    struct kb_entry_list l;
    struct sn_buf b;
    int rc;
    kb_entry_list_init(&l);
    sn_buf_init(&b, (size_t)1 << 30);
    rc = kb_entry_list(kb, NULL, &l, err);
    if (rc)
        goto out;
    if (fmt == KB_FMT_CSV)
        kb_write_csv_header(&b);
    for (size_t i = 0; i < l.n; i++) {
        kb_write_entry(fmt, l.v[i], &b);
        if (b.len > 65536) {
            if (fwrite(b.p, 1, b.len, f) != b.len) {
                rc = sn_err_set(err, SN_EIO, "export: write failed");
                goto out;
            }
            b.len = 0;
        }
    }
    if (b.len && fwrite(b.p, 1, b.len, f) != b.len)
        rc = sn_err_set(err, SN_EIO, "export: write failed");
out:
    sn_buf_fini(&b);
    kb_entry_list_fini(&l);
    return rc;
}
