#!/usr/bin/env bash
# The seccomp layer: --seccomp default blocks what the issue lists (and only the filter does: the same
# calls without a filter fail with their ordinary errors), keeps ordinary programs working, and
# --seccomp FILE.json loads Docker/OCI profiles, refusing broken ones with exit 125.
. "$(dirname "$0")/lib.sh"

[ -n "${SECCOMP_PROBE-}" ] && [ -x "$SECCOMP_PROBE" ] || skip "seccomp-probe is not built"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
cd "$(new_project)" || fail "cd"

# The network and cgroup layers are tested elsewhere; the seccomp flag is always the one under test.
run() { "$CLAUDEBOX" run --network none --no-limits -v "$CB_WORK/bin:$CB_WORK/bin:ro" "$@"; }
probe() { run "$@" -- "$SECCOMP_PROBE" calls; }
# result OUTPUT NAME: the probe's answer for one call
result() { awk -v n="$2" '$1 == n { print $2 }' <<<"$1"; }
seccomp_status() { run "$@" -- grep '^Seccomp:' /proc/self/status | awk '{ print $2 }'; }

blocked="ioctl_tiocsti ioctl_tiocsti_hibits ioctl_tioclinux io_uring_setup io_uring_enter io_uring_register
 userfaultfd bpf perf_event_open keyctl add_key request_key kexec_load finit_module delete_module
 open_by_handle_at mount umount2 pivot_root fsopen fsconfig fsmount fspick open_tree move_mount mount_setattr
 unshare setns clone_newns clone_newcgroup clone_newuts clone_newipc clone_newuser clone_newpid clone_newnet
 clone3 syslog acct swapon swapoff reboot settimeofday clock_settime personality_bsd socket_vsock
 socket_vsock_hibits"
if [ "$(uname -m)" = x86_64 ]; then
        blocked="$blocked x32_getpid int80_getpid"
fi
# Calls the kernel itself refuses inside any user namespace, capabilities or not: they need a
# capability in the host's namespace, so unconfined they answer EPERM (or ENOSYS if compiled out) too.
host_only="syslog acct swapoff kexec_load finit_module delete_module"
kept="fork:ok clone_plain:ok thread:ok ioctl_tiocgwinsz:ENOTTY ioctl_tiocgwinsz_hibits:ENOTTY
 personality_query:ok socket_unix:ok"

expected_default() {
        case $1 in
        clone3) echo ENOSYS ;;              # so that libc falls back to clone, whose flags the filter sees
        x32_getpid | int80_getpid) echo SIGSYS ;; # foreign entry points kill the process
        *) echo EPERM ;;
        esac
}

default=$(probe --seccomp default) || fail "probe under --seccomp default: $default"
# Root inside the sandbox with every capability: the filter still says no.
default_root=$(probe --seccomp default --user root --cap-add ALL) || fail "probe as root under default"
# The control: no filter, and every capability the user namespace can give, so that as many calls as
# possible get past the kernel's own permission checks to their argument errors.
unconfined=$(probe --seccomp unconfined --user root --cap-add ALL) || fail "probe unconfined: $unconfined"

for name in $blocked; do
        want=$(expected_default "$name")
        assert_eq "$(result "$default" "$name")" "$want" "default blocks $name"
        assert_eq "$(result "$default_root" "$name")" "$want" "default blocks $name for root with all caps"
        got=$(result "$unconfined" "$name")
        [ -n "$got" ] || fail "unconfined: no result for $name"
        if [[ " $host_only " == *" $name "* ]]; then
                ok "unconfined $name: $got (needs a host capability)"
        else
                [ "$got" != "$want" ] || fail "unconfined $name also gives $got: the arguments, not the filter, block it"
                ok "unconfined $name: $got"
        fi
