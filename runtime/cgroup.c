/* claudebox — cgroup limits layer (placeholder until the cgroup issue lands: fails closed). */
#include "cgroup.h"

#include <errno.h>
#include <stdlib.h>

int
cb_cgroup_prepare(const struct cb_config *cfg, struct cb_cgroup **ret, struct cb_error **err)
{
        *ret = NULL;
        if (!cfg->limits)
                return 0;
        return cb_error_set(err, ENOSYS,
                            "cgroup layer: resource limits are not available in this build; pass --no-limits to "
                            "run without memory/cpu/pids limits");
}

int
cb_cgroup_clone_fd(const struct cb_cgroup *cg)
{
        (void)cg;
        return -1;
}

bool
cb_cgroup_needs_child_join(const struct cb_cgroup *cg)
{
        (void)cg;
        return false;
}

int
cb_cgroup_child_join(const struct cb_cgroup *cg, struct cb_error **err)
{
        (void)cg;
        (void)err;
        return 0;
}

int
cb_cgroup_setup_inside(const struct cb_cgroup *cg, struct cb_error **err)
{
        (void)cg;
        (void)err;
        return 0;
}

bool
cb_cgroup_oom_killed(const struct cb_cgroup *cg)
{
        (void)cg;
        return false;
}

void
cb_cgroup_destroy(struct cb_cgroup *cg)
{
        free(cg);
}
