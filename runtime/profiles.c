/* claudebox — `claudebox profiles` (see profiles.h). Every cell is computed from cb_preset_get(), the same
 * data cb_config_build() applies, so the table cannot drift from the behaviour. */
#define _GNU_SOURCE
#include "profiles.h"

#include <inttypes.h>
#include <string.h>

#include "config.h"

static void
caps_text(const struct cb_preset *p, char *buf, size_t len)
{
        buf[0] = '\0';
        for (size_t i = 0; p->caps[i] != NULL; i++) {
                strncat(buf, i ? " " : "", len - strlen(buf) - 1);
                strncat(buf, p->caps[i], len - strlen(buf) - 1);
        }
}

static void
limits_text(const struct cb_preset *p, char *buf, size_t len)
{
        if (!p->limits)
                snprintf(buf, len, "none");
        else
                snprintf(buf, len, "memory %" PRIu64 "g (no swap), cpus %" PRIu64 ".%01" PRIu64 ", pids %" PRId64,
                         p->memory >> 30, (uint64_t)(p->nano_cpus / 1000000000U), (uint64_t)((p->nano_cpus % 1000000000U) / 100000000U),
                         p->pids_limit);
}

static const char *
seccomp_text(enum cb_seccomp_mode m)
{
        return m == CB_SECCOMP_UNCONFINED ? "unconfined" : "default";
}

void
cb_profiles_print(FILE *out)
{
        const struct cb_preset *s = cb_preset_get(CB_PROFILE_SECURE), *e = cb_preset_get(CB_PROFILE_ENHANCED);
        char sc[256], ec[256], sl[128], el[128];
        caps_text(s, sc, sizeof(sc));
        caps_text(e, ec, sizeof(ec));
        limits_text(s, sl, sizeof(sl));
        limits_text(e, el, sizeof(el));
        struct {
                const char *layer, *secure, *enhanced, *flag;
        } rows[] = {
                {"user namespace", "own uid/gid mapped to itself", "same", "--user"},
                {"pid, ipc, uts, mount, cgroup ns", "new", "new", "-"},
                {"network", cb_network_name(s->network), cb_network_name(e->network),
                 "--network isolated|none|host, --allow-net"},
                {"root filesystem", s->writable_root ? "writable (overlay, discarded)" : "read-only",
                 e->writable_root ? "writable (overlay, discarded)" : "read-only", "--read-only, --writable-root"},
                {"tmpfs", "/tmp 1g 1777, $HOME, /run, /dev/shm", "same", "--tmpfs PATH[:opts]"},
                {"project dir", "read-write (.git/hooks, .git/config read-only)", "same", "-w DIR"},
                {"agent state", "~/.claude, ~/.claude.json read-write", "same", "-"},
                {"parent dir", s->mount_parent ? "read-write" : "hidden", e->mount_parent ? "read-write" : "hidden",
                 "--[no-]mount-parent"},
                {"~/.ssh", s->mount_ssh ? "read-only" : "hidden", e->mount_ssh ? "read-only" : "hidden",
                 "--[no-]mount-ssh"},
                {"~/.gitconfig", s->mount_gitconfig ? "read-only" : "hidden",
                 e->mount_gitconfig ? "read-only" : "hidden", "--[no-]mount-gitconfig"},
                {"capabilities (bounding)", sc, ec, "--cap-add, --cap-drop"},
                {"no_new_privs", "on", "on", "-"},
                {"seccomp", seccomp_text(s->seccomp), seccomp_text(e->seccomp), "--seccomp default|unconfined|FILE"},
                {"cgroup limits", sl, el, "--memory, --cpus, --pids-limit, --no-limits"},
                {"X11", cb_x11_name(s->x11), cb_x11_name(e->x11), "--x11 none|broker|untrusted|trusted"},
                {"Docker socket", s->docker_socket ? "bound if present" : "never",
                 e->docker_socket ? "bound if present" : "never", "--docker-socket[=PATH]"},
                {"environment", s->host_env ? "host environment" : "allowlist (PATH, HOME, TERM, LANG, LC_*, ...)",
                 e->host_env ? "host environment (GITHUB_TOKEN included)" : "allowlist", "-e NAME[=VALUE], --[no-]host-env"},
                {"terminal", "own pty when stdin is a tty", "same", "-"},
        };
        fprintf(out, "| layer | secure (default) | enhanced | flag |\n|---|---|---|---|\n");
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                fprintf(out, "| %s | %s | %s | %s |\n", rows[i].layer, rows[i].secure, rows[i].enhanced,
                        rows[i].flag);
}
