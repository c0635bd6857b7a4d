/* Replies by email to cases whose visitor has gone (see bot/casereply.h). */
#include "bot/casereply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/agent_proto.h"
#include "bot/agents.h"
#include "bot/case.h"
#include "bot/casemail.h"
#include "bot/cases.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/dialogue.h"
#include "bot/metrics.h"
#include "bot/outbox.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/store.h"

/* The delivery reports recorded per tick: a backlog (a restart after many mails) is worked
 * off over a few seconds instead of stalling the loop. */
#define REPORTS_PER_TICK 16

/* What a reply is about: the case, its conversation, the address to mail (""), the
 * conversation's language. */
struct target {
    struct store_case c;
    char conv[STORE_ID_MAX];
    char lang[3];
    char email[STORE_PROFILE_EMAIL_MAX + 1];
    long long ticket;
};

/* A ticket's conversation, language and (with consent) address, copied out of the walk. */
static int ticket_copy(void *ctx, const struct store_ticket *t)
{
    struct target *g = ctx;
    g->ticket = t->id;
    if (!g->conv[0] && t->conv_id)
        snprintf(g->conv, sizeof g->conv, "%s", t->conv_id);
    if (!g->lang[0] && t->lang)
        snprintf(g->lang, sizeof g->lang, "%s", t->lang);
    if (!g->email[0] && t->email && t->consent)
        snprintf(g->email, sizeof g->email, "%s", t->email);
    return 0;
}

/* The case, conversation and address in's case or ticket names, into *g. The address is
 * the pre-chat form's, given with consent, else the left message's, given with consent.
 * SN_ENOTFOUND (err says what), or the store's code. */
static int find_target(struct bot_server *srv,
                       const struct bot_agent_in *in,
                       struct target *g,
                       struct sn_err *err)
{
    struct store *st = srv->store;
    struct store_profile p;
    struct store_route r;
    struct sn_err e = {0};
    int rc;
    memset(g, 0, sizeof *g);
    if (in->case_ref[0]) {
        if ((rc = store_case_find(st, STORE_CASE_BY_REF, in->case_ref, &g->c, &e)))
            return rc == SN_ENOTFOUND ? sn_err_set(err, rc, "no such case")
                                      : sn_err_set(err, rc, "%s", e.msg);
        snprintf(g->conv, sizeof g->conv, "%s", g->c.conv_id);
        if (g->c.ticket_id && (rc = store_ticket_get(st, g->c.ticket_id, ticket_copy, g, &e)) &&
            rc != SN_ENOTFOUND)
            return sn_err_set(err, rc, "%s", e.msg);
    } else {
        if ((rc = store_ticket_get(st, in->ticket, ticket_copy, g, &e)))
            return rc == SN_ENOTFOUND ? sn_err_set(err, rc, "no such ticket")
                                      : sn_err_set(err, rc, "%s", e.msg);
        if (!g->conv[0])
            return sn_err_set(err, SN_ENOTFOUND, "the ticket has no conversation");
        rc = store_case_find(st, STORE_CASE_BY_CONV, g->conv, &g->c, &e);
        if (rc == SN_ENOTFOUND) /* a ticket left before cases existed gets its case now */
            rc = bot_cases_ticket(st, g->conv, NULL, srv->cfg->reopen_days, in->ticket,
                                  bot_server_now_ms(), &g->c, &e);
        if (rc)
            return sn_err_set(err, rc, "%s", e.msg);
    }
    if (!g->conv[0])
        return sn_err_set(err, SN_ENOTFOUND, "the case has no conversation");
    if (store_profile_get(st, g->conv, &p, NULL) == SN_OK && p.email[0] && p.consent)
        snprintf(g->email, sizeof g->email, "%s", p.email);
    if (store_conv_get(st, g->conv, &r, NULL) == SN_OK)
        snprintf(g->lang, sizeof g->lang, "%s", r.lang);
    if (strcmp(g->lang, "en"))
        snprintf(g->lang, sizeof g->lang, "ar");
    return SN_OK;
}

/* Queues the mail of reply text (stored as seq) to g's address: "queued" with *id, or why
 * not ("disabled": no outbox; "no_address": no email with consent; "failed": it could not
 * be queued, logged). */
