/* claudebox — bounded exclusive flock (see lock.h). */
#define _GNU_SOURCE
#include "lock.h"

#include <errno.h>
#include <sys/file.h>
#include <time.h>

int
cb_flock_bounded(int fd, int max_ms, const char *what, struct cb_error **err)
{
        for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited++) {
                if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= max_ms)
                        return cb_error_set(err, errno == EWOULDBLOCK ? ETIMEDOUT : errno, "lock %s", what);
                nanosleep(&(struct timespec){.tv_nsec = 1000 * 1000}, NULL);
        }
        return 0;
}
