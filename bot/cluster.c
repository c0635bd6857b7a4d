/* The cluster: leases, LISTEN/NOTIFY on the loop, delivery across nodes, catch-up (see
 * bot/cluster.h). */
#include "bot/cluster.h"

#include <ev.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/agent_proto.h"
#include "bot/agents.h"
#include "bot/auth.h"
#include "bot/cases.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/metrics.h"
#include "bot/pg.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/store.h"
#include "bot/store_pg.h"
#include "bot/typing.h"
#include "bot/visitor.h"

#define CHANNEL_MAX    63
#define PUB_MAX        10000 /* notifications waiting for the end of the loop's turn */
#define TRACK_BUCKETS  1024
#define TRACK_LOCAL    32   /* seqs this node wrote above a conversation's watermark */
#define SYNC_CHUNK     64   /* rows read per store call while delivering */
#define SYNC_CHUNKS    1000 /* bound on one delivery's reads */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define SEQ_MAX        1000000000000000LL
#define SESSIONS_STACK 8

/* --- the schema ------------------------------------------------------------------------- */

static const char *const schema_steps[] = {
    "CREATE SCHEMA IF NOT EXISTS sanad_cluster;"
    "CREATE TABLE sanad_cluster.nodes ("
    " id text PRIMARY KEY,"
    " started bigint NOT NULL,"     /* ms since the epoch: this incarnation's start */
    " lease_until bigint NOT NULL," /* ms: taken for dead once past */
    " pid bigint NOT NULL DEFAULT 0,"
    " host text NOT NULL DEFAULT '',"
    " port bigint NOT NULL DEFAULT 0);",
};

static const char sql_stale[] =
    "DELETE FROM sanad_cluster.nodes WHERE id = $1 AND lease_until < $2 RETURNING id";
static const char sql_register[] =
    "INSERT INTO sanad_cluster.nodes (id, started, lease_until, pid, host, port) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
static const char sql_renew[] =
    "UPDATE sanad_cluster.nodes SET lease_until = $3 WHERE id = $1 AND started = $2";
static const char sql_takeover[] =
    "DELETE FROM sanad_cluster.nodes WHERE lease_until < $1 AND id <> $2 RETURNING id";
static const char sql_count[] = "SELECT count(*) FROM sanad_cluster.nodes WHERE lease_until >= $1";
static const char sql_end[] =
    "UPDATE sanad_cluster.nodes SET lease_until = 0 WHERE id = $1 AND started = $2";
static const char sql_notify[] = "SELECT pg_notify($1, $2)";

/* --- state ------------------------------------------------------------------------------- */

/* What this node delivered of one conversation: every seq up to w was delivered here (or
 * needs no delivery here), and local[] holds seqs above w this node wrote itself (with their
 * ts: a seq given back by a failed commit and given again by another node is not ours). */
struct track {
    struct track *chain;
    long long w;
    int known; /* 0: w is not known yet (set by the first remote row) */
    int nlocal;
    struct {
        long long seq, ts;
    } local[TRACK_LOCAL];
    char id[STORE_ID_MAX];
};

struct row {
    char ch[CHANNEL_MAX + 1];
    bot_cluster_event_fn *fn;
    void *ctx;
};

struct pub {
    struct pub *next;
    char ch[CHANNEL_MAX + 1];
    char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
};

struct bot_cluster {
    struct bot_server *srv;
    struct ev_loop *loop;
    char node[BOT_CLUSTER_NODE_MAX + 1];
    long long started, lease_ms;
    struct bot_pg *pg;  /* leases, publishing */
    struct bot_pg *lis; /* the LISTEN connection; NULL while lost */
    ev_io io;
    ev_prepare pub_w;
    long long retry_at, backoff;
    struct row rows[BOT_CLUSTER_CHANNELS];
    int nrows;
    struct {
        bot_cluster_node_dead_fn *fn;
        void *ctx;
    } dead[BOT_CLUSTER_CHANNELS];
    int ndead;
    struct {
        bot_cluster_catchup_fn *fn;
        void *ctx;
    } catchup[BOT_CLUSTER_CHANNELS];
    int ncatchup;
    struct pub *pub_head, *pub_tail;
    int npub;
    long long pub_retry_at; /* ms: publishing waits for it after a failure (dropping) */
    char stale_self[BOT_CLUSTER_NODE_MAX + 1]; /* our id's dead incarnation, told at a tick */
    /* the store's msg_add, interposed: the copy of its ops the store points at while open */
    struct store_ops ops;
    const struct store_ops *orig;
    struct store *store;
    struct track *tracks[TRACK_BUCKETS];
    size_t ntracks;
    long long nodes;
};

/* The interposed msg_add's way back to its cluster (one per process, like the server). */
static struct bot_cluster *g_cl;

enum { CH_MSG, CH_CONV, CH_LIVE, CH_OTHER, CH_N };

/* --- payloads (pure) ------------------------------------------------------------------- */

int bot_cluster_node_id_ok(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if ((unsigned char)id[n] <= ' ' || (unsigned char)id[n] >= 127)
            return 0;
    return n >= 1 && n <= BOT_CLUSTER_NODE_MAX;
}

static int conv_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!(s[n] >= 'a' && s[n] <= 'z') && !(s[n] >= 'A' && s[n] <= 'Z') &&
            !(s[n] >= '0' && s[n] <= '9') && s[n] != '_' && s[n] != '-')
            return 0;
    return n >= 1 && n < STORE_ID_MAX;
}

