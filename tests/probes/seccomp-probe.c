/* seccomp-probe — calls system calls the default seccomp profile closes (and some it keeps open) with
 * harmless arguments, inside the sandbox, for tests/integration/test_seccomp.sh (static binary).
 *
 *   seccomp-probe calls            one line per call: "NAME ok", "NAME ERRNO-NAME" or, for calls made in a
 *                                  child that was killed, "NAME SIGNAME"
 *   seccomp-probe loop CALL N      N calls of getpid or personality(0xffffffff); prints "CALL NS-PER-CALL"
 *
 * The arguments are chosen so that without a filter each call fails with its own ordinary error (EFAULT,
 * EBADF, EINVAL...) before any capability check where possible: the filter, not the arguments, is what
 * answers EPERM. Nothing here changes the host even when unconfined and holding every capability. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static void
report(const char *name, long r, int err)
{
        if (r >= 0)
                printf("%s ok\n", name);
        else
                printf("%s %s\n", name, strerrorname_np(err) ? strerrorname_np(err) : "E?");
        fflush(stdout);
}

#define CALL(name, expr)                                                                                    \
        do {                                                                                                \
                errno = 0;                                                                                  \
                long _r = (long)(expr);                                                                     \
                report(name, _r, errno);                                                                    \
        } while (0)

/* Runs fn in a child: a call the filter answers by killing the process must not take the probe along. */
static void
in_child(const char *name, long (*fn)(void))
{
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
                report(name, -1, errno);
                return;
        }
        if (pid == 0) {
                struct rlimit no_core = {0, 0};
                setrlimit(RLIMIT_CORE, &no_core); /* a SIGSYS kill would otherwise dump core in the project */
                errno = 0;
                long r = fn();
                if (r < 0 && r > -4096) /* raw syscall return: -errno */
                        report(name, -1, (int)-r);
                else
                        report(name, r, 0);
                _exit(0);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (WIFSIGNALED(st))
                printf("%s SIG%s\n", name, sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
        fflush(stdout);
}

#if defined(__x86_64__)
/* getpid through the i386 entry point (int 0x80, i386 number 20). */
static long
int80_getpid(void)
{
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
        return ret;
}
/* getpid through the x32 ABI: the 64-bit `syscall` instruction with bit 30 set in the number. */
static long
x32_getpid(void)
{
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "a"(39L | 0x40000000L) : "rcx", "r11", "memory");
        return ret;
}
#endif

static long
do_fork(void)
{
        pid_t p = fork();
        if (p == 0)
                _exit(0);
        if (p > 0)
                waitpid(p, NULL, 0);
        return p < 0 ? -errno : 0;
}

static long
do_clone_plain(void)
{
        /* A fork spelled as clone(2): no namespace flag, so the filter must let it through. */
        long p = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, NULL, NULL, 0UL);
        if (p == 0)
                _exit(0);
        if (p > 0)
                waitpid((pid_t)p, NULL, 0);
        return p < 0 ? -errno : 0;
}

static void *
thread_fn(void *arg)
{
        return arg;
}

static long
do_thread(void)
{
        pthread_t t;
        int r = pthread_create(&t, NULL, thread_fn, NULL);
        if (r != 0)
                return -r;
        pthread_join(t, NULL);
        return 0;
}

static long
do_socket(unsigned long family)
{
        long fd = syscall(SYS_socket, family, (unsigned long)SOCK_STREAM, 0UL);
        if (fd >= 0)
                close((int)fd);
        return fd;
}

