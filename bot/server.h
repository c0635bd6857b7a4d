/* What the pieces of `sanad serve` share: the server object (one per process), created in
 * serve.c and reached from lws callbacks through the context user pointer. Internal to bot/. */
#ifndef SANAD_BOT_SERVER_H
#define SANAD_BOT_SERVER_H

#include <stddef.h>

struct bot_config;
struct bot_brain;
struct bot_help;
struct bot_textset;
struct bot_convs;
struct bot_cluster;
struct bot_iplimit;
struct bot_auth;
struct bot_guard;
struct bot_hasher;
struct bot_apiworker;
struct bot_refit;
struct bot_kbsync;
struct bot_retention;
struct bot_session;
struct bot_queue;
struct kb;
struct store;
struct lws_context;

struct bot_server {
    const struct bot_config *cfg; /* borrowed, outlives the server */
    struct store *store;          /* owned: closed last */
    struct kb *kb;                /* owned */
    struct bot_brain *brain;      /* owned */
    struct bot_help *help;        /* owned: the help center (bot/help.h) */
    struct bot_iplimit *iplimit;  /* owned */
    struct bot_auth *auth;        /* owned: accounts and agent sessions (store_db) */
    struct bot_guard *guard;      /* owned: failed logins (bot/guard.h) */
    struct bot_hasher *hasher;    /* owned: the login worker thread (bot/hasher.h) */
    /* owned: the API worker thread (bot/apiworker.h: GET /api/stats), its env a bot_api_env */
    struct bot_apiworker *apiworker;
    struct bot_refit *refit;   /* owned: refits the model after API edits (bot/refit.h) */
    struct bot_kbsync *kbsync; /* owned: the base's versions in PostgreSQL; NULL: sqlite */
    struct bot_outbox *outbox; /* owned: outgoing email (bot/outbox.h); NULL: no smtp_url */
    /* owned: the retention thread (bot/privacy.h); NULL: retention_days 0 */
    struct bot_retention *retention;
    /* owned: the templates of the case reply emails (bot/casemail.h) */
    struct bot_textset *mail_texts;
    int lock_fd;                  /* the running server's lock on store_db (bot/lock.h) */
    struct bot_queue *queue;      /* owned: the agent queue and routing */
    struct bot_session *sessions; /* open sockets, visitors and agents (session->next) */
    struct bot_convs *convs;      /* owned: the conversations with a visitor connected */
    /* owned: the cluster (bot/cluster.h); NULL but with store postgres */
    struct bot_cluster *cluster;
    int nsessions;
    unsigned long long next_session_id;
    size_t headroom;         /* LWS_PRE: bytes reserved before every outgoing frame */
    int tls;                 /* 1 when serving https/wss */
    int port;                /* the port actually listened on */
    struct lws_context *lws; /* the lws context (serve.c) */
    int stop;                /* a signal asked for the shutdown */
    int draining;            /* shutdown started: refuse new sockets, close open ones with 1001 */
    int drained;             /* every socket closed (or the drain timed out): the loop may end */
    /* Group commit (bot/batch.h): the frames queued while batch batch_gen is open wait until
     * it is committed (batch_done reaches it); held lists the sessions they wait in. */
    unsigned long long batch_gen, batch_done;
    struct bot_session *held; /* linked by session->held_next */
};

/* Called in the event loop on SIGTERM/SIGINT and when the last socket closes during
 * a shutdown: starts draining on stop, ends the loop when drained (serve.c). */
void bot_serve_wake(struct bot_server *srv);

/* Microseconds of CLOCK_MONOTONIC, and milliseconds since the epoch. */
long long bot_server_now_us(void);
long long bot_server_now_ms(void);

#endif
