/* The pure parts of `sanad migrate` (bot/migrate.h). */
#include "bot/migrate.h"

#include <string.h>

int bot_migrate_copy_text(struct sn_buf *b, const void *s, size_t n)
{
    const unsigned char *p = s;
    size_t run = 0; /* bytes since the last escape, added in one go */
    int rc = SN_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *esc = p[i] == '\\'   ? "\\\\"
                          : p[i] == '\t' ? "\\t"
                          : p[i] == '\n' ? "\\n"
                          : p[i] == '\r' ? "\\r"
                                         : NULL;
        if (!esc) {
            run++;
            continue;
        }
        rc = sn_buf_add(b, p + i - run, run);
        if (!rc)
            rc = sn_buf_add(b, esc, 2);
        run = 0;
    }
    if (!rc)
        rc = sn_buf_add(b, p + n - run, run);
    return rc;
}

int bot_migrate_copy_bytea(struct sn_buf *b, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = data;
    int rc = sn_buf_add(b, "\\\\x", 3);
    for (size_t i = 0; i < n && !rc; i++) {
        char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        rc = sn_buf_add(b, two, 2);
    }
    return rc;
}

int bot_migrate_copy_null(struct sn_buf *b)
{
    return sn_buf_add(b, "\\N", 2);
}

const char *bot_migrate_direction_check(const char *from, const char *to)
{
    if (!from || !to)
        return "give --from sqlite --to postgres";
    if (strcmp(from, "sqlite"))
        return "--from: only sqlite (the SQLite store file) is a source";
    if (strcmp(to, "postgres"))
        return "--to: only postgres (pg_dsn) is a target";
    return NULL;
}
