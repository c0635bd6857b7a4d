/* Matching speed: builds a synthetic bilingual FAQ base of N entries, imports it through the
 * public kb API into a fresh SQLite file, times kb_search over a few thousand realistic
 * questions, and times a plain FTS5 OR query over the same entries in the same run.
 * Run by scripts/bench-kb; see the "Speed, measured" section of issue 2.
 *
 *   bench_kb N [--queries Q] [--warmup W] [--rounds R] [--seed S] [--dir DIR] [--no-plain]
 *              [--keep] [--dump-queries FILE] [--sanad BIN]
 *
 * --rounds R times every question R times (more samples for a profiler); --keep leaves
 * kb.jsonl, kb.db and plain.db in the directory (for `sanad kb search --explain`);
 * --dump-queries writes the questions, one per line (for `sanad kb search --batch`);
 * --sanad BIN creates the database with `BIN kb init`, so that it holds the default synonyms
 * as a real base does (without it: kb_open(KB_OPEN_CREATE), no synonyms).
 *
 * Everything is generated from a fixed-seed PRNG, so two runs see the same base and the
 * same questions. Output: a readable table, then one JSON line (the last line). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kb/kb.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ZIPF_S       1.0 /* exponent of the rank-frequency law inside each word class */

/* ---- vocabulary ----
 * Each class is ordered roughly from frequent to rare, because the Zipf draw favours low
 * ranks. Arabic nouns come with their article, clitic and possessive forms (الفاتورة،
 * فاتورتي، بالفاتورة، والفاتوره) as visitors type them; dialect words (Egyptian, Gulf,
 * Levantine, Maghrebi) sit beside MSA. English has the same concepts and informal forms. */

static const char *ar_qw[] = {
    "كيف", "هل", "متى", "لماذا", "كم", "ما", "ماذا", "أين", "ليش", "وين", "ايش", "ازاي",
    "شو", "امتى", "وش", "كيفاش", "فين", "بكم", "علاش", "قديش", "إيه", "أي", "من", "هو",
    "ايمتى", "واش",
};

static const char *ar_verb[] = {
    "أريد", "أستطيع", "يمكنني", "أدفع", "ألغي", "أغير", "أشحن", "أطلب", "أفعل", "اريد",
    "عايز", "ابغى", "بدي", "ابي", "أسترجع", "أتابع", "أستلم", "أوقف", "أجدد", "أحول",
    "أسجل", "أدخل", "أعرف", "أستخدم", "أشترك", "أضيف", "أسدد", "أتواصل", "أحصل", "أنقل",
    "أستبدل", "أعدل", "أحذف", "أرسل", "أستعيد", "أتتبع", "أحتاج", "حاب", "بغيت", "نقدر",
    "اقدر", "اعمل", "ادفع", "الغي", "اغير", "اشحن", "يصير", "وصلني", "انقطع", "توقف",
    "تأخر", "يشتغل", "يعمل", "اشتريت", "دفعت", "طلبت", "استلمت", "نسيت", "فقدت", "ضاع",
    "خصم", "ظهر", "اختفى", "تم", "أفعّل", "ارجع", "نلغي", "نخلص", "ينزل", "يوصل",
};

static const char *ar_noun[] = {
    "الفاتورة", "الطلب", "الباقة", "الشريحة", "الرصيد", "حسابي", "الانترنت", "الخط",
    "فاتورة", "طلبي", "باقة", "شريحة", "رقم", "التوصيل", "الدفع", "الاشتراك", "الجوال",
    "النت", "حساب", "كلمة", "المرور", "التجوال", "الاسترجاع", "المبلغ", "البطاقة",
    "فاتورتي", "باقتي", "شريحتي", "رصيدي", "خطي", "رقمي", "جوالي", "طلب", "توصيل",
    "استرجاع", "تجوال", "اشتراك", "الخدمة", "التطبيق", "المنتج", "الشحن", "الرسائل",
    "المكالمات", "البيانات", "الطلبات", "الباقات", "الشرائح", "العروض", "الأسعار", "السعر",
    "الرسوم", "الخصم", "النقاط", "المحفظة", "الكود", "الكوبون", "الشحنة", "المندوب",
    "العنوان", "الموعد", "الفرع", "العملاء", "الرمز", "التحقق", "الهوية", "التسجيل",
    "الدخول", "الضمان", "الجهاز", "الراوتر", "الشبكة", "التغطية", "السرعة", "مشكلة",
    "شكوى", "بالفاتورة", "والفاتورة", "للفاتورة", "بالباقة", "للباقة", "بالطلب", "والطلب",
    "للطلب", "بالشريحة", "بحسابي", "لحسابي", "بالتجوال", "بالبطاقة", "فاتوره", "الفاتوره",
    "باقه", "الباقه", "شريحه", "الشريحه", "طلبيه", "الطلبيه", "اوردر", "الاوردر", "موبايل",
    "تلفون", "نت", "الميجا", "جيجا", "ميجا", "دقائق", "رسالة", "مكالمة", "بطاقة", "مبلغ",
    "استرداد", "الاسترداد", "إرجاع", "الإرجاع", "استبدال", "الاستبدال", "منتج", "المنتجات",
    "سلة", "السلة", "عنوان", "موعد", "فرع", "خدمة", "تطبيق", "الموقع", "موقع", "رمز", "هوية",
    "جهاز", "راوتر", "شبكة", "تغطية", "سرعة", "رسوم", "خصم", "نقاط", "محفظة", "تحويل",
    "التحويل", "كود", "كوبون", "شحنة", "مندوب", "تتبع", "التتبع", "تأخير", "التأخير",
    "الشكوى", "المشكلة", "فلوس", "الفلوس", "كارت", "الكارت", "مدى", "فيزا", "الإيصال",
    "إيصال", "الفاتورة الشهرية", "سداد", "السداد", "الحجز", "حجز", "الإلغاء", "إلغاء",
    "التفعيل", "تفعيل", "الإيقاف", "إيقاف", "التجديد", "تجديد", "الترقية", "ترقية",
    "الأجهزة", "الشاحن", "شاحن", "السماعة", "الشاشة", "الكمية", "الطرد", "المرتجع",
    "الاسترجاعات", "الاشتراكات", "الفواتير", "فواتير", "البريد", "الإلكتروني", "الايميل",
    "ايميل", "الملف", "الشخصي", "البيانات الشخصية", "الخصوصية", "كلمه", "السر", "الباسورد",
    "باسورد",
};

