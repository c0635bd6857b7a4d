/* Prometheus metrics (issue 16, docs/metrics.md): a fixed registry of counters and histograms
 * whose updates are relaxed C11 atomics on static arrays (no allocation, no lock, no string
 * work: the hot path pays one atomic add), and the text exposition format 0.0.4 rendered into
 * a buffer only when /metrics is scraped. The gauges that are state (sockets, conversations
 * by state, queue length, agents by presence) are not kept here: the caller computes them at
 * scrape from the server's structures and passes them in (struct bot_metrics_live), so they
 * can never drift from what they count. Internal to bot/. */
#ifndef SANAD_BOT_METRICS_H
#define SANAD_BOT_METRICS_H

#include <stddef.h>

struct sn_buf;

/* The counters and histograms, in the order they are rendered. */
enum bot_metric {
    BOT_M_MESSAGES,       /* counter {sender}: transcript messages stored */
    BOT_M_TURNS,          /* counter {kind, band}: bot turns */
    BOT_M_HANDOFFS,       /* counter {reason}: conversations handed to a person */
    BOT_M_OFFERS,         /* counter {reason}: a person offered by the bot */
    BOT_M_TICKETS,        /* counter: messages left for the agents (tickets) */
    BOT_M_CSAT,           /* counter {score}: CSAT ratings */
    BOT_M_ERRORS,         /* counter {code}: error frames sent, by wire code */
    BOT_M_RATE_LIMITED,   /* counter: frames refused by the token bucket */
    BOT_M_QUEUE_WAIT,     /* histogram: seconds from queued to assigned */
    BOT_M_FIRST_RESPONSE, /* histogram: seconds from the case's start to the first agent reply */
    BOT_M_RESOLUTION,     /* histogram: seconds from the case's start to the agent's close */
    BOT_M_ANSWER_LATENCY, /* histogram: seconds from a visitor frame to the bot's turn stored */
    BOT_M_SEARCH_LATENCY, /* histogram: seconds of one knowledge-base search */
    /* the cluster (bot/cluster.h; zero on a single node) */
    BOT_M_CLUSTER_NOTIFICATIONS, /* counter {channel}: notifications received (LISTEN) */
    BOT_M_CLUSTER_RECONNECTS,    /* counter: the listening connection reconnected */
    BOT_M_N
};

/* Label values of the labelled counters (the enums index the series). */
enum bot_metrics_sender {
    BOT_MS_VISITOR,
    BOT_MS_BOT,
    BOT_MS_AGENT,
    BOT_MS_NOTE,
    BOT_MS_SYSTEM,
    BOT_MS_N
};
enum bot_metrics_handoff {
    BOT_MH_ASKED,          /* the visitor asked for a person (intent ask_for_human) */
    BOT_MH_ACCEPTED_OFFER, /* the bot offered one and the visitor said yes */
    BOT_MH_BUTTON,         /* the widget's "talk to a human" button */
    BOT_MH_N
};
enum bot_metrics_offer {
    BOT_MO_MISS,        /* no answer was found */
    BOT_MO_FRUSTRATION, /* the visitor said the answer did not help ("no", "not helpful") */
    BOT_MO_N
};
/* The channels of BOT_M_CLUSTER_NOTIFICATIONS: msg, conv, live, other (in this order). */
#define BOT_METRICS_CHANNELS   4
#define BOT_METRICS_TURN_KINDS 6  /* enum bot_turn_kind (bot/dialogue.h) */
#define BOT_METRICS_BANDS      4  /* none (no search), low, medium, high */
#define BOT_METRICS_SCORES     5  /* CSAT 1..5 */
#define BOT_METRICS_ERRORS     16 /* wire codes: visitor 1..12, agent 100..102, other */

/* Adds 1 to counter m's series label (an index of its label set: enum bot_metrics_sender
 * for BOT_M_MESSAGES, …; 0 for an unlabelled one). An index out of range is counted in the
 * series' last slot for BOT_M_ERRORS ("other") and dropped elsewhere. Thread-safe. */
void bot_metrics_inc(enum bot_metric m, int label);

/* The label index of a bot turn of kind (enum bot_turn_kind) and band (enum kb_band, -1: no
 * search was made), for BOT_M_TURNS. */
int bot_metrics_turn(int kind, int band);
/* The label index of a wire error code (enum bot_proto_err or enum bot_agent_proto_err), for
 * BOT_M_ERRORS. */
int bot_metrics_error(int code);
/* Why a handoff turn's intent handed off (bot_case_handoff_reason's three reasons). */
enum bot_metrics_handoff bot_metrics_handoff_of(const char *intent);

/* Records one observation of histogram m, in microseconds (negative counts as 0). */
void bot_metrics_observe(enum bot_metric m, long long us);

/* The state the caller counts at scrape time. */
struct bot_metrics_live {
    long long sockets_visitor, sockets_agent;                 /* open WebSocket connections */
    long long conv_bot, conv_queued, conv_agent, conv_closed; /* conversations in memory */
    long long queue_length;               /* conversations waiting for a person */
    long long agents_online, agents_away; /* connected agents by presence */
    long long cluster_nodes;              /* live nodes the cluster saw (0: not a cluster) */
};

/* Renders every metric, the counters and histograms of the registry and live's gauges, in
 * the Prometheus text format 0.0.4 (# HELP, # TYPE, cumulative _bucket{le}, _sum, _count)
 * onto out. SN_OK, or SN_ETOOBIG when out's cap is reached (out then holds a part). */
int bot_metrics_render(const struct bot_metrics_live *live, struct sn_buf *out);

/* Appends s as a label value of the text format (backslash, double quote and newline
 * escaped as \\, \" and \n) onto out. SN_OK or SN_ETOOBIG. */
int bot_metrics_label_escape(struct sn_buf *out, const char *s);

/* Sets every counter and histogram to zero (tests). */
void bot_metrics_reset(void);

#endif
