/* The SQLite conversation store: one file, WAL, prepared statements finalized in close.
 *
 * Checkpoints run on a thread of their own with its own connection, once a second. Left to
 * SQLite's auto-checkpoint they ran inside whichever commit crossed 1,000 WAL pages, on the
 * event loop, with an fsync: a few milliseconds that every visitor then waiting paid (the
 * unloaded answer p99 of scripts/bench-ws). A passive checkpoint never blocks our writer. */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bot/store.h"
#include "kb/base.h"

/* The schema this binary writes, as PRAGMA user_version counts it (the store owns the
 * file's user_version). A file of an older version is migrated by steps[] in one
 * transaction; a newer one is refused, so that an older binary started on it by mistake
 * cannot write rows the newer one would misread.
 *   0  as created before versions (messages with their wire frame, routing columns added
 *      by ALTER TABLE at every start)
 *   1  the routing columns of conversations
 *   2  messages as fields: no frame, an agent column and meta (JSON text)
 *   3  every dialogue in the stored form of its owner (bot_dialogue_upgrade: JSON with a
 *      format version, no raw struct left for a later layout to misread)
 *   4  attachments: a row per uploaded file (its bytes are files in attachments_dir)
 *   5  the visitors' profiles (the pre-chat form): a table of their own
 *   6  cases and their timelines (bot/case.h): two tables; conversations and tickets from
 *      before have no case (one is made at their next handoff or left message)
 *   7  the indexes the console's case search (store_case_search) filters by
 *   8  the SLA targets a case has missed (cases.sla_breached, STORE_SLA_*): an alert is
 *      sent once per target, across restarts; 0 for every case from before
 *   9  a case's tier (escalation, bot/escalate.h): 1, the first line, for every case
 *  10  the privacy audit (bot/privacy.h): who exported or deleted whose data, by a hash
 *  11  stats_events, the analytics record (docs/analytics.md): on a migrated file backfilled
 *      from the conversations, messages, ratings and case timelines it holds (the figures of
 *      the time before); the email indexes that the repeat-contact check reads */
#define SCHEMA_VERSION 11

/* secure_delete: a deleted row's bytes are overwritten with zeros in the page, not left in
 * free space, so that a purge (bot/privacy.h) leaves no text in the file (docs/privacy.md). */
static const char pragmas[] = "PRAGMA journal_mode=WAL;"
                              "PRAGMA synchronous=NORMAL;"
                              "PRAGMA foreign_keys=ON;"
                              "PRAGMA secure_delete=ON;";

/* Tables every version has had, created when missing (a version-0 file may predate some). */
#define SCHEMA_OTHER_TABLES                                                                      \
    "CREATE TABLE IF NOT EXISTS feedback("                                                       \
    " conv_id TEXT NOT NULL, seq INTEGER NOT NULL, helpful INTEGER NOT NULL,"                    \
    " ts INTEGER NOT NULL);"                                                                     \
    "CREATE TABLE IF NOT EXISTS csat("                                                           \
    " conv_id TEXT PRIMARY KEY, rating INTEGER NOT NULL, comment TEXT, ts INTEGER NOT NULL);"    \
    "CREATE TABLE IF NOT EXISTS tickets("                                                        \
    " id INTEGER PRIMARY KEY, conv_id TEXT, lang TEXT NOT NULL DEFAULT 'ar', email TEXT,"        \
    " consent INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL, created INTEGER NOT NULL,"         \
    " status TEXT NOT NULL DEFAULT 'open');"                                                     \
    "CREATE TABLE IF NOT EXISTS canned("                                                         \
    " shortcut TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL, updated INTEGER NOT NULL," \
    " PRIMARY KEY(shortcut, lang));"

/* Uploaded files (bot/attach.h): id random, the file named by its content hash (several rows
 * may share one), the type sniffed from the bytes. Version 4. */
#define SCHEMA_ATTACHMENTS                                                                \
    "CREATE TABLE attachments("                                                           \
    " id TEXT PRIMARY KEY, conv_id TEXT NOT NULL REFERENCES conversations(id),"           \
    " hash TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL, name TEXT NOT NULL," \
    " created INTEGER NOT NULL) WITHOUT ROWID;"                                           \
    "CREATE INDEX attachments_conv ON attachments(conv_id);"                              \
    "CREATE INDEX attachments_hash ON attachments(hash);"
/* The pre-chat form's answers, one row per conversation (v5). */
#define SCHEMA_PROFILES                                                              \
    "CREATE TABLE IF NOT EXISTS profiles("                                           \
    " conv_id TEXT PRIMARY KEY REFERENCES conversations(id), name TEXT, email TEXT," \
    " consent INTEGER NOT NULL DEFAULT 0, department TEXT, updated INTEGER NOT NULL);"

/* Cases (v6): one row per request, its reference unique; the timeline is append-only, in
 * the order of its rowid. */
#define SCHEMA_CASES                                                                       \
    "CREATE TABLE IF NOT EXISTS cases("                                                    \
    " id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"                                   \
    " conv_id TEXT REFERENCES conversations(id), ticket_id INTEGER, visitor_id TEXT,"      \
    " status TEXT NOT NULL DEFAULT 'new', priority INTEGER NOT NULL DEFAULT 0,"            \
    " department TEXT, assignee TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL," \
    " first_response_at INTEGER, solved_at INTEGER);"                                      \
    "CREATE INDEX IF NOT EXISTS cases_conv ON cases(conv_id, id);"                         \
    "CREATE INDEX IF NOT EXISTS cases_visitor ON cases(visitor_id, id)"                    \
    " WHERE visitor_id IS NOT NULL;"                                                       \
    "CREATE TABLE IF NOT EXISTS case_events("                                              \
    " id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id),"              \
    " ts INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT);"         \
    "CREATE INDEX IF NOT EXISTS case_events_case ON case_events(case_id, id);"
/* The SLA targets a case has missed (v8): a column added to v6's table, on a fresh file too,
 * so that both have the same columns in the same order. */
#define SCHEMA_CASES_SLA "ALTER TABLE cases ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;"

/* The case search's indexes (v7) lists cases newest first (ORDER BY id DESC) under one or more
 * equality filters. With (column, id) indexes a filter on status, department or assignee is
 * a backwards walk of its own index, already in id order: no scan of the table and no sort,
 * and paging (id < before) starts where the last page ended. created gets a plain index for a
 * date range alone. The reference (UNIQUE) and the visitor (cases_visitor) have theirs. */
#define SCHEMA_CASE_SEARCH                                                 \
    "CREATE INDEX IF NOT EXISTS cases_status ON cases(status, id);"        \
    "CREATE INDEX IF NOT EXISTS cases_department ON cases(department, id)" \
    " WHERE department IS NOT NULL;"                                       \
    "CREATE INDEX IF NOT EXISTS cases_assignee ON cases(assignee, id)"     \
    " WHERE assignee IS NOT NULL;"                                         \
    "CREATE INDEX IF NOT EXISTS cases_created ON cases(created);"

/* A case's tier (v9): 1 at creation, one up at each escalation. */
#define SCHEMA_CASE_TIER "ALTER TABLE cases ADD COLUMN tier INTEGER NOT NULL DEFAULT 1;"

/* The privacy audit (v10): one row per export, deletion or retention run; the subject by a
 * hash of its value, never the value (docs/privacy.md). */
#define SCHEMA_AUDIT                                                                 \
    "CREATE TABLE IF NOT EXISTS audit("                                              \
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL,"             \
    " action TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_hash TEXT NOT NULL," \
    " conversations INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0);"

/* The analytics record (v11): facts without text or visitor identity, kept by a purge
 * (docs/analytics.md). Every row carries start, the time of its conversation's "conv" row
 * (filled by the insert), so that the conversations started in a span and all their rows are
 * one range of the covering index stats_events_start, in conversation order: the walk is a
 * sequential read of that index, no table page and no lookup per conversation. (conv, kind,
 * ts) serves the lookups of the writes (the start, the last queued or assigned); the email
 * indexes the repeat-contact check when a case is made. */
#define SCHEMA_STATS                                                                            \
    "CREATE TABLE IF NOT EXISTS stats_events("                                                  \
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, conv TEXT,"              \
    " lang TEXT, channel TEXT, agent TEXT, sub TEXT, band TEXT, value INTEGER, value2 INTEGER," \
    " start INTEGER);"                                                                          \
    "CREATE INDEX IF NOT EXISTS stats_events_ts ON stats_events(ts);"                           \
    "CREATE INDEX IF NOT EXISTS stats_events_kind_ts ON stats_events(kind, ts);"                \
    "CREATE INDEX IF NOT EXISTS stats_events_conv ON stats_events(conv, kind, ts);"             \
    "CREATE INDEX IF NOT EXISTS stats_events_start ON stats_events(start, conv, id, ts, kind,"  \
    " lang, channel, agent, sub, band, value, value2) WHERE start IS NOT NULL;"                 \
    "CREATE INDEX IF NOT EXISTS profiles_email ON profiles(email COLLATE NOCASE)"               \
    " WHERE email IS NOT NULL;"                                                                 \
    "CREATE INDEX IF NOT EXISTS tickets_email ON tickets(email COLLATE NOCASE)"                 \
    " WHERE email IS NOT NULL;"

/* A fresh file, at SCHEMA_VERSION: the same tables and columns, in the same order, as a
 * migrated one. */
static const char schema[] =
    "CREATE TABLE conversations("
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
    " state TEXT NOT NULL DEFAULT 'bot', lang TEXT NOT NULL DEFAULT 'ar',"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL DEFAULT 0, dialogue BLOB,"
    " agent_id INTEGER, queued_at INTEGER, resolution TEXT);"
    "CREATE INDEX conversations_state ON conversations(state, queued_at);"
    "CREATE TABLE messages("
    " conv_id TEXT NOT NULL REFERENCES conversations(id), seq INTEGER NOT NULL,"
    " sender TEXT NOT NULL, client_id TEXT, text TEXT NOT NULL, kind TEXT, kb_id TEXT,"
    " band TEXT, intent TEXT, ts INTEGER NOT NULL, agent TEXT, meta TEXT,"
    " PRIMARY KEY(conv_id, seq)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX messages_client_id ON messages(conv_id, client_id)"
    " WHERE client_id IS NOT NULL;" SCHEMA_OTHER_TABLES SCHEMA_ATTACHMENTS SCHEMA_PROFILES
        SCHEMA_CASES SCHEMA_CASE_SEARCH SCHEMA_CASES_SLA SCHEMA_CASE_TIER SCHEMA_AUDIT SCHEMA_STATS;

/* A frame's keys that columns hold; every other key of a version-0 frame moves to meta.
 * "from", "is_bot" and "note" are the sender; "agent" is {"name"}. */
static const char *const frame_columns[] = {"type",      "seq",   "from",  "text", "ts",
                                            "client_id", "kind",  "kb_id", "band", "intent",
                                            "is_bot",    "agent", "note"};

struct migration {
    sqlite3 *db;
    long long unreadable;               /* version-0 rows whose frame was not a JSON object */
    store_dialogue_upgrade_fn *upgrade; /* NULL: dialogues are kept as they are */
    long long upgraded;                 /* dialogues rewritten */
};

static int is_column(const char *key)
{
    for (size_t i = 0; i < sizeof frame_columns / sizeof *frame_columns; i++)
        if (!strcmp(key, frame_columns[i]))
            return 1;
    return 0;
}

/* SQL function frame_meta(frame): the frame's keys without a column, as a JSON object
 * (NULL when there are none, or when the frame does not parse: counted). */
static void fn_frame_meta(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    struct migration *mg = sqlite3_user_data(cx);
    const char *frame = (const char *)sqlite3_value_text(argv[0]);
    json_t *o = frame ? json_loadb(frame, (size_t)sqlite3_value_bytes(argv[0]), 0, NULL) : NULL;
    json_t *meta = json_object();
    const char *key;
    json_t *v;
    char *text = NULL;
    (void)argc;
    if (!json_is_object(o)) {
        mg->unreadable++;
        goto out;
    }
    json_object_foreach(o, key, v)
    {
        if (!is_column(key))
            json_object_set(meta, key, v);
    }
    if (json_object_size(meta))
        text = json_dumps(meta, JSON_COMPACT);
out:
    if (text)
        sqlite3_result_text(cx, text, -1, free);
    else
        sqlite3_result_null(cx);
    json_decref(meta);
    json_decref(o);
}

/* SQL function frame_agent(frame): frame.agent.name, or NULL. */
static void fn_frame_agent(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    const char *frame = (const char *)sqlite3_value_text(argv[0]);
    json_t *o = frame ? json_loadb(frame, (size_t)sqlite3_value_bytes(argv[0]), 0, NULL) : NULL;
    json_t *name = json_object_get(json_object_get(o, "agent"), "name");
    (void)argc;
    if (json_is_string(name))
        sqlite3_result_text(cx, json_string_value(name), -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(cx);
    json_decref(o);
}

static int exec_sql(struct migration *mg, const char *sql_text, struct sn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(mg->db, sql_text, NULL, NULL, &msg) == SQLITE_OK)
        return SN_OK;
    sn_err_set(err, SN_EDB, "%s", msg ? msg : sqlite3_errmsg(mg->db));
    sqlite3_free(msg);
    return SN_EDB;
}

