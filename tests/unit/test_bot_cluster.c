/* Unit tests for bot/cluster.h's payloads: every notification the cluster acts on is parsed
 * by these pure functions first, from any sender (psql NOTIFY included), so each is checked
 * against a table of well-formed and hostile payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bot/cluster.h"

struct msg_case {
    const char *payload;
    int ok;
    const char *conv, *node;
    long long seq;
};

static void test_msg_payloads(void **state)
{
    (void)state;
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    static const struct msg_case cases[] = {
        {"c_0123456789abcdef 1 n1", 1, "c_0123456789abcdef", "n1", 1},
        {"c_1 42 host.example:8080", 1, "c_1", "host.example:8080", 42},
        {"c_1 1000000000000000 n1", 1, "c_1", "n1", 1000000000000000LL}, /* 10^15 */
        {"c_1 1000000000000001 n1", 0, NULL, NULL, 0},                   /* past it */
        {"c_1 99999999999999999999 n1", 0, NULL, NULL, 0},               /* overflow */
        {"c_1 0 n1", 0, NULL, NULL, 0},
        {"c_1 -1 n1", 0, NULL, NULL, 0},
        {"c_1 01 n1", 0, NULL, NULL, 0},
        {"c_1 1e3 n1", 0, NULL, NULL, 0},
        {"c_1 1", 0, NULL, NULL, 0},
        {"c_1 1 ", 0, NULL, NULL, 0},
        {" c_1 1 n1", 0, NULL, NULL, 0},
        {"c_1  1 n1", 0, NULL, NULL, 0},
        {"c_1 1 n1 extra", 0, NULL, NULL, 0},
        {"", 0, NULL, NULL, 0},
        {"garbage", 0, NULL, NULL, 0},
        {"c_1;DROP 1 n1", 0, NULL, NULL, 0},
        {"c_'1 1 n1", 0, NULL, NULL, 0},
        {"c_1 1 n\t1", 0, NULL, NULL, 0},
        {"c_1 1 \xd9\x85", 0, NULL, NULL, 0}, /* a node id is ASCII */
        {"c_0123456789012345678901234567890123456789 1 n1", 0, NULL, NULL, 0}, /* id too long */
        {"c_1 1 n1234567890123456789012345678901234567890123456789012345678901234", 0, NULL, NULL,
         0}, /* node id of 65 bytes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_cluster_note n;
        int rc = bot_cluster_parse_msg(cases[i].payload, &n);
        if ((rc == SN_OK) != cases[i].ok)
            fail_msg("payload %zu \"%s\": rc %d", i, cases[i].payload, rc);
        if (!cases[i].ok)
            continue;
        assert_string_equal(n.conv, cases[i].conv);
        assert_string_equal(n.node, cases[i].node);
        assert_int_equal(n.seq, cases[i].seq);
    }
    struct bot_cluster_note n;
    assert_int_equal(bot_cluster_parse_msg(big, &n), SN_EINVAL); /* longer than the cap */
}

static void test_conv_payloads(void **state)
{
    (void)state;
    struct bot_cluster_note n;
    assert_int_equal(bot_cluster_parse_conv("c_1 n1", &n), SN_OK);
    assert_string_equal(n.conv, "c_1");
    assert_string_equal(n.node, "n1");
    assert_null(n.kind);
    assert_null(n.arg);
    assert_int_equal(bot_cluster_parse_conv("c_1 n1 assign ag.1@x", &n), SN_OK);
    assert_string_equal(n.kind, "assign");
    assert_int_equal(n.a, BOT_CONV_ASSIGN);
    assert_string_equal(n.arg, "ag.1@x");
    assert_int_equal(bot_cluster_parse_conv("c_1 n1 close resolved", &n), SN_OK);
    assert_int_equal(n.a, BOT_CONV_CLOSE);
    assert_int_equal(bot_cluster_parse_conv("c_1 n1 requeue", &n), SN_OK);
    assert_int_equal(n.a, BOT_CONV_REQUEUE);
    static const char *const bad[] = {
        "c_1",
        "c_1 n1 nosuchevent",
        "c_1 n1 close a b",
        "c_1 n1 close \"x\"",
        "c_1 n1 close", /* fine: below */
        "c$1 n1",
        "c_1 n1 assign " /* empty arg */,
        "c_1 n1 assign "
        "a12345678901234567890123456789012345678901234567890123456789012345" /* 66 */,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!strcmp(bad[i], "c_1 n1 close")) {
            assert_int_equal(bot_cluster_parse_conv(bad[i], &n), SN_OK);
            continue;
        }
        if (bot_cluster_parse_conv(bad[i], &n) != SN_EINVAL)
            fail_msg("conv payload \"%s\" accepted", bad[i]);
    }
}

static void test_live_payloads(void **state)
{
    (void)state;
    struct bot_cluster_note n;
    assert_int_equal(bot_cluster_parse_live("c_1 n1 queue 3 7", &n), SN_OK);
    assert_string_equal(n.kind, "queue");
    assert_int_equal(n.a, 3);
    assert_int_equal(n.b, 7);
    assert_int_equal(bot_cluster_parse_live("c_1 n1 case", &n), SN_OK);
    assert_string_equal(n.kind, "case");
    assert_int_equal(bot_cluster_parse_live("c_1 n1 typing 1", &n), SN_OK);
    assert_int_equal(n.a, 1);
    assert_int_equal(bot_cluster_parse_live("c_1 n1 vtyping 0", &n), SN_OK);
    assert_string_equal(n.kind, "vtyping");
    assert_int_equal(n.a, 0);
    assert_int_equal(bot_cluster_parse_live("c_1 n1 vtyping 01", &n), SN_EINVAL);
    static const char *const bad[] = {
        "c_1 n1",
        "c_1 n1 queue 3",
        "c_1 n1 queue -1 2",
        "c_1 n1 queue 1000001 1",
        "c_1 n1 typing 2",
        "c_1 n1 typing",
        "c_1 n1 case x",
        "c_1 n1 mystery",
        "c_1 n1 queue 1 2 3",
        "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bot_cluster_parse_live(bad[i], &n) != SN_EINVAL)
            fail_msg("live payload \"%s\" accepted", bad[i]);
}

static void test_node_ids(void **state)
{
    (void)state;
    assert_true(bot_cluster_node_id_ok("n1"));
    assert_true(bot_cluster_node_id_ok("host.example:8080"));
    assert_false(bot_cluster_node_id_ok(""));
    assert_false(bot_cluster_node_id_ok("n 1"));
    assert_false(bot_cluster_node_id_ok("n\n1"));
    assert_false(bot_cluster_node_id_ok("\xd9\x85"));
    char id[BOT_CLUSTER_NODE_MAX + 2];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = 0;
    assert_false(bot_cluster_node_id_ok(id)); /* one byte too many */
    id[BOT_CLUSTER_NODE_MAX] = 0;
    assert_true(bot_cluster_node_id_ok(id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_payloads),
        cmocka_unit_test(test_conv_payloads),
        cmocka_unit_test(test_live_payloads),
        cmocka_unit_test(test_node_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
