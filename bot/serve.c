/* `sanad serve`: config, the store, the knowledge base and brain, the lws context on libev,
 * signals and the shutdown (stop accepting, close sockets with 1001, close the store). */
#include "bot/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "bot/api.h"
#include "bot/apiworker.h"
#include "bot/attach.h"
#include "bot/attach_pg.h"
#include "bot/auth.h"
#include "bot/batch.h"
#include "bot/casemail.h"
#include "bot/casereply.h"
#include "bot/cluster.h"
#include "bot/config.h"
#include "bot/convs.h"
#include "bot/dialogue.h"
#include "bot/front.h"
#include "bot/guard.h"
#include "bot/hasher.h"
#include "bot/help.h"
#include "bot/httphead.h"
#include "bot/kbsync.h"
#include "bot/lock.h"
#include "bot/outbox.h"
#include "bot/privacy.h"
#include "bot/queue.h"
#include "bot/ratelimit.h"
#include "bot/refit.h"
#include "bot/server.h"
#include "bot/session.h"
#include "bot/store.h"
#include "bot/store_open.h"
#include "bot/texts.h"
#include "bot/visitor.h"
#include "bot/ws.h"
#include "bot/ws_visitor.h"
#include "intents/intent.h"
#include "kb/kb.h"

#define DRAIN_TIMEOUT_S 3.0
/* An API edit refits the confidence model this long after the last one (bot/refit.h): a
 * burst of saves costs one fit. */
#define BOT_REFIT_DEBOUNCE_MS 2000

/* The loop is ours: libev's default loop, handed to lws (its libev plugin) as a foreign loop,
 * so that SIGTERM/SIGINT are ev_signal watchers and the shutdown ends the loop with ev_break.
 * lws 4.1.6's internal libev loop offers neither: it is not the default loop, and libev
 * delivers signals only to the default loop (its SIGINT watcher never fires); and
 * lws_context_destroy from inside that loop left ev_run waiting when a peer did not answer
 * the close. */
static struct bot_server *g_srv;
static struct ev_loop *g_loop;
static ev_timer drain_timer;
static ev_timer tick_timer; /* routing's clock: bot_queue_tick once a second */
/* What a SIGHUP reloads from: the arguments serve was started with, into the config the
 * server reads (srv->cfg points at it). */
static int g_argc;
static char **g_argv;
static struct bot_config *g_cfg;

static ev_prepare flush_watcher; /* group commit: before the loop waits (bot/batch.h) */

/* Runs after every callback of this turn of the loop, before it waits again: the turn's
 * writes are committed and the frames that waited for them go. */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    bot_batch_flush(g_srv);
}

/* The knowledge base's versions in PostgreSQL (bot/kbsync.h): woken by its NOTIFY through
 * kbsync_io, polled by the tick as well; every KBSYNC_GAPS_TICKS ticks this node's gaps are
 * copied out (GET /api/gaps copies them first as well). */
#define KBSYNC_GAPS_TICKS 5
static ev_io kbsync_io;
static int kbsync_io_fd = -1;

static void kbsync_run(struct bot_server *srv, int gaps)
{
    struct sn_err e = {0};
    bot_batch_flush(srv); /* the base's group commit ends before the sync writes to it */
    int n = bot_kbsync_poll(srv->kbsync, &e);
    if (n > 0) /* the base changed: the model is refitted, the connection sees the rest */
        bot_refit_poke(srv->refit);
    else if (n < 0)
        sn_log(SN_LOG_WARN, "kbsync", "event=poll_failed err=\"%s\"", e.msg);
    if (gaps && bot_kbsync_gaps_push(srv->kbsync, &e))
        sn_log(SN_LOG_WARN, "kbsync", "event=gaps_push_failed err=\"%s\"", e.msg);
}

/* A notification read by libpq while the sync ran a statement waits in libpq's queue, its
 * socket drained: look again after each run (a few times; the tick catches the rest). */
