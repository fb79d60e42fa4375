#!/usr/bin/env bash
# The files layer: -v binds (ro/rw), --tmpfs, agent state, .git hooks/config read-only, a command installed
# under a hidden path.
. "$(dirname "$0")/lib.sh"
proj=$(new_project)
cd "$proj" || fail "cd"

# -v SRC:DST:ro and :rw
mkdir -p "$CB_WORK/data-ro" "$CB_WORK/data-rw"
echo ro-content >"$CB_WORK/data-ro/f"
out=$(cb -v "$CB_WORK/data-ro:/tmp/ro:ro" -v "$CB_WORK/data-rw:/tmp/rw" -e CB_PROBE -- sh -c '
cat /tmp/ro/f; echo "ro-write $("$CB_PROBE" write /tmp/ro/new)"; echo "rw-write $("$CB_PROBE" write /tmp/rw/new)"' 2>&1)
assert_line "$out" "ro-content" "-v SRC:DST:ro shows SRC at DST"
assert_line "$out" "ro-write EROFS" "-v ...:ro is read-only"
assert_line "$out" "rw-write ok" "-v ...:rw is writable"
[ -e "$CB_WORK/data-rw/new" ] && ok "a write through -v rw reaches the host" || fail "the -v rw write is not on the host"

# A destination that does not exist on the read-only root cannot be created: refused with the fix named.
out=$(cb -v "$CB_WORK/data-ro:/cb-no-such-dir/x" -- true 2>&1)
assert_eq "$?" 125 "-v to a missing destination on the read-only root is refused"
assert_match "$out" "create it on the host, or use --writable-root" "and the message names the fix"
out=$(cb --writable-root -v "$CB_WORK/data-ro:/cb-no-such-dir/x:ro" -- cat /cb-no-such-dir/x/f 2>&1)
assert_eq "$out" "ro-content" "with --writable-root the destination is created"
[ ! -e /cb-no-such-dir ] || fail "the destination was created on the host"

# --tmpfs
out=$(cb --tmpfs /tmp/scratch:size=16m,mode=700 -- sh -c 'stat -c "%a" /tmp/scratch; df -k /tmp/scratch | awk "NR==2{print \$2}"')
assert_eq "$out" "$(printf '700\n16384')" "--tmpfs PATH:size=16m,mode=700 mounts a 16 MiB tmpfs of mode 700"

# Agent state: ~/.claude and ~/.claude.json read-write; nothing else of $HOME.
mkdir -p "$HOME/.claude" && echo '{}' >"$HOME/.claude.json" && echo token >"$HOME/.netrc"
out=$(cb -- sh -c 'echo x >"$HOME/.claude/written" && echo dir-rw; echo "{\"a\":1}" >"$HOME/.claude.json" && echo json-rw; ls -A "$HOME" | tr "\n" " "')
assert_line "$out" "dir-rw" "~/.claude is writable"
assert_line "$out" "json-rw" "~/.claude.json is writable"
[ -e "$HOME/.claude/written" ] && ok "a write to ~/.claude reaches the host" || fail "~/.claude write not on host"
assert_eq "$(cat "$HOME/.claude.json")" '{"a":1}' "a write to ~/.claude.json reaches the host"
assert_not_match "$out" "netrc" "other files of \$HOME (~/.netrc) are not visible"

# A git work tree: hooks and config are read-only inside, the rest of .git and the tree are writable.
git init -q "$proj/repo" 2>/dev/null || skip "git is not installed"
cd "$proj/repo" || fail "cd repo"
out=$(cb -e CB_PROBE -- sh -c '
echo "hook $("$CB_PROBE" write .git/hooks/pre-commit)"
echo "config $(echo "[core] fsmonitor = evil" >>.git/config 2>&1 && echo ok || echo refused)"
echo "tree $("$CB_PROBE" write file.txt)"
echo "objects $("$CB_PROBE" write .git/description)"' 2>&1)
assert_line "$out" "hook EROFS" "secure: .git/hooks is read-only"
assert_line "$out" "config refused" "secure: .git/config is read-only"
assert_line "$out" "tree ok" "the work tree is writable"
assert_line "$out" "objects ok" "the rest of .git is writable"
grep -q fsmonitor .git/config && fail "the sandbox changed .git/config"
# A linked worktree: its .git file points into the main repo's git dir.
git -c user.email=t@t -c user.name=t commit -q --allow-empty -m init
git worktree add -q "$proj/wt" 2>/dev/null || fail "git worktree add"
# With --mount-parent the main repository (and so its hooks) is visible read-write next to the worktree.
cd "$proj/wt" || fail "cd"
out=$(cb --mount-parent -e CB_PROBE -- sh -c '
echo "wt-hook $("$CB_PROBE" write ../repo/.git/hooks/post-checkout)"
echo "wt-config $(echo x >>../repo/.git/config 2>/dev/null && echo ok || echo refused)"
echo "wt-tree $("$CB_PROBE" write ../repo/other-file)"' 2>&1)
assert_line "$out" "wt-hook EROFS" "the hooks of the git dir a .git file points to are read-only"
assert_line "$out" "wt-config refused" "the config of the git dir a .git file points to is read-only"
assert_line "$out" "wt-tree ok" "the parent (--mount-parent) is otherwise writable"
cd "$proj/repo" || fail "cd"

# The git dir cannot be swapped: .git is pinned (EBUSY), and a commondir created inside (git would follow it
# to another config) is moved aside after the run, with a warning.
out=$(cb -- sh -c 'mv .git .git.old 2>&1 || echo mv-refused' 2>&1)
assert_match "$out" "mv-refused" "the sandbox cannot move .git aside"
[ -d .git ] && [ ! -e .git.old ] || fail ".git was moved"
out=$(cb -- sh -c 'echo ../evil >.git/commondir' 2>&1)
[ ! -e .git/commondir ] || fail "a commondir created by the sandbox is still in place"
[ -e .git/commondir.claudebox-quarantine ] || fail "the commondir was not moved aside"
assert_match "$out" "commondir" "the user is told about the commondir the sandbox created"
rm -f .git/commondir.claudebox-quarantine
# A .git file (worktree) is read-only: its gitdir: line cannot be redirected.
cd "$proj/wt" || fail "cd wt"
out=$(cb -- sh -c 'echo "gitdir: /tmp/evil" >.git 2>/dev/null && echo rewritten || echo refused')
assert_line "$out" "refused" "a .git file cannot be rewritten"
cd "$proj/repo" || fail "cd repo"

# A command outside the project under a hidden path (/tmp): only the file itself is bound, never its
# directory (which could be all of /tmp, with other users' sockets).
mkdir -p "$CB_WORK/tools" && echo secret >"$CB_WORK/tools/neighbour-secret"
printf '#!/bin/sh\necho tool-ran; cat "%s" 2>/dev/null || echo neighbour-hidden\n' "$CB_WORK/tools/neighbour-secret" \
        >"$CB_WORK/tools/tool.sh"
chmod +x "$CB_WORK/tools/tool.sh"
out=$(cb -- "$CB_WORK/tools/tool.sh" 2>&1)
assert_line "$out" "tool-ran" "a command under /tmp runs"
assert_line "$out" "neighbour-hidden" "only the command's file is bound, not its directory"

# A command installed under a hidden path ($HOME) runs, its tree bound read-only.
mkdir -p "$HOME/tools/bin"
printf '#!/bin/sh\necho hidden-tool-ran\n' >"$HOME/tools/bin/mytool"
chmod +x "$HOME/tools/bin/mytool"
out=$(PATH="$HOME/tools/bin:$PATH" cb -- mytool 2>&1)
assert_eq "$out" "hidden-tool-ran" "a command under a hidden path runs"

# Without limits there is no cgroup of our own to show: the host's cgroup tree stays hidden (with the host
# network, /sys is the host's).
out=$(cb --no-limits --network host -- sh -c 'ls -A /sys/fs/cgroup | wc -l')
assert_eq "$out" "0" "without limits /sys/fs/cgroup shows nothing of the host's cgroups"
