/* The agent queue and routing (see queue.h). */
#include "bot/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/agent_proto.h"
#include "bot/agents.h"
#include "bot/auth.h"
#include "bot/batch.h"
#include "bot/case.h"
#include "bot/casereply.h"
#include "bot/cases.h"
#include "bot/cluster.h"
#include "bot/cluster_queue.h"
#include "bot/config.h"
#include "bot/conv.h"
#include "bot/convs.h"
#include "bot/dialogue.h"
#include "bot/escalate.h"
#include "bot/metrics.h"
#include "bot/proto.h"
#include "bot/route.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/sla.h"
#include "bot/store.h"
#include "bot/visitor.h"

#define TRANSCRIPT_MAX 100000

_Static_assert(STORE_CASE_REF_MAX >= BOT_CASE_REF_MAX, "case references fit the store");

_Static_assert(BOT_ROUTE_ID_MAX == STORE_ID_MAX, "conversation ids fit the queue");
_Static_assert(BOT_ROUTE_LAST_MAX == STORE_LAST_TEXT_MAX, "the last question fits the queue");
_Static_assert(BOT_AGENTS_LOGIN_MAX == BOT_AUTH_LOGIN_MAX + 1, "logins fit an agent");
_Static_assert(BOT_AGENTS_NAME_MAX == BOT_AUTH_NAME_MAX * 4 + 1, "names fit an agent");
_Static_assert(BOT_ROUTE_REF_MAX == STORE_CASE_REF_MAX, "case references fit routing");
_Static_assert(BOT_ROUTE_DEPT_MAX == STORE_PROFILE_DEPT_MAX + 1, "departments fit routing");
_Static_assert(BOT_ROUTE_SLA_FIRST == STORE_SLA_FIRST &&
                   BOT_ROUTE_SLA_RESOLVE == STORE_SLA_RESOLVE && BOT_SLA_FIRST == STORE_SLA_FIRST &&
                   BOT_SLA_RESOLVE == STORE_SLA_RESOLVE,
               "one meaning for the SLA bits");

/* The queue is the glue between routing's decisions (bot/route.h, bot/agents.h: pure, no
 * store, no sockets) and their effects: each change checks the state table, writes the
 * store, updates routing's memory, then tells the visitors and the agents. */
struct bot_queue {
    struct bot_server *srv;
    struct bot_route *route;   /* the FIFO, positions, the ETA */
    struct bot_agents *agents; /* connected agents, their chats, gone agents' grace */
    char *agents_last;         /* the last "agents" frame pushed (owned), NULL before any */
    struct bot_cq *cq;         /* the queue across nodes (store postgres), NULL: one node */
    struct bot_cluster *cl;    /* the cluster it is attached to (borrowed), NULL: none */
};

/* --- sending ----------------------------------------------------------------------------- */

static void agent_send(struct bot_agent *a, char *json, size_t len)
{
    bot_session_send(a->conn, json, len);
}

/* Calls fn for each visitor session of conv (bot/convs.h), on a copy of the list so
 * that fn may close one. */
#define VISITORS_STACK 8
static void each_visitor(struct bot_queue *q,
                         const char *conv,
                         void (*fn)(struct bot_session *s, const void *ctx),
                         const void *ctx)
{
    struct bot_session *buf[VISITORS_STACK], **v = buf;
    size_t n = bot_convs_conns(q->srv->convs, conv, (void **)buf, VISITORS_STACK);
    if (n > VISITORS_STACK) {
        v = sn_xcalloc(n, sizeof *v);
        bot_convs_conns(q->srv->convs, conv, (void **)v, n);
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
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_SYSTEM);
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

/* The notice each move leaves in the transcript (bot/texts.h), + 1; 0: none (a handoff's
 * notice is the bot's own turn). */
#define NOTE(t) ((t) + 1)
static const int notice[BOT_CONV_NEVENTS] = {
    [BOT_CONV_ASSIGN] = NOTE(BOT_TEXT_AGENT_JOINED),
    [BOT_CONV_TRANSFER] = NOTE(BOT_TEXT_AGENT_JOINED),
    [BOT_CONV_CLOSE] = NOTE(BOT_TEXT_AGENT_CLOSED),
    [BOT_CONV_LEAVE] = NOTE(BOT_TEXT_QUEUE_LEFT),
    [BOT_CONV_REQUEUE] = NOTE(BOT_TEXT_AGENT_GONE),
    [BOT_CONV_EXPIRE] = NOTE(BOT_TEXT_QUEUE_ABANDONED),
};

/* The case event each move is (bot/case.h), + 1, and who makes it when the move does not
 * say (mv->actor); a close is solved or closed by its resolution (bot_case_close_event). */
#define CASE_EV(e) ((e) + 1)
static const struct {
    int ev;
    const char *actor;
} case_of_move[BOT_CONV_NEVENTS] = {
    [BOT_CONV_HANDOFF] = {CASE_EV(BOT_CASE_QUEUED), "system"},
    [BOT_CONV_ASSIGN] = {CASE_EV(BOT_CASE_ASSIGNED), "system"},
    [BOT_CONV_TRANSFER] = {CASE_EV(BOT_CASE_TRANSFERRED), "system"},
    [BOT_CONV_CLOSE] = {CASE_EV(BOT_CASE_SOLVED_EV), "system"},
    [BOT_CONV_LEAVE] = {CASE_EV(BOT_CASE_LEFT), "visitor"},
    [BOT_CONV_REQUEUE] = {CASE_EV(BOT_CASE_REQUEUED), "system"},
    [BOT_CONV_EXPIRE] = {CASE_EV(BOT_CASE_LEFT), "system"},
    /* the escalated or transferred event is written before the move (bot_queue_to_department:
     * the department is set before the conversation is queued again); the move queues it */
    [BOT_CONV_ESCALATE] = {CASE_EV(BOT_CASE_QUEUED), "system"},
    [BOT_CONV_TO_DEPT] = {CASE_EV(BOT_CASE_QUEUED), "system"},
};

/* The visitor id of conv as its first tab said it in hello ("" when none or not in memory). */
static const char *visitor_of(const struct bot_server *srv, const char *conv)
{
    const struct bot_conv *c = bot_convs_find(srv->convs, conv);
    return c ? c->visitor : "";
}

/* The move's row in the conversation's case timeline. Entering the queue makes sure the
 * conversation has its case (one queued again after a restart, or from before cases, gets
 * one here). The move is done whatever happens: a failure is logged. */
static void case_moved(struct bot_server *srv, const struct bot_conv_move *mv)
{
    struct sn_err e = {0};
    int rc = SN_OK;
    if (!case_of_move[mv->ev].ev)
        return;
    if (mv->ev == BOT_CONV_HANDOFF || mv->ev == BOT_CONV_REQUEUE)
        rc = bot_cases_handoff(srv->store, mv->conv, visitor_of(srv, mv->conv),
                               srv->cfg->reopen_days, NULL, NULL, mv->now, NULL, &e);
    enum bot_case_event ev = mv->ev == BOT_CONV_CLOSE
                                 ? bot_case_close_event(mv->resolution)
                                 : (enum bot_case_event)(case_of_move[mv->ev].ev - 1);
    if (rc == SN_OK)
        rc = bot_cases_event(srv->store, mv->conv, ev,
                             mv->actor ? mv->actor : case_of_move[mv->ev].actor, mv->agent_login,
                             mv->detail, mv->now, &e);
    if (rc && rc != SN_ENOTFOUND)
        sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=%s err=\"%s\"", mv->conv,
               bot_case_event_name(ev), e.msg);
}

void bot_queue_moved(void *srv,
                     const struct bot_conv_move *mv,
                     enum bot_conv_state from,
                     enum bot_conv_state to)
{
    struct bot_queue *q = ((struct bot_server *)srv)->queue;
    (void)from;
    (void)to;
    case_moved(srv, mv);
    if (q && notice[mv->ev])
        system_text(q, mv->conv, (enum bot_text)(notice[mv->ev] - 1), mv->lang, mv->agent_name);
}

/* The case timeline's row for what an agent or a visitor did that is not a move (a reply, a
 * note, a message while an agent has the chat): detail {"seq"}. Logged when it fails. */
static void case_note(
    struct bot_queue *q, const char *conv, enum bot_case_event ev, const char *actor, long long seq)
{
    struct sn_err e = {0};
    char detail[48];
    snprintf(detail, sizeof detail, "{\"seq\":%lld}", seq);
    int rc = bot_cases_event(q->srv->store, conv, ev, actor, NULL, detail, bot_server_now_ms(), &e);
    if (rc && rc != SN_ENOTFOUND)
        sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=%s err=\"%s\"", conv,
               bot_case_event_name(ev), e.msg);
}

