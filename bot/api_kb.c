/* The editors' routes of the API (bot/api.h): entries, their history, search as the bot
 * ranks it, import and export, synonyms, gaps and categories. Every operation is kb/'s, the
 * one the CLI runs too: a body is read with the import rules (kb_parse_import), a change is
 * one kb transaction recorded in the entry history under the editor's login
 * (kb_set_actor), a stale version is kb_entry_update_if's conflict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/api.h"
#include "bot/dialogue.h"
#include "bot/kbsync.h"
#include "bot/server.h"
#include "kb/calib.h"
#include "kb/feedback.h"
#include "kb/gap.h"
#include "kb/kb.h"

#define PER_PAGE_DEFAULT 50
#define PER_PAGE_MAX     200
#define ENTRY_BODY_MAX   (KB_MAX_ENTRY_JSON_BYTES + 4096)
#define IMPORT_BODY_MAX  (16u << 20) /* a file of entries sent in one request */
#define SMALL_BODY_MAX   4096

/* ---- answers ---- */

/* The HTTP status and error code of an sn_code from kb/. */
static int fail(struct bot_api_call *c, int rc, const struct sn_err *e)
{
    static const struct {
        int rc, status;
        const char *code;
    } map[] = {
        {SN_EINVAL, 400, "invalid"},
        {SN_ENOTFOUND, 404, "not_found"},
        {SN_ECONFLICT, 409, "conflict"},
        {SN_ETOOBIG, 413, "too_big"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].rc == rc)
            return bot_api_error(c, map[i].status, map[i].code, "%s", e->msg);
    sn_log(SN_LOG_ERR, "api", "event=kb_error err=\"%s\"", e->msg);
    return bot_api_error(c, 500, "internal", "the knowledge base failed; see the server log");
}

/* An entry as JSON, with the import format's field names (kb_write_entry's line). */
static json_t *entry_json(const struct kb_entry *e)
{
    struct sn_buf b;
    sn_buf_init(&b, KB_MAX_ENTRY_JSON_BYTES + 1);
    json_t *j = NULL;
    if (kb_write_entry(KB_FMT_JSONL, e, &b) == SN_OK)
        j = json_loadb(b.p, b.len, 0, NULL);
    sn_buf_fini(&b);
    return j ? j : json_object();
}

/* ---- reading requests ---- */

static struct kb *kb_of(struct bot_api_call *c)
{
    return c->srv->kb;
}

/* Writes through this call are recorded under the user's login. */
static struct kb *kb_w(struct bot_api_call *c)
{
    kb_set_actor(c->srv->kb, c->user->login);
    return c->srv->kb;
}

/* The body as a JSON object (caller's), or NULL with the 400 answered. */
static json_t *body_object(struct bot_api_call *c)
{
    json_error_t je;
    json_t *j = json_loadb(c->body ? c->body : "", c->len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        json_decref(j);
        bot_api_error(c, 400, "bad_json", "the body must be a JSON object: %s",
                      j ? "not an object" : je.text);
        return NULL;
    }
    return j;
}

/* An entry from JSON object j by the import rules (fields trimmed, case of lang/status
 * folded, unknown fields refused): the caller's, or NULL with the 400 answered. */
static struct kb_entry *entry_from(struct bot_api_call *c, json_t *j)
{
    struct kb_entry_list l;
    struct kb_import_report rep = {0};
    struct sn_err e = {0};
    struct kb_entry *en = NULL;
    json_object_del(j, "feedback"); /* read-only (entry_get's): a GET's answer PUT back is fine */
    char *line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    kb_entry_list_init(&l);
    if (!line)
        bot_api_error(c, 400, "invalid", "the entry cannot be written as JSON");
    else if (kb_parse_import(KB_FMT_JSONL, line, strlen(line), &l, &rep, &e) != SN_OK)
        /* "line 1: " names the line of a file; the body is one entry */
        bot_api_error(c, 400, "invalid", "%s", strncmp(e.msg, "line 1: ", 8) ? e.msg : e.msg + 8);
    else if (l.n != 1)
        bot_api_error(c, 400, "invalid", "the entry is empty");
    else {
        en = l.v[0];
        l.n = 0;
    }
    free(line);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&l);
    return en;
}

/* A positive integer argument in [1, max], def when absent; -1 (400 answered) when bad. */
static long long int_arg(struct bot_api_call *c, const char *name, long long def, long long max)
{
    const char *s = bot_api_arg(c, name);
    char *end;
    if (!s)
        return def;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1 || v > max) {
        bot_api_error(c, 400, "bad_argument", "%s: expected a number from 1 to %lld", name, max);
        return -1;
    }
    return v;
}

