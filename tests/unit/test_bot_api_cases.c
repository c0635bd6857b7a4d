/* Unit tests for bot/api_cases.c's query reader (bot_api_cases_query_parse): every argument
 * of GET /api/cases, good and hostile, as a table; what a good query fills in; that a refused
 * one names the argument and leaves the filter zeroed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bot/api_cases.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* One query of at most 4 arguments, and whether it is taken; when refused, the word the
 * message must hold (the argument's name). */
struct row {
    const char *name[4], *value[4];
    int n, ok;
    const char *why;
};

static const struct row rows[] = {
    {{0}, {0}, 0, 1, NULL},
    {{"ref"}, {"S-7K3M9Q"}, 1, 1, NULL},
    {{"ref"}, {"s 7k3 m9q"}, 1, 1, NULL},
    {{"ref"}, {"7KEM9O"}, 1, 1, NULL},
    {{"ref"}, {"S-7K3M9"}, 1, 0, "ref"},
    {{"ref"}, {"S-7K3M9QQ"}, 1, 0, "ref"},
    {{"ref"}, {"S-UUUUUU"}, 1, 0, "ref"},
    {{"ref"}, {"' OR 1=1 --"}, 1, 0, "ref"},
    {{"ref"}, {""}, 1, 1, NULL}, /* empty: no condition */
    {{"status"}, {"new"}, 1, 1, NULL},
    {{"status"}, {"new,open,waiting,escalated,solved,closed"}, 1, 1, NULL},
    {{"status"}, {"new,new,new,new,new,new,new,new"}, 1, 1, NULL},
    {{"status"}, {"new,new,new,new,new,new,new,new,new"}, 1, 0, "status"},
    {{"status"}, {"bogus"}, 1, 0, "status"},
    {{"status"}, {"NEW"}, 1, 0, "status"},
    {{"status"}, {"new,"}, 1, 0, "status"},
    {{"status"}, {",new"}, 1, 0, "status"},
    {{"status"}, {"new,,open"}, 1, 0, "status"},
    {{"status"}, {"escalatedescalated"}, 1, 0, "status"},
    {{"department"}, {"billing"}, 1, 1, NULL},
    {{"department"}, {"tier-2_x"}, 1, 1, NULL},
    {{"department"}, {"Billing"}, 1, 0, "department"},
    {{"department"}, {"bill ing"}, 1, 0, "department"},
    {{"department"}, {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, 1, 0, "department"}, /* 33 */
    {{"assignee"}, {"amal.k"}, 1, 1, NULL},
    {{"assignee"}, {"A"}, 1, 0, "assignee"},
    {{"assignee"}, {"amal%"}, 1, 0, "assignee"},
    {{"q"}, {"50%_off"}, 1, 1, NULL},
    {{"q"}, {"فاتورة"}, 1, 1, NULL},
    {{"q"}, {"a\x01"}, 1, 0, "q"},
    {{"q"}, {"a\nb"}, 1, 0, "q"},
    {{"q"}, {"a\x7f"}, 1, 0, "q"},
    {{"q"}, {"\xff\xfe"}, 1, 0, "q"},
    {{"q"}, {"\xc0\xaf"}, 1, 0, "q"}, /* overlong '/' */
    {{"from"}, {"1"}, 1, 1, NULL},
    {{"from"}, {"0"}, 1, 1, NULL},
    {{"from"}, {"253402300799999"}, 1, 1, NULL},
    {{"from"}, {"253402300800000"}, 1, 0, "from"},
    {{"from"}, {"99999999999999999999"}, 1, 0, "from"},
    {{"from"}, {"-1"}, 1, 0, "from"},
    {{"from"}, {"+1"}, 1, 0, "from"},
    {{"from"}, {" 1"}, 1, 0, "from"},
    {{"from"}, {"1e5"}, 1, 0, "from"},
    {{"from"}, {"0x10"}, 1, 0, "from"},
    {{"to"}, {"0"}, 1, 0, "to"},
    {{"to"}, {"5"}, 1, 1, NULL},
    {{"from", "to"}, {"5", "5"}, 2, 1, NULL},
    {{"from", "to"}, {"6", "5"}, 2, 0, "from"},
    {{"visitor"}, {"vis_P-0123456789abcdef"}, 1, 1, NULL},
    {{"visitor"}, {"short"}, 1, 0, "visitor"},
    {{"visitor"}, {"vis_P-0123456789abcde!"}, 1, 0, "visitor"},
    {{"before"}, {"9007199254740991"}, 1, 1, NULL},
    {{"before"}, {"9007199254740992"}, 1, 0, "before"},
    {{"before"}, {"0"}, 1, 0, "before"},
    {{"limit"}, {"1"}, 1, 1, NULL},
    {{"limit"}, {"200"}, 1, 1, NULL},
    {{"limit"}, {"201"}, 1, 0, "limit"},
    {{"limit"}, {"0"}, 1, 0, "limit"},
    {{"limit"}, {"00000000000000001"}, 1, 0, "limit"}, /* 17 digits */
    {{"status", "status"}, {"new", "open"}, 2, 0, "status"},
    {{"q", "q"}, {"", ""}, 2, 0, "q"}, /* repeated even when empty */
    {{"foo"}, {"1"}, 1, 0, "foo"},
    {{"Status"}, {"new"}, 1, 0, "Status"},
    {{""}, {"x"}, 1, 0, "unknown"},
};

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        struct bot_api_cases_query q;
        struct sn_err e = {0};
        int rc = bot_api_cases_query_parse(rows[i].name, rows[i].value, rows[i].n, &q, &e);
        if ((rc == SN_OK) != rows[i].ok)
            fail_msg("row %zu (%s=%s): rc %d, %s", i, rows[i].name[0] ? rows[i].name[0] : "-",
                     rows[i].value[0] ? rows[i].value[0] : "-", rc, e.msg);
        if (!rows[i].ok) {
            assert_int_equal(rc, SN_EINVAL);
            if (!strstr(e.msg, rows[i].why))
                fail_msg("row %zu: \"%s\" does not name %s", i, e.msg, rows[i].why);
            /* refused: nothing half-read is left behind */
            assert_null(q.f.ref);
            assert_int_equal(q.f.nstatus, 0);
            assert_int_equal(q.f.limit, 0);
        }
    }
}

