/* One knowledge-base entry in memory: construction, deep copy, validation and the
 * growable list the parsers fill. File formats live in kb/entry_io.c. */
#include "kb/entry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kb_entry *kb_entry_new(void)
{
    struct kb_entry *e = sn_xcalloc(1, sizeof *e);
    e->id = sn_xstrdup("");
    e->category = sn_xstrdup("");
    e->question = sn_xstrdup("");
    e->answer = sn_xstrdup("");
    e->status = KB_PUBLISHED;
    return e;
}

static void strv_free(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void kb_entry_free(struct kb_entry *e)
{
    if (!e)
        return;
    free(e->id);
    free(e->category);
    free(e->question);
    strv_free(e->variants, e->n_variants);
    free(e->answer);
    strv_free(e->keywords, e->n_keywords);
    free(e);
}

/* NULL strings are copied as "", so a copy always satisfies "never NULL". */
static char *str_dup0(const char *s)
{
    return sn_xstrdup(s ? s : "");
}

static char **strv_dup(char *const *v, int n)
{
    if (!v || n <= 0)
        return NULL;
    char **c = sn_xcalloc((size_t)n, sizeof *c);
    for (int i = 0; i < n; i++)
        c[i] = str_dup0(v[i]);
    return c;
}

struct kb_entry *kb_entry_dup(const struct kb_entry *e)
{
    if (!e)
        return NULL;
    struct kb_entry *c = sn_xcalloc(1, sizeof *c);
    c->id = str_dup0(e->id);
    memcpy(c->lang, e->lang, sizeof c->lang);
    c->lang[sizeof c->lang - 1] = 0;
    c->category = str_dup0(e->category);
    c->question = str_dup0(e->question);
    c->variants = strv_dup(e->variants, e->n_variants);
    c->n_variants = c->variants ? e->n_variants : 0;
    c->answer = str_dup0(e->answer);
    c->keywords = strv_dup(e->keywords, e->n_keywords);
    c->n_keywords = c->keywords ? e->n_keywords : 0;
    c->status = e->status;
    c->created = e->created;
    c->updated = e->updated;
    c->version = e->version;
    return c;
}

int kb_status_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "published") == 0)
        return KB_PUBLISHED;
    if (strcmp(s, "draft") == 0)
        return KB_DRAFT;
    return -1;
}

const char *kb_status_name(int status)
{
    switch (status) {
    case KB_PUBLISHED:
        return "published";
    case KB_DRAFT:
        return "draft";
    default:
        return NULL;
    }
}

/* ---- validation ---- */

/* Decodes one code point from well-formed UTF-8 (checked by the caller first). */
static unsigned utf8_next(const unsigned char *s, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    unsigned cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += len;
    return cp;
}

/* Unicode White_Space plus the invisible marks an Arabic editor leaves behind
 * (ZWSP, ZWNJ, ZWJ, LRM, RLM, BOM): a question made only of these looks empty to
 * the visitor and to the agent editing it, so it counts as empty. */
