#!/usr/bin/env bash
# The network layer: --network isolated (root: veth + NAT + nft; rootless: pasta or slirp4netns), none and
# host, against a test "internet" that test_network.fixture builds as root (see that file): an HTTP server
# at $NET_INET (198.18.K.2), the same on a private ($NET_PRIVATE, 10.77.K.2) and a link-local
# ($NET_LINKLOCAL, 169.254.77.K) address, the host's own end of that link at $NET_HOST_ADDR. Only those
# addresses and loopback are ever contacted. After every run the host has no link, nft table, netns or
# process left from it, also after a SIGKILLed launcher plus one more run.
source "$CB_SOURCE_DIR/tests/integration/lib.sh"

[ -n "${NET_INET:-}" ] || skip "no test internet: test_network.fixture needs root (run the suite as root)"
[ -n "${CB_NET:-}" ] || skip "the cb-net probe is not built"
if [ "$CB_MODE" = rootless ] && [ "$(id -u)" != 0 ] && ! [ -x /usr/bin/pasta ] && ! [ -x /usr/bin/slirp4netns ]; then
        skip "rootless --network isolated needs pasta (apt-get install passt) or slirp4netns"
fi

proj=$(new_project)
cd "$proj" || fail "cd $proj"
cp "$CB_NET" "$proj/cb-net" || fail "copy the probe into the project"

# Each launcher's pid is kept: its link (cbox<pid>) and its --allow-net elements in the host's nft table
# inet claudebox ("cbox<pid>" . RANGE) are named after it. The table itself is created once and kept.
run() {
        "$CLAUDEBOX" run --no-limits --seccomp unconfined "$@" &
        local p=$!
        echo "$p" >>"$CB_WORK/launchers"
        wait "$p"
}

# Servers on the host itself, which no isolated sandbox may reach: its loopback and its own address on the
# link to the test internet. Bounded lifetime; killed on exit.
servers=()
port=$((20000 + RANDOM % 20000))
"$CB_NET" serve 127.0.0.1 "$port" "host loopback" 240 >"$CB_WORK/srv.lo" 2>&1 &
servers+=($!)
"$CB_NET" serve "$NET_HOST_ADDR" "$port" "host address" 240 >"$CB_WORK/srv.if" 2>&1 &
servers+=($!)
launcher=""
trap 'rc=$?; kill "${servers[@]}" $launcher 2>/dev/null; (exit $rc); _cb_check_host' EXIT
for _ in $(seq 1 100); do
        [ "$(cat "$CB_WORK/srv.lo" "$CB_WORK/srv.if" 2>/dev/null | grep -c listening)" = 2 ] && break
        sleep 0.05
done
[ "$(cat "$CB_WORK/srv.lo" "$CB_WORK/srv.if" | grep -c listening)" = 2 ] || fail "host test servers did not start"
assert_eq "$("$CB_NET" get 127.0.0.1 "$port")" "host loopback" "the host reaches its own loopback server"

