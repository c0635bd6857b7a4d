/* Agent frames in, routing frames out (docs/protocol.md, "Agent protocol"). Every check an
 * agent frame must pass lives here, with the same rules as visitor frames (proto.c). */
#include "bot/agent_proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/case.h"
#include "bot/config.h"
#include "bot/sla.h"

const char *bot_agent_proto_err_name(int code)
{
    if (code == BOT_AGENT_AT_CAPACITY)
        return "at_capacity";
    if (code == BOT_AGENT_VISITOR_CONNECTED)
        return "visitor_connected";
    if (code == BOT_AGENT_CASE_CLOSED)
        return "case_closed";
    return bot_proto_err_name(code);
}

void bot_agent_in_fini(struct bot_agent_in *in)
{
    if (!in)
        return;
    free(in->text);
    memset(in, 0, sizeof *in);
}

/* A required id-like string field ([A-Za-z0-9_-], 1..max) copied into out. */
static int id_field(json_t *o, const char *key, size_t max, char *out, struct sn_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || !bot_proto_valid_id(json_string_value(v), max))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "%s must be a string of 1..%zu characters [A-Za-z0-9_-]", key, max);
    strcpy(out, json_string_value(v));
    return SN_OK;
}

typedef int agent_decoder(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err);

static int dec_none(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    (void)o, (void)max_text, (void)in, (void)err;
    return SN_OK;
}

static int dec_presence(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    (void)max_text;
    json_t *v = json_object_get(o, "status");
    if (!json_is_string(v) ||
        (strcmp(json_string_value(v), "online") && strcmp(json_string_value(v), "away")))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "status must be \"online\" or \"away\"");
    in->online = !strcmp(json_string_value(v), "online");
    return SN_OK;
}

/* Frames about one conversation name it first. */
static int conversation(json_t *o, struct bot_agent_in *in, struct sn_err *err)
{
    return id_field(o, "conversation", STORE_ID_MAX - 1, in->conversation, err);
}

static int dec_take(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    (void)max_text;
    return conversation(o, in, err);
}

/* A reply needs a client_id (it is acknowledged); a note may carry one. Either may carry an
 * attachment, and then its text may be empty or absent. */
static int dec_text(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    json_t *cid = json_object_get(o, "client_id");
    int rc = conversation(o, in, err);
    if (!rc && (in->type == BOT_AGENT_IN_REPLY || (cid && !json_is_null(cid))))
        rc = id_field(o, "client_id", BOT_PROTO_CLIENT_ID_MAX, in->client_id, err);
    if (!rc)
        rc = bot_proto_attachment_field(o, in->attachment, err);
    return rc ? rc : bot_proto_text_field(o, "text", !in->attachment[0], max_text, &in->text, err);
}

static int dec_close(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    (void)max_text;
    int rc = conversation(o, in, err);
    return rc ? rc : id_field(o, "resolution", BOT_AGENT_RESOLUTION_MAX, in->resolution, err);
}

/* A department id ([a-z0-9_-], 1..BOT_AGENT_DEPT_MAX: the config's rule) into in; absent or
 * null leaves "" when not required. Whether it is configured is the queue's check. */
static int dept_field(json_t *o, int required, struct bot_agent_in *in, struct sn_err *err)
{
    json_t *v = json_object_get(o, "department");
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = t ? strlen(t) : 0;
    if (!required && (!v || json_is_null(v)))
        return SN_OK;
    if (!t || n < 1 || n > BOT_AGENT_DEPT_MAX || n != json_string_length(v) ||
        strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "department must be a department id (1..%d of [a-z0-9_-])",
                                BOT_AGENT_DEPT_MAX);
    memcpy(in->department, t, n + 1);
    return SN_OK;
}

/* An escalation (issue 15): the chat, the second line (optional: the escalation map's) and
 * the reason, required. */
static int dec_escalate(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    int rc = conversation(o, in, err);
    if (!rc)
        rc = dept_field(o, 0, in, err);
    return rc ? rc : bot_proto_text_field(o, "note", 1, max_text, &in->text, err);
}

