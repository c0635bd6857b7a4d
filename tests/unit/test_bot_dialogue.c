/* Unit tests for bot/dialogue.c through bot/dialogue.h: the parts the WebSocket server uses
 * that `sanad ask` does not reach (buttons: feedback, pick, handoff), the plain-data state
 * (copied with memcpy between turns), an absolute intents path, and a read-only base
 * (gap capture must never cost a reply). The dialogue module is compiled in (h2o's trick):
 * unit tests link libkb and libintents only. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/dialogue.h"
#include "kb/gap.h"
#include "kb/kb.h"

static char dbpath[] = "/tmp/sanad-dialogue-XXXXXX";
static char dbfile[PATH_MAX];
static char intents[PATH_MAX];

static void add(struct kb *kb, const char *id, const char *lang, const char *q, const char *a)
{
    struct kb_entry *e = kb_entry_new();
    free(e->id);
    e->id = sn_xstrdup(id);
    memcpy(e->lang, lang, 3);
    free(e->question);
    e->question = sn_xstrdup(q);
    free(e->answer);
    e->answer = sn_xstrdup(a);
    assert_int_equal(kb_entry_add(kb, e, NULL), SN_OK);
    kb_entry_free(e);
}

static int setup(void **state)
{
    (void)state;
    char cwd[PATH_MAX - 16];
    if (!mkdtemp(dbpath) || !getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(dbfile, sizeof dbfile, "%s/t.db", dbpath);
    snprintf(intents, sizeof intents, "%s/intents", cwd); /* absolute, as the server passes */
    struct kb *kb = kb_open(dbfile, KB_OPEN_CREATE, NULL);
    if (!kb)
        return -1;
    add(kb, "en-1", "en", "How do I reset my password?", "Use Settings > Password.");
    add(kb, "ar-1", "ar", "كيف اغير كلمة المرور؟", "من الإعدادات > كلمة المرور.");
    add(kb, "ar-2", "ar", "طلبي متأخر ولم يصل بعد", "تابع الطلب من التطبيق > طلباتي.");
    add(kb, "ar-3", "ar", "ضبط email على iPhone", "من الإعدادات > البريد > إضافة حساب.");
    kb_close(kb);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[PATH_MAX + 8];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", dbfile, sfx[i]);
        unlink(p);
    }
    rmdir(dbpath);
    return 0;
}

static struct bot_brain *brain_open_gaps(struct kb **kb, int flags, int log_gaps)
{
    struct bot_brain_config c;
    struct sn_err e = {0};
    bot_brain_config_init(&c);
    assert_true(c.log_gaps); /* the server's default: record gaps */
    c.log_gaps = log_gaps;
    c.intents = intents;
    *kb = kb_open(dbfile, flags, &e);
    assert_non_null(*kb);
    struct bot_brain *b = bot_brain_new(*kb, &c, &e);
    if (!b)
        fail_msg("bot_brain_new: %s", e.msg);
    return b;
}

static struct bot_brain *brain_open(struct kb **kb, int flags)
{
    return brain_open_gaps(kb, flags, 1);
}

static void
say(struct bot_brain *b, struct bot_dialogue *d, const char *text, int kind, struct bot_turn *t)
{
    struct sn_err e = {0};
    assert_int_equal(bot_dialogue_message(b, d, text, t, &e), SN_OK);
    if (t->kind != kind)
        fail_msg("'%s': kind %s, expected %s (%s)", text, bot_turn_kind_name(t->kind),
                 bot_turn_kind_name(kind), t->text);
    assert_non_null(t->text);
}

