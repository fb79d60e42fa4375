/* Probe: forks children that wait, until fork fails; prints "tasks=N errno=NAME" where N counts this
 * process and every live child, then kills them all. Bounded (at most `limit` children, default 5000) so
 * it never harms a host where no pids limit is in force. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
        long limit = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
        int fds[2];
        if (pipe(fds) < 0)
                return 2;
        long tasks = 1;
        int err = 0;
        while (tasks <= limit) {
                pid_t p = fork();
                if (p < 0) {
                        err = errno;
                        break;
                }
                if (p == 0) {
                        /* Block until the parent closes the pipe (or dies). */
                        close(fds[1]);
                        char c;
                        (void)!read(fds[0], &c, 1);
                        _exit(0);
                }
                tasks++;
        }
        close(fds[1]);
        while (wait(NULL) > 0)
                ;
        printf("tasks=%ld errno=%s\n", tasks, err == EAGAIN ? "EAGAIN" : err ? strerror(err) : "none");
        return 0;
}
