/* `sanad ask`: a prompt that answers from the knowledge base, the way the chat will.
 * The conversation brain (bot/dialogue.h) decides every reply. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/cli.h"
#include "bot/dialogue.h"
#include "kb/kb.h"

static void print_turn(const struct bot_turn *t)
{
    printf("bot> %s\n", t->text);
    for (int i = 0; i < t->nsugg; i++)
        printf("     %d. %s [%s]\n", i + 1, t->sugg[i].question, t->sugg[i].kb_id);
}

int bot_cli_ask(int argc, char **argv)
{
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {0, 0, 0, 0}};
    const char *db = "data/sanad.db";
    struct sn_err e = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c != 'd') {
            fprintf(stderr, "usage: sanad ask [--db PATH]\n");
            return 2;
        }
        db = optarg;
    }
    struct kb *kb = kb_open(db, 0, &e);
    if (!kb) {
        fprintf(stderr, "sanad ask: %s\n", e.msg);
        return bot_cli_exit_code(e.code);
    }
    int tty = isatty(0);
    struct bot_brain_config bc;
    bot_brain_config_init(&bc);
    struct bot_brain *brain = bot_brain_new(kb, &bc, &e);
    if (!brain) {
        fprintf(stderr, "sanad ask: %s\n", e.msg);
        kb_close(kb);
        return bot_cli_exit_code(e.code);
    }
    struct bot_dialogue d;
    struct bot_turn t;
    bot_dialogue_init(&d, NULL);
    bot_dialogue_welcome(brain, &d, &t);
    print_turn(&t);
    bot_turn_fini(&t);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    for (;;) {
        if (tty) {
            fputs("you> ", stdout);
            fflush(stdout);
        }
        if ((n = getline(&line, &cap, stdin)) <= 0)
            break;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n == 0)
            continue;
        if (bot_dialogue_message(brain, &d, line, &t, &e) != SN_OK) {
            printf("bot> (%s)\n", e.msg);
        } else {
            print_turn(&t);
            bot_turn_fini(&t);
        }
        fflush(stdout);
    }
    free(line);
    bot_brain_free(brain);
    kb_close(kb);
    return 0;
}
