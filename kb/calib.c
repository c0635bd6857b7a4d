/* Calibration (kb/calib.h): the calibration set, a logistic model fitted on it, the
 * thresholds that meet each precision target, and the caps-and-floors policy. */
#include "kb/calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define MODEL_FORMAT 2 /* 2: thirteen signals (cover_e) */
#define HIST         1000 /* probability histogram of the calibration set: bins of 0.001 */
#define MIN_IN       30   /* in-scope examples needed to fit */
#define MIN_CLASS    8    /* right and wrong examples needed, each */
#define IN_PER_ENTRY 8    /* phrasings of one entry asked without themselves, at most */
#define OOS_SHARE    0.20 /* weight of out-of-scope questions in the fit: visitors' share */
#define ALIEN_WEIGHT 0.1  /* a question with its rarest word swapped, against an entry left out */
#define LABEL_WEIGHT 2.0  /* a labelled example from use counts for this many */
#define L2           1.0  /* ridge on the standardized weights: keeps the fit defined */
#define MIN_SUPPORT  5.0  /* weight an answered set needs before its precision is believed */
#define DUP_COVER    0.8  /* another entry covering the question this much both ways: a duplicate */

/* Policy constants (kb_calib_policy). */
#define COVER_R_MIN 0.5 /* the question covers under half the phrasing: a guess */
#define FULL_COVER  0.9 /* the phrasing holds (nearly) all of the question */
#define COVER_E_MIN 0.25 /* the entry holds less of the question: not offered */

/* The fallback model, for a base too small to calibrate: the probability rises with the
 * analyzer-2 confidence (KB_SIG_GEO), reaching 0.90 at 0.44, the band that gave 0.91
 * precision on mawdoo3 tune, and 0.50 at 0.22, about the old suggestion band. */
#define FALLBACK_SLOPE 10.0
#define FALLBACK_MID   0.22

/* The signals the model reads. Chosen on transfer, not on fit: fitted on the mawdoo3 tune
 * base's own phrasings and tried on its real questions, a model of all the signals answered
 * 0.37 of them at 0.74 precision for a 0.90 target (coverage and top scores mean other
 * things for a phrasing asked without itself than for a visitor's question); margin, qlen,
 * agree and geo answered 0.27 at 0.92. cover_e (the question's words found anywhere in the
 * entry) joined them because short questions are what visitors type: with it the demo base
 * answers 18% of plain visitor questions rightly instead of 6% at the same target, and
 * mawdoo3 0.25 at 0.91 (docs/matching.md). The others are still computed and shown. */
static const unsigned char in_model[KB_SIG_N] = {[KB_SIG_MARGIN] = 1, [KB_SIG_QLEN] = 1,
                                                 [KB_SIG_AGREE] = 1,  [KB_SIG_GEO] = 1,
                                                 [KB_SIG_COVER_E] = 1};

static const char *const sig_names[KB_SIG_N] = {
    "s1",     "margin", "s1_rank", "margin_rank", "cover_q", "cover_r",
    "second", "mass",   "missed",  "qlen",        "agree",   "geo", "cover_e",
};

const char *kb_sig_name(int sig)
{
    return sig >= 0 && sig < KB_SIG_N ? sig_names[sig] : "?";
}

static const char *const source_names[] = {"feedback", "pick", "agent"};

const char *kb_label_source_name(int source)
{
    return source >= 0 && source <= KB_LABEL_AGENT ? source_names[source] : "?";
}

/* ------------------------------------------------------------------ policy (pure) */

int kb_calib_band(double p, const struct kb_bands *b)
{
    return p >= b->answer ? KB_BAND_HIGH : p >= b->suggest ? KB_BAND_MEDIUM : KB_BAND_LOW;
}

/* Just under a threshold: the hit keeps its place but not the band. */
static double under(double t)
{
    return t > 0.001 ? t - 0.001 : 0;
}

double kb_calib_policy(double p,
                       double cover_q,
                       double cover_r,
                       double cover_e,
                       int agree,
                       double above,
                       const struct kb_bands *b,
                       unsigned *caps)
{
    *caps = 0;
    /* A question that matches a small part of a phrasing ("problem" against "there is a
     * problem with my card payment") is a guess however lonely the match, unless the entry
     * holds every word of it: "fiber prices" has "fiber" in one phrasing and "prices" in
     * another, and is asked as people type, short. */
    if (cover_r < COVER_R_MIN && cover_e < FULL_COVER && p >= b->answer) {
        p = under(b->answer);
        *caps |= KB_CAP_GUESS;
    }
    /* Most of what was asked is in no phrasing or keyword of the entry ("how do I frobnicate
     * the zorblax" meets "how do I" only): the base does not know the question, and three
     * suggestions chosen on a word or two would pretend it does. The gap goes to editors. */
    if (cover_e < COVER_E_MIN && p >= b->suggest && b->suggest > 0) {
        p = under(b->suggest);
        *caps |= KB_CAP_UNKNOWN;
    }
    /* When ranking (IDF²) and confidence (IDF) disagree on which entry is first, the
     * disagreement itself says "not sure". */
    if (!agree && p >= b->answer) {
        p = under(b->answer);
        *caps |= KB_CAP_DISAGREE;
    }
    /* A phrasing that holds every word of a short question that several entries share
     * ("الفاتورة", "refund") is ambiguous, not unknown: offer it. */
    if (cover_q >= FULL_COVER && p < b->suggest && b->suggest <= 1) {
        p = b->suggest;
        *caps |= KB_FLOOR_COVERED;
    }
    if (p > above) {
        p = above;
        *caps |= KB_CAP_BELOW;
    }
    return p;
}

