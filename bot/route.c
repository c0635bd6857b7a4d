/* Routing: the queue and its policy (see bot/route.h). */
#include "bot/route.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/sla.h"
#include "kb/base.h"

struct bot_route {
    struct bot_route_item *head, *tail;
    int len;
    int changed;
    long long handled_ms[BOT_ROUTE_ETA_SAMPLES]; /* handling times of the last closed chats */
    int nhandled, handled_next;
};

int bot_route_better(const struct bot_route_agent *a,
                     const struct bot_route_agent *best,
                     int capacity)
{
    if (!a->available || a->nchats >= capacity)
        return 0;
    return !best || a->nchats < best->nchats ||
           (a->nchats == best->nchats && a->last_assigned < best->last_assigned);
}

int bot_route_eta_minutes(const long long *handled_ms, int n, int online, int position)
{
    double per = BOT_ROUTE_ETA_DEFAULT_MIN;
    if (n > 0) {
        long long sum = 0;
        for (int i = 0; i < n; i++)
            sum += handled_ms[i];
        per = (double)sum / n / 60000.0;
    }
    double eta = position * per / (online > 0 ? online : 1);
    int m = (int)(eta + 0.999);
    return m < 1 ? 1 : m;
}

int bot_route_visitor_gone(long long *gone_at, int present, long long now, long long grace_ms)
{
    if (present) {
        *gone_at = 0;
        return 0;
    }
    if (!*gone_at) {
        *gone_at = now ? now : 1; /* 0 means present */
        return 0;
    }
    return now - *gone_at >= grace_ms;
}

int bot_route_agent_due(long long deadline, long long now)
{
    return deadline <= now;
}

/* --- the queue ------------------------------------------------------------------------ */

struct bot_route *bot_route_new(void)
{
    return sn_xcalloc(1, sizeof(struct bot_route));
}

void bot_route_free(struct bot_route *r)
{
    if (!r)
        return;
    for (struct bot_route_item *it = r->head, *n; it; it = n) {
        n = it->next;
        free(it);
    }
    free(r);
}

