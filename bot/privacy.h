/* Privacy: export, deletion and retention of what Sanad stores of a visitor (docs/privacy.md).
 *
 * One purge path for a conversation, used by `sanad privacy delete`, POST /api/privacy/delete
 * and the retention thread: the attachments (rows, then the files no other conversation
 * shares), then store_conv_purge (one transaction: messages, left messages, profile, rating
 * comment, the conversation row; cases and their timelines kept without identity or free
 * text), then the outbox's mails of the conversation and its cases. stats_events is never
 * touched, so figures over a purged period do not change.
 *
 * A subject is named by a conversation token, a widget visitor id or an email address. The
 * audit keeps a hash of that value, never the value. Functions return SN_OK or a negative
 * sn_code with err set. */
#ifndef SANAD_BOT_PRIVACY_H
#define SANAD_BOT_PRIVACY_H

#include "bot/store.h"
#include "kb/base.h"

struct bot_outbox;
struct json_t;

#define BOT_PRIVACY_HASH_HEX  65   /* the audit's subject hash, NUL included */
#define BOT_PRIVACY_VALUE_MAX 254  /* bytes of a subject value (an email's limit) */
#define BOT_PRIVACY_CONVS_MAX 1000 /* conversations one request exports or deletes */

/* What a purge works on. outbox may be NULL (no mail queue). live (may be NULL) is asked
 * before each conversation: non-zero keeps it (a visitor connected, the server's knowledge);
 * conversations queued or with an agent are always kept. */
struct bot_privacy {
    struct store *store;
    struct bot_outbox *outbox;
    const char *attachments_dir;
    int (*live)(void *ctx, const char *conv_id);
    void *live_ctx;
};

/* What a deletion or a retention run removed. */
struct bot_privacy_counts {
    long long conversations, messages, tickets, profiles, cases, case_events, attachments, mails;
    long long skipped;  /* conversations kept because they are live */
    long long unlinked; /* rows naming the subject without a conversation (store_subject_unlink) */
};

/* The subject kind named name ("token", "visitor", "email") into *out: SN_OK, or SN_EINVAL.
 * Pure. */
int bot_privacy_kind(const char *name, enum store_subject *out, struct sn_err *err);
const char *bot_privacy_kind_name(enum store_subject kind);

/* Checks value for kind and writes the form the store looks up into out (size >=
 * BOT_PRIVACY_VALUE_MAX + 1): a token's hash (hex), a visitor id as it is, an email
 * normalized (bot/email.h). SN_EINVAL with the reason for: empty, too long, characters a
 * token ([A-Za-z0-9_-], 1..128) or a visitor id ([A-Za-z0-9_-], 16..64) never has, or an
 * address bot_email_normalize refuses. Pure. */
int bot_privacy_subject(
    enum store_subject kind, const char *value, char *out, size_t size, struct sn_err *err);

/* The audit's hash of a subject: BLAKE2b-256, in hex, of "kind:" and the looked-up form (a
 * token's hash, the visitor id, the normalized email in lower case). Pure. */
void bot_privacy_hash(enum store_subject kind, const char *lookup, char out[BOT_PRIVACY_HASH_HEX]);

/* in with every email address (text@text) replaced by "<email>", into out (size bytes,
 * cut to fit): for log lines that carry another system's message (an SMTP server's reply
 * names the recipient). Pure. */
void bot_privacy_redact(const char *in, char *out, size_t size);

/* Everything stored of the subject (lookup: as bot_privacy_subject wrote it) as a new JSON
 * object owned by the caller (json_decref): {"subject": kind, "conversations": [...]} with
 * each conversation as store_conv_export gives it. No conversation: an empty list. NULL
 * with err set on a store failure. */
struct json_t *bot_privacy_export(const struct bot_privacy *p,
                                  enum store_subject kind,
                                  const char *lookup,
                                  struct sn_err *err);

/* Purges conversation conv_id (see the top of this file), adding to *n. SN_ENOTFOUND when
 * there is none; a live conversation is counted in skipped and left as it is (SN_OK). */
int bot_privacy_purge(const struct bot_privacy *p,
                      const char *conv_id,
                      struct bot_privacy_counts *n,
                      struct sn_err *err);

/* Purges every conversation of the subject, then unlinks what still names it, and writes
 * an audit row (actor, "delete"). *n: what was removed. */
int bot_privacy_delete(const struct bot_privacy *p,
                       const char *actor,
                       enum store_subject kind,
                       const char *lookup,
                       struct bot_privacy_counts *n,
                       struct sn_err *err);

/* Writes the audit row of an export (actor, "export", conversations). */
int bot_privacy_audit_export(const struct bot_privacy *p,
                             const char *actor,
                             enum store_subject kind,
                             const char *lookup,
                             long long conversations,
                             struct sn_err *err);

/* Counts as a JSON object (new, owned by the caller). */
struct json_t *bot_privacy_counts_json(const struct bot_privacy_counts *n);

/* The retention thread: every interval_s seconds (the first run a second after the start),
 * purges the conversations last active more than days ago, batch conversations at a time with
 * pause_ms between batches, on a store connection of its own (the store cfg names:
 * store_open; cfg is read at the call only), then checkpoints
 * the store (TRUNCATE). outbox (may be NULL, thread-safe) and attachments_dir are borrowed
 * for its life. Returns the thread's handle (bot_privacy_retention_free), or NULL with err
 * set. days 0: no thread (NULL, err untouched). */
struct bot_retention;
struct bot_config;
struct bot_retention *bot_privacy_retention_new(const struct bot_config *cfg,
                                                const char *attachments_dir,
                                                struct bot_outbox *outbox,
                                                int days,
                                                int interval_s,
                                                struct sn_err *err);
/* Stops the thread after the conversation it is purging, if any, and frees. NULL is fine. */
void bot_privacy_retention_free(struct bot_retention *r);

#endif
