/* Unit tests for kb/entry.c and kb/entry_io.c: validation, both parsers on valid and
 * hostile input, both writers, and parse(write(e)) == e.
 *
 * Most cases are rows in tables (bad_cases, good_cases, validate_cases); each row runs
 * as its own cmocka test so a failure names the row. Whole-file cases are fixtures in
 * tests/data/import, listed in cases.tsv there (override the directory with
 * SANAD_TEST_IMPORT_DIR). Every failing parse runs on a list that already holds one
 * entry, to check that nothing is appended and the old entry is untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/base.h"
#include "kb/entry.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static char **strv(int n, const char *const *items)
{
    char **v = n ? sn_xcalloc((size_t)n, sizeof *v) : NULL;
    for (int i = 0; i < n; i++)
        v[i] = sn_xstrdup(items[i]);
    return v;
}

static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = sn_xstrdup(s);
}

/* A valid entry for the validation and writer tests to start from. */
static struct kb_entry *entry_valid(void)
{
    static const char *const variants[] = {"how much is it", "price?"};
    static const char *const keywords[] = {"price"};
    struct kb_entry *e = kb_entry_new();
    set_str(&e->id, "en-001");
    memcpy(e->lang, "en", 3);
    set_str(&e->question, "What does the plan cost?");
    set_str(&e->answer, "99 SAR a month.");
    e->variants = strv(2, variants);
    e->n_variants = 2;
    e->keywords = strv(1, keywords);
    e->n_keywords = 1;
    return e;
}

static int strv_equal(char *const *a, int na, char *const *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static void assert_entry_equal(const struct kb_entry *a, const struct kb_entry *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->lang, b->lang);
    assert_string_equal(a->category, b->category);
    assert_string_equal(a->question, b->question);
    assert_true(strv_equal(a->variants, a->n_variants, b->variants, b->n_variants));
    assert_string_equal(a->answer, b->answer);
    assert_true(strv_equal(a->keywords, a->n_keywords, b->keywords, b->n_keywords));
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->version, b->version);
    assert_true(a->created == b->created);
    assert_true(a->updated == b->updated);
}

static void assert_msg_contains(const char *case_name, const struct sn_err *err, const char *want)
{
    if (!strstr(err->msg, want))
        fail_msg("%s: message \"%s\" does not contain \"%s\"", case_name, err->msg, want);
}

/* A list holding one entry, so that "nothing appended, nothing freed" can be checked. */
static void list_with_sentinel(struct kb_entry_list *l)
{
    kb_entry_list_init(l);
    struct kb_entry *s = entry_valid();
    set_str(&s->id, "sentinel");
    kb_entry_list_push(l, s);
}

static void assert_only_sentinel(const struct kb_entry_list *l)
{
    assert_int_equal(l->n, 1);
    assert_string_equal(l->v[0]->id, "sentinel");
    assert_string_equal(l->v[0]->question, "What does the plan cost?");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository root or set SANAD_TEST_IMPORT_DIR)",
                 path);
    struct sn_buf b;
    char chunk[4096];
    size_t n;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sn_buf_add(&b, chunk, n), SN_OK);
    fclose(f);
    *len = b.len;
    return sn_buf_take(&b);
}

static const char *import_dir(void)
{
    const char *d = getenv("SANAD_TEST_IMPORT_DIR");
    return d && *d ? d : "tests/data/import";
}

/* Builds a string of n copies of c (caller frees). */
static char *repeat(char c, size_t n)
{
    char *s = sn_xmalloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

/* n strings, prefix followed by the index, for list fields. */
static char **numbered(int n, const char *prefix)
{
    char **v = sn_xcalloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++) {
        char item[64];
        snprintf(item, sizeof item, "%s%d", prefix, i);
        v[i] = sn_xstrdup(item);
    }
    return v;
}

/* ---- table 1: inputs that must be refused ---- */

struct bad_case {
    const char *name;
    enum kb_format fmt;
    const char *input;
    size_t len;                  /* 0: strlen(input); set it when input holds a NUL */
    char *(*build)(size_t *len); /* instead of input, for large inputs */
    int rc;
    const char *msg; /* a substring of err.msg, including "line N:" */
    /* kb_parse_import() on the same input: NULL = refused alike, "" = accepted (it tidies
     * what strict parsing refuses; import_cases check the result), else its message. */
    const char *import_msg;
};

#define J     KB_FMT_JSONL
#define C     KB_FMT_CSV
#define OKROW "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n"
#define HDR   "lang,question,answer\n"

static char *build_huge_question_jsonl(size_t *len)
{
    char *q = repeat('x', 100 * 1024);
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_printf(&b, OKROW "{\"lang\":\"en\",\"question\":\"%s\",\"answer\":\"a\"}\n", q);
    free(q);
    *len = b.len;
    return sn_buf_take(&b);
}

static char *build_huge_answer_csv(size_t *len)
{
    char *a = repeat('y', KB_MAX_ANSWER_BYTES + 1);
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_printf(&b, HDR "en,q,\"%s\"\n", a);
    free(a);
    *len = b.len;
    return sn_buf_take(&b);
}

