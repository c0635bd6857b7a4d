#include "kb/root.h"

#include <string.h>

#include "kb/normalize.h"

#define ALEF 0x0627
#define TEHM 0x0629 /* ة */
#define TEH  0x062A
#define SEEN 0x0633
#define FEH  0x0641
#define KAF  0x0643
#define LAM  0x0644
#define MEEM 0x0645
#define NOON 0x0646
#define HEH  0x0647
#define WAW  0x0648
#define YEH  0x064A
#define BEH  0x0628

#define WMAX 64

/* A word being cut down: w[0..n). */
struct rw {
    uint32_t w[WMAX];
    size_t n;
};

static int starts(const struct rw *r, const uint32_t *p, size_t k)
{
    return r->n >= k && memcmp(r->w, p, k * sizeof *p) == 0;
}

static int ends(const struct rw *r, const uint32_t *s, size_t k)
{
    return r->n >= k && memcmp(r->w + r->n - k, s, k * sizeof *s) == 0;
}

static void cut_front(struct rw *r, size_t k)
{
    memmove(r->w, r->w + k, (r->n - k) * sizeof *r->w);
    r->n -= k;
}

/* Keeps the letters at the given positions, in order (a pattern's radicals). */
static void keep(struct rw *r, int a, int b, int c)
{
    uint32_t t[3] = {r->w[a], r->w[b], r->w[c]};
    memcpy(r->w, t, sizeof t);
    r->n = 3;
}

static int in(uint32_t c, const uint32_t *set, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (set[i] == c)
            return 1;
    return 0;
}

static const uint32_t P3[][3] = {
    {KAF, ALEF, LAM}, {BEH, ALEF, LAM}, {WAW, LAM, LAM}, {WAW, ALEF, LAM}};
static const uint32_t P2[][2] = {{ALEF, LAM}, {LAM, LAM}};
static const uint32_t S3[][3] = {
    {TEH, MEEM, LAM}, {HEH, MEEM, LAM}, {TEH, ALEF, NOON}, {TEH, YEH, NOON}, {KAF, MEEM, LAM}};
static const uint32_t S2[][2] = {{WAW, NOON}, {ALEF, TEH}, {ALEF, NOON}, {YEH, NOON},
                                 {TEH, NOON}, {KAF, MEEM}, {HEH, NOON},  {NOON, ALEF},
                                 {YEH, ALEF}, {HEH, ALEF}, {TEH, MEEM},  {KAF, NOON},
                                 {NOON, YEH}, {WAW, ALEF}, {MEEM, ALEF}, {HEH, MEEM}};
static const uint32_t S1[] = {TEHM, HEH, YEH, KAF, TEH, ALEF, NOON};
static const uint32_t PR1[] = {LAM, BEH, FEH, SEEN, WAW, YEH, TEH, NOON, ALEF};

static void pre32(struct rw *r)
{
    if (r->n >= 6)
        for (size_t i = 0; i < sizeof P3 / sizeof *P3; i++)
            if (starts(r, P3[i], 3)) {
                cut_front(r, 3);
                return;
            }
    if (r->n >= 5)
        for (size_t i = 0; i < sizeof P2 / sizeof *P2; i++)
            if (starts(r, P2[i], 2)) {
                cut_front(r, 2);
                return;
            }
}

static void suf32(struct rw *r)
{
    if (r->n >= 6)
        for (size_t i = 0; i < sizeof S3 / sizeof *S3; i++)
            if (ends(r, S3[i], 3)) {
                r->n -= 3;
                return;
            }
    if (r->n >= 5)
        for (size_t i = 0; i < sizeof S2 / sizeof *S2; i++)
            if (ends(r, S2[i], 2)) {
                r->n -= 2;
                return;
            }
}

static void suf1(struct rw *r)
{
    if (r->n && in(r->w[r->n - 1], S1, sizeof S1 / sizeof *S1))
        r->n--;
}

static void pre1(struct rw *r)
{
    if (r->n && in(r->w[0], PR1, sizeof PR1 / sizeof *PR1))
        cut_front(r, 1);
}

static void pro_w4(struct rw *r)
{
    uint32_t *w = r->w;
    if (w[0] == MEEM) /* مفعل */
        cut_front(r, 1);
    else if (w[1] == ALEF) /* فاعل */
        keep(r, 0, 2, 3);
    else if (w[2] == ALEF || w[2] == WAW || w[2] == YEH) /* فعال فعول فعيل */
        keep(r, 0, 1, 3);
    else if (w[3] == TEHM) /* فعلة */
        r->n = 3;
    else {
        suf1(r);
        if (r->n == 4)
            pre1(r);
    }
}