static int is_space_cp(unsigned cp)
{
    static const unsigned spaces[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,
                                      0xA0,   0x1680, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
                                      0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
    if (cp >= 0x2000 && cp <= 0x200A)
        return 1;
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        if (cp == spaces[i])
            return 1;
    return 0;
}

static int text_blank(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    if (!sn_utf8_valid(s, n, NULL))
        return 0;
    while (i < n)
        if (!is_space_cp(utf8_next(u, &i)))
            return 0;
    return 1;
}

enum text_rule {
    TEXT_LINE = 0,      /* one line: no control characters except \t */
    TEXT_MULTILINE = 1, /* answers: \n and \t allowed */
};

/* Checks one string field. name is the field as the user sees it ("variants[2]");
 * required fields must not be blank. The order of checks is cap, encoding, control
 * characters, blankness, so a 100 KB question reports its size, not its content. */
static int check_text(const char *name,
                      const char *s,
                      size_t cap,
                      enum text_rule rule,
                      int required,
                      struct sn_err *err)
{
    size_t n = s ? strlen(s) : 0, bad;
    const unsigned char *u = (const unsigned char *)s;
    if (n > cap)
        return sn_err_set(err, SN_EINVAL, "%s: longer than %zu bytes", name, cap);
    if (!sn_utf8_valid(s, n, &bad))
        return sn_err_set(err, SN_EINVAL, "%s: invalid UTF-8 at byte %zu", name, bad);
    for (size_t i = 0; i < n; i++) {
        unsigned cp = u[i];
        /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
        if (cp == 0xC2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)
            cp = u[i + 1];
        else if (cp >= 0x20 && cp != 0x7F)
            continue;
        if (cp == '\t')
            continue;
        if (cp == '\n' && rule == TEXT_MULTILINE)
            continue;
        if (cp == '\n')
            return sn_err_set(err, SN_EINVAL,
                              "%s: newline at byte %zu (only answers may span lines)", name, i);
        return sn_err_set(err, SN_EINVAL, "%s: control character U+%04X at byte %zu", name, cp, i);
    }
    if (required && text_blank(s, n))
        return sn_err_set(err, SN_EINVAL, "%s: empty", name);
    return SN_OK;
}

/* Checks a list field: at most max items, each a non-blank line of at most cap bytes, all
 * of them together at most total bytes. */
static int check_list(
    const char *name, char *const *v, int n, int max, size_t cap, size_t total, struct sn_err *err)
{
    char item[32];
    size_t sum = 0;
    if (n < 0 || n > max)
        return sn_err_set(err, SN_EINVAL, "%s: %d items, at most %d allowed", name, n, max);
    if (n > 0 && !v)
        return sn_err_set(err, SN_EINVAL, "%s: %d items but no array", name, n);
    for (int i = 0; i < n; i++) {
        snprintf(item, sizeof item, "%s[%d]", name, i);
        /* Blank items are refused rather than kept: the CSV form drops them, and an
         * entry must come back identical from either format. */
        int rc = check_text(item, v[i], cap, TEXT_LINE, 1, err);
        if (rc)
            return rc;
        sum += strlen(v[i]);
    }
    if (sum > total)
        return sn_err_set(err, SN_EINVAL, "%s: %zu bytes in all, at most %zu allowed", name, sum,
                          total);
    return SN_OK;
}

/* lang is a char[3]; the parser has already refused longer values with the full text,
 * so only two bytes can be shown here, and only when printable. */
static int check_lang(const char lang[3], struct sn_err *err)
{
    size_t n = strnlen(lang, 3);
    if (n == 0)
        return sn_err_set(err, SN_EINVAL, "lang: missing (expected ar or en)");
    if (n == 2 && (memcmp(lang, "ar", 2) == 0 || memcmp(lang, "en", 2) == 0))
        return SN_OK;
    for (size_t i = 0; i < n; i++)
        if (lang[i] < 0x21 || lang[i] > 0x7E || lang[i] == '"' || lang[i] == '\\')
            return sn_err_set(err, SN_EINVAL, "lang: unknown language (expected ar or en)");
    return sn_err_set(err, SN_EINVAL, "lang: unknown language \"%.*s\" (expected ar or en)", (int)n,
                      lang);
}

int kb_entry_validate(const struct kb_entry *e, struct sn_err *err)
{
    int rc = SN_OK;
    const char *id = e->id ? e->id : "";
    size_t id_len = strlen(id);

    if (id_len > KB_MAX_ID_BYTES) {
        rc = sn_err_set(err, SN_EINVAL, "id: longer than %d bytes", KB_MAX_ID_BYTES);
        goto out;
    }
    for (size_t i = 0; i < id_len; i++) {
        unsigned char c = (unsigned char)id[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-')
            continue;
        rc = sn_err_set(err, SN_EINVAL,
                        "id: invalid character at byte %zu (allowed: A-Z a-z 0-9 . _ -)", i);
        goto out;
    }
    rc = check_lang(e->lang, err);
    if (rc)
        goto out;
    rc = check_text("category", e->category, KB_MAX_CATEGORY_BYTES, TEXT_LINE, 0, err);
    if (rc)
        goto out;
    rc = check_text("question", e->question, KB_MAX_QUESTION_BYTES, TEXT_LINE, 1, err);
    if (rc)
        goto out;
    /* Variants are alternative phrasings of the question, so they share its cap. */
    rc = check_list("variants", e->variants, e->n_variants, KB_MAX_VARIANTS, KB_MAX_QUESTION_BYTES,
                    KB_MAX_VARIANTS_BYTES, err);
    if (rc)
        goto out;
    rc = check_text("answer", e->answer, KB_MAX_ANSWER_BYTES, TEXT_MULTILINE, 1, err);
    if (rc)
        goto out;
    rc = check_list("keywords", e->keywords, e->n_keywords, KB_MAX_KEYWORDS, KB_MAX_KEYWORD_BYTES,
                    (size_t)KB_MAX_KEYWORDS * KB_MAX_KEYWORD_BYTES, err);
    if (rc)
        goto out;
    if (!kb_status_name(e->status)) {
        rc = sn_err_set(err, SN_EINVAL,
                        "status: unknown value %d (expected %d draft or %d published)", e->status,
                        KB_DRAFT, KB_PUBLISHED);
        goto out;
    }
    if (e->version < 0) {
        rc = sn_err_set(err, SN_EINVAL, "version: negative (%d)", e->version);
        goto out;
    }
    if (e->created < 0 || e->updated < 0) {
        rc = sn_err_set(err, SN_EINVAL, "%s: negative (%lld)",
                        e->created < 0 ? "created" : "updated",
                        e->created < 0 ? e->created : e->updated);
        goto out;
    }
out:
    return rc;
}

/* ---- list ---- */

void kb_entry_list_init(struct kb_entry_list *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

void kb_entry_list_push(struct kb_entry_list *l, struct kb_entry *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        if (cap > SIZE_MAX / sizeof *l->v)
            abort(); /* unreachable: entries are counted in memory first */
        l->v = sn_xrealloc(l->v, cap * sizeof *l->v);
        l->cap = cap;
    }
    l->v[l->n++] = e;
}

void kb_entry_list_fini(struct kb_entry_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        kb_entry_free(l->v[i]);
    free(l->v);
    kb_entry_list_init(l);
}
