/* Synonyms: dialect word or brand name -> canonical word, applied to query words. The map
 * is keyed on the analyzer's folded surface form so spelling variants of a term hit it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define SYN_MAX_BYTES 64

struct syn {
    char *norm;  /* folded term */
    char *forms; /* canonical's forms joined by '|' */
};

struct kb__syn {
    struct syn *v;
    size_t n;
    int data_version;
};

struct one_word {
    int n;
    char norm[KB_WORD_MAX_BYTES];
    char forms[KB_WORD_MAX_BYTES * 3 + 4];
};

static int take_word(void *ctx, const struct kb_word *w)
{
    struct one_word *o = ctx;
    if (o->n++ == 0) {
        snprintf(o->norm, sizeof o->norm, "%.*s", w->norm_len, w->norm);
        o->forms[0] = 0;
        for (int i = 0; i < w->nforms; i++) {
            size_t l = strlen(o->forms);
            snprintf(o->forms + l, sizeof o->forms - l, "%s%.*s", i ? "|" : "", w->form_len[i],
                     w->form[i]);
        }
    }
    return 0;
}

/* Exactly one word, or SN_EINVAL naming which side is wrong. */
static int one_word(struct kb *kb, const char *what, const char *s, struct one_word *o,
                    struct sn_err *err)
{
    size_t len = strlen(s);
    if (len == 0 || len > SYN_MAX_BYTES)
        return sn_err_set(err, SN_EINVAL, "%s: must be 1..%d bytes", what, SYN_MAX_BYTES);
    if (!sn_utf8_valid(s, len, NULL))
        return sn_err_set(err, SN_EINVAL, "%s: invalid UTF-8", what);
    o->n = 0;
    kb_analyze(kb->an, s, (int)len, take_word, o);
    if (o->n != 1)
        return sn_err_set(err, SN_EINVAL, "%s: must be exactly one word (got %d)", what, o->n);
    return SN_OK;
}

static int cmp_syn(const void *a, const void *b)
{
    return strcmp(((const struct syn *)a)->norm, ((const struct syn *)b)->norm);
}

void kb__syn_free(struct kb__syn *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].norm);
        free(s->v[i].forms);
    }
    free(s->v);
    free(s);
}

void kb__syn_invalidate(struct kb *kb)
{
    kb__syn_free(kb->syn);
    kb->syn = NULL;
}

int kb__syn_load(struct kb *kb)
{
    sqlite3_stmt *st = NULL;
    int dv = kb__data_version(kb);
    if (kb->syn && kb->syn->data_version == dv)
        return SN_OK;
    kb__syn_invalidate(kb);
    struct kb__syn *s = sn_xcalloc(1, sizeof *s);
    s->data_version = dv;
    if (sqlite3_prepare_v2(kb->db, "SELECT term, canonical FROM synonyms", -1, &st, NULL) ==
        SQLITE_OK) {
        size_t cap = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            struct one_word t, c;
            if (one_word(kb, "term", (const char *)sqlite3_column_text(st, 0), &t, NULL) ||
                one_word(kb, "canonical", (const char *)sqlite3_column_text(st, 1), &c, NULL))
                continue;
            if (s->n == cap) {
                cap = cap ? cap * 2 : 64;
                s->v = sn_xrealloc(s->v, cap * sizeof *s->v);
            }
            s->v[s->n].norm = sn_xstrdup(t.norm);
            s->v[s->n++].forms = sn_xstrdup(c.forms);
        }
    }
    sqlite3_finalize(st);
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_syn);
    kb->syn = s;
    return SN_OK;
}

const char *kb__syn_lookup(struct kb *kb, const char *norm, int len)
{
    char key[KB_WORD_MAX_BYTES];
    if (!kb->syn || !kb->syn->n || len >= (int)sizeof key)
        return NULL;
    memcpy(key, norm, (size_t)len);
    key[len] = 0;
    struct syn probe = {key, NULL};
    struct syn *hit = bsearch(&probe, kb->syn->v, kb->syn->n, sizeof *kb->syn->v, cmp_syn);
    return hit ? hit->forms : NULL;
}

/* Deletes every stored term that folds to norm (other spellings of one term: عايز, عايـز,
 * عايِز), except keep (may be NULL). Returns the number deleted, or a negative sn_code. */
