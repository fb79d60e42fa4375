/* claudebox — seccomp layer (placeholder until the seccomp issue lands: fails closed). */
#include "seccomp_layer.h"

#include <errno.h>
#include <stdlib.h>

struct cb_seccomp {
        int unused;
};

int
cb_seccomp_prepare(const struct cb_config *cfg, struct cb_seccomp **ret, struct cb_error **err)
{
        *ret = NULL;
        if (cfg->seccomp == CB_SECCOMP_UNCONFINED)
                return 0;
        return cb_error_set(err, ENOSYS,
                            "seccomp layer: filter '%s' is not available in this build; pass --seccomp "
                            "unconfined to run without a filter",
                            cb_seccomp_name(cfg));
}

int
cb_seccomp_apply(const struct cb_seccomp *sc, struct cb_error **err)
{
        (void)sc;
        (void)err;
        return 0;
}

void
cb_seccomp_free(struct cb_seccomp *sc)
{
        free(sc);
}

const char *
cb_seccomp_describe(const struct cb_seccomp *sc)
{
        return sc == NULL ? "unconfined" : "default";
}
