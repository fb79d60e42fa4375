/* claudebox — configuration as inspect-shaped JSON (see config_json.h). */
#define _GNU_SOURCE
#include "config_json.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"

static struct json_object *
strv_json(char *const *v, bool names_only)
{
        struct json_object *a = json_object_new_array();
        for (size_t i = 0; a != NULL && v != NULL && v[i] != NULL; i++) {
                size_t n = names_only ? strcspn(v[i], "=") : strlen(v[i]);
                json_object_array_add(a, json_object_new_string_len(v[i], (int)n));
        }
        return a;
}

struct json_object *
cb_config_to_json(const struct cb_config *cfg)
{
        struct json_object *o = json_object_new_object();
        if (o == NULL)
                return NULL;
        json_object_object_add(o, "Id", json_object_new_string(cfg->name));
        json_object_object_add(o, "Name", json_object_new_string(cfg->name));
        json_object_object_add(o, "Profile", json_object_new_string(cb_profile_name(cfg->profile)));

        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "Cmd", strv_json(cfg->argv, false));
        /* Names only: values may be tokens, and state.json is readable by the user's other processes. */
        json_object_object_add(c, "Env", strv_json(cfg->env, true));
        json_object_object_add(c, "Hostname", json_object_new_string(cfg->hostname));
        json_object_object_add(c, "WorkingDir", json_object_new_string(cfg->workdir));
        json_object_object_add(c, "User", json_object_new_string(cfg->user));
        json_object_object_add(o, "Config", c);

        struct json_object *h = json_object_new_object();
        struct json_object *sec = json_object_new_array();
        char buf[4200];
        snprintf(buf, sizeof(buf), "seccomp=%s", cb_seccomp_name(cfg));
        json_object_array_add(sec, json_object_new_string(buf));
        json_object_array_add(sec, json_object_new_string("no-new-privileges"));
        json_object_object_add(h, "SecurityOpt", sec);
        json_object_object_add(h, "NetworkMode", json_object_new_string(cb_network_name(cfg->network)));
        struct json_object *binds = json_object_new_array();
        for (size_t i = 0; i < cfg->n_binds; i++) {
                snprintf(buf, sizeof(buf), "%s:%s:%s", cfg->binds[i].src, cfg->binds[i].dst,
                         cfg->binds[i].readonly ? "ro" : "rw");
                json_object_array_add(binds, json_object_new_string(buf));
        }
        json_object_object_add(h, "Binds", binds);
        struct json_object *tmpfs = json_object_new_object();
        for (size_t i = 0; i < cfg->n_tmpfs; i++)
                json_object_object_add(tmpfs, cfg->tmpfs[i].path, json_object_new_string(cfg->tmpfs[i].options));
        json_object_object_add(h, "Tmpfs", tmpfs);
        json_object_object_add(h, "CapAdd", strv_json(cfg->cap_add, false));
        json_object_object_add(h, "CapDrop", strv_json(cfg->cap_drop, false));
        snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)cfg->cap_bounding);
        json_object_object_add(h, "CapBounding", json_object_new_string(buf));
        json_object_object_add(h, "ReadonlyRootfs", json_object_new_boolean(!cfg->writable_root));
        json_object_object_add(h, "Memory", json_object_new_int64((int64_t)cfg->memory));
        json_object_object_add(h, "MemorySwap", json_object_new_int64((int64_t)cfg->memory));
        json_object_object_add(h, "NanoCpus", json_object_new_int64((int64_t)cfg->nano_cpus));
        json_object_object_add(h, "PidsLimit", json_object_new_int64(cfg->pids_limit));
        json_object_object_add(h, "Privileged", json_object_new_boolean(0));
        json_object_object_add(h, "Rootfs", json_object_new_string(cfg->rootfs));
        json_object_object_add(h, "X11", json_object_new_string(cb_x11_name(cfg->x11)));
        struct json_object *allow = json_object_new_array();
        for (size_t i = 0; i < cfg->n_allow_net; i++)
                json_object_array_add(allow, json_object_new_string(cfg->allow_net[i].text));
        json_object_object_add(h, "AllowNet", allow);
        json_object_object_add(o, "HostConfig", h);
        return o;
}
