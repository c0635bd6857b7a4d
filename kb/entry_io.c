/* The two file formats of a knowledge base: JSON Lines (one object per line, parsed with
 * jansson) and RFC 4180 CSV (a small hand-written reader, since the quoting rules are
 * the whole difficulty and we want line numbers in every error).
 *
 * Both parsers share one row pipeline: decode the row into a fresh kb_entry, run
 * kb_entry_validate(), check the id against the ids already seen in this file, push it
 * onto the caller's list. Any failure truncates the list back to its length on entry,
 * so kb_parse() is all or nothing. Every message starts with "line N: ". */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kb/base.h"
#include "kb/entry.h"

/* The field names, in the order both writers emit them. */
enum col {
    COL_ID,
    COL_LANG,
    COL_CATEGORY,
    COL_QUESTION,
    COL_VARIANTS,
    COL_ANSWER,
    COL_KEYWORDS,
    COL_STATUS,
    COL_VERSION,
    COL_CREATED,
    COL_UPDATED,
    COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
    "id",       "lang",   "category", "question", "variants", "answer",
    "keywords", "status", "version",  "created",  "updated",
};

static int col_find(const char *s, size_t n)
{
    for (int i = 0; i < COL_COUNT; i++)
        if (strlen(col_names[i]) == n && memcmp(col_names[i], s, n) == 0)
            return i;
    return -1;
}

/* ---- messages ---- */

#define QUOTE_MAX 48

/* Renders untrusted bytes for an error message: at most ~40 bytes, whole UTF-8
 * characters kept, control characters, quotes and broken bytes escaped, "..." when
 * cut. Messages end up in terminals and logs, so raw input never goes into them. */
static const char *quote(char dst[QUOTE_MAX], const char *s, size_t n)
{
    const size_t room = QUOTE_MAX - 8; /* one \xNN escape, "..." and the NUL still fit */
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n && o < room) {
        unsigned c = u[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (c >= 0x80 && len && i + len <= n && sn_utf8_valid(s + i, len, NULL)) {
            if (o + len > room)
                break;
            memcpy(dst + o, s + i, len);
            o += len;
            i += len;
            continue;
        }
        if (c < 0x20 || c >= 0x7F)
            o += (size_t)snprintf(dst + o, QUOTE_MAX - o, "\\x%02X", c);
        else if (c == '"' || c == '\\')
            o += (size_t)snprintf(dst + o, QUOTE_MAX - o, "\\%c", (char)c);
        else
            dst[o++] = (char)c;
        i++;
    }
    if (i < n) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = 0;
    return dst;
}

/* Sets err to "line N: <fmt>" and returns code. */
SN_PRINTF(4, 5)
static int row_fail(struct sn_err *err, unsigned long line, int code, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sn_err_set(err, code, "line %lu: %s", line, msg);
}

/* ---- ids seen in this file ---- */

/* Open-addressing set of the non-empty ids parsed so far, with the line each came from.
 * A file may hold a million rows, so the duplicate check must not be quadratic. The
 * strings are borrowed from the entries on the output list, which outlive the set. */
struct id_slot {
    const char *id;
    unsigned long line;
};

struct id_set {
    struct id_slot *v;
    size_t n, cap; /* cap is 0 or a power of two */
};

static uint64_t id_hash(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static struct id_slot *id_slot_find(struct id_slot *v, size_t cap, const char *id)
{
    size_t i = (size_t)id_hash(id) & (cap - 1);
    while (v[i].id && strcmp(v[i].id, id) != 0)
        i = (i + 1) & (cap - 1);
    return &v[i];
}

/* Returns 0 after adding id, or the line of the earlier row with the same id. */
static unsigned long id_set_add(struct id_set *s, const char *id, unsigned long line)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct id_slot *v = sn_xcalloc(cap, sizeof *v);
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].id)
                *id_slot_find(v, cap, s->v[i].id) = s->v[i];
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    struct id_slot *slot = id_slot_find(s->v, s->cap, id);
    if (slot->id)
        return slot->line;
    slot->id = id;
    slot->line = line;
    s->n++;
    return 0;
}

