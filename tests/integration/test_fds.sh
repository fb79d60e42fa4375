#!/usr/bin/env bash
# No fd of the launcher (or of whoever started it) leaks into the sandbox.
. "$(dirname "$0")/lib.sh"
cd "$(new_project)" || fail "cd"
echo secret >"$CB_WORK/leaky"
# fd 7: a file outside the sandbox; fd 8: the host's root directory (a leaked dir fd is an escape).
exec 7<"$CB_WORK/leaky" 8</
out=$(cb -- "$CB_PROBE" fds)
exec 7<&- 8<&-
assert_eq "$out" "none" "the command has no fds besides 0, 1 and 2"
# A project path through /proc/self/fd is refused outright (runc CVE-2024-21626 class).
exec 9<"$PWD"
err=$(cb -w /proc/self/fd/9 -- true 2>&1)
rc=$?
exec 9<&-
assert_eq "$rc" 125 "-w /proc/self/fd/N is refused"
assert_match "$err" "/proc" "and the message says why"
