/* The signed-in user's own routes (bot/api.h, bot_api_me_routes): PATCH /api/me changes the
 * display name, which visitors see in "joined" and in agent replies. Any role may change its
 * own name; the Origin and body-type rules are the API's (bot/http_api.c). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bot/api.h"
#include "bot/auth.h"
#include "bot/queue.h"
#include "bot/server.h"

/* The code point at s (valid UTF-8, checked before), its length in *n. */
static unsigned cp_at(const unsigned char *s, size_t *n)
{
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *n = 2;
        return (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (s[0] < 0xF0) {
        *n = 3;
        return (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *n = 4;
    return (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3F) << 12 |
           (unsigned)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* White space trimmed at the ends: ASCII, no-break space, ideographic space. */
static int is_space(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0 || c == 0x3000;
}

/* Characters a display name may not hold: controls, and the ones that would reorder or break
 * the text a name is shown in (bidi embeddings, overrides, isolates, line separators). */
static int is_refused(unsigned c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

int bot_api_me_name(const char *in, char *out, size_t size, struct sn_err *err)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t len = strlen(in), start = 0, end = len, n, cps = 0;
    out[0] = 0;
    if (!sn_utf8_valid(in, len, NULL))
        return sn_err_set(err, SN_EINVAL, "name is not valid UTF-8");
    while (start < end && is_space(cp_at(s + start, &n)))
        start += n;
    /* from the end: step back over continuation bytes to the start of each code point */
    while (end > start) {
        size_t b = end - 1;
        while (b > start && (s[b] & 0xC0) == 0x80)
            b--;
        if (!is_space(cp_at(s + b, &n)))
            break;
        end = b;
    }
    if (start == end)
        return sn_err_set(err, SN_EINVAL, "name is empty");
    for (size_t i = start; i < end; i += n, cps++)
        if (is_refused(cp_at(s + i, &n)))
            return sn_err_set(err, SN_EINVAL, "name holds a control character");
    if (cps > BOT_API_ME_NAME_MAX)
        return sn_err_set(err, SN_EINVAL, "name is longer than %d characters", BOT_API_ME_NAME_MAX);
    if (end - start >= size)
        return sn_err_set(err, SN_EINVAL, "name is too long");
    memcpy(out, s + start, end - start);
    out[end - start] = 0;
    return SN_OK;
}

/* PATCH /api/me {"name"}: the new display name, stored, then given to the user's open agent
 * socket at once (bot_queue_revalidate reads the accounts again). Answers the user as
 * GET /api/me does. */
static void me_patch(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_error_t je;
    char name[BOT_API_ME_NAME_MAX * 4 + 1];
    const char *key;
    json_t *v, *j = json_loadb(c->body ? c->body : "", c->len, JSON_REJECT_DUPLICATES, &je);
    long long now = bot_server_now_ms();
    int rc;
    if (!json_is_object(j)) {
        bot_api_error(c, 400, "bad_json", "the body must be a JSON object: %s",
                      j ? "not an object" : je.text);
        goto out;
    }
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "name")) {
            bot_api_error(c, 400, "invalid", "unknown field %.40s", key);
            goto out;
        }
    }
    v = json_object_get(j, "name");
    if (!json_is_string(v)) {
        bot_api_error(c, 400, "invalid", "name must be a string");
        goto out;
    }
    if (bot_api_me_name(json_string_value(v), name, sizeof name, &e)) {
        bot_api_error(c, 400, "invalid", "%s", e.msg);
        goto out;
    }
    rc = bot_auth_user_rename(c->srv->auth, c->user->login, name, now, &e);
    if (rc == SN_ENOTFOUND) {
        bot_api_error(c, 401, "unauthorized", "log in first");
        goto out;
    }
    if (rc) {
        sn_log(SN_LOG_ERR, "api", "event=rename_error err=\"%s\"", e.msg);
        bot_api_error(c, 500, "internal", "the name could not be saved");
        goto out;
    }
    sn_log(SN_LOG_NOTICE, "api", "event=renamed user=%s", c->user->login);
    if (c->srv->queue)
        bot_queue_revalidate(c->srv->queue, now);
    bot_api_reply(c, 200,
                  json_pack("{s:s, s:s, s:s}", "login", c->user->login, "name", name, "role",
                            bot_auth_role_name(c->user->role)));
out:
    json_decref(j);
}

const struct bot_api_route bot_api_me_routes[] = {
    {BOT_API_PATCH, "/api/me", 0, BOT_API_BODY_JSON, 4096, me_patch},
    {0, NULL, 0, 0, 0, NULL},
};
