/* The knowledge base: what bot/, intents/ and the CLI use. One SQLite file (WAL) holding
 * entries, their edit history, synonyms and an FTS5 index kept in sync by this module.
 * A struct kb is one connection: use it from one thread at a time. */
#ifndef SANAD_KB_KB_H
#define SANAD_KB_KB_H

#include <stdio.h>

#include "kb/base.h"
#include "kb/entry.h"

struct kb;

enum kb_open_flags { KB_OPEN_CREATE = 1, KB_OPEN_READONLY = 2 };

/* Opens (with KB_OPEN_CREATE: creates if missing and installs the schema) the database at
 * path. Returns a handle owned by the caller (kb_close), or NULL with err set:
 * SN_ENOTFOUND when the file is missing or has no schema and KB_OPEN_CREATE is not given. */
struct kb *kb_open(const char *path, int flags, struct sn_err *err);
void kb_close(struct kb *kb);

/* Group commit of the writes a server makes while it answers (gaps, labels: kb_gap_log,
 * kb_gap_propose, kb_label_add): after kb_batch_begin they join one transaction, begun by
 * the first, until kb_batch_end commits it (SN_OK, or SN_EDB with the batch rolled back).
 * Not for the editing functions, which run transactions of their own: end the batch first. */
void kb_batch_begin(struct kb *kb);
int kb_batch_end(struct kb *kb, struct sn_err *err);

/* Adds e. An empty e->id gets a fresh one (written back into e). Unset created/updated/
 * version are filled in (now, now, 1). SN_ECONFLICT if the id exists, SN_EINVAL if e is
 * invalid. Every write is one transaction and is recorded in the history. */
int kb_entry_add(struct kb *kb, struct kb_entry *e, struct sn_err *err);
/* Replaces the entry with e->id by e (version+1, updated=now, created kept).
 * SN_ENOTFOUND / SN_EINVAL. */
int kb_entry_update(struct kb *kb, struct kb_entry *e, struct sn_err *err);
/* kb_entry_update when the stored entry is still at version expect (> 0; 0: any), else
 * SN_ECONFLICT naming both versions: an editor who saves what another changed meanwhile is
 * told, never silently overwrites. */
int kb_entry_update_if(struct kb *kb, struct kb_entry *e, int expect, struct sn_err *err);
/* Publishes (KB_PUBLISHED) or unpublishes (KB_DRAFT) entry id when it is at version expect
 * (> 0; 0: any), else SN_ECONFLICT; recorded as "publish" / "unpublish". Already in that
 * status: nothing changes (SN_OK). SN_ENOTFOUND. */
int kb_entry_set_status(struct kb *kb, const char *id, int status, int expect, struct sn_err *err);
int kb_entry_rm(struct kb *kb, const char *id, struct sn_err *err);
/* kb_entry_rm when the entry is at version expect (> 0; 0: any), else SN_ECONFLICT. */
int kb_entry_rm_if(struct kb *kb, const char *id, int expect, struct sn_err *err);

/* Who the history records for this connection's later writes (a login, "cli:USER"); at most
 * KB_MAX_ACTOR_BYTES, cut beyond; NULL or "" records nobody. */
#define KB_MAX_ACTOR_BYTES 64
void kb_set_actor(struct kb *kb, const char *who);
/* The entry, owned by the caller (kb_entry_free), or NULL with err set (SN_ENOTFOUND). */
struct kb_entry *kb_entry_get(struct kb *kb, const char *id, struct sn_err *err);

struct kb_filter {
    const char *lang;     /* NULL = any */
    const char *category; /* NULL = any */
    int status;           /* -1 = any */
    const char *text;     /* NULL or "" = any; else a substring of id, question, variants,
                           * answer or keywords (ASCII letters in any case) */
    long long offset;     /* rows skipped (paging) */
    long long limit;      /* <= 0: all */
};
/* Appends matching entries ordered by id to out (caller owns). */
int kb_entry_list(struct kb *kb,
                  const struct kb_filter *f,
                  struct kb_entry_list *out,
                  struct sn_err *err);
/* How many entries f selects, its offset and limit aside. */
int kb_entry_count(struct kb *kb, const struct kb_filter *f, long long *total, struct sn_err *err);

/* The categories in use (lang NULL: both languages), ordered by language then name, with
 * how many entries and published entries each holds ("" is the uncategorized). *out is a
 * new array owned by the caller (kb_categories_free). */
struct kb_category {
    char lang[3];
    char *name;
    int entries, published;
};
int kb_category_list(
    struct kb *kb, const char *lang, struct kb_category **out, int *n, struct sn_err *err);
void kb_categories_free(struct kb_category *v, int n);

/* One recorded version: the snapshot as it was after the action. */
struct kb_version {
    int version;
    long long at;
    char action[12];                 /* add, edit, publish, unpublish, rm, revert, import */
    char by[KB_MAX_ACTOR_BYTES + 1]; /* who (kb_set_actor), "" when unknown */
    struct kb_entry *entry;
};
/* Versions of id oldest first, in a new array owned by the caller (kb_history_free).
 * Deleted entries keep their history. SN_ENOTFOUND when there is none. */
int kb_history(struct kb *kb, const char *id, struct kb_version **out, int *n, struct sn_err *err);
void kb_history_free(struct kb_version *v, int n);
/* Makes version `version` of id current again as a new version (recreating the entry if it
 * was removed). SN_ENOTFOUND when that version does not exist. */