static void kbsync_drain(struct bot_server *srv)
{
    for (int i = 0; i < 3 && bot_kbsync_notified(srv->kbsync); i++)
        kbsync_run(srv, 0);
}

static void on_kbsync_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    kbsync_drain(g_srv);
}

/* (Re)starts the watcher on the sync's socket, which a reset connection changes. */
static void kbsync_watch(struct ev_loop *loop)
{
    int fd = bot_kbsync_fd(g_srv->kbsync);
    if (fd == kbsync_io_fd)
        return;
    if (kbsync_io_fd >= 0)
        ev_io_stop(loop, &kbsync_io);
    kbsync_io_fd = fd;
    if (fd >= 0) {
        ev_io_init(&kbsync_io, on_kbsync_io, fd, EV_READ);
        ev_io_start(loop, &kbsync_io);
    }
}

/* Attachments across nodes (bot/attach_pg.h): every ATTACH_SWEEP_TICKS ticks the files of
 * purged hashes go and missing blobs are sent, those younger than ATTACH_SWEEP_AGE_S left (an
 * upload writes its file before its row). */
#define ATTACH_SWEEP_TICKS 600
#define ATTACH_SWEEP_AGE_S 600

static void attach_sweep(struct bot_server *srv, long long min_age_s)
{
    struct sn_err e = {0};
    struct bot_attach_pg_swept n;
    if (bot_attach_pg_sweep(srv->attach_pg, srv->cfg->attachments_dir,
                            (size_t)srv->cfg->attachment_max_bytes, min_age_s, &n, &e))
        sn_log(SN_LOG_WARN, "attach", "event=sweep_failed err=\"%s\"", e.msg);
    else if (n.removed || n.backfilled)
        sn_log(SN_LOG_NOTICE, "attach", "event=swept files=%d blobs_sent=%d", n.removed,
               n.backfilled);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    static unsigned attach_ticks;
    static unsigned ticks;
    (void)loop;
    (void)w;
    (void)revents;
    bot_queue_tick(g_srv->queue, bot_server_now_ms());
    bot_casereply_tick(g_srv); /* the outbox's delivery states, onto the cases */
    if (g_srv->kbsync) {
        kbsync_run(g_srv, ++ticks % KBSYNC_GAPS_TICKS == 0);
        kbsync_drain(g_srv);
        kbsync_watch(loop);
    }
    bot_cluster_tick(g_srv->cluster, bot_server_now_ms()); /* NULL: a single node */
    if (g_srv->attach_pg && ++attach_ticks % ATTACH_SWEEP_TICKS == 0)
        attach_sweep(g_srv, ATTACH_SWEEP_AGE_S);
}

/* 1 with `store postgres`: the node is one of a cluster (bot/cluster.h). */
static int clustered(const struct bot_config *cfg)
{
    return store_is_pg(cfg);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    sn_log(SN_LOG_NOTICE, "serve", "event=signal signal=%d", w->signum);
    g_srv->stop = 1;
    bot_serve_wake(g_srv);
}

static void brain_config(struct bot_brain_config *bc, const struct bot_config *cfg)
{
    bot_brain_config_init(bc);
    bc->high = cfg->high;
    bc->medium = cfg->medium;
    bc->answer_precision = cfg->answer_precision;
    bc->suggest_precision = cfg->suggest_precision;
    bc->bot_name = cfg->bot_name;
    bc->bot_name_ar = cfg->bot_name_ar;
    bc->bot_name_en = cfg->bot_name_en;
    bc->intents = cfg->intents_dir;
    bc->texts = cfg->texts_dir;
}

static void guard_config(struct bot_guard_config *gc, const struct bot_config *cfg)
{
    *gc = (struct bot_guard_config){.pair_free = cfg->login_max_failures,
                                    .account_limit = cfg->login_max_failures_account,
                                    .address_limit = cfg->login_max_failures_ip,
                                    .window = cfg->login_window};
}

