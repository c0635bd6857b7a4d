/* Unit tests for bot/registry.c: conversation id -> attached connections, against a
 * brute-force model through thousands of random attaches and detaches (growth, tombstones,
 * reuse), and the delivery contract: every connection of a conversation, no other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/registry.h"

static void test_basics(void **state)
{
    (void)state;
    struct bot_registry *r = bot_registry_new();
    int a, b, c;
    void *out[4];
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 0);
    bot_registry_attach(r, "c_1", &a);
    bot_registry_attach(r, "c_1", &b);
    bot_registry_attach(r, "c_1", &a); /* twice: kept once */
    bot_registry_attach(r, "c_2", &c);
    assert_int_equal(bot_registry_count(r), 2);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 2);
    assert_ptr_equal(out[0], &a);
    assert_ptr_equal(out[1], &b);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 1), 2); /* the count, one copied */
    assert_int_equal(bot_registry_conns(r, "c_1", NULL, 0), 2);
    assert_int_equal(bot_registry_conns(r, "c_", out, 4), 0); /* a prefix is not the id */
    assert_int_equal(bot_registry_conns(r, "", out, 4), 0);
    bot_registry_detach(r, "c_1", &c); /* not attached there: ignored */
    bot_registry_detach(r, "c_9", &a); /* unknown conversation: ignored */
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 2);
    bot_registry_detach(r, "c_1", &a);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 1);
    assert_ptr_equal(out[0], &b);
    bot_registry_detach(r, "c_1", &b);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 0);
    assert_int_equal(bot_registry_count(r), 1);
    bot_registry_attach(r, "c_1", &c); /* forgotten, then back */
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 1);
    bot_registry_free(r);
    bot_registry_free(NULL);
}

#define NCONV  300
#define NCONN  8
#define ROUNDS 40000

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random attach / detach against a model; conversations come and go so that the table
 * grows, fills with tombstones and reuses them. */
static void test_against_model(void **state)
{
    (void)state;
    static unsigned char model[NCONV][NCONN];
    static int conns[NCONN];
    struct bot_registry *r = bot_registry_new();
    char id[32];
    for (int round = 0; round < ROUNDS; round++) {
        int c = (int)(next() % NCONV), k = (int)(next() % NCONN);
        snprintf(id, sizeof id, "c_%08x", (unsigned)c * 2654435761u);
        if (next() % 2) {
            bot_registry_attach(r, id, &conns[k]);
            model[c][k] = 1;
        } else {
            bot_registry_detach(r, id, &conns[k]);
            model[c][k] = 0;
        }
        if (round % 997 == 0 || round == ROUNDS - 1) {
            size_t live = 0;
            for (int cc = 0; cc < NCONV; cc++) {
                void *out[NCONN];
                size_t want = 0;
                snprintf(id, sizeof id, "c_%08x", (unsigned)cc * 2654435761u);
                for (int kk = 0; kk < NCONN; kk++)
                    want += model[cc][kk];
                live += want > 0;
                size_t got = bot_registry_conns(r, id, out, NCONN);
                if (got != want)
                    fail_msg("round %d, %s: %zu connections, want %zu", round, id, got, want);
                for (size_t i = 0; i < got; i++) {
                    int kk = (int)((int *)out[i] - conns);
                    if (kk < 0 || kk >= NCONN || !model[cc][kk])
                        fail_msg("round %d, %s: a connection that is not attached", round, id);
                }
            }
            assert_int_equal(bot_registry_count(r), live);
        }
    }
    bot_registry_free(r);
}

/* Many conversations at once (10,000 visitors), then all gone: the table holds them and
 * gives each its own. */
static void test_many(void **state)
{
    (void)state;
    struct bot_registry *r = bot_registry_new();
    static int conns[10000];
    char id[32];
    void *out[2];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "c_%d", i);
        bot_registry_attach(r, id, &conns[i]);
    }
    assert_int_equal(bot_registry_count(r), 10000);
    for (int i = 0; i < 10000; i += 7) {
        snprintf(id, sizeof id, "c_%d", i);
        assert_int_equal(bot_registry_conns(r, id, out, 2), 1);
        assert_ptr_equal(out[0], &conns[i]);
    }
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "c_%d", i);
        bot_registry_detach(r, id, &conns[i]);
    }
    assert_int_equal(bot_registry_count(r), 0);
    for (int i = 0; i < 10000; i++) { /* every slot a tombstone: new ones still go in */
        snprintf(id, sizeof id, "d_%d", i);
        bot_registry_attach(r, id, &conns[i]);
    }
    assert_int_equal(bot_registry_count(r), 10000);
    bot_registry_free(r);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
