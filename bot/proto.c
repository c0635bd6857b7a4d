/* Visitor frames in, server frames out (docs/protocol.md). Every check a frame must pass
 * lives here, so the socket code only sees validated structs. */
#include "bot/proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/attach.h"
#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/email.h"
#include "bot/store.h"

const char *bot_proto_err_name(int code)
{
    static const char *names[] = {"ok",        "bad_json",     "bad_utf8",  "unknown_type",
                                  "bad_field", "hello_first",  "too_big",   "too_long",
                                  "empty",     "rate_limited", "bad_token", "not_found",
                                  "internal"};
    return code >= 0 && code <= BOT_PROTO_INTERNAL ? names[code] : "internal";
}

void bot_proto_in_fini(struct bot_proto_in *in)
{
    if (!in)
        return;
    free(in->text);
    memset(in, 0, sizeof *in);
}

size_t bot_proto_utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* Decodes the code point at s (valid UTF-8) into *cp; returns its byte length. */
static int utf8_cp(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xE0) {
        *cp = (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (s[0] < 0xF0) {
        *cp = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        return 3;
    }
    *cp = (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    return 4;
}

static int is_space(unsigned cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* Trims Unicode white space at both ends of valid UTF-8 s; returns a new string. */
static char *trim_dup(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    unsigned cp;
    while (p < end) {
        int l = utf8_cp(p, &cp);
        if (!is_space(cp))
            break;
        p += l;
    }
    const unsigned char *last = p; /* end of the last non-space character */
    for (const unsigned char *q = p; q < end;) {
        int l = utf8_cp(q, &cp);
        q += l;
        if (!is_space(cp))
            last = q;
    }
    return sn_xstrndup((const char *)p, (size_t)(last - p));
}

int bot_proto_refuse(struct sn_err *err, int wire, const char *fmt, ...)
{
    int code = wire == BOT_PROTO_TOO_LONG || wire == BOT_PROTO_TOO_BIG ? SN_ETOOBIG : SN_EINVAL;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->detail = wire;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int valid_id(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

char *bot_proto_trim_dup(const char *s, size_t n)
{
    return trim_dup(s, n);
}

int bot_proto_valid_id(const char *s, size_t max)
{
    return valid_id(s, max);
}

/* Optional string field: 0 absent/null, 1 present (in *out), -1 wrong type. */
static int opt_str(json_t *o, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 1;
}

static int decode_client_id(json_t *o, int required, struct sn_err *err)
{
    const char *s = NULL;
    int r = opt_str(o, "client_id", &s);
    if (r == 0 && !required)
        return SN_OK;
    if (r <= 0 || !valid_id(s, BOT_PROTO_CLIENT_ID_MAX))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "client_id must be a string of 1..%d characters [A-Za-z0-9_-]",
                                BOT_PROTO_CLIENT_ID_MAX);
    return SN_OK;
}

int bot_proto_text_field(
    json_t *o, const char *key, int required, int max_text, char **out, struct sn_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!required && (!v || json_is_null(v)))
        return SN_OK;
    if (!json_is_string(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "%s must be a string", key);
    size_t n = json_string_length(v);
    if (bot_proto_utf8_chars(json_string_value(v), n) > (size_t)max_text * 4 + 64)
        return bot_proto_refuse(err, BOT_PROTO_TOO_LONG, "%s is longer than %d characters", key,
                                max_text); /* cheap early exit before trimming huge text */
    char *t = trim_dup(json_string_value(v), n);
    int rc = SN_OK;
    if (!t[0] && required)
        rc = bot_proto_refuse(err, BOT_PROTO_EMPTY, "%s is empty", key);
    else if (bot_proto_utf8_chars(t, strlen(t)) > (size_t)max_text)
        rc = bot_proto_refuse(err, BOT_PROTO_TOO_LONG, "%s is longer than %d characters", key,
                              max_text);
    if (rc || !t[0])
        free(t);
    else
        *out = t;
    return rc;
}

/* One decoder per frame type: o's fields into in, SN_OK or the refusal (bot_proto_refuse). */
typedef int frame_decoder(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err);

/* hello's "visitor": the widget's persistent id (random, kept in localStorage), so that a
 * visitor who comes back reopens their solved case (bot/cases.h). Absent or null: none. */
static int visitor_field(json_t *o, char out[BOT_PROTO_VISITOR_MAX + 1], struct sn_err *err)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    const char *s = NULL;
    size_t n;
    switch (opt_str(o, "visitor", &s)) {
    case 0:
        return SN_OK;
    case 1:
        n = strlen(s);
        if (n >= BOT_PROTO_VISITOR_MIN && n <= BOT_PROTO_VISITOR_MAX && strspn(s, ok) == n &&
            n == json_string_length(json_object_get(o, "visitor"))) {
            memcpy(out, s, n + 1);
            return SN_OK;
        }
    }
    return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "visitor must be 16..64 of [A-Za-z0-9_-]");
}

static int dec_hello(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    const char *s = NULL;
    (void)max_text;
    switch (opt_str(o, "token", &s)) {
    case -1:
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "token must be a string");
    case 1:
        if (strlen(s) > BOT_PROTO_TOKEN_MAX)
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "token is too long");
        strcpy(in->token, s);
    }
    switch (opt_str(o, "lang", &s)) {
    case -1:
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "lang must be \"ar\" or \"en\"");
    case 1:
        if (strcmp(s, "ar") && strcmp(s, "en"))
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "lang must be \"ar\" or \"en\"");
        strcpy(in->lang, s);
    }
    json_t *v = json_object_get(o, "last_seq");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "last_seq must be an integer >= 0");
        in->last_seq = json_integer_value(v);
    }
    return visitor_field(o, in->visitor, err);
}

