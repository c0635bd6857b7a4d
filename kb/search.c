/* Search: analyze the question, fetch candidates from FTS5 with a query built from analyzer
 * tokens only, rerank them by IDF-weighted word overlap with each phrasing, and turn the
 * ranking into a confidence. docs/matching.md explains the numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kb/calib.h"
#include "kb/filler.h"
#include "kb/fts5_tok.h"
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/stopwords.h"

#define QWORDS_MAX    48  /* words of a question that take part */
#define QFORMS_MAX    6   /* analyzer forms + synonym forms per word */
#define CANDIDATES    40  /* first-pass candidates reranked */
#define ROW_WORDS_MAX 64  /* words of one phrasing that take part in ranking */
#define FUZZY_MIN     0.5 /* trigram Dice below this is no match */
#define FUZZY_WEIGHT  0.8 /* a fuzzy match is worth this much of an exact one */
#define NEAR_MIN      0.5 /* Dice for an unknown word's stand-in in the first pass (kb/fuzzy.c) */
/* Tuned on the mawdoo3 tune split only (docs/matching.md): */
#define BETA2         0.5  /* F-measure weight: < 1 leans on covering the phrasing */
#define GRAM_WEIGHT   0.2  /* share of character-trigram Dice in a phrasing's score */
#define SECOND_WEIGHT 0.1  /* credit for a second phrasing of the same entry matching */
#define STOP_WEIGHT   0.1  /* a stop word is worth this share of its IDF in coverage */
#define EXTRA_WEIGHT  0.15 /* keywords/answer lift of a weak phrasing match */
#define RANK_POWER    2.0  /* ranking weighs a word by IDF^this (view_weights) */
#define ROOT_WEIGHT   0.7  /* a word met only by its root (مسجد / مساجد) */

_Static_assert(sizeof(((struct kb_hit *)0)->sig) == KB_SIG_N * sizeof(double),
               "kb_hit.sig holds one value per enum kb_sig");

struct qword {
    char norm[KB_WORD_MAX_BYTES];
    int norm_len;
    char buf[QFORMS_MAX][KB_WORD_MAX_BYTES];
    struct kb__form f[QFORMS_MAX];
    int nf;
    char root[KB_WORD_MAX_BYTES]; /* KB_TOK_ROOT_MARK + the root: its indexed token */
    int root_len;                 /* of the root alone; 0 when the word has none */
    uint32_t root_h;              /* kb__hash of the root alone */
    int stop, synonym;            /* stop: 1 a stop word, 2 filler (kb/filler.h) */
    double idf;
    double wt[2];                  /* coverage weight in each view (see score_row) */
    uint64_t bloom;                /* forms_bloom of its forms */
    uint32_t g[KB_WORD_MAX_BYTES]; /* character trigrams of norm, sorted (fuzzy matching) */
    int ng;
};

#define QGRAMS_MAX    512
#define ROW_GRAMS_MAX (ROW_WORDS_MAX * 24)
#define GSET_SIZE     1024 /* open-addressing sets of trigrams: at most half full */

struct query {
    struct qword w[QWORDS_MAX];
    int n;
    uint32_t grams[QGRAMS_MAX]; /* sorted, distinct character trigrams of content words */
    int ngrams;
    uint32_t qset[GSET_SIZE]; /* the same trigrams as a set (0 = empty slot) */
    /* scratch set for one phrasing's trigrams: a slot is live when its stamp is current */
    uint32_t rset[GSET_SIZE], rstamp[GSET_SIZE], stamp;
};

struct rword {
    const char *norm;
    int norm_len;
    struct kb__form f[3];
    int nf;
    const char *root; /* "" when the word has none */
    int root_len;
    uint32_t root_h;
    const uint32_t *g; /* its character trigrams, sorted, in the row's gram buffer */
    int ng;
    uint64_t gsig; /* gram_sig of its trigrams */
    double idf;
    double wt[2];
    uint64_t bloom;
};

struct cand {
    long long n;
    double pre;     /* first-pass score */
    double cq, cr;  /* coverage of the best phrasing (ranking view), in the confidence view */
    double ce;      /* of the question by the whole entry: phrasings and keywords */
    double extra;   /* coverage by keywords and answer */
    double score;   /* in the ranking view */
    double score1;  /* in the confidence view */
    double second1; /* second-best phrasing, confidence view */
    char best_type;
    int slot; /* index of its kb_terms data */
};

void kb_search_opts_init(struct kb_search_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 5;
    o->answer_precision = KB_DEFAULT_ANSWER_PRECISION;
    o->suggest_precision = KB_DEFAULT_SUGGEST_PRECISION;
    o->high = KB_DEFAULT_HIGH;
    o->medium = KB_DEFAULT_MEDIUM;
}

const char *kb_band_name(int band)
{
    return band == KB_BAND_HIGH ? "high" : band == KB_BAND_MEDIUM ? "medium" : "low";
}

void kb_results_free(struct kb_results *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++) {
        free(r->v[i].id);
        free(r->v[i].question);
        free(r->v[i].answer);
        free(r->v[i].category);
    }
    free(r->v);
    free(r->explain);
    free(r);
}

static void add_form(struct qword *q, const char *s, int len)
{
    uint32_t h = kb__hash(s, (size_t)len);
    if (q->nf >= QFORMS_MAX || len <= 0 || len >= KB_WORD_MAX_BYTES)
        return;
    for (int i = 0; i < q->nf; i++)
        if (q->f[i].h == h && q->f[i].len == len && memcmp(q->f[i].s, s, (size_t)len) == 0)
            return;
    memcpy(q->buf[q->nf], s, (size_t)len);
    q->buf[q->nf][len] = 0;
    q->f[q->nf] = (struct kb__form){q->buf[q->nf], len, h};
    q->nf++;
}

struct qctx {
    struct kb *kb;
    struct query *q;
};

