/* The front: a libev listener that reads each connection's first request head and either
 * refuses it with a status line or hands it to lws (bot/front.h). */
#include "bot/front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "bot/httphead.h"

/* Bytes a refused connection's reads may still discard before it is closed: closing with
 * unread bytes makes the kernel send a reset, which can destroy the status line in flight. */
#define LINGER_BYTES (64 * 1024)
#define LINGER_S     2.0

struct conn {
    struct bot_front *f;
    int fd;
    int lingering; /* refused: the status is sent, reads are discarded until EOF */
    size_t len;    /* head bytes seen so far (peeked: still in the socket) */
    size_t drained;
    ev_io io;
    ev_timer timer;
    struct conn *prev, *next;            /* newest first */
    char buf[BOT_HTTPHEAD_MAX + 64 + 2]; /* the peeked head, with up to 64 leading CRLF bytes */
};

struct bot_front {
    struct ev_loop *loop;
    struct lws_vhost *vh;
    int fd, port, npending;
    ev_io io;
    struct conn *head, *tail;
};

static void conn_free(struct conn *c, int close_fd)
{
    struct bot_front *f = c->f;
    ev_io_stop(f->loop, &c->io);
    ev_timer_stop(f->loop, &c->timer);
    if (c->prev)
        c->prev->next = c->next;
    else
        f->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        f->tail = c->prev;
    f->npending--;
    if (close_fd)
        close(c->fd);
    free(c);
}

static void on_linger_timeout(struct ev_loop *loop, ev_timer *w, int revents);

/* Sends the status line of status, half-closes, and lingers until the client closes (or
 * LINGER_S / LINGER_BYTES pass), so that the answer is read before the socket goes. */
static void refuse(struct conn *c, int status)
{
    char msg[256];
    const char *reason = bot_httphead_reason(status);
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%d %s\n",
                     status, reason, strlen(reason) + 5, status, reason);
    char peer[64] = "?";
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (!getpeername(c->fd, (struct sockaddr *)&sa, &sl))
        inet_ntop(AF_INET, &sa.sin_addr, peer, sizeof peer);
    sn_log(SN_LOG_NOTICE, "http", "event=refused ip=%s status=%d where=head", peer, status);
    /* one small write into an empty socket buffer: it goes whole or the peer is gone */
    if (send(c->fd, msg, (size_t)n, MSG_NOSIGNAL) != n) {
        conn_free(c, 1);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    int one = 1; /* every byte wakes the drain now */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    c->lingering = 1;
    ev_timer_stop(c->f->loop, &c->timer);
    ev_timer_init(&c->timer, on_linger_timeout, LINGER_S, 0);
    ev_timer_start(c->f->loop, &c->timer);
}

static void on_linger_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    conn_free((struct conn *)((char *)w - offsetof(struct conn, timer)), 1);
}

static void on_head_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, timer));
    if (!c->len) { /* never a byte: an idle preconnect, no answer owed */
        conn_free(c, 1);
        return;
    }
    refuse(c, 408);
}

/* A sound head: the socket goes to lws with every byte still in it, so lws reads the
 * request as if it had accepted the connection. Not with lws_adopt_socket_vhost_readbuf:
 * lws 4.1.6 keeps that buffer at the head of the wsi's buflist while it parses it, and
 * lws_http_action's body loop (server.c) then reads the same segment again as the body;
 * with a Content-Length that loop never ends (BODY_COMPLETION over and over, the event loop
 * stuck): every POST hung. lws owns the fd from here (it closes it if the adoption fails). */
