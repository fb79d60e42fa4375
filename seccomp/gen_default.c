/* claudebox — build-time generator of the default seccomp filter.
 *
 * The `default` profile is defined here, as data: Docker's default allowlist (as Docker 20.10 applies it
 * for a container holding CHOWN, DAC_OVERRIDE, SETGID and SETUID) minus what we close on top of it. This
 * program compiles it with libseccomp (binary-tree optimisation) for one architecture and writes the BPF
 * as a C header, so `claudebox run` loads a finished program and compiles nothing at start-up.
 *
 *   cb-seccomp-gen ARCH OUT.h [OUT.pfc]       ARCH: x86_64 | aarch64 (libseccomp's names)
 *
 * Everything not allowed below fails with EPERM (Docker's default action). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "../runtime/cleanup.h"
#include "export.h"

/* Docker's default allowlist: the syscalls it allows unconditionally. Names that do not exist on the
 * target architecture (chown32, socketcall, arm_fadvise64_64, ...) are skipped when resolved. Removed
 * from Docker's list: io_uring_setup, io_uring_enter, io_uring_register (a large, fast-moving kernel
 * attack surface with a long CVE history; Google disabled it in ChromeOS, Android and production). */
static const char *const allowed[] = {
        "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind",
        "brk", "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
        "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
        "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
        "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit",
        "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
        "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64",
        "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64",
        "futex_waitv", "futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents",
        "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
        "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
        "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
        "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
        "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy",
        "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit", "ioprio_get",
        "ioprio_set", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
        "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
        "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "membarrier",
        "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
        "mlockall", "mmap", "mmap2", "modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
        "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
        "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal",
        "pipe", "pipe2", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
        "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev",
        "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
        "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
        "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
        "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity",
        "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid",
        "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
        "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
        "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr",
        "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
        "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
        "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
        "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
        "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
        "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
        "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
        /* arm64/arm spellings Docker allows there (absent on x86-64, skipped). */
        "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls",
};

/* Denied by default action (EPERM) because they are not in the list above; named here so the build
 * fails if someone ever adds one of them to the allowlist, and so the docs have one source. */
static const char *const must_deny[] = {
        /* attack surface without use in a coding sandbox */
        "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "bpf", "perf_event_open",
        /* the kernel keyring is not namespaced */
        "keyctl", "add_key", "request_key",
        /* kernel code and boot */
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
        /* escapes to the host filesystem (shocker) and mount-table changes */
        "open_by_handle_at", "mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
        "open_tree", "move_mount", "mount_setattr",
        /* namespaces: new ones widen the kernel surface reachable as "root", joining one escapes */
        "unshare", "setns",
        /* host-global state */
        "syslog", "acct", "swapon", "swapoff", "settimeofday", "clock_settime",
};

/* Values of personality(2) Docker allows: PER_LINUX, PER_LINUX32 (UNAME26 variants) and the query. */
static const uint64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

/* clone(2) flags that create namespaces. CLONE_NEWTIME (0x80) is not listed: in clone(2) that bit is
 * part of the exit-signal byte (CSIGNAL), so only clone3 and unshare can ask for it, and both are
 * closed. */
#define CB_CLONE_NS_FLAGS                                                                                   \
        (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |       \
         CLONE_NEWNET)

static int
resolve(uint32_t arch, const char *name)
{
        return seccomp_syscall_resolve_name_arch(arch, name);
}

/* Allows syscall `nr` unless the low 32 bits of argument `arg` are one of `deny`. The kernel truncates
 * int-typed arguments (ioctl's request, socket's family) to 32 bits, so a comparison of the full 64-bit
 * register is bypassed by garbage in the high half (CVE-2019-10063: TIOCSTI | 1ULL << 32). libseccomp has
 * no masked "not equal", and a rule with the default action (EPERM) cannot be added, so the complement is
 * spelled out: a binary trie over the 32 bits, one MASKED_EQ rule per subtree free of denied values. */
static int
allow_unless_low32(scmp_filter_ctx ctx, int nr, unsigned arg, const uint32_t *deny, size_t n_deny,
                   uint32_t prefix, unsigned depth, unsigned *rules)
{
        uint32_t mask = depth == 0 ? 0 : (uint32_t)(0xffffffffULL << (32 - depth));
        size_t inside = 0;
        for (size_t i = 0; i < n_deny; i++)
                if ((deny[i] & mask) == prefix)
                        inside++;
        if (inside == 0) {
                struct scmp_arg_cmp cmp = {.arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = mask,
                                           .datum_b = prefix};
                int r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
                (*rules)++;
                return r;
        }
        if (depth == 32)
                return 0; /* exactly a denied value */
        uint32_t bit = 1U << (31 - depth);
        int r = allow_unless_low32(ctx, nr, arg, deny, n_deny, prefix, depth + 1, rules);
        if (r < 0)
                return r;
        return allow_unless_low32(ctx, nr, arg, deny, n_deny, prefix | bit, depth + 1, rules);
}

