/* Unit tests for bot/proto.c: decoding hostile visitor frames and encoding server frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/dialogue.h"
#include "bot/proto.h"
#include "bot/store.h"

static int decode(const char *s, struct bot_proto_in *in)
{
    struct sn_err e = {0};
    int rc = bot_proto_decode(s, strlen(s), 10, in, &e);
    if (rc == SN_OK)
        return BOT_PROTO_OK;
    /* the project's convention, the wire code as its detail */
    assert_int_equal(rc, e.detail == BOT_PROTO_TOO_LONG ? SN_ETOOBIG : SN_EINVAL);
    assert_int_equal(e.code, rc);
    assert_true(e.msg[0] != 0);
    return e.detail;
}

/* hello's visitor id is copied as sent; the case_ref of the visitor frames (issue 15) is there
 * when given and left out when NULL or "" */
static void cases_fields(void **state)
{
    (void)state;
    struct bot_proto_in in;
    assert_int_equal(decode("{\"type\":\"hello\",\"visitor\":\"Ab_-0123456789xyz\"}", &in),
                     BOT_PROTO_OK);
    assert_string_equal(in.visitor, "Ab_-0123456789xyz");
    bot_proto_in_fini(&in);
    assert_int_equal(decode("{\"type\":\"hello\"}", &in), BOT_PROTO_OK);
    assert_string_equal(in.visitor, "");
    bot_proto_in_fini(&in);
    size_t n;
    char *j = bot_proto_offline("nobody_online", "S-7K3M9Q", &n);
    assert_string_equal(
        j, "{\"type\":\"offline\",\"reason\":\"nobody_online\",\"case_ref\":\"S-7K3M9Q\"}");
    assert_int_equal(n, strlen(j));
    free(j);
    j = bot_proto_offline("closed_hours", "", NULL);
    assert_string_equal(j, "{\"type\":\"offline\",\"reason\":\"closed_hours\"}");
    free(j);
    j = bot_proto_message_left(7, "S-7K3M9Q", NULL);
    assert_string_equal(j, "{\"type\":\"message_left\",\"ticket\":7,\"case_ref\":\"S-7K3M9Q\"}");
    free(j);
    j = bot_proto_message_left(8, NULL, NULL);
    assert_string_equal(j, "{\"type\":\"message_left\",\"ticket\":8}");
    free(j);
}

