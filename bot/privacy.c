/* Privacy: the one purge path, export, deletion with its audit, and the retention thread
 * (bot/privacy.h, docs/privacy.md). */
#include "bot/privacy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "bot/attach.h"
#include "bot/attach_pg.h"
#include "bot/dialogue.h"
#include "bot/email.h"
#include "bot/outbox.h"
#include "bot/server.h"
#include "bot/store_open.h"

static const char *const kind_names[] = {
    [STORE_SUBJECT_TOKEN] = "token",
    [STORE_SUBJECT_VISITOR] = "visitor",
    [STORE_SUBJECT_EMAIL] = "email",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int bot_privacy_kind(const char *name, enum store_subject *out, struct sn_err *err)
{
    for (size_t i = 0; name && i < NKINDS; i++)
        if (!strcmp(name, kind_names[i])) {
            *out = (enum store_subject)i;
            return SN_OK;
        }
    return sn_err_set(err, SN_EINVAL, "the subject is a token, a visitor or an email");
}

const char *bot_privacy_kind_name(enum store_subject kind)
{
    return (unsigned)kind < NKINDS ? kind_names[kind] : "?";
}

/* 1 when s is min..max characters of [A-Za-z0-9_-]: what tokens and visitor ids are made of. */
static int id_chars(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int bot_privacy_subject(
    enum store_subject kind, const char *value, char *out, size_t size, struct sn_err *err)
{
    unsigned char h[32];
    char email[BOT_EMAIL_MAX + 1];
    out[0] = '\0';
    if (!value || !value[0])
        return sn_err_set(err, SN_EINVAL, "the subject's value is empty");
    if (strlen(value) > BOT_PRIVACY_VALUE_MAX)
        return sn_err_set(err, SN_EINVAL, "the subject's value is too long");
    switch (kind) {
    case STORE_SUBJECT_TOKEN:
        if (!id_chars(value, 1, 128))
            return sn_err_set(err, SN_EINVAL, "a token is 1..128 of [A-Za-z0-9_-]");
        /* the store keeps the token's hash only, made as visitor.c makes it at hello */
        crypto_generichash(h, sizeof h, (const unsigned char *)value, strlen(value), NULL, 0);
        sodium_bin2hex(out, size, h, sizeof h);
        return SN_OK;
    case STORE_SUBJECT_VISITOR:
        if (!id_chars(value, 16, 64))
            return sn_err_set(err, SN_EINVAL, "a visitor id is 16..64 of [A-Za-z0-9_-]");
        snprintf(out, size, "%s", value);
        return SN_OK;
    case STORE_SUBJECT_EMAIL:
        if (bot_email_normalize(value, email, err))
            return SN_EINVAL;
        snprintf(out, size, "%s", email);
        return SN_OK;
    }
    return sn_err_set(err, SN_EINVAL, "no such subject kind");
}

void bot_privacy_hash(enum store_subject kind, const char *lookup, char out[BOT_PRIVACY_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash_state st;
    const char *name = bot_privacy_kind_name(kind);
    char low[BOT_PRIVACY_VALUE_MAX + 1];
    size_t n = 0;
    /* an email's local part may differ in case between two requests for the same person */
    for (; lookup[n] && n < BOT_PRIVACY_VALUE_MAX; n++)
        low[n] = kind == STORE_SUBJECT_EMAIL && lookup[n] >= 'A' && lookup[n] <= 'Z'
                     ? (char)(lookup[n] - 'A' + 'a')
                     : lookup[n];
    low[n] = '\0';
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)name, strlen(name));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, (const unsigned char *)low, n);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, BOT_PRIVACY_HASH_HEX, h, sizeof h);
}

/* What an address is made of, either side of its '@': ASCII letters, digits, . _ % + -, and
 * any byte of a multi-byte UTF-8 character (an Arabic address, EAI). */
static int local_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-' || (unsigned char)c >= 0x80;
}

void bot_privacy_redact(const char *in, char *out, size_t size)
{
    static const char mask[] = "<email>";
    size_t o = 0, n = strlen(in), i = 0;
    if (!size)
        return;
    while (i < n && o + 1 < size) {
        const char *at = strchr(in + i, '@');
        size_t a = at ? (size_t)(at - in) : n, l = a, r = a + 1;
        while (at && l > i && local_char(in[l - 1]))
            l--;
        while (at && r < n && local_char(in[r]) && in[r] != '%' && in[r] != '+')
            r++;
        int addr = at && l < a && r > a + 1;
        size_t upto = addr ? l : at ? a + 1 : n; /* copied as it is */
        for (; i < upto && o + 1 < size; i++)
            out[o++] = in[i];
        if (addr) {
            for (size_t k = 0; mask[k] && o + 1 < size; k++)
                out[o++] = mask[k];
            i = r;
        }
    }
    out[o] = '\0';
}

