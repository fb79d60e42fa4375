/* claudebox — the network layer's entry points (see netns.h).
 *
 *   none      an own netns with only lo.
 *   host      the host's netns (with a warning under -v: abstract unix sockets are shared).
 *   isolated  an own netns with lo and one interface with a default route out: a veth pair NATed by the
 *             host as root (veth.c), pasta or else slirp4netns rootless (rootless.c). Either way the
 *             sandbox's own netns gets an nftables policy (installed here, by the child, while it still
 *             holds CAP_NET_ADMIN over its netns; the command never does) that refuses the host's
 *             addresses, private, shared and link-local ranges except --allow-net ranges and DNS to
 *             the one resolver it is given, and refuses IPv6 altogether. */
#define _GNU_SOURCE
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../runtime/cleanup.h"
#include "internal.h"

bool
cb_net_wants_netns(const struct cb_config *cfg)
{
        return cfg->network != CB_NET_HOST;
}

static int
push_addr(struct cb_net *net, uint32_t a)
{
        for (size_t i = 0; i < net->n_host_addrs; i++)
                if (net->host_addrs[i] == a)
                        return 0;
        uint32_t *n = realloc(net->host_addrs, (net->n_host_addrs + 1) * sizeof(*n));
        if (n == NULL)
                return -ENOMEM;
        net->host_addrs = n;
        n[net->n_host_addrs++] = a;
        return 0;
}

/* Every IPv4 address of the host and its default gateways: the sandbox must not reach the
 * host through any of them (pasta would connect to them from the host side; the root-mode host table
 * drops them too). A snapshot: addresses the host adds later are covered by the private ranges, or,
 * as root, by the host-side input rule. */
static int
collect_host_addrs(struct cb_net *net, struct cb_error **err)
{
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) < 0)
                return cb_error_set(err, errno, "list the host's addresses");
        int r = 0;
        for (struct ifaddrs *i = ifa; i != NULL && r == 0; i = i->ifa_next)
                if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET)
                        r = push_addr(net, ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr));
        freeifaddrs(ifa);
        cleanup_fclose FILE *f = fopen("/proc/net/route", "re");
        char line[256];
        while (r == 0 && f != NULL && fgets(line, sizeof(line), f) != NULL) {
                char ifn[IFNAMSIZ + 1];
                unsigned dst, gw, flags;
                if (sscanf(line, "%16s %x %x %x", ifn, &dst, &gw, &flags) == 4 && dst == 0 && gw != 0)
                        r = push_addr(net, ntohl(gw)); /* /proc/net/route prints network order */
        }
        if (r < 0)
                return cb_error_set(err, -r, "list the host's addresses");
        return 0;
}

int
cb_net_prepare(const struct cb_config *cfg, struct cb_net **ret, struct cb_error **err)
{
        *ret = NULL;
        struct cb_net *net = calloc(1, sizeof(*net));
        if (net == NULL)
                return cb_error_set(err, ENOMEM, "network layer");
        net->mode = cfg->network;
        net->verbosity = cfg->verbosity;
        net->owner = getpid();
        net->dns_pid = net->helper_pid = -1;
        net->lock_fd = -1;
        if (cfg->network == CB_NET_HOST && cfg->verbosity > 0)
                fprintf(stderr, "claudebox: warning: --network host shares the host's network namespace: "
                                "abstract unix sockets (X11's @/tmp/.X11-unix/X0, containerd's, D-Bus's) "
                                "are reachable from the sandbox\n");
        if (cfg->network != CB_NET_ISOLATED) {
                *ret = net;
                return 0;
        }

        int r = collect_host_addrs(net, err);
        if (r == 0)
                r = geteuid() == 0 ? cb_net_veth_prepare(net, err) : cb_net_rootless_prepare(net, err);
        if (r < 0) {
                cb_net_teardown(net);
                return cb_error_wrap(err, "network layer (--network isolated)");
        }
        net->pol = (struct cb_net_policy){.allow = cfg->allow_net, .n_allow = cfg->n_allow_net,
                                          .resolver = net->resolver, .host = net->host_addrs,
                                          .n_host = net->n_host_addrs};
        net->policy = cb_net_sandbox_rules(&net->pol);
        if (net->policy == NULL) {
                cb_net_teardown(net);
                return cb_error_set(err, ENOMEM, "network layer: build the policy");
        }
        snprintf(net->resolv, sizeof(net->resolv), "nameserver %u.%u.%u.%u\noptions edns0\n", net->resolver >> 24,
                 (net->resolver >> 16) & 0xff, (net->resolver >> 8) & 0xff, net->resolver & 0xff);
        *ret = net;
        return 0;
}

