#!/usr/bin/python3
"""Ours against the Python original, in one run, on the same machine.

Starts magnumd (SQLite, noauth, fake driver) and Debian's magnum-api under uwsgi (see
setup-original.sh) on loopback ports, loads the same data into both, runs the same wrk
loads on each endpoint at each connection count (ours then the original, endpoint by
endpoint, so drift hits both alike), and prints per endpoint req/s, p50/p99, the ratio
ours/original, CPU-µs per request (from /proc/<pid>/stat) and peak RSS. The raw results
go to a JSON file. The last lines printed are one per endpoint with the word `ratio`.

Normally run through bench/run.sh. Stdlib only; Debian's /usr/bin/python3.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import load_data  # noqa: E402
from summary import LOW_CONFIDENCE_REQUESTS, print_summary  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
# Optional CPU split (ab_repeat.py --pin-cpus): wrk on one set of CPUs, the servers under
# test on another, so that the load generator does not take the server's core (p99 then
# measures the server, not the scheduler's sharing of two cores). None: no pinning.
PIN_SERVER_CPUS = None
PIN_WRK_CPUS = None
PAGE = os.sysconf("SC_PAGE_SIZE")
# The original (Magnum 15.0.1) supports up to 1.10: both are asked for it, so both render
# the same fields.
API_VERSION = "container-infra 1.10"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- /proc ------------------------------------------------------------------------------

def cpu_ticks(pid):
    """utime + stime of a process (all its threads, dead ones included), in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _die_with_parent():
    """preexec_fn: SIGTERM this child when the harness dies, even by SIGKILL (a ctest
    timeout), so no uwsgi or stub outlives the run."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- servers ---------------------------------------------------------------------------

class Ours:
    label = "ours"

    def __init__(self, workdir, bin_dir=None):
        """`bin_dir`: where magnumd is (default: MAGNUM_BIN_DIR), e.g. the previous main's."""
        os.makedirs(workdir, exist_ok=True)
        self.m = harness.Magnumd(
            extra_config={"quotas": {"max_clusters_per_project": "100000"}},
            workdir=workdir)
        self.dir = workdir
        self.bin_dir = bin_dir

    def start(self):
        default_bin_dir = harness.BIN_DIR
        if self.bin_dir:
            harness.BIN_DIR = self.bin_dir
        try:
            self.m.start()
        finally:
            harness.BIN_DIR = default_bin_dir
        self.port = self.m.port
        self.pid = self.m.proc.pid
        return self

    def pids(self):
        return [self.pid]

    def db_path(self):
        return os.path.join(self.dir, "magnum.sqlite")

    def memory(self):
        return {"rss_kb": status_kb(self.pid, "VmRSS"), "hwm_kb": status_kb(self.pid, "VmHWM"),
                "pss_kb": pss_kb(self.pid)}

    def stop(self):
        self.m.stop()


