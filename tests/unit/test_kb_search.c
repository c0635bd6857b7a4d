/* Unit tests for kb_search() and the writes that change what it finds, against a real
 * SQLite file: each test gets a fresh knowledge base in its own mkdtemp directory (removed
 * in teardown) holding the bilingual entries of `seeds` below.
 *
 * What is asserted are the properties issue 2 names, not exact scores: the right entry
 * first, confidence in [0,1] and bands consistent with the thresholds, FTS5 syntax and SQL
 * in a question being plain text, the documented error codes, drafts never found, edits,
 * removals, reverts and synonyms changing what matches, and explain describing the
 * analysis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/base.h"
#include "kb/entry.h"
#include "kb/calib.h"
#include "kb/filler.h"
#include "kb/kb.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture ---- */

struct seed {
    const char *id, *lang, *category, *question;
    const char *variants[4];
    const char *answer;
    const char *keywords[4];
};

static const struct seed seeds[] = {
    {"ar-bill",
     "ar",
     "billing",
     "كيف أدفع الفاتورة الشهرية؟",
     {"ابغى اسدد فاتورتي", "طريقة سداد الفاتوره"},
     "ادفع من تطبيق سند أو من موقعنا بالبطاقة البنكية، أو من أي فرع.",
     {"سداد", "دفع"}},
    {"ar-sim",
     "ar",
     "sim",
     "كيف أستبدل الشريحة التالفة؟",
     {"الشريحه مش شغالة", "بدل فاقد للشريحة"},
     "زر أقرب فرع مع الهوية، والاستبدال مجاني.",
     {"شريحة"}},
    {"ar-internet",
     "ar",
     "internet",
     "الإنترنت بطيء عندي",
     {"سرعة الانترنت ضعيفة", "النت فاصل"},
     "أعد تشغيل الجهاز وتأكد من رصيد الباقة.",
     {0}},
    {"ar-roaming",
     "ar",
     "roaming",
     "كيف أفعّل التجوال الدولي؟",
     {"تفعيل الرومنج قبل السفر"},
     "فعّله من التطبيق قبل السفر بيوم.",
     {0}},
    {"ar-cancel",
     "ar",
     "account",
     "أريد إلغاء الاشتراك",
     {0},
     "يمكنك إلغاء الاشتراك من صفحة الحساب في أي وقت.",
     {0}},
    {"ar-iphone",
     "ar",
     "store",
     "هل يتوفر iPhone 15 بالتقسيط؟",
     {"ايفون ١٥ تقسيط"},
     "نعم، على 12 شهراً بدون فوائد.",
     {0}},
    {"en-refund",
     "en",
     "returns",
     "How do I get a refund?",
     {"refund my order", "I want my money back"},
     "Refunds go back to the original payment method within 5 working days.",
     {"refund", "return"}},
    {"en-delivery",
     "en",
     "delivery",
     "How long does delivery take?",
     {"when will my parcel arrive"},
     /* holds FTS5 keywords and SQL words, so hostile questions reach MATCH with them */
     "Parcels arrive in 2 to 4 working days, or 1 day near our stores, and not on public "
     "holidays. We drop them at your door. Any question: call 900.",
     {0}},
    {"en-password",
     "en",
     "account",
     "I forgot my password",
     {"reset password", "can't log in to my account"},
     "Use Forgot password on the sign-in page and we email you a reset link.",
     {0}},
    {"en-iphone",
     "en",
     "store",
     "Is the iPhone 15 available in stores?",
     {0},
     "Yes, in all our shops and online.",
     {0}},
};

/* Synonyms every fixture base starts with (the examples). */
static const char *const seed_synonyms[][2] = {
    {"نت", "انترنت"}, {"موبايل", "هاتف"}, {"جوال", "هاتف"}};

struct fixture {
    char dir[256];
    char path[300];
    struct kb *kb;
};

static int count_strs(const char *const *v, int max)
{
    int n = 0;
    while (n < max && v[n])
        n++;
    return n;
}

static char **dup_strs(const char *const *v, int n)
{
    char **out = sn_xcalloc((size_t)n + 1, sizeof *out);
    for (int i = 0; i < n; i++)
        out[i] = sn_xstrdup(v[i]);
    return out;
}

static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = sn_xstrdup(s);
}

/* A new published entry owned by the caller. */
static struct kb_entry *
make_entry(const char *id, const char *lang, const char *question, const char *answer)
{
    struct kb_entry *e = kb_entry_new();
    set_str(&e->id, id);
    snprintf(e->lang, sizeof e->lang, "%s", lang);
    set_str(&e->question, question);
    set_str(&e->answer, answer);
    return e;
}

static struct kb_entry *seed_entry(const struct seed *s)
{
    struct kb_entry *e = make_entry(s->id, s->lang, s->question, s->answer);
    set_str(&e->category, s->category);
    e->n_variants = count_strs(s->variants, 4);
    e->variants = dup_strs(s->variants, e->n_variants);
    e->n_keywords = count_strs(s->keywords, 4);
    e->keywords = dup_strs(s->keywords, e->n_keywords);
    return e;
}

static void add_entry(struct kb *kb, struct kb_entry *e)
{
    struct sn_err err = {0};
    if (kb_entry_add(kb, e, &err) != SN_OK)
        fail_msg("kb_entry_add %s: %s", e->id, err.msg);
}