static char *build_many_variants_jsonl(size_t *len)
{
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_adds(&b, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[");
    for (int i = 0; i <= KB_MAX_VARIANTS; i++)
        sn_buf_printf(&b, "%s\"v%d\"", i ? "," : "", i);
    sn_buf_adds(&b, "]}\n");
    *len = b.len;
    return sn_buf_take(&b);
}

static char *build_many_keywords_csv(size_t *len)
{
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_adds(&b, "lang,question,answer,keywords\nen,q,a,\"");
    for (int i = 0; i <= KB_MAX_KEYWORDS; i++)
        sn_buf_printf(&b, "k%d\n", i);
    sn_buf_adds(&b, "\"\n");
    *len = b.len;
    return sn_buf_take(&b);
}

static char *build_long_keyword_jsonl(size_t *len)
{
    char *k = repeat('k', KB_MAX_KEYWORD_BYTES + 1);
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_printf(
        &b, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"ok\",\"%s\"]}",
        k);
    free(k);
    *len = b.len;
    return sn_buf_take(&b);
}

static char *build_dup_late_jsonl(size_t *len)
{
    /* Enough rows to make the id set grow several times before the duplicate. */
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    for (int i = 0; i < 5000; i++)
        sn_buf_printf(&b, "{\"id\":\"e%d\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n",
                      i);
    sn_buf_adds(&b, "{\"id\":\"e1234\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n");
    *len = b.len;
    return sn_buf_take(&b);
}

static const struct bad_case bad_cases[] = {
    /* JSONL: encoding */
    {"jsonl: invalid UTF-8 inside a string", J,
     OKROW "{\"lang\":\"en\",\"question\":\"caf\xC3\",\"answer\":\"a\"}\n", 0, NULL, SN_EINVAL,
     "line 2: invalid UTF-8 at byte 28", NULL},
    {"jsonl: invalid UTF-8 outside strings", J, "\xFF" OKROW, 0, NULL, SN_EINVAL,
     "line 1: invalid UTF-8 at byte 0", NULL},
    {"jsonl: overlong UTF-8", J, "{\"lang\":\"en\",\"question\":\"\xC0\xAF\",\"answer\":\"a\"}", 0,
     NULL, SN_EINVAL, "line 1: invalid UTF-8 at byte 25", NULL},
    {"jsonl: UTF-8 encoded surrogate", J,
     "{\"lang\":\"en\",\"question\":\"\xED\xA0\x80\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: invalid UTF-8 at byte 25", NULL},
    {"jsonl: truncated UTF-8 at end of line", J, OKROW OKROW "{\"lang\":\"en\"}\xE2\x82", 0, NULL,
     SN_EINVAL, "line 3: invalid UTF-8 at byte 13", NULL},
    {"jsonl: lone surrogate escape", J,
     "{\"lang\":\"en\",\"question\":\"\\ud800\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: invalid JSON", NULL},
    {"jsonl: \\u0000 escape", J, "{\"lang\":\"en\",\"question\":\"a\\u0000b\",\"answer\":\"a\"}", 0,
     NULL, SN_EINVAL, "line 1: invalid JSON", NULL},
    {"jsonl: raw NUL byte", J, OKROW "{\"lang\":\"en\",\"question\":\"a\0b\",\"answer\":\"a\"}\n",
     sizeof(OKROW "{\"lang\":\"en\",\"question\":\"a\0b\",\"answer\":\"a\"}\n") - 1, NULL,
     SN_EINVAL, "line 2: NUL byte at byte 26", NULL},
    /* JSONL: shape */
    {"jsonl: syntax error", J, OKROW "\n{\"lang\":\"en\",", 0, NULL, SN_EINVAL,
     "line 3: invalid JSON", NULL},
    {"jsonl: trailing garbage", J, OKROW "{} x", 0, NULL, SN_EINVAL, "line 2: invalid JSON", NULL},
    {"jsonl: array, not an object", J, "[1,2]", 0, NULL, SN_EINVAL,
     "line 1: expected a JSON object, got an array", NULL},
    {"jsonl: string, not an object", J, "\"hello\"", 0, NULL, SN_EINVAL,
     "line 1: expected a JSON object, got a string", NULL},
    {"jsonl: number, not an object", J, OKROW "42\n", 0, NULL, SN_EINVAL,
     "line 2: expected a JSON object, got an integer", NULL},
    {"jsonl: null, not an object", J, "null", 0, NULL, SN_EINVAL,
     "line 1: expected a JSON object, got null", NULL},
    {"jsonl: duplicate key", J,
     "{\"lang\":\"en\",\"lang\":\"ar\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: invalid JSON", NULL},
    {"jsonl: unknown field", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"foo\":1}",
     0, NULL, SN_EINVAL, "line 1: unknown field \"foo\"", NULL},
    {"jsonl: unknown field name is escaped", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"\\u0001\\\"x\":1}", 0, NULL, SN_EINVAL,
     "line 1: unknown field \"\\x01\\\"x\"", NULL},
    {"jsonl: field names are case-sensitive", J,
     "{\"Lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: unknown field \"Lang\"", NULL},
    /* JSONL: required fields */
    {"jsonl: missing question", J, OKROW "{\"lang\":\"en\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 2: question: missing", NULL},
    {"jsonl: missing answer", J, "{\"lang\":\"en\",\"question\":\"q\"}", 0, NULL, SN_EINVAL,
     "line 1: answer: missing", NULL},
    {"jsonl: missing lang", J, "{\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: lang: missing", NULL},
    {"jsonl: empty object", J, "{}", 0, NULL, SN_EINVAL, "line 1: lang: missing", ""},
    {"jsonl: unknown lang", J, "{\"lang\":\"fr\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL,
     SN_EINVAL, "line 1: lang: unknown language \"fr\" (expected ar or en)", NULL},
    {"jsonl: lang too long", J, "{\"lang\":\"english\",\"question\":\"q\",\"answer\":\"a\"}", 0,
     NULL, SN_EINVAL, "line 1: lang: unknown language \"english\"", NULL},
    {"jsonl: lang upper case", J, "{\"lang\":\"EN\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL,
     SN_EINVAL, "line 1: lang: unknown language \"EN\"", ""},
    {"jsonl: empty lang", J, "{\"lang\":\"\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL,
     SN_EINVAL, "line 1: lang: missing", NULL},
    /* JSONL: wrong types */
    {"jsonl: question is a number", J, "{\"lang\":\"en\",\"question\":7,\"answer\":\"a\"}", 0, NULL,
     SN_EINVAL, "line 1: question: expected a string, got an integer", NULL},
    {"jsonl: answer is null", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":null}", 0, NULL,
     SN_EINVAL, "line 1: answer: expected a string, got null", "line 1: answer: missing"},
    {"jsonl: lang is an array", J, "{\"lang\":[\"en\"],\"question\":\"q\",\"answer\":\"a\"}", 0,
     NULL, SN_EINVAL, "line 1: lang: expected a string, got an array", NULL},
    {"jsonl: id is a number", J, "{\"id\":5,\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}",
     0, NULL, SN_EINVAL, "line 1: id: expected a string, got an integer", NULL},
    {"jsonl: category is an object", J,
     "{\"lang\":\"en\",\"category\":{},\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: category: expected a string, got an object", NULL},
    {"jsonl: variants is a string", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":\"v\"}", 0, NULL, SN_EINVAL,
     "line 1: variants: expected an array of strings, got a string", NULL},
    {"jsonl: variants item is a number", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[\"v\",3]}", 0, NULL,
     SN_EINVAL, "line 1: variants[1]: expected a string, got an integer", NULL},
    {"jsonl: keywords item is an array", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[[]]}", 0, NULL, SN_EINVAL,
     "line 1: keywords[0]: expected a string, got an array", NULL},
    {"jsonl: status is a boolean", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"status\":true}", 0, NULL, SN_EINVAL,
     "line 1: status: expected a string, got a boolean", NULL},
    {"jsonl: unknown status", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"status\":\"archived\"}", 0, NULL,
     SN_EINVAL, "line 1: status: unknown status \"archived\" (expected published or draft)", NULL},
    {"jsonl: version is a string", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"version\":\"3\"}", 0, NULL, SN_EINVAL,
     "line 1: version: expected an integer, got a string", NULL},
    {"jsonl: version is a real", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"version\":1.5}", 0, NULL, SN_EINVAL,
     "line 1: version: expected an integer, got a real number", NULL},
    {"jsonl: version 0", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"version\":0}",
     0, NULL, SN_EINVAL, "line 1: version: must be between 1 and", NULL},
    {"jsonl: version past INT_MAX", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"version\":4294967296}", 0, NULL,
     SN_EINVAL, "line 1: version: must be between 1 and", NULL},
    {"jsonl: negative created", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"created\":-1}", 0, NULL, SN_EINVAL,
     "line 1: created: must be >= 0", NULL},
    {"jsonl: updated past int64", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"updated\":99999999999999999999}", 0,
     NULL, SN_EINVAL, "line 1: invalid JSON", NULL},
    /* JSONL: content */
    {"jsonl: empty question after trim", J,
     "{\"lang\":\"en\",\"question\":\" \\t  \",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: question: empty", NULL},
    {"jsonl: question of NBSP and RLM only", J,
     "{\"lang\":\"ar\",\"question\":\"\xC2\xA0\\u200f\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: question: empty", NULL},
    {"jsonl: empty answer", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"\"}", 0, NULL,
     SN_EINVAL, "line 1: answer: empty", NULL},
    {"jsonl: answer of newlines only", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"\\n\\n\"}", 0, NULL, SN_EINVAL,
     "line 1: answer: empty", NULL},
    {"jsonl: blank variant", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[\"v\",\"\"]}", 0, NULL,
     SN_EINVAL, "line 1: variants[1]: empty", ""},
    {"jsonl: 100 KB question", J, NULL, 0, build_huge_question_jsonl, SN_EINVAL,
     "line 2: question: longer than 1024 bytes", NULL},
    {"jsonl: 501 variants", J, NULL, 0, build_many_variants_jsonl, SN_EINVAL,
     "line 1: variants: 501 items, at most 500 allowed", NULL},
    {"jsonl: keyword past its cap", J, NULL, 0, build_long_keyword_jsonl, SN_EINVAL,
     "line 1: keywords[1]: longer than 128 bytes", NULL},
    {"jsonl: control character in question", J,
     "{\"lang\":\"en\",\"question\":\"ab\\u0007\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: question: control character U+0007 at byte 2", NULL},
    {"jsonl: raw control character in a string", J,
     "{\"lang\":\"en\",\"question\":\"ab\x01\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: invalid JSON", NULL},
    {"jsonl: newline in question", J, "{\"lang\":\"en\",\"question\":\"a\\nb\",\"answer\":\"a\"}",
     0, NULL, SN_EINVAL, "line 1: question: newline at byte 1", ""},
    {"jsonl: newline in keyword", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"keywords\":[\"a\\nb\"]}", 0, NULL,
     SN_EINVAL, "line 1: keywords[0]: newline at byte 1", ""},
    {"jsonl: CR in answer", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\\r\\nb\"}", 0,
     NULL, SN_EINVAL, "line 1: answer: control character U+000D at byte 1", ""},
    {"jsonl: C1 control in answer", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"ab\\u0085\"}", 0, NULL, SN_EINVAL,
     "line 1: answer: control character U+0085 at byte 2", ""},
    {"jsonl: DEL in category", J,
     "{\"lang\":\"en\",\"category\":\"x\\u007f\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL,
     SN_EINVAL, "line 1: category: control character U+007F at byte 1", NULL},
    {"jsonl: id with a space", J,
     "{\"id\":\"a b\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: id: invalid character at byte 1", NULL},
    {"jsonl: id with a slash", J,
     "{\"id\":\"../etc\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}", 0, NULL, SN_EINVAL,
     "line 1: id: invalid character at byte 2", NULL},
    {"jsonl: duplicate id", J,
     "{\"id\":\"a\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n" OKROW
     "{\"id\":\"a\",\"lang\":\"ar\",\"question\":\"q\",\"answer\":\"a\"}\n",
     0, NULL, SN_EINVAL, "line 3: duplicate id \"a\" (first on line 1)", NULL},
    {"jsonl: duplicate id after 5000 rows", J, NULL, 0, build_dup_late_jsonl, SN_EINVAL,
     "line 5001: duplicate id \"e1234\" (first on line 1235)", NULL},
    {"jsonl: error line counts blank lines and BOM", J, "\xEF\xBB\xBF\n  \n" OKROW "{\"lang\":1}\n",
     0, NULL, SN_EINVAL, "line 4: lang: expected a string", NULL},

    /* CSV: syntax */
    {"csv: empty file", C, "", 0, NULL, SN_EINVAL, "line 1: missing header record", NULL},
    {"csv: blank lines only", C, "\n\r\n\n", 0, NULL, SN_EINVAL, "line 4: missing header record",
     NULL},
    {"csv: stray quote", C, HDR "en,q,a\nen,say \"hi\",a\n", 0, NULL, SN_EINVAL,
     "line 3: stray quote in unquoted field 2", NULL},
    {"csv: stray quote in header", C, "lang,que\"stion,answer\n", 0, NULL, SN_EINVAL,
     "line 1: stray quote in unquoted field 2", NULL},
    {"csv: unterminated quote", C, HDR "en,q,a\nen,\"open,a\nmore\nlines\n", 0, NULL, SN_EINVAL,
     "line 3: unterminated quoted field 2", NULL},
    {"csv: quote never closed at EOF", C, HDR "en,q,\"", 0, NULL, SN_EINVAL,
     "line 2: unterminated quoted field 3", NULL},
    {"csv: text after closing quote", C, HDR "en,\"q\"x,a\n", 0, NULL, SN_EINVAL,
     "line 2: text after the closing quote of field 2", NULL},
    {"csv: space after closing quote", C, HDR "en,\"q\" ,a\n", 0, NULL, SN_EINVAL,
     "line 2: text after the closing quote of field 2", ""},
    {"csv: too few fields", C, HDR "en,q\n", 0, NULL, SN_EINVAL,
     "line 2: 2 fields, but the header has 3", NULL},
    {"csv: too many fields", C, HDR "en,q,a\nen,q,a,extra\n", 0, NULL, SN_EINVAL,
     "line 3: 4 fields, but the header has 3", NULL},
    {"csv: mismatch after a multi-line record", C, HDR "en,\"q\",\"a\r\nb\r\nc\"\r\nen,q\r\n", 0,
     NULL, SN_EINVAL, "line 5: 2 fields, but the header has 3", NULL},
    {"csv: unknown column", C, "lang,question,answer,foo\n", 0, NULL, SN_EINVAL,
     "line 1: unknown column \"foo\"", NULL},
    {"csv: duplicate column", C, "lang,question,answer,lang\n", 0, NULL, SN_EINVAL,
     "line 1: duplicate column \"lang\"", NULL},
    {"csv: missing answer column", C, "id,lang,question\nx,en,q\n", 0, NULL, SN_EINVAL,
     "line 1: missing column \"answer\"", NULL},
    {"csv: header with spaces", C, "lang, question, answer\n", 0, NULL, SN_EINVAL,
     "line 1: unknown column \" question\"", ""},
    {"csv: 20 columns", C,
     "id,lang,category,question,variants,answer,keywords,status,version,created,updated,a,b,c,d,e,"
     "f,g,h,i\n",
     0, NULL, SN_EINVAL, "line 1: unknown column \"a\"", NULL},
    /* CSV: content */
    {"csv: invalid UTF-8 in a field", C, HDR "en,q,ab\xC3(\n", 0, NULL, SN_EINVAL,
     "line 2: answer: invalid UTF-8 at byte 2", NULL},
    {"csv: invalid UTF-8 in a variant", C,
     "lang,question,answer,variants\nen,q,a,\"one\ntwo\nth\xFFree\"\n", 0, NULL, SN_EINVAL,
     "line 2: variants[2]: invalid UTF-8 at byte 2", NULL},
    {"csv: invalid UTF-8 in the header", C, "lang,question,answer,\xFF\xFE\n", 0, NULL, SN_EINVAL,
     "line 1: unknown column \"\\xFF\\xFE\"", NULL},
    {"csv: NUL byte in a field", C, HDR "en,q,a\0b\n", sizeof(HDR "en,q,a\0b\n") - 1, NULL,
     SN_EINVAL, "line 2: answer: NUL byte at byte 1", NULL},
    {"csv: unknown lang", C, HDR "fr,q,a\n", 0, NULL, SN_EINVAL,
     "line 2: lang: unknown language \"fr\" (expected ar or en)", NULL},
    {"csv: empty lang", C, HDR ",q,a\n", 0, NULL, SN_EINVAL, "line 2: lang: missing", NULL},
    {"csv: empty question", C, HDR "en,,a\n", 0, NULL, SN_EINVAL, "line 2: question: empty", NULL},
    {"csv: blank question after trim", C, HDR "en,\"  \t \",a\n", 0, NULL, SN_EINVAL,
     "line 2: question: empty", NULL},
    {"csv: empty answer", C, HDR "en,q,\"\"\n", 0, NULL, SN_EINVAL, "line 2: answer: empty", NULL},
    {"csv: lone CR in answer", C, HDR "en,q,a\rb\n", 0, NULL, SN_EINVAL,
     "line 2: answer: control character U+000D at byte 1", ""},
    {"csv: newline in question", C, HDR "en,\"a\nb\",a\n", 0, NULL, SN_EINVAL,
     "line 2: question: newline at byte 1", ""},
    {"csv: whitespace-only variant", C, "lang,question,answer,variants\nen,q,a,\"v\n \"\n", 0, NULL,
     SN_EINVAL, "line 2: variants[1]: empty", ""},
    {"csv: unknown status", C, "lang,question,answer,status\nen,q,a,Published\n", 0, NULL,
     SN_EINVAL, "line 2: status: unknown status \"Published\"", ""},
    {"csv: version not a number", C, "lang,question,answer,version\nen,q,a,abc\n", 0, NULL,
     SN_EINVAL, "line 2: version: expected a non-negative integer, got \"abc\"", NULL},
    {"csv: version 0", C, "lang,question,answer,version\nen,q,a,0\n", 0, NULL, SN_EINVAL,
     "line 2: version: must be between 1 and", NULL},
    {"csv: negative created", C, "lang,question,answer,created\nen,q,a,-5\n", 0, NULL, SN_EINVAL,
     "line 2: created: expected a non-negative integer, got \"-5\"", NULL},
    {"csv: updated overflows", C, "lang,question,answer,updated\nen,q,a,99999999999999999999\n", 0,
     NULL, SN_EINVAL, "line 2: updated: expected a non-negative integer", NULL},
    {"csv: version with spaces", C, "lang,question,answer,version\nen,q,a, 2\n", 0, NULL, SN_EINVAL,
     "line 2: version: expected a non-negative integer, got \" 2\"", ""},
    {"csv: 65 keywords", C, NULL, 0, build_many_keywords_csv, SN_EINVAL,
     "line 2: keywords: 65 items, at most 64 allowed", NULL},
    {"csv: answer past its cap", C, NULL, 0, build_huge_answer_csv, SN_EINVAL,
     "line 2: answer: longer than 16384 bytes", NULL},
    {"csv: duplicate id", C, "id,lang,question,answer\nx,en,q,\"a\na\"\ny,en,q,a\nx,ar,q,a\n", 0,
     NULL, SN_EINVAL, "line 5: duplicate id \"x\" (first on line 2)", NULL},
    {"csv: id too long", C,
     "id,lang,question,answer\n"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,en,q,a\n",
     0, NULL, SN_EINVAL, "line 2: id: longer than 64 bytes", NULL},
    {"csv: error line after BOM and CRLF", C, "\xEF\xBB\xBF" HDR "en,q,a\r\nen,q,\r\n", 0, NULL,
     SN_EINVAL, "line 3: answer: empty", NULL},
};

static void test_bad_case(void **state)
{
    const struct bad_case *c = *state;
    struct kb_entry_list l;
    struct sn_err err = {0};
    char *built = NULL;
    const char *input = c->input;
    size_t len = c->len;

    if (c->build) {
        built = c->build(&len);
        input = built;
    } else if (!len) {
        len = strlen(input);
    }
    list_with_sentinel(&l);
    int rc = kb_parse(c->fmt, input, len, &l, &err);
    if (rc != c->rc)
        fail_msg("%s: rc %d, want %d (message \"%s\")", c->name, rc, c->rc, err.msg);
    assert_int_equal(err.code, c->rc);
    assert_msg_contains(c->name, &err, c->msg);
    if (getenv("SANAD_TEST_VERBOSE"))
        print_message("    %s\n", err.msg); /* to read the messages as a user would */
    assert_only_sentinel(&l);
    /* The same input with a NULL err must fail the same way without crashing. */
    assert_int_equal(kb_parse(c->fmt, input, len, &l, NULL), c->rc);
    assert_only_sentinel(&l);

    /* kb_parse_import(): refused alike (the same first message, listed in the report) unless
     * the case says otherwise. */
    struct kb_import_report rep;
    memset(&err, 0, sizeof err);
    rc = kb_parse_import(c->fmt, input, len, &l, &rep, &err);
    if (c->import_msg && !*c->import_msg) {
        if (rc != SN_OK)
            fail_msg("%s: import refused it: %s", c->name, err.msg);
        kb_entry_list_fini(&l);
        list_with_sentinel(&l);
    } else {
        const char *want = c->import_msg ? c->import_msg : c->msg;
        if (rc != c->rc)
            fail_msg("%s: import rc %d, want %d (message \"%s\")", c->name, rc, c->rc, err.msg);
        assert_msg_contains(c->name, &err, want);
        if (c->rc != SN_ETOOBIG || rep.n_bad) {
            assert_int_equal(rep.n_bad, 1);
            assert_non_null(rep.bad);
            if (!strstr(rep.bad, want))
                fail_msg("%s: report \"%s\" does not hold \"%s\"", c->name, rep.bad, want);
        }
        assert_int_equal(rep.trimmed + rep.joined + rep.folded + rep.skipped + rep.dropped, 0);
    }
    assert_only_sentinel(&l);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    free(built);
}

/* ---- table 2: inputs that must be accepted ---- */

struct good_case {
    const char *name;
    enum kb_format fmt;
    const char *input;
    size_t n;                                     /* entries expected */
    void (*check)(const struct kb_entry_list *l); /* extra checks, may be NULL */
};

static void check_defaults(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->id, "");
    assert_string_equal(e->lang, "en");
    assert_string_equal(e->category, "");
    assert_string_equal(e->question, "q");
    assert_int_equal(e->n_variants, 0);
    assert_string_equal(e->answer, "a");
    assert_int_equal(e->n_keywords, 0);
    assert_int_equal(e->status, KB_PUBLISHED);
    assert_int_equal(e->version, 0);
    assert_true(e->created == 0 && e->updated == 0);
}

static void check_full_jsonl(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->id, "ar-1");
    assert_string_equal(e->lang, "ar");
    assert_string_equal(e->category, "فواتير");
    assert_string_equal(e->question, "متى تصدر الفاتورة؟");
    assert_int_equal(e->n_variants, 2);
    assert_string_equal(e->variants[1], "موعد الفاتورة 🧾");
    assert_string_equal(e->answer, "في اليوم الأول،\nوتستحق في اليوم 15.\t\"شكراً\"");
    assert_int_equal(e->n_keywords, 1);
    assert_string_equal(e->keywords[0], "فاتورة");
    assert_int_equal(e->status, KB_DRAFT);
    assert_int_equal(e->version, 7);
    assert_true(e->created == 1700000000LL && e->updated == 4102444800LL);
}

static void check_escapes(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->question, "café \xF0\x9F\x98\x80 \"q\" \\ /");
}