static const char *ar_adj[] = {
    "الجديدة", "جديد", "الشهرية", "مجاني", "مجانا", "الدولي", "شهري", "سنوي", "مسبقة",
    "الدفع", "آجل", "إضافي", "الإضافية", "خاطئ", "ضعيف", "بطيء", "متاح", "مفعل", "سريع",
    "القديم", "القديمة", "كامل", "ناقص", "غلط", "متأخر", "مكسور", "تالف", "أصلي", "غالي",
    "رخيص", "الأساسية", "المفتوحة", "المحلية",
};

static const char *ar_func[] = {
    "في", "من", "على", "إلى", "عن", "مع", "بعد", "قبل", "لا", "أو", "و", "هذا", "هذه",
    "كل", "عند", "لم", "لي", "عندي", "انا", "أن", "إذا", "لو", "بدون", "حتى", "الذي", "التي",
    "ذلك", "فيه", "منه", "عليه", "ثم", "أيضا", "غير", "بين", "داخل", "خارج", "مرة", "يوم",
};

static const char *ar_dial[] = {
    "اللي", "مش", "مو", "ديالي", "بتاعي", "حقي", "الحين", "دلوقتي", "هلق", "عشان", "علشان",
    "لازم", "ممكن", "يعني", "شوية", "كتير", "واجد", "برشا", "زي", "كده", "هيك", "ياخي",
    "لسه", "بعدين", "هسا",
};

static const char *ar_ans[] = {
    "يمكنك", "من خلال", "تطبيق", "نجمة", "اختر", "اضغط", "افتح", "ثم", "سيتم", "خلال",
    "أيام", "عمل", "ساعة", "يرجى", "عبر", "الإعدادات", "القائمة", "رسالة نصية", "ريال",
    "مباشرة", "تلقائيا", "بعد ذلك", "تأكيد", "أدخل", "تواصل", "مع", "فريق", "الدعم",
    "الرقم", "المجاني", "الموقع", "الإلكتروني", "أقرب", "فرع", "بطاقة", "الهوية", "لا يمكن",
    "إلا", "يجب", "ننصحك", "تستطيع", "متابعة", "حالة", "يصلك", "رابط", "إشعار", "صفحة",
    "طلباتي", "حسابي", "إدارة", "الخطوات", "التالية",
};

static const char *en_qw[] = {
    "how", "can", "what", "when", "why", "is", "do", "where", "does", "which", "will",
    "how much", "how many", "how long", "should", "could", "who", "are", "did", "whats",
    "hw", "wat",
};

static const char *en_verb[] = {
    "pay", "cancel", "change", "get", "check", "activate", "order", "return", "track",
    "reset", "update", "top up", "recharge", "renew", "transfer", "register", "use",
    "add", "remove", "contact", "receive", "refund", "replace", "block", "unblock",
    "subscribe", "unsubscribe", "upgrade", "downgrade", "delete", "login", "log in",
    "sign up", "stop", "turn off", "turn on", "enable", "disable", "buy", "exchange",
    "deliver", "charge", "charged", "paid", "ordered", "received", "lost", "forgot",
    "changed", "cancelled", "returned", "stopped", "broke", "want", "need", "wanna",
    "cant", "dont", "doesnt", "find", "see", "know", "move", "port", "switch",
};

static const char *en_noun[] = {
    "bill", "order", "plan", "sim", "balance", "account", "internet", "line", "number",
    "delivery", "payment", "refund", "password", "roaming", "data", "phone", "card",
    "package", "subscription", "app", "bills", "orders", "plans", "top-up", "sim card",
    "mobile", "credit", "money", "amount", "fee", "fees", "charge", "charges", "price",
    "prices", "offer", "offers", "discount", "points", "rewards", "wallet", "code",
    "coupon", "voucher", "shipment", "courier", "address", "tracking", "branch", "store",
    "shop", "service", "customer", "support", "agent", "email", "profile", "details",
    "otp", "verification", "id", "passport", "warranty", "device", "router", "modem",
    "network", "coverage", "signal", "speed", "problem", "issue", "complaint", "calls",
    "sms", "messages", "minutes", "gb", "mb", "bundle", "bundles", "contract", "invoice",
    "receipt", "cart", "product", "products", "item", "items", "size", "color", "stock",
    "parcel", "packet", "box", "refunds", "returns", "exchange", "installment", "visa",
    "mastercard", "apple pay", "bank", "transfer", "cash", "wifi", "esim", "puk", "pin",
    "settings", "website", "login", "username", "screen", "charger", "headphones", "laptop",
    "tv", "fiber", "landline", "voicemail", "month", "week", "day", "days", "hours",
    "abroad", "country", "travel", "trip", "family", "kids", "student", "business",
    "prepaid", "postpaid", "line rental", "family plan", "loyalty", "membership", "privacy",
};

