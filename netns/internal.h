/* claudebox — the network layer's internals, shared by netns.c (entry points and the sandbox-side
 * policy), veth.c (root: veth + NAT + DNS forwarder), rootless.c (pasta / slirp4netns) and nft.c. */
#pragma once

#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../runtime/config.h"
#include "../runtime/error.h"
#include "policy.h"

enum cb_net_backend { CB_NET_BACKEND_NONE = 0, CB_NET_BACKEND_VETH, CB_NET_BACKEND_PASTA, CB_NET_BACKEND_SLIRP };

struct cb_net {
        enum cb_network mode;
        enum cb_net_backend backend;
        int verbosity;
        char *policy;         /* nft script for the sandbox's netns (isolated) */
        char resolv[96];      /* /etc/resolv.conf text inside (isolated) */
        uint32_t resolver;    /* the sandbox's DNS server (host order) */

        /* Root: one veth pair per sandbox (and --allow-net elements in the shared nft table), named after the
         * launcher's pid so that the next run can tell a dead launcher's leftovers (see gc_host in veth.c). */
        pid_t owner;
        char ifname[IFNAMSIZ]; /* host side; the sandbox side is "eth0" */
        bool base_current;     /* the shared table inet claudebox was there, with our marker, at prepare */
        struct cb_net4 pool;   /* where the /30s come from (/etc/claudebox/network.conf) */
        uint32_t subnet;       /* the /30: .1 host side (gateway, DNS), .2 sandbox */
        int lock_fd;           /* the network lock (veth.c), held from the subnet pick until the host side
                                * owns its address and the table is in place; -1 when not held */
        struct cb_net_policy pol;
        uint32_t *host_addrs;
        size_t n_host_addrs;
        struct sockaddr_storage upstream; /* the host's resolver, for the forwarder */
        socklen_t upstream_len;
        bool veth_added, table_added; /* table_added: our --allow-net elements are in the host's table */
        pid_t dns_pid;

        /* Rootless: pasta or slirp4netns. */
        const char *helper;
        pid_t helper_pid;
};

/* nft.c: runs an nft script in the current netns as one transaction. */
int cb_nft_run(const char *script, struct cb_error **err);
/* The output of an nft listing command ("list tables"); malloc'd into *out. */
int cb_nft_list(const char *cmd, char **out, struct cb_error **err);

/* veth.c */
int cb_net_veth_prepare(struct cb_net *net, struct cb_error **err);
int cb_net_veth_attach(struct cb_net *net, pid_t child, struct cb_error **err);
void cb_net_veth_teardown(struct cb_net *net);
/* Releases the network lock if held (idempotent). */
void cb_net_veth_unlock(struct cb_net *net);

/* dnsfwd.c: a forked forwarder on addr:53 (UDP and TCP) relaying to upstream. */
int cb_net_dnsfwd_start(uint32_t addr, const struct sockaddr_storage *upstream, socklen_t upstream_len,
                        pid_t *ret, struct cb_error **err);

/* rootless.c */
int cb_net_rootless_prepare(struct cb_net *net, struct cb_error **err);
int cb_net_rootless_attach(struct cb_net *net, pid_t child, struct cb_error **err);
void cb_net_rootless_teardown(struct cb_net *net);

/* A forked helper's first steps: die with the launcher, default signals, every fd from first_closed
 * on closed. Returns -1 if the launcher is already gone. */
int cb_net_helper_init(pid_t launcher, int first_closed);
/* Kills and reaps a helper (idempotent). */
void cb_net_helper_stop(pid_t *pid);
