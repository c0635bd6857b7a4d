/* Unit tests for bot/attach_pg.c's pure half: a fetched blob checked against its hash and
 * size (hostile: a changed byte, a short or long copy, a negative or huge size, an empty
 * blob, a NULL hash) and the HTTP status of each fetch failure. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bot/attach.h"
#include "bot/attach_pg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_verify(void **state)
{
    (void)state;
    static const char png[] = "\x89PNG\r\n\x1a\n-the-bytes";
    const size_t len = sizeof png - 1;
    char h[BOT_ATTACH_HASH_HEX], other[BOT_ATTACH_HASH_HEX];
    bot_attach_hash(png, len, h);
    bot_attach_hash("", 0, other);
    char changed[sizeof png];
    memcpy(changed, png, sizeof png);
    changed[10] ^= 1;
    char h_upper[BOT_ATTACH_HASH_HEX];
    for (size_t i = 0; i < sizeof h_upper; i++)
        h_upper[i] = (char)toupper((unsigned char)h[i]);
    const struct {
        const char *hash;
        long long size;
        const char *data;
        size_t len;
        int rc;
    } cases[] = {
        {h, (long long)len, png, len, SN_OK},
        {h, (long long)len, changed, len, SN_EIO},     /* one bit changed */
        {h, (long long)len, png, len - 1, SN_EIO},     /* short */
        {h, (long long)len - 1, png, len - 1, SN_EIO}, /* short, its size changed too */
        {h, (long long)len + 1, png, len, SN_EIO},     /* the size column changed */
        {h, -1, png, len, SN_EIO},                     /* negative */
        {h, 0x7fffffffffffffffLL, png, len, SN_EIO},   /* huge */
        {other, 0, "", 0, SN_OK},                      /* an empty blob is what it says */
        {other, (long long)len, png, len, SN_EIO},     /* another hash */
        {h_upper, (long long)len, png, len, SN_EIO},   /* not the form it is stored in */
        {"", (long long)len, png, len, SN_EIO},        /* no hash */
        {NULL, (long long)len, png, len, SN_EIO},      /* none at all */
        {"../../etc/passwd", (long long)len, png, len, SN_EIO},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct sn_err e = {0};
        int rc =
            bot_attach_pg_verify(cases[i].hash, cases[i].size, cases[i].data, cases[i].len, &e);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d, %d expected (%s)", i, rc, cases[i].rc, e.msg);
        if (rc)
            assert_true(e.msg[0] != 0);
    }
}

static void test_status(void **state)
{
    (void)state;
    static const struct {
        int rc, status;
    } cases[] = {
        {SN_ENOTFOUND, 404}, {SN_EDB, 503},       {SN_EIO, 500}, {SN_ETOOBIG, 500},
        {SN_EINVAL, 500},    {SN_ECONFLICT, 500}, {-999, 500},
    };
    for (size_t i = 0; i < N(cases); i++)
        assert_int_equal(bot_attach_pg_status(cases[i].rc), cases[i].status);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