static const char *en_adj[] = {
    "new", "my", "monthly", "free", "international", "extra", "wrong", "slow", "weak",
    "available", "active", "fast", "old", "full", "partial", "late", "broken", "damaged",
    "original", "expensive", "cheap", "basic", "unlimited", "local", "annual", "missing",
    "double", "expired", "blocked", "unpaid", "pending",
};

static const char *en_func[] = {
    "i", "my", "the", "to", "a", "for", "of", "in", "on", "it", "me", "is", "with", "and",
    "not", "after", "before", "from", "your", "this", "that", "an", "at", "if", "or",
    "without", "by", "about", "be", "have", "has", "am", "still", "again", "yet", "already",
    "when", "so", "but", "any", "all",
};

static const char *en_dial[] = {
    "pls", "please", "plz", "u", "ur", "hi", "hello", "thx", "asap", "gonna", "im", "ive",
    "wont", "isnt", "didnt", "ok", "really", "just", "now", "today", "guys", "bro",
};

static const char *en_ans[] = {
    "you", "can", "your", "the", "app", "open", "tap", "select", "then", "will", "be",
    "within", "business", "days", "hours", "please", "through", "settings", "menu", "sms",
    "sar", "immediately", "automatically", "confirm", "enter", "contact", "our", "team",
    "toll-free", "website", "nearest", "branch", "bring", "id", "cannot", "only", "must",
    "we", "recommend", "track", "status", "link", "notification", "page", "my orders",
    "my account", "manage", "steps", "following", "najma",
};

enum { C_QW, C_VERB, C_NOUN, C_ADJ, C_FUNC, C_DIAL, C_ANS, C_COUNT };

/* A word class: the hand-written head, then (nouns only) a generated long tail that stands
 * in for the product names, places and rare terms of a real base; one Zipf law over both. */
struct wclass {
    const char **head;
    int nhead;
    int ntail;
    const char **w; /* head then tail, owned */
    int n;
    double *cdf;
};

struct lang_vocab {
    const char *code;
    const char *qmark;
    struct wclass c[C_COUNT];
};

#define WC(list) {list, ARRAY_LEN(list), 0, NULL, 0, NULL}
#define WC_TAIL(list, tail) {list, ARRAY_LEN(list), tail, NULL, 0, NULL}
#define TAIL_WORDS 20000 /* generated nouns per language */

static struct lang_vocab vocab[2] = {
    {"ar", "؟",
     {WC(ar_qw), WC(ar_verb), WC_TAIL(ar_noun, TAIL_WORDS), WC(ar_adj), WC(ar_func),
      WC(ar_dial), WC(ar_ans)}},
    {"en", "?",
     {WC(en_qw), WC(en_verb), WC_TAIL(en_noun, TAIL_WORDS), WC(en_adj), WC(en_func),
      WC(en_dial), WC(en_ans)}},
};

static const char *categories[] = {"billing", "plans", "roaming", "sim", "delivery",
                                   "returns", "payment", "account", "privacy", "devices"};