static void log_change(void *ctx, const char *key, const char *was, const char *now, int applied)
{
    int *restart = ctx;
    if (applied) {
        sn_log(SN_LOG_NOTICE, "serve", "event=reload key=%s was=\"%s\" now=\"%s\"", key, was, now);
    } else {
        sn_log(SN_LOG_WARN, "serve",
               "event=reload_needs_restart key=%s running=\"%s\" configured=\"%s\"", key, was, now);
        (*restart)++;
    }
}

/* SIGHUP: the configuration is read again as at startup (file and flags). When it reads
 * well, and the intents and texts it names load, the keys that can change live take their
 * new values and the rest are named as waiting for a restart; when anything fails, the
 * failure is logged and nothing changes. The knowledge base needs no reload: every search
 * sees the file as it is (kb/kb.h). */
static void reload(struct bot_server *srv)
{
    struct bot_config next;
    struct bot_brain_config bc;
    struct bot_guard_config gc;
    struct sn_err e = {0};
    int restart = 0;
    bot_config_init(&next);
    if (bot_config_args(&next, g_argc, g_argv, &e)) {
        sn_log(SN_LOG_ERR, "serve", "event=reload_failed reason=\"%s\" changed=none", e.msg);
        goto out;
    }
    brain_config(&bc, &next);
    if (bot_brain_reconfigure(srv->brain, &bc, &e)) {
        sn_log(SN_LOG_ERR, "serve", "event=reload_failed reason=\"%s\" changed=none", e.msg);
        goto out;
    }
    int applied = bot_config_reload(g_cfg, &next, log_change, &restart);
    sn_log_level = g_cfg->log_level;
    bot_iplimit_set_max(srv->iplimit, g_cfg->max_conns_per_ip);
    guard_config(&gc, g_cfg);
    bot_guard_configure(srv->guard, &gc);
    sn_log(SN_LOG_NOTICE, "serve",
           "event=reloaded applied=%d needs_restart=%d texts=reloaded "
           "intents=reloaded",
           applied, restart);
out:
    bot_config_fini(&next);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    sn_log(SN_LOG_NOTICE, "serve", "event=signal signal=%d reload=yes", w->signum);
    if (!g_srv->stop)
        reload(g_srv);
}

/* lws log lines into our sink, one line each, without lws's own timestamp. */
static void lws_emit(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        n--;
    sn_log(level == LLL_ERR ? SN_LOG_ERR : SN_LOG_WARN, "lws", "%.*s", (int)n, line);
}

/* Drained: end the loop (after the current iteration); main destroys the context outside. */
static void finish(void)
{
    g_srv->drained = 1;
    ev_timer_stop(g_loop, &drain_timer);
    ev_break(g_loop, EVBREAK_ALL);
}

static void drain_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    sn_log(SN_LOG_WARN, "serve", "event=drain_timeout open=%d", g_srv->nsessions);
    finish();
}

void bot_serve_wake(struct bot_server *srv)
{
    if (srv->stop && !srv->draining) {
        sn_log(SN_LOG_NOTICE, "serve", "event=stopping open=%d", srv->nsessions);
        bot_ws_visitor_drain(srv);
        ev_timer_init(&drain_timer, drain_timeout, DRAIN_TIMEOUT_S, 0);
        ev_timer_start(g_loop, &drain_timer);
    }
    if (srv->draining && srv->nsessions == 0 && !srv->drained)
        finish();
}

/* The login worker's wake-up (its thread): the loop then answers (bot/http_api.h). */
static void wake_loop(void *ctx)
{
    struct bot_server *srv = ctx;
    if (srv->lws)
        lws_cancel_service(srv->lws);
}

/* The first line of path (the SMTP password) into buf; SN_OK or SN_EIO. */
static int read_secret(const char *path, char *buf, size_t cap, struct sn_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sn_err_set(e, SN_EIO, "smtp_password_file %s: %s", path, strerror(errno));
    int ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    if (!ok)
        return sn_err_set(e, SN_EIO, "smtp_password_file %s: empty", path);
    buf[strcspn(buf, "\r\n")] = 0;
    return SN_OK;
}

