/* Token buckets and the per-address connection table (chained hash, entries freed at 0). */
#include "bot/ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "kb/base.h"

void bot_bucket_init(struct bot_bucket *b, int burst, long long now_us)
{
    b->tokens = burst;
    b->last_us = now_us;
}

int bot_bucket_take(struct bot_bucket *b, int rate, int burst, long long now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * rate / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    b->last_us = now_us;
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

#define NSLOTS 4096

struct ip_entry {
    struct ip_entry *next;
    int count;
    char ip[]; /* NUL-terminated */
};

struct bot_iplimit {
    int max;
    struct ip_entry *slot[NSLOTS];
};

void bot_iplimit_set_max(struct bot_iplimit *l, int max_per_ip)
{
    l->max = max_per_ip;
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NSLOTS;
}

struct bot_iplimit *bot_iplimit_new(int max_per_ip)
{
    struct bot_iplimit *l = sn_xcalloc(1, sizeof *l);
    l->max = max_per_ip;
    return l;
}

void bot_iplimit_free(struct bot_iplimit *l)
{
    if (!l)
        return;
    for (int i = 0; i < NSLOTS; i++)
        for (struct ip_entry *e = l->slot[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    free(l);
}

static struct ip_entry **find(struct bot_iplimit *l, const char *ip)
{
    struct ip_entry **pp = &l->slot[hash(ip)];
    while (*pp && strcmp((*pp)->ip, ip))
        pp = &(*pp)->next;
    return pp;
}

int bot_iplimit_acquire(struct bot_iplimit *l, const char *ip)
{
    struct ip_entry **pp = find(l, ip);
    if (!*pp) {
        size_t n = strlen(ip);
        *pp = sn_xcalloc(1, sizeof **pp + n + 1);
        memcpy((*pp)->ip, ip, n);
    }
    if ((*pp)->count >= l->max)
        return SN_ETOOBIG;
    (*pp)->count++;
    return SN_OK;
}

void bot_iplimit_release(struct bot_iplimit *l, const char *ip)
{
    struct ip_entry **pp = find(l, ip), *e = *pp;
    if (!e)
        return;
    if (--e->count <= 0) {
        *pp = e->next;
        free(e);
    }
}

int bot_iplimit_count(const struct bot_iplimit *l, const char *ip)
{
    struct ip_entry **pp = find((struct bot_iplimit *)l, ip);
    return *pp ? (*pp)->count : 0;
}
