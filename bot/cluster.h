/* The cluster (issue 17): what makes N `sanad serve` nodes on one PostgreSQL store one
 * system. Only with `store postgres`; a single SQLite node never creates it.
 *
 * - Nodes and leases: schema sanad_cluster (bot_pg_migrate "sanad_cluster"), table
 *   sanad_cluster.nodes(id, started, lease_until, pid, host, port; times in ms since the
 *   epoch). A node registers at start (a live node with the same id refuses the start),
 *   renews its lease every tick (lease_until = now + node_lease) and, when another node's
 *   lease has run out, one node wins its takeover atomically (DELETE ... RETURNING) and calls
 *   the on_node_dead hooks. A node that stops cleanly ends its lease (lease_until 0), so the
 *   next tick of another node takes it over at once.
 * - Events: one dedicated connection LISTENs, watched by an ev_io on the server's loop
 *   (never blocking it); notifications are dispatched by channel through a table that other
 *   modules add rows to (bot_cluster_on). Payloads are ids and numbers only, never text:
 *   the row is the truth, the notification only a wake-up.
 * - Messages (channel sanad_msg, '<conv_id> <seq> <node>'): a node with the conversation's
 *   visitor sockets delivers the stored agent and system rows another node wrote; a node
 *   whose agent holds it relays the visitor rows to that agent. A per-conversation "delivered
 *   up to seq" (and the seqs this node wrote itself, learnt by interposing on the store's
 *   msg_add) keeps every row sent once, none skipped.
 * - Moves (channel sanad_conv, '<conv_id> <node>'): published after every stored move; a
 *   node holding the conversation reloads its state and agent (bot_convs_refresh).
 * - Live frames that are not stored (channel sanad_live, '<conv_id> <node> <kind> [args]'):
 *   queue position, case, agent typing, sent by the visitor's node.
 * - Catch-up: a lost listening connection is reconnected from the tick with backoff; then
 *   every conversation in memory has its state refreshed and its rows after its delivered
 *   seq delivered, and the on_catchup hooks run (the queue reloads). Nothing depends on a
 *   missed notification.
 *
 * One per server (srv->cluster), used from the event loop's thread only. */
#ifndef SANAD_BOT_CLUSTER_H
#define SANAD_BOT_CLUSTER_H

#include <stddef.h>

#include "bot/conv.h"
#include "kb/base.h"

struct bot_server;
struct bot_cluster;
struct bot_conv_move;
struct bot_pg;
struct ev_loop;

#define BOT_CLUSTER_NODE_MAX    64  /* bytes of a node id, without its NUL */
#define BOT_CLUSTER_PAYLOAD_MAX 200 /* bytes of a payload this module sends or accepts */
#define BOT_CLUSTER_CHANNELS    16  /* rows of the dispatch table */

/* The channels of this module. */
#define BOT_CLUSTER_CH_MSG  "sanad_msg"
#define BOT_CLUSTER_CH_CONV "sanad_conv"
#define BOT_CLUSTER_CH_LIVE "sanad_live"

/* A notification on a channel registered with bot_cluster_on: payload is as received
 * (at most BOT_CLUSTER_PAYLOAD_MAX bytes; longer ones are dropped before dispatch), from any
 * node, this one included, and possibly forged: handlers check it. */
typedef void bot_cluster_event_fn(void *ctx, const char *channel, const char *payload);
/* Node node_id's lease ran out and this node won its takeover (exactly one live node is
 * told), or this node found its own id's previous incarnation dead at start. */
typedef void bot_cluster_node_dead_fn(void *ctx, const char *node_id);
/* The listening connection is back after a loss: whatever was missed must be read again. */
typedef void bot_cluster_catchup_fn(void *ctx);

/* Opens the cluster for srv (cfg->store is "postgres"; srv->store, srv->convs and srv->queue
 * are open, srv->port is the port listened on): migrates sanad_cluster, registers this node
 * (cfg->node_id, else "<hostname>:<port>"), connects the listener on loop and interposes on
 * the store's msg_add. Returns a cluster owned by the caller (bot_cluster_close, before the
 * store is closed), or NULL with err set: SN_ECONFLICT when a live node has this node's id,
 * SN_EINVAL for a bad node id, SN_EDB. */
struct bot_cluster *
bot_cluster_open(struct bot_server *srv, struct ev_loop *loop, struct sn_err *err);
/* Ends this node's lease, stops the watchers, gives the store its msg_add back and closes
 * the connections. NULL is fine. */
void bot_cluster_close(struct bot_cluster *cl);

/* This node's id (borrowed, as long as cl). */
const char *bot_cluster_node_id(const struct bot_cluster *cl);
/* The connection for leases and publishing (borrowed; other cluster modules may run their
 * own statements on it, from the loop's thread, outside a transaction of theirs). */
