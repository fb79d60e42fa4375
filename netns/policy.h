/* claudebox — the network layer's pure helpers: the nftables rule text for the sandbox's own netns and
 * for the host side (root mode), IPv4 range arithmetic, the choice of a sandbox subnet from the pool,
 * and reading a nameserver out of resolv.conf text. No side effects: unit-tested without root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../runtime/config.h"
#include "../runtime/error.h"

/* The default pool of sandbox subnets (root mode): one /30 each. 10.213/16 stays clear of the subnets
 * home routers, clouds and Docker hand out by default (10.0/16, 10.1/16, 172.17-31/16, 192.168/16). */
#define CB_NET_POOL_DEFAULT "10.213.0.0/16"

/* An IPv4 range in host byte order. */
struct cb_net4 {
        uint32_t addr;
        uint8_t prefix;
};

uint32_t cb_net4_mask(uint8_t prefix);
bool cb_net4_overlap(struct cb_net4 a, struct cb_net4 b);
/* "10.213.0.0/16" -> range (host bits cleared). */
int cb_net4_parse(const char *s, struct cb_net4 *ret, struct cb_error **err);

/* Picks a free /30 inside pool that overlaps none of busy[]; starts at slot (seed mod number of slots)
 * and walks forward. -EADDRNOTAVAIL when every slot collides. */
int cb_net_pick_subnet(struct cb_net4 pool, unsigned seed, const struct cb_net4 *busy, size_t n_busy,
                       uint32_t *ret);

/* First "nameserver" of resolv.conf text, as a socket address for port 53. -ENOENT if none. */
int cb_net_resolv_nameserver(const char *text, struct sockaddr_storage *ret, socklen_t *ret_len);

/* What the sandbox-side policy needs to know. Addresses are IPv4, host byte order. */
struct cb_net_policy {
        const struct cb_cidr *allow;
        size_t n_allow;
        uint32_t resolver;      /* the one DNS server the sandbox may reach (port 53), 0 for none */
        const uint32_t *host;   /* addresses of the host (interfaces, gateways): always refused */
        size_t n_host;
};

/* nft script for the sandbox's own netns (table inet claudebox). malloc'd; NULL on ENOMEM. */
char *cb_net_sandbox_rules(const struct cb_net_policy *p);

/* Root mode, host side: one table, inet claudebox, created once and kept, the same for every sandbox
 * (rules match the sandbox links by the name pattern cbox*), so that a run changes nothing in it unless
 * it has --allow-net ranges. Why: every nft transaction that deletes something makes the next close of
 * the nft socket wait for an RCU grace period (8-15 ms here); a table per sandbox, or chains per sandbox,
 * would cost that on every exit. Per-sandbox state is only the elements "cbox<pid>" . RANGE of the set
 * `allowed` (--allow-net). */
#define CB_NET_HOST_TABLE "claudebox"
/* The table's version: bump it whenever the rules below change, so that a table built by an older
 * claudebox (or for another pool, or edited by hand) is rebuilt instead of trusted. */
#define CB_NET_HOST_VERSION "claudebox host table v2"
/* The marker the table carries (the comment of its set `allowed`): the version and the pool. */
int cb_net_host_marker(struct cb_net4 pool, char *buf, size_t len);
/* The whole table for the pool, as one transaction that replaces any table of that name. */
char *cb_net_host_base_rules(struct cb_net4 pool, bool replace);
/* "add element"/"delete element" for the --allow-net ranges of link ifname, or NULL in *ret when there
 * are none (nested ranges are reduced to the outer one: the set does not take overlaps). */
int cb_net_host_allow_rules(const char *ifname, const struct cb_net_policy *p, bool add, char **ret);
