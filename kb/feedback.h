/* "Was this helpful?" votes on entries, counted per entry: the help center's yes/no form (and
 * later any other reader of an answer). Counts only, no visitor data: one row per entry with
 * its helpful and unhelpful totals and the time of the first and last vote. The table carries
 * its own schema version (meta 'feedback'), as the gaps table does. */
#ifndef SANAD_KB_FEEDBACK_H
#define SANAD_KB_FEEDBACK_H

#include "kb/base.h"

struct kb;

/* The votes on one entry. */
struct kb_feedback {
    char id[65]; /* the entry id (KB_MAX_ID_BYTES + 1) */
    int helpful, unhelpful;
    long long first, last; /* Unix seconds of the first and the latest vote; 0 when none */
};

/* Counts one vote on entry id (helpful 1: yes, 0: no) at now (Unix seconds; 0 = the current
 * time). The vote joins the open batch like a gap (kb_batch_begin), else commits at once.
 * The caller checks that the entry exists and is published; votes on an id that later goes
 * away are kept (the history keeps the id too). SN_EINVAL for an empty or over-long id,
 * SN_EDB on a database failure (a read-only base). */
int kb_feedback_add(struct kb *kb, const char *id, int helpful, long long now, struct sn_err *err);

/* The votes on entry id into *out: SN_OK, with zero counts when the entry has none (or the
 * base predates the table); SN_EDB on a database failure. */
int kb_feedback_get(struct kb *kb, const char *id, struct kb_feedback *out, struct sn_err *err);

#endif
