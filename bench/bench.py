#!/usr/bin/env python3
"""claudebox bench — the measurements behind `make bench` (driven by bench/run.sh; see bench/README.md).

usage: bench.py WORKDIR   (run.sh has built the helpers into WORKDIR/bin and copied claudebox there)

Every figure printed is measured in this run. A configuration that cannot run (a layer not built yet, no
unprivileged user namespaces, a peer missing) is tried once and its row says why instead of a number.
"""
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

W = os.path.abspath(sys.argv[1])
BIN = os.path.join(W, "bin")
HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
CB = os.path.join(BIN, "claudebox")
BPF = os.path.join(BIN, "docker.bpf")
WITHFD = os.path.join(BIN, "withfd")
LOOP_NAME = "syscall_loop"
RUNS = int(os.environ.get("CB_BENCH_RUNS", "60"))          # per command, split over ROUNDS
ROUNDS = int(os.environ.get("CB_BENCH_ROUNDS", "4"))       # hyperfine invocations, order alternated
WARMUP = int(os.environ.get("CB_BENCH_WARMUP", "3"))
REPS = int(os.environ.get("CB_BENCH_REPS", "11"))          # RSS and syscall-loop repetitions
CONC = int(os.environ.get("CB_BENCH_CONCURRENT", "50"))
CONC_REPS = int(os.environ.get("CB_BENCH_CONCURRENT_REPS", "3"))
TEST_USER = os.environ.get("CB_TEST_USER", "cbtest")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IS_ROOT = os.geteuid() == 0
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"]
SECCOMP_JSON = os.environ.get("CB_BENCH_SECCOMP_JSON", os.path.join(HERE, "docker-default-seccomp.oci.json"))

rows = []       # (section, measurement, configuration, median, spread, ratio, target, notes)
notes = []      # free-text notes under the table
profile_md = []  # profile section


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- users

class Ctx:
    """Where and as whom commands run: root (HOME etc. in W/root) or the unprivileged test user."""

    def __init__(self, name, prefix, home, proj, run, out):
        self.name, self.prefix, self.home, self.proj, self.run, self.out = name, prefix, home, proj, run, out

    def env(self):
        return {"PATH": PATH, "HOME": self.home, "XDG_RUNTIME_DIR": self.run, "LANG": "C", "TERM": "dumb"}

    def wrap(self, argv):
        """argv as run through this context (setpriv + env for the test user)."""
        if not self.prefix:
            return argv
        return self.prefix + ["env", "-i"] + [f"{k}={v}" for k, v in self.env().items()] + argv


def make_ctx(name, uid=None, gid=None):
    base = os.path.join(W, name)
    # The project dir's name ends up in sandbox and cgroup names: make it ours alone, so the leftover
    # checks of row 4 never count what other people's tests create on this machine.
    home, proj, run, out = (os.path.join(base, d) for d in ("home", f"benchproj{os.getpid()}", "run", "out"))
    for d in (home, proj, run, out):
        os.makedirs(d, exist_ok=True)
    os.chmod(run, 0o700)
    prefix = []
    if uid is not None:
        for d in (base, home, proj, run, out):
            os.chown(d, uid, gid)
        prefix = ["setpriv", "--reuid", str(uid), "--regid", str(gid), "--clear-groups"]
    # The syscall loop must be reachable inside every sandbox: the project dir is bound by claudebox
    # and by our bwrap line.
    shutil.copy2(os.path.join(BIN, LOOP_NAME), os.path.join(proj, LOOP_NAME))
    if uid is not None:
        os.chown(os.path.join(proj, LOOP_NAME), uid, gid)
    return Ctx(name, prefix, home, proj, run, out)


def ensure_test_user():
    """Reuses or creates the integration tests' unprivileged user (as tests/integration/run-as.sh)."""
    try:
        r = subprocess.run(["id", "-u", TEST_USER], capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["flock", "/tmp/claudebox-testuser.lock", "sh", "-c",
                            f"id -u {TEST_USER} >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh {TEST_USER}"],
                           check=True, capture_output=True)
        uid = int(subprocess.run(["id", "-u", TEST_USER], capture_output=True, text=True, check=True).stdout)
        gid = int(subprocess.run(["id", "-g", TEST_USER], capture_output=True, text=True, check=True).stdout)
        return uid, gid, None
    except Exception as e:  # noqa: BLE001
        return None, None, f"cannot create or find user {TEST_USER}: {e}"


# ---------------------------------------------------------------------------------------------- commands

def cb(*args):
    return [CB, "run", *args]


def bwrap(ctx, command, seccomp=True):
    argv = ["bwrap", "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-net",
            "--ro-bind", "/", "/", "--size", str(1 << 30), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
            "--bind", ctx.proj, ctx.proj, "--chdir", ctx.proj, "--cap-drop", "ALL"]
    for c in CAPS:
        argv += ["--cap-add", c]
    argv += ["--new-session", "--die-with-parent"]
    if seccomp:
        argv += ["--seccomp", "9"]
    return argv + command


