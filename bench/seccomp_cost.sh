#!/usr/bin/env bash
# Cost of claudebox's default seccomp filter: per-syscall overhead (getpid, personality(0xffffffff); a
# static loop of N calls inside `claudebox run`, default vs unconfined, median of R runs) and start-up
# (hyperfine). Owned by the seccomp layer; bench/run.sh may call it.
#   bench/seccomp_cost.sh [BUILD_DIR]        (default: build)   env: N=200000 R=15
set -eu
build=${1:-build}
cb="$build/claudebox"
probe="$build/tests/seccomp-probe"
[ -x "$cb" ] && [ -x "$probe" ] || { echo "build $cb and $probe first (cmake -DCB_TESTS=ON)" >&2; exit 2; }
N=${N:-200000} R=${R:-15}
run() { "$cb" run --network none --no-limits -v "$(dirname "$(realpath "$probe")"):$(dirname "$(realpath "$probe")"):ro" "$@"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for call in getpid personality; do
        d=$(for _ in $(seq "$R"); do run --seccomp default -- "$probe" loop "$call" "$N" | awk '{print $2}'; done | median)
        u=$(for _ in $(seq "$R"); do run --seccomp unconfined -- "$probe" loop "$call" "$N" | awk '{print $2}'; done | median)
        awk -v c="$call" -v d="$d" -v u="$u" 'BEGIN { printf "%-12s default %6.1f ns  unconfined %6.1f ns  added %5.1f ns\n", c, d, u, d - u }'
done
if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 5 -r 30 \
                "$cb run --network none --no-limits --seccomp default -- /bin/true" \
                "$cb run --network none --no-limits --seccomp unconfined -- /bin/true"
fi
