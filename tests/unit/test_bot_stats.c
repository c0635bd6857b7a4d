/* bot/stats.h as tables: nearest-rank percentiles, the query's parser (hostile arguments
 * refused whole), the periods of each group size in UTC and in zones with and without DST,
 * and the figures of a few fed conversations (one spanning two periods, an empty period). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bot/stats.h"

#define HOUR 3600000LL
#define DAY  (24 * HOUR)
/* 2026-01-05T00:00:00Z, a Monday */
#define JAN5 1767571200000LL
/* 2026-03-29T00:00:00Z: Europe/Berlin goes from +1 to +2 at 01:00Z that day */
#define MAR29 1774742400000LL
/* 2026-10-25T00:00:00Z: Europe/Berlin goes back from +2 to +1 at 01:00Z */
#define OCT25 1792886400000LL

static void ranks(void **st)
{
    (void)st;
    static const struct {
        int n;
        long long v[10];
        long long median, p90;
    } cases[] = {
        {0, {0}, -1, -1},
        {1, {7}, 7, 7},
        {2, {20, 10}, 10, 20},
        {3, {3, 1, 2}, 2, 3},
        {4, {4, 3, 2, 1}, 2, 4},
        {10, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5, 9},
        {5, {5, 5, 5, 5, 100}, 5, 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long long a[10], b[10];
        memcpy(a, cases[i].v, sizeof a);
        memcpy(b, cases[i].v, sizeof b);
        assert_int_equal(bot_stats_rank(a, (size_t)cases[i].n, 50), cases[i].median);
        assert_int_equal(bot_stats_rank(b, (size_t)cases[i].n, 90), cases[i].p90);
    }
}

static int parse(const char *q, struct bot_stats_query *out, struct sn_err *e)
{
    /* "a=1&b=2" into names and values (a test helper: no escapes) */
    static char buf[512];
    const char *names[16], *values[16];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", q);
    for (char *p = buf, *amp; *p && n < 16; p = amp ? amp + 1 : p + strlen(p)) {
        amp = strchr(p, '&');
        if (amp)
            *amp = 0;
        char *eq = strchr(p, '=');
        if (eq)
            *eq = 0;
        names[n] = p, values[n++] = eq ? eq + 1 : "";
    }
    return bot_stats_query_parse(names, values, n, JAN5 + 12 * HOUR, out, e);
}

static void queries(void **st)
{
    (void)st;
    struct bot_stats_query q;
    struct sn_err e = {0};
    /* defaults: today (Jan 5 at noon UTC) and the 29 days before, by day, in UTC */
    assert_int_equal(parse("", &q, &e), SN_OK);
    assert_int_equal(q.to_y * 10000 + q.to_m * 100 + q.to_d, 20260105);
    assert_int_equal(q.from_y * 10000 + q.from_m * 100 + q.from_d, 20251207);
    assert_int_equal(q.group, BOT_STATS_DAY);
    assert_string_equal(q.tz, "UTC");
    assert_int_equal(parse("from=2024-02-29&to=2024-03-01&group=hour&tz=Asia/Riyadh&lang=ar"
                           "&channel=widget&agent=ann.b-1",
                           &q, &e),
                     SN_OK);
    assert_int_equal(q.group, BOT_STATS_HOUR);
    assert_string_equal(q.agent, "ann.b-1");
    assert_string_equal(q.lang, "ar");
    /* an empty value is the default */
    assert_int_equal(parse("from=&to=&group=&tz=&lang=&channel=&agent=", &q, &e), SN_OK);
    static const struct {
        const char *q, *why;
    } bad[] = {
        {"from=2026-02-29", "from"},
        {"from=2026-02-30", "from"},
        {"from=2026-00-10", "from"},
        {"from=1969-12-31", "from"},
        {"from=2026-1-05", "from"},
        {"from=2026-01-05T00", "from"},
        {"from=+026-01-05", "from"},
        {"to=2026/01/05", "to"},
        {"to=2026-01-32", "to"},
        {"from=2026-01-06&to=2026-01-05", "after to"},
        {"from=2024-01-01&to=2026-01-05", "at most"},
        {"from=2025-10-01&to=2026-01-05&group=hour", "at most"},
        {"group=year", "group"},
        {"group=Day", "group"},
        {"tz=Mars/Olympus", "tz"},
        {"tz=utc ", "tz"},
        {"tz=../etc/passwd", "tz"},
        {"tz=Asia/Riyadh;DROP", "tz"},
        {"lang=fr", "lang"},
        {"lang=AR", "lang"},
        {"channel=email", "channel"},
        {"agent=a b", "agent"},
        {"agent='--", "agent"},
        {"agent=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "agent"},
        {"from=2026-01-01&from=2026-01-02", "twice"},
        {"limit=5", "unknown"},
        {"=x", "unknown"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(parse(bad[i].q, &q, &e), SN_EINVAL);
        if (!strstr(e.msg, bad[i].why))
            fail_msg("%s: %s", bad[i].q, e.msg);
        assert_int_equal(q.group, 0); /* zeroed */
        assert_string_equal(q.tz, "");
    }
}

static void bounds_of(const char *query, long long first, long long last, int n)
{
    struct bot_stats_query q;
    struct sn_err e = {0};
    long long *b = NULL;
    int nb = 0;
    if (parse(query, &q, &e) != SN_OK)
        fail_msg("%s: %s", query, e.msg);
    assert_int_equal(bot_stats_bounds(&q, &b, &nb, &e), SN_OK);
    if (nb != n || b[0] != first || b[nb] != last)
        fail_msg("%s: %d periods [%lld, %lld), want %d [%lld, %lld)", query, nb, b[0], b[nb], n,
                 first, last);
    for (int i = 0; i < nb; i++)
        assert_true(b[i] < b[i + 1]);
    free(b);
}

static void periods(void **st)
{
    (void)st;
    /* by day in UTC: one period per day, to inclusive */
    bounds_of("from=2026-01-05&to=2026-01-07", JAN5, JAN5 + 3 * DAY, 3);
    /* by week: cut at Monday, a partial first week from a Thursday */
    bounds_of("from=2026-01-01&to=2026-01-18&group=week", JAN5 - 4 * DAY, JAN5 + 14 * DAY, 3);
    /* by month: Dec 15..31, January */
    bounds_of("from=2025-12-15&to=2026-01-31&group=month", JAN5 - 21 * DAY, JAN5 + 27 * DAY, 2);
    /* by hour: 24 a day in UTC */
    bounds_of("from=2026-01-05&to=2026-01-05&group=hour", JAN5, JAN5 + DAY, 24);
    /* Asia/Riyadh (+3, no DST): local midnights at 21:00Z */
    bounds_of("from=2026-01-05&to=2026-01-06&tz=Asia/Riyadh", JAN5 - 3 * HOUR,
              JAN5 + 2 * DAY - 3 * HOUR, 2);
    /* Europe/Berlin, the spring change: a 23-hour day, 23 hourly periods */
    bounds_of("from=2026-03-29&to=2026-03-29&tz=Europe/Berlin&group=hour", MAR29 - HOUR,
              MAR29 + 22 * HOUR, 23);
    bounds_of("from=2026-03-29&to=2026-03-30&tz=Europe/Berlin", MAR29 - HOUR,
              MAR29 + DAY + 22 * HOUR, 2);
    /* the autumn change: a 25-hour day */
    bounds_of("from=2026-10-25&to=2026-10-25&tz=Europe/Berlin&group=hour", OCT25 - 2 * HOUR,
              OCT25 + 23 * HOUR, 25);
    /* Asia/Kolkata (+5:30): hours are local hours, on the half hour in UTC */
    bounds_of("from=2026-01-05&to=2026-01-05&tz=Asia/Kolkata&group=hour",
              JAN5 - 5 * HOUR - 30 * 60000, JAN5 + DAY - 5 * HOUR - 30 * 60000, 24);
}

static void labels(void **st)
{
    (void)st;
    char b[BOT_STATS_LABEL_MAX];
    bot_stats_local_label("Asia/Riyadh", JAN5, b);
    assert_string_equal(b, "2026-01-05 03:00");
    bot_stats_local_label("Europe/Berlin", MAR29 + 2 * HOUR, b); /* after the change: +2 */
    assert_string_equal(b, "2026-03-29 04:00");
    bot_stats_local_label("UTC", 0, b);
    assert_string_equal(b, "1970-01-01 00:00");
    bot_stats_local_label("Nowhere/Else", JAN5, b);
    assert_string_equal(b, "?");
}

static void feed(struct bot_stats *s,
                 long long ts,
                 const char *kind,
                 const char *conv,
                 const char *agent,
                 const char *sub,
                 long long v,
                 long long v2)
{
    struct store_stats_event ev = {.ts = ts,
                                   .kind = kind,
                                   .conv = conv,
                                   .lang = "en",
                                   .channel = "widget",
                                   .agent = agent,
                                   .sub = sub,
                                   .value = v,
                                   .value2 = v2};
    assert_int_equal(bot_stats_feed(s, &ev), 0);
}

static json_t *period(json_t *j, int i)
{
    return json_array_get(json_object_get(j, "periods"), (size_t)i);
}

static void figures(void **st)
{
    (void)st;
    struct bot_stats_query q;
    struct sn_err e = {0};
    long long *b = NULL;
    int n = 0;
    assert_int_equal(parse("from=2026-01-05&to=2026-01-07", &q, &e), SN_OK);
    assert_int_equal(bot_stats_bounds(&q, &b, &n, &e), SN_OK);
    struct bot_stats *s = bot_stats_new(&q, b, n);
    long long from, to;
    bot_stats_span(s, &from, &to);
    assert_int_equal(from, JAN5 - 3 * DAY);
    assert_int_equal(to, JAN5 + 3 * DAY);
    /* a: Jan 5 at 23:00, handed off, its agent's answer and the solve on Jan 6 */
    feed(s, JAN5 + 23 * HOUR, "conv", "a", NULL, NULL, -1, -1);
    feed(s, JAN5 + 23 * HOUR, "turn", "a", NULL, "answer", -1, -1);
    feed(s, JAN5 + 23 * HOUR, "feedback", "a", NULL, NULL, 0, -1);
    feed(s, JAN5 + 25 * HOUR, "handoff", "a", NULL, "asked", -1, -1);
    feed(s, JAN5 + 25 * HOUR, "assigned", "a", "ann", NULL, 1000, -1);
    feed(s, JAN5 + 25 * HOUR, "first_response", "a", "ann", NULL, 2000, -1);
    feed(s, JAN5 + 26 * HOUR, "solved", "a", "ann", "solved", 3000, 4000);
    feed(s, JAN5 + 26 * HOUR, "csat", "a", "ann", NULL, 2, -1);
    feed(s, JAN5 + 26 * HOUR, "csat", "a", "ann", NULL, 4, -1); /* replaces the first */
    feed(s, JAN5 + 26 * HOUR, "csat", "a", "ann", NULL, 9, -1); /* not a rating: ignored */
    /* b: Jan 5, contained, an answer rated helpful twice (counted once) */
    feed(s, JAN5 + HOUR, "conv", "b", NULL, NULL, -1, -1);
    feed(s, JAN5 + HOUR, "turn", "b", NULL, "answer", -1, -1);
    feed(s, JAN5 + HOUR, "feedback", "b", NULL, NULL, 1, -1);
    feed(s, JAN5 + HOUR, "feedback", "b", NULL, NULL, 1, -1);
    /* c: the day before from: the previous span */
    feed(s, JAN5 - HOUR, "conv", "c", NULL, NULL, -1, -1);
    /* a row before any conv row, an unknown kind: ignored */
    feed(s, JAN5, "mystery", "d", NULL, NULL, 1, 1);
    json_t *j = bot_stats_json(s, NULL, 0, NULL, NULL);
    json_t *p0 = period(j, 0), *p1 = period(j, 1);
    assert_int_equal(json_integer_value(json_object_get(p0, "conversations")), 2);
    assert_int_equal(json_integer_value(json_object_get(p0, "contained")), 1);
    assert_true(json_real_value(json_object_get(p0, "helpful_rate")) == 0.5);
    json_t *fr = json_object_get(p0, "first_response_ms");
    assert_int_equal(json_integer_value(json_object_get(fr, "median")), 2000);
    json_t *cs = json_object_get(p0, "csat");
    assert_true(json_real_value(json_object_get(cs, "avg")) == 4.0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cs, "dist"), "4")), 1);
    /* Jan 6: a's rows are not there (it started on Jan 5); no data: nulls */
    assert_int_equal(json_integer_value(json_object_get(p1, "conversations")), 0);
    assert_true(json_is_null(json_object_get(p1, "containment_rate")));
    assert_true(json_is_null(json_object_get(json_object_get(p1, "resolution_ms"), "median")));
    json_t *prev = json_object_get(j, "previous");
    assert_int_equal(json_integer_value(json_object_get(prev, "conversations")), 1);
    json_t *ag = json_array_get(json_object_get(j, "agents"), 0);
    assert_string_equal(json_string_value(json_object_get(ag, "name")), "ann");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ag, "handling_ms"), "p90")),
                     4000);
    json_decref(j);
    bot_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks),  cmocka_unit_test(queries), cmocka_unit_test(periods),
        cmocka_unit_test(labels), cmocka_unit_test(figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