/* ------------------------------------------------------------------ the model */

struct kb__calib {
    unsigned gen;
    int fitted;
    double mu[KB_SIG_N], sd[KB_SIG_N], w[KB_SIG_N + 1];
    double right[HIST + 1], all[HIST + 1]; /* weights of the set by probability bin */
    double among[HIST + 1];                /* of those, the right entry among the suggestions */
    double total;                          /* weight of the whole set, no-hit questions too */
};

void kb__calib_free(struct kb__calib *c)
{
    free(c);
}

static double sigmoid(double z)
{
    return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

static double model_prob(const struct kb__calib *c, const double *sig)
{
    if (!c || !c->fitted)
        return sigmoid(FALLBACK_SLOPE * (sig[KB_SIG_GEO] - FALLBACK_MID));
    double z = c->w[KB_SIG_N];
    for (int j = 0; j < KB_SIG_N; j++)
        if (in_model[j])
            z += c->w[j] * (sig[j] - c->mu[j]) / c->sd[j];
    return sigmoid(z);
}

double kb_calib_prob(struct kb *kb, const double *sig)
{
    return model_prob(kb->calib, sig);
}

int kb__calib_fitted(struct kb *kb)
{
    return kb->calib && kb->calib->fitted;
}

static int bin_of(double p)
{
    int b = (int)floor(p * HIST);
    return b < 0 ? 0 : b > HIST ? HIST : b;
}

/* The lowest threshold whose answered set has precision >= target on the calibration set
 * (with at least MIN_SUPPORT weight in it); above every probability when none has. Also
 * gives the answered share and precision there. */
static double
threshold_for(const struct kb__calib *c, double target, double *answered, double *precision)
{
    double r = 0, a = 0, best_t = 1.001, best_a = 0, best_p = 0;
    for (int b = HIST; b >= 0; b--) {
        r += c->right[b];
        a += c->all[b];
        if (a >= MIN_SUPPORT && r / a >= target - 1e-12 && c->all[b] > 0) {
            best_t = (double)b / HIST;
            best_a = a;
            best_p = r / a;
        }
    }
    if (answered)
        *answered = c->total > 0 ? best_a / c->total : 0;
    if (precision)
        *precision = best_p;
    return best_t;
}

/* The lowest threshold under `answer` at which the questions that get suggestions (those
 * in [t, answer)) find the right entry among them (the first KB_SUGGEST_K hits) `target`
 * of the time: a visitor reads every suggestion, not only the first. */
static double suggest_for(const struct kb__calib *c, double answer, double target)
{
    double r = 0, a = 0, best = answer;
    for (int b = bin_of(answer) - 1; b >= 0; b--) {
        r += c->among[b];
        a += c->all[b];
        if (a >= MIN_SUPPORT && r / a >= target - 1e-12 && c->all[b] > 0)
            best = (double)b / HIST;
    }
    return best;
}

void kb_calib_bands(struct kb *kb,
                    double answer_precision,
                    double suggest_precision,
                    struct kb_bands *out)
{
    const struct kb__calib *c = kb->calib;
    if (!c || !c->fitted) { /* the fallback's probability is itself the target scale */
        out->answer = answer_precision;
        out->suggest = suggest_precision;
    } else {
        out->answer = threshold_for(c, answer_precision, NULL, NULL);
        out->suggest = suggest_for(c, out->answer > 1 ? 1 : out->answer, suggest_precision);
    }
    if (out->suggest > out->answer)
        out->suggest = out->answer;
}

/* ------------------------------------------------------------------ fitting */

struct example {
    double x[KB_SIG_N];
    double y, wt;
    double among; /* 1 when the right entry is among the first KB_SUGGEST_K hits */
    int hit; /* 0: the search found nothing (never answered; counts in the share only) */
};

struct set {
    struct example *v;
    size_t n, cap;
    int n_in, n_right, n_oos, n_labels, n_dup;
};

static void
set_add(struct set *s, const struct kb_results *r, const char *right_id, double y, double wt)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = sn_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    struct example *e = &s->v[s->n];
    memset(e, 0, sizeof *e);
    e->wt = wt;
    e->hit = r->n > 0;
    if (e->hit) {
        memcpy(e->x, r->v[0].sig, sizeof e->x);
        e->y = right_id ? strcmp(r->v[0].id, right_id) == 0 : y;
        for (int i = 0; i < r->n && i < KB_SUGGEST_K && right_id; i++)
            if (strcmp(r->v[i].id, right_id) == 0)
                e->among = 1;
        if (!right_id)
            e->among = y;
        /* Another entry that holds (nearly) the same question is a duplicate in the base,
         * not a wrong answer: answering with it serves the visitor. Such examples are
         * left out (and counted for the editors) instead of teaching that a perfect match
         * is wrong. */
        if (e->y == 0 && e->x[KB_SIG_COVER_Q] >= DUP_COVER && e->x[KB_SIG_COVER_R] >= DUP_COVER) {
            s->n_dup++;
            return;
        }
    }
    s->n++;
}

