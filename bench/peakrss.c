/* claudebox bench — peak RSS of a launcher and of every process it starts, separately.
 *
 * `/usr/bin/time -f %M` reports one number: the largest RSS anywhere in the process tree, which hides
 * whether the launcher itself or a helper (pasta, the sandbox's init, the command) is the big one. This
 * runs COMMAND under ptrace, follows its forks, and reads each process's VmHWM from /proc at its
 * PTRACE_EVENT_EXIT stop (the last moment its memory map still exists). Output, one JSON line:
 *   {"rc":0,"tree_kb":N,"launcher_kb":N,"forks_kb":N,"exec":{"true":N,"pasta":N}}
 * launcher = COMMAND's own process; forks = processes that never exec'd (e.g. a sandbox's init, max over
 * them); exec = max per program name of processes that exec'd something; tree = wait4's ru_maxrss.
 *
 * usage: peakrss COMMAND [ARG...] */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 4096
static struct {
        pid_t pid;
        bool execd;
} procs[MAX_PROCS];
static int n_procs;

static struct {
        char comm[32];
        long kb;
} execs[64];
static int n_execs;

static int
find(pid_t pid)
{
        for (int i = 0; i < n_procs; i++)
                if (procs[i].pid == pid)
                        return i;
        if (n_procs == MAX_PROCS)
                return -1;
        procs[n_procs].pid = pid;
        procs[n_procs].execd = false;
        return n_procs++;
}

static long
vm_hwm_kb(pid_t pid, char *comm, size_t commlen)
{
        char path[64], line[256];
        long kb = -1;
        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return -1;
        comm[0] = '\0';
        while (fgets(line, sizeof(line), f) != NULL) {
                if (strncmp(line, "Name:", 5) == 0) {
                        char *s = line + 5;
                        while (*s == ' ' || *s == '\t')
                                s++;
                        s[strcspn(s, "\n")] = '\0';
                        snprintf(comm, commlen, "%.31s", s);
                } else if (strncmp(line, "VmHWM:", 6) == 0) {
                        kb = atol(line + 6);
                }
        }
        fclose(f);
        return kb;
}

int
main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: peakrss COMMAND [ARG...]\n");
                return 2;
        }
        pid_t root = fork();
        if (root < 0)
                return 2;
        if (root == 0) {
                if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
                        _exit(126);
                raise(SIGSTOP);
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        int st;
        if (waitpid(root, &st, 0) != root || !WIFSTOPPED(st))
                return 2;
        long opts = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
        if (ptrace(PTRACE_SETOPTIONS, root, 0, opts) < 0) {
                perror("peakrss: PTRACE_SETOPTIONS");
                kill(root, SIGKILL);
                return 2;
        }
        find(root);
        ptrace(PTRACE_CONT, root, 0, 0);

        long launcher_kb = -1, forks_kb = -1, tree_kb = -1;
        int rc = -1;
        for (;;) {
                struct rusage ru;
                pid_t pid = wait4(-1, &st, __WALL, &ru);
                if (pid < 0) {
                        if (errno == EINTR)
                                continue;
                        break; /* ECHILD: everything is gone */
                }
                if (WIFEXITED(st) || WIFSIGNALED(st)) {
                        if (pid == root) {
                                rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                                tree_kb = ru.ru_maxrss;
                        }
                        continue;
                }
                if (!WIFSTOPPED(st))
                        continue;
                int sig = WSTOPSIG(st), event = st >> 16, i = find(pid);
                int deliver = 0;
                if (event == PTRACE_EVENT_EXIT) {
                        char comm[32];
                        long kb = vm_hwm_kb(pid, comm, sizeof(comm));
                        if (pid == root)
                                launcher_kb = kb;
                        else if (i >= 0 && procs[i].execd) {
                                int j;
                                for (j = 0; j < n_execs; j++)
                                        if (strcmp(execs[j].comm, comm) == 0)
                                                break;
                                if (j == n_execs && n_execs < 64)
                                        snprintf(execs[n_execs++].comm, sizeof(execs[0].comm), "%s", comm);
                                if (j < 64 && kb > execs[j].kb)
                                        execs[j].kb = kb;
                        } else if (kb > forks_kb) {
                                forks_kb = kb;
                        }
                } else if (event == PTRACE_EVENT_EXEC) {
                        /* The root's exec is the launcher itself starting, not a helper. */
                        if (i >= 0 && pid != root)
                                procs[i].execd = true;
                } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                           event == PTRACE_EVENT_CLONE) {
                        unsigned long child;
                        if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &child) == 0)
                                find((pid_t)child);
                } else if (event == PTRACE_EVENT_STOP || sig == SIGSTOP || sig == SIGTRAP) {
                        /* a new child's initial stop, or our own traps: swallow */
                } else {
                        deliver = sig; /* a real signal: pass it on */
                }
                ptrace(PTRACE_CONT, pid, 0, deliver);
        }
        printf("{\"rc\":%d,\"tree_kb\":%ld,\"launcher_kb\":%ld,\"forks_kb\":%ld,\"exec\":{", rc, tree_kb,
               launcher_kb, forks_kb);
        for (int j = 0; j < n_execs; j++)
                printf("%s\"%s\":%ld", j ? "," : "", execs[j].comm, execs[j].kb);
        printf("}}\n");
        return rc < 0 ? 2 : 0;
}
