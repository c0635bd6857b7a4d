/* Short per-language stop-word lists, matched on the folded surface form. They only keep
 * function words out of the candidate query (so "how do I" does not flood an OR query);
 * ranking still sees every word. */
#ifndef SANAD_KB_STOPWORDS_H
#define SANAD_KB_STOPWORDS_H

/* 1 when norm[0..len) is a stop word of the script (enum kb_script), else 0. */
int kb_stopword(int script, const char *norm, int len);

#endif
