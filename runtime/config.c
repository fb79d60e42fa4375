/* claudebox — builds the one configuration of a sandbox: profile preset -> flags -> host facts ->
 * validation. Everything the layers need is resolved here (binds, environment, command path), so the
 * launch path only reads. */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "parse.h"

static const char *const secure_caps[] = {"CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID", NULL};
/* Docker's default capability set (moby oci/caps/defaults.go). */
static const char *const docker_caps[] = {"CHOWN",  "DAC_OVERRIDE", "FSETID",     "FOWNER",  "MKNOD",
                                          "NET_RAW", "SETGID",      "SETUID",     "SETFCAP", "SETPCAP",
                                          "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE", NULL};

static const struct cb_preset presets[] = {
        [CB_PROFILE_SECURE] = {.profile = CB_PROFILE_SECURE,
                               .network = CB_NET_ISOLATED,
                               .seccomp = CB_SECCOMP_DEFAULT,
                               .limits = true,
                               .memory = 4ULL << 30,
                               .nano_cpus = 2000000000ULL,
                               .pids_limit = 200,
                               .x11 = CB_X11_BROKER,
                               .caps = secure_caps},
        [CB_PROFILE_ENHANCED] = {.profile = CB_PROFILE_ENHANCED,
                                 .writable_root = true,
                                 .mount_parent = true,
                                 .mount_ssh = true,
                                 .mount_gitconfig = true,
                                 .host_env = true,
                                 .docker_socket = true,
                                 .network = CB_NET_HOST,
                                 .seccomp = CB_SECCOMP_UNCONFINED,
                                 .limits = false,
                                 .x11 = CB_X11_TRUSTED,
                                 .caps = docker_caps},
};

const struct cb_preset *
cb_preset_get(enum cb_profile p)
{
        return &presets[p == CB_PROFILE_ENHANCED ? CB_PROFILE_ENHANCED : CB_PROFILE_SECURE];
}

const char *
cb_profile_name(enum cb_profile p)
{
        return p == CB_PROFILE_ENHANCED ? "enhanced" : "secure";
}

const char *
cb_network_name(enum cb_network n)
{
        switch (n) {
        case CB_NET_NONE: return "none";
        case CB_NET_HOST: return "host";
        default: return "isolated";
        }
}

const char *
cb_seccomp_name(const struct cb_config *cfg)
{
        switch (cfg->seccomp) {
        case CB_SECCOMP_UNCONFINED: return "unconfined";
        case CB_SECCOMP_FILE: return cfg->seccomp_file;
        default: return "default";
        }
}

const char *
cb_x11_name(enum cb_x11 x)
{
        switch (x) {
        case CB_X11_BROKER: return "broker";
        case CB_X11_UNTRUSTED: return "untrusted";
        case CB_X11_TRUSTED: return "trusted";
        default: return "none";
        }
}

int
cb_host_read(struct cb_host *host, struct cb_error **err)
{
        extern char **environ;
        *host = (struct cb_host){.uid = getuid(), .gid = getgid(), .environ = environ};
        host->stdin_is_tty = isatty(STDIN_FILENO) == 1;
        struct passwd *pw = getpwuid(host->uid);
        const char *home = getenv("HOME");
        /* $HOME wins over the passwd entry, as for every shell tool: tests point it at a temp dir. */
        if (home == NULL || home[0] != '/')
                home = pw != NULL ? pw->pw_dir : NULL;
        if (home == NULL)
                return cb_error_set(err, ENOENT, "cannot tell the home directory of uid %u (set HOME)",
                                    (unsigned)host->uid);
        host->home = strdup(home);
        char uidbuf[32];
        snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)host->uid);
        host->user = strdup(pw != NULL ? pw->pw_name : uidbuf);
        host->cwd = getcwd(NULL, 0);
        if (host->cwd == NULL)
                return cb_error_set(err, errno,
                                    "cannot read the current directory (deleted, or unreachable from this "
                                    "mount namespace); cd somewhere else or pass -w DIR");
        if (host->home == NULL || host->user == NULL)
                return cb_error_set(err, ENOMEM, "read host facts");
        return 0;
}

void
cb_host_free(struct cb_host *host)
{
        free((char *)host->home);
        free((char *)host->user);
        free((char *)host->cwd);
}

