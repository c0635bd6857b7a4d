/* WebSocket load client for scripts/bench-ws and scripts/bench-echo (issue 4, "Speed,
 * measured"). It opens N visitor sockets, lets M of them ask questions in a closed loop
 * (send, wait for the answer, send the next) and prints what it measured: a readable
 * block, then one JSON line (the last line).
 *
 *   ws_load --url ws://127.0.0.1:PORT/ws [--protocol sanad.v1|echo] [--conns N] [--active M]
 *           [--duration S | --messages K] [--warmup S] [--questions FILE]... [--server-pid PID]
 *           [--burst B] [--connect-timeout S] [--settle S] [--origin URL] [--label TEXT]
 *
 * sanad.v1 (docs/protocol.md): every socket sends `hello` and is ready once it has the
 * `welcome` and the first bot `message` (seq 1, kind welcome). An active socket then sends
 * `message` {text, client_id} with a unique client_id and waits for the `ack` of that
 * client_id and, after it, the next `message` from "bot": that is one answered question,
 * timed from the lws_write of the question to the arrival of the answer's last byte. An
 * `error` frame ends the exchange as an error (counted by code), and the socket goes on.
 * echo: `hello` is answered by its echo, and a question by its echo (the same frames as
 * sanad.v1, so the bytes on the wire match).
 *
 * Phases: connect all N (at most B handshakes in flight, default 200) → settle (default 1 s;
 * the server's RSS is read: that is the idle cost) → warm-up (active sockets run, nothing
 * recorded, default 1 s) → measure (--duration S, default 10, or until K answers) → stop.
 * With --server-pid it reads VmRSS/VmHWM and the CPU time of that process from /proc,
 * before connecting, when all are idle, and after the run: RSS per idle connection is
 * (idle - before) / established, and answered per server CPU second is the throughput a
 * core would give if the load client did not share the machine.
 *
 * Questions: FILE has one per line; a line that starts with `{` is a knowledge-base JSON
 * Lines entry whose question and variants are all taken. Default: every kb/demo/NAME.jsonl. Sockets
 * walk the list from different starting points.
 *
 * The client runs lws 4.1 on libev's loop (a loop of its own, passed as a foreign loop), as
 * the server does, so that 10,000 open sockets cost nothing per event; it raises
 * RLIMIT_NOFILE to what N needs and says so when it cannot. */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>
#include <libwebsockets.h>

#define RX_MAX   (256 * 1024) /* a longer reply is an error */
#define MAX_CODES 16

enum proto_mode { MODE_SANAD, MODE_ECHO };

enum conn_state {
    ST_NEW,        /* not started */
    ST_CONNECTING, /* TCP + HTTP upgrade */
    ST_HELLO,      /* hello sent or queued, waiting for welcome (+ bot seq 1) */
    ST_READY,      /* idle, or active between questions */
    ST_WAIT,       /* question sent, waiting for ack + bot message (or the echo) */
    ST_DONE,       /* closed or failed */
};

struct conn {
    struct lws *wsi;
    int idx;
    enum conn_state state;
    int active;       /* asks questions in the load phases */
    int send_pending; /* a frame waits for WRITEABLE */
    int got_welcome;  /* sanad: the welcome frame arrived */
    int got_ack;      /* sanad: the ack of the current question arrived */
    uint32_t nsent;   /* questions sent: client_id = c<idx>-<nsent> */
    uint32_t qpos;    /* next question index */
    int64_t t_sent;   /* µs, CLOCK_MONOTONIC, of the lws_write of the current question */
    char *rx;         /* fragments of the current frame (malloc'd, grows), or NULL */
    size_t rx_len, rx_cap;
};

struct code_count {
    char code[32];
    unsigned n;
};

struct opts {
    const char *url, *label, *origin;
    enum proto_mode mode;
    int conns, active, burst;
    double duration, warmup, settle, connect_timeout;
    long messages;
    int server_pid;
    const char *qfiles[16];
    int nqfiles;
};

