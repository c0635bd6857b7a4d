/* The refit worker (bot/refit.h): a mutex and a condition variable around "dirty since"
 * and "stop"; the fit itself runs unlocked on the worker's own kb connection. */
#include "bot/refit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/calib.h"
#include "kb/kb.h"

struct bot_refit {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *path;
    int debounce_ms;
    int dirty, stop;
    struct timespec due; /* CLOCK_MONOTONIC: the fit runs once this has passed */
    long done;
};

static struct timespec later(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void fit(struct bot_refit *r)
{
    struct sn_err e = {0};
    struct kb_calib_info in;
    struct kb *kb = kb_open(r->path, 0, &e);
    if (!kb || kb_calibrate(kb, &in, &e)) {
        sn_log(SN_LOG_WARN, "refit", "event=refit_failed err=\"%s\"", e.msg);
    } else {
        sn_log(SN_LOG_NOTICE, "refit", "event=refit fallback=%d", in.fallback);
        pthread_mutex_lock(&r->mu);
        r->done++;
        pthread_mutex_unlock(&r->mu);
    }
    kb_close(kb);
}

static void *run(void *arg)
{
    struct bot_refit *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        if (!r->dirty) {
            pthread_cond_wait(&r->cv, &r->mu);
            continue;
        }
        /* wait out the debounce; a poke meanwhile moves the deadline */
        if (pthread_cond_timedwait(&r->cv, &r->mu, &r->due) != ETIMEDOUT)
            continue;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec < r->due.tv_sec ||
            (now.tv_sec == r->due.tv_sec && now.tv_nsec < r->due.tv_nsec))
            continue;
        r->dirty = 0;
        pthread_mutex_unlock(&r->mu);
        fit(r);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

struct bot_refit *bot_refit_new(const char *kb_path, int debounce_ms, struct sn_err *err)
{
    struct bot_refit *r = sn_xcalloc(1, sizeof *r);
    pthread_condattr_t ca;
    r->path = sn_xstrdup(kb_path);
    r->debounce_ms = debounce_ms;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        sn_err_set(err, SN_EIO, "refit: cannot start its thread");
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r->path);
        free(r);
        return NULL;
    }
    return r;
}

void bot_refit_poke(struct bot_refit *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->dirty = 1;
    r->due = later(r->debounce_ms);
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

long bot_refit_done(struct bot_refit *r)
{
    long n;
    pthread_mutex_lock(&r->mu);
    n = r->done;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void bot_refit_free(struct bot_refit *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->path);
    free(r);
}
