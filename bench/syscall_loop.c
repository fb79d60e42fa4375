/* claudebox bench — per-syscall cost inside a sandbox.
 *
 * Built static (gcc -O2 -static) so it runs the same in every sandbox whatever its root holds. Calls
 * getpid and personality(0xffffffff) (a query: changes nothing) N times each through syscall(2), so
 * glibc cannot cache or short-circuit them, and prints the mean cost per call in nanoseconds:
 *   getpid_ns=123.4 personality_ns=130.2
 * getpid is allowed without argument checks by Docker's filter (the kernel's seccomp action cache can
 * skip the filter for it); personality is allowed only for listed argument values, so every call runs
 * the BPF program. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double
now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
loop(long nr, unsigned long arg, long n)
{
        double t0 = now_ns();
        for (long i = 0; i < n; i++)
                (void)syscall(nr, arg);
        return (now_ns() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
        long n = argc > 1 ? atol(argv[1]) : 200000;
        if (n <= 0)
                n = 200000;
        /* Warm-up: fault in the code, settle the CPU frequency. */
        (void)loop(SYS_getpid, 0, n / 10);
        (void)loop(SYS_personality, 0xffffffffUL, n / 10);
        double g = loop(SYS_getpid, 0, n);
        double p = loop(SYS_personality, 0xffffffffUL, n);
        printf("getpid_ns=%.1f personality_ns=%.1f\n", g, p);
        return 0;
}
