/* The conversations in memory and their moves (see bot/convs.h): a chained hash table of
 * conversations, doubling when it holds more than it has buckets; each conversation keeps
 * its connections in a small array (one, two with a second tab). */
#include "bot/convs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A conversation's seen receipt (bot_convs_seen): its own small table, since it outlives the
 * conversation's visitor connections. */
#define SEEN_BUCKETS 128
struct seen {
    struct seen *chain;
    long long seq;
    char id[STORE_ID_MAX];
};

struct bot_convs {
    struct seen *seen[SEEN_BUCKETS];
    struct store *store;
    bot_convs_moved_fn *moved;
    void *ctx;
    struct bot_conv **bucket; /* heads of the chains */
    size_t nbuckets;          /* a power of two */
    size_t n, nconns;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct bot_convs *bot_convs_new(struct store *st, bot_convs_moved_fn *moved, void *ctx)
{
    struct bot_convs *cs = sn_xcalloc(1, sizeof *cs);
    cs->store = st;
    cs->moved = moved;
    cs->ctx = ctx;
    cs->nbuckets = 64;
    cs->bucket = sn_xcalloc(cs->nbuckets, sizeof *cs->bucket);
    return cs;
}

/* The connection slots of c: inline while there is room for one only. */
static void **slots(struct bot_conv *c)
{
    return c->cap == 1 ? &c->conns.one : c->conns.many;
}

static void conv_free(struct bot_conv *c)
{
    if (c->cap > 1)
        free(c->conns.many);
    free(c);
}

void bot_convs_free(struct bot_convs *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->nbuckets; i++)
        for (struct bot_conv *c = cs->bucket[i], *next; c; c = next) {
            next = c->chain;
            conv_free(c);
        }
    for (size_t i = 0; i < SEEN_BUCKETS; i++)
        for (struct seen *e = cs->seen[i], *next; e; e = next) {
            next = e->chain;
            free(e);
        }
    free(cs->bucket);
    free(cs);
}

static struct bot_conv **head_of(const struct bot_convs *cs, const char *id)
{
    return &cs->bucket[hash(id) & (cs->nbuckets - 1)];
}

static void grow(struct bot_convs *cs)
{
    struct bot_conv **old = cs->bucket;
    size_t oldn = cs->nbuckets;
    cs->nbuckets *= 2;
    cs->bucket = sn_xcalloc(cs->nbuckets, sizeof *cs->bucket);
    for (size_t i = 0; i < oldn; i++)
        for (struct bot_conv *c = old[i], *next; c; c = next) {
            next = c->chain;
            struct bot_conv **h = head_of(cs, c->id);
            c->chain = *h;
            *h = c;
        }
    free(old);
}