/* Outgoing email, when smtp_url is set: the queue (outbox_db) and its worker. */
static int start_outbox(struct bot_server *srv, const struct bot_config *cfg, struct sn_err *e)
{
    char pw[1024] = "";
    if (!cfg->smtp_url)
        return SN_OK;
    if (cfg->smtp_password_file && read_secret(cfg->smtp_password_file, pw, sizeof pw, e))
        return e->code;
    struct bot_smtp smtp = {.url = cfg->smtp_url,
                            .user = cfg->smtp_user,
                            .password = cfg->smtp_password_file ? pw : NULL,
                            .from = cfg->smtp_from,
                            .from_name = cfg->smtp_from_name,
                            .tls = (enum bot_smtp_tls)cfg->smtp_tls,
                            .timeout_s = cfg->smtp_timeout};
    struct bot_outbox_policy policy = {cfg->smtp_max_attempts, cfg->smtp_retry_base,
                                       cfg->smtp_retry_cap};
    int rc = SN_OK;
    srv->outbox = bot_outbox_open(cfg->outbox_db, e);
    if (!srv->outbox)
        rc = e->code;
    else
        rc = bot_outbox_start(srv->outbox, &smtp, &policy, cfg->outbox_poll, e);
    sodium_memzero(pw, sizeof pw);
    return rc;
}

static int open_backends(struct bot_server *srv, const struct bot_config *cfg, struct sn_err *e)
{
    struct bot_brain_config bc;
    int rc = SN_OK;
    /* before the files are opened; one PostgreSQL store has many nodes: no lock */
    if (!store_is_pg(cfg) && (rc = bot_lock_take(cfg->store_db, &srv->lock_fd, e)))
        return rc;
    srv->store = store_open(cfg, bot_dialogue_upgrade, e);
    if (!srv->store)
        return e->code;
    if ((rc = bot_attach_dir_make(cfg->attachments_dir, e))) /* a config error, said at start */
        return rc;
    /* with PostgreSQL the bytes are every node's; before serving, no upload is in flight here:
     * every copy of a purged hash can go */
    if (store_is_pg(cfg)) {
        if (!(srv->attach_pg = bot_attach_pg_open(cfg, e)))
            return e->code;
        attach_sweep(srv, 0);
    }
    srv->kb = kb_open(cfg->kb_db, 0, e);
    if (!srv->kb)
        return e->code;
    brain_config(&bc, cfg);
    srv->brain = bot_brain_new(srv->kb, &bc, e);
    if (!srv->brain)
        return e->code;
    if (!(srv->help = bot_help_new(cfg->texts_dir, e)))
        return e->code;
    if (!(srv->mail_texts = bot_casemail_texts_load(cfg->texts_dir, e)))
        return e->code;
    srv->iplimit = bot_iplimit_new(cfg->max_conns_per_ip);
    srv->auth = bot_auth_open_cfg(cfg, e);
    if (!srv->auth)
        return e->code;
    /* a cluster node tells the others of every move (bot/cluster.h) */
    srv->convs =
        bot_convs_new(srv->store, clustered(cfg) ? bot_cluster_moved : bot_queue_moved, srv);
    srv->queue = bot_queue_new(srv, e);
    if (!srv->queue)
        return e->code;
    struct bot_guard_config gc;
    guard_config(&gc, cfg);
    srv->guard = bot_guard_new(&gc);
    srv->hasher = bot_hasher_new(cfg, wake_loop, srv, e);
    if (!srv->hasher)
        return e->code;
    /* after the store's migration: the worker's connection is read-only at its version */
    struct bot_api_env *env = bot_api_env_open(cfg, e);
    if (!env)
        return e->code;
    srv->apiworker =
        bot_apiworker_new(env, bot_api_env_free, BOT_API_WAITING_MAX, wake_loop, srv, e);
    if (!srv->apiworker)
        return e->code;
    srv->refit = bot_refit_new(cfg->kb_db, BOT_REFIT_DEBOUNCE_MS, e);
    if (!srv->refit)
        return e->code;
    /* with PostgreSQL the base is every node's: brought up to date before serving */
    if (!strcmp(cfg->store, "postgres") && !(srv->kbsync = bot_kbsync_open(cfg, srv->kb, e)))
        return e->code;
    return start_outbox(srv, cfg, e);
}

