/* The visitor WebSocket (/ws, subprotocol sanad.v1): handshake checks (path, Origin),
 * message assembly under max_frame, the per-session send queue (one lws_write per
 * WRITEABLE, LWS_PRE headroom) and closes. The protocol logic is in session.c. */
#include "bot/ws.h"
#include "bot/ws_visitor.h"

#include <libwebsockets.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>

#include "bot/config.h"
#include "bot/proto.h"
#include "bot/ratelimit.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/visitor.h"

/* lws owns this per-connection data; the session inside is created in ESTABLISHED and freed
 * in CLOSED (the only place). Kept small: 10,000 idle sockets must stay cheap. */
struct pss {
    struct bot_session *s;
    unsigned char *rx; /* the message being assembled, NULL when none */
    size_t rx_len;     /* bytes received of the current message */
    unsigned char binary, dropping, paused;
    unsigned char lingering; /* closing: what the peer still sends is read and dropped */
    long long linger_until;  /* us: the close goes then even if the peer keeps sending */
};

/* A closing socket first reads (and drops) what the peer has sent, for at most this long:
 * closed with unread data in the kernel's buffer, a socket sends a TCP reset, and the
 * peer's kernel discards what it had not read yet, our error frames and the close frame
 * with them (a client that floods reads a reset instead of why it was closed). */
#define LINGER_US 500000

/* 1 when the peer's bytes wait unread in the kernel's buffer. */
static int unread(struct lws *wsi)
{
    int n = 0;
    return ioctl(lws_get_socket_fd(wsi), FIONREAD, &n) == 0 && n > 0;
}

static struct bot_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void wake(void *io)
{
    lws_callback_on_writable(io);
}

/* The Origin is the server's own (scheme://Host) or configured; no Origin per config. */
int bot_ws_origin_ok(struct lws *wsi, const struct bot_server *srv)
{
    char origin[256], host[256], self[300];
    const struct bot_config *cfg = srv->cfg;
    int n = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (n <= 0)
        return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0 ? 0 : cfg->allow_no_origin;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0) {
        char ip[64];
        int https = bot_http_client(wsi, srv, ip, sizeof ip); /* behind a TLS proxy: https */
        lws_snprintf(self, sizeof self, "%s://%s", https ? "https" : "http", host);
        if (!strcasecmp(origin, self))
            return 1;
    }
    for (int i = 0; i < cfg->origins.n; i++)
        if (!strcasecmp(origin, cfg->origins.v[i]))
            return 1;
    return 0;
}

static int filter(struct lws *wsi, struct bot_server *srv)
{
    char uri[64], ip[48] = "?";
    bot_http_client(wsi, srv, ip, sizeof ip);
    if (srv->draining)
        return -1;
    int st = bot_http_request_check(wsi, srv);
    if (st) {
        sn_log(SN_LOG_NOTICE, "ws", "event=refused_upgrade ip=%s reason=request status=%d", ip, st);
        lws_return_http_status(wsi, (unsigned int)st, NULL);
        return -1;
    }
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws")) {
        sn_log(SN_LOG_NOTICE, "ws", "event=refused_upgrade ip=%s reason=path", ip);
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    }
    if (!bot_ws_origin_ok(wsi, srv)) {
        char origin[128] = "";
        lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
        sn_log(SN_LOG_NOTICE, "ws", "event=refused_upgrade ip=%s reason=origin origin=\"%s\"", ip,
               origin);
        lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, NULL);
        return -1;
    }
    return 0;
}

static void established(struct lws *wsi, struct pss *p, struct bot_server *srv)
{
    char ip[48] = "?";
    bot_http_client(wsi, srv, ip, sizeof ip);
    p->s = bot_session_new(srv, ip, wake, wsi);
    if (bot_iplimit_acquire(srv->iplimit, ip) == SN_OK) {
        p->s->ip_counted = 1;
    } else {
        sn_log(SN_LOG_NOTICE, "ws", "event=too_many_connections sess=%llu ip=%s", p->s->id, ip);
        bot_session_refuse(p->s, BOT_PROTO_RATE_LIMITED,
                           "too many connections from your address", NULL);
        bot_session_close(p->s, 1008);
        return;
    }
    sn_log(SN_LOG_NOTICE, "ws", "event=open sess=%llu ip=%s open=%d", p->s->id, ip,
           srv->nsessions);
    if (srv->draining)
        bot_session_close(p->s, 1001);
}

static void rx_reset(struct pss *p)
{
    free(p->rx);
    p->rx = NULL;
    p->rx_len = 0;
    p->dropping = 0;
}

