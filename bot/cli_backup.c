/* `sanad backup DIR` and `sanad restore DIR`: both databases (the knowledge base and the
 * conversation store, accounts included) copied with SQLite's online backup API, which
 * takes a consistent snapshot while a server keeps writing. A backup is written beside its
 * final name and renamed into place once it passed an integrity check; a restore refuses
 * the files of a running server (its lock, bot/lock.h) and a backup that fails the check. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bot/cli.h"
#include "bot/config.h"
#include "bot/lock.h"
#include "bot/server.h"

static const char usage[] =
    "usage: sanad backup DIR [--config FILE] [--data DIR] [--db KB_DB] [--store-db STORE_DB]\n"
    "       sanad restore DIR [--config FILE] [--data DIR] [--db KB_DB] [--store-db STORE_DB]\n"
    "\n"
    "backup copies the knowledge base and the conversation store (accounts included) into\n"
    "DIR/sanad.db and DIR/store.db, with a manifest.json, while a server may be running:\n"
    "each copy is a consistent snapshot, checked, then renamed into place.\n"
    "restore puts such a backup back; it refuses while a sanad serve uses the store, and a\n"
    "backup that fails its check. The paths come from the config as for sanad serve.\n"
    "Exit codes: 0 ok, 1 no backup in DIR, 2 bad input or a running server, 3 internal.\n";

static const char *const names[2] = {"sanad.db", "store.db"};

static int fail(const char *cmd, int code, const char *fmt, ...) SN_PRINTF(3, 4);
static int fail(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sanad %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* PRAGMA quick_check of an open database: 0 when "ok". */
static int checked(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW &&
             !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* Copies database from into to (both paths) through the backup API; when verify, checks the
 * copy. SN_OK or SN_EDB with why in err. */
static int copy_db(const char *from, const char *to, int from_flags, struct sn_err *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = SN_EDB;
    if (sqlite3_open_v2(from, &src, from_flags, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "%s: %s", from, sqlite3_errmsg(src));
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    if (sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "%s: %s", to, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_busy_timeout(dst, 5000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        sn_err_set(err, SN_EDB, "%s: %s", to, sqlite3_errmsg(dst));
        goto out;
    }
    int step, tries = 0;
    /* all pages in one step: one read transaction, so the copy is one moment of the source
     * (a step in pieces restarts whenever the server writes in between) */
    while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED) {
        if (++tries > 100)
            break;
        sqlite3_sleep(50);
    }
    int fin = sqlite3_backup_finish(b);
    if (step != SQLITE_DONE || fin != SQLITE_OK) {
        sn_err_set(err, SN_EDB, "%s -> %s: %s", from, to,
                   sqlite3_errstr(step != SQLITE_DONE ? step : fin));
        goto out;
    }
    if (checked(dst)) {
        sn_err_set(err, SN_EDB, "%s: the copy fails its integrity check", to);
        goto out;
    }
    rc = SN_OK;
out:
    sqlite3_close(dst);
    sqlite3_close(src);
    return rc;
}

/* The DIR argument (the first that is not an option) taken out of argv; NULL when none. */
static const char *take_dir(int *argc, char **argv)
{
    for (int i = 1; i < *argc; i++) {
        if (!strncmp(argv[i], "--", 2)) {
            i++; /* its value */
            continue;
        }
        const char *d = argv[i];
        memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof *argv);
        (*argc)--;
        return d;
    }
    return NULL;
}

static int backup(const char *dir, const struct bot_config *cfg)
{
    struct sn_err e = {0};
    const char *src[2] = {cfg->kb_db, cfg->store_db};
    char tmp[4096], final[4096];
    long long bytes[2] = {0, 0};
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail("backup", 3, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (stat(src[i], &st) != 0)
            return fail("backup", 2, "%s: %s", src[i], strerror(errno));
        snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, names[i]);
        snprintf(final, sizeof final, "%s/%s", dir, names[i]);
        unlink(tmp);
        if (copy_db(src[i], tmp, SQLITE_OPEN_READONLY, &e)) {
            unlink(tmp);
            return fail("backup", 3, "%s", e.msg);
        }
        if (stat(tmp, &st) == 0)
            bytes[i] = st.st_size;
        if (rename(tmp, final) != 0)
            return fail("backup", 3, "%s: %s", final, strerror(errno));
    }
    json_t *m =
        json_pack("{s:I, s:{s:{s:s, s:I}, s:{s:s, s:I}}}", "created_ms",
                  (json_int_t)bot_server_now_ms(), "files", names[0], "source", src[0], "bytes",
                  (json_int_t)bytes[0], names[1], "source", src[1], "bytes", (json_int_t)bytes[1]);
    snprintf(final, sizeof final, "%s/manifest.json", dir);
    if (json_dump_file(m, final, JSON_INDENT(2)) != 0) {
        json_decref(m);
        return fail("backup", 3, "%s: cannot write it", final);
    }
    json_decref(m);
    printf("sanad backup: %s/%s (%lld bytes), %s/%s (%lld bytes)\n", dir, names[0], bytes[0], dir,
           names[1], bytes[1]);
    return 0;
}

static int restore(const char *dir, const struct bot_config *cfg)
{
    struct sn_err e = {0};
    const char *dst[2] = {cfg->kb_db, cfg->store_db};
    char from[4096];
    int lock = -1, rc = 0;
    for (int i = 0; i < 2; i++) { /* both present and sound before anything is replaced */
        sqlite3 *db = NULL;
        snprintf(from, sizeof from, "%s/%s", dir, names[i]);
        if (access(from, R_OK) != 0) {
            return fail("restore", 1, "%s: no backup here (%s)", from, strerror(errno));
        }
        int bad =
            sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK || checked(db);
        sqlite3_close(db);
        if (bad)
            return fail("restore", 2, "%s: not a sound database backup", from);
    }
    int lrc = bot_lock_take(cfg->store_db, &lock, &e);
    if (lrc)
        return fail("restore", lrc == SN_ECONFLICT ? 2 : 3, "%s; stop it first", e.msg);
    for (int i = 0; i < 2 && !rc; i++) {
        snprintf(from, sizeof from, "%s/%s", dir, names[i]);
        if (copy_db(from, dst[i], SQLITE_OPEN_READONLY, &e))
            rc = fail("restore", 3, "%s", e.msg);
    }
    bot_lock_release(lock);
    if (!rc)
        printf("sanad restore: %s and %s restored from %s\n", dst[0], dst[1], dir);
    return rc;
}

static int run(const char *cmd, int argc, char **argv)
{
    struct bot_config cfg;
    struct sn_err e = {0};
    int rc;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return 0;
    }
    const char *dir = take_dir(&argc, argv);
    if (!dir) {
        fputs(usage, stderr);
        return 2;
    }
    bot_config_init(&cfg);
    if (bot_config_args(&cfg, argc, argv, &e)) {
        rc = fail(cmd, 2, "%s", e.msg);
        goto out;
    }
    rc = !strcmp(cmd, "backup") ? backup(dir, &cfg) : restore(dir, &cfg);
out:
    bot_config_fini(&cfg);
    return rc;
}

int bot_cli_backup(int argc, char **argv)
{
    return run("backup", argc, argv);
}

int bot_cli_restore(int argc, char **argv)
{
    return run("restore", argc, argv);
}
