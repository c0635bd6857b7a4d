/* The JSON HTTP API (bot/http_api.h): request bodies assembled under BOT_API_MAX_BODY
 * (LWS_CALLBACK_HTTP_BODY, answered on LWS_CALLBACK_HTTP_BODY_COMPLETION, as in lws 4.1.6's
 * minimal-http-server-form-post), the answer's headers written at once and its body on the
 * next HTTP_WRITEABLE. Passwords and tokens are never logged. */
#include "bot/http_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <sodium.h>

#include "bot/api.h"
#include "bot/apiworker.h"
#include "bot/auth.h"
#include "bot/batch.h"
#include "bot/config.h"
#include "bot/guard.h"
#include "bot/hasher.h"
#include "bot/http_attach.h"
#include "bot/kbsync.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/refit.h"
#include "bot/server.h"
#include "bot/store.h"
#include "bot/transcript.h"
#include "bot/ws.h"
#include "bot/ws_visitor.h"
#include "kb/kb.h"

enum route {
    R_NONE,
    R_LOGIN,
    R_LOGOUT,
    R_ME,
    R_TABLE,
    R_ATT_UP,              /* POST /api/attachments (bot/http_attach.h) */
    R_ATT_GET,             /* GET /api/attachments/{id} */
    R_ATT_OPTIONS,         /* the CORS preflight of an upload from the widget on another site */
    R_TRANSCRIPT,          /* GET /api/transcript (bot/transcript.h) */
    R_TRANSCRIPT_PREFLIGHT /* its CORS preflight */
};

#define ARGS_MAX 4096 /* bytes of the decoded query arguments together */

struct bot_api_req {
    int route;
    int post;   /* the method changes state (POST, PUT, PATCH, DELETE): Origin is checked */
    int method; /* enum bot_api_method, 0 for another */
    const struct bot_api_route *rt; /* route R_TABLE: its row */
    char param[BOT_API_MAX_PARAM];  /* the path's {id} */
    char ctype[64];                 /* Content-Type, lower case, parameters cut */
    struct bot_user user;           /* route R_TABLE: who asked */
    char args[ARGS_MAX];            /* "name\0value\0…" */
    size_t args_len;
    int known; /* the path is an API route (for another method when route is R_NONE) */
    int kb;    /* route R_TABLE: a route of the base (bot_api_kb_routes) */
    int toobig;
    int close; /* close the connection after the answer (a body left unread) */
    struct sn_buf body;
    unsigned char *resp; /* LWS_PRE headroom + the JSON answer, written on WRITEABLE */
    size_t resp_len;
    /* a login whose password the worker checks (bot/hasher.h): answered when it is done */
    struct lws *wsi;
    int pending;
    int job;   /* a route's answer the API worker computes (bot_api_defer): answered when done */
    int https; /* the client's connection is TLS (its own or its trusted proxy's) */
    char who[BOT_AUTH_LOGIN_MAX + 1], ip[64];
    /* attachments: the conversation an upload goes to (checked before its body is read);
     * an answer's caching, its sandbox, and the allowed Origin a cross-site upload is
     * answered to ("" none) */
    char att_conv[STORE_ID_MAX];
    const char *cache;
    int csp;
    char acao[256];
    char cors[256]; /* /api/transcript from an allowed_origins page: that origin, else "" */
};

static struct bot_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void req_free(struct bot_api_req *r)
{
    if (!r)
        return;
    if (r->pending) /* the connection went while its password was checked */
        bot_hasher_forget(server_of(r->wsi)->hasher, r);
    if (r->job) /* the connection went while its answer was computed: it is dropped unread */
        bot_apiworker_forget(server_of(r->wsi)->apiworker, r);
    if (r->body.p)
        sodium_memzero(r->body.p, r->body.len); /* it may hold a password */
    sn_buf_fini(&r->body);
    free(r->resp);
    free(r);
}

/* The value of the session cookie into buf (size bytes); 0 when present. */
static int cookie_get(struct lws *wsi, char *buf, size_t size)
{
    char h[2048];
    const size_t nl = sizeof BOT_API_COOKIE - 1;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) >= (int)sizeof h ||
        lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_COOKIE) <= 0)
        return -1;
    for (char *p = h; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > nl && !strncmp(p, BOT_API_COOKIE "=", nl + 1)) {
            size_t vl = n - nl - 1;
            if (vl >= size)
                return -1;
            memcpy(buf, p + nl + 1, vl);
            buf[vl] = 0;
            return 0;
        }
        p += n;
    }
    return -1;
}

