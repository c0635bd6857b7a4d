/* The conversation store: conversations, their messages with per-conversation seq, client_id
 * idempotence, session-token hashes and feedback. Separate from the knowledge base. A backend
 * fills a struct store_ops; store_sqlite_open is the embedded one (one SQLite file, WAL).
 * A struct store is one connection: use it from one thread at a time.
 *
 * Every function returns SN_OK or a negative sn_code with err set (SN_ENOTFOUND, SN_EDB,
 * SN_EINVAL). Every write is committed before the function returns, except inside a batch
 * (store_batch_begin): then it is committed by store_batch_end. */
#ifndef SANAD_BOT_STORE_H
#define SANAD_BOT_STORE_H

#include <stddef.h>

#include "kb/base.h"

#define STORE_ID_MAX        40  /* conversation ids, NUL included */
#define STORE_HASH_HEX      65  /* token hash as hex, NUL included */
#define STORE_LAST_TEXT_MAX 564 /* 140 characters of UTF-8, NUL included */

struct store_conv {
    char id[STORE_ID_MAX];
    char state[16]; /* "bot", "queued", "agent", "closed" */
    char lang[3];
    long long created, updated; /* ms since the epoch */
    long long last_seq;         /* highest seq stored */
    void *dialogue;             /* the saved dialogue, as the caller stored it (owned: free;
                                 * NULL when none); the store never reads it */
    size_t dialogue_len;
};

/* One transcript message as the store keeps it: fields, never a wire frame (bot/proto.c
 * encodes them for each protocol when a message is sent or replayed). The same struct adds
 * a message (store_msg_add, which ignores seq) and is handed to a walk (store_msg_fn, with
 * every field filled by the store; its strings are borrowed for the call only). NULL is
 * "none" for every string but conv_id, sender and text. */
struct store_msg {
    const char *conv_id;
    long long seq;         /* per conversation, from 1; filled by the store on a walk */
    const char *sender;    /* "visitor", "bot", "agent", "note" (an agent's internal note),
                            * "system" */
    const char *client_id; /* the sender's idempotence key, or NULL */
    const char *text;
    const char *kind;                  /* bot: turn kind, else NULL */
    const char *kb_id, *band, *intent; /* bot, or NULL */
    const char *agent; /* agent replies and notes: the agent's display name, else NULL */
    const char *meta;  /* a JSON object as text, or NULL: whatever else the message
                        * carries (a bot turn's lang, suggestions, flags). The store never
                        * parses it: opaque text, kept and given back as it was added */
    long long ts;      /* ms */
};
/* Called per walked message; a non-zero return stops the walk and is returned. */
typedef int store_msg_fn(void *ctx, const struct store_msg *m);

/* A conversation as routing sees it (queue.c): state, the agent holding it, when it was
 * queued, and the start of the visitor's last message. */
struct store_route {
    char id[STORE_ID_MAX];
    char state[16];
    char lang[3];
    long long agent_id;                  /* 0: none */
    long long queued_at;                 /* ms since the epoch, 0: never queued */
    char last_text[STORE_LAST_TEXT_MAX]; /* up to 140 characters, "" when none */
};
typedef int store_route_fn(void *ctx, const struct store_route *r);

struct store;
/* A message a visitor left while nobody could answer (leave_message): a ticket the agents
 * see in the console. email NULL: none given; consent is 1 only with an email. */
struct store_ticket {
    long long id;
    const char *conv_id, *lang, *email, *text;
    int consent;
    long long created; /* ms */
};
typedef int store_ticket_fn(void *ctx, const struct store_ticket *t);
/* A canned response: the shared library agents insert from the console. One text per
 * (shortcut, lang); shortcut [a-z0-9_-]{1,32}, lang "ar" or "en". */
struct store_canned {
    const char *shortcut, *lang, *text;
    long long updated; /* ms */
};
typedef int store_canned_fn(void *ctx, const struct store_canned *c);

/* An uploaded file (bot/attach.h) as the store keeps it: the bytes are a file named hash in
 * attachments_dir, never in the database. */
