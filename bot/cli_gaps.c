/* `sanad kb gaps …`: the questions the bot could not answer, most asked first, and their
 * promotion into entries. Same conventions as `sanad kb` (bot/cli_kb.c). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/cli.h"
#include "kb/gap.h"
#include "kb/kb.h"

static const char usage[] =
    "usage: sanad kb gaps [list] [--db PATH] [--json] [--lang ar|en] [--limit N] [--all]\n"
    "       sanad kb gaps promote GAP_ID --new --answer A [--question Q] [--lang L]\n"
    "                                    [--category C] [--id ID] [--draft]\n"
    "       sanad kb gaps promote GAP_ID --to ENTRY_ID\n"
    "       sanad kb gaps promote GAP_ID --proposed\n"
    "\n"
    "Gaps are questions the bot could not answer, answers rated not helpful, questions\n"
    "followed by a request for a human, and questions whose answer visitors picked among\n"
    "suggestions (\"proposed variant of ENTRY\": --proposed adds the wording to that entry);\n"
    "variants of one question are counted together.\n"
    "--all lists resolved gaps too. Exit codes: 0 ok, 1 not found, 2 bad input, 3 internal.\n";

struct gopts {
    const char *db, *lang, *answer, *question, *category, *id, *to;
    int json, limit, all, is_new, draft, proposed;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "sanad kb gaps: %s%s%s\n(see `sanad kb gaps --help`)\n", msg,
            arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int fail(const struct sn_err *e)
{
    fprintf(stderr, "sanad kb gaps: %s\n", e->msg);
    return bot_cli_exit_code(e->code);
}

static json_t *gap_json(const struct kb_gap *g)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:i, s:{s:i, s:i, s:i, s:i}, s:o, s:I, s:I, s:o}", "id",
        (json_int_t)g->id, "lang", g->lang, "question", g->sample, "analyzed", g->analyzed,
        "key", g->key, "count", g->count, "reasons", "low", g->n_low, "not_helpful",
        g->n_unhelpful, "human", g->n_human, "picked", g->n_picked, "proposed_to",
        g->proposed_to[0] ? json_string(g->proposed_to) : json_null(), "first",
        (json_int_t)g->first, "last", (json_int_t)g->last, "resolved_to",
        g->resolved ? json_string(g->resolved_to) : json_null());
}

static int cmd_list(struct kb *kb, const struct gopts *o)
{
    struct kb_gap *v;
    int n;
    struct sn_err e = {0};
    if (kb_gap_list(kb, o->lang, o->limit, o->all, &v, &n, &e))
        return fail(&e);
    json_t *a = o->json ? json_array() : NULL;
    for (int i = 0; i < n; i++) {
        if (a) {
            json_array_append_new(a, gap_json(&v[i]));
            continue;
        }
        char when[32];
        time_t t = (time_t)v[i].last;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime(&t));
        printf("#%-5lld %4d×  %s  %s  (low %d, not helpful %d, human %d, picked %d; last %s)",
               v[i].id, v[i].count, v[i].lang, v[i].sample, v[i].n_low, v[i].n_unhelpful,
               v[i].n_human, v[i].n_picked, when);
        if (v[i].resolved)
            printf(" -> %s", v[i].resolved_to);
        else if (v[i].proposed_to[0])
            printf("  proposed variant of %s", v[i].proposed_to);
        putchar('\n');
    }
    if (a) {
        char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(a);
    } else if (n == 0) {
        printf("no open gaps\n");
    }
    kb_gaps_free(v, n);
    return 0;
}

static int cmd_promote(struct kb *kb, const struct gopts *o, const char *idarg)
{
    struct sn_err e = {0};
    char *end;
    errno = 0;
    long long id = strtoll(idarg, &end, 10);
    int rc;
    if (errno || *end || id < 1)
        return bad("GAP_ID must be a positive number", idarg);
    if (o->is_new + !!o->to + o->proposed != 1)
        return bad("promote needs exactly one of --new, --to ENTRY_ID and --proposed", NULL);
    if (o->to || o->proposed) {
        if (o->answer || o->question || o->category || o->id || o->draft)
            return bad(o->to ? "--to takes no entry fields" : "--proposed takes no entry fields",
                       NULL);
        struct kb_gap g;
        if ((rc = kb_gap_get(kb, id, &g, &e)))
            return fail(&e);
        char *to = sn_xstrdup(o->to ? o->to : g.proposed_to);
        kb_gap_fini(&g);
        if (!*to) {
            free(to);
            sn_err_set(&e, SN_ENOTFOUND, "gap #%lld has no proposed entry (no visitor picked one)",
                       id);
            return fail(&e);
        }
        rc = kb_gap_promote_to(kb, id, to, &e);
        if (rc == SN_OK) {
            if (o->json)
                printf("{\"gap\":%lld,\"entry\":\"%s\",\"action\":\"variant\"}\n", id, to);
            else
                printf("gap #%lld added as a variant of %s\n", id, to);
        }
        free(to);
        return rc ? fail(&e) : 0;
    }
    if (!o->answer)
        return bad("--new needs --answer", NULL);
    struct kb_entry *en = kb_entry_new();
    free(en->answer);
    en->answer = sn_xstrdup(o->answer);
    if (o->question) {
        free(en->question);
        en->question = sn_xstrdup(o->question);
    }
    if (o->category) {
        free(en->category);
        en->category = sn_xstrdup(o->category);
    }
    if (o->id) {
        free(en->id);
        en->id = sn_xstrdup(o->id);
    }
    en->lang[0] = 0;
    if (o->lang)
        memcpy(en->lang, o->lang, 3);
    en->status = o->draft ? KB_DRAFT : KB_PUBLISHED;
    rc = kb_gap_promote_new(kb, id, en, &e);
    if (rc == SN_OK) {
        if (o->json)
            printf("{\"gap\":%lld,\"entry\":\"%s\",\"action\":\"new\"}\n", id, en->id);
        else
            printf("gap #%lld is now entry %s\n", id, en->id);
    }
    kb_entry_free(en);
    return rc ? fail(&e) : 0;
}

int bot_cli_kb_gaps(int argc, char **argv)
{
    enum { O_DB = 256, O_JSON, O_LANG, O_LIMIT, O_ALL, O_NEW, O_TO, O_A, O_Q, O_CAT, O_ID,
           O_DRAFT, O_PROPOSED, O_HELP };
    static const struct option lo[] = {
        {"db", 1, 0, O_DB},     {"json", 0, 0, O_JSON},   {"lang", 1, 0, O_LANG},
        {"limit", 1, 0, O_LIMIT}, {"all", 0, 0, O_ALL},   {"new", 0, 0, O_NEW},
        {"to", 1, 0, O_TO},     {"answer", 1, 0, O_A},    {"question", 1, 0, O_Q},
        {"category", 1, 0, O_CAT}, {"id", 1, 0, O_ID},    {"draft", 0, 0, O_DRAFT},
        {"proposed", 0, 0, O_PROPOSED}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0}};
    struct gopts o = {.db = "data/sanad.db"};
    struct sn_err e = {0};
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: o.db = optarg; break;
        case O_JSON: o.json = 1; break;
        case O_LANG: o.lang = optarg; break;
        case O_ALL: o.all = 1; break;
        case O_NEW: o.is_new = 1; break;
        case O_TO: o.to = optarg; break;
        case O_A: o.answer = optarg; break;
        case O_Q: o.question = optarg; break;
        case O_CAT: o.category = optarg; break;
        case O_ID: o.id = optarg; break;
        case O_DRAFT: o.draft = 1; break;
        case O_PROPOSED: o.proposed = 1; break;
        case O_HELP: fputs(usage, stdout); return 0;
        case O_LIMIT: {
            char *end;
            long l = strtol(optarg, &end, 10);
            if (*end || l < 1 || l > 1000000)
                return bad("--limit: expected a positive number", optarg);
            o.limit = (int)l;
            break;
        }
        default: return bad("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (o.lang && strcmp(o.lang, "ar") && strcmp(o.lang, "en"))
        return bad("--lang: expected ar or en", o.lang);
    int npos = argc - optind;
    char **pos = argv + optind;
    int promote = npos > 0 && strcmp(pos[0], "promote") == 0;
    if (promote ? npos != 2 : (npos > 1 || (npos == 1 && strcmp(pos[0], "list"))))
        return bad("expected `list` or `promote GAP_ID`", npos ? pos[0] : NULL);
    struct kb *kb = kb_open(o.db, 0, &e);
    if (!kb)
        return fail(&e);
    bot_cli_kb_actor(kb);
    rc = promote ? cmd_promote(kb, &o, pos[1]) : cmd_list(kb, &o);
    kb_close(kb);
    return rc;
}
