#!/usr/bin/env bash
# The root-mode DNS forwarder (netns/dnsfwd.c) under a TCP connection flood from the sandbox: it runs as
# nobody with no capabilities, and holds at most 16 TCP relays however many connections the sandbox opens
# (its relays live outside the sandbox's cgroup, where its pids limit cannot count them). The host's
# resolver is played by servers on a loopback address (127.0.0.53-style, which the unprivileged forwarder
# must still reach), swapped into /etc/resolv.conf in a private mount namespace. Only that loopback
# address and the sandbox's own gateway are ever contacted.
source "$CB_SOURCE_DIR/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || skip "the DNS forwarder exists only as root (veth + NAT); rootless DNS goes through pasta"
[ -n "${CB_NET:-}" ] || skip "the cb-net probe is not built"
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 for the loopback TCP resolver"

proj=$(new_project)
cd "$proj" || fail "cd $proj"
cp "$CB_NET" "$proj/cb-net" || fail "copy the probe into the project"

# The upstream: UDP DNS (cb-net dns-serve) and a TCP server that echoes and holds every connection (so
# that each relay stays alive), both on 127.77.X.53:53. Bounded lifetimes; killed on exit.
cat >"$CB_WORK/tcp-hold.py" <<'EOF'
import select, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 53))
s.listen(256)
print("listening", flush=True)
conns, end = [], time.time() + int(sys.argv[2])
while time.time() < end:
    r, _, _ = select.select([s] + conns, [], [], 1)
    for c in r:
        if c is s:
            conns.append(s.accept()[0])
            continue
        d = c.recv(65536)
        if d:
            c.sendall(d)
        else:
            conns.remove(c)
            c.close()
EOF
pids=()
launcher=""
trap 'rc=$?; touch "$proj/done"; kill "${pids[@]}" $launcher 2>/dev/null; (exit $rc); _cb_check_host' EXIT
up=""
for _ in $(seq 1 5); do
        a="127.77.$((RANDOM % 250 + 1)).53"
        "$CB_NET" dns-serve "$a" 53 198.18.0.53 120 >"$CB_WORK/dns.out" 2>&1 &
        udp_pid=$!
        /usr/bin/python3 "$CB_WORK/tcp-hold.py" "$a" 120 >"$CB_WORK/tcp.out" 2>&1 &
        tcp_pid=$!
        pids+=("$udp_pid" "$tcp_pid")
        for _ in $(seq 1 100); do
                [ "$(cat "$CB_WORK/dns.out" "$CB_WORK/tcp.out" 2>/dev/null | grep -c listening)" = 2 ] && break
                kill -0 "$udp_pid" "$tcp_pid" 2>/dev/null || break
                sleep 0.05
        done
        if [ "$(cat "$CB_WORK/dns.out" "$CB_WORK/tcp.out" | grep -c listening)" = 2 ]; then
                up=$a
                break
        fi
        kill "$udp_pid" "$tcp_pid" 2>/dev/null
done
[ -n "$up" ] || fail "no loopback resolver could be started"
printf 'nameserver %s\n' "$up" >"$CB_WORK/resolv.conf"

# Inside: one UDP query and one TCP echo through the forwarder (it still reaches a loopback upstream
# unprivileged), then 59 more TCP connections to the gateway's port 53, all held open until the host side
# has looked (bounded by the sandbox's own wait).
inside='gw=$(sed -n "s/^nameserver //p" /etc/resolv.conf)
echo "resolve $(./cb-net resolve example.test)"
exec 3<>/dev/tcp/$gw/53 && printf ping >&3 && read -r -t 5 -n 4 echo <&3 && echo "tcp $echo"
n=0
for i in $(seq 59); do exec {fd}<>/dev/tcp/$gw/53 && n=$((n + 1)); done
echo "opened $n"
touch ready
for i in $(seq 300); do [ -e done ] && break; sleep 0.1; done'
rm -f "$proj/ready" "$proj/done"
# unshare execs sh, which execs claudebox: $! is the launcher itself.
unshare -m sh -c "mount --bind '$CB_WORK/resolv.conf' /etc/resolv.conf && exec \"\$0\" run \
        --network isolated -- bash -c '$inside'" "$CLAUDEBOX" >"$CB_WORK/out" 2>&1 &