class Original:
    label = "original"

    def __init__(self, workdir):
        self.dir = workdir
        self.stub = None
        self.proc = None

    def start(self, timeout=120):
        self.stub = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "keystone_stub.py"), "--port", "0"],
            stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
        line = self.stub.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError("keystone_stub.py did not start: %r" % line)
        self.stub_port = int(line.strip().rsplit(":", 1)[1])
        self.port = free_port()
        subprocess.run([os.path.join(HERE, "setup-original.sh"), "--no-install",
                        "--dir", self.dir, "--port", str(self.port),
                        "--keystone-port", str(self.stub_port)], check=True)
        self.proc = subprocess.Popen(["uwsgi", "--ini", os.path.join(self.dir, "uwsgi.ini")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=self.dir, preexec_fn=_die_with_parent)
        deadline = time.time() + timeout
        c = load_data.Client("127.0.0.1", self.port, timeout=30)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("uwsgi exited (%s); see %s/uwsgi.log" % (self.proc.returncode,
                                                                           self.dir))
            try:
                # Both workers load the app lazily (lazy-apps): wait until each answered.
                s, _, _ = c.request("GET", "/v1")
                if s == 200 and len(self.workers()) >= 2:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("the original did not answer GET /v1 in %ds" % timeout)
            time.sleep(0.5)
        c.close()
        return self

    def workers(self):
        return children(self.proc.pid) if self.proc else []

    def pids(self):
        return [self.proc.pid] + self.workers()

    def db_path(self):
        return os.path.join(self.dir, "magnum.sqlite")

    def memory(self):
        pids = self.pids()
        return {"rss_kb": sum(status_kb(p, "VmRSS") for p in pids),
                "hwm_kb": sum(status_kb(p, "VmHWM") for p in pids),
                "pss_kb": sum(pss_kb(p) for p in pids),
                "processes": len(pids)}

    def keystone_requests(self):
        try:
            c = load_data.Client("127.0.0.1", self.stub_port)
            s, b, _ = c.request("GET", "/count")
            c.close()
            return b["token_requests"] if s == 200 else None
        except OSError:
            return None

    def stub_cpu_ticks(self):
        return cpu_ticks(self.stub.pid) if self.stub else 0

    def stop(self):
        for p in (self.proc, self.stub):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def api_only_idle_memory(workdir):
    """Idle memory of our API-only binary (magnum-api), which needs a migrated database:
    magnum-db-manage upgrade first, then magnum-api on port 0. None when not built."""
    try:
        harness.binary("magnum-api")
        dbm = harness.binary("magnum-db-manage")
    except RuntimeError:
        return None
    os.makedirs(workdir, exist_ok=True)
    m = harness.Magnumd(program="magnum-api", workdir=workdir, test_drivers=False)
    subprocess.run([dbm, "--config-file", m.config_path, "upgrade"], check=True,
                   capture_output=True)
    m.start()
    try:
        time.sleep(0.5)
        pid = m.proc.pid
        return {"rss_kb": status_kb(pid, "VmRSS"), "hwm_kb": status_kb(pid, "VmHWM"),
                "pss_kb": pss_kb(pid)}
    finally:
        m.stop()


# ---- wrk -------------------------------------------------------------------------------

def run_wrk(port, path, connections, duration, script, headers, timeout_s=30, script_args=()):
    cmd = (["taskset", "-c", PIN_WRK_CPUS] if PIN_WRK_CPUS else []) + ["wrk", "-t", str(min(2, connections)), "-c", str(connections),
           "-d", "%ds" % duration, "--timeout", "%ds" % timeout_s, "-s", script]
    for k, v in headers.items():
        cmd += ["-H", "%s: %s" % (k, v)]
    cmd.append("http://127.0.0.1:%d%s" % (port, path))
    if script_args:
        cmd += ["--"] + list(script_args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout_s + 30)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise RuntimeError("wrk gave no result (rc %d): %s %s" % (out.returncode, out.stdout,
                                                              out.stderr))


def wait_idle(server, max_s=900, interval=0.5, idle_ticks=1):
    """Waits until `server` stops using CPU (two quiet intervals in a row) and returns the
    seconds waited. wrk closes its connections at the end of a run, but uwsgi still works
    through the requests already queued (64 queued details take the original about a
    minute); measuring the next run meanwhile would charge that work to whoever runs next."""
    t0 = time.time()
    quiet = 0
    last = sum(cpu_ticks(p) for p in server.pids())
    while time.time() - t0 < max_s:
        time.sleep(interval)
        now = sum(cpu_ticks(p) for p in server.pids())
        quiet = quiet + 1 if now - last <= idle_ticks else 0
        last = now
        if quiet >= 2:
            break
    return time.time() - t0


def measure(server, path, connections, duration, script, headers, script_args=()):
    if PIN_SERVER_CPUS:
        for p in server.pids():  # -a: every thread of the process
            subprocess.run(["taskset", "-a", "-p", "-c", PIN_SERVER_CPUS, str(p)],
                           capture_output=True, check=True)
    before = sum(cpu_ticks(p) for p in server.pids())
    stub_before = server.stub_cpu_ticks() if isinstance(server, Original) else 0
    ks_before = server.keystone_requests() if isinstance(server, Original) else None
    r = run_wrk(server.port, path, connections, duration, script, headers,
                script_args=script_args)
    cpu_s = (sum(cpu_ticks(p) for p in server.pids()) - before) / CLK_TCK
    secs = r["duration_us"] / 1e6
    res = {
        "requests": r["requests"],
        "rps": r["requests"] / secs if secs else 0.0,
        "p50_ms": r["latency_us"]["p50"] / 1000.0,
        "p90_ms": r["latency_us"]["p90"] / 1000.0,
        "p99_ms": r["latency_us"]["p99"] / 1000.0,
        "max_ms": r["latency_us"]["max"] / 1000.0,
        "errors": r["errors"],
        "cpu_s": cpu_s,
        "cpu_us_per_req": cpu_s * 1e6 / r["requests"] if r["requests"] else None,
        "memory": server.memory(),
        "wrk": r,
    }
    res["drain_s"] = wait_idle(server)
    if isinstance(server, Original):
        stub_s = (server.stub_cpu_ticks() - stub_before) / CLK_TCK
        ks_after = server.keystone_requests()
        res["keystone_stub_cpu_s"] = stub_s
        if ks_before is not None and ks_after is not None and r["requests"]:
            res["keystone_requests_per_req"] = (ks_after - ks_before) / r["requests"]
    return res


# ---- the run ---------------------------------------------------------------------------

def request_headers():
    """The headers of every benchmark request (see docs/benchmarks.md, Method)."""
    headers = dict(load_data.IDENTITY)
    headers["OpenStack-API-Version"] = API_VERSION
    load_data.HEADERS["OpenStack-API-Version"] = API_VERSION
    return headers


def start_loaded(ours, path, templates, clusters):
    """Starts `ours`, loads `templates` templates and `clusters` clusters through its API and
    warms `path` up ({uuid}: the first cluster's). Returns (path, headers, wrk script); the
    caller stops `ours`."""
    headers = request_headers()
    ours.start()
    data = load_data.load_ours("127.0.0.1", ours.port, templates, clusters)
    path = path.replace("{uuid}", data["clusters"][0] if data["clusters"] else "")
    script = os.path.join(HERE, "wrk", "report.lua")
    run_wrk(ours.port, path, 2, 1, script, headers)  # warm-up
    return path, headers, script


def probe(port, path):
    c = load_data.Client("127.0.0.1", port, timeout=300)
    s, body, raw = c.request("GET", path)
    c.close()
    items = None
    if isinstance(body, dict):
        for k in ("clustertemplates", "clusters"):
            if isinstance(body.get(k), list):
                items = len(body[k])
    return {"status": s, "bytes": len(raw), "items": items}


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "loadavg_at_start": load, "python": platform.python_version()}


