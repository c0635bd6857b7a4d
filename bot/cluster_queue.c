/* The agent queue across nodes (see cluster_queue.h). */
#include "bot/cluster_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/config.h"
#include "bot/pg.h"

/* Step 1. agents_live: one row per connected agent and node (a user connected on two nodes
 * has two); queue_nodes: each node's last beat, the lease this module keeps itself (the
 * cluster's own lease, bot/cluster.h, can replace it: bot_queue_node_dead is the same entry). */
static const char *const schema[] = {
    "CREATE SCHEMA IF NOT EXISTS sanad_cluster_queue;"
    "CREATE TABLE sanad_cluster_queue.agents_live("
    " user_id bigint NOT NULL, node text NOT NULL, login text NOT NULL,"
    " name text NOT NULL DEFAULT '', presence text NOT NULL DEFAULT 'online',"
    " chats integer NOT NULL DEFAULT 0, capacity integer NOT NULL DEFAULT 0,"
    " updated bigint NOT NULL, PRIMARY KEY(user_id, node));"
    "CREATE INDEX agents_live_node ON sanad_cluster_queue.agents_live(node);"
    "CREATE TABLE sanad_cluster_queue.queue_nodes(node text PRIMARY KEY, seen bigint NOT NULL);",
    /* step 2: the queued conversations whose visitor has a socket on a node (the visitor's
     * grace is swept by every node: one that sees no socket of its own asks here) */
    "CREATE TABLE sanad_cluster_queue.visitors_live("
    " conv_id text NOT NULL, node text NOT NULL, PRIMARY KEY(conv_id, node));"
    "CREATE INDEX visitors_live_node ON sanad_cluster_queue.visitors_live(node);",
};

struct bot_cq {
    struct bot_pg *pg;
    char node[BOT_CQ_NODE_MAX];
    struct bot_cq_agent *others; /* the other nodes' agents at the last tick */
    int nothers;
    char *last_put;                   /* what bot_cq_agents_put last wrote (owned), NULL before */
    long long last_put_at;            /* when (ms) */
    int wrote;                        /* this node wrote rows under its name (close removes them) */
    char *last_visitors;              /* what bot_cq_visitors_put last wrote (owned), NULL before */
    char (*elsewhere)[BOT_CQ_ID_MAX]; /* queued conversations with a visitor on another live
                                       * node at the last tick, sorted bytewise */
    int nelsewhere;
    void (*publish)(void *ctx, const char *node); /* NULL: NOTIFY on this connection */
    void *publish_ctx;
};

void bot_cq_node_of(const struct bot_config *cfg, char out[BOT_CQ_NODE_MAX])
{
    char host[64] = "localhost";
    if (cfg->node_id && *cfg->node_id) {
        snprintf(out, BOT_CQ_NODE_MAX, "%s", cfg->node_id);
        return;
    }
    if (gethostname(host, sizeof host - 1))
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    if (cfg->port)
        snprintf(out, BOT_CQ_NODE_MAX, "%s:%d", host, cfg->port);
    else /* a free port chosen at start: the pid tells two such nodes apart */
        snprintf(out, BOT_CQ_NODE_MAX, "%s:0:%ld", host, (long)getpid());
}

int bot_cq_open(const struct bot_config *cfg,
                const char *node,
                struct bot_cq **out,
                struct sn_err *err)
{
    *out = NULL;
    if (!cfg->store || strcmp(cfg->store, "postgres"))
        return SN_OK;
    struct bot_cq *cq = sn_xcalloc(1, sizeof *cq);
    snprintf(cq->node, sizeof cq->node, "%s", node);
    int rc = SN_OK;
    cq->pg = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err);
    if (!cq->pg)
        rc = err ? err->code : SN_EDB;
    if (rc == SN_OK)
        rc = bot_pg_migrate(cq->pg, "sanad_cluster_queue", schema, sizeof schema / sizeof *schema,
                            err);
    /* the rows an earlier life of this node left (a restart, kill -9) go with the first put,
     * not here: a second node started with a live one's id (refused by the cluster) must not
     * touch the live one's rows */
    if (rc == SN_OK)
        rc = bot_pg_script(cq->pg, "LISTEN " BOT_CQ_CHANNEL, err);
    if (rc) {
        bot_pg_close(cq->pg);
        free(cq);
        return rc;
    }
    *out = cq;
    return SN_OK;
}