static int dec_transfer(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    int rc = conversation(o, in, err);
    if (rc)
        return rc;
    json_t *dept = json_object_get(o, "department");
    if (dept && !json_is_null(dept)) { /* to a department's queue: one of the two */
        if (json_object_get(o, "to"))
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                    "give either to (an agent) or department, not both");
        rc = dept_field(o, 1, in, err);
        return rc ? rc : bot_proto_text_field(o, "note", 0, max_text, &in->text, err);
    }
    /* logins are [a-z0-9._-]{2,64} (sanad user) */
    json_t *v = json_object_get(o, "to");
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = t ? strlen(t) : 0;
    if (!t || n < 2 || n > 64 || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "to must be an agent login");
    memcpy(in->to, t, n + 1);
    /* the reason, for the receiving agent: optional, bounded like a note */
    return bot_proto_text_field(o, "note", 0, max_text, &in->text, err);
}

/* The agent's typing in one of its chats (issue 14). */
static int dec_typing(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    (void)max_text;
    int rc = conversation(o, in, err);
    if (rc)
        return rc;
    json_t *v = json_object_get(o, "on");
    if (!json_is_boolean(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "on must be true or false");
    in->on = json_is_true(v);
    return SN_OK;
}

/* An answer to a case whose visitor has gone (issue 15): the case by "case" (a reference
 * as a visitor would type it, bot_case_ref_parse) or the left message by "ticket" (a
 * positive id), never both; the words (required, bounded as a reply) and a client_id (it is
 * acknowledged and makes a resend harmless). */
static int dec_case_reply(json_t *o, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    json_t *c = json_object_get(o, "case"), *t = json_object_get(o, "ticket");
    int has_c = c && !json_is_null(c), has_t = t && !json_is_null(t);
    if (has_c == has_t)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "give either case or ticket");
    if (has_c) {
        const char *v = json_is_string(c) ? json_string_value(c) : NULL;
        if (!v || bot_case_ref_parse(v, json_string_length(c), in->case_ref))
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                    "case must be a case reference, e.g. S-7K3M9Q");
    } else {
        if (!json_is_integer(t) || json_integer_value(t) <= 0)
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "ticket must be a positive id");
        in->ticket = (long long)json_integer_value(t);
    }
    int rc = id_field(o, "client_id", BOT_PROTO_CLIENT_ID_MAX, in->client_id, err);
    return rc ? rc : bot_proto_text_field(o, "text", 1, max_text, &in->text, err);
}

/* The agent's frame types: a new one is a row here and its decoder. */
static const struct {
    const char *name;
    enum bot_agent_type type;
    agent_decoder *decode;
} frame_types[] = {
    {"ping", BOT_AGENT_IN_PING, dec_none},
    {"presence", BOT_AGENT_IN_PRESENCE, dec_presence},
    {"take", BOT_AGENT_IN_TAKE, dec_take},
    {"reply", BOT_AGENT_IN_REPLY, dec_text},
    {"note", BOT_AGENT_IN_NOTE, dec_text},
    {"close", BOT_AGENT_IN_CLOSE, dec_close},
    {"transfer", BOT_AGENT_IN_TRANSFER, dec_transfer},
    {"typing", BOT_AGENT_IN_TYPING, dec_typing},
    {"case_reply", BOT_AGENT_IN_CASE_REPLY, dec_case_reply},
    {"escalate", BOT_AGENT_IN_ESCALATE, dec_escalate},
};

static int decode_fields(
    json_t *o, const char *type, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    for (size_t i = 0; i < sizeof frame_types / sizeof *frame_types; i++)
        if (!strcmp(type, frame_types[i].name)) {
            in->type = frame_types[i].type;
            return frame_types[i].decode(o, max_text, in, err);
        }
    return bot_proto_refuse(err, BOT_PROTO_UNKNOWN_TYPE, "unknown type");
}

int bot_agent_proto_decode(
    const char *buf, size_t len, int max_text, struct bot_agent_in *in, struct sn_err *err)
{
    json_t *o = NULL;
    const char *type = NULL;
    int rc;
    memset(in, 0, sizeof *in);
    rc = bot_proto_load(buf, len, &o, &type, in->client_id, err);
    if (rc == SN_OK)
        rc = decode_fields(o, type, max_text, in, err);
    json_decref(o);
    if (rc != SN_OK) {
        char keep[sizeof in->client_id];
        memcpy(keep, in->client_id, sizeof keep);
        bot_agent_in_fini(in);
        memcpy(in->client_id, keep, sizeof keep);
    }
    return rc;
}