static void check_csv_quoting(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->question, "a, b, \"c\"");
    assert_string_equal(e->answer, "line 1\nline 2\n\"quoted\", too");
}

static void check_csv_crlf_in_cell(const struct kb_entry_list *l)
{
    /* CRLF inside a quoted cell is stored as LF. */
    assert_string_equal(l->v[1]->answer, "one\ntwo");
    assert_string_equal(l->v[2]->question, "q2");
}

static void check_csv_lists(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_int_equal(e->n_variants, 2);
    assert_string_equal(e->variants[0], "كم السعر");
    assert_string_equal(e->variants[1], "السعر؟");
    assert_int_equal(e->n_keywords, 1);
    assert_string_equal(e->keywords[0], "سعر");
    assert_int_equal(e->status, KB_PUBLISHED);
    assert_int_equal(e->version, 0);
    assert_true(e->created == 12 && e->updated == 0);
}

static void check_csv_columns_reordered(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->question, "Q");
    assert_string_equal(l->v[1]->answer, "A");
    assert_string_equal(l->v[1]->lang, "ar");
    assert_string_equal(l->v[1]->id, "");
}

static void check_ids_empty_twice(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->id, "");
    assert_string_equal(l->v[2]->id, "");
}

static const struct good_case good_cases[] = {
    {"jsonl: empty file", J, "", 0, NULL},
    {"jsonl: blank lines only", J, "\n   \n\t\r\n\n", 0, NULL},
    {"jsonl: BOM only", J, "\xEF\xBB\xBF", 0, NULL},
    {"jsonl: minimal row gets defaults", J, OKROW, 1, check_defaults},
    {"jsonl: no final newline", J, "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}", 1,
     check_defaults},
    {"jsonl: every field", J,
     "{\"id\":\"ar-1\",\"lang\":\"ar\",\"category\":\"فواتير\",\"question\":\"متى تصدر الفاتورة؟\","
     "\"variants\":[\"متى الفاتورة\",\"موعد الفاتورة 🧾\"],"
     "\"answer\":\"في اليوم الأول،\\nوتستحق في اليوم 15.\\t\\\"شكراً\\\"\","
     "\"keywords\":[\"فاتورة\"],\"status\":\"draft\",\"version\":7,\"created\":1700000000,"
     "\"updated\":4102444800}\n",
     1, check_full_jsonl},
    {"jsonl: fields in any order, spaces", J,
     "  { \"answer\" : \"a\" , \"question\" : \"q\" , \"lang\" : \"en\" }  \n", 1, check_defaults},
    {"jsonl: BOM, CRLF and blank lines", J, "\xEF\xBB\xBF" OKROW "\r\n\r\n" OKROW "\r\n", 2, NULL},
    {"jsonl: escapes and emoji", J,
     "{\"lang\":\"en\",\"question\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ "
     "\\/\",\"answer\":\"a\"}",
     1, check_escapes},
    {"jsonl: empty ids are not duplicates", J,
     "{\"id\":\"\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n" OKROW, 2,
     check_ids_empty_twice},
    {"jsonl: empty lists", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[],\"keywords\":[]}", 1,
     check_defaults},
    {"csv: header only", C, HDR, 0, NULL},
    {"csv: header without final newline", C, "lang,question,answer", 0, NULL},
    {"csv: minimal row gets defaults", C, HDR "en,q,a\n", 1, check_defaults},
    {"csv: no final newline", C, HDR "en,q,a", 1, check_defaults},
    {"csv: BOM tolerated", C, "\xEF\xBB\xBF" HDR "en,q,a\n", 1, check_defaults},
    {"csv: CRLF tolerated", C, "lang,question,answer\r\nen,q,a\r\nen,q,a\r\n", 2, NULL},
    {"csv: quoted commas, quotes and newlines", C,
     HDR "en,\"a, b, \"\"c\"\"\",\"line 1\nline 2\n\"\"quoted\"\", too\"\n", 1, check_csv_quoting},
    {"csv: CRLF inside a quoted cell", C,
     "lang,question,answer\r\nen,q,\"one\r\ntwo\"\r\nen,q2,a\r\n", 2, check_csv_crlf_in_cell},
    {"csv: every field quoted", C, "\"lang\",\"question\",\"answer\"\n\"en\",\"q\",\"a\"\n", 1,
     check_defaults},
    {"csv: lists split on newline, empty items dropped", C,
     "lang,question,answer,variants,keywords,status,version,created,updated\n"
     "ar,q,a,\"\nكم السعر\n\nالسعر؟\n\",سعر,,,12,\n",
     1, check_csv_lists},
    {"csv: columns reordered, subset", C, "answer,question,lang,id\nA,Q,ar,\n", 1,
     check_csv_columns_reordered},
    {"csv: trailing blank lines", C, HDR "en,q,a\n\n\r\n\n", 1, check_defaults},
    {"csv: empty ids are not duplicates", C, "id,lang,question,answer\n,en,q,a\n,en,q,a\n", 2,
     check_ids_empty_twice},
};

static void test_good_case(void **state)
{
    const struct good_case *c = *state;
    struct kb_entry_list l;
    struct sn_err err = {0};

    list_with_sentinel(&l);
    int rc = kb_parse(c->fmt, c->input, strlen(c->input), &l, &err);
    if (rc != SN_OK)
        fail_msg("%s: rc %d: %s", c->name, rc, err.msg);
    assert_int_equal(l.n, 1 + c->n);
    assert_string_equal(l.v[0]->id, "sentinel");
    for (size_t i = 1; i < l.n; i++)
        assert_int_equal(kb_entry_validate(l.v[i], &err), SN_OK);
    if (c->check)
        c->check(&l);
    kb_entry_list_fini(&l);
}

/* ---- table 2b: kb_parse_import(), what it tidies and how it counts ---- */

struct import_case {
    const char *name;
    enum kb_format fmt;
    const char *input;
    size_t n;                                     /* entries expected */
    void (*check)(const struct kb_entry_list *l); /* l->v[0] is the sentinel; may be NULL */
    int trimmed, joined, folded, skipped, dropped;
};

static void check_all_trimmed(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->id, "a-1");
    assert_string_equal(e->lang, "ar");
    assert_string_equal(e->category, "cat");
    assert_string_equal(e->question, "سؤال");
    assert_int_equal(e->n_variants, 2);
    assert_string_equal(e->variants[0], "v1");
    assert_string_equal(e->variants[1], "v2");
    assert_string_equal(e->answer, "جواب\nسطر ثان");
    assert_int_equal(e->n_keywords, 1);
    assert_string_equal(e->keywords[0], "k");
    assert_int_equal(e->status, KB_DRAFT);
}

static void check_variant_after_newline(const struct kb_entry_list *l)
{
    assert_int_equal(l->v[1]->n_variants, 1);
    assert_string_equal(l->v[1]->variants[0], "how much is it");
}

static void check_joined(const struct kb_entry_list *l)
{
    static const char *const want[] = {"a b", "c d", "e f", "g h", "i j", "k l"};
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->category, "a b");
    assert_string_equal(e->question, "How do I reset my router?");
    assert_int_equal(e->n_variants, (int)N_ELEMS(want));
    for (size_t i = 0; i < N_ELEMS(want); i++)
        assert_string_equal(e->variants[i], want[i]);
    assert_string_equal(e->keywords[0], "two words");
}

