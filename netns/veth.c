/* claudebox — isolated networking as root: one veth pair per sandbox (libnl-route-3), the host side
 * NATed and fenced by nftables (libnftables: the shared table inet claudebox, see policy.h), and a DNS
 * forwarder on the host side's address (dnsfwd.c).
 *
 * The host end is named after the launcher's pid (cbox<pid>). The sandbox end is created inside the
 * sandbox's netns, so the pair lives exactly as long as that netns: when the sandbox ends, the kernel
 * removes both ends (asynchronously, a few milliseconds later; deleting it ourselves would make every
 * run wait for the same RCU grace periods). A SIGKILLed launcher's sandbox dies with it (PDEATHSIG), so
 * only its --allow-net elements ("cbox<pid>" . RANGE) can stay behind: the next run removes those
 * whose launcher is dead or whose link is gone, and a launcher that reuses the pid removes them before
 * its link exists.
 *
 * The network lock (/run/claudebox/net.lock) is held from the choice of the /30 (prepare, before clone)
 * until the host side carries its address and the table is in place (attach): the choice looks at the
 * host's routes, and the route of our /30 appears only when the address is added. */
#define _GNU_SOURCE
#include "internal.h"

#include "../runtime/lock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

#define POOL_CONF "/etc/claudebox/network.conf"
#define LOCK_DIR "/run/claudebox"
#define LOCK_PATH LOCK_DIR "/net.lock"
/* How long a launcher waits for another one's few milliseconds under the lock before it gives up. */
#define LOCK_WAIT_MS 10000

static void
link_putp(struct rtnl_link **l)
{
        if (*l != NULL)
                rtnl_link_put(*l);
}
static void
addr_putp(struct rtnl_addr **a)
{
        if (*a != NULL)
                rtnl_addr_put(*a);
}
static void
nladdr_putp(struct nl_addr **a)
{
        if (*a != NULL)
                nl_addr_put(*a);
}
static void
route_putp(struct rtnl_route **r)
{
        if (*r != NULL)
                rtnl_route_put(*r);
}
#define cleanup_link __attribute__((cleanup(link_putp)))
#define cleanup_addr __attribute__((cleanup(addr_putp)))
#define cleanup_nladdr __attribute__((cleanup(nladdr_putp)))
#define cleanup_route __attribute__((cleanup(route_putp)))

static int
nl_err(struct cb_error **err, int nlerr, const char *what, const char *name)
{
        /* libnl's own error codes are not errnos; the common ones map back. */
        int e = nlerr == -NLE_EXIST ? EEXIST : nlerr == -NLE_PERM ? EPERM : nlerr == -NLE_NODEV ? ENODEV : EIO;
        return cb_error_set(err, e, "%s %s: %s", what, name, nl_geterror(nlerr));
}

static int
route_socket(struct nl_sock **ret, struct cb_error **err)
{
        struct nl_sock *s = nl_socket_alloc();
        if (s == NULL)
                return cb_error_set(err, ENOMEM, "netlink socket");
        int r = nl_connect(s, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(s);
                return nl_err(err, r, "connect", "netlink");
        }
        *ret = s;
        return 0;
}

static struct nl_addr *
ip4(uint32_t a, int prefix)
{
        uint32_t be = htonl(a);
        struct nl_addr *n = nl_addr_build(AF_INET, &be, 4);
        if (n != NULL)
                nl_addr_set_prefixlen(n, prefix);
        return n;
}

/* Pool from /etc/claudebox/network.conf ("pool = 10.213.0.0/16"), else the default. Host
 * configuration, read only as root, so a user cannot steer it. */
static int
read_pool(struct cb_net4 *pool, struct cb_error **err)
{
        cleanup_fclose FILE *f = fopen(POOL_CONF, "re");
        char line[256];
        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                char val[64];
                if (sscanf(line, " pool = %63s", val) == 1)
                        return cb_net4_parse(val, pool, err) < 0 ? cb_error_wrap(err, "%s", POOL_CONF) : 0;
        }
        return cb_net4_parse(CB_NET_POOL_DEFAULT, pool, err);
}

/* What the host already routes or owns: a sandbox subnet must overlap none of it (or traffic to that
 * network would go into the sandbox). Other sandboxes' /30s are routes too. */