static void test_filled(void **state)
{
    (void)state;
    const char *name[] = {"ref",  "status", "department", "assignee", "q",
                          "from", "to",     "visitor",    "before",   "limit"};
    const char *value[] = {"s-7k3-m9q", "new,solved", "billing", "amal",
                           "50%_off",   "1000",       "2000",    "vis_P-0123456789abcdef",
                           "42",        "7"};
    struct bot_api_cases_query q;
    struct sn_err e = {0};
    assert_int_equal(bot_api_cases_query_parse(name, value, 10, &q, &e), SN_OK);
    assert_string_equal(q.f.ref, "S-7K3M9Q");
    assert_ptr_equal(q.f.ref, q.ref);
    assert_int_equal(q.f.nstatus, 2);
    assert_string_equal(q.f.status[0], "new");
    assert_string_equal(q.f.status[1], "solved");
    assert_string_equal(q.f.department, "billing");
    assert_string_equal(q.f.assignee, "amal");
    assert_string_equal(q.f.text, "50%_off"); /* as it is: the store escapes LIKE's wildcards */
    assert_int_equal(q.f.from, 1000);
    assert_int_equal(q.f.to, 2000);
    assert_string_equal(q.f.visitor_id, "vis_P-0123456789abcdef");
    assert_int_equal(q.f.before, 42);
    assert_int_equal(q.f.limit, 7);
    /* nothing given: every condition off, the default page */
    assert_int_equal(bot_api_cases_query_parse(NULL, NULL, 0, &q, &e), SN_OK);
    assert_null(q.f.ref);
    assert_null(q.f.text);
    assert_int_equal(q.f.nstatus, 0);
    assert_int_equal(q.f.limit, BOT_API_CASES_LIMIT);
}

/* 200 characters of Arabic (400 bytes) are taken, 201 are not. */
static void test_text_cap(void **state)
{
    (void)state;
    char s[2 * (BOT_API_CASES_Q_MAX + 1) + 1];
    const char *name[] = {"q"}, *value[] = {s};
    struct bot_api_cases_query q;
    struct sn_err e = {0};
    for (int i = 0; i < BOT_API_CASES_Q_MAX; i++)
        memcpy(s + 2 * i, "\xd8\xa7", 2);
    s[2 * BOT_API_CASES_Q_MAX] = 0;
    assert_int_equal(bot_api_cases_query_parse(name, value, 1, &q, &e), SN_OK);
    memcpy(s + 2 * BOT_API_CASES_Q_MAX, "\xd8\xa7", 3);
    assert_int_equal(bot_api_cases_query_parse(name, value, 1, &q, &e), SN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_filled),
        cmocka_unit_test(test_text_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
