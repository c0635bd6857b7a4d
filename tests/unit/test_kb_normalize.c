/* Unit tests for kb/normalize.c: every folding rule of issue 2 ("Text analysis"), one
 * table row per rule and code point, run through kb_norm_char, kb_norm_final and
 * kb_norm_word. Unlike stems, these outputs are fixed by the issue, so they are asserted
 * exactly.
 *
 * The two steps (see kb/normalize.h): kb_norm_char() runs before stemming and leaves teh
 * marbuta as written; kb_norm_final() folds it (and alef maqsura, already folded) after stemming.
 * kb_norm_word(final=1) is both steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kb/normalize.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- one row per code point: what each step makes of it ---- */

struct fold_case {
    const char *rule;
    uint32_t in;
    uint32_t after_char;  /* kb_norm_char(in); 0 = dropped */
    uint32_t after_final; /* kb_norm_word(final=1) of the one code point; 0 = dropped */
};

static const struct fold_case fold_cases[] = {
    /* tashkeel U+064B..U+0652 and the superscript alef U+0670 are dropped */
    {"fathatan", 0x064B, 0, 0},
    {"dammatan", 0x064C, 0, 0},
    {"kasratan", 0x064D, 0, 0},
    {"fatha", 0x064E, 0, 0},
    {"damma", 0x064F, 0, 0},
    {"kasra", 0x0650, 0, 0},
    {"shadda", 0x0651, 0, 0},
    {"sukun", 0x0652, 0, 0},
    {"superscript alef", 0x0670, 0, 0},
    /* tatweel */
    {"tatweel", 0x0640, 0, 0},
    /* alef forms -> bare alef */
    {"alef hamza above", 0x0623, 0x0627, 0x0627},
    {"alef hamza below", 0x0625, 0x0627, 0x0627},
    {"alef madda", 0x0622, 0x0627, 0x0627},
    {"alef wasla", 0x0671, 0x0627, 0x0627},
    {"bare alef kept", 0x0627, 0x0627, 0x0627},
    /* hamza carriers */
    {"waw hamza", 0x0624, 0x0648, 0x0648},
    {"yeh hamza", 0x0626, 0x064A, 0x064A},
    {"lone hamza kept", 0x0621, 0x0621, 0x0621},
    /* Persian/Urdu letters */
    {"farsi yeh", 0x06CC, 0x064A, 0x064A},
    {"keheh (Persian kaf)", 0x06A9, 0x0643, 0x0643},
    /* alef maqsura is folded before stemming (Snowball strips a final ي but not ى, so
     * مستشفى and مستشفي would stem apart); teh marbuta only after it */
    {"alef maqsura", 0x0649, 0x064A, 0x064A},
    {"teh marbuta (final)", 0x0629, 0x0629, 0x0647},
    {"heh kept", 0x0647, 0x0647, 0x0647},
    {"yeh kept", 0x064A, 0x064A, 0x064A},
    /* invisible controls: must not change or split a word */
    {"ZWNJ", 0x200C, 0, 0},
    {"ZWJ", 0x200D, 0, 0},
    {"LRM", 0x200E, 0, 0},
    {"RLM", 0x200F, 0, 0},
    {"LRE", 0x202A, 0, 0},
    {"RLE", 0x202B, 0, 0},
    {"PDF", 0x202C, 0, 0},
    {"LRO", 0x202D, 0, 0},
    {"RLO", 0x202E, 0, 0},
    {"LRI", 0x2066, 0, 0},
    {"RLI", 0x2067, 0, 0},
    {"FSI", 0x2068, 0, 0},
    {"PDI", 0x2069, 0, 0},
    {"arabic letter mark", 0x061C, 0, 0},
    {"BOM / ZWNBSP", 0xFEFF, 0, 0},
};

static void test_fold_case(void **state)
{
    const struct fold_case *c = *state;
    uint32_t w[1] = {c->in};
    size_t n = 1;

    if (kb_norm_char(c->in) != c->after_char)
        fail_msg("%s: kb_norm_char(U+%04X) = U+%04X, want U+%04X", c->rule, (unsigned)c->in,
                 (unsigned)kb_norm_char(c->in), (unsigned)c->after_char);

    kb_norm_word(w, &n, 0);
    if (c->after_char == 0)
        assert_int_equal(n, 0);
    else {
        assert_int_equal(n, 1);
        assert_int_equal(w[0], c->after_char);
    }

    w[0] = c->in;
    n = 1;
    kb_norm_word(w, &n, 1);
    if (c->after_final == 0)
        assert_int_equal(n, 0);
    else {
        assert_int_equal(n, 1);
        if (w[0] != c->after_final)
            fail_msg("%s: kb_norm_word(final) U+%04X -> U+%04X, want U+%04X", c->rule,
                     (unsigned)c->in, (unsigned)w[0], (unsigned)c->after_final);
    }
}

/* ---- ranges ---- */

static void test_arabic_indic_digits(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 10; i++) {
        assert_int_equal(kb_norm_char(0x0660 + i), '0' + i); /* ٠..٩ */
        assert_int_equal(kb_norm_char(0x06F0 + i), '0' + i); /* ۰..۹ (Eastern/Persian) */
        assert_int_equal(kb_norm_final(kb_norm_char(0x0660 + i)), '0' + i);
    }
}

