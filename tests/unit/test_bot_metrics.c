/* Unit tests for bot/metrics.c (the registry and its text exposition) and the access rule of
 * bot/http_metrics.c: exact lines for counters, gauges and cumulative histogram buckets
 * (bounds inclusive, +Inf, _sum and _count), label escaping of hostile values, out-of-range
 * labels dropped or counted as "other", and a table of who may scrape (loopback bind, CIDR
 * ranges, bearer tokens right, wrong, empty, longer or shorter, a missing token file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/http_metrics.h"
#include "bot/metrics.h"
#include "bot/proto.h"
#include "kb/base.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *render(void)
{
    struct bot_metrics_live live = {.sockets_visitor = 3,
                                    .sockets_agent = 1,
                                    .conv_bot = 2,
                                    .conv_queued = 1,
                                    .queue_length = 1,
                                    .agents_online = 1};
    struct sn_buf b;
    sn_buf_init(&b, 1 << 20);
    assert_int_equal(bot_metrics_render(&live, &b), SN_OK);
    return sn_buf_take(&b);
}

static void has_line(const char *text, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (!strstr(text, want)) {
        print_error("missing line: %s\n", line);
        fail();
    }
}

static void test_counters_and_gauges(void **state)
{
    (void)state;
    bot_metrics_reset();
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_VISITOR);
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_VISITOR);
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_SYSTEM);
    bot_metrics_inc(BOT_M_MESSAGES, BOT_MS_N); /* out of range: dropped */
    bot_metrics_inc(BOT_M_MESSAGES, -1);       /* dropped */
    bot_metrics_inc(BOT_M_QUEUE_WAIT, 0);      /* a histogram is not a counter: ignored */
    bot_metrics_inc((enum bot_metric)999, 0);  /* no such metric: ignored */
    bot_metrics_inc(BOT_M_TURNS, bot_metrics_turn(BOT_TURN_ANSWER, 2));
    bot_metrics_inc(BOT_M_TURNS, bot_metrics_turn(BOT_TURN_WELCOME, -1));
    bot_metrics_inc(BOT_M_TURNS, bot_metrics_turn(99, 0)); /* -1: dropped */
    bot_metrics_inc(BOT_M_HANDOFFS, bot_metrics_handoff_of(NULL));
    bot_metrics_inc(BOT_M_HANDOFFS, bot_metrics_handoff_of("affirm"));
    bot_metrics_inc(BOT_M_HANDOFFS, bot_metrics_handoff_of("ask_for_human"));
    bot_metrics_inc(BOT_M_ERRORS, bot_metrics_error(BOT_PROTO_BAD_JSON));
    bot_metrics_inc(BOT_M_ERRORS, bot_metrics_error(BOT_PROTO_INTERNAL));
    bot_metrics_inc(BOT_M_ERRORS, bot_metrics_error(12345)); /* other */
    bot_metrics_inc(BOT_M_ERRORS, 1000);                     /* other too */
    bot_metrics_inc(BOT_M_CSAT, 4);
    bot_metrics_inc(BOT_M_RATE_LIMITED, 0);
    char *t = render();
    has_line(t, "# TYPE sanad_messages_total counter");
    has_line(t, "sanad_messages_total{sender=\"visitor\"} 2");
    has_line(t, "sanad_messages_total{sender=\"bot\"} 0");
    has_line(t, "sanad_messages_total{sender=\"system\"} 1");
    has_line(t, "sanad_bot_turns_total{kind=\"answer\",band=\"high\"} 1");
    has_line(t, "sanad_bot_turns_total{kind=\"welcome\",band=\"none\"} 1");
    has_line(t, "sanad_bot_turns_total{kind=\"handoff\",band=\"high\"} 0");
    has_line(t, "sanad_handoffs_total{reason=\"button\"} 1");
    has_line(t, "sanad_handoffs_total{reason=\"accepted_offer\"} 1");
    has_line(t, "sanad_handoffs_total{reason=\"asked\"} 1");
    has_line(t, "sanad_errors_total{code=\"bad_json\"} 1");
    has_line(t, "sanad_errors_total{code=\"internal\"} 1");
    has_line(t, "sanad_errors_total{code=\"at_capacity\"} 0");
    has_line(t, "sanad_errors_total{code=\"other\"} 2");
    has_line(t, "sanad_csat_ratings_total{score=\"5\"} 1");
    has_line(t, "sanad_csat_ratings_total{score=\"1\"} 0");
    has_line(t, "sanad_rate_limited_frames_total 1");
    has_line(t, "sanad_tickets_total 0");
    has_line(t, "# TYPE sanad_sockets_open gauge");
    has_line(t, "sanad_sockets_open{kind=\"visitor\"} 3");
    has_line(t, "sanad_sockets_open{kind=\"agent\"} 1");
    has_line(t, "sanad_conversations{state=\"queued\"} 1");
    has_line(t, "sanad_queue_length 1");
    has_line(t, "sanad_agents{presence=\"away\"} 0");
    /* every metric is sanad_; HELP before TYPE, once per family */
    for (const char *p = t; *p; p = strchr(p, '\n') + 1) {
        if (*p != '#')
            assert_memory_equal(p, "sanad_", 6);
        if (!strchr(p, '\n'))
            break;
    }
    free(t);
}