/* Moves conv by ev (bot/convs.h: the table, the store, memory, then bot_queue_moved), with
 * who made it and its detail for the case timeline (struct bot_conv_move). A refusal means
 * routing and the conversation disagree: a bug, logged. */
static int move_by(struct bot_queue *q,
                   const char *conv,
                   enum bot_conv_event ev,
                   long long agent_id,
                   long long queued_at,
                   const char *resolution,
                   const char *agent_name,
                   const char *lang,
                   const char *agent_login,
                   const char *actor,
                   const char *detail,
                   struct sn_err *e)
{
    struct bot_conv_move mv = {.conv = conv,
                               .ev = ev,
                               .agent_id = agent_id,
                               .queued_at = queued_at,
                               .resolution = resolution,
                               .agent_name = agent_name,
                               .lang = lang,
                               .now = bot_server_now_ms(),
                               .actor = actor,
                               .detail = detail,
                               .agent_login = agent_login};
    int rc = bot_convs_move(q->srv->convs, &mv, NULL, e);
    if (rc)
        sn_log(SN_LOG_ERR, "queue", "event=move_failed conv=%s on=%s err=\"%s\"", conv,
               bot_conv_event_name(ev), e->msg);
    return rc;
}

/* move_by with nobody named: the event says who (case_of_move). */
static int move(struct bot_queue *q,
                const char *conv,
                enum bot_conv_event ev,
                long long agent_id,
                long long queued_at,
                const char *resolution,
                const char *agent_name,
                const char *lang,
                struct sn_err *e)
{
    return move_by(q, conv, ev, agent_id, queued_at, resolution, agent_name, lang, NULL, NULL, NULL,
                   e);
}

/* --- snapshots ---------------------------------------------------------------------------- */

/* --- the queue across nodes (bot/cluster_queue.h) ------------------------------------------- */

/* How long a node's agents rows count after its last beat: its lease. */
static long long lease_ms(const struct bot_queue *q)
{
    return (long long)q->srv->cfg->node_lease * 1000;
}

/* Online agents on the other nodes (0 on one node). */
static int online_elsewhere(const struct bot_queue *q)
{
    int n;
    const struct bot_cq_agent *v = bot_cq_others(q->cq, &n);
    return bot_cq_online(v, n, bot_server_now_ms(), lease_ms(q));
}

/* Online agents on every node. */
static int online_all(const struct bot_queue *q)
{
    return bot_agents_online(q->agents) + online_elsewhere(q);
}

static int eta_minutes(const struct bot_queue *q, int position)
{
    return bot_route_eta(q->route, online_all(q), position);
}

/* --- the cases' routing: department, priority, the SLA clock (issue 15) ---------------- */

/* Routing's copy of case c. */
static void route_case_of(const struct store_case *c, struct bot_route_case *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->ref, sizeof out->ref, "%s", c->ref);
    snprintf(out->dept, sizeof out->dept, "%s", c->department);
    out->prio = c->priority;
    out->created = c->created;
    out->first_response = c->first_response_at;
    out->breached = c->sla_breached;
    out->tier = c->tier < 1 ? 1 : c->tier;
}

/* Routing's copy of conv's newest case, as the store has it now (the truth: a case whose
 * department changed since it was last queued lands in its new one); without a case (or
 * when the store cannot say) normal priority, no department, no clock. */
static void case_copy(struct bot_queue *q, const char *conv, struct bot_route_case *out)
{
    struct store_case c;
    if (store_case_find(q->srv->store, STORE_CASE_BY_CONV, conv, &c, NULL) == SN_OK) {
        route_case_of(&c, out);
        return;
    }
    memset(out, 0, sizeof *out);
    out->prio = BOT_PRIO_NORMAL;
    out->tier = 1;
}

/* Queues conv (bot_route_push_case) with its case read from the store: every path into the
 * queue goes through here. */
static struct bot_route_item *push_conv(struct bot_queue *q,
                                        const char *conv,
                                        const char *lang,
                                        long long queued_at,
                                        const char *last,
                                        int front)
{
    struct bot_route_case c;
    case_copy(q, conv, &c);
    /* across nodes the order is the store's (priority, queued_at, id) on every node: a chat
     * whose agent went keeps its first queued_at, which puts it before those queued since */
    return bot_route_push_case(q->route, conv, lang, queued_at, last, q->cq ? 0 : front, &c);
}

/* The department as bot/dept.h takes it: NULL for none. */
static const char *dept_of(const struct bot_route_case *c)
{
    return c->dept[0] ? c->dept : NULL;
}

/* The SLA rule of c (NULL: none applies, or it has no case). */
static const struct bot_sla_rule *rule_of(const struct bot_queue *q, const struct bot_route_case *c)
{
    return c->created ? bot_sla_find(&q->srv->cfg->sla, dept_of(c), c->prio) : NULL;
}

/* Adds c's routing to the item appended last to l at now; fallback -1 for none. */
static void list_routing(const struct bot_queue *q,
                         struct bot_agent_proto_list *l,
                         const struct bot_route_case *c,
                         int with_ref,
                         int fallback,
                         long long now)
{
    const struct bot_sla_rule *rule = rule_of(q, c);
    struct bot_sla_state st;
    bot_sla_check(rule, c->created, c->first_response, 0, now, &st);
    struct bot_agent_proto_routing r = {.case_ref = with_ref ? c->ref : NULL,
                                        .department = c->dept,
                                        .dept = bot_config_dept_find(q->srv->cfg, c->dept),
                                        .priority = c->prio,
                                        .fallback = fallback,
                                        .has_clock = rule != NULL,
                                        .first_running = st.first_running,
                                        .resolve_running = st.resolve_running,
                                        .first_left_s = st.first_left_s,
                                        .resolve_left_s = st.resolve_left_s,
                                        .breached = c->breached |
                                                    (st.first_breached ? BOT_SLA_FIRST : 0) |
                                                    (st.resolve_breached ? BOT_SLA_RESOLVE : 0)};
    bot_agent_proto_list_routing(l, &r);
}

/* 1 when an agent who serves dept (department_agents) is online on another node: a queued
 * chat of dept is not this node's fallback, that node serves it. */
static int dept_elsewhere(const struct bot_queue *q, const char *dept)
{
    int n;
    const struct bot_cq_agent *v = bot_cq_others(q->cq, &n);
    for (int i = 0; i < n; i++)
        if (v[i].online && bot_cq_row_live(&v[i], bot_server_now_ms(), lease_ms(q)) &&
            bot_dept_agent_in(&q->srv->cfg->dept_agents, dept[0] ? dept : NULL, v[i].login))
            return 1;
    return 0;
}

/* bot_agents_dept_fallback over every node. */
static int dept_fallback(const struct bot_queue *q, const char *dept)
{
    return bot_agents_dept_fallback(q->agents, &q->srv->cfg->dept_agents, dept) &&
           !dept_elsewhere(q, dept);
}

static char *queue_frame(const struct bot_queue *q, size_t *len)
{
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("queue");
    long long now = bot_server_now_ms();
    for (const struct bot_route_item *it = bot_route_head(q->route); it; it = it->next) {
        bot_agent_proto_list_queue_item(l, it->id, (now - it->queued_at) / 1000, it->lang,
                                        it->last);
        list_routing(q, l, &it->c, 1, dept_fallback(q, it->c.dept), now);
    }
    return bot_agent_proto_list_finish(l, len);
}

static void send_queue(struct bot_queue *q, struct bot_agent *a)
{
    size_t len;
    char *j = queue_frame(q, &len);
    agent_send(a, j, len);
}

/* The visitor's pre-chat profile of conv into *p; 0 when there is none (or it cannot be
 * read: the chat goes on without it). */
static int profile_of(struct bot_queue *q, const char *conv, struct store_profile *p)
{
    return store_profile_get(q->srv->store, conv, p, NULL) == SN_OK;
}

