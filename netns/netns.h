/* claudebox — the network layer's entry points.
 *
 *   prepare()     launcher, before clone: check helpers exist, pick addresses (fail closed here).
 *   attach()      launcher, right after clone, while the child sets up its mounts: veth + NAT (root) or
 *                 pasta/slirp4netns (rootless) into the child's network namespace.
 *   child_setup() inside the child's new netns, before the mounts: loopback up, routes if needed.
 *   resolv_conf() the text of /etc/resolv.conf inside, or NULL to keep the root's own.
 *   teardown()    launcher, on every exit path: links, nft rules, helper processes.
 * The child waits for the launcher's GO (sent after attach) before it starts the command. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "../runtime/config.h"
#include "../runtime/error.h"

struct cb_net;

int cb_net_prepare(const struct cb_config *cfg, struct cb_net **ret, struct cb_error **err);
int cb_net_attach(struct cb_net *net, pid_t child, struct cb_error **err);
int cb_net_child_setup(const struct cb_net *net, struct cb_error **err);
const char *cb_net_resolv_conf(const struct cb_net *net);
void cb_net_teardown(struct cb_net *net);
/* What was applied, for state.json: "isolated (veth + NAT)", "isolated (pasta)", "none", "host"... */
const char *cb_net_describe(const struct cb_net *net);
/* True when the sandbox gets its own network namespace (CLONE_NEWNET). */
bool cb_net_wants_netns(const struct cb_config *cfg);
