/* Unit tests for kb/analyze.c: the analyzer seen through kb/analyze.h.
 *
 * Most cases are data, in the .tsv files of tests/data/analyze (override the directory with
 * SANAD_TEST_ANALYZE_DIR), so a linguist can add one without writing C. Each row runs as its
 * own cmocka test named "file:line relation". Stems are being tuned, so rows state
 * properties, not stems; only normalization, which the issue fixes, is compared exactly.
 *
 * Row format: tab-separated, `#` starts a comment line, and a column starting with `#` ends
 * the row (a note). Text columns take escapes: \t \n \r \\ \xHH (one raw byte, so invalid
 * UTF-8 can be written), \uXXXX and \UXXXXXXXX (the code point in UTF-8, surrogates too).
 * A text that starts with # is written \x23.
 *
 *   meet     A  B [C...]   same number of words, and word i of each text has a form in
 *                          common with word i of every other text
 *   equal    A  B [C...]   same number of words with identical norm and the same forms
 *   differ   A  B [C...]   no form of any word of one text is a form of any word of another
 *   tokens   T  N          T has N words
 *   scripts  T  s1,s2,...  the script of each word: ar, latin (or en), digit, other
 *   stop     T  f1,f2,...  the stop flag of each word, 1 or 0
 *   norm     T  n1 n2 ...  the norm (folded surface form) of each word, space-separated
 *   span     T  s-e,...    the byte range [s,e) of each word in T
 *   root     T  r1 r2 ...  the root (kb/root.h) of each word, space-separated; - for none
 *
 * Every text of every row is also checked for what holds of any analysis: words in order,
 * 0 <= start < end <= len, a word's bytes are well-formed UTF-8 (invalid bytes never make
 * a word), analyzing text[start,end) alone gives the same word again, norm and forms are
 * non-empty well-formed UTF-8 under KB_WORD_MAX_BYTES, 1..3 distinct forms.
 *
 * The fixed tests below cover what a table can't: sizes (100 KB, past the 1 MiB cap),
 * every control character, invalid UTF-8 inside words, random bytes, the callback
 * contract, and reuse of one analyzer. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/analyze.h"
#include "kb/base.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_COLS   8

static struct kb_analyzer *an; /* one for the whole run, as FTS5 and kb_search use it */

/* ---- collecting words ---- */

struct aword {
    char norm[KB_WORD_MAX_BYTES];
    int norm_len;
    char form[3][KB_WORD_MAX_BYTES];
    int form_len[3];
    int nforms;
    char root[KB_WORD_MAX_BYTES];
    int root_len;
    int start, end, script, stop;
};

struct words {
    struct aword *v;
    size_t n, cap;
};

struct collect {
    const char *text;
    int len;
    int strict;        /* a word's bytes must be well-formed UTF-8 */
    struct words *out; /* NULL: count and check only */
    size_t count;
    int last_start;
    char fail[400]; /* first broken invariant, reported after kb_analyze returns */
};

static int valid_utf8(const char *s, int n)
{
    return n >= 0 && sn_utf8_valid(s, (size_t)n, NULL);
}

/* Checks what holds of every word. Never fails from inside the analyzer: the first problem
 * is kept in c->fail and stops the analysis. */
