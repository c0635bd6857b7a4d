/* The agents routing knows (see bot/agents.h). */
#include "bot/agents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/dept.h"
#include "kb/base.h"

/* A gone agent with chats: they stay its own until deadline. */
struct grace {
    struct grace *next;
    long long user_id;
    long long deadline; /* ms */
};

struct bot_agents {
    struct bot_agent *list;
    struct grace *gone;
    unsigned long long rr; /* the assignment counter behind last_assigned */
};

struct bot_agents *bot_agents_new(void)
{
    return sn_xcalloc(1, sizeof(struct bot_agents));
}

static void agent_free(struct bot_agent *a)
{
    explicit_bzero(a->session, sizeof a->session);
    free(a->chats);
    free(a);
}

void bot_agents_free(struct bot_agents *g)
{
    if (!g)
        return;
    for (struct bot_agent *a = g->list, *n; a; a = n) {
        n = a->next;
        agent_free(a);
    }
    for (struct grace *o = g->gone, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    free(g);
}

struct bot_agent *bot_agents_first(const struct bot_agents *g)
{
    return g->list;
}

static void grace_drop(struct bot_agents *g, long long user_id)
{
    for (struct grace **pp = &g->gone; *pp; pp = &(*pp)->next)
        if ((*pp)->user_id == user_id) {
            struct grace *o = *pp;
            *pp = o->next;
            free(o);
            return;
        }
}

struct bot_agent *bot_agents_join(struct bot_agents *g,
                                  long long user_id,
                                  const char *login,
                                  const char *name,
                                  const char *session,
                                  void *conn,
                                  void **replaced)
{
    *replaced = NULL;
    for (struct bot_agent **pp = &g->list; *pp;) {
        struct bot_agent *old = *pp;
        if (old->user_id != user_id) {
            pp = &old->next;
            continue;
        }
        *pp = old->next;
        *replaced = old->conn;
        agent_free(old);
    }
    struct bot_agent *a = sn_xcalloc(1, sizeof *a);
    a->conn = conn;
    a->user_id = user_id;
    snprintf(a->login, sizeof a->login, "%s", login);
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->session, sizeof a->session, "%s", session ? session : "");
    a->online = 1;
    grace_drop(g, user_id); /* back within its grace: its chats are its own again */
    a->next = g->list;
    g->list = a;
    return a;
}

void bot_agents_grace(struct bot_agents *g, long long user_id, long long deadline)
{
    for (struct grace *o = g->gone; o; o = o->next)
        if (o->user_id == user_id)
            return;
    struct grace *o = sn_xcalloc(1, sizeof *o);
    o->user_id = user_id;
    o->deadline = deadline;
    o->next = g->gone;
    g->gone = o;
}

