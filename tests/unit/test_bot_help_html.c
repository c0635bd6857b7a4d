/* Unit tests for bot/help_html.c, the help center's pure parts: the path → page table with
 * traversal, odd slugs and over-long ids; the HTML escaper; answers with links rendered as
 * the widget renders them, with hostile URLs and markup; form and query decoding with bad
 * escapes; Accept-Language. Also the help texts (texts/help-*.json) load through
 * bot/texts.h's second set and a malformed one is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/help_html.h"
#include "bot/texts.h"

static const struct {
    const char *path;
    int page;
    const char *lang, *id;
} paths[] = {
    {"/help", BOT_HELP_PICK, "", ""},
    {"/help/", BOT_HELP_PICK, "", ""},
    {"/help/ar", BOT_HELP_INDEX, "ar", ""},
    {"/help/ar/", BOT_HELP_INDEX, "ar", ""},
    {"/help/en/", BOT_HELP_INDEX, "en", ""},
    {"/help/ar/ar-tel-003", BOT_HELP_ARTICLE, "ar", "ar-tel-003"},
    {"/help/en/en.faq_2", BOT_HELP_ARTICLE, "en", "en.faq_2"},
    {"/help/en/x/vote", BOT_HELP_VOTE, "en", "x"},
    {"/help/ar/vote", BOT_HELP_ARTICLE, "ar", "vote"},
    /* everything else is the 404 page */
    {"", BOT_HELP_NOTFOUND, "", ""},
    {"/", BOT_HELP_NOTFOUND, "", ""},
    {"/helpx", BOT_HELP_NOTFOUND, "", ""},
    {"/help//", BOT_HELP_NOTFOUND, "", ""},
    {"/help/fr/", BOT_HELP_NOTFOUND, "", ""},
    {"/help/AR/", BOT_HELP_NOTFOUND, "", ""},
    {"/help/a", BOT_HELP_NOTFOUND, "", ""},
    {"/help/arx", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar//", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/x/", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/x/vote/", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/x/y", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/.", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/..", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/../etc/passwd", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/..%2fetc", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/%2e%2e", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/a b", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/a\\b", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/<script>", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/\"x", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/id?x=1", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/طلب", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/a\xC0\xAF", BOT_HELP_NOTFOUND, "", ""},
    {"/help/ar/x/vote2", BOT_HELP_NOTFOUND, "", ""},
};

static void test_paths(void **state)
{
    (void)state;
    struct bot_help_path p;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int page = bot_help_parse_path(paths[i].path, &p);
        if (page != paths[i].page || p.page != page || strcmp(p.lang, paths[i].lang) ||
            strcmp(p.id, paths[i].id))
            fail_msg("%s: page %d lang '%s' id '%s', want %d '%s' '%s'", paths[i].path, page,
                     p.lang, p.id, paths[i].page, paths[i].lang, paths[i].id);
    }
    /* 64 id bytes are an article, 65 are not */
    char path[128], id[66];
    memset(id, 'a', 65);
    id[64] = 0;
    snprintf(path, sizeof path, "/help/en/%s", id);
    assert_int_equal(bot_help_parse_path(path, &p), BOT_HELP_ARTICLE);
    assert_string_equal(p.id, id);
    id[64] = 'a';
    id[65] = 0;
    snprintf(path, sizeof path, "/help/en/%s", id);
    assert_int_equal(bot_help_parse_path(path, &p), BOT_HELP_NOTFOUND);
    assert_string_equal(p.id, "");
}

static char *esc(const char *s)
{
    struct sn_buf b;
    sn_buf_init(&b, 1 << 16);
    assert_int_equal(bot_help_escs(&b, s), SN_OK);
    return sn_buf_take(&b);
}

static void test_escape(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", ""},
        {"plain نص عربي", "plain نص عربي"},
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
        {"a & b 'c'", "a &amp; b &#39;c&#39;"},
        {"&amp;", "&amp;amp;"},
        {"line\nnext\ttab\r\x01\x1f!", "line\nnext\ttab!"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *o = esc(cases[i][0]);
        assert_string_equal(o, cases[i][1]);
        free(o);
    }
    /* the cap is reported, never passed */
    struct sn_buf b;
    sn_buf_init(&b, 8);
    assert_int_equal(bot_help_escs(&b, "<<<<"), SN_ETOOBIG);
    assert_true(b.len <= 8);
    sn_buf_fini(&b);
}