char *bot_agent_proto_error(int code, const char *message, const char *client_id, size_t *len)
{
    const char *name = bot_agent_proto_err_name(code);
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", "error", "code", name, "message",
                          message ? message : name);
    if (client_id && *client_id)
        json_object_set_new(o, "client_id", json_string(client_id));
    return bot_proto_dump(o, len);
}

char *bot_agent_proto_welcome(const char *login,
                              const char *name,
                              const char *role,
                              const char *routing,
                              int capacity,
                              int online,
                              size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:i, s:s}", "type", "welcome",
                                    "agent", "login", login, "name", name, "role", role, "routing",
                                    routing, "capacity", capacity, "status",
                                    online ? "online" : "away"),
                          len);
}

char *bot_agent_proto_presence(int online, size_t *len)
{
    return bot_proto_dump(
        json_pack("{s:s, s:s}", "type", "presence", "status", online ? "online" : "away"), len);
}

char *bot_agent_proto_ack(const char *conv, const char *client_id, long long seq, size_t *len)
{
    json_t *o =
        json_pack("{s:s, s:s, s:I}", "type", "ack", "conversation", conv, "seq", (json_int_t)seq);
    if (client_id && *client_id)
        json_object_set_new(o, "client_id", json_string(client_id));
    return bot_proto_dump(o, len);
}

char *bot_agent_proto_closed(const char *conv, const char *resolution, size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:s}", "type", "closed", "conversation", conv,
                                    "resolution", resolution),
                          len);
}

char *bot_agent_proto_assigned(const char *conv, const char *lang, const char *by, size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:s, s:s}", "type", "assigned", "conversation",
                                    conv, "lang", lang, "by", by),
                          len);
}

char *bot_agent_proto_assigned_transfer(const char *conv,
                                        const char *lang,
                                        const char *from_login,
                                        const char *from_name,
                                        const char *note,
                                        size_t *len)
{
    const struct bot_agent_proto_from f = {from_login, from_name, note};
    return bot_agent_proto_assigned_visitor(conv, lang, "transfer", &f, NULL, NULL, NULL, len);
}

char *bot_agent_proto_transfer_meta(const char *from_login,
                                    const char *from_name,
                                    const char *to_login,
                                    const char *to_name)
{
    return bot_proto_dump(json_pack("{s:{s:{s:s, s:s}, s:{s:s, s:s}}}", "transfer", "from", "login",
                                    from_login, "name", from_name, "to", "login", to_login, "name",
                                    to_name),
                          NULL);
}

struct bot_agent_proto_list {
    json_t *o, *items;
};

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *visitor_object(const struct store_profile *p, const struct bot_config_dept *dept)
{
    json_t *v = json_object();
    json_object_set_new(v, "name", str_or_null(p->name));
    json_object_set_new(v, "email", str_or_null(p->email));
    json_object_set_new(v, "department", str_or_null(p->department));
    if (p->department[0])
        json_object_set_new(
            v, "department_labels",
            dept ? json_pack("{s:s, s:s}", "ar", dept->ar, "en", dept->en)
                 : json_pack("{s:s, s:s}", "ar", p->department, "en", p->department));
    return v;
}

char *bot_agent_proto_assigned_visitor(const char *conv,
                                       const char *lang,
                                       const char *by,
                                       const struct bot_agent_proto_from *from,
                                       const struct store_profile *p,
                                       const struct bot_config_dept *dept,
                                       const char *case_ref,
                                       size_t *len)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "assigned", "conversation", conv, "lang",
                          lang, "by", by);
    bot_proto_set_case_ref(o, case_ref);
    if (o && from) {
        json_object_set_new(o, "from",
                            json_pack("{s:s, s:s}", "login", from->login, "name", from->name));
        json_object_set_new(o, "note", from->note ? json_string(from->note) : json_null());
    }
    if (o && p)
        json_object_set_new(o, "visitor", visitor_object(p, dept));
    return bot_proto_dump(o, len);
}