/* ---- the row pipeline ---- */

struct parse {
    struct kb_entry_list *out;
    struct id_set ids;
    struct sn_err *err;
};

/* Validates e and appends it to the output. Takes ownership of e in every case. */
static int row_finish(struct parse *ps, struct kb_entry *e, unsigned long line)
{
    int rc = SN_OK;
    struct sn_err verr = {0};
    char shown[QUOTE_MAX];

    rc = kb_entry_validate(e, &verr);
    if (rc) {
        rc = row_fail(ps->err, line, rc, "%s", verr.msg);
        goto out;
    }
    if (e->id[0]) {
        unsigned long first = id_set_add(&ps->ids, e->id, line);
        if (first) {
            rc = row_fail(ps->err, line, SN_EINVAL, "duplicate id \"%s\" (first on line %lu)",
                          quote(shown, e->id, strlen(e->id)), first);
            goto out;
        }
    }
    kb_entry_list_push(ps->out, e);
    e = NULL;
out:
    kb_entry_free(e);
    return rc;
}

/* lang is a char[3]; anything that is not "ar"/"en" is refused here with its full
 * text, before it would have to be cut to fit. */
static int set_lang(struct kb_entry *e, const char *s, size_t n, struct sn_err *err)
{
    char shown[QUOTE_MAX];
    if (n == 0)
        return sn_err_set(err, SN_EINVAL, "lang: missing (expected ar or en)");
    if (n != 2 || (memcmp(s, "ar", 2) != 0 && memcmp(s, "en", 2) != 0))
        return sn_err_set(err, SN_EINVAL, "lang: unknown language \"%s\" (expected ar or en)",
                          quote(shown, s, n));
    memcpy(e->lang, s, 2);
    e->lang[2] = 0;
    return SN_OK;
}

static int set_status(struct kb_entry *e, const char *s, size_t n, struct sn_err *err)
{
    char shown[QUOTE_MAX];
    int st = strlen(s) == n ? kb_status_parse(s) : -1;
    if (st < 0)
        return sn_err_set(err, SN_EINVAL,
                          "status: unknown status \"%s\" (expected published or draft)",
                          quote(shown, s, n));
    e->status = st;
    return SN_OK;
}

/* version is >= 1 when given (0 is how "not set" is written in memory); created and
 * updated are Unix seconds, >= 0. */
static int set_number(struct kb_entry *e, enum col c, long long v, struct sn_err *err)
{
    if (c == COL_VERSION) {
        if (v < 1 || v > INT_MAX)
            return sn_err_set(err, SN_EINVAL, "version: must be between 1 and %d, got %lld",
                              INT_MAX, v);
        e->version = (int)v;
    } else {
        if (v < 0)
            return sn_err_set(err, SN_EINVAL, "%s: must be >= 0 (Unix seconds), got %lld",
                              col_names[c], v);
        *(c == COL_CREATED ? &e->created : &e->updated) = v;
    }
    return SN_OK;
}

static char **str_slot(struct kb_entry *e, enum col c)
{
    switch (c) {
    case COL_ID:
        return &e->id;
    case COL_CATEGORY:
        return &e->category;
    case COL_QUESTION:
        return &e->question;
    case COL_ANSWER:
        return &e->answer;
    default:
        return NULL;
    }
}

/* ---- JSON Lines ---- */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Fills the list (*v, *n) from a JSON array of strings; untouched on error. */
static int
json_strv(const json_t *a, const char *name, int max, char ***v, int *n, struct sn_err *err)
{
    if (!json_is_array(a))
        return sn_err_set(err, SN_EINVAL, "%s: expected an array of strings, got %s", name,
                          json_kind(a));
    size_t k = json_array_size(a);
    if (k > (size_t)max)
        return sn_err_set(err, SN_EINVAL, "%s: %zu items, at most %d allowed", name, k, max);
    for (size_t i = 0; i < k; i++)
        if (!json_is_string(json_array_get(a, i)))
            return sn_err_set(err, SN_EINVAL, "%s[%zu]: expected a string, got %s", name, i,
                              json_kind(json_array_get(a, i)));
    char **items = k ? sn_xcalloc(k, sizeof *items) : NULL;
    for (size_t i = 0; i < k; i++) {
        const json_t *s = json_array_get(a, i);
        items[i] = sn_xstrndup(json_string_value(s), json_string_length(s));
    }
    *v = items;
    *n = (int)k;
    return SN_OK;
}

