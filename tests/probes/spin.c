/* Probe: N processes (argv[1], default 2) spin for S wall seconds (argv[2], default 2); then prints the
 * CPU seconds they used per wall second, "ratio=R" — about N on an idle machine without a CPU limit, at
 * most the limit under one. A ratio, so a slow machine does not change the verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 2;
        double secs = argc > 2 ? atof(argv[2]) : 2.0;
        double start = now();
        for (int i = 0; i < n; i++) {
                pid_t p = fork();
                if (p < 0) {
                        perror("fork");
                        return 2;
                }
                if (p == 0) {
                        volatile unsigned long x = 0;
                        while (now() - start < secs)
                                for (int k = 0; k < 100000; k++)
                                        x++;
                        _exit(0);
                }
        }
        while (wait(NULL) > 0)
                ;
        double wall = now() - start;
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        printf("cpu=%.3f wall=%.3f ratio=%.3f\n", cpu, wall, cpu / wall);
        return 0;
}