int bot_auth_require(struct lws *wsi, int role, struct bot_user *out, char *token)
{
    struct bot_server *srv = server_of(wsi);
    bot_batch_flush(srv); /* the accounts' connection may write (expired sessions) */
    struct bot_user u;
    struct sn_err e = {0};
    char tok[BOT_AUTH_TOKEN_HEX + 1];
    if (!srv->auth || cookie_get(wsi, tok, sizeof tok))
        return 401;
    int rc = bot_auth_session_get(srv->auth, tok, bot_server_now_ms(), &u, &e);
    if (rc == SN_OK && token && bot_auth_role_allows(u.role, role)) {
        size_t n = strnlen(tok, BOT_AUTH_TOKEN_HEX - 1); /* 64 hex digits, then the NUL */
        memcpy(token, tok, n);
        token[n] = 0;
    }
    sodium_memzero(tok, sizeof tok);
    if (rc == SN_ENOTFOUND)
        return 401;
    if (rc) {
        sn_log(SN_LOG_ERR, "api", "event=session_error err=\"%s\"", e.msg);
        return 500;
    }
    if (!bot_auth_role_allows(u.role, role))
        return 403;
    if (out)
        *out = u;
    return 0;
}

/* An attachment's answer: nothing it holds may run (a sandbox without scripts, plugins or
 * loads), and a widget on an allowed site may read an upload's answer (CORS). */
static int
extra_headers(struct lws *wsi, struct bot_api_req *r, unsigned char **pos, unsigned char *end)
{
    static const char csp[] = "default-src 'none'; sandbox; frame-ancestors 'none'";
    static const char hdrs[] = "X-Sanad-Token, Content-Type";
    if (r->csp && lws_add_http_header_by_name(wsi, (unsigned char *)"content-security-policy:",
                                              (unsigned char *)csp, (int)strlen(csp), pos, end))
        return -1;
    if (!r->acao[0])
        return 0;
    if (lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-origin:",
                                    (unsigned char *)r->acao, (int)strlen(r->acao), pos, end) ||
        lws_add_http_header_by_name(wsi, (unsigned char *)"vary:", (unsigned char *)"Origin", 6,
                                    pos, end))
        return -1;
    if (r->route == R_ATT_OPTIONS &&
        (lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-methods:",
                                     (unsigned char *)"POST", 4, pos, end) ||
         lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-headers:",
                                     (unsigned char *)hdrs, (int)strlen(hdrs), pos, end) ||
         lws_add_http_header_by_name(
             wsi, (unsigned char *)"access-control-max-age:", (unsigned char *)"600", 3, pos, end)))
        return -1;
    return 0;
}

/* Writes the status line and headers, keeps body for WRITEABLE. cookie / retry may be NULL
 * / 0. Returns the callback's return value. */
static int respond_raw(struct lws *wsi,
                       struct bot_api_req *r,
                       int status,
                       const char *type,
                       const char *data,
                       size_t len,
                       const char *disposition,
                       const char *cookie,
                       int retry)
{
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *pos = start,
                                       *end = buf + sizeof buf - 1;
    char ra[16];
    free(r->resp);
    r->resp_len = len;
    r->resp = sn_xmalloc(LWS_PRE + len + 1);
    memcpy(r->resp + LWS_PRE, data, len);
    if (lws_add_http_common_headers(wsi, (unsigned int)status, type, (lws_filepos_t)r->resp_len,
                                    &pos, end) ||
        lws_add_http_header_by_name(wsi, (unsigned char *)"x-content-type-options:",
                                    (unsigned char *)"nosniff", 7, &pos, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (unsigned char *)(r->cache ? r->cache : "no-store"),
                                     (int)strlen(r->cache ? r->cache : "no-store"), &pos, end))
        return -1;
    if (extra_headers(wsi, r, &pos, end))
        return -1;
    /* CORS, for the visitor's transcript only (transcript_cors) */
    if (r->cors[0] &&
        (lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-origin:",
                                     (unsigned char *)r->cors, (int)strlen(r->cors), &pos, end) ||
         lws_add_http_header_by_name(wsi, (unsigned char *)"vary:", (unsigned char *)"Origin", 6,
                                     &pos, end) ||
         lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-expose-headers:",
                                     (unsigned char *)"Content-Disposition", 19, &pos, end)))
        return -1;
    if (r->cors[0] && r->route == R_TRANSCRIPT_PREFLIGHT &&
        (lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-headers:",
                                     (unsigned char *)"X-Sanad-Token", 13, &pos, end) ||
         lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-allow-methods:",
                                     (unsigned char *)"GET", 3, &pos, end) ||
         lws_add_http_header_by_name(wsi, (unsigned char *)"access-control-max-age:",
                                     (unsigned char *)"600", 3, &pos, end)))
        return -1;
    if (r->close && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                                 (unsigned char *)"close", 5, &pos, end))
        return -1;
    if (cookie &&
        lws_add_http_header_by_name(wsi, (unsigned char *)"set-cookie:", (unsigned char *)cookie,
                                    (int)strlen(cookie), &pos, end))
        return -1;
    if (disposition && lws_add_http_header_by_name(wsi, (unsigned char *)"content-disposition:",
                                                   (unsigned char *)disposition,
                                                   (int)strlen(disposition), &pos, end))
        return -1;
    if (retry > 0) {
        int n = snprintf(ra, sizeof ra, "%d", retry);
        if (lws_add_http_header_by_name(wsi, (unsigned char *)"retry-after:", (unsigned char *)ra,
                                        n, &pos, end))
            return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

/* Writes the status line and headers, keeps body (taken) for WRITEABLE. cookie / retry may
 * be NULL / 0. Returns the callback's return value. */
static int respond(
    struct lws *wsi, struct bot_api_req *r, int status, json_t *body, const char *cookie, int retry)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return -1;
    int rc =
        respond_raw(wsi, r, status, "application/json", text, strlen(text), NULL, cookie, retry);
    free(text);
    return rc;
}