/* 1 when table has column, 0 when not, SN_EDB on failure. */
static int has_column(struct migration *mg, const char *table, const char *col, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(mg->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sn_err_set(err, SN_EDB, "%s", sqlite3_errmsg(mg->db));
}

/* Adds table.col (decl) unless the file has it: version-0 files got the routing columns
 * at every start, so most have them already. */
static int add_column(
    struct migration *mg, const char *table, const char *col, const char *decl, struct sn_err *err)
{
    char q[160];
    int rc = has_column(mg, table, col, err);
    if (rc)
        return rc < 0 ? rc : SN_OK;
    snprintf(q, sizeof q, "ALTER TABLE %s ADD COLUMN %s %s", table, col, decl);
    return exec_sql(mg, q, err);
}

/* 0 → 1: the routing columns, and the tables a version-0 file may predate. */
static int to_v1(struct migration *mg, struct sn_err *err)
{
    int rc = exec_sql(mg, SCHEMA_OTHER_TABLES, err);
    if (!rc)
        rc = add_column(mg, "conversations", "agent_id", "INTEGER", err);
    if (!rc)
        rc = add_column(mg, "conversations", "queued_at", "INTEGER", err);
    if (!rc)
        rc = add_column(mg, "conversations", "resolution", "TEXT", err);
    if (!rc)
        rc = exec_sql(mg,
                      "CREATE INDEX IF NOT EXISTS conversations_state"
                      " ON conversations(state, queued_at)",
                      err);
    return rc;
}

/* 1 → 2: each message's frame becomes fields (agent, meta: the columns it had stay as they
 * were), then the frame goes. */
static int to_v2(struct migration *mg, struct sn_err *err)
{
    int rc = add_column(mg, "messages", "agent", "TEXT", err);
    if (!rc)
        rc = add_column(mg, "messages", "meta", "TEXT", err);
    if (rc || (rc = has_column(mg, "messages", "frame", err)) <= 0)
        return rc;
    rc = SN_EDB;
    if (sqlite3_create_function_v2(mg->db, "frame_meta", 1, SQLITE_UTF8, mg, fn_frame_meta, NULL,
                                   NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(mg->db, "frame_agent", 1, SQLITE_UTF8, mg, fn_frame_agent, NULL,
                                   NULL, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "%s", sqlite3_errmsg(mg->db));
        goto out;
    }
    rc = exec_sql(mg,
                  "UPDATE messages SET agent = frame_agent(frame), meta = frame_meta(frame);"
                  "ALTER TABLE messages DROP COLUMN frame",
                  err);
out:
    sqlite3_create_function_v2(mg->db, "frame_meta", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    sqlite3_create_function_v2(mg->db, "frame_agent", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    return rc;
}

/* dialogue_upgrade(d): the dialogue as its owner stores it today, or d itself when it is. */
static void fn_dialogue_upgrade(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    struct migration *mg = sqlite3_user_data(cx);
    const void *d = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    char *up = d && n > 0 ? mg->upgrade(d, (size_t)n) : NULL;
    (void)argc;
    if (!up) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    mg->upgraded++;
    sqlite3_result_blob(cx, up, (int)strlen(up), free);
}

/* 2 → 3: dialogues an older binary stored raw are rewritten by their owner's upgrade. The
 * store never reads a dialogue: it only hands each one to the hook. */
static int to_v3(struct migration *mg, struct sn_err *err)
{
    if (!mg->upgrade)
        return SN_OK;
    if (sqlite3_create_function_v2(mg->db, "dialogue_upgrade", 1, SQLITE_UTF8, mg,
                                   fn_dialogue_upgrade, NULL, NULL, NULL) != SQLITE_OK)
        return sn_err_set(err, SN_EDB, "%s", sqlite3_errmsg(mg->db));
    int rc = exec_sql(mg,
                      "UPDATE conversations SET dialogue = dialogue_upgrade(dialogue)"
                      " WHERE dialogue IS NOT NULL",
                      err);
    sqlite3_create_function_v2(mg->db, "dialogue_upgrade", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL,
                               NULL);
    return rc;
}

/* 3 → 4: the attachments table (no rows: files were not taken before). */
static int to_v4(struct migration *mg, struct sn_err *err)
{
    return exec_sql(mg, SCHEMA_ATTACHMENTS, err);
}

/* 4 → 5: the profiles table (the pre-chat form); no row changes. */
static int to_v5(struct migration *mg, struct sn_err *err)
{
    return exec_sql(mg, SCHEMA_PROFILES, err);
}

/* 5 → 6: the cases and their timelines; no row changes (older handoffs have no case). */
static int to_v6(struct migration *mg, struct sn_err *err)
{
    return exec_sql(mg, SCHEMA_CASES, err);
}

/* 6 → 7: the case search's indexes; no row changes. */
static int to_v7(struct migration *mg, struct sn_err *err)
{
    return exec_sql(mg, SCHEMA_CASE_SEARCH, err);
}

/* 7 → 8: the cases' missed SLA targets, none for the cases there are (their next check
 * records what they missed, once). A cases table that has the column already is left as it
 * is, as the earlier steps' CREATE ... IF NOT EXISTS leave a table that exists. */
static int to_v8(struct migration *mg, struct sn_err *err)
{
    int has = has_column(mg, "cases", "sla_breached", err);
    if (has < 0)
        return has;
    return has ? SN_OK : exec_sql(mg, SCHEMA_CASES_SLA, err);
}

/* 8 → 9: the cases' tier; every case so far is at the first line. (A file whose version
 * was set back by hand may have the column: the cases table is created as it is now.) */
static int to_v9(struct migration *mg, struct sn_err *err)
{
    return add_column(mg, "cases", "tier", "INTEGER NOT NULL DEFAULT 1", err);
}

/* 9 → 10: the privacy audit, empty. */
static int to_v10(struct migration *mg, struct sn_err *err)
{
    return exec_sql(mg, SCHEMA_AUDIT, err);
}

/* The backfill of stats_events at 10 → 11 (docs/analytics.md, "Before the upgrade"): the
 * rows bot/statsrec.c would have written, made from what the store holds, so that the
 * periods before the upgrade have figures. All in SQL, in the migration's transaction.
 *
 * bf_ev: the case events that are a figure's fact, each with the conversation it was of at
 * the time (a reopening moves its case to the new conversation: the events before it were
 * of the one its detail names, previous_conversation) and the case's assignee just after it
 * (the agent of the last assigned, or the "to" of the last transfer to an agent). A detail
 * or meta that is not JSON, or a value of another type, reads as none (BF_TEXT, BF_INT). */
/* A detail's (or meta's) string (BF_TEXT) or integer (BF_INT) at path, NULL when it is not
 * JSON or the value is of another type (as bot/statsrec.c's detail_str_dup and detail_int
 * read a detail): json_extract would fail the whole migration on a text that is not JSON. */
#define BF_TEXT(col, path)                                                                \
    "(CASE WHEN json_valid(" col ") THEN CASE json_type(" col ", '" path "') WHEN 'text'" \
    " THEN json_extract(" col ", '" path "') END END)"
#define BF_INT(col, path)                                                                    \
    "(CASE WHEN json_valid(" col ") THEN CASE json_type(" col ", '" path "') WHEN 'integer'" \
    " THEN json_extract(" col ", '" path "') END END)"

#define BACKFILL_EVENTS                                                                            \
    "CREATE TEMP TABLE bf_ev AS SELECT e.id AS id, e.case_id AS case_id, e.ts AS ts,"              \
    " e.kind AS kind, e.detail AS detail, c.created AS created, c.visitor_id AS visitor,"          \
    " coalesce((SELECT " BF_TEXT(                                                                  \
        "r.detail",                                                                                \
        "$.previous_conversation") " FROM case_events r"                                           \
                                   "   WHERE r.case_id = e.case_id AND r.kind = 'reopened' AND "   \
                                   "r.id > e.id ORDER BY r.id"                                     \
                                   "   LIMIT 1), c.conv_id) AS conv,"                              \
                                   " (SELECT CASE a.kind WHEN 'assigned' THEN " BF_TEXT(           \
                                       "a.detail",                                                 \
                                       "$.agent") ""                                               \
                                                  "   ELSE " BF_TEXT(                              \
                                                      "a.detail",                                  \
                                                      "$.to") " END FROM "                         \
                                                              "case_events a"                      \
                                                              "   WHERE a.case_id = e.case_id "    \
                                                              "AND a.id <= e.id AND (a.kind = "    \
                                                              "'assigned'"                         \
                                                              "   OR (a.kind = 'transferred' "     \
                                                              "AND " BF_TEXT(                      \
                                                                  "a.detail",                      \
                                                                  "$.to") " IS NOT NULL))"         \
                                                                          "   ORDER BY a.id DESC " \
                                                                          "LIMIT 1) AS agent"      \
                                                                          " FROM case_events e "   \
                                                                          "JOIN cases c ON c.id "  \
                                                                          "= e.case_id"            \
                                                                          " WHERE e.kind IN "      \
                                                                          "('created', "           \
                                                                          "'reopened', "           \
                                                                          "'handoff', "            \
                                                                          "'message_left', "       \
                                                                          "'queued', 'requeued',"  \
                                                                          " 'assigned', "          \
                                                                          "'transferred', "        \
                                                                          "'left', "               \
                                                                          "'agent_replied', "      \
                                                                          "'solved', 'closed', "   \
                                                                          "'csat');"

/* The email bit (STORE_STATS_REPEAT_EMAIL) of event e at its time, as store_stats_email_seen
 * answered then: an email e's conversation gave with consent (its profile, its tickets made
 * by then: before e's millisecond, or the one a message_left event up to e names) was given
 * with consent in another conversation in the 7 days before e (the rows after e did not
 * exist yet). */
#define BACKFILL_EMAIL_BIT                                                                     \
    "(CASE WHEN EXISTS(SELECT 1 FROM (SELECT email FROM profiles WHERE conv_id = e.conv"       \
    "  AND consent = 1 AND email <> '' AND updated <= e.ts UNION SELECT email FROM tickets t"  \
    "  WHERE t.conv_id = e.conv AND t.consent = 1 AND t.email <> '' AND (t.created < e.ts"     \
    "  OR t.id IN (SELECT " BF_INT(                                                            \
        "x.detail",                                                                            \
        "$.ticket") " "                                                                        \
                    "FROM case_events x"                                                       \
                    "  WHERE x.case_id = e.case_id AND x.kind = 'message_left' AND x.id <= "   \
                    "e.id))) m"                                                                \
                    "  WHERE EXISTS(SELECT 1 FROM profiles p WHERE p.email = m.email COLLATE " \
                    "NOCASE"                                                                   \
                    "  AND p.consent = 1 AND p.conv_id <> e.conv AND p.updated >= e.ts - "     \
                    "604800000"                                                                \
                    "  AND p.updated <= e.ts) OR EXISTS(SELECT 1 FROM tickets t"               \
                    "  WHERE t.email = m.email COLLATE NOCASE AND t.consent = 1"               \
                    "  AND ifnull(t.conv_id, '') <> e.conv AND t.created >= e.ts - 604800000"  \
                    "  AND t.created <= e.ts)) THEN 2 ELSE 0 END)"

/* The visitor bit (STORE_STATS_REPEAT_VISITOR) of a case made (created) or reopened at e,
 * as bot_statsrec_repeat found it: the previous case (for a creation the visitor's newest
 * case before this one; for a reopening the case itself, of previous_conversation then), of
 * another conversation, made or last solved (as of e) less than 7 days before. */
#define BACKFILL_PREV_AT(id)                                                               \
    "max(" id "created, ifnull((SELECT CASE WHEN s.kind = 'reopened' THEN 0 ELSE s.ts END" \
    " FROM case_events s WHERE s.case_id = " id "id AND s.kind IN ('solved', 'closed',"    \
    " 'reopened') AND s.id < e.id ORDER BY s.id DESC LIMIT 1), 0))"
#define BACKFILL_VISITOR_BIT                                                                       \
    "(CASE WHEN e.kind = 'reopened' THEN (SELECT CASE WHEN "                                       \
    "" BF_TEXT(                                                                                    \
        "e.detail",                                                                                \
        "$.previous_conversation") " <> e.conv AND e.ts - at < 604800000 AND e.ts >= at THEN 1"    \
                                   "  ELSE 0 END FROM (SELECT " BACKFILL_PREV_AT(                  \
                                       "c.") " AS at FROM cases c"                                 \
                                             "  WHERE c.id = e.case_id))"                          \
                                             " WHEN ifnull(e.visitor, '') = '' THEN 0"             \
                                             " ELSE ifnull((SELECT CASE WHEN pconv <> e.conv AND " \
                                             "e.ts - at < 604800000 AND e.ts "                     \
                                             ">= at"                                               \
                                             "  THEN 1 ELSE 0 END FROM (SELECT coalesce((SELECT "  \
                                             "" BF_TEXT(                                           \
                                                 "r.detail",                                       \
                                                 "$.previous_conversation") " FROM case_events r " \
                                                                            "WHERE r.case_id = "   \
                                                                            "pc.id"                \
                                                                            "  AND r.kind = "      \
                                                                            "'reopened' AND r.id " \
                                                                            "> e.id ORDER BY "     \
                                                                            "r.id LIMIT 1), "      \
                                                                            "pc.conv_id) AS "      \
                                                                            "pconv,"               \
                                                                            " " BACKFILL_PREV_AT(  \
                                                                                "pc.") " AS at "   \
                                                                                       "FROM "     \
                                                                                       "cases pc " \
                                                                                       "WHERE "    \
                                                                                       "pc."       \
                                                                                       "visitor_"  \
                                                                                       "id = "     \
                                                                                       "e.visitor" \
                                                                                       "  AND "    \
                                                                                       "pc.id < "  \
                                                                                       "e.case_"   \
                                                                                       "id ORDER " \
                                                                                       "BY pc.id " \
                                                                                       "DESC "     \
                                                                                       "LIMIT "    \
                                                                                       "1)), 0) "  \
                                                                                       "END)"

/* A left event counts as abandoned when the case was waiting (new or escalated) before it:
 * by bot/case.c's table, the last event before it that sets a status apart from the others
 * is one that makes it new or escalated. */
#define BACKFILL_WAITING                                                                \
    "(SELECT p.kind FROM case_events p WHERE p.case_id = e.case_id AND p.id < e.id"     \
    " AND p.kind IN ('created', 'queued', 'left', 'requeued', 'reopened', 'escalated'," \
    " 'assigned', 'agent_replied', 'solved', 'closed') ORDER BY p.id DESC LIMIT 1)"     \
    " IN ('created', 'queued', 'left', 'requeued', 'reopened', 'escalated')"

/* bf_rows: every row, with its order: by time, a conversation's conv row first at a tie,
 * then its bot turns, ratings and case facts in their own order. A conversation's language
 * at its start is its first bot turn's (the welcome's meta.lang: conversations.lang is the
 * language it has now), its channel widget (bot/statsrec.h's only one). */
#define BACKFILL_ROWS                                                                              \
    "CREATE TEMP TABLE bf_rows(ts INTEGER, ord INTEGER, src INTEGER, kind TEXT, conv TEXT,"        \
    " lang TEXT, channel TEXT, agent TEXT, sub TEXT, band TEXT, value INTEGER, value2 INTEGER);"   \
    "INSERT INTO bf_rows SELECT c.created, 0, 0, 'conv', c.id, coalesce((SELECT"                   \
    " " BF_TEXT(                                                                                   \
        "m.meta",                                                                                  \
        "$.lang") " FROM messages m WHERE "                                                        \
                  "m.conv_id = c.id AND m.sender = 'bot'"                                          \
                  " ORDER BY m.seq LIMIT 1), c.lang), 'widget', NULL, NULL, NULL, NULL, NULL"      \
                  " FROM conversations c;"                                                         \
                  "INSERT INTO bf_rows SELECT ts, 1, seq, 'turn', conv_id, NULL, NULL, NULL, "     \
                  "kind, band, NULL,"                                                              \
                  " NULL FROM messages WHERE sender = 'bot';"                                      \
                  "INSERT INTO bf_rows SELECT ts, 2, rowid, 'feedback', conv_id, NULL, NULL, "     \
                  "NULL, NULL, NULL,"                                                              \
                  " CASE WHEN helpful THEN 1 ELSE 0 END, NULL FROM feedback;"                      \
                  "INSERT INTO bf_rows SELECT e.ts, 3, e.id, CASE e.kind WHEN 'created' THEN "     \
                  "'case'"                                                                         \
                  " WHEN 'reopened' THEN 'case' WHEN 'message_left' THEN 'ticket' WHEN 'requeued'" \
                  " THEN 'queued' WHEN 'transferred' THEN 'assigned' WHEN 'left' THEN 'abandoned'" \
                  " WHEN 'agent_replied' THEN 'first_response' WHEN 'closed' THEN 'solved' ELSE "  \
                  "e.kind END,"                                                                    \
                  " e.conv, NULL, NULL, CASE WHEN e.kind = 'transferred' THEN "                    \
                  "" BF_TEXT(                                                                      \
                      "e.detail",                                                                  \
                      "$.to") ""                                                                   \
                              " WHEN e.kind IN ('assigned', 'agent_replied', 'solved', 'closed', " \
                              "'csat') THEN"                                                       \
                              " nullif(e.agent, '') END,"                                          \
                              " CASE e.kind WHEN 'handoff' THEN nullif(" BF_TEXT(                  \
                                  "e.detail",                                                      \
                                  "$.reason") ", '')"                                              \
                                              " WHEN 'requeued' THEN 'requeued' WHEN "             \
                                              "'transferred' THEN 'transfer' WHEN 'solved'"        \
                                              " THEN 'solved' WHEN 'closed' THEN 'closed' END, "   \
                                              "NULL,"                                              \
                                              " CASE WHEN e.kind IN ('agent_replied', 'solved', "  \
                                              "'closed') THEN e.ts - e.created"                    \
                                              " WHEN e.kind = 'csat' THEN " BF_INT(                \
                                                  "e.detail",                                      \
                                                  "$.rating") ""                                   \
                                                              " WHEN e.kind = 'message_left' "     \
                                                              "THEN " BACKFILL_EMAIL_BIT           \
                                                              " WHEN e.kind IN ('created', "       \
                                                              "'reopened') "                       \
                                                              "THEN " BACKFILL_VISITOR_BIT         \
                                                              " | " BACKFILL_EMAIL_BIT             \
                                                              " END, NULL FROM bf_ev e WHERE "     \
                                                              "e.conv IS NOT NULL"                 \
                                                              " AND (e.kind <> 'transferred' "     \
                                                              "OR " BF_TEXT(                       \
                                                                  "e.detail",                      \
                                                                  "$.to") " IS NOT NULL)"          \
                                                                          " AND (e.kind <> "       \
                                                                          "'left' "                \
                                                                          "OR " BACKFILL_WAITING   \
                                                                          ")"                      \
                                                                          " AND (e.kind <> "       \
                                                                          "'agent_replied' OR "    \
                                                                          "NOT EXISTS(SELECT 1 "   \
                                                                          "FROM case_events f"     \
                                                                          "  WHERE f.case_id = "   \
                                                                          "e.case_id AND f.kind "  \
                                                                          "= 'agent_replied' AND " \
                                                                          "f.id < e.id))"          \
                                                                          " AND (e.kind <> "       \
                                                                          "'csat' OR " BF_INT(     \
                                                                              "e.detail",          \
                                                                              "$.rating") " BETWE" \
                                                                                          "EN 1 "  \
                                                                                          "AND "   \
                                                                                          "5);"

/* The record's indexes are made after its rows (one sort each, not an index insert per
 * row: the insert takes a third of the time); the table's SCHEMA_STATS makes them again. */
#define BACKFILL_NO_INDEXES                                                            \
    "DROP INDEX IF EXISTS stats_events_ts; DROP INDEX IF EXISTS stats_events_kind_ts;" \
    "DROP INDEX IF EXISTS stats_events_conv; DROP INDEX IF EXISTS stats_events_start;"

/* The rows in their order, each with its start (its conversation's creation, the conv row's
 * time). */
#define BACKFILL_INSERT                                                                        \
    "INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub, band, value, value2," \
    " start) SELECT r.ts, r.kind, r.conv, r.lang, r.channel, r.agent, r.sub, r.band, r.value," \
    " r.value2, c.created FROM bf_rows r LEFT JOIN conversations c ON c.id = r.conv"           \
    " ORDER BY r.ts, r.ord, r.src;"                                                            \
    "DROP TABLE bf_rows; DROP TABLE bf_ev;"

/* Then the waits (the indexes made), as since_last in bot/statsrec.c read them: the time
 * since the conversation's last queued (assigned) row written before. */
#define BACKFILL_WAITS                                                                      \
    "UPDATE stats_events SET value = (SELECT CASE WHEN max(q.ts) > 0 AND max(q.ts) <="      \
    " stats_events.ts THEN stats_events.ts - max(q.ts) END FROM stats_events q"             \
    " WHERE q.conv = stats_events.conv AND q.kind = 'queued' AND q.id < stats_events.id)"   \
    " WHERE (kind = 'assigned' AND sub IS NULL) OR kind = 'abandoned';"                     \
    "UPDATE stats_events SET value2 = (SELECT CASE WHEN max(q.ts) > 0 AND max(q.ts) <="     \
    " stats_events.ts THEN stats_events.ts - max(q.ts) END FROM stats_events q"             \
    " WHERE q.conv = stats_events.conv AND q.kind = 'assigned' AND q.id < stats_events.id)" \
    " WHERE kind = 'solved';"

_Static_assert(STORE_STATS_REPEAT_MS == 604800000LL, "the backfill's 7 days");
_Static_assert(STORE_STATS_REPEAT_VISITOR == 1 && STORE_STATS_REPEAT_EMAIL == 2,
               "the backfill's repeat bits");

/* 1 when stats_events has a row, 0 when not, SN_EDB on failure. */
static int has_stats(struct migration *mg, struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(mg->db, "SELECT 1 FROM stats_events LIMIT 1", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sn_err_set(err, SN_EDB, "%s", sqlite3_errmsg(mg->db));
}

/* 10 → 11: the analytics record and the email indexes, and the record backfilled from the
 * conversations, messages, ratings and case timelines there are (the figures of the time
 * before the upgrade). A table that has rows already (a file whose version was set back by
 * hand) is left as it is: a second backfill would count every fact twice. */
static int to_v11(struct migration *mg, struct sn_err *err)
{
    int rc = exec_sql(mg, SCHEMA_STATS, err);
    if (!rc)
        rc = has_stats(mg, err);
    if (rc)
        return rc < 0 ? rc : SN_OK;
    return exec_sql(mg,
                    BACKFILL_EVENTS BACKFILL_ROWS BACKFILL_NO_INDEXES BACKFILL_INSERT SCHEMA_STATS
                        BACKFILL_WAITS,
                    err);
}

/* steps[v] migrates a file of version v to v + 1. */
static int (*const steps[SCHEMA_VERSION])(struct migration *, struct sn_err *) = {
    to_v1, to_v2, to_v3, to_v4, to_v5, to_v6, to_v7, to_v8, to_v9, to_v10, to_v11};

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *v = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int newer(const char *path, int v, struct sn_err *err)
{
    return sn_err_set(err, SN_EDB,
                      "store: %s was written by a newer Sanad (schema %d, this binary knows %d)",
                      path, v, SCHEMA_VERSION);
}

/* Brings the file to SCHEMA_VERSION: nothing when it is there, the schema on a fresh file,
 * else steps[] from its version; all in one transaction that rolls back on any failure. The
 * version is read again once the write lock is held: another process (sanad canned, a
 * second server) may have migrated the file meanwhile. */
static int
migrate(sqlite3 *db, const char *path, store_dialogue_upgrade_fn *upgrade, struct sn_err *err)
{
    struct migration mg = {.db = db, .upgrade = upgrade};
    struct sn_err e = {0};
    int v = 0, fresh = 0, rc;
    char q[40];
    if (user_version(db, &v) != SQLITE_OK)
        return sn_err_set(err, SN_EDB, "store: %s: %s", path, sqlite3_errmsg(db));
    if (v > SCHEMA_VERSION)
        return newer(path, v, err); /* before any write: the file stays as it was */
    if (v == SCHEMA_VERSION)
        return SN_OK;
    if (exec_sql(&mg, "BEGIN IMMEDIATE", &e))
        return sn_err_set(err, SN_EDB, "store: %s: %s", path, e.msg);
    if (user_version(db, &v) != SQLITE_OK) {
        rc = sn_err_set(err, SN_EDB, "store: %s: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    if (v >= SCHEMA_VERSION) {
        rc = v > SCHEMA_VERSION ? newer(path, v, err) : SN_OK;
        goto out;
    }
    rc = has_column(&mg, "conversations", "id", &e);
    if (rc < 0)
        goto failed;
    fresh = rc == 0; /* no conversations table: nothing of ours was ever written */
    rc = fresh ? exec_sql(&mg, schema, &e) : SN_OK;
    for (int i = v; !fresh && !rc && i < SCHEMA_VERSION; i++)
        rc = steps[i](&mg, &e);
    if (rc)
        goto failed;
    snprintf(q, sizeof q, "PRAGMA user_version=%d", SCHEMA_VERSION);
    if ((rc = exec_sql(&mg, q, &e)) || (rc = exec_sql(&mg, "COMMIT", &e)))
        goto failed;
    if (!fresh)
        sn_log(SN_LOG_NOTICE, "store", "event=migrated path=%s from=%d to=%d", path, v,
               SCHEMA_VERSION);
    if (mg.upgraded)
        sn_log(SN_LOG_NOTICE, "store", "event=dialogues_upgraded path=%s rows=%lld", path,
               mg.upgraded);
    if (mg.unreadable)
        sn_log(SN_LOG_WARN, "store",
               "event=unreadable_frames path=%s rows=%lld (kept without meta)", path,
               mg.unreadable);
    return SN_OK;
failed:
    rc = sn_err_set(err, SN_EDB,
                    "store: %s: migration from schema %d to %d failed (%s); the file is unchanged",
                    path, v, SCHEMA_VERSION, e.msg);
out:
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

enum {
    S_CONV_NEW,
    S_CONV_BY_TOKEN,
    S_CONV_SAVE,
    S_MSG_BY_CID,
    S_NEXT_SEQ,
    S_MSG_INS,
    S_MSG_EACH,
    S_MSG_FROM,
    S_FEEDBACK,
    S_CSAT,
    S_TICKET_ADD,
    S_TICKET_EACH,
    S_TICKET_GET,
    S_CANNED_SET,
    S_CANNED_DEL,
    S_CANNED_EACH,
    S_MSG_EACH_ALL,
    S_CONV_ROUTE,
    S_CONV_GET,
    S_CONV_EACH,
    S_ATT_ADD,
    S_ATT_GET,
    S_ATT_CONV_HASHES,
    S_ATT_CONV_DEL,
    S_ATT_HASH_USED,
    S_ATT_COUNT,
    S_PROFILE_SET,
    S_PROFILE_GET,
    S_CASE_ADD,
    S_CASE_BY_REF,
    S_CASE_BY_CONV,
    S_CASE_BY_VISITOR,
    S_CASE_SET,
    S_CASE_EVENT_ADD,
    S_CASE_EVENT_EACH,
    S_STATS_ADD,
    S_STATS_LAST,
    S_STATS_WALK,
    S_STATS_EMAIL_SEEN,
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_COUNT
};

#define ROUTE_COLS                                                                  \
    "SELECT c.id, c.state, c.lang, ifnull(c.agent_id, 0), ifnull(c.queued_at, 0),"  \
    " ifnull((SELECT substr(m.text, 1, 140) FROM messages m WHERE m.conv_id = c.id" \
    " AND m.sender = 'visitor' ORDER BY m.seq DESC LIMIT 1), '') FROM conversations c"

/* A case's columns, in the order case_row reads them. */
#define CASE_COLS                                                                                \
    "SELECT id, ref, ifnull(conv_id, ''), ifnull(ticket_id, 0), ifnull(visitor_id, ''), status," \
    " priority, ifnull(department, ''), ifnull(assignee, ''), created, updated,"                 \
    " ifnull(first_response_at, 0), ifnull(solved_at, 0), sla_breached, tier FROM cases"

/* A walked message's columns, in the order msg_row reads them. */
#define MSG_COLS "seq, sender, client_id, text, kind, kb_id, band, intent, agent, meta, ts"

static const char *sql[S_COUNT] = {
    [S_CONV_NEW] = "INSERT INTO conversations(id, token_hash, lang, created, updated)"
                   " VALUES(?1, ?2, ?3, ?4, ?4)",
    [S_CONV_BY_TOKEN] = "SELECT id, state, lang, created, updated, last_seq, dialogue"
                        " FROM conversations WHERE token_hash = ?1 AND updated >= ?2",
    [S_CONV_SAVE] = "UPDATE conversations SET state = ?2, lang = ?3, dialogue = ?4, updated = ?5"
                    " WHERE id = ?1",
    [S_MSG_BY_CID] = "SELECT seq FROM messages WHERE conv_id = ?1 AND client_id = ?2",
    [S_NEXT_SEQ] = "UPDATE conversations SET last_seq = last_seq + 1, updated = ?2"
                   " WHERE id = ?1 RETURNING last_seq",
    [S_MSG_INS] = "INSERT INTO messages(conv_id, seq, sender, client_id, text, kind, kb_id, band,"
                  " intent, ts, agent, meta)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [S_MSG_EACH] = "SELECT " MSG_COLS " FROM messages WHERE conv_id = ?1 AND seq > ?2"
                   " AND sender <> 'note' ORDER BY seq LIMIT ?3",
    [S_MSG_EACH_ALL] = "SELECT " MSG_COLS " FROM messages WHERE conv_id = ?1 AND seq > ?2"
                       " ORDER BY seq LIMIT ?3",
    [S_CONV_ROUTE] = "UPDATE conversations SET state = ?2, agent_id = ?3, queued_at = ?4,"
                     " resolution = ?5, updated = ?6 WHERE id = ?1",
    [S_CONV_GET] = ROUTE_COLS " WHERE c.id = ?1",
    [S_CONV_EACH] = ROUTE_COLS " WHERE c.state = ?1 AND (?2 = 0 OR c.agent_id = ?2)"
                               " ORDER BY c.queued_at, c.id",
    [S_MSG_FROM] = "SELECT sender FROM messages WHERE conv_id = ?1 AND seq = ?2",
    [S_FEEDBACK] = "INSERT INTO feedback(conv_id, seq, helpful, ts) VALUES(?1, ?2, ?3, ?4)",
    [S_CSAT] = "INSERT OR REPLACE INTO csat(conv_id, rating, comment, ts) VALUES(?1, ?2, ?3, ?4)",
    [S_TICKET_ADD] = "INSERT INTO tickets(conv_id, lang, email, consent, text, created)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_TICKET_EACH] = "SELECT id, ifnull(conv_id, ''), lang, email, text, created FROM tickets"
                      " WHERE status = 'open' ORDER BY id DESC LIMIT ?1",
    [S_TICKET_GET] = "SELECT id, ifnull(conv_id, ''), lang, email, text, created, consent"
                     " FROM tickets WHERE id = ?1",
    [S_CANNED_SET] = "INSERT OR REPLACE INTO canned(shortcut, lang, text, updated)"
                     " VALUES(?1, ?2, ?3, ?4)",
    [S_CANNED_DEL] = "DELETE FROM canned WHERE shortcut = ?1 AND lang = ?2",
    [S_CANNED_EACH] = "SELECT shortcut, lang, text, updated FROM canned"
                      " WHERE ?1 IS NULL OR lang = ?1 ORDER BY shortcut, lang",
    [S_ATT_ADD] = "INSERT INTO attachments(id, conv_id, hash, type, size, name, created)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_ATT_GET] = "SELECT id, conv_id, hash, type, size, name, created FROM attachments"
                  " WHERE id = ?1",
    [S_ATT_CONV_HASHES] = "SELECT DISTINCT hash FROM attachments WHERE conv_id = ?1",
    [S_ATT_CONV_DEL] = "DELETE FROM attachments WHERE conv_id = ?1",
    [S_ATT_HASH_USED] = "SELECT 1 FROM attachments WHERE hash = ?1 LIMIT 1",
    [S_ATT_COUNT] = "SELECT count(*) FROM attachments WHERE conv_id = ?1",
    [S_PROFILE_SET] = "INSERT OR REPLACE INTO profiles(conv_id, name, email, consent, department,"
                      " updated) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_PROFILE_GET] = "SELECT ifnull(name, ''), ifnull(email, ''), consent, ifnull(department, ''),"
                      " updated FROM profiles WHERE conv_id = ?1",
    [S_CASE_ADD] = "INSERT INTO cases(ref, conv_id, ticket_id, visitor_id, status, priority,"
                   " department, assignee, created, updated, first_response_at, solved_at,"
                   " sla_breached, tier)"
                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?12, ?9, ?10, ?11, ?13, ?14)",
    [S_CASE_BY_REF] = CASE_COLS " WHERE ref = ?1",
    [S_CASE_BY_CONV] = CASE_COLS " WHERE conv_id = ?1 ORDER BY id DESC LIMIT 1",
    [S_CASE_BY_VISITOR] = CASE_COLS " WHERE visitor_id = ?1 ORDER BY id DESC LIMIT 1",
    [S_CASE_SET] = "UPDATE cases SET conv_id = ?2, ticket_id = ?3, visitor_id = ?4, status = ?5,"
                   " priority = ?6, department = ?7, assignee = ?8, updated = ?9,"
                   " first_response_at = ?10, solved_at = ?11, sla_breached = ?13, tier = ?14"
                   " WHERE id = ?1",
    [S_CASE_EVENT_ADD] = "INSERT INTO case_events(case_id, ts, kind, actor, detail)"
                         " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_CASE_EVENT_EACH] = "SELECT case_id, ts, kind, actor, detail FROM case_events"
                          " WHERE case_id = ?1 ORDER BY id",
    [S_STATS_ADD] = "INSERT INTO stats_events(ts, kind, conv, lang, channel, agent, sub, band,"
                    " value, value2, start) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                    " CASE WHEN ?2 = 'conv' THEN ?1 ELSE (SELECT min(ts) FROM stats_events"
                    " WHERE conv = ?3 AND kind = 'conv') END)",
    [S_STATS_LAST] = "SELECT ifnull(max(ts), 0) FROM stats_events WHERE conv = ?1 AND kind = ?2",
    [S_STATS_WALK] = "SELECT ts, kind, conv, lang, channel, agent, sub, band, value, value2"
                     " FROM stats_events INDEXED BY stats_events_start"
                     " WHERE start >= ?1 AND start < ?2 ORDER BY start, conv, id",
    [S_STATS_EMAIL_SEEN] =
        "WITH mine(email) AS (SELECT email FROM profiles WHERE conv_id = ?1 AND consent = 1"
        " AND email <> '' UNION SELECT email FROM tickets WHERE conv_id = ?1 AND consent = 1"
        " AND email <> '')"
        " SELECT EXISTS(SELECT 1 FROM profiles p, mine WHERE p.email = mine.email COLLATE NOCASE"
        " AND p.consent = 1 AND p.conv_id <> ?1 AND p.updated >= ?2)"
        " OR EXISTS(SELECT 1 FROM tickets t, mine WHERE t.email = mine.email COLLATE NOCASE"
        " AND t.consent = 1 AND ifnull(t.conv_id, '') <> ?1 AND t.created >= ?2)",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT w",
    [S_RELEASE] = "RELEASE w",
    [S_ROLLBACK_TO] = "ROLLBACK TO w",
};

struct store_sqlite {
    struct store base; /* first: a struct store * is a struct store_sqlite * */
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    /* group commit (store_batch_begin): while batching, writes join one transaction, begun
     * by the first (tx_open); lost is set when SQLite rolled it back on its own (an I/O
     * error or a full disk inside it rolls back the whole transaction, not the statement) */
    int batching, tx_open, lost;
    /* the checkpoint thread */
    char *path;
    pthread_t ckpt;
    int ckpt_running, ckpt_stop;
    int ckpt_truncate; /* a purge asked for a truncating checkpoint (store_checkpoint) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* WAL pages (4 KiB) past which the checkpoint thread truncates the WAL: 16 MiB. */
#define CKPT_TRUNCATE_PAGES 4096

static void *ckpt_main(void *arg)
{
    struct store_sqlite *q = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(q->path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 100);
        pthread_mutex_lock(&q->mu);
        while (!q->ckpt_stop) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_sec += 1;
            pthread_cond_timedwait(&q->cv, &q->mu, &t);
            if (q->ckpt_stop)
                break;
            pthread_mutex_unlock(&q->mu);
            /* A connection that has never read the file does not know it is in WAL mode, and
             * its checkpoint is a no-op (log and checkpointed -1): the WAL then grew without
             * end, and the server's RSS with its index (the 10-minute soak: +28 MiB). A read
             * first; the schema is cached after the first, so it costs microseconds. */
            sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
            int log = 0, done = 0;
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
            /* Under steady writes a passive checkpoint never catches up with the writer, and
             * SQLite restarts the WAL only when a writer finds it all copied back: it grows
             * for as long as the load lasts. Past a bound, a truncating checkpoint takes the
             * write lock for what the passive one left (the loop's commit waits that long,
             * within its busy timeout) and the WAL starts again from nothing. */
            pthread_mutex_lock(&q->mu);
            int asked = q->ckpt_truncate;
            pthread_mutex_unlock(&q->mu);
            if ((log > CKPT_TRUNCATE_PAGES || asked) &&
                sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
                    SQLITE_OK &&
                asked) {
                pthread_mutex_lock(&q->mu);
                q->ckpt_truncate = 0; /* else asked again at the next tick */
                pthread_mutex_unlock(&q->mu);
            }
            pthread_mutex_lock(&q->mu);
        }
        pthread_mutex_unlock(&q->mu);
    }
    sqlite3_close(db);
    return NULL;
}

/* Starts the checkpoint thread; without it SQLite's auto-checkpoint stays on. */
static void ckpt_start(struct store_sqlite *q)
{
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (pthread_create(&q->ckpt, NULL, ckpt_main, q) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        return;
    }
    q->ckpt_running = 1;
    sqlite3_wal_autocheckpoint(q->db, 0);
}

static void ckpt_stop(struct store_sqlite *q)
{
    if (!q->ckpt_running)
        return;
    pthread_mutex_lock(&q->mu);
    q->ckpt_stop = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->ckpt, NULL);
    q->ckpt_running = 0;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
}

static struct store_sqlite *cast(struct store *s)
{
    return (struct store_sqlite *)s;
}

static int db_err(struct store_sqlite *q, struct sn_err *err, const char *what)
{
    return sn_err_set(err, SN_EDB, "store: %s: %s", what, sqlite3_errmsg(q->db));
}

/* Resets and returns statement i, ready to bind. */
static sqlite3_stmt *stmt(struct store_sqlite *q, int i)
{
    sqlite3_reset(q->st[i]);
    sqlite3_clear_bindings(q->st[i]);
    return q->st[i];
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int exec1(struct store_sqlite *q, int i)
{
    int rc = sqlite3_step(stmt(q, i));
    sqlite3_reset(q->st[i]);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Before a write in a batch: the batch's transaction, begun by its first write. */
static int batch_enter(struct store_sqlite *q, struct sn_err *err)
{
    if (!q->batching || q->tx_open)
        return SN_OK;
    if (exec1(q, S_BEGIN) != SQLITE_OK)
        return db_err(q, err, "begin");
    q->tx_open = 1;
    return SN_OK;
}

/* After a write in a batch (rc its result): a failure may have taken the whole transaction
 * with it, and with it the batch's earlier writes; store_batch_end then says so. */
static int batch_check(struct store_sqlite *q, int rc)
{
    if (rc != SN_OK && q->tx_open && sqlite3_get_autocommit(q->db)) {
        q->tx_open = 0;
        q->lost = 1;
    }
    return rc;
}

/* A write of several statements: its own transaction, or in a batch a savepoint in the
 * batch's, so that a failure undoes this write only. */
static int tx_begin(struct store_sqlite *q, struct sn_err *err)
{
    if (!q->batching)
        return exec1(q, S_BEGIN) == SQLITE_OK ? SN_OK : db_err(q, err, "begin");
    int rc = batch_enter(q, err);
    if (rc == SN_OK && exec1(q, S_SAVEPOINT) != SQLITE_OK)
        rc = batch_check(q, db_err(q, err, "savepoint"));
    return rc;
}

/* Ends tx_begin's transaction: rc SN_OK commits (in a batch: keeps the write in it), else it
 * is undone. Returns rc, or the commit's failure. */
static int tx_end(struct store_sqlite *q, int rc, struct sn_err *err)
{
    if (!q->batching) {
        if (rc == SN_OK && exec1(q, S_COMMIT) != SQLITE_OK)
            rc = db_err(q, err, "commit");
        if (rc != SN_OK)
            exec1(q, S_ROLLBACK);
        return rc;
    }
    if (rc != SN_OK)
        exec1(q, S_ROLLBACK_TO);
    if (exec1(q, S_RELEASE) != SQLITE_OK && rc == SN_OK)
        rc = db_err(q, err, "release");
    return batch_check(q, rc);
}

static void sq_batch_begin(struct store *s)
{
    struct store_sqlite *q = cast(s);
    q->batching = 1;
}

static int sq_batch_end(struct store *s, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = SN_OK;
    if (q->tx_open && exec1(q, S_COMMIT) != SQLITE_OK) {
        rc = db_err(q, err, "commit");
        exec1(q, S_ROLLBACK);
    }
    if (q->lost && rc == SN_OK)
        rc = sn_err_set(err, SN_EDB, "store: a write failed and took the batch with it");
    q->batching = q->tx_open = q->lost = 0;
    return rc;
}

static void sq_close(struct store *s)
{
    struct store_sqlite *q = cast(s);
    ckpt_stop(q); /* first: the last connection to close checkpoints the whole WAL */
    if (q->tx_open)
        exec1(q, S_ROLLBACK); /* a batch never ended: nothing of it was acknowledged */
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    sqlite3_close(q->db);
    free(q->path);
    free(q);
}

static int sq_conv_create(struct store *s,
                          const char *id,
                          const char *token_hash,
                          const char *lang,
                          long long now,
                          struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CONV_NEW);
    bind_text(st, 1, id);
    bind_text(st, 2, token_hash);
    bind_text(st, 3, lang);
    sqlite3_bind_int64(st, 4, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_CONSTRAINT)
        rc = sn_err_set(err, SN_ECONFLICT, "store: conversation %s exists", id);
    else if (step != SQLITE_DONE)
        rc = db_err(q, err, "create conversation");
    return batch_check(q, rc);
}

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static int sq_conv_by_token(struct store *s,
                            const char *token_hash,
                            long long min_updated,
                            struct store_conv *out,
                            struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_CONV_BY_TOKEN);
    int rc = SN_OK;
    bind_text(st, 1, token_hash);
    sqlite3_bind_int64(st, 2, min_updated);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        memset(out, 0, sizeof *out);
        copy_col(out->id, sizeof out->id, st, 0);
        copy_col(out->state, sizeof out->state, st, 1);
        copy_col(out->lang, sizeof out->lang, st, 2);
        out->created = sqlite3_column_int64(st, 3);
        out->updated = sqlite3_column_int64(st, 4);
        out->last_seq = sqlite3_column_int64(st, 5);
        out->dialogue_len = (size_t)sqlite3_column_bytes(st, 6);
        if (out->dialogue_len) {
            out->dialogue = sn_xmalloc(out->dialogue_len + 1); /* NUL: text is read as text */
            memcpy(out->dialogue, sqlite3_column_blob(st, 6), out->dialogue_len);
            ((char *)out->dialogue)[out->dialogue_len] = 0;
        }
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no live conversation for this token");
        break;
    default:
        rc = db_err(q, err, "find conversation");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_conv_save(struct store *s,
                        const char *id,
                        const char *state,
                        const char *lang,
                        const void *dlg,
                        size_t dlg_len,
                        long long now,
                        struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CONV_SAVE);
    bind_text(st, 1, id);
    bind_text(st, 2, state);
    bind_text(st, 3, lang);
    if (dlg && dlg_len)
        sqlite3_bind_blob(st, 4, dlg, (int)dlg_len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "save conversation");
    else if (sqlite3_changes(q->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", id);
    return batch_check(q, rc);
}

static int
sq_msg_add(struct store *s, const struct store_msg *m, long long *seq, int *dup, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st;
    int rc = SN_OK, step;
    *dup = 0;
    if ((rc = tx_begin(q, err)))
        return rc;
    if (m->client_id) {
        st = stmt(q, S_MSG_BY_CID);
        bind_text(st, 1, m->conv_id);
        bind_text(st, 2, m->client_id);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *seq = sqlite3_column_int64(st, 0);
            *dup = 1;
            sqlite3_reset(st);
            goto out;
        }
        sqlite3_reset(st);
        if (step != SQLITE_DONE) {
            rc = db_err(q, err, "find client_id");
            goto out;
        }
    }
    st = stmt(q, S_NEXT_SEQ);
    bind_text(st, 1, m->conv_id);
    sqlite3_bind_int64(st, 2, m->ts);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE
                 ? sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", m->conv_id)
                 : db_err(q, err, "next seq");
        sqlite3_reset(st);
        goto out;
    }
    *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    st = stmt(q, S_MSG_INS);
    bind_text(st, 1, m->conv_id);
    sqlite3_bind_int64(st, 2, *seq);
    bind_text(st, 3, m->sender);
    bind_text(st, 4, m->client_id);
    bind_text(st, 5, m->text);
    bind_text(st, 6, m->kind);
    bind_text(st, 7, m->kb_id);
    bind_text(st, 8, m->band);
    bind_text(st, 9, m->intent);
    sqlite3_bind_int64(st, 10, m->ts);
    bind_text(st, 11, m->agent);
    bind_text(st, 12, m->meta);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "insert message");
out:
    return tx_end(q, rc, err);
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* The current row of a MSG_COLS statement into *m; its strings are borrowed from st until
 * the next step. */
static void msg_row(sqlite3_stmt *st, const char *conv_id, struct store_msg *m)
{
    *m = (struct store_msg){.conv_id = conv_id,
                            .seq = sqlite3_column_int64(st, 0),
                            .sender = col_text(st, 1),
                            .client_id = col_text(st, 2),
                            .text = col_text(st, 3),
                            .kind = col_text(st, 4),
                            .kb_id = col_text(st, 5),
                            .band = col_text(st, 6),
                            .intent = col_text(st, 7),
                            .agent = col_text(st, 8),
                            .meta = col_text(st, 9),
                            .ts = sqlite3_column_int64(st, 10)};
    if (!m->sender)
        m->sender = "";
    if (!m->text)
        m->text = "";
}

static int msg_walk(struct store_sqlite *q,
                    int which,
                    const char *conv_id,
                    long long after,
                    int limit,
                    store_msg_fn *fn,
                    void *ctx,
                    struct sn_err *err)
{
    sqlite3_stmt *st = stmt(q, which);
    struct store_msg m;
    int rc = SN_OK, step;
    bind_text(st, 1, conv_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        msg_row(st, conv_id, &m);
        rc = fn(ctx, &m);
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "replay");
    sqlite3_reset(st);
    return rc;
}

static int sq_msg_each(struct store *s,
                       const char *conv_id,
                       long long after,
                       int limit,
                       store_msg_fn *fn,
                       void *ctx,
                       struct sn_err *err)
{
    return msg_walk(cast(s), S_MSG_EACH, conv_id, after, limit, fn, ctx, err);
}

static int sq_msg_each_all(struct store *s,
                           const char *conv_id,
                           long long after,
                           int limit,
                           store_msg_fn *fn,
                           void *ctx,
                           struct sn_err *err)
{
    return msg_walk(cast(s), S_MSG_EACH_ALL, conv_id, after, limit, fn, ctx, err);
}

static int sq_conv_route(struct store *s,
                         const char *id,
                         const char *state,
                         long long agent_id,
                         long long queued_at,
                         const char *resolution,
                         long long now,
                         struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CONV_ROUTE);
    bind_text(st, 1, id);
    bind_text(st, 2, state);
    if (agent_id)
        sqlite3_bind_int64(st, 3, agent_id);
    else
        sqlite3_bind_null(st, 3);
    if (queued_at)
        sqlite3_bind_int64(st, 4, queued_at);
    else
        sqlite3_bind_null(st, 4);
    bind_text(st, 5, resolution);
    sqlite3_bind_int64(st, 6, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "route conversation");
    else if (sqlite3_changes(q->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", id);
    return batch_check(q, rc);
}

static void route_row(sqlite3_stmt *st, struct store_route *r)
{
    memset(r, 0, sizeof *r);
    copy_col(r->id, sizeof r->id, st, 0);
    copy_col(r->state, sizeof r->state, st, 1);
    copy_col(r->lang, sizeof r->lang, st, 2);
    r->agent_id = sqlite3_column_int64(st, 3);
    r->queued_at = sqlite3_column_int64(st, 4);
    copy_col(r->last_text, sizeof r->last_text, st, 5);
}

static int sq_conv_get(struct store *s, const char *id, struct store_route *out, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_CONV_GET);
    int rc = SN_OK;
    bind_text(st, 1, id);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        route_row(st, out);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", id);
        break;
    default:
        rc = db_err(q, err, "get conversation");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_conv_each(struct store *s,
                        const char *state,
                        long long agent_id,
                        store_route_fn *fn,
                        void *ctx,
                        struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_CONV_EACH);
    struct store_route r;
    int rc = SN_OK, step;
    bind_text(st, 1, state);
    sqlite3_bind_int64(st, 2, agent_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        route_row(st, &r);
        if ((rc = fn(ctx, &r)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "list conversations");
    sqlite3_reset(st);
    return rc;
}

static int sq_msg_from(struct store *s,
                       const char *conv_id,
                       long long seq,
                       char *from,
                       size_t from_size,
                       struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_MSG_FROM);
    int rc = SN_OK;
    bind_text(st, 1, conv_id);
    sqlite3_bind_int64(st, 2, seq);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        copy_col(from, from_size, st, 0);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "no message %lld", seq);
        break;
    default:
        rc = db_err(q, err, "find message");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_feedback_add(struct store *s,
                           const char *conv_id,
                           long long seq,
                           int helpful,
                           long long now,
                           struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_FEEDBACK);
    bind_text(st, 1, conv_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int(st, 3, helpful ? 1 : 0);
    sqlite3_bind_int64(st, 4, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return batch_check(q, step == SQLITE_DONE ? SN_OK : db_err(q, err, "insert feedback"));
}

static int sq_csat_set(struct store *s,
                       const char *conv_id,
                       int rating,
                       const char *comment,
                       long long now,
                       struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CSAT);
    bind_text(st, 1, conv_id);
    sqlite3_bind_int(st, 2, rating);
    bind_text(st, 3, comment);
    sqlite3_bind_int64(st, 4, now);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return batch_check(q, step == SQLITE_DONE ? SN_OK : db_err(q, err, "store the rating"));
}

static int
sq_ticket_add(struct store *s, const struct store_ticket *t, long long *id, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_TICKET_ADD);
    bind_text(st, 1, t->conv_id);
    bind_text(st, 2, t->lang);
    bind_text(st, 3, t->email);
    sqlite3_bind_int(st, 4, t->consent ? 1 : 0);
    bind_text(st, 5, t->text);
    sqlite3_bind_int64(st, 6, t->created);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return batch_check(q, db_err(q, err, "store the ticket"));
    *id = sqlite3_last_insert_rowid(q->db);
    return SN_OK;
}

static int
sq_ticket_each(struct store *s, int limit, store_ticket_fn *fn, void *ctx, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_TICKET_EACH);
    int rc = SN_OK, step;
    sqlite3_bind_int(st, 1, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_ticket t = {.id = sqlite3_column_int64(st, 0),
                                 .conv_id = (const char *)sqlite3_column_text(st, 1),
                                 .lang = (const char *)sqlite3_column_text(st, 2),
                                 .email = (const char *)sqlite3_column_text(st, 3),
                                 .text = (const char *)sqlite3_column_text(st, 4),
                                 .created = sqlite3_column_int64(st, 5)};
        if ((rc = fn(ctx, &t)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "list tickets");
    sqlite3_reset(st);
    return rc;
}

static int
sq_ticket_get(struct store *s, long long id, store_ticket_fn *fn, void *ctx, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_TICKET_GET);
    int rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        struct store_ticket t = {.id = sqlite3_column_int64(st, 0),
                                 .conv_id = (const char *)sqlite3_column_text(st, 1),
                                 .lang = (const char *)sqlite3_column_text(st, 2),
                                 .email = (const char *)sqlite3_column_text(st, 3),
                                 .text = (const char *)sqlite3_column_text(st, 4),
                                 .created = sqlite3_column_int64(st, 5),
                                 .consent = sqlite3_column_int(st, 6)};
        rc = fn(ctx, &t);
    } else if (step == SQLITE_DONE) {
        rc = sn_err_set(err, SN_ENOTFOUND, "no ticket %lld", id);
    } else {
        rc = db_err(q, err, "read the ticket");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_canned_set(struct store *s, const struct store_canned *c, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CANNED_SET);
    bind_text(st, 1, c->shortcut);
    bind_text(st, 2, c->lang);
    bind_text(st, 3, c->text);
    sqlite3_bind_int64(st, 4, c->updated);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return batch_check(q,
                       step == SQLITE_DONE ? SN_OK : db_err(q, err, "store the canned response"));
}

static int sq_canned_rm(struct store *s, const char *shortcut, const char *lang, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CANNED_DEL);
    bind_text(st, 1, shortcut);
    bind_text(st, 2, lang);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return batch_check(q, db_err(q, err, "remove the canned response"));
    if (sqlite3_changes(q->db) == 0)
        return sn_err_set(err, SN_ENOTFOUND, "no canned response %s (%s)", shortcut, lang);
    return SN_OK;
}

static int sq_canned_each(
    struct store *s, const char *lang, store_canned_fn *fn, void *ctx, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_CANNED_EACH);
    int rc = SN_OK, step;
    bind_text(st, 1, lang);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_canned c = {.shortcut = (const char *)sqlite3_column_text(st, 0),
                                 .lang = (const char *)sqlite3_column_text(st, 1),
                                 .text = (const char *)sqlite3_column_text(st, 2),
                                 .updated = sqlite3_column_int64(st, 3)};
        if ((rc = fn(ctx, &c)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "list canned responses");
    sqlite3_reset(st);
    return rc;
}

static int sq_att_add(struct store *s, const struct store_att *a, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_ATT_ADD);
    bind_text(st, 1, a->id);
    bind_text(st, 2, a->conv_id);
    bind_text(st, 3, a->hash);
    bind_text(st, 4, a->type);
    sqlite3_bind_int64(st, 5, a->size);
    bind_text(st, 6, a->name);
    sqlite3_bind_int64(st, 7, a->created);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_CONSTRAINT)
        return batch_check(q, sn_err_set(err, SN_ECONFLICT,
                                         "store: attachment %s exists or no conversation %s", a->id,
                                         a->conv_id));
    return batch_check(q, step == SQLITE_DONE ? SN_OK : db_err(q, err, "store the attachment"));
}

static int sq_att_get(struct store *s, const char *id, struct store_att *out, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_ATT_GET);
    int rc = SN_OK;
    bind_text(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        copy_col(out->id, sizeof out->id, st, 0);
        copy_col(out->conv_id, sizeof out->conv_id, st, 1);
        copy_col(out->hash, sizeof out->hash, st, 2);
        copy_col(out->type, sizeof out->type, st, 3);
        out->size = sqlite3_column_int64(st, 4);
        copy_col(out->name, sizeof out->name, st, 5);
        out->created = sqlite3_column_int64(st, 6);
    } else if (step == SQLITE_DONE)
        rc = sn_err_set(err, SN_ENOTFOUND, "no attachment %s", id);
    else
        rc = db_err(q, err, "read the attachment");
    sqlite3_reset(st);
    return rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    bind_text(st, i, v && *v ? v : NULL);
}

static int sq_profile_set(struct store *s,
                          const char *conv_id,
                          const struct store_profile *p,
                          struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_PROFILE_SET);
    bind_text(st, 1, conv_id);
    bind_opt(st, 2, p->name);
    bind_opt(st, 3, p->email);
    sqlite3_bind_int(st, 4, p->consent && p->email[0] ? 1 : 0);
    bind_opt(st, 5, p->department);
    sqlite3_bind_int64(st, 6, p->updated);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return batch_check(q, step == SQLITE_DONE ? SN_OK : db_err(q, err, "store the profile"));
}

