/* `sanad user add|list|disable|passwd`: accounts in the conversation store (the SQLite file,
 * or PostgreSQL with --store postgres or a config file saying so).
 * Passwords come from a no-echo prompt on a terminal, or one line of stdin; never argv. */
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bot/auth.h"
#include "bot/cli.h"
#include "bot/config.h"
#include "bot/server.h"

static const char usage[] =
    "usage: sanad user add LOGIN --role agent|editor|admin --name \"Display Name\"\n"
    "       sanad user list [--json]\n"
    "       sanad user disable LOGIN\n"
    "       sanad user passwd LOGIN\n"
    "options: --store-db PATH (default DATA/store.db), --data DIR (default data),\n"
    "         --config FILE (sanad serve's), --store sqlite|postgres, --pg-dsn DSN,\n"
    "         --pg-password-file FILE (the accounts are in PostgreSQL with store postgres)\n"
    "\n"
    "The password is asked for on the terminal (twice, not echoed) or read as one line\n"
    "from stdin; it is never taken from the command line. Logins are [a-z0-9._-]{2,64};\n"
    "passwords 8 to 1024 bytes of UTF-8. Exit codes: 0 ok, 1 not found, 2 bad input,\n"
    "3 internal.\n";

#define CFG_ARGS_MAX 33 /* "user" and up to 16 options with their values */

struct uopts {
    const char *role, *name;
    int json;
    const char *args[2];
    int nargs;
    char *cfg_argv[CFG_ARGS_MAX]; /* the store's options, for bot_config_args (borrowed) */
    int cfg_argc;
};

/* The options that take a value: the store's go to bot_config_args as given (it reads
 * --config first, then the rest in order); the others into their uopts member. */
static const struct {
    const char *name;
    int cfg;
    size_t off;
} options[] = {
    {"--store-db", 1, 0},
    {"--store_db", 1, 0},
    {"--data", 1, 0},
    {"--config", 1, 0},
    {"--store", 1, 0},
    {"--pg-dsn", 1, 0},
    {"--pg_dsn", 1, 0},
    {"--pg-password-file", 1, 0},
    {"--pg_password_file", 1, 0},
    {"--role", 0, offsetof(struct uopts, role)},
    {"--name", 0, offsetof(struct uopts, name)},
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "sanad user: %s%s%s\n(see `sanad user --help`)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

static int fail(const struct sn_err *e)
{
    fprintf(stderr, "sanad user: %s\n", e->msg);
    return e->code == SN_ECONFLICT ? 2 : bot_cli_exit_code(e->code);
}

/* Reads one line (without its newline) into buf; -1 on EOF/too long. No echo on a tty. */
static int read_line(const char *prompt, char *buf, size_t size, size_t *len)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO), rc = 0;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            quiet.c_lflag |= ECHONL;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = 0;
        }
    }
    if (!fgets(buf, (int)size, stdin)) {
        rc = -1;
    } else {
        size_t n = strlen(buf);
        if (n && buf[n - 1] == '\n')
            buf[--n] = 0;
        else if (!feof(stdin))
            rc = -2; /* longer than the buffer */
        if (n && buf[n - 1] == '\r')
            buf[--n] = 0;
        *len = n;
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return rc;
}

/* The new password into buf (size > BOT_AUTH_PW_MAX + 2); 0 or an exit code. */
static int read_password(char *buf, size_t size, size_t *len)
{
    struct sn_err e = {0};
    char again[BOT_AUTH_PW_MAX + 3];
    size_t alen = 0;
    int rc = read_line("New password: ", buf, size, len);
    if (rc == -1)
        return bad("no password on stdin", NULL);
    if (rc == -2 || bot_auth_password_check(buf, *len, &e))
        return bad(rc == -2 ? "a password is 8 to 1024 bytes" : e.msg, NULL);
    if (isatty(STDIN_FILENO)) {
        rc = read_line("Again: ", again, sizeof again, &alen);
        int same = rc == 0 && alen == *len && sodium_memcmp(again, buf, alen) == 0;
        sodium_memzero(again, sizeof again);
        if (!same)
            return bad("the passwords differ", NULL);
    }
    return 0;
}

static int print_user(void *ctx, const struct bot_user *u)
{
    json_t *a = ctx;
    if (a) {
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "login", u->login,
                                           "name", u->name, "role",
                                           bot_auth_role_name(u->role), "disabled", u->disabled,
                                           "created", (json_int_t)u->created, "updated",
                                           (json_int_t)u->updated));
    } else {
        printf("%-24s %-7s %-8s %s\n", u->login, bot_auth_role_name(u->role),
               u->disabled ? "disabled" : "active", u->name);
    }
    return 0;
}