/* Solves the symmetric positive definite system a x = b (n x n, row-major) in place by
 * Cholesky; 0 when a is not positive definite. */
static int solve_spd(double *a, double *b, int n)
{
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        if (d <= 1e-12)
            return 0;
        a[j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / a[j * n + j];
        }
    }
    for (int i = 0; i < n; i++) { /* L y = b */
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= a[i * n + k] * b[k];
        b[i] = s / a[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) { /* L^T x = y */
        double s = b[i];
        for (int k = i + 1; k < n; k++)
            s -= a[k * n + i] * b[k];
        b[i] = s / a[i * n + i];
    }
    return 1;
}

/* Weighted logistic regression by Newton's method (IRLS) on standardized signals with a
 * ridge on the weights (not the bias). Deterministic: same set, same model. */
static int fit(struct kb__calib *c, const struct set *s)
{
    enum { D = KB_SIG_N + 1 };
    double h[D * D], g[D], sw = 0;
    for (int j = 0; j < KB_SIG_N; j++)
        c->mu[j] = c->sd[j] = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].hit) {
            sw += s->v[i].wt;
            for (int j = 0; j < KB_SIG_N; j++)
                c->mu[j] += s->v[i].wt * s->v[i].x[j];
        }
    if (sw <= 0)
        return 0;
    for (int j = 0; j < KB_SIG_N; j++)
        c->mu[j] /= sw;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].hit)
            for (int j = 0; j < KB_SIG_N; j++)
                c->sd[j] += s->v[i].wt * pow(s->v[i].x[j] - c->mu[j], 2);
    for (int j = 0; j < KB_SIG_N; j++) {
        c->sd[j] = sqrt(c->sd[j] / sw);
        if (c->sd[j] < 1e-6) /* a constant signal says nothing: its weight stays 0 */
            c->sd[j] = 1;
        if (!in_model[j]) { /* z = 0: neither fitted nor read */
            c->mu[j] = 0;
            c->sd[j] = 1;
        }
    }
    memset(c->w, 0, sizeof c->w);
    for (int iter = 0; iter < 50; iter++) {
        memset(h, 0, sizeof h);
        memset(g, 0, sizeof g);
        for (size_t i = 0; i < s->n; i++) {
            const struct example *e = &s->v[i];
            double z[D];
            if (!e->hit)
                continue;
            for (int j = 0; j < KB_SIG_N; j++)
                z[j] = in_model[j] ? (e->x[j] - c->mu[j]) / c->sd[j] : 0;
            z[KB_SIG_N] = 1;
            double lin = 0;
            for (int j = 0; j < D; j++)
                lin += c->w[j] * z[j];
            double p = sigmoid(lin), wp = e->wt * p * (1 - p);
            for (int j = 0; j < D; j++) {
                g[j] += e->wt * (e->y - p) * z[j];
                for (int k = 0; k <= j; k++)
                    h[j * D + k] += wp * z[j] * z[k];
            }
        }
        for (int j = 0; j < D; j++)
            for (int k = j + 1; k < D; k++)
                h[j * D + k] = h[k * D + j];
        for (int j = 0; j < KB_SIG_N; j++) {
            g[j] -= L2 * c->w[j];
            h[j * D + j] += L2 + (in_model[j] ? 0 : 1); /* unread: stays 0 */
        }
        if (!solve_spd(h, g, D))
            return 0;
        double step = 0;
        for (int j = 0; j < D; j++) {
            c->w[j] += g[j];
            step = fmax(step, fabs(g[j]));
        }
        if (step < 1e-9)
            break;
    }
    for (int j = 0; j < D; j++)
        if (!isfinite(c->w[j]))
            return 0;
    c->fitted = 1;
    return 1;
}