void bot_cq_close(struct bot_cq *cq)
{
    if (!cq)
        return;
    const char *v[] = {cq->node};
    if (cq->wrote) { /* never another live node's rows (a refused duplicate id) */
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1, v,
                    NULL, NULL);
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.visitors_live WHERE node = $1", 1, v,
                    NULL, NULL);
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.queue_nodes WHERE node = $1", 1, v,
                    NULL, NULL);
    }
    /* on this connection: the cluster (publish's ctx) may be closed already */
    cq->publish = NULL;
    bot_cq_publish(cq);
    bot_pg_close(cq->pg);
    free(cq->others);
    free(cq->last_put);
    free(cq->last_visitors);
    free(cq->elsewhere);
    free(cq);
}

const char *bot_cq_node(const struct bot_cq *cq)
{
    return cq ? cq->node : "";
}

void bot_cq_set_node(struct bot_cq *cq, const char *node)
{
    if (!cq || !strcmp(cq->node, node))
        return;
    const char *v[] = {cq->node};
    if (cq->wrote) { /* the rows under the old name are this node's own */
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1, v,
                    NULL, NULL);
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.visitors_live WHERE node = $1", 1, v,
                    NULL, NULL);
        bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.queue_nodes WHERE node = $1", 1, v,
                    NULL, NULL);
    }
    cq->wrote = 0;
    snprintf(cq->node, sizeof cq->node, "%s", node);
    free(cq->last_put);
    cq->last_put = NULL;
    free(cq->last_visitors);
    cq->last_visitors = NULL;
}

void bot_cq_set_publish(struct bot_cq *cq, void (*publish)(void *ctx, const char *node), void *ctx)
{
    if (!cq)
        return;
    cq->publish = publish;
    cq->publish_ctx = ctx;
    if (publish)
        bot_pg_script(cq->pg, "UNLISTEN " BOT_CQ_CHANNEL, NULL);
}

/* --- the claim ---------------------------------------------------------------------------- */

/* The claim sets agent_id only: the conversation stays "queued" so that the move which
 * follows (bot_convs_move, reading the state from the store when its visitor is on another
 * node) finds the state its table expects, and writes state, agent_id and the rest. A claim
 * whose move never came (a node killed in between) is given back by bot_cq_tick.
 *
 * The agent's load is counted in the store, under a lock on the agent (an advisory lock for
 * the transaction): an agent with consoles on two nodes is assigned by both, and only the
 * store sees all its chats, those held (state agent) and those claimed (state queued, its
 * agent_id). Read committed: the count, a statement after the lock, sees every claim that
 * committed before it. */
#define CLAIM_LOCK_CLASS "21329" /* 0x5351, "SQ": the advisory locks' class of claims */

int bot_cq_claim(struct bot_cq *cq,
                 const char *conv,
                 long long agent_id,
                 int capacity,
                 long long now,
                 struct sn_err *err)
{
    char a[24], t[24];
    PGresult *res = NULL;
    if (!cq)
        return SN_OK;
    const char *v[] = {conv, bot_pg_fmt_ll(a, agent_id), bot_pg_fmt_ll(t, now)};
    int rc = bot_pg_begin(cq->pg, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg, "SELECT pg_advisory_xact_lock(" CLAIM_LOCK_CLASS ", $1::int)", 1,
                         v + 1, NULL, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg,
                         "SELECT count(*) FROM sanad_store.conversations WHERE agent_id = $1"
                         " AND state IN ('agent', 'queued')",
                         1, v + 1, &res, err);
    if (rc == SN_OK && bot_pg_ll(res, 0, 0) >= capacity)
        rc = sn_err_set(err, SN_ETOOBIG, "the agent has %lld chats already (agent_capacity)",
                        bot_pg_ll(res, 0, 0));
    PQclear(res);
    res = NULL;
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg,
                         "UPDATE sanad_store.conversations SET agent_id = $2, updated = $3"
                         " WHERE id = $1 AND state = 'queued' AND COALESCE(agent_id, 0) = 0"
                         " RETURNING id",
                         3, v, &res, err);
    if (rc == SN_OK && PQntuples(res) != 1)
        rc = sn_err_set(err, SN_ECONFLICT, "conversation %s was taken on another node", conv);
    PQclear(res);
    rc = bot_pg_end(cq->pg, rc, err);
    return rc;
}

