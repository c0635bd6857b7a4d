/* The agent queue and routing (see queue.h). */
#include "bot/queue.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/agent_proto.h"
#include "bot/auth.h"
#include "bot/config.h"
#include "bot/conv.h"
#include "bot/dialogue.h"
#include "bot/proto.h"
#include "bot/registry.h"
#include "bot/route.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/visitor.h"
#include "bot/store.h"

#define ETA_SAMPLES    20 /* recent chats the handling time is averaged over */
#define TRANSCRIPT_MAX 100000

/* A conversation waiting for a human, in the FIFO. */
struct qitem {
    struct qitem *next;
    char id[STORE_ID_MAX];
    char lang[3];
    long long queued_at; /* ms */
    int pos_sent;        /* the position the visitor was last told (0: none) */
    long long gone_at;   /* ms when the sweep first saw no visitor socket on it (0: present) */
    char last[STORE_LAST_TEXT_MAX];
};

struct chat {
    char id[STORE_ID_MAX];
    char lang[3];
    long long assigned_at; /* ms; 0 when it was loaded from the store */
};

struct bot_agent {
    struct bot_agent *next;
    struct bot_session *s; /* its socket (the agent is freed when it goes) */
    long long user_id;
    char login[BOT_AUTH_LOGIN_MAX + 1];
    char name[BOT_AUTH_NAME_MAX * 4 + 1];
    int online;
    unsigned long long last_assigned; /* round robin among equals: lowest first */
    struct chat *chats;
    int nchats, cap;
};

/* An agent gone with chats: they stay its own until deadline, then go back to the head of
 * the queue. */
struct orphan {
    struct orphan *next;
    long long user_id;
    long long deadline; /* ms */
};

struct bot_queue {
    struct bot_server *srv;
    struct orphan *orphans;
    ev_timer sweep; /* the grace sweep, running while there are orphans */
    int armed, stopped;
    struct qitem *head, *tail;
    int nitems;
    int dirty; /* the queue changed since the agents last got it */
    struct bot_agent *agents;
    unsigned long long rr;
    long long handled_ms[ETA_SAMPLES]; /* handling times of the last closed chats */
    int nhandled, handled_next;
};

/* --- sending ----------------------------------------------------------------------------- */

static void agent_send(struct bot_agent *a, char *json, size_t len)
{
    if (a->s)
        bot_session_send(a->s, json, len);
    else
        free(json);
}

/* Calls fn for each visitor session of conv (bot/registry.h), on a copy of the list so
 * that fn may close one. */
#define VISITORS_STACK 8
static void each_visitor(struct bot_queue *q,
                         const char *conv,
                         void (*fn)(struct bot_session *s, const void *ctx),
                         const void *ctx)
{
    struct bot_session *buf[VISITORS_STACK], **v = buf;
    size_t n = bot_registry_conns(q->srv->visitors, conv, (void **)buf, VISITORS_STACK);
    if (n > VISITORS_STACK) {
        v = sn_xcalloc(n, sizeof *v);
        bot_registry_conns(q->srv->visitors, conv, (void **)v, n);
    }
    for (size_t i = 0; i < n; i++)
        fn(v[i], ctx);
    if (v != buf)
        free(v);
}

struct frame {
    const char *p;
    size_t len;
};

static void send_one(struct bot_session *s, const void *ctx)
{
    const struct frame *f = ctx;
    bot_session_send(s, sn_xstrndup(f->p, f->len), f->len);
}

static void deliver_one(struct bot_session *s, const void *ctx)
{
    const struct frame *f = ctx;
    bot_session_deliver(s, sn_xstrndup(f->p, f->len), f->len);
}

static void state_one(struct bot_session *s, const void *ctx)
{
    bot_session_set_state(s, *(const enum bot_conv_state *)ctx);
}

/* Sends a copy of json to every visitor socket of conv (a live frame, no seq); takes json. */
static void visitors_send(struct bot_queue *q, const char *conv, char *json, size_t len)
{
    struct frame f = {json, len};
    each_visitor(q, conv, send_one, &f);
    free(json);
}

/* The same for a stored transcript message (the replay carries it where one runs). */
static void visitors_deliver(struct bot_queue *q, const char *conv, char *frame, size_t len)
{
    struct frame f = {frame, len};
    each_visitor(q, conv, deliver_one, &f);
    free(frame);
}

