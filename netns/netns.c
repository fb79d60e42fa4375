/* claudebox — network layer: host and none modes (isolated lands with the network issue: fails closed). */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../runtime/cleanup.h"

struct cb_net {
        enum cb_network mode;
};

bool
cb_net_wants_netns(const struct cb_config *cfg)
{
        return cfg->network != CB_NET_HOST;
}

int
cb_net_prepare(const struct cb_config *cfg, struct cb_net **ret, struct cb_error **err)
{
        *ret = NULL;
        if (cfg->network == CB_NET_ISOLATED)
                return cb_error_set(err, ENOSYS,
                                    "network layer: --network isolated is not available in this build; pass "
                                    "--network none (no network) or --network host");
        struct cb_net *net = calloc(1, sizeof(*net));
        if (net == NULL)
                return cb_error_set(err, ENOMEM, "network layer");
        net->mode = cfg->network;
        *ret = net;
        return 0;
}

int
cb_net_attach(struct cb_net *net, pid_t child, struct cb_error **err)
{
        (void)net;
        (void)child;
        (void)err;
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

int
cb_net_child_setup(const struct cb_net *net, struct cb_error **err)
{
        if (net == NULL || net->mode == CB_NET_HOST)
                return 0;
        return loopback_up(err);
}

const char *
cb_net_resolv_conf(const struct cb_net *net)
{
        (void)net;
        return NULL;
}

void
cb_net_teardown(struct cb_net *net)
{
        free(net);
}