static void hand_over(struct conn *c)
{
    struct bot_front *f = c->f;
    int fd = c->fd, one = 1;
    conn_free(c, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    if (!lws_adopt_socket_vhost(f->vh, fd))
        sn_log(SN_LOG_WARN, "http", "event=adopt_failed");
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, io));
    if (c->lingering) {
        char sink[4096];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n > 0 && (c->drained += (size_t)n) < LINGER_BYTES)
            return;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_free(c, 1);
        return;
    }
    /* Only peeked: what the client sent stays in the socket for lws (see hand_over). */
    ssize_t n = recv(c->fd, c->buf, sizeof c->buf - 1, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* gone before its head was whole */
        conn_free(c, 1);
        return;
    }
    c->len = (size_t)n;
    size_t skip = 0, head_len = 0;
    int v = bot_httphead_check(c->buf, c->len, &skip, &head_len);
    if (v == BOT_HTTPHEAD_OK && skip) {
        /* empty lines before the request are not lws's to see: they are taken, the rest
         * peeked again */
        if (recv(c->fd, c->buf, skip, 0) != (ssize_t)skip) {
            conn_free(c, 1);
            return;
        }
        on_read(loop, w, revents);
        return;
    }
    if (v == BOT_HTTPHEAD_OK) {
        hand_over(c);
        return;
    }
    if (v == BOT_HTTPHEAD_MORE) {
        /* not readable again until a byte more than we have seen arrives (or the end):
         * the peeked bytes would otherwise wake the loop at once, over and over */
        int lowat = (int)c->len + 1;
        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat))
            conn_free(c, 1);
        return;
    }
    /* refused: what was peeked is taken, the rest is drained while lingering */
    if (recv(c->fd, c->buf, c->len, 0) != (ssize_t)c->len) {
        conn_free(c, 1);
        return;
    }
    refuse(c, v);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct bot_front *f = (struct bot_front *)((char *)w - offsetof(struct bot_front, io));
    for (int i = 0; i < 64; i++) { /* a burst at a time, then the rest of the loop runs */
        int fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                sn_log(SN_LOG_WARN, "http", "event=accept_failed errno=%d", errno);
            return;
        }
        /* what lws's own accept sets (lws_plat_set_socket_options) and its adoption does
         * not: without it Nagle holds each small WebSocket frame for the peer's delayed ACK
         * (answers took 50 ms instead of 7 under scripts/loadgen) */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (f->npending >= BOT_FRONT_MAX_PENDING)
            conn_free(f->tail, 1); /* the oldest has had the longest to send its head */
        struct conn *c = sn_xcalloc(1, sizeof *c);
        c->f = f;
        c->fd = fd;
        c->next = f->head;
        if (f->head)
            f->head->prev = c;
        f->head = c;
        if (!f->tail)
            f->tail = c;
        f->npending++;
        ev_io_init(&c->io, on_read, fd, EV_READ);
        ev_io_start(loop, &c->io);
        ev_timer_init(&c->timer, on_head_timeout, BOT_FRONT_HEAD_TIMEOUT_S, 0);
        ev_timer_start(loop, &c->timer);
    }
}

int bot_front_open(struct bot_front **out,
                   struct ev_loop *loop,
                   const char *bind_addr,
                   int port,
                   struct sn_err *err)
{
    struct sockaddr_in sa;
    int one = 1, fd = -1, rc = SN_OK;
    *out = NULL;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        rc = sn_err_set(err, SN_EINVAL, "bind: '%s' is not an IPv4 address", bind_addr);
        goto out;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, SOMAXCONN)) {
        rc =
            sn_err_set(err, SN_EIO, "cannot listen on %s:%d: %s", bind_addr, port, strerror(errno));
        goto out;
    }
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        rc = sn_err_set(err, SN_EIO, "getsockname: %s", strerror(errno));
        goto out;
    }
    struct bot_front *f = sn_xcalloc(1, sizeof *f);
    f->loop = loop;
    f->fd = fd;
    f->port = ntohs(sa.sin_port);
    fd = -1;
    *out = f;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int bot_front_port(const struct bot_front *f)
{
    return f->port;
}

void bot_front_start(struct bot_front *f, struct lws_vhost *vh)
{
    f->vh = vh;
    ev_io_init(&f->io, on_accept, f->fd, EV_READ);
    ev_io_start(f->loop, &f->io);
}

void bot_front_close(struct bot_front *f)
{
    if (!f)
        return;
    ev_io_stop(f->loop, &f->io);
    close(f->fd);
    while (f->head)
        conn_free(f->head, 1);
    free(f);
}
