/* Unit tests for bot/cases.c on a real SQLite store in a temporary directory, with a fake
 * clock (now passed in): a handoff makes a case, a second handoff of the open case reuses
 * it, a solved case is reopened by the same visitor within reopen_days and not after (nor
 * by another visitor, nor when closed as spam, nor with reopen_days 0); a left message joins
 * or makes a case; an event the table refuses writes nothing; each event's row carries who
 * and when; a hostile visitor id or conversation id is only ever data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/cases.h"

#define DAY   86400000LL
#define T0    1800000000000LL
#define VIS_A "visitor-A-0123456789"
#define VIS_B "visitor-B-0123456789"

struct fixture {
    char dir[64], path[96];
    struct store *st;
};

static int setup(void **state)
{
    struct fixture *f = sn_xcalloc(1, sizeof *f);
    struct sn_err e = {0};
    snprintf(f->dir, sizeof f->dir, "/tmp/sanad-cases-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    f->st = store_sqlite_open(f->path, NULL, &e);
    assert_non_null(f->st);
    static const char *const convs[] = {"c_1", "c_2", "c_3",
                                        "c_4", "c_5", "c_'; DROP TABLE cases;--"};
    for (size_t i = 0; i < sizeof convs / sizeof *convs; i++) {
        char h[16];
        snprintf(h, sizeof h, "h_%zu", i);
        assert_int_equal(store_conv_create(f->st, convs[i], h, "en", T0, &e), SN_OK);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[128];
    store_close(f->st);
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The timeline of case id as "kind/actor@ts-T0 kind/actor@…", detail left out. */
struct walk {
    char out[1024];
};
static int one(void *ctx, const struct store_case_event *ev)
{
    struct walk *w = ctx;
    size_t n = strlen(w->out);
    snprintf(w->out + n, sizeof w->out - n, "%s%s/%s@%lld", n ? " " : "", ev->kind, ev->actor,
             ev->ts - T0);
    return 0;
}
static const char *timeline(struct store *st, long long id, struct walk *w)
{
    struct sn_err e = {0};
    w->out[0] = '\0';
    assert_int_equal(store_case_event_each(st, id, one, w, &e), SN_OK);
    return w->out;
}

static struct store_case by_ref(struct store *st, const char *ref)
{
    struct store_case c;
    struct sn_err e = {0};
    assert_int_equal(store_case_find(st, STORE_CASE_BY_REF, ref, &c, &e), SN_OK);
    return c;
}

static void test_handoff_makes_then_reuses(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case c, d;
    struct walk w;
    char ref[BOT_CASE_REF_MAX];
    assert_int_equal(bot_cases_handoff(f->st, "c_1", VIS_A, 7, "asked", NULL, T0 + 1, &c, &e), SN_OK);
    assert_int_equal(bot_case_ref_parse(c.ref, strlen(c.ref), ref), SN_OK); /* canonical */
    assert_string_equal(ref, c.ref);
    assert_string_equal(c.status, "new");
    assert_string_equal(c.conv_id, "c_1");
    assert_string_equal(c.visitor_id, VIS_A);
    assert_int_equal(c.created, T0 + 1);
    /* queued, taken, answered, then a second handoff of the open case: the same one */
    assert_int_equal(
        bot_cases_event(f->st, "c_1", BOT_CASE_QUEUED, "system", NULL, NULL, T0 + 2, &e), SN_OK);
    assert_int_equal(bot_cases_event(f->st, "c_1", BOT_CASE_ASSIGNED, "agent:sara", "sara",
                                     "{\"agent\":\"sara\"}", T0 + 3, &e),
                     SN_OK);
    assert_int_equal(
        bot_cases_event(f->st, "c_1", BOT_CASE_AGENT_REPLIED, "agent:sara", NULL, NULL, T0 + 4, &e),
        SN_OK);
    assert_int_equal(
        bot_cases_event(f->st, "c_1", BOT_CASE_AGENT_REPLIED, "agent:sara", NULL, NULL, T0 + 5, &e),
        SN_OK);
    assert_int_equal(bot_cases_handoff(f->st, "c_1", VIS_A, 7, NULL, NULL, T0 + 6, &d, &e), SN_OK);
    assert_int_equal(d.id, c.id);
    assert_string_equal(d.ref, c.ref);
    d = by_ref(f->st, c.ref);
    assert_string_equal(d.status, "waiting");
    assert_string_equal(d.assignee, "sara");
    assert_int_equal(d.first_response_at, T0 + 4); /* the first reply, not the last */
    assert_int_equal(d.updated, T0 + 5);
    assert_string_equal(timeline(f->st, c.id, &w),
                        "created/system@1 handoff/visitor@1 queued/system@2 assigned/agent:sara@3 "
                        "agent_replied/agent:sara@4 agent_replied/agent:sara@5");
}