/* profile: the pre-chat form's answers (the shape; the form's own rules are bot/visitor.c's) */
static void profile_frames(void **state)
{
    (void)state;
    static const struct {
        const char *frame;
        int code;
        const char *name, *email, *dept;
        int consent;
    } cases[] = {
        {"{\"type\":\"profile\"}", BOT_PROTO_OK, NULL, "", "", 0},
        {"{\"type\":\"profile\",\"name\":\"  أمل  \",\"email\":\"A@B.EXAMPLE\",\"consent\":true,"
         "\"department\":\"billing\"}",
         BOT_PROTO_OK, "أمل", "A@b.example", "billing", 1},
        {"{\"type\":\"profile\",\"name\":\"   \",\"email\":\"\",\"consent\":false}", BOT_PROTO_OK,
         NULL, "", "", 0},
        {"{\"type\":\"profile\",\"name\":\"a\\u0007b\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":\"a\\u202eb\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":\"a\\u2066b\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":\"a\\u200fb\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":\"a\\u0085b\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":\"a\\nb\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":7}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"name\":[\"a\"]}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"email\":\"a@b.example\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL,
         0},
        {"{\"type\":\"profile\",\"email\":\"a@b.example\",\"consent\":1}", BOT_PROTO_BAD_FIELD,
         NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"email\":\"a@b\",\"consent\":true}", BOT_PROTO_BAD_FIELD, NULL,
         NULL, NULL, 0},
        {"{\"type\":\"profile\",\"email\":\"-a@b.example\",\"consent\":true}", BOT_PROTO_BAD_FIELD,
         NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"email\":5,\"consent\":true}", BOT_PROTO_BAD_FIELD, NULL, NULL,
         NULL, 0},
        {"{\"type\":\"profile\",\"department\":\"../x\"}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL,
         0},
        {"{\"type\":\"profile\",\"department\":\"012345678901234567890123456789012\"}",
         BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
        {"{\"type\":\"profile\",\"department\":{}}", BOT_PROTO_BAD_FIELD, NULL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_proto_in in;
        struct sn_err e = {0};
        int rc = bot_proto_decode(cases[i].frame, strlen(cases[i].frame), 1000, &in, &e);
        int code = rc == SN_OK ? BOT_PROTO_OK : e.detail;
        if (code != cases[i].code)
            fail_msg("%s: code %d, want %d (%s)", cases[i].frame, code, cases[i].code, e.msg);
        if (rc == SN_OK) {
            assert_int_equal(in.type, BOT_IN_PROFILE);
            if (cases[i].name)
                assert_string_equal(in.text, cases[i].name);
            else
                assert_null(in.text);
            assert_string_equal(in.email, cases[i].email);
            assert_string_equal(in.department, cases[i].dept);
            assert_int_equal(in.consent, cases[i].consent);
        }
        bot_proto_in_fini(&in);
    }
    /* a name of 100 characters passes, 101 do not */
    char f[1024];
    snprintf(f, sizeof f, "{\"type\":\"profile\",\"name\":\"%0100d\"}", 0);
    struct bot_proto_in in;
    assert_int_equal(bot_proto_decode(f, strlen(f), 1000, &in, NULL), SN_OK);
    bot_proto_in_fini(&in);
    snprintf(f, sizeof f, "{\"type\":\"profile\",\"name\":\"%0101d\"}", 0);
    assert_int_equal(bot_proto_decode(f, strlen(f), 1000, &in, NULL), SN_EINVAL);
}

static void codes(void **state)
{
    (void)state;
    static const struct {
        const char *frame;
        int code;
    } cases[] = {
        {"", BOT_PROTO_BAD_JSON},
        {"{", BOT_PROTO_BAD_JSON},
        {"[1]", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"a\",\"type\":\"b\"}", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"message\",\"text\":\"\\u0000\",\"client_id\":\"a\"}", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"message\",\"text\":\"\\ud800\",\"client_id\":\"a\"}", BOT_PROTO_BAD_UTF8},
        {"{\"type\":\"message\",\"text\":\"\xff\",\"client_id\":\"a\"}", BOT_PROTO_BAD_UTF8},
        {"{}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":1}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":\"HELLO\"}", BOT_PROTO_UNKNOWN_TYPE},
        {"{\"type\":\"hello\",\"lang\":\"fr\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"last_seq\":-1}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"last_seq\":1.5}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"token\":7}", BOT_PROTO_BAD_FIELD},
        /* hello's visitor id (issue 15): 16..64 of [A-Za-z0-9_-], a string or null */
        {"{\"type\":\"hello\",\"visitor\":\"aaaaaaaaaaaaaaa\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":\"aaaaaaaaaaaaaaa!\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":\"aaaaaaaaaaaaaaa\\u00e9\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":\"aaaaaaaa aaaaaaaa\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":\"aaaaaaaaaaaaaaa\\u0000a\"}", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"hello\",\"visitor\":1234567890123456}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":[\"aaaaaaaaaaaaaaaa\"]}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":\"' OR 1=1 --aaaaaa\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"hello\",\"visitor\":null}", BOT_PROTO_OK},
        {"{\"type\":\"hello\",\"visitor\":\"0123456789_-abcd\"}", BOT_PROTO_OK},
        {"{\"type\":\"hello\",\"visitor\":"
         "\"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"message\",\"text\":\"hi\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"hi\",\"client_id\":\"a/b\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\" \\t\\n\",\"client_id\":\"a\"}", BOT_PROTO_EMPTY},
        {"{\"type\":\"message\",\"text\":\"\\u00a0\\u3000\",\"client_id\":\"a\"}", BOT_PROTO_EMPTY},
        {"{\"type\":\"message\",\"text\":\"12345678901\",\"client_id\":\"a\"}", BOT_PROTO_TOO_LONG},
        {"{\"type\":\"feedback\",\"seq\":0,\"helpful\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"on\":1}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"on\":\"true\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"on\":null}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"typing\",\"on\":false}", BOT_PROTO_OK},
        {"{\"type\":\"seen\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":-3}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":0}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":2.5}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":\"7\"}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":true}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":1e3}", BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"seen\",\"seq\":99999999999999999999}", BOT_PROTO_BAD_JSON},
        {"{\"type\":\"seen\",\"seq\":7}", BOT_PROTO_OK},
        {"{\"type\":\"SEEN\",\"seq\":7}", BOT_PROTO_UNKNOWN_TYPE},
        /* attachments: the id an upload answered, then text may be empty or absent */
        {"{\"type\":\"message\",\"client_id\":\"a\",\"attachment\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"message\",\"text\":\"\",\"client_id\":\"a\",\"attachment\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         BOT_PROTO_OK},
        {"{\"type\":\"message\",\"text\":null,\"client_id\":\"a\",\"attachment\":null}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":7,\"client_id\":\"a\",\"attachment\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"x\",\"client_id\":\"a\",\"attachment\":\"../../etc/"
         "passwd\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"x\",\"client_id\":\"a\",\"attachment\":"
         "\"0123456789ABCDEF0123456789abcdef\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"x\",\"client_id\":\"a\",\"attachment\":"
         "\"0123456789abcdef0123456789abcdef0\"}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"x\",\"client_id\":\"a\",\"attachment\":1}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"x\",\"client_id\":\"a\",\"attachment\":{}}",
         BOT_PROTO_BAD_FIELD},
        {"{\"type\":\"message\",\"text\":\"12345678901\",\"client_id\":\"a\",\"attachment\":"
         "\"0123456789abcdef0123456789abcdef\"}",
         BOT_PROTO_TOO_LONG},
        {"{\"type\":\"ping\"}", BOT_PROTO_OK},
        {"{\"type\":\"hello\",\"token\":null,\"extra\":[1,2]}", BOT_PROTO_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_proto_in in;
        int rc = decode(cases[i].frame, &in);
        if (rc != cases[i].code)
            fail_msg("%s: got %s, want %s", cases[i].frame, bot_proto_err_name(rc),
                     bot_proto_err_name(cases[i].code));
        bot_proto_in_fini(&in);
    }
}

