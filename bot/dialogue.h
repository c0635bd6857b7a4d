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

#include "kb/base.h"

struct kb;
struct bot_brain;

struct bot_brain_config {
    double high, medium;   /* kb confidence bands; KB_DEFAULT_HIGH / KB_DEFAULT_MEDIUM */
    const char *bot_name;  /* shown in the welcome, e.g. "Sanad"; copied */
    const char *intents;   /* intents data directory (NULL = built-in default "intents") */
};
/* Fills the defaults above. */
void bot_brain_config_init(struct bot_brain_config *c);

/* A brain answering from kb (borrowed: it must outlive the brain). Returns a new brain
 * owned by the caller (bot_brain_free), or NULL with err set (bad intents data). */
struct bot_brain *bot_brain_new(struct kb *kb, const struct bot_brain_config *c,
                                struct sn_err *err);
void bot_brain_free(struct bot_brain *b);

/* What the bot said in one turn. */
enum bot_turn_kind {
    BOT_TURN_WELCOME,     /* first turn: says it is a bot and how to reach a human */
    BOT_TURN_INTENT,      /* a rule-based reply (greeting, thanks, are_you_a_bot, …) */
    BOT_TURN_ANSWER,      /* a knowledge-base answer (high band) */
    BOT_TURN_SUGGESTIONS, /* "did you mean…" (medium band), up to BOT_MAX_SUGGESTIONS */
    BOT_TURN_FALLBACK,    /* no answer yet; offers a human */
    BOT_TURN_HANDOFF      /* the conversation goes to a human now */
};
#define BOT_MAX_SUGGESTIONS 3

struct bot_suggestion {
    char *kb_id;
    char *question;
};

/* One bot turn. All strings are owned by the turn (bot_turn_fini). */
struct bot_turn {
    int kind;           /* enum bot_turn_kind */
    char *intent;       /* intent name, or NULL */
    char *kb_id;        /* entry answered, or NULL */
    int band;           /* enum kb_band of the search, or -1 when no search was made */
    double confidence;  /* of the top hit when a search was made, else 0 */
    char lang[3];       /* "ar" or "en": the language the bot replied in */
    char *text;         /* what the visitor sees, never NULL */
    struct bot_suggestion sugg[BOT_MAX_SUGGESTIONS];
    int nsugg;
    int ask_feedback;   /* the widget shows "was this helpful? yes / no" */
    int offer_human;    /* the widget highlights "talk to a human" */
    int handoff;        /* 1 when the conversation must go to a human (kind HANDOFF) */
};
void bot_turn_fini(struct bot_turn *t);
/* Human-readable kind ("welcome", "intent", "answer", "suggestions", "fallback", "handoff"). */
const char *bot_turn_kind_name(int kind);

/* Per-conversation state. Plain data: zero it with bot_dialogue_init, copy it freely. */
struct bot_dialogue {
    char lang[3];         /* current conversation language */
    int misses;           /* low-confidence misses in a row */
    int awaiting;         /* what the last bot turn asked (internal enum, 0 = nothing) */
    char last_kb_id[64];  /* entry of the last answer (for feedback), "" if none */
    char last_q[512];     /* the visitor question behind the last answer / suggestion
                           * (truncated on a character boundary), for gap capture */
};
/* lang_hint "ar", "en" or NULL (Arabic). */
void bot_dialogue_init(struct bot_dialogue *d, const char *lang_hint);

/* The first turn of every conversation. Fills *out (caller finis it). */
void bot_dialogue_welcome(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out);

/* The bot's reply to one visitor message (UTF-8 text, any length: hostile input gets a sane
 * reply). Fills *out (caller finis it) and returns SN_OK; returns SN_EINVAL with err set
 * and *out untouched only for text that is not valid UTF-8, SN_EDB on a database failure. */
int bot_dialogue_message(struct bot_brain *b, struct bot_dialogue *d, const char *text,
                         struct bot_turn *out, struct sn_err *err);

/* The visitor picked suggestion kb_id: answers with that entry. SN_ENOTFOUND if it is not
 * a published entry. */
int bot_dialogue_pick(struct bot_brain *b, struct bot_dialogue *d, const char *kb_id,
                      struct bot_turn *out, struct sn_err *err);

/* "Was this helpful?" answered with a button. helpful=0 offers a human right away. */
int bot_dialogue_feedback(struct bot_brain *b, struct bot_dialogue *d, int helpful,
                          struct bot_turn *out, struct sn_err *err);

/* The visitor pressed "talk to a human": always a HANDOFF turn. */
void bot_dialogue_handoff(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out);

#endif
