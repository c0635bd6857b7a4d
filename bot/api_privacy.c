/* The admins' privacy routes (bot/api.h, bot_api_privacy_routes): GET /api/privacy/export
 * gives everything stored of one subject, POST /api/privacy/delete purges it (bot/privacy.h,
 * docs/privacy.md). Each names its subject by exactly one of token, visitor, email; each
 * writes an audit row with the admin's login. A subject nothing is stored of is an empty
 * result (200), not an error: the answer to "what do you hold of me" may be "nothing". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/api.h"
#include "bot/auth.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/privacy.h"
#include "bot/server.h"

#define PRIVACY_BODY_MAX 1024

static const char *const subject_keys[] = {"token", "visitor", "email"};

/* A conversation with a visitor connected is not purged under it (its next write would
 * find no row): the server knows, the store does not. */
static int live(void *ctx, const char *conv_id)
{
    struct bot_server *srv = ctx;
    return srv->convs && bot_convs_find(srv->convs, conv_id) != NULL;
}

static struct bot_privacy privacy_of(struct bot_server *srv)
{
    return (struct bot_privacy){srv->store, srv->outbox, srv->cfg->attachments_dir,
                                live,       srv,         srv->attach_pg};
}

/* The subject from name/value pairs (the query, or the body's members): exactly one known
 * name with a valid value. SN_OK with *kind and lookup filled, else SN_EINVAL with why. */
static int subject_of(const char *const *names,
                      const char *const *values,
                      int n,
                      enum store_subject *kind,
                      char lookup[BOT_PRIVACY_VALUE_MAX + 1],
                      struct sn_err *err)
{
    const char *value = NULL;
    int found = 0;
    for (int i = 0; i < n; i++) {
        int known = 0;
        for (size_t k = 0; k < sizeof subject_keys / sizeof subject_keys[0]; k++)
            if (!strcmp(names[i], subject_keys[k])) {
                known = 1;
                found++;
                *kind = (enum store_subject)k;
                value = values[i];
            }
        if (!known)
            return sn_err_set(err, SN_EINVAL, "unknown parameter %.40s", names[i]);
    }
    if (found != 1)
        return sn_err_set(err, SN_EINVAL, "give exactly one of token, visitor, email");
    if (!value)
        return sn_err_set(err, SN_EINVAL, "the subject must be a string");
    return bot_privacy_subject(*kind, value, lookup, BOT_PRIVACY_VALUE_MAX + 1, err);
}

static void privacy_export(struct bot_api_call *c)
{
    struct sn_err e = {0};
    enum store_subject kind = STORE_SUBJECT_TOKEN;
    char lookup[BOT_PRIVACY_VALUE_MAX + 1];
    if (subject_of(c->arg_name, c->arg_value, c->nargs, &kind, lookup, &e)) {
        bot_api_error(c, 400, "bad_argument", "%s", e.msg);
        return;
    }
    struct bot_privacy p = privacy_of(c->srv);
    json_t *doc = bot_privacy_export(&p, kind, lookup, &e);
    if (!doc || bot_privacy_audit_export(
                    &p, c->user->login, kind, lookup,
                    (long long)json_array_size(json_object_get(doc, "conversations")), &e)) {
        json_decref(doc);
        sn_log(SN_LOG_ERR, "privacy", "event=export_failed err=\"%s\"", e.msg);
        bot_api_error(c, e.code == SN_ETOOBIG ? 413 : 500, "internal", "%s", e.msg);
        return;
    }
    sn_log(SN_LOG_NOTICE, "privacy", "event=exported user=%s subject=%s conversations=%zu",
           c->user->login, bot_privacy_kind_name(kind),
           json_array_size(json_object_get(doc, "conversations")));
    bot_api_reply(c, 200, doc);
}

static void privacy_delete(struct bot_api_call *c)
{
    struct sn_err e = {0};
    enum store_subject kind = STORE_SUBJECT_TOKEN;
    char lookup[BOT_PRIVACY_VALUE_MAX + 1];
    const char *names[4], *values[4];
    int n = 0;
    json_error_t je;
    json_t *body = json_loadb(c->body, c->len, JSON_REJECT_DUPLICATES, &je), *v;
    const char *key;
    if (!json_is_object(body)) {
        bot_api_error(c, 400, "bad_json", "the body must be a JSON object");
        goto out;
    }
    if (json_object_size(body) > 3) {
        bot_api_error(c, 400, "bad_argument", "give exactly one of token, visitor, email");
        goto out;
    }
    json_object_foreach(body, key, v)
    {
        names[n] = key;
        values[n++] = json_string_value(v); /* NULL for a non-string: refused below */
    }
    if (subject_of(names, values, n, &kind, lookup, &e)) {
        bot_api_error(c, 400, "bad_argument", "%s", e.msg);
        goto out;
    }
    struct bot_privacy p = privacy_of(c->srv);
    struct bot_privacy_counts k;
    if (bot_privacy_delete(&p, c->user->login, kind, lookup, &k, &e)) {
        sn_log(SN_LOG_ERR, "privacy", "event=delete_failed err=\"%s\"", e.msg);
        bot_api_error(c, e.code == SN_ETOOBIG ? 413 : 500, "internal", "%s", e.msg);
        goto out;
    }
    sn_log(SN_LOG_NOTICE, "privacy",
           "event=deleted user=%s subject=%s conversations=%lld messages=%lld skipped=%lld",
           c->user->login, bot_privacy_kind_name(kind), k.conversations, k.messages, k.skipped);
    bot_api_reply(c, 200, json_pack("{s:o}", "removed", bot_privacy_counts_json(&k)));
out:
    json_decref(body);
}

const struct bot_api_route bot_api_privacy_routes[] = {
    {BOT_API_GET, "/api/privacy/export", BOT_ROLE_ADMIN, BOT_API_BODY_NONE, 0, privacy_export},
    {BOT_API_POST, "/api/privacy/delete", BOT_ROLE_ADMIN, BOT_API_BODY_JSON, PRIVACY_BODY_MAX,
     privacy_delete},
    {0, NULL, 0, 0, 0, NULL},
};
