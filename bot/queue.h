/* The agent queue: what routing decides (bot/route.h: the order, positions, ETA, the
 * visitor's grace; bot/agents.h: agents, chats, the agent's grace; both pure) applied to
 * the store, the visitors and the agents, for every state change BOT → QUEUED → AGENT →
 * CLOSED after the handoff (bot/conv.h's table). One per server (srv->queue), used from
 * the event loop only; no timer of its own (serve.c calls bot_queue_tick).
 *
 * Routing (config `routing`): auto assigns, whenever something changes, the first queued
 * conversation some agent may serve (the queue is ordered by its case's priority, then FIFO)
 * to the online agent of its department (`department_agents`) with the fewest chats below
 * `agent_capacity` (ties: the one assigned least recently), or to any such agent when its
 * department has nobody online (a fallback); pick leaves the queue to the agents' `take`.
 * Every change of the queue is pushed to all agents; each queued visitor is told its
 * position when it changes. The tick also runs the cases' SLA clock (docs/cases.md).
 *
 * Every transcript message (the "joined" notice, agent replies, notes, the close notice) is
 * stored before it is relayed. An agent that disconnects keeps its chats (in the store,
 * agent_id) for `agent_grace` seconds and gets them back if it reconnects in time; after
 * that they go back to the head of the queue and their visitors are told. Chats held when
 * the server restarts get the same grace from the restart. */
#ifndef SANAD_BOT_QUEUE_H
#define SANAD_BOT_QUEUE_H

#include <stddef.h>

#include "bot/conv.h"
#include "kb/base.h"

struct bot_server;
struct bot_session;
struct bot_user;
struct bot_queue;
struct bot_agent;
struct store_msg;

/* A queue for srv (cfg, store), loaded with the conversations the store has in state
 * "queued". Returns an object owned by the caller (bot_queue_free), or NULL with err set. */
struct bot_queue *bot_queue_new(struct bot_server *srv, struct sn_err *err);
void bot_queue_free(struct bot_queue *q);
/* Checks every connected agent's login session at now: one logged out, expired, revoked
 * (a password change) or whose account was disabled or lost the agent role leaves routing
 * at once (its chats get the agent_grace of a dropped socket) and its socket is closed with
 * BOT_SESSION_CLOSE_REVOKED. Called by every tick, and by POST /api/logout. */
void bot_queue_revalidate(struct bot_queue *q, long long now);

/* The server's one-second timer (serve.c) at now (ms): gone agents whose grace ended give
 * their chats back to the queue (first within their priority), queued visitors gone past
 * their grace go back to the bot, the SLA clock records the targets queued and held cases
 * have just missed (once each, with an `sla_breach` to their department's agents), and the
 * queue routes what it can. */
void bot_queue_tick(struct bot_queue *q, long long now);

/* Called by the conversations (bot/convs.h, srv->convs, with srv as ctx) after every
 * move: the move's notice (an agent joined, closed, left; the queue left or given up) is
 * stored and delivered to the conversation's visitors. */
struct bot_conv_move;
void bot_queue_moved(void *srv,
                     const struct bot_conv_move *mv,
                     enum bot_conv_state from,
                     enum bot_conv_state to);

/* --- visitor side (session.c) --- */

/* Conversation conv_id was handed off (its state "queued" is saved): appends it to the
 * queue (a no-op when it is queued already or with an agent) and routes. */
void bot_queue_enqueue(struct bot_queue *q, const char *conv_id);
/* The visitor of conv_id goes back to the bot: out of the queue, state "bot", a stored
 * system message. SN_ENOTFOUND when it is not queued, SN_EDB. */
int bot_queue_leave(struct bot_queue *q, const char *conv_id, struct sn_err *err);
/* A visitor session resumed a queued conversation: sends it its position. */
void bot_queue_visitor_hello(struct bot_queue *q, struct bot_session *s);
/* A new visitor message m, as stored (seq filled in), in m->conv_id: relayed to the agent
 * that has the conversation, or its text kept as the "last question" of a queued one. */
void bot_queue_visitor_message(struct bot_queue *q, const struct store_msg *m);

/* Why nobody can answer a handoff now: "closed_hours" (business_hours are set and now is
 * outside them), "nobody_online" (no connected agent with presence online) or NULL. */
const char *bot_queue_offline_reason(const struct bot_queue *q);
/* json (owned by the caller, kept) to every connected agent. */
void bot_queue_agents_send(struct bot_queue *q, const char *json, size_t len);
/* A ticket was stored (leave_message): every agent gets the "tickets" list again. */
void bot_queue_tickets_changed(struct bot_queue *q);
/* The visitor of conv_id sent the pre-chat form: the agent holding it (if any) gets its
 * chats again, each with its visitor's profile. */
void bot_queue_profile_changed(struct bot_queue *q, const char *conv_id);

/* The connected agent holding conv_id (its socket is ->conn), or NULL: nobody, or its agent
 * is gone (within its grace). Borrowed, until the next call into the queue. For the live
 * frames that go to that agent only (typing, seen: issue 14). */
struct bot_agent *bot_queue_holder(const struct bot_queue *q, const char *conv_id);

/* --- agent side (agent.c) --- */

