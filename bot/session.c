/* A connection, visitor or agent: its outgoing frame queue, the admission every frame
 * passes (rate limit, size, text only), refusals with abuse counting, and the close. What
 * the frames mean is bot/visitor.c's and bot/agent.c's. */
#include "bot/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/agent.h"
#include "bot/agent_proto.h"
#include "bot/batch.h"
#include "bot/config.h"
#include "bot/metrics.h"
#include "bot/proto.h"
#include "bot/queue.h"
#include "bot/server.h"
#include "bot/visitor.h"

long long bot_server_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

long long bot_server_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct bot_session *
bot_session_new(struct bot_server *srv, const char *ip, bot_session_wake_fn *wake, void *io)
{
    struct bot_session *s = sn_xcalloc(1, sizeof *s);
    s->srv = srv;
    s->id = ++srv->next_session_id;
    s->wake = wake;
    s->io = io;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    bot_bucket_init(&s->bucket, srv->cfg->burst, bot_server_now_us());
    s->next = srv->sessions;
    if (s->next)
        s->next->prev = s;
    srv->sessions = s;
    srv->nsessions++;
    return s;
}

/* Removes and returns the first queued frame, sendable or not. */
static struct bot_outframe *take(struct bot_session *s)
{
    struct bot_outframe *f = s->qhead;
    if (f) {
        s->qhead = f->next;
        if (!s->qhead)
            s->qtail = NULL;
        s->qlen--;
    }
    return f;
}

void bot_session_free(struct bot_session *s)
{
    if (!s)
        return;
    struct bot_outframe *f;
    if (s->agent)
        bot_queue_agent_leave(s->srv->queue, s->agent); /* clears s->agent */
    bot_batch_forget(s);
    while ((f = take(s)))
        free(f);
    if (s->prev)
        s->prev->next = s->next;
    else
        s->srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->srv->nsessions--;
    bot_visitor_leave(s);
    free(s);
}

struct bot_outframe *bot_session_pop(struct bot_session *s)
{
    if (s->qhead && bot_batch_waits(s->srv, s->qhead)) {
        bot_batch_hold(s); /* woken once its batch is committed */
        return NULL;
    }
    return take(s);
}

void bot_session_send(struct bot_session *s, char *json, size_t len)
{
    size_t pre = s->srv->headroom;
    struct bot_outframe *f = sn_xmalloc(sizeof *f + pre + len);
    f->next = NULL;
    f->batch = s->srv->batch_gen;
    f->len = len;
    memcpy(f->buf + pre, json, len);
    free(json);
    if (s->qtail)
        s->qtail->next = f;
    else
        s->qhead = f;
    s->qtail = f;
    s->qlen++;
    if (bot_batch_waits(s->srv, f))
        bot_batch_hold(s); /* the batch's commit wakes it */
    else
        s->wake(s->io);
}

void bot_session_close(struct bot_session *s, int code)
{
    if (!s->close_code)
        s->close_code = code;
    s->wake(s->io);
}

/* The two kinds of connection share their admission and refusal; only the wording of an
 * error frame and the log tag differ. */
static const struct conn_kind {
    const char *tag;
    char *(*error)(int code, const char *message, const char *client_id, size_t *len);
    const char *(*err_name)(int code);
} kinds[2] = {
    {"ws", bot_proto_error, bot_proto_err_name},
    {"agent", bot_agent_proto_error, bot_agent_proto_err_name},
};

static const struct conn_kind *kind_of(const struct bot_session *s)
{
    return &kinds[s->is_agent ? 1 : 0];
}

void bot_session_error(struct bot_session *s, int code, const char *why, const char *client_id)
{
    size_t len;
    bot_metrics_inc(BOT_M_ERRORS, bot_metrics_error(code));
    char *j = kind_of(s)->error(code, why, client_id, &len);
    bot_session_send(s, j, len);
}

void bot_session_refuse(struct bot_session *s, int code, const char *why, const char *client_id)
{
    const struct conn_kind *k = kind_of(s);
    sn_log(SN_LOG_INFO, k->tag, "event=refused sess=%llu code=%s", s->id, k->err_name(code));
    if (s->close_code)
        return; /* already closing: stay quiet */
    bot_session_error(s, code, why, client_id);
    if (++s->refused >= s->srv->cfg->abuse_limit) {
        sn_log(SN_LOG_NOTICE, k->tag, "event=abuse sess=%llu ip=%s refused=%d close=1008", s->id,
               s->ip, s->refused);
        bot_session_close(s, 1008);
    }
}

int bot_session_admit(struct bot_session *s, int binary, int too_big)
{
    const struct bot_config *cfg = s->srv->cfg;
    char why[96];
    if (!bot_bucket_take(&s->bucket, cfg->rate, cfg->burst, bot_server_now_us())) {
        bot_metrics_inc(BOT_M_RATE_LIMITED, 0);
        bot_session_refuse(s, BOT_PROTO_RATE_LIMITED, "too many frames; slow down", NULL);
        return 0;
    }
    if (too_big) {
        snprintf(why, sizeof why, "the frame is larger than %d bytes", cfg->max_frame);
        bot_session_refuse(s, BOT_PROTO_TOO_BIG, why, NULL);
        return 0;
    }
    if (binary) {
        bot_session_refuse(s, BOT_PROTO_BAD_JSON, "binary frames are not accepted", NULL);
        return 0;
    }
    return 1;
}

void bot_session_on_frame(
    struct bot_session *s, const char *buf, size_t len, int binary, int too_big)
{
    long long t0 = bot_server_now_us();
    if (s->close_code)
        return; /* closing: nothing more is read */
    if (s->is_agent) {
        bot_agent_on_frame(s, buf, len, binary, too_big);
        return;
    }
    if (bot_session_admit(s, binary, too_big))
        bot_visitor_on_frame(s, buf, len, t0);
}
