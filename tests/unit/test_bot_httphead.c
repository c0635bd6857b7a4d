/* Unit tests for bot/httphead.c (issue 12, HTTP edges): a sound head passes with its exact
 * length (the body after it is not part of it); a malformed request line or header line is
 * refused with 400 as soon as its line is complete; CONNECT 400; unknown methods 501; other
 * versions 505; past the size or field bounds 431, also before the head ends; hostile bytes
 * (NUL, bare CR, obs-fold, bytes past 0x7f in names) are refused, never passed to lws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/httphead.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct hcase {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int verdict;
    size_t skip, head; /* for BOT_HTTPHEAD_OK */
};

#define OK   BOT_HTTPHEAD_OK
#define MORE BOT_HTTPHEAD_MORE
#define GET  "GET / HTTP/1.1\r\n"

static void test_verdicts(void **state)
{
    (void)state;
    static const struct hcase cases[] = {
        /* sound heads; what follows the empty line is the body's */
        {GET "Host: a\r\n\r\n", 0, OK, 0, 27},
        {GET "Host: a\r\n\r\nBODY", 0, OK, 0, 27},
        {"POST /api/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 0, OK, 0, 47},
        {"GET / HTTP/1.0\n\n", 0, OK, 0, 16},
        {"\r\n\r\n" GET "\r\n", 0, OK, 4, 18},
        {"GET /help/%D8%A7?a=1&b=2 HTTP/1.1\r\nX-Empty:\r\nX-T: a\tb\r\n\r\n", 0, OK, 0, 57},
        {"GET /\xd8\xa7 HTTP/1.1\r\n\r\n", 0, OK, 0, 20}, /* raw UTF-8 in a path */
        {"OPTIONS * HTTP/1.1\r\n\r\n", 0, OK, 0, 22},
        {"GET http://a.example/ HTTP/1.1\r\n\r\n", 0, OK, 0, 34},
        {"DELETE /api/x HTTP/1.1\r\n\r\n", 0, OK, 0, 26},
        {GET "X: \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\r\n\r\n", 0, OK, 0, 33},
        /* not yet */
        {"", 0, MORE, 0, 0},
        {"GET / HT", 0, MORE, 0, 0},
        {GET "Host: a\r\n", 0, MORE, 0, 0},
        {GET "Host: a\r", 0, MORE, 0, 0},
        {"\r\n", 0, MORE, 0, 0},
        {GET "Bad", 0, MORE, 0, 0}, /* the line is not complete: it may yet get a colon */
        /* malformed request lines */
        {"GARBAGE\r\n\r\n", 0, 400, 0, 0},
        {"GARBAGE\r\n", 0, 400, 0, 0},
        {"GET\r\n", 0, 400, 0, 0},
        {"GET /\r\n", 0, 400, 0, 0}, /* HTTP/0.9 */
        {"GET  / HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1.1 \r\n", 0, 400, 0, 0},
        {"GET / http/1.1\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1.10\r\n", 0, 400, 0, 0},
        {"GET x HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET * HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET /a\x01 HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET /a\x7f HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET /%zz HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET /%4 HTTP/1.1\r\n", 0, 400, 0, 0},
        {"G\xc3\x89T / HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET\t/ HTTP/1.1\r\n", 0, 400, 0, 0},
        {" GET / HTTP/1.1\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1.1\r\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1.1\rX\r\n", 0, 400, 0, 0},
        {"\r\r\n", 0, 400, 0, 0},
        {"GET / HTTP/1.1", 15, 400, 0, 0}, /* a NUL */
        {"CONNECT host:443 HTTP/1.1\r\n\r\n", 0, 400, 0, 0},
        {"CONNECT host:443 HTTP/1.1\r\n", 0, 400, 0, 0},
        {"BREW /pot HTTP/1.1\r\n\r\n", 0, 501, 0, 0},
        {"get / HTTP/1.1\r\n", 0, 501, 0, 0}, /* methods are case-sensitive */
        {"GET / HTTP/2.0\r\n", 0, 505, 0, 0},
        {"GET / HTTP/0.9\r\n", 0, 505, 0, 0},
        /* malformed header lines */
        {GET "Bad Header Line\r\n\r\n", 0, 400, 0, 0},
        {GET "Bad Header Line\r\n", 0, 400, 0, 0},
        {GET "Host : a\r\n\r\n", 0, 400, 0, 0},
        {GET ": a\r\n\r\n", 0, 400, 0, 0},
        {GET " folded: a\r\n\r\n", 0, 400, 0, 0},
        {GET "Host: a\r\n\tfolded\r\n\r\n", 0, 400, 0, 0},
        {GET "X: a\x01\r\n\r\n", 0, 400, 0, 0},
        {GET "X: a\rb\r\n\r\n", 0, 400, 0, 0},
        {GET "X\xd9\x85: a\r\n\r\n", 0, 400, 0, 0},
        {GET "X: a", 21, 400, 0, 0}, /* a NUL in a value */
        {GET "X(: a\r\n\r\n", 0, 400, 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in), skip = 99, head = 99;
        int v = bot_httphead_check(cases[i].in, len, &skip, &head);
        if (v != cases[i].verdict)
            fail_msg("row %zu '%.40s': verdict %d, expected %d", i, cases[i].in, v,
                     cases[i].verdict);
        if (v == OK && (skip != cases[i].skip || head != cases[i].head))
            fail_msg("row %zu: skip %zu head %zu, expected %zu %zu", i, skip, head, cases[i].skip,
                     cases[i].head);
    }
}

/* Every prefix of a sound head is MORE, then OK: a head that arrives a byte at a time
 * (slow clients, slowloris) is judged the same as one in a packet. */
static void test_byte_at_a_time(void **state)
{
    (void)state;
    const char *h = "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
    size_t n = strlen(h), skip, head;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bot_httphead_check(h, i, &skip, &head), MORE);
    assert_int_equal(bot_httphead_check(h, n, &skip, &head), OK);
    assert_int_equal(head, n);
    /* a bad line is refused once its LF is there, whatever follows */
    const char *b = "GET / HTTP/1.1\r\nNo colon here\r\n";
    for (size_t i = 0; i < strlen(b); i++)
        assert_int_equal(bot_httphead_check(b, i, &skip, &head), MORE);
    assert_int_equal(bot_httphead_check(b, strlen(b), &skip, &head), 400);
}

