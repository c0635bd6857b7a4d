/* Unit tests for intents/intent.c through intents/intent.h.
 *
 * Cases are data: tests/data/intents/match.tsv (override with SANAD_TEST_INTENTS_TSV), one
 * row per cmocka test named "match.tsv:LINE", against the shipped data in ./intents
 * (override with SANAD_TEST_INTENTS_DIR). Row: TEXT <tab> EXPECTED [<tab> # note];
 * EXPECTED is an intent name, NAME+ for a courtesy prefix followed by a question, or -.
 * TEXT takes escapes \xHH (one raw byte), \uXXXX (UTF-8), \t and \\.
 *
 * The fixed tests cover what a row cannot: sizes, every rest offset, templates, loading
 * errors (missing directory, bad JSON, bad regex, conflicting priorities, near rules naming
 * no list), and the near rule's knobs on a data set of their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "intents/intent.h"
#include "kb/base.h"

static struct intent_set *set;

struct row {
    char name[64];
    char text[1024];
    size_t len;
    char expect[64];
    int courtesy;
};

static void put_utf8(char *o, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        o[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*n)++] = (char)(0xC0 | cp >> 6);
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*n)++] = (char)(0xE0 | cp >> 12);
        o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static size_t unescape(const char *s, char *o, size_t cap)
{
    size_t n = 0;
    while (*s && n + 4 < cap) {
        if (s[0] == '\\' && s[1] == 'x') {
            o[n++] = (char)strtoul((char[]){s[2], s[3], 0}, NULL, 16);
            s += 4;
        } else if (s[0] == '\\' && s[1] == 'u') {
            put_utf8(o, &n, (unsigned)strtoul((char[]){s[2], s[3], s[4], s[5], 0}, NULL, 16));
            s += 6;
        } else if (s[0] == '\\' && s[1] == 't') {
            o[n++] = '\t';
            s += 2;
        } else if (s[0] == '\\' && s[1] == '\\') {
            o[n++] = '\\';
            s += 2;
        } else {
            o[n++] = *s++;
        }
    }
    o[n] = 0;
    return n;
}

static void run_row(void **state)
{
    const struct row *r = *state;
    struct intent_match m;
    struct sn_err e = {0};
    assert_int_equal(intent_match(set, r->text, r->len, &m, &e), SN_OK);
    if (strcmp(r->expect, "-") == 0) {
        if (m.name)
            fail_msg("%s: expected no intent, got %s (%s)", r->name, m.name, m.why);
        return;
    }
    if (!m.name || strcmp(m.name, r->expect) != 0)
        fail_msg("%s: expected %s, got %s (%s)", r->name, r->expect, m.name ? m.name : "none",
                 m.why);
    if (m.courtesy != r->courtesy)
        fail_msg("%s: expected courtesy=%d, got %d (%s)", r->name, r->courtesy, m.courtesy, m.why);
    if (m.courtesy) {
        assert_true(m.rest_start > 0 && (size_t)m.rest_start < r->len);
        assert_true(((unsigned char)r->text[m.rest_start] & 0xC0) != 0x80);
    }
}

static void test_long_messages(void **state)
{
    (void)state;
    struct intent_match m;
    size_t n = 100 * 1024;
    char *big = sn_xmalloc(n + 1);
    memset(big, 'a', n);
    big[n] = 0;
    assert_int_equal(intent_match(set, big, n, &m, NULL), SN_OK);
    assert_null(m.name);
    /* 65 words of "agent": past INTENT_MAX_WORDS rule 1 is off but the message is short
     * enough for the regexes; no crash, and no match is required. */
    struct sn_buf b;
    sn_buf_init(&b, 4096);
    for (int i = 0; i < INTENT_MAX_WORDS + 1; i++)
        sn_buf_adds(&b, "help ");
    assert_int_equal(intent_match(set, b.p, b.len, &m, NULL), SN_OK);
    assert_null(m.name);
    sn_buf_fini(&b);
    /* 10,000 Arabic characters */
    sn_buf_init(&b, 64 * 1024);
    for (int i = 0; i < 10000; i++)
        sn_buf_adds(&b, "م");
    assert_int_equal(intent_match(set, b.p, b.len, &m, NULL), SN_OK);
    assert_null(m.name);
    sn_buf_fini(&b);
    free(big);
}

