/* GET /metrics (bot/http_metrics.h): the access rule, then the registry's text (bot/metrics.h)
 * with the gauges counted now from the server's structures, written in 16 KiB pieces on
 * WRITEABLE as help.c writes its pages.
 *
 * A refused scrape gets 404, the answer of a path that does not exist, rather than 403: a
 * metrics endpoint tells the load, the agents on duty and the error rates of the service,
 * and a 403 on a public address would tell a scanner that it is there to be attacked (or to
 * be tried with guessed tokens). The operator who expected it finds why in the log
 * (event=metrics_refused, at NOTICE). */
#include "bot/http_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "bot/cluster.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/forwarded.h"
#include "bot/httpbody.h"
#include "bot/metrics.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/ws.h"

#define METRICS_MAX_BYTES (1 << 20) /* the whole exposition: about 20 KiB today */
#define METRICS_CHUNK     16384

struct bot_metrics_req {
    unsigned char *resp; /* LWS_PRE headroom + the body */
    size_t resp_len, off;
    int close; /* a request body was sent: the connection closes after the answer */
};

static void req_free(struct bot_metrics_req *r)
{
    if (!r)
        return;
    free(r->resp);
    free(r);
}

int bot_http_metrics_loopback(const char *bind)
{
    struct bot_fwd_addr a;
    struct bot_fwd_net v4, v6;
    if (!bind)
        return 0;
    if (!strcmp(bind, "localhost"))
        return 1;
    if (!bot_fwd_addr_parse(bind, strlen(bind), &a) ||
        bot_fwd_net_parse("127.0.0.0/8", &v4, NULL) || bot_fwd_net_parse("::1/128", &v6, NULL))
        return 0;
    return bot_fwd_net_contains(&v4, &a) || bot_fwd_net_contains(&v6, &a);
}

/* The token in file path (its first line, blanks around it cut) into out (size bytes); its
 * length, or -1 when the file cannot be read, holds none, or its first line does not fit. */
static int token_read(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    int n = -1;
    if (!f)
        return -1;
    /* a first line longer than the buffer is no token: never compare a cut one */
    if (fgets(out, (int)size, f) && (strchr(out, '\n') || feof(f))) {
        char *p = out + strspn(out, " \t");
        size_t len = strcspn(p, "\r\n");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        memmove(out, p, len);
        out[len] = 0;
        n = len ? (int)len : -1;
    }
    fclose(f);
    return n;
}

/* Constant time in the tokens' contents and lengths: their hashes are compared. */
static int token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char ha[crypto_generichash_BYTES], hb[crypto_generichash_BYTES];
    crypto_generichash(ha, sizeof ha, (const unsigned char *)a, alen, NULL, 0);
    crypto_generichash(hb, sizeof hb, (const unsigned char *)b, blen, NULL, 0);
    return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

int bot_http_metrics_allowed(const struct bot_config_list *allow,
                             int bind_loopback,
                             const char *client,
                             const char *bearer)
{
    struct bot_fwd_addr a;
    int have_addr = client && bot_fwd_addr_parse(client, strlen(client), &a);
    int ok = 0;
    char tok[BOT_METRICS_TOKEN_MAX + 2];
    if (!allow || allow->n == 0) /* and from the machine itself: a public visitor that a proxy
                                  * in trusted_proxies forwards is not */
        return bind_loopback && client && bot_http_metrics_loopback(client);
    for (int i = 0; i < allow->n && !ok; i++) {
        const char *w = allow->v[i];
        if (!strncmp(w, "bearer:", 7)) {
            int n = bearer && *bearer ? token_read(w + 7, tok, sizeof tok) : -1;
            ok = n > 0 && token_equal(tok, (size_t)n, bearer, strlen(bearer));
            sodium_memzero(tok, sizeof tok);
        } else {
            struct bot_fwd_net net;
            ok = have_addr && bot_fwd_net_parse(w, &net, NULL) == SN_OK &&
                 bot_fwd_net_contains(&net, &a);
        }
    }
    return ok;
}

/* The token of "Authorization: Bearer …" into out (size bytes), "" when there is none. */
static void bearer_of(struct lws *wsi, char *out, size_t size)
{
    char h[BOT_METRICS_TOKEN_MAX + 16];
    out[0] = 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) >= (int)sizeof h ||
        lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0)
        return;
    if (strncasecmp(h, "Bearer ", 7))
        goto out;
    const char *p = h + 7 + strspn(h + 7, " ");
    if (strlen(p) < size) /* a longer one is no token: never compare a cut one */
        snprintf(out, size, "%s", p);
out:
    sodium_memzero(h, sizeof h);
}

/* The gauges, counted now. */
static void live_of(const struct bot_server *srv, struct bot_metrics_live *l)
{
    long long st[BOT_CONV_NSTATES];
    memset(l, 0, sizeof *l);
    for (const struct bot_session *s = srv->sessions; s; s = s->next)
        *(s->is_agent ? &l->sockets_agent : &l->sockets_visitor) += 1;
    if (srv->convs) {
        bot_convs_states(srv->convs, st);
        l->conv_bot = st[BOT_CONV_BOT];
        l->conv_queued = st[BOT_CONV_QUEUED];
        l->conv_agent = st[BOT_CONV_AGENT];
        l->conv_closed = st[BOT_CONV_CLOSED];
    }
    if (srv->queue)
        bot_queue_metrics_live(srv->queue, l);
    l->cluster_nodes = bot_cluster_nodes(srv->cluster);
}