int
cb_net_attach(struct cb_net *net, pid_t child, struct cb_error **err)
{
        if (net == NULL || net->mode != CB_NET_ISOLATED)
                return 0;
        int r = net->backend == CB_NET_BACKEND_VETH ? cb_net_veth_attach(net, child, err)
                                                     : cb_net_rootless_attach(net, child, err);
        if (r < 0)
                return cb_error_wrap(err, "network layer (--network isolated)");
        return 0;
}

/* Loopback starts down in a new network namespace; programs expect 127.0.0.1 to work. */
static int
loopback_up(struct cb_error **err)
{
        cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return cb_error_set(err, errno, "socket for loopback");
        struct ifreq ifr = {0};
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return cb_error_set(err, errno, "read flags of lo");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return cb_error_set(err, errno, "bring lo up");
        return 0;
}

static void
write_sysctl(const char *path, const char *value)
{
        cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0)
                (void)!write(fd, value, strlen(value));
}

int
cb_net_child_setup(const struct cb_net *net, struct cb_error **err)
{
        if (net == NULL || net->mode == CB_NET_HOST)
                return 0;
        /* Our copy of the launcher's network lock (root, veth): the launcher releases the lock itself,
         * but should it die while holding it, this copy must not keep other launchers waiting. */
        if (net->lock_fd >= 0)
                close(net->lock_fd);
        int r = loopback_up(err);
        if (r < 0 || net->mode != CB_NET_ISOLATED)
                return r;
        /* No IPv6 addresses (not even link-local) on the links the launcher or pasta adds: IPv6 is off
         * in isolated mode. Best effort: the nft policy below refuses IPv6 whether or not this sticks. */
        write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
        write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
        /* The policy goes in now, from inside, while this process still holds CAP_NET_ADMIN over the
         * sandbox's netns (in both modes: a rootless launcher could not enter it). It is in place before
         * the launcher's GO, so the command never runs a moment without it, and the command (no
         * CAP_NET_ADMIN in its bounding set unless asked) cannot remove it. */
        if ((r = cb_nft_run(net->policy, err)) < 0)
                return cb_error_wrap(err, "install the sandbox's network policy");
        return 0;
}

const char *
cb_net_resolv_conf(const struct cb_net *net)
{
        if (net == NULL || net->mode != CB_NET_ISOLATED)
                return NULL;
        return net->resolv;
}

/* --- helpers shared by the backends --- */

int
cb_net_helper_init(pid_t launcher, int first_closed)
{
        /* A helper must not outlive a SIGKILLed launcher: the kernel kills it when the launcher dies; the
         * getppid() check closes the race with a launcher that died before the prctl. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != launcher)
                return -1;
        for (int s = 1; s < _NSIG; s++)
                signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* No launcher fd (control socket, terminal, signalfd) in the helper: the sandbox's init notices
         * the launcher's death by the control socket's hang-up, which a copy here would delay. */
        syscall(SYS_close_range, (unsigned)first_closed, ~0U, 0U);
        return 0;
}

void
cb_net_helper_stop(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGKILL);
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                ;
        *pid = -1;
}

void
cb_net_teardown(struct cb_net *net)
{
        if (net == NULL)
                return;
        if (net->backend == CB_NET_BACKEND_VETH)
                cb_net_veth_teardown(net);
        else if (net->backend != CB_NET_BACKEND_NONE)
                cb_net_rootless_teardown(net);
        free(net->policy);
        free(net->host_addrs);
        free(net);
}

const char *
cb_net_describe(const struct cb_net *net)
{
        if (net == NULL)
                return "host";
        switch (net->backend) {
        case CB_NET_BACKEND_VETH: return "isolated (veth + NAT)";
        case CB_NET_BACKEND_PASTA: return "isolated (pasta)";
        case CB_NET_BACKEND_SLIRP: return "isolated (slirp4netns)";
        default: return net->mode == CB_NET_HOST ? "host" : "none";
        }
}
