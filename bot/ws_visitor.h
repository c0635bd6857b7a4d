/* The lws protocols of `sanad serve`: "http" (static files, /healthz; http.c) and "sanad.v1"
 * (the visitor WebSocket at /ws; ws_visitor.c). These files and serve.c are the only ones
 * that include libwebsockets.h. */
#ifndef SANAD_BOT_WS_VISITOR_H
#define SANAD_BOT_WS_VISITOR_H

struct bot_server;
struct bot_session;
struct lws;
struct lws_protocols;
struct lws_http_mount;

/* True when the upgrade's Origin is the server's own or allowed (or absent, per config). */
int bot_ws_origin_ok(struct lws *wsi, const struct bot_server *srv);

/* Puts session s into the per-connection data pss of a WebSocket of either protocol. */
void bot_ws_attach(void *pss, struct bot_session *s);

/* Starts the shutdown: every open socket (visitors and agents) is closed with 1001 once its
 * queue is sent. */
void bot_ws_visitor_drain(struct bot_server *srv);

#endif