static int take_qword(void *ctx, const struct kb_word *w)
{
    struct qctx *c = ctx;
    struct query *q = c->q;
    if (q->n >= QWORDS_MAX)
        return 1;
    for (int i = 0; i < q->n; i++) /* a repeated word counts once */
        if (q->w[i].norm_len == w->norm_len &&
            memcmp(q->w[i].norm, w->norm, (size_t)w->norm_len) == 0)
            return 0;
    struct qword *qw = &q->w[q->n++];
    memset(qw, 0, sizeof *qw);
    memcpy(qw->norm, w->norm, (size_t)w->norm_len);
    qw->norm_len = w->norm_len;
    qw->stop = w->stop;
    for (int i = 0; i < w->nforms; i++)
        add_form(qw, w->form[i], w->form_len[i]);
    qw->root[0] = KB_TOK_ROOT_MARK;
    qw->root_len = w->root_len;
    if (w->root_len)
        memcpy(qw->root + 1, w->root, (size_t)w->root_len);
    qw->root_h = kb__hash(qw->root + 1, (size_t)w->root_len);
    const char *syn = kb__syn_lookup(c->kb, w->norm, w->norm_len);
    if (syn) {
        qw->synonym = 1;
        /* a stop word meeting a stop word (كيفاش -> كيف, الحين -> الان) stays one; an
         * editor's synonym that gives a stop word a meaning makes it content */
        const char *bar0 = strchr(syn, '|');
        int len0 = bar0 ? (int)(bar0 - syn) : (int)strlen(syn);
        if (!w->stop || !kb_stopword(w->script, syn, len0))
            qw->stop = 0;
        while (*syn) {
            const char *bar = strchr(syn, '|');
            int len = bar ? (int)(bar - syn) : (int)strlen(syn);
            add_form(qw, syn, len);
            syn += len + (bar ? 1 : 0);
        }
    }
    return 0;
}

static double idf(struct kb *kb, int df)
{
    double n = (double)kb->df.total_docs;
    if (df > n)
        df = (int)n;
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static int form_df(struct kb *kb, const struct kb__form *f, int nf)
{
    int best = 0;
    for (int i = 0; i < nf; i++) {
        int d = kb__df_get(kb, f[i].s, f[i].len);
        if (d > best)
            best = d;
    }
    return best;
}

/* Sorts one word's trigrams (a handful: insertion sort) so that dice3 can merge them. */
static void sort_grams(uint32_t *g, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t x = g[i];
        int j = i;
        for (; j > 0 && g[j - 1] > x; j--)
            g[j] = g[j - 1];
        g[j] = x;
    }
}

/* Character-trigram Dice coefficient of two folded words (sorted trigrams with boundary
 * marks, from kb__word_grams + sort_grams), for typos and spelling variants that stemming does
 * not join. A merge: this runs for every unmatched question word against every word of
 * every candidate phrasing. */
/* One bit per trigram: the trigrams of a word whose bit is not in another word's signature
 * are not among that word's trigrams, so counting a's trigrams whose bit b has bounds their
 * common trigrams from above, exactly, at a bit test each. */
static uint64_t gram_sig(const uint32_t *g, int n)
{
    uint64_t s = 0;
    for (int i = 0; i < n; i++)
        s |= 1ull << (g[i] * 0x9E3779B1u >> 26);
    return s;
}

static int grams_in_sig(const uint32_t *a, int ka, uint64_t sig)
{
    int c = 0;
    for (int i = 0; i < ka; i++)
        c += (int)((sig >> (a[i] * 0x9E3779B1u >> 26)) & 1);
    return c;
}

static double dice3(const uint32_t *a, int ka, const uint32_t *b, int kb, double need)
{
    int i = 0, j = 0, common = 0;
    if (ka < 3 || kb < 3) /* words under 3 letters: trigrams say nothing */
        return 0;
    /* the caller keeps only a Dice of at least need: stop as soon as the trigrams left
     * cannot reach it (most pairs of words share almost none) */
    double total = (double)(ka + kb);
    while (i < ka && j < kb) {
        int left = ka - i < kb - j ? ka - i : kb - j;
        if (2.0 * (double)(common + left) < need * total)
            return 0;
        if (a[i] == b[j]) {
            common++;
            i++;
            j++;
        } else if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return 2.0 * (double)common / total;
}

/* One bit per form hash: two words whose blooms share no bit have no form in common, and
 * forms_meet is skipped (most word pairs of a question and a phrasing). */
static uint64_t forms_bloom(const struct kb__form *f, int n)
{
    uint64_t b = 0;
    for (int i = 0; i < n; i++)
        b |= 1ull << (f[i].h & 63);
    return b;
}

static int forms_meet(const struct kb__form *a, int na, const struct kb__form *b, int nb)
{
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (a[i].h == b[j].h && a[i].len == b[j].len &&
                memcmp(a[i].s, b[j].s, (size_t)a[i].len) == 0)
                return 1;
    return 0;
}

/* Parses one kb_terms line (" norm|f0|f1|#root norm|f0 ...") into words borrowed from line. */
static int parse_row(const char *p, const char *end, struct rword *w, int max)
{
    int n = 0;
    while (p < end && n < max) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        const char *we = memchr(p, ' ', (size_t)(end - p));
        if (!we)
            we = end;
        struct rword *r = &w[n];
        const char *bar = memchr(p, '|', (size_t)(we - p));
        if (!bar) {
            p = we;
            continue;
        }
        r->norm = p;
        r->norm_len = (int)(bar - p);
        r->nf = 0;
        r->root = "";
        r->root_len = 0;
        r->root_h = 0;
        const char *f = bar + 1;
        while (f < we) {
            const char *fe = memchr(f, '|', (size_t)(we - f));
            if (!fe)
                fe = we;
            if (*f == KB_TOK_ROOT_MARK) {
                r->root = f + 1;
                r->root_len = (int)(fe - f - 1);
                r->root_h = kb__hash(r->root, (size_t)r->root_len);
            } else if (r->nf < 3)
                r->f[r->nf++] = (struct kb__form){f, (int)(fe - f), kb__hash(f, (size_t)(fe - f))};
            f = fe + 1;
        }
        r->bloom = forms_bloom(r->f, r->nf);
        n++;
        p = we;
    }
    return n;
}

