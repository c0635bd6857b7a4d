/* Unit tests for bot/agent_proto.c: decoding hostile agent frames and encoding routing
 * frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/agent_proto.h"
#include "bot/config.h"
#include "bot/sla.h"

static int decode(const char *s, struct bot_agent_in *in)
{
    struct sn_err e = {0};
    int rc = bot_agent_proto_decode(s, strlen(s), 10, in, &e);
    if (rc == SN_OK)
        return BOT_PROTO_OK;
    /* the project's convention, the wire code as its detail */
    assert_int_equal(rc, e.detail == BOT_PROTO_TOO_LONG ? SN_ETOOBIG : SN_EINVAL);
    assert_int_equal(e.code, rc);
    assert_true(e.msg[0] != 0);
    return e.detail;
}

static void codes(void **state)
{
    (void)state;
    static const struct {
        const char *frame;
        int code;
    } cases[] = {
        {"", BOT_PROTO_BAD_JSON},
        {"[1]", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"ping\",\"type\":\"ping\"}", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"ping\",\"x\":\"\xff\"}", BOT_PROTO_BAD_UTF8},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":\"\\udc00\"}", BOT_PROTO_BAD_UTF8},
        {"{}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":\"hello\"}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":\"presence\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"presence\",\"status\":\"offline\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"take\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"take\",\"conversation\":\"\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"take\",\"conversation\":\"a b\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"take\",\"conversation\":\"0123456789012345678901234567890123456789\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"reply\",\"conversation\":\"c\",\"text\":\"hi\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"reply\",\"conversation\":\"c\",\"text\":\"hi\",\"client_id\":7}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"reply\",\"conversation\":\"c\",\"text\":\" \",\"client_id\":\"r\"}",
         BOT_PROTO_EMPTY},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":\"12345678901\"}", BOT_PROTO_TOO_LONG},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":\"ok\",\"client_id\":\"a/b\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"close\",\"conversation\":\"c\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"close\",\"conversation\":\"c\",\"resolution\":\"x'--\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":5}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":null}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"note\",\"conversation\":\"c\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"reply\",\"text\":\"hi\",\"client_id\":\"r\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"A\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"Amal\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"to\":\"amal\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal.h\"}", BOT_PROTO_OK},
        {"{\"type\":\"typing\",\"on\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":\"c\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":\"c\",\"on\":1}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":\"c\",\"on\":\"yes\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":5,\"on\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":\"c'--\",\"on\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"conversation\":\"c_1\",\"on\":false}", BOT_PROTO_OK},
        /* the reason (issue 14): optional, a string bounded like a note */
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":7}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":[\"x\"]}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":true}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\"12345678901\"}",
         BOT_PROTO_TOO_LONG},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\"\\udc00\"}",
         BOT_PROTO_BAD_UTF8},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":null}",
         BOT_PROTO_OK},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\"  \"}",
         BOT_PROTO_OK},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\"1234567890\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"PING\"}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":7}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":\"ping\"}", BOT_PROTO_OK},
        {"{\"type\":\"presence\",\"status\":\"away\"}", BOT_PROTO_OK},
        {"{\"type\":\"take\",\"conversation\":\"c_1\",\"extra\":[1]}", BOT_PROTO_OK},
        {"{\"type\":\"note\",\"conversation\":\"c\",\"text\":\"ok\",\"client_id\":null}",
         BOT_PROTO_OK},
        {"{\"type\":\"close\",\"conversation\":\"c\",\"resolution\":\"resolved\"}", BOT_PROTO_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_agent_in in;
        int rc = decode(cases[i].frame, &in);
        if (rc != cases[i].code)
            fail_msg("%s: got %s, want %s", cases[i].frame, bot_agent_proto_err_name(rc),
                     bot_agent_proto_err_name(cases[i].code));
        bot_agent_in_fini(&in);
    }
}