/* Fills the model's histogram and info's tables from the set under the fitted model. */
static void measure(struct kb__calib *c, const struct set *s, struct kb_calib_info *info)
{
    double bp[KB_CALIB_BINS] = {0}, by[KB_CALIB_BINS] = {0}, bw[KB_CALIB_BINS] = {0};
    memset(c->right, 0, sizeof c->right);
    memset(c->all, 0, sizeof c->all);
    memset(c->among, 0, sizeof c->among);
    c->total = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct example *e = &s->v[i];
        c->total += e->wt;
        if (!e->hit)
            continue;
        double p = model_prob(c, e->x);
        int b = bin_of(p), rb = (int)(p * KB_CALIB_BINS);
        c->all[b] += e->wt;
        c->right[b] += e->wt * e->y;
        c->among[b] += e->wt * e->among;
        if (rb >= KB_CALIB_BINS)
            rb = KB_CALIB_BINS - 1;
        bp[rb] += e->wt * p;
        by[rb] += e->wt * e->y;
        bw[rb] += e->wt;
        info->bin[rb].n++;
    }
    double ece = 0, tw = 0;
    for (int b = 0; b < KB_CALIB_BINS; b++) {
        info->bin[b].lo = (double)b / KB_CALIB_BINS;
        info->bin[b].hi = (double)(b + 1) / KB_CALIB_BINS;
        info->bin[b].predicted = bw[b] > 0 ? bp[b] / bw[b] : 0;
        info->bin[b].observed = bw[b] > 0 ? by[b] / bw[b] : 0;
        ece += bw[b] * fabs(info->bin[b].predicted - info->bin[b].observed);
        tw += bw[b];
    }
    info->ece = tw > 0 ? ece / tw : 0;
}

static void targets(const struct kb__calib *c, struct kb_calib_info *info)
{
    for (int t = 0; t < KB_CALIB_TARGETS; t++) {
        double target = 0.80 + 0.02 * t;
        info->at[t].target = target;
        if (c && c->fitted)
            info->at[t].threshold =
                threshold_for(c, target, &info->at[t].answered, &info->at[t].precision);
        else
            info->at[t].threshold = target;
    }
}

/* ------------------------------------------------------------------ storage */

static const char calib_schema[] =
    "CREATE TABLE IF NOT EXISTS calibration("
    " id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL,"
    " fitted_at INTEGER NOT NULL, stamp TEXT NOT NULL, model TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS labels("
    " id INTEGER PRIMARY KEY, question TEXT NOT NULL, kb_id TEXT NOT NULL,"
    " label INTEGER NOT NULL CHECK (label IN (0,1)),"
    " source TEXT NOT NULL CHECK (source IN ('feedback','pick','agent')),"
    " at INTEGER NOT NULL);";

int kb__calib_schema(struct kb *kb, struct sn_err *err)
{
    return kb__exec(kb, calib_schema, err);
}

/* What the model was fitted on: a change to any published entry, synonym or label makes a
 * stored model stale. Owned by the caller. */
static char *base_stamp(struct kb *kb)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT (SELECT count(*) || ':' || coalesce(max(updated),0) || ':' ||"
                           " coalesce(sum(version),0) FROM entries WHERE status='published')"
                           " || ':' || (SELECT count(*) FROM synonyms)"
                           " || ':' || (SELECT count(*) || ':' || coalesce(max(id),0) FROM labels)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = sn_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out ? out : sn_xstrdup("?");
}

static json_t *dbl_array(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static int read_array(json_t *o, const char *key, double *out, int n)
{
    json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || (int)json_array_size(a) != n)
        return 0;
    for (int i = 0; i < n; i++) {
        json_t *x = json_array_get(a, (size_t)i);
        if (!json_is_number(x))
            return 0;
        out[i] = json_number_value(x);
    }
    return 1;
}

/* The stored form: signal names (a model fitted on other signals is refused), scaling,
 * weights, the set's histogram and the report. Owned by the caller (free). */
