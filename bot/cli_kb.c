/* `sanad kb …`: the editor's command line over kb/. Human-readable text by default,
 * --json for scripts. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/paths.h"
#include "kb/calib.h"
#include "kb/kb.h"

#define DEFAULT_DB "data/sanad.db"

static const char usage[] =
    "usage: sanad kb <subcommand> [--db PATH] [--json] ...\n"
    "\n"
    "  init                         create the database (and the default synonyms)\n"
    "  add --lang ar|en --question Q --answer A [--variant V]... [--keyword K]...\n"
    "      [--category C] [--id ID] [--draft]\n"
    "  edit ID [--question Q] [--answer A] [--variant V]... [--add-variant V]\n"
    "      [--keyword K]... [--category C] [--lang L] [--draft|--publish]\n"
    "  rm ID                        remove an entry (its history is kept)\n"
    "  list [--lang L] [--category C] [--status draft|published]\n"
    "  show ID\n"
    "  import FILE [--format jsonl|csv]   all or nothing; FILE - reads stdin\n"
    "  export [FILE] [--format jsonl|csv] every entry; stdout by default\n"
    "  search QUESTION [-k N] [--lang L] [--explain] [--answer-precision P]\n"
    "      [--suggest-precision P] [--high X] [--medium Y]   (X, Y: raw bands)\n"
    "  search --batch ...           one question per stdin line, one JSON line each\n"
    "  synonyms [list] | synonyms add TERM CANONICAL | synonyms rm TERM\n"
    "  history ID                   every version of an entry\n"
    "  calibrate                    refit the confidence model on this base and report it\n"
    "  labels [list] [--limit N] | labels rm ID   examples learned from use\n"
    "  revert ID VERSION            make an old version current again\n"
    "\n"
    "Every write refits the confidence model (--no-calibrate skips it, for a batch of\n"
    "edits followed by `calibrate`).\n"
    "--db defaults to " DEFAULT_DB ". Exit codes: 0 ok, 1 not found or no result,\n"
    "2 bad input, 3 internal error.\n";

struct opts {
    const char *db, *lang, *category, *status, *question, *answer, *id, *format;
    const char *variants[KB_MAX_VARIANTS + 1], *keywords[KB_MAX_KEYWORDS + 1],
        *add_variants[KB_MAX_VARIANTS + 1];
    int nvariants, nkeywords, nadd_variants;
    int json, explain, batch, k, draft, publish, no_synonyms, debug, no_calibrate, limit;
    double high, medium, answer_precision, suggest_precision;
    int have_high, have_medium, have_ap, have_sp;
};

static int usage_error(const char *fmt, ...) SN_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sanad kb: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see `sanad kb help`)\n", stderr);
    return 2;
}

int bot_cli_exit_code(int code)
{
    switch (code) {
    case SN_OK:
        return 0;
    case SN_ENOTFOUND:
        return 1;
    case SN_EINVAL:
    case SN_ETOOBIG:
    case SN_ECONFLICT:
        return 2;
    default:
        return 3;
    }
}

static int fail(const struct sn_err *e)
{
    fprintf(stderr, "sanad kb: %s\n", e->msg);
    return bot_cli_exit_code(e->code);
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == 0 && *out >= 0 && *out <= 1;
}

/* Parses options into o and leaves the positional arguments in argv[optind..]. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    enum {
        O_DB = 256,
        O_JSON,
        O_LANG,
        O_CAT,
        O_STATUS,
        O_Q,
        O_A,
        O_V,
        O_AV,
        O_KW,
        O_ID,
        O_FMT,
        O_EXPLAIN,
        O_BATCH,
        O_DRAFT,
        O_PUBLISH,
        O_HIGH,
        O_MEDIUM,
        O_NOSYN,
        O_DEBUG,
        O_AP,
        O_SP,
        O_NOCAL,
        O_LIMIT
    };
    static const struct option lo[] = {
        {"db", 1, 0, O_DB},
        {"json", 0, 0, O_JSON},
        {"lang", 1, 0, O_LANG},
        {"category", 1, 0, O_CAT},
        {"status", 1, 0, O_STATUS},
        {"question", 1, 0, O_Q},
        {"answer", 1, 0, O_A},
        {"variant", 1, 0, O_V},
        {"add-variant", 1, 0, O_AV},
        {"keyword", 1, 0, O_KW},
        {"id", 1, 0, O_ID},
        {"format", 1, 0, O_FMT},
        {"explain", 0, 0, O_EXPLAIN},
        {"batch", 0, 0, O_BATCH},
        {"draft", 0, 0, O_DRAFT},
        {"publish", 0, 0, O_PUBLISH},
        {"high", 1, 0, O_HIGH},
        {"medium", 1, 0, O_MEDIUM},
        {"no-synonyms", 0, 0, O_NOSYN},
        {"debug", 0, 0, O_DEBUG},
        {"answer-precision", 1, 0, O_AP},
        {"suggest-precision", 1, 0, O_SP},
        {"no-calibrate", 0, 0, O_NOCAL},
        {"limit", 1, 0, O_LIMIT},
        {0, 0, 0, 0},
    };
    int c;
    memset(o, 0, sizeof *o);
    o->db = DEFAULT_DB;
    o->k = 5;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:", lo, NULL)) != -1) {
        switch (c) {
        case O_DB:
            o->db = optarg;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_LANG:
            o->lang = optarg;
            break;
        case O_CAT:
            o->category = optarg;
            break;
        case O_STATUS:
            o->status = optarg;
            break;
        case O_Q:
            o->question = optarg;
            break;
        case O_A:
            o->answer = optarg;
            break;
        case O_ID:
            o->id = optarg;
            break;
        case O_FMT:
            o->format = optarg;
            break;
        case O_EXPLAIN:
            o->explain = 1;
            break;
        case O_BATCH:
            o->batch = 1;
            break;
        case O_DRAFT:
            o->draft = 1;
            break;
        case O_PUBLISH:
            o->publish = 1;
            break;
        case O_NOSYN:
            o->no_synonyms = 1;
            break;
        case O_DEBUG:
            o->debug = 1;
            break;
        case O_NOCAL:
            o->no_calibrate = 1;
            break;
        case O_AP:
        case O_SP: {
            double *t = c == O_AP ? &o->answer_precision : &o->suggest_precision;
            if (!parse_double(optarg, t) || *t <= 0)
                return usage_error("--%s-precision: expected a number in (0,1], got '%s'",
                                   c == O_AP ? "answer" : "suggest", optarg);
            *(c == O_AP ? &o->have_ap : &o->have_sp) = 1;
            break;
        }
        case O_LIMIT: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 100000)
                return usage_error("--limit: expected 1..100000, got '%s'", optarg);
            o->limit = (int)n;
            break;
        }
        case O_V:
            if (o->nvariants == KB_MAX_VARIANTS)
                return usage_error("at most %s variants", "16");
            o->variants[o->nvariants++] = optarg;
            break;
        case O_AV:
            if (o->nadd_variants == KB_MAX_VARIANTS)
                return usage_error("at most %s variants", "16");
            o->add_variants[o->nadd_variants++] = optarg;
            break;
        case O_KW:
            if (o->nkeywords == KB_MAX_KEYWORDS)
                return usage_error("at most %s keywords", "16");
            o->keywords[o->nkeywords++] = optarg;
            break;
        case O_HIGH:
            if (!parse_double(optarg, &o->high))
                return usage_error("--high: expected a number in [0,1], got '%s'", optarg);
            o->have_high = 1;
            break;
        case O_MEDIUM:
            if (!parse_double(optarg, &o->medium))
                return usage_error("--medium: expected a number in [0,1], got '%s'", optarg);
            o->have_medium = 1;
            break;
        case 'k': {
            char *end;
            long k = strtol(optarg, &end, 10);
            if (*end || k < 1 || k > KB_MAX_K)
                return usage_error("-k: expected 1..20, got '%s'", optarg);
            o->k = (int)k;
            break;
        }
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (o->lang && strcmp(o->lang, "ar") && strcmp(o->lang, "en"))
        return usage_error("--lang: expected ar or en, got '%s'", o->lang);
    if (o->draft && o->publish)
        return usage_error("%s", "--draft and --publish exclude each other");
    return 0;
}

void bot_cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
    json_decref(j);
}

/* The entry as a JSON object (same fields as the JSON Lines format); new reference. */
static json_t *entry_json(const struct kb_entry *e)
{
    struct sn_buf b;
    sn_buf_init(&b, 1u << 24);
    kb_write_entry(KB_FMT_JSONL, e, &b);
    json_t *j = json_loadb(b.p, b.len, 0, NULL);
    sn_buf_fini(&b);
    return j;
}