static int arg_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!(s[n] >= 'a' && s[n] <= 'z') && !(s[n] >= 'A' && s[n] <= 'Z') &&
            !(s[n] >= '0' && s[n] <= '9') && !strchr("._@-", s[n]))
            return 0;
    return n >= 1 && n <= 64;
}

/* A decimal in [lo, hi] (no sign, no leading zero but "0" itself), or -1. */
static long long number(const char *s, long long lo, long long hi)
{
    long long v = 0;
    size_t n = strlen(s);
    if (n < 1 || n > 16 || (s[0] == '0' && n > 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* Copies payload into out->buf and cuts it at single spaces into at most max fields; the
 * count, or -1 (too long, an empty field, a control byte). */
static int fields(const char *payload, struct bot_cluster_note *out, char **f, int max)
{
    size_t n = strlen(payload);
    memset(out, 0, sizeof *out);
    if (n == 0 || n > BOT_CLUSTER_PAYLOAD_MAX)
        return -1;
    memcpy(out->buf, payload, n + 1);
    int k = 0;
    char *p = out->buf;
    for (;;) {
        if (k == max)
            return -1;
        f[k++] = p;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = 0;
        p = sp + 1;
    }
    for (int i = 0; i < k; i++)
        if (!*f[i])
            return -1;
    return k;
}

int bot_cluster_parse_msg(const char *payload, struct bot_cluster_note *out)
{
    char *f[4];
    if (fields(payload, out, f, 3) != 3 || !conv_id_ok(f[0]) || !bot_cluster_node_id_ok(f[2]))
        return SN_EINVAL;
    if ((out->seq = number(f[1], 1, SEQ_MAX)) < 0)
        return SN_EINVAL;
    out->conv = f[0];
    out->node = f[2];
    return SN_OK;
}

int bot_cluster_parse_conv(const char *payload, struct bot_cluster_note *out)
{
    char *f[4];
    int k = fields(payload, out, f, 4);
    if (k < 2 || !conv_id_ok(f[0]) || !bot_cluster_node_id_ok(f[1]))
        return SN_EINVAL;
    out->conv = f[0];
    out->node = f[1];
    if (k >= 3) {
        int ev;
        for (ev = 0; ev < BOT_CONV_NEVENTS; ev++)
            if (!strcmp(f[2], bot_conv_event_name((enum bot_conv_event)ev)))
                break;
        if (ev == BOT_CONV_NEVENTS)
            return SN_EINVAL;
        out->kind = f[2];
        out->a = ev;
    }
    if (k == 4) {
        if (!arg_ok(f[3]))
            return SN_EINVAL;
        out->arg = f[3];
    }
    return SN_OK;
}

int bot_cluster_parse_live(const char *payload, struct bot_cluster_note *out)
{
    char *f[6];
    int k = fields(payload, out, f, 5);
    if (k < 3 || !conv_id_ok(f[0]) || !bot_cluster_node_id_ok(f[1]))
        return SN_EINVAL;
    out->conv = f[0];
    out->node = f[1];
    out->kind = f[2];
    if (!strcmp(f[2], "queue") && k == 5) {
        out->a = number(f[3], 0, 1000000);
        out->b = number(f[4], 0, 1000000);
        return out->a < 0 || out->b < 0 ? SN_EINVAL : SN_OK;
    }
    if (!strcmp(f[2], "case") && k == 3)
        return SN_OK;
    if ((!strcmp(f[2], "typing") || !strcmp(f[2], "vtyping")) && k == 4) {
        out->a = number(f[3], 0, 1);
        return out->a < 0 ? SN_EINVAL : SN_OK;
    }
    return SN_EINVAL;
}

static int channel_ok(const char *ch)
{
    size_t n = 0;
    for (; ch[n]; n++)
        if (!(ch[n] >= 'a' && ch[n] <= 'z') && ch[n] != '_')
            return 0;
    return n >= 1 && n <= CHANNEL_MAX;
}

/* --- the delivery tracks ----------------------------------------------------------------- */

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct track **track_slot(struct bot_cluster *cl, const char *id)
{
    struct track **p = &cl->tracks[hash(id) % TRACK_BUCKETS];
    while (*p && strcmp((*p)->id, id))
        p = &(*p)->chain;
    return p;
}

/* Drops the local seqs at or below w and raises w over the ones that follow it. */
static void track_absorb(struct track *t)
{
    if (!t->known)
        return;
    int moved = 1;
    while (moved) {
        moved = 0;
        for (int i = 0; i < t->nlocal; i++)
            if (t->local[i].seq <= t->w + 1) {
                if (t->local[i].seq == t->w + 1)
                    t->w++;
                t->local[i] = t->local[--t->nlocal];
                moved = 1;
                break;
            }
    }
}

/* 1 when this node wrote seq at ts (it was delivered here when written): forgotten now. */
static int track_take_local(struct track *t, long long seq, long long ts)
{
    for (int i = 0; i < t->nlocal; i++)
        if (t->local[i].seq == seq) {
            int ours = t->local[i].ts == ts;
            t->local[i] = t->local[--t->nlocal];
            return ours;
        }
    return 0;
}

/* The watermark of a conversation whose visitor tabs are here and that has no track yet:
 * nothing happened to it here since they attached, so what they were replayed is what was
 * delivered (the lowest of the tabs that finished their replay; a replay in progress carries
 * everything). 0 when unknown. */
static int tabs_watermark(struct bot_cluster *cl, const char *id, long long *w)
{
    struct bot_session *buf[SESSIONS_STACK];
    size_t n = bot_convs_conns(cl->srv->convs, id, (void **)buf, SESSIONS_STACK);
    int known = 0;
    for (size_t i = 0; i < n && i < SESSIONS_STACK; i++)
        if (!buf[i]->replaying && (!known || buf[i]->replay_after < *w)) {
            *w = buf[i]->replay_after;
            known = 1;
        }
    return known;
}

static struct track *track_get(struct bot_cluster *cl, const char *id)
{
    struct track **p = track_slot(cl, id);
    if (*p)
        return *p;
    struct track *t = sn_xcalloc(1, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->known = tabs_watermark(cl, id, &t->w);
    *p = t;
    cl->ntracks++;
    return t;
}

/* This node stored seq of conv at ts: it was delivered here as it was written. */
static void local_wrote(struct bot_cluster *cl, const char *conv, long long seq, long long ts)
{
    struct track *t = track_get(cl, conv);
    if (t->known && seq <= t->w)
        return;
    if (t->nlocal == TRACK_LOCAL) { /* far ahead of what others wrote: take the lowest as read */
        int lo = 0;
        for (int i = 1; i < t->nlocal; i++)
            if (t->local[i].seq < t->local[lo].seq)
                lo = i;
        if (!t->known || t->local[lo].seq > t->w)
            t->w = t->local[lo].seq;
        t->known = 1;
        t->local[lo] = t->local[--t->nlocal];
    }
    t->local[t->nlocal].seq = seq;
    t->local[t->nlocal].ts = ts;
    t->nlocal++;
    track_absorb(t);
}

/* 1 while conv matters here: its visitor's tabs, or the agent holding it. */
static int relevant(struct bot_cluster *cl, const char *conv)
{
    return bot_convs_find(cl->srv->convs, conv) || bot_queue_holder(cl->srv->queue, conv);
}

/* The tick drops the tracks of conversations that no longer matter here. */
static void tracks_prune(struct bot_cluster *cl)
{
    for (size_t b = 0; b < TRACK_BUCKETS; b++)
        for (struct track **p = &cl->tracks[b]; *p;) {
            struct track *t = *p;
            if (relevant(cl, t->id)) {
                p = &t->chain;
                continue;
            }
            *p = t->chain;
            free(t);
            cl->ntracks--;
        }
}

/* --- delivering rows ---------------------------------------------------------------------- */

/* The conversation's state and agent as the store has them, onto its copy in memory. */
static void conv_refresh(struct bot_cluster *cl, const char *conv)
{
    struct store_route r;
    struct sn_err e = {0};
    enum bot_conv_state st = BOT_CONV_BOT;
    if (!bot_convs_find(cl->srv->convs, conv))
        return;
    if (store_conv_get(cl->srv->store, conv, &r, &e)) {
        sn_log(SN_LOG_WARN, "cluster", "event=refresh_failed conv=%s err=\"%s\"", conv, e.msg);
        return;
    }
    bot_conv_state_parse(r.state, &st); /* another version's state: the bot's */
    bot_convs_refresh(cl->srv->convs, conv, st, r.agent_id);
}

/* Sends a copy of frame to every visitor tab of conv here (deliver: a stored message, which
 * a replay in progress carries itself); takes frame. */
static void tabs_send(struct bot_cluster *cl, const char *conv, char *frame, size_t len, int stored)
{
    struct bot_session *buf[SESSIONS_STACK], **v = buf;
    size_t n = bot_convs_conns(cl->srv->convs, conv, (void **)buf, SESSIONS_STACK);
    if (n > SESSIONS_STACK) {
        v = sn_xcalloc(n, sizeof *v);
        bot_convs_conns(cl->srv->convs, conv, (void **)v, n);
    }
    for (size_t i = 0; i < n; i++)
        if (stored)
            bot_session_deliver(v[i], sn_xstrndup(frame, len), len);
        else
            bot_session_send(v[i], sn_xstrndup(frame, len), len);
    if (v != buf)
        free(v);
    free(frame);
}

/* A row another node wrote, to whom it goes here, as on one node: the agent's replies and
 * the notices to the visitor's tabs, the visitor's messages to the agent holding it. The
 * bot's turns went to the tab that asked. */
static void deliver_row(struct bot_cluster *cl, const struct store_msg *m)
{
    size_t len;
    if (!strcmp(m->sender, "agent") || !strcmp(m->sender, "system")) {
        if (!strcmp(m->sender, "system"))
            conv_refresh(cl, m->conv_id); /* a notice follows a move: the state first */
        if (bot_convs_find(cl->srv->convs, m->conv_id)) {
            char *j = bot_proto_stored_message(m, &len);
            tabs_send(cl, m->conv_id, j, len, 1);
        }
        return;
    }
    if (!strcmp(m->sender, "visitor")) {
        struct bot_agent *a = bot_queue_holder(cl->srv->queue, m->conv_id);
        if (a) {
            char *j = bot_agent_proto_relay(m, &len);
            bot_session_send(a->conn, j, len);
        }
    }
}

struct walk {
    struct bot_cluster *cl;
    struct track *t;
    long long upto;
    int rows, stop;
};

static int walk_one(void *ctx, const struct store_msg *m)
{
    struct walk *w = ctx;
    if (m->seq > w->upto) {
        w->stop = 1;
        return 1;
    }
    w->rows++;
    if (!track_take_local(w->t, m->seq, m->ts))
        deliver_row(w->cl, m);
    w->t->w = m->seq;
    return 0;
}

/* Delivers the rows of t after its watermark up to upto (LLONG_MAX: all there are). */
static void track_sync(struct bot_cluster *cl, struct track *t, long long upto)
{
    struct sn_err e = {0};
    struct walk w = {cl, t, upto, 0, 0};
    for (int i = 0; i < SYNC_CHUNKS && !w.stop; i++) {
        w.rows = 0;
        int rc = store_msg_each(cl->srv->store, t->id, t->w, SYNC_CHUNK, walk_one, &w, &e);
        if (rc < 0) {
            sn_log(SN_LOG_ERR, "cluster", "event=deliver_failed conv=%s err=\"%s\"", t->id, e.msg);
            return;
        }
        if (w.rows < SYNC_CHUNK)
            break;
    }
    track_absorb(t);
}

/* --- handlers ----------------------------------------------------------------------------- */

static void on_msg(void *ctx, const char *channel, const char *payload)
{
    struct bot_cluster *cl = ctx;
    struct bot_cluster_note n;
    struct sn_err e = {0};
    char from[16];
    (void)channel;
    if (bot_cluster_parse_msg(payload, &n)) {
        sn_log(SN_LOG_WARN, "cluster", "event=bad_notification channel=sanad_msg");
        return;
    }
    if (!strcmp(n.node, cl->node) || !relevant(cl, n.conv))
        return; /* ours: delivered as written */
    struct track *t = track_get(cl, n.conv);
    if (t->known && n.seq <= t->w)
        return;
    if (!t->known || n.seq > t->w + 1) { /* the row must exist (a forged seq moves nothing) */
        int rc = store_msg_from(cl->srv->store, n.conv, n.seq, from, sizeof from, &e);
        if (rc) {
            sn_log(rc == SN_ENOTFOUND ? SN_LOG_WARN : SN_LOG_ERR, "cluster",
                   "event=bad_notification channel=sanad_msg conv=%s seq=%lld reason=%s", n.conv,
                   n.seq, rc == SN_ENOTFOUND ? "no_such_row" : "store");
            return;
        }
    }
    if (!t->known) {
        t->w = n.seq - 1;
        t->known = 1;
    }
    track_sync(cl, t, n.seq);
    if (t->w < n.seq) /* a note, which no visitor's walk shows */
        t->w = n.seq;
    track_absorb(t);
}

/* The live frames a move sends the visitor on its own node: `agent_joined` (assign,
 * transfer), `case` (escalate, to a department, close) and `closed`. */
static void move_frames(struct bot_cluster *cl, const struct bot_cluster_note *n)
{
    struct bot_server *srv = cl->srv;
    struct bot_conv *c = bot_convs_find(srv->convs, n->conv);
    char ref[STORE_CASE_REF_MAX];
    size_t len;
    if (!c || !n->kind)
        return;
    enum bot_conv_event ev = (enum bot_conv_event)n->a;
    /* the store's state, just refreshed, must be the move's: a forged one sends nothing */
    if ((ev == BOT_CONV_ASSIGN || ev == BOT_CONV_TRANSFER) && n->arg && srv->auth &&
        c->state == BOT_CONV_AGENT) {
        struct bot_user u;
        if (bot_auth_user_get(srv->auth, n->arg, &u, NULL) == SN_OK) {
            bot_cases_ref(srv->store, n->conv, ref);
            {
                char *j = bot_agent_proto_visitor_joined(u.name, ref, &len);
                tabs_send(cl, n->conv, j, len, 0);
            }
        }
    } else if (ev == BOT_CONV_ESCALATE || ev == BOT_CONV_TO_DEPT) {
        /* its case's department and tier changed (read from the store: a forged one only
         * repeats the truth; the conversation may be assigned again already) */
        bot_queue_case_changed(srv->queue, n->conv, c->dlg.lang);
    } else if (ev == BOT_CONV_CLOSE && c->state == BOT_CONV_CLOSED) {
        bot_cases_ref(srv->store, n->conv, ref);
        bot_queue_case_changed(srv->queue, n->conv, c->dlg.lang);
        {
            char *j = bot_agent_proto_visitor_closed(n->arg ? n->arg : "resolved", ref, &len);
            tabs_send(cl, n->conv, j, len, 0);
        }
    }
}

static void on_conv(void *ctx, const char *channel, const char *payload)
{
    struct bot_cluster *cl = ctx;
    struct bot_cluster_note n;
    (void)channel;
    if (bot_cluster_parse_conv(payload, &n)) {
        sn_log(SN_LOG_WARN, "cluster", "event=bad_notification channel=sanad_conv");
        return;
    }
    if (!strcmp(n.node, cl->node) || !bot_convs_find(cl->srv->convs, n.conv))
        return;
    conv_refresh(cl, n.conv);
    move_frames(cl, &n);
}

static void on_live(void *ctx, const char *channel, const char *payload)
{
    struct bot_cluster *cl = ctx;
    struct bot_server *srv = cl->srv;
    struct bot_cluster_note n;
    char ref[STORE_CASE_REF_MAX];
    size_t len;
    char *j = NULL;
    (void)channel;
    if (bot_cluster_parse_live(payload, &n)) {
        sn_log(SN_LOG_WARN, "cluster", "event=bad_notification channel=sanad_live");
        return;
    }
    if (!strcmp(n.node, cl->node))
        return;
    if (!strcmp(n.kind, "vtyping")) { /* to this node's agent holding it, if any */
        struct bot_agent *a = bot_queue_holder(srv->queue, n.conv);
        if (a) {
            j = bot_agent_proto_typing(n.conv, (int)n.a, &len);
            bot_session_send(a->conn, j, len);
        }
        return;
    }
    struct bot_conv *c = bot_convs_find(srv->convs, n.conv);
    if (!c)
        return;
    if (!strcmp(n.kind, "queue") && c->state == BOT_CONV_QUEUED) {
        bot_cases_ref(srv->store, n.conv, ref);
        j = bot_agent_proto_visitor_queue((int)n.a, (int)n.b, ref, &len);
    } else if (!strcmp(n.kind, "case")) {
        bot_queue_case_changed(srv->queue, n.conv, c->dlg.lang);
    } else if (!strcmp(n.kind, "typing") && c->state == BOT_CONV_AGENT &&
               bot_typing_relay(&c->typing[BOT_TYPING_AGENT], (int)n.a,
                                bot_server_now_us() / 1000)) { /* bot/typing.h's limit here */
        j = bot_proto_typing((int)n.a, &len);
    }
    if (j)
        tabs_send(cl, n.conv, j, len, 0);
}

/* --- the listening connection ---------------------------------------------------------- */

static int channel_index(const char *ch)
{
    static const char *const names[CH_OTHER] = {BOT_CLUSTER_CH_MSG, BOT_CLUSTER_CH_CONV,
                                                BOT_CLUSTER_CH_LIVE};
    for (int i = 0; i < CH_OTHER; i++)
        if (!strcmp(ch, names[i]))
            return i;
    return CH_OTHER;
}

static void dispatch(struct bot_cluster *cl, const char *ch, const char *payload)
{
    bot_metrics_inc(BOT_M_CLUSTER_NOTIFICATIONS, channel_index(ch));
    if (strlen(payload) > BOT_CLUSTER_PAYLOAD_MAX) {
        sn_log(SN_LOG_WARN, "cluster", "event=bad_notification channel=%s reason=too_long", ch);
        return;
    }
    for (int i = 0; i < cl->nrows; i++)
        if (!strcmp(cl->rows[i].ch, ch))
            cl->rows[i].fn(cl->rows[i].ctx, ch, payload);
}

static void listener_lost(struct bot_cluster *cl, const char *why)
{
    if (!cl->lis)
        return;
    sn_log(SN_LOG_WARN, "cluster", "event=listen_lost node=%s reason=\"%.*s\"", cl->node,
           (int)strcspn(why, "\r\n"), why); /* libpq's message: its first line */
    ev_io_stop(cl->loop, &cl->io);
    bot_pg_close(cl->lis);
    cl->lis = NULL;
    cl->backoff = BACKOFF_MIN_MS;
    cl->retry_at = bot_server_now_ms() + cl->backoff;
}

/* Everything libpq holds of notifications, dispatched. */
static void drain(struct bot_cluster *cl)
{
    PGnotify *nt;
    while (cl->lis && (nt = PQnotifies(bot_pg_conn(cl->lis)))) {
        char ch[CHANNEL_MAX + 1], payload[BOT_CLUSTER_PAYLOAD_MAX + 2];
        snprintf(ch, sizeof ch, "%s", nt->relname);
        snprintf(payload, sizeof payload, "%s", nt->extra); /* one more: too long is seen */
        PQfreemem(nt);
        dispatch(cl, ch, payload);
    }
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    struct bot_cluster *cl = w->data;
    (void)loop;
    (void)revents;
    PGconn *c = bot_pg_conn(cl->lis);
    if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
        listener_lost(cl, PQerrorMessage(c));
        return;
    }
    drain(cl);
}

/* LISTEN on every channel of the table (a simple query: channel names are checked). */
static int listen_all(struct bot_cluster *cl, struct sn_err *err)
{
    char sql[BOT_CLUSTER_CHANNELS * (CHANNEL_MAX + 10) + 1];
    size_t off = 0;
    sql[0] = 0;
    for (int i = 0; i < cl->nrows; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= !strcmp(cl->rows[j].ch, cl->rows[i].ch);
        if (!dup)
            off += (size_t)snprintf(sql + off, sizeof sql - off, "LISTEN %s;", cl->rows[i].ch);
    }
    return off ? bot_pg_script(cl->lis, sql, err) : SN_OK;
}

static int listener_open(struct bot_cluster *cl, struct sn_err *err)
{
    const struct bot_config *cfg = cl->srv->cfg;
    cl->lis = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err);
    if (!cl->lis)
        return err->code;
    int rc = listen_all(cl, err);
    if (rc) {
        bot_pg_close(cl->lis);
        cl->lis = NULL;
        return rc;
    }
    ev_io_init(&cl->io, on_readable, PQsocket(bot_pg_conn(cl->lis)), EV_READ);
    cl->io.data = cl;
    ev_io_start(cl->loop, &cl->io);
    return SN_OK;
}

/* After a reconnect: every conversation here is read again from the rows. */
static void catchup_one(void *ctx, struct bot_conv *c)
{
    struct bot_cluster *cl = ctx;
    conv_refresh(cl, c->id);
    struct track *t = track_get(cl, c->id);
    if (t->known)
        track_sync(cl, t, LLONG_MAX);
}

static void catchup(struct bot_cluster *cl)
{
    bot_convs_each(cl->srv->convs, catchup_one, cl);
    for (size_t b = 0; b < TRACK_BUCKETS; b++) /* the chats of this node's agents */
        for (struct track *t = cl->tracks[b]; t; t = t->chain)
            if (t->known && !bot_convs_find(cl->srv->convs, t->id))
                track_sync(cl, t, LLONG_MAX);
    for (int i = 0; i < cl->ncatchup; i++)
        cl->catchup[i].fn(cl->catchup[i].ctx);
    sn_log(SN_LOG_NOTICE, "cluster", "event=caught_up node=%s conversations=%zu", cl->node,
           bot_convs_count(cl->srv->convs));
}

static void reconnect(struct bot_cluster *cl, long long now)
{
    struct sn_err e = {0};
    if (cl->lis || now < cl->retry_at)
        return;
    if (listener_open(cl, &e)) {
        cl->backoff = cl->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cl->backoff * 2;
        cl->retry_at = now + cl->backoff;
        sn_log(SN_LOG_WARN, "cluster", "event=listen_retry node=%s in_ms=%lld err=\"%s\"", cl->node,
               cl->backoff, e.msg);
        return;
    }
    bot_metrics_inc(BOT_M_CLUSTER_RECONNECTS, 0);
    sn_log(SN_LOG_NOTICE, "cluster", "event=listen_back node=%s", cl->node);
    catchup(cl);
}

/* --- publishing ----------------------------------------------------------------------------- */

int bot_cluster_publish(struct bot_cluster *cl, const char *channel, const char *payload)
{
    if (!channel_ok(channel) || !*payload || strlen(payload) > BOT_CLUSTER_PAYLOAD_MAX)
        return SN_EINVAL;
    if (cl->npub >= PUB_MAX) {
        sn_log(SN_LOG_WARN, "cluster", "event=publish_dropped channel=%s reason=backlog", channel);
        return SN_OK;
    }
    struct pub *p = sn_xcalloc(1, sizeof *p);
    snprintf(p->ch, sizeof p->ch, "%s", channel);
    snprintf(p->payload, sizeof p->payload, "%s", payload);
    if (cl->pub_tail)
        cl->pub_tail->next = p;
    else
        cl->pub_head = p;
    cl->pub_tail = p;
    cl->npub++;
    return SN_OK;
}

/* Sends what waits; after a failure the rest of the turn's is dropped (the receivers catch up
 * from the rows when they reconnect). */
static void publish_flush(struct bot_cluster *cl)
{
    struct sn_err e = {0};
    long long now = cl->pub_head ? bot_server_now_ms() : 0;
    /* after a failure the connection is not tried again for a while: each try may be a
     * blocking connect, and this runs at every turn of the loop */
    int failed = cl->pub_head && now < cl->pub_retry_at;
    while (cl->pub_head) {
        struct pub *p = cl->pub_head;
        cl->pub_head = p->next;
        const char *vals[] = {p->ch, p->payload};
        if (!failed && bot_pg_exec(cl->pg, sql_notify, 2, vals, NULL, &e)) {
            failed = 1;
            cl->pub_retry_at = now + BACKOFF_MIN_MS;
            sn_log(SN_LOG_WARN, "cluster", "event=publish_failed channel=%s dropped=%d err=\"%s\"",
                   p->ch, cl->npub, e.msg);
        }
        free(p);
        cl->npub--;
    }
    cl->pub_tail = NULL;
}

/* The loop's turn is committed (bot_batch_flush ran in the prepare watcher of higher
 * priority): what it published may go. */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)revents;
    publish_flush(w->data);
}