static int
busy_ranges(const struct cb_net *net, struct cb_net4 **ret, size_t *n_ret)
{
        size_t n = 0, cap = net->n_host_addrs + 64;
        struct cb_net4 *b = calloc(cap, sizeof(*b));
        if (b == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < net->n_host_addrs; i++)
                b[n++] = (struct cb_net4){.addr = net->host_addrs[i], .prefix = 32};
        cleanup_fclose FILE *f = fopen("/proc/net/route", "re");
        char line[256];
        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                char ifn[IFNAMSIZ + 1];
                unsigned dst, gw, flags, refcnt, use, metric, mask;
                if (sscanf(line, "%16s %x %x %x %u %u %u %x", ifn, &dst, &gw, &flags, &refcnt, &use, &metric,
                           &mask) != 8 || mask == 0)
                        continue;
                if (n == cap) {
                        struct cb_net4 *nb = realloc(b, (cap *= 2) * sizeof(*b));
                        if (nb == NULL) {
                                free(b);
                                return -ENOMEM;
                        }
                        b = nb;
                }
                b[n++] = (struct cb_net4){.addr = ntohl(dst), .prefix = (uint8_t)__builtin_popcount(mask)};
        }
        *ret = b;
        *n_ret = n;
        return 0;
}

/* Takes the network lock. Without it, two launchers starting together can read the same host routes,
 * pick the same /30 and both configure it (traffic of one sandbox then goes to the other). Root only
 * (this is the veth path): /run is root's, so nobody else can create or replace the file. */
static int
lock_net(struct cb_net *net, struct cb_error **err)
{
        if (mkdir(LOCK_DIR, 0700) < 0 && errno != EEXIST)
                return cb_error_set(err, errno, "create %s", LOCK_DIR);
        /* O_NOFOLLOW: never follow a planted link to some other file and lock (or create) that. */
        cleanup_close int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return cb_error_set(err, errno, "open %s", LOCK_PATH);
        int r = cb_flock_bounded(fd, LOCK_WAIT_MS, LOCK_PATH " (another claudebox is setting up its network)", err);
        if (r < 0)
                return r;
        net->lock_fd = TAKE_FD(fd);
        return 0;
}

void
cb_net_veth_unlock(struct cb_net *net)
{
        if (net->lock_fd < 0)
                return;
        /* Explicitly: the sandbox's init got a copy of the fd at clone, and a close here alone would leave
         * the lock held through that copy. */
        (void)flock(net->lock_fd, LOCK_UN);
        close(net->lock_fd);
        net->lock_fd = -1;
}

/* Lists the shared table's set `allowed`: *current tells whether it is there with our version marker;
 * if so, removes the --allow-net elements of launchers that are gone (SIGKILLed: no teardown ran) and
 * any under our own pid's link name: a dead launcher's pid may be ours now, and its elements would
 * otherwise open its ranges to our sandbox the moment our link cbox<pid> exists. */
static void
gc_host(struct cb_net *net, bool *current)
{
        cleanup_free char *out = NULL;
        char marker[96];
        *current = false;
        if (cb_net_host_marker(net->pool, marker, sizeof(marker)) < 0 ||
            cb_nft_list("list set inet " CB_NET_HOST_TABLE " allowed", &out, NULL) < 0)
                return;
        /* No marker, or another version's or pool's: attach rebuilds the table (and with it the set). */
        char quoted[sizeof(marker) + 16];
        snprintf(quoted, sizeof(quoted), "comment \"%s\"", marker);
        if (strstr(out, quoted) == NULL)
                return;
        *current = true;
        for (char *p = strstr(out, "\"cbox"); p != NULL; p = strstr(p + 1, "\"cbox")) {
                int pid = 0, used = 0;
                char range[64];
                if (sscanf(p, "\"cbox%d\" . %63[0-9./]%n", &pid, range, &used) != 2 || pid <= 0)
                        continue;
                char ifn[IFNAMSIZ];
                snprintf(ifn, sizeof(ifn), "cbox%d", pid);
                if (pid != net->owner) {
                        bool alive = kill(pid, 0) == 0 || errno == EPERM;
                        if (alive && if_nametoindex(ifn) != 0)
                                continue;
                }
                cleanup_free char *del = NULL;
                if (asprintf(&del, "delete element inet %s allowed { \"%s\" . %s }", CB_NET_HOST_TABLE, ifn, range) > 0)
                        (void)cb_nft_run(del, NULL);
        }
}