/* The state ev moves a conversation in state from to (bot/conv.h): the table, not this
 * file, says what routing writes to the store and tells the visitors. Every caller knows
 * from; a refusal is a bug, logged, and leaves the state as it was. */
static enum bot_conv_state moved(const char *conv, enum bot_conv_state from, enum bot_conv_event ev)
{
    enum bot_conv_state to;
    if (bot_conv_next(from, ev, &to))
        sn_log(SN_LOG_ERR, "queue", "event=refused_transition conv=%s state=%s on=%s", conv,
               bot_conv_state_name(from), bot_conv_event_name(ev));
    return to;
}

static void visitors_state(struct bot_queue *q, const char *conv, enum bot_conv_state state)
{
    each_visitor(q, conv, state_one, &state);
}

/* Stores a system message in conv and delivers it to its visitors. */
static int system_message(struct bot_queue *q, const char *conv, const char *text)
{
    struct sn_err e = {0};
    struct store_msg m = {
        .conv_id = conv, .sender = "system", .text = text, .ts = bot_server_now_ms()};
    int dup;
    size_t len;
    if (store_msg_add(q->srv->store, &m, &m.seq, &dup, &e)) {
        sn_log(SN_LOG_ERR, "queue", "event=store_failed conv=%s err=\"%s\"", conv, e.msg);
        return e.code;
    }
    char *frame = bot_proto_stored_message(&m, &len);
    visitors_deliver(q, conv, frame, len);
    return SN_OK;
}

/* System message text id (bot/texts.h) in lang, agent's name filled in. */
static void system_text(
    struct bot_queue *q, const char *conv, enum bot_text id, const char *lang, const char *agent)
{
    char *text = bot_brain_text(q->srv->brain, id, lang, agent);
    system_message(q, conv, text);
    free(text);
}

/* --- snapshots ---------------------------------------------------------------------------- */

static int online_agents(const struct bot_queue *q)
{
    int n = 0;
    for (const struct bot_agent *a = q->agents; a; a = a->next)
        n += a->s && a->online;
    return n;
}

static int eta_minutes(const struct bot_queue *q, int position)
{
    return bot_route_eta_minutes(q->handled_ms, q->nhandled, online_agents(q), position);
}

static char *queue_frame(const struct bot_queue *q, size_t *len)
{
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("queue");
    long long now = bot_server_now_ms();
    for (const struct qitem *it = q->head; it; it = it->next)
        bot_agent_proto_list_queue_item(l, it->id, (now - it->queued_at) / 1000, it->lang,
                                        it->last);
    return bot_agent_proto_list_finish(l, len);
}

static void send_queue(struct bot_queue *q, struct bot_agent *a)
{
    size_t len;
    char *j = queue_frame(q, &len);
    agent_send(a, j, len);
}

