# ctest-labels: heat keystone
"""The Heat driver (`k8s_fedora_coreos_v1`, docs/heat-driver.md) against the real Heat and
Keystone of the dev services: magnumd in the OpenStack mode (`auth_strategy = keystone`,
per-cluster trusts from `[trust]`) with the TEST-ONLY stand-in environment of tests/heat
(`[cluster_heat] environment_files` / `template_files`), so that Heat runs every stack,
group, update, failure and timeout for real while no machine boots.

Checked: the driver is chosen for a Fedora CoreOS image (Glance os_distro) or by name; a
create makes one cluster stack (its id the cluster's and the master nodegroup's stack_id,
timeout_mins = create_timeout) and one stack per worker nodegroup, whose outputs give the
API's addresses; Heat's events reach the cluster's event log (step `heat`); a resize
removes exactly the members named (a server id, then a member name); an upgrade changes
the stacks' `kube_tag`; a nodegroup create / delete adds / removes a worker stack; a failed
member puts the resource and Heat's reason into status_reason and `faults`; a delete
removes every stack, the trustee user and the trust. Failure modes: magnumd killed while
the stack is CREATE_IN_PROGRESS adopts the same stack after a restart; the conductor's
deadline (label create_timeout_seconds); Heat unreachable (a region whose orchestration
endpoint is a closed port) fails the create naming Heat, and once Heat is back the delete
completes with nothing left; a stack timeout (create_timeout = 1 minute, members taking
75 s) fails the create.

Time (~3 min on 2 cores): the 75-second create of the stack timeout starts in setUpModule,
so that its minute passes while the other classes run (load_tests runs its class last);
the lifecycle's three clusters are created together and each test's steps run in a thread
of their own from setUpClass on (Steps).
"""
import json
import re
import shutil
import tempfile
import threading
import time
import traceback
import unittest

from database_support import release_database
from harness import Magnumd
from heat_support import driver_config, region_heat_client, require_heat
from keystone_support import http_call, issue_token

DRIVER = "k8s_fedora_coreos_v1"
KUBE_TAG = "v1.27.8"
KUBE_TAG_NEXT = "v1.28.4"
# Servers whose create fails (standin_fail_names): worker 1 of the cluster "hdfail".
FAILING_SERVER = "hdfail-default-worker-node-1"
# A region whose orchestration endpoint is a closed loopback port (nothing here can listen
# on port 1): Heat "down" for one magnumd while the shared Heat keeps running.
HEAT_DOWN_REGION = "MagnumTestHeatDown"
HEAT_DOWN_URL = "http://127.0.0.1:1/v1/%(tenant_id)s"
ADDRESS = re.compile(r"^10\.0\.0\.[1-9][1-9]$")  # tests/heat/standin-port.yaml
IN_PROGRESS = re.compile(r"_IN_PROGRESS$")


def load_tests(loader, standard_tests, pattern):
    """The classes in this order: the stack timeout, started in setUpModule, is checked last."""
    suite = unittest.TestSuite()
    for cls in (HeatDriverLifecycleTest, HeatDriverCrashTest, HeatDownTest, StackTimeoutTest):
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


def template_body(name, **overrides):
    """A Kubernetes template on the seeded Fedora CoreOS image (os_distro fedora-coreos),
    its own network (no fixed_network), one address per node (no floating IPs)."""
    body = {"name": name, "coe": "kubernetes", "server_type": "vm", "image_id": "fedora-coreos",
            "flavor_id": "m1.small", "master_flavor_id": "m1.medium", "keypair_id": "demokey",
            "external_network_id": "public", "floating_ip_enabled": False,
            "network_driver": "flannel", "labels": {"kube_tag": KUBE_TAG}}
    body.update(overrides)
    return body


