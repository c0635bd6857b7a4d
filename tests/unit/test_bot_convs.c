/* Unit tests for bot/convs.c, on a real SQLite store in a temporary directory and with fake
 * connections: a conversation's connections (two tabs share one conversation; delivery
 * reaches every connection of it and no other, checked against a brute-force model through
 * thousands of random attaches and detaches), and every move in the order the header
 * promises: the table, the store, memory, then the callback; a refusal or a store failure
 * changes nothing and tells nobody. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/convs.h"

static struct bot_dialogue dlg_en(void)
{
    struct bot_dialogue d;
    bot_dialogue_init(&d, "en");
    return d;
}

static void test_tabs_share_a_conversation(void **state)
{
    (void)state;
    struct bot_convs *cs = bot_convs_new(NULL, NULL, NULL);
    int a, b, c, d;
    void *out[4];
    struct bot_dialogue en = dlg_en(), ar;
    bot_dialogue_init(&ar, "ar");
    assert_int_equal(bot_convs_conns(cs, "c_1", out, 4), 0);
    struct bot_conv *x = bot_convs_attach(cs, "c_1", BOT_CONV_QUEUED, &en, &a);
    x->dlg.misses = 2;
    /* a second tab joins the live conversation: its state and dialogue, not the stored ones */
    struct bot_conv *y = bot_convs_attach(cs, "c_1", BOT_CONV_BOT, &ar, &b);
    assert_ptr_equal(x, y);
    assert_int_equal(y->state, BOT_CONV_QUEUED);
    assert_string_equal(y->dlg.lang, "en");
    assert_int_equal(y->dlg.misses, 2);
    struct bot_conv *z = bot_convs_attach(cs, "c_2", BOT_CONV_BOT, &ar, &c);
    bot_convs_attach(cs, "c_1", BOT_CONV_BOT, &ar, &d); /* a third: the array grows */
    assert_int_equal(bot_convs_count(cs), 2);
    assert_int_equal(bot_convs_nconns(cs), 4);
    assert_int_equal(bot_convs_conns(cs, "c_1", out, 4), 3);
    assert_ptr_equal(out[0], &a); /* in the order they attached */
    assert_ptr_equal(out[1], &b);
    assert_ptr_equal(out[2], &d);
    assert_int_equal(bot_convs_conns(cs, "c_1", out, 1), 3); /* the count, one copied */
    assert_int_equal(bot_convs_conns(cs, "c_1", NULL, 0), 3);
    assert_int_equal(bot_convs_conns(cs, "c_", out, 4), 0); /* a prefix is not the id */
    assert_int_equal(bot_convs_conns(cs, "", out, 4), 0);
    bot_convs_detach(cs, x, &c); /* not one of c_1's: ignored */
    assert_int_equal(bot_convs_nconns(cs), 4);
    bot_convs_detach(cs, x, &a);
    assert_int_equal(bot_convs_conns(cs, "c_1", out, 4), 2);
    assert_ptr_equal(out[0], &b);
    bot_convs_detach(cs, x, &b);
    assert_ptr_equal(bot_convs_find(cs, "c_1"), x); /* still d's */
    bot_convs_detach(cs, x, &d);                    /* the last: c_1 is freed */
    assert_null(bot_convs_find(cs, "c_1"));
    assert_int_equal(bot_convs_count(cs), 1);
    assert_ptr_equal(bot_convs_find(cs, "c_2"), z);
    x = bot_convs_attach(cs, "c_1", BOT_CONV_BOT, &ar, &a); /* gone, then back: afresh */
    assert_string_equal(x->dlg.lang, "ar");
    /* a token shared far beyond one visitor's tabs: refused past BOT_CONVS_MAX_CONNS */
    static int many[BOT_CONVS_MAX_CONNS];
    for (int i = 1; i < BOT_CONVS_MAX_CONNS; i++)
        assert_ptr_equal(bot_convs_attach(cs, "c_1", BOT_CONV_BOT, &ar, &many[i]), x);
    assert_null(bot_convs_attach(cs, "c_1", BOT_CONV_BOT, &ar, &many[0]));
    assert_int_equal(bot_convs_conns(cs, "c_1", NULL, 0), BOT_CONVS_MAX_CONNS);
    for (int i = 1; i < BOT_CONVS_MAX_CONNS; i += 2) /* detach from the middle of the array */
        bot_convs_detach(cs, x, &many[i]);
    void *all[BOT_CONVS_MAX_CONNS];
    size_t n = bot_convs_conns(cs, "c_1", all, BOT_CONVS_MAX_CONNS);
    assert_int_equal(n, BOT_CONVS_MAX_CONNS / 2);
    assert_ptr_equal(all[0], &a);
    for (size_t i = 1; i < n; i++)
        assert_ptr_equal(all[i], &many[2 * i]);
    bot_convs_free(cs); /* with conversations in it: ASan checks nothing leaks */
    bot_convs_free(NULL);
}

