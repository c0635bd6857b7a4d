/* A case: one request from its handoff (or its left message) to its resolution, with a
 * reference the visitor can quote. Its statuses and what moves it between them, as data: an
 * enum and one table of (status, event) -> status, as bot/conv.h does for conversations;
 * every timeline event is an event of the table (one that changes nothing maps a status to
 * itself). Plus the reference: made from random bytes the caller draws, parsed from what a
 * visitor types. Pure: no store, no sockets, no clock, no randomness of its own. */
#ifndef SANAD_BOT_CASE_H
#define SANAD_BOT_CASE_H

#include <stddef.h>

#include "kb/base.h"

enum bot_case_status {
    BOT_CASE_NEW = 0,   /* nobody has taken it yet */
    BOT_CASE_OPEN,      /* an agent has it; the visitor spoke last */
    BOT_CASE_WAITING,   /* waiting on the visitor: an agent spoke last */
    BOT_CASE_ESCALATED, /* handed to a second line (later: tiers) */
    BOT_CASE_SOLVED,    /* closed with a resolution; may be reopened within reopen_days */
    BOT_CASE_CLOSED,    /* closed for good (spam): never reopened */
    BOT_CASE_NSTATUSES
};

enum bot_case_event {
    BOT_CASE_CREATED = 0,   /* the case is made (its first event) */
    BOT_CASE_HANDOFF,       /* the conversation asks for a person (detail: the reason) */
    BOT_CASE_QUEUED,        /* the conversation entered the queue */
    BOT_CASE_ASSIGNED,      /* an agent took it (auto or take) */
    BOT_CASE_TRANSFERRED,   /* its agent handed it to another (from, to, note) */
    BOT_CASE_AGENT_REPLIED, /* an agent's reply to the visitor */
    BOT_CASE_VISITOR_WROTE, /* a visitor message while an agent has it */
    BOT_CASE_NOTE,          /* an agent's internal note */
    BOT_CASE_MESSAGE_LEFT,  /* the visitor left a message (a ticket) */
    BOT_CASE_LEFT,          /* the visitor left the queue, or was gone past its grace */
    BOT_CASE_REQUEUED,      /* its agent was gone past the grace: back to the queue */
    BOT_CASE_ESCALATED_EV,  /* escalated to a second line (later: tiers) */
    BOT_CASE_SOLVED_EV,     /* its agent closed it with a resolution */
    BOT_CASE_CLOSED_EV,     /* its agent closed it as spam */
    BOT_CASE_REOPENED,      /* the visitor came back within reopen_days */
    BOT_CASE_CSAT,          /* the visitor rated the chat (detail: rating, comment) */
    BOT_CASE_EMAIL_SENT,    /* an agent's reply by email was accepted by the mail server */
    BOT_CASE_EMAIL_FAILED,  /* an agent's reply by email could not be delivered */
    BOT_CASE_SLA_BREACHED,  /* an SLA target passed (detail: target); the status stays */
    BOT_CASE_NEVENTS
};

/* The status ev moves from to, into *to. SN_OK, or SN_ECONFLICT (and *to = from) when the
 * table refuses it (an assignment of a solved case, a reopening of a closed one); SN_EINVAL
 * for a status or event out of range. */
int bot_case_next(enum bot_case_status from, enum bot_case_event ev, enum bot_case_status *to);

/* 1 when a case in status s is still being worked on (not solved, not closed): the case a
 * handoff of its conversation reuses. */
int bot_case_is_open(enum bot_case_status s);

/* Names in the store and on the wire ("new", "open", "waiting", "escalated", "solved",
 * "closed"; events "created", "handoff", ...), or NULL out of range. Static strings. */
const char *bot_case_status_name(enum bot_case_status s);
const char *bot_case_event_name(enum bot_case_event ev);
/* The status named name into *out: SN_OK, or SN_EINVAL (*out = BOT_CASE_NEW). */
int bot_case_status_parse(const char *name, enum bot_case_status *out);

/* The status a close with resolution leaves: closed for "spam", else solved. */
enum bot_case_event bot_case_close_event(const char *resolution);
/* Why a conversation was handed off, from the handoff turn's intent (bot/dialogue.h):
 * "asked" (the visitor asked for a person: intent ask_for_human), "accepted_offer" (the bot
 * offered one, after a miss, a "no" or frustration, and the visitor said yes: affirm),
 * "button" (the "talk to a human" button: no intent). Static strings. */
const char *bot_case_handoff_reason(const char *intent);

/* Whether a handoff at now reopens a case in status s solved at solved_at (ms): only a
 * solved one (a closed one, spam, never), solved less than reopen_days days before now;
 * reopen_days 0 never reopens. A solved_at of 0 (unknown) or in the future of now (a clock
 * set back) does not reopen. */
int bot_case_reopens(enum bot_case_status s, long long solved_at, long long now, int reopen_days);

/* The reference: "S-" and 6 characters of Crockford's base32 (0-9, A-Z without I, L, O,
 * U): 30 bits, short enough to read out on the phone. */
#define BOT_CASE_REF_LEN   8 /* "S-" + 6 */
#define BOT_CASE_REF_MAX   (BOT_CASE_REF_LEN + 1)
#define BOT_CASE_REF_BYTES 4  /* random bytes a reference is made of (30 bits used) */
#define BOT_CASE_REF_INPUT 32 /* bytes of typed input the parser looks at, at most */

/* Writes the reference made of rnd[0..BOT_CASE_REF_BYTES) into out (BOT_CASE_REF_MAX). */
void bot_case_ref_make(const unsigned char rnd[BOT_CASE_REF_BYTES], char out[BOT_CASE_REF_MAX]);
/* The reference a visitor typed (s[0..n)), in its canonical form into out: case is ignored,
 * spaces and dashes are ignored, O reads as 0, I and L as 1, the "S" prefix is optional.
 * SN_OK, or SN_EINVAL (out "") for anything else: another character, another length, more
 * than BOT_CASE_REF_INPUT bytes, a NUL inside. "S-" or "S " is always the prefix: "S-4D5KK"
 * (one short) is refused, not read as the six digits S4D5KK. */
int bot_case_ref_parse(const char *s, size_t n, char out[BOT_CASE_REF_MAX]);

#endif
