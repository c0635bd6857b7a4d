/* Cases on the store (see bot/cases.h). */
#include "bot/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "bot/statsrec.h"

/* References drawn before a store that keeps refusing them is called broken: with 2^30 of
 * them, a second collision in a row means something else is wrong. */
#define REF_TRIES 8

char *bot_cases_agent_actor(const char *login, char out[BOT_CASES_ACTOR_MAX])
{
    snprintf(out, BOT_CASES_ACTOR_MAX, "agent:%s", login ? login : "");
    return out;
}

/* {"key": value} as text, owned by the caller (free()). */
static char *detail_str(const char *key, const char *value)
{
    json_t *o = json_pack("{s:s}", key, value);
    char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return t;
}

static char *detail_int(const char *key, long long value)
{
    json_t *o = json_pack("{s:I}", key, (json_int_t)value);
    char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return t;
}

/* A new case of conv, status new, with its created event. */
static int create(struct store *st,
                  const char *conv,
                  const char *visitor,
                  const struct bot_cases_route *route,
                  int repeat,
                  long long now,
                  struct store_case *c,
                  struct sn_err *err)
{
    struct store_case_event ev = {
        .ts = now, .kind = bot_case_event_name(BOT_CASE_CREATED), .actor = "system"};
    int rc = SN_ECONFLICT;
    memset(c, 0, sizeof *c);
    snprintf(c->conv_id, sizeof c->conv_id, "%s", conv);
    snprintf(c->visitor_id, sizeof c->visitor_id, "%s", visitor ? visitor : "");
    snprintf(c->status, sizeof c->status, "%s", bot_case_status_name(BOT_CASE_NEW));
    c->priority = route ? route->priority : BOT_PRIO_NORMAL;
    c->tier = 1; /* the first line */
    if (route && route->department)
        snprintf(c->department, sizeof c->department, "%s", route->department);
    c->created = c->updated = now;
    for (int i = 0; i < REF_TRIES && rc == SN_ECONFLICT; i++) {
        unsigned char rnd[BOT_CASE_REF_BYTES];
        randombytes_buf(rnd, sizeof rnd);
        bot_case_ref_make(rnd, c->ref);
        rc = store_case_add(st, c, &ev, err);
    }
    if (rc == SN_ECONFLICT)
        rc = sn_err_set(err, SN_EDB, "cases: no free reference after %d tries", REF_TRIES);
    if (rc == SN_OK) /* the analytics record (docs/analytics.md) */
        bot_statsrec_case(st, NULL, c, BOT_CASE_CREATED, NULL, repeat, now);
    return rc;
}

/* Applies ev to c (in memory and in the store, with its timeline row): the table's move,
 * then the times it sets. */
static int apply(struct store *st,
                 struct store_case *c,
                 enum bot_case_event ev,
                 const char *actor,
                 const char *assignee,
                 const char *detail,
                 long long now,
                 struct sn_err *err)
{
    enum bot_case_status from, to;
    struct store_case next = *c;
    if (bot_case_status_parse(c->status, &from))
        return sn_err_set(err, SN_ECONFLICT, "case %s: unknown status '%s'", c->ref, c->status);
    int rc = bot_case_next(from, ev, &to);
    if (rc)
        return sn_err_set(err, rc, "case %s: no %s from %s", c->ref, bot_case_event_name(ev),
                          c->status);
    snprintf(next.status, sizeof next.status, "%s", bot_case_status_name(to));
    if (assignee)
        snprintf(next.assignee, sizeof next.assignee, "%s", assignee);
    if (ev == BOT_CASE_AGENT_REPLIED && !next.first_response_at)
        next.first_response_at = now;
    if (to == BOT_CASE_SOLVED || to == BOT_CASE_CLOSED)
        next.solved_at = now;
    else if (ev == BOT_CASE_REOPENED)
        next.solved_at = 0;
    next.updated = now;
    struct store_case_event e = {
        .ts = now, .kind = bot_case_event_name(ev), .actor = actor, .detail = detail};
    rc = store_case_record(st, &next, &e, err);
    if (rc == SN_OK && ev != BOT_CASE_REOPENED) /* a reopening's row: case_for, with its bits */
        bot_statsrec_case(st, c, &next, ev, detail, 0, now);
    if (rc == SN_OK)
        *c = next;
    return rc;
}

