/* The email that carries an agent's reply to a case whose visitor has gone (issue 15,
 * docs/email.md "Replies to cases"): its templates as data per language (texts/mail-ar.json,
 * texts/mail-en.json, a bot_textset), rendered as a subject, a text part and a simple HTML
 * part; and the link back to the chat, made of public_url and the case's reference (never
 * the conversation's token). Pure: no store, no sockets, no clock. */
#ifndef SANAD_BOT_CASEMAIL_H
#define SANAD_BOT_CASEMAIL_H

#include <stddef.h>

#include "kb/base.h"

/* The template keys, in the files' "texts" object. Each may hold the placeholders {ref}
 * (the case's reference), {agent} (the agent's display name), {bot} (the bot's name) and
 * {link} (the link back to the chat); subject and footer must hold {ref}. */
enum bot_casemail_text {
    BOT_CASEMAIL_SUBJECT,  /* "[{ref}] …" */
    BOT_CASEMAIL_GREETING, /* the first line */
    BOT_CASEMAIL_INTRO,    /* above the agent's words: who answered */
    BOT_CASEMAIL_LINK,     /* the way back to the chat: {link}; left out without public_url */
    BOT_CASEMAIL_FOOTER,   /* the reference again, and that replies to the email are not read */
    BOT_CASEMAIL_N
};

#define BOT_CASEMAIL_URL_MAX 512 /* bytes of public_url */
/* public_url + "#sanad-case=" + a reference */
#define BOT_CASEMAIL_LINK_MAX (BOT_CASEMAIL_URL_MAX + 32)

struct bot_textset;

/* Loads DIR/mail-ar.json and DIR/mail-en.json (dir NULL: texts/ as bot_texts_load finds
 * it) and checks every template's placeholders. A new set owned by the caller
 * (bot_textset_free), or NULL with err set (the file and key named). */
struct bot_textset *bot_casemail_texts_load(const char *dir, struct sn_err *err);

/* Whether url can be public_url: http:// or https://, a host, at most BOT_CASEMAIL_URL_MAX
 * bytes of printable ASCII without white space, quotes, angle brackets, backslashes or a
 * fragment (#: the link's own). SN_OK, or SN_EINVAL with err saying why. */
int bot_casemail_url_check(const char *url, struct sn_err *err);

/* The link back to the chat, url + "#sanad-case=" + ref, into out (BOT_CASEMAIL_LINK_MAX);
 * "" when url is NULL or "". The fragment never reaches a server's logs. */
void bot_casemail_link(const char *url, const char *ref, char out[BOT_CASEMAIL_LINK_MAX]);

/* What one reply email says. Strings borrowed; link "" or NULL: no link line. */
struct bot_casemail_in {
    const char *lang;  /* "ar", else English */
    const char *ref;   /* the case's reference */
    const char *agent; /* the agent's display name */
    const char *bot;   /* the bot's name */
    const char *text;  /* the agent's words, as stored */
    const char *link;
};

/* The rendered email; every string owned (bot_casemail_fini). */
struct bot_casemail {
    char *subject, *text, *html;
};

/* Renders in into *out from the set's templates in in->lang: the text part (greeting,
 * intro, the agent's words, the link line, the footer) and the same as simple HTML, in the
 * language's direction (dir="rtl" lang="ar" for Arabic), every template and value escaped
 * (the agent's words are text, never markup) and the link an anchor. SN_OK. */
int bot_casemail_render(const struct bot_textset *tx,
                        const struct bot_casemail_in *in,
                        struct bot_casemail *out,
                        struct sn_err *err);
void bot_casemail_fini(struct bot_casemail *m);

#endif
