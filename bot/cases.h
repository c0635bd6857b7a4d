/* The cases of conversations (bot/case.h) kept in the store (bot/store.h): which case a
 * handoff or a left message belongs to (the conversation's open one, the visitor's solved
 * one reopened within reopen_days, or a new one), and every later event applied through the
 * case table and appended to the timeline in the same transaction. Called by the queue's one
 * move path (bot_queue_moved) and by the few visitor and agent actions that are not moves
 * (replies, notes, visitor messages, ratings). No sockets, no clock (now is passed in); the
 * random bytes of a new reference come from libsodium. Not thread-safe (the loop's store). */
#ifndef SANAD_BOT_CASES_H
#define SANAD_BOT_CASES_H

#include "bot/case.h"
#include "bot/sla.h"
#include "bot/store.h"

#define BOT_CASES_ACTOR_MAX (STORE_LOGIN_MAX + 6) /* "agent:" + login */

/* How a new case is routed (docs/cases.md): its department (NULL: none) and priority
 * (enum bot_priority, bot/sla.h). A reused or reopened case keeps its own. */
struct bot_cases_route {
    const char *department;
    int priority;
};

/* The case a handoff of conversation conv belongs to, into *out (NULL: not wanted): its
 * open case; else, when the newest case of the visitor (visitor: its widget id, "" or NULL
 * for none), or else of conv, was solved less than reopen_days ago, that one reopened (same
 * reference; event reopened; it now belongs to conv); else a new one (event created).
 * With reason (bot_case_handoff_reason) a handoff event {"reason"} follows, by the visitor.
 * SN_OK, SN_EDB (err set; nothing written). */
int bot_cases_handoff(struct store *st,
                      const char *conv,
                      const char *visitor,
                      int reopen_days,
                      const char *reason,
                      const struct bot_cases_route *route,
                      long long now,
                      struct store_case *out,
                      struct sn_err *err);

/* Ticket ticket, left in conv, belongs to the case a handoff would give (above, no
 * reason): the case takes its id and records message_left {"ticket"}. *out as above. */
int bot_cases_ticket(struct store *st,
                     const char *conv,
                     const char *visitor,
                     int reopen_days,
                     long long ticket,
                     long long now,
                     struct store_case *out,
                     struct sn_err *err);

/* Event ev on conv's newest case, by actor ("bot", "visitor", "agent:<login>", "system"),
 * with detail (a JSON object as text, or NULL): the status the table gives, the assignee
 * (NULL: unchanged), first_response_at at the first agent reply, solved_at at a solve.
 * SN_OK; SN_ENOTFOUND when conv has no case (never handed off, or from before cases);
 * SN_ECONFLICT when the table refuses ev from the case's status (nothing written); SN_EDB. */
int bot_cases_event(struct store *st,
                    const char *conv,
                    enum bot_case_event ev,
                    const char *actor,
                    const char *assignee,
                    const char *detail,
                    long long now,
                    struct sn_err *err);

/* Event ev on case *c itself (found by its reference, say: not conv's newest), as
 * bot_cases_event does, the assignee unchanged; *c is updated on SN_OK. */
int bot_cases_apply(struct store *st,
                    struct store_case *c,
                    enum bot_case_event ev,
                    const char *actor,
                    const char *detail,
                    long long now,
                    struct sn_err *err);
/* SLA target target (STORE_SLA_FIRST or STORE_SLA_RESOLVE) of conv's newest case was missed
 * at now: unless the case has it recorded already, its bit is set in sla_breached, its
 * priority raised by rules' breach rules (bot_prio_breach) and the event sla_breached
 * {"target": "first"|"resolve"} appended, by "system", in one transaction; *recorded 1 then.
 * The case as stored afterwards into *out (NULL: not wanted). SN_OK (with *recorded 0 when
 * it was recorded before), SN_ENOTFOUND (no case), SN_EDB. */
int bot_cases_breach(struct store *st,
                     const char *conv,
                     int target,
                     const struct bot_prio_rules *rules,
                     long long now,
                     struct store_case *out,
                     int *recorded,
                     struct sn_err *err);
/* Event ev (escalated, transferred) on conv's newest case that sends it to department (NULL:
 * none) at tier (0: unchanged), as bot_cases_event does otherwise: the table's status, the
 * row's department and tier and the timeline's row written together. *out (NULL: not wanted)
 * the case as written. SN_OK, SN_ENOTFOUND (no case), SN_ECONFLICT (the table refuses ev:
 * nothing written), SN_EDB. */
int bot_cases_redirect(struct store *st,
                       const char *conv,
                       enum bot_case_event ev,
                       const char *actor,
                       const char *department,
                       int tier,
                       const char *detail,
                       long long now,
                       struct store_case *out,
                       struct sn_err *err);

/* The reference of conv's newest case into ref, "" when it has none (or the store cannot
 * say: a frame then goes without it). */
void bot_cases_ref(struct store *st, const char *conv, char ref[STORE_CASE_REF_MAX]);

/* "agent:<login>" into out (BOT_CASES_ACTOR_MAX). Returns out. */
char *bot_cases_agent_actor(const char *login, char out[BOT_CASES_ACTOR_MAX]);

#endif
