/* Unit tests for kb/calib.h: the band and caps policy as tables, and calibration of a real
 * SQLite base (fallback when too small, a fitted model that is deterministic, stored and
 * used by kb_search), and the labels learned from use, with hostile input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/base.h"
#include "kb/calib.h"
#include "kb/entry.h"
#include "kb/kb.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_band_table(void **state)
{
    static const struct {
        double p, answer, suggest;
        int band;
    } t[] = {
        {0.95, 0.9, 0.5, KB_BAND_HIGH},    {0.90, 0.9, 0.5, KB_BAND_HIGH},
        {0.899, 0.9, 0.5, KB_BAND_MEDIUM}, {0.50, 0.9, 0.5, KB_BAND_MEDIUM},
        {0.49, 0.9, 0.5, KB_BAND_LOW},     {0.0, 0.0, 0.0, KB_BAND_HIGH},
        {1.0, 1.001, 1.001, KB_BAND_LOW},  {0.3, 0.3, 0.3, KB_BAND_HIGH},
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(t); i++) {
        struct kb_bands b = {t[i].answer, t[i].suggest};
        if (kb_calib_band(t[i].p, &b) != t[i].band)
            fail_msg("row %zu: p %.3f under %.3f/%.3f gave %d", i, t[i].p, t[i].answer,
                     t[i].suggest, kb_calib_band(t[i].p, &b));
    }
}

static void test_policy_table(void **state)
{
    static const struct {
        double p, cq, cr, ce;
        int agree;
        double above;
        double want;
        unsigned caps;
    } t[] = {
        /* nothing to change */
        {0.95, 0.8, 0.8, 0.8, 1, 2, 0.95, 0},
        /* a guess: under the answer band, whatever the model says */
        {0.95, 0.8, 0.3, 0.8, 1, 2, 0.899, KB_CAP_GUESS},
        /* short, but every word of it is in the entry: not a guess */
        {0.95, 0.8, 0.3, 0.95, 1, 2, 0.95, 0},
        /* the entry holds under a quarter of the question: not even a suggestion */
        {0.95, 0.2, 0.8, 0.2, 1, 2, 0.499, KB_CAP_UNKNOWN},
        {0.95, 0.2, 0.3, 0.2, 1, 2, 0.499, KB_CAP_GUESS | KB_CAP_UNKNOWN},
        {0.60, 0.2, 0.8, 0.2, 1, 2, 0.499, KB_CAP_UNKNOWN},
        {0.30, 0.2, 0.8, 0.2, 1, 2, 0.30, 0},
        /* views disagree */
        {0.95, 0.8, 0.8, 0.8, 0, 2, 0.899, KB_CAP_DISAGREE},
        /* a guess under the answer band already: untouched */
        {0.60, 0.8, 0.3, 0.8, 1, 2, 0.60, 0},
        /* the whole question covered: at least a suggestion */
        {0.10, 0.95, 0.4, 0.95, 1, 2, 0.5, KB_FLOOR_COVERED},
        /* never above the hit before it */
        {0.70, 0.8, 0.8, 0.8, 1, 0.65, 0.65, KB_CAP_BELOW},
        /* a floor never lifts a hit above the one before it */
        {0.10, 0.95, 0.8, 0.95, 1, 0.3, 0.3, KB_FLOOR_COVERED | KB_CAP_BELOW},
    };
    (void)state;
    struct kb_bands b = {0.9, 0.5};
    for (size_t i = 0; i < N_ELEMS(t); i++) {
        unsigned caps = 99;
        double p = kb_calib_policy(t[i].p, t[i].cq, t[i].cr, t[i].ce, t[i].agree, t[i].above, &b,
                                   &caps);
        if (p < t[i].want - 1e-9 || p > t[i].want + 1e-9 || caps != t[i].caps)
            fail_msg("row %zu: got %.4f caps %u, want %.4f caps %u", i, p, caps, t[i].want,
                     t[i].caps);
    }
    /* bands past 1 (never answer, never suggest): no floor lifts a probability past 1 */
    struct kb_bands never = {1.01, 1.01};
    unsigned caps;
    assert_true(kb_calib_policy(0.2, 1, 1, 1, 1, 2, &never, &caps) <= 1);
}

