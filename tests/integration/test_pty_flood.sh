#!/usr/bin/env bash
# The pty relay under an input flood: a sandboxed program puts its terminal in raw mode and never reads,
# while more than a megabyte of input arrives. The launcher must neither block on the full pty (it used to
# sit in write() to the master forever, deaf to signals, with the sandbox already gone and teardown never
# run) nor lose the command's exit status. `script` gives the launcher a terminal fed from a pipe.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script (util-linux) is not installed"
proj=$(new_project)
cd "$proj" || fail "cd"

fifo="$CB_WORK/flood"
rc_file="$CB_WORK/rc"
mkfifo "$fifo" || fail "mkfifo"
# 2 MB of input, then the writer keeps the pipe open (an EOF would let script end the session early).
(head -c 2000000 /dev/zero | tr '\0' a; exec sleep 60) >"$fifo" &
feeder=$!
on_exit "kill $feeder"
# The inner shell records the launcher's own exit status once it has exited: the file's appearance is the
# proof that the launcher did not hang.
script -qfec "$CLAUDEBOX run $CB_RELAX --network none -- sh -c 'stty raw -echo; sleep 2; exit 7'; echo \$? >$rc_file" \
        /dev/null <"$fifo" >"$CB_WORK/out" 2>&1 &
wrapper=$!
# If the launcher did hang, it ignores SIGTERM: kill script's whole tree (script -> sh -> launcher).
kill_tree() {
        local p
        for p in $(pgrep -P "$1"); do kill_tree "$p"; done
        kill -KILL "$1"
}
on_exit "kill_tree $wrapper"

# A generous bound for "did not hang": the command itself sleeps 2 s.
for _ in $(seq 200); do
        [ -s "$rc_file" ] && break
        sleep 0.1
done
if [ ! -s "$rc_file" ]; then
        echo "--- end of output ---" >&2
        tail -c 300 "$CB_WORK/out" | tr -c '[:print:]\n' '.' >&2
        fail "the launcher is still running 20 s after a flood of input into a raw-mode command"
fi
ok "the launcher exits after a flood of input into a raw-mode command that never reads"
assert_eq "$(cat "$rc_file")" 7 "the command's exit status comes back after the flood"
