/* Typing indicators (issue 14): whether one side's `typing` frame is passed on to the other
 * side of a conversation. A client may send typing every few milliseconds (a bug, or on
 * purpose); what reaches the other side must stay a trickle, so the decision is a small
 * policy over what was last passed on. Pure: no I/O, time passed in (ms, any clock that the
 * caller uses consistently); tests/unit/test_bot_typing.c drives it as a table. */
#ifndef SANAD_BOT_TYPING_H
#define SANAD_BOT_TYPING_H

/* At most one frame per side and conversation in this many ms, except the end of typing
 * (on: false) that follows a start: ≤ 2 frames a second whatever the sender does. */
#define BOT_TYPING_GAP_MS 1000

/* Which side typed: the index of bot_conv.typing (bot/convs.h). */
enum bot_typing_side { BOT_TYPING_VISITOR = 0, BOT_TYPING_AGENT = 1, BOT_TYPING_SIDES };

/* What was last passed on for one side of one conversation; all zero: nothing yet. */
struct bot_typing {
    int on;       /* the last state passed on */
    long long at; /* when (ms); 0: never */
};

/* A typing frame `on` (0 or 1) arrives at now: 1 when it is to be passed on (and *t records
 * it), 0 when it is dropped (*t unchanged). An end after a start always passes (the other
 * side's indicator must not hang); an end when nothing shows never does; a start or a
 * refresh (on again) passes when BOT_TYPING_GAP_MS have gone by since the last frame passed
 * on, or when the clock went back. */
int bot_typing_relay(struct bot_typing *t, int on, long long now);

/* The side's indicator ends without a frame of its own (it sent a message, which ends it on
 * the other side; or the conversation moved). Returns 1 when it was on (the caller may send
 * an explicit end), 0 otherwise; *t is back to "off", free to pass the next start at once. */
int bot_typing_reset(struct bot_typing *t);

#endif
