/* Unit tests for bot/conv.c: the conversation state table, every (state, event) pair
 * against the behaviour the server had before the table existed (written out here, not
 * derived from the module), names at the store and wire boundaries, hostile names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/conv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NO         (-1) /* refused */

/* expect[state][event]: the next state, or NO */
static const int expect[BOT_CONV_NSTATES][BOT_CONV_NEVENTS] = {
    /*                 handoff          assign          transfer        close
                       leave            requeue         expire
                       escalate         to_department */
    [BOT_CONV_BOT] = {BOT_CONV_QUEUED, NO, NO, NO, NO, NO, NO, NO, NO},
    [BOT_CONV_QUEUED] = {BOT_CONV_QUEUED, BOT_CONV_AGENT, NO, NO, BOT_CONV_BOT, NO, BOT_CONV_BOT,
                         NO, NO},
    [BOT_CONV_AGENT] = {NO, NO, BOT_CONV_AGENT, BOT_CONV_CLOSED, NO, BOT_CONV_QUEUED, NO,
                        BOT_CONV_QUEUED, BOT_CONV_QUEUED},
    [BOT_CONV_CLOSED] = {BOT_CONV_QUEUED, NO, NO, NO, NO, NO, NO, NO, NO},
};

static void test_every_transition(void **state)
{
    (void)state;
    for (int s = 0; s < BOT_CONV_NSTATES; s++)
        for (int e = 0; e < BOT_CONV_NEVENTS; e++) {
            enum bot_conv_state to = BOT_CONV_NSTATES;
            int rc = bot_conv_next((enum bot_conv_state)s, (enum bot_conv_event)e, &to);
            if (expect[s][e] == NO) {
                if (rc != SN_ECONFLICT || to != (enum bot_conv_state)s)
                    fail_msg("%s on %s: want refused, got rc %d state %s", bot_conv_state_name(s),
                             bot_conv_event_name(e), rc, bot_conv_state_name(to));
            } else if (rc != SN_OK || (int)to != expect[s][e]) {
                fail_msg("%s on %s: want %s, got rc %d state %s", bot_conv_state_name(s),
                         bot_conv_event_name(e), bot_conv_state_name(expect[s][e]), rc,
                         bot_conv_state_name(to));
            }
        }
}

/* A conversation's whole life: handoff, assignment, transfer, close, and a second handoff;
 * and the two ways back to the bot. */
static void test_paths(void **state)
{
    (void)state;
    static const enum bot_conv_event life[] = {BOT_CONV_HANDOFF, BOT_CONV_ASSIGN, BOT_CONV_TRANSFER,
                                               BOT_CONV_REQUEUE, BOT_CONV_ASSIGN, BOT_CONV_CLOSE,
                                               BOT_CONV_HANDOFF, BOT_CONV_LEAVE};
    static const enum bot_conv_state after[] = {BOT_CONV_QUEUED, BOT_CONV_AGENT, BOT_CONV_AGENT,
                                                BOT_CONV_QUEUED, BOT_CONV_AGENT, BOT_CONV_CLOSED,
                                                BOT_CONV_QUEUED, BOT_CONV_BOT};
    enum bot_conv_state s = BOT_CONV_BOT;
    for (size_t i = 0; i < N_ELEMS(life); i++) {
        assert_int_equal(bot_conv_next(s, life[i], &s), SN_OK);
        assert_int_equal(s, after[i]);
    }
    assert_int_equal(bot_conv_next(BOT_CONV_BOT, BOT_CONV_HANDOFF, &s), SN_OK);
    assert_int_equal(bot_conv_next(s, BOT_CONV_EXPIRE, &s), SN_OK);
    assert_int_equal(s, BOT_CONV_BOT);
    /* an agent's chat is never handed off again, nor closed twice */
    s = BOT_CONV_AGENT;
    assert_int_equal(bot_conv_next(s, BOT_CONV_HANDOFF, &s), SN_ECONFLICT);
    assert_int_equal(bot_conv_next(s, BOT_CONV_CLOSE, &s), SN_OK);
    assert_int_equal(bot_conv_next(s, BOT_CONV_CLOSE, &s), SN_ECONFLICT);
    assert_int_equal(s, BOT_CONV_CLOSED);
}

static void test_out_of_range(void **state)
{
    (void)state;
    enum bot_conv_state to;
    assert_int_equal(bot_conv_next(BOT_CONV_NSTATES, BOT_CONV_HANDOFF, &to), SN_EINVAL);
    assert_int_equal(bot_conv_next((enum bot_conv_state) - 1, BOT_CONV_HANDOFF, &to), SN_EINVAL);
    assert_int_equal(bot_conv_next(BOT_CONV_BOT, BOT_CONV_NEVENTS, &to), SN_EINVAL);
    assert_int_equal(bot_conv_next(BOT_CONV_BOT, (enum bot_conv_event) - 1, &to), SN_EINVAL);
    assert_int_equal(to, BOT_CONV_BOT);
    assert_null(bot_conv_state_name(BOT_CONV_NSTATES));
    assert_null(bot_conv_state_name((enum bot_conv_state) - 1));
    assert_null(bot_conv_event_name(BOT_CONV_NEVENTS));
}

/* The store and the wire know the states by these names; the widget and older stores rely
 * on them (docs/protocol.md: welcome.state). */
static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {"bot", "queued", "agent", "closed"};
    assert_int_equal(N_ELEMS(names), BOT_CONV_NSTATES);
    for (int s = 0; s < BOT_CONV_NSTATES; s++) {
        enum bot_conv_state back = BOT_CONV_NSTATES;
        assert_string_equal(bot_conv_state_name(s), names[s]);
        assert_int_equal(bot_conv_state_parse(names[s], &back), SN_OK);
        assert_int_equal(back, s);
    }
    for (int e = 0; e < BOT_CONV_NEVENTS; e++)
        assert_non_null(bot_conv_event_name(e));
}

static void test_parse_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {"",         "Queued", "queued ", " bot",  "agentx", "close",
                                      "closed\n", "b\0ot",  "بوت",     "AGENT", "0"};
    enum bot_conv_state s = BOT_CONV_CLOSED;
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        s = BOT_CONV_CLOSED;
        if (bot_conv_state_parse(bad[i], &s) != SN_EINVAL || s != BOT_CONV_BOT)
            fail_msg("\"%s\" parsed as a state", bad[i]);
    }
    assert_int_equal(bot_conv_state_parse(NULL, &s), SN_EINVAL);
    assert_int_equal(s, BOT_CONV_BOT);
    char big[4096];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(bot_conv_state_parse(big, &s), SN_EINVAL);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition), cmocka_unit_test(test_paths),
        cmocka_unit_test(test_out_of_range),     cmocka_unit_test(test_names),
        cmocka_unit_test(test_parse_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
