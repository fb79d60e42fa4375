/* claudebox — the root-mode DNS forwarder: a forked helper in the host's netns that answers on the
 * sandbox's gateway address (port 53, UDP and TCP) by asking the host's own resolver.
 *
 * Why not hand the sandbox the host's resolver: it is often on the host's loopback (systemd-resolved's
 * 127.0.0.53), which a sandbox cannot and must not reach (reaching it would need route_localnet, which
 * opens every loopback service to the sandbox), or on a private address the policy refuses. Forwarding
 * keeps the sandbox's only way to the host one port on one address, carrying DNS only through a
 * process that holds no privilege the sandbox could use.
 *
 * The forwarder is the one host process the sandbox can make do work on demand, so it holds nothing
 * beyond its two bound sockets: right after binding it becomes nobody/nogroup with no capabilities,
 * no_new_privs and not dumpable, and it fails closed (the launcher refuses to start) if it cannot. Each
 * TCP connection gets its own relay process; those are capped in number, lifetime and bytes, because
 * they live outside the sandbox's cgroup and its pids limit cannot count them. */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

#define MAX_PENDING 64
#define UDP_TIMEOUT_S 5
#define TCP_IDLE_MS 10000
/* TCP relays alive (or not yet reaped) at once; more connections are accepted and closed at once. */
#define MAX_RELAYS 16
/* Whole life of one relay, connect included: a slow-drip client cannot keep a slot past this. */
#define TCP_LIFETIME_S 30
/* Bytes one relay carries (both ways together): dozens of maximal (64 KiB) DNS messages, no bulk pipe. */
#define TCP_MAX_BYTES (1L << 20)
/* nobody / nogroup: owns nothing, so the forwarder can touch nothing of the host's. */
#define FWD_UID 65534
#define FWD_GID 65534

struct pending {
        int fd;
        struct sockaddr_in client;
        time_t deadline;
};

static time_t
now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

/* One TCP connection (in its own process): relay both ways until either side closes, it idles, its
 * lifetime ends or it has carried TCP_MAX_BYTES. */