/* Copies one field of the object into e. Strings cannot hold NUL: jansson refuses
 * \u0000 unless JSON_ALLOW_NUL is passed, which we never do. */
static int json_field(struct kb_entry *e, enum col c, const json_t *v, struct sn_err *err)
{
    const char *name = col_names[c];
    switch (c) {
    case COL_VARIANTS:
        return json_strv(v, name, KB_MAX_VARIANTS, &e->variants, &e->n_variants, err);
    case COL_KEYWORDS:
        return json_strv(v, name, KB_MAX_KEYWORDS, &e->keywords, &e->n_keywords, err);
    case COL_VERSION:
    case COL_CREATED:
    case COL_UPDATED:
        if (!json_is_integer(v))
            return sn_err_set(err, SN_EINVAL, "%s: expected an integer, got %s", name,
                              json_kind(v));
        return set_number(e, c, json_integer_value(v), err);
    default:
        break;
    }
    if (!json_is_string(v))
        return sn_err_set(err, SN_EINVAL, "%s: expected a string, got %s", name, json_kind(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (c == COL_LANG)
        return set_lang(e, s, n, err);
    if (c == COL_STATUS)
        return set_status(e, s, n, err);
    char **slot = str_slot(e, c);
    free(*slot);
    *slot = sn_xstrndup(s, n);
    return SN_OK;
}

static int jsonl_row(struct parse *ps, const char *p, size_t n, unsigned long line)
{
    int rc = SN_OK;
    json_t *root = NULL;
    struct kb_entry *e = NULL;
    struct sn_err ferr = {0};
    json_error_t jerr;
    const char *key;
    json_t *val;
    char shown[QUOTE_MAX];
    size_t bad;

    /* Checked here rather than left to jansson so the message names the byte. */
    if (!sn_utf8_valid(p, n, &bad)) {
        rc = row_fail(ps->err, line, SN_EINVAL, "invalid UTF-8 at byte %zu", bad);
        goto out;
    }
    const char *nul = memchr(p, 0, n);
    if (nul) {
        rc = row_fail(ps->err, line, SN_EINVAL, "NUL byte at byte %zu", (size_t)(nul - p));
        goto out;
    }
    /* JSON_DECODE_ANY so that a scalar line gets our "not an object" message too. */
    root = json_loadb(p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        /* jansson's own wording names a flag the user cannot set; say what is wrong. */
        if (json_error_code(&jerr) == json_error_null_character)
            snprintf(jerr.text, sizeof jerr.text, "\\u0000 is not allowed in strings");
        /* Its "near '...'" quotes the input, which may hold control characters. */
        for (char *t = jerr.text; *t; t++)
            if ((unsigned char)*t < 0x20 || *t == 0x7F)
                *t = '?';
        rc = row_fail(ps->err, line, SN_EINVAL, "invalid JSON at byte %d: %s", jerr.position,
                      jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = row_fail(ps->err, line, SN_EINVAL, "expected a JSON object, got %s", json_kind(root));
        goto out;
    }
    json_object_foreach(root, key, val)
    {
        if (col_find(key, strlen(key)) < 0) {
            rc = row_fail(ps->err, line, SN_EINVAL, "unknown field \"%s\"",
                          quote(shown, key, strlen(key)));
            goto out;
        }
    }
    e = kb_entry_new();
    for (int c = 0; c < COL_COUNT; c++) {
        val = json_object_get(root, col_names[c]);
        if (!val) {
            if (c == COL_LANG || c == COL_QUESTION || c == COL_ANSWER) {
                rc = row_fail(ps->err, line, SN_EINVAL, "%s: missing", col_names[c]);
                goto out;
            }
            continue;
        }
        rc = json_field(e, (enum col)c, val, &ferr);
        if (rc) {
            rc = row_fail(ps->err, line, rc, "%s", ferr.msg);
            goto out;
        }
    }
    rc = row_finish(ps, e, line);
    e = NULL;
out:
    kb_entry_free(e);
    json_decref(root);
    return rc;
}

static int parse_jsonl(struct parse *ps, const char *p, const char *end)
{
    int rc = SN_OK;
    unsigned long line = 0;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        size_t n = (size_t)(le - p);
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        size_t i = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i < n)
            rc = jsonl_row(ps, p, n, line);
        p = next;
    }
    return rc;
}

/* ---- CSV ---- */

/* One record read by csv_read(): the unescaped fields packed in data, each followed by a
 * NUL, with off[i]/len[i] locating field i. The arrays grow with the record, which is
 * bounded by the input, which kb_parse() has capped. */
struct csv_rec {
    struct sn_buf data;
    size_t *off, *len;
    size_t n, cap;
    unsigned long line; /* where the record starts */
};

struct csv {
    const char *p, *end;
    unsigned long line; /* line of p */
};

static int is_crlf(const struct csv *c, const char *p)
{
    return p + 1 < c->end && p[0] == '\r' && p[1] == '\n';
}

static int csv_add(struct csv_rec *r, const char *p, size_t n, struct sn_err *err)
{
    if (sn_buf_add(&r->data, p, n))
        return row_fail(err, r->line, SN_ETOOBIG, "record too large");
    return SN_OK;
}

static void csv_field_begin(struct csv_rec *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->off = sn_xrealloc(r->off, r->cap * sizeof *r->off);
        r->len = sn_xrealloc(r->len, r->cap * sizeof *r->len);
    }
    r->off[r->n] = r->data.len;
}

