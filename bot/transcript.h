/* The visitor's transcript as a text file (GET /api/transcript, docs/api.md): what the
 * visitor saw of the conversation, internal notes never, headings in the conversation's
 * language, times and counts through ICU (bot/texts.h). Internal to bot/. */
#ifndef SANAD_BOT_TRANSCRIPT_H
#define SANAD_BOT_TRANSCRIPT_H

#include <stddef.h>

#include "kb/base.h"

struct store;
struct store_conv;
struct bot_brain;

#define BOT_TRANSCRIPT_MAX_MSGS  5000       /* messages written; a note says when more were left */
#define BOT_TRANSCRIPT_MAX_BYTES (4u << 20) /* bytes of the file */

/* The conversation whose session token is token (the widget's X-Sanad-Token) and whose last
 * activity is at or after min_updated (ms), into *out (its dialogue freed here: out->dialogue
 * is NULL). SN_ENOTFOUND when there is none (a bad, unknown or expired token), SN_EDB. */
int bot_transcript_find(struct store *st,
                        const char *token,
                        long long min_updated,
                        struct store_conv *out,
                        struct sn_err *err);

/* The transcript of conversation c as UTF-8 text: a heading ("Conversation with Sanad"),
 * the start and the number of messages, a blank line, then one line per message
 * "[time] who: text" (who: the bot's name, the agent's name, "You", a notice), later lines
 * of a message indented by four spaces. In c->lang. A fresh string owned by the caller
 * (free), or NULL with err set when the store fails. */
char *bot_transcript_text(struct store *st,
                          const struct bot_brain *b,
                          const struct store_conv *c,
                          size_t *len,
                          struct sn_err *err);

/* The transcript as an email to the visitor (visitor frame transcript_email): the subject
 * (texts transcript_subject), the text (transcript_intro, a blank line, the transcript as
 * above) and simple HTML (the same, escaped, in the language's direction). c->created 0:
 * the start is the first message's time. SN_OK with out's strings owned by out
 * (bot_transcript_mail_fini), or an error with err set and out empty. */
struct bot_transcript_mail {
    char *subject, *text, *html;
};
int bot_transcript_mail(struct store *st,
                        const struct bot_brain *b,
                        const struct store_conv *c,
                        struct bot_transcript_mail *out,
                        struct sn_err *err);
void bot_transcript_mail_fini(struct bot_transcript_mail *m);

/* The file's name: "transcript-<conversation id>.txt" (ids are [A-Za-z0-9_-]). */
void bot_transcript_filename(const char *conv_id, char *out, size_t size);

#endif
