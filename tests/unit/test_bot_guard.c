/* Unit tests for bot/guard.c with a fake clock: the delay table; a guesser at one address
 * slowed with growing delays while the real user at another address logs in; a guesser
 * spread over many addresses slowing only the addresses the account was never used from;
 * one address guessing many accounts leaving the known ones alone; counts running out with
 * the window; a full table reusing its oldest entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/guard.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define S(t) ((t)*1000LL) /* the guard counts in ms; these tests in seconds */

static const struct bot_guard_config cfg = {
    .pair_free = 5, .account_limit = 20, .address_limit = 20, .window = 900};

static void test_delay_table(void **state)
{
    (void)state;
    static const struct {
        int failures, free, max, want;
    } cases[] = {
        {0, 5, 900, 0},  {4, 5, 900, 0},    {5, 5, 900, 1},    {6, 5, 900, 2},
        {7, 5, 900, 4},  {14, 5, 900, 512}, {15, 5, 900, 900}, {1000, 5, 900, 900},
        {40, 5, 60, 60}, {0, 0, 10, 1},     {3, 1, 10, 4},     {INT32_MAX, 0, 900, 900},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got = bot_guard_delay(cases[i].failures, cases[i].free, cases[i].max);
        if (got != cases[i].want)
            fail_msg("delay(%d, %d, %d) = %d, want %d", cases[i].failures, cases[i].free,
                     cases[i].max, got, cases[i].want);
    }
}

/* Five wrong passwords at address A: A waits 1 s, then 2, 4 …; the user at B, where it
 * logged in before, is not held up at all (the old throttle locked it out everywhere). */
static void test_one_guesser(void **state)
{
    (void)state;
    struct bot_guard *g = bot_guard_new(&cfg);
    long long t = 1000;
    bot_guard_succeeded(g, "lina", "10.0.0.2", S(t)); /* the real user's usual address */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 0);
        bot_guard_failed(g, "lina", "10.0.0.1", S(t));
    }
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 1);
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.2", S(t)), 0);
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.3", S(t)), 0); /* a new address too */
    assert_int_equal(bot_guard_wait(g, "maha", "10.0.0.1", S(t)), 0); /* another account */
    t += 1;
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 0);
    bot_guard_failed(g, "lina", "10.0.0.1", S(t));
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 2); /* growing */
    t += 2;
    bot_guard_failed(g, "lina", "10.0.0.1", S(t));
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 4);
    /* the right password at A, once the wait is over, clears A's count */
    t += 4;
    bot_guard_succeeded(g, "lina", "10.0.0.1", S(t));
    assert_int_equal(bot_guard_wait(g, "lina", "10.0.0.1", S(t)), 0);
    bot_guard_free(g);
}

/* 25 failures against one account from 25 addresses: past account_limit, a new address
 * waits even with the right password, an address the account logged in from does not. */
static void test_spread_guesser(void **state)
{
    (void)state;
    struct bot_guard *g = bot_guard_new(&cfg);
    long long t = 5000;
    bot_guard_succeeded(g, "omar", "192.0.2.7", S(t - 3600));
    char ip[32];
    for (int i = 0; i < 25; i++) {
        snprintf(ip, sizeof ip, "198.51.100.%d", i);
        if (i < 20) /* under account_limit: a new address tries freely */
            assert_int_equal(bot_guard_wait(g, "omar", ip, S(t)), 0);
        else
            assert_true(bot_guard_wait(g, "omar", ip, S(t)) > 0);
        bot_guard_failed(g, "omar", ip, S(t));
    }
    assert_true(bot_guard_wait(g, "omar", "203.0.113.9", S(t)) > 0);     /* never used from there */
    assert_int_equal(bot_guard_wait(g, "omar", "192.0.2.7", S(t)), 0);   /* the user's own */
    assert_int_equal(bot_guard_wait(g, "sara", "203.0.113.9", S(t)), 0); /* other accounts */
    bot_guard_free(g);
}

/* One address guessing 30 accounts: past address_limit, accounts never used from it wait
 * there; one that was (a colleague behind the same NAT address) logs in. */
static void test_one_address_many_accounts(void **state)
{
    (void)state;
    struct bot_guard *g = bot_guard_new(&cfg);
    long long t = 9000;
    bot_guard_succeeded(g, "nour", "10.1.1.1", S(t - 60));
    char who[32];
    for (int i = 0; i < 30; i++) {
        snprintf(who, sizeof who, "ghost%d", i);
        bot_guard_failed(g, who, "10.1.1.1", S(t));
    }
    assert_true(bot_guard_wait(g, "newbie", "10.1.1.1", S(t)) > 0);
    assert_int_equal(bot_guard_wait(g, "nour", "10.1.1.1", S(t)), 0);
    assert_int_equal(bot_guard_wait(g, "newbie", "10.1.1.2", S(t)), 0); /* from elsewhere */
    bot_guard_free(g);
}