/* Every refusal reads {"error": {"code": …, "message": …}} (docs/api.md). */
static int
error(struct lws *wsi, struct bot_api_req *r, int status, const char *code, const char *msg)
{
    return respond(wsi, r, status,
                   json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg), NULL, 0);
}

static int
user_reply(struct lws *wsi, struct bot_api_req *r, const struct bot_user *u, const char *cookie)
{
    return respond(wsi, r, 200,
                   json_pack("{s:s, s:s, s:s}", "login", u->login, "name", u->name, "role",
                             bot_auth_role_name(u->role)),
                   cookie, 0);
}

/* The answer to a login once its password was checked: rc as bot_auth_login's. */
static int finish_login(struct lws *wsi,
                        struct bot_api_req *r,
                        int rc,
                        const struct bot_user *u,
                        const char *tok,
                        const struct sn_err *e)
{
    struct bot_server *srv = server_of(wsi);
    long long now = bot_server_now_ms();
    char cookie[256];
    if (rc == SN_ENOTFOUND) { /* counted when it was tried */
        sn_log(SN_LOG_NOTICE, "api", "event=login_failed ip=%s", r->ip);
        return error(wsi, r, 401, "unauthorized", "wrong login or password");
    }
    if (rc) {
        sn_log(SN_LOG_ERR, "api", "event=login_error err=\"%s\"", e->msg);
        return error(wsi, r, 500, "internal", "the login could not be completed");
    }
    bot_guard_succeeded(srv->guard, r->who, r->ip, now);
    snprintf(cookie, sizeof cookie,
             BOT_API_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; "
                            "Max-Age=%d%s",
             tok, srv->cfg->agent_session_ttl, r->https ? "; Secure" : "");
    sn_log(SN_LOG_NOTICE, "api", "event=login user=%s role=%s ip=%s", u->login,
           bot_auth_role_name(u->role), r->ip);
    rc = user_reply(wsi, r, u, cookie);
    sodium_memzero(cookie, sizeof cookie);
    return rc;
}

void bot_http_api_logins_done(struct bot_server *srv)
{
    struct bot_login_job *j;
    while (srv->hasher && (j = bot_hasher_done(srv->hasher))) {
        struct bot_api_req *r = j->owner;
        if (r) { /* NULL: its connection is gone */
            r->pending = 0;
            if (finish_login(r->wsi, r, j->rc, &j->user, j->token, &j->err))
                lws_set_timeout(r->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        }
        bot_hasher_job_free(j);
    }
}

static const char *const login_err_names[] = {
    [BOT_API_LOGIN_BAD_JSON] = "bad_json",
    [BOT_API_LOGIN_MISSING_FIELDS] = "missing_fields",
    [BOT_API_LOGIN_WRONG_TYPE] = "wrong_type",
};

int bot_http_api_parse_login(const char *body,
                             size_t len,
                             char *login,
                             size_t login_size,
                             char *password,
                             size_t password_size,
                             struct sn_err *err)
{
    json_error_t je;
    json_t *j = NULL, *jl, *jp;
    int rc = SN_OK;

    login[0] = password[0] = 0;
    /* no JSON_ALLOW_NUL: a string with \u0000 is bad JSON, so strlen is every length below */
    j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        rc = sn_err_set(err, SN_EINVAL, "the body must be a JSON object (UTF-8)");
        if (err)
            err->detail = BOT_API_LOGIN_BAD_JSON;
        goto out;
    }
    jl = json_object_get(j, "login");
    jp = json_object_get(j, "password");
    if (!jl || !jp) {
        rc = sn_err_set(err, SN_EINVAL, "login and password are required");
        if (err)
            err->detail = BOT_API_LOGIN_MISSING_FIELDS;
        goto out;
    }
    if (!json_is_string(jl) || !json_is_string(jp)) {
        rc = sn_err_set(err, SN_EINVAL, "login and password must be strings");
        if (err)
            err->detail = BOT_API_LOGIN_WRONG_TYPE;
        goto out;
    }
    snprintf(login, login_size, "%s", json_string_value(jl));
    snprintf(password, password_size, "%s", json_string_value(jp));
out:
    if (j) {
        /* scrub the password's copy inside jansson before it is freed */
        json_t *p = json_object_get(j, "password");
        if (json_is_string(p))
            sodium_memzero((char *)json_string_value(p), json_string_length(p));
    }
    json_decref(j);
    return rc;
}