static int exit_code(int sn_code)
{
    return sn_code == SN_EINVAL ? 2 : 3;
}

/* 1 when path exists as a readable file (directories and other kinds are refused). */
static int readable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* `sanad serve --check-config`: everything the start would read, read without serving and
 * without writing (the store is not opened: opening it migrates it). 0 when it would start;
 * 2 for a bad setting or a bad texts or intents file; 3 for a file it cannot read. */
static int check_config(const struct bot_config *cfg)
{
    struct sn_err e = {0};
    char dir[PATH_MAX];
    int rc = 0;
    struct bot_texts *tx = bot_texts_load(cfg->texts_dir, &e);
    if (!tx) {
        fprintf(stderr, "sanad serve: texts: %s\n", e.msg);
        rc = exit_code(e.code);
    }
    bot_texts_free(tx);
    struct bot_help *help = bot_help_new(cfg->texts_dir, &e); /* the help center's texts */
    if (!help) {
        fprintf(stderr, "sanad serve: help texts: %s\n", e.msg);
        rc = rc ? rc : exit_code(e.code);
    }
    bot_help_free(help);
    struct bot_textset *mail = bot_casemail_texts_load(cfg->texts_dir, &e); /* reply emails */
    if (!mail) {
        fprintf(stderr, "sanad serve: mail texts: %s\n", e.msg);
        rc = rc ? rc : exit_code(e.code);
    }
    bot_textset_free(mail);
    struct intent_set *is = intent_set_load(cfg->intents_dir ? cfg->intents_dir : "intents", &e);
    if (!is) {
        fprintf(stderr, "sanad serve: intents: %s\n", e.msg);
        rc = rc ? rc : exit_code(e.code);
    }
    intent_set_free(is);
    struct kb *kb = kb_open(cfg->kb_db, 0, &e);
    if (!kb) {
        fprintf(stderr, "sanad serve: kb_db %s: %s\n", cfg->kb_db, e.msg);
        rc = rc ? rc : 3;
    }
    kb_close(kb);
    for (const char *const *f = (const char *const[]){cfg->tls_cert, cfg->tls_key, NULL}; *f; f++)
        if (!readable_file(*f)) {
            fprintf(stderr, "sanad serve: %s: cannot read it\n", *f);
            rc = rc ? rc : 3;
        }
    snprintf(dir, sizeof dir, "%s", cfg->store_db);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    if (!store_is_pg(cfg) && !readable_file(cfg->store_db) &&
        access(slash ? dir : ".", W_OK) != 0) {
        fprintf(stderr, "sanad serve: store_db %s: missing, and its directory is not writable\n",
                cfg->store_db);
        rc = rc ? rc : 3;
    }
    if (!rc) {
        printf("sanad serve: configuration ok (listen %s:%d, kb %s, store %s)\n", cfg->bind,
               cfg->port, cfg->kb_db, store_is_pg(cfg) ? "postgres" : cfg->store_db);
        bot_config_print_visitor(cfg, stdout); /* the bot's names, the pre-chat form */
    }
    return rc;
}

