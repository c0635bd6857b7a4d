/* The conversation brain, first cut: language by script, knowledge-base search with the
 * answer policy's three bands, honest welcome and an explicit handoff. Intents come next. */
#include "bot/dialogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"

struct bot_brain {
    struct kb *kb;
    double high, medium;
    char *bot_name;
};

enum { AWAIT_NOTHING = 0, AWAIT_FEEDBACK = 1, AWAIT_PICK = 2 };

void bot_brain_config_init(struct bot_brain_config *c)
{
    c->high = KB_DEFAULT_HIGH;
    c->medium = KB_DEFAULT_MEDIUM;
    c->bot_name = "Sanad";
    c->intents = NULL;
}

struct bot_brain *bot_brain_new(struct kb *kb, const struct bot_brain_config *c,
                                struct sn_err *err)
{
    (void)err;
    struct bot_brain *b = sn_xcalloc(1, sizeof *b);
    b->kb = kb;
    b->high = c->high;
    b->medium = c->medium;
    b->bot_name = sn_xstrdup(c->bot_name ? c->bot_name : "Sanad");
    return b;
}

void bot_brain_free(struct bot_brain *b)
{
    if (!b)
        return;
    free(b->bot_name);
    free(b);
}

void bot_turn_fini(struct bot_turn *t)
{
    free(t->intent);
    free(t->kb_id);
    free(t->text);
    for (int i = 0; i < t->nsugg; i++) {
        free(t->sugg[i].kb_id);
        free(t->sugg[i].question);
    }
    memset(t, 0, sizeof *t);
}

const char *bot_turn_kind_name(int kind)
{
    static const char *names[] = {"welcome", "intent", "answer", "suggestions", "fallback",
                                  "handoff"};
    return kind >= 0 && kind <= BOT_TURN_HANDOFF ? names[kind] : "unknown";
}

void bot_dialogue_init(struct bot_dialogue *d, const char *lang_hint)
{
    memset(d, 0, sizeof *d);
    strcpy(d->lang, lang_hint && strcmp(lang_hint, "en") == 0 ? "en" : "ar");
}

static void turn_start(struct bot_turn *t, int kind, const char *lang)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->band = -1;
    memcpy(t->lang, lang, 3);
}

static int is_ar(const char *lang)
{
    return strcmp(lang, "ar") == 0;
}

/* Arabic letters (U+0600..U+06FF lead bytes D8..DB) against Latin letters. */
static const char *detect_lang(const char *s, const char *current)
{
    int ar = 0, lat = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0xD8 && *p <= 0xDB)
            ar++;
        else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
            lat++;
    }
    if (ar == 0 && lat == 0)
        return current;
    return ar * 2 >= lat ? "ar" : "en";
}

void bot_dialogue_welcome(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out)
{
    struct sn_buf t;
    sn_buf_init(&t, 1024);
    turn_start(out, BOT_TURN_WELCOME, d->lang);
    if (is_ar(d->lang))
        sn_buf_printf(&t, "مرحبًا! أنا %s، مساعد آلي (روبوت) ولست إنسانًا. اسألني عن الفواتير "
                          "والباقات والطلبات، أو اكتب «موظف» للتحدث مع شخص.",
                      b->bot_name);
    else
        sn_buf_printf(&t, "Hi! I'm %s, an automated assistant (a bot), not a person. Ask me about "
                          "bills, plans or orders, or type \"agent\" to talk to a person.",
                      b->bot_name);
    out->text = sn_buf_take(&t);
    d->awaiting = AWAIT_NOTHING;
}

static const char *human_hint(const char *lang)
{
    return is_ar(lang) ? "\n\nإذا لم يحل هذا مشكلتك، اضغط «تحدث مع موظف»."
                       : "\n\nIf this did not solve your problem, press \"Talk to a human\".";
}

static void keep_question(struct bot_dialogue *d, const char *text)
{
    size_t n = strlen(text);
    if (n >= sizeof d->last_q) {
        n = sizeof d->last_q - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* never cut a character in half */
    }
    memcpy(d->last_q, text, n);
    d->last_q[n] = 0;
}

static void answer_turn(struct bot_dialogue *d, const struct kb_hit *h, struct bot_turn *out)
{
    struct sn_buf t;
    sn_buf_init(&t, 64 * 1024);
    turn_start(out, BOT_TURN_ANSWER, d->lang);
    sn_buf_adds(&t, h->answer);
    sn_buf_adds(&t, human_hint(d->lang));
    out->text = sn_buf_take(&t);
    out->kb_id = sn_xstrdup(h->id);
    out->band = h->band;
    out->confidence = h->confidence;
    out->ask_feedback = 1;
    snprintf(d->last_kb_id, sizeof d->last_kb_id, "%s", h->id);
    d->awaiting = AWAIT_FEEDBACK;
    d->misses = 0;
}

