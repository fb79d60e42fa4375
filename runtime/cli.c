/* claudebox — `claudebox run` option parsing (see cli.h). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

const char cb_run_usage[] =
        "Usage: claudebox run [OPTIONS] [--] [COMMAND [ARG...]]   (default COMMAND: claude)\n"
        "\n"
        "Profile\n"
        "  --profile secure|enhanced   presets over every layer (default: secure)\n"
        "Identity and names\n"
        "  --user root                 map your uid to 0 inside (default: your own uid)\n"
        "  --name NAME                 sandbox name (default: claudebox-<dir>-<4 hex>)\n"
        "  --hostname NAME             hostname inside (default: the name)\n"
        "Files\n"
        "  -w, --workdir DIR           project directory, read-write (default: the current directory)\n"
        "  -v, --volume SRC:DST[:ro|rw]  bind a host path\n"
        "  --tmpfs PATH[:size=..,mode=..]  mount a tmpfs\n"
        "  --rootfs DIR                use DIR as the root instead of the host's /\n"
        "  --read-only | --writable-root   root read-only, or writable through a discarded overlay\n"
        "  --[no-]mount-parent         the project's parent directory read-write\n"
        "  --[no-]mount-ssh            ~/.ssh read-only\n"
        "  --[no-]mount-gitconfig      ~/.gitconfig read-only\n"
        "  --docker-socket[=PATH] | --no-docker-socket   bind the Docker socket at /var/run/docker.sock\n"
        "Environment\n"
        "  -e, --env NAME[=VALUE]      set or pass one variable\n"
        "  --[no-]host-env             pass the whole host environment (tokens included)\n"
        "Capabilities\n"
        "  --cap-add CAP, --cap-drop CAP   change the bounding set (ALL allowed)\n"
        "Network\n"
        "  --network isolated|none|host\n"
        "  --allow-net CIDR            open an address range that isolated blocks (repeatable)\n"
        "Seccomp\n"
        "  --seccomp default|unconfined|FILE.json\n"
        "Limits\n"
        "  --memory SIZE, --cpus N, --pids-limit N, --no-limits\n"
        "X11\n"
        "  --x11 none|broker|untrusted|trusted\n"
        "Output\n"
        "  -q, --quiet, -v/--verbose (long form only: -v is --volume)\n";

enum {
        OPT_PROFILE = 256,
        OPT_USER,
        OPT_NAME,
        OPT_HOSTNAME,
        OPT_TMPFS,
        OPT_ROOTFS,
        OPT_READ_ONLY,
        OPT_WRITABLE_ROOT,
        OPT_MOUNT_PARENT,
        OPT_NO_MOUNT_PARENT,
        OPT_MOUNT_SSH,
        OPT_NO_MOUNT_SSH,
        OPT_MOUNT_GITCONFIG,
        OPT_NO_MOUNT_GITCONFIG,
        OPT_DOCKER_SOCKET,
        OPT_NO_DOCKER_SOCKET,
        OPT_HOST_ENV,
        OPT_NO_HOST_ENV,
        OPT_CAP_ADD,
        OPT_CAP_DROP,
        OPT_NETWORK,
        OPT_ALLOW_NET,
        OPT_SECCOMP,
        OPT_MEMORY,
        OPT_CPUS,
        OPT_PIDS_LIMIT,
        OPT_NO_LIMITS,
        OPT_X11,
        OPT_VERBOSE,
};

static const struct option long_options[] = {
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"user", required_argument, NULL, OPT_USER},
        {"name", required_argument, NULL, OPT_NAME},
        {"hostname", required_argument, NULL, OPT_HOSTNAME},
        {"workdir", required_argument, NULL, 'w'},
        {"volume", required_argument, NULL, 'v'},
        {"tmpfs", required_argument, NULL, OPT_TMPFS},
        {"rootfs", required_argument, NULL, OPT_ROOTFS},
        {"read-only", no_argument, NULL, OPT_READ_ONLY},
        {"writable-root", no_argument, NULL, OPT_WRITABLE_ROOT},
        {"mount-parent", no_argument, NULL, OPT_MOUNT_PARENT},
        {"no-mount-parent", no_argument, NULL, OPT_NO_MOUNT_PARENT},
        {"mount-ssh", no_argument, NULL, OPT_MOUNT_SSH},
        {"no-mount-ssh", no_argument, NULL, OPT_NO_MOUNT_SSH},
        {"mount-gitconfig", no_argument, NULL, OPT_MOUNT_GITCONFIG},
        {"no-mount-gitconfig", no_argument, NULL, OPT_NO_MOUNT_GITCONFIG},
        {"docker-socket", optional_argument, NULL, OPT_DOCKER_SOCKET},
        {"no-docker-socket", no_argument, NULL, OPT_NO_DOCKER_SOCKET},
        {"env", required_argument, NULL, 'e'},
        {"host-env", no_argument, NULL, OPT_HOST_ENV},
        {"no-host-env", no_argument, NULL, OPT_NO_HOST_ENV},
        {"cap-add", required_argument, NULL, OPT_CAP_ADD},
        {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
        {"network", required_argument, NULL, OPT_NETWORK},
        {"net", required_argument, NULL, OPT_NETWORK},
        {"allow-net", required_argument, NULL, OPT_ALLOW_NET},
        {"seccomp", required_argument, NULL, OPT_SECCOMP},
        {"memory", required_argument, NULL, OPT_MEMORY},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
        {"no-limits", no_argument, NULL, OPT_NO_LIMITS},
        {"x11", required_argument, NULL, OPT_X11},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int
set_str(char **slot, const char *value, struct cb_error **err)
{
        free(*slot);
        *slot = strdup(value);
        return *slot ? 0 : cb_error_set(err, ENOMEM, "parse arguments");
}

static int
push(char ***v, const char *value, struct cb_error **err)
{
        return cb_strv_push(v, value) < 0 ? cb_error_set(err, ENOMEM, "parse arguments") : 0;
}

int
cb_cli_parse_run(int argc, char *const *argv, struct cb_options *o, struct cb_error **err)
{
        *o = (struct cb_options){0};
        int r = 0, c;
        /* '+': stop at the first non-option, so `claudebox run ls -l` passes -l to ls. */
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:w:v:e:qh", long_options, NULL)) != -1) {
                switch (c) {
                case OPT_PROFILE:
                        if (strcmp(optarg, "secure") == 0)
                                o->profile = CB_PROFILE_SECURE;
                        else if (strcmp(optarg, "enhanced") == 0)
                                o->profile = CB_PROFILE_ENHANCED;
                        else
                                return cb_error_input(err,
                                                    "invalid --profile '%s': expected secure or enhanced", optarg);
                        break;
                case OPT_USER: r = set_str(&o->user, optarg, err); break;
                case OPT_NAME: r = set_str(&o->name, optarg, err); break;
                case OPT_HOSTNAME: r = set_str(&o->hostname, optarg, err); break;
                case 'w': r = set_str(&o->workdir, optarg, err); break;
                case 'v': r = push(&o->volumes, optarg, err); break;
                case OPT_TMPFS: r = push(&o->tmpfs, optarg, err); break;
                case OPT_ROOTFS: r = set_str(&o->rootfs, optarg, err); break;
                case OPT_READ_ONLY: o->read_only = CB_YES; break;
                case OPT_WRITABLE_ROOT: o->read_only = CB_NO; break;
                case OPT_MOUNT_PARENT: o->mount_parent = CB_YES; break;
                case OPT_NO_MOUNT_PARENT: o->mount_parent = CB_NO; break;
                case OPT_MOUNT_SSH: o->mount_ssh = CB_YES; break;
                case OPT_NO_MOUNT_SSH: o->mount_ssh = CB_NO; break;
                case OPT_MOUNT_GITCONFIG: o->mount_gitconfig = CB_YES; break;
                case OPT_NO_MOUNT_GITCONFIG: o->mount_gitconfig = CB_NO; break;
                case OPT_DOCKER_SOCKET:
                        o->docker_socket = CB_YES;
                        if (optarg != NULL)
                                r = set_str(&o->docker_socket_path, optarg, err);
                        break;
                case OPT_NO_DOCKER_SOCKET: o->docker_socket = CB_NO; break;
                case 'e': r = push(&o->env, optarg, err); break;
                case OPT_HOST_ENV: o->host_env = CB_YES; break;
                case OPT_NO_HOST_ENV: o->host_env = CB_NO; break;
                case OPT_CAP_ADD: r = push(&o->cap_add, optarg, err); break;
                case OPT_CAP_DROP: r = push(&o->cap_drop, optarg, err); break;
                case OPT_NETWORK: r = set_str(&o->network, optarg, err); break;
                case OPT_ALLOW_NET: r = push(&o->allow_net, optarg, err); break;
                case OPT_SECCOMP: r = set_str(&o->seccomp, optarg, err); break;
                case OPT_MEMORY: r = set_str(&o->memory, optarg, err); break;
                case OPT_CPUS: r = set_str(&o->cpus, optarg, err); break;
                case OPT_PIDS_LIMIT: r = set_str(&o->pids_limit, optarg, err); break;
                case OPT_NO_LIMITS: o->no_limits = true; break;
                case OPT_X11: r = set_str(&o->x11, optarg, err); break;
                case 'q': o->verbosity = -1; break;
                case OPT_VERBOSE: o->verbosity++; break;
                case 'h': return 1;
                case ':':
                        return cb_error_input(err, "option '%s' needs a value (see claudebox run --help)",
                                            argv[optind - 1]);
                default:
                        return cb_error_input(err, "unknown option '%s' (see claudebox run --help)",
                                            argv[optind - 1]);
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                o->argv = calloc((size_t)(argc - optind) + 1, sizeof(char *));
                if (o->argv == NULL)
                        return cb_error_set(err, ENOMEM, "parse arguments");
                for (int i = optind; i < argc; i++)
                        if ((o->argv[i - optind] = strdup(argv[i])) == NULL)
                                return cb_error_set(err, ENOMEM, "parse arguments");
                if (o->argv[0][0] == '\0')
                        return cb_error_input(err, "the command is an empty string");
        }
        return 0;
}