#define STORE_ATT_ID   33 /* 32 hex digits, NUL included */
#define STORE_ATT_HASH 65 /* 64 hex digits, NUL included */
#define STORE_ATT_TYPE 32
#define STORE_ATT_NAME 121 /* bytes of UTF-8, NUL included */
struct store_att {
    char id[STORE_ATT_ID];
    char conv_id[STORE_ID_MAX];
    char hash[STORE_ATT_HASH];
    char type[STORE_ATT_TYPE]; /* sniffed from the bytes */
    long long size;            /* bytes */
    char name[STORE_ATT_NAME]; /* sanitized display name */
    long long created;         /* ms */
};
/* Called per content hash no attachment row refers to any more; non-zero stops. */
typedef int store_hash_fn(void *ctx, const char *hash);
/* What a visitor said of themself in the pre-chat form (a `profile` frame, validated by the
 * caller): inline strings, "" for a field not given; consent is 1 only with an email. */
#define STORE_PROFILE_NAME_MAX  400 /* bytes (100 characters), NUL not included */
#define STORE_PROFILE_EMAIL_MAX 254
#define STORE_PROFILE_DEPT_MAX  32
struct store_profile {
    char name[STORE_PROFILE_NAME_MAX + 1];
    char email[STORE_PROFILE_EMAIL_MAX + 1];
    int consent;
    char department[STORE_PROFILE_DEPT_MAX + 1];
    long long updated; /* ms */
};

/* A case (bot/case.h): one request from its handoff or its left message to its resolution.
 * Inline strings, "" for none; times in ms, 0 for never. Priority and department keep their
 * defaults (0, "") until routing by department sets them. */
#define STORE_CASE_REF_MAX    16
#define STORE_CASE_STATUS_MAX 16
#define STORE_VISITOR_MAX     65 /* a widget's visitor id (16..64 characters), NUL included */
#define STORE_LOGIN_MAX       65
struct store_case {
    long long id; /* filled by store_case_add */
    char ref[STORE_CASE_REF_MAX];
    char conv_id[STORE_ID_MAX]; /* the conversation it is about now (a reopening moves it) */
    long long ticket_id;        /* the message left for it, 0: none */
    char visitor_id[STORE_VISITOR_MAX];
    char status[STORE_CASE_STATUS_MAX]; /* bot_case_status_name */
    int priority;
    char department[STORE_PROFILE_DEPT_MAX + 1];
    char assignee[STORE_LOGIN_MAX]; /* the login of the agent who has it, or had it last */
    long long created, updated, first_response_at, solved_at;
    int sla_breached; /* the SLA targets it missed and was alerted for: STORE_SLA_* bits */
    int tier; /* 1 the first line, one up per escalation (bot/escalate.h); 0 is written as 1 */
};
#define STORE_SLA_FIRST   1 /* the first response came (or will come) too late */
#define STORE_SLA_RESOLVE 2 /* the resolution */
/* One event of a case's timeline: kind (bot_case_event_name), who ("bot", "visitor",
 * "agent:<login>", "system"), when, and detail (a JSON object as text, or NULL; the store
 * never parses it). On a walk every string is borrowed for the call only. */
struct store_case_event {
    long long case_id, ts;
    const char *kind, *actor, *detail;
};
typedef int store_case_event_fn(void *ctx, const struct store_case_event *ev);
/* What store_case_find looks a case up by: its reference; the conversation (its newest
 * case); the visitor id (the visitor's newest case). */
enum store_case_key { STORE_CASE_BY_REF = 0, STORE_CASE_BY_CONV, STORE_CASE_BY_VISITOR };
/* What store_case_search looks for (the console's case list): every member set is one more
 * condition (AND); NULL, 0 or an empty list leaves it out. Callers validate the values. */
#define STORE_CASE_SEARCH_STATUSES 8    /* statuses one search may name */
#define STORE_CASE_SEARCH_MAX      1000 /* cases one call gives, at most */
struct store_case_filter {
    const char *ref;                                /* a canonical reference */
    const char *status[STORE_CASE_SEARCH_STATUSES]; /* any of these (bot_case_status_name) */
    int nstatus;
    const char *department, *assignee, *visitor_id; /* exact */
    const char *text;     /* a substring of what the visitor, the agents and their notes wrote
                           * in the case's conversation, or of its left message; ASCII letters
                           * in any case; % and _ are plain characters */
    long long from, to;   /* created in [from, to] (ms); 0: no bound */
    long long before;     /* keyset paging: only cases with id < before; 0: from the newest */
    long long exclude_id; /* a case left out (the "other cases" of a visitor); 0: none */
    int limit;            /* 1..STORE_CASE_SEARCH_MAX */
    int scan;             /* with text: match it in at most this many of the newest cases that
                           * meet the other conditions (a bounded cost per call); 0: all */
};
/* One case found by a search, with its summary: the start (up to 140 characters) of the
 * first visitor message of its conversation, else of its left message, else ""; and its left
 * message (id, conv_id, text, email or NULL, created, lang; consent not read), NULL when it
 * has none. Everything is borrowed for the call only. */
