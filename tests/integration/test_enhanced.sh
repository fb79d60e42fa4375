#!/usr/bin/env bash
# --profile enhanced relaxes the filesystem, environment and Docker-socket layers; secure does not, and
# each relaxation is also a flag of its own.
. "$(dirname "$0")/lib.sh"

parent=$(new_project)
proj="$parent/project"
mkdir "$proj" && cd "$proj" || fail "cd"
mkdir -p "$HOME/.ssh" && echo key >"$HOME/.ssh/id_test"

# A stand-in Docker daemon: a unix socket that greets whoever connects (bounded: exits after 20 s).
sock="$CB_WORK/docker.sock"
python3 - "$sock" <<'PY' &
import os, socket, sys, signal
signal.alarm(20)
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"docker-here\n"); c.close()
PY
server=$!
on_exit "kill $server"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "the stand-in docker socket did not appear"

probe_script='
touch "$P/../parent-write" 2>/dev/null && echo parent-writable || echo parent-read-only-or-hidden
echo "token ${GITHUB_TOKEN-absent}"
echo "docker $("$CB_PROBE" unix /var/run/docker.sock)"
touch /usr/cb-enhanced 2>/dev/null && echo root-writable || echo root-read-only
cat "$HOME/.ssh/id_test" 2>/dev/null && echo ssh-visible || echo ssh-hidden
echo x >>"$HOME/.ssh/id_test" 2>/dev/null && echo ssh-writable || echo ssh-not-writable
'
out=$(GITHUB_TOKEN=ghp_hostvalue "$CLAUDEBOX" run --profile enhanced --docker-socket="$sock" -v "$CB_WORK/bin:$CB_WORK/bin:ro" \
        -e P="$proj" -- sh -c "$probe_script" 2>&1)
assert_eq "$?" 0 "an enhanced run succeeds"
assert_line "$out" "parent-writable" "enhanced: the parent directory is writable"
assert_line "$out" "token ghp_hostvalue" "enhanced: GITHUB_TOKEN from the host is visible"
assert_line "$out" "docker docker-here" "enhanced: --docker-socket=PATH answers at /var/run/docker.sock"
assert_line "$out" "root-writable" "enhanced: the root is writable"
[ ! -e /usr/cb-enhanced ] || fail "a write to the writable root reached the host"
ok "enhanced: writes to the root are discarded (not on the host)"
assert_line "$out" "ssh-visible" "enhanced: ~/.ssh is visible"
assert_line "$out" "ssh-not-writable" "enhanced: ~/.ssh is read-only"
[ -e "$parent/parent-write" ] && ok "the parent write reached the host" || fail "the parent write is not on the host"
rm -f "$parent/parent-write"

out=$(GITHUB_TOKEN=ghp_hostvalue cb -e P="$proj" -e CB_PROBE -- sh -c "$probe_script" 2>&1)
assert_eq "$?" 0 "a secure run succeeds"
# (inside, the parent path may exist as a mount-point directory on the sandbox's own /tmp)
[ ! -e "$parent/parent-write" ] || fail "secure: a write reached the parent directory"
ok "secure: the parent directory is not writable (nothing reached the host)"
assert_line "$out" "token absent" "secure: GITHUB_TOKEN is absent"
assert_line "$out" "docker ENOENT" "secure: no docker socket"
assert_line "$out" "root-read-only" "secure: the root is read-only"
assert_line "$out" "ssh-hidden" "secure: ~/.ssh is hidden"

# Each relaxation is a flag of its own under secure.
out=$(GITHUB_TOKEN=ghp_hostvalue cb -e GITHUB_TOKEN -e CB_PROBE -- sh -c 'echo "token ${GITHUB_TOKEN-absent}"')
assert_line "$out" "token ghp_hostvalue" "secure -e GITHUB_TOKEN passes just that token"
out=$(cb --mount-parent --docker-socket="$sock" --writable-root -e P="$proj" -e CB_PROBE -- sh -c "$probe_script" 2>&1)
assert_line "$out" "parent-writable" "secure --mount-parent: the parent is writable"
assert_line "$out" "docker docker-here" "secure --docker-socket=PATH: the socket answers"
assert_line "$out" "root-writable" "secure --writable-root: the root is writable"
rm -f "$parent/parent-write"
out=$(cb --mount-ssh -e P="$proj" -e CB_PROBE -- sh -c "$probe_script" 2>&1)
assert_line "$out" "ssh-visible" "secure --mount-ssh: ~/.ssh is visible"
assert_line "$out" "ssh-not-writable" "secure --mount-ssh: read-only"
# And the profile's relaxations can be turned off one by one.
out=$(GITHUB_TOKEN=ghp_hostvalue "$CLAUDEBOX" run --profile enhanced --no-host-env --no-mount-parent --read-only \
        --no-docker-socket -v "$CB_WORK/bin:$CB_WORK/bin:ro" -e P="$proj" -e CB_PROBE -- sh -c "$probe_script" 2>&1)
assert_line "$out" "token absent" "enhanced --no-host-env: GITHUB_TOKEN is absent"
[ ! -e "$parent/parent-write" ] || fail "enhanced --no-mount-parent: a write reached the parent directory"
ok "enhanced --no-mount-parent: the parent is not writable"
assert_line "$out" "root-read-only" "enhanced --read-only: the root is read-only"
assert_line "$out" "docker ENOENT" "enhanced --no-docker-socket: no socket"
