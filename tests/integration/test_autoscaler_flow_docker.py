# ctest-labels: docker
"""The Kubernetes cluster-autoscaler's Magnum flow (issue 16) replayed against a docker-driver
cluster: a client that makes the Magnum requests of the autoscaler's Magnum cloud provider
(cluster-autoscaler/cloudprovider/magnum: magnum_manager.go, magnum_manager_impl.go,
magnum_nodegroup.go, magnum_cloud_provider.go and its gophercloud containerinfra client), in
its order, at its microversion, with its bodies, and reads what it reads (docs/api.md,
"Kubernetes cluster-autoscaler").

One cluster for the class: 1 manager, 1 worker, the worker nodegroup's max_node_count set
to 3 the way the provider's README tells an operator to (a nodegroup PATCH). Then, in order:
discovery; IncreaseSize by one and the wait for the update to end; DeleteNodes of one named
node (not the one the driver would pick by itself), then by address and by container id
(the docker driver's other node identifiers); the refusals; last, the admin switch of the
built-in autoscaler (the autoscaling labels). Each step checks the API's counts and
addresses against the node containers and the swarm's `node ls`."""
import unittest

from converge_support import node_ls, require_engine
from docker_support import DockerEngine, DriverApi, start_magnumd, wait_until

ENGINE = DockerEngine()

# The provider sets this microversion on its container-infra client (magnum_manager.go:
# microversionNodeGroups); gophercloud sends it as `OpenStack-API-Version: container-infra 1.9`.
PROVIDER_VERSION = "container-infra 1.9"
IN_PROGRESS, COMPLETE, FAILED = "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED"
UPDATE_TIMEOUT = 180  # the provider waits 2 min for IN_PROGRESS, then 10 min for COMPLETE
POLL_INTERVAL = 0.5   # the provider polls every 30 s; a test has no reason to


