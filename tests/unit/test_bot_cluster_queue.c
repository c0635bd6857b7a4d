/* Unit tests for bot/cluster_queue.c: the pure policy as tables (when an agents_live row
 * counts, who is online across nodes, the node id), one node (no struct bot_cq: every call
 * is the single node's no-op, a claim always wins) and a refused connection. What runs
 * against PostgreSQL is tested by tests/cluster/queue_tests.py on a real server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/cluster_queue.h"
#include "bot/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_row_live(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        long long seen, now, lease;
        int want;
    } cases[] = {
        {"no beat on record", 0, 10000, 2000, 0},
        {"beat just now", 10000, 10000, 2000, 1},
        {"within the lease", 8001, 10000, 2000, 1},
        {"the lease just ended", 8000, 10000, 2000, 0},
        {"long silent", 1, 10000, 2000, 0},
        {"its clock ahead of ours", 12000, 10000, 2000, 1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_cq_agent r = {.seen = cases[i].seen};
        int got = bot_cq_row_live(&r, cases[i].now, cases[i].lease);
        if (got != cases[i].want)
            fail_msg("%s: %d, want %d", cases[i].why, got, cases[i].want);
    }
}

static void test_online(void **state)
{
    (void)state;
    const struct bot_cq_agent v[] = {
        {.user_id = 1, .online = 1, .seen = 9500},  /* counts */
        {.user_id = 2, .online = 0, .seen = 9500},  /* away */
        {.user_id = 3, .online = 1, .seen = 1000},  /* its node is dead */
        {.user_id = 4, .online = 1, .seen = 0},     /* its node never beat */
        {.user_id = 5, .online = 1, .seen = 10000}, /* counts */
    };
    assert_int_equal(bot_cq_online(v, 5, 10000, 2000), 2);
    assert_int_equal(bot_cq_online(v, 0, 10000, 2000), 0);
    assert_int_equal(bot_cq_online(v, 5, 100000, 2000), 0); /* every node gone silent */
}

static void test_items_has(void **state)
{
    (void)state;
    struct bot_cq_item v[2] = {{.id = "c_a"}, {.id = "c_b"}};
    assert_int_equal(bot_cq_items_has(v, 2, "c_a"), 1);
    assert_int_equal(bot_cq_items_has(v, 2, "c_b"), 1);
    assert_int_equal(bot_cq_items_has(v, 2, "c_"), 0);
    assert_int_equal(bot_cq_items_has(v, 2, ""), 0);
    assert_int_equal(bot_cq_items_has(NULL, 0, "c_a"), 0);
}

static void test_node_of(void **state)
{
    (void)state;
    struct bot_config c;
    char node[BOT_CQ_NODE_MAX], host[64] = "localhost", want[BOT_CQ_NODE_MAX];
    bot_config_init(&c);
    c.node_id = "node-a";
    bot_cq_node_of(&c, node);
    assert_string_equal(node, "node-a");
    gethostname(host, sizeof host - 1);
    c.node_id = NULL;
    c.port = 8080;
    bot_cq_node_of(&c, node);
    snprintf(want, sizeof want, "%s:8080", host);
    assert_string_equal(node, want);
    c.port = 0; /* a free port chosen at start: the pid tells two nodes apart */
    bot_cq_node_of(&c, node);
    snprintf(want, sizeof want, "%s:0:%ld", host, (long)getpid());
    assert_string_equal(node, want);
    c.node_id = ""; /* set but empty: as unset */
    bot_cq_node_of(&c, node);
    assert_string_equal(node, want);
}

/* One node (SQLite): no struct bot_cq, every call the single node's answer. */
static void test_one_node(void **state)
{
    (void)state;
    struct bot_config c;
    struct sn_err e = {0};
    struct bot_cq *cq = (struct bot_cq *)1;
    struct bot_cq_item *items = (struct bot_cq_item *)1;
    long long *users = (long long *)1;
    int n = 7, notified = 7;
    bot_config_init(&c);
    c.store = "sqlite";
    assert_int_equal(bot_cq_open(&c, "n1", &cq, &e), SN_OK);
    assert_null(cq);
    assert_string_equal(bot_cq_node(NULL), "");
    assert_int_equal(bot_cq_claim(NULL, "c_a", 1, 1000, &e), SN_OK); /* always wins */
    bot_cq_unclaim(NULL, "c_a", 1);
    assert_int_equal(bot_cq_queued(NULL, &items, &n, &e), SN_OK);
    assert_null(items);
    assert_int_equal(n, 0);
    struct bot_cq_agent a = {.user_id = 1, .online = 1};
    assert_int_equal(bot_cq_agents_put(NULL, &a, 1, 1000, &e), SN_OK);
    n = 7;
    assert_null(bot_cq_others(NULL, &n));
    assert_int_equal(n, 0);
    assert_int_equal(bot_cq_elsewhere(NULL, 1, 0), 0);
    assert_int_equal(bot_cq_elsewhere(NULL, 1, 1), 0);
    assert_int_equal(bot_cq_tick(NULL, 1000, 2000, NULL, NULL, &notified, &e), SN_OK);
    assert_int_equal(notified, 0);
    n = 7;
    assert_int_equal(bot_cq_orphans(NULL, &users, &n, &e), SN_OK);
    assert_null(users);
    assert_int_equal(n, 0);
    bot_cq_publish(NULL);
    assert_int_equal(bot_cq_fd(NULL), -1);
    assert_int_equal(bot_cq_poll(NULL), 0);
    bot_cq_close(NULL);
}

/* store postgres with a server that is not there: SN_EDB, nothing opened. */
static void test_refused(void **state)
{
    (void)state;
    struct bot_config c;
    struct sn_err e = {0};
    struct bot_cq *cq = (struct bot_cq *)1;
    bot_config_init(&c);
    c.store = "postgres";
    c.pg_dsn = "host=127.0.0.1 port=1 dbname=none user=none connect_timeout=2";
    assert_int_equal(bot_cq_open(&c, "n1", &cq, &e), SN_EDB);
    assert_null(cq);
    assert_true(e.msg[0] != 0);
    c.pg_dsn = "this is not a connection string = = '";
    assert_int_equal(bot_cq_open(&c, "n1", &cq, &e), SN_EDB);
    assert_null(cq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_live),  cmocka_unit_test(test_online),
        cmocka_unit_test(test_items_has), cmocka_unit_test(test_node_of),
        cmocka_unit_test(test_one_node),  cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