int
cb_net_veth_prepare(struct cb_net *net, struct cb_error **err)
{
        net->backend = CB_NET_BACKEND_VETH;
        snprintf(net->ifname, sizeof(net->ifname), "cbox%d", (int)net->owner);
        int r = read_pool(&net->pool, err);
        if (r < 0)
                return r;
        struct cb_net4 pool = net->pool;
        /* Held until attach has added our address (or released by teardown on any failure). */
        if ((r = lock_net(net, err)) < 0)
                return r;
        /* Under the lock: whether the table must be rebuilt is decided and acted on (attach) by one
         * launcher at a time, so a rebuild never wipes the elements another launcher just added. */
        gc_host(net, &net->base_current);

        cleanup_free struct cb_net4 *busy = NULL;
        size_t n_busy = 0;
        if ((r = busy_ranges(net, &busy, &n_busy)) < 0)
                return cb_error_set(err, -r, "read the host's routes");
        if (cb_net_pick_subnet(pool, (unsigned)net->owner, busy, n_busy, &net->subnet) < 0)
                return cb_error_set(err, EADDRNOTAVAIL,
                                    "no free /30 in the address pool %u.%u.%u.%u/%u (every one collides "
                                    "with a host route; set another with 'pool = CIDR' in %s)",
                                    pool.addr >> 24, (pool.addr >> 16) & 0xff, (pool.addr >> 8) & 0xff,
                                    pool.addr & 0xff, pool.prefix, POOL_CONF);
        net->resolver = net->subnet + 1;
        /* The gateway is the host: refused like its other addresses (DNS to it excepted). */
        uint32_t *n = realloc(net->host_addrs, (net->n_host_addrs + 1) * sizeof(*n));
        if (n == NULL)
                return cb_error_set(err, ENOMEM, "network layer");
        net->host_addrs = n;
        n[net->n_host_addrs++] = net->subnet + 1;

        /* The host's resolver, for the forwarder: whatever it is (127.0.0.53 of systemd-resolved
         * included), the sandbox asks the gateway and the forwarder asks it from the host's netns. */
        cleanup_fclose FILE *f = fopen("/etc/resolv.conf", "re");
        char text[4096] = "";
        if (f != NULL)
                text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
        if (cb_net_resolv_nameserver(text, &net->upstream, &net->upstream_len) < 0) {
                /* The resolver's own default when resolv.conf names none. */
                struct sockaddr_in *in = (struct sockaddr_in *)&net->upstream;
                *in = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(53),
                                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
                net->upstream_len = sizeof(*in);
        }
        return 0;
}

static int
set_up(struct nl_sock *s, struct rtnl_link *link, const char *name, struct cb_error **err)
{
        cleanup_link struct rtnl_link *change = rtnl_link_alloc();
        if (change == NULL)
                return cb_error_set(err, ENOMEM, "netlink");
        rtnl_link_set_flags(change, IFF_UP);
        int r = rtnl_link_change(s, link, change, 0);
        return r < 0 ? nl_err(err, r, "bring up", name) : 0;
}

static int
add_addr(struct nl_sock *s, int ifindex, uint32_t a, const char *name, struct cb_error **err)
{
        cleanup_addr struct rtnl_addr *addr = rtnl_addr_alloc();
        cleanup_nladdr struct nl_addr *local = ip4(a, 30);
        if (addr == NULL || local == NULL)
                return cb_error_set(err, ENOMEM, "netlink");
        rtnl_addr_set_ifindex(addr, ifindex);
        rtnl_addr_set_local(addr, local);
        int r = rtnl_addr_add(s, addr, 0);
        return r < 0 ? nl_err(err, r, "add an address to", name) : 0;
}