static void test_buttons(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open(&kb, 0);
    struct bot_dialogue d, copy;
    struct bot_turn t;
    bot_dialogue_init(&d, "en");
    bot_dialogue_welcome(b, &d, &t);
    assert_int_equal(t.kind, BOT_TURN_WELCOME);
    assert_non_null(strstr(t.text, "bot"));
    bot_turn_fini(&t);
    assert_int_equal(bot_dialogue_pick(b, &d, "en-1", &t, NULL), SN_OK);
    assert_int_equal(t.kind, BOT_TURN_ANSWER);
    assert_true(t.ask_feedback);
    assert_non_null(strstr(t.text, "Settings"));
    bot_turn_fini(&t);
    memcpy(&copy, &d, sizeof d); /* the server may keep the state anywhere */
    assert_int_equal(bot_dialogue_feedback(b, &copy, 0, &t, NULL), SN_OK);
    assert_int_equal(t.kind, BOT_TURN_FALLBACK);
    assert_true(t.offer_human);
    bot_turn_fini(&t);
    say(b, &copy, "yes", BOT_TURN_HANDOFF, &t); /* yes to the human offer */
    assert_true(t.handoff);
    bot_turn_fini(&t);
    assert_int_equal(bot_dialogue_feedback(b, &d, 1, &t, NULL), SN_OK);
    assert_int_equal(t.kind, BOT_TURN_INTENT);
    bot_turn_fini(&t);
    bot_dialogue_handoff(b, &d, &t);
    assert_int_equal(t.kind, BOT_TURN_HANDOFF);
    assert_true(t.handoff);
    bot_turn_fini(&t);
    struct sn_err e = {0};
    assert_int_equal(bot_dialogue_pick(b, &d, "no-such", &t, &e), SN_ENOTFOUND);
    bot_brain_free(b);
    kb_close(kb);
}

static void test_gaps_recorded(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open(&kb, 0);
    struct bot_dialogue d;
    struct bot_turn t;
    struct kb_gap *g;
    int n;
    bot_dialogue_init(&d, NULL);
    say(b, &d, "how do I frobnicate the zorblax", BOT_TURN_FALLBACK, &t);
    bot_turn_fini(&t);
    say(b, &d, "agent", BOT_TURN_HANDOFF, &t); /* already recorded: not twice */
    bot_turn_fini(&t);
    say(b, &d, "How can I reset my password", BOT_TURN_ANSWER, &t);
    bot_turn_fini(&t);
    say(b, &d, "no", BOT_TURN_FALLBACK, &t);
    bot_turn_fini(&t);
    assert_int_equal(kb_gap_list(kb, "en", 0, 0, &g, &n, NULL), SN_OK);
    assert_int_equal(n, 2);
    int low = 0, unhelpful = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(g[i].count, 1);
        low += g[i].n_low;
        unhelpful += g[i].n_unhelpful;
    }
    assert_int_equal(low, 1);
    assert_int_equal(unhelpful, 1);
    kb_gaps_free(g, n);
    bot_brain_free(b);
    kb_close(kb);
}

/* log_gaps 0 (`sanad ask` without --record-gaps) answers the same and records nothing. */
static void test_gaps_off(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open_gaps(&kb, 0, 0);
    struct bot_dialogue d;
    struct bot_turn t;
    struct kb_gap *g = NULL;
    int n = -1;
    assert_int_equal(kb_gap_list(kb, NULL, 0, 0, &g, &n, NULL), SN_OK);
    kb_gaps_free(g, n);
    int before = n;
    bot_dialogue_init(&d, NULL);
    say(b, &d, "how do I defenestrate the quux", BOT_TURN_FALLBACK, &t);
    bot_turn_fini(&t);
    say(b, &d, "agent", BOT_TURN_HANDOFF, &t);
    bot_turn_fini(&t);
    assert_int_equal(kb_gap_list(kb, NULL, 0, 0, &g, &n, NULL), SN_OK);
    assert_int_equal(n, before);
    kb_gaps_free(g, n);
    bot_brain_free(b);
    kb_close(kb);
}

/* One language per turn: a mixed message whose hits are in the other language's entries is
 * answered wholly in that language; the order code does not count; an English message is
 * never answered from Arabic entries through a Latin brand name. */