/* The lang argument: NULL when absent, "ar"/"en", or "" (400 answered) when bad. */
static const char *lang_arg(struct bot_api_call *c)
{
    const char *l = bot_api_arg(c, "lang");
    if (!l || !*l)
        return NULL;
    if (strcmp(l, "ar") && strcmp(l, "en")) {
        bot_api_error(c, 400, "bad_argument", "lang: expected ar or en");
        return "";
    }
    return l;
}

/* The "version" member of j: > 0, 0 when absent (and !required), -1 (400 answered). */
static int version_of(struct bot_api_call *c, json_t *j, int required)
{
    json_t *v = json_object_get(j, "version");
    if (!v && !required)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1 << 30) {
        bot_api_error(c, 400, "bad_version",
                      "version: the version being edited (a positive integer) is required");
        return -1;
    }
    return (int)json_integer_value(v);
}

/* ---- entries ---- */

static void entries_list(struct bot_api_call *c)
{
    struct kb_filter f = {.status = -1};
    struct kb_entry_list l;
    struct sn_err e = {0};
    long long total = 0;
    const char *st = bot_api_arg(c, "status");
    long long page = int_arg(c, "page", 1, 1000000),
              per = int_arg(c, "per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX);
    f.lang = lang_arg(c);
    if (page < 0 || per < 0 || (f.lang && !*f.lang))
        return;
    if (st && *st && (f.status = kb_status_parse(st)) < 0) {
        bot_api_error(c, 400, "bad_argument", "status: expected draft or published");
        return;
    }
    f.category = bot_api_arg(c, "category");
    f.text = bot_api_arg(c, "q");
    f.offset = (page - 1) * per;
    f.limit = per;
    kb_entry_list_init(&l);
    int rc = kb_entry_count(kb_of(c), &f, &total, &e);
    if (rc == SN_OK)
        rc = kb_entry_list(kb_of(c), &f, &l, &e);
    if (rc == SN_OK) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, entry_json(l.v[i]));
        bot_api_reply(c, 200,
                      json_pack("{s:o, s:I, s:I, s:I}", "entries", a, "total", (json_int_t)total,
                                "page", (json_int_t)page, "per_page", (json_int_t)per));
    } else {
        fail(c, rc, &e);
    }
    kb_entry_list_fini(&l);
}

static void entries_create(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_t *j = body_object(c);
    struct kb_entry *en = j ? entry_from(c, j) : NULL;
    if (en) {
        int rc = kb_entry_add(kb_w(c), en, &e);
        if (rc == SN_OK)
            bot_api_reply(c, 201, entry_json(en));
        else
            fail(c, rc, &e);
    }
    kb_entry_free(en);
    json_decref(j);
}

/* The entry, and what help-center readers said of it ("Was this helpful?", kb/feedback.h). */
static void entry_get(struct bot_api_call *c)
{
    struct sn_err e = {0};
    struct kb_feedback fb;
    struct kb_entry *en = kb_entry_get(kb_of(c), c->param, &e);
    if (en) {
        json_t *j = entry_json(en);
        if (kb_feedback_get(kb_of(c), c->param, &fb, &e) == SN_OK)
            json_object_set_new(
                j, "feedback",
                json_pack("{s:i, s:i}", "helpful", fb.helpful, "unhelpful", fb.unhelpful));
        bot_api_reply(c, 200, j);
    } else {
        fail(c, e.code, &e);
    }
    kb_entry_free(en);
}

/* A 409 carries the entry as it is now, and who saved that version when, so that the
 * editor shows both versions and names the other editor. */
static void conflict(struct bot_api_call *c, const struct sn_err *e)
{
    struct sn_err ge = {0};
    struct kb_entry *cur = kb_entry_get(kb_of(c), c->param, &ge);
    struct kb_version *v = NULL;
    int n = 0;
    bot_api_error(c, 409, "conflict", "%s", e->msg);
    if (cur)
        json_object_set_new(c->json, "current", entry_json(cur));
    if (cur && kb_history(kb_of(c), c->param, &v, &n, &ge) == SN_OK && n &&
        v[n - 1].version == cur->version)
        json_object_set_new(c->json, "current_by",
                            json_pack("{s:s, s:I, s:s}", "by", v[n - 1].by, "at",
                                      (json_int_t)v[n - 1].at, "action", v[n - 1].action));
    kb_history_free(v, n);
    kb_entry_free(cur);
}

