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
#define KB_MAX_VARIANTS       16
#define KB_MAX_KEYWORDS       16
#define KB_MAX_IMPORT_BYTES   (64u << 20) /* a file past this is refused before parsing */

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

/* Checks caps, UTF-8, lang, status, id characters ([A-Za-z0-9._-], may be "" = to be
 * assigned), non-empty question/answer after trimming, no control characters other than
 * \n and \t in answers, no newline in question/variants/keywords. Returns SN_OK or
 * SN_EINVAL with the field named in err. */
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

/* Parses a whole file image. All or nothing: on any invalid row returns SN_EINVAL with
 * "line N: reason" in err and leaves out empty; on success appends every row to out.
 * A UTF-8 BOM at the start is skipped. Each row passes kb_entry_validate(). Duplicate ids
 * within one file are an error. Required fields: lang, question, answer; id optional. */
int kb_parse(enum kb_format fmt, const char *buf, size_t len, struct kb_entry_list *out,
             struct sn_err *err);

/* Appends the serialized entry (one JSON line / one CSV record, each ending in "\n") to out.
 * kb_write_csv_header() writes the header record. Returns SN_OK or SN_ETOOBIG. */
int kb_write_entry(enum kb_format fmt, const struct kb_entry *e, struct sn_buf *out);
int kb_write_csv_header(struct sn_buf *out);

#endif
