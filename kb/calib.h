/* Calibration: the probability that a hit is the right answer, learned from the base itself.
 *
 * A hit carries the signals the ranker has (margins in both views, coverage both ways, ...);
 * a small logistic model maps them to a probability. It is fitted on a calibration set
 * built from the base's own phrasings: each phrasing asked with itself left out (right or
 * wrong top hit), and each entry asked with the whole entry left out (out of scope: any
 * answer is wrong), plus the labelled examples that use produced (kb_label_add). The model
 * is stored in the base (table calibration) with the thresholds that meet each precision
 * target on that set; kb_search applies it. A base too small to fit one uses a fixed,
 * conservative model and says so (struct kb_calib_info.fallback). docs/matching.md has the
 * measurements. */
#ifndef SANAD_KB_CALIB_H
#define SANAD_KB_CALIB_H

#include "kb/base.h"

struct kb;

/* The model's inputs, in the order of a hit's signal vector (kb_hit.sig). */
enum kb_sig {
    KB_SIG_S1,       /* top score, confidence view (plain IDF) */
    KB_SIG_MARGIN,   /* its lead over the best score ranked below it, same view */
    KB_SIG_S1_RANK,  /* top score, ranking view (IDF²) */
    KB_SIG_MARGIN_R, /* its lead over the next hit, ranking view */
    KB_SIG_COVER_Q,  /* share of the question the best phrasing covers */
    KB_SIG_COVER_R,  /* share of the best phrasing the question covers */
    KB_SIG_SECOND,   /* score of the entry's second-best phrasing (phrasings agreeing) */
    KB_SIG_MASS,     /* IDF mass of the question's words that matched */
    KB_SIG_MISSED,   /* IDF mass of the question's content words that did not */
    KB_SIG_QLEN,     /* content words of the question */
    KB_SIG_AGREE,    /* 1 when both views put this hit above the ones below it */
    KB_SIG_GEO,      /* sqrt(margin × s1): the hand-made confidence of analyzer 2 */
    KB_SIG_COVER_E,  /* share of the question found anywhere in the entry's phrasings and keywords */
    KB_SIG_N
};
/* The signal's name as stored with a model and shown by --explain ("margin", ...). */
const char *kb_sig_name(int sig);

/* Caps and floors applied to a hit's probability (kb_hit.caps), each a policy of its own. */
enum kb_cap {
    KB_CAP_GUESS = 1,     /* the question covers under half the phrasing, and the entry does
                           * not hold all of it: never answered */
    KB_CAP_DISAGREE = 2,  /* the two views disagree on the order: never answered */
    KB_FLOOR_COVERED = 4, /* the phrasing holds the whole question: at least suggested */
    KB_CAP_BELOW = 8,     /* not above the hit ranked before it */
    KB_CAP_UNKNOWN = 16,  /* the entry holds under a quarter of the question: not even offered */
};

/* Thresholds on the probability: answer at or above `answer`, suggest at or above `suggest`. */
struct kb_bands {
    double answer, suggest;
};

/* The band (enum kb_band) of probability p under b. Pure. */
int kb_calib_band(double p, const struct kb_bands *b);

/* The caps and floors policy (pure): given the model's probability p, the hit's coverage of
 * the phrasing (cover_r), of the question by that phrasing (cover_q) and by the whole entry
 * (cover_e, enum kb_sig KB_SIG_COVER_E), whether the views agree, and the
 * probability of the hit ranked above it (or > 1 for the first), returns the final
 * probability and sets *caps to the enum kb_cap bits that changed it. */
double kb_calib_policy(double p,
                       double cover_q,
                       double cover_r,
                       double cover_e,
                       int agree,
                       double above,
                       const struct kb_bands *b,
                       unsigned *caps);

/* The probability the current model gives to signal vector sig[KB_SIG_N]. */
double kb_calib_prob(struct kb *kb, const double *sig);

/* The bands that meet precision targets answer_precision and suggest_precision on the
 * calibration set of the current model (the fallback model: fixed bands). */
void kb_calib_bands(struct kb *kb,
                    double answer_precision,
                    double suggest_precision,
                    struct kb_bands *out);

#define KB_CALIB_TARGETS 10 /* 0.80, 0.82, ... 0.98 */
#define KB_CALIB_BINS    10

/* What a fitted model says of itself. */
struct kb_calib_info {
    int fallback;        /* 1: no model fitted (base too small, or never calibrated) */
    int stale;           /* 1: fitted for an earlier state of the base */
    char why[240];       /* with fallback: the reason, for editors */
    int n_in, n_right;   /* in-scope examples (phrasings asked without themselves), right top */
    int n_oos;           /* out-of-scope examples (entries asked without themselves) */
    int n_labels;        /* labelled examples from use */
    int n_dup;           /* questions another entry holds almost word for word (left out) */
    double oos_share;    /* weight given to out of scope in the fit */
    double seconds;      /* time the fit took */
    long long fitted_at; /* unix seconds */
    struct {
        double target, threshold, answered, precision;
    } at[KB_CALIB_TARGETS];
    struct {
        double lo, hi, predicted, observed;
        int n;
    } bin[KB_CALIB_BINS];
    double ece;             /* expected calibration error over the bins (weighted) */
    double w[KB_SIG_N + 1]; /* the model: one weight per standardized signal, bias last */
};

/* Builds the calibration set, fits the model and stores it in the base (one transaction).
 * Takes about a search per example (at most KB_CALIB_MAX_QUERIES). Fills *info when not
 * NULL. A base too small to fit stores nothing and reports fallback = 1 (SN_OK). SN_EDB on
 * database failure, with nothing stored. */
#define KB_CALIB_MAX_QUERIES 6000
int kb_calibrate(struct kb *kb, struct kb_calib_info *info, struct sn_err *err);

/* Describes the model in use (read from the base). */
int kb_calib_info_get(struct kb *kb, struct kb_calib_info *info, struct sn_err *err);

/* Labelled examples from use: a question and the entry that was right for it (label 1: a
 * helpful answer, a picked suggestion, an agent's answer after a handoff) or wrong for it
 * (label 0: an answer rated not helpful). They join the calibration set at the next fit. */
enum kb_label_source { KB_LABEL_FEEDBACK, KB_LABEL_PICK, KB_LABEL_AGENT };
const char *kb_label_source_name(int source);
int kb_label_add(struct kb *kb,
                 const char *question,
                 const char *kb_id,
                 int label,
                 int source,
                 struct sn_err *err);
struct kb_label {
    long long id, at;
    char *question, *kb_id;
    int label, source;
};
/* Calls fn for each label, newest first (at most limit; 0 = all). Strings are borrowed for
 * the call. fn returns 0 to go on. */
typedef int kb_label_fn(void *ctx, const struct kb_label *l);
int kb_label_each(struct kb *kb, int limit, kb_label_fn *fn, void *ctx, struct sn_err *err);
/* SN_ENOTFOUND when there is no label id. */
int kb_label_rm(struct kb *kb, long long id, struct sn_err *err);

#endif
