/* Attachments across nodes (bot/attach_pg.h): the bytes of each upload in PostgreSQL as well,
 * fetched once by a node that lacks them, checked, and kept in its own attachments_dir. */
#include "bot/attach_pg.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bot/attach.h"
#include "bot/config.h"
#include "bot/pg.h"

/* Step 1: one row per content hash, as attachments_dir keeps one file per hash. size is
 * kept beside the bytes so an oversized blob is refused without being transferred. */
static const char *const steps[] = {
    "CREATE SCHEMA IF NOT EXISTS sanad_attach;"
    "CREATE TABLE sanad_attach.blobs("
    " hash text PRIMARY KEY, bytes bytea NOT NULL, size bigint NOT NULL, created bigint NOT NULL);",
};

#define SWEEP_BATCH 256 /* hashes asked about in one statement */

struct bot_attach_pg {
    struct bot_pg *pg;
};

int bot_attach_pg_verify(
    const char *hash, long long size, const void *data, size_t len, struct sn_err *err)
{
    char got[BOT_ATTACH_HASH_HEX];
    if (!hash || size < 0 || (unsigned long long)size != len)
        return sn_err_set(err, SN_EIO, "blob %s: %zu bytes, %lld expected", hash ? hash : "?", len,
                          size);
    bot_attach_hash(data, len, got);
    if (strcmp(got, hash))
        return sn_err_set(err, SN_EIO, "blob %s: its bytes hash to %s", hash, got);
    return SN_OK;
}

int bot_attach_pg_status(int rc)
{
    static const struct {
        int rc, status;
    } map[] = {{SN_ENOTFOUND, 404}, {SN_EDB, 503}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].rc == rc)
            return map[i].status;
    return 500;
}

struct bot_attach_pg *bot_attach_pg_open(const struct bot_config *cfg, struct sn_err *err)
{
    struct bot_attach_pg *a = NULL;
    if (!cfg->store || strcmp(cfg->store, "postgres"))
        return NULL;
    a = sn_xcalloc(1, sizeof *a);
    if (!(a->pg = bot_pg_connect(cfg->pg_dsn, cfg->pg_password_file, err)) ||
        bot_pg_migrate(a->pg, "sanad_attach", steps, (int)(sizeof steps / sizeof steps[0]), err)) {
        bot_attach_pg_close(a);
        return NULL;
    }
    return a;
}

void bot_attach_pg_close(struct bot_attach_pg *a)
{
    if (!a)
        return;
    bot_pg_close(a->pg);
    free(a);
}

static const char sql_put[] =
    "INSERT INTO sanad_attach.blobs(hash, bytes, size, created) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (hash) DO NOTHING";

int bot_attach_pg_put(struct bot_attach_pg *a,
                      const char *hash,
                      const void *data,
                      size_t len,
                      long long now_ms,
                      struct sn_err *err)
{
    char size[24], created[24];
    if (len > (size_t)0x7fffffff)
        return sn_err_set(err, SN_ETOOBIG, "blob %s: too large for one statement", hash);
    const char *vals[4] = {hash, data, bot_pg_fmt_ll(size, (long long)len),
                           bot_pg_fmt_ll(created, now_ms)};
    const int lens[4] = {0, (int)len, 0, 0}, fmts[4] = {0, 1, 0, 0};
    return bot_pg_execv(a->pg, sql_put, 4, vals, lens, fmts, NULL, err);
}

/* The bytes are sent only when they fit max: a blob larger than attachment_max_bytes (the
 * cap changed, a row changed by hand) costs one short row, not its transfer. */
static const char sql_get[] =
    "SELECT size, octet_length(bytes), CASE WHEN octet_length(bytes) <= $2::bigint THEN bytes END"
    " FROM sanad_attach.blobs WHERE hash = $1";

int bot_attach_pg_fetch(struct bot_attach_pg *a,
                        const char *dir,
                        const char *hash,
                        size_t max,
                        char **out,
                        size_t *len,
                        struct sn_err *err)
{
    PGresult *res = NULL;
    unsigned char *bytes = NULL;
    size_t n = 0;
    char maxs[24];
    int rc;
    *out = NULL;
    *len = 0;
    const char *vals[2] = {hash, bot_pg_fmt_ll(maxs, (long long)max)};
    if ((rc = bot_pg_exec(a->pg, sql_get, 2, vals, &res, err)))
        goto out;
    if (PQntuples(res) != 1) {
        rc = sn_err_set(err, SN_ENOTFOUND, "blob %s: none", hash);
        goto out;
    }
    if (bot_pg_null(res, 0, 2)) {
        rc = sn_err_set(err, SN_ETOOBIG, "blob %s: %lld bytes, more than %zu", hash,
                        bot_pg_ll(res, 0, 1), max);
        goto out;
    }
    bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 2), &n);
    if (!bytes) {
        rc = sn_err_set(err, SN_EDB, "blob %s: cannot decode", hash);
        goto out;
    }
    /* checked before anything is written: a changed row never becomes a served file */
    if ((rc = bot_attach_pg_verify(hash, bot_pg_ll(res, 0, 0), bytes, n, err)) ||
        (rc = bot_attach_file_put(dir, hash, bytes, n, err)))
        goto out;
    *out = sn_xmalloc(n + 1);
    memcpy(*out, bytes, n);
    (*out)[n] = 0;
    *len = n;
