/* The metrics registry (bot/metrics.h): one table row per metric (name, help, type, label
 * set, buckets, where its slots start), one static array of atomic slots for them all. An
 * update is an index and one relaxed atomic add: Prometheus reads totals, so no update needs
 * to be ordered with any other, and a scrape that sees a histogram's _count one ahead of its
 * buckets is corrected by the next one. Everything with strings happens in render. */
#include "bot/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/agent_proto.h"
#include "bot/dialogue.h"
#include "bot/proto.h"
#include "kb/base.h"

enum kind { COUNTER, HISTOGRAM };

/* Label sets: each a list of (label name, values); the series of a metric are the product,
 * the last label varying fastest. */
enum labelset { LS_NONE, LS_SENDER, LS_TURN, LS_HANDOFF, LS_OFFER, LS_SCORE, LS_ERROR, LS_CHANNEL };

static const char *const senders[BOT_MS_N] = {"visitor", "bot", "agent", "note", "system"};
static const char *const turn_kinds[BOT_METRICS_TURN_KINDS] = {
    "welcome", "intent", "answer", "suggestions", "fallback", "handoff"};
static const char *const bands[BOT_METRICS_BANDS] = {"none", "low", "medium", "high"};
static const char *const handoffs[BOT_MH_N] = {"asked", "accepted_offer", "button"};
static const char *const offers[BOT_MO_N] = {"miss", "frustration"};
static const char *const scores[BOT_METRICS_SCORES] = {"1", "2", "3", "4", "5"};
static const char *const channels[BOT_METRICS_CHANNELS] = {"sanad_msg", "sanad_conv", "sanad_live",
                                                           "other"};

static const struct labels {
    const char *name[2];
    const char *const *values[2]; /* NULL for LS_ERROR: the wire names of the codes */
    int n[2];
    int nlabels;
} labelsets[] = {
    [LS_NONE] = {{NULL, NULL}, {NULL, NULL}, {1, 1}, 0},
    [LS_SENDER] = {{"sender", NULL}, {senders, NULL}, {BOT_MS_N, 1}, 1},
    [LS_TURN] = {{"kind", "band"},
                 {turn_kinds, bands},
                 {BOT_METRICS_TURN_KINDS, BOT_METRICS_BANDS},
                 2},
    [LS_HANDOFF] = {{"reason", NULL}, {handoffs, NULL}, {BOT_MH_N, 1}, 1},
    [LS_OFFER] = {{"reason", NULL}, {offers, NULL}, {BOT_MO_N, 1}, 1},
    [LS_SCORE] = {{"score", NULL}, {scores, NULL}, {BOT_METRICS_SCORES, 1}, 1},
    [LS_ERROR] = {{"code", NULL}, {NULL, NULL}, {BOT_METRICS_ERRORS, 1}, 1},
    [LS_CHANNEL] = {{"channel", NULL}, {channels, NULL}, {BOT_METRICS_CHANNELS, 1}, 1},
};

static int series_of(enum labelset ls)
{
    return labelsets[ls].n[0] * labelsets[ls].n[1];
}

/* Bucket bounds in microseconds: people's waits from a second to a day, the server's own
 * latencies from half a millisecond to 5 s. */
#define NB_HUMAN 14
#define NB_FAST  13
static const long long human_le[NB_HUMAN] = {
    1000000LL,    5000000LL,     10000000LL,    30000000LL,   60000000LL,
    120000000LL,  300000000LL,   600000000LL,   1800000000LL, 3600000000LL,
    7200000000LL, 14400000000LL, 28800000000LL, 86400000000LL};
static const long long fast_le[NB_FAST] = {500,    1000,   2500,   5000,    10000,   25000,  50000,
                                           100000, 250000, 500000, 1000000, 2500000, 5000000};
#define NB_MAX NB_HUMAN

