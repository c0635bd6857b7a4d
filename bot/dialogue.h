/* The conversation brain: what the bot says to one visitor message and why. No sockets,
 * no wire format: `sanad ask` and the WebSocket server both drive it through this header,
 * so the terminal behaves exactly as the chat widget will.
 *
 * Two objects. A struct bot_brain is shared by every conversation of a process (the
 * knowledge base, the intent rules, the answer-policy thresholds). A struct bot_dialogue is
 * the small per-conversation state (language, what the bot last offered, misses in a row);
 * it lives in the caller's storage so a server can keep one per conversation cheaply.
 * Both are used from one thread at a time. */
#ifndef SANAD_BOT_DIALOGUE_H
#define SANAD_BOT_DIALOGUE_H

#include "bot/texts.h"
#include "kb/base.h"
#include "kb/kb.h"

struct kb;
struct bot_brain;

struct bot_brain_config {
    double answer_precision, suggest_precision; /* precision targets of the bands */
    double high, medium;  /* raw band overrides; KB_DEFAULT_HIGH / _MEDIUM: from the targets */
    const char *bot_name; /* both languages' name unless one of its own (NULL: the defaults,
                           * "سند" / "Sanad"); copied */
    const char *bot_name_ar, *bot_name_en; /* NULL: bot_name; copied */
    const char *intents; /* intents data directory (NULL = built-in default "intents"),
                          * relative to the current directory or absolute; copied */
    const char *texts;   /* the bot's texts (bot/texts.h; NULL: texts/ beside the binary) */
    int log_gaps;        /* record knowledge gaps in kb (needs a writable kb); default 1: the
                          * chat server records them; `sanad ask` only with --record-gaps,
                          * so that trying the base from a terminal leaves the editors'
                          * list alone */
};
/* Fills the defaults above. */
void bot_brain_config_init(struct bot_brain_config *c);

/* A brain answering from kb (borrowed: it must outlive the brain). Returns a new brain
 * owned by the caller (bot_brain_free), or NULL with err set: SN_ENOTFOUND when the intents
 * directory has no data, SN_EINVAL for bad intents data (the message names file and rule).
 * Gaps are logged into kb when it is writable; a failure to log never fails a reply. */
struct bot_brain *
bot_brain_new(struct kb *kb, const struct bot_brain_config *c, struct sn_err *err);
void bot_brain_free(struct bot_brain *b);
/* A reload: reads c's intents and texts anew and takes its thresholds and bot name, all or
 * nothing (err set and b unchanged when a file fails to load). Conversations keep their
 * dialogues; their next turns use the new rules and texts. */
int bot_brain_reconfigure(struct bot_brain *b,
                          const struct bot_brain_config *c,
                          struct sn_err *err);

/* Visitor text id (bot/texts.h) in lang with the bot's name and agent (NULL: none) filled
 * in: what the queue tells visitors. A fresh string owned by the caller (free). */
char *
bot_brain_text(const struct bot_brain *b, enum bot_text id, const char *lang, const char *agent);
/* The bot's name in lang ("ar"; anything else is English), borrowed from b until its next
 * reconfigure. */
const char *bot_brain_name(const struct bot_brain *b, const char *lang);
/* The brain's texts, borrowed until its next reconfigure (bot_texts_fmt_new). */
const struct bot_texts *bot_brain_texts(const struct bot_brain *b);
/* ICU text id in lang with numeric args[0..n) (bot_texts_count): the transcript's counts and
 * times. A fresh string owned by the caller (free). */
char *bot_brain_count(
    const struct bot_brain *b, enum bot_text id, const char *lang, const double *args, int n);

/* Records text in lang as a gap of reason (enum kb_gap_reason) as the bot does: only when the
 * brain logs gaps, failures ignored (a gap never costs a reply). Joins the kb's batch. */
void bot_brain_log_gap(struct bot_brain *b, const char *text, const char *lang, int reason);

