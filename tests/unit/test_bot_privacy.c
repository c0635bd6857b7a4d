/* Unit tests for bot/privacy.c's pure parts: the subject kinds, the checks of a subject's
 * value (hostile: traversal, SQL, NUL-free oddities, bidi, lengths), the audit's hash, and
 * the masking of addresses in log text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "bot/privacy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int ok;
        enum store_subject kind;
    } cases[] = {
        {"token", 1, STORE_SUBJECT_TOKEN},
        {"visitor", 1, STORE_SUBJECT_VISITOR},
        {"email", 1, STORE_SUBJECT_EMAIL},
        {"Email", 0, 0},
        {"", 0, 0},
        {"tokens", 0, 0},
        {NULL, 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct sn_err e = {0};
        enum store_subject k = STORE_SUBJECT_EMAIL;
        int rc = bot_privacy_kind(cases[i].name, &k, &e);
        if (cases[i].ok) {
            assert_int_equal(rc, SN_OK);
            assert_int_equal(k, cases[i].kind);
            assert_string_equal(bot_privacy_kind_name(k), cases[i].name);
        } else {
            assert_int_equal(rc, SN_EINVAL);
            assert_true(e.msg[0] != 0);
        }
    }
}

static void test_subject_values(void **state)
{
    (void)state;
    char long_token[130], long_email[300];
    memset(long_token, 'a', 129);
    long_token[129] = 0;
    memset(long_email, 'a', 290);
    memcpy(long_email + 280, "@example.com", 13);
    static const char tok_hash_of_abc[] =
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
    const struct {
        enum store_subject kind;
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {STORE_SUBJECT_TOKEN, "abc", tok_hash_of_abc}, /* the store keeps the hash only */
        {STORE_SUBJECT_TOKEN, "", NULL},
        {STORE_SUBJECT_TOKEN, "../../etc/passwd", NULL},
        {STORE_SUBJECT_TOKEN, "a' OR '1'='1", NULL},
        {STORE_SUBJECT_TOKEN, "abc def", NULL},
        {STORE_SUBJECT_TOKEN, long_token, NULL},
        {STORE_SUBJECT_TOKEN, "abc\n", NULL},
        {STORE_SUBJECT_VISITOR, "vis_A-0123456789abcdef", "vis_A-0123456789abcdef"},
        {STORE_SUBJECT_VISITOR, "short", NULL},
        {STORE_SUBJECT_VISITOR, "0123456789abcdef%", NULL},
        {STORE_SUBJECT_VISITOR, "\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa9-0123456789abcdef", NULL},
        {STORE_SUBJECT_EMAIL, "Sara@Example.COM", "Sara@example.com"},
        {STORE_SUBJECT_EMAIL, "  x@y.co  ", "x@y.co"},
        {STORE_SUBJECT_EMAIL, "no-at-sign", NULL},
        {STORE_SUBJECT_EMAIL, "a@b", NULL},
        {STORE_SUBJECT_EMAIL,
         "\xe2\x80\xae"
         "evil@example.com",
         NULL}, /* bidi override */
        {STORE_SUBJECT_EMAIL, "-oops@example.com", NULL},
        {STORE_SUBJECT_EMAIL, long_email, NULL},
        {(enum store_subject)7, "abc", NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct sn_err e = {0};
        char out[BOT_PRIVACY_VALUE_MAX + 1] = "x";
        int rc = bot_privacy_subject(cases[i].kind, cases[i].in, out, sizeof out, &e);
        if (cases[i].out) {
            if (rc != SN_OK)
                fail_msg("case %zu: refused: %s", i, e.msg);
            assert_string_equal(out, cases[i].out);
        } else {
            if (rc != SN_EINVAL)
                fail_msg("case %zu (%s): accepted as %s", i, cases[i].in, out);
            assert_true(e.msg[0] != 0);
        }
    }
    struct sn_err e = {0};
    char out[BOT_PRIVACY_VALUE_MAX + 1];
    assert_int_equal(bot_privacy_subject(STORE_SUBJECT_TOKEN, NULL, out, sizeof out, &e),
                     SN_EINVAL);
}

/* The audit's hash: of "kind:value", the email's case folded, never the value itself. */
static void test_hash(void **state)
{
    (void)state;
    char a[BOT_PRIVACY_HASH_HEX], b[BOT_PRIVACY_HASH_HEX], c[BOT_PRIVACY_HASH_HEX];
    unsigned char h[32];
    char want[BOT_PRIVACY_HASH_HEX];
    crypto_generichash(h, sizeof h, (const unsigned char *)"email:sara@example.com", 22, NULL, 0);
    sodium_bin2hex(want, sizeof want, h, sizeof h);
    bot_privacy_hash(STORE_SUBJECT_EMAIL, "Sara@example.com", a);
    bot_privacy_hash(STORE_SUBJECT_EMAIL, "sara@example.com", b);
    assert_string_equal(a, want);
    assert_string_equal(a, b);
    bot_privacy_hash(STORE_SUBJECT_VISITOR, "sara@example.com", c); /* the kind counts */
    assert_string_not_equal(a, c);
    bot_privacy_hash(STORE_SUBJECT_VISITOR, "Vis-0123456789abcdef", a);
    bot_privacy_hash(STORE_SUBJECT_VISITOR, "vis-0123456789abcdef", b); /* ids keep case */
    assert_string_not_equal(a, b);
    assert_null(strstr(a, "Vis"));
    assert_int_equal(strlen(a), 64);
}

static void test_redact(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"smtp: RCPT failed: 550 <sara@example.com>: rejected",
         "smtp: RCPT failed: 550 <<email>>: rejected"},
        {"to a.b+c@mail.example.org and x@y.co", "to <email> and <email>"},
        {"no address here", "no address here"},
        {"a lone @ sign", "a lone @ sign"},
        {"@start and end@", "@start and end@"},
        {"user@ trailing", "user@ trailing"},
        {"", ""},
        {"\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa9@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.com ok", "<email> ok"},
        {"@@@", "@@@"},
        {"a@b@c", "<email>@c"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[160];
        bot_privacy_redact(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].out))
            fail_msg("case %zu: \"%s\" → \"%s\", want \"%s\"", i, cases[i].in, out, cases[i].out);
    }
    /* cut to fit, always terminated */
    char small[8];
    bot_privacy_redact("hello sara@example.com", small, sizeof small);
    assert_string_equal(small, "hello <"); /* the address never starts to show */
    bot_privacy_redact("x@example.com", small, 4);
    assert_int_equal(strlen(small), 3);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_subject_values),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
