/* bot/escalate.h as a table: the target of an escalation (asked, the map's entry, its
 * fallback, none), the tier it moves to, and every refusal (no target, the same department,
 * the last tier) leaving nothing chosen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bot/escalate.h"

static void targets_and_tiers(void **st)
{
    (void)st;
    struct bot_dept_map with, without;
    struct sn_err e = {0};
    assert_int_equal(
        bot_dept_map_parse("billing=finance, tech=tech2, tech2=tech3, *=tier2", &with, &e), SN_OK);
    assert_int_equal(bot_dept_map_parse("billing=finance", &without, &e), SN_OK);
    static const struct {
        int fallback; /* the map with a fallback (1) or without (0) */
        const char *from, *asked;
        int tier;
        const char *want; /* NULL: refused */
        int next;
    } cases[] = {
        {1, "billing", NULL, 1, "finance", 2}, /* the map's entry */
        {1, "tech", "", 1, "tech2", 2},        /* "" asks for nothing */
        {1, "tech2", NULL, 2, "tech3", 3},     /* a second line escalates to a third */
        {1, "orders", NULL, 1, "tier2", 2},    /* no entry: the fallback */
        {1, NULL, NULL, 1, "tier2", 2},        /* no department: the fallback */
        {1, "", NULL, 1, "tier2", 2},
        {1, "billing", "legal", 1, "legal", 2}, /* the agent's choice wins */
        {1, "billing", NULL, 0, "finance", 2},  /* before tiers: as tier 1 */
        {1, "billing", NULL, -5, "finance", 2},
        {1, "tier2", NULL, 2, NULL, 2},        /* the fallback is itself: refused */
        {1, "tech3", NULL, 3, NULL, 3},        /* the last tier */
        {1, "billing", "x", 3, NULL, 3},       /* the last tier, even when asked */
        {1, "billing", "x", 99, NULL, 99},     /* past it (a hand-edited row) */
        {1, "billing", "billing", 1, NULL, 1}, /* the same department */
        {0, "orders", NULL, 1, NULL, 1},       /* no entry, no fallback */
        {0, NULL, NULL, 1, NULL, 1},
        {0, "orders", "finance", 1, "finance", 2},
        {0, "billing", NULL, 2, "finance", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *to = "unset";
        int next = -1;
        struct sn_err err = {0};
        int rc = bot_escalate_target(cases[i].fallback ? &with : &without, cases[i].from,
                                     cases[i].asked, cases[i].tier, &to, &next, &err);
        if (cases[i].want) {
            assert_int_equal(rc, SN_OK);
            assert_non_null(to);
            assert_string_equal(to, cases[i].want);
        } else {
            assert_int_equal(rc, SN_EINVAL);
            assert_null(to);
            assert_true(err.msg[0] != '\0');
        }
        if (next != (cases[i].want ? cases[i].next : (cases[i].tier < 1 ? 1 : cases[i].tier)))
            fail_msg("case %zu: next tier %d", i, next);
    }
}

static void defaults(void **st)
{
    (void)st;
    struct bot_dept_map m, empty;
    struct sn_err e = {0};
    assert_int_equal(bot_dept_map_parse("tech=tech2, *=tier2", &m, &e), SN_OK);
    assert_int_equal(bot_dept_map_parse("none", &empty, &e), SN_OK);
    assert_string_equal(bot_escalate_default(&m, "tech"), "tech2");
    assert_string_equal(bot_escalate_default(&m, "billing"), "tier2");
    assert_string_equal(bot_escalate_default(&m, NULL), "tier2");
    assert_null(bot_escalate_default(&m, "tier2")); /* the fallback is itself */
    assert_null(bot_escalate_default(&empty, "tech"));
    assert_null(bot_escalate_default(&empty, NULL));
    assert_null(bot_escalate_default(NULL, "tech"));
}

/* Hostile escalation text: the map's own parser refuses it whole (bot/dept.h). */
static void hostile_maps(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "billing",      "billing=",         "=finance",          "a=b, a=c",     "*=x, *=y",
        "BILL=finance", "billing=fin ance", "billing=finance=x", "billing=\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct bot_dept_map m;
        struct sn_err e = {0};
        if (bot_dept_map_parse(bad[i], &m, &e) != SN_EINVAL)
            fail_msg("'%s' was taken", bad[i]);
        assert_int_equal(m.n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_and_tiers),
        cmocka_unit_test(defaults),
        cmocka_unit_test(hostile_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
