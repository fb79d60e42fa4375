/* claudebox — the cgroup limits layer's entry points (v2 first-class, v1/hybrid fallback).
 *
 *   prepare()     launcher, before clone: create the sandbox's cgroup(s), write the limits. *ret is NULL
 *                 when the config asks for no limits. Fails closed when a limit cannot be applied.
 *   clone_fd()    a cgroup2 directory fd for clone3(CLONE_INTO_CGROUP), or -1.
 *   child_join()  in the child before anything else runs, when clone_fd() is -1 (v1): the child moves
 *                 itself into its cgroups; the launch path then unshares the cgroup namespace.
 *   setup_inside() after pivot_root: /sys/fs/cgroup shows only the sandbox's own subtree, read-only.
 *   oom_killed()  after the command ended: whether the memory limit killed something.
 *   destroy()     launcher, on every exit path: kill what is left, remove the directories. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "error.h"

struct cb_cgroup;

int cb_cgroup_prepare(const struct cb_config *cfg, struct cb_cgroup **ret, struct cb_error **err);
int cb_cgroup_clone_fd(const struct cb_cgroup *cg);
bool cb_cgroup_needs_child_join(const struct cb_cgroup *cg);
int cb_cgroup_child_join(const struct cb_cgroup *cg, struct cb_error **err);
int cb_cgroup_setup_inside(const struct cb_cgroup *cg, struct cb_error **err);
bool cb_cgroup_oom_killed(const struct cb_cgroup *cg);
void cb_cgroup_destroy(struct cb_cgroup *cg);
/* What was applied, for state.json: "cgroup v1", "cgroup v2", or "none". */
const char *cb_cgroup_describe(const struct cb_cgroup *cg);
