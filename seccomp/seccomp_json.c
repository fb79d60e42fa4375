/* claudebox — Docker/OCI JSON seccomp profiles -> libseccomp filter (see seccomp_json.h). */
#define _GNU_SOURCE
#include "seccomp_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cleanup.h"
#include "../runtime/parse.h"

static const struct {
        const char *name;
        enum scmp_compare op;
} ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},         {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},         {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

int
cb_seccomp_parse_action(const char *name, bool has_errno, int64_t errno_ret, uint32_t *ret,
                        struct cb_error **err)
{
        if (has_errno && (errno_ret < 0 || errno_ret > 4095))
                return cb_error_input(err, "errnoRet %lld out of range (0-4095)", (long long)errno_ret);
        if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
                *ret = SCMP_ACT_ALLOW;
        else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
                /* Docker's default errno is EPERM. */
                *ret = SCMP_ACT_ERRNO(has_errno ? (uint16_t)errno_ret : EPERM);
        else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
                *ret = SCMP_ACT_KILL_THREAD;
        else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
                *ret = SCMP_ACT_TRAP;
        else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
                /* Untraced, the kernel answers a TRACE rule with ENOSYS. A tracer inside the sandbox could
                 * instead rewrite the call; nothing there needs that power, so it always gets ENOSYS. */
                *ret = SCMP_ACT_ERRNO(ENOSYS);
        else if (strcmp(name, "SCMP_ACT_LOG") == 0)
                *ret = SCMP_ACT_LOG;
        else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
                return cb_error_input(err, "action SCMP_ACT_NOTIFY is not supported (claudebox runs no "
                                           "seccomp notification listener)");
        else
                return cb_error_input(err, "unknown action %s", name);
        return 0;
}

int
cb_seccomp_parse_op(const char *name, enum scmp_compare *ret, struct cb_error **err)
{
        for (size_t i = 0; i < CB_ARRAY_SIZE(ops); i++)
                if (strcmp(name, ops[i].name) == 0) {
                        *ret = ops[i].op;
                        return 0;
                }
        return cb_error_input(err, "unknown operator %s", name);
}

uint32_t
cb_seccomp_parse_arch(const char *name)
{
        if (strncmp(name, "SCMP_ARCH_", 10) != 0)
                return 0;
        char lower[32];
        size_t i;
        for (i = 0; name[10 + i] != '\0' && i < sizeof(lower) - 1; i++)
                lower[i] = (char)tolower((unsigned char)name[10 + i]);
        if (name[10 + i] != '\0' || i == 0)
                return 0;
        lower[i] = '\0';
        return seccomp_arch_resolve_name(lower);
}

const char *
cb_seccomp_docker_arch(uint32_t arch)
{
        switch (arch) {
        case SCMP_ARCH_X86_64: return "amd64";
        case SCMP_ARCH_X86: return "x86";
        case SCMP_ARCH_X32: return "x32";
        case SCMP_ARCH_AARCH64: return "arm64";
        case SCMP_ARCH_ARM: return "arm";
        case SCMP_ARCH_PPC64LE: return "ppc64le";
        case SCMP_ARCH_PPC64: return "ppc64";
        case SCMP_ARCH_S390X: return "s390x";
        case SCMP_ARCH_S390: return "s390";
        case SCMP_ARCH_RISCV64: return "riscv64";
        case SCMP_ARCH_MIPS64: return "mips64";
        case SCMP_ARCH_MIPSEL64: return "mipsle64";
        default: return "unknown";
        }
}

bool
cb_seccomp_action_allows(uint32_t action)
{
        return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

static bool
parse_version(const char *s, unsigned *major, unsigned *minor)
{
        char *end;
        errno = 0;
        unsigned long ma = strtoul(s, &end, 10);
        if (end == s || *end != '.' || errno != 0 || ma > 1000)
                return false;
        const char *m = end + 1;
        unsigned long mi = strtoul(m, &end, 10);
        if (end == m || errno != 0 || mi > 1000)
                return false;
        *major = (unsigned)ma;
        *minor = (unsigned)mi;
        return true;
}

int
cb_seccomp_kernel_cmp(const char *release, const char *min, int *ret, struct cb_error **err)
{
        unsigned rma, rmi, mma, mmi;
        if (!parse_version(min, &mma, &mmi))
                return cb_error_input(err, "minKernel '%s' is not MAJOR.MINOR", min);
        if (!parse_version(release, &rma, &rmi))
                return cb_error_set(err, EINVAL, "cannot parse the kernel release '%s'", release);
        *ret = rma != mma ? (rma < mma ? -1 : 1) : rmi != mmi ? (rmi < mmi ? -1 : 1) : 0;
        return 0;
}

/* ---- the profile ---- */

struct builder {
        const char *label;
        const struct cb_seccomp_env *env;
        uint32_t native;
        uint32_t default_action;
        scmp_filter_ctx ctx;
        char ***warnings;
        struct cb_error **err;
};

/* Every error names the profile and the JSON path of the entry. */
__attribute__((format(printf, 3, 4))) static int
bad(struct builder *b, const char *where, const char *fmt, ...)
{
        char msg[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return cb_error_input(b->err, "seccomp profile %s: %s: %s", b->label, where, msg);
}

/* Wraps an error from a pure helper with the profile and path. */
static int
wrap(struct builder *b, const char *where)
{
        return cb_error_wrap(b->err, "seccomp profile %s: %s", b->label, where);
}

static int
warn(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
warn(struct builder *b, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (b->warnings != NULL && cb_strv_push(b->warnings, msg) < 0)
                return cb_error_set(b->err, ENOMEM, "seccomp profile %s", b->label);
        return 0;
}

static struct json_object *
get(struct json_object *obj, const char *key)
{
        struct json_object *v = NULL;
        if (!json_object_object_get_ex(obj, key, &v))
                return NULL;
        return v; /* JSON null reads as absent (NULL) too, as in Go's encoding/json */
}

static int
get_string(struct builder *b, struct json_object *obj, const char *key, const char *where, bool required,
           const char **ret)
{
        struct json_object *v = get(obj, key);
        *ret = NULL;
        if (v == NULL) {
                if (required)
                        return bad(b, where, "missing \"%s\"", key);
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return bad(b, where, "\"%s\" must be a string", key);
        *ret = json_object_get_string(v);
        return 0;
}

static int
get_array(struct builder *b, struct json_object *obj, const char *key, const char *where,
          struct json_object **ret)
{
        struct json_object *v = get(obj, key);
        *ret = NULL;
        if (v == NULL)
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return bad(b, where, "\"%s\" must be an array", key);
        *ret = v;
        return 0;
}

/* A non-negative integer (JSON numbers up to 2^64-1). */
static int
get_u64(struct builder *b, struct json_object *obj, const char *key, const char *where, bool *present,
        uint64_t *ret)
{
        struct json_object *v = get(obj, key);
        *present = v != NULL;
        *ret = 0;
        if (v == NULL)
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return bad(b, where, "\"%s\" must be an integer", key);
        errno = 0;
        int64_t s = json_object_get_int64(v);
        if (s < 0 && errno == 0)
                return bad(b, where, "\"%s\" must not be negative", key);
        *ret = json_object_get_uint64(v);
        return 0;
}

static int
add_arch(struct builder *b, const char *name, const char *where)
{
        uint32_t arch = cb_seccomp_parse_arch(name);
        if (arch == 0)
                /* A foreign architecture we cannot name stays closed: its calls hit the bad-arch action. */
                return warn(b, "seccomp profile %s: %s: unknown architecture %s, ignored", b->label, where, name);
        int r = seccomp_arch_add(b->ctx, arch);
        if (r < 0 && r != -EEXIST)
                return bad(b, where, "libseccomp cannot add architecture %s: %s", name, strerror(-r));
        return 0;
}

static int
load_arches(struct builder *b, struct json_object *root)
{
        struct json_object *arches, *map;
        char where[64];
        int r;
        if ((r = get_array(b, root, "architectures", "architectures", &arches)) < 0 ||
            (r = get_array(b, root, "archMap", "archMap", &map)) < 0)
                return r;
        /* Docker's format: the entry of the native architecture names its sub-architectures. */
        for (size_t i = 0; map != NULL && i < json_object_array_length(map); i++) {
                struct json_object *e = json_object_array_get_idx(map, i);
                snprintf(where, sizeof(where), "archMap[%zu]", i);
                if (!json_object_is_type(e, json_type_object))
                        return bad(b, where, "must be an object");
                const char *arch;
                struct json_object *subs;
                if ((r = get_string(b, e, "architecture", where, true, &arch)) < 0 ||
                    (r = get_array(b, e, "subArchitectures", where, &subs)) < 0)
                        return r;
                if (cb_seccomp_parse_arch(arch) != b->native)
                        continue;
                for (size_t j = 0; subs != NULL && j < json_object_array_length(subs); j++) {
                        struct json_object *s = json_object_array_get_idx(subs, j);
                        snprintf(where, sizeof(where), "archMap[%zu].subArchitectures[%zu]", i, j);
                        if (!json_object_is_type(s, json_type_string))
                                return bad(b, where, "must be a string");
                        if ((r = add_arch(b, json_object_get_string(s), where)) < 0)
                                return r;
                }
        }
        /* OCI's format (and Docker's before archMap): a flat list. */
        for (size_t i = 0; arches != NULL && i < json_object_array_length(arches); i++) {
                struct json_object *s = json_object_array_get_idx(arches, i);
                snprintf(where, sizeof(where), "architectures[%zu]", i);
                if (!json_object_is_type(s, json_type_string))
                        return bad(b, where, "must be a string");
                if ((r = add_arch(b, json_object_get_string(s), where)) < 0)
                        return r;
        }
        return 0;
}

static bool
strv_json_contains(struct json_object *arr, const char *s)
{
        for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
                struct json_object *e = json_object_array_get_idx(arr, i);
                if (json_object_is_type(e, json_type_string) && strcmp(json_object_get_string(e), s) == 0)
                        return true;
        }
        return false;
}

/* Docker's includes/excludes: does this entry apply to this sandbox? includes: every condition must hold
 * (the native arch is listed, every listed capability is in the bounding set, the kernel is at least
 * minKernel); excludes: any condition that holds drops the entry. */
static int
filter_applies(struct builder *b, struct json_object *sc, const char *key, const char *where, bool include,
               bool *ret)
{
        char path[96];
        snprintf(path, sizeof(path), "%s.%s", where, key);
        struct json_object *f = get(sc, key);
        *ret = true;
        if (f == NULL)
                return 0;
        if (!json_object_is_type(f, json_type_object))
                return bad(b, path, "must be an object");
        struct json_object *arches, *caps;
        const char *min_kernel;
        int r;
        if ((r = get_array(b, f, "arches", path, &arches)) < 0 || (r = get_array(b, f, "caps", path, &caps)) < 0 ||
            (r = get_string(b, f, "minKernel", path, false, &min_kernel)) < 0)
                return r;

        bool arch_hit = arches != NULL && strv_json_contains(arches, cb_seccomp_docker_arch(b->native));
        bool caps_all = true, caps_any = false;
        for (size_t i = 0; caps != NULL && i < json_object_array_length(caps); i++) {
                struct json_object *c = json_object_array_get_idx(caps, i);
                char cpath[128];
                snprintf(cpath, sizeof(cpath), "%s.caps[%zu]", path, i);
                if (!json_object_is_type(c, json_type_string))
                        return bad(b, cpath, "must be a string");
                int cap = -1;
                if (cb_parse_cap(json_object_get_string(c), &cap, b->err) < 0 || cap < 0) {
                        if (cap == -2)
                                return bad(b, cpath, "ALL is not a capability here");
                        return wrap(b, cpath);
                }
                bool held = (b->env->cap_bounding >> cap) & 1;
                caps_all = caps_all && held;
                caps_any = caps_any || held;
        }
        bool kernel_new_enough = true; /* kernel >= minKernel */
        if (min_kernel != NULL) {
                int cmp;
                char kpath[128];
                snprintf(kpath, sizeof(kpath), "%s.minKernel", path);
                if (cb_seccomp_kernel_cmp(b->env->kernel_release, min_kernel, &cmp, b->err) < 0)
                        return wrap(b, kpath);
                kernel_new_enough = cmp >= 0;
        }
        if (include)
                *ret = (arches == NULL || json_object_array_length(arches) == 0 || arch_hit) && caps_all &&
                       kernel_new_enough;
        else
                *ret = !arch_hit && !caps_any && !(min_kernel != NULL && kernel_new_enough);
        return 0;
}

static int
add_rule(struct builder *b, const char *name, const char *where, uint32_t action, const struct scmp_arg_cmp *cmps,
         unsigned n_cmps, bool split)
{
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
                const struct scmp_version *v = seccomp_version();
                /* Skipping the rule leaves the call to the default action. That is safe when the default
                 * denies and the rule would have allowed it (the filter only gets stricter), or when both
                 * return an errno (only the number differs). Anything else - a deny rule under an
                 * allow-by-default profile, a kill turned into an errno - would weaken the profile. */
                bool dflt_errno = (b->default_action & 0xffff0000U) == SCMP_ACT_ERRNO(0);
                bool rule_errno = (action & 0xffff0000U) == SCMP_ACT_ERRNO(0);
                if (!cb_seccomp_action_allows(b->default_action) &&
                    (cb_seccomp_action_allows(action) || (dflt_errno && rule_errno)))
                        return warn(b,
                                    "seccomp profile %s: %s: unknown system call '%s' (not known to libseccomp "
                                    "%u.%u.%u); rule skipped, the call keeps the default action",
                                    b->label, where, name, v->major, v->minor, v->micro);
                return bad(b, where,
                           "unknown system call '%s' (not known to libseccomp %u.%u.%u); refusing to skip a "
                           "rule that restricts it",
                           name, v->major, v->minor, v->micro);
        }
        int r = 0;
        if (split) {
                /* Several conditions on one argument: libseccomp takes each argument once per rule, so
                 * (as runc does) each condition becomes its own rule and they are OR-ed. */
                for (unsigned i = 0; i < n_cmps; i++)
                        if ((r = seccomp_rule_add_array(b->ctx, action, nr, 1, &cmps[i])) < 0)
                                break;
        } else {
                r = seccomp_rule_add_array(b->ctx, action, nr, n_cmps, cmps);
        }
        if (r < 0)
                return bad(b, where, "libseccomp refused the rule for '%s': %s", name, strerror(-r));
        return 0;
}

static int
load_syscall(struct builder *b, struct json_object *sc, size_t idx)
{
        char where[64], path[96];
        int r;
        snprintf(where, sizeof(where), "syscalls[%zu]", idx);
        if (!json_object_is_type(sc, json_type_object))
                return bad(b, where, "must be an object");

        const char *action_name;
        bool has_errno;
        uint64_t errno_ret;
        if ((r = get_string(b, sc, "action", where, true, &action_name)) < 0 ||
            (r = get_u64(b, sc, "errnoRet", where, &has_errno, &errno_ret)) < 0)
                return r;
        uint32_t action;
        snprintf(path, sizeof(path), "%s.action", where);
        if (cb_seccomp_parse_action(action_name, has_errno, errno_ret > 65536 ? 65536 : (int64_t)errno_ret, &action,
                                    b->err) < 0)
                return wrap(b, path);

        bool inc, exc;
        if ((r = filter_applies(b, sc, "includes", where, true, &inc)) < 0 ||
            (r = filter_applies(b, sc, "excludes", where, false, &exc)) < 0)
                return r;

        struct json_object *args;
        if ((r = get_array(b, sc, "args", where, &args)) < 0)
                return r;
        size_t n_args = args == NULL ? 0 : json_object_array_length(args);
        if (n_args > 6)
                return bad(b, where, "more than 6 argument conditions");
        struct scmp_arg_cmp cmps[6];
        unsigned seen[6] = {0};
        bool split = false;
        for (size_t i = 0; i < n_args; i++) {
                struct json_object *a = json_object_array_get_idx(args, i);
                snprintf(path, sizeof(path), "%s.args[%zu]", where, i);
                if (!json_object_is_type(a, json_type_object))
                        return bad(b, path, "must be an object");
                bool present, p2;
                uint64_t index, value, value_two;
                const char *op_name;
                if ((r = get_u64(b, a, "index", path, &present, &index)) < 0 ||
                    (r = get_u64(b, a, "value", path, &p2, &value)) < 0 ||
                    (r = get_u64(b, a, "valueTwo", path, &p2, &value_two)) < 0 ||
                    (r = get_string(b, a, "op", path, true, &op_name)) < 0)
                        return r;
                if (!present)
                        return bad(b, path, "missing \"index\"");
                if (index > 5)
                        return bad(b, path, "index %llu out of range (0-5)", (unsigned long long)index);
                enum scmp_compare op;
                if (cb_seccomp_parse_op(op_name, &op, b->err) < 0) {
                        snprintf(path, sizeof(path), "%s.args[%zu].op", where, i);
                        return wrap(b, path);
                }
                cmps[i] = (struct scmp_arg_cmp){.arg = (unsigned)index, .op = op, .datum_a = value,
                                                .datum_b = value_two};
                if (++seen[index] > 1)
                        split = true;
        }

        /* names (current format) or name (old format). */
        struct json_object *names = get(sc, "names");
        const char *single;
        if ((r = get_string(b, sc, "name", where, false, &single)) < 0)
                return r;
        if (names != NULL && !json_object_is_type(names, json_type_array))
                return bad(b, where, "\"names\" must be an array");
        if (names == NULL && single == NULL)
                return bad(b, where, "has neither \"names\" nor \"name\"");
        for (size_t i = 0; names != NULL && i < json_object_array_length(names); i++)
                if (!json_object_is_type(json_object_array_get_idx(names, i), json_type_string)) {
                        snprintf(path, sizeof(path), "%s.names[%zu]", where, i);
                        return bad(b, path, "must be a string");
                }

        /* Entries for another architecture, capability set or kernel, and rules that only restate the
         * default action, change nothing (libseccomp would refuse the latter). */
        if (!inc || !exc || action == b->default_action)
                return 0;

        if (single != NULL) {
                snprintf(path, sizeof(path), "%s.name", where);
                if ((r = add_rule(b, single, path, action, cmps, (unsigned)n_args, split)) < 0)
                        return r;
        }
        for (size_t i = 0; names != NULL && i < json_object_array_length(names); i++) {
                snprintf(path, sizeof(path), "%s.names[%zu]", where, i);
                if ((r = add_rule(b, json_object_get_string(json_object_array_get_idx(names, i)), path, action,
                                  cmps, (unsigned)n_args, split)) < 0)
                        return r;
        }
        return 0;
}

int
cb_seccomp_profile_build(const char *label, const char *text, const struct cb_seccomp_env *env,
                         scmp_filter_ctx *ret, char ***warnings, struct cb_error **err)
{
        *ret = NULL;
        struct builder b = {.label = label, .env = env, .warnings = warnings, .err = err};
        b.native = env->native_arch != 0 ? env->native_arch : seccomp_arch_native();

        struct json_tokener *tok = json_tokener_new();
        if (tok == NULL)
                return cb_error_set(err, ENOMEM, "seccomp profile %s", label);
        cleanup_json struct json_object *root = json_tokener_parse_ex(tok, text, (int)strlen(text));
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t offset = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (jerr == json_tokener_continue)
                return cb_error_input(err, "seccomp profile %s: invalid JSON: unexpected end of file", label);
        if (jerr != json_tokener_success || root == NULL)
                return cb_error_input(err, "seccomp profile %s: invalid JSON at byte %zu: %s", label, offset,
                                      json_tokener_error_desc(jerr));
        for (size_t i = offset; text[i] != '\0'; i++)
                if (!isspace((unsigned char)text[i]))
                        return cb_error_input(err, "seccomp profile %s: invalid JSON: trailing data at byte %zu",
                                              label, i);
        if (!json_object_is_type(root, json_type_object))
                return cb_error_input(err, "seccomp profile %s: the top level must be an object", label);

        const char *default_name;
        bool has_errno;
        uint64_t errno_ret;
        int r;
        if ((r = get_string(&b, root, "defaultAction", "profile", true, &default_name)) < 0 ||
            (r = get_u64(&b, root, "defaultErrnoRet", "profile", &has_errno, &errno_ret)) < 0)
                return r;
        if (cb_seccomp_parse_action(default_name, has_errno, errno_ret > 65536 ? 65536 : (int64_t)errno_ret,
                                    &b.default_action, err) < 0)
                return wrap(&b, "defaultAction");
        if (get(root, "listenerPath") != NULL)
                return bad(&b, "listenerPath", "seccomp notification listeners are not supported");

        cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(b.default_action);
        if (ctx == NULL)
                return cb_error_set(err, ENOMEM, "seccomp profile %s: libseccomp init", label);
        if (b.native != seccomp_arch_native()) {
                /* For tests and cross builds: a filter for another native architecture. */
                if ((r = seccomp_arch_add(ctx, b.native)) < 0 ||
                    (r = seccomp_arch_remove(ctx, seccomp_arch_native())) < 0)
                        return cb_error_set(err, -r, "seccomp profile %s: target architecture", label);
        }
        /* Architectures the profile does not list cannot make any call at all; the optimiser turns the
         * syscall list into a binary tree (O(log n) per call instead of a linear scan). */
        if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
            (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
                return cb_error_set(err, -r, "seccomp profile %s: libseccomp attributes", label);
        b.ctx = ctx;
        if ((r = load_arches(&b, root)) < 0)
                return r;

        struct json_object *syscalls;
        if ((r = get_array(&b, root, "syscalls", "profile", &syscalls)) < 0)
                return r;
        for (size_t i = 0; syscalls != NULL && i < json_object_array_length(syscalls); i++)
                if ((r = load_syscall(&b, json_object_array_get_idx(syscalls, i), i)) < 0)
                        return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}