static void print_entry(const struct kb_entry *e)
{
    char when[32];
    time_t t = (time_t)e->updated;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    printf(
        "id:        %s\nlang:      %s\ncategory:  %s\nstatus:    %s\nversion:   %d (updated %s)\n"
        "question:  %s\n",
        e->id, e->lang, e->category, kb_status_name(e->status), e->version, when, e->question);
    for (int i = 0; i < e->n_variants; i++)
        printf("variant:   %s\n", e->variants[i]);
    for (int i = 0; i < e->n_keywords; i++)
        printf("keyword:   %s\n", e->keywords[i]);
    printf("answer:    %s\n", e->answer);
}

static char **dup_list(const char *const *v, int n)
{
    char **out = sn_xcalloc((size_t)n + 1, sizeof *out);
    for (int i = 0; i < n; i++)
        out[i] = sn_xstrdup(v[i]);
    return out;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = sn_xstrdup(src);
}

/* fresh: the database did not exist (or was an empty file) before this init. On an existing
 * one the default synonyms are not installed again: that would undo the editors' changes. */
static char *slurp(const char *path, size_t *len, struct sn_err *e);

static int cmd_init(struct kb *kb, const struct opts *o, int fresh)
{
    struct sn_err e = {0};
    int added = 0;
    if (fresh && !o->no_synonyms) {
        char dir[4096], path[4200];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/synonyms.tsv", bot_find_dir("kb", dir, sizeof dir));
        char *text = slurp(path, &len, &e);
        int rc = text ? kb_synonym_load(kb, text, len, &added, &e) : e.code;
        free(text);
        if (rc != SN_OK) {
            fprintf(stderr, "sanad kb init: default synonyms: %s\n", e.msg);
            return e.code == SN_EINVAL ? 2 : 3;
        }
    }
    if (o->json)
        bot_cli_print_json(
            json_pack("{s:s, s:b, s:i}", "db", o->db, "created", fresh, "synonyms", added));
    else if (fresh)
        printf("initialized %s (%d default synonyms)\n", o->db, added);
    else
        printf("%s is already initialized (entries and synonyms kept)\n", o->db);
    return 0;
}