/* Tries are counted when made: ten at once from one address (their checks still running)
 * do not all pass the wait; a success gives the account's and address's count back. */
static void test_tries_at_once(void **state)
{
    (void)state;
    struct bot_guard *g = bot_guard_new(&cfg);
    int passed = 0;
    for (int i = 0; i < 10; i++)
        if (!bot_guard_wait(g, "hana", "10.2.0.1", S(50))) {
            bot_guard_failed(g, "hana", "10.2.0.1", S(50)); /* tried; not answered yet */
            passed++;
        }
    assert_int_equal(passed, 5);
    /* 19 tries that succeed from one address: its count stays low for other accounts */
    char who[32];
    for (int i = 0; i < 19; i++) {
        snprintf(who, sizeof who, "staff%d", i);
        bot_guard_failed(g, who, "10.3.0.1", S(60));
        bot_guard_succeeded(g, who, "10.3.0.1", S(60));
    }
    bot_guard_failed(g, "x", "10.3.0.1", S(60));
    assert_int_equal(bot_guard_wait(g, "newcomer", "10.3.0.1", S(60)), 0);
    bot_guard_free(g);
}

/* A count runs out `window` seconds after its first failure. */
static void test_window(void **state)
{
    (void)state;
    struct bot_guard_config c = cfg;
    c.window = 60;
    struct bot_guard *g = bot_guard_new(&c);
    for (int i = 0; i < 12; i++)
        bot_guard_failed(g, "a", "10.0.0.1", S(100));
    assert_int_equal(bot_guard_wait(g, "a", "10.0.0.1", S(100)), 60); /* capped at the window */
    assert_int_equal(bot_guard_wait(g, "a", "10.0.0.1", S(159)), 1);
    assert_int_equal(bot_guard_wait(g, "a", "10.0.0.1", S(160)), 0); /* the window is over */
    bot_guard_failed(g, "a", "10.0.0.1", S(161)); /* a fresh count: one failure, no wait */
    assert_int_equal(bot_guard_wait(g, "a", "10.0.0.1", S(161)), 0);
    /* milliseconds count: a delay of 1 s from a failure at 100.5 s ends at 101.5 s */
    for (int i = 0; i < 5; i++)
        bot_guard_failed(g, "b", "10.0.0.1", 100500);
    assert_int_equal(bot_guard_wait(g, "b", "10.0.0.1", 101200), 1); /* 300 ms, rounded up */
    assert_int_equal(bot_guard_wait(g, "b", "10.0.0.1", 101499), 1);
    assert_int_equal(bot_guard_wait(g, "b", "10.0.0.1", 101500), 0);
    bot_guard_free(g);
}

/* More keys than slots: the oldest count is reused, nothing overflows (ASan), and the
 * newest ones still count. */
static void test_full_table(void **state)
{
    (void)state;
    struct bot_guard *g = bot_guard_new(&cfg);
    char who[32];
    for (int i = 0; i < BOT_GUARD_SLOTS + 100; i++) {
        snprintf(who, sizeof who, "u%d", i);
        bot_guard_failed(g, who, "10.0.0.1", S(100 + i / 1000));
        bot_guard_succeeded(g, who, "10.9.9.9", S(100 + i / 1000));
    }
    for (int i = 0; i < 5; i++)
        bot_guard_failed(g, "last", "10.0.0.5", S(200));
    assert_int_equal(bot_guard_wait(g, "last", "10.0.0.5", S(200)), 1);
    /* a login and an address at their full lengths */
    char login[65], addr[49];
    memset(login, 'l', 64);
    login[64] = 0;
    memset(addr, '9', 48);
    addr[48] = 0;
    for (int i = 0; i < 6; i++)
        bot_guard_failed(g, login, addr, S(300));
    assert_int_equal(bot_guard_wait(g, login, addr, S(300)), 2);
    bot_guard_free(g);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_table),    cmocka_unit_test(test_one_guesser),
        cmocka_unit_test(test_spread_guesser), cmocka_unit_test(test_one_address_many_accounts),
        cmocka_unit_test(test_tries_at_once),  cmocka_unit_test(test_window),
        cmocka_unit_test(test_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
