/* Unit tests for bot/config.c's reload (SIGHUP): per key, a change to a live key is moved
 * into the running config and reported as applied, a change to a key read at startup is
 * reported and left alone, an unchanged key is not reported; lists and business hours are
 * compared and reported as the file would write them; what the reload moved out is freed
 * with the new config (the sanitizer build checks that nothing leaks or is freed twice). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct seen {
    char key[64], was[256], now[256];
    int applied;
};
struct log {
    struct seen v[16];
    int n;
};

static void record(void *ctx, const char *key, const char *was, const char *now, int applied)
{
    struct log *l = ctx;
    assert_true(l->n < (int)N(l->v));
    struct seen *s = &l->v[l->n++];
    snprintf(s->key, sizeof s->key, "%s", key);
    snprintf(s->was, sizeof s->was, "%s", was);
    snprintf(s->now, sizeof s->now, "%s", now);
    s->applied = applied;
}

static void set(struct bot_config *c, const char *key, const char *value)
{
    struct sn_err e = {0};
    if (bot_config_set(c, key, value, &e))
        fail_msg("set %s %s: %s", key, value, e.msg);
}

/* One key changed from `from` to `to`: reported (was, now as the file writes them) and
 * applied or not. */
static void test_one_key_each(void **state)
{
    (void)state;
    static const struct {
        const char *key, *from, *to, *was, *now;
        int applied;
    } cases[] = {
        {"rate", "5", "9", "5", "9", 1},
        {"max_text", "1000", "20", "1000", "20", 1},
        {"allow_no_origin", "yes", "no", "yes", "no", 1},
        {"answer_precision", "0.9", "0.95", "0.9", "0.95", 1},
        {"routing", "auto", "pick", "auto", "pick", 1},
        {"log_level", "notice", "debug", "notice", "debug", 1},
        {"bot_name", "Sanad", "سند", "Sanad", "سند", 1},
        {"bot_name_en", "Sanad", "Helper", "Sanad", "Helper", 1},
        {"prechat", "none", "name* email", "none", "name* email", 1},
        {"departments", "none", "a:ا:A,b:ب:B", "none", "a:ا:A, b:ب:B", 1},
        {"allowed_origins", "https://A.example", "https://b.example http://c.example:81/",
         "https://a.example", "https://b.example http://c.example:81", 1},
        {"server_names", "none", "chat.example", "", "chat.example", 1},
        {"trusted_proxies", "10.0.0.1", "none", "10.0.0.1", "", 1},
        {"business_hours", "none", "sun-thu 09:00-17:00; sat 10:00-12:00 13:00-14:00", "none",
         "sun 09:00-17:00; mon 09:00-17:00; tue 09:00-17:00; wed 09:00-17:00; thu "
         "09:00-17:00; sat 10:00-12:00 13:00-14:00",
         1},
        {"texts_dir", "/a", "/b", "/a", "/b", 1},
        {"port", "8080", "8081", "8080", "8081", 0},
        {"bind", "127.0.0.1", "0.0.0.0", "127.0.0.1", "0.0.0.0", 0},
        {"store_db", "/x/store.db", "/y/store.db", "/x/store.db", "/y/store.db", 0},
        {"rx_buffer", "512", "1024", "512", "1024", 0},
        {"timezone", "UTC", "Asia/Riyadh", "UTC", "Asia/Riyadh", 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_config cur, next;
        struct log l = {0};
        bot_config_init(&cur);
        bot_config_init(&next);
        set(&cur, cases[i].key, cases[i].from);
        set(&next, cases[i].key, cases[i].to);
        int applied = bot_config_reload(&cur, &next, record, &l);
        if (l.n != 1 || strcmp(l.v[0].key, cases[i].key) || strcmp(l.v[0].was, cases[i].was) ||
            strcmp(l.v[0].now, cases[i].now) || l.v[0].applied != cases[i].applied ||
            applied != cases[i].applied)
            fail_msg("%s %s -> %s: %d reports (%s was '%s' now '%s' applied %d), returned %d",
                     cases[i].key, cases[i].from, cases[i].to, l.n, l.n ? l.v[0].key : "-",
                     l.n ? l.v[0].was : "-", l.n ? l.v[0].now : "-", l.n ? l.v[0].applied : -1,
                     applied);
        /* a second reload from an identical config reports nothing when it was applied,
         * and the same pending change again when it needs a restart */
        struct bot_config again;
        struct log l2 = {0};
        bot_config_init(&again);
        set(&again, cases[i].key, cases[i].to);
        bot_config_reload(&cur, &again, record, &l2);
        assert_int_equal(l2.n, cases[i].applied ? 0 : 1);
        bot_config_fini(&again);
        bot_config_fini(&next);
        bot_config_fini(&cur);
    }
}

static void test_live_values_take_effect(void **state)
{
    (void)state;
    struct bot_config cur, next;
    struct log l = {0};
    bot_config_init(&cur);
    bot_config_init(&next);
    set(&next, "rate", "7");
    set(&next, "allowed_origins", "https://shop.example");
    set(&next, "business_hours", "fri 08:00-09:00");
    set(&next, "port", "1");
    assert_int_equal(bot_config_reload(&cur, &next, record, &l), 3);
    assert_int_equal(l.n, 4);
    assert_int_equal(cur.rate, 7);
    assert_int_equal(cur.origins.n, 1);
    assert_string_equal(cur.origins.v[0], "https://shop.example");
    assert_int_equal(cur.hours_set, 1);
    assert_int_equal(cur.nwin[5], 1);
    assert_int_equal(cur.win[5][0][0], 8 * 60);
    assert_int_equal(cur.nwin[0], 0);
    assert_int_equal(cur.port, 8080);    /* needs a restart */
    assert_int_equal(next.origins.n, 0); /* what cur held moved to next, freed with it */
    bot_config_fini(&next);
    bot_config_fini(&cur);
}

static void test_nothing_changed_nothing_reported(void **state)
{
    (void)state;
    struct bot_config cur, next;
    struct log l = {0};
    bot_config_init(&cur);
    bot_config_init(&next);
    assert_int_equal(bot_config_reload(&cur, &next, record, &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(bot_config_reload(&cur, &next, NULL, NULL), 0);
    bot_config_fini(&next);
    bot_config_fini(&cur);
}

/* trusted_proxies (issue 12): addresses and CIDR ranges, IPv4 and IPv6, are kept as
 * written; a bad entry refuses the value with an error naming it. */
static void test_trusted_proxies(void **state)
{
    (void)state;
    static const struct {
        const char *value, *kept; /* kept NULL: refused */
    } cases[] = {
        {"127.0.0.1", "127.0.0.1"},
        {"10.0.0.0/8 127.0.0.1 fd00::/8 ::1", "10.0.0.0/8 127.0.0.1 fd00::/8 ::1"},
        {"192.168.0.0/16,172.16.0.0/12", "192.168.0.0/16 172.16.0.0/12"},
        {"FD00::/8", "fd00::/8"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"none", ""},
        {"10.0.0.0/33", NULL},
        {"abc", NULL},
        {"1.2.3.4/", NULL},
        {"127.0.0.1 1.2.3.4/", NULL},
        {"::/129", NULL},
        {"1.2.3.4/-8", NULL},
        {"300.1.1.1", NULL},
        {"localhost", NULL},
        {"10.0.0.0/8/8", NULL},
        {"[::1]", NULL},
        {"\xd9\xa1.1.1.1", NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_config c;
        struct sn_err e = {0};
        bot_config_init(&c);
        set(&c, "trusted_proxies", "192.0.2.1");
        int rc = bot_config_set(&c, "trusted_proxies", cases[i].value, &e);
        char got[512] = "";
        for (int k = 0; k < c.trusted_proxies.n; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? " " : "",
                     c.trusted_proxies.v[k]);
        if (cases[i].kept) {
            if (rc != SN_OK)
                fail_msg("'%s' refused: %s", cases[i].value, e.msg);
            /* "none" clears what was set before; others add to it */
            char want[512];
            snprintf(want, sizeof want, "%s%s%s", strcmp(cases[i].value, "none") ? "192.0.2.1" : "",
                     *cases[i].kept && strcmp(cases[i].value, "none") ? " " : "", cases[i].kept);
            assert_string_equal(got, want);
        } else {
            if (rc != SN_EINVAL)
                fail_msg("'%s' accepted", cases[i].value);
            if (!strstr(e.msg, "trusted_proxies") || !strstr(e.msg, "CIDR"))
                fail_msg("'%s': the error '%s' does not say which key and what is wanted",
                         cases[i].value, e.msg);
            const char *bad = strrchr(cases[i].value, ' ');
            bad = bad ? bad + 1 : cases[i].value;
            if (!strstr(e.msg, bad))
                fail_msg("'%s': the error '%s' does not name the entry", cases[i].value, e.msg);
        }
        bot_config_fini(&c);
    }
}

/* bot_name per language: each language's own name, else bot_name, else سند / Sanad. */
static void test_bot_name_per_language(void **state)
{
    (void)state;
    static const struct {
        const char *common, *ar, *en, *want_ar, *want_en;
    } cases[] = {
        {NULL, NULL, NULL, "سند", "Sanad"}, {"X", NULL, NULL, "X", "X"},
        {"X", "مساعد", NULL, "مساعد", "X"}, {NULL, NULL, "Helper", "سند", "Helper"},
        {"X", "س", "S", "س", "S"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_config c;
        bot_config_init(&c);
        if (cases[i].common)
            set(&c, "bot_name", cases[i].common);
        if (cases[i].ar)
            set(&c, "bot_name_ar", cases[i].ar);
        if (cases[i].en)
            set(&c, "bot_name_en", cases[i].en);
        assert_string_equal(bot_config_bot_name(&c, "ar"), cases[i].want_ar);
        assert_string_equal(bot_config_bot_name(&c, "en"), cases[i].want_en);
        assert_string_equal(bot_config_bot_name(&c, "fr"), cases[i].want_en);
        bot_config_fini(&c);
    }
    /* hostile names: refused with the key named, the name before kept */
    static const char *const bad[] = {
        "a\x01b",
        "a{bot}",
        "\xff\xfe",
        "a,b",
        "a:b",
        "0123456789012345678901234567890123456789012345678901234567890"
        "1234567890123456789012345678901234567890123456789012345678901"
        "234567890"};
    for (size_t i = 0; i < N(bad); i++) {
        struct bot_config c;
        struct sn_err e = {0};
        bot_config_init(&c);
        set(&c, "bot_name_ar", "سند");
        if (bot_config_set(&c, "bot_name_ar", bad[i], &e) != SN_EINVAL)
            fail_msg("bot_name_ar '%s' accepted", bad[i]);
        assert_non_null(strstr(e.msg, "bot_name_ar"));
        assert_string_equal(c.bot_name_ar, "سند");
        bot_config_fini(&c);
    }
}

/* prechat: which fields, which required; bad words refused, nothing changed. */
static void test_prechat(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int ok;
        unsigned on, req;
    } cases[] = {
        {"none", 1, 0, 0},
        {"", 1, 0, 0},
        {"name", 1, BOT_PRECHAT_NAME, 0},
        {"name* email department", 1, 7, BOT_PRECHAT_NAME},
        {"name,email*,department*", 1, 7, BOT_PRECHAT_EMAIL | BOT_PRECHAT_DEPARTMENT},
        {"email", 1, BOT_PRECHAT_EMAIL, 0},
        {"phone", 0, 0, 0},
        {"name name", 0, 0, 0},
        {"name*  *", 0, 0, 0},
        {"Name", 0, 0, 0},
        {"name none", 0, 0, 0},
        {"email**", 0, 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_config c;
        struct sn_err e = {0};
        bot_config_init(&c);
        set(&c, "prechat", "email*");
        int rc = bot_config_set(&c, "prechat", cases[i].value, &e);
        if (cases[i].ok) {
            if (rc)
                fail_msg("prechat '%s' refused: %s", cases[i].value, e.msg);
            assert_int_equal(c.prechat, cases[i].on);
            assert_int_equal(c.prechat_required, cases[i].req);
        } else {
            if (rc != SN_EINVAL)
                fail_msg("prechat '%s' accepted", cases[i].value);
            assert_non_null(strstr(e.msg, "prechat"));
            assert_int_equal(c.prechat, BOT_PRECHAT_EMAIL); /* unchanged */
            assert_int_equal(c.prechat_required, BOT_PRECHAT_EMAIL);
        }
        bot_config_fini(&c);
    }
}

/* departments: id:ar:en entries; bad ones refuse the whole value, the list before kept. */
static void test_departments(void **state)
{
    (void)state;
    struct bot_config c;
    struct sn_err e = {0};
    bot_config_init(&c);
    set(&c, "departments", "billing:الفواتير:Billing, tech:الدعم الفني:Technical support,");
    assert_int_equal(c.depts.n, 2);
    assert_string_equal(c.depts.v[1].id, "tech");
    assert_string_equal(c.depts.v[1].ar, "الدعم الفني");
    assert_string_equal(c.depts.v[1].en, "Technical support");
    assert_non_null(bot_config_dept_find(&c, "billing"));
    assert_null(bot_config_dept_find(&c, "sales"));
    assert_null(bot_config_dept_find(&c, NULL));
    static const char *const bad[] = {
        "billing",                                 /* no labels */
        "billing:الفواتير",                        /* one label */
        "billing:a:b:c",                           /* four fields */
        "Billing:a:b",                             /* upper case id */
        "bill ing:a:b",                            /* space in the id */
        ":a:b",                                    /* empty id */
        "a:b:",                                    /* empty label */
        "a:\x01:b",                                /* control character */
        "a:x:\xc3",                                /* bad UTF-8 */
        "a:x:y, a:z:w",                            /* twice */
        "a:{bot}:b",                               /* a placeholder */
        "a0123456789012345678901234567890123:x:y", /* id of 34 bytes */
    };
    for (size_t i = 0; i < N(bad); i++) {
        if (bot_config_set(&c, "departments", bad[i], &e) != SN_EINVAL)
            fail_msg("departments '%s' accepted", bad[i]);
        assert_non_null(strstr(e.msg, "departments"));
        assert_int_equal(c.depts.n, 2);
    }
    char many[2048] = "";
    for (int i = 0; i <= BOT_CONFIG_MAX_DEPTS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "d%d:x:y,", i);
    assert_int_equal(bot_config_set(&c, "departments", many, &e), SN_EINVAL);
    set(&c, "departments", "none");
    assert_int_equal(c.depts.n, 0);
    bot_config_fini(&c);

    /* a form that asks for a department needs the list */
    static char *argv_bad[] = {"serve", "--prechat", "department", NULL};
    static char *argv_ok[] = {"serve", "--prechat", "department*", "--departments", "a:ا:A", NULL};
    bot_config_init(&c);
    assert_int_equal(bot_config_args(&c, 3, argv_bad, &e), SN_EINVAL);
    assert_non_null(strstr(e.msg, "departments"));
    bot_config_fini(&c);
    bot_config_init(&c);
    if (bot_config_args(&c, 5, argv_ok, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(c.prechat_required, BOT_PRECHAT_DEPARTMENT);
    bot_config_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_key_each),
        cmocka_unit_test(test_bot_name_per_language),
        cmocka_unit_test(test_prechat),
        cmocka_unit_test(test_departments),
        cmocka_unit_test(test_live_values_take_effect),
        cmocka_unit_test(test_nothing_changed_nothing_reported),
        cmocka_unit_test(test_trusted_proxies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