static int do_login(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_server *srv = server_of(wsi);
    const struct bot_config *cfg = srv->cfg;
    struct sn_err pe = {0};
    /* one byte past each cap, so that a login or password over it shows by its length */
    char who[BOT_AUTH_LOGIN_MAX + 2], pw[BOT_AUTH_PW_MAX + 2];
    long long now = bot_server_now_ms();
    int rc = 0;

    if (r->toobig)
        return error(wsi, r, 413, "too_big", "the request body is too large");
    if (bot_http_api_parse_login(r->body.p, r->body.len, who, sizeof who, pw, sizeof pw, &pe)) {
        rc = error(wsi, r, 400, login_err_names[pe.detail], pe.msg);
        goto out;
    }
    r->https = bot_http_client(wsi, srv, r->ip, sizeof r->ip);
    size_t pwlen = strlen(pw);
    /* a login no account can have counts as a wrong one, under its first bytes */
    snprintf(r->who, sizeof r->who, "%.*s", BOT_AUTH_LOGIN_MAX, who);
    int wait = bot_guard_wait(srv->guard, r->who, r->ip, now);
    if (wait) {
        sn_log(SN_LOG_NOTICE, "api", "event=login_throttled ip=%s wait_s=%d", r->ip, wait);
        rc = respond(wsi, r, 429,
                     json_pack("{s:{s:s, s:s}}", "error", "code", "rate_limited", "message",
                               "too many failed logins; try again later"),
                     NULL, wait);
        goto out;
    }
    bot_guard_failed(srv->guard, r->who, r->ip, now); /* until it succeeds */
    if (strlen(who) > BOT_AUTH_LOGIN_MAX || bot_auth_password_check(pw, pwlen, NULL)) {
        rc = finish_login(wsi, r, SN_ENOTFOUND, NULL, NULL, NULL);
        goto out;
    }
    if (srv->hasher) { /* Argon2id off the loop: the answer comes from logins_done */
        r->wsi = wsi;
        r->pending = 1;
        bot_hasher_submit(srv->hasher, r, who, pw, pwlen, cfg->agent_session_ttl, now);
        goto out;
    }
    {
        struct bot_user u;
        struct sn_err e = {0};
        char tok[BOT_AUTH_TOKEN_HEX];
        int lrc =
            bot_auth_login(srv->auth, who, pw, pwlen, cfg->agent_session_ttl, now, tok, &u, &e);
        rc = finish_login(wsi, r, lrc, &u, tok, &e);
        sodium_memzero(tok, sizeof tok);
    }
out:
    sodium_memzero(pw, sizeof pw);
    return rc;
}

