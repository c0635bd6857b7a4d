/* Load generator for a running `sanad serve` (issue 12, "service-grade"): N visitors with a
 * realistic mix and M agents answering, on loopback, bounded in time. scripts/loadgen starts a
 * server, makes the agent accounts and runs this; `make soak` runs it for 10 minutes.
 *
 *   loadgen --url ws://127.0.0.1:PORT [--visitors N] [--agents M --agent-cookie C ...]
 *           [--rate R] [--duration S] [--warmup S] [--human-share F] [--idle N]
 *           [--questions-per-visit Q] [--exchanges K] [--english-share F] [--server-pid PID]
 *           [--sample-every S] [--kb-dir DIR] [--stall-timeout S] [--json]
 *
 * Visitors (/ws, sanad.v1, docs/protocol.md): each visit is a fresh conversation (hello in
 * the visit's language, wait for `welcome` and the bot's welcome message), then questions
 * taken from the `question` and `variants` of the .jsonl files of DIR (the demo base: Arabic and
 * English): `message` {text, client_id} → its `ack` → the bot's `message`, one answered
 * question timed from the lws_write to the answer. A share (--human-share) of the visits ask
 * for a human after their first answer (half with the handoff button, half in words: "ابي
 * اكلم موظف", "I want to talk to a human agent"), wait in the queue for `agent_joined`, then
 * exchange K messages with the agent: each visitor `message` → the agent gets it relayed →
 * replies → the reply reaches the visitor; that round trip is one relay. The agent closes
 * the chat after K replies; the visitor gets `closed`. A visit ends after Q questions (or
 * the close) and the socket goes; a new visit starts on that slot. Idle sockets (--idle)
 * say hello and stay silent for the whole run.
 *
 * Agents (/agent, sanad.agent.v1, one login each: the cookie of POST /api/login) are
 * assigned chats by auto routing, reply to every visitor message at once and close after K
 * replies, so capacity frees up.
 *
 * Pacing: with --rate R the visitors' messages (questions and relayed ones) leave at R per
 * second in total, from a FIFO of visitors ready to send; without it every visitor sends its
 * next message as soon as it has the answer to the last (the saturation run). A visit whose
 * questions are done ends at once, not through the FIFO (it sends nothing). A question the
 * bot answers with a handoff (a KB question that reads as "talk to a human") makes that visit
 * a human one: it waits for the agent like a handoff asked for. A visitor waiting longer than
 * --stall-timeout (30 s) for anything is counted as stalled (a failure) and its visit ended,
 * so that one lost answer costs one visit, not the slot for the rest of the run.
 *
 * Phases: connect (agents, idle sockets, visitors) → warm-up (running, nothing recorded) →
 * measure (--duration S, at most 3600) → report. With --server-pid, VmRSS and the number of
 * open fds of the server (/proc/PID) at the start and end of the measurement, and every
 * --sample-every seconds. The report: a readable block, or with --json one JSON object.
 * Exit status 0 when nothing failed (no error frame, no failed or dropped socket, no stalled
 * visitor), else 1; 2 for bad arguments. */
#include <dirent.h>
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#define RX_MAX       (1024 * 1024) /* a longer frame (a transcript) is an error */
#define MAX_CODES    24
#define MAX_AGENTS   256
#define OUTQ         64 /* frames queued per socket */
#define MAX_CHATS    64 /* chats an agent tracks */
#define MAX_SAMPLES  400
#define MAX_DURATION 3600

enum kind { K_VISITOR, K_IDLE, K_AGENT };

enum vstate {
    V_NEW,        /* slot free: a visit starts at the next tick */
    V_CONNECTING, /* TCP + upgrade */
    V_HELLO,      /* hello sent: waiting for welcome + the bot's welcome message */
    V_READY,      /* may ask the bot (queued in the send FIFO under --rate) */
    V_WAIT_BOT,   /* question sent: waiting for its ack and the bot's answer */
    V_WAIT_HAND,  /* handoff asked: waiting for the bot's handoff message */
    V_QUEUED,     /* waiting for agent_joined */
    V_AGENT,      /* with an agent, may send */
    V_WAIT_AGENT, /* message sent: waiting for its ack and the agent's reply */
    V_WAIT_CLOSE, /* K replies had: waiting for closed */
    V_IDLE,       /* an idle socket, ready */
    V_CLOSING,    /* visit over: closing */
    V_DONE,       /* an agent or idle socket that is gone */
};

struct chat {
    char id[48];
    char lang[4];
    int replies;
};

struct conn {
    struct lws *wsi;
    enum kind kind;
    int idx;
    enum vstate st;
    /* outgoing frames, each malloc'd with LWS_PRE in front */
    unsigned char *outq[OUTQ];
    size_t outlen[OUTQ];
    int64_t outt[OUTQ]; /* when queued: the write delay */
    int oh, on;
    char *rx; /* fragments of the current frame */
    size_t rx_len, rx_cap;
    /* visitor */
    int lang_en, human, got_welcome, got_ack, asked, replies, in_fifo, by_words;
    uint32_t nsent;
    int64_t t_sent, t_hand, t_ready;
    char cid[32];
    int64_t t_state; /* when st was set: the stall watchdog */
    /* agent */
    const char *cookie;
    struct chat chats[MAX_CHATS];
    int nchats;
    uint32_t nreplies;
};

struct code_count {
    char code[48];
    unsigned n;
};

struct samples {
    uint32_t *v;
    size_t n, cap;
};

struct proc_sample {
    long rss_kib;
    int fds;
};

enum phase { PH_CONNECT, PH_WARMUP, PH_MEASURE, PH_DONE };