/* ---- a real base ---- */

struct fixture {
    char dir[256], path[300];
    struct kb *kb;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sn_err err = {0};
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/sanad-calib-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/kb.db", f->dir);
    f->kb = kb_open(f->path, KB_OPEN_CREATE, &err);
    *state = f;
    return f->kb ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[400];
    kb_close(f->kb);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < N_ELEMS(suffix); i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *sdup(const char *s)
{
    return sn_xstrdup(s);
}

/* Adds entry i of a small synthetic support base: each topic a question and three
 * variants that share its subject word and differ in the rest. */
static void add_topic(struct kb *kb, int i)
{
    static const char *const subj[] = {
        "invoice", "router",  "password", "roaming", "refund",  "warranty", "delivery",
        "voucher", "balance", "contract", "modem",   "sim",     "fiber",    "charger",
        "speaker", "tablet",  "laptop",   "camera",  "printer", "headset",  "keyboard",
        "mouse",   "monitor", "cable",    "adapter", "battery", "screen",   "antenna",
        "bundle",  "tariff",  "coverage", "signal",  "ticket",  "account",  "profile",
    };
    struct sn_err err = {0};
    char id[32], q[128], v[3][128];
    const char *s = subj[i % N_ELEMS(subj)];
    struct kb_entry *e = kb_entry_new();
    snprintf(id, sizeof id, "en-%03d", i);
    snprintf(q, sizeof q, "How do I sort out my %s problem?", s);
    snprintf(v[0], sizeof v[0], "%s not working what now", s);
    snprintf(v[1], sizeof v[1], "help with the %s please", s);
    snprintf(v[2], sizeof v[2], "my %s broke yesterday", s);
    free(e->id); /* kb_entry_new starts the strings as "" */
    free(e->question);
    free(e->answer);
    e->id = sdup(id);
    snprintf(e->lang, sizeof e->lang, "en");
    e->question = sdup(q);
    e->answer = sdup("Call us.");
    e->n_variants = 3;
    e->variants = calloc(3, sizeof *e->variants);
    for (int j = 0; j < 3; j++)
        e->variants[j] = sdup(v[j]);
    if (kb_entry_add(kb, e, &err) != SN_OK)
        fail_msg("add %s: %s", id, err.msg);
    kb_entry_free(e);
}

static void test_too_small_falls_back(void **state)
{
    struct fixture *f = *state;
    struct kb_calib_info in;
    struct sn_err err = {0};
    for (int i = 0; i < 3; i++)
        add_topic(f->kb, i);
    assert_int_equal(kb_calibrate(f->kb, &in, &err), SN_OK);
    assert_int_equal(in.fallback, 1);
    assert_non_null(strstr(in.why, "too small"));
    assert_int_equal(kb_calib_info_get(f->kb, &in, &err), SN_OK);
    assert_int_equal(in.fallback, 1);
    /* the fallback's bands are the targets themselves */
    struct kb_results *r = NULL;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    assert_int_equal(kb_search(f->kb, "router not working", &o, &r, &err), SN_OK);
    assert_int_equal(r->calibrated, 0);
    assert_true(r->answer_at == KB_DEFAULT_ANSWER_PRECISION);
    kb_results_free(r);
}

static void test_fit_is_deterministic_stored_and_used(void **state)
{
    struct fixture *f = *state;
    struct kb_calib_info a, b, c;
    struct sn_err err = {0};
    for (int i = 0; i < 35; i++)
        add_topic(f->kb, i);
    assert_int_equal(kb_calibrate(f->kb, &a, &err), SN_OK);
    if (a.fallback)
        fail_msg("35 topics did not calibrate: %s", a.why);
    assert_true(a.n_in >= 100);
    assert_true(a.n_oos >= 30);
    assert_int_equal(kb_calibrate(f->kb, &b, &err), SN_OK);
    for (int j = 0; j <= KB_SIG_N; j++)
        assert_true(a.w[j] == b.w[j]);
    /* what is stored reads back the same, and is not stale */
    assert_int_equal(kb_calib_info_get(f->kb, &c, &err), SN_OK);
    assert_int_equal(c.fallback, 0);
    assert_int_equal(c.stale, 0);
    for (int j = 0; j <= KB_SIG_N; j++)
        assert_true(fabs(a.w[j] - c.w[j]) < 1e-9);
    /* answered share falls and precision rises with the target */
    for (int t = 1; t < KB_CALIB_TARGETS; t++)
        assert_true(c.at[t].threshold >= c.at[t - 1].threshold);
    /* kb_search uses it */
    struct kb_results *r = NULL;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    assert_int_equal(kb_search(f->kb, "my router broke yesterday", &o, &r, &err), SN_OK);
    assert_int_equal(r->calibrated, 1);
    assert_true(r->n > 0);
    assert_string_equal(r->v[0].id, "en-001");
    assert_true(r->v[0].confidence >= 0 && r->v[0].confidence <= 1);
    kb_results_free(r);
    /* an edit makes it stale */
    add_topic(f->kb, 35);
    assert_int_equal(kb_calib_info_get(f->kb, &c, &err), SN_OK);
    assert_int_equal(c.stale, 1);
}

static int count_label(void *ctx, const struct kb_label *l)
{
    (void)l;
    (*(int *)ctx)++;
    return 0;
}

static void test_labels(void **state)
{
    struct fixture *f = *state;
    struct sn_err err = {0};
    int n = 0;
    add_topic(f->kb, 0);
    assert_int_equal(kb_label_add(f->kb, "invoice wrong", "en-000", 1, KB_LABEL_PICK, &err), SN_OK);
    assert_int_equal(kb_label_add(f->kb, "invoice", "en-000", 0, KB_LABEL_FEEDBACK, &err), SN_OK);
    /* hostile input changes nothing */
    assert_int_equal(kb_label_add(f->kb, "x", "no-such", 1, KB_LABEL_PICK, &err), SN_ENOTFOUND);
    assert_int_equal(kb_label_add(f->kb, "", "en-000", 1, KB_LABEL_PICK, &err), SN_EINVAL);
    assert_int_equal(kb_label_add(f->kb, NULL, "en-000", 1, KB_LABEL_PICK, &err), SN_EINVAL);
    assert_int_equal(kb_label_add(f->kb, "\xff\xfe", "en-000", 1, KB_LABEL_PICK, &err), SN_EINVAL);
    assert_int_equal(kb_label_add(f->kb, "x", "en-000", 2, KB_LABEL_PICK, &err), SN_EINVAL);
    assert_int_equal(kb_label_add(f->kb, "x", "en-000", 1, 7, &err), SN_EINVAL);
    assert_int_equal(
        kb_label_add(f->kb, "x'); DROP TABLE labels; --", "en-000", 1, KB_LABEL_AGENT, &err),
        SN_OK);
    assert_int_equal(kb_label_each(f->kb, 0, count_label, &n, &err), SN_OK);
    assert_int_equal(n, 3);
    assert_int_equal(kb_label_rm(f->kb, 1, &err), SN_OK);
    assert_int_equal(kb_label_rm(f->kb, 1, &err), SN_ENOTFOUND);
    n = 0;
    assert_int_equal(kb_label_each(f->kb, 1, count_label, &n, &err), SN_OK);
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_table),
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test_setup_teardown(test_too_small_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fit_is_deterministic_stored_and_used, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
    };
    return cmocka_run_group_tests_name("kb_calib", tests, NULL, NULL);
}
