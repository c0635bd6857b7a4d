#include "kb/filler.h"

#include <pthread.h>
#include <string.h>

#include "kb/kb_int.h"

/* Phrases as folded words (no hamza on alef, ه for ة, ي for ى and ئ, و for ؤ: kb_word.norm),
 * separated by one space. Longest first is not needed: every phrase is tried at every
 * position and all matches are marked. Negations and question words are never filler: they
 * carry meaning (and the question words are stop words already). */
static const char *const phrases[] = {
    /* "I want to know / I'd like to know" */
    "بدي اعرف",
    "بدي افهم",
    "ابي اعرف",
    "ابغي اعرف",
    "ابغا اعرف",
    "عايز اعرف",
    "عاوز اعرف",
    "عايزه اعرف",
    "حابب اعرف",
    "حابه اعرف",
    "حاب اعرف",
    "ودي اعرف",
    "بغيت نعرف",
    "بغيت نفهم",
    "نحب نعرف",
    "نبغي نعرف",
    "حبيت اعرف",
    "اريد ان اعرف",
    "اريد اعرف",
    "اود ان اعرف",
    "اود معرفه",
    "اريد معرفه",
    "ارغب في معرفه",
    "كنت عايز اعرف",
    "كنت بدي اعرف",
    "كنت حابب اعرف",
    "كنت ابي اعرف",
    "ممكن اعرف",
    "بس بدي اعرف",
    /* "can you tell me / explain to me" */
    "ممكن تقولي",
    "ممكن تقول لي",
    "ممكن تقلي",
    "ممكن تخبرني",
    "ممكن تعرفني",
    "ممكن تفيدني",
    "ممكن تشرحلي",
    "ممكن تشرح لي",
    "تقدر تقولي",
    "تقدر تقول لي",
    "تقدري تقوليلي",
    "قولي",
    "قول لي",
    "قل لي",
    "خبرني",
    "افيدوني",
    "افيدني",
    "ياريت تقولي",
    "بتقدر تقلي",
    "قلي",
    "تقلي",
    "فهمني",
    "وضحلي",
    "اشرحلي",
    /* politeness */
    "لو سمحت",
    "لو سمحتي",
    "لو سمحتو",
    "من فضلك",
    "من فضلكم",
    "الله يخليك",
    "الله يعافيك",
    "يعطيك العافيه",
    "الله يسعدك",
    "بليز",
    "رجاء",
    "رجاءا",
    "ارجو",
    "اذا سمحت",
    "اذا ممكن",
    "عفوا",
    "مرحبا",
    "اهلا",
    "هلا",
    "السلام عليكم",
    /* "I have a question" */
    "عندي سوال",
    "عندي استفسار",
    "ممكن سوال",
    "ممكن اسال",
    "بدي اسال",
    "ابي اسال",
    "ابغي اسال",
    "عايز اسال",
    "حابب اسال",
    "سوال بسيط",
    "لدي سوال",
    "لدي استفسار",
    "عندي مشكله صغيره",
    /* English, folded to lower case */
    "i want to know",
    "i wanna know",
    "i would like to know",
    "i'd like to know",
    "id like to know",
    "i need to know",
    "i wanted to know",
    "i want to ask",
    "i would like to ask",
    "i'd like to ask",
    "can you tell me",
    "could you tell me",
    "can u tell me",
    "could u tell me",
    "can you please tell me",
    "could you please tell me",
    "please tell me",
    "tell me",
    "let me know",
    "do you know",
    "i have a question",
    "quick question",
    "i was wondering",
    "please",
    "pls",
    "plz",
    "kindly",
    "thanks in advance",
    "hi",
    "hello",
    "hey",
    "dear",
};

/* A desire verb before another word ("بدي امسح حسابي", "عايز الغي الطلب") is how people ask
 * for something, not what they ask about. */
static const char *const desire[] = {
    "بدي",  "ابي",  "ابغي", "ابغا", "ابغى", "عايز",  "عاوز",  "عايزه", "عاوزه",
    "حابب", "حابه", "حاب",  "ودي",  "بغيت", "نبغي",  "نحب",   "اريد",  "اود",
    "ارغب", "نبي",  "بدنا", "بدك",  "حبيت", "بغينا", "محتاج", "احتاج",
};

