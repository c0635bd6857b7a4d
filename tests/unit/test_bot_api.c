/* The API's path patterns, query arguments and error answers (bot/api.h), and the route
 * table's shape: table-driven, hostile paths included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bot/api.h"

static void test_match(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *path;
        int ok;
        const char *param;
    } cases[] = {
        {"/api/entries", "/api/entries", 1, ""},
        {"/api/entries", "/api/entries/", 0, ""},
        {"/api/entries", "/api/entriesX", 0, ""},
        {"/api/entries", "/api/entrie", 0, ""},
        {"/api/entries/{id}", "/api/entries/ar-shop-001", 1, "ar-shop-001"},
        {"/api/entries/{id}", "/api/entries/", 0, ""},
        {"/api/entries/{id}", "/api/entries/a/b", 0, ""},
        {"/api/entries/{id}", "/api/entries/a b", 0, ""},
        {"/api/entries/{id}", "/api/entries/a%2fb", 0, ""},
        {"/api/entries/{id}", "/api/entries/\xd8\xa7", 0, ""},
        {"/api/entries/{id}", "/api/entries/a;rm", 0, ""},
        {"/api/entries/{id}/history", "/api/entries/x.y_z-1/history", 1, "x.y_z-1"},
        {"/api/entries/{id}/history", "/api/entries//history", 0, ""},
        {"/api/entries/{id}/history", "/api/entries/x/historyy", 0, ""},
        {"/api/entries/{id}/history", "/api/entries/x/histor", 0, ""},
        {"/api/gaps/{id}/promote", "/api/gaps/12/promote", 1, "12"},
        {"/api/gaps/{id}/promote", "/api/gaps/12/dismiss", 0, ""},
        {"/api/entries/{id}",
         "/api/entries/"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         0, ""}, /* longer than BOT_API_MAX_PARAM */
        {"/api/entries/{id}", "", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char param[BOT_API_MAX_PARAM] = "junk";
        assert_int_equal(bot_api_match(cases[i].pattern, cases[i].path, param, sizeof param),
                         cases[i].ok);
        if (cases[i].ok)
            assert_string_equal(param, cases[i].param);
    }
}

static void test_args_and_errors(void **state)
{
    (void)state;
    struct bot_api_call c = {.nargs = 2, .arg_name = {"lang", "q"}, .arg_value = {"ar", "كيف"}};
    assert_string_equal(bot_api_arg(&c, "lang"), "ar");
    assert_string_equal(bot_api_arg(&c, "q"), "كيف");
    assert_null(bot_api_arg(&c, "page"));
    assert_int_equal(bot_api_error(&c, 409, "conflict", "entry %s is at version %d", "x", 3), 409);
    assert_int_equal(c.status, 409);
    json_t *e = json_object_get(c.json, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "conflict");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "entry x is at version 3");
    /* a message cut inside a UTF-8 character still makes valid JSON */
    char big[600];
    memset(big, 0, sizeof big);
    for (size_t i = 0; i + 2 < sizeof big; i += 2)
        memcpy(big + i, "\xd8\xa7", 2);
    bot_api_error(&c, 400, "invalid", "x%s", big);
    e = json_object_get(c.json, "error");
    assert_non_null(json_string_value(json_object_get(e, "message")));
    /* invalid UTF-8 from below is not passed through as it is */
    bot_api_error(&c, 400, "invalid", "%s", "\xff\xfe");
    assert_non_null(json_object_get(c.json, "error"));
    json_decref(c.json);
}

