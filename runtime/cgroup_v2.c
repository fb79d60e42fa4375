/* claudebox — cgroup v2 (unified), first-class.
 *
 * As root: <root of our cgroup namespace>/claudebox/<name>, controllers enabled on the way down.
 * Rootless: inside the subtree delegated to the user — the launcher's own cgroup, when the user may
 * write its cgroup.procs and cgroup.subtree_control (systemd Delegate=yes, or an admin's chown). The
 * processes of that cgroup move into a leaf first (no-internal-processes rule: a cgroup that hands
 * controllers to its children holds no processes itself); the sandbox's cgroup is made beside the leaf.
 * Without delegation we refuse to start, naming the fix. */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

static const char relax[] = "pass --no-limits to run without memory/cpu/pids limits";
static const char scope_fix[] = "run claudebox inside a delegated scope: `systemd-run --user --scope -p "
                                "Delegate=yes claudebox run ...`";

static int
check_controllers(const char *dir, const char *const *want, size_t n, bool delegated, struct cb_error **err)
{
        char path[PATH_MAX], list[1024];
        snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
        int r = cb_cg_read(path, list, sizeof(list));
        if (r < 0)
                return cb_error_set(err, -r, "cgroup limits: read %s", path);
        for (size_t i = 0; i < n; i++)
                if (!cb_cg_list_has(list, want[i]))
                        return cb_error_set(err, ENOTSUP,
                                            "cgroup limits: the cgroup v2 %s controller is not available in "
                                            "%s (cgroup.controllers: %s)%s%s; %s",
                                            want[i], dir, list[0] ? strtok(list, "\n") : "none",
                                            delegated ? ": it is not delegated to this user; " : "",
                                            delegated ? scope_fix : "", relax);
        return 0;
}

/* Enables the controllers in dir's cgroup.subtree_control, each once; records the ones this call
 * turned on (so a delegated subtree can be handed back as it was). */
static int
enable_controllers(const char *dir, const char *const *want, size_t n, char *enabled, size_t enabled_len,
                   struct cb_error **err)
{
        char path[PATH_MAX], cur[1024];
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
        int r = cb_cg_read(path, cur, sizeof(cur));
        if (r < 0)
                return cb_error_set(err, -r, "cgroup limits: read %s", path);
        for (size_t i = 0; i < n; i++) {
                if (cb_cg_list_has(cur, want[i]))
                        continue;
                char text[32];
                snprintf(text, sizeof(text), "+%s", want[i]);
                if ((r = cb_cg_write_at(AT_FDCWD, dir, "cgroup.subtree_control", text, err)) < 0)
                        return r;
                if (enabled != NULL) {
                        size_t used = strlen(enabled);
                        snprintf(enabled + used, enabled_len - used, "%s%s", used ? " " : "", want[i]);
                }
        }
        return 0;
}

static int
write_limits(const struct cb_config *cfg, const struct cb_cg_dir *d, struct cb_error **err)
{
        int r;
        char text[64];
        if (cfg->memory != 0) {
                snprintf(text, sizeof(text), "%" PRIu64, cfg->memory);
                if ((r = cb_cg_write_at(d->dfd, d->path, "memory.max", text, err)) < 0)
                        return r;
                /* No swap: a sandbox at its limit is OOM-killed instead of pushing the host into swap.
                 * Absent when the kernel does no swap accounting (then there is none to bound here). */
                if (faccessat(d->dfd, "memory.swap.max", F_OK, 0) == 0 &&
                    (r = cb_cg_write_at(d->dfd, d->path, "memory.swap.max", "0", err)) < 0)
                        return r;
        }
        if (cfg->nano_cpus != 0) {
                uint64_t quota, period;
                cb_cg_cpu_quota(cfg->nano_cpus, &quota, &period);
                snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64, quota, period);
                if ((r = cb_cg_write_at(d->dfd, d->path, "cpu.max", text, err)) < 0)
                        return r;
        }
        if (cfg->pids_limit > 0) {
                snprintf(text, sizeof(text), "%" PRId64, cfg->pids_limit);
                if ((r = cb_cg_write_at(d->dfd, d->path, "pids.max", text, err)) < 0)
                        return r;
        }
        return 0;
}

static bool
writable(const char *dir, const char *file)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0;
}

/* Moves every process of from into to (the launcher and, say, the shell that started it). */
static int
move_procs(const char *from, const char *to, struct cb_error **err)
{
        char path[PATH_MAX], buf[16384];
        snprintf(path, sizeof(path), "%s/cgroup.procs", from);
        int r = cb_cg_read(path, buf, sizeof(buf));
        if (r < 0)
                return cb_error_set(err, -r, "read %s", path);
        for (char *p = buf, *end; *p != '\0'; p = end) {
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                char text[24];
                snprintf(text, sizeof(text), "%ld", pid);
                struct cb_error *e = NULL;
                if ((r = cb_cg_write_at(AT_FDCWD, to, "cgroup.procs", text, &e)) < 0 && r != -ESRCH) {
                        if (err != NULL && *err == NULL)
                                *err = e;
                        else
                                cb_error_free(e);
                        return r;
                }
                cb_error_free(e);
        }
        return 0;
}