static void reply_decoded(void **state)
{
    (void)state;
    struct bot_agent_in in;
    assert_int_equal(decode("{\"type\":\"reply\",\"conversation\":\"c_9\",\"text\":\"  مرحبا \","
                            "\"client_id\":\"r-1\"}",
                            &in),
                     BOT_PROTO_OK);
    assert_int_equal(in.type, BOT_AGENT_IN_REPLY);
    assert_string_equal(in.conversation, "c_9");
    assert_string_equal(in.client_id, "r-1");
    assert_string_equal(in.text, "مرحبا");
    bot_agent_in_fini(&in);
    assert_int_equal(decode("{\"type\":\"reply\",\"conversation\":\"c 9\",\"text\":\"x\","
                            "\"client_id\":\"r-2\"}",
                            &in),
                     BOT_PROTO_BAD_FIELD);
    assert_string_equal(in.client_id, "r-2"); /* kept for the error frame */
    assert_null(in.text);
}

/* A transfer's reason: trimmed into text; absent, null or blank is none. */
static void transfer_note_decoded(void **state)
{
    (void)state;
    static const struct {
        const char *frame, *note;
    } cases[] = {
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\"}", NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":null}", NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\" \\t\"}", NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"to\":\"amal\",\"note\":\" فواتير \"}",
         "فواتير"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_agent_in in;
        assert_int_equal(decode(cases[i].frame, &in), BOT_PROTO_OK);
        assert_int_equal(in.type, BOT_AGENT_IN_TRANSFER);
        assert_string_equal(in.to, "amal");
        if (cases[i].note)
            assert_string_equal(in.text, cases[i].note);
        else
            assert_null(in.text);
        bot_agent_in_fini(&in);
    }
}

