/* Unit tests for bot/store_pg_case.c's pure parts, the case search's: the LIKE pattern of a
 * text (%, _ and \ escaped, nothing else touched) and the SQL a filter makes (fixed clauses
 * only: no value of the filter is ever in the text; the parameters numbered $1..$n in order,
 * each given once; the window's LIMIT inside, the page's last). The statements themselves
 * run against a real PostgreSQL in tests/integration/store_pg_case_tests.py.
 *
 * The file is included (h2o's trick) for its static functions; its one public symbol is
 * renamed so that it does not clash with the object the test also links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define store_pg_case_ops unit_store_pg_case_ops
#include "../../bot/store_pg_case.c"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_like_pattern(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "%%"},
        {"abc", "%abc%"},
        {"%", "%\\%%"},
        {"_", "%\\_%"},
        {"\\", "%\\\\%"},
        {"50%_off", "%50\\%\\_off%"},
        {"\\%", "%\\\\\\%%"},
        {"a\\", "%a\\\\%"},
        {"' OR 1=1 --", "%' OR 1=1 --%"},
        {"$1 $$ ::text", "%$1 $$ ::text%"},
        {"فاتورة_٢", "%فاتورة\\_٢%"},
        {"*?[]^", "%*?[]^%"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *p = like_pattern(cases[i].in);
        assert_string_equal(p, cases[i].out);
        free(p);
    }
}

/* Every "$k" of sql, in order of appearance, into seen[k] (counts); returns the highest k. */
static int params_of(const char *sql, int seen[32])
{
    int top = 0;
    memset(seen, 0, 32 * sizeof *seen);
    for (const char *p = sql; (p = strchr(p, '$')); p++) {
        if (p[1] < '0' || p[1] > '9')
            continue;
        int k = atoi(p + 1);
        assert_true(k >= 1 && k < 32);
        seen[k]++;
        if (k > top)
            top = k;
    }
    return top;
}

static const char hostile[] = "x'); DROP TABLE sanad_store.cases; --";

static void test_search_sql_has_no_value_and_numbers_each_parameter(void **state)
{
    (void)state;
    struct store_case_filter all = {.ref = hostile,
                                    .nstatus = STORE_CASE_SEARCH_STATUSES,
                                    .department = hostile,
                                    .assignee = hostile,
                                    .visitor_id = hostile,
                                    .text = hostile,
                                    .from = 1,
                                    .to = 2,
                                    .before = 3,
                                    .exclude_id = 4,
                                    .limit = STORE_CASE_SEARCH_MAX,
                                    .scan = 5000};
    for (int i = 0; i < STORE_CASE_SEARCH_STATUSES; i++)
        all.status[i] = hostile;
    struct store_case_filter none = {.limit = 50};
    struct store_case_filter text_only = {.text = "50%_off", .limit = 50};
    struct store_case_filter text_window = {
        .text = "a", .status = {"new"}, .nstatus = 1, .limit = 10, .scan = 100};
    const struct store_case_filter *fs[] = {&all, &none, &text_only, &text_window};
    /* the parameters each filter has: the limit, and one per condition */
    static const int want_n[] = {1 + 8 + 3 + 4 + 1 + 1 + 1, 1, 2, 4};
    for (size_t i = 0; i < N_ELEMS(fs); i++) {
        struct search_sql *b = sn_xcalloc(1, sizeof *b);
        char *like = fs[i]->text ? like_pattern(fs[i]->text) : NULL;
        int seen[32];
        search_build(b, fs[i], like);
        assert_int_equal(b->n, want_n[i]);
        assert_int_equal(params_of(b->sql, seen), b->n);
        for (int k = 1; k <= b->n; k++) /* the text's is used twice: messages and ticket */
            assert_int_equal(seen[k], fs[i]->text && b->val[k - 1] == like ? 2 : 1);
        assert_null(strstr(b->sql, "DROP"));
        assert_null(strchr(b->sql, ';'));
        assert_null(strstr(b->sql, "50%"));
        /* newest first, the page's limit last */
        char last[64];
        snprintf(last, sizeof last, "ORDER BY c.id DESC LIMIT $%d::bigint", b->n);
        assert_non_null(strstr(b->sql, last));
        assert_int_equal(strlen(strstr(b->sql, last)), strlen(last));
        assert_int_equal(atoll(b->val[b->n - 1]), fs[i]->limit);
        /* the window: the newest scan cases under the other conditions, the text outside */
        const char *win = strstr(b->sql, "FROM (SELECT * FROM sanad_store.cases c");
        assert_true((win != NULL) == (fs[i]->text && fs[i]->scan > 0));
        if (win)
            assert_true(strstr(b->sql, "ILIKE") > strstr(win, ") c WHERE true"));
        free(like);
        free(b);
    }
}

static void test_search_values_are_parameters(void **state)
{
    (void)state;
    struct store_case_filter f = {.ref = "S-ABC123",
                                  .status = {"new", "open"},
                                  .nstatus = 2,
                                  .visitor_id = "vis_Q-0123456789abcdef",
                                  .text = "\\",
                                  .before = 77,
                                  .limit = 20};
    struct search_sql b = {.len = 0};
    char *like = like_pattern(f.text);
    search_build(&b, &f, like);
    static const char *const want[] = {"S-ABC123", "new",    "open", "vis_Q-0123456789abcdef",
                                       "77",       "%\\\\%", "20"};
    assert_int_equal(b.n, (int)N_ELEMS(want));
    for (size_t i = 0; i < N_ELEMS(want); i++)
        assert_string_equal(b.val[i], want[i]);
    assert_non_null(strstr(b.sql, " AND c.status IN ($2::text, $3::text)"));
    assert_non_null(strstr(b.sql, " AND c.id < $5::bigint"));
    assert_non_null(strstr(b.sql, "m.text ILIKE $6 ESCAPE '\\'"));
    free(like);
    /* the window's own statement: its conditions and its LIMIT, no text */
    struct search_sql w = {.len = 0};
    f.scan = 5000;
    search_window_build(&w, &f);
    assert_int_equal(w.n, 6);
    assert_string_equal(w.val[5], "5000");
    assert_null(strstr(w.sql, "ILIKE"));
}

static void test_search_valid(void **state)
{
    (void)state;
    static const struct {
        int limit, nstatus, scan, ok;
    } cases[] = {
        {1, 0, 0, 1},
        {STORE_CASE_SEARCH_MAX, STORE_CASE_SEARCH_STATUSES, 5000, 1},
        {0, 0, 0, 0},
        {-1, 0, 0, 0},
        {STORE_CASE_SEARCH_MAX + 1, 0, 0, 0},
        {10, -1, 0, 0},
        {10, STORE_CASE_SEARCH_STATUSES + 1, 0, 0},
        {10, 0, -1, 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct store_case_filter f = {
            .limit = cases[i].limit, .nstatus = cases[i].nstatus, .scan = cases[i].scan};
        assert_int_equal(search_valid(&f), cases[i].ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like_pattern),
        cmocka_unit_test(test_search_sql_has_no_value_and_numbers_each_parameter),
        cmocka_unit_test(test_search_values_are_parameters),
        cmocka_unit_test(test_search_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
