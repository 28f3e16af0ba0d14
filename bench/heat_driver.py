#!/usr/bin/python3
"""The Heat driver (`k8s_fedora_coreos_v1`) against Heat alone (issue 13): what magnumd and
the driver add to the time Heat itself takes for the same stacks.

Driver: magnumd from build/bin in the OpenStack mode (the dev Keystone with per-cluster
trusts, the dev Heat; scripts/openstack/start.sh with MAGNUM_OPENSTACK_SERVICES="keystone
glance nova mariadb neutron heat") and the TEST-ONLY stand-in environment of tests/heat
(`[cluster_heat] environment_files` / `template_files`), as tests/integration/
test_heat_driver.py runs it. One round: POST a cluster of 1 master + 3 workers →
CREATE_COMPLETE; resize the workers 3 → 4 → UPDATE_COMPLETE; DELETE → 404. The API is
polled every 0.1 s.

Heat alone, the baseline: after each driver round, the driver's own stacks are read back
from Heat (`GET /stacks/{name}/{id}/template`, `/files`, `/environment` and the shown
parameters) and copies of them are driven straight through Heat's API as the demo user, in
the driver's order: the cluster stack, then (with the cluster stack's outputs, as the
driver passes them) the worker stack, each polled every 0.1 s to its *_COMPLETE; PATCH of
the worker stack's node_count 3 → 4; DELETE of the worker stack, then of the cluster stack,
each waited for until its name answers 404. Hidden parameters (certificates, keys, tokens)
are shown as "******" by Heat: the copies get strings of the same lengths as the driver's
(base64 PEMs of a 2048-bit key and certificate, the token formats).

Lag: from the last stack's CREATE_COMPLETE to the cluster's CREATE_COMPLETE, both as seen
by one client loop polling the cluster (API) and that stack (Heat) every 0.1 s, and from
Heat's event time of the stack's CREATE_COMPLETE to the cluster's updated_at (both in whole
seconds, so only a coarse check of the first).

    bench/heat_driver.py [--rounds 3] [--wait-interval 0.5] [--json FILE]

Prints a table (min / median / max seconds) on stdout; progress on stderr. Stdlib only;
Debian's /usr/bin/python3. Leaves no cluster or stack behind.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from harness import Magnumd  # noqa: E402
from heat_support import HeatClient, driver_config  # noqa: E402
from keystone_support import issue_token, load_env  # noqa: E402

POLL = 0.1
TIMEOUT = 300
# Lengths of the hidden parameters' real values (base64 of PEM; kubeadm's formats).
HIDDEN_SIZES = {"ca_cert_b64": 1500, "ca_key_b64": 2272, "apiserver_cert_b64": 1900,
                "apiserver_key_b64": 2272, "bootstrap_token": 23, "certificate_key": 64}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Bench:
    def __init__(self, env, wait_interval):
        self.env = env
        self.dir = tempfile.mkdtemp(prefix="magnum-bench-heat-")
        cfg = driver_config(env, self.dir, wait_interval=wait_interval)
        self.m = Magnumd(extra_config=cfg, test_drivers=False)
        self.heat = HeatClient(env, "demo")
        self.token, _ = issue_token(env, "demo")
        self.clusters = []
        self.stacks = []  # the baseline's (name, id), deleted at the end if left

    # ---- the API ----------------------------------------------------------------------

    def call(self, method, path, body=None):
        r = self.m.request(method, path, body=body, headers={"X-Auth-Token": self.token})
        return r

    def cluster(self, ident):
        r = self.call("GET", "/v1/clusters/" + ident)
        return r.json if r.status == 200 else None

    def wait_cluster(self, ident, want):
        """Seconds (monotonic) at which the cluster showed `want` ("GONE" = 404)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            c = self.cluster(ident)
            status = "GONE" if c is None else c["status"]
            if status == want:
                return time.monotonic(), c
            if status.endswith(("_FAILED",)):
                raise RuntimeError("cluster %s %s: %s" % (ident, status, c.get("status_reason")))
            time.sleep(POLL)
        raise RuntimeError("cluster %s not %s after %d s" % (ident, want, TIMEOUT))

    def template(self):
        r = self.call("POST", "/v1/clustertemplates", {
            "name": "bench-heat", "coe": "kubernetes", "server_type": "vm",
            "image_id": "fedora-coreos", "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
            "keypair_id": "demokey", "external_network_id": "public",
            "floating_ip_enabled": False, "labels": {"kube_tag": "v1.27.8"}})
        if r.status != 201:
            raise RuntimeError("template: %r" % r)
        return r.json["uuid"]

    def worker(self, ident):
        r = self.call("GET", "/v1/clusters/%s/nodegroups/default-worker" % ident)
        if r.status != 200:
            raise RuntimeError("default-worker of %s: %r" % (ident, r))
        return r.json

    # ---- Heat -------------------------------------------------------------------------

    def stack_status(self, ref):
        status, s = self.heat.stack(ref, resolve_outputs=False)
        if status == 404:
            return "GONE", None
        if status != 200:
            raise RuntimeError("stack %s: %d %s" % (ref, status, s))
        return s["stack_status"], s

    def wait_stack(self, ref, want):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            status, s = self.stack_status(ref)
            if status == want:
                return time.monotonic()
            if status.endswith("_FAILED"):
                raise RuntimeError("stack %s %s: %s" % (ref, status, s.get("stack_status_reason")))
            time.sleep(POLL)
        raise RuntimeError("stack %s not %s after %d s" % (ref, want, TIMEOUT))

    def read_back(self, ref):
        """What Heat stored for one of the driver's stacks: template, files, environment,
        parameters (hidden ones replaced by strings of their real lengths)."""
        got = {}
        for part in ("template", "files", "environment"):
            status, _, doc = self.heat.call("GET", "/stacks/%s/%s" % (ref, part))
            if status != 200:
                raise RuntimeError("GET %s of %s: %d %s" % (part, ref, status, doc))
            got[part] = doc
        _, s = self.stack_status(ref)
        hidden = {k for k, v in got["template"].get("parameters", {}).items() if v.get("hidden")}
        params = {}
        for k, v in s["parameters"].items():
            if k.startswith("OS::"):
                continue
            params[k] = "x" * HIDDEN_SIZES.get(k, 64) if k in hidden else v
        got["parameters"] = params
        got["timeout_mins"] = s.get("timeout_mins")
        env = dict(got["environment"])
        env.pop("parameters", None)  # sent as `parameters`
        got["environment"] = env
        return got

    def create_copy(self, name, copy, parameters):
        body = {"stack_name": name, "template": copy["template"], "files": copy["files"],
                "environment": copy["environment"], "parameters": parameters,
                "disable_rollback": True}
        if copy.get("timeout_mins"):
            body["timeout_mins"] = copy["timeout_mins"]
        status, _, doc = self.heat.call("POST", "/stacks", body)
        if status != 201:
            raise RuntimeError("POST copy %s: %d %s" % (name, status, doc))
        self.stacks.append((name, doc["stack"]["id"]))
        return "%s/%s" % (name, doc["stack"]["id"])

    def delete_stack(self, ref):
        status, _, doc = self.heat.call("DELETE", "/stacks/" + ref)
        if status != 204:
            raise RuntimeError("DELETE %s: %d %s" % (ref, status, doc))
        name = ref.split("/")[0]
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.stack_status(name)[0] == "GONE":
                self.stacks = [s for s in self.stacks if s[0] != name]
                return time.monotonic()
            time.sleep(POLL)
        raise RuntimeError("stack %s not gone after %d s" % (name, TIMEOUT))

    def stack_complete_event(self, ref, stack_name):
        """Heat's event time (seconds) of the stack's own CREATE_COMPLETE."""
        status, _, doc = self.heat.call("GET", "/stacks/%s/events?sort_dir=desc&limit=50" % ref)
        if status != 200:
            return None
        for e in doc["events"]:
            if e["resource_name"] == stack_name and e["resource_status"] == "CREATE_COMPLETE":
                return parse_time(e["event_time"])
        return None

    # ---- one round each ---------------------------------------------------------------

    def driver_round(self, i, template):
        name = "hbench%d" % i
        t0 = time.monotonic()
        r = self.call("POST", "/v1/clusters", {"name": name, "cluster_template_id": template,
                                               "master_count": 1, "node_count": 3,
                                               "create_timeout": 30})
        if r.status != 202:
            raise RuntimeError("cluster create: %r" % r)
        t_accepted = time.monotonic()
        ident = r.json["uuid"]
        self.clusters.append(ident)
        # One loop polls the cluster and, once it exists, the worker stack.
        t_stack = t_cluster = None
        worker_ref = None
        deadline = time.monotonic() + TIMEOUT
        while t_cluster is None:
            if time.monotonic() > deadline:
                raise RuntimeError("cluster %s not CREATE_COMPLETE after %d s" % (ident, TIMEOUT))
            c = self.cluster(ident)
            now = time.monotonic()
            if c["status"] == "CREATE_COMPLETE":
                t_cluster = now
            elif c["status"].endswith("_FAILED"):
                raise RuntimeError("cluster %s: %s" % (c["status"], c.get("status_reason")))
            if worker_ref is None:
                w = self.worker(ident)
                if w.get("stack_id") and w["stack_id"] != c.get("cluster_id"):
                    worker_ref = w["stack_id"]
            if worker_ref and t_stack is None:
                status, _ = self.stack_status(worker_ref)
                if status == "CREATE_COMPLETE":
                    t_stack = time.monotonic()
            if t_cluster is None:
                time.sleep(POLL)
        c = self.cluster(ident)
        worker = self.worker(ident)
        wstack = self.stack_status(worker["stack_id"])[1]
        wref = "%s/%s" % (wstack["stack_name"], wstack["id"])
        event_time = self.stack_complete_event(wref, wstack["stack_name"])
        out = {"create": t_cluster - t0, "accept": t_accepted - t0,
               "lag_polled": (t_cluster - t_stack) if t_stack else None,
               "lag_event": (parse_time(c["updated_at"]) - event_time)
               if event_time and c.get("updated_at") else None}
        cstack = self.stack_status(c["cluster_id"])[1]
        cref = "%s/%s" % (cstack["stack_name"], cstack["id"])
        copies = {"cluster": self.read_back(cref), "workers": self.read_back(wref)}

        t0 = time.monotonic()
        r = self.call("POST", "/v1/clusters/%s/actions/resize" % ident,
                      {"node_count": 4, "nodegroup": "default-worker"})
        if r.status != 202:
            raise RuntimeError("resize: %r" % r)
        out["scale"] = self.wait_cluster(ident, "UPDATE_COMPLETE")[0] - t0

        t0 = time.monotonic()
        r = self.call("DELETE", "/v1/clusters/" + ident)
        if r.status != 204:
            raise RuntimeError("delete: %r" % r)
        out["delete"] = self.wait_cluster(ident, "GONE")[0] - t0
        self.clusters.remove(ident)
        return out, copies

    def direct_round(self, i, copies):
        base = "hbench-direct%d" % i
        cl, wk = copies["cluster"], copies["workers"]
        t0 = time.monotonic()
        cref = self.create_copy(base + "-cluster", cl, cl["parameters"])
        self.wait_stack(cref, "CREATE_COMPLETE")
        # The worker stack takes the cluster stack's outputs, as the driver passes them.
        _, shown = self.heat.stack(cref)
        outputs = self.heat.outputs(shown)
        params = dict(wk["parameters"], node_count="3", nodes_to_remove="")
        for key, output in (("api_address", "api_address"), ("network", "network"),
                            ("subnet", "subnet"), ("security_group", "worker_security_group")):
            if key in params:
                params[key] = outputs.get(output) or ""
        wref = self.create_copy(base + "-workers", wk, params)
        out = {"create": self.wait_stack(wref, "CREATE_COMPLETE") - t0}

        t0 = time.monotonic()
        status, _, doc = self.heat.call("PATCH", "/stacks/" + wref,
                                        {"parameters": {"node_count": "4"}})
        if status != 202:
            raise RuntimeError("PATCH %s: %d %s" % (wref, status, doc))
        out["scale"] = self.wait_stack(wref, "UPDATE_COMPLETE") - t0

        t0 = time.monotonic()
        self.delete_stack(wref)
        out["delete"] = self.delete_stack(cref) - t0
        return out

    def cleanup(self):
        for ident in self.clusters:
            try:
                self.call("DELETE", "/v1/clusters/" + ident)
                self.wait_cluster(ident, "GONE")
            except (OSError, RuntimeError) as e:
                log("cleanup: cluster %s: %s" % (ident, e))
        for name, sid in list(self.stacks):
            try:
                self.heat.delete("%s/%s" % (name, sid), timeout=120)
            except (OSError, AssertionError) as e:
                log("cleanup: stack %s: %s" % (name, e))
        self.m.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a", None
    med = statistics.median(values)
    return "%.2f / %.2f / %.2f" % (min(values), med, max(values)), med


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--wait-interval", default="0.5",
                    help="[cluster_heat] wait_interval of magnumd (seconds between polls; "
                         "fractions accepted; magnumd's default 0.5)")
    ap.add_argument("--json", help="also write the raw figures to this file")
    args = ap.parse_args()

    env = load_env()
    if env is None or "heat" not in env:
        sys.exit("the dev services with Heat are not running: MAGNUM_OPENSTACK_SERVICES="
                 "\"keystone glance nova mariadb neutron heat\" scripts/openstack/start.sh")
    b = Bench(env, args.wait_interval)
    driver, direct = [], []
    load_start = loadavg()
    try:
        b.m.start()
        template = b.template()
        for i in range(args.rounds):
            d, copies = b.driver_round(i, template)
            log("round %d driver: %s" % (i, json.dumps({k: round(v, 2) if v is not None else None
                                                        for k, v in d.items()})))
            h = b.direct_round(i, copies)
            log("round %d direct: %s" % (i, json.dumps({k: round(v, 2) for k, v in h.items()})))
            driver.append(d)
            direct.append(h)
    finally:
        b.cleanup()
    load_end = loadavg()

    print("Heat driver vs Heat alone: 1 master + 3 workers, %d rounds, wait_interval %s s, "
          "load average %s -> %s (seconds, min / median / max)" % (
              args.rounds, args.wait_interval, load_start, load_end))
    print("| what | magnumd + driver | Heat alone | driver - Heat (medians) |")
    print("|---|---|---|---|")
    for key, label in (("create", "POST → CREATE_COMPLETE"),
                       ("scale", "resize 3 → 4 workers → UPDATE_COMPLETE"),
                       ("delete", "DELETE → gone")):
        ours, om = spread([d[key] for d in driver])
        heat, hm = spread([h[key] for h in direct])
        diff = "%+.2f" % (om - hm) if om is not None and hm is not None else "n/a"
        print("| %s | %s | %s | %s |" % (label, ours, heat, diff))
    print("| POST /v1/clusters → 202 (trust, accept) | %s | | |" %
          spread([d["accept"] for d in driver])[0])
    print("| lag: worker stack CREATE_COMPLETE → cluster CREATE_COMPLETE (polled 0.1 s) | "
          "%s | | |" % spread([d["lag_polled"] for d in driver])[0])
    print("| lag: Heat event time → cluster updated_at (whole seconds) | %s | | |" %
          spread([d["lag_event"] for d in driver])[0])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wait_interval": args.wait_interval, "driver": driver, "direct": direct,
                       "load": [load_start, load_end]}, f, indent=1)


if __name__ == "__main__":
    main()