static void check_answer_breaks(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->answer, "line 1\nline 2\nline 3\nline 4\n\n\tindented");
}

static void check_inner_space_kept(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->question, "a  b\tc\xC2\xA0"
                                           "d");
}

static void check_folded(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->lang, "ar");
    assert_int_equal(l->v[1]->status, KB_PUBLISHED);
    assert_string_equal(l->v[2]->lang, "en");
    assert_int_equal(l->v[2]->status, KB_DRAFT);
}

static void check_one_variant(const struct kb_entry_list *l)
{
    assert_int_equal(l->v[1]->n_variants, 1);
    assert_string_equal(l->v[1]->variants[0], "v");
    assert_int_equal(l->v[1]->n_keywords, 0);
}

static void check_csv_padded(const struct kb_entry_list *l)
{
    const struct kb_entry *e = l->v[1];
    assert_string_equal(e->id, "x1");
    assert_string_equal(e->lang, "ar");
    assert_string_equal(e->question, "سؤال ثاني");
    assert_string_equal(e->answer, "جواب\nسطر");
    assert_int_equal(e->status, KB_PUBLISHED);
}

static void check_csv_quoted_padding(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->question, "q, with a comma");
    assert_string_equal(l->v[1]->answer, "a");
}

static void check_csv_list_breaks(const struct kb_entry_list *l)
{
    static const char *const want[] = {"v1", "v2", "v3", "v4"};
    const struct kb_entry *e = l->v[1];
    assert_int_equal(e->n_variants, (int)N_ELEMS(want));
    for (size_t i = 0; i < N_ELEMS(want); i++)
        assert_string_equal(e->variants[i], want[i]);
    assert_int_equal(e->n_keywords, 1);
    assert_string_equal(e->keywords[0], "k1");
}

static void check_csv_numbers(const struct kb_entry_list *l)
{
    assert_int_equal(l->v[1]->version, 2);
    assert_true(l->v[1]->created == 12);
}

static void check_csv_formula(const struct kb_entry_list *l)
{
    assert_string_equal(l->v[1]->question, "=x");
    assert_string_equal(l->v[1]->answer, "-y");
}

static void check_csv_status_default(const struct kb_entry_list *l)
{
    assert_int_equal(l->v[1]->status, KB_PUBLISHED);
    assert_int_equal(l->v[2]->status, KB_PUBLISHED);
}

static const struct import_case import_cases[] = {
    {"import jsonl: every field trimmed (spaces, tabs, NBSP, ideographic and em spaces)", J,
     "{\"id\":\" a-1 \",\"lang\":\" ar \",\"category\":\"\\u00a0cat\\u3000\","
     "\"question\":\"\\t سؤال \\u2003\",\"variants\":[\"  v1  \",\"\\nv2\"],"
     "\"answer\":\"\\r\\n جواب\\nسطر ثان \\n\\n\",\"keywords\":[\" k \"],\"status\":\" draft \"}\n",
     1, check_all_trimmed, 9, 0, 0, 0, 0},
    {"import jsonl: a variant that starts with a newline is accepted, trimmed", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[\"\\nhow much is it\"]}",
     1, check_variant_after_newline, 1, 0, 0, 0, 0},
    {"import jsonl: line breaks in one-line fields become one space", J,
     "{\"lang\":\"en\",\"category\":\"a\\nb\",\"question\":\"How do I\\r\\nreset \\n\\n  my "
     "router?\",\"variants\":[\"a\\u2028b\",\"c\\u2029d\",\"e\\rf\",\"g\\u000bh\",\"i\\u0085j\","
     "\"k\\fl\"],\"answer\":\"a\",\"keywords\":[\"two\\nwords\"]}",
     1, check_joined, 0, 9, 0, 0, 0},
    {"import jsonl: answers keep their line breaks, as \\n", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"line 1\\r\\nline 2\\rline 3\\u2028line "
     "4\\n\\n\\tindented\"}",
     1, check_answer_breaks, 0, 0, 0, 0, 0},
    {"import jsonl: white space inside a field is kept", J,
     "{\"lang\":\"en\",\"question\":\"a  b\\tc\\u00a0d\",\"answer\":\"a\"}", 1,
     check_inner_space_kept, 0, 0, 0, 0, 0},
    {"import jsonl: lang and status in any case", J,
     "{\"lang\":\"AR\",\"question\":\"q\",\"answer\":\"a\",\"status\":\"Published\"}\n"
     "{\"lang\":\"En\",\"question\":\"q\",\"answer\":\"a\",\"status\":\"DRAFT\"}\n",
     2, check_folded, 0, 0, 4, 0, 0},
    {"import jsonl: rows with no content are skipped", J,
     "{}\n   \n\xC2\xA0\xE3\x80\x80\n"
     "{\"id\":\"\",\"lang\":\" \",\"question\":\"\\n\",\"answer\":\"\",\"variants\":[\"\",\" \"],"
     "\"keywords\":[],\"category\":null}\n" OKROW
     "{\"lang\":null,\"question\":null,\"answer\":null}\n\t\r\n",
     1, check_defaults, 0, 0, 0, 6, 0},
    {"import jsonl: null is an absent field", J,
     "{\"id\":null,\"lang\":\"en\",\"category\":null,\"question\":\"q\",\"variants\":null,"
     "\"answer\":\"a\",\"keywords\":null,\"status\":null,\"version\":null,\"created\":null,"
     "\"updated\":null}",
     1, check_defaults, 0, 0, 0, 0, 0},
    {"import jsonl: blank list items are left out", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[\"\",\"  \",\"v\",\"\\n\","
     "\"\\u00a0\"],\"keywords\":[\"\"]}",
     1, check_one_variant, 0, 0, 0, 0, 5},
    {"import csv: padded cells, AR, Published", C,
     "id,lang,question,answer,status\n  x1 , AR ,\"  سؤال\n  ثاني  \",\"\r\n جواب\nسطر  \", "
     "Published \n",
     1, check_csv_padded, 5, 1, 2, 0, 0},
    {"import csv: a spreadsheet's empty rows are skipped", C,
     ",,\n\n\xC2\xA0, ,\n" HDR "en,q,a\n,,\n , \t,\n,\n   \n\r\n", 1, check_defaults, 0, 0, 0, 8,
     0},
    {"import csv: header names trimmed, in any case", C, " Lang ,QUESTION,Answer \nen,q,a\n", 1,
     check_defaults, 0, 0, 0, 0, 0},
    {"import csv: spaces around a quoted cell", C, HDR "en, \"q, with a comma\" ,\"a\"\t\n", 1,
     check_csv_quoted_padding, 0, 0, 0, 0, 0},
    {"import csv: lists split on any line break, blank lines left out", C,
     "lang,question,answer,variants,keywords\n"
     "en,q,a,\"v1\n  \n\nv2\rv3\xE2\x80\xA8 v4 \",\" k1 \n\"\n",
     1, check_csv_list_breaks, 2, 0, 0, 0, 1},
    {"import csv: numbers trimmed", C, "lang,question,answer,version,created\nen,q,a, 2 ,\t12\n", 1,
     check_csv_numbers, 2, 0, 0, 0, 0},
    {"import csv: the ' before a formula still comes off", C,
     "id,lang,question,answer\n,en,'=x,'-y\n", 1, check_csv_formula, 0, 0, 0, 0, 0},
    {"import csv: an empty or blank status is published", C,
     "lang,question,answer,status\nen,q,a,\nen,q2,a, \n", 2, check_csv_status_default, 1, 0, 0, 0,
     0},
};

/* Writes the entries after the sentinel in fmt (kb_write_entry). */
static void write_all(enum kb_format fmt, const struct kb_entry_list *l, struct sn_buf *b)
{
    sn_buf_init(b, 1 << 24);
    if (fmt == KB_FMT_CSV)
        assert_int_equal(kb_write_csv_header(b), SN_OK);
    for (size_t i = 1; i < l->n; i++)
        assert_int_equal(kb_write_entry(fmt, l->v[i], b), SN_OK);
}

static void test_import_case(void **state)
{
    const struct import_case *c = *state;
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};

    list_with_sentinel(&l);
    int rc = kb_parse_import(c->fmt, c->input, strlen(c->input), &l, &rep, &err);
    if (rc != SN_OK)
        fail_msg("%s: rc %d: %s", c->name, rc, err.msg);
    assert_int_equal(l.n, 1 + c->n);
    assert_string_equal(l.v[0]->id, "sentinel");
    for (size_t i = 1; i < l.n; i++)
        assert_int_equal(kb_entry_validate(l.v[i], &err), SN_OK);
    if (c->check)
        c->check(&l);
    if (rep.trimmed != c->trimmed || rep.joined != c->joined || rep.folded != c->folded ||
        rep.skipped != c->skipped || rep.dropped != c->dropped)
        fail_msg("%s: counted trimmed %d joined %d folded %d skipped %d dropped %d, want %d %d "
                 "%d %d %d",
                 c->name, rep.trimmed, rep.joined, rep.folded, rep.skipped, rep.dropped, c->trimmed,
                 c->joined, c->folded, c->skipped, c->dropped);
    assert_int_equal(rep.n_bad, 0);
    assert_null(rep.bad);

    /* Tidy is tidy: what import made, written and imported again (either format), comes back
     * the same with nothing counted. */
    static const enum kb_format fmts[] = {KB_FMT_JSONL, KB_FMT_CSV};
    for (size_t f = 0; f < N_ELEMS(fmts); f++) {
        struct sn_buf b;
        struct kb_entry_list again;
        struct kb_import_report rep2;
        write_all(fmts[f], &l, &b);
        list_with_sentinel(&again);
        assert_int_equal(kb_parse_import(fmts[f], b.p, b.len, &again, &rep2, &err), SN_OK);
        assert_int_equal(again.n, l.n);
        for (size_t i = 1; i < l.n; i++)
            assert_entry_equal(l.v[i], again.v[i]);
        assert_int_equal(rep2.trimmed + rep2.joined + rep2.folded + rep2.skipped + rep2.dropped, 0);
        kb_import_report_fini(&rep2);
        kb_entry_list_fini(&again);
        sn_buf_fini(&b);
    }
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
}

/* ---- table 2c: what kb_parse_import() still refuses ---- */

struct import_bad_case {
    const char *name;
    enum kb_format fmt;
    const char *input;
    size_t len; /* 0: strlen(input) */
    const char *msg;
};

static const struct import_bad_case import_bad_cases[] = {
    {"import: a question of only line breaks", J,
     "{\"lang\":\"en\",\"question\":\"\\n\\r\\n\\u2028\",\"answer\":\"a\"}", 0,
     "line 1: question: empty (only white space or line breaks)"},
    {"import csv: an answer of only newlines", C, HDR "en,q,\"\n\n\"\n", 0,
     "line 2: answer: empty (only white space or line breaks)"},
    {"import csv: a lang of only spaces", C, HDR "  ,q,a\n", 0, "line 2: lang: missing"},
    {"import csv: padded bad UTF-8 is left as it is and reported at its byte", C,
     HDR "en,  caf\xC3 ,a\n", 0, "line 2: question: invalid UTF-8 at byte 5"},
    {"import csv: NUL byte in a padded cell", C, HDR "en, a\0b ,a\n",
     sizeof(HDR "en, a\0b ,a\n") - 1, "line 2: question: NUL byte at byte 2"},
    {"import jsonl: NUL byte on a padded line", J, "  {\"lang\":\"en\",\0}\n",
     sizeof("  {\"lang\":\"en\",\0}\n") - 1, "line 1: NUL byte at byte 15"},
    {"import jsonl: bad UTF-8 on a line of spaces", J, "   \xFF  \n", 0,
     "line 1: invalid UTF-8 at byte 3"},
    {"import jsonl: AR-SA is still no language", J,
     "{\"lang\":\"AR-SA\",\"question\":\"q\",\"answer\":\"a\"}", 0,
     "line 1: lang: unknown language \"AR-SA\""},
    {"import jsonl: Archived is still no status", J,
     "{\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\",\"status\":\"Archived\"}", 0,
     "line 1: status: unknown status \"Archived\""},
    {"import jsonl: trimming does not hide a control character", J,
     "{\"lang\":\"en\",\"question\":\" a\\u0007b \",\"answer\":\"a\"}", 0,
     "line 1: question: control character U+0007 at byte 1"},
    {"import csv: a row with only an id is a row", C, "id,lang,question,answer\nx,,,\n", 0,
     "line 2: lang: missing"},
    {"import jsonl: an unknown field in an empty row is still unknown", J, "{\"foo\":\"\"}", 0,
     "line 1: unknown field \"foo\""},
    {"import csv: blank records and then no header", C, ",,\n \n", 0,
     "line 3: missing header record"},
    {"import csv: a space inside the quotes of a header name", C, "\" lang\",question,answer\n", 0,
     NULL},
};

static void test_import_bad_case(void **state)
{
    const struct import_bad_case *c = *state;
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    size_t len = c->len ? c->len : strlen(c->input);

    list_with_sentinel(&l);
    int rc = kb_parse_import(c->fmt, c->input, len, &l, &rep, &err);
    if (!c->msg) { /* a case that must pass, kept next to its refused neighbours */
        if (rc != SN_OK)
            fail_msg("%s: refused: %s", c->name, err.msg);
    } else {
        if (rc != SN_EINVAL)
            fail_msg("%s: rc %d, want %d (message \"%s\")", c->name, rc, SN_EINVAL, err.msg);
        assert_msg_contains(c->name, &err, c->msg);
        assert_int_equal(rep.n_bad, 1);
        assert_non_null(strstr(rep.bad, c->msg));
        assert_only_sentinel(&l);
    }
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
}

/* ---- kb_parse_import(): many phrasings, many bad rows ---- */

/* One JSONL row (or CSV record) with n variants after `blanks` blank ones. */
static char *build_variants(enum kb_format fmt, int n, int blanks, size_t *len)
{
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    if (fmt == KB_FMT_JSONL) {
        sn_buf_adds(&b, "{\"lang\":\"ar\",\"question\":\"q\",\"answer\":\"a\",\"variants\":[");
        for (int i = 0; i < blanks; i++)
            sn_buf_adds(&b, "\" \",");
        for (int i = 0; i < n; i++)
            sn_buf_printf(&b, "%s\"كيف أغير الباقة رقم %d\"", i ? "," : "", i);
        sn_buf_adds(&b, "]}\n");
    } else {
        sn_buf_adds(&b, "lang,question,answer,variants\nar,q,a,\"");
        for (int i = 0; i < blanks; i++)
            sn_buf_adds(&b, " \n");
        for (int i = 0; i < n; i++)
            sn_buf_printf(&b, "كيف أغير الباقة رقم %d\r\n", i);
        sn_buf_adds(&b, "\"\n");
    }
    *len = b.len;
    return sn_buf_take(&b);
}

static void test_import_500_variants(void **state)
{
    static const enum kb_format fmts[] = {KB_FMT_JSONL, KB_FMT_CSV};
    (void)state;
    for (size_t f = 0; f < N_ELEMS(fmts); f++) {
        struct kb_entry_list l;
        struct kb_import_report rep;
        struct sn_err err = {0};
        size_t len;
        char *text;

        /* 500 phrasings, and 10 blank ones that are left out before counting. */
        kb_entry_list_init(&l);
        text = build_variants(fmts[f], KB_MAX_VARIANTS, 10, &len);
        if (kb_parse_import(fmts[f], text, len, &l, &rep, &err))
            fail_msg("500 variants refused: %s", err.msg);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.v[0]->n_variants, KB_MAX_VARIANTS);
        assert_string_equal(l.v[0]->variants[KB_MAX_VARIANTS - 1], "كيف أغير الباقة رقم 499");
        assert_int_equal(rep.dropped, 10);
        kb_import_report_fini(&rep);
        kb_entry_list_fini(&l);
        free(text);

        /* The strict parser takes 500 as well. */
        text = build_variants(fmts[f], KB_MAX_VARIANTS, 0, &len);
        assert_int_equal(kb_parse(fmts[f], text, len, &l, &err), SN_OK);
        assert_int_equal(l.v[0]->n_variants, KB_MAX_VARIANTS);
        kb_entry_list_fini(&l);
        free(text);

        /* 501 is refused, with the count and the cap in the message. */
        list_with_sentinel(&l);
        text = build_variants(fmts[f], KB_MAX_VARIANTS + 1, 3, &len);
        assert_int_equal(kb_parse_import(fmts[f], text, len, &l, &rep, &err), SN_EINVAL);
        assert_msg_contains("501 variants", &err, "variants: 501 items, at most 500 allowed");
        assert_only_sentinel(&l);
        kb_import_report_fini(&rep);
        kb_entry_list_fini(&l);
        free(text);
    }
}

