#!/usr/bin/env python3
"""First paint of the dashboard's clusters page with N clusters, in headless Chromium, and the
dashboard's compressed size.

    /usr/bin/python3 bench/dashboard_firstpaint.py [--clusters 1000] [--runs 5]

magnumd (fake driver, SQLite) gets one template and one cluster through the API; the other
N-1 clusters are copies of it inserted into its database (load_data.insert_clusters). Each run
loads the page afresh (new document, same profile: the browser's HTTP cache may hold the
assets, as for a returning user; the API answers are never cached) and reads the Performance
API: first contentful paint, the end of the last API answer (templates and clusters), the mark `clusters-rendered` (all rows of the first page in the
DOM) and `clusters-painted` (the frame after it; the first 60 rows: the others follow in chunks of 300 a frame) and
`clusters-all-rendered` (the last chunk in the DOM). Prints JSON.
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, HERE)

import load_data  # noqa: E402
from harness import Magnumd  # noqa: E402
from cluster_fixtures import FAST_CERTS, create_cluster, create_template  # noqa: E402
import test_dashboard_browser as tdb  # noqa: E402  (browser and static server set-up)

IDENTITY = {"X-Project-Id": "bench", "X-User-Id": "bench", "X-Roles": "member,reader"}


def asset_sizes():
    out = {}
    for root, _, files in os.walk(tdb.DASHBOARD):
        for f in sorted(files):
            with open(os.path.join(root, f), "rb") as fh:
                raw = fh.read()
            out[os.path.relpath(os.path.join(root, f), tdb.DASHBOARD)] = (
                len(raw), len(gzip.compress(raw, compresslevel=9)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="magnum-dash-bench-")
    files, files_port = tdb.serve_files(REPO)
    config = dict(FAST_CERTS, api={"dashboard_dir": tdb.DASHBOARD},
                  cors={"allowed_origin": "http://127.0.0.1:%d" % files_port})
    m = Magnumd(extra_config=config).start()
    driver = None
    try:
        template = create_template(m, IDENTITY)
        first = create_cluster(m, template, IDENTITY, name="bench-00000")
        load_data.insert_clusters(m.database.path, args.clusters - 1, first, name_prefix="bench-c-")
        n = m.get("/v1/stats", headers=IDENTITY).json["clusters"]
        assert n == args.clusters, "the database has %d clusters" % n
        api = "http://127.0.0.1:%d" % m.port
        r = m.get("/dashboard/", version=None)
        served = r.status == 200 and "/dashboard/app.js" in r.raw
        base = api + "/dashboard/?" if served else (
            "http://127.0.0.1:%d/dashboard/index.html?api=%s&" % (files_port, api))
        driver = tdb.new_browser(os.path.join(tmp, "profile"), os.path.join(tmp, "dl"))
        driver.get(base + "run=0#/signin")
        driver.execute_script(
            "sessionStorage.setItem('magnum.session', arguments[0])",
            json.dumps({"mode": "noauth", "project": "bench", "user": "bench",
                        "roles": ["member", "reader"]}))
        runs = []
        for i in range(args.runs + 1):  # the first warms the HTTP cache and is not counted
            driver.get(base + "run=%d#/clusters" % (i + 1))
            wait = tdb.WebDriverWait(driver, 60, poll_frequency=0.02)
            wait.until(lambda d: d.execute_script(
                "return performance.getEntriesByName('clusters-painted').length && "
                "performance.getEntriesByName('clusters-all-rendered').length"))
            got = driver.execute_script("""
                const m = (n) => performance.getEntriesByName(n)[0].startTime;
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                return {fcp: fcp ? fcp.startTime : null, rendered: m('clusters-rendered'),
                        painted: m('clusters-painted'), all: m('clusters-all-rendered'),
                        api: Math.max(...performance.getEntriesByType('resource')
                            .filter((e) => e.name.includes('/v1/cluster'))
                            .map((e) => e.responseEnd)),
                        rows: document.querySelectorAll('#clusters tbody tr').length};""")
            assert got["rows"] == args.clusters, got
            if i:
                runs.append(got)
        med = lambda k: round(statistics.median(r[k] for r in runs), 1)
        sizes = asset_sizes()
        print(json.dumps({
            "clusters": args.clusters, "runs": len(runs),
            "served_by": "magnumd" if served else "static server + CORS",
            "median_ms": {"first_contentful_paint": med("fcp"), "api_answers_received": med("api"),
                          "rows_rendered": med("rendered"),
                          "first_rows_painted": med("painted"), "all_rows_in_dom": med("all")},
            "max_painted_ms": round(max(r["painted"] for r in runs), 1),
            "assets": {"files": len(sizes), "bytes": sum(s[0] for s in sizes.values()),
                       "gzip9_bytes": sum(s[1] for s in sizes.values())},
            "per_file": sizes}, indent=1))
    finally:
        if driver:
            driver.quit()
        m.cleanup()
        files.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