/* What the bot said in one turn. */
enum bot_turn_kind {
    BOT_TURN_WELCOME,     /* first turn: says it is a bot and how to reach a human */
    BOT_TURN_INTENT,      /* a rule-based reply (greeting, thanks, are_you_a_bot, …) */
    BOT_TURN_ANSWER,      /* a knowledge-base answer (high band) */
    BOT_TURN_SUGGESTIONS, /* "did you mean…" (medium band), up to BOT_MAX_SUGGESTIONS */
    BOT_TURN_FALLBACK,    /* no answer yet; offers a human */
    BOT_TURN_HANDOFF      /* the conversation goes to a human now */
};
#define BOT_MAX_SUGGESTIONS KB_SUGGEST_K /* the suggest band is calibrated on this many */

struct bot_suggestion {
    char *kb_id;
    char *question;
    char lang[3]; /* the entry's language: always the turn's lang */
};

/* One bot turn. All strings are owned by the turn (bot_turn_fini). */
struct bot_turn {
    int kind;          /* enum bot_turn_kind */
    char *intent;      /* intent name, or NULL */
    char *kb_id;       /* entry answered, or NULL */
    int band;          /* enum kb_band of the search, or -1 when no search was made */
    double confidence; /* of the top hit when a search was made, else 0 */
    char lang[3];      /* "ar" or "en": the language the bot replied in (text, answer and
                        * suggestions are all in it) */
    char *text;        /* what the visitor sees, never NULL */
    struct bot_suggestion sugg[BOT_MAX_SUGGESTIONS];
    int nsugg;
    int ask_feedback; /* the widget shows "was this helpful? yes / no" */
    int offer_human;  /* the widget highlights "talk to a human" */
    int handoff;      /* 1 when the conversation must go to a human (kind HANDOFF) */
};
void bot_turn_fini(struct bot_turn *t);

/* The ranking the bot makes of question q for a conversation in lang: that language's
 * entries, and the other's too when other_too and the first search was not high (a mixed
 * message). With explain, r->explain says why. *out is the caller's (kb_results_free).
 * Read-only: nothing is logged (the editors' "try a question"). kb_search's errors. */
struct kb_results;
int bot_brain_search(struct bot_brain *b,
                     const char *lang,
                     int other_too,
                     const char *q,
                     int explain,
                     struct kb_results **out,
                     struct sn_err *err);
/* What the bot does with those results: BOT_TURN_ANSWER (the first hit is high),
 * BOT_TURN_SUGGESTIONS (medium) or BOT_TURN_FALLBACK. Pure. */
int bot_brain_verdict(const struct kb_results *r);
/* Human-readable kind ("welcome", "intent", "answer", "suggestions", "fallback", "handoff"). */
const char *bot_turn_kind_name(int kind);

/* What the last bot turn asked of the visitor (struct bot_dialogue.awaiting). */
enum { AWAIT_NOTHING = 0, AWAIT_FEEDBACK = 1, AWAIT_PICK = 2, AWAIT_HUMAN = 3, AWAIT_N };

/* Per-conversation state. Plain data: zero it with bot_dialogue_init, copy it freely. Its
 * stored form is bot_dialogue_encode's JSON, never this layout. */
struct bot_dialogue {
    char lang[3];                /* current conversation language */
    unsigned char awaiting;      /* what the last bot turn asked (AWAIT_*, 0 = nothing) */
    int misses;                  /* low-confidence misses in a row */
    unsigned turns;              /* visitor messages so far: picks the response template */
    unsigned char nsugg;         /* suggestions of the last SUGGESTIONS turn, for "1", "2", "3" */
    unsigned char last_q_logged; /* last_q was already recorded as a gap */
    unsigned char lang_hinted;   /* bot_dialogue_init got a language hint */
    char last_kb_id[64];         /* entry of the last answer (for feedback), "" if none */
    char last_q[512];            /* the visitor question behind the last answer / suggestion
                                  * (truncated on a character boundary), for gap capture */
    char sugg_ids[BOT_MAX_SUGGESTIONS][64];
};
/* lang_hint "ar", "en" or NULL (Arabic, and the welcome adds one English line). */
void bot_dialogue_init(struct bot_dialogue *d, const char *lang_hint);