static void send_chats(struct bot_agent *a)
{
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("chats");
    size_t len;
    for (int i = 0; i < a->nchats; i++)
        bot_agent_proto_list_chat_item(l, a->chats[i].id, a->chats[i].lang,
                                       bot_conv_state_name(BOT_CONV_AGENT));
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

static int transcript_one(void *ctx, const struct store_msg *m)
{
    bot_agent_proto_transcript_add(ctx, m);
    return 0;
}

static void send_transcript(struct bot_queue *q, struct bot_agent *a, const char *conv)
{
    struct sn_err e = {0};
    struct bot_agent_proto_list *l = bot_agent_proto_transcript_new(conv);
    size_t len;
    if (store_msg_each_all(q->srv->store, conv, 0, TRANSCRIPT_MAX, transcript_one, l, &e))
        sn_log(SN_LOG_ERR, "queue", "event=transcript_failed conv=%s err=\"%s\"", conv, e.msg);
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

/* Tells each queued visitor its position when it changed. */
static void notify_positions(struct bot_queue *q)
{
    int pos = 0;
    for (struct qitem *it = q->head; it; it = it->next) {
        size_t len;
        if (++pos == it->pos_sent)
            continue;
        it->pos_sent = pos;
        char *j = bot_agent_proto_visitor_queue(pos, eta_minutes(q, pos), &len);
        visitors_send(q, it->id, j, len);
    }
}

/* --- routing ------------------------------------------------------------------------------ */

static struct qitem *find_item(struct bot_queue *q, const char *conv, struct qitem **prev)
{
    struct qitem *p = NULL;
    for (struct qitem *it = q->head; it; p = it, it = it->next)
        if (!strcmp(it->id, conv)) {
            if (prev)
                *prev = p;
            return it;
        }
    return NULL;
}

static void unlink_item(struct bot_queue *q, struct qitem *it, struct qitem *prev)
{
    if (prev)
        prev->next = it->next;
    else
        q->head = it->next;
    if (q->tail == it)
        q->tail = prev;
    q->nitems--;
    q->dirty = 1;
}

static int chat_index(const struct bot_agent *a, const char *conv)
{
    for (int i = 0; i < a->nchats; i++)
        if (!strcmp(a->chats[i].id, conv))
            return i;
    return -1;
}

static void chat_add(struct bot_agent *a, const char *conv, const char *lang, long long at)
{
    if (a->nchats == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4;
        a->chats = sn_xrealloc(a->chats, (size_t)a->cap * sizeof *a->chats);
    }
    struct chat *c = &a->chats[a->nchats++];
    snprintf(c->id, sizeof c->id, "%s", conv);
    snprintf(c->lang, sizeof c->lang, "%s", lang);
    c->assigned_at = at;
}

static struct bot_agent *holder(struct bot_queue *q, const char *conv)
{
    for (struct bot_agent *a = q->agents; a; a = a->next)
        if (chat_index(a, conv) >= 0)
            return a;
    return NULL;
}

/* Agent a now holds conv (routing already stored): the visitor is told who joined (a stored
 * system message and a live frame), a gets `assigned` with the transcript and its chats. */
static void hand_over(struct bot_queue *q,
                      struct bot_agent *a,
                      const char *conv,
                      const char *lang,
                      const char *by,
                      long long now)
{
    size_t len;
    chat_add(a, conv, lang, now);
    a->last_assigned = ++q->rr;
    system_text(q, conv, BOT_TEXT_AGENT_JOINED, lang, a->name);
    char *j = bot_agent_proto_visitor_joined(a->name, &len);
    visitors_send(q, conv, j, len);
    j = bot_agent_proto_assigned(conv, lang, by, &len);
    agent_send(a, j, len);
    send_transcript(q, a, conv);
    send_chats(a);
}

/* Gives queued item it (prev before it) to agent a. */
static int assign(struct bot_queue *q,
                  struct bot_agent *a,
                  struct qitem *it,
                  struct qitem *prev,
                  const char *by,
                  struct sn_err *e)
{
    long long now = bot_server_now_ms();
    enum bot_conv_state to = moved(it->id, BOT_CONV_QUEUED, BOT_CONV_ASSIGN);
    int rc = store_conv_route(q->srv->store, it->id, bot_conv_state_name(to), a->user_id,
                              it->queued_at, NULL, now, e);
    if (rc) {
        sn_log(SN_LOG_ERR, "queue", "event=assign_failed conv=%s err=\"%s\"", it->id, e->msg);
        return rc;
    }
    unlink_item(q, it, prev);
    visitors_state(q, it->id, to);
    sn_log(SN_LOG_NOTICE, "queue", "event=assigned conv=%s agent=%s by=%s waited_ms=%lld", it->id,
           a->login, by, now - it->queued_at);
    hand_over(q, a, it->id, it->lang, by, now);
    free(it);
    return SN_OK;
}

/* Auto mode: the online agent below capacity with the fewest chats, then the one assigned
 * least recently. */
static struct bot_route_agent route_facts(const struct bot_agent *a)
{
    return (struct bot_route_agent){a->s && a->online, a->nchats, a->last_assigned};
}

static struct bot_agent *pick_agent(struct bot_queue *q)
{
    struct bot_agent *best = NULL;
    struct bot_route_agent bf;
    for (struct bot_agent *a = q->agents; a; a = a->next) {
        struct bot_route_agent af = route_facts(a);
        if (bot_route_better(&af, best ? &bf : NULL, q->srv->cfg->agent_capacity)) {
            best = a;
            bf = af;
        }
    }
    return best;
}

/* After any change: route (auto), push the queue to the agents when it changed, and tell
 * the visitors their new positions. */
static void changed(struct bot_queue *q)
{
    struct sn_err e = {0};
    struct bot_agent *a;
    if (!q->srv->cfg->routing_pick)
        while (q->head && (a = pick_agent(q)))
            if (assign(q, a, q->head, NULL, "auto", &e))
                break; /* the store failed: try again at the next change */
    if (q->dirty) {
        q->dirty = 0;
        size_t len;
        char *j = queue_frame(q, &len);
        for (a = q->agents; a; a = a->next)
            if (a->s)
                bot_session_send(a->s, sn_xstrndup(j, len), len);
        free(j);
    }
    notify_positions(q);
}

/* Copies at most 140 characters of valid UTF-8 text into out. */
static void copy_last(char *out, const char *text)
{
    size_t i = 0, chars = 0;
    while (text[i] && chars < 140 && i + 4 < STORE_LAST_TEXT_MAX) {
        i++;
        while ((text[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    memcpy(out, text, i);
    out[i] = 0;
}

static void append(struct bot_queue *q, const struct store_route *r)
{
    struct qitem *it = sn_xcalloc(1, sizeof *it);
    snprintf(it->id, sizeof it->id, "%s", r->id);
    snprintf(it->lang, sizeof it->lang, "%s", r->lang);
    it->queued_at = r->queued_at;
    copy_last(it->last, r->last_text);
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->nitems++;
    q->dirty = 1;
}

static int load_one(void *ctx, const struct store_route *r)
{
    append(ctx, r);
    return 0;
}

/* --- agent grace ------------------------------------------------------------------------ */

static void orphan_add(struct bot_queue *q, long long user_id, long long deadline)
{
    for (struct orphan *o = q->orphans; o; o = o->next)
        if (o->user_id == user_id)
            return;
    struct orphan *o = sn_xcalloc(1, sizeof *o);
    o->user_id = user_id;
    o->deadline = deadline;
    o->next = q->orphans;
    q->orphans = o;
}

static void orphan_drop(struct bot_queue *q, long long user_id)
{
    for (struct orphan **pp = &q->orphans; *pp; pp = &(*pp)->next)
        if ((*pp)->user_id == user_id) {
            struct orphan *o = *pp;
            *pp = o->next;
            free(o);
            return;
        }
}

static int orphan_of(void *ctx, const struct store_route *r)
{
    struct bot_queue *q = ctx;
    orphan_add(q, r->agent_id, bot_server_now_ms() + (long long)q->srv->cfg->agent_grace * 1000);
    return 0;
}

/* Puts a chat of a gone agent back at the head of the queue and tells the visitor. */
static int requeue_one(void *ctx, const struct store_route *r)
{
    struct bot_queue *q = ctx;
    struct sn_err e = {0};
    long long now = bot_server_now_ms();
    enum bot_conv_state to = moved(r->id, BOT_CONV_AGENT, BOT_CONV_REQUEUE);
    if (store_conv_route(q->srv->store, r->id, bot_conv_state_name(to), 0, r->queued_at, NULL, now,
                         &e)) {
        sn_log(SN_LOG_ERR, "queue", "event=requeue_failed conv=%s err=\"%s\"", r->id, e.msg);
        return 0;
    }
    struct qitem *it = sn_xcalloc(1, sizeof *it);
    snprintf(it->id, sizeof it->id, "%s", r->id);
    snprintf(it->lang, sizeof it->lang, "%s", r->lang);
    it->queued_at = r->queued_at;
    copy_last(it->last, r->last_text);
    it->next = q->head; /* the head: it has waited longest */
    q->head = it;
    if (!q->tail)
        q->tail = it;
    q->nitems++;
    q->dirty = 1;
    visitors_state(q, r->id, to);
    system_text(q, r->id, BOT_TEXT_AGENT_GONE, r->lang, NULL);
    sn_log(SN_LOG_NOTICE, "queue", "event=requeued conv=%s agent_id=%lld", r->id, r->agent_id);
    return 0;
}

/* A queued visitor with no socket keeps its place for `visitor_grace` seconds; after that
 * the conversation leaves the queue (back to the bot) so agents do not take empty chats. */
static void visitors_sweep(struct bot_queue *q, long long now)
{
    struct sn_err e = {0};
    long long grace = (long long)q->srv->cfg->visitor_grace * 1000;
    struct qitem *prev = NULL, *it = q->head;
    while (it) {
        struct qitem *next = it->next;
        int present = bot_registry_conns(q->srv->visitors, it->id, NULL, 0) > 0;
        if (bot_route_visitor_gone(&it->gone_at, present, now, grace) &&
            store_conv_route(q->srv->store, it->id,
                             bot_conv_state_name(moved(it->id, BOT_CONV_QUEUED, BOT_CONV_EXPIRE)),
                             0, 0, NULL, now, &e) == SN_OK) {
            system_text(q, it->id, BOT_TEXT_QUEUE_ABANDONED, it->lang, NULL);
            sn_log(SN_LOG_NOTICE, "queue", "event=abandoned conv=%s waited_ms=%lld", it->id,
                   now - it->queued_at);
            unlink_item(q, it, prev);
            free(it);
            it = next;
            continue;
        }
        prev = it;
        it = next;
    }
}

static void arm(struct bot_queue *q);

static void sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct bot_queue *q = w->data;
    struct sn_err e = {0};
    long long now = bot_server_now_ms();
    (void)revents;
    ev_timer_stop(loop, w);
    q->armed = 0;
    for (struct orphan **pp = &q->orphans; *pp;) {
        struct orphan *o = *pp;
        if (!bot_route_agent_due(o->deadline, now)) {
            pp = &o->next;
            continue;
        }
        *pp = o->next;
        if (store_conv_each(q->srv->store, bot_conv_state_name(BOT_CONV_AGENT), o->user_id,
                            requeue_one, q, &e))
            sn_log(SN_LOG_ERR, "queue", "event=requeue_failed agent_id=%lld err=\"%s\"", o->user_id,
                   e.msg);
        free(o);
    }
    visitors_sweep(q, now);
    changed(q);
    arm(q);
}

/* Sweeps once a second while there are orphans or queued conversations, on the server's
 * loop (libev's default loop, see serve.c). */
static void arm(struct bot_queue *q)
{
    if (q->armed || q->stopped || (!q->orphans && !q->head) || !q->srv->lws)
        return;
    q->armed = 1;
    ev_timer_init(&q->sweep, sweep, 1.0, 0);
    q->sweep.data = q;
    ev_timer_start(EV_DEFAULT, &q->sweep);
}

struct bot_queue *bot_queue_new(struct bot_server *srv, struct sn_err *err)
{
    struct bot_queue *q = sn_xcalloc(1, sizeof *q);
    q->srv = srv;
    if (store_conv_each(srv->store, bot_conv_state_name(BOT_CONV_QUEUED), 0, load_one, q, err)) {
        bot_queue_free(q);
        return NULL;
    }
    /* chats held by agents before a restart: theirs for the grace period after it */
    if (store_conv_each(srv->store, bot_conv_state_name(BOT_CONV_AGENT), 0, orphan_of, q, err)) {
        bot_queue_free(q);
        return NULL;
    }
    q->dirty = 0;
    if (q->nitems)
        sn_log(SN_LOG_NOTICE, "queue", "event=loaded queued=%d", q->nitems);
    return q;
}

void bot_queue_stop_timers(struct bot_queue *q)
{
    if (q && q->armed) {
        ev_timer_stop(EV_DEFAULT, &q->sweep);
        q->armed = 0;
    }
    if (q)
        q->stopped = 1; /* nothing re-arms during the shutdown */
}

static void agent_free(struct bot_agent *a)
{
    free(a->chats);
    free(a);
}

void bot_queue_free(struct bot_queue *q)
{
    if (!q)
        return;
    struct qitem *it, *n;
    for (it = q->head; it; it = n) {
        n = it->next;
        free(it);
    }
    struct bot_agent *a, *an;
    for (a = q->agents; a; a = an) {
        an = a->next;
        if (a->s)
            a->s->agent = NULL;
        agent_free(a);
    }
    while (q->orphans) {
        struct orphan *o = q->orphans;
        q->orphans = o->next;
        free(o);
    }
    free(q);
}

/* --- visitor side ------------------------------------------------------------------------- */

void bot_queue_enqueue(struct bot_queue *q, const char *conv_id)
{
    struct sn_err e = {0};
    struct store_route r;
    if (find_item(q, conv_id, NULL) || holder(q, conv_id))
        return;
    enum bot_conv_state from, to;
    if (store_conv_get(q->srv->store, conv_id, &r, &e))
        return;
    bot_conv_state_parse(r.state, &from); /* a state another version wrote: as the bot's */
    if (from == BOT_CONV_AGENT && r.agent_id)
        return; /* an agent has it (not connected) */
    /* held by an agent no longer known: it goes back to the queue as a gone agent's does */
    if (bot_conv_next(from, from == BOT_CONV_AGENT ? BOT_CONV_REQUEUE : BOT_CONV_HANDOFF, &to))
        return;
    long long now = bot_server_now_ms();
    r.queued_at = now;
    if (store_conv_route(q->srv->store, conv_id, bot_conv_state_name(to), 0, now, NULL, now, &e)) {
        sn_log(SN_LOG_ERR, "queue", "event=enqueue_failed conv=%s err=\"%s\"", conv_id, e.msg);
        return;
    }
    append(q, &r);
    sn_log(SN_LOG_NOTICE, "queue", "event=queued conv=%s position=%d", conv_id, q->nitems);
    changed(q);
    arm(q);
}

int bot_queue_leave(struct bot_queue *q, const char *conv_id, struct sn_err *err)
{
    struct qitem *prev = NULL, *it = find_item(q, conv_id, &prev);
    if (!it)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not in the queue");
    enum bot_conv_state to = moved(conv_id, BOT_CONV_QUEUED, BOT_CONV_LEAVE);
    int rc = store_conv_route(q->srv->store, conv_id, bot_conv_state_name(to), 0, 0, NULL,
                              bot_server_now_ms(), err);
    if (rc)
        return rc;
    visitors_state(q, conv_id, to);
    system_text(q, conv_id, BOT_TEXT_QUEUE_LEFT, it->lang, NULL);
    sn_log(SN_LOG_NOTICE, "queue", "event=left conv=%s waited_ms=%lld", conv_id,
           bot_server_now_ms() - it->queued_at);
    unlink_item(q, it, prev);
    free(it);
    changed(q);
    return SN_OK;
}

void bot_queue_visitor_hello(struct bot_queue *q, struct bot_session *s)
{
    const char *conv = bot_session_conv_id(s);
    int pos = 0;
    size_t len;
    arm(q);
    for (struct qitem *it = q->head; it; it = it->next) {
        pos++;
        if (!strcmp(it->id, conv)) {
            char *j = bot_agent_proto_visitor_queue(pos, eta_minutes(q, pos), &len);
            bot_session_send(s, j, len);
            return;
        }
    }
    bot_queue_enqueue(q, conv); /* queued in the store but not here: queue it now */
}

void bot_queue_visitor_message(struct bot_queue *q, const struct store_msg *m)
{
    struct qitem *it = find_item(q, m->conv_id, NULL);
    struct bot_agent *a;
    size_t n;
    if (it) {
        copy_last(it->last, m->text);
        q->dirty = 1;
        changed(q);
    } else if ((a = holder(q, m->conv_id))) {
        char *j = bot_agent_proto_relay(m, &n);
        agent_send(a, j, n);
    }
}

const char *bot_queue_offline_reason(const struct bot_queue *q)
{
    if (bot_config_closed_at(q->srv->cfg, bot_server_now_ms() / 1000))
        return "closed_hours";
    return online_agents(q) ? NULL : "nobody_online";
}

#define TICKETS_MAX 200

static int ticket_one(void *ctx, const struct store_ticket *t)
{
    bot_agent_proto_list_ticket_item(ctx, t);
    return 0;
}

static void send_tickets(struct bot_queue *q, struct bot_agent *a)
{
    struct sn_err e = {0};
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("tickets");
    size_t len;
    if (store_ticket_each(q->srv->store, TICKETS_MAX, ticket_one, l, &e))
        sn_log(SN_LOG_ERR, "queue", "event=tickets_failed err=\"%s\"", e.msg);
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

static int canned_one(void *ctx, const struct store_canned *c)
{
    bot_agent_proto_list_canned_item(ctx, c);
    return 0;
}

/* The canned responses, as the store has them when the agent connects (`sanad canned`
 * changes reach consoles when they reconnect). */
static void send_canned(struct bot_queue *q, struct bot_agent *a)
{
    struct sn_err e = {0};
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("canned");
    size_t len;
    if (store_canned_each(q->srv->store, NULL, canned_one, l, &e))
        sn_log(SN_LOG_ERR, "queue", "event=canned_failed err=\"%s\"", e.msg);
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

void bot_queue_tickets_changed(struct bot_queue *q)
{
    for (struct bot_agent *a = q->agents; a; a = a->next)
        send_tickets(q, a);
}

/* --- agent side --------------------------------------------------------------------------- */

static int load_chat(void *ctx, const struct store_route *r)
{
    chat_add(ctx, r->id, r->lang, 0);
    return 0;
}

struct bot_agent *
bot_queue_agent_join(struct bot_queue *q, struct bot_session *s, const struct bot_user *u)
{
    const struct bot_config *cfg = q->srv->cfg;
    struct sn_err e = {0};
    struct bot_agent **pp, *a;
    size_t len;
    for (pp = &q->agents; *pp;) { /* one socket per agent: the newest wins */
        a = *pp;
        if (a->user_id != u->id) {
            pp = &a->next;
            continue;
        }
        *pp = a->next;
        if (a->s) {
            char *j = bot_agent_proto_error(
                BOT_PROTO_BAD_FIELD, "replaced by a newer connection of this agent", NULL, &len);
            bot_session_send(a->s, j, len);
            bot_session_close(a->s, 1008);
            a->s->agent = NULL;
        }
        agent_free(a);
    }
    a = sn_xcalloc(1, sizeof *a);
    a->s = s;
    a->user_id = u->id;
    snprintf(a->login, sizeof a->login, "%s", u->login);
    snprintf(a->name, sizeof a->name, "%s", u->name);
    a->online = 1;
    orphan_drop(q, u->id); /* back within its grace period: its chats are still its own */
    if (store_conv_each(q->srv->store, bot_conv_state_name(BOT_CONV_AGENT), u->id, load_chat, a,
                        &e))
        sn_log(SN_LOG_ERR, "queue", "event=chats_failed agent=%s err=\"%s\"", a->login, e.msg);
    a->next = q->agents;
    q->agents = a;
    s->agent = a;
    char *j = bot_agent_proto_welcome(a->login, a->name, bot_auth_role_name(u->role),
                                      cfg->routing_pick ? "pick" : "auto", cfg->agent_capacity,
                                      a->online, &len);
    agent_send(a, j, len);
    send_queue(q, a);
    send_chats(a);
    send_tickets(q, a);
    send_canned(q, a);
    for (int i = 0; i < a->nchats; i++)
        send_transcript(q, a, a->chats[i].id);
    sn_log(SN_LOG_NOTICE, "queue", "event=agent_online agent=%s chats=%d", a->login, a->nchats);
    changed(q);
    arm(q); /* orphans left by a restart start their grace once the loop runs */
    return a;
}

void bot_queue_agent_leave(struct bot_queue *q, struct bot_agent *a)
{
    for (struct bot_agent **pp = &q->agents; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    sn_log(SN_LOG_NOTICE, "queue", "event=agent_gone agent=%s chats=%d", a->login, a->nchats);
    if (a->nchats)
        orphan_add(q, a->user_id, bot_server_now_ms() + (long long)q->srv->cfg->agent_grace * 1000);
    if (a->s)
        a->s->agent = NULL;
    agent_free(a);
    arm(q);
    notify_positions(q); /* the estimate changes with the number of agents */
}

void bot_queue_agent_presence(struct bot_queue *q, struct bot_agent *a, int online)
{
    size_t len;
    a->online = online;
    char *j = bot_agent_proto_presence(online, &len);
    agent_send(a, j, len);
    sn_log(SN_LOG_NOTICE, "queue", "event=presence agent=%s status=%s", a->login,
           online ? "online" : "away");
    changed(q);
}

int bot_queue_take(struct bot_queue *q,
                   struct bot_agent *a,
                   const char *conv_id,
                   struct sn_err *err)
{
    struct qitem *prev = NULL, *it = find_item(q, conv_id, &prev);
    if (!it)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not in the queue");
    if (a->nchats >= q->srv->cfg->agent_capacity)
        return sn_err_set(err, SN_ETOOBIG, "you have %d chats already (agent_capacity)", a->nchats);
    int rc = assign(q, a, it, prev, "take", err);
    changed(q);
    return rc;
}

int bot_queue_write(struct bot_queue *q,
                    struct bot_agent *a,
                    const char *conv_id,
                    const char *text,
                    const char *client_id,
                    int note,
                    long long *seq,
                    int *dup,
                    struct sn_err *err)
{
    char key[BOT_PROTO_CLIENT_ID_MAX + 3];
    size_t len;
    if (chat_index(a, conv_id) < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    /* "a:" keeps agents' client_ids apart from the visitor's ([A-Za-z0-9_-] only) */
    if (client_id && *client_id)
        snprintf(key, sizeof key, "a:%s", client_id);
    struct store_msg m = {.conv_id = conv_id,
                          .sender = note ? "note" : "agent",
                          .client_id = client_id && *client_id ? key : NULL,
                          .text = text,
                          .agent = a->name,
                          .ts = bot_server_now_ms()};
    int rc = store_msg_add(q->srv->store, &m, seq, dup, err);
    if (rc || *dup || note) /* a note: agents only, they see it in the transcript */
        return rc;
    m.seq = *seq;
    char *frame = bot_proto_stored_message(&m, &len);
    visitors_deliver(q, conv_id, frame, len);
    return SN_OK;
}

int bot_queue_transfer(struct bot_queue *q,
                       struct bot_agent *a,
                       const char *conv_id,
                       const char *to,
                       struct sn_err *err)
{
    struct bot_agent *b;
    struct store_route r;
    size_t len;
    int i = chat_index(a, conv_id);
    if (i < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    for (b = q->agents; b; b = b->next)
        if (b->s && b->online && !strcmp(b->login, to))
            break;
    if (!b)
        return sn_err_set(err, SN_ENOTFOUND, "no agent '%s' is online", to);
    if (b == a)
        return sn_err_set(err, SN_EINVAL, "the conversation is yours already");
    if (b->nchats >= q->srv->cfg->agent_capacity)
        return sn_err_set(err, SN_ETOOBIG, "%s has %d chats already (agent_capacity)", to,
                          b->nchats);
    long long now = bot_server_now_ms();
    int rc = store_conv_get(q->srv->store, conv_id, &r, err);
    if (rc == SN_OK)
        rc =
            store_conv_route(q->srv->store, conv_id,
                             bot_conv_state_name(moved(conv_id, BOT_CONV_AGENT, BOT_CONV_TRANSFER)),
                             b->user_id, r.queued_at, NULL, now, err);
    if (rc)
        return rc;
    char id[STORE_ID_MAX], lang[3];
    memcpy(id, a->chats[i].id, sizeof id);
    memcpy(lang, a->chats[i].lang, sizeof lang);
    a->chats[i] = a->chats[--a->nchats];
    char *j = bot_agent_proto_closed(id, "transferred", &len);
    agent_send(a, j, len);
    send_chats(a);
    hand_over(q, b, id, lang, "transfer", now);
    sn_log(SN_LOG_NOTICE, "queue", "event=transferred conv=%s from=%s to=%s", id, a->login,
           b->login);
    changed(q);
    return SN_OK;
}

int bot_queue_close(struct bot_queue *q,
                    struct bot_agent *a,
                    const char *conv_id,
                    const char *resolution,
                    struct sn_err *err)
{
    int i = chat_index(a, conv_id);
    long long now = bot_server_now_ms();
    char id[STORE_ID_MAX], lang[3];
    size_t len;
    if (i < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    enum bot_conv_state to = moved(conv_id, BOT_CONV_AGENT, BOT_CONV_CLOSE);
    int rc = store_conv_route(q->srv->store, conv_id, bot_conv_state_name(to), a->user_id, 0,
                              resolution, now, err);
    if (rc)
        return rc;
    memcpy(id, a->chats[i].id, sizeof id);
    memcpy(lang, a->chats[i].lang, sizeof lang);
    if (a->chats[i].assigned_at) {
        q->handled_ms[q->handled_next] = now - a->chats[i].assigned_at;
        q->handled_next = (q->handled_next + 1) % ETA_SAMPLES;
        if (q->nhandled < ETA_SAMPLES)
            q->nhandled++;
    }
    a->chats[i] = a->chats[--a->nchats];
    visitors_state(q, id, to);
    system_text(q, id, BOT_TEXT_AGENT_CLOSED, lang, NULL);
    char *j = bot_agent_proto_visitor_closed(resolution, &len);
    visitors_send(q, id, j, len);
    sn_log(SN_LOG_NOTICE, "queue", "event=closed conv=%s agent=%s resolution=%s", id, a->login,
           resolution);
    j = bot_agent_proto_closed(id, resolution, &len);
    agent_send(a, j, len);
    send_chats(a);
    changed(q);
    return SN_OK;
}