/* Score of one phrasing: an F-measure of the IDF-weighted share of the question covered by
 * the phrasing (cq) and of the phrasing covered by the question (cr). Both directions matter:
 * a phrasing that asks about more than the question is a different question. Both shares
 * come in the two views of view_weights: [0] for confidence, [1] for ranking. */
static void score_row(const struct query *q,
                      const struct rword *r,
                      int nr,
                      int fuzzy,
                      double cq_out[2],
                      double cr_out[2],
                      double *wbest)
{
    double qw[2] = {0}, qm[2] = {0}, rw[2] = {0}, rm[2] = {0};
    double rmatch[ROW_WORDS_MAX] = {0};
    for (int i = 0; i < q->n; i++) {
        const struct qword *w = &q->w[i];
        double best = 0;
        int bj = -1;
        for (int j = 0; j < nr && best < 1; j++)
            if ((w->bloom & r[j].bloom) && forms_meet(w->f, w->nf, r[j].f, r[j].nf)) {
                best = 1;
                bj = j;
            }
        if (best < ROOT_WEIGHT && w->root_len)
            for (int j = 0; j < nr; j++)
                if (r[j].root_h == w->root_h && r[j].root_len == w->root_len &&
                    memcmp(r[j].root, w->root + 1, (size_t)w->root_len) == 0) {
                    best = ROOT_WEIGHT;
                    bj = j;
                    break;
                }
        if (fuzzy && best < 1 && w->norm_len >= 6) {
            for (int j = 0; j < nr; j++) {
                double need = fmax(FUZZY_MIN, best / FUZZY_WEIGHT);
                if (abs(r[j].norm_len - w->norm_len) > 6 ||
                    2.0 * grams_in_sig(w->g, w->ng, r[j].gsig) < need * (w->ng + r[j].ng))
                    continue;
                double d = dice3(w->g, w->ng, r[j].g, r[j].ng, need);
                if (d >= FUZZY_MIN && d * FUZZY_WEIGHT > best) {
                    best = d * FUZZY_WEIGHT;
                    bj = j;
                }
            }
        }
        for (int v = 0; v < 2; v++) {
            qw[v] += w->wt[v];
            qm[v] += w->wt[v] * best;
        }
        if (wbest && best > wbest[i])
            wbest[i] = best;
        if (bj >= 0 && best > rmatch[bj])
            rmatch[bj] = best;
    }
    for (int j = 0; j < nr; j++)
        for (int v = 0; v < 2; v++) {
            rw[v] += r[j].wt[v];
            rm[v] += r[j].wt[v] * rmatch[j];
        }
    for (int v = 0; v < 2; v++) {
        cq_out[v] = qw[v] > 0 ? qm[v] / qw[v] : 0;
        cr_out[v] = rw[v] > 0 ? rm[v] / rw[v] : 0;
    }
}

static uint32_t gram_key(uint32_t g)
{
    return g ? g : 1; /* 0 marks an empty slot */
}

static int qset_has(const struct query *q, uint32_t g)
{
    uint32_t i = (g * 2654435761u) & (GSET_SIZE - 1);
    while (q->qset[i]) {
        if (q->qset[i] == g)
            return 1;
        i = (i + 1) & (GSET_SIZE - 1);
    }
    return 0;
}

static void qset_build(struct query *q)
{
    for (int k = 0; k < q->ngrams; k++) {
        uint32_t g = gram_key(q->grams[k]);
        uint32_t i = (g * 2654435761u) & (GSET_SIZE - 1);
        while (q->qset[i] && q->qset[i] != g)
            i = (i + 1) & (GSET_SIZE - 1);
        q->qset[i] = g;
    }
}

/* Adds g to the phrasing's set; 1 when it was not there yet. */
static int rset_add(struct query *q, uint32_t g)
{
    uint32_t i = (g * 2654435761u) & (GSET_SIZE - 1);
    while (q->rstamp[i] == q->stamp) {
        if (q->rset[i] == g)
            return 0;
        i = (i + 1) & (GSET_SIZE - 1);
    }
    q->rstamp[i] = q->stamp;
    q->rset[i] = g;
    return 1;
}

/* Character-trigram Dice of the question and a phrasing: catches spelling variants and
 * shared roots that word forms miss. Stop words are left out on both sides. Hash sets, not
 * sorting: this runs for every phrasing of every candidate. */
static double row_grams(struct query *q, const struct rword *r, int nr)
{
    int distinct = 0, common = 0, seen = 0;
    if (++q->stamp == 0) {
        memset(q->rstamp, 0, sizeof q->rstamp);
        q->stamp = 1;
    }
    for (int j = 0; j < nr; j++)
        for (int k = 0; k < r[j].ng && seen++ < QGRAMS_MAX; k++) {
            uint32_t key = gram_key(r[j].g[k]);
            if (rset_add(q, key)) {
                distinct++;
                common += qset_has(q, key);
            }
        }
    return q->ngrams + distinct ? 2.0 * common / (q->ngrams + distinct) : 0;
}

/* Two views of the same overlap. Ranking weighs a word by IDF^RANK_POWER, so the rare word
 * that names the subject (هولندا in "كم تبلغ مساحة هولندا") outweighs the common words that
 * a whole family of entries shares. Confidence keeps plain IDF: under the steeper weights one
 * rare word decides alone, and the margin stops telling right from wrong. */