#define NCONV  300
#define NCONN  2000
#define ROUNDS 40000

struct conn {
    char id[32];
    struct bot_conv *conv; /* NULL: not attached */
};

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random attaches and detaches of 2,000 connections over 300 conversations against a
 * model: the table grows, conversations come and go with their connections. */
static void test_against_model(void **state)
{
    (void)state;
    static struct conn c[NCONN];
    static void *out[NCONN];
    struct bot_convs *cs = bot_convs_new(NULL, NULL, NULL);
    struct bot_dialogue d = dlg_en();
    for (int k = 0; k < NCONN; k++)
        snprintf(c[k].id, sizeof c[k].id, "c_%08x", (unsigned)(k % NCONV) * 2654435761u);
    for (int round = 0; round < ROUNDS; round++) {
        struct conn *x = &c[next() % NCONN];
        if (!x->conv) {
            x->conv = bot_convs_attach(cs, x->id, BOT_CONV_BOT, &d, x);
        } else if (next() % 3) {
            bot_convs_detach(cs, x->conv, x);
            x->conv = NULL;
        }
        if (round % 997 == 0 || round == ROUNDS - 1) {
            size_t all = 0, convs = 0;
            for (int v = 0; v < NCONV; v++) {
                size_t want = 0;
                for (int k = v; k < NCONN; k += NCONV)
                    want += c[k].conv != NULL;
                all += want;
                convs += want > 0;
                size_t got = bot_convs_conns(cs, c[v].id, out, NCONN);
                if (got != want)
                    fail_msg("round %d, %s: %zu connections, want %zu", round, c[v].id, got, want);
                for (size_t i = 0; i < got; i++) {
                    const struct conn *y = out[i];
                    if (!y->conv || strcmp(y->id, c[v].id) || y->conv != bot_convs_find(cs, y->id))
                        fail_msg("round %d, %s: a connection that is not its own", round, c[v].id);
                }
            }
            assert_int_equal(bot_convs_nconns(cs), all);
            assert_int_equal(bot_convs_count(cs), convs);
        }
    }
    bot_convs_free(cs);
}

/* 10,000 visitors at once, then all gone: each gets its own conversation. */
static void test_many(void **state)
{
    (void)state;
    static struct conn c[10000];
    struct bot_convs *cs = bot_convs_new(NULL, NULL, NULL);
    struct bot_dialogue d = dlg_en();
    void *out[2];
    for (int i = 0; i < 10000; i++) {
        snprintf(c[i].id, sizeof c[i].id, "c_%d", i);
        c[i].conv = bot_convs_attach(cs, c[i].id, BOT_CONV_BOT, &d, &c[i]);
    }
    assert_int_equal(bot_convs_count(cs), 10000);
    for (int i = 0; i < 10000; i += 7) {
        assert_int_equal(bot_convs_conns(cs, c[i].id, out, 2), 1);
        assert_ptr_equal(out[0], &c[i]);
    }
    for (int i = 0; i < 10000; i++)
        bot_convs_detach(cs, c[i].conv, &c[i]);
    assert_int_equal(bot_convs_count(cs), 0);
    assert_int_equal(bot_convs_conns(cs, c[5].id, out, 2), 0);
    bot_convs_free(cs);
}