typedef int store_case_found_fn(void *ctx,
                                const struct store_case *c,
                                const char *summary,
                                const struct store_ticket *left);

/* One row of stats_events (v10), the analytics record (docs/analytics.md): a fact written
 * where it happens, with no text and no visitor identity (no visitor id, email, name,
 * address or token; conv is the random conversation id). kind is one of "conv" (started:
 * lang, channel), "turn" (a bot turn: sub its kind, band), "feedback" (value 1 helpful, 0
 * not), "case" (a case made or reopened: value the repeat bits STORE_STATS_REPEAT_*),
 * "handoff" (sub the reason), "ticket" (a message left: value its repeat bits, the email
 * being given then), "queued", "assigned" (agent, value
 * the wait in the queue), "abandoned" (left the queue: value the wait), "first_response"
 * (agent, value ms from the case's creation), "solved" (sub "solved" or "closed"; agent;
 * value the resolution time, value2 the handling time since the assignment), "csat" (agent,
 * value the rating). NULL strings and -1 values are "none". On a walk every string is
 * borrowed for the call only. */
struct store_stats_event {
    long long ts; /* ms */
    const char *kind, *conv, *lang, *channel, *agent, *sub, *band;
    long long value, value2;
};
#define STORE_STATS_REPEAT_VISITOR 1 /* the same widget visitor had a case within 7 days */
#define STORE_STATS_REPEAT_EMAIL   2 /* the same email (given with consent) within 7 days */
#define STORE_STATS_REPEAT_MS      (7LL * 24 * 3600 * 1000)
/* Called per walked row; a non-zero return stops the walk and is returned. */
typedef int store_stats_fn(void *ctx, const struct store_stats_event *ev);

struct store_ops {
    void (*close)(struct store *s);
    int (*conv_create)(struct store *s,
                       const char *id,
                       const char *token_hash,
                       const char *lang,
                       long long now,
                       struct sn_err *err);
    int (*conv_by_token)(struct store *s,
                         const char *token_hash,
                         long long min_updated,
                         struct store_conv *out,
                         struct sn_err *err);
    int (*conv_save)(struct store *s,
                     const char *id,
                     const char *state,
                     const char *lang,
                     const void *dlg,
                     size_t dlg_len,
                     long long now,
                     struct sn_err *err);
    int (*msg_add)(
        struct store *s, const struct store_msg *m, long long *seq, int *dup, struct sn_err *err);
    int (*msg_each)(struct store *s,
                    const char *conv_id,
                    long long after,
                    int limit,
                    store_msg_fn *fn,
                    void *ctx,
                    struct sn_err *err);
    int (*msg_from)(struct store *s,
                    const char *conv_id,
                    long long seq,
                    char *from,
                    size_t from_size,
                    struct sn_err *err);
    int (*feedback_add)(struct store *s,
                        const char *conv_id,
                        long long seq,
                        int helpful,
                        long long now,
                        struct sn_err *err);
    int (*csat_set)(struct store *s,
                    const char *conv_id,
                    int rating,
                    const char *comment,
                    long long now,
                    struct sn_err *err);
    int (*msg_each_all)(struct store *s,
                        const char *conv_id,
                        long long after,
                        int limit,
                        store_msg_fn *fn,
                        void *ctx,
                        struct sn_err *err);
    int (*conv_route)(struct store *s,
                      const char *id,
                      const char *state,
                      long long agent_id,
                      long long queued_at,
                      const char *resolution,
                      long long now,
                      struct sn_err *err);
    int (*conv_get)(struct store *s, const char *id, struct store_route *out, struct sn_err *err);
    int (*conv_each)(struct store *s,
                     const char *state,
                     long long agent_id,
                     store_route_fn *fn,
                     void *ctx,
                     struct sn_err *err);
    int (*ticket_add)(struct store *s,
                      const struct store_ticket *t,
                      long long *id,
                      struct sn_err *err);
    int (*ticket_each)(
        struct store *s, int limit, store_ticket_fn *fn, void *ctx, struct sn_err *err);
    int (*canned_set)(struct store *s, const struct store_canned *c, struct sn_err *err);
    int (*canned_rm)(struct store *s, const char *shortcut, const char *lang, struct sn_err *err);
    int (*canned_each)(
        struct store *s, const char *lang, store_canned_fn *fn, void *ctx, struct sn_err *err);
    int (*att_add)(struct store *s, const struct store_att *a, struct sn_err *err);
    int (*att_get)(struct store *s, const char *id, struct store_att *out, struct sn_err *err);
    int (*att_count)(struct store *s, const char *conv_id, long long *n, struct sn_err *err);
    int (*att_conv_rm)(struct store *s,
                       const char *conv_id,
                       store_hash_fn *fn,
                       void *ctx,
                       int *removed,
                       struct sn_err *err);
    int (*profile_set)(struct store *s,
                       const char *conv_id,
                       const struct store_profile *p,
                       struct sn_err *err);
    int (*profile_get)(struct store *s,
                       const char *conv_id,
                       struct store_profile *out,
                       struct sn_err *err);
    int (*case_add)(struct store *s,
                    struct store_case *c,
                    const struct store_case_event *ev,
                    struct sn_err *err);
    int (*case_find)(struct store *s,
                     enum store_case_key key,
                     const char *value,
                     struct store_case *out,
                     struct sn_err *err);
    int (*case_record)(struct store *s,
                       const struct store_case *c,
                       const struct store_case_event *ev,
                       struct sn_err *err);
    int (*case_event_each)(
        struct store *s, long long case_id, store_case_event_fn *fn, void *ctx, struct sn_err *err);
    int (*ticket_get)(
        struct store *s, long long id, store_ticket_fn *fn, void *ctx, struct sn_err *err);
    int (*case_search)(struct store *s,
                       const struct store_case_filter *f,
                       store_case_found_fn *fn,
                       void *ctx,
                       long long *scan_end,
                       struct sn_err *err);
    void (*batch_begin)(struct store *s);
    int (*batch_end)(struct store *s, struct sn_err *err);
    int (*stats_add)(struct store *s, const struct store_stats_event *ev, struct sn_err *err);
    int (*stats_last)(
        struct store *s, const char *conv, const char *kind, long long *ts, struct sn_err *err);
    int (*stats_each)(struct store *s,
                      long long from,
                      long long to,
                      store_stats_fn *fn,
                      void *ctx,
                      struct sn_err *err);
    int (*stats_email_seen)(
        struct store *s, const char *conv, long long since, int *seen, struct sn_err *err);
};
/* Backends embed this as their first member. */
struct store {
    const struct store_ops *ops;
};