static int take_word(void *ctx, const struct kb_word *w)
{
    struct collect *c = ctx;
    char *f = c->fail;
    size_t fs = sizeof c->fail;
    size_t i = c->count++;

    if (w->start < 0 || w->end > c->len || w->start >= w->end)
        snprintf(f, fs, "word %zu: range [%d,%d) outside [0,%d)", i, w->start, w->end, c->len);
    else if (w->start < c->last_start)
        snprintf(f, fs, "word %zu: starts at %d, before the previous word (%d)", i, w->start,
                 c->last_start);
    else if (c->strict && !valid_utf8(c->text + w->start, w->end - w->start))
        snprintf(f, fs,
                 "word %zu: bytes [%d,%d) are not well-formed UTF-8 but made a word \"%.*s\"", i,
                 w->start, w->end, w->norm_len > 0 ? w->norm_len : 0, w->norm);
    else if (w->norm_len <= 0 || w->norm_len >= KB_WORD_MAX_BYTES ||
             !valid_utf8(w->norm, w->norm_len))
        snprintf(f, fs, "word %zu: bad norm (len %d)", i, w->norm_len);
    else if (w->nforms < 1 || w->nforms > 3)
        snprintf(f, fs, "word %zu \"%.*s\": %d forms", i, w->norm_len, w->norm, w->nforms);
    if (f[0])
        return 1;
    for (int k = 0; k < w->nforms; k++) {
        if (w->form_len[k] <= 0 || w->form_len[k] >= KB_WORD_MAX_BYTES ||
            !valid_utf8(w->form[k], w->form_len[k])) {
            snprintf(f, fs, "word %zu \"%.*s\": bad form %d (len %d)", i, w->norm_len, w->norm, k,
                     w->form_len[k]);
            return 1;
        }
        for (int j = 0; j < k; j++)
            if (w->form_len[j] == w->form_len[k] &&
                memcmp(w->form[j], w->form[k], (size_t)w->form_len[k]) == 0) {
                snprintf(f, fs, "word %zu \"%.*s\": form %d repeats form %d", i, w->norm_len,
                         w->norm, k, j);
                return 1;
            }
    }
    for (int k = 0; k < w->norm_len; k++)
        if ((unsigned char)w->norm[k] <= ' ') {
            snprintf(f, fs, "word %zu: norm holds byte 0x%02X", i, (unsigned char)w->norm[k]);
            return 1;
        }
    if (w->root_len < 0 || w->root_len >= KB_WORD_MAX_BYTES ||
        (w->root_len && (w->script != KB_SCRIPT_ARABIC || !valid_utf8(w->root, w->root_len)))) {
        snprintf(f, fs, "word %zu \"%.*s\": bad root (len %d)", i, w->norm_len, w->norm,
                 w->root_len);
        return 1;
    }
    c->last_start = w->start;

    if (c->out) {
        struct words *o = c->out;
        if (o->n == o->cap) {
            o->cap = o->cap ? o->cap * 2 : 16;
            o->v = sn_xrealloc(o->v, o->cap * sizeof *o->v);
        }
        struct aword *a = &o->v[o->n++];
        memset(a, 0, sizeof *a);
        memcpy(a->norm, w->norm, (size_t)w->norm_len);
        a->norm_len = w->norm_len;
        for (int k = 0; k < w->nforms; k++) {
            memcpy(a->form[k], w->form[k], (size_t)w->form_len[k]);
            a->form_len[k] = w->form_len[k];
        }
        a->nforms = w->nforms;
        if (w->root_len)
            memcpy(a->root, w->root, (size_t)w->root_len);
        a->root_len = w->root_len;
        a->start = w->start;
        a->end = w->end;
        a->script = w->script;
        a->stop = w->stop;
    }
    return 0;
}

static void words_free(struct words *w)
{
    free(w->v);
    memset(w, 0, sizeof *w);
}

/* Analyzes text[0..len), checks every word, and (when out is given) checks that each word
 * covers itself: text[start,end) analyzed alone gives a word with the same norm. */
static size_t
analyze_checked(const char *label, const char *text, int len, int strict, struct words *out)
{
    int given = len;
    if (len < 0)
        len = (int)strlen(text);
    struct collect c = {text, len, strict, out, 0, 0, ""};
    int rc = kb_analyze(an, text, given, take_word, &c);
    if (c.fail[0])
        fail_msg("%s: %s", label, c.fail);
    if (rc != 0)
        fail_msg("%s: kb_analyze returned %d", label, rc);
    if (!out || !valid_utf8(text, len))
        return c.count;
    for (size_t i = 0; i < out->n; i++) {
        const struct aword *a = &out->v[i];
        struct words sub = {0};
        struct collect sc = {text + a->start, a->end - a->start, strict, &sub, 0, 0, ""};
        kb_analyze(an, sc.text, sc.len, take_word, &sc);
        int found = 0;
        for (size_t j = 0; j < sub.n && !found; j++)
            found = sub.v[j].norm_len == a->norm_len &&
                    memcmp(sub.v[j].norm, a->norm, (size_t)a->norm_len) == 0;
        words_free(&sub);
        if (sc.fail[0] || !found)
            fail_msg("%s: word %zu \"%s\" at [%d,%d) (\"%.*s\") does not cover itself %s", label, i,
                     a->norm, a->start, a->end, a->end - a->start, text + a->start, sc.fail);
    }
    return c.count;
}

static int forms_meet(const struct aword *a, const struct aword *b)
{
    for (int i = 0; i < a->nforms; i++)
        for (int j = 0; j < b->nforms; j++)
            if (a->form_len[i] == b->form_len[j] &&
                memcmp(a->form[i], b->form[j], (size_t)a->form_len[i]) == 0)
                return 1;
    return 0;
}

