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

/* Number of words of phrase p that match norm[at..n) in order, or 0 when it does not match. */
static int phrase_at(const char *p, const char *const *norm, const int *len, int n, int at)
{
    int k = 0;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int wl = sp ? (int)(sp - p) : (int)strlen(p);
        if (at + k >= n || k >= PHRASE_WORDS || !word_eq(p, wl, norm[at + k], len[at + k]))
            return 0;
        k++;
        p += wl + (sp ? 1 : 0);
    }
    return k;
}

/* Search marks the filler of every phrasing it parses: a bloom of the first words of the
 * phrases and the desire verbs lets most words skip the phrase scan (filler in a phrasing
 * parse was a third of a search at 100,000 entries without it). */
static uint64_t first_bloom[4];
static pthread_once_t bloom_once = PTHREAD_ONCE_INIT;

static void bloom_put(const char *w, size_t len)
{
    uint32_t h = kb__hash(w, len);
    first_bloom[(h >> 6) & 3] |= 1ull << (h & 63);
}

static void bloom_init(void)
{
    for (size_t p = 0; p < NPHRASES; p++) {
        const char *sp = strchr(phrases[p], ' ');
        bloom_put(phrases[p], sp ? (size_t)(sp - phrases[p]) : strlen(phrases[p]));
    }
    for (size_t d = 0; d < NDESIRE; d++)
        bloom_put(desire[d], strlen(desire[d]));
}

static int maybe_first(const char *w, int len)
{
    uint32_t h = kb__hash(w, (size_t)len);
    return (first_bloom[(h >> 6) & 3] >> (h & 63)) & 1;
}

int kb_filler_mark(const char *const *norm, const int *len, int n, unsigned char *mark)
{
    int marked = 0;
    pthread_once(&bloom_once, bloom_init);
    for (int i = 0; i < n; i++) {
        if (!maybe_first(norm[i], len[i]))
            continue;
        for (size_t p = 0; p < NPHRASES; p++) {
            int k = phrase_at(phrases[p], norm, len, n, i);
            for (int j = i; j < i + k; j++) {
                marked += !mark[j];
                mark[j] = 1;
            }
        }
        if (i + 1 < n && !mark[i])
            for (size_t d = 0; d < NDESIRE; d++)
                if (word_eq(desire[d], (int)strlen(desire[d]), norm[i], len[i])) {
                    mark[i] = 1;
                    marked++;
                    break;
                }
    }
    return marked;
}
