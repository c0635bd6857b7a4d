#include "kb/stem.h"

#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "kb/kb_int.h"
#include "kb/normalize.h"

struct kb_stemmer {
    struct sb_stemmer *ar, *en;
};

struct kb_stemmer *kb_stemmer_new(struct sn_err *err)
{
    struct kb_stemmer *s = sn_xcalloc(1, sizeof *s);
    s->ar = sb_stemmer_new("arabic", "UTF_8");
    s->en = sb_stemmer_new("english", "UTF_8");
    if (!s->ar || !s->en) {
        kb_stemmer_free(s);
        sn_err_set(err, SN_EIO, "libstemmer: arabic/english stemmers unavailable");
        return NULL;
    }
    return s;
}

void kb_stemmer_free(struct kb_stemmer *s)
{
    if (!s)
        return;
    if (s->ar)
        sb_stemmer_delete(s->ar);
    if (s->en)
        sb_stemmer_delete(s->en);
    free(s);
}

#define ALEF 0x0627
#define BEH  0x0628
#define TEH  0x062A
#define FEH  0x0641
#define KAF  0x0643
#define LAM  0x0644
#define NOON 0x0646
#define HEH  0x0647
#define WAW  0x0648
#define YEH  0x064A
#define TEHM 0x0629

struct affix {
    uint32_t c[4];
    size_t n;
    size_t min_rest; /* letters that must remain after removal */
};

/* Longest first; the article forms are unambiguous enough to strip everywhere. */
static const struct affix prefixes[] = {
    {{WAW, ALEF, LAM}, 3, 3}, {{BEH, ALEF, LAM}, 3, 3}, {{KAF, ALEF, LAM}, 3, 3},
    {{FEH, ALEF, LAM}, 3, 3}, {{LAM, LAM}, 2, 3},       {{ALEF, LAM}, 2, 3},
};

static const struct affix clitics[] = {
    {{WAW}, 1, 4}, {{FEH}, 1, 4}, {{BEH}, 1, 4}, {{KAF}, 1, 4}, {{LAM}, 1, 4},
};

/* Plural, feminine and attached-pronoun suffixes for the light stem. ك alone is left out:
 * it ends too many nouns (اشتراك) to be worth its hits as "your". */
static const struct affix suffixes[] = {
    /* plural + pronoun first, so اشتراكاتي loses اتي, not just تي */
    {{ALEF, TEH, HEH, ALEF}, 4, 3},
    {{ALEF, TEH, NOON, ALEF}, 4, 3},
    {{ALEF, TEH, HEH, 0x0645}, 4, 3},
    {{ALEF, TEH, KAF, 0x0645}, 4, 3},
    {{ALEF, TEH, YEH}, 3, 3},
    {{ALEF, TEH, KAF}, 3, 3},
    {{ALEF, TEH, HEH}, 3, 3},
    {{TEH, HEH, ALEF}, 3, 3},
    {{TEH, NOON, ALEF}, 3, 3},
    {{TEH, HEH, 0x0645}, 3, 3},
    {{TEH, KAF, 0x0645}, 3, 3},
    {{ALEF, TEH}, 2, 3},
    {{WAW, NOON}, 2, 3},
    {{YEH, NOON}, 2, 3},
    {{ALEF, NOON}, 2, 3},
    {{HEH, ALEF}, 2, 3},
    {{HEH, 0x0645}, 2, 3},
    {{KAF, 0x0645}, 2, 3},
    {{NOON, ALEF}, 2, 3},
    {{YEH, TEHM}, 2, 3},
    {{YEH, HEH}, 2, 3},
    {{TEH, YEH}, 2, 3},
    {{TEH, KAF}, 2, 3},
    {{TEH, HEH}, 2, 3},
    {{TEHM}, 1, 3},
    {{HEH}, 1, 3},
    {{YEH}, 1, 3},
};

static int has_prefix(const uint32_t *w, size_t n, const struct affix *a)
{
    return n >= a->n + a->min_rest && memcmp(w, a->c, a->n * sizeof *w) == 0;
}

static int has_suffix(const uint32_t *w, size_t n, const struct affix *a)
{
    return n >= a->n + a->min_rest && memcmp(w + n - a->n, a->c, a->n * sizeof *w) == 0;
}

static size_t strip_prefix(const struct affix *list, size_t nlist, const uint32_t *w, size_t n)
{
    for (size_t i = 0; i < nlist; i++)
        if (has_prefix(w, n, &list[i]))
            return list[i].n;
    return 0;
}

static size_t light_stem(const uint32_t *w, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t i;
        for (i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
            if (has_suffix(w, n, &suffixes[i]))
                break;
        if (i == sizeof suffixes / sizeof *suffixes)
            break;
        n -= suffixes[i].n;
    }
    return n;
}

static void finalize(uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] = kb_norm_final(w[i]);
}

static int
add_form(uint32_t out[3][KB_STEM_MAX], size_t nout[3], int nf, const uint32_t *w, size_t n)
{
    if (n == 0)
        return nf;
    for (int i = 0; i < nf; i++)
        if (nout[i] == n && memcmp(out[i], w, n * sizeof *w) == 0)
            return nf;
    memcpy(out[nf], w, n * sizeof *w);
    nout[nf] = n;
    return nf + 1;
}