void bot_agent_proto_list_chat_case(struct bot_agent_proto_list *l, const char *case_ref)
{
    size_t n = json_array_size(l->items);
    if (n)
        bot_proto_set_case_ref(json_array_get(l->items, n - 1), case_ref);
}

void bot_agent_proto_list_chat_visitor(struct bot_agent_proto_list *l,
                                       const struct store_profile *p,
                                       const struct bot_config_dept *dept)
{
    size_t n = json_array_size(l->items);
    if (p && n)
        json_object_set_new(json_array_get(l->items, n - 1), "visitor", visitor_object(p, dept));
}

static struct bot_agent_proto_list *list_new(const char *type, const char *key)
{
    struct bot_agent_proto_list *l = sn_xcalloc(1, sizeof *l);
    l->o = json_pack("{s:s}", "type", type);
    l->items = json_array();
    json_object_set_new(l->o, key, l->items); /* l->items is borrowed from l->o */
    return l;
}

struct bot_agent_proto_list *bot_agent_proto_list_new(const char *type)
{
    return list_new(type, "items");
}

void bot_agent_proto_list_queue_item(struct bot_agent_proto_list *l,
                                     const char *conv,
                                     long long waiting_s,
                                     const char *lang,
                                     const char *last_question)
{
    json_t *it = json_pack("{s:s, s:I, s:s, s:s?}", "conversation", conv, "waiting_s",
                           (json_int_t)waiting_s, "lang", lang, "last_question",
                           last_question && *last_question ? last_question : NULL);
    if (it)
        json_array_append_new(l->items, it);
}

void bot_agent_proto_list_chat_item(struct bot_agent_proto_list *l,
                                    const char *conv,
                                    const char *lang,
                                    const char *state)
{
    json_t *it = json_pack("{s:s, s:s, s:s}", "conversation", conv, "lang", lang, "state", state);
    if (it)
        json_array_append_new(l->items, it);
}

void bot_agent_proto_list_ticket_item(struct bot_agent_proto_list *l, const struct store_ticket *t)
{
    json_t *it =
        json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)t->id, "lang", t->lang ? t->lang : "ar",
                  "text", t->text ? t->text : "", "created", (json_int_t)t->created);
    if (!it)
        return;
    json_object_set_new(it, "conversation",
                        t->conv_id && *t->conv_id ? json_string(t->conv_id) : json_null());
    json_object_set_new(it, "email", t->email ? json_string(t->email) : json_null());
    json_array_append_new(l->items, it);
}

void bot_agent_proto_list_ticket_mail(struct bot_agent_proto_list *l,
                                      const char *case_ref,
                                      long long mail_id,
                                      const char *mail_state,
                                      const char *error)
{
    size_t n = json_array_size(l->items);
    if (!n)
        return;
    json_t *it = json_array_get(l->items, n - 1);
    bot_proto_set_case_ref(it, case_ref);
    if (mail_state)
        json_object_set_new(it, "mail",
                            json_pack("{s:I, s:s, s:o}", "id", (json_int_t)mail_id, "state",
                                      mail_state, "error", str_or_null(error)));
}

void bot_agent_proto_list_canned_item(struct bot_agent_proto_list *l, const struct store_canned *c)
{
    json_t *it = json_pack("{s:s, s:s, s:s}", "shortcut", c->shortcut ? c->shortcut : "", "lang",
                           c->lang ? c->lang : "ar", "text", c->text ? c->text : "");
    if (it)
        json_array_append_new(l->items, it);
}

void bot_agent_proto_list_agent_item(struct bot_agent_proto_list *l,
                                     const char *login,
                                     const char *name,
                                     int online,
                                     int chats,
                                     int capacity)
{
    json_t *it = json_pack("{s:s, s:s, s:s, s:i, s:i}", "login", login, "name", name, "status",
                           online ? "online" : "away", "chats", chats, "capacity", capacity);
    if (it)
        json_array_append_new(l->items, it);
}

char *bot_agent_proto_list_finish(struct bot_agent_proto_list *l, size_t *len)
{
    char *s = bot_proto_dump(l->o, len);
    free(l);
    return s;
}

struct bot_agent_proto_list *bot_agent_proto_transcript_new(const char *conv)
{
    struct bot_agent_proto_list *l = list_new("transcript", "messages");
    json_object_set_new(l->o, "conversation", json_string(conv));
    return l;
}

