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
};

struct bot_cq {
    struct bot_pg *pg;
    char node[BOT_CQ_NODE_MAX];
    struct bot_cq_agent *others; /* the other nodes' agents at the last tick */
    int nothers;
    char *last_put; /* what bot_cq_agents_put last wrote (owned), NULL before */
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
    const char *v[] = {cq->node};
    int rc = SN_OK;
    cq->pg = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err);
    if (!cq->pg)
        rc = err ? err->code : SN_EDB;
    if (rc == SN_OK)
        rc = bot_pg_migrate(cq->pg, "sanad_cluster_queue", schema, sizeof schema / sizeof *schema,
                            err);
    /* an earlier life of this node (a restart, kill -9) left rows: its agents reconnect */
    if (rc == SN_OK)
        rc = bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1,
                         v, NULL, err);
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
    bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.agents_live WHERE node = $1", 1, v, NULL,
                NULL);
    bot_pg_exec(cq->pg, "DELETE FROM sanad_cluster_queue.queue_nodes WHERE node = $1", 1, v, NULL,
                NULL);
    bot_cq_publish(cq);
    bot_pg_close(cq->pg);
    free(cq->others);
    free(cq->last_put);
    free(cq);
}

const char *bot_cq_node(const struct bot_cq *cq)
{
    return cq ? cq->node : "";
}

/* --- the claim ---------------------------------------------------------------------------- */

/* The claim sets agent_id only: the conversation stays "queued" so that the move which
 * follows (bot_convs_move, reading the state from the store when its visitor is on another
 * node) finds the state its table expects, and writes state, agent_id and the rest. A claim
 * whose move never came (a node killed in between) is given back by bot_cq_tick. */
int bot_cq_claim(
    struct bot_cq *cq, const char *conv, long long agent_id, long long now, struct sn_err *err)
{
    char a[24], t[24];
    PGresult *res = NULL;
    if (!cq)
        return SN_OK;
    const char *v[] = {conv, bot_pg_fmt_ll(a, agent_id), bot_pg_fmt_ll(t, now)};
    int rc = bot_pg_exec(cq->pg,
                         "UPDATE sanad_store.conversations SET agent_id = $2, updated = $3"
                         " WHERE id = $1 AND state = 'queued' AND COALESCE(agent_id, 0) = 0"
                         " RETURNING id",
                         3, v, &res, err);
    if (rc == SN_OK && PQntuples(res) != 1)
        rc = sn_err_set(err, SN_ECONFLICT, "conversation %s was taken on another node", conv);
    PQclear(res);
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
     * store_case_find(STORE_CASE_BY_CONV) does */
    int rc = bot_pg_exec(cq->pg,
                         "SELECT c.id, COALESCE(c.queued_at, 0), COALESCE(k.priority, 0),"
                         " COALESCE(k.department, '')"
                         " FROM sanad_store.conversations c LEFT JOIN LATERAL"
                         " (SELECT priority, department FROM sanad_store.cases WHERE conv_id = c.id"
                         "  ORDER BY id DESC LIMIT 1) k ON true"
                         " WHERE c.state = 'queued' AND COALESCE(c.agent_id, 0) = 0"
                         " ORDER BY 3 DESC, 2, 1",
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
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].id, id))
            return 1;
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

int bot_cq_agents_put(
    struct bot_cq *cq, const struct bot_cq_agent *v, int n, long long now, struct sn_err *err)
{
    if (!cq)
        return SN_OK;
    char *key = agents_key(v, n);
    if (cq->last_put && !strcmp(cq->last_put, key)) {
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
    if (rc == SN_OK)
        rc = bot_pg_commit(cq->pg, err);
    else
        bot_pg_rollback(cq->pg);
    if (rc) {
        free(key);
        return rc;
    }
    free(cq->last_put);
    cq->last_put = key;
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

/* Takes node over: its agents' rows go (the survivor's grace begins for their chats). */
static int take_node(struct bot_cq *cq, const char *node, struct sn_err *err)
{
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
    /* again every tick: a connection reset (bot/pg.h) forgets it; a no-op otherwise */
    int rc = bot_pg_script(cq->pg, "LISTEN " BOT_CQ_CHANNEL, err);
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
    for (int i = 0; rc == SN_OK && i < PQntuples(res); i++) {
        char node[BOT_CQ_NODE_MAX];
        snprintf(node, sizeof node, "%s", bot_pg_str(res, i, 0));
        sn_log(SN_LOG_NOTICE, "cluster", "event=node_dead node=%s by=%s", node, cq->node);
        rc = take_node(cq, node, err);
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
    const char *v[] = {cq->node};
    if (bot_pg_exec(cq->pg, "SELECT pg_notify('" BOT_CQ_CHANNEL "', $1)", 1, v, NULL, &e))
        sn_log(SN_LOG_ERR, "cluster", "event=notify_failed err=\"%s\"", e.msg);
}

int bot_cq_fd(const struct bot_cq *cq)
{
    return cq ? PQsocket(bot_pg_conn(cq->pg)) : -1;
}

int bot_cq_poll(struct bot_cq *cq)
{
    int other = 0;
    PGnotify *nf;
    if (!cq)
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