static const struct def {
    const char *name, *help;
    enum kind kind;
    enum labelset ls;
    const long long *le; /* histograms: the bounds (+Inf after them) */
    int nb;
} defs[BOT_M_N] = {
    [BOT_M_MESSAGES] = {"sanad_messages_total", "Transcript messages stored, by sender.", COUNTER,
                        LS_SENDER, NULL, 0},
    [BOT_M_TURNS] = {"sanad_bot_turns_total",
                     "Bot turns, by kind and by the band of the search behind them (none: no "
                     "search).",
                     COUNTER, LS_TURN, NULL, 0},
    [BOT_M_HANDOFFS] = {"sanad_handoffs_total", "Conversations handed to a person, by reason.",
                        COUNTER, LS_HANDOFF, NULL, 0},
    [BOT_M_OFFERS] = {"sanad_human_offers_total",
                      "Turns in which the bot offered a person, by reason.", COUNTER, LS_OFFER,
                      NULL, 0},
    [BOT_M_TICKETS] = {"sanad_tickets_total", "Messages left for the agents (tickets).", COUNTER,
                       LS_NONE, NULL, 0},
    [BOT_M_CSAT] = {"sanad_csat_ratings_total", "CSAT ratings, by score.", COUNTER, LS_SCORE, NULL,
                    0},
    [BOT_M_ERRORS] = {"sanad_errors_total", "Error frames sent to clients, by wire code.", COUNTER,
                      LS_ERROR, NULL, 0},
    [BOT_M_RATE_LIMITED] = {"sanad_rate_limited_frames_total",
                            "Frames refused by the per-connection rate limit.", COUNTER, LS_NONE,
                            NULL, 0},
    [BOT_M_QUEUE_WAIT] = {"sanad_queue_wait_seconds",
                          "Time a conversation waited in the queue before an agent got it.",
                          HISTOGRAM, LS_NONE, human_le, NB_HUMAN},
    [BOT_M_FIRST_RESPONSE] = {"sanad_first_response_seconds",
                              "Time from the handoff (the case's start) to the first agent "
                              "reply.",
                              HISTOGRAM, LS_NONE, human_le, NB_HUMAN},
    [BOT_M_RESOLUTION] = {"sanad_resolution_seconds",
                          "Time from the handoff (the case's start) to the agent's close.",
                          HISTOGRAM, LS_NONE, human_le, NB_HUMAN},
    [BOT_M_ANSWER_LATENCY] = {"sanad_bot_answer_seconds",
                              "Time from a visitor frame's arrival to the bot's turn stored.",
                              HISTOGRAM, LS_NONE, fast_le, NB_FAST},
    [BOT_M_SEARCH_LATENCY] = {"sanad_search_seconds", "Time of one knowledge-base search.",
                              HISTOGRAM, LS_NONE, fast_le, NB_FAST},
    [BOT_M_CLUSTER_NOTIFICATIONS] = {"sanad_cluster_notifications_total",
                                     "Cluster notifications received (LISTEN), by channel.",
                                     COUNTER, LS_CHANNEL, NULL, 0},
    [BOT_M_CLUSTER_RECONNECTS] = {"sanad_cluster_reconnects_total",
                                  "Times the cluster's listening connection came back.", COUNTER,
                                  LS_NONE, NULL, 0},
};

/* Slots: a counter's series, or a histogram's buckets (not cumulative: +Inf is the last),
 * then its sum (us). Its count is the buckets' total, added up when it is rendered. */
#define SLOTS_MAX 256
static _Atomic unsigned long long slots[SLOTS_MAX];
static int first_slot[BOT_M_N]; /* computed once, before any update can race (see below) */

static int nslots_of(const struct def *d)
{
    return d->kind == COUNTER ? series_of(d->ls) : d->nb + 1 + 1;
}

/* The slot layout is a pure function of defs: computed by a constructor so that the hot path
 * has no "initialized yet?" branch and no lock. */
__attribute__((constructor)) static void layout(void)
{
    int at = 0;
    for (int m = 0; m < BOT_M_N; m++) {
        first_slot[m] = at;
        at += nslots_of(&defs[m]);
    }
    if (at > SLOTS_MAX) { /* a programmer's error: the table outgrew the array */
        fprintf(stderr, "bot/metrics.c: %d slots, SLOTS_MAX %d\n", at, SLOTS_MAX);
        abort();
    }
}

void bot_metrics_inc(enum bot_metric m, int label)
{
    if ((unsigned)m >= BOT_M_N || defs[m].kind != COUNTER)
        return;
    int n = series_of(defs[m].ls);
    if (label < 0 || label >= n) {
        if (defs[m].ls != LS_ERROR)
            return;
        label = n - 1;
    }
    atomic_fetch_add_explicit(&slots[first_slot[m] + label], 1, memory_order_relaxed);
}