/* Rewrites a dialogue an older binary stored (data[0..len), in its owner's format) in the
 * form its owner stores today: a fresh string (free()), or NULL to keep it as it is. The
 * store never reads a dialogue; a migration hands each one to this hook
 * (bot_dialogue_upgrade). */
typedef char *store_dialogue_upgrade_fn(const void *data, size_t len);

/* Opens (creating when missing) the SQLite store at path. A file written by an older Sanad
 * is migrated to this binary's schema in one transaction (on failure the file is left as it
 * was; its dialogues are rewritten by upgrade, or kept as they are when upgrade is NULL);
 * one written by a newer Sanad is refused (SN_EDB) and left untouched. Returns a store
 * owned by the caller (store_close), or NULL with err set. */
struct store *
store_sqlite_open(const char *path, store_dialogue_upgrade_fn *upgrade, struct sn_err *err);
/* Closes s (NULL is fine): every committed write is on disk. */
void store_close(struct store *s);

/* Group commit. After store_batch_begin every write joins one transaction, begun by the
 * first of them, until store_batch_end commits it: N writes cost one commit. A write that
 * fails inside a batch undoes itself only, as outside. Reads see the batch's writes. Nothing
 * written in a batch is durable, nor seen by other connections, before store_batch_end
 * returns SN_OK: a caller must not acknowledge such a write before then. Batches do not
 * nest. */
void store_batch_begin(struct store *s);
/* Commits the batch and ends it (SN_OK when nothing was written). On failure every write of
 * the batch is rolled back (SN_EDB): none of them happened. */
int store_batch_end(struct store *s, struct sn_err *err);

/* A new conversation in state "bot" with last_seq 0. SN_ECONFLICT when id exists. */
int store_conv_create(struct store *s,
                      const char *id,
                      const char *token_hash,
                      const char *lang,
                      long long now,
                      struct sn_err *err);
/* The conversation whose token hashes to token_hash and whose last activity is at or after
 * min_updated, into *out (its dialogue owned by the caller). SN_ENOTFOUND when there is
 * none. */
int store_conv_by_token(struct store *s,
                        const char *token_hash,
                        long long min_updated,
                        struct store_conv *out,
                        struct sn_err *err);
