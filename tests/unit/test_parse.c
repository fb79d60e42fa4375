/* Unit tests of the pure parsers: sizes, CPUs, volumes, tmpfs options, capabilities, CIDRs, paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <sys/socket.h>

#include "parse.h"

static void
test_size(void **state)
{
        (void)state;
        uint64_t v;
        assert_int_equal(cb_parse_size("512", &v, NULL), 0);
        assert_int_equal(v, 512);
        assert_int_equal(cb_parse_size("64k", &v, NULL), 0);
        assert_int_equal(v, 64 << 10);
        assert_int_equal(cb_parse_size("64m", &v, NULL), 0);
        assert_int_equal(v, 64ULL << 20);
        assert_int_equal(cb_parse_size("4g", &v, NULL), 0);
        assert_int_equal(v, 4ULL << 30);
        assert_int_equal(cb_parse_size("4GB", &v, NULL), 0);
        assert_int_equal(v, 4ULL << 30);
        assert_int_equal(cb_parse_size("1t", &v, NULL), 0);
        assert_int_equal(v, 1ULL << 40);
        struct cb_error *e = NULL;
        assert_true(cb_parse_size("4x", &v, &e) < 0);
        assert_non_null(strstr(e->message, "unknown unit"));
        cb_error_free(e);
        assert_true(cb_parse_size("", &v, NULL) < 0);
        assert_true(cb_parse_size("-1g", &v, NULL) < 0);
        assert_true(cb_parse_size("0", &v, NULL) < 0);
        assert_true(cb_parse_size("4gg", &v, NULL) < 0);
        assert_true(cb_parse_size("99999999999999999999", &v, NULL) < 0);
        assert_true(cb_parse_size("20000000000000t", &v, NULL) < 0);
}

static void
test_cpus(void **state)
{
        (void)state;
        uint64_t v;
        assert_int_equal(cb_parse_cpus("2", &v, NULL), 0);
        assert_int_equal(v, 2000000000ULL);
        assert_int_equal(cb_parse_cpus("0.5", &v, NULL), 0);
        assert_int_equal(v, 500000000ULL);
        assert_int_equal(cb_parse_cpus("1.25", &v, NULL), 0);
        assert_int_equal(v, 1250000000ULL);
        assert_int_equal(cb_parse_cpus(".5", &v, NULL), 0);
        assert_int_equal(v, 500000000ULL);
        assert_true(cb_parse_cpus("0", &v, NULL) < 0);
        assert_true(cb_parse_cpus("0.001", &v, NULL) < 0);
        assert_true(cb_parse_cpus("abc", &v, NULL) < 0);
        assert_true(cb_parse_cpus("1.", &v, NULL) < 0);
        assert_true(cb_parse_cpus("1.0000000001", &v, NULL) < 0);
        assert_true(cb_parse_cpus("2000", &v, NULL) < 0);
        assert_true(cb_parse_cpus("-1", &v, NULL) < 0);
}

static void
test_positive(void **state)
{
        (void)state;
        int64_t v;
        assert_int_equal(cb_parse_positive("200", "x", &v, NULL), 0);
        assert_int_equal(v, 200);
        assert_true(cb_parse_positive("0", "x", &v, NULL) < 0);
        assert_true(cb_parse_positive("-1", "x", &v, NULL) < 0);
        assert_true(cb_parse_positive("12a", "x", &v, NULL) < 0);
        assert_true(cb_parse_positive("", "x", &v, NULL) < 0);
}

static void
test_volume(void **state)
{
        (void)state;
        struct cb_bind b;
        assert_int_equal(cb_parse_volume("/data:/mnt/data:ro", "/cwd", &b, NULL), 0);
        assert_string_equal(b.src, "/data");
        assert_string_equal(b.dst, "/mnt/data");
        assert_true(b.readonly);
        free(b.src);
        free(b.dst);
        assert_int_equal(cb_parse_volume("rel/dir:/x", "/cwd", &b, NULL), 0);
        assert_string_equal(b.src, "/cwd/rel/dir");
        assert_false(b.readonly);
        free(b.src);
        free(b.dst);
        assert_int_equal(cb_parse_volume("/a:/b/./c/:rw", "/", &b, NULL), 0);
        assert_string_equal(b.dst, "/b/c");
        free(b.src);
        free(b.dst);
        assert_true(cb_parse_volume("/a", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume("/a:rel", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume("/a:/b:rx", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume("/a:/b:ro:x", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume("/a:/b/../../etc", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume("/a:/", "/", &b, NULL) < 0);
        assert_true(cb_parse_volume(":/b", "/", &b, NULL) < 0);
}

static void
test_tmpfs(void **state)
{
        (void)state;
        struct cb_tmpfs t;
        assert_int_equal(cb_parse_tmpfs("/scratch:size=64m,mode=700", &t, NULL), 0);
        assert_string_equal(t.path, "/scratch");
        assert_string_equal(t.options, "size=67108864,mode=700");
        free(t.path);
        free(t.options);
        assert_int_equal(cb_parse_tmpfs("/x", &t, NULL), 0);
        assert_string_equal(t.options, "mode=1777");
        free(t.path);
        free(t.options);
        assert_int_equal(cb_parse_tmpfs("/x:noexec,uid=1000", &t, NULL), 0);
        assert_string_equal(t.options, "noexec,uid=1000,mode=1777");
        free(t.path);
        free(t.options);
        assert_true(cb_parse_tmpfs("x", &t, NULL) < 0);
        assert_true(cb_parse_tmpfs("/x:size=lots", &t, NULL) < 0);
        assert_true(cb_parse_tmpfs("/x:mode=999", &t, NULL) < 0);
        assert_true(cb_parse_tmpfs("/x:bogus=1", &t, NULL) < 0);
        assert_true(cb_parse_tmpfs("/x:uid=abc", &t, NULL) < 0);
}

static void
test_caps(void **state)
{
        (void)state;
        int cap;
        assert_int_equal(cb_parse_cap("NET_RAW", &cap, NULL), 0);
        assert_int_equal(cap, CAP_NET_RAW);
        assert_int_equal(cb_parse_cap("cap_sys_admin", &cap, NULL), 0);
        assert_int_equal(cap, CAP_SYS_ADMIN);
        assert_int_equal(cb_parse_cap("ALL", &cap, NULL), 0);
        assert_int_equal(cap, -2);
        assert_true(cb_parse_cap("NOT_A_CAP", &cap, NULL) < 0);

        const char *const secure[] = {"CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID", NULL};
        uint64_t mask;
        assert_int_equal(cb_caps_resolve(secure, NULL, NULL, &mask, NULL), 0);
        assert_int_equal(mask, 0xc3);
        char all[] = "ALL", raw[] = "NET_RAW", chown_[] = "CHOWN", fly[] = "FLY";
        char *drop_all[] = {all, NULL};
        char *add_raw[] = {raw, NULL};
        assert_int_equal(cb_caps_resolve(secure, add_raw, drop_all, &mask, NULL), 0);
        assert_int_equal(mask, 1ULL << CAP_NET_RAW);
        char *drop_chown[] = {chown_, NULL};
        assert_int_equal(cb_caps_resolve(secure, NULL, drop_chown, &mask, NULL), 0);
        assert_int_equal(mask, 0xc2);
        char *bad[] = {fly, NULL};
        assert_true(cb_caps_resolve(secure, bad, NULL, &mask, NULL) < 0);
}

static void
test_cidr(void **state)
{
        (void)state;
        struct cb_cidr c;
        assert_int_equal(cb_parse_cidr("10.1.2.3/8", &c, NULL), 0);
        assert_int_equal(c.family, AF_INET);
        assert_int_equal(c.prefix, 8);
        assert_string_equal(c.text, "10.0.0.0/8");
        free(c.text);
        assert_int_equal(cb_parse_cidr("192.0.2.1", &c, NULL), 0);
        assert_int_equal(c.prefix, 32);
        free(c.text);
        assert_int_equal(cb_parse_cidr("fd00::1/8", &c, NULL), 0);
        assert_int_equal(c.family, AF_INET6);
        assert_string_equal(c.text, "fd00::/8");
        free(c.text);
        assert_true(cb_parse_cidr("10.0.0.0/33", &c, NULL) < 0);
        assert_true(cb_parse_cidr("10.0.0/8", &c, NULL) < 0);
        assert_true(cb_parse_cidr("host.example/8", &c, NULL) < 0);
        assert_true(cb_parse_cidr("10.0.0.0/", &c, NULL) < 0);
}

static void
test_paths(void **state)
{
        (void)state;
        char *p;
        assert_string_equal(p = cb_path_normalize("/a//b/./c/../d/"), "/a/b/d");
        free(p);
        assert_string_equal(p = cb_path_normalize("/../.."), "/");
        free(p);
        assert_string_equal(p = cb_path_join("/a", "b/c"), "/a/b/c");
        free(p);
        assert_string_equal(p = cb_path_join("/a", "/x/y"), "/x/y");
        free(p);
        assert_true(cb_path_is_under("/a/b", "/a"));
        assert_true(cb_path_is_under("/a", "/a"));
        assert_false(cb_path_is_under("/ab", "/a"));
        assert_true(cb_path_is_under("/x", "/"));
        assert_int_equal(cb_path_depth("/"), 0);
        assert_int_equal(cb_path_depth("/a/b"), 2);
        assert_true(cb_env_name_valid("FOO_1", 5));
        assert_false(cb_env_name_valid("1FOO", 4));
        assert_false(cb_env_name_valid("FO-O", 4));
}

static void
test_next_line(void **state)
{
        (void)state;
        char buf[8];
        const char *cursor = "one\n\nthis-line-is-too-long\nlast";
        assert_true(cb_next_line(&cursor, buf, sizeof(buf)));
        assert_string_equal(buf, "one");
        assert_true(cb_next_line(&cursor, buf, sizeof(buf)));
        assert_string_equal(buf, "");
        assert_true(cb_next_line(&cursor, buf, sizeof(buf))); /* the long line is skipped */
        assert_string_equal(buf, "last");
        assert_false(cb_next_line(&cursor, buf, sizeof(buf)));
        cursor = "";
        assert_false(cb_next_line(&cursor, buf, sizeof(buf)));
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size),   cmocka_unit_test(test_cpus), cmocka_unit_test(test_positive),
                cmocka_unit_test(test_volume), cmocka_unit_test(test_tmpfs), cmocka_unit_test(test_caps),
                cmocka_unit_test(test_cidr),   cmocka_unit_test(test_paths),  cmocka_unit_test(test_next_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