/* The store's msg_add with this node's bookkeeping: the row is delivered here as written.
 * The others are told by the store itself (store_pg: pg_notify in msg_add's own statement,
 * sent at its commit, naming this node: store_pg_set_node). */
static int
cl_msg_add(struct store *s, const struct store_msg *m, long long *seq, int *dup, struct sn_err *err)
{
    struct bot_cluster *cl = g_cl;
    int rc = cl->orig->msg_add(s, m, seq, dup, err);
    if (rc == SN_OK && !*dup)
        local_wrote(cl, m->conv_id, *seq, m->ts);
    return rc;
}

void bot_cluster_live_queue(struct bot_cluster *cl, const char *conv, int position, int eta)
{
    char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
    if (!cl)
        return;
    snprintf(payload, sizeof payload, "%s %s queue %d %d", conv, cl->node,
             position < 0 ? 0 : position, eta < 0 ? 0 : eta);
    bot_cluster_publish(cl, BOT_CLUSTER_CH_LIVE, payload);
}

void bot_cluster_live_case(struct bot_cluster *cl, const char *conv)
{
    char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
    if (!cl)
        return;
    snprintf(payload, sizeof payload, "%s %s case", conv, cl->node);
    bot_cluster_publish(cl, BOT_CLUSTER_CH_LIVE, payload);
}