static void entry_put(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_t *j = body_object(c), *id;
    struct kb_entry *en = NULL;
    int expect = j ? version_of(c, j, 1) : -1;
    if (expect < 0)
        goto out;
    id = json_object_get(j, "id");
    if (id && (!json_is_string(id) || strcmp(json_string_value(id), c->param))) {
        bot_api_error(c, 400, "invalid", "id: the body names another entry than the path");
        goto out;
    }
    json_object_set_new(j, "id", json_string(c->param));
    if (!(en = entry_from(c, j)))
        goto out;
    int rc = kb_entry_update_if(kb_w(c), en, expect, &e);
    if (rc == SN_ECONFLICT)
        conflict(c, &e);
    else if (rc)
        fail(c, rc, &e);
    else
        entry_get(c); /* as stored (an unchanged save keeps its version) */
out:
    kb_entry_free(en);
    json_decref(j);
}

static void entry_delete(struct bot_api_call *c)
{
    struct sn_err e = {0};
    long long expect = int_arg(c, "version", 0, 1 << 30);
    if (expect < 0)
        return;
    int rc = kb_entry_rm_if(kb_w(c), c->param, (int)expect, &e);
    if (rc == SN_ECONFLICT)
        conflict(c, &e);
    else if (rc)
        fail(c, rc, &e);
    else
        bot_api_reply(c, 200, json_pack("{s:s, s:b}", "id", c->param, "deleted", 1));
}

/* publish / unpublish, at the version named (or whatever is current). */
static void entry_status(struct bot_api_call *c, int status)
{
    struct sn_err e = {0};
    json_t *j = c->len ? body_object(c) : json_object();
    int expect = j ? version_of(c, j, 0) : -1;
    if (expect >= 0) {
        int rc = kb_entry_set_status(kb_w(c), c->param, status, expect, &e);
        if (rc == SN_ECONFLICT)
            conflict(c, &e);
        else if (rc)
            fail(c, rc, &e);
        else
            entry_get(c);
    }
    json_decref(j);
}

static void entry_publish(struct bot_api_call *c)
{
    entry_status(c, KB_PUBLISHED);
}

static void entry_unpublish(struct bot_api_call *c)
{
    entry_status(c, KB_DRAFT);
}

static void entry_history(struct bot_api_call *c)
{
    struct kb_version *v = NULL;
    struct sn_err e = {0};
    int n = 0, rc = kb_history(kb_of(c), c->param, &v, &n, &e);
    if (rc) {
        fail(c, rc, &e);
        return;
    }
    json_t *a = json_array();
    for (int i = n - 1; i >= 0; i--) /* newest first, as an editor reads it */
        json_array_append_new(a, json_pack("{s:i, s:I, s:s, s:s, s:o}", "version", v[i].version,
                                           "at", (json_int_t)v[i].at, "action", v[i].action, "by",
                                           v[i].by, "entry", entry_json(v[i].entry)));
    kb_history_free(v, n);
    bot_api_reply(c, 200, json_pack("{s:s, s:o}", "id", c->param, "versions", a));
}

static void entry_revert(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_t *j = body_object(c);
    int version = j ? version_of(c, j, 1) : -1;
    if (version > 0) {
        int rc = kb_revert(kb_w(c), c->param, version, &e);
        if (rc)
            fail(c, rc, &e);
        else
            entry_get(c);
    }
    json_decref(j);
}

static void categories(struct bot_api_call *c)
{
    struct kb_category *v = NULL;
    struct sn_err e = {0};
    int n = 0;
    const char *lang = lang_arg(c);
    if (lang && !*lang)
        return;
    int rc = kb_category_list(kb_of(c), lang, &v, &n, &e);
    if (rc) {
        fail(c, rc, &e);
        return;
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i}", "lang", v[i].lang, "name",
                                           v[i].name, "entries", v[i].entries, "published",
                                           v[i].published));
    kb_categories_free(v, n);
    bot_api_reply(c, 200, json_pack("{s:o}", "categories", a));
}

/* ---- search: the bot's ranking, and why ---- */