static const char *queue_mail(struct bot_server *srv,
                              const struct bot_agent *a,
                              const struct target *g,
                              const char *text,
                              long long *id)
{
    struct sn_err e = {0};
    struct bot_casemail m = {0};
    char link[BOT_CASEMAIL_LINK_MAX];
    *id = 0;
    if (!srv->outbox || !srv->mail_texts)
        return "disabled";
    if (!g->email[0])
        return "no_address";
    bot_casemail_link(srv->cfg->public_url, g->c.ref, link);
    const struct bot_casemail_in in = {.lang = g->lang,
                                       .ref = g->c.ref,
                                       .agent = a->name,
                                       .bot = bot_brain_name(srv->brain, g->lang),
                                       .text = text,
                                       .link = link};
    int rc = bot_casemail_render(srv->mail_texts, &in, &m, &e);
    if (rc == SN_OK) {
        const struct bot_outbox_mail om = {.to = g->email,
                                           .subject = m.subject,
                                           .text = m.text,
                                           .html = m.html,
                                           .ref = g->c.ref,
                                           .report = 1};
        rc = bot_outbox_add(srv->outbox, &om, id, &e);
    }
    bot_casemail_fini(&m);
    if (rc) {
        sn_log(SN_LOG_ERR, "casereply", "event=mail_failed case=%s err=\"%s\"", g->c.ref, e.msg);
        return "failed";
    }
    return "queued";
}

static void tell_agents(struct bot_server *srv,
                        const char *ref,
                        long long ticket,
                        long long mail,
                        const char *state,
                        const char *error)
{
    size_t len;
    char *j = bot_agent_proto_case_mail(ref, ticket, mail, state, error, &len);
    bot_queue_agents_send(srv->queue, j, len);
    free(j);
}

void bot_casereply_on_frame(struct bot_session *s, const struct bot_agent_in *in)
{
    struct bot_server *srv = s->srv;
    struct bot_agent *a = s->agent;
    struct sn_err e = {0};
    struct target g;
    enum bot_case_status from, to;
    char key[BOT_PROTO_CLIENT_ID_MAX + 3], actor[BOT_CASES_ACTOR_MAX];
    long long seq = 0, mail = 0, now = bot_server_now_ms();
    int dup = 0;
    size_t len;
    void *conns[1];
    int rc = find_target(srv, in, &g, &e);
    if (rc) {
        if (rc == SN_ENOTFOUND)
            bot_session_refuse(s, BOT_PROTO_NOT_FOUND, e.msg, in->client_id);
        else
            bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not do that; try again",
                              in->client_id);
        return;
    }
    /* a visitor who is here reads the chat: an email would answer them twice */
    if (bot_convs_conns(srv->convs, g.conv, conns, 1) > 0) {
        bot_session_refuse(s, BOT_AGENT_VISITOR_CONNECTED,
                           "the visitor is connected: answer in the chat", in->client_id);
        return;
    }
    if (bot_case_status_parse(g.c.status, &from) ||
        bot_case_next(from, BOT_CASE_AGENT_REPLIED, &to)) {
        bot_session_refuse(s, BOT_AGENT_CASE_CLOSED, "the case is closed", in->client_id);
        return;
    }
    /* "e:" keeps these client_ids apart from the chat's replies ("a:") and the visitor's */
    snprintf(key, sizeof key, "e:%s", in->client_id);
    struct store_msg m = {.conv_id = g.conv,
                          .sender = "agent",
                          .client_id = key,
                          .text = in->text,
                          .agent = a->name,
                          .ts = now};
    if ((rc = store_msg_add(srv->store, &m, &seq, &dup, &e))) {
        sn_log(SN_LOG_ERR, "casereply", "event=store_failed case=%s err=\"%s\"", g.c.ref, e.msg);
        bot_session_error(s, BOT_PROTO_INTERNAL, "the server could not store the reply",
                          in->client_id);
        return;
    }
    const char *email = "duplicate"; /* a resend: stored and queued the first time */
    if (!dup) {
        bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_AGENT);
        email = queue_mail(srv, a, &g, in->text, &mail);
        char *detail = bot_agent_proto_reply_detail(seq, email, mail);
        if ((rc = bot_cases_apply(srv->store, &g.c, BOT_CASE_AGENT_REPLIED,
                                  bot_cases_agent_actor(a->login, actor), detail, now, &e)))
            sn_log(SN_LOG_ERR, "cases", "event=case_failed case=%s on=agent_replied err=\"%s\"",
                   g.c.ref, e.msg);
        free(detail);
    }
    sn_log(SN_LOG_NOTICE, "casereply", "event=replied agent=%s case=%s seq=%lld email=%s mail=%lld",
           a->login, g.c.ref, seq, email, mail);
    char *j = bot_agent_proto_case_replied(in->client_id, g.c.ref, g.ticket, g.conv, seq, email,
                                           mail, &len);
    bot_session_send(s, j, len);
    struct bot_agent *h = dup ? NULL : bot_queue_holder(srv->queue, g.conv);
    if (h) { /* a chat whose visitor is gone: its agent's transcript gets the reply too */
        m.seq = seq;
        char *rj = bot_agent_proto_relay(&m, &len);
        bot_session_send(h->conn, rj, len);
    }
    if (mail)
        tell_agents(srv, g.c.ref, g.ticket, mail, "queued", NULL);
}

