/* claudebox — the root-mode DNS forwarder: a forked helper in the host's netns that answers on the
 * sandbox's gateway address (port 53, UDP and TCP) by asking the host's own resolver.
 *
 * Why not hand the sandbox the host's resolver: it is often on the host's loopback (systemd-resolved's
 * 127.0.0.53), which a sandbox cannot and must not reach (reaching it would need route_localnet, which
 * opens every loopback service to the sandbox), or on a private address the policy refuses. Forwarding
 * keeps the sandbox's only way to the host one port on one address, carrying DNS only through a
 * process that holds no privilege the sandbox could use. */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

#define MAX_PENDING 64
#define UDP_TIMEOUT_S 5
#define TCP_IDLE_MS 10000

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

/* One TCP connection (in its own process): relay both ways until either side closes or it idles. */
__attribute__((noreturn)) static void
tcp_relay(int client, const struct sockaddr_storage *up, socklen_t up_len)
{
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
                        if (got <= 0)
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
                        ;
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
                        if (c >= 0) {
                                pid_t pid = fork();
                                if (pid == 0) {
                                        if (dup2(c, 3) < 0 || cb_net_helper_init(self, 4) < 0)
                                                _exit(1);
                                        tcp_relay(3, up, up_len);
                                }
                                close(c);
                        }
                }
        }
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
        pid_t launcher = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return cb_error_set(err, errno, "DNS forwarder: fork");
        if (pid == 0) {
                int u = fcntl(udp, F_DUPFD_CLOEXEC, 100), t = fcntl(tcp, F_DUPFD_CLOEXEC, 100);
                if (u < 0 || t < 0 || dup2(u, 3) < 0 || dup2(t, 4) < 0 || cb_net_helper_init(launcher, 5) < 0)
                        _exit(1);
                serve(3, 4, upstream, upstream_len);
        }
        *ret = pid;
        return 0;
}
