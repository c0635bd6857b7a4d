/* Conversation id -> attached connections (see bot/registry.h): a chained hash table whose
 * chains run through the connections' own links; the table doubles when it holds more
 * connections than buckets. */
#include "bot/registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base.h"

struct bot_registry {
    bot_registry_id_fn *id;
    bot_registry_link_fn *link;
    void **bucket;   /* heads of the chains */
    size_t nbuckets; /* a power of two */
    size_t n;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

struct bot_registry *bot_registry_new(bot_registry_id_fn *id, bot_registry_link_fn *link)
{
    struct bot_registry *r = sn_xcalloc(1, sizeof *r);
    r->id = id;
    r->link = link;
    r->nbuckets = 64;
    r->bucket = sn_xcalloc(r->nbuckets, sizeof *r->bucket);
    return r;
}

void bot_registry_free(struct bot_registry *r)
{
    if (!r)
        return;
    free(r->bucket);
    free(r);
}

static void **head_of(const struct bot_registry *r, const char *conv)
{
    return &r->bucket[hash(conv) & (r->nbuckets - 1)];
}

static void grow(struct bot_registry *r)
{
    void **old = r->bucket;
    size_t oldn = r->nbuckets;
    r->nbuckets *= 2;
    r->bucket = sn_xcalloc(r->nbuckets, sizeof *r->bucket);
    for (size_t i = 0; i < oldn; i++)
        for (void *c = old[i], *next; c; c = next) {
            next = *r->link(c);
            void **h = head_of(r, r->id(c));
            *r->link(c) = *h;
            *h = c;
        }
    free(old);
}

void bot_registry_attach(struct bot_registry *r, void *conn)
{
    if (r->n + 1 > r->nbuckets)
        grow(r);
    void **h = head_of(r, r->id(conn));
    *r->link(conn) = *h;
    *h = conn;
    r->n++;
}

void bot_registry_detach(struct bot_registry *r, void *conn)
{
    for (void **p = head_of(r, r->id(conn)); *p; p = r->link(*p))
        if (*p == conn) {
            *p = *r->link(conn);
            *r->link(conn) = NULL;
            r->n--;
            return;
        }
}

size_t bot_registry_conns(const struct bot_registry *r, const char *conv, void **out, size_t cap)
{
    size_t n = 0;
    for (void *c = *head_of(r, conv); c; c = *r->link(c))
        if (strcmp(r->id(c), conv) == 0) {
            if (n < cap)
                out[n] = c;
            n++;
        }
    return n;
}

size_t bot_registry_count(const struct bot_registry *r)
{
    return r->n;
}
