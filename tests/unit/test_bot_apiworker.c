/* Unit tests for bot/apiworker.c with jobs that wait on a gate the test opens: jobs run one
 * at a time in order and come back with their owner and answer, the loop woken for each; the
 * queue's cap (a running job and max_waiting waiting; the next refused, its input freed); a
 * forgotten owner's jobs, queued, running or done, come back without it; freeing the worker
 * with jobs unfinished frees their inputs and the env. Waits are bounded polls. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/apiworker.h"

#define POLLS 5000 /* of 1 ms: a bound, not a speed limit */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int gate_open, started, wakes, args_freed, env_freed;

static void reset(void)
{
    pthread_mutex_lock(&mu);
    gate_open = started = wakes = args_freed = env_freed = 0;
    pthread_mutex_unlock(&mu);
}

static void wake(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&mu);
    wakes++;
    pthread_mutex_unlock(&mu);
}

static void open_gate(void)
{
    pthread_mutex_lock(&mu);
    gate_open = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* arg is an int (malloc'd): answers {"n": arg, "env": env's int} with status 200 + arg,
 * after the gate opens */
static void job(void *env, void *arg, struct bot_apiworker_result *out)
{
    pthread_mutex_lock(&mu);
    started++;
    while (!gate_open)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "{\"n\":%d,\"env\":%d}", *(int *)arg, *(int *)env);
    out->status = 200 + *(int *)arg;
    out->body = strdup(buf);
    out->len = (size_t)n;
}

static void arg_free(void *p)
{
    pthread_mutex_lock(&mu);
    args_freed++;
    pthread_mutex_unlock(&mu);
    free(p);
}

static void env_free(void *p)
{
    pthread_mutex_lock(&mu);
    env_freed++;
    pthread_mutex_unlock(&mu);
    free(p);
}

static int *num(int n)
{
    int *p = malloc(sizeof *p);
    *p = n;
    return p;
}

static struct bot_apiworker *worker(int max_waiting)
{
    struct sn_err e = {0};
    reset();
    struct bot_apiworker *w = bot_apiworker_new(num(7), env_free, max_waiting, wake, NULL, &e);
    assert_non_null(w);
    return w;
}

static void until_started(int n)
{
    for (int i = 0; i < POLLS; i++) {
        pthread_mutex_lock(&mu);
        int s = started;
        pthread_mutex_unlock(&mu);
        if (s >= n)
            return;
        usleep(1000);
    }
    fail_msg("%d jobs never started", n);
}

static struct bot_apiworker_job *next_done(struct bot_apiworker *w)
{
    for (int i = 0; i < POLLS; i++) {
        struct bot_apiworker_job *j = bot_apiworker_done(w);
        if (j)
            return j;
        usleep(1000);
    }
    fail_msg("no job came back");
    return NULL;
}

static void test_jobs_in_order(void **state)
{
    (void)state;
    struct bot_apiworker *w = worker(8);
    int owners[3];
    open_gate();
    for (int i = 0; i < 3; i++)
        assert_int_equal(bot_apiworker_submit(w, &owners[i], job, num(i), arg_free, NULL), SN_OK);
    for (int i = 0; i < 3; i++) {
        struct bot_apiworker_job *j = next_done(w);
        char want[64];
        snprintf(want, sizeof want, "{\"n\":%d,\"env\":7}", i);
        assert_ptr_equal(j->owner, &owners[i]);
        assert_int_equal(j->res.status, 200 + i);
        assert_string_equal(j->res.body, want);
        assert_int_equal(j->res.len, strlen(want));
        assert_null(j->arg); /* freed once run */
        bot_apiworker_job_free(j);
    }
    assert_null(bot_apiworker_done(w));
    pthread_mutex_lock(&mu);
    assert_int_equal(wakes, 3);
    assert_int_equal(args_freed, 3);
    pthread_mutex_unlock(&mu);
    bot_apiworker_free(w);
    assert_int_equal(env_freed, 1);
}

