/* An in-memory HTTP body written in parts (see bot/httpbody.h). */
#include "bot/httpbody.h"

#include <libwebsockets.h>

int bot_http_body_write(struct lws *wsi, unsigned char *body, size_t len, size_t *off, size_t chunk)
{
    size_t left = len - *off, n = left > chunk ? chunk : left;
    if (n &&
        lws_write(wsi, body + *off, n, n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    *off += n;
    if (n < left) {
        lws_callback_on_writable(wsi);
        return 1;
    }
    return 0;
}