void bot_cq_unclaim(struct bot_cq *cq, const char *conv, long long agent_id)
{
    struct sn_err e = {0};
    char a[24];
    if (!cq)
        return;
    const char *v[] = {conv, bot_pg_fmt_ll(a, agent_id)};
    if (bot_pg_exec(cq->pg,
                    "UPDATE sanad_store.conversations SET agent_id = 0"
                    " WHERE id = $1 AND state = 'queued' AND agent_id = $2",
                    2, v, NULL, &e))
        sn_log(SN_LOG_ERR, "cluster", "event=unclaim_failed conv=%s err=\"%s\"", conv, e.msg);
}

/* --- the queue as the store has it ------------------------------------------------------ */

int bot_cq_queued(struct bot_cq *cq, struct bot_cq_item **items, int *n, struct sn_err *err)
{
    PGresult *res = NULL;
    *items = NULL;
    *n = 0;
    if (!cq)
        return SN_OK;
    /* the newest case of each conversation gives its priority and department, as
     * store_case_find(STORE_CASE_BY_CONV) does; sorted by id for bot_cq_items_has (routing
     * puts them in the one order itself) */
    int rc = bot_pg_exec(cq->pg,
                         "SELECT c.id, COALESCE(c.queued_at, 0), COALESCE(k.priority, -1),"
                         " COALESCE(k.department, '')"
                         " FROM sanad_store.conversations c LEFT JOIN LATERAL"
                         " (SELECT priority, department FROM sanad_store.cases WHERE conv_id = c.id"
                         "  ORDER BY id DESC LIMIT 1) k ON true"
                         " WHERE c.state = 'queued' AND COALESCE(c.agent_id, 0) = 0"
                         " ORDER BY c.id COLLATE \"C\"",
                         0, NULL, &res, err);
    if (rc)
        return rc;
    int rows = PQntuples(res);
    *items = rows ? sn_xcalloc((size_t)rows, sizeof **items) : NULL;
    for (int i = 0; i < rows; i++) {
        struct bot_cq_item *it = &(*items)[*n];
        snprintf(it->id, sizeof it->id, "%s", bot_pg_str(res, i, 0));
        it->queued_at = bot_pg_ll(res, i, 1);
        it->prio = (int)bot_pg_ll(res, i, 2);
        snprintf(it->dept, sizeof it->dept, "%s", bot_pg_str(res, i, 3));
        (*n)++;
    }
    PQclear(res);
    return SN_OK;
}

int bot_cq_items_has(const struct bot_cq_item *items, int n, const char *id)
{
    int lo = 0, hi = n - 1; /* sorted by id (strcmp's order: COLLATE "C") */
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(items[mid].id, id);
        if (!c)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

/* --- presence and load ------------------------------------------------------------------- */

/* One line per agent of v: what a put writes, to skip writing it twice (owned by the caller). */
static char *agents_key(const struct bot_cq_agent *v, int n)
{
    size_t cap = 64 + (size_t)n * (BOT_CQ_LOGIN_MAX + BOT_CQ_NAME_MAX + 64), len = 0;
    char *s = sn_xcalloc(1, cap);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%lld\t%s\t%s\t%d\t%d\t%d\n", v[i].user_id,
                                v[i].login, v[i].name, v[i].online, v[i].chats, v[i].capacity);
    return s;
}

#define PUT_REFRESH_MS 10000

