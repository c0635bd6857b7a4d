/* The agent queue across nodes (issue 17): what bot/queue.c asks of PostgreSQL when several
 * `sanad serve` nodes share one store (`store postgres`). The truth is the store: the
 * conversations in state "queued" are the queue, in one order (their case's priority, then
 * queued_at, then id), and each node's routing (bot/route.h) is a cache of it, reloaded when
 * it may have changed. A node assigns only to its own connected agents, and claims the
 * conversation first (bot_cq_claim: an atomic UPDATE of its agent_id while it is still
 * queued and unclaimed); the node that loses reloads and routes the next one.
 *
 * Presence and load are shared in table agents_live (one row per connected agent and node),
 * and every node beats in table queue_nodes: a node silent for node_lease seconds is dead,
 * and the one survivor that deletes its row (bot_cq_tick) takes its agents over.
 *
 * On SQLite (one node) there is no struct bot_cq: every function takes NULL as that one
 * node (a claim always wins, nothing is shared, nobody else is alive). One connection of its
 * own (bot/pg.h), used from the event loop's thread only. Schema `sanad_cluster_queue`. */
#ifndef SANAD_BOT_CLUSTER_QUEUE_H
#define SANAD_BOT_CLUSTER_QUEUE_H

#include "kb/base.h"

struct bot_config;
struct bot_cq;

#define BOT_CQ_NODE_MAX  128           /* a node id, NUL included */
#define BOT_CQ_ID_MAX    40            /* a conversation id, NUL included (STORE_ID_MAX) */
#define BOT_CQ_LOGIN_MAX 65            /* BOT_AGENTS_LOGIN_MAX */
#define BOT_CQ_NAME_MAX  321           /* BOT_AGENTS_NAME_MAX */
#define BOT_CQ_CHANNEL   "sanad_queue" /* NOTIFY channel: the queue changed (payload: node) */

/* The node id of cfg: node_id, else "<hostname>:<port>", into out (BOT_CQ_NODE_MAX). */
void bot_cq_node_of(const struct bot_config *cfg, char out[BOT_CQ_NODE_MAX]);

/* Opens the shared queue of cfg as node: *out NULL (one node) unless cfg->store is
 * "postgres"; then a connection, the schema migrated, this node's rows of an earlier life
 * gone and LISTEN on BOT_CQ_CHANNEL. *out is owned by the caller (bot_cq_close). SN_EDB. */
int bot_cq_open(const struct bot_config *cfg,
                const char *node,
                struct bot_cq **out,
                struct sn_err *err);
/* Removes this node's agents_live and queue_nodes rows and closes (NULL is fine). */
void bot_cq_close(struct bot_cq *cq);
/* This node's id ("" for NULL). */
const char *bot_cq_node(const struct bot_cq *cq);

/* --- the claim ---------------------------------------------------------------------------- */

/* Claims queued conversation conv for agent_id at now: SN_OK when this node won it (it is
 * still queued and nobody claimed it: the move that follows writes the rest), SN_ECONFLICT
 * when another node has it (assigned, claimed, or no longer queued), SN_EDB. NULL: SN_OK. */
int bot_cq_claim(
    struct bot_cq *cq, const char *conv, long long agent_id, long long now, struct sn_err *err);
/* Gives back a claim whose move failed (logged on failure). */
void bot_cq_unclaim(struct bot_cq *cq, const char *conv, long long agent_id);

/* --- the queue as the store has it ------------------------------------------------------ */

struct bot_cq_item {
    char id[BOT_CQ_ID_MAX];
    long long queued_at;
    int prio;      /* its newest case's priority (0, normal, without a case) */
    char dept[33]; /* its case's department ("" for none; BOT_ROUTE_DEPT_MAX) */
};
/* The queued, unclaimed conversations in the one order (priority descending, queued_at,
 * id) into *items (owned by the caller: free) and *n. NULL: none (SN_OK, *items NULL). */
int bot_cq_queued(struct bot_cq *cq, struct bot_cq_item **items, int *n, struct sn_err *err);
/* 1 when id is among items[0..n). */
int bot_cq_items_has(const struct bot_cq_item *items, int n, const char *id);

/* --- presence and load ------------------------------------------------------------------- */

/* A connected agent as agents_live has it. */
struct bot_cq_agent {
    long long user_id;
    char node[BOT_CQ_NODE_MAX];
    char login[BOT_CQ_LOGIN_MAX];
    char name[BOT_CQ_NAME_MAX];
    int online; /* presence: online (1) or away (0) */
    int chats, capacity;
    long long seen; /* ms its node last beat (0: no beat on record) */
};

/* This node's agents are now v[0..n) exactly (one transaction: the others' rows stay); a
 * notification follows. Written only when they differ from the last call's. SN_EDB. */
int bot_cq_agents_put(
    struct bot_cq *cq, const struct bot_cq_agent *v, int n, long long now, struct sn_err *err);
/* The other nodes' agents, as loaded by the last bot_cq_tick (borrowed; *n 0 for NULL). */
const struct bot_cq_agent *bot_cq_others(const struct bot_cq *cq, int *n);
/* 1 when user_id has a console on another node (as of the last tick, or asked now when
 * fresh is non-zero; a failed read counts as connected: its chats wait). 0 for NULL. */
int bot_cq_elsewhere(struct bot_cq *cq, long long user_id, int fresh);

/* 1 when row r counts at now: its node beat within lease_ms (a dead node's agents are nobody,
 * even before a survivor removed them). Pure. */
int bot_cq_row_live(const struct bot_cq_agent *r, long long now, long long lease_ms);
/* The rows of v[0..n) that count at now and are online. Pure. */
int bot_cq_online(const struct bot_cq_agent *v, int n, long long now, long long lease_ms);

/* --- the nodes ----------------------------------------------------------------------------- */

/* The tick at now: this node beats, the other nodes' agents are loaded, and every node silent
 * for lease_ms that this node is the first to see is taken over: dead(ctx, node) is called
 * once for it (its agents_live rows are removed first). Then the notifications that came are
 * read: *notified is 1 when another node changed the queue. SN_EDB (logged by the caller; the
 * next tick tries again). NULL: nothing. */
int bot_cq_tick(struct bot_cq *cq,
                long long now,
                long long lease_ms,
                void (*dead)(void *ctx, const char *node),
                void *ctx,
                int *notified,
                struct sn_err *err);
/* The users who hold chats (state agent) and have no console on any node, into *users
 * (owned by the caller: free) and *n: a dead node's agents, given the grace by the survivor.
 * NULL: none. */
int bot_cq_orphans(struct bot_cq *cq, long long **users, int *n, struct sn_err *err);
/* Tells the other nodes the queue or the agents changed (NOTIFY BOT_CQ_CHANNEL). */
void bot_cq_publish(struct bot_cq *cq);
/* The connection's socket, readable when a notification came (-1 for NULL): for an ev_io. */
int bot_cq_fd(const struct bot_cq *cq);
/* Reads what came on the socket: 1 when another node changed the queue. */
int bot_cq_poll(struct bot_cq *cq);

#endif