int bot_proto_attachment_field(json_t *o, char out[BOT_PROTO_ATTACH_MAX + 1], struct sn_err *err)
{
    const char *s = NULL;
    out[0] = 0;
    switch (opt_str(o, "attachment", &s)) {
    case 0:
        return SN_OK;
    case 1:
        if (strlen(s) == BOT_PROTO_ATTACH_MAX &&
            strspn(s, "0123456789abcdef") == BOT_PROTO_ATTACH_MAX) {
            strcpy(out, s);
            return SN_OK;
        }
    }
    return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                            "attachment must be the id an upload answered (32 hex digits)");
}

char *bot_proto_attachment_meta(const struct store_att *a)
{
    char url[BOT_ATTACH_URL_MAX];
    bot_attach_url(a->id, url);
    return bot_proto_dump(json_pack("{s:{s:s, s:s, s:s, s:I, s:s}}", "attachment", "id", a->id,
                                    "url", url, "type", a->type, "size", (json_int_t)a->size,
                                    "name", a->name),
                          NULL);
}

/* A message's text is required, unless it carries an attachment: then it may be empty. */
static int dec_message(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    int rc;
    if ((rc = bot_proto_attachment_field(o, in->attachment, err)))
        return rc;
    json_t *t = json_object_get(o, "text");
    if (!json_is_string(t) && !(in->attachment[0] && (!t || json_is_null(t))))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "text must be a string");
    if ((rc = decode_client_id(o, 1, err)))
        return rc;
    return bot_proto_text_field(o, "text", !in->attachment[0], max_text, &in->text, err);
}

static int dec_pick(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    const char *s = NULL;
    (void)max_text;
    if (opt_str(o, "kb_id", &s) != 1 || !*s || strlen(s) > BOT_PROTO_KB_ID_MAX)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "kb_id must be a non-empty string");
    strcpy(in->kb_id, s);
    return decode_client_id(o, 1, err);
}

static int dec_feedback(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    (void)max_text;
    json_t *v = json_object_get(o, "seq");
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "seq must be an integer >= 1");
    in->seq = json_integer_value(v);
    v = json_object_get(o, "helpful");
    if (!json_is_boolean(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "helpful must be true or false");
    in->helpful = json_is_true(v);
    return SN_OK;
}

static int dec_handoff(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    (void)max_text;
    (void)in;
    return decode_client_id(o, 0, err);
}

static int dec_typing(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    (void)max_text;
    json_t *v = json_object_get(o, "on");
    if (!json_is_boolean(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "on must be true or false");
    in->on = json_is_true(v);
    return SN_OK;
}

/* The highest seq of the conversation the visitor has seen on screen (issue 14). */
static int dec_seen(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    (void)max_text;
    json_t *v = json_object_get(o, "seq");
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "seq must be an integer >= 1");
    in->seq = json_integer_value(v);
    return SN_OK;
}

static int dec_none(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    (void)o, (void)max_text, (void)in, (void)err;
    return SN_OK;
}

static int dec_csat(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    json_t *v = json_object_get(o, "rating");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 5)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "rating must be an integer 1..5");
    in->rating = (int)json_integer_value(v);
    /* the comment is kept as written (not trimmed); empty is none */
    const char *s = NULL;
    int r = opt_str(o, "comment", &s);
    if (r < 0)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "comment must be a string");
    if (r == 1 && *s) {
        if (bot_proto_utf8_chars(s, strlen(s)) > (size_t)max_text)
            return bot_proto_refuse(err, BOT_PROTO_TOO_LONG, "comment is longer than %d characters",
                                    max_text);
        in->text = sn_xstrdup(s);
    }
    return SN_OK;
}

