/* The agent wire protocol (docs/protocol.md, "Agent protocol"): decoding and validating
 * agent frames, encoding the frames agents and visitors get from routing. jansson stays in
 * the proto files; no sockets here. Error codes are those of bot/proto.h plus the agent
 * ones below; bot_agent_proto_err_name gives their wire strings. */
#ifndef SANAD_BOT_AGENT_PROTO_H
#define SANAD_BOT_AGENT_PROTO_H

#include <stddef.h>

#include "bot/proto.h"
#include "bot/store.h"

enum bot_agent_proto_err {
    BOT_AGENT_AT_CAPACITY = 100, /* take: the agent has agent_capacity chats already */
    BOT_AGENT_VISITOR_CONNECTED, /* case_reply: the visitor is here; answer in the chat */
    BOT_AGENT_CASE_CLOSED,       /* case_reply: the case is closed (spam): nothing to answer */
};
const char *bot_agent_proto_err_name(int code);

enum bot_agent_type {
    BOT_AGENT_IN_PRESENCE = 1,
    BOT_AGENT_IN_TAKE,
    BOT_AGENT_IN_REPLY,
    BOT_AGENT_IN_NOTE,
    BOT_AGENT_IN_CLOSE,
    BOT_AGENT_IN_PING,
    BOT_AGENT_IN_TRANSFER,
    BOT_AGENT_IN_TYPING,
    BOT_AGENT_IN_CASE_REPLY,
    BOT_AGENT_IN_ESCALATE
};

#define BOT_AGENT_RESOLUTION_MAX 64
#define BOT_AGENT_DEPT_MAX       32 /* a department id (config departments: [a-z0-9_-]) */

/* One decoded agent frame. text is owned by the frame (bot_agent_in_fini). */
struct bot_agent_in {
    int type;                                      /* enum bot_agent_type */
    int online;                                    /* presence */
    char conversation[STORE_ID_MAX];               /* take, reply, note, close */
    char client_id[BOT_PROTO_CLIENT_ID_MAX + 1];   /* reply (required), note (optional) */
    char resolution[BOT_AGENT_RESOLUTION_MAX + 1]; /* close */
    char to[65];                                   /* transfer: the other agent's login */
    /* escalate (optional), transfer (instead of to): a department id, or "" */
    char department[BOT_AGENT_DEPT_MAX + 1];
    /* reply, note: trimmed (NULL when an attachment goes without words); transfer: the reason
     * (its optional "note"), or NULL; escalate: the reason (required) */
    char *text;
    char attachment[BOT_PROTO_ATTACH_MAX + 1]; /* reply, note: an uploaded file's id, or "" */
    int on;                                    /* typing */
    /* case_reply: the case by its reference (canonical, bot_case_ref_parse) or the left
     * message by its ticket id; exactly one of them ("" / 0 for the other) */
    char case_ref[STORE_CASE_REF_MAX];
    long long ticket;
};
void bot_agent_in_fini(struct bot_agent_in *in);

/* Decodes one text frame, as bot_proto_decode does for visitors: SN_OK with *in filled
 * (caller finis it), or a refusal (bot_proto_refuse: err->detail the wire code) with *in
 * zeroed but a valid client_id kept. */
int bot_agent_proto_decode(
    const char *buf, size_t len, int max_text, struct bot_agent_in *in, struct sn_err *err);

/* Encoders: each returns JSON owned by the caller (free()), *len its length. */
char *bot_agent_proto_error(int code, const char *message, const char *client_id, size_t *len);
char *bot_agent_proto_welcome(const char *login,
                              const char *name,
                              const char *role,
                              const char *routing,
                              int capacity,
                              int online,
                              size_t *len);
char *bot_agent_proto_presence(int online, size_t *len);
char *bot_agent_proto_ack(const char *conv, const char *client_id, long long seq, size_t *len);
char *bot_agent_proto_closed(const char *conv, const char *resolution, size_t *len);
char *bot_agent_proto_assigned(const char *conv, const char *lang, const char *by, size_t *len);
/* The receiving agent's "assigned" after a transfer: by "transfer", "from" {login, name} (who
 * transferred) and "note" (the reason, or null when none was given). */
char *bot_agent_proto_assigned_transfer(const char *conv,
                                        const char *lang,
                                        const char *from_login,
                                        const char *from_name,
                                        const char *note,
                                        size_t *len);
/* The stored meta (a JSON object as text, owned by the caller: free()) of the internal note a
 * transfer's reason is kept as: {"transfer": {"from": {login, name}, "to": {login, name}}}. */
char *bot_agent_proto_transfer_meta(const char *from_login,
                                    const char *from_name,
                                    const char *to_login,
                                    const char *to_name);
