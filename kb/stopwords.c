#include "kb/stopwords.h"

#include <pthread.h>
#include <string.h>

#include "kb/analyze.h"
#include "kb/kb_int.h"

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
    /* dialect possessives ("my" / "of"): الرصيد ديالي، الاوردر بتاعي، الخط تبعي */
    "ديال", "ديالي", "ديالك", "ديالو", "دياله", "ديالها", "ديالنا", "ديالكم", "ديالهم",
    "تاع", "تاعي", "تاعك", "تاعو", "متاع", "متاعي", "متاعك", "متاعو", "متاعنا",
    "بتاع", "بتاعي", "بتاعك", "بتاعه", "بتاعها", "بتاعنا", "بتاعكم", "بتاعهم", "بتاعت",
    "بتاعتي", "بتاعتك", "بتوع", "تبعي", "تبعك", "تبعه", "تبعو", "تبعها", "تبعنا", "تبعكم",
    "تبعت", "تبعتي", "تبعتك", "حقي", "حقك", "حقتي", "حقتك",
    /* dialect demonstratives, pronouns and question words */
    "هاد", "هادا", "هادي", "هدا", "هذي", "هاذا", "هاذي", "هيدا", "هيدي", "هاي", "ده", "دا",
    "دي", "دول", "هذول", "هاذول", "احنا", "حنا", "انتو", "انتوا", "هوه", "هيه", "مين",
    "شكون", "منو", "اش", "اشنو", "شني", "شنيه", "لاش", "علاه", "كيفاه", "اشلون",
    "وقتاش", "فوقاش", "ايمتي", "امتا", "وينو", "فينو",
    /* particles and time fillers: عم (Levantine "-ing"), رح / غادي (future), now */
    "عم", "رح", "غادي", "هيك", "كده", "كدا", "دلوقتي", "هلق", "هلا", "دابا", "توا", "الحين",
    "شي", "شيء", "حاجه", "عندك", "عندكم", "عندنا", "عندهم",
    /* "is there" and "can I": the frame of a question, rare in a base's phrasings and so
     * weighed as if they were its subject (هل يوجد تقسيط) */
    "يوجد", "توجد", "هناك", "كاين", "كاينه", "فماش", "يمكن", "يمكنني", "يمكنك",
    "يمكننا", "استطيع", "نستطيع", "اقدر", "نقدر", "تقدر", "بقدر", "بنقدر", "ينفع", "فيني",
    "فينا", "بامكاني", "متاح", "متوفر", "متاحه", "متوفره",
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
    /* apostrophes dropped as people type, and other function words */
    "whats",  "wheres", "hows", "whos",  "whys", "wanna", "gonna", "gotta", "they",
    "them",   "their", "he",   "she",   "his",  "her",   "him",   "us",    "these",
    "those",  "may",   "might", "must", "shall", "now",  "really", "also", "then",
    "as",     "into",  "being", "yours", "mine", "hi",  "hey",   "hello", "available",
    "possible", "exist", "exists", "able",
};

#define NAR   (sizeof ar / sizeof *ar)
#define NEN   (sizeof en / sizeof *en)
#define SLOTS 1024 /* open addressing over both lists: at most a third full */

/* Built once: ranking asks about every word of every candidate phrasing, and a scan of the
 * lists was a tenth of a search's time. A slot holds a list index + 1 (Arabic) or its
 * negation (English), 0 when empty. */
static int slot[SLOTS];
static unsigned char ar_len[NAR], en_len[NEN];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void put(int code, const char *w, size_t len)
{
    uint32_t i = kb__hash(w, len) & (SLOTS - 1);
    while (slot[i])
        i = (i + 1) & (SLOTS - 1);
    slot[i] = code;
}

static void table_init(void)
{
    for (size_t i = 0; i < NAR; i++) {
        ar_len[i] = (unsigned char)strlen(ar[i]);
        put((int)i + 1, ar[i], ar_len[i]);
    }
    for (size_t i = 0; i < NEN; i++) {
        en_len[i] = (unsigned char)strlen(en[i]);
        put(-(int)i - 1, en[i], en_len[i]);
    }
}

int kb_stopword(int script, const char *norm, int len)
{
    if ((script != KB_SCRIPT_ARABIC && script != KB_SCRIPT_LATIN) || len <= 0)
        return 0;
    pthread_once(&table_once, table_init);
    for (uint32_t i = kb__hash(norm, (size_t)len) & (SLOTS - 1); slot[i];
         i = (i + 1) & (SLOTS - 1)) {
        int c = slot[i];
        const char *w = c > 0 ? ar[c - 1] : en[-c - 1];
        int wl = c > 0 ? ar_len[c - 1] : en_len[-c - 1];
        if ((c > 0) == (script == KB_SCRIPT_ARABIC) && wl == len &&
            memcmp(w, norm, (size_t)len) == 0)
            return 1;
    }
    return 0;
}
