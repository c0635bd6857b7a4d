/* Unit tests for kb/feedback.c: votes counted per entry, alone and inside a batch; bad ids
 * refused; no votes read as zeros; a base made before the table gets it (with its schema
 * version) when opened for writing; a read-only base refuses a vote and still reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kb/feedback.h"
#include "kb/kb.h"

struct fx {
    char dir[256], path[300];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/sanad-feedback-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/kb.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[320];
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, ext[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_counts(void **state)
{
    struct fx *f = *state;
    struct sn_err e = {0};
    struct kb_feedback fb;
    struct kb *kb = kb_open(f->path, KB_OPEN_CREATE, &e);
    assert_non_null(kb);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK);
    assert_int_equal(fb.helpful + fb.unhelpful, 0);
    assert_int_equal(kb_feedback_add(kb, "a", 1, 100, &e), SN_OK);
    assert_int_equal(kb_feedback_add(kb, "a", 1, 200, &e), SN_OK);
    assert_int_equal(kb_feedback_add(kb, "a", 0, 300, &e), SN_OK);
    assert_int_equal(kb_feedback_add(kb, "b", 0, 400, &e), SN_OK);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK);
    assert_string_equal(fb.id, "a");
    assert_int_equal(fb.helpful, 2);
    assert_int_equal(fb.unhelpful, 1);
    assert_int_equal(fb.first, 100);
    assert_int_equal(fb.last, 300);
    assert_int_equal(kb_feedback_get(kb, "b", &fb, &e), SN_OK);
    assert_int_equal(fb.helpful, 0);
    assert_int_equal(fb.unhelpful, 1);
    /* hostile ids: empty, too long, SQL text (a bound value, never SQL) */
    char longid[80];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    assert_int_equal(kb_feedback_add(kb, "", 1, 0, &e), SN_EINVAL);
    assert_int_equal(kb_feedback_add(kb, NULL, 1, 0, &e), SN_EINVAL);
    assert_int_equal(kb_feedback_add(kb, longid, 1, 0, &e), SN_EINVAL);
    assert_int_equal(kb_feedback_get(kb, longid, &fb, &e), SN_OK);
    assert_int_equal(fb.helpful, 0);
    assert_int_equal(kb_feedback_add(kb, "x'); DROP TABLE feedback;--", 1, 0, &e), SN_OK);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK);
    assert_int_equal(fb.helpful, 2);
    /* in a batch: counted once the batch commits, visible to the connection at once */
    kb_batch_begin(kb);
    assert_int_equal(kb_feedback_add(kb, "a", 1, 500, &e), SN_OK);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK);
    assert_int_equal(fb.helpful, 3);
    assert_int_equal(kb_batch_end(kb, &e), SN_OK);
    kb_close(kb);
    /* another connection sees the committed counts */
    kb = kb_open(f->path, KB_OPEN_READONLY, &e);
    assert_non_null(kb);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK);
    assert_int_equal(fb.helpful, 3);
    assert_int_equal(fb.last, 500);
    assert_int_equal(kb_feedback_add(kb, "a", 1, 0, &e), SN_EDB);
    kb_close(kb);
}

static void test_older_base(void **state)
{
    struct fx *f = *state;
    struct sn_err e = {0};
    struct kb_feedback fb;
    struct kb *kb = kb_open(f->path, KB_OPEN_CREATE, &e);
    assert_non_null(kb);
    kb_close(kb);
    /* the base as a Sanad before the votes left it */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE feedback; DELETE FROM meta WHERE key='feedback'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    kb = kb_open(f->path, KB_OPEN_READONLY, &e);
    assert_non_null(kb);
    assert_int_equal(kb_feedback_get(kb, "a", &fb, &e), SN_OK); /* no table: no votes */
    assert_int_equal(fb.helpful, 0);
    kb_close(kb);
    kb = kb_open(f->path, 0, &e);
    assert_non_null(kb);
    assert_int_equal(kb_feedback_add(kb, "a", 1, 0, &e), SN_OK);
    kb_close(kb);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='feedback'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "1");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_base, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
