/* The first pass of a search: which entries are worth reranking.
 *
 * Ranking every row an OR query matches with bm25 costs time in proportion to the number of
 * rows holding any query word, and common words ("how", "order", "الطلب") match thousands.
 * Instead each analyzed form's rowid list (question, variants and keywords columns only) is
 * read from FTS5 once and kept in memory, and a query sums the IDF of its words per entry
 * over those lists: a plain array walk, no per-row bm25. The lists are dropped whenever the
 * index changes (kb->index_gen). The answer column takes part only when no phrasing
 * matches: an entry whose phrasings share no word with the question cannot rank well. */
#include <stdlib.h>
#include <string.h>

#include "kb/fts5_tok.h"
#include "kb/kb_int.h"

#define CACHE_MAX_IDS (1u << 23) /* 32 MiB of rowids; past it the cache starts over */

struct plist {
    char *key;
    int klen;
    uint32_t *ids; /* ascending rowids */
    uint32_t n;
};

struct kb__post {
    unsigned gen;       /* kb->index_gen the lists belong to */
    struct plist *tab;  /* open addressing, cap a power of two */
    size_t cap, n, ids; /* slots, lists, rowids held */
    uint32_t nrows;     /* size of the per-row arrays: max rowid + 1 */
    uint16_t *lang;     /* per rowid: two letters of the entry's language, 0 if unknown */
    float *acc;         /* per rowid: the query's score, valid where seen == qstamp */
    uint32_t *seen, *wseen;
    uint32_t qstamp, wstamp;
    uint32_t *touched;
    size_t ntouched;
    sqlite3_stmt *st_list, *st_answer;
};

static uint16_t lang2(const char *s)
{
    return s && s[0] && s[1] ? (uint16_t)((unsigned char)s[0] << 8 | (unsigned char)s[1]) : 0;
}

static void lists_clear(struct kb__post *p)
{
    for (size_t i = 0; i < p->cap; i++) {
        free(p->tab[i].key);
        free(p->tab[i].ids);
    }
    free(p->tab);
    p->tab = NULL;
    p->cap = p->n = p->ids = 0;
}

static void rows_free(struct kb__post *p)
{
    free(p->lang);
    free(p->acc);
    free(p->seen);
    free(p->wseen);
    free(p->touched);
    p->lang = NULL;
    p->acc = NULL;
    p->seen = p->wseen = p->touched = NULL;
    p->nrows = 0;
}

void kb__post_free(struct kb__post *p)
{
    if (!p)
        return;
    lists_clear(p);
    rows_free(p);
    sqlite3_finalize(p->st_list);
    sqlite3_finalize(p->st_answer);
    free(p);
}

/* Per-row arrays sized for the current index, with each row's language. */
static int rows_load(struct kb *kb, struct kb__post *p, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int s, rc = SN_OK;
    long long max = 0;
    rows_free(p);
    if (sqlite3_prepare_v2(kb->db, "SELECT max(n) FROM entries", -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "postings");
    if (sqlite3_step(st) == SQLITE_ROW)
        max = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (max < 0 || max >= (long long)UINT32_MAX - 1)
        return sn_err_set(err, SN_EDB, "postings: row number %lld out of range", max);
    p->nrows = (uint32_t)max + 1;
    p->lang = sn_xcalloc(p->nrows, sizeof *p->lang);
    p->acc = sn_xcalloc(p->nrows, sizeof *p->acc);
    p->seen = sn_xcalloc(p->nrows, sizeof *p->seen);
    p->wseen = sn_xcalloc(p->nrows, sizeof *p->wseen);
    p->touched = sn_xcalloc(p->nrows, sizeof *p->touched);
    p->qstamp = p->wstamp = 0;
    if (sqlite3_prepare_v2(kb->db, "SELECT n, lang FROM entries", -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "postings");
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        long long n = sqlite3_column_int64(st, 0);
        if (n >= 0 && n < p->nrows)
            p->lang[n] = lang2((const char *)sqlite3_column_text(st, 1));
    }
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "postings");
    sqlite3_finalize(st);
    return rc;
}

static void tab_put(struct kb__post *p, struct plist *l);

static void tab_grow(struct kb__post *p)
{
    struct plist *old = p->tab;
    size_t ocap = p->cap;
    p->cap = ocap ? ocap * 2 : 256;
    p->tab = sn_xcalloc(p->cap, sizeof *p->tab);
    p->n = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key)
            tab_put(p, &old[i]);
    free(old);
}