/* Saves state, language, dialogue (dlg_len opaque bytes: the caller's format) and the
 * activity time. */
int store_conv_save(struct store *s,
                    const char *id,
                    const char *state,
                    const char *lang,
                    const void *dlg,
                    size_t dlg_len,
                    long long now,
                    struct sn_err *err);
/* Stores m under the conversation's next seq (one transaction; m->seq is ignored): *seq is
 * that seq and *dup = 0. With m->client_id already stored in this conversation nothing is
 * written: *dup = 1 and *seq is the original seq. */
int store_msg_add(
    struct store *s, const struct store_msg *m, long long *seq, int *dup, struct sn_err *err);
/* Calls fn for up to limit messages with seq > after, in seq order. Internal notes (sender
 * "note") are left out: this is the visitor's replay. */
int store_msg_each(struct store *s,
                   const char *conv_id,
                   long long after,
                   int limit,
                   store_msg_fn *fn,
                   void *ctx,
                   struct sn_err *err);
/* The sender ("bot", …) of message seq into from. SN_ENOTFOUND when there is none. */
int store_msg_from(struct store *s,
                   const char *conv_id,
                   long long seq,
                   char *from,
                   size_t from_size,
                   struct sn_err *err);
int store_feedback_add(struct store *s,
                       const char *conv_id,
                       long long seq,
                       int helpful,
                       long long now,
                       struct sn_err *err);
/* The visitor's rating (1..5) of a closed conversation and an optional comment (NULL: none);
 * a second rating replaces the first. */
int store_csat_set(struct store *s,
                   const char *conv_id,
                   int rating,
                   const char *comment,
                   long long now,
                   struct sn_err *err);

/* Like store_msg_each, internal notes included: the agents' transcript. */
int store_msg_each_all(struct store *s,
                       const char *conv_id,
                       long long after,
                       int limit,
                       store_msg_fn *fn,
                       void *ctx,
                       struct sn_err *err);
/* Sets the routing of conversation id: state ("queued", "agent", "closed", "bot"), the agent
 * holding it (0: none), when it was queued (ms) and the resolution (NULL: none).
 * SN_ENOTFOUND when there is no such conversation. */
int store_conv_route(struct store *s,
                     const char *id,
                     const char *state,
                     long long agent_id,
                     long long queued_at,
                     const char *resolution,
                     long long now,
                     struct sn_err *err);
/* The routing of conversation id into *out. SN_ENOTFOUND when there is none. */
int store_conv_get(struct store *s, const char *id, struct store_route *out, struct sn_err *err);
/* Calls fn for every conversation in state (and held by agent_id, unless 0), oldest
 * queued_at first; a non-zero return stops the walk and is returned. */
int store_conv_each(struct store *s,
                    const char *state,
                    long long agent_id,
                    store_route_fn *fn,
                    void *ctx,
                    struct sn_err *err);

/* Stores a ticket (t->id is ignored; status "open"); *id is its id. */
int store_ticket_add(struct store *s,
                     const struct store_ticket *t,
                     long long *id,
                     struct sn_err *err);
/* Calls fn for up to limit open tickets, newest first; a non-zero return stops the walk. */
int store_ticket_each(
    struct store *s, int limit, store_ticket_fn *fn, void *ctx, struct sn_err *err);

/* Calls fn once with ticket id (any status; consent filled, strings borrowed for the call)
 * and returns what fn returns. SN_ENOTFOUND when there is none. */
int store_ticket_get(
    struct store *s, long long id, store_ticket_fn *fn, void *ctx, struct sn_err *err);

/* Adds or replaces the canned response (c->shortcut, c->lang). Callers validate. */
int store_canned_set(struct store *s, const struct store_canned *c, struct sn_err *err);
/* Removes one canned response. SN_ENOTFOUND when there is none. */
int store_canned_rm(struct store *s, const char *shortcut, const char *lang, struct sn_err *err);
/* Calls fn for every canned response (only lang's, unless NULL), by shortcut then lang; a
 * non-zero return stops the walk and is returned. */
int store_canned_each(
    struct store *s, const char *lang, store_canned_fn *fn, void *ctx, struct sn_err *err);

/* Stores attachment a (its id, conversation, hash, type, size, name, created). SN_ECONFLICT
 * when the id exists or the conversation does not. */
