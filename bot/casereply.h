/* Replies by email (issue 15, docs/email.md "Replies to cases"): an agent answers, from the
 * console, a case whose visitor has gone (a left message, a closed or left conversation, a
 * chat whose visitor is not connected). The reply is stored in the case's conversation as
 * an agent message (a returning visitor sees it in the widget), recorded on the case
 * (agent_replied) and, when the visitor gave an email with consent, queued in the outbox
 * as a mail from the templates of bot/casemail.h. The outbox's worker thread reports
 * nothing itself: the event loop's tick asks the outbox for final states not yet reported
 * and records them on the cases (email_sent, email_failed), telling every agent. Runs in
 * the event loop only. */
#ifndef SANAD_BOT_CASEREPLY_H
#define SANAD_BOT_CASEREPLY_H

struct bot_session;
struct bot_server;
struct bot_agent_in;
struct bot_agent_proto_list;
struct store_ticket;

/* The agent session s sent case_reply in (decoded): answered with case_replied, or refused
 * (not_found, visitor_connected, case_closed; internal when the store fails) with nothing
 * changed. */
void bot_casereply_on_frame(struct bot_session *s, const struct bot_agent_in *in);

/* Records the delivery states the outbox has not reported yet (a few per call): called
 * by the event loop once a second. Nothing without an outbox. */
void bot_casereply_tick(struct bot_server *srv);

/* Adds to the "tickets" item of t appended last (l) its case's reference and the state of
 * the newest reply by email (bot_agent_proto_list_ticket_mail). */
void bot_casereply_ticket_mail(struct bot_server *srv,
                               struct bot_agent_proto_list *l,
                               const struct store_ticket *t);

#endif
