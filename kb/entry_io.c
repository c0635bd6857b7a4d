/* The two file formats of a knowledge base: JSON Lines (one object per line, parsed with
 * jansson) and RFC 4180 CSV (a small hand-written reader, since the quoting rules are
 * the whole difficulty and we want line numbers in every error).
 *
 * Both parsers share one row pipeline: decode the row into a fresh kb_entry (tidying each
 * field on the way when importing: kb_parse_import()), run kb_entry_validate(), check the
 * id against the ids already seen in this file, push it onto the caller's list. A row that
 * fails is filed (note_bad) and parsing goes on, so one run names every bad row; at the end
 * any failure truncates the list back to its length on entry, so a parse is all or
 * nothing. Every message starts with "line N: ". */
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

static int word_eq(const char *s, size_t n, const char *word, int fold);

/* The column named s[0..n), in any ASCII case with fold; -1 if none. */
static int col_find(const char *s, size_t n, int fold)
{
    for (int i = 0; i < COL_COUNT; i++)
        if (word_eq(s, n, col_names[i], fold))
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

/* ---- the parse ---- */

/* What tidying did to the row being read; added to the report only if the row is kept. */
struct row_tidy {
    int trimmed, joined, folded, dropped;
};

/* One kb_parse() or kb_parse_import() run. Row functions fail into err, which points at
 * row_err; note_bad() then files the failure and parsing goes on with the next row. */
struct parse {
    struct kb_entry_list *out;
    struct id_set ids;
    int tidy; /* kb_parse_import(): tidy fields, skip rows with no content */
    struct row_tidy row;
    struct kb_import_report *rep;
    struct sn_buf bad; /* the listed failures, for rep->bad */
    struct sn_err *err;
    struct sn_err row_err;
    struct sn_err *first; /* the caller's err: gets the first failure */
    int rc;               /* the first failure's code */
};

/* Files the failure in ps->row_err: the first one goes to the caller's err, the first
 * KB_MAX_LISTED_ROWS into the list, and all are counted. */
static void note_bad(struct parse *ps)
{
    if (ps->rep->n_bad == 0) {
        ps->rc = ps->row_err.code ? ps->row_err.code : SN_EINVAL;
        if (ps->first)
            *ps->first = ps->row_err;
    }
    /* A file under KB_MAX_IMPORT_BYTES has fewer rows than INT_MAX. */
    ps->rep->n_bad++;
    if (ps->rep->n_bad <= KB_MAX_LISTED_ROWS)
        sn_buf_printf(&ps->bad, "%s\n", ps->row_err.msg);
    ps->row_err = (struct sn_err){0};
}

/* ---- tidying (kb_parse_import) ---- */

/* Unicode White_Space (which holds the line breaks) plus ZWSP, WORD JOINER and BOM: copy and
 * paste from web pages and files glued together leave these invisible ones at the ends of
 * cells. ZWNJ, ZWJ, LRM and RLM are kept: at the start of an Arabic question an RLM sets the
 * direction it is shown in, and validation counts a field of only those as empty anyway. */
static int is_pad(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF;
}

/* The mandatory breaks of Unicode line breaking: LF, VT, FF, CR, NEL, LS, PS. Word writes VT
 * for a line break inside a paragraph, and a spreadsheet cell keeps whatever was pasted. */
static int is_break(uint32_t cp)
{
    return (cp >= 0x0A && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

/* Decodes the code point at s[*i] and advances *i past it. Only for text that passed
 * sn_utf8_valid(): tidying leaves invalid text as it is, for validation to report. */
static uint32_t cp_next(const char *s, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    size_t k = u[0] < 0x80 ? 1 : (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3 : 4;
    uint32_t cp = k == 1 ? u[0] : u[0] & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        cp = (cp << 6) | (u[j] & 0x3F);
    *i += k;
    return cp;
}

/* True when s[0..n) is valid UTF-8 made only of padding (or empty). */
static int all_pad(const char *s, size_t n)
{
    if (!sn_utf8_valid(s, n, NULL))
        return 0;
    for (size_t i = 0; i < n;)
        if (!is_pad(cp_next(s, &i)))
            return 0;
    return 1;
}

enum shape {
    SHAPE_WORD, /* id, lang, status, numbers: trimmed only */
    SHAPE_LINE, /* category, question, variant, keyword: line breaks become one space */
    SHAPE_TEXT, /* answer: line breaks become \n */
};

enum { DID_TRIM = 1, DID_JOIN = 2 };

/* Returns a copy of s[0..n) owned by the caller, its length in *len. Importing, the copy is
 * trimmed and its line breaks handled as shape says, and *did gets DID_* bits. Otherwise, and
 * for invalid UTF-8 (which validation then reports at its byte), the copy is exact. It is
 * never longer than n. */
static char *
tidy(const struct parse *ps, const char *s, size_t n, enum shape shape, size_t *len, int *did)
{
    char *o = sn_xmalloc(n + 1);
    size_t lo = n, hi = n, k = 0;
    if (!ps->tidy || !sn_utf8_valid(s, n, NULL)) {
        if (n)
            memcpy(o, s, n);
        o[n] = 0;
        *len = n;
        return o;
    }
    for (size_t i = 0; i < n;) {
        size_t at = i;
        if (!is_pad(cp_next(s, &i))) {
            if (lo == n)
                lo = at;
            hi = i;
        }
    }
    if (lo == n)
        lo = hi = 0; /* nothing but padding */
    if (lo > 0 || hi < n)
        *did |= DID_TRIM;
    for (size_t i = lo; i < hi;) {
        size_t at = i;
        uint32_t cp = cp_next(s, &i);
        if (shape == SHAPE_LINE && is_pad(cp)) {
            /* A run of white space that holds a line break becomes one space. */
            int brk = is_break(cp);
            while (i < hi) {
                size_t j = i;
                uint32_t c2 = cp_next(s, &j);
                if (!is_pad(c2))
                    break;
                brk |= is_break(c2);
                i = j;
            }
            if (brk) {
                o[k++] = ' ';
                *did |= DID_JOIN;
                continue;
            }
        } else if (shape == SHAPE_TEXT && is_break(cp)) {
            if (cp == '\r' && i < hi && s[i] == '\n')
                i++;
            o[k++] = '\n';
            continue;
        }
        memcpy(o + k, s + at, i - at);
        k += i - at;
    }
    o[k] = 0;
    *len = k;
    return o;
}

static void count_tidy(struct parse *ps, int did)
{
    ps->row.trimmed += (did & DID_TRIM) != 0;
    ps->row.joined += (did & DID_JOIN) != 0;
}

/* ASCII case-insensitive s[0..n) == word (NUL-terminated). */
static int word_eq(const char *s, size_t n, const char *word, int fold)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (fold && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* ---- the row pipeline ---- */

/* Validates e and appends it to the output, then counts what tidying did to it. Takes
 * ownership of e in every case. */
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
    ps->rep->trimmed += ps->row.trimmed;
    ps->rep->joined += ps->row.joined;
    ps->rep->folded += ps->row.folded;
    ps->rep->dropped += ps->row.dropped;
out:
    kb_entry_free(e);
    return rc;
}

/* lang is a char[3]; anything that is not "ar"/"en" (in any case, importing) is refused
 * here with its full text, before it would have to be cut to fit. */
static int
set_lang(struct parse *ps, struct kb_entry *e, const char *s, size_t n, struct sn_err *err)
{
    char shown[QUOTE_MAX];
    static const char *const langs[] = {"ar", "en"};
    if (n == 0)
        return sn_err_set(err, SN_EINVAL, "lang: missing (expected ar or en)");
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        if (word_eq(s, n, langs[i], ps->tidy)) {
            ps->row.folded += memcmp(s, langs[i], 2) != 0;
            memcpy(e->lang, langs[i], 3);
            return SN_OK;
        }
    }
    return sn_err_set(err, SN_EINVAL, "lang: unknown language \"%s\" (expected ar or en)",
                      quote(shown, s, n));
}

static int
set_status(struct parse *ps, struct kb_entry *e, const char *s, size_t n, struct sn_err *err)
{
    char shown[QUOTE_MAX];
    static const int st[] = {KB_PUBLISHED, KB_DRAFT};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        const char *name = kb_status_name(st[i]);
        if (word_eq(s, n, name, ps->tidy)) {
            ps->row.folded += memcmp(s, name, n) != 0;
            e->status = st[i];
            return SN_OK;
        }
    }
    return sn_err_set(err, SN_EINVAL, "status: unknown status \"%s\" (expected published or draft)",
                      quote(shown, s, n));
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

static enum shape col_shape(enum col c)
{
    return c == COL_ANSWER                          ? SHAPE_TEXT
           : c == COL_CATEGORY || c == COL_QUESTION ? SHAPE_LINE
                                                    : SHAPE_WORD;
}

/* Sets string field c (id, category, question, answer, lang, status) from the raw text
 * s[0..n), tidied when importing. Importing, a blank status is an absent one, and a question
 * or answer that held only white space says so. */
static int set_field(
    struct parse *ps, struct kb_entry *e, enum col c, const char *s, size_t n, struct sn_err *err)
{
    int rc = SN_OK, did = 0;
    size_t len;
    char *t = tidy(ps, s, n, col_shape(c), &len, &did);
    count_tidy(ps, did);
    if (c == COL_LANG) {
        rc = set_lang(ps, e, t, len, err);
    } else if (c == COL_STATUS) {
        if (len || !ps->tidy)
            rc = set_status(ps, e, t, len, err);
    } else if (ps->tidy && len == 0 && n > 0 && (c == COL_QUESTION || c == COL_ANSWER)) {
        rc =
            sn_err_set(err, SN_EINVAL, "%s: empty (only white space or line breaks)", col_names[c]);
    } else {
        char **slot = str_slot(e, c);
        free(*slot);
        *slot = t;
        t = NULL;
    }
    free(t);
    return rc;
}

/* Collects the items of a list field. Importing, each is tidied as a line and a blank one is
 * left out (and counted); the count is checked against max after that. */
struct strv_acc {
    char **v;
    size_t n, cap; /* n counts past max too, for the message */
};

static void strv_acc_add(struct parse *ps, struct strv_acc *a, const char *s, size_t n, int max)
{
    int did = 0;
    size_t len;
    char *t = tidy(ps, s, n, SHAPE_LINE, &len, &did);
    if (ps->tidy && len == 0) {
        ps->row.dropped++;
        free(t);
        return;
    }
    count_tidy(ps, did);
    if (++a->n > (size_t)max) {
        free(t);
        return;
    }
    if (a->n > a->cap) {
        a->cap = a->cap ? 2 * a->cap : 8;
        a->v = sn_xrealloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n - 1] = t;
}

/* Moves the items into (*v, *n), or fails past max leaving them untouched. */
static int
strv_acc_end(struct strv_acc *a, const char *name, int max, char ***v, int *n, struct sn_err *err)
{
    if (a->n > (size_t)max) {
        for (int i = 0; i < max; i++)
            free(a->v[i]);
        free(a->v);
        return sn_err_set(err, SN_EINVAL, "%s: %zu items, at most %d allowed", name, a->n, max);
    }
    *v = a->v;
    *n = (int)a->n;
    return SN_OK;
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
static int json_strv(struct parse *ps,
                     const json_t *a,
                     const char *name,
                     int max,
                     char ***v,
                     int *n,
                     struct sn_err *err)
{
    struct strv_acc acc = {NULL, 0, 0};
    if (!json_is_array(a))
        return sn_err_set(err, SN_EINVAL, "%s: expected an array of strings, got %s", name,
                          json_kind(a));
    size_t k = json_array_size(a);
    /* Strictly, no item is dropped, so the count can be checked before anything is copied. */
    if (!ps->tidy && k > (size_t)max)
        return sn_err_set(err, SN_EINVAL, "%s: %zu items, at most %d allowed", name, k, max);
    for (size_t i = 0; i < k; i++)
        if (!json_is_string(json_array_get(a, i)))
            return sn_err_set(err, SN_EINVAL, "%s[%zu]: expected a string, got %s", name, i,
                              json_kind(json_array_get(a, i)));
    for (size_t i = 0; i < k; i++) {
        const json_t *s = json_array_get(a, i);
        strv_acc_add(ps, &acc, json_string_value(s), json_string_length(s), max);
    }
    return strv_acc_end(&acc, name, max, v, n, err);
}

/* Copies one field of the object into e. Strings cannot hold NUL: jansson refuses
 * \u0000 unless JSON_ALLOW_NUL is passed, which we never do. */
static int
json_field(struct parse *ps, struct kb_entry *e, enum col c, const json_t *v, struct sn_err *err)
{
    const char *name = col_names[c];
    switch (c) {
    case COL_VARIANTS:
        return json_strv(ps, v, name, KB_MAX_VARIANTS, &e->variants, &e->n_variants, err);
    case COL_KEYWORDS:
        return json_strv(ps, v, name, KB_MAX_KEYWORDS, &e->keywords, &e->n_keywords, err);
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
    return set_field(ps, e, c, json_string_value(v), json_string_length(v), err);
}

/* A row with no content: every value null, a blank string, or a list of blank strings. */
static int json_row_empty(json_t *root)
{
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (json_is_string(val) && all_pad(json_string_value(val), json_string_length(val)))
            continue;
        if (json_is_array(val)) {
            for (size_t i = 0; i < json_array_size(val); i++) {
                const json_t *s = json_array_get(val, i);
                if (!json_is_string(s) || !all_pad(json_string_value(s), json_string_length(s)))
                    return 0;
            }
            continue;
        }
        if (!json_is_null(val))
            return 0;
    }
    return 1;
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
        if (col_find(key, strlen(key), 0) < 0) {
            rc = row_fail(ps->err, line, SN_EINVAL, "unknown field \"%s\"",
                          quote(shown, key, strlen(key)));
            goto out;
        }
    }
    if (ps->tidy && json_row_empty(root)) {
        ps->rep->skipped++;
        goto out;
    }
    e = kb_entry_new();
    for (int c = 0; c < COL_COUNT; c++) {
        val = json_object_get(root, col_names[c]);
        if (ps->tidy && json_is_null(val))
            val = NULL; /* an export's "category": null is no category */
        if (!val) {
            if (c == COL_LANG || c == COL_QUESTION || c == COL_ANSWER) {
                rc = row_fail(ps->err, line, SN_EINVAL, "%s: missing", col_names[c]);
                goto out;
            }
            continue;
        }
        rc = json_field(ps, e, (enum col)c, val, &ferr);
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

/* A blank line is no row. Strictly that is spaces, tabs and CRs; importing, any padding, and
 * it is counted as a skipped row. */
static int jsonl_blank(struct parse *ps, const char *p, size_t n)
{
    if (ps->tidy) {
        if (!all_pad(p, n))
            return 0;
        ps->rep->skipped++;
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

static void parse_jsonl(struct parse *ps, const char *p, const char *end)
{
    unsigned long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        size_t n = (size_t)(le - p);
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        ps->row = (struct row_tidy){0};
        if (!jsonl_blank(ps, p, n) && jsonl_row(ps, p, n, line))
            note_bad(ps);
        p = next;
    }
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
    int tidy;           /* importing: spaces around a quoted field are padding, not text */
};

/* Past spaces and tabs from p, importing; p itself otherwise. */
static const char *csv_pad(const struct csv *c, const char *p)
{
    while (c->tidy && p < c->end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

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
    c->p = csv_pad(c, c->p);
    if (c->p < c->end && *c->p != ',' && *c->p != '\n' && !is_crlf(c, c->p))
        rc = row_fail(err, r->line, SN_EINVAL, "text after the closing quote of field %zu",
                      r->n + 1);
out:
    return rc;
}

/* Reads one record at c->p (which is not at the end). RFC 4180, with LF accepted as
 * well as CRLF to end a record. A lone CR is data, left for validation to refuse (or,
 * importing, for tidying to read as a line break). */
static int csv_read(struct csv *c, struct csv_rec *r, struct sn_err *err)
{
    int rc = SN_OK;
    r->data.len = 0; /* keep the allocation from the previous record */
    r->n = 0;
    r->line = c->line;
    for (;;) {
        csv_field_begin(r);
        const char *q = csv_pad(c, c->p);
        if (q < c->end && *q == '"') {
            c->p = q + 1;
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

/* After a record that could not be read, goes on at the next line, so that the rows after
 * it are checked too. (An unterminated quote has run to the end: nothing follows.) */
static void csv_resync(struct csv *c)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    c->p = nl ? nl + 1 : c->end;
    c->line += nl != NULL;
}

/* Skips records that are entirely empty lines, which RFC 4180 would read as one empty
 * field: spreadsheets and editors leave them at the end of files. The header has at
 * least three columns, so an empty line is never a real record. Importing, each is counted
 * as a skipped row. Returns 0 at the end. */
static int csv_skip_empty(struct parse *ps, struct csv *c)
{
    while (c->p < c->end) {
        if (*c->p == '\n')
            c->p++;
        else if (is_crlf(c, c->p))
            c->p += 2;
        else
            return 1;
        c->line++;
        ps->rep->skipped += ps->tidy;
    }
    return 0;
}

/* A spreadsheet's empty row: every cell blank (as many commas as columns, or fewer). */
static int csv_blank(const struct csv_rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (!all_pad(r->data.p + r->off[i], r->len[i]))
            return 0;
    return 1;
}

/* Maps header fields to columns: map[i] is the column of field i. Importing, names are
 * trimmed and match in any case ("Question "), as a spreadsheet's header row is typed. */
static int csv_header(struct parse *ps, const struct csv_rec *r, int *map)
{
    int seen[COL_COUNT] = {0}, rc = SN_OK, did = 0;
    char shown[QUOTE_MAX];
    for (size_t i = 0; i < r->n && !rc; i++) {
        size_t len;
        char *name = tidy(ps, r->data.p + r->off[i], r->len[i], SHAPE_WORD, &len, &did);
        int c = col_find(name, len, ps->tidy);
        if (c < 0)
            rc = row_fail(ps->err, r->line, SN_EINVAL, "unknown column \"%s\"",
                          quote(shown, name, len));
        else if (seen[c])
            rc = row_fail(ps->err, r->line, SN_EINVAL, "duplicate column \"%s\"", col_names[c]);
        /* Unreachable: past COL_COUNT fields one is unknown or repeated. */
        else if (i >= COL_COUNT)
            rc = row_fail(ps->err, r->line, SN_EINVAL, "more than %d columns", COL_COUNT);
        else
            seen[c] = 1, map[i] = c;
        free(name);
    }
    static const enum col required[] = {COL_LANG, COL_QUESTION, COL_ANSWER};
    for (size_t i = 0; i < sizeof required / sizeof required[0] && !rc; i++)
        if (!seen[required[i]])
            rc = row_fail(ps->err, r->line, SN_EINVAL, "missing column \"%s\"",
                          col_names[required[i]]);
    return rc;
}

/* The end of the item at s[i..n) of a list cell, and in *next where the next one starts.
 * Strictly items are split on \n; importing, on any line break (CRLF as one). */
static size_t item_end(const struct parse *ps, const char *s, size_t n, size_t i, size_t *next)
{
    if (!ps->tidy || !sn_utf8_valid(s, n, NULL)) {
        const char *nl = memchr(s + i, '\n', n - i);
        *next = nl ? (size_t)(nl - s) + 1 : n;
        return nl ? (size_t)(nl - s) : n;
    }
    while (i < n) {
        size_t at = i;
        uint32_t cp = cp_next(s, &i);
        if (is_break(cp)) {
            if (cp == '\r' && i < n && s[i] == '\n')
                i++;
            *next = i;
            return at;
        }
    }
    *next = n;
    return n;
}

/* Splits a cell into the list (*v, *n), one item per line, dropping empty lines; untouched
 * on error. */
static int csv_strv(struct parse *ps,
                    const char *s,
                    size_t len,
                    const char *name,
                    int max,
                    char ***v,
                    int *n,
                    struct sn_err *err)
{
    struct strv_acc acc = {NULL, 0, 0};
    for (size_t i = 0, next; i < len; i = next) {
        size_t end = item_end(ps, s, len, i, &next);
        if (end > i) /* an empty line is no item (a cell may end in a line break) */
            strv_acc_add(ps, &acc, s + i, end - i, max);
    }
    return strv_acc_end(&acc, name, max, v, n, err);
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

static int csv_field(
    struct parse *ps, struct kb_entry *e, enum col c, const char *s, size_t len, struct sn_err *err)
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
    case COL_STATUS:
        /* An empty cell is the default; importing, so is a blank one (set_field). */
        return len ? set_field(ps, e, c, s, len, err) : SN_OK;
    case COL_VARIANTS:
        return csv_strv(ps, s, len, "variants", KB_MAX_VARIANTS, &e->variants, &e->n_variants, err);
    case COL_KEYWORDS:
        return csv_strv(ps, s, len, "keywords", KB_MAX_KEYWORDS, &e->keywords, &e->n_keywords, err);
    case COL_VERSION:
    case COL_CREATED:
    case COL_UPDATED: {
        int did = 0;
        size_t n;
        char *t = tidy(ps, s, len, SHAPE_WORD, &n, &did);
        int rc = csv_number(e, c, t, n, err);
        count_tidy(ps, did);
        free(t);
        return rc;
    }
    default:
        return set_field(ps, e, c, s, len, err);
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
        rc = csv_field(ps, e, (enum col)map[i], r->data.p + r->off[i], r->len[i], &ferr);
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

/* Reads the next record that is not blank (importing, a record of blank cells is skipped
 * and counted). Returns 0 at the end, -1 after a record that could not be read (filed with
 * note_bad()), 1 with a record in r. */
static int csv_next(struct parse *ps, struct csv *c, struct csv_rec *r)
{
    for (;;) {
        if (!csv_skip_empty(ps, c))
            return 0;
        ps->row = (struct row_tidy){0};
        if (csv_read(c, r, ps->err)) {
            note_bad(ps);
            csv_resync(c);
            return -1;
        }
        if (!ps->tidy || !csv_blank(r))
            return 1;
        ps->rep->skipped++;
    }
}

static void parse_csv(struct parse *ps, const char *p, const char *end)
{
    struct csv c = {p, end, 1, ps->tidy};
    struct csv_rec r = {.off = NULL, .len = NULL, .n = 0, .cap = 0};
    int map[COL_COUNT], got;
    size_t ncols;

    /* A record's data is at most the input plus one NUL per field. */
    sn_buf_init(&r.data, 2 * (size_t)KB_MAX_IMPORT_BYTES + 2);
    /* Without its header no row can be read: a bad header is the one failure. */
    got = csv_next(ps, &c, &r);
    if (got == 0) {
        row_fail(ps->err, c.line, SN_EINVAL,
                 "missing header record (e.g. id,lang,question,answer)");
        note_bad(ps);
    }
    if (got <= 0)
        goto out;
    if (csv_header(ps, &r, map)) {
        note_bad(ps);
        goto out;
    }
    ncols = r.n;
    while ((got = csv_next(ps, &c, &r)) != 0)
        if (got > 0 && csv_row(ps, &r, map, ncols))
            note_bad(ps);
out:
    sn_buf_fini(&r.data);
    free(r.off);
    free(r.len);
}

/* ---- entry points ---- */

static int parse_file(enum kb_format fmt,
                      const char *buf,
                      size_t len,
                      int tidy_rows,
                      struct kb_entry_list *out,
                      struct kb_import_report *rep,
                      struct sn_err *err)
{
    int rc = SN_OK;
    assert(out && rep && (buf || len == 0));
    size_t n0 = out->n;
    struct parse ps = {
        .out = out, .ids = {NULL, 0, 0}, .tidy = tidy_rows, .rep = rep, .first = err};

    ps.err = &ps.row_err;
    memset(rep, 0, sizeof *rep);
    /* KB_MAX_LISTED_ROWS messages of sizeof err->msg, and the "and N more" line. */
    sn_buf_init(&ps.bad, (KB_MAX_LISTED_ROWS + 1) * (sizeof ps.row_err.msg + 1));
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
        parse_jsonl(&ps, buf, buf + len);
    else if (fmt == KB_FMT_CSV)
        parse_csv(&ps, buf, buf + len);
    else
        rc = sn_err_set(err, SN_EINVAL, "unknown format %d", (int)fmt);
    if (rc || !rep->n_bad)
        goto out;
    rc = ps.rc;
    if (rep->n_bad > KB_MAX_LISTED_ROWS)
        sn_buf_printf(&ps.bad, "and %d more invalid rows\n", rep->n_bad - KB_MAX_LISTED_ROWS);
    rep->bad = sn_buf_take(&ps.bad);
    if (err && rep->n_bad > 1) {
        size_t at = strlen(err->msg);
        snprintf(err->msg + at, sizeof err->msg - at, " (and %d more invalid rows)",
                 rep->n_bad - 1);
    }
out:
    sn_buf_fini(&ps.bad);
    free(ps.ids.v);
    if (rc) {
        /* All or nothing: drop every entry this call appended, and what was counted of them. */
        while (out->n > n0)
            kb_entry_free(out->v[--out->n]);
        rep->trimmed = rep->joined = rep->folded = rep->skipped = rep->dropped = 0;
    }
    return rc;
}

int kb_parse(
    enum kb_format fmt, const char *buf, size_t len, struct kb_entry_list *out, struct sn_err *err)
{
    struct kb_import_report rep;
    int rc = parse_file(fmt, buf, len, 0, out, &rep, err);
    kb_import_report_fini(&rep);
    return rc;
}

int kb_parse_import(enum kb_format fmt,
                    const char *buf,
                    size_t len,
                    struct kb_entry_list *out,
                    struct kb_import_report *rep,
                    struct sn_err *err)
{
    return parse_file(fmt, buf, len, 1, out, rep, err);
}

void kb_import_report_fini(struct kb_import_report *r)
{
    if (!r)
        return;
    free(r->bad);
    memset(r, 0, sizeof *r);
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
