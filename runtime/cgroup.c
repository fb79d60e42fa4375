/* claudebox — the cgroup limits layer (see cgroup.h): which hierarchy to use, the lifetime of a
 * sandbox's cgroups (lock, stale-cgroup reaping, kill and removal), the view inside the sandbox, and OOM
 * detection. Placement and limits live in cgroup_v2.c (first-class) and cgroup_v1.c (fallback).
 *
 * A sandbox's cgroup directory is held open with an flock for as long as the launcher (or the sandbox's
 * init, which inherits the descriptor) lives. A launcher killed with SIGKILL cannot remove its cgroup;
 * the next run finds it unlocked and empty and removes it. */
#define _GNU_SOURCE
#include "cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int
cb_cg_read_at(int dfd, const char *file, char *buf, size_t len)
{
        cleanup_close int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t used = 0;
        for (;;) {
                ssize_t n = read(fd, buf + used, len - 1 - used);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0 || used + (size_t)n >= len - 1) {
                        used += (size_t)n;
                        break;
                }
                used += (size_t)n;
        }
        buf[used] = '\0';
        return (int)used;
}

int
cb_cg_read(const char *path, char *buf, size_t len)
{
        return cb_cg_read_at(AT_FDCWD, path, buf, len);
}

int
cb_cg_write_at(int dfd, const char *dir, const char *file, const char *text, struct cb_error **err)
{
        char path[PATH_MAX];
        const char *name = file;
        if (dfd == AT_FDCWD) { /* no directory handle: the path is dir/file */
                if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                        return cb_error_set(err, ENAMETOOLONG, "open %s/%s", dir, file);
                file = path;
        }
        cleanup_close int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return cb_error_set(err, errno, "open %s/%s", dir, name);
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t)len)
                return cb_error_set(err, errno ? errno : EIO, "write \"%s\" to %s/%s", text, dir, name);
        return 0;
}

static void
dir_close(struct cb_cg_dir *d)
{
        if (d->procs_fd >= 0)
                close(d->procs_fd);
        if (d->dfd >= 0)
                close(d->dfd);
        d->procs_fd = d->dfd = -1;
}

static int rmdir_tree(const char *path, int depth);

int
cb_cg_create(const char *path, struct cb_cg_dir *d, struct cb_error **err)
{
        /* The sandbox's name is reserved by its state directory (state.c), so no live sandbox owns a
         * cgroup of that name: one that exists is a leftover (we remove it), or a concurrent run's reaper
         * is removing it right now, or grabbed our fresh directory for the instant it looked unused (we
         * wait a moment and make it again). Bounded: 200 tries, 1 ms apart. */
        for (int attempt = 0; attempt < 200; attempt++) {
                if (attempt > 0)
                        usleep(1000);
                if (mkdir(path, 0755) < 0) {
                        if (errno != EEXIST)
                                return cb_error_set(err, errno, "create cgroup %s", path);
                        cleanup_close int old = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (old >= 0 && flock(old, LOCK_EX | LOCK_NB) == 0)
                                (void)rmdir_tree(path, 0); /* a leftover of a dead sandbox of this name */
                        continue;
                }
                cleanup_close int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return cb_error_set(err, errno, "open cgroup %s", path);
                }
                if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno == EWOULDBLOCK)
                                continue; /* a reaper holds it for a moment and will remove it */
                        return cb_error_set(err, errno, "lock cgroup %s", path);
                }
                struct stat st;
                if (fstatat(dfd, "cgroup.procs", &st, 0) < 0) {
                        if (errno == ENOENT) {
                                (void)rmdir(path);
                                continue;
                        }
                        return cb_error_set(err, errno, "cgroup %s", path);
                }
                d->path = strdup(path);
                if (d->path == NULL) {
                        (void)rmdir(path);
                        return cb_error_set(err, ENOMEM, "cgroup %s", path);
                }
                d->dfd = TAKE_FD(dfd);
                return 0;
        }
        return cb_error_set(err, EBUSY,
                            "cgroup %s exists and stays locked by another process (choose another --name)", path);
}

/* Depth first: a sandbox may have made sub-cgroups of its own (delegated v2). */
static int
rmdir_tree(const char *path, int depth)
{
        if (depth > 16)
                return -ELOOP;
        DIR *dir = opendir(path);
        if (dir != NULL) {
                struct dirent *de;
                while ((de = readdir(dir)) != NULL) {
                        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                            strcmp(de->d_name, "..") == 0)
                                continue;
                        char sub[PATH_MAX];
                        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < sizeof(sub))
                                (void)rmdir_tree(sub, depth + 1);
                }
                closedir(dir);
        }
        return rmdir(path) < 0 ? -errno : 0;
}

void
cb_cg_reap(const char *dir, bool all)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (!all && !cb_cg_is_ours(de->d_name))
                        continue;
                char path[PATH_MAX];
                if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
                        continue;
                cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                /* A held lock means a live launcher or sandbox init: never touch it. A free one with
                 * processes still in it is left alone too (rmdir fails): only empty leftovers go. */
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                        continue;
                /* The lock is on the directory we opened; remove by path only if the path still names it
                 * (another reaper may have removed it and a new sandbox made one of that name since). */
                struct stat a, b;
                if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        (void)rmdir_tree(path, 0);
        }
        closedir(d);
}