void bot_cluster_live_visitor_typing(struct bot_cluster *cl, const char *conv, int on)
{
    char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
    if (!cl)
        return;
    snprintf(payload, sizeof payload, "%s %s vtyping %d", conv, cl->node, on ? 1 : 0);
    bot_cluster_publish(cl, BOT_CLUSTER_CH_LIVE, payload);
}

void bot_cluster_live_typing(struct bot_cluster *cl, const char *conv, int on)
{
    char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
    if (!cl)
        return;
    snprintf(payload, sizeof payload, "%s %s typing %d", conv, cl->node, on ? 1 : 0);
    bot_cluster_publish(cl, BOT_CLUSTER_CH_LIVE, payload);
}

void bot_cluster_moved(void *srv,
                       const struct bot_conv_move *mv,
                       enum bot_conv_state from,
                       enum bot_conv_state to)
{
    struct bot_cluster *cl = ((struct bot_server *)srv)->cluster;
    if (cl) {
        char payload[BOT_CLUSTER_PAYLOAD_MAX + 1];
        const char *arg = mv->ev == BOT_CONV_CLOSE ? mv->resolution : mv->agent_login;
        int n = snprintf(payload, sizeof payload, "%s %s %s", mv->conv, cl->node,
                         bot_conv_event_name(mv->ev));
        if (arg && arg_ok(arg) && n > 0 && (size_t)n < sizeof payload)
            snprintf(payload + n, sizeof payload - (size_t)n, " %s", arg);
        bot_cluster_publish(cl, BOT_CLUSTER_CH_CONV, payload);
    }
    bot_queue_moved(srv, mv, from, to);
}