static int do_logout(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_server *srv = server_of(wsi);
    struct sn_err e = {0};
    char tok[BOT_AUTH_TOKEN_HEX + 1];
    if (!cookie_get(wsi, tok, sizeof tok) && bot_auth_logout(srv->auth, tok, &e))
        sn_log(SN_LOG_ERR, "api", "event=logout_error err=\"%s\"", e.msg);
    else if (srv->queue) /* its open agent sockets end with it, now */
        bot_queue_revalidate(srv->queue, bot_server_now_ms());
    sodium_memzero(tok, sizeof tok);
    return respond(wsi, r, 200, json_pack("{s:b}", "ok", 1),
                   BOT_API_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", 0);
}

static int do_me(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_user u;
    int st = bot_auth_require(wsi, 0, &u, NULL); /* any role may see itself */
    if (st == 401)
        return error(wsi, r, 401, "unauthorized", "not logged in");
    if (st)
        return error(wsi, r, st, st == 403 ? "forbidden" : "internal", "not allowed");
    return user_reply(wsi, r, &u, NULL);
}

/* GET /api/transcript: the visitor's conversation, named by its session token in the
 * X-Sanad-Token header (never in the URL, where logs and Referers would keep it), as a text
 * file to save. 401 without a live token. */
static int do_transcript(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_server *srv = server_of(wsi);
    struct store_conv c;
    struct sn_err e = {0};
    char token[160] = "", disp[128], name[96];
    size_t len;
    if (lws_hdr_custom_length(wsi, "x-sanad-token:", 14) >= (int)sizeof token ||
        lws_hdr_custom_copy(wsi, token, sizeof token, "x-sanad-token:", 14) <= 0)
        token[0] = 0;
    long long live = bot_server_now_ms() - (long long)srv->cfg->session_ttl * 1000;
    int rc = bot_transcript_find(srv->store, token, live, &c, &e);
    if (rc == SN_ENOTFOUND)
        return error(wsi, r, 401, "unauthorized", "send a live session token in X-Sanad-Token");
    char *text = rc ? NULL : bot_transcript_text(srv->store, srv->brain, &c, &len, &e);
    if (!text) {
        sn_log(SN_LOG_ERR, "api", "event=transcript_failed err=\"%s\"", e.msg);
        return error(wsi, r, 500, "internal", "the server could not read the conversation");
    }
    bot_transcript_filename(c.id, name, sizeof name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    sn_log(SN_LOG_NOTICE, "api", "event=transcript conv=%s bytes=%zu", c.id, len);
    rc = respond_raw(wsi, r, 200, "text/plain; charset=utf-8", text, len, disp, NULL, 0);
    free(text);
    return rc;
}

/* A widget on another site (one of allowed_origins) fetches its transcript across origins:
 * the X-Sanad-Token header makes the browser ask first (OPTIONS), and read the answer only
 * with Access-Control-Allow-Origin. That origin is echoed; any other gets no CORS header,
 * so its page cannot read the answer. No cookie is involved (credentials are not allowed). */
static void transcript_cors(struct lws *wsi, struct bot_api_req *r)
{
    char origin[256];
    const struct bot_config *cfg = server_of(wsi)->cfg;
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
        return;
    for (int i = 0; i < cfg->origins.n; i++)
        if (!strcasecmp(origin, cfg->origins.v[i]))
            snprintf(r->cors, sizeof r->cors, "%s", cfg->origins.v[i]);
}

/* OPTIONS /api/transcript: the preflight; 204 with the CORS headers for an allowed origin. */
static int do_transcript_preflight(struct lws *wsi, struct bot_api_req *r)
{
    if (!r->cors[0])
        return error(wsi, r, 403, "bad_origin", "requests from this origin are not allowed");
    return respond_raw(wsi, r, 204, "text/plain", "", 0, NULL, NULL, 0);
}

/* A deferred route's answer (bot_api_defer): queued on the API worker, answered by
 * bot_http_api_jobs_done; 503 when BOT_API_WAITING_MAX wait already. */
static int defer(struct lws *wsi, struct bot_api_req *r, struct bot_api_call *c)
{
    struct bot_server *srv = server_of(wsi);
    struct sn_err e = {0};
    if (!srv->apiworker) {
        if (c->defer_free)
            c->defer_free(c->defer_arg);
        return error(wsi, r, 500, "internal", "no worker");
    }
    if (bot_apiworker_submit(srv->apiworker, r, c->defer_fn, c->defer_arg, c->defer_free, &e)) {
        sn_log(SN_LOG_NOTICE, "api", "event=busy path=%s err=\"%s\"", r->rt->path, e.msg);
        return respond(wsi, r, 503,
                       json_pack("{s:{s:s, s:s}}", "error", "code", "busy", "message",
                                 "too many requests wait for the server; try again shortly"),
                       NULL, BOT_API_BUSY_RETRY_S);
    }
    r->wsi = wsi;
    r->job = 1;
    /* lws would end a connection silent for its timeout_secs (5 s): a request may wait
     * behind BOT_API_WAITING_MAX others, but not forever */
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, BOT_API_JOB_TIMEOUT_S);
    return 0;
}

void bot_http_api_jobs_done(struct bot_server *srv)
{
    struct bot_apiworker_job *j;
    while (srv->apiworker && (j = bot_apiworker_done(srv->apiworker))) {
        struct bot_api_req *r = j->owner;
        if (r) { /* NULL: its connection is gone */
            r->job = 0;
            lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
            int rc = j->res.body ? respond_raw(r->wsi, r, j->res.status, "application/json",
                                               j->res.body, j->res.len, NULL, NULL, 0)
                                 : error(r->wsi, r, 500, "internal", "no answer");
            if (rc)
                lws_set_timeout(r->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        }
        bot_apiworker_job_free(j);
    }
}

/* A route of the table: the handler fills a struct bot_api_call, written here. */
static int call_route(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_api_call c = {.srv = server_of(wsi), .user = &r->user, .param = r->param};
    if (r->toobig)
        return error(wsi, r, 413, "too_big", "the request body is too large");
    for (size_t i = 0; i < r->args_len && c.nargs < BOT_API_MAX_ARGS;) {
        c.arg_name[c.nargs] = r->args + i;
        i += strlen(r->args + i) + 1;
        c.arg_value[c.nargs++] = r->args + i;
        i += strlen(r->args + i) + 1;
    }
    if (sn_buf_add(&r->body, "", 1)) /* NUL-terminated for the handlers */
        return error(wsi, r, 413, "too_big", "the request body is too large");
    c.body = r->body.p;
    c.len = r->body.len - 1;
    c.ctype = r->ctype;
    r->rt->fn(&c);
    kb_set_actor(c.srv->kb, NULL);
    if (c.defer_fn) /* answered later, off the loop */
        return defer(wsi, r, &c);
    if (r->kb && r->post && c.status >= 200 && c.status < 300) { /* the base changed: refit */
        bot_refit_poke(c.srv->refit);
        bot_kbsync_edited(c.srv->kbsync, r->rt->method, r->rt->path, &c); /* other nodes' too */
    }
    int rc;
    if (c.raw)
        rc = respond_raw(wsi, r, c.status, c.raw_type, c.raw, c.raw_len, c.disposition, NULL, 0);
    else if (c.json)
        rc = respond(wsi, r, c.status, c.json, NULL, 0);
    else
        rc = error(wsi, r, 500, "internal", "no answer");
    free(c.raw);
    return rc;
}

/* The attachments' routes: bot/http_attach.c fills the answer, written here. */
static int call_attach(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_api_call c = {.srv = server_of(wsi), .param = r->param};
    char disp[512];
    if (r->route == R_ATT_OPTIONS)
        return respond_raw(wsi, r, 204, "text/plain", "", 0, NULL, NULL, 0);
    if (r->toobig)
        return error(wsi, r, 413, "too_big", "the file is larger than attachment_max_bytes");
    for (size_t i = 0; i < r->args_len && c.nargs < BOT_API_MAX_ARGS;) {
        c.arg_name[c.nargs] = r->args + i;
        i += strlen(r->args + i) + 1;
        c.arg_value[c.nargs++] = r->args + i;
        i += strlen(r->args + i) + 1;
    }
    c.body = r->body.p;
    c.len = r->body.len;
    if (r->route == R_ATT_UP) {
        bot_http_attach_upload(&c, r->att_conv);
    } else {
        bot_http_attach_get(&c, disp, sizeof disp);
        r->cache = "private, max-age=3600"; /* an id is never reused for other bytes */
        r->csp = 1;
    }
    int rc =
        c.raw ? respond_raw(wsi, r, c.status, c.raw_type, c.raw, c.raw_len, c.disposition, NULL, 0)
              : respond(wsi, r, c.status, c.json, NULL, 0);
    free(c.raw);
    return rc;
}

static int dispatch(struct lws *wsi, struct bot_api_req *r)
{
    switch (r->route) {
    case R_ATT_UP:
    case R_ATT_GET:
    case R_ATT_OPTIONS:
        return call_attach(wsi, r);
    case R_TABLE:
        return call_route(wsi, r);
    case R_LOGIN:
        return do_login(wsi, r);
    case R_LOGOUT:
        return do_logout(wsi, r);
    case R_ME:
        return do_me(wsi, r);
    case R_TRANSCRIPT:
        return do_transcript(wsi, r);
    case R_TRANSCRIPT_PREFLIGHT:
        return do_transcript_preflight(wsi, r);
    }
    if (r->known)
        return error(wsi, r, 405, "method_not_allowed", "this method is not allowed here");
    return error(wsi, r, 404, "not_found", "no such API");
}

/* The request's Content-Type without parameters, in lower case, into out ("" when absent
 * or too long to be one we take). */
static void content_type(struct lws *wsi, char *out, size_t size)
{
    char ct[128];
    out[0] = 0;
    if (lws_hdr_copy(wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n >= size)
        return;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] - 'A' + 'a' : ct[i]);
    out[n] = 0;
}

/* 1 when a body of Content-Type ct may be sent to a route taking kind (enum bot_api_body).
 * None of them is a type an HTML form can post: a cross-site form cannot reach a route. */
static int type_ok(const char *ct, int kind)
{
    static const char *const import_types[] = {"application/json", "application/x-ndjson",
                                               "application/jsonl", "application/x-jsonlines",
                                               "text/csv"};
    if (kind == BOT_API_BODY_IMPORT) {
        for (size_t i = 0; i < sizeof import_types / sizeof import_types[0]; i++)
            if (!strcmp(ct, import_types[i]))
                return 1;
        return 0;
    }
    return !strcmp(ct, "application/json");
}

/* The method of the request as enum bot_api_method (0: another), and its path into uri. */
static int method_of(struct lws *wsi, char *uri, size_t size)
{
    static const struct {
        int tok, method;
    } methods[] = {{WSI_TOKEN_GET_URI, BOT_API_GET},
                   {WSI_TOKEN_POST_URI, BOT_API_POST},
                   {WSI_TOKEN_PUT_URI, BOT_API_PUT},
                   {WSI_TOKEN_DELETE_URI, BOT_API_DELETE},
                   {WSI_TOKEN_PATCH_URI, BOT_API_PATCH},
                   {WSI_TOKEN_OPTIONS_URI, 0},
                   {WSI_TOKEN_HEAD_URI, 0}};
    uri[0] = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, (enum lws_token_indexes)methods[i].tok) > 0) {
            if (lws_hdr_copy(wsi, uri, (int)size, (enum lws_token_indexes)methods[i].tok) <= 0)
                uri[0] = 0; /* too long: no route */
            return methods[i].method;
        }
    return 0;
}

