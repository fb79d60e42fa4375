/* claudebox — the launcher side of `claudebox run`: the pipeline of layers with one entry point each.
 *
 *   prepare: seccomp -> cgroup -> network     (host side, before clone; fail closed)
 *   clone3 into new user/mount/pid/ipc/uts/cgroup(/net) namespaces [and the sandbox's cgroup]
 *   attach:  network                          (host side, while the child builds its root)
 *   run:     relay the pty, forward signals, collect the command's status
 *   teardown: network -> cgroup                (every exit path) */
#pragma once

#include "config.h"
#include "error.h"

/* Runs the sandbox to completion. On success *exit_code is the command's status mapped as SPEC §4
 * (own status, 126, 127, 128+N, 137 after an OOM kill). On failure of claudebox itself returns a negative
 * errno with *err set (the caller exits 125). */
struct cb_state;
int cb_launch(const struct cb_config *cfg, struct cb_state *state, int *exit_code, struct cb_error **err);
