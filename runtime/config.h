/* claudebox — the configuration of one sandbox.
 *
 * Built once (profile preset -> command-line flags -> host facts -> validation) by config.c and cli.c,
 * then handed to every layer as `const struct cb_config *`. Layers never change it and never read argv or
 * the environment themselves, so `claudebox profiles`, `inspect` and the launch path tell the same story. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum cb_profile { CB_PROFILE_SECURE = 0, CB_PROFILE_ENHANCED };
enum cb_network { CB_NET_ISOLATED = 0, CB_NET_NONE, CB_NET_HOST };
enum cb_seccomp_mode { CB_SECCOMP_DEFAULT = 0, CB_SECCOMP_UNCONFINED, CB_SECCOMP_FILE };
enum cb_x11 { CB_X11_NONE = 0, CB_X11_BROKER, CB_X11_UNTRUSTED, CB_X11_TRUSTED };

/* A tri-state for flags that override a profile: unset means "the profile decides". */
enum cb_tristate { CB_UNSET = 0, CB_NO, CB_YES };

/* One bind mount of a host path into the sandbox. */
struct cb_bind {
        char *src;          /* absolute host path */
        char *dst;          /* absolute path inside the sandbox */
        bool readonly;
        bool optional;      /* skip silently when src does not exist */
        const char *origin; /* why it is there: "project", "agent-state", "-v", "parent", "ssh", ... */
};

/* One tmpfs. options is the validated mount data ("size=1073741824,mode=1777"). */
struct cb_tmpfs {
        char *path;
        char *options;
};

/* An IPv4/IPv6 range for --allow-net. */
struct cb_cidr {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        uint8_t prefix;
        char *text;
};

struct cb_config {
        enum cb_profile profile;
        char *name;     /* claudebox-<dirname>-<4 hex> unless --name */
        char *hostname; /* default: name */
        int verbosity;  /* -1 quiet, 0 normal, 1+ verbose */

        /* The command: argv as given (argv[0] "claude" by default). exec_path is the host-resolved
         * absolute path when the command was found on the host PATH under a hidden tree (then it is
         * executed by that path), else NULL and the sandbox's own PATH search runs. */
        char **argv;
        bool default_command;
        char *exec_path;

        /* Identity. The invoking uid/gid are mapped to themselves unless user_root maps them to 0. */
        uid_t host_uid;
        gid_t host_gid;
        bool user_root;
        char *user; /* login name, for USER/LOGNAME */
        char *home; /* the invoking user's home: hidden behind a tmpfs inside */

        /* Filesystem. */
        char *rootfs; /* "/" or --rootfs DIR, canonical */
        bool writable_root;
        char *workdir; /* project directory, canonical, also the working directory */
        bool mount_parent, mount_ssh, mount_gitconfig;
        char *docker_socket; /* host path of the socket to bind at /var/run/docker.sock, or NULL */
        struct cb_bind *binds; /* every bind, in the order they are applied */
        size_t n_binds;
        struct cb_tmpfs *tmpfs; /* /tmp, $HOME and --tmpfs entries (not /dev, /proc, /run internals) */
        size_t n_tmpfs;

        /* Capabilities: the bounding set as a bit mask over CAP_* numbers, and the flags as given. */
        uint64_t cap_bounding;
        char **cap_add, **cap_drop; /* NULL-terminated, upper-case names without CAP_ ("ALL" allowed) */

        /* Environment: the complete envp of the command, built from the allowlist or the host env. */
        bool host_env;
        char **env;

        enum cb_network network;
        struct cb_cidr *allow_net;
        size_t n_allow_net;

        enum cb_seccomp_mode seccomp;
        char *seccomp_file;

        /* Cgroup limits; limits == false means none at all. 0 means "no limit" for each one. */
        bool limits;
        uint64_t memory;    /* bytes */
        uint64_t nano_cpus; /* 1e9 == one CPU */
        int64_t pids_limit;

        enum cb_x11 x11;

        /* Host facts captured when the config was built (the layers never read the environment). */
        char *docker_host_env;   /* $DOCKER_HOST */
        char *xdg_runtime_dir;   /* $XDG_RUNTIME_DIR */
        bool stdin_is_tty;

        /* Things the user should know about this configuration (a profile default that was skipped as
         * unsafe here, ...): printed by main unless --quiet. NULL-terminated. */
        char **warnings;
        /* Paths in a protected git dir that did not exist at start and that git would honour if they
         * appeared (commondir, config.worktree): checked after the run, with a warning. */
        char **git_watch;
};

/* What the command line asked for, before the profile is applied: built by cli.c, pure data. */
struct cb_options {
        enum cb_profile profile;
        char *name, *hostname, *rootfs, *workdir, *seccomp, *user;
        int verbosity;
        enum cb_tristate read_only; /* --read-only / --writable-root */
        enum cb_tristate mount_parent, mount_ssh, mount_gitconfig, host_env, docker_socket;
        char *docker_socket_path;
        char *network;
        char **allow_net, **volumes, **tmpfs, **env, **cap_add, **cap_drop;
        char *memory, *cpus, *pids_limit;
        bool no_limits;
        char *x11;
        char **argv; /* the command, NULL for the default */
};

/* Host facts the config builder reads; a struct so unit tests can fake them. */
struct cb_host {
        uid_t uid;
        gid_t gid;
        const char *user;
        const char *home;
        const char *cwd;
        char **environ;
        bool stdin_is_tty;
};

int cb_host_read(struct cb_host *host, struct cb_error **err);
void cb_host_free(struct cb_host *host);

/* Profile -> flags -> validation. On failure returns a negative errno with *err set (bad input is
 * reported as EINVAL and leads to exit 125). */
int cb_config_build(const struct cb_options *opts, const struct cb_host *host, struct cb_config **ret,
                    struct cb_error **err);
void cb_config_free(struct cb_config *cfg);
void cb_options_free(struct cb_options *opts);

const char *cb_profile_name(enum cb_profile p);
const char *cb_network_name(enum cb_network n);
const char *cb_seccomp_name(const struct cb_config *cfg);
const char *cb_x11_name(enum cb_x11 x);

/* The defaults of each profile, as data: `claudebox profiles` prints them and cb_config_build applies
 * them, so the table can never disagree with the code. */
struct cb_preset {
        enum cb_profile profile;
        bool writable_root, mount_parent, mount_ssh, mount_gitconfig, host_env, docker_socket;
        enum cb_network network;
        enum cb_seccomp_mode seccomp;
        bool limits;
        uint64_t memory, nano_cpus;
        int64_t pids_limit;
        enum cb_x11 x11;
        const char *const *caps; /* NULL-terminated names */
};
const struct cb_preset *cb_preset_get(enum cb_profile p);

static inline void
cb_config_freep(struct cb_config **c)
{
        cb_config_free(*c);
}
#define cleanup_config __attribute__((cleanup(cb_config_freep)))