/* A question at its cap once trimmed fits; one byte more does not. */
static void test_import_cap_after_trim(void **state)
{
    (void)state;
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    struct sn_buf b;
    char *q = repeat('q', KB_MAX_QUESTION_BYTES);

    kb_entry_list_init(&l);
    sn_buf_init(&b, 1 << 16);
    sn_buf_printf(&b, HDR "en,\"  \n%s \xE3\x80\x80\",a\n", q);
    assert_int_equal(kb_parse_import(KB_FMT_CSV, b.p, b.len, &l, &rep, &err), SN_OK);
    assert_int_equal(strlen(l.v[0]->question), KB_MAX_QUESTION_BYTES);
    assert_int_equal(rep.trimmed, 1);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    sn_buf_fini(&b);

    sn_buf_init(&b, 1 << 16);
    sn_buf_printf(&b, HDR "en,\" %sq \",a\n", q);
    assert_int_equal(kb_parse_import(KB_FMT_CSV, b.p, b.len, &l, &rep, &err), SN_EINVAL);
    assert_msg_contains("question past its cap", &err, "line 2: question: longer than 1024 bytes");
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    sn_buf_fini(&b);
    free(q);
}

/* Counts the lines of s that start with "line ". */
static int listed_rows(const char *s)
{
    int n = 0;
    for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, "line ", 5) == 0;
    return n;
}

/* bad rows among good ones: every one is found, the first 100 listed in order, the rest
 * counted, and nothing is kept. */
static void check_many_bad(int nbad)
{
    struct sn_buf b;
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    char want[64];

    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    for (int i = 0; i < nbad; i++)
        sn_buf_printf(&b, OKROW "{\"lang\":\"fr\",\"question\":\"q%d\",\"answer\":\"a\"}\n", i);
    sn_buf_adds(&b, OKROW);
    list_with_sentinel(&l);
    assert_int_equal(kb_parse_import(KB_FMT_JSONL, b.p, b.len, &l, &rep, &err), SN_EINVAL);
    assert_only_sentinel(&l);
    assert_int_equal(rep.n_bad, nbad);
    assert_int_equal(listed_rows(rep.bad), nbad < KB_MAX_LISTED_ROWS ? nbad : KB_MAX_LISTED_ROWS);
    /* The first is in err too, with how many more there are. */
    assert_msg_contains("first", &err, "line 2: lang: unknown language \"fr\"");
    snprintf(want, sizeof want, "(and %d more invalid rows)", nbad - 1);
    if (nbad > 1)
        assert_msg_contains("more", &err, want);
    /* Rows are listed in file order: bad row i is on line 2(i+1). */
    snprintf(want, sizeof want, "line %d: lang: unknown", 2 * (nbad < 100 ? nbad : 100));
    assert_non_null(strstr(rep.bad, want));
    snprintf(want, sizeof want, "and %d more invalid rows\n", nbad - KB_MAX_LISTED_ROWS);
    if (nbad > KB_MAX_LISTED_ROWS) {
        assert_non_null(strstr(rep.bad, want));
        snprintf(want, sizeof want, "line %d:", 2 * (KB_MAX_LISTED_ROWS + 1));
        assert_null(strstr(rep.bad, want));
    } else {
        assert_null(strstr(rep.bad, "more invalid rows"));
    }
    assert_int_equal(rep.trimmed + rep.joined + rep.folded + rep.skipped + rep.dropped, 0);
    /* kb_parse() finds them all too; its err says how many. */
    memset(&err, 0, sizeof err);
    assert_int_equal(kb_parse(KB_FMT_JSONL, b.p, b.len, &l, &err), SN_EINVAL);
    if (nbad > 1) {
        snprintf(want, sizeof want, "(and %d more invalid rows)", nbad - 1);
        assert_msg_contains("strict", &err, want);
    }
    assert_only_sentinel(&l);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    sn_buf_fini(&b);
}

static void test_import_lists_every_bad_row(void **state)
{
    (void)state;
    check_many_bad(1);
    check_many_bad(3);
    check_many_bad(KB_MAX_LISTED_ROWS);
    check_many_bad(KB_MAX_LISTED_ROWS + 1);
    check_many_bad(250);
}

/* A CSV record that cannot be read (a stray quote) does not stop the check of the rows
 * after it; an unterminated quote runs to the end, so nothing follows it. */
static void test_import_csv_goes_on_after_a_bad_record(void **state)
{
    (void)state;
    static const char file[] = "id,lang,question,answer\n"          /* 1 */
                               "a,fr,q,a\n"                         /* 2: lang */
                               "b,en,say \"hi\",a\n"                /* 3: stray quote */
                               "c,en,q\n"                           /* 4: 3 fields */
                               "d,en,\"multi\nline\" x,a\n"         /* 5-6: text after quote */
                               "e,en,q,a\n"                         /* 7: good */
                               "e,en,q,a\n"                         /* 8: duplicate id */
                               ",,,\n"                              /* 9: empty, skipped */
                               "f,en,\"never closed,a\ng,en,q,a\n"; /* 10: unterminated */
    static const char *const want[] = {
        "line 2: lang: unknown language \"fr\" (expected ar or en)\n",
        "line 3: stray quote in unquoted field 3",
        "line 4: 3 fields, but the header has 4\n",
        "line 5: text after the closing quote of field 3\n",
        "line 8: duplicate id \"e\" (first on line 7)\n",
        "line 10: unterminated quoted field 3\n",
    };
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    list_with_sentinel(&l);
    assert_int_equal(kb_parse_import(KB_FMT_CSV, file, strlen(file), &l, &rep, &err), SN_EINVAL);
    assert_only_sentinel(&l);
    assert_int_equal(rep.n_bad, (int)N_ELEMS(want));
    const char *at = rep.bad;
    for (size_t i = 0; i < N_ELEMS(want); i++) {
        const char *hit = strstr(at, want[i]);
        if (!hit)
            fail_msg("\"%s\" missing or out of order in:\n%s", want[i], rep.bad);
        at = hit + strlen(want[i]);
    }
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
}

/* Without a header no row can be read: a bad header is the one failure listed. */
static void test_import_bad_header_is_the_one_failure(void **state)
{
    (void)state;
    static const char file[] = "lang,question,answer,foo\nfr,q,a\nen,,a\n";
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    kb_entry_list_init(&l);
    assert_int_equal(kb_parse_import(KB_FMT_CSV, file, strlen(file), &l, &rep, &err), SN_EINVAL);
    assert_int_equal(rep.n_bad, 1);
    assert_string_equal(rep.bad, "line 1: unknown column \"foo\"\n");
    assert_string_equal(err.msg, "line 1: unknown column \"foo\"");
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
}

/* A failure that is not a row's (the file is too big) lists no row; a report can be reused
 * after kb_import_report_fini(), which is NULL-safe. */