static int
prepare_root(const struct cb_config *cfg, const char *mnt, const char *const *want, size_t n,
             const char *dirname, struct cb_cgroup *cg, struct cb_error **err)
{
        int r;
        if ((r = check_controllers(mnt, want, n, false, err)) < 0)
                return r;
        if ((r = enable_controllers(mnt, want, n, NULL, 0, err)) < 0) {
                if (r == -EBUSY)
                        cb_error_wrap(err,
                                      "cgroup limits: the root of this cgroup namespace (%s) holds "
                                      "processes, so it cannot hand controllers down (a container?); "
                                      "give claudebox a delegated cgroup, or %s",
                                      mnt, relax);
                return r;
        }
        char parent[PATH_MAX], path[PATH_MAX];
        snprintf(parent, sizeof(parent), "%s/" CB_CG_ROOT_DIR, mnt);
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, dirname) >= sizeof(path))
                return cb_error_set(err, ENAMETOOLONG, "cgroup limits: %s", path);
        cg->parent_dir = strdup(parent);
        if (cg->parent_dir == NULL)
                return cb_error_set(err, ENOMEM, "cgroup limits");
        /* claudebox/ is shared by every sandbox and removed by the last one: a concurrent run may remove
         * it between our mkdir and our use of it, so try again then. */
        for (int attempt = 0;; attempt++) {
                struct cb_error *e = NULL;
                if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                        return cb_error_set(err, errno, "cgroup limits: create %s", parent);
                r = enable_controllers(parent, want, n, NULL, 0, &e);
                if (r == 0) {
                        cb_cg_reap(parent, true);
                        r = cb_cg_create(path, &cg->dirs[0], &e);
                }
                if (r == 0 || (r != -ENOENT && r != -ENODEV) || attempt >= 3) {
                        if (r < 0 && err != NULL && *err == NULL)
                                *err = e;
                        else
                                cb_error_free(e);
                        if (r < 0)
                                return cb_error_wrap(err, "cgroup limits");
                        break;
                }
                cb_error_free(e);
        }
        cg->n_dirs = 1;
        (void)cfg;
        return 0;
}

static bool
only_leaf_left(const char *dir)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return false;
        bool only = true;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                if (de->d_type == DT_DIR && de->d_name[0] != '.' && strcmp(de->d_name, CB_CG_LEAF) != 0)
                        only = false;
        closedir(d);
        return only;
}

/* Serialises, per delegated cgroup, the set-up of a sandbox (enable controllers, create its cgroup) and
 * the hand-back by the last one out (disable them): without it, a sandbox starting just as the last one
 * ends could have its controllers switched off under it and run without limits. Bounded, fail closed. */
static int
lock_delegated(const char *dir, int *ret_fd, struct cb_error **err)
{
        cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cb_error_set(err, errno, "cgroup limits: open %s", dir);
        int r = cb_flock_bounded(fd, 5000, dir, err);
        if (r < 0)
                return cb_error_wrap(err, "cgroup limits (another claudebox is setting up)");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int
prepare_delegated(const struct cb_config *cfg, const char *own, const char *const *want, size_t n,
                  const char *dirname, struct cb_cgroup *cg, struct cb_error **err)
{
        int r;
        char dir[PATH_MAX], path[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", own);
        /* A launcher already moved into the leaf by an earlier (still running) launcher uses the same
         * delegated cgroup. */
        bool in_leaf = false;
        char *slash = strrchr(dir, '/');
        if (slash != NULL && strcmp(slash + 1, CB_CG_LEAF) == 0) {
                *slash = '\0';
                in_leaf = writable(dir, "cgroup.subtree_control");
                if (!in_leaf)
                        *slash = '/';
        }
        if (!writable(dir, "cgroup.procs") || !writable(dir, "cgroup.subtree_control") ||
            !writable(dir, ".")) {
                char names[64] = "";
                for (size_t i = 0; i < n; i++)
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                                 want[i]);
                return cb_error_set(err, EACCES,
                                    "cgroup limits: the %s controller%s cannot be applied: cgroup %s is not "
                                    "delegated to uid %u (its cgroup.subtree_control is not writable); %s, "
                                    "or %s",
                                    names, n > 1 ? "s" : "", dir, (unsigned)cfg->host_uid, scope_fix, relax);
        }
        if ((r = check_controllers(dir, want, n, true, err)) < 0)
                return r;
        cg->deleg_dir = strdup(dir);
        if (cg->deleg_dir == NULL)
                return cb_error_set(err, ENOMEM, "cgroup limits");
        cleanup_close int lock = -1; /* held until our cgroup exists (it keeps the controllers on) */
        if ((r = lock_delegated(dir, &lock, err)) < 0)
                return r;

        /* Leftovers of launchers that were SIGKILLed: unlocked and empty. */
        cb_cg_reap(dir, false);
        char cur[1024], procs[64];
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
        if ((r = cb_cg_read(path, cur, sizeof(cur))) < 0)
                return cb_error_set(err, -r, "cgroup limits: read %s", path);
        bool missing = false;
        for (size_t i = 0; i < n; i++)
                missing |= !cb_cg_list_has(cur, want[i]);
        if (missing) {
                snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
                if ((r = cb_cg_read(path, procs, sizeof(procs))) < 0)
                        return cb_error_set(err, -r, "cgroup limits: read %s", path);
                if (procs[0] != '\0') {
                        char leaf[PATH_MAX];
                        snprintf(leaf, sizeof(leaf), "%s/" CB_CG_LEAF, dir);
                        if (mkdir(leaf, 0755) == 0)
                                cg->created_leaf = true;
                        else if (errno != EEXIST)
                                return cb_error_set(err, errno, "cgroup limits: create %s", leaf);
                        if ((r = move_procs(dir, leaf, err)) < 0)
                                return cb_error_wrap(err, "cgroup limits: move the launcher into %s", leaf);
                }
                if ((r = enable_controllers(dir, want, n, cg->enabled, sizeof(cg->enabled), err)) < 0)
                        return cb_error_wrap(err, "cgroup limits");
        } else if (in_leaf && only_leaf_left(dir)) {
                /* The leaf is ours but its maker is gone (SIGKILLed): adopt it, so that this run hands
                 * the subtree back when it ends. */
                cg->created_leaf = true;
                for (size_t i = 0; i < n; i++)
                        snprintf(cg->enabled + strlen(cg->enabled), sizeof(cg->enabled) - strlen(cg->enabled),
                                 "%s%s", i ? " " : "", want[i]);
        }
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, dirname) >= sizeof(path))
                return cb_error_set(err, ENAMETOOLONG, "cgroup limits: %s", path);
        if ((r = cb_cg_create(path, &cg->dirs[0], err)) < 0)
                return cb_error_wrap(err, "cgroup limits");
        cg->n_dirs = 1;
        return 0;
}