/* One final state from the outbox: the case's timeline row, then every agent told. 0 to
 * mark it reported (done, or nothing to record: not a case's mail, a case gone); non-zero
 * to try again at the next tick (the store failed). */
static int report_one(void *ctx, const struct bot_outbox_row *r)
{
    struct bot_server *srv = ctx;
    struct sn_err e = {0};
    struct store_case c;
    int sent = r->status == BOT_OUTBOX_SENT;
    int rc = r->ref ? store_case_find(srv->store, STORE_CASE_BY_REF, r->ref, &c, &e) : SN_ENOTFOUND;
    if (rc == SN_ENOTFOUND)
        return 0;
    if (rc)
        return 1;
    char *detail = bot_agent_proto_mail_detail(r->id, r->attempts, sent ? NULL : r->last_error);
    rc = bot_cases_apply(srv->store, &c, sent ? BOT_CASE_EMAIL_SENT : BOT_CASE_EMAIL_FAILED,
                         "system", detail, bot_server_now_ms(), &e);
    free(detail);
    if (rc == SN_EDB) {
        sn_log(SN_LOG_ERR, "cases", "event=case_failed case=%s on=email err=\"%s\"", c.ref, e.msg);
        return 1;
    }
    sn_log(SN_LOG_NOTICE, "casereply", "event=%s case=%s mail=%lld",
           sent ? "mail_sent" : "mail_failed", c.ref, r->id);
    tell_agents(srv, c.ref, c.ticket_id, r->id, sent ? "sent" : "failed",
                sent ? NULL : r->last_error);
    return 0;
}

/* The worker thread sends with its own connection to the outbox and must not touch the
 * conversation store: a struct store is one connection for one thread (the loop's), and
 * the frames to agents are the loop's too. So the worker only writes its own row, and the
 * loop polls here (an indexed look at the outbox: the rows whose final state is not
 * reported yet) and records the events itself. A crash between the case's row and the
 * outbox's mark records that event again at the next start: at least once, like the mail. */
void bot_casereply_tick(struct bot_server *srv)
{
    struct sn_err e = {0};
    if (!srv->outbox)
        return;
    if (bot_outbox_reports(srv->outbox, REPORTS_PER_TICK, report_one, srv, NULL, &e))
        sn_log(SN_LOG_ERR, "casereply", "event=reports_failed err=\"%s\"", e.msg);
}

void bot_casereply_ticket_mail(struct bot_server *srv,
                               struct bot_agent_proto_list *l,
                               const struct store_ticket *t)
{
    struct store_case c;
    struct bot_outbox_state o;
    if (!t->conv_id || !*t->conv_id ||
        store_case_find(srv->store, STORE_CASE_BY_CONV, t->conv_id, &c, NULL) != SN_OK)
        return;
    int has = srv->outbox && bot_outbox_last(srv->outbox, c.ref, &o, NULL) == SN_OK;
    const char *state = !has                            ? NULL
                        : o.status == BOT_OUTBOX_SENT   ? "sent"
                        : o.status == BOT_OUTBOX_FAILED ? "failed"
                                                        : "queued";
    bot_agent_proto_list_ticket_mail(l, c.ref, has ? o.id : 0, state,
                                     has && o.error[0] && o.status == BOT_OUTBOX_FAILED ? o.error
                                                                                        : NULL);
}
