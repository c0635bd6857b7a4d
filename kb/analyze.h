/* The one analyzer for indexing and querying: ICU word segmentation -> NFKC_Casefold ->
 * Arabic folding -> clitic/article strip -> Snowball stem (+ light stem) per script.
 * Synonyms are applied by kb/search.c at query time, on the words this returns. */
#ifndef SANAD_KB_ANALYZE_H
#define SANAD_KB_ANALYZE_H

#include "kb/base.h"

#define KB_WORD_MAX_BYTES 256 /* any form of one word fits in this, NUL included */

enum kb_script { KB_SCRIPT_OTHER = 0, KB_SCRIPT_ARABIC, KB_SCRIPT_LATIN, KB_SCRIPT_DIGIT };

/* One analyzed word. Every pointer is borrowed until the callback returns. */
struct kb_word {
    const char *norm; /* folded surface form, unstemmed: synonyms, n-grams, explain */
    int norm_len;
    /* Indexed forms, all at the same position: form[0] is the stem; Arabic words may add a
     * light stem and a light stem with a one-letter clitic (و ف ب ك ل) removed, because
     * that letter is as often part of the word (بطاقتي، فاتورتي، وظيفه). Distinct forms. */
    const char *form[3];
    int form_len[3];
    int nforms;
    /* Arabic only (else root_len 0): the word's root (kb/root.h), kept apart from the
     * forms because a root match is weaker evidence than a stem match. */
    const char *root;
    int root_len;
    int start, end;  /* byte range in the input text */
    int script;      /* enum kb_script */
    int stop;        /* 1 when a stop word of its language (callers decide what that means) */
};

/* Returns 0 to go on; any other value stops the analysis and is returned by kb_analyze. */
typedef int kb_word_fn(void *ctx, const struct kb_word *w);

struct kb_analyzer;

/* A new analyzer owned by the caller (kb_analyzer_free), or NULL with err set.
 * Not thread-safe: one per thread / per FTS5 tokenizer instance. */
struct kb_analyzer *kb_analyzer_new(struct sn_err *err);
void kb_analyzer_free(struct kb_analyzer *a);

/* Calls fn for each word of text[0..len) in order. Invalid UTF-8 bytes are treated as
 * U+FFFD (never a word). Text past KB_ANALYZE_MAX_BYTES is not analyzed: callers that must
 * refuse long text check before. Returns 0, fn's non-zero value, or SN_EIO on ICU failure. */
#define KB_ANALYZE_MAX_BYTES (1u << 20)
int kb_analyze(struct kb_analyzer *a, const char *text, int len, kb_word_fn *fn, void *ctx);

#endif
