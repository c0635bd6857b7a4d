/* The lws side of `sanad serve`: the three protocols' callbacks and the tables that name
 * them. The tables are filled into storage the caller owns (serve.c keeps them for the
 * context's lifetime), so nothing mutable is handed out from a static. */
#ifndef SANAD_BOT_WS_H
#define SANAD_BOT_WS_H

#include <libwebsockets.h>

/* "http": static files (the widget, the console), /healthz and /api (http.c). */
int bot_http_callback(
    struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/* "sanad.v1": visitors (ws_visitor.c). */
int bot_ws_visitor_callback(
    struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/* "sanad.agent.v1": agents (ws_agent.c; after the handshake it is the visitor's). */
int bot_ws_agent_callback(
    struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* What every request passes first, files, /healthz, /api and WebSocket upgrades alike
 * (http.c): 0, or the HTTP status to refuse it with: 400 for both Content-Length and
 * Transfer-Encoding (a smuggling attempt: a proxy and lws could read its end differently),
 * 421 for a Host that is not one of server_names when they are set (DNS rebinding). */
struct bot_server;
int bot_http_request_check(struct lws *wsi, const struct bot_server *srv);

/* The client's address into ip (size bytes) and 1 when its connection is TLS: the peer
 * and the server's own TLS, or, when the peer is in trusted_proxies, what the proxies'
 * Forwarded / X-Forwarded-For / X-Forwarded-Proto say, walked from the right past every
 * trusted proxy (bot/forwarded.h says how). What an untrusted peer sends in those headers
 * is ignored. */
int bot_http_client(struct lws *wsi, const struct bot_server *srv, char *ip, size_t size);

/* The protocols, "http" first, ended by the zero entry, into out. */
#define BOT_WS_NPROTOCOLS 4
void bot_ws_protocols(struct lws_protocols out[BOT_WS_NPROTOCOLS], int rx_buffer);

/* The mounts, into out: "/" -> widget_dir (index.html), "/healthz", "/api", "/help" and
 * "/metrics" -> the http protocol. Returns the first; widget_dir must outlive the context. */
#define BOT_WS_NMOUNTS 5
const struct lws_http_mount *bot_http_mounts(struct lws_http_mount out[BOT_WS_NMOUNTS],
                                             const char *widget_dir);

#endif
