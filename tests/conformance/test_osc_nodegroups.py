# ctest-labels: client
"""`openstack coe nodegroup create|list|show|update|delete`, with `cluster resize
--nodegroup` and `cluster upgrade --nodegroup`, against magnumd (fake driver) without
Keystone."""
import unittest

from conformance import ConformanceCase

# Every column of `openstack coe nodegroup show` (the client's own list).
SHOW_COLUMNS = {
    "uuid", "name", "cluster_id", "project_id", "docker_volume_size", "labels",
    "labels_overridden", "labels_skipped", "labels_added", "flavor_id", "image_id",
    "node_addresses", "node_count", "role", "max_node_count", "min_node_count", "is_default",
    "stack_id", "status", "status_reason"}
LIST_COLUMNS = {"uuid", "name", "flavor_id", "image_id", "node_count", "status", "role"}


class NodeGroupCommandsTest(ConformanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, image in [("k8s", "fake-image"), ("k8s-v2", "fake-image-v2")]:
            r = cls.m.post("/v1/clustertemplates", {
                "name": name, "coe": "kubernetes", "image_id": image, "flavor_id": "m1.small",
                "master_flavor_id": "m1.medium", "external_network_id": "public",
                "docker_volume_size": 3, "labels": {"kube_tag": "v1"}})
            assert r.status == 201, r
        r = cls.m.post("/v1/clusters", {"name": "c1", "cluster_template_id": "k8s",
                                        "master_count": 1, "node_count": 1,
                                        "labels": {"kube_tag": "v1", "c": "1"}})
        assert r.status == 202, r
        cls.cluster = r.json["uuid"]
        cls.m.wait_for(lambda: cls.m.get("/v1/clusters/c1").json["status"] == "CREATE_COMPLETE",
                       timeout=30, what="c1 created")

    def create(self, name, *options):
        run = self.osc("nodegroup", "create", "c1", name, *options)
        with self.about(run):
            self.assertRegex(run.stdout, r"^Request to create nodegroup [0-9a-f-]{36} accepted$")
        uuid = run.stdout.split()[4]
        self.assertEqual(self.wait_nodegroup("c1", uuid), "CREATE_COMPLETE")
        return uuid

    def test_create_with_every_option_show_list(self):
        uuid = self.create("gpu", "--docker-volume-size", "6", "--labels", "gpu=true",
                           "--labels", "c=2", "--merge-labels", "--node-count", "2",
                           "--min-nodes", "1", "--max-nodes", "4", "--role", "infra",
                           "--image", "fake-image-v2", "--flavor", "g1.large")
        shown = self.osc_json("nodegroup", "show", "c1", "gpu")
        self.assertEqual(set(shown), SHOW_COLUMNS)
        expected = {
            "uuid": uuid, "name": "gpu", "cluster_id": self.cluster, "project_id": "default",
            "docker_volume_size": 6, "labels": {"kube_tag": "v1", "c": "2", "gpu": "true"},
            "labels_added": {"gpu": "true"}, "labels_overridden": {"c": "1"},
            "labels_skipped": {}, "flavor_id": "g1.large", "image_id": "fake-image-v2",
            "node_count": 2, "role": "infra", "max_node_count": 4, "min_node_count": 1,
            "is_default": False, "status": "CREATE_COMPLETE"}
        for key, value in expected.items():
            self.assertEqual(shown[key], value, "field %s" % key)
        self.assertEqual(len(shown["node_addresses"]), 2)
        self.assertEqual(self.osc_json("nodegroup", "show", "c1", uuid), shown)
        self.assertEqual(self.osc_json("nodegroup", "show", self.cluster, "gpu"), shown)

        # Defaults: role worker, one node, min 0, no max, the cluster's flavor and the
        # template's image; labels without --merge-labels replace the cluster's.
        self.create("plain", "--labels", "only=1")
        shown = self.osc_json("nodegroup", "show", "c1", "plain")
        self.assertEqual(
            [shown[k] for k in ("role", "node_count", "min_node_count", "max_node_count",
                                "flavor_id", "image_id", "labels", "docker_volume_size")],
            ["worker", 1, 0, None, "m1.small", "fake-image", {"only": "1"}, 3])

        listed = self.osc_json("nodegroup", "list", "c1")
        self.assertEqual(set(listed[0]), LIST_COLUMNS)
        self.assertEqual(sorted((g["name"], g["role"], g["node_count"], g["status"])
                                for g in listed),
                         [("default-master", "master", 1, "CREATE_COMPLETE"),
                          ("default-worker", "worker", 1, "CREATE_COMPLETE"),
                          ("gpu", "infra", 2, "CREATE_COMPLETE"),
                          ("plain", "worker", 1, "CREATE_COMPLETE")])
        by_role = self.osc_json("nodegroup", "list", "c1", "--role", "worker")
        self.assertEqual(sorted(g["name"] for g in by_role), ["default-worker", "plain"])
        page = self.osc_json("nodegroup", "list", "c1", "--limit", "2", "--sort-key", "name",
                             "--sort-dir", "desc")
        self.assertEqual([g["name"] for g in page], ["plain", "gpu"])

        # One name per call: a second delete while the first runs is refused (see
        # test_delete_several_while_busy).
        for name in ("gpu", "plain"):
            run = self.osc("nodegroup", "delete", "c1", name)
            with self.about(run):
                self.assertEqual(run.stdout.strip(),
                                 "Request to delete nodegroup %s has been accepted." % name)
            self.wait_nodegroup("c1", name, statuses=("GONE",))
        listed = self.osc_json("nodegroup", "list", "c1")
        self.assertEqual(sorted(g["name"] for g in listed), ["default-master", "default-worker"])

    def test_delete_several_while_busy(self):
        # The client sends one DELETE per name, back to back. magnumd runs one operation per
        # cluster at a time and refuses the next while the first runs (409, retry later);
        # upstream casts both (docs/api.md, differences).
        r = self.m.post("/v1/clusters", {"name": "slow", "cluster_template_id": "k8s",
                                         "master_count": 1, "node_count": 1,
                                         "labels": {"fake_delay_ms": "600"}})
        self.assertEqual(r.status, 202, r)
        self.wait_cluster("slow")
        for name in ("a", "b"):
            r = self.m.post("/v1/clusters/slow/nodegroups", {"name": name, "node_count": 1})
            self.assertEqual(r.status, 202, r)
            self.wait_cluster("slow")
        run = self.osc("nodegroup", "delete", "slow", "a", "b", ok=False)
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "Request to delete nodegroup a has been "
                             "accepted.")
            self.assertIn("Cluster slow is busy: UPDATE_IN_PROGRESS (nodegroup_delete); try "
                          "again when it finishes (HTTP 409)", run.output)
        self.wait_cluster("slow")
        self.osc("nodegroup", "delete", "slow", "b")
        self.wait_nodegroup("slow", "b", statuses=("GONE",))
        self.assertEqual(self.m.delete("/v1/clusters/slow").status, 204)

    def test_create_refusals(self):
        self.create("dup")
        cases = [
            (["dup"], "A node group with name dup already exists in the cluster c1 (HTTP 409)"),
            (["m", "--role", "master"], "Creating master nodegroups is currently not "
                                        "supported (HTTP 400)"),
            (["n", "--node-count", "5", "--max-nodes", "3"], "(HTTP 409)"),
            (["n", "--min-nodes", "2", "--node-count", "1"], "(HTTP 409)"),
        ]
        for args, message in cases:
            run = self.osc("nodegroup", "create", "c1", *args, ok=False)
            with self.about(run):
                self.assertIn(message, run.output)
        run = self.osc("nodegroup", "create", "nope", "x", ok=False)
        with self.about(run):
            self.assertIn("Cluster nope could not be found (HTTP 404)", run.output)
        run = self.osc("nodegroup", "show", "c1", "nope", ok=False)
        with self.about(run):
            self.assertIn("Nodegroup nope could not be found (HTTP 404)", run.output)
        run = self.osc("nodegroup", "delete", "c1", "default-worker", ok=False)
        with self.about(run):
            self.assertIn("Deleting a default nodegroup is not supported (HTTP 400)",
                          run.output)
        self.osc("nodegroup", "delete", "c1", "dup")
        self.wait_nodegroup("c1", "dup", statuses=("GONE",))

    def test_update_resize_upgrade(self):
        uuid = self.create("ng", "--node-count", "2", "--min-nodes", "1", "--max-nodes", "3")
        # Several PATH=VALUE in one call: one PATCH with one op each.
        run = self.osc("nodegroup", "update", "c1", "ng", "replace", "max_node_count=5",
                       "min_node_count=2")
        with self.about(run):
            self.assertEqual(run.stdout.strip(),
                             "Request to update nodegroup ng has been accepted.")
            self.assertIn('[{"op": "replace", "path": "/max_node_count", "value": 5}, '
                          '{"op": "replace", "path": "/min_node_count", "value": 2}]',
                          run.stderr)
        self.assertEqual(self.wait_nodegroup("c1", uuid), "UPDATE_COMPLETE")
        shown = self.osc_json("nodegroup", "show", "c1", "ng")
        self.assertEqual((shown["max_node_count"], shown["min_node_count"], shown["status"]),
                         (5, 2, "UPDATE_COMPLETE"))
        self.osc("nodegroup", "update", "c1", "ng", "remove", "max_node_count")
        self.wait_nodegroup("c1", uuid)
        self.assertIsNone(self.osc_json("nodegroup", "show", "c1", "ng")["max_node_count"])
        for args, message in [
                (["replace", "node_count=3"], "(HTTP 400)"),
                (["replace", "min_node_count=9"], "(HTTP 409)")]:
            run = self.osc("nodegroup", "update", "c1", "ng", *args, ok=False)
            with self.about(run):
                self.assertIn(message, run.output)

        # Resize a nodegroup within its bounds; outside them is refused.
        self.osc("cluster", "resize", "c1", "4", "--nodegroup", "ng")
        self.assertEqual(self.wait_cluster("c1"), "UPDATE_COMPLETE")
        shown = self.osc_json("nodegroup", "show", "c1", "ng")
        self.assertEqual((shown["node_count"], len(shown["node_addresses"])), (4, 4))
        run = self.osc("cluster", "resize", "c1", "1", "--nodegroup", "ng", ok=False)
        with self.about(run):
            self.assertIn("Resizing ng outside the allowed range: min_node_count = 2, "
                          "max_node_count = None (HTTP 400)", run.output)

        # Upgrade: a non-default nodegroup only to the cluster's template (409), then the
        # default worker alone.
        run = self.osc("cluster", "upgrade", "c1", "k8s-v2", "--nodegroup", "ng", ok=False)
        with self.about(run):
            self.assertIn("Nodegroup ng can be upgraded only to match cluster's template",
                          run.output)
            self.assertIn("(HTTP 409)", run.output)
        self.osc("cluster", "upgrade", "c1", "k8s-v2", "--nodegroup", "default-worker")
        self.assertEqual(self.wait_cluster("c1"), "UPDATE_COMPLETE")
        images = {g["name"]: g["image_id"] for g in self.osc_json("nodegroup", "list", "c1")}
        self.assertEqual(images, {"default-master": "fake-image", "default-worker":
                                  "fake-image-v2", "ng": "fake-image"})
        self.osc("nodegroup", "delete", "c1", "ng")
        self.wait_nodegroup("c1", "ng", statuses=("GONE",))


if __name__ == "__main__":
    unittest.main()
