/* The visitor wire protocol (docs/protocol.md): decoding and validating visitor frames,
 * encoding server frames, and the stable error-code strings. jansson stays inside proto.c;
 * no sockets here. */
#ifndef SANAD_BOT_PROTO_H
#define SANAD_BOT_PROTO_H

#include <stddef.h>

#include "kb/base.h"

struct bot_turn;
struct json_t;
struct store_msg;
struct store_att;

/* Wire error codes; bot_proto_err_name gives the string of docs/protocol.md. */
enum bot_proto_err {
    BOT_PROTO_OK = 0,
    BOT_PROTO_BAD_JSON,
    BOT_PROTO_BAD_UTF8,
    BOT_PROTO_UNKNOWN_TYPE,
    BOT_PROTO_BAD_FIELD,
    BOT_PROTO_HELLO_FIRST,
    BOT_PROTO_TOO_BIG,
    BOT_PROTO_TOO_LONG,
    BOT_PROTO_EMPTY,
    BOT_PROTO_RATE_LIMITED,
    BOT_PROTO_BAD_TOKEN,
    BOT_PROTO_NOT_FOUND,
    BOT_PROTO_INTERNAL
};
const char *bot_proto_err_name(int code);

/* A decoder's refusal of a frame in the project's error convention: err->code SN_ETOOBIG
 * for too_long and too_big, else SN_EINVAL (returned); err->detail the wire code (enum
 * bot_proto_err) the error frame names; err->msg the reason, formatted. err may be NULL. */
int bot_proto_refuse(struct sn_err *err, int wire, const char *fmt, ...) SN_PRINTF(3, 4);

enum bot_proto_type {
    BOT_IN_HELLO = 1,
    BOT_IN_MESSAGE,
    BOT_IN_PICK,
    BOT_IN_FEEDBACK,
    BOT_IN_HANDOFF,
    BOT_IN_TYPING,
    BOT_IN_PING,
    BOT_IN_CSAT,
    BOT_IN_LEAVE_QUEUE,
    BOT_IN_LEAVE_MESSAGE,
    BOT_IN_SEEN,
    BOT_IN_PROFILE,
    BOT_IN_TRANSCRIPT_EMAIL
};

#define BOT_PROTO_TOKEN_MAX     128
#define BOT_PROTO_CLIENT_ID_MAX 64
#define BOT_PROTO_KB_ID_MAX     63
#define BOT_PROTO_EMAIL_MAX     254 /* BOT_EMAIL_MAX */
#define BOT_PROTO_ATTACH_MAX    32  /* an attachment id: 32 hex digits (bot/attach.h) */
#define BOT_PROTO_NAME_MAX      100 /* characters of a profile's name */
#define BOT_PROTO_DEPT_MAX      32  /* bytes of a department id (BOT_CONFIG_DEPT_ID_MAX) */
#define BOT_PROTO_VISITOR_MIN   16  /* a widget's persistent visitor id: 16..64 of [A-Za-z0-9_-] */
#define BOT_PROTO_VISITOR_MAX   64

/* One decoded visitor frame. text is owned by the frame (bot_proto_in_fini); the rest is
 * inline. Fields absent from the frame are "" / 0 / -1 as stated. */
struct bot_proto_in {
    int type;                                    /* enum bot_proto_type */
    char token[BOT_PROTO_TOKEN_MAX + 1];         /* hello: "" when absent or null */
    char lang[3];                                /* hello: "ar", "en" or "" */
    long long last_seq;                          /* hello: 0 when absent */
    char client_id[BOT_PROTO_CLIENT_ID_MAX + 1]; /* message/pick/handoff: "" when absent */
    char kb_id[BOT_PROTO_KB_ID_MAX + 1];         /* pick */
    char *text;                                  /* message: trimmed, NUL-terminated */
    long long seq;                               /* feedback; seen: the highest seq seen */
    int helpful;                                 /* feedback */
    int on;                                      /* typing */
    int rating;                                  /* csat: 1..5 (its comment is in text, or NULL) */
    char email[BOT_PROTO_EMAIL_MAX + 1];         /* leave_message: "" when absent */
    int consent;                                 /* leave_message, profile */
    char attachment[BOT_PROTO_ATTACH_MAX + 1];   /* message: an uploaded file's id, or "";
                                                  * with one, text may be empty (NULL) */
    /* profile: the name is in text (trimmed; NULL when none), the email above */
    char department[BOT_PROTO_DEPT_MAX + 1]; /* profile: "" when absent */
    char visitor[BOT_PROTO_VISITOR_MAX + 1]; /* hello: the widget's visitor id, "" when absent */
};
void bot_proto_in_fini(struct bot_proto_in *in);

/* Decodes one text frame of len bytes. max_text is the character limit of `text`.
 * Returns SN_OK with *in filled (caller finis it), or SN_EINVAL / SN_ETOOBIG (too_long)
 * with *in zeroed, err set (err->detail the wire error code, err->msg the reason in
 * English) and client_id copied into in->client_id when the frame had a valid one (so the
 * error can name it). */
int bot_proto_decode(
    const char *buf, size_t len, int max_text, struct bot_proto_in *in, struct sn_err *err);

/* Encoders. Each returns a NUL-terminated JSON text owned by the caller (free()), never
 * NULL; *len (when not NULL) is its length. */
