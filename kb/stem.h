/* Stemming: libstemmer's Snowball "arabic" and "english", wrapped with the guards that the
 * measurements asked for, plus a light Arabic stem as a second form.
 * One kb_stemmer per analyzer: libstemmer objects are not thread-safe. */
#ifndef SANAD_KB_STEM_H
#define SANAD_KB_STEM_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base.h"

#define KB_STEM_MAX 64 /* code points; longer words are stemmed on their first 64 */

struct kb_stemmer;

/* A new stemmer owned by the caller (kb_stemmer_free), or NULL with err set. */
struct kb_stemmer *kb_stemmer_new(struct sn_err *err);
void kb_stemmer_free(struct kb_stemmer *s);

/* Arabic word w[0..n), already folded with kb_norm_char (not yet kb_norm_final).
 * 1. strips the article and its combinations (وال بال كال فال لل ال) when 3 letters remain;
 * 2. stems the rest with Snowball and puts back any leading letters Snowball took (it
 *    strips ب ف و ل even where they belong to the word: بطاقتي -> طاقت);
 * 3. computes a light stem of the rest (plural, feminine and pronoun suffixes only);
 * 4. when the rest starts with a one-letter clitic (و ف ب ك ل) and 4 letters remain, the
 *    light stem of what follows it, as a third form: the letter is as often the word's own.
 * All outputs get kb_norm_final. Each out[i] has room for KB_STEM_MAX code points.
 * Returns the number of distinct forms (1..3) written to out/nout; out[0] is the primary. */
int kb_stem_arabic(struct kb_stemmer *s, const uint32_t *w, size_t n,
                   uint32_t out[3][KB_STEM_MAX], size_t nout[3]);

/* English Snowball stem of a case-folded word. Returns a pointer borrowed until the next
 * call on s, with its length in *outlen. */
const char *kb_stem_english(struct kb_stemmer *s, const char *w, int n, int *outlen);

#endif
