/* A visitor connection's protocol logic: hello/resume, messages through the brain, picks,
 * feedback, handoff; every transcript message is stored before it is acked or sent. On top
 * of the connection (bot/session.c). */
#include "bot/visitor.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "bot/agent_proto.h"
#include "bot/agents.h"
#include "bot/case.h"
#include "bot/cases.h"
#include "bot/cluster.h"
#include "bot/config.h"
#include "bot/conv.h"
#include "bot/convs.h"
#include "bot/dialogue.h"
#include "bot/metrics.h"
#include "bot/outbox.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/statsrec.h"
#include "bot/store.h"
#include "bot/transcript.h"
#include "bot/typing.h"
#include "kb/entry.h"
#include "kb/kb.h"

static void typing_to_agent(struct bot_session *s, int on);

_Static_assert(STORE_VISITOR_MAX == BOT_PROTO_VISITOR_MAX + 1, "visitor ids fit the store");
/* A session's conversation (s->conv) is the server's (srv->convs, bot/convs.h), shared
 * with the visitor's other tabs: attached at hello, detached when the socket goes. */

void bot_visitor_leave(struct bot_session *s)
{
    if (s->conv && !s->is_agent && bot_typing_reset(&s->conv->typing[BOT_TYPING_VISITOR]))
        typing_to_agent(s, 0); /* gone while typing: the agent's indicator ends now */
    if (s->conv && !s->is_agent)
        bot_convs_detach(s->srv->convs, s->conv, s);
    s->conv = NULL;
}

void bot_session_deliver(struct bot_session *s, char *frame, size_t len)
{
    if (s->replaying || !s->conv)
        free(frame); /* stored: the replay carries it */
    else
        bot_session_send(s, frame, len);
}

const char *bot_session_conv_id(const struct bot_session *s)
{
    return s->conv ? s->conv->id : NULL;
}

static int in_state(const struct bot_session *s, enum bot_conv_state state)
{
    return s->conv && s->conv->state == state;
}

static int replay_one(void *ctx, const struct store_msg *m)
{
    struct bot_session *s = ctx;
    size_t len;
    char *frame = bot_proto_stored_message(m, &len);
    bot_session_send(s, frame, len);
    s->replay_after = m->seq;
    return 0;
}

void bot_session_replay_fill(struct bot_session *s)
{
    struct sn_err e = {0};
    while (s->replaying && s->conv && !s->close_code) {
        int room = s->srv->cfg->send_queue - s->qlen;
        if (room <= 0)
            return;
        int before = s->qlen;
        if (store_msg_each(s->srv->store, s->conv->id, s->replay_after, room, replay_one, s, &e)) {
            sn_log(SN_LOG_ERR, "ws", "event=replay_failed sess=%llu conv=%s err=\"%s\"", s->id,
                   s->conv->id, e.msg);
            bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not replay the conversation",
                              NULL);
            s->replaying = 0;
            return;
        }
        if (s->qlen - before < room)
            s->replaying = 0; /* caught up */
    }
}

/* --- storing and sending transcript messages ------------------------------------------- */

static int save_conv(struct bot_session *s)
{
    struct sn_err e = {0};
    char *dlg = bot_dialogue_encode(&s->conv->dlg);
    int rc = store_conv_save(s->srv->store, s->conv->id, bot_conv_state_name(s->conv->state),
                             s->conv->dlg.lang, dlg, strlen(dlg), bot_server_now_ms(), &e);
    free(dlg);
    if (rc)
        sn_log(SN_LOG_ERR, "store", "event=save_failed conv=%s err=\"%s\"", s->conv->id, e.msg);
    return rc;
}

/* Stores a bot turn as the next message and queues it (unless replaying, where the replay
 * will carry it). latency_us < 0: not an answer (no log line). */

/* What routes a new case (docs/cases.md): the department the visitor chose in the pre-chat
 * form, else the one category_departments gives the category of the entries the bot matched
 * last (its answer, else its suggestions), else the fallback; the priority from
 * priority_rules, with a repeat contact when the visitor's newest case is from another
 * conversation of the last 7 days. rf holds the strings route points into. */
#define REPEAT_WINDOW_MS (7LL * 86400 * 1000)
struct route_facts {
    char choice[STORE_PROFILE_DEPT_MAX + 1];
    char category[BOT_MAX_SUGGESTIONS + 1][BOT_DEPT_ID_MAX + 1];
    int ncat;
};
/* Whether the conversation has an open case already (a handoff then reuses it): a handoff that
 * does not, and ends with a case older than itself, reopened one. */