/* --- export ----------------------------------------------------------------------------- */

struct walk {
    const struct bot_privacy *p;
    json_t *list;                 /* export: the conversations */
    struct bot_privacy_counts *n; /* delete */
    struct sn_err *err;
    long long seen;
};

static int export_one(void *ctx, const char *conv_id)
{
    struct walk *w = ctx;
    char *text = NULL;
    if (++w->seen > BOT_PRIVACY_CONVS_MAX)
        return sn_err_set(w->err, SN_ETOOBIG, "more than %d conversations", BOT_PRIVACY_CONVS_MAX);
    int rc = store_conv_export(w->p->store, conv_id, &text, w->err);
    if (rc == SN_ENOTFOUND)
        return SN_OK; /* gone meanwhile */
    if (rc)
        return rc;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    if (!j)
        return sn_err_set(w->err, SN_EDB, "the store's export of %s is not JSON", conv_id);
    json_array_append_new(w->list, j);
    return SN_OK;
}

json_t *bot_privacy_export(const struct bot_privacy *p,
                           enum store_subject kind,
                           const char *lookup,
                           struct sn_err *err)
{
    struct walk w = {.p = p, .list = json_array(), .err = err};
    if (store_subject_convs(p->store, kind, lookup, export_one, &w, err)) {
        json_decref(w.list);
        return NULL;
    }
    return json_pack("{s:s, s:o}", "subject", bot_privacy_kind_name(kind), "conversations", w.list);
}

/* --- purge ------------------------------------------------------------------------------ */

/* The mails of one conversation: those of its transcript (ref: the conversation id) and of
 * its cases' replies (ref: the case's reference), and any to the addresses it gave. */
static int purge_mails(const struct bot_privacy *p,
                       const char *conv_id,
                       json_t *doc,
                       struct bot_privacy_counts *n,
                       struct sn_err *err)
{
    long k = 0;
    size_t i;
    json_t *v;
    int rc = SN_OK;
    if (!p->outbox)
        return SN_OK;
    rc = bot_outbox_purge(p->outbox, conv_id, NULL, &k, err);
    n->mails += k;
    json_array_foreach(json_object_get(doc, "cases"), i, v)
    {
        if (rc == SN_OK && json_is_string(json_object_get(v, "ref"))) {
            rc = bot_outbox_purge(p->outbox, json_string_value(json_object_get(v, "ref")), NULL, &k,
                                  err);
            n->mails += k;
        }
    }
    json_array_foreach(json_object_get(doc, "tickets"), i, v)
    {
        if (rc == SN_OK && json_is_string(json_object_get(v, "email"))) {
            rc = bot_outbox_purge(p->outbox, NULL, json_string_value(json_object_get(v, "email")),
                                  &k, err);
            n->mails += k;
        }
    }
    json_t *pe = json_object_get(json_object_get(doc, "profile"), "email");
    if (rc == SN_OK && json_is_string(pe)) {
        rc = bot_outbox_purge(p->outbox, NULL, json_string_value(pe), &k, err);
        n->mails += k;
    }
    return rc;
}

int bot_privacy_purge(const struct bot_privacy *p,
                      const char *conv_id,
                      struct bot_privacy_counts *n,
                      struct sn_err *err)
{
    struct store_route r;
    struct store_purge sp;
    char *text = NULL;
    json_t *doc = NULL;
    int removed = 0, rc;
    if ((rc = store_conv_get(p->store, conv_id, &r, err)))
        return rc;
    if (!strcmp(r.state, "queued") || !strcmp(r.state, "agent") ||
        (p->live && p->live(p->live_ctx, conv_id))) {
        n->skipped++;
        return SN_OK;
    }
    /* read first: which mails belong to it (its cases' references, its addresses) */
    if ((rc = store_conv_export(p->store, conv_id, &text, err)))
        goto out;
    doc = json_loads(text, 0, NULL);
    if ((rc = bot_attach_conv_remove_pg(p->store, p->attachments_dir, p->attach_pg, conv_id,
                                        &removed, err)))
        goto out;
    n->attachments += removed;
    if ((rc = store_conv_purge(p->store, conv_id, &sp, err)))
        goto out;
    n->conversations++;
    n->messages += sp.messages;
    n->tickets += sp.tickets;
    n->profiles += sp.profiles;
    n->cases += sp.cases;
    n->case_events += sp.case_events;
    rc = purge_mails(p, conv_id, doc, n, err);
out:
    json_decref(doc);
    free(text);
    return rc;
}

