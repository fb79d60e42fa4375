#!/usr/bin/env bash
# The terminal layer, driven like a person would: tmux types into an interactive sandboxed shell.
# Checks the sandbox's own pty, window-size changes, Ctrl-C and Ctrl-Z reaching the program, and the
# user's terminal restored afterwards.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "tmux is not installed (apt-get install tmux)"
proj=$(new_project)
cd "$proj" || fail "cd"
export TMUX_TMPDIR="$CB_WORK"
sess="cb$$"
tmux -f /dev/null new-session -d -s "$sess" -x 120 -y 40 "env PS1='host\$ ' bash --norc --noprofile" || fail "tmux"
# Kill the session, then wait (bounded) for its launcher: it tears its sandbox down after the hang-up.
on_exit "tmux kill-server; for _ in \$(seq 100); do pgrep -f \"^$CLAUDEBOX run\" >/dev/null || break; sleep 0.1; done"

screen() { tmux capture-pane -p -t "$sess" -S -200; }
# wait_screen REGEX: up to 10 s for the screen to match
wait_screen() {
        for _ in $(seq 100); do
                screen | grep -qE "$1" && return 0
                sleep 0.1
        done
        echo "--- screen ---" >&2
        screen >&2
        return 1
}
type_line() { tmux send-keys -t "$sess" -l "$1" && tmux send-keys -t "$sess" Enter; }

wait_screen 'host\$' || fail "the host shell did not start"
type_line "$CLAUDEBOX run $CB_RELAX -e PS1='box\$ ' -- sh -i"
wait_screen 'box\$' || fail "the sandboxed shell did not start"
ok "an interactive shell starts in the sandbox"

type_line 'echo "TTY=$(tty)"'
wait_screen 'TTY=/dev/pts/[0-9]+' || fail "the shell has no pty"
ok "the shell's terminal is a pty of the sandbox's own devpts"
type_line 'echo "PTYS=$(ls /dev/pts | tr "\n" " ")"'
wait_screen 'PTYS=0 ptmx' || fail "the sandbox's devpts shows other ptys than its own"
ok "the sandbox's /dev/pts holds only its own pty"

type_line 'echo "SIZE=$(stty size)"'
wait_screen 'SIZE=40 120' || fail "the pty does not have the window's size"
ok "the pty has the window's size"
tmux resize-window -t "$sess" -x 100 -y 30 2>/dev/null || tmux resize-pane -t "$sess" -x 100 -y 30
sleep 0.3
type_line 'echo "SIZE2=$(stty size)"'
wait_screen 'SIZE2=30 100' || fail "a window-size change does not reach the pty"
ok "a window-size change reaches the pty"

type_line 'sleep 100'
sleep 0.5
tmux send-keys -t "$sess" C-c
sleep 0.3
type_line 'echo "AFTER=$?"'
wait_screen 'AFTER=130' || fail "Ctrl-C did not interrupt the sandboxed program"
ok "Ctrl-C interrupts the program in the sandbox (status 130)"

type_line 'sleep 101'
sleep 0.5
tmux send-keys -t "$sess" C-z
wait_screen '[Ss]topped' || fail "Ctrl-Z did not stop the sandboxed program"
ok "Ctrl-Z stops the program in the sandbox"
type_line 'kill -9 %1'
sleep 0.3
type_line 'jobs'
sleep 0.3
type_line 'exit 5'
wait_screen 'host\$ *$' || fail "the sandboxed shell did not exit"
type_line 'echo "RC=$?"'
wait_screen 'RC=5' || fail "the sandboxed shell's exit status did not come back"
ok "the exit status comes back through the pty"
type_line 'stty -a | grep -oE "(^| )-?icanon( |$)" | tr -d " " | sed "s/^/MODE=/"; stty -a | grep -oE "(^| )-?echo( |$)" | tr -d " " | sed "s/^/ECHO=/"'
wait_screen 'ECHO=-?echo' || fail "cannot read the terminal mode"
screen | grep -q 'MODE=icanon' || fail "the host terminal was left in raw mode"
screen | grep -q 'ECHO=echo' || fail "the host terminal was left without echo"
ok "the host terminal is restored (canonical mode, echo) after the sandbox exits"