static void test_queue_cap(void **state)
{
    (void)state;
    static const struct {
        int max_waiting, accepted; /* past the running one */
    } cases[] = {{1, 1}, {2, 2}, {8, 8}, {0, 1}, {-5, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct bot_apiworker *w = worker(cases[c].max_waiting);
        struct sn_err e = {0};
        int owner;
        assert_int_equal(bot_apiworker_submit(w, &owner, job, num(0), arg_free, NULL), SN_OK);
        until_started(1); /* it runs (held at the gate): the others wait */
        for (int i = 0; i < cases[c].accepted; i++)
            assert_int_equal(bot_apiworker_submit(w, &owner, job, num(i + 1), arg_free, NULL),
                             SN_OK);
        assert_int_equal(bot_apiworker_waiting(w), cases[c].accepted);
        assert_int_equal(bot_apiworker_submit(w, &owner, job, num(99), arg_free, &e), SN_ETOOBIG);
        assert_true(strstr(e.msg, "wait already") != NULL);
        pthread_mutex_lock(&mu);
        assert_int_equal(args_freed, 1); /* the refused one's, at once */
        pthread_mutex_unlock(&mu);
        open_gate();
        for (int i = 0; i <= cases[c].accepted; i++) {
            struct bot_apiworker_job *j = next_done(w);
            assert_int_equal(j->res.status, 200 + i);
            bot_apiworker_job_free(j);
        }
        assert_int_equal(bot_apiworker_waiting(w), 0);
        bot_apiworker_free(w);
    }
}

static void test_forget(void **state)
{
    (void)state;
    struct bot_apiworker *w = worker(8);
    int a, b;
    assert_int_equal(bot_apiworker_submit(w, &a, job, num(0), arg_free, NULL), SN_OK);
    until_started(1);
    assert_int_equal(bot_apiworker_submit(w, &b, job, num(1), arg_free, NULL), SN_OK);
    assert_int_equal(bot_apiworker_submit(w, &a, job, num(2), arg_free, NULL), SN_OK);
    bot_apiworker_forget(w, &a); /* running and queued */
    open_gate();
    static const int want_b[] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        struct bot_apiworker_job *j = next_done(w);
        assert_int_equal(j->res.status, 200 + i); /* run all the same, in order */
        assert_ptr_equal(j->owner, want_b[i] ? (void *)&b : NULL);
        bot_apiworker_job_free(j);
    }
    /* done but not collected yet */
    assert_int_equal(bot_apiworker_submit(w, &b, job, num(3), arg_free, NULL), SN_OK);
    int done = 0;
    for (int i = 0; i < POLLS && !done; i++) { /* until it is done: its wake-up */
        pthread_mutex_lock(&mu);
        done = wakes == 4;
        pthread_mutex_unlock(&mu);
        if (!done)
            usleep(1000);
    }
    assert_true(done);
    bot_apiworker_forget(w, &b);
    struct bot_apiworker_job *j = next_done(w);
    assert_null(j->owner);
    bot_apiworker_job_free(j);
    bot_apiworker_free(w);
}

static void test_free_unfinished(void **state)
{
    (void)state;
    struct bot_apiworker *w = worker(8);
    int owner;
    assert_int_equal(bot_apiworker_submit(w, &owner, job, num(0), arg_free, NULL), SN_OK);
    until_started(1);
    assert_int_equal(bot_apiworker_submit(w, &owner, job, num(1), arg_free, NULL), SN_OK);
    assert_int_equal(bot_apiworker_submit(w, &owner, job, num(2), arg_free, NULL), SN_OK);
    open_gate(); /* the running one ends; stop may come before the others are taken */
    bot_apiworker_stop(w);
    bot_apiworker_stop(w); /* twice is fine */
    struct sn_err e = {0};
    assert_int_equal(bot_apiworker_submit(w, &owner, job, num(3), arg_free, &e), SN_ETOOBIG);
    bot_apiworker_free(w); /* the done and the queued ones, their inputs, the env */
    assert_int_equal(args_freed, 4);
    assert_int_equal(env_freed, 1);
    bot_apiworker_free(NULL);
    bot_apiworker_stop(NULL);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_in_order),
        cmocka_unit_test(test_queue_cap),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_free_unfinished),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
