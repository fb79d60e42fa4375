#!/usr/bin/env bash
# claudebox bench — `make bench` runs this as `bench/run.sh build/claudebox`.
# Builds the small helpers below into a temp dir, then bench.py measures claudebox against bubblewrap,
# crun, runc and `unshare` and writes bench/results/latest.md (plus hyperfine's JSON, gitignored).
# Everything it creates (temp dir, OCI containers, cgroups) is removed on every exit path.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
        echo "usage: bench/run.sh PATH/TO/claudebox" >&2
        exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
claudebox=$(realpath "$1")

for tool in python3 gcc hyperfine; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps-bench installs the rest)" >&2; exit 1; }
done
if [ "$(id -u)" != 0 ]; then
        echo "bench: not root: root-only rows (crun/runc, rootless via the test user) will say they cannot run" >&2
fi

work=$(mktemp -d /tmp/claudebox-bench.XXXXXX)
chmod 755 "$work" # the rootless rows run as an unprivileged user
cleanup() {
        # Containers a killed run may have left (normally crun/runc delete them at exit).
        for id in "cbbench-crun-$bench_pid" "cbbench-runc-$bench_pid"; do
                runc delete -f "$id" >/dev/null 2>&1 || true
                crun delete -f "$id" >/dev/null 2>&1 || true
        done
        rm -rf "$work"
}
bench_pid=none
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/bin" "$here/results"
cp "$claudebox" "$work/bin/claudebox"
gcc -O2 -Wall -Wextra -static -o "$work/bin/syscall_loop" "$here/syscall_loop.c"
gcc -O2 -Wall -Wextra -static -o "$work/bin/withfd" "$here/withfd.c"
gcc -O2 -Wall -Wextra -o "$work/bin/peakrss" "$here/peakrss.c"
# Docker's filter as raw BPF for bwrap --seccomp (libseccomp + json-c are claudebox build deps).
gcc -O2 -Wall -Wextra $(pkg-config --cflags json-c) -o "$work/bin/oci_seccomp_bpf" "$here/oci_seccomp_bpf.c" \
        $(pkg-config --libs json-c libseccomp)
"$work/bin/oci_seccomp_bpf" "${CB_BENCH_SECCOMP_JSON:-$here/docker-default-seccomp.oci.json}" \
        "$work/bin/docker.bpf"
chmod -R a+rX "$work/bin"

python3 "$here/bench.py" "$work" &
bench_pid=$!
wait $bench_pid
