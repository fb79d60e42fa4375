/* claudebox — the child side of a launch (see sandbox.h).
 *
 * PID 1 of the new pid namespace sets up the namespaces it was cloned into, forks the command (PID 2),
 * and stays as a minimal init: it reaps zombies, forwards signals, and reports the command's wait status
 * to the launcher. If the launcher dies, the control socket hangs up and init exits, which makes the
 * kernel kill every process in the sandbox. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "mounts.h"
#include "proto.h"
#include "pty.h"
#include "userns.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

__attribute__((noreturn)) static void
fail(int ctl, struct cb_error *e, int exit_code)
{
        (void)cb_msg_send(ctl, CB_MSG_ERROR, e ? e->errno_value : EIO, 0, e ? e->message : "sandbox setup failed",
                          -1);
        _exit(exit_code);
}

/* Every fd we inherited (the user's shell may have leaked some) becomes close-on-exec, so the command
 * starts with stdin/stdout/stderr only: no handle to a host directory, socket or terminal survives. */
static int
cloexec_all_from(int first, struct cb_error **err)
{
        if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        /* Kernels before 5.11: walk /proc/self/fd. */
        int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return cb_error_set(err, errno, "list open fds");
        char buf[4096];
        long n;
        while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
                for (long off = 0; off < n;) {
                        struct {
                                unsigned long long ino;
                                long long off;
                                unsigned short reclen;
                                unsigned char type;
                                char name[];
                        } *d = (void *)(buf + off);
                        int fd = atoi(d->name);
                        if (d->name[0] != '.' && fd >= first && fd != dfd)
                                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
                        off += d->reclen;
                }
        close(dfd);
        return 0;
}

static void
reset_signals(void)
{
        for (int s = 1; s < _NSIG; s++)
                signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

/* execve through the sandbox's PATH as a shell does: ENOENT (127) unless some PATH entry holds the name,
 * whose failure (EACCES, ENOEXEC...) then wins (126). execvp would say EACCES when any entry merely
 * cannot be searched. Returns the errno to report. */
static int
exec_command(const struct cb_config *cfg)
{
        const char *name = cfg->argv[0];
        if (cfg->exec_path != NULL || strchr(name, '/') != NULL) {
                execve(cfg->exec_path ? cfg->exec_path : name, cfg->argv, cfg->env);
                return errno;
        }
        const char *path = "/usr/local/bin:/usr/bin:/bin";
        for (char **e = cfg->env; *e != NULL; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        path = *e + 5;
        int found_errno = ENOENT;
        char cand[4096];
        for (const char *p = path; *p != '\0';) {
                const char *end = strchr(p, ':');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (len > 0 && (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, name) < sizeof(cand)) {
                        struct stat st;
                        if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode)) {
                                execve(cand, cfg->argv, cfg->env);
                                if (errno == ENOEXEC) { /* a script without #!: run it with sh, as execvp does */
                                        size_t n = 0;
                                        while (cfg->argv[n] != NULL)
                                                n++;
                                        char **argv2 = calloc(n + 2, sizeof(char *));
                                        if (argv2 != NULL) {
                                                argv2[0] = (char *)"sh";
                                                argv2[1] = cand;
                                                for (size_t i = 1; i <= n; i++)
                                                        argv2[i + 1] = cfg->argv[i];
                                                execve("/bin/sh", argv2, cfg->env);
                                                free(argv2);
                                        }
                                        errno = ENOEXEC;
                                }
                                if (found_errno == ENOENT)
                                        found_errno = errno;
                        }
                }
                if (end == NULL)
                        break;
                p = end + 1;
        }
        return found_errno;
}

/* PID 2: becomes the command. Failures before execve are reported as exec failures (126/127). */
__attribute__((noreturn)) static void
run_command(const struct cb_sandbox_ctx *ctx, int slave)
{
        const struct cb_config *cfg = ctx->cfg;
        struct cb_error *e = NULL;
        /* A new session: the user's terminal (if stdio is one and no pty was made) is not our controlling
         * terminal, so TIOCSTI on it is refused even before seccomp. */
        if (setsid() < 0) {
                cb_error_set(&e, errno, "setsid");
                goto failed;
        }
        if (slave >= 0 && cb_pty_attach_slave(slave, &e) < 0)
                goto failed;
        reset_signals();
        if (chdir(cfg->workdir) < 0) {
                cb_error_set(&e, errno, "enter the project directory %s", cfg->workdir);
                goto failed;
        }
        if (cloexec_all_from(3, &e) < 0)
                goto failed;
        if (cb_caps_apply(cfg->cap_bounding, cfg->user_root, &e) < 0)
                goto failed;
        /* Last, so the filter covers exactly the command and everything it starts. */
        if (cb_seccomp_apply(ctx->seccomp, &e) < 0)
                goto failed;
        int exec_errno = exec_command(cfg);
        (void)cb_msg_send(ctx->ctl, CB_MSG_EXEC_FAILED, exec_errno, 0, cfg->argv[0], -1);
        _exit(exec_errno == ENOENT ? 127 : 126);
failed:
        (void)cb_msg_send(ctx->ctl, CB_MSG_ERROR, e ? e->errno_value : EIO, 0, e ? e->message : "prepare command",
                          -1);
        _exit(125);
}