static void send_chats(struct bot_queue *q, struct bot_agent *a)
{
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("chats");
    struct store_profile p;
    size_t len;
    long long now = bot_server_now_ms();
    for (int i = 0; i < a->nchats; i++) {
        /* the chat's case as routing copied it when the agent got it (a chat changes
         * department or tier only by leaving the agent): no store read per chat per frame */
        const struct bot_route_case *c = &a->chats[i].c;
        bot_agent_proto_list_chat_item(l, a->chats[i].id, a->chats[i].lang,
                                       bot_conv_state_name(BOT_CONV_AGENT));
        bot_agent_proto_list_chat_case(l, c->ref);
        list_routing(q, l, c, 0, -1, now);
        if (c->ref[0]) /* a chat without a case has no department and tier fields */
            bot_agent_proto_list_chat_tier(l, c->dept, c->tier);
        if (profile_of(q, a->chats[i].id, &p))
            bot_agent_proto_list_chat_visitor(l, &p,
                                              bot_config_dept_find(q->srv->cfg, p.department));
    }
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

/* The agents frame's departments (issue 15): each configured one with how many of its agents
 * (department_agents; everyone's when it lists none) are online, and its second line. */
static void agents_depts(const struct bot_queue *q, struct bot_agent_proto_list *l)
{
    const struct bot_config *cfg = q->srv->cfg;
    for (int i = 0; i < cfg->depts.n; i++) {
        const struct bot_config_dept *d = &cfg->depts.v[i];
        int online = 0, n;
        for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
            online += a->online && bot_dept_agent_in(&cfg->dept_agents, d->id, a->login);
        const struct bot_cq_agent *v = bot_cq_others(q->cq, &n);
        for (int k = 0; k < n; k++) /* the other nodes' */
            online += v[k].online && bot_cq_row_live(&v[k], bot_server_now_ms(), lease_ms(q)) &&
                      bot_dept_agent_in(&cfg->dept_agents, d->id, v[k].login);
        bot_agent_proto_list_dept_item(l, d, online, bot_escalate_default(&cfg->escalation, d->id));
    }
}

/* {"type":"agents","items":[…]}: every connected agent with its presence and load, so that
 * a console can offer a transfer to the ones who can take it. */
static char *agents_frame(const struct bot_queue *q, size_t *len)
{
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("agents");
    int n;
    for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        bot_agent_proto_list_agent_item(l, a->login, a->name, a->online, a->nchats,
                                        q->srv->cfg->agent_capacity);
    const struct bot_cq_agent *v = bot_cq_others(q->cq, &n);
    for (int k = 0; k < n; k++) /* agents on the other nodes (a transfer to them is refused) */
        if (bot_cq_row_live(&v[k], bot_server_now_ms(), lease_ms(q)))
            bot_agent_proto_list_agent_item(l, v[k].login, v[k].name, v[k].online, v[k].chats,
                                            v[k].capacity);
    agents_depts(q, l);
    return bot_agent_proto_list_finish(l, len);
}

/* This node's connected agents into agents_live (bot_cq_agents_put writes only a change). A
 * failure is logged: the next change or tick writes them again. */
static void live_put(struct bot_queue *q)
{
    struct sn_err e = {0};
    int n = 0, i = 0;
    if (!q->cq)
        return;
    for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        n++;
    struct bot_cq_agent *v = sn_xcalloc((size_t)n + 1, sizeof *v);
    for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next, i++) {
        v[i].user_id = a->user_id;
        snprintf(v[i].login, sizeof v[i].login, "%s", a->login);
        snprintf(v[i].name, sizeof v[i].name, "%s", a->name);
        v[i].online = a->online;
        v[i].chats = a->nchats;
        v[i].capacity = q->srv->cfg->agent_capacity;
    }
    if (bot_cq_agents_put(q->cq, v, n, bot_server_now_ms(), &e))
        sn_log(SN_LOG_ERR, "cluster", "event=agents_put_failed err=\"%s\"", e.msg);
    free(v);
}

/* Pushes the agents frame to every agent when it changed since the last push (presence, load,
 * a name, who is connected), else to `also` alone (NULL: nobody): a joining agent gets it
 * either way. */
static void push_agents(struct bot_queue *q, struct bot_agent *also)
{
    size_t len;
    live_put(q);
    char *j = agents_frame(q, &len);
    if (q->agents_last && !strcmp(q->agents_last, j)) {
        if (also)
            agent_send(also, j, len);
        else
            free(j);
        return;
    }
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        agent_send(a, sn_xstrndup(j, len), len);
    free(q->agents_last);
    q->agents_last = j;
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
    /* what the visitor has read, for an agent who reconnects or takes the chat over */
    bot_agent_proto_transcript_seen(l, bot_convs_seen(q->srv->convs, conv));
    char *j = bot_agent_proto_list_finish(l, &len);
    agent_send(a, j, len);
}

static void position_one(void *ctx, const struct bot_route_item *it, int pos)
{
    struct bot_queue *q = ctx;
    size_t len;
    char ref[STORE_CASE_REF_MAX];
    bot_cases_ref(q->srv->store, it->id, ref);
    char *j = bot_agent_proto_visitor_queue(pos, eta_minutes(q, pos), ref, &len);
    visitors_send(q, it->id, j, len);
}

/* Tells each queued visitor its position when it changed. */
static void notify_positions(struct bot_queue *q)
{
    bot_route_positions(q->route, position_one, q);
}

/* --- routing ------------------------------------------------------------------------------ */

/* Agent a now holds conv (routing already stored): the visitor is told who joined (a stored
 * system message and a live frame), a gets `assigned` with the transcript and its chats. */
static void hand_over(struct bot_queue *q,
                      struct bot_agent *a,
                      const char *conv,
                      const char *lang,
                      const char *by,
                      const struct bot_agent *from,
                      const char *note,
                      long long now)
{
    size_t len;
    struct bot_route_case rc;
    bot_agents_assign(q->agents, a, conv, lang, now); /* the joined notice is stored */
    case_copy(q, conv, &rc);
    bot_agents_chat_set_case(a, bot_agents_chat_index(a, conv), &rc);
    const char *ref = rc.ref; /* "" without a case, as bot_cases_ref says */
    char *j = bot_agent_proto_visitor_joined(a->name, ref, &len);
    visitors_send(q, conv, j, len);
    struct store_profile p;
    int has = profile_of(q, conv, &p);
    const struct bot_agent_proto_from f = {from ? from->login : NULL, from ? from->name : NULL,
                                           note};
    j = bot_agent_proto_assigned_visitor(
        conv, lang, by, from ? &f : NULL, has ? &p : NULL,
        has ? bot_config_dept_find(q->srv->cfg, p.department) : NULL, ref, &len);
    agent_send(a, j, len);
    send_transcript(q, a, conv);
    send_chats(q, a);
}

/* Across nodes the queue's reads and claims go through their own connection
 * (bot/cluster_queue.h), which sees only committed rows: what this turn of the loop wrote (a
 * handoff's queued state) is committed first, or the reload drops the item it has just queued
 * and the claim waits on the open batch's lock of the same row. */
static void commit_first(struct bot_queue *q)
{
    if (q->cq && bot_batch_flush(q->srv))
        sn_log(SN_LOG_ERR, "queue", "event=commit_failed before=claim");
}

/* Gives queued conversation it to agent a: the table, the store, routing's memory, then
 * the visitors and the agent. */
static int assign(struct bot_queue *q,
                  struct bot_agent *a,
                  const struct bot_route_item *it,
                  const char *by,
                  int fallback,
                  struct sn_err *e)
{
    long long now = bot_server_now_ms();
    char actor[BOT_CASES_ACTOR_MAX];
    json_t *d = json_pack("{s:s, s:s, s:s}", "agent", a->login, "name", a->name, "by", by);
    if (d && fallback) /* not of the case's department: it had nobody available */
        json_object_set_new(d, "fallback", json_true());
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    /* across nodes the claim comes first: one node wins it, the others get SN_ECONFLICT
     * (bot/cluster_queue.h); on one node it always wins */
    commit_first(q);
    int rc = bot_cq_claim(q->cq, it->id, a->user_id, q->srv->cfg->agent_capacity, now, e);
    /* a take is the agent's own doing; an automatic assignment the system's */
    if (rc == SN_OK &&
        (rc = move_by(q, it->id, BOT_CONV_ASSIGN, a->user_id, it->queued_at, NULL, a->name,
                      it->lang, a->login,
                      strcmp(by, "take") ? "system" : bot_cases_agent_actor(a->login, actor),
                      detail, e)))
        bot_cq_unclaim(q->cq, it->id, a->user_id);
    free(detail);
    if (rc)
        return rc;
    char id[STORE_ID_MAX], lang[3];
    long long queued_at = it->queued_at;
    memcpy(id, it->id, sizeof id);
    memcpy(lang, it->lang, sizeof lang);
    if (fallback)
        sn_log(SN_LOG_NOTICE, "queue", "event=fallback conv=%s department=%s agent=%s", id,
               it->c.dept, a->login);
    bot_route_remove(q->route, id); /* frees it */
    bot_metrics_observe(BOT_M_QUEUE_WAIT, (now - queued_at) * 1000);
    sn_log(SN_LOG_NOTICE, "queue", "event=assigned conv=%s agent=%s by=%s waited_ms=%lld", id,
           a->login, by, now - queued_at);
    hand_over(q, a, id, lang, by, NULL, NULL, now);
    return SN_OK;
}

