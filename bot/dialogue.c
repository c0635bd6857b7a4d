/* The conversation brain: language detection, rule-based intents in context, the answer
 * policy's three bands, honest welcome, handoff decisions and gap capture. */
#include "bot/dialogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/metrics.h"
#include "bot/server.h"
#include "intents/intent.h"
#include "kb/calib.h"
#include "kb/gap.h"
#include "kb/kb.h"

struct bot_brain {
    struct kb *kb;
    struct intent_set *intents;
    struct bot_texts *texts;
    double high, medium, answer_precision, suggest_precision;
    char *bot_name[2]; /* per language: [0] Arabic, [1] English */
    int log_gaps;
};

void bot_brain_config_init(struct bot_brain_config *c)
{
    c->high = KB_DEFAULT_HIGH;
    c->medium = KB_DEFAULT_MEDIUM;
    c->answer_precision = KB_DEFAULT_ANSWER_PRECISION;
    c->suggest_precision = KB_DEFAULT_SUGGEST_PRECISION;
    c->bot_name = NULL;
    c->bot_name_ar = NULL;
    c->bot_name_en = NULL;
    c->intents = NULL;
    c->texts = NULL;
    c->log_gaps = 1;
}

int bot_brain_reconfigure(struct bot_brain *b, const struct bot_brain_config *c, struct sn_err *err)
{
    struct intent_set *is = intent_set_load(c->intents ? c->intents : "intents", err);
    if (!is)
        return err->code;
    struct bot_texts *tx = bot_texts_load(c->texts, err);
    if (!tx) {
        intent_set_free(is);
        return err->code;
    }
    intent_set_free(b->intents);
    bot_texts_free(b->texts);
    free(b->bot_name[0]);
    free(b->bot_name[1]);
    b->intents = is;
    b->texts = tx;
    b->high = c->high;
    b->medium = c->medium;
    b->answer_precision = c->answer_precision;
    b->suggest_precision = c->suggest_precision;
    /* each language's own name, else the common one, else the default in its script: an
     * Arabic text says "أنا سند", not a Latin word inside it */
    b->bot_name[0] = sn_xstrdup(c->bot_name_ar ? c->bot_name_ar
                                : c->bot_name  ? c->bot_name
                                               : "سند");
    b->bot_name[1] = sn_xstrdup(c->bot_name_en ? c->bot_name_en
                                : c->bot_name  ? c->bot_name
                                               : "Sanad");
    b->log_gaps = c->log_gaps;
    return SN_OK;
}

struct bot_brain *bot_brain_new(struct kb *kb, const struct bot_brain_config *c, struct sn_err *err)
{
    struct bot_brain *b = sn_xcalloc(1, sizeof *b);
    b->kb = kb;
    if (bot_brain_reconfigure(b, c, err)) {
        free(b);
        return NULL;
    }
    return b;
}

void bot_brain_free(struct bot_brain *b)
{
    if (!b)
        return;
    intent_set_free(b->intents);
    bot_texts_free(b->texts);
    free(b->bot_name[0]);
    free(b->bot_name[1]);
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
    static const char *names[] = {"welcome",     "intent",   "answer",
                                  "suggestions", "fallback", "handoff"};
    return kind >= 0 && kind <= BOT_TURN_HANDOFF ? names[kind] : "unknown";
}

void bot_dialogue_init(struct bot_dialogue *d, const char *lang_hint)
{
    memset(d, 0, sizeof *d);
    strcpy(d->lang, lang_hint && strcmp(lang_hint, "en") == 0 ? "en" : "ar");
    d->lang_hinted = lang_hint != NULL;
}

static int is_ar(const char *lang)
{
    return strcmp(lang, "ar") == 0;
}

static void turn_start(struct bot_turn *t, int kind, const char *lang, const char *intent)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->band = -1;
    memcpy(t->lang, lang, 3);
    t->intent = intent ? sn_xstrdup(intent) : NULL;
}

/* ---- language ---- */