/* Copies column i (text, "" for NULL) into out[0..size), cut at size - 1 bytes. */
static void col_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    snprintf(out, size, "%s", v ? v : "");
}

static int
sq_profile_get(struct store *s, const char *conv_id, struct store_profile *out, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_PROFILE_GET);
    int rc = SN_OK;
    memset(out, 0, sizeof *out);
    bind_text(st, 1, conv_id);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        col_copy(st, 0, out->name, sizeof out->name);
        col_copy(st, 1, out->email, sizeof out->email);
        out->consent = sqlite3_column_int(st, 2);
        col_copy(st, 3, out->department, sizeof out->department);
        out->updated = sqlite3_column_int64(st, 4);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no profile for %s", conv_id);
        break;
    default:
        rc = db_err(q, err, "read the profile");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_att_count(struct store *s, const char *conv_id, long long *n, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_ATT_COUNT);
    bind_text(st, 1, conv_id);
    int step = sqlite3_step(st);
    *n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? SN_OK : db_err(q, err, "count attachments");
}

/* Deletes conv_id's attachment rows (one transaction), then names each file no row uses. */
static int sq_att_conv_rm(struct store *s,
                          const char *conv_id,
                          store_hash_fn *fn,
                          void *ctx,
                          int *removed,
                          struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    char(*hashes)[STORE_ATT_HASH] = NULL;
    size_t n = 0, cap = 0;
    int rc, step;
    *removed = 0;
    if ((rc = tx_begin(q, err)))
        return rc;
    sqlite3_stmt *st = stmt(q, S_ATT_CONV_HASHES);
    bind_text(st, 1, conv_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            hashes = sn_xrealloc(hashes, cap * sizeof *hashes);
        }
        copy_col(hashes[n++], STORE_ATT_HASH, st, 0);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        rc = db_err(q, err, "list attachments");
        goto out;
    }
    st = stmt(q, S_ATT_CONV_DEL);
    bind_text(st, 1, conv_id);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "remove attachments");
    else
        *removed = sqlite3_changes(q->db);
