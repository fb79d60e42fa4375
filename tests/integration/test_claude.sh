#!/usr/bin/env bash
# The real agent: @anthropic-ai/claude-code installed with npm under a temp $HOME (~/.local, hidden inside
# the sandbox) runs with no extra flag, its install tree bound read-only.
. "$(dirname "$0")/lib.sh"
command -v npm >/dev/null || skip "npm is not installed (apt-get install npm)"
proj=$(new_project)
cd "$proj" || fail "cd"
log="$CB_WORK/npm.log"
if ! timeout 300 npm install -g --prefix "$HOME/.local" --cache "$CB_WORK/npm-cache" --no-audit --no-fund \
        --loglevel error @anthropic-ai/claude-code >"$log" 2>&1; then
        tail -5 "$log" >&2
        skip "npm could not install @anthropic-ai/claude-code (registry unreachable?)"
fi
[ -x "$HOME/.local/bin/claude" ] || fail "npm installed no ~/.local/bin/claude"
host_version=$("$HOME/.local/bin/claude" --version 2>&1)

out=$(PATH="$HOME/.local/bin:$PATH" cb -- claude --version 2>&1)
assert_eq "$?" 0 "claude --version exits 0 in the sandbox"
assert_match "$out" "^[0-9]+\.[0-9]+\.[0-9]+" "claude --version prints a version inside the sandbox"
assert_eq "$out" "$host_version" "the sandbox runs the same claude as the host"
# The install tree is visible read-only; the rest of ~/.local is not.
echo secret >"$HOME/.local/other-file"
out=$(PATH="$HOME/.local/bin:$PATH" cb -- sh -c 'ls "$HOME/.local/other-file" 2>&1; touch "$(dirname "$(readlink -f "$(command -v claude 2>/dev/null || echo /x)")")/w" 2>&1' 2>&1)
assert_match "$out" "No such file" "the rest of ~/.local stays hidden"