static void test_import_report_lifecycle(void **state)
{
    (void)state;
    struct kb_entry_list l;
    struct kb_import_report rep;
    struct sn_err err = {0};
    kb_entry_list_init(&l);
    assert_int_equal(
        kb_parse_import(KB_FMT_JSONL, "x", (size_t)KB_MAX_IMPORT_BYTES + 1, &l, &rep, &err),
        SN_ETOOBIG);
    assert_int_equal(rep.n_bad, 0);
    assert_null(rep.bad);
    kb_import_report_fini(&rep);
    assert_int_equal(kb_parse_import(KB_FMT_JSONL, "{}\n[]\n", 6, &l, &rep, NULL), SN_EINVAL);
    assert_int_equal(rep.n_bad, 1);
    assert_string_equal(rep.bad, "line 2: expected a JSON object, got an array\n");
    kb_import_report_fini(&rep);
    assert_null(rep.bad);
    assert_int_equal(rep.n_bad, 0);
    kb_import_report_fini(&rep);
    kb_import_report_fini(NULL);
    assert_int_equal(kb_parse_import(KB_FMT_JSONL, OKROW, strlen(OKROW), &l, &rep, &err), SN_OK);
    assert_int_equal(l.n, 1);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
}

/* The strict parser keeps what it reads exactly: padding, case and all. */
static void test_parse_strict_keeps_padding(void **state)
{
    (void)state;
    static const char row[] = "{\"lang\":\"en\",\"question\":\"  q \",\"answer\":\"\\na \"}";
    struct kb_entry_list l;
    struct sn_err err = {0};
    kb_entry_list_init(&l);
    assert_int_equal(kb_parse(KB_FMT_JSONL, row, strlen(row), &l, &err), SN_OK);
    assert_string_equal(l.v[0]->question, "  q ");
    assert_string_equal(l.v[0]->answer, "\na ");
    kb_entry_list_fini(&l);
}

/* The largest entry validation lets through, every byte one that escapes to two, still fits
 * in KB_MAX_ENTRY_JSON_BYTES in both formats (store.c's history snapshots rely on it). */
static void test_entry_json_fits_cap(void **state)
{
    (void)state;
    struct kb_entry *e = kb_entry_new();
    struct sn_err err = {0};
    int nv = (int)(KB_MAX_VARIANTS_BYTES / KB_MAX_QUESTION_BYTES);
    free(e->id);
    e->id = repeat('i', KB_MAX_ID_BYTES);
    memcpy(e->lang, "ar", 3);
    free(e->category);
    e->category = repeat('"', KB_MAX_CATEGORY_BYTES);
    free(e->question);
    e->question = repeat('"', KB_MAX_QUESTION_BYTES);
    e->variants = sn_xcalloc((size_t)nv, sizeof *e->variants);
    for (int i = 0; i < nv; i++)
        e->variants[i] = repeat('\\', KB_MAX_QUESTION_BYTES);
    e->n_variants = nv;
    free(e->answer);
    e->answer = repeat('\n', KB_MAX_ANSWER_BYTES);
    e->answer[0] = 'a';
    e->keywords = sn_xcalloc(KB_MAX_KEYWORDS, sizeof *e->keywords);
    for (int i = 0; i < KB_MAX_KEYWORDS; i++)
        e->keywords[i] = repeat('\t', KB_MAX_KEYWORD_BYTES);
    for (int i = 0; i < KB_MAX_KEYWORDS; i++)
        e->keywords[i][0] = 'k';
    e->n_keywords = KB_MAX_KEYWORDS;
    e->version = 2147483647;
    e->created = e->updated = 4102444800LL;
    if (kb_entry_validate(e, &err))
        fail_msg("the largest entry is not valid: %s", err.msg);
    for (int f = 0; f < 2; f++) {
        struct sn_buf b;
        sn_buf_init(&b, KB_MAX_ENTRY_JSON_BYTES);
        assert_int_equal(kb_write_entry(f ? KB_FMT_CSV : KB_FMT_JSONL, e, &b), SN_OK);
        if (!f) /* JSON doubles every backslash: the cap is not much too large either */
            assert_true(b.len > KB_MAX_ENTRY_JSON_BYTES / 2);
        sn_buf_fini(&b);
    }
    kb_entry_free(e);
}

/* ---- table 3: kb_entry_validate on entries built in memory ---- */

struct validate_case {
    const char *name;
    void (*mutate)(struct kb_entry *e);
    const char *msg; /* NULL: must pass */
};

static void m_none(struct kb_entry *e)
{
    (void)e;
}
static void m_question_empty(struct kb_entry *e)
{
    set_str(&e->question, "");
}
static void m_question_blank(struct kb_entry *e)
{
    set_str(&e->question, " \t\xE3\x80\x80\xE2\x80\x8F"); /* ideographic space, RLM */
}
static void m_question_huge(struct kb_entry *e)
{
    free(e->question);
    e->question = repeat('q', 100 * 1024);
}
static void m_question_at_cap(struct kb_entry *e)
{
    free(e->question);
    e->question = repeat('q', KB_MAX_QUESTION_BYTES);
}
static void m_question_tab(struct kb_entry *e)
{
    set_str(&e->question, "a\tb");
}
static void m_answer_huge(struct kb_entry *e)
{
    free(e->answer);
    e->answer = repeat('a', KB_MAX_ANSWER_BYTES + 1);
}
static void m_answer_at_cap(struct kb_entry *e)
{
    free(e->answer);
    e->answer = repeat('a', KB_MAX_ANSWER_BYTES);
}
static void m_answer_multiline(struct kb_entry *e)
{
    set_str(&e->answer, "line 1\n\tline 2\n");
}
static void m_answer_esc(struct kb_entry *e)
{
    set_str(&e->answer, "red \x1B[31m");
}
static void m_answer_null(struct kb_entry *e)
{
    free(e->answer);
    e->answer = NULL;
}
static void m_variant_bad_utf8(struct kb_entry *e)
{
    static const char *const v[] = {"one", "two", "three\xE2\x82"};
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->variants = strv(3, v);
    e->n_variants = 3;
}
static void m_variant_newline(struct kb_entry *e)
{
    set_str(&e->variants[1], "a\nb");
}
static void m_variants_too_many(struct kb_entry *e)
{
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->variants = numbered(KB_MAX_VARIANTS + 1, "v");
    e->n_variants = KB_MAX_VARIANTS + 1;
}
static void m_variants_at_cap(struct kb_entry *e)
{
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->variants = numbered(KB_MAX_VARIANTS, "phrasing number ");
    e->n_variants = KB_MAX_VARIANTS;
}
/* 300 phrasings of 1000 bytes: under the count cap, over the bytes cap. */
static void m_variants_too_many_bytes(struct kb_entry *e)
{
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->variants = sn_xcalloc(300, sizeof *e->variants);
    for (int i = 0; i < 300; i++)
        e->variants[i] = repeat('v', 1000);
    e->n_variants = 300;
}
static void m_keywords_at_cap(struct kb_entry *e)
{
    for (int i = 0; i < e->n_keywords; i++)
        free(e->keywords[i]);
    free(e->keywords);
    e->keywords = numbered(KB_MAX_KEYWORDS, "keyword");
    e->n_keywords = KB_MAX_KEYWORDS;
}
static void m_variants_no_array(struct kb_entry *e)
{
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->variants = NULL; /* n_variants stays 2 */
}
static void m_keyword_long(struct kb_entry *e)
{
    free(e->keywords[0]);
    e->keywords[0] = repeat('k', KB_MAX_KEYWORD_BYTES + 1);
}
static void m_keyword_blank(struct kb_entry *e)
{
    set_str(&e->keywords[0], "  ");
}
static void m_lang_fr(struct kb_entry *e)
{
    memcpy(e->lang, "fr", 3);
}
static void m_lang_empty(struct kb_entry *e)
{
    e->lang[0] = 0;
}
static void m_lang_binary(struct kb_entry *e)
{
    memcpy(e->lang, "\x01\"", 3);
}
static void m_id_long(struct kb_entry *e)
{
    free(e->id);
    e->id = repeat('i', KB_MAX_ID_BYTES + 1);
}
static void m_id_arabic(struct kb_entry *e)
{
    set_str(&e->id, "سؤال");
}
static void m_id_empty(struct kb_entry *e)
{
    set_str(&e->id, "");
}
static void m_category_long(struct kb_entry *e)
{
    free(e->category);
    e->category = repeat('c', KB_MAX_CATEGORY_BYTES + 1);
}
static void m_category_newline(struct kb_entry *e)
{
    set_str(&e->category, "a\nb");
}
static void m_status_bad(struct kb_entry *e)
{
    e->status = 7;
}
static void m_version_negative(struct kb_entry *e)
{
    e->version = -1;
}
static void m_updated_negative(struct kb_entry *e)
{
    e->updated = -5;
}

static const struct validate_case validate_cases[] = {
    {"validate: baseline entry", m_none, NULL},
    {"validate: question at its cap", m_question_at_cap, NULL},
    {"validate: answer at its cap", m_answer_at_cap, NULL},
    {"validate: tab in question", m_question_tab, NULL},
    {"validate: multi-line answer", m_answer_multiline, NULL},
    {"validate: empty id (to be assigned)", m_id_empty, NULL},
    {"validate: empty question", m_question_empty, "question: empty"},
    {"validate: blank question (Unicode spaces)", m_question_blank, "question: empty"},
    {"validate: 100 KB question", m_question_huge, "question: longer than 1024 bytes"},
    {"validate: answer past its cap", m_answer_huge, "answer: longer than 16384 bytes"},
    {"validate: escape sequence in answer", m_answer_esc,
     "answer: control character U+001B at byte 4"},
    {"validate: NULL answer", m_answer_null, "answer: empty"},
    {"validate: bad UTF-8 in a variant", m_variant_bad_utf8,
     "variants[2]: invalid UTF-8 at byte 5"},
    {"validate: newline in a variant", m_variant_newline, "variants[1]: newline at byte 1"},
    {"validate: 501 variants", m_variants_too_many, "variants: 501 items, at most 500 allowed"},
    {"validate: 500 variants", m_variants_at_cap, NULL},
    {"validate: 300 KB of variants", m_variants_too_many_bytes,
     "variants: 300000 bytes in all, at most 262144 allowed"},
    {"validate: 64 keywords", m_keywords_at_cap, NULL},
    {"validate: variants count without array", m_variants_no_array,
     "variants: 2 items but no array"},
    {"validate: keyword past its cap", m_keyword_long, "keywords[0]: longer than 128 bytes"},
    {"validate: blank keyword", m_keyword_blank, "keywords[0]: empty"},
    {"validate: lang fr", m_lang_fr, "lang: unknown language \"fr\" (expected ar or en)"},
    {"validate: lang empty", m_lang_empty, "lang: missing (expected ar or en)"},
    {"validate: lang not printable", m_lang_binary, "lang: unknown language (expected ar or en)"},
    {"validate: id past its cap", m_id_long, "id: longer than 64 bytes"},
    {"validate: non-ASCII id", m_id_arabic, "id: invalid character at byte 0"},
    {"validate: category past its cap", m_category_long, "category: longer than 64 bytes"},
    {"validate: newline in category", m_category_newline, "category: newline at byte 1"},
    {"validate: unknown status", m_status_bad, "status: unknown value 7"},
    {"validate: negative version", m_version_negative, "version: negative"},
    {"validate: negative updated", m_updated_negative, "updated: negative"},
};

static void test_validate_case(void **state)
{
    const struct validate_case *c = *state;
    struct kb_entry *e = entry_valid();
    struct sn_err err = {0};

    c->mutate(e);
    int rc = kb_entry_validate(e, &err);
    if (!c->msg) {
        if (rc != SN_OK)
            fail_msg("%s: rejected: %s", c->name, err.msg);
    } else {
        assert_int_equal(rc, SN_EINVAL);
        assert_int_equal(err.code, SN_EINVAL);
        assert_msg_contains(c->name, &err, c->msg);
        assert_int_equal(kb_entry_validate(e, NULL), SN_EINVAL);
    }
    kb_entry_free(e);
}

/* ---- round trips ---- */

/* Entries chosen to stress both writers: Arabic, emoji, commas, quotes, backslashes,
 * newlines and tabs in answers, leading and trailing spaces, empty and full lists,
 * unset and set numbers, draft status, empty id. */
