/* claudebox — per-sandbox state: $XDG_RUNTIME_DIR/claudebox/<name>/ (root: /run/claudebox/<name>/).
 *
 * The directory is created with mkdir(2), which is atomic: it reserves the sandbox's name, so two
 * sandboxes can never share one (nor its cgroup, veth or nft chain names). state.json describes the
 * running sandbox in `docker inspect` shape for `claudebox ps`/`inspect`; the directory is removed when
 * the sandbox ends, and one left by a SIGKILLed launcher is reaped by the next run. */
#pragma once

#include <sys/types.h>

#include "config.h"
#include "error.h"

struct cb_state;

/* Reserves cfg->name. -EEXIST when a live sandbox has it (the caller may pick another default name). */
int cb_state_create(const struct cb_config *cfg, struct cb_state **ret, struct cb_error **err);
/* What the layers applied, as they describe it (each one's *_describe()). */
struct cb_applied {
        const char *seccomp, *cgroup, *network;
};

/* Writes state.json (atomically) once the sandbox's init has a pid: the configuration in inspect shape,
 * State, and Layers (each layer: requested, applied). */
int cb_state_write(struct cb_state *st, const struct cb_config *cfg, const struct cb_applied *applied,
                   pid_t init_pid, struct cb_error **err);
/* Removes the directory and frees. Safe with NULL. */
void cb_state_remove(struct cb_state *st);
/* The base directory for this user (for ps/inspect and the leftover reaper). */
int cb_state_base(uid_t uid, const char *xdg_runtime_dir, char **ret, struct cb_error **err);
