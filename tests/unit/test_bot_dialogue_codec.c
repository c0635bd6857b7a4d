/* Unit tests for bot/dialogue_codec.c: the dialogue's stored form. Round trips, a newer
 * format's extra keys, an older one's missing keys, the raw layout of binaries before the
 * format, and hostile input that must give a fresh dialogue, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/dialogue.h"
#include "bot/dialogue_raw.h"

static void sample(struct bot_dialogue *d)
{
    bot_dialogue_init(d, "en");
    d->misses = 1;
    d->awaiting = AWAIT_PICK;
    snprintf(d->last_kb_id, sizeof d->last_kb_id, "en-012");
    snprintf(d->last_q, sizeof d->last_q, "fiber prices «كم»");
    d->turns = 7;
    d->last_q_logged = 1;
    d->nsugg = 2;
    snprintf(d->sugg_ids[0], sizeof d->sugg_ids[0], "en-012");
    snprintf(d->sugg_ids[1], sizeof d->sugg_ids[1], "en-013");
}

/* d as a binary before format 1 stored it. */
static void to_raw(const struct bot_dialogue *d, struct bot_dialogue_raw *r)
{
    memset(r, 0, sizeof *r);
    memcpy(r->lang, d->lang, 3);
    r->misses = d->misses;
    r->awaiting = d->awaiting;
    memcpy(r->last_kb_id, d->last_kb_id, sizeof r->last_kb_id);
    memcpy(r->last_q, d->last_q, sizeof r->last_q);
    r->turns = d->turns;
    r->last_q_logged = d->last_q_logged;
    r->lang_hinted = d->lang_hinted;
    r->nsugg = d->nsugg;
    for (int i = 0; i < d->nsugg; i++)
        memcpy(r->sugg_ids[i], d->sugg_ids[i], sizeof r->sugg_ids[i]);
}

static void assert_same(const struct bot_dialogue *a, const struct bot_dialogue *b)
{
    assert_string_equal(a->lang, b->lang);
    assert_int_equal(a->misses, b->misses);
    assert_int_equal(a->awaiting, b->awaiting);
    assert_string_equal(a->last_kb_id, b->last_kb_id);
    assert_string_equal(a->last_q, b->last_q);
    assert_int_equal(a->turns, b->turns);
    assert_int_equal(a->last_q_logged, b->last_q_logged);
    assert_int_equal(a->lang_hinted, b->lang_hinted);
    assert_int_equal(a->nsugg, b->nsugg);
    for (int i = 0; i < a->nsugg; i++)
        assert_string_equal(a->sugg_ids[i], b->sugg_ids[i]);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct bot_dialogue d, back;
    sample(&d);
    char *s = bot_dialogue_encode(&d);
    assert_true(s[0] == '{' && strstr(s, "\"v\":1") && strstr(s, "\"awaiting\":\"pick\""));
    assert_int_equal(bot_dialogue_decode(s, strlen(s), NULL, &back), SN_OK);
    assert_same(&d, &back);
    free(s);
    bot_dialogue_init(&d, NULL); /* a fresh one too */
    s = bot_dialogue_encode(&d);
    assert_int_equal(bot_dialogue_decode(s, strlen(s), "en", &back), SN_OK);
    assert_same(&d, &back);
    free(s);
}

/* A newer binary's format: what this one knows is kept, the rest skipped. */
static void test_newer_and_older(void **state)
{
    (void)state;
    struct bot_dialogue d;
    static const char newer[] =
        "{\"v\":9,\"lang\":\"en\",\"turns\":4,\"awaiting\":\"human\",\"mood\":\"calm\","
        "\"suggestions\":[],\"case\":{\"ref\":\"A-1\"}}";
    assert_int_equal(bot_dialogue_decode(newer, strlen(newer), "ar", &d), SN_OK);
    assert_string_equal(d.lang, "en");
    assert_int_equal(d.turns, 4);
    assert_int_equal(d.awaiting, AWAIT_HUMAN);
    static const char older[] = "{\"v\":1}"; /* every field missing: initial values */
    assert_int_equal(bot_dialogue_decode(older, strlen(older), "en", &d), SN_OK);
    assert_string_equal(d.lang, "en");
    assert_int_equal(d.turns, 0);
    assert_int_equal(d.awaiting, AWAIT_NOTHING);
    assert_int_equal(d.lang_hinted, 0); /* not stored as hinted */
}

/* The raw layout binaries stored before format 1; damaged fields are made sane. */
static void test_raw_layout(void **state)
{
    (void)state;
    struct bot_dialogue d, back;
    struct bot_dialogue_raw r;
    sample(&d);
    to_raw(&d, &r);
    assert_int_equal(bot_dialogue_decode(&r, sizeof r, NULL, &back), SN_OK);
    assert_same(&d, &back);
    memset(&r, 0x7f, sizeof r); /* no NUL anywhere, nonsense numbers */
    assert_int_equal(bot_dialogue_decode(&r, sizeof r, NULL, &back), SN_OK);
    assert_string_equal(back.lang, "ar");
    assert_true(strlen(back.last_q) < sizeof back.last_q);
    assert_true(strlen(back.last_kb_id) < sizeof back.last_kb_id);
    assert_true(back.nsugg <= BOT_MAX_SUGGESTIONS);
    assert_true(back.awaiting < AWAIT_N);
    assert_true(back.misses >= 0 && back.misses <= 1000);
    r.nsugg = -5; /* negative counts read as none */
    r.awaiting = AWAIT_PICK;
    assert_int_equal(bot_dialogue_decode(&r, sizeof r, NULL, &back), SN_OK);
    assert_int_equal(back.nsugg, 0);
    assert_int_equal(back.awaiting, AWAIT_NOTHING); /* nothing to pick from */
    assert_int_equal(bot_dialogue_decode(&r, sizeof r - 1, "en", &back), SN_EINVAL);
    assert_string_equal(back.lang, "en");
    /* the live struct is no longer that layout: its own bytes are not a stored dialogue */
    if (sizeof d != sizeof r)
        assert_int_equal(bot_dialogue_decode(&d, sizeof d, NULL, &back), SN_EINVAL);
}