static int cmd_add(struct kb *kb, const struct opts *o)
{
    struct sn_err e = {0};
    if (!o->lang || !o->question || !o->answer)
        return usage_error("%s", "add needs --lang, --question and --answer");
    struct kb_entry *en = kb_entry_new();
    snprintf(en->lang, sizeof en->lang, "%s", o->lang);
    set_str(&en->question, o->question);
    set_str(&en->answer, o->answer);
    if (o->category)
        set_str(&en->category, o->category);
    if (o->id)
        set_str(&en->id, o->id);
    en->variants = dup_list(o->variants, o->nvariants);
    en->n_variants = o->nvariants;
    en->keywords = dup_list(o->keywords, o->nkeywords);
    en->n_keywords = o->nkeywords;
    en->status = o->draft ? KB_DRAFT : KB_PUBLISHED;
    int rc = kb_entry_add(kb, en, &e);
    if (rc == SN_OK) {
        if (o->json)
            bot_cli_print_json(entry_json(en));
        else
            printf("added %s (version %d, %s)\n", en->id, en->version, kb_status_name(en->status));
    }
    kb_entry_free(en);
    return rc ? fail(&e) : 0;
}

static int cmd_edit(struct kb *kb, const struct opts *o, const char *id)
{
    struct sn_err e = {0};
    struct kb_entry *en = kb_entry_get(kb, id, &e);
    if (!en)
        return fail(&e);
    if (o->lang)
        snprintf(en->lang, sizeof en->lang, "%s", o->lang);
    if (o->question)
        set_str(&en->question, o->question);
    if (o->answer)
        set_str(&en->answer, o->answer);
    if (o->category)
        set_str(&en->category, o->category);
    if (o->nvariants) {
        free_list(en->variants, en->n_variants);
        en->variants = dup_list(o->variants, o->nvariants);
        en->n_variants = o->nvariants;
    }
    if (o->nadd_variants) {
        if (en->n_variants + o->nadd_variants > KB_MAX_VARIANTS) {
            kb_entry_free(en);
            return usage_error("at most %s variants", "16");
        }
        en->variants = sn_xrealloc(en->variants, (size_t)(en->n_variants + o->nadd_variants + 1) *
                                                     sizeof(char *));
        for (int i = 0; i < o->nadd_variants; i++)
            en->variants[en->n_variants++] = sn_xstrdup(o->add_variants[i]);
    }
    if (o->nkeywords) {
        free_list(en->keywords, en->n_keywords);
        en->keywords = dup_list(o->keywords, o->nkeywords);
        en->n_keywords = o->nkeywords;
    }
    if (o->draft)
        en->status = KB_DRAFT;
    if (o->publish)
        en->status = KB_PUBLISHED;
    int before = en->version;
    int rc = kb_entry_update(kb, en, &e);
    if (rc == SN_OK) {
        if (o->json)
            bot_cli_print_json(entry_json(en));
        else if (en->version == before)
            printf("%s unchanged (version %d)\n", en->id, en->version);
        else
            printf("edited %s (version %d)\n", en->id, en->version);
    }
    kb_entry_free(en);
    return rc ? fail(&e) : 0;
}

