/* GET /api/stats (admin; docs/api.md, "Stats") and the computation it shares with `sanad
 * stats` (bot/cli_stats.c): the figures of bot/stats.h over the store's analytics record,
 * the knowledge base's gaps and the agents' display names. Read-only. */
#ifndef SANAD_BOT_API_STATS_H
#define SANAD_BOT_API_STATS_H

#include "bot/stats.h"
#include "kb/base.h"

struct store;
struct kb;
struct bot_auth;
struct json_t;

/* The answer for q (bot_stats_json) into *out, a new object owned by the caller
 * (json_decref). kb (NULL: no top_gaps) gives the gaps asked in the span, auth (NULL: the
 * logins) the agents' names. SN_OK; SN_EINVAL (a zone ICU refuses), SN_EDB (err set, *out
 * NULL). */
int bot_api_stats_run(struct store *st,
                      struct kb *kb,
                      struct bot_auth *auth,
                      const struct bot_stats_query *q,
                      struct json_t **out,
                      struct sn_err *err);

#endif
