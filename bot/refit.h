/* Refits the confidence model (kb_calibrate) after editors change the base through the API,
 * off the event loop: one worker thread with its own connection to the knowledge base. The
 * CLI refits after each of its writes; the server must not stall visitors for the fit (a
 * search per calibration example, seconds on a large base), so a change only pokes the
 * worker, which waits until the edits have paused (the debounce), then fits and stores the
 * model. The loop's connection sees the new model through the base's data_version. */
#ifndef SANAD_BOT_REFIT_H
#define SANAD_BOT_REFIT_H

#include "kb/base.h"

struct bot_refit;

/* A worker for the base at kb_path that fits debounce_ms after the last poke. Owned by the
 * caller (bot_refit_free), or NULL with err set (no thread). */
struct bot_refit *bot_refit_new(const char *kb_path, int debounce_ms, struct sn_err *err);
/* The base changed: fit once the changes pause. Thread-safe, cheap; NULL is fine. */
void bot_refit_poke(struct bot_refit *r);
/* How many fits have been stored (tests and logs). */
long bot_refit_done(struct bot_refit *r);
/* Stops the worker after the fit it runs, if any (a pending poke is dropped: the next start
 * or `sanad kb calibrate` fits), and frees it. NULL is fine. */
void bot_refit_free(struct bot_refit *r);

#endif