static int delete_one(void *ctx, const char *conv_id)
{
    struct walk *w = ctx;
    if (++w->seen > BOT_PRIVACY_CONVS_MAX)
        return sn_err_set(w->err, SN_ETOOBIG, "more than %d conversations", BOT_PRIVACY_CONVS_MAX);
    int rc = bot_privacy_purge(w->p, conv_id, w->n, w->err);
    return rc == SN_ENOTFOUND ? SN_OK : rc;
}

static int audit(const struct bot_privacy *p,
                 const char *actor,
                 const char *action,
                 const char *kind,
                 const char *hash,
                 long long convs,
                 long long msgs,
                 struct sn_err *err)
{
    struct store_audit a = {bot_server_now_ms(), actor, action, kind, hash, convs, msgs};
    return store_audit_add(p->store, &a, err);
}

int bot_privacy_delete(const struct bot_privacy *p,
                       const char *actor,
                       enum store_subject kind,
                       const char *lookup,
                       struct bot_privacy_counts *n,
                       struct sn_err *err)
{
    struct walk w = {.p = p, .n = n, .err = err};
    char hash[BOT_PRIVACY_HASH_HEX];
    memset(n, 0, sizeof *n);
    int rc = store_subject_convs(p->store, kind, lookup, delete_one, &w, err);
    if (rc == SN_OK && !n->skipped)
        rc = store_subject_unlink(p->store, kind, lookup, &n->unlinked, err);
    if (rc == SN_OK && kind == STORE_SUBJECT_EMAIL && p->outbox) {
        long k = 0;
        rc = bot_outbox_purge(p->outbox, NULL, lookup, &k, err);
        n->mails += k;
    }
    /* the audit row also for a partial deletion: what was removed is gone either way */
    bot_privacy_hash(kind, lookup, hash);
    struct sn_err e2 = {0};
    int rc2 = audit(p, actor, "delete", bot_privacy_kind_name(kind), hash, n->conversations,
                    n->messages, rc ? &e2 : err);
    /* the rows are gone whatever the checkpoint does; a busy one leaves the deleted pages in
     * the WAL until the checkpoint thread's next truncation: said, not failed */
    struct sn_err e3 = {0};
    if (rc == SN_OK && rc2 == SN_OK && store_checkpoint(p->store, 1, &e3))
        sn_log(SN_LOG_WARN, "privacy", "event=checkpoint_failed err=\"%s\"", e3.msg);
    return rc ? rc : rc2;
}

int bot_privacy_audit_export(const struct bot_privacy *p,
                             const char *actor,
                             enum store_subject kind,
                             const char *lookup,
                             long long conversations,
                             struct sn_err *err)
{
    char hash[BOT_PRIVACY_HASH_HEX];
    bot_privacy_hash(kind, lookup, hash);
    return audit(p, actor, "export", bot_privacy_kind_name(kind), hash, conversations, 0, err);
}

json_t *bot_privacy_counts_json(const struct bot_privacy_counts *n)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "conversations",
                     (json_int_t)n->conversations, "messages", (json_int_t)n->messages, "tickets",
                     (json_int_t)n->tickets, "profiles", (json_int_t)n->profiles, "cases",
                     (json_int_t)n->cases, "case_events", (json_int_t)n->case_events, "attachments",
                     (json_int_t)n->attachments, "mails", (json_int_t)n->mails, "skipped",
                     (json_int_t)n->skipped, "unlinked", (json_int_t)n->unlinked);
}

/* --- retention -------------------------------------------------------------------------- */

/* Conversations per batch and the pause between batches: a purge is one short transaction
 * per conversation, and the event loop's commits wait for at most one of them (its busy
 * timeout covers it); the pause lets the loop's writes through between batches. */
#define RETENTION_BATCH    20
#define RETENTION_PAUSE_MS 50
#define RETENTION_RUN_MAX  100000 /* conversations one run purges at most */

struct bot_retention {
    struct bot_privacy p;
    struct store *store;             /* the thread's own connection */
    struct bot_attach_pg *attach_pg; /* its own too (bot/attach_pg.h); NULL: sqlite */
    long long days;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
};

struct stale {
    char (*ids)[STORE_ID_MAX];
    int n;
};

static int stale_add(void *ctx, const char *id)
{
    struct stale *s = ctx;
    snprintf(s->ids[s->n++], STORE_ID_MAX, "%s", id);
    return s->n < RETENTION_BATCH ? 0 : 1;
}

