/* Editing the base as the editors' API does it (kb/kb.h): a stale version refused, the
 * history naming who changed what, the filters and paging of the entry list, categories,
 * and the schema 1 -> 2 migration of a real SQLite file. */
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

#include "kb/base.h"
#include "kb/entry.h"
#include "kb/kb.h"

struct fx {
    char path[64];
    struct kb *kb;
};

static struct kb_entry *
mk(const char *id, const char *lang, const char *cat, const char *q, const char *a)
{
    struct kb_entry *e = kb_entry_new();
    free(e->id);
    free(e->category);
    free(e->question);
    free(e->answer);
    e->id = sn_xstrdup(id);
    snprintf(e->lang, sizeof e->lang, "%s", lang);
    e->category = sn_xstrdup(cat);
    e->question = sn_xstrdup(q);
    e->answer = sn_xstrdup(a);
    return e;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct sn_err err = {0};
    snprintf(f->path, sizeof f->path, "/tmp/test_kb_edit_%d.db", (int)getpid());
    unlink(f->path);
    f->kb = kb_open(f->path, KB_OPEN_CREATE, &err);
    assert_non_null(f->kb);
    static const char *rows[][5] = {
        {"ar-1", "ar", "billing", "كيف ادفع الفاتورة", "من التطبيق"},
        {"ar-2", "ar", "billing", "متى تصدر الفاتورة", "اول الشهر"},
        {"ar-3", "ar", "sim", "بدل فاقد للشريحة", "من الفرع"},
        {"en-1", "en", "billing", "How do I pay my Bill?", "In the app, 100% online."},
        {"en-2", "en", "", "Where are you?", "Downtown."},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct kb_entry *e = mk(rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][4]);
        assert_int_equal(kb_entry_add(f->kb, e, &err), SN_OK);
        kb_entry_free(e);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[80];
    kb_close(f->kb);
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

static void test_stale_version_refused(void **state)
{
    struct fx *f = *state;
    struct sn_err err = {0};
    struct kb_entry *a = kb_entry_get(f->kb, "ar-1", &err), *b = kb_entry_dup(a);
    assert_int_equal(a->version, 1);
    free(a->answer);
    a->answer = sn_xstrdup("الأولى");
    assert_int_equal(kb_entry_update_if(f->kb, a, 1, &err), SN_OK);
    assert_int_equal(a->version, 2);
    free(b->answer);
    b->answer = sn_xstrdup("الثانية");
    assert_int_equal(kb_entry_update_if(f->kb, b, 1, &err), SN_ECONFLICT);
    assert_non_null(strstr(err.msg, "version 2, not 1"));
    struct kb_entry *now = kb_entry_get(f->kb, "ar-1", &err);
    assert_string_equal(now->answer, "الأولى"); /* nothing overwritten */
    assert_int_equal(now->version, 2);
    assert_int_equal(kb_entry_update_if(f->kb, b, 2, &err), SN_OK);
    assert_int_equal(kb_entry_rm_if(f->kb, "ar-1", 2, &err), SN_ECONFLICT);
    struct kb_entry *still = kb_entry_get(f->kb, "ar-1", &err);
    assert_non_null(still);
    kb_entry_free(still);
    assert_int_equal(kb_entry_rm_if(f->kb, "ar-1", 3, &err), SN_OK);
    assert_int_equal(kb_entry_rm_if(f->kb, "ar-1", 0, &err), SN_ENOTFOUND);
    kb_entry_free(a);
    kb_entry_free(b);
    kb_entry_free(now);
}

static void test_history_names_who(void **state)
{
    struct fx *f = *state;
    struct sn_err err = {0};
    struct kb_version *v = NULL;
    int n = 0;
    struct kb_entry *e = kb_entry_get(f->kb, "en-1", &err);
    kb_set_actor(f->kb, "amal");
    free(e->answer);
    e->answer = sn_xstrdup("In the app.");
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    /* a login past the cap is cut, never overflows */
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    kb_set_actor(f->kb, longname);
    assert_int_equal(kb_revert(f->kb, "en-1", 1, &err), SN_OK);
    kb_set_actor(f->kb, NULL);
    assert_int_equal(kb_history(f->kb, "en-1", &v, &n, &err), SN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].by, ""); /* added before any actor was set */
    assert_string_equal(v[1].by, "amal");
    assert_string_equal(v[1].action, "edit");
    assert_int_equal((int)strlen(v[2].by), KB_MAX_ACTOR_BYTES);
    assert_string_equal(v[2].action, "revert");
    kb_history_free(v, n);
    kb_entry_free(e);
}