void bot_agent_proto_transcript_add(struct bot_agent_proto_list *l, const struct store_msg *m)
{
    json_t *o = bot_proto_stored_object(m);
    json_object_del(o, "type");
    json_array_append_new(l->items, o);
}

void bot_agent_proto_transcript_seen(struct bot_agent_proto_list *l, long long seen_seq)
{
    json_object_set_new(l->o, "seen_seq", json_integer((json_int_t)seen_seq));
}

char *bot_agent_proto_typing(const char *conv, int on, size_t *len)
{
    return bot_proto_dump(
        json_pack("{s:s, s:s, s:b}", "type", "typing", "conversation", conv, "on", on), len);
}

char *bot_agent_proto_seen(const char *conv, long long seq, size_t *len)
{
    return bot_proto_dump(
        json_pack("{s:s, s:s, s:I}", "type", "seen", "conversation", conv, "seq", (json_int_t)seq),
        len);
}

char *bot_agent_proto_relay(const struct store_msg *m, size_t *len)
{
    json_t *o = bot_proto_stored_object(m);
    json_object_set_new(o, "conversation", json_string(m->conv_id));
    return bot_proto_dump(o, len);
}

static json_t *id_or_null(long long id)
{
    return id > 0 ? json_integer((json_int_t)id) : json_null();
}

char *bot_agent_proto_case_replied(const char *client_id,
                                   const char *case_ref,
                                   long long ticket,
                                   const char *conv,
                                   long long seq,
                                   const char *email,
                                   long long mail_id,
                                   size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:s, s:o}", "type",
                                    "case_replied", "client_id", client_id, "case_ref", case_ref,
                                    "ticket", id_or_null(ticket), "conversation", conv, "seq",
                                    (json_int_t)seq, "email", email, "mail", id_or_null(mail_id)),
                          len);
}

char *bot_agent_proto_case_mail(const char *case_ref,
                                long long ticket,
                                long long mail_id,
                                const char *state,
                                const char *error,
                                size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:o, s:I, s:s, s:o}", "type", "case_mail",
                                    "case_ref", case_ref, "ticket", id_or_null(ticket), "mail",
                                    (json_int_t)mail_id, "state", state, "error",
                                    str_or_null(error)),
                          len);
}

char *bot_agent_proto_reply_detail(long long seq, const char *email, long long mail_id)
{
    return bot_proto_dump(json_pack("{s:I, s:s, s:s, s:o}", "seq", (json_int_t)seq, "via", "email",
                                    "email", email, "mail", id_or_null(mail_id)),
                          NULL);
}

char *bot_agent_proto_mail_detail(long long mail_id, int attempts, const char *error)
{
    return bot_proto_dump(json_pack("{s:I, s:i, s:o}", "mail", (json_int_t)mail_id, "attempts",
                                    attempts, "error", str_or_null(error)),
                          NULL);
}

char *
bot_agent_proto_visitor_queue(int position, int eta_minutes, const char *case_ref, size_t *len)
{
    return bot_proto_dump(
        bot_proto_set_case_ref(json_pack("{s:s, s:i, s:i}", "type", "queue", "position", position,
                                         "eta_minutes", eta_minutes),
                               case_ref),
        len);
}

char *bot_agent_proto_visitor_closed(const char *resolution, const char *case_ref, size_t *len)
{
    return bot_proto_dump(
        bot_proto_set_case_ref(json_pack("{s:s, s:s}", "type", "closed", "resolution", resolution),
                               case_ref),
        len);
}

char *bot_agent_proto_visitor_joined(const char *agent_name, const char *case_ref, size_t *len)
{
    return bot_proto_dump(bot_proto_set_case_ref(json_pack("{s:s, s:{s:s}}", "type", "agent_joined",
                                                           "agent", "name", agent_name),
                                                 case_ref),
                          len);
}

/* --- routing by department and priority, SLAs --------------------------------------------- */