static json_t *caps_json(unsigned caps)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{KB_CAP_GUESS, "guess"},
                 {KB_CAP_DISAGREE, "disagree"},
                 {KB_FLOOR_COVERED, "covered"},
                 {KB_CAP_BELOW, "below"},
                 {KB_CAP_UNKNOWN, "unknown"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (caps & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

static void search(struct bot_api_call *c)
{
    struct kb_results *r = NULL;
    struct sn_err e = {0};
    const char *q = bot_api_arg(c, "q"), *lang = lang_arg(c), *ex = bot_api_arg(c, "explain");
    if (lang && !*lang)
        return;
    if (!q || !*q) {
        bot_api_error(c, 400, "bad_argument", "q: the question is required");
        return;
    }
    int rc =
        bot_brain_search(c->srv->brain, lang ? lang : "ar", 1, q, ex && !strcmp(ex, "1"), &r, &e);
    if (rc) {
        fail(c, rc, &e);
        return;
    }
    int verdict = bot_brain_verdict(r);
    json_t *hits = json_array();
    for (int i = 0; i < r->n; i++) {
        const struct kb_hit *h = &r->v[i];
        json_t *sig = json_object();
        for (int k = 0; k < KB_SIG_N; k++)
            json_object_set_new(sig, kb_sig_name(k), json_real(h->sig[k]));
        json_array_append_new(
            hits, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:s, s:o, s:f, s:f, s:f, s:o}",
                            "id", h->id, "lang", h->lang, "question", h->question, "category",
                            h->category, "score", h->score, "probability", h->confidence,
                            "model_probability", h->p, "band", kb_band_name(h->band), "caps",
                            caps_json(h->caps), "cover_question", h->cover_q, "cover_phrasing",
                            h->cover_r, "first_pass", h->first_pass, "signals", sig));
    }
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:f, s:f, s:b, s:o}", "q", q, "lang",
                            lang ? lang : "ar", "would", bot_turn_kind_name(verdict), "answer_id",
                            verdict == BOT_TURN_ANSWER ? json_string(r->v[0].id) : json_null(),
                            "answer_at", r->answer_at, "suggest_at", r->suggest_at, "calibrated",
                            r->calibrated, "hits", hits);
    if (r->explain)
        json_object_set_new(out, "explain", json_string(r->explain));
    kb_results_free(r);
    bot_api_reply(c, 200, out);
}

/* ---- import and export ---- */

static void import(struct bot_api_call *c)
{
    struct kb_import_stats st;
    struct sn_err e = {0};
    enum kb_format fmt = !strcmp(c->ctype, "text/csv") ? KB_FMT_CSV : KB_FMT_JSONL;
    int rc = kb_import(kb_w(c), fmt, c->body ? c->body : "", c->len, &st, &e);
    if (rc == SN_OK) {
        bot_api_reply(c, 200,
                      json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "added", st.added, "updated",
                                st.updated, "unchanged", st.unchanged, "trimmed", st.rows.trimmed,
                                "joined", st.rows.joined, "folded", st.rows.folded, "skipped",
                                st.rows.skipped));
    } else {
        fail(c, rc, &e);
        if (rc == SN_EINVAL && st.rows.bad) { /* every invalid row, "line N: reason" */
            json_t *rows = json_array();
            for (char *p = st.rows.bad, *nl; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                if (!nl)
                    nl = p + strlen(p) - 1;
                json_array_append_new(rows, json_stringn(p, (size_t)(nl - p + (*nl != '\n'))));
            }
            json_object_set_new(c->json, "rows", rows);
        }
    }
    kb_import_report_fini(&st.rows);
}

static void export(struct bot_api_call *c)
{
    struct sn_err e = {0};
    const char *f = bot_api_arg(c, "format");
    int csv = f && !strcmp(f, "csv");
    if (f && !csv && strcmp(f, "jsonl")) {
        bot_api_error(c, 400, "bad_argument", "format: expected jsonl or csv");
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int rc = m ? kb_export(kb_of(c), csv ? KB_FMT_CSV : KB_FMT_JSONL, m, &e)
               : sn_err_set(&e, SN_EIO, "export: out of memory");
    if (m && fclose(m) && rc == SN_OK)
        rc = sn_err_set(&e, SN_EIO, "export: out of memory");
    if (rc) {
        free(buf);
        fail(c, rc, &e);
        return;
    }
    c->status = 200;
    c->raw = buf;
    c->raw_len = len;
    c->raw_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
    c->disposition =
        csv ? "attachment; filename=\"sanad-kb.csv\"" : "attachment; filename=\"sanad-kb.jsonl\"";
}

/* ---- synonyms ---- */

static int add_synonym(void *ctx, const char *term, const char *canonical)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "term", term, "canonical", canonical));
    return 0;
}

