# ctest-labels: client
"""`openstack coe cluster create|list|show|update|resize|upgrade|delete` against magnumd
(fake driver) without Keystone."""
import unittest

from conformance import ConformanceCase

# Every column of `openstack coe cluster show` (the client's own list).
SHOW_COLUMNS = {
    "status", "health_status", "cluster_template_id", "node_addresses", "uuid", "stack_id",
    "status_reason", "created_at", "updated_at", "coe_version", "labels", "labels_overridden",
    "labels_skipped", "labels_added", "fixed_network", "fixed_subnet", "floating_ip_enabled",
    "faults", "keypair", "api_address", "master_addresses", "master_lb_enabled",
    "create_timeout", "node_count", "discovery_url", "docker_volume_size", "master_count",
    "container_version", "name", "master_flavor_id", "flavor_id", "health_status_reason",
    "project_id"}


class ClusterCommandsTest(ConformanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Templates through the API (their commands are test_osc_templates' subject).
        for name, image, extra in [("k8s", "fake-image", {"labels": {"kube_tag": "v1",
                                                                       "keep": "t"}}),
                                   ("k8s-v2", "fake-image-v2", {}),
                                   ("lb", "fake-image", {"master_lb_enabled": True})]:
            body = {"name": name, "coe": "kubernetes", "image_id": image,
                    "external_network_id": "public", "flavor_id": "m1.small",
                    "master_flavor_id": "m1.medium", "docker_volume_size": 3}
            body.update(extra)
            r = cls.m.post("/v1/clustertemplates", body)
            assert r.status == 201, r

    def create(self, name, *options, wait=True):
        run = self.osc("cluster", "create", name, *options)
        with self.about(run):
            self.assertRegex(run.stdout, r"^Request to create cluster [0-9a-f-]{36} accepted$")
        uuid = run.stdout.split()[4]
        if wait:
            self.assertEqual(self.wait_cluster(uuid), "CREATE_COMPLETE")
        return uuid

    def show(self, ident):
        return self.osc_json("cluster", "show", ident)

    def test_create_with_every_option_show_list(self):
        uuid = self.create("full", "--cluster-template", "k8s", "--discovery-url",
                           "https://discovery.example/abc", "--docker-volume-size", "5",
                           "--labels", "kube_tag=v2", "--labels", "extra=1", "--merge-labels",
                           "--keypair", "kp1", "--master-count", "1", "--node-count", "2",
                           "--timeout", "30", "--master-flavor", "m1.xlarge", "--flavor",
                           "m1.large", "--fixed-network", "net1", "--fixed-subnet", "sub1",
                           "--floating-ip-disabled")
        shown = self.show("full")
        self.assertEqual(set(shown), SHOW_COLUMNS)
        expected = {
            "uuid": uuid, "name": "full", "status": "CREATE_COMPLETE",
            "status_reason": "Cluster create completed", "discovery_url":
            "https://discovery.example/abc", "docker_volume_size": 5, "keypair": "kp1",
            "master_count": 1, "node_count": 2, "create_timeout": 30,
            "master_flavor_id": "m1.xlarge", "flavor_id": "m1.large", "fixed_network": "net1",
            "fixed_subnet": "sub1", "floating_ip_enabled": False, "master_lb_enabled": False,
            "labels": {"kube_tag": "v2", "keep": "t", "extra": "1"},
            "labels_overridden": {"kube_tag": "v1"}, "labels_added": {"extra": "1"},
            "labels_skipped": {}, "project_id": "default", "coe_version": "fake-1.0",
            "container_version": "fake-1.0", "faults": "",
            # mv 1.13+ (openstack always sends `latest`): the API returns cluster_id instead
            # of stack_id, and the client's column list still names stack_id, so it is empty.
            "stack_id": ""}
        for key, value in expected.items():
            self.assertEqual(shown[key], value, "field %s" % key)
        self.assertEqual(len(shown["master_addresses"]), 1)
        self.assertEqual(len(shown["node_addresses"]), 2)
        self.assertEqual(shown["api_address"], "https://%s:6443" % shown["master_addresses"][0])
        self.assertEqual(self.osc_json("cluster", "show", uuid), shown)

        listed = self.osc_json("cluster", "list")
        row = [c for c in listed if c["name"] == "full"]
        self.assertEqual(len(row), 1)
        self.assertEqual(set(row[0]), {"uuid", "name", "keypair", "node_count", "master_count",
                                       "status", "health_status"})
        self.assertEqual((row[0]["uuid"], row[0]["keypair"], row[0]["node_count"],
                          row[0]["master_count"], row[0]["status"]),
                         (uuid, "kp1", 2, 1, "CREATE_COMPLETE"))

        # Labels without --merge-labels replace the template's.
        self.create("plain", "--cluster-template", "k8s", "--labels", "only=1")
        shown = self.show("plain")
        self.assertEqual((shown["labels"], shown["labels_skipped"], shown["master_count"],
                          shown["node_count"], shown["create_timeout"], shown["keypair"]),
                         ({"only": "1"}, {"kube_tag": "v1", "keep": "t"}, 1, 1, 60, None))
        self.assertEqual((shown["flavor_id"], shown["docker_volume_size"]), ("m1.small", 3))

        # --limit/--sort-key/--sort-dir.
        listed = self.osc_json("cluster", "list", "--limit", "1", "--sort-key", "name",
                               "--sort-dir", "desc")
        self.assertEqual([c["name"] for c in listed], ["plain"])
        self.osc("cluster", "delete", "full", "plain")
        self.wait_cluster(uuid, statuses=("GONE",))
        self.wait_cluster("plain", statuses=("GONE",))

    def test_master_lb_options(self):
        # The client (4.0) sends master_lb_enabled=false for --master-lb-enabled too (its
        # append_const is False for both flags), so with several masters it refuses itself.
        run = self.osc("cluster", "create", "x", "--cluster-template", "lb", "--master-count",
                       "3", "--master-lb-enabled", ok=False)
        with self.about(run):
            self.assertIn("Master node count can only be one if master loadbalancer is "
                          "disabled", run.output)
            self.assertNotIn("REQ: ", run.stderr)
        # Without the flag the template's value is inherited.
        self.create("lb1", "--cluster-template", "lb", "--master-count", "3")
        shown = self.show("lb1")
        self.assertEqual((shown["master_lb_enabled"], shown["master_count"],
                          len(shown["master_addresses"])), (True, 3, 3))
        # Several masters need the load balancer (the API's rule, as upstream).
        run = self.osc("cluster", "create", "x", "--cluster-template", "k8s",
                       "--master-count", "3", ok=False)
        with self.about(run):
            self.assertIn("master_count must be 1 when master_lb_enabled is False (HTTP 400)",
                          run.output)
        # With one master either flag sends false.
        self.create("lb2", "--cluster-template", "lb", "--master-lb-enabled")
        self.assertFalse(self.show("lb2")["master_lb_enabled"])
        self.osc("cluster", "delete", "lb1", "lb2")

    def test_update_resize_upgrade(self):
        uuid = self.create("c1", "--cluster-template", "k8s", "--node-count", "2")
        run = self.osc("cluster", "update", "c1", "replace", "node_count=3")
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "Request to update cluster c1 has been accepted.")
        self.assertEqual(self.wait_cluster(uuid), "UPDATE_COMPLETE")
        shown = self.show("c1")
        self.assertEqual((shown["node_count"], len(shown["node_addresses"]), shown["status"],
                          shown["status_reason"]), (3, 3, "UPDATE_COMPLETE",
                                                    "Cluster update completed"))
        self.osc("cluster", "update", "--rollback", "c1", "replace", "node_count=2")
        self.wait_cluster(uuid)
        self.assertEqual(self.show("c1")["node_count"], 2)
        # health_status_reason: the client sends a Python-repr string, as for labels.
        self.osc("cluster", "update", "c1", "replace", "health_status=UNHEALTHY",
                 "health_status_reason=api=down,etcd=ok")
        shown = self.show("c1")
        self.assertEqual((shown["health_status"], shown["health_status_reason"]),
                         ("UNHEALTHY", {"api": "down", "etcd": "ok"}))
        for args, message in [
                (["replace", "labels=a=b"], "cannot change cluster property(ies) labels"),
                (["replace", "node_count=-1"], "(HTTP 400)"),
                (["remove", "name"], "(HTTP 400)")]:
            run = self.osc("cluster", "update", "c1", *args, ok=False)
            with self.about(run):
                self.assertIn(message, run.output)
        # remove of an optional scalar resets it to the API default (node_count: 1).
        self.osc("cluster", "update", "c1", "remove", "node_count")
        self.wait_cluster(uuid)
        self.assertEqual(self.show("c1")["node_count"], 1)

        # Resize: the default worker, then with --nodes-to-remove.
        run = self.osc("cluster", "resize", "c1", "4")
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "Request to resize cluster c1 has been accepted.")
        self.wait_cluster(uuid)
        shown = self.show("c1")
        self.assertEqual((shown["node_count"], len(shown["node_addresses"])), (4, 4))
        victim = shown["node_addresses"][0]
        self.osc("cluster", "resize", "c1", "3", "--nodes-to-remove", victim)
        self.wait_cluster(uuid)
        shown = self.show("c1")
        self.assertEqual(shown["node_count"], 3)
        self.assertNotIn(victim, shown["node_addresses"])
        for args, message in [(["c1", "2", "--nodegroup", "nope"],
                               "Nodegroup nope could not be found (HTTP 404)"),
                              (["nope", "2"], "Cluster nope could not be found (HTTP 404)")]:
            run = self.osc("cluster", "resize", *args, ok=False)
            with self.about(run):
                self.assertIn(message, run.output)

        # Upgrade to another template: every nodegroup moves to its image.
        run = self.osc("cluster", "upgrade", "c1", "k8s-v2", "--max-batch-size", "2")
        with self.about(run):
            self.assertEqual(run.stdout.strip(),
                             "Request to upgrade cluster c1 has been accepted.")
        self.assertEqual(self.wait_cluster(uuid), "UPDATE_COMPLETE")
        shown = self.show("c1")
        v2 = self.m.get("/v1/clustertemplates/k8s-v2").json["uuid"]
        self.assertEqual((shown["cluster_template_id"], shown["status_reason"]),
                         (v2, "Cluster upgrade completed"))
        groups = self.osc_json("nodegroup", "list", "c1")
        self.assertEqual({(g["name"], g["image_id"]) for g in groups},
                         {("default-master", "fake-image-v2"),
                          ("default-worker", "fake-image-v2")})
        run = self.osc("cluster", "upgrade", "c1", "nope", ok=False)
        with self.about(run):
            self.assertIn("ClusterTemplate nope could not be found (HTTP 404)", run.output)
        self.osc("cluster", "delete", "c1")

    def test_in_progress_and_failed(self):
        # A slow create: the client sees CREATE_IN_PROGRESS and conflicts.
        uuid = self.create("slow", "--cluster-template", "k8s", "--labels",
                           "fake_delay_ms=5000", wait=False)
        shown = self.show("slow")
        self.assertEqual(shown["status"], "CREATE_IN_PROGRESS")
        run = self.osc("cluster", "update", "slow", "replace", "node_count=2", ok=False)
        with self.about(run):
            self.assertIn('Updating a cluster when status is "CREATE_IN_PROGRESS" is not '
                          'supported', run.output)
            self.assertIn("(HTTP 409)", run.output)
        # Delete during create cancels it.
        run = self.osc("cluster", "delete", "slow")
        with self.about(run):
            self.assertEqual(run.stdout.strip(),
                             "Request to delete cluster slow has been accepted.")
        self.wait_cluster(uuid, statuses=("GONE",))
        run = self.osc("cluster", "show", "slow", ok=False)
        with self.about(run):
            self.assertIn("Cluster slow could not be found (HTTP 404)", run.output)

        # A failing create: CREATE_FAILED with faults per nodegroup.
        uuid = self.create("bad", "--cluster-template", "k8s", "--labels",
                           "fake_fail=create:node", wait=False)
        self.assertEqual(self.wait_cluster(uuid), "CREATE_FAILED")
        shown = self.show("bad")
        self.assertEqual(shown["status"], "CREATE_FAILED")
        self.assertIn("injected failure", shown["status_reason"])
        self.assertEqual(sorted(shown["faults"]), ["default-master", "default-worker"])
        run = self.osc("cluster", "resize", "bad", "2", ok=False)
        with self.about(run):
            self.assertIn('Resizing a cluster when status is "CREATE_FAILED" is not supported '
                          '(HTTP 400)', run.output)
        self.osc("cluster", "delete", "bad")
        self.wait_cluster(uuid, statuses=("GONE",))
        run = self.osc("cluster", "delete", "nope", ok=False)
        with self.about(run):
            self.assertIn("Cluster nope could not be found (HTTP 404)", run.output)
        run = self.osc("cluster", "create", "x", "--cluster-template", "nope", ok=False)
        with self.about(run):
            self.assertIn("ClusterTemplate nope could not be found (HTTP 404)", run.output)


if __name__ == "__main__":
    unittest.main()
