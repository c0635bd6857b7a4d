/* bot/sla.h and bot/dept.h as tables: durations, priority rules, SLA targets and their
 * lookup and clock, the department maps; hostile config text refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bot/dept.h"
#include "bot/sla.h"

static void durations(void **st)
{
    (void)st;
    static const struct {
        const char *s;
        long want;
    } cases[] = {
        {"90", 90},    {"90s", 90},    {"15m", 900},
        {"4h", 14400}, {"2d", 172800}, {"365d", 31536000},
        {"366d", -1},  {"0", -1},      {"0m", -1},
        {"-5m", -1},   {"+5m", -1},    {"5 m", -1},
        {"5mm", -1},   {"1.5h", -1},   {"h", -1},
        {"", -1},      {"5M", -1},     {"99999999999999", -1},
        {"5w", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(bot_duration_parse(cases[i].s), cases[i].want);
    assert_int_equal(bot_duration_parse(NULL), -1);
}

static void priorities(void **st)
{
    (void)st;
    for (int p = 0; p < BOT_PRIO_N; p++)
        assert_int_equal(bot_priority_parse(bot_priority_name(p)), p);
    assert_int_equal(bot_priority_parse("URGENT"), -1);
    assert_int_equal(bot_priority_parse(""), -1);
    assert_string_equal(bot_priority_name(9), "?");
}

static void prio_rules(void **st)
{
    (void)st;
    struct bot_prio_rules r;
    struct sn_err e = {0};
    assert_int_equal(
        bot_prio_rules_parse("category:billing=high, repeat=high, breach=raise", &r, &e), SN_OK);
    assert_int_equal(r.n, 3);
    static const struct {
        const char *category;
        int repeat, breached, want;
    } cases[] = {
        {NULL, 0, 0, BOT_PRIO_NORMAL},      {"orders", 0, 0, BOT_PRIO_NORMAL},
        {"billing", 0, 0, BOT_PRIO_HIGH},   {NULL, 1, 0, BOT_PRIO_HIGH},
        {NULL, 0, 1, BOT_PRIO_HIGH},        /* raised from normal */
        {"billing", 0, 1, BOT_PRIO_URGENT}, /* high, then raised */
        {"billing", 1, 1, BOT_PRIO_URGENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_prio_facts f = {cases[i].category, cases[i].repeat, cases[i].breached};
        assert_int_equal(bot_prio_decide(&r, &f), cases[i].want);
    }
    /* a rule never lowers: low after high leaves high */
    assert_int_equal(bot_prio_rules_parse("repeat=high, repeat=low", &r, &e), SN_OK);
    struct bot_prio_facts rep = {NULL, 1, 0};
    assert_int_equal(bot_prio_decide(&r, &rep), BOT_PRIO_HIGH);
    /* raise stops at urgent */
    assert_int_equal(bot_prio_rules_parse("repeat=urgent, breach=raise", &r, &e), SN_OK);
    struct bot_prio_facts both = {NULL, 1, 1};
    assert_int_equal(bot_prio_decide(&r, &both), BOT_PRIO_URGENT);
    assert_int_equal(bot_prio_rules_parse("none", &r, &e), SN_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(bot_prio_decide(NULL, &both), BOT_PRIO_NORMAL);
    static const char *const bad[] = {
        "category:=high",
        "category:Billing=high",
        "category:bill ing=high",
        "repeat",
        "repeat=",
        "repeat=top",
        "vip=high",
        "breach=raise=1",
        "category:../x=high",
        "repeat=high,,breach=lower",
        "repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,"
        "repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,repeat=high,"
        "repeat=high,repeat=high,repeat=high",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(bot_prio_rules_parse(bad[i], &r, &e), SN_EINVAL);
        assert_int_equal(r.n, 0); /* refused whole */
        assert_non_null(strstr(e.msg, "priority_rules"));
    }
}

