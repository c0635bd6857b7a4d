/* `sanad kb gaps …` (stub until kb/gap.c lands). */
#include <stdio.h>

#include "bot/cli.h"

int bot_cli_kb_gaps(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 3;
}