out:
    rc = tx_end(q, rc, err);
    for (size_t i = 0; rc == SN_OK && i < n; i++) {
        st = stmt(q, S_ATT_HASH_USED);
        bind_text(st, 1, hashes[i]);
        step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step == SQLITE_DONE)
            rc = fn(ctx, hashes[i]);
        else if (step != SQLITE_ROW)
            rc = db_err(q, err, "look up an attachment file");
    }
    free(hashes);
    return rc;
}

/* --- cases ------------------------------------------------------------------------------ */

/* An integer column that is 0 for never: NULL in the file. */
static void bind_time(sqlite3_stmt *st, int i, long long v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static int event_add(struct store_sqlite *q,
                     long long case_id,
                     const struct store_case_event *ev,
                     struct sn_err *err)
{
    sqlite3_stmt *st = stmt(q, S_CASE_EVENT_ADD);
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, ev->ts);
    bind_text(st, 3, ev->kind);
    bind_text(st, 4, ev->actor);
    bind_text(st, 5, ev->detail);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? SN_OK : db_err(q, err, "store the case event");
}

/* A case's fields as S_CASE_ADD and S_CASE_SET number them alike: ?2 to ?11, ?13, ?14 (the one
 * written in one place, so the two statements cannot drift apart). */
static void bind_case(sqlite3_stmt *st, const struct store_case *c)
{
    bind_opt(st, 2, c->conv_id);
    bind_time(st, 3, c->ticket_id);
    bind_opt(st, 4, c->visitor_id);
    bind_text(st, 5, c->status);
    sqlite3_bind_int(st, 6, c->priority);
    bind_opt(st, 7, c->department);
    bind_opt(st, 8, c->assignee);
    sqlite3_bind_int64(st, 9, c->updated);
    bind_time(st, 10, c->first_response_at);
    bind_time(st, 11, c->solved_at);
    sqlite3_bind_int(st, 13, c->sla_breached);
    sqlite3_bind_int(st, 14, c->tier < 1 ? 1 : c->tier); /* ?12 is S_CASE_ADD's created */
}

