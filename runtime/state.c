/* claudebox — per-sandbox state directory (see state.h). */
#define _GNU_SOURCE
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config_json.h"

struct cb_state {
        char *dir;
};

int
cb_state_base(uid_t uid, const char *xdg, char **ret, struct cb_error **err)
{
        int r;
        /* uid 0 inside someone else's user namespace cannot write /run: fall through to the others. */
        if (uid == 0 && access("/run", W_OK) == 0)
                r = asprintf(ret, "/run/claudebox");
        else if (xdg != NULL && xdg[0] == '/')
                r = asprintf(ret, "%s/claudebox", xdg);
        else
                r = asprintf(ret, "/tmp/claudebox-%u", (unsigned)uid);
        return r < 0 ? cb_error_set(err, ENOMEM, "state directory") : 0;
}

/* The launcher's pid is in the directory's "launcher" file; a dead one means a SIGKILLed launcher. */
static bool
stale(const char *dir)
{
        char path[4200], buf[32] = "";
        snprintf(path, sizeof(path), "%s/launcher", dir);
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false; /* being created right now: not ours to judge */
        if (read(fd, buf, sizeof(buf) - 1) <= 0)
                return false;
        pid_t pid = (pid_t)atoi(buf);
        return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

static void
remove_dir(const char *dir)
{
        DIR *d = opendir(dir);
        if (d != NULL) {
                for (struct dirent *e; (e = readdir(d)) != NULL;)
                        if (e->d_name[0] != '.')
                                (void)unlinkat(dirfd(d), e->d_name, 0);
                closedir(d);
        }
        (void)rmdir(dir);
}

int
cb_state_create(const struct cb_config *cfg, struct cb_state **ret, struct cb_error **err)
{
        cleanup_free char *base = NULL;
        int r = cb_state_base(cfg->host_uid, cfg->xdg_runtime_dir, &base, err);
        if (r < 0)
                return r;
        /* 0700 on the base: sandbox names and commands are nobody else's business. */
        if (mkdir(base, 0700) < 0 && errno != EEXIST)
                return cb_error_set(err, errno, "create the state directory %s", base);
        struct stat st;
        if (lstat(base, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != cfg->host_uid)
                /* In /tmp someone else could have planted it: refuse rather than write into their dir. */
                return cb_error_set(err, EPERM, "state directory %s is not a directory owned by uid %u", base,
                                    (unsigned)cfg->host_uid);
        /* Reap the state of sandboxes whose launcher was SIGKILLed (it could not remove its own). */
        DIR *d = opendir(base);
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
                char sub[4200];
                if (e->d_name[0] == '.' || e->d_type != DT_DIR)
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", base, e->d_name);
                if (stale(sub))
                        remove_dir(sub);
        }
        if (d != NULL)
                closedir(d);
        cleanup_free char *dir = NULL;
        if (asprintf(&dir, "%s/%s", base, cfg->name) < 0)
                return cb_error_set(err, ENOMEM, "state directory");
        if (mkdir(dir, 0700) < 0) {
                if (errno != EEXIST)
                        return cb_error_set(err, errno, "create %s", dir);
                if (!stale(dir))
                        return cb_error_set(err, EEXIST, "a sandbox named %s is already running", cfg->name);
                remove_dir(dir); /* left by a SIGKILLed launcher */
                if (mkdir(dir, 0700) < 0)
                        return cb_error_set(err, errno, "create %s", dir);
        }
        char path[4200], pid[32];
        snprintf(path, sizeof(path), "%s/launcher", dir);
        int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, pid, (size_t)n) != n) {
                int e = errno;
                remove_dir(dir);
                return cb_error_set(err, e, "write %s", path);
        }
        struct cb_state *s = calloc(1, sizeof(*s));
        if (s == NULL) {
                remove_dir(dir);
                return cb_error_set(err, ENOMEM, "state");
        }
        s->dir = TAKE_PTR(dir);
        *ret = s;
        return 0;
}