static char *model_dump(const struct kb__calib *c, const struct kb_calib_info *info)
{
    json_t *o = json_object(), *names = json_array(), *bins = json_array();
    for (int j = 0; j < KB_SIG_N; j++)
        json_array_append_new(names, json_string(sig_names[j]));
    json_object_set_new(o, "signals", names);
    json_object_set_new(o, "mu", dbl_array(c->mu, KB_SIG_N));
    json_object_set_new(o, "sd", dbl_array(c->sd, KB_SIG_N));
    json_object_set_new(o, "w", dbl_array(c->w, KB_SIG_N + 1));
    json_object_set_new(o, "right", dbl_array(c->right, HIST + 1));
    json_object_set_new(o, "all", dbl_array(c->all, HIST + 1));
    json_object_set_new(o, "among", dbl_array(c->among, HIST + 1));
    json_object_set_new(o, "total", json_real(c->total));
    json_object_set_new(o, "n_in", json_integer(info->n_in));
    json_object_set_new(o, "n_right", json_integer(info->n_right));
    json_object_set_new(o, "n_oos", json_integer(info->n_oos));
    json_object_set_new(o, "n_labels", json_integer(info->n_labels));
    json_object_set_new(o, "n_dup", json_integer(info->n_dup));
    json_object_set_new(o, "oos_share", json_real(info->oos_share));
    json_object_set_new(o, "seconds", json_real(info->seconds));
    json_object_set_new(o, "ece", json_real(info->ece));
    for (int b = 0; b < KB_CALIB_BINS; b++)
        json_array_append_new(bins,
                              json_pack("{s:f,s:f,s:i}", "predicted", info->bin[b].predicted,
                                        "observed", info->bin[b].observed, "n", info->bin[b].n));
    json_object_set_new(o, "bins", bins);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* Parses a stored model into c and info (either may be NULL); 0 when it is not one. */
static int model_parse(const char *text, struct kb__calib *c, struct kb_calib_info *info)
{
    json_t *o = json_loads(text, 0, NULL), *names = o ? json_object_get(o, "signals") : NULL;
    struct kb__calib tmp;
    int ok = json_is_array(names) && json_array_size(names) == KB_SIG_N;
    for (int j = 0; ok && j < KB_SIG_N; j++)
        ok = json_is_string(json_array_get(names, (size_t)j)) &&
             strcmp(json_string_value(json_array_get(names, (size_t)j)), sig_names[j]) == 0;
    memset(&tmp, 0, sizeof tmp);
    ok = ok && read_array(o, "mu", tmp.mu, KB_SIG_N) && read_array(o, "sd", tmp.sd, KB_SIG_N) &&
         read_array(o, "w", tmp.w, KB_SIG_N + 1) && read_array(o, "right", tmp.right, HIST + 1) &&
         read_array(o, "all", tmp.all, HIST + 1) && read_array(o, "among", tmp.among, HIST + 1) &&
         json_is_number(json_object_get(o, "total"));
    for (int j = 0; ok && j < KB_SIG_N; j++)
        ok = tmp.sd[j] > 0;
    if (ok) {
        tmp.total = json_number_value(json_object_get(o, "total"));
        tmp.fitted = 1;
        if (c)
            *c = tmp;
        if (info) {
            json_t *bins = json_object_get(o, "bins");
            info->n_in = (int)json_integer_value(json_object_get(o, "n_in"));
            info->n_right = (int)json_integer_value(json_object_get(o, "n_right"));
            info->n_oos = (int)json_integer_value(json_object_get(o, "n_oos"));
            info->n_labels = (int)json_integer_value(json_object_get(o, "n_labels"));
            info->n_dup = (int)json_integer_value(json_object_get(o, "n_dup"));
            info->oos_share = json_number_value(json_object_get(o, "oos_share"));
            info->seconds = json_number_value(json_object_get(o, "seconds"));
            info->ece = json_number_value(json_object_get(o, "ece"));
            for (int b = 0; b < KB_CALIB_BINS && json_is_array(bins); b++) {
                json_t *x = json_array_get(bins, (size_t)b);
                info->bin[b].lo = (double)b / KB_CALIB_BINS;
                info->bin[b].hi = (double)(b + 1) / KB_CALIB_BINS;
                info->bin[b].predicted = json_number_value(json_object_get(x, "predicted"));
                info->bin[b].observed = json_number_value(json_object_get(x, "observed"));
                info->bin[b].n = (int)json_integer_value(json_object_get(x, "n"));
            }
            memcpy(info->w, tmp.w, sizeof info->w);
            targets(&tmp, info);
        }
    }
    json_decref(o);
    return ok;
}

/* Reads the stored model: *text (owned by the caller) and its stamp and time; SN_ENOTFOUND
 * when there is none (or no table: a base from before calibration, opened read-only). */
static int model_read(struct kb *kb, char **text, char **stamp, long long *at)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_ENOTFOUND;
    *text = NULL;
    if (stamp)
        *stamp = NULL;
    if (sqlite3_prepare_v2(
            kb->db, "SELECT model, stamp, fitted_at FROM calibration WHERE id=1 AND format=?1", -1,
            &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, MODEL_FORMAT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *text = sn_xstrdup((const char *)sqlite3_column_text(st, 0));
            if (stamp)
                *stamp = sn_xstrdup((const char *)sqlite3_column_text(st, 1));
            if (at)
                *at = sqlite3_column_int64(st, 2);
            rc = SN_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

void kb__calib_load(struct kb *kb)
{
    char *text = NULL;
    if (kb->calib && kb->calib->gen == kb->index_gen)
        return;
    if (!kb->calib)
        kb->calib = sn_xcalloc(1, sizeof *kb->calib);
    memset(kb->calib, 0, sizeof *kb->calib);
    kb->calib->gen = kb->index_gen;
    if (model_read(kb, &text, NULL, NULL) == SN_OK && !model_parse(text, kb->calib, NULL))
        memset(kb->calib, 0, sizeof *kb->calib); /* not ours: the fallback until refitted */
    kb->calib->gen = kb->index_gen;
    free(text);
}

int kb_calib_info_get(struct kb *kb, struct kb_calib_info *info, struct sn_err *err)
{
    char *text = NULL, *stamp = NULL, *now = NULL;
    long long at = 0;
    memset(info, 0, sizeof *info);
    int rc = kb__df_load(kb, err);
    if (rc)
        return rc;
    if (model_read(kb, &text, &stamp, &at) != SN_OK) {
        info->fallback = 1;
        snprintf(info->why, sizeof info->why, "%s",
                 "this base has not been calibrated yet (sanad kb calibrate)");
    } else if (!model_parse(text, NULL, info)) {
        info->fallback = 1;
        snprintf(info->why, sizeof info->why, "%s",
                 "the stored model is of another version: run sanad kb calibrate");
    } else {
        now = base_stamp(kb);
        info->stale = strcmp(now, stamp) != 0;
        info->fitted_at = at;
    }
    if (info->fallback)
        targets(NULL, info);
    free(text);
    free(stamp);
    free(now);
    return SN_OK;
}

/* ------------------------------------------------------------------ the calibration set */

struct entry_row {
    long long n;
    char *id, lang[3];
    char **ph; /* question, then variants */
    int nph;
};

static void entry_rows_free(struct entry_row *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].id);
        for (int j = 0; j < v[i].nph; j++)
            free(v[i].ph[j]);
        free(v[i].ph);
    }
    free(v);
}