static void test_refused_event_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case c;
    struct walk w;
    assert_int_equal(bot_cases_event(f->st, "c_2", BOT_CASE_NOTE, "agent:x", NULL, NULL, T0, &e),
                     SN_ENOTFOUND); /* no case yet */
    assert_int_equal(bot_cases_handoff(f->st, "c_2", NULL, 7, NULL, NULL, T0, &c, &e), SN_OK);
    assert_string_equal(c.visitor_id, "");
    assert_int_equal(
        bot_cases_event(f->st, "c_2", BOT_CASE_SOLVED_EV, "agent:x", "x", NULL, T0 + 10, &e),
        SN_OK);
    struct store_case before = by_ref(f->st, c.ref);
    assert_int_equal(before.solved_at, T0 + 10);
    /* solved: no assignment, no transfer, no second solve, no creation, no visitor message
     * (an agent's reply by email is allowed: docs/cases.md) */
    static const enum bot_case_event no[] = {BOT_CASE_ASSIGNED,      BOT_CASE_TRANSFERRED,
                                             BOT_CASE_SOLVED_EV,     BOT_CASE_CREATED,
                                             BOT_CASE_VISITOR_WROTE, BOT_CASE_NEVENTS};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_int_not_equal(
            bot_cases_event(f->st, "c_2", no[i], "agent:y", "y", NULL, T0 + 20, &e), SN_OK);
    struct store_case after = by_ref(f->st, c.ref);
    assert_memory_equal(&before, &after, sizeof before);
    assert_string_equal(timeline(f->st, c.id, &w), "created/system@0 solved/agent:x@10");
}

/* Solves conv's case at t. */
static void solve(struct store *st, const char *conv, const char *resolution, long long t)
{
    struct sn_err e = {0};
    assert_int_equal(
        bot_cases_event(st, conv, bot_case_close_event(resolution), "agent:s", "s", NULL, t, &e),
        SN_OK);
}

static void test_reopen_by_visitor_within_days_only(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case a, b, c, d, g;
    struct walk w;
    assert_int_equal(bot_cases_handoff(f->st, "c_1", VIS_A, 3, "button", NULL, T0, &a, &e), SN_OK);
    solve(f->st, "c_1", "resolved", T0 + DAY);
    /* another visitor's handoff in another conversation: a new case */
    assert_int_equal(bot_cases_handoff(f->st, "c_2", VIS_B, 3, "button", NULL, T0 + DAY, &b, &e), SN_OK);
    assert_int_not_equal(b.id, a.id);
    /* the same visitor, a new conversation, 3 days less 1 ms after the solve: reopened */
    assert_int_equal(bot_cases_handoff(f->st, "c_3", VIS_A, 3, "asked", NULL, T0 + 4 * DAY - 1, &c, &e),
                     SN_OK);
    assert_int_equal(c.id, a.id);
    assert_string_equal(c.ref, a.ref);
    assert_string_equal(c.conv_id, "c_3");
    assert_string_equal(c.status, "new");
    assert_int_equal(c.solved_at, 0);
    assert_string_equal(
        timeline(f->st, a.id, &w),
        "created/system@0 handoff/visitor@0 solved/agent:s@86400000 reopened/visitor@345599999 "
        "handoff/visitor@345599999");
    /* solved again; exactly 3 days later: too late, a new case */
    solve(f->st, "c_3", "resolved", T0 + 5 * DAY);
    assert_int_equal(bot_cases_handoff(f->st, "c_4", VIS_A, 3, NULL, NULL, T0 + 8 * DAY, &d, &e), SN_OK);
    assert_int_not_equal(d.id, a.id);
    /* spam is never reopened */
    solve(f->st, "c_4", "spam", T0 + 8 * DAY + 1);
    assert_string_equal(by_ref(f->st, d.ref).status, "closed");
    assert_int_equal(bot_cases_handoff(f->st, "c_5", VIS_A, 3, NULL, NULL, T0 + 8 * DAY + 2, &g, &e),
                     SN_OK);
    assert_int_not_equal(g.id, d.id);
    assert_int_not_equal(g.id, a.id);
    /* the newest case of the visitor counts: the older solved one (a) behind it is not
     * reopened, even though it is the conversation's */
    solve(f->st, "c_5", "resolved", T0 + 8 * DAY + 3);
    struct store_case h;
    assert_int_equal(bot_cases_handoff(f->st, "c_5", VIS_A, 0, NULL, NULL, T0 + 8 * DAY + 4, &h, &e),
                     SN_OK); /* reopen_days 0: never */
    assert_int_not_equal(h.id, g.id);
}

