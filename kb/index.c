/* Keeps the FTS5 index and the analyzed phrasings (kb_terms) in step with entries, and
 * serves document frequencies for ranking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/fts5_tok.h"
#include "kb/kb_int.h"

#define ANSWER_WORDS_MAX 256 /* ranking looks at an answer's first distinct words only */

struct terms_ctx {
    struct sn_buf *b;
    int words, max;
    int dedupe; /* answers: each distinct word once */
    size_t line_start;
};

static int put_word(void *ctx, const struct kb_word *w)
{
    struct terms_ctx *t = ctx;
    struct sn_buf *b = t->b;
    if (t->words >= t->max)
        return 1; /* stop: the cap is reached */
    if (t->dedupe) {
        /* linear scan of this line: answers are capped, and this runs at index time only */
        char key[KB_WORD_MAX_BYTES + 2];
        int kl = snprintf(key, sizeof key, " %.*s|", w->norm_len, w->norm);
        if (kl > 0 && memmem(b->p + t->line_start, b->len - t->line_start, key, (size_t)kl))
            return 0;
    }
    sn_buf_add(b, " ", 1);
    sn_buf_add(b, w->norm, (size_t)w->norm_len);
    for (int i = 0; i < w->nforms; i++) {
        sn_buf_add(b, "|", 1);
        sn_buf_add(b, w->form[i], (size_t)w->form_len[i]);
    }
    if (w->root_len) { /* marked: search.c gives a root match only part credit */
        sn_buf_add(b, (char[]){'|', KB_TOK_ROOT_MARK}, 2);
        sn_buf_add(b, w->root, (size_t)w->root_len);
    }
    t->words++;
    return 0;
}

static void put_line(struct kb *kb, struct sn_buf *b, char type, const char *text, int max,
                     int dedupe)
{
    struct terms_ctx t = {b, 0, max, dedupe, 0};
    sn_buf_add(b, &type, 1);
    t.line_start = b->len;
    kb_analyze(kb->an, text, -1, put_word, &t);
    sn_buf_add(b, "\n", 1);
}

static char *join(char **v, int n)
{
    struct sn_buf b;
    sn_buf_init(&b, (size_t)1 << 24);
    for (int i = 0; i < n; i++) {
        if (i)
            sn_buf_add(&b, "\n", 1);
        sn_buf_adds(&b, v[i]);
    }
    return sn_buf_take(&b);
}

int kb__unindex(struct kb *kb, long long n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    static const char *const sql[] = {"DELETE FROM kb_fts WHERE rowid=?1",
                                      "DELETE FROM kb_terms WHERE n=?1"};
    for (int i = 0; i < 2 && rc == SN_OK; i++) {
        if (sqlite3_prepare_v2(kb->db, sql[i], -1, &st, NULL) != SQLITE_OK)
            return kb__dberr(kb, err, "unindex");
        sqlite3_bind_int64(st, 1, n);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = kb__dberr(kb, err, "unindex");
        sqlite3_finalize(st);
    }
    return rc;
}