static void test_histogram(void **state)
{
    (void)state;
    bot_metrics_reset();
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, 500);     /* on the first bound: in it (le) */
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, 501);     /* the next */
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, -7);      /* counts as 0 */
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, 9000000); /* past the last: +Inf only */
    bot_metrics_observe(BOT_M_MESSAGES, 5);             /* a counter: ignored */
    bot_metrics_observe(BOT_M_QUEUE_WAIT, 61000000);
    char *t = render();
    has_line(t, "# TYPE sanad_search_seconds histogram");
    has_line(t, "sanad_search_seconds_bucket{le=\"0.0005\"} 2");
    has_line(t, "sanad_search_seconds_bucket{le=\"0.001\"} 3");
    has_line(t, "sanad_search_seconds_bucket{le=\"5\"} 3");
    has_line(t, "sanad_search_seconds_bucket{le=\"+Inf\"} 4");
    has_line(t, "sanad_search_seconds_sum 9.001001");
    has_line(t, "sanad_search_seconds_count 4");
    has_line(t, "sanad_queue_wait_seconds_bucket{le=\"60\"} 0");
    has_line(t, "sanad_queue_wait_seconds_bucket{le=\"120\"} 1");
    has_line(t, "sanad_queue_wait_seconds_count 1");
    has_line(t, "sanad_first_response_seconds_count 0");
    has_line(t, "sanad_first_response_seconds_sum 0.000000");
    free(t);
}

static void test_label_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a\"b", "a\\\"b"},
        {"back\\slash", "back\\\\slash"},
        {"two\nlines", "two\\nlines"},
        {"\"\\\n", "\\\"\\\\\\n"},
        {"عربي", "عربي"}, /* UTF-8 passes as it is */
        {"", ""},
        {"} 1\nsanad_fake 9", "} 1\\nsanad_fake 9"}, /* no line can be injected */
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct sn_buf b;
        sn_buf_init(&b, 256);
        assert_int_equal(bot_metrics_label_escape(&b, cases[i].in), SN_OK);
        assert_string_equal(b.p ? b.p : "", cases[i].out);
        sn_buf_fini(&b);
    }
    /* a full buffer is an error, not an overrun */
    struct sn_buf b;
    sn_buf_init(&b, 4);
    assert_int_equal(bot_metrics_label_escape(&b, "\"\"\"\""), SN_ETOOBIG);
    sn_buf_fini(&b);
}

static void test_render_cap(void **state)
{
    (void)state;
    struct bot_metrics_live live = {0};
    struct sn_buf b;
    sn_buf_init(&b, 100);
    assert_int_equal(bot_metrics_render(&live, &b), SN_ETOOBIG);
    assert_true(b.len <= 100);
    sn_buf_fini(&b);
}