/* A missed target: the breach rules applied to the case's current priority. */
static void prio_breach(void **st)
{
    (void)st;
    static const struct {
        const char *rules;
        int current, want;
    } cases[] = {
        {"breach=raise", BOT_PRIO_NORMAL, BOT_PRIO_HIGH},
        {"breach=raise", BOT_PRIO_HIGH, BOT_PRIO_URGENT}, /* from where it is, not from normal */
        {"breach=raise", BOT_PRIO_URGENT, BOT_PRIO_URGENT},
        {"breach=raise", BOT_PRIO_LOW, BOT_PRIO_NORMAL},
        {"breach=high", BOT_PRIO_NORMAL, BOT_PRIO_HIGH},
        {"breach=high", BOT_PRIO_URGENT, BOT_PRIO_URGENT}, /* never lowered */
        {"breach=high, breach=raise", BOT_PRIO_LOW, BOT_PRIO_URGENT},
        {"category:billing=urgent, repeat=urgent", BOT_PRIO_NORMAL, BOT_PRIO_NORMAL},
        {"none", BOT_PRIO_HIGH, BOT_PRIO_HIGH},
        {"breach=raise", -7, BOT_PRIO_NORMAL}, /* out of range: clamped first */
        {"breach=raise", 99, BOT_PRIO_URGENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_prio_rules r;
        struct sn_err e = {0};
        assert_int_equal(bot_prio_rules_parse(cases[i].rules, &r, &e), SN_OK);
        if (bot_prio_breach(&r, cases[i].current) != cases[i].want)
            fail_msg("%s from %d: want %d, got %d", cases[i].rules, cases[i].current, cases[i].want,
                     bot_prio_breach(&r, cases[i].current));
    }
    assert_int_equal(bot_prio_breach(NULL, BOT_PRIO_HIGH), BOT_PRIO_HIGH);
}

static void sla_targets(void **st)
{
    (void)st;
    struct bot_sla s;
    struct sn_err e = {0};
    assert_int_equal(bot_sla_parse("billing/high first=5m resolve=4h; billing/* resolve=1d;"
                                   " */urgent first=2m; */* first=30m resolve=2d",
                                   &s, &e),
                     SN_OK);
    assert_int_equal(s.n, 4);
    static const struct {
        const char *dept;
        int prio;
        long first, resolve;
    } find[] = {
        {"billing", BOT_PRIO_HIGH, 300, 14400},  /* both named */
        {"billing", BOT_PRIO_LOW, 0, 86400},     /* the department, any priority */
        {"billing", BOT_PRIO_URGENT, 0, 86400},  /* the department before the priority */
        {"tech", BOT_PRIO_URGENT, 120, 0},       /* any department, the priority */
        {"tech", BOT_PRIO_NORMAL, 1800, 172800}, /* both any */
        {NULL, BOT_PRIO_NORMAL, 1800, 172800},
    };
    for (size_t i = 0; i < sizeof find / sizeof find[0]; i++) {
        const struct bot_sla_rule *r = bot_sla_find(&s, find[i].dept, find[i].prio);
        assert_non_null(r);
        assert_int_equal(r->first_s, find[i].first);
        assert_int_equal(r->resolve_s, find[i].resolve);
    }
    assert_int_equal(bot_sla_parse("billing/high first=5m", &s, &e), SN_OK);
    assert_null(bot_sla_find(&s, "tech", BOT_PRIO_HIGH));
    assert_null(bot_sla_find(&s, "billing", BOT_PRIO_LOW));
    static const char *const bad[] = {
        "billing first=5m",
        "billing/top first=5m",
        "Billing/high first=5m",
        "billing/high",
        "billing/high first=0m",
        "billing/high first=5m first=6m",
        "billing/high soon=5m",
        "billing/high first=5", /* fine: seconds; see below */
        "billing/high first=5m; billing/high resolve=1h",
        "a/b/c first=5m",
        "billing/high first=-5m",
        "../x/high first=5m",
        "billing/high first=5m resolve=1y",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = bot_sla_parse(bad[i], &s, &e);
        if (!strcmp(bad[i], "billing/high first=5")) { /* a bare number is seconds */
            assert_int_equal(rc, SN_OK);
            assert_int_equal(s.v[0].first_s, 5);
            continue;
        }
        assert_int_equal(rc, SN_EINVAL);
        assert_int_equal(s.n, 0);
        assert_non_null(strstr(e.msg, "sla"));
    }
}

/* Which missed targets are new (the queue's one-second check): each is due once. */
static void sla_due(void **st)
{
    (void)st;
    const struct bot_sla_rule both = {"", -1, 2, 60}, first_only = {"", -1, 2, 0};
    const long long t0 = 1700000000000LL;
    static const struct {
        int rule; /* 0: none, 1: both, 2: first only */
        long long created, first, now;
        int already, want;
    } cases[] = {
        {1, t0, 0, t0 + 1000, 0, 0}, /* in time */
        {1, t0, 0, t0 + 2000, 0, 0}, /* exactly at the target: not missed yet */
        {1, t0, 0, t0 + 2001, 0, BOT_SLA_FIRST},
        {1, t0, 0, t0 + 3000, BOT_SLA_FIRST, 0},                    /* recorded already */
        {1, t0, t0 + 1000, t0 + 30000, 0, 0},                       /* answered in time */
        {1, t0, t0 + 5000, t0 + 30000, 0, BOT_SLA_FIRST},           /* answered late */
        {1, t0, 0, t0 + 61000, 0, BOT_SLA_FIRST | BOT_SLA_RESOLVE}, /* both at once */
        {1, t0, 0, t0 + 61000, BOT_SLA_FIRST, BOT_SLA_RESOLVE},     /* the second later */
        {1, t0, 0, t0 + 61000, BOT_SLA_FIRST | BOT_SLA_RESOLVE, 0}, /* both done */
        {2, t0, 0, t0 + 999999, 0, BOT_SLA_FIRST},                  /* no resolve target */
        {0, t0, 0, t0 + 999999, 0, 0},                              /* no rule */
        {1, 0, 0, t0, 0, 0},                                        /* no clock */
        {1, t0, 0, t0 - 5000, 0, 0},                                /* a clock set back */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bot_sla_rule *r = cases[i].rule == 1   ? &both
                                       : cases[i].rule == 2 ? &first_only
                                                            : NULL;
        int got = bot_sla_due(r, cases[i].created, cases[i].first, cases[i].now, cases[i].already);
        if (got != cases[i].want)
            fail_msg("case %zu: want %d, got %d", i, cases[i].want, got);
    }
}

static void sla_clock(void **st)
{
    (void)st;
    const struct bot_sla_rule r = {"", -1, 300, 3600}; /* 5 minutes, 1 hour */
    const long long t0 = 1700000000000LL, s = 1000;
    static const struct {
        long long first, solved, now; /* offsets in seconds from t0; -1: not yet */
        int first_running, first_breached, resolve_running, resolve_breached;
        long first_left, resolve_left;
    } cases[] = {
        {-1, -1, 0, 1, 0, 1, 0, 300, 3600},       /* just created */
        {-1, -1, 299, 1, 0, 1, 0, 1, 3301},       /* almost */
        {-1, -1, 301, 1, 1, 1, 0, -1, 3299},      /* first response late, still running */
        {120, -1, 400, 0, 0, 1, 0, 0, 3200},      /* answered in time */
        {400, -1, 500, 0, 1, 1, 0, 0, 3100},      /* answered late: breached, no longer running */
        {120, 3000, 5000, 0, 0, 0, 0, 0, 0},      /* solved in time */
        {120, 4000, 5000, 0, 0, 0, 1, 0, 0},      /* solved late */
        {-1, 200, 5000, 0, 0, 0, 0, 0, 0},        /* solved before any reply: first met by it */
        {-1, -1, 7200, 1, 1, 1, 1, -6900, -3600}, /* both missed, still open */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_sla_state o;
        bot_sla_check(&r, t0, cases[i].first < 0 ? 0 : t0 + cases[i].first * s,
                      cases[i].solved < 0 ? 0 : t0 + cases[i].solved * s, t0 + cases[i].now * s,
                      &o);
        assert_int_equal(o.first_running, cases[i].first_running);
        assert_int_equal(o.first_breached, cases[i].first_breached);
        assert_int_equal(o.resolve_running, cases[i].resolve_running);
        assert_int_equal(o.resolve_breached, cases[i].resolve_breached);
        if (o.first_running)
            assert_int_equal(o.first_left_s, cases[i].first_left);
        if (o.resolve_running)
            assert_int_equal(o.resolve_left_s, cases[i].resolve_left);
    }
    struct bot_sla_state none;
    bot_sla_check(NULL, t0, 0, 0, t0 + 999999 * s, &none);
    assert_false(none.first_running || none.resolve_running || none.first_breached ||
                 none.resolve_breached);
}

static void dept_maps(void **st)
{
    (void)st;
    struct bot_dept_map m;
    struct sn_err e = {0};
    assert_int_equal(
        bot_dept_map_parse("billing=billing, orders=orders, delivery=orders, *=general", &m, &e),
        SN_OK);
    const char *none[] = {NULL};
    const char *cats1[] = {"plans", "delivery", "billing"};
    const char *cats2[] = {"plans"};
    assert_string_equal(bot_dept_choose(&m, "tech", cats1, 3), "tech");  /* the visitor chose */
    assert_string_equal(bot_dept_choose(&m, "", cats1, 3), "orders");    /* first known category */
    assert_string_equal(bot_dept_choose(&m, NULL, cats2, 1), "general"); /* the fallback */
    assert_string_equal(bot_dept_choose(&m, NULL, none, 0), "general");
    assert_int_equal(bot_dept_map_parse("billing=billing", &m, &e), SN_OK);
    assert_null(bot_dept_choose(&m, NULL, cats2, 1)); /* no fallback: no department */
    static const char *const bad[] = {
        "billing",  "billing=", "=billing",   "billing=Billing",
        "a=b, a=c", "*=x, *=y", "bil ling=x", "x=../etc",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(bot_dept_map_parse(bad[i], &m, &e), SN_EINVAL);
        assert_int_equal(m.n, 0);
        assert_int_equal(m.fallback[0], 0);
    }

    struct bot_dept_agents a;
    assert_int_equal(bot_dept_agents_parse("billing: amal omar; tech: sara", &a, &e), SN_OK);
    assert_int_equal(a.n, 2);
    assert_true(bot_dept_agent_in(&a, "billing", "omar"));
    assert_false(bot_dept_agent_in(&a, "billing", "sara"));
    assert_true(bot_dept_agent_in(&a, "tech", "sara"));
    assert_true(bot_dept_agent_in(&a, "orders", "sara")); /* unlisted: everyone's */
    assert_true(bot_dept_agent_in(&a, NULL, "x"));
    assert_false(bot_dept_agent_in(&a, "billing", NULL));
    static const char *const bad2[] = {
        "billing amal",  "billing:",
        "billing: Amal", "billing: amal; billing: omar",
        ": amal",        "billing: amal;; tech",
    };
    for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) {
        assert_int_equal(bot_dept_agents_parse(bad2[i], &a, &e), SN_EINVAL);
        assert_int_equal(a.n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),   cmocka_unit_test(priorities),  cmocka_unit_test(prio_rules),
        cmocka_unit_test(prio_breach), cmocka_unit_test(sla_targets), cmocka_unit_test(sla_clock),
        cmocka_unit_test(sla_due),     cmocka_unit_test(dept_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