static void view_weights(double idf, int stop, double wt[2])
{
    wt[0] = idf;
    wt[1] = pow(idf, RANK_POWER);
    if (stop == 2) { /* filler: "بدي اعرف", "can you tell me" say nothing of the question */
        wt[0] = wt[1] = 0;
    } else if (stop) {
        wt[0] *= STOP_WEIGHT;
        wt[1] *= STOP_WEIGHT;
    }
}

static double fbeta(double cq, double cr)
{
    const double b2 = BETA2;
    if (cq <= 0 || cr <= 0)
        return 0;
    return (1 + b2) * cq * cr / (b2 * cq + cr);
}

/* The analyzed phrasings of entry row n, owned by the caller, or NULL. The statement is
 * reset before returning: a statement left on a row would hold a read transaction open, and
 * the connection would stop seeing other connections' commits. */
static char *terms_of(struct kb *kb, long long n, int *rc)
{
    sqlite3_stmt *st = kb->st_terms;
    *rc = SN_OK;
    if (!st && sqlite3_prepare_v3(kb->db, "SELECT data FROM kb_terms WHERE n=?1", -1,
                                  SQLITE_PREPARE_PERSISTENT, &kb->st_terms, NULL) != SQLITE_OK) {
        *rc = SN_EDB;
        return NULL;
    }
    st = kb->st_terms;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, n);
    char *d = NULL;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        d = sn_xstrdup((const char *)sqlite3_column_text(st, 0));
    else if (s != SQLITE_DONE)
        *rc = SN_EDB;
    sqlite3_reset(st);
    return d;
}

/* One entry's analyzed phrasings (its kb_terms text) parsed once, with every word's
 * trigrams and ranking weight. Kept in a per-connection cache (RCACHE slots, by row number,
 * at most RCACHE_BYTES in all) until the index changes: a server asked the same questions
 * all day parses each popular entry once instead of at every search. With 1,024 slots a
 * 10,000-entry base asked the demo's 1,900 phrasings by 100 visitors spent half its time
 * reading and parsing entries again; the byte budget keeps bases of 300 phrasings an entry
 * from holding gigabytes. */
struct prow {
    char type; /* q, v, k, a */
    int w0, nw;
};
struct parsed {
    uint32_t n;
    char *data;   /* the kb_terms text the words point into */
    struct rword *w;
    uint32_t *g;
    struct prow *rows;
    int nrows;
    size_t bytes; /* allocated for it */
};
#define RCACHE       16384
#define RCACHE_BYTES ((size_t)192 << 20)

static void parsed_free(struct parsed *e)
{
    if (!e)
        return;
    free(e->data);
    free(e->w);
    free(e->g);
    free(e->rows);
    free(e);
}

void kb__rcache_free(struct kb *kb)
{
    struct parsed **slot = kb->rcache;
    for (int i = 0; slot && i < RCACHE; i++)
        parsed_free(slot[i]);
    free(slot);
    kb->rcache = NULL;
    kb->rcache_bytes = 0;
}

/* Filler in a phrasing weighs nothing, as in the question (kb/filler.h). */
static void row_filler(const struct rword *r, int nr, unsigned char *mark)
{
    const char *norm[ROW_WORDS_MAX];
    int len[ROW_WORDS_MAX];
    for (int j = 0; j < nr; j++) {
        norm[j] = r[j].norm;
        len[j] = r[j].norm_len;
    }
    kb_filler_mark(norm, len, nr, mark);
}

/* Takes data (owned). */
static struct parsed *parse_entry(struct kb *kb, uint32_t n, char *data)
{
    struct parsed *e = sn_xcalloc(1, sizeof *e);
    struct rword rw[ROW_WORDS_MAX];
    uint32_t tmp[KB_WORD_MAX_BYTES];
    size_t wcap = 0, gcap = 0, rcap = 0, nw = 0, ng = 0;
    int *goff = NULL;
    e->n = n;
    e->data = data;
    for (const char *p = data; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        char type = *p;
        int nr = parse_row(p + 1, eol, rw, ROW_WORDS_MAX), phrasing = type == 'q' || type == 'v';
        if ((size_t)e->nrows == rcap) {
            rcap = rcap ? rcap * 2 : 8;
            e->rows = sn_xrealloc(e->rows, rcap * sizeof *e->rows);
        }
        e->rows[e->nrows++] = (struct prow){type, (int)nw, nr};
        unsigned char filler[ROW_WORDS_MAX] = {0};
        if (phrasing)
            row_filler(rw, nr, filler);
        for (int j = 0; j < nr; j++) {
            struct rword *w = &rw[j];
            /* trigrams serve fuzzy matching and phrasing Dice, never keywords or answers */
            int k = phrasing ? kb__word_grams(w->norm, w->norm_len, tmp, 0, KB_WORD_MAX_BYTES) : 0;
            sort_grams(tmp, k);
            if (nw == wcap) {
                wcap = wcap ? wcap * 2 : 32;
                e->w = sn_xrealloc(e->w, wcap * sizeof *e->w);
                goff = sn_xrealloc(goff, wcap * sizeof *goff);
            }
            if (ng + (size_t)k > gcap) {
                while (ng + (size_t)k > gcap)
                    gcap = gcap ? gcap * 2 : 256;
                e->g = sn_xrealloc(e->g, gcap * sizeof *e->g);
            }
            memcpy(e->g + ng, tmp, (size_t)k * sizeof *tmp);
            goff[nw] = (int)ng;
            w->ng = k;
            w->gsig = gram_sig(tmp, k);
            ng += (size_t)k;
            w->idf = w->wt[0] = w->wt[1] = 0;
            if (phrasing) { /* keywords and answer count by cover_q only: no weights needed */
                w->idf = idf(kb, form_df(kb, w->f, w->nf));
                int stop = filler[j]
                               ? 2
                               : kb_stopword(w->norm[0] & 0x80 ? KB_SCRIPT_ARABIC : KB_SCRIPT_LATIN,
                                             w->norm, w->norm_len);
                view_weights(w->idf, stop, w->wt);
            }
            e->w[nw++] = *w;
        }
        p = *eol ? eol + 1 : eol;
    }
    for (size_t i = 0; i < nw; i++)
        e->w[i].g = e->g + goff[i];
    free(goff);
    e->bytes = sizeof *e + strlen(data) + 1 + wcap * sizeof *e->w + gcap * sizeof *e->g +
               rcap * sizeof *e->rows;
    return e;
}

