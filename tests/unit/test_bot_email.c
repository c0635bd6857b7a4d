/* Unit tests for bot/email.c: which addresses a visitor may leave, as a table of accepted
 * ones (with the form stored) and refused ones (hostile: look-alikes, bidi tricks, option
 * injection, escapes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/email.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a@b.co", "a@b.co"},
        {"Sara.Ali@Example.COM", "Sara.Ali@example.com"}, /* the domain in lower case */
        {"  x+tag@mail.example.org \n", "x+tag@mail.example.org"},
        {"o'brien@shop-1.example", "o'brien@shop-1.example"},
        {"user@xn--mgbh0fb.xn--kgbechtv", "user@xn--mgbh0fb.xn--kgbechtv"},
        {"سارة@مثال.السعودية", "سارة@مثال.السعودية"}, /* an Arabic address (EAI) */
        {"a_b-c@d.e.f.gh", "a_b-c@d.e.f.gh"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[BOT_EMAIL_MAX + 1];
        struct sn_err e = {0};
        if (bot_email_normalize(cases[i].in, out, &e) != SN_OK)
            fail_msg("%s: refused (%s)", cases[i].in, e.msg);
        assert_string_equal(out, cases[i].out);
    }
}

static void test_refused(void **state)
{
    (void)state;
    char long_local[80], long_all[300];
    memset(long_local, 'x', 65);
    strcpy(long_local + 65, "@b.co");
    memset(long_all, 'y', 250);
    strcpy(long_all + 250, "@b.co");
    const char *cases[] = {
        "",
        "   ",
        "plain",
        "a@b", /* no dot in the domain */
        "a@@b.co",
        "a@b@c.co",
        "@b.co",
        "a@",
        "a@.b.co",
        "a@b..co",
        "a@b.co.",
        "a@-b.co", /* a label starting with '-' */
        "a@b-.co",
        "-oProxyCommand=x@b.co", /* read as an option by mail tools */
        "mailto:a@b.co",
        "MAILTO:a@b.co",
        "a%40evil.co@b.co", /* an escape some mailers decode */
        "a@b%2eco",
        "a b@c.co",
        "<a@b.co>",
        "a@b.co>",
        "\"a\"@b.co",
        "a,b@c.co",
        "a;b@c.co",
        "a:b@c.co",
        "a\\b@c.co",
        "a\x01@b.co",
        "a\x7f@b.co",
        "a@b.c\to",
        ".a@b.co",
        "a.@b.co",
        "a..b@c.co",
        "a\xe2\x80\xae"
        "oc.b@evil.com",      /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "a\xe2\x80\x8b@b.co", /* U+200B ZERO WIDTH SPACE */
        "a@b\xe2\x80\x8d.co", /* U+200D ZERO WIDTH JOINER in the domain */
        "a\xc2\xad"
        "b@c.co",             /* U+00AD SOFT HYPHEN */
        "a\xe2\x81\xa6@b.co", /* U+2066 LEFT-TO-RIGHT ISOLATE */
        "a\xd8\x9c@b.co",     /* U+061C ARABIC LETTER MARK */
        "a\xc2\xa0@b.co",     /* U+00A0 NO-BREAK SPACE */
        "a\xef\xbb\xbf@b.co", /* U+FEFF BOM */
        "a\xee\x80\x80@b.co", /* U+E000 private use */
        "a\xef\xbf\xbd@b.co", /* U+FFFD */
        "a\xff@b.co",         /* not UTF-8 */
        "a@b.c\xc3",          /* truncated UTF-8 */
        "a@b_c.co",           /* '_' is no domain character */
        "a@b.co/x",
        long_local,
        long_all,
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[BOT_EMAIL_MAX + 1] = "untouched";
        struct sn_err e = {0};
        if (bot_email_normalize(cases[i], out, &e) != SN_EINVAL)
            fail_msg("case %zu (%s): accepted as %s", i, cases[i], out);
        assert_true(e.msg[0] != 0);
        assert_string_equal(out, ""); /* nothing half-written */
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
