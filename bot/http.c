/* HTTP: the widget's static files (an lws file mount on widget_dir), /healthz and the JSON
 * API under /api/ (bot/http_api.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "bot/config.h"
#include "bot/forwarded.h"
#include "bot/help.h"
#include "bot/http_api.h"
#include "bot/http_metrics.h"
#include "bot/server.h"
#include "bot/ws.h"
#include "bot/ws_visitor.h"

/* Per-request data lws allocates for "http". */
/* ws_visitor.c reserves 32 bytes for it in the protocol table */
struct http_pss {
    int healthz;               /* this request is /healthz: the body is written on WRITEABLE */
    struct bot_api_req *api;   /* an /api/ request in progress (owned by http_api.c) */
    struct bot_help_req *help; /* a /help request in progress (owned by help.c) */
    struct bot_metrics_req *metrics; /* a /metrics request (owned by http_metrics.c) */
};
_Static_assert(sizeof(struct http_pss) <= 32, "http pss larger than its protocol entry");

/* host[:port] or [v6]:port without the port, in lower case, into out. */
static void host_name(const char *host, char *out, size_t size)
{
    size_t n = host[0] == '[' ? strcspn(host, "]") + (host[strcspn(host, "]")] == ']')
                              : strcspn(host, ":");
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] - 'A' + 'a' : host[i]);
    out[n] = 0;
}

/* A header's value into a buffer from the heap (caller frees), or NULL when absent. lws
 * bounds every header by its header buffer, so the size needs no cap of ours. custom: a
 * header lws has no token for, by its lower-case name with the colon. */
static char *header_dup(struct lws *wsi, enum lws_token_indexes tok, const char *custom)
{
    int n = custom ? lws_hdr_custom_length(wsi, custom, (int)strlen(custom))
                   : lws_hdr_total_length(wsi, tok);
    if (n <= 0)
        return NULL;
    char *v = sn_xmalloc((size_t)n + 1);
    int got = custom ? lws_hdr_custom_copy(wsi, v, n + 1, custom, (int)strlen(custom))
                     : lws_hdr_copy(wsi, v, n + 1, tok);
    if (got < 0)
        v[0] = 0;
    return v;
}

int bot_http_client(struct lws *wsi, const struct bot_server *srv, char *ip, size_t size)
{
    const struct bot_config_list *px = &srv->cfg->trusted_proxies;
    char peer[64] = "?";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    struct bot_fwd_request r = {
        .peer = peer, .tls = srv->tls, .trusted = (const char *const *)px->v, .ntrusted = px->n};
    if (!px->n) { /* nobody's headers count: read none */
        snprintf(ip, size, "%s", peer);
        return srv->tls;
    }
    /* lws 4.1.6 keeps an unknown header's first line only (lws_hdr_custom_copy): a second
     * Forwarded line is not seen, see docs/configuration.md */
    char *fwd = header_dup(wsi, WSI_TOKEN_COUNT, "forwarded:");
    char *xff = header_dup(wsi, WSI_TOKEN_X_FORWARDED_FOR, NULL);
    char *xfp = header_dup(wsi, WSI_TOKEN_COUNT, "x-forwarded-proto:");
    const char *lines[1] = {fwd};
    r.forwarded = lines;
    r.nforwarded = fwd ? 1 : 0;
    r.xff = xff;
    r.xfp = xfp;
    int https = bot_fwd_client(&r, ip, size);
    free(fwd);
    free(xff);
    free(xfp);
    return https;
}

int bot_http_request_check(struct lws *wsi, const struct bot_server *srv)
{
    const struct bot_config_list *names = &srv->cfg->server_names;
    char host[256], name[256];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return HTTP_STATUS_BAD_REQUEST;
    if (!names->n)
        return 0;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        return HTTP_STATUS_BAD_REQUEST;
    host_name(host, name, sizeof name);
    for (int i = 0; i < names->n; i++)
        if (!strcmp(name, names->v[i]))
            return 0;
    return 421; /* Misdirected Request: not a name this server answers to */
}

static int healthz_body(struct bot_server *srv, char *buf, size_t size)
{
    return lws_snprintf(buf, size, "{\"status\":\"%s\",\"sessions\":%d}\n",
                        srv->draining ? "stopping" : "ok", srv->nsessions);
}