/* --- leases -------------------------------------------------------------------------------- */

static int node_register(struct bot_cluster *cl, long long now, struct sn_err *err)
{
    char b1[24], b2[24], b3[24], b4[24], b5[24], host[256] = "";
    PGresult *r = NULL;
    const char *stale[] = {cl->node, bot_pg_fmt_ll(b1, now)};
    int rc = bot_pg_exec(cl->pg, sql_stale, 2, stale, &r, err);
    if (rc)
        return rc;
    if (PQntuples(r) && !cl->stale_self[0]) /* our id's last run died: told at the first tick */
        snprintf(cl->stale_self, sizeof cl->stale_self, "%s", cl->node);
    PQclear(r);
    gethostname(host, sizeof host - 1);
    const char *vals[] = {cl->node,
                          bot_pg_fmt_ll(b2, cl->started),
                          bot_pg_fmt_ll(b3, now + cl->lease_ms),
                          bot_pg_fmt_ll(b4, (long long)getpid()),
                          host,
                          bot_pg_fmt_ll(b5, (long long)cl->srv->port)};
    rc = bot_pg_exec(cl->pg, sql_register, 6, vals, NULL, err);
    if (rc == SN_ECONFLICT)
        return sn_err_set(err, SN_ECONFLICT,
                          "node_id %s is in use by a live node (its lease is renewed every second; "
                          "give each node its own node_id, or start this one node_lease seconds "
                          "after the other stopped)",
                          cl->node);
    return rc;
}