static void
add_layer(struct json_object *layers, const char *name, const char *requested, const char *applied)
{
        struct json_object *l = json_object_new_object();
        json_object_object_add(l, "requested", json_object_new_string(requested));
        json_object_object_add(l, "applied", json_object_new_string(applied));
        json_object_object_add(layers, name, l);
}

/* Each layer as asked for and as applied: inspect and check compare the two. */
static struct json_object *
layers_json(const struct cb_config *cfg, const struct cb_applied *a)
{
        struct json_object *layers = json_object_new_object();
        char buf[160], caps[64];
        snprintf(buf, sizeof(buf), "uid %u mapped to %s", (unsigned)cfg->host_uid,
                 cfg->user_root ? "0" : "itself");
        add_layer(layers, "user", buf, buf);
        snprintf(buf, sizeof(buf), "user mount pid ipc uts cgroup%s", cfg->network != CB_NET_HOST ? " net" : "");
        add_layer(layers, "namespaces", buf, buf);
        const char *root = cfg->writable_root ? "writable (overlay, discarded)" : "read-only";
        add_layer(layers, "rootfs", root, root);
        snprintf(caps, sizeof(caps), "bounding 0x%llx", (unsigned long long)cfg->cap_bounding);
        snprintf(buf, sizeof(buf), "%s, %s", caps, cfg->user_root ? "effective = bounding" : "none effective");
        add_layer(layers, "capabilities", caps, buf);
        add_layer(layers, "no_new_privs", "on", "on");
        add_layer(layers, "seccomp", cb_seccomp_name(cfg), a ? a->seccomp : "unknown");
        if (cfg->limits)
                snprintf(buf, sizeof(buf), "memory %llu, nano_cpus %llu, pids %lld", (unsigned long long)cfg->memory,
                         (unsigned long long)cfg->nano_cpus, (long long)cfg->pids_limit);
        add_layer(layers, "limits", cfg->limits ? buf : "none", a ? a->cgroup : "unknown");
        add_layer(layers, "network", cb_network_name(cfg->network), a ? a->network : "unknown");
        /* Not built yet: no X socket is ever bound, whatever was asked. */
        add_layer(layers, "x11", cb_x11_name(cfg->x11), "none (not built yet)");
        add_layer(layers, "docker_socket", cfg->docker_socket ? cfg->docker_socket : "never",
                  cfg->docker_socket ? "/var/run/docker.sock" : "never");
        add_layer(layers, "environment", cfg->host_env ? "host" : "allowlist", cfg->host_env ? "host" : "allowlist");
        return layers;
}

int
cb_state_write(struct cb_state *st, const struct cb_config *cfg, const struct cb_applied *applied, pid_t init_pid,
               struct cb_error **err)
{
        cleanup_json struct json_object *o = cb_config_to_json(cfg);
        if (o == NULL)
                return cb_error_set(err, ENOMEM, "state.json");
        struct json_object *state = json_object_new_object();
        char started[64];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t len = strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(started + len, sizeof(started) - len, ".%09ldZ", ts.tv_nsec);
        json_object_object_add(state, "Status", json_object_new_string("running"));
        json_object_object_add(state, "Running", json_object_new_boolean(1));
        json_object_object_add(state, "Pid", json_object_new_int(init_pid));
        json_object_object_add(state, "LauncherPid", json_object_new_int(getpid()));
        json_object_object_add(state, "StartedAt", json_object_new_string(started));
        json_object_object_add(o, "State", state);
        json_object_object_add(o, "Layers", layers_json(cfg, applied));
        char tmp[4200], path[4200];
        snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", st->dir);
        snprintf(path, sizeof(path), "%s/state.json", st->dir);
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        size_t n = strlen(text);
        cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || write(fd, text, n) != (ssize_t)n || rename(tmp, path) < 0)
                return cb_error_set(err, errno, "write %s", path);
        return 0;
}

void
cb_state_remove(struct cb_state *st)
{
        if (st == NULL)
                return;
        remove_dir(st->dir);
        free(st->dir);
        free(st);
}
