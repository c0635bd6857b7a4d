/* Unit tests for bot/texts.c: the shipped texts load and render in both languages; hostile
 * files are refused whole with the file and key named; placeholders are filled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/texts.h"

static void test_shipped(void **state)
{
    (void)state;
    struct sn_err e = {0};
    struct bot_texts *t = bot_texts_load("texts", &e);
    if (!t)
        fail_msg("texts/: %s", e.msg);
    for (int i = 0; i < BOT_TEXT_N; i++) {
        assert_non_null(bot_text_key(i));
        double args[2] = {3, 1};
        char *ar = bot_text_is_icu(i) ? bot_texts_count(t, i, "ar", args, 2)
                                      : bot_texts_render(t, i, "ar", "Sanad", "Amal");
        char *en = bot_text_is_icu(i) ? bot_texts_count(t, i, "en", args, 2)
                                      : bot_texts_render(t, i, "en", "Sanad", "Amal");
        if (!*ar || !*en || strcmp(ar, en) == 0)
            fail_msg("text %s: empty, or the same in both languages", bot_text_key(i));
        if (strstr(ar, "{bot}") || strstr(en, "{agent}") || strstr(ar, "{agent}"))
            fail_msg("text %s: a placeholder left", bot_text_key(i));
        free(ar);
        free(en);
    }
    char *w = bot_texts_render(t, BOT_TEXT_WELCOME, "ar", "سند", NULL);
    assert_non_null(strstr(w, "سند"));
    free(w);
    w = bot_texts_render(t, BOT_TEXT_AGENT_JOINED, "en", "Sanad", "Amal");
    assert_string_equal(w, "Agent Amal joined");
    free(w);
    w = bot_texts_render(t, BOT_TEXT_AGENT_JOINED, "fr", "Sanad", "Amal"); /* English */
    assert_string_equal(w, "Agent Amal joined");
    free(w);
    w = bot_texts_render(t, BOT_TEXT_N, "en", "Sanad", NULL);
    assert_string_equal(w, "");
    free(w);
    assert_null(bot_text_key(BOT_TEXT_N));
    bot_texts_free(t);
}

/* A directory of its own holding ar.json (ar) and en.json (en); NULL keeps the shipped one. */
struct dir {
    char path[64];
};

static void put(const struct dir *d, const char *lang, const char *body, size_t len)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s.json", d->path, lang);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(body, 1, len, f), len);
    fclose(f);
}

static void copy_shipped(const struct dir *d, const char *lang)
{
    char p[64];
    snprintf(p, sizeof p, "texts/%s.json", lang);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    put(d, lang, buf, n);
}

static void cleanup(struct dir *d)
{
    char p[128];
    snprintf(p, sizeof p, "%s/ar.json", d->path);
    unlink(p);
    snprintf(p, sizeof p, "%s/en.json", d->path);
    unlink(p);
    rmdir(d->path);
}

/* The shipped en.json with its "texts" object's first member replaced by member. */
static char *en_with(const char *member)
{
    static char buf[1 << 16];
    FILE *f = fopen("texts/en.json", "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *t = strstr(buf, "\"texts\": {");
    assert_non_null(t);
    t += strlen("\"texts\": {");
    char *end = strstr(t, "\",\n");
    assert_non_null(end);
    size_t cap = n + strlen(member) + 16;
    char *out = malloc(cap);
    snprintf(out, cap, "%.*s%s%s", (int)(t - buf), buf, member, end);
    return out;
}

static void expect_refused(const char *en, size_t len, int code, const char *words)
{
    struct dir d;
    snprintf(d.path, sizeof d.path, "/tmp/sanad-texts.XXXXXX");
    assert_non_null(mkdtemp(d.path));
    copy_shipped(&d, "ar");
    if (en)
        put(&d, "en", en, len);
    struct sn_err e = {0};
    struct bot_texts *t = bot_texts_load(d.path, &e);
    if (t || e.code != code || !strstr(e.msg, words))
        fail_msg("want %d \"%s\", got %s %d \"%s\"", code, words, t ? "a set" : "NULL", e.code,
                 e.msg);
    cleanup(&d);
}