int bot_serve_main(int argc, char **argv)
{
    struct bot_config cfg;
    struct bot_server srv;
    struct lws_context_creation_info info;
    struct lws_protocols protocols[BOT_WS_NPROTOCOLS]; /* the context's, until it is destroyed */
    struct lws_http_mount mounts[BOT_WS_NMOUNTS];
    struct sn_err e = {0};
    ev_signal sigterm, sigint, sighup;
    void *foreign[1];
    struct bot_front *front = NULL; /* plaintext: the listener (bot/front.h) */
    int rc = 0;

    memset(&srv, 0, sizeof srv);
    srv.lock_fd = -1;
    bot_config_init(&cfg);
    int checking = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            bot_config_usage(stdout);
            goto out;
        } else if (!strcmp(argv[i], "--check-config")) { /* ours, not a config key */
            checking = 1;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof *argv);
            argc--;
            i--;
        }
    if (bot_config_args(&cfg, argc, argv, &e)) {
        fprintf(stderr, "sanad serve: %s\n", e.msg);
        rc = 2;
        goto out;
    }
    sn_log_level = cfg.log_level;
    if (checking) {
        rc = check_config(&cfg);
        goto out;
    }
    if (cfg.timezone) { /* business_hours are local to it; once, before any thread starts */
        setenv("TZ", cfg.timezone, 1);
        tzset();
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "sanad serve: libsodium failed to initialize\n");
        rc = 3;
        goto out;
    }
    srv.cfg = &cfg;
    srv.tls = cfg.tls_cert != NULL;
    srv.headroom = LWS_PRE;
    if ((rc = open_backends(&srv, &cfg, &e))) {
        fprintf(stderr, "sanad serve: %s\n", e.msg);
        rc = exit_code(rc);
        goto out;
    }
    /* after the outbox, whose mails it purges too (docs/privacy.md) */
    srv.retention = bot_privacy_retention_new(&cfg, cfg.attachments_dir, srv.outbox,
                                              cfg.retention_days, cfg.retention_interval, &e);
    if (cfg.retention_days && !srv.retention) {
        fprintf(stderr, "sanad serve: %s\n", e.msg);
        rc = exit_code(e.code);
        goto out;
    }

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_emit);
    memset(&info, 0, sizeof info);
    info.port = cfg.port;
    info.iface = cfg.bind;
    /* Plaintext on an IPv4 address: the front listens and checks each first request head
     * (bot/front.h), lws serves what it hands over. With TLS the bytes are ciphertext until
     * lws has done the handshake, so lws listens itself and its own edges apply. */
    struct in_addr v4;
    if (!srv.tls && inet_pton(AF_INET, cfg.bind, &v4) == 1) {
        g_loop = ev_default_loop(EVFLAG_AUTO);
        if (g_loop && bot_front_open(&front, g_loop, cfg.bind, cfg.port, &e)) {
            fprintf(stderr, "sanad serve: %s\n", e.msg);
            rc = 3;
            goto out;
        }
        info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
        info.iface = NULL;
        info.max_http_header_data = BOT_HTTPHEAD_LWS_DATA; /* every head the front passes */
    }
    bot_ws_protocols(protocols, cfg.rx_buffer);
    info.protocols = protocols;
    info.mounts = bot_http_mounts(mounts, cfg.widget_dir);
    info.user = &srv;
    info.options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (srv.tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg.tls_cert;
        info.ssl_private_key_filepath = cfg.tls_key;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!g_loop)
        g_loop = ev_default_loop(EVFLAG_AUTO); /* signals are delivered to the default loop */
    if (!g_loop) {
        fprintf(stderr, "sanad serve: cannot create the libev loop\n");
        rc = 3;
        goto out;
    }
    foreign[0] = g_loop;
    info.foreign_loops = foreign;
    srv.lws = lws_create_context(&info);
    if (!srv.lws) {
        fprintf(stderr,
                "sanad serve: cannot listen on %s:%d (or the libev plugin "
                "libwebsockets-evlib-ev is missing)\n",
                cfg.bind, cfg.port);
        rc = 3;
        goto out;
    }
    g_srv = &srv;
    ev_signal_init(&sigterm, on_signal, SIGTERM);
    ev_signal_init(&sigint, on_signal, SIGINT);
    ev_signal_start(g_loop, &sigterm);
    ev_signal_start(g_loop, &sigint);
    g_argc = argc;
    g_argv = argv;
    g_cfg = &cfg;
    if (srv.kbsync) /* woken from the start: a version may come before the first tick */
        kbsync_watch(g_loop);
    ev_signal_init(&sighup, on_hup, SIGHUP);
    ev_signal_start(g_loop, &sighup);
    ev_timer_init(&tick_timer, on_tick, 1.0, 1.0);
    ev_timer_start(g_loop, &tick_timer);
    ev_prepare_init(&flush_watcher, on_prepare);
    ev_prepare_start(g_loop, &flush_watcher);
    bot_batch_start(&srv);

    if (front) {
        bot_front_start(front, lws_get_vhost_by_name(srv.lws, "default"));
        srv.port = bot_front_port(front);
    } else {
        srv.port = lws_get_vhost_listen_port(lws_get_vhost_by_name(srv.lws, "default"));
    }
    /* the cluster once the port is known (the default node id names it) */
    if (clustered(&cfg) && !(srv.cluster = bot_cluster_open(&srv, g_loop, &e))) {
        fprintf(stderr, "sanad serve: cluster: %s\n", e.msg);
        rc = exit_code(e.code);
    }
    bot_queue_cluster_attach(srv.queue, srv.cluster); /* the queue across nodes hears it */
    if (!rc) {
        sn_log(SN_LOG_NOTICE, "serve", "event=listening addr=%s port=%d kb=%s store=%s widget=%s",
               cfg.bind, srv.port, cfg.kb_db, store_is_pg(&cfg) ? "postgres" : cfg.store_db,
               cfg.widget_dir);
        printf("listening %s://%s:%d/\n", srv.tls ? "https" : "http", cfg.bind, srv.port);
        fflush(stdout);
        ev_run(g_loop, 0); /* until the shutdown has drained every socket */
    }
    bot_batch_stop(&srv); /* what the last turn wrote; the closes after it commit at once */
    ev_prepare_stop(g_loop, &flush_watcher);
    ev_timer_stop(g_loop, &tick_timer);
    if (kbsync_io_fd >= 0)
        ev_io_stop(g_loop, &kbsync_io);
    ev_signal_stop(g_loop, &sigterm);
    ev_signal_stop(g_loop, &sigint);
    ev_signal_stop(g_loop, &sighup);
    bot_hasher_stop(srv.hasher);       /* it wakes the context: not once it is gone */
    bot_apiworker_stop(srv.apiworker); /* likewise */
    bot_front_close(front);            /* its watchers are on the loop lws is leaving */
    front = NULL;
    lws_context_destroy(srv.lws);
    srv.lws = NULL;
    g_srv = NULL;
    sn_log(SN_LOG_NOTICE, "serve", "event=stopped");