static int sq_case_add(struct store *s,
                       struct store_case *c,
                       const struct store_case_event *ev,
                       struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = tx_begin(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CASE_ADD);
    bind_text(st, 1, c->ref);
    bind_case(st, c);
    sqlite3_bind_int64(st, 12, c->created);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_CONSTRAINT && sqlite3_extended_errcode(q->db) == SQLITE_CONSTRAINT_UNIQUE)
        rc = sn_err_set(err, SN_ECONFLICT, "store: case %s exists", c->ref);
    else if (step != SQLITE_DONE)
        rc = db_err(q, err, "store the case");
    else
        c->id = sqlite3_last_insert_rowid(q->db);
    if (rc == SN_OK)
        rc = event_add(q, c->id, ev, err);
    return tx_end(q, rc, err);
}

static void case_row(sqlite3_stmt *st, struct store_case *c)
{
    c->id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, c->ref, sizeof c->ref);
    col_copy(st, 2, c->conv_id, sizeof c->conv_id);
    c->ticket_id = sqlite3_column_int64(st, 3);
    col_copy(st, 4, c->visitor_id, sizeof c->visitor_id);
    col_copy(st, 5, c->status, sizeof c->status);
    c->priority = sqlite3_column_int(st, 6);
    col_copy(st, 7, c->department, sizeof c->department);
    col_copy(st, 8, c->assignee, sizeof c->assignee);
    c->created = sqlite3_column_int64(st, 9);
    c->updated = sqlite3_column_int64(st, 10);
    c->first_response_at = sqlite3_column_int64(st, 11);
    c->solved_at = sqlite3_column_int64(st, 12);
    c->sla_breached = sqlite3_column_int(st, 13);
    c->tier = sqlite3_column_int(st, 14);
}