int bot_http_callback(
    struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct http_pss *p = user;
    struct bot_server *srv = lws_context_user(lws_get_context(wsi));
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *pos = start,
                                      *end = buf + sizeof buf - 1;
    int n;
    if (p && bot_help_callback(wsi, (int)reason, &p->help, in, len, &n))
        return n;
    if (p && bot_http_api_callback(wsi, (int)reason, &p->api, in, len, &n))
        return n;
    if (p && bot_http_metrics_callback(wsi, (int)reason, &p->metrics, in, len, &n))
        return n;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: /* the login worker has answers */
        bot_http_api_logins_done(srv);
        bot_http_api_jobs_done(srv); /* and the API worker */
        return 0;
    case LWS_CALLBACK_FILTER_HTTP_CONNECTION: {
        int st = bot_http_request_check(wsi, srv);
        if (!st)
            return 0;
        char ip[64];
        bot_http_client(wsi, srv, ip, sizeof ip);
        sn_log(SN_LOG_NOTICE, "http", "event=refused ip=%s status=%d", ip, st);
        lws_return_http_status(wsi, (unsigned int)st, NULL);
        return -1;
    }
    case LWS_CALLBACK_HTTP: {
        /* /healthz, and requests the file mount could not serve (missing files) */
        char uri[32];
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/healthz")) {
            if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        n = healthz_body(srv, (char *)start, (size_t)(end - start));
        if (lws_add_http_common_headers(
                wsi, srv->draining ? HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK,
                "application/json", (lws_filepos_t)n, &pos, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (unsigned char *)"no-store", 8, &pos, end) ||
            lws_finalize_write_http_header(wsi, start, &pos, end))
            return 1;
        p->healthz = 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!p || !p->healthz)
            break;
        p->healthz = 0;
        n = healthz_body(srv, (char *)start, (size_t)(end - start));
        if (lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
            return 1;
        if (lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* UTF-8 everywhere: the widget carries Arabic text. Checked before lws's built-in table. */
static const struct lws_protocol_vhost_options mime[] = {
    {&mime[1], NULL, ".html", "text/html; charset=utf-8"},
    {&mime[2], NULL, ".js", "text/javascript; charset=utf-8"},
    {&mime[3], NULL, ".mjs", "text/javascript; charset=utf-8"},
    {&mime[4], NULL, ".css", "text/css; charset=utf-8"},
    {&mime[5], NULL, ".json", "application/json"},
    {&mime[6], NULL, ".svg", "image/svg+xml"},
    {&mime[7], NULL, ".woff2", "font/woff2"},
    {&mime[8], NULL, ".webp", "image/webp"},
    {NULL, NULL, ".txt", "text/plain; charset=utf-8"},
};

const struct lws_http_mount *bot_http_mounts(struct lws_http_mount out[BOT_WS_NMOUNTS],
                                             const char *widget_dir)
{
    struct lws_http_mount *api = &out[2], *health = &out[1], *files = &out[0], *help = &out[3],
                          *metrics = &out[4];
    memset(metrics, 0, sizeof *metrics); /* Prometheus's scrape (http_metrics.c) */
    metrics->mountpoint = "/metrics";
    metrics->mountpoint_len = 8;
    metrics->origin = "http";
    metrics->origin_protocol = LWSMPRO_CALLBACK;
    memset(help, 0, sizeof *help); /* the help center's pages (help.c), never files */
    help->mount_next = metrics;
    help->mountpoint = "/help";
    help->mountpoint_len = 5;
    help->origin = "http";
    help->origin_protocol = LWSMPRO_CALLBACK;
    memset(api, 0, sizeof *api);
    api->mount_next = help;
    api->mountpoint = "/api";
    api->mountpoint_len = 4;
    api->origin = "http";
    api->origin_protocol = LWSMPRO_CALLBACK;
    memset(health, 0, sizeof *health);
    health->mount_next = api;
    memset(files, 0, sizeof *files);
    health->mountpoint = "/healthz";
    health->mountpoint_len = 8;
    health->origin = "http"; /* the protocol whose callback answers */
    health->origin_protocol = LWSMPRO_CALLBACK;
    files->mount_next = health;
    files->mountpoint = "/";
    files->mountpoint_len = 1;
    files->origin = widget_dir;
    files->def = "index.html";
    files->extra_mimetypes = mime;
    files->origin_protocol = LWSMPRO_FILE;
    files->cache_max_age = 60;
    files->cache_reusable = 1;
    files->cache_revalidate = 1;
    return files;
}
