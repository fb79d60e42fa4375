/* claudebox bench — compiles an OCI-format seccomp section (what `docker run` hands to runc, e.g.
 * /work/shared/data/docker-default-seccomp.oci.json) into raw BPF with libseccomp, for
 * `bwrap --seccomp FD`. This is how bubblewrap users apply Docker's filter, so the peer row pays
 * exactly what Docker's filter costs and nothing for JSON parsing at start-up.
 *
 * usage: oci_seccomp_bpf PROFILE.json OUT.bpf */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
die(const char *what, const char *detail)
{
        fprintf(stderr, "oci_seccomp_bpf: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
        return 1;
}

static const char *
str(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int
action_of(const char *name, json_object *rule, int default_errno, uint32_t *act)
{
        json_object *v;
        int e = default_errno;
        if (rule != NULL && json_object_object_get_ex(rule, "errnoRet", &v))
                e = json_object_get_int(v);
        if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
                *act = SCMP_ACT_ALLOW;
        else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
                *act = SCMP_ACT_ERRNO(e);
        else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
                *act = SCMP_ACT_KILL;
        else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
                *act = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
                *act = SCMP_ACT_TRAP;
        else if (strcmp(name, "SCMP_ACT_LOG") == 0)
                *act = SCMP_ACT_LOG;
        else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
                *act = SCMP_ACT_TRACE(e);
        else
                return -1;
        return 0;
}

static int
op_of(const char *name, enum scmp_compare *op)
{
        static const struct {
                const char *name;
                enum scmp_compare op;
        } ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
                   {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
                   {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
                   {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (strcmp(name, ops[i].name) == 0) {
                        *op = ops[i].op;
                        return 0;
                }
        return -1;
}

int
main(int argc, char **argv)
{
        if (argc != 3)
                return die("usage: oci_seccomp_bpf PROFILE.json OUT.bpf", NULL);
        json_object *root = json_object_from_file(argv[1]);
        if (root == NULL)
                return die("cannot parse", argv[1]);
        json_object *v, *arches, *rules;
        int default_errno = EPERM; /* Docker's default when defaultErrnoRet is absent */
        if (json_object_object_get_ex(root, "defaultErrnoRet", &v))
                default_errno = json_object_get_int(v);
        const char *def = str(root, "defaultAction");
        uint32_t def_act;
        if (def == NULL || action_of(def, root, default_errno, &def_act) < 0)
                return die("bad defaultAction", def);
        if (strcmp(def, "SCMP_ACT_ERRNO") == 0)
                def_act = SCMP_ACT_ERRNO(default_errno);
        scmp_filter_ctx ctx = seccomp_init(def_act);
        if (ctx == NULL)
                return die("seccomp_init failed", NULL);
        if (json_object_object_get_ex(root, "architectures", &arches))
                for (size_t i = 0; i < json_object_array_length(arches); i++) {
                        const char *a = json_object_get_string(json_object_array_get_idx(arches, i));
                        uint32_t arch = 0;
                        if (strcmp(a, "SCMP_ARCH_X86_64") == 0)
                                arch = SCMP_ARCH_X86_64;
                        else if (strcmp(a, "SCMP_ARCH_X86") == 0)
                                arch = SCMP_ARCH_X86;
                        else if (strcmp(a, "SCMP_ARCH_X32") == 0)
                                arch = SCMP_ARCH_X32;
                        else if (strcmp(a, "SCMP_ARCH_AARCH64") == 0)
                                arch = SCMP_ARCH_AARCH64;
                        else if (strcmp(a, "SCMP_ARCH_ARM") == 0)
                                arch = SCMP_ARCH_ARM;
                        if (arch != 0 && arch != seccomp_arch_native()) {
                                int r = seccomp_arch_add(ctx, arch);
                                if (r < 0 && r != -EEXIST)
                                        return die("seccomp_arch_add", a);
                        }
                }
        int added = 0, skipped = 0;
        if (!json_object_object_get_ex(root, "syscalls", &rules))
                return die("no syscalls array", NULL);
        for (size_t i = 0; i < json_object_array_length(rules); i++) {
                json_object *rule = json_object_array_get_idx(rules, i), *names, *args = NULL;
                const char *an = str(rule, "action");
                uint32_t act;
                if (an == NULL || action_of(an, rule, default_errno, &act) < 0)
                        return die("bad action", an);
                struct scmp_arg_cmp cmp[6];
                unsigned n = 0;
                if (json_object_object_get_ex(rule, "args", &args) && args != NULL)
                        for (size_t j = 0; j < json_object_array_length(args) && n < 6; j++) {
                                json_object *a = json_object_array_get_idx(args, j), *x;
                                enum scmp_compare op;
                                if (op_of(str(a, "op") ? str(a, "op") : "", &op) < 0)
                                        return die("bad op", str(a, "op"));
                                cmp[n] = (struct scmp_arg_cmp){.op = op};
                                if (json_object_object_get_ex(a, "index", &x))
                                        cmp[n].arg = (unsigned)json_object_get_int(x);
                                if (json_object_object_get_ex(a, "value", &x))
                                        cmp[n].datum_a = (scmp_datum_t)json_object_get_uint64(x);
                                if (json_object_object_get_ex(a, "valueTwo", &x))
                                        cmp[n].datum_b = (scmp_datum_t)json_object_get_uint64(x);
                                n++;
                        }
                if (!json_object_object_get_ex(rule, "names", &names))
                        continue;
                for (size_t j = 0; j < json_object_array_length(names); j++) {
                        const char *name = json_object_get_string(json_object_array_get_idx(names, j));
                        int nr = seccomp_syscall_resolve_name(name);
                        if (nr == __NR_SCMP_ERROR) {
                                skipped++;
                                continue; /* not a syscall on this architecture/libseccomp */
                        }
                        int r = seccomp_rule_add_array(ctx, act, nr, n, cmp);
                        if (r == -EACCES) /* same as the default action */
                                continue;
                        if (r < 0) {
                                skipped++;
                                continue;
                        }
                        added++;
                }
        }
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return die("cannot create", argv[2]);
        if (seccomp_export_bpf(ctx, fd) < 0)
                return die("seccomp_export_bpf failed", NULL);
        close(fd);
        seccomp_release(ctx);
        json_object_put(root);
        fprintf(stderr, "oci_seccomp_bpf: %d rules, %d names skipped\n", added, skipped);
        return 0;
}
