/* claudebox — isolated networking without root: pasta (preferred) or slirp4netns, started by the
 * launcher against the sandbox's netns. Both carry the sandbox's traffic through ordinary sockets of
 * the invoking user in the host's netns, so the sandbox gets no more reach than the user has, and
 * our nft policy inside refuses the host's own addresses and the private ranges before pasta or
 * slirp4netns ever sees a packet.
 *
 * Options that matter for isolation: no mapping of the gateway to the host's loopback (pasta
 * --no-map-gw, slirp4netns --disable-host-loopback) and no port forwarding from the host into the
 * sandbox (pasta -t/-u/-T/-U none; slirp4netns forwards nothing unless asked over its API socket,
 * which we do not open). IPv4 only (IPv6 is refused inside). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

#define PASTA_DNS 0xa9fe0101u /* 169.254.1.1: pasta --dns-forward maps it to the host's resolver */
#define SLIRP_DNS 0x0a000203u /* 10.0.2.3: slirp4netns's built-in DNS forwarder */
#define READY_TIMEOUT_MS 5000

static const char *
find_helper(const char *name)
{
        /* Fixed system locations, not $PATH: the helper runs with the user's full network access. */
        static const char *const dirs[] = {"/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/sbin"};
        static char path[64];
        for (size_t i = 0; i < CB_ARRAY_SIZE(dirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
                if (access(path, X_OK) == 0)
                        return path;
        }
        return NULL;
}

int
cb_net_rootless_prepare(struct cb_net *net, struct cb_error **err)
{
        const char *p = find_helper("pasta");
        if (p != NULL) {
                net->backend = CB_NET_BACKEND_PASTA;
                net->resolver = PASTA_DNS;
        } else if ((p = find_helper("slirp4netns")) != NULL) {
                net->backend = CB_NET_BACKEND_SLIRP;
                net->resolver = SLIRP_DNS;
        } else {
                return cb_error_set(err, ENOENT,
                                    "without root it needs pasta or slirp4netns, and neither is installed: "
                                    "install the passt package (apt-get install passt, dnf install passt) or "
                                    "slirp4netns, or pass --network none (no network) or --network host");
        }
        net->helper = strdup(p);
        if (net->helper == NULL)
                return cb_error_set(err, ENOMEM, "network layer");
        return 0;
}

static long
elapsed_ms(const struct timespec *start)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (ts.tv_sec - start->tv_sec) * 1000 + (ts.tv_nsec - start->tv_nsec) / 1000000;
}

/* The helper joins the sandbox's user namespace: wait (bounded) until the child has written its uid
 * map, so the helper never runs in that namespace with unmapped ids. */
static void
wait_for_uid_map(pid_t child)
{
        char path[64], buf[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (elapsed_ms(&start) < READY_TIMEOUT_MS) {
                cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || read(fd, buf, sizeof(buf)) > 0)
                        return;
                usleep(200);
        }
}

/* pasta gives no readiness signal in the foreground: ready is when the sandbox's netns has its default
 * route (pasta --config-net adds it last). Read from /proc/<child>/net/route, bounded. */
static int
wait_for_route(struct cb_net *net, pid_t child, struct cb_error **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/net/route", (int)child);
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                cleanup_fclose FILE *f = fopen(path, "re");
                char line[256];
                while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                        char ifn[IFNAMSIZ + 1];
                        unsigned dst;
                        if (sscanf(line, "%16s %x", ifn, &dst) == 2 && dst == 0)
                                return 0;
                }
                int st;
                if (waitpid(net->helper_pid, &st, WNOHANG) == net->helper_pid) {
                        net->helper_pid = -1;
                        return cb_error_set(err, ECHILD, "%s exited (status %d) before the network was up (--verbose shows its "
                                            "output)",
                                            net->helper, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                }
                if (elapsed_ms(&start) > READY_TIMEOUT_MS)
                        return cb_error_set(err, ETIMEDOUT, "%s did not bring the network up", net->helper);
                usleep(200);
        }
}

/* slirp4netns writes to --ready-fd once the tap is configured. */
static int
wait_for_ready_fd(struct cb_net *net, int fd, struct cb_error **err)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char c;
        int n = poll(&p, 1, READY_TIMEOUT_MS);
        if (n == 1 && read(fd, &c, 1) == 1)
                return 0;
        int st = 0;
        if (waitpid(net->helper_pid, &st, WNOHANG) == net->helper_pid) {
                net->helper_pid = -1;
                return cb_error_set(err, ECHILD, "%s exited (status %d) before the network was up", net->helper,
                                    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        return cb_error_set(err, ETIMEDOUT, "%s did not bring the network up", net->helper);
}

int
cb_net_rootless_attach(struct cb_net *net, pid_t child, struct cb_error **err)
{
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int)child);
        int ready[2] = {-1, -1};
        if (net->backend == CB_NET_BACKEND_SLIRP && pipe2(ready, O_CLOEXEC) < 0)
                return cb_error_set(err, errno, "pipe");
        cleanup_close int ready_r = ready[0];
        cleanup_close int ready_w = ready[1];
        pid_t launcher = getpid();
        pid_t h = fork();
        if (h < 0)
                return cb_error_set(err, errno, "fork %s", net->helper);
        if (h == 0) {
                if (ready_w >= 0 && dup2(ready_w, 3) < 0)
                        _exit(127);
                if (cb_net_helper_init(launcher, ready_w >= 0 ? 4 : 3) < 0)
                        _exit(127);
                wait_for_uid_map(child);
                /* A quiet helper: its chatter (syslog fallbacks, races with a sandbox that failed to start)
                 * would land in the user's terminal; with --verbose its stderr is kept for diagnosis. */
                int devnull = open("/dev/null", O_RDWR);
                if (devnull >= 0) {
                        dup2(devnull, 0);
                        dup2(devnull, 1);
                        if (net->verbosity <= 0)
                                dup2(devnull, 2);
                        if (devnull > 4)
                                close(devnull);
                }
                if (net->backend == CB_NET_BACKEND_PASTA) {
                        const char *argv[] = {net->helper, "--foreground", "--quiet", "--config-net",
                                              "--ipv4-only", "--no-map-gw", "-t", "none", "-u", "none", "-T",
                                              "none", "-U", "none", "--dns-forward", "169.254.1.1", pid, NULL};
                        execv(net->helper, (char **)argv);
                } else {
                        const char *argv[] = {net->helper, "--configure", "--mtu=65520", "--disable-host-loopback",
                                              "--enable-seccomp", "--ready-fd=3", pid, "tap0", NULL};
                        execv(net->helper, (char **)argv);
                }
                _exit(127);
        }
        net->helper_pid = h;
        int r = net->backend == CB_NET_BACKEND_PASTA ? wait_for_route(net, child, err)
                                                     : (close(TAKE_FD(ready_w)), wait_for_ready_fd(net, ready_r, err));
        if (r < 0)
                return r;
        if (net->verbosity > 0)
                fprintf(stderr, "claudebox: network: %s (pid %d) for the sandbox, DNS %u.%u.%u.%u\n", net->helper,
                        (int)h, net->resolver >> 24, (net->resolver >> 16) & 0xff, (net->resolver >> 8) & 0xff,
                        net->resolver & 0xff);
        return 0;
}

void
cb_net_rootless_teardown(struct cb_net *net)
{
        cb_net_helper_stop(&net->helper_pid);
        free((char *)net->helper);
        net->helper = NULL;
}
