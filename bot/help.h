/* The public help center under /help/ (docs/help-center.md): server-rendered HTML pages of
 * the published entries, one URL per article, the bot's matcher behind a search box, a
 * "was this helpful" form and a way to a person. Called from the "http" protocol callback
 * (bot/http.c) like the API. The pages read the base on every request, so an entry an
 * editor publishes is there at the next request and a draft never is. Internal to bot/. */
#ifndef SANAD_BOT_HELP_H
#define SANAD_BOT_HELP_H

#include <stddef.h>

#include "kb/base.h"

#define BOT_HELP_MAX_BODY  1024       /* bytes of a vote form; larger gets 413 */
#define BOT_HELP_MAX_PAGE  (8u << 20) /* bytes of one page (a base this large needs paging) */
#define BOT_HELP_MAX_QUERY 1000       /* bytes of a search question (the widget's cap) */

struct lws;
struct bot_help;
struct bot_help_req;

/* The help center's state for one server: its texts (texts/help-ar.json, help-en.json in
 * texts_dir, NULL: texts/ as the bot's) and the vote forms already counted. A new object
 * owned by the caller (bot_help_free), or NULL with err set as bot_textset_load. */
struct bot_help *bot_help_new(const char *texts_dir, struct sn_err *err);
void bot_help_free(struct bot_help *h);

/* Offers one lws "http" callback to the help center. Returns 1 when it handled it, with the
 * callback's return value in *ret; 0 when it is not a /help request. *req is the per-request
 * state in the caller's pss (NULL at first; owned here, freed when the request ends or the
 * connection drops). */
int bot_help_callback(
    struct lws *wsi, int reason, struct bot_help_req **req, void *in, size_t len, int *ret);

#endif