static const char *
host_getenv(const struct cb_host *host, const char *name)
{
        size_t n = strlen(name);
        for (char **e = host->environ; e != NULL && *e != NULL; e++)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

static bool
env_allowed(const char *entry)
{
        static const char *const names[] = {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM",
                                            "COLORTERM", "LANG", "TZ", NULL};
        const char *eq = strchr(entry, '=');
        if (eq == NULL)
                return false;
        size_t n = (size_t)(eq - entry);
        if (n > 3 && strncmp(entry, "LC_", 3) == 0)
                return true;
        for (size_t i = 0; names[i] != NULL; i++)
                if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
                        return true;
        return false;
}

/* Sets NAME=VALUE in an envp, replacing an existing NAME. */
static int
env_set(char ***env, const char *name, size_t namelen, const char *value)
{
        cleanup_free char *entry = NULL;
        if (asprintf(&entry, "%.*s=%s", (int)namelen, name, value) < 0)
                return -ENOMEM;
        for (char **e = *env; e != NULL && *e != NULL; e++)
                if (strncmp(*e, name, namelen) == 0 && (*e)[namelen] == '=') {
                        free(*e);
                        *e = TAKE_PTR(entry);
                        return 0;
                }
        return cb_strv_push(env, entry);
}

static int
build_env(struct cb_config *cfg, const struct cb_options *opts, const struct cb_host *host,
          struct cb_error **err)
{
        char **env = calloc(1, sizeof(char *));
        if (env == NULL)
                return cb_error_set(err, ENOMEM, "build environment");
        cfg->env = env;
        /* The secure default passes only names that describe the terminal and locale: an agent must not
         * inherit the tokens a developer's shell holds (GITHUB_TOKEN, AWS_*, SSH_AUTH_SOCK...). */
        for (char **e = host->environ; e != NULL && *e != NULL; e++)
                if (cfg->host_env || env_allowed(*e))
                        if (cb_strv_push(&cfg->env, *e) < 0)
                                return cb_error_set(err, ENOMEM, "build environment");
        if (host_getenv(host, "PATH") == NULL &&
            env_set(&cfg->env, "PATH", 4, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
                return cb_error_set(err, ENOMEM, "build environment");
        const char *home = cfg->user_root ? "/root" : cfg->home;
        if (env_set(&cfg->env, "HOME", 4, cfg->user_root && cfg->host_uid != 0 ? cfg->home : home) < 0 ||
            env_set(&cfg->env, "USER", 4, cfg->user) < 0 || env_set(&cfg->env, "LOGNAME", 7, cfg->user) < 0)
                return cb_error_set(err, ENOMEM, "build environment");
        for (size_t i = 0; opts->env != NULL && opts->env[i] != NULL; i++) {
                const char *spec = opts->env[i];
                const char *eq = strchr(spec, '=');
                size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
                if (!cb_env_name_valid(spec, n))
                        return cb_error_input(err,
                                            "invalid -e '%s': expected NAME=VALUE or NAME (a letter or _ "
                                            "followed by letters, digits or _)",
                                            spec);
                const char *value = eq ? eq + 1 : NULL;
                if (value == NULL) {
                        cleanup_free char *name = strndup(spec, n);
                        value = name ? host_getenv(host, name) : NULL;
                        if (value == NULL)
                                continue; /* as Docker: -e NAME with NAME unset on the host passes nothing */
                }
                if (env_set(&cfg->env, spec, n, value) < 0)
                        return cb_error_set(err, ENOMEM, "build environment");
        }
        return 0;
}

static int
add_bind(struct cb_config *cfg, const char *src, const char *dst, bool ro, bool optional, const char *origin,
         struct cb_error **err)
{
        struct cb_bind *b = realloc(cfg->binds, (cfg->n_binds + 1) * sizeof(*b));
        if (b == NULL)
                return cb_error_set(err, ENOMEM, "add bind");
        cfg->binds = b;
        b[cfg->n_binds] = (struct cb_bind){.src = strdup(src), .dst = strdup(dst ? dst : src),
                                           .readonly = ro, .optional = optional, .origin = origin};
        if (b[cfg->n_binds].src == NULL || b[cfg->n_binds].dst == NULL)
                return cb_error_set(err, ENOMEM, "add bind");
        cfg->n_binds++;
        return 0;
}

static int
add_tmpfs(struct cb_config *cfg, const char *path, const char *options, struct cb_error **err)
{
        struct cb_tmpfs *t = realloc(cfg->tmpfs, (cfg->n_tmpfs + 1) * sizeof(*t));
        if (t == NULL)
                return cb_error_set(err, ENOMEM, "add tmpfs");
        cfg->tmpfs = t;
        t[cfg->n_tmpfs] = (struct cb_tmpfs){.path = strdup(path), .options = strdup(options)};
        if (t[cfg->n_tmpfs].path == NULL || t[cfg->n_tmpfs].options == NULL)
                return cb_error_set(err, ENOMEM, "add tmpfs");
        cfg->n_tmpfs++;
        return 0;
}

static bool
exists(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0;
}

/* Read-only binds of one git dir's hooks and config (a missing hooks dir is made first, as git init does,
 * so the sandbox cannot create one), and the paths git would honour if they appeared (commondir,
 * config.worktree): those cannot be pre-empted without breaking git, so they are watched instead. */
static int
protect_gitdir(struct cb_config *cfg, const char *gitdir, struct cb_error **err)
{
        cleanup_free char *hooks = cb_path_join(gitdir, "hooks");
        cleanup_free char *config = cb_path_join(gitdir, "config");
        if (hooks == NULL || config == NULL)
                return cb_error_set(err, ENOMEM, "protect .git");
        if (!exists(hooks) && mkdir(hooks, 0755) < 0 && errno != EEXIST)
                return cb_error_set(err, errno, "create %s (to bind it read-only)", hooks);
        int r = add_bind(cfg, hooks, NULL, true, false, "git-protect", err);
        if (r == 0 && exists(config))
                r = add_bind(cfg, config, NULL, true, false, "git-protect", err);
        static const char *const watched[] = {"commondir", "config.worktree", NULL};
        for (size_t i = 0; r == 0 && watched[i] != NULL; i++) {
                cleanup_free char *w = cb_path_join(gitdir, watched[i]);
                if (w == NULL)
                        return cb_error_set(err, ENOMEM, "protect .git");
                if (!exists(w) && cb_strv_push(&cfg->git_watch, w) < 0)
                        return cb_error_set(err, ENOMEM, "protect .git");
        }
        return r;
}

/* The host runs .git/hooks and reads .git/config (core.fsmonitor, core.sshCommand, aliases) without
 * asking; a sandboxed agent that could write them would execute code on the host the next time the user
 * runs git. So:
 *  - .git itself is pinned (bound onto itself): a mount point cannot be renamed or removed, so the agent
 *    cannot move it aside and build a new one with its own config;
 *  - a .git *file* (worktree, submodule) is bound read-only, so its gitdir: line cannot be redirected;
 *  - hooks and config of the git dir, of the dir a .git file points to, of its common dir, and of its
 *    submodules (modules/<name>) are bound read-only. */
static int
protect_git(struct cb_config *cfg, const char *visible_rw, struct cb_error **err)
{
        cleanup_free char *dotgit = cb_path_join(cfg->workdir, ".git");
        if (dotgit == NULL)
                return cb_error_set(err, ENOMEM, "protect .git");
        struct stat lst, st;
        if (lstat(dotgit, &lst) < 0 || stat(dotgit, &st) < 0)
                return 0; /* not a git work tree */
        char *gitdirs[3] = {0};
        size_t n = 0;
        int r = 0;
        if (S_ISDIR(st.st_mode)) {
                gitdirs[n++] = realpath(dotgit, NULL); /* a symlinked .git: protect what it points to */
        } else if (S_ISREG(st.st_mode)) {
                cleanup_free char *real = realpath(dotgit, NULL);
                if (real != NULL && cb_path_is_under(real, visible_rw))
                        r = add_bind(cfg, real, NULL, true, false, "git-protect", err);
                cleanup_fclose FILE *f = fopen(dotgit, "re");
                char line[PATH_MAX + 16];
                if (r == 0 && f != NULL && fgets(line, sizeof(line), f) != NULL && strncmp(line, "gitdir: ", 8) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        gitdirs[n++] = cb_path_join(cfg->workdir, line + 8);
                        /* A linked worktree keeps hooks and config in the common dir. */
                        cleanup_free char *common = gitdirs[0] ? cb_path_join(gitdirs[0], "commondir") : NULL;
                        cleanup_fclose FILE *c = common ? fopen(common, "re") : NULL;
                        if (c != NULL && fgets(line, sizeof(line), c) != NULL) {
                                line[strcspn(line, "\n")] = '\0';
                                gitdirs[n++] = cb_path_join(gitdirs[0], line);
                        }
                }
        }
        for (size_t i = 0; i < n && r == 0; i++) {
                if (gitdirs[i] == NULL)
                        continue;
                cleanup_free char *real = realpath(gitdirs[i], NULL);
                /* Only a git dir the sandbox can write needs the protection; one outside every
                 * read-write bind is not visible at all. */
                if (real == NULL || !cb_path_is_under(real, visible_rw))
                        continue;
                if (i == 0 && S_ISDIR(st.st_mode))
                        r = add_bind(cfg, real, NULL, false, false, "git-pin", err);
                if (r == 0)
                        r = protect_gitdir(cfg, real, err);
                cleanup_free char *modules = cb_path_join(real, "modules");
                DIR *d = modules ? opendir(modules) : NULL;
                for (struct dirent *e; r == 0 && d != NULL && (e = readdir(d)) != NULL;) {
                        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
                                continue;
                        cleanup_free char *sub = cb_path_join(modules, e->d_name);
                        r = sub ? protect_gitdir(cfg, sub, err) : cb_error_set(err, ENOMEM, "protect .git");
                }
                if (d != NULL)
                        closedir(d);
        }
        for (size_t i = 0; i < n; i++)
                free(gitdirs[i]);
        return r;
}

/* Paths the sandbox hides behind its own tmpfs mounts or never shows. */
static bool
hidden_path(const struct cb_config *cfg, const char *path)
{
        static const char *const hidden[] = {"/tmp", "/run", "/var/run", "/dev", "/proc", NULL};
        for (size_t i = 0; hidden[i] != NULL; i++)
                if (cb_path_is_under(path, hidden[i]))
                        goto check_binds;
        if (!cb_path_is_under(path, cfg->home))
                return false;
check_binds:
        for (size_t i = 0; i < cfg->n_binds; i++)
                if (cb_path_is_under(path, cfg->binds[i].src) && strcmp(cfg->binds[i].src, cfg->binds[i].dst) == 0)
                        return false;
        return true;
}

/* A command installed under a hidden path (an agent installed with npm into ~/.local, or by its own
 * installer into ~/.local/share/claude) would not be found inside: bind its install tree read-only and
 * run it by its resolved path. The tree is the nearest enclosing npm package, else the file's dir. */
static int
resolve_command(struct cb_config *cfg, const struct cb_host *host, struct cb_error **err)
{
        if (cfg->rootfs != NULL && strcmp(cfg->rootfs, "/") != 0)
                return 0; /* another root: the command is looked up in it, inside */
        const char *cmd = cfg->argv[0];
        cleanup_free char *found = NULL;
        if (strchr(cmd, '/') != NULL) {
                found = cb_path_join(cfg->workdir, cmd);
        } else {
                const char *path = host_getenv(host, "PATH");
                cleanup_free char *copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
                if (copy == NULL)
                        return cb_error_set(err, ENOMEM, "resolve command");
                for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir != NULL;
                     dir = strtok_r(NULL, ":", &save)) {
                        cleanup_free char *cand = NULL;
                        if (dir[0] != '/' || asprintf(&cand, "%s/%s", dir, cmd) < 0)
                                continue;
                        if (access(cand, X_OK) == 0) {
                                found = TAKE_PTR(cand);
                                break;
                        }
                }
        }
        if (found == NULL)
                return 0; /* not on the host: the sandbox's own lookup reports 127 */
        cleanup_free char *real = realpath(found, NULL);
        struct stat st;
        /* Only a regular file is run by path; anything else is left to the sandbox's own lookup (126/127). */
        if (real == NULL || stat(real, &st) < 0 || !S_ISREG(st.st_mode) || !hidden_path(cfg, real))
                return 0;
        /* Bind as little as possible: the npm package the file belongs to (a directory directly in a
         * node_modules, or in its @scope), else the file alone — never its directory, which could be all of
         * /tmp or /run/user/<uid> (sockets of X11, ssh-agent, D-Bus) or a whole ~/bin. */
        cleanup_free char *tree = strdup(real);
        if (tree == NULL)
                return cb_error_set(err, ENOMEM, "resolve command");
        for (cleanup_free char *dir = strdup(real); dir != NULL;) {
                char *slash = strrchr(dir, '/');
                if (slash == NULL || slash == dir)
                        break;
                *slash = '\0';
                cleanup_free char *pkg = cb_path_join(dir, "package.json");
                const char *parent_end = strrchr(dir, '/');
                if (pkg == NULL || parent_end == NULL || !exists(pkg))
                        continue;
                /* dir is .../node_modules/NAME or .../node_modules/@scope/NAME */
                size_t plen = (size_t)(parent_end - dir);
                cleanup_free char *parent = strndup(dir, plen);
                const char *pbase = parent ? strrchr(parent, '/') : NULL;
                bool in_modules = pbase != NULL && strcmp(pbase, "/node_modules") == 0;
                if (!in_modules && pbase != NULL && pbase[1] == '@') {
                        cleanup_free char *gp = strndup(parent, (size_t)(pbase - parent));
                        const char *gbase = gp ? strrchr(gp, '/') : NULL;
                        in_modules = gbase != NULL && strcmp(gbase, "/node_modules") == 0;
                }
                if (in_modules) {
                        free(tree);
                        tree = strdup(dir);
                }
                break; /* the nearest package.json decides */
        }
        if (tree == NULL)
                return cb_error_set(err, ENOMEM, "resolve command");
        cfg->exec_path = TAKE_PTR(real);
        return add_bind(cfg, tree, NULL, true, false, "command", err);
}

static int
validate_name(const char *name, const char *what, struct cb_error **err)
{
        size_t n = strlen(name);
        bool ok = n > 0 && n <= 63 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                                       (name[0] >= '0' && name[0] <= '9'));
        for (size_t i = 0; ok && i < n; i++) {
                char c = name[i];
                ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                     c == '.' || c == '-';
        }
        if (!ok)
                return cb_error_input(err,
                                    "invalid %s '%s': use 1 to 63 letters, digits, '_', '.' or '-', starting "
                                    "with a letter or digit",
                                    what, name);
        return 0;
}

static int
default_name(struct cb_config *cfg, struct cb_error **err)
{
        const char *base = strrchr(cfg->workdir, '/');
        base = (base && base[1]) ? base + 1 : "root";
        char clean[40];
        size_t o = 0;
        for (size_t i = 0; base[i] != '\0' && o < sizeof(clean) - 1; i++) {
                char c = base[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '_' || c == '.' || c == '-';
                clean[o++] = ok ? c : '-';
        }
        clean[o] = '\0';
        uint16_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (uint16_t)(getpid() ^ (pid_t)time(NULL));
        if (asprintf(&cfg->name, "claudebox-%s-%04x", clean, rnd) < 0)
                return cb_error_set(err, ENOMEM, "make a name");
        return 0;
}

static int
pick(enum cb_tristate flag, bool preset)
{
        return flag == CB_UNSET ? preset : flag == CB_YES;
}

static int
resolve_dir(const char *path, const char *what, const char *cwd, char **ret, struct cb_error **err)
{
        /* A path through /proc (e.g. /proc/self/fd/N) can name a directory outside every namespace we set
         * up — the launcher's own leaked fds (runc CVE-2024-21626 class): refuse it outright. */
        cleanup_free char *joined = cb_path_join(cwd, path);
        if (joined == NULL)
                return cb_error_set(err, ENOMEM, "resolve %s", what);
        if (cb_path_is_under(joined, "/proc") || cb_path_is_under(joined, "/sys") ||
            cb_path_is_under(joined, "/dev"))
                return cb_error_input(err,
                                    "invalid %s '%s': paths under /proc, /sys and /dev are refused (they can "
                                    "name directories outside the sandbox); give the real path",
                                    what, path);
        char *real = realpath(joined, NULL);
        if (real == NULL)
                return cb_error_set(err, errno, "invalid %s '%s'", what, path);
        struct stat st;
        if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
                free(real);
                return cb_error_set(err, ENOTDIR, "invalid %s '%s'", what, path);
        }
        if (cb_path_is_under(real, "/proc") || cb_path_is_under(real, "/sys") || cb_path_is_under(real, "/dev")) {
                free(real);
                return cb_error_input(err, "invalid %s '%s': resolves under /proc, /sys or /dev", what,
                                    path);
        }
        *ret = real;
        return 0;
}

static int
parse_enum(const char *value, const char *what, const char *const *names, int *ret, struct cb_error **err)
{
        for (int i = 0; names[i] != NULL; i++)
                if (strcmp(value, names[i]) == 0) {
                        *ret = i;
                        return 0;
                }
        char list[128] = "";
        for (int i = 0; names[i] != NULL; i++) {
                strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
                strncat(list, names[i], sizeof(list) - strlen(list) - 1);
        }
        return cb_error_input(err, "invalid %s '%s': expected one of %s", what, value, list);
}

static int
build(struct cb_config *cfg, const struct cb_options *opts, const struct cb_host *host, struct cb_error **err)
{
        const struct cb_preset *pre = cb_preset_get(opts->profile);
        int r, v;
        cfg->profile = opts->profile;
        cfg->verbosity = opts->verbosity;
        cfg->host_uid = host->uid;
        cfg->host_gid = host->gid;
        cfg->stdin_is_tty = host->stdin_is_tty;
        cfg->home = cb_path_normalize(host->home);
        cfg->user = strdup(host->user);
        if (cfg->home == NULL || cfg->user == NULL)
                return cb_error_set(err, ENOMEM, "build config");
        const char *dh = host_getenv(host, "DOCKER_HOST");
        const char *xdg = host_getenv(host, "XDG_RUNTIME_DIR");
        cfg->docker_host_env = dh ? strdup(dh) : NULL;
        cfg->xdg_runtime_dir = xdg ? strdup(xdg) : NULL;

        if (opts->user != NULL) {
                if (strcmp(opts->user, "root") == 0 || strcmp(opts->user, "0") == 0)
                        cfg->user_root = true;
                else if (strcmp(opts->user, host->user) != 0)
                        return cb_error_input(err,
                                            "invalid --user '%s': only 'root' (uid 0 inside) or your own user "
                                            "'%s' can be mapped",
                                            opts->user, host->user);
        }
        if (cfg->user_root) {
                free(cfg->user);
                cfg->user = strdup("root");
        }

        /* Filesystem layer. */
        if ((r = resolve_dir(opts->workdir ? opts->workdir : host->cwd, "project directory (-w)", host->cwd,
                             &cfg->workdir, err)) < 0)
                return r;
        /* Binding / or the whole home read-write would expose everything the sandbox is meant to hide
         * (~/.ssh, tokens, other projects). */
        if (strcmp(cfg->workdir, "/") == 0 || strcmp(cfg->workdir, cfg->home) == 0 ||
            cb_path_is_under(cfg->home, cfg->workdir))
                return cb_error_input(err,
                                    "refusing to use %s as the project directory: it would expose your whole "
                                    "home; cd into a project or pass -w DIR",
                                    cfg->workdir);
        if (opts->rootfs != NULL) {
                if ((r = resolve_dir(opts->rootfs, "--rootfs", host->cwd, &cfg->rootfs, err)) < 0)
                        return r;
        } else {
                cfg->rootfs = strdup("/");
        }
        cfg->writable_root = pick(opts->read_only == CB_UNSET ? CB_UNSET : opts->read_only == CB_YES ? CB_NO : CB_YES,
                                  pre->writable_root);
        cfg->mount_parent = pick(opts->mount_parent, pre->mount_parent);
        cfg->mount_ssh = pick(opts->mount_ssh, pre->mount_ssh);
        cfg->mount_gitconfig = pick(opts->mount_gitconfig, pre->mount_gitconfig);
        cfg->host_env = pick(opts->host_env, pre->host_env);

        if (opts->name != NULL) {
                if ((r = validate_name(opts->name, "--name", err)) < 0)
                        return r;
                cfg->name = strdup(opts->name);
        } else if ((r = default_name(cfg, err)) < 0) {
                return r;
        }
        cfg->hostname = strdup(opts->hostname ? opts->hostname : cfg->name);
        if (cfg->name == NULL || cfg->hostname == NULL)
                return cb_error_set(err, ENOMEM, "build config");
        if (opts->hostname != NULL && (r = validate_name(opts->hostname, "--hostname", err)) < 0)
                return r;

        /* tmpfs: /tmp and the hidden home; user --tmpfs after, so they can sit below them. */
        if ((r = add_tmpfs(cfg, "/tmp", "size=1073741824,mode=1777", err)) < 0 ||
            (r = add_tmpfs(cfg, cfg->home, "size=1073741824,mode=700", err)) < 0)
                return r;
        for (size_t i = 0; opts->tmpfs != NULL && opts->tmpfs[i] != NULL; i++) {
                struct cb_tmpfs t;
                if ((r = cb_parse_tmpfs(opts->tmpfs[i], &t, err)) < 0)
                        return r;
                r = add_tmpfs(cfg, t.path, t.options, err);
                free(t.path);
                free(t.options);
                if (r < 0)
                        return r;
        }

        /* Run by root, the sandbox's uid 0 *is* host root: root-owned files are readable by owner match
         * even without capabilities. Mask the well-known host secrets (password hashes, sshd host keys, TLS
         * private keys, root's home); see docs/threat-model.md for what remains. */
        if (cfg->host_uid == 0 && !cfg->user_root && strcmp(cfg->rootfs, "/") == 0) {
                static const char *const secret_files[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",
                                                           "/etc/gshadow-", "/etc/security/opasswd", NULL};
                for (size_t i = 0; secret_files[i] != NULL; i++)
                        if (exists(secret_files[i]) &&
                            (r = add_bind(cfg, "/dev/null", secret_files[i], true, false, "mask", err)) < 0)
                                return r;
                DIR *d = opendir("/etc/ssh");
                for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
                        size_t n = strlen(e->d_name);
                        if (strncmp(e->d_name, "ssh_host_", 9) != 0 || n < 4 || strcmp(e->d_name + n - 4, "_key") != 0)
                                continue;
                        char path[300];
                        snprintf(path, sizeof(path), "/etc/ssh/%s", e->d_name);
                        if ((r = add_bind(cfg, "/dev/null", path, true, false, "mask", err)) < 0) {
                                closedir(d);
                                return r;
                        }
                }
                if (d != NULL)
                        closedir(d);
                if (exists("/etc/ssl/private") && (r = add_tmpfs(cfg, "/etc/ssl/private", "ro,size=0,mode=700", err)) < 0)
                        return r;
                if (strcmp(cfg->home, "/root") != 0 && !cb_path_is_under(cfg->workdir, "/root") && exists("/root") &&
                    (r = add_tmpfs(cfg, "/root", "size=1048576,mode=700", err)) < 0)
                        return r;
        }

        /* Binds, in the order a reader would list them; the mount layer applies them parents first. */
        const char *rw_root = cfg->workdir;
        cleanup_free char *parent = NULL;
        if (cfg->mount_parent) {
                parent = strdup(cfg->workdir);
                if (parent == NULL)
                        return cb_error_set(err, ENOMEM, "build config");
                char *slash = strrchr(parent, '/');
                if (slash == parent)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                bool unsafe = strcmp(parent, "/") == 0 || strcmp(parent, cfg->home) == 0;
                const char *what = strcmp(parent, "/") == 0 ? "the whole host" : "your whole home";
                if (unsafe && opts->mount_parent == CB_YES)
                        return cb_error_input(err,
                                            "refusing --mount-parent: the parent of %s is %s, which would expose "
                                            "%s; use --no-mount-parent or move the project one level down",
                                            cfg->workdir, parent, what);
                if (unsafe) {
                        /* From the profile: skip this one bind (stricter, never weaker) and say so. */
                        cfg->mount_parent = false;
                        cleanup_free char *w = NULL;
                        if (asprintf(&w, "the %s profile's parent directory bind is skipped: the parent of %s is "
                                         "%s (it would expose %s)",
                                     cb_profile_name(cfg->profile), cfg->workdir, parent, what) < 0 ||
                            cb_strv_push(&cfg->warnings, w) < 0)
                                return cb_error_set(err, ENOMEM, "build config");
                } else {
                        if ((r = add_bind(cfg, parent, NULL, false, false, "parent", err)) < 0)
                                return r;
                        rw_root = parent;
                }
        }
        if ((r = add_bind(cfg, cfg->workdir, NULL, false, false, "project", err)) < 0 ||
            (r = protect_git(cfg, rw_root, err)) < 0)
                return r;
        cleanup_free char *claude_dir = cb_path_join(cfg->home, ".claude");
        cleanup_free char *claude_json = cb_path_join(cfg->home, ".claude.json");
        if (claude_dir == NULL || claude_json == NULL)
                return cb_error_set(err, ENOMEM, "build config");
        if ((r = add_bind(cfg, claude_dir, NULL, false, true, "agent-state", err)) < 0 ||
            (r = add_bind(cfg, claude_json, NULL, false, true, "agent-state", err)) < 0)
                return r;
        if (cfg->mount_ssh) {
                cleanup_free char *ssh = cb_path_join(cfg->home, ".ssh");
                if (ssh == NULL || (r = add_bind(cfg, ssh, NULL, true, true, "ssh", err)) < 0)
                        return r < 0 ? r : cb_error_set(err, ENOMEM, "build config");
        }
        if (cfg->mount_gitconfig) {
                cleanup_free char *gc = cb_path_join(cfg->home, ".gitconfig");
                if (gc == NULL || (r = add_bind(cfg, gc, NULL, true, true, "gitconfig", err)) < 0)
                        return r < 0 ? r : cb_error_set(err, ENOMEM, "build config");
        }
        bool want_docker = pick(opts->docker_socket, pre->docker_socket);
        if (opts->docker_socket_path != NULL)
                want_docker = true;
        if (want_docker) {
                const char *sock = opts->docker_socket_path;
                if (sock == NULL && dh != NULL && strncmp(dh, "unix://", 7) == 0)
                        sock = dh + 7;
                if (sock == NULL)
                        sock = "/var/run/docker.sock";
                struct stat st;
                if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
                        cfg->docker_socket = realpath(sock, NULL);
                        if (cfg->docker_socket == NULL ||
                            (r = add_bind(cfg, cfg->docker_socket, "/var/run/docker.sock", false, false,
                                          "docker-socket", err)) < 0)
                                return r < 0 ? r : cb_error_set(err, errno, "resolve %s", sock);
                } else if (opts->docker_socket_path != NULL || opts->docker_socket == CB_YES) {
                        /* Asked for by flag: fail closed. From the profile: only if the host has one. */
                        return cb_error_set(err, ENOENT,
                                            "--docker-socket: %s is not a unix socket (start the Docker daemon, "
                                            "or pass --docker-socket=PATH)",
                                            sock);
                }
        }
        for (size_t i = 0; opts->volumes != NULL && opts->volumes[i] != NULL; i++) {
                struct cb_bind b;
                if ((r = cb_parse_volume(opts->volumes[i], host->cwd, &b, err)) < 0)
                        return r;
                if (!exists(b.src)) {
                        r = cb_error_set(err, ENOENT, "invalid volume '%s': source %s", opts->volumes[i], b.src);
                } else {
                        cleanup_free char *real = realpath(b.src, NULL);
                        r = real ? add_bind(cfg, real, b.dst, b.readonly, false, "-v", err)
                                 : cb_error_set(err, errno, "resolve %s", b.src);
                }
                free(b.src);
                free(b.dst);
                if (r < 0)
                        return r;
        }

        /* Command. */
        if (opts->argv != NULL && opts->argv[0] != NULL) {
                cfg->argv = cb_strv_copy(opts->argv);
        } else {
                cfg->argv = NULL;
                if (cb_strv_push(&cfg->argv, "claude") < 0)
                        cfg->argv = NULL;
                cfg->default_command = true;
        }
        if (cfg->argv == NULL)
                return cb_error_set(err, ENOMEM, "build config");
        if ((r = resolve_command(cfg, host, err)) < 0)
                return r;

        /* Capabilities. */
        cfg->cap_add = cb_strv_copy(opts->cap_add);
        cfg->cap_drop = cb_strv_copy(opts->cap_drop);
        if ((r = cb_caps_resolve(pre->caps, opts->cap_add, opts->cap_drop, &cfg->cap_bounding, err)) < 0)
                return r;

        /* Network. */
        cfg->network = pre->network;
        if (opts->network != NULL) {
                static const char *const names[] = {"isolated", "none", "host", NULL};
                if ((r = parse_enum(opts->network, "--network", names, &v, err)) < 0)
                        return r;
                cfg->network = (enum cb_network)v;
        }
        for (size_t i = 0; opts->allow_net != NULL && opts->allow_net[i] != NULL; i++) {
                struct cb_cidr *c = realloc(cfg->allow_net, (cfg->n_allow_net + 1) * sizeof(*c));
                if (c == NULL)
                        return cb_error_set(err, ENOMEM, "build config");
                cfg->allow_net = c;
                if ((r = cb_parse_cidr(opts->allow_net[i], &c[cfg->n_allow_net], err)) < 0)
                        return r;
                cfg->n_allow_net++;
        }
        /* Rootless, the isolated network's only fence is the nft policy inside the sandbox's own netns:
         * raw AF_PACKET sockets (NET_RAW) skip netfilter and NET_ADMIN can remove the policy. A command
         * mapped to root would hold them effectively, so they go from the bounding set (from a profile) or
         * the run is refused (asked for by flag). As root the host-side table is a second fence. */
        uint64_t net_caps = (1ULL << CAP_NET_RAW) | (1ULL << CAP_NET_ADMIN);
        if (cfg->network == CB_NET_ISOLATED && cfg->host_uid != 0 && cfg->user_root &&
            (cfg->cap_bounding & net_caps) != 0) {
                for (size_t i = 0; opts->cap_add != NULL && opts->cap_add[i] != NULL; i++) {
                        int cap;
                        if (cb_parse_cap(opts->cap_add[i], &cap, NULL) == 0 &&
                            (cap == -2 || cap == CAP_NET_RAW || cap == CAP_NET_ADMIN))
                                return cb_error_input(err,
                                                      "--cap-add %s with --user root and --network isolated "
                                                      "(rootless) would let the command bypass its egress policy "
                                                      "(raw packets skip it, NET_ADMIN removes it); drop that "
                                                      "capability or use --network host",
                                                      opts->cap_add[i]);
                }
                cfg->cap_bounding &= ~net_caps;
                if (cb_strv_push(&cfg->warnings, "NET_RAW and NET_ADMIN were removed from the bounding set: with "
                                                 "--network isolated without root they would bypass the egress "
                                                 "policy") < 0)
                        return cb_error_set(err, ENOMEM, "build config");
        }
        if (cfg->n_allow_net > 0 && cfg->network != CB_NET_ISOLATED)
                return cb_error_input(err, "--allow-net only applies to --network isolated (it is %s)",
                                    cb_network_name(cfg->network));

        /* Seccomp. */
        cfg->seccomp = pre->seccomp;
        if (opts->seccomp != NULL) {
                if (strcmp(opts->seccomp, "default") == 0) {
                        cfg->seccomp = CB_SECCOMP_DEFAULT;
                } else if (strcmp(opts->seccomp, "unconfined") == 0) {
                        cfg->seccomp = CB_SECCOMP_UNCONFINED;
                } else {
                        cfg->seccomp = CB_SECCOMP_FILE;
                        cfg->seccomp_file = realpath(opts->seccomp, NULL);
                        if (cfg->seccomp_file == NULL)
                                return cb_error_set(err, errno,
                                                    "invalid --seccomp '%s': expected default, unconfined or "
                                                    "the path of a Docker/OCI JSON profile",
                                                    opts->seccomp);
                }
        }

        /* Limits: a value given by flag turns limits on for that one controller even under enhanced. */
        cfg->limits = pre->limits && !opts->no_limits;
        cfg->memory = cfg->limits ? pre->memory : 0;
        cfg->nano_cpus = cfg->limits ? pre->nano_cpus : 0;
        cfg->pids_limit = cfg->limits ? pre->pids_limit : 0;
        if (opts->memory != NULL && (r = cb_parse_size(opts->memory, &cfg->memory, err)) < 0)
                return cb_error_wrap(err, "--memory");
        if (opts->cpus != NULL && (r = cb_parse_cpus(opts->cpus, &cfg->nano_cpus, err)) < 0)
                return r;
        if (opts->pids_limit != NULL && (r = cb_parse_positive(opts->pids_limit, "--pids-limit", &cfg->pids_limit, err)) < 0)
                return r;
        if (opts->memory != NULL || opts->cpus != NULL || opts->pids_limit != NULL) {
                if (opts->no_limits)
                        return cb_error_input(err,
                                            "--no-limits contradicts --memory/--cpus/--pids-limit; pass one or "
                                            "the other");
                cfg->limits = true;
        }
        /* A root-mapped command with SYS_ADMIN and no seccomp filter can mount a cgroup hierarchy and
         * raise the very limits it runs under (they are written on its cgroup namespace's root). */
        if (cfg->limits && cfg->user_root && (cfg->cap_bounding & (1ULL << CAP_SYS_ADMIN)) &&
            cfg->seccomp != CB_SECCOMP_DEFAULT)
                return cb_error_input(err, "--cap-add SYS_ADMIN with --user root, limits and no default seccomp filter "
                                           "would let the command raise its own limits; drop SYS_ADMIN, keep "
                                           "--seccomp default, or pass --no-limits");
        if (cfg->memory != 0 && cfg->memory < (6ULL << 20))
                return cb_error_input(err, "--memory: at least 6m (Docker's minimum)");

        /* X11. */
        cfg->x11 = pre->x11;
        if (opts->x11 != NULL) {
                static const char *const names[] = {"none", "broker", "untrusted", "trusted", NULL};
                if ((r = parse_enum(opts->x11, "--x11", names, &v, err)) < 0)
                        return r;
                cfg->x11 = (enum cb_x11)v;
        }

        /* Environment last: it reads the identity settled above. */
        return build_env(cfg, opts, host, err);
}