static void tab_put(struct kb__post *p, struct plist *l)
{
    if ((p->n + 1) * 2 > p->cap)
        tab_grow(p);
    size_t i = kb__hash(l->key, (size_t)l->klen) & (p->cap - 1);
    while (p->tab[i].key)
        i = (i + 1) & (p->cap - 1);
    p->tab[i] = *l;
    p->n++;
}

static struct plist *tab_get(struct kb__post *p, const char *s, int len)
{
    if (!p->cap)
        return NULL;
    size_t i = kb__hash(s, (size_t)len) & (p->cap - 1);
    while (p->tab[i].key) {
        if (p->tab[i].klen == len && memcmp(p->tab[i].key, s, (size_t)len) == 0)
            return &p->tab[i];
        i = (i + 1) & (p->cap - 1);
    }
    return NULL;
}

/* The FTS5 query for one analyzed form in the given columns: quoted, marked as already
 * analyzed, so nothing of the visitor's text is read as syntax. */
static void form_match(struct sn_buf *m, const char *cols, const char *s, int len)
{
    sn_buf_adds(m, cols);
    sn_buf_adds(m, " : \"");
    sn_buf_add(m, (char[]){KB_TOK_RAW_MARK}, 1);
    for (int k = 0; k < len; k++) {
        if (s[k] == '"')
            sn_buf_add(m, "\"", 1);
        sn_buf_add(m, &s[k], 1);
    }
    sn_buf_add(m, "\"", 1);
}

static int read_ids(struct kb *kb,
                    sqlite3_stmt *st,
                    const char *match,
                    size_t mlen,
                    uint32_t **ids,
                    uint32_t *n,
                    struct sn_err *err)
{
    size_t cap = 0;
    int s;
    *ids = NULL;
    *n = 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, match, (int)mlen, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        long long r = sqlite3_column_int64(st, 0);
        if (r < 0 || r > UINT32_MAX)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ids = sn_xrealloc(*ids, cap * sizeof **ids);
        }
        (*ids)[(*n)++] = (uint32_t)r;
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return kb__dberr(kb, err, "postings");
    }
    return SN_OK;
}

/* The phrasing-column list of one form, read from FTS5 on first use (borrowed). */
static int list_get(struct kb *kb,
                    struct kb__post *p,
                    const char *s,
                    int len,
                    const struct plist **out,
                    struct sn_err *err)
{
    struct plist *l = tab_get(p, s, len);
    struct sn_buf m;
    int rc;
    if (l) {
        *out = l;
        return SN_OK;
    }
    if (p->ids > CACHE_MAX_IDS)
        lists_clear(p); /* a bound on memory; hot lists come back on their next use */
    struct plist nl = {0};
    sn_buf_init(&m, 4 * KB_WORD_MAX_BYTES);
    form_match(&m, "{question variants keywords}", s, len);
    rc = read_ids(kb, p->st_list, m.p, m.len, &nl.ids, &nl.n, err);
    sn_buf_fini(&m);
    if (rc)
        return rc;
    nl.key = sn_xstrndup(s, (size_t)len);
    nl.klen = len;
    p->ids += nl.n;
    tab_put(p, &nl);
    *out = tab_get(p, s, len);
    return SN_OK;
}

static int post_ready(struct kb *kb, struct sn_err *err)
{
    struct kb__post *p = kb->post;
    if (!p) {
        p = kb->post = sn_xcalloc(1, sizeof *p);
        if (sqlite3_prepare_v3(kb->db, "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?1", -1,
                               SQLITE_PREPARE_PERSISTENT, &p->st_list, NULL) != SQLITE_OK) {
            kb__post_free(p);
            kb->post = NULL;
            return kb__dberr(kb, err, "postings");
        }
        p->gen = kb->index_gen - 1; /* force a load */
    }
    if (p->gen != kb->index_gen || !p->nrows) {
        lists_clear(p);
        int rc = rows_load(kb, p, err);
        if (rc)
            return rc;
        p->gen = kb->index_gen;
    }
    return SN_OK;
}

/* Adds weight w to every row in ids that passes the language filter, once per word. */
static void accumulate(struct kb__post *p, const uint32_t *ids, uint32_t n, float w, uint16_t lang)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = ids[i];
        if (r >= p->nrows || (lang && p->lang[r] != lang) || p->wseen[r] == p->wstamp)
            continue;
        p->wseen[r] = p->wstamp;
        if (p->seen[r] != p->qstamp) {
            p->seen[r] = p->qstamp;
            p->acc[r] = 0;
            p->touched[p->ntouched++] = r;
        }
        p->acc[r] += w;
    }
}

