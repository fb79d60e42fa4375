/* claudebox — cgroup v1 / hybrid fallback: one cgroup per hierarchy (memory, cpu, pids), each created
 * below the launcher's own cgroup in that hierarchy, never anywhere else. The launcher's own cgroups and
 * their parents may belong to someone else (a service manager, a container runtime): we never write a
 * limit on them, never move anything out of them, never remount a hierarchy. */
#define _GNU_SOURCE
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

static const char relax[] = "pass --no-limits to run without memory/cpu/pids limits";

static int
write_u64(const struct cb_cg_dir *d, const char *file, uint64_t v, struct cb_error **err)
{
        char text[32];
        snprintf(text, sizeof(text), "%" PRIu64, v);
        return cb_cg_write_at(d->dfd, d->path, file, text, err);
}

static int
find_dir(const struct cb_cgroup *cg, const char *mnt)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (strcmp(cg->dirs[i].mount, mnt) == 0)
                        return (int)i;
        return -1;
}

static int
apply_limits(const struct cb_config *cfg, const struct cb_cg_dir *d, const char *ctrl, struct cb_error **err)
{
        int r = 0;
        if (strcmp(ctrl, "memory") == 0) {
                /* memsw bounds memory+swap: equal to the memory limit means no swap at all. Without swap
                 * accounting the file is absent and there is no swap to bound through this cgroup. */
                if ((r = write_u64(d, "memory.limit_in_bytes", cfg->memory, err)) < 0)
                        return r;
                if (faccessat(d->dfd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0)
                        r = write_u64(d, "memory.memsw.limit_in_bytes", cfg->memory, err);
        } else if (strcmp(ctrl, "cpu") == 0) {
                uint64_t quota, period;
                cb_cg_cpu_quota(cfg->nano_cpus, &quota, &period);
                if ((r = write_u64(d, "cpu.cfs_period_us", period, err)) < 0)
                        return r;
                r = write_u64(d, "cpu.cfs_quota_us", quota, err);
        } else if (strcmp(ctrl, "pids") == 0) {
                r = write_u64(d, "pids.max", (uint64_t)cfg->pids_limit, err);
        }
        return r;
}

int
cb_cg_prepare_v1(const struct cb_config *cfg, const char *mountinfo, const char *self, struct cb_cgroup *cg,
                 struct cb_error **err)
{
        int r;
        const char *want[3];
        size_t n = cb_cg_wanted(cfg, want);
        cg->version = 1;
        char dirname[256];
        if (cb_cg_dirname(cfg->name, dirname, sizeof(dirname)) < 0)
                return cb_error_set(err, EINVAL, "cgroup limits: the sandbox name is unfit for a cgroup");

        for (size_t i = 0; i < n; i++) {
                char mnt[PATH_MAX], root[PATH_MAX], opts[256], own[PATH_MAX], base[PATH_MAX], path[PATH_MAX];
                if (cb_cg_find_mount(mountinfo, want[i], mnt, sizeof(mnt), root, sizeof(root), opts,
                                     sizeof(opts)) < 0)
                        return cb_error_set(err, ENOTSUP,
                                            "cgroup limits: the %s controller is not available (cgroup v1 "
                                            "without a %s hierarchy); mount it, or %s",
                                            want[i], want[i], relax);
                int have = find_dir(cg, mnt);
                if (have >= 0) { /* cpu,cpuacct style co-mounts: one directory serves both */
                        if (strcmp(want[i], "memory") == 0)
                                cg->memory_dir = have;
                        if ((r = apply_limits(cfg, &cg->dirs[have], want[i], err)) < 0)
                                return cb_error_wrap(err, "cgroup limits (%s)", want[i]);
                        continue;
                }
                if (cb_cg_self_path(self, want[i], own, sizeof(own)) < 0 ||
                    cb_cg_host_path(mnt, root, own, base, sizeof(base)) < 0)
                        return cb_error_set(err, ENOENT,
                                            "cgroup limits: cannot find the launcher's own %s cgroup (in "
                                            "/proc/self/cgroup and %s); %s",
                                            want[i], mnt, relax);
                /* Leftovers of launchers that were SIGKILLed: unlocked and empty. */
                cb_cg_reap(base, false);
                if (faccessat(AT_FDCWD, base, W_OK, AT_EACCESS) < 0)
                        return cb_error_set(err, errno,
                                            "cgroup limits: cannot create a %s cgroup under %s (cgroup v1 "
                                            "gives no delegation to uid %u): run claudebox as root, or on a "
                                            "cgroup v2 host inside a delegated scope (`systemd-run --user "
                                            "--scope -p Delegate=yes claudebox run ...`), or %s",
                                            want[i], base, (unsigned)cfg->host_uid, relax);
                if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, dirname) >= sizeof(path))
                        return cb_error_set(err, ENAMETOOLONG, "cgroup limits: %s/%s", base, dirname);
                struct cb_cg_dir *d = &cg->dirs[cg->n_dirs];
                if ((r = cb_cg_create(path, d, err)) < 0)
                        return cb_error_wrap(err, "cgroup limits (%s)", want[i]);
                cg->n_dirs++;
                d->mount = strdup(mnt);
                d->opts = strdup(opts);
                if (d->mount == NULL || d->opts == NULL)
                        return cb_error_set(err, ENOMEM, "cgroup limits");
                if (strcmp(want[i], "memory") == 0)
                        cg->memory_dir = (int)cg->n_dirs - 1;
                /* Opened now, written by the child itself (cb_cgroup_child_join) before it runs anything. */
                d->procs_fd = openat(d->dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
                if (d->procs_fd < 0)
                        return cb_error_set(err, errno, "cgroup limits: open %s/cgroup.procs", path);
                if ((r = apply_limits(cfg, d, want[i], err)) < 0)
                        return cb_error_wrap(err, "cgroup limits (%s)", want[i]);
        }
        return 0;
}
