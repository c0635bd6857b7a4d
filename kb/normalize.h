/* Pure, table-driven character folding for matching (no I/O, no ICU). Applied to code points
 * after ICU's NFKC_Casefold. Arabic folding runs in two steps because Snowball's suffix rules
 * need teh marbuta as written: kb_norm_char() before stemming, and
 * kb_norm_final() after it. */
#ifndef SANAD_KB_NORMALIZE_H
#define SANAD_KB_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* Returns the folded code point, or 0 when c is dropped (tashkeel, tatweel, Quranic marks,
 * ZWNJ/ZWJ, bidi controls, BOM). Hamza carriers and alef forms become bare alef / waw / yeh,
 * Persian/Urdu yeh and kaf become Arabic ones, Arabic-Indic digits become ASCII. */
uint32_t kb_norm_char(uint32_t c);

/* Second step, after stemming: teh marbuta -> heh (and alef maqsura -> yeh, already done by
 * kb_norm_char; kept here so the step is complete on its own). */
uint32_t kb_norm_final(uint32_t c);

/* Folds s[0..*n) in place with kb_norm_char (final=0) or both steps (final=1); *n shrinks. */
void kb_norm_word(uint32_t *s, size_t *n, int final);

int kb_is_arabic_letter(uint32_t c);

#endif
