/* claudebox — entry point: parses the subcommand and dispatches. Only this file prints errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "error.h"
#include "launch.h"
#include "profiles.h"
#include "state.h"

#ifndef CLAUDEBOX_VERSION
#define CLAUDEBOX_VERSION "0.0.0"
#endif

enum { EXIT_CLAUDEBOX = 125 };

static const char usage[] = "Usage: claudebox COMMAND [OPTIONS]\n"
                            "\n"
                            "  run [OPTIONS] [--] [COMMAND [ARG...]]   run a command (default: claude) in a sandbox\n"
                            "  profiles                                the layers of each profile\n"
                            "  version                                 print the version\n"
                            "\n"
                            "`claudebox run --help` lists the options of run.\n";

static int
report(struct cb_error *e)
{
        char buf[1024];
        fprintf(stderr, "claudebox: %s\n", cb_error_text(e, buf, sizeof(buf)));
        return EXIT_CLAUDEBOX;
}

static int
cmd_run(int argc, char **argv)
{
        cleanup_error struct cb_error *err = NULL;
        struct cb_options opts;
        int r = cb_cli_parse_run(argc, argv, &opts, &err);
        if (r == 1) {
                fputs(cb_run_usage, stdout);
                cb_options_free(&opts);
                return 0;
        }
        if (r < 0) {
                cb_options_free(&opts);
                return report(err);
        }
        struct cb_host host;
        if (cb_host_read(&host, &err) < 0) {
                cb_options_free(&opts);
                cb_host_free(&host);
                return report(err);
        }
        /* The default name carries 16 random bits: reserving it (an atomic mkdir of the state directory)
         * can collide when many sandboxes of one project start at once, so draw again. */
        struct cb_config *cfg = NULL;
        struct cb_state *state = NULL;
        for (int attempt = 0;; attempt++) {
                r = cb_config_build(&opts, &host, &cfg, &err);
                if (r < 0)
                        break;
                r = cb_state_create(cfg, &state, &err);
                if (r != -EEXIST || opts.name != NULL || attempt >= 16)
                        break;
                cb_error_freep(&err);
                cb_config_free(cfg);
                cfg = NULL;
        }
        cb_options_free(&opts);
        cb_host_free(&host);
        if (r < 0) {
                cb_config_free(cfg);
                return report(err);
        }
        for (char **w = cfg->warnings; w != NULL && *w != NULL && cfg->verbosity >= 0; w++)
                fprintf(stderr, "claudebox: warning: %s\n", *w);
        int code = EXIT_CLAUDEBOX;
        r = cb_launch(cfg, state, &code, &err);
        cb_state_remove(state);
        /* Git honours these if they exist; they did not when the sandbox started, so the repository never
         * relied on them: move them aside (the next git command would otherwise follow them). */
        for (char **w = cfg->git_watch; w != NULL && *w != NULL; w++) {
                if (access(*w, F_OK) != 0)
                        continue;
                char aside[4200];
                snprintf(aside, sizeof(aside), "%s.claudebox-quarantine", *w);
                if (rename(*w, aside) == 0)
                        fprintf(stderr,
                                "claudebox: warning: the sandbox created %s, which would redirect git's configuration "
                                "and hooks; it was moved to %s\n",
                                *w, aside);
                else
                        fprintf(stderr,
                                "claudebox: warning: the sandbox created %s, which redirects git's configuration and "
                                "hooks; remove it before you run git there\n",
                                *w);
        }
        cb_config_free(cfg);
        if (r < 0)
                return report(err);
        return code;
}

int
main(int argc, char **argv)
{
        if (argc < 2) {
                fputs(usage, stderr);
                return EXIT_CLAUDEBOX;
        }
        const char *cmd = argv[1];
        if (strcmp(cmd, "run") == 0)
                return cmd_run(argc - 1, argv + 1);
        if (strcmp(cmd, "profiles") == 0) {
                cb_profiles_print(stdout);
                return 0;
        }
        if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
                printf("claudebox %s\n", CLAUDEBOX_VERSION);
                return 0;
        }
        if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
                fputs(usage, stdout);
                return 0;
        }
        fprintf(stderr, "claudebox: unknown command '%s'\n%s", cmd, usage);
        return EXIT_CLAUDEBOX;
}
