#include <stdlib.h>

#include "kb/kb_int.h"

size_t kb__utf32_to_utf8(const uint32_t *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        unsigned char b[4];
        size_t k;
        if (c < 0x80) {
            b[0] = (unsigned char)c;
            k = 1;
        } else if (c < 0x800) {
            b[0] = 0xC0 | (c >> 6);
            b[1] = 0x80 | (c & 0x3F);
            k = 2;
        } else if (c < 0x10000) {
            b[0] = 0xE0 | (c >> 12);
            b[1] = 0x80 | ((c >> 6) & 0x3F);
            b[2] = 0x80 | (c & 0x3F);
            k = 3;
        } else {
            b[0] = 0xF0 | (c >> 18);
            b[1] = 0x80 | ((c >> 12) & 0x3F);
            b[2] = 0x80 | ((c >> 6) & 0x3F);
            b[3] = 0x80 | (c & 0x3F);
            k = 4;
        }
        if (o + k + 1 > cap)
            break;
        for (size_t j = 0; j < k; j++)
            out[o++] = (char)b[j];
    }
    if (cap)
        out[o] = 0;
    return o;
}

uint32_t kb__utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    size_t left = len - *i;
    unsigned c = u[0];
    size_t k = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    uint32_t cp = k == 1 ? c : k == 2 ? (c & 0x1F) : k == 3 ? (c & 0x0F) : (c & 0x07);
    int ok = k > 0 && k <= left;
    for (size_t j = 1; ok && j < k; j++) {
        if ((u[j] & 0xC0) != 0x80)
            ok = 0;
        else
            cp = (cp << 6) | (u[j] & 0x3F);
    }
    if (ok && ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
               cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
        ok = 0; /* overlong, surrogate or out of range: never a letter */
    if (!ok) {
        (*i)++;
        return 0xFFFD;
    }
    *i += k;
    return cp;
}

size_t kb__utf8_to_utf32(const char *s, size_t len, uint32_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < len && o < cap)
        out[o++] = kb__utf8_next(s, len, &i);
    return o;
}

uint32_t kb__hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Appends the character trigrams of one folded word (with boundary marks) to g. A character
 * is its UTF-8 bytes packed in an integer: trigrams only need characters to differ, not
 * their code points, and this runs for every word of every phrasing parsed. */
int kb__word_grams(const char *w, int len, uint32_t *g, int n, int max)
{
    uint32_t c[KB_WORD_MAX_BYTES + 2];
    size_t k = 1;
    c[0] = '^';
    for (int i = 0; i < len && k < KB_WORD_MAX_BYTES;) {
        uint32_t x = (unsigned char)w[i++];
        while (i < len && ((unsigned char)w[i] & 0xC0) == 0x80)
            x = x << 8 | (unsigned char)w[i++];
        c[k++] = x;
    }
    c[k++] = '$';
    for (size_t i = 0; i + 2 < k && n < max; i++)
        g[n++] = c[i] * 2654435761u ^ c[i + 1] * 40503u ^ c[i + 2];
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int kb__sort_unique(uint32_t *g, int n)
{
    int o = 0;
    qsort(g, (size_t)n, sizeof *g, cmp_u32);
    for (int i = 0; i < n; i++)
        if (o == 0 || g[o - 1] != g[i])
            g[o++] = g[i];
    return o;
}