size_t
cb_cg_wanted(const struct cb_config *cfg, const char *names[3])
{
        size_t n = 0;
        if (cfg->memory != 0)
                names[n++] = "memory";
        if (cfg->nano_cpus != 0)
                names[n++] = "cpu";
        if (cfg->pids_limit > 0)
                names[n++] = "pids";
        return n;
}

static int
read_proc(const char *path, char **ret, struct cb_error **err)
{
        size_t cap = 1 << 16;
        for (;;) {
                cleanup_free char *buf = malloc(cap);
                if (buf == NULL)
                        return cb_error_set(err, ENOMEM, "read %s", path);
                int n = cb_cg_read(path, buf, cap);
                if (n < 0)
                        return cb_error_set(err, -n, "read %s", path);
                if ((size_t)n < cap - 1 || cap >= (1 << 24)) {
                        *ret = TAKE_PTR(buf);
                        return 0;
                }
                cap *= 4;
        }
}

int
cb_cgroup_prepare(const struct cb_config *cfg, struct cb_cgroup **ret, struct cb_error **err)
{
        int r;
        *ret = NULL;
        const char *want[3];
        if (!cfg->limits || cb_cg_wanted(cfg, want) == 0)
                return 0;
        char dirname[256];
        if (cb_cg_dirname(cfg->name, dirname, sizeof(dirname)) < 0)
                return cb_error_set(err, EINVAL, "cgroup limits: the sandbox name is unfit for a cgroup");

        cleanup_free char *mountinfo = NULL, *self = NULL;
        if ((r = read_proc("/proc/self/mountinfo", &mountinfo, err)) < 0 ||
            (r = read_proc("/proc/self/cgroup", &self, err)) < 0)
                return r;

        struct cb_cgroup *cg = calloc(1, sizeof(*cg));
        if (cg == NULL)
                return cb_error_set(err, ENOMEM, "cgroup limits");
        cg->memory_dir = -1;
        for (size_t i = 0; i < CB_CG_V1_MAX; i++)
                cg->dirs[i].dfd = cg->dirs[i].procs_fd = -1;

        /* Hybrid hosts mount cgroup2 beside v1 hierarchies that carry the real controllers: v2 is used
         * only when no v1 hierarchy holds a controller we need (a pure v2 host). */
        bool v1 = false;
        for (size_t i = 0; i < cb_cg_wanted(cfg, want); i++) {
                char mnt[PATH_MAX], root[PATH_MAX];
                if (cb_cg_find_mount(mountinfo, want[i], mnt, sizeof(mnt), root, sizeof(root), NULL, 0) == 0)
                        v1 = true;
        }
        char mnt[PATH_MAX], root[PATH_MAX];
        if (v1) {
                r = cb_cg_prepare_v1(cfg, mountinfo, self, cg, err);
        } else if (cb_cg_find_mount(mountinfo, NULL, mnt, sizeof(mnt), root, sizeof(root), NULL, 0) == 0) {
                r = cb_cg_prepare_v2(cfg, mnt, root, self, cg, err);
        } else {
                r = cb_error_set(
                    err, ENOTSUP,
                    "cgroup limits: no cgroup hierarchy is mounted (neither cgroup v2 nor v1 with "
                    "the %s controller); mount cgroup2 on /sys/fs/cgroup, or pass --no-limits to "
                    "run without memory/cpu/pids limits",
                    want[0]);
        }
        if (r < 0) {
                cb_cgroup_destroy(cg);
                return r;
        }
        *ret = cg;
        return 0;
}

int
cb_cgroup_clone_fd(const struct cb_cgroup *cg)
{
        return cg != NULL && cg->version == 2 ? cg->dirs[0].dfd : -1;
}

/* True for both versions: on v1 the child joins its cgroups itself; on v2 it is born in its cgroup but
 * must still unshare the cgroup namespace after clone — a CLONE_NEWCGROUP in the same clone3 as
 * CLONE_INTO_CGROUP roots the namespace at the *launcher's* cgroup, and the sandbox would see its path. */
bool
cb_cgroup_needs_child_join(const struct cb_cgroup *cg)
{
        return cg != NULL;
}

int
cb_cgroup_child_join(const struct cb_cgroup *cg, struct cb_error **err)
{
        if (cg == NULL || cg->version != 1)
                return 0;
        /* The child moves itself, before it runs anything of the user's: writing one's own pid is cheap
         * (no global lock held across the attach, unlike a parent writing the child's pid). */
        for (size_t i = 0; i < cg->n_dirs; i++) {
                int fd = cg->dirs[i].procs_fd;
                if (fd < 0) /* never expected: fail closed rather than run outside the limits */
                        return cb_error_set(err, EBADF, "join cgroup %s: no handle", cg->dirs[i].path);
                if (write(fd, "0", 1) != 1)
                        return cb_error_set(err, errno ? errno : EIO, "join cgroup %s", cg->dirs[i].path);
                /* A writable handle on a host cgroup has no business staying open in the sandbox. */
                close(fd);
        }
        return 0;
}