static void message_trimmed_and_counted(void **state)
{
    (void)state;
    struct bot_proto_in in;
    /* ten Arabic letters (20 bytes) fit max_text 10; the spaces are trimmed */
    assert_int_equal(decode("{\"type\":\"message\",\"text\":\"  \xd8\xa8\xd8\xa8\xd8\xa8\xd8\xa8"
                            "\xd8\xa8\xd8\xa8\xd8\xa8\xd8\xa8\xd8\xa8\xd8\xa8 \","
                            "\"client_id\":\"m-1_A\"}",
                            &in),
                     BOT_PROTO_OK);
    assert_int_equal(in.type, BOT_IN_MESSAGE);
    assert_int_equal(strlen(in.text), 20);
    assert_string_equal(in.client_id, "m-1_A");
    bot_proto_in_fini(&in);
}

static void error_keeps_client_id(void **state)
{
    (void)state;
    struct bot_proto_in in;
    assert_int_equal(decode("{\"type\":\"message\",\"text\":\"\",\"client_id\":\"c9\"}", &in),
                     BOT_PROTO_EMPTY);
    assert_string_equal(in.client_id, "c9");
    assert_null(in.text);
}

/* A message with an attachment: the id kept, no text; its meta carries the file's fields,
 * and the stored message's frame carries them as "attachment". */
