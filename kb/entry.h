/* One knowledge-base entry in memory, its validation, and its file formats
 * (JSON Lines and RFC 4180 CSV). No SQLite here: kb/store.c persists entries. */
#ifndef SANAD_KB_ENTRY_H
#define SANAD_KB_ENTRY_H

#include <stddef.h>

#include "kb/base.h"

#define KB_MAX_ID_BYTES       64
#define KB_MAX_QUESTION_BYTES 1024
#define KB_MAX_ANSWER_BYTES   16384
#define KB_MAX_CATEGORY_BYTES 64
#define KB_MAX_KEYWORD_BYTES  128
/* Intents exported from other bots hold 100-400 phrasings each. */
#define KB_MAX_VARIANTS 500
/* All variants of one entry together. With it every valid entry serializes into at most
 * KB_MAX_ENTRY_JSON_BYTES (each byte escapes to at most two), whatever its phrasings. */
#define KB_MAX_VARIANTS_BYTES   (256u << 10)
#define KB_MAX_KEYWORDS         64
#define KB_MAX_ENTRY_JSON_BYTES (1u << 20)  /* kb_write_entry() of a valid entry, either format */
#define KB_MAX_IMPORT_BYTES     (64u << 20) /* a file past this is refused before parsing */
#define KB_MAX_LISTED_ROWS      100 /* an import error lists this many invalid rows, then counts */

enum kb_status { KB_DRAFT = 0, KB_PUBLISHED = 1 };

/* Every string is owned by the entry and freed by kb_entry_free(). Optional strings are
 * never NULL after parsing ("" when absent). created/updated are Unix seconds and version
 * is >= 1 once stored; 0 means "not set" (an import without them). */
struct kb_entry {
    char *id;
    char lang[3]; /* "ar" or "en" */
    char *category;
    char *question;
    char **variants;
    int n_variants;
    char *answer;
    char **keywords;
    int n_keywords;
    int status; /* enum kb_status */
    long long created, updated;
    int version;
};

/* A new zeroed entry with empty strings, status published, owned by the caller. */
struct kb_entry *kb_entry_new(void);
void kb_entry_free(struct kb_entry *e);
/* A deep copy owned by the caller. */
struct kb_entry *kb_entry_dup(const struct kb_entry *e);

/* Checks caps (KB_MAX_VARIANTS_BYTES on the variants together too), UTF-8, lang, status,
 * id characters ([A-Za-z0-9._-], may be "" = to be assigned), non-empty question/answer
 * after trimming, no control characters other than \n and \t in answers, no newline in
 * question/variants/keywords. Returns SN_OK or SN_EINVAL with the field named in err. */
int kb_entry_validate(const struct kb_entry *e, struct sn_err *err);

/* "published"/"draft" <-> enum; -1 for an unknown name. */
int kb_status_parse(const char *s);
const char *kb_status_name(int status);

struct kb_entry_list {
    struct kb_entry **v;
    size_t n, cap;
};

void kb_entry_list_init(struct kb_entry_list *l);
/* Takes ownership of e. */
void kb_entry_list_push(struct kb_entry_list *l, struct kb_entry *e);
/* Frees every entry and the array; l can be reused after kb_entry_list_init(). NULL-safe. */
void kb_entry_list_fini(struct kb_entry_list *l);

enum kb_format { KB_FMT_JSONL = 0, KB_FMT_CSV = 1 };

/* Parses a whole file image exactly as written: what kb_write_entry() wrote comes back
 * identical (history snapshots, round trips). All or nothing: on any invalid row returns
 * SN_EINVAL and leaves out as it was; err holds the first "line N: reason", followed by
 * " (and N more invalid rows)" when there are more. On success appends every row to out.
 * A UTF-8 BOM at the start is skipped. Each row passes kb_entry_validate(). Duplicate ids
 * within one file are an error. Required fields: lang, question, answer; id optional. */
int kb_parse(
    enum kb_format fmt, const char *buf, size_t len, struct kb_entry_list *out, struct sn_err *err);

/* What kb_parse_import() did to the rows on the way in, and the rows it refused. The
 * counts are of fields (or rows), not of characters. */
struct kb_import_report {
    int trimmed; /* fields that had white space at either end */
    int joined;  /* one-line fields (question, variant, keyword, category) whose line breaks
                  * became single spaces */
    int folded;  /* lang or status written in another case ("AR", "Published") */
    int skipped; /* rows with no content: blank lines, all cells blank, {} */
    int dropped; /* blank items of a list (variants, keywords) left out */
    int n_bad;   /* invalid rows, every one of them */
    /* On failure: one "line N: reason\n" per invalid row, the first KB_MAX_LISTED_ROWS of
     * them, then "and N more invalid rows\n"; NULL when there is none. Owned by the report
     * and freed by kb_import_report_fini(). */
    char *bad;
};

/* Frees r->bad and zeroes r. NULL-safe; r can be passed to kb_parse_import() again. */
void kb_import_report_fini(struct kb_import_report *r);

/* kb_parse() for files from elsewhere (spreadsheets, other bots), where details must not
 * fail the whole file. Every field is trimmed of white space at both ends (Unicode
 * White_Space, ZWSP, BOM); line breaks (CRLF, LF, CR, VT, FF, NEL, U+2028, U+2029) inside
 * one-line fields become one space, inside answers "\n"; lang and status match in any case;
 * null is an absent field; blank list items are left out; rows with no content are skipped.
 * The CSV header's names are trimmed and match in any case. Then as kb_parse(): all or
 * nothing, and every invalid row is listed in rep->bad. rep is overwritten (call
 * kb_import_report_fini() on it first when reusing it) and filled on failure too. */
int kb_parse_import(enum kb_format fmt,
                    const char *buf,
                    size_t len,
                    struct kb_entry_list *out,
                    struct kb_import_report *rep,
                    struct sn_err *err);

/* Appends the serialized entry (one JSON line / one CSV record, each ending in "\n") to out.
 * kb_write_csv_header() writes the header record. Returns SN_OK or SN_ETOOBIG. */
int kb_write_entry(enum kb_format fmt, const struct kb_entry *e, struct sn_buf *out);
int kb_write_csv_header(struct sn_buf *out);

#endif