/* Routing items by id, for reload's binary search. */
static int item_cmp(const void *a, const void *b)
{
    const struct bot_route_item *x = *(struct bot_route_item *const *)a;
    const struct bot_route_item *y = *(struct bot_route_item *const *)b;
    return strcmp(x->id, y->id);
}

static int item_key_cmp(const void *key, const void *it)
{
    return strcmp(key, (*(struct bot_route_item *const *)it)->id);
}

/* Across nodes: routing's queue becomes the store's (bot_cq_queued): what another node
 * assigned, or what left the queue there, goes; what was queued there comes, with its case;
 * a case whose priority or department changed there takes its new place. A failed read
 * leaves the queue as it was (logged; the next tick reads again). */
static void reload(struct bot_queue *q)
{
    struct sn_err e = {0};
    struct bot_cq_item *v;
    struct store_route r;
    int n, k = 0;
    if (!q->cq)
        return;
    commit_first(q);
    if (bot_cq_queued(q->cq, &v, &n, &e)) {
        sn_log(SN_LOG_ERR, "cluster", "event=reload_failed err=\"%s\"", e.msg);
        return;
    }
    /* what the store no longer has queued goes (both sides sorted by id: no walk of the list
     * per item, a queue of thousands is read every second) */
    for (struct bot_route_item *it = bot_route_head(q->route), *next; it; it = next) {
        next = it->next;
        if (!bot_cq_items_has(v, n, it->id))
            bot_route_remove(q->route, it->id); /* frees it */
    }
    int len = bot_route_len(q->route);
    struct bot_route_item **mine = sn_xcalloc((size_t)len + 1, sizeof *mine);
    for (struct bot_route_item *it = bot_route_head(q->route); it; it = it->next)
        mine[k++] = it;
    qsort(mine, (size_t)k, sizeof *mine, item_cmp);
    for (int i = 0; i < n; i++) {
        struct bot_route_item **hit = bsearch(v[i].id, mine, (size_t)k, sizeof *mine, item_key_cmp);
        struct bot_route_item *it = hit ? *hit : NULL;
        /* without a case routing has it at normal priority (case_copy) */
        int prio = v[i].prio < 0 ? BOT_PRIO_NORMAL : v[i].prio;
        if (it && (it->c.prio != prio || strcmp(it->c.dept, v[i].dept))) {
            struct bot_route_case c; /* changed on another node: its new place */
            case_copy(q, it->id, &c);
            bot_route_set_case(q->route, it, &c);
        } else if (!it && store_conv_get(q->srv->store, v[i].id, &r, &e) == SN_OK)
            push_conv(q, r.id, r.lang, r.queued_at, r.last_text, 0); /* queued elsewhere */
    }
    free(mine);
    free(v);
}

/* Claims lost to other nodes in one change before routing waits for the next one (each loss
 * reloads: the winner's conversation is gone from the queue by then). */
#define CLAIM_RETRIES 32

/* After any change: route (auto), push the queue to the agents when it changed, and tell
 * the visitors their new positions. */
static void changed(struct bot_queue *q)
{
    struct sn_err e = {0};
    struct bot_agent *a;
    struct bot_agents_choice ch;
    const struct bot_config *cfg = q->srv->cfg;
    int lost = 0, rc;
    /* across nodes an agent here is free: the queue is read from the store first, so that
     * it takes the head of the one order, not of what this node last saw */
    if (q->cq && !cfg->routing_pick &&
        bot_agents_route(q->agents, bot_route_head(q->route), &cfg->dept_agents,
                         cfg->agent_capacity, &ch))
        reload(q);
    /* auto: the first item an agent may serve (its department's, else anyone when the
     * department has nobody available) to the best of them; pick: the agents take */
    while (!cfg->routing_pick && bot_agents_route(q->agents, bot_route_head(q->route),
                                                  &cfg->dept_agents, cfg->agent_capacity, &ch)) {
        /* across nodes: its department has an agent online on another node, which serves
         * it; routing here waits for the next change (by then that node has it) */
        if (ch.fallback && dept_elsewhere(q, ch.item->c.dept))
            break;
        if ((rc = assign(q, ch.agent, ch.item, "auto", ch.fallback, &e))) {
            /* the store failed, or the agent is full with its chats on another node's
             * console (SN_ETOOBIG): routing tries again at the next change */
            if (rc != SN_ECONFLICT || ++lost > CLAIM_RETRIES)
                break;
            reload(q); /* another node won it: the next in the store's order */
        }
    }
    if (bot_route_changed(q->route)) {
        size_t len;
        char *j = queue_frame(q, &len);
        for (a = bot_agents_first(q->agents); a; a = a->next)
            bot_session_send(a->conn, sn_xstrndup(j, len), len);
        free(j);
    }
    notify_positions(q);
    push_agents(q, NULL);
}

static int load_one(void *ctx, const struct store_route *r)
{
    struct bot_queue *q = ctx;
    struct sn_err e = {0};
    /* queued by a binary from before cases: its case is made now (a read for the others) */
    if (bot_cases_handoff(q->srv->store, r->id, NULL, q->srv->cfg->reopen_days, NULL, NULL,
                          bot_server_now_ms(), NULL, &e))
        sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=load err=\"%s\"", r->id, e.msg);
    push_conv(q, r->id, r->lang, r->queued_at, r->last_text, 0);
    return 0;
}

/* --- the grace periods ------------------------------------------------------------------ */

static int grace_of(void *ctx, const struct store_route *r)
{
    struct bot_queue *q = ctx;
    bot_agents_grace(q->agents, r->agent_id,
                     bot_server_now_ms() + (long long)q->srv->cfg->agent_grace * 1000);
    return 0;
}

/* Puts a chat of a gone agent back at the head of the queue and tells the visitor. */
static int requeue_one(void *ctx, const struct store_route *r)
{
    struct bot_queue *q = ctx;
    struct sn_err e = {0};
    if (move(q, r->id, BOT_CONV_REQUEUE, 0, r->queued_at, NULL, NULL, r->lang, &e))
        return 0;
    push_conv(q, r->id, r->lang, r->queued_at, r->last_text, 1); /* waited longest */
    sn_log(SN_LOG_NOTICE, "queue", "event=requeued conv=%s agent_id=%lld", r->id, r->agent_id);
    return 0;
}

/* A gone agent's grace ended: its chats (in the store) go back to the queue. */
static void agent_due(void *ctx, long long user_id)
{
    struct bot_queue *q = ctx;
    struct sn_err e = {0};
    /* across nodes the agent may be back on another one: its chats are its own there */
    if (bot_cq_elsewhere(q->cq, user_id, 1)) {
        sn_log(SN_LOG_NOTICE, "queue", "event=grace_ended agent_id=%lld on=other_node", user_id);
        return;
    }
    if (store_conv_each(q->srv->store, bot_conv_state_name(BOT_CONV_AGENT), user_id, requeue_one, q,
                        &e))
        sn_log(SN_LOG_ERR, "queue", "event=requeue_failed agent_id=%lld err=\"%s\"", user_id,
               e.msg);
}

static int visitor_present(void *ctx, const char *conv)
{
    struct bot_queue *q = ctx;
    /* across nodes: its visitor may be on another node (visitors_live, as of the last tick) */
    return bot_convs_conns(q->srv->convs, conv, NULL, 0) > 0 ||
           bot_cq_visitor_elsewhere(q->cq, conv);
}

/* This node's queued visitors with a socket into visitors_live (a change only; a failure is
 * logged, the next tick writes them again). */
static void visitors_put(struct bot_queue *q)
{
    struct sn_err e = {0};
    int n = 0;
    if (!q->cq)
        return;
    const char **v = sn_xcalloc((size_t)bot_route_len(q->route) + 1, sizeof *v);
    for (const struct bot_route_item *it = bot_route_head(q->route); it; it = it->next)
        if (bot_convs_conns(q->srv->convs, it->id, NULL, 0) > 0)
            v[n++] = it->id;
    if (bot_cq_visitors_put(q->cq, v, n, &e))
        sn_log(SN_LOG_ERR, "cluster", "event=visitors_put_failed err=\"%s\"", e.msg);
    free(v);
}

/* A queued visitor gone past `visitor_grace`: the conversation goes back to the bot, so
 * agents do not take empty chats. 0 once stored (routing then drops it). */
static int visitor_expired(void *ctx, const struct bot_route_item *it)
{
    struct bot_queue *q = ctx;
    struct sn_err e = {0};
    long long now = bot_server_now_ms();
    int rc = move(q, it->id, BOT_CONV_EXPIRE, 0, 0, NULL, NULL, it->lang, &e);
    if (rc)
        return rc == SN_ECONFLICT ? 0 : -1; /* not queued after all: out of the FIFO */
    sn_log(SN_LOG_NOTICE, "queue", "event=abandoned conv=%s waited_ms=%lld", it->id,
           now - it->queued_at);
    return 0;
}

