/* libFuzzer target: the text analyzer (kb_analyze, kb/analyze.h) that every visitor
 * question and every indexed entry goes through, and the character folding under it
 * (kb/normalize.h). Each input is raw text, valid UTF-8 or not. Invariants beyond "no crash,
 * no leak":
 *  - kb_analyze succeeds on any bytes (invalid UTF-8 is U+FFFD, never a failure);
 *  - every word lies inside the text, in order, and its folded form, its 1..3 distinct
 *    indexed forms and its root are non-empty valid UTF-8 shorter than KB_WORD_MAX_BYTES
 *    (they go on into FTS5, JSON answers and logs);
 *  - the analyzer keeps no state between texts: a second run gives the same words;
 *  - folding is idempotent: kb_norm_char / kb_norm_final of a folded character is itself,
 *    and kb_norm_word of a folded word changes nothing. */
#include <string.h>

#include "kb/analyze.h"
#include "kb/base.h"
#include "kb/normalize.h"
#include "tests/fuzz/fuzz.h"

static struct kb_analyzer *analyzer;

struct walk {
    int len;      /* of the text */
    int prev;     /* start of the previous word */
    int n;        /* words seen */
    uint32_t sum; /* a hash of every word seen, to compare two runs */
};

static uint32_t mix(uint32_t h, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return (h ^ (uint32_t)n) * 16777619u;
}

static void check_piece(const char *s, int n)
{
    FUZZ_CHECK(s && n > 0 && n < KB_WORD_MAX_BYTES);
    FUZZ_CHECK((int)strlen(s) == n); /* NUL-terminated, no NUL inside */
    FUZZ_CHECK(sn_utf8_valid(s, (size_t)n, NULL));
}

static int on_word(void *ctx, const struct kb_word *w)
{
    struct walk *k = ctx;
    FUZZ_CHECK(w->start >= 0 && w->start < w->end && w->end <= k->len);
    FUZZ_CHECK(w->start >= k->prev);
    check_piece(w->norm, w->norm_len);
    FUZZ_CHECK(w->nforms >= 1 && w->nforms <= 3);
    for (int i = 0; i < w->nforms; i++) {
        check_piece(w->form[i], w->form_len[i]);
        for (int j = 0; j < i; j++)
            FUZZ_CHECK(w->form_len[i] != w->form_len[j] ||
                       memcmp(w->form[i], w->form[j], (size_t)w->form_len[i]));
    }
    if (w->root_len)
        check_piece(w->root, w->root_len);
    FUZZ_CHECK(w->script == KB_SCRIPT_ARABIC || !w->root_len);
    FUZZ_CHECK(w->script >= KB_SCRIPT_OTHER && w->script <= KB_SCRIPT_DIGIT);
    FUZZ_CHECK(w->stop == 0 || w->stop == 1);
    k->prev = w->start;
    k->n++;
    k->sum = mix(k->sum, w->norm, w->norm_len);
    for (int i = 0; i < w->nforms; i++)
        k->sum = mix(k->sum, w->form[i], w->form_len[i]);
    k->sum = mix(k->sum, (const char *)&w->start, sizeof w->start);
    return 0;
}

static void check_folding(const uint8_t *data, size_t size)
{
    /* the input's bytes read as code points, 3 bytes each (anything up to U+FFFFFF) */
    uint32_t cp[64];
    size_t n = 0;
    for (size_t i = 0; i + 2 < size && n < sizeof cp / sizeof *cp; i += 3) {
        uint32_t c = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        uint32_t f = kb_norm_char(c);
        FUZZ_CHECK(!f || kb_norm_char(f) == f);
        uint32_t g = kb_norm_final(f);
        FUZZ_CHECK(kb_norm_final(g) == g);
        cp[n++] = c;
    }
    for (int final = 0; final <= 1; final++) {
        uint32_t w[64], w2[64];
        size_t m = n, m2;
        memcpy(w, cp, n * sizeof *cp);
        kb_norm_word(w, &m, final);
        FUZZ_CHECK(m <= n);
        memcpy(w2, w, m * sizeof *w);
        m2 = m;
        kb_norm_word(w2, &m2, final);
        FUZZ_CHECK(m2 == m && !memcmp(w, w2, m * sizeof *w));
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sn_err e = {0};
    (void)argc, (void)argv;
    analyzer = kb_analyzer_new(&e);
    if (!analyzer) {
        fprintf(stderr, "fuzz_analyzer: %s\n", e.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0; /* long inputs only slow the search down; the cap is tested elsewhere */
    struct walk a = {.len = (int)size}, b = {.len = (int)size};
    FUZZ_CHECK(kb_analyze(analyzer, (const char *)data, (int)size, on_word, &a) == 0);
    FUZZ_CHECK(kb_analyze(analyzer, (const char *)data, (int)size, on_word, &b) == 0);
    FUZZ_CHECK(a.n == b.n && a.sum == b.sum);
    check_folding(data, size);
    return 0;
}
