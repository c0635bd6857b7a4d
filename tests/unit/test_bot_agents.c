/* Unit tests for bot/agents.c with a fake clock and fake connections: one connection per
 * agent, the choice of agent (capacity, least busy, round robin, presence, pick mode), and
 * the agent's grace period (a drop, a return in time, a restart). Together with the queue
 * (bot/route.c) as queue.c drives them: FIFO under capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/agents.h"
#include "bot/dept.h"
#include "bot/sla.h"

/* Fake connections: their addresses are all the agents see of them. */
static int conn_a, conn_b, conn_c, conn_d;

static void test_one_connection_per_agent(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    void *old = &conn_d;
    struct bot_agent *a = bot_agents_join(g, 7, "amal", "Amal", "tok-1", &conn_a, &old);
    assert_null(old);
    assert_int_equal(a->online, 1);
    assert_string_equal(a->name, "Amal");
    bot_agents_chat_add(a, "c1", "ar", 0);
    struct bot_agent *a2 = bot_agents_join(g, 7, "amal", "Amal", "tok-2", &conn_b, &old);
    assert_ptr_equal(old, &conn_a); /* the caller closes the old socket */
    assert_ptr_equal(bot_agents_first(g), a2);
    assert_null(a2->next);
    assert_int_equal(a2->nchats, 0);           /* the caller loads its chats from the store again */
    assert_string_equal(a2->session, "tok-2"); /* the newer socket's login session */
    bot_agents_join(g, 8, "badr", "Badr", NULL, &conn_c, &old);
    assert_null(old);
    assert_int_equal(bot_agents_online(g), 2);
    bot_agents_free(g);
}

static struct bot_agent *join(struct bot_agents *g, long long id, const char *login, void *conn)
{
    void *old;
    return bot_agents_join(g, id, login, login, NULL, conn, &old);
}

/* Assigns n chats "x1".. through the auto choice and returns who got each, as "a b a". */
static const char *route_n(struct bot_agents *g, int n, int capacity, int pick)
{
    static char buf[256];
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        struct bot_agent *a = bot_agents_next(g, capacity, pick);
        char conv[16];
        snprintf(conv, sizeof conv, "x%d", i + 1);
        strcat(buf, buf[0] ? " " : "");
        strcat(buf, a ? a->login : "-");
        if (a)
            bot_agents_assign(g, a, conv, "ar", 1000 + i);
    }
    return buf;
}

static void test_choice(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    assert_null(bot_agents_choose(g, 3)); /* nobody */
    struct bot_agent *a = join(g, 1, "a", &conn_a);
    struct bot_agent *b = join(g, 2, "b", &conn_b);
    struct bot_agent *c = join(g, 3, "c", &conn_c);
    /* least busy first; among equals the one assigned least recently: round robin */
    const char *got = route_n(g, 6, 3, 0);
    assert_int_equal(a->nchats + b->nchats + c->nchats, 6);
    assert_int_equal(a->nchats, 2);
    assert_int_equal(b->nchats, 2);
    assert_int_equal(c->nchats, 2);
    /* newest join first among equals at the start (the list order), then the rotation */
    assert_string_equal(got, "c b a c b a");
    /* capacity 3: three more fill everyone, the tenth finds nobody */
    assert_string_equal(route_n(g, 4, 3, 0) + 6, "-");
    assert_false(bot_agents_may_take(a, 3));
    assert_true(bot_agents_may_take(a, 4));
    /* a chat closed at b: b is the least busy, whoever was served longer ago */
    struct bot_agent_chat out;
    assert_int_equal(bot_agents_chat_index(b, "x2"), 0);
    bot_agents_chat_remove(b, 0, &out);
    assert_string_equal(out.id, "x2");
    assert_ptr_equal(bot_agents_choose(g, 3), b);
    /* away agents take nothing, and do not count as online */
    b->online = 0;
    assert_null(bot_agents_choose(g, 3));
    assert_int_equal(bot_agents_online(g), 2);
    assert_null(bot_agents_by_login(g, "b"));
    assert_ptr_equal(bot_agents_by_login(g, "c"), c);
    /* pick mode: nobody is given a chat, whatever the load */
    b->online = 1;
    assert_ptr_equal(bot_agents_next(g, 3, 0), b);
    assert_null(bot_agents_next(g, 3, 1));
    assert_null(bot_agents_next(g, 100, 1));
    bot_agents_free(g);
}

