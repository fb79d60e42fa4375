/* Unit tests of the network layer's pure helpers: IPv4 ranges, subnet choice, resolv.conf, nft text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "netns/policy.h"
#include "parse.h"

static void
test_ranges(void **state)
{
        (void)state;
        struct cb_net4 a, b;
        assert_int_equal(cb_net4_parse("10.213.7.9/16", &a, NULL), 0);
        assert_int_equal(a.addr, 0x0ad50000u);
        assert_int_equal(a.prefix, 16);
        assert_int_equal(cb_net4_parse("10.213.1.0/24", &b, NULL), 0);
        assert_true(cb_net4_overlap(a, b));
        assert_int_equal(cb_net4_parse("10.214.0.0/16", &b, NULL), 0);
        assert_false(cb_net4_overlap(a, b));
        assert_true(cb_net4_parse("10.0.0.0/33", &b, NULL) < 0);
        assert_true(cb_net4_parse("fd00::/8", &b, NULL) < 0);
        assert_true(cb_net4_parse("10.0.0/8", &b, NULL) < 0);
}

static void
test_pick_subnet(void **state)
{
        (void)state;
        struct cb_net4 pool = {.addr = 0x0ad50000u, .prefix = 16};
        uint32_t s;
        assert_int_equal(cb_net_pick_subnet(pool, 0, NULL, 0, &s), 0);
        assert_int_equal(s, 0x0ad50000u);
        assert_int_equal(cb_net_pick_subnet(pool, 3, NULL, 0, &s), 0);
        assert_int_equal(s, 0x0ad5000cu);
        /* A host route over the first half of the pool pushes the choice past it. */
        struct cb_net4 busy[] = {{.addr = 0x0ad50000u, .prefix = 17}};
        assert_int_equal(cb_net_pick_subnet(pool, 5, busy, 1, &s), 0);
        assert_true(s >= 0x0ad58000u);
        /* Every slot taken. */
        struct cb_net4 all[] = {{.addr = 0x0a000000u, .prefix = 8}};
        assert_int_equal(cb_net_pick_subnet(pool, 5, all, 1, &s), -EADDRNOTAVAIL);
}

static void
test_resolv(void **state)
{
        (void)state;
        struct sockaddr_storage ss;
        socklen_t len;
        assert_int_equal(cb_net_resolv_nameserver("# comment\nsearch x\nnameserver 127.0.0.53\n", &ss, &len), 0);
        assert_int_equal(ss.ss_family, AF_INET);
        assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(0x7f000035u));
        assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
        assert_int_equal(cb_net_resolv_nameserver("nameserver fd00::53%eth0\n", &ss, &len), 0);
        assert_int_equal(ss.ss_family, AF_INET6);
        assert_int_equal(cb_net_resolv_nameserver("search x\n", &ss, &len), -ENOENT);
        assert_int_equal(cb_net_resolv_nameserver("", &ss, &len), -ENOENT);
}

