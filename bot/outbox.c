/* The outbox (bot/outbox.h): table outbox in its own file, two connections (the callers',
 * behind a mutex, and the worker's), and a worker that sleeps on a condition variable until
 * the next mail is due, a poke, a poll or the stop. */
#include "bot/outbox.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bot/email.h"
#include "bot/privacy.h"

/* The schema this binary writes (PRAGMA user_version):
 *   1  table outbox
 *   2  an index by ref (how often one conversation asked for mail)
 *   3  column reported: NULL nothing to report (the transcript, a test mail), 0 its final
 *      state is still to be reported (a case reply), 1 reported; an index of those due */
#define OUTBOX_VERSION 3

static const char schema_v1[] =
    "CREATE TABLE outbox("
    " id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, to_addr TEXT NOT NULL,"
    " subject TEXT NOT NULL, body_text TEXT NOT NULL, body_html TEXT, ref TEXT,"
    " status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending', 'sent', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, next_at INTEGER NOT NULL,"
    " sent_at INTEGER, last_error TEXT);"
    "CREATE INDEX outbox_due ON outbox(status, next_at);";

static const char schema_v2[] = "CREATE INDEX outbox_ref ON outbox(ref, created);";

/* Rows from before v3 asked for nothing: NULL. */
static const char schema_v3[] =
    "ALTER TABLE outbox ADD COLUMN reported INTEGER;"
    "CREATE INDEX outbox_unreported ON outbox(id) WHERE reported = 0 AND status <> 'pending';";

static const char *const status_names[] = {"pending", "sent", "failed"};

struct bot_outbox {
    sqlite3 *db; /* the callers' (add, list, retry), under mu */
    char *path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, poked;
    int stop; /* read by curl's progress callback: atomic */
    struct bot_smtp smtp;
    char *smtp_strs[5]; /* the copies smtp points into */
    struct bot_outbox_policy policy;
    int poll_s;
    long sent, failed;
};

const char *bot_outbox_status_name(enum bot_outbox_status s)
{
    return (unsigned)s < 3 ? status_names[s] : "?";
}

static int status_of(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, status_names[i]))
            return i;
    return BOT_OUTBOX_FAILED;
}

