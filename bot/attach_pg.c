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

/* Step 1: blobs, one row per content hash, as attachments_dir keeps one file per hash (size
 * beside the bytes: an oversized blob is refused without being transferred); purged, the
 * hashes a purge freed, which each node's sweep removes from its own directory. */
static const char *const steps[] = {
    "CREATE SCHEMA IF NOT EXISTS sanad_attach;"
    "CREATE TABLE sanad_attach.blobs("
    " hash text PRIMARY KEY, bytes bytea NOT NULL, size bigint NOT NULL, created bigint NOT NULL);"
    "CREATE TABLE sanad_attach.purged(hash text PRIMARY KEY, at bigint NOT NULL);",
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

/* The store said no row names hash any more, in its own transaction, which on a server is a
 * batch not committed yet: this connection cannot see that, so the blob goes without asking
 * again and the hash is recorded in purged (every node's sweep removes its copy; a sweep
 * never removes the file of a hash a row names). An upload of the same bytes on another node
 * at that moment leaves a row without a blob; that node's sweep sends it again (backfill). */
static const char sql_drop[] =
    "WITH d AS (DELETE FROM sanad_attach.blobs WHERE hash = $1::text)"
    " INSERT INTO sanad_attach.purged(hash, at) VALUES ($1::text, $2::bigint)"
    " ON CONFLICT (hash) DO UPDATE SET at = excluded.at";

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bot_attach_pg_drop(struct bot_attach_pg *a, const char *hash, struct sn_err *err)
{
    char at[24];
    const char *vals[2] = {hash, bot_pg_fmt_ll(at, now_ms())};
    return bot_pg_exec(a->pg, sql_drop, 2, vals, NULL, err);
}

/* Per local file: 1 in column 1 when a purge dropped its hash and no row names it again (the
 * file goes), 1 in column 2 when a row names it but there is no blob (a store migrated from
 * SQLite: the bytes are sent). A hash PostgreSQL knows nothing of is left alone: a pg_dsn
 * naming the wrong database must not empty attachments_dir. */
static const char sql_judge[] =
    "SELECT h,"
    " EXISTS (SELECT 1 FROM sanad_attach.purged p WHERE p.hash = h)"
    "  AND NOT EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = h),"
    " EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = h)"
    "  AND NOT EXISTS (SELECT 1 FROM sanad_attach.blobs b WHERE b.hash = h)"
    " FROM unnest($1::text[]) AS h";
/* Blobs a failed drop left behind: dropped, and recorded like a purge's. Tombstones older
 * than BOT_ATTACH_PG_PURGED_DAYS go (a node away longer keeps its copies). */
static const char sql_drop_old[] =
    "WITH d AS (DELETE FROM sanad_attach.blobs b WHERE b.created < $1::bigint"
    "  AND NOT EXISTS (SELECT 1 FROM sanad_store.attachments t WHERE t.hash = b.hash)"
    "  RETURNING hash)"
    " INSERT INTO sanad_attach.purged(hash, at) SELECT hash, $2::bigint FROM d"
    " ON CONFLICT (hash) DO UPDATE SET at = excluded.at";
static const char sql_prune[] = "DELETE FROM sanad_attach.purged WHERE at < $1::bigint";

/* Sends the local file dir/h as its blob when it is what its name says and fits max. */
static int backfill(struct bot_attach_pg *a,
                    const char *dir,
                    const char *h,
                    size_t max,
                    struct bot_attach_pg_swept *n,
                    struct sn_err *err)
{
    char *data = NULL;
    size_t len = 0;
    struct sn_err e = {0};
    int rc = bot_attach_file_get(dir, h, max, &data, &len, &e);
    if (rc == SN_OK && bot_attach_pg_verify(h, (long long)len, data, len, &e) == SN_OK) {
        if ((rc = bot_attach_pg_put(a, h, data, len, now_ms(), err)) == SN_OK)
            n->backfilled++;
    } else /* a file that is not what its name says is never sent: told, left as it is */
        sn_log(SN_LOG_WARN, "attach", "event=backfill_skipped hash=%s err=\"%s\"", h, e.msg);
    free(data);
    return rc == SN_EDB ? rc : SN_OK;
}

/* Judges the hashes in list ("{h,h,…}"): removes the purged ones' files, sends the missing
 * blobs (at most BOT_ATTACH_PG_BACKFILL_BYTES a sweep: the loop waits meanwhile). */
static int sweep_batch(struct bot_attach_pg *a,
                       const char *dir,
                       const char *list,
                       size_t max,
                       struct bot_attach_pg_swept *n,
                       size_t *sent,
                       struct sn_err *err)
{
    PGresult *res = NULL;
    char path[4096];
    struct stat st;
    const char *vals[1] = {list};
    int rc = bot_pg_exec(a->pg, sql_judge, 1, vals, &res, err);
    for (int i = 0; rc == SN_OK && i < PQntuples(res); i++) {
        const char *h = bot_pg_str(res, i, 0);
        if (strlen(h) != BOT_ATTACH_HASH_HEX - 1 || strspn(h, "0123456789abcdef") != 64)
            continue; /* only what we sent comes back; a path is never built from anything else */
        snprintf(path, sizeof path, "%s/%s", dir, h);
        if (!strcmp(bot_pg_str(res, i, 1), "t")) {
            if (unlink(path) == 0)
                n->removed++;
        } else if (!strcmp(bot_pg_str(res, i, 2), "t") && *sent < BOT_ATTACH_PG_BACKFILL_BYTES &&
                   stat(path, &st) == 0) {
            *sent += (size_t)st.st_size;
            rc = backfill(a, dir, h, max, n, err);
        }
    }
    PQclear(res);
    return rc;
}

int bot_attach_pg_sweep(struct bot_attach_pg *a,
                        const char *dir,
                        size_t max,
                        long long min_age_s,
                        struct bot_attach_pg_swept *n,
                        struct sn_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    struct stat st;
    char path[4096], before[24], at[24], old[24];
    /* "{" + SWEEP_BATCH hashes, each with its comma, + "}" */
    char *list = sn_xmalloc(SWEEP_BATCH * BOT_ATTACH_HASH_HEX + 3);
    size_t o = 0, sent = 0;
    int k = 0, rc = SN_OK;
    long long now = now_ms();
    *n = (struct bot_attach_pg_swept){0, 0};
    if (!(d = opendir(dir))) {
        rc = sn_err_set(err, SN_EIO, "attachments_dir %s: cannot list it", dir);
        goto out;
    }
    while (rc == SN_OK && (de = readdir(d))) {
        const char *h = de->d_name;
        if (strlen(h) != BOT_ATTACH_HASH_HEX - 1 || strspn(h, "0123456789abcdef") != 64)
            continue; /* temporary files and anything else are not ours to judge */
        snprintf(path, sizeof path, "%s/%s", dir, h);
        if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
            now / 1000 - (long long)st.st_mtime < min_age_s)
            continue;
        o += (size_t)sprintf(list + o, "%c%s", k ? ',' : '{', h);
        if (++k == SWEEP_BATCH) {
            strcpy(list + o, "}");
            rc = sweep_batch(a, dir, list, max, n, &sent, err);
            k = 0;
            o = 0;
        }
    }
    if (rc == SN_OK && k) {
        strcpy(list + o, "}");
        rc = sweep_batch(a, dir, list, max, n, &sent, err);
    }
    if (rc == SN_OK) {
        /* never younger than BOT_ATTACH_PG_ORPHAN_S, even at the start: another node's upload
         * may have its blob committed before its row (the row waits in that node's batch) */
        long long age = min_age_s > BOT_ATTACH_PG_ORPHAN_S ? min_age_s : BOT_ATTACH_PG_ORPHAN_S;
        const char *vals[2] = {bot_pg_fmt_ll(before, now - age * 1000), bot_pg_fmt_ll(at, now)};
        rc = bot_pg_exec(a->pg, sql_drop_old, 2, vals, NULL, err);
    }
    if (rc == SN_OK) {
        const char *vals[1] = {
            bot_pg_fmt_ll(old, now - (long long)BOT_ATTACH_PG_PURGED_DAYS * 86400000)};
        rc = bot_pg_exec(a->pg, sql_prune, 1, vals, NULL, err);
    }
out:
    if (d)
        closedir(d);
    free(list);
    return rc;
}
