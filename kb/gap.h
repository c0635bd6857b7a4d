/* Knowledge gaps: visitor questions the base could not answer (low confidence), answers
 * rated "not helpful", questions followed by a request for a human, and questions whose
 * answer a visitor picked among suggestions (their wording is proposed as a variant). Variants of one
 * question collapse into one gap: the key is the sorted set of the question's analyzed
 * non-stop words (synonyms applied), so "how do I pay my bill" and "how can I pay the
 * bill?" count together. Editors list them by count and promote them into entries. */
#ifndef SANAD_KB_GAP_H
#define SANAD_KB_GAP_H

#include "kb/base.h"

struct kb;
struct kb_entry;

enum kb_gap_reason { KB_GAP_LOW = 0, KB_GAP_UNHELPFUL = 1, KB_GAP_HUMAN = 2, KB_GAP_PICKED = 3 };
#define KB_GAP_MAX_TEXT 1024 /* longer questions are recorded cut to this (on a character) */

/* Records one occurrence of question text (lang "ar"/"en") for reason at time now (Unix
 * seconds; 0 = the current time). A text with no meaningful word (emoji, punctuation, only
 * stop words) is not recorded and returns SN_OK. A resolved gap asked again is reopened.
 * SN_EINVAL for invalid UTF-8 or lang or a reason other than LOW, UNHELPFUL and HUMAN,
 * SN_EDB on a database failure (read-only base). */
int kb_gap_log(struct kb *kb, const char *text, const char *lang, int reason, long long now,
               struct sn_err *err);

/* Records that a visitor who asked text picked entry_id among the suggestions: the gap
 * (reason KB_GAP_PICKED) proposes text as a variant of entry_id, which an editor accepts
 * with kb_gap_promote_to. The latest pick names the proposal. Nothing is recorded (SN_OK)
 * when entry_id already holds text as its question or a variant. Same errors as
 * kb_gap_log, and SN_ENOTFOUND when there is no entry entry_id. */
int kb_gap_propose(struct kb *kb, const char *text, const char *lang, const char *entry_id,
                   long long now, struct sn_err *err);

struct kb_gap {
    long long id;
    char lang[3];
    char *key;      /* the grouping key: sorted analyzed words */
    char *analyzed; /* the analyzed form of the latest sample, in order */
    char *sample;   /* the latest question text as asked */
    int count, n_low, n_unhelpful, n_human, n_picked;
    char *proposed_to; /* the entry visitors picked for it (a proposed variant), or "" */
    long long first, last;
    int resolved;      /* 1 once promoted */
    char *resolved_to; /* the entry it was promoted to, or "" */
};

/* Open gaps (with all=1 resolved ones too) of lang (NULL = any), most asked first, then most
 * recent; at most limit (<= 0: no limit). *out is a new array owned by the caller
 * (kb_gaps_free), possibly empty (*n = 0). */
int kb_gap_list(struct kb *kb, const char *lang, int limit, int all, struct kb_gap **out,
                int *n, struct sn_err *err);
void kb_gaps_free(struct kb_gap *v, int n);
/* Fills *out with gap id (strings owned by *out: kb_gap_fini). SN_ENOTFOUND when there is
 * no such gap; *out is then zeroed. */
int kb_gap_get(struct kb *kb, long long id, struct kb_gap *out, struct sn_err *err);
void kb_gap_fini(struct kb_gap *g);

/* Marks gap id resolved by entry_id. SN_ENOTFOUND when there is no such gap. */
int kb_gap_resolve(struct kb *kb, long long id, const char *entry_id, struct sn_err *err);

/* Promotes gap id into a new entry: e (caller's, filled with at least the answer; question
 * and lang default to the gap's sample and language; the sample becomes a variant when the
 * question differs) is added with kb_entry_add (its id written back), then the gap is
 * resolved. Errors of kb_entry_add, or SN_ENOTFOUND for the gap. */
int kb_gap_promote_new(struct kb *kb, long long id, struct kb_entry *e, struct sn_err *err);
/* Adds gap id's sample as a variant of entry entry_id (unless it already is one), then
 * resolves the gap. SN_ENOTFOUND for either, SN_ETOOBIG when the entry has the maximum
 * number of variants. */
int kb_gap_promote_to(struct kb *kb, long long id, const char *entry_id, struct sn_err *err);

#endif