def git_rev():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true",
                    help="a few seconds: 2 endpoints, 2 connections, 1 s, tiny data")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (whole)")
    ap.add_argument("--connections", default="2,16,64")
    ap.add_argument("--templates", type=int, default=50)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--original", choices=("auto", "yes", "no"), default="auto",
                    help="auto: run the original when its packages are installed; "
                         "no (or not installed): ours against ours, labelled so")
    ap.add_argument("--previous-bin", metavar="DIR",
                    help="compare with the magnumd in DIR (the previous main's build) instead of "
                         "the original: every figure of ours re-measured in the same run")
    ap.add_argument("--previous-label", default="previous",
                    help="what the --previous-bin build is (e.g. its git commit)")
    ap.add_argument("--out", help="results JSON (default bench/results/compare-<time>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--summarize", metavar="JSON", help="print the summary of a results file")
    args = ap.parse_args()
    if args.summarize:
        with open(args.summarize) as f:
            print_summary(json.load(f), args.summarize)
        return 0

    if args.smoke:
        args.duration = 1
        args.connections = "2"
        args.templates, args.clusters = 5, 0
    conns = [int(c) for c in args.connections.split(",") if c]
    if shutil.which("wrk") is None:
        sys.exit("compare.py: wrk is not installed (apt-get install wrk, or "
                 "bench/setup-original.sh which installs it with the original)")

    have_original = subprocess.run([os.path.join(HERE, "setup-original.sh"), "--check"]).returncode == 0
    if args.original == "yes" and not have_original:
        sys.exit("compare.py: the original is not installed: run bench/setup-original.sh "
                 "--dir /tmp/x --port 1 --keystone-port 1 once as root, or use --original no")
    use_original = have_original and args.original != "no" and not args.previous_bin
    reason = None
    if not use_original:
        reason = ("--previous-bin" if args.previous_bin else "--original no"
                  if args.original == "no" else
                  "magnum-api/uwsgi/uwsgi-plugin-python3 not installed")
    if use_original:
        baseline, baseline_label = "original", "original"
    elif args.previous_bin:
        baseline = "previous main (%s, %s)" % (args.previous_label, args.previous_bin)
        baseline_label = "previous"
    else:
        baseline, baseline_label = "ours (original not available: %s)" % reason, "ours#2"

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_path = args.out or os.path.join(HERE, "results", (
        "last-smoke-compare.json" if args.smoke else "compare-%s.json" % stamp))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="magnum-bench-")
    servers = []

    # SIGTERM/SIGHUP unwind like Ctrl-C, so the finally block stops every server.
    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    headers = request_headers()
    results = {
        "kind": "compare", "smoke": args.smoke, "date": datetime.datetime.now().astimezone()
        .isoformat(timespec="seconds"), "git": git_rev(), "machine": machine(),
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
        "duration_s": args.duration, "connections": conns,
        "data": {"templates": args.templates, "clusters": args.clusters},
        "api_version": API_VERSION, "headers": headers,
        "baseline": baseline, "baseline_label": baseline_label,
        "endpoints": {}, "endpoint_order": [], "servers": {},
    }
    try:
        ours = Ours(os.path.join(tmp, "ours"))
        t0 = time.time()
        ours.start()
        servers.append(ours)
        time.sleep(0.5)
        results["servers"]["ours"] = {"startup_s": time.time() - t0, "idle_empty": ours.memory()}
        results["servers"]["ours_api_only"] = api_only_idle_memory(os.path.join(tmp, "api"))
        log("ours: magnumd pid %d on 127.0.0.1:%d (idle RSS %d kB)" % (
            ours.pid, ours.port, results["servers"]["ours"]["idle_empty"]["rss_kb"]))
        t0 = time.time()
        data = load_data.load_ours("127.0.0.1", ours.port, args.templates, args.clusters)
        results["data"]["load_ours_s"] = time.time() - t0
        log("ours: %d templates, %d clusters loaded through the API in %.1fs" % (
            len(data["templates"]), len(data["clusters"]), time.time() - t0))

        if use_original:
            base = Original(os.path.join(tmp, "original"))
            t0 = time.time()
            base.start()
            servers.append(base)
            results["servers"]["original"] = {"startup_s": time.time() - t0,
                                              "idle_empty": base.memory()}
            # The rows of ours, copied into the original's database (it cannot create).
            counts = load_data.copy_rows(ours.db_path(), base.db_path())
            base_data = data
            results["data"]["copied_to_original"] = counts
            log("original: uwsgi pid %d (workers %s) on 127.0.0.1:%d; copied %s" % (
                base.proc.pid, base.workers(), base.port, counts))
        else:
            # Ours against the previous main, or (exercising the harness only) a second ours,
            # on the same data.
            base = Ours(os.path.join(tmp, "ours2"), bin_dir=args.previous_bin)
            base.label = baseline_label
            if args.previous_bin:
                # Its own data through its own API (it may not read our newer schema): the same
                # shape, other UUIDs.
                base.start()
                servers.append(base)
                t0 = time.time()
                base_data = load_data.load_ours("127.0.0.1", base.port, args.templates,
                                                args.clusters)
                results["data"]["load_previous_s"] = time.time() - t0
            else:
                load_data.backup(ours.db_path(), base.db_path())
                shutil.copy(os.path.join(ours.dir, "magnum.key"),
                            os.path.join(base.dir, "magnum.key"))
                base.start()
                servers.append(base)
                base_data = data
            log("baseline: a second magnumd (pid %d, port %d): %s" % (base.pid, base.port, reason))
        results["servers"]["ours"]["idle_loaded"] = ours.memory()
        if use_original:
            results["servers"]["original"]["idle_loaded"] = base.memory()

        endpoints = [("GET /v1/clustertemplates", "/v1/clustertemplates", "report.lua"),
                     ("GET /v1", "/v1", "report.lua")]
        if not args.smoke:
            endpoints += [("GET /v1/clusters/detail", "/v1/clusters/detail", "report.lua"),
                          ("GET /v1/clusters/{uuid}", "/v1/clusters/{uuid}"
                           if data["clusters"] else None, "report.lua"),
                          ("POST+DELETE /v1/clustertemplates", "/v1/clustertemplates",
                           "template_mix.lua")]
            endpoints = [e for e in endpoints if e[1]]
            # GET /v1 (the original's best case: no DB, no policy) last among the reads.
            endpoints = [endpoints[0], endpoints[2], endpoints[3], endpoints[1]] + endpoints[4:]

        def path_on(srv, path):
            """`path` with {uuid} = the first cluster of `srv`'s data."""
            d = data if srv is ours else base_data
            return path.replace("{uuid}", d["clusters"][0]) if "{uuid}" in path else path

        for name, template, script in endpoints:
            path = path_on(ours, template)
            entry = {"path": path, "script": script, "runs": {}}
            if template != path:
                entry["baseline_path"] = path_on(base, template)
            if script == "report.lua":
                entry["probe"] = {"ours": probe(ours.port, path),
                                  "baseline": probe(base.port, path_on(base, template))}
            for c in conns:
                run = {}
                for srv, key in ((ours, "ours"), (base, "baseline")):
                    path = path_on(srv, template)
                    if not args.smoke:
                        # A warm-up (not recorded): connections, caches, lazy imports.
                        run_wrk(srv.port, path if script == "report.lua" else "/v1", min(c, 2),
                                1, os.path.join(HERE, "wrk", "report.lua"), headers)
                    run[key] = measure(srv, path, c, args.duration,
                                       os.path.join(HERE, "wrk", script), headers,
                                       script_args=(uuid.uuid4().hex[:8],))
                    r = run[key]
                    log("  %-34s c=%-3d %-8s %10.1f req/s  p50 %8.2f ms  p99 %8.2f ms  "
                        "cpu %8.1f us/req  errors %s  drained in %.1fs" % (
                            name, c, srv.label, r["rps"], r["p50_ms"], r["p99_ms"],
                            r["cpu_us_per_req"] or 0, {k: v for k, v in r["errors"].items() if v},
                            r["drain_s"]))
                ok_base = run["baseline"]["rps"] > 0 and not (
                    script == "template_mix.lua" and "201" not in run["baseline"]["wrk"]["status"])
                run["ratio_rps"] = run["ours"]["rps"] / run["baseline"]["rps"] if ok_base else None
                # Fewer completed requests than this: the rate is a few samples and the CPU
                # per request also counts the work on requests still queued at the end.
                run["low_confidence"] = run["baseline"]["requests"] < LOW_CONFIDENCE_REQUESTS
                entry["runs"][str(c)] = run
            results["endpoints"][name] = entry
            results["endpoint_order"].append(name)

        results["servers"]["ours"]["after_load"] = ours.memory()
        if use_original:
            results["servers"]["original"]["after_load"] = base.memory()
        elif args.previous_bin:
            results["servers"]["previous"] = {"after_load": base.memory()}
    finally:
        for s in reversed(servers):
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                log("stopping %s: %s" % (s.label, e))
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log("kept %s" % tmp)

    with open("/proc/loadavg") as f:
        results["machine"]["loadavg_at_end"] = f.read().split()[:3]
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print_summary(results, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
