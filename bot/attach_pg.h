/* Attachments across nodes (docs/api.md, "Attachments on PostgreSQL"): with `store postgres`
 * every node keeps its own attachments_dir, and the bytes of each upload are also kept in
 * PostgreSQL (schema sanad_attach, table blobs: one row per content hash), so a node asked for
 * a file it does not have fetches it once, checks its hash, writes it into its own directory
 * and serves the local copy from then on. A purge drops the blob of a hash no attachment row
 * refers to any more and records the hash in table purged; a node's copies of such hashes are
 * removed by bot_attach_pg_sweep (at the start and from the tick). One struct bot_attach_pg is one
 * connection of its own: use it from one thread at a time. On SQLite there is none (NULL) and
 * nothing changes.
 *
 * The first two functions are pure and table-tested (test_bot_attach_pg); the rest talk to
 * PostgreSQL and are driven by tests/integration/attach_pg_tests.py. Internal to bot/. */
#ifndef SANAD_BOT_ATTACH_PG_H
#define SANAD_BOT_ATTACH_PG_H

#include <stddef.h>

#include "kb/base.h"

struct bot_config;
struct bot_attach_pg;

#define BOT_ATTACH_PG_RETRY_S        5   /* seconds of a Retry-After: PostgreSQL cannot be asked */
#define BOT_ATTACH_PG_PURGED_DAYS    30  /* how long a purged hash is remembered for the sweeps */
#define BOT_ATTACH_PG_ORPHAN_S       600 /* a blob no row names is dropped when older than this */
#define BOT_ATTACH_PG_BACKFILL_BYTES (64u << 20) /* bytes of blobs one sweep sends at most */

/* SN_OK when data[0..len) is what a blob of hash and size must hold: len == size and the
 * BLAKE2b-256 of the bytes is hash; SN_EIO (with err naming the hash) when not: a blob
 * changed in the database is never written to disk or served. Pure. */
int bot_attach_pg_verify(
    const char *hash, long long size, const void *data, size_t len, struct sn_err *err);
/* The HTTP status a failed fetch is answered with: SN_ENOTFOUND 404 (no blob: purged), SN_EDB
 * 503 (PostgreSQL unreachable: try again, with Retry-After), anything else 500 (a blob that
 * fails its check, a full disk). Pure. */
int bot_attach_pg_status(int rc);

/* Connects to the PostgreSQL cfg names (pg_dsn, pg_password_file) and brings schema
 * sanad_attach to its version. Returns the handle owned by the caller
 * (bot_attach_pg_close), or NULL: with err set on a failure, err untouched when cfg->store
 * is not postgres (no handle is needed). */
struct bot_attach_pg *bot_attach_pg_open(const struct bot_config *cfg, struct sn_err *err);
/* NULL is fine. */
void bot_attach_pg_close(struct bot_attach_pg *a);

/* Keeps data[0..len) as the blob of hash (created: now_ms), or nothing when that hash has one
 * already (the same bytes). SN_OK once it is committed; SN_EDB with err set otherwise. */
int bot_attach_pg_put(struct bot_attach_pg *a,
                      const char *hash,
                      const void *data,
                      size_t len,
                      long long now_ms,
                      struct sn_err *err);
/* The blob of hash, at most max bytes, checked (bot_attach_pg_verify) and written to dir/hash
 * (bot_attach_file_put: atomically) before it is returned in *out (owned by the caller:
 * free()) and *len. SN_ENOTFOUND when there is none, SN_ETOOBIG over max, SN_EIO when it fails
 * its check (nothing written), SN_EDB when PostgreSQL cannot be asked or the file cannot be
 * written. */
int bot_attach_pg_fetch(struct bot_attach_pg *a,
                        const char *dir,
                        const char *hash,
                        size_t max,
                        char **out,
                        size_t *len,
                        struct sn_err *err);
/* Drops the blob of hash and records it in purged (the sweeps remove the nodes' copies): what
 * a purge calls for each hash the store found no row naming any more (store_att_conv_rm).
 * SN_OK (also when there was no blob), or SN_EDB. */
int bot_attach_pg_drop(struct bot_attach_pg *a, const char *hash, struct sn_err *err);
/* What a sweep did: files removed, blobs sent. */
struct bot_attach_pg_swept {
    int removed, backfilled;
};
/* Looks at the files in dir older than min_age_s seconds (an upload in flight writes its file
 * before its row: the age keeps it; 0 at the start, when none is here) and removes those whose
 * hash a purge freed (table purged) and no row names again; a file a row names without a blob
 * (a store migrated from SQLite) is checked and sent as its blob (at most max bytes a file,
 * BOT_ATTACH_PG_BACKFILL_BYTES a sweep). A file whose hash PostgreSQL knows nothing of is kept:
 * a pg_dsn naming the wrong database never empties attachments_dir. Then drops the blobs no
 * row names that are older than min_age_s and BOT_ATTACH_PG_ORPHAN_S (recorded as purged),
 * and the records older than BOT_ATTACH_PG_PURGED_DAYS. *n: the counts. SN_OK, SN_EIO (dir
 * unreadable) or SN_EDB. */
int bot_attach_pg_sweep(struct bot_attach_pg *a,
                        const char *dir,
                        size_t max,
                        long long min_age_s,
                        struct bot_attach_pg_swept *n,
                        struct sn_err *err);

#endif