static int drop_spellings(struct kb *kb, const char *norm, const char *keep, struct sn_err *err)
{
    sqlite3_stmt *st = NULL, *del = NULL;
    int n = 0, s;
    if (sqlite3_prepare_v2(kb->db, "SELECT term FROM synonyms", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(kb->db, "DELETE FROM synonyms WHERE term=?1", -1, &del, NULL) !=
            SQLITE_OK) {
        n = kb__dberr(kb, err, "synonyms");
        goto out;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        struct one_word w;
        if (!t || (keep && strcmp(t, keep) == 0) || one_word(kb, "term", t, &w, NULL) ||
            strcmp(w.norm, norm) != 0)
            continue;
        sqlite3_reset(del);
        sqlite3_bind_text(del, 1, t, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(del) != SQLITE_DONE) {
            n = kb__dberr(kb, err, "synonyms");
            goto out;
        }
        n++;
    }
    if (s != SQLITE_DONE)
        n = kb__dberr(kb, err, "synonyms");
out:
    sqlite3_finalize(st);
    sqlite3_finalize(del);
    return n;
}

int kb_synonym_add(struct kb *kb, const char *term, const char *canonical, struct sn_err *err)
{
    struct one_word t, c;
    sqlite3_stmt *st = NULL;
    int rc = one_word(kb, "term", term, &t, err);
    if (rc == SN_OK)
        rc = one_word(kb, "canonical", canonical, &c, err);
    if (rc)
        return rc;
    if (strcmp(t.norm, c.norm) == 0)
        return sn_err_set(err, SN_EINVAL, "term and canonical are the same word");
    /* one row per folded term: another spelling of it is replaced, not kept beside */
    if ((rc = kb__exec(kb, "SAVEPOINT syn_add", err)))
        return rc;
    int d = drop_spellings(kb, t.norm, term, err);
    if (d < 0) {
        rc = d;
        goto out;
    }
    if (sqlite3_prepare_v2(kb->db,
                           "INSERT INTO synonyms(term, canonical, created) VALUES(?1, ?2, ?3)"
                           " ON CONFLICT(term) DO UPDATE SET canonical=excluded.canonical",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "synonyms");
        goto out;
    }
    sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, canonical, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (long long)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "synonyms");
out:
    sqlite3_finalize(st);
    if (rc)
        kb__exec(kb, "ROLLBACK TO syn_add", NULL);
    kb__exec(kb, "RELEASE syn_add", NULL);
    kb__syn_invalidate(kb);
    return rc;
}

/* Removes the term in any spelling that folds like it (عايـز removes عايز). */
int kb_synonym_rm(struct kb *kb, const char *term, struct sn_err *err)
{
    struct one_word t;
    int rc = one_word(kb, "term", term, &t, err);
    if (rc)
        return rc;
    if ((rc = kb__exec(kb, "SAVEPOINT syn_rm", err)))
        return rc;
    int n = drop_spellings(kb, t.norm, NULL, err);
    if (n < 0)
        kb__exec(kb, "ROLLBACK TO syn_rm", NULL);
    kb__exec(kb, "RELEASE syn_rm", NULL);
    kb__syn_invalidate(kb);
    if (n < 0)
        return n;
    return n ? SN_OK : sn_err_set(err, SN_ENOTFOUND, "no synonym %s", term);
}

int kb_synonym_each(struct kb *kb, kb_synonym_fn *fn, void *ctx, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s;
    if (sqlite3_prepare_v2(kb->db, "SELECT term, canonical FROM synonyms ORDER BY canonical, term",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "synonyms");
    while ((s = sqlite3_step(st)) == SQLITE_ROW && rc == SN_OK)
        rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        rc = kb__dberr(kb, err, "synonyms");
    sqlite3_finalize(st);
    return rc;
}

/* Validates every line first, so a bad file adds nothing; then adds each pair inside one
 * savepoint, so a pair the analyzer refuses (two words, the same word twice) undoes the rest. */
int kb_synonym_load(struct kb *kb, const char *text, size_t len, int *added, struct sn_err *err)
{
    char term[SYN_MAX_BYTES + 1], canon[SYN_MAX_BYTES + 1];
    int rc = SN_OK, n = 0, begun = 0;
    *added = 0;
    for (int pass = 0; pass < 2 && rc == SN_OK; pass++) {
        if (pass == 1 && (rc = kb__exec(kb, "SAVEPOINT syn_load", err)))
            return rc;
        begun = pass == 1;
        int line = 0;
        for (size_t i = 0; i < len && rc == SN_OK;) {
            const char *p = text + i, *eol = memchr(p, '\n', len - i);
            size_t l = eol ? (size_t)(eol - p) : len - i;
            i += l + 1;
            line++;
            if (l > 0 && p[l - 1] == '\r')
                l--;
            if (l == 0 || p[0] == '#')
                continue;
            const char *tab = memchr(p, '\t', l);
            size_t tl = tab ? (size_t)(tab - p) : 0, cl = tab ? l - tl - 1 : 0;
            if (!tab || tl == 0 || cl == 0 || memchr(tab + 1, '\t', cl) || tl > SYN_MAX_BYTES ||
                cl > SYN_MAX_BYTES || memchr(p, '\0', l)) {
                rc = sn_err_set(err, SN_EINVAL,
                                "line %d: want TERM<TAB>CANONICAL, each 1..%d bytes", line,
                                SYN_MAX_BYTES);
                break;
            }
            if (pass == 0)
                continue;
            memcpy(term, p, tl);
            term[tl] = 0;
            memcpy(canon, tab + 1, cl);
            canon[cl] = 0;
            struct sn_err e = {0};
            if ((rc = kb_synonym_add(kb, term, canon, &e)))
                sn_err_set(err, rc, "line %d: %s", line, e.msg);
            else
                n++;
        }
    }
    if (rc) {
        if (begun) /* undo what the second pass added */
            kb__exec(kb, "ROLLBACK TO syn_load; RELEASE syn_load", NULL);
        return rc;
    }
    *added = n;
    return kb__exec(kb, "RELEASE syn_load", err);
}
