/* `sanad privacy export|delete|audit`: one visitor's data, by conversation token, visitor id
 * or email, from the command line (bot/privacy.h, docs/privacy.md). Works while the server
 * runs (SQLite's locking; a live conversation is left alone). Every export and deletion
 * writes an audit row with the actor "cli:<unix user>". */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/outbox.h"
#include "bot/privacy.h"
#include "bot/server.h"
#include "bot/store.h"
#include "bot/store_open.h"

static const char usage[] =
    "usage: sanad privacy export (--token T | --visitor V | --email E) [--out FILE]\n"
    "       sanad privacy delete (--token T | --visitor V | --email E) --yes\n"
    "       sanad privacy audit [--limit N] [--json]\n"
    "options: --config FILE (sanad.conf: data, store_db, outbox_db, attachments_dir; store,\n"
    "         pg_dsn, pg_password_file for a PostgreSQL store),\n"
    "         --data DIR (default data)\n"
    "\n"
    "export writes everything stored of the subject as one JSON document (stdout, or FILE\n"
    "created with mode 0600). delete purges the subject's conversations, messages, left\n"
    "messages, profiles, attachments and mails; cases stay without identity (docs/privacy.md);\n"
    "it refuses without --yes and prints what it removed. Conversations queued or with an\n"
    "agent are kept (skipped). audit lists who exported or deleted what, newest first.\n"
    "Exit codes: 0 ok, 1 nothing found, 2 bad input, 3 internal.\n";

struct popts {
    const char *config, *data, *out;
    const char *kind, *value;
    int yes, json, limit, nsubjects;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "sanad privacy: %s%s%s\n(see `sanad privacy --help`)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

static int parse(int argc, char **argv, struct popts *o)
{
    static const struct option longs[] = {
        {"token", required_argument, NULL, 't'}, {"visitor", required_argument, NULL, 'v'},
        {"email", required_argument, NULL, 'e'}, {"out", required_argument, NULL, 'o'},
        {"yes", no_argument, NULL, 'y'},         {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'n'}, {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},  {NULL, 0, NULL, 0}};
    int c;
    char *end;
    opterr = 0;
    optind = 2; /* argv[1] is the subcommand */
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 't':
        case 'v':
        case 'e':
            o->kind = c == 't' ? "token" : c == 'v' ? "visitor" : "email";
            o->value = optarg;
            o->nsubjects++;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'y':
            o->yes = 1;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'd':
            o->data = optarg;
            break;
        case 'n':
            o->limit = (int)strtol(optarg, &end, 10);
            if (*end || o->limit < 1 || o->limit > 100000)
                return bad("--limit is 1..100000", optarg);
            break;
        default:
            return bad("unknown option or missing value", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad("unexpected argument", argv[optind]);
    return 0;
}

/* The config's paths: --config FILE then --data DIR, the derived defaults filled. */
static int load_config(const struct popts *o, struct bot_config *cfg, struct sn_err *e)
{
    char *args[6] = {"privacy"};
    int n = 1;
    if (o->config) {
        args[n++] = "--config";
        args[n++] = (char *)o->config;
    }
    if (o->data) {
        args[n++] = "--data";
        args[n++] = (char *)o->data;
    }
    return bot_config_args(cfg, n, args, e);
}

static void actor(char *out, size_t size)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *sudo = getenv("SUDO_USER"); /* root by sudo: the person, not root */
    snprintf(out, size, "cli:%s", sudo && *sudo ? sudo : pw ? pw->pw_name : "?");
}

static int print_audit(void *ctx, const struct store_audit *a)
{
    json_t *arr = ctx;
    if (arr) {
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "ts", (json_int_t)a->ts, "actor",
                           a->actor, "action", a->action, "subject", a->subject_kind, "hash",
                           a->subject_hash, "conversations", (json_int_t)a->conversations,
                           "messages", (json_int_t)a->messages));
        return 0;
    }
    char when[32];
    time_t t = (time_t)(a->ts / 1000);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    printf("%s  %-16s %-9s %-7s %.16s…  conversations=%lld messages=%lld\n", when, a->actor,
           a->action, a->subject_kind, a->subject_hash, a->conversations, a->messages);
    return 0;
}

/* Writes text to path, created for the owner only (an export is personal data). */
static int write_out(const char *path, const char *text, struct sn_err *e)
{
    FILE *f = NULL;
    int rc = SN_OK;
    mode_t old = umask(077);
    f = fopen(path, "w");
    umask(old);
    if (!f || fputs(text, f) < 0 || fputc('\n', f) == EOF)
        rc = sn_err_set(e, SN_EIO, "cannot write %s", path);
    if (f && fclose(f) && rc == SN_OK)
        rc = sn_err_set(e, SN_EIO, "cannot write %s", path);
    return rc;
}