static int sq_case_find(struct store *s,
                        enum store_case_key key,
                        const char *value,
                        struct store_case *out,
                        struct sn_err *err)
{
    static const int by[] = {[STORE_CASE_BY_REF] = S_CASE_BY_REF,
                             [STORE_CASE_BY_CONV] = S_CASE_BY_CONV,
                             [STORE_CASE_BY_VISITOR] = S_CASE_BY_VISITOR};
    struct store_sqlite *q = cast(s);
    int rc = SN_OK;
    memset(out, 0, sizeof *out);
    if ((unsigned)key >= sizeof by / sizeof *by || !value || !*value)
        return sn_err_set(err, SN_ENOTFOUND, "store: no such case");
    sqlite3_stmt *st = stmt(q, by[key]);
    bind_text(st, 1, value);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        case_row(st, out);
        break;
    case SQLITE_DONE:
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no case for %s", value);
        break;
    default:
        rc = db_err(q, err, "read the case");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_case_record(struct store *s,
                          const struct store_case *c,
                          const struct store_case_event *ev,
                          struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = tx_begin(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_CASE_SET);
    sqlite3_bind_int64(st, 1, c->id);
    bind_case(st, c);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "update the case");
    else if (sqlite3_changes(q->db) == 0)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no case %lld", c->id);
    if (rc == SN_OK)
        rc = event_add(q, c->id, ev, err);
    return tx_end(q, rc, err);
}

static int sq_case_event_each(
    struct store *s, long long case_id, store_case_event_fn *fn, void *ctx, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_CASE_EVENT_EACH);
    int rc = SN_OK, step;
    sqlite3_bind_int64(st, 1, case_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_case_event ev = {.case_id = sqlite3_column_int64(st, 0),
                                      .ts = sqlite3_column_int64(st, 1),
                                      .kind = (const char *)sqlite3_column_text(st, 2),
                                      .actor = (const char *)sqlite3_column_text(st, 3),
                                      .detail = (const char *)sqlite3_column_text(st, 4)};
        if ((rc = fn(ctx, &ev)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "list the case events");
    sqlite3_reset(st);
    return rc;
}

/* ---- the case search ---- */

/* The search's columns: case_row's, the summary (only what the people wrote counts: the first
 * visitor message, else the left message), then the left message's text, email, created and
 * language (each a lookup by the tickets' primary key; NULL when none). */
#define SEARCH_COLS                                                                             \
    "SELECT c.id, c.ref, ifnull(c.conv_id, ''), ifnull(c.ticket_id, 0),"                        \
    " ifnull(c.visitor_id, ''), c.status, c.priority, ifnull(c.department, ''),"                \
    " ifnull(c.assignee, ''), c.created, c.updated, ifnull(c.first_response_at, 0),"            \
    " ifnull(c.solved_at, 0), c.sla_breached, c.tier, coalesce((SELECT substr(m.text, 1, 140) " \
    "FROM messages m"                                                                           \
    " WHERE m.conv_id = c.conv_id AND m.sender = 'visitor' ORDER BY m.seq LIMIT 1),"            \
    " (SELECT substr(t.text, 1, 140) FROM tickets t WHERE t.id = c.ticket_id), ''),"            \
    " (SELECT t.text FROM tickets t WHERE t.id = c.ticket_id),"                                 \
    " (SELECT t.email FROM tickets t WHERE t.id = c.ticket_id),"                                \
    " (SELECT t.created FROM tickets t WHERE t.id = c.ticket_id),"                              \
    " (SELECT t.lang FROM tickets t WHERE t.id = c.ticket_id)"

/* Text: LIKE over the conversation's messages (its primary key is (conv_id, seq), so each
 * case reads only its own conversation) and its left message, rather than an FTS index: the
 * messages are the store's, an FTS5 table would double them, and an agent looks for an exact
 * string (an order number, an email, a phrase) rather than a ranked answer; cases are walked
 * newest first under the other filters and the walk stops at the limit. The bot's turns are
 * left out: they repeat the knowledge base, so a word of an answer would match every case
 * that got it. */
#define SEARCH_TEXT                                                                 \
    " AND (EXISTS (SELECT 1 FROM messages m WHERE m.conv_id = c.conv_id"            \
    " AND m.sender IN ('visitor', 'agent', 'note') AND m.text LIKE ?# ESCAPE '\\')" \
    " OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = c.ticket_id"                  \
    " AND t.text LIKE ?# ESCAPE '\\'))"

/* s as a LIKE pattern that matches it anywhere: %s%, with \, % and _ escaped by \. Owned by
 * the caller (free). */
static char *like_pattern(const char *s)
{
    size_t n = strlen(s), j = 0;
    char *p = sn_xmalloc(2 * n + 3);
    p[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '%' || s[i] == '_')
            p[j++] = '\\';
        p[j++] = s[i];
    }
    p[j++] = '%';
    p[j] = 0;
    return p;
}

