/* claudebox — the seccomp layer's entry points.
 *
 * prepare() runs in the launcher before clone: it picks the precompiled default filter, or parses a
 * Docker/OCI JSON profile, and holds the BPF program ready. apply() runs in the command's process as
 * the very last step before execve (after capabilities and no_new_privs) and must not allocate. */
#pragma once

#include "../runtime/config.h"
#include "../runtime/error.h"

struct cb_seccomp;

/* *ret is NULL when the config asks for no filter (unconfined). */
int cb_seccomp_prepare(const struct cb_config *cfg, struct cb_seccomp **ret, struct cb_error **err);
int cb_seccomp_apply(const struct cb_seccomp *sc, struct cb_error **err);
void cb_seccomp_free(struct cb_seccomp *sc);
/* What was applied, for inspect/verbose output ("default", "unconfined", a file path). */
const char *cb_seccomp_describe(const struct cb_seccomp *sc);