static int option_of(const char *a)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strcmp(a, options[i].name))
            return (int)i;
    return -1;
}

static int parse(int argc, char **argv, struct uopts *o)
{
    o->cfg_argv[o->cfg_argc++] = "user";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        int k = option_of(a);
        if (k < 0 && !strncmp(a, "--password", 10))
            return bad("passwords are read from the terminal or stdin, never from arguments", NULL);
        if (k < 0 && a[0] == '-')
            return bad("unknown option", a);
        if (k >= 0) {
            if (i + 1 >= argc)
                return bad("option needs a value", a);
            if (!options[k].cfg) {
                *(const char **)((char *)o + options[k].off) = argv[++i];
            } else if (o->cfg_argc + 2 > CFG_ARGS_MAX) {
                return bad("too many options", a);
            } else {
                o->cfg_argv[o->cfg_argc++] = argv[i];
                o->cfg_argv[o->cfg_argc++] = argv[++i];
            }
            continue;
        }
        if (o->nargs == 2)
            return bad("unexpected argument", a);
        o->args[o->nargs++] = a;
    }
    return 0;
}

int bot_cli_user(int argc, char **argv)
{
    struct uopts o = {0};
    struct sn_err e = {0};
    struct bot_auth *a = NULL;
    struct bot_config cfg;
    char pw[BOT_AUTH_PW_MAX + 3];
    size_t pwlen = 0;
    const char *cmd = argc > 1 ? argv[1] : NULL;
    int rc = 0;

    if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "add") && strcmp(cmd, "list") && strcmp(cmd, "disable") &&
        strcmp(cmd, "passwd"))
        return bad("unknown subcommand", cmd);
    bot_config_init(&cfg);
    if ((rc = parse(argc, argv, &o)))
        goto out;
    int want = strcmp(cmd, "list") ? 1 : 0;
    if (o.nargs != want) {
        rc = bad(want ? "give exactly one LOGIN" : "list takes no LOGIN", NULL);
        goto out;
    }
    if (want && bot_auth_login_check(o.args[0], &e)) {
        rc = bad(e.msg, NULL);
        goto out;
    }
    if (!strcmp(cmd, "add")) {
        if (!o.role || !bot_auth_role_parse(o.role)) {
            rc = bad("--role agent, editor or admin is required", o.role);
            goto out;
        }
        if (!o.name || bot_auth_name_check(o.name, &e)) {
            rc = bad(o.name ? e.msg : "--name is required", NULL);
            goto out;
        }
    } else if (o.role || o.name) {
        rc = bad("--role and --name go with add only", NULL);
        goto out;
    }
    if (bot_config_args(&cfg, o.cfg_argc, o.cfg_argv, &e)) {
        rc = bad(e.msg, NULL);
        goto out;
    }
    if (sodium_init() < 0) {
        fputs("sanad user: libsodium failed to initialize\n", stderr);
        rc = 3;
        goto out;
    }
    if (!strcmp(cmd, "add") || !strcmp(cmd, "passwd"))
        if ((rc = read_password(pw, sizeof pw, &pwlen)))
            goto out;
    a = bot_auth_open_cfg(&cfg, &e);
    if (!a) {
        rc = fail(&e);
        goto out;
    }
    if (!strcmp(cmd, "add")) {
        if (bot_auth_user_add(a, o.args[0], o.name, bot_auth_role_parse(o.role), pw, pwlen,
                              bot_server_now_ms(), &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad user: added %s (%s)\n", o.args[0], o.role);
    } else if (!strcmp(cmd, "passwd")) {
        if (bot_auth_user_passwd(a, o.args[0], pw, pwlen, bot_server_now_ms(), &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad user: password of %s changed; their sessions ended\n",
                    o.args[0]);
    } else if (!strcmp(cmd, "disable")) {
        if (bot_auth_user_disable(a, o.args[0], bot_server_now_ms(), &e))
            rc = fail(&e);
        else
            fprintf(stderr, "sanad user: disabled %s; their sessions ended\n", o.args[0]);
    } else {
        json_t *arr = o.json ? json_array() : NULL;
        if (bot_auth_user_each(a, print_user, arr, &e)) {
            rc = fail(&e);
        } else if (arr) {
            char *s = json_dumps(arr, JSON_COMPACT);
            puts(s);
            free(s);
        }
        json_decref(arr);
    }
out:
    sodium_memzero(pw, sizeof pw);
    bot_auth_close(a);
    bot_config_fini(&cfg);
    return rc;
}