static void lease_tick(struct bot_cluster *cl, long long now)
{
    struct sn_err e = {0};
    char b1[24], b2[24], b3[24];
    PGresult *r = NULL;
    const char *renew[] = {cl->node, bot_pg_fmt_ll(b1, cl->started),
                           bot_pg_fmt_ll(b2, now + cl->lease_ms)};
    if (bot_pg_exec(cl->pg, sql_renew, 3, renew, &r, &e)) {
        sn_log(SN_LOG_WARN, "cluster", "event=lease_failed node=%s err=\"%s\"", cl->node, e.msg);
        return;
    }
    int renewed = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    r = NULL;
    if (!renewed) { /* another node took us for dead (we were silent past the lease) */
        sn_log(SN_LOG_WARN, "cluster", "event=lease_lost node=%s registering=again", cl->node);
        if (node_register(cl, now, &e))
            sn_log(SN_LOG_ERR, "cluster", "event=register_failed node=%s err=\"%s\"", cl->node,
                   e.msg);
    }
    const char *take[] = {bot_pg_fmt_ll(b3, now), cl->node};
    if (bot_pg_exec(cl->pg, sql_takeover, 2, take, &r, &e) == SN_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            const char *dead = bot_pg_str(r, i, 0);
            sn_log(SN_LOG_NOTICE, "cluster", "event=node_dead node=%s by=%s", dead, cl->node);
            for (int k = 0; k < cl->ndead; k++)
                cl->dead[k].fn(cl->dead[k].ctx, dead);
        }
    }
    PQclear(r);
    r = NULL;
    const char *cnt[] = {b3};
    if (bot_pg_exec(cl->pg, sql_count, 1, cnt, &r, &e) == SN_OK)
        cl->nodes = bot_pg_ll(r, 0, 0);
    PQclear(r);
}

