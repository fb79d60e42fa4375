#!/usr/bin/env bash
# Signals reach the command, init reaps orphans, and a SIGKILLed launcher takes the sandbox with it.
. "$(dirname "$0")/lib.sh"
proj=$(new_project)
cd "$proj" || fail "cd"

wait_for() { # wait_for FILE: up to 10 s
        for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
        return 1
}

# SIGTERM to the launcher is forwarded to the command, whose own status comes back.
cb_bg -- sh -c 'trap "echo term >term; exit 3" TERM; echo >ready; while :; do sleep 0.05; done'
launcher=$!
on_exit 'kill -KILL $launcher'
wait_for "$proj/ready" || fail "the command did not start"
kill -TERM "$launcher"
wait "$launcher"
assert_eq "$?" 3 "SIGTERM to the launcher reaches the command, which exits 3"
assert_eq "$(cat term 2>/dev/null)" "term" "the command's TERM trap ran"

# Orphans are reparented to our init and reaped: no zombie remains.
out=$(cb -- sh -c '(sleep 0.1 &); (sleep 0.1 &); sleep 0.6; cat /proc/[0-9]*/stat 2>/dev/null | awk "{print \$3}" | grep -c Z')
assert_eq "$out" "0" "orphaned children are reaped by the sandbox's init"

# SIGKILL of the launcher: the whole sandbox dies with it.
marker="sleep 1000.$$$RANDOM" # a unique command line to look for on the host
cb_bg -- sh -c "echo >started; exec $marker"
launcher=$!
wait_for "$proj/started" || fail "the sandboxed sleep did not start"
for _ in $(seq 50); do pgrep -f "$marker" >/dev/null && break; sleep 0.1; done
pgrep -f "$marker" >/dev/null || fail "cannot see the sandboxed process from the host"
kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
gone=no
for _ in $(seq 100); do
        if ! pgrep -f "$marker" >/dev/null; then gone=yes; break; fi
        sleep 0.1
done
assert_eq "$gone" "yes" "after SIGKILL of the launcher no sandbox process is left"
# "plus one more run": what the killed launcher could not remove (its host-side network table, its state
# and cgroup directories) is reaped by the next one.
cb -- true
assert_eq "$?" 0 "the next run after a SIGKILLed launcher succeeds"
