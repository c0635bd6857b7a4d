/* sanad: one binary, subcommands like git, dispatched by a table. */
#include <stdio.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/serve.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"kb", bot_cli_kb, "manage and search the knowledge base (sanad kb help)"},
    {"ask", bot_cli_ask, "answer questions from the knowledge base, one per line"},
    {"intents", bot_cli_intents, "try the rule-based intents (sanad intents help)"},
    {"user", bot_cli_user, "agent, editor and admin accounts (sanad user help)"},
    {"canned", bot_cli_canned, "canned responses for the agent console (sanad canned help)"},
    {"serve", bot_serve_main, "the chat server: widget files, the visitor and agent sockets"},
    {"outbox", bot_cli_outbox, "the outgoing email queue (sanad outbox help)"},
    {"privacy", bot_cli_privacy, "export or delete one visitor's data (sanad privacy help)"},
    {"backup", bot_cli_backup, "copy both databases while the server runs (sanad backup help)"},
    {"restore", bot_cli_restore, "put a backup back, the server stopped (sanad restore help)"},
    {"stats", bot_cli_stats,
     "the support figures per period, as GET /api/stats (sanad stats --help)"},
    {"migrate", bot_cli_migrate,
     "copy the SQLite store into PostgreSQL and check it (sanad migrate --help)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fputs("usage: sanad <command> [options]\n\ncommands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "  %-9s %s\n", "help", "this text");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "sanad: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