int bot_metrics_turn(int kind, int band)
{
    if (kind < 0 || kind >= BOT_METRICS_TURN_KINDS || band < -1 || band > 2)
        return -1;
    return kind * BOT_METRICS_BANDS + band + 1;
}

int bot_metrics_error(int code)
{
    if (code >= BOT_PROTO_BAD_JSON && code <= BOT_PROTO_INTERNAL)
        return code - BOT_PROTO_BAD_JSON;
    if (code >= BOT_AGENT_AT_CAPACITY && code <= BOT_AGENT_CASE_CLOSED)
        return BOT_PROTO_INTERNAL + code - BOT_AGENT_AT_CAPACITY;
    return BOT_METRICS_ERRORS - 1;
}

enum bot_metrics_handoff bot_metrics_handoff_of(const char *intent)
{
    if (!intent)
        return BOT_MH_BUTTON;
    return strcmp(intent, "affirm") ? BOT_MH_ASKED : BOT_MH_ACCEPTED_OFFER;
}

void bot_metrics_observe(enum bot_metric m, long long us)
{
    if ((unsigned)m >= BOT_M_N || defs[m].kind != HISTOGRAM)
        return;
    const struct def *d = &defs[m];
    if (us < 0)
        us = 0;
    int b = 0;
    while (b < d->nb && us > d->le[b]) /* le: the bound is inclusive */
        b++;
    _Atomic unsigned long long *s = &slots[first_slot[m]];
    atomic_fetch_add_explicit(&s[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s[d->nb + 1], (unsigned long long)us, memory_order_relaxed);
}

void bot_metrics_reset(void)
{
    for (int i = 0; i < SLOTS_MAX; i++)
        atomic_store_explicit(&slots[i], 0, memory_order_relaxed);
}

/* --- exposition ----------------------------------------------------------------------- */

int bot_metrics_label_escape(struct sn_buf *out, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        int rc = e ? sn_buf_adds(out, e) : sn_buf_add(out, s, 1);
        if (rc)
            return rc;
    }
    return SN_OK;
}

/* The wire name of error label i (bot_metrics_error's inverse). */
static const char *error_name(int i)
{
    if (i < BOT_PROTO_INTERNAL)
        return bot_proto_err_name(i + BOT_PROTO_BAD_JSON);
    if (i < BOT_METRICS_ERRORS - 1)
        return bot_agent_proto_err_name(BOT_AGENT_AT_CAPACITY + i - BOT_PROTO_INTERNAL);
    return "other";
}

static const char *value_of(enum labelset ls, int which, int i)
{
    return ls == LS_ERROR ? error_name(i) : labelsets[ls].values[which][i];
}

/* {a="x",b="y"} of series i of set ls, with an extra (name, value) pair at the end when
 * extra is set (a bucket's le); nothing for no labels at all. */
static int
labels_put(struct sn_buf *out, enum labelset ls, int i, const char *extra, const char *extra_value)
{
    const struct labels *l = &labelsets[ls];
    int rc = SN_OK, any = 0;
    if (!l->nlabels && !extra)
        return SN_OK;
    rc = sn_buf_adds(out, "{");
    int idx[2] = {l->nlabels == 2 ? i / l->n[1] : i, l->nlabels == 2 ? i % l->n[1] : 0};
    for (int k = 0; k < l->nlabels && !rc; k++, any = 1) {
        rc = sn_buf_printf(out, "%s%s=\"", any ? "," : "", l->name[k]);
        if (!rc)
            rc = bot_metrics_label_escape(out, value_of(ls, k, idx[k]));
        if (!rc)
            rc = sn_buf_adds(out, "\"");
    }
    if (extra && !rc) {
        rc = sn_buf_printf(out, "%s%s=\"", any ? "," : "", extra);
        if (!rc)
            rc = bot_metrics_label_escape(out, extra_value);
        if (!rc)
            rc = sn_buf_adds(out, "\"");
    }
    return rc ? rc : sn_buf_adds(out, "}");
}

