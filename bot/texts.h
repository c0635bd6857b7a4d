/* What the bot and the queue say to visitors, per language, as data: texts/ar.json and
 * texts/en.json ({"lang", "texts": {key: template}}), one key per enum bot_text, with {bot}
 * (the bot's name) and {agent} (an agent's name) filled in when rendered. The texts that
 * carry a count, a number or a time (marked ICU below) are ICU MessageFormat patterns
 * instead, with numbered arguments ({0, plural, …}, {1, number}, {0, date, long}), rendered
 * in the language's locale by bot_texts_format: Arabic's six plural forms and Arabic-Indic
 * digits, as the widget's Intl.PluralRules / Intl.NumberFormat('ar') write them. Loaded
 * once; a missing, unknown or malformed text (an ICU one ICU refuses included) refuses the
 * whole set with the file and key named. */
#ifndef SANAD_BOT_TEXTS_H
#define SANAD_BOT_TEXTS_H

#include "kb/base.h"

enum bot_text {
    BOT_TEXT_WELCOME,         /* the first message */
    BOT_TEXT_WELCOME_HINT,    /* after the other language's welcome, language unknown yet */
    BOT_TEXT_HUMAN_HINT,      /* after an answer: how to reach a person */
    BOT_TEXT_HANDOFF,         /* handing off (when the intent has no response of its own) */
    BOT_TEXT_NOT_HELPFUL,     /* after a 👎 */
    BOT_TEXT_OK,              /* an intent with no response of its own */
    BOT_TEXT_GLAD,            /* after a 👍 */
    BOT_TEXT_NO_WORDS,        /* a message without words */
    BOT_TEXT_SUGGEST,         /* above the suggestions */
    BOT_TEXT_PICK_NUMBER,     /* ICU: "yes" while suggestions wait for a number; {0} how
                               * many, {1} the first number (1) */
    BOT_TEXT_FALLBACK,        /* no answer */
    BOT_TEXT_FALLBACK_AGAIN,  /* no answer, the second time running */
    BOT_TEXT_TOO_LONG,        /* a message too long to match */
    BOT_TEXT_AGENT_JOINED,    /* {agent} took the conversation */
    BOT_TEXT_AGENT_GONE,      /* its agent was disconnected: back at the head of the queue */
    BOT_TEXT_QUEUE_ABANDONED, /* a queued visitor gone past the grace period */
    BOT_TEXT_QUEUE_LEFT,      /* the visitor left the queue */
    BOT_TEXT_AGENT_CLOSED,    /* the agent closed the conversation */
    /* the transcript download (bot/transcript.h) */
    BOT_TEXT_TRANSCRIPT_TITLE,   /* its heading; {bot} */
    BOT_TEXT_TRANSCRIPT_META,    /* ICU: {0} the start (ms, date), {1} how many messages */
    BOT_TEXT_TRANSCRIPT_TIME,    /* ICU: {0} a message's time (ms, date/time) */
    BOT_TEXT_TRANSCRIPT_YOU,     /* the visitor */
    BOT_TEXT_TRANSCRIPT_AGENT,   /* an agent without a name */
    BOT_TEXT_TRANSCRIPT_SYSTEM,  /* notices (an agent joined, …) */
    BOT_TEXT_TRANSCRIPT_SUBJECT, /* the emailed transcript's subject; {bot} */
    BOT_TEXT_TRANSCRIPT_INTRO,   /* its first line, above the transcript; {bot} */
    /* escalation tiers (issue 15): {agent} the department's label, {ref} the case's reference
     * (bot_texts_fill_one) */
    BOT_TEXT_CASE_ESCALATED,     /* an agent escalated the case to a second line */
    BOT_TEXT_CASE_TO_DEPARTMENT, /* an agent transferred the chat to a department */
    BOT_TEXT_N
};

#define BOT_TEXTS_MAX_FILE (256u << 10) /* a texts file past this is refused */
#define BOT_TEXT_MAX_BYTES 2048         /* one template */

struct bot_texts;