int bot_cq_agents_put(
    struct bot_cq *cq, const struct bot_cq_agent *v, int n, long long now, struct sn_err *err)
{
    if (!cq)
        return SN_OK;
    char *key = agents_key(v, n);
    /* unchanged: written again only every PUT_REFRESH_MS (rows lost with a takeover of a
     * node that was only slow come back) */
    if (cq->last_put && !strcmp(cq->last_put, key) && now - cq->last_put_at < PUT_REFRESH_MS) {
        free(key);
        return SN_OK;
    }
    const char *nv[] = {cq->node};
    int rc = bot_pg_begin(cq->pg, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1,
                         nv, NULL, err);
    for (int i = 0; rc == SN_OK && i < n; i++) {
        char u[24], c[24], cap[24], t[24];
        const char *vals[] = {bot_pg_fmt_ll(u, v[i].user_id),
                              cq->node,
                              v[i].login,
                              v[i].name,
                              v[i].online ? "online" : "away",
                              bot_pg_fmt_ll(c, v[i].chats),
                              bot_pg_fmt_ll(cap, v[i].capacity),
                              bot_pg_fmt_ll(t, now)};
        rc = bot_pg_exec(cq->pg,
                         "INSERT INTO sanad_cluster_queue.agents_live(user_id, node, login, name, "
                         "presence, chats,"
                         " capacity, updated) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                         8, vals, NULL, err);
    }
    rc = bot_pg_end(cq->pg, rc, err);
    if (rc) {
        free(key);
        return rc;
    }
    free(cq->last_put);
    cq->last_put = key;
    cq->last_put_at = now;
    cq->wrote = 1;
    bot_cq_publish(cq);
    return SN_OK;
}

const struct bot_cq_agent *bot_cq_others(const struct bot_cq *cq, int *n)
{
    *n = cq ? cq->nothers : 0;
    return cq ? cq->others : NULL;
}

int bot_cq_elsewhere(struct bot_cq *cq, long long user_id, int fresh)
{
    if (!cq)
        return 0;
    if (!fresh) {
        for (int i = 0; i < cq->nothers; i++)
            if (cq->others[i].user_id == user_id)
                return 1;
        return 0;
    }
    char u[24];
    PGresult *res = NULL;
    const char *v[] = {bot_pg_fmt_ll(u, user_id), cq->node};
    if (bot_pg_exec(
            cq->pg,
            "SELECT 1 FROM sanad_cluster_queue.agents_live WHERE user_id = $1 AND node <> $2", 2, v,
            &res, NULL))
        return 1; /* cannot tell: its chats wait for the next try */
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

int bot_cq_row_live(const struct bot_cq_agent *r, long long now, long long lease_ms)
{
    return r->seen > 0 && now - r->seen < lease_ms;
}

int bot_cq_online(const struct bot_cq_agent *v, int n, long long now, long long lease_ms)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += v[i].online && bot_cq_row_live(&v[i], now, lease_ms);
    return k;
}

/* --- visitors ------------------------------------------------------------------------------ */

int bot_cq_visitors_put(struct bot_cq *cq, const char *const *convs, int n, struct sn_err *err)
{
    if (!cq)
        return SN_OK;
    /* a text array literal: conversation ids are the store's own ([a-z0-9_]), and one that is
     * not is left out rather than quoted */
    size_t cap = 3 + (size_t)n * BOT_CQ_ID_MAX, len = 1;
    char *arr = sn_xcalloc(1, cap);
    arr[0] = '{';
    for (int i = 0; i < n; i++) {
        if (strspn(convs[i], "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(convs[i]) ||
            !*convs[i] || strlen(convs[i]) >= BOT_CQ_ID_MAX)
            continue;
        len += (size_t)snprintf(arr + len, cap - len, "%s%s", len > 1 ? "," : "", convs[i]);
    }
    snprintf(arr + len, cap - len, "}");
    if (cq->last_visitors && !strcmp(cq->last_visitors, arr)) {
        free(arr);
        return SN_OK;
    }
    const char *v[] = {cq->node, arr};
    int rc = bot_pg_begin(cq->pg, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.visitors_live WHERE node = $1", 1,
                         v, NULL, err);
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg,
                         "INSERT INTO sanad_cluster_queue.visitors_live(conv_id, node)"
                         " SELECT DISTINCT unnest($2::text[]), $1",
                         2, v, NULL, err);
    rc = bot_pg_end(cq->pg, rc, err);
    if (rc) {
        free(arr);
        return rc;
    }
    free(cq->last_visitors);
    cq->last_visitors = arr;
    cq->wrote = 1;
    return SN_OK;
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int bot_cq_visitor_elsewhere(const struct bot_cq *cq, const char *conv)
{
    return cq && cq->nelsewhere > 0 && /* bsearch takes no NULL, even for 0 items */
           bsearch(conv, cq->elsewhere, (size_t)cq->nelsewhere, sizeof *cq->elsewhere, id_cmp) !=
               NULL;
}

/* The conversations with a visitor on another node that beat within lease_ms, into
 * cq->elsewhere (sorted bytewise). */
static int load_visitors(struct bot_cq *cq, long long now, long long lease_ms, struct sn_err *err)
{
    char t[24];
    PGresult *res = NULL;
    const char *v[] = {cq->node, bot_pg_fmt_ll(t, now - lease_ms)};
    int rc = bot_pg_exec(
        cq->pg,
        "SELECT DISTINCT v.conv_id COLLATE \"C\" FROM sanad_cluster_queue.visitors_live v"
        " JOIN sanad_cluster_queue.queue_nodes n ON n.node = v.node"
        " WHERE v.node <> $1 AND n.seen > $2 ORDER BY 1",
        2, v, &res, err);
    if (rc)
        return rc;
    int rows = PQntuples(res);
    free(cq->elsewhere);
    cq->elsewhere = rows ? sn_xcalloc((size_t)rows, sizeof *cq->elsewhere) : NULL;
    cq->nelsewhere = rows;
    for (int i = 0; i < rows; i++)
        snprintf(cq->elsewhere[i], sizeof cq->elsewhere[i], "%s", bot_pg_str(res, i, 0));
    PQclear(res);
    return SN_OK;
}

/* --- the nodes ----------------------------------------------------------------------------- */

/* The other nodes' agents, with their node's last beat, into cq->others. */
static int load_others(struct bot_cq *cq, struct sn_err *err)
{
    PGresult *res = NULL;
    const char *v[] = {cq->node};
    int rc = bot_pg_exec(cq->pg,
                         "SELECT a.user_id, a.node, a.login, a.name, a.presence, a.chats,"
                         " a.capacity, COALESCE(n.seen, 0)"
                         " FROM sanad_cluster_queue.agents_live a LEFT JOIN "
                         "sanad_cluster_queue.queue_nodes n ON n.node = a.node"
                         " WHERE a.node <> $1 ORDER BY a.login, a.node",
                         1, v, &res, err);
    if (rc)
        return rc;
    int rows = PQntuples(res);
    free(cq->others);
    cq->others = rows ? sn_xcalloc((size_t)rows, sizeof *cq->others) : NULL;
    cq->nothers = rows;
    for (int i = 0; i < rows; i++) {
        struct bot_cq_agent *a = &cq->others[i];
        a->user_id = bot_pg_ll(res, i, 0);
        snprintf(a->node, sizeof a->node, "%s", bot_pg_str(res, i, 1));
        snprintf(a->login, sizeof a->login, "%s", bot_pg_str(res, i, 2));
        snprintf(a->name, sizeof a->name, "%s", bot_pg_str(res, i, 3));
        a->online = !strcmp(bot_pg_str(res, i, 4), "online");
        a->chats = (int)bot_pg_ll(res, i, 5);
        a->capacity = (int)bot_pg_ll(res, i, 6);
        a->seen = bot_pg_ll(res, i, 7);
    }
    PQclear(res);
    return SN_OK;
}

int bot_cq_take_node(struct bot_cq *cq, const char *node, struct sn_err *err)
{
    if (!cq)
        return SN_OK;
    const char *v[] = {node};
    return bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1, v,
                       NULL, err);
}

/* A claim older than this whose agent has no console on any node went with the node that
 * made it (killed between the claim and the move): given back. A live agent's never is. */
#define CLAIM_STALE_MS 30000

int bot_cq_tick(struct bot_cq *cq,
                long long now,
                long long lease_ms,
                void (*dead)(void *ctx, const char *node),
                void *ctx,
                int *notified,
                struct sn_err *err)
{
    char t[24], before[24], stale[24];
    PGresult *res = NULL;
    *notified = 0;
    if (!cq)
        return SN_OK;
    /* again every tick: a connection reset (bot/pg.h) forgets it; a no-op otherwise (with a
     * cluster its listener has the channel) */
    int rc = cq->publish ? SN_OK : bot_pg_script(cq->pg, "LISTEN " BOT_CQ_CHANNEL, err);
    const char *beat[] = {cq->node, bot_pg_fmt_ll(t, now)};
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg,
                         "INSERT INTO sanad_cluster_queue.queue_nodes(node, seen) VALUES($1, $2)"
                         " ON CONFLICT (node) DO UPDATE SET seen = EXCLUDED.seen",
                         2, beat, NULL, err);
    /* one survivor wins each dead node: the DELETE that returns its row */
    const char *gone[] = {cq->node, bot_pg_fmt_ll(before, now - lease_ms)};
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg,
                         "DELETE FROM sanad_cluster_queue.queue_nodes WHERE node <> $1 AND seen < "
                         "$2 RETURNING node",
                         2, gone, &res, err);
    if (rc == SN_OK)
        cq->wrote = 1;
    for (int i = 0; rc == SN_OK && i < PQntuples(res); i++) {
        char node[BOT_CQ_NODE_MAX];
        snprintf(node, sizeof node, "%s", bot_pg_str(res, i, 0));
        sn_log(SN_LOG_NOTICE, "cluster", "event=node_dead node=%s by=%s", node, cq->node);
        rc = bot_cq_take_node(cq, node, err);
        if (rc == SN_OK && dead)
            dead(ctx, node);
    }
    PQclear(res);
    const char *cl[] = {bot_pg_fmt_ll(stale, now - CLAIM_STALE_MS)};
    if (rc == SN_OK)
        rc = bot_pg_exec(
            cq->pg,
            "UPDATE sanad_store.conversations SET agent_id = 0 WHERE state = 'queued'"
            " AND COALESCE(agent_id, 0) <> 0 AND updated < $1"
            " AND agent_id NOT IN (SELECT user_id FROM sanad_cluster_queue.agents_live)",
            1, cl, NULL, err);
    if (rc == SN_OK)
        rc = load_others(cq, err);
    if (rc == SN_OK)
        rc = load_visitors(cq, now, lease_ms, err);
    *notified = bot_cq_poll(cq);
    return rc;
}