static void test_reopen_by_conversation_without_visitor_id(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case a, b;
    struct walk w;
    assert_int_equal(bot_cases_handoff(f->st, "c_1", "", 7, NULL, NULL, T0, &a, &e), SN_OK);
    solve(f->st, "c_1", "answered", T0 + 1);
    assert_int_equal(bot_cases_handoff(f->st, "c_1", NULL, 7, "asked", NULL, T0 + 2, &b, &e), SN_OK);
    assert_int_equal(b.id, a.id);
    assert_string_equal(timeline(f->st, a.id, &w),
                        "created/system@0 solved/agent:s@1 reopened/system@2 handoff/visitor@2");
}

static void test_ticket_joins_or_makes(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case a, b, c;
    struct walk w;
    assert_int_equal(bot_cases_handoff(f->st, "c_1", VIS_A, 7, "button", NULL, T0, &a, &e), SN_OK);
    assert_int_equal(bot_cases_ticket(f->st, "c_1", VIS_A, 7, 41, T0 + 1, &b, &e), SN_OK);
    assert_int_equal(b.id, a.id);
    assert_int_equal(b.ticket_id, 41);
    assert_int_equal(bot_cases_ticket(f->st, "c_2", NULL, 7, 42, T0 + 2, &c, &e), SN_OK);
    assert_int_not_equal(c.id, a.id);
    assert_int_equal(by_ref(f->st, c.ref).ticket_id, 42);
    assert_string_equal(timeline(f->st, c.id, &w), "created/system@2 message_left/visitor@2");
}

static void test_hostile_keys_are_data(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case a, x;
    const char *conv = "c_'; DROP TABLE cases;--";
    assert_int_equal(bot_cases_handoff(f->st, conv, "' OR 1=1 --", 7, "asked", NULL, T0, &a, &e), SN_OK);
    assert_string_equal(a.conv_id, conv);
    assert_int_equal(store_case_find(f->st, STORE_CASE_BY_VISITOR, "' OR 1=1 --", &x, &e), SN_OK);
    assert_int_equal(x.id, a.id);
    static const char *const refs[] = {"", "S-", "' OR 1=1 --", "s-000000", "%", "S-_"};
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
        assert_int_equal(store_case_find(f->st, STORE_CASE_BY_REF, refs[i], &x, &e), SN_ENOTFOUND);
    assert_int_equal(store_case_find(f->st, STORE_CASE_BY_VISITOR, NULL, &x, &e), SN_ENOTFOUND);
    assert_int_equal(store_case_find(f->st, (enum store_case_key)9, "x", &x, &e), SN_ENOTFOUND);
    char ref[STORE_CASE_REF_MAX];
    bot_cases_ref(f->st, "c_nothing", ref);
    assert_string_equal(ref, "");
    bot_cases_ref(f->st, conv, ref);
    assert_string_equal(ref, a.ref);
}