/* What the visitor said of themself (the pre-chat form) as the agent sees it: the
 * "visitor" object {name, email, department, department_labels: {ar, en}} (null for a field
 * not given; labels only with a department), labels from the configured list (dept NULL:
 * an id no longer configured, shown as it is). */
struct bot_config_dept;
struct bot_agent_proto_list;
/* Who handed a conversation over, and why (the transfer's note, or NULL). */
struct bot_agent_proto_from {
    const char *login, *name, *note;
};
/* `assigned` with, after a transfer (from not NULL), "from" {login, name} and "note", the
 * "visitor" (p NULL: none) and the case's "case_ref" (NULL or "": none). Owned by the caller
 * (free()). */
char *bot_agent_proto_assigned_visitor(const char *conv,
                                       const char *lang,
                                       const char *by,
                                       const struct bot_agent_proto_from *from,
                                       const struct store_profile *p,
                                       const struct bot_config_dept *dept,
                                       const char *case_ref,
                                       size_t *len);
/* Adds "case_ref" to the chats item appended last (nothing when case_ref is NULL or ""). */
void bot_agent_proto_list_chat_case(struct bot_agent_proto_list *l, const char *case_ref);
/* Adds "visitor" to the chats item appended last (nothing when p is NULL or none is). */
void bot_agent_proto_list_chat_visitor(struct bot_agent_proto_list *l,
                                       const struct store_profile *p,
                                       const struct bot_config_dept *dept);

/* A list frame ({"type": type, "items": [...]}) built item by item. */
struct bot_agent_proto_list;
struct bot_agent_proto_list *bot_agent_proto_list_new(const char *type);
void bot_agent_proto_list_queue_item(struct bot_agent_proto_list *l,
                                     const char *conv,
                                     long long waiting_s,
                                     const char *lang,
                                     const char *last_question);
void bot_agent_proto_list_chat_item(struct bot_agent_proto_list *l,
                                    const char *conv,
                                    const char *lang,
                                    const char *state);
/* A "tickets" item: {id, conversation (null when none), lang, email (null), text, created}. */
void bot_agent_proto_list_ticket_item(struct bot_agent_proto_list *l, const struct store_ticket *t);
/* Adds to the tickets item appended last its case's "case_ref" (when case_ref is not NULL
 * or "") and "mail" {id, state, error} (state "queued", "sent" or "failed"; error null but
 * for a failure) of the newest reply by email (when mail_state is not NULL). */
void bot_agent_proto_list_ticket_mail(struct bot_agent_proto_list *l,
                                      const char *case_ref,
                                      long long mail_id,
                                      const char *mail_state,
                                      const char *error);
/* A "canned" item: {shortcut, lang, text}. */
void bot_agent_proto_list_canned_item(struct bot_agent_proto_list *l, const struct store_canned *c);
/* An "agents" item: {login, name, status ("online"/"away"), chats, capacity}. */
void bot_agent_proto_list_agent_item(struct bot_agent_proto_list *l,
                                     const char *login,
                                     const char *name,
                                     int online,
                                     int chats,
                                     int capacity);
char *bot_agent_proto_list_finish(struct bot_agent_proto_list *l, size_t *len);

/* {"type":"transcript","conversation":conv,"messages":[…]}: add each stored message in seq
 * order (its visitor-protocol object without "type", notes included), then finish. */
struct bot_agent_proto_list *bot_agent_proto_transcript_new(const char *conv);
void bot_agent_proto_transcript_add(struct bot_agent_proto_list *l, const struct store_msg *m);

/* The transcript's "seen_seq": the highest seq the visitor has seen (0: none known). */
void bot_agent_proto_transcript_seen(struct bot_agent_proto_list *l, long long seen_seq);

/* Live only (issue 14): {"type":"typing","conversation","on"}, the visitor's typing, and
 * {"type":"seen","conversation","seq"}, the highest seq the visitor has seen. */
char *bot_agent_proto_typing(const char *conv, int on, size_t *len);
char *bot_agent_proto_seen(const char *conv, long long seq, size_t *len);

/* A stored message relayed to the agent holding its conversation: the visitor-protocol
 * "message" frame (bot_proto_stored_message) with "conversation" (m->conv_id) added. */
char *bot_agent_proto_relay(const struct store_msg *m, size_t *len);

/* case_reply's answer: {"type":"case_replied", client_id, case_ref, ticket (null: none),
 * conversation, seq (the stored message), email ("queued", "no_address": no email given
 * with consent, "disabled": the server sends no email; "duplicate" for a client_id seen
 * before, which stored and queued nothing), mail (the outbox id, or null)}. */
