/* `sanad ask`: a prompt that answers from the knowledge base, the way the chat will.
 * The conversation brain (intents, answer policy) replaces the simple policy here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/cli.h"
#include "kb/kb.h"

static int has_arabic(const char *s)
{
    /* Arabic block lead bytes in UTF-8: U+0600..U+06FF is D8..DB. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xD8 && *p <= 0xDB)
            return 1;
    return 0;
}

static void answer(struct kb *kb, const char *line)
{
    struct kb_search_opts so;
    struct kb_results *r = NULL;
    struct sn_err e = {0};
    int ar = has_arabic(line);
    kb_search_opts_init(&so);
    so.k = 3;
    so.lang = ar ? "ar" : "en";
    if (kb_search(kb, line, &so, &r, &e) == SN_OK && r->n == 0) {
        kb_results_free(r);
        r = NULL;
        so.lang = ar ? "en" : "ar"; /* the other language before giving up */
        if (kb_search(kb, line, &so, &r, &e) != SN_OK)
            r = NULL;
    }
    if (!r) {
        printf("bot> %s\n", ar ? "عذرًا، لم أفهم هذه الرسالة." : "Sorry, I could not read that message.");
        return;
    }
    if (r->n && r->v[0].band == KB_BAND_HIGH) {
        printf("bot> %s\n", r->v[0].answer);
    } else if (r->n && r->v[0].band == KB_BAND_MEDIUM) {
        printf("bot> %s\n", ar ? "هل تقصد:" : "Did you mean:");
        for (int i = 0; i < r->n; i++)
            printf("     %d. %s\n", i + 1, r->v[i].question);
    } else {
        printf("bot> %s\n", ar ? "ليس لدي إجابة عن هذا بعد. يمكنك طلب التحدث مع موظف."
                               : "I don't have an answer to that yet. You can ask to talk to a person.");
    }
    kb_results_free(r);
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
    printf("bot> مرحبًا! أنا المساعد الآلي (روبوت)، ولست إنسانًا. اسألني عن الفواتير والباقات والطلبات.\n"
           "bot> Hi! I am an automated assistant (a bot), not a person. Ask me a question.\n");
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
        answer(kb, line);
        fflush(stdout);
    }
    free(line);
    kb_close(kb);
    return 0;
}
