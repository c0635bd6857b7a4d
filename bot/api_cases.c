/* The agents' case routes (bot/api.h, bot_api_cases_routes): GET /api/cases lists and
 * searches the cases newest first, GET /api/cases/{ref} is one case with its whole timeline,
 * its conversation's transcript (internal notes included, marked as the agent transcript
 * frame marks them) and the visitor's other cases. Read-only: the cases change only through
 * the conversation core (bot/cases.h). Agents and admins; an editor's role may not. */
#include "bot/api_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/api.h"
#include "bot/auth.h"
#include "bot/proto.h"
#include "bot/server.h"
#include "bot/sla.h"

#define PAST_MAX       20   /* the visitor's other cases shown beside one */
#define TRANSCRIPT_MAX 5000 /* messages of a case view's transcript, as GET /api/transcript */

/* ---- reading the query (pure) ---- */

/* 1 when s is 1..max bytes, each in the set that ok accepts. */
static int chars_ok(const char *s, size_t max, int (*ok)(int c))
{
    size_t n = strlen(s);
    if (n < 1 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_dept_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int is_visitor_char(int c)
{
    return is_dept_char(c) || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A whole number of at most 16 digits, in [1, max] (or [0, max] when zero_ok), into *out. */
static int number_of(const char *v, long long max, int zero_ok, long long *out)
{
    if (!chars_ok(v, 16, is_digit))
        return 0;
    long long x = strtoll(v, NULL, 10);
    if (x > max || (x == 0 && !zero_ok))
        return 0;
    *out = x;
    return 1;
}

typedef int arg_fn(const char *v, struct bot_api_cases_query *q, struct sn_err *err);

static int a_ref(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    if (bot_case_ref_parse(v, strlen(v), q->ref))
        return sn_err_set(err, SN_EINVAL, "ref: not a case reference (S-XXXXXX)");
    q->f.ref = q->ref;
    return SN_OK;
}

/* status=new,open: names of bot_case_status_name (static strings: the filter keeps them). */
static int a_status(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    char one[STORE_CASE_STATUS_MAX];
    for (const char *p = v;; p++) {
        size_t n = strcspn(p, ",");
        enum bot_case_status s;
        if (n == 0 || n >= sizeof one)
            return sn_err_set(err, SN_EINVAL,
                              "status: expected names from new, open, waiting, "
                              "escalated, solved, closed, comma-separated");
        memcpy(one, p, n);
        one[n] = 0;
        if (bot_case_status_parse(one, &s))
            return sn_err_set(err, SN_EINVAL, "status: unknown status %.16s", one);
        if (q->f.nstatus == STORE_CASE_SEARCH_STATUSES)
            return sn_err_set(err, SN_EINVAL, "status: at most %d names",
                              STORE_CASE_SEARCH_STATUSES);
        q->f.status[q->f.nstatus++] = bot_case_status_name(s);
        p += n;
        if (!*p)
            return SN_OK;
    }
}

static int a_department(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    if (!chars_ok(v, STORE_PROFILE_DEPT_MAX, is_dept_char))
        return sn_err_set(err, SN_EINVAL, "department: expected a department id [a-z0-9_-]");
    q->f.department = v;
    return SN_OK;
}

static int a_assignee(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    struct sn_err e = {0};
    if (bot_auth_login_check(v, &e))
        return sn_err_set(err, SN_EINVAL, "assignee: %s", e.msg);
    q->f.assignee = v;
    return SN_OK;
}

/* The text: valid UTF-8 without control characters (it is matched as it is: LIKE's
 * wildcards are escaped by the store), at most BOT_API_CASES_Q_MAX characters. */
static int a_text(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    size_t n = strlen(v), cps = 0;
    if (!sn_utf8_valid(v, n, NULL))
        return sn_err_set(err, SN_EINVAL, "q: not valid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7F)
            return sn_err_set(err, SN_EINVAL, "q: holds a control character");
        cps += (c & 0xC0) != 0x80;
    }
    if (cps > BOT_API_CASES_Q_MAX)
        return sn_err_set(err, SN_EINVAL, "q: longer than %d characters", BOT_API_CASES_Q_MAX);
    q->f.text = v;
    return SN_OK;
}

static int a_from(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    if (!number_of(v, BOT_API_CASES_MS_MAX, 1, &q->f.from))
        return sn_err_set(err, SN_EINVAL, "from: expected ms since the epoch");
    return SN_OK;
}

static int a_to(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    if (!number_of(v, BOT_API_CASES_MS_MAX, 0, &q->f.to) || q->f.to == 0)
        return sn_err_set(err, SN_EINVAL, "to: expected ms since the epoch");
    return SN_OK;
}

static int a_visitor(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    size_t n = strlen(v);
    if (n < 16 || !chars_ok(v, 64, is_visitor_char))
        return sn_err_set(err, SN_EINVAL, "visitor: expected 16..64 of [A-Za-z0-9_-]");
    q->f.visitor_id = v;
    return SN_OK;
}

static int a_before(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    if (!number_of(v, BOT_API_CASES_ID_MAX, 0, &q->f.before))
        return sn_err_set(err, SN_EINVAL, "before: expected the \"next\" of the last page");
    return SN_OK;
}

static int a_limit(const char *v, struct bot_api_cases_query *q, struct sn_err *err)
{
    long long l;
    if (!number_of(v, BOT_API_CASES_LIMIT_MAX, 0, &l))
        return sn_err_set(err, SN_EINVAL, "limit: expected a number from 1 to %d",
                          BOT_API_CASES_LIMIT_MAX);
    q->f.limit = (int)l;
    return SN_OK;
}

/* The arguments GET /api/cases takes, each read by its function. */
static const struct {
    const char *name;
    arg_fn *fn;
} query_args[] = {
    {"ref", a_ref},
    {"status", a_status},
    {"department", a_department},
    {"assignee", a_assignee},
    {"q", a_text},
    {"from", a_from},
    {"to", a_to},
    {"visitor", a_visitor},
    {"before", a_before},
    {"limit", a_limit},
};
#define NARGS (sizeof query_args / sizeof *query_args)

int bot_api_cases_query_parse(const char *const *name,
                              const char *const *value,
                              int n,
                              struct bot_api_cases_query *q,
                              struct sn_err *err)
{
    int seen[NARGS] = {0}, rc = SN_OK;
    memset(q, 0, sizeof *q);
    q->f.limit = BOT_API_CASES_LIMIT;
    for (int i = 0; i < n && !rc; i++) {
        size_t k = 0;
        while (k < NARGS && strcmp(name[i], query_args[k].name))
            k++;
        if (k == NARGS)
            rc = sn_err_set(err, SN_EINVAL, "unknown argument %.40s", name[i]);
        else if (seen[k]++)
            rc = sn_err_set(err, SN_EINVAL, "%s: given more than once", query_args[k].name);
        else if (value[i][0])
            rc = query_args[k].fn(value[i], q, err);
    }
    if (!rc && q->f.from && q->f.to && q->f.from > q->f.to)
        rc = sn_err_set(err, SN_EINVAL, "from: after to");
    if (rc) {
        memset(q, 0, sizeof *q);
        return rc;
    }
    return SN_OK;
}

/* ---- answers ---- */

/* "" as null: the store's "none". */
static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* 0 as null: the store's "never". */
static json_t *time_or_null(long long t)
{
    return t ? json_integer((json_int_t)t) : json_null();
}

/* A case as the list and the view show it (owned by the caller). */
static json_t *case_json(const struct store_case *c, const char *summary)
{
    json_t *o = json_object();
    json_object_set_new(o, "ref", json_string(c->ref));
    json_object_set_new(o, "status", json_string(c->status));
    json_object_set_new(o, "priority", json_string(bot_priority_name(c->priority)));
    json_object_set_new(o, "department", str_or_null(c->department));
    json_object_set_new(o, "assignee", str_or_null(c->assignee));
    json_object_set_new(o, "conversation", str_or_null(c->conv_id));
    json_object_set_new(o, "visitor", str_or_null(c->visitor_id));
    json_object_set_new(o, "created", json_integer((json_int_t)c->created));
    json_object_set_new(o, "updated", json_integer((json_int_t)c->updated));
    json_object_set_new(o, "first_response_at", time_or_null(c->first_response_at));
    json_object_set_new(o, "solved_at", time_or_null(c->solved_at));
    json_object_set_new(o, "tier", json_integer(c->tier < 1 ? 1 : c->tier));
    json_t *b = json_array(); /* the SLA targets it missed (bot/store.h STORE_SLA_*) */
    if (c->sla_breached & STORE_SLA_FIRST)
        json_array_append_new(b, json_string("first"));
    if (c->sla_breached & STORE_SLA_RESOLVE)
        json_array_append_new(b, json_string("resolve"));
    json_object_set_new(o, "sla_breached", b);
    json_object_set_new(o, "summary", json_string(summary));
    return o;
}

static int internal(struct bot_api_call *c, const struct sn_err *e)
{
    sn_log(SN_LOG_ERR, "api", "event=cases_error err=\"%s\"", e->msg);
    return bot_api_error(c, 500, "internal", "the conversation store failed; see the server log");
}

/* A search's walk: the items, and the id of the last one (the next page's "before"). */
struct found {
    json_t *items;
    int limit, n;
    long long last_id, more;
    struct store_case first; /* the view: the case itself */
};

static int found_item(void *ctx,
                      const struct store_case *c,
                      const char *summary,
                      const struct store_ticket *left)
{
    (void)left; /* the list shows the summary; the view the whole left message */
    struct found *f = ctx;
    if (f->n == f->limit) { /* the one past the page: there is a next page */
        f->more = 1;
        return 1;
    }
    json_array_append_new(f->items, case_json(c, summary));
    f->last_id = c->id;
    f->n++;
    return 0;
}

/* The "before" of the page after this one: the last case given when there were more, else
 * where a text search's window ended (the cases below it were not looked at), else none (0).
 * Pure. */
static long long next_before(int more, long long last_id, long long scan_end)
{
    if (more)
        return last_id;
    return scan_end;
}

/* GET /api/cases?…: one page, newest first; "next" is the "before" of the next page, null on
 * the last. One case more than the page is read to know whether there is a next one. A text
 * search looks at BOT_API_CASES_SCAN cases at most (the newest under the other conditions),
 * so that one request costs a bounded time on the event loop whatever the store holds; its
 * page may then be short, or empty, with a "next" that goes on below them. */
static void cases_list(struct bot_api_call *c)
{
    struct bot_api_cases_query q;
    struct sn_err e = {0};
    struct found f = {.items = json_array()};
    long long scan_end = 0, next;
    if (bot_api_cases_query_parse(c->arg_name, c->arg_value, c->nargs, &q, &e)) {
        bot_api_error(c, 400, "bad_argument", "%s", e.msg);
        goto out;
    }
    f.limit = q.f.limit;
    q.f.limit = q.f.limit + 1;
    q.f.scan = BOT_API_CASES_SCAN;
    int rc = store_case_search(c->srv->store, &q.f, found_item, &f, &scan_end, &e);
    if (rc < 0) {
        internal(c, &e);
        goto out;
    }
    next = next_before(f.more, f.last_id, scan_end);
    bot_api_reply(c, 200,
                  json_pack("{s:O, s:o}", "items", f.items, "next",
                            next ? json_integer((json_int_t)next) : json_null()));
out:
    json_decref(f.items);
}

static int event_item(void *ctx, const struct store_case_event *ev)
{
    json_t *d = ev->detail ? json_loads(ev->detail, 0, NULL) : NULL;
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:o}", "ts", (json_int_t)ev->ts, "kind",
                                         ev->kind, "actor", ev->actor, "detail",
                                         json_is_object(d) ? d : json_null()));
    if (d && !json_is_object(d))
        json_decref(d);
    return 0;
}