/* Reads the rest of a quoted field; c->p is just past the opening quote. A doubled
 * quote is one quote; CRLF inside the quotes becomes LF, because a spreadsheet on
 * Windows writes line breaks in a cell that way and answers keep only \n. */
static int csv_quoted(struct csv *c, struct csv_rec *r, struct sn_err *err)
{
    int rc = SN_OK;
    const char *run = c->p;
    for (;;) {
        if (c->p == c->end) {
            rc = row_fail(err, r->line, SN_EINVAL, "unterminated quoted field %zu", r->n + 1);
            goto out;
        }
        char ch = *c->p;
        if (ch != '"' && ch != '\r' && ch != '\n') {
            c->p++;
            continue;
        }
        rc = csv_add(r, run, (size_t)(c->p - run), err);
        if (rc)
            goto out;
        if (ch == '"' && c->p + 1 < c->end && c->p[1] == '"') {
            rc = csv_add(r, "\"", 1, err);
            c->p += 2;
        } else if (ch == '"') {
            c->p++;
            break;
        } else if (is_crlf(c, c->p)) {
            rc = csv_add(r, "\n", 1, err);
            c->p += 2;
            c->line++;
        } else {
            rc = csv_add(r, c->p, 1, err);
            c->line += ch == '\n';
            c->p++;
        }
        if (rc)
            goto out;
        run = c->p;
    }
    if (c->p < c->end && *c->p != ',' && *c->p != '\n' && !is_crlf(c, c->p))
        rc = row_fail(err, r->line, SN_EINVAL, "text after the closing quote of field %zu",
                      r->n + 1);
out:
    return rc;
}

/* Reads one record at c->p (which is not at the end). RFC 4180, with LF accepted as
 * well as CRLF to end a record. A lone CR is data, left for validation to refuse. */