static void test_route_table(void **state)
{
    (void)state;
    int n = 0;
    for (const struct bot_api_route *r = bot_api_kb_routes; r->path; r++, n++) {
        assert_non_null(r->fn);
        assert_true(!strncmp(r->path, "/api/", 5));
        /* a route that reads a body has a cap; GET and DELETE read none */
        if (r->method == BOT_API_GET || r->method == BOT_API_DELETE)
            assert_int_equal(r->body, BOT_API_BODY_NONE);
        else
            assert_true(r->body != BOT_API_BODY_NONE && r->max_body > 0);
        /* every change needs an editor (or admin); reads need a login */
        assert_int_equal(r->role, r->method == BOT_API_GET ? 0 : BOT_ROLE_EDITOR);
        /* no two rows for one method and path */
        for (const struct bot_api_route *s = r + 1; s->path; s++)
            assert_false(s->method == r->method && !strcmp(s->path, r->path));
    }
    assert_int_equal(n, 19);
}

/* PATCH /api/me's display name: trimmed, 1..64 characters, no control or bidi characters. */
static void test_me_name(void **state)
{
    (void)state;
    char x64[65], x65[66], b64[129], b65[131];
    memset(x64, 'x', 64), x64[64] = 0;
    memset(x65, 'x', 65), x65[65] = 0;
    for (int i = 0; i < 64; i++)
        memcpy(b64 + 2 * i, "\xd8\xa8", 2);
    b64[128] = 0;
    memcpy(b65, b64, 128), memcpy(b65 + 128, "\xd8\xa8", 2), b65[130] = 0;
    static const char *const ok_out[] = {"Amal", "أمل حسن", "a b", "Amal 👩🏽‍💻",
                                         "x",    "\xd8\xa8"};
    struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"Amal", ok_out[0]},
        {"  أمل حسن \t", ok_out[1]},
        {"\xc2\xa0"
         "a b\xe3\x80\x80",
         ok_out[2]}, /* no-break and ideographic spaces trimmed */
        {"Amal 👩🏽‍💻", ok_out[3]},
        {"\nx\r\n", ok_out[4]},
        {"\xd8\xa8 ", ok_out[5]},
        {x64, x64},
        {b64, b64},
        {x65, NULL},
        {b65, NULL},
        {"", NULL},
        {" \t\n ", NULL},
        {"\xc2\xa0", NULL},
        {"a\nb", NULL},
        {"a\x01", NULL},
        {"a\x7f", NULL},
        {"a\xc2\x85", NULL}, /* C1 NEL */
        {"\xe2\x80\xae"
         "evil",
         NULL},                   /* RIGHT-TO-LEFT OVERRIDE */
        {"x\xe2\x81\xa6y", NULL}, /* LEFT-TO-RIGHT ISOLATE */
        {"x\xe2\x80\xa8y", NULL}, /* LINE SEPARATOR */
        {"\xff", NULL},           /* not UTF-8 */
        {"\xd8", NULL},           /* cut */
        {"\xed\xa0\x80", NULL},   /* a surrogate */
        {"\xc0\xaf", NULL},       /* overlong */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[BOT_API_ME_NAME_MAX * 4 + 1] = "junk";
        struct sn_err e = {0};
        int rc = bot_api_me_name(cases[i].in, out, sizeof out, &e);
        if (cases[i].out) {
            if (rc)
                fail_msg("case %zu refused: %s", i, e.msg);
            assert_string_equal(out, cases[i].out);
        } else {
            if (!rc)
                fail_msg("case %zu accepted as '%s'", i, out);
            assert_int_equal(rc, SN_EINVAL);
            assert_true(e.msg[0] != 0);
            assert_string_equal(out, "");
        }
    }
    /* the user's own routes: one PATCH /api/me, any role, a JSON body with a cap */
    int n = 0;
    for (const struct bot_api_route *r = bot_api_me_routes; r->path; r++, n++) {
        assert_int_equal(r->method, BOT_API_PATCH);
        assert_string_equal(r->path, "/api/me");
        assert_int_equal(r->role, 0);
        assert_int_equal(r->body, BOT_API_BODY_JSON);
        assert_true(r->max_body > 0 && r->max_body <= 4096);
    }
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_args_and_errors),
        cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_me_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