static int transcript_item(void *ctx, const struct store_msg *m)
{
    json_t *o = bot_proto_stored_object(m);
    json_object_del(o, "type");
    json_array_append_new(ctx, o);
    return 0;
}

static int past_item(void *ctx,
                     const struct store_case *c,
                     const char *summary,
                     const struct store_ticket *left)
{
    (void)left;
    json_array_append_new(ctx,
                          json_pack("{s:s, s:s, s:I, s:o, s:s}", "ref", c->ref, "status", c->status,
                                    "created", (json_int_t)c->created, "conversation",
                                    str_or_null(c->conv_id), "summary", summary));
    return 0;
}

/* The one-case search that gives a case with its summary and its left message:
 * {"text", "email" (null when none was given), "created", "lang"}, or null. */
static int first_item(void *ctx,
                      const struct store_case *c,
                      const char *summary,
                      const struct store_ticket *left)
{
    struct found *f = ctx;
    json_t *o = case_json(c, summary);
    f->first = *c;
    json_object_set_new(o, "left_message",
                        left ? json_pack("{s:s, s:o, s:I, s:o}", "text", left->text, "email",
                                         str_or_null(left->email), "created",
                                         (json_int_t)left->created, "lang", str_or_null(left->lang))
                             : json_null());
    json_array_append_new(f->items, o);
    return 1;
}