/* The stored form of d (bot/dialogue_codec.c): a JSON object with a format version and
 * named fields, so that an older or newer binary reads what it knows and keeps the
 * conversation. A fresh string owned by the caller (free). */
char *bot_dialogue_encode(const struct bot_dialogue *d);
/* Reads a stored dialogue into *d: bot_dialogue_encode's JSON (unknown fields ignored,
 * missing or out-of-range ones at their initial value), or the raw layout binaries before
 * format 1 stored (exactly sizeof *d bytes, read once and written back as JSON). SN_OK, or
 * SN_EINVAL (and *d initialised with lang_hint) for anything else. */
int bot_dialogue_decode(const void *data,
                        size_t len,
                        const char *lang_hint,
                        struct bot_dialogue *d);

/* The store's migration hook (store_dialogue_upgrade_fn): a dialogue stored in an older
 * form (the raw layout before format 1) rewritten as bot_dialogue_encode's JSON, owned by
 * the caller (free); NULL for one stored as JSON already, or one that cannot be read (it is
 * kept, and starts afresh when its visitor comes back, as before). */
char *bot_dialogue_upgrade(const void *data, size_t len);

/* The first turn of every conversation. Fills *out (caller finis it). */
void bot_dialogue_welcome(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out);

/* The bot's reply to one visitor message (UTF-8 text, any length: hostile input gets a sane
 * reply). Fills *out (caller finis it) and returns SN_OK; returns SN_EINVAL with err set
 * and *out untouched only for text that is not valid UTF-8, SN_EDB on a database failure
 * (SN_EIO if the analyzer fails).
 *
 * The policy, in order: the language of the message, decided once by its content words
 * (letters of each script, Arabic counted 5/4 for its unwritten vowels, plus function words;
 * chunks with digits or #@/_ such as "#A-1234" do not count; "عندي مشكلة في iPhone" and
 * "My order #A-1234 لسه موصلش" are Arabic) becomes the reply language. A message past
 * KB_MAX_QUERY_BYTES gets a FALLBACK asking for a shorter question. An intent (intents/)
 * is answered in context: ask_for_human -> HANDOFF; affirm after a human offer -> HANDOFF;
 * affirm/thanks after an answer -> helpful; deny after an answer or after suggestions, or
 * not_helpful at any time -> FALLBACK offering a human (and a gap); "1".."3" after
 * suggestions picks one; are_you_a_bot is answered truthfully; restart resets the state.
 * A courtesy prefix ("مرحبا، …") is set aside and the rest is answered as a question.
 * Questions search the knowledge base in the reply language, then in the other one when at
 * least a third of the message is in it: high -> ANSWER (ask_feedback), medium ->
 * SUGGESTIONS, low -> FALLBACK (offer_human; a gap). When the hits shown come from the other
 * language, the turn (text and suggestions) and the conversation switch to it.
 * Text without any word (empty, emoji, punctuation) gets a FALLBACK asking for a question. */
int bot_dialogue_message(struct bot_brain *b,
                         struct bot_dialogue *d,
                         const char *text,
                         struct bot_turn *out,
                         struct sn_err *err);

/* The visitor picked suggestion kb_id: answers with that entry. SN_ENOTFOUND if it is not
 * a published entry. */
int bot_dialogue_pick(struct bot_brain *b,
                      struct bot_dialogue *d,
                      const char *kb_id,
                      struct bot_turn *out,
                      struct sn_err *err);

/* "Was this helpful?" answered with a button. helpful=0 offers a human right away
 * (FALLBACK, offer_human) and records the question as a gap. */
int bot_dialogue_feedback(struct bot_brain *b,
                          struct bot_dialogue *d,
                          int helpful,
                          struct bot_turn *out,
                          struct sn_err *err);

/* The visitor pressed "talk to a human": always a HANDOFF turn (handoff=1). The question
 * before it, if any, is recorded as a gap. */
void bot_dialogue_handoff(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out);

#endif
