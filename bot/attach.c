/* Attachments, the pure half (bot/attach.h): sniffing by magic bytes, display names, content
 * hashes, ids and Content-Disposition. No I/O. */
#include "bot/attach.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

/* The kinds taken, each recognised by up to two byte strings at fixed offsets (WebP is a
 * RIFF container: "RIFF" at 0 and "WEBP" at 8). Everything else is refused: HTML, SVG
 * (scripts) and text are never stored, whatever they are named. */
static const struct sniff_row {
    struct bot_attach_kind kind;
    size_t off1;
    const char *magic1;
    size_t len1;
    size_t off2;
    const char *magic2;
    size_t len2;
} sniff_rows[] = {
    {{"image/png", ".png", 1}, 0, "\x89PNG\r\n\x1a\n", 8, 0, NULL, 0},
    {{"image/jpeg", ".jpg", 1}, 0, "\xff\xd8\xff", 3, 0, NULL, 0},
    {{"image/gif", ".gif", 1}, 0, "GIF87a", 6, 0, NULL, 0},
    {{"image/gif", ".gif", 1}, 0, "GIF89a", 6, 0, NULL, 0},
    {{"image/webp", ".webp", 1}, 0, "RIFF", 4, 8, "WEBP", 4},
    {{"application/pdf", ".pdf", 0}, 0, "%PDF-", 5, 0, NULL, 0},
};
#define NROWS (sizeof sniff_rows / sizeof sniff_rows[0])

/* Extensions a name of a kind may already end with (".jpeg" is a JPEG too). */
static const struct {
    const char *type, *ext;
} also_ext[] = {{"image/jpeg", ".jpeg"}, {"image/jpeg", ".jpe"}};

static int at(const unsigned char *p, size_t len, size_t off, const char *magic, size_t n)
{
    return !magic || (len >= off + n && !memcmp(p + off, magic, n));
}

const struct bot_attach_kind *bot_attach_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (!p || !len)
        return NULL;
    for (size_t i = 0; i < NROWS; i++) {
        const struct sniff_row *r = &sniff_rows[i];
        if (at(p, len, r->off1, r->magic1, r->len1) && at(p, len, r->off2, r->magic2, r->len2))
            return &r->kind;
    }
    return NULL;
}

const struct bot_attach_kind *bot_attach_kind_get(const char *type)
{
    for (size_t i = 0; type && i < NROWS; i++)
        if (!strcmp(sniff_rows[i].kind.type, type))
            return &sniff_rows[i].kind;
    return NULL;
}

/* The length of the UTF-8 sequence starting at p (n bytes left), or 0 when it is not a
 * valid one (sn_utf8_valid decides). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t l = p[0] < 0x80             ? 1
               : (p[0] & 0xe0) == 0xc0 ? 2
               : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (!l || l > n || !sn_utf8_valid((const char *)p, l, NULL))
        return 0;
    return l;
}

/* 1 when the code point sequence p[0..l) is kept in a name: no C0/C1 controls, DEL, path
 * separators or characters Windows refuses; no U+2028/2029 or bidi controls (they would
 * reorder how the name reads next to other text). */
static int keep(const unsigned char *p, size_t l)
{
    if (l == 1)
        return p[0] >= 0x20 && p[0] != 0x7f && !strchr("/\\\"*:<>?|", p[0]);
    if (l == 2 && p[0] == 0xc2 && p[1] < 0xa0)
        return 0; /* C1 controls */
    if (l == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] == 0xa8 || p[2] == 0xa9 || (p[2] >= 0x8e && p[2] <= 0x8f) ||
         (p[2] >= 0xaa && p[2] <= 0xae)))
        return 0; /* line/paragraph separators, LRM/RLM, embeddings and overrides */
    if (l == 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
        return 0; /* isolates */
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int has_ext(const char *name, const struct bot_attach_kind *k)
{
    if (ends_with(name, k->ext))
        return 1;
    for (size_t i = 0; i < sizeof also_ext / sizeof also_ext[0]; i++)
        if (!strcmp(also_ext[i].type, k->type) && ends_with(name, also_ext[i].ext))
            return 1;
    return 0;
}

/* The length of out[0..o) without trailing spaces and dots ("a.png " or "a."). */
static size_t trim_end(const char *out, size_t o)
{
    while (o && (out[o - 1] == ' ' || out[o - 1] == '.'))
        o--;
    return o;
}

void bot_attach_name(const char *raw, const struct bot_attach_kind *k, char *out, size_t size)
{
    const char *ext = k ? k->ext : "";
    size_t o = 0;
    const char *base = raw ? raw : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const unsigned char *p = (const unsigned char *)base;
    size_t n = strlen(base);
    while (n) {
        size_t l = utf8_seq(p, n);
        if (!l) { /* not UTF-8: the byte is dropped */
            p++, n--;
            continue;
        }
        int lead = o == 0 && (p[0] == '.' || p[0] == ' ');
        if (!lead && keep(p, l)) {
            if (o + l > size - 1)
                break;
            memcpy(out + o, p, l);
            o += l;
        }
        p += l, n -= l;
    }
    o = trim_end(out, o);
    out[o] = 0;
    if (o && k && !has_ext(out, k)) {
        /* room for the extension, cut at a character boundary: a name that ends with it
         * already is kept whole, so naming a name again gives it back */
        while (o > size - 1 - strlen(ext) || (o && ((unsigned char)out[o] & 0xc0) == 0x80))
            o--;
        o = trim_end(out, o);
        if (o)
            snprintf(out + o, size - o, "%s", ext);
    }
    if (!o)
        snprintf(out, size, "attachment%s", ext);
}

void bot_attach_hash(const void *data, size_t len, char out[BOT_ATTACH_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    sodium_bin2hex(out, BOT_ATTACH_HASH_HEX, h, sizeof h);
}

int bot_attach_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n == BOT_ATTACH_ID_MAX - 1 && strspn(s, "0123456789abcdef") == n;
}

void bot_attach_url(const char *id, char out[BOT_ATTACH_URL_MAX])
{
    snprintf(out, BOT_ATTACH_URL_MAX, "/api/attachments/%s", id);
}

void bot_attach_disposition(const struct bot_attach_kind *k,
                            const char *name,
                            char *out,
                            size_t size)
{
    /* RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~" */
    static const char attr[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "!#$&+-.^_`|~";
    int n = snprintf(out, size, "%s; filename*=UTF-8''", k && k->image ? "inline" : "attachment");
    size_t o = n > 0 && (size_t)n < size ? (size_t)n : 0;
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p && o + 4 <= size;
         p++) {
        if (*p < 0x80 && strchr(attr, *p))
            out[o++] = (char)*p;
        else {
            snprintf(out + o, 4, "%%%02X", *p);
            o += 3;
        }
    }
    out[o] = 0;
}