class Cloud:
    """One magnumd of a test class, driven as the demo user, with Heat and Keystone beside."""

    def __init__(self, test, env, m, heat):
        self.test = test
        self.env = env
        self.m = m
        self.heat = heat
        self.demo, _ = issue_token(env, "demo")
        self.admin, _ = issue_token(env, "admin")
        self.clusters = []

    def call(self, method, path, body=None):
        return self.m.request(method, path, body=body, headers={"X-Auth-Token": self.demo})

    def template(self, name, **overrides):
        r = self.call("POST", "/v1/clustertemplates", template_body(name, **overrides))
        if r.status != 201:
            raise AssertionError("template %s: %r\n%s" % (name, r, self.m.log()[-3000:]))
        return r.json

    def create(self, name, template, masters=1, nodes=1, **body):
        body.update(name=name, cluster_template_id=template, master_count=masters,
                    node_count=nodes)
        r = self.call("POST", "/v1/clusters", body)
        if r.status != 202:
            raise AssertionError("cluster %s: %r\n%s" % (name, r, self.m.log()[-3000:]))
        self.clusters.append(r.json["uuid"])
        return r.json["uuid"]

    def cluster(self, ident):
        r = self.call("GET", "/v1/clusters/" + ident)
        return r.json if r.status == 200 else None

    def nodegroups(self, ident):
        r = self.call("GET", "/v1/clusters/%s/nodegroups" % ident)
        self.test.assertEqual(r.status, 200, r)
        out = {}
        for ng in r.json["nodegroups"]:
            one = self.call("GET", "/v1/clusters/%s/nodegroups/%s" % (ident, ng["uuid"]))
            self.test.assertEqual(one.status, 200, one)
            out[ng["name"]] = one.json
        return out

    def events(self, ident):
        r = self.call("GET", "/v1/clusters/%s/events?limit=1000" % ident)
        return r.json["events"] if r.status == 200 else []

    def diagnose(self, ident):
        """The cluster's status, reason, faults and latest events, and the log's tail."""
        c = self.cluster(ident)
        lines = ["cluster %s: %s" % (ident, "gone" if c is None else "%s: %s" % (
            c.get("status"), c.get("status_reason")))]
        if c and c.get("faults"):
            lines.append("faults: %s" % json.dumps(c["faults"]))
        for e in self.events(ident)[-15:]:
            lines.append("  event %s %s [%s] %s" % (e["created_at"], e["step"], e["level"],
                                                  e["message"][:300]))
        lines.append("magnumd log (tail):\n" + self.m.log()[-2500:])
        return "\n".join(lines)

    def wait(self, ident, statuses, timeout):
        """The cluster once its status is one of `statuses` ("GONE": 404). Fails with the
        diagnosis after `timeout` seconds, or as soon as it settles in another status (past
        the first 2 s, in which a status of the previous operation may still show)."""
        t0 = time.monotonic()
        while True:
            c = self.cluster(ident)
            status = "GONE" if c is None else c["status"]
            if status in statuses:
                return c
            waited = time.monotonic() - t0
            if waited > 2 and not IN_PROGRESS.search(status):
                raise AssertionError("cluster %s is %s, not %s\n%s" % (
                    ident, status, "/".join(statuses), self.diagnose(ident)))
            if waited > timeout:
                raise AssertionError("cluster %s still %s after %d s (want %s)\n%s" % (
                    ident, status, timeout, "/".join(statuses), self.diagnose(ident)))
            time.sleep(0.2)

    def delete(self, ident, timeout=120):
        r = self.call("DELETE", "/v1/clusters/" + ident)
        self.test.assertEqual(r.status, 204, r)
        self.wait(ident, ("GONE",), timeout)

    def trust_of(self, ident):
        """(trustee user id, trust id) of the cluster, from magnumd's database."""
        rows = self.m.database.query(
            'SELECT "trustee_user_id", "trust_id" FROM "cluster" WHERE "uuid" = ?', (ident,))
        return tuple(rows[0]) if rows else (None, None)

    def keystone(self, path, token=None):
        """The status of a GET of Keystone's `path`, as admin (or with `token`)."""
        status, _, _ = http_call("GET", self.env["auth_url"] + path,
                                 headers={"X-Auth-Token": token or self.admin})
        return status

    def trust_status(self, trust):
        """GET of the trust by its trustor (demo): Keystone's policy lets the trustor read it."""
        return self.keystone("/OS-TRUST/trusts/" + trust, self.demo)

    def stack(self, name_or_id):
        """The stack (without outputs) or None when Heat answers 404."""
        status, stack = self.heat.stack(name_or_id, resolve_outputs=False)
        if status == 404:
            return None
        self.test.assertEqual(status, 200, stack)
        return stack

    def assert_gone(self, name_or_id):
        """Heat has no such stack (404), or keeps it only as DELETE_COMPLETE (a soft delete,
        found by id and, for a while, by name)."""
        stack = self.stack(name_or_id)
        if stack is not None:
            self.test.assertEqual(stack["stack_status"], "DELETE_COMPLETE", stack)

    def stack_with_outputs(self, name_or_id):
        status, stack = self.heat.stack(name_or_id)
        self.test.assertEqual(status, 200, stack)
        return stack, self.heat.outputs(stack)

    def stacks_named(self, name):
        status, _, doc = self.heat.call("GET", "/stacks?name=" + name)
        self.test.assertEqual(status, 200, doc)
        return [s for s in doc["stacks"] if s["stack_name"] == name]

    def live_members(self, stack, group):
        """Names of the members of `group` in `stack` that are not deleted leftovers."""
        status, _, doc = self.heat.call("GET", "/stacks/%s/resources?nested_depth=1" % stack)
        self.test.assertEqual(status, 200, doc)
        return {r["resource_name"] for r in doc["resources"]
                if r.get("parent_resource") == group and r["resource_status"] != "DELETE_COMPLETE"}