static void encoders(void **state)
{
    (void)state;
    size_t len;
    char *s;
    s = bot_agent_proto_error(BOT_AGENT_AT_CAPACITY, "full", "r1", NULL);
    assert_string_equal(s, "{\"type\":\"error\",\"code\":\"at_capacity\",\"message\":\"full\","
                           "\"client_id\":\"r1\"}");
    free(s);
    /* a stored message relayed: the visitor's frame, then the conversation */
    struct store_msg m = {
        .conv_id = "c_1", .seq = 2, .sender = "visitor", .client_id = "m3", .text = "hi", .ts = 9};
    s = bot_agent_proto_relay(&m, &len);
    assert_string_equal(s, "{\"type\":\"message\",\"seq\":2,\"from\":\"visitor\",\"text\":\"hi\","
                           "\"ts\":9,\"client_id\":\"m3\",\"conversation\":\"c_1\"}");
    assert_int_equal(len, strlen(s));
    free(s);
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("queue");
    bot_agent_proto_list_queue_item(l, "c_1", 5, "ar", "");
    bot_agent_proto_list_queue_item(l, "c_2", 0, "en", "help");
    s = bot_agent_proto_list_finish(l, NULL);
    assert_string_equal(s,
                        "{\"type\":\"queue\",\"items\":[{\"conversation\":\"c_1\",\"waiting_s\":5,"
                        "\"lang\":\"ar\",\"last_question\":null},{\"conversation\":\"c_2\","
                        "\"waiting_s\":0,\"lang\":"
                        "\"en\",\"last_question\":\"help\"}]}");
    free(s);
    /* live frames of issue 14 */
    s = bot_agent_proto_typing("c_1", 1, &len);
    assert_string_equal(s, "{\"type\":\"typing\",\"conversation\":\"c_1\",\"on\":true}");
    assert_int_equal(len, strlen(s));
    free(s);
    s = bot_agent_proto_seen("c_1", 42, &len);
    assert_string_equal(s, "{\"type\":\"seen\",\"conversation\":\"c_1\",\"seq\":42}");
    free(s);
    struct bot_agent_in tin;
    assert_int_equal(decode("{\"type\":\"typing\",\"conversation\":\"c_7\",\"on\":true}", &tin),
                     BOT_PROTO_OK);
    assert_int_equal(tin.type, BOT_AGENT_IN_TYPING);
    assert_string_equal(tin.conversation, "c_7");
    assert_int_equal(tin.on, 1);
    bot_agent_in_fini(&tin);
    l = bot_agent_proto_transcript_new("c_2");
    bot_agent_proto_transcript_seen(l, 6);
    s = bot_agent_proto_list_finish(l, NULL);
    assert_non_null(strstr(s, "\"seen_seq\":6"));
    free(s);
    /* the transcript: stored messages without "type", the agents' notes included */
    l = bot_agent_proto_transcript_new("c_1");
    struct store_msg note = {
        .conv_id = "c_1", .seq = 3, .sender = "note", .text = "n", .agent = "أمل", .ts = 10};
    bot_agent_proto_transcript_add(l, &m);
    bot_agent_proto_transcript_add(l, &note);
    s = bot_agent_proto_list_finish(l, NULL);
    assert_string_equal(s, "{\"type\":\"transcript\",\"messages\":[{\"seq\":2,\"from\":\"visitor\","
                           "\"text\":\"hi\",\"ts\":9,\"client_id\":\"m3\"},{\"seq\":3,\"from\":"
                           "\"agent\",\"text\":\"n\",\"ts\":10,\"agent\":{\"name\":\"أمل\"},"
                           "\"note\":true}],\"conversation\":\"c_1\"}");
    free(s);
    /* issue 14: the agents frame, the transferred chat's "assigned", the note's meta */
    l = bot_agent_proto_list_new("agents");
    bot_agent_proto_list_agent_item(l, "amal", "أمل", 1, 2, 3);
    bot_agent_proto_list_agent_item(l, "omar", "Omar", 0, 0, 3);
    s = bot_agent_proto_list_finish(l, NULL);
    assert_string_equal(s, "{\"type\":\"agents\",\"items\":[{\"login\":\"amal\",\"name\":\"أمل\","
                           "\"status\":\"online\",\"chats\":2,\"capacity\":3},{\"login\":\"omar\","
                           "\"name\":\"Omar\",\"status\":\"away\",\"chats\":0,\"capacity\":3}]}");
    free(s);
    s = bot_agent_proto_assigned_transfer("c_1", "ar", "amal", "أمل", "billing", NULL);
    assert_string_equal(s, "{\"type\":\"assigned\",\"conversation\":\"c_1\",\"lang\":\"ar\","
                           "\"by\":\"transfer\",\"from\":{\"login\":\"amal\",\"name\":\"أمل\"},"
                           "\"note\":\"billing\"}");
    free(s);
    s = bot_agent_proto_assigned_transfer("c_1", "en", "amal", "Amal", NULL, NULL);
    assert_non_null(strstr(s, "\"note\":null"));
    free(s);
    s = bot_agent_proto_transfer_meta("amal", "Amal", "omar", "Omar");
    assert_string_equal(s, "{\"transfer\":{\"from\":{\"login\":\"amal\",\"name\":\"Amal\"},"
                           "\"to\":{\"login\":\"omar\",\"name\":\"Omar\"}}}");
    /* kept as a note's meta, the transcript carries it */
    struct store_msg tn = {.conv_id = "c_1",
                           .seq = 4,
                           .sender = "note",
                           .text = "billing",
                           .agent = "Amal",
                           .meta = s,
                           .ts = 11};
    char *f = bot_agent_proto_relay(&tn, NULL);
    assert_non_null(strstr(f, "\"transfer\":{\"from\":{\"login\":\"amal\""));
    assert_non_null(strstr(f, "\"note\":true"));
    free(f);
    free(s);
}

/* issue 15: the case reference in the visitor's queue, agent_joined and closed frames, the
 * agent's assigned and chats items; left out when there is none */