#define NPHRASES     (sizeof phrases / sizeof *phrases)
#define NDESIRE      (sizeof desire / sizeof *desire)
#define PHRASE_WORDS 6

static int word_eq(const char *a, int alen, const char *b, int blen)
{
    return alen == blen && memcmp(a, b, (size_t)alen) == 0;
}

/* Search marks the filler of every phrasing it parses, so the lists are compiled once into
 * a table keyed by a phrase's first word: each word of a phrasing costs one hash probe, and
 * only the phrases that start with it are compared, word by word, on lengths known ahead
 * (a bloom filter in front of a scan of every phrase was 5% of a search at 10,000 entries). */
#define SLOTS     256 /* first words of the phrases and desire verbs: at most a third full */
#define PER_FIRST 32  /* phrases sharing a first word (ممكن starts 11) */

struct phrase {
    int n;                 /* words */
    const char *w[PHRASE_WORDS];
    int len[PHRASE_WORDS];
};

struct first {
    const char *w; /* NULL: empty slot */
    int len;
    int desire;    /* a desire verb */
    int nph;
    unsigned char ph[PER_FIRST]; /* indexes into compiled[] */
};

_Static_assert(NPHRASES < 256, "phrase indexes are stored in a byte");
static struct phrase compiled[NPHRASES];
static struct first table[SLOTS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static struct first *slot_for(const char *w, int len)
{
    uint32_t i = kb__hash(w, (size_t)len) & (SLOTS - 1);
    while (table[i].w && !word_eq(table[i].w, table[i].len, w, len))
        i = (i + 1) & (SLOTS - 1);
    return &table[i];
}

static void table_init(void)
{
    for (size_t p = 0; p < NPHRASES; p++) {
        struct phrase *c = &compiled[p];
        for (const char *w = phrases[p]; *w && c->n < PHRASE_WORDS;) {
            const char *sp = strchr(w, ' ');
            c->w[c->n] = w;
            c->len[c->n] = sp ? (int)(sp - w) : (int)strlen(w);
            w += c->len[c->n++] + (sp ? 1 : 0);
            if (*w && c->n == PHRASE_WORDS) {
                c->n = 0; /* longer than PHRASE_WORDS: never matched, as before */
                break;
            }
        }
        if (c->n == 0)
            continue;
        struct first *f = slot_for(c->w[0], c->len[0]);
        f->w = c->w[0];
        f->len = c->len[0];
        if (f->nph < PER_FIRST)
            f->ph[f->nph++] = (unsigned char)p;
    }
    for (size_t d = 0; d < NDESIRE; d++) {
        struct first *f = slot_for(desire[d], (int)strlen(desire[d]));
        f->w = desire[d];
        f->len = (int)strlen(desire[d]);
        f->desire = 1;
    }
}

/* Number of words of phrase c that match norm[at..n) in order, or 0 when it does not. */
static int phrase_at(const struct phrase *c, const char *const *norm, const int *len, int n,
                     int at)
{
    if (at + c->n > n)
        return 0;
    for (int k = 1; k < c->n; k++) /* the first word matched through the table */
        if (!word_eq(c->w[k], c->len[k], norm[at + k], len[at + k]))
            return 0;
    return c->n;
}

int kb_filler_mark(const char *const *norm, const int *len, int n, unsigned char *mark)
{
    int marked = 0;
    pthread_once(&table_once, table_init);
    for (int i = 0; i < n; i++) {
        const struct first *f = slot_for(norm[i], len[i]);
        if (!f->w)
            continue;
        for (int p = 0; p < f->nph; p++) {
            int k = phrase_at(&compiled[f->ph[p]], norm, len, n, i);
            for (int j = i; j < i + k; j++) {
                marked += !mark[j];
                mark[j] = 1;
            }
        }
        if (f->desire && i + 1 < n && !mark[i]) {
            mark[i] = 1;
            marked++;
        }
    }
    return marked;
}
