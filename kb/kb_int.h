/* Internals shared inside kb/ only (SQLite's XInt.h); prefix kb__. */
#ifndef SANAD_KB_INT_H
#define SANAD_KB_INT_H

#include <stddef.h>
#include <stdint.h>

/* Encodes s[0..n) as UTF-8 into out (capacity cap, NUL-terminated); returns bytes written,
 * truncating at a code point boundary when cap is too small. */
size_t kb__utf32_to_utf8(const uint32_t *s, size_t n, char *out, size_t cap);

/* Decodes the code point at s[*i] (i < len) and advances *i past it. An invalid sequence
 * (bad byte, truncated, overlong, surrogate, past U+10FFFF) yields U+FFFD and advances one
 * byte, so every byte is consumed exactly once. */
uint32_t kb__utf8_next(const char *s, size_t len, size_t *i);

/* Decodes UTF-8 into out (capacity cap code points); invalid bytes become U+FFFD.
 * Returns the number of code points written. */
size_t kb__utf8_to_utf32(const char *s, size_t len, uint32_t *out, size_t cap);

/* FNV-1a, used by the small hash tables in kb/. */
uint32_t kb__hash(const char *s, size_t n);

/* Appends to g[n..max) the character trigrams of one folded word, with ^ and $ marks, and
 * returns the new count. Search's fuzzy matching and phrasing Dice, and the vocabulary's
 * spelling neighbours (kb/fuzzy.c), all use these. */
int kb__word_grams(const char *w, int len, uint32_t *g, int n, int max);
/* Sorts g[0..n) and drops repeats; returns the new count. */
int kb__sort_unique(uint32_t *g, int n);

#include <sqlite3.h>

#include "kb/analyze.h"
#include "kb/base.h"
#include "kb/entry.h"
#include "kb/kb.h"

/* Document frequencies of indexed forms, loaded lazily from the fts5vocab table and dropped
 * whenever the index changes (our write, or another connection's seen via data_version). */
struct kb__df {
    char **key;
    int *klen;
    int *val;
    size_t cap, n;
    long long total_docs;
    int loaded;
    int data_version;
};

struct kb__syn;   /* synonym map, kb/synonym.c */
struct kb__post;  /* first-pass posting cache, kb/postings.c */
struct kb__fuzzy; /* trigram lists of the vocabulary, kb/fuzzy.c */
struct kb__calib; /* the calibration model in use, kb/calib.c */

struct kb {
    sqlite3 *db;
    struct kb_analyzer *an;
    struct kb__df df;
    struct kb__syn *syn;
    struct kb__post *post;
    struct kb__fuzzy *fuzzy;
    struct kb__calib *calib;         /* loaded lazily, dropped when the base changes */
    unsigned index_gen;              /* bumped whenever the index statistics are reloaded */
    sqlite3_stmt *st_terms, *st_hit; /* search's lookups, finalized in kb_close */
    sqlite3_stmt *st_dv;             /* PRAGMA data_version (kb__data_version) */
    sqlite3_stmt *st_gap;            /* kb/gap.c's upsert, finalized in kb_close */
    int batching, tx_open;           /* kb_batch_begin: gaps and labels share a transaction */
    void *qscratch;                  /* search's query scratch (kb/search.c), freed in kb_close */
    void *rcache;                    /* search's parsed phrasings (kb/search.c) */
    size_t rcache_bytes;             /* what the entries in it hold */
    unsigned rcache_gen;             /* the index_gen they were parsed under */
    int readonly;
    char actor[KB_MAX_ACTOR_BYTES + 1]; /* kb_set_actor: who the history says wrote */
};

/* Runs sql with no result rows; SN_OK or SN_EDB with the SQLite message in err. */
int kb__exec(struct kb *kb, const char *sql, struct sn_err *err);
int kb__dberr(struct kb *kb, struct sn_err *err, const char *what);
/* Before a gap or label write: in a batch (kb_batch_begin), the batch's transaction, begun
 * here by its first write. SN_OK or SN_EDB. */
int kb__batch_enter(struct kb *kb, struct sn_err *err);