static void new_stamp(uint32_t *stamp, uint32_t *arr, uint32_t n)
{
    if (++*stamp == 0) { /* wrapped: old marks could collide */
        memset(arr, 0, n * sizeof *arr);
        *stamp = 1;
    }
}

/* Answer-column fallback: FTS5 itself, because it runs only for the rare question that no
 * phrasing shares a word with. */
static int answer_pass(struct kb *kb,
                       struct kb__post *p,
                       const struct kb__qword *w,
                       int n,
                       uint16_t lang,
                       struct sn_err *err)
{
    struct sn_buf m;
    int rc = SN_OK;
    if (!p->st_answer &&
        sqlite3_prepare_v3(kb->db, "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ?1", -1,
                           SQLITE_PREPARE_PERSISTENT, &p->st_answer, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "postings");
    sn_buf_init(&m, 4 * KB_WORD_MAX_BYTES);
    for (int i = 0; i < n && rc == SN_OK; i++) {
        new_stamp(&p->wstamp, p->wseen, p->nrows);
        for (int j = 0; j < w[i].nf && rc == SN_OK; j++) {
            uint32_t *ids = NULL, nids = 0;
            m.len = 0;
            form_match(&m, "{answer}", w[i].f[j].s, w[i].f[j].len);
            rc = read_ids(kb, p->st_answer, m.p, m.len, &ids, &nids, err);
            if (rc == SN_OK)
                accumulate(p, ids, nids, (float)w[i].weight, lang);
            free(ids);
        }
    }
    sn_buf_fini(&m);
    return rc;
}

/* a before b in the ranking: higher score, then the older entry */
static int better(const struct kb__pre *a, const struct kb__pre *b)
{
    return a->score > b->score || (a->score == b->score && a->n < b->n);
}

static void sift_down(struct kb__pre *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && better(&h[w], &h[l]))
            w = l;
        if (r < n && better(&h[w], &h[r]))
            w = r;
        if (w == i)
            return;
        struct kb__pre t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* The best max of the touched rows into out, best first: a min-heap of the worst kept
 * candidate at the root, so each row costs one comparison unless it gets in. */
static int top(struct kb__post *p, struct kb__pre *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < p->ntouched; i++) {
        struct kb__pre c = {p->touched[i], p->acc[p->touched[i]]};
        if (n < max) {
            out[n++] = c;
            for (int j = n - 1; j > 0 && better(&out[(j - 1) / 2], &out[j]); j = (j - 1) / 2) {
                struct kb__pre t = out[j];
                out[j] = out[(j - 1) / 2];
                out[(j - 1) / 2] = t;
            }
        } else if (better(&c, &out[0])) {
            out[0] = c;
            sift_down(out, n, 0);
        }
    }
    for (int end = n - 1; end > 0; end--) { /* heap sort: the worst goes to the back */
        struct kb__pre t = out[0];
        out[0] = out[end];
        out[end] = t;
        sift_down(out, end, 0);
    }
    return n;
}

int kb__post_select(struct kb *kb,
                    const struct kb__qword *w,
                    int n,
                    const char *lang,
                    struct kb__pre *out,
                    int max,
                    struct sn_err *err)
{
    int rc = post_ready(kb, err);
    if (rc)
        return rc;
    struct kb__post *p = kb->post;
    uint16_t want = lang2(lang);
    new_stamp(&p->qstamp, p->seen, p->nrows);
    p->ntouched = 0;
    for (int i = 0; i < n; i++) {
        new_stamp(&p->wstamp, p->wseen, p->nrows);
        for (int j = 0; j < w[i].nf; j++) {
            const struct plist *l;
            if ((rc = list_get(kb, p, w[i].f[j].s, w[i].f[j].len, &l, err)))
                return rc;
            accumulate(p, l->ids, l->n, (float)w[i].weight, want);
        }
        if (w[i].root) { /* after the forms: a row already credited for the word is skipped */
            const struct plist *l;
            if ((rc = list_get(kb, p, w[i].root, w[i].root_len, &l, err)))
                return rc;
            accumulate(p, l->ids, l->n, (float)(w[i].weight * w[i].root_share), want);
        }
    }
    if (p->ntouched == 0 && (rc = answer_pass(kb, p, w, n, want, err)))
        return rc;
    return top(p, out, max);
}