void bot_cluster_tick(struct bot_cluster *cl, long long now)
{
    if (!cl)
        return;
    if (cl->stale_self[0]) {
        sn_log(SN_LOG_NOTICE, "cluster", "event=node_dead node=%s by=%s incarnation=previous",
               cl->stale_self, cl->node);
        for (int k = 0; k < cl->ndead; k++)
            cl->dead[k].fn(cl->dead[k].ctx, cl->stale_self);
        cl->stale_self[0] = 0;
    }
    lease_tick(cl, now);
    reconnect(cl, now);
    if (cl->lis) { /* the lease statements do not read this connection: check it is alive */
        PGconn *c = bot_pg_conn(cl->lis);
        if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
            listener_lost(cl, PQerrorMessage(c));
        else
            drain(cl);
    }
    tracks_prune(cl);
}

/* --- open, close, hooks ------------------------------------------------------------------------
 */

int bot_cluster_on(struct bot_cluster *cl, const char *channel, bot_cluster_event_fn *fn, void *ctx)
{
    struct sn_err e = {0};
    if (!channel_ok(channel) || !fn)
        return SN_EINVAL;
    if (cl->nrows == BOT_CLUSTER_CHANNELS)
        return SN_ETOOBIG;
    struct row *r = &cl->rows[cl->nrows++];
    snprintf(r->ch, sizeof r->ch, "%s", channel);
    r->fn = fn;
    r->ctx = ctx;
    if (cl->lis && listen_all(cl, &e)) /* LISTEN twice is harmless */
        listener_lost(cl, e.msg);
    return SN_OK;
}

