/* Filler: the words people put around a question that say nothing about what they ask
 * ("بدي اعرف", "ممكن تقولي", "لو سمحت", "I want to know", "can you tell me"). They weigh
 * nothing in ranking or confidence, on either side: a question wrapped in them must score as
 * the bare question does. Stop words (kb/stopwords.h) still weigh a tenth; filler is
 * phrase-level because its words are content elsewhere ("كيف اعرف رصيدي": اعرف is asked). */
#ifndef SANAD_KB_FILLER_H
#define SANAD_KB_FILLER_H

/* Marks the filler in a word sequence: norm[i][0..len[i]) are the folded surface forms of
 * the words in order (kb_word.norm). Sets mark[i] to 1 for each word inside a filler
 * phrase, leaving other marks untouched. A desire verb (بدي، عايز، ابغي, ...) is filler only
 * when a word follows it. Pure and thread-safe. Returns the number of words marked. */
int kb_filler_mark(const char *const *norm, const int *len, int n, unsigned char *mark);

#endif