static char *links(const char *s)
{
    struct sn_buf b;
    sn_buf_init(&b, 1 << 16);
    assert_int_equal(bot_help_linkify(&b, s), SN_OK);
    return sn_buf_take(&b);
}

#define A(u, t) \
    "<a href=\"" u "\" target=\"_blank\" rel=\"noopener noreferrer\" dir=\"ltr\">" t "</a>"

static void test_linkify(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"no links here", "no links here"},
        {"see https://najma.example/pay.",
         "see " A("https://najma.example/pay", "https://najma.example/pay") "."},
        {"(http://a.example/x?y=1&z=2)",
         "(" A("http://a.example/x?y=1&amp;z=2", "http://a.example/x?y=1&amp;z=2") ")"},
        {"HTTPS://A.EXAMPLE", A("HTTPS://A.EXAMPLE", "HTTPS://A.EXAMPLE")},
        /* Arabic punctuation after a URL belongs to the sentence */
        {"الموقع https://najma.example/ar، أو التطبيق؟",
         "الموقع " A("https://najma.example/ar", "https://najma.example/ar") "، أو التطبيق؟"},
        {"«https://x.example/a»", "«" A("https://x.example/a", "https://x.example/a") "»"},
        /* a URL ends at a quote or angle bracket: markup never gets into the attribute */
        {"https://x.example/\"onmouseover=alert(1)",
         A("https://x.example/", "https://x.example/") "&quot;onmouseover=alert(1)"},
        {"https://x.example/<script>alert(1)</script>",
         A("https://x.example/", "https://x.example/") "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"https://x.example/'x", A("https://x.example/", "https://x.example/") "&#39;x"},
        {"https://x.example/`x", A("https://x.example/", "https://x.example/") "`x"},
        /* only http and https, and only with a host */
        {"javascript:alert(1)", "javascript:alert(1)"},
        {"javascript://x.example/%0aalert(1)", "javascript://x.example/%0aalert(1)"},
        {"data:text/html,<b>x</b>", "data:text/html,&lt;b&gt;x&lt;/b&gt;"},
        {"http://", "http://"},
        {"https:///path", "https:///path"},
        {"http://@/x", "http://@/x"},
        {"http://:80/x", "http://:80/x"},
        {"xhttp://a.example", "xhttp://a.example"},
        {"_https://a.example", "_https://a.example"},
        /* a word boundary before it, as the widget's \b */
        {"دhttps://a.example", "د" A("https://a.example", "https://a.example")},
        /* non-ASCII in a URL: the text shows it, the href percent-encodes it */
        {"https://a.example/طلب x",
         A("https://a.example/%D8%B7%D9%84%D8%A8", "https://a.example/طلب") " x"},
        /* a no-break space ends a URL, like \s in the widget */
        {"https://a.example/x\xC2\xA0y",
         A("https://a.example/x", "https://a.example/x") "\xC2\xA0y"},
        {"two https://a.example and http://b.example/",
         "two " A("https://a.example", "https://a.example") " and " A("http://b.example/",
                                                                      "http://b.example/")},
        {"user https://u:p@a.example/ ok",
         "user " A("https://u:p@a.example/", "https://u:p@a.example/") " ok"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *o = links(cases[i][0]);
        if (strcmp(o, cases[i][1]))
            fail_msg("linkify(%s)\n got  %s\n want %s", cases[i][0], o, cases[i][1]);
        free(o);
    }
}

static void test_form(void **state)
{
    (void)state;
    char out[16];
    const char *f = "t=abc&v=yes&q=%D8%B7+x%21&empty=&flag&bad=%zz&nul=%00&cut=%4";
    size_t n = strlen(f);
    assert_int_equal(bot_help_form_get(f, n, "v", out, sizeof out), 3);
    assert_string_equal(out, "yes");
    assert_int_equal(bot_help_form_get(f, n, "q", out, sizeof out), 5);
    assert_string_equal(out, "\xD8\xB7 x!");
    assert_int_equal(bot_help_form_get(f, n, "empty", out, sizeof out), 0);
    assert_int_equal(bot_help_form_get(f, n, "flag", out, sizeof out), 0);
    assert_int_equal(bot_help_form_get(f, n, "missing", out, sizeof out), -1);
    assert_int_equal(bot_help_form_get(f, n, "bad", out, sizeof out), -2);
    assert_int_equal(bot_help_form_get(f, n, "nul", out, sizeof out), -2);
    assert_int_equal(bot_help_form_get(f, n, "cut", out, sizeof out), -2);
    /* a prefix of a name is not the name; the first occurrence counts */
    assert_int_equal(bot_help_form_get("vv=no&v=yes&v=no", 16, "v", out, sizeof out), 3);
    assert_string_equal(out, "yes");
    /* too long for out, invalid UTF-8 */
    assert_int_equal(bot_help_form_get("v=0123456789abcdefXYZ", 21, "v", out, sizeof out), -2);
    assert_int_equal(bot_help_form_get("v=%C0%AF", 8, "v", out, sizeof out), -2);
    assert_string_equal(out, "");
    /* the length given is the end: bytes after it are not read */
    assert_int_equal(bot_help_form_get("v=yes", 4, "v", out, sizeof out), 2);
    assert_string_equal(out, "ye");
    assert_int_equal(bot_help_form_get(NULL, 0, "v", out, sizeof out), -1);
}