/* --- moves, on a real store ------------------------------------------------------------ */

struct fixture {
    char dir[64], path[96];
    struct store *st;
    struct bot_convs *cs;
    int calls;
    char told[256]; /* "event:from>to@state-in-store" per call */
};

static void
moved(void *ctx, const struct bot_conv_move *mv, enum bot_conv_state from, enum bot_conv_state to)
{
    struct fixture *f = ctx;
    struct sn_err e = {0};
    struct store_route r;
    /* told after the store has it */
    assert_int_equal(store_conv_get(f->st, mv->conv, &r, &e), SN_OK);
    char one[96];
    snprintf(one, sizeof one, "%s%s:%s>%s@%s", f->calls++ ? " " : "", bot_conv_event_name(mv->ev),
             bot_conv_state_name(from), bot_conv_state_name(to), r.state);
    strcat(f->told, one);
}

static int setup(void **state)
{
    struct fixture *f = sn_xcalloc(1, sizeof *f);
    struct sn_err e = {0};
    snprintf(f->dir, sizeof f->dir, "/tmp/sanad-convs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    f->st = store_sqlite_open(f->path, NULL, &e);
    assert_non_null(f->st);
    f->cs = bot_convs_new(f->st, moved, f);
    assert_int_equal(store_conv_create(f->st, "c_a", "h_a", "en", 1, &e), SN_OK);
    assert_int_equal(store_conv_create(f->st, "c_b", "h_b", "ar", 1, &e), SN_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[128];
    bot_convs_free(f->cs);
    store_close(f->st);
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct bot_conv_move mv(const char *conv, enum bot_conv_event ev, long long agent)
{
    return (struct bot_conv_move){
        .conv = conv, .ev = ev, .agent_id = agent, .queued_at = 50, .lang = "en", .now = 100};
}

static void stored(struct fixture *f, const char *conv, const char *state, long long agent)
{
    struct sn_err e = {0};
    struct store_route r;
    assert_int_equal(store_conv_get(f->st, conv, &r, &e), SN_OK);
    assert_string_equal(r.state, state);
    assert_int_equal(r.agent_id, agent);
}

/* A conversation with its visitor attached through a whole handoff: memory and store agree
 * after each move, the callback sees each once, in order. */
static void test_moves_attached(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct bot_dialogue d = dlg_en();
    int conn;
    enum bot_conv_state to;
    struct bot_conv *c = bot_convs_attach(f->cs, "c_a", BOT_CONV_BOT, &d, &conn);
    struct bot_conv_move m = mv("c_a", BOT_CONV_HANDOFF, 0);
    assert_int_equal(bot_convs_move(f->cs, &m, &to, &e), SN_OK);
    assert_int_equal(to, BOT_CONV_QUEUED);
    assert_int_equal(c->state, BOT_CONV_QUEUED);
    stored(f, "c_a", "queued", 0);
    m = mv("c_a", BOT_CONV_ASSIGN, 7);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(c->state, BOT_CONV_AGENT);
    assert_int_equal(c->agent_id, 7);
    stored(f, "c_a", "agent", 7);
    m = mv("c_a", BOT_CONV_TRANSFER, 9);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(c->agent_id, 9);
    stored(f, "c_a", "agent", 9);
    m = mv("c_a", BOT_CONV_CLOSE, 9);
    m.resolution = "answered";
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(c->state, BOT_CONV_CLOSED);
    stored(f, "c_a", "closed", 9);
    assert_string_equal(f->told, "handoff:bot>queued@queued assign:queued>agent@agent "
                                 "transfer:agent>agent@agent close:agent>closed@closed");
    bot_convs_detach(f->cs, c, &conn);
}

/* The table refuses: nothing is written, memory keeps its state, nobody is told. */
static void test_moves_refused(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct bot_dialogue d = dlg_en();
    int conn;
    struct bot_conv *c = bot_convs_attach(f->cs, "c_a", BOT_CONV_BOT, &d, &conn);
    static const enum bot_conv_event refused[] = {BOT_CONV_ASSIGN,  BOT_CONV_TRANSFER,
                                                  BOT_CONV_CLOSE,   BOT_CONV_LEAVE,
                                                  BOT_CONV_REQUEUE, BOT_CONV_EXPIRE};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct bot_conv_move m = mv("c_a", refused[i], 3);
        enum bot_conv_state to = BOT_CONV_CLOSED;
        assert_int_equal(bot_convs_move(f->cs, &m, &to, &e), SN_ECONFLICT);
        assert_non_null(strstr(e.msg, bot_conv_event_name(refused[i])));
        assert_int_equal(to, BOT_CONV_CLOSED); /* untouched */
        assert_int_equal(c->state, BOT_CONV_BOT);
        stored(f, "c_a", "bot", 0);
    }
    struct bot_conv_move bad = mv("c_a", BOT_CONV_NEVENTS, 0);
    assert_int_equal(bot_convs_move(f->cs, &bad, NULL, &e), SN_EINVAL);
    assert_int_equal(f->calls, 0);
    bot_convs_detach(f->cs, c, &conn);
}

/* A conversation whose visitor is gone is moved from the state the store has; one the
 * store does not know is SN_ENOTFOUND; a store that fails leaves memory as it was. */
static void test_moves_detached_and_failing(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct bot_conv_move m = mv("c_b", BOT_CONV_HANDOFF, 0);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    stored(f, "c_b", "queued", 0);
    m = mv("c_b", BOT_CONV_EXPIRE, 0); /* the sweep: back to the bot */
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    stored(f, "c_b", "bot", 0);
    m = mv("c_b", BOT_CONV_CLOSE, 0); /* from the stored state, refused */
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_ECONFLICT);
    assert_string_equal(f->told, "handoff:bot>queued@queued expire:queued>bot@bot");
    m = mv("c_nobody", BOT_CONV_HANDOFF, 0);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_ENOTFOUND);
    /* attached, but the store has no such row (removed under us): memory stays */
    struct bot_dialogue d = dlg_en();
    int conn;
    struct bot_conv *c = bot_convs_attach(f->cs, "c_ghost", BOT_CONV_BOT, &d, &conn);
    m = mv("c_ghost", BOT_CONV_HANDOFF, 0);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_ENOTFOUND);
    assert_int_equal(c->state, BOT_CONV_BOT);
    assert_int_equal(f->calls, 2);
    bot_convs_detach(f->cs, c, &conn);
}