/* The parsed phrasings of entry n: from the cache, else read and parsed. *owned is set when
 * the result could not go into the cache (its slot holds another candidate of this search)
 * and the caller must parsed_free it. NULL with *rc = SN_OK when the entry is not indexed. */
static struct parsed *
parsed_get(struct kb *kb, uint32_t n, const uint32_t *in_use, int nuse, int *owned, int *rc)
{
    struct parsed **slot;
    *owned = 0;
    /* the index changed: every entry in it is stale (weights depend on the index) */
    if (kb->rcache && kb->rcache_gen != kb->index_gen)
        kb__rcache_free(kb);
    if (!kb->rcache) {
        kb->rcache = sn_xcalloc(RCACHE, sizeof *slot);
        kb->rcache_gen = kb->index_gen;
    }
    slot = (struct parsed **)kb->rcache + n % RCACHE;
    if (*slot && (*slot)->n == n)
        return *slot;
    char *d = terms_of(kb, n, rc);
    if (!d)
        return NULL;
    struct parsed *e = parse_entry(kb, n, d);
    for (int i = 0; i < nuse; i++)
        if (*slot && in_use[i] == (*slot)->n) {
            *owned = 1; /* the slot's entry is still being ranked */
            return e;
        }
    if (*slot) {
        kb->rcache_bytes -= (*slot)->bytes;
        parsed_free(*slot);
        *slot = NULL;
    }
    if (kb->rcache_bytes + e->bytes > RCACHE_BYTES) {
        *owned = 1; /* the budget is spent: the entries already cached stay */
        return e;
    }
    kb->rcache_bytes += e->bytes;
    *slot = e;
    return e;
}

/* Keeps the best and second-best of the scores seen; 1 when s is the new best. */
static int top2(double s, double *best, double *second)
{
    if (s > *best) {
        *second = *best;
        *best = s;
        return 1;
    }
    if (s > *second)
        *second = s;
    return 0;
}

/* The answer and keywords break ties and lift a weak phrasing match a little; they never
 * outrank a good phrasing match on their own. An entry whose other phrasings match too is
 * more likely the one asked about. */
static double entry_score(double best, double second, double extra)
{
    return fmin(1, best + EXTRA_WEIGHT * extra * (1 - best) + SECOND_WEIGHT * second);
}

/* Scores candidate c on its phrasings, leaving out phrasing number skip (0 the question,
 * 1.. the variants; -1 none: calibration asks a phrasing without itself). */
static void score_cand(struct query *q, struct cand *c, const struct parsed *e, int skip)
{
    double best[2] = {0}, second[2] = {0}; /* per view, as in score_row */
    double wbest[QWORDS_MAX] = {0}; /* each question word's best match in the entry */
    int phrasing = 0;
    c->cq = c->cr = c->extra = 0;
    c->best_type = 0;
    for (int row = 0; row < e->nrows; row++) {
        char type = e->rows[row].type;
        if ((type == 'q' || type == 'v') && phrasing++ == skip)
            continue;
        const struct rword *rw = e->w + e->rows[row].w0;
        int nr = e->rows[row].nw;
        double cq[2], cr[2];
        /* no fuzzy matching in answers: long, and they only lift a weak phrasing match */
        score_row(q, rw, nr, type != 'a', cq, cr, type != 'a' ? wbest : NULL);
        if (type == 'q' || type == 'v') {
            double g = GRAM_WEIGHT * row_grams(q, rw, nr);
            top2((1 - GRAM_WEIGHT) * fbeta(cq[0], cr[0]) + g, &best[0], &second[0]);
            if (top2((1 - GRAM_WEIGHT) * fbeta(cq[1], cr[1]) + g, &best[1], &second[1])) {
                c->cq = cq[0];
                c->cr = cr[0];
                c->best_type = type;
            }
        } else if (cq[0] > c->extra) {
            c->extra = cq[0]; /* keywords/answer: how much of the question they cover */
        }
    }
    c->score = entry_score(best[1], second[1], c->extra);
    c->score1 = entry_score(best[0], second[0], c->extra);
    c->second1 = second[0];
    /* The question's words found anywhere in the entry's phrasings and keywords: a short
     * question whose words sit in two phrasings ("fiber" in one, "prices" in another) is
     * about this entry as surely as one phrasing holding both. */
    double qw = 0, qm = 0;
    for (int i = 0; i < q->n; i++) {
        qw += q->w[i].wt[0];
        qm += q->w[i].wt[0] * wbest[i];
    }
    c->ce = qw > 0 ? qm / qw : 0;
}

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->pre != y->pre)
        return x->pre < y->pre ? 1 : -1;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* The words of the first pass: content words (all words when the question has nothing
 * else), each with the forms the index holds. Returns their number. */
