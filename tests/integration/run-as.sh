#!/usr/bin/env bash
# Runs one integration test script as root or as an unprivileged test user (created on first use and
# entered with setpriv --reuid --regid --clear-groups). HOME always points at a fresh temp dir: a test
# never reads or writes a real user's home or this machine's ~/.claude.
set -u
mode=$1
script=$2
test_user=${CB_TEST_USER:-cbtest}

work=$(mktemp -d /tmp/cbtest.XXXXXX) || exit 1
chmod 755 "$work"
# Every launcher of the test runs $work/bin/claudebox: none may outlive the test (a hang, or a sandbox
# left behind). Give stragglers 15 s (a sanitizer build's exit is slow), then kill them and fail.
stragglers() {
        local rc=$? n
        for _ in $(seq 150); do
                pgrep -f "^$work/bin/claudebox" >/dev/null || return $rc
                sleep 0.1
        done
        n=$(pgrep -f "^$work/bin/claudebox" | tr '\n' ' ')
        echo "FAIL: claudebox processes outlived the test: $n" >&2
        pkill -KILL -f "^$work/bin/claudebox"
        return 1
}
finish() {
        stragglers
        local rc=$?
        [ -n "${fixture_up:-}" ] && "$fixture" down "$work"
        rm -rf "$work"
        exit $rc
}
trap finish EXIT
mkdir -p "$work/home" "$work/bin"

# Binaries may live under a directory the test user cannot traverse (a clone in /root): copy them.
cp "$CLAUDEBOX" "$work/bin/claudebox"
export CLAUDEBOX="$work/bin/claudebox"
pass=("CLAUDEBOX=$CLAUDEBOX" "CB_SOURCE_DIR=$CB_SOURCE_DIR" "CB_BUILD_DIR=$CB_BUILD_DIR")
for var in $(env | sed -n 's/^\([A-Z0-9_]*\)=.*/\1/p'); do
        case $var in CLAUDEBOX | CB_WORK | CB_MODE | CB_SOURCE_DIR | CB_BUILD_DIR) continue ;; esac
        val=${!var}
        if [[ $val == "$CB_BUILD_DIR"/tests/* && -x $val ]]; then
                cp "$val" "$work/bin/"
                export "$var=$work/bin/$(basename "$val")"
                pass+=("$var=${!var}")
        fi
done
chmod -R a+rX "$work/bin"

# How this machine reaches package registries (a CA bundle, a proxy): the test user needs it too.
netenv=()
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY; do
        [ -n "${!var-}" ] && netenv+=("$var=${!var}")
done
export CB_WORK="$work" CB_MODE="$mode" HOME="$work/home"

# Optional per-test fixture (tests/integration/test_X.fixture up|down WORKDIR): run as root before the test
# in both modes (a rootless test may need something only root can make, e.g. a network namespace), torn
# down after it; the KEY=VALUE lines `up` prints are exported to the test.
fixture=${script%.sh}.fixture
if [ -x "$fixture" ] && [ "$(id -u)" = 0 ]; then
        fixture_up=1
        out=$("$fixture" up "$work") || { echo "FAIL: test fixture $fixture up" >&2; exit 1; }
        while IFS= read -r line; do
                [[ $line =~ ^[A-Z][A-Z0-9_]*= ]] || continue
                export "${line?}"
                pass+=("$line")
        done <<<"$out"
fi
case $mode in
root)
        if [ "$(id -u)" != 0 ]; then
                echo "skip: the root variant needs root (run make test as root)" >&2
                exit 77
        fi
        bash "$script" # not exec: the EXIT trap removes the work dir and the fixture
        exit $?
        ;;
rootless)
        if [ "$(id -u)" != 0 ]; then
                exec bash "$script" # already unprivileged
        fi
        if ! id -u "$test_user" >/dev/null 2>&1; then
                # Serialised: ctest runs tests in parallel.
                flock /tmp/claudebox-testuser.lock sh -c \
                        "id -u $test_user >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh $test_user" ||
                        { echo "skip: cannot create test user $test_user" >&2; exit 77; }
        fi
        chown -R "$test_user:" "$work/home"
        chown "$test_user:" "$work"
        setpriv --reuid "$test_user" --regid "$test_user" --clear-groups --reset-env \
                env HOME="$work/home" CB_WORK="$work" CB_MODE="$mode" PATH="/usr/local/bin:/usr/bin:/bin" \
                TERM="${TERM:-dumb}" "${pass[@]}" "${netenv[@]}" bash "$script"
        exit $?
        ;;
*)
        echo "usage: run-as.sh root|rootless SCRIPT" >&2
        exit 2
        ;;
esac
