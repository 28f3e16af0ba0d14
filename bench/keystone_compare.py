#!/usr/bin/python3
"""Ours against Debian's magnum-api with both behind the real Keystone (issue 11).

Both servers validate the same demo-user token with the dev Keystone (scripts/openstack):
ours with `auth_strategy = keystone`, the original with Debian's api-paste.ini as shipped
(authtoken in its pipeline), Debian's uwsgi settings (magnum-api-uwsgi.ini: 8 processes x
32 threads) and the Keystone options Debian's debconf fills ([keystone_authtoken],
[keystone_auth], [trust] with a trustee domain and its admin, created here in Keystone as
upstream's install guide does). Same data in both: 50 templates of the demo project,
created through our API and copied row by row into the original's database.

Measured, in one run: GET /v1/clustertemplates (the 50-template list, microversion 1.10,
which both speak) with wrk, requests/s and server CPU per request: ours with Keystone and
ours without (noauth, a copy of the same rows) in alternated rounds (medians; their CPU
difference is the auth overhead per request with a cached token), then the original. The
Keystone requests each server caused are counted from Keystone's request log.

Run through bench/keystone_compare.sh (it starts the dev Keystone when needed and stops
what it started). Stdlib only; Debian's /usr/bin/python3.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import compare  # noqa: E402  (its /proc, wrk and uwsgi helpers)
import harness  # noqa: E402
import load_data  # noqa: E402
from keystone_support import (STATE, http_call, issue_token, keystone_authtoken,  # noqa: E402
                              load_env)

VERSION = "container-infra 1.10"
TRUSTEE_DOMAIN = "magnum"
TRUSTEE_ADMIN = "magnum_domain_admin"
TRUSTEE_PASSWORD = "magnum_domain_adminpass"
log = compare.log


def keystone_log_lines(pattern):
    path = os.path.join(STATE, "keystone", "keystone.log")
    with open(path, errors="replace") as f:
        return sum(1 for line in f if pattern in line)


def keystone_requests():
    """(validations, logins) Keystone has answered so far."""
    return keystone_log_lines("GET /v3/auth/tokens "), keystone_log_lines("POST /v3/auth/tokens")


def ensure_trustee(env):
    """The trustee domain and its admin (role admin on the domain), as the install guide
    sets them up for Magnum; idempotent, through Keystone's REST API as admin."""
    admin, _ = issue_token(env, "admin")
    h = {"X-Auth-Token": admin}
    ks = env["auth_url"]
    _, _, doc = http_call("GET", ks + "/domains?name=" + TRUSTEE_DOMAIN, headers=h)
    if doc["domains"]:
        domain = doc["domains"][0]["id"]
    else:
        _, _, doc = http_call("POST", ks + "/domains", {"domain": {
            "name": TRUSTEE_DOMAIN, "description": "Owns users and projects created by magnum"}},
            headers=h)
        domain = doc["domain"]["id"]
    _, _, doc = http_call("GET", ks + "/users?name=%s&domain_id=%s" % (TRUSTEE_ADMIN, domain),
                          headers=h)
    if doc["users"]:
        user = doc["users"][0]["id"]
    else:
        _, _, doc = http_call("POST", ks + "/users", {"user": {
            "name": TRUSTEE_ADMIN, "domain_id": domain, "password": TRUSTEE_PASSWORD}},
            headers=h)
        user = doc["user"]["id"]
    _, _, doc = http_call("GET", ks + "/roles?name=admin", headers=h)
    role = doc["roles"][0]["id"]
    status, _, _ = http_call("PUT", ks + "/domains/%s/users/%s/roles/%s" % (domain, user, role),
                             headers=h)
    if status not in (200, 204):
        raise RuntimeError("role assignment for %s: HTTP %d" % (TRUSTEE_ADMIN, status))


