/* libFuzzer target: visitor frames (bot_proto_decode, bot/proto.h), the bytes any browser
 * can send to /ws. Each input is one text frame, decoded with the default limit and a tight
 * one. Invariants beyond "no crash, no leak":
 *  - a refusal follows the error convention: err->code SN_ETOOBIG for too_long else
 *    SN_EINVAL, err->detail a wire code a decoder may give, err->msg not empty, *in zeroed
 *    but for a valid client_id;
 *  - an accepted frame has every field in its documented range (ids, lang, trimmed text of
 *    at most max_text characters, a rating 1..5, ...);
 *  - an accepted frame re-encodes: its fields written back as a frame decode to the same
 *    struct (so trimming and email normalization are idempotent);
 *  - what passes the tight limit passes the default one, with the same result. */
#include <string.h>

#include <jansson.h>

#include "bot/proto.h"
#include "kb/base.h"
#include "tests/fuzz/fuzz.h"

#define MAX_TEXT       1000 /* max_text's default (bot/config.c) */
#define MAX_TEXT_SMALL 8

static int is_space_start(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
}

static int is_space_end(const char *s)
{
    size_t n = strlen(s);
    unsigned char c = n ? (unsigned char)s[n - 1] : 'x';
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
}

static int valid_or_empty_id(const char *s, size_t max)
{
    return !s[0] || bot_proto_valid_id(s, max);
}

static void check_refusal(int rc, const struct bot_proto_in *in, const struct sn_err *e)
{
    FUZZ_CHECK(e->msg[0] != 0);
    FUZZ_CHECK(e->code == rc);
    FUZZ_CHECK(rc == (e->detail == BOT_PROTO_TOO_LONG ? SN_ETOOBIG : SN_EINVAL));
    FUZZ_CHECK(e->detail == BOT_PROTO_BAD_JSON || e->detail == BOT_PROTO_BAD_UTF8 ||
               e->detail == BOT_PROTO_UNKNOWN_TYPE || e->detail == BOT_PROTO_BAD_FIELD ||
               e->detail == BOT_PROTO_TOO_LONG || e->detail == BOT_PROTO_EMPTY);
    FUZZ_CHECK(in->type == 0 && in->text == NULL && in->token[0] == 0 && in->email[0] == 0);
    FUZZ_CHECK(valid_or_empty_id(in->client_id, BOT_PROTO_CLIENT_ID_MAX));
}

static void check_text(const char *t, int max_text)
{
    FUZZ_CHECK(t && t[0]);
    FUZZ_CHECK(sn_utf8_valid(t, strlen(t), NULL));
    FUZZ_CHECK(bot_proto_utf8_chars(t, strlen(t)) <= (size_t)max_text);
}

static void check_accepted(const struct bot_proto_in *in, int max_text)
{
    FUZZ_CHECK(in->type >= BOT_IN_HELLO && in->type <= BOT_IN_LEAVE_MESSAGE);
    FUZZ_CHECK(valid_or_empty_id(in->client_id, BOT_PROTO_CLIENT_ID_MAX));
    FUZZ_CHECK(strlen(in->token) <= BOT_PROTO_TOKEN_MAX);
    FUZZ_CHECK(!in->lang[0] || !strcmp(in->lang, "ar") || !strcmp(in->lang, "en"));
    FUZZ_CHECK(in->last_seq >= 0);
    switch (in->type) {
    case BOT_IN_MESSAGE:
    case BOT_IN_LEAVE_MESSAGE:
        check_text(in->text, max_text);
        /* trimmed: ASCII white space is the cheap part of Unicode's to check here */
        FUZZ_CHECK(!is_space_start(in->text) && !is_space_end(in->text));
        FUZZ_CHECK(in->type == BOT_IN_LEAVE_MESSAGE || in->client_id[0]);
        FUZZ_CHECK(!in->email[0] || in->consent);
        break;
    case BOT_IN_PICK:
        FUZZ_CHECK(in->kb_id[0] && in->client_id[0] && !in->text);
        break;
    case BOT_IN_FEEDBACK:
        FUZZ_CHECK(in->seq >= 1 && (in->helpful == 0 || in->helpful == 1));
        break;
    case BOT_IN_CSAT:
        FUZZ_CHECK(in->rating >= 1 && in->rating <= 5);
        if (in->text)
            check_text(in->text, max_text);
        break;
    case BOT_IN_TYPING:
        FUZZ_CHECK(in->on == 0 || in->on == 1);
        break;
    default:
        FUZZ_CHECK(!in->text);
    }
}