static void test_bounds(void **state)
{
    (void)state;
    size_t cap = 3 * BOT_HTTPHEAD_MAX, skip, head;
    char *b = malloc(cap);
    assert_non_null(b);

    /* a head of exactly BOT_HTTPHEAD_MAX bytes passes; one byte more is 431 */
    for (int extra = 0; extra <= 1; extra++) {
        int n = snprintf(b, cap, GET "X: ");
        size_t pad = BOT_HTTPHEAD_MAX - (size_t)n - 4 + (size_t)extra;
        memset(b + n, 'a', pad);
        memcpy(b + n + pad, "\r\n\r\n", 4);
        size_t len = (size_t)n + pad + 4;
        int v = bot_httphead_check(b, len, &skip, &head);
        assert_int_equal(v, extra ? 431 : OK);
    }
    /* a 10 KB header: 431 as soon as the bound is passed, before its line ends */
    int n = snprintf(b, cap, GET "Cookie: ");
    memset(b + n, 'c', 10240);
    assert_int_equal(bot_httphead_check(b, BOT_HTTPHEAD_MAX - 1, &skip, &head), MORE);
    assert_int_equal(bot_httphead_check(b, BOT_HTTPHEAD_MAX, &skip, &head), 431);
    assert_int_equal(bot_httphead_check(b, (size_t)n + 10240, &skip, &head), 431);

    /* too many fields: header lines, or query separators (each an lws fragment) */
    size_t len = (size_t)snprintf(b, cap, GET);
    for (int i = 0; i < BOT_HTTPHEAD_MAX_FIELDS; i++)
        len += (size_t)snprintf(b + len, cap - len, "X%d: y\r\n", i);
    memcpy(b + len, "\r\n", 2);
    assert_int_equal(bot_httphead_check(b, len + 2, &skip, &head), OK);
    len += (size_t)snprintf(b + len, cap - len, "One: more\r\n\r\n");
    assert_int_equal(bot_httphead_check(b, len, &skip, &head), 431);
    len = (size_t)snprintf(b, cap, "GET /?");
    for (int i = 0; i < BOT_HTTPHEAD_MAX_FIELDS + 1; i++)
        len += (size_t)snprintf(b + len, cap - len, "a=1&");
    len += (size_t)snprintf(b + len, cap - len, " HTTP/1.1\r\n\r\n");
    assert_int_equal(bot_httphead_check(b, len, &skip, &head), 431);

    /* a flood of empty lines before any request */
    memset(b, '\n', 1000);
    assert_int_equal(bot_httphead_check(b, 1000, &skip, &head), 400);
    /* a thousand commas and bytes past 0x7f in a value are a value */
    len = (size_t)snprintf(b, cap, GET "X: ");
    memset(b + len, ',', 1000);
    len += 1000;
    for (int i = 0; i < 500; i++)
        b[len++] = (char)(0x80 + i % 0x80);
    memcpy(b + len, "\r\n\r\n", 4);
    assert_int_equal(bot_httphead_check(b, len + 4, &skip, &head), OK);
    free(b);
}

static void test_reasons(void **state)
{
    (void)state;
    assert_string_equal(bot_httphead_reason(400), "Bad Request");
    assert_string_equal(bot_httphead_reason(431), "Request Header Fields Too Large");
    assert_string_equal(bot_httphead_reason(408), "Request Timeout");
    assert_string_equal(bot_httphead_reason(501), "Not Implemented");
    assert_string_equal(bot_httphead_reason(505), "HTTP Version Not Supported");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