static struct {
    const char *url, *kb_dir;
    int visitors, agents, idle, json, server_pid, qpv, exchanges, burst;
    double rate, duration, warmup, human_share, english_share, sample_every, connect_timeout;
    double stall_timeout;
    const char *cookies[MAX_AGENTS];
    int ncookies;
} o;

static struct lws_context *ctx;
static struct ev_loop *loop;
static struct ev_timer tick;
static struct ev_signal sig_int, sig_term;
static struct conn *conns;
static int nconns;
static char host[256], base_path[256];
static int port;
static char **q_ar, **q_en; /* JSON string literals, quotes included */
static size_t nq_ar, nq_en;

static enum phase phase = PH_CONNECT;
static int interrupted, inflight, agents_ready, idle_ready, visitors_ready_once;
static double t_start, t_phase, t_measure0, t_measure_end, t_last_sample, t_stall_check, credit;
static int *fifo; /* visitors ready to send, under --rate */
static int fifo_h, fifo_n;

/* counters: during the measurement only, except the *_all */
static long answered, relays, handoffs, joined, closed_chats, visits, agent_msgs;
static long errors, connect_errors, closed_early, bad_frames, sent_msgs, stalled, bot_handoffs;
static struct samples s_answer, s_relay, s_wait;
static struct samples s_fifo, s_write; /* ready → taken by the pacer; queued → lws_write */
static struct code_count codes[MAX_CODES];
static int ncodes;
static struct proc_sample p_before, p_start, p_end;
static struct {
    double t;
    struct proc_sample p;
} psamples[MAX_SAMPLES];
static int npsamples;

static const char *const human_words[2][2] = {
    {"ابي اكلم موظف", "ممكن اكلم حد من خدمة العملاء؟"},
    {"I want to talk to a human agent", "can I speak to someone from your support team"},
};
static const char *const agent_text[2] = {"أهلًا، أنا معك الآن. سأتحقق من طلبك حالًا.",
                                          "Hello, I am with you now. Let me check that for you."};

/* ---- helpers ---- */

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
        fprintf(stderr, "loadgen: out of memory\n");
        abort();
    }
    return q;
}

static int measuring(void)
{
    return phase == PH_MEASURE;
}

static void count_code(const char *code)
{
    for (int i = 0; i < ncodes; i++)
        if (!strcmp(codes[i].code, code)) {
            codes[i].n++;
            return;
        }
    if (ncodes < MAX_CODES) {
        snprintf(codes[ncodes].code, sizeof codes[ncodes].code, "%s", code);
        codes[ncodes++].n = 1;
    }
}

static void error_seen(const char *code)
{
    errors++;
    count_code(code);
}

static void sample_add(struct samples *s, int64_t dt)
{
    if (!measuring())
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 65536;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = dt < 0 ? 0 : dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
}

static void set_state(struct conn *c, enum vstate st)
{
    c->st = st;
    c->t_state = now_us();
}

/* VmRSS and the number of open fds of pid; zeroes when it cannot be read. */
static struct proc_sample proc_sample(int pid)
{
    struct proc_sample s = {0, 0};
    char fn[64], line[256];
    FILE *f;
    DIR *d;
    struct dirent *de;

    if (pid <= 0)
        return s;
    snprintf(fn, sizeof fn, "/proc/%d/status", pid);
    if ((f = fopen(fn, "r"))) {
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "VmRSS:", 6))
                s.rss_kib = atol(line + 6);
        fclose(f);
    }
    snprintf(fn, sizeof fn, "/proc/%d/fd", pid);
    if ((d = opendir(fn))) {
        while ((de = readdir(d)))
            if (de->d_name[0] != '.')
                s.fds++;
        closedir(d);
    }
    return s;
}

/* ---- questions ---- */

static void add_question(char ***list, size_t *n, const char *text)
{
    json_t *s = json_string(text);
    if (!s)
        return;
    char *lit = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(s);
    if (!lit)
        abort();
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = lit;
}

/* Every question and variant of one JSON Lines knowledge-base file, by its lang. */
static int load_kb_file(const char *file)
{
    FILE *f = fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", file, strerror(errno));
        return -1;
    }
    while (getline(&line, &cap, f) >= 0) {
        json_t *e = json_loads(line, 0, NULL), *v;
        size_t i;
        if (!json_is_object(e)) {
            json_decref(e);
            continue;
        }
        const char *lang = json_string_value(json_object_get(e, "lang"));
        int en = lang && !strcasecmp(lang, "en");
        char ***list = en ? &q_en : &q_ar;
        size_t *n = en ? &nq_en : &nq_ar;
        const char *q = json_string_value(json_object_get(e, "question"));
        if (q)
            add_question(list, n, q);
        json_array_foreach(json_object_get(e, "variants"), i, v)
        {
            if (json_string_value(v))
                add_question(list, n, json_string_value(v));
        }
        json_decref(e);
    }
    free(line);
    fclose(f);
    return 0;
}

static int load_questions(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char fn[1024];
    if (!d) {
        fprintf(stderr, "loadgen: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 6 && !strcmp(de->d_name + n - 6, ".jsonl")) {
            snprintf(fn, sizeof fn, "%s/%s", dir, de->d_name);
            if (load_kb_file(fn)) {
                closedir(d);
                return -1;
            }
        }
    }
    closedir(d);
    return 0;
}

static const char *pick_question(const struct conn *c)
{
    if (c->lang_en && nq_en)
        return q_en[(size_t)random() % nq_en];
    if (nq_ar)
        return q_ar[(size_t)random() % nq_ar];
    return q_en[(size_t)random() % nq_en];
}

/* ---- sending: a bounded queue per socket, one lws_write per WRITEABLE ---- */

