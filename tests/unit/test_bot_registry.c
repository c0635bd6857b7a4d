/* Unit tests for bot/registry.c: conversation id -> attached connections, against a
 * brute-force model through thousands of random attaches and detaches (chains, growth),
 * and the delivery contract: every connection of a conversation, no other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/registry.h"

/* A connection as the registry sees one: an id and a link. */
struct conn {
    char id[32];
    void *link;
    int attached;
};

static const char *id_of(const void *c)
{
    return ((const struct conn *)c)->id;
}

static void **link_of(void *c)
{
    return &((struct conn *)c)->link;
}

static void test_basics(void **state)
{
    (void)state;
    struct bot_registry *r = bot_registry_new(id_of, link_of);
    struct conn a = {.id = "c_1"}, b = {.id = "c_1"}, c = {.id = "c_2"}, d = {.id = "c_"};
    void *out[4];
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 0);
    bot_registry_attach(r, &a);
    bot_registry_attach(r, &b);
    bot_registry_attach(r, &c);
    assert_int_equal(bot_registry_count(r), 3);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 2);
    assert_true((out[0] == &a && out[1] == &b) || (out[0] == &b && out[1] == &a));
    assert_int_equal(bot_registry_conns(r, "c_1", out, 1), 2); /* the count, one copied */
    assert_int_equal(bot_registry_conns(r, "c_1", NULL, 0), 2);
    assert_int_equal(bot_registry_conns(r, "c_", out, 4), 0); /* a prefix is not the id */
    assert_int_equal(bot_registry_conns(r, "", out, 4), 0);
    bot_registry_detach(r, &d); /* never attached: ignored */
    assert_int_equal(bot_registry_count(r), 3);
    bot_registry_detach(r, &a);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 1);
    assert_ptr_equal(out[0], &b);
    bot_registry_detach(r, &a); /* twice: ignored */
    bot_registry_detach(r, &b);
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 0);
    assert_int_equal(bot_registry_conns(r, "c_2", out, 4), 1);
    assert_int_equal(bot_registry_count(r), 1);
    bot_registry_attach(r, &a); /* gone, then back */
    assert_int_equal(bot_registry_conns(r, "c_1", out, 4), 1);
    bot_registry_free(r);
    bot_registry_free(NULL);
}

#define NCONV  300
#define NCONN  2000
#define ROUNDS 40000

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random attach / detach of 2,000 connections over 300 conversations against a model: the
 * table grows while chains run through the connections. */
static void test_against_model(void **state)
{
    (void)state;
    static struct conn c[NCONN];
    struct bot_registry *r = bot_registry_new(id_of, link_of);
    for (int k = 0; k < NCONN; k++)
        snprintf(c[k].id, sizeof c[k].id, "c_%08x", (unsigned)(k % NCONV) * 2654435761u);
    for (int round = 0; round < ROUNDS; round++) {
        struct conn *x = &c[next() % NCONN];
        if (!x->attached) {
            bot_registry_attach(r, x);
            x->attached = 1;
        } else if (next() % 3) {
            bot_registry_detach(r, x);
            x->attached = 0;
        }
        if (round % 997 == 0 || round == ROUNDS - 1) {
            size_t all = 0;
            for (int v = 0; v < NCONV; v++) {
                void *out[NCONN];
                size_t want = 0;
                for (int k = v; k < NCONN; k += NCONV)
                    want += c[k].attached;
                all += want;
                size_t got = bot_registry_conns(r, c[v].id, out, NCONN);
                if (got != want)
                    fail_msg("round %d, %s: %zu connections, want %zu", round, c[v].id, got, want);
                for (size_t i = 0; i < got; i++) {
                    const struct conn *y = out[i];
                    if (!y->attached || strcmp(y->id, c[v].id))
                        fail_msg("round %d, %s: a connection that is not its own", round, c[v].id);
                }
            }
            assert_int_equal(bot_registry_count(r), all);
        }
    }
    bot_registry_free(r);
}

/* 10,000 visitors at once, then all gone: the table holds them and gives each its own. */
static void test_many(void **state)
{
    (void)state;
    static struct conn c[10000];
    struct bot_registry *r = bot_registry_new(id_of, link_of);
    void *out[2];
    for (int i = 0; i < 10000; i++) {
        snprintf(c[i].id, sizeof c[i].id, "c_%d", i);
        bot_registry_attach(r, &c[i]);
    }
    assert_int_equal(bot_registry_count(r), 10000);
    for (int i = 0; i < 10000; i += 7) {
        assert_int_equal(bot_registry_conns(r, c[i].id, out, 2), 1);
        assert_ptr_equal(out[0], &c[i]);
    }
    for (int i = 0; i < 10000; i++)
        bot_registry_detach(r, &c[i]);
    assert_int_equal(bot_registry_count(r), 0);
    assert_int_equal(bot_registry_conns(r, c[5].id, out, 2), 0);
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