static void test_loopback(void **state)
{
    (void)state;
    static const struct {
        const char *bind;
        int loop;
    } cases[] = {
        {"127.0.0.1", 1}, {"127.1.2.3", 1}, {"::1", 1},       {"localhost", 1},
        {"0.0.0.0", 0},   {"::", 0},        {"192.0.2.1", 0}, {"", 0},
        {"128.0.0.1", 0}, {"garbage", 0},   {"::2", 0},       {"126.255.255.255", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        assert_int_equal(bot_http_metrics_loopback(cases[i].bind), cases[i].loop);
    assert_int_equal(bot_http_metrics_loopback(NULL), 0);
}

static void test_allowed(void **state)
{
    (void)state;
    char path[] = "/tmp/test_bot_metrics_tokXXXXXX", bearer[64],
         empty[] = "/tmp/test_bot_metrics_emXXXXXX";
    int fd = mkstemp(path), fe = mkstemp(empty);
    assert_true(fd >= 0 && fe >= 0);
    assert_int_equal(write(fd, "  s3cret-token \nsecond line\n", 28), 28);
    assert_int_equal(write(fe, " \n", 2), 2);
    close(fd);
    close(fe);
    snprintf(bearer, sizeof bearer, "bearer:%s", path);
    char emptyb[64];
    snprintf(emptyb, sizeof emptyb, "bearer:%s", empty);
    struct bot_config_list none = {.n = 0};
    struct bot_config_list nets = {.v = {"10.0.0.0/8", "192.0.2.7", "fd00::/8"}, .n = 3};
    struct bot_config_list tok = {.v = {bearer}, .n = 1};
    struct bot_config_list both = {.v = {"10.0.0.0/8", bearer}, .n = 2};
    struct bot_config_list missing = {.v = {"bearer:/nonexistent/h5/token"}, .n = 1};
    struct bot_config_list blank = {.v = {emptyb}, .n = 1};
    static const char *const lo = "127.0.0.1";
    struct {
        const struct bot_config_list *allow;
        int loop;
        const char *client, *bearer;
        int ok;
    } cases[] = {
        {&none, 1, lo, NULL, 1}, /* unset: a loopback bind serves it */
        {&none, 0, lo, NULL, 0}, /* unset, public bind: never, even from loopback */
        {&none, 0, lo, "s3cret-token", 0},
        {NULL, 1, "192.0.2.1", NULL, 0}, /* unset: a forwarded visitor is not local */
        {NULL, 1, "::1", NULL, 1},
        {NULL, 1, "127.9.9.9", NULL, 1},
        {NULL, 1, NULL, NULL, 0},
        {&nets, 0, "10.1.2.3", NULL, 1},
        {&nets, 0, "192.0.2.7", NULL, 1},
        {&nets, 0, "192.0.2.8", NULL, 0},
        {&nets, 0, "fd12::1", NULL, 1},
        {&nets, 0, "fe80::1", NULL, 0},
        {&nets, 1, "127.0.0.1", NULL, 0}, /* set: the loopback bind no longer lets anyone in */
        {&nets, 0, "garbage", NULL, 0},
        {&nets, 0, NULL, NULL, 0},
        {&nets, 0, "10.1.2.3", "anything", 1},
        {&tok, 0, "10.1.2.3", NULL, 0},
        {&tok, 0, "10.1.2.3", "", 0},
        {&tok, 0, "10.1.2.3", "s3cret-token", 1},
        {&tok, 0, "10.1.2.3", "s3cret-toke", 0},   /* shorter */
        {&tok, 0, "10.1.2.3", "s3cret-token2", 0}, /* longer */
        {&tok, 0, "10.1.2.3", "S3CRET-TOKEN", 0},  /* case matters */
        {&tok, 0, "10.1.2.3", "second line", 0},   /* only the first line is the token */
        {&tok, 0, "10.1.2.3", " s3cret-token", 0},
        {&both, 0, "10.9.9.9", NULL, 1},
        {&both, 0, "192.0.2.1", NULL, 0},
        {&both, 0, "192.0.2.1", "s3cret-token", 1},
        {&both, 0, "192.0.2.1", "wrong", 0},
        {&missing, 0, lo, "s3cret-token", 0}, /* an unreadable file matches nothing */
        {&blank, 0, lo, "", 0},               /* nor does an empty one, even with "" */
        {&blank, 0, lo, " ", 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got = bot_http_metrics_allowed(cases[i].allow, cases[i].loop, cases[i].client,
                                           cases[i].bearer);
        if (got != cases[i].ok) {
            print_error("case %zu: client %s bearer %s: got %d\n", i,
                        cases[i].client ? cases[i].client : "(null)",
                        cases[i].bearer ? cases[i].bearer : "(null)", got);
            fail();
        }
    }
    unlink(path);
    unlink(empty);
    /* a token line longer than BOT_METRICS_TOKEN_MAX is no token: its cut start never matches */
    char longp[] = "/tmp/test_bot_metrics_lgXXXXXX", longb[64], tokstr[700];
    int fl = mkstemp(longp);
    assert_true(fl >= 0);
    memset(tokstr, 'k', 600);
    tokstr[600] = '\n';
    assert_int_equal(write(fl, tokstr, 601), 601);
    close(fl);
    snprintf(longb, sizeof longb, "bearer:%s", longp);
    struct bot_config_list longl = {.v = {longb}, .n = 1};
    tokstr[600] = 0;
    assert_int_equal(bot_http_metrics_allowed(&longl, 0, "127.0.0.1", tokstr), 0);
    tokstr[BOT_METRICS_TOKEN_MAX] = 0;
    assert_int_equal(bot_http_metrics_allowed(&longl, 0, "127.0.0.1", tokstr), 0);
    tokstr[BOT_METRICS_TOKEN_MAX + 1] = 0;
    unlink(longp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_gauges),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_label_escape),
        cmocka_unit_test(test_render_cap),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
