/* claudebox — user namespace: the child maps its own uid/gid (no setuid helper, no subuid ranges). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Called by the freshly cloned child in its new user namespace: setgroups is denied (so the sandbox
 * cannot drop a supplementary group that guards a file with a negative ACL), then host uid/gid are mapped
 * to themselves, or to 0 when as_root. */
int cb_userns_map_self(uid_t uid, gid_t gid, bool as_root, struct cb_error **err);

/* A message for a clone() that failed with EPERM/ENOSPC/EINVAL: which knob disables user namespaces. */
const char *cb_userns_unavailable_hint(void);
