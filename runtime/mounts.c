/* claudebox — the filesystem layer (see mounts.h).
 *
 * Everything taken from the host is cloned *before* pivot_root with open_tree(OPEN_TREE_CLONE) into
 * detached mounts, made read-only there with mount_setattr(), and attached after pivot_root. After the
 * pivot, every path we resolve lives inside the new root, so a symlink planted in the project or a
 * --rootfs (say /proc -> /host/etc) can only point back into the sandbox, never out to the host. */
#define _GNU_SOURCE
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "parse.h"

static int
sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
        struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};
        return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static int
set_attr(int fd, unsigned long long set, bool recursive, const char *what, struct cb_error **err)
{
        struct mount_attr attr = {.attr_set = set, .propagation = MS_PRIVATE};
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return cb_error_set(err, errno, "make %s %s", what,
                                    (set & MOUNT_ATTR_RDONLY) ? "read-only" : "private");
        return 0;
}

/* A detached copy of a host path (recursive), optionally read-only; -ENOENT passes through. */
static int
clone_tree(const char *path, bool readonly, int *ret_fd, struct cb_error **err)
{
        cleanup_close int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return cb_error_set(err, errno, "clone %s", path);
        }
        /* nosuid everywhere: a setuid binary reached through a bind must not gain privileges (no_new_privs
         * covers the command, this covers anything that would lift it). */
        int r = set_attr(fd, (readonly ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NOSUID, true, path, err);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* mkdir -p inside the (already pivoted) root; components that exist are fine. */
static int
mkdir_p(const char *path, mode_t mode, struct cb_error **err)
{
        cleanup_free char *p = strdup(path);
        if (p == NULL)
                return cb_error_set(err, ENOMEM, "mkdir %s", path);
        for (char *s = p + 1;; s++) {
                if (*s == '/' || *s == '\0') {
                        char saved = *s;
                        *s = '\0';
                        if (mkdir(p, mode) < 0 && errno != EEXIST) {
                                int e = errno;
                                if (e == EROFS)
                                        return cb_error_set(err, e,
                                                            "create mount point %s on the read-only root (create "
                                                            "it on the host, or use --writable-root)",
                                                            p);
                                return cb_error_set(err, e, "create mount point %s", p);
                        }
                        *s = saved;
                        if (saved == '\0')
                                break;
                }
        }
        return 0;
}

/* Creates a mount point of the right kind (dir for dirs, empty file otherwise) and opens it O_PATH,
 * refusing magic links so /proc/self/... tricks cannot redirect the mount. */
static int
open_target(const char *path, bool dir, int *ret_fd, struct cb_error **err)
{
        int r;
        cleanup_free char *parent = strdup(path);
        if (parent == NULL)
                return cb_error_set(err, ENOMEM, "mount point %s", path);
        char *slash = strrchr(parent, '/');
        if (slash != NULL && slash != parent) {
                *slash = '\0';
                if ((r = mkdir_p(parent, 0755, err)) < 0)
                        return r;
        }
        int fd = sys_openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
        if (fd < 0 && errno == ENOENT) {
                if (dir) {
                        if ((r = mkdir_p(path, 0755, err)) < 0)
                                return r;
                } else {
                        cleanup_close int f = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                        if (f < 0 && errno != EEXIST)
                                return cb_error_set(err, errno,
                                                    errno == EROFS ? "create mount point %s on the read-only root "
                                                                     "(create it on the host, or use "
                                                                     "--writable-root)"
                                                                   : "create mount point %s",
                                                    path);
                }
                fd = sys_openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
        }
        if (fd < 0)
                return cb_error_set(err, errno, "open mount point %s", path);
        *ret_fd = fd;
        return 0;
}

static int
attach(int mnt_fd, const char *dst, bool dir, struct cb_error **err)
{
        cleanup_close int target = -1;
        int r = open_target(dst, dir, &target, err);
        if (r < 0)
                return r;
        if (move_mount(mnt_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return cb_error_set(err, errno, "attach mount at %s", dst);
        return 0;
}

static int
mount_tmpfs(const char *path, const char *options, unsigned long flags, struct cb_error **err)
{
        int r;
        if ((r = mkdir_p(path, 0755, err)) < 0)
                return r;
        if (mount("tmpfs", path, "tmpfs", flags, options) < 0)
                return cb_error_set(err, errno, "mount tmpfs on %s (%s)", path, options ? options : "");
        return 0;
}

/* --tmpfs options carry mount flags (noexec, ro...) mixed with data; split them. */
static int
user_tmpfs(const struct cb_tmpfs *t, struct cb_error **err)
{
        char data[256] = "";
        unsigned long flags = MS_NOSUID | MS_NODEV;
        bool ro = false;
        cleanup_free char *opts = strdup(t->options);
        if (opts == NULL)
                return cb_error_set(err, ENOMEM, "tmpfs %s", t->path);
        for (char *save = NULL, *o = strtok_r(opts, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
                if (strcmp(o, "noexec") == 0)
                        flags |= MS_NOEXEC;
                else if (strcmp(o, "exec") == 0)
                        flags &= ~(unsigned long)MS_NOEXEC;
                else if (strcmp(o, "nosuid") == 0 || strcmp(o, "nodev") == 0 || strcmp(o, "rw") == 0)
                        ;
                else if (strcmp(o, "ro") == 0)
                        ro = true;
                else {
                        size_t used = strlen(data);
                        snprintf(data + used, sizeof(data) - used, "%s%s", used ? "," : "", o);
                }
        }
        int r = mount_tmpfs(t->path, data, flags, err);
        if (r == 0 && ro && mount(NULL, t->path, NULL, MS_REMOUNT | MS_RDONLY | flags, data) < 0)
                return cb_error_set(err, errno, "make tmpfs %s read-only", t->path);
        return r;
}

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};

/* A minimal /dev: the harmless character devices bound from the host (a tmpfs mounted inside a user
 * namespace is nodev, so nodes cannot be created there — and should not be), our own devpts instance so
 * the sandbox's ptys are not the host's, and /dev/shm. */
static int
setup_dev(int node_fds[], struct cb_error **err)
{
        int r;
        if ((r = mount_tmpfs("/dev", "size=64k,mode=755", MS_NOSUID | MS_NOEXEC, err)) < 0)
                return r;
        for (size_t i = 0; dev_nodes[i] != NULL; i++) {
                if (node_fds[i] < 0)
                        continue;
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
                if ((r = attach(node_fds[i], path, false, err)) < 0)
                        return r;
        }
        static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"},  {"/proc/self/fd/0", "/dev/stdin"},
                                               {"/proc/self/fd/1", "/dev/stdout"},
                                               {"/proc/self/fd/2", "/dev/stderr"},
                                               {"pts/ptmx", "/dev/ptmx"}, {"/proc/kcore", "/dev/core"}};
        for (size_t i = 0; i < CB_ARRAY_SIZE(links); i++)
                if (symlink(links[i][0], links[i][1]) < 0)
                        return cb_error_set(err, errno, "symlink %s", links[i][1]);
        if (mkdir("/dev/pts", 0755) < 0 || mkdir("/dev/shm", 01777) < 0)
                return cb_error_set(err, errno, "populate /dev");
        /* newinstance: a devpts of our own, so a pty opened inside is never one of the host's. */
        if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
                return cb_error_set(err, errno, "mount devpts on /dev/pts");
        if ((r = mount_tmpfs("/dev/shm", "size=67108864,mode=1777", MS_NOSUID | MS_NODEV | MS_NOEXEC, err)) < 0)
                return r;
        if (mount(NULL, "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "size=64k,mode=755") < 0)
                return cb_error_set(err, errno, "make /dev read-only");
        return 0;
}

/* OCI's masked and read-only paths: kernel memory, keys, timers and hardware views that leak host state
 * or invite attacks (kcore, sysrq-trigger) stay out of reach even though /proc is our own. */
static const char *const masked_files[] = {"/proc/kcore",       "/proc/keys",         "/proc/timer_list",
                                           "/proc/sched_debug", "/proc/latency_stats", "/proc/timer_stats",
                                           NULL};
static const char *const masked_dirs[] = {"/proc/acpi", "/proc/scsi", "/proc/asound", "/sys/firmware",
                                          "/sys/devices/virtual/powercap", NULL};
static const char *const readonly_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                             "/proc/sysrq-trigger", NULL};

static int
mask_paths(struct cb_error **err)
{
        struct stat st;
        for (size_t i = 0; masked_files[i] != NULL; i++) {
                if (lstat(masked_files[i], &st) < 0)
                        continue;
                if (mount("/dev/null", masked_files[i], NULL, MS_BIND, NULL) < 0)
                        return cb_error_set(err, errno, "mask %s", masked_files[i]);
        }
        for (size_t i = 0; masked_dirs[i] != NULL; i++) {
                if (lstat(masked_dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (mount("tmpfs", masked_dirs[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "size=0,mode=555") < 0)
                        return cb_error_set(err, errno, "mask %s", masked_dirs[i]);
        }
        for (size_t i = 0; readonly_paths[i] != NULL; i++) {
                cleanup_close int fd = open_tree(AT_FDCWD, readonly_paths[i],
                                                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (fd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return cb_error_set(err, errno, "clone %s", readonly_paths[i]);
                }
                int r;
                if ((r = set_attr(fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                                  true, readonly_paths[i], err)) < 0)
                        return r;
                if (move_mount(fd, "", AT_FDCWD, readonly_paths[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return cb_error_set(err, errno, "make %s read-only", readonly_paths[i]);
        }
        return 0;
}

/* One entry of the ordered list of tmpfs mounts and binds. */
struct entry {
        const char *dst;
        const struct cb_tmpfs *tmpfs;
        const struct cb_bind *bind;
        int fd; /* the detached clone of a bind */
        bool dir;
        size_t order;
};

static int
entry_cmp(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;
        size_t dx = cb_path_depth(x->dst), dy = cb_path_depth(y->dst);
        if (dx != dy)
                return dx < dy ? -1 : 1;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int
write_file(const char *path, const char *text, struct cb_error **err)
{
        cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return cb_error_set(err, errno, "create %s", path);
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t)len)
                return cb_error_set(err, errno ? errno : EIO, "write %s", path);
        return 0;
}

/* The kernel lets a user namespace mount a fresh proc or sysfs only where an instance is already fully
 * visible in its mount namespace. A root that is not a clone of the host's (--writable-root, --rootfs)
 * has none, so the host's, read-only, are put underneath the fresh ones we mount after pivot_root. */
static int
kernel_fs_underlay(const char *target, struct cb_error **err)
{
        static const char *const fs[] = {"proc", "sys", NULL};
        for (size_t i = 0; fs[i] != NULL; i++) {
                char src[16], dst[PATH_MAX];
                snprintf(src, sizeof(src), "/%s", fs[i]);
                snprintf(dst, sizeof(dst), "%s/%s", target, fs[i]);
                cleanup_close int fd = -1;
                int r = clone_tree(src, true, &fd, err);
                if (r < 0)
                        return r;
                if (move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return cb_error_set(err, errno, "put the host's /%s under %s (the root needs a /%s directory)",
                                            fs[i], dst, fs[i]);
        }
        return 0;
}

/* Directories of the root that the sandbox replaces with its own mounts. */
static bool
replaced_dir(const char *name)
{
        static const char *const names[] = {"proc", "sys", "dev", "tmp", "run", NULL};
        for (size_t i = 0; names[i] != NULL; i++)
                if (strcmp(name, names[i]) == 0)
                        return true;
        return false;
}

/* The writable root: a tmpfs holding one overlay per top-level directory of the root, whose upper
 * layers live on a second tmpfs outside the new root, so every write is discarded at exit. (One overlay
 * over the whole root is impossible in a user namespace: its lower mount has locked submounts, which
 * overlayfs refuses to clone.) A directory that cannot be overlaid (it holds a mount point of its own)
 * is bound read-only instead. Builds the tree at `target`. */
static int
writable_root(const char *rootfs, const char *target, const char *rw, struct cb_error **err)
{
        if (mkdir(target, 0755) < 0 || mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
                return cb_error_set(err, errno, "--writable-root: mount the root tmpfs");
        if (mkdir(rw, 0700) < 0 || mount("tmpfs", rw, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700") < 0)
                return cb_error_set(err, errno, "--writable-root: mount the upper tmpfs");
        DIR *d = opendir(rootfs);
        if (d == NULL)
                return cb_error_set(err, errno, "--writable-root: read %s", rootfs);
        int r = 0;
        for (struct dirent *e; r == 0 && (e = readdir(d)) != NULL;) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                char src[PATH_MAX], dst[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
                snprintf(src, sizeof(src), "%s/%s", strcmp(rootfs, "/") == 0 ? "" : rootfs, e->d_name);
                snprintf(dst, sizeof(dst), "%s/%s", target, e->d_name);
                struct stat st;
                if (lstat(src, &st) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        char link[PATH_MAX];
                        ssize_t n = readlink(src, link, sizeof(link) - 1);
                        if (n < 0)
                                continue;
                        link[n] = '\0';
                        if (symlink(link, dst) < 0)
                                r = cb_error_set(err, errno, "--writable-root: symlink %s", dst);
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        cleanup_close int f = open(dst, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
                        cleanup_close int fd = -1;
                        if (f >= 0 && clone_tree(src, true, &fd, NULL) == 0)
                                (void)move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH);
                        continue;
                }
                if (mkdir(dst, st.st_mode & 07777) < 0) {
                        r = cb_error_set(err, errno, "--writable-root: mkdir %s", dst);
                        break;
                }
                if (replaced_dir(e->d_name))
                        continue; /* proc and sys: see kernel_fs_underlay() */
                snprintf(upper, sizeof(upper), "%s/u-%s", rw, e->d_name);
                snprintf(work, sizeof(work), "%s/w-%s", rw, e->d_name);
                char opts[3 * PATH_MAX + 64];
                snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", src, upper, work);
                bool plain = strpbrk(src, ",:\\") == NULL;
                /* userxattr: in a user namespace overlay may not use trusted.* xattrs. */
                if (plain && mkdir(upper, 0755) == 0 && mkdir(work, 0700) == 0 &&
                    mount("overlay", dst, "overlay", MS_NOSUID, opts) == 0)
                        continue;
                cleanup_close int fd = -1;
                if ((r = clone_tree(src, true, &fd, err)) == 0 &&
                    move_mount(fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = cb_error_set(err, errno, "--writable-root: bind %s", src);
                if (r == -ENOENT)
                        r = 0;
        }
        closedir(d);
        return r;
}

int
cb_mounts_setup(const struct cb_config *cfg, const struct cb_mount_extras *extras, struct cb_error **err)
{
        int r;
        /* Nothing we mount may propagate back to the host, and host mount events should not reach in. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return cb_error_set(err, errno, "make / a slave mount");

        /* 1. Detached clones of everything we take from the host, while its paths are reachable. */
        cleanup_close int root = -1;
        if (!cfg->writable_root && (r = clone_tree(cfg->rootfs, true, &root, err)) < 0)
                return r == -ENOENT ? cb_error_set(err, ENOENT, "root %s", cfg->rootfs) : r;
        int node_fds[CB_ARRAY_SIZE(dev_nodes)];
        for (size_t i = 0; i < CB_ARRAY_SIZE(dev_nodes); i++)
                node_fds[i] = -1;
        size_t n_entries = cfg->n_tmpfs + cfg->n_binds;
        struct entry *entries = calloc(n_entries ? n_entries : 1, sizeof(*entries));
        if (entries == NULL)
                return cb_error_set(err, ENOMEM, "plan mounts");
        for (size_t i = 0; i < n_entries; i++)
                entries[i].fd = -1;
        size_t n = 0;
        for (size_t i = 0; dev_nodes[i] != NULL; i++) {
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
                node_fds[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        }
        for (size_t i = 0; i < cfg->n_tmpfs; i++, n++)
                entries[n] = (struct entry){.dst = cfg->tmpfs[i].path, .tmpfs = &cfg->tmpfs[i], .fd = -1,
                                            .order = n};
        for (size_t i = 0; i < cfg->n_binds; i++) {
                const struct cb_bind *b = &cfg->binds[i];
                struct stat st;
                entries[n] = (struct entry){.dst = b->dst, .bind = b, .fd = -1, .order = n};
                if (stat(b->src, &st) < 0) {
                        if (b->optional && errno == ENOENT)
                                continue;
                        r = cb_error_set(err, errno, "bind %s", b->src);
                        goto out;
                }
                entries[n].dir = S_ISDIR(st.st_mode);
                if ((r = clone_tree(b->src, b->readonly, &entries[n].fd, err)) < 0) {
                        if (r == -ENOENT)
                                r = cb_error_set(err, ENOENT, "bind %s", b->src);
                        goto out;
                }
                n++;
        }
        qsort(entries, n, sizeof(*entries), entry_cmp);

        /* 2. Attach the root and pivot into it. /tmp of our private copy of the host tree is the
         * staging point; it disappears with the old root. */
        const char *stage = "/tmp";
        if (mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=700") < 0) {
                r = cb_error_set(err, errno, "mount staging tmpfs on %s", stage);
                goto out;
        }
        if (cfg->writable_root) {
                if ((r = writable_root(cfg->rootfs, "/tmp/root", "/tmp/rw", err)) < 0)
                        goto out;
        } else if (mkdir("/tmp/root", 0700) < 0 ||
                   move_mount(root, "", AT_FDCWD, "/tmp/root", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                r = cb_error_set(err, errno, "attach the root");
                goto out;
        }
        if ((cfg->writable_root || strcmp(cfg->rootfs, "/") != 0) && (r = kernel_fs_underlay("/tmp/root", err)) < 0)
                goto out;
        /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves the host's tree
         * unreachable from this namespace (no chroot-style escape through a leftover mount). */
        if (chdir("/tmp/root") < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
                r = cb_error_set(err, errno, "pivot_root");
                goto out;
        }
        if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
                r = cb_error_set(err, errno, "detach the old root");
                goto out;
        }

        /* 3. Kernel filesystems of our own. */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                r = cb_error_set(err, errno, "mount /proc");
                goto out;
        }
        if ((r = setup_dev(node_fds, err)) < 0)
                goto out;
        if (extras->own_netns) {
                /* A sysfs of our own network namespace: /sys/class/net lists only the sandbox's links. */
                if (mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                        r = cb_error_set(err, errno, "mount /sys");
                        goto out;
                }
        }
        if ((r = mask_paths(err)) < 0)
                goto out;
        if ((r = mount_tmpfs("/run", "size=67108864,mode=755", MS_NOSUID | MS_NODEV, err)) < 0)
                goto out;

        /* 4. tmpfs mounts and binds, parents before children. */
        for (size_t i = 0; i < n; i++) {
                struct entry *e = &entries[i];
                if (e->tmpfs != NULL)
                        r = user_tmpfs(e->tmpfs, err);
                else
                        r = attach(e->fd, e->dst, e->dir, err);
                if (r < 0) {
                        cb_error_wrap(err, "%s %s", e->tmpfs ? "tmpfs" : "bind", e->dst);
                        goto out;
                }
        }

        /* 5. resolv.conf from the network layer, bound over the read-only root's. */
        if (extras->resolv_conf != NULL) {
                if ((r = write_file("/run/claudebox-resolv.conf", extras->resolv_conf, err)) < 0)
                        goto out;
                /* /etc/resolv.conf is often a symlink into /run (systemd-resolved, resolvconf), and /run is
                 * our own empty tmpfs by now: a bind would follow the link to a missing file. Write the
                 * file where the link points instead (only ever inside our /run). */
                char link[PATH_MAX];
                ssize_t ll = readlink("/etc/resolv.conf", link, sizeof(link) - 1);
                cleanup_free char *target = NULL;
                if (ll > 0) {
                        link[ll] = '\0';
                        target = cb_path_join("/etc", link);
                        if (target != NULL && cb_path_is_under(target, "/var/run"))
                                memmove(target, target + 4, strlen(target + 4) + 1); /* /var/run -> /run */
                }
                if (target != NULL && cb_path_is_under(target, "/run") && strcmp(target, "/run") != 0) {
                        *strrchr(target, '/') = '\0';
                        r = target[0] != '\0' ? mkdir_p(target, 0755, err) : 0;
                        target[strlen(target)] = '/';
                        if (r < 0 || (r = write_file(target, extras->resolv_conf, err)) < 0)
                                goto out;
                } else {
                        /* A --rootfs may lack the file: create it where the root is writable, else say so. */
                        cleanup_close int t = -1;
                        if ((r = open_target("/etc/resolv.conf", false, &t, err)) < 0) {
                                cb_error_wrap(err, "the sandbox's DNS settings need an /etc/resolv.conf in the root "
                                                   "(or use --network none)");
                                goto out;
                        }
                        if (mount("/run/claudebox-resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
                                r = cb_error_set(err, errno, "bind /etc/resolv.conf");
                                goto out;
                        }
                }
        }
        r = 0;
out:
        for (size_t i = 0; i < n_entries; i++)
                if (entries[i].fd >= 0)
                        close(entries[i].fd);
        for (size_t i = 0; i < CB_ARRAY_SIZE(dev_nodes); i++)
                if (node_fds[i] >= 0)
                        close(node_fds[i]);
        free(entries);
        return r;
}