static int has_open_case(struct bot_session *s)
{
    struct store_case c;
    enum bot_case_status st;
    return store_case_find(s->srv->store, STORE_CASE_BY_CONV, s->conv->id, &c, NULL) == SN_OK &&
           bot_case_status_parse(c.status, &st) == SN_OK && bot_case_is_open(st);
}

static void route_of(struct bot_session *s, struct route_facts *rf, struct bot_cases_route *out)
{
    const struct bot_config *cfg = s->srv->cfg;
    const struct bot_dialogue *d = &s->conv->dlg;
    const char *ids[BOT_MAX_SUGGESTIONS + 1];
    const char *cats[BOT_MAX_SUGGESTIONS + 1];
    struct store_profile p;
    struct store_case last;
    int n = 0;
    memset(rf, 0, sizeof *rf);
    if (store_profile_get(s->srv->store, s->conv->id, &p, NULL) == SN_OK)
        snprintf(rf->choice, sizeof rf->choice, "%s", p.department);
    if (d->last_kb_id[0])
        ids[n++] = d->last_kb_id;
    for (int i = 0; i < d->nsugg && i < BOT_MAX_SUGGESTIONS; i++)
        ids[n++] = d->sugg_ids[i];
    for (int i = 0; i < n; i++) {
        struct kb_entry *en = kb_entry_get(s->srv->kb, ids[i], NULL);
        if (en && en->category && *en->category)
            snprintf(rf->category[rf->ncat], sizeof rf->category[0], "%s", en->category),
                cats[rf->ncat] = rf->category[rf->ncat], rf->ncat++;
        kb_entry_free(en);
    }
    long long now = bot_server_now_ms();
    int repeat = s->conv->visitor[0] &&
                 store_case_find(s->srv->store, STORE_CASE_BY_VISITOR, s->conv->visitor, &last,
                                 NULL) == SN_OK &&
                 strcmp(last.conv_id, s->conv->id) && now - last.created < REPEAT_WINDOW_MS;
    out->department =
        bot_dept_choose(&cfg->dept_map, rf->choice[0] ? rf->choice : NULL, cats, rf->ncat);
    struct bot_prio_facts f = {rf->ncat ? rf->category[0] : NULL, repeat, 0};
    out->priority = bot_prio_decide(&cfg->prio_rules, &f);
}

static int store_turn(struct bot_session *s, const struct bot_turn *t, long long t0)
{
    struct sn_err e = {0};
    long long seq;
    int dup;
    size_t len;
    const char *band = t->band >= 0 ? kb_band_name(t->band) : NULL;
    char *meta = bot_proto_turn_meta(t);
    struct store_msg m = {.conv_id = s->conv->id,
                          .sender = "bot",
                          .text = t->text,
                          .kind = bot_turn_kind_name(t->kind),
                          .kb_id = t->kb_id,
                          .band = band,
                          .intent = t->intent,
                          .meta = meta,
                          .ts = bot_server_now_ms()};
    int rc = store_msg_add(s->srv->store, &m, &seq, &dup, &e);
    if (rc) {
        free(meta);
        sn_log(SN_LOG_ERR, "store", "event=store_failed conv=%s err=\"%s\"", s->conv->id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the answer", NULL);
        return rc;
    }
    bot_statsrec_turn(s->srv->store, s->conv->id, m.kind, band, m.ts);
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_BOT);
    bot_metrics_inc(BOT_M_TURNS, bot_metrics_turn(t->kind, t->band));
    if (t0 >= 0) /* a turn that answers a visitor's frame (not the welcome) */
        bot_metrics_observe(BOT_M_ANSWER_LATENCY, bot_server_now_us() - t0);
    save_conv(s);
    if (!s->replaying) { /* else the replay will carry it */
        m.seq = seq;
        char *frame = bot_proto_stored_message(&m, &len);
        bot_session_send(s, frame, len);
    }
    free(meta);
    if (t->handoff) { /* after the handoff message: an assignment follows it */
        bot_metrics_inc(BOT_M_HANDOFFS, bot_metrics_handoff_of(t->intent));
        const char *why = bot_queue_offline_reason(s->srv->queue);
        /* the case first (made, reused or reopened, with why the bot handed off), so that
         * every frame after this one can name it */
        struct store_case c = {0};
        struct route_facts rf;
        struct bot_cases_route route;
        route_of(s, &rf, &route);
        int had_open = has_open_case(s);
        if (bot_cases_handoff(s->srv->store, s->conv->id, s->conv->visitor,
                              s->srv->cfg->reopen_days, bot_case_handoff_reason(t->intent), &route,
                              bot_server_now_ms(), &c, &e))
            sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=handoff err=\"%s\"",
                   s->conv->id, e.msg);
        else if (!had_open && c.created < c.updated) /* reopened: the widget shows it again */
            bot_queue_case_changed(s->srv->queue, s->conv->id, s->conv->dlg.lang);
        if (why) { /* nobody can answer now: the visitor may leave a message */
            size_t n;
            char *j = bot_proto_offline(why, c.ref, &n);
            bot_session_send(s, j, n);
        }
        bot_queue_enqueue(s->srv->queue, s->conv->id);
    }
    if (t0 >= 0)
        sn_log(SN_LOG_NOTICE, "ws",
               "event=answer sess=%llu conv=%s seq=%lld kind=%s intent=%s kb=%s band=%s "
               "confidence=%.3f latency_us=%lld",
               s->id, s->conv->id, seq, bot_turn_kind_name(t->kind), t->intent ? t->intent : "-",
               t->kb_id ? t->kb_id : "-", band ? band : "-", t->confidence,
               bot_server_now_us() - t0);
    return SN_OK;
}

