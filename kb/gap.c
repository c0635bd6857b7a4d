/* Knowledge gaps: recording, grouping, listing and promoting (see kb/gap.h). */
#include "kb/gap.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define KEY_MAX_WORDS 32

/* Version 2 added n_picked and proposed_to (a picked suggestion proposes a variant).
 * Stored as meta 'gaps'; a table made before has no record and is migrated in place. */
#define GAP_SCHEMA_VERSION "2"

static const char gap_schema[] =
    "CREATE TABLE IF NOT EXISTS gaps("
    " id INTEGER PRIMARY KEY, lang TEXT NOT NULL, key TEXT NOT NULL, analyzed TEXT NOT NULL,"
    " sample TEXT NOT NULL, count INTEGER NOT NULL, n_low INTEGER NOT NULL DEFAULT 0,"
    " n_unhelpful INTEGER NOT NULL DEFAULT 0, n_human INTEGER NOT NULL DEFAULT 0,"
    " first INTEGER NOT NULL, last INTEGER NOT NULL, resolved_to TEXT,"
    " n_picked INTEGER NOT NULL DEFAULT 0, proposed_to TEXT, UNIQUE (lang, key));";

static int has_column(struct kb *kb, const char *col)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(kb->db, "SELECT 1 FROM pragma_table_info('gaps') WHERE name = ?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

int kb__gap_schema(struct kb *kb, struct sn_err *err)
{
    int rc = kb__exec(kb, gap_schema, err);
    if (rc == SN_OK && !has_column(kb, "n_picked"))
        rc = kb__exec(kb,
                      "ALTER TABLE gaps ADD COLUMN n_picked INTEGER NOT NULL DEFAULT 0;"
                      "ALTER TABLE gaps ADD COLUMN proposed_to TEXT;",
                      err);
    if (rc == SN_OK)
        rc = kb__exec(kb, "INSERT OR REPLACE INTO meta VALUES('gaps','" GAP_SCHEMA_VERSION "')",
                      err);
    return rc;
}

struct keyctx {
    struct kb *kb;
    char *w[KEY_MAX_WORDS];
    int n;
    struct sn_buf analyzed;
};

/* Arabic "I want / I need" in its dialect forms (folded): like English "want" and "need",
 * which are stop words, they say nothing about the question, so they stay out of the key. */
static const char *const want_words[] = {"اريد", "عايز", "عاوز", "ابغى", "ابغي", "ابي", "بدي",
                                          "حاب", "بغيت", "نبغي", "ودي", "محتاج", "احتاج", NULL};

static int is_want(const char *norm, int len)
{
    for (const char *const *w = want_words; *w; w++)
        if ((int)strlen(*w) == len && memcmp(*w, norm, (size_t)len) == 0)
            return 1;
    return 0;
}

/* Collects each non-stop word's canonical form (synonym first, else stem) for the key, and
 * every word's stem for the analyzed form. */
static int key_word(void *ctx, const struct kb_word *w)
{
    struct keyctx *c = ctx;
    if (c->analyzed.len)
        sn_buf_add(&c->analyzed, " ", 1);
    sn_buf_add(&c->analyzed, w->form[0], (size_t)w->form_len[0]);
    if (w->stop || c->n == KEY_MAX_WORDS || is_want(w->norm, w->norm_len))
        return 0;
    const char *syn = kb__syn_lookup(c->kb, w->norm, w->norm_len);
    const char *f = w->form[0];
    size_t len = (size_t)w->form_len[0];
    if (syn) {
        f = syn;
        len = strcspn(syn, "|");
    }
    for (int i = 0; i < c->n; i++)
        if (strlen(c->w[i]) == len && memcmp(c->w[i], f, len) == 0)
            return 0;
    c->w[c->n++] = sn_xstrndup(f, len);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cuts s to at most max bytes on a character boundary; returns the new length. */
static size_t cut_utf8(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Bidirectional controls (U+200E/F, U+202A..E, U+2066..9) are dropped from the sample so a
 * listing cannot be reordered by them. */
static char *clean_sample(const char *s, size_t n)
{
    char *out = sn_xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        if (i + 2 < n && p[0] == 0xE2 && p[1] == 0x80 &&
            (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE))) {
            i += 3;
            continue;
        }
        if (i + 2 < n && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9) {
            i += 3;
            continue;
        }
        *o++ = s[i++];
    }
    *o = 0;
    return out;
}

/* One occurrence of text for reason; a pick (KB_GAP_PICKED) names the entry it proposes. */
static int record(struct kb *kb,
                  const char *text,
                  const char *lang,
                  int reason,
                  const char *proposed_to,
                  long long now,
                  struct sn_err *err)
{
    struct keyctx c = {.kb = kb};
    struct sn_buf key;
    sqlite3_stmt *st = NULL;
    char *sample = NULL;
    int rc = SN_OK;
    size_t n = strlen(text);
    sn_buf_init(&c.analyzed, 4 * KB_GAP_MAX_TEXT);
    sn_buf_init(&key, 4 * KB_GAP_MAX_TEXT);
    if (!lang || (strcmp(lang, "ar") && strcmp(lang, "en"))) {
        rc = sn_err_set(err, SN_EINVAL, "gap: lang must be ar or en");
        goto out;
    }
    if (!sn_utf8_valid(text, n, NULL)) {
        rc = sn_err_set(err, SN_EINVAL, "gap: the question is not valid UTF-8");
        goto out;
    }
    n = cut_utf8(text, n, KB_GAP_MAX_TEXT);
    kb__syn_load(kb);
    if (kb_analyze(kb->an, text, (int)n, key_word, &c) == SN_EIO) {
        rc = sn_err_set(err, SN_EIO, "gap: the analyzer failed");
        goto out;
    }
    if (c.n == 0)
        goto out; /* nothing an editor could act on */
    qsort(c.w, (size_t)c.n, sizeof *c.w, cmp_str);
    for (int i = 0; i < c.n; i++)
        sn_buf_printf(&key, "%s%s", i ? " " : "", c.w[i]);
    sample = clean_sample(text, n);
    /* prepared once per connection: a server records a gap for most questions it cannot
     * answer, and parsing this statement cost more than running it */
    if (!kb->st_gap &&
        sqlite3_prepare_v3(
            kb->db,
            "INSERT INTO gaps(lang, key, analyzed, sample, count, n_low, n_unhelpful, n_human,"
            " first, last, n_picked, proposed_to)"
            " VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?8, ?9, ?10)"
            " ON CONFLICT(lang, key) DO UPDATE SET count = count + 1,"
            " n_low = n_low + excluded.n_low, n_unhelpful = n_unhelpful + excluded.n_unhelpful,"
            " n_human = n_human + excluded.n_human, n_picked = n_picked + excluded.n_picked,"
            " proposed_to = coalesce(excluded.proposed_to, proposed_to), last = excluded.last,"
            " analyzed = excluded.analyzed, sample = excluded.sample, resolved_to = NULL",
            -1, SQLITE_PREPARE_PERSISTENT, &kb->st_gap, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "gap");
        goto out;
    }
    if ((rc = kb__batch_enter(kb, err)))
        goto out;
    st = kb->st_gap;
    sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key.p, (int)key.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c.analyzed.p, (int)c.analyzed.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sample, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, reason == KB_GAP_LOW);
    sqlite3_bind_int(st, 6, reason == KB_GAP_UNHELPFUL);
    sqlite3_bind_int(st, 7, reason == KB_GAP_HUMAN);
    sqlite3_bind_int64(st, 8, now ? now : (long long)time(NULL));
    sqlite3_bind_int(st, 9, reason == KB_GAP_PICKED);
    if (proposed_to)
        sqlite3_bind_text(st, 10, proposed_to, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "gap");
out:
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st); /* its texts are freed below */
    }
    free(sample);
    for (int i = 0; i < c.n; i++)
        free(c.w[i]);
    sn_buf_fini(&key);
    sn_buf_fini(&c.analyzed);
    return rc;
}