static int send_text(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int send_text(struct conn *c, const char *fmt, ...)
{
    char body[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof body || c->on == OUTQ || !c->wsi)
        return -1;
    unsigned char *b = xrealloc(NULL, LWS_PRE + (size_t)n);
    memcpy(b + LWS_PRE, body, (size_t)n);
    int i = (c->oh + c->on++) % OUTQ;
    c->outq[i] = b;
    c->outlen[i] = (size_t)n;
    c->outt[i] = now_us();
    lws_callback_on_writable(c->wsi);
    return 0;
}

static int on_writeable(struct conn *c)
{
    if (c->st == V_CLOSING && !c->on)
        return -1;
    if (!c->on)
        return 0;
    unsigned char *b = c->outq[c->oh];
    size_t n = c->outlen[c->oh];
    sample_add(&s_write, now_us() - c->outt[c->oh]);
    c->oh = (c->oh + 1) % OUTQ;
    c->on--;
    if (c->kind == K_VISITOR && (c->st == V_WAIT_BOT || c->st == V_WAIT_AGENT) && !c->got_ack)
        c->t_sent = now_us(); /* timed from the write */
    int rc = lws_write(c->wsi, b + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1 : 0;
    free(b);
    if (!rc && (c->on || c->st == V_CLOSING))
        lws_callback_on_writable(c->wsi);
    return rc;
}

static void outq_clear(struct conn *c)
{
    while (c->on) {
        free(c->outq[c->oh]);
        c->oh = (c->oh + 1) % OUTQ;
        c->on--;
    }
    c->oh = 0;
}

/* ---- visitors ---- */

static void visitor_send_next(struct conn *c);

static void visit_end(struct conn *c)
{
    set_state(c, V_CLOSING);
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

/* The visitor may send: at once (no --rate), or when the pacer takes it from the FIFO. A
 * visit with all its questions asked ends here: through the FIFO it would spend a pacer credit
 * on sending nothing (one in six with 5 questions a visit, so the rate fell short by that). */
static void visitor_ready(struct conn *c)
{
    if (phase == PH_DONE)
        return;
    if (c->st == V_READY && !(c->human && c->asked >= 1) && c->asked >= o.qpv) {
        visit_end(c);
        return;
    }
    if (o.rate <= 0) {
        visitor_send_next(c);
        return;
    }
    c->t_ready = now_us();
    if (!c->in_fifo && fifo_n < nconns) {
        fifo[(fifo_h + fifo_n++) % nconns] = c->idx;
        c->in_fifo = 1;
    }
}

static void visitor_send_next(struct conn *c)
{
    if (c->in_fifo)
        sample_add(&s_fifo, now_us() - c->t_ready);
    c->in_fifo = 0;
    if (!c->wsi)
        return;
    if (c->st == V_READY) {
        if (c->human && c->asked >= 1) { /* ask for a human: the button or in words */
            set_state(c, V_WAIT_HAND);
            c->t_hand = now_us();
            if (c->by_words) {
                json_t *s = json_string(human_words[c->lang_en][c->nsent % 2]);
                char *lit = json_dumps(s, JSON_ENCODE_ANY);
                c->got_ack = 0;
                c->nsent++;
                snprintf(c->cid, sizeof c->cid, "v%d-%" PRIu32, c->idx, c->nsent);
                send_text(c, "{\"type\":\"message\",\"text\":%s,\"client_id\":\"%s\"}", lit,
                          c->cid);
                free(lit);
                json_decref(s);
            } else {
                send_text(c, "{\"type\":\"handoff\"}");
            }
            if (measuring())
                sent_msgs++;
            return;
        }
        if (c->asked >= o.qpv) {
            visit_end(c);
            return;
        }
        set_state(c, V_WAIT_BOT);
    } else if (c->st == V_AGENT) {
        set_state(c, V_WAIT_AGENT);
    } else {
        return;
    }
    c->got_ack = 0;
    c->nsent++;
    snprintf(c->cid, sizeof c->cid, "v%d-%" PRIu32, c->idx, c->nsent);
    c->t_sent = now_us();
    send_text(c, "{\"type\":\"message\",\"text\":%s,\"client_id\":\"%s\"}", pick_question(c),
              c->cid);
    if (measuring())
        sent_msgs++;
}

static void visitor_frame(struct conn *c, json_t *m, const char *type)
{
    if (!strcmp(type, "welcome")) {
        c->got_welcome = 1;
    } else if (!strcmp(type, "ack")) {
        const char *cid = json_string_value(json_object_get(m, "client_id"));
        if (cid && !strcmp(cid, c->cid))
            c->got_ack = 1;
    } else if (!strcmp(type, "message")) {
        const char *from = json_string_value(json_object_get(m, "from"));
        const char *kind = json_string_value(json_object_get(m, "kind"));
        if (!from)
            return;
        if (!strcmp(from, "bot")) {
            if (c->st == V_HELLO && c->got_welcome) {
                set_state(c, c->kind == K_IDLE ? V_IDLE : V_READY);
                inflight--;
                if (c->kind == K_IDLE) {
                    idle_ready++;
                    return;
                }
                visitors_ready_once = 1;
                if (measuring())
                    visits++;
                visitor_ready(c);
            } else if (c->st == V_WAIT_BOT && c->got_ack) {
                sample_add(&s_answer, now_us() - c->t_sent);
                if (measuring())
                    answered++;
                c->asked++;
                if (kind && !strcmp(kind, "handoff")) {
                    /* the question read as "talk to a human" (the bot's intent): the
                     * conversation is queued and an agent will join; a next question would
                     * go to that agent, and its reply was not what this visitor waited for
                     * (the slot was lost for the rest of the run) */
                    if (measuring()) {
                        handoffs++;
                        bot_handoffs++;
                    }
                    c->t_hand = now_us();
                    set_state(c, V_QUEUED);
                    return;
                }
                set_state(c, V_READY);
                visitor_ready(c);
            } else if (c->st == V_WAIT_HAND && kind && !strcmp(kind, "handoff")) {
                if (measuring())
                    handoffs++;
                set_state(c, V_QUEUED);
            } else if (c->st == V_WAIT_HAND && c->by_words && c->got_ack) {
                /* the words were not read as a handoff: press the button instead */
                c->by_words = 0;
                set_state(c, V_READY);
                visitor_ready(c);
            }
        } else if (!strcmp(from, "agent") && c->st == V_WAIT_AGENT && c->got_ack) {
            sample_add(&s_relay, now_us() - c->t_sent);
            if (measuring())
                relays++;
            if (++c->replies >= o.exchanges) {
                set_state(c, V_WAIT_CLOSE);
            } else {
                set_state(c, V_AGENT);
                visitor_ready(c);
            }
        }
    } else if (!strcmp(type, "agent_joined")) {
        if (c->st == V_QUEUED) {
            sample_add(&s_wait, now_us() - c->t_hand);
            if (measuring())
                joined++;
            set_state(c, V_AGENT);
            c->replies = 0;
            visitor_ready(c);
        }
    } else if (!strcmp(type, "closed")) {
        if (measuring())
            closed_chats++;
        visit_end(c);
    } else if (!strcmp(type, "error")) {
        const char *code = json_string_value(json_object_get(m, "code"));
        error_seen(code ? code : "(none)");
        if (c->st == V_WAIT_BOT || c->st == V_WAIT_AGENT || c->st == V_WAIT_HAND) {
            set_state(c, c->st == V_WAIT_AGENT ? V_AGENT : V_READY);
            if (c->st == V_READY)
                c->asked++;
            visitor_ready(c);
        }
    }
}

/* ---- agents ---- */

static struct chat *chat_find(struct conn *c, const char *id)
{
    for (int i = 0; i < c->nchats; i++)
        if (!strcmp(c->chats[i].id, id))
            return &c->chats[i];
    return NULL;
}

static void chat_drop(struct conn *c, const char *id)
{
    struct chat *ch = chat_find(c, id);
    if (ch)
        *ch = c->chats[--c->nchats];
}

static void agent_frame(struct conn *c, json_t *m, const char *type)
{
    const char *conv = json_string_value(json_object_get(m, "conversation"));
    if (!strcmp(type, "welcome")) {
        if (c->st == V_HELLO) {
            c->st = V_READY;
            inflight--;
            agents_ready++;
        }
    } else if (!strcmp(type, "chats") && !c->got_welcome) {
        /* the first snapshot: chats this login held before (a run before this one, whose
         * visitors are gone) would fill its capacity for ever; close them */
        json_t *it;
        size_t i;
        c->got_welcome = 1;
        json_array_foreach(json_object_get(m, "items"), i, it)
        {
            const char *id = json_string_value(json_object_get(it, "conversation"));
            if (id)
                send_text(c,
                          "{\"type\":\"close\",\"conversation\":\"%s\",\"resolution\":"
                          "\"resolved\"}",
                          id);
        }
    } else if (!strcmp(type, "assigned") && conv) {
        if (!chat_find(c, conv) && c->nchats < MAX_CHATS) {
            struct chat *ch = &c->chats[c->nchats++];
            snprintf(ch->id, sizeof ch->id, "%s", conv);
            snprintf(ch->lang, sizeof ch->lang, "%s",
                     json_string_value(json_object_get(m, "lang"))
                         ? json_string_value(json_object_get(m, "lang"))
                         : "ar");
            ch->replies = 0;
        }
    } else if (!strcmp(type, "message") && conv) {
        struct chat *ch = chat_find(c, conv);
        const char *from = json_string_value(json_object_get(m, "from"));
        if (!from || strcmp(from, "visitor"))
            return;
        if (measuring())
            agent_msgs++;
        int en = ch && !strcmp(ch->lang, "en");
        c->nreplies++;
        send_text(c,
                  "{\"type\":\"reply\",\"conversation\":\"%s\",\"text\":\"%s\","
                  "\"client_id\":\"r%d-%" PRIu32 "\"}",
                  conv, agent_text[en], c->idx, c->nreplies);
        if (ch && ++ch->replies >= o.exchanges)
            send_text(c, "{\"type\":\"close\",\"conversation\":\"%s\",\"resolution\":\"resolved\"}",
                      conv);
    } else if (!strcmp(type, "closed") && conv) {
        chat_drop(c, conv);
    } else if (!strcmp(type, "error")) {
        const char *code = json_string_value(json_object_get(m, "code"));
        char tag[48];
        snprintf(tag, sizeof tag, "agent:%s", code ? code : "(none)");
        error_seen(tag);
    }
}

/* ---- frames and connections ---- */

static void on_frame(struct conn *c, const char *buf, size_t len)
{
    json_t *m = json_loadb(buf, len, 0, NULL);
    const char *type = m ? json_string_value(json_object_get(m, "type")) : NULL;
    if (!type)
        bad_frames++;
    else if (c->kind == K_AGENT)
        agent_frame(c, m, type);
    else
        visitor_frame(c, m, type);
    json_decref(m);
}

static int on_receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
    int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (first && final) {
        on_frame(c, in, len);
        return 0;
    }
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
    if (final)
        on_frame(c, c->rx, c->rx_len);
    return 0;
}

/* The socket is gone: a finished visit frees its slot for the next; anything else that
 * goes while the run is on is counted. */
static void conn_gone(struct conn *c, int failed_connect)
{
    if (c->st == V_CONNECTING || c->st == V_HELLO)
        inflight--;
    if (failed_connect)
        connect_errors++;
    else if (c->st != V_CLOSING && phase != PH_DONE)
        closed_early++;
    if (c->kind == K_AGENT && c->st != V_CONNECTING && c->st != V_HELLO)
        agents_ready--;
    if (c->kind == K_IDLE && c->st == V_IDLE)
        idle_ready--;
    outq_clear(c);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = c->rx_cap = 0;
    c->wsi = NULL;
    c->nchats = 0;
    /* a visitor slot gets a new visit; a failed one is not retried (it is counted) */
    c->st = c->kind == K_VISITOR && !failed_connect && phase != PH_DONE ? V_NEW : V_DONE;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c && c->st != V_DONE && c->st != V_NEW && phase == PH_DONE) {
            conn_gone(c, 0); /* a visit starting as the run ended */
        } else if (c && c->st != V_DONE && c->st != V_NEW) {
            if (connect_errors < 5 && phase != PH_DONE)
                fprintf(stderr, "loadgen: socket %d: %s\n", c->idx,
                        in ? (const char *)in : "error");
            conn_gone(c, 1);
        }
        break;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (c && c->kind == K_AGENT && c->cookie) {
            unsigned char **p = (unsigned char **)in, *end = (*p) + len;
            if (lws_add_http_header_by_name(
                    wsi, (const unsigned char *)"cookie:", (const unsigned char *)c->cookie,
                    (int)strlen(c->cookie), p, end))
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        set_state(c, V_HELLO);
        if (c->kind != K_AGENT)
            send_text(c, "{\"type\":\"hello\",\"lang\":\"%s\"}", c->lang_en ? "en" : "ar");
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(c);
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c && c->st != V_DONE && c->st != V_NEW)
            conn_gone(c, 0);
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"loadgen", callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_one(struct conn *c)
{
    struct lws_client_connect_info i;
    char path[300];
    memset(&i, 0, sizeof i);
    snprintf(path, sizeof path, "%s%s", base_path, c->kind == K_AGENT ? "agent" : "ws");
    if (c->kind == K_VISITOR) { /* a new visit */
        c->lang_en = (double)random() / RAND_MAX < o.english_share;
        c->human = o.agents > 0 && (double)random() / RAND_MAX < o.human_share;
        c->by_words = random() & 1;
        c->asked = c->replies = c->got_ack = c->got_welcome = 0;
    }
    i.context = ctx;
    i.address = host;
    i.port = port;
    i.path = path;
    i.host = host;
    i.protocol = c->kind == K_AGENT ? "sanad.agent.v1" : "sanad.v1";
    i.local_protocol_name = "loadgen";
    i.userdata = c;
    i.pwsi = &c->wsi;
    set_state(c, V_CONNECTING);
    inflight++;
    if (!lws_client_connect_via_info(&i) && c->st == V_CONNECTING)
        conn_gone(c, 1);
}

/* Starts what is due: everything at first (agents first), then new visits on free slots; at
 * most --burst handshakes in flight. */
static void start_connects(void)
{
    for (int i = 0; i < nconns && inflight < o.burst; i++)
        if (conns[i].st == V_NEW && (conns[i].kind != K_VISITOR || agents_ready == o.agents))
            connect_one(&conns[i]);
}

/* ---- pacing and phases ---- */

static void pace(double dt)
{
    if (o.rate <= 0 || (phase != PH_WARMUP && phase != PH_MEASURE))
        return;
    credit += o.rate * dt;
    if (credit > o.rate * 0.05 + 1)
        credit = o.rate * 0.05 + 1; /* what is owed for at most 50 ms: no bursts after a stall */
    while (credit >= 1 && fifo_n) {
        struct conn *c = &conns[fifo[fifo_h]];
        fifo_h = (fifo_h + 1) % nconns;
        fifo_n--;
        credit -= 1;
        if (c->in_fifo)
            visitor_send_next(c);
    }
}

static const char *const state_name[] = {
    [V_HELLO] = "hello",   [V_WAIT_BOT] = "wait_bot",     [V_WAIT_HAND] = "wait_handoff",
    [V_QUEUED] = "queued", [V_WAIT_AGENT] = "wait_agent", [V_WAIT_CLOSE] = "wait_close",
};

/* A visitor that waits longer than --stall-timeout for the server (an answer, an agent, a
 * close) is a failure, counted; its visit ends so that the slot goes on and the rate with it
 * (one such wait used to hold the slot for the rest of the run, silently). */
static void check_stalls(void)
{
    int64_t now = now_us(), limit = (int64_t)(o.stall_timeout * 1e6);
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->kind != K_VISITOR || !c->wsi || c->st >= V_IDLE || c->st < V_HELLO ||
            c->st == V_READY || c->st == V_AGENT || now - c->t_state <= limit)
            continue;
        stalled++;
        if (stalled <= 5)
            fprintf(stderr, "loadgen: visitor %d stalled: %s for %.1f s\n", c->idx,
                    state_name[c->st], (double)(now - c->t_state) / 1e6);
        if (c->st == V_HELLO)
            inflight--; /* conn_gone counts it only while connecting or saying hello */
        visit_end(c);
    }
}

