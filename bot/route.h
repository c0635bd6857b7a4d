/* Routing policy as plain functions (issue 11): which agent takes the next chat, and how
 * long a visitor is told to wait. No queue, no clock, no sockets: queue.c gathers the facts
 * and applies the answer. */
#ifndef SANAD_BOT_ROUTE_H
#define SANAD_BOT_ROUTE_H

#define BOT_ROUTE_ETA_DEFAULT_MIN 3.0 /* per chat, before any chat was handled */

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

#endif