static int dec_leave_message(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    const char *s = NULL;
    json_t *v = json_object_get(o, "text");
    if (!json_is_string(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "text must be a string");
    if (bot_proto_utf8_chars(json_string_value(v), json_string_length(v)) >
        (size_t)max_text * 4 + 64)
        return bot_proto_refuse(err, BOT_PROTO_TOO_LONG, "text is longer than %d characters",
                                max_text);
    switch (opt_str(o, "email", &s)) {
    case -1:
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "email must be a string");
    case 1: {
        struct sn_err why = {0};
        if (bot_email_normalize(s, in->email, &why))
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "email is not an email address: %s",
                                    why.msg);
    }
    }
    v = json_object_get(o, "consent");
    if (v && !json_is_null(v) && !json_is_boolean(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "consent must be true or false");
    in->consent = json_is_true(v);
    if (in->email[0] && !in->consent)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "consent must be true when an email is given");
    if (!in->email[0])
        in->consent = 0;
    return bot_proto_text_field(o, "text", 1, max_text, &in->text, err);
}

/* A name a visitor gives: no control characters (C0, DEL, C1) and no bidi controls (LRM,
 * RLM, embeddings, overrides, isolates), which would make it read as something else on the
 * agent's screen. s is valid UTF-8. */
static int clean_name(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned cp;
    while (*p) {
        p += utf8_cp(p, &cp);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
            cp == 0x061C || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return 0;
    }
    return 1;
}

/* profile {name?, email?, consent?, department?}: the shape only; which fields the form
 * asks and the department list are the configuration's (bot/visitor.c). */
static int dec_profile(json_t *o, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    const char *s = NULL;
    int rc;
    (void)max_text;
    switch (opt_str(o, "email", &s)) {
    case -1:
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "email must be a string");
    case 1:
        if (*s) {
            struct sn_err why = {0};
            if (bot_email_normalize(s, in->email, &why))
                return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                        "email is not an email address: %s", why.msg);
        }
    }
    json_t *v = json_object_get(o, "consent");
    if (v && !json_is_null(v) && !json_is_boolean(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "consent must be true or false");
    in->consent = json_is_true(v);
    if (in->email[0] && !in->consent)
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "consent must be true when an email is given");
    if (!in->email[0])
        in->consent = 0;
    switch (opt_str(o, "department", &s)) {
    case -1:
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "department must be a string");
    case 1:
        if (*s && (strlen(s) > BOT_PROTO_DEPT_MAX || !valid_id(s, BOT_PROTO_DEPT_MAX)))
            return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "department is not a department");
        strcpy(in->department, s);
    }
    v = json_object_get(o, "name");
    if (v && !json_is_null(v) && !json_is_string(v))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "name must be a string");
    if ((rc = bot_proto_text_field(o, "name", 0, BOT_PROTO_NAME_MAX, &in->text, err)))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD, "name must be 1..%d characters",
                                BOT_PROTO_NAME_MAX);
    if (in->text && !clean_name(in->text))
        return bot_proto_refuse(err, BOT_PROTO_BAD_FIELD,
                                "name must not hold control or direction characters");
    return SN_OK;
}

/* The visitor's frame types: a new one is a row here and its decoder. */
static const struct {
    const char *name;
    enum bot_proto_type type;
    frame_decoder *decode;
} frame_types[] = {
    {"hello", BOT_IN_HELLO, dec_hello},
    {"message", BOT_IN_MESSAGE, dec_message},
    {"pick", BOT_IN_PICK, dec_pick},
    {"feedback", BOT_IN_FEEDBACK, dec_feedback},
    {"handoff", BOT_IN_HANDOFF, dec_handoff},
    {"typing", BOT_IN_TYPING, dec_typing},
    {"ping", BOT_IN_PING, dec_none},
    {"leave_queue", BOT_IN_LEAVE_QUEUE, dec_none},
    {"csat", BOT_IN_CSAT, dec_csat},
    {"leave_message", BOT_IN_LEAVE_MESSAGE, dec_leave_message},
    {"seen", BOT_IN_SEEN, dec_seen},
    {"profile", BOT_IN_PROFILE, dec_profile},
    {"transcript_email", BOT_IN_TRANSCRIPT_EMAIL, dec_none},
};