static void case_refs(void **state)
{
    (void)state;
    char *s = bot_agent_proto_visitor_queue(2, 5, "S-7K3M9Q", NULL);
    assert_string_equal(
        s, "{\"type\":\"queue\",\"position\":2,\"eta_minutes\":5,\"case_ref\":\"S-7K3M9Q\"}");
    free(s);
    s = bot_agent_proto_visitor_queue(1, 1, NULL, NULL);
    assert_string_equal(s, "{\"type\":\"queue\",\"position\":1,\"eta_minutes\":1}");
    free(s);
    s = bot_agent_proto_visitor_joined("أمل", "S-7K3M9Q", NULL);
    assert_string_equal(
        s, "{\"type\":\"agent_joined\",\"agent\":{\"name\":\"أمل\"},\"case_ref\":\"S-7K3M9Q\"}");
    free(s);
    s = bot_agent_proto_visitor_closed("resolved", "", NULL);
    assert_string_equal(s, "{\"type\":\"closed\",\"resolution\":\"resolved\"}");
    free(s);
    s = bot_agent_proto_visitor_closed("spam", "S-000000", NULL);
    assert_non_null(strstr(s, "\"case_ref\":\"S-000000\""));
    free(s);
    s = bot_agent_proto_assigned_visitor("c_1", "ar", "auto", NULL, NULL, NULL, "S-7K3M9Q", NULL);
    assert_string_equal(s, "{\"type\":\"assigned\",\"conversation\":\"c_1\",\"lang\":\"ar\","
                           "\"by\":\"auto\",\"case_ref\":\"S-7K3M9Q\"}");
    free(s);
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("chats");
    bot_agent_proto_list_chat_case(l, "S-AAAAAA"); /* no item yet: nothing */
    bot_agent_proto_list_chat_item(l, "c_1", "ar", "agent");
    bot_agent_proto_list_chat_case(l, "S-7K3M9Q");
    bot_agent_proto_list_chat_item(l, "c_2", "en", "agent");
    bot_agent_proto_list_chat_case(l, "");
    s = bot_agent_proto_list_finish(l, NULL);
    assert_string_equal(s,
                        "{\"type\":\"chats\",\"items\":[{\"conversation\":\"c_1\",\"lang\":"
                        "\"ar\",\"state\":\"agent\",\"case_ref\":\"S-7K3M9Q\"},{\"conversation\":"
                        "\"c_2\",\"lang\":\"en\",\"state\":\"agent\"}]}");
    free(s);
}

/* issue 15: case_reply names a case (a reference as typed) or a ticket, never both, with a
 * client_id and words; hostile values refused */