# ---- the stack timeout: started here, checked last (StackTimeoutTest) -----------------

SLOW = {}


def setUpModule():
    env = require_heat(unittest.TestCase)
    # Module cleanups run even when this fails half-way.
    directory = tempfile.mkdtemp(prefix="magnum-it-heat-slow-")
    unittest.addModuleCleanup(shutil.rmtree, directory, True)
    m = Magnumd(extra_config=driver_config(env, directory, {"standin_create_secs": 75}),
                test_drivers=False)
    unittest.addModuleCleanup(m.cleanup)
    m.start()
    cloud = SLOW["cloud"] = Cloud(unittest.TestCase(), env, m, region_heat_client(env))
    unittest.addModuleCleanup(stop_cloud, cloud)
    tmpl = cloud.template("hd-slow")
    SLOW["t0"] = time.monotonic()
    SLOW["uuid"] = cloud.create("hdslow", tmpl["uuid"], nodes=1, create_timeout=1)


def stop_cloud(cloud):
    """Deletes the clusters a class made through the API, then whatever stacks of theirs
    Heat still has (so that a failed test leaves nothing behind)."""
    prefixes = []
    for c in cloud.clusters:
        try:
            shown = cloud.cluster(c)
            if shown is not None:
                prefixes.append(shown["name"] + "-")
                cloud.call("DELETE", "/v1/clusters/" + c)
        except OSError:
            pass
    for c in cloud.clusters:
        try:
            cloud.wait(c, ("GONE", "DELETE_FAILED"), 90)
        except (OSError, AssertionError):
            pass
    if not prefixes:
        return
    status, _, doc = cloud.heat.call("GET", "/stacks")
    for s in doc["stacks"] if status == 200 else []:
        if s["stack_name"].startswith(tuple(prefixes)):
            try:
                cloud.heat.delete("%s/%s" % (s["stack_name"], s["id"]), timeout=60)
            except AssertionError:
                pass


# ---- the lifecycle ----------------------------------------------------------------------

