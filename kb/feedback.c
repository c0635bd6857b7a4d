/* Helpful votes per entry (see kb/feedback.h). */
#include "kb/feedback.h"

#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "kb/entry.h"
#include "kb/kb_int.h"

/* Version 1: one row per entry. Stored as meta 'feedback'; a later version migrates in
 * kb__feedback_schema, as kb__gap_schema does. */
#define FEEDBACK_SCHEMA_VERSION "1"

static const char feedback_schema[] =
    "CREATE TABLE IF NOT EXISTS feedback("
    " entry_id TEXT PRIMARY KEY, helpful INTEGER NOT NULL DEFAULT 0,"
    " unhelpful INTEGER NOT NULL DEFAULT 0, first INTEGER NOT NULL, last INTEGER NOT NULL);"
    "INSERT OR REPLACE INTO meta VALUES('feedback','" FEEDBACK_SCHEMA_VERSION "');";

int kb__feedback_schema(struct kb *kb, struct sn_err *err)
{
    return kb__exec(kb, feedback_schema, err);
}

static int id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= KB_MAX_ID_BYTES;
}

int kb_feedback_add(struct kb *kb, const char *id, int helpful, long long now, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (!id_ok(id))
        return sn_err_set(err, SN_EINVAL, "feedback: bad entry id");
    if ((rc = kb__batch_enter(kb, err)))
        return rc;
    if (sqlite3_prepare_v2(kb->db,
                           "INSERT INTO feedback(entry_id, helpful, unhelpful, first, last)"
                           " VALUES(?1, ?2, ?3, ?4, ?4) ON CONFLICT(entry_id) DO UPDATE SET"
                           " helpful = helpful + excluded.helpful,"
                           " unhelpful = unhelpful + excluded.unhelpful, last = excluded.last",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = kb__dberr(kb, err, "feedback");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, helpful != 0);
    sqlite3_bind_int(st, 3, helpful == 0);
    sqlite3_bind_int64(st, 4, now ? now : (long long)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = kb__dberr(kb, err, "feedback");
out:
    sqlite3_finalize(st);
    return rc;
}

int kb_feedback_get(struct kb *kb, const char *id, struct kb_feedback *out, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, s;
    memset(out, 0, sizeof *out);
    if (!id_ok(id))
        return SN_OK; /* no entry has such an id: no votes */
    memcpy(out->id, id, strlen(id) + 1);
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT helpful, unhelpful, first, last FROM feedback"
                           " WHERE entry_id = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        /* a read-only base made before the table has no votes */
        if (strstr(sqlite3_errmsg(kb->db), "no such table"))
            goto out;
        rc = kb__dberr(kb, err, "feedback");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->helpful = sqlite3_column_int(st, 0);
        out->unhelpful = sqlite3_column_int(st, 1);
        out->first = sqlite3_column_int64(st, 2);
        out->last = sqlite3_column_int64(st, 3);
    } else if (s != SQLITE_DONE) {
        rc = kb__dberr(kb, err, "feedback");
    }
out:
    sqlite3_finalize(st);
    return rc;
}