/* Waits ms or until stopped; 1 when stopped. */
static int nap(struct bot_retention *r, long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    if (!r->stop)
        pthread_cond_timedwait(&r->cv, &r->mu, &t);
    int stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

/* One run: batches until nothing is older than the cutoff (or the run's bound), then the
 * checkpoint and one audit row. The longest transaction is logged: what a visitor's write
 * may have waited behind. */
static void retention_run(struct bot_retention *r)
{
    char ids[RETENTION_BATCH][STORE_ID_MAX];
    struct bot_privacy_counts n = {0};
    struct sn_err e = {0};
    long long cutoff = bot_server_now_ms() - r->days * 86400000LL, max_us = 0, total = 0;
    long long max_ck = 0, sum_us = 0; /* the longest checkpoint after a batch; all purges */
    int batches = 0, failed = 0;
    for (;;) {
        struct stale s = {ids, 0};
        int rc = store_conv_stale(r->store, cutoff, RETENTION_BATCH, stale_add, &s, &e);
        if (rc < 0) {
            sn_log(SN_LOG_ERR, "retention", "event=scan_failed err=\"%s\"", e.msg);
            break;
        }
        if (s.n == 0)
            break;
        long long before = n.conversations + n.skipped + failed;
        for (int i = 0; i < s.n; i++) {
            long long t0 = bot_server_now_us();
            if (bot_privacy_purge(&r->p, ids[i], &n, &e) < 0 && e.code != SN_ENOTFOUND) {
                failed++;
                sn_log(SN_LOG_ERR, "retention", "event=purge_failed conv=%s err=\"%s\"", ids[i],
                       e.msg);
            }
            long long dt = bot_server_now_us() - t0;
            max_us = dt > max_us ? dt : max_us;
            sum_us += dt;
        }
        batches++;
        total += s.n;
        /* each batch's pages (secure_delete writes the zeroed ones too) copied back now, by a
         * passive checkpoint that never holds a writer: the next write then starts the WAL
         * from its beginning. Left to grow, the checkpoint thread's truncation past 16 MiB
         * held the writer for 160 ms (scripts/bench-retention); a truncation per batch held
         * it up to 300 ms under load. */
        long long t1 = bot_server_now_us();
        if (store_checkpoint(r->store, 0, &e))
            sn_log(SN_LOG_INFO, "retention", "event=checkpoint_busy err=\"%s\"", e.msg);
        long long ck = bot_server_now_us() - t1;
        max_ck = ck > max_ck ? ck : max_ck;
        /* nothing purged in a whole batch (all live or failing): they would come back first
         * in the next scan; stop here and try again next run */
        if (n.conversations + n.skipped + failed == before || n.skipped || failed ||
            total >= RETENTION_RUN_MAX || nap(r, RETENTION_PAUSE_MS))
            break;
    }
    if (!n.conversations)
        return;
    char days[32];
    snprintf(days, sizeof days, "days=%lld", r->days);
    struct store_audit a = {bot_server_now_ms(), "retention", "retention", "age", days,
                            n.conversations,     n.messages};
    if (store_audit_add(r->store, &a, &e))
        sn_log(SN_LOG_ERR, "retention", "event=audit_failed err=\"%s\"", e.msg);
    if (store_checkpoint(r->store, 1, &e))
        sn_log(SN_LOG_WARN, "retention", "event=checkpoint_failed err=\"%s\"", e.msg);
    sn_log(SN_LOG_NOTICE, "retention",
           "event=purged conversations=%lld messages=%lld attachments=%lld mails=%lld"
           " batches=%d failed=%d mean_purge_us=%lld max_purge_us=%lld max_checkpoint_us=%lld",
           n.conversations, n.messages, n.attachments, n.mails, batches, failed,
           sum_us / (total ? total : 1), max_us, max_ck);
}

static void *retention_main(void *arg)
{
    struct bot_retention *r = arg;
    long wait_ms = 1000;
    while (!nap(r, wait_ms)) {
        retention_run(r);
        wait_ms = (long)r->interval_s * 1000;
    }
    return NULL;
}

struct bot_retention *bot_privacy_retention_new(const struct bot_config *cfg,
                                                const char *attachments_dir,
                                                struct bot_outbox *outbox,
                                                int days,
                                                int interval_s,
                                                struct sn_err *err)
{
    if (days <= 0)
        return NULL;
    struct bot_retention *r = sn_xcalloc(1, sizeof *r);
    r->store = store_open(cfg, bot_dialogue_upgrade, err);
    if (!r->store || (store_is_pg(cfg) && !(r->attach_pg = bot_attach_pg_open(cfg, err)))) {
        store_close(r->store);
        free(r);
        return NULL;
    }
    r->p = (struct bot_privacy){r->store, outbox, attachments_dir, NULL, NULL, r->attach_pg};
    r->days = days;
    r->interval_s = interval_s > 0 ? interval_s : 3600;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, retention_main, r) != 0) {
        sn_err_set(err, SN_EIO, "retention: no thread");
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        bot_attach_pg_close(r->attach_pg);
        store_close(r->store);
        free(r);
        return NULL;
    }
    return r;
}

void bot_privacy_retention_free(struct bot_retention *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    bot_attach_pg_close(r->attach_pg);
    store_close(r->store);
    free(r);
}
