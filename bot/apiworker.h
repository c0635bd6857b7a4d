/* API answers computed off the event loop: one worker thread runs one job at a time, each a
 * function over the worker's own read-only connections (env, opened by whoever starts it)
 * and the job's arguments, giving an HTTP status and a JSON body as text. Jobs are submitted
 * and collected on the loop's thread; at most max_waiting wait behind the one that runs
 * (past that, submit refuses: the caller answers 503). The worker calls wake (thread-safe:
 * serve.c passes lws_cancel_service) when one is done. A job whose requester went away
 * (bot_apiworker_forget) still runs to its end, then is freed unread. Like bot/hasher.h,
 * which does the same for the logins' password checks. */
#ifndef SANAD_BOT_APIWORKER_H
#define SANAD_BOT_APIWORKER_H

#include <stddef.h>

#include "kb/base.h"

/* What a job gives: status, and body (malloc'd, NUL-terminated, len bytes; owned by the
 * job: freed with it) as application/json. body NULL: the caller answers 500. */
struct bot_apiworker_result {
    int status;
    char *body;
    size_t len;
};

/* A job's work, on the worker's thread: env the worker's, arg the job's (borrowed). */
typedef void bot_apiworker_fn(void *env, void *arg, struct bot_apiworker_result *out);
typedef void bot_apiworker_free_fn(void *p);

/* A finished job; owner as submitted, NULL once it is gone (bot_apiworker_forget). */
struct bot_apiworker_job {
    struct bot_apiworker_job *next;
    void *owner;
    struct bot_apiworker_result res;
    /* its input, freed once it has run */
    bot_apiworker_fn *fn;
    void *arg;
    bot_apiworker_free_fn *arg_free;
};

struct bot_apiworker;
typedef void bot_apiworker_wake_fn(void *ctx);

/* A worker over env (taken: env_free(env) when the worker is freed, also on failure;
 * env_free may be NULL) with at most max_waiting jobs waiting (less than 1 is
 * taken as 1: a job is queued before the worker takes it). Returns it owned by
 * the caller (bot_apiworker_free), or NULL with err set (no thread). */
struct bot_apiworker *bot_apiworker_new(void *env,
                                        bot_apiworker_free_fn *env_free,
                                        int max_waiting,
                                        bot_apiworker_wake_fn *wake,
                                        void *ctx,
                                        struct sn_err *err);
/* Stops the worker after the job it runs, if any (it wakes nobody afterwards); the queues
 * stay for bot_apiworker_forget. NULL and a second call are fine. */
void bot_apiworker_stop(struct bot_apiworker *w);
/* Stops the worker if it runs and frees everything, env and unfinished jobs included. NULL
 * is fine. */
void bot_apiworker_free(struct bot_apiworker *w);

/* Queues fn(env, arg) for owner; arg is taken (arg_free(arg) once it has run, or at once when
 * refused; arg_free may be NULL). SN_OK, or SN_ETOOBIG (err set; the queue's cap) when max_waiting
 * jobs wait already or the worker has stopped: nothing is queued. */
int bot_apiworker_submit(struct bot_apiworker *w,
                         void *owner,
                         bot_apiworker_fn *fn,
                         void *arg,
                         bot_apiworker_free_fn *arg_free,
                         struct sn_err *err);
/* Takes the next finished job (the caller frees it with bot_apiworker_job_free), or NULL. */
struct bot_apiworker_job *bot_apiworker_done(struct bot_apiworker *w);
/* owner is gone: its jobs, queued, running or done, come back with owner NULL. */
void bot_apiworker_forget(struct bot_apiworker *w, void *owner);
void bot_apiworker_job_free(struct bot_apiworker_job *j);
/* Jobs waiting (not the one running); for tests and metrics. */
int bot_apiworker_waiting(struct bot_apiworker *w);

#endif