static void case_reply_decoded(void **state)
{
    (void)state;
    static const struct {
        const char *frame;
        int code;
    } cases[] = {
        {"{\"type\":\"case_reply\",\"case\":\"s-7k3 m9q\",\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"case_reply\",\"case\":\"S-7K3M9Q\",\"ticket\":null,\"text\":\"hi\","
         "\"client_id\":\"r\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"case_reply\",\"text\":\"hi\",\"client_id\":\"r\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"case\":\"S-7K3M9Q\",\"ticket\":1,\"text\":\"hi\","
         "\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"case\":\"S-7K3M9\",\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"case\":\"S-7K3M9Q'--\",\"text\":\"hi\",\"client_id\":"
         "\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"case\":\"S-7K3M\\u00009Q\",\"text\":\"hi\",\"client_id\":"
         "\"r\"}",
         BOT_PROTO_BAD_JSON /* a NUL: jansson refuses it */},
        {"{\"type\":\"case_reply\",\"case\":7,\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":0,\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":-3,\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":1.5,\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":\"12\",\"text\":\"hi\",\"client_id\":\"r\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"text\":\"hi\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"text\":\"hi\",\"client_id\":\"a b\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"client_id\":\"r\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"text\":\"  \",\"client_id\":\"r\"}",
         BOT_PROTO_EMPTY},
        {"{\"type\":\"case_reply\",\"ticket\":12,\"text\":\"12345678901\",\"client_id\":\"r\"}",
         BOT_PROTO_TOO_LONG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_agent_in in;
        int got = decode(cases[i].frame, &in);
        if (got != cases[i].code)
            fail_msg("%s: want %d, got %d", cases[i].frame, cases[i].code, got);
        bot_agent_in_fini(&in);
    }
    struct bot_agent_in in;
    assert_int_equal(decode(cases[0].frame, &in), BOT_PROTO_OK);
    assert_int_equal(in.type, BOT_AGENT_IN_CASE_REPLY);
    assert_string_equal(in.case_ref, "S-7K3M9Q"); /* canonical */
    assert_int_equal(in.ticket, 0);
    assert_string_equal(in.text, "hi");
    assert_string_equal(in.client_id, "r");
    bot_agent_in_fini(&in);
    assert_int_equal(decode(cases[1].frame, &in), BOT_PROTO_OK);
    assert_int_equal(in.ticket, 12);
    assert_string_equal(in.case_ref, "");
    bot_agent_in_fini(&in);

    char *s = bot_agent_proto_case_replied("r", "S-7K3M9Q", 0, "c_1", 4, "queued", 9, NULL);
    assert_string_equal(s, "{\"type\":\"case_replied\",\"client_id\":\"r\",\"case_ref\":"
                           "\"S-7K3M9Q\",\"ticket\":null,\"conversation\":\"c_1\",\"seq\":4,"
                           "\"email\":\"queued\",\"mail\":9}");
    free(s);
    s = bot_agent_proto_case_mail("S-7K3M9Q", 3, 9, "failed", "550 \"no\"", NULL);
    assert_string_equal(s, "{\"type\":\"case_mail\",\"case_ref\":\"S-7K3M9Q\",\"ticket\":3,"
                           "\"mail\":9,\"state\":\"failed\",\"error\":\"550 \\\"no\\\"\"}");
    free(s);
    s = bot_agent_proto_mail_detail(9, 2, NULL);
    assert_string_equal(s, "{\"mail\":9,\"attempts\":2,\"error\":null}");
    free(s);
    s = bot_agent_proto_reply_detail(4, "no_address", 0);
    assert_string_equal(s, "{\"seq\":4,\"via\":\"email\",\"email\":\"no_address\",\"mail\":null}");
    free(s);
    assert_string_equal(bot_agent_proto_err_name(BOT_AGENT_VISITOR_CONNECTED), "visitor_connected");
    assert_string_equal(bot_agent_proto_err_name(BOT_AGENT_CASE_CLOSED), "case_closed");
}

/* Routing's fields (issue 15) on queue and chats items, and the sla_breach alert. */
static void routing_fields(void **state)
{
    (void)state;
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("queue");
    struct bot_agent_proto_routing r = {.case_ref = "S-7K3M9Q",
                                        .department = "billing",
                                        .priority = BOT_PRIO_HIGH,
                                        .fallback = 1,
                                        .has_clock = 1,
                                        .first_running = 1,
                                        .first_left_s = -3,
                                        .breached = BOT_SLA_FIRST};
    bot_agent_proto_list_routing(l, &r); /* no item yet: nothing */
    bot_agent_proto_list_queue_item(l, "c_1", 5, "ar", "");
    bot_agent_proto_list_routing(l, &r);
    bot_agent_proto_list_queue_item(l, "c_2", 0, "en", "");
    struct bot_agent_proto_routing none = {.priority = BOT_PRIO_NORMAL, .fallback = -1};
    bot_agent_proto_list_routing(l, &none);
    char *s = bot_agent_proto_list_finish(l, NULL);
    assert_string_equal(
        s, "{\"type\":\"queue\",\"items\":[{\"conversation\":\"c_1\",\"waiting_s\":5,"
           "\"lang\":\"ar\",\"last_question\":null,\"case_ref\":\"S-7K3M9Q\",\"department\":"
           "\"billing\",\"department_labels\":{\"ar\":\"billing\",\"en\":\"billing\"},"
           "\"priority\":\"high\",\"fallback\":true,\"sla\":{\"first_left_s\":-3,"
           "\"resolve_left_s\":null,\"breached\":[\"first\"]}},{\"conversation\":\"c_2\","
           "\"waiting_s\":0,\"lang\":\"en\",\"last_question\":null,\"department\":null,"
           "\"priority\":\"normal\",\"sla\":null}]}");
    free(s);
    size_t len;
    s = bot_agent_proto_sla_breach("c_1", "S-7K3M9Q", BOT_SLA_RESOLVE, "", BOT_PRIO_URGENT, &len);
    assert_string_equal(s, "{\"type\":\"sla_breach\",\"conversation\":\"c_1\",\"case_ref\":"
                           "\"S-7K3M9Q\",\"target\":\"resolve\",\"department\":null,"
                           "\"priority\":\"urgent\"}");
    assert_int_equal(len, strlen(s));
    free(s);
}

/* Issue 15: escalate {conversation, department (optional), note (required)} and transfer to a
 * department (instead of an agent), hostile forms refused with the right code, good ones read. */
static void escalate_decoded(void **state)
{
    (void)state;
    static const struct {
        const char *frame;
        int code;
        const char *dept, *note;
    } cases[] = {
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"why\"}", BOT_PROTO_OK, "",
         "why"},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\" why \",\"department\":null}",
         BOT_PROTO_OK, "", "why"},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":\"tech-2_"
         "b\"}",
         BOT_PROTO_OK, "tech-2_b", "n"},
        {"{\"type\":\"escalate\",\"conversation\":\"c\"}", BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":null}", BOT_PROTO_BAD_FIELD, NULL,
         NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"  \"}", BOT_PROTO_EMPTY, NULL,
         NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"12345678901\"}",
         BOT_PROTO_TOO_LONG, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":1}", BOT_PROTO_BAD_FIELD, NULL,
         NULL},
        {"{\"type\":\"escalate\",\"note\":\"n\"}", BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":\"\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":\"Tech\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":7}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":\"a b\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":"
         "\"abcdefghijklmnopqrstuvwxyz0123456\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL}, /* 33 */
        {"{\"type\":\"escalate\",\"conversation\":\"c\",\"note\":\"n\",\"department\":"
         "\"\xd8\xaa\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":\"billing\"}", BOT_PROTO_OK,
         "billing", NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":\"billing\",\"note\":\"x\"}",
         BOT_PROTO_OK, "billing", "x"},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":null,\"to\":\"amal\"}",
         BOT_PROTO_OK, "", NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":\"b\",\"to\":\"amal\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":\"\"}", BOT_PROTO_BAD_FIELD,
         NULL, NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":[]}", BOT_PROTO_BAD_FIELD,
         NULL, NULL},
        {"{\"type\":\"transfer\",\"conversation\":\"c\",\"department\":\"b\",\"note\":5}",
         BOT_PROTO_BAD_FIELD, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_agent_in in;
        int code = decode(cases[i].frame, &in);
        if (code != cases[i].code)
            fail_msg("%s: code %d, want %d", cases[i].frame, code, cases[i].code);
        if (code == BOT_PROTO_OK) {
            assert_string_equal(in.department, cases[i].dept);
            if (cases[i].note)
                assert_string_equal(in.text, cases[i].note);
            else
                assert_null(in.text);
        } else {
            assert_string_equal(in.department, "");
            assert_null(in.text);
        }
        bot_agent_in_fini(&in);
    }
}