static int has_form(const struct aword *a, const char *f, int len)
{
    for (int i = 0; i < a->nforms; i++)
        if (a->form_len[i] == len && memcmp(a->form[i], f, (size_t)len) == 0)
            return 1;
    return 0;
}

static int same_forms(const struct aword *a, const struct aword *b)
{
    if (a->nforms != b->nforms)
        return 0;
    for (int i = 0; i < a->nforms; i++)
        if (!has_form(b, a->form[i], a->form_len[i]))
            return 0;
    return 1;
}

/* "norm{f0|f1}" for failure messages. */
static const char *show(const struct aword *a, char *buf, size_t n)
{
    int o = snprintf(buf, n, "%s{", a->norm);
    for (int i = 0; i < a->nforms && o > 0 && (size_t)o < n; i++)
        o += snprintf(buf + o, n - (size_t)o, "%s%s", i ? "|" : "", a->form[i]);
    if (o > 0 && (size_t)o < n)
        snprintf(buf + o, n - (size_t)o, "}");
    return buf;
}

static const char *show_all(const struct words *w, char *buf, size_t n)
{
    char one[4 * KB_WORD_MAX_BYTES];
    buf[0] = 0;
    for (size_t i = 0; i < w->n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", i ? " " : "", show(&w->v[i], one, sizeof one));
    }
    return buf;
}

/* ---- the data-driven rows ---- */

enum rel { R_MEET, R_EQUAL, R_DIFFER, R_TOKENS, R_SCRIPTS, R_STOP, R_NORM, R_SPAN, R_ROOT };

static const char *const rel_names[] = {"meet", "equal", "differ", "tokens", "scripts",
                                        "stop", "norm",  "span",   "root"};

struct bytes {
    char *p;
    int len;
};

struct row {
    char name[160];
    char where[128]; /* file:line */
    int rel;         /* enum rel, or -1 when the row itself is malformed */
    char bad[160];   /* why the row is malformed */
    struct bytes col[MAX_COLS];
    int ncol;
};

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static int put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) { /* surrogates too: that is how a test writes ED A0 80 */
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the escapes of one column into a new buffer (never longer than the source).
 * Returns 0, or -1 with why set for a malformed escape. */
static int unescape(const char *s, struct bytes *out, char *why, size_t whylen)
{
    size_t n = strlen(s);
    char *o = sn_xmalloc(n + 1);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            o[k++] = s[i];
            continue;
        }
        char e = s[++i];
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (digits) {
            uint32_t v = 0;
            for (int d = 0; d < digits; d++) {
                int h = i + 1 + (size_t)d < n ? hexval(s[i + 1 + (size_t)d]) : -1;
                if (h < 0) {
                    snprintf(why, whylen, "bad \\%c escape", e);
                    free(o);
                    return -1;
                }
                v = v << 4 | (uint32_t)h;
            }
            i += (size_t)digits;
            if (e == 'x')
                o[k++] = (char)v;
            else if (v > 0x1FFFFF) {
                snprintf(why, whylen, "\\U value past U+1FFFFF");
                free(o);
                return -1;
            } else
                k += put_utf8(o + k, v);
        } else if (e == 't')
            o[k++] = '\t';
        else if (e == 'n')
            o[k++] = '\n';
        else if (e == 'r')
            o[k++] = '\r';
        else if (e == '\\')
            o[k++] = '\\';
        else {
            snprintf(why, whylen, "unknown escape \\%c", e);
            free(o);
            return -1;
        }
    }
    o[k] = 0;
    out->p = o;
    out->len = k;
    return 0;
}

static void parse_row(struct row *r, char *line)
{
    char *cols[64];
    int n = 0;
    r->rel = -1;
    for (char *p = line; p && n < (int)N_ELEMS(cols);) {
        cols[n++] = p;
        p = strchr(p, '\t');
        if (p)
            *p++ = 0;
    }
    for (int i = 1; i < n; i++)
        if (cols[i][0] == '#') {
            n = i;
            break;
        }
    for (int i = 0; i < (int)N_ELEMS(rel_names); i++)
        if (strcmp(cols[0], rel_names[i]) == 0)
            r->rel = i;
    if (r->rel < 0) {
        snprintf(r->bad, sizeof r->bad, "unknown relation \"%s\"", cols[0]);
        return;
    }
    if (n - 1 > MAX_COLS) {
        snprintf(r->bad, sizeof r->bad, "too many columns");
        r->rel = -1;
        return;
    }
    int exact = r->rel > R_DIFFER; /* the pair relations take 2 or more texts */
    if (n - 1 < 2 || (exact && n - 1 != 2)) {
        snprintf(r->bad, sizeof r->bad, "%s takes %s2 columns, got %d", cols[0],
                 exact ? "" : "at least ", n - 1);
        r->rel = -1;
        return;
    }
    for (int i = 1; i < n; i++) {
        if (unescape(cols[i], &r->col[i - 1], r->bad, sizeof r->bad)) {
            r->rel = -1;
            return;
        }
        r->ncol = i;
    }
}

