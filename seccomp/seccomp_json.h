/* claudebox — Docker/OCI JSON seccomp profiles -> libseccomp filter.
 *
 * Reads the format Docker, podman and the OCI runtime spec use (defaultAction, defaultErrnoRet,
 * architectures or archMap, syscalls[] with names/name, action, errnoRet, args, includes/excludes) and
 * builds a libseccomp filter from it with the same selection rules as Docker (moby/profiles/seccomp):
 * includes/excludes by the native architecture, the capability bounding set and the kernel version.
 * No side effects besides memory: everything here is unit-tested without privileges. */
#pragma once

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include "../runtime/error.h"

/* "SCMP_ACT_ERRNO" (+ errnoRet when has_errno) -> a libseccomp action. SCMP_ACT_KILL is KILL_THREAD,
 * SCMP_ACT_TRACE becomes ERRNO(ENOSYS) (what the kernel answers when no tracer is attached, without
 * letting a tracer inside the sandbox rewrite the call), SCMP_ACT_NOTIFY is refused (no listener). */
int cb_seccomp_parse_action(const char *name, bool has_errno, int64_t errno_ret, uint32_t *ret,
                            struct cb_error **err);
/* "SCMP_CMP_MASKED_EQ" -> SCMP_CMP_MASKED_EQ, ... */
int cb_seccomp_parse_op(const char *name, enum scmp_compare *ret, struct cb_error **err);
/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64 (the AUDIT_ARCH value); 0 when unknown to libseccomp. */
uint32_t cb_seccomp_parse_arch(const char *name);
/* The name Docker profiles use in includes/excludes "arches" (Go's names: amd64, arm64, x86, ...). */
const char *cb_seccomp_docker_arch(uint32_t arch);
/* True when an action lets the call through (ALLOW, LOG). */
bool cb_seccomp_action_allows(uint32_t action);
/* Compares "5.10" (a minKernel) with a kernel release such as "6.1.0-18-amd64": <0, 0, >0 like strcmp;
 * -EINVAL (through *err) when min is not MAJOR.MINOR. */
int cb_seccomp_kernel_cmp(const char *release, const char *min, int *ret, struct cb_error **err);

/* What the selection rules depend on. */
struct cb_seccomp_env {
        uint64_t cap_bounding;      /* bit mask over CAP_* numbers */
        const char *kernel_release; /* uname -r */
        uint32_t native_arch;       /* 0: seccomp_arch_native() */
};

/* Parses `text` (the profile; `label` names it in messages) and builds the filter (*ret, to be released
 * with seccomp_release). Non-fatal findings (unknown syscall names that are safe to skip) are appended
 * to *warnings (a NULL-terminated strv the caller frees). Errors name the entry: "seccomp profile X:
 * syscalls[12].action: unknown action SCMP_ACT_FOO". */
int cb_seccomp_profile_build(const char *label, const char *text, const struct cb_seccomp_env *env,
                             scmp_filter_ctx *ret, char ***warnings, struct cb_error **err);
