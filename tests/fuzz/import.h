/* The body of the two import targets (fuzz_import_jsonl.c, fuzz_import_csv.c), which differ
 * only in FUZZ_IMPORT_FMT: a whole file image as `sanad kb import` and the editor's upload
 * read it. Each input goes through
 *  - kb_parse_import() (files from elsewhere) and kb_parse() (our own exports): a refusal
 *    has a message and leaves the list as it was; every accepted entry passes
 *    kb_entry_validate(); an accepted file written back with kb_write_entry() parses
 *    (strictly) to the same entries, field by field;
 *  - kb_import() into a real knowledge base, created once (LLVMFuzzerInitialize) in a
 *    temporary directory: it fails exactly when the parser does; accepted entries read back
 *    (kb_entry_get) as imported; and a failed import leaves the base as it was and usable.
 * The base is recreated now and then so that it stays small and fast. */
#ifndef SANAD_TESTS_FUZZ_IMPORT_H
#define SANAD_TESTS_FUZZ_IMPORT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb/base.h"
#include "kb/entry.h"
#include "kb/kb.h"
#include "tests/fuzz/fuzz.h"

#define RESET_EVERY 128 /* imports that changed the base before it is recreated */

static struct kb *kb;
static char dir[64], db_path[96];
static int changes;  /* imports that changed the base since it was created */
static size_t count; /* entries the base holds */

static void base_remove(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[128];
    kb_close(kb);
    kb = NULL;
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
        unlink(p);
    }
}

static void base_create(void)
{
    struct sn_err e = {0};
    kb = kb_open(db_path, KB_OPEN_CREATE, &e);
    if (!kb) {
        fprintf(stderr, "fuzz_import: %s\n", e.msg);
        abort();
    }
    changes = 0;
    count = 0;
}

static void at_exit(void)
{
    base_remove();
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "%s/sanad-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_import: mkdtemp");
        abort();
    }
    snprintf(db_path, sizeof db_path, "%s/kb.db", dir);
    base_create();
    atexit(at_exit);
    return 0;
}

static int same_strv(char *const *a, int na, char *const *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i], b[i]))
            return 0;
    return 1;
}

/* The same content (what kb_import compares: the store sets the numbers). */
static int same_content(const struct kb_entry *a, const struct kb_entry *b)
{
    return !strcmp(a->lang, b->lang) && !strcmp(a->category, b->category) &&
           !strcmp(a->question, b->question) && !strcmp(a->answer, b->answer) &&
           a->status == b->status &&
           same_strv(a->variants, a->n_variants, b->variants, b->n_variants) &&
           same_strv(a->keywords, a->n_keywords, b->keywords, b->n_keywords);
}

static int same_entry(const struct kb_entry *a, const struct kb_entry *b)
{
    return !strcmp(a->id, b->id) && same_content(a, b) && a->created == b->created &&
           a->updated == b->updated && a->version == b->version;
}

/* Checks one parser's answer to the input; rep is NULL for kb_parse. */
static void check_parsed(int rc,
                         const struct kb_entry_list *l,
                         const struct kb_import_report *rep,
                         const struct sn_err *e)
{
    if (rc != SN_OK) {
        FUZZ_CHECK(rc == SN_EINVAL || rc == SN_ETOOBIG);
        FUZZ_CHECK(e->code == rc && e->msg[0]);
        FUZZ_CHECK(l->n == 0); /* all or nothing: the (empty) list is as it was */
        if (rep)
            FUZZ_CHECK(!rep->n_bad == !rep->bad);
        return;
    }
    if (rep)
        FUZZ_CHECK(rep->n_bad == 0 && !rep->bad);
    for (size_t i = 0; i < l->n; i++) {
        struct sn_err ve = {0};
        if (kb_entry_validate(l->v[i], &ve)) {
            fprintf(stderr, "entry %zu: %s\n", i, ve.msg);
            FUZZ_CHECK(!"an accepted entry is valid");
        }
        for (size_t j = 0; j < i; j++) /* ids are unique within one file */
            FUZZ_CHECK(!l->v[i]->id[0] || strcmp(l->v[i]->id, l->v[j]->id));
    }
    /* written back (as an export would) and read strictly: the same entries */
    struct sn_buf b;
    struct kb_entry_list back;
    struct sn_err pe = {0};
    sn_buf_init(&b, (size_t)1 << 30);
    kb_entry_list_init(&back);
    if (FUZZ_IMPORT_FMT == KB_FMT_CSV)
        FUZZ_CHECK(kb_write_csv_header(&b) == SN_OK);
    for (size_t i = 0; i < l->n; i++)
        FUZZ_CHECK(kb_write_entry(FUZZ_IMPORT_FMT, l->v[i], &b) == SN_OK);
    if (kb_parse(FUZZ_IMPORT_FMT, b.p ? b.p : "", b.len, &back, &pe) != SN_OK) {
        fprintf(stderr, "written back: %s\n%.*s\n", pe.msg, (int)b.len, b.p);
        FUZZ_CHECK(!"what kb_write_entry wrote parses");
    }
    FUZZ_CHECK(back.n == l->n);
    for (size_t i = 0; i < l->n; i++)
        if (!same_entry(l->v[i], back.v[i])) {
            fprintf(stderr, "entry %zu written back as:\n%.*s\n", i, (int)b.len, b.p);
            FUZZ_CHECK(!"an entry reads back as written");
        }
    kb_entry_list_fini(&back);
    sn_buf_fini(&b);
}

