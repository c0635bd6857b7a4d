/* One visitor connection: the protocol logic between a decoded frame and the store, the
 * brain and the outgoing queue. No lws here: ws_visitor.c feeds whole frames in, drains the
 * queue out (one frame per WRITEABLE) and is woken through the wake callback.
 *
 * Memory: a session is small until `hello` (no buffers); the conversation and its dialogue
 * state are allocated at hello; the queue is bounded by config send_queue (when it is full
 * the socket layer pauses reading). */
#ifndef SANAD_BOT_SESSION_H
#define SANAD_BOT_SESSION_H

#include <stddef.h>

#include "bot/ratelimit.h"

struct bot_server;
struct bot_conv;
struct bot_agent;

/* One outgoing frame: headroom bytes, then len bytes of JSON. */
struct bot_outframe {
    struct bot_outframe *next;
    unsigned long long batch; /* queued while this batch was open (bot/batch.h) */
    size_t len;
    unsigned char buf[];
};

typedef void bot_session_wake_fn(void *io);

struct bot_session {
    struct bot_server *srv;
    struct bot_session *prev, *next; /* srv->sessions */
    unsigned long long id;
    struct bot_outframe *qhead, *qtail;
    int qlen;
    struct bot_conv *conv;  /* NULL until hello */
    long long replay_after; /* replay in progress: next seq is > replay_after */
    int replaying;
    struct bot_bucket bucket;
    int refused;             /* refused frames on this connection */
    int close_code;          /* close with this status once the queue is sent */
    int ip_counted;          /* ip holds one count in srv->iplimit */
    int is_agent;            /* an agent socket (/agent): frames go to agent.c */
    struct bot_agent *agent; /* its agent (queue.c); NULL once replaced or gone */
    bot_session_wake_fn *wake;
    void *io;
    struct bot_session *held_next; /* in srv->held: frames wait for their batch's commit */
    int held;
    char ip[48];
};

/* A new session for a connection from ip, linked into srv. Owned by the socket layer, freed
 * with bot_session_free (which unlinks it). */
struct bot_session *
bot_session_new(struct bot_server *srv, const char *ip, bot_session_wake_fn *wake, void *io);
void bot_session_free(struct bot_session *s);

/* A whole WebSocket message arrived (binary: it was a binary frame; too_big: it was longer
 * than max_frame and buf is NULL). Everything the session answers is queued. */
void bot_session_on_frame(
    struct bot_session *s, const char *buf, size_t len, int binary, int too_big);

/* What every frame of either kind of connection passes first: the rate limit (token
 * bucket), the size, text only. 1 to go on; 0 when the frame was refused (an error frame
 * queued, the abuse counted). */
int bot_session_admit(struct bot_session *s, int binary, int too_big);

/* Queues an error frame in the wording of the connection's protocol (no abuse counted:
 * the server's failure, not the peer's). */
void bot_session_error(struct bot_session *s, int code, const char *why, const char *client_id);

/* Refuses with an error frame (in the wording of the connection's protocol) and counts the
 * abuse; past abuse_limit schedules close 1008. Quiet once closing. */
void bot_session_refuse(struct bot_session *s, int code, const char *why, const char *client_id);

/* Close statuses beyond RFC 6455's (4000-4999: the application's; docs/protocol.md). */
#define BOT_SESSION_CLOSE_REVOKED 4001 /* the agent's login session ended */

/* Queues a close with status code (1001 going away, 1008 policy, 4001 revoked) after what
 * is queued. */
void bot_session_close(struct bot_session *s, int code);

/* Queues json[0..len) (takes it: freed here) to be sent. */
void bot_session_send(struct bot_session *s, char *json, size_t len);

/* Removes and returns the first queued frame (caller free()s it), or NULL when there is none
 * or when it waits for its batch's commit (bot/batch.h: the session is woken then). */
struct bot_outframe *bot_session_pop(struct bot_session *s);

#endif
