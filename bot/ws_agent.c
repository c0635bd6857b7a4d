/* The agent WebSocket (/agent, subprotocol sanad.agent.v1): the handshake is refused unless
 * it carries the sanad_session cookie of a live session whose role allows agent work (agent
 * or admin: 401 / 403, no socket), and its Origin passes the visitor socket's check.
 * Everything after the handshake (message assembly, the send queue, closes) is shared with
 * the visitor socket (ws_visitor.c); the protocol logic is in agent.c and queue.c. */
#include <libwebsockets.h>
#include <sodium.h>
#include <string.h>

#include "bot/agent.h"
#include "bot/auth.h"
#include "bot/http_api.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/ws.h"
#include "bot/ws_visitor.h"


static void wake(void *io)
{
    lws_callback_on_writable(io);
}

static int refuse(struct lws *wsi, const char *ip, const char *reason, int status)
{
    sn_log(SN_LOG_NOTICE, "agent", "event=refused_upgrade ip=%s reason=%s status=%d", ip, reason,
           status);
    lws_return_http_status(wsi, (unsigned int)status, NULL);
    return -1;
}

static int filter(struct lws *wsi, struct bot_server *srv)
{
    char uri[64], ip[48] = "?";
    bot_http_client(wsi, srv, ip, sizeof ip);
    if (srv->draining)
        return -1;
    int st = bot_http_request_check(wsi, srv);
    if (st)
        return refuse(wsi, ip, "request", st);
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/agent"))
        return refuse(wsi, ip, "path", HTTP_STATUS_NOT_FOUND);
    if (!bot_ws_origin_ok(wsi, srv))
        return refuse(wsi, ip, "origin", HTTP_STATUS_FORBIDDEN);
    st = bot_auth_require(wsi, BOT_ROLE_AGENT, NULL, NULL);
    if (st)
        return refuse(wsi, ip, st == 401 ? "session" : st == 403 ? "role" : "store", st);
    return 0;
}

static int established(struct lws *wsi, void *pss, struct bot_server *srv)
{
    struct bot_user u;
    char ip[48] = "?", token[BOT_AUTH_TOKEN_HEX];
    bot_http_client(wsi, srv, ip, sizeof ip);
    if (bot_auth_require(wsi, BOT_ROLE_AGENT, &u, token)) /* the session ended since the filter */
        return -1;
    struct bot_session *s = bot_session_new(srv, ip, wake, wsi);
    bot_ws_attach(pss, s);
    sn_log(SN_LOG_NOTICE, "agent", "event=open sess=%llu ip=%s agent=%s", s->id, ip, u.login);
    bot_agent_open(s, &u, token); /* the socket lives only as long as this session */
    sodium_memzero(token, sizeof token);
    if (srv->draining)
        bot_session_close(s, 1001);
    return 0;
}

int bot_ws_agent_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                          void *in, size_t len)
{
    struct bot_server *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter(wsi, srv);
    case LWS_CALLBACK_ESTABLISHED:
        return established(wsi, user, srv);
    default:
        return bot_ws_visitor_callback(wsi, reason, user, in, len);
    }
}