/* The query's arguments, decoded by lws, into r->args as name\0value\0 pairs. -1 when
 * they do not fit (the caller answers 414 rather than act on a part of them). */
static int collect_args(struct lws *wsi, struct bot_api_req *r)
{
    char frag[ARGS_MAX];
    r->args_len = 0;
    for (int i = 0;; i++) {
        int fl = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (fl <= 0)
            return 0;
        if (i >= BOT_API_MAX_ARGS || fl >= (int)sizeof frag)
            return -1;
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            return -1;
        char *eq = strchr(frag, '=');
        size_t nl = eq ? (size_t)(eq - frag) : (size_t)n;
        const char *v = eq ? eq + 1 : "";
        size_t vl = strlen(v);
        if (r->args_len + nl + vl + 2 > sizeof r->args)
            return -1;
        memcpy(r->args + r->args_len, frag, nl);
        r->args[r->args_len + nl] = 0;
        memcpy(r->args + r->args_len + nl + 1, v, vl + 1);
        r->args_len += nl + vl + 2;
    }
}

/* The attachments' paths (docs/api.md): the route, and an upload's cap. Their own rules
 * (a visitor's token, not a cookie; any body type) are attach_auth's and begin's. */
static void attach_route(struct lws *wsi, struct bot_api_req *r, const char *uri, size_t *max)
{
    char origin[256];
    if (!strcmp(uri, "/api/attachments")) {
        r->known = 1;
        if (r->method == BOT_API_POST) {
            r->route = R_ATT_UP;
            *max = (size_t)server_of(wsi)->cfg->attachment_max_bytes;
        } else if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI) > 0) {
            r->route = R_ATT_OPTIONS;
            r->post = 0; /* a preflight changes nothing */
        }
    } else if (bot_api_match("/api/attachments/{id}", uri, r->param, sizeof r->param)) {
        r->known = 1;
        if (r->method == BOT_API_GET)
            r->route = R_ATT_GET;
    }
    /* a page of an allowed site (the widget's) may read the upload's answer */
    if ((r->route == R_ATT_UP || r->route == R_ATT_OPTIONS) &&
        lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) > 0 &&
        bot_ws_origin_ok(wsi, server_of(wsi)))
        snprintf(r->acao, sizeof r->acao, "%s", origin);
}