/* The store migration's hook: a raw dialogue becomes the JSON form with the same fields;
 * JSON, a wrong size and nothing are left alone (NULL). */
static void test_upgrade(void **state)
{
    (void)state;
    struct bot_dialogue d, back;
    struct bot_dialogue_raw r;
    sample(&d);
    to_raw(&d, &r);
    char *up = bot_dialogue_upgrade(&r, sizeof r);
    assert_non_null(up);
    assert_int_equal(up[0], '{');
    assert_int_equal(bot_dialogue_decode(up, strlen(up), NULL, &back), SN_OK);
    assert_same(&d, &back);
    assert_null(bot_dialogue_upgrade(up, strlen(up))); /* already today's form */
    free(up);
    assert_null(bot_dialogue_upgrade(&r, sizeof r - 1));
    assert_null(bot_dialogue_upgrade("", 0));
    assert_null(bot_dialogue_upgrade(NULL, 10));
}

static void test_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "{}",
        "{\"v\":0}",
        "{\"v\":\"1\"}",
        "{\"v\":1,\"v\":1}",
        "null",
        "7",
        "{\"v\":1,\"lang\":\"en\"",
        "\xff\xfe",
        "{\"v\":1,\"last_q\":\"a\\u0000b\"}",
    };
    struct bot_dialogue d;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (bot_dialogue_decode(bad[i], strlen(bad[i]), "en", &d) != SN_EINVAL)
            fail_msg("'%s' was read as a dialogue", bad[i]);
        assert_string_equal(d.lang, "en");
        assert_int_equal(d.turns, 0);
    }
    assert_int_equal(bot_dialogue_decode(NULL, 0, NULL, &d), SN_EINVAL);
    /* values out of range or of the wrong type fall back one by one */
    static const char odd[] =
        "{\"v\":1,\"lang\":\"fr\",\"misses\":-3,\"turns\":1e99,\"awaiting\":\"dance\","
        "\"last_kb_id\":7,\"last_q_logged\":\"yes\",\"suggestions\":[\"a\",5,\"b\"],"
        "\"lang_hinted\":true}";
    assert_int_equal(bot_dialogue_decode(odd, strlen(odd), "ar", &d), SN_OK);
    assert_string_equal(d.lang, "ar");
    assert_int_equal(d.misses, 0);
    assert_int_equal(d.turns, 0);
    assert_int_equal(d.awaiting, AWAIT_NOTHING);
    assert_string_equal(d.last_kb_id, "");
    assert_int_equal(d.last_q_logged, 0);
    assert_int_equal(d.nsugg, 1); /* stops at the first entry that is not an id */
    assert_string_equal(d.sugg_ids[0], "a");
    assert_int_equal(d.lang_hinted, 1);
    /* too long for its field: left empty, never cut or overflowed */
    char big[2048];
    int n = snprintf(big, sizeof big,
                     "{\"v\":1,\"last_q\":\"%0600d\",\"last_kb_id\":\"%070d\","
                     "\"suggestions\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
                     0, 0);
    assert_int_equal(bot_dialogue_decode(big, (size_t)n, NULL, &d), SN_OK);
    assert_string_equal(d.last_q, "");
    assert_string_equal(d.last_kb_id, "");
    assert_int_equal(d.nsugg, BOT_MAX_SUGGESTIONS);
    /* waiting for a pick with nothing to pick from is waiting for nothing */
    static const char pick[] = "{\"v\":1,\"awaiting\":\"pick\",\"suggestions\":[]}";
    assert_int_equal(bot_dialogue_decode(pick, strlen(pick), NULL, &d), SN_OK);
    assert_int_equal(d.awaiting, AWAIT_NOTHING);
}

/* Damaged raw rows found by tests/fuzz/fuzz_dialogue.c: bytes that are not UTF-8 (encoding
 * them aborted), an empty suggestion id and turns past the JSON form's range. Each reads
 * back, and its upgrade decodes to the same dialogue. */
static void test_raw_damaged(void **state)
{
    (void)state;
    struct bot_dialogue d, back;
    struct bot_dialogue_raw r;
    sample(&d);
    to_raw(&d, &r);
    memset(r.last_q, 0xff, 10);
    r.last_kb_id[0] = (char)0xc0;
    r.turns = 0xfffffff0u;
    r.nsugg = 3;
    r.sugg_ids[1][0] = 0;
    assert_int_equal(bot_dialogue_decode(&r, sizeof r, NULL, &back), SN_OK);
    assert_string_equal(back.last_q, "");
    assert_string_equal(back.last_kb_id, "");
    assert_int_equal(back.turns, 0);
    assert_int_equal(back.nsugg, 1); /* the list ends at the empty id */
    char *up = bot_dialogue_upgrade(&r, sizeof r);
    assert_non_null(up);
    assert_int_equal(bot_dialogue_decode(up, strlen(up), NULL, &d), SN_OK);
    assert_same(&back, &d);
    free(up);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_newer_and_older),
        cmocka_unit_test(test_raw_layout), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_upgrade),    cmocka_unit_test(test_raw_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
