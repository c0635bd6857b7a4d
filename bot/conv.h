/* The states of a conversation and what moves it between them, as data: an enum and a
 * table of (state, event) -> state. The only place that knows them; their names appear
 * only where a state crosses into the store or onto the wire (bot_conv_state_name,
 * bot_conv_state_parse). Pure: no store, no sockets, no clock. */
#ifndef SANAD_BOT_CONV_H
#define SANAD_BOT_CONV_H

#include "kb/base.h"

enum bot_conv_state {
    BOT_CONV_BOT = 0, /* the bot answers */
    BOT_CONV_QUEUED,  /* handed off, waiting for an agent */
    BOT_CONV_AGENT,   /* an agent holds it; the bot stays quiet */
    BOT_CONV_CLOSED,  /* an agent closed it; the bot answers again, a handoff queues it anew */
    BOT_CONV_NSTATES
};

enum bot_conv_event {
    BOT_CONV_HANDOFF = 0, /* the visitor (or the bot for them) asks for a person */
    BOT_CONV_ASSIGN,      /* an agent takes it from the queue */
    BOT_CONV_TRANSFER,    /* its agent hands it to another agent */
    BOT_CONV_CLOSE,       /* its agent closes it */
    BOT_CONV_LEAVE,       /* the visitor leaves the queue */
    BOT_CONV_REQUEUE,     /* its agent is gone past the grace period: back to the queue */
    BOT_CONV_EXPIRE,      /* a queued visitor is gone past the grace period: back to the bot */
    BOT_CONV_ESCALATE,    /* its agent escalates it: back to the queue, for a second line */
    BOT_CONV_TO_DEPT,     /* its agent transfers it to a department: back to the queue */
    BOT_CONV_NEVENTS
};

/* The state event moves from to, into *to. SN_OK, or SN_ECONFLICT (and *to = from) when the
 * table refuses it (an assignment of a conversation nobody queued, a handoff while an agent
 * holds it); SN_EINVAL for a state or event out of range. */
int bot_conv_next(enum bot_conv_state from, enum bot_conv_event ev, enum bot_conv_state *to);

/* The state's name in the store and on the wire ("bot", "queued", "agent", "closed"), or
 * NULL out of range. Static strings. */
const char *bot_conv_state_name(enum bot_conv_state s);
/* The event's name, for logs ("handoff", ...), or NULL out of range. */
const char *bot_conv_event_name(enum bot_conv_event ev);

/* The state named name into *out: SN_OK, or SN_EINVAL (and *out = BOT_CONV_BOT) for a name
 * no state has (a store written by another version, a damaged row). */
int bot_conv_state_parse(const char *name, enum bot_conv_state *out);

#endif