static void test_ascii_untouched(void **state)
{
    (void)state;
    for (uint32_t c = 0; c < 0x80; c++) {
        assert_int_equal(kb_norm_char(c), c);
        assert_int_equal(kb_norm_final(c), c);
    }
    /* Latin-1 and Latin Extended are ICU's business (NFKC_Casefold), not this table's. */
    static const uint32_t latin[] = {0xE9, 0xFC, 0xDF, 0x0131, 0x017F, 0x0259};
    for (size_t i = 0; i < N_ELEMS(latin); i++) {
        assert_int_equal(kb_norm_char(latin[i]), latin[i]);
        assert_int_equal(kb_norm_final(latin[i]), latin[i]);
    }
}

/* The base letters that no rule names are left alone by both steps. */
static void test_plain_arabic_letters_untouched(void **state)
{
    (void)state;
    static const uint32_t keep[] = {
        0x0621, 0x0627, 0x0628, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, 0x0630,
        0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, 0x0638, 0x0639, 0x063A,
        0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647, 0x0648, 0x064A,
    };
    for (size_t i = 0; i < N_ELEMS(keep); i++) {
        if (kb_norm_char(keep[i]) != keep[i] || kb_norm_final(keep[i]) != keep[i])
            fail_msg("U+%04X changed: char U+%04X final U+%04X", (unsigned)keep[i],
                     (unsigned)kb_norm_char(keep[i]), (unsigned)kb_norm_final(keep[i]));
    }
}

/* kb_norm_final changes exactly two code points. */
static void test_final_only_two(void **state)
{
    (void)state;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        uint32_t f = kb_norm_final(c);
        if (c == 0x0629)
            assert_int_equal(f, 0x0647);
        else if (c == 0x0649)
            assert_int_equal(f, 0x064A);
        else if (f != c)
            fail_msg("kb_norm_final(U+%04X) = U+%04X", (unsigned)c, (unsigned)f);
    }
}

/* Folding twice is folding once, and a folded code point is never one that gets dropped:
 * the index and the query can't drift apart by normalizing a different number of times. */
static void test_idempotent(void **state)
{
    (void)state;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        uint32_t f = kb_norm_char(c);
        if (f == 0)
            continue;
        if (kb_norm_char(f) != f)
            fail_msg("kb_norm_char not idempotent: U+%04X -> U+%04X -> U+%04X", (unsigned)c,
                     (unsigned)f, (unsigned)kb_norm_char(f));
        uint32_t g = kb_norm_final(f);
        if (kb_norm_char(g) != g || kb_norm_final(g) != g)
            fail_msg("final step not stable for U+%04X", (unsigned)c);
    }
}

/* ---- whole words through kb_norm_word ---- */

struct word_case {
    const char *name;
    uint32_t in[24];
    size_t n;
    int final;
    uint32_t out[24];
    size_t nout;
};

#define W(...) {__VA_ARGS__}, sizeof((uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)

static const struct word_case word_cases[] = {
    /* مَرْحَبًا -> مرحبا */
    {"marhaban with tashkeel",
     W(0x0645, 0x064E, 0x0631, 0x0652, 0x062D, 0x064E, 0x0628, 0x064B, 0x0627), 1,
     W(0x0645, 0x0631, 0x062D, 0x0628, 0x0627)},
    /* مـــرحبا -> مرحبا */
    {"marhaban with tatweel", W(0x0645, 0x0640, 0x0640, 0x0640, 0x0631, 0x062D, 0x0628, 0x0627), 1,
     W(0x0645, 0x0631, 0x062D, 0x0628, 0x0627)},
    /* أريد / إريد -> اريد */
    {"urid hamza above", W(0x0623, 0x0631, 0x064A, 0x062F), 0, W(0x0627, 0x0631, 0x064A, 0x062F)},
    {"urid hamza below", W(0x0625, 0x0631, 0x064A, 0x062F), 0, W(0x0627, 0x0631, 0x064A, 0x062F)},
    /* الفاتورة: ة kept before stemming, ه after */
    {"fatura step 1", W(0x0627, 0x0644, 0x0641, 0x0627, 0x062A, 0x0648, 0x0631, 0x0629), 0,
     W(0x0627, 0x0644, 0x0641, 0x0627, 0x062A, 0x0648, 0x0631, 0x0629)},
    {"fatura step 2", W(0x0627, 0x0644, 0x0641, 0x0627, 0x062A, 0x0648, 0x0631, 0x0629), 1,
     W(0x0627, 0x0644, 0x0641, 0x0627, 0x062A, 0x0648, 0x0631, 0x0647)},
    /* مستشفى -> مستشفي after the final step */
    {"mustashfa final", W(0x0645, 0x0633, 0x062A, 0x0634, 0x0641, 0x0649), 1,
     W(0x0645, 0x0633, 0x062A, 0x0634, 0x0641, 0x064A)},
    /* سؤال -> سوال, مسئول -> مسيول */
    {"su'al", W(0x0633, 0x0624, 0x0627, 0x0644), 0, W(0x0633, 0x0648, 0x0627, 0x0644)},
    {"mas'ul", W(0x0645, 0x0633, 0x0626, 0x0648, 0x0644), 0,
     W(0x0645, 0x0633, 0x064A, 0x0648, 0x0644)},
    /* کارت (keheh) -> كارت; Persian yeh inside a word */
    {"kart keheh", W(0x06A9, 0x0627, 0x0631, 0x062A), 0, W(0x0643, 0x0627, 0x0631, 0x062A)},
    {"farsi yeh inside", W(0x0639, 0x0644, 0x06CC), 1, W(0x0639, 0x0644, 0x064A)},
    /* ZWNJ and RLO inside a word vanish without a trace */
    {"zwnj inside", W(0x0641, 0x0627, 0x062A, 0x0648, 0x200C, 0x0631, 0x0629), 1,
     W(0x0641, 0x0627, 0x062A, 0x0648, 0x0631, 0x0647)},
    {"rlo inside latin", W('a', 'b', 0x202E, 'c', 'd', 0x202C), 1, W('a', 'b', 'c', 'd')},
    /* ١٣ and ۱۳ -> 13 */
    {"arabic-indic 13", W(0x0661, 0x0663), 1, W('1', '3')},
    {"eastern 13", W(0x06F1, 0x06F3), 1, W('1', '3')},
    /* ASCII word as-is */
    {"ascii", W('i', 'P', 'h', 'o', 'n', 'e', '-', '1', '3'), 1,
     W('i', 'P', 'h', 'o', 'n', 'e', '-', '1', '3')},
    /* everything dropped */
    {"all invisible", W(0x064E, 0x0640, 0x200C, 0x202E, 0xFEFF), 1, {0}, 0},
};

