# Shared helpers of the integration tests. Sourced by tests/integration/test_*.sh, which run once as root
# and once as an unprivileged user (see run-as.sh). $CB_WORK is a per-test temp dir (removed afterwards),
# $HOME points into it, $CB_MODE is root or rootless.
set -u

# Every layer is on, as the secure default has it. The one exception: an unprivileged user on a host without
# a delegated cgroup (like this machine's cgroup v1) cannot have limits, and claudebox rightly refuses to
# start without them (test_cgroup.sh asserts that refusal), so rootless tests relax that one layer.
if [ -z "${CB_RELAX+x}" ]; then
        if [ "$(id -u)" = 0 ]; then CB_RELAX=""; else CB_RELAX="--no-limits"; fi
fi

# The test's helper binaries live under $CB_WORK (in /tmp, hidden inside): bind them read-only.
cb() { "$CLAUDEBOX" run $CB_RELAX -v "$CB_WORK/bin:$CB_WORK/bin:ro" "$@"; }
# In the background, so that $! is the launcher itself (not a subshell running cb).
cb_bg() { "$CLAUDEBOX" run $CB_RELAX -v "$CB_WORK/bin:$CB_WORK/bin:ro" "$@" & }

fail() {
        echo "FAIL: $*" >&2
        exit 1
}
skip() {
        echo "skip: $*" >&2
        exit 77
}
ok() { echo "ok - $*"; }

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
        [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
        ok "$3"
}
# assert_match ACTUAL REGEX WHAT
assert_match() {
        [[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
        ok "$3"
}
assert_not_match() {
        [[ ! $1 =~ $2 ]] || fail "$3: '$1' matches /$2/"
        ok "$3"
}

# assert_line OUTPUT EXTENDED-REGEX WHAT: one whole line of OUTPUT matches.
assert_line() {
        grep -qE "^($2)\$" <<<"$1" || fail "$3: no line of the output matches /^$2\$/"
        ok "$3"
}

new_project() {
        local d
        d=$(mktemp -d "$CB_WORK/proj.XXXXXX") || fail "mktemp"
        echo "$d"
}

# The host must look the same after every run: same mount table, no sandbox process left.
_cb_mounts_before=$(wc -l </proc/self/mountinfo)
_cb_cleanups=()
# on_exit CMD: run CMD (e.g. kill a helper) when the test ends, before the host check.
on_exit() { _cb_cleanups+=("$1"); }
_cb_check_host() {
        local rc=$?
        local after c
        for c in "${_cb_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
        after=$(wc -l </proc/self/mountinfo)
        if [ "$after" != "$_cb_mounts_before" ]; then
                echo "FAIL: the host mount table changed ($_cb_mounts_before -> $after lines)" >&2
                rc=1
        fi
        exit $rc
}
trap _cb_check_host EXIT
