"""The summary of a compare.py run: the table, memory, the goals and the `ratio` lines.

    bench/compare.py --summarize bench/reference/compare-<time>.json   # re-print a run
"""

# A baseline run that completed fewer requests is flagged (~ in the ratio lines).
LOW_CONFIDENCE_REQUESTS = 20


def fmt_ratio(x, run=None):
    if x is None:
        if run is not None and run.get("low_confidence"):
            return "n/a(n=%d)" % run["baseline"]["requests"]
        return "n/a"
    text = "%.0fx" % x if x >= 10 else "%.2fx" % x
    if run is not None and run.get("low_confidence"):
        text = "~%s(n=%d)" % (text, run["baseline"]["requests"])
    return text


def ordered(results):
    """(name, entry, [(connections, run)...]) in run order (JSON files sort their keys)."""
    names = results.get("endpoint_order") or list(results["endpoints"])
    for name in names:
        e = results["endpoints"][name]
        yield name, e, sorted(e["runs"].items(), key=lambda kv: int(kv[0]))


def goal_lines(results):
    """The issue's goals that this run measures, each with its figure and met/MISSED."""
    out = []
    eps = results["endpoints"]

    def verdict(ok):
        return "met" if ok else "MISSED"

    def run(name, c):
        e = eps.get(name)
        return e["runs"].get(str(c)) if e else None

    t = "GET /v1/clustertemplates"
    if t in eps:
        cpu = [r["ours"]["cpu_us_per_req"] for r in eps[t]["runs"].values()
               if r["ours"]["cpu_us_per_req"]]
        if cpu:
            out.append("goal: our CPU per request on the %d-template list <= 100 us: %.0f-%.0f us: %s"
                       % (results["data"]["templates"], min(cpu), max(cpu),
                          verdict(max(cpu) <= 100)))
        r64 = run(t, 64)
        if r64:
            out.append("goal: p99 < 5 ms at 64 connections on that list: %.1f ms: %s" % (
                r64["ours"]["p99_ms"], verdict(r64["ours"]["p99_ms"] < 5)))
    d = "GET /v1/clusters/detail"
    if d in eps:
        cpu = [r["ours"]["cpu_us_per_req"] for r in eps[d]["runs"].values()
               if r["ours"]["cpu_us_per_req"]]
        if cpu:
            out.append("goal: the %d-cluster detail list <= 1 ms CPU per request: %.0f-%.0f us: %s"
                       % (results["data"]["clusters"], min(cpu), max(cpu),
                          verdict(max(cpu) <= 1000)))
    v1 = "GET /v1"
    if v1 in eps and results["baseline"] == "original":
        same = [r["ratio_rps"] for r in eps[v1]["runs"].values() if r["ratio_rps"]]
        if same:
            out.append("goal: >= 20x the original's best case, GET /v1 against GET /v1: %.0f-%.0fx: "
                       "%s" % (min(same), max(same), verdict(min(same) >= 20)))
        if t in eps:
            cross = [eps[t]["runs"][c]["ours"]["rps"] / eps[v1]["runs"][c]["baseline"]["rps"]
                     for c in eps[t]["runs"] if c in eps[v1]["runs"]
                     and eps[v1]["runs"][c]["baseline"]["rps"] > 0]
            if cross:
                out.append("goal (stricter reading): our template list >= 20x the original's "
                           "GET /v1: %.1f-%.1fx: %s" % (min(cross), max(cross),
                                                      verdict(min(cross) >= 20)))
    reads = [r["ratio_rps"] for n, e in eps.items() if n.startswith("GET ") and n != v1
             for r in e["runs"].values() if r["ratio_rps"] and not r.get("low_confidence")]
    if reads and results["baseline"] == "original":
        out.append("goal: reads >= 1000x the original as Debian configures it (authtoken + a "
                   "real Keystone): not measurable here (no Keystone); against its no-authtoken "
                   "best case (Keystone stub): %.0f-%.0fx" % (min(reads), max(reads)))
    s = results["servers"]
    idle = [("magnumd", s["ours"]["idle_empty"]["rss_kb"])]
    if s.get("ours_api_only"):
        idle.append(("magnum-api", s["ours_api_only"]["rss_kb"]))
    out.append("goal: idle RSS <= 20 MB: %s: %s" % (
        ", ".join("%s %.1f MB" % (n, kb / 1024.0) for n, kb in idle),
        verdict(all(kb <= 20 * 1024 for _, kb in idle))))
    return out


