/* An agent connection's frames: presence, take, reply, note, close, transfer, typing,
 * case_reply (bot/casereply.h), escalate, ping. */
#include "bot/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/agent_proto.h"
#include "bot/agents.h"
#include "bot/casereply.h"
#include "bot/cluster.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/store.h"
#include "bot/typing.h"

void bot_agent_open(struct bot_session *s, const struct bot_user *u, const char *token)
{
    s->is_agent = 1;
    bot_queue_agent_join(s->srv->queue, s, u, token);
}

static void send_error(struct bot_session *s, int code, const char *why, const char *client_id)
{
    size_t len;
    char *j = bot_agent_proto_error(code, why, client_id, &len);
    bot_session_send(s, j, len);
}

/* A queue failure as an error frame: not found and capacity are the agent's mistakes. */
static void failed(struct bot_session *s, int rc, const struct sn_err *e, const char *client_id)
{
    if (rc == SN_ENOTFOUND)
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, e->msg, client_id);
    else if (rc == SN_EINVAL)
        bot_session_refuse(s, BOT_PROTO_BAD_FIELD, e->msg, client_id);
    else if (rc == SN_ETOOBIG)
        bot_session_refuse(s, BOT_AGENT_AT_CAPACITY, e->msg, client_id);
    else
        send_error(s, BOT_PROTO_INTERNAL, "the server could not do that; try again", client_id);
}

/* The meta of a reply carrying attachment id, uploaded to this very conversation
 * (bot_proto_attachment_meta; caller frees); else NULL, with SN_ENOTFOUND or the store's code
 * in *rc and err set. */
static char *attachment_meta(
    struct bot_session *s, const char *conv, const char *id, int *rc, struct sn_err *err)
{
    struct store_att a;
    *rc = store_att_get(s->srv->store, id, &a, err);
    if (*rc == SN_OK && strcmp(a.conv_id, conv))
        *rc = sn_err_set(err, SN_ENOTFOUND, "no such attachment in this conversation");
    return *rc ? NULL : bot_proto_attachment_meta(&a);
}

static void on_write(struct bot_session *s, const struct bot_agent_in *in, int note)
{
    struct sn_err e = {0};
    long long seq;
    int dup, rc = SN_OK;
    size_t len;
    char *meta =
        in->attachment[0] ? attachment_meta(s, in->conversation, in->attachment, &rc, &e) : NULL;
    if (!rc)
        rc = bot_queue_write_meta(s->srv->queue, s->agent, in->conversation,
                                  in->text ? in->text : "", in->client_id, meta, note, &seq, &dup,
                                  &e);
    free(meta);
    if (rc) {
        failed(s, rc, &e, in->client_id);
        return;
    }
    char *j = bot_agent_proto_ack(in->conversation, in->client_id, seq, &len);
    bot_session_send(s, j, len);
    struct bot_conv *c = note ? NULL : bot_convs_find(s->srv->convs, in->conversation);
    if (c) /* the reply ends the agent's typing (the widget clears it at the message) */
        bot_typing_reset(&c->typing[BOT_TYPING_AGENT]);
}

/* The agent types in one of its chats: relayed to every tab of its visitor as
 * {"type":"typing","from":"agent","on"}, as bot/typing.h allows; nobody connected: nothing. */
static void on_typing(struct bot_session *s, const struct bot_agent_in *in)
{
    struct bot_conv *c;
    if (bot_agents_chat_index(s->agent, in->conversation) < 0) {
        bot_session_refuse(s, BOT_PROTO_NOT_FOUND, "the conversation is not one of your chats",
                           NULL);
        return;
    }
    /* the visitor's tabs on other nodes: their node applies the same limit (NULL: one node) */
    bot_cluster_live_typing(s->srv->cluster, in->conversation, in->on);
    c = bot_convs_find(s->srv->convs, in->conversation);
    if (!c || !bot_typing_relay(&c->typing[BOT_TYPING_AGENT], in->on, bot_server_now_us() / 1000))
        return;
    size_t len, n;
    char *j = bot_proto_typing(in->on, &len);
    void *buf[BOT_CONVS_MAX_CONNS];
    n = bot_convs_conns(s->srv->convs, c->id, buf, BOT_CONVS_MAX_CONNS);
    for (size_t i = 0; i < n && i < BOT_CONVS_MAX_CONNS; i++)
        bot_session_send(buf[i], sn_xstrndup(j, len), len);
    free(j);
}

void bot_agent_on_frame(struct bot_session *s, const char *buf, size_t len, int binary, int too_big)
{
    const struct bot_config *cfg = s->srv->cfg;
    struct bot_queue *q = s->srv->queue;
    struct bot_agent_in in;
    struct sn_err e = {0};
    int rc;

    if (!s->agent)
        return; /* replaced by a newer socket of the same agent: closing */
    if (!bot_session_admit(s, binary, too_big))
        return;
    rc = bot_agent_proto_decode(buf, len, cfg->max_text, &in, &e);
    if (rc) {
        bot_session_refuse(s, e.detail, e.msg, in.client_id);
        return;
    }
    switch (in.type) {
    case BOT_AGENT_IN_PING: {
        size_t n;
        char *j = bot_proto_pong(&n);
        bot_session_send(s, j, n);
        break;
    }
    case BOT_AGENT_IN_PRESENCE:
        bot_queue_agent_presence(q, s->agent, in.online);
        break;
    case BOT_AGENT_IN_TAKE:
        if ((rc = bot_queue_take(q, s->agent, in.conversation, &e)))
            failed(s, rc, &e, NULL);
        break;
    case BOT_AGENT_IN_REPLY:
    case BOT_AGENT_IN_NOTE:
        on_write(s, &in, in.type == BOT_AGENT_IN_NOTE);
        break;
    case BOT_AGENT_IN_CLOSE:
        if ((rc = bot_queue_close(q, s->agent, in.conversation, in.resolution, &e)))
            failed(s, rc, &e, NULL);
        break;
    case BOT_AGENT_IN_TYPING:
        on_typing(s, &in);
        break;
    case BOT_AGENT_IN_CASE_REPLY:
        bot_casereply_on_frame(s, &in);
        break;
    case BOT_AGENT_IN_TRANSFER:
        /* to an agent, or to a department's queue (issue 15) */
        rc = in.department[0]
                 ? bot_queue_to_department(q, s->agent, in.conversation, in.department, in.text, 0,
                                           &e)
                 : bot_queue_transfer(q, s->agent, in.conversation, in.to, in.text, &e);
        if (rc)
            failed(s, rc, &e, NULL);
        break;
    case BOT_AGENT_IN_ESCALATE:
        if ((rc = bot_queue_to_department(q, s->agent, in.conversation, in.department, in.text, 1,
                                          &e)))
            failed(s, rc, &e, NULL);
        break;
    }
    bot_agent_in_fini(&in);
}
