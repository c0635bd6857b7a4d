/* The knowledge base distributed through PostgreSQL (`store postgres`, issue 17). Every node
 * keeps its own SQLite/FTS5 base (a search stays local); an editor's write through the API on
 * any node becomes a new version in schema sanad_kb (table kb_versions: a log of entry-level
 * operations, with full snapshots at the start and every BOT_KBSYNC_SNAPSHOT_EVERY versions),
 * and every node applies the versions it has not applied yet, in version order, to its own
 * base. The version applied is kept in the local base's file (table kbsync_applied), so a
 * restarted node applies only what is new, and a node whose base never synced applies the
 * latest snapshot, then the log after it. Versions are numbered under an advisory lock, so
 * two editors on two nodes at once land in one order on every node. A NOTIFY sanad_kb wakes
 * the nodes (bot_kbsync_fd); the server's one-second tick polls as well.
 *
 * The questions the bot could not answer (kb/gap.h) of every node are copied into
 * sanad_kb.gaps; bot_kbsync_gap_list reads them all, for GET /api/gaps on any node.
 *
 * kb/ knows nothing of this: the operations are kb/'s import, entry and synonym functions.
 * Use a struct bot_kbsync from the loop's thread only (it uses the server's kb connection).
 * Every function returns SN_OK (or a count) or a negative sn_code with err set. */
#ifndef SANAD_BOT_KBSYNC_H
#define SANAD_BOT_KBSYNC_H

#include "kb/base.h"

#define BOT_KBSYNC_SNAPSHOT_EVERY 100         /* versions between two full snapshots */
#define BOT_KBSYNC_MAX_PAYLOAD    (64u << 20) /* a version's payload past this is refused */

struct bot_kbsync;
struct bot_config;
struct bot_api_call;
struct kb;
struct kb_gap;

/* Connects (cfg->pg_dsn, cfg->pg_password_file), migrates schema sanad_kb, LISTENs on
 * sanad_kb, and brings kb (borrowed; the server's connection to cfg->kb_db) up to date: the
 * first node of an empty log publishes its base as version 1. Returns the sync owned by the
 * caller (bot_kbsync_close), or NULL with err set. */
struct bot_kbsync *bot_kbsync_open(const struct bot_config *cfg, struct kb *kb, struct sn_err *err);
void bot_kbsync_close(struct bot_kbsync *k);

/* Applies the versions not applied yet (retrying first the edits of this node not yet
 * published). Returns how many changed the base (> 0: the caller refits and refreshes), 0, or
 * a negative sn_code (PostgreSQL unreachable: the next call tries again). A version that
 * cannot be applied (corrupt payload, invalid entries) is refused with a log line: nothing of
 * it is applied, and the versions after it are. */
int bot_kbsync_poll(struct bot_kbsync *k, struct sn_err *err);

/* The LISTEN connection's socket (it changes when the connection is reset), and whether a
 * notification came (drained; 1: poll now). */
int bot_kbsync_fd(struct bot_kbsync *k);
int bot_kbsync_notified(struct bot_kbsync *k);

/* An API route changed the base on this node (method, path: the route's row; c: the call
 * after its handler answered 2xx): publishes what it changed as a new version. A failure is
 * logged and the change kept to be published by the next poll. */
void bot_kbsync_edited(struct bot_kbsync *k,
                       int method,
                       const char *path,
                       const struct bot_api_call *c);

/* 1 when an edit through the route (method, path) is published to the other nodes (the
 * table of edit rules), 0 for a route that changes only this node (a gap dismissed). */
int bot_kbsync_distributes(int method, const char *path);

/* Copies this node's gaps (kb_gap_list, resolved ones included) into sanad_kb.gaps. */
int bot_kbsync_gaps_push(struct bot_kbsync *k, struct sn_err *err);
/* kb_gap_list over every node's gaps (this node's pushed first): the same gap (language and
 * key) asked on several nodes is one, its counts summed, its id this node's (0 when only other
 * nodes have it). *out is owned by the caller (kb_gaps_free). */
int bot_kbsync_gap_list(struct bot_kbsync *k,
                        const char *lang,
                        int limit,
                        int all,
                        struct kb_gap **out,
                        int *n,
                        struct sn_err *err);

#endif
