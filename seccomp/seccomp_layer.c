/* claudebox — the seccomp layer (see seccomp_layer.h).
 *
 * `default`: a BPF program compiled at build time from seccomp/gen_default.c (default_filter.h), so a
 * start-up compiles nothing. FILE.json: a Docker/OCI profile, compiled with libseccomp here in the
 * launcher (seccomp_json.c). Either way the command's process receives a finished `struct sock_fprog`
 * and only hands it to the kernel. */
#define _GNU_SOURCE
#include "seccomp_layer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../runtime/cleanup.h"
#include "../runtime/parse.h"
#include "default_filter.h"
#include "export.h"
#include "seccomp_json.h"

/* The generated filter admits exactly one architecture: it must be the one this binary runs as, or
 * every system call of the command would hit the bad-architecture action. */
#if defined(__x86_64__) && !defined(__ILP32__)
_Static_assert(CB_DEFAULT_FILTER_AUDIT_ARCH == AUDIT_ARCH_X86_64, "default seccomp filter built for another arch");
#elif defined(__aarch64__)
_Static_assert(CB_DEFAULT_FILTER_AUDIT_ARCH == AUDIT_ARCH_AARCH64, "default seccomp filter built for another arch");
#else
#error "claudebox's default seccomp filter supports x86-64 and arm64 only"
#endif

/* A JSON profile larger than this is not a seccomp profile. */
#define CB_PROFILE_MAX_BYTES (4U << 20)

struct cb_seccomp {
        struct sock_fprog prog;
        struct sock_filter *owned; /* the compiled JSON profile; NULL for the built-in default */
        char *what;                /* "default" or the profile's path */
};

static int
read_profile(const char *path, char **ret, struct cb_error **err)
{
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return cb_error_set(err, errno, "seccomp profile %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cb_error_set(err, errno, "seccomp profile %s", path);
        if (!S_ISREG(st.st_mode))
                return cb_error_input(err, "seccomp profile %s: not a regular file", path);
        if ((uint64_t)st.st_size > CB_PROFILE_MAX_BYTES)
                return cb_error_input(err, "seccomp profile %s: larger than %u bytes", path, CB_PROFILE_MAX_BYTES);
        size_t size = (size_t)st.st_size;
        cleanup_free char *buf = malloc(size + 1);
        if (buf == NULL)
                return cb_error_set(err, ENOMEM, "seccomp profile %s", path);
        size_t done = 0;
        while (done < size) {
                ssize_t n = read(fd, buf + done, size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cb_error_set(err, errno, "seccomp profile %s", path);
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        buf[done] = '\0';
        if (strlen(buf) != done)
                return cb_error_input(err, "seccomp profile %s: contains a NUL byte", path);
        *ret = TAKE_PTR(buf);
        return 0;
}

static int
compile_profile(const struct cb_config *cfg, struct cb_seccomp *sc, struct cb_error **err)
{
        cleanup_free char *text = NULL;
        int r = read_profile(cfg->seccomp_file, &text, err);
        if (r < 0)
                return r;
        struct utsname uts;
        if (uname(&uts) < 0)
                return cb_error_set(err, errno, "uname");
        struct cb_seccomp_env env = {.cap_bounding = cfg->cap_bounding, .kernel_release = uts.release};
        cleanup_seccomp scmp_filter_ctx ctx = NULL;
        cleanup_strv char **warnings = NULL;
        r = cb_seccomp_profile_build(cfg->seccomp_file, text, &env, &ctx, &warnings, err);
        /* Warnings are about what the user asked for: always shown, also with --quiet. */
        for (size_t i = 0; warnings != NULL && warnings[i] != NULL; i++)
                fprintf(stderr, "claudebox: warning: %s\n", warnings[i]);
        if (r < 0)
                return r;
        size_t len;
        if ((r = cb_seccomp_export(ctx, &sc->owned, &len, err)) < 0)
                return cb_error_wrap(err, "seccomp profile %s", cfg->seccomp_file);
        if (len > CB_BPF_MAXINSNS)
                return cb_error_input(err,
                                      "seccomp profile %s: compiles to %zu BPF instructions, more than the "
                                      "kernel's limit of %d",
                                      cfg->seccomp_file, len, CB_BPF_MAXINSNS);
        sc->prog.len = (unsigned short)len;
        sc->prog.filter = sc->owned;
        return 0;
}

/* Fail closed before anything is cloned: a kernel that cannot filter (or lacks the kill-process action
 * the filters use) gets a clear refusal instead of a sandbox that dies at exec. */
static int
check_kernel(struct cb_error **err)
{
        uint32_t action = SECCOMP_RET_KILL_PROCESS;
        if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
                return 0;
        int e = errno;
        return cb_error_set(err, e,
                            "seccomp layer: the kernel cannot install seccomp filters with the kill-process "
                            "action (CONFIG_SECCOMP_FILTER, Linux >= 4.14); pass --seccomp unconfined to run "
                            "without a filter");
}

int
cb_seccomp_prepare(const struct cb_config *cfg, struct cb_seccomp **ret, struct cb_error **err)
{
        *ret = NULL;
        if (cfg->seccomp == CB_SECCOMP_UNCONFINED)
                return 0;
        int r = check_kernel(err);
        if (r < 0)
                return r;
        struct cb_seccomp *sc = calloc(1, sizeof(*sc));
        if (sc == NULL)
                return cb_error_set(err, ENOMEM, "seccomp layer");
        if (cfg->seccomp == CB_SECCOMP_FILE) {
                r = compile_profile(cfg, sc, err);
                sc->what = strdup(cfg->seccomp_file);
        } else {
                /* The kernel never writes through sock_fprog.filter; the cast only drops const. */
                sc->prog.len = (unsigned short)CB_ARRAY_SIZE(cb_default_filter);
                sc->prog.filter = (struct sock_filter *)(uintptr_t)cb_default_filter;
                sc->what = strdup("default");
        }
        if (r == 0 && sc->what == NULL)
                r = cb_error_set(err, ENOMEM, "seccomp layer");
        if (r < 0) {
                cb_seccomp_free(sc);
                return r;
        }
        *ret = sc;
        return 0;
}

int
cb_seccomp_apply(const struct cb_seccomp *sc, struct cb_error **err)
{
        if (sc == NULL)
                return 0;
        /* The caps layer has set no_new_privs, which lets an unprivileged task install a filter and makes
         * sure no setuid binary can run under it with more power. Flags 0: no TSYNC (single-threaded),
         * and the kernel's speculative-execution mitigations for filtered tasks stay on. The filter is
         * inherited by every child and survives execve; nothing can remove it. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &sc->prog) < 0)
                return cb_error_set(err, errno, "seccomp: install the %s filter", sc->what);
        return 0;
}

void
cb_seccomp_free(struct cb_seccomp *sc)
{
        if (sc == NULL)
                return;
        free(sc->owned);
        free(sc->what);
        free(sc);
}

const char *
cb_seccomp_describe(const struct cb_seccomp *sc)
{
        return sc == NULL ? "unconfined" : sc->what;
}