static void psample(double t)
{
    if (npsamples < MAX_SAMPLES && o.server_pid > 0) {
        psamples[npsamples].t = t - t_measure0;
        psamples[npsamples++].p = proc_sample(o.server_pid);
    }
    t_last_sample = t;
}

static void on_tick(struct ev_loop *l, struct ev_timer *w, int revents)
{
    static double last;
    double t = now_s(), dt = last ? t - last : 0;
    (void)w;
    (void)revents;
    last = t;
    if (interrupted && phase != PH_DONE) {
        phase = PH_DONE;
        t_measure_end = t;
    }
    if (phase == PH_DONE) {
        ev_break(l, EVBREAK_ALL);
        return;
    }
    start_connects();
    pace(dt);
    if (o.stall_timeout > 0 && t - t_stall_check >= 0.5) {
        t_stall_check = t;
        check_stalls();
    }
    switch (phase) {
    case PH_CONNECT: {
        int all_up = agents_ready == o.agents && idle_ready == o.idle && visitors_ready_once;
        if (!all_up && t - t_start > o.connect_timeout) {
            fprintf(stderr,
                    "loadgen: connect phase timed out after %.0f s (%d/%d agents, %d/%d "
                    "idle)\n",
                    o.connect_timeout, agents_ready, o.agents, idle_ready, o.idle);
            connect_errors++;
            all_up = 1;
        }
        if (all_up) {
            phase = PH_WARMUP;
            t_phase = t;
        }
        break;
    }
    case PH_WARMUP:
        if (t - t_phase >= o.warmup) {
            phase = PH_MEASURE;
            t_measure0 = t_phase = t;
            p_start = proc_sample(o.server_pid);
            psample(t);
        }
        break;
    case PH_MEASURE:
        if (o.sample_every > 0 && t - t_last_sample >= o.sample_every)
            psample(t);
        if (t - t_measure0 >= o.duration) {
            p_end = proc_sample(o.server_pid);
            if (o.sample_every > 0 && t - t_last_sample > 0.5)
                psample(t);
            phase = PH_DONE;
            t_measure_end = t;
            ev_break(l, EVBREAK_ALL);
        }
        break;
    default:
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

static double pct(const struct samples *s, double p)
{
    if (!s->n)
        return 0;
    return s->v[(size_t)(p * (double)(s->n - 1) + 0.5)];
}

static void json_pcts(json_t *out, const char *key, struct samples *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_u32);
    json_object_set_new(out, key,
                        json_pack("{s:I,s:f,s:f,s:f,s:f}", "n", (json_int_t)s->n, "p50_ms",
                                  pct(s, 0.5) / 1000, "p95_ms", pct(s, 0.95) / 1000, "p99_ms",
                                  pct(s, 0.99) / 1000, "max_ms", pct(s, 1.0) / 1000));
}

static void report(int failed)
{
    double dur = t_measure_end - t_measure0;
    json_t *r = json_object(), *ec = json_object(), *srv = json_object(), *ps = json_array();
    if (dur <= 0 || phase < PH_DONE || !t_measure0)
        dur = 0;
    json_object_set_new(r, "url", json_string(o.url));
    json_object_set_new(r, "visitors", json_integer(o.visitors));
    json_object_set_new(r, "agents", json_integer(o.agents));
    json_object_set_new(r, "idle", json_integer(o.idle));
    json_object_set_new(r, "rate", o.rate > 0 ? json_real(o.rate) : json_null());
    json_object_set_new(r, "human_share", json_real(o.human_share));
    json_object_set_new(r, "questions", json_integer((json_int_t)(nq_ar + nq_en)));
    json_object_set_new(r, "duration_s", json_real(round(dur * 1000) / 1000));
    json_object_set_new(r, "sent", json_integer(sent_msgs));
    json_object_set_new(r, "answered", json_integer(answered));
    json_object_set_new(r, "answered_per_s",
                        json_real(dur > 0 ? round(answered / dur * 10) / 10 : 0));
    json_object_set_new(r, "relays", json_integer(relays));
    json_object_set_new(r, "relays_per_s", json_real(dur > 0 ? round(relays / dur * 10) / 10 : 0));
    json_object_set_new(r, "visits", json_integer(visits));
    json_object_set_new(r, "handoffs", json_integer(handoffs));
    json_object_set_new(r, "agent_joined", json_integer(joined));
    json_object_set_new(r, "chats_closed", json_integer(closed_chats));
    json_object_set_new(r, "agent_messages", json_integer(agent_msgs));
    json_pcts(r, "answer_rtt", &s_answer);
    json_pcts(r, "relay_rtt", &s_relay);
    json_pcts(r, "queue_wait", &s_wait);
    json_object_set_new(r, "bot_handoffs", json_integer(bot_handoffs));
    json_pcts(r, "fifo_wait", &s_fifo);
    json_pcts(r, "write_delay", &s_write);
    for (int i = 0; i < ncodes; i++)
        json_object_set_new(ec, codes[i].code, json_integer(codes[i].n));
    json_object_set_new(r, "errors", json_integer(errors));
    json_object_set_new(r, "error_codes", ec);
    json_object_set_new(r, "connect_errors", json_integer(connect_errors));
    json_object_set_new(r, "closed_early", json_integer(closed_early));
    json_object_set_new(r, "bad_frames", json_integer(bad_frames));
    json_object_set_new(r, "stalled", json_integer(stalled));
    json_object_set_new(srv, "pid", json_integer(o.server_pid));
    json_object_set_new(srv, "rss_kib_before", json_integer(p_before.rss_kib));
    json_object_set_new(srv, "fds_before", json_integer(p_before.fds));
    json_object_set_new(srv, "rss_kib_start", json_integer(p_start.rss_kib));
    json_object_set_new(srv, "fds_start", json_integer(p_start.fds));
    json_object_set_new(srv, "rss_kib_end", json_integer(p_end.rss_kib));
    json_object_set_new(srv, "fds_end", json_integer(p_end.fds));
    for (int i = 0; i < npsamples; i++)
        json_array_append_new(ps, json_pack("[f,I,i]", round(psamples[i].t * 10) / 10,
                                            (json_int_t)psamples[i].p.rss_kib, psamples[i].p.fds));
    json_object_set_new(srv, "samples", ps);
    json_object_set_new(r, "server", srv);
    json_object_set_new(r, "ok", json_boolean(!failed));

    if (o.json) {
        char *s = json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(6));
        printf("%s\n", s);
        free(s);
    } else {
        printf("== loadgen %s: %d visitors (%.0f%% ask for a human), %d agents, %d idle, %s, %zu "
               "questions (%zu ar, %zu en)\n",
               o.url, o.visitors, o.human_share * 100, o.agents, o.idle,
               o.rate > 0 ? "fixed rate" : "open loop", nq_ar + nq_en, nq_ar, nq_en);
        if (o.rate > 0)
            printf("  rate         %.0f messages/s asked, %.0f/s sent\n", o.rate,
                   dur > 0 ? sent_msgs / dur : 0);
        printf("  measured     %.1f s: %ld visits, %ld answered (%.1f/s), %ld relays (%.1f/s)\n",
               dur, visits, answered, dur > 0 ? answered / dur : 0, relays,
               dur > 0 ? relays / dur : 0);
        printf("  answer rtt   p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%zu)\n",
               pct(&s_answer, .5) / 1000, pct(&s_answer, .95) / 1000, pct(&s_answer, .99) / 1000,
               pct(&s_answer, 1) / 1000, s_answer.n);
        printf("  relay rtt    p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%zu)\n",
               pct(&s_relay, .5) / 1000, pct(&s_relay, .95) / 1000, pct(&s_relay, .99) / 1000,
               pct(&s_relay, 1) / 1000, s_relay.n);
        printf("  humans       %ld handoffs (%ld by the bot's intent), %ld joined (queue wait p50 "
               "%.0f ms, p95 %.0f ms), %ld chats closed\n",
               handoffs, bot_handoffs, joined, pct(&s_wait, .5) / 1000, pct(&s_wait, .95) / 1000,
               closed_chats);
        if (o.rate > 0)
            printf("  pacer        ready → sent p50 %.2f ms, p99 %.2f ms; queued → written p50 "
                   "%.2f ms, p99 %.2f ms\n",
                   pct(&s_fifo, .5) / 1000, pct(&s_fifo, .99) / 1000, pct(&s_write, .5) / 1000,
                   pct(&s_write, .99) / 1000);
        printf("  errors       %ld error frames", errors);
        for (int i = 0; i < ncodes; i++)
            printf("%s%s=%u", i ? ", " : " (", codes[i].code, codes[i].n);
        printf("%s, %ld connect errors, %ld closed early, %ld bad frames, %ld stalled\n",
               ncodes ? ")" : "", connect_errors, closed_early, bad_frames, stalled);
        if (o.server_pid > 0)
            printf("  server       RSS %.1f MiB → %.1f MiB, fds %d → %d (before connecting: %.1f "
                   "MiB, %d fds)\n",
                   p_start.rss_kib / 1024.0, p_end.rss_kib / 1024.0, p_start.fds, p_end.fds,
                   p_before.rss_kib / 1024.0, p_before.fds);
        printf("  result       %s\n", failed ? "FAILED" : "ok");
    }
    fflush(stdout);
    json_decref(r);
}

