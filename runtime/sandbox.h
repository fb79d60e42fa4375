/* claudebox — the sandbox side of a launch: what the cloned child does, in order, inside its new
 * namespaces (maps, cgroup, hostname, network, mounts, pty), then the command's process and init. */
#pragma once

#include <stdbool.h>

#include "../netns/netns.h"
#include "../seccomp/seccomp_layer.h"
#include "cgroup.h"
#include "config.h"

struct cb_sandbox_ctx {
        const struct cb_config *cfg;
        const struct cb_seccomp *seccomp;
        const struct cb_cgroup *cgroup;
        const struct cb_net *net;
        int ctl;                /* the child's end of the control channel */
        bool want_pty;
        bool unshare_cgroupns;  /* cgroup ns created after a v1 self-join instead of at clone */
};

/* Never returns: reports failure over ctl and exits, or becomes the sandbox's init. */
__attribute__((noreturn)) void cb_sandbox_child(const struct cb_sandbox_ctx *ctx);