/* Two agents, capacity 2, five conversations in the FIFO: queue.c's loop (the head to the
 * chosen agent while there is one) serves them in order and leaves the fifth first in line;
 * a close lets it in. */
static void test_fifo_under_capacity(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    struct bot_route *r = bot_route_new();
    struct bot_agent *a = join(g, 1, "a", &conn_a), *b = join(g, 2, "b", &conn_b), *x;
    static const char *convs[] = {"c1", "c2", "c3", "c4", "c5"};
    for (int i = 0; i < 5; i++)
        bot_route_push(r, convs[i], "ar", 100 * i, NULL, 0);
    char log[512] = "";
    while (bot_route_head(r) && (x = bot_agents_next(g, 2, 0))) {
        struct bot_route_item *it = bot_route_head(r);
        char one[160];
        snprintf(one, sizeof one, "%s%s>%s", log[0] ? " " : "", it->id, x->login);
        strcat(log, one);
        bot_agents_assign(g, x, it->id, it->lang, 5000);
        bot_route_remove(r, it->id);
    }
    /* in queue order, alternating (b joined last, so it is first among equals) */
    assert_string_equal(log, "c1>b c2>a c3>b c4>a");
    int pos;
    assert_non_null(bot_route_find(r, "c5", &pos));
    assert_int_equal(pos, 1);
    struct bot_agent_chat out;
    bot_agents_chat_remove(a, bot_agents_chat_index(a, a->chats[0].id), &out);
    assert_ptr_equal(bot_agents_next(g, 2, 0), a);
    assert_ptr_equal(bot_agents_holder(g, b->chats[0].id), b);
    assert_null(bot_agents_holder(g, out.id));
    assert_int_equal(out.assigned_at, 5000);
    bot_route_free(r);
    bot_agents_free(g);
}

struct due {
    char log[64];
};

static void on_due(void *ctx, long long user_id)
{
    struct due *d = ctx;
    char one[24];
    snprintf(one, sizeof one, "%s%lld", d->log[0] ? " " : "", user_id);
    strcat(d->log, one);
}

/* A fake clock through the agent's grace (30 s). */
static void test_agent_grace_period(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    struct due d = {""};
    struct bot_agent *a = join(g, 1, "a", &conn_a);
    struct bot_agent *b = join(g, 2, "b", &conn_b);
    join(g, 3, "c", &conn_c);
    bot_agents_chat_add(a, "c1", "ar", 0);
    bot_agents_chat_add(b, "c2", "ar", 0);
    bot_agents_leave(g, a, 1000, 30000);                   /* gone with a chat: until 31 s */
    bot_agents_leave(g, b, 2000, 30000);                   /* until 32 s */
    bot_agents_leave(g, bot_agents_first(g), 3000, 30000); /* c had none: nothing kept */
    assert_null(bot_agents_first(g));
    assert_int_equal(bot_agents_waiting(g), 2);
    assert_int_equal(bot_agents_due(g, 30999, on_due, &d), 0);
    assert_string_equal(d.log, "");
    /* b comes back in time: its chats stay its own, no deadline is left for it */
    b = join(g, 2, "b", &conn_d);
    assert_int_equal(bot_agents_waiting(g), 1);
    assert_int_equal(bot_agents_due(g, 31000, on_due, &d), 1);
    assert_string_equal(d.log, "1"); /* a's chats go back to the queue */
    d.log[0] = 0;
    assert_int_equal(bot_agents_due(g, 999999, on_due, &d), 0);
    assert_string_equal(d.log, "");
    /* a restart: chats held in the store get the grace from the start, the first deadline
     * stays */
    bot_agents_grace(g, 5, 50000);
    bot_agents_grace(g, 5, 90000);
    bot_agents_grace(g, 6, 60000);
    assert_int_equal(bot_agents_due(g, 50000, on_due, &d), 1);
    assert_string_equal(d.log, "5");
    assert_int_equal(bot_agents_due(g, 60000, on_due, &d), 1);
    assert_string_equal(d.log, "5 6");
    assert_int_equal(bot_agents_waiting(g), 0);
    bot_agents_free(g);
}