static void test_hostile(void **state)
{
    (void)state;
    expect_refused(NULL, 0, SN_ENOTFOUND, "en.json");
    expect_refused("", 0, SN_EINVAL, "en.json");
    expect_refused("{", 1, SN_EINVAL, "en.json:");
    expect_refused("[]", 2, SN_EINVAL, "expected");
    static const char wrong_lang[] = "{\"lang\": \"ar\", \"texts\": {}}";
    static const char not_object[] = "{\"lang\": \"en\", \"texts\": []}";
    static const char empty[] = "{\"lang\": \"en\", \"texts\": {}}";
    expect_refused(wrong_lang, strlen(wrong_lang), SN_EINVAL, "expected");
    expect_refused(not_object, strlen(not_object), SN_EINVAL, "expected");
    expect_refused(empty, strlen(empty), SN_EINVAL, "\"welcome\" is missing");
    char *s = en_with("\"welcom\": \"typo");
    expect_refused(s, strlen(s), SN_EINVAL, "unknown text \"welcom\"");
    free(s);
    s = en_with("\"welcome\": \"");
    expect_refused(s, strlen(s), SN_EINVAL, "\"welcome\" must be a string");
    free(s);
    s = en_with("\"welcome\": 7, \"x\": \"");
    expect_refused(s, strlen(s), SN_EINVAL, "\"welcome\" must be a string");
    free(s);
    s = en_with("\"welcome\": \"a\\u0000b"); /* jansson refuses NUL itself */
    expect_refused(s, strlen(s), SN_EINVAL, "not allowed");
    free(s);
    /* a key twice: the second would win silently */
    s = en_with("\"welcome\": \"one\", \"welcome\": \"two");
    expect_refused(s, strlen(s), SN_EINVAL, "duplicate");
    free(s);
    /* a template past the cap, and a file past its cap */
    size_t big = BOT_TEXT_MAX_BYTES + 10;
    char *m = malloc(big + 32);
    snprintf(m, big + 32, "\"welcome\": \"%0*d", (int)big, 0);
    s = en_with(m);
    expect_refused(s, strlen(s), SN_EINVAL, "\"welcome\" must be a string");
    free(s);
    free(m);
    char *huge = malloc(BOT_TEXTS_MAX_FILE + 2);
    memset(huge, ' ', BOT_TEXTS_MAX_FILE + 1);
    expect_refused(huge, BOT_TEXTS_MAX_FILE + 1, SN_ETOOBIG, "larger than");
    free(huge);
}

/* Placeholders: only {bot} and {agent}, only when given; other braces are text. */
static void test_placeholders(void **state)
{
    (void)state;
    struct dir d;
    snprintf(d.path, sizeof d.path, "/tmp/sanad-texts.XXXXXX");
    assert_non_null(mkdtemp(d.path));
    copy_shipped(&d, "ar");
    char *s = en_with("\"welcome\": \"{bot}{agent} {x} {bo {bot}} {} {{bot}");
    put(&d, "en", s, strlen(s));
    free(s);
    struct sn_err e = {0};
    struct bot_texts *t = bot_texts_load(d.path, &e);
    if (!t)
        fail_msg("%s", e.msg);
    char *w = bot_texts_render(t, BOT_TEXT_WELCOME, "en", "B", "A");
    assert_string_equal(w, "BA {x} {bo B} {} {B");
    free(w);
    w = bot_texts_render(t, BOT_TEXT_WELCOME, "en", "B", NULL);
    assert_string_equal(w, "B{agent} {x} {bo B} {} {B");
    free(w);
    bot_texts_free(t);
    cleanup(&d);
}

/* bot_texts_fill_one: every mark replaced, the rest left as text; the shipped case texts
 * carry {ref} (issue 15, escalation tiers). */
