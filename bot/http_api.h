/* The JSON HTTP API under /api/: POST /api/login, POST /api/logout, GET /api/me, and the
 * server-side role check every authenticated request goes through. Called from the "http"
 * protocol callback (bot/http.c). Internal to bot/. */
#ifndef SANAD_BOT_HTTP_API_H
#define SANAD_BOT_HTTP_API_H

#include <stddef.h>

#define BOT_API_MAX_BODY 4096 /* bytes of a request body; larger gets 413 */

struct lws;
struct bot_user;
struct bot_api_req;
struct sn_err;

/* The session cookie's name. */
#define BOT_API_COOKIE "sanad_session"

/* Checks the request's session cookie and the role: 0 when a live session of an enabled
 * user whose role allows `role` (bot_auth_role_allows; 0: any role) made it, with the user
 * in *out and the session token in token (each may be NULL; token has BOT_AUTH_TOKEN_HEX
 * bytes); else the HTTP status to answer: 401 no valid session, 403 wrong role, 500 store
 * failure. */
int bot_auth_require(struct lws *wsi, int role, struct bot_user *out, char *token);

/* Why a login body was refused (err->detail of bot_http_api_parse_login): the answer's
 * "error" code is bad_json, missing_fields, wrong_type. */
enum bot_api_login_err {
    BOT_API_LOGIN_BAD_JSON = 1,
    BOT_API_LOGIN_MISSING_FIELDS,
    BOT_API_LOGIN_WRONG_TYPE
};

/* The JSON body of POST /api/login, body[0..len) (body may be NULL when len is 0): a JSON
 * object (duplicate keys refused) with string members "login" and "password"; other members
 * are ignored. Copies them NUL-terminated into login (login_size bytes) and password
 * (password_size bytes; both at least 1), each cut at its size: a buffer of a cap plus 2 bytes
 * (BOT_AUTH_LOGIN_MAX + 2, BOT_AUTH_PW_MAX + 2) shows one that is too long by its length.
 * Nothing else is checked here (the caller counts a bad login or password as a failed
 * login). SN_OK, or SN_EINVAL with err->detail an enum bot_api_login_err, err->msg the
 * answer's message, and login and password "". jansson's copy of the password is wiped
 * before it is freed; the caller wipes password. Pure: no I/O, no server. */
int bot_http_api_parse_login(const char *body,
                             size_t len,
                             char *login,
                             size_t login_size,
                             char *password,
                             size_t password_size,
                             struct sn_err *err);

/* Answers the logins whose passwords the worker (srv->hasher) has checked; called on the
 * loop when the worker wakes it (LWS_CALLBACK_EVENT_WAIT_CANCELLED). */
struct bot_server;
void bot_http_api_logins_done(struct bot_server *srv);
/* Answers the requests whose answers the API worker (srv->apiworker, bot/apiworker.h) has
 * computed; called likewise. */
void bot_http_api_jobs_done(struct bot_server *srv);

/* Offers one lws "http" callback to the API. Returns 1 when the API handled it, with the
 * callback's return value in *ret; 0 when it is not an API request (the caller carries on).
 * *req is the per-request state in the caller's pss (NULL at first; owned by the API,
 * freed here when the request ends or the connection drops). */
int bot_http_api_callback(
    struct lws *wsi, int reason, struct bot_api_req **req, void *in, size_t len, int *ret);

#endif