int
cb_cg_prepare_v2(const struct cb_config *cfg, const char *mnt, const char *root, const char *self,
                 struct cb_cgroup *cg, struct cb_error **err)
{
        int r;
        const char *want[3];
        size_t n = cb_cg_wanted(cfg, want);
        cg->version = 2;
        /* As root, claudebox/ holds only sandboxes, named as they are; beside a delegated launcher, the
         * prefix and suffix mark them. */
        char dirname[256];
        if (geteuid() == 0)
                snprintf(dirname, sizeof(dirname), "%s", cfg->name);
        else if (cb_cg_dirname(cfg->name, dirname, sizeof(dirname)) < 0)
                return cb_error_set(err, EINVAL, "cgroup limits: the sandbox name is unfit for a cgroup");
        if (geteuid() == 0)
                r = prepare_root(cfg, mnt, want, n, dirname, cg, err);
        else {
                char selfpath[PATH_MAX], own[PATH_MAX];
                if (cb_cg_self_path(self, NULL, selfpath, sizeof(selfpath)) < 0 ||
                    cb_cg_host_path(mnt, root, selfpath, own, sizeof(own)) < 0)
                        return cb_error_set(err, ENOENT,
                                            "cgroup limits: cannot find the launcher's own cgroup v2 cgroup "
                                            "(in /proc/self/cgroup and %s); %s",
                                            mnt, relax);
                r = prepare_delegated(cfg, own, want, n, dirname, cg, err);
        }
        if (r < 0)
                return r;
        if ((r = write_limits(cfg, &cg->dirs[0], err)) < 0)
                return cb_error_wrap(err, "cgroup limits");
        return 0;
}

void
cb_cg_release_v2(struct cb_cgroup *cg)
{
        /* As root: the shared claudebox/ goes with its last sandbox (EBUSY while others live). */
        if (cg->parent_dir != NULL)
                (void)rmdir(cg->parent_dir);
        /* Delegated: hand the subtree back as we found it — controllers off, processes back, leaf gone —
         * unless another sandbox still uses it. */
        if (cg->deleg_dir == NULL || !cg->created_leaf)
                return;
        cleanup_close int lock = -1;
        if (lock_delegated(cg->deleg_dir, &lock, NULL) < 0 || !only_leaf_left(cg->deleg_dir))
                return;
        char leaf[PATH_MAX], word[64];
        snprintf(leaf, sizeof(leaf), "%s/" CB_CG_LEAF, cg->deleg_dir);
        for (char *save = NULL, *w = strtok_r(cg->enabled, " ", &save); w != NULL;
             w = strtok_r(NULL, " ", &save)) {
                snprintf(word, sizeof(word), "-%s", w);
                if (cb_cg_write_at(AT_FDCWD, cg->deleg_dir, "cgroup.subtree_control", word, NULL) < 0)
                        return;
        }
        if (move_procs(leaf, cg->deleg_dir, NULL) == 0)
                (void)rmdir(leaf);
}