static int run(const char *cmd, const struct popts *o, const struct bot_config *cfg)
{
    struct sn_err e = {0};
    struct store *st = NULL;
    struct bot_outbox *ob = NULL;
    struct bot_privacy p = {0};
    struct bot_privacy_counts n = {0};
    enum store_subject kind = STORE_SUBJECT_TOKEN;
    char lookup[BOT_PRIVACY_VALUE_MAX + 1], who[128];
    json_t *doc = NULL;
    char *text = NULL;
    struct stat sb;
    int rc = SN_OK, code = 0;

    if (strcmp(cmd, "audit") && (bot_privacy_kind(o->kind, &kind, &e) ||
                                 bot_privacy_subject(kind, o->value, lookup, sizeof lookup, &e)))
        return bad(e.msg, NULL);
    /* a mistyped --data must not create an empty store and report "nothing found" */
    if (!store_is_pg(cfg) && stat(cfg->store_db, &sb) != 0) {
        fprintf(stderr, "sanad privacy: no store at %s (see --data, --config)\n", cfg->store_db);
        return 3;
    }
    st = store_open(cfg, bot_dialogue_upgrade, &e); /* the config's store: sqlite or postgres */
    if (!st) {
        fprintf(stderr, "sanad privacy: %s\n", e.msg);
        return 3;
    }
    /* the queue's file only when there is one: opening it would create it */
    if (!strcmp(cmd, "delete") && stat(cfg->outbox_db, &sb) == 0 &&
        !(ob = bot_outbox_open(cfg->outbox_db, &e))) {
        rc = e.code;
        goto out;
    }
    p = (struct bot_privacy){st, ob, cfg->attachments_dir, NULL, NULL};
    actor(who, sizeof who);
    if (!strcmp(cmd, "audit")) {
        json_t *arr = o->json ? json_array() : NULL;
        rc = store_audit_each(st, o->limit ? o->limit : 100, print_audit, arr, &e);
        if (arr && rc == SN_OK)
            bot_cli_print_json(arr);
        else
            json_decref(arr);
    } else if (!strcmp(cmd, "export")) {
        if (!(doc = bot_privacy_export(&p, kind, lookup, &e))) {
            rc = e.code;
            goto out;
        }
        size_t k = json_array_size(json_object_get(doc, "conversations"));
        if ((rc = bot_privacy_audit_export(&p, who, kind, lookup, (long long)k, &e)))
            goto out;
        text = json_dumps(doc, JSON_INDENT(1));
        if (o->out)
            rc = write_out(o->out, text, &e);
        else
            puts(text);
        fprintf(stderr, "sanad privacy: exported %zu conversation(s)\n", k);
        code = k ? 0 : 1;
    } else {
        rc = bot_privacy_delete(&p, who, kind, lookup, &n, &e);
        if (rc == SN_OK || n.conversations) {
            json_t *j = bot_privacy_counts_json(&n);
            text = json_dumps(j, JSON_COMPACT);
            json_decref(j);
            printf("%s\n", text);
        }
        code = rc == SN_OK && !n.conversations && !n.unlinked && !n.mails ? 1 : 0;
    }
out:
    if (rc) {
        fprintf(stderr, "sanad privacy: %s\n", e.msg);
        code = bot_cli_exit_code(rc);
    }
    free(text);
    json_decref(doc);
    bot_outbox_free(ob);
    store_close(st);
    return code;
}

int bot_cli_privacy(int argc, char **argv)
{
    struct popts o = {0};
    struct bot_config cfg;
    struct sn_err e = {0};
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int rc;

    if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "export") && strcmp(cmd, "delete") && strcmp(cmd, "audit"))
        return bad("unknown subcommand", cmd);
    if ((rc = parse(argc, argv, &o)))
        return rc;
    if (!strcmp(cmd, "audit") ? o.nsubjects != 0 : o.nsubjects != 1)
        return bad(strcmp(cmd, "audit") ? "give exactly one of --token, --visitor, --email"
                                        : "audit takes no subject",
                   NULL);
    if (!strcmp(cmd, "delete") && !o.yes)
        return bad("delete removes data for good: add --yes", NULL);
    if (o.out && strcmp(cmd, "export"))
        return bad("--out goes with export only", NULL);
    if (o.limit && strcmp(cmd, "audit"))
        return bad("--limit goes with audit only", NULL);
    bot_config_init(&cfg);
    if (load_config(&o, &cfg, &e)) {
        bot_config_fini(&cfg);
        return bad(e.msg, NULL);
    }
    rc = run(cmd, &o, &cfg);
    bot_config_fini(&cfg);
    return rc;
}