/* The answer's status line and headers; its body (taken) goes out on WRITEABLE. */
static int respond(struct lws *wsi,
                   struct bot_metrics_req *r,
                   int status,
                   const char *type,
                   char *body,
                   size_t len,
                   const char *allow)
{
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *pos = start,
                                      *end = buf + sizeof buf - 1;
    r->resp = sn_xmalloc(LWS_PRE + len + 1);
    memcpy(r->resp + LWS_PRE, body, len);
    r->resp_len = len;
    free(body);
    if (lws_add_http_common_headers(wsi, (unsigned int)status, type, (lws_filepos_t)len, &pos,
                                    end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (unsigned char *)"no-store",
                                     8, &pos, end) ||
        lws_add_http_header_by_name(wsi, (unsigned char *)"x-content-type-options:",
                                    (unsigned char *)"nosniff", 7, &pos, end))
        return -1;
    if (allow && lws_add_http_header_by_name(wsi, (unsigned char *)"allow:", (unsigned char *)allow,
                                             (int)strlen(allow), &pos, end))
        return -1;
    if (r->close && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                                 (unsigned char *)"close", 5, &pos, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_text(
    struct lws *wsi, struct bot_metrics_req *r, int status, const char *text, const char *allow)
{
    return respond(wsi, r, status, "text/plain; charset=utf-8", sn_xstrdup(text), strlen(text),
                   allow);
}

/* The method of the request and its path (GET's, POST's, …) into uri; 1 for GET. */
static int path_of(struct lws *wsi, char *uri, size_t size)
{
    static const enum lws_token_indexes toks[] = {
        WSI_TOKEN_GET_URI,   WSI_TOKEN_POST_URI,    WSI_TOKEN_PUT_URI, WSI_TOKEN_DELETE_URI,
        WSI_TOKEN_PATCH_URI, WSI_TOKEN_OPTIONS_URI, WSI_TOKEN_HEAD_URI};
    uri[0] = 0;
    for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++)
        if (lws_hdr_total_length(wsi, toks[i]) > 0) {
            if (lws_hdr_copy(wsi, uri, (int)size, toks[i]) <= 0)
                uri[0] = 0;
            return i == 0;
        }
    return 0;
}

/* LWS_CALLBACK_HTTP for /metrics: access first (nothing else is told to whom it is refused),
 * then the method and the query, then the figures. */
static int begin(struct lws *wsi, struct bot_metrics_req *r, int get)
{
    struct bot_server *srv = lws_context_user(lws_get_context(wsi));
    const struct bot_config *cfg = srv->cfg;
    char ip[64], bearer[BOT_METRICS_TOKEN_MAX + 2];
    bot_http_client(wsi, srv, ip, sizeof ip);
    bearer_of(wsi, bearer, sizeof bearer);
    int ok = bot_http_metrics_allowed(&cfg->metrics_allow, bot_http_metrics_loopback(cfg->bind), ip,
                                      bearer);
    int had_token = bearer[0] != 0;
    sodium_memzero(bearer, sizeof bearer);
    r->close = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
               lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (!ok) {
        sn_log(SN_LOG_NOTICE, "http", "event=metrics_refused ip=%s token=%d", ip, had_token);
        return respond_text(wsi, r, 404, "not found\n", NULL);
    }
    if (!get)
        return respond_text(wsi, r, 405, "only GET\n", "GET");
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) > 0)
        return respond_text(wsi, r, 400, "/metrics takes no parameters\n", NULL);
    struct bot_metrics_live live;
    struct sn_buf b;
    live_of(srv, &live);
    sn_buf_init(&b, METRICS_MAX_BYTES);
    if (bot_metrics_render(&live, &b)) {
        sn_buf_fini(&b);
        sn_log(SN_LOG_ERR, "http", "event=metrics_too_big max=%d", METRICS_MAX_BYTES);
        return respond_text(wsi, r, 500, "the metrics did not fit\n", NULL);
    }
    size_t n = b.len;
    return respond(wsi, r, 200, "text/plain; version=0.0.4; charset=utf-8", sn_buf_take(&b), n,
                   NULL);
}

int bot_http_metrics_callback(
    struct lws *wsi, int reason, struct bot_metrics_req **req, void *in, size_t len, int *ret)
{
    struct bot_metrics_req *r = *req;
    (void)in;
    (void)len;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char uri[64];
        int get = path_of(wsi, uri, sizeof uri);
        if (strcmp(uri, "/metrics"))
            return 0;
        req_free(r);
        *req = r = sn_xcalloc(1, sizeof *r);
        *ret = begin(wsi, r, get);
        return 1;
    }
    case LWS_CALLBACK_HTTP_BODY: /* a body nobody reads: the connection closes after */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!r)
            return 0;
        *ret = 0;
        return 1;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!r || !r->resp)
            return 0;
        int w = bot_http_body_write(wsi, r->resp + LWS_PRE, r->resp_len, &r->off, METRICS_CHUNK);
        if (w > 0)
            return 1;
        *ret = w < 0 || r->close ? -1 : 0;
        req_free(r);
        *req = NULL;
        if (!*ret && lws_http_transaction_completed(wsi))
            *ret = -1;
        return 1;
    }
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        req_free(r);
        *req = NULL;
        return 0;
    default:
        return 0;
    }
}