/* The case a handoff or a left message of conv belongs to, into *c (see bot/cases.h). */
static int case_for(struct store *st,
                    const char *conv,
                    const char *visitor,
                    int reopen_days,
                    const struct bot_cases_route *route,
                    long long now,
                    struct store_case *c,
                    struct sn_err *err)
{
    struct sn_err e = {0};
    enum bot_case_status s;
    int rc = store_case_find(st, STORE_CASE_BY_CONV, conv, c, &e);
    if (rc == SN_OK && bot_case_status_parse(c->status, &s) == SN_OK && bot_case_is_open(s))
        return SN_OK; /* its open case */
    if (rc != SN_OK && rc != SN_ENOTFOUND)
        return sn_err_set(err, rc, "%s", e.msg);
    /* the visitor's newest case, else the conversation's (a visitor without an id) */
    struct store_case last;
    rc = visitor && *visitor ? store_case_find(st, STORE_CASE_BY_VISITOR, visitor, &last, &e)
                             : SN_ENOTFOUND;
    if (rc == SN_ENOTFOUND && c->id)
        last = *c, rc = SN_OK;
    if (rc != SN_OK && rc != SN_ENOTFOUND)
        return sn_err_set(err, rc, "%s", e.msg);
    /* a repeat contact is a fact of the moment the case is made (docs/analytics.md) */
    int repeat = bot_statsrec_repeat(st, conv, rc == SN_OK ? &last : NULL, now);
    if (rc == SN_OK && bot_case_status_parse(last.status, &s) == SN_OK &&
        bot_case_reopens(s, last.solved_at, now, reopen_days)) {
        char *d = detail_str("previous_conversation", last.conv_id);
        snprintf(last.conv_id, sizeof last.conv_id, "%s", conv);
        if (visitor && *visitor)
            snprintf(last.visitor_id, sizeof last.visitor_id, "%s", visitor);
        rc = apply(st, &last, BOT_CASE_REOPENED, visitor && *visitor ? "visitor" : "system", NULL,
                   d, now, err);
        free(d);
        if (rc == SN_OK)
            bot_statsrec_case(st, NULL, &last, BOT_CASE_REOPENED, NULL, repeat, now);
        if (rc == SN_OK)
            *c = last;
        return rc;
    }
    return create(st, conv, visitor, route, repeat, now, c, err);
}

int bot_cases_handoff(struct store *st,
                      const char *conv,
                      const char *visitor,
                      int reopen_days,
                      const char *reason,
                      const struct bot_cases_route *route,
                      long long now,
                      struct store_case *out,
                      struct sn_err *err)
{
    struct store_case c;
    int rc = case_for(st, conv, visitor, reopen_days, route, now, &c, err);
    if (rc == SN_OK && reason) {
        char *d = detail_str("reason", reason);
        rc = apply(st, &c, BOT_CASE_HANDOFF, "visitor", NULL, d, now, err);
        free(d);
    }
    if (rc == SN_OK && out)
        *out = c;
    return rc;
}

int bot_cases_ticket(struct store *st,
                     const char *conv,
                     const char *visitor,
                     int reopen_days,
                     long long ticket,
                     long long now,
                     struct store_case *out,
                     struct sn_err *err)
{
    struct store_case c;
    int rc = case_for(st, conv, visitor, reopen_days, NULL, now, &c, err);
    if (rc == SN_OK) {
        char *d = detail_int("ticket", ticket);
        c.ticket_id = ticket;
        rc = apply(st, &c, BOT_CASE_MESSAGE_LEFT, "visitor", NULL, d, now, err);
        free(d);
    }
    if (rc == SN_OK && out)
        *out = c;
    return rc;
}

int bot_cases_event(struct store *st,
                    const char *conv,
                    enum bot_case_event ev,
                    const char *actor,
                    const char *assignee,
                    const char *detail,
                    long long now,
                    struct sn_err *err)
{
    struct store_case c;
    int rc = store_case_find(st, STORE_CASE_BY_CONV, conv, &c, err);
    return rc ? rc : apply(st, &c, ev, actor, assignee, detail, now, err);
}

int bot_cases_apply(struct store *st,
                    struct store_case *c,
                    enum bot_case_event ev,
                    const char *actor,
                    const char *detail,
                    long long now,
                    struct sn_err *err)
{
    return apply(st, c, ev, actor, NULL, detail, now, err);
}

void bot_cases_ref(struct store *st, const char *conv, char ref[STORE_CASE_REF_MAX])
{
    struct store_case c;
    ref[0] = '\0';
    if (store_case_find(st, STORE_CASE_BY_CONV, conv, &c, NULL) == SN_OK)
        memcpy(ref, c.ref, STORE_CASE_REF_MAX);
}

int bot_cases_breach(struct store *st,
                     const char *conv,
                     int target,
                     const struct bot_prio_rules *rules,
                     long long now,
                     struct store_case *out,
                     int *recorded,
                     struct sn_err *err)
{
    struct store_case c;
    char detail[48];
    *recorded = 0;
    int rc = store_case_find(st, STORE_CASE_BY_CONV, conv, &c, err);
    if (rc == SN_OK && !(c.sla_breached & target)) {
        /* the bit and the raised priority are written with the event: a restart never alerts
         * for the same target again */
        snprintf(detail, sizeof detail, "{\"target\":\"%s\"}",
                 target == STORE_SLA_FIRST ? "first" : "resolve");
        c.sla_breached |= target;
        c.priority = bot_prio_breach(rules, c.priority);
        rc = apply(st, &c, BOT_CASE_SLA_BREACHED, "system", NULL, detail, now, err);
        *recorded = rc == SN_OK;
    }
    if (rc == SN_OK && out)
        *out = c;
    return rc;
}

int bot_cases_redirect(struct store *st,
                       const char *conv,
                       enum bot_case_event ev,
                       const char *actor,
                       const char *department,
                       int tier,
                       const char *detail,
                       long long now,
                       struct store_case *out,
                       struct sn_err *err)
{
    struct store_case c;
    int rc = store_case_find(st, STORE_CASE_BY_CONV, conv, &c, err);
    if (rc)
        return rc;
    /* the row's department and tier change with the event, in its transaction */
    snprintf(c.department, sizeof c.department, "%s", department ? department : "");
    if (tier > 0)
        c.tier = tier;
    rc = apply(st, &c, ev, actor, NULL, detail, now, err);
    if (rc == SN_OK && out)
        *out = c;
    return rc;
}