static void test_responses(void **state)
{
    (void)state;
    const char *ar = intent_response(set, "are_you_a_bot", "ar", 0);
    const char *en = intent_response(set, "are_you_a_bot", "en", 7);
    assert_non_null(ar);
    assert_non_null(en);
    assert_non_null(strstr(ar, "روبوت"));
    assert_non_null(strstr(en, "bot"));
    assert_null(intent_response(set, "no_such_intent", "en", 0));
    const char *need[] = {"greeting", "thanks", "goodbye",     "ask_for_human", "are_you_a_bot",
                          "affirm",   "deny",   "not_helpful", "restart"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        assert_true(intent_exists(set, need[i]));
        assert_non_null(intent_response(set, need[i], "ar", 0));
        assert_non_null(intent_response(set, need[i], "en", 0));
    }
}

static int write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(s, f);
    return fclose(f);
}

static void expect_load_error(const char *en_json, int code, const char *needle)
{
    char dir[] = "/tmp/sanad-intents-XXXXXX", path[256];
    struct sn_err e = {0};
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/en.json", dir);
    assert_int_equal(write_file(path, en_json), 0);
    struct intent_set *s = intent_set_load(dir, &e);
    unlink(path);
    rmdir(dir);
    if (s)
        intent_set_free(s);
    assert_null(s);
    assert_int_equal(e.code, code);
    if (!strstr(e.msg, needle))
        fail_msg("error '%s' does not mention '%s'", e.msg, needle);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct sn_err e = {0};
    assert_null(intent_set_load("/nonexistent/dir", &e));
    assert_int_equal(e.code, SN_ENOTFOUND);
    expect_load_error("{", SN_EINVAL, "en.json");
    expect_load_error("[]", SN_EINVAL, "expected");
    expect_load_error("{\"lang\": \"ar\", \"intents\": []}", SN_EINVAL, "expected");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"regex\": [\"(\"]}]}",
                      SN_EINVAL, "regex");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"phrases\": [1]}]}",
                      SN_EINVAL, "phrases");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"phrases\": [\"a\"]}]}", SN_EINVAL,
                      "name");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"priority\": 1},"
                      " {\"name\": \"x\", \"priority\": 2}]}",
                      SN_EINVAL, "priority");
    expect_load_error("{\"lang\": \"en\", \"filler\": [\"please\"], \"intents\": [{\"name\": "
                      "\"x\", \"phrases\": [\"please\"]}]}",
                      SN_EINVAL, "filler");
    /* near rules: lists must exist, be arrays of phrases, and the numbers stay in range */
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"near\": [{\"first\": "
                      "\"a\", \"then\": \"b\"}]}]}",
                      SN_EINVAL, "no list 'a'");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"lists\": [\"a\"]}]}",
                      SN_EINVAL, "lists");
    expect_load_error(
        "{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"lists\": {\"a\": []}}]}", SN_EINVAL,
        "list 'a'");
    expect_load_error(
        "{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"lists\": {\"a\": "
        "[\"talk\"]}, \"near\": [{\"first\": \"a\", \"then\": \"a\", \"within\": 99}]}]}",
        SN_EINVAL, "within");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"lists\": {\"a\": "
                      "[\"talk\"]}, \"near\": [{\"first\": \"a\"}]}]}",
                      SN_EINVAL, "then");
    expect_load_error("{\"lang\": \"en\", \"intents\": [{\"name\": \"x\", \"unless\": [2]}]}",
                      SN_EINVAL, "unless");
}

/* The near rule's knobs on a small set of its own: within, not_across, max_after, unless,
 * and that the same rule from both files is kept once. */
