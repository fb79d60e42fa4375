/* Unit tests of argument parsing (cli.c) and profile resolution (config.c), with a fake host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "config.h"

static char tmpdir[] = "/tmp/cb-unit-XXXXXX";
static char home[4200], proj[4200], src[4200];
static char e_path[] = "PATH=/usr/bin:/bin", e_term[] = "TERM=xterm", e_lang[] = "LANG=C.UTF-8",
            e_lc[] = "LC_ALL=C", e_gh[] = "GITHUB_TOKEN=ghp_secret", e_secret[] = "SECRET_TOKEN=hunter2",
            e_docker[] = "DOCKER_HOST=tcp://x:1";
static char *host_env[] = {e_path, e_term, e_lang, e_lc, e_gh, e_secret, e_docker, NULL};

static int
setup(void **state)
{
        (void)state;
        if (mkdtemp(tmpdir) == NULL)
                return -1;
        snprintf(home, sizeof(home), "%s/home", tmpdir);
        snprintf(src, sizeof(src), "%s/home/src", tmpdir);
        snprintf(proj, sizeof(proj), "%s/home/src/proj", tmpdir);
        return mkdir(home, 0700) == 0 && mkdir(src, 0700) == 0 && mkdir(proj, 0700) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
        (void)state;
        char cmd[9000];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static struct cb_host
fake_host(void)
{
        return (struct cb_host){.uid = 1000, .gid = 1000, .user = "dev", .home = home, .cwd = proj,
                                .environ = host_env};
}

/* Parses "run ARGS..." and builds the config; returns the build's result. */
static int
build(const char *const *args, struct cb_config **cfg, struct cb_error **err)
{
        char *argv[64];
        int argc = 0;
        argv[argc++] = (char *)"run";
        for (size_t i = 0; args[i] != NULL; i++)
                argv[argc++] = (char *)args[i];
        argv[argc] = NULL;
        struct cb_options opts;
        int r = cb_cli_parse_run(argc, argv, &opts, err);
        if (r == 0) {
                struct cb_host host = fake_host();
                r = cb_config_build(&opts, &host, cfg, err);
        }
        cb_options_free(&opts);
        return r;
}

