/* Unit tests for bot/typing.c: the typing relay policy as tables of frame sequences (what a
 * sender sends and when, what reaches the other side), a flood that must not amplify, and
 * the reset a message or a move does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bot/typing.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct step {
    int on;
    long long now;
    int pass; /* expected */
};

static void test_sequences(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        struct step s[6];
        int n;
    } cases[] = {
        {"a start passes", {{1, 5000, 1}}, 1},
        {"a start at time 0 passes (nothing before)", {{1, 0, 1}}, 1},
        {"an end with nothing showing is dropped", {{0, 5000, 0}}, 1},
        {"start then end", {{1, 5000, 1}, {0, 5100, 1}}, 2},
        {"a second end is dropped", {{1, 5000, 1}, {0, 5100, 1}, {0, 5200, 0}}, 3},
        {"a refresh within the gap is dropped", {{1, 5000, 1}, {1, 5999, 0}}, 2},
        {"a refresh after the gap passes", {{1, 5000, 1}, {1, 6000, 1}}, 2},
        {"the end passes right after a start", {{1, 5000, 1}, {0, 5001, 1}}, 2},
        {"a restart within the gap after an end is dropped",
         {{1, 5000, 1}, {0, 5100, 1}, {1, 5200, 0}, {1, 6100, 1}},
         4},
        {"the gap counts from the last frame passed, not the last sent",
         {{1, 5000, 1}, {1, 5500, 0}, {1, 5900, 0}, {1, 6000, 1}},
         4},
        {"the clock went back: a start passes", {{1, 9000, 1}, {0, 9100, 1}, {1, 8000, 1}}, 3},
        {"a typical visitor: type, pause, type, stop",
         {{1, 1000, 1}, {1, 4000, 1}, {0, 9000, 1}, {1, 15000, 1}, {0, 16000, 1}},
         5},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_typing t = {0};
        for (int k = 0; k < cases[i].n; k++) {
            const struct step *st = &cases[i].s[k];
            int got = bot_typing_relay(&t, st->on, st->now);
            if (got != st->pass)
                fail_msg("%s: step %d (on=%d at %lld) passed=%d, want %d", cases[i].why, k, st->on,
                         st->now, got, st->pass);
        }
    }
}

/* A client sending typing every 2 ms for 10 s, alternating or not: at most two frames a
 * second reach the other side, and the last state that passed is the one shown. */
static void test_flood(void **state)
{
    (void)state;
    static const struct {
        const char *why;
        int alternate;
        int max_passed;
    } cases[] = {
        {"on, on, on…", 0, 10},
        {"on, off, on, off…", 1, 20},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_typing t = {0};
        int passed = 0;
        for (long long now = 1; now <= 10000; now += 2) {
            int on = cases[i].alternate ? (int)((now / 2) % 2 == 0) : 1;
            passed += bot_typing_relay(&t, on, now);
        }
        if (passed > cases[i].max_passed || passed < 2)
            fail_msg("%s: %d frames passed, want 2..%d", cases[i].why, passed, cases[i].max_passed);
    }
}

static void test_reset(void **state)
{
    (void)state;
    struct bot_typing t = {0};
    assert_int_equal(bot_typing_reset(&t), 0); /* nothing showed */
    assert_int_equal(bot_typing_relay(&t, 1, 5000), 1);
    assert_int_equal(bot_typing_reset(&t), 1); /* it showed: the caller may send an end */
    assert_int_equal(bot_typing_reset(&t), 0);
    /* after a message, the next start passes at once, and an end alone does not */
    assert_int_equal(bot_typing_relay(&t, 0, 5001), 0);
    assert_int_equal(bot_typing_relay(&t, 1, 5002), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_flood),
        cmocka_unit_test(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
