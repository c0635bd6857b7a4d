/* bot/migrate.h as tables: COPY text fields (every byte that would end a field or a row
 * escaped, the rest kept, hostile bytes included), bytea fields, the direction check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bot/migrate.h"

static void copy_text(void **st)
{
    (void)st;
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        {"", 0, ""},
        {"plain", 5, "plain"},
        {"a\tb", 3, "a\\tb"},
        {"line1\nline2\r\n", 13, "line1\\nline2\\r\\n"},
        {"C:\\dir\\", 7, "C:\\\\dir\\\\"},
        {"\\N", 2, "\\\\N"}, /* a text that reads like NULL stays a text */
        {"\\.", 2, "\\\\."}, /* nor ends the COPY */
        {"كيف ادفع\tالفاتورة", 32, "كيف ادفع\\tالفاتورة"},
        {"\t\t", 2, "\\t\\t"},
        {"x\\", 2, "x\\\\"},
        {"{\"a\": \"b\\nc\"}", 13, "{\"a\": \"b\\\\nc\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sn_buf b;
        sn_buf_init(&b, 1 << 20);
        assert_int_equal(bot_migrate_copy_text(&b, cases[i].in, cases[i].n), SN_OK);
        assert_string_equal(b.p, cases[i].want);
        sn_buf_fini(&b);
    }
}

static void copy_text_cap(void **st)
{
    (void)st;
    struct sn_buf b;
    sn_buf_init(&b, 8);
    assert_int_equal(bot_migrate_copy_text(&b, "a\tb\tc\td\te", 9), SN_ETOOBIG);
    sn_buf_fini(&b);
}

static void copy_bytea_and_null(void **st)
{
    (void)st;
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        {"", 0, "\\\\x"},
        {"{}", 2, "\\\\x7b7d"},
        {"\x00\xff\t\n", 4, "\\\\x00ff090a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sn_buf b;
        sn_buf_init(&b, 1 << 20);
        assert_int_equal(bot_migrate_copy_bytea(&b, cases[i].in, cases[i].n), SN_OK);
        assert_string_equal(b.p, cases[i].want);
        sn_buf_fini(&b);
    }
    struct sn_buf b;
    sn_buf_init(&b, 16);
    assert_int_equal(bot_migrate_copy_null(&b), SN_OK);
    assert_string_equal(b.p, "\\N");
    sn_buf_fini(&b);
}

static void direction(void **st)
{
    (void)st;
    static const struct {
        const char *from, *to;
        int ok;
    } cases[] = {
        {"sqlite", "postgres", 1},  {"postgres", "sqlite", 0},
        {"sqlite", "sqlite", 0},    {"SQLite", "postgres", 0},
        {"sqlite", "pg", 0},        {NULL, "postgres", 0},
        {"sqlite", NULL, 0},        {"", "", 0},
        {"sqlite ", "postgres", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(bot_migrate_direction_check(cases[i].from, cases[i].to) == NULL,
                         cases[i].ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_text),
        cmocka_unit_test(copy_text_cap),
        cmocka_unit_test(copy_bytea_and_null),
        cmocka_unit_test(direction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
