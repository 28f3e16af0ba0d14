#!/usr/bin/python3
"""What a request costs magnumd beyond the API handler: CPU per request by thread under wrk.

Starts magnumd with the compare.py data set (50 templates, 100 clusters by default), then for
each connection count runs wrk on --path and reports, besides req/s and latency, the CPU per
request of every magnumd thread (utime + stime from /proc/<pid>/task/*/stat; the server
names its threads magnum-http-io and magnum-http-wk), its context switches (voluntary +
involuntary, /proc/<pid>/task/*/status) and its minor page faults. glibc malloc settings can
be tried without a rebuild: magnumd inherits GLIBC_TUNABLES from the environment. Compare
the handler threads' CPU with the in-process micro-benchmark (BM_HandleListTemplates50) to
see what the HTTP layer, the access log and the thread handoff add.

    bench/http_overhead.py --path /v1/clustertemplates --connections 1,2,16,64 [--duration 5]
        [--handler-threads N] [--json out.json]

Binds 127.0.0.1 only; one wrk run at a time, each of fixed duration; magnumd is stopped on
exit. MAGNUM_BIN_DIR picks the build (default build/bin).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402


def thread_stats(pid):
    """{tid: (name, cpu_ticks, voluntary_switches, involuntary_switches, minor_faults)} of
    `pid`'s threads."""
    out = {}
    task = "/proc/%d/task" % pid
    for tid in os.listdir(task):
        try:
            with open(os.path.join(task, tid, "stat")) as f:
                raw = f.read()
            name = raw[raw.index("(") + 1:raw.rindex(")")]
            fields = raw.rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            minflt = int(fields[7])
            vol = invol = 0
            with open(os.path.join(task, tid, "status")) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        invol = int(line.split()[1])
            out[int(tid)] = (name, ticks, vol, invol, minflt)
        except (OSError, ValueError):
            pass  # the thread exited meanwhile
    return out


def measure(ours, path, connections, duration, script, headers):
    before = thread_stats(ours.pid)
    r = compare.run_wrk(ours.port, path, connections, duration, script, headers)
    after = thread_stats(ours.pid)
    n = r["requests"]
    threads = []
    for tid, (name, ticks, vol, invol, minflt) in after.items():
        b = before.get(tid, (name, 0, 0, 0, 0))
        threads.append({"tid": tid, "name": name,
                        "cpu_us_per_req": (ticks - b[1]) * 1e6 / compare.CLK_TCK / n if n else 0,
                        "switches_per_req": ((vol - b[2]) + (invol - b[3])) / n if n else 0,
                        "involuntary_per_req": (invol - b[3]) / n if n else 0,
                        "faults_per_req": (minflt - b[4]) / n if n else 0})
    threads.sort(key=lambda t: -t["cpu_us_per_req"])
    secs = r["duration_us"] / 1e6
    res = {"connections": connections, "requests": n, "rps": n / secs if secs else 0,
           "p50_ms": r["latency_us"]["p50"] / 1000.0, "p99_ms": r["latency_us"]["p99"] / 1000.0,
           "errors": r["errors"],
           "cpu_us_per_req": sum(t["cpu_us_per_req"] for t in threads),
           "switches_per_req": sum(t["switches_per_req"] for t in threads),
           "faults_per_req": sum(t["faults_per_req"] for t in threads),
           "threads": [t for t in threads if t["cpu_us_per_req"] >= 0.5]}
    compare.wait_idle(ours)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default="/v1/clustertemplates")
    ap.add_argument("--connections", default="1,2,16,64")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--templates", type=int, default=50)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--handler-threads", type=int, default=0,
                    help="[api] handler_threads (0: the server's default)")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="magnum-bench-http-")
    ours = compare.Ours(os.path.join(tmp, "ours"))
    if args.handler_threads:
        ours.m = compare.harness.Magnumd(
            extra_config={"quotas": {"max_clusters_per_project": "100000"},
                          "api": {"handler_threads": str(args.handler_threads)}},
            workdir=ours.dir)
    results = []
    try:
        path, headers, script = compare.start_loaded(ours, args.path, args.templates,
                                                     args.clusters)
        compare.wait_idle(ours)
        load0 = os.getloadavg()[0]
        for c in [int(x) for x in args.connections.split(",")]:
            res = measure(ours, path, c, args.duration, script, headers)
            results.append(res)
            print("GET %s c=%d: %.0f req/s, p50 %.2f ms, p99 %.2f ms, CPU %.1f us/req, "
                  "%.2f context switches/req, %.2f page faults/req, errors %s" % (
                      path, c, res["rps"], res["p50_ms"], res["p99_ms"], res["cpu_us_per_req"],
                      res["switches_per_req"], res["faults_per_req"],
                      {k: v for k, v in res["errors"].items() if v}))
            for t in res["threads"]:
                print("    thread %-16s %6d: %7.1f us/req, %.2f switches/req (%.2f involuntary), "
                      "%.2f page faults/req" % (t["name"], t["tid"], t["cpu_us_per_req"],
                                                t["switches_per_req"], t["involuntary_per_req"],
                                                t["faults_per_req"]))
        hwm = compare.status_kb(ours.pid, "VmHWM")
        time.sleep(3)  # the server returns freed memory to the OS once idle (malloc_trim)
        print("magnumd peak RSS (VmHWM) %d kB, RSS 3 s after the last run %d kB" % (
            hwm, compare.status_kb(ours.pid, "VmRSS")))
        print("load average %.2f at the start, %.2f at the end" % (load0, os.getloadavg()[0]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"path": path, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                           "bin_dir": os.environ.get("MAGNUM_BIN_DIR", ""),
                           "results": results}, f, indent=1)
    finally:
        ours.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