static int setup(void **state)
{
    struct fixture *f = sn_xcalloc(1, sizeof *f);
    struct sn_err err = {0};
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/sanad-search-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        perror("mkdtemp");
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/kb.db", f->dir);
    f->kb = kb_open(f->path, KB_OPEN_CREATE, &err);
    if (!f->kb) {
        fprintf(stderr, "kb_open: %s\n", err.msg);
        rmdir(f->dir);
        free(f);
        return -1;
    }
    for (size_t i = 0; i < N_ELEMS(seed_synonyms); i++)
        if (kb_synonym_add(f->kb, seed_synonyms[i][0], seed_synonyms[i][1], &err) != SN_OK) {
            fprintf(stderr, "synonym %s: %s\n", seed_synonyms[i][0], err.msg);
            *state = f;
            return -1;
        }
    for (size_t i = 0; i < N_ELEMS(seeds); i++) {
        struct kb_entry *e = seed_entry(&seeds[i]);
        int rc = kb_entry_add(f->kb, e, &err);
        kb_entry_free(e);
        if (rc != SN_OK) {
            fprintf(stderr, "seed %s: %s\n", seeds[i].id, err.msg);
            *state = f;
            return -1;
        }
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[320];
    int rc = 0;
    if (!f)
        return 0;
    kb_close(f->kb);
    for (size_t i = 0; i < N_ELEMS(suffix); i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    if (rmdir(f->dir) != 0) {
        perror(f->dir); /* something else was left in the directory */
        rc = -1;
    }
    free(f);
    return rc;
}

/* ---- search helpers ---- */

static struct kb_results *search_opts(struct kb *kb, const char *q, const struct kb_search_opts *o)
{
    struct kb_results *r = NULL;
    struct sn_err err = {0};
    int rc = kb_search(kb, q, o, &r, &err);
    if (rc != SN_OK)
        fail_msg("kb_search \"%s\": rc %d (%s)", q, rc, err.msg);
    assert_non_null(r);
    assert_true(r->n >= 0 && r->n <= o->k);
    return r;
}

static struct kb_results *search(struct kb *kb, const char *q)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    return search_opts(kb, q, &o);
}

static int find_hit(const struct kb_results *r, const char *id)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->v[i].id, id) == 0)
            return i;
    return -1;
}

static void describe(const struct kb_results *r, char *buf, size_t n)
{
    buf[0] = 0;
    for (int i = 0; i < r->n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s(%.2f %s)", i ? ", " : "", r->v[i].id, r->v[i].confidence,
                 kb_band_name(r->v[i].band));
    }
}

/* The question's top hit is id. */
static void assert_top(struct kb *kb, const char *q, const char *id)
{
    char got[1024];
    struct kb_results *r = search(kb, q);
    int ok = r->n > 0 && strcmp(r->v[0].id, id) == 0;
    describe(r, got, sizeof got);
    kb_results_free(r);
    if (!ok)
        fail_msg("\"%s\": want %s first, got [%s]", q, id, got);
}

/* id is not among the question's hits. */
static void assert_absent(struct kb *kb, const char *q, const char *id)
{
    char got[1024];
    struct kb_results *r = search(kb, q);
    int found = find_hit(r, id) >= 0;
    describe(r, got, sizeof got);
    kb_results_free(r);
    if (found)
        fail_msg("\"%s\": %s should not be found, got [%s]", q, id, got);
}

/* Every seed is still stored and its own question still finds it first. */
static void assert_seeds_intact(struct kb *kb)
{
    struct kb_entry_list l;
    struct kb_filter all = {.status = -1};
    struct sn_err err = {0};
    kb_entry_list_init(&l);
    assert_int_equal(kb_entry_list(kb, &all, &l, &err), SN_OK);
    assert_int_equal(l.n, N_ELEMS(seeds));
    kb_entry_list_fini(&l);
    for (size_t i = 0; i < N_ELEMS(seeds); i++)
        assert_top(kb, seeds[i].question, seeds[i].id);
}

/* ---- finding the right entry ---- */

static const struct {
    const char *q, *id;
} normal_cases[] = {
    {"كيف أدفع الفاتورة الشهرية؟", "ar-bill"}, /* the question itself */
    {"كيف ادفع فاتورتي", "ar-bill"},
    {"ابي اسدد الفاتوره", "ar-bill"},
    {"الشريحة تالفة", "ar-sim"},
    {"شريحتي مش شغالة", "ar-sim"},
    {"الانترنت بطيء", "ar-internet"},
    {"سرعة النت ضعيفة جدا", "ar-internet"},
    {"نت بطيء", "ar-internet"}, /* synonym نت -> انترنت */
    {"تفعيل التجوال", "ar-roaming"},
    {"إلغاء الاشتراكات", "ar-cancel"},
    {"ايفون ١٥ بالتقسيط", "ar-iphone"},
    {"How do I get a refund?", "en-refund"},
    {"refunds", "en-refund"},
    {"how long is delivery", "en-delivery"},
    {"How do I reset my password", "en-password"}, /* "how do I" must not pull en-refund */
    {"FORGOT PASSWORD", "en-password"},
};

static void test_normal_questions(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < N_ELEMS(normal_cases); i++)
        assert_top(f->kb, normal_cases[i].q, normal_cases[i].id);
}

/* A hit carries the stored entry's fields. */
static void test_hit_fields(void **state)
{
    struct fixture *f = *state;
    struct kb_results *r = search(f->kb, "كيف ادفع فاتورتي");
    assert_true(r->n >= 1);
    assert_string_equal(r->v[0].id, "ar-bill");
    assert_string_equal(r->v[0].lang, "ar");
    assert_string_equal(r->v[0].category, "billing");
    assert_string_equal(r->v[0].question, seeds[0].question);
    assert_string_equal(r->v[0].answer, seeds[0].answer);
    assert_null(r->explain);
    kb_results_free(r);
    kb_results_free(NULL);
}

/* ---- confidence and bands ---- */

/* The band of confidence c under the thresholds the search applied (from the precision
 * targets unless o overrides them). */
static int band_for(double c, const struct kb_results *r)
{
    return c >= r->answer_at ? KB_BAND_HIGH : c >= r->suggest_at ? KB_BAND_MEDIUM : KB_BAND_LOW;
}