/* Stores a visitor message and acks it; *m is the message as stored (its strings borrowed
 * from the arguments). Returns 1 when it is new (the bot should answer), 2 for a resend of a
 * message nothing followed (the process died, or the brain failed, between storing it and
 * answering: the bot answers now, or the visitor never gets one), 0 for a resend already
 * answered (acked with its original seq), -1 on failure (error sent). */
static int store_visitor(struct bot_session *s,
                         const char *text,
                         const char *client_id,
                         const char *meta,
                         struct store_msg *m)
{
    struct sn_err e = {0};
    int dup;
    size_t len;
    *m = (struct store_msg){.conv_id = s->conv->id,
                            .sender = "visitor",
                            .client_id = client_id,
                            .text = text,
                            .meta = meta,
                            .ts = bot_server_now_ms()};
    if (store_msg_add(s->srv->store, m, &m->seq, &dup, &e)) {
        sn_log(SN_LOG_ERR, "store", "event=store_failed conv=%s err=\"%s\"", s->conv->id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL,
                          "the server could not store the message; resend it", client_id);
        return -1;
    }
    if (!dup)
        bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_VISITOR);
    /* the visitor has its own text: it gets the ack only */
    char *ack = bot_proto_ack(client_id, m->seq, &len);
    bot_session_send(s, ack, len);
    if (!dup)
        return 1;
    char from[16];
    int rc = store_msg_from(s->srv->store, s->conv->id, m->seq + 1, from, sizeof from, &e);
    sn_log(SN_LOG_INFO, "ws", "event=resend sess=%llu conv=%s seq=%lld answered=%d", s->id,
           s->conv->id, m->seq, rc != SN_ENOTFOUND);
    return rc == SN_ENOTFOUND ? 2 : 0;
}

/* --- frames ------------------------------------------------------------------------------ */

static void hex(char *out, const unsigned char *b, size_t n)
{
    sodium_bin2hex(out, n * 2 + 1, b, n);
}