class Ours:
    label = "ours"

    def __init__(self, workdir):
        self.dir = workdir
        self.m = None

    def start(self, config):
        base = {"quotas": {"max_clusters_per_project": "100000"}}
        base.update(config)
        self.m = harness.Magnumd(extra_config=base, workdir=self.dir).start()
        self.port, self.pid = self.m.port, self.m.proc.pid
        return self

    def pids(self):
        return [self.pid]

    def stop(self):
        if self.m:
            self.m.stop()


class Original:
    """Debian's magnum-api under uwsgi, configured as Debian's packages configure it."""
    label = "original"

    def __init__(self, workdir, env):
        self.dir, self.env, self.proc = workdir, env, None

    def setup(self):
        self.port = compare.free_port()
        # The schema (create_all + stamp head); its magnum.conf and uwsgi.ini are replaced.
        subprocess.run([os.path.join(HERE, "setup-original.sh"), "--no-install", "--dir",
                        self.dir, "--port", str(self.port), "--keystone-port", "5000"],
                       check=True)
        ks = keystone_authtoken(self.env)
        auth = "\n".join("%s = %s" % kv for kv in [
            ("auth_type", "password"), ("auth_url", ks["auth_url"]),
            ("username", ks["username"]), ("password", ks["password"]),
            ("project_name", ks["project_name"]), ("user_domain_name", "Default"),
            ("project_domain_name", "Default"), ("region_name", ks["region_name"])])
        with open(os.path.join(self.dir, "magnum.conf"), "w") as f:
            f.write("""[DEFAULT]
state_path = {d}
debug = false
log_file = {d}/magnum-api.log
[api]
api_paste_config = /etc/magnum/api-paste.ini
[database]
connection = sqlite:///{d}/magnum.sqlite
[oslo_concurrency]
lock_path = {d}
[keystone_authtoken]
www_authenticate_uri = {uri}
{auth}
[keystone_auth]
{auth}
[trust]
trustee_domain_name = {td}
trustee_domain_admin_name = {ta}
trustee_domain_admin_password = {tp}
[quotas]
max_clusters_per_project = 100000
""".format(d=self.dir, uri=ks["www_authenticate_uri"], auth=auth, td=TRUSTEE_DOMAIN,
           ta=TRUSTEE_ADMIN, tp=TRUSTEE_PASSWORD))
        # Debian's /etc/magnum/magnum-api-uwsgi.ini, bound to loopback, logging and running
        # under DIR as root (no magnum user), the config file passed as Debian's service
        # does. Its `rem-header = Content-Length` is left out: with `Connection: close`
        # wrk then counts every body read to EOF as a read error.
        with open("/etc/magnum/magnum-api-uwsgi.ini") as f:
            ini = f.read().splitlines()
        drop = ("rem-header", "logto", "uid", "gid", "chdir", "paste ", "paste=",
                "http-socket", "pyargv")
        out = [line for line in ini if not line.strip().startswith(drop)]
        out += ["http-socket = 127.0.0.1:%d" % self.port, "logto = %s/uwsgi.log" % self.dir,
                "chdir = %s" % self.dir,
                "pyargv = --config-file %s/magnum.conf" % self.dir]
        with open(os.path.join(self.dir, "uwsgi.ini"), "w") as f:
            f.write("\n".join(out) + "\n")
        self.workers_wanted = int(next(
            (line.split("=")[1] for line in ini if line.strip().startswith("processes")), "1"))

    def start(self, token, timeout=180):
        self.proc = subprocess.Popen(["uwsgi", "--ini", os.path.join(self.dir, "uwsgi.ini")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=self.dir, preexec_fn=compare._die_with_parent)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("uwsgi exited; see %s/uwsgi.log" % self.dir)
            try:
                s, _, _ = get(self.port, "/v1/clustertemplates", token)
                if s == 200 and len(self.workers()) >= self.workers_wanted:
                    return self
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("the original did not answer in %ds" % timeout)
            time.sleep(0.5)

    def workers(self):
        return compare.children(self.proc.pid) if self.proc else []

    def pids(self):
        return [self.proc.pid] + self.workers()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(port, path, token=None, identity=None):
    h = {"OpenStack-API-Version": VERSION}
    if token:
        h["X-Auth-Token"] = token
    h.update(identity or {})
    status, _, doc = http_call("GET", "http://127.0.0.1:%d%s" % (port, path), headers=h)
    return status, doc, h


def measure(server, path, headers, connections, duration):
    """wrk on `server`: requests/s, server CPU µs per request, Keystone requests caused."""
    script = os.path.join(HERE, "wrk", "report.lua")
    ks0 = keystone_requests()
    cpu0 = sum(compare.cpu_ticks(p) for p in server.pids())
    r = compare.run_wrk(server.port, path, connections, duration, script, headers, timeout_s=60)
    cpu_s = (sum(compare.cpu_ticks(p) for p in server.pids()) - cpu0) / compare.CLK_TCK
    compare.wait_idle(server, max_s=300)
    time.sleep(0.5)  # Keystone's log line follows its answer
    ks1 = keystone_requests()
    n = r["requests"]
    secs = r["duration_us"] / 1e6
    errors = sum(r["errors"].values())
    return {"requests": n, "rps": n / secs if secs else 0.0, "errors": r["errors"],
            "cpu_us_per_req": cpu_s * 1e6 / n if n else None, "cpu_s": cpu_s,
            "p50_ms": r["latency_us"]["p50"] / 1000.0, "p99_ms": r["latency_us"]["p99"] / 1000.0,
            "keystone_validations": ks1[0] - ks0[0], "keystone_logins": ks1[1] - ks0[1],
            "ok": errors == 0 and n > 0, "connections": connections, "duration_s": duration}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", type=int, default=50)
    ap.add_argument("--duration", type=int, default=8, help="seconds per wrk run on ours")
    ap.add_argument("--rounds", type=int, default=3, help="alternated runs of ours (median)")
    ap.add_argument("--original-duration", type=int, default=30,
                    help="seconds of the wrk run on the original")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--out", help="results JSON (default bench/results/keystone-<time>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    env = load_env()
    if env is None:
        sys.exit("keystone_compare: the dev services are not running (scripts/openstack/start.sh)")
    work = tempfile.mkdtemp(prefix="magnum-bench-ks-")
    ours, original = Ours(os.path.join(work, "ours")), Original(os.path.join(work, "orig"), env)
    noauth = None
    os.makedirs(ours.dir)
    results = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
               "git": compare.git_rev(), "machine": compare.machine(),
               "templates": args.templates, "path": "/v1/clustertemplates", "version": VERSION}
    try:
        ensure_trustee(env)
        token, _ = issue_token(env, "demo")
        demo = {"X-Project-Id": env["projects"]["demo"],
                "X-User-Id": env["users"]["demo"]["id"], "X-Roles": "member,reader"}
        # The data: created through our API (noauth, as the demo user), then copied.
        ours.start({})
        load_data.HEADERS.update(demo)
        load_data.create_templates("127.0.0.1", ours.port, args.templates)
        ours.stop()
        original.setup()
        copied = load_data.copy_rows(os.path.join(ours.dir, "magnum.sqlite"),
                                     os.path.join(original.dir, "magnum.sqlite"),
                                     tables=("cluster_template",))
        log("keystone_compare: %s rows copied into the original's database" % copied)
        # Ours twice, on copies of the same rows: with Keystone and without (noauth).
        noauth = Ours(os.path.join(work, "ours-noauth"))
        os.makedirs(noauth.dir)
        load_data.backup(os.path.join(ours.dir, "magnum.sqlite"),
                         os.path.join(noauth.dir, "magnum.sqlite"))
        path = "/v1/clustertemplates"
        keystone = {"DEFAULT": {"auth_strategy": "keystone"},
                    "keystone_authtoken": keystone_authtoken(env)}
        servers = {"ours_keystone": (ours.start(keystone), {"X-Auth-Token": token}),
                   "ours_noauth": (noauth.start({}), demo)}
        for label, (server, headers) in servers.items():
            s, doc, _ = get(server.port, path, headers.get("X-Auth-Token"),
                            None if "X-Auth-Token" in headers else headers)
            if s != 200 or len(doc["clustertemplates"]) != args.templates:
                raise RuntimeError("%s: GET %s answered %d with %s" % (label, path, s, doc))
            compare.run_wrk(server.port, path, 2, 1, os.path.join(HERE, "wrk", "report.lua"),
                            dict(headers, **{"OpenStack-API-Version": VERSION}))  # warm-up
        # Alternated rounds, so that the machine's drift hits both alike; medians kept.
        rounds = {label: [] for label in servers}
        for i in range(args.rounds):
            for label, (server, headers) in servers.items():
                log("keystone_compare: %s, round %d of %d ..." % (label, i + 1, args.rounds))
                rounds[label].append(measure(server, path, dict(
                    headers, **{"OpenStack-API-Version": VERSION}), args.connections,
                    args.duration))
        ours.stop()
        noauth.stop()
        runs = {}
        for label, rs in rounds.items():
            rs = sorted(rs, key=lambda r: r["cpu_us_per_req"])
            runs[label] = dict(rs[len(rs) // 2], rounds=rs)
        results["overhead_per_round_us"] = [
            k["cpu_us_per_req"] - n["cpu_us_per_req"]
            for k, n in zip(rounds["ours_keystone"], rounds["ours_noauth"])]
        log("keystone_compare: the original (Debian magnum-api, uwsgi) ...")
        original.start(token)
        s, doc, _ = get(original.port, path, token)
        if s != 200 or len(doc["clustertemplates"]) != args.templates:
            raise RuntimeError("original: GET %s answered %d with %s" % (path, s, doc))
        runs["original"] = measure(original, path, {"X-Auth-Token": token,
                                                    "OpenStack-API-Version": VERSION},
                                   args.connections, args.original_duration)
        original.stop()
        results["runs"] = runs
        ok, ko = runs["original"], runs["ours_keystone"]
        results["ratio_rps"] = ko["rps"] / ok["rps"] if ok["rps"] else None
        ordered = sorted(results["overhead_per_round_us"])
        results["auth_overhead_cpu_us"] = ordered[len(ordered) // 2]
    finally:
        for server in (ours, noauth, original):
            if server is not None:
                server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    out = args.out or os.path.join(HERE, "results", "keystone-%s.json" % time.strftime(
        "%Y%m%d-%H%M%S"))
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print("%-14s %10s %8s %8s %12s %9s %9s" % ("server", "req/s", "p50 ms", "p99 ms",
                                              "CPU us/req", "KS valid", "KS login"))
    for label in ("ours_keystone", "ours_noauth", "original"):
        r = runs[label]
        print("%-14s %10.1f %8.2f %8.2f %12.1f %9d %9d%s" % (
            label, r["rps"], r["p50_ms"], r["p99_ms"], r["cpu_us_per_req"],
            r["keystone_validations"], r["keystone_logins"], "" if r["ok"] else
            "  errors: %s" % r["errors"]))
    print("auth overhead (cached token vs noauth): %.1f us CPU per request (median of "
          "rounds: %s)" % (results["auth_overhead_cpu_us"], ", ".join(
              "%.1f" % x for x in results["overhead_per_round_us"])))
    print("ratio ours/original on the %d-template list: %.0fx (goal >= 1000x)%s" % (
        args.templates, results["ratio_rps"],
        "" if results["ratio_rps"] >= 1000 else "  GOAL MISSED"))
    print("results: %s" % out)


if __name__ == "__main__":
    main()