# What a run may leave behind: its link and nft table, a netns, processes (our copy of the binary, pasta,
# slirp4netns). Other users of this machine may run sandboxes meanwhile: only our launchers' names count.
# Helpers left behind are orphans: their launcher is gone. (Other tests' sandboxes run pasta too, under the
# same user, at the same time: those still have a live claudebox as their parent.)
helpers() {
        ps -u "$(id -u)" -o stat=,ppid=,comm= | awk '$1 !~ /^Z/ && $3 ~ /^(pasta|passt|slirp4netns)/ {print $2}' |
                while read -r ppid; do
                        [ "$(cat /proc/"$ppid"/comm 2>/dev/null)" = claudebox ] || echo orphan
                done | wc -l
}
netns_now() { ip netns list | grep -v '^cbt-' | sort; }
# This test runs alone (RUN_SERIAL), but a launcher of the previous test may still be finishing its
# teardown: let it go first (bounded), or the snapshots below would include its sandbox.
for _ in $(seq 100); do pgrep -x claudebox >/dev/null || break; sleep 0.1; done
# And one run first: it reaps what a SIGKILLed launcher of an earlier test left (the shared host table).
"$CLAUDEBOX" run $CB_RELAX --network isolated -- true >/dev/null 2>&1
helpers_before=$(helpers)
# nft list ruleset must be as before after every run (this test runs alone: RUN_SERIAL in CMake).
ruleset_before=$( [ "$(id -u)" = 0 ] && nft list ruleset 2>/dev/null )
netns_before=$(netns_now)
check_clean() {
        local p
        for p in $(cat "$CB_WORK/launchers" 2>/dev/null); do
                # The kernel removes the veth with the sandbox's netns, asynchronously: bounded wait.
                for _ in $(seq 1 100); do
                        ip link show "cbox$p" >/dev/null 2>&1 || break
                        sleep 0.05
                done
                ! ip link show "cbox$p" >/dev/null 2>&1 || fail "$1: link cbox$p left behind"
                if [ "$(id -u)" = 0 ]; then
                        ! nft list table inet claudebox 2>/dev/null | grep -q "\"cbox$p\"" ||
                                fail "$1: nft elements of cbox$p left"
                fi
        done
        [ -z "$(pgrep -f "^$CLAUDEBOX")" ] || fail "$1: claudebox processes left: $(pgrep -af "^$CLAUDEBOX")"
        [ "$(helpers)" -le "$helpers_before" ] || fail "$1: a pasta/slirp4netns process was left"
        [ "$(netns_now)" = "$netns_before" ] || fail "$1: the list of network namespaces changed"
        if [ "$(id -u)" = 0 ]; then
                [ "$(nft list ruleset)" = "$ruleset_before" ] || fail "$1: the host's nft ruleset changed"
        fi
        ok "$1: no link, netns, nft table or process left"
}

# --- isolated ---
out=$(run --network isolated -- ./cb-net get "$NET_INET" 8080 2>&1)
assert_eq "$out" "hello from $NET_INET" "isolated: fetches a page from the test internet"
# As root, the shared host table inet claudebox exists while a sandbox runs, and goes with the last one.
if [ "$(id -u)" = 0 ]; then
        "$CLAUDEBOX" run $CB_RELAX --network isolated -- sleep 30 &
        bg=$!
        on_exit "kill -TERM $bg"
        nft_ref=""
        for _ in $(seq 100); do
                nft_ref=$(nft list table inet claudebox 2>/dev/null) && [ -n "$nft_ref" ] && break
                sleep 0.1
        done
        [ -n "$nft_ref" ] || fail "no table inet claudebox while a sandbox runs"
        # The table is versioned: one without the marker (older, another pool's, edited) is rebuilt.
        assert_match "$nft_ref" 'comment "claudebox host table v[0-9]+ pool [0-9./]+"' \
                "isolated: the host table carries its version marker"
        kill -TERM "$bg"
        wait "$bg" 2>/dev/null
        [ "$(nft list ruleset)" = "$ruleset_before" ] || fail "the host table was left after the last sandbox"
        ok "isolated: the host table goes with the last sandbox (the ruleset is as before)"
fi
check_clean "isolated run"

out=$(run --network isolated -- ./cb-net connect 127.0.0.1 "$port" 2>&1)
assert_not_match "$out" "^ok" "isolated: the host's 127.0.0.1 server is unreachable ($out)"
out=$(run --network isolated -- ./cb-net connect "$NET_HOST_ADDR" "$port" 2>&1)
assert_not_match "$out" "^ok" "isolated: the server on the host's own address is unreachable ($out)"
out=$(run --network isolated -- ./cb-net connect "$NET_LINKLOCAL" 8080 2>&1)
assert_not_match "$out" "^ok" "isolated: the link-local address is unreachable ($out)"
out=$(run --network isolated -- ./cb-net connect "$NET_PRIVATE" 8080 2>&1)
assert_not_match "$out" "^ok" "isolated: the private 10.x address is unreachable ($out)"

links=$(run --network isolated -- ls /sys/class/net 2>&1 | sort | tr '\n' ' ')
assert_match "$links" "^[a-z0-9]+ lo $|^lo [a-z0-9]+ $" "isolated: lo plus one interface ($links)"
[ "$links" != "lo " ] || fail "isolated: no interface besides lo"

out=$(run --network isolated --allow-net "${NET_PRIVATE%.*}.0/24" -- sh -c \
        "./cb-net get $NET_PRIVATE 8080; ./cb-net connect $NET_LINKLOCAL 8080" 2>&1)
assert_match "$out" "^hello from $NET_PRIVATE" "isolated: --allow-net opens the 10.x range"
assert_not_match "$out" "ok$" "isolated: --allow-net opens only that range (link-local still refused)"