static void token_hash(const char *token, char out[STORE_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    hex(out, h, sizeof h);
}

static void on_hello(struct bot_session *s, const struct bot_proto_in *in)
{
    struct bot_server *srv = s->srv;
    const struct bot_config *cfg = srv->cfg;
    struct sn_err e = {0};
    struct bot_conv *cv;
    struct store_conv sc;
    char id[STORE_ID_MAX];
    enum bot_conv_state state = BOT_CONV_BOT;
    struct bot_dialogue dlg;
    char th[STORE_HASH_HEX], token[BOT_PROTO_TOKEN_MAX + 1];
    int resumed = 0, rc;
    long long now = bot_server_now_ms(), after = 0;

    if (in->token[0]) {
        token_hash(in->token, th);
        rc = store_conv_by_token(srv->store, th, now - (long long)cfg->session_ttl * 1000, &sc, &e);
        if (rc == SN_OK) {
            resumed = 1;
            snprintf(token, sizeof token, "%s", in->token);
            memcpy(id, sc.id, sizeof id);
            if (bot_conv_state_parse(sc.state, &state))
                sn_log(SN_LOG_WARN, "store", "event=unknown_state conv=%s state=\"%s\"", sc.id,
                       sc.state); /* another version's state: the bot answers */
            /* unreadable (a damaged row): the conversation goes on, its dialogue afresh */
            if (bot_dialogue_decode(sc.dialogue, sc.dialogue_len, in->lang[0] ? in->lang : sc.lang,
                                    &dlg) &&
                sc.dialogue_len)
                sn_log(SN_LOG_WARN, "store", "event=dialogue_reset conv=%s bytes=%zu", sc.id,
                       sc.dialogue_len);
            free(sc.dialogue);
            after = in->last_seq;
        } else if (rc == SN_ENOTFOUND) {
            bot_session_error(s, BOT_PROTO_BAD_TOKEN,
                              "the session token is unknown or expired; a new conversation starts",
                              NULL);
        } else {
            goto internal;
        }
    }
    if (!resumed) {
        unsigned char rnd[32], cid[8];
        randombytes_buf(rnd, sizeof rnd);
        randombytes_buf(cid, sizeof cid);
        hex(token, rnd, sizeof rnd);
        memcpy(id, "c_", 2);
        hex(id + 2, cid, sizeof cid);
        token_hash(token, th);
        bot_dialogue_init(&dlg, in->lang[0] ? in->lang : NULL);
        if (store_conv_create(srv->store, id, th, dlg.lang, now, &e))
            goto internal;
        bot_statsrec_conv(srv->store, id, dlg.lang, BOT_STATSREC_CHANNEL, now);
    }
    /* a conversation open in another tab is joined as it is in memory */
    s->conv = cv = bot_convs_attach(srv->convs, id, state, &dlg, s);
    if (!cv) {
        bot_session_refuse(s, BOT_PROTO_BAD_TOKEN, "the conversation is open in too many places",
                           NULL);
        bot_session_close(s, 1008);
        return;
    }
    if (in->visitor[0] && !cv->visitor[0]) /* the first tab's: tabs of one widget share it */
        snprintf(cv->visitor, sizeof cv->visitor, "%s", in->visitor);
    struct store_profile prof;
    struct bot_proto_welcome w = {
        .token = token,
        .conversation = cv->id,
        .state = bot_conv_state_name(cv->state),
        .bot_name = bot_brain_name(srv->brain, cv->dlg.lang),
        .resumed = resumed,
        .max_text = cfg->max_text,
        .max_frame = cfg->max_frame,
        .max_attachment = cfg->attachment_max_bytes,
        .cfg = cfg,
        .lang = cv->dlg.lang,
        .prechat_done =
            resumed && cfg->prechat && store_profile_get(srv->store, cv->id, &prof, NULL) == SN_OK,
        /* only where an email can be given (the form asks for one) */
        .transcript_email = srv->outbox && (cfg->prechat & BOT_PRECHAT_EMAIL)};
    size_t len;
    char *j = bot_proto_welcome(&w, &len);
    bot_session_send(s, j, len);
    sn_log(SN_LOG_NOTICE, "ws", "event=hello sess=%llu conv=%s resumed=%d last_seq=%lld", s->id,
           cv->id, resumed, after);
    s->replaying = 1;
    s->replay_after = after;
    if (!resumed) {
        /* the first bot message is seq 1, stored with the conversation; replay sends it */
        struct bot_turn t;
        bot_dialogue_welcome(srv->brain, &cv->dlg, &t);
        store_turn(s, &t, -1);
        bot_turn_fini(&t);
    }
    bot_session_replay_fill(s);
    if (cv->state == BOT_CONV_QUEUED)
        bot_queue_visitor_hello(srv->queue, s);
    return;
internal:
    sn_log(SN_LOG_ERR, "store", "event=hello_failed sess=%llu err=\"%s\"", s->id, e.msg);
    bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not open the conversation", NULL);
}

static void
answer(struct bot_session *s, int rc, struct bot_turn *t, const struct sn_err *e, long long t0)
{
    if (rc == SN_OK) {
        store_turn(s, t, t0);
        bot_turn_fini(t);
        return;
    }
    sn_log(SN_LOG_ERR, "brain", "event=brain_failed conv=%s err=\"%s\"", s->conv->id, e->msg);
    bot_session_error(s, BOT_PROTO_INTERNAL, "the bot could not answer; ask again", NULL);
}

/* Stores what the visitor said (store_visitor, whose value it returns) and hands a new line
 * to the queue, where its agent sees it. */
static int
visitor_said(struct bot_session *s, const char *text, const char *client_id, const char *meta)
{
    struct store_msg m;
    /* a message (or a pick) ends the visitor's typing on the agent's side: the console
     * clears it when the message arrives */
    bot_typing_reset(&s->conv->typing[BOT_TYPING_VISITOR]);
    int fresh = store_visitor(s, text, client_id, meta, &m);
    if (fresh == 1)
        bot_queue_visitor_message(s->srv->queue, &m);
    return fresh;
}

/* The meta of a message carrying attachment id (bot_proto_attachment_meta; caller frees), or
 * NULL with the refusal sent: an id that is not an upload of this very conversation is
 * not_found (another conversation's file is never linked, nor its existence told). */
static char *attachment_meta(struct bot_session *s, const char *id, const char *client_id)
{
    struct store_att a;
    struct sn_err e = {0};
    int rc = store_att_get(s->srv->store, id, &a, &e);
    if (rc == SN_OK && !strcmp(a.conv_id, s->conv->id))
        return bot_proto_attachment_meta(&a);
    if (rc && rc != SN_ENOTFOUND)
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not read the attachment",
                          client_id);
    else
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "no such attachment in this conversation",
                           client_id);
    return NULL;
}