static void test_confidence_and_bands(void **state)
{
    struct fixture *f = *state;
    static const char *const qs[] = {
        "How do I get a refund?",
        "refund",
        "how",
        "order",
        "الفاتورة",
        "كيف",
        "الشريحة والانترنت والفاتورة",
        "iPhone 15",
        "password delivery refund",
    };
    static const double th[][2] = {
        {KB_DEFAULT_HIGH, KB_DEFAULT_MEDIUM}, {0.9, 0.1}, {0.0, 0.0}, {1.01, 1.01}, {0.4, 0.4},
    };
    for (size_t i = 0; i < N_ELEMS(qs); i++) {
        double top_conf = -1;
        for (size_t t = 0; t < N_ELEMS(th); t++) {
            struct kb_search_opts o;
            kb_search_opts_init(&o);
            o.k = KB_MAX_K;
            o.high = th[t][0];
            o.medium = th[t][1];
            struct kb_results *r = search_opts(f->kb, qs[i], &o);
            for (int h = 0; h < r->n; h++) {
                const struct kb_hit *x = &r->v[h];
                if (!(x->confidence >= 0 && x->confidence <= 1))
                    fail_msg("\"%s\" %s: confidence %f", qs[i], x->id, x->confidence);
                if (!(x->score >= 0 && x->score <= 1))
                    fail_msg("\"%s\" %s: score %f", qs[i], x->id, x->score);
                if (x->band != band_for(x->confidence, r))
                    fail_msg("\"%s\" %s: confidence %f with bands %.2f/%.2f gave band %s", qs[i],
                             x->id, x->confidence, o.high, o.medium, kb_band_name(x->band));
                if (h > 0 && x->score > r->v[h - 1].score)
                    fail_msg("\"%s\": hit %d scores above hit %d", qs[i], h, h - 1);
                if (h > 0 && x->confidence > r->v[0].confidence)
                    fail_msg("\"%s\": hit %d is more confident than the top hit", qs[i], h);
                for (int j = 0; j < h; j++)
                    if (strcmp(r->v[j].id, x->id) == 0)
                        fail_msg("\"%s\": %s returned twice", qs[i], x->id);
            }
            /* thresholds change the band and the caps that keep a hit under it, never the
             * model's probability */
            if (r->n && top_conf >= 0 && r->v[0].p != top_conf)
                fail_msg("\"%s\": confidence moved with the thresholds", qs[i]);
            if (r->n)
                top_conf = r->v[0].p;
            kb_results_free(r);
        }
    }
    assert_string_equal(kb_band_name(KB_BAND_HIGH), "high");
    assert_string_equal(kb_band_name(KB_BAND_MEDIUM), "medium");
    assert_string_equal(kb_band_name(KB_BAND_LOW), "low");
}

/* An entry's own question is a confident answer; a question about nothing in the base is
 * not. */
static void test_confidence_separates(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < N_ELEMS(seeds); i++) {
        struct kb_results *r = search(f->kb, seeds[i].question);
        assert_true(r->n >= 1);
        if (r->v[0].band != KB_BAND_HIGH)
            fail_msg("\"%s\": own question only %.2f (%s)", seeds[i].question, r->v[0].confidence,
                     kb_band_name(r->v[0].band));
        kb_results_free(r);
    }
    static const char *const oos[] = {"What is the capital of France?", "ما هي عاصمة فرنسا",
                                      "recipe for chocolate cake"};
    for (size_t i = 0; i < N_ELEMS(oos); i++) {
        struct kb_results *r = search(f->kb, oos[i]);
        if (r->n && r->v[0].band == KB_BAND_HIGH)
            fail_msg("out of scope \"%s\" answered by %s at %.2f", oos[i], r->v[0].id,
                     r->v[0].confidence);
        kb_results_free(r);
    }
}

static void test_k(void **state)
{
    struct fixture *f = *state;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    assert_int_equal(o.k, 5);
    assert_null(o.lang);
    assert_int_equal(o.explain, 0);
    assert_true(o.high == KB_DEFAULT_HIGH && o.medium == KB_DEFAULT_MEDIUM);
    static const char q[] = "refund password delivery iPhone";
    o.k = 1;
    struct kb_results *r = search_opts(f->kb, q, &o);
    assert_int_equal(r->n, 1);
    kb_results_free(r);
    o.k = 3;
    r = search_opts(f->kb, q, &o);
    assert_int_equal(r->n, 3);
    kb_results_free(r);
    o.k = KB_MAX_K;
    r = search_opts(f->kb, q, &o);
    assert_true(r->n >= 5 && r->n <= KB_MAX_K);
    kb_results_free(r);
}

/* ---- hostile questions ---- */

static const char *const fts5_syntax[] = {
    "\"",
    "\"\"",
    "\"\"\"",
    "NEAR(a b)",
    "NEAR(",
    "a*",
    "*",
    "^a",
    "-a",
    "a OR b",
    "a AND b",
    "a NOT b",
    "OR",
    "AND",
    "NOT",
    "question:a",
    "{question}:a",
    "{question answer}: refund",
    "- question : a",
    "(a",
    ")",
    "a + b",
    "'; DROP TABLE entries; --",
    ") OR 1=1 --",
    "' OR '1'='1",
    "1; DELETE FROM entries",
    "\x01refund", /* the tokenizer's raw-token mark */
    "\x01\"",
    "rank:1",
    "kb_fts MATCH '*'",
    "الفاتورة\" OR \"*",
    "\"الفاتورة",
};

static void test_fts5_syntax_is_text(void **state)
{
    struct fixture *f = *state;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.k = KB_MAX_K;
    for (size_t i = 0; i < N_ELEMS(fts5_syntax); i++) {
        char q[256];
        for (int explain = 0; explain < 2; explain++) {
            o.explain = explain;
            kb_results_free(search_opts(f->kb, fts5_syntax[i], &o));
        }
        /* inside a real question: still the right entry, the syntax is just more words */
        snprintf(q, sizeof q, "how do I get a refund %s", fts5_syntax[i]);
        assert_top(f->kb, q, "en-refund");
        snprintf(q, sizeof q, "%s كيف أدفع الفاتورة", fts5_syntax[i]);
        assert_top(f->kb, q, "ar-bill");
    }
    /* The operators are searched as the words they are: en-delivery's answer holds them. */
    static const char *const as_words[] = {
        "NEAR(a b)", "a NOT b", "OR", "question:a", "'; DROP TABLE entries; --", ") OR 1=1 --"};
    o.explain = 0;
    for (size_t i = 0; i < N_ELEMS(as_words); i++) {
        struct kb_results *r = search_opts(f->kb, as_words[i], &o);
        int found = find_hit(r, "en-delivery") >= 0;
        kb_results_free(r);
        if (!found)
            fail_msg("\"%s\" did not find the entry holding its words", as_words[i]);
    }
    assert_seeds_intact(f->kb);
}

static void test_invalid_utf8(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {
        "\xFF",         "refund \xC0\xAF",  "\xED\xA0\x80",
        "الفاتورة\xD8", "\xC1\x81\xC1\x82", "\xF4\x90\x80\x80",
        "ok \x80 ok",
    };
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        struct kb_results *r = (struct kb_results *)1;
        struct sn_err err = {0};
        int rc = kb_search(f->kb, bad[i], &o, &r, &err);
        if (rc != SN_EINVAL)
            fail_msg("bad UTF-8 #%zu: rc %d, want SN_EINVAL", i, rc);
        assert_int_equal(err.code, SN_EINVAL);
        assert_true(err.msg[0] != 0);
        assert_null(r);
    }
    assert_seeds_intact(f->kb);
}

