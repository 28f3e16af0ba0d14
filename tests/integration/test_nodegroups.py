# ctest-labels: lifecycle
"""/v1/clusters/{id}/nodegroups (§2.3, mv ≥ 1.9) over HTTP against magnumd with the fake
driver: default nodegroups, CRUD of extra worker nodegroups, counts, node labels and
taints, resize/upgrade of a named nodegroup, and every bad input."""
import unittest
import urllib.parse

from harness import Magnumd
from cluster_fixtures import ADMIN, ALICE, BOB, READER, create_cluster, create_template

CONFIG = {"x509": {"rsa_key_size": "1024"}}
BRIEF = {"uuid", "name", "flavor_id", "image_id", "node_count", "role", "is_default",
         "stack_id", "status", "min_node_count", "max_node_count", "merge_labels"}
FULL = BRIEF | {"id", "cluster_id", "project_id", "docker_volume_size", "labels",
                "labels_overridden", "labels_added", "labels_skipped", "node_addresses",
                "status_reason", "version", "node_labels", "node_taints", "links",
                "created_at", "updated_at"}


def mv(minor):
    return "container-infra 1.%d" % minor


class NodeGroupTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=CONFIG).start()
        cls.template = create_template(cls.m, ALICE, labels={"kube_tag": "v1.30.1"})
        cls.cluster = create_cluster(cls.m, cls.template, ALICE, name="ngc", node_count=2,
                                     labels={"min_node_count": "1", "c": "1"},
                                     merge_labels=True)
        cls.base = "/v1/clusters/%s/nodegroups" % cls.cluster

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        if fragment is not None:
            self.assertIn(fragment, err["detail"])
        return err["detail"]

    def get(self, ng, headers=ALICE, **kw):
        return self.m.get("%s/%s" % (self.base, ng), headers=headers, **kw)

    def create(self, body, headers=ALICE, cluster=None, **kw):
        base = self.base if cluster is None else "/v1/clusters/%s/nodegroups" % cluster
        return self.m.post(base, body, headers=headers, **kw)

    def wait_ng(self, ng, statuses=("CREATE_COMPLETE", "UPDATE_COMPLETE", "CREATE_FAILED",
                                    "UPDATE_FAILED")):
        def done():
            r = self.get(ng)
            return r.json["status"] if r.status == 200 and r.json["status"] in statuses else None
        return self.m.wait_for(done, timeout=20, what="nodegroup %s" % ng)

    def wait_cluster_idle(self):
        def idle():
            r = self.m.get("/v1/clusters/" + self.cluster, headers=ALICE)
            return not r.json["status"].endswith("IN_PROGRESS")
        self.m.wait_for(idle, timeout=20, what="cluster idle")