static void on_message(struct bot_session *s, const struct bot_proto_in *in, long long t0)
{
    struct sn_err e = {0};
    struct bot_turn t;
    char *meta = NULL;
    if (in->attachment[0] && !(meta = attachment_meta(s, in->attachment, in->client_id)))
        return;
    int fresh = visitor_said(s, in->text ? in->text : "", in->client_id, meta);
    free(meta);
    /* with an agent the bot stays quiet; a file alone it cannot read: it waits for words */
    if (fresh < 1 || in_state(s, BOT_CONV_AGENT) || !in->text)
        return;
    int rc = bot_dialogue_message(s->srv->brain, &s->conv->dlg, in->text, &t, &e);
    answer(s, rc, &t, &e, t0);
}

static void on_pick(struct bot_session *s, const struct bot_proto_in *in, long long t0)
{
    struct sn_err e = {0};
    struct bot_turn t;
    struct kb_entry *ent = kb_entry_get(s->srv->kb, in->kb_id, &e);
    if (!ent || ent->status != KB_PUBLISHED) {
        kb_entry_free(ent);
        if (!ent && e.code != SN_ENOTFOUND) {
            bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not read the entry",
                              in->client_id);
            return;
        }
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "no such entry", in->client_id);
        return;
    }
    int fresh = visitor_said(s, ent->question, in->client_id, NULL);
    kb_entry_free(ent);
    if (fresh < 1 || in_state(s, BOT_CONV_AGENT))
        return;
    int rc = bot_dialogue_pick(s->srv->brain, &s->conv->dlg, in->kb_id, &t, &e);
    answer(s, rc, &t, &e, t0);
}

static void on_feedback(struct bot_session *s, const struct bot_proto_in *in, long long t0)
{
    struct sn_err e = {0};
    struct bot_turn t;
    char from[16];
    int rc = store_msg_from(s->srv->store, s->conv->id, in->seq, from, sizeof from, &e);
    if (rc == SN_ENOTFOUND || (rc == SN_OK && strcmp(from, "bot"))) {
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "no bot message with this seq", NULL);
        return;
    }
    if (rc == SN_OK)
        rc = store_feedback_add(s->srv->store, s->conv->id, in->seq, in->helpful,
                                bot_server_now_ms(), &e);
    if (rc == SN_OK)
        bot_statsrec_feedback(s->srv->store, s->conv->id, in->helpful, bot_server_now_ms());
    if (rc) {
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the feedback", NULL);
        return;
    }
    if (in_state(s, BOT_CONV_AGENT))
        return; /* stored; the bot does not answer while an agent has the conversation */
    rc = bot_dialogue_feedback(s->srv->brain, &s->conv->dlg, in->helpful, &t, &e);
    answer(s, rc, &t, &e, t0);
}