static const char *type_name(int type)
{
    static const char *const names[] = {
        [BOT_IN_HELLO] = "hello",
        [BOT_IN_MESSAGE] = "message",
        [BOT_IN_PICK] = "pick",
        [BOT_IN_FEEDBACK] = "feedback",
        [BOT_IN_HANDOFF] = "handoff",
        [BOT_IN_TYPING] = "typing",
        [BOT_IN_PING] = "ping",
        [BOT_IN_CSAT] = "csat",
        [BOT_IN_LEAVE_QUEUE] = "leave_queue",
        [BOT_IN_LEAVE_MESSAGE] = "leave_message",
    };
    return names[type];
}

/* The frame a client would send to get *in: only the fields its type reads. */
static char *reencode(const struct bot_proto_in *in)
{
    json_t *o = json_pack("{s:s}", "type", type_name(in->type));
    FUZZ_CHECK(o);
    if (in->client_id[0])
        json_object_set_new(o, "client_id", json_string(in->client_id));
    switch (in->type) {
    case BOT_IN_HELLO:
        if (in->token[0])
            json_object_set_new(o, "token", json_string(in->token));
        if (in->lang[0])
            json_object_set_new(o, "lang", json_string(in->lang));
        json_object_set_new(o, "last_seq", json_integer(in->last_seq));
        break;
    case BOT_IN_MESSAGE:
        json_object_set_new(o, "text", json_string(in->text));
        break;
    case BOT_IN_PICK:
        json_object_set_new(o, "kb_id", json_string(in->kb_id));
        break;
    case BOT_IN_FEEDBACK:
        json_object_set_new(o, "seq", json_integer(in->seq));
        json_object_set_new(o, "helpful", json_boolean(in->helpful));
        break;
    case BOT_IN_TYPING:
        json_object_set_new(o, "on", json_boolean(in->on));
        break;
    case BOT_IN_CSAT:
        json_object_set_new(o, "rating", json_integer(in->rating));
        if (in->text)
            json_object_set_new(o, "comment", json_string(in->text));
        break;
    case BOT_IN_LEAVE_MESSAGE:
        json_object_set_new(o, "text", json_string(in->text));
        if (in->email[0])
            json_object_set_new(o, "email", json_string(in->email));
        json_object_set_new(o, "consent", json_boolean(in->consent));
        break;
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    FUZZ_CHECK(s); /* a string field that jansson cannot encode is not valid UTF-8 */
    return s;
}

static int same(const struct bot_proto_in *a, const struct bot_proto_in *b)
{
    return a->type == b->type && !strcmp(a->token, b->token) && !strcmp(a->lang, b->lang) &&
           a->last_seq == b->last_seq && !strcmp(a->client_id, b->client_id) &&
           !strcmp(a->kb_id, b->kb_id) && !a->text == !b->text &&
           (!a->text || !strcmp(a->text, b->text)) && a->seq == b->seq &&
           a->helpful == b->helpful && a->on == b->on && a->rating == b->rating &&
           !strcmp(a->email, b->email) && a->consent == b->consent;
}

/* Decodes buf with max_text and checks the result; returns the decoder's code. */
static int decode(const char *buf, size_t len, int max_text, struct bot_proto_in *in)
{
    struct sn_err e = {0};
    int rc = bot_proto_decode(buf, len, max_text, in, &e);
    if (rc != SN_OK)
        check_refusal(rc, in, &e);
    else
        check_accepted(in, max_text);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bot_proto_in in, small, again;
    int rc = decode((const char *)data, size, MAX_TEXT, &in);
    int rc_small = decode((const char *)data, size, MAX_TEXT_SMALL, &small);

    if (rc_small == SN_OK)
        FUZZ_CHECK(rc == SN_OK && same(&in, &small));
    if (rc == SN_OK) {
        char *frame = reencode(&in);
        int rc2 = decode(frame, strlen(frame), MAX_TEXT, &again);
        if (rc2 != SN_OK || !same(&in, &again)) {
            fprintf(stderr, "re-encoded frame: %s\n", frame);
            FUZZ_CHECK(!"the decoded frame re-encodes to the same frame");
        }
        free(frame);
        bot_proto_in_fini(&again);
    }
    bot_proto_in_fini(&small);
    bot_proto_in_fini(&in);
    return 0;
}