static int cmd_rm(struct kb *kb, const struct opts *o, const char *id)
{
    struct sn_err e = {0};
    if (kb_entry_rm(kb, id, &e))
        return fail(&e);
    if (o->json)
        bot_cli_print_json(json_pack("{s:s, s:b}", "id", id, "removed", 1));
    else
        printf("removed %s (its history is kept: sanad kb history %s)\n", id, id);
    return 0;
}

static int cmd_list(struct kb *kb, const struct opts *o)
{
    struct sn_err e = {0};
    struct kb_entry_list l;
    struct kb_filter f = {.lang = o->lang, .category = o->category, .status = -1};
    if (o->status && (f.status = kb_status_parse(o->status)) < 0)
        return usage_error("--status: expected draft or published, got '%s'", o->status);
    kb_entry_list_init(&l);
    int rc = kb_entry_list(kb, &f, &l, &e);
    if (rc == SN_OK) {
        if (o->json) {
            json_t *a = json_array();
            for (size_t i = 0; i < l.n; i++)
                json_array_append_new(a, entry_json(l.v[i]));
            bot_cli_print_json(a);
        } else {
            for (size_t i = 0; i < l.n; i++)
                printf("%-14s %s  %-9s %-10s %s\n", l.v[i]->id, l.v[i]->lang,
                       kb_status_name(l.v[i]->status), l.v[i]->category, l.v[i]->question);
            printf("%zu entries\n", l.n);
        }
    }
    kb_entry_list_fini(&l);
    return rc ? fail(&e) : 0;
}

static int cmd_show(struct kb *kb, const struct opts *o, const char *id)
{
    struct sn_err e = {0};
    struct kb_entry *en = kb_entry_get(kb, id, &e);
    if (!en)
        return fail(&e);
    if (o->json)
        bot_cli_print_json(entry_json(en));
    else
        print_entry(en);
    kb_entry_free(en);
    return 0;
}

