/* claudebox — the capability layer (libcap-ng): bounding set, effective/permitted/inheritable/ambient,
 * no_new_privs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* In the command's process, before seccomp and execve: bounding set = mask; effective/permitted =
 * mask when the command runs as uid 0 inside, else empty; ambient empty; no_new_privs on. */
int cb_caps_apply(uint64_t bounding, bool root, struct cb_error **err);
/* For the sandbox's init: no capabilities at all, nothing to gain. */
int cb_caps_drop_all(struct cb_error **err);
