/* The API worker (see bot/apiworker.h): a mutex-guarded queue in, one out. */
#include "bot/apiworker.h"

#include <pthread.h>
#include <stdlib.h>

struct bot_apiworker {
    void *env; /* the worker's own connections, used on its thread only */
    bot_apiworker_free_fn *env_free;
    int max_waiting;
    bot_apiworker_wake_fn *wake;
    void *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct bot_apiworker_job *todo, *todo_tail; /* FIFO */
    int ntodo;
    struct bot_apiworker_job *running;
    struct bot_apiworker_job *done, *done_tail;
    int stop, joined;
};

static void drop_input(struct bot_apiworker_job *j)
{
    if (j->arg_free && j->arg)
        j->arg_free(j->arg);
    j->arg = NULL;
}

void bot_apiworker_job_free(struct bot_apiworker_job *j)
{
    if (!j)
        return;
    drop_input(j);
    free(j->res.body);
    free(j);
}

static void *worker(void *arg)
{
    struct bot_apiworker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        struct bot_apiworker_job *j = w->todo;
        w->todo = j->next;
        if (!w->todo)
            w->todo_tail = NULL;
        w->ntodo--;
        j->next = NULL;
        w->running = j;
        pthread_mutex_unlock(&w->mu);
        /* the slow part, outside the lock: the loop submits and collects meanwhile */
        j->fn(w->env, j->arg, &j->res);
        drop_input(j);
        pthread_mutex_lock(&w->mu);
        w->running = NULL;
        if (w->done_tail)
            w->done_tail->next = j;
        else
            w->done = j;
        w->done_tail = j;
        if (!w->stop) /* the loop may be going: after stop, nobody is woken */
            w->wake(w->ctx);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct bot_apiworker *bot_apiworker_new(void *env,
                                        bot_apiworker_free_fn *env_free,
                                        int max_waiting,
                                        bot_apiworker_wake_fn *wake,
                                        void *ctx,
                                        struct sn_err *err)
{
    struct bot_apiworker *w = sn_xcalloc(1, sizeof *w);
    w->env = env;
    w->env_free = env_free;
    w->max_waiting = max_waiting < 1 ? 1 : max_waiting;
    w->wake = wake;
    w->ctx = ctx;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker, w)) {
        sn_err_set(err, SN_EIO, "cannot start the API worker thread");
        w->joined = 1; /* no thread to stop */
        bot_apiworker_free(w);
        return NULL;
    }
    return w;
}

static void free_list(struct bot_apiworker_job *j)
{
    while (j) {
        struct bot_apiworker_job *n = j->next;
        bot_apiworker_job_free(j);
        j = n;
    }
}

void bot_apiworker_stop(struct bot_apiworker *w)
{
    if (!w || w->joined)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->joined = 1;
}

void bot_apiworker_free(struct bot_apiworker *w)
{
    if (!w)
        return;
    bot_apiworker_stop(w);
    free_list(w->todo);
    free_list(w->done);
    if (w->env_free && w->env)
        w->env_free(w->env); /* after the thread that used it */
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int bot_apiworker_submit(struct bot_apiworker *w,
                         void *owner,
                         bot_apiworker_fn *fn,
                         void *arg,
                         bot_apiworker_free_fn *arg_free,
                         struct sn_err *err)
{
    pthread_mutex_lock(&w->mu);
    if (w->stop || w->ntodo >= w->max_waiting) {
        pthread_mutex_unlock(&w->mu);
        if (arg_free && arg)
            arg_free(arg);
        return sn_err_set(err, SN_ETOOBIG, "%d requests wait already", w->max_waiting);
    }
    struct bot_apiworker_job *j = sn_xcalloc(1, sizeof *j);
    j->owner = owner;
    j->fn = fn;
    j->arg = arg;
    j->arg_free = arg_free;
    if (w->todo_tail)
        w->todo_tail->next = j;
    else
        w->todo = j;
    w->todo_tail = j;
    w->ntodo++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return SN_OK;
}

struct bot_apiworker_job *bot_apiworker_done(struct bot_apiworker *w)
{
    pthread_mutex_lock(&w->mu);
    struct bot_apiworker_job *j = w->done;
    if (j) {
        w->done = j->next;
        if (!w->done)
            w->done_tail = NULL;
        j->next = NULL;
    }
    pthread_mutex_unlock(&w->mu);
    return j;
}

void bot_apiworker_forget(struct bot_apiworker *w, void *owner)
{
    pthread_mutex_lock(&w->mu);
    for (struct bot_apiworker_job *j = w->todo; j; j = j->next)
        if (j->owner == owner)
            j->owner = NULL;
    if (w->running && w->running->owner == owner)
        w->running->owner = NULL;
    for (struct bot_apiworker_job *j = w->done; j; j = j->next)
        if (j->owner == owner)
            j->owner = NULL;
    pthread_mutex_unlock(&w->mu);
}

int bot_apiworker_waiting(struct bot_apiworker *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->ntodo;
    pthread_mutex_unlock(&w->mu);
    return n;
}