static int format_of(const struct opts *o, const char *path, enum kb_format *fmt)
{
    if (o->format) {
        if (strcmp(o->format, "jsonl") == 0)
            *fmt = KB_FMT_JSONL;
        else if (strcmp(o->format, "csv") == 0)
            *fmt = KB_FMT_CSV;
        else
            return usage_error("--format: expected jsonl or csv, got '%s'", o->format);
        return 0;
    }
    size_t n = path ? strlen(path) : 0;
    *fmt = n > 4 && strcmp(path + n - 4, ".csv") == 0 ? KB_FMT_CSV : KB_FMT_JSONL;
    return 0;
}

/* Reads a whole file (or stdin for "-") up to KB_MAX_IMPORT_BYTES; caller frees. */
static char *slurp(const char *path, size_t *len, struct sn_err *e)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct sn_buf b;
    char chunk[65536];
    size_t n;
    if (!f) {
        sn_err_set(e, SN_ENOTFOUND, "%s: %s", path, strerror(errno));
        return NULL;
    }
    sn_buf_init(&b, KB_MAX_IMPORT_BYTES);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sn_buf_add(&b, chunk, n)) {
            sn_err_set(e, SN_ETOOBIG, "%s: larger than %u bytes", path, KB_MAX_IMPORT_BYTES);
            sn_buf_fini(&b);
            if (f != stdin)
                fclose(f);
            return NULL;
        }
    }
    if (ferror(f)) {
        sn_err_set(e, SN_EINVAL, "%s: %s", path, strerror(errno));
        sn_buf_fini(&b);
        if (f != stdin)
            fclose(f);
        return NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = b.len;
    return sn_buf_take(&b);
}

static int cmd_import(struct kb *kb, const struct opts *o, const char *path)
{
    struct sn_err e = {0};
    struct kb_import_stats st = {0};
    const struct kb_import_report *t = &st.rows;
    enum kb_format fmt;
    size_t len = 0;
    if (format_of(o, path, &fmt))
        return 2;
    char *buf = slurp(path, &len, &e);
    if (!buf)
        return fail(&e);
    int rc = kb_import(kb, fmt, buf, len, &st, &e);
    free(buf);
    if (rc && t->n_bad > 1) {
        /* One line per invalid row (the list says when it stops short). */
        fprintf(stderr, "sanad kb: import of %s rejected, nothing changed: %d invalid rows\n%s",
                path, t->n_bad, t->bad);
    } else if (rc) {
        fprintf(stderr, "sanad kb: import of %s rejected, nothing changed: %s\n", path, e.msg);
    } else if (o->json) {
        bot_cli_print_json(json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "added", st.added,
                                     "updated", st.updated, "unchanged", st.unchanged, "trimmed",
                                     t->trimmed, "joined", t->joined, "folded", t->folded,
                                     "skipped", t->skipped, "dropped", t->dropped));
    } else {
        /* The line starts as it always has (scripts read it); what tidying did follows, and
         * only when it did something. */
        const struct {
            int n;
            const char *one, *many;
        } tidied[] = {
            {t->trimmed, "field trimmed", "fields trimmed"},
            {t->joined, "field with line breaks joined", "fields with line breaks joined"},
            {t->folded, "lang/status case-folded", "lang/status case-folded"},
            {t->skipped, "empty row skipped", "empty rows skipped"},
            {t->dropped, "blank list item dropped", "blank list items dropped"},
        };
        const char *sep = "; ";
        printf("imported %s: %d added, %d updated, %d unchanged", path, st.added, st.updated,
               st.unchanged);
        for (size_t i = 0; i < sizeof tidied / sizeof tidied[0]; i++) {
            if (!tidied[i].n)
                continue;
            printf("%s%d %s", sep, tidied[i].n, tidied[i].n == 1 ? tidied[i].one : tidied[i].many);
            sep = ", ";
        }
        putchar('\n');
    }
    kb_import_report_fini(&st.rows);
    return rc ? bot_cli_exit_code(rc) : 0;
}