class Steps(threading.Thread):
    """A test's steps, started in setUpClass so that several clusters' stacks progress at
    once; the test method waits for them and reports their failure with its traceback."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn = fn
        self.error = None

    def run(self):
        try:
            self.fn()
        except BaseException:  # reported by result()
            self.error = traceback.format_exc()

    def result(self, test, timeout):
        self.join(timeout)
        if self.is_alive():
            test.fail("the steps are still running after %d s" % timeout)
        if self.error:
            test.fail("in the steps:\n" + self.error)


class HeatDriverLifecycleTest(unittest.TestCase):
    """One magnumd; three clusters created at once in setUpClass: hdlife (1 master + 3
    workers: create, resize, delete), hdup (1 + 1: upgrade, nodegroup create and delete) and
    hdfail (1 + 2, worker 1 fails). Each test's steps run from then on in a thread of their
    own (Steps), so that the three clusters' stacks progress together."""

    STEPS = ("create_resize_delete", "failed_member_is_named_with_heats_reason",
             "upgrade_then_nodegroup_create_and_delete")

    @classmethod
    def setUpClass(cls):
        cls.env = require_heat(cls)
        # Class cleanups run even when setUpClass fails half-way.
        cls.dir = tempfile.mkdtemp(prefix="magnum-it-heat-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.m = Magnumd(extra_config=driver_config(
            cls.env, cls.dir, {"standin_fail_names": [FAILING_SERVER]}), test_drivers=False)
        cls.addClassCleanup(cls.m.cleanup)
        cls.m.start()
        cls.cloud = Cloud(unittest.TestCase(), cls.env, cls.m, region_heat_client(cls.env))
        cls.addClassCleanup(stop_cloud, cls.cloud)
        cls.tmpl = cls.cloud.template("hd-k8s")
        cls.tmpl_next = cls.cloud.template("hd-k8s-next", labels={"kube_tag": KUBE_TAG_NEXT})
        cls.life = cls.cloud.create("hdlife", cls.tmpl["uuid"], nodes=3, create_timeout=15)
        cls.up = cls.cloud.create("hdup", cls.tmpl["uuid"], nodes=1)
        cls.failing = cls.cloud.create("hdfail", cls.tmpl["uuid"], nodes=2)
        cls.steps = {}
        for name in cls.STEPS:
            cls.steps[name] = Steps(getattr(cls("test_" + name), "steps_" + name))
            cls.steps[name].start()
        # (Cleanups run last-in first-out: the steps end before the clusters are deleted.)
        cls.addClassCleanup(lambda: [t.join(300) for t in cls.steps.values()])

    def test_create_resize_delete(self):
        self.steps["create_resize_delete"].result(self, 300)

    def test_failed_member_is_named_with_heats_reason(self):
        self.steps["failed_member_is_named_with_heats_reason"].result(self, 300)

    def test_upgrade_then_nodegroup_create_and_delete(self):
        self.steps["upgrade_then_nodegroup_create_and_delete"].result(self, 300)

    def test_driver_is_chosen_by_image_or_by_name(self):
        self.assertEqual(self.tmpl["driver"], DRIVER)
        self.assertEqual(self.tmpl["cluster_distro"], "fedora-coreos")
        named = self.cloud.template("hd-by-name", driver=DRIVER)
        self.assertEqual(named["driver"], DRIVER)
        # Named, it still needs a Fedora CoreOS image (fake-image's os_distro is fake-os).
        r = self.cloud.call("POST", "/v1/clustertemplates", template_body(
            "hd-other-os", image_id="fake-image", driver=DRIVER))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error_detail(), "Cluster type (vm, fake-os, kubernetes) not "
                         "supported by driver k8s_fedora_coreos_v1.")

    def steps_create_resize_delete(self):
        c = self.cloud.wait(self.life, ("CREATE_COMPLETE",), 120)
        name = "hdlife-" + self.life
        # One cluster stack, named after the cluster, whose id is the cluster's stack_id
        # (`cluster_id` from microversion 1.13 on) and the master nodegroup's; create_timeout
        # is its timeout_mins.
        self.assertEqual([s["id"] for s in self.cloud.stacks_named(name)], [c["cluster_id"]])
        stack, out = self.cloud.stack_with_outputs(c["cluster_id"])
        self.assertEqual(stack["stack_name"], name)
        self.assertEqual(stack["stack_status"], "CREATE_COMPLETE")
        self.assertEqual(stack["timeout_mins"], 15)
        self.assertEqual(stack["parameters"]["kube_tag"], KUBE_TAG)
        self.assertEqual(stack["parameters"]["master_count"], "1")
        ngs = self.cloud.nodegroups(self.life)
        self.assertEqual(set(ngs), {"default-master", "default-worker"})
        master, worker = ngs["default-master"], ngs["default-worker"]
        self.assertEqual(master["stack_id"], c["cluster_id"])
        self.assertEqual(len(out["master_addresses"]), 1)
        self.assertRegex(out["master_addresses"][0], ADDRESS)
        self.assertEqual(c["master_addresses"], out["master_addresses"])
        self.assertEqual(master["node_addresses"], out["master_addresses"])
        self.assertEqual(c["api_address"], "https://%s:6443" % out["api_address"])
        self.assertEqual(out["api_address"], out["master_addresses"][0])
        self.assertEqual(c["coe_version"], KUBE_TAG)
        # One stack for the worker nodegroup: its outputs are the API's addresses.
        self.assertTrue(worker["stack_id"])
        self.assertNotEqual(worker["stack_id"], c["cluster_id"])
        wstack, wout = self.cloud.stack_with_outputs(worker["stack_id"])
        self.assertEqual(wstack["stack_name"], "hdlife-default-worker-" + worker["uuid"])
        self.assertEqual(wstack["stack_status"], "CREATE_COMPLETE")
        self.assertEqual(wstack["timeout_mins"], 15)
        self.assertEqual(wstack["parameters"]["node_count"], "3")
        self.assertEqual(len(wout["node_addresses"]), 3)
        for addr in wout["node_addresses"]:
            self.assertRegex(addr, ADDRESS)
        self.assertEqual(worker["node_addresses"], wout["node_addresses"])
        self.assertEqual(c["node_addresses"], wout["node_addresses"])
        self.assertEqual(worker["node_count"], 3)
        refs = wout["node_refs"]
        self.assertEqual(len(refs), 3)
        self.assertEqual(len(set(refs)), 3)
        # Heat's own events are in the cluster's event log (step "heat").
        heat_events = [e["message"] for e in self.cloud.events(self.life) if e["step"] == "heat"]
        for expected in ("masters CREATE_COMPLETE", "workers CREATE_COMPLETE"):
            self.assertTrue(any(expected in m for m in heat_events),
                            "no heat event %r in %s" % (expected, heat_events))

        # Resize 3 → 2 removing the second server by its id: a PATCH of the worker stack
        # whose removal policy takes exactly that member.
        r = self.cloud.call("POST", "/v1/clusters/%s/actions/resize" % self.life, {
            "node_count": 2, "nodes_to_remove": [refs[1]], "nodegroup": "default-worker"})
        self.assertEqual(r.status, 202, r)
        self.cloud.wait(self.life, ("UPDATE_COMPLETE",), 90)
        wstack, wout = self.cloud.stack_with_outputs(worker["stack_id"])
        self.assertEqual(wstack["stack_status"], "UPDATE_COMPLETE")
        self.assertEqual(wstack["parameters"]["node_count"], "2")
        self.assertEqual(wout["node_refs"], [refs[0], refs[2]])
        self.assertEqual(self.cloud.live_members(wstack["id"], "workers"), {"0", "2"})
        worker = self.cloud.nodegroups(self.life)["default-worker"]
        self.assertEqual(worker["node_count"], 2)
        self.assertEqual(worker["node_addresses"], wout["node_addresses"])
        # Resize 2 → 1 removing a member by its name ("2", the last one).
        r = self.cloud.call("POST", "/v1/clusters/%s/actions/resize" % self.life, {
            "node_count": 1, "nodes_to_remove": ["2"], "nodegroup": "default-worker"})
        self.assertEqual(r.status, 202, r)
        self.cloud.wait(self.life, ("UPDATE_COMPLETE",), 90)
        wstack, wout = self.cloud.stack_with_outputs(worker["stack_id"])
        self.assertEqual(wout["node_refs"], [refs[0]])
        self.assertEqual(self.cloud.live_members(wstack["id"], "workers"), {"0"})
        self.assertEqual(self.cloud.cluster(self.life)["node_count"], 1)

        # Delete: both stacks, the trustee user and the trust go, then the cluster.
        trustee, trust = self.cloud.trust_of(self.life)
        self.assertTrue(trustee and trust, (trustee, trust))
        self.assertEqual(self.cloud.keystone("/users/" + trustee), 200)
        self.assertEqual(self.cloud.trust_status(trust), 200)
        stacks = [(name, c["cluster_id"]), (wstack["stack_name"], wstack["id"])]
        self.cloud.delete(self.life, timeout=120)
        for sname, sid in stacks:
            self.cloud.assert_gone(sname)
            by_id = self.cloud.stack("%s/%s" % (sname, sid))
            self.assertTrue(by_id is None or by_id["stack_status"] == "DELETE_COMPLETE",
                            (sname, by_id))
        self.assertEqual(self.cloud.keystone("/users/" + trustee), 404)
        self.assertEqual(self.cloud.trust_status(trust), 404)

    def steps_failed_member_is_named_with_heats_reason(self):
        c = self.cloud.wait(self.failing, ("CREATE_FAILED",), 120)
        ngs = self.cloud.nodegroups(self.failing)
        # The masters' stack (the cluster stack) completed; the workers' failed.
        self.assertEqual(self.cloud.stack(c["cluster_id"])["stack_status"], "CREATE_COMPLETE")
        worker = ngs["default-worker"]
        self.assertEqual(worker["status"], "CREATE_FAILED")
        wstack = self.cloud.stack(worker["stack_id"])
        self.assertEqual(wstack["stack_status"], "CREATE_FAILED")
        # The failing leaf resource as Heat lists it: its name and reason are in the
        # cluster's status_reason and in faults (nodegroup name → reason).
        status, _, doc = self.cloud.heat.call(
            "GET", "/stacks/%s/%s/resources?nested_depth=5&status=FAILED" % (
                wstack["stack_name"], wstack["id"]))
        self.assertEqual(status, 200, doc)
        leaves = [r for r in doc["resources"]
                  if not any(l.get("rel") == "nested" for l in r.get("links", []))]
        self.assertEqual(len(leaves), 1, doc["resources"])
        leaf = leaves[0]
        self.assertIn("Test Resource failed", leaf["resource_status_reason"])
        reason = c["status_reason"] or ""
        for text in (leaf["resource_name"], leaf["resource_status_reason"], "default-worker"):
            self.assertIn(text, reason, self.cloud.diagnose(self.failing))
        self.assertIn("default-worker", c["faults"], c["faults"])
        self.assertIn(leaf["resource_status_reason"], c["faults"]["default-worker"])
        # The masters' own stack completed: their nodegroup is CREATE_COMPLETE, not in
        # faults (upstream derives a nodegroup's status from its stack).
        master = ngs["default-master"]
        self.assertEqual(master["status"], "CREATE_COMPLETE", master)
        self.assertFalse(master.get("status_reason"), master)
        self.assertNotIn("default-master", c["faults"], c["faults"])
        warnings = [e["message"] for e in self.cloud.events(self.failing)
                    if e["step"] == "heat" and e["level"] == "warning"]
        self.assertTrue(any("CREATE_FAILED" in w for w in warnings), warnings)

    def steps_upgrade_then_nodegroup_create_and_delete(self):
        c = self.cloud.wait(self.up, ("CREATE_COMPLETE",), 120)
        worker = self.cloud.nodegroups(self.up)["default-worker"]
        self.assertEqual(self.cloud.stack(c["cluster_id"])["parameters"]["kube_tag"], KUBE_TAG)

        # Upgrade to the template with the next kube_tag: both stacks get it.
        r = self.cloud.call("POST", "/v1/clusters/%s/actions/upgrade" % self.up, {
            "cluster_template": self.tmpl_next["uuid"], "max_batch_size": 1})
        self.assertEqual(r.status, 202, r)
        c = self.cloud.wait(self.up, ("UPDATE_COMPLETE",), 120)
        self.assertEqual(c["cluster_template_id"], self.tmpl_next["uuid"])
        cstack = self.cloud.stack(c["cluster_id"])
        self.assertEqual(cstack["stack_status"], "UPDATE_COMPLETE")
        self.assertEqual(cstack["parameters"]["kube_tag"], KUBE_TAG_NEXT)
        self.assertEqual(cstack["parameters"]["update_max_batch_size"], "1")
        wstack = self.cloud.stack(worker["stack_id"])
        self.assertEqual(wstack["stack_status"], "UPDATE_COMPLETE")
        self.assertEqual(wstack["parameters"]["kube_tag"], KUBE_TAG_NEXT)
        # The API reports the version the nodes now run.
        self.assertEqual(c["coe_version"], KUBE_TAG_NEXT)
        self.assertEqual(self.cloud.nodegroups(self.up)["default-worker"]["version"],
                         KUBE_TAG_NEXT)

        # A nodegroup of 2: a worker stack of its own.
        r = self.cloud.call("POST", "/v1/clusters/%s/nodegroups" % self.up,
                            {"name": "extra", "node_count": 2})
        self.assertEqual(r.status, 202, r)
        self.cloud.wait(self.up, ("UPDATE_COMPLETE",), 90)
        extra = self.cloud.nodegroups(self.up)["extra"]
        self.assertEqual(extra["status"], "CREATE_COMPLETE", extra.get("status_reason"))
        self.assertTrue(extra["stack_id"])
        self.assertNotIn(extra["stack_id"], (c["cluster_id"], worker["stack_id"]))
        estack, eout = self.cloud.stack_with_outputs(extra["stack_id"])
        self.assertEqual(estack["stack_name"], "hdup-extra-" + extra["uuid"])
        self.assertEqual(estack["stack_status"], "CREATE_COMPLETE")
        self.assertEqual(estack["parameters"]["node_count"], "2")
        self.assertEqual(estack["parameters"]["kube_tag"], KUBE_TAG_NEXT)
        self.assertEqual(extra["node_addresses"], eout["node_addresses"])
        self.assertEqual(len(extra["node_addresses"]), 2)

        # Its delete removes that stack only.
        r = self.cloud.call("DELETE", "/v1/clusters/%s/nodegroups/extra" % self.up)
        self.assertEqual(r.status, 204, r)
        self.cloud.m.wait_for(
            lambda: self.cloud.call("GET", "/v1/clusters/%s/nodegroups/extra" % self.up).status
            == 404, timeout=90, interval=0.2, what="nodegroup extra gone")
        self.cloud.wait(self.up, ("UPDATE_COMPLETE",), 30)
        self.cloud.assert_gone(estack["stack_name"])
        gone = self.cloud.stack("%s/%s" % (estack["stack_name"], estack["id"]))
        self.assertTrue(gone is None or gone["stack_status"] == "DELETE_COMPLETE", gone)
        self.assertEqual(self.cloud.stack(worker["stack_id"])["stack_status"], "UPDATE_COMPLETE")
        self.assertEqual(self.cloud.stack(c["cluster_id"])["stack_status"], "UPDATE_COMPLETE")


