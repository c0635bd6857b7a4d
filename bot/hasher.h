/* Password checks off the event loop: one worker thread, with its own connection to the
 * accounts (bot_auth_open_cfg: the store file, or PostgreSQL), runs each login's Argon2id
 * verification and session creation (bot_auth_login), so that a storm of logins never stalls
 * the visitors the loop serves. Jobs are submitted and collected on the loop's thread; the
 * worker calls wake (thread-safe: serve.c passes lws_cancel_service) when one is done. */
#ifndef SANAD_BOT_HASHER_H
#define SANAD_BOT_HASHER_H

#include <stddef.h>

#include "bot/auth.h"
#include "kb/base.h"

/* A finished login: rc as bot_auth_login's (SN_OK with user and token, SN_ENOTFOUND for a
 * wrong login or password, else err); owner as submitted. */
struct bot_login_job {
    struct bot_login_job *next;
    void *owner; /* the request's connection; NULL once it is gone (bot_hasher_forget) */
    int rc;
    struct bot_user user;
    char token[BOT_AUTH_TOKEN_HEX];
    struct sn_err err;
    /* the job's input, wiped once it has run */
    char login[BOT_AUTH_LOGIN_MAX + 1];
    char *pw;
    size_t pw_len;
    int ttl;
    long long now;
};

struct bot_hasher;

typedef void bot_hasher_wake_fn(void *ctx);

struct bot_config;

/* A worker on the accounts of cfg's store (read only while the call runs: the worker opens
 * its connection here). Returns it owned by the caller (bot_hasher_free), or NULL with err
 * set (the accounts cannot be opened, or no thread). */
struct bot_hasher *bot_hasher_new(const struct bot_config *cfg,
                                  bot_hasher_wake_fn *wake,
                                  void *ctx,
                                  struct sn_err *err);
/* Stops the worker after the job it runs, if any (it wakes nobody afterwards); the queues
 * stay for bot_hasher_forget. NULL and a second call are fine. */
void bot_hasher_stop(struct bot_hasher *h);
/* Stops the worker if it runs and frees everything, unfinished jobs included. NULL is
 * fine. */
void bot_hasher_free(struct bot_hasher *h);

/* Queues a login for owner (copying login and password). */
void bot_hasher_submit(struct bot_hasher *h,
                       void *owner,
                       const char *login,
                       const char *pw,
                       size_t pw_len,
                       int ttl,
                       long long now);
/* Takes the next finished job (the caller frees it with bot_hasher_job_free), or NULL. */
struct bot_login_job *bot_hasher_done(struct bot_hasher *h);
/* owner is gone: its jobs, queued, running or done, come back with owner NULL. */
void bot_hasher_forget(struct bot_hasher *h, void *owner);
void bot_hasher_job_free(struct bot_login_job *j);

#endif
