#!/usr/bin/python3
"""Where magnumd's CPU goes on one endpoint: perf profile under a wrk load.

Starts magnumd with the compare.py data set (50 templates, 100 clusters), runs wrk on
--path for --duration seconds at --connections while `perf record -g` samples magnumd,
and prints the top of `perf report` by shared object and by symbol (self time), plus a
caller-grouped view of the hottest symbols. Writes the text to bench/results/.

    bench/profile.py --path /v1/clustertemplates [--connections 16] [--duration 5]
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402


def shorten(line):
    """perf lines with nlohmann/std template noise cut down to something readable."""
    line = line.rstrip(" -")
    line = line.replace("std::__cxx11::basic_string<char, std::char_traits<char>, "
                        "std::allocator<char> >", "string")
    line = re.sub(r"nlohmann::json_abi_v[0-9_]+::", "nlohmann::", line)
    line = re.sub(r"nlohmann::basic_json<std::map, .*?std::vector<unsigned char, "
                  r"std::allocator<unsigned char> > >", "json", line)
    line = re.sub(r"serializer<json >", "serializer<json>", line)
    return line[:200]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", default="/v1/clustertemplates")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--templates", type=int, default=50)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("profile.py: perf is not installed (apt-get install linux-perf)")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    slug = args.path.strip("/").replace("/", "_").replace("?", "_") or "root"
    out = args.out or os.path.join(HERE, "results", "profile-%s-%s.txt" % (slug, stamp))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="magnum-bench-prof-")
    ours = compare.Ours(os.path.join(tmp, "ours"))
    perf = None
    try:
        path, headers, script = compare.start_loaded(ours, args.path, args.templates,
                                                     args.clusters)
        pdata = os.path.join(tmp, "perf.data")
        perf = subprocess.Popen(["perf", "record", "-F", "499", "--call-graph", "dwarf,16384",
                                 "-p", str(ours.pid),
                                 "-o", pdata], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        r = compare.measure(ours, path, args.connections, args.duration, script, headers)
        perf.send_signal(signal.SIGINT)
        perf.wait(60)
        perf = None
        head = ("profile of magnumd: GET %s, %d connections, %ds: %.0f req/s, p50 %.2f ms, "
                "p99 %.2f ms, CPU %.1f us/request (%s)\n" % (
                    path, args.connections, args.duration, r["rps"], r["p50_ms"], r["p99_ms"],
                    r["cpu_us_per_req"] or 0, datetime.datetime.now().isoformat(timespec="seconds")))
        reports = []
        for sort, limit in (("dso", "1"), ("dso,symbol", "0.7")):
            rep = subprocess.run(["perf", "report", "-i", pdata, "--stdio", "--no-children",
                                  "-g", "none", "--sort", sort, "--percent-limit", limit],
                                 capture_output=True, text=True)
            reports.append("\n".join(shorten(l) for l in rep.stdout.splitlines()
                                     if l.strip() and not l.startswith("#")))
        # Inclusive time by symbol (children included, DWARF call graphs): which layers of
        # ours cost what. Only our functions and the library entry points, not inlined frames.
        rep = subprocess.run(["perf", "report", "-i", pdata, "--stdio", "--children",
                              "-g", "none", "--sort", "symbol", "--percent-limit", "3"],
                             capture_output=True, text=True)
        keep = ("magnum::", "sqlite3_step", "serializer", "basic_json::dump", "Beast", "beast::",
                "malloc", "free", "::Render", "FromRow", "spdlog::")
        reports.append("\n".join(shorten(l) for l in rep.stdout.splitlines()
                                 if l.strip() and not l.startswith("#")
                                 and "(inlined)" not in l and any(k in l for k in keep))[:8000])
        text = head + "\n== self time by shared object ==\n" + reports[0] + \
            "\n\n== self time by symbol ==\n" + reports[1] + \
            "\n\n== inclusive time (children) by symbol, >= 4% ==\n" + reports[2] + "\n"
        with open(out, "w") as f:
            f.write(text)
        print(text)
        print("profile.py: written to %s" % out)
    finally:
        if perf and perf.poll() is None:
            perf.send_signal(signal.SIGINT)
            perf.wait(60)
        ours.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