static void pro_w53(struct rw *r)
{
    uint32_t *w = r->w;
    if ((w[2] == ALEF || w[2] == TEH) && w[0] == ALEF) /* افتعل افاعل */
        keep(r, 1, 3, 4);
    else if ((w[3] == ALEF || w[3] == YEH || w[3] == WAW) && w[0] == MEEM) /* مفعول مفعال مفعيل */
        keep(r, 1, 2, 4);
    else if ((w[0] == ALEF || w[0] == TEH || w[0] == MEEM) && w[4] == TEHM) /* مفعلة تفعلة افعلة */
        keep(r, 1, 2, 3);
    else if ((w[0] == MEEM || w[0] == YEH || w[0] == TEH) && w[2] == TEH) /* مفتعل يفتعل تفتعل */
        keep(r, 1, 3, 4);
    else if ((w[0] == MEEM || w[0] == TEH) && w[2] == ALEF) /* مفاعل تفاعل */
        keep(r, 1, 3, 4);
    else if ((w[2] == ALEF || w[2] == WAW) && w[4] == TEHM) /* فعولة فعالة */
        keep(r, 0, 1, 3);
    else if ((w[0] == ALEF || w[0] == MEEM) && w[1] == NOON) /* انفعل منفعل */
        keep(r, 2, 3, 4);
    else if (w[3] == ALEF && w[0] == ALEF) /* افعال */
        keep(r, 1, 2, 4);
    else if (w[4] == NOON && w[3] == ALEF) /* فعلان */
        r->n = 3;
    else if (w[3] == YEH && w[0] == TEH) /* تفعيل */
        keep(r, 1, 2, 4);
    else if (w[3] == WAW && w[1] == ALEF) /* فاعول */
        keep(r, 0, 2, 4);
    else if (w[2] == ALEF && w[1] == WAW) /* فواعل */
        keep(r, 0, 3, 4);
    else if (w[3] == YEH && w[2] == ALEF) /* فعائل, with ئ folded to ي */
        keep(r, 0, 1, 4);
    else if (w[4] == TEHM && w[1] == ALEF) /* فاعلة */
        keep(r, 0, 2, 3);
    else if (w[4] == YEH && w[2] == ALEF) /* فعالي */
        keep(r, 0, 1, 3);
    else {
        suf1(r);
        if (r->n == 5)
            pre1(r);
    }
}

static void pro_w54(struct rw *r)
{
    uint32_t *w = r->w;
    if (w[0] == ALEF || w[0] == TEH || w[0] == MEEM) /* تفعلل افعلل مفعلل */
        cut_front(r, 1);
    else if (w[4] == TEHM) /* فعللة */
        r->n = 4;
    else if (w[2] == ALEF) { /* فعالل */
        memmove(w + 2, w + 3, 2 * sizeof *w);
        r->n = 4;
    }
}

static void end_w5(struct rw *r)
{
    if (r->n == 4)
        pro_w4(r);
    else if (r->n == 5)
        pro_w54(r);
}

static void pro_w6(struct rw *r)
{
    static const uint32_t ist[] = {ALEF, SEEN, TEH}, must[] = {MEEM, SEEN, TEH};
    uint32_t *w = r->w;
    if (starts(r, ist, 3) || starts(r, must, 3)) /* استفعل مستفعل */
        cut_front(r, 3);
    else if (w[0] == MEEM && w[3] == ALEF && w[5] == TEHM) /* مفعالة */
        keep(r, 1, 2, 4);
    else if (w[0] == ALEF && w[2] == TEH && w[4] == ALEF) /* افتعال */
        keep(r, 1, 3, 5);
    else if (w[0] == ALEF && w[3] == WAW && w[2] == w[4]) /* افعوعل */
        keep(r, 1, 4, 5);
    else if (w[0] == TEH && w[2] == ALEF && w[4] == YEH) /* تفاعيل */
        keep(r, 1, 3, 5);
    else {
        suf1(r);
        if (r->n == 6)
            pre1(r);
    }
}

static void pro_w64(struct rw *r)
{
    static const uint32_t mut[] = {MEEM, TEH};
    uint32_t *w = r->w;
    if (w[0] == ALEF && w[4] == ALEF) { /* افعلال */
        uint32_t t[4] = {w[1], w[2], w[3], w[5]};
        memcpy(w, t, sizeof t);
        r->n = 4;
    } else if (starts(r, mut, 2)) /* متفعلل */
        cut_front(r, 2);
}

static void end_w6(struct rw *r)
{
    if (r->n == 5) {
        pro_w53(r);
        end_w5(r);
    } else if (r->n == 6)
        pro_w64(r);
}

size_t kb_root_arabic(const uint32_t *w, size_t n, uint32_t *out)
{
    struct rw r;
    if (n > WMAX)
        n = WMAX;
    memcpy(r.w, w, n * sizeof *w);
    r.n = n;
    pre32(&r);
    suf32(&r);
    if (r.n >= 4 && r.w[0] == WAW && r.w[1] == WAW)
        cut_front(&r, 1);
    switch (r.n) {
    case 4:
        pro_w4(&r);
        break;
    case 5:
        pro_w53(&r);
        end_w5(&r);
        break;
    case 6:
        pro_w6(&r);
        end_w6(&r);
        break;
    case 7:
        suf1(&r);
        if (r.n == 7)
            pre1(&r);
        if (r.n == 6) {
            pro_w6(&r);
            end_w6(&r);
        }
        break;
    }
    for (size_t i = 0; i < r.n; i++)
        out[i] = kb_norm_final(r.w[i]);
    return r.n;
}