int store_att_add(struct store *s, const struct store_att *a, struct sn_err *err);
/* The attachment id into *out. SN_ENOTFOUND when there is none. */
int store_att_get(struct store *s, const char *id, struct store_att *out, struct sn_err *err);
/* How many attachments conversation conv_id has, into *n. */
int store_att_count(struct store *s, const char *conv_id, long long *n, struct sn_err *err);
/* Removes every attachment row of conversation conv_id in one transaction (*removed: how
 * many), then calls fn for each of their hashes that no row of any conversation uses any
 * more: the files the caller may delete. Call it outside a batch (a file must not go before
 * its rows' removal is committed). */
int store_att_conv_rm(struct store *s,
                      const char *conv_id,
                      store_hash_fn *fn,
                      void *ctx,
                      int *removed,
                      struct sn_err *err);
/* Stores (or replaces) the visitor's profile of conversation conv_id. */
int store_profile_set(struct store *s,
                      const char *conv_id,
                      const struct store_profile *p,
                      struct sn_err *err);
/* The profile of conv_id into *out. SN_ENOTFOUND (out zeroed) when the visitor gave none. */
int store_profile_get(struct store *s,
                      const char *conv_id,
                      struct store_profile *out,
                      struct sn_err *err);

/* Stores case c (c->id is ignored, then filled) and its first event ev (ev->case_id is
 * ignored) in one transaction. SN_ECONFLICT when c->ref exists (draw another), SN_EDB. */
int store_case_add(struct store *s,
                   struct store_case *c,
                   const struct store_case_event *ev,
                   struct sn_err *err);
/* The case key names (value: a canonical reference, a conversation id, a visitor id) into
 * *out; the newest one for a conversation or a visitor. SN_ENOTFOUND (out zeroed). */
int store_case_find(struct store *s,
                    enum store_case_key key,
                    const char *value,
                    struct store_case *out,
                    struct sn_err *err);
/* Writes case c->id as c has it (every column but id, ref and created) and appends event ev
 * (ev->case_id is ignored: c->id) in one transaction: a move and its timeline row happen
 * together or not at all. SN_ENOTFOUND when there is no such case. */
int store_case_record(struct store *s,
                      const struct store_case *c,
                      const struct store_case_event *ev,
                      struct sn_err *err);
/* Appends ev to stats_events. SN_OK, SN_EDB. */
int store_stats_add(struct store *s, const struct store_stats_event *ev, struct sn_err *err);
/* *ts = the time of conv's newest stats row of kind, 0 when it has none. SN_OK, SN_EDB. */
int store_stats_last(
    struct store *s, const char *conv, const char *kind, long long *ts, struct sn_err *err);
/* For every conversation whose "conv" row has from <= ts < to, in the order of that time:
 * fn with the "conv" row, then with each of the conversation's other rows in the order they
 * were written. Reads stats_events only (one range of its start index). A non-zero return of
 * fn stops the walk and is returned; SN_EDB. */
int store_stats_each(struct store *s,
                     long long from,
                     long long to,
                     store_stats_fn *fn,
                     void *ctx,
                     struct sn_err *err);
/* *seen = 1 when an email conv was given with consent (its profile or a ticket of it) was
 * also given with consent in another conversation at or after since; 0 otherwise (conv has
 * no such email). Reads profiles and tickets, at the moment a case is made. SN_OK, SN_EDB. */
int store_stats_email_seen(
    struct store *s, const char *conv, long long since, int *seen, struct sn_err *err);
/* Opens the SQLite store at path read-only (sanad stats): no migration, no write; a file
 * of another schema version is refused (SN_EDB). Owned by the caller (store_close), or
 * NULL with err set. */
struct store *store_sqlite_open_ro(const char *path, struct sn_err *err);

/* Calls fn for every event of case case_id, oldest first (the order they were recorded); a
 * non-zero return stops the walk and is returned. */
int store_case_event_each(
    struct store *s, long long case_id, store_case_event_fn *fn, void *ctx, struct sn_err *err);
/* Calls fn for up to f->limit cases that meet every condition of f, newest (highest id)
 * first; a non-zero return stops the walk and is returned. The cases of one visitor are the
 * search with only visitor_id set. With f->text and f->scan, *scan_end (when not NULL) is the
 * lowest id of the window the text was matched in when the window was full (cases below it
 * were not looked at: the next call's before), else 0. SN_EINVAL for a limit out of range or
 * too many statuses (nothing read). */
int store_case_search(struct store *s,
                      const struct store_case_filter *f,
                      store_case_found_fn *fn,
                      void *ctx,
                      long long *scan_end,
                      struct sn_err *err);

#endif