long bot_outbox_retry_after(const struct bot_outbox_policy *p, int n, int permanent)
{
    if (permanent || n >= p->max_attempts)
        return -1;
    long d = p->base_s > 0 ? p->base_s : 1;
    for (int i = 1; i < n && d < p->cap_s; i++)
        d *= 2;
    return d < p->cap_s ? d : p->cap_s;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int db_err(sqlite3 *db, struct sn_err *err)
{
    return sn_err_set(err, SN_EDB, "outbox: %s", sqlite3_errmsg(db));
}

static sqlite3 *connect(const char *path, struct sn_err *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        /* secure_delete: a purged mail's text is zeroed in the file (bot/privacy.h) */
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     " PRAGMA secure_delete=ON",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "outbox %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static int version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_ERROR;
        *v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Creates or migrates in one write transaction; a newer file is refused unwritten. */
static int migrate(sqlite3 *db, const char *path, struct sn_err *err)
{
    int v;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        version(db, &v) != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return db_err(db, err);
    }
    if (v > OUTBOX_VERSION) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return sn_err_set(err, SN_ECONFLICT,
                          "outbox %s: schema version %d is newer than this binary's %d", path, v,
                          OUTBOX_VERSION);
    }
    int rc = SQLITE_OK;
    if (v < 1)
        rc = sqlite3_exec(db, schema_v1, NULL, NULL, NULL);
    if (rc == SQLITE_OK && v < 2)
        rc = sqlite3_exec(db, schema_v2, NULL, NULL, NULL);
    if (rc == SQLITE_OK && v < 3)
        rc = sqlite3_exec(db, schema_v3, NULL, NULL, NULL);
    if (rc == SQLITE_OK && v < OUTBOX_VERSION) {
        char q[64];
        snprintf(q, sizeof q, "PRAGMA user_version=%d", OUTBOX_VERSION);
        rc = sqlite3_exec(db, q, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_err(db, err);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return SN_EDB;
    }
    return SN_OK;
}

struct bot_outbox *bot_outbox_open(const char *path, struct sn_err *err)
{
    struct bot_outbox *ob = calloc(1, sizeof *ob);
    if (!ob || sodium_init() < 0) {
        free(ob);
        sn_err_set(err, SN_EIO, "outbox: out of memory");
        return NULL;
    }
    pthread_mutex_init(&ob->mu, NULL);
    pthread_cond_init(&ob->cv, NULL);
    ob->path = sn_xstrdup(path);
    ob->db = connect(path, err);
    if (!ob->db || migrate(ob->db, path, err)) {
        bot_outbox_free(ob);
        return NULL;
    }
    return ob;
}

/* Characters of UTF-8 s. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static int body_ok(const char *b)
{
    size_t n = strlen(b);
    if (n > BOT_OUTBOX_BODY_MAX || !sn_utf8_valid(b, n, NULL))
        return 0;
    for (const unsigned char *p = (const unsigned char *)b; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
            return 0;
    return 1;
}

static const char *
check_mail(const struct bot_outbox_mail *m, char to[BOT_EMAIL_MAX + 1], struct sn_err *e)
{
    if (!m->to || bot_email_normalize(m->to, to, e))
        return m->to ? e->msg : "no address";
    if (!m->subject || !*m->subject || chars(m->subject) > BOT_OUTBOX_SUBJECT_MAX)
        return "the subject must be 1 to 200 characters";
    char *hv = bot_smtp_header_value(m->subject);
    if (!hv)
        return "the subject holds a control character or is not UTF-8";
    free(hv);
    if (!m->text || !*m->text || !body_ok(m->text))
        return "the text must be 1 byte to 256 KiB of UTF-8 without control characters";
    if (m->html && !body_ok(m->html))
        return "the HTML must be at most 256 KiB of UTF-8 without control characters";
    if (m->ref) {
        size_t n = strlen(m->ref);
        if (!n || n > BOT_OUTBOX_REF_MAX ||
            strspn(m->ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                           "TUVWXYZ0123456789_-") != n)
            return "a ref is 1 to 64 of A-Z a-z 0-9 _ -";
    }
    if (m->report && !m->ref)
        return "a mail whose state is reported needs a ref";
    return NULL;
}

int bot_outbox_add(struct bot_outbox *ob,
                   const struct bot_outbox_mail *m,
                   long long *id,
                   struct sn_err *err)
{
    char to[BOT_EMAIL_MAX + 1], mid[64], hex[33];
    unsigned char rnd[16];
    struct sn_err e = {0};
    const char *why = check_mail(m, to, &e);
    if (why)
        return sn_err_set(err, SN_EINVAL, "%s", why);
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(mid, sizeof mid, "<%s.outbox@sanad>", hex);
    long long now = now_ms();
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "INSERT INTO outbox(message_id, to_addr, subject, body_text, body_html,"
                           " ref, created, next_at, reported)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    sqlite3_bind_text(st, 1, mid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, m->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->html, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    if (m->report)
        sqlite3_bind_int(st, 8, 0);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(ob->db, err);
        goto out;
    }
    if (id)
        *id = sqlite3_last_insert_rowid(ob->db);
    ob->poked = 1;
    pthread_cond_signal(&ob->cv);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? sn_xstrdup(s) : NULL;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : NULL;
}

int bot_outbox_list(struct bot_outbox *ob,
                    int status,
                    int limit,
                    int (*cb)(void *ctx, const struct bot_outbox_row *r),
                    void *ctx,
                    struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "SELECT id, to_addr, subject, ref, message_id, last_error, status,"
                           " attempts, created, next_at, coalesce(sent_at, 0) FROM outbox"
                           " WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    if (status >= 0)
        sqlite3_bind_text(st, 1, bot_outbox_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct bot_outbox_row r = {.id = sqlite3_column_int64(st, 0),
                                   .to = col(st, 1),
                                   .subject = col(st, 2),
                                   .ref = col(st, 3),
                                   .message_id = col(st, 4),
                                   .last_error = col(st, 5),
                                   .status = status_of(col(st, 6)),
                                   .attempts = sqlite3_column_int(st, 7),
                                   .created = sqlite3_column_int64(st, 8),
                                   .next_at = sqlite3_column_int64(st, 9),
                                   .sent_at = sqlite3_column_int64(st, 10)};
        if (cb(ctx, &r))
            break;
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = db_err(ob->db, err);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

int bot_outbox_count_ref(
    struct bot_outbox *ob, const char *ref, long long since_ms, long *n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    *n = 0;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db, "SELECT count(*) FROM outbox WHERE ref = ?1 AND created >= ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = (long)sqlite3_column_int64(st, 0);
    else
        rc = db_err(ob->db, err);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

int bot_outbox_purge(
    struct bot_outbox *ob, const char *ref, const char *to, long *n, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    *n = 0;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "DELETE FROM outbox WHERE (?1 IS NOT NULL AND ref = ?1)"
                           " OR (?2 IS NOT NULL AND lower(to_addr) = lower(?2))",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(ob->db, err);
        goto out;
    }
    *n = (long)sqlite3_changes(ob->db);
    /* the deleted text must not stay in the WAL either: copied back (zeroed) and cut */
    if (*n && sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
                  SQLITE_OK)
        rc = db_err(ob->db, err);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

int bot_outbox_last(struct bot_outbox *ob,
                    const char *ref,
                    struct bot_outbox_state *out,
                    struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "SELECT id, status, attempts, ifnull(last_error, '') FROM outbox"
                           " WHERE ref = ?1 AND reported IS NOT NULL"
                           " ORDER BY created DESC, id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->status = status_of(col(st, 1));
        out->attempts = sqlite3_column_int(st, 2);
        snprintf(out->error, sizeof out->error, "%s", col(st, 3));
    } else if (s == SQLITE_DONE) {
        rc = sn_err_set(err, SN_ENOTFOUND, "outbox: no mail for %s", ref);
    } else {
        rc = db_err(ob->db, err);
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

/* One unreported mail, copied out so that the callback runs without the lock. */
struct unreported {
    long long id;
    char *ref, *last_error;
    enum bot_outbox_status status;
    int attempts;
    long long sent_at;
};

#define REPORTS_MAX 64

int bot_outbox_reports(struct bot_outbox *ob,
                       int limit,
                       int (*cb)(void *ctx, const struct bot_outbox_row *r),
                       void *ctx,
                       int *n,
                       struct sn_err *err)
{
    struct unreported u[REPORTS_MAX];
    sqlite3_stmt *st = NULL, *mark = NULL;
    int rc = SN_OK, k = 0, done = 0;
    if (limit <= 0 || limit > REPORTS_MAX)
        limit = REPORTS_MAX;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "SELECT id, ref, last_error, status, attempts, ifnull(sent_at, 0)"
                           " FROM outbox WHERE reported = 0 AND status <> 'pending'"
                           " ORDER BY id LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        sqlite3_finalize(st);
        pthread_mutex_unlock(&ob->mu);
        goto out;
    }
    sqlite3_bind_int(st, 1, limit);
    while (k < limit && sqlite3_step(st) == SQLITE_ROW) /* an error: fewer now, the rest next */
        u[k++] = (struct unreported){.id = sqlite3_column_int64(st, 0),
                                     .ref = dup_col(st, 1),
                                     .last_error = dup_col(st, 2),
                                     .status = status_of(col(st, 3)),
                                     .attempts = sqlite3_column_int(st, 4),
                                     .sent_at = sqlite3_column_int64(st, 5)};
    sqlite3_finalize(st); /* on its connection, under its lock */
    pthread_mutex_unlock(&ob->mu);
    for (int i = 0; i < k; i++) {
        struct bot_outbox_row r = {.id = u[i].id,
                                   .ref = u[i].ref,
                                   .last_error = u[i].last_error,
                                   .status = u[i].status,
                                   .attempts = u[i].attempts,
                                   .sent_at = u[i].sent_at};
        if (cb(ctx, &r))
            break;
        /* the same statement a retry's "reported = 0" races with: only the state reported
         * is marked (a retried mail, pending again, stays to be reported) */
        pthread_mutex_lock(&ob->mu);
        if (!mark && sqlite3_prepare_v2(ob->db,
                                        "UPDATE outbox SET reported = 1 WHERE id = ?1"
                                        " AND status = ?2 AND reported = 0",
                                        -1, &mark, NULL) != SQLITE_OK)
            rc = db_err(ob->db, err);
        if (mark) {
            sqlite3_bind_int64(mark, 1, u[i].id);
            sqlite3_bind_text(mark, 2, bot_outbox_status_name(u[i].status), -1, SQLITE_STATIC);
            if (sqlite3_step(mark) != SQLITE_DONE)
                rc = db_err(ob->db, err);
            sqlite3_reset(mark);
        }
        pthread_mutex_unlock(&ob->mu);
        if (rc)
            break;
        done++;
    }
    pthread_mutex_lock(&ob->mu);
    sqlite3_finalize(mark);
    pthread_mutex_unlock(&ob->mu);
out:
    for (int i = 0; i < k; i++) {
        free(u[i].ref);
        free(u[i].last_error);
    }
    if (n)
        *n = done;
    return rc;
}

int bot_outbox_retry(struct bot_outbox *ob, long long id, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    pthread_mutex_lock(&ob->mu);
    if (sqlite3_prepare_v2(ob->db,
                           "UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?2,"
                           " reported = CASE WHEN reported IS NULL THEN NULL ELSE 0 END"
                           " WHERE id = ?1 AND status = 'failed'",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(ob->db, err);
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now_ms());
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(ob->db, err);
    else if (sqlite3_changes(ob->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "outbox: no failed mail %lld", id);
    ob->poked = 1;
    pthread_cond_signal(&ob->cv);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&ob->mu);
    return rc;
}

/* ---------------------------------------------------------------- the worker */

struct due {
    long long id;
    int attempts;
    char *to, *subject, *text, *html, *message_id;
    long long created;
};

static void due_free(struct due *d)
{
    free(d->to);
    free(d->subject);
    free(d->text);
    free(d->html);
    free(d->message_id);
}

/* The oldest mail due at now, copied out (the statement is done before the network), or 0
 * when none; -1 on a database error. */
static int next_due(sqlite3 *db, long long now, struct due *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, attempts, to_addr, subject, body_text, body_html,"
                           " message_id, created FROM outbox WHERE status = 'pending'"
                           " AND next_at <= ?1 ORDER BY next_at, id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(st, 1, now);
    int s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = 0;
    } else if (s == SQLITE_ROW) {
        *d = (struct due){.id = sqlite3_column_int64(st, 0),
                          .attempts = sqlite3_column_int(st, 1),
                          .to = dup_col(st, 2),
                          .subject = dup_col(st, 3),
                          .text = dup_col(st, 4),
                          .html = dup_col(st, 5),
                          .message_id = dup_col(st, 6),
                          .created = sqlite3_column_int64(st, 7)};
        rc = 1;
    }
out:
    if (rc < 0)
        sn_log(SN_LOG_ERR, "outbox", "event=read_failed err=\"%s\"", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static void record(sqlite3 *db, const struct due *d, int ok, long after_s, const char *error)
{
    sqlite3_stmt *st = NULL;
    long long now = now_ms();
    const char *q = ok            ? "UPDATE outbox SET status = 'sent', attempts = attempts + 1,"
                                    " sent_at = ?2, last_error = NULL WHERE id = ?1"
                    : after_s < 0 ? "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
                                    " last_error = ?3 WHERE id = ?1"
                                  : "UPDATE outbox SET attempts = attempts + 1, next_at = ?2,"
                                    " last_error = ?3 WHERE id = ?1";
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, d->id);
        sqlite3_bind_int64(st, 2, ok ? now : now + (long long)after_s * 1000);
        if (!ok)
            sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    }
    if (!st || sqlite3_step(st) != SQLITE_DONE)
        sn_log(SN_LOG_ERR, "outbox", "event=record_failed id=%lld err=\"%s\"", d->id,
               sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

static void send_one(struct bot_outbox *ob, sqlite3 *db, const struct due *d)
{
    struct sn_err e = {0};
    int permanent = 0;
    struct bot_smtp_mail m = {.to = d->to,
                              .subject = d->subject,
                              .text = d->text,
                              .html = d->html,
                              .message_id = d->message_id,
                              .date = d->created / 1000};
    int rc = bot_smtp_send(&ob->smtp, &m, &permanent, &e);
    if (__atomic_load_n(&ob->stop, __ATOMIC_ACQUIRE) && rc) {
        return; /* cut short by the stop: not an attempt, the next start makes it */
    }
    long after = rc ? bot_outbox_retry_after(&ob->policy, d->attempts + 1, permanent) : 0;
    record(db, d, rc == SN_OK, after, e.msg);
    pthread_mutex_lock(&ob->mu);
    if (rc == SN_OK)
        ob->sent++;
    else if (after < 0)
        ob->failed++;
    pthread_mutex_unlock(&ob->mu);
    /* the address and the subject are personal data: the id is enough for the log; the
     * mail server's reply often names the recipient, masked (docs/privacy.md) */
    char why[sizeof e.msg];
    bot_privacy_redact(e.msg, why, sizeof why);
    if (rc == SN_OK)
        sn_log(SN_LOG_NOTICE, "outbox", "event=sent id=%lld attempt=%d", d->id, d->attempts + 1);
    else
        sn_log(SN_LOG_WARN, "outbox", "event=%s id=%lld attempt=%d retry_s=%ld err=\"%s\"",
               after < 0 ? "failed" : "deferred", d->id, d->attempts + 1, after, why);
}

/* When the next pending mail is due (ms since the epoch), or -1 for none. */
static long long next_at(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    long long t = -1;
    if (sqlite3_prepare_v2(db, "SELECT min(next_at) FROM outbox WHERE status = 'pending'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        t = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return t;
}

static struct timespec abs_ms(long long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    return t;
}

static void *run(void *arg)
{
    struct bot_outbox *ob = arg;
    struct sn_err e = {0};
    sqlite3 *db = connect(ob->path, &e);
    if (!db) {
        sn_log(SN_LOG_ERR, "outbox", "event=worker_failed err=\"%s\"", e.msg);
        return NULL;
    }
    pthread_mutex_lock(&ob->mu);
    while (!ob->stop) {
        ob->poked = 0;
        pthread_mutex_unlock(&ob->mu);
        struct due d;
        int n;
        while (!__atomic_load_n(&ob->stop, __ATOMIC_ACQUIRE) &&
               (n = next_due(db, now_ms(), &d)) > 0) {
            send_one(ob, db, &d);
            due_free(&d);
        }
        long long wake = now_ms() + (long long)ob->poll_s * 1000, t = next_at(db);
        if (t >= 0 && t < wake)
            wake = t;
        pthread_mutex_lock(&ob->mu);
        if (ob->stop || ob->poked)
            continue;
        struct timespec ts = abs_ms(wake);
        pthread_cond_timedwait(&ob->cv, &ob->mu, &ts);
    }
    pthread_mutex_unlock(&ob->mu);
    sqlite3_close(db);
    return NULL;
}

int bot_outbox_start(struct bot_outbox *ob,
                     const struct bot_smtp *smtp,
                     const struct bot_outbox_policy *policy,
                     int poll_s,
                     struct sn_err *err)
{
    const char *src[5] = {smtp->url, smtp->user, smtp->password, smtp->from, smtp->from_name};
    for (int i = 0; i < 5; i++)
        ob->smtp_strs[i] = src[i] ? sn_xstrdup(src[i]) : NULL;
    ob->smtp = *smtp;
    ob->smtp.url = ob->smtp_strs[0];
    ob->smtp.user = ob->smtp_strs[1];
    ob->smtp.password = ob->smtp_strs[2];
    ob->smtp.from = ob->smtp_strs[3];
    ob->smtp.from_name = ob->smtp_strs[4];
    ob->smtp.stop = &ob->stop;
    ob->policy = *policy;
    ob->poll_s = poll_s > 0 ? poll_s : 5;
    if (bot_smtp_init(err))
        return err ? err->code : SN_EIO;
    if (pthread_create(&ob->thread, NULL, run, ob)) {
        bot_smtp_cleanup();
        return sn_err_set(err, SN_EIO, "outbox: cannot start the worker thread");
    }
    ob->running = 1;
    return SN_OK;
}

void bot_outbox_counts(struct bot_outbox *ob, long *sent, long *failed)
{
    pthread_mutex_lock(&ob->mu);
    *sent = ob->sent;
    *failed = ob->failed;
    pthread_mutex_unlock(&ob->mu);
}

void bot_outbox_free(struct bot_outbox *ob)
{
    if (!ob)
        return;
    if (ob->running) {
        pthread_mutex_lock(&ob->mu);
        __atomic_store_n(&ob->stop, 1, __ATOMIC_RELEASE);
        pthread_cond_signal(&ob->cv);
        pthread_mutex_unlock(&ob->mu);
        pthread_join(ob->thread, NULL);
        bot_smtp_cleanup();
    }
    for (int i = 0; i < 5; i++) {
        if (i == 2 && ob->smtp_strs[i])
            sodium_memzero(ob->smtp_strs[i], strlen(ob->smtp_strs[i]));
        free(ob->smtp_strs[i]);
    }
    sqlite3_close(ob->db);
    pthread_cond_destroy(&ob->cv);
    pthread_mutex_destroy(&ob->mu);
    free(ob->path);
    free(ob);
}