/* Removes row n from the search index, then indexes e there when it is published. */
int kb__index_entry(struct kb *kb, long long n, const struct kb_entry *e, struct sn_err *err);
/* Writes only e's analyzed phrasings (kb_terms row n, which must not exist yet). */
int kb__index_terms(struct kb *kb, long long n, const struct kb_entry *e, struct sn_err *err);
int kb__unindex(struct kb *kb, long long n, struct sn_err *err);
/* Changes whenever any connection commits to the file (cache invalidation). */
int kb__data_version(struct kb *kb);
/* Marks cached index statistics stale (after any write). */
void kb__index_changed(struct kb *kb);
/* Documents holding token tok (0 when none); kb->df.total_docs is the published count. */
int kb__df_get(struct kb *kb, const char *tok, int len);
int kb__df_load(struct kb *kb, struct sn_err *err);
void kb__df_free(struct kb__df *df);

/* (Re)loads the synonym map when the database changed. It runs the analyzer, so it must be
 * called before an analysis whose callback does lookups, never from inside one. */
int kb__syn_load(struct kb *kb);
/* Synonym map: canonical forms for a query word, looked up by its folded surface form.
 * Returns the canonical word's analyzed forms joined by '|' (borrowed), or NULL. */
const char *kb__syn_lookup(struct kb *kb, const char *norm, int len);
void kb__syn_free(struct kb__syn *s);
void kb__syn_invalidate(struct kb *kb);

/* One analyzed form of a query word (borrowed text). */
struct kb__form {
    const char *s;
    int len;
    uint32_t h;
};
/* A query word for the first pass: any of its forms matches for weight; else its root
 * token (KB_TOK_ROOT_MARK + root, may be NULL) for weight * root_share. */
struct kb__qword {
    const struct kb__form *f;
    int nf;
    double weight;
    const char *root;
    int root_len;
    double root_share;
};
/* A first-pass candidate: entry row and summed weight of the query words it holds. */
struct kb__pre {
    uint32_t n;
    float score;
};
/* Fills out[0..max) with the best-scoring published entries (in lang, when not NULL) for
 * the query words w[0..n): the sum of the weights of the words found in an entry's
 * question, variants or keywords, or in its answer when no phrasing holds any word. Returns
 * the number of candidates (>= 0), or a negative sn_code with err set. Must be called after
 * kb__df_load (it relies on kb->index_gen). */
int kb__post_select(struct kb *kb,
                    const struct kb__qword *w,
                    int n,
                    const char *lang,
                    struct kb__pre *out,
                    int max,
                    struct sn_err *err);
void kb__post_free(struct kb__post *p);
/* The indexed form nearest to w[0..len) by character-trigram Dice, when it is at least min:
 * 1 with *out (borrowed from the df table, valid until the index changes), *outlen and *sim
 * set; else 0. Words under 4 code points have no neighbours. Call after kb__df_load. */
int kb__fuzzy_near(
    struct kb *kb, const char *w, int len, double min, const char **out, int *outlen, double *sim);
void kb__fuzzy_free(struct kb__fuzzy *f);
struct kb_search_opts;
struct kb_results;
/* What calibration leaves out of a search: entry row n whole (row < 0), or only its
 * phrasing row (0 the question, 1.. the variants in order). */
struct kb__exclude {
    long long n;
    int row;
};
/* kb_search with ex (may be NULL) left out. */
int kb__search(struct kb *kb,
               const char *question,
               const struct kb_search_opts *o,
               const struct kb__exclude *ex,
               struct kb_results **out,
               struct sn_err *err);
/* Creates the calibration and labels tables when missing. */
int kb__calib_schema(struct kb *kb, struct sn_err *err);
/* Creates the gaps table, or brings one made by an older Sanad to the current columns. */
int kb__gap_schema(struct kb *kb, struct sn_err *err);
/* Creates the helpful-votes table (kb/feedback.c) when missing. */
int kb__feedback_schema(struct kb *kb, struct sn_err *err);
/* Loads the calibration model when the base changed (call after kb__df_load). */
void kb__calib_load(struct kb *kb);
void kb__calib_free(struct kb__calib *c);
/* 1 when the loaded model was fitted on this base (not the fallback). */
int kb__calib_fitted(struct kb *kb);

/* Frees search's cache of parsed phrasings (kb_close). */
void kb__rcache_free(struct kb *kb);

#endif