char *bot_proto_error(int code, const char *message, const char *client_id, size_t *len);
char *bot_proto_ack(const char *client_id, long long seq, size_t *len);
char *bot_proto_pong(size_t *len);
char *bot_proto_csat_ok(int rating, size_t *len);
/* {"type":"offline","reason":reason,"case_ref"}: nobody can answer a handoff now. Here and
 * in every frame that takes one, case_ref NULL or "" leaves the key out. */
char *bot_proto_offline(const char *reason, const char *case_ref, size_t *len);
char *bot_proto_message_left(long long ticket, const char *case_ref, size_t *len);
/* Adds "case_ref" to object o (borrowed) unless case_ref is NULL or "". Returns o. */
struct json_t *bot_proto_set_case_ref(struct json_t *o, const char *case_ref);
/* {"type":"typing","from":"agent","on":on}: the agent's typing, live only (never stored). */
char *bot_proto_typing(int on, size_t *len);
/* {"type":"profile_ok"}: the pre-chat form's answers are stored. */
char *bot_proto_profile_ok(size_t *len);
/* {"type":"transcript_emailed"}: the transcript is queued to the visitor's email. */
char *bot_proto_transcript_emailed(size_t *len);

struct bot_config;
struct bot_proto_welcome {
    const char *token, *conversation, *state, *bot_name;
    int resumed, max_text, max_frame;
    int max_attachment; /* bytes of an upload (attachment_max_bytes); 0: left out */
    /* the pre-chat form: prechat {fields, departments (labels in lang), done} when cfg asks
     * for one (cfg NULL or cfg->prechat 0: no key); done when the visitor gave a profile */
    const struct bot_config *cfg;
    const char *lang;
    int prechat_done;
    int transcript_email; /* 1: the server sends transcripts by email ("transcript_email") */
};
char *bot_proto_welcome(const struct bot_proto_welcome *w, size_t *len);

/* A stored transcript message (bot/store.h) as the visitor protocol's "message" frame: the
 * one encoder for both the live frame sent once it is stored and its replay, so the two
 * cannot differ. Keys in this order: type, seq, from, text, ts; for a bot: is_bot, kind,
 * kb_id, band, intent; then m->meta's keys in their order (a key above wins, and meta that
 * is not a JSON object is left out); a visitor's client_id; an agent's {"name"}; and for a
 * note (sender "note": the agents' eyes only) from "agent" with "note": true. */
char *bot_proto_stored_message(const struct store_msg *m, size_t *len);
/* The same as a JSON object owned by the caller (json_decref), for the agent protocol's
 * frames that carry a stored message (bot/agent_proto.c). Never NULL. */
struct json_t *bot_proto_stored_object(const struct store_msg *m);
/* What a bot turn carries beyond the store's columns, as the text for store_msg.meta: a JSON
 * object {lang, suggestions: [{kb_id, question}], ask_feedback, offer_human} owned by the
 * caller (free()). */
char *bot_proto_turn_meta(const struct bot_turn *t);

/* The optional "attachment" field of a message or reply frame o: absent or null is none
 * ("" in out), else an attachment id (32 lower-case hex digits) copied into out, or the
 * refusal (bad_field). Shared by both decoders. */
int bot_proto_attachment_field(struct json_t *o,
                               char out[BOT_PROTO_ATTACH_MAX + 1],
                               struct sn_err *err);
/* What a message carrying attachment a stores as store_msg.meta, so that every frame of it
 * (live, replayed, an agent's transcript) carries "attachment": {id, url, type, size, name}:
 * a JSON object as text owned by the caller (free()). */
char *bot_proto_attachment_meta(const struct store_att *a);

/* A copy (caller free()s it) of valid UTF-8 s[0..n) without Unicode white space at either end. */
char *bot_proto_trim_dup(const char *s, size_t n);
/* True when s is 1..max characters of [A-Za-z0-9_-] (client_id, conversation ids). */
int bot_proto_valid_id(const char *s, size_t max);

/* Number of characters (code points) of valid UTF-8 s[0..n). */
size_t bot_proto_utf8_chars(const char *s, size_t n);

/* Shared by the visitor and agent decoders: parses one text frame into a JSON object
 * (*out, owned by the caller: json_decref), copies a valid client_id into client_id (even
 * when the frame is refused later, so the error can name it) and points *type at its type
 * (borrowed from *out). SN_OK, or a refusal (bot_proto_refuse: bad_utf8 / bad_json /
 * unknown_type) and *out NULL. */
int bot_proto_load(const char *buf,
                   size_t len,
                   struct json_t **out,
                   const char **type,
                   char client_id[BOT_PROTO_CLIENT_ID_MAX + 1],
                   struct sn_err *err);

/* Shared by both decoders: the text field key of object o, trimmed, not empty, at most
 * max_text characters, into *out (a fresh string owned by the caller), else the refusal
 * (bot_proto_refuse: bad_field / too_long / empty) and *out untouched. Not required:
 * absent or null is fine, and blank text is none. */
int bot_proto_text_field(
    struct json_t *o, const char *key, int required, int max_text, char **out, struct sn_err *err);
/* Encodes o compactly and releases it; the text is owned by the caller (free()). Aborts on
 * OOM (o NULL included: a json_pack that failed is a programming error or OOM). */
char *bot_proto_dump(struct json_t *o, size_t *len);

#endif