/* The search's SQL, made of fixed clauses (no input ever in the text), and its parameters. */
struct search_sql {
    char sql[4096];
    size_t len;
    int n;                /* parameters so far */
    const char *text[16]; /* the text of parameter i + 1, or NULL for an integer */
    long long num[16];
};

/* Appends clause to the SQL, each "?#" in it numbered as the next parameter (text, or num
 * when text is NULL). The clauses are this file's: their length is bounded. */
static void search_add(struct search_sql *q, const char *clause, const char *text, long long num)
{
    assert(q->n < (int)(sizeof q->num / sizeof *q->num));
    q->n++;
    for (const char *p = clause; *p; p++) {
        if (p[0] == '?' && p[1] == '#') {
            q->len += (size_t)snprintf(q->sql + q->len, sizeof q->sql - q->len, "?%d", q->n);
            p++;
        } else if (q->len + 1 < sizeof q->sql) {
            q->sql[q->len++] = *p;
        }
        assert(q->len + 1 < sizeof q->sql);
    }
    q->sql[q->len] = 0;
    q->text[q->n - 1] = text;
    q->num[q->n - 1] = num;
}

/* Appends clause as it is (no parameter). */
static void search_raw(struct search_sql *q, const char *clause)
{
    q->len += (size_t)snprintf(q->sql + q->len, sizeof q->sql - q->len, "%s", clause);
    assert(q->len + 1 < sizeof q->sql);
}

/* The conditions of f but the text, as " AND …" clauses of the cases aliased c. */
static void search_filters(struct search_sql *b, const struct store_case_filter *f)
{
    if (f->ref)
        search_add(b, " AND c.ref = ?#", f->ref, 0);
    if (f->nstatus) { /* status IN (?a, ?b, …): one parameter each */
        search_raw(b, " AND c.status IN (");
        for (int i = 0; i < f->nstatus; i++)
            search_add(b, i ? ", ?#" : "?#", f->status[i], 0);
        search_raw(b, ")");
    }
    if (f->department)
        search_add(b, " AND c.department = ?#", f->department, 0);
    if (f->assignee)
        search_add(b, " AND c.assignee = ?#", f->assignee, 0);
    if (f->visitor_id)
        search_add(b, " AND c.visitor_id = ?#", f->visitor_id, 0);
    if (f->from)
        search_add(b, " AND c.created >= ?#", NULL, f->from);
    if (f->to)
        search_add(b, " AND c.created <= ?#", NULL, f->to);
    if (f->before)
        search_add(b, " AND c.id < ?#", NULL, f->before);
    if (f->exclude_id)
        search_add(b, " AND c.id != ?#", NULL, f->exclude_id);
}

/* b's SQL prepared into *st with its parameters bound. */
static int search_prepare(struct store_sqlite *q,
                          const struct search_sql *b,
                          sqlite3_stmt **st,
                          struct sn_err *err)
{
    if (sqlite3_prepare_v2(q->db, b->sql, -1, st, NULL) != SQLITE_OK)
        return db_err(q, err, "prepare the case search");
    for (int i = 0; i < b->n; i++)
        if (b->text[i])
            bind_text(*st, i + 1, b->text[i]);
        else
            sqlite3_bind_int64(*st, i + 1, b->num[i]);
    return SN_OK;
}

/* Where a text search's window ended: the lowest id of the f->scan newest cases that meet
 * the other conditions when there are that many (more may lie below), else 0. */
static int search_window_end(struct store_sqlite *q,
                             const struct store_case_filter *f,
                             long long *end,
                             struct sn_err *err)
{
    struct search_sql b = {.len = 0};
    sqlite3_stmt *st = NULL;
    search_raw(&b, "SELECT count(*), min(id) FROM (SELECT c.id FROM cases c WHERE 1");
    search_filters(&b, f);
    search_add(&b, " ORDER BY c.id DESC LIMIT ?#)", NULL, f->scan);
    int rc = search_prepare(q, &b, &st, err);
    *end = 0;
    if (rc == SN_OK && sqlite3_step(st) != SQLITE_ROW)
        rc = db_err(q, err, "search the cases");
    else if (rc == SN_OK && sqlite3_column_int64(st, 0) == f->scan)
        *end = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return rc;
}

static int sq_case_search(struct store *s,
                          const struct store_case_filter *f,
                          store_case_found_fn *fn,
                          void *ctx,
                          long long *scan_end,
                          struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    struct search_sql b = {.len = 0};
    sqlite3_stmt *st = NULL;
    char *like = NULL;
    int rc = SN_OK, step, window = f->text && f->scan > 0;
    if (scan_end)
        *scan_end = 0;
    if (f->limit < 1 || f->limit > STORE_CASE_SEARCH_MAX || f->nstatus < 0 ||
        f->nstatus > STORE_CASE_SEARCH_STATUSES || f->scan < 0)
        return sn_err_set(err, SN_EINVAL, "store: bad case search");
    /* with a window, the text is matched in the scan newest cases the other conditions
     * give: a bounded amount of work per call, whatever the store holds */
    search_raw(&b, SEARCH_COLS);
    search_raw(&b, window ? " FROM (SELECT * FROM cases c WHERE 1" : " FROM cases c WHERE 1");
    search_filters(&b, f);
    if (window) {
        search_add(&b, " ORDER BY c.id DESC LIMIT ?#", NULL, f->scan);
        search_raw(&b, ") c WHERE 1");
    }
    if (f->text) {
        like = like_pattern(f->text);
        search_add(&b, SEARCH_TEXT, like, 0);
    }
    search_add(&b, " ORDER BY c.id DESC LIMIT ?#", NULL, f->limit);
    if ((rc = search_prepare(q, &b, &st, err)))
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_case c;
        case_row(st, &c);
        const char *sum = (const char *)sqlite3_column_text(st, 15);
        struct store_ticket left = {.id = c.ticket_id,
                                    .conv_id = c.conv_id,
                                    .text = (const char *)sqlite3_column_text(st, 16),
                                    .email = (const char *)sqlite3_column_text(st, 17),
                                    .created = sqlite3_column_int64(st, 18),
                                    .lang = (const char *)sqlite3_column_text(st, 19)};
        if ((rc = fn(ctx, &c, sum ? sum : "", left.text ? &left : NULL)))
            goto out;
    }
    if (step != SQLITE_DONE) {
        rc = db_err(q, err, "search the cases");
        goto out;
    }
    if (window && scan_end)
        rc = search_window_end(q, f, scan_end, err);
out:
    sqlite3_finalize(st);
    free(like);
    return rc;
}

/* --- privacy (bot/privacy.h) ------------------------------------------------------------ */

/* Privacy requests are rare and each runs a handful of statements: prepared when used, not
 * kept with the hot path's (q->st). */

/* Steps sql with ?1 = a (text, may be NULL), ?2 = b (integer); *changes (may be NULL) is
 * the rows it changed. */
