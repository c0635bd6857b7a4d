/* The pure parts of `sanad migrate` (bot/cli_migrate.c): the text form of one value in
 * PostgreSQL's COPY text format, and the check of the direction asked for. Kept apart from
 * the command so that they have table tests of their own (tests/unit/test_bot_migrate.c). */
#ifndef SANAD_BOT_MIGRATE_H
#define SANAD_BOT_MIGRATE_H

#include <stddef.h>

#include "kb/base.h"

/* Appends s[0..n) to b as one field of COPY ... FROM STDIN (text format): backslash, tab,
 * newline and carriage return escaped, every other byte as it is (so a value never ends a
 * field or a row early). SN_ETOOBIG when b's cap would be passed. */
int bot_migrate_copy_text(struct sn_buf *b, const void *s, size_t n);
/* Appends data[0..n) as a bytea field in the same format: \\x and two lower-case hex digits
 * per byte (the backslash itself escaped for COPY). */
int bot_migrate_copy_bytea(struct sn_buf *b, const void *data, size_t n);
/* The field for SQL NULL: \N. */
int bot_migrate_copy_null(struct sn_buf *b);

/* NULL when from/to name a direction this binary migrates (sqlite to postgres, the only
 * one), else why not (a static string). Either may be NULL (not given). */
const char *bot_migrate_direction_check(const char *from, const char *to);

#endif