static int cmd_export(struct kb *kb, const struct opts *o, const char *path)
{
    struct sn_err e = {0};
    enum kb_format fmt;
    if (format_of(o, path, &fmt))
        return 2;
    FILE *f = !path || strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "sanad kb: %s: %s\n", path, strerror(errno));
        return 2;
    }
    int rc = kb_export(kb, fmt, f, &e);
    if (f != stdout && fclose(f) != 0 && rc == SN_OK)
        rc = sn_err_set(&e, SN_EIO, "%s: %s", path, strerror(errno));
    return rc ? fail(&e) : 0;
}

static json_t *results_json(const char *q, const struct kb_results *r, int with_answer, int debug)
{
    json_t *a = json_array();
    for (int i = 0; i < r->n; i++) {
        const struct kb_hit *h = &r->v[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "id", h->id, "lang", h->lang,
                              "question", h->question, "score", h->score, "confidence",
                              h->confidence, "band", kb_band_name(h->band));
        if (with_answer)
            json_object_set_new(o, "answer", json_string(h->answer));
        if (debug) {
            json_t *sig = json_object();
            for (int j = 0; j < KB_SIG_N; j++)
                json_object_set_new(sig, kb_sig_name(j), json_real(h->sig[j]));
            json_object_set_new(o, "debug",
                                json_pack("{s:f, s:f, s:f, s:f, s:i, s:o}", "cover_q", h->cover_q,
                                          "cover_r", h->cover_r, "first_pass", h->first_pass,
                                          "model_probability", h->p, "caps", (int)h->caps,
                                          "signals", sig));
        }
        json_array_append_new(a, o);
    }
    json_t *o =
        json_pack("{s:s, s:o, s:{s:f, s:f, s:b}}", "query", q, "results", a, "bands", "answer_at",
                  r->answer_at, "suggest_at", r->suggest_at, "calibrated", r->calibrated);
    if (r->explain)
        json_object_set_new(o, "explain", json_string(r->explain));
    return o;
}

static int
search_one(struct kb *kb, const struct opts *o, const struct kb_search_opts *so, const char *q)
{
    struct sn_err e = {0};
    struct kb_results *r = NULL;
    const char *p = q;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    int rc = *p ? kb_search(kb, q, so, &r, &e) : sn_err_set(&e, SN_EINVAL, "question is empty");
    if (rc) {
        if (o->batch) { /* keep one output line per input line */
            bot_cli_print_json(json_pack("{s:s?, s:[], s:s}", "query",
                                         sn_utf8_valid(q, strlen(q), NULL) ? q : NULL, "results",
                                         "error", e.msg));
            return bot_cli_exit_code(rc);
        }
        return fail(&e);
    }
    if (o->json || o->batch) {
        bot_cli_print_json(results_json(q, r, !o->batch, o->debug));
    } else {
        if (r->explain)
            fputs(r->explain, stdout);
        for (int i = 0; i < r->n; i++)
            printf("%d. [%s %.2f %s] %s  (%s)\n   %s\n", i + 1, r->v[i].id, r->v[i].confidence,
                   kb_band_name(r->v[i].band), r->v[i].question, r->v[i].lang, r->v[i].answer);
        if (r->n == 0)
            printf("no match\n");
    }
    rc = r->n ? 0 : 1;
    kb_results_free(r);
    return rc;
}