int bot_cluster_on_node_dead(struct bot_cluster *cl, bot_cluster_node_dead_fn *fn, void *ctx)
{
    if (cl->ndead == BOT_CLUSTER_CHANNELS)
        return SN_ETOOBIG;
    cl->dead[cl->ndead].fn = fn;
    cl->dead[cl->ndead++].ctx = ctx;
    return SN_OK;
}

int bot_cluster_on_catchup(struct bot_cluster *cl, bot_cluster_catchup_fn *fn, void *ctx)
{
    if (cl->ncatchup == BOT_CLUSTER_CHANNELS)
        return SN_ETOOBIG;
    cl->catchup[cl->ncatchup].fn = fn;
    cl->catchup[cl->ncatchup++].ctx = ctx;
    return SN_OK;
}

const char *bot_cluster_node_id(const struct bot_cluster *cl)
{
    return cl->node;
}

struct bot_pg *bot_cluster_pg(struct bot_cluster *cl)
{
    return cl->pg;
}

long long bot_cluster_nodes(const struct bot_cluster *cl)
{
    return cl ? cl->nodes : 0;
}

struct bot_cluster *
bot_cluster_open(struct bot_server *srv, struct ev_loop *loop, struct sn_err *err)
{
    const struct bot_config *cfg = srv->cfg;
    struct bot_cluster *cl = sn_xcalloc(1, sizeof *cl);
    int rc = SN_OK;
    cl->srv = srv;
    cl->loop = loop;
    cl->lease_ms = (long long)cfg->node_lease * 1000;
    cl->started = bot_server_now_ms();
    if (cfg->node_id) {
        snprintf(cl->node, sizeof cl->node, "%s", cfg->node_id);
    } else {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        snprintf(cl->node, sizeof cl->node, "%.50s:%d", host, srv->port);
    }
    if (!bot_cluster_node_id_ok(cl->node) ||
        (cfg->node_id && strlen(cfg->node_id) > BOT_CLUSTER_NODE_MAX)) {
        rc = sn_err_set(
            err, SN_EINVAL,
            "node_id \"%.64s\": 1 to %d printable bytes without spaces, each node its own",
            cl->node, BOT_CLUSTER_NODE_MAX);
        goto out;
    }
    if (!(cl->pg = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err))) {
        rc = err->code;
        goto out;
    }
    if ((rc = bot_pg_migrate(cl->pg, "sanad_cluster", schema_steps,
                             (int)(sizeof schema_steps / sizeof schema_steps[0]), err)))
        goto out;
    if ((rc = node_register(cl, cl->started, err)))
        goto out;
    bot_cluster_on(cl, BOT_CLUSTER_CH_MSG, on_msg, cl);
    bot_cluster_on(cl, BOT_CLUSTER_CH_CONV, on_conv, cl);
    bot_cluster_on(cl, BOT_CLUSTER_CH_LIVE, on_live, cl);
    if ((rc = listener_open(cl, err)))
        goto out;
    ev_prepare_init(&cl->pub_w, on_prepare);
    cl->pub_w.data = cl;
    ev_set_priority(&cl->pub_w, EV_MINPRI); /* after the batch's commit (priority 0) */
    ev_prepare_start(loop, &cl->pub_w);
    cl->store = srv->store;
    cl->orig = srv->store->ops;
    cl->ops = *cl->orig;
    cl->ops.msg_add = cl_msg_add;
    g_cl = cl;
    srv->store->ops = &cl->ops;
    store_pg_set_node(srv->store, cl->node);
    sn_log(SN_LOG_NOTICE, "cluster", "event=node_up node=%s lease_s=%d", cl->node, cfg->node_lease);
out:
    if (rc) {
        if (cl->pg && cl->started && rc != SN_ECONFLICT) {
            char b[24];
            const char *vals[] = {cl->node, bot_pg_fmt_ll(b, cl->started)};
            bot_pg_exec(cl->pg, sql_end, 2, vals, NULL, NULL);
        }
        bot_pg_close(cl->lis);
        bot_pg_close(cl->pg);
        free(cl);
        cl = NULL;
    }
    return cl;
}

void bot_cluster_close(struct bot_cluster *cl)
{
    if (!cl)
        return;
    struct sn_err e = {0};
    char b[24];
    if (cl->store && cl->store->ops == &cl->ops)
        cl->store->ops = cl->orig;
    g_cl = NULL;
    ev_prepare_stop(cl->loop, &cl->pub_w);
    publish_flush(cl);
    const char *vals[] = {cl->node, bot_pg_fmt_ll(b, cl->started)};
    if (bot_pg_exec(cl->pg, sql_end, 2, vals, NULL, &e))
        sn_log(SN_LOG_WARN, "cluster", "event=lease_end_failed node=%s err=\"%s\"", cl->node,
               e.msg);
    if (cl->lis)
        ev_io_stop(cl->loop, &cl->io);
    bot_pg_close(cl->lis);
    bot_pg_close(cl->pg);
    for (size_t b2 = 0; b2 < TRACK_BUCKETS; b2++)
        for (struct track *t = cl->tracks[b2], *next; t; t = next) {
            next = t->chain;
            free(t);
        }
    sn_log(SN_LOG_NOTICE, "cluster", "event=node_down node=%s", cl->node);
    free(cl);
}