static struct kb_entry_list roundtrip_entries(void)
{
    struct kb_entry_list l;
    struct kb_entry *e;
    kb_entry_list_init(&l);

    e = entry_valid();
    kb_entry_list_push(&l, e);

    e = kb_entry_new();
    set_str(&e->id, "ar.billing_01");
    memcpy(e->lang, "ar", 3);
    set_str(&e->category, "الفواتير، والدفع");
    set_str(&e->question, "متى تصدر فاتورتي \"الشهرية\"؟");
    {
        static const char *const v[] = {"متى تطلع الفاتورة", "موعد الفاتورة, والسداد",
                                        "\"الفاتورة\""};
        e->variants = strv(3, v);
        e->n_variants = 3;
    }
    set_str(&e->answer, "تصدر الفواتير في اليوم الأول من كل شهر،\nوتستحق في اليوم 15.\n\n"
                        "للاستفسار: \"800 000 1555\", أو عبر التطبيق 📱.\t(مجاناً)");
    {
        static const char *const k[] = {"فاتورة", "سداد"};
        e->keywords = strv(2, k);
        e->n_keywords = 2;
    }
    e->status = KB_DRAFT;
    e->version = 12;
    e->created = 1700000000;
    e->updated = 4102444800LL;
    kb_entry_list_push(&l, e);

    e = kb_entry_new();
    memcpy(e->lang, "en", 3);
    set_str(&e->question, "  Leading and trailing spaces  ");
    set_str(&e->answer,
            "\"Quoted\" at the start, a backslash \\ and a slash /,\n"
            "then an emoji 🧾👍🏽 and a family joined by ZWJ 👨\xE2\x80\x8D👩.");
    kb_entry_list_push(&l, e);

    e = kb_entry_new();
    set_str(&e->id, "en-999");
    memcpy(e->lang, "en", 3);
    set_str(&e->category, "a,b");
    set_str(&e->question, "=SUM(A1:A2), \"\"doubled\"\"");
    e->variants = numbered(KB_MAX_VARIANTS, "v");
    e->n_variants = KB_MAX_VARIANTS;
    set_str(&e->variants[KB_MAX_VARIANTS - 1], "v,last");
    set_str(&e->answer, ",");
    e->version = 1;
    kb_entry_list_push(&l, e);

    e = kb_entry_new();
    set_str(&e->id, "ar-2");
    memcpy(e->lang, "ar", 3);
    set_str(&e->question, "\xE2\x80\x8Fسؤال بعلامة اتجاه"); /* starts with RLM */
    set_str(&e->answer, "\n\nجواب يبدأ بسطرين فارغين");
    e->created = 1;
    kb_entry_list_push(&l, e);

    for (size_t i = 0; i < l.n; i++) {
        struct sn_err err = {0};
        if (kb_entry_validate(l.v[i], &err))
            fail_msg("round-trip entry %zu is not valid: %s", i, err.msg);
    }
    return l;
}

static void roundtrip(enum kb_format fmt)
{
    struct kb_entry_list in = roundtrip_entries(), back;
    struct sn_buf b;
    struct sn_err err = {0};

    sn_buf_init(&b, 1 << 20);
    if (fmt == KB_FMT_CSV)
        assert_int_equal(kb_write_csv_header(&b), SN_OK);
    for (size_t i = 0; i < in.n; i++)
        assert_int_equal(kb_write_entry(fmt, in.v[i], &b), SN_OK);
    kb_entry_list_init(&back);
    if (kb_parse(fmt, b.p, b.len, &back, &err))
        fail_msg("parse of written %s failed: %s\n%s", fmt == KB_FMT_CSV ? "CSV" : "JSONL", err.msg,
                 b.p);
    assert_int_equal(back.n, in.n);
    for (size_t i = 0; i < in.n; i++)
        assert_entry_equal(in.v[i], back.v[i]);

    /* Writing what was read gives the same bytes. */
    struct sn_buf b2;
    sn_buf_init(&b2, 1 << 20);
    if (fmt == KB_FMT_CSV)
        kb_write_csv_header(&b2);
    for (size_t i = 0; i < back.n; i++)
        assert_int_equal(kb_write_entry(fmt, back.v[i], &b2), SN_OK);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.p, b.p, b.len);

    sn_buf_fini(&b2);
    sn_buf_fini(&b);
    kb_entry_list_fini(&back);
    kb_entry_list_fini(&in);
}

static void test_roundtrip_jsonl(void **state)
{
    (void)state;
    roundtrip(KB_FMT_JSONL);
}

static void test_roundtrip_csv(void **state)
{
    (void)state;
    roundtrip(KB_FMT_CSV);
}

/* Fixture → list → JSONL → list → CSV → list: both formats agree on real files. */
static void test_roundtrip_fixtures_across_formats(void **state)
{
    static const char *const files[] = {"valid.jsonl", "valid.csv"};
    (void)state;
    for (size_t f = 0; f < N_ELEMS(files); f++) {
        char path[512];
        size_t len;
        struct kb_entry_list a, b, c;
        struct sn_buf j, v;
        struct sn_err err = {0};

        snprintf(path, sizeof path, "%s/%s", import_dir(), files[f]);
        char *text = read_file(path, &len);
        kb_entry_list_init(&a);
        kb_entry_list_init(&b);
        kb_entry_list_init(&c);
        sn_buf_init(&j, 1 << 20);
        sn_buf_init(&v, 1 << 20);
        if (kb_parse(strstr(files[f], ".csv") ? KB_FMT_CSV : KB_FMT_JSONL, text, len, &a, &err))
            fail_msg("%s: %s", files[f], err.msg);
        for (size_t i = 0; i < a.n; i++)
            assert_int_equal(kb_write_entry(KB_FMT_JSONL, a.v[i], &j), SN_OK);
        assert_int_equal(kb_parse(KB_FMT_JSONL, j.p, j.len, &b, &err), SN_OK);
        assert_int_equal(kb_write_csv_header(&v), SN_OK);
        for (size_t i = 0; i < b.n; i++)
            assert_int_equal(kb_write_entry(KB_FMT_CSV, b.v[i], &v), SN_OK);
        assert_int_equal(kb_parse(KB_FMT_CSV, v.p, v.len, &c, &err), SN_OK);
        assert_int_equal(a.n, b.n);
        assert_int_equal(a.n, c.n);
        for (size_t i = 0; i < a.n; i++) {
            assert_entry_equal(a.v[i], b.v[i]);
            assert_entry_equal(a.v[i], c.v[i]);
        }
        sn_buf_fini(&v);
        sn_buf_fini(&j);
        kb_entry_list_fini(&c);
        kb_entry_list_fini(&b);
        kb_entry_list_fini(&a);
        free(text);
    }
}

/* ---- writers, exact output ---- */

static struct kb_entry *entry_for_writer(void)
{
    static const char *const v[] = {"a", "b"};
    static const char *const k[] = {"k"};
    struct kb_entry *e = kb_entry_new();
    set_str(&e->id, "x-1");
    memcpy(e->lang, "ar", 3);
    set_str(&e->category, "c");
    set_str(&e->question, "سؤال");
    e->variants = strv(2, v);
    e->n_variants = 2;
    set_str(&e->answer, "line1\nline2 \"q\"");
    e->keywords = strv(1, k);
    e->n_keywords = 1;
    e->status = KB_DRAFT;
    e->version = 2;
    e->created = 1700000000;
    return e;
}

static void test_write_jsonl_exact(void **state)
{
    (void)state;
    struct kb_entry *e = entry_for_writer();
    struct sn_buf b;
    sn_buf_init(&b, 4096);
    assert_int_equal(kb_write_entry(KB_FMT_JSONL, e, &b), SN_OK);
    assert_string_equal(b.p,
                        "{\"id\":\"x-1\",\"lang\":\"ar\",\"category\":\"c\",\"question\":\"سؤال\","
                        "\"variants\":[\"a\",\"b\"],\"answer\":\"line1\\nline2 \\\"q\\\"\","
                        "\"keywords\":[\"k\"],\"status\":\"draft\",\"version\":2,"
                        "\"created\":1700000000}\n");
    sn_buf_fini(&b);

    /* A fresh entry: every string key present, unset numbers left out. */
    kb_entry_free(e);
    e = kb_entry_new();
    memcpy(e->lang, "en", 3);
    sn_buf_init(&b, 4096);
    assert_int_equal(kb_write_entry(KB_FMT_JSONL, e, &b), SN_OK);
    assert_string_equal(b.p, "{\"id\":\"\",\"lang\":\"en\",\"category\":\"\",\"question\":\"\","
                             "\"variants\":[],\"answer\":\"\",\"keywords\":[],"
                             "\"status\":\"published\"}\n");
    sn_buf_fini(&b);
    kb_entry_free(e);
}

static void test_write_csv_exact(void **state)
{
    (void)state;
    struct kb_entry *e = entry_for_writer();
    struct sn_buf b;
    sn_buf_init(&b, 4096);
    assert_int_equal(kb_write_csv_header(&b), SN_OK);
    assert_int_equal(kb_write_entry(KB_FMT_CSV, e, &b), SN_OK);
    assert_string_equal(b.p, "id,lang,category,question,variants,answer,keywords,status,version,"
                             "created,updated\n"
                             "x-1,ar,c,سؤال,\"a\nb\",\"line1\nline2 \"\"q\"\"\",k,draft,2,"
                             "1700000000,\n");
    sn_buf_fini(&b);
    kb_entry_free(e);
}

static void test_write_too_big_leaves_buffer(void **state)
{
    (void)state;
    struct kb_entry *e = entry_for_writer();
    static const enum kb_format fmts[] = {KB_FMT_JSONL, KB_FMT_CSV};
    for (size_t f = 0; f < N_ELEMS(fmts); f++) {
        /* Every cap from 3 (what is already there) up to one short of the record. */
        struct sn_buf full;
        sn_buf_init(&full, 4096);
        sn_buf_adds(&full, "abc");
        assert_int_equal(kb_write_entry(fmts[f], e, &full), SN_OK);
        for (size_t max = 3; max < full.len; max++) {
            struct sn_buf b;
            sn_buf_init(&b, max);
            sn_buf_adds(&b, "abc");
            assert_int_equal(kb_write_entry(fmts[f], e, &b), SN_ETOOBIG);
            assert_int_equal(b.len, 3);
            assert_string_equal(b.p, "abc");
            sn_buf_fini(&b);
        }
        struct sn_buf exact;
        sn_buf_init(&exact, full.len);
        sn_buf_adds(&exact, "abc");
        assert_int_equal(kb_write_entry(fmts[f], e, &exact), SN_OK);
        assert_string_equal(exact.p, full.p);
        sn_buf_fini(&exact);
        sn_buf_fini(&full);
    }
    struct sn_buf h;
    sn_buf_init(&h, 10);
    assert_int_equal(kb_write_csv_header(&h), SN_ETOOBIG);
    assert_int_equal(h.len, 0);
    sn_buf_fini(&h);
    kb_entry_free(e);
}

static void test_write_invalid_entry(void **state)
{
    (void)state;
    struct kb_entry *e = entry_valid();
    struct sn_buf b;
    sn_buf_init(&b, 4096);
    e->status = 9;
    assert_int_equal(kb_write_entry(KB_FMT_JSONL, e, &b), SN_EINVAL);
    assert_int_equal(kb_write_entry(KB_FMT_CSV, e, &b), SN_EINVAL);
    e->status = KB_PUBLISHED;
    set_str(&e->answer, "bad \xFF");
    assert_int_equal(kb_write_entry(KB_FMT_JSONL, e, &b), SN_EINVAL);
    assert_int_equal(kb_write_entry((enum kb_format)5, e, &b), SN_EINVAL);
    assert_int_equal(b.len, 0);
    sn_buf_fini(&b);
    kb_entry_free(e);
}

/* ---- caps on the whole file ---- */