/* Brings up link `name` in the netns of socket s with address a/30 (and a default route via gw). */
static int
configure(struct nl_sock *s, const char *name, uint32_t a, uint32_t gw, struct cb_error **err)
{
        cleanup_link struct rtnl_link *link = NULL;
        int r = rtnl_link_get_kernel(s, 0, name, &link);
        if (r < 0)
                return nl_err(err, r, "find link", name);
        int ifindex = rtnl_link_get_ifindex(link);
        if ((r = add_addr(s, ifindex, a, name, err)) < 0 || (r = set_up(s, link, name, err)) < 0)
                return r;
        if (gw == 0)
                return 0;
        cleanup_route struct rtnl_route *route = rtnl_route_alloc();
        cleanup_nladdr struct nl_addr *dst = ip4(0, 0);
        cleanup_nladdr struct nl_addr *via = ip4(gw, 32);
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        if (route == NULL || dst == NULL || via == NULL || nh == NULL) {
                if (nh != NULL)
                        rtnl_route_nh_free(nh);
                return cb_error_set(err, ENOMEM, "netlink");
        }
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_dst(route, dst);
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_nh_set_gateway(nh, via);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
        if ((r = rtnl_route_add(s, route, NLM_F_EXCL)) < 0)
                return nl_err(err, r, "add the default route via", name);
        return 0;
}

/* A netlink socket inside the child's netns. A socket stays in the netns it was created in, so the
 * launcher enters the child's netns just for the socket() call and returns at once (it is single-
 * threaded here, nothing else runs meanwhile). Root in the initial userns may enter any netns. */
static int
socket_in(pid_t child, struct nl_sock **ret, struct cb_error **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
        cleanup_close int target = open(path, O_RDONLY | O_CLOEXEC);
        cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (target < 0 || self < 0)
                return cb_error_set(err, errno, "open the sandbox's network namespace");
        if (setns(target, CLONE_NEWNET) < 0)
                return cb_error_set(err, errno, "enter the sandbox's network namespace");
        struct cb_error *sock_err = NULL;
        int r = route_socket(ret, &sock_err);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* Cannot happen short of a kernel bug; never carry on in the wrong netns. */
                cb_error_free(sock_err);
                if (r == 0)
                        nl_socket_free(*ret);
                return cb_error_set(err, errno, "return to the host's network namespace");
        }
        if (r < 0) {
                if (err != NULL && *err == NULL)
                        *err = sock_err;
                else
                        cb_error_free(sock_err);
        }
        return r;
}

/* Forwarding is a global switch (net.ipv4.ip_forward): turned on when off, and left on, because
 * other sandboxes may be using it at the same time and the host may rely on it. Said once, on
 * stderr, when we change it. It turns forwarding on for every interface of the host: our table's
 * forward chain only looks at cbox* links, so any other forwarding is up to the host's own rules
 * (see docs/network.md). */
static int
enable_forwarding(const struct cb_net *net, struct cb_error **err)
{
        cleanup_close int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
        char c = 0;
        if (fd < 0 || pread(fd, &c, 1, 0) != 1)
                return cb_error_set(err, errno, "read net.ipv4.ip_forward");
        if (c == '1')
                return 0;
        if (pwrite(fd, "1", 1, 0) != 1)
                return cb_error_set(err, errno, "enable net.ipv4.ip_forward");
        if (net->verbosity >= 0)
                fprintf(stderr, "claudebox: enabled net.ipv4.ip_forward for --network isolated (left on)\n");
        return 0;
}

/* No IPv6 on the host end (not even a link-local address): the sandbox has no IPv6, and a host-side
 * IPv6 address would only give a sandbox holding NET_ADMIN a way to the host's IPv6 services. Before
 * the link comes up, so none is ever configured. A host without IPv6 has no such file: nothing to do. */
static int
host_ipv6_off(const char *ifname, struct cb_error **err)
{
        char path[96];
        snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
        cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : cb_error_set(err, errno, "open %s", path);
        if (write(fd, "1", 1) != 1)
                return cb_error_set(err, errno, "disable IPv6 on %s", ifname);
        return 0;
}

