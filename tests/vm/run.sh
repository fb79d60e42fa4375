#!/usr/bin/env bash
# The cgroup v2 VM test: boots Debian's own kernel under qemu (TCG: no KVM needed) with a small busybox
# initramfs, mounts pure cgroup v2 with every controller enabled and runs tests/integration/test_cgroup*.sh
# inside — as root, as an unprivileged user given a delegated subtree, and as that user without one
# (which must fail closed). See tests/vm/guest.sh for the guest side.
#
# Cached under $CB_BUILD_DIR/vm (never the source tree): the kernel's uncompressed ELF (its PVH entry
# halves TCG boot time) and a base initramfs (busybox, bash, setpriv, their libraries). Each run appends
# a small cpio with claudebox (and its libraries), the probes and the test scripts.
set -u
src=${CB_SOURCE_DIR:?}
build=${CB_BUILD_DIR:?}
here=$src/tests/vm
skip() {
        echo "skip: $*" >&2
        exit 77
}

command -v qemu-system-x86_64 >/dev/null ||
        skip "qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)"
command -v cpio >/dev/null || skip "cpio is not installed (apt-get install cpio)"
command -v xz >/dev/null || skip "xz is not installed (apt-get install xz-utils)"
vmlinuz=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -r "$vmlinuz" ] || skip "no kernel in /boot (apt-get install --no-install-recommends linux-image-amd64)"
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
        skip "a static busybox is needed (apt-get install busybox-static)"
[ "$(uname -m)" = x86_64 ] || skip "the VM harness boots an x86-64 kernel"
for v in CLAUDEBOX FORKBOMB MEMHOG SPIN; do
        [ -x "${!v:-}" ] || skip "\$$v is not built"
done

cache=$build/vm
mkdir -p "$cache" || exit 1
exec 9>"$cache/lock"
flock 9 # one VM build at a time per build dir

# --- 1. vmlinux, like the kernel's scripts/extract-vmlinux: find the compressed payload, decompress. ---
kver=${vmlinuz##*/vmlinuz-}
vmlinux=$cache/vmlinux-$kver
if [ ! -s "$vmlinux" ]; then
        found=
        for fmt in xz gzip zstd; do
                case $fmt in
                xz) magic=$'\xfd7zXZ\x00' dec="xz -dc" ;;
                gzip) magic=$'\x1f\x8b\x08' dec="gzip -dc" ;;
                zstd) magic=$'\x28\xb5\x2f\xfd' dec="zstd -dc" ;;
                esac
                command -v "${dec%% *}" >/dev/null || continue
                for off in $(LC_ALL=C grep -aboF "$magic" "$vmlinuz" 2>/dev/null | cut -d: -f1); do
                        tail -c +$((off + 1)) "$vmlinuz" | $dec >"$vmlinux.tmp" 2>/dev/null
                        if [ "$(head -c 4 "$vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                                mv "$vmlinux.tmp" "$vmlinux"
                                found=1
                                break 2
                        fi
                done
        done
        rm -f "$vmlinux.tmp"
        [ -n "$found" ] || skip "cannot extract vmlinux from $vmlinuz"
fi

# Copies a binary and the libraries ldd names (and the loader) into a staging root.
stage_bin() { # stage_bin ROOT FILE [DEST]
        local root=$1 file=$2 dest=${3:-$2} lib
        mkdir -p "$root$(dirname "$dest")"
        cp -L "$file" "$root$dest"
        for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*'); do
                [ -e "$root$lib" ] && continue
                mkdir -p "$root$(dirname "$lib")"
                cp -L "$lib" "$root$lib"
        done
}
pack() { # pack DIR OUT: a newc cpio owned by root, whatever our uid
        (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

# --- 2. The base initramfs: busybox, bash, util-linux setpriv, users. Rebuilt when an input changes. ---
base=$cache/base.cpio
if [ ! -s "$base" ] || [ "$here/init" -nt "$base" ] || [ "$0" -nt "$base" ] || [ /bin/bash -nt "$base" ]; then
        b=$cache/base.d
        rm -rf "$b"
        mkdir -p "$b"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,newroot,root,cb}
        # A 0700 root directory (mktemp's default) would lock every non-root process out of the guest.
        chmod 755 "$b"
        chmod 1777 "$b/tmp"
        cp "$busybox" "$b/bin/busybox"
        for applet in $("$busybox" --list); do
                [ -e "$b/bin/$applet" ] || ln -s busybox "$b/bin/$applet"
        done
        rm -f "$b/bin/bash" "$b/bin/sh"
        ln -s busybox "$b/bin/sh"
        stage_bin "$b" /bin/bash /bin/bash
        stage_bin "$b" "$(command -v setpriv)" /usr/bin/setpriv
        printf 'root:x:0:0:root:/root:/bin/sh\ncbtest:x:1000:1000:cbtest:/tmp:/bin/sh\n' >"$b/etc/passwd"
        printf 'root:x:0:\ncbtest:x:1000:\n' >"$b/etc/group"
        cp "$here/init" "$b/init"
        chmod 755 "$b/init"
        pack "$b" "$base.tmp" && mv "$base.tmp" "$base"
fi

# --- 3. This run's cpio: claudebox, the probes, the tests. ---
r=$cache/run.d
rm -rf "$r"
mkdir -p "$r/cb/bin" "$r/cb/tests/integration"
chmod 755 "$r"
stage_bin "$r" "$CLAUDEBOX" /cb/bin/claudebox
for v in FORKBOMB MEMHOG SPIN; do
        cp "${!v}" "$r/cb/bin/"
done
cp "$src/tests/integration/lib.sh" "$src"/tests/integration/test_cgroup*.sh "$r/cb/tests/integration/"
cp "$here/guest.sh" "$r/cb/guest.sh"
chmod -R a+rX "$r"
pack "$r" "$cache/run.cpio" || exit 1
cat "$base" "$cache/run.cpio" >"$cache/initrd.cpio"

# --- 4. Boot. No network card, no disk; the console is the serial port, read by us. ---
log=$cache/console.log
echo "booting $vmlinux under qemu (TCG)..."
timeout 280 qemu-system-x86_64 -accel tcg -M pc -cpu max -smp 2 -m 1024 -nodefaults -nic none \
        -display none -no-reboot -serial stdio \
        -kernel "$vmlinux" -initrd "$cache/initrd.cpio" \
        -append "console=ttyS0 quiet loglevel=1 panic=-1 cgroup_no_v1=all rdinit=/init" \
        </dev/null >"$log" 2>&1
qrc=$?
tr -d '\r' <"$log" | grep -v '^\[' | sed -n '/^CBVM/,$p'

# --- 5. Verdict: every phase ran, passed, and left no cgroup behind. ---
fail=0
grep -q '^CBVM-DONE' "$log" || {
        echo "FAIL: the VM did not finish (qemu exit $qrc); console log: $log" >&2
        tail -30 "$log" >&2
        fail=1
}
for p in root delegated nodeleg; do
        line=$(tr -d '\r' <"$log" | grep "^CBVM-RESULT $p ")
        if [ "$line" != "CBVM-RESULT $p rc=0 leftover=0" ]; then
                echo "FAIL: phase $p: ${line:-did not run}" >&2
                fail=1
        fi
done
[ $fail = 0 ] && echo "ok - cgroup v2 in the VM: root, delegated user, user without delegation"
exit $fail