static int
build(scmp_filter_ctx ctx, uint32_t arch, unsigned *rules)
{
        int r;
        for (size_t i = 0; i < CB_ARRAY_SIZE(allowed); i++) {
                for (size_t j = 0; j < CB_ARRAY_SIZE(must_deny); j++)
                        if (strcmp(allowed[i], must_deny[j]) == 0) {
                                fprintf(stderr, "cb-seccomp-gen: %s is both allowed and denied\n", allowed[i]);
                                return -EINVAL;
                        }
                int nr = resolve(arch, allowed[i]);
                if (nr < 0)
                        continue; /* not a syscall of this architecture */
                if ((r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
                        fprintf(stderr, "cb-seccomp-gen: allow %s: %s\n", allowed[i], strerror(-r));
                        return r;
                }
                (*rules)++;
        }

        for (size_t i = 0; i < CB_ARRAY_SIZE(personalities); i++) {
                r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, resolve(arch, "personality"), 1,
                                           SCMP_A0_64(SCMP_CMP_EQ, personalities[i]));
                if (r < 0)
                        return r;
                (*rules)++;
        }

        /* Threads and plain fork/clone keep working; a clone that would create a namespace does not (on
         * s390x the flags are the second argument). */
        unsigned clone_arg = arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390 ? 1 : 0;
        struct scmp_arg_cmp no_ns = {.arg = clone_arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = CB_CLONE_NS_FLAGS,
                                     .datum_b = 0};
        if ((r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, resolve(arch, "clone"), 1, no_ns)) < 0)
                return r;
        (*rules)++;

        /* clone3 passes its flags in memory, where BPF cannot look: ENOSYS makes glibc (>= 2.34) fall
         * back to clone, whose flags we can check. */
        int clone3 = resolve(arch, "clone3");
        if (clone3 >= 0) {
                if ((r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0)) < 0)
                        return r;
                (*rules)++;
        }

        /* TIOCSTI pushes bytes into a terminal's input queue (the next command the user's shell runs);
         * TIOCLINUX can do the same through the console's selection buffer. */
        static const uint32_t bad_ioctls[] = {TIOCSTI, TIOCLINUX};
        if ((r = allow_unless_low32(ctx, resolve(arch, "ioctl"), 1, bad_ioctls, CB_ARRAY_SIZE(bad_ioctls), 0, 0,
                                    rules)) < 0)
                return r;

        /* vsock talks to the hypervisor (and, in nested setups, to other guests) outside every network
         * namespace: our network layer cannot police it. */
        static const uint32_t bad_families[] = {AF_VSOCK};
        if ((r = allow_unless_low32(ctx, resolve(arch, "socket"), 0, bad_families, CB_ARRAY_SIZE(bad_families),
                                    0, 0, rules)) < 0)
                return r;
        return 0;
}

int
main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: cb-seccomp-gen ARCH OUT.h [OUT.pfc]\n");
                return 2;
        }
        uint32_t arch = seccomp_arch_resolve_name(argv[1]);
        if (arch == 0) {
                fprintf(stderr, "cb-seccomp-gen: unknown architecture %s\n", argv[1]);
                return 2;
        }
        scmp_filter_ctx ctx cleanup_seccomp = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (ctx == NULL)
                return 1;
        /* One architecture only: a foreign entry point (i386 int 0x80 on x86-64, aarch32 on arm64) matches
         * no rule and kills the process. libseccomp also sends x32 system calls (nr | 0x40000000, same
         * AUDIT_ARCH as x86-64) to this bad-arch action when x32 is not one of the filter's arches. */
        if (arch != seccomp_arch_native()) {
                if (seccomp_arch_add(ctx, arch) < 0 || seccomp_arch_remove(ctx, seccomp_arch_native()) < 0) {
                        fprintf(stderr, "cb-seccomp-gen: cannot target %s\n", argv[1]);
                        return 1;
                }
        }
        if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
            seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
                fprintf(stderr, "cb-seccomp-gen: libseccomp >= 2.5 required\n");
                return 1;
        }
        unsigned rules = 0;
        int r = build(ctx, arch, &rules);
        if (r < 0) {
                fprintf(stderr, "cb-seccomp-gen: build the filter: %s\n", strerror(-r));
                return 1;
        }

        struct cb_error *e = NULL;
        cleanup_free struct sock_filter *prog = NULL;
        size_t len = 0;
        if (cb_seccomp_export(ctx, &prog, &len, &e) < 0) {
                fprintf(stderr, "cb-seccomp-gen: %s\n", e->message);
                return 1;
        }
        if (len > CB_BPF_MAXINSNS) {
                fprintf(stderr, "cb-seccomp-gen: filter too long (%zu instructions)\n", len);
                return 1;
        }

        cleanup_fclose FILE *out = fopen(argv[2], "we");
        if (out == NULL) {
                perror(argv[2]);
                return 1;
        }
        fprintf(out,
                "/* Generated at build time by seccomp/gen_default.c (libseccomp %u.%u.%u) - do not edit.\n"
                " * The `default` seccomp profile for %s: %u rules, %zu BPF instructions. */\n"
                "#pragma once\n#include <linux/filter.h>\n\n"
                "#define CB_DEFAULT_FILTER_ARCH \"%s\"\n"
                "/* libseccomp's SCMP_ARCH_* token is the kernel's AUDIT_ARCH_* value. */\n"
                "#define CB_DEFAULT_FILTER_AUDIT_ARCH 0x%08xU\n\n"
                "static const struct sock_filter cb_default_filter[%zu] = {\n",
                seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro, argv[1], rules, len,
                argv[1], arch, len);
        for (size_t i = 0; i < len; i++)
                fprintf(out, "        {0x%04x, %u, %u, 0x%08x},\n", prog[i].code, prog[i].jt, prog[i].jf,
                        prog[i].k);
        fprintf(out, "};\n");
        if (fflush(out) != 0 || ferror(out)) {
                perror(argv[2]);
                return 1;
        }

        if (argc >= 4) {
                /* Human-readable pseudo-code of the same filter, for review (not used by the build). */
                cleanup_fclose FILE *pfc = fopen(argv[3], "we");
                if (pfc == NULL || seccomp_export_pfc(ctx, fileno(pfc)) < 0) {
                        perror(argv[3]);
                        return 1;
                }
        }
        return 0;
}
