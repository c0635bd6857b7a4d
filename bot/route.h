/* Routing as plain code: the queue of conversations waiting for a person (by their case's
 * priority, then FIFO), the position and wait each visitor is told, the visitor's grace
 * period, and the policy functions that choose an agent (bot/agents.h keeps the agents). Time is a
 * `now` passed in; nothing here stores, sends, logs or runs a timer: queue.c applies what this
 * decides, and the server's one-second timer calls bot_queue_tick, which calls bot_route_sweep and
 * bot_agents_due. Not thread-safe (the event loop's thread). */
#ifndef SANAD_BOT_ROUTE_H
#define SANAD_BOT_ROUTE_H

#define BOT_ROUTE_ETA_DEFAULT_MIN 3.0 /* per chat, before any chat was handled */
#define BOT_ROUTE_ID_MAX          40  /* conversation ids, NUL included (STORE_ID_MAX) */
#define BOT_ROUTE_LAST_MAX        564 /* 140 characters of UTF-8, NUL included */
#define BOT_ROUTE_ETA_SAMPLES     20  /* recent chats the handling time is averaged over */

/* What routing knows of an agent. */
struct bot_route_agent {
    int available;                    /* connected and online */
    int nchats;                       /* chats it holds */
    unsigned long long last_assigned; /* when it last got one (a counter): lower is longer ago */
};

/* 1 when a may take a chat (available, under capacity) and should rather than best (NULL:
 * none yet): fewer chats first, then the one that waited longest since its last (round
 * robin among equals). */
int bot_route_better(const struct bot_route_agent *a,
                     const struct bot_route_agent *best,
                     int capacity);

/* Minutes a visitor at position (1 = next) waits: position times the mean of the handling
 * times handled_ms[0..n) (BOT_ROUTE_ETA_DEFAULT_MIN when n is 0), shared among the online
 * agents (as one when none), rounded up, at least 1. */
int bot_route_eta_minutes(const long long *handled_ms, int n, int online, int position);

/* A queued visitor's presence, seen by the sweep at now: *gone_at is when it was first
 * seen without a socket (0: present). Returns 1 when it has been gone for grace_ms or more
 * (the conversation leaves the queue), else 0, updating *gone_at. A visitor who comes back
 * within the grace starts it afresh next time. */
int bot_route_visitor_gone(long long *gone_at, int present, long long now, long long grace_ms);

/* 1 when a gone agent's chats, kept for it until deadline, go back to the queue at now. */
int bot_route_agent_due(long long deadline, long long now);

/* --- the queue ------------------------------------------------------------------------ */

#define BOT_ROUTE_REF_MAX     16 /* a case reference, NUL included (STORE_CASE_REF_MAX) */
#define BOT_ROUTE_DEPT_MAX    33 /* a department id, NUL included (STORE_PROFILE_DEPT_MAX + 1) */
#define BOT_ROUTE_SLA_FIRST   1  /* breached: the first-response target (STORE_SLA_FIRST) */
#define BOT_ROUTE_SLA_RESOLVE 2  /* the resolution target (STORE_SLA_RESOLVE) */

/* What routing keeps of a conversation's case (the store's is the truth: this is a copy made
 * when the conversation is queued or held, so that the queue's order and the SLA clock need
 * no store read per tick). */
struct bot_route_case {
    char ref[BOT_ROUTE_REF_MAX];   /* "" when it has none */
    char dept[BOT_ROUTE_DEPT_MAX]; /* "" when it has none */
    int prio;                      /* enum bot_priority (bot/sla.h): higher is served first */
    long long created;             /* ms: when its SLA clock started (0: no case, no clock) */
    long long first_response;      /* ms of the first agent reply, 0: none yet */
    int breached;                  /* BOT_ROUTE_SLA_* bits: the targets it missed, alerted once */
    int tier;                      /* its support line (escalation): 1, the first */
};