static void synonyms_list(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_t *a = json_array();
    int rc = kb_synonym_each(kb_of(c), add_synonym, a, &e);
    if (rc) {
        json_decref(a);
        fail(c, rc, &e);
        return;
    }
    bot_api_reply(c, 200, json_pack("{s:o}", "synonyms", a));
}

static void synonyms_add(struct bot_api_call *c)
{
    struct sn_err e = {0};
    json_t *j = body_object(c);
    if (!j)
        return;
    const char *t = json_string_value(json_object_get(j, "term")),
               *k = json_string_value(json_object_get(j, "canonical"));
    if (!t || !k)
        bot_api_error(c, 400, "invalid", "term and canonical (strings) are required");
    else {
        int rc = kb_synonym_add(kb_w(c), t, k, &e);
        if (rc)
            fail(c, rc, &e);
        else
            bot_api_reply(c, 201, json_pack("{s:s, s:s}", "term", t, "canonical", k));
    }
    json_decref(j);
}

static void synonyms_rm(struct bot_api_call *c)
{
    struct sn_err e = {0};
    const char *t = bot_api_arg(c, "term");
    if (!t || !*t) {
        bot_api_error(c, 400, "bad_argument", "term: the synonym to remove is required");
        return;
    }
    int rc = kb_synonym_rm(kb_w(c), t, &e);
    if (rc)
        fail(c, rc, &e);
    else
        bot_api_reply(c, 200, json_pack("{s:s, s:b}", "term", t, "deleted", 1));
}

/* ---- gaps ---- */

static json_t *gap_json(const struct kb_gap *g)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:I, s:I, s:b, s:s}", "id",
                     (json_int_t)g->id, "lang", g->lang, "sample", g->sample, "analyzed",
                     g->analyzed, "count", g->count, "low", g->n_low, "unhelpful", g->n_unhelpful,
                     "human", g->n_human, "picked", g->n_picked, "proposed_to", g->proposed_to,
                     "first", (json_int_t)g->first, "last", (json_int_t)g->last, "resolved",
                     g->resolved, "resolved_to", g->resolved_to);
}

static void gaps_list(struct bot_api_call *c)
{
    struct kb_gap *v = NULL;
    struct sn_err e = {0};
    int n = 0;
    const char *lang = lang_arg(c), *all = bot_api_arg(c, "all");
    long long limit = int_arg(c, "limit", 100, 1000);
    if ((lang && !*lang) || limit < 0)
        return;
    /* with PostgreSQL, every node's gaps (bot/kbsync.h) */
    int rc = c->srv->kbsync
                 ? bot_kbsync_gap_list(c->srv->kbsync, lang, (int)limit, all && !strcmp(all, "1"),
                                       &v, &n, &e)
                 : kb_gap_list(kb_of(c), lang, (int)limit, all && !strcmp(all, "1"), &v, &n, &e);
    if (rc) {
        fail(c, rc, &e);
        return;
    }
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, gap_json(&v[i]));
    kb_gaps_free(v, n);
    bot_api_reply(c, 200, json_pack("{s:o}", "gaps", a));
}

/* The path's gap id, or -1 with the 404 answered. */
static long long gap_id(struct bot_api_call *c)
{
    char *end;
    long long id = strtoll(c->param, &end, 10);
    if (!c->param[0] || *end || id < 1) {
        bot_api_error(c, 404, "not_found", "no gap %s", c->param);
        return -1;
    }
    return id;
}

static void gap_dismiss(struct bot_api_call *c)
{
    struct sn_err e = {0};
    long long id = gap_id(c);
    if (id < 0)
        return;
    int rc = kb_gap_resolve(kb_w(c), id, "", &e); /* resolved by no entry: dismissed */
    if (rc)
        fail(c, rc, &e);
    else
        bot_api_reply(c, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "dismissed", 1));
}

/* {"entry": {…}} makes a new entry of the gap (its sample the question unless given);
 * {"to": "id"} adds the sample as a variant of that entry. */