class MagnumProviderClient:
    """The Magnum side of the cluster-autoscaler's Magnum provider, request for request."""

    def __init__(self, test, m, cluster_name):
        self.test = test
        self.m = m
        self.cluster = cluster_name  # what --cluster-name gives: a name or a uuid
        self.requests = []  # (method, path) in the order made

    def call(self, method, path, body=None, expect=(200,)):
        r = self.m.request(method, "/v1" + path, body=body, version=PROVIDER_VERSION)
        self.requests.append((method, path.split("?")[0]))
        self.test.assertIn(r.status, expect, "%s %s -> %r" % (method, path, r))
        self.test.assertEqual(r.header("OpenStack-API-Version"),
                              "container-infrastructure-management 1.9")
        return r

    # -- createMagnumManager / checkClusterUUID: the cluster by name, then by uuid only.
    def resolve_cluster(self):
        c = self.call("GET", "/clusters/" + self.cluster).json
        self.cluster = c["uuid"]
        return c

    # -- autoDiscoverNodeGroups (--node-group-auto-discovery=magnum:role=worker): the list
    # (following `next`), masters skipped, a GET for min/max of each, max set = eligible.
    def discover(self, roles=("worker",)):
        groups, path = [], "/clusters/%s/nodegroups" % self.cluster
        while path:
            page = self.call("GET", path).json
            groups += page["nodegroups"]
            nxt = page.get("next")
            path = nxt[nxt.index("/v1/") + 3:] if nxt else None
        eligible = []
        for g in groups:
            if g["role"] == "master":
                continue
            detail = self.nodegroup(g["uuid"])
            if detail["max_node_count"] is None or detail["role"] not in roles:
                continue
            eligible.append(detail)
        return eligible

    # -- nodeGroupSize / fetchNodeGroupStackIDs: GET of one nodegroup.
    def nodegroup(self, ident):
        return self.call("GET", "/clusters/%s/nodegroups/%s" % (self.cluster, ident)).json

    # -- updateNodeCount (IncreaseSize, DecreaseTargetSize) and deleteNodes: actions/resize.
    def resize(self, ng_uuid, node_count, nodes_to_remove=None):
        body = {"node_count": node_count, "nodegroup": ng_uuid}
        if nodes_to_remove:  # gophercloud: `nodes_to_remove,omitempty`
            body["nodes_to_remove"] = nodes_to_remove
        r = self.call("POST", "/clusters/%s/actions/resize" % self.cluster, body,
                      expect=(200, 202))
        self.test.assertEqual(r.json, {"uuid": self.cluster})  # read as the cluster's uuid
        return r

    def increase_size(self, group, delta):
        """magnumNodeGroup.IncreaseSize: target + delta within max, then the resize."""
        size = self.nodegroup(group["uuid"])["node_count"]
        self.test.assertLessEqual(size + delta, group["max_node_count"])
        self.resize(group["uuid"], size + delta)
        return size + delta

    def delete_nodes(self, group, refs):
        """magnumNodeGroup.DeleteNodes: target - len(nodes) within min, one resize naming
        the nodes (the provider sends each node's system UUID, or a Heat index)."""
        size = self.nodegroup(group["uuid"])["node_count"]
        self.test.assertGreaterEqual(size - len(refs), group["min_node_count"])
        self.resize(group["uuid"], size - len(refs), refs)
        return size - len(refs)

    # -- waitForClusterStatus (the polling providers, CA ≤ 1.18): UPDATE_IN_PROGRESS, then
    # UPDATE_COMPLETE. The provider keeps polling through UPDATE_FAILED until its timeout;
    # this client stops there and fails.
    def wait_for_update(self):
        first = self.call("GET", "/clusters/" + self.cluster).json
        # The API answered the resize after the cluster took UPDATE_IN_PROGRESS, so the
        # provider's first poll sees it (a provider that missed it would time out).
        self.test.assertEqual(first["status"], IN_PROGRESS, first.get("status_reason"))

        def ended():
            c = self.call("GET", "/clusters/" + self.cluster).json
            return c if c["status"] != IN_PROGRESS else None
        return wait_until(ended, UPDATE_TIMEOUT, POLL_INTERVAL, "the update to end")


class AutoscalerFlowDockerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_engine()
        cls.m = start_magnumd()
        cls.api = DriverApi(unittest.TestCase(), cls.m, ENGINE)
        try:
            tmpl = cls.api.template(name="swarm-ca-flow")
            cls.uuid = cls.api.create(tmpl, "ca-flow", masters=1, nodes=1)
            c = cls.api.wait(cls.uuid, timeout=300)
            assert c["status"] == "CREATE_COMPLETE", c
            # The operator's step of the provider's README: a max_node_count on the group.
            r = cls.m.patch("/v1/clusters/%s/nodegroups/default-worker" % cls.uuid,
                            [{"op": "replace", "path": "/max_node_count", "value": 3}],
                            version=PROVIDER_VERSION)
            assert r.status == 202, r
            c = cls.api.wait(cls.uuid, statuses=(COMPLETE, FAILED, "CREATE_COMPLETE"),
                             timeout=UPDATE_TIMEOUT)
            assert c["status"] != FAILED, c
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.api.cleanup()
        finally:
            cls.m.cleanup()

    def setUp(self):
        self.ca = MagnumProviderClient(self, self.m, "ca-flow")
        self.ca.resolve_cluster()
        groups = self.ca.discover()
        self.assertEqual([g["name"] for g in groups], ["default-worker"])
        self.group = groups[0]

    # ---- what runs ---------------------------------------------------------------------

    def workers(self):
        """{node name: (address, container id)} of the worker group's running containers."""
        out = {}
        for c in ENGINE.containers("magnum.cluster.uuid=" + self.uuid):
            labels = c["Labels"]
            if labels.get("magnum.nodegroup.uuid") != self.group["uuid"]:
                continue
            self.assertEqual(c["State"], "running", c["Names"])
            out[labels["magnum.node.name"]] = (labels["magnum.node.ip"], c["Id"])
        return out

    def manager(self):
        for c in ENGINE.containers("magnum.cluster.uuid=" + self.uuid):
            if c["Labels"].get("magnum.node.role") == "master":
                return c["Names"][0].lstrip("/")
        self.fail("no manager container")

    def assert_runs(self, names):
        """The API's nodegroup, the containers and the swarm agree on exactly `names`."""
        ng = self.ca.nodegroup(self.group["uuid"])
        self.assertEqual(ng["status"], COMPLETE, ng.get("status_reason"))
        self.assertEqual(ng["node_count"], len(names))
        workers = self.workers()
        self.assertEqual(sorted(workers), sorted(names))
        self.assertEqual(sorted(ng["node_addresses"]), sorted(a for a, _ in workers.values()))
        manager = self.manager()

        def swarm_agrees():
            nodes = node_ls(manager)
            if nodes is None:
                return None
            hosts = {h: (s, a) for h, s, a in nodes if h != manager}
            return hosts if sorted(hosts) == sorted(names) else None
        hosts = wait_until(swarm_agrees, 30, 0.5, "node ls to list %s" % sorted(names))
        for host, (status, availability) in hosts.items():
            self.assertEqual((status, availability), ("Ready", "Active"), host)
        return workers

    def replay_resize(self, action, *args):
        action(self.group, *args)
        c = self.ca.wait_for_update()
        self.assertEqual(c["status"], COMPLETE, c.get("status_reason"))
        return c

    # ---- the flow ----------------------------------------------------------------------

    def test_1_discovery_reads_what_the_provider_reads(self):
        self.assertEqual(self.ca.requests[0], ("GET", "/clusters/ca-flow"))
        self.assertEqual(self.ca.cluster, self.uuid)
        g = self.group
        self.assertEqual((g["role"], g["is_default"], g["min_node_count"], g["max_node_count"],
                          g["node_count"]), ("worker", True, 0, 3, 1))
        for k in ("uuid", "name", "stack_id", "status", "flavor_id", "labels"):
            self.assertIn(k, g)
        self.assertEqual(g["status"], COMPLETE)
        c = self.ca.call("GET", "/clusters/" + self.uuid).json
        for k in ("status", "stack_id", "node_count", "uuid"):
            self.assertIn(k, c)
        self.assertEqual(len(self.assert_runs(self.workers())), 1)

    def test_2_increase_size_by_one(self):
        before = self.assert_runs(list(self.workers()))
        c = self.replay_resize(self.ca.increase_size, 1)
        self.assertEqual(c["node_count"], len(before) + 1)
        after = self.assert_runs(list(self.workers()))
        new = sorted(set(after) - set(before))
        self.assertEqual(len(new), 1, after)
        # The old nodes are the same containers; the new one is in the cluster's addresses.
        for name, (_, cid) in before.items():
            self.assertEqual(after[name][1], cid)
        self.assertIn(after[new[0]][0], c["node_addresses"])

    def test_3_delete_one_named_node(self):
        while len(self.workers()) < 3:
            self.replay_resize(self.ca.increase_size, 1)
        before = self.assert_runs(list(self.workers()))
        # Not the highest index (what a shrink takes when no node is named).
        victim = sorted(before)[0]
        c = self.replay_resize(self.ca.delete_nodes, [victim])
        self.assertEqual(c["node_count"], len(before) - 1)
        after = self.assert_runs([n for n in before if n != victim])
        for name, (_, cid) in after.items():
            self.assertEqual(before[name][1], cid, "%s was replaced" % name)
        self.assertNotIn(before[victim][0], c["node_addresses"])

    def test_4_delete_by_address_and_by_container_id(self):
        # The docker driver's other node identifiers: the node's address on the cluster
        # network, and its container id (the 12 characters `docker ps` shows).
        while len(self.workers()) < 3:
            self.replay_resize(self.ca.increase_size, 1)
        for form in ("address", "container id"):
            before = self.assert_runs(list(self.workers()))
            victim = sorted(before)[0]
            address, cid = before[victim]
            ref = address if form == "address" else cid[:12]
            c = self.replay_resize(self.ca.delete_nodes, [ref])
            after = self.assert_runs([n for n in before if n != victim])
            for name, (_, kept) in after.items():
                self.assertEqual(before[name][1], kept, "%s: %s was replaced" % (form, name))
            self.assertNotIn(address, c["node_addresses"])

    def test_5_refusals(self):
        group = self.group
        size = self.ca.nodegroup(group["uuid"])["node_count"]
        # Above max_node_count: refused by the API (the provider checks this itself too).
        r = self.m.post("/v1/clusters/%s/actions/resize" % self.uuid,
                        {"node_count": 4, "nodegroup": group["uuid"]}, version=PROVIDER_VERSION)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error_detail(), "Resizing default-worker outside the allowed range: "
                         "min_node_count = 0, max_node_count = 3")
        # The master group: never resized.
        master = [g for g in self.ca.call("GET", "/clusters/%s/nodegroups" % self.uuid)
                  .json["nodegroups"] if g["role"] == "master"][0]
        r = self.m.post("/v1/clusters/%s/actions/resize" % self.uuid,
                        {"node_count": 3, "nodegroup": master["uuid"]}, version=PROVIDER_VERSION)
        self.assertEqual(r.status, 400, r)
        # A node of no such name: accepted (202, as upstream), then the resize fails before
        # anything changes; the nodes and the count stay. (Two nodes, so that the shrink
        # does not ask for 0 nodes, which 1.9 refuses.)
        while size < 2:
            self.replay_resize(self.ca.increase_size, 1)
            size += 1
        before = self.assert_runs(list(self.workers()))
        self.ca.resize(group["uuid"], size - 1, ["ca-flow-node-99"])
        c = self.ca.wait_for_update()
        self.assertEqual(c["status"], FAILED)
        self.assertIn("ca-flow-node-99 in nodes_to_remove is not a node of this nodegroup",
                      c["status_reason"])
        ng = self.ca.nodegroup(group["uuid"])
        self.assertEqual(ng["node_count"], size)
        self.assertEqual(sorted(self.workers()), sorted(before))

    def test_6_admin_turns_the_builtin_autoscaler_off(self):
        # The extension (docs/api.md): the autoscaling labels change as metadata, here on
        # the UPDATE_FAILED cluster the refusals left; no operation starts.
        before = self.api.cluster(self.uuid)
        events = len(self.api.events(self.uuid))
        r = self.m.patch("/v1/clusters/" + self.uuid, [
            {"op": "add", "path": "/labels/auto_scaling_enabled", "value": "false"},
            {"op": "add", "path": "/labels/max_node_count", "value": "3"}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": self.uuid})
        after = self.api.cluster(self.uuid)
        self.assertEqual(after["labels"]["auto_scaling_enabled"], "false")
        self.assertEqual(after["labels"]["max_node_count"], "3")
        self.assertEqual(after["status"], before["status"])
        self.assertEqual(len(self.api.events(self.uuid)), events)
        for ops, detail in (
                ([{"op": "replace", "path": "/labels/max_node_count", "value": "two"}],
                 "Label max_node_count must be a non-negative integer, got 'two'."),
                ([{"op": "add", "path": "/labels/kube_tag", "value": "v2"}],
                 "cannot change cluster property(ies) labels.")):
            r = self.m.patch("/v1/clusters/" + self.uuid, ops)
            self.assertEqual((r.status, r.error_detail()), (400, detail))
        self.assertEqual(self.api.cluster(self.uuid)["labels"], after["labels"])


if __name__ == "__main__":
    unittest.main()
