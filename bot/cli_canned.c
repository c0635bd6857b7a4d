/* `sanad canned add|list|rm`: the shared library of canned responses agents insert from the
 * console, in the conversation store database. Agents get the library when they connect. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/server.h"
#include "bot/store.h"
#include "bot/store_open.h"

#define CANNED_TEXT_MAX 1000 /* characters */

static const char usage[] =
    "usage: sanad canned add SHORTCUT --lang ar|en [--text \"...\"]\n"
    "       sanad canned list [--json] [--lang ar|en]\n"
    "       sanad canned rm SHORTCUT --lang ar|en\n"
    "options: --store-db PATH (default DATA/store.db), --data DIR (default data),\n"
    "         --config FILE (sanad.conf), --store sqlite|postgres, --pg-dsn DSN,\n"
    "         --pg-password-file FILE (a PostgreSQL store, as for sanad serve)\n"
    "\n"
    "Without --text, add reads the text from stdin (a final newline is dropped). Shortcuts\n"
    "are [a-z0-9_-]{1,32}; texts 1 to 1000 characters of UTF-8 (no control characters but\n"
    "newline and tab). add replaces an existing (SHORTCUT, lang). Agents get the library\n"
    "when they connect: a console already open sees changes after it reconnects.\n"
    "Exit codes: 0 ok, 1 not found, 2 bad input, 3 internal.\n";

struct copts {
    const char *store_db, *data, *lang, *text;
    const char *config, *backend, *pg_dsn, *pg_password_file; /* as sanad serve's */
    int json;
    const char *args[2];
    int nargs;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "sanad canned: %s%s%s\n(see `sanad canned --help`)\n", msg,
            arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int fail(const struct sn_err *e)
{
    fprintf(stderr, "sanad canned: %s\n", e->msg);
    return bot_cli_exit_code(e->code);
}

static int shortcut_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int lang_ok(const char *l)
{
    return l && (!strcmp(l, "ar") || !strcmp(l, "en"));
}

/* NULL when text[0..n) is a valid canned text, else why not. */
static const char *text_check(const char *t, size_t n)
{
    size_t chars = 0, blank = 1;
    if (strlen(t) != n)
        return "the text contains a NUL byte";
    if (!sn_utf8_valid(t, n, NULL))
        return "the text is not valid UTF-8";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return "the text contains control characters";
        if ((c & 0xc0) != 0x80)
            chars++;
        if (c != ' ' && c != '\n' && c != '\t')
            blank = 0;
    }
    if (n == 0 || blank)
        return "the text is empty";
    if (chars > CANNED_TEXT_MAX)
        return "the text is longer than 1000 characters";
    return NULL;
}

/* All of stdin (up to 4 bytes per character plus one), final newline dropped; NULL when too
 * long. */
static char *read_stdin(size_t *len)
{
    size_t cap = CANNED_TEXT_MAX * 4 + 3, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    size_t r;
    while (n < cap && (r = fread(buf + n, 1, cap - n, stdin)) > 0)
        n += r;
    if (n == cap) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    if (n && buf[n - 1] == '\r')
        buf[--n] = 0;
    *len = n;
    return buf;
}

static int print_canned(void *ctx, const struct store_canned *c)
{
    json_t *a = ctx;
    if (a) {
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "shortcut", c->shortcut,
                                           "lang", c->lang, "text", c->text, "updated",
                                           (json_int_t)c->updated));
    } else {
        printf("%-32s %-2s ", c->shortcut, c->lang);
        for (const char *p = c->text; *p; p++) /* one line per response */
            putchar(*p == '\n' || *p == '\t' ? ' ' : *p);
        putchar('\n');
    }
    return 0;
}