static void row_free(struct row *r)
{
    for (int i = 0; i < r->ncol; i++)
        free(r->col[i].p);
    free(r);
}

static void check_rel_pairs(const struct row *r, struct words *w)
{
    char b1[2048], b2[2048], s1[4 * KB_WORD_MAX_BYTES], s2[4 * KB_WORD_MAX_BYTES];
    for (int i = 0; i < r->ncol; i++)
        if (w[i].n == 0)
            fail_msg("%s: \"%s\" has no words", r->where, r->col[i].p);
    for (int i = 0; i < r->ncol; i++)
        for (int j = i + 1; j < r->ncol; j++) {
            const struct words *a = &w[i], *b = &w[j];
            if (r->rel == R_DIFFER) {
                for (size_t x = 0; x < a->n; x++)
                    for (size_t y = 0; y < b->n; y++)
                        if (forms_meet(&a->v[x], &b->v[y]))
                            fail_msg("%s: differ, but %s and %s share a form", r->where,
                                     show(&a->v[x], s1, sizeof s1), show(&b->v[y], s2, sizeof s2));
                continue;
            }
            if (a->n != b->n)
                fail_msg("%s: %s: %zu words [%s] vs %zu words [%s]", r->where, rel_names[r->rel],
                         a->n, show_all(a, b1, sizeof b1), b->n, show_all(b, b2, sizeof b2));
            for (size_t x = 0; x < a->n; x++) {
                const struct aword *p = &a->v[x], *q = &b->v[x];
                if (r->rel == R_MEET && !forms_meet(p, q))
                    fail_msg("%s: meet, but word %zu has no form in common: %s vs %s", r->where,
                             x + 1, show(p, s1, sizeof s1), show(q, s2, sizeof s2));
                if (r->rel == R_EQUAL && (p->norm_len != q->norm_len ||
                                          strcmp(p->norm, q->norm) != 0 || !same_forms(p, q)))
                    fail_msg("%s: equal, but word %zu differs: %s vs %s", r->where, x + 1,
                             show(p, s1, sizeof s1), show(q, s2, sizeof s2));
            }
        }
}

static int script_code(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {{"ar", KB_SCRIPT_ARABIC},
                 {"latin", KB_SCRIPT_LATIN},
                 {"en", KB_SCRIPT_LATIN},
                 {"digit", KB_SCRIPT_DIGIT},
                 {"other", KB_SCRIPT_OTHER}};
    for (size_t i = 0; i < N_ELEMS(names); i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
            return names[i].code;
    return -1;
}

static const char *script_name(int code)
{
    return code == KB_SCRIPT_ARABIC  ? "ar"
           : code == KB_SCRIPT_LATIN ? "latin"
           : code == KB_SCRIPT_DIGIT ? "digit"
                                     : "other";
}

/* Checks a per-word list (scripts, stop, norm, span) against the words of the text. */
static void check_list(const struct row *r, const struct words *w)
{
    const char *spec = r->col[1].p;
    char sep = r->rel == R_NORM || r->rel == R_ROOT ? ' ' : ',';
    char all[2048];
    size_t i = 0;
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (i >= w->n)
            fail_msg("%s: %s lists more words than the %zu of [%s]", r->where, rel_names[r->rel],
                     w->n, show_all(w, all, sizeof all));
        const struct aword *a = &w->v[i];
        if (r->rel == R_SCRIPTS) {
            int want = script_code(p, n);
            if (want < 0)
                fail_msg("%s: unknown script \"%.*s\"", r->where, (int)n, p);
            if (a->script != want)
                fail_msg("%s: word %zu \"%s\" is %s, want %.*s", r->where, i + 1, a->norm,
                         script_name(a->script), (int)n, p);
        } else if (r->rel == R_STOP) {
            if (n != 1 || (*p != '0' && *p != '1'))
                fail_msg("%s: stop flags are 0 or 1, got \"%.*s\"", r->where, (int)n, p);
            if ((a->stop != 0) != (*p == '1'))
                fail_msg("%s: word %zu \"%s\" stop=%d, want %c", r->where, i + 1, a->norm, a->stop,
                         *p);
        } else if (r->rel == R_NORM) {
            if ((size_t)a->norm_len != n || memcmp(a->norm, p, n) != 0)
                fail_msg("%s: word %zu norm \"%s\", want \"%.*s\"", r->where, i + 1, a->norm,
                         (int)n, p);
        } else if (r->rel == R_ROOT) {
            int none = n == 1 && *p == '-';
            if (none ? a->root_len != 0 : (size_t)a->root_len != n || memcmp(a->root, p, n) != 0)
                fail_msg("%s: word %zu \"%s\" root \"%.*s\", want \"%.*s\"", r->where, i + 1,
                         a->norm, a->root_len, a->root, (int)n, p);
        } else { /* R_SPAN */
            int s, en, used = 0;
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 31 ? n : 31), p);
            if (sscanf(tmp, "%d-%d%n", &s, &en, &used) != 2 || (size_t)used != n)
                fail_msg("%s: span \"%.*s\" is not start-end", r->where, (int)n, p);
            if (a->start != s || a->end != en)
                fail_msg("%s: word %zu \"%s\" spans %d-%d, want %d-%d", r->where, i + 1, a->norm,
                         a->start, a->end, s, en);
        }
        i++;
        p += n;
        if (*p)
            p++;
    }
    if (i != w->n)
        fail_msg("%s: %s lists %zu words, the text has %zu: [%s]", r->where, rel_names[r->rel], i,
                 w->n, show_all(w, all, sizeof all));
}