static char *repeat(const char *unit, size_t bytes)
{
    size_t ul = strlen(unit), n = 0;
    char *s = sn_xmalloc(bytes + 1);
    while (n + ul <= bytes) {
        memcpy(s + n, unit, ul);
        n += ul;
    }
    while (n < bytes)
        s[n++] = ' ';
    s[n] = 0;
    return s;
}

static void test_too_big(void **state)
{
    struct fixture *f = *state;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    static const size_t sizes[] = {KB_MAX_QUERY_BYTES + 1, KB_MAX_QUERY_BYTES + 100, 100000};
    for (size_t i = 0; i < N_ELEMS(sizes); i++) {
        char *q = repeat("refund ", sizes[i]);
        struct kb_results *r = (struct kb_results *)1;
        struct sn_err err = {0};
        assert_int_equal(kb_search(f->kb, q, &o, &r, &err), SN_ETOOBIG);
        assert_int_equal(err.code, SN_ETOOBIG);
        assert_null(r);
        free(q);
    }
    /* the cap itself is allowed, with many words and with many different ones */
    char *q = repeat("refund ", KB_MAX_QUERY_BYTES);
    struct kb_results *r = search(f->kb, q);
    assert_true(r->n >= 1);
    assert_string_equal(r->v[0].id, "en-refund");
    kb_results_free(r);
    free(q);
    q = repeat("الفاتورة الشريحة الانترنت التجوال iPhone ١٥ ", KB_MAX_QUERY_BYTES);
    kb_results_free(search(f->kb, q));
    free(q);
    char many[KB_MAX_QUERY_BYTES + 1];
    size_t n = 0;
    for (int w = 0; n + 8 < sizeof many; w++)
        n += (size_t)snprintf(many + n, sizeof many - n, "w%d ", w);
    kb_results_free(search(f->kb, many));
    assert_seeds_intact(f->kb);
}

static void test_empty_and_blank(void **state)
{
    struct fixture *f = *state;
    static const char *const blank[] = {
        "",
        " ",
        "   ",
        "\t\n\r",
        "\xC2\xA0",
        "\xE3\x80\x80",
        "\xE2\x80\x8C",
        "\xE2\x80\xAE",
        "؟؟؟",
        "...",
        "😀",
        "\x01\x02\x1F",
    };
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    for (size_t i = 0; i < N_ELEMS(blank); i++) {
        for (int explain = 0; explain < 2; explain++) {
            o.explain = explain;
            struct kb_results *r = search_opts(f->kb, blank[i], &o);
            if (r->n != 0)
                fail_msg("blank question #%zu gave %d hits", i, r->n);
            if (explain)
                assert_non_null(r->explain);
            kb_results_free(r);
        }
    }
}

/* Only stop words: the query is not left empty. */
static void test_stop_words_only(void **state)
{
    struct fixture *f = *state;
    struct kb_results *r = search(f->kb, "how do I");
    assert_true(r->n >= 1);
    kb_results_free(r);
    r = search(f->kb, "كيف");
    assert_true(r->n >= 1);
    kb_results_free(r);
}

/* A stop word whose synonym is a stop word stays one (كيفاش -> كيف weighs a tenth, like
 * كيف); a synonym that gives a stop word a content word as its meaning makes it content. */
static void test_stop_word_synonyms(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.explain = 1;
    assert_int_equal(kb_synonym_add(f->kb, "كيفاش", "كيف", &err), SN_OK);
    struct kb_results *r = search_opts(f->kb, "كيفاش نشحن الرصيد", &o);
    assert_non_null(r->explain);
    const char *line = strstr(r->explain, "كيفاش ->");
    assert_non_null(line);
    const char *eol = strchr(line, '\n');
    assert_non_null(eol);
    const char *stop = strstr(line, "stop-word");
    if (!stop || stop > eol)
        fail_msg("كيفاش lost its stop-word weight:\n%s", r->explain);
    kb_results_free(r);

    assert_int_equal(kb_synonym_add(f->kb, "وش", "رصيد", &err), SN_OK);
    r = search_opts(f->kb, "وش الباقة", &o);
    line = strstr(r->explain, "وش ->");
    assert_non_null(line);
    eol = strchr(line, '\n');
    stop = strstr(line, "stop-word");
    if (stop && stop < eol)
        fail_msg("a stop word given a content synonym is still a stop word:\n%s", r->explain);
    kb_results_free(r);
}

/* kb_filler_mark on word sequences: phrases anywhere, desire verbs only before a word,
 * phrases cut short not marked, marks already set kept. */
static void test_filler_mark(void **state)
{
    (void)state;
    static const struct {
        const char *words; /* space-separated folded words */
        const char *want;  /* one 0/1 per word */
    } cases[] = {
        {"بدي اعرف رصيدي", "110"},
        {"ممكن تقولي كيف ادفع الفاتوره", "11000"},
        {"السلام عليكم لو سمحت الفاتوره", "11110"}, /* a greeting is filler too */
        {"بدي", "0"},              /* a desire verb alone is the question */
        {"بدي امسح حسابي", "100"}, /* before a word: the request, not its subject */
        {"لو", "0"},               /* the first word of a phrase alone */
        {"can you tell me my balance", "111100"},
        {"i want to know", "1111"},
        {"tell me", "11"},
        {"balance tell", "00"},
        {"ممكن", "0"},
        {"", ""},
    };
    for (size_t c = 0; c < N_ELEMS(cases); c++) {
        char buf[256];
        const char *norm[16];
        int len[16], n = 0;
        unsigned char mark[16] = {0};
        snprintf(buf, sizeof buf, "%s", cases[c].words);
        for (char *w = strtok(buf, " "); w && n < 16; w = strtok(NULL, " ")) {
            norm[n] = w;
            len[n++] = (int)strlen(w);
        }
        assert_int_equal(n, (int)strlen(cases[c].want));
        int marked = kb_filler_mark(norm, len, n, mark), want_marked = 0;
        for (int i = 0; i < n; i++) {
            want_marked += cases[c].want[i] == '1';
            if (mark[i] != (cases[c].want[i] == '1'))
                fail_msg("\"%s\": word %d marked %d, want %c", cases[c].words, i + 1, mark[i],
                         cases[c].want[i]);
        }
        assert_int_equal(marked, want_marked);
    }
    /* a mark set by the caller stays, and is not counted again */
    const char *norm[] = {"بدي", "اعرف", "رصيدي"};
    int len[] = {(int)strlen(norm[0]), (int)strlen(norm[1]), (int)strlen(norm[2])};
    unsigned char mark[3] = {0, 0, 1};
    assert_int_equal(kb_filler_mark(norm, len, 3, mark), 2);
    assert_true(mark[0] && mark[1] && mark[2]);
}

