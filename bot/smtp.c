/* SMTP with libcurl (bot/smtp.h): the message is a curl MIME tree (multipart/alternative of
 * text and HTML, each UTF-8 in quoted-printable), the headers are ours, encoded here. */
#include "bot/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#define WORD_MAX      75 /* RFC 2047: an encoded word is at most 75 bytes */
#define WORD_OVERHEAD 12 /* "=?UTF-8?B?" and "?=" */

static int plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            return 0;
    return 1;
}

static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

/* Bytes of the UTF-8 character that starts with c. */
static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

char *bot_smtp_header_value(const char *s)
{
    size_t n = strlen(s);
    if (has_control(s) || !sn_utf8_valid(s, n, NULL))
        return NULL;
    if (plain_ascii(s))
        return sn_xstrdup(s);
    /* each word carries at most 45 bytes of text: base64 of 45 is 60, plus the overhead 72 */
    const size_t chunk = (WORD_MAX - WORD_OVERHEAD) / 4 * 3;
    struct sn_buf b;
    sn_buf_init(&b, 1 << 16);
    int rc = SN_OK;
    size_t i = 0;
    while (i < n && !rc) {
        size_t j = i;
        while (j < n && j - i + char_len((unsigned char)s[j]) <= chunk)
            j += char_len((unsigned char)s[j]);
        char enc[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, j - i,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = sn_buf_printf(&b, "%s=?UTF-8?B?%s?=", i ? " " : "", enc);
        i = j;
    }
    if (rc) {
        sn_buf_fini(&b);
        return NULL;
    }
    return sn_buf_take(&b);
}

char *bot_smtp_mailbox(const char *name, const char *addr)
{
    if (has_control(addr) || strpbrk(addr, "<>\" ,;"))
        return NULL;
    if (!name || !*name)
        return sn_xstrdup(addr);
    char *v = NULL;
    if (plain_ascii(name)) {
        if (strpbrk(name, "\"\\"))
            return NULL;
        size_t n = strlen(name) + 2 + 1;
        v = malloc(n);
        if (v)
            snprintf(v, n, "\"%s\"", name);
    } else {
        v = bot_smtp_header_value(name);
    }
    if (!v)
        return NULL;
    size_t n = strlen(v) + strlen(addr) + 4;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s <%s>", v, addr);
    free(v);
    return out;
}

int bot_smtp_url_is_loopback(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h)
        return 0;
    h += 3;
    const char *at = strchr(h, '@'); /* user info before the host */
    const char *slash = strchr(h, '/');
    if (at && (!slash || at < slash))
        h = at + 1;
    if (!strncmp(h, "[::1]", 5))
        return 1;
    size_t n = strcspn(h, ":/");
    if (n == 9 && !strncasecmp(h, "localhost", 9))
        return 1;
    if (n >= 4 && !strncmp(h, "127.", 4)) {
        for (size_t i = 4; i < n; i++)
            if (!(h[i] == '.' || (h[i] >= '0' && h[i] <= '9')))
                return 0;
        return 1;
    }
    return 0;
}

/* Appends "Name: value" to the list, or fails; value already a valid header value. */
static int header(struct curl_slist **l, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line)
        return -1;
    snprintf(line, n, "%s: %s", name, value);
    struct curl_slist *t = curl_slist_append(*l, line);
    free(line);
    if (!t)
        return -1;
    *l = t;
    return 0;
}

static int add_part(curl_mime *mime, const char *data, const char *type)
{
    curl_mimepart *p = curl_mime_addpart(mime);
    return !p || curl_mime_data(p, data, CURL_ZERO_TERMINATED) != CURLE_OK ||
                   curl_mime_type(p, type) != CURLE_OK ||
                   curl_mime_encoder(p, "quoted-printable") != CURLE_OK
               ? -1
               : 0;
}

/* The message body: the text alone, or text and HTML as alternatives (the last one is the
 * one mail readers prefer). */