/* The words of the row under test; freed by row_teardown, which cmocka runs after a
 * failure too. */
static struct words row_words[MAX_COLS];

static int row_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_COLS; i++)
        words_free(&row_words[i]);
    return 0;
}

static void test_row(void **state)
{
    const struct row *r = *state;
    struct words *w = row_words;
    if (r->rel < 0)
        fail_msg("%s: malformed row: %s", r->where, r->bad);
    int ntext = r->rel <= R_DIFFER ? r->ncol : 1;
    for (int i = 0; i < ntext; i++) {
        char label[200];
        snprintf(label, sizeof label, "%s column %d", r->where, i + 2);
        analyze_checked(label, r->col[i].p, r->col[i].len, 1, &w[i]);
    }
    switch (r->rel) {
    case R_MEET:
    case R_EQUAL:
    case R_DIFFER:
        check_rel_pairs(r, w);
        break;
    case R_TOKENS: {
        char *end;
        long want = strtol(r->col[1].p, &end, 10);
        char all[2048];
        if (*end || end == r->col[1].p)
            fail_msg("%s: tokens wants a number, got \"%s\"", r->where, r->col[1].p);
        if ((long)w[0].n != want)
            fail_msg("%s: %zu words [%s], want %ld", r->where, w[0].n,
                     show_all(&w[0], all, sizeof all), want);
        break;
    }
    default:
        check_list(r, &w[0]);
    }
}

/* ---- loading the rows ---- */

static const char *data_dir(void)
{
    const char *d = getenv("SANAD_TEST_ANALYZE_DIR");
    return d && *d ? d : "tests/data/analyze";
}

struct rows {
    struct row **v;
    size_t n, cap;
    char err[300]; /* a file that could not be read */
};

static void rows_push(struct rows *rs, struct row *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->v = sn_xrealloc(rs->v, rs->cap * sizeof *rs->v);
    }
    rs->v[rs->n++] = r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_file(struct rows *rs, const char *dir, const char *name)
{
    char path[1024], line[16384];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(rs->err, sizeof rs->err, "cannot open %.250s", path);
        return;
    }
    for (int ln = 1; fgets(line, sizeof line, f); ln++) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n == 0 || line[0] == '#')
            continue;
        struct row *r = sn_xcalloc(1, sizeof *r);
        snprintf(r->where, sizeof r->where, "%.100s:%d", name, ln);
        char *tab = strchr(line, '\t');
        int rl = tab && tab - line < 20 ? (int)(tab - line) : 20;
        snprintf(r->name, sizeof r->name, "%s %.*s", r->where, rl, line);
        parse_row(r, line);
        rows_push(rs, r);
    }
    fclose(f);
}