/* ---- writes change what is found ---- */

static void test_draft_publish_rm(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb_entry *e =
        make_entry("en-ship", "en", "Do you ship to Antarctica?", "Not yet, sorry.");
    e->status = KB_DRAFT;
    add_entry(f->kb, e);
    assert_absent(f->kb, "ship to Antarctica", "en-ship");
    assert_absent(f->kb, "Do you ship to Antarctica?", "en-ship");

    e->status = KB_PUBLISHED;
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_top(f->kb, "ship to Antarctica", "en-ship");

    e->status = KB_DRAFT; /* back to draft: gone again */
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_absent(f->kb, "ship to Antarctica", "en-ship");

    e->status = KB_PUBLISHED;
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_top(f->kb, "ship to Antarctica", "en-ship");
    assert_int_equal(kb_entry_rm(f->kb, "en-ship", &err), SN_OK);
    assert_absent(f->kb, "ship to Antarctica", "en-ship");
    assert_null(kb_entry_get(f->kb, "en-ship", &err));
    assert_int_equal(err.code, SN_ENOTFOUND);
    assert_int_equal(kb_entry_rm(f->kb, "en-ship", &err), SN_ENOTFOUND);
    kb_entry_free(e);

    /* a seed removed: its own question no longer finds it, the others are untouched */
    assert_int_equal(kb_entry_rm(f->kb, "ar-sim", &err), SN_OK);
    assert_absent(f->kb, seeds[1].question, "ar-sim");
    for (size_t i = 0; i < N_ELEMS(seeds); i++)
        if (strcmp(seeds[i].id, "ar-sim") != 0)
            assert_top(f->kb, seeds[i].question, seeds[i].id);
}

static void test_edit_changes_matches(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    static const char old_q[] = "Is the iPhone 15 available in stores?";
    assert_top(f->kb, old_q, "en-iphone");
    struct kb_entry *e = kb_entry_get(f->kb, "en-iphone", &err);
    assert_non_null(e);
    set_str(&e->question, "Do you sell gift cards?");
    set_str(&e->answer, "Yes, from 50 to 500 SAR.");
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_absent(f->kb, old_q, "en-iphone");
    assert_absent(f->kb, "available in stores", "en-iphone");
    assert_top(f->kb, "gift cards", "en-iphone");
    assert_top(f->kb, "Do you sell gift cards?", "en-iphone");

    /* a variant added by an edit is matched too */
    for (int i = 0; i < e->n_variants; i++)
        free(e->variants[i]);
    free(e->variants);
    e->n_variants = 1;
    e->variants = dup_strs((const char *const[]){"voucher for a birthday"}, 1);
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_top(f->kb, "birthday voucher", "en-iphone");
    kb_entry_free(e);
}

static void test_lang_filter(void **state)
{
    struct fixture *f = *state;
    static const char *const langs[] = {"ar", "en"};
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.k = KB_MAX_K;
    struct kb_results *r = search_opts(f->kb, "iPhone 15", &o);
    assert_true(find_hit(r, "ar-iphone") >= 0);
    assert_true(find_hit(r, "en-iphone") >= 0);
    kb_results_free(r);
    for (size_t i = 0; i < N_ELEMS(langs); i++) {
        o.lang = langs[i];
        r = search_opts(f->kb, "iPhone 15", &o);
        assert_true(r->n >= 1);
        for (int h = 0; h < r->n; h++)
            if (strcmp(r->v[h].lang, langs[i]) != 0)
                fail_msg("lang %s: got %s (%s)", langs[i], r->v[h].id, r->v[h].lang);
        assert_true(find_hit(r, i == 0 ? "ar-iphone" : "en-iphone") >= 0);
        kb_results_free(r);
    }
    /* an Arabic question restricted to English finds nothing Arabic */
    o.lang = "en";
    r = search_opts(f->kb, "كيف أدفع الفاتورة", &o);
    for (int h = 0; h < r->n; h++)
        assert_string_equal(r->v[h].lang, "en");
    kb_results_free(r);
}

static int collect_syn(void *ctx, const char *term, const char *canonical)
{
    char *buf = ctx;
    size_t l = strlen(buf);
    snprintf(buf + l, 512 - l, "%s=%s;", term, canonical);
    return 0;
}

static void test_synonyms(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    char listed[512] = "";
    assert_absent(f->kb, "كنسله", "ar-cancel");
    assert_int_equal(kb_synonym_add(f->kb, "كنسله", "الغاء", &err), SN_OK);
    assert_top(f->kb, "كنسله", "ar-cancel");
    assert_top(f->kb, "كنسله الاشتراك", "ar-cancel");
    assert_int_equal(kb_synonym_each(f->kb, collect_syn, listed, &err), SN_OK);
    assert_non_null(strstr(listed, "كنسله=الغاء;"));

    /* the other examples: several dialect words for one canonical */
    assert_int_equal(kb_synonym_add(f->kb, "ابغى", "الغاء", &err), SN_OK);
    assert_int_equal(kb_synonym_add(f->kb, "بدي", "الغاء", &err), SN_OK);
    assert_top(f->kb, "بدي", "ar-cancel");

    assert_int_equal(kb_synonym_rm(f->kb, "كنسله", &err), SN_OK);
    assert_absent(f->kb, "كنسله", "ar-cancel");
    assert_int_equal(kb_synonym_rm(f->kb, "كنسله", &err), SN_ENOTFOUND);

    /* both sides must be single valid words */
    assert_int_equal(kb_synonym_add(f->kb, "عايز جدا", "اريد", &err), SN_EINVAL);
    assert_int_equal(kb_synonym_add(f->kb, "عايز", "", &err), SN_EINVAL);
    assert_int_equal(kb_synonym_add(f->kb, "", "اريد", &err), SN_EINVAL);
    assert_int_equal(kb_synonym_add(f->kb, "\xC0\xAF", "اريد", &err), SN_EINVAL);
    assert_int_equal(kb_synonym_add(f->kb, "😀", "اريد", &err), SN_EINVAL);
    assert_int_equal(kb_synonym_add(f->kb, "أريد", "اريد", &err), SN_EINVAL); /* same word */
    assert_seeds_intact(f->kb);
}

