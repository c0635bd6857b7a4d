/* The analytics record at the source (see bot/statsrec.h). */
#include "bot/statsrec.h"

#include <string.h>

#include <jansson.h>

#include "kb/base.h"

static void put(struct store *st, const struct store_stats_event *ev)
{
    struct sn_err e = {0};
    if (store_stats_add(st, ev, &e))
        sn_log(SN_LOG_ERR, "stats", "event=stats_failed conv=%s kind=%s err=\"%s\"",
               ev->conv ? ev->conv : "-", ev->kind, e.msg);
}

void bot_statsrec_conv(
    struct store *st, const char *conv, const char *lang, const char *channel, long long now)
{
    struct store_stats_event ev = {.ts = now,
                                   .kind = "conv",
                                   .conv = conv,
                                   .lang = lang,
                                   .channel = channel,
                                   .value = -1,
                                   .value2 = -1};
    put(st, &ev);
}

void bot_statsrec_turn(
    struct store *st, const char *conv, const char *kind, const char *band, long long now)
{
    struct store_stats_event ev = {.ts = now,
                                   .kind = "turn",
                                   .conv = conv,
                                   .sub = kind,
                                   .band = band,
                                   .value = -1,
                                   .value2 = -1};
    put(st, &ev);
}

void bot_statsrec_feedback(struct store *st, const char *conv, int helpful, long long now)
{
    struct store_stats_event ev = {
        .ts = now, .kind = "feedback", .conv = conv, .value = helpful ? 1 : 0, .value2 = -1};
    put(st, &ev);
}

int bot_statsrec_repeat(struct store *st,
                        const char *conv,
                        const struct store_case *prev,
                        long long now)
{
    int bits = 0, seen = 0;
    if (prev && prev->id && strcmp(prev->conv_id, conv)) {
        long long at = prev->solved_at > prev->created ? prev->solved_at : prev->created;
        if (now - at < STORE_STATS_REPEAT_MS && now >= at)
            bits |= STORE_STATS_REPEAT_VISITOR;
    }
    if (store_stats_email_seen(st, conv, now - STORE_STATS_REPEAT_MS, &seen, NULL) == SN_OK && seen)
        bits |= STORE_STATS_REPEAT_EMAIL;
    return bits;
}

/* The wait since conv's last queued row, -1 when it has none. */
static long long since_last(struct store *st, const char *conv, const char *kind, long long now)
{
    long long ts = 0;
    if (store_stats_last(st, conv, kind, &ts, NULL) || ts <= 0 || ts > now)
        return -1;
    return now - ts;
}

/* The detail's integer key, -1 when it has none. */
static long long detail_int(const char *detail, const char *key)
{
    json_t *o = detail ? json_loads(detail, 0, NULL) : NULL;
    json_t *v = json_object_get(o, key);
    long long r = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
    json_decref(o);
    return r;
}

static const char *detail_str_dup(const char *detail, const char *key, char *out, size_t size)
{
    json_t *o = detail ? json_loads(detail, 0, NULL) : NULL;
    json_t *v = json_object_get(o, key);
    out[0] = '\0';
    if (json_is_string(v))
        snprintf(out, size, "%s", json_string_value(v));
    json_decref(o);
    return out[0] ? out : NULL;
}

void bot_statsrec_case(struct store *st,
                       const struct store_case *before,
                       const struct store_case *after,
                       enum bot_case_event ev,
                       const char *detail,
                       int repeat,
                       long long now)
{
    char reason[32], login[STORE_LOGIN_MAX];
    const char *conv = after->conv_id[0] ? after->conv_id : NULL;
    const char *agent = after->assignee[0] ? after->assignee : NULL;
    struct store_stats_event r = {.ts = now, .conv = conv, .value = -1, .value2 = -1};
    if (!conv)
        return; /* a figure is a conversation's: a case without one counts nowhere */
    switch (ev) {
    case BOT_CASE_CREATED:
    case BOT_CASE_REOPENED:
        r.kind = "case", r.value = repeat;
        break;
    case BOT_CASE_HANDOFF:
        r.kind = "handoff", r.sub = detail_str_dup(detail, "reason", reason, sizeof reason);
        break;
    case BOT_CASE_MESSAGE_LEFT: /* its email is new here: the email bit is checked again */
        r.kind = "ticket", r.value = bot_statsrec_repeat(st, conv, NULL, now);
        break;
    case BOT_CASE_QUEUED:
        r.kind = "queued";
        break;
    case BOT_CASE_REQUEUED: /* back in the queue (its agent gone): the next wait starts here */
        r.kind = "queued", r.sub = "requeued";
        break;
    case BOT_CASE_ASSIGNED:
        r.kind = "assigned", r.agent = agent, r.value = since_last(st, conv, "queued", now);
        break;
    case BOT_CASE_TRANSFERRED: /* to another agent ("to"): that agent's chat from now on; to a
                                * department's queue: the queued row that follows counts */
        r.agent = detail_str_dup(detail, "to", login, sizeof login);
        if (!r.agent)
            return;
        r.kind = "assigned", r.sub = "transfer";
        break;
    case BOT_CASE_LEFT: /* left the queue before anyone took it */
        if (!before || (strcmp(before->status, "new") && strcmp(before->status, "escalated")))
            return;
        r.kind = "abandoned", r.value = since_last(st, conv, "queued", now);
        break;
    case BOT_CASE_AGENT_REPLIED:
        if (!before || before->first_response_at || after->first_response_at != now)
            return;
        r.kind = "first_response", r.agent = agent, r.value = now - after->created;
        break;
    case BOT_CASE_SOLVED_EV:
    case BOT_CASE_CLOSED_EV:
        r.kind = "solved", r.sub = ev == BOT_CASE_SOLVED_EV ? "solved" : "closed", r.agent = agent;
        r.value = now - after->created;
        r.value2 = since_last(st, conv, "assigned", now);
        break;
    case BOT_CASE_CSAT:
        r.kind = "csat", r.agent = agent, r.value = detail_int(detail, "rating");
        if (r.value < 1 || r.value > 5)
            return;
        break;
    default:
        return; /* not a figure's fact */
    }
    put(st, &r);
}
