/* The agents routing knows: who is connected on /agent, their presence, the chats each
 * holds, and the chats of agents who are gone but still within their grace period. Pure
 * data and policy: connections are opaque pointers, time is passed in, nothing here sends,
 * stores or logs. queue.c applies what this decides; tests/unit/test_bot_agents.c drives it
 * with a fake clock. Not thread-safe (the event loop's thread). */
#ifndef SANAD_BOT_AGENTS_H
#define SANAD_BOT_AGENTS_H

#include "bot/route.h"

struct bot_dept_agents;

#define BOT_AGENTS_LOGIN_MAX 65  /* bytes, NUL included (BOT_AUTH_LOGIN_MAX + 1) */
#define BOT_AGENTS_NAME_MAX  321 /* bytes, NUL included (80 characters of UTF-8) */
#define BOT_AGENTS_TOKEN_MAX 65  /* bytes, NUL included (BOT_AUTH_TOKEN_HEX) */

/* A chat an agent holds. assigned_at 0: loaded from the store (its handling time is
 * unknown, so it does not count towards the ETA). */
struct bot_agent_chat {
    char id[BOT_ROUTE_ID_MAX];
    char lang[3];
    long long assigned_at;   /* ms */
    struct bot_route_case c; /* its case, for the SLA clock (zero until set) */
};

/* A connected agent. Fields are read by the caller; changed only through the functions
 * below. */
struct bot_agent {
    struct bot_agent *next;
    void *conn; /* its connection (the caller's); never NULL while the agent is listed */
    long long user_id;
    char login[BOT_AGENTS_LOGIN_MAX];
    char name[BOT_AGENTS_NAME_MAX];
    char session[BOT_AGENTS_TOKEN_MAX]; /* the login session it came with (a secret: wiped
                                         * when the agent is freed), checked every tick */
    int online;                         /* presence: online (1) or away (0) */
    unsigned long long last_assigned;   /* round robin among equals: lowest first */
    struct bot_agent_chat *chats;
    int nchats, cap;
};

struct bot_agents;

/* An empty set, owned by the caller (bot_agents_free). */
struct bot_agents *bot_agents_new(void);
/* Frees g with its agents and grace deadlines (NULL is fine); the connections are the
 * caller's. */
void bot_agents_free(struct bot_agents *g);

/* The first connected agent (walk on with ->next), or NULL. */
struct bot_agent *bot_agents_first(const struct bot_agents *g);

/* User user_id connects on conn (with its login session: NULL for none), online. One connection per
 * agent, the newest wins: an agent of the same user already listed is removed and its connection
 * returned in *replaced (the caller closes it; NULL when there was none). A gone agent's grace
 * ends: its chats are its own again (the caller loads them with bot_agents_chat_add). Returns the
 * agent, owned by g until bot_agents_leave. */
struct bot_agent *bot_agents_join(struct bot_agents *g,
                                  long long user_id,
                                  const char *login,
                                  const char *name,
                                  const char *session,
                                  void *conn,
                                  void **replaced);

/* The agent's connection is gone at now: removed and freed. When it held chats they stay
 * its own until now + grace_ms (bot_agents_due hands them back then). */
void bot_agents_leave(struct bot_agents *g, struct bot_agent *a, long long now, long long grace_ms);

/* User user_id held chats when it was last seen (a restart): they stay its own until
 * deadline. A user already given a deadline keeps the first one. */
void bot_agents_grace(struct bot_agents *g, long long user_id, long long deadline);

/* Calls fn(ctx, user_id) for every gone agent whose grace ended at or before now, and
 * forgets it: its chats go back to the queue (the caller's job). Returns how many. */
int bot_agents_due(struct bot_agents *g,
                   long long now,
                   void (*fn)(void *ctx, long long user_id),
                   void *ctx);
/* Gone agents still within their grace. */
int bot_agents_waiting(const struct bot_agents *g);

/* The agent takes conv (lang) at now: it becomes one of its chats, and the latest
 * assignment for round robin. */
void bot_agents_assign(
    struct bot_agents *g, struct bot_agent *a, const char *conv, const char *lang, long long now);
/* Adds conv to a's chats without counting it as an assignment (chats loaded from the
 * store). */
void bot_agents_chat_add(struct bot_agent *a, const char *conv, const char *lang, long long at);
/* The index of conv in a's chats, or -1. */
int bot_agents_chat_index(const struct bot_agent *a, const char *conv);
/* Removes chat i of a into *out (its id, lang and assigned_at). */
void bot_agents_chat_remove(struct bot_agent *a, int i, struct bot_agent_chat *out);

/* The listed agent holding conv, or NULL. */
struct bot_agent *bot_agents_holder(const struct bot_agents *g, const char *conv);
/* The online agent with login, or NULL. */
struct bot_agent *bot_agents_by_login(const struct bot_agents *g, const char *login);

/* Who takes the next chat (bot_route_better over every agent): the online agent below
 * capacity with the fewest chats, then the one assigned least recently; NULL when none. */
struct bot_agent *bot_agents_choose(const struct bot_agents *g, int capacity);
/* Who the head of the queue goes to without asking (routing auto): bot_agents_choose; in
 * pick mode (pick non-zero) nobody: agents take chats themselves. */
struct bot_agent *bot_agents_next(const struct bot_agents *g, int capacity, int pick);
/* 1 when a may take one more chat itself (pick mode's `take`, a transfer to it). */
int bot_agents_may_take(const struct bot_agent *a, int capacity);
/* The agent's display name changed (PATCH /api/me): what visitors see from now on. Returns 1
 * when it differs from the one a had, 0 when it is the same. */
int bot_agents_set_name(struct bot_agent *a, const char *name);
/* Connected agents whose presence is online. */
int bot_agents_online(const struct bot_agents *g);

/* --- departments (issue 15): department_agents (bot/dept.h) over the queue's order ------- */

/* Chat i of a takes a copy of its case c (the SLA clock of a held chat). */
void bot_agents_chat_set_case(struct bot_agent *a, int i, const struct bot_route_case *c);

/* Connected, online agents who serve dept (bot_dept_agent_in: every agent when dept is NULL,
 * "" or has nobody listed in da). */
int bot_agents_dept_available(const struct bot_agents *g,
                              const struct bot_dept_agents *da,
                              const char *dept);
/* 1 when queued chats of dept go to any agent because the department has agents listed in
 * da and none of them is available (connected and online): a fallback. */
int bot_agents_dept_fallback(const struct bot_agents *g,
                             const struct bot_dept_agents *da,
                             const char *dept);

/* What auto routing does next: *item (of the queue that starts at head, in its order) goes
 * to *agent; fallback 1 when agent is not of the item's department (it has nobody
 * available). */
struct bot_agents_choice {
    struct bot_agent *agent;
    struct bot_route_item *item;
    int fallback;
};
/* The first item some agent may serve, with the best one for it (bot_route_better): an
 * agent below capacity of its department; when no agent of its department is available at
 * all, any agent below capacity (a fallback). An item whose department's agents are all at
 * capacity waits for them, and the next item is looked at. Returns 1 with *out set, or 0
 * (nothing to assign: *out zeroed). Borrowed pointers, valid until g or the queue change. */
int bot_agents_route(const struct bot_agents *g,
                     struct bot_route_item *head,
                     const struct bot_dept_agents *da,
                     int capacity,
                     struct bot_agents_choice *out);

#endif
