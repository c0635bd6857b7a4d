#include "kb/stopwords.h"

#include <pthread.h>
#include <string.h>

#include "kb/analyze.h"

/* Folded forms (no hamza on alef, ه for ة, ي for ى), MSA and the common dialect question
 * and filler words. Negations (لا، مش، ما…) are not here on purpose: they change meaning. */
static const char *const ar[] = {
    "في",   "من",    "على",  "علي",  "الى",  "الي",  "عن",   "مع",    "هل",    "ماذا",    "لماذا",
    "كيف",  "متي",   "اين",  "اي",   "هو",   "هي",   "هم",   "انا",   "انت",   "انتي",    "انتم",
    "نحن",  "هذا",   "هذه",  "ذلك",  "تلك",  "التي", "الذي", "الذين", "ان",    "او",      "ثم",
    "قد",   "لقد",   "كان",  "كانت", "يكون", "عند",  "عندي", "لي",    "لك",    "له",      "لها",
    "لنا",  "يا",    "اللي", "شو",   "وش",   "ايش",  "ايه",  "ازاي",  "كيفاش", "فين",     "وين",
    "ليش",  "ليه",   "علاش", "امتي", "ممكن", "لو",   "يعني", "بس",    "اذا",   "حتي",     "لكن",
    "و",    "هناك",  "هنا",  "كل",   "بعض",  "به",   "بها",  "فيه",   "فيها",  "منه",     "منها",
    "عليه", "عليها", "الا",  "الان", "واش",  "شنو",  "شنهو", "شلون",  "فضلك",  "لو سمحت",
};

static const char *const en[] = {
    "a",      "an",   "the",   "is",   "are",  "was",   "were",  "be",     "been",
    "am",     "do",   "does",  "did",  "i",    "me",    "my",    "you",    "your",
    "we",     "our",  "it",    "its",  "to",   "of",    "in",    "on",     "at",
    "for",    "from", "with",  "by",   "and",  "or",    "how",   "what",   "when",
    "where",  "why",  "which", "who",  "can",  "could", "would", "should", "will",
    "please", "pls",  "plz",   "i'm",  "im",   "this",  "that",  "there",  "here",
    "have",   "has",  "had",   "get",  "so",   "if",    "about", "any",    "there's",
    "it's",   "u",    "ur",    "want", "need", "like",  "just",  "some",
};

#define NAR (sizeof ar / sizeof *ar)
#define NEN (sizeof en / sizeof *en)

/* Lengths computed once: ranking asks about every word of every candidate phrasing, and a
 * strlen per list entry per word was a measurable share of a search. */
static unsigned char ar_len[NAR], en_len[NEN];
static pthread_once_t lens_once = PTHREAD_ONCE_INIT;

static void lens_init(void)
{
    for (size_t i = 0; i < NAR; i++)
        ar_len[i] = (unsigned char)strlen(ar[i]);
    for (size_t i = 0; i < NEN; i++)
        en_len[i] = (unsigned char)strlen(en[i]);
}

static int in(const char *const *list, const unsigned char *lens, size_t n, const char *w, int len)
{
    for (size_t i = 0; i < n; i++)
        if (lens[i] == len && memcmp(list[i], w, (size_t)len) == 0)
            return 1;
    return 0;
}

int kb_stopword(int script, const char *norm, int len)
{
    pthread_once(&lens_once, lens_init);
    if (script == KB_SCRIPT_ARABIC)
        return in(ar, ar_len, NAR, norm, len);
    if (script == KB_SCRIPT_LATIN)
        return in(en, en_len, NEN, norm, len);
    return 0;
}
