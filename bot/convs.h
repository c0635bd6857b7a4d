/* The conversations the server is holding: conversation id -> its state, the agent holding
 * it, its dialogue (with its language) and the visitor connections attached to it (a
 * visitor may have the widget open in two tabs: they share one conversation, one dialogue,
 * one state). Every move between states goes through bot_convs_move, in one order: check
 * bot/conv.h's table, write the store, update memory, then tell the caller through the
 * moved callback. Routing delivers to a conversation's visitors through bot_convs_conns,
 * never by walking every socket.
 *
 * No sockets, no loop: connections are opaque pointers; the store is the conversation
 * store interface (bot/store.h). A conversation is in memory while a connection is attached
 * to it; a move of one that is not (its visitor is gone) reads its state from the store.
 * Not thread-safe (the event loop's thread). */
#ifndef SANAD_BOT_CONVS_H
#define SANAD_BOT_CONVS_H

#include <stddef.h>

#include "bot/conv.h"
#include "bot/dialogue.h"
#include "bot/store.h"
#include "bot/typing.h"

/* One conversation in memory. Fields are read by the caller; state and agent_id change only
 * through bot_convs_move; the dialogue is the visitor side's (it saves it). */
struct bot_conv {
    char id[STORE_ID_MAX];
    enum bot_conv_state state;
    unsigned short nconns, cap; /* private: connections; cap 1: the one is inline */
    long long agent_id;         /* the agent holding it (0: none), as the last move set it */
    struct bot_conv *chain;     /* private: the hash chain */
    union {                     /* private: the connections */
        void *one;              /* cap 1: the usual one tab, no allocation */
        void **many;            /* cap > 1: an array, grown by doubling */
    } conns;
    struct bot_dialogue dlg;
    /* what was last relayed of each side's typing (bot/typing.h; index enum
     * bot_typing_side); back to nothing at every move */
    struct bot_typing typing[BOT_TYPING_SIDES];
    char visitor[STORE_VISITOR_MAX]; /* the widget's visitor id its first tab said in hello
                                      * ("": none); a handoff's case is looked up by it */
};

/* A move: event ev on conversation conv at now, with the routing it leaves (the agent that
 * holds it after the move, 0 for none; when it was queued, 0 for never; the resolution of a
 * close, else NULL) and what the notice that follows needs (agent_name: the agent who
 * joined, for assign and transfer; lang: the conversation's language). */
struct bot_conv_move {
    const char *conv;
    enum bot_conv_event ev;
    long long agent_id, queued_at;
    const char *resolution;
    const char *agent_name, *lang;
    long long now;
    /* for the case timeline (bot/cases.h), both optional: who made the move ("agent:<login>",
     * "visitor", "system"; NULL: as the event implies) and the event's detail (a JSON object
     * as text; NULL: none) */
    const char *actor, *detail;
    const char *agent_login; /* the login of agent_id (assign, transfer): the case's assignee */
};

/* Called after a move is stored and in memory (from -> to). */
typedef void bot_convs_moved_fn(void *ctx,
                                const struct bot_conv_move *mv,
                                enum bot_conv_state from,
                                enum bot_conv_state to);

struct bot_convs;

/* An empty set over store st (borrowed: it outlives the set); moved (NULL: none) is called
 * with ctx after every move. Owned by the caller (bot_convs_free). */
struct bot_convs *bot_convs_new(struct store *st, bot_convs_moved_fn *moved, void *ctx);
/* Frees cs and the conversations still in it (NULL is fine); the connections are the
 * caller's. */
void bot_convs_free(struct bot_convs *cs);

#define BOT_CONVS_MAX_CONNS 64 /* connections of one conversation (tabs of one visitor) */

/* Attaches conn to conversation id. When id is in memory already (another tab), conn joins
 * it and state and dlg are ignored: the conversation in memory is the live one. Otherwise
 * it is created with state and a copy of dlg. Returns the conversation, owned by cs while a
 * connection is attached, or NULL when it has BOT_CONVS_MAX_CONNS already (a token shared
 * far beyond one visitor's tabs). */
struct bot_conv *bot_convs_attach(struct bot_convs *cs,
                                  const char *id,
                                  enum bot_conv_state state,
                                  const struct bot_dialogue *dlg,
                                  void *conn);
/* Detaches conn from c (a connection not attached is ignored); c is freed with its last
 * connection. */
void bot_convs_detach(struct bot_convs *cs, struct bot_conv *c, void *conn);

/* The conversation id in memory, or NULL. */
struct bot_conv *bot_convs_find(const struct bot_convs *cs, const char *id);
/* The connections of id copied into out (at most cap, in the order they attached); returns
 * how many it has in all (0 when it is not in memory). A copy, so that a caller that
 * detaches one while walking them does not disturb its loop. */
size_t bot_convs_conns(const struct bot_convs *cs, const char *id, void **out, size_t cap);
/* Conversations in memory, and connections attached to them. */
size_t bot_convs_count(const struct bot_convs *cs);
size_t bot_convs_nconns(const struct bot_convs *cs);
/* The conversations in memory by state into out (a walk of them all: for a scrape of
 * /metrics, bot/metrics.h, not for the hot path). */
void bot_convs_states(const struct bot_convs *cs, long long out[BOT_CONV_NSTATES]);

/* Moves mv->conv by mv->ev: SN_OK once stored, in memory and told (*to the new state when
 * to is not NULL); SN_ECONFLICT when the table refuses it from the current state (nothing
 * written; SN_EINVAL for an event out of range), SN_ENOTFOUND when the store has no such
 * conversation, SN_EDB (err set; memory unchanged, nobody told). */
int bot_convs_move(struct bot_convs *cs,
                   const struct bot_conv_move *mv,
                   enum bot_conv_state *to,
                   struct sn_err *err);

/* The cluster's (bot/cluster.h): another node moved conversation id (the store has the move);
 * its copy in memory takes state and agent_id without a move (no store write, nobody told),
 * the typing indicators end and a state other than agent forgets the seen receipt, as a
 * move would. SN_ENOTFOUND when id is not in memory. */
int bot_convs_refresh(struct bot_convs *cs,
                      const char *id,
                      enum bot_conv_state state,
                      long long agent_id);
/* Calls fn(ctx, c) for every conversation in memory (a walk of them all: the cluster's
 * catch-up after a lost connection, not the hot path); fn must not attach or detach. */
void bot_convs_each(struct bot_convs *cs, void (*fn)(void *ctx, struct bot_conv *c), void *ctx);

/* "Seen" receipts (issue 14): the highest seq the visitor said it has seen (a `seen` frame)
 * of conversation id while an agent has it, so that an agent who reconnects, or takes it
 * over, still sees which replies were read. Kept in memory only (a restart forgets it),
 * whether or not a visitor is connected, from the first receipt until the conversation
 * leaves the agents (any move to another state than agent forgets it). 0: none. */
long long bot_convs_seen(const struct bot_convs *cs, const char *id);
/* Raises the receipt of id to seq: 1 when it rose, 0 when seq is not above it (nothing
 * changes). The caller checked that seq is a seq of the conversation. */
int bot_convs_seen_raise(struct bot_convs *cs, const char *id, long long seq);

#endif
