/* Unit tests for bot/route.c: the routing policy as tables. Who takes the next chat among
 * agents in every combination that matters, and the wait a visitor is told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/route.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The index pick_agent's loop ends on (the same loop queue.c runs), or -1. */
static int pick(const struct bot_route_agent *v, int n, int capacity)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (bot_route_better(&v[i], best < 0 ? NULL : &v[best], capacity))
            best = i;
    return best;
}

static void test_pick(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        struct bot_route_agent v[4];
        int n, capacity, want;
    } cases[] = {
        {"nobody", {{0}}, 0, 3, -1},
        {"one free agent", {{1, 0, 5}}, 1, 3, 0},
        {"away or disconnected", {{0, 0, 1}, {0, 0, 2}}, 2, 3, -1},
        {"at capacity", {{1, 3, 1}, {1, 3, 2}}, 2, 3, -1},
        {"capacity 1, one busy", {{1, 1, 1}, {1, 0, 9}}, 2, 1, 1},
        {"least busy wins", {{1, 2, 1}, {1, 0, 9}, {1, 1, 0}}, 3, 3, 1},
        {"equals: the one served longest ago", {{1, 1, 7}, {1, 1, 3}, {1, 1, 5}}, 3, 3, 1},
        {"the idle one is away", {{0, 0, 0}, {1, 2, 8}, {1, 1, 9}}, 3, 3, 2},
        {"over capacity (lowered in the config)", {{1, 5, 0}, {1, 2, 1}}, 2, 3, 1},
        {"capacity 0: nobody takes chats", {{1, 0, 0}}, 1, 0, -1},
        {"first of equals with equal turns", {{1, 0, 4}, {1, 0, 4}}, 2, 3, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got = pick(cases[i].v, cases[i].n, cases[i].capacity);
        if (got != cases[i].want)
            fail_msg("%s: picked %d, want %d", cases[i].why, got, cases[i].want);
    }
}

static void test_eta(void **state)
{
    (void)state;
    static const long long five[] = {300000, 300000}, mixed[] = {60000, 120000, 180000};
    static const long long fast[] = {1000};
    static const struct {
        const char *why;
        const long long *ms;
        int n, online, position, want;
    } cases[] = {
        {"no history: 3 minutes a chat", NULL, 0, 1, 1, 3},
        {"no history, third in line", NULL, 0, 1, 3, 9},
        {"no history, three agents share it", NULL, 0, 3, 3, 3},
        {"nobody online counts as one", NULL, 0, 0, 2, 6},
        {"five-minute chats", five, 2, 1, 2, 10},
        {"mean of 1, 2 and 3 minutes", mixed, 3, 1, 1, 2},
        {"rounded up", mixed, 3, 3, 2, 2},
        {"never under a minute", fast, 1, 4, 1, 1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got =
            bot_route_eta_minutes(cases[i].ms, cases[i].n, cases[i].online, cases[i].position);
        if (got != cases[i].want)
            fail_msg("%s: %d minutes, want %d", cases[i].why, got, cases[i].want);
    }
}

/* A fake clock through the visitor's grace (60 s): gone at 10 s, still within it at
 * 69.999 s, back at 70.5 s, gone again at 75 s, leaves at 135 s and not before. */
static void test_visitor_grace(void **state)
{
    (void)state;
    static const struct {
        long long now;
        int present, want;
        long long gone_after;
    } steps[] = {
        {0, 1, 0, 0},         {10000, 0, 0, 10000},  {69999, 0, 0, 10000},  {70500, 1, 0, 0},
        {75000, 0, 0, 75000}, {134999, 0, 0, 75000}, {135000, 0, 1, 75000},
    };
    long long gone = 0;
    for (size_t i = 0; i < N(steps); i++) {
        int got = bot_route_visitor_gone(&gone, steps[i].present, steps[i].now, 60000);
        if (got != steps[i].want || gone != steps[i].gone_after)
            fail_msg("step %zu (t=%lld): gone %d at %lld, want %d at %lld", i, steps[i].now, got,
                     gone, steps[i].want, steps[i].gone_after);
    }
    /* a grace of 0 lets a gone visitor go at the next sweep, never at the first sight */
    gone = 0;
    assert_int_equal(bot_route_visitor_gone(&gone, 0, 5, 0), 0);
    assert_int_equal(bot_route_visitor_gone(&gone, 0, 5, 0), 1);
    /* the clock at 0 still marks the visitor gone */
    gone = 0;
    assert_int_equal(bot_route_visitor_gone(&gone, 0, 0, 1000), 0);
    assert_true(gone != 0);
}

static void test_agent_grace(void **state)
{
    (void)state;
    assert_int_equal(bot_route_agent_due(1000, 999), 0);
    assert_int_equal(bot_route_agent_due(1000, 1000), 1);
    assert_int_equal(bot_route_agent_due(1000, 5000), 1);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_eta),
        cmocka_unit_test(test_visitor_grace),
        cmocka_unit_test(test_agent_grace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