static json_t *opt_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *sla_object(const struct bot_agent_proto_routing *r)
{
    if (!r->has_clock)
        return json_null();
    json_t *b = json_array();
    if (r->breached & BOT_SLA_FIRST)
        json_array_append_new(b, json_string("first"));
    if (r->breached & BOT_SLA_RESOLVE)
        json_array_append_new(b, json_string("resolve"));
    return json_pack(
        "{s:o, s:o, s:o}", "first_left_s",
        r->first_running ? json_integer(r->first_left_s) : json_null(), "resolve_left_s",
        r->resolve_running ? json_integer(r->resolve_left_s) : json_null(), "breached", b);
}

void bot_agent_proto_list_routing(struct bot_agent_proto_list *l,
                                  const struct bot_agent_proto_routing *r)
{
    size_t n = json_array_size(l->items);
    if (!n)
        return;
    json_t *it = json_array_get(l->items, n - 1);
    if (r->case_ref && *r->case_ref)
        bot_proto_set_case_ref(it, r->case_ref);
    json_object_set_new(it, "department", opt_string(r->department));
    if (r->department && *r->department)
        json_object_set_new(
            it, "department_labels",
            r->dept ? json_pack("{s:s, s:s}", "ar", r->dept->ar, "en", r->dept->en)
                    : json_pack("{s:s, s:s}", "ar", r->department, "en", r->department));
    json_object_set_new(it, "priority", json_string(bot_priority_name(r->priority)));
    if (r->fallback >= 0)
        json_object_set_new(it, "fallback", json_boolean(r->fallback));
    json_object_set_new(it, "sla", sla_object(r));
}

char *bot_agent_proto_sla_breach(const char *conv,
                                 const char *case_ref,
                                 int target,
                                 const char *department,
                                 int priority,
                                 size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:o, s:s, s:o, s:s}", "type", "sla_breach",
                                    "conversation", conv, "case_ref", opt_string(case_ref),
                                    "target", target == BOT_SLA_FIRST ? "first" : "resolve",
                                    "department", opt_string(department), "priority",
                                    bot_priority_name(priority)),
                          len);
}

char *bot_agent_proto_visitor_case(const char *case_ref,
                                   const char *status,
                                   const char *dept_id,
                                   const char *dept_label,
                                   int tier,
                                   size_t *len)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "type", "case", "case_ref", case_ref, "status",
                          status, "tier", tier < 1 ? 1 : tier);
    if (o)
        json_object_set_new(o, "department",
                            dept_id && *dept_id
                                ? json_pack("{s:s, s:s}", "id", dept_id, "label",
                                            dept_label && *dept_label ? dept_label : dept_id)
                                : json_null());
    return bot_proto_dump(o, len);
}

void bot_agent_proto_list_chat_tier(struct bot_agent_proto_list *l, const char *dept, int tier)
{
    size_t n = json_array_size(l->items);
    json_t *it = n ? json_array_get(l->items, n - 1) : NULL;
    if (!it)
        return;
    json_object_set_new(it, "department", str_or_null(dept));
    json_object_set_new(it, "tier", json_integer(tier < 1 ? 1 : tier));
}

void bot_agent_proto_list_dept_item(struct bot_agent_proto_list *l,
                                    const struct bot_config_dept *d,
                                    int online,
                                    const char *escalation)
{
    json_t *a = json_object_get(l->o, "departments");
    if (!a) {
        a = json_array();
        json_object_set_new(l->o, "departments", a); /* borrowed from l->o from here on */
    }
    json_t *it = json_pack("{s:s, s:{s:s, s:s}, s:i}", "id", d->id, "labels", "ar", d->ar, "en",
                           d->en, "online", online);
    if (!it)
        return;
    json_object_set_new(it, "escalation", str_or_null(escalation));
    json_array_append_new(a, it);
}

char *bot_agent_proto_escalate_meta(const char *from_dept, const char *to_dept, int tier)
{
    json_t *e = json_pack("{s:s, s:i}", "to", to_dept, "tier", tier);
    if (e)
        json_object_set_new(e, "from", str_or_null(from_dept));
    return bot_proto_dump(json_pack("{s:o}", "escalate", e), NULL);
}

char *bot_agent_proto_dept_transfer_meta(const char *from_login,
                                         const char *from_name,
                                         const char *to_dept)
{
    return bot_proto_dump(json_pack("{s:{s:{s:s, s:s}, s:s}}", "transfer", "from", "login",
                                    from_login, "name", from_name, "to_department", to_dept),
                          NULL);
}