static int head(struct sn_buf *out, const char *name, const char *help, const char *type)
{
    return sn_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A base name without its _total: the text format's TYPE line names the family. */
static int counter_put(struct sn_buf *out, const struct def *d, const unsigned long long *v)
{
    int rc = head(out, d->name, d->help, "counter");
    for (int i = 0; i < series_of(d->ls) && !rc; i++) {
        rc = sn_buf_adds(out, d->name);
        if (!rc)
            rc = labels_put(out, d->ls, i, NULL, NULL);
        if (!rc)
            rc = sn_buf_printf(out, " %llu\n", v[i]);
    }
    return rc;
}

static int histogram_put(struct sn_buf *out, const struct def *d, const unsigned long long *v)
{
    char le[32];
    unsigned long long cum = 0;
    int rc = head(out, d->name, d->help, "histogram");
    for (int b = 0; b <= d->nb && !rc; b++) {
        cum += v[b];
        if (b < d->nb)
            snprintf(le, sizeof le, "%g", (double)d->le[b] / 1e6);
        else
            snprintf(le, sizeof le, "+Inf");
        rc = sn_buf_printf(out, "%s_bucket", d->name);
        if (!rc)
            rc = labels_put(out, d->ls, 0, "le", le);
        if (!rc)
            rc = sn_buf_printf(out, " %llu\n", cum);
    }
    /* the count is the buckets' total as read, so that one scrape is coherent */
    if (!rc)
        rc = sn_buf_printf(out, "%s_sum %.6f\n%s_count %llu\n", d->name, (double)v[d->nb + 1] / 1e6,
                           d->name, cum);
    return rc;
}

static int gauge_put(struct sn_buf *out,
                     const char *name,
                     const char *help,
                     const char *label,
                     const char *const *values,
                     const long long *v,
                     int n)
{
    int rc = head(out, name, help, "gauge");
    for (int i = 0; i < n && !rc; i++) {
        rc = sn_buf_adds(out, name);
        if (!rc && label) {
            rc = sn_buf_printf(out, "{%s=\"", label);
            if (!rc)
                rc = bot_metrics_label_escape(out, values[i]);
            if (!rc)
                rc = sn_buf_adds(out, "\"}");
        }
        if (!rc)
            rc = sn_buf_printf(out, " %lld\n", v[i]);
    }
    return rc;
}

static int gauges_put(struct sn_buf *out, const struct bot_metrics_live *l)
{
    static const char *const kinds[] = {"visitor", "agent"};
    static const char *const states[] = {"bot", "queued", "agent", "closed"};
    static const char *const presence[] = {"online", "away"};
    long long sockets[] = {l->sockets_visitor, l->sockets_agent};
    long long convs[] = {l->conv_bot, l->conv_queued, l->conv_agent, l->conv_closed};
    long long agents[] = {l->agents_online, l->agents_away};
    int rc = gauge_put(out, "sanad_sockets_open", "Open WebSocket connections, by kind.", "kind",
                       kinds, sockets, 2);
    if (!rc)
        rc = gauge_put(out, "sanad_conversations",
                       "Conversations with a visitor connected, by state.", "state", states, convs,
                       4);
    if (!rc)
        rc = gauge_put(out, "sanad_queue_length", "Conversations waiting for a person.", NULL, NULL,
                       &l->queue_length, 1);
    if (!rc)
        rc = gauge_put(out, "sanad_agents", "Connected agents, by presence.", "presence", presence,
                       agents, 2);
    if (!rc)
        rc = gauge_put(out, "sanad_cluster_nodes",
                       "Live nodes of the cluster at the last tick (0: a single node).", NULL, NULL,
                       &l->cluster_nodes, 1);
    return rc;
}

int bot_metrics_render(const struct bot_metrics_live *live, struct sn_buf *out)
{
    unsigned long long v[SLOTS_MAX];
    int rc = gauges_put(out, live);
    for (int m = 0; m < BOT_M_N && !rc; m++) {
        const struct def *d = &defs[m];
        int n = nslots_of(d);
        for (int i = 0; i < n; i++)
            v[i] = atomic_load_explicit(&slots[first_slot[m] + i], memory_order_relaxed);
        rc = d->kind == COUNTER ? counter_put(out, d, v) : histogram_put(out, d, v);
    }
    return rc;
}