void bot_queue_revalidate(struct bot_queue *q, long long now)
{
    struct bot_agent *a, *next;
    if (!q->srv->auth)
        return;
    bot_batch_flush(q->srv); /* the accounts' connection may write (bot/batch.h) */
    for (a = bot_agents_first(q->agents); a; a = next) {
        struct bot_user u;
        struct sn_err e = {0};
        next = a->next;
        int rc = bot_auth_session_get(q->srv->auth, a->session, now, &u, &e);
        if (rc == SN_OK && bot_auth_role_allows(u.role, BOT_ROLE_AGENT)) {
            /* a new display name (PATCH /api/me): visitors see it from the next message */
            bot_agents_set_name(a, u.name);
            continue;
        }
        if (rc != SN_OK && rc != SN_ENOTFOUND) { /* the store failed: not a revocation */
            sn_log(SN_LOG_ERR, "queue", "event=session_check_failed agent=%s err=\"%s\"", a->login,
                   e.msg);
            continue;
        }
        struct bot_session *s = a->conn;
        sn_log(SN_LOG_NOTICE, "queue", "event=agent_revoked agent=%s why=%s", a->login,
               rc ? "session" : "role");
        /* out of routing now (no new chats; its chats get the usual grace), then closed */
        bot_queue_agent_leave(q, a);
        bot_session_close(s, BOT_SESSION_CLOSE_REVOKED);
    }
    push_agents(q, NULL); /* a name changed, or an agent left */
}

/* --- the SLA clock ----------------------------------------------------------------------- */

/* Tells the agents of c's department (connected, whatever their presence; everyone when it
 * has nobody listed) that target of conv's case was missed. */
static void
sla_alert(struct bot_queue *q, const char *conv, const struct bot_route_case *c, int target)
{
    size_t len;
    char *j = bot_agent_proto_sla_breach(conv, c->ref, target, c->dept, c->prio, &len);
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        if (bot_dept_agent_in(&q->srv->cfg->dept_agents, dept_of(c), a->login))
            agent_send(a, sn_xstrndup(j, len), len);
    free(j);
}

/* The targets due (bot_sla_due) of conv, whose case routing has as *c, are recorded on the
 * case (bot_cases_breach: its bit, the raised priority, the event), c takes the case as stored
 * and the department's agents are alerted. Whatever the store says, c gets the bits: a
 * failure is logged once, not every second. */
static void
sla_record(struct bot_queue *q, const char *conv, struct bot_route_case *c, int due, long long now)
{
    static const int targets[] = {BOT_SLA_FIRST, BOT_SLA_RESOLVE};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        struct store_case sc;
        struct sn_err e = {0};
        int recorded;
        if (!(due & targets[i]))
            continue;
        int rc = bot_cases_breach(q->srv->store, conv, targets[i], &q->srv->cfg->prio_rules, now,
                                  &sc, &recorded, &e);
        if (rc == SN_OK)
            route_case_of(&sc, c);
        c->breached |= targets[i];
        if (rc && rc != SN_ENOTFOUND)
            sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=sla_breached err=\"%s\"",
                   conv, e.msg);
        if (rc || !recorded)
            continue;
        sn_log(SN_LOG_NOTICE, "queue", "event=sla_breached conv=%s case=%s target=%s priority=%s",
               conv, c->ref, targets[i] == BOT_SLA_FIRST ? "first" : "resolve",
               bot_priority_name(c->prio));
        sla_alert(q, conv, c, targets[i]);
    }
}

/* The SLA clock at now, from routing's memory (no store read unless a target is due): each
 * queued case (its place changes with a raised priority) and each case a connected agent
 * holds. Chats of gone agents are checked when they are requeued or their agent is back. */
static void sla_tick(struct bot_queue *q, long long now)
{
    struct bot_route_item *it;
    int due = 0;
    /* one due item at a time: a raised priority re-sorts the queue under the walk; every
     * round records at least one bit in memory, so this ends */
    for (int round = 0; round <= 2 * bot_route_len(q->route); round++) {
        for (it = bot_route_head(q->route); it; it = it->next)
            if ((due = bot_sla_due(rule_of(q, &it->c), it->c.created, it->c.first_response, now,
                                   it->c.breached)))
                break;
        if (!it)
            break;
        struct bot_route_case c = it->c;
        sla_record(q, it->id, &c, due, now);
        bot_route_set_case(q->route, it, &c);
    }
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next) {
        int sent = 0;
        for (int i = 0; i < a->nchats; i++) {
            struct bot_route_case c = a->chats[i].c;
            due = bot_sla_due(rule_of(q, &c), c.created, c.first_response, now, c.breached);
            if (!due)
                continue;
            sla_record(q, a->chats[i].id, &c, due, now);
            bot_agents_chat_set_case(a, i, &c);
            sent = 1;
        }
        if (sent) /* its chats' priorities and clocks */
            send_chats(q, a);
    }
}

/* The users who hold chats and have no console anywhere (a dead node's agents, connected or
 * within their grace there) get agent_grace from now here, unless connected here. */
static void adopt_orphans(struct bot_queue *q, long long now)
{
    struct sn_err e = {0};
    long long *users;
    int n;
    if (bot_cq_orphans(q->cq, &users, &n, &e)) {
        sn_log(SN_LOG_ERR, "cluster", "event=orphans_failed err=\"%s\"", e.msg);
        return;
    }
    for (int i = 0; i < n; i++) {
        int here = 0;
        for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
            here |= a->user_id == users[i];
        if (!here)
            bot_agents_grace(q->agents, users[i], now + (long long)q->srv->cfg->agent_grace * 1000);
    }
    free(users);
}

void bot_queue_node_dead(struct bot_queue *q, const char *node)
{
    struct sn_err e = {0};
    long long now = bot_server_now_ms();
    if (!q->cq)
        return;
    if (bot_cq_take_node(q->cq, node, &e)) /* its agents are nobody now */
        sn_log(SN_LOG_ERR, "cluster", "event=take_node_failed node=%s err=\"%s\"", node, e.msg);
    sn_log(SN_LOG_NOTICE, "queue", "event=node_taken_over node=%s grace_s=%d", node,
           q->srv->cfg->agent_grace);
    adopt_orphans(q, now);
}

static void node_dead(void *ctx, const char *node)
{
    bot_queue_node_dead(ctx, node);
}

/* The tick's part across nodes: the beat, dead nodes taken over, the other nodes' agents and
 * the queue read again (also the fallback for a notification that never came). */
static void cluster_tick(struct bot_queue *q, long long now)
{
    struct sn_err e = {0};
    int notified;
    if (!q->cq)
        return;
    /* with a cluster its lease and its on_node_dead say who died; without, this module's */
    if (bot_cq_tick(q->cq, now, lease_ms(q), q->cl ? NULL : node_dead, q, &notified, &e))
        sn_log(SN_LOG_ERR, "cluster", "event=tick_failed err=\"%s\"", e.msg);
    live_put(q); /* rows lost with a connection reset are written again */
    reload(q);
    visitors_put(q);
}

/* sanad_queue from the cluster's listener: payload the node that changed the queue (any
 * text: a forged one costs a reload at most). */
static void on_queue_note(void *ctx, const char *channel, const char *payload)
{
    struct bot_queue *q = ctx;
    (void)channel;
    if (!strcmp(payload, bot_cq_node(q->cq)))
        return; /* our own */
    reload(q);
    changed(q);
}

/* The cluster's listener is back after a loss: what was missed is read from the store. */
static void on_catchup(void *ctx)
{
    struct bot_queue *q = ctx;
    reload(q);
    changed(q);
}

static void publish_via_cluster(void *ctx, const char *node)
{
    if (bot_cluster_publish(ctx, BOT_CQ_CHANNEL, node))
        sn_log(SN_LOG_ERR, "cluster", "event=queue_publish_refused node=%s", node);
}

void bot_queue_cluster_attach(struct bot_queue *q, struct bot_cluster *cl)
{
    if (!q || !q->cq) /* NULL: a start that failed before the queue */
        return;
    if (!cl) { /* the cluster is closing: nothing reaches it from now on */
        q->cl = NULL;
        bot_cq_set_publish(q->cq, NULL, NULL);
        return;
    }
    q->cl = cl;
    bot_cq_set_node(q->cq, bot_cluster_node_id(cl));
    bot_cq_set_publish(q->cq, publish_via_cluster, cl);
    if (bot_cluster_on(cl, BOT_CQ_CHANNEL, on_queue_note, q) ||
        bot_cluster_on_node_dead(cl, node_dead, q) || bot_cluster_on_catchup(cl, on_catchup, q))
        sn_log(SN_LOG_ERR, "cluster", "event=queue_hooks_refused");
    live_put(q); /* under the cluster's name */
}

