#!/usr/bin/python3
"""The response cache's hit and miss cost over HTTP, one request at a time.

Starts magnumd (MAGNUM_BIN_DIR, or --bin-dir), loads 50 templates, then for --requests
rounds each: (hit) GET the path again; (miss) change one template row straight in the
database file with sqlite3 (as another process would: the triggers bump the generation,
none of magnumd's CPU), then GET the path. Prints the magnumd CPU per request (from
/proc/<pid>/stat) and the client-side latency (median, p99) of each kind.

    MAGNUM_BIN_DIR=build/bin bench/cache_miss.py [--path /v1/clustertemplates] [--requests 300]
"""
import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import load_data  # noqa: E402


def run(srv, client, path, n, write):
    pid_ticks = compare.cpu_ticks(srv.pid)
    lat = []
    db = sqlite3.connect(srv.db_path(), timeout=10, isolation_level=None) if write else None
    write_s = 0.0
    for i in range(n):
        if db is not None:
            t = time.perf_counter()
            db.execute("UPDATE cluster_template SET updated_at = ? WHERE id = "
                       "(SELECT MIN(id) FROM cluster_template)", ("2026-12-04T00:00:%02d" % (i % 60),))
            write_s += time.perf_counter() - t
        t = time.perf_counter()
        status, _, _ = client.request("GET", path)
        lat.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    ticks = compare.cpu_ticks(srv.pid) - pid_ticks
    if db is not None:
        db.close()
    lat.sort()
    return {"cpu_us_per_req": ticks * 1e6 / os.sysconf("SC_CLK_TCK") / n,
            "p50_ms": statistics.median(lat), "p99_ms": lat[int(len(lat) * 0.99) - 1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default="/v1/clustertemplates")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--bin-dir")
    args = ap.parse_args()
    compare.request_headers()
    srv = compare.Ours(tempfile.mkdtemp(prefix="magnum-bench-miss-"), bin_dir=args.bin_dir)
    srv.start()
    try:
        load_data.load_ours("127.0.0.1", srv.port, 50, 0)
        client = load_data.Client("127.0.0.1", srv.port)
        for _ in range(50):
            client.request("GET", args.path)  # warm-up (and the first fill)
        for kind, write in (("hit", False), ("miss", True), ("hit", False), ("miss", True)):
            r = run(srv, client, args.path, args.requests, write)
            print("%-4s %-24s cpu %7.1f us/req  p50 %6.3f ms  p99 %6.3f ms" % (
                kind, args.path, r["cpu_us_per_req"], r["p50_ms"], r["p99_ms"]), flush=True)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
