/* Conversation id -> attached connections (see bot/registry.h): open addressing on the id,
 * doubled at half full, with tombstones left by a detach so that probe chains stay whole. */
#include "bot/registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base.h"

struct slot {
    char *id;     /* NULL: never used; TOMB: a forgotten conversation */
    void **conns; /* attached connections, oldest first */
    size_t n, cap;
};

static char tomb_mark;
#define TOMB (&tomb_mark)

struct bot_registry {
    struct slot *v;
    size_t cap;  /* a power of two */
    size_t used; /* live ids and tombstones: what the load factor counts */
    size_t live;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct bot_registry *bot_registry_new(void)
{
    struct bot_registry *r = sn_xcalloc(1, sizeof *r);
    r->cap = 64;
    r->v = sn_xcalloc(r->cap, sizeof *r->v);
    return r;
}

void bot_registry_free(struct bot_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        if (r->v[i].id && r->v[i].id != TOMB) {
            free(r->v[i].id);
            free(r->v[i].conns);
        }
    free(r->v);
    free(r);
}

/* The slot holding conv, or NULL. */
static struct slot *find(const struct bot_registry *r, const char *conv)
{
    for (size_t i = hash(conv) & (r->cap - 1);; i = (i + 1) & (r->cap - 1)) {
        struct slot *s = &r->v[i];
        if (!s->id)
            return NULL;
        if (s->id != TOMB && strcmp(s->id, conv) == 0)
            return s;
    }
}

static void grow(struct bot_registry *r)
{
    struct slot *old = r->v;
    size_t oldcap = r->cap;
    /* only live ids move: tombstones are dropped, so a table full of them shrinks back */
    r->cap = r->live * 4 > oldcap ? oldcap * 2 : oldcap;
    r->v = sn_xcalloc(r->cap, sizeof *r->v);
    r->used = 0;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].id || old[i].id == TOMB)
            continue;
        size_t j = hash(old[i].id) & (r->cap - 1);
        while (r->v[j].id)
            j = (j + 1) & (r->cap - 1);
        r->v[j] = old[i];
        r->used++;
    }
    free(old);
}

void bot_registry_attach(struct bot_registry *r, const char *conv, void *conn)
{
    struct slot *s = find(r, conv);
    if (!s) {
        if ((r->used + 1) * 2 > r->cap)
            grow(r);
        size_t i = hash(conv) & (r->cap - 1);
        while (r->v[i].id && r->v[i].id != TOMB)
            i = (i + 1) & (r->cap - 1);
        s = &r->v[i];
        if (!s->id)
            r->used++;
        s->id = sn_xstrdup(conv);
        s->conns = NULL;
        s->n = s->cap = 0;
        r->live++;
    }
    for (size_t k = 0; k < s->n; k++)
        if (s->conns[k] == conn)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 2;
        s->conns = sn_xrealloc(s->conns, s->cap * sizeof *s->conns);
    }
    s->conns[s->n++] = conn;
}

void bot_registry_detach(struct bot_registry *r, const char *conv, void *conn)
{
    struct slot *s = find(r, conv);
    if (!s)
        return;
    for (size_t k = 0; k < s->n; k++)
        if (s->conns[k] == conn) {
            memmove(s->conns + k, s->conns + k + 1, (s->n - k - 1) * sizeof *s->conns);
            s->n--;
            break;
        }
    if (s->n == 0) {
        free(s->id);
        free(s->conns);
        s->id = TOMB;
        s->conns = NULL;
        s->cap = 0;
        r->live--;
    }
}

size_t bot_registry_conns(const struct bot_registry *r, const char *conv, void **out, size_t cap)
{
    const struct slot *s = find(r, conv);
    if (!s)
        return 0;
    for (size_t k = 0; k < s->n && k < cap; k++)
        out[k] = s->conns[k];
    return s->n;
}

size_t bot_registry_count(const struct bot_registry *r)
{
    return r->live;
}
