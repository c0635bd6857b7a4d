/* GET /api/stats (see bot/api_stats.h; routes in bot/api.h). */
#include "bot/api_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/api.h"
#include "bot/auth.h"
#include "bot/server.h"
#include "bot/store.h"
#include "kb/gap.h"

#define GAPS_SCAN 2000 /* gaps looked at (most asked first) for the span's top ones */

/* The agents' names through auth, one lookup per agent listed. */
struct names {
    struct bot_auth *auth;
    struct bot_user u;
};

static const char *agent_name(void *ctx, const char *login)
{
    struct names *n = ctx;
    if (!n->auth || bot_auth_user_get(n->auth, login, &n->u, NULL) != SN_OK)
        return NULL;
    return n->u.name;
}

int bot_api_stats_run(struct store *st,
                      struct kb *kb,
                      struct bot_auth *auth,
                      const struct bot_stats_query *q,
                      json_t **out,
                      struct sn_err *err)
{
    long long *bounds = NULL, from, to;
    int n = 0, ngaps = 0, nall = 0;
    struct kb_gap *all = NULL;
    struct bot_stats_gap gaps[BOT_STATS_TOP_GAPS];
    struct names names = {.auth = auth};
    struct bot_stats *s = NULL;
    *out = NULL;
    int rc = bot_stats_bounds(q, &bounds, &n, err);
    if (rc)
        goto out;
    s = bot_stats_new(q, bounds, n); /* takes bounds */
    bot_stats_span(s, &from, &to);   /* the previous span and the query's, in one walk */
    if ((rc = store_stats_each(st, from, to, bot_stats_feed, s, err)))
        goto out;
    /* the gaps asked in the query's span (kb/gap.h: times in seconds), most asked first */
    if (kb &&
        kb_gap_list(kb, q->lang[0] ? q->lang : NULL, GAPS_SCAN, 1, &all, &nall, NULL) == SN_OK) {
        long long lo = bounds[0] / 1000, hi = bounds[n] / 1000;
        for (int i = 0; i < nall && ngaps < BOT_STATS_TOP_GAPS; i++)
            if (all[i].last >= lo && all[i].first < hi)
                gaps[ngaps].query = all[i].sample, gaps[ngaps++].count = all[i].count;
    }
    *out = bot_stats_json(s, gaps, ngaps, agent_name, &names);
out:
    kb_gaps_free(all, nall);
    bot_stats_free(s);
    return rc;
}

/* 400 in the API's one error shape: {"error": {"code": "bad_argument", "message"}}. */
static void bad_argument(struct bot_api_call *c, const char *msg)
{
    bot_api_error(c, 400, "bad_argument", "%s", msg);
}

/* The figures for one query, on the API worker's thread over its own read-only connections
 * (bot_api_env): the loop serves the visitors meanwhile. arg is the parsed query. */
static void stats_work(void *env, void *arg, struct bot_apiworker_result *out)
{
    struct bot_api_env *en = env;
    struct bot_api_call c = {0}; /* the answer only: no server on this thread */
    struct sn_err e = {0};
    json_t *j = NULL;
    int rc = bot_api_stats_run(en->store, en->kb, en->auth, arg, &j, &e);
    if (rc == SN_EINVAL) {
        bad_argument(&c, e.msg);
    } else if (rc) {
        sn_log(SN_LOG_ERR, "api", "event=stats_failed err=\"%s\"", e.msg);
        bot_api_error(&c, 500, "internal", "the figures could not be read");
    } else {
        bot_api_reply(&c, 200, j);
    }
    bot_api_result(&c, out);
}

/* The query is read on the loop (bad arguments are answered at once), the figures computed
 * on the worker (stats_work). */
static void stats_get(struct bot_api_call *c)
{
    struct sn_err e = {0};
    struct bot_stats_query *q = sn_xcalloc(1, sizeof *q);
    if (bot_stats_query_parse(c->arg_name, c->arg_value, c->nargs, bot_server_now_ms(), q, &e)) {
        free(q);
        bad_argument(c, e.msg);
        return;
    }
    bot_api_defer(c, stats_work, q, free);
}

const struct bot_api_route bot_api_stats_routes[] = {
    {BOT_API_GET, "/api/stats", BOT_ROLE_ADMIN, BOT_API_BODY_NONE, 0, stats_get},
    {0, NULL, 0, 0, 0, NULL},
};