struct proc_sample {
    long rss_kib, hwm_kib;
    double cpu_s;
};

enum phase { PH_CONNECT, PH_SETTLE, PH_WARMUP, PH_MEASURE, PH_DONE };

static struct opts o;
static struct lws_context *ctx;
static struct ev_loop *loop;
static struct ev_timer tick;
static struct ev_signal sig_int, sig_term;
static struct conn *conns;
static char **questions; /* each already a JSON string literal, quotes included */
static size_t nquestions;
static char host[256], path[512];
static int port;

static enum phase phase = PH_CONNECT;
static int next_conn, inflight, established, ready, connect_errors, closed_early;
static int interrupted;
static double t_start, t_phase, t_connected, t_measure_end;
static long answered_total, answered_measured, errors_measured, errors_total, bad_frames;
static uint32_t *samples;
static size_t nsamples, cap_samples;
static struct code_count codes[MAX_CODES];
static int ncodes;
static struct code_count kinds[MAX_CODES];
static int nkinds;
static struct proc_sample srv_before, srv_idle, srv_measure0, srv_after;
static struct rusage ru_measure0, ru_after;

/* ---- small helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "ws_load: out of memory\n");
        abort();
    }
    return q;
}

static void count_code(struct code_count *tab, int *n, const char *code)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(tab[i].code, code)) {
            tab[i].n++;
            return;
        }
    if (*n < MAX_CODES) {
        snprintf(tab[*n].code, sizeof tab[*n].code, "%s", code);
        tab[(*n)++].n = 1;
    }
}

/* Reads VmRSS, VmHWM and utime+stime of pid; zeroes on failure. */
static struct proc_sample proc_sample(int pid)
{
    struct proc_sample s = {0, 0, 0};
    char fn[64], line[512];
    FILE *f;

    if (pid <= 0)
        return s;
    snprintf(fn, sizeof fn, "/proc/%d/status", pid);
    if ((f = fopen(fn, "r"))) {
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "VmRSS:", 6))
                s.rss_kib = atol(line + 6);
            else if (!strncmp(line, "VmHWM:", 6))
                s.hwm_kib = atol(line + 6);
        }
        fclose(f);
    }
    snprintf(fn, sizeof fn, "/proc/%d/stat", pid);
    if ((f = fopen(fn, "r"))) {
        if (fgets(line, sizeof line, f)) {
            char *p = strrchr(line, ')');
            unsigned long ut = 0, st = 0;
            /* after ") ": state(3) … utime(14) stime(15) */
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                            &st) == 2)
                s.cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
        }
        fclose(f);
    }
    return s;
}

