#include "kb/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int sn_log_level = SN_LOG_NOTICE;

int sn_err_set(struct sn_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->detail = 0;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void oom(size_t n)
{
    fprintf(stderr, "sanad: out of memory allocating %zu bytes\n", n);
    abort();
}

void *sn_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *sn_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *sn_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *sn_xstrndup(const char *s, size_t n)
{
    char *p = sn_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *sn_xstrdup(const char *s)
{
    return sn_xstrndup(s, strlen(s));
}

void sn_buf_init(struct sn_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void sn_buf_fini(struct sn_buf *b)
{
    free(b->p);
    sn_buf_init(b, b->max);
}

int sn_buf_add(struct sn_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return SN_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = sn_xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return SN_OK;
}

int sn_buf_adds(struct sn_buf *b, const char *s)
{
    return sn_buf_add(b, s, strlen(s));
}

int sn_buf_printf(struct sn_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SN_EINVAL;
    if ((size_t)n < sizeof small)
        return sn_buf_add(b, small, (size_t)n);
    char *big = sn_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = sn_buf_add(b, big, (size_t)n);
    free(big);
    return rc;
}

char *sn_buf_take(struct sn_buf *b)
{
    char *p = b->p ? b->p : sn_xstrdup("");
    sn_buf_init(b, b->max);
    return p;
}

int sn_utf8_valid(const char *s, size_t n, size_t *bad_off)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = u[i];
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (i + len > n)
            goto bad;
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += len;
    }
    return 1;
bad:
    if (bad_off)
        *bad_off = i;
    return 0;
}

void sn_log_emit(int level, const char *mod, const char *fmt, ...)
{
    static const char *names[] = {"ERR", "WARN", "NOTICE", "INFO", "DEBUG"};
    char ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ level=%s mod=%s ", ts, now.tv_nsec / 1000000,
            names[level < 0 ? 0 : level > 4 ? 4 : level], mod);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