static size_t base_count(void)
{
    struct kb_entry_list all;
    struct sn_err e = {0};
    kb_entry_list_init(&all);
    FUZZ_CHECK(kb_entry_list(kb, NULL, &all, &e) == SN_OK);
    size_t n = all.n;
    kb_entry_list_fini(&all);
    return n;
}

static void check_import(const uint8_t *data,
                         size_t size,
                         int parse_rc,
                         const struct kb_entry_list *l,
                         const struct sn_err *parse_err)
{
    struct kb_import_stats st;
    struct sn_err e = {0};
    int rc = kb_import(kb, FUZZ_IMPORT_FMT, (const char *)data, size, &st, &e);
    if (rc != SN_OK) {
        FUZZ_CHECK(e.msg[0]);
        if (parse_rc == SN_OK) {
            /* refused inside the transaction: it rolled back and left no change */
            FUZZ_CHECK(base_count() == count);
            fprintf(stderr, "kb_import: %s\n", e.msg);
            FUZZ_CHECK(!"a file the parser accepts imports");
        }
        /* refused by the parser before the base is touched, with the parser's reason */
        FUZZ_CHECK(rc == parse_rc && !strcmp(e.msg, parse_err->msg));
        kb_import_report_fini(&st.rows);
        return;
    }
    FUZZ_CHECK(parse_rc == SN_OK);
    FUZZ_CHECK((size_t)(st.added + st.updated + st.unchanged) == l->n);
    for (size_t i = 0; i < l->n; i++) {
        if (!l->v[i]->id[0])
            continue; /* the store named it */
        struct sn_err ge = {0};
        struct kb_entry *got = kb_entry_get(kb, l->v[i]->id, &ge);
        if (!got) {
            fprintf(stderr, "kb_entry_get %s: %s\n", l->v[i]->id, ge.msg);
            FUZZ_CHECK(!"an imported entry is in the base");
        }
        FUZZ_CHECK(same_content(got, l->v[i]));
        kb_entry_free(got);
    }
    count += (size_t)st.added;
    kb_import_report_fini(&st.rows);
    if (st.added || st.updated) {
        if (++changes >= RESET_EVERY) {
            FUZZ_CHECK(base_count() == count);
            base_remove();
            base_create();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kb_entry_list l, strict;
    struct kb_import_report rep;
    struct sn_err e = {0}, se = {0};

    if (size > 1 << 20)
        return 0; /* the 64 MiB cap is tested elsewhere; big inputs only slow the search */
    kb_entry_list_init(&l);
    kb_entry_list_init(&strict);
    int rc = kb_parse_import(FUZZ_IMPORT_FMT, (const char *)data, size, &l, &rep, &e);
    check_parsed(rc, &l, &rep, &e);
    int src = kb_parse(FUZZ_IMPORT_FMT, (const char *)data, size, &strict, &se);
    check_parsed(src, &strict, NULL, &se);
    check_import(data, size, rc, &l, &e);
    kb_import_report_fini(&rep);
    kb_entry_list_fini(&strict);
    kb_entry_list_fini(&l);
    return 0;
}

#endif