/* Seen receipts (issue 14): only rising, kept while the visitor is away, per conversation,
 * kept across a transfer and forgotten when the conversation leaves the agents; a move also
 * ends whatever typing was relayed. */
static void test_seen_and_typing_across_moves(void **state)
{
    struct fixture *f = *state;
    struct sn_err e = {0};
    struct bot_dialogue d = dlg_en();
    int conn;
    struct bot_conv_move m = mv("c_a", BOT_CONV_HANDOFF, 0);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    m = mv("c_a", BOT_CONV_ASSIGN, 7);
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(bot_convs_seen(f->cs, "c_a"), 0);
    static const struct {
        long long seq;
        int rose;
        long long kept;
    } steps[] = {{3, 1, 3}, {3, 0, 3}, {2, 0, 3}, {9, 1, 9}, {1, 0, 9}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        assert_int_equal(bot_convs_seen_raise(f->cs, "c_a", steps[i].seq), steps[i].rose);
        assert_int_equal(bot_convs_seen(f->cs, "c_a"), steps[i].kept);
    }
    assert_int_equal(bot_convs_seen(f->cs, "c_b"), 0); /* per conversation */
    assert_int_equal(bot_convs_seen(f->cs, "c_"), 0);
    /* no visitor connected: kept; one attaching meets typing at nothing */
    struct bot_conv *c = bot_convs_attach(f->cs, "c_a", BOT_CONV_AGENT, &d, &conn);
    assert_int_equal(c->typing[BOT_TYPING_AGENT].on, 0);
    assert_int_equal(bot_typing_relay(&c->typing[BOT_TYPING_AGENT], 1, 1000), 1);
    assert_int_equal(bot_typing_relay(&c->typing[BOT_TYPING_VISITOR], 1, 1000), 1);
    m = mv("c_a", BOT_CONV_TRANSFER, 9); /* the next agent still sees what was read */
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(bot_convs_seen(f->cs, "c_a"), 9);
    assert_int_equal(c->typing[BOT_TYPING_AGENT].on, 0);
    assert_int_equal(c->typing[BOT_TYPING_VISITOR].on, 0);
    assert_int_equal(bot_typing_relay(&c->typing[BOT_TYPING_AGENT], 1, 1001), 1); /* at once */
    m = mv("c_a", BOT_CONV_CLOSE, 9);
    m.resolution = "answered";
    assert_int_equal(bot_convs_move(f->cs, &m, NULL, &e), SN_OK);
    assert_int_equal(bot_convs_seen(f->cs, "c_a"), 0);
    assert_int_equal(c->typing[BOT_TYPING_AGENT].on, 0);
    bot_convs_detach(f->cs, c, &conn);
    /* many conversations in the receipts' table, one leaving does not disturb the others */
    char id[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "c_%d", i);
        assert_int_equal(bot_convs_seen_raise(f->cs, id, i + 1), 1);
    }
    for (int i = 0; i < 1000; i += 37) {
        snprintf(id, sizeof id, "c_%d", i);
        assert_int_equal(bot_convs_seen(f->cs, id), i + 1);
    }
    /* the rest are freed with the set (ASan checks) */
}