static void
test_rules(void **state)
{
        (void)state;
        struct cb_cidr allow[2];
        assert_int_equal(cb_parse_cidr("10.77.0.0/16", &allow[0], NULL), 0);
        assert_int_equal(cb_parse_cidr("fd00::/8", &allow[1], NULL), 0);
        uint32_t host[] = {0xc0000202u};
        struct cb_net_policy p = {.allow = allow, .n_allow = 2, .resolver = 0x0ad50001u, .host = host, .n_host = 1};
        char *r = cb_net_sandbox_rules(&p);
        assert_non_null(r);
        assert_non_null(strstr(r, "table inet claudebox {"));
        assert_non_null(strstr(r, "169.254.0.0/16"));
        assert_non_null(strstr(r, "10.0.0.0/8"));
        assert_non_null(strstr(r, ", 192.0.2.2 }"));
        assert_non_null(strstr(r, "elements = { 10.77.0.0/16 }")); /* the IPv6 range is not an IPv4 element */
        assert_non_null(strstr(r, "ip daddr 10.213.0.1 udp dport 53 accept"));
        assert_non_null(strstr(r, "meta nfproto ipv6 reject"));
        /* Order matters: lo, then DNS, then --allow-net, then the refusals. */
        assert_true(strstr(r, "oifname \"lo\" accept") < strstr(r, "dport 53"));
        assert_true(strstr(r, "dport 53") < strstr(r, "@allowed4 accept"));
        assert_true(strstr(r, "@allowed4 accept") < strstr(r, "@refused4 reject"));
        free(r);
        p.n_allow = 0;
        r = cb_net_sandbox_rules(&p);
        assert_null(strstr(r, "allowed4"));
        free(r);
        struct cb_net4 pool = {.addr = 0x0ad50000, .prefix = 16};
        r = cb_net_host_base_rules(pool, false);
        /* Without replace: "create", which deletes nothing (and fails if a table is there). */
        assert_true(strncmp(r, "create table inet claudebox\n", strlen("create table inet claudebox\n")) == 0);
        assert_null(strstr(r, "delete table"));
        free(r);
        r = cb_net_host_base_rules(pool, true);
        /* One transaction that replaces whatever table of that name is there, marked with version and pool. */
        assert_true(strncmp(r, "add table inet claudebox\ndelete table inet claudebox\nadd table inet claudebox\n",
                            strlen("add table inet claudebox\ndelete table inet claudebox\n")) == 0);
        assert_non_null(strstr(r, "comment \"" CB_NET_HOST_VERSION " pool 10.213.0.0/16\""));
        /* DNS to the host over IPv4 only; the gateways answer only their own links. */
        assert_non_null(strstr(r, "iifname \"cbox*\" meta nfproto ipv4 fib daddr . iif type local udp dport 53 accept"));
        assert_non_null(strstr(r, "iifname \"cbox*\" meta nfproto ipv4 fib daddr . iif type local tcp dport 53 accept"));
        assert_null(strstr(r, "\" fib daddr . iif type local"));
        assert_non_null(strstr(r, "iifname != \"cbox*\" iifname != \"lo\" ip daddr 10.213.0.0/16 "
                                  "fib daddr . iif type != local drop"));
        assert_non_null(strstr(r, "iifname \"cbox*\" oifname != \"cbox*\" masquerade"));
        assert_non_null(strstr(r, "fib saddr . iif oif missing drop"));
        assert_true(strstr(r, "@allowed accept") < strstr(r, "@refused4 drop"));
        free(r);
        /* --allow-net: nested ranges collapse to the outer one, IPv6 is left out, duplicates once. */
        struct cb_cidr more[4];
        assert_int_equal(cb_parse_cidr("10.77.1.0/24", &more[0], NULL), 0);
        assert_int_equal(cb_parse_cidr("10.77.0.0/16", &more[1], NULL), 0);
        assert_int_equal(cb_parse_cidr("fd00::/8", &more[2], NULL), 0);
        assert_int_equal(cb_parse_cidr("10.77.0.0/16", &more[3], NULL), 0);
        struct cb_net_policy q = {.allow = more, .n_allow = 4};
        assert_int_equal(cb_net_host_allow_rules("cbox42", &q, true, &r), 0);
        assert_string_equal(r, "add element inet claudebox allowed { \"cbox42\" . 10.77.0.0/16 }\n");
        free(r);
        assert_int_equal(cb_net_host_allow_rules("cbox42", &q, false, &r), 0);
        assert_string_equal(r, "delete element inet claudebox allowed { \"cbox42\" . 10.77.0.0/16 }\n");
        free(r);
        q.n_allow = 0;
        assert_int_equal(cb_net_host_allow_rules("cbox42", &q, true, &r), 0);
        assert_null(r);
        for (int i = 0; i < 4; i++)
                free(more[i].text);
        free(allow[0].text);
        free(allow[1].text);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ranges),
                cmocka_unit_test(test_pick_subnet),
                cmocka_unit_test(test_resolv),
                cmocka_unit_test(test_rules),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
