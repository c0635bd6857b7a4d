/* Rule-based intents (greeting, thanks, ask_for_human, are_you_a_bot, affirm, deny, …):
 * data files per language and their matcher.
 *
 * Data: DIR/ar.json and DIR/en.json (either may be missing, not both), each
 *   {"lang": "ar", "filler": ["يا", …],
 *    "intents": [{"name": "greeting", "priority": 20, "courtesy": true,
 *                 "phrases": ["مرحبا", "السلام عليكم", …], "regex": ["…"],
 *                 "lists": {"talk": ["اكلم", "احكي مع", …], "person": ["موظف", …]},
 *                 "near": [{"first": "talk", "then": "person", "within": 4,
 *                           "not_across": "topic", "max_after": 2}],
 *                 "unless": ["رقم", "متى", …],
 *                 "responses": ["أهلًا! …", …]}, …]}
 * An intent may appear in both files (same priority and courtesy): its phrases, regexes,
 * lists (by name), near rules and unless cues are merged, its responses are kept per
 * language. Every entry of a list or of unless is a phrase: one or more words.
 *
 * Matching goes through the knowledge base's analyzer (kb/analyze.h), so phrases and
 * messages normalize the same way (tashkeel, alef forms, clitics, stems). Two words are the
 * same when their stems or their folded forms are equal. Filler words ("please", "يا") are
 * ignored on both sides and never count as words below. An intent matches a message when:
 *   1. its phrases cover every non-filler word of the message, once courtesy words
 *      (words covered by a courtesy intent: greeting, thanks, goodbye) are set aside at the
 *      start and at the end ("hi, agent please" is ask_for_human; "لا شكرا" is deny).
 *      Ties go to the higher priority;
 *   2. else one of its near rules or regexes finds the intent anywhere in the message, and
 *      none of its unless cues occurs in it. Highest priority wins. A near rule matches
 *      when a phrase of list `first` is followed, with at most `within` words between
 *      (default 3) and none of them starting a phrase of list `not_across`, by a phrase of
 *      list `then`; with `max_after`, at most that many words (trailing courtesy words not
 *      counted) may follow. So "ممكن اكلم حد من خدمة العملاء" is a request for a person
 *      (talk verb, person word) while "رقم خدمة العملاء كام" is not (no verb; and "متى اقدر
 *      اكلم موظف" has the cue متى: a question for the knowledge base). A regex (ICU,
 *      case-insensitive) runs over the normalized text (the folded words joined by single
 *      spaces, so "أُريد" is seen as "اريد");
 *   3. else, when the message starts with courtesy words followed by something else, the
 *      match is that courtesy intent with courtesy=1 and rest_start where the rest begins:
 *      the caller answers the rest as a question ("مرحبا، كيف ادفع الفاتورة؟"). A courtesy
 *      word therefore never swallows a question.
 * An intent set is used from one thread at a time. */
#ifndef SANAD_INTENTS_INTENT_H
#define SANAD_INTENTS_INTENT_H

#include <stddef.h>

#include "kb/base.h"

#define INTENT_MAX_WORDS   64         /* longer messages match regexes only */
#define INTENT_MAX_WITHIN  16         /* cap of a near rule's "within" and "max_after" */
#define INTENT_MAX_BYTES   4096       /* longer messages never match an intent */
#define INTENT_MAX_INTENTS 64         /* per set */
#define INTENT_MAX_FILE    (1u << 20) /* a data file past this is refused */

struct intent_set;

/* Loads DIR/ar.json and DIR/en.json (dir NULL = "intents", relative to the current
 * directory; absolute paths work too). Returns a new set owned by the caller
 * (intent_set_free), or NULL with err set: SN_ENOTFOUND when neither file exists,
 * SN_EINVAL with "file: reason" for bad data (JSON, bad regex, a phrase of filler only…),
 * SN_EIO when ICU fails. */
struct intent_set *intent_set_load(const char *dir, struct sn_err *err);
void intent_set_free(struct intent_set *s);

/* The result of intent_match. name and phrase are borrowed from the set. */
struct intent_match {
    const char *name; /* the intent, or NULL when none matched */
    int priority;
    int courtesy;   /* 1: only a courtesy prefix matched; the rest is a question */
    int rest_start; /* with courtesy=1, byte offset of the rest in the text; else 0 */
    int by_regex;   /* 1 when rule 2 (a near rule or a regex) matched */
    int words;      /* words in the message (filler included) */
    char why[512];  /* human-readable reason: rule, phrases or regex, normalized text */
};

/* Matches text[0..len) (UTF-8; invalid bytes are never part of a word). Fills *m (name NULL
 * when no intent matched; text past INTENT_MAX_BYTES never matches) and returns SN_OK, or
 * SN_EIO when the analyzer fails. */
int intent_match(
    struct intent_set *s, const char *text, size_t len, struct intent_match *m, struct sn_err *err);

/* Response template i (taken modulo their number) of intent name in lang ("ar"/"en"),
 * falling back to the other language; NULL when the intent has none. Borrowed from s. */
const char *
intent_response(const struct intent_set *s, const char *name, const char *lang, unsigned i);

/* 1 when s defines an intent called name. */
int intent_exists(const struct intent_set *s, const char *name);

/* Intents in load order, for listings: name, priority, courtesy, phrase count. i < count. */
int intent_count(const struct intent_set *s);
const char *intent_info(
    const struct intent_set *s, int i, int *priority, int *courtesy, int *nphrases, int *nregex);

#endif
