/* Arabic root extraction after the ISRI stemmer (Taghva, Elkhoury and Coombs, 2005): strip
 * article, prefixes and suffixes, then match the rest against the common derivational
 * patterns (مفعول، افتعال، استفعل، فواعل...) to get a three- or four-letter root.
 * Snowball's light stem keeps مسجد and مساجد, تحضير and احضر, ظهور and تظهر apart; their
 * roots meet. Roots are coarse (كاتب، مكتبة and كتب share one), so ranking gives a root
 * match only part of an exact match's credit. No Debian package does this for C. */
#ifndef SANAD_KB_ROOT_H
#define SANAD_KB_ROOT_H

#include <stddef.h>
#include <stdint.h>

/* The root of w[0..n), a word already folded with kb_norm_char (ة still distinct from ه).
 * Writes at most n code points to out, folded with kb_norm_final, and returns their number
 * (0 when n is 0). Words that fit no pattern come back with their affixes stripped. */
size_t kb_root_arabic(const uint32_t *w, size_t n, uint32_t *out);

#endif