static int first_pass_words(struct kb *kb,
                            const struct query *q,
                            struct kb__qword *pw,
                            struct kb__form (*pf)[QFORMS_MAX])
{
    int content = 0, n = 0;
    for (int i = 0; i < q->n; i++)
        content += !q->w[i].stop;
    for (int i = 0; i < q->n; i++) {
        const struct qword *w = &q->w[i];
        int nf = 0;
        if (w->stop && content)
            continue;
        for (int j = 0; j < w->nf; j++)
            if (kb__df_get(kb, w->f[j].s, w->f[j].len) > 0) /* else it cannot match */
                pf[n][nf++] = w->f[j];
        int root = w->root_len && kb__df_get(kb, w->root, w->root_len + 1) > 0;
        double weight = w->idf;
        if (!nf && !root && !w->stop) { /* unknown to the index: a typo? */
            double best = 0, sim;
            const char *near;
            int nlen;
            for (int j = 0; j < w->nf; j++)
                if (kb__fuzzy_near(kb, w->f[j].s, w->f[j].len, NEAR_MIN, &near, &nlen, &sim) &&
                    sim > best) {
                    best = sim;
                    pf[n][0] = (struct kb__form){near, nlen, kb__hash(near, (size_t)nlen)};
                    nf = 1;
                }
            weight *= FUZZY_WEIGHT * best;
        }
        if (nf || root) {
            pw[n] = (struct kb__qword){pf[n],           nf,         weight, root ? w->root : NULL,
                                       w->root_len + 1, ROOT_WEIGHT};
            n++;
        }
    }
    return n;
}

/* Confidence: the geometric mean of the top score and its margin over the runner-up. Raw
 * scores alone were a poor signal (a hard negative on the same topic scores high too); the
 * margin alone over-trusts weak lone matches. See docs/matching.md for the measurements. */
static double confidence(double s1, double s2)
{
    double margin = s1 - s2;
    if (margin <= 0 || s1 <= 0)
        return 0;
    double c = sqrt(fmin(1.0, margin) * s1);
    return c > 1 ? 1 : c;
}

static void
explain_query(struct sn_buf *x, const struct query *q, const struct kb__qword *pw, int npw)
{
    sn_buf_printf(x, "analyzed query (%d words):\n", q->n);
    for (int i = 0; i < q->n; i++) {
        const struct qword *w = &q->w[i];
        sn_buf_printf(x, "  %s ->", w->norm);
        for (int j = 0; j < w->nf; j++)
            sn_buf_printf(x, " %s", w->f[j].s);
        if (w->root_len)
            sn_buf_printf(x, " (root %s)", w->root + 1);
        sn_buf_printf(x, "  idf=%.2f%s%s\n", w->idf,
                      w->stop == 2 ? " filler"
                      : w->stop    ? " stop-word"
                                   : "",
                      w->synonym ? " synonym" : "");
    }
    /* Each quoted form is one FTS5 MATCH over question, variants and keywords (kb/postings.c);
     * the line shows exactly the tokens sent, as the OR they amount to. */
    sn_buf_printf(x,
                  "first pass: entries ranked by the summed IDF of the words their phrasings hold"
                  " (by root only, \"#root\": %.0f%%)\n",
                  100 * ROOT_WEIGHT);
    sn_buf_adds(x, "match:");
    for (int i = 0, t = 0; i < npw; i++)
        for (int j = 0; j <= pw[i].nf; j++) { /* the forms, then the root token */
            const char *s = j < pw[i].nf ? pw[i].f[j].s : pw[i].root;
            int len = j < pw[i].nf ? pw[i].f[j].len : pw[i].root_len;
            if (!s)
                continue;
            sn_buf_adds(x, t++ ? " OR \"" : " \"");
            for (int k = 0; k < len; k++) {
                if (s[k] == '"')
                    sn_buf_add(x, "\"", 1);
                sn_buf_add(x, &s[k], 1);
            }
            sn_buf_adds(x, "\"");
        }
    sn_buf_adds(x, "\n");
}

static const char *field_name(char t)
{
    return t == 'q' ? "question" : t == 'v' ? "variant" : t == 'k' ? "keywords" : "answer";
}

static void explain_hit(
    struct sn_buf *x, const struct query *q, const struct cand *c, const char *id, const char *data)
{
    struct rword rw[ROW_WORDS_MAX];
    sn_buf_printf(x,
                  "%s: score=%.3f (best %s, covers %.0f%% of the question and %.0f%% of it; "
                  "keywords/answer cover %.0f%%) first-pass=%.2f\n",
                  id, c->score, c->best_type ? field_name(c->best_type) : "-", 100 * c->cq,
                  100 * c->cr, 100 * c->extra, c->pre);
    for (int i = 0; i < q->n; i++) {
        const struct qword *w = &q->w[i];
        int found = 0;
        const char *p = data;
        int vrow = 0;
        sn_buf_printf(x, "    %s:", w->norm);
        while (*p) {
            const char *eol = strchr(p, '\n');
            if (!eol)
                eol = p + strlen(p);
            char type = *p;
            int nr = parse_row(p + 1, eol, rw, ROW_WORDS_MAX);
            for (int j = 0; j < nr; j++) {
                int exact = forms_meet(w->f, w->nf, rw[j].f, rw[j].nf);
                if (exact || (w->root_len && rw[j].root_len == w->root_len &&
                              memcmp(rw[j].root, w->root + 1, (size_t)w->root_len) == 0)) {
                    if (type == 'v')
                        sn_buf_printf(x, " variant[%d]", vrow);
                    else
                        sn_buf_printf(x, " %s", field_name(type));
                    if (!exact)
                        sn_buf_printf(x, " (root, as %.*s)", rw[j].norm_len, rw[j].norm);
                    found = 1;
                    break;
                }
            }
            if (type == 'v')
                vrow++;
            p = *eol ? eol + 1 : eol;
        }
        sn_buf_adds(x, found ? "\n" : " (no exact or root match)\n");
    }
}

/* What the bot will do with the hit and why: the probability, each cap or floor, the band
 * and the signals the model read. */