/* Every published entry with its phrasings; *out owned by the caller (entry_rows_free). */
static int read_entries(struct kb *kb, struct entry_row **out, int *nout, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    struct entry_row *v = NULL;
    int n = 0, cap = 0, s, rc = SN_OK;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT n, id, lang, question, variants FROM entries"
                           " WHERE status='published' ORDER BY n",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "calibration");
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            v = sn_xrealloc(v, (size_t)cap * sizeof *v);
        }
        struct entry_row *e = &v[n++];
        json_t *vars = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        size_t nv = json_is_array(vars) ? json_array_size(vars) : 0;
        e->n = sqlite3_column_int64(st, 0);
        e->id = sn_xstrdup((const char *)sqlite3_column_text(st, 1));
        snprintf(e->lang, sizeof e->lang, "%s", (const char *)sqlite3_column_text(st, 2));
        e->ph = sn_xcalloc(nv + 1, sizeof *e->ph);
        e->ph[0] = sn_xstrdup((const char *)sqlite3_column_text(st, 3));
        e->nph = 1;
        for (size_t j = 0; j < nv; j++)
            if (json_is_string(json_array_get(vars, j)))
                e->ph[e->nph++] = sn_xstrdup(json_string_value(json_array_get(vars, j)));
        json_decref(vars);
    }
    if (s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "calibration");
    sqlite3_finalize(st);
    if (rc) {
        entry_rows_free(v, n);
        v = NULL;
        n = 0;
    }
    *out = v;
    *nout = n;
    return rc;
}

/* Asks q (in lang) with ex left out and adds the top hit to the set: right when it is
 * right_id (NULL: out of scope, always wrong). */
static int ask(struct kb *kb,
               struct set *s,
               const char *q,
               const char *lang,
               const struct kb__exclude *ex,
               const char *right_id,
               double wt,
               struct sn_err *err)
{
    struct kb_search_opts o;
    struct kb_results *r = NULL;
    kb_search_opts_init(&o);
    o.k = KB_SUGGEST_K;
    o.lang = lang;
    int rc = kb__search(kb, q, &o, ex, &r, err);
    if (rc == SN_EINVAL || rc == SN_ETOOBIG)
        return SN_OK; /* a phrasing the search refuses is no example */
    if (rc)
        return rc;
    set_add(s, r, right_id, 0, wt);
    kb_results_free(r);
    return SN_OK;
}

struct label_ctx {
    struct kb *kb;
    struct set *s;
    struct sn_err *err;
    int rc;
};

/* A label: a helpful or chosen entry is right for the question, so the question asked
 * now is an example right when that entry comes first. An entry rated not helpful is
 * wrong: an example only when it still comes first. */
static int label_example(void *ctx, const struct kb_label *l)
{
    struct label_ctx *c = ctx;
    struct kb_search_opts o;
    struct kb_results *r = NULL;
    kb_search_opts_init(&o);
    o.k = KB_SUGGEST_K;
    c->rc = kb__search(c->kb, l->question, &o, NULL, &r, c->err);
    if (c->rc == SN_EINVAL || c->rc == SN_ETOOBIG) {
        c->rc = SN_OK;
        return 0;
    }
    if (c->rc)
        return 1;
    if (l->label)
        set_add(c->s, r, l->kb_id, 0, LABEL_WEIGHT);
    else if (r->n > 0 && strcmp(r->v[0].id, l->kb_id) == 0)
        set_add(c->s, r, NULL, 0, LABEL_WEIGHT);
    else {
        kb_results_free(r);
        return 0;
    }
    c->s->n_labels++;
    kb_results_free(r);
    return 0;
}

struct rarest {
    struct kb *kb;
    int start, end, df, content;
};

static int take_rarest(void *ctx, const struct kb_word *w)
{
    struct rarest *r = ctx;
    if (w->stop || w->nforms < 1)
        return 0;
    int df = kb__df_get(r->kb, w->form[0], w->form_len[0]);
    r->content++;
    if (r->start < 0 || df < r->df) {
        r->start = w->start;
        r->end = w->end;
        r->df = df;
    }
    return 0;
}