done
for pair in $kept; do
        name=${pair%%:*} want=${pair#*:}
        assert_eq "$(result "$default" "$name")" "$want" "default keeps $name working"
        assert_eq "$(result "$unconfined" "$name")" "$want" "unconfined $name"
done

# The filter is on for the command and everything it starts (a child of sh here), and off when asked.
assert_eq "$(seccomp_status --seccomp default)" 2 "Seccomp: 2 under default"
assert_eq "$(run --seccomp default -- sh -c 'grep "^Seccomp:" /proc/self/status' | awk '{print $2}')" 2 \
        "a child of the command is filtered too"
assert_eq "$(seccomp_status)" 2 "the secure profile's default is the default filter"
assert_eq "$(seccomp_status --seccomp unconfined)" 0 "Seccomp: 0 under unconfined"
assert_eq "$(run --seccomp unconfined -- grep '^NoNewPrivs:' /proc/self/status | awk '{print $2}')" 1 \
        "no_new_privs stays on without a filter"
assert_eq "$(seccomp_status --profile enhanced)" 0 "Seccomp: 0 under --profile enhanced"

# ---- JSON profiles ----
data="$CB_SOURCE_DIR/seccomp/testdata"
[ -r "$data/docker-default.oci.json" ] || skip "reference profiles not readable in $data"
cp "$data"/*.json "$CB_WORK/" || fail "copy profiles"
docker="$CB_WORK/docker-default.oci.json"
podman="$CB_WORK/podman-default.json"

out=$(probe --seccomp "$docker") || fail "Docker's profile does not load: $out"
assert_eq "$(result "$out" mount)" EPERM "Docker profile: mount blocked"
assert_eq "$(result "$out" clone_newuser)" EPERM "Docker profile: clone(CLONE_NEWUSER) blocked"
assert_eq "$(result "$out" clone3)" ENOSYS "Docker profile: clone3 gets ENOSYS (errnoRet 38)"
assert_eq "$(result "$out" io_uring_setup)" EFAULT "Docker profile: io_uring allowed, as in Docker 20.10"
assert_eq "$(result "$out" personality_query)" ok "Docker profile: personality(0xffffffff) allowed"
assert_eq "$(result "$out" fork)" ok "Docker profile: fork works"
assert_eq "$(seccomp_status --seccomp "$docker")" 2 "Docker profile: Seccomp: 2"

out=$(probe --seccomp "$podman") || fail "podman's profile does not load: $out"
assert_eq "$(result "$out" bpf)" EPERM "podman profile: bpf blocked without CAP_SYS_ADMIN (excludes.caps)"
assert_eq "$(result "$out" open_by_handle_at)" EPERM "podman profile: open_by_handle_at blocked"
assert_eq "$(result "$out" io_uring_setup)" ENOSYS "podman profile: not listed -> defaultErrnoRet ENOSYS"
assert_eq "$(result "$out" mount)" EFAULT "podman profile: mount allowed (as podman does)"
assert_eq "$(result "$out" thread)" ok "podman profile: threads work"
out=$(probe --seccomp "$podman" --cap-add SYS_ADMIN) || fail "podman's profile with SYS_ADMIN: $out"
assert_eq "$(result "$out" bpf)" EINVAL "podman profile: bpf allowed with CAP_SYS_ADMIN (includes.caps)"

# Deny by default, allowing a name no architecture knows: loads, with a warning naming it.
jq '.syscalls[0].names += ["claudebox_no_such_call"]' "$docker" >"$CB_WORK/unknown-allow.json" || fail jq
out=$(run --seccomp "$CB_WORK/unknown-allow.json" -- true 2>&1) || fail "unknown allowed name refused: $out"
assert_match "$out" "claudebox: warning: .*claudebox_no_such_call" "unknown allowed name: warning names it"

# Allow by default, denying such a name: skipping it would weaken the profile, so it is refused.
cat >"$CB_WORK/unknown-deny.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
              {"names": ["claudebox_no_such_call"], "action": "SCMP_ACT_ERRNO"}]}
EOF
out=$(run --seccomp "$CB_WORK/unknown-deny.json" -- true 2>&1)
assert_eq "$?" 125 "unknown denied name: exit 125"
assert_match "$out" "syscalls\[1\]\.names\[0\].*claudebox_no_such_call" "unknown denied name: named"

# An allow-by-default profile that denies one call, with its own errno.
jq 'del(.syscalls[1])' "$CB_WORK/unknown-deny.json" >"$CB_WORK/deny-mount.json" || fail jq
out=$(probe --seccomp "$CB_WORK/deny-mount.json") || fail "deny-mount profile: $out"
assert_eq "$(result "$out" mount)" EACCES "allow-by-default profile: mount gets errnoRet 13"
assert_eq "$(result "$out" io_uring_setup)" EFAULT "allow-by-default profile: the rest passes"

# Broken profiles: exit 125 and a message naming the problem.
refused() { # refused FILE-CONTENT REGEX WHAT
        printf '%s' "$1" >"$CB_WORK/bad.json"
        local o rc
        o=$(run --seccomp "$CB_WORK/bad.json" -- true 2>&1)
        rc=$?
        assert_eq "$rc" 125 "$3: exit 125"
        assert_match "$o" "$2" "$3: message"
}
refused '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [' "invalid JSON" "truncated JSON"
refused '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]}' \
        "syscalls\[0\]\.action: unknown action SCMP_ACT_FOO" "unknown action"
refused '{"syscalls": []}' 'missing "defaultAction"' "no defaultAction"
refused '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}' \
        "SCMP_ACT_NOTIFY is not supported" "notify action"
refused '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO",
  "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_ALMOST"}]}]}' \
        "syscalls\[0\]\.args\[0\]\.op: unknown operator SCMP_CMP_ALMOST" "unknown operator"
refused '[1, 2]' "top level must be an object" "not an object"
out=$(run --seccomp "$CB_WORK/does-not-exist.json" -- true 2>&1)
assert_eq "$?" 125 "missing profile file: exit 125"