static int csv_read(struct csv *c, struct csv_rec *r, struct sn_err *err)
{
    int rc = SN_OK;
    r->data.len = 0; /* keep the allocation from the previous record */
    r->n = 0;
    r->line = c->line;
    for (;;) {
        csv_field_begin(r);
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            rc = csv_quoted(c, r, err);
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && !is_crlf(c, c->p)) {
                if (*c->p == '"') {
                    rc = row_fail(err, r->line, SN_EINVAL,
                                  "stray quote in unquoted field %zu (quote the whole field and "
                                  "double the quote)",
                                  r->n + 1);
                    goto out;
                }
                c->p++;
            }
            rc = csv_add(r, s, (size_t)(c->p - s), err);
        }
        if (rc)
            goto out;
        r->len[r->n] = r->data.len - r->off[r->n];
        rc = csv_add(r, "", 1, err);
        if (rc)
            goto out;
        r->n++;
        if (c->p == c->end)
            break;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        c->p += is_crlf(c, c->p) ? 2 : 1;
        c->line++;
        break;
    }
out:
    return rc;
}

/* Skips records that are entirely empty lines, which RFC 4180 would read as one empty
 * field: spreadsheets and editors leave them at the end of files. The header has at
 * least three columns, so an empty line is never a real record. Returns 0 at the end. */
static int csv_skip_empty(struct csv *c)
{
    while (c->p < c->end) {
        if (*c->p == '\n')
            c->p++;
        else if (is_crlf(c, c->p))
            c->p += 2;
        else
            return 1;
        c->line++;
    }
    return 0;
}

/* Maps header fields to columns: map[i] is the column of field i. */
static int csv_header(const struct csv_rec *r, int *map, struct sn_err *err)
{
    int seen[COL_COUNT] = {0};
    char shown[QUOTE_MAX];
    for (size_t i = 0; i < r->n; i++) {
        const char *name = r->data.p + r->off[i];
        int c = col_find(name, r->len[i]);
        if (c < 0)
            return row_fail(err, r->line, SN_EINVAL, "unknown column \"%s\"",
                            quote(shown, name, r->len[i]));
        if (seen[c])
            return row_fail(err, r->line, SN_EINVAL, "duplicate column \"%s\"", col_names[c]);
        /* Unreachable: past COL_COUNT fields one is unknown or repeated. */
        if (i >= COL_COUNT)
            return row_fail(err, r->line, SN_EINVAL, "more than %d columns", COL_COUNT);
        seen[c] = 1;
        map[i] = c;
    }
    static const enum col required[] = {COL_LANG, COL_QUESTION, COL_ANSWER};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!seen[required[i]])
            return row_fail(err, r->line, SN_EINVAL, "missing column \"%s\"",
                            col_names[required[i]]);
    return SN_OK;
}

/* Splits a cell on "\n" into the list (*v, *n), dropping empty items; untouched on error. */
static int csv_strv(
    const char *s, size_t len, const char *name, int max, char ***v, int *n, struct sn_err *err)
{
    const char *end = s + len;
    size_t k = 0;
    for (const char *p = s; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ie = nl ? nl : end;
        k += ie > p;
        p = nl ? nl + 1 : end;
    }
    if (k > (size_t)max)
        return sn_err_set(err, SN_EINVAL, "%s: %zu items, at most %d allowed", name, k, max);
    char **items = k ? sn_xcalloc(k, sizeof *items) : NULL;
    k = 0;
    for (const char *p = s; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ie = nl ? nl : end;
        if (ie > p)
            items[k++] = sn_xstrndup(p, (size_t)(ie - p));
        p = nl ? nl + 1 : end;
    }
    *v = items;
    *n = (int)k;
    return SN_OK;
}

/* An empty cell leaves the number unset; otherwise only decimal digits are accepted. */
static int csv_number(struct kb_entry *e, enum col c, const char *s, size_t len, struct sn_err *err)
{
    char shown[QUOTE_MAX];
    long long v = 0;
    if (len == 0)
        return SN_OK;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (LLONG_MAX - (s[i] - '0')) / 10)
            return sn_err_set(err, SN_EINVAL, "%s: expected a non-negative integer, got \"%s\"",
                              col_names[c], quote(shown, s, len));
        v = v * 10 + (s[i] - '0');
    }
    return set_number(e, c, v, err);
}

/* Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula:
 * an exported FAQ opened in Excel must not. Export puts a ' before such a text cell, and
 * before one that starts with ' itself, so that import can take exactly that ' off again
 * and the round trip stays lossless. */
static const char formula_lead[] = "=+-@\t\r'";

static int csv_text_col(enum col c)
{
    return c == COL_ID || c == COL_CATEGORY || c == COL_QUESTION || c == COL_VARIANTS ||
           c == COL_ANSWER || c == COL_KEYWORDS;
}

static int csv_field(struct kb_entry *e, enum col c, const char *s, size_t len, struct sn_err *err)
{
    const char *nul = memchr(s, 0, len);
    if (nul)
        return sn_err_set(err, SN_EINVAL, "%s: NUL byte at byte %zu", col_names[c],
                          (size_t)(nul - s));
    if (csv_text_col(c) && len >= 2 && s[0] == '\'' &&
        memchr(formula_lead, s[1], sizeof formula_lead - 1)) {
        s++; /* the ' that export put before a formula-like cell */
        len--;
    }
    switch (c) {
    case COL_LANG:
        return set_lang(e, s, len, err);
    case COL_STATUS:
        return len ? set_status(e, s, len, err) : SN_OK;
    case COL_VARIANTS:
        return csv_strv(s, len, "variants", KB_MAX_VARIANTS, &e->variants, &e->n_variants, err);
    case COL_KEYWORDS:
        return csv_strv(s, len, "keywords", KB_MAX_KEYWORDS, &e->keywords, &e->n_keywords, err);
    case COL_VERSION:
    case COL_CREATED:
    case COL_UPDATED:
        return csv_number(e, c, s, len, err);
    default: {
        char **slot = str_slot(e, c);
        free(*slot);
        *slot = sn_xstrndup(s, len);
        return SN_OK;
    }
    }
}

static int csv_row(struct parse *ps, const struct csv_rec *r, const int *map, size_t ncols)
{
    int rc = SN_OK;
    struct kb_entry *e = NULL;
    struct sn_err ferr = {0};

    if (r->n != ncols) {
        rc = row_fail(ps->err, r->line, SN_EINVAL, "%zu fields, but the header has %zu", r->n,
                      ncols);
        goto out;
    }
    e = kb_entry_new();
    for (size_t i = 0; i < r->n; i++) {
        rc = csv_field(e, (enum col)map[i], r->data.p + r->off[i], r->len[i], &ferr);
        if (rc) {
            rc = row_fail(ps->err, r->line, rc, "%s", ferr.msg);
            goto out;
        }
    }
    rc = row_finish(ps, e, r->line);
    e = NULL;
out:
    kb_entry_free(e);
    return rc;
}

static int parse_csv(struct parse *ps, const char *p, const char *end)
{
    int rc = SN_OK;
    struct csv c = {p, end, 1};
    struct csv_rec r = {.off = NULL, .len = NULL, .n = 0, .cap = 0};
    int map[COL_COUNT];
    size_t ncols;

    /* A record's data is at most the input plus one NUL per field. */
    sn_buf_init(&r.data, 2 * (size_t)KB_MAX_IMPORT_BYTES + 2);
    if (!csv_skip_empty(&c)) {
        rc = row_fail(ps->err, c.line, SN_EINVAL,
                      "missing header record (e.g. id,lang,question,answer)");
        goto out;
    }
    rc = csv_read(&c, &r, ps->err);
    if (rc)
        goto out;
    rc = csv_header(&r, map, ps->err);
    if (rc)
        goto out;
    ncols = r.n;
    while (csv_skip_empty(&c)) {
        rc = csv_read(&c, &r, ps->err);
        if (rc)
            goto out;
        rc = csv_row(ps, &r, map, ncols);
        if (rc)
            goto out;
    }
out:
    sn_buf_fini(&r.data);
    free(r.off);
    free(r.len);
    return rc;
}

