#!/usr/bin/env bash
# The secure profile's core layers, as a user of `claudebox run -- sh -c ...` sees them.
. "$(dirname "$0")/lib.sh"

proj=$(new_project)
cd "$proj" || fail "cd"
echo marker >"$HOME/host-marker"

out=$(SECRET_TOKEN=hunter2 cb -e FOO=bar -e CB_PROBE -- sh -c '
for p in /usr /etc /; do
        if touch "$p/.cb-write-test" 2>/dev/null; then echo "$p writable"; else echo "$p read-only"; fi
done
echo inside >"$PWD/written-inside" && echo project-writable
stat -c "tmp-mode %a" /tmp
df -k /tmp | awk "NR==2{print \"tmp-size\", \$2}"
awk "\$2==\"/tmp\"{print \"tmp-fstype\", \$3}" /proc/mounts
if [ -e "$HOME/host-marker" ]; then echo home-marker-visible; else echo home-marker-hidden; fi
grep CapBnd /proc/self/status
grep CapEff /proc/self/status
grep NoNewPrivs /proc/self/status
echo "shadow $(wc -c </etc/shadow 2>/dev/null || echo unreadable)"
echo "pid $$"
echo "procs $(ls /proc | grep -cE "^[0-9]+$")"
echo "init $(cat /proc/1/comm)"
echo "hostname $(hostname)"
for n in ipc uts mnt pid; do echo "ns-$n $("$CB_PROBE" ns $n)"; done
echo "secret ${SECRET_TOKEN-absent}"
echo "foo ${FOO-absent}"
' 2>&1)
rc=$?
echo "$out"
assert_eq "$rc" 0 "the sandboxed shell exits 0"
assert_match "$out" "/usr read-only" "/usr is not writable"
assert_match "$out" "/etc read-only" "/etc is not writable"
assert_line "$out" "/ read-only" "/ is not writable"
assert_match "$out" "project-writable" "the project directory is writable inside"
assert_eq "$(cat "$proj/written-inside" 2>/dev/null)" "inside" "a file written inside appears on the host"
assert_match "$out" "tmp-mode 1777" "/tmp has mode 1777"
assert_match "$out" "tmp-size 1048576" "/tmp is a 1 GiB tmpfs"
assert_match "$out" "tmp-fstype tmpfs" "/tmp is a tmpfs"
assert_match "$out" "home-marker-hidden" "a marker file in the host \$HOME is invisible"
assert_match "$out" "CapBnd:.00000000000000c3" "bounding set is CHOWN DAC_OVERRIDE SETGID SETUID"
assert_match "$out" "NoNewPrivs:.1" "no_new_privs is on"
assert_match "$out" "CapEff:.0000000000000000" "the command has no effective capabilities"
# Run by root, uid 0 inside is host root: the host's password hashes are masked all the same.
assert_not_match "$out" "shadow [1-9]" "/etc/shadow is empty or unreadable inside"
pid=$(sed -n 's/^pid //p' <<<"$out")
[ "$pid" -le 2 ] || fail "the shell's pid is $pid, expected <= 2"
ok "the shell's PID is <= 2"
procs=$(sed -n 's/^procs //p' <<<"$out")
host_procs=$(ls /proc | grep -cE '^[0-9]+$')
[ "$procs" -lt 10 ] && [ "$procs" -lt "$host_procs" ] || fail "$procs processes visible inside (host: $host_procs)"
assert_match "$out" "init claudebox" "PID 1 inside is claudebox's init, not the host's"
ok "only sandbox processes are in /proc ($procs inside, $host_procs on the host)"
host_name=$(hostname)
assert_not_match "$out" "hostname $host_name\$" "the hostname differs from the host's"
assert_match "$out" "hostname claudebox-proj" "the hostname defaults to the sandbox name"
for n in ipc uts mnt pid; do
        inside=$(sed -n "s/^ns-$n //p" <<<"$out")
        host=$("$CB_PROBE" ns $n)
        [ -n "$inside" ] && [ "$inside" != "$host" ] || fail "$n namespace inode is the host's ($host)"
        ok "the $n namespace differs from the host's"
done
assert_match "$out" "secret absent" "a host SECRET_TOKEN is absent" # set by the environment below
assert_match "$out" "foo bar" "-e FOO=bar is present"

# Not a tty: stdio passes straight through, both ways.
printf 'a\nb\nc\n' >"$proj/three-lines"
assert_eq "$(cb -- cat three-lines | wc -l)" "3" "claudebox run -- cat file | wc -l works"
assert_eq "$(echo piped-in | cb -- cat)" "piped-in" "stdin from a pipe reaches the command"
assert_eq "$(cb -- sh -c 'echo to-stderr >&2' 2>&1 >/dev/null)" "to-stderr" "stderr passes through"
assert_eq "$(cb --hostname box-name -- hostname)" "box-name" "--hostname sets the hostname"
