/* claudebox — the launcher side of `claudebox run` (see launch.h). */
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "proto.h"
#include "pty.h"
#include "sandbox.h"
#include "state.h"
#include "userns.h"

static pid_t
sys_clone3(struct clone_args *args)
{
        return (pid_t)syscall(SYS_clone3, args, sizeof(*args));
}

static void
seccomp_freep(struct cb_seccomp **p)
{
        cb_seccomp_free(*p);
}
static void
cgroup_destroyp(struct cb_cgroup **p)
{
        cb_cgroup_destroy(*p);
}
static void
net_teardownp(struct cb_net **p)
{
        cb_net_teardown(*p);
}

/* Clones the sandbox's PID 1. Raw clone3 (fork semantics, the launcher is single-threaded) so that on
 * cgroup v2 the child is born inside its cgroup (CLONE_INTO_CGROUP): it never runs a cycle outside it. */
static pid_t
clone_sandbox(const struct cb_config *cfg, const struct cb_cgroup *cg, bool *unshare_cgroupns,
              struct cb_error **err)
{
        uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
        if (cb_net_wants_netns(cfg))
                flags |= CLONE_NEWNET;
        *unshare_cgroupns = cb_cgroup_needs_child_join(cg);
        if (!*unshare_cgroupns)
                flags |= CLONE_NEWCGROUP;
        struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};
        int cgfd = cb_cgroup_clone_fd(cg);
        if (cgfd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgfd;
        }
        pid_t pid = sys_clone3(&args);
        if (pid < 0 && errno == ENOSYS && cgfd < 0)
                pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
        if (pid < 0) {
                int e = errno;
                if (e == EPERM || e == ENOSPC || e == EUSERS || e == EINVAL)
                        return cb_error_set(err, e, "create the sandbox's namespaces: %s",
                                            cb_userns_unavailable_hint());
                return cb_error_set(err, e, "create the sandbox's namespaces");
        }
        return pid;
}

static int
exit_code_of(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 125;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, SIGCONT};

/* What the sandbox reported over the control socket. */
struct report {
        struct cb_error *child_err; /* its set-up failed */
        int exec_errno;             /* the command could not be executed */
        int status;                 /* the command's wait status, -1 until reported */
        char exec_what[sizeof(((struct cb_msg *)0)->text)];
};

static void
note_msg(struct report *rep, const struct cb_msg *m)
{
        if (m->type == CB_MSG_ERROR && rep->child_err == NULL) {
                cb_error_set(&rep->child_err, m->errno_value, "%s", m->text);
        } else if (m->type == CB_MSG_EXEC_FAILED) {
                rep->exec_errno = m->errno_value;
                snprintf(rep->exec_what, sizeof(rep->exec_what), "%s", m->text);
        } else if (m->type == CB_MSG_EXIT) {
                rep->status = m->status;
        }
}

/* The last teardown step (declared first in cb_launch, so its cleanup runs last): reap what is left of
 * our descendants. As the subreaper we get back the children of a helper we killed (the DNS forwarder's
 * relays, which die with it); left to PID 1 they could stay zombies on a host whose init does not reap.
 * Bounded: at most 2 s without progress. */
static void
reap_descendants(int *unused)
{
        (void)unused;
        for (int idle = 0, reaped = 0; idle < 2000 && reaped < 10000;) {
                pid_t p = waitpid(-1, NULL, WNOHANG);
                if (p > 0) {
                        reaped++;
                        continue;
                }
                if (p < 0 && errno != EINTR)
                        return; /* ECHILD: nothing left */
                usleep(1000);
                idle++;
        }
}

