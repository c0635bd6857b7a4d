/* The analytics record written at the source (docs/analytics.md): one stats_events row
 * (bot/store.h) per fact when it happens, with no text and no visitor identity. Called by
 * visitor.c (a conversation started, a bot turn, a rating of an answer) and by cases.c (every
 * case event that is a figure's fact, and the repeat-contact bits when a case is made). A
 * failed write is logged and never fails the caller: the figures are secondary to the
 * conversation. No clock (now is passed in). Not thread-safe (the loop's store). */
#ifndef SANAD_BOT_STATSREC_H
#define SANAD_BOT_STATSREC_H

#include "bot/case.h"
#include "bot/store.h"

#define BOT_STATSREC_CHANNEL "widget" /* the only channel today */

/* Conversation conv started in lang on channel. */
void bot_statsrec_conv(
    struct store *st, const char *conv, const char *lang, const char *channel, long long now);
/* A bot turn of kind (bot_turn_kind_name) with band (kb_band_name, or NULL). */
void bot_statsrec_turn(
    struct store *st, const char *conv, const char *kind, const char *band, long long now);
/* A rating of a bot answer: helpful 1 or 0. */
void bot_statsrec_feedback(struct store *st, const char *conv, int helpful, long long now);

/* The repeat-contact bits (STORE_STATS_REPEAT_*) of a case about to be made (or reopened)
 * for conv: prev is the visitor's newest case before it (NULL or id 0: none), counted when
 * it is of another conversation and was made or solved less than 7 days before now; the
 * email bit when an email conv gave with consent was given in another conversation within
 * 7 days (store_stats_email_seen). */
int bot_statsrec_repeat(struct store *st,
                        const char *conv,
                        const struct store_case *prev,
                        long long now);
/* Case event ev moved case before to after (before NULL: the case was just made, ev
 * BOT_CASE_CREATED; repeat its bits). Writes the row the event is a fact of, if any:
 * created/reopened → case, handoff, message_left → ticket (with the email bit, the email
 * being new then), queued (and requeued), assigned (the wait since
 * the last queued), left while waiting → abandoned, the first agent_replied →
 * first_response, solved/closed → solved, csat. detail is the event's (a JSON object as
 * text, or NULL). */
void bot_statsrec_case(struct store *st,
                       const struct store_case *before,
                       const struct store_case *after,
                       enum bot_case_event ev,
                       const char *detail,
                       int repeat,
                       long long now);

#endif
