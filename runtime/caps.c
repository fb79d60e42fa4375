/* claudebox — the capability layer (see caps.h). */
#define _GNU_SOURCE
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>

static int
apply(uint64_t bounding, bool root, struct cb_error **err)
{
        /* Under no_new_privs execve never raises capabilities, not even for uid 0: a root-mapped command
         * keeps the bounding set as its permitted/effective set (as Docker's root does); anyone else
         * starts with nothing. */
        capng_type_t sets = CAPNG_BOUNDING_SET;
        if (root)
                sets |= CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE;
        capng_clear(CAPNG_SELECT_BOTH);
        for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
                if ((bounding >> c) & 1)
                        if (capng_update(CAPNG_ADD, sets, (unsigned)c) < 0)
                                return cb_error_set(err, EINVAL, "capability %d", c);
        /* Bounding first (needs CAP_SETPCAP, which we still hold), then the empty sets: nothing the
         * command execs can exceed the bounding set, whatever file capabilities it carries. */
        if (capng_apply(CAPNG_SELECT_BOTH) < 0)
                return cb_error_set(err, EPERM, "apply capability sets");
        /* Ambient capabilities survive execve for non-root: clear them explicitly. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return cb_error_set(err, errno, "clear ambient capabilities");
        /* no_new_privs: setuid/setgid bits and file capabilities grant nothing from here on, and it is
         * what lets an unprivileged process install the seccomp filter. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return cb_error_set(err, errno, "set no_new_privs");
        return 0;
}

int
cb_caps_apply(uint64_t bounding, bool root, struct cb_error **err)
{
        return apply(bounding, root, err);
}

int
cb_caps_drop_all(struct cb_error **err)
{
        return apply(0, false, err);
}
