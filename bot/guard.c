/* The login guard (see bot/guard.h): four small tables of counted keys, scanned linearly
 * (logins are rare; 4,096 entries each). */
#include "bot/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base.h"

#define KEY_MAX 128 /* a login (64 bytes) and an address (48), with the separator */

struct slot {
    char key[KEY_MAX];
    long long start; /* ms: the first failure of the count (or the success, for known) */
    long long last;  /* ms: the latest failure */
    int count;
};

struct table {
    struct slot slot[BOT_GUARD_SLOTS];
};

struct bot_guard {
    struct bot_guard_config c;
    struct table pairs, logins, addresses, known;
};

void bot_guard_configure(struct bot_guard *g, const struct bot_guard_config *c)
{
    g->c = *c;
}

struct bot_guard *bot_guard_new(const struct bot_guard_config *c)
{
    struct bot_guard *g = sn_xcalloc(1, sizeof *g);
    g->c = *c;
    return g;
}

void bot_guard_free(struct bot_guard *g)
{
    free(g);
}

int bot_guard_delay(int failures, int free, int max)
{
    if (failures < free)
        return 0;
    int shift = failures - free;
    long long d = shift >= 30 ? max : 1LL << shift;
    return d > max ? max : (int)d;
}

/* The live slot of key (one whose count has not run out: known pairs never do), or NULL;
 * an expired one is cleared on the way. */
static struct slot *find(struct table *t, const char *key, long long now, long long window)
{
    for (int i = 0; i < BOT_GUARD_SLOTS; i++) {
        struct slot *s = &t->slot[i];
        if (!s->key[0] || strcmp(s->key, key))
            continue;
        if (window && now >= s->start + window) {
            s->key[0] = 0;
            return NULL;
        }
        return s;
    }
    return NULL;
}

/* The slot for key, a free (or expired, or else the oldest) one taken when it has none. */
static struct slot *take(struct table *t, const char *key, long long now, long long window)
{
    struct slot *s = find(t, key, now, window), *oldest = NULL;
    for (int i = 0; i < BOT_GUARD_SLOTS && !s; i++) {
        struct slot *c = &t->slot[i];
        if (!c->key[0] || (window && now >= c->start + window))
            s = c;
        else if (!oldest || c->start < oldest->start)
            oldest = c;
    }
    if (!s || !s->key[0] || strcmp(s->key, key)) {
        if (!s)
            s = oldest;
        snprintf(s->key, sizeof s->key, "%s", key);
        s->start = now;
        s->last = now;
        s->count = 0;
    }
    return s;
}

static void pair_key(char out[KEY_MAX], const char *login, const char *address)
{
    snprintf(out, KEY_MAX, "%.64s\n%.48s", login, address); /* '\n' is in neither */
}

/* Milliseconds left of the delay a count imposes, or 0. */
static long long left(const struct slot *s, int free, int max, long long now)
{
    if (!s)
        return 0;
    long long until = s->last + 1000LL * bot_guard_delay(s->count, free, max);
    return until > now ? until - now : 0;
}

/* A count's window in ms. */
static long long win(const struct bot_guard *g)
{
    return 1000LL * g->c.window;
}

int bot_guard_wait(struct bot_guard *g, const char *login, const char *address, long long now)
{
    char pk[KEY_MAX];
    const struct bot_guard_config *c = &g->c;
    pair_key(pk, login, address);
    long long w = left(find(&g->pairs, pk, now, win(g)), c->pair_free, c->window, now);
    if (!find(&g->known, pk, now, 0)) { /* the real user's own address passes the rest */
        long long a = left(find(&g->logins, login, now, win(g)), c->account_limit, c->window, now);
        long long b =
            left(find(&g->addresses, address, now, win(g)), c->address_limit, c->window, now);
        w = a > w ? a : w;
        w = b > w ? b : w;
    }
    return (int)((w + 999) / 1000); /* whole seconds for Retry-After, rounded up */
}

void bot_guard_failed(struct bot_guard *g, const char *login, const char *address, long long now)
{
    char pk[KEY_MAX];
    struct slot *s[3];
    pair_key(pk, login, address);
    s[0] = take(&g->pairs, pk, now, win(g));
    s[1] = take(&g->logins, login, now, win(g));
    s[2] = take(&g->addresses, address, now, win(g));
    for (int i = 0; i < 3; i++) {
        s[i]->count++;
        s[i]->last = now;
    }
}

void bot_guard_succeeded(struct bot_guard *g, const char *login, const char *address, long long now)
{
    char pk[KEY_MAX];
    pair_key(pk, login, address);
    struct slot *p = find(&g->pairs, pk, now, win(g));
    if (p)
        p->key[0] = 0;
    struct slot *counted[2] = {find(&g->logins, login, now, win(g)),
                               find(&g->addresses, address, now, win(g))};
    for (int i = 0; i < 2; i++)
        if (counted[i] && counted[i]->count > 0)
            counted[i]->count--; /* the try was counted when it was made */
    struct slot *k = take(&g->known, pk, now, 0);
    k->start = now; /* the most recently used pairs are the last reused */
}