static int decode_fields(
    json_t *o, const char *type, int max_text, struct bot_proto_in *in, struct sn_err *err)
{
    for (size_t i = 0; i < sizeof frame_types / sizeof *frame_types; i++)
        if (!strcmp(type, frame_types[i].name)) {
            in->type = frame_types[i].type;
            return frame_types[i].decode(o, max_text, in, err);
        }
    return bot_proto_refuse(err, BOT_PROTO_UNKNOWN_TYPE, "unknown type");
}

int bot_proto_load(const char *buf,
                   size_t len,
                   json_t **out,
                   const char **type,
                   char client_id[BOT_PROTO_CLIENT_ID_MAX + 1],
                   struct sn_err *err)
{
    json_error_t je;
    json_t *o;
    const char *cid = NULL;
    *out = NULL;
    if (!sn_utf8_valid(buf, len, NULL))
        return bot_proto_refuse(err, BOT_PROTO_BAD_UTF8, "the frame is not valid UTF-8");
    o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!o && strstr(je.text, "Unicode")) /* a lone surrogate in a \u escape */
        return bot_proto_refuse(err, BOT_PROTO_BAD_UTF8, "a string is not valid Unicode");
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return bot_proto_refuse(err, BOT_PROTO_BAD_JSON, "the frame is not a JSON object");
    }
    if (opt_str(o, "client_id", &cid) == 1 && valid_id(cid, BOT_PROTO_CLIENT_ID_MAX))
        strcpy(client_id, cid);
    if (opt_str(o, "type", type) != 1) {
        json_decref(o);
        return bot_proto_refuse(err, BOT_PROTO_UNKNOWN_TYPE, "type is missing or not a string");
    }
    *out = o;
    return SN_OK;
}

int bot_proto_decode(
    const char *buf, size_t len, int max_text, struct bot_proto_in *in, struct sn_err *err)
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
        bot_proto_in_fini(in);
        memcpy(in->client_id, keep, sizeof keep);
    }
    return rc;
}

char *bot_proto_dump(json_t *o, size_t *len)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        fprintf(stderr, "sanad: cannot encode a frame (out of memory)\n");
        abort();
    }
    if (len)
        *len = strlen(s);
    return s;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *bot_proto_error(int code, const char *message, const char *client_id, size_t *len)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "type", "error", "code", bot_proto_err_name(code),
                          "message", message ? message : bot_proto_err_name(code));
    if (!o) /* message not UTF-8: never from us, but stay safe */
        o = json_pack("{s:s, s:s, s:s}", "type", "error", "code", bot_proto_err_name(code),
                      "message", bot_proto_err_name(code));
    if (client_id && *client_id)
        json_object_set_new(o, "client_id", json_string(client_id));
    return bot_proto_dump(o, len);
}

char *bot_proto_ack(const char *client_id, long long seq, size_t *len)
{
    return bot_proto_dump(
        json_pack("{s:s, s:s, s:I}", "type", "ack", "client_id", client_id, "seq", (json_int_t)seq),
        len);
}

char *bot_proto_pong(size_t *len)
{
    return bot_proto_dump(json_pack("{s:s}", "type", "pong"), len);
}

char *bot_proto_csat_ok(int rating, size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:i}", "type", "csat_ok", "rating", rating), len);
}

json_t *bot_proto_set_case_ref(json_t *o, const char *case_ref)
{
    if (o && case_ref && *case_ref)
        json_object_set_new(o, "case_ref", json_string(case_ref));
    return o;
}

char *bot_proto_offline(const char *reason, const char *case_ref, size_t *len)
{
    return bot_proto_dump(
        bot_proto_set_case_ref(json_pack("{s:s, s:s}", "type", "offline", "reason", reason),
                               case_ref),
        len);
}

char *bot_proto_message_left(long long ticket, const char *case_ref, size_t *len)
{
    return bot_proto_dump(bot_proto_set_case_ref(json_pack("{s:s, s:I}", "type", "message_left",
                                                           "ticket", (json_int_t)ticket),
                                                 case_ref),
                          len);
}

char *bot_proto_typing(int on, size_t *len)
{
    return bot_proto_dump(json_pack("{s:s, s:s, s:b}", "type", "typing", "from", "agent", "on", on),
                          len);
}

char *bot_proto_transcript_emailed(size_t *len)
{
    return bot_proto_dump(json_pack("{s:s}", "type", "transcript_emailed"), len);
}

char *bot_proto_profile_ok(size_t *len)
{
    return bot_proto_dump(json_pack("{s:s}", "type", "profile_ok"), len);
}

/* The welcome's prechat object: {fields: [{name, required}], departments: [{id, label}],
 * done}, labels in lang. */