void bot_queue_tick(struct bot_queue *q, long long now)
{
    cluster_tick(q, now);
    bot_queue_revalidate(q, now);
    sla_tick(q, now);
    bot_agents_due(q->agents, now, agent_due, q);
    bot_route_sweep(q->route, now, (long long)q->srv->cfg->visitor_grace * 1000, visitor_present,
                    visitor_expired, q);
    changed(q);
}

struct bot_queue *bot_queue_new(struct bot_server *srv, struct sn_err *err)
{
    struct bot_queue *q = sn_xcalloc(1, sizeof *q);
    q->srv = srv;
    q->route = bot_route_new();
    q->agents = bot_agents_new();
    char node[BOT_CQ_NODE_MAX];
    bot_cq_node_of(srv->cfg, node);
    if (bot_cq_open(srv->cfg, node, &q->cq, err)) {
        bot_queue_free(q);
        return NULL;
    }
    if (store_conv_each(srv->store, bot_conv_state_name(BOT_CONV_QUEUED), 0, load_one, q, err)) {
        bot_queue_free(q);
        return NULL;
    }
    /* chats held by agents before a restart: theirs for the grace period after it */
    if (store_conv_each(srv->store, bot_conv_state_name(BOT_CONV_AGENT), 0, grace_of, q, err)) {
        bot_queue_free(q);
        return NULL;
    }
    bot_route_changed(q->route); /* nobody to tell yet */
    if (bot_route_len(q->route))
        sn_log(SN_LOG_NOTICE, "queue", "event=loaded queued=%d", bot_route_len(q->route));
    return q;
}

void bot_queue_free(struct bot_queue *q)
{
    if (!q)
        return;
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        ((struct bot_session *)a->conn)->agent = NULL;
    bot_agents_free(q->agents);
    bot_route_free(q->route);
    bot_cq_close(q->cq);
    free(q->agents_last);
    free(q);
}

/* --- visitor side ------------------------------------------------------------------------- */

void bot_queue_enqueue(struct bot_queue *q, const char *conv_id)
{
    struct sn_err e = {0};
    struct store_route r;
    if (bot_route_find(q->route, conv_id, NULL) || bot_agents_holder(q->agents, conv_id))
        return;
    enum bot_conv_state from;
    if (store_conv_get(q->srv->store, conv_id, &r, &e))
        return;
    bot_conv_state_parse(r.state, &from); /* a state another version wrote: as the bot's */
    if (from == BOT_CONV_AGENT && r.agent_id)
        return; /* an agent has it (not connected) */
    /* held by an agent no longer known: it goes back to the queue as a gone agent's does */
    long long now = bot_server_now_ms();
    if (move(q, conv_id, from == BOT_CONV_AGENT ? BOT_CONV_REQUEUE : BOT_CONV_HANDOFF, 0, now, NULL,
             NULL, r.lang, &e))
        return;
    reload(q); /* across nodes: its place among every node's, its first position right */
    push_conv(q, conv_id, r.lang, now, r.last_text, 0); /* a no-op when reload queued it */
    sn_log(SN_LOG_NOTICE, "queue", "event=queued conv=%s position=%d", conv_id,
           bot_route_len(q->route));
    changed(q);
}

int bot_queue_leave(struct bot_queue *q, const char *conv_id, struct sn_err *err)
{
    struct bot_route_item *it = bot_route_find(q->route, conv_id, NULL);
    if (!it)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not in the queue");
    int rc = move(q, conv_id, BOT_CONV_LEAVE, 0, 0, NULL, NULL, it->lang, err);
    if (rc)
        return rc;
    sn_log(SN_LOG_NOTICE, "queue", "event=left conv=%s waited_ms=%lld", conv_id,
           bot_server_now_ms() - it->queued_at);
    bot_route_remove(q->route, conv_id);
    changed(q);
    return SN_OK;
}

void bot_queue_visitor_hello(struct bot_queue *q, struct bot_session *s)
{
    const char *conv = bot_session_conv_id(s);
    int pos;
    size_t len;
    if (bot_route_find(q->route, conv, &pos)) {
        char ref[STORE_CASE_REF_MAX];
        bot_cases_ref(q->srv->store, conv, ref);
        char *j = bot_agent_proto_visitor_queue(pos, eta_minutes(q, pos), ref, &len);
        bot_session_send(s, j, len);
        const char *why = bot_queue_offline_reason(q);
        if (why) { /* as after the handoff: the reloaded widget offers the form again */
            j = bot_proto_offline(why, ref, &len);
            bot_session_send(s, j, len);
        }
        return;
    }
    bot_queue_enqueue(q, conv); /* queued in the store but not here: queue it now */
}

void bot_queue_visitor_message(struct bot_queue *q, const struct store_msg *m)
{
    struct bot_route_item *it = bot_route_find(q->route, m->conv_id, NULL);
    struct bot_agent *a;
    size_t n;
    if (it) {
        bot_route_set_last(q->route, it, m->text);
        changed(q);
    } else if ((a = bot_agents_holder(q->agents, m->conv_id))) {
        char *j = bot_agent_proto_relay(m, &n);
        agent_send(a, j, n);
    }
    const struct bot_conv *c = bot_convs_find(q->srv->convs, m->conv_id);
    if (!it && c && c->state == BOT_CONV_AGENT) /* an agent has it (connected or in grace) */
        case_note(q, m->conv_id, BOT_CASE_VISITOR_WROTE, "visitor", m->seq);
}

const char *bot_queue_offline_reason(const struct bot_queue *q)
{
    if (bot_config_closed_at(q->srv->cfg, bot_server_now_ms() / 1000))
        return "closed_hours";
    /* across nodes: anyone online on any node (as of the last tick) */
    return online_all(q) ? NULL : "nobody_online";
}

#define TICKETS_MAX 200

struct tickets_walk {
    struct bot_queue *q;
    struct bot_agent_proto_list *l;
};

static int ticket_one(void *ctx, const struct store_ticket *t)
{
    struct tickets_walk *w = ctx;
    bot_agent_proto_list_ticket_item(w->l, t);
    bot_casereply_ticket_mail(w->q->srv, w->l, t); /* its case and the reply by email */
    return 0;
}

