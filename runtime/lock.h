/* claudebox — a bounded exclusive flock for the launcher. Its signals go to a signalfd, so a blocking
 * flock could never be interrupted: poll for the lock instead, and fail closed after max_ms. */
#pragma once

#include "error.h"

/* 0, or a negative errno with *err set (ETIMEDOUT after max_ms; `what` names the lock in the message). */
int cb_flock_bounded(int fd, int max_ms, const char *what, struct cb_error **err);
