#!/usr/bin/env bash
# --rootfs DIR: another root, with the same treatment (read-only, own /proc, /dev, /tmp, the project).
. "$(dirname "$0")/lib.sh"
[ -x /bin/busybox ] || skip "busybox-static is not installed (apt-get install busybox-static)"
file -L /bin/busybox 2>/dev/null | grep -q "statically linked" || skip "/bin/busybox is not static"
root="$CB_WORK/rootfs"
mkdir -p "$root"/{bin,proc,dev,sys,tmp,run,etc}
cp /bin/busybox "$root/bin/busybox"
for a in sh cat ls touch id hostname grep stat; do ln -s busybox "$root/bin/$a"; done
echo "rootfs-marker" >"$root/etc/marker"
: >"$root/etc/resolv.conf" # the network layer binds the sandbox's DNS settings over it
chmod -R a+rX "$root"
proj=$(new_project)
cd "$proj" || fail "cd"
echo host-project >"$proj/file"

out=$(cb --rootfs "$root" -- /bin/sh -c '
cat /etc/marker
cat file
touch /etc/new 2>/dev/null && echo root-writable || echo root-read-only
echo inside >written && echo project-writable
ls /proc/self/status >/dev/null && echo proc-ok
ls /dev/null >/dev/null && echo dev-ok
[ -e /usr/bin/apt ] && echo host-root-visible || echo host-root-hidden
grep CapBnd /proc/self/status' 2>&1)
assert_eq "$?" 0 "a command runs in --rootfs"
assert_line "$out" "rootfs-marker" "the root is the given directory"
assert_line "$out" "host-project" "the project is bound into it"
assert_line "$out" "root-read-only" "the given root is read-only"
assert_line "$out" "project-writable" "the project is writable"
assert_line "$out" "proc-ok" "/proc is mounted in it"
assert_line "$out" "dev-ok" "/dev is populated in it"
assert_line "$out" "host-root-hidden" "the host's root is not visible"
assert_line "$out" "CapBnd:.00000000000000c3" "the same capability bounding set applies"
assert_eq "$(cat "$proj/written")" "inside" "a write in the project reaches the host"
[ ! -e "$root/etc/new" ] || fail "a write reached the rootfs directory"
