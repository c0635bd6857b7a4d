/* Outgoing email: a queue in its own SQLite file that survives restarts, sent by one worker
 * thread over SMTP (bot/smtp.h), retried with backoff, marked failed after the last attempt.
 * Whoever sends mail (the transcript at a close, replies to cases) adds a row and moves on:
 * the event loop never waits for a mail server.
 *
 * Delivery is at least once: a crash between the server's "250 OK" and the row's update
 * sends that mail again on the next start, with the same Message-ID, which mail readers use
 * to show it once. A separate file (not the conversation store) because the worker writes
 * from its own thread with its own connection, and because the queue's schema is the
 * outbox's alone (its own user_version, migrated here). */
#ifndef SANAD_BOT_OUTBOX_H
#define SANAD_BOT_OUTBOX_H

#include "bot/smtp.h"
#include "kb/base.h"

#define BOT_OUTBOX_SUBJECT_MAX 200          /* characters */
#define BOT_OUTBOX_BODY_MAX    (256 * 1024) /* bytes of the text and of the HTML */
#define BOT_OUTBOX_REF_MAX     64           /* bytes of ref: [A-Za-z0-9_-] */

/* When to try again (pure, table-tested): after attempt n (1-based) failed, wait
 * base_s * 2^(n-1), at most cap_s; after max_attempts failures, or one permanent refusal
 * (a 5xx reply), the mail is failed. */
struct bot_outbox_policy {
    int max_attempts;
    int base_s;
    int cap_s;
};
/* Seconds to wait after attempt n failed, or -1 when the mail is failed now. */
long bot_outbox_retry_after(const struct bot_outbox_policy *p, int n, int permanent);

enum bot_outbox_status { BOT_OUTBOX_PENDING, BOT_OUTBOX_SENT, BOT_OUTBOX_FAILED };
const char *bot_outbox_status_name(enum bot_outbox_status s);

/* A mail to queue; strings borrowed. html and ref may be NULL. */
struct bot_outbox_mail {
    const char *to;
    const char *subject;
    const char *text;
    const char *html;
    const char *ref; /* what it belongs to (a case reference, a conversation), shown by list */
    int report;      /* 1: its final state is reported back (bot_outbox_reports), by ref */
};

/* A queued mail as list reports it; strings valid during the callback. */
struct bot_outbox_row {
    long long id;
    const char *to, *subject, *ref, *message_id, *last_error;
    enum bot_outbox_status status;
    int attempts;
    long long created, next_at, sent_at; /* ms since the epoch; sent_at 0 unless sent */
};

struct bot_outbox;

/* Opens (creating and migrating) the queue at path. Owned by the caller (bot_outbox_free), or
 * NULL with err set. No worker runs until bot_outbox_start. */
struct bot_outbox *bot_outbox_open(const char *path, struct sn_err *err);

/* Checks m (the address as bot/email.h normalizes it, a subject without control characters
 * of 1..BOT_OUTBOX_SUBJECT_MAX characters, a non-empty text, sizes, ref's characters) and
 * stores it, due now; wakes the worker. SN_EINVAL (nothing stored) or SN_EDB. *id (when not
 * NULL) is its id. Thread-safe. */
int bot_outbox_add(struct bot_outbox *ob,
                   const struct bot_outbox_mail *m,
                   long long *id,
                   struct sn_err *err);

/* Every mail, newest first, or only those of status (when >= 0), at most limit. */
int bot_outbox_list(struct bot_outbox *ob,
                    int status,
                    int limit,
                    int (*cb)(void *ctx, const struct bot_outbox_row *r),
                    void *ctx,
                    struct sn_err *err);

/* How many mails for ref were queued at or after since_ms (ms since the epoch), into *n:
 * what limits how often one conversation may ask for mail. */
int bot_outbox_count_ref(
    struct bot_outbox *ob, const char *ref, long long since_ms, long *n, struct sn_err *err);

/* Deletes every mail for ref or to the address to (compared case-insensitively), either may
 * be NULL, whatever its status (a pending one is not sent), then checkpoints the queue's WAL
 * (TRUNCATE) when it deleted any: a privacy purge (bot/privacy.h). *n: how many. */
int bot_outbox_purge(
    struct bot_outbox *ob, const char *ref, const char *to, long *n, struct sn_err *err);
/* The newest mail for ref that asked to be reported (report 1), into *out (copied).
 * SN_ENOTFOUND when there is none. */
struct bot_outbox_state {
    long long id;
    enum bot_outbox_status status;
    int attempts;
    char error[256]; /* the last error, "" when none */
};
int bot_outbox_last(struct bot_outbox *ob,
                    const char *ref,
                    struct bot_outbox_state *out,
                    struct sn_err *err);

/* Mails that asked to be reported (report 1) whose final state (sent, or failed after the
 * last attempt) has not been reported yet, oldest first, at most limit: cb is called for each
 * (r's strings valid during the call) without the queue's lock held, and a mail is marked
 * reported when cb returns 0 (non-zero: kept for the next call, and the walk stops). This is
 * how the event loop learns what the worker thread did without sharing a connection with it
 * (docs/email.md). *n (when not NULL): how many were reported. */
int bot_outbox_reports(struct bot_outbox *ob,
                       int limit,
                       int (*cb)(void *ctx, const struct bot_outbox_row *r),
                       void *ctx,
                       int *n,
                       struct sn_err *err);

/* A failed mail back to pending, due now, its attempts reset (and, when it asked to be
 * reported, to be reported again). SN_ENOTFOUND unless failed. */
int bot_outbox_retry(struct bot_outbox *ob, long long id, struct sn_err *err);

/* Starts the worker: it sends what is due with smtp (copied), as policy says, and looks for
 * rows other processes added every poll_s seconds besides the wakes of bot_outbox_add. */
int bot_outbox_start(struct bot_outbox *ob,
                     const struct bot_smtp *smtp,
                     const struct bot_outbox_policy *policy,
                     int poll_s,
                     struct sn_err *err);

/* Mails the worker has sent and failed since it started (tests and logs). */
void bot_outbox_counts(struct bot_outbox *ob, long *sent, long *failed);

/* Stops the worker after the attempt it is making, if any, and frees. NULL is fine. */
void bot_outbox_free(struct bot_outbox *ob);

#endif