/* ---- setup ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen --url ws://HOST:PORT [--visitors N] [--agents M --agent-cookie C...]\n"
            "               [--rate R] [--duration S] [--warmup S] [--human-share F] [--idle N]\n"
            "               [--questions-per-visit Q] [--exchanges K] [--english-share F]\n"
            "               [--server-pid PID] [--sample-every S] [--kb-dir DIR] [--burst B]\n"
            "               [--connect-timeout S] [--stall-timeout S] [--json]\n");
    exit(2);
}

static double num(const char *v, double min, double max, const char *name)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= min && d <= max)) {
        fprintf(stderr, "loadgen: --%s wants a number in [%g, %g]\n", name, min, max);
        exit(2);
    }
    return d;
}

static void parse_args(int argc, char **argv)
{
    static const struct option lo[] = {
        {"url", required_argument, 0, 'u'},
        {"visitors", required_argument, 0, 'n'},
        {"agents", required_argument, 0, 'm'},
        {"agent-cookie", required_argument, 0, 'c'},
        {"rate", required_argument, 0, 'r'},
        {"duration", required_argument, 0, 'd'},
        {"warmup", required_argument, 0, 'w'},
        {"human-share", required_argument, 0, 'h'},
        {"idle", required_argument, 0, 'i'},
        {"questions-per-visit", required_argument, 0, 'q'},
        {"exchanges", required_argument, 0, 'k'},
        {"english-share", required_argument, 0, 'e'},
        {"server-pid", required_argument, 0, 'p'},
        {"sample-every", required_argument, 0, 's'},
        {"kb-dir", required_argument, 0, 'b'},
        {"burst", required_argument, 0, 'B'},
        {"connect-timeout", required_argument, 0, 'T'},
        {"stall-timeout", required_argument, 0, 'S'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, '?'},
        {0, 0, 0, 0},
    };
    int ch;
    o.visitors = 10;
    o.duration = 10;
    o.warmup = 1;
    o.human_share = 0.1;
    o.english_share = 0.5;
    o.qpv = 5;
    o.exchanges = 3;
    o.burst = 100;
    o.connect_timeout = 60;
    o.stall_timeout = 30;
    o.kb_dir = "kb/demo";
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'u':
            o.url = optarg;
            break;
        case 'n':
            o.visitors = (int)num(optarg, 0, 100000, "visitors");
            break;
        case 'm':
            o.agents = (int)num(optarg, 0, MAX_AGENTS, "agents");
            break;
        case 'c':
            if (o.ncookies == MAX_AGENTS)
                usage();
            o.cookies[o.ncookies++] = optarg;
            break;
        case 'r':
            o.rate = num(optarg, 0, 1e6, "rate");
            break;
        case 'd':
            o.duration = num(optarg, 0.1, MAX_DURATION, "duration");
            break;
        case 'w':
            o.warmup = num(optarg, 0, 600, "warmup");
            break;
        case 'h':
            o.human_share = num(optarg, 0, 1, "human-share");
            break;
        case 'i':
            o.idle = (int)num(optarg, 0, 100000, "idle");
            break;
        case 'q':
            o.qpv = (int)num(optarg, 1, 1000000, "questions-per-visit");
            break;
        case 'k':
            o.exchanges = (int)num(optarg, 1, 1000, "exchanges");
            break;
        case 'e':
            o.english_share = num(optarg, 0, 1, "english-share");
            break;
        case 'p':
            o.server_pid = (int)num(optarg, 0, 1 << 30, "server-pid");
            break;
        case 's':
            o.sample_every = num(optarg, 0, 3600, "sample-every");
            break;
        case 'b':
            o.kb_dir = optarg;
            break;
        case 'B':
            o.burst = (int)num(optarg, 1, 10000, "burst");
            break;
        case 'T':
            o.connect_timeout = num(optarg, 1, 3600, "connect-timeout");
            break;
        case 'S':
            o.stall_timeout = num(optarg, 0, 3600, "stall-timeout");
            break;
        case 'j':
            o.json = 1;
            break;
        default:
            usage();
        }
    }
    if (optind != argc || !o.url)
        usage();
    if (o.agents > o.ncookies) {
        fprintf(stderr, "loadgen: --agents %d needs as many --agent-cookie (have %d)\n", o.agents,
                o.ncookies);
        exit(2);
    }
    if (!o.visitors && !o.idle) {
        fprintf(stderr, "loadgen: no visitors and no idle sockets\n");
        exit(2);
    }
}

/* ws://HOST:PORT[/PREFIX/] → host, port, base_path ("/" or "/PREFIX/"). */
static int parse_url(const char *url)
{
    const char *prot, *addr, *p;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", url);
    if (lws_parse_uri(tmp, &prot, &addr, &port, &p) || strcmp(prot, "ws")) {
        fprintf(stderr, "loadgen: --url wants ws://HOST:PORT\n");
        return -1;
    }
    snprintf(host, sizeof host, "%s", addr);
    size_t n = strlen(p);
    /* a given /ws or /agent is the server's root */
    if ((n >= 2 && !strcmp(p + n - 2, "ws")) || (n >= 5 && !strcmp(p + n - 5, "agent")))
        n = 0;
    snprintf(base_path, sizeof base_path, "/%.*s%s", (int)n, p, n && p[n - 1] != '/' ? "/" : "");
    return 0;
}

