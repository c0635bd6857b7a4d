/* The request head checks of the front (bot/httphead.h): RFC 9112 sections 2 to 5. */
#include "bot/httphead.h"

#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The methods lws 4.1.6 parses (with LWS_WITH_HTTP_UNCOMMON_HEADERS, as Debian builds it). */
static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

/* One request line, without its line end: 0, or the status to refuse it with. *fields
 * counts the query's separators, each an lws header fragment. */
static int request_line(const char *s, size_t n, int *fields)
{
    size_t m = 0;
    while (m < n && is_tchar((unsigned char)s[m]))
        m++;
    if (!m || m > 32 || m == n || s[m] != ' ')
        return 400;
    const char *t = s + m + 1;
    size_t tn = 0;
    while (m + 1 + tn < n && t[tn] != ' ') {
        unsigned char c = (unsigned char)t[tn];
        if (c < 0x21 || c == 0x7f) /* CTLs; bytes past 0x7f pass (raw UTF-8 paths) */
            return 400;
        if (c == '&' || c == ';')
            ++*fields;
        if (c == '%' && (m + 1 + tn + 2 >= n || !is_hex(t[tn + 1]) || !is_hex(t[tn + 2])))
            return 400; /* a broken escape: lws would answer 403 */
        tn++;
    }
    if (!tn || m + 1 + tn == n)
        return 400;
    const char *v = t + tn + 1;
    size_t vn = n - (m + 1 + tn + 1);
    if (m == 7 && !memcmp(s, "CONNECT", 7))
        return 400; /* a tunnel through us: not an origin server's business */
    int known = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strlen(methods[i]) == m && !memcmp(s, methods[i], m))
            known = 1;
    int star = tn == 1 && t[0] == '*';
    if (star ? !(m == 7 && !memcmp(s, "OPTIONS", 7))
             : t[0] != '/' && !(tn > 7 && !strncasecmp(t, "http://", 7)) &&
                   !(tn > 8 && !strncasecmp(t, "https://", 8)))
        return 400;
    if (vn != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
        v[7] > '9')
        return 400;
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return 505;
    return known ? 0 : 501;
}

/* One header line without its line end: 0 or 400. */
static int field_line(const char *s, size_t n)
{
    size_t m = 0;
    if (s[0] == ' ' || s[0] == '\t')
        return 400; /* obs-fold: lws would read it as a name */
    while (m < n && is_tchar((unsigned char)s[m]))
        m++;
    if (!m || m == n || s[m] != ':')
        return 400;
    for (size_t i = m + 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 400;
    }
    return 0;
}

int bot_httphead_check(const char *buf, size_t len, size_t *skip, size_t *head_len)
{
    size_t at = 0;
    while (at < len && (buf[at] == '\r' || buf[at] == '\n')) {
        if (buf[at] == '\r' && at + 1 < len && buf[at + 1] != '\n')
            return 400;
        at++;
    }
    if (at > 64) /* a stream of empty lines is not a request on its way */
        return 400;
    *skip = at;
    size_t start = at;
    int line = 0, fields = 0;
    while (at < len) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len; /* the line's LF, or the end so far */
        size_t n = end - at;
        const char *cr = memchr(buf + at, '\r', n);
        if (cr && (nl ? cr != nl - 1 : cr != buf + len - 1))
            return 400; /* a CR that does not end the line (or may yet, as the last byte) */
        if (memchr(buf + at, 0, n))
            return 400;
        if (end - start + 1 > BOT_HTTPHEAD_MAX)
            return 431;
        if (!nl)
            break;
        if (n && buf[end - 1] == '\r')
            n--;
        if (!n) { /* the empty line: the head is complete */
            *head_len = end + 1 - start;
            return BOT_HTTPHEAD_OK;
        }
        int st = line ? field_line(buf + at, n) : request_line(buf + at, n, &fields);
        if (st)
            return st;
        if (line && ++fields > BOT_HTTPHEAD_MAX_FIELDS)
            return 431;
        if (!line && fields > BOT_HTTPHEAD_MAX_FIELDS)
            return 431;
        line++;
        at = end + 1;
    }
    return len - start >= BOT_HTTPHEAD_MAX ? 431 : BOT_HTTPHEAD_MORE;
}

const char *bot_httphead_reason(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "Error";
}
