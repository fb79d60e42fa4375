/* claudebox bench — `withfd FILE FD COMMAND [ARG...]`: opens FILE read-only as descriptor FD (inherited)
 * and execs COMMAND; `withfd - - COMMAND...` just execs COMMAND.
 *
 * bubblewrap takes its seccomp program as `--seccomp FD` and reads it to EOF; an fd inherited from
 * hyperfine would share one file offset across runs (empty after the first), and a `sh -c '... 9<F'`
 * would add a shell to one peer only. So every start-up command is launched through this static exec
 * shim, with or without the fd: each row pays the same (~0.2 ms) and the ratios stay fair. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: withfd FILE|- FD|- COMMAND [ARG...]\n");
                return 125;
        }
        if (strcmp(argv[1], "-") != 0) {
                int want = atoi(argv[2]);
                int fd = open(argv[1], O_RDONLY); /* deliberately inheritable */
                if (fd < 0 || (fd != want && (dup2(fd, want) < 0 || close(fd) < 0))) {
                        perror("withfd");
                        return 125;
                }
        }
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
}
