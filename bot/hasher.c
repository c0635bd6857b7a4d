/* The login worker (see bot/hasher.h): a mutex-guarded queue in, one out. */
#include "bot/hasher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct bot_hasher {
    struct bot_auth *auth; /* the worker's own connection */
    bot_hasher_wake_fn *wake;
    void *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct bot_login_job *todo, *todo_tail; /* FIFO */
    struct bot_login_job *running;
    struct bot_login_job *done, *done_tail;
    int stop, joined;
};

static void wipe_input(struct bot_login_job *j)
{
    if (j->pw) {
        sodium_memzero(j->pw, j->pw_len);
        free(j->pw);
        j->pw = NULL;
    }
}

void bot_hasher_job_free(struct bot_login_job *j)
{
    if (!j)
        return;
    wipe_input(j);
    sodium_memzero(j->token, sizeof j->token);
    free(j);
}

static void *worker(void *arg)
{
    struct bot_hasher *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->todo && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->stop)
            break;
        struct bot_login_job *j = h->todo;
        h->todo = j->next;
        if (!h->todo)
            h->todo_tail = NULL;
        j->next = NULL;
        h->running = j;
        pthread_mutex_unlock(&h->mu);
        /* the slow part, outside the lock: Argon2id and the session row */
        j->rc = bot_auth_login(h->auth, j->login, j->pw, j->pw_len, j->ttl, j->now, j->token,
                               &j->user, &j->err);
        wipe_input(j);
        pthread_mutex_lock(&h->mu);
        h->running = NULL;
        if (h->done_tail)
            h->done_tail->next = j;
        else
            h->done = j;
        h->done_tail = j;
        if (!h->stop) /* the loop may be going: after stop, nobody is woken */
            h->wake(h->ctx);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

struct bot_hasher *bot_hasher_new(const struct bot_config *cfg,
                                  bot_hasher_wake_fn *wake,
                                  void *ctx,
                                  struct sn_err *err)
{
    struct bot_hasher *h = sn_xcalloc(1, sizeof *h);
    h->wake = wake;
    h->ctx = ctx;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->auth = bot_auth_open_cfg(cfg, err);
    if (!h->auth)
        goto fail;
    if (pthread_create(&h->thread, NULL, worker, h)) {
        sn_err_set(err, SN_EIO, "cannot start the login worker thread");
        goto fail;
    }
    return h;
fail:
    bot_auth_close(h->auth);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
    return NULL;
}

static void free_list(struct bot_login_job *j)
{
    while (j) {
        struct bot_login_job *n = j->next;
        bot_hasher_job_free(j);
        j = n;
    }
}

void bot_hasher_stop(struct bot_hasher *h)
{
    if (!h || h->joined)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    h->joined = 1;
}

void bot_hasher_free(struct bot_hasher *h)
{
    if (!h)
        return;
    bot_hasher_stop(h);
    free_list(h->todo);
    free_list(h->done);
    bot_auth_close(h->auth);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void bot_hasher_submit(struct bot_hasher *h,
                       void *owner,
                       const char *login,
                       const char *pw,
                       size_t pw_len,
                       int ttl,
                       long long now)
{
    struct bot_login_job *j = sn_xcalloc(1, sizeof *j);
    j->owner = owner;
    snprintf(j->login, sizeof j->login, "%s", login);
    j->pw = sn_xmalloc(pw_len + 1);
    memcpy(j->pw, pw, pw_len);
    j->pw[pw_len] = 0;
    j->pw_len = pw_len;
    j->ttl = ttl;
    j->now = now;
    pthread_mutex_lock(&h->mu);
    if (h->todo_tail)
        h->todo_tail->next = j;
    else
        h->todo = j;
    h->todo_tail = j;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

struct bot_login_job *bot_hasher_done(struct bot_hasher *h)
{
    pthread_mutex_lock(&h->mu);
    struct bot_login_job *j = h->done;
    if (j) {
        h->done = j->next;
        if (!h->done)
            h->done_tail = NULL;
        j->next = NULL;
    }
    pthread_mutex_unlock(&h->mu);
    return j;
}

void bot_hasher_forget(struct bot_hasher *h, void *owner)
{
    pthread_mutex_lock(&h->mu);
    for (struct bot_login_job *j = h->todo; j; j = j->next)
        if (j->owner == owner)
            j->owner = NULL;
    if (h->running && h->running->owner == owner)
        h->running->owner = NULL;
    for (struct bot_login_job *j = h->done; j; j = j->next)
        if (j->owner == owner)
            j->owner = NULL;
    pthread_mutex_unlock(&h->mu);
}