/* Who uploads to which conversation: a visitor by its conversation token (X-Sanad-Token),
 * an agent by its session cookie and ?conversation= naming one of its chats. 0, or the
 * status to answer. */
static int attach_auth(struct lws *wsi, struct bot_api_req *r)
{
    struct bot_server *srv = server_of(wsi);
    char tok[BOT_PROTO_TOKEN_MAX + 2];
    const char *h = BOT_ATTACH_TOKEN_HEADER;
    int hl = lws_hdr_custom_length(wsi, h, (int)strlen(h));
    if (hl > 0) {
        int st = 401;
        if (hl < (int)sizeof tok &&
            lws_hdr_custom_copy(wsi, tok, sizeof tok, h, (int)strlen(h)) > 0)
            st = bot_http_attach_visitor(srv, tok, r->att_conv);
        sodium_memzero(tok, sizeof tok);
        return st;
    }
    struct bot_user u;
    int st = bot_auth_require(wsi, BOT_ROLE_AGENT, &u, NULL);
    if (st)
        return st == 403 ? 401 : st; /* an editor holds no chats: as good as no session */
    const char *conv = NULL;
    for (size_t i = 0; i < r->args_len;) {
        const char *name = r->args + i;
        i += strlen(name) + 1;
        if (!strcmp(name, "conversation"))
            conv = r->args + i;
        i += strlen(r->args + i) + 1;
    }
    st = bot_http_attach_agent(srv, &u, conv);
    if (!st)
        snprintf(r->att_conv, sizeof r->att_conv, "%s", conv);
    return st;
}

/* LWS_CALLBACK_HTTP for /api/… (method and path as method_of read them): picks the route,
 * checks Origin, role, size and type in that order before a byte of the body is read;
 * answers now or waits for the body. */