static void test_fill_one(void **state)
{
    (void)state;
    static const struct {
        const char *s, *mark, *value, *want;
    } cases[] = {
        {"a {ref} b {ref}", "{ref}", "S-7K3M9Q", "a S-7K3M9Q b S-7K3M9Q"},
        {"{ref}", "{ref}", "", ""},
        {"no mark", "{ref}", "x", "no mark"},
        {"{re {ref}f} {ref", "{ref}", "R", "{re Rf} {ref"},
        {"{ref}", "{ref}", "{ref}", "{ref}"}, /* a value is not read again */
        {"x", "", "y", "x"},
        {"{ref}", "{ref}", NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *w = bot_texts_fill_one(cases[i].s, cases[i].mark, cases[i].value);
        assert_string_equal(w, cases[i].want);
        free(w);
    }
    struct sn_err e = {0};
    struct bot_texts *t = bot_texts_load("texts", &e);
    if (!t)
        fail_msg("texts/: %s", e.msg);
    for (int id = BOT_TEXT_CASE_ESCALATED; id <= BOT_TEXT_CASE_TO_DEPARTMENT; id++)
        for (int l = 0; l < 2; l++) {
            char *r = bot_texts_render(t, id, l ? "en" : "ar", "Sanad", "Technical");
            if (!strstr(r, "{ref}") || !strstr(r, "Technical"))
                fail_msg("text %s: no {ref} or no department", bot_text_key(id));
            char *w = bot_texts_fill_one(r, "{ref}", "S-7K3M9Q");
            assert_non_null(strstr(w, "S-7K3M9Q"));
            assert_null(strchr(w, '{'));
            free(w);
            free(r);
        }
    bot_texts_free(t);
}

/* The one ICU formatter: Arabic's six plural forms with Arabic-Indic digits (as the widget's
 * Intl.NumberFormat('ar') writes them), English's two, numbers, refusals. */
static void test_format_plurals(void **state)
{
    (void)state;
    static const char ar_pat[] = "{0, plural, zero {لا دقائق} one {دقيقة واحدة} two {دقيقتان} "
                                 "few {# دقائق} many {# دقيقة} other {# دقيقة}}";
    static const char en_pat[] = "{0, plural, one {# minute} other {# minutes}}";
    static const struct {
        const char *pattern, *lang;
        double n;
        const char *want;
    } cases[] = {
        {ar_pat, "ar", 0, "لا دقائق"},       /* zero */
        {ar_pat, "ar", 1, "دقيقة واحدة"},    /* one */
        {ar_pat, "ar", 2, "دقيقتان"},        /* two */
        {ar_pat, "ar", 3, "٣ دقائق"},        /* few: 3..10 */
        {ar_pat, "ar", 10, "١٠ دقائق"},      /* few */
        {ar_pat, "ar", 11, "١١ دقيقة"},      /* many: 11..99 */
        {ar_pat, "ar", 99, "٩٩ دقيقة"},      /* many */
        {ar_pat, "ar", 100, "١٠٠ دقيقة"},    /* other */
        {ar_pat, "ar", 103, "١٠٣ دقائق"},    /* few again (n % 100 in 3..10) */
        {ar_pat, "ar", 1000, "١٬٠٠٠ دقيقة"}, /* other, Arabic grouping */
        {en_pat, "en", 0, "0 minutes"},
        {en_pat, "en", 1, "1 minute"},
        {en_pat, "en", 2, "2 minutes"},
        {en_pat, "en", 1000, "1,000 minutes"},
        {"{0, number} – {1, number}", "ar", 1, "١ – ٠"},
        {"{0, number} – {1, number}", "en", 1, "1 – 0"},
        {"{0, number} – {1, number}", "fr", 1234, "1,234 – 0"}, /* any other language: en */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sn_err e = {0};
        double args[2] = {cases[i].n, 0};
        char *s = bot_texts_format(cases[i].pattern, cases[i].lang, args, 2, &e);
        if (!s || strcmp(s, cases[i].want))
            fail_msg("%s %g: got '%s', want '%s' (%s)", cases[i].lang, cases[i].n, s ? s : "NULL",
                     cases[i].want, e.msg);
        free(s);
    }
    /* refused: broken patterns, too many arguments */
    static const char *const bad[] = {"{0, plural, one {x}", "{0, plurall, other {x}}", "{",
                                      "{0, plural, one {x} two {y}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sn_err e = {0};
        double a = 1;
        char *s = bot_texts_format(bad[i], "ar", &a, 1, &e);
        if (s)
            fail_msg("'%s' accepted: '%s'", bad[i], s);
        assert_int_equal(e.code, SN_EINVAL);
    }
    struct sn_err e = {0};
    double five[5] = {0};
    assert_null(bot_texts_format("x", "en", five, 5, &e));
    assert_null(bot_texts_format("x", "en", five, -1, &e));
}

/* The shipped pick_number counts the suggestions by each language's rules. */
static void test_pick_number(void **state)
{
    (void)state;
    struct sn_err e = {0};
    struct bot_texts *t = bot_texts_load("texts", &e);
    if (!t)
        fail_msg("texts/: %s", e.msg);
    static const struct {
        const char *lang;
        double n;
        const char *want;
    } cases[] = {
        {"ar", 3, "من ١ إلى ٣"}, {"ar", 2, "١ أو ٢"}, {"ar", 1, "اكتب ١"},
        {"en", 3, "1 to 3"},     {"en", 2, "1 or 2"}, {"en", 1, "Type 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double args[2] = {cases[i].n, 1};
        char *s = bot_texts_count(t, BOT_TEXT_PICK_NUMBER, cases[i].lang, args, 2);
        if (!strstr(s, cases[i].want))
            fail_msg("%s %g: '%s' lacks '%s'", cases[i].lang, cases[i].n, s, cases[i].want);
        if (!strcmp(cases[i].lang, "ar") && strpbrk(s, "0123456789"))
            fail_msg("ar: '%s' has Latin digits", s);
        free(s);
    }
    bot_texts_free(t);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),      cmocka_unit_test(test_format_plurals),
        cmocka_unit_test(test_pick_number),  cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_placeholders), cmocka_unit_test(test_fill_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