static int count_syn(void *ctx, const char *term, const char *canonical)
{
    (void)term;
    (void)canonical;
    (*(int *)ctx)++;
    return 0;
}

static int syn_count(struct kb *kb)
{
    struct sn_err err = {0};
    int n = 0;
    assert_int_equal(kb_synonym_each(kb, count_syn, &n, &err), SN_OK);
    return n;
}

/* The defaults' file format: every bad line refuses the whole file, naming the line. */
static void test_synonym_load(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    int added = -1, before = syn_count(f->kb);
    static const char good[] = "# a comment\n\nكنسله\tالغاء\r\nzorblax\troaming\n";
    static const char *const bad[] = {
        "كنسله\tالغاء\nno tab here\n", /* line 2: no tab */
        "كنسله\tالغاء\n\tالغاء\n",     /* empty term */
        "كنسله\t\n",                   /* empty canonical */
        "a\tb\tc\n",                   /* two tabs */
        "عايز جدا\tاريد\n",            /* two words: refused by the analyzer */
        "كنسله\tالغاء\nأريد\tاريد\n",  /* the same word: the first pair is undone */
        "\xC0\xAF\tاريد\n",            /* invalid UTF-8 */
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        assert_int_equal(kb_synonym_load(f->kb, bad[i], strlen(bad[i]), &added, &err), SN_EINVAL);
        assert_non_null(strstr(err.msg, "line "));
        assert_int_equal(added, 0);
        assert_int_equal(syn_count(f->kb), before);
    }
    static const char nul[] = "ab\0c\tx\n";
    assert_int_equal(kb_synonym_load(f->kb, nul, sizeof nul - 1, &added, &err), SN_EINVAL);
    assert_int_equal(syn_count(f->kb), before);
    assert_int_equal(kb_synonym_load(f->kb, good, strlen(good), &added, &err), SN_OK);
    assert_int_equal(added, 2);
    assert_int_equal(syn_count(f->kb), before + 2);
    assert_top(f->kb, "كنسله", "ar-cancel");
    assert_int_equal(kb_synonym_load(f->kb, "", 0, &added, &err), SN_OK);
    assert_int_equal(added, 0);
}

static void test_history_and_revert(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb_version *v = NULL;
    int n = 0;
    static const char q1[] = "What are your opening hours?";
    static const char q2[] = "Do you work on Fridays?";
    struct kb_entry *e = make_entry("en-hours", "en", q1, "9 to 5, Saturday to Thursday.");
    add_entry(f->kb, e);
    assert_int_equal(kb_history(f->kb, "en-hours", &v, &n, &err), SN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].version, 1);
    assert_string_equal(v[0].action, "add");
    kb_history_free(v, n);

    set_str(&e->question, q2);
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    set_str(&e->answer, "Yes, from 4 pm to 10 pm.");
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    kb_entry_free(e);
    assert_top(f->kb, "work on Fridays", "en-hours");
    assert_absent(f->kb, "opening hours", "en-hours");

    assert_int_equal(kb_history(f->kb, "en-hours", &v, &n, &err), SN_OK);
    assert_int_equal(n, 3); /* one version per write */
    for (int i = 0; i < n; i++)
        assert_int_equal(v[i].version, i + 1);
    assert_string_equal(v[1].action, "edit");
    assert_string_equal(v[2].action, "edit");
    assert_string_equal(v[0].entry->question, q1);
    assert_string_equal(v[1].entry->question, q2);
    assert_string_equal(v[2].entry->answer, "Yes, from 4 pm to 10 pm.");
    kb_history_free(v, n);

    assert_int_equal(kb_revert(f->kb, "en-hours", 1, &err), SN_OK);
    assert_top(f->kb, "opening hours", "en-hours");
    assert_absent(f->kb, "work on Fridays", "en-hours");
    e = kb_entry_get(f->kb, "en-hours", &err);
    assert_non_null(e);
    assert_string_equal(e->question, q1);
    assert_int_equal(e->version, 4);
    kb_entry_free(e);
    assert_int_equal(kb_history(f->kb, "en-hours", &v, &n, &err), SN_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[3].action, "revert");
    kb_history_free(v, n);

    /* removed, then brought back by a revert */
    assert_int_equal(kb_entry_rm(f->kb, "en-hours", &err), SN_OK);
    assert_absent(f->kb, "opening hours", "en-hours");
    assert_int_equal(kb_history(f->kb, "en-hours", &v, &n, &err), SN_OK);
    assert_int_equal(n, 5);
    assert_string_equal(v[4].action, "rm");
    kb_history_free(v, n);
    assert_int_equal(kb_revert(f->kb, "en-hours", 5, &err), SN_ENOTFOUND); /* the rm itself */
    assert_int_equal(kb_revert(f->kb, "en-hours", 99, &err), SN_ENOTFOUND);
    assert_int_equal(kb_revert(f->kb, "en-hours", 2, &err), SN_OK);
    assert_top(f->kb, "work on Fridays", "en-hours");
    assert_int_equal(kb_history(f->kb, "en-hours", &v, &n, &err), SN_OK);
    assert_int_equal(n, 6);
    kb_history_free(v, n);

    assert_int_equal(kb_history(f->kb, "no-such-id", &v, &n, &err), SN_ENOTFOUND);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(kb_revert(f->kb, "no-such-id", 1, &err), SN_ENOTFOUND);
}

static void test_explain(void **state)
{
    struct fixture *f = *state;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.explain = 1;
    struct kb_results *r = search_opts(f->kb, "كيف أدفع فاتورتي؟", &o);
    assert_non_null(r->explain);
    /* the analyzed (folded) words and the entry they matched */
    if (!strstr(r->explain, "ادفع") || !strstr(r->explain, "فاتورتي") ||
        !strstr(r->explain, "ar-bill"))
        fail_msg("explain lacks the analyzed words or the hit:\n%s", r->explain);
    kb_results_free(r);

    r = search_opts(f->kb, "How do I get a REFUND", &o);
    assert_non_null(r->explain);
    if (!strstr(r->explain, "refund") || !strstr(r->explain, "en-refund"))
        fail_msg("explain:\n%s", r->explain);
    kb_results_free(r);

    r = search(f->kb, "How do I get a REFUND");
    assert_null(r->explain);
    kb_results_free(r);
}

