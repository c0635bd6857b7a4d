/* `sanad ask`: the conversation brain (bot/dialogue.h) on a terminal or a pipe, exactly as
 * the chat widget will see it. Interactive on a terminal; with --json, or when stdin is not
 * a terminal, one visitor line per input line and one JSON object per bot turn, the welcome
 * first. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "bot/dialogue.h"
#include "bot/paths.h"
#include "kb/kb.h"

static const char usage[] =
    "usage: sanad ask [--db PATH] [--json] [--lang ar|en] [--intents DIR]\n"
    "                 [--high X] [--medium Y] [--record-gaps]\n"
    "\n"
    "One visitor message per line. --json (the default when stdin is not a terminal) prints\n"
    "one JSON object per bot turn: {\"from\": \"bot\", \"kind\", \"intent\", \"kb_id\", \"band\",\n"
    "\"lang\", \"text\", \"suggestions\": [{\"kb_id\", \"question\", \"lang\"}], "
    "\"ask_feedback\",\n"
    "\"offer_human\", \"handoff\"}. --intents defaults to ./intents, else the intents\n"
    "directory next to the binary's source tree. Unanswered questions are recorded as gaps\n"
    "(sanad kb gaps) only with --record-gaps: trying the base from a terminal leaves the\n"
    "editors' list alone. The chat server always records them.\n";

static void print_json_turn(const struct bot_turn *t)
{
    json_t *s = json_array();
    for (int i = 0; i < t->nsugg; i++)
        json_array_append_new(s, json_pack("{s:s, s:s, s:s}", "kb_id", t->sugg[i].kb_id, "question",
                                           t->sugg[i].question, "lang", t->sugg[i].lang));
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:b, s:b, s:b}", "from", "bot",
                          "kind", bot_turn_kind_name(t->kind), "intent",
                          t->intent ? json_string(t->intent) : json_null(), "kb_id",
                          t->kb_id ? json_string(t->kb_id) : json_null(), "band",
                          t->band >= 0 ? json_string(kb_band_name(t->band)) : json_null(), "lang",
                          t->lang, "text", t->text, "suggestions", s, "ask_feedback",
                          t->ask_feedback, "offer_human", t->offer_human, "handoff", t->handoff);
    char *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(out);
    free(out);
    json_decref(j);
}

static void print_text_turn(const struct bot_turn *t)
{
    printf("bot> %s\n", t->text);
    for (int i = 0; i < t->nsugg; i++)
        printf("     %d. %s [%s]\n", i + 1, t->sugg[i].question, t->sugg[i].kb_id);
    if (t->ask_feedback)
        printf("     (%s)\n", strcmp(t->lang, "ar") == 0 ? "هل كان هذا مفيدًا؟ نعم / لا"
                                                         : "was this helpful? yes / no");
    if (t->handoff)
        printf("     [handoff: the conversation would go to a person now]\n");
}

static int parse_band(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == 0 && *out >= 0 && *out <= 1;
}

int bot_cli_ask(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", 1, 0, 'd'},      {"json", 0, 0, 'j'},        {"lang", 1, 0, 'l'},
        {"intents", 1, 0, 'i'}, {"high", 1, 0, 'H'},        {"medium", 1, 0, 'M'},
        {"help", 0, 0, 'h'},    {"record-gaps", 0, 0, 'g'}, {0, 0, 0, 0}};
    const char *db = "data/sanad.db", *lang = NULL, *intents = NULL;
    char ibuf[PATH_MAX + 32];
    struct sn_err e = {0};
    struct bot_brain_config bc;
    struct kb *kb = NULL;
    struct bot_brain *brain = NULL;
    int c, json = 0, rc = 0;
    bot_brain_config_init(&bc);
    bc.log_gaps = 0; /* a person trying the base is not a visitor: --record-gaps to record */
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'g':
            bc.log_gaps = 1;
            break;
        case 'i':
            intents = optarg;
            break;
        case 'l':
            if (strcmp(optarg, "ar") && strcmp(optarg, "en")) {
                fprintf(stderr, "sanad ask: --lang: expected ar or en, got '%s'\n", optarg);
                return 2;
            }
            lang = optarg;
            break;
        case 'H':
        case 'M':
            if (!parse_band(optarg, c == 'H' ? &bc.high : &bc.medium)) {
                fprintf(stderr, "sanad ask: --%s: expected a number in [0,1], got '%s'\n",
                        c == 'H' ? "high" : "medium", optarg);
                return 2;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind < argc || bc.medium > bc.high) {
        fprintf(stderr, "sanad ask: %s\n%s",
                optind < argc ? "unexpected argument" : "--medium must not exceed --high", usage);
        return 2;
    }
    if (!isatty(0))
        json = 1;
    bc.intents = intents ? intents : bot_find_dir("intents", ibuf, sizeof ibuf);
    kb = kb_open(db, 0, &e);
    if (!kb) {
        fprintf(stderr, "sanad ask: %s\n", e.msg);
        return bot_cli_exit_code(e.code);
    }
    brain = bot_brain_new(kb, &bc, &e);
    if (!brain) {
        fprintf(stderr, "sanad ask: %s\n", e.msg);
        rc = bot_cli_exit_code(e.code);
        goto out;
    }
    struct bot_dialogue d;
    struct bot_turn t;
    bot_dialogue_init(&d, lang);
    bot_dialogue_welcome(brain, &d, &t);
    json ? print_json_turn(&t) : print_text_turn(&t);
    bot_turn_fini(&t);
    fflush(stdout);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    for (;;) {
        if (!json) {
            fputs("you> ", stdout);
            fflush(stdout);
        }
        if ((n = getline(&line, &cap, stdin)) < 0)
            break;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (!json && n == 0)
            continue;
        if ((size_t)n != strlen(line)) { /* a NUL byte inside the line */
            e.code = SN_EINVAL;
            snprintf(e.msg, sizeof e.msg, "message contains a NUL byte");
        } else if (bot_dialogue_message(brain, &d, line, &t, &e) == SN_OK) {
            json ? print_json_turn(&t) : print_text_turn(&t);
            bot_turn_fini(&t);
            fflush(stdout);
            continue;
        }
        if (e.code != SN_EINVAL) { /* database or analyzer failure */
            fprintf(stderr, "sanad ask: %s\n", e.msg);
            rc = bot_cli_exit_code(e.code);
            break;
        }
        if (json) {
            json_t *j =
                json_pack("{s:s, s:s, s:s}", "from", "bot", "kind", "error", "error", e.msg);
            char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
            puts(s);
            free(s);
            json_decref(j);
        } else {
            printf("bot> (%s)\n", e.msg);
        }
        fflush(stdout);
    }
    free(line);
out:
    bot_brain_free(brain);
    kb_close(kb);
    return rc;
}