/* GET /api/cases/{ref}: the reference as typed ("s-7k3m9q", "7K3M9Q"), the case with
 * "events" (its timeline, oldest first), "transcript" (its conversation, notes included
 * with "note": true) and "past" (the visitor's other cases, newest first). */
static void case_view(struct bot_api_call *c)
{
    struct bot_api_cases_query q = {0};
    struct sn_err e = {0};
    struct found f = {.items = json_array()};
    json_t *events = json_array(), *msgs = json_array(), *past = json_array(), *o;
    int rc;
    if (c->nargs) {
        bot_api_error(c, 400, "bad_argument", "this route takes no arguments");
        goto out;
    }
    if (bot_case_ref_parse(c->param, strlen(c->param), q.ref)) {
        bot_api_error(c, 400, "bad_argument", "not a case reference (S-XXXXXX)");
        goto out;
    }
    q.f.ref = q.ref;
    q.f.limit = 1;
    rc = store_case_search(c->srv->store, &q.f, first_item, &f, NULL, &e);
    if (rc < 0) {
        internal(c, &e);
        goto out;
    }
    if (!json_array_size(f.items)) {
        bot_api_error(c, 404, "not_found", "no case %s", q.ref);
        goto out;
    }
    rc = store_case_event_each(c->srv->store, f.first.id, event_item, events, &e);
    if (rc == SN_OK && f.first.conv_id[0])
        rc = store_msg_each_all(c->srv->store, f.first.conv_id, 0, TRANSCRIPT_MAX, transcript_item,
                                msgs, &e);
    if (rc == SN_OK && f.first.visitor_id[0]) {
        struct store_case_filter pf = {
            .visitor_id = f.first.visitor_id, .exclude_id = f.first.id, .limit = PAST_MAX};
        rc = store_case_search(c->srv->store, &pf, past_item, past, NULL, &e);
    }
    if (rc < 0) {
        internal(c, &e);
        goto out;
    }
    o = json_incref(json_array_get(f.items, 0));
    json_object_set(o, "events", events);
    json_object_set(o, "transcript", msgs);
    json_object_set(o, "past", past);
    bot_api_reply(c, 200, o);
out:
    json_decref(f.items);
    json_decref(events);
    json_decref(msgs);
    json_decref(past);
}

const struct bot_api_route bot_api_cases_routes[] = {
    {BOT_API_GET, "/api/cases", BOT_ROLE_AGENT, BOT_API_BODY_NONE, 0, cases_list},
    {BOT_API_GET, "/api/cases/{id}", BOT_ROLE_AGENT, BOT_API_BODY_NONE, 0, case_view},
    {0, NULL, 0, 0, 0, NULL},
};
