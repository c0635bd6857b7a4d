/* `sanad stats`: the support figures of GET /api/stats on the command line, from the store
 * opened read-only (a running server is not disturbed), computed by the same code
 * (bot_api_stats_run). A readable table by default, the API's JSON with --json. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bot/api_stats.h"
#include "bot/cli.h"
#include "bot/config.h"
#include "bot/stats.h"
#include "bot/store.h"
#include "bot/store_open.h"
#include "kb/kb.h"

static const char usage[] =
    "usage: sanad stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--group hour|day|week|month]\n"
    "                   [--tz ZONE] [--lang ar|en] [--channel widget] [--agent LOGIN] [--json]\n"
    "options: --config FILE, --data DIR, --store-db PATH, --db PATH (the knowledge base, for\n"
    "         the top gaps; skipped when missing): the paths as for sanad serve;\n"
    "         --store postgres --pg-dsn DSN [--pg-password-file FILE]: a PostgreSQL store\n"
    "\n"
    "The figures of GET /api/stats (docs/analytics.md) per period: to is inclusive, days are\n"
    "local days in --tz (default UTC), to defaults to today and from to 29 days before it.\n"
    "The store is opened read-only. Agents are shown by login.\n"
    "Exit codes: 0 ok, 2 bad input, 3 internal.\n";

enum {
    O_FROM = 1,
    O_TO,
    O_GROUP,
    O_TZ,
    O_LANG,
    O_CHANNEL,
    O_AGENT,
    O_JSON,
    O_STORE,
    O_DB,
    O_DATA,
    O_CONFIG,
    O_BACKEND,
    O_PG_DSN,
    O_PG_PASSWORD_FILE
};

/* The path options, in the order of the enum from O_STORE, as bot_config_args reads them. */
static const char *const path_flags[] = {
    "--store-db", "--db", "--data", "--config", "--store", "--pg-dsn", "--pg-password-file"};

static int bad(const char *msg)
{
    fprintf(stderr, "sanad stats: %s\n(see `sanad stats --help`)\n", msg);
    return 2;
}

static void num(const json_t *v, char *out, size_t size, int pct)
{
    if (!v || json_is_null(v))
        snprintf(out, size, "-");
    else if (json_is_real(v))
        snprintf(out, size, pct ? "%.1f%%" : "%.2f", json_real_value(v) * (pct ? 100 : 1));
    else
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
}

static void ms(const json_t *o, const char *key, char *out, size_t size)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1fm", (double)json_integer_value(v) / 60000.0);
}

/* One line of the table: a period (or the total). */
static void print_period(const char *label, const json_t *p)
{
    char c[24], cr[16], hr[16], hp[16], fr[16], rs[16], qw[16], cs[16], rr[16];
    num(json_object_get(p, "conversations"), c, sizeof c, 0);
    num(json_object_get(p, "containment_rate"), cr, sizeof cr, 1);
    num(json_object_get(p, "handoff_rate"), hr, sizeof hr, 1);
    num(json_object_get(p, "helpful_rate"), hp, sizeof hp, 1);
    ms(json_object_get(p, "first_response_ms"), "median", fr, sizeof fr);
    ms(json_object_get(p, "resolution_ms"), "median", rs, sizeof rs);
    ms(json_object_get(p, "queue_wait_ms"), "median", qw, sizeof qw);
    num(json_object_get(json_object_get(p, "csat"), "avg"), cs, sizeof cs, 0);
    num(json_object_get(json_object_get(p, "repeat_contacts"), "rate"), rr, sizeof rr, 1);
    printf("%-16s %6s %9s %8s %8s %8s %8s %8s %5s %7s %9lld\n", label, c, cr, hr, hp, fr, rs, qw,
           cs, rr,
           (long long)json_integer_value(
               json_object_get(json_object_get(p, "queue_wait_ms"), "abandoned")));
}

static void print_table(const json_t *j, const char *tz)
{
    printf("%-16s %6s %9s %8s %8s %8s %8s %8s %5s %7s %9s\n", "period", "convs", "contained",
           "handoff", "helpful", "1st resp", "resolve", "wait", "csat", "repeat", "abandoned");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(j, "periods"), i, p)
    {
        char label[BOT_STATS_LABEL_MAX];
        bot_stats_local_label(tz, json_integer_value(json_object_get(p, "start")), label);
        print_period(label, p);
    }
    print_period("total", json_object_get(j, "total"));
    print_period("previous", json_object_get(j, "previous"));
    printf("(period starts in %s; times are medians, in minutes)\n", tz);
}

int bot_cli_stats(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"group", required_argument, NULL, O_GROUP},
        {"tz", required_argument, NULL, O_TZ},
        {"lang", required_argument, NULL, O_LANG},
        {"channel", required_argument, NULL, O_CHANNEL},
        {"agent", required_argument, NULL, O_AGENT},
        {"json", no_argument, NULL, O_JSON},
        {"store-db", required_argument, NULL, O_STORE},
        {"db", required_argument, NULL, O_DB},
        {"data", required_argument, NULL, O_DATA},
        {"config", required_argument, NULL, O_CONFIG},
        {"store", required_argument, NULL, O_BACKEND},
        {"pg-dsn", required_argument, NULL, O_PG_DSN},
        {"pg-password-file", required_argument, NULL, O_PG_PASSWORD_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *names[8], *values[8];
    /* --config, --data, --db, --store-db, --store, --pg-dsn, --pg-password-file as sanad
     * serve reads them */
    char *paths[15] = {"stats"};
    int n = 0, np = 1, json = 0, c, rc = 0;
    struct bot_config cfg;
    struct sn_err e = {0};
    struct bot_stats_query q;
    struct store *st = NULL;
    struct kb *kb = NULL;
    json_t *j = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (c == '?' || c == ':')
            return bad("unknown option or missing value");
        if (c == O_JSON)
            json = 1;
        else if (c >= O_STORE && np < 15)
            paths[np++] = (char *)path_flags[c - O_STORE], paths[np++] = optarg;
        else if (n < 8)
            names[n] = opts[c - 1].name, values[n++] = optarg;
    }
    if (optind < argc)
        return bad("unexpected argument");
    if (bot_stats_query_parse(names, values, n, (long long)time(NULL) * 1000, &q, &e))
        return bad(e.msg);
    bot_config_init(&cfg);
    if (bot_config_args(&cfg, np, paths, &e)) {
        rc = bad(e.msg);
        goto out;
    }
    if (!(st = store_open_ro(&cfg, &e))) {
        fprintf(stderr, "sanad stats: %s\n", e.msg);
        rc = 3;
        goto out;
    }
    kb = kb_open(cfg.kb_db, KB_OPEN_READONLY, NULL); /* no base: no top gaps */
    if (bot_api_stats_run(st, kb, NULL, &q, &j, &e)) {
        fprintf(stderr, "sanad stats: %s\n", e.msg);
        rc = e.code == SN_EINVAL ? 2 : 3;
        goto out;
    }
    if (json) {
        bot_cli_print_json(j);
        j = NULL;
    } else {
        print_table(j, q.tz);
    }
out:
    json_decref(j);
    kb_close(kb);
    store_close(st);
    bot_config_fini(&cfg);
    return rc;
}