int
cb_launch(const struct cb_config *cfg, struct cb_state *state, int *exit_code, struct cb_error **err)
{
        __attribute__((cleanup(reap_descendants))) int reaper = 0;
        (void)reaper;
        /* Orphans of our helpers come back to us, not to PID 1 (see reap_descendants). */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        __attribute__((cleanup(seccomp_freep))) struct cb_seccomp *sc = NULL;
        __attribute__((cleanup(cgroup_destroyp))) struct cb_cgroup *cg = NULL;
        __attribute__((cleanup(net_teardownp))) struct cb_net *net = NULL;
        int r;

        /* Signals arrive through a signalfd from here on: a Ctrl-C during set-up is forwarded (or simply
         * ends the run) instead of killing the launcher between creating host-side state (veths, nft rules,
         * cgroups) and removing it, or between changing the user's terminal and restoring it. */
        sigset_t mask, oldmask;
        sigemptyset(&mask);
        for (size_t i = 0; i < CB_ARRAY_SIZE(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        sigaddset(&mask, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &mask, &oldmask) < 0)
                return cb_error_set(err, errno, "block signals");
        sigdelset(&mask, SIGPIPE);
        cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return cb_error_set(err, errno, "signalfd");

        if ((r = cb_seccomp_prepare(cfg, &sc, err)) < 0 || (r = cb_cgroup_prepare(cfg, &cg, err)) < 0 ||
            (r = cb_net_prepare(cfg, &net, err)) < 0)
                return r;

        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return cb_error_set(err, errno, "control socket");
        cleanup_close int ctl = pair[0];
        cleanup_close int child_ctl = pair[1];

        bool unshare_cgroupns = false;
        struct cb_sandbox_ctx ctx = {.cfg = cfg, .seccomp = sc, .cgroup = cg, .net = net, .ctl = child_ctl,
                                     .want_pty = cfg->stdin_is_tty};
        pid_t child = clone_sandbox(cfg, cg, &unshare_cgroupns, err);
        if (child < 0) {
                sigprocmask(SIG_SETMASK, &oldmask, NULL);
                return child;
        }
        if (child == 0) {
                close(ctl);
                ctx.unshare_cgroupns = unshare_cgroupns;
                cb_sandbox_child(&ctx);
        }
        close(TAKE_FD(child_ctl));
        /* state.json is for ps/inspect: a failure to write it does not stop the sandbox. */
        if (state != NULL) {
                struct cb_error *serr = NULL;
                struct cb_applied applied = {.seccomp = cb_seccomp_describe(sc),
                                             .cgroup = cb_cgroup_describe(cg),
                                             .network = cb_net_describe(net)};
                if (cb_state_write(state, cfg, &applied, child, &serr) < 0 && cfg->verbosity > 0)
                        fprintf(stderr, "claudebox: warning: %s\n", serr->message);
                cb_error_free(serr);
        }

        struct cb_pty_relay relay = {.master = -1};
        struct report rep = {.status = -1};
        int init_status = 0;
        bool child_reaped = false, failed = false;
        /* A host-side failure may only be the echo of the child's (pasta cannot attach to the namespace of a
         * child that already failed to mount): the child's own report, if any, wins below. */
        struct cb_error *host_err = NULL;

        if ((r = cb_net_attach(net, child, &host_err)) < 0) {
                kill(child, SIGKILL);
                failed = true;
        } else if ((r = cb_msg_send(ctl, CB_MSG_GO, 0, 0, NULL, -1)) < 0 && r != -EPIPE) {
                cb_error_set(&host_err, -r, "start the sandbox");
                kill(child, SIGKILL);
                failed = true;
        }

        bool ctl_open = true;
        while (!child_reaped || (relay.master >= 0 && relay.out_open)) {
                struct pollfd fds[4] = {{.fd = sfd, .events = POLLIN},
                                        {.fd = ctl_open ? ctl : -1, .events = POLLIN},
                                        {.fd = -1, .events = cb_pty_relay_master_events(&relay)},
                                        {.fd = cb_pty_relay_wants_input(&relay) ? relay.in_fd : -1,
                                         .events = POLLIN}};
                /* The master is non-blocking and polled for room while input waits: nothing the sandbox
                 * does can stall the loop outside this poll, so signals and its exit are seen (see pty.h). */
                if (fds[2].events != 0)
                        fds[2].fd = relay.master;
                if (poll(fds, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[2].revents & POLLOUT)
                        cb_pty_relay_flush(&relay);
                if (fds[2].revents & ~POLLOUT)
                        (void)cb_pty_relay_pump(&relay, relay.master);
                if (fds[3].revents)
                        (void)cb_pty_relay_pump(&relay, relay.in_fd);
                if (fds[1].revents) {
                        struct cb_msg m;
                        int fd = -1;
                        int got = cb_msg_recv(ctl, &m, &fd);
                        if (got <= 0) {
                                ctl_open = false;
                        } else if (m.type == CB_MSG_PTY && fd >= 0 && relay.master < 0) {
                                struct cb_error *perr = NULL;
                                if (cb_pty_relay_start(&relay, fd, &perr) < 0) {
                                        cb_error_free(rep.child_err);
                                        rep.child_err = perr;
                                        kill(child, SIGKILL);
                                }
                                fd = -1;
                        } else {
                                note_msg(&rep, &m);
                        }
                        if (fd >= 0)
                                close(fd);
                }
                if (fds[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD) {
                                        int st;
                                        if (!child_reaped && waitpid(child, &st, WNOHANG) == child) {
                                                child_reaped = true;
                                                init_status = st;
                                        }
                                } else if (si.ssi_signo == SIGWINCH && relay.master >= 0) {
                                        cb_pty_relay_resize(&relay);
                                } else if (!child_reaped) {
                                        kill(child, (int)si.ssi_signo);
                                }
                        }
                }
                if (!child_reaped) {
                        int st;
                        if (waitpid(child, &st, WNOHANG) == child) {
                                child_reaped = true;
                                init_status = st;
                        }
                }
                /* The sandbox is gone: its unsent input has no reader; keep draining its output to EIO. */
                if (child_reaped)
                        cb_pty_relay_sandbox_gone(&relay);
        }
        /* Drain what the control socket still holds (the exit status races the SIGCHLD). */
        for (struct cb_msg m; ctl_open && cb_msg_recv(ctl, &m, NULL) > 0;) {
                note_msg(&rep, &m);
                struct pollfd p = {.fd = ctl, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0)
                        break;
        }
        if (relay.master >= 0) {
                cb_pty_relay_stop(&relay);
                close(relay.master);
        }
        sigprocmask(SIG_SETMASK, &oldmask, NULL);

        if (rep.child_err != NULL) {
                cb_error_free(host_err);
                if (err != NULL && *err == NULL)
                        *err = rep.child_err;
                else
                        cb_error_free(rep.child_err);
                return -EIO;
        }
        if (failed) {
                if (err != NULL && *err == NULL)
                        *err = host_err;
                else
                        cb_error_free(host_err);
                return r;
        }
        if (rep.exec_errno != 0) {
                *exit_code = rep.exec_errno == ENOENT ? 127 : 126;
                if (rep.exec_errno == ENOENT)
                        fprintf(stderr, "claudebox: %s: command not found in the sandbox%s\n", rep.exec_what,
                                cfg->default_command ? " (install Claude Code with `npm install -g "
                                                       "@anthropic-ai/claude-code`, or give a COMMAND)"
                                                     : "");
                else
                        fprintf(stderr, "claudebox: %s: cannot execute: %s\n", rep.exec_what, strerror(rep.exec_errno));
                return 0;
        }
        /* The OOM killer may pick init itself (PID 1): the command's status is then never reported, but
         * the sandbox did die of its memory limit. */
        if (rep.status < 0 && WIFSIGNALED(init_status) && WTERMSIG(init_status) == SIGKILL && cb_cgroup_oom_killed(cg))
                rep.status = init_status;
        if (rep.status < 0)
                return cb_error_set(err, EIO, "the sandbox ended without reporting the command's status");
        *exit_code = exit_code_of(rep.status);
        if (WIFSIGNALED(rep.status) && WTERMSIG(rep.status) == SIGKILL && cb_cgroup_oom_killed(cg)) {
                char size[32];
                uint64_t m = cfg->memory;
                if (m % (1ULL << 30) == 0)
                        snprintf(size, sizeof(size), "%llug", (unsigned long long)(m >> 30));
                else if (m % (1ULL << 20) == 0)
                        snprintf(size, sizeof(size), "%llum", (unsigned long long)(m >> 20));
                else
                        snprintf(size, sizeof(size), "%llu bytes", (unsigned long long)m);
                fprintf(stderr, "claudebox: out of memory: limit %s (raise it with --memory)\n", size);
        }
        return 0;
}
