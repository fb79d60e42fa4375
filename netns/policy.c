/* claudebox — the network layer's pure helpers (see policy.h). */
#define _GNU_SOURCE
#include "policy.h"

#include "../runtime/parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cleanup.h"

/* Never reachable from an isolated sandbox unless --allow-net opens them: private and shared address
 * space (the LAN, other sandboxes, the host's other networks), loopback, link-local (cloud metadata at
 * 169.254.169.254 lives there), "this network", multicast and the reserved 240/4 block. */
static const char *const refused4[] = {
        "0.0.0.0/8",      "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",
        "169.254.0.0/16", "172.16.0.0/12",  "192.0.0.0/24",  "192.168.0.0/16",
        "224.0.0.0/3",
};

uint32_t
cb_net4_mask(uint8_t prefix)
{
        return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

bool
cb_net4_overlap(struct cb_net4 a, struct cb_net4 b)
{
        uint32_t m = cb_net4_mask(a.prefix < b.prefix ? a.prefix : b.prefix);
        return (a.addr & m) == (b.addr & m);
}

/* An IPv4 range, through the one CIDR parser (runtime/parse.c). */
int
cb_net4_parse(const char *s, struct cb_net4 *ret, struct cb_error **err)
{
        struct cb_cidr c = {0};
        bool ok = cb_parse_cidr(s, &c, NULL) == 0; /* allocates c.text only on success */
        free(c.text);
        if (!ok || c.family != AF_INET)
                return cb_error_set(err, EINVAL, "invalid IPv4 range '%s' (expected e.g. 10.213.0.0/16)", s);
        uint32_t be;
        memcpy(&be, c.addr, sizeof(be));
        ret->prefix = c.prefix;
        ret->addr = ntohl(be) & cb_net4_mask(ret->prefix);
        return 0;
}

int
cb_net_pick_subnet(struct cb_net4 pool, unsigned seed, const struct cb_net4 *busy, size_t n_busy, uint32_t *ret)
{
        if (pool.prefix > 30)
                return -EINVAL;
        uint32_t slots = 1u << (30 - pool.prefix);
        if (slots == 0) /* a /0 pool */
                slots = 1u << 30;
        for (uint32_t i = 0; i < slots && i < 65536; i++) {
                uint32_t slot = (uint32_t)((seed + i) % slots);
                struct cb_net4 cand = {.addr = (pool.addr & cb_net4_mask(pool.prefix)) + (slot << 2), .prefix = 30};
                bool clash = false;
                for (size_t j = 0; j < n_busy && !clash; j++)
                        clash = busy[j].prefix > 0 && cb_net4_overlap(cand, busy[j]);
                if (!clash) {
                        *ret = cand.addr;
                        return 0;
                }
        }
        return -EADDRNOTAVAIL;
}

int
cb_net_resolv_nameserver(const char *text, struct sockaddr_storage *ret, socklen_t *ret_len)
{
        char buf[128];
        for (const char *cursor = text; cb_next_line(&cursor, buf, sizeof(buf));) {
                char *p = buf;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
                        continue;
                p += 10;
                while (*p == ' ' || *p == '\t')
                        p++;
                p[strcspn(p, " \t\r#;%")] = '\0';
                memset(ret, 0, sizeof(*ret));
                struct sockaddr_in *in = (struct sockaddr_in *)ret;
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;
                if (inet_pton(AF_INET, p, &in->sin_addr) == 1) {
                        in->sin_family = AF_INET;
                        in->sin_port = htons(53);
                        *ret_len = sizeof(*in);
                        return 0;
                }
                if (inet_pton(AF_INET6, p, &in6->sin6_addr) == 1) {
                        in6->sin6_family = AF_INET6;
                        in6->sin6_port = htons(53);
                        *ret_len = sizeof(*in6);
                        return 0;
                }
        }
        return -ENOENT;
}

static void
put_addr(FILE *f, uint32_t a)
{
        fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* The two sets both sides share: what --allow-net opens, and what is refused otherwise. */
static void
put_sets(FILE *f, const struct cb_net_policy *p, bool *have_allowed)
{
        *have_allowed = false;
        for (size_t i = 0; i < p->n_allow; i++) {
                if (p->allow[i].family != AF_INET)
                        continue; /* IPv6 is refused as a whole in the sandbox (see docs/network.md) */
                char a[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, p->allow[i].addr, a, sizeof(a));
                fprintf(f, "%s%s/%u", *have_allowed ? ", " : "\tset allowed4 {\n\t\ttype ipv4_addr; flags interval; auto-merge\n\t\telements = { ",
                        a, p->allow[i].prefix);
                *have_allowed = true;
        }
        if (*have_allowed)
                fprintf(f, " }\n\t}\n");
        fprintf(f, "\tset refused4 {\n\t\ttype ipv4_addr; flags interval; auto-merge\n\t\telements = { ");
        for (size_t i = 0; i < CB_ARRAY_SIZE(refused4); i++)
                fprintf(f, "%s%s", i ? ", " : "", refused4[i]);
        for (size_t i = 0; i < p->n_host; i++) {
                fprintf(f, ", ");
                put_addr(f, p->host[i]);
        }
        fprintf(f, " }\n\t}\n");
}

/* open_memstream() sets the buffer pointer only at fflush/fclose: read it after. */
static char *
finish(FILE *f, char **buf)
{
        bool bad = ferror(f) != 0;
        if (fclose(f) != 0 || bad) {
                free(*buf);
                return NULL;
        }
        return *buf;
}

char *
cb_net_sandbox_rules(const struct cb_net_policy *p)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                return NULL;
        bool allowed;
        fprintf(f, "table inet claudebox {\n");
        put_sets(f, p, &allowed);
        /* Output: loopback stays the sandbox's own; IPv6 is refused as a whole (the sandbox gets no
         * IPv6 route, this makes sure a link-local or later-added one cannot be used either); DNS goes
         * to the one resolver we hand out; then --allow-net ranges; then the refused ranges and the
         * host's own addresses. A reject (not a drop) so connect() fails at once instead of hanging. */
        fprintf(f, "\tchain output {\n\t\ttype filter hook output priority 0; policy accept;\n"
                   "\t\toifname \"lo\" accept\n"
                   "\t\tmeta nfproto ipv6 reject with icmpx type admin-prohibited\n");
        if (p->resolver != 0) {
                for (int i = 0; i < 2; i++) {
                        fprintf(f, "\t\tip daddr ");
                        put_addr(f, p->resolver);
                        fprintf(f, " %s dport 53 accept\n", i == 0 ? "udp" : "tcp");
                }
        }
        if (allowed)
                fprintf(f, "\t\tip daddr @allowed4 accept\n");
        fprintf(f, "\t\tip daddr @refused4 reject with icmpx type admin-prohibited\n\t}\n");
        /* Input: nothing reaches the sandbox unasked (no listening service is exposed to the network
         * the sandbox sits on), only replies to what it opened. */
        fprintf(f, "\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n"
                   "\t\tiifname \"lo\" accept\n"
                   "\t\tct state established,related accept\n\t}\n}\n");
        return finish(f, &buf);
}

int
cb_net_host_marker(struct cb_net4 pool, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%s pool %u.%u.%u.%u/%u", CB_NET_HOST_VERSION, pool.addr >> 24,
                         (pool.addr >> 16) & 0xff, (pool.addr >> 8) & 0xff, pool.addr & 0xff, pool.prefix);
        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

char *
cb_net_host_base_rules(struct cb_net4 pool, bool replace)
{
        char marker[96];
        if (cb_net_host_marker(pool, marker, sizeof(marker)) < 0)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                return NULL;
        const char *t = "inet " CB_NET_HOST_TABLE;
        /* Built from scratch in one transaction: whatever table of that name was there (an older
         * version's, one made for another pool, or one someone edited) goes, so no rule we did not write
         * is trusted. "add" first so that the "delete" cannot fail on a missing table. The caller holds
         * the network lock (veth.c), so two launchers never rebuild it at once. */
        /* Without `replace`, "create" fails if any table of that name exists (the caller then replaces it):
         * a transaction that deletes nothing spares the ~10 ms the kernel takes to release one that does. */
        if (replace)
                fprintf(f, "add table %s\ndelete table %s\nadd table %s\n", t, t, t);
        else
                fprintf(f, "create table %s\n", t);
        fprintf(f, "add set %s refused4 { type ipv4_addr; flags interval; elements = { ", t);
        for (size_t i = 0; i < CB_ARRAY_SIZE(refused4); i++)
                fprintf(f, "%s%s", i ? ", " : "", refused4[i]);
        fprintf(f, " }; }\n");
        /* The version marker is the comment of the set every run lists anyway (gc in veth.c): checking
         * it costs no extra lookup. */
        fprintf(f, "add set %s allowed { type ifname . ipv4_addr; flags interval; comment \"%s\"; }\n", t, marker);
        /* The host itself: a sandbox link reaches only DNS on that link's own host address (our
         * forwarder), over IPv4 only (the table is inet: without nfproto, IPv6 to a host service on port
         * 53 would pass too); anything else it sends to any of the host's addresses (services bound to
         * 0.0.0.0 included) is dropped. */
        fprintf(f, "add chain %s input { type filter hook input priority -5; policy accept; }\n", t);
        fprintf(f, "add rule %s input iifname \"cbox*\" meta nfproto ipv4 fib daddr . iif type local udp dport 53 "
                   "accept\n", t);
        fprintf(f, "add rule %s input iifname \"cbox*\" meta nfproto ipv4 fib daddr . iif type local tcp dport 53 "
                   "accept\n", t);
        fprintf(f, "add rule %s input iifname \"cbox*\" drop\n", t);
        /* The other way round: the sandboxes' gateway addresses (where the DNS forwarders listen) answer
         * only their own links. Without this, anyone who can route to the host (the LAN, a container
         * next door) could use a forwarder as an open resolver, reaching the host's loopback resolver
         * through it. The host's own processes (lo) keep their access; an address of the pool that sits
         * on the very interface the packet came in on (a pool overlapping a real network) stays
         * reachable, so a misconfigured pool cannot cut the host off. */
        fprintf(f, "add rule %s input iifname != \"cbox*\" iifname != \"lo\" ip daddr %u.%u.%u.%u/%u "
                   "fib daddr . iif type != local drop\n",
                t, pool.addr >> 24, (pool.addr >> 16) & 0xff, (pool.addr >> 8) & 0xff, pool.addr & 0xff, pool.prefix);
        /* Forwarding: a sandbox speaks only from addresses routed back through its own link (no spoofing
         * another sandbox), IPv4 only, with the same refusals as inside (a second fence should the inner
         * one fail, e.g. under --cap-add NET_ADMIN) except its own --allow-net ranges; nothing comes in
         * unless it answers a connection the sandbox opened. */
        fprintf(f, "add chain %s forward { type filter hook forward priority -5; policy accept; }\n", t);
        fprintf(f, "add rule %s forward iifname \"cbox*\" fib saddr . iif oif missing drop\n", t);
        fprintf(f, "add rule %s forward iifname \"cbox*\" meta nfproto ipv6 drop\n", t);
        fprintf(f, "add rule %s forward iifname . ip daddr @allowed accept\n", t);
        fprintf(f, "add rule %s forward iifname \"cbox*\" ip daddr @refused4 drop\n", t);
        fprintf(f, "add rule %s forward iifname \"cbox*\" accept\n", t);
        fprintf(f, "add rule %s forward oifname \"cbox*\" ct state established,related accept\n", t);
        fprintf(f, "add rule %s forward oifname \"cbox*\" drop\n", t);
        fprintf(f, "add chain %s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n", t);
        fprintf(f, "add rule %s postrouting iifname \"cbox*\" oifname != \"cbox*\" masquerade\n", t);
        return finish(f, &buf);
}

static bool
cidr4_within(const struct cb_cidr *inner, const struct cb_cidr *outer)
{
        struct cb_net4 a = {.prefix = inner->prefix}, b = {.prefix = outer->prefix};
        memcpy(&a.addr, inner->addr, 4);
        memcpy(&b.addr, outer->addr, 4);
        a.addr = ntohl(a.addr);
        b.addr = ntohl(b.addr);
        return inner->prefix >= outer->prefix && cb_net4_overlap(a, b);
}

int
cb_net_host_allow_rules(const char *ifname, const struct cb_net_policy *p, bool add, char **ret)
{
        *ret = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < p->n_allow; i++) {
                if (p->allow[i].family != AF_INET)
                        continue;
                bool covered = false;
                for (size_t j = 0; j < p->n_allow && !covered; j++)
                        covered = j != i && p->allow[j].family == AF_INET && cidr4_within(&p->allow[i], &p->allow[j]) &&
                                  (p->allow[i].prefix != p->allow[j].prefix || j < i);
                if (covered)
                        continue;
                char a[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, p->allow[i].addr, a, sizeof(a));
                fprintf(f, "%s\"%s\" . %s/%u", n++ ? ", " : (add ? "add element inet " CB_NET_HOST_TABLE " allowed { "
                                                                    : "delete element inet " CB_NET_HOST_TABLE " allowed { "),
                        ifname, a, p->allow[i].prefix);
        }
        if (n > 0)
                fprintf(f, " }\n");
        char *out = finish(f, &buf);
        if (out == NULL)
                return -ENOMEM;
        if (n == 0)
                free(out);
        else
                *ret = out;
        return 0;
}