/* The phrasing with its rarest content word (fewest entries hold it) replaced by a word no
 * entry holds, or NULL when it has under two content words. Visitors' out-of-scope questions
 * mostly share an entry's topic words and differ in the one that matters ("how do I pay my
 * electricity bill" against "how do I pay my bill"); an entry left out whole does not teach
 * that. Owned by the caller (free). */
static char *without_rarest(struct kb *kb, const char *ph, const char *lang)
{
    struct rarest r = {kb, -1, -1, 0, 0};
    kb_analyze(kb->an, ph, (int)strlen(ph), take_rarest, &r);
    if (r.start < 0 || r.content < 2)
        return NULL;
    /* short, so never fuzzy-matched (kb/fuzzy.c: 6 letters and more) */
    const char *alien = strcmp(lang, "ar") == 0 ? "ظذغث" : "qzxv";
    size_t n = strlen(ph) - (size_t)(r.end - r.start) + strlen(alien) + 1;
    char *q = sn_xmalloc(n);
    snprintf(q, n, "%.*s%s%s", r.start, ph, alien, ph + r.end);
    return q;
}

/* Takes every k-th of n items so that about `keep` remain (all when keep >= n). */
static int sampled(long long i, long long n, long long keep)
{
    return keep >= n || (i * keep) / n != ((i + 1) * keep) / n;
}

static int build_set(struct kb *kb, struct set *s, struct sn_err *err)
{
    struct entry_row *ev = NULL;
    int ne = 0, rc = read_entries(kb, &ev, &ne, err);
    long long planned = 0;
    if (rc)
        return rc;
    for (int i = 0; i < ne; i++)
        planned += 1 + (ev[i].nph >= 2 ? (ev[i].nph < IN_PER_ENTRY ? ev[i].nph : IN_PER_ENTRY) : 0);
    long long keep =
        planned > KB_CALIB_MAX_QUERIES ? (long long)ne * KB_CALIB_MAX_QUERIES / planned : ne;
    struct set oos = {0};
    double absent = 0; /* out-of-scope examples of entries left out whole */
    for (int i = 0; i < ne && rc == SN_OK; i++) {
        const struct entry_row *e = &ev[i];
        if (!sampled(i, ne, keep))
            continue;
        /* in scope: each phrasing (up to IN_PER_ENTRY, spread over them) without itself */
        int m = e->nph >= 2 ? (e->nph < IN_PER_ENTRY ? e->nph : IN_PER_ENTRY) : 0;
        for (int k = 0; k < m && rc == SN_OK; k++) {
            int j = (int)((long long)k * e->nph / m);
            struct kb__exclude ex = {e->n, j};
            size_t before = s->n;
            rc = ask(kb, s, e->ph[j], e->lang, &ex, e->id, 1.0, err);
            if (s->n > before) {
                s->n_in++;
                s->n_right += s->v[s->n - 1].hit && s->v[s->n - 1].y > 0;
            }
        }
        /* out of scope: the entry asked as if it did not exist, and its question asked
         * about something no entry holds */
        struct kb__exclude ex = {e->n, -1};
        size_t before = oos.n;
        if (rc == SN_OK)
            rc = ask(kb, &oos, e->ph[e->nph > 1 ? 1 : 0], e->lang, &ex, NULL, 1.0, err);
        absent += oos.n - before;
        char *alien = rc == SN_OK ? without_rarest(kb, e->ph[0], e->lang) : NULL;
        if (alien)
            rc = ask(kb, &oos, alien, e->lang, NULL, NULL, ALIEN_WEIGHT, err);
        free(alien);
    }
    if (rc == SN_OK) {
        struct label_ctx lc = {kb, s, err, SN_OK};
        rc = kb_label_each(kb, 2000, label_example, &lc, err);
        if (rc == SN_OK)
            rc = lc.rc;
    }
    /* Out of scope weighs OOS_SHARE of the in-scope weight, whatever their counts. */
    s->n_oos = (int)oos.n;
    double w = absent && s->n_in ? OOS_SHARE / (1 - OOS_SHARE) * s->n_in / absent : 1;
    for (size_t i = 0; i < oos.n; i++) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 256;
            s->v = sn_xrealloc(s->v, s->cap * sizeof *s->v);
        }
        s->v[s->n] = oos.v[i];
        s->v[s->n].wt = w * oos.v[i].wt;
        s->n++;
    }
    s->n_dup += oos.n_dup;
    free(oos.v);
    entry_rows_free(ev, ne);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int kb_calibrate(struct kb *kb, struct kb_calib_info *info_out, struct sn_err *err)
{
    struct set s = {0};
    struct kb__calib c;
    struct kb_calib_info info;
    char *model = NULL, *stamp = NULL;
    sqlite3_stmt *st = NULL;
    double t0 = now_seconds();
    int rc = kb__df_load(kb, err);
    memset(&info, 0, sizeof info);
    memset(&c, 0, sizeof c);
    if (rc)
        goto out;
    /* the set is asked under the fallback model: its signals do not depend on any model */
    rc = build_set(kb, &s, err);
    if (rc)
        goto out;
    info.n_in = s.n_in;
    info.n_right = s.n_right;
    info.n_oos = s.n_oos;
    info.n_labels = s.n_labels;
    info.n_dup = s.n_dup;
    info.oos_share = OOS_SHARE;
    double right = 0, wrong = 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.v[i].hit)
            *(s.v[i].y > 0 ? &right : &wrong) += 1;
    if (s.n_in < MIN_IN || right < MIN_CLASS || wrong < MIN_CLASS || !fit(&c, &s)) {
        info.fallback = 1;
        snprintf(info.why, sizeof info.why,
                 "too small to calibrate: %d phrasings could be asked without themselves (%d "
                 "needed: add variants), %.0f right and %.0f wrong (%d each needed); a fixed, "
                 "conservative model is used",
                 s.n_in, MIN_IN, right, wrong, MIN_CLASS);
        targets(NULL, &info);
        /* a model fitted before is no longer true of this base */
        rc = kb__exec(kb, "DELETE FROM calibration", err);
        goto out;
    }
    measure(&c, &s, &info);
    info.seconds = now_seconds() - t0;
    info.fitted_at = (long long)time(NULL);
    memcpy(info.w, c.w, sizeof info.w);
    targets(&c, &info);
    model = model_dump(&c, &info);
    stamp = base_stamp(kb);
    if (sqlite3_prepare_v2(kb->db,
                           "INSERT OR REPLACE INTO calibration(id, format, fitted_at, stamp, model)"
                           " VALUES(1, ?1, ?2, ?3, ?4)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "calibration");
        goto out;
    }
    sqlite3_bind_int(st, 1, MODEL_FORMAT);
    sqlite3_bind_int64(st, 2, info.fitted_at);
    sqlite3_bind_text(st, 3, stamp, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, model, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "calibration");
out:
    sqlite3_finalize(st);
    /* our own write does not move data_version for this connection: drop the model here */
    kb__calib_free(kb->calib);
    kb->calib = NULL;
    if (info_out)
        *info_out = info;
    free(model);
    free(stamp);
    free(s.v);
    return rc;
}