/* A new display name (PATCH /api/me) replaces the old one; the same one is no change. */
static void test_set_name(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    void *old;
    struct bot_agent *a = bot_agents_join(g, 1, "amal", "Amal", NULL, (void *)1, &old);
    assert_int_equal(bot_agents_set_name(a, "Amal"), 0);
    assert_int_equal(bot_agents_set_name(a, "أمل"), 1);
    assert_string_equal(a->name, "أمل");
    assert_int_equal(bot_agents_set_name(a, "أمل"), 0);
    bot_agents_free(g);
}

/* Freed with agents and deadlines still in it (ASan checks nothing leaks). */
static void test_free_full(void **state)
{
    (void)state;
    struct bot_agents *g = bot_agents_new();
    struct bot_agent *a = join(g, 1, "a", &conn_a);
    for (int i = 0; i < 9; i++) {
        char conv[16];
        snprintf(conv, sizeof conv, "c%d", i);
        bot_agents_chat_add(a, conv, "en", 0);
    }
    assert_int_equal(a->nchats, 9);
    assert_int_equal(bot_agents_chat_index(a, "c8"), 8);
    assert_int_equal(bot_agents_chat_index(a, "c9"), -1);
    bot_agents_grace(g, 2, 10);
    bot_agents_free(g);
    bot_agents_free(NULL);
}

/* Routing by department (issue 15) as a table: agents (login, presence, load; "-" for a
 * listed agent who is not connected) and queued items (department, priority, in the order
 * they were queued) → which item goes to whom, and whether as a fallback. department_agents:
 * billing: amal; tech: sara omar; orders: amal sara. */
struct spec_agent {
    const char *login;
    int online, nchats;
};
struct spec_item {
    const char *conv, *dept;
    int prio;
};
static void test_route_by_department(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        struct spec_agent agents[4];
        struct spec_item items[4];
        int capacity;
        const char *conv, *agent;
        int fallback;
    } cases[] = {
        {"billing goes to billing even when tech has fewer chats",
         {{"amal", 1, 2}, {"sara", 1, 0}},
         {{"c1", "billing", 1}},
         3,
         "c1",
         "amal",
         0},
        {"billing's agent away: any agent, a fallback",
         {{"amal", 0, 0}, {"sara", 1, 1}},
         {{"c1", "billing", 1}},
         3,
         "c1",
         "sara",
         1},
        {"billing's agent not connected: a fallback",
         {{"sara", 1, 2}, {"omar", 1, 1}},
         {{"c1", "billing", 1}},
         3,
         "c1",
         "omar",
         1},
        {"billing's agent busy: billing waits, the tech item behind it is served",
         {{"amal", 1, 3}, {"sara", 1, 0}},
         {{"c1", "billing", 1}, {"c2", "tech", 1}},
         3,
         "c2",
         "sara",
         0},
        {"billing's agent busy and nothing else queued: nobody",
         {{"amal", 1, 3}, {"sara", 1, 0}},
         {{"c1", "billing", 1}},
         3,
         NULL,
         NULL,
         0},
        {"no department: the least busy of all",
         {{"amal", 1, 1}, {"sara", 1, 0}},
         {{"c1", "", 1}},
         3,
         "c1",
         "sara",
         0},
        {"a department nobody is listed for is everyone's",
         {{"amal", 1, 0}, {"sara", 1, 1}},
         {{"c1", "general", 1}},
         3,
         "c1",
         "amal",
         0},
        {"high priority overtakes an earlier normal one",
         {{"sara", 1, 0}},
         {{"c1", "tech", 1}, {"c2", "tech", 2}},
         3,
         "c2",
         "sara",
         0},
        {"FIFO within a priority",
         {{"amal", 1, 0}},
         {{"c1", "billing", 2}, {"c2", "billing", 2}, {"c3", "billing", 1}},
         3,
         "c1",
         "amal",
         0},
        {"low waits behind normal of another department",
         {{"amal", 1, 0}, {"sara", 1, 0}},
         {{"c1", "billing", 0}, {"c2", "tech", 1}},
         3,
         "c2",
         "sara",
         0},
        {"two departments: the less busy of them",
         {{"amal", 1, 1}, {"sara", 1, 0}, {"omar", 1, 0}},
         {{"c1", "orders", 1}},
         3,
         "c1",
         "sara",
         0},
        {"nobody online",
         {{"amal", 0, 0}, {"sara", 0, 0}},
         {{"c1", "billing", 1}},
         3,
         NULL,
         NULL,
         0},
        {"fallback, but everyone else is full",
         {{"amal", 0, 0}, {"sara", 1, 3}},
         {{"c1", "billing", 1}},
         3,
         NULL,
         NULL,
         0},
        {"empty queue", {{"amal", 1, 0}}, {{NULL, NULL, 0}}, 3, NULL, NULL, 0},
    };
    struct bot_dept_agents da;
    struct sn_err e = {0};
    assert_int_equal(
        bot_dept_agents_parse("billing: amal; tech: sara omar; orders: amal sara", &da, &e), SN_OK);
    static int conns[4];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_agents *g = bot_agents_new();
        struct bot_route *r = bot_route_new();
        for (int k = 0; k < 4 && cases[i].agents[k].login; k++) {
            struct bot_agent *a = join(g, k + 1, cases[i].agents[k].login, &conns[k]);
            a->online = cases[i].agents[k].online;
            for (int c = 0; c < cases[i].agents[k].nchats; c++) {
                char id[16];
                snprintf(id, sizeof id, "held%d", c);
                bot_agents_chat_add(a, id, "ar", 1);
            }
        }
        for (int k = 0; k < 4 && cases[i].items[k].conv; k++) {
            struct bot_route_case c = {.prio = cases[i].items[k].prio};
            snprintf(c.dept, sizeof c.dept, "%s", cases[i].items[k].dept);
            bot_route_push_case(r, cases[i].items[k].conv, "ar", 100 + k, NULL, 0, &c);
        }
        struct bot_agents_choice ch;
        int got = bot_agents_route(g, bot_route_head(r), &da, cases[i].capacity, &ch);
        const char *conv = got ? ch.item->id : NULL, *agent = got ? ch.agent->login : NULL;
        if (got != (cases[i].conv != NULL) ||
            (got && (strcmp(conv, cases[i].conv) || strcmp(agent, cases[i].agent) ||
                     ch.fallback != cases[i].fallback)))
            fail_msg("%s: got %s to %s (fallback %d), want %s to %s (fallback %d)", cases[i].why,
                     conv ? conv : "-", agent ? agent : "-", got ? ch.fallback : 0,
                     cases[i].conv ? cases[i].conv : "-", cases[i].agent ? cases[i].agent : "-",
                     cases[i].fallback);
        bot_route_free(r);
        bot_agents_free(g);
    }
}

