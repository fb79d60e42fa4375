#!/usr/bin/env bash
# Exit statuses as `docker run` gives them (SPEC §4).
. "$(dirname "$0")/lib.sh"
cd "$(new_project)" || fail "cd"
printf 'not a program\n' >plain-file

cb -- true
assert_eq "$?" 0 "true exits 0"
cb -- sh -c 'exit 7'
assert_eq "$?" 7 "exit 7 gives 7"
err=$(cb -- no-such-command-here 2>&1)
assert_eq "$?" 127 "a missing command gives 127"
assert_match "$err" "no-such-command-here: command not found" "and says the command was not found"
err=$(cb -- ./plain-file 2>&1)
assert_eq "$?" 126 "a non-executable file gives 126"
assert_match "$err" "cannot execute" "and says it cannot be executed"
cb -- sh -c 'kill -TERM $$'
assert_eq "$?" 143 "a self-SIGTERM gives 143"
cb -- sh -c 'kill -KILL $$'
assert_eq "$?" 137 "a self-SIGKILL gives 137"
err=$("$CLAUDEBOX" run --bogus-flag -- true 2>&1)
assert_eq "$?" 125 "an unknown flag gives 125"
assert_match "$err" "unknown option '--bogus-flag'" "and names the flag"
for bad in "--memory 12x" "--cpus abc" "--pids-limit 0" "--network wifi" "--profile fast" "-v nocolon" \
        "--tmpfs relative" "--cap-add FLY" "--seccomp /nonexistent.json" "-w /nonexistent-dir" "-e 1BAD=x" \
        "-w /proc/self/fd/0" "--user nobody-else"; do
        err=$("$CLAUDEBOX" run $bad -- true 2>&1)
        assert_eq "$?" 125 "bad input '$bad' gives 125"
        [ -n "$err" ] || fail "bad input '$bad' printed no message"
done

# Fail closed when user namespaces are unavailable: in a user namespace whose limit is 0, claudebox must
# refuse (125) and say how to enable them, never run unsandboxed.
if unshare -Ur true 2>/dev/null; then
        out=$(unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" run --network none --no-limits -- true' "$CLAUDEBOX" 2>&1)
        assert_eq "$?" 125 "with user namespaces disabled, claudebox refuses to start"
        assert_match "$out" "max_user_namespaces" "and names the setting that enables them"
else
        echo "note: unshare -Ur is not possible here, the user-namespace refusal is not checked" >&2
fi