class DefaultNodeGroupsTest(NodeGroupTestCase):
    def test_version_gate(self):
        self.assertError(self.m.get(self.base, headers=ALICE, version=mv(8)), 406,
                         "nodegroups is not supported for this version")
        self.assertEqual(self.m.get(self.base, headers=ALICE, version=mv(9)).status, 200)

    def test_defaults_list_get(self):
        r = self.m.get(self.base, headers=ALICE)
        self.assertEqual(r.status, 200, r)
        ngs = {ng["name"]: ng for ng in r.json["nodegroups"]}
        self.assertIn("default-master", ngs)
        self.assertIn("default-worker", ngs)
        for ng in ngs.values():
            self.assertEqual(set(ng), BRIEF)
            self.assertTrue(ng["is_default"])
        self.assertEqual(ngs["default-master"]["role"], "master")
        self.assertEqual(ngs["default-master"]["node_count"], 1)
        self.assertEqual(ngs["default-master"]["flavor_id"], "m1.medium")
        self.assertEqual(ngs["default-worker"]["role"], "worker")
        self.assertEqual(ngs["default-worker"]["node_count"], 2)
        self.assertEqual(ngs["default-worker"]["min_node_count"], 1)  # from the label
        self.assertEqual(ngs["default-worker"]["image_id"], "fake-image")

        # Role filter; the /detail variant python-magnumclient asks for.
        r = self.m.get(self.base + "?role=master", headers=ALICE)
        self.assertEqual([ng["name"] for ng in r.json["nodegroups"]], ["default-master"])
        r = self.m.get(self.base + "/detail", headers=ALICE)
        self.assertEqual(r.status, 200, r)
        for ng in r.json["nodegroups"]:
            self.assertEqual(set(ng), FULL)

        # Get by name, uuid and integer id; full object with labels diff vs the cluster.
        worker = self.get("default-worker").json
        self.assertEqual(set(worker), FULL)
        self.assertEqual(self.get(worker["uuid"]).json["name"], "default-worker")
        self.assertEqual(self.get(str(worker["id"])).json["name"], "default-worker")
        self.assertEqual(worker["cluster_id"], self.cluster)
        self.assertEqual(worker["labels_added"], {})
        self.assertEqual(worker["labels_skipped"], {})
        self.assertEqual(len(worker["node_addresses"]), 2)
        self.assertTrue(worker["links"][0]["href"].endswith(
            "/v1/clusters/%s/nodegroups/%s" % (self.cluster, worker["uuid"])))
        # By cluster name too.
        self.assertEqual(self.m.get("/v1/clusters/ngc/nodegroups/default-worker",
                                    headers=ALICE).status, 200)

        self.assertError(self.get("nope"), 404, "Nodegroup nope could not be found.")
        self.assertError(self.get("default-worker", headers=BOB), 404)
        self.assertEqual(self.get("default-worker", headers=ADMIN).status, 200)
        self.assertEqual(self.get("default-worker", headers=READER).status, 200)

    def test_pagination(self):
        r = self.m.get(self.base + "?limit=1&role=worker", headers=ALICE)
        self.assertEqual(len(r.json["nodegroups"]), 1)
        nxt = urllib.parse.urlsplit(r.json["next"])
        self.assertEqual(nxt.path, self.base)
        self.assertEqual(dict(urllib.parse.parse_qsl(nxt.query))["role"], "worker")
        self.assertError(self.m.get(self.base + "?sort_key=bogus", headers=ALICE), 400)
        self.assertError(self.m.get(self.base + "?what=1", headers=ALICE), 400)

    def test_default_nodegroups_are_protected(self):
        self.assertError(self.m.delete(self.base + "/default-worker", headers=ALICE), 400,
                         "Deleting a default nodegroup is not supported.")
        self.assertError(self.m.patch(self.base + "/default-master",
                                      [{"op": "replace", "path": "/node_labels",
                                        "value": "{'a': 'b'}"}], headers=ALICE), 409,
                         "not allowed on master nodegroups")