/* ---- entry point ---- */

int kb_parse(
    enum kb_format fmt, const char *buf, size_t len, struct kb_entry_list *out, struct sn_err *err)
{
    int rc = SN_OK;
    assert(out && (buf || len == 0));
    size_t n0 = out->n;
    struct parse ps = {.out = out, .ids = {NULL, 0, 0}, .err = err};

    if (!buf)
        buf = ""; /* an empty file may come as NULL, 0; NULL + 0 is undefined */
    if (len > KB_MAX_IMPORT_BYTES) {
        rc = sn_err_set(err, SN_ETOOBIG, "file is %zu bytes, the import limit is %u", len,
                        KB_MAX_IMPORT_BYTES);
        goto out;
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    if (fmt == KB_FMT_JSONL)
        rc = parse_jsonl(&ps, buf, buf + len);
    else if (fmt == KB_FMT_CSV)
        rc = parse_csv(&ps, buf, buf + len);
    else
        rc = sn_err_set(err, SN_EINVAL, "unknown format %d", (int)fmt);
out:
    free(ps.ids.v);
    if (rc) {
        /* All or nothing: drop every entry this call appended. */
        while (out->n > n0)
            kb_entry_free(out->v[--out->n]);
    }
    return rc;
}

/* ---- writers ---- */

static const char *str0(const char *s)
{
    return s ? s : "";
}

static json_t *json_strv_new(char *const *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n && a; i++) {
        if (json_array_append_new(a, json_string(str0(v[i])))) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* json_string() returns NULL on invalid UTF-8 and json_object_set_new() then fails, so
 * one flag catches an entry that skipped kb_entry_validate(). */
static int json_write(const struct kb_entry *e, struct sn_buf *out)
{
    int rc = SN_OK;
    json_t *o = json_object();
    char *line = NULL;
    int bad = !kb_status_name(e->status);

    bad |= json_object_set_new(o, "id", json_string(str0(e->id)));
    bad |= json_object_set_new(o, "lang", json_stringn(e->lang, strnlen(e->lang, 2)));
    bad |= json_object_set_new(o, "category", json_string(str0(e->category)));
    bad |= json_object_set_new(o, "question", json_string(str0(e->question)));
    bad |= json_object_set_new(o, "variants", json_strv_new(e->variants, e->n_variants));
    bad |= json_object_set_new(o, "answer", json_string(str0(e->answer)));
    bad |= json_object_set_new(o, "keywords", json_strv_new(e->keywords, e->n_keywords));
    bad |= json_object_set_new(o, "status", json_string(str0(kb_status_name(e->status))));
    /* 0 means "not set" and the parser refuses version 0, so unset numbers are left out. */
    if (e->version)
        bad |= json_object_set_new(o, "version", json_integer(e->version));
    if (e->created)
        bad |= json_object_set_new(o, "created", json_integer(e->created));
    if (e->updated)
        bad |= json_object_set_new(o, "updated", json_integer(e->updated));
    if (bad) {
        rc = SN_EINVAL;
        goto out;
    }
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!line) {
        rc = SN_EINVAL;
        goto out;
    }
    size_t n = strlen(line);
    /* Check room for the line and its "\n" together so out is unchanged on failure. */
    if (n + 1 > out->max || out->len > out->max - (n + 1)) {
        rc = SN_ETOOBIG;
        goto out;
    }
    sn_buf_add(out, line, n);
    sn_buf_add(out, "\n", 1);
out:
    free(line);
    json_decref(o);
    return rc;
}

/* Quotes a field only when it must be (comma, quote, CR or LF), doubling quotes. With
 * defuse, a cell that starts like a formula gets a ' first (formula_lead). */
static int csv_put(struct sn_buf *b, const char *s, size_t n, int defuse)
{
    int rc = SN_OK;
    const char *lead =
        defuse && n && memchr(formula_lead, s[0], sizeof formula_lead - 1) ? "'" : "";
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\r', n) && !memchr(s, '\n', n)) {
        rc = sn_buf_adds(b, lead);
        return rc ? rc : sn_buf_add(b, s, n);
    }
    rc = sn_buf_add(b, "\"", 1);
    if (!rc)
        rc = sn_buf_adds(b, lead);
    while (!rc && n) {
        const char *q = memchr(s, '"', n);
        size_t k = q ? (size_t)(q - s) + 1 : n;
        rc = sn_buf_add(b, s, k);
        if (!rc && q)
            rc = sn_buf_add(b, "\"", 1);
        s += k;
        n -= k;
    }
    if (!rc)
        rc = sn_buf_add(b, "\"", 1);
    return rc;
}