static void attachment_message(void **state)
{
    (void)state;
    struct bot_proto_in in;
    assert_int_equal(decode("{\"type\":\"message\",\"text\":\"  \",\"client_id\":\"f\","
                            "\"attachment\":\"0123456789abcdef0123456789abcdef\"}",
                            &in),
                     BOT_PROTO_OK);
    assert_string_equal(in.attachment, "0123456789abcdef0123456789abcdef");
    assert_null(in.text);
    bot_proto_in_fini(&in);
    struct store_att a = {.id = "0123456789abcdef0123456789abcdef",
                          .conv_id = "c_1",
                          .type = "image/png",
                          .size = 70,
                          .name = "\xd8\xb5.png"};
    char *meta = bot_proto_attachment_meta(&a);
    struct store_msg m = {.conv_id = "c_1",
                          .seq = 4,
                          .sender = "visitor",
                          .client_id = "f",
                          .text = "",
                          .meta = meta,
                          .ts = 9};
    char *f = bot_proto_stored_message(&m, NULL);
    assert_string_equal(f, "{\"type\":\"message\",\"seq\":4,\"from\":\"visitor\",\"text\":\"\","
                           "\"ts\":9,\"attachment\":{\"id\":\"0123456789abcdef0123456789abcdef\","
                           "\"url\":\"/api/attachments/0123456789abcdef0123456789abcdef\","
                           "\"type\":\"image/png\",\"size\":70,\"name\":\"\xd8\xb5.png\"},"
                           "\"client_id\":\"f\"}");
    free(f);
    free(meta);
}

static void encoders(void **state)
{
    (void)state;
    size_t n;
    char *s = bot_proto_ack("m1", 7, &n);
    assert_string_equal(s, "{\"type\":\"ack\",\"client_id\":\"m1\",\"seq\":7}");
    assert_int_equal(n, strlen(s));
    free(s);
    s = bot_proto_error(BOT_PROTO_TOO_BIG, "big", NULL, NULL);
    assert_non_null(strstr(s, "\"code\":\"too_big\""));
    free(s);
    s = bot_proto_typing(1, &n);
    assert_string_equal(s, "{\"type\":\"typing\",\"from\":\"agent\",\"on\":true}");
    assert_int_equal(n, strlen(s));
    free(s);
    s = bot_proto_typing(0, NULL);
    assert_string_equal(s, "{\"type\":\"typing\",\"from\":\"agent\",\"on\":false}");
    free(s);
    struct bot_proto_in in;
    assert_int_equal(decode("{\"type\":\"seen\",\"seq\":12}", &in), BOT_PROTO_OK);
    assert_int_equal(in.type, BOT_IN_SEEN);
    assert_int_equal(in.seq, 12);
    bot_proto_in_fini(&in);
    struct bot_proto_welcome w = {"tok", "c_1", "bot", "Sanad", 0, 1000, 4096, 0, NULL, "en", 0, 0};
    s = bot_proto_welcome(&w, NULL);
    assert_non_null(strstr(s, "\"is_bot\":true"));
    assert_non_null(strstr(s, "\"resumed\":false"));
    assert_null(strstr(s, "transcript_email")); /* said only where email is set up */
    free(s);
    w.transcript_email = 1;
    s = bot_proto_welcome(&w, NULL);
    assert_non_null(strstr(s, "\"transcript_email\":true"));
    free(s);
    s = bot_proto_transcript_emailed(NULL);
    assert_string_equal(s, "{\"type\":\"transcript_emailed\"}");
    free(s);
    assert_int_equal(decode("{\"type\":\"transcript_email\"}", &in), BOT_PROTO_OK);
    assert_int_equal(in.type, BOT_IN_TRANSCRIPT_EMAIL);
    bot_proto_in_fini(&in);
}

/* Stored messages on the visitor's wire: the shapes the binary sent before messages were
 * stored as fields, key for key (tests/data/store/frame-store.json holds a whole
 * conversation of them, checked by tests/integration/run). */