/* The visitor rates a conversation an agent closed (CSAT). */
static void on_csat(struct bot_session *s, const struct bot_proto_in *in)
{
    struct sn_err e = {0};
    size_t n;
    if (!in_state(s, BOT_CONV_CLOSED)) {
        bot_session_refuse(s, BOT_PROTO_BAD_FIELD, "only a conversation an agent closed is rated",
                           NULL);
        return;
    }
    if (store_csat_set(s->srv->store, s->conv->id, in->rating, in->text, bot_server_now_ms(), &e)) {
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the rating", NULL);
        return;
    }
    bot_metrics_inc(BOT_M_CSAT, in->rating - 1);
    sn_log(SN_LOG_NOTICE, "ws", "event=csat sess=%llu conv=%s rating=%d comment=%d", s->id,
           s->conv->id, in->rating, in->text != NULL);
    /* on the case's timeline too (the rating of a conversation from before cases has none) */
    json_t *d = json_pack("{s:i, s:s?}", "rating", in->rating, "comment", in->text);
    char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int rc = bot_cases_event(s->srv->store, s->conv->id, BOT_CASE_CSAT, "visitor", NULL, detail,
                             bot_server_now_ms(), &e);
    if (rc && rc != SN_ENOTFOUND)
        sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=csat err=\"%s\"", s->conv->id,
               e.msg);
    free(detail);
    char *j = bot_proto_csat_ok(in->rating, &n);
    bot_session_send(s, j, n);
}

/* Why the pre-chat form's answers in p (decoded: shapes are right) do not fit the form cfg
 * asks for, or NULL when they do: a field the form does not ask, a required one missing, a
 * department not in the list. Pure. */
static const char *profile_problem(const struct bot_config *cfg, const struct store_profile *p)
{
    static const struct {
        unsigned bit;
        size_t off;
        const char *name;
    } fields[] = {
        {BOT_PRECHAT_NAME, offsetof(struct store_profile, name), "name"},
        {BOT_PRECHAT_EMAIL, offsetof(struct store_profile, email), "email"},
        {BOT_PRECHAT_DEPARTMENT, offsetof(struct store_profile, department), "department"},
    };
    static char why[96]; /* one event loop thread */
    if (!cfg->prechat)
        return "no pre-chat form is configured";
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        int given = ((const char *)p + fields[i].off)[0] != 0;
        if (given && !(cfg->prechat & fields[i].bit))
            snprintf(why, sizeof why, "the form does not ask for %s", fields[i].name);
        else if (!given && (cfg->prechat_required & fields[i].bit))
            snprintf(why, sizeof why, "%s is required", fields[i].name);
        else
            continue;
        return why;
    }
    if (p->department[0] && !bot_config_dept_find(cfg, p->department))
        return "department is not one of the configured departments";
    return NULL;
}

/* The pre-chat form's answers: checked against the form, stored with the conversation, or
 * refused (bad_field) with nothing stored. */