static void gap_promote(struct bot_api_call *c)
{
    struct sn_err e = {0};
    struct kb_entry *en = NULL;
    long long id = gap_id(c);
    json_t *j = id > 0 ? body_object(c) : NULL, *je, *to;
    if (!j)
        goto out;
    je = json_object_get(j, "entry");
    to = json_object_get(j, "to");
    if (!!je == !!to || (to && !json_is_string(to)) || (je && !json_is_object(je))) {
        bot_api_error(c, 400, "invalid", "send either \"entry\" (an object) or \"to\" (an id)");
        goto out;
    }
    int rc;
    if (to) {
        rc = kb_gap_promote_to(kb_w(c), id, json_string_value(to), &e);
        if (rc == SN_OK) {
            struct kb_entry *cur = kb_entry_get(kb_of(c), json_string_value(to), &e);
            bot_api_reply(c, 200,
                          json_pack("{s:I, s:o}", "gap", (json_int_t)id, "entry",
                                    cur ? entry_json(cur) : json_null()));
            kb_entry_free(cur);
        }
    } else {
        /* the gap fills in what the editor left out (question, lang); the import rules
         * need them, so a placeholder stands in until kb_gap_promote_new decides */
        struct kb_gap g = {0};
        if ((rc = kb_gap_get(kb_of(c), id, &g, &e)) == SN_OK) {
            if (!json_object_get(je, "question"))
                json_object_set_new(je, "question", json_string(g.sample));
            if (!json_object_get(je, "lang"))
                json_object_set_new(je, "lang", json_string(g.lang));
            kb_gap_fini(&g);
            if (!(en = entry_from(c, je)))
                goto out;
            rc = kb_gap_promote_new(kb_w(c), id, en, &e);
            if (rc == SN_OK)
                bot_api_reply(
                    c, 201,
                    json_pack("{s:I, s:o}", "gap", (json_int_t)id, "entry", entry_json(en)));
        }
    }
    if (rc)
        fail(c, rc, &e);
out:
    kb_entry_free(en);
    json_decref(j);
}

/* ---- the table ---- */

#define R BOT_ROLE_EDITOR /* editors and admins change the base; any logged-in user reads */

const struct bot_api_route bot_api_kb_routes[] = {
    {BOT_API_GET, "/api/entries", 0, BOT_API_BODY_NONE, 0, entries_list},
    {BOT_API_POST, "/api/entries", R, BOT_API_BODY_JSON, ENTRY_BODY_MAX, entries_create},
    {BOT_API_GET, "/api/entries/{id}", 0, BOT_API_BODY_NONE, 0, entry_get},
    {BOT_API_PUT, "/api/entries/{id}", R, BOT_API_BODY_JSON, ENTRY_BODY_MAX, entry_put},
    {BOT_API_DELETE, "/api/entries/{id}", R, BOT_API_BODY_NONE, 0, entry_delete},
    {BOT_API_POST, "/api/entries/{id}/publish", R, BOT_API_BODY_JSON, SMALL_BODY_MAX,
     entry_publish},
    {BOT_API_POST, "/api/entries/{id}/unpublish", R, BOT_API_BODY_JSON, SMALL_BODY_MAX,
     entry_unpublish},
    {BOT_API_GET, "/api/entries/{id}/history", 0, BOT_API_BODY_NONE, 0, entry_history},
    {BOT_API_POST, "/api/entries/{id}/revert", R, BOT_API_BODY_JSON, SMALL_BODY_MAX, entry_revert},
    {BOT_API_GET, "/api/categories", 0, BOT_API_BODY_NONE, 0, categories},
    {BOT_API_GET, "/api/search", 0, BOT_API_BODY_NONE, 0, search},
    {BOT_API_POST, "/api/import", R, BOT_API_BODY_IMPORT, IMPORT_BODY_MAX, import},
    {BOT_API_GET, "/api/export", 0, BOT_API_BODY_NONE, 0, export},
    {BOT_API_GET, "/api/synonyms", 0, BOT_API_BODY_NONE, 0, synonyms_list},
    {BOT_API_POST, "/api/synonyms", R, BOT_API_BODY_JSON, SMALL_BODY_MAX, synonyms_add},
    {BOT_API_DELETE, "/api/synonyms", R, BOT_API_BODY_NONE, 0, synonyms_rm},
    {BOT_API_GET, "/api/gaps", 0, BOT_API_BODY_NONE, 0, gaps_list},
    {BOT_API_POST, "/api/gaps/{id}/dismiss", R, BOT_API_BODY_JSON, SMALL_BODY_MAX, gap_dismiss},
    {BOT_API_POST, "/api/gaps/{id}/promote", R, BOT_API_BODY_JSON, ENTRY_BODY_MAX, gap_promote},
    {0, NULL, 0, 0, 0, NULL},
};
