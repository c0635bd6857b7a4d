/* The running server's lock: `sanad serve` holds an exclusive flock on STORE_DB.lock for
 * as long as it runs, so that `sanad restore` refuses to replace the files of a running
 * server, and a second server cannot start on the same store (its queue and routing live
 * in one process's memory). The kernel drops the lock when the process dies (kill -9). */
#ifndef SANAD_BOT_LOCK_H
#define SANAD_BOT_LOCK_H

#include "kb/base.h"

/* Takes the lock of store_db without waiting: SN_OK with *fd to keep open (closing it
 * releases the lock); SN_ECONFLICT when a running server holds it; SN_EIO when the lock
 * file cannot be opened. */
int bot_lock_take(const char *store_db, int *fd, struct sn_err *err);
void bot_lock_release(int fd);

#endif