struct bot_conv *bot_convs_find(const struct bot_convs *cs, const char *id)
{
    for (struct bot_conv *c = *head_of(cs, id); c; c = c->chain)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

struct bot_conv *bot_convs_attach(struct bot_convs *cs,
                                  const char *id,
                                  enum bot_conv_state state,
                                  const struct bot_dialogue *dlg,
                                  void *conn)
{
    struct bot_conv *c = bot_convs_find(cs, id);
    if (c && c->nconns >= BOT_CONVS_MAX_CONNS)
        return NULL;
    if (!c) {
        if (cs->n + 1 > cs->nbuckets)
            grow(cs);
        c = sn_xcalloc(1, sizeof *c);
        snprintf(c->id, sizeof c->id, "%s", id);
        c->state = state;
        c->dlg = *dlg;
        c->cap = 1;
        struct bot_conv **h = head_of(cs, id);
        c->chain = *h;
        *h = c;
        cs->n++;
    }
    if (c->nconns == c->cap) {
        void **many = sn_xcalloc((size_t)c->cap * 2, sizeof *many);
        memcpy(many, slots(c), c->nconns * sizeof *many);
        if (c->cap > 1)
            free(c->conns.many);
        c->conns.many = many;
        c->cap *= 2;
    }
    slots(c)[c->nconns++] = conn;
    cs->nconns++;
    return c;
}

void bot_convs_detach(struct bot_convs *cs, struct bot_conv *c, void *conn)
{
    void **v = slots(c);
    int i;
    for (i = 0; i < c->nconns && v[i] != conn; i++)
        ;
    if (i == c->nconns)
        return;
    memmove(&v[i], &v[i + 1], (size_t)(c->nconns - i - 1) * sizeof *v);
    c->nconns--;
    cs->nconns--;
    if (c->nconns)
        return;
    for (struct bot_conv **p = head_of(cs, c->id); *p; p = &(*p)->chain)
        if (*p == c) {
            *p = c->chain;
            break;
        }
    cs->n--;
    conv_free(c);
}

size_t bot_convs_conns(const struct bot_convs *cs, const char *id, void **out, size_t cap)
{
    struct bot_conv *c = bot_convs_find(cs, id);
    if (!c)
        return 0;
    void **v = slots(c);
    for (int i = 0; i < c->nconns && (size_t)i < cap; i++)
        out[i] = v[i];
    return (size_t)c->nconns;
}

size_t bot_convs_count(const struct bot_convs *cs)
{
    return cs->n;
}

size_t bot_convs_nconns(const struct bot_convs *cs)
{
    return cs->nconns;
}

void bot_convs_states(const struct bot_convs *cs, long long out[BOT_CONV_NSTATES])
{
    for (int i = 0; i < BOT_CONV_NSTATES; i++)
        out[i] = 0;
    for (size_t b = 0; b < cs->nbuckets; b++)
        for (const struct bot_conv *c = cs->bucket[b]; c; c = c->chain)
            if ((unsigned)c->state < BOT_CONV_NSTATES)
                out[c->state]++;
}

/* --- seen receipts ------------------------------------------------------------------------ */

static struct seen **seen_slot(const struct bot_convs *cs, const char *id)
{
    struct seen *const *p = &cs->seen[hash(id) % SEEN_BUCKETS];
    while (*p && strcmp((*p)->id, id))
        p = &(*p)->chain;
    return (struct seen **)p;
}

long long bot_convs_seen(const struct bot_convs *cs, const char *id)
{
    struct seen *e = *seen_slot(cs, id);
    return e ? e->seq : 0;
}

int bot_convs_seen_raise(struct bot_convs *cs, const char *id, long long seq)
{
    struct seen **p = seen_slot(cs, id);
    if (*p && (*p)->seq >= seq)
        return 0;
    if (!*p) {
        *p = sn_xcalloc(1, sizeof **p);
        snprintf((*p)->id, sizeof(*p)->id, "%s", id);
    }
    (*p)->seq = seq;
    return 1;
}

/* The conversation left the agents: its receipt goes (the next agent starts afresh). */
static void seen_forget(struct bot_convs *cs, const char *id)
{
    struct seen **p = seen_slot(cs, id), *e = *p;
    if (!e)
        return;
    *p = e->chain;
    free(e);
}

/* The state of id: in memory, else as the store has it. A state another version wrote
 * counts as the bot's (the table then decides as for one). */
static int
current(struct bot_convs *cs, const char *id, enum bot_conv_state *state, struct sn_err *err)
{
    struct store_route r;
    const struct bot_conv *c = bot_convs_find(cs, id);
    if (c) {
        *state = c->state;
        return SN_OK;
    }
    int rc = store_conv_get(cs->store, id, &r, err);
    if (rc == SN_OK)
        bot_conv_state_parse(r.state, state);
    return rc;
}

int bot_convs_move(struct bot_convs *cs,
                   const struct bot_conv_move *mv,
                   enum bot_conv_state *to,
                   struct sn_err *err)
{
    enum bot_conv_state from, next;
    int rc = current(cs, mv->conv, &from, err);
    if (rc)
        return rc;
    rc = bot_conv_next(from, mv->ev, &next);
    if (rc == SN_EINVAL)
        return sn_err_set(err, SN_EINVAL, "conversation %s: no such event", mv->conv);
    if (rc)
        return sn_err_set(err, SN_ECONFLICT, "conversation %s: no %s from %s", mv->conv,
                          bot_conv_event_name(mv->ev), bot_conv_state_name(from));
    rc = store_conv_route(cs->store, mv->conv, bot_conv_state_name(next), mv->agent_id,
                          mv->queued_at, mv->resolution, mv->now, err);
    if (rc)
        return rc;
    struct bot_conv *c = bot_convs_find(cs, mv->conv);
    if (c) {
        c->state = next;
        c->agent_id = mv->agent_id;
        /* whoever typed before the move: the other side's indicator ends with it (the
         * visitor's widget at agent_joined or closed, the console at its chats) */
        memset(c->typing, 0, sizeof c->typing);
    }
    if (next != BOT_CONV_AGENT)
        seen_forget(cs, mv->conv);
    if (to)
        *to = next;
    if (cs->moved)
        cs->moved(cs->ctx, mv, from, next);
    return SN_OK;
}

/* --- the cluster's (bot/cluster.h) -------------------------------------------------------- */

int bot_convs_refresh(struct bot_convs *cs,
                      const char *id,
                      enum bot_conv_state state,
                      long long agent_id)
{
    struct bot_conv *c = bot_convs_find(cs, id);
    if (!c)
        return SN_ENOTFOUND;
    if (c->state != state || c->agent_id != agent_id)
        memset(c->typing, 0, sizeof c->typing); /* as a move ends them */
    c->state = state;
    c->agent_id = agent_id;
    if (state != BOT_CONV_AGENT)
        seen_forget(cs, id);
    return SN_OK;
}

void bot_convs_each(struct bot_convs *cs, void (*fn)(void *ctx, struct bot_conv *c), void *ctx)
{
    for (size_t b = 0; b < cs->nbuckets; b++)
        for (struct bot_conv *c = cs->bucket[b]; c; c = c->chain)
            fn(ctx, c);
}