static double ru_cpu(const struct rusage *r)
{
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
           (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

/* ---- questions ---- */

static void add_question(const char *text)
{
    json_t *s = json_string(text);
    if (!s)
        return; /* not UTF-8: skip */
    char *lit = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(s);
    if (!lit)
        abort();
    questions = xrealloc(questions, (nquestions + 1) * sizeof *questions);
    questions[nquestions++] = lit;
}

static int load_questions(const char *file)
{
    FILE *f = fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f) {
        fprintf(stderr, "ws_load: %s: %s\n", file, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (!n)
            continue;
        if (line[0] != '{') {
            add_question(line);
            continue;
        }
        json_t *e = json_loads(line, 0, NULL), *v;
        size_t i;
        if (!e)
            continue;
        const char *q = json_string_value(json_object_get(e, "question"));
        if (q)
            add_question(q);
        json_array_foreach(json_object_get(e, "variants"), i, v)
        {
            if (json_string_value(v))
                add_question(json_string_value(v));
        }
        json_decref(e);
    }
    free(line);
    fclose(f);
    return 0;
}

/* ---- sending ---- */

static void request_send(struct conn *c)
{
    c->send_pending = 1;
    lws_callback_on_writable(c->wsi);
}

static int do_write(struct conn *c)
{
    unsigned char buf[LWS_PRE + 8192];
    char *p = (char *)buf + LWS_PRE;
    size_t room = sizeof buf - LWS_PRE;
    int n;

    c->send_pending = 0;
    if (c->state == ST_HELLO) {
        n = snprintf(p, room, "{\"type\":\"hello\",\"lang\":\"ar\"}");
    } else if (c->state == ST_READY && c->active && (phase == PH_WARMUP || phase == PH_MEASURE)) {
        const char *q = questions[c->qpos++ % nquestions];
        c->nsent++;
        n = snprintf(p, room, "{\"type\":\"message\",\"text\":%s,\"client_id\":\"c%d-%" PRIu32 "\"}",
                     q, c->idx, c->nsent);
        if (n < 0 || (size_t)n >= room)
            return -1;
        c->state = ST_WAIT;
        c->got_ack = 0;
        c->t_sent = now_us();
    } else {
        return 0;
    }
    if (lws_write(c->wsi, (unsigned char *)p, (size_t)n, LWS_WRITE_TEXT) < n)
        return -1;
    return 0;
}

/* ---- receiving ---- */

static void record(struct conn *c, int ok)
{
    int64_t dt = now_us() - c->t_sent;
    if (ok)
        answered_total++;
    else
        errors_total++;
    if (phase == PH_MEASURE) {
        if (ok) {
            answered_measured++;
            if (nsamples == cap_samples) {
                cap_samples = cap_samples ? 2 * cap_samples : 65536;
                samples = xrealloc(samples, cap_samples * sizeof *samples);
            }
            samples[nsamples++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
            if (o.messages && answered_measured >= o.messages) {
                phase = PH_DONE;
                t_measure_end = now_s();
                ev_break(loop, EVBREAK_ALL);
            }
        } else {
            errors_measured++;
        }
    }
    c->state = ST_READY;
    if (c->active && (phase == PH_WARMUP || phase == PH_MEASURE))
        request_send(c);
}

static void became_ready(struct conn *c)
{
    c->state = ST_READY;
    ready++;
    inflight--;
    /* idle sockets keep no rx buffer */
    free(c->rx);
    c->rx = NULL;
    c->rx_cap = 0;
}

static void conn_gone(struct conn *c);

/* Returns -1 when the connection should close. */
static int on_frame_sanad(struct conn *c, const char *buf, size_t len)
{
    int rc = 0;
    json_t *m = json_loadb(buf, len, 0, NULL);
    const char *type = m ? json_string_value(json_object_get(m, "type")) : NULL;

    if (!type) {
        bad_frames++;
        json_decref(m);
        return 0;
    }
    if (!strcmp(type, "welcome")) {
        c->got_welcome = 1;
    } else if (!strcmp(type, "message")) {
        const char *from = json_string_value(json_object_get(m, "from"));
        int bot = from && !strcmp(from, "bot");
        if (bot && c->state == ST_HELLO && c->got_welcome) {
            became_ready(c);
        } else if (bot && c->state == ST_WAIT && c->got_ack) {
            const char *kind = json_string_value(json_object_get(m, "kind"));
            if (phase == PH_MEASURE)
                count_code(kinds, &nkinds, kind ? kind : "(none)");
            record(c, 1);
        }
    } else if (!strcmp(type, "ack")) {
        char want[48];
        const char *cid = json_string_value(json_object_get(m, "client_id"));
        snprintf(want, sizeof want, "c%d-%" PRIu32, c->idx, c->nsent);
        if (c->state == ST_WAIT && cid && !strcmp(cid, want))
            c->got_ack = 1;
    } else if (!strcmp(type, "error")) {
        const char *code = json_string_value(json_object_get(m, "code"));
        count_code(codes, &ncodes, code ? code : "(none)");
        if (c->state == ST_WAIT) {
            record(c, 0);
        } else if (c->state == ST_HELLO) { /* hello refused: this socket failed to connect */
            connect_errors++;
            conn_gone(c);
            rc = -1;
        }
    }
    json_decref(m);
    return rc;
}

static int on_frame(struct conn *c, const char *buf, size_t len)
{
    if (o.mode == MODE_SANAD)
        return on_frame_sanad(c, buf, len);
    if (c->state == ST_HELLO)
        became_ready(c);
    else if (c->state == ST_WAIT)
        record(c, 1);
    return 0;
}

static int on_receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
    int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);

    if (first && final) /* the usual case: no copy */
        return on_frame(c, in, len);
    if (first)
        c->rx_len = 0;
    if (c->rx_len + len > RX_MAX) {
        bad_frames++;
        return -1;
    }
    if (c->rx_len + len > c->rx_cap) {
        c->rx_cap = c->rx_len + len + lws_remaining_packet_payload(wsi) + 256;
        if (c->rx_cap > RX_MAX)
            c->rx_cap = RX_MAX;
        c->rx = xrealloc(c->rx, c->rx_cap);
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    return final ? on_frame(c, c->rx, c->rx_len) : 0;
}

/* ---- connections ---- */

static void conn_gone(struct conn *c)
{
    if (c->state == ST_CONNECTING || c->state == ST_HELLO)
        inflight--;
    if (c->state == ST_READY || c->state == ST_WAIT)
        ready--;
    c->state = ST_DONE;
    c->wsi = NULL;
    free(c->rx);
    c->rx = NULL;
}

static int load_callback(struct lws *wsi,
                         enum lws_callback_reasons reason,
                         void *user,
                         void *in,
                         size_t len)
{
    struct conn *c = user;

    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c && c->state != ST_DONE) {
            connect_errors++;
            if (connect_errors <= 5)
                fprintf(stderr, "ws_load: connection %d: %s\n", c->idx,
                        in ? (const char *)in : "error");
            conn_gone(c);
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        established++;
        c->state = ST_HELLO;
        request_send(c);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (on_receive(c, wsi, in, len))
            return -1;
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->send_pending && do_write(c))
            return -1;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c && c->state != ST_DONE) {
            if (phase != PH_DONE)
                closed_early++;
            conn_gone(c);
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"ws-load", load_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void start_connects(void)
{
    while (next_conn < o.conns && inflight < o.burst) {
        struct conn *c = &conns[next_conn++];
        struct lws_client_connect_info i;

        memset(&i, 0, sizeof i);
        i.context = ctx;
        i.address = host;
        i.port = port;
        i.path = path;
        i.host = host;
        i.origin = o.origin; /* none by default: the server allows that (allow_no_origin) */
        i.protocol = o.mode == MODE_SANAD ? "sanad.v1" : "echo";
        i.local_protocol_name = "ws-load";
        i.userdata = c;
        i.pwsi = &c->wsi;
        c->state = ST_CONNECTING;
        inflight++;
        if (!lws_client_connect_via_info(&i) && c->state == ST_CONNECTING) {
            connect_errors++;
            conn_gone(c);
        }
    }
}

/* ---- phases ---- */

static void start_active(void)
{
    for (int i = 0; i < o.conns; i++) {
        struct conn *c = &conns[i];
        if (c->active && c->state == ST_READY)
            request_send(c);
    }
}

static void on_tick(struct ev_loop *l, struct ev_timer *w, int revents)
{
    double t = now_s();
    (void)w;
    (void)revents;

    if (interrupted) {
        phase = PH_DONE;
        t_measure_end = t;
        ev_break(l, EVBREAK_ALL);
        return;
    }
    switch (phase) {
    case PH_CONNECT:
        start_connects();
        if (next_conn == o.conns && inflight == 0) {
            t_connected = t;
            phase = PH_SETTLE;
            t_phase = t;
        } else if (t - t_start > o.connect_timeout) {
            fprintf(stderr, "ws_load: connect phase timed out after %.0f s (%d ready)\n",
                    o.connect_timeout, ready);
            t_connected = t;
            phase = PH_SETTLE;
            t_phase = t;
        }
        break;
    case PH_SETTLE:
        if (t - t_phase >= o.settle) {
            srv_idle = proc_sample(o.server_pid);
            /* the first M ready sockets ask */
            int m = 0;
            for (int i = 0; i < o.conns && m < o.active; i++)
                if (conns[i].state == ST_READY) {
                    conns[i].active = 1;
                    m++;
                }
            phase = PH_WARMUP;
            t_phase = t;
            start_active();
        }
        break;
    case PH_WARMUP:
        if (t - t_phase >= o.warmup) {
            srv_measure0 = proc_sample(o.server_pid);
            getrusage(RUSAGE_SELF, &ru_measure0);
            phase = PH_MEASURE;
            t_phase = t;
        }
        break;
    case PH_MEASURE:
        if (!o.messages && t - t_phase >= o.duration) {
            phase = PH_DONE;
            t_measure_end = t;
            ev_break(l, EVBREAK_ALL);
        }
        break;
    case PH_DONE:
        ev_break(l, EVBREAK_ALL);
        break;
    }
}

static void on_signal(struct ev_loop *l, struct ev_signal *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    interrupted = 1;
}

/* ---- report ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!nsamples)
        return 0;
    size_t i = (size_t)(p * (double)(nsamples - 1) + 0.5);
    return samples[i];
}

static void report(void)
{
    double dur = t_measure_end - t_phase;
    double srv_cpu = srv_after.cpu_s - srv_measure0.cpu_s;
    double cli_cpu = ru_cpu(&ru_after) - ru_cpu(&ru_measure0);
    double rate = dur > 0 ? (double)answered_measured / dur : 0;
    double per_core = srv_cpu > 0 ? (double)answered_measured / srv_cpu : 0;
    double per_conn = ready > 0 ? (double)(srv_idle.rss_kib - srv_before.rss_kib) / ready : 0;
    double mean = 0;

    qsort(samples, nsamples, sizeof *samples, cmp_u32);
    for (size_t i = 0; i < nsamples; i++)
        mean += samples[i];
    mean = nsamples ? mean / (double)nsamples : 0;

    printf("== ws_load %s%s%s: %s, %d connections (%d active), %zu questions\n",
           o.mode == MODE_SANAD ? "sanad.v1" : "echo", o.label ? " " : "", o.label ? o.label : "",
           o.url, o.conns, o.active, nquestions);
    printf("  connect      %d established, %d ready in %.2f s, %d connect errors, %d closed "
           "early\n",
           established, ready, t_connected - t_start, connect_errors, closed_early);
    printf("  measured     %.2f s: %ld answered (%.0f/s), %ld errors, %ld bad frames\n", dur,
           answered_measured, rate, errors_measured, bad_frames);
    printf("  round trip   p50 %.0f µs, p99 %.0f µs, p99.9 %.0f µs, max %.0f µs, mean %.0f µs\n",
           pct(0.50), pct(0.99), pct(0.999), pct(1.0), mean);
    if (ncodes) {
        printf("  error codes ");
        for (int i = 0; i < ncodes; i++)
            printf(" %s=%u", codes[i].code, codes[i].n);
        printf("\n");
    }
    if (nkinds) {
        printf("  reply kinds ");
        for (int i = 0; i < nkinds; i++)
            printf(" %s=%u", kinds[i].code, kinds[i].n);
        printf("\n");
    }
    printf("  client CPU   %.2f s (%.0f%% of one core)\n", cli_cpu, dur > 0 ? 100 * cli_cpu / dur : 0);
    if (o.server_pid > 0) {
        printf("  server CPU   %.2f s (%.0f%% of one core): %.0f answered per server CPU second\n",
               srv_cpu, dur > 0 ? 100 * srv_cpu / dur : 0, per_core);
        printf("  server RSS   before %.1f MiB, %d idle %.1f MiB (%.2f KiB per connection), after "
               "load %.1f MiB, peak %.1f MiB\n",
               srv_before.rss_kib / 1024.0, ready, srv_idle.rss_kib / 1024.0, per_conn,
               srv_after.rss_kib / 1024.0, srv_after.hwm_kib / 1024.0);
    }
    printf("{\"mode\":\"%s\",\"conns\":%d,\"active\":%d,\"established\":%d,\"ready\":%d,"
           "\"connect_s\":%.3f,\"connect_errors\":%d,\"closed_early\":%d,\"duration_s\":%.3f,"
           "\"answered\":%ld,\"errors\":%ld,\"bad_frames\":%ld,\"answered_per_s\":%.1f,"
           "\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f,\"max_us\":%.0f,\"mean_us\":%.1f,"
           "\"client_cpu_s\":%.3f,\"server_cpu_s\":%.3f,\"answered_per_server_cpu_s\":%.1f,"
           "\"rss_before_kib\":%ld,\"rss_idle_kib\":%ld,\"rss_after_kib\":%ld,\"hwm_kib\":%ld,"
           "\"rss_per_conn_kib\":%.3f}\n",
           o.mode == MODE_SANAD ? "sanad" : "echo", o.conns, o.active, established, ready,
           t_connected - t_start, connect_errors, closed_early, dur, answered_measured,
           errors_measured, bad_frames, rate, pct(0.5), pct(0.99), pct(0.999), pct(1.0), mean,
           cli_cpu, srv_cpu, per_core, srv_before.rss_kib, srv_idle.rss_kib, srv_after.rss_kib,
           srv_after.hwm_kib, per_conn);
    fflush(stdout);
}

/* ---- setup ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: ws_load --url ws://HOST:PORT/PATH [--protocol sanad.v1|echo] [--conns N]\n"
            "               [--active M] [--duration S | --messages K] [--warmup S]\n"
            "               [--questions FILE]... [--server-pid PID] [--burst B]\n"
            "               [--connect-timeout S] [--settle S] [--origin URL] [--label TEXT]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    o = (struct opts){.url = NULL, .mode = MODE_SANAD, .conns = 1, .active = -1, .burst = 200,
                      .duration = 10, .warmup = 1, .settle = 1, .connect_timeout = 120};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--url"))
            o.url = v;
        else if (!strcmp(a, "--protocol")) {
            if (!strcmp(v, "sanad.v1") || !strcmp(v, "sanad"))
                o.mode = MODE_SANAD;
            else if (!strcmp(v, "echo"))
                o.mode = MODE_ECHO;
            else
                usage();
        } else if (!strcmp(a, "--conns"))
            o.conns = atoi(v);
        else if (!strcmp(a, "--active"))
            o.active = atoi(v);
        else if (!strcmp(a, "--duration"))
            o.duration = atof(v);
        else if (!strcmp(a, "--messages"))
            o.messages = atol(v);
        else if (!strcmp(a, "--warmup"))
            o.warmup = atof(v);
        else if (!strcmp(a, "--settle"))
            o.settle = atof(v);
        else if (!strcmp(a, "--connect-timeout"))
            o.connect_timeout = atof(v);
        else if (!strcmp(a, "--burst"))
            o.burst = atoi(v);
        else if (!strcmp(a, "--server-pid"))
            o.server_pid = atoi(v);
        else if (!strcmp(a, "--origin"))
            o.origin = v;
        else if (!strcmp(a, "--label"))
            o.label = v;
        else if (!strcmp(a, "--questions") && o.nqfiles < 16)
            o.qfiles[o.nqfiles++] = v;
        else
            usage();
    }
    if (o.active < 0 || o.active > o.conns)
        o.active = o.conns;
    if (!o.url || o.conns < 1 || o.burst < 1 || o.duration <= 0 || o.messages < 0)
        usage();
}

static int parse_url(const char *url)
{
    const char *prot, *addr, *p;
    char tmp[1024];

    snprintf(tmp, sizeof tmp, "%s", url);
    if (lws_parse_uri(tmp, &prot, &addr, &port, &p) || strcmp(prot, "ws")) {
        fprintf(stderr, "ws_load: --url wants ws://HOST:PORT/PATH\n");
        return -1;
    }
    snprintf(host, sizeof host, "%s", addr);
    snprintf(path, sizeof path, "/%s", p);
    return 0;
}

/* Raises RLIMIT_NOFILE to need (the hard limit too when allowed). Returns 0 or -1. */
static int raise_nofile(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return -1;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need) {
        struct rlimit hard = {need, need};
        if (!setrlimit(RLIMIT_NOFILE, &hard))
            return 0;
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        fprintf(stderr, "ws_load: RLIMIT_NOFILE hard limit %llu < %llu needed: %s\n",
                (unsigned long long)rl.rlim_max, (unsigned long long)need, strerror(errno));
        return -1;
    }
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    void *foreign[1];
    int rc = 1;

    parse_args(argc, argv);
    if (parse_url(o.url))
        return 2;
    if (o.nqfiles) {
        for (int i = 0; i < o.nqfiles; i++)
            if (load_questions(o.qfiles[i]))
                return 2;
    } else {
        glob_t g;
        if (!glob("kb/demo/*.jsonl", 0, NULL, &g)) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                load_questions(g.gl_pathv[i]);
            globfree(&g);
        }
    }
    if (!nquestions && o.active) {
        fprintf(stderr, "ws_load: no questions (give --questions FILE)\n");
        return 2;
    }
    if (raise_nofile((rlim_t)o.conns + 64)) {
        fprintf(stderr, "ws_load: cannot raise the open file limit to %d: the run will be "
                        "short of sockets\n",
                o.conns + 64);
    }

    conns = calloc((size_t)o.conns, sizeof *conns);
    if (!conns)
        abort();
    for (int i = 0; i < o.conns; i++) {
        conns[i].idx = i;
        conns[i].qpos = (uint32_t)((size_t)i * 7919u % (nquestions ? nquestions : 1));
    }

    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);
    loop = ev_default_loop(EVBACKEND_EPOLL);
    if (!loop) {
        fprintf(stderr, "ws_load: no libev epoll loop\n");
        return 1;
    }
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBEV;
    foreign[0] = loop;
    info.foreign_loops = foreign;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.fd_limit_per_thread = (unsigned)o.conns + 16;
    info.gid = -1;
    info.uid = -1;
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "ws_load: lws_create_context failed\n");
        return 1;
    }

    ev_signal_init(&sig_int, on_signal, SIGINT);
    ev_signal_start(loop, &sig_int);
    ev_signal_init(&sig_term, on_signal, SIGTERM);
    ev_signal_start(loop, &sig_term);
    ev_timer_init(&tick, on_tick, 0.0, 0.02);
    ev_timer_start(loop, &tick);

    srv_before = proc_sample(o.server_pid);
    t_start = now_s();
    start_connects();
    ev_run(loop, 0);

    srv_after = proc_sample(o.server_pid);
    getrusage(RUSAGE_SELF, &ru_after);
    if (phase != PH_DONE || t_measure_end == 0)
        t_measure_end = now_s();
    if (phase < PH_MEASURE) {
        srv_measure0 = srv_after;
        ru_measure0 = ru_after;
        t_phase = t_measure_end;
    }
    report();
    rc = ready == o.conns && !connect_errors ? 0 : 1;

    ev_timer_stop(loop, &tick);
    ev_signal_stop(loop, &sig_int);
    ev_signal_stop(loop, &sig_term);
    lws_context_destroy(ctx);
    ev_run(loop, 0);
    ev_loop_destroy(loop);
    for (int i = 0; i < o.conns; i++)
        free(conns[i].rx);
    free(conns);
    for (size_t i = 0; i < nquestions; i++)
        free(questions[i]);
    free(questions);
    free(samples);
    return rc;
}