int kb_revert(struct kb *kb, const char *id, int version, struct sn_err *err);

struct kb_import_stats {
    int added, updated, unchanged;
    struct kb_import_report rows; /* what tidying did; on failure every invalid row */
};
/* Imports a whole file image in one transaction. The file is read with kb_parse_import():
 * fields trimmed, line breaks and the case of lang/status tidied, empty rows skipped, each
 * counted in st->rows. Every row is validated first, and any invalid row rejects the file
 * with nothing changed: err holds the first "line N: reason", st->rows.bad lists them all
 * (up to KB_MAX_LISTED_ROWS, then how many more). Rows whose id exists update that entry
 * (history kept); identical rows are left alone. st is overwritten; the caller frees
 * st->rows with kb_import_report_fini() after success and failure alike. */
int kb_import(struct kb *kb,
              enum kb_format fmt,
              const char *buf,
              size_t len,
              struct kb_import_stats *st,
              struct sn_err *err);
/* Writes every entry (all statuses, ordered by id) to f. */
int kb_export(struct kb *kb, enum kb_format fmt, FILE *f, struct sn_err *err);

/* Synonyms map a word or brand name to its canonical word at query time (عايز -> اريد,
 * موبايل -> هاتف). Both sides are single words; matching goes through the analyzer. */
int kb_synonym_add(struct kb *kb, const char *term, const char *canonical, struct sn_err *err);
int kb_synonym_rm(struct kb *kb, const char *term, struct sn_err *err);
/* Adds the pairs of text[0..len), one TERM<TAB>CANONICAL a line (# comments and empty lines
 * skipped; kb/synonyms.tsv is the defaults' file), all or none: SN_EINVAL names the first
 * bad line. *added: the pairs added. */
int kb_synonym_load(struct kb *kb, const char *text, size_t len, int *added, struct sn_err *err);
typedef int kb_synonym_fn(void *ctx, const char *term, const char *canonical);
int kb_synonym_each(struct kb *kb, kb_synonym_fn *fn, void *ctx, struct sn_err *err);

enum kb_band { KB_BAND_LOW = 0, KB_BAND_MEDIUM = 1, KB_BAND_HIGH = 2 };
/* Bands come from precision targets on the calibrated probability (kb/calib.h): the bot
 * answers when the answers it gives at that probability are right answer_precision of the
 * time on the base's calibration set, and suggests likewise at suggest_precision. high and
 * medium are raw overrides on the probability; KB_DEFAULT_HIGH / KB_DEFAULT_MEDIUM (< 0)
 * mean "from the targets". */
#define KB_DEFAULT_ANSWER_PRECISION  0.90
#define KB_DEFAULT_SUGGEST_PRECISION 0.50
#define KB_DEFAULT_HIGH              (-1.0)
#define KB_DEFAULT_MEDIUM            (-1.0)
const char *kb_band_name(int band);

#define KB_MAX_QUERY_BYTES 4096 /* longer questions are refused with SN_ETOOBIG */
#define KB_MAX_K           20
#define KB_SUGGEST_K       3 /* suggestions a visitor is offered (calibrated as a set) */

struct kb_search_opts {
    int k;                    /* results wanted, 1..KB_MAX_K */
    const char *lang;         /* only entries in this language; NULL = any */
    double answer_precision;  /* in (0,1]: precision target of answers */
    double suggest_precision; /* in (0,1]: precision target of suggestions (<= answer's) */
    double high, medium;      /* raw band thresholds on the probability; < 0 = from targets */
    int explain;              /* fill kb_results.explain */
};
/* Sets the defaults (k 5, any language, the default targets, no overrides, no explain). */
void kb_search_opts_init(struct kb_search_opts *o);

struct kb_hit {
    char *id, *question, *answer, *category;
    char lang[3];
    double score;      /* ranking similarity in [0,1] */
    double confidence; /* probability that this is the right answer, after the caps */
    double p;          /* the calibration model's probability, before the caps */
    unsigned caps;     /* enum kb_cap bits (kb/calib.h) that changed p into confidence */
    int band;          /* enum kb_band */
    double cover_q;    /* share of the question covered by the best phrasing (IDF-weighted) */
    double cover_r;    /* share of that phrasing covered by the question */
    double first_pass; /* first-pass score: summed IDF of the question words the entry's
                        * phrasings hold (docs/matching.md) */
    double sig[13];    /* the model's inputs, enum kb_sig order (KB_SIG_N) */
};
struct kb_results {
    struct kb_hit *v;
    int n;
    double answer_at, suggest_at; /* the band thresholds applied */
    int calibrated;               /* 0: the base has no fitted model (fallback model) */
    char *explain;                /* with opts.explain: human-readable analysis, else NULL */
};
/* Searches published entries. The question is analyzed (never passed to MATCH as syntax).
 * On success *out is owned by the caller (kb_results_free) and may hold 0 hits.
 * SN_EINVAL for invalid UTF-8, SN_ETOOBIG past KB_MAX_QUERY_BYTES. */
int kb_search(struct kb *kb,
              const char *question,
              const struct kb_search_opts *o,
              struct kb_results **out,
              struct sn_err *err);
void kb_results_free(struct kb_results *r);

#endif