static void load_rows(struct rows *rs)
{
    const char *dir = data_dir();
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t nn = 0;
    if (!d) {
        snprintf(rs->err, sizeof rs->err, "cannot open directory %s", dir);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".tsv") == 0) {
            names = sn_xrealloc(names, (nn + 1) * sizeof *names);
            names[nn++] = sn_xstrdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn; i++) {
        load_file(rs, dir, names[i]);
        free(names[i]);
    }
    free(names);
    if (!rs->err[0] && rs->n == 0)
        snprintf(rs->err, sizeof rs->err, "no rows in %s/*.tsv", dir);
}

static struct rows all_rows;

static void test_data_loaded(void **state)
{
    (void)state;
    if (all_rows.err[0])
        fail_msg("%s (set SANAD_TEST_ANALYZE_DIR or run from the repository root)", all_rows.err);
    assert_true(all_rows.n >= 50);
}

/* ---- fixed tests ---- */

static size_t count_words(const char *text, int len, int strict)
{
    return analyze_checked("count", text, len, strict, NULL);
}

/* The issue's mixed line gives Arabic, Latin and digit words, and the digits are ASCII. */
static void test_issue_mixed_line(void **state)
{
    (void)state;
    static const char text[] = "عندي مشكلة في iPhone ١٣";
    struct words w = {0};
    int seen[4] = {0};
    analyze_checked("mixed", text, (int)strlen(text), 1, &w);
    for (size_t i = 0; i < w.n; i++) {
        seen[w.v[i].script] = 1;
        if (w.v[i].script == KB_SCRIPT_DIGIT)
            assert_string_equal(w.v[i].norm, "13");
        if (w.v[i].script == KB_SCRIPT_LATIN)
            assert_string_equal(w.v[i].norm, "iphone");
    }
    assert_true(seen[KB_SCRIPT_ARABIC] && seen[KB_SCRIPT_LATIN] && seen[KB_SCRIPT_DIGIT]);
    assert_int_equal(w.n, 5);
    words_free(&w);
}

static int stop_at_second(void *ctx, const struct kb_word *w)
{
    int *calls = ctx;
    (void)w;
    return ++*calls == 2 ? 7 : 0;
}

/* A non-zero callback value stops the analysis and comes back from kb_analyze. */
static void test_callback_stops(void **state)
{
    (void)state;
    int calls = 0;
    assert_int_equal(kb_analyze(an, "one two three four", -1, stop_at_second, &calls), 7);
    assert_int_equal(calls, 2);
}

/* len bounds the text (no reading past it); -1 means NUL-terminated; 0 is empty. */
static void test_length_argument(void **state)
{
    (void)state;
    static const char text[] = "alpha beta gamma";
    assert_int_equal(count_words(text, 5, 1), 1);
    assert_int_equal(count_words(text, -1, 1), 3);
    assert_int_equal(count_words(text, 0, 1), 0);
    /* a heap copy without NUL, cut inside an Arabic letter: ASan sees any overread */
    static const char ar[] = "مرحبا بكم";
    char *p = sn_xmalloc(sizeof ar - 1);
    memcpy(p, ar, sizeof ar - 1);
    assert_int_equal(count_words(p, (int)sizeof ar - 1, 1), 2);
    assert_int_equal(count_words(p, 9, 1), 1); /* مرحب + the first byte of ا */
    free(p);
}

/* An embedded NUL is a character like any control: it separates, never ends the text. */
static void test_embedded_nul(void **state)
{
    (void)state;
    struct words w = {0};
    analyze_checked("nul", "ab\0cd", 5, 1, &w);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.v[0].norm, "ab");
    assert_string_equal(w.v[1].norm, "cd");
    words_free(&w);
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t ul = strlen(unit);
    char *s = sn_xmalloc(ul * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * times] = 0;
    *len = ul * times;
    return s;
}

/* A 100 KB single "word": one word, within bounds, forms capped. */
static void test_huge_single_word(void **state)
{
    (void)state;
    static const char *const units[] = {"a", "ب", "٣",
                                        "\u0628\u064E"}; /* Latin, Arabic, digit, with tashkeel */
    for (size_t u = 0; u < N_ELEMS(units); u++) {
        size_t len;
        char *s = repeat(units[u], 100000 / strlen(units[u]), &len);
        struct words w = {0};
        analyze_checked(units[u], s, (int)len, 1, &w);
        assert_int_equal(w.n, 1);
        assert_int_equal(w.v[0].start, 0);
        assert_true(w.v[0].end <= (int)len);
        words_free(&w);
        free(s);
    }
}

