/* The routes of the JSON API under /api/ as data, and what a route's handler sees and
 * answers, without lws: bot/http_api.c parses the request (method, path, query, cookie,
 * body), checks the role and the body's size and type from the route's row, then calls
 * the handler with a struct bot_api_call and writes what it filled in. Handlers are plain
 * functions over the server's knowledge base; the operations themselves are kb/'s, shared
 * with the CLI. Internal to bot/. docs/api.md is the reference. */
#ifndef SANAD_BOT_API_H
#define SANAD_BOT_API_H

#include <stddef.h>

#include "bot/apiworker.h"
#include "bot/auth.h"

struct bot_server;
struct bot_config;
struct store;
struct kb;
struct json_t;

enum bot_api_method {
    BOT_API_GET = 1,
    BOT_API_POST = 2,
    BOT_API_PUT = 4,
    BOT_API_DELETE = 8,
    BOT_API_PATCH = 16
};

/* What a route's body may be (Content-Type, checked before the body is read: 415). */
enum bot_api_body {
    BOT_API_BODY_NONE = 0, /* no body (GET, DELETE) */
    BOT_API_BODY_JSON,     /* application/json */
    BOT_API_BODY_IMPORT,   /* application/json, application/x-ndjson, application/jsonl or
                            * text/csv: a file of entries */
};

#define BOT_API_MAX_ARGS  16
#define BOT_API_MAX_PARAM 80 /* bytes of the {id} of a path */

struct bot_api_call {
    struct bot_server *srv;
    const struct bot_user *user; /* who asked (its role was checked against the route's) */
    const char *param;           /* the path's {id}, or "" */
    const char *arg_name[BOT_API_MAX_ARGS], *arg_value[BOT_API_MAX_ARGS]; /* decoded query */
    int nargs;
    const char *body; /* the request body (NUL-terminated), len bytes */
    size_t len;
    const char *ctype; /* its Content-Type, lower case, parameters cut */
    /* The answer, filled by the handler: a JSON body (owned; given to the writer), or a raw
     * one (owned, malloc'd) with its type and an optional Content-Disposition. */
    int status;
    struct json_t *json;
    char *raw;
    size_t raw_len;
    const char *raw_type, *disposition;
    /* Or, set by bot_api_defer, no answer yet: the server's API worker (bot/apiworker.h)
     * computes it off the loop with defer_fn(env, defer_arg) and the request waits. */
    bot_apiworker_fn *defer_fn;
    void *defer_arg;
    bot_apiworker_free_fn *defer_free;
};

/* The decoded value of query argument name, or NULL when absent. */
const char *bot_api_arg(const struct bot_api_call *c, const char *name);
/* Sets the answer to {"error": {"code": code, "message": …}} with status; returns status. */
int bot_api_error(struct bot_api_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets the answer to j (taken) with status. */
void bot_api_reply(struct bot_api_call *c, int status, struct json_t *j);

/* The answer is fn(env, arg) run on the server's API worker (bot/apiworker.h, its env a
 * struct bot_api_env): arg is taken (arg_free(arg) once run or refused). When
 * BOT_API_WAITING_MAX requests wait already, the request is answered 503 with Retry-After
 * BOT_API_BUSY_RETRY_S ({"error": {"code": "busy"}}). */
void bot_api_defer(struct bot_api_call *c,
                   bot_apiworker_fn *fn,
                   void *arg,
                   bot_apiworker_free_fn *arg_free);
#define BOT_API_WAITING_MAX   8   /* requests waiting for the API worker behind the running one */
#define BOT_API_BUSY_RETRY_S  2   /* seconds of a busy 503's Retry-After */
#define BOT_API_JOB_TIMEOUT_S 120 /* seconds a deferred request may wait for its answer */

/* What a deferred route's work reads, on the worker's thread: its own connections to the
 * server's files, opened at the start of `sanad serve` (after the store's migration). The
 * store is opened read-only (store_sqlite_open_ro), the base read-only (KB_OPEN_READONLY);
 * the accounts through bot_auth_open_cfg (its own connection, as the login worker's; the jobs only
 * read through it). */
struct bot_api_env {
    struct store *store;
    struct kb *kb;
    struct bot_auth *auth;
};
/* Opens them (the store cfg names, read-only: store_open_ro; cfg->kb_db; the accounts
 * bot_auth_open_cfg); returns the env owned by the caller (bot_api_env_free), or NULL with
 * err. */
struct bot_config;
struct bot_api_env *bot_api_env_open(const struct bot_config *cfg, struct sn_err *err);
/* A bot_apiworker_free_fn; NULL is fine. */
void bot_api_env_free(void *env);
/* A job's answer: c's (status, json, taken) as the JSON text out holds (compact, as the loop
 * writes an answer). c's json NULL gives out a NULL body (500). */
void bot_api_result(struct bot_api_call *c, struct bot_apiworker_result *out);

typedef void bot_api_handler(struct bot_api_call *c);

struct bot_api_route {
    int method;       /* one enum bot_api_method */
    const char *path; /* "/api/entries/{id}/publish": {id} matches one path segment */
    int role;         /* the role needed (bot_auth_role_allows; 0: any logged-in user) */
    int body;         /* enum bot_api_body */
    size_t max_body;  /* bytes; larger gets 413 before it is read */
    bot_api_handler *fn;
};

/* The knowledge-base routes (bot/api_kb.c), ended by a row whose path is NULL. */
extern const struct bot_api_route bot_api_kb_routes[];

/* The signed-in user's own routes (bot/api_me.c: PATCH /api/me), ended likewise. They change
 * the accounts, not the base: no refit follows them. */
extern const struct bot_api_route bot_api_me_routes[];

/* The agents' case routes (bot/api_cases.c: GET /api/cases, GET /api/cases/{ref}), ended
 * likewise. Read-only; agents and admins. */
extern const struct bot_api_route bot_api_cases_routes[];

/* The admins' privacy routes (bot/api_privacy.c: GET /api/privacy/export, POST
 * /api/privacy/delete), ended likewise (docs/privacy.md). */
extern const struct bot_api_route bot_api_privacy_routes[];
/* The admins' figures (bot/api_stats.c: GET /api/stats), ended likewise. Read-only. */
extern const struct bot_api_route bot_api_stats_routes[];

#define BOT_API_ME_NAME_MAX 64 /* characters of a display name set through PATCH /api/me */

/* The display name `in` as PATCH /api/me takes it: trimmed of white space at both ends, then
 * 1..BOT_API_ME_NAME_MAX characters of valid UTF-8 with no control character (C0, DEL, C1),
 * no bidirectional override or isolate and no line or paragraph separator (a name is shown to
 * visitors inside other text). Copies it into out (size bytes, at least
 * BOT_API_ME_NAME_MAX * 4 + 1) and returns SN_OK, or SN_EINVAL with the reason in err and out
 * "". Pure. */
int bot_api_me_name(const char *in, char *out, size_t size, struct sn_err *err);

/* Matches path against pattern: 1 when it matches, with the {id} segment copied into param
 * (size bytes; "" when the pattern has none). A segment longer than param, empty, or with
 * a character other than [A-Za-z0-9._-] does not match {id}. Pure. */
int bot_api_match(const char *pattern, const char *path, char *param, size_t size);

#endif
