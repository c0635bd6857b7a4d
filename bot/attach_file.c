/* Attachments, the file half (bot/attach.h): the bytes live in attachments_dir under their
 * content hash, written atomically (temporary file, fsync, rename), never in the database. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bot/attach.h"
#include "bot/attach_pg.h"
#include "bot/store.h"

/* A hash is the only thing joined to dir: 64 hex digits, so no path can be built from it. */
static int hash_ok(const char *h)
{
    return h && strlen(h) == BOT_ATTACH_HASH_HEX - 1 && strspn(h, "0123456789abcdef") == 64;
}

int bot_attach_dir_make(const char *dir, struct sn_err *err)
{
    char p[4096];
    struct stat st;
    int n = snprintf(p, sizeof p, "%s", dir ? dir : "");
    if (n <= 0 || (size_t)n >= sizeof p)
        return sn_err_set(err, SN_EINVAL, "attachments_dir: empty or too long");
    for (char *s = p + 1; *s; s++) /* mkdir -p */
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0700) && errno != EEXIST)
                return sn_err_set(err, SN_EINVAL, "attachments_dir %s: cannot create %s: %s", dir,
                                  p, strerror(errno));
            *s = '/';
        }
    if (mkdir(p, 0700) && errno != EEXIST)
        return sn_err_set(err, SN_EINVAL, "attachments_dir %s: cannot create it: %s", dir,
                          strerror(errno));
    if (stat(p, &st) || !S_ISDIR(st.st_mode))
        return sn_err_set(err, SN_EINVAL, "attachments_dir %s: not a directory", dir);
    if (access(p, W_OK | X_OK))
        return sn_err_set(err, SN_EINVAL, "attachments_dir %s: not writable: %s", dir,
                          strerror(errno));
    return SN_OK;
}

int bot_attach_file_put(
    const char *dir, const char *hash, const void *data, size_t len, struct sn_err *err)
{
    char path[4096], tmp[4200];
    unsigned char rnd[8];
    char rhex[17];
    int fd = -1, rc = SN_OK;
    if (!hash_ok(hash))
        return sn_err_set(err, SN_EINVAL, "attachment: bad hash");
    snprintf(path, sizeof path, "%s/%s", dir, hash);
    if (access(path, F_OK) == 0)
        return SN_OK; /* the same bytes, stored already */
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rhex, sizeof rhex, rnd, sizeof rnd);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%s", dir, hash, rhex);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = sn_err_set(err, SN_EDB, "attachment %s: %s", tmp, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = sn_err_set(err, SN_EDB, "attachment %s: %s", tmp, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd)) { /* on disk before the name points at it */
        rc = sn_err_set(err, SN_EDB, "attachment %s: fsync: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd)) {
        fd = -1;
        rc = sn_err_set(err, SN_EDB, "attachment %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path))
        rc = sn_err_set(err, SN_EDB, "attachment %s: rename: %s", path, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp);
    return rc;
}

int bot_attach_file_get(
    const char *dir, const char *hash, size_t max, char **out, size_t *len, struct sn_err *err)
{
    char path[4096];
    struct stat st;
    char *buf = NULL;
    int fd = -1, rc = SN_OK;
    size_t got = 0;
    *out = NULL;
    *len = 0;
    if (!hash_ok(hash))
        return sn_err_set(err, SN_ENOTFOUND, "attachment: bad hash");
    snprintf(path, sizeof path, "%s/%s", dir, hash);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = sn_err_set(err, errno == ENOENT ? SN_ENOTFOUND : SN_EDB, "attachment %s: %s", path,
                        strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = sn_err_set(err, SN_EDB, "attachment %s: not a file", path);
        goto out;
    }
    if ((unsigned long long)st.st_size > max) {
        rc = sn_err_set(err, SN_ETOOBIG, "attachment %s: larger than %zu bytes", path, max);
        goto out;
    }
    buf = sn_xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = sn_err_set(err, SN_EDB, "attachment %s: short read", path);
            goto out;
        }
        got += (size_t)r;
    }
    *out = buf;
    *len = got;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

struct rm_ctx {
    const char *dir;
    struct bot_attach_pg *apg; /* NULL: no blobs */
};

static int rm_file(void *ctx, const char *hash)
{
    const struct rm_ctx *c = ctx;
    char path[4096];
    if (!hash_ok(hash))
        return SN_OK;
    snprintf(path, sizeof path, "%s/%s", c->dir, hash);
    if (unlink(path) && errno != ENOENT)
        sn_log(SN_LOG_WARN, "attach", "event=unlink_failed file=%s err=\"%s\"", path,
               strerror(errno));
    if (c->apg) { /* the rows are gone: a blob left behind is the sweep's */
        struct sn_err e = {0};
        if (bot_attach_pg_drop(c->apg, hash, &e))
            sn_log(SN_LOG_WARN, "attach", "event=blob_drop_failed hash=%s err=\"%s\"", hash, e.msg);
    }
    return SN_OK;
}

int bot_attach_conv_remove(
    struct store *s, const char *dir, const char *conv_id, int *removed, struct sn_err *err)
{
    return bot_attach_conv_remove_pg(s, dir, NULL, conv_id, removed, err);
}

int bot_attach_conv_remove_pg(struct store *s,
                              const char *dir,
                              struct bot_attach_pg *apg,
                              const char *conv_id,
                              int *removed,
                              struct sn_err *err)
{
    struct rm_ctx c = {.dir = dir, .apg = apg};
    int n = 0;
    int rc = store_att_conv_rm(s, conv_id, rm_file, &c, &n, err);
    if (removed)
        *removed = n;
    return rc;
}
