#!/bin/busybox sh
# claudebox VM, stage 2: pure cgroup v2 with every controller enabled, then the cgroup integration tests
# in three phases. Each phase prints "CBVM-RESULT <phase> rc=<rc> leftover=<n>"; the host (run.sh) reads
# them. A phase's leftover counts cgroup directories that exist after it and did not before.
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
        echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
done
echo "CBVM: kernel $(uname -r), cgroup v2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
export CLAUDEBOX=/cb/bin/claudebox FORKBOMB=/cb/bin/forkbomb MEMHOG=/cb/bin/memhog SPIN=/cb/bin/spin \
        CB_SOURCE_DIR=/cb CB_BUILD_DIR=/cb
uid=1000

snapshot() { find /sys/fs/cgroup -type d | sort; }

# phase NAME CGROUP USER EXTRA-ENV...: runs every cgroup test from inside cgroup CGROUP as USER.
phase() {
        name=$1 cg=$2 user=$3
        shift 3
        w=/tmp/w-$name
        mkdir -p "$w/home"
        chmod 755 "$w"
        [ "$user" = root ] || chown -R "$uid:$uid" "$w"
        snapshot >/tmp/before-$name
        rc=0
        for t in /cb/tests/integration/test_cgroup*.sh; do
                echo "CBVM: --- $name: $(basename "$t")"
                # stdin is not the console: a tty would give the sandbox a pty (and \r\n line ends).
                if [ "$user" = root ]; then
                        sh -c 'echo $$ >"$1/cgroup.procs"; shift; cd "$0" && exec env "$@"' "$w" "$cg" \
                                HOME="$w/home" CB_WORK="$w" CB_MODE=root "$@" /bin/bash "$t" </dev/null
                else
                        sh -c 'echo $$ >"$1/cgroup.procs"; shift; cd "$0" && exec /usr/bin/setpriv --reuid '$uid' \
                                --regid '$uid' --clear-groups env "$@"' "$w" "$cg" HOME="$w/home" CB_WORK="$w" \
                                CB_MODE=rootless "$@" /bin/bash "$t" </dev/null
                fi
                r=$?
                [ $r = 0 ] || rc=$r
        done
        snapshot >/tmp/after-$name
        left=$(grep -vxF -f /tmp/before-$name /tmp/after-$name)
        [ -z "$left" ] || echo "CBVM: $name left behind: $left"
        echo "CBVM-RESULT $name rc=$rc leftover=$(printf '%s' "$left" | grep -c .)"
}

# Root, from the root cgroup: claudebox makes claudebox/<name> itself.
phase root /sys/fs/cgroup root

# An unprivileged user given a delegated subtree, as systemd does for Delegate=yes: the directory and
# its cgroup.procs, cgroup.subtree_control and cgroup.threads are chowned to the user.
d=/sys/fs/cgroup/deleg
mkdir "$d"
chown "$uid:$uid" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"
phase delegated "$d" user CB_EXPECT_DELEGATED=1

# The same user without delegation (a root-owned cgroup): claudebox must refuse, naming the fix.
mkdir /sys/fs/cgroup/nodeleg
phase nodeleg /sys/fs/cgroup/nodeleg user CB_EXPECT_REFUSED=1

echo "CBVM-DONE"
poweroff -f