static void test_accept_language(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {NULL, "ar"},
        {"", "ar"},
        {"en", "en"},
        {"en-GB,en;q=0.9", "en"},
        {"ar-EG,ar;q=0.9,en;q=0.8", "ar"},
        {"en-US,en;q=0.9,ar;q=0.8", "en"},
        {"fr-FR,fr;q=0.9", "ar"},
        {"fr, en;q=0.5", "en"},
        {"en;q=0", "ar"},
        {"ar;q=0.2, en;q=0.3", "en"},
        {"ar, en", "ar"},
        {"*", "ar"},
        {"english", "ar"},
        {"EN", "en"},
        {"en;q=abc", "ar"},
        {"en;q=7", "ar"},
        {";;;,,,q=1", "ar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(bot_help_pick_lang(cases[i][0]), cases[i][1]))
            fail_msg("Accept-Language %s: %s, want %s", cases[i][0] ? cases[i][0] : "(none)",
                     bot_help_pick_lang(cases[i][0]), cases[i][1]);
}

static void test_texts(void **state)
{
    (void)state;
    static const char *const keys[] = {"title", "yes"};
    struct sn_err e = {0};
    char dir[] = "/tmp/sanad-help-texts-XXXXXX", path[128];
    /* the shipped files hold at least these keys, and more: a subset is refused */
    assert_null(bot_textset_load("texts", "help", keys, 2, &e));
    assert_int_equal(e.code, SN_EINVAL);
    assert_non_null(strstr(e.msg, "unknown text"));
    assert_non_null(mkdtemp(dir));
    static const char *const files[][2] = {
        {"ar", "{\"lang\":\"ar\",\"texts\":{\"title\":\"مركز\",\"yes\":\"نعم\"}}"},
        {"en", "{\"lang\":\"en\",\"texts\":{\"title\":\"Help\",\"yes\":\"Yes\"}}"},
    };
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/help-%s.json", dir, files[i][0]);
        FILE *f = fopen(path, "w");
        fputs(files[i][1], f);
        fclose(f);
    }
    struct bot_textset *s = bot_textset_load(dir, "help", keys, 2, &e);
    if (!s)
        fail_msg("%s", e.msg);
    assert_string_equal(bot_textset_get(s, "ar", 0), "مركز");
    assert_string_equal(bot_textset_get(s, "en", 1), "Yes");
    assert_string_equal(bot_textset_get(s, "fr", 0), "Help");
    assert_string_equal(bot_textset_get(s, "ar", 2), "");
    assert_string_equal(bot_textset_get(s, "ar", -1), "");
    bot_textset_free(s);
    /* a missing key, then a file that is not the language it says */
    snprintf(path, sizeof path, "%s/help-en.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"lang\":\"en\",\"texts\":{\"title\":\"Help\"}}", f);
    fclose(f);
    assert_null(bot_textset_load(dir, "help", keys, 2, &e));
    assert_non_null(strstr(e.msg, "\"yes\" is missing"));
    f = fopen(path, "w");
    fputs("{\"lang\":\"ar\",\"texts\":{\"title\":\"Help\",\"yes\":\"Yes\"}}", f);
    fclose(f);
    assert_null(bot_textset_load(dir, "help", keys, 2, &e));
    assert_non_null(strstr(e.msg, "expected"));
    unlink(path);
    assert_null(bot_textset_load(dir, "help", keys, 2, &e));
    assert_int_equal(e.code, SN_ENOTFOUND);
    snprintf(path, sizeof path, "%s/help-ar.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),           cmocka_unit_test(test_escape),
        cmocka_unit_test(test_linkify),         cmocka_unit_test(test_form),
        cmocka_unit_test(test_accept_language), cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
