/* The conversation state table (see bot/conv.h). */
#include "bot/conv.h"

#include <string.h>

static const char *const state_names[BOT_CONV_NSTATES] = {
    [BOT_CONV_BOT] = "bot",
    [BOT_CONV_QUEUED] = "queued",
    [BOT_CONV_AGENT] = "agent",
    [BOT_CONV_CLOSED] = "closed",
};

static const char *const event_names[BOT_CONV_NEVENTS] = {
    [BOT_CONV_HANDOFF] = "handoff",       [BOT_CONV_ASSIGN] = "assign",
    [BOT_CONV_TRANSFER] = "transfer",     [BOT_CONV_CLOSE] = "close",
    [BOT_CONV_LEAVE] = "leave",           [BOT_CONV_REQUEUE] = "requeue",
    [BOT_CONV_EXPIRE] = "expire",         [BOT_CONV_ESCALATE] = "escalate",
    [BOT_CONV_TO_DEPT] = "to_department",
};

/* next[state][event]: the new state + 1; 0 refuses. A handoff of a queued conversation
 * keeps it queued (asking twice is not an error, the place is kept); a closed one is
 * queued anew. Only a held conversation is transferred, closed or requeued; escalated or
 * transferred to a department, it goes back to the queue (for that department). */
#define TO(s) ((unsigned char)((s) + 1))
static const unsigned char next[BOT_CONV_NSTATES][BOT_CONV_NEVENTS] = {
    [BOT_CONV_BOT] = {[BOT_CONV_HANDOFF] = TO(BOT_CONV_QUEUED)},
    [BOT_CONV_QUEUED] =
        {
            [BOT_CONV_HANDOFF] = TO(BOT_CONV_QUEUED),
            [BOT_CONV_ASSIGN] = TO(BOT_CONV_AGENT),
            [BOT_CONV_LEAVE] = TO(BOT_CONV_BOT),
            [BOT_CONV_EXPIRE] = TO(BOT_CONV_BOT),
        },
    [BOT_CONV_AGENT] =
        {
            [BOT_CONV_TRANSFER] = TO(BOT_CONV_AGENT),
            [BOT_CONV_CLOSE] = TO(BOT_CONV_CLOSED),
            [BOT_CONV_REQUEUE] = TO(BOT_CONV_QUEUED),
            [BOT_CONV_ESCALATE] = TO(BOT_CONV_QUEUED),
            [BOT_CONV_TO_DEPT] = TO(BOT_CONV_QUEUED),
        },
    [BOT_CONV_CLOSED] = {[BOT_CONV_HANDOFF] = TO(BOT_CONV_QUEUED)},
};

int bot_conv_next(enum bot_conv_state from, enum bot_conv_event ev, enum bot_conv_state *to)
{
    *to = from;
    if ((unsigned)from >= BOT_CONV_NSTATES || (unsigned)ev >= BOT_CONV_NEVENTS)
        return SN_EINVAL;
    if (!next[from][ev])
        return SN_ECONFLICT;
    *to = (enum bot_conv_state)(next[from][ev] - 1);
    return SN_OK;
}

const char *bot_conv_state_name(enum bot_conv_state s)
{
    return (unsigned)s < BOT_CONV_NSTATES ? state_names[s] : NULL;
}

const char *bot_conv_event_name(enum bot_conv_event ev)
{
    return (unsigned)ev < BOT_CONV_NEVENTS ? event_names[ev] : NULL;
}

int bot_conv_state_parse(const char *name, enum bot_conv_state *out)
{
    *out = BOT_CONV_BOT;
    for (int i = 0; name && i < BOT_CONV_NSTATES; i++)
        if (strcmp(name, state_names[i]) == 0) {
            *out = (enum bot_conv_state)i;
            return SN_OK;
        }
    return SN_EINVAL;
}