static void test_near_rules(void **state)
{
    (void)state;
    static const char en[] =
        "{\"lang\": \"en\", \"filler\": [\"a\"], \"intents\": [{\"name\": \"h\", \"priority\": 9,"
        " \"lists\": {\"v\": [\"talk\", \"put me through\"], \"p\": [\"agent\", \"real person\"],"
        " \"t\": [\"about\"]},"
        " \"near\": [{\"first\": \"v\", \"then\": \"p\", \"within\": 2, \"not_across\": \"t\"}],"
        " \"unless\": [\"when\", \"what time\"]},"
        " {\"name\": \"b\", \"priority\": 5, \"lists\": {\"y\": [\"are you\"], \"z\": [\"bot\"]},"
        " \"near\": [{\"first\": \"y\", \"then\": \"z\", \"within\": 0, \"max_after\": 1}]},"
        " {\"name\": \"hi\", \"courtesy\": true, \"phrases\": [\"thanks\"]}]}";
    static const char ar[] = "{\"lang\": \"ar\", \"intents\": [{\"name\": \"h\", \"priority\": 9,"
                             " \"lists\": {\"v\": [\"talk\"]},"
                             " \"near\": [{\"first\": \"v\", \"then\": \"p\", \"within\": 2,"
                             " \"not_across\": \"t\"}]}]}";
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"talk to agent", "h"},
        {"i talk with one agent", "h"},                /* two words between */
        {"talk to my one agent", NULL},                /* three */
        {"talk to a real person", "h"},                /* filler a is not counted */
        {"put me through to an agent", "h"},           /* a phrase as the first word */
        {"talk about the agent", NULL},                /* not across "about" */
        {"agent talk", NULL},                          /* order matters */
        {"when can i talk to agent", NULL},            /* unless */
        {"at what time can i talk to an agent", NULL}, /* unless phrase */
        {"are you bot", "b"},
        {"are you bot really", "b"},
        {"are you bot thanks", "b"}, /* trailing courtesy is not counted by max_after */
        {"are you bot able to help me", NULL},
        {"are you a bot", "b"},
        {"are you really bot", NULL}, /* within 0 */
    };
    char dir[] = "/tmp/sanad-intents-XXXXXX", pen[256], par[256];
    struct sn_err e = {0};
    struct intent_match m;
    assert_non_null(mkdtemp(dir));
    snprintf(pen, sizeof pen, "%s/en.json", dir);
    snprintf(par, sizeof par, "%s/ar.json", dir);
    assert_int_equal(write_file(pen, en), 0);
    assert_int_equal(write_file(par, ar), 0);
    struct intent_set *s = intent_set_load(dir, &e);
    unlink(pen);
    unlink(par);
    rmdir(dir);
    if (!s)
        fail_msg("load: %s", e.msg);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(intent_match(s, cases[i].text, strlen(cases[i].text), &m, &e), SN_OK);
        if (!cases[i].want ? m.name != NULL : !m.name || strcmp(m.name, cases[i].want) != 0)
            fail_msg("'%s': expected %s, got %s (%s)", cases[i].text,
                     cases[i].want ? cases[i].want : "none", m.name ? m.name : "none", m.why);
        if (m.name)
            assert_true(m.by_regex && strstr(m.why, "near"));
    }
    intent_set_free(s);
}

static int setup(void **state)
{
    (void)state;
    struct sn_err e = {0};
    const char *dir = getenv("SANAD_TEST_INTENTS_DIR");
    set = intent_set_load(dir ? dir : "intents", &e);
    if (!set)
        fprintf(stderr, "cannot load intents: %s\n", e.msg);
    return set ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    intent_set_free(set);
    return 0;
}

int main(void)
{
    const char *tsv = getenv("SANAD_TEST_INTENTS_TSV");
    if (!tsv)
        tsv = "tests/data/intents/match.tsv";
    FILE *f = fopen(tsv, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", tsv);
        return 1;
    }
    struct row *rows = NULL;
    struct CMUnitTest *tests = NULL;
    int nrows = 0, lineno = 0;
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#' || (line[0] == 0))
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            fprintf(stderr, "%s:%d: expected TEXT<tab>EXPECTED\n", tsv, lineno);
            return 1;
        }
        *tab = 0;
        char *exp = tab + 1, *note = strchr(exp, '\t');
        if (note)
            *note = 0;
        rows = sn_xrealloc(rows, (size_t)(nrows + 1) * sizeof *rows);
        struct row *r = &rows[nrows++];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "match.tsv:%d %s", lineno, exp);
        r->len = unescape(line, r->text, sizeof r->text);
        size_t el = strlen(exp);
        if (el > 1 && exp[el - 1] == '+') {
            r->courtesy = 1;
            exp[el - 1] = 0;
        }
        snprintf(r->expect, sizeof r->expect, "%s", exp);
    }
    fclose(f);
    int n = nrows + 4;
    tests = sn_xcalloc((size_t)n, sizeof *tests);
    for (int i = 0; i < nrows; i++) {
        tests[i].name = rows[i].name;
        tests[i].test_func = run_row;
        tests[i].initial_state = &rows[i];
    }
    tests[nrows] = (struct CMUnitTest)cmocka_unit_test(test_long_messages);
    tests[nrows + 1] = (struct CMUnitTest)cmocka_unit_test(test_responses);
    tests[nrows + 2] = (struct CMUnitTest)cmocka_unit_test(test_load_errors);
    tests[nrows + 3] = (struct CMUnitTest)cmocka_unit_test(test_near_rules);
    int rc = _cmocka_run_group_tests("intent_match", tests, (size_t)n, setup, teardown);
    free(tests);
    free(rows);
    return rc;
}
