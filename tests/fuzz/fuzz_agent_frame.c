/* libFuzzer target: agent frames (bot_agent_proto_decode, bot/agent_proto.h), what a
 * logged-in agent's socket sends to /agent. Invariants beyond "no crash, no leak":
 *  - a refusal follows the error convention (as for visitor frames: err->code, a wire code
 *    in err->detail, err->msg not empty, *in zeroed but for a valid client_id);
 *  - an accepted frame has its fields in range: the conversation and resolution ids of
 *    [A-Za-z0-9_-], a login of [a-z0-9._-]{2,64}, trimmed text of at most max_text
 *    characters, a reply's client_id;
 *  - an accepted frame re-encodes: its fields written back as a frame decode to the same
 *    struct;
 *  - what passes the tight text limit passes the default one, with the same result. */
#include <string.h>

#include <jansson.h>

#include "bot/agent_proto.h"
#include "kb/base.h"
#include "tests/fuzz/fuzz.h"

#define MAX_TEXT       1000
#define MAX_TEXT_SMALL 8

static int valid_or_empty_id(const char *s, size_t max)
{
    return !s[0] || bot_proto_valid_id(s, max);
}

static void check_refusal(int rc, const struct bot_agent_in *in, const struct sn_err *e)
{
    FUZZ_CHECK(e->msg[0] != 0);
    FUZZ_CHECK(e->code == rc);
    FUZZ_CHECK(rc == (e->detail == BOT_PROTO_TOO_LONG ? SN_ETOOBIG : SN_EINVAL));
    FUZZ_CHECK(e->detail == BOT_PROTO_BAD_JSON || e->detail == BOT_PROTO_BAD_UTF8 ||
               e->detail == BOT_PROTO_UNKNOWN_TYPE || e->detail == BOT_PROTO_BAD_FIELD ||
               e->detail == BOT_PROTO_TOO_LONG || e->detail == BOT_PROTO_EMPTY);
    FUZZ_CHECK(in->type == 0 && in->text == NULL && in->conversation[0] == 0 && in->to[0] == 0 &&
               in->resolution[0] == 0);
    FUZZ_CHECK(valid_or_empty_id(in->client_id, BOT_PROTO_CLIENT_ID_MAX));
}

static void check_accepted(const struct bot_agent_in *in, int max_text)
{
    FUZZ_CHECK(in->type >= BOT_AGENT_IN_PRESENCE && in->type <= BOT_AGENT_IN_TRANSFER);
    FUZZ_CHECK(valid_or_empty_id(in->client_id, BOT_PROTO_CLIENT_ID_MAX));
    FUZZ_CHECK(valid_or_empty_id(in->conversation, STORE_ID_MAX - 1));
    FUZZ_CHECK(valid_or_empty_id(in->resolution, BOT_AGENT_RESOLUTION_MAX));
    int conv = in->type != BOT_AGENT_IN_PRESENCE && in->type != BOT_AGENT_IN_PING;
    FUZZ_CHECK(!conv == !in->conversation[0]);
    int text = in->type == BOT_AGENT_IN_REPLY || in->type == BOT_AGENT_IN_NOTE;
    FUZZ_CHECK(!text == !in->text);
    if (in->text) {
        size_t n = strlen(in->text);
        FUZZ_CHECK(n && sn_utf8_valid(in->text, n, NULL));
        FUZZ_CHECK(bot_proto_utf8_chars(in->text, n) <= (size_t)max_text);
        FUZZ_CHECK(in->text[0] != ' ' && in->text[n - 1] != ' ');
    }
    if (in->type == BOT_AGENT_IN_REPLY)
        FUZZ_CHECK(in->client_id[0]);
    if (in->type == BOT_AGENT_IN_CLOSE)
        FUZZ_CHECK(in->resolution[0]);
    if (in->type == BOT_AGENT_IN_TRANSFER) {
        size_t n = strlen(in->to);
        FUZZ_CHECK(n >= 2 && n <= 64 &&
                   strspn(in->to, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n);
    } else {
        FUZZ_CHECK(!in->to[0]);
    }
    FUZZ_CHECK(in->online == 0 || in->online == 1);
}

static const char *type_name(int type)
{
    static const char *const names[] = {
        [BOT_AGENT_IN_PRESENCE] = "presence", [BOT_AGENT_IN_TAKE] = "take",
        [BOT_AGENT_IN_REPLY] = "reply",       [BOT_AGENT_IN_NOTE] = "note",
        [BOT_AGENT_IN_CLOSE] = "close",       [BOT_AGENT_IN_PING] = "ping",
        [BOT_AGENT_IN_TRANSFER] = "transfer",
    };
    return names[type];
}

static char *reencode(const struct bot_agent_in *in)
{
    json_t *o = json_pack("{s:s}", "type", type_name(in->type));
    FUZZ_CHECK(o);
    /* client_id is kept from any frame that had a valid one, as the errors name it */
    if (in->client_id[0])
        json_object_set_new(o, "client_id", json_string(in->client_id));
    if (in->conversation[0])
        json_object_set_new(o, "conversation", json_string(in->conversation));
    if (in->type == BOT_AGENT_IN_PRESENCE)
        json_object_set_new(o, "status", json_string(in->online ? "online" : "away"));
    if (in->text)
        json_object_set_new(o, "text", json_string(in->text));
    if (in->resolution[0])
        json_object_set_new(o, "resolution", json_string(in->resolution));
    if (in->to[0])
        json_object_set_new(o, "to", json_string(in->to));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    FUZZ_CHECK(s);
    return s;
}

static int same(const struct bot_agent_in *a, const struct bot_agent_in *b)
{
    return a->type == b->type && a->online == b->online &&
           !strcmp(a->conversation, b->conversation) && !strcmp(a->client_id, b->client_id) &&
           !strcmp(a->resolution, b->resolution) && !strcmp(a->to, b->to) && !a->text == !b->text &&
           (!a->text || !strcmp(a->text, b->text));
}

static int decode(const char *buf, size_t len, int max_text, struct bot_agent_in *in)
{
    struct sn_err e = {0};
    int rc = bot_agent_proto_decode(buf, len, max_text, in, &e);
    if (rc != SN_OK)
        check_refusal(rc, in, &e);
    else
        check_accepted(in, max_text);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bot_agent_in in, small, again;
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
        bot_agent_in_fini(&again);
    }
    bot_agent_in_fini(&small);
    bot_agent_in_fini(&in);
    return 0;
}
