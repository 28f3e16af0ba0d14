#!/usr/bin/python3
"""Ours against the previous main on a few endpoints, repeated: min and median of each figure.

compare.py measures each endpoint and connection count once per build. On a machine shared
with other builds one run of 10 s is noisy, so this alternates the two builds (which goes
first changes every round) for --rounds rounds of --duration seconds each and prints the
minimum and median of CPU per request, req/s and p99 per build, and the ratio of the medians.
Same data set and method as compare.py (50 templates, 100 clusters, each loaded through its
own build's API).

    MAGNUM_BIN_DIR=<ours>/bin bench/ab_repeat.py --previous-bin <previous>/bin \
        [--paths /v1/clustertemplates,/v1/clusters/detail] [--connections 2,16,64] \
        [--rounds 3] [--duration 5] [--pin-cpus 0:1] [--out results.json]
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import load_data  # noqa: E402


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "all": values}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--previous-bin", required=True)
    ap.add_argument("--previous-label", default="previous")
    ap.add_argument("--paths", default="/v1/clustertemplates,/v1/clusters/detail")
    ap.add_argument("--connections", default="2,16,64")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--out")
    ap.add_argument("--script", default="report.lua",
                    help="wrk script in bench/wrk (template_mix.lua: the POST+DELETE write mix)")
    ap.add_argument("--pin-cpus", metavar="SERVER:WRK",
                    help="run the servers on CPUs SERVER and wrk on CPUs WRK (taskset lists, "
                         "e.g. 0:1), so that wrk does not share the server's core")
    args = ap.parse_args()
    if args.pin_cpus:
        compare.PIN_SERVER_CPUS, _, compare.PIN_WRK_CPUS = args.pin_cpus.partition(":")
        if not compare.PIN_SERVER_CPUS or not compare.PIN_WRK_CPUS:
            ap.error("--pin-cpus wants SERVER:WRK, e.g. 0:1")
    paths = [p for p in args.paths.split(",") if p]
    conns = [int(c) for c in args.connections.split(",") if c]
    headers = compare.request_headers()
    script = os.path.join(HERE, "wrk", args.script)
    writes = args.script != "report.lua"
    tmp = tempfile.mkdtemp(prefix="magnum-bench-ab-")
    ours = compare.Ours(os.path.join(tmp, "ours"))
    prev = compare.Ours(os.path.join(tmp, "previous"), bin_dir=args.previous_bin)
    prev.label = args.previous_label
    servers = []
    results = {"kind": "ab_repeat", "date": datetime.datetime.now().astimezone()
               .isoformat(timespec="seconds"), "git": compare.git_rev(),
               "machine": compare.machine(), "command": " ".join(sys.argv),
               "rounds": args.rounds, "duration_s": args.duration,
               "previous_label": args.previous_label, "runs": {}}
    try:
        for srv in (ours, prev):
            srv.start()
            servers.append(srv)
            load_data.load_ours("127.0.0.1", srv.port, 50, 100)
        samples = {}
        for rnd in range(args.rounds):
            order = (ours, prev) if rnd % 2 == 0 else (prev, ours)
            for path in paths:
                for c in conns:
                    for srv in order:
                        # Each run of the write mix names its templates apart (script argument).
                        extra = (uuid.uuid4().hex[:8],) if writes else ()
                        compare.run_wrk(srv.port, path, min(c, 2), 1, script, headers,
                                        script_args=extra)  # warm-up
                        extra = (uuid.uuid4().hex[:8],) if writes else ()
                        r = compare.measure(srv, path, c, args.duration, script, headers,
                                            script_args=extra)
                        key = "%s c=%d" % (path, c)
                        samples.setdefault(key, {}).setdefault(srv.label, []).append(r)
                        compare.log("round %d %-28s c=%-3d %-9s %8.1f req/s p99 %8.2f ms "
                                    "cpu %7.1f us/req" % (rnd + 1, path, c, srv.label, r["rps"],
                                                          r["p99_ms"], r["cpu_us_per_req"] or 0))
        for key, by in samples.items():
            entry = {}
            for label, runs in by.items():
                entry[label] = {
                    "cpu_us_per_req": summary([r["cpu_us_per_req"] for r in runs]),
                    "rps": summary([r["rps"] for r in runs]),
                    "p99_ms": summary([r["p99_ms"] for r in runs]),
                    "p50_ms": summary([r["p50_ms"] for r in runs]),
                }
            o, p = entry["ours"], entry[args.previous_label]
            entry["cpu_ratio_of_medians"] = o["cpu_us_per_req"]["median"] / p["cpu_us_per_req"]["median"]
            results["runs"][key] = entry
        results["load_average_end"] = open("/proc/loadavg").read().split()[:3]
    finally:
        for s in reversed(servers):
            s.stop()
    out = args.out or os.path.join(HERE, "results", "ab-%s.json" %
                                   datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print("%-34s %-9s %21s %19s %19s" % ("endpoint", "build", "CPU us/req min/med",
                                          "req/s min/med", "p99 ms min/med"))
    for key, e in results["runs"].items():
        for label in ("ours", args.previous_label):
            s = e[label]
            print("%-34s %-9s %10.0f %10.0f %9.0f %9.0f %9.2f %9.2f" % (
                key, label, s["cpu_us_per_req"]["min"], s["cpu_us_per_req"]["median"],
                s["rps"]["min"], s["rps"]["median"], s["p99_ms"]["min"], s["p99_ms"]["median"]))
        print("%-34s CPU ratio of medians %.2fx" % (key, e["cpu_ratio_of_medians"]))
    print("written to", out)


if __name__ == "__main__":
    main()
