/* The only file that sees fts5_api: registers the analyzer as FTS5 tokenizer "sanad". */
#ifndef SANAD_KB_FTS5_TOK_H
#define SANAD_KB_FTS5_TOK_H

struct sqlite3;

/* Marks a query token that kb/postings.c already analyzed: FTS5 passes it through as-is
 * instead of analyzing (and stemming) it a second time. Never produced by the analyzer. */
#define KB_TOK_RAW_MARK '\x01'
/* Starts the indexed token of an Arabic word's root (kb/root.h), colocated with its forms.
 * The analyzer never makes a form with it (ICU does not put '#' inside a word), so a root
 * never meets a stem of the same letters. kb_terms marks roots the same way. */
#define KB_TOK_ROOT_MARK '#'

/* Registers tokenizer "sanad" on db (SQLite 3.40: fts5_tokenizer v1). Returns SQLITE_OK or
 * an SQLite error code. */
int kb_fts5_register(struct sqlite3 *db);

#endif