# ---- a conductor killed mid-create; the conductor's deadline ---------------------------

class HeatDriverCrashTest(unittest.TestCase):
    """Members take 5 s: magnumd is SIGKILLed while the cluster stack is CREATE_IN_PROGRESS
    and restarted on the same database; a create whose deadline (label
    create_timeout_seconds) passes first fails on time."""

    @classmethod
    def setUpClass(cls):
        cls.env = require_heat(cls)
        # The state directory (and database) outlives the magnumd a test kills.
        cls.dir = tempfile.mkdtemp(prefix="magnum-it-heat-crash-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.addClassCleanup(release_database, cls.dir)
        cls.config = driver_config(cls.env, cls.dir, {"standin_create_secs": 5})
        cls.m = Magnumd(extra_config=cls.config, workdir=cls.dir, test_drivers=False)
        cls.addClassCleanup(lambda: cls.m.cleanup())  # the one running at the end
        cls.m.start()
        cls.cloud = Cloud(unittest.TestCase(), cls.env, cls.m, region_heat_client(cls.env))
        cls.addClassCleanup(stop_cloud, cls.cloud)
        cls.tmpl = cls.cloud.template("hd-crash")

    def test_killed_mid_create_adopts_its_stack(self):
        cluster = self.cloud.create("hdkill", self.tmpl["uuid"], nodes=1)
        name = "hdkill-" + cluster

        def in_progress():
            s = self.cloud.stack(name)
            return s if s and s["stack_status"] == "CREATE_IN_PROGRESS" else None
        self.m.wait_for(in_progress, timeout=30, interval=0.2,
                        what="stack %s CREATE_IN_PROGRESS" % name)
        self.m.kill()
        self.__class__.m = self.cloud.m = Magnumd(extra_config=self.config, workdir=self.dir,
                                                  test_drivers=False).start()
        c = self.cloud.wait(cluster, ("CREATE_COMPLETE",), 120)
        # The same stack, never a second one of that name.
        stacks = self.cloud.stacks_named(name)
        self.assertEqual([s["id"] for s in stacks], [c["cluster_id"]])
        worker = self.cloud.nodegroups(cluster)["default-worker"]
        wname = "hdkill-default-worker-" + worker["uuid"]
        self.assertEqual([s["id"] for s in self.cloud.stacks_named(wname)], [worker["stack_id"]])
        self.assertEqual(len(worker["node_addresses"]), 1)
        self.assertEqual(self.cloud.stack(c["cluster_id"])["stack_status"], "CREATE_COMPLETE")

    def test_conductor_deadline_label(self):
        t0 = time.monotonic()
        cluster = self.cloud.create("hddeadline", self.tmpl["uuid"], nodes=1,
                                    labels={"create_timeout_seconds": "4", "kube_tag": KUBE_TAG})
        c = self.cloud.wait(cluster, ("CREATE_FAILED",), 60)
        self.assertLess(time.monotonic() - t0, 30)
        self.assertRegex(c["status_reason"] or "", r"(?i)timed out",
                         self.cloud.diagnose(cluster))
        # The way out: the delete removes whatever stack the create made.
        self.cloud.delete(cluster, timeout=90)
        self.cloud.assert_gone("hddeadline-" + cluster)


# ---- Heat unreachable ------------------------------------------------------------------

class HeatDownTest(unittest.TestCase):
    """`[heat_client] region_name` names a region whose orchestration endpoint is a closed
    port: the driver retries until the create's deadline (label create_timeout_seconds = 8),
    then the create fails naming the orchestration service. A delete while Heat is still
    down keeps retrying (DELETE_IN_PROGRESS, the reason in the event log); once Heat is back
    (magnumd restarted on the same database without that region) it completes, and nothing
    was left in Heat or Keystone."""

    @classmethod
    def setUpClass(cls):
        cls.env = require_heat(cls)
        cls.heat = region_heat_client(cls.env)
        cls.admin, _ = issue_token(cls.env, "admin")
        cls._dead_region()
        cls.dir = tempfile.mkdtemp(prefix="magnum-it-heat-down-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.addClassCleanup(release_database, cls.dir)
        cls.m = Magnumd(extra_config=driver_config(
            cls.env, cls.dir, heat_client={"region_name": HEAT_DOWN_REGION}),
            workdir=cls.dir, test_drivers=False)
        cls.addClassCleanup(lambda: cls.m.cleanup())  # the one running at the end
        cls.m.start()
        cls.cloud = Cloud(unittest.TestCase(), cls.env, cls.m, cls.heat)
        cls.addClassCleanup(stop_cloud, cls.cloud)

    @classmethod
    def _dead_region(cls):
        """The region and its orchestration endpoint, removed again by the class cleanups."""
        ks, h = cls.env["auth_url"], {"X-Auth-Token": cls.admin}
        status, _, doc = http_call("POST", ks + "/regions", {"region": {"id": HEAT_DOWN_REGION}},
                                   headers=h)
        if status == 201:
            cls.addClassCleanup(http_call, "DELETE", ks + "/regions/" + HEAT_DOWN_REGION,
                                headers=h)
        elif status != 409:
            raise AssertionError("region %s: %d %s" % (HEAT_DOWN_REGION, status, doc))
        _, _, doc = http_call("GET", ks + "/services?type=orchestration", headers=h)
        service = doc["services"][0]["id"]
        status, _, doc = http_call("POST", ks + "/endpoints", {"endpoint": {
            "service_id": service, "interface": "public", "url": HEAT_DOWN_URL,
            "region_id": HEAT_DOWN_REGION, "enabled": True}}, headers=h)
        if status != 201:
            raise AssertionError("endpoint in %s: %d %s" % (HEAT_DOWN_REGION, status, doc))
        cls.addClassCleanup(http_call, "DELETE", ks + "/endpoints/" + doc["endpoint"]["id"],
                            headers=h)

    def test_unreachable_heat_fails_the_create_naming_it(self):
        tmpl = self.cloud.template("hd-down")
        t0 = time.monotonic()
        cluster = self.cloud.create("hddown", tmpl["uuid"], nodes=1,
                                    labels={"create_timeout_seconds": "8", "kube_tag": KUBE_TAG})
        c = self.cloud.wait(cluster, ("CREATE_FAILED",), 60)
        elapsed = time.monotonic() - t0
        reason = c["status_reason"] or ""
        self.assertIn("orchestration service (Heat)", reason, self.cloud.diagnose(cluster))
        self.assertIn("cannot be reached", reason, self.cloud.diagnose(cluster))
        self.assertNotIn("127.0.0.1", reason)
        self.assertIn(HEAT_DOWN_REGION, reason)
        self.assertLess(elapsed, 30)
        # It retried (warnings in the event log) until the deadline.
        retries = [e for e in self.cloud.events(cluster)
                   if e["step"] == "heat" and e["level"] == "warning"]
        self.assertGreaterEqual(len(retries), 2, self.cloud.diagnose(cluster))
        self.assertFalse(c.get("cluster_id"), c)
        trustee, trust = self.cloud.trust_of(cluster)
        self.assertEqual(self.cloud.stacks_named("hddown-" + cluster), [])

        # Deleted while Heat is still down: it waits for Heat, saying why.
        since = len(self.cloud.events(cluster))
        r = self.cloud.call("DELETE", "/v1/clusters/" + cluster)
        self.assertEqual(r.status, 204, r)

        def heat_named():
            return [e for e in self.cloud.events(cluster)[since:] if e["step"] == "heat"
                    and "orchestration service (Heat)" in e["message"]]
        self.m.wait_for(heat_named, timeout=20, interval=0.2, what="a delete event naming Heat")
        self.assertEqual(self.cloud.cluster(cluster)["status"], "DELETE_IN_PROGRESS")
        # Heat back: the delete completes; nothing of the cluster is in Heat or Keystone.
        self.m.stop()
        self.__class__.m = self.cloud.m = Magnumd(extra_config=driver_config(
            self.env, self.dir), workdir=self.dir, test_drivers=False).start()
        self.cloud.wait(cluster, ("GONE",), 60)
        self.assertEqual(self.cloud.stacks_named("hddown-" + cluster), [])
        self.assertTrue(trustee and trust, (trustee, trust))
        self.assertEqual(self.cloud.keystone("/users/" + trustee), 404)
        self.assertEqual(self.cloud.trust_status(trust), 404)


# ---- the stack's own timeout -----------------------------------------------------------

class StackTimeoutTest(unittest.TestCase):
    """create_timeout = 1 (minute) with members that take 75 s (started in setUpModule):
    CREATE_FAILED with a reason that says it timed out; the stack had timeout_mins = 1."""

    def test_stack_timeout_fails_the_create(self):
        cloud, cluster = SLOW["cloud"], SLOW["uuid"]
        c = cloud.wait(cluster, ("CREATE_FAILED",), max(10, 110 - (time.monotonic() - SLOW["t0"])))
        self.assertGreaterEqual(time.monotonic() - SLOW["t0"], 55)
        self.assertRegex(c["status_reason"] or "", r"(?i)timed out", cloud.diagnose(cluster))
        stack = cloud.stack("hdslow-" + cluster)
        self.assertIsNotNone(stack)
        self.assertEqual(stack["timeout_mins"], 1)
        cloud.delete(cluster, timeout=120)
        cloud.assert_gone("hdslow-" + cluster)


if __name__ == "__main__":
    unittest.main()
