/* The help center's pure parts (see bot/help_html.h). */
#include "bot/help_html.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const help_langs[] = {"ar", "en"};

int bot_help_lang_ok(const char *lang)
{
    for (size_t i = 0; i < sizeof help_langs / sizeof help_langs[0]; i++)
        if (!strcmp(lang, help_langs[i]))
            return 1;
    return 0;
}

static int id_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* The length of the id at s (up to '/' or the end), or 0 when it is not one. */
static size_t id_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '/') {
        if (!id_byte((unsigned char)s[n]) || n == BOT_HELP_MAX_ID)
            return 0;
        n++;
    }
    /* "." and ".." name directories to anything that resolves paths: never an article */
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return 0;
    return n;
}

static int parse_path(const char *path, struct bot_help_path *out)
{
    if (strncmp(path, "/help", 5))
        return out->page = BOT_HELP_NOTFOUND;
    const char *p = path + 5;
    if (!*p || !strcmp(p, "/"))
        return out->page = BOT_HELP_PICK;
    if (p[0] != '/' || !p[1] || !p[2] || (p[3] && p[3] != '/'))
        return out->page = BOT_HELP_NOTFOUND;
    memcpy(out->lang, p + 1, 2);
    out->lang[2] = 0;
    if (!bot_help_lang_ok(out->lang))
        return out->page = BOT_HELP_NOTFOUND;
    p += 3;
    if (!*p || !strcmp(p, "/"))
        return out->page = BOT_HELP_INDEX;
    p++; /* the '/' after the language */
    size_t n = id_len(p);
    if (!n)
        return out->page = BOT_HELP_NOTFOUND;
    memcpy(out->id, p, n);
    out->id[n] = 0;
    if (!p[n])
        return out->page = BOT_HELP_ARTICLE;
    if (!strcmp(p + n, "/vote"))
        return out->page = BOT_HELP_VOTE;
    return out->page = BOT_HELP_NOTFOUND;
}

int bot_help_parse_path(const char *path, struct bot_help_path *out)
{
    memset(out, 0, sizeof *out);
    if (parse_path(path, out) == BOT_HELP_NOTFOUND)
        memset(out, 0, sizeof *out); /* nothing of a refused path is kept */
    return out->page;
}

int bot_help_esc(struct sn_buf *b, const char *s, size_t n)
{
    size_t from = 0;
    int rc = SN_OK;
    for (size_t i = 0; i < n && rc == SN_OK; i++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t')
                rep = ""; /* a control byte has no business in a page */
        }
        if (!rep)
            continue;
        rc = sn_buf_add(b, s + from, i - from);
        if (rc == SN_OK)
            rc = sn_buf_adds(b, rep);
        from = i + 1;
    }
    if (rc == SN_OK)
        rc = sn_buf_add(b, s + from, n - from);
    return rc;
}

int bot_help_escs(struct sn_buf *b, const char *s)
{
    return bot_help_esc(b, s, strlen(s));
}

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The bytes of a space JavaScript's \s knows at s (0 when none): ASCII blanks, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF. */
static size_t space_at(const unsigned char *s, size_t left)
{
    if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        return 1;
    if (left >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (left < 3)
        return 0;
    if ((s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
        (s[0] == 0xE2 && s[1] == 0x80 &&
         (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF)) ||
        (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) ||
        (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) ||
        (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF))
        return 3;
    return 0;
}

/* Where the URL starting at s ends (the widget's [^\s<>"'`]+). */
static size_t url_end(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0, left = strlen(s);
    while (u[n] && !strchr("<>\"'`", u[n]) && u[n] >= 0x20 && u[n] != 0x7F &&
           !space_at(u + n, left - n))
        n++;
    return n;
}

/* Sentence punctuation a URL does not end with (the widget's trailing class). */
static const char *const trail[] = {".", ",", ";", ":", "!", "?", ")", "]",
                                    "}", "»", "”", "’", "،", "؛", "؟"};

static size_t strip_trail(const char *s, size_t n)
{
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof trail / sizeof trail[0] && !again; i++) {
            size_t t = strlen(trail[i]);
            if (n > t && !memcmp(s + n - t, trail[i], t)) {
                n -= t;
                again = 1;
            }
        }
    }
    return n;
}

/* 1 when url[0..n) (after its "scheme://") has a host: the authority up to / ? # without
 * its user part and port is not empty. */