static void test_duplicate_ref_refused(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case a, b = {0};
    struct store_case_event ev = {.ts = T0, .kind = "created", .actor = "system"};
    assert_int_equal(bot_cases_handoff(f->st, "c_1", NULL, 7, NULL, NULL, T0, &a, &e), SN_OK);
    snprintf(b.ref, sizeof b.ref, "%s", a.ref);
    snprintf(b.conv_id, sizeof b.conv_id, "c_2");
    snprintf(b.status, sizeof b.status, "new");
    assert_int_equal(store_case_add(f->st, &b, &ev, &e), SN_ECONFLICT);
    /* nothing of it was written: no second row, no orphan event */
    assert_int_equal(store_case_find(f->st, STORE_CASE_BY_CONV, "c_2", &b, &e), SN_ENOTFOUND);
    struct walk w;
    assert_string_equal(timeline(f->st, a.id + 1, &w), "");
}

/* A missed SLA target (issue 15): recorded once per target, the bit and the raised priority
 * kept with the event; the status stays; no case: SN_ENOTFOUND and nothing written. */
static void test_sla_breach_once(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct store_case c, d;
    struct walk w;
    struct bot_prio_rules rules;
    struct bot_cases_route route = {"billing", BOT_PRIO_NORMAL};
    int recorded = -1;
    assert_int_equal(bot_prio_rules_parse("breach=raise", &rules, &e), SN_OK);
    assert_int_equal(bot_cases_handoff(f->st, "c_2", VIS_A, 7, NULL, &route, T0 + 1, &c, &e),
                     SN_OK);
    assert_int_equal(c.sla_breached, 0);
    assert_int_equal(
        bot_cases_breach(f->st, "c_2", STORE_SLA_FIRST, &rules, T0 + 2, &d, &recorded, &e), SN_OK);
    assert_int_equal(recorded, 1);
    assert_int_equal(d.sla_breached, STORE_SLA_FIRST);
    assert_int_equal(d.priority, BOT_PRIO_HIGH);
    /* the same target again (a restart, a stale copy): nothing */
    assert_int_equal(
        bot_cases_breach(f->st, "c_2", STORE_SLA_FIRST, &rules, T0 + 3, &d, &recorded, &e), SN_OK);
    assert_int_equal(recorded, 0);
    assert_int_equal(d.priority, BOT_PRIO_HIGH);
    /* the other target: raised once more */
    assert_int_equal(
        bot_cases_breach(f->st, "c_2", STORE_SLA_RESOLVE, &rules, T0 + 4, &d, &recorded, &e),
        SN_OK);
    assert_int_equal(recorded, 1);
    d = by_ref(f->st, c.ref);
    assert_int_equal(d.sla_breached, STORE_SLA_FIRST | STORE_SLA_RESOLVE);
    assert_int_equal(d.priority, BOT_PRIO_URGENT);
    assert_string_equal(d.status, "new");
    assert_string_equal(d.department, "billing");
    assert_string_equal(timeline(f->st, c.id, &w),
                        "created/system@1 sla_breached/system@2 sla_breached/system@4");
    /* no rules: the priority stays */
    assert_int_equal(bot_cases_handoff(f->st, "c_3", VIS_B, 7, NULL, NULL, T0 + 5, &c, &e), SN_OK);
    assert_int_equal(
        bot_cases_breach(f->st, "c_3", STORE_SLA_FIRST, NULL, T0 + 6, &d, &recorded, &e), SN_OK);
    assert_int_equal(d.priority, c.priority);
    /* no case */
    assert_int_equal(
        bot_cases_breach(f->st, "c_4", STORE_SLA_FIRST, &rules, T0 + 7, &d, &recorded, &e),
        SN_ENOTFOUND);
    assert_int_equal(recorded, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handoff_makes_then_reuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_event_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_by_visitor_within_days_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_by_conversation_without_visitor_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ticket_joins_or_makes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_keys_are_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_ref_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sla_breach_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
