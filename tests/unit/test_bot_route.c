/* Unit tests for bot/route.c: the routing policy as tables (who takes the next chat among
 * agents in every combination that matters, the wait a visitor is told), and the queue
 * itself with a fake clock: FIFO order, positions, the ETA it learns, the visitor's grace
 * sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The queue's ids in order, as "a b c". */
static const char *order(const struct bot_route *r)
{
    static char buf[256];
    buf[0] = 0;
    for (const struct bot_route_item *it = bot_route_head(r); it; it = it->next) {
        if (buf[0])
            strcat(buf, " ");
        strcat(buf, it->id);
    }
    return buf;
}

static void test_fifo(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    assert_null(bot_route_head(r));
    assert_int_equal(bot_route_changed(r), 0);
    bot_route_push(r, "a", "ar", 100, "first", 0);
    bot_route_push(r, "b", "en", 200, NULL, 0);
    bot_route_push(r, "c", "ar", 300, "", 0);
    assert_string_equal(order(r), "a b c");
    assert_int_equal(bot_route_changed(r), 1);
    assert_int_equal(bot_route_changed(r), 0); /* read once */
    /* queued already: keeps its place and its time */
    struct bot_route_item *it = bot_route_push(r, "a", "ar", 999, "again", 0);
    assert_int_equal(it->queued_at, 100);
    assert_string_equal(it->last, "first");
    assert_string_equal(order(r), "a b c");
    /* a chat whose agent is gone goes first: it has waited longest */
    bot_route_push(r, "z", "en", 50, "back", 1);
    assert_string_equal(order(r), "z a b c");
    int pos = 0;
    assert_non_null(bot_route_find(r, "b", &pos));
    assert_int_equal(pos, 3);
    assert_null(bot_route_find(r, "nope", &pos));
    /* removing the tail, then appending, keeps the tail right */
    assert_int_equal(bot_route_remove(r, "c"), 0);
    assert_int_equal(bot_route_remove(r, "c"), -1);
    bot_route_push(r, "d", "ar", 400, NULL, 0);
    assert_string_equal(order(r), "z a b d");
    assert_int_equal(bot_route_remove(r, "z"), 0); /* the head */
    assert_int_equal(bot_route_remove(r, "b"), 0); /* the middle */
    assert_string_equal(order(r), "a d");
    assert_int_equal(bot_route_len(r), 2);
    assert_int_equal(bot_route_remove(r, "a"), 0);
    assert_int_equal(bot_route_remove(r, "d"), 0);
    assert_null(bot_route_head(r));
    bot_route_push(r, "e", "ar", 500, NULL, 1); /* at the head of an empty queue: also the tail */
    bot_route_push(r, "f", "ar", 600, NULL, 0);
    assert_string_equal(order(r), "e f");
    bot_route_free(r);
}