out=$(run --network isolated -- sh -c 'cat /proc/net/if_inet6 2>/dev/null | grep -v " lo$" | wc -l' 2>&1)
assert_eq "$out" "0" "isolated: no IPv6 address besides loopback's"

resolver=$(run --network isolated -- sh -c 'sed -n "s/^nameserver //p" /etc/resolv.conf' 2>&1)
assert_match "$resolver" "^[0-9.]+$" "isolated: /etc/resolv.conf names one resolver ($resolver)"
if [ "$(id -u)" = 0 ]; then
        # DNS through the forwarder, with the host's resolver swapped (in a private mount namespace) for
        # the test internet's: the sandbox asks its gateway, whatever the host uses.
        printf 'nameserver %s\n' "$NET_INET" >"$CB_WORK/resolv.conf"
        out=$(unshare -m sh -c "mount --bind '$CB_WORK/resolv.conf' /etc/resolv.conf && exec \"\$0\" run \
                --no-limits --seccomp unconfined --network isolated -- ./cb-net resolve example.test" \
                "$CLAUDEBOX" 2>&1)
        assert_eq "$out" "$NET_INET" "isolated: DNS is forwarded to the host's resolver"
        # A root whose /etc/resolv.conf is a symlink into /run (systemd-resolved): the sandbox still gets
        # ours. A copy of /etc on a tmpfs, in a private mount namespace, plays that root.
        mkdir -p "$CB_WORK/etc"
        out=$(unshare -m sh -c "mount -t tmpfs tmpfs '$CB_WORK/etc' && cp -a /etc/. '$CB_WORK/etc/' &&
                rm -f '$CB_WORK/etc/resolv.conf' &&
                ln -s ../run/systemd/resolve/stub-resolv.conf '$CB_WORK/etc/resolv.conf' &&
                mount --bind '$CB_WORK/etc' /etc && exec \"\$0\" run --no-limits --seccomp unconfined \
                --network isolated -- cat /etc/resolv.conf" "$CLAUDEBOX" 2>&1)
        # (The resolver, the sandbox's gateway, differs per run.)
        assert_match "$out" "^nameserver [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+" \
                "isolated: /etc/resolv.conf as a symlink into /run gets our resolver too"
else
        # Rootless, pasta or slirp4netns forward DNS to the host's real resolver: not contacted in tests.
        ok "isolated: DNS query not sent rootless (it would reach the host's real resolver)"
fi
check_clean "isolated runs"

