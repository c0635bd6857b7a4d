#include "kb/analyze.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "kb/kb_int.h"
#include "kb/normalize.h"
#include "kb/root.h"
#include "kb/stem.h"
#include "kb/stopwords.h"

struct kb_analyzer {
    UBreakIterator *brk;
    const UNormalizer2 *nfkc_cf;
    struct kb_stemmer *stem;
    UChar *u16;     /* text as UTF-16 for ICU */
    int32_t *off8;  /* off8[i] = byte offset of u16[i] in the input; one past the end too */
    size_t cap16;
};

struct kb_analyzer *kb_analyzer_new(struct sn_err *err)
{
    UErrorCode e = U_ZERO_ERROR;
    struct kb_analyzer *a = sn_xcalloc(1, sizeof *a);
    a->stem = kb_stemmer_new(err);
    if (!a->stem)
        goto fail;
    a->nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e)) {
        sn_err_set(err, SN_EIO, "ICU NFKC_Casefold: %s", u_errorName(e));
        goto fail;
    }
    /* The root locale: ICU has no Arabic-specific word rules (asking for "ar" only adds
     * U_USING_DEFAULT_WARNING). */
    a->brk = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
    if (U_FAILURE(e)) {
        sn_err_set(err, SN_EIO, "ICU word break iterator: %s", u_errorName(e));
        goto fail;
    }
    return a;
fail:
    kb_analyzer_free(a);
    return NULL;
}

void kb_analyzer_free(struct kb_analyzer *a)
{
    if (!a)
        return;
    if (a->brk)
        ubrk_close(a->brk);
    kb_stemmer_free(a->stem);
    free(a->u16);
    free(a->off8);
    free(a);
}

/* UTF-8 -> UTF-16 with a byte-offset map, so every word reports its byte range in the
 * caller's text (FTS5 needs it for highlight()). */
static int32_t to_utf16(struct kb_analyzer *a, const char *s, int len)
{
    if ((size_t)len + 1 > a->cap16) {
        a->cap16 = (size_t)len + 1;
        a->u16 = sn_xrealloc(a->u16, a->cap16 * 2 * sizeof *a->u16);
        a->off8 = sn_xrealloc(a->off8, (a->cap16 * 2 + 1) * sizeof *a->off8);
    }
    int32_t o = 0;
    size_t i = 0;
    while (i < (size_t)len) {
        int start = (int)i;
        uint32_t cp = kb__utf8_next(s, (size_t)len, &i);
        if (cp >= 0x10000) {
            a->off8[o] = start;
            a->u16[o++] = U16_LEAD(cp);
            a->off8[o] = start;
            a->u16[o++] = U16_TRAIL(cp);
        } else {
            a->off8[o] = start;
            a->u16[o++] = (UChar)cp;
        }
    }
    a->off8[o] = len;
    return o;
}

static int emit_word(struct kb_analyzer *a, const uint32_t *w, size_t n, int start, int end,
                     kb_word_fn *fn, void *ctx)
{
    char norm[KB_WORD_MAX_BYTES], fbuf[3][KB_WORD_MAX_BYTES], rbuf[KB_WORD_MAX_BYTES];
    uint32_t forms[3][KB_STEM_MAX];
    size_t nforms[3];
    struct kb_word kw = {0};
    int arabic = 0, latin = 0, digit = 0;

    if (n > KB_STEM_MAX)
        n = KB_STEM_MAX;
    for (size_t i = 0; i < n; i++) {
        if (kb_is_arabic_letter(w[i]))
            arabic = 1;
        else if (w[i] >= '0' && w[i] <= '9')
            digit = 1;
        else if (w[i] < 0x250 && w[i] >= 'a')
            latin = 1;
    }
    kw.start = start;
    kw.end = end;
    kw.norm = norm;
    for (int i = 0; i < 3; i++)
        kw.form[i] = fbuf[i];
    {
        size_t nf = n;
        uint32_t fin[KB_STEM_MAX];
        memcpy(fin, w, n * sizeof *w);
        for (size_t i = 0; i < nf; i++)
            fin[i] = kb_norm_final(fin[i]);
        kw.norm_len = (int)kb__utf32_to_utf8(fin, nf, norm, sizeof norm);
    }
    if (arabic) {
        kw.script = KB_SCRIPT_ARABIC;
        kw.nforms = kb_stem_arabic(a->stem, w, n, forms, nforms);
        for (int i = 0; i < kw.nforms; i++)
            kw.form_len[i] = (int)kb__utf32_to_utf8(forms[i], nforms[i], fbuf[i], KB_WORD_MAX_BYTES);
        kw.stop = kb_stopword(KB_SCRIPT_ARABIC, norm, kw.norm_len);
        uint32_t root[KB_STEM_MAX];
        size_t nroot = kb_root_arabic(w, n, root);
        if (nroot >= 3) { /* two letters are no root: too many words would meet */
            kw.root = rbuf;
            kw.root_len = (int)kb__utf32_to_utf8(root, nroot, rbuf, sizeof rbuf);
        }
    } else if (latin) {
        int sl;
        kw.script = KB_SCRIPT_LATIN;
        const char *s = kb_stem_english(a->stem, norm, kw.norm_len, &sl);
        if (sl >= KB_WORD_MAX_BYTES)
            sl = KB_WORD_MAX_BYTES - 1;
        memcpy(fbuf[0], s, (size_t)sl);
        fbuf[0][sl] = 0;
        kw.form_len[0] = sl;
        kw.nforms = 1;
        kw.stop = kb_stopword(KB_SCRIPT_LATIN, norm, kw.norm_len);
    } else {
        kw.script = digit ? KB_SCRIPT_DIGIT : KB_SCRIPT_OTHER;
        memcpy(fbuf[0], norm, (size_t)kw.norm_len + 1);
        kw.form_len[0] = kw.norm_len;
        kw.nforms = 1;
    }
    if (kw.nforms == 0 || kw.form_len[0] == 0)
        return 0;
    return fn(ctx, &kw);
}