static int csv_join(struct sn_buf *b, char *const *v, int n)
{
    int rc = SN_OK;
    for (int i = 0; i < n && !rc; i++) {
        if (i)
            rc = sn_buf_add(b, "\n", 1);
        if (!rc)
            rc = sn_buf_adds(b, str0(v[i]));
    }
    return rc;
}

/* The record is built aside and appended in one step, so out is unchanged on failure. */
static int csv_write(const struct kb_entry *e, struct sn_buf *out)
{
    int rc = SN_OK;
    struct sn_buf rec, variants, keywords;
    char num[3][24] = {"", "", ""};
    const char *cell[COL_COUNT];

    sn_buf_init(&rec, out->max);
    sn_buf_init(&variants, out->max);
    sn_buf_init(&keywords, out->max);
    if (!kb_status_name(e->status)) {
        rc = SN_EINVAL;
        goto out;
    }
    rc = csv_join(&variants, e->variants, e->n_variants);
    if (!rc)
        rc = csv_join(&keywords, e->keywords, e->n_keywords);
    if (rc)
        goto out;
    /* 0 means "not set" and is written as an empty cell, which reads back as 0. */
    if (e->version)
        snprintf(num[0], sizeof num[0], "%d", e->version);
    if (e->created)
        snprintf(num[1], sizeof num[1], "%lld", e->created);
    if (e->updated)
        snprintf(num[2], sizeof num[2], "%lld", e->updated);
    cell[COL_ID] = str0(e->id);
    cell[COL_LANG] = e->lang;
    cell[COL_CATEGORY] = str0(e->category);
    cell[COL_QUESTION] = str0(e->question);
    cell[COL_VARIANTS] = variants.p ? variants.p : "";
    cell[COL_ANSWER] = str0(e->answer);
    cell[COL_KEYWORDS] = keywords.p ? keywords.p : "";
    cell[COL_STATUS] = kb_status_name(e->status);
    cell[COL_VERSION] = num[0];
    cell[COL_CREATED] = num[1];
    cell[COL_UPDATED] = num[2];
    for (int c = 0; c < COL_COUNT && !rc; c++) {
        size_t n = c == COL_LANG ? strnlen(e->lang, sizeof e->lang) : strlen(cell[c]);
        rc = csv_put(&rec, cell[c], n, csv_text_col((enum col)c));
        if (!rc)
            rc = sn_buf_add(&rec, c + 1 < COL_COUNT ? "," : "\n", 1);
    }
    if (rc)
        goto out;
    rc = sn_buf_add(out, rec.p, rec.len);
out:
    sn_buf_fini(&keywords);
    sn_buf_fini(&variants);
    sn_buf_fini(&rec);
    return rc;
}

int kb_write_entry(enum kb_format fmt, const struct kb_entry *e, struct sn_buf *out)
{
    if (fmt == KB_FMT_JSONL)
        return json_write(e, out);
    if (fmt == KB_FMT_CSV)
        return csv_write(e, out);
    return SN_EINVAL;
}

int kb_write_csv_header(struct sn_buf *out)
{
    return sn_buf_adds(out, "id,lang,category,question,variants,answer,keywords,status,version,"
                            "created,updated\n");
}
