/* store-driver: one struct store (bot/store.h) driven line by line from stdin, for the tests
 * and the bench of the PostgreSQL store (tests/integration/store_pg_tests.py): two of these
 * are two nodes' connections, adding to one conversation at once, and a PostgreSQL restart
 * can fall between any two lines.
 *
 * usage: store-driver pg DSN | sqlite PATH
 * Opens the store (migrating it), prints "ready" (or "err CODE MESSAGE" and exits 3), then
 * answers each line with one line, "ok ..." or "err CODE MESSAGE":
 *   create ID                     a conversation (token hash "t-ID")
 *   add ID CID TEXT               msg_add, CID "-" for none: "ok SEQ DUP"
 *   many ID N PREFIX BATCH        N msg_adds (client ids PREFIX0..), committed BATCH at a time
 *                                 (0: each on its own): "ok SECONDS SEQ,SEQ,..." (a dup's
 *                                 seq negated)
 *   begin | end                   store_batch_begin / store_batch_end
 *   each ID                       msg_each_all: "ok SEQ:SENDER:CID,..."
 *   node NAME                     store_pg_set_node
 *   rtt N                         N runs of one prepared statement (conv_get of a missing
 *                                 id): "ok MEDIAN_US"
 *   quit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/store.h"
#include "bot/store_pg.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One line: libpq's messages have newlines in them. */
static void fail(const struct sn_err *e)
{
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    printf("err %d %s\n", e->code, msg);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

struct each_ctx {
    char *buf;
    size_t len, cap;
};

static int each_one(void *ctx, const struct store_msg *m)
{
    struct each_ctx *c = ctx;
    char item[256];
    int n = snprintf(item, sizeof item, "%s%lld:%s:%s", c->len ? "," : "", m->seq, m->sender,
                     m->client_id ? m->client_id : "-");
    if (n < 0 || (size_t)n >= sizeof item)
        return 0;
    if (c->len + (size_t)n + 1 > c->cap) {
        c->cap = (c->cap + (size_t)n + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf)
            abort();
    }
    memcpy(c->buf + c->len, item, (size_t)n + 1);
    c->len += (size_t)n;
    return 0;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int add_one(struct store *st,
                   const char *conv,
                   const char *cid,
                   const char *text,
                   long long *seq,
                   int *dup,
                   struct sn_err *e)
{
    struct store_msg m = {
        .conv_id = conv, .sender = "visitor", .client_id = cid, .text = text, .ts = now_ms()};
    return store_msg_add(st, &m, seq, dup, e);
}

static void many(struct store *st, const char *conv, long n, const char *prefix, long batch)
{
    struct sn_err e = {0};
    long long *seqs = calloc((size_t)(n > 0 ? n : 1), sizeof *seqs);
    char cid[96];
    double t0 = now_s();
    int rc = SN_OK;
    if (!seqs)
        abort();
    for (long i = 0; i < n && rc == SN_OK; i++) {
        int dup = 0;
        if (batch > 0 && i % batch == 0)
            store_batch_begin(st);
        snprintf(cid, sizeof cid, "%s%ld", prefix, i);
        rc = add_one(st, conv, cid, "a message of the bench", &seqs[i], &dup, &e);
        if (dup)
            seqs[i] = -seqs[i];
        if (batch > 0 && (i % batch == batch - 1 || i == n - 1)) {
            int rc2 = store_batch_end(st, rc ? NULL : &e);
            rc = rc ? rc : rc2;
        }
    }
    if (rc) {
        fail(&e);
    } else {
        printf("ok %.6f ", now_s() - t0);
        for (long i = 0; i < n; i++)
            printf("%s%lld", i ? "," : "", seqs[i]);
        printf("\n");
    }
    free(seqs);
}

static void rtt(struct store *st, long n)
{
    struct sn_err e = {0};
    struct store_route r;
    if (n < 1)
        n = 1;
    long long *us = calloc((size_t)n, sizeof *us);
    if (!us)
        abort();
    for (long i = 0; i < n; i++) {
        double t0 = now_s();
        store_conv_get(st, "no-such-conversation", &r, &e); /* SN_ENOTFOUND: one round trip */
        us[i] = (long long)((now_s() - t0) * 1e6);
    }
    qsort(us, (size_t)n, sizeof *us, cmp_ll);
    printf("ok %lld\n", us[n / 2]);
    free(us);
}

static void command(struct store *st, char *line)
{
    struct sn_err e = {0};
    char *save = NULL;
    char *cmd = strtok_r(line, " \n", &save);
    char *a1 = strtok_r(NULL, " \n", &save);
    char *a2 = strtok_r(NULL, " \n", &save);
    char *rest = strtok_r(NULL, "\n", &save);
    if (!cmd) {
        printf("err -1 empty line\n");
    } else if (!strcmp(cmd, "create") && a1) {
        char hash[64];
        snprintf(hash, sizeof hash, "t-%s", a1);
        if (store_conv_create(st, a1, hash, "en", now_ms(), &e))
            fail(&e);
        else
            printf("ok\n");
    } else if (!strcmp(cmd, "add") && a1 && a2) {
        long long seq = 0;
        int dup = 0;
        if (add_one(st, a1, strcmp(a2, "-") ? a2 : NULL, rest ? rest : "", &seq, &dup, &e))
            fail(&e);
        else
            printf("ok %lld %d\n", seq, dup);
    } else if (!strcmp(cmd, "many") && a1 && a2 && rest) {
        char prefix[64];
        long batch = 0;
        if (sscanf(rest, "%63s %ld", prefix, &batch) < 1)
            printf("err -1 many ID N PREFIX BATCH\n");
        else
            many(st, a1, strtol(a2, NULL, 10), prefix, batch);
    } else if (!strcmp(cmd, "begin")) {
        store_batch_begin(st);
        printf("ok\n");
    } else if (!strcmp(cmd, "end")) {
        if (store_batch_end(st, &e))
            fail(&e);
        else
            printf("ok\n");
    } else if (!strcmp(cmd, "each") && a1) {
        struct each_ctx c = {0};
        if (store_msg_each_all(st, a1, 0, 100000, each_one, &c, &e))
            fail(&e);
        else
            printf("ok %s\n", c.buf ? c.buf : "");
        free(c.buf);
    } else if (!strcmp(cmd, "node") && a1) {
        store_pg_set_node(st, a1);
        printf("ok\n");
    } else if (!strcmp(cmd, "rtt") && a1) {
        rtt(st, strtol(a1, NULL, 10));
    } else {
        printf("err -1 unknown command %s\n", cmd);
    }
}

int main(int argc, char **argv)
{
    struct sn_err e = {0};
    struct store *st = NULL;
    char line[4096];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 3 || (strcmp(argv[1], "pg") && strcmp(argv[1], "sqlite"))) {
        fprintf(stderr, "usage: store-driver pg DSN | sqlite PATH\n");
        return 2;
    }
    st = !strcmp(argv[1], "pg") ? store_pg_open(argv[2], NULL, NULL, &e)
                                : store_sqlite_open(argv[2], NULL, &e);
    if (!st) {
        fail(&e);
        return 3;
    }
    printf("ready\n");
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "quit", 4))
            break;
        command(st, line);
    }
    store_close(st);
    return 0;
}
