/* sanad: one binary, subcommands like git. */
#include <stdio.h>
#include <string.h>

#include "bot/cli.h"
#include "bot/serve.h"

static const char usage[] =
    "usage: sanad <command> [options]\n"
    "\n"
    "commands:\n"
    "  kb <subcommand>   manage and search the knowledge base (sanad kb help)\n"
    "  ask               answer questions from the knowledge base, one per line\n"
    "  intents <sub>     try the rule-based intents (sanad intents help)\n"
    "  user <sub>        agent, editor and admin accounts (sanad user help)\n"
    "  canned <sub>      canned responses for the agent console (sanad canned help)\n"
    "  serve             the chat server: widget files and the visitor WebSocket\n"
    "  help              this text\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "kb") == 0)
        return bot_cli_kb(argc - 1, argv + 1);
    if (strcmp(argv[1], "ask") == 0)
        return bot_cli_ask(argc - 1, argv + 1);
    if (strcmp(argv[1], "intents") == 0)
        return bot_cli_intents(argc - 1, argv + 1);
    if (strcmp(argv[1], "user") == 0)
        return bot_cli_user(argc - 1, argv + 1);
    if (strcmp(argv[1], "canned") == 0)
        return bot_cli_canned(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0)
        return bot_serve_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    fprintf(stderr, "sanad: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