static void
explain_prob(struct sn_buf *x, const struct kb_hit *h, const struct kb_bands *b, int calibrated)
{
    static const struct {
        unsigned bit;
        const char *what;
    } caps[] = {
        {KB_CAP_GUESS, "capped under the answer band: the question covers under half the phrasing"
                       " and the entry does not hold all of the question"},
        {KB_CAP_UNKNOWN, "capped under the suggestion band: the entry holds under a quarter of"
                         " the question"},
        {KB_CAP_DISAGREE, "capped under the answer band: the two views disagree on the order"},
        {KB_FLOOR_COVERED, "raised to the suggestion band: the phrasing holds the whole question"},
        {KB_CAP_BELOW, "lowered to the probability of the hit above it"},
    };
    sn_buf_printf(x, "    probability=%.3f band=%s (answer at >= %.3f, suggest at >= %.3f; %s)\n",
                  h->confidence, kb_band_name(h->band), b->answer, b->suggest,
                  calibrated ? "model calibrated on this base" : "fallback model: not calibrated");
    if (h->caps)
        sn_buf_printf(x, "    model said %.3f, then:\n", h->p);
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
        if (h->caps & caps[i].bit)
            sn_buf_printf(x, "      %s\n", caps[i].what);
    sn_buf_adds(x, "    signals:");
    for (int j = 0; j < KB_SIG_N; j++)
        sn_buf_printf(x, " %s=%.3g", kb_sig_name(j), h->sig[j]);
    sn_buf_adds(x, "\n");
}

static int fetch_hit(struct kb *kb, long long n, struct kb_hit *h)
{
    sqlite3_stmt *st = kb->st_hit;
    int rc = SN_EDB;
    if (!st && sqlite3_prepare_v3(
                   kb->db, "SELECT id, lang, question, answer, category FROM entries WHERE n=?1",
                   -1, SQLITE_PREPARE_PERSISTENT, &kb->st_hit, NULL) != SQLITE_OK)
        return SN_EDB;
    st = kb->st_hit;
    sqlite3_bind_int64(st, 1, n);
    if (sqlite3_step(st) == SQLITE_ROW) {
        h->id = sn_xstrdup((const char *)sqlite3_column_text(st, 0));
        snprintf(h->lang, sizeof h->lang, "%s", (const char *)sqlite3_column_text(st, 1));
        h->question = sn_xstrdup((const char *)sqlite3_column_text(st, 2));
        h->answer = sn_xstrdup((const char *)sqlite3_column_text(st, 3));
        h->category = sn_xstrdup((const char *)sqlite3_column_text(st, 4));
        rc = SN_OK;
    }
    sqlite3_reset(st);
    return rc;
}

/* Marks the question's filler (stop = 2) and takes its weight away; a question made of
 * filler alone keeps nothing to match. */
static void query_filler(struct query *q)
{
    const char *norm[QWORDS_MAX];
    int len[QWORDS_MAX];
    unsigned char mark[QWORDS_MAX] = {0};
    for (int i = 0; i < q->n; i++) {
        norm[i] = q->w[i].norm;
        len[i] = q->w[i].norm_len;
    }
    if (!kb_filler_mark(norm, len, q->n, mark))
        return;
    for (int i = 0; i < q->n; i++)
        if (mark[i]) {
            q->w[i].stop = 2;
            view_weights(q->w[i].idf, 2, q->w[i].wt);
        }
}

/* The bands of this search: raw overrides when given, else from the precision targets. */
static void search_bands(struct kb *kb, const struct kb_search_opts *o, struct kb_bands *b)
{
    kb_calib_bands(kb, o->answer_precision, o->suggest_precision, b);
    if (o->high >= 0)
        b->answer = o->high;
    if (o->medium >= 0)
        b->suggest = o->medium;
    if (b->suggest > b->answer)
        b->suggest = b->answer;
}

/* The hit's signals (enum kb_sig) for the calibration model. next is the best
 * confidence-view score ranked below it, next_r the next ranking-view score. */
static void
hit_signals(const struct query *q, const struct cand *c, double next, double next_r, double *sig)
{
    double total = 0;
    int content = 0;
    for (int i = 0; i < q->n; i++) {
        total += q->w[i].wt[0];
        content += !q->w[i].stop;
    }
    sig[KB_SIG_S1] = c->score1;
    sig[KB_SIG_MARGIN] = c->score1 - next;
    sig[KB_SIG_S1_RANK] = c->score;
    sig[KB_SIG_MARGIN_R] = c->score - next_r;
    sig[KB_SIG_COVER_Q] = c->cq;
    sig[KB_SIG_COVER_R] = c->cr;
    sig[KB_SIG_SECOND] = c->second1;
    sig[KB_SIG_MASS] = c->cq * total;
    sig[KB_SIG_MISSED] = (1 - c->cq) * total;
    sig[KB_SIG_QLEN] = content;
    sig[KB_SIG_AGREE] = c->score1 > next;
    sig[KB_SIG_GEO] = confidence(c->score1, next);
    sig[KB_SIG_COVER_E] = c->ce;
}

int kb_search(struct kb *kb,
              const char *question,
              const struct kb_search_opts *o,
              struct kb_results **out,
              struct sn_err *err)
{
    return kb__search(kb, question, o, NULL, out, err);
}

int kb__search(struct kb *kb,
               const char *question,
               const struct kb_search_opts *o,
               const struct kb__exclude *ex,
               struct kb_results **out,
               struct sn_err *err)
{
    struct query *q = NULL;
    struct cand *cands = NULL;
    struct kb__pre *pre = NULL;
    struct parsed **data = NULL;
    int *owned = NULL;
    uint32_t *in_use = NULL;
    struct sn_buf x;
    struct kb_results *res = NULL;
    int ncand = 0, npre = 0, rc = SN_OK, k = o->k < 1 ? 1 : o->k > KB_MAX_K ? KB_MAX_K : o->k;
    size_t len = strlen(question);
    struct kb__qword pw[QWORDS_MAX];
    struct kb__form pf[QWORDS_MAX][QFORMS_MAX];