static int run_sql(struct store_sqlite *q,
                   const char *sql_text,
                   const char *a,
                   long long b,
                   long long *changes,
                   struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_prepare_v2(q->db, sql_text, -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(q, err, "prepare");
        goto out;
    }
    bind_text(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(q, err, "privacy");
        goto out;
    }
    if (changes)
        *changes = sqlite3_changes(q->db);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Ids of the first column of sql (?1 = a, ?2 = b), collected before fn is called for each:
 * fn may write (a purge) while no statement of ours is running. */
static int each_id(struct store_sqlite *q,
                   const char *sql_text,
                   const char *a,
                   long long b,
                   store_id_fn *fn,
                   void *ctx,
                   struct sn_err *err)
{
    sqlite3_stmt *st = NULL;
    char(*ids)[STORE_ID_MAX] = NULL;
    size_t n = 0, cap = 0;
    int rc = SN_OK, step;
    if (sqlite3_prepare_v2(q->db, sql_text, -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(q, err, "prepare");
        goto out;
    }
    bind_text(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = sn_xrealloc(ids, cap * sizeof *ids);
        }
        copy_col(ids[n++], STORE_ID_MAX, st, 0);
    }
    if (step != SQLITE_DONE)
        rc = db_err(q, err, "list conversations");
    sqlite3_finalize(st);
    st = NULL;
    for (size_t i = 0; rc == SN_OK && i < n; i++)
        rc = fn(ctx, ids[i]);
out:
    sqlite3_finalize(st);
    free(ids);
    return rc;
}

/* The conversations of a subject, by kind (enum store_subject). The visitor's include the
 * conversations its cases were reopened from (the case moved; the old one is still theirs). */
static const char *const subject_sql[] = {
    [STORE_SUBJECT_TOKEN] = "SELECT id FROM conversations WHERE token_hash = ?1",
    [STORE_SUBJECT_VISITOR] =
        "SELECT id FROM conversations WHERE id IN ("
        " SELECT conv_id FROM cases WHERE visitor_id = ?1"
        " UNION SELECT json_extract(e.detail, '$.previous_conversation') FROM case_events e"
        " JOIN cases c ON c.id = e.case_id WHERE c.visitor_id = ?1 AND e.kind = 'reopened'"
        " AND json_valid(e.detail)) ORDER BY created",
    [STORE_SUBJECT_EMAIL] = "SELECT id FROM conversations WHERE id IN ("
                            " SELECT conv_id FROM profiles WHERE lower(email) = lower(?1)"
                            " UNION SELECT conv_id FROM tickets WHERE lower(email) = lower(?1))"
                            " ORDER BY created",
};

static int sq_subject_convs(struct store *s,
                            enum store_subject kind,
                            const char *value,
                            store_id_fn *fn,
                            void *ctx,
                            struct sn_err *err)
{
    if ((unsigned)kind > STORE_SUBJECT_EMAIL)
        return sn_err_set(err, SN_EINVAL, "store: no such subject kind");
    return each_id(cast(s), subject_sql[kind], value, 0, fn, ctx, err);
}

/* JSON of a text column that holds JSON (meta, detail), else the text as it is. */
#define JSON_OR_TEXT(col) "CASE WHEN json_valid(" col ") THEN json(" col ") ELSE " col " END"

/* One conversation as JSON. Rows of a group come in their key's order (messages by
 * (conv_id, seq), events by case_events_case), which is the order json_group_array keeps. */
static const char export_sql[] =
    "SELECT json_object('id', c.id, 'state', c.state, 'lang', c.lang, 'created', c.created,"
    " 'updated', c.updated, 'resolution', c.resolution,"
    " 'messages', (SELECT json_group_array(json_object('seq', m.seq, 'sender', m.sender,"
    "  'text', m.text, 'ts', m.ts, 'agent', m.agent, 'kind', m.kind, 'kb_id', m.kb_id,"
    "  'band', m.band, 'intent', m.intent, 'meta', " JSON_OR_TEXT(
        "m.meta") "))"
                  "  FROM messages m WHERE m.conv_id = c.id),"
                  " 'feedback', (SELECT json_group_array(json_object('seq', seq, 'helpful', "
                  "helpful,"
                  "  'ts', ts)) FROM feedback WHERE conv_id = c.id),"
                  " 'csat', (SELECT json_object('rating', rating, 'comment', comment, 'ts', ts) "
                  "FROM csat"
                  "  WHERE conv_id = c.id),"
                  " 'profile', (SELECT json_object('name', name, 'email', email, 'consent', "
                  "consent,"
                  "  'department', department, 'updated', updated) FROM profiles WHERE conv_id = "
                  "c.id),"
                  " 'tickets', (SELECT json_group_array(json_object('id', id, 'lang', lang, "
                  "'email', email,"
                  "  'consent', consent, 'text', text, 'created', created, 'status', status)) FROM "
                  "tickets"
                  "  WHERE conv_id = c.id),"
                  " 'attachments', (SELECT json_group_array(json_object('id', id, 'type', type, "
                  "'size', size,"
                  "  'name', name, 'hash', hash, 'created', created)) FROM attachments WHERE "
                  "conv_id = c.id),"
                  " 'cases', (SELECT json_group_array(json_object('ref', k.ref, 'status', k.status,"
                  "  'priority', k.priority, 'department', k.department, 'assignee', k.assignee,"
                  "  'visitor', k.visitor_id, 'ticket', k.ticket_id, 'tier', k.tier, 'created', "
                  "k.created,"
                  "  'updated', k.updated, 'first_response_at', k.first_response_at,"
                  "  'solved_at', k.solved_at, 'events', (SELECT "
                  "json_group_array(json_object('ts', e.ts,"
                  "  'kind', e.kind, 'actor', e.actor, 'detail', " JSON_OR_TEXT(
                      "e.detail") "))"
                                  "  FROM case_events e WHERE e.case_id = k.id))) FROM cases k "
                                  "WHERE k.conv_id = c.id))"
                                  " FROM conversations c WHERE c.id = ?1";

static int sq_conv_export(struct store *s, const char *conv_id, char **json, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, step;
    *json = NULL;
    if (sqlite3_prepare_v2(q->db, export_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(q, err, "prepare export");
        goto out;
    }
    bind_text(st, 1, conv_id);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *json = sn_xstrdup((const char *)sqlite3_column_text(st, 0));
    else if (step == SQLITE_DONE)
        rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", conv_id);
    else
        rc = db_err(q, err, "export");
out:
    sqlite3_finalize(st);
    return rc;
}

/* A purge's statements, in the order the foreign keys need (children before the
 * conversation row); each counts into the store_purge member at its offset (-1: none). The
 * free-text keys go from the timelines before the cases lose their conversation. */
#define PURGE_CASES                                                                    \
    "(SELECT id FROM cases WHERE conv_id = ?1 OR ticket_id IN (SELECT id FROM tickets" \
    " WHERE conv_id = ?1))"
static const struct {
    const char *sql;
    long offset;
} purge_steps[] = {
    {"UPDATE case_events SET detail = json_remove(detail, '$.note', '$.comment', '$.text',"
     " '$.email', '$.name', '$.error') WHERE case_id IN " PURGE_CASES " AND json_valid(detail)",
     offsetof(struct store_purge, case_events)},
    {"UPDATE cases SET conv_id = NULL, ticket_id = NULL, visitor_id = NULL"
     " WHERE id IN " PURGE_CASES,
     offsetof(struct store_purge, cases)},
    {"DELETE FROM messages WHERE conv_id = ?1", offsetof(struct store_purge, messages)},
    {"DELETE FROM tickets WHERE conv_id = ?1", offsetof(struct store_purge, tickets)},
    {"DELETE FROM profiles WHERE conv_id = ?1", offsetof(struct store_purge, profiles)},
    {"UPDATE csat SET comment = NULL WHERE conv_id = ?1 AND comment IS NOT NULL",
     offsetof(struct store_purge, csat_comments)},
    {"DELETE FROM conversations WHERE id = ?1", -1},
};

static int
sq_conv_purge(struct store *s, const char *conv_id, struct store_purge *n, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    long long changed = 0;
    int rc;
    memset(n, 0, sizeof *n);
    if ((rc = tx_begin(q, err)))
        return rc;
    for (size_t i = 0; rc == SN_OK && i < sizeof purge_steps / sizeof purge_steps[0]; i++) {
        rc = run_sql(q, purge_steps[i].sql, conv_id, 0, &changed, err);
        if (rc == SN_OK && purge_steps[i].offset >= 0)
            *(long long *)((char *)n + purge_steps[i].offset) = changed;
        else if (rc == SN_OK && changed == 0)
            rc = sn_err_set(err, SN_ENOTFOUND, "store: no conversation %s", conv_id);
    }
    return tx_end(q, rc, err);
}

static int sq_conv_stale(
    struct store *s, long long before, int limit, store_id_fn *fn, void *ctx, struct sn_err *err)
{
    char sql_text[200];
    snprintf(sql_text, sizeof sql_text,
             "SELECT id FROM conversations WHERE updated < ?2 AND state NOT IN ('queued', 'agent')"
             " ORDER BY updated LIMIT %d",
             limit > 0 ? limit : 1);
    return each_id(cast(s), sql_text, NULL, before, fn, ctx, err);
}

static int sq_subject_unlink(
    struct store *s, enum store_subject kind, const char *value, long long *n, struct sn_err *err)
{
    *n = 0;
    if (kind == STORE_SUBJECT_VISITOR)
        return run_sql(cast(s), "UPDATE cases SET visitor_id = NULL WHERE visitor_id = ?1", value,
                       0, n, err);
    if (kind == STORE_SUBJECT_EMAIL)
        return run_sql(cast(s),
                       "DELETE FROM tickets WHERE conv_id IS NULL AND lower(email) = lower(?1)",
                       value, 0, n, err);
    return SN_OK;
}

static int sq_audit_add(struct store *s, const struct store_audit *a, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = NULL;
    int rc = SN_OK;
    if (sqlite3_prepare_v2(q->db,
                           "INSERT INTO audit(ts, actor, action, subject_kind, subject_hash,"
                           " conversations, messages) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(q, err, "prepare audit");
        goto out;
    }
    sqlite3_bind_int64(st, 1, a->ts);
    bind_text(st, 2, a->actor);
    bind_text(st, 3, a->action);
    bind_text(st, 4, a->subject_kind);
    bind_text(st, 5, a->subject_hash);
    sqlite3_bind_int64(st, 6, a->conversations);
    sqlite3_bind_int64(st, 7, a->messages);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(q, err, "audit");
out:
    sqlite3_finalize(st);
    return rc;
}

static int
sq_audit_each(struct store *s, int limit, store_audit_fn *fn, void *ctx, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = NULL;
    int rc = SN_OK, step;
    if (sqlite3_prepare_v2(q->db,
                           "SELECT ts, actor, action, subject_kind, subject_hash, conversations,"
                           " messages FROM audit ORDER BY id DESC LIMIT ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(q, err, "prepare audit");
        goto out;
    }
    sqlite3_bind_int(st, 1, limit);
    while (rc == SN_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit a = {sqlite3_column_int64(st, 0),
                                col_text(st, 1),
                                col_text(st, 2),
                                col_text(st, 3),
                                col_text(st, 4),
                                sqlite3_column_int64(st, 5),
                                sqlite3_column_int64(st, 6)};
        rc = fn(ctx, &a);
    }
    if (rc == SN_OK && step != SQLITE_DONE)
        rc = db_err(q, err, "audit");
out:
    sqlite3_finalize(st);
    return rc;
}

/* The kept statements are reset first: one left after its last row holds a read
 * transaction, and a truncating checkpoint waits for every reader (called between
 * operations, never inside a walk). Inside a batch (the server's group commit) the write
 * transaction is still open: the checkpoint thread truncates at its next tick instead. */
static int sq_checkpoint(struct store *s, int truncate, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    if (truncate && q->batching && q->ckpt_running) {
        pthread_mutex_lock(&q->mu);
        q->ckpt_truncate = 1;
        pthread_cond_signal(&q->cv);
        pthread_mutex_unlock(&q->mu);
        return SN_OK;
    }
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_reset(q->st[i]);
    if (sqlite3_wal_checkpoint_v2(q->db, NULL,
                                  truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE,
                                  NULL, NULL) != SQLITE_OK)
        return db_err(q, err, "checkpoint");
    return SN_OK;
}

/* ---- the analytics record (stats_events, v11) ---- */

static void bind_value(sqlite3_stmt *st, int i, long long v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static long long column_value(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static int sq_stats_add(struct store *s, const struct store_stats_event *ev, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    int rc = batch_enter(q, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = stmt(q, S_STATS_ADD);
    sqlite3_bind_int64(st, 1, ev->ts);
    bind_text(st, 2, ev->kind);
    bind_text(st, 3, ev->conv);
    bind_text(st, 4, ev->lang);
    bind_text(st, 5, ev->channel);
    bind_text(st, 6, ev->agent);
    bind_text(st, 7, ev->sub);
    bind_text(st, 8, ev->band);
    bind_value(st, 9, ev->value);
    bind_value(st, 10, ev->value2);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return batch_check(q, step == SQLITE_DONE ? SN_OK : db_err(q, err, "store a stats event"));
}

static int sq_stats_last(
    struct store *s, const char *conv, const char *kind, long long *ts, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_STATS_LAST);
    bind_text(st, 1, conv);
    bind_text(st, 2, kind);
    int rc = sqlite3_step(st) == SQLITE_ROW ? SN_OK : db_err(q, err, "read the stats events");
    *ts = rc == SN_OK ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc;
}

/* One index range: each conversation's rows together, its "conv" row first (it is written
 * first: the lowest id). A row whose conversation has no "conv" row has no start and is
 * never walked. */
static int sq_stats_each(struct store *s,
                         long long from,
                         long long to,
                         store_stats_fn *fn,
                         void *ctx,
                         struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_STATS_WALK);
    int rc = SN_OK, step;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_stats_event ev = {.ts = sqlite3_column_int64(st, 0),
                                       .kind = (const char *)sqlite3_column_text(st, 1),
                                       .conv = (const char *)sqlite3_column_text(st, 2),
                                       .lang = (const char *)sqlite3_column_text(st, 3),
                                       .channel = (const char *)sqlite3_column_text(st, 4),
                                       .agent = (const char *)sqlite3_column_text(st, 5),
                                       .sub = (const char *)sqlite3_column_text(st, 6),
                                       .band = (const char *)sqlite3_column_text(st, 7),
                                       .value = column_value(st, 8),
                                       .value2 = column_value(st, 9)};
        if ((rc = fn(ctx, &ev)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_err(q, err, "read the stats events");
    sqlite3_reset(st);
    return rc;
}

static int sq_stats_email_seen(
    struct store *s, const char *conv, long long since, int *seen, struct sn_err *err)
{
    struct store_sqlite *q = cast(s);
    sqlite3_stmt *st = stmt(q, S_STATS_EMAIL_SEEN);
    bind_text(st, 1, conv);
    sqlite3_bind_int64(st, 2, since);
    int rc = sqlite3_step(st) == SQLITE_ROW ? SN_OK : db_err(q, err, "look for the email");
    *seen = rc == SN_OK && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc;
}

static const struct store_ops sqlite_ops = {
    .case_search = sq_case_search,
    .case_add = sq_case_add,
    .case_find = sq_case_find,
    .case_record = sq_case_record,
    .case_event_each = sq_case_event_each,
    .att_add = sq_att_add,
    .att_get = sq_att_get,
    .att_count = sq_att_count,
    .att_conv_rm = sq_att_conv_rm,
    .profile_set = sq_profile_set,
    .profile_get = sq_profile_get,
    .canned_set = sq_canned_set,
    .canned_rm = sq_canned_rm,
    .canned_each = sq_canned_each,
    .ticket_add = sq_ticket_add,
    .ticket_each = sq_ticket_each,
    .ticket_get = sq_ticket_get,
    .close = sq_close,
    .conv_create = sq_conv_create,
    .conv_by_token = sq_conv_by_token,
    .conv_save = sq_conv_save,
    .msg_add = sq_msg_add,
    .msg_each = sq_msg_each,
    .msg_from = sq_msg_from,
    .feedback_add = sq_feedback_add,
    .csat_set = sq_csat_set,
    .msg_each_all = sq_msg_each_all,
    .conv_route = sq_conv_route,
    .conv_get = sq_conv_get,
    .conv_each = sq_conv_each,
    .subject_convs = sq_subject_convs,
    .conv_export = sq_conv_export,
    .conv_purge = sq_conv_purge,
    .conv_stale = sq_conv_stale,
    .subject_unlink = sq_subject_unlink,
    .audit_add = sq_audit_add,
    .audit_each = sq_audit_each,
    .checkpoint = sq_checkpoint,
    .batch_begin = sq_batch_begin,
    .batch_end = sq_batch_end,
    .stats_add = sq_stats_add,
    .stats_last = sq_stats_last,
    .stats_each = sq_stats_each,
    .stats_email_seen = sq_stats_email_seen,
};

struct store *
store_sqlite_open(const char *path, store_dialogue_upgrade_fn *upgrade, struct sn_err *err)
{
    struct store_sqlite *q = sn_xcalloc(1, sizeof *q);
    char *msg = NULL;
    q->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        sn_err_set(err, SN_EDB, "store: %s: %s", path, sqlite3_errmsg(q->db));
        goto fail;
    }
    sqlite3_busy_timeout(q->db, 2000);
    /* migrated before the pragmas: WAL mode is a write too, and a refused or failed file
     * must stay as it was */
    if (migrate(q->db, path, upgrade, err))
        goto fail;
    if (sqlite3_exec(q->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "store: %s: %s", path, msg ? msg : "pragmas");
        sqlite3_free(msg);
        goto fail;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(q->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL) !=
            SQLITE_OK) {
            db_err(q, err, sql[i]);
            goto fail;
        }
    q->path = sn_xstrdup(path);
    ckpt_start(q);
    return &q->base;
fail:
    sq_close(&q->base);
    return NULL;
}

struct store *store_sqlite_open_ro(const char *path, struct sn_err *err)
{
    struct store_sqlite *q = sn_xcalloc(1, sizeof *q);
    int v = -1;
    q->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "store: %s: %s", path, sqlite3_errmsg(q->db));
        goto fail;
    }
    sqlite3_busy_timeout(q->db, 2000);
    if (user_version(q->db, &v) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "store: %s: %s", path, sqlite3_errmsg(q->db));
        goto fail;
    }
    /* a report reads much of the file once: mapped, its pages are not copied into the cache */
    sqlite3_exec(q->db, "PRAGMA mmap_size=1073741824", NULL, NULL, NULL);
    if (v != SCHEMA_VERSION) { /* read-only: an older file is not migrated here */
        sn_err_set(err, SN_EDB,
                   "store: %s is at schema %d, this binary reads %d (start the server once)", path,
                   v, SCHEMA_VERSION);
        goto fail;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(q->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL) !=
            SQLITE_OK) {
            db_err(q, err, sql[i]);
            goto fail;
        }
    q->path = sn_xstrdup(path);
    return &q->base;
fail:
    sq_close(&q->base);
    return NULL;
}