/* 100 KB of mixed support text: every word found, in order, each where it is. */
static void test_huge_mixed(void **state)
{
    (void)state;
    static const char unit[] = "عندي مشكلة في iPhone ١٣ 😀، الفاتورة؟ ";
    size_t len, times = 100000 / (sizeof unit - 1);
    char *s = repeat(unit, times, &len);
    struct words w = {0};
    struct collect c = {s, (int)len, 1, &w, 0, 0, ""};
    assert_int_equal(kb_analyze(an, s, (int)len, take_word, &c), 0);
    if (c.fail[0])
        fail_msg("%s", c.fail);
    assert_int_equal(w.n, times * 6);
    for (size_t i = 0; i < w.n; i++) {
        size_t rep = i / 6;
        const struct aword *a = &w.v[i];
        assert_true((size_t)a->start >= rep * (sizeof unit - 1));
        assert_true((size_t)a->end <= (rep + 1) * (sizeof unit - 1));
        if (i % 6 == 3)
            assert_string_equal(a->norm, "iphone");
        if (i % 6 == 4)
            assert_string_equal(a->norm, "13");
    }
    words_free(&w);
    free(s);
}

/* Past KB_ANALYZE_MAX_BYTES nothing is analyzed, and no range points past it. */
static void test_past_analyze_cap(void **state)
{
    (void)state;
    size_t len;
    char *s = repeat("ab ", KB_ANALYZE_MAX_BYTES / 3 + 1000, &len);
    size_t n = count_words(s, (int)len, 1);
    assert_true(n >= KB_ANALYZE_MAX_BYTES / 3 - 1 && n <= KB_ANALYZE_MAX_BYTES / 3 + 1);
    free(s);
}

/* Control characters are never words nor part of one. */
static void test_control_chars(void **state)
{
    (void)state;
    char all[32], label[32];
    for (int c = 1; c < 0x20; c++)
        all[c - 1] = (char)c;
    all[31] = 0;
    assert_int_equal(count_words(all, 31, 1), 0);
    assert_int_equal(count_words("\x7F", 1, 1), 0);
    assert_int_equal(count_words("\xC2\x85\xC2\x90\xC2\x9F", -1, 1), 0); /* C1 controls */
    for (int c = 0; c < 0x20; c++) {
        char t[] = {'a', 'b', (char)c, 'c', 'd', 0};
        char u[] = "بب?تت";
        u[4] = (char)c;
        struct words w = {0};
        snprintf(label, sizeof label, "ab<0x%02X>cd", c);
        analyze_checked(label, t, 5, 1, &w);
        if (w.n != 2 || strcmp(w.v[0].norm, "ab") || strcmp(w.v[1].norm, "cd"))
            fail_msg("%s: %zu words", label, w.n);
        words_free(&w);
        snprintf(label, sizeof label, "ar<0x%02X>ar", c);
        assert_int_equal(analyze_checked(label, u, (int)sizeof u - 1, 1, NULL), 2);
    }
}

/* Invalid UTF-8 between letters: the letters around it survive as words, the bad bytes are
 * in none of them. Standalone, the same bytes are rows in hostile.tsv. */
static void test_invalid_utf8_inside(void **state)
{
    (void)state;
    static const struct {
        const char *name, *bytes;
    } bad[] = {
        {"lone continuation", "\x80"},
        {"0xFF", "\xFF"},
        {"0xFE", "\xFE"},
        {"F8 5-byte lead", "\xF8\x88\x80\x80\x80"},
        {"truncated 2-byte", "\xD8"},
        {"truncated 3-byte", "\xE2\x80"},
        {"truncated 4-byte emoji", "\xF0\x9F\x98"},
        {"lone high surrogate ED A0 80", "\xED\xA0\x80"},
        {"lone low surrogate ED B0 80", "\xED\xB0\x80"},
        {"overlong slash C0 AF", "\xC0\xAF"},
        {"overlong NUL C0 80", "\xC0\x80"},
        {"past U+10FFFF F4 90 80 80", "\xF4\x90\x80\x80"},
        {"F5 lead", "\xF5\x80\x80\x80"},
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        char t[64];
        struct words w = {0};
        int n = snprintf(t, sizeof t, "ab%scd", bad[i].bytes);
        analyze_checked(bad[i].name, t, n, 1, &w);
        char joined[64] = "";
        for (size_t k = 0; k < w.n; k++)
            strncat(joined, w.v[k].norm, sizeof joined - strlen(joined) - 1);
        if (strcmp(joined, "abcd") != 0)
            fail_msg("%s: words join to \"%s\", want \"abcd\"", bad[i].name, joined);
        words_free(&w);
    }
}