/* Normalizes one segment and emits its words; NFKC can turn one segment into several
 * (a ligature such as U+FDFA expands to words with spaces), so split on whitespace. */
static int do_segment(struct kb_analyzer *a, int32_t s16, int32_t e16, kb_word_fn *fn,
                      void *ctx)
{
    UChar buf[KB_STEM_MAX * 4];
    uint32_t w[KB_STEM_MAX];
    UErrorCode e = U_ZERO_ERROR;
    int32_t seglen = e16 - s16;
    if (seglen > KB_STEM_MAX * 2)
        seglen = KB_STEM_MAX * 2; /* a 100 KB "word" is analyzed on its head only */
    int32_t n16 = unorm2_normalize(a->nfkc_cf, a->u16 + s16, seglen, buf, (int32_t)(sizeof buf / sizeof *buf), &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
        n16 = (int32_t)(sizeof buf / sizeof *buf);
        e = U_ZERO_ERROR;
    }
    if (U_FAILURE(e))
        return SN_EIO;
    int start = a->off8[s16], end = a->off8[e16];
    size_t n = 0;
    int32_t i = 0;
    while (i <= n16) {
        UChar32 c = 0;
        if (i < n16)
            U16_NEXT(buf, i, n16, c);
        else
            i++;
        if (i > n16 || c == ' ' || c == 0x3000 || c == '\t') {
            if (n) {
                int rc = emit_word(a, w, n, start, end, fn, ctx);
                if (rc)
                    return rc;
            }
            n = 0;
            continue;
        }
        uint32_t f = kb_norm_char((uint32_t)c);
        if (f && n < KB_STEM_MAX)
            w[n++] = f;
    }
    return 0;
}

int kb_analyze(struct kb_analyzer *a, const char *text, int len, kb_word_fn *fn, void *ctx)
{
    UErrorCode e = U_ZERO_ERROR;
    int rc = 0;
    if (len < 0)
        len = (int)strlen(text);
    if ((unsigned)len > KB_ANALYZE_MAX_BYTES)
        len = (int)KB_ANALYZE_MAX_BYTES;
    int32_t n16 = to_utf16(a, text, len);
    ubrk_setText(a->brk, a->u16, n16, &e);
    if (U_FAILURE(e))
        return SN_EIO;
    int32_t prev = ubrk_first(a->brk);
    for (int32_t cur = ubrk_next(a->brk); cur != UBRK_DONE; prev = cur, cur = ubrk_next(a->brk)) {
        int32_t status = ubrk_getRuleStatus(a->brk);
        /* NONE covers spaces, punctuation, symbols and emoji. */
        if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT)
            continue;
        rc = do_segment(a, prev, cur, fn, ctx);
        if (rc)
            break;
    }
    /* Drop the reference to our buffer so a later realloc can't leave ICU pointing at it. */
    ubrk_setText(a->brk, NULL, 0, &e);
    return rc;
}