int
cb_config_build(const struct cb_options *opts, const struct cb_host *host, struct cb_config **ret,
                struct cb_error **err)
{
        struct cb_config *cfg = calloc(1, sizeof(*cfg));
        if (cfg == NULL)
                return cb_error_set(err, ENOMEM, "build config");
        int r = build(cfg, opts, host, err);
        if (r < 0) {
                cb_config_free(cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

void
cb_config_free(struct cb_config *cfg)
{
        if (cfg == NULL)
                return;
        free(cfg->name);
        free(cfg->hostname);
        cb_strv_free(cfg->argv);
        free(cfg->exec_path);
        free(cfg->user);
        free(cfg->home);
        free(cfg->rootfs);
        free(cfg->workdir);
        free(cfg->docker_socket);
        for (size_t i = 0; i < cfg->n_binds; i++) {
                free(cfg->binds[i].src);
                free(cfg->binds[i].dst);
        }
        free(cfg->binds);
        for (size_t i = 0; i < cfg->n_tmpfs; i++) {
                free(cfg->tmpfs[i].path);
                free(cfg->tmpfs[i].options);
        }
        free(cfg->tmpfs);
        cb_strv_free(cfg->cap_add);
        cb_strv_free(cfg->cap_drop);
        cb_strv_free(cfg->env);
        for (size_t i = 0; i < cfg->n_allow_net; i++)
                free(cfg->allow_net[i].text);
        free(cfg->allow_net);
        free(cfg->seccomp_file);
        free(cfg->docker_host_env);
        free(cfg->xdg_runtime_dir);
        cb_strv_free(cfg->warnings);
        cb_strv_free(cfg->git_watch);
        free(cfg);
}

void
cb_options_free(struct cb_options *o)
{
        free(o->name);
        free(o->hostname);
        free(o->rootfs);
        free(o->workdir);
        free(o->seccomp);
        free(o->user);
        free(o->docker_socket_path);
        free(o->network);
        free(o->memory);
        free(o->cpus);
        free(o->pids_limit);
        free(o->x11);
        cb_strv_free(o->allow_net);
        cb_strv_free(o->volumes);
        cb_strv_free(o->tmpfs);
        cb_strv_free(o->env);
        cb_strv_free(o->cap_add);
        cb_strv_free(o->cap_drop);
        cb_strv_free(o->argv);
}
