/* The running server's lock (see bot/lock.h). */
#include "bot/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int bot_lock_take(const char *store_db, int *fd, struct sn_err *err)
{
    char path[4096];
    *fd = -1;
    if (snprintf(path, sizeof path, "%s.lock", store_db) >= (int)sizeof path)
        return sn_err_set(err, SN_EIO, "%s: path too long", store_db);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0)
        return sn_err_set(err, SN_EIO, "%s: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(f);
        return busy ? sn_err_set(err, SN_ECONFLICT, "%s is in use by a running sanad serve",
                                 store_db)
                    : sn_err_set(err, SN_EIO, "%s: %s", path, strerror(errno));
    }
    *fd = f;
    return SN_OK;
}

void bot_lock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* the flock goes with the last descriptor */
}