static void stored_messages(void **state)
{
    (void)state;
    size_t n;
    struct store_msg v = {.conv_id = "c_1",
                          .seq = 3,
                          .sender = "visitor",
                          .client_id = "m1",
                          .text = "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
                          .ts = 5};
    char *s = bot_proto_stored_message(&v, &n);
    assert_string_equal(
        s, "{\"type\":\"message\",\"seq\":3,\"from\":\"visitor\",\"text\":"
           "\"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\",\"ts\":5,\"client_id\":\"m1\"}");
    assert_int_equal(n, strlen(s));
    free(s);

    struct bot_turn t = {
        .kind = BOT_TURN_SUGGESTIONS, .band = 1, .lang = "en", .nsugg = 1, .offer_human = 1};
    t.sugg[0].kb_id = "en-001";
    t.sugg[0].question = "When is my bill due?";
    char *meta = bot_proto_turn_meta(&t);
    assert_string_equal(meta, "{\"lang\":\"en\",\"suggestions\":[{\"kb_id\":\"en-001\","
                              "\"question\":\"When is my bill due?\"}],\"ask_feedback\":false,"
                              "\"offer_human\":true}");
    struct store_msg b = {.conv_id = "c_1",
                          .seq = 4,
                          .sender = "bot",
                          .text = "Did you mean?",
                          .kind = "suggestions",
                          .band = "medium",
                          .meta = meta,
                          .ts = 6};
    s = bot_proto_stored_message(&b, NULL);
    assert_string_equal(s,
                        "{\"type\":\"message\",\"seq\":4,\"from\":\"bot\",\"text\":"
                        "\"Did you mean?\",\"ts\":6,\"is_bot\":true,\"kind\":\"suggestions\","
                        "\"kb_id\":null,\"band\":\"medium\",\"intent\":null,\"lang\":\"en\","
                        "\"suggestions\":[{\"kb_id\":\"en-001\",\"question\":"
                        "\"When is my bill due?\"}],\"ask_feedback\":false,\"offer_human\":true}");
    free(s);
    free(meta);

    /* meta never overrides a column, and meta that is not an object is left out */
    b.meta = "{\"seq\":99,\"from\":\"agent\",\"is_bot\":false,\"x\":1}";
    s = bot_proto_stored_message(&b, NULL);
    assert_non_null(strstr(s, "\"seq\":4,\"from\":\"bot\""));
    assert_non_null(strstr(s, "\"is_bot\":true"));
    assert_null(strstr(s, "99"));
    assert_non_null(strstr(s, "\"intent\":null,\"x\":1}"));
    free(s);
    b.meta = "[1,2";
    s = bot_proto_stored_message(&b, NULL);
    assert_non_null(strstr(s, "\"intent\":null}"));
    free(s);

    struct store_msg sys = {
        .conv_id = "c_1", .seq = 5, .sender = "system", .text = "joined", .ts = 7};
    s = bot_proto_stored_message(&sys, NULL);
    assert_string_equal(s, "{\"type\":\"message\",\"seq\":5,\"from\":\"system\",\"text\":"
                           "\"joined\",\"ts\":7}");
    free(s);

    /* an agent's client_id is its own ("a:…"), never on the wire */
    struct store_msg ag = {.conv_id = "c_1",
                           .seq = 6,
                           .sender = "agent",
                           .client_id = "a:r1",
                           .text = "hi",
                           .agent = "أمل",
                           .ts = 1};
    s = bot_proto_stored_message(&ag, NULL);
    assert_string_equal(s, "{\"type\":\"message\",\"seq\":6,\"from\":\"agent\",\"text\":\"hi\","
                           "\"ts\":1,\"agent\":{\"name\":\"أمل\"}}");
    free(s);
    ag.sender = "note";
    s = bot_proto_stored_message(&ag, NULL);
    assert_string_equal(s, "{\"type\":\"message\",\"seq\":6,\"from\":\"agent\",\"text\":\"hi\","
                           "\"ts\":1,\"agent\":{\"name\":\"أمل\"},\"note\":true}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes),
        cmocka_unit_test(profile_frames),
        cmocka_unit_test(message_trimmed_and_counted),
        cmocka_unit_test(error_keeps_client_id),
        cmocka_unit_test(encoders),
        cmocka_unit_test(cases_fields),
        cmocka_unit_test(attachment_message),
        cmocka_unit_test(stored_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