struct bot_pg *bot_cluster_pg(struct bot_cluster *cl);

/* Adds a row to the dispatch table: fn(ctx, channel, payload) for every notification on
 * channel ([a-z_], 1..63 bytes; LISTENed at once and after every reconnect). SN_EINVAL for a
 * bad name, SN_ETOOBIG when the table is full (BOT_CLUSTER_CHANNELS). A channel may have
 * several rows; they run in the order they were added. */
int bot_cluster_on(struct bot_cluster *cl,
                   const char *channel,
                   bot_cluster_event_fn *fn,
                   void *ctx);
/* Hooks called as their types say (at most BOT_CLUSTER_CHANNELS of each). */
int bot_cluster_on_node_dead(struct bot_cluster *cl, bot_cluster_node_dead_fn *fn, void *ctx);
int bot_cluster_on_catchup(struct bot_cluster *cl, bot_cluster_catchup_fn *fn, void *ctx);

/* Publishes payload on channel (pg_notify) once the loop's turn has committed its writes
 * (after bot_batch_flush), so a receiver reads the rows it names. SN_OK once queued; SN_EINVAL
 * for a bad channel or a payload with text beyond the ids (longer than
 * BOT_CLUSTER_PAYLOAD_MAX); a failure to send is logged and dropped (nothing depends on a
 * notification). */
int bot_cluster_publish(struct bot_cluster *cl, const char *channel, const char *payload);

/* The server's one-second tick at now (ms): renews the lease, takes over dead nodes,
 * reconnects the listener (backoff 1 s doubling to 30 s) and catches up. */
void bot_cluster_tick(struct bot_cluster *cl, long long now);

/* bot/convs.h's moved callback for a cluster node (srv as ctx): publishes sanad_conv for the
 * move, then calls bot_queue_moved. Without srv->cluster it is bot_queue_moved. */
void bot_cluster_moved(void *srv,
                       const struct bot_conv_move *mv,
                       enum bot_conv_state from,
                       enum bot_conv_state to);

/* Live frames for a visitor who may be on another node (sanad_live), for the queue: its
 * position and ETA; its case changed (the visitor's node sends the `case` frame from the
 * store); the agent's typing (the visitor's node applies bot/typing.h's limit). Published;
 * this node's own tabs are the caller's. cl NULL (a single node): nothing. */
void bot_cluster_live_queue(struct bot_cluster *cl, const char *conv, int position, int eta);
void bot_cluster_live_case(struct bot_cluster *cl, const char *conv);
void bot_cluster_live_typing(struct bot_cluster *cl, const char *conv, int on);
/* The visitor's typing, for the agent holding conv on another node ('vtyping'). */
void bot_cluster_live_visitor_typing(struct bot_cluster *cl, const char *conv, int on);

/* Live nodes seen at the last tick (the gauge sanad_cluster_nodes). */
long long bot_cluster_nodes(const struct bot_cluster *cl);

/* --- the payloads (pure; exposed for the tests) --- */

/* The fields of a payload: conv and node point into buf (a copy of the payload, which the
 * parse cuts into fields). */
struct bot_cluster_note {
    const char *conv, *node;
    const char *kind; /* conv: the event's name (NULL: none); live: queue, case, typing */
    const char *arg;  /* conv: the agent's login (assign, transfer) or the close's resolution */
    long long seq, a, b;
    char buf[BOT_CLUSTER_PAYLOAD_MAX + 1];
};
/* Parses a sanad_msg payload '<conv_id> <seq> <node>': conv [A-Za-z0-9_-] (1..STORE_ID_MAX-1
 * bytes), seq 1..10^15, node 1..BOT_CLUSTER_NODE_MAX printable bytes, single spaces, nothing
 * more. SN_OK, or SN_EINVAL (out unspecified). */
int bot_cluster_parse_msg(const char *payload, struct bot_cluster_note *out);
/* sanad_conv: '<conv_id> <node> [<event> [<arg>]]': event a bot_conv_event_name, arg
 * [A-Za-z0-9._@-] (a login, a resolution code), 1..64 bytes. */
int bot_cluster_parse_conv(const char *payload, struct bot_cluster_note *out);
/* sanad_live: '<conv_id> <node> queue <position> <eta>', '... case', '... typing <0|1>' (the
 * agent's, to the visitor's tabs), '... vtyping <0|1>' (the visitor's, to its agent). */
int bot_cluster_parse_live(const char *payload, struct bot_cluster_note *out);
/* 1 when id is a valid node id (1..BOT_CLUSTER_NODE_MAX bytes, printable ASCII, no space). */
int bot_cluster_node_id_ok(const char *id);

#endif