/* Assembles fragments into one message under max_frame; returns -1 to close (1009). */
static int receive(struct lws *wsi, struct pss *p, const void *in, size_t len)
{
    const struct bot_config *cfg = p->s->srv->cfg;
    size_t max = (size_t)cfg->max_frame;
    if (p->rx_len == 0 && !p->dropping)
        p->binary = (unsigned char)lws_frame_is_binary(wsi);
    if (p->rx_len + len > max * 16) {
        /* far past max_frame: a flood, not a mistake */
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"too big", 7);
        return -1;
    }
    if (!p->dropping && p->rx_len + len > max) {
        free(p->rx);
        p->rx = NULL;
        p->dropping = 1;
    }
    if (!p->dropping && len) {
        if (!p->rx)
            p->rx = sn_xmalloc(max + 1);
        memcpy(p->rx + p->rx_len, in, len);
    }
    p->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    if (p->dropping)
        bot_session_on_frame(p->s, NULL, p->rx_len, p->binary, 1);
    else
        bot_session_on_frame(p->s, p->rx ? (char *)p->rx : "", p->rx_len, p->binary, 0);
    rx_reset(p);
    if (p->lingering)
        lws_callback_on_writable(wsi); /* drained some: close now if nothing else waits */
    else if (!p->paused && (p->s->qlen >= cfg->send_queue || p->s->replaying)) {
        p->paused = 1;
        lws_rx_flow_control(wsi, 0);
    }
    return 0;
}

static const char *close_why(int code)
{
    return code == 1001                        ? "server shutting down"
           : code == 1011                      ? "server error"
           : code == BOT_SESSION_CLOSE_REVOKED ? "session ended"
                                               : "policy violation";
}

static int writeable(struct lws *wsi, struct pss *p)
{
    struct bot_session *s = p->s;
    struct bot_outframe *f = bot_session_pop(s);
    if (f) {
        int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
        free(f);
        if (n < 0)
            return -1;
        bot_session_replay_fill(s);
        if (s->qhead) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    if (s->qhead)
        return 0; /* its frames wait for their batch's commit, which wakes it (bot/batch.h) */
    if (s->close_code) {
        if (!p->lingering) { /* everything we had to say is sent: drain what the peer sent */
            p->lingering = 1;
            p->linger_until = bot_server_now_us() + LINGER_US;
            if (p->paused) {
                p->paused = 0;
                lws_rx_flow_control(wsi, 1);
            }
        }
        if (unread(wsi) && bot_server_now_us() < p->linger_until)
            return 0; /* each RECEIVE asks for WRITEABLE again */
        lws_close_reason(wsi, (enum lws_close_status)s->close_code,
                         (unsigned char *)close_why(s->close_code),
                         strlen(close_why(s->close_code)));
        return -1;
    }
    if (p->paused && !s->replaying && s->qlen < s->srv->cfg->send_queue / 2) {
        p->paused = 0;
        lws_rx_flow_control(wsi, 1);
    }
    return 0;
}

static void closed(struct pss *p, struct bot_server *srv)
{
    struct bot_session *s = p->s;
    rx_reset(p);
    if (!s)
        return;
    sn_log(SN_LOG_NOTICE, "ws", "event=close sess=%llu conv=%s refused=%d open=%d", s->id,
           s->conv ? "yes" : "-", s->refused, srv->nsessions - 1);
    if (s->ip_counted)
        bot_iplimit_release(srv->iplimit, s->ip);
    bot_session_free(s);
    p->s = NULL;
    if (srv->draining && srv->nsessions == 0)
        bot_serve_wake(srv); /* the last socket is gone: finish the shutdown */
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct pss *p = user;
    struct bot_server *srv = server_of(wsi);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter(wsi, srv);
    case LWS_CALLBACK_ESTABLISHED:
        established(wsi, p, srv);
        break;
    case LWS_CALLBACK_RECEIVE:
        if (!p->s)
            return -1;
        return receive(wsi, p, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!p->s)
            return -1;
        return writeable(wsi, p);
    case LWS_CALLBACK_CLOSED:
        closed(p, srv);
        break;
    default:
        break;
    }
    return 0;
}

/* The agent protocol (ws_agent.c) shares the pss and everything after the handshake. */
int bot_ws_visitor_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                            void *in, size_t len)
{
    return callback(wsi, reason, user, in, len);
}

void bot_ws_attach(void *pss, struct bot_session *s)
{
    ((struct pss *)pss)->s = s;
}

void bot_ws_protocols(struct lws_protocols out[BOT_WS_NPROTOCOLS], int rx_buffer)
{
    const struct lws_protocols table[BOT_WS_NPROTOCOLS] = {
        {"http", bot_http_callback, 32, 0, 0, NULL, 0},
        {"sanad.v1", callback, sizeof(struct pss), (size_t)rx_buffer, 0, NULL, 0},
        {"sanad.agent.v1", bot_ws_agent_callback, sizeof(struct pss),
         (size_t)(rx_buffer < 4096 ? 4096 : rx_buffer), 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0}};
    memcpy(out, table, sizeof table);
}

void bot_ws_visitor_drain(struct bot_server *srv)
{
    srv->draining = 1;
    for (struct bot_session *s = srv->sessions; s; s = s->next)
        bot_session_close(s, 1001);
}