/* Loads DIR/ar.json and DIR/en.json (dir NULL: texts/ found like intents/, beside the
 * binary or in the current directory). A new set owned by the caller (bot_texts_free), or
 * NULL with err set: SN_ENOTFOUND for a missing file, SN_EINVAL for bad JSON, a wrong
 * "lang", a missing or unknown key, a value that is not a non-empty string, a template
 * past BOT_TEXT_MAX_BYTES; SN_ETOOBIG past BOT_TEXTS_MAX_FILE. */
struct bot_texts *bot_texts_load(const char *dir, struct sn_err *err);
void bot_texts_free(struct bot_texts *t);

/* Text id in lang ("ar"; anything else is English) with {bot} and {agent} replaced (NULL
 * fills nothing in). A fresh string owned by the caller (free). */
char *bot_texts_render(const struct bot_texts *t,
                       enum bot_text id,
                       const char *lang,
                       const char *bot,
                       const char *agent);

/* tmpl with {bot} and {agent} replaced (NULL fills nothing in; other braces are text): the
 * one template filler, for these texts and the intents' responses. A fresh string owned by
 * the caller (free). */
char *bot_texts_fill(const char *tmpl, const char *bot, const char *agent);

/* s with every mark (e.g. "{ref}") replaced by value: for the few texts with a mark of their
 * own besides {bot} and {agent}. A fresh string owned by the caller (free). */
char *bot_texts_fill_one(const char *s, const char *mark, const char *value);

/* Another set of texts of the same shape with keys of its own: DIR/NAME-ar.json and
 * DIR/NAME-en.json (dir NULL: as bot_texts_load), holding exactly keys[0..n) (the caller's
 * table, indexed by the caller's enum; it must outlive nothing, the texts are copied). The
 * help center's pages use "help" (bot/help.c). A new set owned by the caller
 * (bot_textset_free), or NULL with err set as bot_texts_load. */
struct bot_textset;
struct bot_textset *bot_textset_load(
    const char *dir, const char *name, const char *const *keys, int n, struct sn_err *err);
void bot_textset_free(struct bot_textset *s);
/* Text i in lang ("ar"; anything else is English), borrowed from the set; "" out of range. */
const char *bot_textset_get(const struct bot_textset *s, const char *lang, int i);

#define BOT_TEXT_MAX_ARGS 4 /* numbered arguments of an ICU text */

/* ICU MessageFormat pattern (UTF-8) rendered in lang's locale ("ar", "en", …) with the
 * numeric arguments args[0..n) (n <= BOT_TEXT_MAX_ARGS): {i, plural, …} and {i, number}
 * take a count, {i, date, …} / {i, time, …} milliseconds since the epoch (in the process
 * time zone). The one function every count, number and time of the server's texts goes
 * through. A fresh string owned by the caller (free), or NULL with err set (SN_EINVAL) when
 * ICU refuses the pattern or n is out of range. */
char *bot_texts_format(
    const char *pattern, const char *lang, const double *args, int n, struct sn_err *err);

/* ICU text id (pick_number, transcript_meta, transcript_time) in lang, formatted with
 * args[0..n) (bot_texts_format). A fresh string owned by the caller (free); the pattern
 * itself in the unlikely case ICU fails at render time (it was checked at load). */
char *bot_texts_count(
    const struct bot_texts *t, enum bot_text id, const char *lang, const double *args, int n);

/* ICU text id in lang opened once, for many renderings (the transcript's time of each
 * line: opening the pattern is most of the cost). A new formatter owned by the caller
 * (bot_texts_fmt_free), or NULL when id is not an ICU text or ICU fails. */
struct bot_texts_fmt;
struct bot_texts_fmt *
bot_texts_fmt_new(const struct bot_texts *t, enum bot_text id, const char *lang);
/* f with args[0..n) (n <= BOT_TEXT_MAX_ARGS), as bot_texts_format: a fresh string owned by
 * the caller (free), "" when ICU fails. */
char *bot_texts_fmt_run(struct bot_texts_fmt *f, const double *args, int n);
void bot_texts_fmt_free(struct bot_texts_fmt *f);

/* 1 when id is an ICU text (bot_texts_count), 0 for a {bot}/{agent} template. */
int bot_text_is_icu(enum bot_text id);

/* The key of id in the files, or NULL out of range. */
const char *bot_text_key(enum bot_text id);

#endif