static curl_mime *body(CURL *c, const struct bot_smtp_mail *m)
{
    curl_mime *mime = curl_mime_init(c);
    if (!mime)
        return NULL;
    if (!m->html) {
        if (add_part(mime, m->text, "text/plain; charset=utf-8"))
            goto fail;
        return mime;
    }
    curl_mime *alt = curl_mime_init(c);
    if (!alt)
        goto fail;
    if (add_part(alt, m->text, "text/plain; charset=utf-8") ||
        add_part(alt, m->html, "text/html; charset=utf-8")) {
        curl_mime_free(alt);
        goto fail;
    }
    curl_mimepart *p = curl_mime_addpart(mime);
    if (!p || curl_mime_subparts(p, alt) != CURLE_OK) { /* on success mime owns alt */
        curl_mime_free(alt);
        goto fail;
    }
    if (curl_mime_type(p, "multipart/alternative") != CURLE_OK)
        goto fail;
    return mime;
fail:
    curl_mime_free(mime);
    return NULL;
}

int bot_smtp_init(struct sn_err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sn_err_set(err, SN_EIO, "smtp: curl_global_init failed");
    return SN_OK;
}

void bot_smtp_cleanup(void)
{
    curl_global_cleanup();
}

/* libcurl's progress callback: non-zero aborts the transfer (a server shutting down). */
static int progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return __atomic_load_n((const int *)ctx, __ATOMIC_ACQUIRE);
}

int bot_smtp_send(const struct bot_smtp *cf,
                  const struct bot_smtp_mail *m,
                  int *permanent,
                  struct sn_err *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    char date[64], *from = NULL, *to = NULL, *subject = NULL;
    struct curl_slist *rcpt = NULL, *hdrs = NULL;
    curl_mime *mime = NULL;
    int rc = SN_EIO;
    *permanent = 0;

    CURL *c = curl_easy_init();
    if (!c)
        return sn_err_set(err, SN_EIO, "smtp: curl_easy_init failed");
    time_t t = (time_t)m->date;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    from = bot_smtp_mailbox(cf->from_name, cf->from);
    to = bot_smtp_mailbox(NULL, m->to);
    subject = bot_smtp_header_value(m->subject);
    if (!from || !to || !subject || has_control(m->message_id)) {
        sn_err_set(err, SN_EINVAL, "smtp: a header holds a control character or bad UTF-8");
        *permanent = 1;
        goto out;
    }
    if (header(&hdrs, "Date", date) || header(&hdrs, "From", from) || header(&hdrs, "To", to) ||
        header(&hdrs, "Subject", subject) || header(&hdrs, "Message-ID", m->message_id) ||
        header(&hdrs, "Auto-Submitted", "auto-generated")) {
        sn_err_set(err, SN_EIO, "smtp: out of memory");
        goto out;
    }
    rcpt = curl_slist_append(NULL, m->to);
    mime = body(c, m);
    if (!rcpt || !mime) {
        sn_err_set(err, SN_EIO, "smtp: out of memory");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, cf->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, cf->from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs); /* the mail's headers, for SMTP */
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     cf->tls == BOT_SMTP_TLS_REQUIRE ? (long)CURLUSESSL_ALL
                     : cf->tls == BOT_SMTP_TLS_TRY   ? (long)CURLUSESSL_TRY
                                                     : (long)CURLUSESSL_NONE);
    if (cf->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cf->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cf->password ? cf->password : "");
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cf->timeout_s > 0 ? cf->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a worker thread: no SIGALRM for timeouts */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (cf->stop) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cf->stop);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode res = curl_easy_perform(c);
    if (res == CURLE_OK) {
        rc = SN_OK;
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    *permanent = code >= 500 && code < 600;
    sn_err_set(err, SN_EIO, "smtp: %s (server reply %ld)",
               errbuf[0] ? errbuf : curl_easy_strerror(res), code);
out:
    curl_mime_free(mime);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    free(from);
    free(to);
    free(subject);
    return rc;
}
