#!/usr/bin/env bash
# State: one directory per running sandbox (inspect-shaped state.json), unique names under concurrency,
# removed at exit, and reaped by the next run after a SIGKILLed launcher.
. "$(dirname "$0")/lib.sh"
# A project name of our own: other tests' sandboxes (claudebox-proj-*) may run at the same time.
proj="$CB_WORK/statetest$$"
mkdir "$proj" && cd "$proj" || fail "cd"
if [ "$(id -u)" = 0 ]; then base=/run/claudebox; else base=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/claudebox}; base=${base:-/tmp/claudebox-$(id -u)}; fi
name="cbstate-$$-$RANDOM"

cb_bg --name "$name" -- sh -c 'echo >started; exec sleep 60'
launcher=$!
on_exit "kill -KILL $launcher"
for _ in $(seq 100); do [ -e "$base/$name/state.json" ] && break; sleep 0.1; done
[ -e "$base/$name/state.json" ] || fail "no state.json for a running sandbox"
ok "a running sandbox has $base/$name/state.json"
summary=$(python3 - "$base/$name/state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("name", s["Name"])
print("running", s["State"]["Running"], s["State"]["Pid"] > 0)
print("secopt", ",".join(s["HostConfig"]["SecurityOpt"]))
print("readonly", s["HostConfig"]["ReadonlyRootfs"])
print("env-has-values", any("=" in e for e in s["Config"]["Env"]))
print("privileged", s["HostConfig"]["Privileged"])
L = s["Layers"]
print("layers", ",".join(sorted(L)))
print("seccomp-layer", L["seccomp"]["requested"], L["seccomp"]["applied"])
print("network-layer", L["network"]["requested"], L["network"]["applied"].split(" ")[0])
print("x11-layer", L["x11"]["applied"].split(" ")[0])
PY
)
assert_line "$summary" "name $name" "state.json names the sandbox"
assert_line "$summary" "running True True" "state.json has the running state and init's pid"
assert_line "$summary" "readonly True" "state.json says the root is read-only"
assert_line "$summary" "env-has-values False" "state.json lists environment names only, never values"
assert_line "$summary" "privileged False" "state.json says Privileged: false"
assert_match "$summary" "layers .*capabilities.*limits.*network.*seccomp.*x11" "state.json reports every layer"
assert_line "$summary" "seccomp-layer default default" "the seccomp layer reports what it applied"
assert_match "$summary" "network-layer [a-z]+ [a-z]+" "the network layer reports what it applied"
assert_line "$summary" "x11-layer none" "the X11 layer says honestly that nothing is applied yet"
out=$(cb --name "$name" -- true 2>&1)
assert_eq "$?" 125 "a second sandbox with the same --name is refused"
assert_match "$out" "already running" "and the message says so"

kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
cb -- true
[ ! -e "$base/$name" ] || fail "the state of a SIGKILLed launcher was not reaped by the next run"
ok "the next run reaps the state a SIGKILLed launcher left"

# Many sandboxes of one project at once: default names never collide.
pids=()
for i in $(seq 24); do
        cb -- true 2>"$CB_WORK/concurrent.$i.err" &
        pids+=($!)
done
failures=0
for p in "${pids[@]}"; do wait "$p" || failures=$((failures + 1)); done
[ "$failures" = 0 ] || cat "$CB_WORK"/concurrent.*.err >&2
assert_eq "$failures" 0 "24 concurrent sandboxes of one project all succeed"
left=$(ls "$base" 2>/dev/null | grep -c "^claudebox-statetest$$-")
assert_eq "$left" 0 "no state directory is left after they exit"
