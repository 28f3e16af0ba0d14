#!/usr/bin/python3
"""Scale-out of the multi-process layout (issue 12): cluster creates per second with 1 and
with 2 magnum-conductor processes, and API read throughput with 1 and with 2 magnum-api
processes, measured in the same run, in alternating rounds; prints the ratios.

The fleet (bench/multinode_fleet.py): magnum-api × 2 and magnum-conductor × 2 from
build/bin on a private MariaDB database and a private RabbitMQ vhost of the shared servers
of the multinode tests, `[drivers] enable_test_drivers = true`.

Creates are **conductor-bound** by construction: the template uses the `fake-blocking`
test driver with the label `fake_delay_ms`, so that each create holds one of its
conductor's `[conductor] workers` threads for (steps × delay): 5 steps for 1 master +
2 nodes (network, 3 nodes, control plane), each after the delay. The resumable `fake`
driver would not do: its waits are polls that hold no thread, so no conductor is ever the
limit. The conductor's capacity is then `workers / hold time`; the CPU per create is kept
small (`[x509] rsa_key_size = 1024`: four keys of ~8 ms, against ~166 ms at 2048 bits)
so that the 2 cores are not what limits the rate (at 2048 bits the run is CPU-bound and
no number of conductors on one 2-core machine goes faster). The client keeps
`--in-flight` creates outstanding (load_data.create_clusters), the same for both
configurations and more than 2 conductors' slots, so the conductors' queues never run dry.
The rate is taken from the server's own completion times (the last `cluster_event` of
each create): the least-squares slope over the middle 80 % of the completions (no
ramp-up or tail), and the whole round (first acceptance to last completion).

Reads: `wrk` (bench/wrk/report.lua) as two processes of `--read-connections / 2`
connections each, on the same API port (1 API) or one per API port (2 APIs), so the client
is the same in both cases; the summed req/s are compared.

    bench/multinode_scale.py [--rounds 3] [--clusters 48] [--delay-ms 200] [--workers 4]
        [--control] [--read-duration 5] [--read-connections 16] [--only creates|reads]

--control adds a third configuration, 1 conductor with twice the workers (the slots of
two conductors in one process): what two processes cost over the same slots in one.
docs/benchmarks.md, "Several conductors and API processes", has a run and its reading.

Writes bench/results/multinode-<time>.json.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402  (wrk, /proc, machine)
import load_data  # noqa: E402
import multinode_fleet  # noqa: E402
from harness import template_body  # noqa: E402

CREATE_STEPS = 5  # network, 1 master + 2 nodes (load_data.cluster_body), control plane
MARIADB_PID_FILE = os.path.join(compare.ROOT, "build", "mariadb", "mysqld.pid")
log = compare.log


def mariadb_pid():
    try:
        with open(MARIADB_PID_FILE) as f:
            pid = int(f.read().strip())
        compare.cpu_ticks(pid)
        return pid
    except (OSError, ValueError):
        return None


def cpu_of(pids):
    out = {}
    for name, pid in pids.items():
        try:
            out[name] = compare.cpu_ticks(pid)
        except OSError:
            out[name] = None
    return out


def cpu_delta(before, after):
    return {k: (after[k] - before[k]) / compare.CLK_TCK for k in before
            if before.get(k) is not None and after.get(k) is not None}


def parse_ts(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def completion_times(fleet, uuids):
    """Server-side completion time of each create: its last cluster_event (the terminal
    event, written with the terminal transition)."""
    quoted = ",".join("'%s'" % u for u in uuids)
    out = fleet.sql("SELECT MIN(created_at), MAX(created_at) FROM cluster_event "
                    "WHERE cluster_uuid IN (%s) GROUP BY cluster_uuid" % quoted)
    spans = [[parse_ts(v) for v in line.split("\t")] for line in out.splitlines()
             if line.strip()]
    accepted = fleet.sql("SELECT MIN(created_at) FROM cluster WHERE uuid IN (%s)" % quoted)
    events = {}
    for line in fleet.sql("SELECT cluster_uuid, step, created_at FROM cluster_event WHERE "
                          "cluster_uuid IN (%s) ORDER BY id" % quoted).splitlines():
        u, step, at = line.split("\t")
        events.setdefault(u, []).append((step, parse_ts(at)))
    gaps = {}
    for evs in events.values():
        for (_, t0), (step, t1) in zip(evs, evs[1:]):
            gaps.setdefault(step, []).append(t1 - t0)
    completion_times.gaps = {k: statistics.median(v) * 1000 for k, v in gaps.items()}
    # First to last event of one create: its steps' delays plus its writes (not its wait
    # in the queue), so the part of a worker's time that grows with the database's latency.
    span = statistics.median(last - first for first, last in spans) if spans else None
    return sorted(last for _, last in spans), parse_ts(accepted.strip()), span


def steady_rate(times, frac=0.1):
    """Completions per second over the middle 80 % of the completions (no ramp-up, no
    tail): the least-squares slope of completion count against time, which batches of
    completions (a conductor's workers started together finish together) do not bias as
    a first-to-last count would."""
    window = times[int(len(times) * frac):int(len(times) * (1 - frac))]
    if len(window) < 3:
        return None
    mean_t = statistics.mean(window)
    mean_i = (len(window) - 1) / 2.0
    var = sum((t - mean_t) ** 2 for t in window)
    if var <= 0:
        return None
    return sum((t - mean_t) * (i - mean_i) for i, t in enumerate(window)) / var


class LeaseSampler(threading.Thread):
    """Every `interval` s, the operations each conductor holds (its `cluster_lock` rows,
    taken at acceptance and released with the terminal transition): whether both are
    kept busy, from the database's point of view."""

    # Also the connections of this database waiting on a named lock (GET_LOCK: the
    # MariaDB back end's writer lock), under the name "(lock waiters)".
    QUERY = ("SELECT conductor_id, COUNT(*) FROM cluster_lock GROUP BY conductor_id; "
             "SELECT '(lock waiters)', COUNT(*) FROM information_schema.PROCESSLIST "
             "WHERE STATE = 'User lock' AND DB = DATABASE(); SELECT 'END';\n")

    def __init__(self, fleet, interval=0.1):
        super().__init__(daemon=True)
        self.client = fleet.sql_client()
        self.interval = interval
        self.samples = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            t = time.time()
            self.client.stdin.write(self.QUERY)
            self.client.stdin.flush()
            counts = {}
            for line in self.client.stdout:
                if line.strip() == "END":
                    break
                host, n = line.rstrip("\n").split("\t")
                counts[host] = int(n)
            self.samples.append((t, counts))
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join(10)
        self.client.stdin.close()
        self.client.wait(10)

    def summary(self, hosts, workers, t_from, t_to):
        """Per conductor over [t_from, t_to]: mean operations held, share of samples with
        fewer than `workers` (a worker idle for want of work)."""
        window = [c for t, c in self.samples if t_from <= t <= t_to]
        out = {"(lock waiters)": {"mean": statistics.mean(
            c.get("(lock waiters)", 0) for c in window) if window else None}}
        for h in hosts:
            held = [c.get(h, 0) for c in window]
            if held:
                out[h] = {"mean_held": statistics.mean(held),
                          "starved_share": sum(1 for n in held if n < workers) / len(held),
                          "samples": len(held)}
        return out


def cpu_pressure_us():
    """The kernel's total time some runnable task waited for a CPU (PSI), in µs."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().split("total=")[1])
    except (OSError, IndexError, ValueError):
        return None


def create_round(fleet, api, template, n, in_flight, start, pids, workers=4):
    before = cpu_of(pids)
    psi0 = cpu_pressure_us()
    sampler = LeaseSampler(fleet)
    sampler.start()
    t0 = time.monotonic()
    try:
        uuids, total, post = load_data.create_clusters("127.0.0.1", api.port, n, [template],
                                                       in_flight=in_flight, start=start,
                                                       poll_s=0.5)
    finally:
        sampler.stop()
    wall = time.monotonic() - t0
    cpu = cpu_delta(before, cpu_of(pids))
    psi1 = cpu_pressure_us()
    times, first_accept, span = completion_times(fleet, uuids)
    if len(times) != n:
        raise RuntimeError("%d of %d creates have events" % (len(times), n))
    lo, hi = int(len(times) * 0.1), int(len(times) * 0.9) - 1
    return {
        "leases": sampler.summary(fleet.running_conductors(), workers, times[lo], times[hi]),
        "clusters": n, "client_wall_s": wall,
        "server_wall_s": times[-1] - first_accept,
        "rate_whole": n / (times[-1] - first_accept),
        "rate_steady": steady_rate(times),
        "completion_times": [t - first_accept for t in times],
        "event_span_p50_s": span,
        "cpu_pressure_some": (psi1 - psi0) / (wall * 1e6) if psi0 is not None else None,
        "event_gap_p50_ms": completion_times.gaps,
        "to_complete_p50_s": statistics.median(total),
        "post_p50_ms": statistics.median(post) * 1000,
        "cpu_s": cpu,
        "cpu_ms_per_create": {k: v * 1000 / n for k, v in cpu.items()},
    }


def measure_creates(fleet, args, pids_base):
    api = fleet.apis["api-a"]
    template = api.post("/v1/clustertemplates", template_body(
        name="scale-blocking", driver="fake-blocking",
        labels={"fake_delay_ms": str(args.delay_ms)}), headers=load_data.IDENTITY)
    assert template.status == 201, template
    template = template.json["uuid"]
    hold = CREATE_STEPS * args.delay_ms / 1000.0
    configs = ["1", "2"] + (["1w"] if args.control else [])
    res = {"template_driver": "fake-blocking", "delay_ms": args.delay_ms,
           "steps": CREATE_STEPS, "hold_s": hold, "workers": args.workers,
           "in_flight": args.in_flight, "clusters_per_round": args.clusters,
           "ideal_rate": {k: slots(k, args.workers) / hold for k in configs},
           "configs": {k: CONFIG_TEXT[k] % args.workers for k in configs}, "rounds": []}
    start = 10000
    # A first small round per configuration warms each up (connections, pages, caches).
    for k in configs:
        set_conductors(fleet, k, args.workers)
        create_round(fleet, api, template, min(8, args.clusters), args.in_flight, start, {})
        start += 100
    for rnd in range(args.rounds):
        row = {}
        for k in configs if rnd % 2 == 0 else list(reversed(configs)):
            set_conductors(fleet, k, args.workers)
            pids = dict(pids_base)
            pids.update({"conductor " + n: p for n, p in fleet.pids("conductor").items()})
            r = create_round(fleet, api, template, args.clusters, args.in_flight, start, pids,
                             slots(k, args.workers) // len(CONFIGS[k]))
            start += args.clusters
            r["loadavg"] = open("/proc/loadavg").read().split()[:3]
            row[k] = r
            log("creates round %d, %s: steady %.2f/s, whole %.2f/s (ideal %.2f/s), "
                "to-complete p50 %.2f s, event span p50 %.3f s, CPU ms/create %s, held (mean, "
                "starved share) %s, GET_LOCK waiters %.2f, gaps ms %s, CPU pressure %.2f, "
                "load %s" % (
                    rnd + 1, res["configs"][k], r["rate_steady"] or 0, r["rate_whole"],
                    res["ideal_rate"][k], r["to_complete_p50_s"], r["event_span_p50_s"],
                    {n: round(v, 1) for n, v in r["cpu_ms_per_create"].items()},
                    {h: (round(v["mean_held"], 1), round(v["starved_share"], 2))
                     for h, v in r["leases"].items() if "mean_held" in v},
                    r["leases"]["(lock waiters)"]["mean"] or 0,
                    {s: round(v) for s, v in r["event_gap_p50_ms"].items()},
                    r["cpu_pressure_some"] or 0, " ".join(r["loadavg"])))
        for k in configs[1:]:
            row["ratio_steady_" + k] = row[k]["rate_steady"] / row["1"]["rate_steady"]
            row["ratio_whole_" + k] = row[k]["rate_whole"] / row["1"]["rate_whole"]
        res["rounds"].append(row)
        log("creates round %d: %s" % (rnd + 1, ", ".join(
            "%s/1 = %.2fx steady, %.2fx whole" % (k, row["ratio_steady_" + k],
                                                 row["ratio_whole_" + k])
            for k in configs[1:])))
    for k in configs[1:]:
        for key in ("ratio_steady_" + k, "ratio_whole_" + k):
            res[key] = summary([r[key] for r in res["rounds"]])
    return res


# The configurations of the create rounds: the conductors running, and the control (one
# conductor with the worker slots of two), which tells what two processes cost over the
# same number of slots in one.
CONFIGS = {"1": ("cond-a",), "2": ("cond-a", "cond-b"), "1w": ("cond-w",)}
CONFIG_TEXT = {"1": "1 conductor x %d workers", "2": "2 conductors x %d workers",
               "1w": "1 conductor x 2 x %d workers (control)"}


def slots(k, workers):
    return 2 * workers if k in ("2", "1w") else workers


def set_conductors(fleet, k, workers):
    for name in fleet.running_conductors():
        if name not in CONFIGS[k]:
            fleet.stop_conductor(name)
    for name in CONFIGS[k]:
        if name not in fleet.running_conductors():
            fleet.start_conductor(name, extra={"conductor": {"workers": str(2 * workers)}}
                                  if name == "cond-w" else None)


def run_wrk_pair(ports, path, connections, duration, headers):
    """Two wrk processes at once, connections/2 each, on ports[0] and ports[1]."""
    script = os.path.join(HERE, "wrk", "report.lua")
    out = [None, None]

    def one(i):
        out[i] = compare.run_wrk(ports[i], path, max(1, connections // 2), duration, script,
                                 headers)
    threads = [threading.Thread(target=one, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rps = sum(r["requests"] / (r["duration_us"] / 1e6) for r in out)
    errors = sum(sum(r["errors"].values()) for r in out)
    return {"rps": rps, "requests": sum(r["requests"] for r in out), "errors": errors,
            "p50_ms": max(r["latency_us"]["p50"] for r in out) / 1000.0,
            "p99_ms": max(r["latency_us"]["p99"] for r in out) / 1000.0, "wrk": out}


def measure_reads(fleet, args, pids_base):
    a, b = fleet.apis["api-a"], fleet.apis["api-b"]
    headers = compare.request_headers()
    data = load_data.load_ours("127.0.0.1", a.port, args.read_templates, args.read_clusters)
    paths = [p for p in args.read_paths.split(",") if p]
    configs = {"1": (a.port, a.port), "2": (a.port, b.port)}
    res = {"templates": len(data["templates"]), "clusters": len(data["clusters"]),
           "connections": args.read_connections, "duration_s": args.read_duration,
           "paths": {}}
    for path in paths:
        for ports in configs.values():  # warm-up of each API on this path
            run_wrk_pair(ports, path, 2, 1, headers)
        rounds = []
        for rnd in range(args.rounds):
            row = {}
            for k in (("1", "2") if rnd % 2 == 0 else ("2", "1")):
                before = cpu_of(pids_base)
                r = run_wrk_pair(configs[k], path, args.read_connections, args.read_duration,
                                 headers)
                cpu = cpu_delta(before, cpu_of(pids_base))
                r["cpu_s"] = cpu
                r["cpu_us_per_req"] = {n: v * 1e6 / r["requests"] for n, v in cpu.items()}
                r["loadavg"] = open("/proc/loadavg").read().split()[:3]
                del r["wrk"]
                row[k] = r
                if r["errors"]:
                    raise RuntimeError("%s: %d wrk errors" % (path, r["errors"]))
                log("reads %s round %d, %s API(s): %.0f req/s, p99 %.1f ms, CPU s %s, load %s" % (
                    path, rnd + 1, k, r["rps"], r["p99_ms"],
                    {n: round(v, 2) for n, v in cpu.items()}, " ".join(r["loadavg"])))
                compare.wait_idle(_Pids(list(pids_base.values())), max_s=30)
            row["ratio"] = row["2"]["rps"] / row["1"]["rps"]
            rounds.append(row)
        res["paths"][path] = {"rounds": rounds, "ratio": summary([r["ratio"] for r in rounds])}
    return res


class _Pids:
    """What compare.wait_idle expects of a server."""

    def __init__(self, pids):
        self._pids = [p for p in pids if p]

    def pids(self):
        return self._pids


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "all": values}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clusters", type=int, default=48, help="creates per measurement")
    ap.add_argument("--delay-ms", type=int, default=200, help="fake_delay_ms of each step")
    ap.add_argument("--workers", type=int, default=4, help="[conductor] workers")
    ap.add_argument("--in-flight", type=int, default=0,
                    help="creates outstanding (default 4 x 2 conductors' workers)")
    ap.add_argument("--control", action="store_true",
                    help="also 1 conductor with twice the workers (2 conductors' slots)")
    ap.add_argument("--rsa-key-size", type=int, default=1024)
    ap.add_argument("--read-duration", type=int, default=5)
    ap.add_argument("--read-connections", type=int, default=16)
    ap.add_argument("--read-paths", default="/v1/clustertemplates,/v1/clusters")
    ap.add_argument("--read-templates", type=int, default=50)
    ap.add_argument("--read-clusters", type=int, default=100)
    ap.add_argument("--only", choices=("creates", "reads"))
    ap.add_argument("--mysql-url", default=multinode_fleet.DEFAULT_MYSQL_URL)
    ap.add_argument("--rabbit-state", default=multinode_fleet.DEFAULT_RABBIT_STATE)
    ap.add_argument("--smoke", action="store_true", help="1 round, tiny loads")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.smoke:
        args.rounds, args.clusters, args.delay_ms, args.read_duration = 1, 16, 50, 1
        args.read_templates, args.read_clusters = 5, 5
    args.in_flight = args.in_flight or 4 * 2 * args.workers
    if args.only != "creates" and shutil.which("wrk") is None:
        sys.exit("multinode_scale.py: wrk is not installed (apt-get install wrk)")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_path = args.out or os.path.join(HERE, "results", "multinode-%s.json" % stamp)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    res = {"kind": "multinode_scale", "date": datetime.datetime.now().astimezone()
           .isoformat(timespec="seconds"), "git": compare.git_rev(),
           "machine": compare.machine(),
           "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])}
    # Health polls and reconciliation would take worker slots from the creates.
    fleet = multinode_fleet.Fleet(args.mysql_url, args.rabbit_state, keep=args.keep,
                                  conductor_config={
                                      "conductor": {"workers": str(args.workers),
                                                    "reconcile_enabled": "false"},
                                      "kubernetes": {"health_polling_interval": "3600"},
                                      "x509": {"rsa_key_size": str(args.rsa_key_size)}})
    try:
        for name in ("api-a", "api-b"):
            fleet.start_api(name)
        fleet.start_conductor("cond-a")
        pids = {"api " + n: p for n, p in fleet.pids("api").items()}
        if mariadb_pid():
            pids["mariadbd (shared)"] = mariadb_pid()
        log("multinode: database %s, vhost %s, dir %s" % (fleet.database, fleet.vhost,
                                                           fleet.dir))
        if args.only != "reads":
            res["creates"] = measure_creates(fleet, args, pids)
        if args.only != "creates":
            res["reads"] = measure_reads(fleet, args, pids)
        res["services_up"] = fleet.services_up(fleet.apis["api-a"])
    finally:
        fleet.close()
    res["machine"]["loadavg_at_end"] = open("/proc/loadavg").read().split()[:3]
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print_summary(res, out_path)
    return 0


def print_summary(res, out_path):
    m = res["machine"]
    print("multinode: %s, git %s, %s, %d cores, load %s -> %s" % (
        res["date"], res["git"], m["cpu"], m["cores"], " ".join(m["loadavg_at_start"]),
        " ".join(m["loadavg_at_end"])))
    c = res.get("creates")
    if c:
        for i, r in enumerate(c["rounds"]):
            print("creates round %d: %s" % (i + 1, "; ".join(
                "%s %.2f/s (whole %.2f/s)" % (c["configs"][k], r[k]["rate_steady"],
                                              r[k]["rate_whole"])
                for k in c["configs"])))
        for k in list(c["configs"])[1:]:
            print("creates ratio %s / %s: %.2fx median (%.2f-%.2f) steady, %.2fx whole; "
                  "fake-blocking %d steps x %d ms, %d in flight" % (
                      c["configs"][k], c["configs"]["1"], c["ratio_steady_" + k]["median"],
                      c["ratio_steady_" + k]["min"], c["ratio_steady_" + k]["max"],
                      c["ratio_whole_" + k]["median"], c["steps"], c["delay_ms"],
                      c["in_flight"]))
    rd = res.get("reads")
    if rd:
        for path, p in rd["paths"].items():
            print("reads ratio 2 APIs / 1 on %s: %.2fx median (%.2f-%.2f); req/s %s" % (
                path, p["ratio"]["median"], p["ratio"]["min"], p["ratio"]["max"],
                ["%.0f/%.0f" % (r["1"]["rps"], r["2"]["rps"]) for r in p["rounds"]]))
    print("multinode: raw results %s" % out_path)


if __name__ == "__main__":
    sys.exit(main())