static void test_filters_and_paging(void **state)
{
    struct fx *f = *state;
    struct sn_err err = {0};
    struct {
        struct kb_filter f;
        long long total;
        const char *first;
    } cases[] = {
        {{.status = -1}, 5, "ar-1"},
        {{.lang = "ar", .status = -1}, 3, "ar-1"},
        {{.category = "billing", .status = -1}, 3, "ar-1"},
        {{.category = "", .status = -1}, 1, "en-2"},
        {{.text = "bill", .status = -1}, 1, "en-1"},     /* "Bill": ASCII in any case */
        {{.text = "الفاتورة", .status = -1}, 2, "ar-1"}, /* question text */
        {{.text = "100%", .status = -1}, 1, "en-1"},     /* % is a plain character */
        {{.text = "_", .status = -1}, 0, NULL},
        {{.text = "en-", .status = -1}, 2, "en-1"}, /* the id */
        {{.status = KB_DRAFT}, 0, NULL},
        {{.lang = "ar", .status = -1, .offset = 2, .limit = 5}, 3, "ar-3"},
        {{.status = -1, .offset = 1, .limit = 2}, 5, "ar-2"},
        {{.status = -1, .offset = 50, .limit = 2}, 5, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kb_entry_list l;
        long long total = -1;
        kb_entry_list_init(&l);
        assert_int_equal(kb_entry_count(f->kb, &cases[i].f, &total, &err), SN_OK);
        assert_int_equal(total, cases[i].total);
        assert_int_equal(kb_entry_list(f->kb, &cases[i].f, &l, &err), SN_OK);
        long long want = cases[i].total - cases[i].f.offset;
        if (want < 0)
            want = 0;
        if (cases[i].f.limit > 0 && want > cases[i].f.limit)
            want = cases[i].f.limit;
        assert_int_equal((long long)l.n, want);
        if (cases[i].first)
            assert_string_equal(l.v[0]->id, cases[i].first);
        kb_entry_list_fini(&l);
    }
}

static void test_categories(void **state)
{
    struct fx *f = *state;
    struct sn_err err = {0};
    struct kb_category *v = NULL;
    int n = 0;
    struct kb_entry *e = kb_entry_get(f->kb, "ar-3", &err);
    e->status = KB_DRAFT;
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_int_equal(kb_category_list(f->kb, NULL, &v, &n, &err), SN_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].lang, "ar");
    assert_string_equal(v[0].name, "billing");
    assert_int_equal(v[0].entries, 2);
    assert_string_equal(v[1].name, "sim");
    assert_int_equal(v[1].entries, 1);
    assert_int_equal(v[1].published, 0);
    assert_string_equal(v[2].name, ""); /* en's uncategorized sorts first */
    kb_categories_free(v, n);
    assert_int_equal(kb_category_list(f->kb, "en", &v, &n, &err), SN_OK);
    assert_int_equal(n, 2);
    kb_categories_free(v, n);
    kb_entry_free(e);
}

/* A base as schema 1 wrote it (no history.by) is migrated when opened for writing, its
 * history kept; a base of a newer schema is refused, unchanged. */
static void test_schema_migration(void **state)
{
    struct fx *f = *state;
    struct sn_err err = {0};
    sqlite3 *db;
    kb_close(f->kb);
    f->kb = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE entry_history DROP COLUMN by;"
                                  "UPDATE meta SET value='1' WHERE key='schema'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* read-only: read as it is, not migrated */
    f->kb = kb_open(f->path, KB_OPEN_READONLY, &err);
    assert_non_null(f->kb);
    kb_close(f->kb);
    f->kb = kb_open(f->path, 0, &err);
    assert_non_null(f->kb);
    struct kb_version *v = NULL;
    int n = 0;
    assert_int_equal(kb_history(f->kb, "ar-2", &v, &n, &err), SN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].by, "");
    kb_history_free(v, n);
    kb_set_actor(f->kb, "sara");
    struct kb_entry *e = kb_entry_get(f->kb, "ar-2", &err);
    free(e->answer);
    e->answer = sn_xstrdup("تغيّر");
    assert_int_equal(kb_entry_update(f->kb, e, &err), SN_OK);
    assert_int_equal(kb_history(f->kb, "ar-2", &v, &n, &err), SN_OK);
    assert_string_equal(v[1].by, "sara");
    kb_history_free(v, n);
    kb_entry_free(e);
    kb_close(f->kb);
    f->kb = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "2");
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE meta SET value='9' WHERE key='schema'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_null(kb_open(f->path, 0, &err));
    assert_int_equal(err.code, SN_EINVAL);
    assert_non_null(strstr(err.msg, "newer"));
    f->kb = kb_open(f->path, KB_OPEN_CREATE, &err); /* `sanad kb init` on it: refused too */
    assert_null(f->kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stale_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_names_who, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_and_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_categories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_migration, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