/* ---- deterministic PRNG (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(void) /* [0, 1) */
{
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_range(int lo, int hi) /* [lo, hi] */
{
    return lo + (int)(rng_next() % (uint64_t)(hi - lo + 1));
}

#define PICK(list) (list[rng_next() % ARRAY_LEN(list)])

/* Tail nouns. Arabic: a random three-letter root poured into a common noun pattern
 * (تفعيل، مفعول، استفعال، فاعل...), with the article, a clitic or a feminine/plural/
 * possessive ending as often as real text has them, so the analyzer's stripping and
 * stemming do real work. English: pronounceable two- or three-syllable words with
 * common endings. */
static char *tail_word(int lang)
{
    static const char *root[] = {"ب", "ت", "ج", "ح", "خ", "د", "ر", "ز", "س", "ش", "ص",
                                 "ض", "ط", "ع", "غ", "ف", "ق", "ك", "ل", "م", "ن", "ه",
                                 "و", "ي", "ث", "ذ", "ظ"};
    static const char *pattern[] = {"12ا3", "1ا23", "م12و3", "ت12ي3", "است12ا3", "12ي3",
                                    "ا12ا3", "م123", "ت1ا23", "م1ا23", "1و23", "12و3",
                                    "م1ا2ي3", "ان12ا3", "1ا2و3"};
    static const char *pre[] = {"", "", "", "", "ال", "ال", "ال", "بال", "وال", "لل", "و", "ب"};
    static const char *suf[] = {"", "", "", "", "", "ة", "ة", "ات", "ي", "ه"};
    static const char *onset[] = {"b", "br", "c", "ch", "d", "f", "g", "gr", "k", "l", "m",
                                  "n", "p", "pr", "r", "s", "st", "t", "tr", "v", "z", "pl"};
    static const char *vowel[] = {"a", "e", "i", "o", "u", "ai", "ea", "o", "a", "e"};
    static const char *coda[] = {"", "", "", "n", "r", "l", "x", "m", "s", "t", "ck"};
    static const char *end[] = {"", "", "", "s", "er", "ing", "ed", "ion", "ly", "s"};
    char w[96] = "";
    if (lang == 0) {
        const char *r[3] = {PICK(root), PICK(root), PICK(root)};
        strcat(w, PICK(pre));
        for (const char *p = PICK(pattern); *p; p++) {
            if (*p >= '1' && *p <= '3') {
                strcat(w, r[*p - '1']);
            } else {
                size_t len = strlen(w), k = 1;
                while ((p[k] & 0xC0) == 0x80)
                    k++;
                memcpy(w + len, p, k);
                w[len + k] = 0;
                p += k - 1;
            }
        }
        strcat(w, PICK(suf));
    } else {
        for (int i = rng_range(2, 3); i > 0; i--) {
            strcat(w, PICK(onset));
            strcat(w, PICK(vowel));
            strcat(w, PICK(coda));
        }
        strcat(w, PICK(end));
    }
    char *d = strdup(w);
    if (!d)
        abort();
    return d;
}

/* Zipf-Mandelbrot offsets per class, p(rank r) ~ 1 / (r + q)^s: function words, question
 * words and answer phrases keep the steep head of real text (في and "the" are in most
 * entries), while the head of content classes is flatter, so that the commonest noun
 * (الفاتورة, "bill") is in about a fifth of the entries rather than most of them. */
static const double zipf_q[C_COUNT] = {
    [C_QW] = 0, [C_VERB] = 1, [C_NOUN] = 5, [C_ADJ] = 3, [C_FUNC] = 0, [C_DIAL] = 1,
    [C_ANS] = 0,
};

/* Builds every class's word array and Zipf table. The tail has its own fixed seed, so the
 * vocabulary does not depend on --seed. */
static void vocab_init(void)
{
    uint64_t saved = rng_state;
    rng_state = 0x5A4ADull;
    for (size_t l = 0; l < ARRAY_LEN(vocab); l++)
        for (int c = 0; c < C_COUNT; c++) {
            struct wclass *wc = &vocab[l].c[c];
            double sum = 0;
            wc->n = wc->nhead + wc->ntail;
            wc->w = malloc((size_t)wc->n * sizeof *wc->w);
            wc->cdf = malloc((size_t)wc->n * sizeof *wc->cdf);
            if (!wc->w || !wc->cdf)
                abort();
            for (int i = 0; i < wc->nhead; i++)
                wc->w[i] = wc->head[i];
            for (int i = wc->nhead; i < wc->n; i++)
                wc->w[i] = tail_word((int)l);
            for (int i = 0; i < wc->n; i++)
                wc->cdf[i] = (sum += 1.0 / pow(i + 1 + zipf_q[c], ZIPF_S));
            for (int i = 0; i < wc->n; i++)
                wc->cdf[i] /= sum;
        }
    rng_state = saved;
}

static void vocab_fini(void)
{
    for (size_t l = 0; l < ARRAY_LEN(vocab); l++)
        for (int c = 0; c < C_COUNT; c++) {
            struct wclass *wc = &vocab[l].c[c];
            for (int i = wc->nhead; wc->w && i < wc->n; i++)
                free((char *)wc->w[i]);
            free(wc->w);
            free(wc->cdf);
            wc->w = NULL;
            wc->cdf = NULL;
        }
}

/* A word of class c drawn with Zipf frequencies. */
static const char *zipf_word(const struct lang_vocab *v, int c)
{
    const struct wclass *wc = &v->c[c];
    double u = rng_unit();
    int lo = 0, hi = wc->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (wc->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return wc->w[lo];
}

/* A word for the body of a question: mostly nouns, then function words, adjectives and
 * dialect particles. */
static int body_class(void)
{
    double u = rng_unit();
    return u < 0.50 ? C_NOUN : u < 0.75 ? C_FUNC : u < 0.90 ? C_ADJ : C_DIAL;
}

static int answer_class(void)
{
    double u = rng_unit();
    return u < 0.30 ? C_ANS : u < 0.60 ? C_NOUN : u < 0.85 ? C_FUNC : u < 0.95 ? C_ADJ : C_VERB;
}

/* ---- sentences ---- */

#define SENT_MAX   48
#define TOPIC_MAX  5
#define Q_TOPICAL  0.75 /* share of a question's nouns taken from its entry's topic */
#define A_TOPICAL  0.5  /* the same in answers */

struct sent {
    const char *w[SENT_MAX];
    int n;
};

/* What one entry is about: a few nouns that its question, variants and answer keep coming
 * back to, as real FAQ entries do, and the verb of its question. */
struct topic {
    int lang; /* index into vocab */
    const char *noun[TOPIC_MAX];
    int nnoun;
};

static void topic_new(struct topic *t, int lang)
{
    t->lang = lang;
    t->nnoun = rng_range(3, TOPIC_MAX);
    for (int i = 0; i < t->nnoun; i++)
        t->noun[i] = zipf_word(&vocab[lang], C_NOUN);
}

static int sent_has(const struct sent *s, const char *w)
{
    for (int i = 0; i < s->n; i++)
        if (s->w[i] == w || !strcmp(s->w[i], w))
            return 1;
    return 0;
}

static void sent_push(struct sent *s, const char *w)
{
    if (s->n < SENT_MAX)
        s->w[s->n++] = w;
}

/* A word of class c that s does not hold yet (nouns from the topic with probability
 * topical); after a few tries, whatever came last. */
static const char *fresh_word(const struct topic *t, const struct sent *s, int c, double topical)
{
    const char *w = NULL;
    for (int tries = 0; tries < 8; tries++) {
        if (c == C_NOUN && rng_unit() < topical)
            w = t->noun[rng_next() % (uint64_t)t->nnoun];
        else
            w = zipf_word(&vocab[t->lang], c);
        if (!sent_has(s, w))
            break;
    }
    return w;
}

/* A question: question word, verb, then body words, `len` words in all. */
static void make_question(const struct topic *t, int len, struct sent *s)
{
    const struct lang_vocab *v = &vocab[t->lang];
    s->n = 0;
    sent_push(s, zipf_word(v, C_QW));
    sent_push(s, zipf_word(v, C_VERB));
    while (s->n < len)
        sent_push(s, fresh_word(t, s, body_class(), Q_TOPICAL));
}

/* Another phrasing of q, as editors write variants and visitors ask: the question word and
 * verb often change (dialect forms included), body words are kept, swapped for another of
 * their kind, or dropped, and a dialect particle may appear. At least min_len and at most
 * max_len words. */
static void paraphrase(const struct topic *t, const struct sent *q, int min_len, int max_len,
                       struct sent *out)
{
    const struct lang_vocab *v = &vocab[t->lang];
    out->n = 0;
    sent_push(out, rng_unit() < 0.5 ? zipf_word(v, C_QW) : q->w[0]);
    if (rng_unit() < 0.3)
        sent_push(out, zipf_word(v, C_DIAL));
    sent_push(out, rng_unit() < 0.4 ? zipf_word(v, C_VERB) : q->w[1]);
    for (int i = 2; i < q->n && out->n < max_len; i++) {
        double u = rng_unit();
        if (u < 0.65 && !sent_has(out, q->w[i]))
            sent_push(out, q->w[i]);
        else if (u < 0.85)
            sent_push(out, fresh_word(t, out, body_class(), Q_TOPICAL));
        /* else dropped */
    }
    while (out->n < min_len)
        sent_push(out, fresh_word(t, out, body_class(), Q_TOPICAL));
}

/* ---- JSON Lines ---- */

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void sent_text(struct buf *b, const struct sent *s, const char *end)
{
    for (int i = 0; i < s->n; i++) {
        if (i)
            buf_add(b, " ", 1);
        buf_adds(b, s->w[i]); /* the word lists hold no characters JSON must escape */
    }
    if (end)
        buf_adds(b, end);
}

/* One generated entry, kept so queries can paraphrase it. */
struct gen_entry {
    struct topic t;
    struct sent q;
};

/* Appends entry i as one JSON line to b, and its question, variants (joined by newlines)
 * and answer to plain_q, plain_v, plain_a for the plain table. */
static void write_entry(struct buf *b, int i, struct gen_entry *ge, struct buf *plain_q,
                        struct buf *plain_v, struct buf *plain_a)
{
    const struct lang_vocab *v;
    char head[128];
    struct sent s;

    topic_new(&ge->t, rng_unit() < 2.0 / 3 ? 0 : 1);
    v = &vocab[ge->t.lang];
    make_question(&ge->t, rng_range(5, 10), &ge->q);
    snprintf(head, sizeof head, "{\"id\":\"b%06d\",\"lang\":\"%s\",\"category\":\"%s\",", i,
             v->code, categories[rng_next() % ARRAY_LEN(categories)]);
    buf_adds(b, head);

    plain_q->len = plain_v->len = plain_a->len = 0;
    sent_text(plain_q, &ge->q, rng_unit() < 0.8 ? v->qmark : NULL);
    buf_adds(b, "\"question\":\"");
    buf_add(b, plain_q->p, plain_q->len);
    buf_adds(b, "\",\"variants\":[");
    for (int j = 0, nvar = rng_range(2, 3); j < nvar; j++) {
        paraphrase(&ge->t, &ge->q, 5, 10, &s);
        if (j) {
            buf_adds(b, ",");
            buf_adds(plain_v, "\n");
        }
        size_t at = plain_v->len;
        sent_text(plain_v, &s, NULL);
        buf_adds(b, "\"");
        buf_add(b, plain_v->p + at, plain_v->len - at);
        buf_adds(b, "\"");
    }
    buf_adds(b, "],\"answer\":\"");
    s.n = 0;
    for (int alen = rng_range(20, 40); s.n < alen;) {
        int c = answer_class();
        /* function and answer words repeat in real answers; content words rarely do */
        sent_push(&s, c == C_FUNC || c == C_ANS ? zipf_word(v, c)
                                                : fresh_word(&ge->t, &s, c, A_TOPICAL));
    }
    sent_text(plain_a, &s, ".");
    buf_add(b, plain_a->p, plain_a->len);
    buf_adds(b, "\",\"status\":\"published\"}\n");
}

/* ---- queries ---- */

struct bench_query {
    char *text;
    int expect; /* entry index it paraphrases, or -1 for a new question */
};

/* Half paraphrase an existing entry (3-8 words of it, reworded), half are new questions on
 * a new topic from the same vocabulary. Two thirds Arabic, like the base. */
static void make_queries(struct gen_entry *ents, int n, struct bench_query *qs, int nq)
{
    struct buf b = {0};
    struct sent s;
    for (int i = 0; i < nq; i++) {
        int len = rng_range(3, 8);
        b.len = 0;
        if (rng_unit() < 0.5) {
            int e = (int)(rng_next() % (uint64_t)n);
            paraphrase(&ents[e].t, &ents[e].q, len, len, &s);
            qs[i].expect = e;
            sent_text(&b, &s, rng_unit() < 0.5 ? vocab[ents[e].t.lang].qmark : NULL);
        } else {
            struct topic t;
            topic_new(&t, rng_unit() < 2.0 / 3 ? 0 : 1);
            make_question(&t, len, &s);
            qs[i].expect = -1;
            sent_text(&b, &s, rng_unit() < 0.5 ? vocab[t.lang].qmark : NULL);
        }
        qs[i].text = strdup(b.p);
        if (!qs[i].text)
            abort();
    }
    free(b.p);
}

/* ---- measuring ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static double file_mib(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0;
}

/* db + its -wal file, which holds the data until a checkpoint. */
static double db_mib(const char *path)
{
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_mib(path) + file_mib(wal);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct lat {
    double p50, p90, p99, max, mean, qps;
};

/* Percentiles of t[0..n) in ms (nearest rank); sorts t. */
static struct lat lat_stats(double *t, int n)
{
    struct lat l = {0};
    double sum = 0;
    if (n == 0)
        return l;
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    for (int i = 0; i < n; i++)
        sum += t[i];
#define PCT(p) (t[(int)ceil((p) / 100.0 * n) - 1] * 1e3)
    l.p50 = PCT(50);
    l.p90 = PCT(90);
    l.p99 = PCT(99);
#undef PCT
    l.max = t[n - 1] * 1e3;
    l.mean = sum / n * 1e3;
    l.qps = n / sum;
    return l;
}

static void rm_db(const char *path)
{
    char p[4096];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}

/* Runs `sanad kb init --db path` (no shell). */
static int sanad_init(const char *sanad, const char *path)
{
    int status;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_kb: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(sanad, sanad, "kb", "init", "--db", path, (char *)NULL);
        fprintf(stderr, "bench_kb: exec %s: %s\n", sanad, strerror(errno));
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_kb: %s kb init --db %s failed\n", sanad, path);
        return -1;
    }
    return 0;
}

static int write_file(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bench_kb: write %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    return 0;
}

static int read_file(const char *path, struct buf *b)
{
    char chunk[1 << 16];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_kb: read %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "bench_kb: read %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the plain FTS5 baseline ---- */

static int plain_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_kb: plain: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The OR of the query's whitespace-separated words, each double-quoted. */
static void plain_match(const char *q, struct buf *m)
{
    m->len = 0;
    buf_add(m, "", 0);
    while (*q) {
        while (*q == ' ')
            q++;
        if (!*q)
            break;
        if (m->len)
            buf_adds(m, " OR ");
        buf_adds(m, "\"");
        for (; *q && *q != ' '; q++)
            buf_add(m, *q == '"' ? "\"\"" : q, *q == '"' ? 2 : 1);
        buf_adds(m, "\"");
    }
}

/* ---- main ---- */

struct opts {
    int n, nq, warmup, rounds, plain, keep;
    uint64_t seed;
    const char *dir, *dump, *sanad;
};

static void usage(void)
{
    fprintf(stderr, "usage: bench_kb N [--queries Q] [--warmup W] [--rounds R] [--seed S] "
                    "[--dir DIR] [--no-plain] [--keep] [--dump-queries FILE] [--sanad BIN]\n");
    exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.n = 0, .nq = 3000, .warmup = 200, .rounds = 1, .plain = 1, .keep = 0,
                       .seed = 20240601, .dir = NULL, .dump = NULL,
                       .sanad = NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--no-plain"))
            o->plain = 0;
        else if (!strcmp(a, "--keep"))
            o->keep = 1;
        else if (i + 1 < argc && !strcmp(a, "--queries"))
            o->nq = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--warmup"))
            o->warmup = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--rounds"))
            o->rounds = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "--seed"))
            o->seed = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(a, "--dir"))
            o->dir = argv[++i];
        else if (i + 1 < argc && !strcmp(a, "--dump-queries"))
            o->dump = argv[++i];
        else if (i + 1 < argc && !strcmp(a, "--sanad"))
            o->sanad = argv[++i];
        else if (a[0] != '-' && o->n == 0)
            o->n = atoi(a);
        else
            usage();
    }
    if (o->n < 1 || o->nq < 1 || o->warmup < 0 || o->rounds < 1)
        usage();
}

