/* claudebox — what the cgroup layer's files share (cgroup.c, cgroup_v1.c, cgroup_v2.c, cgroup_util.c).
 * Not part of the layer's interface: the launch path includes cgroup.h only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* Directory names. A sandbox's cgroup is "claudebox-<name>.sandbox" beside the launcher (v1, v2
 * delegated) or "claudebox/<name>" below the namespace's root (v2 as root). The suffix tells ours apart
 * from other tools' cgroups that happen to start with "claudebox-" (the reaper must never touch those). */
#define CB_CG_PREFIX "claudebox-"
#define CB_CG_SUFFIX ".sandbox"
#define CB_CG_ROOT_DIR "claudebox"
/* The leaf a delegated v2 cgroup's processes move into, so the cgroup may enable controllers for its
 * children (cgroup v2's no-internal-processes rule). */
#define CB_CG_LEAF "claudebox.launchers"

/* The v1 controllers we can limit, and how many hierarchies one sandbox may span. */
#define CB_CG_V1_MAX 3

struct cb_cg_dir {
        char *path;   /* absolute host path */
        char *mount;  /* the hierarchy's mount point (v1) */
        char *opts;   /* the hierarchy's controllers, as mount options ("cpu,cpuacct") (v1) */
        int dfd;      /* O_DIRECTORY; holds the flock that marks the cgroup as in use */
        int procs_fd; /* cgroup.procs, opened for the child's own join (v1) */
};

struct cb_cgroup {
        int version; /* 1 or 2 */
        /* v2: the sandbox's cgroup; v1: one per hierarchy (memory, cpu, pids; deduplicated). */
        struct cb_cg_dir dirs[CB_CG_V1_MAX];
        size_t n_dirs;
        int memory_dir; /* index in dirs of the memory hierarchy, -1 if none */
        /* v2 as root: <root>/claudebox, removed when it is left empty. */
        char *parent_dir;
        /* v2 delegated: the delegated cgroup, and whether this run moved its processes into the leaf
         * (then destroy moves them back when no other sandbox uses the subtree). */
        char *deleg_dir;
        bool created_leaf;
        char enabled[64]; /* controllers this run enabled in deleg_dir's cgroup.subtree_control */
};

/* --- pure helpers (cgroup_util.c), unit-tested --- */

/* From the text of /proc/self/cgroup: the path of the hierarchy carrying controller (v1), or of the
 * unified hierarchy when controller is NULL ("0::/path"). Returns 0 and fills out, or -ENOENT. */
int cb_cg_self_path(const char *text, const char *controller, char *out, size_t len);

/* From the text of /proc/self/mountinfo: the mount point and root of the v1 hierarchy carrying
 * controller, or of cgroup2 when controller is NULL; opts gets the hierarchy's controller list (v1).
 * Returns 0, or -ENOENT. */
int cb_cg_find_mount(const char *text, const char *controller, char *mnt, size_t mntlen, char *root,
                     size_t rootlen, char *opts, size_t optslen);

/* The cgroup's path on the host: mount point + (own path relative to the mount's root). -EXDEV when the
 * path is not below the mount's root (another namespace's view). */
int cb_cg_host_path(const char *mnt, const char *root, const char *self, char *out, size_t len);

/* The directory name of a sandbox's cgroup beside the launcher: "claudebox-<name>.sandbox" (no double
 * prefix when name already starts with "claudebox-"). -EINVAL for names unfit for a path component. */
int cb_cg_dirname(const char *name, char *out, size_t len);
/* True if a directory name beside the launcher is one of ours (see cb_cg_dirname). */
bool cb_cg_is_ours(const char *dirname);

/* nano CPUs -> CFS quota and period in microseconds (period 100 ms, quota at least 1 ms). */
void cb_cg_cpu_quota(uint64_t nano_cpus, uint64_t *quota, uint64_t *period);

/* The value of "key N" in a flat keyed file (memory.events, memory.oom_control); -ENOENT if absent. */
int cb_cg_keyed_value(const char *text, const char *key, uint64_t *ret);

/* True if the space-separated list (cgroup.controllers) contains word. */
bool cb_cg_list_has(const char *list, const char *word);

/* --- shared helpers with side effects (cgroup.c) --- */

/* Reads a small file (at most len-1 bytes, NUL-terminated); returns length or -errno. */
int cb_cg_read_at(int dfd, const char *file, char *buf, size_t len);
int cb_cg_read(const char *path, char *buf, size_t len);
/* Writes text to dir/file (one write, as cgroupfs wants); -errno with *err naming the file. */
int cb_cg_write_at(int dfd, const char *dir, const char *file, const char *text, struct cb_error **err);
/* mkdir dir, open it and take its lock. Fails with EEXIST when a live sandbox holds the name. */
int cb_cg_create(const char *path, struct cb_cg_dir *d, struct cb_error **err);
/* Removes stale sandbox cgroups in dir: entries that are ours (cb_cg_is_ours; every entry when all is
 * true, for the claudebox/ directory) whose lock is free (their launcher is gone) and that hold no
 * process. */
void cb_cg_reap(const char *dir, bool all);
/* The names of the controllers the config needs, in v2 spelling ("memory", "cpu", "pids"). */
size_t cb_cg_wanted(const struct cb_config *cfg, const char *names[3]);

int cb_cg_prepare_v1(const struct cb_config *cfg, const char *mountinfo, const char *self,
                     struct cb_cgroup *cg, struct cb_error **err);
int cb_cg_prepare_v2(const struct cb_config *cfg, const char *mnt, const char *root, const char *self,
                     struct cb_cgroup *cg, struct cb_error **err);
void cb_cg_release_v2(struct cb_cgroup *cg);