/* The order (issue 15): priority first, then a chat whose agent is gone, then FIFO. */
static void test_before(void **state)
{
    (void)state;
    static const struct {
        int prio_a, front_a;
        long long at_a;
        int prio_b, front_b;
        long long at_b;
        int want;
    } cases[] = {
        {2, 0, 500, 1, 0, 100, 1}, /* higher priority first, whatever the wait */
        {1, 0, 100, 2, 0, 500, 0},
        {1, 1, 500, 1, 0, 100, 1}, /* a requeued chat first within its priority */
        {1, 1, 500, 2, 0, 900, 0}, /* but not before a higher priority */
        {1, 0, 100, 1, 0, 200, 1}, /* FIFO */
        {1, 0, 200, 1, 0, 100, 0},
        {1, 0, 100, 1, 0, 100, 0}, /* equals: the first queued stays first */
        {1, 1, 100, 1, 1, 200, 1}, /* two requeued: the one queued earlier */
        {3, 0, 900, 0, 1, 1, 1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_route_item a = {.front = cases[i].front_a, .queued_at = cases[i].at_a},
                              b = {.front = cases[i].front_b, .queued_at = cases[i].at_b};
        a.c.prio = cases[i].prio_a;
        b.c.prio = cases[i].prio_b;
        if (bot_route_before(&a, &b) != cases[i].want)
            fail_msg("case %zu: want %d", i, cases[i].want);
    }
}

static struct bot_route_item *
push_prio(struct bot_route *r, const char *id, long long at, int prio, int front)
{
    struct bot_route_case c = {.prio = prio};
    return bot_route_push_case(r, id, "ar", at, NULL, front, &c);
}

/* The queue keeps that order as items come, and re-sorts one whose priority is raised. */
static void test_priority_queue(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    push_prio(r, "n1", 100, 1, 0);
    push_prio(r, "n2", 200, 1, 0);
    push_prio(r, "h1", 300, 2, 0);
    push_prio(r, "l1", 50, 0, 0);
    assert_string_equal(order(r), "h1 n1 n2 l1");
    push_prio(r, "b1", 10, 1, 1); /* agent gone: first of normal, after high */
    assert_string_equal(order(r), "h1 b1 n1 n2 l1");
    push_prio(r, "u1", 999, 3, 0);
    assert_string_equal(order(r), "u1 h1 b1 n1 n2 l1");
    bot_route_push(r, "x", "ar", 150, NULL, 0); /* no case: normal */
    assert_string_equal(order(r), "u1 h1 b1 n1 x n2 l1");
    int pos;
    assert_non_null(bot_route_find(r, "n2", &pos));
    assert_int_equal(pos, 6); /* the position a visitor is told: what it waits behind */
    bot_route_changed(r);
    /* n2 breached its SLA: raised to high, before h1 (queued later: FIFO within high) */
    struct bot_route_item *it = bot_route_find(r, "n2", NULL);
    struct bot_route_case c = it->c;
    c.prio = 2;
    c.breached = BOT_ROUTE_SLA_FIRST;
    bot_route_set_case(r, it, &c);
    assert_string_equal(order(r), "u1 n2 h1 b1 n1 x l1");
    assert_int_equal(bot_route_changed(r), 1);
    assert_int_equal(it->c.breached, BOT_ROUTE_SLA_FIRST);
    /* the tail raised to the head: the tail moves back */
    it = bot_route_find(r, "l1", NULL);
    c = it->c;
    c.prio = 3;
    bot_route_set_case(r, it, &c);
    assert_string_equal(order(r), "l1 u1 n2 h1 b1 n1 x");
    bot_route_push(r, "y", "ar", 2000, NULL, 0);
    assert_string_equal(order(r), "l1 u1 n2 h1 b1 n1 x y");
    assert_int_equal(bot_route_remove(r, "y"), 0);
    bot_route_push(r, "z", "ar", 3000, NULL, 0);
    assert_string_equal(order(r), "l1 u1 n2 h1 b1 n1 x z");
    assert_int_equal(bot_route_len(r), 8);
    bot_route_free(r);
}

/* The start of the last message: 140 characters, never a broken one. */
static void test_last_text(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    char ar[1200] = "";
    for (int i = 0; i < 200; i++)
        strcat(ar, "\xd8\xa8"); /* ب, two bytes */
    struct bot_route_item *it = bot_route_push(r, "a", "ar", 1, ar, 0);
    assert_int_equal(strlen(it->last), 280);
    bot_route_changed(r);
    bot_route_set_last(r, it, "short");
    assert_string_equal(it->last, "short");
    assert_int_equal(bot_route_changed(r), 1);
    char four[1200] = ""; /* four-byte characters: 140 of them do not fit, the cut is whole */
    for (int i = 0; i < 200; i++)
        strcat(four, "\xf0\x9f\x98\x80");
    bot_route_set_last(r, it, four);
    assert_true(strlen(it->last) < BOT_ROUTE_LAST_MAX && strlen(it->last) % 4 == 0);
    bot_route_free(r);
}

struct told {
    char log[256];
};

static void tell(void *ctx, const struct bot_route_item *it, int pos)
{
    struct told *t = ctx;
    char one[64];
    snprintf(one, sizeof one, "%s%s=%d", t->log[0] ? " " : "", it->id, pos);
    strcat(t->log, one);
}

/* Each visitor is told its position once, and again only when it changes. */
static void test_positions(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    struct told t = {""};
    bot_route_push(r, "a", "ar", 1, NULL, 0);
    bot_route_push(r, "b", "ar", 2, NULL, 0);
    bot_route_positions(r, tell, &t);
    assert_string_equal(t.log, "a=1 b=2");
    t.log[0] = 0;
    bot_route_positions(r, tell, &t);
    assert_string_equal(t.log, "");
    bot_route_push(r, "c", "ar", 3, NULL, 0);
    bot_route_positions(r, tell, &t);
    assert_string_equal(t.log, "c=3");
    t.log[0] = 0;
    bot_route_remove(r, "a");
    bot_route_positions(r, tell, &t);
    assert_string_equal(t.log, "b=1 c=2");
    bot_route_free(r);
}

/* The ETA learns the handling time of the last BOT_ROUTE_ETA_SAMPLES chats. */
static void test_eta_learns(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    assert_int_equal(bot_route_eta(r, 1, 2), 6); /* 3 minutes a chat before any */
    bot_route_handled(r, 600000);                /* one 10-minute chat */
    assert_int_equal(bot_route_eta(r, 1, 1), 10);
    assert_int_equal(bot_route_eta(r, 2, 1), 5);
    for (int i = 0; i < BOT_ROUTE_ETA_SAMPLES; i++)
        bot_route_handled(r, 60000); /* the long one falls out of the window */
    assert_int_equal(bot_route_eta(r, 1, 1), 1);
    assert_int_equal(bot_route_eta(r, 1, 4), 4);
    bot_route_free(r);
}

/* The sweep's view of the world at each tick: who has a socket, whose store write fails. */
struct world {
    const char *present; /* ids with a visitor, as "a c" */
    const char *failing; /* ids whose expiry the store refuses */
    char expired[64];
};

static int has(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; p && (p = strstr(p, id)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return 1;
    return 0;
}

static int w_present(void *ctx, const char *conv)
{
    return has(((struct world *)ctx)->present, conv);
}

static int w_expire(void *ctx, const struct bot_route_item *it)
{
    struct world *w = ctx;
    if (has(w->failing, it->id))
        return -1;
    strcat(w->expired, it->id);
    return 0;
}

/* A fake clock through a 60 s visitor grace over three queued visitors: a stays, b goes at
 * 10 s, c at 20 s but the store refuses c's expiry once. */
static void test_sweep(void **state)
{
    (void)state;
    struct bot_route *r = bot_route_new();
    bot_route_push(r, "a", "ar", 0, NULL, 0);
    bot_route_push(r, "b", "ar", 0, NULL, 0);
    bot_route_push(r, "c", "ar", 0, NULL, 0);
    static const struct {
        long long now;
        const char *present, *failing;
        int left;
        const char *expired, *queue;
    } ticks[] = {
        {0, "a b c", "", 0, "", "a b c"},
        {10000, "a c", "", 0, "", "a b c"}, /* b first seen gone */
        {20000, "a", "", 0, "", "a b c"},   /* c first seen gone */
        {69999, "a", "", 0, "", "a b c"},   /* b within its grace */
        {70000, "a", "c", 1, "b", "a c"},   /* b's grace ended */
        {80000, "a", "c", 0, "", "a c"},    /* c's ended, the store refused */
        {81000, "a", "", 1, "c", "a"},      /* tried again */
        {500000, "a", "", 0, "", "a"},      /* a is there all along */
    };
    for (size_t i = 0; i < N(ticks); i++) {
        struct world w = {ticks[i].present, ticks[i].failing, ""};
        int left = bot_route_sweep(r, ticks[i].now, 60000, w_present, w_expire, &w);
        if (left != ticks[i].left || strcmp(w.expired, ticks[i].expired) ||
            strcmp(order(r), ticks[i].queue))
            fail_msg("tick %zu (t=%lld): %d left (%s), queue \"%s\"; want %d (%s), \"%s\"", i,
                     ticks[i].now, left, w.expired, order(r), ticks[i].left, ticks[i].expired,
                     ticks[i].queue);
    }
    bot_route_free(r);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),           cmocka_unit_test(test_eta),
        cmocka_unit_test(test_visitor_grace),  cmocka_unit_test(test_agent_grace),
        cmocka_unit_test(test_fifo),           cmocka_unit_test(test_before),
        cmocka_unit_test(test_priority_queue), cmocka_unit_test(test_last_text),
        cmocka_unit_test(test_positions),      cmocka_unit_test(test_eta_learns),
        cmocka_unit_test(test_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
