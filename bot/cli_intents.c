/* `sanad intents …`: try the rule-based intents on a text and see why one matched. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "bot/cli.h"
#include "intents/intent.h"

static const char usage[] =
    "usage: sanad intents <subcommand> [--dir DIR] [--json]\n"
    "\n"
    "  test TEXT     which intent TEXT matches, and why (exit 1 when none)\n"
    "  list          the intents, their priority and number of phrases and regexes\n"
    "\n"
    "--dir defaults to ./intents. Exit codes: 0 ok, 1 no intent, 2 bad input, 3 internal.\n";

static int cmd_test(struct intent_set *s, const char *text, int json)
{
    struct intent_match m;
    struct sn_err e = {0};
    size_t len = strlen(text);
    if (!sn_utf8_valid(text, len, NULL)) {
        fprintf(stderr, "sanad intents: TEXT is not valid UTF-8\n");
        return 2;
    }
    if (intent_match(s, text, len, &m, &e)) {
        fprintf(stderr, "sanad intents: %s\n", e.msg);
        return bot_cli_exit_code(e.code);
    }
    if (json) {
        json_t *j = json_pack("{s:o, s:i, s:b, s:i, s:b, s:i, s:s}", "intent",
                              m.name ? json_string(m.name) : json_null(), "priority", m.priority,
                              "courtesy", m.courtesy, "rest_start", m.rest_start, "regex",
                              m.by_regex, "words", m.words, "why", m.why);
        char *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(out);
        free(out);
        json_decref(j);
    } else {
        printf("intent:  %s\n", m.name ? m.name : "(none)");
        if (m.name)
            printf("priority: %d%s\n", m.priority, m.courtesy ? " (courtesy prefix)" : "");
        if (m.courtesy)
            printf("rest:    %s\n", text + m.rest_start);
        printf("why:     %s\n", m.why);
    }
    return m.name ? 0 : 1;
}

static int cmd_list(struct intent_set *s, int json)
{
    json_t *a = json ? json_array() : NULL;
    for (int i = 0; i < intent_count(s); i++) {
        int prio, courtesy, nph, nre;
        const char *name = intent_info(s, i, &prio, &courtesy, &nph, &nre);
        if (a)
            json_array_append_new(a, json_pack("{s:s, s:i, s:b, s:i, s:i}", "name", name,
                                               "priority", prio, "courtesy", courtesy, "phrases",
                                               nph, "regex", nre));
        else
            printf("%-16s priority %3d%s  %d phrases, %d regex\n", name, prio,
                   courtesy ? " courtesy" : "         ", nph, nre);
    }
    if (a) {
        char *out = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(out);
        free(out);
        json_decref(a);
    }
    return 0;
}

int bot_cli_intents(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    int json = 0, c, rc;
    struct sn_err e = {0};
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "sanad intents: unknown or incomplete option '%s'\n%s",
                    argv[optind - 1], usage);
            return 2;
        }
    }
    int npos = argc - optind;
    char **pos = argv + optind;
    const char *cmd = npos ? pos[0] : "";
    if (npos == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, npos ? stdout : stderr);
        return npos ? 0 : 2;
    }
    int is_test = strcmp(cmd, "test") == 0, is_list = strcmp(cmd, "list") == 0;
    if ((!is_test && !is_list) || (is_test && npos != 2) || (is_list && npos != 1)) {
        fprintf(stderr, "sanad intents: bad subcommand or arguments\n%s", usage);
        return 2;
    }
    struct intent_set *s = intent_set_load(dir, &e);
    if (!s) {
        fprintf(stderr, "sanad intents: %s\n", e.msg);
        return bot_cli_exit_code(e.code);
    }
    rc = is_test ? cmd_test(s, pos[1], json) : cmd_list(s, json);
    intent_set_free(s);
    return rc;
}