/* Copies at most 140 characters of valid UTF-8 text into out (BOT_ROUTE_LAST_MAX). */
static void copy_last(char *out, const char *text)
{
    size_t i = 0, chars = 0;
    while (text && text[i] && chars < 140 && i + 4 < BOT_ROUTE_LAST_MAX) {
        i++;
        while ((text[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    if (i)
        memcpy(out, text, i);
    out[i] = 0;
}

int bot_route_before(const struct bot_route_item *a, const struct bot_route_item *b)
{
    if (a->c.prio != b->c.prio)
        return a->c.prio > b->c.prio;
    if (a->front != b->front)
        return a->front;
    return a->queued_at < b->queued_at;
}

/* Links it in its place: before the first item it is served before, else at the tail. */
static void insert_item(struct bot_route *r, struct bot_route_item *it)
{
    struct bot_route_item *prev = NULL, *n = r->head;
    while (n && !bot_route_before(it, n)) {
        prev = n;
        n = n->next;
    }
    it->next = n;
    if (prev)
        prev->next = it;
    else
        r->head = it;
    if (!n)
        r->tail = it;
}

struct bot_route_item *bot_route_push_case(struct bot_route *r,
                                           const char *conv,
                                           const char *lang,
                                           long long queued_at,
                                           const char *last,
                                           int front,
                                           const struct bot_route_case *c)
{
    struct bot_route_item *it = bot_route_find(r, conv, NULL);
    if (it)
        return it;
    it = sn_xcalloc(1, sizeof *it);
    snprintf(it->id, sizeof it->id, "%s", conv);
    snprintf(it->lang, sizeof it->lang, "%s", lang);
    it->queued_at = queued_at;
    copy_last(it->last, last);
    it->front = front != 0;
    if (c)
        it->c = *c;
    else
        it->c.prio = BOT_PRIO_NORMAL;
    insert_item(r, it);
    r->len++;
    r->changed = 1;
    return it;
}

struct bot_route_item *bot_route_push(struct bot_route *r,
                                      const char *conv,
                                      const char *lang,
                                      long long queued_at,
                                      const char *last,
                                      int front)
{
    return bot_route_push_case(r, conv, lang, queued_at, last, front, NULL);
}

void bot_route_set_case(struct bot_route *r,
                        struct bot_route_item *it,
                        const struct bot_route_case *c)
{
    struct bot_route_item *prev = NULL;
    for (struct bot_route_item *n = r->head; n && n != it; n = n->next)
        prev = n;
    if (prev)
        prev->next = it->next;
    else
        r->head = it->next;
    if (r->tail == it)
        r->tail = prev;
    it->c = *c;
    insert_item(r, it);
    r->changed = 1;
}

struct bot_route_item *bot_route_find(const struct bot_route *r, const char *conv, int *pos)
{
    int n = 0;
    for (struct bot_route_item *it = r->head; it; it = it->next) {
        n++;
        if (!strcmp(it->id, conv)) {
            if (pos)
                *pos = n;
            return it;
        }
    }
    return NULL;
}

/* Unlinks it (prev before it, NULL at the head) and frees it. */
static void unlink_item(struct bot_route *r, struct bot_route_item *it, struct bot_route_item *prev)
{
    if (prev)
        prev->next = it->next;
    else
        r->head = it->next;
    if (r->tail == it)
        r->tail = prev;
    r->len--;
    r->changed = 1;
    free(it);
}

int bot_route_remove(struct bot_route *r, const char *conv)
{
    struct bot_route_item *prev = NULL;
    for (struct bot_route_item *it = r->head; it; prev = it, it = it->next)
        if (!strcmp(it->id, conv)) {
            unlink_item(r, it, prev);
            return 0;
        }
    return -1;
}

struct bot_route_item *bot_route_head(const struct bot_route *r)
{
    return r->head;
}

int bot_route_len(const struct bot_route *r)
{
    return r->len;
}

void bot_route_set_last(struct bot_route *r, struct bot_route_item *it, const char *text)
{
    copy_last(it->last, text);
    r->changed = 1;
}

int bot_route_changed(struct bot_route *r)
{
    int c = r->changed;
    r->changed = 0;
    return c;
}

void bot_route_positions(struct bot_route *r,
                         void (*fn)(void *ctx, const struct bot_route_item *it, int pos),
                         void *ctx)
{
    int pos = 0;
    for (struct bot_route_item *it = r->head; it; it = it->next)
        if (++pos != it->pos_sent) {
            it->pos_sent = pos;
            fn(ctx, it, pos);
        }
}

void bot_route_handled(struct bot_route *r, long long ms)
{
    r->handled_ms[r->handled_next] = ms;
    r->handled_next = (r->handled_next + 1) % BOT_ROUTE_ETA_SAMPLES;
    if (r->nhandled < BOT_ROUTE_ETA_SAMPLES)
        r->nhandled++;
}

int bot_route_eta(const struct bot_route *r, int online, int pos)
{
    return bot_route_eta_minutes(r->handled_ms, r->nhandled, online, pos);
}

int bot_route_sweep(struct bot_route *r,
                    long long now,
                    long long grace_ms,
                    int (*present)(void *ctx, const char *conv),
                    int (*expire)(void *ctx, const struct bot_route_item *it),
                    void *ctx)
{
    struct bot_route_item *prev = NULL, *it = r->head;
    int left = 0;
    while (it) {
        struct bot_route_item *next = it->next;
        if (bot_route_visitor_gone(&it->gone_at, present(ctx, it->id), now, grace_ms) &&
            expire(ctx, it) == 0) {
            unlink_item(r, it, prev);
            left++;
        } else {
            prev = it;
        }
        it = next;
    }
    return left;
}