static void count_one(void *ctx, struct bot_conv *c)
{
    (void)c;
    ++*(int *)ctx;
}

/* The cluster's refresh (another node moved it): state and agent set without a move, the
 * typing indicators ended and, off the agents, the seen receipt forgotten; nothing for a
 * conversation not in memory. */
static void test_refresh_without_a_move(void **state)
{
    (void)state;
    struct bot_convs *cs = bot_convs_new(NULL, NULL, NULL); /* no store: nothing is written */
    struct bot_dialogue en = dlg_en();
    int a;
    struct bot_conv *c = bot_convs_attach(cs, "c_1", BOT_CONV_QUEUED, &en, &a);
    assert_int_equal(bot_convs_refresh(cs, "c_2", BOT_CONV_AGENT, 7), SN_ENOTFOUND);
    assert_int_equal(bot_convs_refresh(cs, "c_1", BOT_CONV_AGENT, 7), SN_OK);
    assert_int_equal(c->state, BOT_CONV_AGENT);
    assert_int_equal(c->agent_id, 7);
    assert_int_equal(bot_convs_seen_raise(cs, "c_1", 5), 1);
    c->typing[BOT_TYPING_AGENT].on = 1;
    assert_int_equal(bot_convs_refresh(cs, "c_1", BOT_CONV_AGENT, 7), SN_OK); /* no change */
    assert_int_equal(c->typing[BOT_TYPING_AGENT].on, 1);
    assert_int_equal(bot_convs_seen(cs, "c_1"), 5);
    assert_int_equal(bot_convs_refresh(cs, "c_1", BOT_CONV_CLOSED, 0), SN_OK);
    assert_int_equal(c->state, BOT_CONV_CLOSED);
    assert_int_equal(c->agent_id, 0);
    assert_int_equal(c->typing[BOT_TYPING_AGENT].on, 0);
    assert_int_equal(bot_convs_seen(cs, "c_1"), 0);
    int n = 0;
    bot_convs_each(cs, count_one, &n);
    assert_int_equal(n, 1);
    bot_convs_free(cs);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tabs_share_a_conversation),
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_refresh_without_a_move),
        cmocka_unit_test_setup_teardown(test_moves_attached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moves_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moves_detached_and_failing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_and_typing_across_moves, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