static void
calls(void)
{
        char c = 0;
        const unsigned long hi = 0xdead000000000000UL; /* garbage the kernel drops from 32-bit arguments */

        /* Terminal injection (CVE-2017-5226 class, CVE-2019-10063 for the high bits). */
        CALL("ioctl_tiocsti", syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI, &c));
        CALL("ioctl_tiocsti_hibits", syscall(SYS_ioctl, -1, hi | TIOCSTI, &c));
        CALL("ioctl_tioclinux", syscall(SYS_ioctl, -1, (unsigned long)TIOCLINUX, &c));

        CALL("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
        CALL("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
        CALL("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
        CALL("userfaultfd", syscall(SYS_userfaultfd, UFFD_USER_MODE_ONLY | 0x4000));
        CALL("bpf", syscall(SYS_bpf, -1, NULL, 0));
        CALL("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        CALL("keyctl", syscall(SYS_keyctl, -1, 0, 0, 0, 0));
        CALL("add_key", syscall(SYS_add_key, NULL, NULL, NULL, 0, 0));
        CALL("request_key", syscall(SYS_request_key, NULL, NULL, NULL, 0));
        CALL("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL));
        CALL("finit_module", syscall(SYS_finit_module, -1, "", 0));
        CALL("delete_module", syscall(SYS_delete_module, NULL, 0));
        CALL("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));

        CALL("mount", syscall(SYS_mount, NULL, NULL, NULL, 0, NULL));
        CALL("umount2", syscall(SYS_umount2, "/", 0x80000000UL));
        CALL("pivot_root", syscall(SYS_pivot_root, NULL, NULL));
        CALL("fsopen", syscall(SYS_fsopen, NULL, 0));
        CALL("fsconfig", syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0));
        CALL("fsmount", syscall(SYS_fsmount, -1, 0, 0));
        CALL("fspick", syscall(SYS_fspick, -1, NULL, 0));
        CALL("open_tree", syscall(SYS_open_tree, -1, NULL, 0xffffffffUL));
        CALL("move_mount", syscall(SYS_move_mount, -1, NULL, -1, NULL, 0xffffffffUL));
        CALL("mount_setattr", syscall(SYS_mount_setattr, -1, NULL, 0xffffffffUL, NULL, 0));

        /* Namespaces: invalid flag combinations, refused by the kernel before anything is created. */
        CALL("unshare", syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWTIME | 0x1UL));
        CALL("setns", syscall(SYS_setns, -1, 0));
        static const struct {
                const char *name;
                unsigned long flag;
        } ns[] = {{"clone_newns", CLONE_NEWNS},   {"clone_newcgroup", CLONE_NEWCGROUP},
                  {"clone_newuts", CLONE_NEWUTS}, {"clone_newipc", CLONE_NEWIPC},
                  {"clone_newuser", CLONE_NEWUSER}, {"clone_newpid", CLONE_NEWPID},
                  {"clone_newnet", CLONE_NEWNET}};
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
                /* CLONE_THREAD without CLONE_SIGHAND: EINVAL from copy_process() before any work. */
                CALL(ns[i].name, syscall(SYS_clone, ns[i].flag | CLONE_THREAD, 0UL, NULL, NULL, 0UL));
        CALL("clone3", syscall(SYS_clone3, NULL, 0));

        CALL("syslog", syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0));
        CALL("acct", syscall(SYS_acct, NULL));
        CALL("swapon", syscall(SYS_swapon, NULL, 0xffffffffUL));
        CALL("swapoff", syscall(SYS_swapoff, NULL));
        CALL("reboot", syscall(SYS_reboot, 0, 0, 0, NULL)); /* bad magic: EINVAL at most */
        CALL("settimeofday", syscall(SYS_settimeofday, (void *)1, NULL));
        CALL("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, NULL));
        long old = syscall(SYS_personality, 0xffffffffUL);
        CALL("personality_bsd", syscall(SYS_personality, 0x0006UL /* PER_BSD */));
        syscall(SYS_personality, (unsigned long)old);
        CALL("socket_vsock", do_socket(AF_VSOCK));
        CALL("socket_vsock_hibits", do_socket(hi | AF_VSOCK));

#if defined(__x86_64__)
        in_child("x32_getpid", x32_getpid);
        in_child("int80_getpid", int80_getpid);
#endif

        /* What must keep working under the default profile. */
        in_child("fork", do_fork);
        in_child("clone_plain", do_clone_plain);
        in_child("thread", do_thread);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct winsize ws;
        CALL("ioctl_tiocgwinsz", syscall(SYS_ioctl, null, (unsigned long)TIOCGWINSZ, &ws));
        CALL("ioctl_tiocgwinsz_hibits", syscall(SYS_ioctl, null, hi | TIOCGWINSZ, &ws));
        close(null);
        CALL("personality_query", syscall(SYS_personality, 0xffffffffUL));
        CALL("socket_unix", do_socket(AF_UNIX));
}

static int
loop(const char *what, long n)
{
        struct timespec a, b;
        long sys = strcmp(what, "getpid") == 0 ? SYS_getpid : SYS_personality;
        unsigned long arg = 0xffffffffUL;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < n; i++)
                syscall(sys, arg);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
        printf("%s %.1f\n", what, ns / (double)n);
        return 0;
}

int
main(int argc, char **argv)
{
        if (argc == 2 && strcmp(argv[1], "calls") == 0) {
                calls();
                return 0;
        }
        if (argc == 4 && strcmp(argv[1], "loop") == 0 &&
            (strcmp(argv[2], "getpid") == 0 || strcmp(argv[2], "personality") == 0))
                return loop(argv[2], atol(argv[3]));
        fprintf(stderr, "usage: seccomp-probe calls | loop getpid|personality N\n");
        return 2;
}