static void test_one_language_per_turn(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open(&kb, 0);
    struct bot_dialogue d;
    struct bot_turn t;
    struct sn_err e = {0};
    bot_dialogue_init(&d, "en");
    /* more English than Arabic: detected English, but the Arabic entry is the hit */
    assert_int_equal(
        bot_dialogue_message(b, &d, "I am asking you about this: طلبي متأخر ولم يصل", &t, &e),
        SN_OK);
    if (t.kind != BOT_TURN_ANSWER && t.kind != BOT_TURN_SUGGESTIONS)
        fail_msg("mixed message: %s (%s)", bot_turn_kind_name(t.kind), t.text);
    assert_string_equal(t.lang, "ar");
    assert_non_null(strstr(t.text, "موظف")); /* the frame is Arabic too */
    for (int i = 0; i < t.nsugg; i++)
        assert_string_equal(t.sugg[i].lang, "ar");
    assert_string_equal(d.lang, "ar"); /* and the conversation goes on in it */
    bot_turn_fini(&t);
    /* the order code's letters do not count: Arabic by its words */
    bot_dialogue_init(&d, "en");
    assert_int_equal(bot_dialogue_message(b, &d, "order #A-1234B طلبي متأخر", &t, &e), SN_OK);
    assert_string_equal(t.lang, "ar");
    bot_turn_fini(&t);
    /* an English question with a brand name is not answered from the Arabic entry ar-3 */
    bot_dialogue_init(&d, "en");
    assert_int_equal(bot_dialogue_message(b, &d, "email on my iPhone", &t, &e), SN_OK);
    assert_string_equal(t.lang, "en");
    assert_true(t.kb_id == NULL || strncmp(t.kb_id, "ar-", 3) != 0);
    for (int i = 0; i < t.nsugg; i++)
        assert_string_equal(t.sugg[i].lang, "en");
    bot_turn_fini(&t);
    bot_brain_free(b);
    kb_close(kb);
}

static void test_readonly_kb(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open(&kb, KB_OPEN_READONLY);
    struct bot_dialogue d;
    struct bot_turn t;
    bot_dialogue_init(&d, "ar");
    say(b, &d, "زقزق بقبق", BOT_TURN_FALLBACK, &t); /* the gap cannot be written: still a reply */
    assert_true(t.offer_human);
    bot_turn_fini(&t);
    say(b, &d, "كيف اغير كلمة المرور", BOT_TURN_ANSWER, &t);
    assert_string_equal(t.kb_id, "ar-1");
    bot_turn_fini(&t);
    bot_brain_free(b);
    kb_close(kb);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct kb *kb;
    struct bot_brain *b = brain_open(&kb, 0);
    struct bot_dialogue d;
    struct bot_turn t;
    struct sn_err e = {0};
    bot_dialogue_init(&d, NULL);
    memset(&t, 0x5a, sizeof t);
    assert_int_equal(bot_dialogue_message(b, &d, "bad \xff", &t, &e), SN_EINVAL);
    assert_non_null(strstr(e.msg, "UTF-8"));
    say(b, &d, "", BOT_TURN_FALLBACK, &t);
    bot_turn_fini(&t);
    char *big = sn_xmalloc(20001);
    memset(big, 'x', 20000);
    big[20000] = 0;
    say(b, &d, big, BOT_TURN_FALLBACK, &t);
    bot_turn_fini(&t);
    free(big);
    bot_brain_free(b);
    kb_close(kb);
}

static void test_missing_intents(void **state)
{
    (void)state;
    struct bot_brain_config c;
    struct sn_err e = {0};
    bot_brain_config_init(&c);
    c.intents = "/nonexistent";
    struct kb *kb = kb_open(dbfile, 0, NULL);
    assert_null(bot_brain_new(kb, &c, &e));
    assert_int_equal(e.code, SN_ENOTFOUND);
    kb_close(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buttons),
        cmocka_unit_test(test_gaps_recorded),
        cmocka_unit_test(test_readonly_kb),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_missing_intents),
        cmocka_unit_test(test_gaps_off),
        cmocka_unit_test(test_one_language_per_turn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
