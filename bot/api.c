/* The lws-free half of the API's plumbing (bot/api.h): path patterns, query arguments and
 * the answers handlers fill in. */
#include "bot/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/config.h"
#include "bot/store.h"
#include "bot/store_open.h"
#include "kb/kb.h"

static int id_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

int bot_api_match(const char *pattern, const char *path, char *param, size_t size)
{
    param[0] = 0;
    while (*pattern) {
        if (!strncmp(pattern, "{id}", 4)) {
            size_t n = 0;
            while (path[n] && path[n] != '/') {
                if (!id_char(path[n]))
                    return 0;
                n++;
            }
            if (!n || n >= size)
                return 0;
            memcpy(param, path, n);
            param[n] = 0;
            path += n;
            pattern += 4;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *path == 0;
}

const char *bot_api_arg(const struct bot_api_call *c, const char *name)
{
    for (int i = 0; i < c->nargs; i++)
        if (!strcmp(c->arg_name[i], name))
            return c->arg_value[i];
    return NULL;
}

int bot_api_error(struct bot_api_call *c, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a message cut inside a UTF-8 sequence would make json_pack fail: drop the tail */
    size_t n = strlen(msg);
    while (n && ((unsigned char)msg[n - 1] & 0xC0) == 0x80)
        n--;
    if (n && (unsigned char)msg[n - 1] >= 0xC0)
        n--;
    if (n + 1 < sizeof msg && strlen(msg) == sizeof msg - 1)
        msg[n] = 0;
    json_t *m = json_string(msg);
    bot_api_reply(c, status,
                  json_pack("{s:{s:s, s:o}}", "error", "code", code, "message",
                            m ? m : json_string("(message not UTF-8)")));
    return status;
}

void bot_api_reply(struct bot_api_call *c, int status, json_t *j)
{
    json_decref(c->json);
    c->status = status;
    c->json = j;
}

void bot_api_defer(struct bot_api_call *c,
                   bot_apiworker_fn *fn,
                   void *arg,
                   bot_apiworker_free_fn *arg_free)
{
    if (c->defer_free && c->defer_arg) /* deferred twice: the first one's input goes */
        c->defer_free(c->defer_arg);
    c->defer_fn = fn;
    c->defer_arg = arg;
    c->defer_free = arg_free;
}

struct bot_api_env *bot_api_env_open(const struct bot_config *cfg, struct sn_err *err)
{
    struct bot_api_env *e = sn_xcalloc(1, sizeof *e);
    if (!(e->store = store_open_ro(cfg, err)) ||
        !(e->kb = kb_open(cfg->kb_db, KB_OPEN_READONLY, err)) ||
        !(e->auth = bot_auth_open_cfg(cfg, err))) {
        bot_api_env_free(e);
        return NULL;
    }
    return e;
}

void bot_api_env_free(void *env)
{
    struct bot_api_env *e = env;
    if (!e)
        return;
    bot_auth_close(e->auth);
    kb_close(e->kb);
    store_close(e->store);
    free(e);
}

void bot_api_result(struct bot_api_call *c, struct bot_apiworker_result *out)
{
    out->status = c->status;
    out->body = c->json ? json_dumps(c->json, JSON_COMPACT) : NULL;
    out->len = out->body ? strlen(out->body) : 0;
    json_decref(c->json);
    c->json = NULL;
}