out:
    bot_queue_cluster_attach(srv.queue, NULL); /* the queue lets go of the cluster first */
    bot_cluster_close(srv.cluster); /* after the sockets, before the loop and the store */
    srv.cluster = NULL;
    bot_front_close(front);
    if (g_loop)
        ev_loop_destroy(g_loop);
    g_loop = NULL;
    bot_queue_free(srv.queue);
    bot_convs_free(srv.convs); /* after the sockets: their sessions detach on close */
    bot_iplimit_free(srv.iplimit);
    bot_hasher_free(srv.hasher);       /* before the accounts and the store it works on */
    bot_apiworker_free(srv.apiworker); /* its own connections with it */
    bot_refit_free(srv.refit);         /* before the base it fits */
    bot_kbsync_close(srv.kbsync);      /* before the base it writes to */
    bot_attach_pg_close(srv.attach_pg);
    bot_privacy_retention_free(srv.retention); /* before the outbox it purges */
    bot_outbox_free(srv.outbox); /* after the attempt it makes: a cut one is made next start */
    bot_guard_free(srv.guard);
    bot_auth_close(srv.auth);
    bot_help_free(srv.help);
    bot_textset_free(srv.mail_texts);
    bot_brain_free(srv.brain);
    kb_close(srv.kb);
    store_close(srv.store);        /* every message was committed when it was acked */
    bot_lock_release(srv.lock_fd); /* last: the files are closed */
    bot_config_fini(&cfg);
    return rc;
}
