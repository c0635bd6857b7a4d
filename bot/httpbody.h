/* The body of an HTTP answer that is held whole in memory, written to lws in parts from the
 * writable callback: the one copy of that loop for the routes that answer from a buffer (the
 * help center, /metrics). Internal to bot/. */
#ifndef SANAD_BOT_HTTPBODY_H
#define SANAD_BOT_HTTPBODY_H

#include <stddef.h>

struct lws;

/* Writes the next part of body[0..len) from *off (body has LWS_PRE bytes of headroom before
 * it, as lws_write needs): at most chunk bytes, the last part with LWS_WRITE_HTTP_FINAL, and
 * *off moved on. Nothing is written when nothing is left (a HEAD answer: len 0). Returns 1
 * while more is to be written (the next writable callback is asked for), 0 once the whole
 * body went, -1 when lws_write failed (close the connection). */
int bot_http_body_write(
    struct lws *wsi, unsigned char *body, size_t len, size_t *off, size_t chunk);

#endif