if [ "$(id -u)" = 0 ]; then
        # A dead launcher's --allow-net element under the pid the next launcher gets ("cbox<pid>" . RANGE,
        # PID reuse after a SIGKILL): the new launcher removes it before its link cbox<pid> exists, so the
        # range stays closed. sh execs claudebox, so $$ is the launcher's pid.
        out=$(sh -c 'echo $$ >>"$1/launchers" &&
                nft add element inet claudebox allowed "{ \"cbox$$\" . $2.0/24 }" &&
                exec "$0" run --no-limits --seccomp unconfined --network isolated -- ./cb-net connect "$3" 8080' \
                "$CLAUDEBOX" "$CB_WORK" "${NET_PRIVATE%.*}" "$NET_PRIVATE" 2>&1)
        # (Refused by the sandbox's own fence anyway; the element matters to the host's, the second one.)
        assert_not_match "$out" "^ok" "isolated: a stale --allow-net element under a reused pid opens nothing ($out)"
        reused=$(tail -n 1 "$CB_WORK/launchers")
        ! nft list set inet claudebox allowed | grep -q "\"cbox$reused\"" ||
                fail "the stale element of cbox$reused survived a run under that pid"
        ok "a launcher removes stale --allow-net elements under its own pid"
        check_clean "stale element under a reused pid"

        # The DNS forwarder on a sandbox's gateway answers that sandbox only: not the test internet,
        # which routes to the host (its default route) and so could reach the gateway address.
        rm -f "$proj/gw"
        "$CLAUDEBOX" run --no-limits --seccomp unconfined --network isolated -- \
                sh -c 'sed -n "s/^nameserver //p" /etc/resolv.conf >gw.tmp && mv gw.tmp gw; exec sleep 60' \
                >/dev/null 2>&1 &
        launcher=$!
        echo "$launcher" >>"$CB_WORK/launchers"
        for _ in $(seq 1 200); do
                [ -s "$proj/gw" ] && break
                sleep 0.05
        done
        gw=$(cat "$proj/gw" 2>/dev/null)
        assert_match "$gw" "^[0-9.]+$" "isolated: the sandbox names its gateway ($gw)"
        holder=$(sed -n 's/^PIDS=\([0-9]*\).*/\1/p' "$CB_WORK/.net-fixture")
        [ -n "$holder" ] || fail "no test internet namespace"
        out=$("$CB_NET" connect "$gw" 53 2>&1)
        assert_eq "$out" "ok" "the host itself reaches the forwarder (control)"
        out=$(nsenter --net=/proc/"$holder"/ns/net "$CB_NET" connect "$gw" 53 2>&1)
        assert_not_match "$out" "^ok" "the test internet cannot reach the sandbox's DNS forwarder ($out)"
        kill -TERM "$launcher"
        wait "$launcher" 2>/dev/null
        launcher=""
        check_clean "forwarder exposure"

        # A table of that name without our marker (here: an extra chain planted in it) is not trusted:
        # rebuilt in one transaction. In a private netns, not to disturb the host's table.
        # (Listed while the sandbox runs: the last sandbox out deletes the table.)
        out=$(unshare -n sh -c 'ip link set lo up && nft add table inet claudebox &&
                nft add chain inet claudebox planted "{ type filter hook input priority 0; policy accept; }" || exit 1
                "$0" run --no-limits --seccomp unconfined --network isolated -- sleep 20 & pid=$!
                for i in $(seq 100); do
                        nft list table inet claudebox 2>/dev/null | grep -q "comment \"claudebox host table v" && break
                        sleep 0.1
                done
                nft list table inet claudebox; kill -TERM $pid; wait $pid
                nft list tables | grep -c claudebox | sed "s/^/tables-after: /"' "$CLAUDEBOX" 2>&1)
        assert_match "$out" 'comment "claudebox host table v' "a table without the marker is rebuilt"
        assert_not_match "$out" "planted" "a table without the marker is rebuilt (the planted chain is gone)"
        assert_match "$out" "tables-after: 0" "the rebuilt table goes with the last sandbox"
        check_clean "unmarked table"
fi

# --- none ---
links=$(run --network none -- ls /sys/class/net 2>&1 | tr '\n' ' ')
assert_eq "$links" "lo " "none: only lo"
out=$(run --network none -- ./cb-net connect "$NET_INET" 8080 2>&1)
assert_not_match "$out" "^ok" "none: the test internet is unreachable ($out)"

# --- host ---
out=$(run --verbose --network host -- ls /sys/class/net 2>&1)
assert_match "$out" "cbti" "host: the host's interfaces are visible"
assert_match "$out" "abstract unix sockets" "host: -v warns that abstract unix sockets are reachable"
check_clean "none and host runs"

# --- a SIGKILLed launcher, then one more run ---
rm -f "$proj/ready"
"$CLAUDEBOX" run --no-limits --seccomp unconfined --network isolated --allow-net "${NET_PRIVATE%.*}.0/24" \
        -- sh -c 'touch ready; exec sleep 60' \
        >/dev/null 2>&1 &
launcher=$!
echo "$launcher" >>"$CB_WORK/launchers"
for _ in $(seq 1 200); do
        [ -e "$proj/ready" ] && break
        sleep 0.05
done
[ -e "$proj/ready" ] || fail "the sandbox did not start"
kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
# Its helpers die with it (PDEATHSIG) and its veth with its netns: bounded wait.
for _ in $(seq 1 100); do
        [ -z "$(pgrep -f "^$CLAUDEBOX")" ] && ! ip link show "cbox$launcher" >/dev/null 2>&1 && break
        sleep 0.05
done
[ -z "$(pgrep -f "^$CLAUDEBOX")" ] || fail "processes of the killed launcher survive"
ok "a SIGKILLed launcher's sandbox and helpers die with it"
if [ "$(id -u)" = 0 ]; then
        nft list table inet claudebox | grep -q "\"cbox$launcher\"" && ok "its --allow-net nft elements are left for the next run"
fi
out=$(run --network isolated -- ./cb-net get "$NET_INET" 8080 2>&1)
assert_eq "$out" "hello from $NET_INET" "isolated works after a SIGKILLed launcher"
check_clean "SIGKILLed launcher plus one run"
