/* Unit tests for bot/case.c: every (status, event) pair of the case table against the
 * behaviour written out here (not derived from the module), names, the close and handoff
 * policies, and the reference: made, parsed from what visitors type, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/case.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The moves the table allows, one line each; every pair not listed is refused. */
struct move {
    enum bot_case_status from;
    enum bot_case_event ev;
    enum bot_case_status to;
};
static const struct move allowed[] = {
    /* a new case: nobody has it */
    {BOT_CASE_NEW, BOT_CASE_CREATED, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_HANDOFF, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_QUEUED, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
    {BOT_CASE_NEW, BOT_CASE_AGENT_REPLIED, BOT_CASE_WAITING},
    {BOT_CASE_NEW, BOT_CASE_VISITOR_WROTE, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_NOTE, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_MESSAGE_LEFT, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_LEFT, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_REQUEUED, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_ESCALATED_EV, BOT_CASE_ESCALATED},
    {BOT_CASE_NEW, BOT_CASE_SOLVED_EV, BOT_CASE_SOLVED},
    {BOT_CASE_NEW, BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    {BOT_CASE_NEW, BOT_CASE_CSAT, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_EMAIL_SENT, BOT_CASE_NEW},
    {BOT_CASE_NEW, BOT_CASE_EMAIL_FAILED, BOT_CASE_NEW},
    /* open: an agent has it, the visitor spoke last */
    {BOT_CASE_OPEN, BOT_CASE_HANDOFF, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_QUEUED, BOT_CASE_NEW},
    {BOT_CASE_OPEN, BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_TRANSFERRED, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_AGENT_REPLIED, BOT_CASE_WAITING},
    {BOT_CASE_OPEN, BOT_CASE_VISITOR_WROTE, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_NOTE, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_MESSAGE_LEFT, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_LEFT, BOT_CASE_NEW},
    {BOT_CASE_OPEN, BOT_CASE_REQUEUED, BOT_CASE_NEW},
    {BOT_CASE_OPEN, BOT_CASE_ESCALATED_EV, BOT_CASE_ESCALATED},
    {BOT_CASE_OPEN, BOT_CASE_SOLVED_EV, BOT_CASE_SOLVED},
    {BOT_CASE_OPEN, BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    {BOT_CASE_OPEN, BOT_CASE_CSAT, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_EMAIL_SENT, BOT_CASE_OPEN},
    {BOT_CASE_OPEN, BOT_CASE_EMAIL_FAILED, BOT_CASE_OPEN},
    /* waiting on the visitor: an agent spoke last */
    {BOT_CASE_WAITING, BOT_CASE_HANDOFF, BOT_CASE_OPEN},
    {BOT_CASE_WAITING, BOT_CASE_QUEUED, BOT_CASE_NEW},
    {BOT_CASE_WAITING, BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
    {BOT_CASE_WAITING, BOT_CASE_TRANSFERRED, BOT_CASE_WAITING},
    {BOT_CASE_WAITING, BOT_CASE_AGENT_REPLIED, BOT_CASE_WAITING},
    {BOT_CASE_WAITING, BOT_CASE_VISITOR_WROTE, BOT_CASE_OPEN},
    {BOT_CASE_WAITING, BOT_CASE_NOTE, BOT_CASE_WAITING},
    {BOT_CASE_WAITING, BOT_CASE_MESSAGE_LEFT, BOT_CASE_OPEN},
    {BOT_CASE_WAITING, BOT_CASE_LEFT, BOT_CASE_NEW},
    {BOT_CASE_WAITING, BOT_CASE_REQUEUED, BOT_CASE_NEW},
    {BOT_CASE_WAITING, BOT_CASE_ESCALATED_EV, BOT_CASE_ESCALATED},
    {BOT_CASE_WAITING, BOT_CASE_SOLVED_EV, BOT_CASE_SOLVED},
    {BOT_CASE_WAITING, BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    {BOT_CASE_WAITING, BOT_CASE_CSAT, BOT_CASE_WAITING},
    {BOT_CASE_WAITING, BOT_CASE_EMAIL_SENT, BOT_CASE_WAITING},
    {BOT_CASE_WAITING, BOT_CASE_EMAIL_FAILED, BOT_CASE_WAITING},
    /* escalated: stays so until a second-line agent takes it */
    {BOT_CASE_ESCALATED, BOT_CASE_HANDOFF, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_QUEUED, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
    {BOT_CASE_ESCALATED, BOT_CASE_TRANSFERRED, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_AGENT_REPLIED, BOT_CASE_WAITING},
    {BOT_CASE_ESCALATED, BOT_CASE_VISITOR_WROTE, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_NOTE, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_MESSAGE_LEFT, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_LEFT, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_REQUEUED, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_ESCALATED_EV, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_SOLVED_EV, BOT_CASE_SOLVED},
    {BOT_CASE_ESCALATED, BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    {BOT_CASE_ESCALATED, BOT_CASE_CSAT, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_EMAIL_SENT, BOT_CASE_ESCALATED},
    {BOT_CASE_ESCALATED, BOT_CASE_EMAIL_FAILED, BOT_CASE_ESCALATED},
    /* solved: notes, ratings, a later "spam", the reopening, and a follow-up by email
     * (agent_replied leaves it solved) with its delivery */
    {BOT_CASE_SOLVED, BOT_CASE_NOTE, BOT_CASE_SOLVED},
    {BOT_CASE_SOLVED, BOT_CASE_AGENT_REPLIED, BOT_CASE_SOLVED},
    {BOT_CASE_SOLVED, BOT_CASE_EMAIL_SENT, BOT_CASE_SOLVED},
    {BOT_CASE_SOLVED, BOT_CASE_EMAIL_FAILED, BOT_CASE_SOLVED},
    {BOT_CASE_SOLVED, BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    {BOT_CASE_SOLVED, BOT_CASE_REOPENED, BOT_CASE_NEW},
    {BOT_CASE_SOLVED, BOT_CASE_CSAT, BOT_CASE_SOLVED},
    /* closed (spam): final */
    {BOT_CASE_CLOSED, BOT_CASE_NOTE, BOT_CASE_CLOSED},
    {BOT_CASE_CLOSED, BOT_CASE_CSAT, BOT_CASE_CLOSED},
    {BOT_CASE_CLOSED, BOT_CASE_EMAIL_SENT, BOT_CASE_CLOSED},
    {BOT_CASE_CLOSED, BOT_CASE_EMAIL_FAILED, BOT_CASE_CLOSED},
    /* a missed SLA target: recorded whatever the status, never a move */
    {BOT_CASE_NEW, BOT_CASE_SLA_BREACHED, BOT_CASE_NEW},
    {BOT_CASE_OPEN, BOT_CASE_SLA_BREACHED, BOT_CASE_OPEN},
    {BOT_CASE_WAITING, BOT_CASE_SLA_BREACHED, BOT_CASE_WAITING},
    {BOT_CASE_ESCALATED, BOT_CASE_SLA_BREACHED, BOT_CASE_ESCALATED},
    {BOT_CASE_SOLVED, BOT_CASE_SLA_BREACHED, BOT_CASE_SOLVED},
    {BOT_CASE_CLOSED, BOT_CASE_SLA_BREACHED, BOT_CASE_CLOSED},
};

static void test_every_pair(void **state)
{
    (void)state;
    for (int s = 0; s < BOT_CASE_NSTATUSES; s++)
        for (int e = 0; e < BOT_CASE_NEVENTS; e++) {
            int want = -1;
            for (size_t i = 0; i < N_ELEMS(allowed); i++)
                if ((int)allowed[i].from == s && (int)allowed[i].ev == e)
                    want = (int)allowed[i].to;
            enum bot_case_status to = BOT_CASE_NSTATUSES;
            int rc = bot_case_next((enum bot_case_status)s, (enum bot_case_event)e, &to);
            if (want < 0) {
                if (rc != SN_ECONFLICT || (int)to != s)
                    fail_msg("%s on %s: want refused, got rc %d status %s", bot_case_status_name(s),
                             bot_case_event_name(e), rc, bot_case_status_name(to));
            } else if (rc != SN_OK || (int)to != want) {
                fail_msg("%s on %s: want %s, got rc %d status %s", bot_case_status_name(s),
                         bot_case_event_name(e), bot_case_status_name(want), rc,
                         bot_case_status_name(to));
            }
        }
}

/* A case's life: made at the handoff, taken, answered, the visitor writes, transferred,
 * solved, rated, reopened, taken again, closed as spam, and nothing after. */
static void test_life(void **state)
{
    (void)state;
    static const struct {
        enum bot_case_event ev;
        enum bot_case_status after;
    } life[] = {
        {BOT_CASE_CREATED, BOT_CASE_NEW},
        {BOT_CASE_HANDOFF, BOT_CASE_NEW},
        {BOT_CASE_QUEUED, BOT_CASE_NEW},
        {BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
        {BOT_CASE_AGENT_REPLIED, BOT_CASE_WAITING},
        {BOT_CASE_VISITOR_WROTE, BOT_CASE_OPEN},
        {BOT_CASE_TRANSFERRED, BOT_CASE_OPEN},
        {BOT_CASE_SOLVED_EV, BOT_CASE_SOLVED},
        {BOT_CASE_CSAT, BOT_CASE_SOLVED},
        {BOT_CASE_REOPENED, BOT_CASE_NEW},
        {BOT_CASE_ASSIGNED, BOT_CASE_OPEN},
        {BOT_CASE_CLOSED_EV, BOT_CASE_CLOSED},
    };
    enum bot_case_status s = BOT_CASE_NEW;
    for (size_t i = 0; i < N_ELEMS(life); i++) {
        assert_int_equal(bot_case_next(s, life[i].ev, &s), SN_OK);
        assert_int_equal(s, life[i].after);
    }
    assert_int_equal(bot_case_next(s, BOT_CASE_REOPENED, &s), SN_ECONFLICT);
    assert_int_equal(s, BOT_CASE_CLOSED);
}

static void test_out_of_range(void **state)
{
    (void)state;
    enum bot_case_status to;
    assert_int_equal(bot_case_next(BOT_CASE_NSTATUSES, BOT_CASE_CREATED, &to), SN_EINVAL);
    assert_int_equal(bot_case_next(BOT_CASE_NEW, BOT_CASE_NEVENTS, &to), SN_EINVAL);
    assert_int_equal(bot_case_next((enum bot_case_status) - 1, BOT_CASE_CREATED, &to), SN_EINVAL);
    assert_null(bot_case_status_name(BOT_CASE_NSTATUSES));
    assert_null(bot_case_event_name(BOT_CASE_NEVENTS));
    assert_int_equal(bot_case_is_open(BOT_CASE_NSTATUSES), 0);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const want[] = {"new", "open", "waiting", "escalated", "solved", "closed"};
    for (int s = 0; s < BOT_CASE_NSTATUSES; s++) {
        enum bot_case_status back;
        assert_string_equal(bot_case_status_name(s), want[s]);
        assert_int_equal(bot_case_status_parse(want[s], &back), SN_OK);
        assert_int_equal(back, s);
    }
    for (int e = 0; e < BOT_CASE_NEVENTS; e++) { /* every event has a distinct name */
        assert_non_null(bot_case_event_name(e));
        for (int f = 0; f < e; f++)
            assert_string_not_equal(bot_case_event_name(e), bot_case_event_name(f));
    }
    static const char *const bad[] = {"", "New", "solved ", "open\n", "queued", "closed;--"};
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        enum bot_case_status back = BOT_CASE_CLOSED;
        assert_int_equal(bot_case_status_parse(bad[i], &back), SN_EINVAL);
        assert_int_equal(back, BOT_CASE_NEW);
    }
    enum bot_case_status back;
    assert_int_equal(bot_case_status_parse(NULL, &back), SN_EINVAL);
    assert_int_equal(bot_case_is_open(BOT_CASE_WAITING), 1);
    assert_int_equal(bot_case_is_open(BOT_CASE_SOLVED), 0);
    assert_int_equal(bot_case_is_open(BOT_CASE_CLOSED), 0);
}

static void test_policies(void **state)
{
    (void)state;
    assert_int_equal(bot_case_close_event("spam"), BOT_CASE_CLOSED_EV);
    assert_int_equal(bot_case_close_event("resolved"), BOT_CASE_SOLVED_EV);
    assert_int_equal(bot_case_close_event("Spam"), BOT_CASE_SOLVED_EV);
    assert_int_equal(bot_case_close_event(NULL), BOT_CASE_SOLVED_EV);
    assert_string_equal(bot_case_handoff_reason("ask_for_human"), "asked");
    assert_string_equal(bot_case_handoff_reason("affirm"), "accepted_offer");
    assert_string_equal(bot_case_handoff_reason(NULL), "button");
}

static void test_reopens(void **state)
{
    (void)state;
    const long long now = 1800000000000LL;
    static const struct {
        int status;
        long long solved_ago; /* ms before now (now itself: solved_at 0) */
        int days, want;
    } rows[] = {
        {BOT_CASE_SOLVED, 1000, 7, 1},
        {BOT_CASE_SOLVED, 6 * 86400000LL, 7, 1},
        {BOT_CASE_SOLVED, 7 * 86400000LL - 1, 7, 1},
        {BOT_CASE_SOLVED, 7 * 86400000LL, 7, 0}, /* exactly reopen_days: too late */
        {BOT_CASE_SOLVED, 30 * 86400000LL, 7, 0},
        {BOT_CASE_SOLVED, 1000, 0, 0}, /* 0: never */
        {BOT_CASE_SOLVED, 1000, -3, 0},
        {BOT_CASE_SOLVED, -1000, 7, 0}, /* solved in the future: a clock set back */
        {BOT_CASE_SOLVED, now, 7, 0},   /* solved_at 0: unknown */
        {BOT_CASE_CLOSED, 1000, 7, 0},  /* spam is never reopened */
        {BOT_CASE_NEW, 1000, 7, 0},
        {BOT_CASE_OPEN, 1000, 7, 0},
        {BOT_CASE_WAITING, 1000, 7, 0},
        {BOT_CASE_ESCALATED, 1000, 7, 0},
        {BOT_CASE_NSTATUSES, 1000, 7, 0},
        {BOT_CASE_SOLVED, 1000, 3650, 1},
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++)
        if (bot_case_reopens((enum bot_case_status)rows[i].status, now - rows[i].solved_ago, now,
                             rows[i].days) != rows[i].want)
            fail_msg("row %zu: want %d", i, rows[i].want);
}

static void test_ref_make(void **state)
{
    (void)state;
    char out[BOT_CASE_REF_MAX], back[BOT_CASE_REF_MAX];
    static const unsigned char zero[4] = {0}, ones[4] = {0xff, 0xff, 0xff, 0xff},
                               some[4] = {0x12, 0x34, 0x56, 0x78};
    bot_case_ref_make(zero, out);
    assert_string_equal(out, "S-000000");
    bot_case_ref_make(ones, out); /* the low 30 bits */
    assert_string_equal(out, "S-ZZZZZZ");
    bot_case_ref_make(some, out); /* 0x12345678 fits 30 bits */
    assert_string_equal(out, "S-938NKR");
    for (int i = 0; i < 2000; i++) { /* every made reference parses back to itself */
        unsigned char r[4] = {(unsigned char)(i * 37), (unsigned char)(i >> 3),
                              (unsigned char)(i * 101), (unsigned char)i};
        bot_case_ref_make(r, out);
        assert_int_equal(strlen(out), BOT_CASE_REF_LEN);
        assert_null(strpbrk(out + 2, "ILOU"));
        assert_int_equal(bot_case_ref_parse(out, strlen(out), back), SN_OK);
        assert_string_equal(back, out);
    }
}

static void test_ref_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } good[] = {
        {"S-938NKR", "S-938NKR"},  {"s-938nkr", "S-938NKR"},    {"938NKR", "S-938NKR"},
        {"s 938 nkr", "S-938NKR"}, {"S--93-8N-KR", "S-938NKR"}, {" S938NKR ", "S-938NKR"},
        {"S-O0I1L1", "S-001111"},  {"s-oiloil", "S-011011"},    {"SSSSSS", "S-SSSSSS"},
        {"SSSSSSS", "S-SSSSSS"},
    };
    char out[BOT_CASE_REF_MAX];
    for (size_t i = 0; i < N_ELEMS(good); i++) {
        if (bot_case_ref_parse(good[i].in, strlen(good[i].in), out) != SN_OK)
            fail_msg("'%s' refused", good[i].in);
        assert_string_equal(out, good[i].want);
    }
    static const char *const bad[] = {
        "",
        "S-",
        "S-4D5KK",
        "S-4D5KKRR",
        "4D5KKRRR",
        "S-4D5KKU",
        "S-4D5KK!",
        "S_4D5KKR",
        "S-4D5KK\t",
        "S-4D5KK\n",
        "X-4D5KKR",
        "SS-4D5KKR",
        "S-4D5KK'",
        "' OR 1=1 --",
        "S-٤D5KKR",
        "S-4D5KKＲ",
        "S-4D5KKR\xff",
        "        ",
        "------",
        "S-4D5KKR--S",
        "S-4D5KKR                          ", /* past BOT_CASE_REF_INPUT */
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        strcpy(out, "junk");
        if (bot_case_ref_parse(bad[i], strlen(bad[i]), out) != SN_EINVAL)
            fail_msg("'%s' accepted as %s", bad[i], out);
        assert_string_equal(out, "");
    }
    /* a NUL inside, and no string at all */
    assert_int_equal(bot_case_ref_parse("S-4D\0KKR", 8, out), SN_EINVAL);
    assert_int_equal(bot_case_ref_parse(NULL, 0, out), SN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pair),   cmocka_unit_test(test_life),
        cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_names),
        cmocka_unit_test(test_policies),     cmocka_unit_test(test_reopens),
        cmocka_unit_test(test_ref_make),     cmocka_unit_test(test_ref_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
