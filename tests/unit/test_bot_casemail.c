/* bot/casemail.h: the case reply email rendered from the shipped templates (texts/mail-*.json)
 * in Arabic and English, as text and as HTML (direction, escaping of hostile agent text, the
 * link), the template checks at load, public_url's checks and the link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/casemail.h"
#include "bot/texts.h"

static const char hostile[] = "<script>alert(\"x\")</script> & 'q'\nsecond line";

static void render(const char *lang, const char *link, struct bot_casemail *m)
{
    struct sn_err e = {0};
    struct bot_textset *tx = bot_casemail_texts_load("texts", &e);
    if (!tx)
        fail_msg("texts: %s", e.msg);
    const struct bot_casemail_in in = {.lang = lang,
                                       .ref = "S-7K3M9Q",
                                       .agent = "Huda <b>",
                                       .bot = "Sanad",
                                       .text = hostile,
                                       .link = link};
    assert_int_equal(bot_casemail_render(tx, &in, m, &e), SN_OK);
    bot_textset_free(tx);
}

static void arabic(void **st)
{
    (void)st;
    struct bot_casemail m;
    render("ar", "https://shop.example/help#sanad-case=S-7K3M9Q", &m);
    assert_string_equal(m.subject, "[S-7K3M9Q] رد على رسالتك");
    assert_non_null(strstr(m.text, "مرحبًا"));
    assert_non_null(strstr(m.text, hostile)); /* the text part keeps the words as they are */
    assert_non_null(strstr(m.text, "S-7K3M9Q"));
    assert_non_null(strstr(m.text, "https://shop.example/help#sanad-case=S-7K3M9Q"));
    assert_non_null(strstr(m.html, "<html lang=\"ar\" dir=\"rtl\">"));
    assert_non_null(strstr(m.html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                                   "&#39;q&#39;\nsecond line"));
    assert_null(strstr(m.html, "<script"));
    assert_null(strstr(m.html, "<b>")); /* the agent's name is text too */
    assert_non_null(strstr(m.html, "Huda &lt;b&gt;"));
    assert_non_null(strstr(m.html, "<a href=\"https://shop.example/help#sanad-case=S-7K3M9Q\">"));
    assert_non_null(strstr(m.html, "S-7K3M9Q"));
    bot_casemail_fini(&m);
    assert_null(m.subject);
}

static void english_without_link(void **st)
{
    (void)st;
    struct bot_casemail m;
    render("en", "", &m);
    assert_string_equal(m.subject, "[S-7K3M9Q] A reply to your message");
    assert_non_null(strstr(m.text, "Hello,"));
    assert_non_null(strstr(m.text, "Huda <b> from our support team"));
    assert_null(strstr(m.text, "open the chat")); /* no public_url: no link line */
    assert_null(strstr(m.html, "<a "));
    assert_non_null(strstr(m.html, "<html lang=\"en\" dir=\"ltr\">"));
    bot_casemail_fini(&m);
    render("fr", NULL, &m); /* another language: English */
    assert_string_equal(m.subject, "[S-7K3M9Q] A reply to your message");
    bot_casemail_fini(&m);
}

static void urls(void **st)
{
    (void)st;
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://shop.example/help", 1},
        {"http://127.0.0.1:8080/demo.html?x=1&y=2", 1},
        {"ftp://shop.example/", 0},
        {"https://", 0},
        {"https:///path", 0},
        {"javascript:alert(1)", 0},
        {"https://shop.example/a b", 0},
        {"https://shop.example/\"onmouseover=\"x", 0},
        {"https://shop.example/<x>", 0},
        {"https://shop.example/#frag", 0},
        {"https://shop.example/\x01", 0},
        {"https://shop.example/\xd8\xa7", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sn_err e = {0};
        int rc = bot_casemail_url_check(cases[i].url, &e);
        if ((rc == SN_OK) != cases[i].ok)
            fail_msg("%s: got %d (%s)", cases[i].url, rc, e.msg);
    }
    char longurl[BOT_CASEMAIL_URL_MAX + 16] = "https://";
    memset(longurl + 8, 'a', sizeof longurl - 9);
    longurl[sizeof longurl - 1] = 0;
    assert_int_equal(bot_casemail_url_check(longurl, NULL), SN_EINVAL);
    char link[BOT_CASEMAIL_LINK_MAX];
    bot_casemail_link("https://shop.example/help", "S-7K3M9Q", link);
    assert_string_equal(link, "https://shop.example/help#sanad-case=S-7K3M9Q");
    bot_casemail_link(NULL, "S-7K3M9Q", link);
    assert_string_equal(link, "");
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

/* A set whose en templates are tmpl_en (a JSON "texts" body). */
static int load_with(const char *dir, const char *en_texts, struct sn_err *e)
{
    char p[512], body[2048];
    static const char ar[] =
        "{\"lang\":\"ar\",\"texts\":{\"subject\":\"[{ref}] رد\",\"greeting\":\"مرحبًا\","
        "\"intro\":\"{agent}\",\"link\":\"{link}\",\"footer\":\"{ref} {bot}\"}}";
    snprintf(p, sizeof p, "%s/mail-ar.json", dir);
    write_file(p, ar);
    snprintf(body, sizeof body, "{\"lang\":\"en\",\"texts\":{%s}}", en_texts);
    snprintf(p, sizeof p, "%s/mail-en.json", dir);
    write_file(p, body);
    struct bot_textset *tx = bot_casemail_texts_load(dir, e);
    int ok = tx != NULL;
    bot_textset_free(tx);
    return ok;
}

static void template_checks(void **st)
{
    (void)st;
    char dir[] = "/tmp/sanad-casemail-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sn_err e = {0};
#define GOOD_REST "\"greeting\":\"Hi {x\",\"intro\":\"{agent}\",\"link\":\"{link}\","
    assert_true(load_with(dir, "\"subject\":\"[{ref}] R\"," GOOD_REST "\"footer\":\"{ref}\"", &e));
    assert_false(load_with(dir, "\"subject\":\"Reply\"," GOOD_REST "\"footer\":\"{ref}\"", &e));
    assert_non_null(strstr(e.msg, "subject must hold {ref}"));
    assert_false(load_with(dir, "\"subject\":\"[{ref}]\"," GOOD_REST "\"footer\":\"{refs}\"", &e));
    assert_non_null(strstr(e.msg, "unknown placeholder {refs}"));
    assert_false(
        load_with(dir, "\"subject\":\"[{ref}]\\nBcc: x\"," GOOD_REST "\"footer\":\"{ref}\"", &e));
    assert_false(load_with(dir, "\"subject\":\"[{ref}]\"," GOOD_REST "\"footer\":\"{token}\"", &e));
    assert_false(load_with(dir, "\"subject\":\"[{ref}]\"," GOOD_REST, &e)); /* no footer */
    char p[512];
    snprintf(p, sizeof p, "%s/mail-ar.json", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/mail-en.json", dir);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arabic),
        cmocka_unit_test(english_without_link),
        cmocka_unit_test(urls),
        cmocka_unit_test(template_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
