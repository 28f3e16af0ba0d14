#!/usr/bin/python3
"""Control-plane benchmark of magnumd with the `fake` test driver.

1. N cluster creates (default 1,000), at most `--in-flight` (8) not yet CREATE_COMPLETE at
   any time: wall time to the last CREATE_COMPLETE, clusters/s, POST latency and
   POST-to-complete latency, magnumd CPU per cluster (what dominates: the four RSA keys of
   each cluster's certificates; see BM_GenerateCa in the micro-benchmarks), and with
   --perf a perf profile of magnumd during the creates.
2. List latency with --list-total (10,000) clusters in the database (the created ones plus
   direct row copies of one of them): first page against a deep marker page (the last full
   page) of GET /v1/clusters and /v1/clusters/detail, for page sizes 20 and 1000, with wrk
   on one connection.

Writes bench/results/controlplane-<time>.json. Normally run through bench/run.sh.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402  (servers, /proc and wrk helpers)
import load_data  # noqa: E402


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def perf_summary(data_file, out_txt):
    """Top of `perf report` (self time by shared object and symbol), as text."""
    rep = subprocess.run(["perf", "report", "-i", data_file, "--stdio", "--no-children",
                          "-g", "none", "--sort", "dso,symbol", "--percent-limit", "1"],
                         capture_output=True, text=True)
    dsos = subprocess.run(["perf", "report", "-i", data_file, "--stdio", "--no-children",
                           "-g", "none", "--sort", "dso", "--percent-limit", "0.5"],
                          capture_output=True, text=True)
    text = "\n".join(l.rstrip(" -") for l in (dsos.stdout + "\n" + rep.stdout).splitlines())
    with open(out_txt, "w") as f:
        f.write(text)
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    return lines[:60]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--in-flight", type=int, default=8)
    ap.add_argument("--list-total", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=3, help="seconds per list wrk run")
    ap.add_argument("--perf", action="store_true", help="perf-record magnumd during creates")
    ap.add_argument("--smoke", action="store_true", help="5 clusters, 200 listed, 1 s runs")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.smoke:
        args.clusters, args.list_total, args.duration, args.perf = 5, 200, 1, False

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_path = args.out or os.path.join(HERE, "results", (
        "last-smoke-controlplane.json" if args.smoke else "controlplane-%s.json" % stamp))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="magnum-bench-cp-")

    def on_signal(sig, _frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    headers = compare.request_headers()
    res = {"kind": "controlplane", "smoke": args.smoke,
           "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "git": compare.git_rev(), "machine": compare.machine(),
           "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
           "config": {"clusters": args.clusters, "in_flight": args.in_flight,
                      "list_total": args.list_total, "rsa_key_size": 2048,
                      "conductor_workers": 4}}
    ours = compare.Ours(os.path.join(tmp, "ours"))
    perf = None
    try:
        ours.start()
        port, pid = ours.port, ours.pid
        log("controlplane: magnumd pid %d on 127.0.0.1:%d" % (pid, port))
        templates = load_data.create_templates("127.0.0.1", port, 1)

        # ---- 1. creates ------------------------------------------------------------
        if args.perf and shutil.which("perf"):
            perf_data = os.path.join(tmp, "perf.data")
            perf = subprocess.Popen(["perf", "record", "-F", "499", "-p", str(pid),
                                     "-o", perf_data], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        cpu0 = compare.cpu_ticks(pid)
        t0 = time.monotonic()
        uuids, total, post = load_data.create_clusters("127.0.0.1", port, args.clusters,
                                                       templates, in_flight=args.in_flight)
        wall = time.monotonic() - t0
        cpu_s = (compare.cpu_ticks(pid) - cpu0) / compare.CLK_TCK
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(60)
            perf = None
        conn = sqlite3.connect("file:%s?mode=ro" % ours.db_path(), uri=True)
        keypairs = conn.execute("SELECT count(*) FROM x509keypair").fetchone()[0]
        conn.close()
        res["creates"] = {
            "clusters": args.clusters, "wall_s": wall, "clusters_per_s": args.clusters / wall,
            "magnumd_cpu_s": cpu_s, "cpu_ms_per_cluster": cpu_s * 1000 / args.clusters,
            "post_ms": {"p50": pct(post, 50) * 1000, "p99": pct(post, 99) * 1000},
            "to_complete_ms": {"p50": pct(total, 50) * 1000, "p99": pct(total, 99) * 1000,
                               "max": max(total) * 1000},
            "x509keypairs_per_cluster": keypairs / args.clusters,
            "memory_after": ours.memory(),
        }
        log("creates: %d clusters CREATE_COMPLETE in %.1fs (%.1f/s), magnumd CPU %.1f ms/cluster, "
            "POST p50 %.1f ms, to-complete p50 %.0f ms p99 %.0f ms, %.1f keypairs/cluster" % (
                args.clusters, wall, args.clusters / wall, cpu_s * 1000 / args.clusters,
                res["creates"]["post_ms"]["p50"], res["creates"]["to_complete_ms"]["p50"],
                res["creates"]["to_complete_ms"]["p99"], keypairs / args.clusters))
        if args.perf and os.path.exists(os.path.join(tmp, "perf.data")):
            txt = out_path.replace(".json", "-perf.txt")
            res["creates"]["perf_top"] = perf_summary(os.path.join(tmp, "perf.data"), txt)
            res["creates"]["perf_report"] = os.path.basename(txt)

        # ---- 2. list latency with list_total clusters --------------------------------
        extra = max(0, args.list_total - args.clusters)
        t0 = time.time()
        load_data.insert_clusters(ours.db_path(), extra, uuids[0])
        log("list: %d more clusters inserted directly in %.1fs" % (extra, time.time() - t0))
        conn = sqlite3.connect("file:%s?mode=ro" % ours.db_path(), uri=True)
        ids = [r[0] for r in conn.execute(
            "SELECT uuid FROM cluster WHERE project_id = ? ORDER BY id",
            (load_data.IDENTITY["X-Project-Id"],))]
        conn.close()
        res["list"] = {"clusters_in_db": len(ids), "runs": {}}
        time.sleep(1)
        for path in ("/v1/clusters", "/v1/clusters/detail"):
            for limit in (20, 1000):
                if limit >= len(ids):
                    continue
                marker = ids[len(ids) - limit - 1]
                row = {}
                for kind, target in (("first", "%s?limit=%d" % (path, limit)),
                                     ("deep", "%s?limit=%d&marker=%s" % (path, limit, marker))):
                    c = load_data.Client("127.0.0.1", port)
                    s, body, raw = c.request("GET", target)
                    c.close()
                    items = len(body["clusters"]) if s == 200 else None
                    if s != 200 or items != limit:
                        raise RuntimeError("GET %s: HTTP %d, %s items" % (target, s, items))
                    r = compare.measure(ours, target, 1, args.duration,
                                        os.path.join(HERE, "wrk", "report.lua"), headers)
                    row[kind] = {"target": target, "items": items, "bytes": len(raw),
                                 "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "rps": r["rps"],
                                 "cpu_us_per_req": r["cpu_us_per_req"]}
                row["deep_over_first_p50"] = row["deep"]["p50_ms"] / row["first"]["p50_ms"]
                key = "%s limit=%d" % (path, limit)
                res["list"]["runs"][key] = row
                log("list %-32s first p50 %7.2f ms p99 %7.2f ms | deep p50 %7.2f ms p99 %7.2f ms"
                    " | deep/first %.2f" % (key, row["first"]["p50_ms"], row["first"]["p99_ms"],
                                           row["deep"]["p50_ms"], row["deep"]["p99_ms"],
                                           row["deep_over_first_p50"]))
        res["memory_end"] = ours.memory()
    finally:
        if perf and perf.poll() is None:
            perf.send_signal(signal.SIGINT)
            perf.wait(60)
        ours.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    with open("/proc/loadavg") as f:
        res["machine"]["loadavg_at_end"] = f.read().split()[:3]
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    c = res["creates"]
    print("controlplane: %d creates to CREATE_COMPLETE (%d in flight): %.1f s, %.1f clusters/s, "
          "magnumd CPU %.1f ms/cluster, to-complete p50 %.0f ms p99 %.0f ms" % (
              c["clusters"], args.in_flight, c["wall_s"], c["clusters_per_s"],
              c["cpu_ms_per_cluster"], c["to_complete_ms"]["p50"], c["to_complete_ms"]["p99"]))
    for key, row in res["list"]["runs"].items():
        print("controlplane: list %d clusters %-28s first p50 %.2f ms, deep p50 %.2f ms: "
              "deep/first %.2f" % (res["list"]["clusters_in_db"], key, row["first"]["p50_ms"],
                                   row["deep"]["p50_ms"], row["deep_over_first_p50"]))
    print("controlplane: raw results %s" % out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