static const char *
env_get(const struct cb_config *cfg, const char *name)
{
        size_t n = strlen(name);
        for (char **e = cfg->env; *e != NULL; e++)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

static bool
has_bind(const struct cb_config *cfg, const char *origin)
{
        for (size_t i = 0; i < cfg->n_binds; i++)
                if (strcmp(cfg->binds[i].origin, origin) == 0)
                        return true;
        return false;
}

static void
test_secure_defaults(void **state)
{
        (void)state;
        struct cb_config *cfg = NULL;
        const char *args[] = {"--", "sh", "-c", "true", NULL};
        assert_int_equal(build(args, &cfg, NULL), 0);
        assert_int_equal(cfg->profile, CB_PROFILE_SECURE);
        assert_false(cfg->writable_root);
        assert_int_equal(cfg->network, CB_NET_ISOLATED);
        assert_int_equal(cfg->seccomp, CB_SECCOMP_DEFAULT);
        assert_true(cfg->limits);
        assert_int_equal(cfg->memory, 4ULL << 30);
        assert_int_equal(cfg->nano_cpus, 2000000000ULL);
        assert_int_equal(cfg->pids_limit, 200);
        assert_int_equal(cfg->cap_bounding, 0xc3);
        assert_false(cfg->mount_parent);
        assert_false(has_bind(cfg, "parent"));
        assert_false(has_bind(cfg, "ssh"));
        assert_true(has_bind(cfg, "project"));
        assert_string_equal(cfg->workdir, proj);
        assert_string_equal(cfg->argv[0], "sh");
        assert_false(cfg->default_command);
        /* The environment: the allowlist only, HOME/USER set, tokens gone. */
        assert_string_equal(env_get(cfg, "TERM"), "xterm");
        assert_string_equal(env_get(cfg, "LC_ALL"), "C");
        assert_string_equal(env_get(cfg, "HOME"), home);
        assert_string_equal(env_get(cfg, "USER"), "dev");
        assert_null(env_get(cfg, "GITHUB_TOKEN"));
        assert_null(env_get(cfg, "SECRET_TOKEN"));
        /* Default name claudebox-<dir>-<4 hex>, hostname = name. */
        assert_int_equal(strncmp(cfg->name, "claudebox-proj-", 15), 0);
        assert_int_equal(strlen(cfg->name), 19);
        assert_string_equal(cfg->hostname, cfg->name);
        cb_config_free(cfg);
}

static void
test_enhanced_and_flags_beat_profile(void **state)
{
        (void)state;
        struct cb_config *cfg = NULL;
        const char *enh[] = {"--profile", "enhanced", "--", "true", NULL};
        assert_int_equal(build(enh, &cfg, NULL), 0);
        assert_true(cfg->writable_root);
        assert_int_equal(cfg->network, CB_NET_HOST);
        assert_int_equal(cfg->seccomp, CB_SECCOMP_UNCONFINED);
        assert_false(cfg->limits);
        assert_int_equal(cfg->memory, 0);
        assert_true(cfg->mount_parent);
        assert_true(has_bind(cfg, "parent"));
        assert_string_equal(env_get(cfg, "GITHUB_TOKEN"), "ghp_secret");
        assert_int_equal(cfg->cap_bounding & 0xc3, 0xc3);
        assert_true(cfg->cap_bounding != 0xc3);
        cb_config_free(cfg);

        const char *tight[] = {"--profile", "enhanced", "--read-only", "--network", "none", "--seccomp", "default",
                               "--no-host-env", "--no-mount-parent", "--memory", "1g", "--cap-drop", "ALL",
                               "--", "true", NULL};
        assert_int_equal(build(tight, &cfg, NULL), 0);
        assert_false(cfg->writable_root);
        assert_int_equal(cfg->network, CB_NET_NONE);
        assert_int_equal(cfg->seccomp, CB_SECCOMP_DEFAULT);
        assert_null(env_get(cfg, "GITHUB_TOKEN"));
        assert_false(has_bind(cfg, "parent"));
        assert_true(cfg->limits);
        assert_int_equal(cfg->memory, 1ULL << 30);
        assert_int_equal(cfg->cap_bounding, 0);
        cb_config_free(cfg);

        const char *relax[] = {"--mount-parent", "--writable-root", "-e", "GITHUB_TOKEN", "-e", "FOO=bar",
                               "--no-limits", "--hostname", "box", "--name", "mine", "--", "true", NULL};
        assert_int_equal(build(relax, &cfg, NULL), 0);
        assert_int_equal(cfg->profile, CB_PROFILE_SECURE);
        assert_true(cfg->writable_root);
        assert_true(has_bind(cfg, "parent"));
        assert_string_equal(env_get(cfg, "GITHUB_TOKEN"), "ghp_secret");
        assert_string_equal(env_get(cfg, "FOO"), "bar");
        assert_null(env_get(cfg, "SECRET_TOKEN"));
        assert_false(cfg->limits);
        assert_string_equal(cfg->hostname, "box");
        assert_string_equal(cfg->name, "mine");
        cb_config_free(cfg);
}

static void
test_default_command_and_options_stop(void **state)
{
        (void)state;
        struct cb_config *cfg = NULL;
        const char *none[] = {NULL};
        assert_int_equal(build(none, &cfg, NULL), 0);
        assert_true(cfg->default_command);
        assert_string_equal(cfg->argv[0], "claude");
        cb_config_free(cfg);
        /* Options after the command belong to the command. */
        const char *args[] = {"--network", "none", "ls", "-l", "--network", NULL};
        assert_int_equal(build(args, &cfg, NULL), 0);
        assert_int_equal(cfg->network, CB_NET_NONE);
        assert_string_equal(cfg->argv[0], "ls");
        assert_string_equal(cfg->argv[1], "-l");
        assert_string_equal(cfg->argv[2], "--network");
        cb_config_free(cfg);
}

static void
test_bad_input(void **state)
{
        (void)state;
        const char *const bad[][8] = {
                {"--bogus", NULL},
                {"--network", NULL},
                {"--network", "wifi", NULL},
                {"--profile", "fast", NULL},
                {"--memory", "lots", NULL},
                {"--memory", "1m", NULL}, /* below Docker's 6m minimum */
                {"--cpus", "0", NULL},
                {"--pids-limit", "-1", NULL},
                {"--no-limits", "--memory", "1g", NULL},
                {"--allow-net", "10.0.0.0/8", "--network", "host", NULL},
                {"--name", "-bad", NULL},
                {"--hostname", "a b", NULL},
                {"--user", "someone", NULL},
                {"-w", "/proc/self/fd/3", NULL},
                {"-w", "/", NULL},
                {"-e", "1X=y", NULL},
                {"--x11", "maybe", NULL},
                {"--user", "root", "--cap-add", "SYS_ADMIN", "--seccomp", "unconfined", NULL},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct cb_config *cfg = NULL;
                struct cb_error *err = NULL;
                int r = build(bad[i], &cfg, &err);
                if (r >= 0)
                        fail_msg("accepted bad input starting with %s", bad[i][0]);
                assert_non_null(err);
                assert_true(strlen(err->message) > 10);
                cb_error_free(err);
                assert_null(cfg);
        }
        /* --mount-parent whose parent is the home is refused; from the enhanced profile it is skipped with
         * a warning (stricter, never weaker). */
        struct cb_config *cfg = NULL;
        const char *mp_home[] = {"--mount-parent", "-w", src, NULL};
        assert_true(build(mp_home, &cfg, NULL) < 0);
        const char *enh_home[] = {"--profile", "enhanced", "-w", src, NULL};
        assert_int_equal(build(enh_home, &cfg, NULL), 0);
        assert_false(cfg->mount_parent);
        assert_false(has_bind(cfg, "parent"));
        assert_non_null(cfg->warnings);
        assert_non_null(strstr(cfg->warnings[0], "whole home"));
        cb_config_free(cfg);
        cfg = NULL;
        /* The whole home as a project is refused: it would expose everything. */
        const char *w_home[] = {"-w", home, NULL};
        assert_true(build(w_home, &cfg, NULL) < 0);
}

static void
test_rootless_isolated_net_caps(void **state)
{
        (void)state;
        /* Rootless + --network isolated: the only fence is inside the netns; a root-mapped command must not
         * hold NET_RAW (raw frames skip nft) or NET_ADMIN (removes the rules). */
        struct cb_config *cfg = NULL;
        struct cb_error *err = NULL;
        const char *from_profile[] = {"--profile", "enhanced", "--network", "isolated", "--user", "root", "--", "true",
                                      NULL};
        assert_int_equal(build(from_profile, &cfg, NULL), 0);
        assert_int_equal(cfg->cap_bounding & (1ULL << 13 /* NET_RAW */), 0);
        assert_int_equal(cfg->cap_bounding & (1ULL << 12 /* NET_ADMIN */), 0);
        assert_non_null(cfg->warnings);
        cb_config_free(cfg);
        cfg = NULL;
        const char *explicit_add[] = {"--user", "root", "--cap-add", "NET_RAW", "--", "true", NULL};
        assert_true(build(explicit_add, &cfg, &err) < 0);
        assert_non_null(strstr(err->message, "bypass"));
        cb_error_free(err);
        /* Not mapped to root: no effective capabilities, nothing to remove. With the host network: allowed. */
        const char *not_root[] = {"--profile", "enhanced", "--network", "isolated", "--", "true", NULL};
        assert_int_equal(build(not_root, &cfg, NULL), 0);
        assert_true(cfg->cap_bounding & (1ULL << 13));
        cb_config_free(cfg);
        const char *host_net[] = {"--user", "root", "--cap-add", "NET_RAW", "--network", "host", "--", "true", NULL};
        assert_int_equal(build(host_net, &cfg, NULL), 0);
        cb_config_free(cfg);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_secure_defaults),
                cmocka_unit_test(test_enhanced_and_flags_beat_profile),
                cmocka_unit_test(test_default_command_and_options_stop),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_rootless_isolated_net_caps),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