out:
    if (bytes)
        PQfreemem(bytes);
    PQclear(res);
    return rc;
}

/* A hash some attachment row still names keeps its blob (another conversation's upload of the
 * same bytes). An upload writes its row before its blob, so a purge running beside it either
 * sees the row or drops a blob the upload then writes again. */
static const char sql_drop[] =
    "DELETE FROM sanad_attach.blobs b WHERE b.hash = $1"
    " AND NOT EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = b.hash)";

int bot_attach_pg_drop(struct bot_attach_pg *a, const char *hash, struct sn_err *err)
{
    const char *vals[1] = {hash};
    return bot_pg_exec(a->pg, sql_drop, 1, vals, NULL, err);
}

static const char sql_orphans[] =
    "SELECT h FROM unnest($1::text[]) AS h"
    " WHERE NOT EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = h)";
static const char sql_drop_old[] =
    "DELETE FROM sanad_attach.blobs b WHERE b.created < $1::bigint"
    " AND NOT EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = b.hash)";

/* Asks which of the n hashes in list ("{h,h,…}") no row names and removes their files. */
static int sweep_batch(
    struct bot_attach_pg *a, const char *dir, const char *list, int *removed, struct sn_err *err)
{
    PGresult *res = NULL;
    char path[4096];
    const char *vals[1] = {list};
    int rc = bot_pg_exec(a->pg, sql_orphans, 1, vals, &res, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(res); i++) {
        const char *h = bot_pg_str(res, i, 0);
        if (strlen(h) != BOT_ATTACH_HASH_HEX - 1 || strspn(h, "0123456789abcdef") != 64)
            continue; /* only what we sent comes back; a path is never built from anything else */
        snprintf(path, sizeof path, "%s/%s", dir, h);
        if (unlink(path) == 0)
            (*removed)++;
    }
    PQclear(res);
    return rc;
}

int bot_attach_pg_sweep(
    struct bot_attach_pg *a, const char *dir, long long min_age_s, int *removed, struct sn_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    struct stat st;
    char path[4096], before[24];
    /* "{" + SWEEP_BATCH hashes, each with its comma, + "}" */
    char *list = sn_xmalloc(SWEEP_BATCH * BOT_ATTACH_HASH_HEX + 3);
    size_t o = 0;
    int n = 0, gone = 0, rc = SN_OK;
    time_t now = time(NULL);
    if (removed)
        *removed = 0;
    if (!(d = opendir(dir))) {
        rc = sn_err_set(err, SN_EIO, "attachments_dir %s: cannot list it", dir);
        goto out;
    }
    while (rc == SN_OK && (de = readdir(d))) {
        const char *h = de->d_name;
        if (strlen(h) != BOT_ATTACH_HASH_HEX - 1 || strspn(h, "0123456789abcdef") != 64)
            continue; /* temporary files and anything else are not ours to judge */
        snprintf(path, sizeof path, "%s/%s", dir, h);
        if (lstat(path, &st) || !S_ISREG(st.st_mode) || (long long)(now - st.st_mtime) < min_age_s)
            continue;
        o += (size_t)sprintf(list + o, "%c%s", n ? ',' : '{', h);
        if (++n == SWEEP_BATCH) {
            strcpy(list + o, "}");
            rc = sweep_batch(a, dir, list, &gone, err);
            n = 0;
            o = 0;
        }
    }
    if (rc == SN_OK && n) {
        strcpy(list + o, "}");
        rc = sweep_batch(a, dir, list, &gone, err);
    }
    if (rc == SN_OK) {
        const char *vals[1] = {bot_pg_fmt_ll(before, ((long long)now - min_age_s) * 1000)};
        rc = bot_pg_exec(a->pg, sql_drop_old, 1, vals, NULL, err);
    }
out:
    if (d)
        closedir(d);
    free(list);
    if (removed)
        *removed = gone;
    return rc;
}