static int parse(int argc, char **argv, struct copts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        if (!strcmp(a, "--store-db") || !strcmp(a, "--store_db"))
            dst = &o->store_db;
        else if (!strcmp(a, "--data"))
            dst = &o->data;
        else if (!strcmp(a, "--config"))
            dst = &o->config;
        else if (!strcmp(a, "--store"))
            dst = &o->backend;
        else if (!strcmp(a, "--pg-dsn") || !strcmp(a, "--pg_dsn"))
            dst = &o->pg_dsn;
        else if (!strcmp(a, "--pg-password-file") || !strcmp(a, "--pg_password_file"))
            dst = &o->pg_password_file;
        else if (!strcmp(a, "--lang"))
            dst = &o->lang;
        else if (!strcmp(a, "--text"))
            dst = &o->text;
        else if (a[0] == '-' && a[1])
            return bad("unknown option", a);
        if (dst) {
            if (i + 1 >= argc)
                return bad("option needs a value", a);
            *dst = argv[++i];
            continue;
        }
        if (o->nargs == 2)
            return bad("unexpected argument", a);
        o->args[o->nargs++] = a;
    }
    return 0;
}

/* The store the options name, through sanad serve's config (--config FILE first, then the
 * flags given). Owned by the caller, or NULL with e set. */
static struct store *open_store(const struct copts *o, struct sn_err *e)
{
    struct bot_config cfg;
    char *args[13] = {"canned"};
    int n = 1;
    const char *const flags[] = {"--config", "--data",   "--store-db",
                                 "--store",  "--pg-dsn", "--pg-password-file"};
    const char *const vals[] = {o->config,  o->data,   o->store_db,
                                o->backend, o->pg_dsn, o->pg_password_file};
    struct store *st = NULL;
    for (int i = 0; i < 6; i++)
        if (vals[i])
            args[n++] = (char *)flags[i], args[n++] = (char *)vals[i];
    bot_config_init(&cfg);
    if (bot_config_args(&cfg, n, args, e) == SN_OK)
        st = store_open(&cfg, bot_dialogue_upgrade, e);
    bot_config_fini(&cfg);
    return st;
}

int bot_cli_canned(int argc, char **argv)
{
    struct copts o = {0};
    struct sn_err e = {0};
    struct store *st = NULL;
    char path[4096], *owned = NULL;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    const char *text = NULL;
    int rc = 0;

    if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "add") && strcmp(cmd, "list") && strcmp(cmd, "rm"))
        return bad("unknown subcommand", cmd);
    if ((rc = parse(argc, argv, &o)))
        return rc;
    int want = strcmp(cmd, "list") ? 1 : 0;
    if (o.nargs != want)
        return bad(want ? "give exactly one SHORTCUT" : "list takes no SHORTCUT", NULL);
    if (want && !shortcut_ok(o.args[0]))
        return bad("a shortcut is 1 to 32 of a-z 0-9 _ -", o.args[0]);
    if (o.lang ? !lang_ok(o.lang) : want)
        return bad("--lang ar or en is required", o.lang);
    if (o.text && strcmp(cmd, "add"))
        return bad("--text goes with add only", NULL);
    if (!strcmp(cmd, "add")) {
        size_t n;
        if (o.text) {
            text = o.text;
            n = strlen(text);
        } else {
            text = owned = read_stdin(&n);
            if (!owned)
                return bad("the text is longer than 1000 characters", NULL);
        }
        const char *why = text_check(text, n);
        if (why) {
            free(owned);
            return bad(why, NULL);
        }
    }
    if (!o.store_db && !o.config) {
        snprintf(path, sizeof path, "%s/store.db", o.data ? o.data : "data");
        o.store_db = path;
    }
    st = open_store(&o, &e);
    if (!st) {
        fprintf(stderr, "sanad canned: %s\n", e.msg);
        free(owned);
        return e.code == SN_EINVAL ? 2 : 3; /* a bad --store or config: bad input */
    }
    if (!strcmp(cmd, "add")) {
        struct store_canned c = {o.args[0], o.lang, text, bot_server_now_ms()};
        if (store_canned_set(st, &c, &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad canned: saved /%s (%s)\n", o.args[0], o.lang);
    } else if (!strcmp(cmd, "rm")) {
        if (store_canned_rm(st, o.args[0], o.lang, &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad canned: removed /%s (%s)\n", o.args[0], o.lang);
    } else {
        json_t *arr = o.json ? json_array() : NULL;
        if (store_canned_each(st, o.lang, print_canned, arr, &e)) {
            rc = fail(&e);
        } else if (arr) {
            char *s = json_dumps(arr, JSON_COMPACT);
            puts(s);
            free(s);
        }
        json_decref(arr);
    }
    store_close(st);
    free(owned);
    return rc;
}