static int cmd_search(struct kb *kb, const struct opts *o, int argc, char **argv)
{
    struct kb_search_opts so;
    kb_search_opts_init(&so);
    so.k = o->k;
    so.lang = o->lang;
    so.explain = o->explain;
    if (o->have_ap)
        so.answer_precision = o->answer_precision;
    if (o->have_sp)
        so.suggest_precision = o->suggest_precision;
    if (so.suggest_precision > so.answer_precision)
        return usage_error("%s", "--suggest-precision must not be above --answer-precision");
    if (o->have_high)
        so.high = o->high;
    if (o->have_medium)
        so.medium = o->medium;
    if (o->have_high && o->have_medium && so.medium > so.high)
        return usage_error("%s", "--medium must not be above --high");
    if (!o->batch) {
        if (argc != 1)
            return usage_error("%s", "search takes one QUESTION (quote it), or --batch");
        return search_one(kb, o, &so, argv[0]);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int any = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        size_t nul = strlen(line);
        if (nul != (size_t)n) {
            char msg[64];
            snprintf(msg, sizeof msg, "question: NUL byte at byte %zu", nul);
            bot_cli_print_json(json_pack("{s:n, s:[], s:s}", "query", "results", "error", msg));
            fflush(stdout);
            continue;
        }
        any |= search_one(kb, o, &so, line) == 0;
        fflush(stdout);
    }
    free(line);
    return any ? 0 : 1;
}

struct syn_print {
    int json;
    json_t *arr;
};

static int print_syn(void *ctx, const char *term, const char *canonical)
{
    struct syn_print *p = ctx;
    if (p->json)
        json_array_append_new(p->arr,
                              json_pack("{s:s, s:s}", "term", term, "canonical", canonical));
    else
        printf("%s -> %s\n", term, canonical);
    return 0;
}

static int cmd_synonyms(struct kb *kb, const struct opts *o, int argc, char **argv)
{
    struct sn_err e = {0};
    const char *sub = argc ? argv[0] : "list";
    if (strcmp(sub, "list") == 0 && argc <= 1) {
        struct syn_print p = {o->json, o->json ? json_array() : NULL};
        int rc = kb_synonym_each(kb, print_syn, &p, &e);
        if (o->json)
            bot_cli_print_json(p.arr);
        return rc ? fail(&e) : 0;
    }
    if (strcmp(sub, "add") == 0 && argc == 3) {
        if (kb_synonym_add(kb, argv[1], argv[2], &e))
            return fail(&e);
        printf("%s -> %s\n", argv[1], argv[2]);
        return 0;
    }
    if (strcmp(sub, "rm") == 0 && argc == 2) {
        if (kb_synonym_rm(kb, argv[1], &e))
            return fail(&e);
        printf("removed %s\n", argv[1]);
        return 0;
    }
    return usage_error("%s", "synonyms [list] | synonyms add TERM CANONICAL | synonyms rm TERM");
}

static int cmd_history(struct kb *kb, const struct opts *o, const char *id)
{
    struct sn_err e = {0};
    struct kb_version *v;
    int n;
    if (kb_history(kb, id, &v, &n, &e))
        return fail(&e);
    json_t *a = o->json ? json_array() : NULL;
    for (int i = 0; i < n; i++) {
        if (a) {
            json_array_append_new(a, json_pack("{s:i, s:I, s:s, s:o}", "version", v[i].version,
                                               "at", (json_int_t)v[i].at, "action", v[i].action,
                                               "entry", entry_json(v[i].entry)));
        } else {
            char when[32];
            time_t t = (time_t)v[i].at;
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime(&t));
            printf("v%-3d %s  %-7s %s\n", v[i].version, when, v[i].action, v[i].entry->question);
        }
    }
    if (a)
        bot_cli_print_json(a);
    kb_history_free(v, n);
    return 0;
}

static int cmd_revert(struct kb *kb, const struct opts *o, const char *id, const char *ver)
{
    struct sn_err e = {0};
    char *end;
    long v = strtol(ver, &end, 10);
    if (*end || v < 1 || v > 1000000000)
        return usage_error("revert: VERSION must be a positive number, got '%s'", ver);
    if (kb_revert(kb, id, (int)v, &e))
        return fail(&e);
    struct kb_entry *en = kb_entry_get(kb, id, &e);
    if (en) {
        if (o->json)
            bot_cli_print_json(entry_json(en));
        else
            printf("reverted %s to version %ld (now version %d)\n", id, v, en->version);
        kb_entry_free(en);
    }
    return 0;
}