int kb_stem_arabic(
    struct kb_stemmer *s, const uint32_t *w, size_t n, uint32_t out[3][KB_STEM_MAX], size_t nout[3])
{
    char in8[KB_STEM_MAX * 4 + 1];
    uint32_t rest[KB_STEM_MAX], sb[KB_STEM_MAX], prim[KB_STEM_MAX], tmp[KB_STEM_MAX];
    int nf = 0;
    if (n > KB_STEM_MAX)
        n = KB_STEM_MAX;
    size_t p = strip_prefix(prefixes, sizeof prefixes / sizeof *prefixes, w, n);
    size_t nrest = n - p;
    memcpy(rest, w + p, nrest * sizeof *w);

    size_t nsb = 0;
    if (nrest > 2) {
        size_t len8 = kb__utf32_to_utf8(rest, nrest, in8, sizeof in8);
        const sb_symbol *r = sb_stemmer_stem(s->ar, (const sb_symbol *)in8, (int)len8);
        if (r)
            nsb = kb__utf8_to_utf32((const char *)r, (size_t)sb_stemmer_length(s->ar), sb,
                                    KB_STEM_MAX);
    }
    size_t nprim;
    memcpy(tmp, rest, nrest * sizeof *w);
    finalize(tmp, nrest);
    if (nsb == 0) {
        memcpy(prim, tmp, nrest * sizeof *w);
        nprim = nrest;
    } else {
        finalize(sb, nsb);
        /* Put back whatever Snowball took at the front; keep only its suffix work. */
        size_t k = 0;
        while (k <= 2 && k + nsb <= nrest && memcmp(tmp + k, sb, nsb * sizeof *sb) != 0)
            k++;
        if (k > 2 || k + nsb > nrest)
            k = 0;
        memcpy(prim, tmp, k * sizeof *w);
        memcpy(prim + k, sb, nsb * sizeof *sb);
        nprim = k + nsb;
    }
    nf = add_form(out, nout, nf, prim, nprim);

    size_t nl = light_stem(rest, nrest);
    memcpy(tmp, rest, nl * sizeof *w);
    finalize(tmp, nl);
    nf = add_form(out, nout, nf, tmp, nl);

    size_t c = strip_prefix(clitics, sizeof clitics / sizeof *clitics, rest, nrest);
    if (c) {
        size_t nc = light_stem(rest + c, nrest - c);
        memcpy(tmp, rest + c, nc * sizeof *w);
        finalize(tmp, nc);
        nf = add_form(out, nout, nf, tmp, nc);
    }
    return nf;
}

/* Irregular English forms that visitors and editors write for the same thing ("my phone was
 * stolen" / "someone stole my phone", "i paid" / "how do i pay"): Snowball stems suffixes
 * only, so these are mapped to the base verb first. Sorted by form for bsearch. */
static const char *const irregular[][2] = {
    {"bought", "buy"},    {"broke", "break"},      {"broken", "break"}, {"brought", "bring"},
    {"came", "come"},     {"caught", "catch"},     {"chose", "choose"}, {"chosen", "choose"},
    {"driven", "drive"},  {"drove", "drive"},      {"fallen", "fall"},  {"fell", "fall"},
    {"forgot", "forget"}, {"forgotten", "forget"}, {"found", "find"},   {"froze", "freeze"},
    {"frozen", "freeze"}, {"gave", "give"},        {"given", "give"},   {"gone", "go"},
    {"got", "get"},       {"gotten", "get"},       {"hid", "hide"},     {"hidden", "hide"},
    {"kept", "keep"},     {"knew", "know"},        {"known", "know"},   {"lost", "lose"},
    {"made", "make"},     {"paid", "pay"},         {"ran", "run"},      {"said", "say"},
    {"saw", "see"},       {"seen", "see"},         {"sent", "send"},    {"shown", "show"},
    {"sold", "sell"},     {"spent", "spend"},      {"stole", "steal"},  {"stolen", "steal"},
    {"taken", "take"},    {"thought", "think"},    {"told", "tell"},    {"took", "take"},
    {"went", "go"},       {"woke", "wake"},        {"won", "win"},      {"wore", "wear"},
    {"worn", "wear"},     {"written", "write"},    {"wrote", "write"},
};

static int irregular_cmp(const void *key, const void *elem)
{
    const char *const *k = key, *const *e = elem;
    return strcmp(*k, *e);
}

const char *kb_stem_english(struct kb_stemmer *s, const char *w, int n, int *outlen)
{
    char word[16];
    if (n > 0 && n < (int)sizeof word) {
        memcpy(word, w, (size_t)n);
        word[n] = 0;
        const char *key = word;
        const char *const *hit = bsearch(&key, irregular, sizeof irregular / sizeof *irregular,
                                         sizeof *irregular, irregular_cmp);
        if (hit) {
            w = hit[1];
            n = (int)strlen(hit[1]);
        }
    }
    const sb_symbol *r = sb_stemmer_stem(s->en, (const sb_symbol *)w, n);
    if (!r) { /* libstemmer fails only on OOM; the word as-is is a safe token */
        *outlen = n;
        return w;
    }
    *outlen = sb_stemmer_length(s->en);
    return (const char *)r;
}