/* Random bytes, biased toward UTF-8 lead and continuation bytes: no crash, no read outside
 * the text (ASan), every word within bounds. A fixed seed keeps failures reproducible. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const unsigned char pool[] = {'a',  'Z',  '3',  ' ',  '\t', '.',  0x00, 0x01, 0x7F, 0x80,
                                         0x8F, 0xA0, 0xAF, 0xBF, 0xC0, 0xC1, 0xC2, 0xD8, 0xD9, 0xDB,
                                         0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF8, 0xFE,
                                         0xFF, 0xA7, 0x84, 0x8A, 0x89, 0x8C, 0xB1, 0xB3};
    uint64_t x = 0x9E3779B97F4A7C15u;
    char buf[96];
    for (int iter = 0; iter < 20000; iter++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int len = (int)(x % sizeof buf);
        for (int i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (x >> 40) & 1 ? (char)pool[(x >> 8) % sizeof pool] : (char)(x >> 16);
        }
        char *p = sn_xmalloc((size_t)len + 1); /* exact size: ASan catches overreads */
        memcpy(p, buf, (size_t)len);
        struct collect c = {p, len, 0, NULL, 0, 0, ""};
        kb_analyze(an, p, len, take_word, &c);
        if (c.fail[0])
            fail_msg("iteration %d: %s", iter, c.fail);
        free(p);
    }
}

/* One analyzer reused over texts of very different sizes gives the same words for the same
 * text, and a second analyzer agrees with the first. */
static void test_reuse_and_determinism(void **state)
{
    (void)state;
    static const char text[] = "أريد إلغاء الاشتراكات في iPhone ١٣";
    struct words a = {0}, b = {0}, c = {0};
    struct sn_err err = {0};
    size_t len;
    analyze_checked("first", text, (int)strlen(text), 1, &a);
    char *big = repeat("الفاتورة ", 20000, &len);
    count_words(big, (int)len, 1);
    free(big);
    analyze_checked("again", text, (int)strlen(text), 1, &b);
    struct kb_analyzer *saved = an;
    an = kb_analyzer_new(&err);
    assert_non_null(an);
    analyze_checked("other analyzer", text, (int)strlen(text), 1, &c);
    kb_analyzer_free(an);
    an = saved;
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.n, c.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.v[i].norm, b.v[i].norm);
        assert_string_equal(a.v[i].norm, c.v[i].norm);
        assert_true(same_forms(&a.v[i], &b.v[i]) && same_forms(&a.v[i], &c.v[i]));
        assert_int_equal(a.v[i].start, b.v[i].start);
        assert_int_equal(a.v[i].end, c.v[i].end);
    }
    words_free(&a);
    words_free(&b);
    words_free(&c);
    kb_analyzer_free(NULL);
}

/* ---- runner ---- */

static int group_setup(void **state)
{
    struct sn_err err = {0};
    (void)state;
    an = kb_analyzer_new(&err);
    if (!an)
        fprintf(stderr, "kb_analyzer_new: %s\n", err.msg);
    return an ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    kb_analyzer_free(an);
    an = NULL;
    return 0;
}

static const struct CMUnitTest fixed_tests[] = {
    cmocka_unit_test(test_data_loaded),    cmocka_unit_test(test_issue_mixed_line),
    cmocka_unit_test(test_callback_stops), cmocka_unit_test(test_length_argument),
    cmocka_unit_test(test_embedded_nul),   cmocka_unit_test(test_huge_single_word),
    cmocka_unit_test(test_huge_mixed),     cmocka_unit_test(test_past_analyze_cap),
    cmocka_unit_test(test_control_chars),  cmocka_unit_test(test_invalid_utf8_inside),
    cmocka_unit_test(test_random_bytes),   cmocka_unit_test(test_reuse_and_determinism),
};

int main(void)
{
    load_rows(&all_rows);
    size_t n = 0, total = N_ELEMS(fixed_tests) + all_rows.n;
    struct CMUnitTest *tests = sn_xcalloc(total, sizeof *tests);
    for (size_t i = 0; i < N_ELEMS(fixed_tests); i++)
        tests[n++] = fixed_tests[i];
    for (size_t i = 0; i < all_rows.n; i++)
        tests[n++] =
            (struct CMUnitTest){all_rows.v[i]->name, test_row, NULL, row_teardown, all_rows.v[i]};
    int rc = _cmocka_run_group_tests("kb_analyze", tests, n, group_setup, group_teardown);
    for (size_t i = 0; i < all_rows.n; i++)
        row_free(all_rows.v[i]);
    free(all_rows.v);
    free(tests);
    return rc;
}
