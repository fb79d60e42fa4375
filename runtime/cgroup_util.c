/* claudebox — pure helpers of the cgroup layer: /proc/self/cgroup and mountinfo parsing, CFS quota, keyed
 * files. No side effects, no host access: unit-tested without root (tests/unit/test_cgroup.c). */
#define _GNU_SOURCE
#include "cgroup_internal.h"
#include "parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
token_in(const char *list, char sep, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = list; p != NULL && *p != '\0';) {
                const char *end = strchr(p, sep);
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (len == n && strncmp(p, word, n) == 0)
                        return true;
                p = end ? end + 1 : NULL;
        }
        return false;
}

bool
cb_cg_list_has(const char *list, const char *word)
{
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s", list);
        buf[strcspn(buf, "\n")] = '\0';
        return token_in(buf, ' ', word);
}

int
cb_cg_self_path(const char *text, const char *controller, char *out, size_t len)
{
        char buf[4096];
        for (const char *cursor = text; cb_next_line(&cursor, buf, sizeof(buf));) {
                char *c1 = strchr(buf, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL)
                        continue;
                *c1 = '\0';
                *c2 = '\0';
                const char *ctrls = c1 + 1;
                bool match = controller == NULL ? (strcmp(buf, "0") == 0 && *ctrls == '\0')
                                                : token_in(ctrls, ',', controller);
                if (match)
                        return (size_t)snprintf(out, len, "%s", c2 + 1) >= len ? -ENAMETOOLONG : 0;
        }
        return -ENOENT;
}

static const char *const v1_controllers[] = {"cpu",     "cpuacct", "cpuset",   "memory", "devices",
                                             "freezer", "net_cls", "net_prio", "blkio",  "perf_event",
                                             "hugetlb", "pids",    "rdma",     "misc",   NULL};

int
cb_cg_find_mount(const char *text, const char *controller, char *mnt, size_t mntlen, char *root,
                 size_t rootlen, char *opts, size_t optslen)
{
        char buf[4096];
        for (const char *cursor = text; cb_next_line(&cursor, buf, sizeof(buf));) {
                char r[4096], mp[4096], type[64], super[1024];
                const char *sep = strstr(buf, " - ");
                if (sep == NULL || sscanf(buf, "%*d %*d %*s %4095s %4095s", r, mp) != 2 ||
                    sscanf(sep + 3, "%63s %*s %1023s", type, super) != 2)
                        continue;
                if (strchr(mp, '\\') != NULL || strchr(r, '\\') != NULL)
                        continue; /* escaped names are skipped rather than misparsed */
                if (controller == NULL) {
                        if (strcmp(type, "cgroup2") != 0)
                                continue;
                        if (opts != NULL && optslen > 0)
                                opts[0] = '\0';
                } else {
                        if (strcmp(type, "cgroup") != 0 || !token_in(super, ',', controller))
                                continue;
                        if (opts != NULL && optslen > 0) {
                                opts[0] = '\0';
                                for (size_t i = 0; v1_controllers[i] != NULL; i++) {
                                        if (!token_in(super, ',', v1_controllers[i]))
                                                continue;
                                        size_t used = strlen(opts);
                                        snprintf(opts + used, optslen - used, "%s%s", used ? "," : "",
                                                 v1_controllers[i]);
                                }
                        }
                }
                if ((size_t)snprintf(mnt, mntlen, "%s", mp) >= mntlen ||
                    (size_t)snprintf(root, rootlen, "%s", r) >= rootlen)
                        return -ENAMETOOLONG;
                return 0;
        }
        return -ENOENT;
}

int
cb_cg_host_path(const char *mnt, const char *root, const char *self, char *out, size_t len)
{
        size_t rl = strlen(root);
        const char *rel;
        if (strcmp(root, "/") == 0)
                rel = self;
        else if (strncmp(self, root, rl) == 0 && (self[rl] == '/' || self[rl] == '\0'))
                rel = self + rl;
        else
                return -EXDEV;
        while (*rel == '/')
                rel++;
        int n = *rel ? snprintf(out, len, "%s/%s", mnt, rel) : snprintf(out, len, "%s", mnt);
        if (n < 0 || (size_t)n >= len)
                return -ENAMETOOLONG;
        return 0;
}

int
cb_cg_dirname(const char *name, char *out, size_t len)
{
        if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
            strchr(name, '\n') != NULL)
                return -EINVAL;
        bool prefixed = strncmp(name, CB_CG_PREFIX, strlen(CB_CG_PREFIX)) == 0;
        int n = snprintf(out, len, "%s%s" CB_CG_SUFFIX, prefixed ? "" : CB_CG_PREFIX, name);
        if (n < 0 || (size_t)n >= len)
                return -ENAMETOOLONG;
        return 0;
}

bool
cb_cg_is_ours(const char *dirname)
{
        size_t n = strlen(dirname), pl = strlen(CB_CG_PREFIX), sl = strlen(CB_CG_SUFFIX);
        return n > pl + sl && strncmp(dirname, CB_CG_PREFIX, pl) == 0 &&
               strcmp(dirname + n - sl, CB_CG_SUFFIX) == 0;
}

void
cb_cg_cpu_quota(uint64_t nano_cpus, uint64_t *quota, uint64_t *period)
{
        *period = 100000;
        uint64_t q = nano_cpus / 10000; /* nano_cpus * 100000 / 1e9 without overflow */
        *quota = q < 1000 ? 1000 : q;
}

int
cb_cg_keyed_value(const char *text, const char *key, uint64_t *ret)
{
        size_t kl = strlen(key);
        for (const char *p = text; p != NULL && *p != '\0';) {
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(p + kl + 1, &end, 10);
                        if (errno != 0 || end == p + kl + 1)
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
                p = strchr(p, '\n');
                if (p != NULL)
                        p++;
        }
        return -ENOENT;
}