void bot_agents_leave(struct bot_agents *g, struct bot_agent *a, long long now, long long grace_ms)
{
    for (struct bot_agent **pp = &g->list; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    if (a->nchats)
        bot_agents_grace(g, a->user_id, now + grace_ms);
    agent_free(a);
}

int bot_agents_due(struct bot_agents *g,
                   long long now,
                   void (*fn)(void *ctx, long long user_id),
                   void *ctx)
{
    int n = 0;
    for (struct grace **pp = &g->gone; *pp;) {
        struct grace *o = *pp;
        if (!bot_route_agent_due(o->deadline, now)) {
            pp = &o->next;
            continue;
        }
        *pp = o->next; /* unlinked first: fn may add a deadline of its own */
        fn(ctx, o->user_id);
        free(o);
        n++;
    }
    return n;
}

int bot_agents_waiting(const struct bot_agents *g)
{
    int n = 0;
    for (const struct grace *o = g->gone; o; o = o->next)
        n++;
    return n;
}

void bot_agents_chat_add(struct bot_agent *a, const char *conv, const char *lang, long long at)
{
    if (a->nchats == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4;
        a->chats = sn_xrealloc(a->chats, (size_t)a->cap * sizeof *a->chats);
    }
    struct bot_agent_chat *c = &a->chats[a->nchats++];
    snprintf(c->id, sizeof c->id, "%s", conv);
    snprintf(c->lang, sizeof c->lang, "%s", lang);
    c->assigned_at = at;
}

void bot_agents_assign(
    struct bot_agents *g, struct bot_agent *a, const char *conv, const char *lang, long long now)
{
    bot_agents_chat_add(a, conv, lang, now);
    a->last_assigned = ++g->rr;
}

int bot_agents_chat_index(const struct bot_agent *a, const char *conv)
{
    for (int i = 0; i < a->nchats; i++)
        if (!strcmp(a->chats[i].id, conv))
            return i;
    return -1;
}

void bot_agents_chat_remove(struct bot_agent *a, int i, struct bot_agent_chat *out)
{
    *out = a->chats[i];
    a->chats[i] = a->chats[--a->nchats];
}

struct bot_agent *bot_agents_holder(const struct bot_agents *g, const char *conv)
{
    for (struct bot_agent *a = g->list; a; a = a->next)
        if (bot_agents_chat_index(a, conv) >= 0)
            return a;
    return NULL;
}

struct bot_agent *bot_agents_by_login(const struct bot_agents *g, const char *login)
{
    for (struct bot_agent *a = g->list; a; a = a->next)
        if (a->online && !strcmp(a->login, login))
            return a;
    return NULL;
}

struct bot_agent *bot_agents_choose(const struct bot_agents *g, int capacity)
{
    struct bot_agent *best = NULL;
    struct bot_route_agent bf = {0};
    for (struct bot_agent *a = g->list; a; a = a->next) {
        struct bot_route_agent af = {a->online, a->nchats, a->last_assigned};
        if (bot_route_better(&af, best ? &bf : NULL, capacity)) {
            best = a;
            bf = af;
        }
    }
    return best;
}

struct bot_agent *bot_agents_next(const struct bot_agents *g, int capacity, int pick)
{
    return pick ? NULL : bot_agents_choose(g, capacity);
}

int bot_agents_may_take(const struct bot_agent *a, int capacity)
{
    return a->nchats < capacity;
}

int bot_agents_set_name(struct bot_agent *a, const char *name)
{
    if (!strcmp(a->name, name))
        return 0;
    snprintf(a->name, sizeof a->name, "%s", name);
    return 1;
}

int bot_agents_online(const struct bot_agents *g)
{
    int n = 0;
    for (const struct bot_agent *a = g->list; a; a = a->next)
        n += a->online;
    return n;
}

/* --- departments ------------------------------------------------------------------------ */

void bot_agents_chat_set_case(struct bot_agent *a, int i, const struct bot_route_case *c)
{
    if (i >= 0 && i < a->nchats)
        a->chats[i].c = *c;
}

/* dept as bot_dept_agent_in takes it: NULL for none. */
static const char *dept_or_null(const char *dept)
{
    return dept && *dept ? dept : NULL;
}

int bot_agents_dept_available(const struct bot_agents *g,
                              const struct bot_dept_agents *da,
                              const char *dept)
{
    int n = 0;
    for (const struct bot_agent *a = g->list; a; a = a->next)
        n += a->online && bot_dept_agent_in(da, dept_or_null(dept), a->login);
    return n;
}

/* 1 when da lists agents for dept (else every agent serves it). */
static int dept_listed(const struct bot_dept_agents *da, const char *dept)
{
    for (int i = 0; da && dept && i < da->n; i++)
        if (!strcmp(da->v[i].dept, dept))
            return 1;
    return 0;
}

int bot_agents_dept_fallback(const struct bot_agents *g,
                             const struct bot_dept_agents *da,
                             const char *dept)
{
    return dept_listed(da, dept_or_null(dept)) && !bot_agents_dept_available(g, da, dept);
}

/* The best agent below capacity for an item of dept among those who serve it (all of them
 * with all set), or NULL. */
static struct bot_agent *best_for(const struct bot_agents *g,
                                  const struct bot_dept_agents *da,
                                  const char *dept,
                                  int all,
                                  int capacity)
{
    struct bot_agent *best = NULL;
    struct bot_route_agent bf = {0};
    for (struct bot_agent *a = g->list; a; a = a->next) {
        struct bot_route_agent af = {a->online, a->nchats, a->last_assigned};
        if (!all && !bot_dept_agent_in(da, dept, a->login))
            continue;
        if (bot_route_better(&af, best ? &bf : NULL, capacity)) {
            best = a;
            bf = af;
        }
    }
    return best;
}

int bot_agents_route(const struct bot_agents *g,
                     struct bot_route_item *head,
                     const struct bot_dept_agents *da,
                     int capacity,
                     struct bot_agents_choice *out)
{
    memset(out, 0, sizeof *out);
    for (struct bot_route_item *it = head; it; it = it->next) {
        const char *dept = dept_or_null(it->c.dept);
        struct bot_agent *a = best_for(g, da, dept, 0, capacity);
        int fallback = 0;
        if (!a && bot_agents_dept_fallback(g, da, dept)) {
            a = best_for(g, da, dept, 1, capacity);
            fallback = 1;
        }
        if (a) {
            out->agent = a;
            out->item = it;
            out->fallback = fallback;
            return 1;
        }
    }
    return 0;
}
