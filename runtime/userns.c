/* claudebox — user namespace mapping (see userns.h). */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

static int
write_proc(const char *path, const char *text, struct cb_error **err)
{
        cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return cb_error_set(err, errno, "open %s", path);
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t)len)
                return cb_error_set(err, errno, "write '%.*s' to %s", (int)strcspn(text, "\n"), text, path);
        return 0;
}

int
cb_userns_map_self(uid_t uid, gid_t gid, bool as_root, struct cb_error **err)
{
        char map[64];
        int r;
        if ((r = write_proc("/proc/self/setgroups", "deny", err)) < 0 && r != -ENOENT)
                return r;
        snprintf(map, sizeof(map), "%u %u 1\n", as_root ? 0u : (unsigned)uid, (unsigned)uid);
        if ((r = write_proc("/proc/self/uid_map", map, err)) < 0)
                return r;
        snprintf(map, sizeof(map), "%u %u 1\n", as_root ? 0u : (unsigned)gid, (unsigned)gid);
        return write_proc("/proc/self/gid_map", map, err);
}

static int
read_int(const char *path)
{
        char buf[32] = "";
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
                return -1;
        return atoi(buf);
}

const char *
cb_userns_unavailable_hint(void)
{
        if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
                return "user namespaces are restricted by AppArmor (Ubuntu 23.10+); allow them with `sudo sysctl "
                       "kernel.apparmor_restrict_unprivileged_userns=0` or install claudebox's AppArmor profile";
        if (read_int("/proc/sys/kernel/unprivileged_userns_clone") == 0)
                return "unprivileged user namespaces are disabled; enable them with `sudo sysctl "
                       "kernel.unprivileged_userns_clone=1`";
        if (read_int("/proc/sys/user/max_user_namespaces") == 0)
                return "user namespaces are disabled (user.max_user_namespaces=0); enable them with `sudo sysctl "
                       "user.max_user_namespaces=15000`";
        return "the kernel refused to create the namespaces (are user namespaces enabled? inside a container, "
               "is its seccomp profile blocking clone flags?)";
}
