/* `sanad outbox add|list|retry`: the outgoing email queue (bot/outbox.h). add queues a mail
 * a running server sends (it looks every outbox_poll seconds): the way to check an SMTP
 * setup end to end, and what scripts use. list shows what was sent, what waits and why. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/outbox.h"

static const char usage[] =
    "usage: sanad outbox add --to ADDRESS --subject TEXT [--text TEXT] [--html HTML] [--ref REF]\n"
    "       sanad outbox list [--status pending|sent|failed] [--limit N] [--json]\n"
    "       sanad outbox retry ID\n"
    "options: --outbox-db PATH (default DATA/outbox.db), --data DIR (default data)\n"
    "\n"
    "Without --text, add reads the text from stdin. A running `sanad serve` with smtp_url set\n"
    "sends what is queued (docs/email.md). retry puts a failed mail back in the queue.\n"
    "Exit codes: 0 ok, 1 not found, 2 bad input, 3 internal.\n";

struct oopts {
    const char *db, *data, *to, *subject, *text, *html, *ref, *status;
    int json, limit;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "sanad outbox: %s%s%s\n(see `sanad outbox --help`)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

static int fail(const struct sn_err *e)
{
    fprintf(stderr, "sanad outbox: %s\n", e->msg);
    return bot_cli_exit_code(e->code);
}

/* All of stdin up to BOT_OUTBOX_BODY_MAX bytes; NULL when longer. Owned by the caller. */
static char *read_stdin(void)
{
    size_t cap = BOT_OUTBOX_BODY_MAX + 1, n = 0, r;
    char *buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    while (n < cap && (r = fread(buf + n, 1, cap - n, stdin)) > 0)
        n += r;
    if (n == cap) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

static void when(long long ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static int print_row(void *ctx, const struct bot_outbox_row *r)
{
    json_t *a = ctx;
    if (a) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s, s:i, s:I, s:I, s:s?, s:s}", "id",
                              (json_int_t)r->id, "status", bot_outbox_status_name(r->status), "to",
                              r->to, "ref", r->ref, "subject", r->subject, "attempts", r->attempts,
                              "created", (json_int_t)r->created, "next_at", (json_int_t)r->next_at,
                              "last_error", r->last_error, "message_id", r->message_id);
        if (o && r->sent_at)
            json_object_set_new(o, "sent_at", json_integer(r->sent_at));
        json_array_append_new(a, o);
        return 0;
    }
    char c[32], s[32];
    when(r->created, c);
    when(r->status == BOT_OUTBOX_SENT ? r->sent_at : r->next_at, s);
    printf("#%-5lld %-7s %-30s attempts %d  queued %s  %s %s%s%s\n", r->id,
           bot_outbox_status_name(r->status), r->to, r->attempts, c,
           r->status == BOT_OUTBOX_SENT ? "sent" : "next", s, r->last_error ? "  last error: " : "",
           r->last_error ? r->last_error : "");
    return 0;
}

static int status_arg(const char *s)
{
    static const char *const names[] = {"pending", "sent", "failed"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -2;
}

int bot_cli_outbox(int argc, char **argv)
{
    enum {
        O_DB = 256,
        O_DATA,
        O_TO,
        O_SUBJECT,
        O_TEXT,
        O_HTML,
        O_REF,
        O_STATUS,
        O_LIMIT,
        O_JSON,
        O_HELP
    };
    static const struct option lo[] = {{"outbox-db", 1, 0, O_DB},
                                       {"outbox_db", 1, 0, O_DB},
                                       {"data", 1, 0, O_DATA},
                                       {"to", 1, 0, O_TO},
                                       {"subject", 1, 0, O_SUBJECT},
                                       {"text", 1, 0, O_TEXT},
                                       {"html", 1, 0, O_HTML},
                                       {"ref", 1, 0, O_REF},
                                       {"status", 1, 0, O_STATUS},
                                       {"limit", 1, 0, O_LIMIT},
                                       {"json", 0, 0, O_JSON},
                                       {"help", 0, 0, O_HELP},
                                       {0, 0, 0, 0}};
    struct oopts o = {.limit = 100};
    struct sn_err e = {0};
    struct bot_outbox *ob = NULL;
    char path[4096], *owned = NULL;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int c, rc = 0;

    if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "add") && strcmp(cmd, "list") && strcmp(cmd, "retry"))
        return bad("unknown subcommand", cmd);
    opterr = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_DB:
            o.db = optarg;
            break;
        case O_DATA:
            o.data = optarg;
            break;
        case O_TO:
            o.to = optarg;
            break;
        case O_SUBJECT:
            o.subject = optarg;
            break;
        case O_TEXT:
            o.text = optarg;
            break;
        case O_HTML:
            o.html = optarg;
            break;
        case O_REF:
            o.ref = optarg;
            break;
        case O_STATUS:
            o.status = optarg;
            break;
        case O_JSON:
            o.json = 1;
            break;
        case O_HELP:
            fputs(usage, stdout);
            return 0;
        case O_LIMIT: {
            char *end;
            errno = 0;
            long l = strtol(optarg, &end, 10);
            if (errno || *end || l < 1 || l > 100000)
                return bad("--limit: expected 1 to 100000", optarg);
            o.limit = (int)l;
            break;
        }
        case ':':
            return bad("option needs a value", argv[optind - 1]);
        default:
            return bad("unknown option", argv[optind - 1]);
        }
    }
    int want = !strcmp(cmd, "retry");
    if (argc - optind != want)
        return bad(want ? "give exactly one ID" : "unexpected argument", argv[optind]);
    int add = !strcmp(cmd, "add");
    if (!add && (o.to || o.subject || o.text || o.html || o.ref))
        return bad("--to, --subject, --text, --html and --ref go with add", NULL);
    if (strcmp(cmd, "list") && (o.status || o.json))
        return bad("--status and --json go with list", NULL);
    int status = o.status ? status_arg(o.status) : -1;
    if (status == -2)
        return bad("--status: pending, sent or failed", o.status);
    if (add && (!o.to || !o.subject))
        return bad("add needs --to and --subject", NULL);
    if (add && !o.text && !(o.text = owned = read_stdin()))
        return bad("the text is longer than 256 KiB", NULL);
    if (!o.db) {
        snprintf(path, sizeof path, "%s/outbox.db", o.data ? o.data : "data");
        o.db = path;
    }
    ob = bot_outbox_open(o.db, &e);
    if (!ob) {
        rc = fail(&e);
        goto out;
    }
    if (add) {
        struct bot_outbox_mail m = {o.to, o.subject, o.text, o.html, o.ref, 0};
        long long id;
        if (bot_outbox_add(ob, &m, &id, &e))
            rc = fail(&e);
        else if (o.json)
            printf("{\"id\":%lld,\"status\":\"pending\"}\n", id);
        else
            fprintf(stderr, "sanad outbox: queued #%lld\n", id);
    } else if (want) {
        char *end;
        errno = 0;
        long long id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id < 1)
            rc = bad("ID must be a positive number", argv[optind]);
        else if (bot_outbox_retry(ob, id, &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad outbox: #%lld queued again\n", id);
    } else {
        json_t *a = o.json ? json_array() : NULL;
        if (bot_outbox_list(ob, status, o.limit, print_row, a, &e))
            rc = fail(&e);
        else if (a)
            bot_cli_print_json(json_incref(a));
        json_decref(a);
    }
out:
    bot_outbox_free(ob);
    free(owned);
    return rc;
}