int kb__index_entry(struct kb *kb, long long n, const struct kb_entry *e, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    char *variants = NULL, *keywords = NULL;
    int rc = kb__unindex(kb, n, err);
    if (rc || e->status != KB_PUBLISHED)
        goto out;
    variants = join(e->variants, e->n_variants);
    keywords = join(e->keywords, e->n_keywords);
    if (sqlite3_prepare_v2(kb->db,
                           "INSERT INTO kb_fts(rowid, question, variants, keywords, answer)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "index");
        goto out;
    }
    sqlite3_bind_int64(st, 1, n);
    sqlite3_bind_text(st, 2, e->question, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, variants, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, keywords, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->answer, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "index");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = kb__index_terms(kb, n, e, err);
out:
    sqlite3_finalize(st);
    free(variants);
    free(keywords);
    return rc;
}

int kb__index_terms(struct kb *kb, long long n, const struct kb_entry *e, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    struct sn_buf terms;
    char *keywords = join(e->keywords, e->n_keywords);
    int rc = SN_OK;
    sn_buf_init(&terms, (size_t)1 << 24);
    put_line(kb, &terms, 'q', e->question, 1 << 20, 0);
    for (int i = 0; i < e->n_variants; i++)
        put_line(kb, &terms, 'v', e->variants[i], 1 << 20, 0);
    if (e->n_keywords)
        put_line(kb, &terms, 'k', keywords, 1 << 20, 0);
    put_line(kb, &terms, 'a', e->answer, ANSWER_WORDS_MAX, 1);
    if (sqlite3_prepare_v2(kb->db, "INSERT INTO kb_terms(n, data) VALUES(?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "index");
        goto out;
    }
    sqlite3_bind_int64(st, 1, n);
    sqlite3_bind_text(st, 2, terms.p, (int)terms.len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "index");
out:
    sqlite3_finalize(st);
    sn_buf_fini(&terms);
    free(keywords);
    return rc;
}

void kb__df_free(struct kb__df *df)
{
    for (size_t i = 0; i < df->cap; i++)
        free(df->key[i]);
    free(df->key);
    free(df->klen);
    free(df->val);
    memset(df, 0, sizeof *df);
}

void kb__index_changed(struct kb *kb)
{
    kb__df_free(&kb->df);
}

static void df_put(struct kb__df *df, const char *k, int len, int v)
{
    if ((df->n + 1) * 2 > df->cap) {
        struct kb__df old = *df;
        df->cap = old.cap ? old.cap * 2 : 1024;
        df->key = sn_xcalloc(df->cap, sizeof *df->key);
        df->klen = sn_xcalloc(df->cap, sizeof *df->klen);
        df->val = sn_xcalloc(df->cap, sizeof *df->val);
        df->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) {
                df_put(df, old.key[i], old.klen[i], old.val[i]);
                free(old.key[i]);
            }
        free(old.key);
        free(old.klen);
        free(old.val);
    }
    size_t i = kb__hash(k, (size_t)len) & (df->cap - 1);
    while (df->key[i]) {
        if (df->klen[i] == len && memcmp(df->key[i], k, (size_t)len) == 0) {
            df->val[i] = v;
            return;
        }
        i = (i + 1) & (df->cap - 1);
    }
    df->key[i] = sn_xstrndup(k, (size_t)len);
    df->klen[i] = len;
    df->val[i] = v;
    df->n++;
}

/* PRAGMA data_version, unlike SQLITE_FCNTL_DATA_VERSION, looks at the file even outside a
 * read transaction, so another connection's commit is seen before our next search. */
int kb__data_version(struct kb *kb)
{
    int v = -1;
    /* every search asks: the statement is prepared once, and reset at once so that it never
     * holds a read transaction open */
    if (!kb->st_dv && sqlite3_prepare_v3(kb->db, "PRAGMA data_version", -1,
                                         SQLITE_PREPARE_PERSISTENT, &kb->st_dv, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(kb->st_dv) == SQLITE_ROW)
        v = sqlite3_column_int(kb->st_dv, 0);
    sqlite3_reset(kb->st_dv);
    return v;
}

int kb__df_load(struct kb *kb, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int s, rc = SN_OK;
    if (kb->df.loaded && kb->df.data_version == kb__data_version(kb))
        return SN_OK;
    kb__df_free(&kb->df);
    kb->index_gen++;
    kb->df.data_version = kb__data_version(kb);
    if (sqlite3_prepare_v2(kb->db, "SELECT term, doc FROM kb_vocab", -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "vocabulary");
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        df_put(&kb->df, (const char *)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0),
               sqlite3_column_int(st, 1));
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "vocabulary");
    sqlite3_finalize(st);
    if (rc == SN_OK && sqlite3_prepare_v2(kb->db, "SELECT count(*) FROM kb_terms", -1, &st, NULL) ==
                           SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            kb->df.total_docs = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    kb->df.loaded = rc == SN_OK;
    return rc;
}

int kb__df_get(struct kb *kb, const char *tok, int len)
{
    struct kb__df *df = &kb->df;
    if (!df->cap)
        return 0;
    size_t i = kb__hash(tok, (size_t)len) & (df->cap - 1);
    while (df->key[i]) {
        if (df->klen[i] == len && memcmp(df->key[i], tok, (size_t)len) == 0)
            return df->val[i];
        i = (i + 1) & (df->cap - 1);
    }
    return 0;
}
