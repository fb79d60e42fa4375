/* Unit tests of the cgroup layer's pure helpers: /proc/self/cgroup and mountinfo parsing, host paths,
 * CFS quota, keyed files, cgroup names (the reaper relies on them to never touch another tool's cgroup). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup_internal.h"

static const char hybrid_self[] =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/6cf6\n2:cpu,cpuacct:/a\n0::/\n";
static const char unified_self[] = "0::/user.slice/user-1000.slice/session-2.scope\n";

static void
test_self_path(void **state)
{
        (void)state;
        char out[256];
        assert_int_equal(cb_cg_self_path(hybrid_self, "memory", out, sizeof(out)), 0);
        assert_string_equal(out, "/process_api/6cf6");
        assert_int_equal(cb_cg_self_path(hybrid_self, "cpu", out, sizeof(out)), 0);
        assert_string_equal(out, "/a");
        assert_int_equal(cb_cg_self_path(hybrid_self, "cpuacct", out, sizeof(out)), 0);
        assert_string_equal(out, "/a");
        assert_int_equal(cb_cg_self_path(hybrid_self, "systemd", out, sizeof(out)), -ENOENT);
        assert_int_equal(cb_cg_self_path(hybrid_self, NULL, out, sizeof(out)), 0);
        assert_string_equal(out, "/");
        assert_int_equal(cb_cg_self_path(unified_self, NULL, out, sizeof(out)), 0);
        assert_string_equal(out, "/user.slice/user-1000.slice/session-2.scope");
        assert_int_equal(cb_cg_self_path(unified_self, "memory", out, sizeof(out)), -ENOENT);
        assert_int_equal(cb_cg_self_path(unified_self, NULL, out, 8), -ENAMETOOLONG);
}

static const char mountinfo[] =
    "25 30 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
    "26 25 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "27 26 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "28 26 0:25 /process_api /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "29 26 0:26 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "30 26 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";

static void
test_find_mount(void **state)
{
        (void)state;
        char mnt[256], root[256], opts[64];
        assert_int_equal(
            cb_cg_find_mount(mountinfo, "cpu", mnt, sizeof(mnt), root, sizeof(root), opts, sizeof(opts)), 0);
        assert_string_equal(mnt, "/sys/fs/cgroup/cpu,cpuacct");
        assert_string_equal(opts, "cpu,cpuacct");
        assert_int_equal(
            cb_cg_find_mount(mountinfo, "memory", mnt, sizeof(mnt), root, sizeof(root), opts, sizeof(opts)),
            0);
        assert_string_equal(root, "/process_api");
        assert_string_equal(opts, "memory");
        assert_int_equal(cb_cg_find_mount(mountinfo, "pids", mnt, sizeof(mnt), root, sizeof(root), NULL, 0),
                         -ENOENT);
        /* name=systemd is not a controller: "systemd" must not match it. */
        assert_int_equal(
            cb_cg_find_mount(mountinfo, "systemd", mnt, sizeof(mnt), root, sizeof(root), NULL, 0), -ENOENT);
        assert_int_equal(cb_cg_find_mount(mountinfo, NULL, mnt, sizeof(mnt), root, sizeof(root), NULL, 0), 0);
        assert_string_equal(mnt, "/sys/fs/cgroup/unified");
}

static void
test_host_path(void **state)
{
        (void)state;
        char out[256];
        assert_int_equal(cb_cg_host_path("/sys/fs/cgroup/memory", "/", "/process_api/x", out, sizeof(out)),
                         0);
        assert_string_equal(out, "/sys/fs/cgroup/memory/process_api/x");
        assert_int_equal(
            cb_cg_host_path("/sys/fs/cgroup/memory", "/process_api", "/process_api/x", out, sizeof(out)), 0);
        assert_string_equal(out, "/sys/fs/cgroup/memory/x");
        assert_int_equal(cb_cg_host_path("/sys/fs/cgroup", "/", "/", out, sizeof(out)), 0);
        assert_string_equal(out, "/sys/fs/cgroup");
        assert_int_equal(cb_cg_host_path("/m", "/process_api", "/process_apix", out, sizeof(out)), -EXDEV);
        assert_int_equal(cb_cg_host_path("/m", "/a", "/b", out, sizeof(out)), -EXDEV);
}

static void
test_cpu_quota(void **state)
{
        (void)state;
        uint64_t q, p;
        cb_cg_cpu_quota(2000000000ULL, &q, &p);
        assert_int_equal(q, 200000);
        assert_int_equal(p, 100000);
        cb_cg_cpu_quota(500000000ULL, &q, &p);
        assert_int_equal(q, 50000);
        cb_cg_cpu_quota(1000000ULL, &q, &p); /* 0.001 CPU: the kernel's minimum quota is 1 ms */
        assert_int_equal(q, 1000);
}

static void
test_keyed(void **state)
{
        (void)state;
        uint64_t v = 0;
        assert_int_equal(cb_cg_keyed_value("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n", "oom_kill", &v), 0);
        assert_int_equal(v, 2);
        assert_int_equal(cb_cg_keyed_value("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n", "oom", &v), 0);
        assert_int_equal(v, 3);
        assert_int_equal(cb_cg_keyed_value("oom_kill_disable 0\nunder_oom 0\n", "oom_kill", &v), -ENOENT);
        assert_true(cb_cg_list_has("cpuset cpu io memory pids\n", "pids"));
        assert_true(cb_cg_list_has("cpuset cpu io memory pids\n", "cpu"));
        assert_false(cb_cg_list_has("cpuset io memory\n", "cpu"));
        assert_false(cb_cg_list_has("", "memory"));
}

static void
test_names(void **state)
{
        (void)state;
        char out[64];
        assert_int_equal(cb_cg_dirname("claudebox-proj-1a2b", out, sizeof(out)), 0);
        assert_string_equal(out, "claudebox-proj-1a2b.sandbox");
        assert_int_equal(cb_cg_dirname("web", out, sizeof(out)), 0);
        assert_string_equal(out, "claudebox-web.sandbox");
        assert_true(cb_cg_dirname("a/b", out, sizeof(out)) < 0);
        assert_true(cb_cg_dirname("..", out, sizeof(out)) < 0);
        assert_true(cb_cg_dirname("", out, sizeof(out)) < 0);
        assert_true(cb_cg_is_ours("claudebox-web.sandbox"));
        /* Another tool's cgroup (a crun benchmark's, say) is never ours. */
        assert_false(cb_cg_is_ours("claudebox-bench-oci"));
        assert_false(cb_cg_is_ours("claudebox.launchers"));
        assert_false(cb_cg_is_ours("claudebox-.sandbox"));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_self_path), cmocka_unit_test(test_find_mount),
            cmocka_unit_test(test_host_path), cmocka_unit_test(test_cpu_quota),
            cmocka_unit_test(test_keyed),     cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