int
cb_net_veth_attach(struct cb_net *net, pid_t child, struct cb_error **err)
{
        cleanup_nl_sock struct nl_sock *host = NULL;
        cleanup_nl_sock struct nl_sock *inside = NULL;
        int r;
        if ((r = route_socket(&host, err)) < 0)
                return r;
        /* Both ends at once: the peer is born in the sandbox's netns as eth0, never visible here. */
        if ((r = rtnl_link_veth_add(host, net->ifname, "eth0", child)) < 0)
                return nl_err(err, r, "create veth pair", net->ifname);
        net->veth_added = true;
        if ((r = host_ipv6_off(net->ifname, err)) < 0 ||
            (r = configure(host, net->ifname, net->subnet + 1, 0, err)) < 0)
                return r;

        if (!net->base_current) {
                /* Usually there is no table (the last sandbox out removed it): create it. If one is there
                 * (another version's, or edited), replace it in one transaction (delete whatever is there,
                 * create ours): no moment without the table. Under the lock, so no other launcher rebuilds
                 * it at the same time. */
                cleanup_free char *create = cb_net_host_base_rules(net->pool, false);
                cleanup_free char *replace = cb_net_host_base_rules(net->pool, true);
                if (create == NULL || replace == NULL)
                        return cb_error_set(err, ENOMEM, "host nftables rules");
                if (cb_nft_run(create, NULL) < 0 && (r = cb_nft_run(replace, err)) < 0)
                        return cb_error_wrap(err, "create table inet %s", CB_NET_HOST_TABLE);
        }
        /* Our /30 is a host route now (other launchers' picks avoid it) and the table is ours. */
        cb_net_veth_unlock(net);

        if ((r = socket_in(child, &inside, err)) < 0 ||
            (r = configure(inside, "eth0", net->subnet + 2, net->subnet + 1, err)) < 0)
                return r;
        cleanup_free char *allow = NULL;
        if (cb_net_host_allow_rules(net->ifname, &net->pol, true, &allow) < 0)
                return cb_error_set(err, ENOMEM, "host nftables rules");
        if (allow != NULL) {
                if ((r = cb_nft_run(allow, err)) < 0)
                        return cb_error_wrap(err, "add the --allow-net ranges to table inet %s", CB_NET_HOST_TABLE);
                net->table_added = true;
        }
        if ((r = enable_forwarding(net, err)) < 0)
                return r;
        if ((r = cb_net_dnsfwd_start(net->subnet + 1, &net->upstream, net->upstream_len, &net->dns_pid, err)) < 0)
                return r;
        if (net->verbosity > 0)
                fprintf(stderr,
                        "claudebox: network: veth %s, sandbox %u.%u.%u.%u/30, gateway and DNS %u.%u.%u.%u, "
                        "nft table inet %s\n",
                        net->ifname, (net->subnet + 2) >> 24, ((net->subnet + 2) >> 16) & 0xff,
                        ((net->subnet + 2) >> 8) & 0xff, (net->subnet + 2) & 0xff, (net->subnet + 1) >> 24,
                        ((net->subnet + 1) >> 16) & 0xff, ((net->subnet + 1) >> 8) & 0xff,
                        (net->subnet + 1) & 0xff, CB_NET_HOST_TABLE);
        return 0;
}

/* Whether another live launcher has a sandbox on the veth path: its host end cbox<pid> (ours may linger a
 * few milliseconds while the kernel removes our netns; a dead launcher's goes with its sandbox). */
static bool
other_sandboxes(const struct cb_net *net)
{
        /* if_nameindex: the links of our own network namespace (a mounted /sys may show another's). */
        struct if_nameindex *links = if_nameindex();
        if (links == NULL)
                return true; /* cannot tell: keep the table */
        bool found = false;
        for (struct if_nameindex *l = links; !found && l->if_index != 0; l++) {
                int pid = 0, used = 0;
                if (sscanf(l->if_name, "cbox%d%n", &pid, &used) != 1 || l->if_name[used] != '\0' || pid <= 0 ||
                    pid == net->owner)
                        continue;
                found = kill(pid, 0) == 0 || errno == EPERM;
        }
        if_freenameindex(links);
        return found;
}

void
cb_net_veth_teardown(struct cb_net *net)
{
        cb_net_veth_unlock(net);
        cb_net_helper_stop(&net->dns_pid);
        if (net->table_added) {
                cleanup_free char *del = NULL;
                if (cb_net_host_allow_rules(net->ifname, &net->pol, false, &del) == 0 && del != NULL)
                        (void)cb_nft_run(del, NULL);
                net->table_added = false;
        }
        /* The veth is not deleted here: the sandbox (reaped by now) took its netns, and with it both ends
         * of the pair, away (see the top of this file). */
        if (net->veth_added && lock_net(net, NULL) == 0) {
                /* Leave the host's ruleset as we found it: the last sandbox out removes the shared table.
                 * Under the network lock, a launcher that is between its pick and its veth holds the lock
                 * (we wait), and once it lets go its cbox<pid> link exists and is seen here. */
                if (!other_sandboxes(net))
                        (void)cb_nft_run("delete table inet " CB_NET_HOST_TABLE, NULL);
                cb_net_veth_unlock(net);
        }
}