__attribute__((noreturn)) static void
tcp_relay(int client, const struct sockaddr_storage *up, socklen_t up_len)
{
        /* SIGALRM's default action ends the relay wherever it blocks: in connect(), or in a write() to a
         * client that never reads (which the idle poll below cannot see). */
        alarm(TCP_LIFETIME_S);
        long total = 0;
        int server = socket(up->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (server < 0 || connect(server, (const struct sockaddr *)up, up_len) < 0)
                _exit(1);
        struct pollfd fds[2] = {{.fd = client, .events = POLLIN}, {.fd = server, .events = POLLIN}};
        char buf[16384];
        for (;;) {
                int n = poll(fds, 2, TCP_IDLE_MS);
                if (n <= 0)
                        _exit(0);
                for (int i = 0; i < 2; i++) {
                        if (!fds[i].revents)
                                continue;
                        ssize_t got = read(fds[i].fd, buf, sizeof(buf));
                        if (got <= 0 || (total += got) > TCP_MAX_BYTES)
                                _exit(0);
                        for (ssize_t off = 0; off < got;) {
                                ssize_t w = write(fds[1 - i].fd, buf + off, (size_t)(got - off));
                                if (w <= 0)
                                        _exit(0);
                                off += w;
                        }
                }
        }
}

__attribute__((noreturn)) static void
serve(int udp, int tcp, const struct sockaddr_storage *up, socklen_t up_len)
{
        struct pending p[MAX_PENDING];
        for (int i = 0; i < MAX_PENDING; i++)
                p[i].fd = -1;
        pid_t self = getpid();
        int relays = 0; /* children forked and not yet reaped: every child is a relay */
        unsigned char buf[65536];
        for (;;) {
                struct pollfd fds[2 + MAX_PENDING];
                int map[MAX_PENDING], n = 2;
                fds[0] = (struct pollfd){.fd = udp, .events = POLLIN};
                fds[1] = (struct pollfd){.fd = tcp, .events = POLLIN};
                for (int i = 0; i < MAX_PENDING; i++)
                        if (p[i].fd >= 0) {
                                map[n - 2] = i;
                                fds[n++] = (struct pollfd){.fd = p[i].fd, .events = POLLIN};
                        }
                int r = poll(fds, (nfds_t)n, 1000);
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        relays--;
                if (r < 0 && errno != EINTR)
                        _exit(1);
                time_t t = now();
                for (int k = 2; r > 0 && k < n; k++) {
                        struct pending *q = &p[map[k - 2]];
                        if (!fds[k].revents)
                                continue;
                        ssize_t got = recv(q->fd, buf, sizeof(buf), 0);
                        if (got > 0)
                                (void)sendto(udp, buf, (size_t)got, 0, (struct sockaddr *)&q->client,
                                             sizeof(q->client));
                        close(q->fd);
                        q->fd = -1;
                }
                for (int i = 0; i < MAX_PENDING; i++)
                        if (p[i].fd >= 0 && p[i].deadline < t) {
                                close(p[i].fd);
                                p[i].fd = -1;
                        }
                if (r > 0 && (fds[0].revents & POLLIN)) {
                        struct sockaddr_in client;
                        socklen_t clen = sizeof(client);
                        ssize_t got = recvfrom(udp, buf, sizeof(buf), 0, (struct sockaddr *)&client, &clen);
                        int slot = -1;
                        for (int i = 0; i < MAX_PENDING && slot < 0; i++)
                                if (p[i].fd < 0)
                                        slot = i;
                        if (got > 0 && slot >= 0) {
                                int fd = socket(up->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                                if (fd >= 0 && connect(fd, (const struct sockaddr *)up, up_len) == 0 &&
                                    send(fd, buf, (size_t)got, 0) == got) {
                                        p[slot] = (struct pending){.fd = fd, .client = client,
                                                                   .deadline = t + UDP_TIMEOUT_S};
                                } else if (fd >= 0) {
                                        close(fd);
                                }
                        }
                }
                if (r > 0 && (fds[1].revents & POLLIN)) {
                        int c = accept4(tcp, NULL, NULL, SOCK_CLOEXEC);
                        /* Over the cap the connection is closed at once rather than left in the backlog:
                         * the client learns now, and a sandbox opening hundreds of connections costs the
                         * host at most MAX_RELAYS processes (they run outside its cgroup). */
                        if (c >= 0 && relays < MAX_RELAYS) {
                                pid_t pid = fork();
                                if (pid == 0) {
                                        if (dup2(c, 3) < 0 || cb_net_helper_init(self, 4) < 0)
                                                _exit(1);
                                        tcp_relay(3, up, up_len);
                                }
                                if (pid > 0)
                                        relays++;
                        }
                        if (c >= 0)
                                close(c);
                }
        }
}

/* Becomes nobody/nogroup with no capability at all. The forwarder needs only its bound sockets and
 * outgoing connections to the resolver (a loopback one included, which takes no privilege); as root with
 * full capabilities, any bug in it reachable from the sandbox would be a root compromise of the host.
 * Returns 0 or an errno value. */
static int
drop_privileges(pid_t launcher)
{
        /* The bounding set first: emptying it needs CAP_SETPCAP, which the uid change below takes away. An
         * empty bounding set means nothing this process or its relays could ever exec regains a capability. */
        for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return errno;
        /* Groups and gids before the uid: they need CAP_SETGID, which leaving uid 0 takes away. Root's
         * supplementary groups (disk, adm, ...) would otherwise stay with the forwarder. */
        if (setgroups(0, NULL) < 0 || setresgid(FWD_GID, FWD_GID, FWD_GID) < 0 ||
            setresuid(FWD_UID, FWD_UID, FWD_UID) < 0)
                return errno;
        /* Leaving uid 0 already emptied the permitted and effective sets (no keep-caps); set them empty
         * explicitly, inheritable and ambient too, rather than rely on it. */
        capng_clear(CAPNG_SELECT_BOTH);
        if (capng_apply(CAPNG_SELECT_CAPS) < 0)
                return EPERM;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return errno;
        /* no_new_privs: no setuid binary or file capability can raise it back. Not dumpable: other
         * processes running as nobody on the host cannot ptrace it or read its memory, fds or environ. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return errno;
        /* The kernel clears the parent-death signal on a uid change: set it again, or the forwarder would
         * outlive a SIGKILLed launcher; getppid() closes the race with a launcher that died meanwhile. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return errno;
        if (getppid() != launcher)
                return ESRCH;
        /* Fail closed on anything that did not take: check the result, not the calls. */
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != FWD_UID || eu != FWD_UID ||
            su != FWD_UID || rg != FWD_GID || eg != FWD_GID || sg != FWD_GID || getgroups(0, NULL) != 0)
                return EPERM;
        if (capng_get_caps_process() < 0 || capng_have_capabilities(CAPNG_SELECT_BOTH) != CAPNG_NONE)
                return EPERM;
        return 0;
}

int
cb_net_dnsfwd_start(uint32_t addr, const struct sockaddr_storage *upstream, socklen_t upstream_len, pid_t *ret,
                    struct cb_error **err)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(addr)};
        /* Bound here, before the sandbox gets its GO: the first query finds the forwarder listening. */
        cleanup_close int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cleanup_close int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (udp < 0 || tcp < 0)
                return cb_error_set(err, errno, "DNS forwarder: socket");
        (void)setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(udp, (struct sockaddr *)&sa, sizeof(sa)) < 0 || bind(tcp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(tcp, 16) < 0)
                return cb_error_set(err, errno, "DNS forwarder: listen on port 53 of the gateway address");
        /* The forwarder reports over this pipe whether it dropped its privileges: the launcher starts the
         * sandbox only with an unprivileged forwarder (fail closed). */
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) < 0)
                return cb_error_set(err, errno, "DNS forwarder: pipe");
        cleanup_close int ready_r = ready[0];
        cleanup_close int ready_w = ready[1];
        pid_t launcher = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return cb_error_set(err, errno, "DNS forwarder: fork");
        if (pid == 0) {
                int u = fcntl(udp, F_DUPFD_CLOEXEC, 100), t = fcntl(tcp, F_DUPFD_CLOEXEC, 100);
                int w = fcntl(ready_w, F_DUPFD_CLOEXEC, 100);
                if (u < 0 || t < 0 || w < 0 || dup2(u, 3) < 0 || dup2(t, 4) < 0 || dup2(w, 5) < 0 ||
                    cb_net_helper_init(launcher, 6) < 0)
                        _exit(1);
                int status = drop_privileges(launcher);
                if (write(5, &status, sizeof(status)) != (ssize_t)sizeof(status) || status != 0)
                        _exit(1);
                close(5);
                serve(3, 4, upstream, upstream_len);
        }
        close(TAKE_FD(ready_w));
        int status = 0;
        ssize_t got;
        while ((got = read(ready_r, &status, sizeof(status))) < 0 && errno == EINTR)
                ;
        if (got != (ssize_t)sizeof(status) || status != 0) {
                cb_net_helper_stop(&pid);
                return cb_error_set(err, got == (ssize_t)sizeof(status) ? status : ECHILD,
                                    "DNS forwarder: drop its privileges (to uid %d, no capabilities)", FWD_UID);
        }
        *ret = pid;
        return 0;
}