int kb_gap_log(struct kb *kb, const char *text, const char *lang, int reason, long long now,
               struct sn_err *err)
{
    if (reason < KB_GAP_LOW || reason > KB_GAP_HUMAN)
        return sn_err_set(err, SN_EINVAL, "gap: bad reason %d", reason);
    return record(kb, text, lang, reason, NULL, now, err);
}

int kb_gap_propose(struct kb *kb, const char *text, const char *lang, const char *entry_id,
                   long long now, struct sn_err *err)
{
    if (!entry_id || !*entry_id)
        return sn_err_set(err, SN_EINVAL, "gap: no entry to propose the question for");
    if (!sn_utf8_valid(text, strlen(text), NULL))
        return sn_err_set(err, SN_EINVAL, "gap: the question is not valid UTF-8");
    struct kb_entry *e = kb_entry_get(kb, entry_id, err);
    if (!e)
        return err ? err->code : SN_ENOTFOUND;
    int have = strcmp(e->question, text) == 0;
    for (int i = 0; i < e->n_variants && !have; i++)
        have = strcmp(e->variants[i], text) == 0;
    kb_entry_free(e);
    return have ? SN_OK : record(kb, text, lang, KB_GAP_PICKED, entry_id, now, err);
}

#define GAP_COLS                                                                                   \
    "id, lang, key, analyzed, sample, count, n_low, n_unhelpful, n_human, first, last,"           \
    " resolved_to, n_picked, proposed_to"

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return sn_xstrdup(s ? (const char *)s : "");
}