static void on_profile(struct bot_session *s, const struct bot_proto_in *in)
{
    struct sn_err e = {0};
    struct store_profile p;
    size_t n;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", in->text ? in->text : "");
    snprintf(p.email, sizeof p.email, "%s", in->email);
    snprintf(p.department, sizeof p.department, "%s", in->department);
    p.consent = in->consent;
    p.updated = bot_server_now_ms();
    const char *why = profile_problem(s->srv->cfg, &p);
    if (why) {
        bot_session_refuse(s, BOT_PROTO_BAD_FIELD, why, NULL);
        return;
    }
    if (store_profile_set(s->srv->store, s->conv->id, &p, &e)) {
        sn_log(SN_LOG_ERR, "store", "event=profile_failed conv=%s err=\"%s\"", s->conv->id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the form", NULL);
        return;
    }
    sn_log(SN_LOG_NOTICE, "ws", "event=profile sess=%llu conv=%s name=%d email=%d department=%s",
           s->id, s->conv->id, p.name[0] != 0, p.email[0] != 0,
           p.department[0] ? p.department : "-");
    char *j = bot_proto_profile_ok(&n);
    bot_session_send(s, j, n);
    bot_queue_profile_changed(s->srv->queue, s->conv->id); /* an agent who has it sees it */
}

/* The visitor asks for the transcript by email (docs/email.md): to the address the pre-chat
 * form gave with consent, never to one named in the frame (the frame names none, so that a
 * page cannot make Sanad mail a stranger); at most BOT_TRANSCRIPT_MAILS per conversation in
 * BOT_TRANSCRIPT_MAIL_WINDOW_MS (counted in the outbox, so a restart does not reset it). */
#define BOT_TRANSCRIPT_MAILS          3
#define BOT_TRANSCRIPT_MAIL_WINDOW_MS (60LL * 60 * 1000)
static void on_transcript_email(struct bot_session *s)
{
    struct bot_server *srv = s->srv;
    struct sn_err e = {0};
    struct store_profile p;
    struct bot_transcript_mail tm;
    long n = 0;
    long long id, now = bot_server_now_ms();
    size_t len;
    if (!srv->outbox) {
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "this server sends no email", NULL);
        return;
    }
    if (store_profile_get(srv->store, s->conv->id, &p, NULL) != SN_OK || !p.email[0] ||
        !p.consent) {
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND,
                           "no email was given with consent in this conversation", NULL);
        return;
    }
    if (bot_outbox_count_ref(srv->outbox, s->conv->id, now - BOT_TRANSCRIPT_MAIL_WINDOW_MS, &n,
                             &e) == SN_OK &&
        n >= BOT_TRANSCRIPT_MAILS) {
        bot_session_refuse(s, BOT_PROTO_RATE_LIMITED,
                           "the transcript was emailed several times already; try later", NULL);
        return;
    }
    struct store_conv c = {.created = 0};
    snprintf(c.id, sizeof c.id, "%s", s->conv->id);
    snprintf(c.lang, sizeof c.lang, "%s", strcmp(s->conv->dlg.lang, "en") ? "ar" : "en");
    if (e.code || bot_transcript_mail(srv->store, srv->brain, &c, &tm, &e)) {
        sn_log(SN_LOG_ERR, "ws", "event=transcript_mail_failed conv=%s err=\"%s\"", c.id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not write the transcript", NULL);
        return;
    }
    const struct bot_outbox_mail m = {p.email, tm.subject, tm.text, tm.html, c.id, 0};
    int rc = bot_outbox_add(srv->outbox, &m, &id, &e);
    bot_transcript_mail_fini(&tm);
    if (rc) {
        sn_log(SN_LOG_ERR, "ws", "event=transcript_mail_failed conv=%s err=\"%s\"", c.id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not queue the email", NULL);
        return;
    }
    sn_log(SN_LOG_NOTICE, "ws", "event=transcript_emailed sess=%llu conv=%s mail=%lld", s->id, c.id,
           id);
    char *j = bot_proto_transcript_emailed(&len);
    bot_session_send(s, j, len);
}

/* The visitor leaves a message for the agents (a ticket). Without an email of its own it
 * takes the one the pre-chat form gave with consent. */
static void on_leave_message(struct bot_session *s, const struct bot_proto_in *in)
{
    struct sn_err e = {0};
    long long id;
    size_t n;
    struct store_profile prof;
    int from_profile = !in->email[0] &&
                       store_profile_get(s->srv->store, s->conv->id, &prof, NULL) == SN_OK &&
                       prof.email[0] && prof.consent;
    struct store_ticket t = {.conv_id = s->conv->id,
                             .lang = s->conv->dlg.lang[0] ? s->conv->dlg.lang : "ar",
                             .email = in->email[0]   ? in->email
                                      : from_profile ? prof.email
                                                     : NULL,
                             .consent = in->consent || from_profile,
                             .text = in->text,
                             .created = bot_server_now_ms()};
    if (store_ticket_add(s->srv->store, &t, &id, &e)) {
        sn_log(SN_LOG_ERR, "store", "event=ticket_failed conv=%s err=\"%s\"", s->conv->id, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the message", NULL);
        return;
    }
    bot_metrics_inc(BOT_M_TICKETS, 0);
    sn_log(SN_LOG_NOTICE, "ws", "event=ticket sess=%llu conv=%s ticket=%lld email=%d", s->id,
           s->conv->id, id, t.email != NULL);
    struct store_case c = {0};
    if (bot_cases_ticket(s->srv->store, s->conv->id, s->conv->visitor, s->srv->cfg->reopen_days, id,
                         t.created, &c, &e))
        sn_log(SN_LOG_ERR, "cases", "event=case_failed conv=%s on=message_left err=\"%s\"",
               s->conv->id, e.msg);
    char *j = bot_proto_message_left(id, c.ref, &n);
    bot_session_send(s, j, n);
    bot_queue_tickets_changed(s->srv->queue);
}

static void on_handoff(struct bot_session *s, long long t0)
{
    struct bot_turn t;
    if (in_state(s, BOT_CONV_AGENT))
        return; /* a human has the conversation already */
    bot_dialogue_handoff(s->srv->brain, &s->conv->dlg, &t);
    answer(s, SN_OK, &t, NULL, t0);
}

/* --- typing and seen (issue 14): live frames to the agent holding the chat, never stored -- */

/* {"type":"typing","conversation","on"} to the connected agent holding the conversation. */
static void typing_to_agent(struct bot_session *s, int on)
{
    struct bot_agent *a = bot_queue_holder(s->srv->queue, s->conv->id);
    size_t n;
    if (!a) { /* its agent may be on another node (NULL cluster: a single node, nothing) */
        bot_cluster_live_visitor_typing(s->srv->cluster, s->conv->id, on);
        return;
    }
    char *j = bot_agent_proto_typing(s->conv->id, on, &n);
    bot_session_send(a->conn, j, n);
}

/* Relayed only while an agent has the conversation, and then as bot/typing.h allows (a
 * flood does not reach the agent). */
static void on_typing(struct bot_session *s, const struct bot_proto_in *in)
{
    if (!in_state(s, BOT_CONV_AGENT) ||
        (!s->srv->cluster && !bot_queue_holder(s->srv->queue, s->conv->id)))
        return;
    if (bot_typing_relay(&s->conv->typing[BOT_TYPING_VISITOR], in->on, bot_server_now_us() / 1000))
        typing_to_agent(s, in->on);
}

/* The highest seq the visitor has seen: it must be one of the conversation's (not_found
 * beyond its last); kept (bot_convs_seen) and relayed to the agent when it rises while an
 * agent has the conversation, else ignored. */
static void on_seen(struct bot_session *s, const struct bot_proto_in *in)
{
    struct bot_convs *cs = s->srv->convs;
    struct sn_err e = {0};
    char from[16];
    size_t n;
    int agent = in_state(s, BOT_CONV_AGENT);
    if (agent && in->seq <= bot_convs_seen(cs, s->conv->id))
        return; /* nothing new (and no store read for a repeat) */
    int rc = store_msg_from(s->srv->store, s->conv->id, in->seq, from, sizeof from, &e);
    if (rc == SN_ENOTFOUND) {
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "no message with this seq", NULL);
        return;
    }
    if (rc) {
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not read the conversation",
                          NULL);
        return;
    }
    if (!agent || !bot_convs_seen_raise(cs, s->conv->id, in->seq))
        return;
    struct bot_agent *a = bot_queue_holder(s->srv->queue, s->conv->id);
    if (a) {
        char *j = bot_agent_proto_seen(s->conv->id, in->seq, &n);
        bot_session_send(a->conn, j, n);
    }
}

