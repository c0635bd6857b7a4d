/* The front (issue 12, HTTP edges): on a plaintext server it, not lws, listens. Each
 * connection's first request head is read here under a bound (bot/httphead.h) and a deadline;
 * a bad one is answered with its status line (400, 431, 501, 505, 408) and closed, a sound one
 * is handed to lws (lws_adopt_socket_vhost), which serves the request and everything after it
 * on that connection as if it had accepted it. The head is only peeked (MSG_PEEK): every byte
 * of a sound request is still in the socket for lws. With TLS, lws listens itself (serve.c). */
#ifndef SANAD_BOT_FRONT_H
#define SANAD_BOT_FRONT_H

#include "kb/base.h"

struct bot_front;
struct ev_loop;
struct lws_vhost;

/* Seconds a connection has to send its first head, from accept; 0 bytes by then: closed
 * without a word (an idle preconnect), part of a head: 408. */
#define BOT_FRONT_HEAD_TIMEOUT_S 5.0
/* Connections reading their head at once; past it the oldest is closed (slowloris). */
#define BOT_FRONT_MAX_PENDING 512

/* Listens on bind (an IPv4 address) and port (0: a free one) on loop. Nothing is accepted
 * before bot_front_start. SN_EIO with err set when the socket cannot be had. */
int bot_front_open(
    struct bot_front **out, struct ev_loop *loop, const char *bind, int port, struct sn_err *err);
/* The port listened on. */
int bot_front_port(const struct bot_front *f);
/* Accepts from now on, handing sound heads to vh (which must outlive the front). */
void bot_front_start(struct bot_front *f, struct lws_vhost *vh);
/* Closes the listener and every connection still reading its head; frees f (NULL is fine).
 * Before lws_context_destroy. */
void bot_front_close(struct bot_front *f);

#endif