/* A conversation waiting for a person. */
struct bot_route_item {
    struct bot_route_item *next;
    char id[BOT_ROUTE_ID_MAX];
    char lang[3];
    long long queued_at;           /* ms */
    int pos_sent;                  /* the position its visitor was last told (0: none) */
    long long gone_at;             /* ms when a sweep first saw it without a visitor (0: present) */
    char last[BOT_ROUTE_LAST_MAX]; /* the start of the visitor's last message */
    int front;                     /* its agent was gone: first within its priority */
    struct bot_route_case c;       /* its case: the order's priority, the SLA clock */
};

/* 1 when a is served before b: the higher priority first; within a priority a chat whose
 * agent is gone (front) first; then the one queued earlier (FIFO). 0 for equals (the one
 * queued here first stays first). */
int bot_route_before(const struct bot_route_item *a, const struct bot_route_item *b);

struct bot_route;

/* An empty queue, owned by the caller (bot_route_free). */
struct bot_route *bot_route_new(void);
void bot_route_free(struct bot_route *r);

/* Queues conv in its place (bot_route_before) with the start of last (up to 140
 * characters, cut at a character) and a copy of its case c (NULL: none, normal priority);
 * front: its agent is gone (it has waited longest). A conv queued already is left where it
 * is. Returns its item, owned by r. */
struct bot_route_item *bot_route_push_case(struct bot_route *r,
                                           const char *conv,
                                           const char *lang,
                                           long long queued_at,
                                           const char *last,
                                           int front,
                                           const struct bot_route_case *c);
/* bot_route_push_case without a case. */
struct bot_route_item *bot_route_push(struct bot_route *r,
                                      const char *conv,
                                      const char *lang,
                                      long long queued_at,
                                      const char *last,
                                      int front);
/* Its case changed (a priority raised, a target missed): it takes c and moves to its new
 * place; the queue counts as changed. */
void bot_route_set_case(struct bot_route *r,
                        struct bot_route_item *it,
                        const struct bot_route_case *c);
/* The item of conv and its position (1 = next) in *pos (may be NULL), or NULL. */
struct bot_route_item *bot_route_find(const struct bot_route *r, const char *conv, int *pos);
/* Removes and frees conv's item; 0 when it was queued, -1 when not. */
int bot_route_remove(struct bot_route *r, const char *conv);
/* The head (walk on with ->next), or NULL. */
struct bot_route_item *bot_route_head(const struct bot_route *r);
int bot_route_len(const struct bot_route *r);
/* The visitor of it wrote text: the queue shows its start. */
void bot_route_set_last(struct bot_route *r, struct bot_route_item *it, const char *text);
/* 1 when the queue changed (pushed, removed, last text) since the last call, and clears
 * it: the agents get the queue again. */
int bot_route_changed(struct bot_route *r);

/* Calls fn(ctx, it, pos) for each item whose position differs from the one its visitor
 * was last told, and remembers it. */
void bot_route_positions(struct bot_route *r,
                         void (*fn)(void *ctx, const struct bot_route_item *it, int pos),
                         void *ctx);

/* A chat was handled in ms (assignment to close): the ETA learns from the last
 * BOT_ROUTE_ETA_SAMPLES. */
void bot_route_handled(struct bot_route *r, long long ms);
/* Minutes the visitor at pos waits with online agents (bot_route_eta_minutes). */
int bot_route_eta(const struct bot_route *r, int online, int pos);

/* The visitor grace sweep at now: present(ctx, conv) says whether a queued conversation
 * has a visitor connected; one gone for grace_ms or more is offered to expire(ctx, it),
 * which returns 0 once it has moved it out of the queue in the store (the item is then
 * removed and freed here) or non-zero to keep it (tried again at the next sweep). Returns
 * how many left. */
int bot_route_sweep(struct bot_route *r,
                    long long now,
                    long long grace_ms,
                    int (*present)(void *ctx, const char *conv),
                    int (*expire)(void *ctx, const struct bot_route_item *it),
                    void *ctx);

#endif