/* The first pass reads phrasings only; a question whose words are only in an answer still
 * finds that entry (the answer-column fallback). */
static void test_answer_only_words(void **state)
{
    struct fixture *f = *state;
    struct kb_entry *e = make_entry("en-hours", "en", "When are you open?",
                                    "Our branches welcome visitors from nine until midnight.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    struct kb_results *r = search(f->kb, "midnight visitors");
    assert_true(r->n > 0);
    assert_string_equal(r->v[0].id, "en-hours");
    kb_results_free(r);
}

/* Far more entries than the rerank takes share the question's common words; the one that
 * also holds its rare word must still be found first, whatever its row number. */
static void test_common_words_do_not_crowd_out(void **state)
{
    struct fixture *f = *state;
    char id[32], q[128];
    for (int i = 0; i < 150; i++) {
        snprintf(id, sizeof id, "en-order-%03d", i);
        snprintf(q, sizeof q, "How do I change my order number %d?", i);
        struct kb_entry *e = make_entry(id, "en", q, "From the app.");
        add_entry(f->kb, e);
        kb_entry_free(e);
    }
    struct kb_entry *e = make_entry("en-order-gift", "en", "How do I change my order gift wrapping?",
                                    "Before it ships, from the app.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    assert_top(f->kb, "change the gift wrapping of my order", "en-order-gift");
    assert_top(f->kb, "change my order number 149", "en-order-149");
    assert_top(f->kb, "change my order number 7", "en-order-007");
}

/* One word that covers a small part of a long phrasing is a guess: suggested, never
 * answered, even when no other entry competes. */
static void test_lone_partial_match_is_a_guess(void **state)
{
    struct fixture *f = *state;
    struct kb_entry *e = make_entry("en-checkout", "en",
                                    "Why did my card payment fail at checkout yesterday evening?",
                                    "Check the card limit and 3-D Secure.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    struct kb_results *r = search(f->kb, "checkout");
    assert_true(r->n > 0);
    assert_string_equal(r->v[0].id, "en-checkout");
    assert_true(r->v[0].band != KB_BAND_HIGH);
    assert_true(r->v[0].confidence < r->answer_at);
    kb_results_free(r);
    /* the whole question still answers */
    r = search(f->kb, "why did my card payment fail at checkout");
    assert_true(r->n > 0);
    assert_string_equal(r->v[0].id, "en-checkout");
    assert_int_equal(r->v[0].band, KB_BAND_HIGH);
    kb_results_free(r);
}

/* A broken plural meets its singular by root (مسجد / المساجد), even when many older
 * entries share the question's other words and would fill the rerank without it. */
static void test_broken_plural_by_root(void **state)
{
    static const char *const places[] = {"الفنادق", "المدارس", "الحدائق", "الشوارع",
                                         "المطاعم", "الجسور",  "الاسواق", "الملاعب"};
    struct fixture *f = *state;
    char id[32], q[160];
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "ar-count-%02d", i);
        snprintf(q, sizeof q, "كم عدد %s في المدينة رقم %d؟", places[i % 8], i);
        struct kb_entry *e = make_entry(id, "ar", q, "من دليل المدينة.");
        add_entry(f->kb, e);
        kb_entry_free(e);
    }
    struct kb_entry *e =
        make_entry("ar-mosques", "ar", "كم عدد المساجد في المدينة؟", "من دليل المدينة.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    assert_top(f->kb, "كم مسجد يوجد في المدينة", "ar-mosques");
    assert_top(f->kb, "كم عدد المدارس في المدينة رقم 9", "ar-count-09");
}

/* A one-word question that two entries hold equally is ambiguous, not unknown: its hits are
 * suggested (medium band), never answered and never dropped to "I don't know". */
static void test_ambiguous_full_cover_is_suggested(void **state)
{
    struct fixture *f = *state;
    struct kb_entry *e = make_entry("en-inv-pay", "en", "How do I pay my invoice?", "Online.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    e = make_entry("en-inv-see", "en", "Where can I see my invoice?", "In the app.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    struct kb_results *r = search(f->kb, "invoice");
    assert_true(r->n >= 2);
    assert_int_equal(r->v[0].band, KB_BAND_MEDIUM);
    assert_int_equal(r->v[1].band, KB_BAND_MEDIUM);
    kb_results_free(r);
    /* a question half of whose words no phrasing holds stays low */
    r = search(f->kb, "invoice for my zebra aquarium holiday");
    assert_true(r->n >= 1);
    assert_int_equal(r->v[0].band, KB_BAND_LOW);
    kb_results_free(r);
}

/* A typo in the one rare word of a question (a word the index does not know) still finds
 * the entry, through the nearest indexed spelling, even when many older entries share the
 * question's other words. */
static void test_typo_in_rare_word(void **state)
{
    static const char *const cities[] = {"باريس", "لندن", "روما", "مدريد", "برلين", "فيينا"};
    struct fixture *f = *state;
    char id[32], q[160];
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "ar-city-%02d", i);
        snprintf(q, sizeof q, "أين تقع مدينة %s رقم %d؟", cities[i % 6], i);
        struct kb_entry *e = make_entry(id, "ar", q, "في الاطلس.");
        add_entry(f->kb, e);
        kb_entry_free(e);
    }
    struct kb_entry *e = make_entry("ar-greenwich", "ar", "أين توجد مدينة جرينيتش؟", "في لندن.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    assert_top(f->kb, "أين تقع مدينة جزينيتش", "ar-greenwich");
    assert_top(f->kb, "أين تقع مدينة جرينيتش", "ar-greenwich");
}

/* The rare word that names the subject outweighs the common words that a family of
 * entries ("how big is X") shares, even when another entry matches those word for word. */
static void test_rare_subject_word_decides(void **state)
{
    static const char *const lands[] = {"فنلندا", "مصر",    "ايسلندا", "ايرلندا", "المغرب",
                                        "تونس",   "الاردن", "لبنان",   "عمان",    "قطر"};
    struct fixture *f = *state;
    char id[32], q[160];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "ar-area-%d", i);
        snprintf(q, sizeof q, "كم تبلغ مساحة %s؟", lands[i]);
        struct kb_entry *e = make_entry(id, "ar", q, "من الاطلس.");
        add_entry(f->kb, e);
        kb_entry_free(e);
    }
    struct kb_entry *e =
        make_entry("ar-area-nl", "ar", "ما مساحة هولندا؟", "من الاطلس.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    assert_top(f->kb, "كم تبلغ مساحة هولندا؟", "ar-area-nl");
    assert_top(f->kb, "كم تبلغ مساحة فنلندا؟", "ar-area-0");
    /* plain IDF weights put فنلندا first (it shares three words): the views disagree, so the
     * hit is at most suggested, never answered */
    struct kb_results *r = search(f->kb, "كم تبلغ مساحة هولندا؟");
    assert_true(r->n > 1);
    assert_true(r->v[0].confidence <= 0.40);
    assert_int_not_equal(r->v[0].band, KB_BAND_HIGH);
    kb_results_free(r);
}

/* Writes on the searching connection itself drop its cached postings at once. */
static void test_same_connection_writes(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    assert_top(f->kb, "refund", "en-refund"); /* warm the caches */
    struct kb_entry *e = make_entry("en-gift", "en", "Can I wrap a present?", "Yes, for 10 SAR.");
    add_entry(f->kb, e);
    kb_entry_free(e);
    assert_top(f->kb, "wrap a present", "en-gift");
    e = kb_entry_get(f->kb, "en-gift", &err);
    assert_non_null(e);
    set_str(&e->question, "Can I add a greeting card?");
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    kb_entry_free(e);
    assert_top(f->kb, "greeting card", "en-gift");
    assert_absent(f->kb, "wrap a present", "en-gift");
    assert_int_equal(kb_entry_rm(f->kb, "en-gift", &err), SN_OK);
    assert_absent(f->kb, "greeting card", "en-gift");
}

/* Writes through a second connection (the CLI while the server runs) are seen by the
 * first, whose cached statistics and synonyms must be dropped when the file changes. The
 * first connection searches before and after, so its caches are warm. */
static struct kb *open_other(const struct fixture *f)
{
    struct sn_err err = {0};
    struct kb *other = kb_open(f->path, 0, &err);
    if (!other)
        fail_msg("second kb_open: %s", err.msg);
    assert_top(f->kb, "refund", "en-refund"); /* warm the first connection's caches */
    return other;
}

static void test_second_connection_add(void **state)
{
    struct fixture *f = *state;
    struct kb *other = open_other(f);
    struct kb_entry *e = make_entry("en-gift", "en", "Can I wrap a present?", "Yes, for 10 SAR.");
    add_entry(other, e);
    kb_entry_free(e);
    kb_close(other);
    /* every word of this question is new to the index */
    assert_top(f->kb, "wrap a present", "en-gift");
}

static void test_second_connection_edit(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb *other = open_other(f);
    struct kb_entry *e = kb_entry_get(other, "en-delivery", &err);
    assert_non_null(e);
    set_str(&e->question, "Do you deliver on weekends?");
    assert_int_equal(kb_entry_update(other, e, &err), SN_OK);
    kb_entry_free(e);
    kb_close(other);
    assert_top(f->kb, "weekends", "en-delivery");
}

static void test_second_connection_synonym(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb *other = open_other(f);
    assert_top(f->kb, "refund", "en-refund"); /* loads the (empty) synonym map */
    assert_int_equal(kb_synonym_add(other, "كنسلي", "الغاء", &err), SN_OK);
    kb_close(other);
    assert_top(f->kb, "كنسلي", "ar-cancel");
}

static void test_second_connection_rm(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb *other = open_other(f);
    assert_int_equal(kb_entry_rm(other, "en-refund", &err), SN_OK);
    kb_close(other);
    assert_absent(f->kb, "refund", "en-refund");
}

static void test_readonly_and_open_errors(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    struct kb *ro = kb_open(f->path, KB_OPEN_READONLY, &err);
    assert_non_null(ro);
    assert_top(ro, "كيف ادفع فاتورتي", "ar-bill");
    kb_close(ro);
    assert_null(kb_open("/nonexistent-dir/kb.db", 0, &err));
    assert_int_equal(err.code, SN_ENOTFOUND);
    kb_close(NULL);
}

/* A base with no synonym at all, searched. Kept apart from the fixture (which has
 * synonyms) and run last: under UBSan (-fno-sanitize-recover) this aborted the process in
 * kb__syn_load's qsort(NULL, 0, ...). */
static void test_base_without_synonyms(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    char path[320];
    snprintf(path, sizeof path, "%s/plain.db", f->dir);
    struct kb *kb = kb_open(path, KB_OPEN_CREATE, &err);
    assert_non_null(kb);
    struct kb_entry *e = make_entry("en-1", "en", "How do I get a refund?", "Within 5 days.");
    add_entry(kb, e);
    kb_entry_free(e);
    assert_top(kb, "refund", "en-1");
    kb_close(kb);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < N_ELEMS(suffix); i++) {
        char p[340];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

/* ---- runner ---- */

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        TEST(test_normal_questions),
        TEST(test_hit_fields),
        TEST(test_confidence_and_bands),
        TEST(test_confidence_separates),
        TEST(test_k),
        TEST(test_fts5_syntax_is_text),
        TEST(test_invalid_utf8),
        TEST(test_too_big),
        TEST(test_empty_and_blank),
        TEST(test_stop_words_only),
        TEST(test_stop_word_synonyms),
        cmocka_unit_test(test_filler_mark),
        TEST(test_draft_publish_rm),
        TEST(test_edit_changes_matches),
        TEST(test_lang_filter),
        TEST(test_synonyms),
        TEST(test_synonym_load),
        TEST(test_history_and_revert),
        TEST(test_explain),
        TEST(test_answer_only_words),
        TEST(test_common_words_do_not_crowd_out),
        TEST(test_same_connection_writes),
        TEST(test_lone_partial_match_is_a_guess),
        TEST(test_broken_plural_by_root),
        TEST(test_rare_subject_word_decides),
        TEST(test_typo_in_rare_word),
        TEST(test_ambiguous_full_cover_is_suggested),
        TEST(test_second_connection_add),
        TEST(test_second_connection_edit),
        TEST(test_second_connection_synonym),
        TEST(test_second_connection_rm),
        TEST(test_readonly_and_open_errors),
        TEST(test_base_without_synonyms), /* last: see its comment */
    };
    return cmocka_run_group_tests_name("kb_search", tests, NULL, NULL);
}