static void test_word_case(void **state)
{
    const struct word_case *c = *state;
    uint32_t w[24];
    size_t n = c->n;
    memcpy(w, c->in, c->n * sizeof *w);
    kb_norm_word(w, &n, c->final);
    if (n != c->nout || memcmp(w, c->out, n * sizeof *w) != 0) {
        char got[256] = "", want[256] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), " U+%04X", (unsigned)w[i]);
        for (size_t i = 0; i < c->nout; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), " U+%04X",
                     (unsigned)c->out[i]);
        fail_msg("%s: got%s, want%s", c->name, got, want);
    }
}

static void test_word_empty(void **state)
{
    (void)state;
    uint32_t w[1] = {0x0628};
    size_t n = 0;
    kb_norm_word(w, &n, 1);
    assert_int_equal(n, 0);
    assert_int_equal(w[0], 0x0628); /* nothing past n is touched */
}

static void test_is_arabic_letter(void **state)
{
    (void)state;
    static const uint32_t yes[] = {0x0627, 0x0628, 0x0629, 0x0649, 0x064A, 0x06A9, 0x06CC};
    static const uint32_t no[] = {'a', 'Z', '3', ' ', 0x064E, 0x0660, 0x0669, 0x200C, 0x061F};
    for (size_t i = 0; i < N_ELEMS(yes); i++)
        if (!kb_is_arabic_letter(yes[i]))
            fail_msg("U+%04X should be an Arabic letter", (unsigned)yes[i]);
    for (size_t i = 0; i < N_ELEMS(no); i++)
        if (kb_is_arabic_letter(no[i]))
            fail_msg("U+%04X should not be an Arabic letter", (unsigned)no[i]);
}

/* ---- runner ---- */

static const struct CMUnitTest fixed_tests[] = {
    cmocka_unit_test(test_arabic_indic_digits),
    cmocka_unit_test(test_ascii_untouched),
    cmocka_unit_test(test_plain_arabic_letters_untouched),
    cmocka_unit_test(test_final_only_two),
    cmocka_unit_test(test_idempotent),
    cmocka_unit_test(test_word_empty),
    cmocka_unit_test(test_is_arabic_letter),
};

int main(void)
{
    /* One cmocka test per table row, named after the row. */
    static struct CMUnitTest
        tests[N_ELEMS(fixed_tests) + N_ELEMS(fold_cases) + N_ELEMS(word_cases)];
    static char names[N_ELEMS(fold_cases)][80];
    size_t n = 0;
    for (size_t i = 0; i < N_ELEMS(fixed_tests); i++)
        tests[n++] = fixed_tests[i];
    for (size_t i = 0; i < N_ELEMS(fold_cases); i++) {
        snprintf(names[i], sizeof names[i], "fold U+%04X %s", (unsigned)fold_cases[i].in,
                 fold_cases[i].rule);
        tests[n++] =
            (struct CMUnitTest){names[i], test_fold_case, NULL, NULL, (void *)&fold_cases[i]};
    }
    for (size_t i = 0; i < N_ELEMS(word_cases); i++)
        tests[n++] = (struct CMUnitTest){word_cases[i].name, test_word_case, NULL, NULL,
                                         (void *)&word_cases[i]};
    return cmocka_run_group_tests_name("kb_normalize", tests, NULL, NULL);
}