    *out = NULL;
    sn_buf_init(&x, 1u << 20);
    if (len > KB_MAX_QUERY_BYTES) {
        rc = sn_err_set(err, SN_ETOOBIG, "question is longer than %d bytes", KB_MAX_QUERY_BYTES);
        goto out;
    }
    size_t bad;
    if (!sn_utf8_valid(question, len, &bad)) {
        rc = sn_err_set(err, SN_EINVAL, "question: invalid UTF-8 at byte %zu", bad);
        goto out;
    }
    rc = kb__df_load(kb, err);
    if (rc == SN_OK)
        rc = kb__syn_load(kb);
    if (rc)
        goto out;
    /* The query scratch (over 100 KiB, mostly per-word buffers) lives with the connection:
     * a fresh calloc per search was an mmap and a page fault per page. */
    if (!kb->qscratch)
        kb->qscratch = sn_xcalloc(1, sizeof *q);
    q = kb->qscratch;
    q->n = q->ngrams = 0;
    memset(q->qset, 0, sizeof q->qset);
    struct qctx qc = {kb, q};
    kb_analyze(kb->an, question, (int)len, take_qword, &qc);
    for (int i = 0; i < q->n; i++) {
        q->w[i].idf = idf(kb, form_df(kb, q->w[i].f, q->w[i].nf));
        view_weights(q->w[i].idf, q->w[i].stop, q->w[i].wt);
        q->w[i].ng =
            kb__word_grams(q->w[i].norm, q->w[i].norm_len, q->w[i].g, 0, KB_WORD_MAX_BYTES);
        sort_grams(q->w[i].g, q->w[i].ng);
        q->w[i].bloom = forms_bloom(q->w[i].f, q->w[i].nf);
        q->ngrams = kb__word_grams(q->w[i].norm, q->w[i].norm_len, q->grams, q->ngrams, QGRAMS_MAX);
    }
    q->ngrams = kb__sort_unique(q->grams, q->ngrams);
    query_filler(q);
    qset_build(q);

    res = sn_xcalloc(1, sizeof *res);
    kb__calib_load(kb);
    struct kb_bands bands;
    search_bands(kb, o, &bands);
    res->answer_at = bands.answer;
    res->suggest_at = bands.suggest;
    res->calibrated = kb__calib_fitted(kb);
    int npw = first_pass_words(kb, q, pw, pf);
    if (o->explain)
        explain_query(&x, q, pw, npw);
    if (npw == 0)
        goto done;

    pre = sn_xcalloc(CANDIDATES, sizeof *pre);
    npre = kb__post_select(kb, pw, npw, o->lang, pre, CANDIDATES, err);
    if (npre < 0) {
        rc = npre;
        goto out;
    }
    cands = sn_xcalloc(CANDIDATES, sizeof *cands);
    data = sn_xcalloc(CANDIDATES, sizeof *data);
    owned = sn_xcalloc(CANDIDATES, sizeof *owned);
    in_use = sn_xcalloc(CANDIDATES, sizeof *in_use);
    for (int i = 0; i < npre; i++) {
        struct cand *c = &cands[ncand];
        int skip = ex && ex->n == (long long)pre[i].n ? ex->row : -1;
        if (ex && ex->row < 0 && ex->n == (long long)pre[i].n)
            continue; /* asked as if the entry did not exist */
        struct parsed *d = parsed_get(kb, pre[i].n, in_use, ncand, &owned[ncand], &rc);
        if (rc) {
            rc = kb__dberr(kb, err, "search");
            goto out;
        }
        if (!d)
            continue; /* unpublished since the lists were read: cannot happen within a gen */
        c->n = pre[i].n;
        c->slot = ncand;
        c->pre = pre[i].score;
        data[ncand] = d;
        in_use[ncand] = pre[i].n;
        score_cand(q, c, d, skip);
        ncand++;
    }
    qsort(cands, (size_t)ncand, sizeof *cands, cmp_cand);

    res->v = sn_xcalloc((size_t)k, sizeof *res->v);
    for (int i = 0; i < ncand && res->n < k; i++) {
        struct cand *c = &cands[i];
        if (c->score <= 0)
            break;
        struct kb_hit *h = &res->v[res->n];
        if (fetch_hit(kb, c->n, h) != SN_OK)
            continue;
        /* The margin in the confidence view, over every entry ranked below; in the ranking
         * view, over the next one. */
        double next = 0, next_r = i + 1 < ncand ? cands[i + 1].score : 0;
        for (int j = i + 1; j < ncand; j++)
            next = fmax(next, cands[j].score1);
        h->score = c->score;
        h->cover_q = c->cq;
        h->cover_r = c->cr;
        h->first_pass = c->pre;
        hit_signals(q, c, next, next_r, h->sig);
        h->p = kb_calib_prob(kb, h->sig);
        /* Each lower hit is judged against the ones below it, and never rises above the hit
         * before it, so confidences fall down the ranking. */
        h->confidence =
            kb_calib_policy(h->p, c->cq, c->cr, c->ce, c->score1 > next,
                            res->n > 0 ? res->v[res->n - 1].confidence : 2, &bands, &h->caps);
        h->band = kb_calib_band(h->confidence, &bands);
        if (o->explain) {
            explain_hit(&x, q, c, h->id, data[c->slot]->data);
            explain_prob(&x, h, &bands, res->calibrated);
        }
        res->n++;
    }
done:
    if (o->explain)
        res->explain = sn_buf_take(&x);
    *out = res;
    res = NULL;
out:
    for (int i = 0; data && i < ncand; i++)
        if (owned[i])
            parsed_free(data[i]);
    free(data);
    free(owned);
    free(in_use);
    free(cands);
    free(pre);
    kb_results_free(res);
    sn_buf_fini(&x);
    return rc;
}
