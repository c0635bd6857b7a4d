/* Group commit (bot/batch.h): the batch counter, the sessions whose frames wait for it, and
 * the flush that serve.c calls before the loop waits for events. */
#include "bot/batch.h"

#include <stdlib.h>

#include "bot/server.h"
#include "bot/session.h"
#include "bot/store.h"
#include "kb/kb.h"

static void begin(struct bot_server *srv)
{
    srv->batch_gen = srv->batch_done + 1;
    store_batch_begin(srv->store);
    if (srv->kb)
        kb_batch_begin(srv->kb);
}

void bot_batch_start(struct bot_server *srv)
{
    begin(srv);
}

int bot_batch_waits(const struct bot_server *srv, const struct bot_outframe *f)
{
    return f->batch > srv->batch_done;
}

void bot_batch_hold(struct bot_session *s)
{
    if (s->held)
        return;
    s->held = 1;
    s->held_next = s->srv->held;
    s->srv->held = s;
}

void bot_batch_forget(struct bot_session *s)
{
    if (!s->held)
        return;
    for (struct bot_session **p = &s->srv->held; *p; p = &(*p)->held_next)
        if (*p == s) {
            *p = s->held_next;
            break;
        }
    s->held = 0;
    s->held_next = NULL;
}

/* The failed batch's frames (the last ones queued: a queue is in order) leave the queue. */
static void drop_batch(struct bot_session *s, unsigned long long batch)
{
    struct bot_outframe **p = &s->qhead, *keep = NULL;
    while (*p && (*p)->batch < batch) {
        keep = *p;
        p = &(*p)->next;
    }
    while (*p) {
        struct bot_outframe *f = *p;
        *p = f->next;
        free(f);
        s->qlen--;
    }
    s->qtail = keep;
}

/* Ends the open batch on both connections; the store's result. */
static int commit(struct bot_server *srv)
{
    struct sn_err e = {0}, ke = {0};
    int rc = store_batch_end(srv->store, &e);
    if (rc)
        sn_log(SN_LOG_ERR, "store", "event=batch_failed batch=%llu err=\"%s\"", srv->batch_gen,
               e.msg);
    if (srv->kb && kb_batch_end(srv->kb, &ke)) /* gaps and labels: statistics, not promises */
        sn_log(SN_LOG_WARN, "kb", "event=batch_failed err=\"%s\"", ke.msg);
    return rc;
}

int bot_batch_flush(struct bot_server *srv)
{
    if (!srv->batch_gen)
        return SN_OK; /* not batching */
    int rc = commit(srv);
    unsigned long long done = srv->batch_gen;
    srv->batch_done = done;
    begin(srv);
    struct bot_session *s = srv->held;
    srv->held = NULL;
    while (s) {
        struct bot_session *next = s->held_next;
        s->held = 0;
        s->held_next = NULL;
        if (rc) {
            drop_batch(s, done);
            bot_session_close(s, 1011);
        } else {
            s->wake(s->io);
        }
        s = next;
    }
    return rc;
}

void bot_batch_stop(struct bot_server *srv)
{
    if (!srv->batch_gen)
        return;
    bot_batch_flush(srv);
    store_batch_end(srv->store, NULL); /* nothing is open: it only ends the batch */
    if (srv->kb)
        kb_batch_end(srv->kb, NULL);
    srv->batch_done = srv->batch_gen; /* what is queued from now on goes at once */
    srv->batch_gen = 0;
}