static void read_gap(sqlite3_stmt *st, struct kb_gap *g)
{
    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(st, 0);
    const unsigned char *l = sqlite3_column_text(st, 1);
    memcpy(g->lang, l && strlen((const char *)l) == 2 ? (const char *)l : "ar", 3);
    g->key = col_dup(st, 2);
    g->analyzed = col_dup(st, 3);
    g->sample = col_dup(st, 4);
    g->count = sqlite3_column_int(st, 5);
    g->n_low = sqlite3_column_int(st, 6);
    g->n_unhelpful = sqlite3_column_int(st, 7);
    g->n_human = sqlite3_column_int(st, 8);
    g->first = sqlite3_column_int64(st, 9);
    g->last = sqlite3_column_int64(st, 10);
    g->resolved = sqlite3_column_type(st, 11) != SQLITE_NULL;
    g->resolved_to = col_dup(st, 11);
    g->n_picked = sqlite3_column_int(st, 12);
    g->proposed_to = col_dup(st, 13);
}

void kb_gap_fini(struct kb_gap *g)
{
    if (!g)
        return;
    free(g->key);
    free(g->analyzed);
    free(g->sample);
    free(g->resolved_to);
    free(g->proposed_to);
    memset(g, 0, sizeof *g);
}

void kb_gaps_free(struct kb_gap *v, int n)
{
    for (int i = 0; v && i < n; i++)
        kb_gap_fini(&v[i]);
    free(v);
}

int kb_gap_list(struct kb *kb, const char *lang, int limit, int all, struct kb_gap **out,
                int *n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, cap = 0, s;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT " GAP_COLS " FROM gaps WHERE (?1 IS NULL OR lang = ?1)"
                           " AND (?2 OR resolved_to IS NULL)"
                           " ORDER BY count DESC, last DESC, id LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "gaps");
        goto out;
    }
    if (lang)
        sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, !!all);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = sn_xrealloc(*out, (size_t)cap * sizeof **out);
        }
        read_gap(st, &(*out)[(*n)++]);
    }
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "gaps");
out:
    sqlite3_finalize(st);
    if (rc) {
        kb_gaps_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int kb_gap_get(struct kb *kb, long long id, struct kb_gap *out, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(kb->db, "SELECT " GAP_COLS " FROM gaps WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "gap");
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        read_gap(st, out);
    else if (s == SQLITE_DONE)
        rc = sn_err_set(err, SN_ENOTFOUND, "no gap %lld", id);
    else
        rc = kb__dberr(kb, err, "gap");
out:
    sqlite3_finalize(st);
    return rc;
}

int kb_gap_resolve(struct kb *kb, long long id, const char *entry_id, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_prepare_v2(kb->db, "UPDATE gaps SET resolved_to = ?2 WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "gap");
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, entry_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "gap");
    else if (sqlite3_changes(kb->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "no gap %lld", id);
out:
    sqlite3_finalize(st);
    return rc;
}

int kb_gap_promote_new(struct kb *kb, long long id, struct kb_entry *e, struct sn_err *err)
{
    struct kb_gap g;
    int rc = kb_gap_get(kb, id, &g, err);
    if (rc)
        return rc;
    if (!e->question || !*e->question) {
        free(e->question);
        e->question = sn_xstrdup(g.sample);
    } else if (strcmp(e->question, g.sample) != 0 && e->n_variants < KB_MAX_VARIANTS) {
        e->variants = sn_xrealloc(e->variants, (size_t)(e->n_variants + 2) * sizeof *e->variants);
        e->variants[e->n_variants++] = sn_xstrdup(g.sample);
        e->variants[e->n_variants] = NULL;
    }
    if (!e->lang[0])
        memcpy(e->lang, g.lang, 3);
    rc = kb_entry_add(kb, e, err);
    if (rc == SN_OK)
        rc = kb_gap_resolve(kb, id, e->id, err);
    kb_gap_fini(&g);
    return rc;
}

int kb_gap_promote_to(struct kb *kb, long long id, const char *entry_id, struct sn_err *err)
{
    struct kb_gap g;
    struct kb_entry *e = NULL;
    int rc = kb_gap_get(kb, id, &g, err), have = 0;
    if (rc)
        return rc;
    e = kb_entry_get(kb, entry_id, err);
    if (!e) {
        rc = err ? err->code : SN_ENOTFOUND;
        goto out;
    }
    have = strcmp(e->question, g.sample) == 0;
    for (int i = 0; i < e->n_variants && !have; i++)
        have = strcmp(e->variants[i], g.sample) == 0;
    if (!have) {
        if (e->n_variants >= KB_MAX_VARIANTS) {
            rc = sn_err_set(err, SN_ETOOBIG, "entry %s already has %d variants", entry_id,
                            KB_MAX_VARIANTS);
            goto out;
        }
        e->variants = sn_xrealloc(e->variants, (size_t)(e->n_variants + 2) * sizeof *e->variants);
        e->variants[e->n_variants++] = sn_xstrdup(g.sample);
        e->variants[e->n_variants] = NULL;
        rc = kb_entry_update(kb, e, err);
        if (rc)
            goto out;
    }
    rc = kb_gap_resolve(kb, id, entry_id, err);
out:
    kb_entry_free(e);
    kb_gap_fini(&g);
    return rc;
}