static int begin(struct lws *wsi, struct bot_api_req *r, int method, const char *uri)
{
    char cl[24] = "";
    static const struct {
        const char *path;
        int method, route;
    } own[] = {{"/api/login", BOT_API_POST, R_LOGIN},
               {"/api/logout", BOT_API_POST, R_LOGOUT},
               {"/api/me", BOT_API_GET, R_ME},
               {"/api/transcript", BOT_API_GET, R_TRANSCRIPT}};
    r->method = method;
    r->post = r->method != BOT_API_GET; /* anything but GET may change state */
    size_t max_body = BOT_API_MAX_BODY;
    int kind = BOT_API_BODY_JSON;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!strcmp(uri, own[i].path)) {
            r->known = 1;
            if (own[i].method == r->method)
                r->route = own[i].route;
        }
    /* the user's own routes first, then the base's (a change there refits the model) */
    const struct bot_api_route *tables[] = {bot_api_me_routes, bot_api_cases_routes,
                                            bot_api_privacy_routes, bot_api_stats_routes,
                                            bot_api_kb_routes};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const struct bot_api_route *rt = tables[t]; rt->path && !r->route; rt++)
            if (bot_api_match(rt->path, uri, r->param, sizeof r->param)) {
                r->known = 1;
                if (rt->method == r->method) {
                    r->route = R_TABLE;
                    r->rt = rt;
                    r->kb = tables[t] == bot_api_kb_routes;
                    max_body = rt->max_body;
                    kind = rt->body;
                }
            }
    if (!r->known)
        attach_route(wsi, r, uri, &max_body);
    if (!strcmp(uri, "/api/transcript")) {
        transcript_cors(wsi, r);
        if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI) > 0)
            r->route = R_TRANSCRIPT_PREFLIGHT;
    }
    int args_ok = (r->route != R_TABLE && r->route != R_ATT_UP) || collect_args(wsi, r) == 0;
    if (r->route == R_ATT_OPTIONS)
        return dispatch(wsi, r); /* answers nothing but which origin may upload */
    /* Login CSRF and its kin: a state-changing request from a page of another site carries
     * that site's Origin (browsers always send it on a POST), and a form can post only
     * text/plain, urlencoded or multipart bodies; JSON needs a CORS preflight we never
     * grant. The Origin rule is /ws's (bot_ws_origin_ok: the server's own, allowed_origins,
     * none when allow_no_origin). Refused before the body is read: nothing changes. */
    if (r->post && !bot_ws_origin_ok(wsi, server_of(wsi))) {
        r->toobig = r->close = 1; /* its body is not read */
        return error(wsi, r, 403, "bad_origin", "requests from this origin are not allowed");
    }
    if (r->route == R_TRANSCRIPT_PREFLIGHT) { /* no body; the origin is checked there */
        r->close = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
        sn_buf_init(&r->body, 1);
        return dispatch(wsi, r);
    }
    if (r->route == R_TABLE) { /* who asks, before the body is read */
        int st = bot_auth_require(wsi, r->rt->role, &r->user, NULL);
        if (st) {
            r->toobig = r->close = r->post;
            return error(wsi, r, st,
                         st == 401   ? "unauthorized"
                         : st == 403 ? "forbidden"
                                     : "internal",
                         st == 401 ? "log in first" : "your role may not do this");
        }
    }
    if (r->route == R_ATT_UP) { /* whose conversation, before the body is read */
        int st = attach_auth(wsi, r);
        if (st) {
            r->toobig = r->close = 1;
            return error(wsi, r, st,
                         st == 401   ? "unauthorized"
                         : st == 403 ? "forbidden"
                         : st == 400 ? "bad_argument"
                                     : "internal",
                         st == 401   ? "send the conversation's token in X-Sanad-Token"
                         : st == 403 ? "the conversation is not one of your chats"
                         : st == 400 ? "name the conversation (?conversation=)"
                                     : "the server failed");
        }
    }
    if (!args_ok) {
        r->toobig = r->close = r->post;
        return error(wsi, r, 414, "uri_too_long", "the query is too long");
    }
    if (r->route == R_NONE || r->method == BOT_API_GET ||
        (r->route == R_TABLE && kind == BOT_API_BODY_NONE)) {
        /* a body sent where none is read would be taken for the next request */
        r->close = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
        sn_buf_init(&r->body, 1);
        return dispatch(wsi, r);
    }
    /* a body: it must be small enough; the answer comes after it (or now when it is empty) */
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        strcpy(cl, "x"); /* too long to be a small number */
    if (!cl[0]) {        /* lws would wait for a body of unknown length */
        r->close = 1;
        return error(wsi, r, 411, "length_required", "send a Content-Length");
    }
    char *e;
    unsigned long long n = strtoull(cl, &e, 10);
    if (*e || n > max_body) {
        /* refused before reading it; the connection closes after the answer */
        r->toobig = r->close = 1;
        return error(wsi, r, 413, "too_big",
                     r->route == R_ATT_UP ? "the file is larger than attachment_max_bytes"
                                          : "the request body is too large");
    }
    content_type(wsi, r->ctype, sizeof r->ctype);
    /* an upload's type is sniffed from its bytes, whatever it says (bot/attach.h) */
    if (n > 0 && r->route != R_ATT_UP && !type_ok(r->ctype, kind)) {
        r->toobig = r->close = 1;
        return error(wsi, r, 415, "unsupported_media_type",
                     kind == BOT_API_BODY_IMPORT
                         ? "send Content-Type: application/x-ndjson or text/csv"
                         : "send Content-Type: application/json");
    }
    sn_buf_init(&r->body, max_body + 1); /* + the NUL call_route adds */
    return n == 0 ? dispatch(wsi, r) : 0;
}

int bot_http_api_callback(
    struct lws *wsi, int reason, struct bot_api_req **req, void *in, size_t len, int *ret)
{
    struct bot_api_req *r = *req;
    /* The accounts are a second connection to the store's file: it cannot write while the
     * store's batch holds the write lock, and an answer may speak of the batch's writes.
     * So the batch is committed first (bot/batch.h); the API is not the busy path. */
    if (reason == LWS_CALLBACK_HTTP || reason == LWS_CALLBACK_HTTP_BODY_COMPLETION ||
        reason == LWS_CALLBACK_HTTP_WRITEABLE)
        bot_batch_flush(server_of(wsi));
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char uri[256]; /* longer: not an API route, http.c answers 404 */
        int method = method_of(wsi, uri, sizeof uri);
        if (strncmp(uri, "/api/", 5))
            return 0;
        req_free(r);
        *req = r = sn_xcalloc(1, sizeof *r);
        *ret = begin(wsi, r, method, uri);
        return 1;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (!r)
            return 0;
        if (!r->toobig && sn_buf_add(&r->body, in, len))
            r->toobig = 1;
        *ret = 0;
        return 1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!r)
            return 0;
        if (r->resp) /* answered already (413) */
            *ret = 0;
        else
            *ret = dispatch(wsi, r);
        return 1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!r || !r->resp)
            return 0;
        *ret = 0;
        if (lws_write(wsi, r->resp + LWS_PRE, r->resp_len, LWS_WRITE_HTTP_FINAL) !=
                (int)r->resp_len ||
            r->close)
            *ret = -1;
        req_free(r);
        *req = NULL;
        if (!*ret && lws_http_transaction_completed(wsi))
            *ret = -1;
        return 1;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        req_free(r);
        *req = NULL;
        return 0;
    default:
        return 0;
    }
}