static int
mount_v1_view(const struct cb_cgroup *cg, struct cb_error **err)
{
        const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=755") <
            0)
                return cb_error_set(err, errno, "mount tmpfs on /sys/fs/cgroup");
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const char *base = strrchr(cg->dirs[i].mount, '/');
                base = base ? base + 1 : cg->dirs[i].mount;
                char path[PATH_MAX];
                snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", base);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return cb_error_set(err, errno, "create %s", path);
                /* Mounted from inside our cgroup namespace: the hierarchy's root is the sandbox's own
                 * cgroup, so nothing above it (the host's tree, other sandboxes) is visible. */
                if (mount("cgroup", path, "cgroup", ro, cg->dirs[i].opts) < 0)
                        return cb_error_set(err, errno, "mount the cgroup v1 %s hierarchy on %s",
                                            cg->dirs[i].opts, path);
        }
        if (mount(NULL, "/sys/fs/cgroup", NULL, MS_REMOUNT | ro, "size=64k,mode=755") < 0)
                return cb_error_set(err, errno, "make /sys/fs/cgroup read-only");
        return 0;
}

int
cb_cgroup_setup_inside(const struct cb_cgroup *cg, struct cb_error **err)
{
        struct stat st;
        if (stat("/sys/fs/cgroup", &st) < 0 || !S_ISDIR(st.st_mode))
                return 0; /* a --rootfs without /sys/fs/cgroup shows nothing of the host's tree anyway */
        if (cg == NULL) {
                /* No limits: through the host's /sys (--network host) the sandbox would list every cgroup
                 * of the host (other users' sessions and services). Show nothing instead. */
                if (mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "size=0,mode=555") < 0)
                        return cb_error_set(err, errno, "cover /sys/fs/cgroup");
                return 0;
        }
        /* Whatever /sys/fs/cgroup showed (the host's hierarchies through a host /sys) is covered by the
         * sandbox's own subtree, read-only: the sandbox can read its limits and usage but neither move
         * itself out nor raise a limit. */
        if (cg->version == 2) {
                if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                        return cb_error_set(err, errno, "mount cgroup2 on /sys/fs/cgroup");
                return 0;
        }
        return mount_v1_view(cg, err);
}

bool
cb_cgroup_oom_killed(const struct cb_cgroup *cg)
{
        if (cg == NULL)
                return false;
        int idx = cg->version == 2 ? 0 : cg->memory_dir;
        if (idx < 0 || cg->dirs[idx].dfd < 0)
                return false;
        char buf[1024];
        uint64_t n = 0;
        const char *file = cg->version == 2 ? "memory.events" : "memory.oom_control";
        if (cb_cg_read_at(cg->dirs[idx].dfd, file, buf, sizeof(buf)) < 0 ||
            cb_cg_keyed_value(buf, "oom_kill", &n) < 0)
                return false;
        return n > 0;
}

static void
sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Kills whatever is left in one cgroup, then removes it. Normally init has been reaped and its pid
 * namespace is empty; this is for the error paths and a sandbox that outlived its init. */
static void
kill_and_remove(const struct cb_cg_dir *d, int version)
{
        if (d->dfd < 0)
                return;
        if (version == 2) {
                cleanup_close int k = openat(d->dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
                if (k >= 0)
                        (void)!write(k, "1", 1);
        }
        for (int i = 0; i < 300; i++) { /* about 3 s at most */
                int r = rmdir_tree(d->path, 0);
                if (r == 0 || r == -ENOENT)
                        return;
                char buf[4096];
                if (cb_cg_read_at(d->dfd, "cgroup.procs", buf, sizeof(buf)) > 0)
                        for (char *p = buf, *end; *p != '\0'; p = end) {
                                long pid = strtol(p, &end, 10);
                                /* Only whole lines: a read cut short must not turn 123456 into 123 and kill
                                 * a stranger (the rest is killed on the next round). */
                                if (end == p || *end != '\n')
                                        break;
                                end++;
                                if (pid > 1)
                                        (void)kill((pid_t)pid, SIGKILL);
                        }
                sleep_ms(10);
        }
}

void
cb_cgroup_destroy(struct cb_cgroup *cg)
{
        if (cg == NULL)
                return;
        int saved = errno;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                kill_and_remove(&cg->dirs[i], cg->version);
                dir_close(&cg->dirs[i]);
                free(cg->dirs[i].path);
                free(cg->dirs[i].mount);
                free(cg->dirs[i].opts);
        }
        if (cg->version == 2)
                cb_cg_release_v2(cg);
        free(cg->parent_dir);
        free(cg->deleg_dir);
        free(cg);
        errno = saved;
}

const char *
cb_cgroup_describe(const struct cb_cgroup *cg)
{
        if (cg == NULL)
                return "none";
        return cg->version == 2 ? "cgroup v2" : "cgroup v1";
}