def print_summary(results, out_path):
    base_label = results.get("baseline_label") or (
        "original" if results["baseline"] == "original" else "ours#2")
    print()
    m = results["machine"]
    print("Benchmark %s (%s): %s, %d cores, load %s -> %s; %gs per run; data %d templates, "
          "%d clusters; baseline: %s" % (
              results["date"], results["git"], m["cpu"], m["cores"],
              " ".join(m["loadavg_at_start"]), " ".join(m.get("loadavg_at_end", ["?"])),
              results["duration_s"], results["data"]["templates"], results["data"]["clusters"],
              results["baseline"]))
    print("%-34s %4s %12s %9s %9s %9s %12s %9s %9s %9s %9s" % (
        "endpoint", "conn", "ours req/s", "p50 ms", "p99 ms", "cpu us/r",
        base_label + " r/s", "p50 ms", "p99 ms", "cpu us/r", "ratio"))
    for name, e, runs in ordered(results):
        for c, run in runs:
            o, b = run["ours"], run["baseline"]
            print("%-34s %4s %12.1f %9.2f %9.2f %9.1f %12.1f %9.2f %9.2f %9.0f %9s" % (
                name, c, o["rps"], o["p50_ms"], o["p99_ms"], o["cpu_us_per_req"] or 0,
                b["rps"], b["p50_ms"], b["p99_ms"], b["cpu_us_per_req"] or 0,
                fmt_ratio(run["ratio_rps"], run)))
        if "status" in runs[0][1]["baseline"]["wrk"]:
            for c, run in runs:
                for k in ("ours", "baseline"):
                    w = run[k]["wrk"]
                    print("  write mix c=%s %-8s sent %s statuses %s%s" % (
                        c, k, w["sent"], w["status"],
                        ("; first error: " + w["first_error"][:160]) if w.get("first_error") else ""))
    s = results["servers"]
    print("memory: ours idle (empty DB) RSS %d kB, idle (loaded) %d kB, peak (VmHWM) %d kB" % (
        s["ours"]["idle_empty"]["rss_kb"], s["ours"]["idle_loaded"]["rss_kb"],
        s["ours"]["after_load"]["hwm_kb"]))
    if s.get("ours_api_only"):
        print("memory: ours magnum-api (API only, migrated empty DB) idle RSS %d kB" % (
            s["ours_api_only"]["rss_kb"]))
    if "original" in s:
        print("memory: original (uwsgi master + %d workers) idle RSS %d kB (PSS %d kB), "
              "peak sum of VmHWM %d kB" % (
                  s["original"]["idle_empty"]["processes"] - 1, s["original"]["idle_empty"]["rss_kb"],
                  s["original"]["idle_empty"]["pss_kb"], s["original"]["after_load"]["hwm_kb"]))
    print("raw results: %s" % out_path)
    if any(r.get("low_confidence") for e in results["endpoints"].values()
           for r in e["runs"].values()):
        print("~(n=N): the baseline completed only N < %d requests in the run: a rough rate, "
              "and its CPU per request includes requests still queued" % LOW_CONFIDENCE_REQUESTS)
    if "previous" in s:
        print("memory: previous main peak (VmHWM) %d kB" % s["previous"]["after_load"]["hwm_kb"])
    if base_label in ("original", "previous"):
        for line in goal_lines(results):
            print(("(smoke: tiny data, 1 s runs; indicative only) " if results["smoke"] else "")
                  + line)
    # Last: one line per endpoint with the word `ratio`.
    what = {"original": "ours/original",
            "previous": "ours/previous (%s)" % results["baseline"]}.get(
                base_label, "ours/ours#2 (NOT a comparison: %s)" % results["baseline"])
    for name, e, runs in ordered(results):
        parts = ["c%s %s" % (c, fmt_ratio(run["ratio_rps"], run)) for c, run in runs]
        note = ""
        w = runs[0][1]["baseline"]["wrk"]
        if "status" in w and "201" not in w["status"]:
            note = "; %s creates fail (statuses %s)" % (base_label, w["status"])
        if base_label == "previous":
            note += "; CPU per request ours/previous: %s" % ", ".join(
                "c%s %.2fx (%.0f/%.0f us)" % (c, r["ours"]["cpu_us_per_req"] /
                                            r["baseline"]["cpu_us_per_req"],
                                            r["ours"]["cpu_us_per_req"],
                                            r["baseline"]["cpu_us_per_req"])
                for c, r in runs
                if r["ours"]["cpu_us_per_req"] and r["baseline"]["cpu_us_per_req"])
        print("ratio %s %s req/s: %s (ours %s req/s, %s %s req/s)%s" % (
            name, what, ", ".join(parts),
            "/".join("%.0f" % r["ours"]["rps"] for _, r in runs), base_label,
            "/".join("%.1f" % r["baseline"]["rps"] for _, r in runs), note))