static json_t *prechat_object(const struct bot_config *c, const char *lang, int done)
{
    static const struct {
        unsigned bit;
        const char *name;
    } fields[] = {{BOT_PRECHAT_NAME, "name"},
                  {BOT_PRECHAT_EMAIL, "email"},
                  {BOT_PRECHAT_DEPARTMENT, "department"}};
    json_t *fa = json_array(), *da = json_array();
    int ar = lang && !strcmp(lang, "ar");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (c->prechat & fields[i].bit)
            json_array_append_new(fa, json_pack("{s:s, s:b}", "name", fields[i].name, "required",
                                                (c->prechat_required & fields[i].bit) != 0));
    for (int i = 0; (c->prechat & BOT_PRECHAT_DEPARTMENT) && i < c->depts.n; i++)
        json_array_append_new(da, json_pack("{s:s, s:s}", "id", c->depts.v[i].id, "label",
                                            ar ? c->depts.v[i].ar : c->depts.v[i].en));
    return json_pack("{s:o, s:o, s:b}", "fields", fa, "departments", da, "done", done);
}

char *bot_proto_welcome(const struct bot_proto_welcome *w, size_t *len)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:{s:s, s:b}, s:{s:i, s:i}}", "type",
                          "welcome", "token", w->token, "conversation", w->conversation, "resumed",
                          w->resumed, "state", w->state, "bot", "name", w->bot_name, "is_bot", 1,
                          "limits", "max_text", w->max_text, "max_frame", w->max_frame);
    if (o && w->max_attachment > 0) /* the widget checks a file's size before it uploads */
        json_object_set_new(json_object_get(o, "limits"), "max_attachment",
                            json_integer(w->max_attachment));
    if (o && w->cfg && w->cfg->prechat)
        json_object_set_new(o, "prechat", prechat_object(w->cfg, w->lang, w->prechat_done));
    if (o && w->transcript_email)
        json_object_set_new(o, "transcript_email", json_true());
    return bot_proto_dump(o, len);
}

/* Sets key in o unless o has it: meta never overrides what the columns say. */
static void set_new_once(json_t *o, const char *key, json_t *v)
{
    if (json_object_get(o, key))
        json_decref(v);
    else
        json_object_set_new(o, key, v);
}

json_t *bot_proto_stored_object(const struct store_msg *m)
{
    int note = !strcmp(m->sender, "note");
    json_t *o =
        json_pack("{s:s, s:I, s:s, s:s, s:I}", "type", "message", "seq", (json_int_t)m->seq, "from",
                  note ? "agent" : m->sender, "text", m->text, "ts", (json_int_t)m->ts);
    if (!o) /* text or sender not UTF-8: never from us, but a frame must go out */
        o = json_pack("{s:s, s:I, s:s, s:s, s:I}", "type", "message", "seq", (json_int_t)m->seq,
                      "from", "system", "text", "", "ts", (json_int_t)m->ts);
    if (!strcmp(m->sender, "bot")) {
        json_object_set_new(o, "is_bot", json_true());
        json_object_set_new(o, "kind", str_or_null(m->kind));
        json_object_set_new(o, "kb_id", str_or_null(m->kb_id));
        json_object_set_new(o, "band", str_or_null(m->band));
        json_object_set_new(o, "intent", str_or_null(m->intent));
    }
    json_t *meta = m->meta ? json_loads(m->meta, 0, NULL) : NULL;
    const char *key;
    json_t *v;
    if (json_is_object(meta))
        json_object_foreach(meta, key, v)
        {
            set_new_once(o, key, json_incref(v));
        }
    json_decref(meta);
    if (!strcmp(m->sender, "visitor") && m->client_id && *m->client_id)
        set_new_once(o, "client_id", json_string(m->client_id));
    if (m->agent)
        set_new_once(o, "agent", json_pack("{s:s}", "name", m->agent));
    if (note)
        set_new_once(o, "note", json_true());
    return o;
}

char *bot_proto_stored_message(const struct store_msg *m, size_t *len)
{
    return bot_proto_dump(bot_proto_stored_object(m), len);
}

char *bot_proto_turn_meta(const struct bot_turn *t)
{
    json_t *sugg = json_array();
    for (int i = 0; i < t->nsugg; i++)
        json_array_append_new(sugg, json_pack("{s:s, s:s}", "kb_id", t->sugg[i].kb_id, "question",
                                              t->sugg[i].question));
    return bot_proto_dump(json_pack("{s:s, s:o, s:b, s:b}", "lang", t->lang, "suggestions", sugg,
                                    "ask_feedback", t->ask_feedback, "offer_human", t->offer_human),
                          NULL);
}