launcher=$!
for _ in $(seq 1 600); do
        [ -e "$proj/ready" ] && break
        kill -0 "$launcher" 2>/dev/null || break
        sleep 0.1
done
[ -e "$proj/ready" ] || fail "the sandbox did not open its connections: $(cat "$CB_WORK/out")"

# The forwarder: the launcher's child in the launcher's own pid namespace (the other child, the sandbox's
# init, is in the sandbox's).
fwd=""
for c in $(pgrep -P "$launcher"); do
        [ "$(readlink /proc/"$c"/ns/pid)" = "$(readlink /proc/"$launcher"/ns/pid)" ] && fwd="$fwd $c"
done
fwd=${fwd# }
assert_match "$fwd" "^[0-9]+$" "one DNS forwarder process under the launcher"
relays=$(pgrep -P "$fwd" | wc -l)
total=$((relays + 1))
[ "$total" -le 17 ] || fail "the forwarder has $relays TCP relays for 60 held connections (cap 16)"
ok "60 held connections: the forwarder plus its relays are $total processes (at most 17)"
[ "$relays" -ge 1 ] || fail "no TCP relay is running: the cap check above saw nothing"

# Credentials: of the forwarder and of every relay it forked (one line of output for them all).
creds() {
        local st set
        st=$(cat /proc/"$1"/status 2>/dev/null) || return 0 # a relay that ended meanwhile
        grep -qE "^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$" <<<"$st" ||
                fail "pid $1 ($2) does not run as uid 65534: $(grep ^Uid: <<<"$st")"
        grep -qE "^Gid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$" <<<"$st" ||
                fail "pid $1 ($2) does not run as gid 65534: $(grep ^Gid: <<<"$st")"
        grep -qE "^Groups:[[:space:]]*$" <<<"$st" || fail "pid $1 ($2) has groups: $(grep ^Groups: <<<"$st")"
        for set in CapInh CapPrm CapEff CapBnd CapAmb; do
                grep -qE "^$set:[[:space:]]+0+$" <<<"$st" || fail "pid $1 ($2): $(grep "^$set:" <<<"$st")"
        done
        grep -qE "^NoNewPrivs:[[:space:]]+1$" <<<"$st" || fail "pid $1 ($2) lacks no_new_privs"
}
creds "$fwd" forwarder
ok "the forwarder runs as uid/gid 65534, no groups, no capabilities (CapEff 0, CapBnd 0), no_new_privs"
for p in $(pgrep -P "$fwd"); do creds "$p" relay; done
ok "so do its $relays relays"

touch "$proj/done"
wait "$launcher"
rc=$?
launcher=""
out=$(cat "$CB_WORK/out")
assert_eq "$rc" 0 "the sandbox exits 0 ($out)"
assert_line "$out" "resolve 198\.18\.0\.53" "UDP DNS through the unprivileged forwarder to a loopback resolver"
assert_line "$out" "tcp ping" "TCP DNS through a relay to a loopback resolver"
assert_line "$out" "opened [0-9]+" "the sandbox's connections were made"

# Nothing of the run is left: no launcher, forwarder or relay (all our copy of the binary).
for _ in $(seq 1 100); do
        [ -z "$(pgrep -f "^$CLAUDEBOX")" ] && break
        sleep 0.05
done
[ -z "$(pgrep -f "^$CLAUDEBOX")" ] || fail "claudebox processes left: $(pgrep -af "^$CLAUDEBOX")"
ok "no forwarder or relay left after the run"