static void send_tickets(struct bot_queue *q, struct bot_agent *a)
{
    struct sn_err e = {0};
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("tickets");
    struct tickets_walk w = {q, l};
    size_t len;
    if (store_ticket_each(q->srv->store, TICKETS_MAX, ticket_one, &w, &e))
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

void bot_queue_agents_send(struct bot_queue *q, const char *json, size_t len)
{
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        agent_send(a, sn_xstrndup(json, len), len);
}

void bot_queue_tickets_changed(struct bot_queue *q)
{
    for (struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        send_tickets(q, a);
}

void bot_queue_profile_changed(struct bot_queue *q, const char *conv_id)
{
    struct bot_agent *a = bot_agents_holder(q->agents, conv_id);
    if (a)
        send_chats(q, a);
}

/* --- agent side --------------------------------------------------------------------------- */

struct load_ctx {
    struct bot_queue *q;
    struct bot_agent *a;
};

static int load_chat(void *ctx, const struct store_route *r)
{
    struct load_ctx *lc = ctx;
    struct bot_route_case c;
    bot_agents_chat_add(lc->a, r->id, r->lang, 0);
    case_copy(lc->q, r->id, &c); /* its SLA clock */
    bot_agents_chat_set_case(lc->a, lc->a->nchats - 1, &c);
    return 0;
}

struct bot_agent *bot_queue_agent_join(struct bot_queue *q,
                                       struct bot_session *s,
                                       const struct bot_user *u,
                                       const char *token)
{
    const struct bot_config *cfg = q->srv->cfg;
    struct sn_err e = {0};
    struct bot_session *old;
    size_t len;
    /* one socket per agent: the newest wins; a gone agent back within its grace period
     * finds its chats still its own */
    struct bot_agent *a =
        bot_agents_join(q->agents, u->id, u->login, u->name, token, s, (void **)&old);
    if (old) {
        char *j = bot_agent_proto_error(BOT_PROTO_BAD_FIELD,
                                        "replaced by a newer connection of this agent", NULL, &len);
        bot_session_send(old, j, len);
        bot_session_close(old, 1008);
        old->agent = NULL;
    }
    struct load_ctx lc = {q, a};
    if (store_conv_each(q->srv->store, bot_conv_state_name(BOT_CONV_AGENT), u->id, load_chat, &lc,
                        &e))
        sn_log(SN_LOG_ERR, "queue", "event=chats_failed agent=%s err=\"%s\"", a->login, e.msg);
    s->agent = a;
    char *j = bot_agent_proto_welcome(a->login, a->name, bot_auth_role_name(u->role),
                                      cfg->routing_pick ? "pick" : "auto", cfg->agent_capacity,
                                      a->online, &len);
    agent_send(a, j, len);
    send_queue(q, a);
    send_chats(q, a);
    send_tickets(q, a);
    send_canned(q, a);
    push_agents(q, a);
    for (int i = 0; i < a->nchats; i++)
        send_transcript(q, a, a->chats[i].id);
    sn_log(SN_LOG_NOTICE, "queue", "event=agent_online agent=%s chats=%d", a->login, a->nchats);
    changed(q);
    return a;
}

/* The agent's socket is gone: a typing indicator it left on in its chats' widgets ends now
 * (not at the widget's own timeout). */
static void typing_end(struct bot_queue *q, const struct bot_agent *a)
{
    for (int i = 0; i < a->nchats; i++) {
        struct bot_conv *c = bot_convs_find(q->srv->convs, a->chats[i].id);
        size_t len;
        if (c && bot_typing_reset(&c->typing[BOT_TYPING_AGENT])) {
            char *j = bot_proto_typing(0, &len);
            visitors_send(q, c->id, j, len);
        }
    }
}

struct bot_agent *bot_queue_holder(const struct bot_queue *q, const char *conv_id)
{
    return bot_agents_holder(q->agents, conv_id);
}

void bot_queue_agent_leave(struct bot_queue *q, struct bot_agent *a)
{
    sn_log(SN_LOG_NOTICE, "queue", "event=agent_gone agent=%s chats=%d", a->login, a->nchats);
    typing_end(q, a);
    ((struct bot_session *)a->conn)->agent = NULL;
    bot_agents_leave(q->agents, a, bot_server_now_ms(),
                     (long long)q->srv->cfg->agent_grace * 1000); /* frees a */
    notify_positions(q); /* the estimate changes with the number of agents */
    push_agents(q, NULL);
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
    struct bot_route_item *it = bot_route_find(q->route, conv_id, NULL);
    if (!it && q->cq) { /* queued on another node since the last read */
        reload(q);
        it = bot_route_find(q->route, conv_id, NULL);
    }
    if (!it)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not in the queue");
    if (!bot_agents_may_take(a, q->srv->cfg->agent_capacity))
        return sn_err_set(err, SN_ETOOBIG, "you have %d chats already (agent_capacity)", a->nchats);
    int rc = assign(q, a, it, "take", 0, err);
    if (rc == SN_ECONFLICT) { /* another node's agent has it: out of this queue too */
        rc = sn_err_set(err, SN_ENOTFOUND, "the conversation was taken by another agent");
        reload(q);
    } /* SN_ETOOBIG: full with chats held on its console on another node (err says) */
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
    return bot_queue_write_meta(q, a, conv_id, text, client_id, NULL, note, seq, dup, err);
}

int bot_queue_write_meta(struct bot_queue *q,
                         struct bot_agent *a,
                         const char *conv_id,
                         const char *text,
                         const char *client_id,
                         const char *meta,
                         int note,
                         long long *seq,
                         int *dup,
                         struct sn_err *err)
{
    char key[BOT_PROTO_CLIENT_ID_MAX + 3];
    size_t len;
    if (bot_agents_chat_index(a, conv_id) < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    /* "a:" keeps agents' client_ids apart from the visitor's ([A-Za-z0-9_-] only) */
    if (client_id && *client_id)
        snprintf(key, sizeof key, "a:%s", client_id);
    struct store_msg m = {.conv_id = conv_id,
                          .sender = note ? "note" : "agent",
                          .client_id = client_id && *client_id ? key : NULL,
                          .text = text,
                          .agent = a->name,
                          .meta = meta,
                          .ts = bot_server_now_ms()};
    int rc = store_msg_add(q->srv->store, &m, seq, dup, err);
    char actor[BOT_CASES_ACTOR_MAX];
    if (rc == SN_OK && !*dup)
        case_note(q, conv_id, note ? BOT_CASE_NOTE : BOT_CASE_AGENT_REPLIED,
                  bot_cases_agent_actor(a->login, actor), *seq);
    if (rc == SN_OK && !*dup)
        bot_metrics_inc(BOT_M_MESSAGES, note ? BOT_MS_NOTE : BOT_MS_AGENT);
    if (rc || *dup || note) /* a note: agents only, they see it in the transcript */
        return rc;
    int i = bot_agents_chat_index(a, conv_id);
    if (!a->chats[i].c.first_response) { /* the first-response target is met: its clock stops */
        struct bot_route_case c = a->chats[i].c;
        if (c.created) /* a chat from before cases has no start */
            bot_metrics_observe(BOT_M_FIRST_RESPONSE, (m.ts - c.created) * 1000);
        c.first_response = m.ts;
        bot_agents_chat_set_case(a, i, &c);
        send_chats(q, a);
    }
    m.seq = *seq;
    char *frame = bot_proto_stored_message(&m, &len);
    visitors_deliver(q, conv_id, frame, len);
    return SN_OK;
}

/* Stores a transfer's reason as a's internal note of conv, with who handed it to whom in its
 * meta (the transcript shows it after a reload). A store failure is logged: the transfer
 * itself is done and the receiving agent still gets the reason in `assigned`. */
static void transfer_note(struct bot_queue *q,
                          const char *conv,
                          const struct bot_agent *a,
                          const struct bot_agent *b,
                          const char *note)
{
    struct sn_err e = {0};
    long long seq;
    int dup;
    char *meta = bot_agent_proto_transfer_meta(a->login, a->name, b->login, b->name);
    struct store_msg m = {.conv_id = conv,
                          .sender = "note",
                          .text = note,
                          .agent = a->name,
                          .meta = meta,
                          .ts = bot_server_now_ms()};
    if (store_msg_add(q->srv->store, &m, &seq, &dup, &e))
        sn_log(SN_LOG_ERR, "queue", "event=store_failed conv=%s err=\"%s\"", conv, e.msg);
    else if (!dup)
        bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_NOTE);
    free(meta);
}

/* 1 when login is an online agent on another node (as of the last tick). */
static int remote_login(const struct bot_queue *q, const char *login)
{
    int n;
    const struct bot_cq_agent *v = bot_cq_others(q->cq, &n);
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].login, login) && bot_cq_row_live(&v[i], bot_server_now_ms(), lease_ms(q)))
            return 1;
    return 0;
}