/* Agent u connected on session s (online) with login session token (checked at every
 * tick: bot_queue_revalidate): it gets welcome, the queue, its chats and their
 * transcripts. An older socket of the same user is replaced (closed with 1008). Returns the
 * agent, owned by the queue until bot_queue_agent_leave. */
struct bot_agent *bot_queue_agent_join(struct bot_queue *q,
                                       struct bot_session *s,
                                       const struct bot_user *u,
                                       const char *token);
/* The agent's socket is gone (s->agent is cleared); its chats stay its own in the store. */
void bot_queue_agent_leave(struct bot_queue *q, struct bot_agent *a);
void bot_queue_agent_presence(struct bot_queue *q, struct bot_agent *a, int online);

/* The agent takes conv_id from the queue. SN_ENOTFOUND (not queued), SN_ETOOBIG (at
 * capacity), SN_EDB (err set). */
int bot_queue_take(struct bot_queue *q,
                   struct bot_agent *a,
                   const char *conv_id,
                   struct sn_err *err);
/* Stores an agent reply (note: an internal note, never sent to the visitor) in conv_id, one
 * of the agent's chats, and relays a reply to the visitor; *seq is its seq (the original one
 * when client_id was stored already: *dup = 1). SN_ENOTFOUND (not the agent's), SN_EDB. */
int bot_queue_write(struct bot_queue *q,
                    struct bot_agent *a,
                    const char *conv_id,
                    const char *text,
                    const char *client_id,
                    int note,
                    long long *seq,
                    int *dup,
                    struct sn_err *err);
/* bot_queue_write with meta (a JSON object as text, or NULL) stored with the message and
 * carried by its frames: an attachment (bot_proto_attachment_meta). */
int bot_queue_write_meta(struct bot_queue *q,
                         struct bot_agent *a,
                         const char *conv_id,
                         const char *text,
                         const char *client_id,
                         const char *meta,
                         int note,
                         long long *seq,
                         int *dup,
                         struct sn_err *err);
/* Hands conv_id, one of a's chats, to the online agent with login `to` (below capacity): the
 * visitor is told who joined, the new agent gets it with its transcript and `assigned` naming
 * a ("from") and the reason (note: NULL for none; kept as an internal note of the
 * conversation, never sent to the visitor), a gets `closed` with resolution "transferred".
 * SN_ENOTFOUND (not a's chat, or no such agent online), SN_ETOOBIG (the other agent is at
 * capacity), SN_EINVAL (to is a itself), SN_EDB. */
int bot_queue_transfer(struct bot_queue *q,
                       struct bot_agent *a,
                       const char *conv_id,
                       const char *to,
                       const char *note,
                       struct sn_err *err);
/* Closes conv_id, one of the agent's chats, with a resolution code. SN_ENOTFOUND, SN_EDB. */
int bot_queue_close(struct bot_queue *q,
                    struct bot_agent *a,
                    const char *conv_id,
                    const char *resolution,
                    struct sn_err *err);

/* Escalation tiers and transfer to a department (issue 15, docs/cases.md). Sends conv_id, one
 * of a's chats, back to the queue for department dept: escalate, to a higher line (dept NULL
 * or "": the `escalation` map's second line of the case's department; bot/escalate.h), with
 * note (the reason, required): the case's event escalated {from, to, tier, note}, status
 * escalated, tier one up; else a transfer to dept (required) with note (NULL: none): event
 * transferred {from, to_department, note}, the tier unchanged. The case's department is dept
 * before the conversation is queued again; the note is kept as a's internal note; a gets
 * `closed` {resolution "escalated" / "transferred"}; the visitor a stored system message
 * naming the department and the reference, then a `case` frame. SN_ENOTFOUND (not a's chat,
 * no case), SN_EINVAL (no such department, the same department, no second line, the last
 * tier, no note), SN_EDB; nothing changes on a refusal. */
int bot_queue_to_department(struct bot_queue *q,
                            struct bot_agent *a,
                            const char *conv_id,
                            const char *dept,
                            const char *note,
                            int escalate,
                            struct sn_err *err);
/* Sends every tab of conv_id's visitor a `case` frame with its case's status, department
 * (its label in lang) and tier; nothing when it has no case. */
void bot_queue_case_changed(struct bot_queue *q, const char *conv_id, const char *lang);

/* --- across nodes (store postgres: bot/cluster_queue.h; no-ops on one node) --- */

/* Node `node` is dead and this node took it over (its lease ended: bot_cq_tick, or the
 * cluster's on_node_dead): its agents are gone from agents_live, and every chat held by an
 * agent with no console on any node gets agent_grace from now here, then goes back to the
 * queue (unless its agent connects to some node first). */
void bot_queue_node_dead(struct bot_queue *q, const char *node);
/* The shared queue's connection is readable (a NOTIFY sanad_queue): when another node
 * changed the queue, it is read again from the store and routed. */
void bot_queue_cluster_changed(struct bot_queue *q);
/* That connection's socket for an ev_io (-1 on one node). */
int bot_queue_cluster_fd(const struct bot_queue *q);

/* The queue's length and the connected agents by presence into out (bot/metrics.h; the
 * other fields are left as they are). A walk of the agents: for a scrape, not the hot path. */
struct bot_metrics_live;
void bot_queue_metrics_live(const struct bot_queue *q, struct bot_metrics_live *out);

#endif