/* The visitor's case frame and the agents frame's departments. */
static void escalation_encoders(void **state)
{
    (void)state;
    size_t len;
    char *j =
        bot_agent_proto_visitor_case("S-7K3M9Q", "escalated", "tech2", "Technical L2", 2, &len);
    assert_string_equal(j,
                        "{\"type\":\"case\",\"case_ref\":\"S-7K3M9Q\",\"status\":\"escalated\","
                        "\"tier\":2,\"department\":{\"id\":\"tech2\",\"label\":\"Technical L2\"}}");
    assert_int_equal(len, strlen(j));
    free(j);
    j = bot_agent_proto_visitor_case("S-7K3M9Q", "solved", "", NULL, 0, &len);
    assert_string_equal(j, "{\"type\":\"case\",\"case_ref\":\"S-7K3M9Q\",\"status\":\"solved\","
                           "\"tier\":1,\"department\":null}");
    free(j);
    struct bot_config_dept d = {.id = "tech", .ar = "الدعم", .en = "Tech"};
    struct bot_agent_proto_list *l = bot_agent_proto_list_new("agents");
    bot_agent_proto_list_dept_item(l, &d, 2, "tech2");
    bot_agent_proto_list_dept_item(l, &d, 0, NULL);
    j = bot_agent_proto_list_finish(l, &len);
    assert_string_equal(j, "{\"type\":\"agents\",\"items\":[],\"departments\":["
                           "{\"id\":\"tech\",\"labels\":{\"ar\":\"الدعم\",\"en\":\"Tech\"},"
                           "\"online\":2,\"escalation\":\"tech2\"},"
                           "{\"id\":\"tech\",\"labels\":{\"ar\":\"الدعم\",\"en\":\"Tech\"},"
                           "\"online\":0,\"escalation\":null}]}");
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes),
        cmocka_unit_test(reply_decoded),
        cmocka_unit_test(transfer_note_decoded),
        cmocka_unit_test(encoders),
        cmocka_unit_test(case_refs),
        cmocka_unit_test(case_reply_decoded),
        cmocka_unit_test(routing_fields),
        cmocka_unit_test(escalate_decoded),
        cmocka_unit_test(escalation_encoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