void bot_visitor_on_frame(struct bot_session *s, const char *buf, size_t len, long long t0)
{
    const struct bot_config *cfg = s->srv->cfg;
    struct bot_proto_in in;
    struct sn_err e = {0};
    int rc;

    rc = bot_proto_decode(buf, len, cfg->max_text, &in, &e);
    if (rc) {
        bot_session_refuse(s, e.detail, e.msg, in.client_id);
        return;
    }
    if ((in.type == BOT_IN_HELLO) == (s->conv != NULL)) {
        bot_session_refuse(s, BOT_PROTO_HELLO_FIRST,
                           s->conv ? "hello was already sent" : "the first frame must be hello",
                           in.client_id);
        bot_proto_in_fini(&in);
        return;
    }
    switch (in.type) {
    case BOT_IN_HELLO:
        on_hello(s, &in);
        break;
    case BOT_IN_MESSAGE:
        on_message(s, &in, t0);
        break;
    case BOT_IN_PICK:
        on_pick(s, &in, t0);
        break;
    case BOT_IN_FEEDBACK:
        on_feedback(s, &in, t0);
        break;
    case BOT_IN_HANDOFF:
        on_handoff(s, t0);
        break;
    case BOT_IN_PING: {
        size_t n;
        char *j = bot_proto_pong(&n);
        bot_session_send(s, j, n);
        break;
    }
    case BOT_IN_TYPING:
        on_typing(s, &in);
        break;
    case BOT_IN_SEEN:
        on_seen(s, &in);
        break;
    case BOT_IN_CSAT:
        on_csat(s, &in);
        break;
    case BOT_IN_LEAVE_MESSAGE:
        on_leave_message(s, &in);
        break;
    case BOT_IN_PROFILE:
        on_profile(s, &in);
        break;
    case BOT_IN_TRANSCRIPT_EMAIL:
        on_transcript_email(s);
        break;
    case BOT_IN_LEAVE_QUEUE: {
        rc = bot_queue_leave(s->srv->queue, s->conv->id, &e);
        if (rc == SN_ENOTFOUND)
            bot_session_refuse(s, BOT_PROTO_BAD_FIELD, "the conversation is not queued", NULL);
        else if (rc)
            bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not leave the queue", NULL);
        break;
    }
    }
    bot_proto_in_fini(&in);
}
