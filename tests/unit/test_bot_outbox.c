/* bot/outbox.h and bot/smtp.h without a mail server: the retry policy, header encoding,
 * the loopback rule, and what bot_outbox_add refuses (on a real SQLite file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "bot/outbox.h"
#include "bot/smtp.h"

static void retry_policy(void **st)
{
    (void)st;
    const struct bot_outbox_policy p = {.max_attempts = 5, .base_s = 60, .cap_s = 600};
    static const struct {
        int n, permanent;
        long want;
    } cases[] = {
        {1, 0, 60}, {2, 0, 120}, {3, 0, 240}, {4, 0, 480}, /* doubling */
        {5, 0, -1},                                        /* the last attempt failed */
        {1, 1, -1}, {3, 1, -1},                            /* a 5xx: no point in trying again */
        {9, 0, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(bot_outbox_retry_after(&p, cases[i].n, cases[i].permanent), cases[i].want);
    const struct bot_outbox_policy capped = {.max_attempts = 40, .base_s = 60, .cap_s = 600};
    assert_int_equal(bot_outbox_retry_after(&capped, 5, 0), 600);  /* 960 capped */
    assert_int_equal(bot_outbox_retry_after(&capped, 39, 0), 600); /* no overflow */
}

/* Decodes "=?UTF-8?B?…?= =?UTF-8?B?…?=" back to UTF-8, checking each word's length. */
static void decode_words(const char *v, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = v;
    while (*p) {
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75); /* RFC 2047 */
        size_t got;
        assert_int_equal(sodium_base642bin((unsigned char *)out + n, cap - n, p + 10,
                                           (size_t)(end - p - 10), NULL, &got, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        n += got;
        p = end + 2;
        if (*p == ' ')
            p++;
    }
    out[n] = 0;
}

static void header_values(void **st)
{
    (void)st;
    char *v = bot_smtp_header_value("Your chat transcript");
    assert_string_equal(v, "Your chat transcript");
    free(v);
    const char *ar = "نسخة من محادثتك مع فريق الدعم في نجمة للاتصالات — المرجع C-1042";
    v = bot_smtp_header_value(ar);
    assert_non_null(v);
    assert_null(strchr(v, '\r'));
    char back[512];
    decode_words(v, back, sizeof back);
    assert_string_equal(back, ar); /* whole characters per word: nothing split */
    free(v);
    static const char *const hostile[] = {
        "Hi\r\nBcc: everyone@example.com",
        "line\nbreak",
        "tab\there",
        "del\x7f",
        "\xff\xfe bad utf-8",
        "مرحبا\r\nBcc: x@y.z",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        assert_null(bot_smtp_header_value(hostile[i]));
}

static void mailboxes(void **st)
{
    (void)st;
    char *m = bot_smtp_mailbox("Najma support", "support@najma.example");
    assert_string_equal(m, "\"Najma support\" <support@najma.example>");
    free(m);
    m = bot_smtp_mailbox(NULL, "support@najma.example");
    assert_string_equal(m, "support@najma.example");
    free(m);
    m = bot_smtp_mailbox("دعم نجمة", "support@najma.example");
    assert_non_null(m);
    assert_memory_equal(m, "=?UTF-8?B?", 10);
    assert_non_null(strstr(m, " <support@najma.example>"));
    free(m);
    assert_null(bot_smtp_mailbox("a\"b", "x@y.z"));
    assert_null(bot_smtp_mailbox("ok", "x@y.z>, evil@z.z"));
    assert_null(bot_smtp_mailbox("ok", "x@y.z\r\nBcc: e@z.z"));
}

static void loopback_urls(void **st)
{
    (void)st;
    static const struct {
        const char *url;
        int want;
    } cases[] = {
        {"smtp://127.0.0.1:2525", 1},        {"smtp://127.3.4.5", 1},
        {"smtp://localhost:25", 1},          {"smtp://[::1]:25", 1},
        {"smtp://user@127.0.0.1:25", 1},     {"smtp://mail.example.com:587", 0},
        {"smtp://127.0.0.1.evil.com:25", 0}, {"smtp://10.0.0.1:25", 0},
        {"smtp://localhost.evil.com", 0},    {"127.0.0.1:25", 0},
        {"smtp://evil.com/127.0.0.1", 0},    {"smtp://127.0.0.1@evil.com", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(bot_smtp_url_is_loopback(cases[i].url), cases[i].want);
}

static int count_rows(void *ctx, const struct bot_outbox_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void add_checks(void **st)
{
    (void)st;
    char path[] = "/tmp/sanad-outbox-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    struct sn_err e = {0};
    struct bot_outbox *ob = bot_outbox_open(path, &e);
    assert_non_null(ob);
    static const struct bot_outbox_mail bad[] = {
        {"not an address", "s", "t", NULL, NULL, 0},
        {"-opt@example.com", "s", "t", NULL, NULL, 0},
        {"a@example.com\r\nBcc: b@example.com", "s", "t", NULL, NULL, 0},
        {"a@example.com", "", "t", NULL, NULL, 0},
        {"a@example.com", "line\r\nBcc: b@example.com", "t", NULL, NULL, 0},
        {"a@example.com", "s", "", NULL, NULL, 0},
        {"a@example.com", "s", "t\x01", NULL, NULL, 0},
        {"a@example.com", "s", "t", "<p>\x1b</p>", NULL, 0},
        {"a@example.com", "s", "t", NULL, "../etc", 0},
        {"a@example.com", "s", "t", NULL, NULL, 1}, /* a report needs a ref */
        {"a@example.com", "s", "\xc3\x28", NULL, NULL, 0},
        {NULL, "s", "t", NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(bot_outbox_add(ob, &bad[i], NULL, &e), SN_EINVAL);
        assert_true(e.msg[0] != 0);
    }
    int n = 0;
    assert_int_equal(bot_outbox_list(ob, -1, 0, count_rows, &n, &e), SN_OK);
    assert_int_equal(n, 0); /* nothing refused was stored */
    const struct bot_outbox_mail ok = {"Visitor@Example.COM", "نسخة محادثتك", "نص\nالرسالة",
                                       "<p>نص</p>",           "C-1042",       0};
    long long id = 0;
    assert_int_equal(bot_outbox_add(ob, &ok, &id, &e), SN_OK);
    assert_true(id > 0);
    assert_int_equal(bot_outbox_retry(ob, id, &e), SN_ENOTFOUND); /* pending, not failed */
    n = 0;
    assert_int_equal(bot_outbox_list(ob, BOT_OUTBOX_PENDING, 10, count_rows, &n, &e), SN_OK);
    assert_int_equal(n, 1);
    bot_outbox_free(ob);
    /* a newer file is refused, unwritten */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version=99'", path);
    if (system(cmd) == 0) {
        assert_null(bot_outbox_open(path, &e));
        assert_int_equal(e.code, SN_ECONFLICT);
    }
    unlink(path);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void rm_db(const char *path)
{
    char side[256];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static int sql(const char *path, const char *q)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\"", path, q);
    return system(cmd);
}

struct seen {
    int n, refuse;
    long long id[8];
    int status[8];
    char error[64];
};

static int note_report(void *ctx, const struct bot_outbox_row *r)
{
    struct seen *s = ctx;
    if (s->refuse)
        return 1;
    if (s->n < 8) {
        s->id[s->n] = r->id;
        s->status[s->n] = (int)r->status;
    }
    snprintf(s->error, sizeof s->error, "%s", r->last_error ? r->last_error : "");
    s->n++;
    return 0;
}

/* Schema v3 (the reported column) from a file a v2 binary wrote: its rows are kept and ask
 * for nothing; a mail added with report is reported once its state is final, once, and
 * again after a retry; a callback that fails leaves it for the next call. */
static void reports_and_v2_migration(void **st)
{
    (void)st;
    char path[] = "/tmp/sanad-outbox-v2-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    /* what a v2 binary wrote (outbox.c's schema_v1 and schema_v2), one mail sent, one due */
    if (sql(path, "CREATE TABLE outbox(id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,"
                  " to_addr TEXT NOT NULL, subject TEXT NOT NULL, body_text TEXT NOT NULL,"
                  " body_html TEXT, ref TEXT, status TEXT NOT NULL DEFAULT 'pending' CHECK(status"
                  " IN ('pending', 'sent', 'failed')), attempts INTEGER NOT NULL DEFAULT 0,"
                  " created INTEGER NOT NULL, next_at INTEGER NOT NULL, sent_at INTEGER,"
                  " last_error TEXT); CREATE INDEX outbox_due ON outbox(status, next_at);"
                  " CREATE INDEX outbox_ref ON outbox(ref, created);"
                  " INSERT INTO outbox(message_id, to_addr, subject, body_text, ref, status,"
                  " attempts, created, next_at, sent_at) VALUES('<a@x>', 'a@example.com', 's',"
                  " 't', 'S-7K3M9Q', 'sent', 1, 1, 1, 2), ('<b@x>', 'b@example.com', 's', 't',"
                  " 'S-7K3M9Q', 'failed', 8, 1, 1, NULL);"
                  " PRAGMA user_version=2;")) {
        skip(); /* no sqlite3 shell */
    }
    struct sn_err e = {0};
    struct bot_outbox *ob = bot_outbox_open(path, &e);
    assert_non_null(ob);
    struct seen s = {0};
    int n = -1;
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(s.n, 0); /* the v2 rows asked for nothing */
    assert_int_equal(n, 0);
    struct bot_outbox_state o;
    assert_int_equal(bot_outbox_last(ob, "S-7K3M9Q", &o, &e), SN_ENOTFOUND);
    int rows = 0;
    assert_int_equal(bot_outbox_list(ob, -1, 0, count_rows, &rows, &e), SN_OK);
    assert_int_equal(rows, 2); /* kept */

    const struct bot_outbox_mail m = {
        "v@example.com", "[S-7K3M9Q] reply", "text", NULL, "S-7K3M9Q", 1};
    long long id = 0, id2 = 0;
    assert_int_equal(bot_outbox_add(ob, &m, &id, &e), SN_OK);
    assert_int_equal(bot_outbox_add(ob, &m, &id2, &e), SN_OK);
    assert_int_equal(bot_outbox_last(ob, "S-7K3M9Q", &o, &e), SN_OK);
    assert_int_equal(o.id, id2);
    assert_int_equal(o.status, BOT_OUTBOX_PENDING);
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(s.n, 0); /* pending: nothing final yet */

    /* the worker's writes, as record() makes them */
    char q[256];
    snprintf(q, sizeof q,
             "UPDATE outbox SET status='sent', attempts=1, sent_at=5 WHERE id=%lld;"
             " UPDATE outbox SET status='failed', attempts=3, last_error='550 no such"
             " user' WHERE id=%lld;",
             id, id2);
    assert_int_equal(sql(path, q), 0);
    s.refuse = 1; /* the store failed: kept for the next call */
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(n, 0);
    s.refuse = 0;
    assert_int_equal(bot_outbox_reports(ob, 1, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(n, 1); /* at most limit */
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.id[0], id);
    assert_int_equal(s.status[0], BOT_OUTBOX_SENT);
    assert_int_equal(s.id[1], id2);
    assert_int_equal(s.status[1], BOT_OUTBOX_FAILED);
    assert_string_equal(s.error, "550 no such user");
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(s.n, 2); /* each once */
    assert_int_equal(bot_outbox_last(ob, "S-7K3M9Q", &o, &e), SN_OK);
    assert_int_equal(o.status, BOT_OUTBOX_FAILED);
    assert_string_equal(o.error, "550 no such user");

    /* a retry makes it pending and, once final again, reported again */
    assert_int_equal(bot_outbox_retry(ob, id2, &e), SN_OK);
    snprintf(q, sizeof q, "UPDATE outbox SET status='sent', attempts=1 WHERE id=%lld;", id2);
    assert_int_equal(sql(path, q), 0);
    assert_int_equal(bot_outbox_reports(ob, 10, note_report, &s, &n, &e), SN_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.status[2], BOT_OUTBOX_SENT);
    bot_outbox_free(ob);
    rm_db(path);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_policy), cmocka_unit_test(header_values),
        cmocka_unit_test(mailboxes),    cmocka_unit_test(loopback_urls),
        cmocka_unit_test(add_checks),   cmocka_unit_test(reports_and_v2_migration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