static int has_host(const char *url, size_t n)
{
    const char *a = strstr(url, "://") + 3;
    size_t an = 0;
    while (a + an < url + n && !strchr("/?#", a[an]))
        an++;
    const char *at = NULL;
    for (size_t i = 0; i < an; i++)
        if (a[i] == '@')
            at = a + i;
    if (at) {
        an -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (an && a[0] == '[')
        return an > 2;
    return an > 0 && a[0] != ':';
}

static int href(struct sn_buf *b, const char *u, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = SN_OK;
    for (size_t i = 0; i < n && rc == SN_OK; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c <= 0x20 || c >= 0x7F) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sn_buf_add(b, e, 3);
        } else {
            rc = bot_help_esc(b, u + i, 1);
        }
    }
    return rc;
}

int bot_help_linkify(struct sn_buf *b, const char *text)
{
    size_t last = 0, i = 0, len = strlen(text);
    int rc = SN_OK;
    while (i < len && rc == SN_OK) {
        size_t scheme = !strncasecmp(text + i, "http://", 7)    ? 7
                        : !strncasecmp(text + i, "https://", 8) ? 8
                                                                : 0;
        if (!scheme || (i > 0 && word_byte((unsigned char)text[i - 1]))) {
            i++;
            continue;
        }
        size_t m = url_end(text + i), n = strip_trail(text + i, m);
        if (n <= scheme || !has_host(text + i, n)) {
            i += m; /* as the widget: no link, and the match stays text */
            continue;
        }
        rc = bot_help_esc(b, text + last, i - last);
        if (rc == SN_OK)
            rc = sn_buf_adds(b, "<a href=\"");
        if (rc == SN_OK)
            rc = href(b, text + i, n);
        if (rc == SN_OK)
            rc = sn_buf_adds(b, "\" target=\"_blank\" rel=\"noopener noreferrer\" dir=\"ltr\">");
        if (rc == SN_OK)
            rc = bot_help_esc(b, text + i, n);
        if (rc == SN_OK)
            rc = sn_buf_adds(b, "</a>");
        i += n;
        last = i;
    }
    if (rc == SN_OK)
        rc = bot_help_esc(b, text + last, len - last);
    return rc;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int bot_help_form_get(const char *s, size_t n, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name), i = 0;
    if (!size)
        return -2;
    out[0] = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        if (j - i > nl && s[i + nl] == '=' && !memcmp(s + i, name, nl)) {
            size_t o = 0;
            for (size_t k = i + nl + 1; k < j; k++) {
                int c = (unsigned char)s[k];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    int hi = k + 2 < j ? hexval(s[k + 1]) : -1,
                        lo = hi >= 0 ? hexval(s[k + 2]) : -1;
                    if (lo < 0)
                        return -2;
                    c = hi * 16 + lo;
                    k += 2;
                }
                if (!c || o + 1 >= size) {
                    out[0] = 0;
                    return -2;
                }
                out[o++] = (char)c;
            }
            out[o] = 0;
            if (!sn_utf8_valid(out, o, NULL)) {
                out[0] = 0;
                return -2;
            }
            return (int)o;
        }
        if (j - i == nl && !memcmp(s + i, name, nl))
            return 0; /* "name" alone: empty */
        i = j + 1;
    }
    return -1;
}

const char *bot_help_pick_lang(const char *al)
{
    double q[2] = {-1, -1};
    const char *p = al ? al : "";
    while (*p) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        size_t r = strcspn(p, ";,");
        while (r && (p[r - 1] == ' ' || p[r - 1] == '\t'))
            r--;
        double w = 1;
        const char *qs = memchr(p, ';', n);
        if (qs) {
            qs++;
            qs += strspn(qs, " \t");
            if (qs[0] == 'q' && qs[1] == '=') {
                char *e;
                w = strtod(qs + 2, &e);
                if (e == qs + 2 || w < 0 || w > 1)
                    w = 0; /* a weight that is not one is no preference */
            }
        }
        for (int l = 0; l < 2; l++)
            if (r >= 2 && !strncasecmp(p, help_langs[l], 2) && (r == 2 || p[2] == '-') && w > q[l])
                q[l] = w;
        p += n;
    }
    return q[1] > 0 && q[1] > q[0] ? "en" : "ar";
}
