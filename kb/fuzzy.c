/* Spelling neighbours for words the index does not know. A visitor's typo in the one rare
 * word of a question (أووبا for اوروبا, جزينيتش for جرينيتش) leaves that word out of the
 * first pass, and the common words left over pick the candidates. The nearest indexed form
 * by character trigrams stands in for it. The trigram lists are built from the vocabulary
 * on first use and dropped with it when the index changes. */
#include <stdlib.h>
#include <string.h>

#include "kb/fts5_tok.h"
#include "kb/kb_int.h"

#define NEAR_MIN_CP 4  /* shorter words have too few trigrams to tell a typo from a word */
#define WORD_GRAMS  64 /* trigrams of one word that count (KB_STEM_MAX + boundary marks) */

struct glist {
    uint32_t gram;
    uint32_t *terms; /* indexes into df.key, ascending */
    uint32_t n, cap;
};

struct kb__fuzzy {
    unsigned gen;      /* kb->index_gen it was built under */
    struct glist *tab; /* open addressing by gram, cap a power of two */
    size_t cap, n;
    uint8_t *ngrams; /* per df slot: its distinct trigrams, 0 when not a candidate */
    uint16_t *count; /* per df slot: trigrams shared with the word being looked up */
    uint32_t *touched;
    size_t ntouched;
};

/* Distinct trigrams of s into g (room for WORD_GRAMS); returns their number. */
static int grams(const char *s, int len, uint32_t *g)
{
    return kb__sort_unique(g, kb__word_grams(s, len, g, 0, WORD_GRAMS));
}

static struct glist *slot_of(struct kb__fuzzy *f, uint32_t gram, int create)
{
    size_t i = (gram * 2654435761u) & (f->cap - 1);
    while (f->tab[i].terms && f->tab[i].gram != gram)
        i = (i + 1) & (f->cap - 1);
    if (!f->tab[i].terms && !create)
        return NULL;
    return &f->tab[i];
}

static void grow(struct kb__fuzzy *f)
{
    struct glist *old = f->tab;
    size_t ocap = f->cap;
    f->cap = ocap ? ocap * 2 : 1024;
    f->tab = sn_xcalloc(f->cap, sizeof *f->tab);
    for (size_t i = 0; i < ocap; i++)
        if (old[i].terms)
            *slot_of(f, old[i].gram, 1) = old[i];
    free(old);
}

static void add(struct kb__fuzzy *f, uint32_t gram, uint32_t term)
{
    if ((f->n + 1) * 2 > f->cap)
        grow(f);
    struct glist *l = slot_of(f, gram, 1);
    if (!l->terms) {
        l->gram = gram;
        l->cap = 4;
        l->terms = sn_xmalloc(l->cap * sizeof *l->terms);
        f->n++;
    } else if (l->n == l->cap) {
        l->cap *= 2;
        l->terms = sn_xrealloc(l->terms, l->cap * sizeof *l->terms);
    }
    l->terms[l->n++] = term;
}

void kb__fuzzy_free(struct kb__fuzzy *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->cap; i++)
        free(f->tab[i].terms);
    free(f->tab);
    free(f->ngrams);
    free(f->count);
    free(f->touched);
    free(f);
}

/* Candidates are indexed forms of 4+ code points with a letter in them: not roots (their
 * own token kind), not numbers (a typo'd number is another number). */
static int candidate(const char *s, int len)
{
    int letter = 0;
    if (len <= 0 || s[0] == KB_TOK_ROOT_MARK)
        return 0;
    for (int i = 0; i < len && !letter; i++)
        letter = (unsigned char)s[i] >= 0x80 || (s[i] >= 'a' && s[i] <= 'z');
    return letter;
}

static struct kb__fuzzy *build(struct kb *kb)
{
    struct kb__fuzzy *f = sn_xcalloc(1, sizeof *f);
    struct kb__df *df = &kb->df;
    uint32_t g[WORD_GRAMS];
    f->gen = kb->index_gen;
    f->ngrams = sn_xcalloc(df->cap ? df->cap : 1, sizeof *f->ngrams);
    f->count = sn_xcalloc(df->cap ? df->cap : 1, sizeof *f->count);
    f->touched = sn_xcalloc(df->cap ? df->cap : 1, sizeof *f->touched);
    for (size_t i = 0; i < df->cap; i++) {
        if (!df->key[i] || !candidate(df->key[i], df->klen[i]))
            continue;
        int n = grams(df->key[i], df->klen[i], g);
        if (n < NEAR_MIN_CP + 1) /* 4 code points make 5 trigrams with the marks */
            continue;
        f->ngrams[i] = (uint8_t)n;
        for (int k = 0; k < n; k++)
            add(f, g[k], (uint32_t)i);
    }
    return f;
}

int kb__fuzzy_near(
    struct kb *kb, const char *w, int len, double min, const char **out, int *outlen, double *sim)
{
    uint32_t g[WORD_GRAMS];
    struct kb__fuzzy *f = kb->fuzzy;
    int n = grams(w, len, g);
    long bt = -1;
    double best = min;
    if (n < NEAR_MIN_CP + 1 || !kb->df.cap)
        return 0;
    if (f && f->gen != kb->index_gen) {
        kb__fuzzy_free(f);
        f = kb->fuzzy = NULL;
    }
    if (!f)
        f = kb->fuzzy = build(kb);
    f->ntouched = 0;
    for (int k = 0; k < n; k++) {
        struct glist *l = slot_of(f, g[k], 0);
        for (uint32_t j = 0; l && j < l->n; j++) {
            uint32_t t = l->terms[j];
            if (f->count[t]++ == 0)
                f->touched[f->ntouched++] = t;
        }
    }
    for (size_t i = 0; i < f->ntouched; i++) {
        uint32_t t = f->touched[i];
        double d = 2.0 * f->count[t] / (double)(n + f->ngrams[t]);
        f->count[t] = 0;
        /* ties go to the more frequent form: the common spelling of the word */
        if (d > best || (bt >= 0 && d == best && kb->df.val[t] > kb->df.val[bt])) {
            best = d;
            bt = (long)t;
        }
    }
    if (bt < 0)
        return 0;
    *out = kb->df.key[bt];
    *outlen = kb->df.klen[bt];
    *sim = best;
    return 1;
}