static void test_import_too_big(void **state)
{
    (void)state;
    struct kb_entry_list l;
    struct sn_err err = {0};
    size_t len = (size_t)KB_MAX_IMPORT_BYTES + 1;
    char *big = sn_xmalloc(len);
    /* One long blank line: the parser would accept it, so only the cap can refuse it. */
    memset(big, ' ', len);
    list_with_sentinel(&l);
    assert_int_equal(kb_parse(KB_FMT_JSONL, big, len, &l, &err), SN_ETOOBIG);
    assert_int_equal(err.code, SN_ETOOBIG);
    assert_only_sentinel(&l);
    assert_int_equal(kb_parse(KB_FMT_CSV, big, len, &l, &err), SN_ETOOBIG);
    assert_only_sentinel(&l);
    /* At the cap exactly it is parsed (and is empty). */
    assert_int_equal(kb_parse(KB_FMT_JSONL, big, len - 1, &l, &err), SN_OK);
    assert_only_sentinel(&l);
    kb_entry_list_fini(&l);
    free(big);
}

static void test_parse_unknown_format(void **state)
{
    (void)state;
    struct kb_entry_list l;
    struct sn_err err = {0};
    list_with_sentinel(&l);
    assert_int_equal(kb_parse((enum kb_format)9, OKROW, strlen(OKROW), &l, &err), SN_EINVAL);
    assert_only_sentinel(&l);
    assert_int_equal(kb_parse(KB_FMT_JSONL, NULL, 0, &l, &err), SN_OK);
    assert_only_sentinel(&l);
    kb_entry_list_fini(&l);
}

/* A second good parse appends after what is there; ids are only compared within a file. */
static void test_parse_appends(void **state)
{
    (void)state;
    static const char file[] =
        "{\"id\":\"sentinel\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n"
        "{\"id\":\"b\",\"lang\":\"en\",\"question\":\"q\",\"answer\":\"a\"}\n";
    struct kb_entry_list l;
    struct sn_err err = {0};
    list_with_sentinel(&l);
    assert_int_equal(kb_parse(KB_FMT_JSONL, file, strlen(file), &l, &err), SN_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[2]->id, "b");
    assert_int_equal(kb_parse(KB_FMT_JSONL, file, strlen(file), &l, &err), SN_OK);
    assert_int_equal(l.n, 5);
    kb_entry_list_fini(&l);
}

/* Many rows: the list and the id set both grow many times. */
static void test_parse_many_rows(void **state)
{
    (void)state;
    struct sn_buf b;
    struct kb_entry_list l;
    struct sn_err err = {0};
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    sn_buf_adds(&b, "id,lang,question,answer\n");
    for (int i = 0; i < 20000; i++)
        sn_buf_printf(&b, "r%d,%s,\"سؤال %d\",answer %d\n", i, i % 2 ? "ar" : "en", i, i);
    kb_entry_list_init(&l);
    assert_int_equal(kb_parse(KB_FMT_CSV, b.p, b.len, &l, &err), SN_OK);
    assert_int_equal(l.n, 20000);
    assert_string_equal(l.v[19999]->id, "r19999");
    assert_string_equal(l.v[19999]->question, "سؤال 19999");
    kb_entry_list_fini(&l);
    sn_buf_fini(&b);
}

/* ---- entry and list basics ---- */

static void test_status_names(void **state)
{
    (void)state;
    assert_int_equal(kb_status_parse("published"), KB_PUBLISHED);
    assert_int_equal(kb_status_parse("draft"), KB_DRAFT);
    assert_int_equal(kb_status_parse("Draft"), -1);
    assert_int_equal(kb_status_parse(""), -1);
    assert_int_equal(kb_status_parse(NULL), -1);
    assert_string_equal(kb_status_name(KB_PUBLISHED), "published");
    assert_string_equal(kb_status_name(KB_DRAFT), "draft");
    assert_null(kb_status_name(2));
    assert_null(kb_status_name(-1));
}

static void test_entry_new_dup_free(void **state)
{
    (void)state;
    struct kb_entry *e = kb_entry_new();
    assert_string_equal(e->id, "");
    assert_string_equal(e->lang, "");
    assert_string_equal(e->category, "");
    assert_string_equal(e->question, "");
    assert_string_equal(e->answer, "");
    assert_null(e->variants);
    assert_int_equal(e->n_variants, 0);
    assert_int_equal(e->status, KB_PUBLISHED);
    assert_int_equal(e->version, 0);
    kb_entry_free(e);

    e = entry_for_writer();
    struct kb_entry *d = kb_entry_dup(e);
    assert_entry_equal(e, d);
    assert_ptr_not_equal(d->question, e->question);
    assert_ptr_not_equal(d->variants, e->variants);
    assert_ptr_not_equal(d->variants[0], e->variants[0]);
    kb_entry_free(e);
    /* The copy lives on after the original is gone. */
    assert_string_equal(d->variants[1], "b");
    kb_entry_free(d);

    kb_entry_free(NULL);
    assert_null(kb_entry_dup(NULL));
}

static void test_list_basics(void **state)
{
    (void)state;
    struct kb_entry_list l;
    kb_entry_list_init(&l);
    for (int i = 0; i < 100; i++)
        kb_entry_list_push(&l, kb_entry_new());
    assert_int_equal(l.n, 100);
    kb_entry_list_fini(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.v);
    kb_entry_list_fini(&l); /* twice is harmless */
    kb_entry_list_fini(NULL);
}

/* ---- data-driven fixtures: tests/data/import/cases.tsv ---- */

static int rc_from_name(const char *s)
{
    if (strcmp(s, "OK") == 0)
        return SN_OK;
    if (strcmp(s, "EINVAL") == 0)
        return SN_EINVAL;
    if (strcmp(s, "ETOOBIG") == 0)
        return SN_ETOOBIG;
    fail_msg("cases.tsv: unknown rc \"%s\"", s);
    return 1;
}

static void test_fixtures_manifest(void **state)
{
    (void)state;
    char path[512];
    size_t len, rows = 0;
    snprintf(path, sizeof path, "%s/cases.tsv", import_dir());
    char *manifest = read_file(path, &len);
    char *save = NULL;
    for (char *line = strtok_r(manifest, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == 0)
            continue;
        char *f[4] = {NULL, NULL, NULL, ""};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            f[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        if (!f[2])
            fail_msg("cases.tsv: bad row \"%s\"", line);
        char fpath[512];
        size_t flen;
        snprintf(fpath, sizeof fpath, "%s/%s", import_dir(), f[0]);
        char *text = read_file(fpath, &flen);
        enum kb_format fmt = strstr(f[0], ".csv") ? KB_FMT_CSV : KB_FMT_JSONL;
        int want = rc_from_name(f[1]);
        struct kb_entry_list l;
        struct sn_err err = {0};
        list_with_sentinel(&l);
        int rc = kb_parse(fmt, text, flen, &l, &err);
        if (rc != want)
            fail_msg("%s: rc %d, want %d (%s)", f[0], rc, want, err.msg);
        if (l.n != 1 + strtoul(f[2], NULL, 10))
            fail_msg("%s: %zu entries, want %s", f[0], l.n - 1, f[2]);
        if (rc)
            assert_msg_contains(f[0], &err, f[3]);
        assert_string_equal(l.v[0]->id, "sentinel");
        kb_entry_list_fini(&l);
        free(text);
        rows++;
    }
    assert_true(rows >= 10);
    free(manifest);
}

/* The two realistic fixtures, field by field. */
static void test_fixture_contents(void **state)
{
    (void)state;
    char path[512];
    size_t len;
    struct kb_entry_list l;
    struct sn_err err = {0};

    snprintf(path, sizeof path, "%s/valid.jsonl", import_dir());
    char *text = read_file(path, &len);
    kb_entry_list_init(&l);
    assert_int_equal(kb_parse(KB_FMT_JSONL, text, len, &l, &err), SN_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0]->category, "الفواتير");
    assert_int_equal(l.v[0]->version, 3);
    assert_true(l.v[0]->updated == 1700000500);
    assert_string_equal(l.v[1]->answer, "Dial *100# and choose \"Reset PIN\".");
    assert_string_equal(l.v[2]->category, "roaming, data");
    assert_int_equal(l.v[2]->status, KB_DRAFT);
    kb_entry_list_fini(&l);
    free(text);

    snprintf(path, sizeof path, "%s/valid.csv", import_dir());
    text = read_file(path, &len);
    assert_int_equal(kb_parse(KB_FMT_CSV, text, len, &l, &err), SN_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0]->question, "كم سعر الباقة، شهرياً؟");
    assert_string_equal(l.v[0]->answer, "السعر 99 ريال\nشامل الضريبة.");
    assert_int_equal(l.v[0]->n_variants, 2);
    assert_int_equal(l.v[0]->version, 2);
    assert_string_equal(l.v[1]->question, "What does \"unlimited\" mean?");
    assert_int_equal(l.v[1]->status, KB_PUBLISHED);
    assert_int_equal(l.v[1]->version, 0);
    assert_int_equal(l.v[2]->n_keywords, 2);
    assert_string_equal(l.v[2]->keywords[1], "number");
    assert_int_equal(l.v[2]->status, KB_DRAFT);
    kb_entry_list_fini(&l);
    free(text);
}

/* ---- runner ---- */

#define TEST(f) cmocka_unit_test(f)

static const struct CMUnitTest fixed_tests[] = {
    TEST(test_roundtrip_jsonl),
    TEST(test_roundtrip_csv),
    TEST(test_roundtrip_fixtures_across_formats),
    TEST(test_write_jsonl_exact),
    TEST(test_write_csv_exact),
    TEST(test_write_too_big_leaves_buffer),
    TEST(test_write_invalid_entry),
    TEST(test_import_too_big),
    TEST(test_parse_unknown_format),
    TEST(test_parse_appends),
    TEST(test_parse_many_rows),
    TEST(test_status_names),
    TEST(test_entry_new_dup_free),
    TEST(test_list_basics),
    TEST(test_fixtures_manifest),
    TEST(test_fixture_contents),
    TEST(test_import_500_variants),
    TEST(test_import_cap_after_trim),
    TEST(test_import_lists_every_bad_row),
    TEST(test_import_csv_goes_on_after_a_bad_record),
    TEST(test_import_bad_header_is_the_one_failure),
    TEST(test_import_report_lifecycle),
    TEST(test_parse_strict_keeps_padding),
    TEST(test_entry_json_fits_cap),
};

int main(void)
{
    /* One cmocka test per table row, named after the row. */
    static struct CMUnitTest tests[N_ELEMS(fixed_tests) + N_ELEMS(bad_cases) + N_ELEMS(good_cases) +
                                   N_ELEMS(import_cases) + N_ELEMS(import_bad_cases) +
                                   N_ELEMS(validate_cases)];
    size_t n = 0;
    for (size_t i = 0; i < N_ELEMS(fixed_tests); i++)
        tests[n++] = fixed_tests[i];
    for (size_t i = 0; i < N_ELEMS(bad_cases); i++)
        tests[n++] = (struct CMUnitTest){bad_cases[i].name, test_bad_case, NULL, NULL,
                                         (void *)&bad_cases[i]};
    for (size_t i = 0; i < N_ELEMS(good_cases); i++)
        tests[n++] = (struct CMUnitTest){good_cases[i].name, test_good_case, NULL, NULL,
                                         (void *)&good_cases[i]};
    for (size_t i = 0; i < N_ELEMS(import_cases); i++)
        tests[n++] = (struct CMUnitTest){import_cases[i].name, test_import_case, NULL, NULL,
                                         (void *)&import_cases[i]};
    for (size_t i = 0; i < N_ELEMS(import_bad_cases); i++)
        tests[n++] = (struct CMUnitTest){import_bad_cases[i].name, test_import_bad_case, NULL, NULL,
                                         (void *)&import_bad_cases[i]};
    for (size_t i = 0; i < N_ELEMS(validate_cases); i++)
        tests[n++] = (struct CMUnitTest){validate_cases[i].name, test_validate_case, NULL, NULL,
                                         (void *)&validate_cases[i]};
    return cmocka_run_group_tests_name("kb_entry_io", tests, NULL, NULL);
}