static void handoff_turn(struct bot_dialogue *d, struct bot_turn *out)
{
    turn_start(out, BOT_TURN_HANDOFF, d->lang);
    out->handoff = 1;
    out->text = sn_xstrdup(is_ar(d->lang) ? "سأحولك الآن إلى أحد موظفينا. انتظر قليلًا من فضلك."
                                          : "I'm passing you to one of our team now. Please wait a moment.");
    d->awaiting = AWAIT_NOTHING;
}

void bot_dialogue_handoff(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out)
{
    (void)b;
    handoff_turn(d, out);
}

int bot_dialogue_message(struct bot_brain *b, struct bot_dialogue *d, const char *text,
                         struct bot_turn *out, struct sn_err *err)
{
    struct kb_search_opts so;
    struct kb_results *r = NULL;
    int rc;
    size_t n = strlen(text);
    if (!sn_utf8_valid(text, n, NULL))
        return sn_err_set(err, SN_EINVAL, "message is not valid UTF-8");
    memcpy(d->lang, detect_lang(text, d->lang), 3);
    kb_search_opts_init(&so);
    so.k = BOT_MAX_SUGGESTIONS;
    so.high = b->high;
    so.medium = b->medium;
    so.lang = d->lang;
    if (n > KB_MAX_QUERY_BYTES)
        n = 0; /* too long to be a question: treated as a miss below */
    if (n) {
        rc = kb_search(b->kb, text, &so, &r, err);
        if (rc == SN_OK && r->n == 0) {
            kb_results_free(r);
            r = NULL;
            so.lang = is_ar(d->lang) ? "en" : "ar"; /* the other language before giving up */
            rc = kb_search(b->kb, text, &so, &r, err);
        }
        if (rc == SN_EDB)
            return rc;
        if (rc != SN_OK)
            r = NULL;
    }
    keep_question(d, text);
    if (r && r->n && r->v[0].band == KB_BAND_HIGH) {
        answer_turn(d, &r->v[0], out);
    } else if (r && r->n && r->v[0].band == KB_BAND_MEDIUM) {
        turn_start(out, BOT_TURN_SUGGESTIONS, d->lang);
        out->band = KB_BAND_MEDIUM;
        out->confidence = r->v[0].confidence;
        out->text = sn_xstrdup(is_ar(d->lang) ? "هل تقصد أحد هذه الأسئلة؟" : "Did you mean one of these?");
        for (int i = 0; i < r->n && i < BOT_MAX_SUGGESTIONS; i++) {
            out->sugg[i].kb_id = sn_xstrdup(r->v[i].id);
            out->sugg[i].question = sn_xstrdup(r->v[i].question);
            out->nsugg++;
        }
        d->awaiting = AWAIT_PICK;
        d->misses = 0;
    } else {
        turn_start(out, BOT_TURN_FALLBACK, d->lang);
        out->band = KB_BAND_LOW;
        out->confidence = r && r->n ? r->v[0].confidence : 0;
        out->offer_human = 1;
        out->text = sn_xstrdup(is_ar(d->lang)
                                   ? "ليس لدي إجابة عن هذا بعد. هل تريد التحدث مع موظف؟"
                                   : "I don't have an answer to that yet. Would you like to talk to a person?");
        d->misses++;
        d->awaiting = AWAIT_NOTHING;
    }
    kb_results_free(r);
    return SN_OK;
}

int bot_dialogue_pick(struct bot_brain *b, struct bot_dialogue *d, const char *kb_id,
                      struct bot_turn *out, struct sn_err *err)
{
    struct kb_entry *e = kb_entry_get(b->kb, kb_id, err);
    if (!e)
        return err ? err->code : SN_ENOTFOUND;
    if (e->status != KB_PUBLISHED) {
        kb_entry_free(e);
        return sn_err_set(err, SN_ENOTFOUND, "no published entry '%s'", kb_id);
    }
    struct kb_hit h = {.id = e->id, .answer = e->answer, .band = KB_BAND_HIGH, .confidence = 1};
    answer_turn(d, &h, out);
    kb_entry_free(e);
    return SN_OK;
}

int bot_dialogue_feedback(struct bot_brain *b, struct bot_dialogue *d, int helpful,
                          struct bot_turn *out, struct sn_err *err)
{
    (void)b;
    (void)err;
    d->awaiting = AWAIT_NOTHING;
    if (!helpful) {
        turn_start(out, BOT_TURN_FALLBACK, d->lang);
        out->offer_human = 1;
        out->text = sn_xstrdup(is_ar(d->lang) ? "آسف لذلك. هل تريد التحدث مع موظف الآن؟"
                                              : "Sorry about that. Would you like to talk to a person now?");
        return SN_OK;
    }
    turn_start(out, BOT_TURN_INTENT, d->lang);
    out->intent = sn_xstrdup("thanks");
    out->text = sn_xstrdup(is_ar(d->lang) ? "يسعدني ذلك! هل لديك سؤال آخر؟"
                                          : "Glad it helped! Anything else?");
    return SN_OK;
}
