#!/usr/bin/env bash
# cgroup limits: pids, memory (OOM -> 137 with a message), cpu; the secure defaults; the sandbox's own
# read-only view of its cgroup; fail-closed without delegation; and no cgroup left behind — after a
# normal exit, an OOM kill and a SIGKILLed launcher. Runs on the host (v1/hybrid here) and, through
# tests/vm, on pure cgroup v2 as root and as a user with a delegated subtree.
#
# CB_EXPECT_DELEGATED=1 (set by the VM harness) makes a rootless fail-closed result a failure;
# CB_EXPECT_REFUSED=1 makes anything but the fail-closed result a failure.
. "$(dirname "$0")/lib.sh"
proj=$(new_project)
cd "$proj" || fail "cd"

for p in FORKBOMB MEMHOG SPIN; do
        [ -x "${!p:-}" ] || skip "probe \$$p is not built"
done
bindir=$(dirname "$FORKBOMB")
tag="cgt$$x$RANDOM"
n=0
# Only the layers under test: network and seccomp are the other issues' (explicitly relaxed).
run() { "$CLAUDEBOX" run --network none --seccomp unconfined -v "$bindir:$bindir:ro" "$@"; }
next_name() {
        n=$((n + 1))
        name="$tag-$n"
}

# Pure v2 (unified) shows cgroup.controllers at the top; hybrid hosts mount v1 hierarchies there.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then v2=1; else v2=0; fi
# Every cgroup directory this test's sandboxes made, in every hierarchy mounted on the host.
ours() {
        awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' \
                /proc/self/mountinfo 2>/dev/null |
                while read -r m; do find "$m" -maxdepth 6 -type d -name "*$tag*" 2>/dev/null; done
}
assert_no_leftover() {
        local left
        left=$(ours)
        [ -z "$left" ] || fail "$1: cgroups left behind: $left"
        ok "$1: no cgroup left behind"
}

# --- Rootless without delegation: fail closed, naming the fix; --no-limits relaxes it. ---
next_name
err=$(run --name "$name" -- true 2>&1)
rc=$?
if [ "$CB_MODE" = rootless ] && [ $rc = 125 ] && [ "${CB_EXPECT_DELEGATED:-0}" != 1 ]; then
        assert_match "$err" "cgroup limits" "the refusal names the cgroup layer"
        assert_match "$err" "(memory|cpu|pids)" "the refusal names the controller"
        assert_match "$err" "systemd-run --user --scope -p Delegate=yes" "the refusal names the delegation fix"
        assert_match "$err" "--no-limits" "the refusal names the flag that relaxes it"
        out=$(run --no-limits -- echo started 2>&1)
        rc=$?
        assert_eq "$rc/$out" "0/started" "with --no-limits the same run starts"
        assert_no_leftover "refused run"
        exit 0
fi
[ "${CB_EXPECT_REFUSED:-0}" != 1 ] || fail "without delegation the run must be refused (exit $rc: $err)"
assert_eq "$rc" 0 "a run with the default limits starts ($err)"
assert_no_leftover "normal exit"