int main(int argc, char **argv)
{
    struct opts o;
    char tmpl[4096], db_path[4200], plain_path[4200], jsonl_path[4200];
    int made_dir = 0, rc = 1;
    struct kb *kb = NULL;
    sqlite3 *pdb = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    struct gen_entry *ents = NULL;
    struct bench_query *qs = NULL;
    double *times = NULL;
    size_t *line_end = NULL;
    struct buf jl = {0}, pq = {0}, pv = {0}, pa = {0}, m = {0};
    struct sn_err err = {0};

    parse_args(argc, argv, &o);
    if (o.dir) {
        snprintf(tmpl, sizeof tmpl, "%s", o.dir);
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(tmpl, sizeof tmpl, "%s/bench-kb.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpl)) {
            fprintf(stderr, "bench_kb: mkdtemp %s: %s\n", tmpl, strerror(errno));
            return 1;
        }
        made_dir = 1;
    }
    snprintf(db_path, sizeof db_path, "%s/kb.db", tmpl);
    snprintf(plain_path, sizeof plain_path, "%s/plain.db", tmpl);
    snprintf(jsonl_path, sizeof jsonl_path, "%s/kb.jsonl", tmpl);
    rm_db(db_path);
    rm_db(plain_path);

    rng_state = o.seed;
    vocab_init();
    ents = calloc((size_t)o.n, sizeof *ents);
    qs = calloc((size_t)o.nq, sizeof *qs);
    times = calloc((size_t)o.nq * (size_t)o.rounds, sizeof *times);
    if (!ents || !qs || !times)
        abort();

    /* 1. generate the base as JSON Lines, and the same rows for the plain table */
    double t0 = now_s();
    line_end = malloc((size_t)o.n * sizeof *line_end);
    if (!line_end)
        abort();
    for (int i = 0; i < o.n; i++) {
        write_entry(&jl, i, &ents[i], &pq, &pv, &pa);
        line_end[i] = jl.len;
    }
    make_queries(ents, o.n, qs, o.nq);
    if (write_file(jsonl_path, jl.p, jl.len))
        goto out;
    if (o.dump) {
        struct buf d = {0};
        for (int i = 0; i < o.nq; i++) {
            buf_adds(&d, qs[i].text);
            buf_adds(&d, "\n");
        }
        int bad = write_file(o.dump, d.p, d.len);
        free(d.p);
        if (bad)
            goto out;
    }
    double gen_s = now_s() - t0;
    double rss_gen = peak_rss_mib();
    double jsonl_mib = (double)jl.len / (1024.0 * 1024.0);

    /* 2. our index: kb_open + kb_import. One kb_import is one transaction; a file past
     * KB_MAX_IMPORT_BYTES is refused, so a larger base is imported in as few pieces as
     * fit (reported). */
    int pieces = 0;
    free(jl.p);
    jl = (struct buf){0};
    t0 = now_s();
    if (read_file(jsonl_path, &jl))
        goto out;
    if (o.sanad && sanad_init(o.sanad, db_path))
        goto out;
    kb = kb_open(db_path, KB_OPEN_CREATE, &err);
    if (!kb) {
        fprintf(stderr, "bench_kb: kb_open %s: %s\n", db_path, err.msg);
        goto out;
    }
    for (size_t at = 0, i = 0; i < (size_t)o.n;) {
        size_t j = i;
        while (j < (size_t)o.n && line_end[j] - at <= KB_MAX_IMPORT_BYTES)
            j++;
        if (j == i) {
            fprintf(stderr, "bench_kb: entry %zu alone is past the import limit\n", i);
            goto out;
        }
        struct kb_import_stats st;
        if (kb_import(kb, KB_FMT_JSONL, jl.p + at, line_end[j - 1] - at, &st, &err) != SN_OK) {
            fprintf(stderr, "bench_kb: kb_import: %s\n", err.msg);
            goto out;
        }
        if (st.added != (int)(j - i)) {
            fprintf(stderr, "bench_kb: kb_import added %d of %zu\n", st.added, j - i);
            goto out;
        }
        pieces++;
        at = line_end[j - 1];
        i = j;
    }
    kb_close(kb); /* the last connection checkpoints the WAL into the file */
    kb = NULL;
    double build_s = now_s() - t0;
    double rss_build = peak_rss_mib();
    double ours_mib = db_mib(db_path);
    free(line_end);
    line_end = NULL;
    free(jl.p);
    jl = (struct buf){0};

    /* 3. our queries: a fresh connection, as the server would open it */
    kb = kb_open(db_path, 0, &err);
    if (!kb) {
        fprintf(stderr, "bench_kb: kb_open %s: %s\n", db_path, err.msg);
        goto out;
    }
    struct kb_search_opts so;
    kb_search_opts_init(&so);
    so.k = 5;
    int answered = 0, para = 0, para_top1 = 0, para_top5 = 0;
    for (int i = 0; i < o.warmup; i++) {
        struct kb_results *r = NULL;
        if (kb_search(kb, qs[i % o.nq].text, &so, &r, &err) != SN_OK) {
            fprintf(stderr, "bench_kb: kb_search \"%s\": %s\n", qs[i % o.nq].text, err.msg);
            goto out;
        }
        kb_results_free(r);
    }
    for (int round = 0; round < o.rounds; round++)
        for (int i = 0; i < o.nq; i++) {
            struct kb_results *r = NULL;
            double a = now_s();
            int src = kb_search(kb, qs[i].text, &so, &r, &err);
            times[round * o.nq + i] = now_s() - a;
            if (src != SN_OK) {
                fprintf(stderr, "bench_kb: kb_search \"%s\": %s\n", qs[i].text, err.msg);
                goto out;
            }
            if (round == 0) {
                char want[16];
                snprintf(want, sizeof want, "b%06d", qs[i].expect);
                answered += r->n > 0;
                if (qs[i].expect >= 0) {
                    para++;
                    for (int h = 0; h < r->n; h++)
                        if (!strcmp(r->v[h].id, want)) {
                            para_top1 += h == 0;
                            para_top5++;
                        }
                }
            }
            kb_results_free(r);
        }
    struct lat ours = lat_stats(times, o.nq * o.rounds);
    double rss_query = peak_rss_mib();
    kb_close(kb);
    kb = NULL;

    /* 4. the plain baseline, same entries, same questions */
    struct lat plain = {0};
    double plain_build_s = 0, plain_mib = 0;
    int plain_answered = 0, plain_top1 = 0, plain_top5 = 0;
    if (o.plain) {
        t0 = now_s();
        if (sqlite3_open(plain_path, &pdb) != SQLITE_OK) {
            fprintf(stderr, "bench_kb: open %s: %s\n", plain_path, sqlite3_errmsg(pdb));
            goto out;
        }
        if (plain_exec(pdb, "PRAGMA journal_mode=WAL") ||
            plain_exec(pdb, "CREATE VIRTUAL TABLE t USING fts5(question, variants, answer,"
                            " tokenize='unicode61 remove_diacritics 2')") ||
            plain_exec(pdb, "BEGIN"))
            goto out;
        if (sqlite3_prepare_v2(pdb, "INSERT INTO t(rowid, question, variants, answer)"
                                    " VALUES (?1, ?2, ?3, ?4)",
                               -1, &ins, NULL) != SQLITE_OK) {
            fprintf(stderr, "bench_kb: plain insert: %s\n", sqlite3_errmsg(pdb));
            goto out;
        }
        /* Regenerate the same rows (same seed, same draws); that time is not build time. */
        double regen_s = 0;
        rng_state = o.seed;
        for (int i = 0; i < o.n; i++) {
            struct gen_entry ge;
            double a = now_s();
            jl.len = 0;
            write_entry(&jl, i, &ge, &pq, &pv, &pa);
            regen_s += now_s() - a;
            sqlite3_bind_int64(ins, 1, i + 1);
            sqlite3_bind_text(ins, 2, pq.p, (int)pq.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, pv.p, (int)pv.len, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, pa.p, (int)pa.len, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "bench_kb: plain insert: %s\n", sqlite3_errmsg(pdb));
                goto out;
            }
            sqlite3_reset(ins);
        }
        sqlite3_finalize(ins);
        ins = NULL;
        if (plain_exec(pdb, "COMMIT") || plain_exec(pdb, "PRAGMA wal_checkpoint(TRUNCATE)"))
            goto out;
        plain_build_s = now_s() - t0 - regen_s;
        plain_mib = db_mib(plain_path);

        if (sqlite3_prepare_v2(pdb, "SELECT rowid, bm25(t) FROM t WHERE t MATCH ?"
                                    " ORDER BY bm25(t) LIMIT 5",
                               -1, &sel, NULL) != SQLITE_OK) {
            fprintf(stderr, "bench_kb: plain select: %s\n", sqlite3_errmsg(pdb));
            goto out;
        }
        for (int pass = 0; pass < 2; pass++) {
            int count = pass == 0 ? o.warmup : o.nq * o.rounds;
            for (int i = 0; i < count; i++) {
                const struct bench_query *q = &qs[i % o.nq];
                int rank = 0, s;
                double a = now_s();
                plain_match(q->text, &m);
                sqlite3_bind_text(sel, 1, m.p, (int)m.len, SQLITE_STATIC);
                while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
                    long long id = sqlite3_column_int64(sel, 0);
                    (void)sqlite3_column_double(sel, 1);
                    if (pass == 1 && i < o.nq && q->expect >= 0 && id == q->expect + 1) {
                        plain_top1 += rank == 0;
                        plain_top5++;
                    }
                    rank++;
                }
                sqlite3_reset(sel);
                if (pass == 1)
                    times[i] = now_s() - a;
                if (s != SQLITE_DONE) {
                    fprintf(stderr, "bench_kb: plain query \"%s\": %s\n", q->text,
                            sqlite3_errmsg(pdb));
                    goto out;
                }
                if (pass == 1 && i < o.nq)
                    plain_answered += rank > 0;
            }
        }
        plain = lat_stats(times, o.nq * o.rounds);
    }
    double rss_end = peak_rss_mib();

    /* 5. report */
    printf("== kb bench: N = %d entries (%.0f%% ar), %d queries x %d round(s), warm-up %d, "
           "k = 5\n",
           o.n, 100.0 * 2 / 3, o.nq, o.rounds, o.warmup);
    printf("  generate     %8.2f s   JSON Lines %.1f MiB\n", gen_s, jsonl_mib);
    printf("  build (ours) %8.2f s   db %.1f MiB   (%sread kb.jsonl, kb_open, %d kb_import"
           " transaction%s, kb_close)\n",
           build_s, ours_mib, o.sanad ? "sanad kb init, " : "", pieces, pieces == 1 ? "" : "s");
    printf("  synonyms     %s\n", o.sanad ? "the defaults of `sanad kb init`" : "none");
    if (o.plain)
        printf("  build plain  %8.2f s   db %.1f MiB\n", plain_build_s, plain_mib);
    printf("\n  %-14s %8s %8s %8s %8s %8s %9s\n", "latency (ms)", "p50", "p90", "p99", "max",
           "mean", "queries/s");
    printf("  %-14s %8.3f %8.3f %8.3f %8.3f %8.3f %9.0f\n", "kb_search", ours.p50, ours.p90,
           ours.p99, ours.max, ours.mean, ours.qps);
    if (o.plain) {
        printf("  %-14s %8.3f %8.3f %8.3f %8.3f %8.3f %9.0f\n", "plain FTS5 OR", plain.p50,
               plain.p90, plain.p99, plain.max, plain.mean, plain.qps);
        printf("  %-14s %8.2f %8s %8.2f\n", "ours / plain", ours.p50 / plain.p50, "",
               ours.p99 / plain.p99);
    }
    printf("\n  sanity (not a quality measure): queries with a hit: ours %.1f%%",
           100.0 * answered / o.nq);
    if (o.plain)
        printf(", plain %.1f%%", 100.0 * plain_answered / o.nq);
    printf("\n  paraphrased queries (%d) whose source entry is top-1 / in top-5: ours %.1f%% / "
           "%.1f%%",
           para, para ? 100.0 * para_top1 / para : 0, para ? 100.0 * para_top5 / para : 0);
    if (o.plain)
        printf(", plain %.1f%% / %.1f%%", para ? 100.0 * plain_top1 / para : 0,
               para ? 100.0 * plain_top5 / para : 0);
    printf("\n  peak RSS (MiB): after generate %.1f, after build %.1f, after our queries %.1f, "
           "after plain %.1f\n\n",
           rss_gen, rss_build, rss_query, rss_end);
    printf("{\"n\":%d,\"build_s\":%.3f,\"db_mib\":%.2f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
           "\"qps\":%.0f,\"plain_p50_ms\":%.4f,\"plain_p99_ms\":%.4f,\"peak_rss_mib\":%.1f}\n",
           o.n, build_s, ours_mib, ours.p50, ours.p99, ours.qps, plain.p50, plain.p99, rss_query);
    rc = 0;

out:
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    if (pdb)
        sqlite3_close(pdb);
    kb_close(kb);
    if (o.keep) {
        fprintf(stderr, "bench_kb: kept %s, %s, %s\n", jsonl_path, db_path, plain_path);
    } else {
        rm_db(db_path);
        rm_db(plain_path);
        unlink(jsonl_path);
        if (made_dir)
            rmdir(tmpl);
    }
    for (int i = 0; qs && i < o.nq; i++)
        free(qs[i].text);
    free(qs);
    free(ents);
    free(times);
    free(line_end);
    free(jl.p);
    free(pq.p);
    free(pv.p);
    free(pa.p);
    free(m.p);
    vocab_fini();
    return rc;
}
