#!/usr/bin/env bash
# `make run`: a short sandboxed session that shows each layer working, in a throwaway project.
set -u
cb=$(realpath "${1:-build/claudebox}")
work=$(mktemp -d /tmp/claudebox-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A throwaway HOME: the demo never touches your real ~/.claude.
export HOME="$work/home"
proj="$work/myproject"
mkdir -p "$HOME" "$proj" && echo "a secret in your home" >"$HOME/.netrc"
cd "$proj" || exit 1
echo "# claudebox demo in $proj (profile: secure)"
"$cb" run ${CB_DEMO_FLAGS-} -- sh -c '
echo "whoami:        $(id -un) (uid $(id -u)), pid $$, hostname $(hostname)"
echo "capabilities:  $(grep CapBnd /proc/self/status | tr -s "\t" " ")"
echo "no_new_privs:  $(grep NoNewPrivs /proc/self/status | cut -f2)"
echo "seccomp:       $(grep ^Seccomp: /proc/self/status | cut -f2) (2 = filter)"
echo "processes:     $(ls /proc | grep -c "^[0-9]") visible"
echo "root fs:       $(touch /usr/claudebox-demo 2>&1 | sed "s/.*: //")"
echo "/tmp:          $(df -h /tmp | awk "NR==2{print \$1, \$2}")"
echo "home:          $(ls -A "$HOME" | wc -l) entries in $HOME (the host copy holds .netrc)"
echo "project:       $(echo hi > demo.txt && echo "wrote $PWD/demo.txt")"
echo "network:       $(ls /sys/class/net | tr "\n" " ")"
'
rc=$?
echo "# exit status $rc; on the host the project now holds: $(ls "$proj")"
exit $rc