static int is_arabic_cp(unsigned cp)
{
    return (cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
           (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF);
}

static int in_list(const char *const *l, const char *w, size_t n)
{
    for (; *l; l++)
        if (strlen(*l) == n && memcmp(*l, w, n) == 0)
            return 1;
    return 0;
}

/* Function words: each counts for FUNCTION_WEIGHT letters of its script, because a word
 * like "my" or "لسه" says more about the writer's language than a noun does. */
static const char *const en_words[] = {
    "i",    "you", "my",    "the",  "is",    "are",    "how",  "what", "where", "when",
    "why",  "can", "do",    "does", "to",    "a",      "an",   "of",   "in",    "for",
    "with", "it",  "not",   "and",  "me",    "please", "want", "need", "have",  "your",
    "has",  "was", "still", "yet",  "there", "this",   "that", NULL};
static const char *const ar_words[] = {
    "في",   "من",    "على",  "عن",  "هل",   "كيف",  "ما",   "لا",    "انا", "أنا",  "عندي",
    "اريد", "أريد",  "ابغى", "بدي", "عايز", "عاوز", "ممكن", "شو",    "ايش", "وش",   "وين",
    "فين",  "ازاي",  "إزاي", "هذا", "مش",   "مو",   "مب",   "لماذا", "متى", "امتى", "ليش",
    "ليه",  "علاش",  "واش",  "شنو", "اش",   "لسه",  "لسة",  "لسا",   "لسى", "بعد",  "لم",
    "لن",   "مع",    "الى",  "إلى", "اللي", "يعني", "بس",   "كمان",  "كده", "هيك",  "ده",
    "دي",   "بتاعي", "ديال", "حقي", "تبعي", "ابي",  "بغيت", "كيفاش", NULL};
#define FUNCTION_WEIGHT 3

/* Letter weight per script, in quarters: Arabic writes no short vowels, so the same content
 * takes about a fifth fewer letters than in English; 5/4 evens that out. */
#define AR_LETTER_Q 5
#define EN_LETTER_Q 4

struct lang_score {
    long ar, en; /* in quarter letters */
};

static int is_digit_cp(unsigned cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0x0660 && cp <= 0x0669) ||
           (cp >= 0x06F0 && cp <= 0x06F9);
}