/* ------------------------------------------------------------------ labels */

int kb_label_add(struct kb *kb,
                 const char *question,
                 const char *kb_id,
                 int label,
                 int source,
                 struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    size_t len = question ? strlen(question) : 0;
    if (!question || !len || len > KB_MAX_QUERY_BYTES || !sn_utf8_valid(question, len, NULL))
        return sn_err_set(err, SN_EINVAL, "label: the question must be 1..%d bytes of UTF-8",
                          KB_MAX_QUERY_BYTES);
    if (!kb_id || !*kb_id || strlen(kb_id) > 64 || (label != 0 && label != 1) || source < 0 ||
        source > KB_LABEL_AGENT)
        return sn_err_set(err, SN_EINVAL, "label: bad entry id, label or source");
    if ((rc = kb__batch_enter(kb, err)))
        return rc;
    if (sqlite3_prepare_v2(
            kb->db,
            "INSERT INTO labels(question, kb_id, label, source, at)"
            " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM entries WHERE id=?2)",
            -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "label");
    sqlite3_bind_text(st, 1, question, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kb_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, label);
    sqlite3_bind_text(st, 4, source_names[source], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (long long)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "label");
    else if (sqlite3_changes(kb->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "label: no entry %s", kb_id);
    sqlite3_finalize(st);
    return rc;
}

int kb_label_each(struct kb *kb, int limit, kb_label_fn *fn, void *ctx, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int s, rc = SN_OK;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT id, at, question, kb_id, label, source FROM labels"
                           " ORDER BY id DESC LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "labels");
    sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct kb_label l;
        const char *src = (const char *)sqlite3_column_text(st, 5);
        l.id = sqlite3_column_int64(st, 0);
        l.at = sqlite3_column_int64(st, 1);
        l.question = (char *)sqlite3_column_text(st, 2);
        l.kb_id = (char *)sqlite3_column_text(st, 3);
        l.label = sqlite3_column_int(st, 4);
        l.source = KB_LABEL_FEEDBACK;
        for (int i = 0; i <= KB_LABEL_AGENT; i++)
            if (strcmp(src, source_names[i]) == 0)
                l.source = i;
        /* the row's text stays valid through fn: the statement is not stepped meanwhile */
        if (fn(ctx, &l))
            break;
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = kb__dberr(kb, err, "labels");
    sqlite3_finalize(st);
    return rc;
}

int kb_label_rm(struct kb *kb, long long id, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_prepare_v2(kb->db, "DELETE FROM labels WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
        return kb__dberr(kb, err, "labels");
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "labels");
    else if (sqlite3_changes(kb->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "no label %lld", id);
    sqlite3_finalize(st);
    return rc;
}
