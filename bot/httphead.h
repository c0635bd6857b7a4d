/* The HTTP/1.1 request head as the front (bot/front.h) checks it before libwebsockets sees
 * it (issue 12, HTTP edges): a malformed request line or header line gets a 400 status line
 * instead of lws's 403, hang or silent close; a head past the limits gets 431. Pure: bytes
 * in, a verdict out (tests/unit/test_bot_httphead.c). */
#ifndef SANAD_BOT_HTTPHEAD_H
#define SANAD_BOT_HTTPHEAD_H

#include <stddef.h>

/* What the front accepts, and what lws must then be able to hold: every accepted head fits
 * an lws header table of BOT_HTTPHEAD_LWS_DATA bytes and its WSI_TOKEN_COUNT (95)
 * fragments (serve.c sets max_http_header_data to it). */
#define BOT_HTTPHEAD_MAX        8192 /* bytes of the head, request line to the empty line */
#define BOT_HTTPHEAD_MAX_FIELDS 64   /* header lines plus query '&' and ';' separators */
#define BOT_HTTPHEAD_LWS_DATA   (BOT_HTTPHEAD_MAX + 16 * BOT_HTTPHEAD_MAX_FIELDS + 1024)

enum {
    BOT_HTTPHEAD_MORE = 0, /* no verdict yet: read more (the head is not complete) */
    BOT_HTTPHEAD_OK = 1    /* a sound head of *head_len bytes (after *skip leading CRLFs) */
};

/* The verdict on buf[0..len), the bytes a client has sent so far: BOT_HTTPHEAD_MORE,
 * BOT_HTTPHEAD_OK, or the HTTP status to refuse with as soon as it is known (a bad line is
 * refused when it is complete, before the head ends):
 *   400  a request line that is not METHOD SP target SP HTTP/1.x (CTLs, no target, a
 *        target not starting with '/' or "http(s)://", or '*' but for OPTIONS); CONNECT
 *        (this server is no proxy); a header line that is not name ":" value (a space
 *        before the colon, an empty or non-token name, CTLs but TAB, a bare CR); an
 *        obsolete folded line; NUL anywhere
 *   431  more than BOT_HTTPHEAD_MAX bytes or BOT_HTTPHEAD_MAX_FIELDS fields
 *   501  a well-formed method the server does not know (GET HEAD POST PUT PATCH DELETE
 *        OPTIONS are known)
 *   505  HTTP/ of a version other than 1.0 and 1.1
 * Empty lines before the request line are skipped (RFC 9112 section 2.2): *skip says how
 * many bytes. Lines end in CRLF or LF. */
int bot_httphead_check(const char *buf, size_t len, size_t *skip, size_t *head_len);

/* The reason phrase of a status bot_httphead_check returns ("Bad Request" …). */
const char *bot_httphead_reason(int status);

#endif
