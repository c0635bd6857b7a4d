/* The support figures (docs/analytics.md) computed from the analytics record (stats_events,
 * bot/store.h): the periods of a query in a time zone (ICU calendar: hour, day, week, month
 * boundaries, DST-safe), one pass over the conversations the store walks
 * (store_stats_each), and the JSON answer of GET /api/stats and `sanad stats --json`.
 *
 * Pure: no store, no clock (now is passed in), no sockets; ICU for the calendar only.
 * A conversation counts, with everything that happened in it, in the period it started.
 * Medians and p90 are nearest-rank: the value at rank ceil(p/100 × n) of the n sorted
 * values (the median of an even count is the lower middle one). */
#ifndef SANAD_BOT_STATS_H
#define SANAD_BOT_STATS_H

#include <stddef.h>

#include "bot/store.h"
#include "kb/base.h"

struct json_t;

enum bot_stats_group { BOT_STATS_HOUR = 0, BOT_STATS_DAY, BOT_STATS_WEEK, BOT_STATS_MONTH };

#define BOT_STATS_DAYS_MAX      732 /* days one query may span */
#define BOT_STATS_HOUR_DAYS_MAX 92  /* days one query by hour may span */
#define BOT_STATS_DEFAULT_DAYS  30  /* from defaults to to - 29 days */
#define BOT_STATS_TZ_MAX        64  /* bytes of an IANA zone name, NUL included */
#define BOT_STATS_TOP_GAPS      10
#define BOT_STATS_AGENTS_MAX    500 /* agents one answer lists, at most */

/* A query as GET /api/stats and `sanad stats` take it. Strings "" for no filter. */
struct bot_stats_query {
    int from_y, from_m, from_d, to_y, to_m, to_d; /* local days in tz; to inclusive */
    int group;                                    /* enum bot_stats_group */
    char tz[BOT_STATS_TZ_MAX];
    char lang[3];
    char channel[16];
    char agent[STORE_LOGIN_MAX];
};

/* "hour", "day", "week", "month" ↔ enum bot_stats_group; parse returns -1 for anything else. */
int bot_stats_group_parse(const char *s);
const char *bot_stats_group_name(int group);

/* Reads the n query arguments name[i]=value[i] into *q: from, to (YYYY-MM-DD, a real
 * Gregorian day), group (default day), tz (an IANA zone ICU knows, default UTC), lang (ar,
 * en), channel (widget), agent (a login: [A-Za-z0-9._-], 1..64). to defaults to today in tz
 * (at now, ms), from to BOT_STATS_DEFAULT_DAYS days before to. An empty value is the
 * default. SN_OK, or SN_EINVAL with the reason in err (naming the argument) for an unknown
 * or repeated argument, a bad value, from after to, more than BOT_STATS_DAYS_MAX days (by
 * hour, BOT_STATS_HOUR_DAYS_MAX). *q is then zeroed. */
int bot_stats_query_parse(const char *const *name,
                          const char *const *value,
                          int n,
                          long long now,
                          struct bot_stats_query *q,
                          struct sn_err *err);

/* The periods of q: bounds[0] is the local midnight that starts q's first day, bounds[n]
 * the one after its last day, and bounds[1..n-1] the boundaries of q's group in between
 * (every local hour; every local midnight; Monday midnights (ISO weeks); the first of each
 * month), so the first and last periods may be partial. *bounds is owned by the caller
 * (free()). SN_OK, SN_EINVAL (err set) when tz is unknown to ICU. */
int bot_stats_bounds(const struct bot_stats_query *q,
                     long long **bounds,
                     int *n,
                     struct sn_err *err);

/* t (ms) as the local "YYYY-MM-DD HH:MM" in zone tz into out (BOT_STATS_LABEL_MAX bytes);
 * "?" when ICU does not know tz. */
#define BOT_STATS_LABEL_MAX 24
void bot_stats_local_label(const char *tz, long long t, char *out);

/* Nearest-rank percentile pct (1..100) of v[0..n) (sorted in place); -1 when n is 0. */
long long bot_stats_rank(long long *v, size_t n, int pct);

/* The figures being computed: new for q's periods (bounds[0..n], taken: freed with it) and
 * the previous span of the same length just before bounds[0]. */
struct bot_stats;
struct bot_stats *bot_stats_new(const struct bot_stats_query *q, long long *bounds, int n);
/* The span to walk: [*from, *to) (the previous span and the query's). */
void bot_stats_span(const struct bot_stats *s, long long *from, long long *to);
/* A store_stats_fn: feeds one walked row (ctx is the struct bot_stats). Rows must come as
 * store_stats_each gives them: each conversation's "conv" row, then its other rows.
 * Returns 0. */
int bot_stats_feed(void *ctx, const struct store_stats_event *ev);

/* One knowledge gap as the answer lists it (borrowed). */
struct bot_stats_gap {
    const char *query;
    long long count;
};
/* An agent's display name for login, borrowed until the next call, or NULL (the login
 * then). */
typedef const char *bot_stats_name_fn(void *ctx, const char *login);

/* The answer (docs/api.md, "Stats"), a new object owned by the caller (json_decref): ends
 * the feed. gaps[0..ngaps) are listed as top_gaps as given. */
struct json_t *bot_stats_json(struct bot_stats *s,
                              const struct bot_stats_gap *gaps,
                              int ngaps,
                              bot_stats_name_fn *name,
                              void *ctx);
void bot_stats_free(struct bot_stats *s);

#endif
