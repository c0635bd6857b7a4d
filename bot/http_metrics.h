/* GET /metrics (docs/metrics.md): who may scrape it, and its lws "http" callback (called from
 * bot/http.c, as bot/help.h's is). The figures are bot/metrics.h's. Internal to bot/. */
#ifndef SANAD_BOT_HTTP_METRICS_H
#define SANAD_BOT_HTTP_METRICS_H

#include <stddef.h>

struct lws;
struct bot_config_list;
struct bot_metrics_req;

#define BOT_METRICS_TOKEN_MAX 512 /* bytes of a bearer token (its file is read up to this) */

/* Whether a scrape is allowed. allow: metrics_allow's entries (addresses, CIDR ranges,
 * "bearer:FILE"); when it has none, the server must listen on a loopback address
 * (bind_loopback) and the client be a loopback address too (so that a visitor forwarded by
 * a proxy in trusted_proxies is refused; a proxy nobody declared looks local, see
 * docs/metrics.md). Otherwise the request passes
 * when client (the client's address as bot_http_client gives it, NULL: unknown) is inside one
 * of the ranges, or when bearer (the token of an "Authorization: Bearer …" header, NULL or
 * "": none) equals the token in one of the files: its first line, surrounding blanks cut,
 * compared in constant time (libsodium, on BLAKE2b hashes so that the length leaks nothing
 * either). A file that cannot be read, or holds no token, matches nothing. 1 allowed, 0
 * not. No state: each file is read when a token is presented, so a rotated token counts at
 * once. */
int bot_http_metrics_allowed(const struct bot_config_list *allow,
                             int bind_loopback,
                             const char *client,
                             const char *bearer);

/* 1 when the listen address bind is a loopback address (127.0.0.0/8, ::1, "localhost"). */
int bot_http_metrics_loopback(const char *bind);

/* Offers one lws "http" callback to /metrics: 1 when it handled it (*ret the callback's
 * return value), 0 when it is not a /metrics request. *req is the per-request state in the
 * caller's pss (NULL at first; owned here, freed when the request ends or drops). */
int bot_http_metrics_callback(
    struct lws *wsi, int reason, struct bot_metrics_req **req, void *in, size_t len, int *ret);

#endif
