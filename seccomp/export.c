/* claudebox — libseccomp filter -> classic BPF program in memory (see export.h). */
#define _GNU_SOURCE
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

int
cb_seccomp_export(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len, struct cb_error **err)
{
        /* libseccomp 2.5 exports only to an fd: use an anonymous memory file, never the disk. */
        cleanup_close int fd = memfd_create("claudebox-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return cb_error_set(err, errno, "seccomp: memfd_create");
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return cb_error_set(err, -r, "seccomp: export the filter as BPF");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cb_error_set(err, errno, "seccomp: stat the exported filter");
        size_t size = (size_t)st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0)
                return cb_error_set(err, EINVAL, "seccomp: exported filter has an odd size (%zu bytes)", size);
        cleanup_free struct sock_filter *prog = malloc(size);
        if (prog == NULL)
                return cb_error_set(err, ENOMEM, "seccomp: allocate the filter");
        for (size_t done = 0; done < size;) {
                ssize_t n = pread(fd, (char *)prog + done, size - done, (off_t)done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return cb_error_set(err, n < 0 ? errno : EIO, "seccomp: read the exported filter");
                done += (size_t)n;
        }
        *ret_len = size / sizeof(struct sock_filter);
        *ret = TAKE_PTR(prog);
        return 0;
}