static void raise_nofile(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
    if (rl.rlim_max < need) {
        struct rlimit hard = {need, need};
        if (!setrlimit(RLIMIT_NOFILE, &hard))
            return;
    }
    setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    void *foreign[1];

    parse_args(argc, argv);
    if (parse_url(o.url))
        return 2;
    if (load_questions(o.kb_dir))
        return 2;
    if (!nq_ar && !nq_en) {
        fprintf(stderr, "loadgen: no questions in the .jsonl files of %s\n", o.kb_dir);
        return 2;
    }
    srandom((unsigned)getpid());
    nconns = o.agents + o.idle + o.visitors;
    raise_nofile((rlim_t)nconns + 64);
    conns = calloc((size_t)nconns, sizeof *conns);
    fifo = calloc((size_t)nconns, sizeof *fifo);
    if (!conns || !fifo)
        abort();
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        c->idx = i;
        c->st = V_NEW;
        c->kind = i < o.agents ? K_AGENT : i < o.agents + o.idle ? K_IDLE : K_VISITOR;
        if (c->kind == K_AGENT)
            c->cookie = o.cookies[i];
        if (c->kind == K_IDLE)
            c->lang_en = i & 1;
    }

    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);
    loop = ev_default_loop(EVBACKEND_EPOLL);
    if (!loop) {
        fprintf(stderr, "loadgen: no libev epoll loop\n");
        return 1;
    }
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBEV;
    foreign[0] = loop;
    info.foreign_loops = foreign;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.fd_limit_per_thread = (unsigned)nconns + 64;
    info.gid = -1;
    info.uid = -1;
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "loadgen: lws_create_context failed\n");
        return 1;
    }
    ev_signal_init(&sig_int, on_signal, SIGINT);
    ev_signal_start(loop, &sig_int);
    ev_signal_init(&sig_term, on_signal, SIGTERM);
    ev_signal_start(loop, &sig_term);
    ev_timer_init(&tick, on_tick, 0.0, 0.005);
    ev_timer_start(loop, &tick);
    if (!o.visitors)
        visitors_ready_once = 1;

    p_before = proc_sample(o.server_pid);
    t_start = now_s();
    ev_run(loop, 0);
    if (!t_measure_end)
        t_measure_end = now_s();
    if (o.server_pid > 0 && !p_end.rss_kib)
        p_end = proc_sample(o.server_pid);

    int failed = interrupted || errors || connect_errors || closed_early || bad_frames || stalled ||
                 !t_measure0 || (o.visitors && !answered);
    report(failed);

    ev_timer_stop(loop, &tick);
    ev_signal_stop(loop, &sig_int);
    ev_signal_stop(loop, &sig_term);
    lws_context_destroy(ctx);
    ev_run(loop, 0);
    ev_loop_destroy(loop);
    for (int i = 0; i < nconns; i++) {
        outq_clear(&conns[i]);
        free(conns[i].rx);
    }
    free(conns);
    free(fifo);
    for (size_t i = 0; i < nq_ar; i++)
        free(q_ar[i]);
    for (size_t i = 0; i < nq_en; i++)
        free(q_en[i]);
    free(q_ar);
    free(q_en);
    free(s_answer.v);
    free(s_relay.v);
    free(s_wait.v);
    free(s_fifo.v);
    free(s_write.v);
    return failed ? 1 : 0;
}