static int ensure_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int run_add(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n, (void)p;
    return cmd_add(kb, o);
}
static int run_edit(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_edit(kb, o, p[0]);
}
static int run_rm(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_rm(kb, o, p[0]);
}
static int run_list(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n, (void)p;
    return cmd_list(kb, o);
}
static int run_show(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_show(kb, o, p[0]);
}
static int run_import(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_import(kb, o, p[0]);
}
static int run_export(struct kb *kb, const struct opts *o, int n, char **p)
{
    return cmd_export(kb, o, n ? p[0] : NULL);
}
static int run_history(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_history(kb, o, p[0]);
}
static int run_revert(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n;
    return cmd_revert(kb, o, p[0], p[1]);
}
static int run_calibrate(struct kb *kb, const struct opts *o, int n, char **p)
{
    (void)n, (void)p;
    return bot_cli_kb_calibrate(kb, o->json);
}
static int run_labels(struct kb *kb, const struct opts *o, int n, char **p)
{
    return bot_cli_kb_labels(kb, o->json, o->limit, n, p);
}

typedef int cmd_fn(struct kb *kb, const struct opts *o, int npos, char **pos);
/* Whether a success changed the base, so that the confidence model is refitted: never,
 * always, or when the first argument is a subcommand other than list (synonyms add/rm). */
enum { W_NEVER, W_ALWAYS, W_SUBCMD };
/* The subcommands and the positional arguments each takes. init (run NULL) creates it. */
static const struct {
    const char *name;
    int min, max;
    int writes;
    cmd_fn *run;
} cmds[] = {
    {"init", 0, 0, W_NEVER, NULL},
    {"add", 0, 0, W_ALWAYS, run_add},
    {"edit", 1, 1, W_ALWAYS, run_edit},
    {"rm", 1, 1, W_ALWAYS, run_rm},
    {"list", 0, 0, W_NEVER, run_list},
    {"show", 1, 1, W_NEVER, run_show},
    {"import", 1, 1, W_ALWAYS, run_import},
    {"export", 0, 1, W_NEVER, run_export},
    {"search", 0, 1, W_NEVER, cmd_search},
    {"synonyms", 0, 3, W_SUBCMD, cmd_synonyms},
    {"history", 1, 1, W_NEVER, run_history},
    {"revert", 2, 2, W_ALWAYS, run_revert},
    {"calibrate", 0, 0, W_NEVER, run_calibrate},
    {"labels", 0, 2, W_SUBCMD, run_labels},
};

int bot_cli_kb(int argc, char **argv)
{
    struct opts o;
    struct sn_err e = {0};
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "gaps") == 0)
        return bot_cli_kb_gaps(argc - 1, argv + 1); /* bot/cli_gaps.c */
    if (parse_opts(argc - 1, argv + 1, &o))
        return 2;
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    size_t i;
    for (i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(cmds[i].name, cmd) == 0)
            break;
    if (i == sizeof cmds / sizeof *cmds)
        return usage_error("unknown subcommand '%s'", cmd);
    if (npos < cmds[i].min || npos > cmds[i].max)
        return usage_error("wrong number of arguments for '%s'", cmd);

    int create = cmds[i].run == NULL;
    struct stat sb;
    int fresh = create && (stat(o.db, &sb) != 0 || sb.st_size == 0);
    if (create && ensure_dir_of(o.db) != 0)
        return usage_error("cannot create the directory of '%s'", o.db);
    struct kb *kb = kb_open(o.db, create ? KB_OPEN_CREATE : 0, &e);
    if (!kb)
        return fail(&e);
    bot_cli_kb_actor(kb);
    int rc = create ? cmd_init(kb, &o, fresh) : cmds[i].run(kb, &o, npos, pos);
    /* A write changes what the calibration set holds: refit now, at the editor's command,
     * never while a visitor waits. */
    if (rc == 0 && !o.no_calibrate &&
        (cmds[i].writes == W_ALWAYS ||
         (cmds[i].writes == W_SUBCMD && npos > 0 && strcmp(pos[0], "list") != 0)))
        rc = bot_cli_kb_refit(kb, o.json);
    kb_close(kb);
    return rc;
}