# --- The secure defaults, as the sandbox sees them in its own cgroup. ---
next_name
if [ $v2 = 1 ]; then
        out=$(run --name "$name" -- sh -c 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max \
                /sys/fs/cgroup/cpu.max; cat /sys/fs/cgroup/memory.swap.max 2>/dev/null || echo 0' 2>&1)
        assert_eq "$(echo $out)" "200 4294967296 200000 100000 0" "secure defaults: pids 200, memory 4g, no swap, 2 cpus"
else
        out=$(run --name "$name" -- sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes \
                /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us' 2>&1)
        assert_eq "$(echo $out)" "200 4294967296 200000 100000" "secure defaults: pids 200, memory 4g, 2 cpus"
fi

# --- Its own cgroup namespace: it sees its cgroup as /, and cannot change it. ---
next_name
out=$(run --name "$name" -- cat /proc/self/cgroup 2>&1)
if [ $v2 = 1 ]; then
        assert_eq "$out" "0::/" "/proc/self/cgroup reads 0::/"
else
        assert_eq "$(echo "$out" | grep -vc ':/$')" 0 "every hierarchy reads / in /proc/self/cgroup"
fi
next_name
if [ $v2 = 1 ]; then files="/sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"; else
        files="/sys/fs/cgroup/pids/cgroup.procs /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"
fi
out=$(run --name "$name" -- sh -c "for f in $files; do if echo max 2>/dev/null >\$f || echo 0 2>/dev/null >\$f; then echo wrote \$f; fi; done; echo done" 2>&1)
assert_eq "$out" "done" "writing cgroup.procs, the memory or the pids limit from inside fails"
out=$(run --name "$name" -- sh -c 'ls /sys/fs/cgroup | grep -c "claudebox\|'"$tag"'"' 2>&1)
assert_eq "$out" "0" "the host's cgroup tree is not visible inside"

# --- pids: a fork loop stops at the limit with EAGAIN. ---
next_name
out=$(run --name "$name" --pids-limit 50 -- "$FORKBOMB" 2>&1)
assert_match "$out" "errno=EAGAIN" "--pids-limit 50: fork fails with EAGAIN"
tasks=$(echo "$out" | sed -n 's/.*tasks=\([0-9]*\).*/\1/p')
[ -n "$tasks" ] && [ "$tasks" -le 50 ] && [ "$tasks" -ge 10 ] || fail "--pids-limit 50: $tasks tasks ($out)"
ok "--pids-limit 50: the fork loop stopped at $tasks tasks (<= 50)"
[ "$(echo host-alive)" = host-alive ] || fail "the host cannot fork"
ok "the host stays responsive"

# --- memory: the toucher is OOM-killed, exit 137, the launcher says why. ---
next_name
err=$(run --name "$name" --memory 64m -- "$MEMHOG" 200 2>&1)
rc=$?
assert_eq "$rc" 137 "--memory 64m: a 200 MB toucher exits 137"
assert_match "$err" "out of memory: limit 64m" "--memory 64m: the launcher reports the OOM kill"
assert_no_leftover "OOM kill"
next_name
out=$(run --name "$name" --memory 64m -- "$MEMHOG" 16 2>&1)
rc=$?
assert_eq "$rc/$out" "0/touched 16 MB" "--memory 64m: 16 MB fit"

# --- cpu: two spinning processes get at most half a CPU in total. ---
next_name
out=$(run --name "$name" --cpus 0.5 -- "$SPIN" 2 2 2>&1)
ratio=$(echo "$out" | sed -n 's/.*ratio=\([0-9.]*\).*/\1/p')
[ -n "$ratio" ] || fail "--cpus 0.5: no ratio ($out)"
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.6) }' || fail "--cpus 0.5: $ratio CPU-seconds per second ($out)"
ok "--cpus 0.5: the spinners used $ratio CPU-seconds per wall second (<= 0.6)"

# --- A SIGKILLed launcher: the sandbox dies, and the next run removes the cgroup it left. ---
next_name
killed=$name
"$CLAUDEBOX" run --network none --seccomp unconfined --name "$killed" -- sleep 1000 &
launcher=$!
for _ in $(seq 100); do [ -n "$(ours)" ] && break; sleep 0.1; done
[ -n "$(ours)" ] || fail "the sandbox's cgroup did not appear"
sleep 0.3
kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
# The sandbox's init dies with the launcher (PDEATHSIG); its cgroup empties.
for _ in $(seq 100); do
        busy=0
        for d in $(ours); do [ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && busy=1; done
        [ $busy = 0 ] && break
        sleep 0.1
done
[ $busy = 0 ] || fail "the sandbox of the killed launcher is still running"
ok "the sandbox died with its SIGKILLed launcher"
next_name
out=$(run --name "$name" -- true 2>&1)
assert_eq "$?" 0 "the next run starts ($out)"
assert_no_leftover "SIGKILLed launcher, after the next run"

# --- Delegated v2: the subtree is handed back as it was (no leaf, no controllers left enabled). ---
if [ $v2 = 1 ] && [ "$CB_MODE" = rootless ]; then
        own=$(sed -n 's/^0:://p' /proc/self/cgroup)
        assert_not_match "$own" "claudebox" "the test shell is back in its own cgroup ($own)"
fi
exit 0