def with_fd(argv):
    """Every start-up command goes through the same static exec shim (see withfd.c)."""
    if "--seccomp" in argv and argv[0] == "bwrap":
        return [WITHFD, BPF, "9"] + argv
    return [WITHFD, "-", "-"] + argv


BUNDLE = os.path.join(W, "bundle")
CRUN_ID = f"cbbench-crun-{os.getpid()}"
RUNC_ID = f"cbbench-runc-{os.getpid()}"
HIDE_UNIFIED = "mount -t tmpfs none /sys/fs/cgroup/unified && exec "


def make_bundle():
    """An OCI bundle of the secure profile. rootfs: a symlink-free copy of /bin/true, the syscall loop
    and the two libraries /bin/true needs — so every peer execs the very same dynamic /bin/true."""
    root = os.path.join(BUNDLE, "rootfs")
    for d in ("bin", "proc", "dev", "tmp", "sys"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    libs = re.findall(r"(/\S+) \(0x", subprocess.run(["ldd", "/bin/true"], capture_output=True,
                                                      text=True).stdout)
    for f in ["/bin/true"] + libs:
        dst = root + f
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.realpath(f), dst)
    shutil.copy2(os.path.join(BIN, LOOP_NAME), os.path.join(root, "bin", LOOP_NAME))
    with open(SECCOMP_JSON) as f:
        seccomp = json.load(f)
    memsw = os.path.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") or \
        not os.path.isdir("/sys/fs/cgroup/memory")
    memory = {"limit": 4 << 30}
    if memsw:
        memory["swap"] = 4 << 30  # memory+swap = memory: no swap, as claudebox's --memory 4g
    cfg = {
        "ociVersion": "1.0.2",
        "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
                    "env": ["PATH=" + PATH], "cwd": "/",
                    "capabilities": {k: CAPS for k in ("bounding", "effective", "permitted")},
                    "noNewPrivileges": True},
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "cbbench",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=1g"]}],
        "linux": {
            "uidMappings": [{"containerID": 0, "hostID": 0, "size": 1}],
            "gidMappings": [{"containerID": 0, "hostID": 0, "size": 1}],
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user", "cgroup")],
            "resources": {"memory": memory, "cpu": {"quota": 200000, "period": 100000},
                          "pids": {"limit": 200}},
            "cgroupsPath": "claudebox-bench-oci",
            "seccomp": seccomp,
            "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}}
    with open(os.path.join(BUNDLE, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def crun_cmd():
    # crun 1.8 refuses hybrid cgroups; hide cgroup2 from it in a throwaway mount namespace only.
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            HIDE_UNIFIED + f"crun run --bundle {shlex.quote(BUNDLE)} {CRUN_ID}"]


def crun_wrapper_cmd():
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", HIDE_UNIFIED + "/bin/true"]


def runc_cmd():
    return ["runc", "run", "--bundle", BUNDLE, RUNC_ID]


# ---------------------------------------------------------------------------------------------- running

def preflight(ctx, argv, timeout=60):
    """Runs argv once; returns None when it exits 0, else why it cannot run (its last stderr line)."""
    exe = argv[0] if argv[0] != WITHFD else argv[3]
    if shutil.which(exe) is None and not os.path.exists(os.path.join(ctx.proj, exe)):
        return f"{exe} not installed"
    try:
        r = subprocess.run(ctx.wrap(argv), cwd=ctx.proj, env=ctx.env(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    if r.returncode == 0:
        return None
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    why = lines[-1] if lines else "(no message)"
    return f"exit {r.returncode}: {why}"[:300]


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return None
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return {"median": statistics.median(xs), "p25": q[0], "p75": q[2], "min": xs[0], "max": xs[-1], "n": len(xs)}


def hyperfine(ctx, tag, cmds):
    """cmds: [(name, argv)] that passed preflight. ROUNDS invocations of hyperfine, each running all
    commands (order reversed every other round so drift hits them alike); times pooled per command."""
    times = {n: [] for n, _ in cmds}
    per_round = max(2, (RUNS + ROUNDS - 1) // ROUNDS)
    for r in range(ROUNDS):
        order = cmds if r % 2 == 0 else list(reversed(cmds))
        out = os.path.join(ctx.out, f"{tag}-{r}.json")
        argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(WARMUP), "--runs", str(per_round),
                "--export-json", out]
        for name, cmd in order:
            argv += ["-n", name, shlex.join(cmd)]
        p = subprocess.run(ctx.wrap(argv), cwd=ctx.proj, env=ctx.env(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"hyperfine failed: {p.stderr.strip()[-500:]}")
        with open(out) as f:
            data = json.load(f)
        shutil.copy(out, os.path.join(RESULTS, f"{ctx.name}-{tag}-{r}.json"))
        for res in data["results"]:
            times[res["command"]] += [t * 1000 for t in res["times"]]
    return {n: stats(t) for n, t in times.items()}


def fmt_ms(s):
    return f"{s['median']:.2f} ms", f"{s['p25']:.2f}–{s['p75']:.2f} ms (n={s['n']})"


def ratio(s, ref):
    if s is None or ref is None or ref["median"] == 0:
        return "—"
    return f"{s['median'] / ref['median']:.2f}×"


def target_check(value, limit, unit=""):
    if value is None:
        return "not measured"
    return ("met" if value <= limit else "**missed**") + f" (≤{limit}{unit})"


# ---------------------------------------------------------------------------------------------- 1. start-up

def bench_startup(root, runnable):
    log("1. start-up (/bin/true)")
    cfgs = [
        ("claudebox secure (full)", cb("/bin/true"), "default flags: all namespaces, isolated network, limits, seccomp"),
        ("claudebox secure --network none --no-limits", cb("--network", "none", "--no-limits", "/bin/true"),
         "the layers bubblewrap has"),
        ("claudebox --network none --no-limits --seccomp unconfined",
         cb("--network", "none", "--no-limits", "--seccomp", "unconfined", "/bin/true"), "no seccomp either"),
        ("claudebox enhanced", cb("--profile", "enhanced", "/bin/true"), "host network, no limits, no seccomp, overlay root"),
        ("bubblewrap (secure equivalent)", bwrap(root, ["/bin/true"]), "reference: user/ipc/pid/uts/net ns, ro /, 1 GiB /tmp, caps, Docker's BPF"),
        ("crun (OCI bundle, in unshare -m wrapper)", crun_cmd(), "includes the unshare -m + sh + mount wrapper (next row)"),
        ("  unshare -m + sh + mount wrapper alone", crun_wrapper_cmd(), "what crun's row pays for the hybrid-cgroup workaround"),
        ("runc (OCI bundle)", runc_cmd(), ""),
        ("unshare -Urmpf /bin/true (floor)", ["unshare", "-Urmpf", "/bin/true"], "namespaces only, nothing set up"),
    ]
    ok, why = [], {}
    for name, argv, _ in cfgs:
        w = preflight(root, with_fd(argv))
        if w:
            why[name] = w
            log(f"   cannot run {name}: {w}")
        else:
            ok.append((name, with_fd(argv)))
    res = hyperfine(root, "startup", ok) if ok else {}
    ref = res.get("bubblewrap (secure equivalent)")
    targets = {"claudebox secure --network none --no-limits": 0.6, "claudebox secure (full)": 1.0}
    for name, argv, note in cfgs:
        runnable[name] = name in res
        s = res.get(name)
        tgt = ""
        if name in targets:
            tgt = target_check(s["median"] / ref["median"] if s and ref else None, targets[name], "×")
        if s is None:
            rows.append(("1", "start-up", name, "—", "—", "—", tgt, f"cannot run: {why.get(name)}"))
        else:
            med, spr = fmt_ms(s)
            rows.append(("1", "start-up", name, med, spr, ratio(s, ref), tgt, note))
    if "crun (OCI bundle, in unshare -m wrapper)" in res and "  unshare -m + sh + mount wrapper alone" in res:
        c = res["crun (OCI bundle, in unshare -m wrapper)"]["median"] - res["  unshare -m + sh + mount wrapper alone"]["median"]
        rows.append(("1", "start-up", "  crun minus its wrapper (difference of medians)", f"{c:.2f} ms", "—",
                     f"{c / ref['median']:.2f}×" if ref else "—", "", "estimate"))
    return res


# ---------------------------------------------------------------------------------------------- 2. RSS

def bench_rss(root, runnable):
    log("2. peak RSS")
    cfgs = []
    if runnable.get("claudebox secure (full)"):
        cfgs.append(("claudebox secure (full)", cb("/bin/true")))
    else:
        rows.append(("2", "peak RSS", "claudebox secure (full)", "—", "—", "—", target_check(None, 2, " MiB"),
                     "cannot run (see row 1)"))
    cfgs.append(("claudebox --network none --no-limits --seccomp unconfined",
                 cb("--network", "none", "--no-limits", "--seccomp", "unconfined", "/bin/true")))
    cfgs.append(("bubblewrap (secure equivalent)", bwrap(root, ["/bin/true"])))
    samples = {n: [] for n, _ in cfgs}
    errors = {}
    for _ in range(REPS):
        for name, argv in cfgs:
            p = subprocess.run(root.wrap([os.path.join(BIN, "peakrss")] + with_fd(argv)), cwd=root.proj,
                               env=root.env(), stdin=subprocess.DEVNULL, capture_output=True, text=True)
            try:
                d = json.loads(p.stdout.strip().splitlines()[-1])
                if d["rc"] != 0:
                    raise ValueError(f"exit {d['rc']}: {p.stderr.strip()[-200:]}")
                samples[name].append(d)
            except Exception as e:  # noqa: BLE001
                errors[name] = str(e)
    ref = None
    for name, _ in cfgs:
        ds = samples[name]
        if not ds:
            rows.append(("2", "peak RSS", name, "—", "—", "—", "", f"cannot run: {errors.get(name)}"))
            continue
        # The launcher is the process behind withfd (withfd execs, same pid).
        parts = [("launcher (own VmHWM)", [d["launcher_kb"] for d in ds])]
        parts.append(("its non-exec'd forks (sandbox init), max", [d["forks_kb"] for d in ds if d["forks_kb"] > 0]))
        helpers = sorted({k for d in ds for k in d["exec"] if k not in ("true",)})
        for h in helpers:
            parts.append((f"helper `{h}`", [d["exec"][h] for d in ds if h in d["exec"]]))
        parts.append(("the command (/bin/true)", [d["exec"].get("true") for d in ds if d["exec"].get("true")]))
        parts.append(("whole tree (= time -f %M)", [d["tree_kb"] for d in ds]))
        for label, kbs in parts:
            s = stats([k / 1024 for k in kbs])
            if s is None:
                continue
            if name.startswith("bubblewrap"):
                if label.startswith("launcher"):
                    ref = s
            tgt = ""
            if label.startswith("launcher") and name.startswith("claudebox secure"):
                tgt = target_check(round(s["median"], 2), 2, " MiB")
            rows.append(("2", "peak RSS", f"{name}: {label}", f"{s['median']:.2f} MiB",
                         f"{s['p25']:.2f}–{s['p75']:.2f} MiB (n={s['n']})", "", tgt, ""))
    # ratios against bubblewrap's own process, filled in now that it is known
    for i, r in enumerate(rows):
        if r[0] == "2" and "launcher" in r[2] and r[3] != "—" and ref:
            rows[i] = r[:5] + (f"{float(r[3].split()[0]) / ref['median']:.2f}×",) + r[6:]


# ---------------------------------------------------------------------------------------------- 3. seccomp

def bench_seccomp(root, runnable):
    log("3. seccomp cost per syscall")
    loop = ["./" + LOOP_NAME, "200000"]
    if runnable.get("claudebox secure (full)"):
        base, base_note = [], "full secure"
    else:
        base, base_note = ["--network", "none", "--no-limits"], "--network none --no-limits (full secure cannot run)"
    cfgs = [
        ("host, no sandbox", loop),
        ("claudebox secure", cb(*base, *loop)),
        ("claudebox --seccomp unconfined", cb(*base, "--seccomp", "unconfined", *loop)),
        ("bubblewrap + Docker's filter", bwrap(root, loop)),
        ("bubblewrap, no filter", bwrap(root, loop, seccomp=False)),
    ]
    ok, why = [], {}
    for name, argv in cfgs:
        w = preflight(root, with_fd(argv))
        if w:
            why[name] = w
        else:
            ok.append((name, with_fd(argv)))
    samples = {n: {"getpid": [], "personality": []} for n, _ in ok}
    for _ in range(REPS):
        for name, argv in ok:
            p = subprocess.run(root.wrap(argv), cwd=root.proj, env=root.env(), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True)
            m = re.search(r"getpid_ns=([\d.]+) personality_ns=([\d.]+)", p.stdout)
            if m:
                samples[name]["getpid"].append(float(m.group(1)))
                samples[name]["personality"].append(float(m.group(2)))
    st = {n: {k: stats(v) for k, v in d.items()} for n, d in samples.items()}
    for call in ("getpid", "personality"):
        ref = st.get("bubblewrap + Docker's filter", {}).get(call)
        for name, _ in cfgs:
            s = st.get(name, {}).get(call)
            if s is None:
                rows.append(("3", f"{call} ns/call", name, "—", "—", "—", "", f"cannot run: {why.get(name, 'no output')}"))
                continue
            rows.append(("3", f"{call} ns/call", name, f"{s['median']:.1f} ns",
                         f"{s['p25']:.1f}–{s['p75']:.1f} ns (n={s['n']})", ratio(s, ref), "",
                         base_note if name.startswith("claudebox") else ""))
        limit = 45 if call == "getpid" else 30
        a, b = st.get("claudebox secure", {}).get(call), st.get("claudebox --seccomp unconfined", {}).get(call)
        c, d = st.get("bubblewrap + Docker's filter", {}).get(call), st.get("bubblewrap, no filter", {}).get(call)
        added_cb = a["median"] - b["median"] if a and b else None
        added_bw = c["median"] - d["median"] if c and d else None
        rows.append(("3", f"{call}: added by seccomp", "claudebox (secure − unconfined)",
                     f"{added_cb:.1f} ns" if added_cb is not None else "—", "difference of medians",
                     f"{added_cb / added_bw:.2f}×" if added_cb is not None and added_bw and added_bw > 1 else "—",
                     target_check(None if added_cb is None else round(added_cb, 1), limit, " ns"),
                     "" if added_cb is not None else "cannot run (see above)"))
        rows.append(("3", f"{call}: added by seccomp", "bubblewrap (filter − none)",
                     f"{added_bw:.1f} ns" if added_bw is not None else "—", "difference of medians", "1.00×" if added_bw else "—",
                     "", ""))


# ---------------------------------------------------------------------------------------------- 4. many

def leftovers(names, home="", tag="", pids=()):
    """What our sandboxes could leave behind on the host: the mount count, processes named in names whose
    environment has our HOME, cgroup dirs whose name has tag, veths named after our launchers' pids."""
    with open("/proc/self/mountinfo") as f:
        mounts = sum(1 for _ in f)
    procs = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/comm") as f:
                    c = f.read().strip()
            except OSError:
                continue
            if c in names:
                try:
                    with open(f"/proc/{p}/environ", "rb") as f:
                        mine = f"HOME={home}".encode() in f.read().split(b"\0")
                except OSError:
                    mine = False
                if mine:
                    procs.append(c)
    cg = []
    for top in ("/sys/fs/cgroup",):
        for dirpath, dirnames, _ in os.walk(top):
            for d in dirnames:
                if "claudebox" in d and tag in d:
                    cg.append(os.path.join(dirpath, d))
            if dirpath.count("/") > 8:
                dirnames[:] = []
    ours = {f"cbox{p}" for p in pids}
    veths = sum(1 for n in os.listdir("/sys/class/net") if n in ours)
    state = 0
    for d in ("/run/claudebox",):
        if os.path.isdir(d):
            state += sum(1 for e in os.listdir(d) if tag in e)
    return {"mounts": mounts, "procs": sorted(procs), "cgroups": sorted(cg), "veths": veths, "state": state}


def pnames(config):
    if config.startswith("bubblewrap"):
        return ("bwrap",)
    return ("claudebox", "pasta", "pasta.avx2", "slirp4netns")


def leftover_diff(before, after):
    diff = []
    if after["mounts"] != before["mounts"]:
        diff.append(f"mounts {before['mounts']}→{after['mounts']}")
    extra = [p for p in after["procs"] if after["procs"].count(p) > before["procs"].count(p)]
    if extra:
        diff.append("processes: " + ",".join(sorted(set(extra))))
    new_cg = sorted(set(after["cgroups"]) - set(before["cgroups"]))
    if new_cg:
        diff.append(f"{len(new_cg)} cgroup dirs e.g. {new_cg[0]}")
    if after["veths"] > before["veths"]:
        diff.append(f"veths {before['veths']}→{after['veths']}")
    if after["state"] > before["state"]:
        diff.append(f"/run/claudebox entries {before['state']}→{after['state']}")
    return diff


def bench_many(root, runnable):
    log(f"4. {CONC} concurrent sandboxes")
    cfgs = []
    if runnable.get("claudebox secure (full)"):
        cfgs.append(("claudebox secure (full)", cb("/bin/sleep", "1")))
    else:
        rows.append(("4", f"{CONC} concurrent `sleep 1`", "claudebox secure (full)", "—", "—", "—",
                     "", "cannot run (see row 1)"))
    cfgs.append(("claudebox --network none --no-limits --seccomp unconfined",
                 cb("--network", "none", "--no-limits", "--seccomp", "unconfined", "/bin/sleep", "1")))
    cfgs.append(("bubblewrap (secure equivalent)", bwrap(root, ["/bin/sleep", "1"])))
    walls = {n: [] for n, _ in cfgs}
    fails = {n: 0 for n, _ in cfgs}
    first_err = {}
    left = {n: [] for n, _ in cfgs}
    for _ in range(CONC_REPS):
        for name, argv in cfgs:
            tag = os.path.basename(root.proj)
            before = leftovers(pnames(name), root.home, tag)
            t0 = time.monotonic()
            ps = [subprocess.Popen(root.wrap(with_fd(argv)), cwd=root.proj, env=root.env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                  for _ in range(CONC)]
            for p in ps:
                _, err = p.communicate()
                if p.returncode != 0:
                    fails[name] += 1
                    first_err.setdefault(name, f"exit {p.returncode}: {err.decode(errors='replace').strip()[-200:]}")
            walls[name].append(time.monotonic() - t0)
            # Poll for up to 5 s: teardown may still be finishing, and other people's short-lived
            # processes on this machine must not count as ours; a real leak persists.
            for _ in range(10):
                time.sleep(0.5)
                diff = leftover_diff(before, leftovers(pnames(name), root.home, tag, [p.pid for p in ps]))
                if not diff:
                    break
            left[name] += diff
    ref = stats(walls["bubblewrap (secure equivalent)"])
    for name, _ in cfgs:
        s = stats(walls[name])
        total = CONC * CONC_REPS
        lo = "nothing left behind" \
            if not left[name] else "LEFT BEHIND: " + "; ".join(sorted(set(left[name])))
        note = f"failures {fails[name]}/{total}; {lo}"
        if name in first_err:
            note += f"; first failure: {first_err[name]}"
        rows.append(("4", f"{CONC} concurrent `sleep 1`: wall", name, f"{s['median']:.2f} s",
                     f"{s['min']:.2f}–{s['max']:.2f} s (n={s['n']})", ratio(s, ref),
                     ("met" if fails[name] == 0 else "**missed**") + " (0 failures)" if name.startswith("claudebox") else "",
                     note))


# ---------------------------------------------------------------------------------------------- 5. network

def bench_network(root, rootless, rootless_why):
    log("5. network start-up (root and rootless)")
    for ctx, label in ((root, "root"), (rootless, "rootless")):
        if ctx is None:
            for n in ("isolated", "none"):
                rows.append(("5", f"network start-up ({label})", f"claudebox --network {n}", "—", "—", "—", "",
                             f"cannot run: {rootless_why}"))
            continue
        common = ["--no-limits", "--seccomp", "unconfined", "/bin/true"]
        cfgs = [("claudebox --network isolated", cb("--network", "isolated", *common)),
                ("claudebox --network none", cb("--network", "none", *common)),
                ("bubblewrap (secure equivalent)", bwrap(ctx, ["/bin/true"]))]
        ok, why = [], {}
        for name, argv in cfgs:
            w = preflight(ctx, with_fd(argv))
            if w:
                why[name] = w
            else:
                ok.append((name, with_fd(argv)))
        res = hyperfine(ctx, "network", ok) if ok else {}
        ref = res.get("bubblewrap (secure equivalent)")
        for name, _ in cfgs:
            s = res.get(name)
            if s is None:
                rows.append(("5", f"network start-up ({label})", name, "—", "—", "—", "", f"cannot run: {why.get(name)}"))
                continue
            med, spr = fmt_ms(s)
            rows.append(("5", f"network start-up ({label})", name, med, spr, ratio(s, ref), "",
                         "--no-limits --seccomp unconfined, so only the network differs" if name.startswith("claudebox") else ""))
        a, b = res.get("claudebox --network isolated"), res.get("claudebox --network none")
        if a and b:
            rows.append(("5", f"network start-up ({label})", "isolated − none (cost of the network layer)",
                         f"{a['median'] - b['median']:.2f} ms", "difference of medians", "", "", ""))


# ---------------------------------------------------------------------------------------------- profile

PHASE_EVENTS = "brk,clone3,clone,setresuid,pivot_root,execve,exit_group"


def perf_phases(root, argv, path):
    """One launch traced with `perf trace` on a handful of syscalls only (each traced event costs tens of
    µs in this VM, so tracing every syscall would distort the picture): marks between the phases."""
    r = subprocess.run(["perf", "trace", "-e", PHASE_EVENTS, "-o", path, "--"] + argv, cwd=root.proj,
                       env=root.env(), stdin=subprocess.DEVNULL, capture_output=True)
    if r.returncode != 0:
        return None
    pat = re.compile(r"^\s*([\d.]+) \(\s*[\d.]*\s*(?:ms)?\s*\): (\S*?)/(\d+) (\.\.\. \[continued\]: )?(\w+)\((.*)")
    ev = []
    for line in open(path, errors="replace"):
        m = pat.match(line)
        if m and not m.group(4):
            ev.append((float(m.group(1)), m.group(2), int(m.group(3)), m.group(5), m.group(6)))
    if not ev:
        return None
    launcher = ev[0][2]

    def first(pred):
        return next((e[0] for e in ev if pred(e)), None)
    init = next((e[2] for e in ev if e[2] != launcher), None)
    marks = [("launcher: first syscall after exec (ld.so)", first(lambda e: e[2] == launcher)),
             ("launcher: clone3 of the sandbox (prepare done)", first(lambda e: e[2] == launcher and e[3] == "clone3")),
             ("init: setresuid (user namespace mapped)", first(lambda e: e[2] == init and e[3] == "setresuid")),
             ("init: pivot_root", first(lambda e: e[3] == "pivot_root")),
             ("init: fork of the command (after GO)", first(lambda e: e[2] == init and e[3] in ("clone", "clone3"))),
             ("command: execve", first(lambda e: e[3] == "execve" and e[2] not in (launcher, init))),
             ("command: exit_group", first(lambda e: e[3] == "exit_group" and e[2] not in (launcher, init))),
             ("init: exit_group", first(lambda e: e[2] == init and e[3] == "exit_group")),
             ("launcher: exit_group", first(lambda e: e[2] == launcher and e[3] == "exit_group"))]
    marks = [(k, v) for k, v in marks if v is not None]
    return [(f"{a} → {b}", tb - ta) for (a, ta), (b, tb) in zip(marks, marks[1:])]


def profile(root, runnable, res):
    """perf trace phases, strace syscall counts and perf samples of the claudebox configurations that
    miss their start-up target (or, when none of them can run yet, of the one that does)."""
    log("profile: perf trace, strace -c, perf record")
    targets = [("claudebox secure --network none --no-limits", cb("--network", "none", "--no-limits", "/bin/true"), 0.6),
               ("claudebox secure (full)", cb("/bin/true"), 1.0)]
    ref = res.get("bubblewrap (secure equivalent)")
    todo = []
    for name, argv, lim in targets:
        if runnable.get(name) and ref and res[name]["median"] / ref["median"] > lim:
            todo.append((name, argv))
    if not any(runnable.get(n) for n, _, _ in targets):
        todo.append(("claudebox --network none --no-limits --seccomp unconfined",
                     cb("--network", "none", "--no-limits", "--seccomp", "unconfined", "/bin/true")))
    if not todo:
        profile_md.append("All start-up targets met: no profile taken.")
        return
    for name, argv in todo:
        cmdline = shlex.join(["claudebox"] + argv[1:])
        profile_md.append(f"### {name}\n")
        if shutil.which("perf"):
            runs = [perf_phases(root, argv, os.path.join(root.out, "phases.txt")) for _ in range(9)]
            runs = [r for r in runs if r]
            if runs:
                profile_md.append(f"Phases of one launch: `perf trace -e {PHASE_EVENTS} -- {cmdline}`, median "
                                  f"of {len(runs)} runs (~10 traced events, so close to untraced timing):\n")
                profile_md.append("| phase | ms | share |\n|---|---:|---:|")
                meds = []
                for i, (label, _) in enumerate(runs[0]):
                    vals = [r[i][1] for r in runs if len(r) > i and r[i][0] == label]
                    meds.append((label, statistics.median(vals)))
                tot = sum(v for _, v in meds) or 1
                for label, v in meds:
                    profile_md.append(f"| {label} | {v:.2f} | {100 * v / tot:.0f}% |")
                profile_md.append(f"| total (first launcher syscall → launcher exit) | {tot:.2f} | |")
        if shutil.which("strace"):
            cnt = os.path.join(root.out, "count.txt")
            c = subprocess.run(["strace", "-c", "-f", "-S", "calls", "-o", cnt] + argv, cwd=root.proj,
                               env=root.env(), stdin=subprocess.DEVNULL, capture_output=True)
            if c.returncode == 0:
                lines = open(cnt).read().splitlines()
                body = [ln for ln in lines if re.match(r"\s*[\d.]+\s+[\d.]+", ln)][:12]
                total = [ln for ln in lines if "total" in ln]
                profile_md.append(f"\nSyscalls of one launch, all processes, most frequent first (`strace -c -f -S calls "
                                  f"{cmdline}`; strace's times are inflated, the counts are exact):\n")
                profile_md.append("```\n" + "\n".join(lines[:2] + body + total) + "\n```")
        if shutil.which("perf"):
            data = os.path.join(root.out, "perf.data")
            loop = f"for i in $(seq 100); do {shlex.join(argv)} >/dev/null 2>&1; done"
            p = subprocess.run(["perf", "record", "-q", "-F", "4999", "-g", "-o", data, "--", "sh", "-c", loop],
                               cwd=root.proj, env=root.env(), stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if p.returncode == 0:
                rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "-g", "none",
                                      "--sort", "comm,dso,sym", "--percent-limit", "1.2"],
                                     capture_output=True, text=True).stdout
                top = [ln for ln in rep.splitlines() if re.match(r"\s+[\d.]+%", ln)][:20]
                profile_md.append("\nOn-CPU samples over 100 launches (`perf record -g` of a shell loop running the "
                                  "command above; self time by process, object and symbol, ≥1.2%):\n")
                profile_md.append("```\n" + "\n".join(top) + "\n```")
            else:
                profile_md.append(f"\nperf record failed: {p.stderr.strip()[-200:]}")


# ---------------------------------------------------------------------------------------------- report

def versions():
    def v(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return "missing"
    rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except Exception:  # noqa: BLE001
        pass
    return (f"claudebox {rev or '?'} · kernel {platform.release()} · {os.cpu_count()} CPUs ({cpu}) · "
            f"{v(['bwrap', '--version'])} · {v(['crun', '--version'])} · {v(['runc', '--version'])} · "
            f"{v(['hyperfine', '--version'])} · run as {'root' if IS_ROOT else 'uid ' + str(os.geteuid())}")


def table():
    out = ["| # | measurement | configuration | median | spread (p25–p75) | vs bubblewrap | target | notes |",
           "|---|---|---|---:|---|---:|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(str(x).replace("|", "/").replace("\n", " ") for x in r) + " |")
    return "\n".join(out)


def main():
    os.makedirs(RESULTS, exist_ok=True)
    t_start = time.monotonic()
    root = make_ctx("root")
    make_bundle()
    rootless, rootless_why = None, None
    if IS_ROOT:
        uid, gid, rootless_why = ensure_test_user()
        if uid is not None:
            rootless = make_ctx("rootless", uid, gid)
    else:
        rootless_why = "bench not run as root: the rootless rows need root to switch to the test user"
    runnable = {}
    res = bench_startup(root, runnable)
    bench_rss(root, runnable)
    bench_seccomp(root, runnable)
    bench_many(root, runnable)
    bench_network(root, rootless, rootless_why)
    profile(root, runnable, res)
    elapsed = time.monotonic() - t_start

    md = ["# claudebox benchmarks — latest run", "",
          f"Generated by `make bench` (bench/run.sh) on {time.strftime('%Y-%m-%d %H:%M %Z')} in {elapsed:.0f} s. "
          "Every number below was measured in that run; rows that could not run say why. "
          "See bench/README.md for how to read it.", "",
          f"Machine: {versions()}", "", table(), "",
          "## Notes", "",
          f"- Start-up rows: hyperfine -N, {ROUNDS} invocations × {max(2, (RUNS + ROUNDS - 1) // ROUNDS)} runs "
          f"(+{WARMUP} warm-up each) with the command order reversed every other invocation; times pooled. "
          "\"vs bubblewrap\" is the ratio of medians against the bubblewrap row measured in the same invocations.",
          "- Every start-up command is exec'd through bench/withfd.c (a static shim that opens Docker's BPF as fd 9 "
          "for bwrap --seccomp 9; the others pass no fd), so all rows pay the same ~0.2 ms.",
          "- bubblewrap line: --unshare-user/ipc/pid/uts/net, --ro-bind / /, --size 1GiB --tmpfs /tmp, --proc /proc, "
          "--dev /dev, the project dir bound read-write (as claudebox does), --cap-drop ALL + CHOWN, DAC_OVERRIDE, "
          "SETGID, SETUID, --new-session, --die-with-parent, --seccomp with Docker's filter compiled once to BPF by "
          "bench/oci_seccomp_bpf.c from " + SECCOMP_JSON + ".",
          "- crun/runc: one OCI bundle (rootful, with a user namespace mapping root to root, as claudebox as root): "
          "pid/net/ipc/uts/mount/user/cgroup namespaces, read-only root, tmpfs /tmp 1g, /dev, /dev/pts, /dev/shm, "
          "/proc, the four capabilities, noNewPrivileges, Docker's seccomp JSON, OCI masked/read-only paths, "
          "memory 4g (no swap), cpu 2.0, pids 200. Its rootfs is a symlink-free copy of /bin/true and the libraries "
          "it needs (not the whole host root): every peer execs the same dynamic /bin/true, and crun/runc do not "
          "pay for cloning the host's mount tree — slightly in their favour. cgroupsPath is relative: runc nests "
          "it under its own cgroup in each v1 hierarchy, crun creates it at each hierarchy's root; both remove it "
          "at exit. crun 1.8 refuses hybrid cgroups, so it runs in `unshare -m` with a tmpfs over "
          "/sys/fs/cgroup/unified (a throwaway mount namespace, never the host's); that wrapper is measured alone.",
          "- Peak RSS: bench/peakrss.c runs the command under ptrace and reads each process's VmHWM at its exit; "
          "\"whole tree\" is wait4's ru_maxrss (what `/usr/bin/time -f %M` prints).",
          "- Seccomp: bench/syscall_loop.c (static) makes 200,000 getpid and personality(0xffffffff) calls per run; "
          "\"added\" is the difference of medians with and without the filter in the same sandbox. getpid is "
          "allowed unconditionally by Docker's filter, so the kernel's seccomp action cache (Linux ≥ 5.11) skips the "
          "BPF program for it; personality has argument checks and runs it every call.",
          f"- Many sandboxes: {CONC} `run … /bin/sleep 1` started at once, {CONC_REPS} times; leftovers compare "
          "/proc/self/mountinfo, processes named claudebox/pasta/slirp4netns (bwrap for its row), dirs named "
          "*claudebox* under /sys/fs/cgroup, veth links and /run/claudebox before and after (polled up to 5 s). Only what is "
          "ours counts (processes with our HOME, cgroup dirs with our project dir's name, veths cbox<launcher pid>): "
          "other engineers' tests run on this machine at the same time.",
          "- Rootless rows run as the unprivileged user " + TEST_USER + " (setpriv --reuid/--regid --clear-groups, "
          "HOME and XDG_RUNTIME_DIR in a temp dir, binaries copied to a world-readable temp dir).",
          ] + [f"- {n}" for n in notes] + ["", "## Where claudebox's start-up time goes", ""] + profile_md + [""]
    text = "\n".join(md)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