char *bot_agent_proto_case_replied(const char *client_id,
                                   const char *case_ref,
                                   long long ticket,
                                   const char *conv,
                                   long long seq,
                                   const char *email,
                                   long long mail_id,
                                   size_t *len);
/* To every agent when a reply by email changes state: {"type":"case_mail", case_ref,
 * ticket (null: none), mail, state ("queued", "sent", "failed"), error (null but for a
 * failure)}. */
char *bot_agent_proto_case_mail(const char *case_ref,
                                long long ticket,
                                long long mail_id,
                                const char *state,
                                const char *error,
                                size_t *len);

/* The case timeline's details (JSON objects as text, owned by the caller: free()) of a
 * reply by email, agent_replied {"seq", "via": "email", "email" (as case_replied's), "mail"
 * (null: none)}, and of its delivery, email_sent / email_failed {"mail", "attempts", "error"
 * (null when sent)}. */
char *bot_agent_proto_reply_detail(long long seq, const char *email, long long mail_id);
char *bot_agent_proto_mail_detail(long long mail_id, int attempts, const char *error);

/* To visitors: the visitor's queue position; the close. (A message an agent writes is a
 * stored message: bot_proto_stored_message.) */
char *
bot_agent_proto_visitor_queue(int position, int eta_minutes, const char *case_ref, size_t *len);
char *bot_agent_proto_visitor_closed(const char *resolution, const char *case_ref, size_t *len);
/* {"type":"agent_joined","agent":{"name"}}: live only, after the stored "joined" message. */
char *bot_agent_proto_visitor_joined(const char *agent_name, const char *case_ref, size_t *len);

/* --- routing by department and priority, SLAs (issue 15) --- */

/* What a queue or chats item says of its case's routing. */
struct bot_agent_proto_routing {
    const char *case_ref;   /* NULL or "": no "case_ref" field (chats items have theirs) */
    const char *department; /* NULL or "": null */
    const struct bot_config_dept *dept; /* its labels ("department_labels"), NULL: the id */
    int priority;                       /* enum bot_priority (bot/sla.h): its name */
    int fallback;                       /* 0/1: "fallback"; -1: no such field (chats items) */
    int has_clock;                      /* 0: "sla" is null (no target applies, or no case) */
    int first_running, resolve_running; /* a running target's *_left_s is a number, else null */
    long first_left_s, resolve_left_s;
    int breached; /* BOT_SLA_FIRST | BOT_SLA_RESOLVE (bot/sla.h): the "breached" list */
};
/* Adds case_ref, department, department_labels {ar, en} (with a department), priority,
 * fallback and sla {first_left_s, resolve_left_s, breached} to the item appended last to l
 * (a "queue" or "chats" list). */
void bot_agent_proto_list_routing(struct bot_agent_proto_list *l,
                                  const struct bot_agent_proto_routing *r);
/* {"type":"sla_breach","conversation","case_ref","target","department" (null: none),
 * "priority"}: a target (BOT_SLA_FIRST: "first", else "resolve") of a case was missed.
 * Owned by the caller (free()). */
char *bot_agent_proto_sla_breach(const char *conv,
                                 const char *case_ref,
                                 int target,
                                 const char *department,
                                 int priority,
                                 size_t *len);
/* Escalation tiers (issue 15). To visitors: {"type":"case","case_ref","status","department":
 * {"id","label"} (null when dept_id is NULL or ""),"tier"}, the case's current status in
 * words the widget shows. Owned by the caller (free()). */
char *bot_agent_proto_visitor_case(const char *case_ref,
                                   const char *status,
                                   const char *dept_id,
                                   const char *dept_label,
                                   int tier,
                                   size_t *len);
/* Adds "department" (the case's, null when NULL or "") and "tier" to the chats item appended
 * last: what the console's escalation picker starts from. */
void bot_agent_proto_list_chat_tier(struct bot_agent_proto_list *l, const char *dept, int tier);
/* Appends {id, labels {ar, en}, online (its agents online), escalation (the escalation map's
 * second line for it, or null)} to the list's "departments" array (made at the first call):
 * the `agents` frame's departments a transfer or an escalation may go to. */
void bot_agent_proto_list_dept_item(struct bot_agent_proto_list *l,
                                    const struct bot_config_dept *d,
                                    int online,
                                    const char *escalation);
/* The stored meta (owned by the caller: free()) of the internal note an escalation's or a
 * department transfer's reason is kept as: {"escalate": {"from", "to", "tier"}} (departments,
 * from null when none) or {"transfer": {"from": {login, name}, "to_department": id}}. */
char *bot_agent_proto_escalate_meta(const char *from_dept, const char *to_dept, int tier);
char *bot_agent_proto_dept_transfer_meta(const char *from_login,
                                         const char *from_name,
                                         const char *to_dept);

#endif