int bot_queue_transfer(struct bot_queue *q,
                       struct bot_agent *a,
                       const char *conv_id,
                       const char *to,
                       const char *note,
                       struct sn_err *err)
{
    struct bot_agent *b;
    struct store_route r;
    size_t len;
    int i = bot_agents_chat_index(a, conv_id);
    if (i < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    b = bot_agents_by_login(q->agents, to);
    if (!b && remote_login(q, to))
        return sn_err_set(err, SN_EINVAL,
                          "agent '%s' is connected to another node: a transfer to a named agent "
                          "across nodes is not supported; transfer to their department instead",
                          to);
    if (!b)
        return sn_err_set(err, SN_ENOTFOUND, "no agent '%s' is online", to);
    if (b == a)
        return sn_err_set(err, SN_EINVAL, "the conversation is yours already");
    if (!bot_agents_may_take(b, q->srv->cfg->agent_capacity))
        return sn_err_set(err, SN_ETOOBIG, "%s has %d chats already (agent_capacity)", to,
                          b->nchats);
    long long now = bot_server_now_ms();
    char actor[BOT_CASES_ACTOR_MAX];
    json_t *d = json_pack("{s:s, s:s, s:o}", "from", a->login, "to", b->login, "note",
                          note ? json_string(note) : json_null());
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = store_conv_get(q->srv->store, conv_id, &r, err);
    if (rc == SN_OK)
        rc = move_by(q, conv_id, BOT_CONV_TRANSFER, b->user_id, r.queued_at, NULL, b->name,
                     a->chats[i].lang, b->login, bot_cases_agent_actor(a->login, actor), detail,
                     err);
    free(detail);
    if (rc)
        return rc;
    if (note) /* the reason stays on record: an internal note (agents only) before the hand-over */
        transfer_note(q, conv_id, a, b, note);
    struct bot_agent_chat c;
    bot_agents_chat_remove(a, i, &c);
    char *j = bot_agent_proto_closed(c.id, "transferred", &len);
    agent_send(a, j, len);
    send_chats(q, a);
    hand_over(q, b, c.id, c.lang, "transfer", a, note, now);
    sn_log(SN_LOG_NOTICE, "queue", "event=transferred conv=%s from=%s to=%s", c.id, a->login,
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
    int i = bot_agents_chat_index(a, conv_id);
    long long now = bot_server_now_ms();
    struct bot_agent_chat c;
    size_t len;
    if (i < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    char actor[BOT_CASES_ACTOR_MAX], ref[STORE_CASE_REF_MAX];
    json_t *d = json_pack("{s:s}", "resolution", resolution);
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = move_by(q, conv_id, BOT_CONV_CLOSE, a->user_id, 0, resolution, NULL, a->chats[i].lang,
                     a->login, bot_cases_agent_actor(a->login, actor), detail, err);
    free(detail);
    if (rc)
        return rc;
    bot_agents_chat_remove(a, i, &c);
    if (c.assigned_at) /* chats loaded from the store have no known start */
        bot_route_handled(q->route, now - c.assigned_at);
    if (c.c.created)
        bot_metrics_observe(BOT_M_RESOLUTION, (now - c.c.created) * 1000);
    const char *id = c.id;
    bot_cases_ref(q->srv->store, id, ref);
    bot_queue_case_changed(q, id, c.lang); /* solved (or closed): the widget shows it */
    char *j = bot_agent_proto_visitor_closed(resolution, ref, &len);
    visitors_send(q, id, j, len);
    sn_log(SN_LOG_NOTICE, "queue", "event=closed conv=%s agent=%s resolution=%s", id, a->login,
           resolution);
    j = bot_agent_proto_closed(id, resolution, &len);
    agent_send(a, j, len);
    send_chats(q, a);
    changed(q);
    return SN_OK;
}

/* --- escalation and transfer to a department (issue 15) ----------------------------------- */

void bot_queue_case_changed(struct bot_queue *q, const char *conv_id, const char *lang)
{
    struct store_case c;
    size_t len;
    if (store_case_find(q->srv->store, STORE_CASE_BY_CONV, conv_id, &c, NULL) != SN_OK)
        return;
    const struct bot_config_dept *d = bot_config_dept_find(q->srv->cfg, c.department);
    const char *label = d ? (lang && !strcmp(lang, "ar") ? d->ar : d->en) : c.department;
    char *j = bot_agent_proto_visitor_case(c.ref, c.status, c.department, label, c.tier, &len);
    visitors_send(q, conv_id, j, len);
}

/* The reason of an escalation or a department transfer kept as a's internal note of conv
 * (agents only), meta saying where it went (owned by the caller). A failure is logged: the
 * move is done and the timeline has the reason. */
static void dept_note(struct bot_queue *q,
                      const char *conv,
                      const struct bot_agent *a,
                      const char *note,
                      const char *meta)
{
    struct sn_err e = {0};
    long long seq;
    int dup;
    struct store_msg m = {.conv_id = conv,
                          .sender = "note",
                          .text = note,
                          .agent = a->name,
                          .meta = meta,
                          .ts = bot_server_now_ms()};
    if (store_msg_add(q->srv->store, &m, &seq, &dup, &e))
        sn_log(SN_LOG_ERR, "queue", "event=store_failed conv=%s err=\"%s\"", conv, e.msg);
    else if (!dup)
        bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_NOTE);
}

/* The visitor's notice of the move: the department's label in the conversation's language and
 * the case's reference (bot/texts.h). */
static void dept_notice(struct bot_queue *q,
                        const char *conv,
                        const char *lang,
                        const struct bot_config_dept *d,
                        const char *ref,
                        int escalate)
{
    char *t = bot_brain_text(q->srv->brain,
                             escalate ? BOT_TEXT_CASE_ESCALATED : BOT_TEXT_CASE_TO_DEPARTMENT, lang,
                             strcmp(lang, "ar") ? d->en : d->ar);
    char *text = bot_texts_fill_one(t, "{ref}", ref);
    system_message(q, conv, text);
    free(text);
    free(t);
}

/* The timeline's detail of the move (owned by the caller): escalated {from, to, tier, note}
 * (departments; from null when the case had none), transferred {from (a's login),
 * to_department, note}. */
static char *dept_detail(const struct bot_agent *a,
                         const char *from_dept,
                         const char *to,
                         int tier,
                         const char *note,
                         int escalate)
{
    json_t *d = escalate ? json_pack("{s:o, s:s, s:i, s:s}", "from",
                                     *from_dept ? json_string(from_dept) : json_null(), "to", to,
                                     "tier", tier, "note", note)
                         : json_pack("{s:s, s:s, s:o}", "from", a->login, "to_department", to,
                                     "note", note ? json_string(note) : json_null());
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return detail;
}

int bot_queue_to_department(struct bot_queue *q,
                            struct bot_agent *a,
                            const char *conv_id,
                            const char *dept,
                            const char *note,
                            int escalate,
                            struct sn_err *err)
{
    const struct bot_config *cfg = q->srv->cfg;
    const char *to = dept && *dept ? dept : NULL;
    char from[sizeof((struct store_case *)0)->department], actor[BOT_CASES_ACTOR_MAX];
    struct store_case c;
    struct store_route r;
    size_t len;
    int tier = 0, rc;
    int i = bot_agents_chat_index(a, conv_id);
    if (i < 0)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation is not one of your chats");
    if (escalate && !note)
        return sn_err_set(err, SN_EINVAL, "an escalation needs a note (the reason)");
    rc = store_case_find(q->srv->store, STORE_CASE_BY_CONV, conv_id, &c, err);
    if (rc == SN_ENOTFOUND)
        return sn_err_set(err, SN_ENOTFOUND, "the conversation has no case");
    if (rc)
        return rc;
    memcpy(from, c.department, sizeof from);
    /* the target and the tier (bot/escalate.h): checked before anything is written */
    if (escalate && (rc = bot_escalate_target(&cfg->escalation, from, to, c.tier, &to, &tier, err)))
        return rc;
    if (!to)
        return sn_err_set(err, SN_EINVAL, "department is required");
    const struct bot_config_dept *d = bot_config_dept_find(cfg, to);
    if (!d)
        return sn_err_set(err, SN_EINVAL, "no department '%s' (departments)", to);
    if ((rc = store_conv_get(q->srv->store, conv_id, &r, err)))
        return rc;
    /* the case first: its department is the new one before the conversation is queued for it
     * (routing by department reads it there) */
    char *detail = dept_detail(a, from, to, tier, note, escalate);
    rc = bot_cases_redirect(q->srv->store, conv_id,
                            escalate ? BOT_CASE_ESCALATED_EV : BOT_CASE_TRANSFERRED,
                            bot_cases_agent_actor(a->login, actor), to, escalate ? tier : 0, detail,
                            bot_server_now_ms(), &c, err);
    free(detail);
    if (rc)
        return rc;
    if (note) { /* the reason stays on record: an internal note (agents only) */
        char *meta = escalate ? bot_agent_proto_escalate_meta(from, to, tier)
                              : bot_agent_proto_dept_transfer_meta(a->login, a->name, to);
        dept_note(q, conv_id, a, note, meta);
        free(meta);
    }
    struct bot_agent_chat chat;
    rc = move_by(q, conv_id, escalate ? BOT_CONV_ESCALATE : BOT_CONV_TO_DEPT, 0, r.queued_at, NULL,
                 NULL, a->chats[i].lang, NULL, NULL, NULL, err);
    if (rc)
        return rc; /* routing and the conversation disagree (logged): the case says where */
    bot_agents_chat_remove(a, i, &chat);
    char *j = bot_agent_proto_closed(chat.id, escalate ? "escalated" : "transferred", &len);
    agent_send(a, j, len);
    send_chats(q, a);
    /* back in the queue as a chat whose agent went (requeue_one): it has waited already */
    push_conv(q, chat.id, chat.lang, r.queued_at, r.last_text, 1);
    dept_notice(q, chat.id, chat.lang, d, c.ref, escalate);
    bot_queue_case_changed(q, chat.id, chat.lang);
    sn_log(SN_LOG_NOTICE, "queue", "event=%s conv=%s agent=%s from=%s to=%s tier=%d",
           escalate ? "escalated" : "to_department", chat.id, a->login, *from ? from : "-", to,
           c.tier);
    changed(q);
    return SN_OK;
}

void bot_queue_metrics_live(const struct bot_queue *q, struct bot_metrics_live *out)
{
    out->queue_length = bot_route_len(q->route);
    out->agents_online = out->agents_away = 0;
    for (const struct bot_agent *a = bot_agents_first(q->agents); a; a = a->next)
        *(a->online ? &out->agents_online : &out->agents_away) += 1;
}