int bot_cq_orphans(struct bot_cq *cq, long long **users, int *n, struct sn_err *err)
{
    PGresult *res = NULL;
    *users = NULL;
    *n = 0;
    if (!cq)
        return SN_OK;
    int rc =
        bot_pg_exec(cq->pg,
                    "SELECT DISTINCT agent_id FROM sanad_store.conversations"
                    " WHERE state = 'agent' AND COALESCE(agent_id, 0) <> 0"
                    " AND agent_id NOT IN (SELECT user_id FROM sanad_cluster_queue.agents_live)",
                    0, NULL, &res, err);
    if (rc)
        return rc;
    int rows = PQntuples(res);
    *users = rows ? sn_xcalloc((size_t)rows, sizeof **users) : NULL;
    for (int i = 0; i < rows; i++)
        (*users)[(*n)++] = bot_pg_ll(res, i, 0);
    PQclear(res);
    return SN_OK;
}

void bot_cq_publish(struct bot_cq *cq)
{
    struct sn_err e = {0};
    if (!cq)
        return;
    if (cq->publish) {
        cq->publish(cq->publish_ctx, cq->node);
        return;
    }
    const char *v[] = {cq->node};
    if (bot_pg_exec(cq->pg, "SELECT pg_notify('" BOT_CQ_CHANNEL "', $1)", 1, v, NULL, &e))
        sn_log(SN_LOG_ERR, "cluster", "event=notify_failed err=\"%s\"", e.msg);
}

int bot_cq_poll(struct bot_cq *cq)
{
    int other = 0;
    PGnotify *nf;
    if (!cq || cq->publish)
        return 0;
    PGconn *c = bot_pg_conn(cq->pg);
    PQconsumeInput(c);
    while ((nf = PQnotifies(c))) {
        /* our own notifications come back too: only another node's change needs a reload */
        other |= !strcmp(nf->relname, BOT_CQ_CHANNEL) && strcmp(nf->extra, cq->node);
        PQfreemem(nf);
    }
    return other;
}