class NodeGroupCrudTest(NodeGroupTestCase):
    def test_create_patch_resize_upgrade_delete(self):
        body = {"name": "gpu", "flavor_id": "g1.large", "node_count": 2, "min_node_count": 1,
                "max_node_count": 3, "labels": {"gpu": "true"}, "merge_labels": True,
                "node_labels": {"workload": "gpu"},
                "node_taints": [{"key": "nvidia.com/gpu", "value": "present",
                                 "effect": "NoSchedule"}]}
        r = self.create(body)
        self.assertEqual(r.status, 202, r)
        ng = r.json
        self.assertEqual(set(ng), FULL)
        self.assertEqual((ng["name"], ng["role"], ng["is_default"]), ("gpu", "worker", False))
        self.assertEqual(ng["cluster_id"], self.cluster)
        self.assertEqual(ng["image_id"], "fake-image")          # from the template
        self.assertEqual(ng["labels"]["gpu"], "true")
        self.assertEqual(ng["labels"]["kube_tag"], "v1.30.1")   # merged with the cluster's
        self.assertEqual(ng["labels_added"], {"gpu": "true"})
        self.assertTrue(ng["merge_labels"])
        self.assertEqual(ng["node_labels"], {"workload": "gpu"})
        self.assertEqual(ng["node_taints"][0]["effect"], "NoSchedule")
        self.assertEqual(self.wait_ng("gpu"), "CREATE_COMPLETE")
        self.wait_cluster_idle()
        self.assertEqual(len(self.get("gpu").json["node_addresses"]), 2)
        cluster = self.m.get("/v1/clusters/" + self.cluster, headers=ALICE).json
        self.assertEqual(cluster["node_count"], 4)  # 2 default workers + 2 gpu

        self.assertError(self.create(dict(body)), 409,
                         "A node group with name gpu already exists in the cluster ngc.")

        # PATCH: only min/max/node_labels/node_taints.
        r = self.m.patch(self.base + "/gpu", [
            {"op": "replace", "path": "/max_node_count", "value": 5},
            {"op": "replace", "path": "/node_labels", "value": "{'workload': 'gpu', 'tier': 'a'}"},
            {"op": "remove", "path": "/node_taints"}], headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["max_node_count"], 5)
        self.assertEqual(r.json["node_labels"], {"workload": "gpu", "tier": "a"})
        self.assertIsNone(r.json["node_taints"])
        self.assertEqual(self.wait_ng("gpu"), "UPDATE_COMPLETE")
        self.wait_cluster_idle()
        for path in ("/node_count", "/name", "/labels", "/flavor_id", "/role", "/is_default"):
            self.assertError(self.m.patch(self.base + "/gpu", [
                {"op": "replace", "path": path, "value": "1"}], headers=ALICE), 400,
                "internal attribute")
        self.assertError(self.m.patch(self.base + "/gpu", [
            {"op": "replace", "path": "/min_node_count", "value": 3}], headers=ALICE), 409,
            "min_node_count for gpu is invalid")
        self.assertError(self.m.patch(self.base + "/gpu", [
            {"op": "replace", "path": "/max_node_count", "value": 1}], headers=ALICE), 409,
            "max_node_count for gpu is invalid")
        self.assertError(self.m.patch(self.base + "/gpu", [
            {"op": "replace", "path": "/node_taints", "value": "[{'key': 'a', 'effect': 'Nope'}]"}],
            headers=ALICE), 409, "node_taints for gpu is invalid")
        self.assertEqual(self.get("gpu").json["max_node_count"], 5)  # refused patches wrote nothing

        # Resize within and outside the nodegroup's bounds.
        resize = "/v1/clusters/%s/actions/resize" % self.cluster
        self.assertError(self.m.post(resize, {"node_count": 6, "nodegroup": "gpu"}, headers=ALICE),
                         400, "Resizing gpu outside the allowed range: min_node_count = 1, "
                         "max_node_count = 5")
        self.assertError(self.m.post(resize, {"node_count": 0, "nodegroup": "gpu"}, headers=ALICE),
                         400, "outside the allowed range")
        r = self.m.post(resize, {"node_count": 3, "nodegroup": "gpu"}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.wait_cluster_idle()
        self.assertEqual(self.get("gpu").json["node_count"], 3)

        # A non-default nodegroup can only move to the cluster's template.
        other = create_template(self.m, ALICE, image_id="fake-image-v2")
        self.assertError(self.m.post("/v1/clusters/%s/actions/upgrade" % self.cluster,
                                     {"cluster_template": other, "nodegroup": "gpu"},
                                     headers=ALICE), 409,
                         "Nodegroup gpu can be upgraded only to match cluster's template")

        # Delete: 204, then gone.
        r = self.m.delete(self.base + "/gpu", headers=ALICE)
        self.assertEqual(r.status, 204, r)
        self.m.wait_for(lambda: self.get("gpu").status == 404, timeout=20, what="gpu gone")
        self.wait_cluster_idle()
        self.assertEqual(self.m.get("/v1/clusters/" + self.cluster, headers=ALICE).json[
            "node_count"], 2)

    def test_create_bad_input(self):
        self.assertError(self.create({"name": "m", "role": "master"}), 400,
                         "Creating master nodegroups is currently not supported.")
        self.assertError(self.create({"name": "c1", "node_count": 1, "min_node_count": 2}), 409,
                         "min_node_count for c1 is invalid (min_node_count (2) should be less "
                         "or equal to node_count (1)).")
        self.assertError(self.create({"name": "c2", "node_count": 4, "max_node_count": 3}), 409,
                         "max_node_count for c2 is invalid")
        self.assertError(self.create({"name": "c3", "node_labels": {"kubernetes.io/role": "x"}}),
                         409, "node_labels for c3 is invalid")
        self.assertError(self.create({"name": "c4", "node_taints": [{"key": "a"}]}), 409,
                         "node_taints for c4 is invalid")
        self.assertError(self.create({"name": "c5", "bogus": 1}), 400, "Unknown attribute")
        self.assertError(self.create({"name": "c6", "status": "CREATE_COMPLETE"}), 400,
                         "Cannot set read only field.")
        self.assertError(self.create({"name": "c7", "node_count": "x"}), 400)
        self.assertError(self.create({"node_count": 1}), 400, "Mandatory field missing.")
        self.assertError(self.create({"name": ""}), 400, "name")
        self.assertError(self.create({"name": "c8"}, headers=READER), 403)
        self.assertError(self.create({"name": "c9"}, headers=BOB), 404)
        self.assertError(self.create({"name": "c10"}, version=mv(8)), 406)
        # None of these left a row behind.
        names = [ng["name"] for ng in self.m.get(self.base, headers=ALICE).json["nodegroups"]]
        self.assertEqual(sorted(n for n in names if n.startswith("c")), [])

    def test_cluster_without_api_address(self):
        pending = create_cluster(self.m, self.template, ALICE, wait=False,
                                 labels={"fake_delay_ms": "200"})
        # Busy, as every operation on a cluster being created (issue 17, 5).
        self.assertError(self.create({"name": "early"}, cluster=pending), 409,
                         "is busy: CREATE_IN_PROGRESS (create); try again when it finishes.")
        self.m.delete("/v1/clusters/" + pending, headers=ALICE)


if __name__ == "__main__":
    unittest.main()