/* PID 1 after the fork: no privileges, not dumpable, waiting for its child. */
__attribute__((noreturn)) static void
run_init(const struct cb_sandbox_ctx *ctx, pid_t command, int sfd)
{
        struct cb_error *e = NULL;
        /* A dumpable init with capabilities could be ptraced by the command (same uid) and would leak its
         * memory through /proc/1/mem (CVE-2016-9962 class): make it non-dumpable and capability-free. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || cb_caps_drop_all(&e) < 0) {
                kill(command, SIGKILL);
                fail(ctx->ctl, e, 125);
        }
        struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = ctx->ctl, .events = POLLIN}};
        int status = 0;
        for (;;) {
                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(125);
                }
                if (fds[1].revents & (POLLHUP | POLLERR | POLLIN)) {
                        /* The launcher is gone (or broke protocol): take the sandbox down with it. */
                        struct cb_msg m;
                        if (cb_msg_recv(ctx->ctl, &m, NULL) <= 0)
                                _exit(137);
                }
                if (!(fds[0].revents & POLLIN))
                        continue;
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo != SIGCHLD) {
                        kill(command, (int)si.ssi_signo);
                        continue;
                }
                for (;;) {
                        int st;
                        pid_t p = waitpid(-1, &st, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == command) {
                                status = st;
                                (void)cb_msg_send(ctx->ctl, CB_MSG_EXIT, 0, status, NULL, -1);
                                /* Our exit kills whatever the command left behind in the namespace. */
                                _exit(0);
                        }
                }
        }
}

void
cb_sandbox_child(const struct cb_sandbox_ctx *ctx)
{
        const struct cb_config *cfg = ctx->cfg;
        struct cb_error *e = NULL;
        int ctl = ctx->ctl;

        /* Own process group: a Ctrl-C on the user's terminal reaches the launcher only, which forwards it
         * once (not twice). */
        (void)setsid();

        if (cb_userns_map_self(cfg->host_uid, cfg->host_gid, cfg->user_root, &e) < 0) {
                cb_error_wrap(&e, "user namespace");
                fail(ctl, e, 125);
        }
        if (setresgid(cfg->user_root ? 0 : cfg->host_gid, cfg->user_root ? 0 : cfg->host_gid,
                      cfg->user_root ? 0 : cfg->host_gid) < 0 ||
            setresuid(cfg->user_root ? 0 : cfg->host_uid, cfg->user_root ? 0 : cfg->host_uid,
                      cfg->user_root ? 0 : cfg->host_uid) < 0) {
                cb_error_set(&e, errno, "user namespace: switch to the mapped ids");
                fail(ctl, e, 125);
        }
        /* If the launcher is SIGKILLed, so are we (and with PID 1, the whole sandbox). Set after the switch
         * of ids, which may clear it; the race with a launcher that died before this line is closed by init
         * watching the control socket. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                fail(ctl, NULL, 125);
        if (ctx->unshare_cgroupns) {
                if (cb_cgroup_child_join(ctx->cgroup, &e) < 0)
                        fail(ctl, e, 125);
                if (unshare(CLONE_NEWCGROUP) < 0) {
                        cb_error_set(&e, errno, "cgroup namespace");
                        fail(ctl, e, 125);
                }
        }
        if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
                cb_error_set(&e, errno, "set hostname %s", cfg->hostname);
                fail(ctl, e, 125);
        }
        if (cb_net_child_setup(ctx->net, &e) < 0) {
                cb_error_wrap(&e, "network");
                fail(ctl, e, 125);
        }
        struct cb_mount_extras extras = {.resolv_conf = cb_net_resolv_conf(ctx->net),
                                         .own_netns = cb_net_wants_netns(cfg)};
        if (cb_mounts_setup(cfg, &extras, &e) < 0) {
                cb_error_wrap(&e, "filesystem");
                fail(ctl, e, 125);
        }
        if (cb_cgroup_setup_inside(ctx->cgroup, &e) < 0) {
                cb_error_wrap(&e, "cgroup");
                fail(ctl, e, 125);
        }

        int master = -1, slave = -1;
        if (ctx->want_pty) {
                if (cb_pty_open(&master, &slave, &e) < 0) {
                        cb_error_wrap(&e, "terminal");
                        fail(ctl, e, 125);
                }
                if (cb_msg_send(ctl, CB_MSG_PTY, 0, 0, NULL, master) < 0)
                        _exit(125);
                close(master);
        }

        /* The launcher attaches the network while we mount; wait for it before the command runs. */
        struct cb_msg go;
        if (cb_msg_recv(ctl, &go, NULL) <= 0 || go.type != CB_MSG_GO)
                _exit(125);

        /* Signals stay blocked in init (read through a signalfd); the command unblocks them. */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        int sfd = signalfd(-1, &all, SFD_CLOEXEC);
        if (sfd < 0) {
                cb_error_set(&e, errno, "signalfd");
                fail(ctl, e, 125);
        }
        pid_t pid = fork();
        if (pid < 0) {
                cb_error_set(&e, errno, "fork the command");
                fail(ctl, e, 125);
        }
        if (pid == 0) {
                close(sfd);
                run_command(ctx, slave);
        }
        if (slave >= 0)
                close(slave);
        run_init(ctx, pid, sfd);
}
