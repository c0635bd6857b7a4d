/* A minimal libwebsockets echo server: the baseline that scripts/bench-ws and
 * scripts/bench-echo measure `sanad serve` against (issue 4, "Speed, measured").
 *
 *   echo_server [--port P] [--bind ADDR] [--rx BYTES]
 *
 * It is built from the same library and set up the way the real server is: lws 4.1.6 on
 * libev's loop (LWS_SERVER_OPTION_LIBEV, here with a loop of our own so that SIGTERM can
 * be watched), one thread, a small rx buffer (default 512 bytes, as `sanad serve`), per
 * connection state of two words. Every text or binary message is sent back whole, once
 * its last fragment has arrived; while a reply waits for WRITEABLE the connection's rx is
 * paused, so at most one message per connection is held. Subprotocols "echo" and
 * "sanad.v1" (an alias, so a visitor client can be pointed here unchanged).
 *
 * `--port 0` picks a free port. Once it accepts connections it prints
 * `listening http://ADDR:PORT/` on stdout. SIGTERM or SIGINT: close every socket, exit 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <libwebsockets.h>

#define ECHO_MAX_MESSAGE 65536 /* a longer message closes the connection (1009) */

/* Per connection; lws owns it (zeroed at ESTABLISHED). */
struct echo_pss {
    unsigned char *buf; /* LWS_PRE + message, malloc'd while a message is held, else NULL */
    size_t len;         /* bytes of message after LWS_PRE */
    int binary;
};

static struct ev_loop *loop;
static struct ev_signal sig_term, sig_int;

static int echo_callback(struct lws *wsi,
                         enum lws_callback_reasons reason,
                         void *user,
                         void *in,
                         size_t len)
{
    struct echo_pss *pss = user;

    switch (reason) {
    case LWS_CALLBACK_RECEIVE: {
        if (lws_is_first_fragment(wsi))
            pss->len = 0;
        if (pss->len + len > ECHO_MAX_MESSAGE) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
            return -1;
        }
        size_t need = LWS_PRE + pss->len + len;
        size_t rem = lws_remaining_packet_payload(wsi);
        if (!lws_is_final_fragment(wsi) && rem && need + rem <= LWS_PRE + ECHO_MAX_MESSAGE)
            need += rem;
        unsigned char *nb = realloc(pss->buf, need);
        if (!nb)
            return -1;
        pss->buf = nb;
        memcpy(pss->buf + LWS_PRE + pss->len, in, len);
        pss->len += len;
        if (lws_is_final_fragment(wsi)) {
            pss->binary = lws_frame_is_binary(wsi);
            lws_rx_flow_control(wsi, 0);
            lws_callback_on_writable(wsi);
        }
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!pss->buf)
            break;
        int n = lws_write(wsi, pss->buf + LWS_PRE, pss->len,
                          pss->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        free(pss->buf);
        pss->buf = NULL;
        pss->len = 0;
        if (n < 0)
            return -1;
        lws_rx_flow_control(wsi, 1);
        break;
    }
    case LWS_CALLBACK_CLOSED:
        free(pss->buf);
        pss->buf = NULL;
        break;
    default:
        break;
    }
    return 0;
}

static struct lws_protocols protocols[] = {
    {"echo", echo_callback, sizeof(struct echo_pss), 512, 0, NULL, 0},
    {"sanad.v1", echo_callback, sizeof(struct echo_pss), 512, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(struct ev_loop *l, struct ev_signal *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(l, EVBREAK_ALL);
}

static void usage(void)
{
    fprintf(stderr, "usage: echo_server [--port P] [--bind ADDR] [--rx BYTES]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    struct lws_context *ctx = NULL;
    const char *bind_addr = "127.0.0.1";
    int port = 8081, rx = 512;
    void *foreign[1];

    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--port"))
            port = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--bind"))
            bind_addr = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--rx"))
            rx = atoi(argv[++i]);
        else
            usage();
    }
    if (port < 0 || port > 65535 || rx < 128)
        usage();
    for (int i = 0; protocols[i].name; i++)
        protocols[i].rx_buffer_size = (size_t)rx;

    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    loop = ev_default_loop(EVBACKEND_EPOLL);
    if (!loop) {
        fprintf(stderr, "echo_server: no libev epoll loop\n");
        return 1;
    }
    ev_signal_init(&sig_term, on_signal, SIGTERM);
    ev_signal_start(loop, &sig_term);
    ev_signal_init(&sig_int, on_signal, SIGINT);
    ev_signal_start(loop, &sig_int);

    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBEV;
    foreign[0] = loop;
    info.foreign_loops = foreign;
    info.port = port;
    info.iface = bind_addr;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "echo_server: lws_create_context failed\n");
        return 1;
    }
    printf("listening http://%s:%d/\n", bind_addr,
           lws_get_vhost_listen_port(lws_get_vhost_by_name(ctx, "default")));
    fflush(stdout);

    ev_run(loop, 0);

    /* Our watchers go first, so that the last ev_run only waits for lws's handles. */
    ev_signal_stop(loop, &sig_term);
    ev_signal_stop(loop, &sig_int);
    lws_context_destroy(ctx);
    ev_run(loop, 0);
    ev_loop_destroy(loop);
    return 0;
}