/* The queue frame's fallback flag: a department with agents listed, none available. */
static void test_dept_fallback_flag(void **state)
{
    (void)state;
    struct bot_dept_agents da;
    struct sn_err e = {0};
    assert_int_equal(bot_dept_agents_parse("billing: amal; tech: sara", &da, &e), SN_OK);
    struct bot_agents *g = bot_agents_new();
    assert_true(bot_agents_dept_fallback(g, &da, "billing"));  /* nobody connected */
    assert_false(bot_agents_dept_fallback(g, &da, "general")); /* nobody listed: everyone's */
    assert_false(bot_agents_dept_fallback(g, &da, ""));
    assert_false(bot_agents_dept_fallback(g, &da, NULL));
    struct bot_agent *a = join(g, 1, "amal", &conn_a);
    assert_false(bot_agents_dept_fallback(g, &da, "billing"));
    assert_int_equal(bot_agents_dept_available(g, &da, "billing"), 1);
    assert_int_equal(bot_agents_dept_available(g, &da, "tech"), 0);
    assert_int_equal(bot_agents_dept_available(g, &da, "general"), 1);
    a->online = 0; /* away */
    assert_true(bot_agents_dept_fallback(g, &da, "billing"));
    assert_false(bot_agents_dept_fallback(g, NULL, "billing")); /* no department_agents */
    bot_agents_free(g);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_connection_per_agent),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_fifo_under_capacity),
        cmocka_unit_test(test_agent_grace_period),
        cmocka_unit_test(test_set_name),
        cmocka_unit_test(test_free_full),
        cmocka_unit_test(test_route_by_department),
        cmocka_unit_test(test_dept_fallback_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
