/* claudebox — the filesystem layer: a read-only (or overlay-writable) copy of the root, fresh /proc,
 * a minimal /dev, tmpfs mounts, binds, masked paths, then pivot_root. Runs in the child, inside its new
 * user and mount namespaces. */
#pragma once

#include "config.h"
#include "error.h"

struct cb_mount_extras {
        const char *resolv_conf; /* text for /etc/resolv.conf, or NULL */
        bool own_netns;          /* a fresh sysfs can be mounted (it shows only the sandbox's links) */
};

int cb_mounts_setup(const struct cb_config *cfg, const struct cb_mount_extras *extras, struct cb_error **err);