/* Decodes one UTF-8 character at p (the text is valid UTF-8); *len gets its length. */
static unsigned utf8_cp(const unsigned char *p, int *len)
{
    if (*p < 0x80) {
        *len = 1;
        return *p;
    }
    if (*p < 0xE0) {
        *len = 2;
        return (unsigned)(*p & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (*p < 0xF0) {
        *len = 3;
        return (unsigned)(*p & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *len = 4;
    return (unsigned)(*p & 0x07) << 18 | (unsigned)(p[1] & 0x3F) << 12 |
           (unsigned)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

/* Scores one letter run w[0..n) of war Arabic and wlat Latin letters. */
static void score_word(struct lang_score *sc, const unsigned char *w, size_t n, int war, int wlat)
{
    char lw[32];
    sc->ar += (long)war * AR_LETTER_Q;
    sc->en += (long)wlat * EN_LETTER_Q;
    if (n == 0 || n >= sizeof lw)
        return;
    for (size_t i = 0; i < n; i++)
        lw[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    if (wlat && in_list(en_words, lw, n))
        sc->en += FUNCTION_WEIGHT * EN_LETTER_Q;
    if (war && in_list(ar_words, lw, n))
        sc->ar += FUNCTION_WEIGHT * AR_LETTER_Q;
}

/* The language of a message, decided once by its content words: letters of each script
 * (weighted as above) plus function words. A chunk between spaces that holds a digit, '#',
 * '@', '/' or '_' is an order number, a code, an e-mail or a link ("#A-1234", "iPhone15"):
 * its letters say nothing about the writer's language and are not counted. Ties and text
 * without letters keep the current language. Latin brand names inside Arabic stay Arabic
 * ("عندي مشكلة في iPhone"). */
static struct lang_score score_lang(const char *s)
{
    struct lang_score sc = {0, 0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const unsigned char *chunk = p, *q = p;
        int code = 0, len;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            unsigned cp = utf8_cp(q, &len);
            code |= is_digit_cp(cp) || cp == '#' || cp == '@' || cp == '/' || cp == '_';
            q += len;
        }
        for (p = chunk; !code && p < q;) {
            /* One word: a run of letters of either script (tashkeel inside it). */
            const unsigned char *w = p;
            int war = 0, wlat = 0;
            while (p < q) {
                unsigned cp = utf8_cp(p, &len);
                int latin = (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
                int mark = cp >= 0x064B && cp <= 0x065F;
                int arabic = is_arabic_cp(cp) && !is_digit_cp(cp) && !mark;
                if (!latin && !arabic && !mark)
                    break;
                war += arabic;
                wlat += latin;
                p += len;
            }
            score_word(&sc, w, (size_t)(p - w), war, wlat);
            if (p == w) /* skip one character that is not a letter */
                p += len;
        }
        p = q;
    }
    return sc;
}

static const char *pick_lang(struct lang_score sc, const char *current)
{
    if (sc.ar == sc.en)
        return current;
    return sc.ar > sc.en ? "ar" : "en";
}

/* The other language's entries are searched too when its script holds at least a third of
 * the message's weight: "My order #A-1234 لسه موصلش" is both, "عندي مشكلة في iPhone" is
 * Arabic only. A message without letters ("*155#") is searched in its language only. */
static int other_lang_counts(struct lang_score sc, const char *lang)
{
    long other = is_ar(lang) ? sc.en : sc.ar;
    return other > 0 && 3 * other >= sc.ar + sc.en;
}

/* ---- texts ---- */

const char *bot_brain_name(const struct bot_brain *b, const char *lang)
{
    return b->bot_name[lang && is_ar(lang) ? 0 : 1];
}

char *
bot_brain_text(const struct bot_brain *b, enum bot_text id, const char *lang, const char *agent)
{
    return bot_texts_render(b->texts, id, lang, bot_brain_name(b, lang), agent);
}

const struct bot_texts *bot_brain_texts(const struct bot_brain *b)
{
    return b->texts;
}

char *bot_brain_count(
    const struct bot_brain *b, enum bot_text id, const char *lang, const double *args, int n)
{
    return bot_texts_count(b->texts, id, lang, args, n);
}

/* Text id in the conversation's language; a fresh string. */
static char *say(const struct bot_brain *b, const struct bot_dialogue *d, enum bot_text id)
{
    return bot_brain_text(b, id, d->lang, NULL);
}

/* Intent response template with {bot} replaced, else text fallback; a fresh string. */
static char *render(const struct bot_brain *b,
                    const struct bot_dialogue *d,
                    const char *intent,
                    enum bot_text fallback)
{
    const char *t = intent_response(b->intents, intent, d->lang, d->turns);
    return t ? bot_texts_fill(t, bot_brain_name(b, d->lang), NULL) : say(b, d, fallback);
}

void bot_dialogue_welcome(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out)
{
    struct sn_buf t;
    sn_buf_init(&t, 4096);
    turn_start(out, BOT_TURN_WELCOME, d->lang, NULL);
    char *w = say(b, d, BOT_TEXT_WELCOME);
    sn_buf_adds(&t, w);
    free(w);
    if (!d->lang_hinted) { /* the visitor's language is a guess: say it in the other too */
        w = bot_brain_text(b, BOT_TEXT_WELCOME_HINT, is_ar(d->lang) ? "en" : "ar", NULL);
        sn_buf_printf(&t, "\n%s", w);
        free(w);
    }
    out->text = sn_buf_take(&t);
    out->offer_human = 1;
    d->awaiting = AWAIT_NOTHING;
}

/* ---- gaps ---- */

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
    d->last_q_logged = 0;
}

/* Records the open question (once) for reason. Failures (a read-only base) are ignored:
 * gap capture must never cost the visitor a reply. */
static void log_gap(struct bot_brain *b, struct bot_dialogue *d, const char *text, int reason)
{
    bot_brain_log_gap(b, text, d->lang, reason);
}

static void log_open_question(struct bot_brain *b, struct bot_dialogue *d, int reason)
{
    if (d->last_q[0] && !d->last_q_logged) {
        log_gap(b, d, d->last_q, reason);
        d->last_q_logged = 1;
    }
}

static void close_question(struct bot_dialogue *d)
{
    d->last_q[0] = 0;
    d->last_q_logged = 0;
}

/* ---- turns ---- */

static void answer_turn(const struct bot_brain *b,
                        struct bot_dialogue *d,
                        const struct kb_hit *h,
                        struct bot_turn *out)
{
    struct sn_buf t;
    sn_buf_init(&t, 64 * 1024);
    turn_start(out, BOT_TURN_ANSWER, d->lang, NULL);
    char *hint = say(b, d, BOT_TEXT_HUMAN_HINT);
    sn_buf_adds(&t, h->answer);
    sn_buf_adds(&t, hint);
    free(hint);
    out->text = sn_buf_take(&t);
    out->kb_id = sn_xstrdup(h->id);
    out->band = h->band;
    out->confidence = h->confidence;
    out->ask_feedback = 1;
    snprintf(d->last_kb_id, sizeof d->last_kb_id, "%s", h->id);
    d->awaiting = AWAIT_FEEDBACK;
    d->misses = 0;
    d->nsugg = 0;
}

static void
handoff_turn(struct bot_brain *b, struct bot_dialogue *d, const char *intent, struct bot_turn *out)
{
    log_open_question(b, d, KB_GAP_HUMAN);
    close_question(d);
    turn_start(out, BOT_TURN_HANDOFF, d->lang, intent);
    out->handoff = 1;
    out->text = render(b, d, "ask_for_human", BOT_TEXT_HANDOFF);
    d->awaiting = AWAIT_NOTHING;
    d->misses = 0;
    d->nsugg = 0;
}

/* The visitor is not helped: a human is offered right away (yes -> HANDOFF). */
static void offer_human_turn(struct bot_brain *b,
                             struct bot_dialogue *d,
                             const char *intent,
                             struct bot_turn *out)
{
    log_open_question(b, d, KB_GAP_UNHELPFUL);
    bot_metrics_inc(BOT_M_OFFERS, BOT_MO_FRUSTRATION);
    turn_start(out, BOT_TURN_FALLBACK, d->lang, intent);
    out->offer_human = 1;
    out->text = render(b, d, "not_helpful", BOT_TEXT_NOT_HELPFUL);
    d->awaiting = AWAIT_HUMAN;
    d->nsugg = 0;
}

static void intent_turn(struct bot_brain *b,
                        struct bot_dialogue *d,
                        const char *intent,
                        int own, /* a text of the bot's own (BOT_TEXT_…), else -1 */
                        struct bot_turn *out)
{
    turn_start(out, BOT_TURN_INTENT, d->lang, intent);
    if (own == BOT_TEXT_PICK_NUMBER) { /* "1 to 3" by the language's numbers and plurals */
        double args[2] = {d->nsugg, 1};
        out->text = bot_brain_count(b, BOT_TEXT_PICK_NUMBER, d->lang, args, 2);
    } else if (own >= 0)
        out->text = say(b, d, (enum bot_text)own);
    else
        out->text = render(b, d, intent, BOT_TEXT_OK);
}

static void helpful_turn(const struct bot_brain *b,
                         struct bot_dialogue *d,
                         const char *intent,
                         struct bot_turn *out)
{
    close_question(d);
    d->awaiting = AWAIT_NOTHING;
    turn_start(out, BOT_TURN_INTENT, d->lang, intent);
    out->text = say(b, d, BOT_TEXT_GLAD);
}

static void no_words_turn(const struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out)
{
    turn_start(out, BOT_TURN_FALLBACK, d->lang, NULL);
    out->offer_human = 1;
    out->text = say(b, d, BOT_TEXT_NO_WORDS);
}

/* "1".."3" (or ١..٣), alone with spaces, after suggestions: the number, else 0. */
static int picked_number(const struct bot_dialogue *d, const char *s)
{
    int k = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s >= '1' && *s <= '9')
        k = *s++ - '0';
    else if ((unsigned char)s[0] == 0xD9 && (unsigned char)s[1] >= 0xA1 &&
             (unsigned char)s[1] <= 0xA9) {
        k = (unsigned char)s[1] - 0xA0;
        s += 2;
    }
    while (*s == ' ' || *s == '\t' || *s == '.' || *s == ')')
        s++;
    return *s == 0 && k >= 1 && k <= d->nsugg ? k : 0;
}

void bot_brain_log_gap(struct bot_brain *b, const char *text, const char *lang, int reason)
{
    if (b->log_gaps && text[0])
        kb_gap_log(b->kb, text, lang, reason, 0, NULL);
}

/* Searches q in lang, then in the other language when the message holds enough of it (see
 * other_lang_counts) and the first search was not already high; *out holds the better of
 * the two (the caller frees it). The dialogue's own search, and the editors' and the help
 * center's (bot/dialogue.h). */
int bot_brain_search(struct bot_brain *b,
                     const char *lang,
                     int other_too,
                     const char *q,
                     int explain,
                     struct kb_results **out,
                     struct sn_err *err)
{
    struct kb_search_opts so;
    struct kb_results *r = NULL, *r2 = NULL;
    int rc;
    kb_search_opts_init(&so);
    so.explain = explain;
    so.k = BOT_MAX_SUGGESTIONS;
    so.high = b->high;
    so.medium = b->medium;
    so.answer_precision = b->answer_precision;
    so.suggest_precision = b->suggest_precision;
    so.lang = lang;
    *out = NULL;
    long long t0 = bot_server_now_us(); /* search latency: the base's work, timed here (kb/ knows
                                         * no metrics) */
    rc = kb_search(b->kb, q, &so, &r, err);
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, bot_server_now_us() - t0);
    if (rc)
        return rc;
    if (!other_too || (r->n && r->v[0].band == KB_BAND_HIGH)) {
        *out = r;
        return SN_OK;
    }
    so.lang = is_ar(lang) ? "en" : "ar";
    t0 = bot_server_now_us();
    rc = kb_search(b->kb, q, &so, &r2, err);
    bot_metrics_observe(BOT_M_SEARCH_LATENCY, bot_server_now_us() - t0);
    if (rc) {
        kb_results_free(r);
        return rc;
    }
    /* the other language's entries win on a better band, or on the same band with a
     * better first hit ("where is my order لسه موصلش": more of it is English) */
    if (r2->n && (r->n == 0 || r2->v[0].band > r->v[0].band ||
                  (r2->v[0].band == r->v[0].band && r2->v[0].confidence > r->v[0].confidence))) {
        kb_results_free(r);
        r = r2;
    } else {
        kb_results_free(r2);
    }
    *out = r;
    return SN_OK;
}

int bot_brain_verdict(const struct kb_results *r)
{
    if (r && r->n && r->v[0].band == KB_BAND_HIGH)
        return BOT_TURN_ANSWER;
    if (r && r->n && r->v[0].band == KB_BAND_MEDIUM)
        return BOT_TURN_SUGGESTIONS;
    return BOT_TURN_FALLBACK;
}

static int question_turn(struct bot_brain *b,
                         struct bot_dialogue *d,
                         const char *q,
                         int other_too,
                         struct bot_turn *out,
                         struct sn_err *err)
{
    struct kb_results *r = NULL;
    int rc = bot_brain_search(b, d->lang, other_too, q, 0, &r, err);
    if (rc == SN_EINVAL || rc == SN_ETOOBIG) { /* cannot happen after the checks; be sane */
        kb_results_free(r);
        r = NULL;
        rc = SN_OK;
    }
    if (rc)
        return rc;
    keep_question(d, q);
    /* Hits from the other language's entries (a mixed message: "where is my order لسه
     * موصلش") are shown in their language, and the whole turn follows them: the entries
     * cannot be translated, and a visitor who wrote both scripts reads the one the answer
     * is in, but a reply whose frame says one language and whose chips or answer another
     * reads as two bots. Hiding the other language's hits instead would lose the right
     * answer. The conversation goes on in that language until the visitor's next words
     * decide otherwise. */
    if (r && r->n && r->v[0].band >= KB_BAND_MEDIUM && strcmp(r->v[0].lang, d->lang) != 0 &&
        (strcmp(r->v[0].lang, "ar") == 0 || strcmp(r->v[0].lang, "en") == 0))
        memcpy(d->lang, r->v[0].lang, 3);
    int verdict = bot_brain_verdict(r);
    if (verdict == BOT_TURN_ANSWER) {
        answer_turn(b, d, &r->v[0], out);
    } else if (verdict == BOT_TURN_SUGGESTIONS) {
        turn_start(out, BOT_TURN_SUGGESTIONS, d->lang, NULL);
        out->band = KB_BAND_MEDIUM;
        out->confidence = r->v[0].confidence;
        out->offer_human = 1;
        out->text = say(b, d, BOT_TEXT_SUGGEST);
        d->nsugg = 0;
        for (int i = 0; i < r->n && i < BOT_MAX_SUGGESTIONS; i++) {
            out->sugg[i].kb_id = sn_xstrdup(r->v[i].id);
            out->sugg[i].question = sn_xstrdup(r->v[i].question);
            memcpy(out->sugg[i].lang, r->v[i].lang, 3);
            out->nsugg++;
            snprintf(d->sugg_ids[i], sizeof d->sugg_ids[i], "%s", r->v[i].id);
            d->nsugg++;
        }
        d->awaiting = AWAIT_PICK;
        d->misses = 0;
    } else {
        d->misses++;
        log_open_question(b, d, KB_GAP_LOW);
        bot_metrics_inc(BOT_M_OFFERS, BOT_MO_MISS);
        turn_start(out, BOT_TURN_FALLBACK, d->lang, NULL);
        out->band = KB_BAND_LOW;
        out->confidence = r && r->n ? r->v[0].confidence : 0;
        out->offer_human = 1;
        out->text = say(b, d, d->misses >= 2 ? BOT_TEXT_FALLBACK_AGAIN : BOT_TEXT_FALLBACK);
        d->awaiting = AWAIT_HUMAN;
        d->nsugg = 0;
    }
    kb_results_free(r);
    return SN_OK;
}

/* A matched intent, in the context of what the bot last asked. */
static void
intent_reply(struct bot_brain *b, struct bot_dialogue *d, const char *name, struct bot_turn *out)
{
    int aw = d->awaiting;
    if (strcmp(name, "ask_for_human") == 0) {
        handoff_turn(b, d, name, out);
    } else if (strcmp(name, "not_helpful") == 0) {
        offer_human_turn(b, d, name, out);
    } else if (strcmp(name, "affirm") == 0 && aw == AWAIT_HUMAN) {
        handoff_turn(b, d, name, out);
    } else if ((strcmp(name, "affirm") == 0 || strcmp(name, "thanks") == 0) &&
               aw == AWAIT_FEEDBACK) {
        helpful_turn(b, d, name, out);
    } else if (strcmp(name, "deny") == 0 && (aw == AWAIT_FEEDBACK || aw == AWAIT_PICK)) {
        offer_human_turn(b, d, name, out);
    } else if (strcmp(name, "deny") == 0 && aw == AWAIT_HUMAN) {
        close_question(d);
        d->awaiting = AWAIT_NOTHING;
        intent_turn(b, d, name, -1, out);
    } else if (strcmp(name, "restart") == 0) {
        char lang[3];
        unsigned turns = d->turns;
        int hinted = d->lang_hinted;
        memcpy(lang, d->lang, 3);
        bot_dialogue_init(d, lang);
        d->turns = turns;
        d->lang_hinted = hinted;
        intent_turn(b, d, name, -1, out);
    } else if (strcmp(name, "affirm") == 0 && aw == AWAIT_PICK) {
        intent_turn(b, d, name, BOT_TEXT_PICK_NUMBER, out);
    } else {
        /* greeting, thanks, goodbye, are_you_a_bot, and affirm/deny out of context. A
         * pending question stays pending: the visitor may still answer it. */
        if (strcmp(name, "goodbye") == 0) {
            close_question(d);
            d->awaiting = AWAIT_NOTHING;
        }
        intent_turn(b, d, name, -1, out);
        if (strcmp(name, "are_you_a_bot") == 0)
            out->offer_human = 1;
    }
}

int bot_dialogue_message(struct bot_brain *b,
                         struct bot_dialogue *d,
                         const char *text,
                         struct bot_turn *out,
                         struct sn_err *err)
{
    struct intent_match m;
    size_t n = strlen(text);
    int rc, k;
    if (!sn_utf8_valid(text, n, NULL))
        return sn_err_set(err, SN_EINVAL, "message is not valid UTF-8");
    struct lang_score sc = score_lang(text);
    memcpy(d->lang, pick_lang(sc, d->lang), 3);
    if (n > KB_MAX_QUERY_BYTES) {
        d->turns++;
        turn_start(out, BOT_TURN_FALLBACK, d->lang, NULL);
        out->offer_human = 1;
        out->text = say(b, d, BOT_TEXT_TOO_LONG);
        d->awaiting = AWAIT_HUMAN;
        return SN_OK;
    }
    rc = intent_match(b->intents, text, n, &m, err);
    if (rc)
        return rc;
    d->turns++;
    if (d->awaiting == AWAIT_PICK && (k = picked_number(d, text)) > 0) {
        char id[64];
        memcpy(id, d->sugg_ids[k - 1], sizeof id);
        if (bot_dialogue_pick(b, d, id, out, NULL) == SN_OK)
            return SN_OK;
    }
    if (m.name && !m.courtesy) {
        intent_reply(b, d, m.name, out);
        return SN_OK;
    }
    if (m.words == 0) {
        no_words_turn(b, d, out);
        return SN_OK;
    }
    return question_turn(b, d, m.courtesy ? text + m.rest_start : text,
                         other_lang_counts(sc, d->lang), out, err);
}

/* What a visitor's reaction says about the last question becomes a labelled example for the
 * next calibration (kb/calib.h): a picked suggestion or a helpful answer was right for it, an
 * unhelpful answer wrong. Written only where gaps are (the chat server; `sanad ask` with
 * --record-gaps), and a failure to write it never changes the reply. */
static void
learn(struct bot_brain *b, const struct bot_dialogue *d, const char *kb_id, int right, int source)
{
    if (b->log_gaps && d->last_q[0] && kb_id && kb_id[0])
        kb_label_add(b->kb, d->last_q, kb_id, right, source, NULL);
}

int bot_dialogue_pick(struct bot_brain *b,
                      struct bot_dialogue *d,
                      const char *kb_id,
                      struct bot_turn *out,
                      struct sn_err *err)
{
    struct kb_entry *e = kb_entry_get(b->kb, kb_id, err);
    if (!e)
        return err ? err->code : SN_ENOTFOUND;
    if (e->status != KB_PUBLISHED) {
        kb_entry_free(e);
        return sn_err_set(err, SN_ENOTFOUND, "no published entry '%s'", kb_id);
    }
    struct kb_hit h = {.id = e->id, .answer = e->answer, .band = KB_BAND_HIGH, .confidence = 1};
    learn(b, d, e->id, 1, KB_LABEL_PICK);
    /* the visitor's wording, which the base did not know well enough, is proposed to the
     * editors as a variant of what they picked (`sanad kb gaps`) */
    if (b->log_gaps && d->last_q[0])
        kb_gap_propose(b->kb, d->last_q, d->lang, e->id, 0, NULL);
    answer_turn(b, d, &h, out);
    kb_entry_free(e);
    return SN_OK;
}

int bot_dialogue_feedback(struct bot_brain *b,
                          struct bot_dialogue *d,
                          int helpful,
                          struct bot_turn *out,
                          struct sn_err *err)
{
    (void)err;
    learn(b, d, d->last_kb_id, helpful, KB_LABEL_FEEDBACK);
    if (!helpful) {
        offer_human_turn(b, d, NULL, out);
        return SN_OK;
    }
    helpful_turn(b, d, "thanks", out); /* intent "thanks", as in the first cut of this API */
    return SN_OK;
}

void bot_dialogue_handoff(struct bot_brain *b, struct bot_dialogue *d, struct bot_turn *out)
{
    handoff_turn(b, d, NULL, out);
}
