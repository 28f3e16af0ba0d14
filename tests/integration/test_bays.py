# ctest-labels: lifecycle
"""/v1/bays (§2.10): the legacy name of clusters, below microversion 1.11 only, with the
old field names and the 1.1 synchronous status codes."""
import unittest

from harness import Magnumd
from cluster_fixtures import ALICE, BOB, create_template

CONFIG = {"x509": {"rsa_key_size": "1024"}}
V1_1 = "container-infra 1.1"
V1_2 = "container-infra 1.2"
V1_10 = "container-infra 1.10"
BRIEF = {"uuid", "name", "baymodel_id", "docker_volume_size", "labels", "master_flavor_id",
         "flavor_id", "node_count", "status", "bay_create_timeout", "master_count", "stack_id",
         "links"}
DETAIL = BRIEF | {"discovery_url", "status_reason", "api_address", "coe_version",
                  "container_version", "node_addresses", "master_addresses", "created_at",
                  "updated_at"}


class BayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=CONFIG).start()
        cls.template = create_template(cls.m, ALICE, labels={"kube_tag": "v1"})

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    # Bays only exist below 1.11: every call names a version (1.1 unless told).
    def get(self, path, **kw):
        kw.setdefault("version", V1_1)
        return self.m.get(path, headers=kw.pop("headers", ALICE), **kw)

    def post(self, path, body, **kw):
        kw.setdefault("version", V1_1)
        return self.m.post(path, body, headers=kw.pop("headers", ALICE), **kw)

    def patch(self, path, body, **kw):
        kw.setdefault("version", V1_1)
        return self.m.patch(path, body, headers=kw.pop("headers", ALICE), **kw)

    def delete(self, path, **kw):
        kw.setdefault("version", V1_1)
        return self.m.delete(path, headers=kw.pop("headers", ALICE), **kw)

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        if fragment is not None:
            self.assertIn(fragment, err["detail"])

    def wait(self, bay, statuses=("CREATE_COMPLETE", "UPDATE_COMPLETE", "CREATE_FAILED")):
        def done():
            r = self.get("/v1/bays/" + bay, version=V1_10)
            return r.json["status"] if r.json["status"] in statuses else None
        return self.m.wait_for(done, timeout=20, what="bay %s" % bay)

    def test_gone_from_1_11(self):
        for version in ("container-infra 1.11", "container-infra latest"):
            self.assertError(self.get("/v1/bays", version=version), 404)
            self.assertError(self.post("/v1/bays", {"baymodel_id": self.template},
                                       version=version), 404)

    def test_lifecycle_at_1_1(self):
        r = self.post("/v1/bays", {"name": "bay1", "baymodel_id": self.template,
                                   "node_count": 2})
        self.assertEqual(r.status, 201, r)
        bay = r.json
        self.assertEqual(set(bay), DETAIL)
        self.assertEqual(bay["baymodel_id"], self.template)
        self.assertEqual(bay["bay_create_timeout"], 60)
        self.assertEqual(bay["node_count"], 2)
        self.assertIn(bay["status"], ("CREATE_IN_PROGRESS", "CREATE_COMPLETE"))
        self.assertTrue(r.header("Location").endswith("/v1/bays/" + bay["uuid"]))
        self.assertTrue(bay["links"][0]["href"].endswith("/v1/bays/" + bay["uuid"]))
        self.assertEqual(self.wait(bay["uuid"]), "CREATE_COMPLETE")

        # The same row is a cluster.
        c = self.m.get("/v1/clusters/" + bay["uuid"], headers=ALICE)
        self.assertEqual(c.json["cluster_template_id"], self.template)

        # Lists.
        r = self.get("/v1/bays")
        item = [b for b in r.json["bays"] if b["uuid"] == bay["uuid"]][0]
        self.assertEqual(set(item), BRIEF)
        r = self.get("/v1/bays/detail")
        self.assertEqual(set([b for b in r.json["bays"] if b["uuid"] == bay["uuid"]][0]), DETAIL)
        self.assertEqual(self.get("/v1/bays/bay1").json["uuid"], bay["uuid"])

        # PATCH at 1.1: 200 with the bay; only node_count may change.
        r = self.patch("/v1/bays/bay1", [{"op": "replace", "path": "/node_count", "value": 3}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["uuid"], bay["uuid"])
        self.assertEqual(self.wait(bay["uuid"], ("UPDATE_COMPLETE", "UPDATE_FAILED")),
                         "UPDATE_COMPLETE")
        self.assertEqual(self.get("/v1/bays/bay1").json["node_count"], 3)
        self.assertError(self.patch("/v1/bays/bay1", [{"op": "replace", "path": "/name",
                                                       "value": "x"}]), 400,
                         "cannot change bay property(ies) name.")
        self.assertError(self.patch("/v1/bays/bay1", [{"op": "replace", "path": "/node_count",
                                                       "value": 0}]), 400, "node_count")

        r = self.delete("/v1/bays/bay1")
        self.assertEqual(r.status, 204, r)
        self.m.wait_for(lambda: self.get("/v1/bays/" + bay["uuid"]).status == 404,
                        timeout=20, what="bay gone")
        self.assertError(self.get("/v1/bays/" + bay["uuid"]), 404,
                         "Bay %s could not be found." % bay["uuid"])

    def test_async_from_1_2(self):
        r = self.post("/v1/bays", {"baymodel_id": self.template}, version=V1_2)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(set(r.json), {"uuid"})
        bay = r.json["uuid"]
        self.assertEqual(self.wait(bay), "CREATE_COMPLETE")
        r = self.patch("/v1/bays/" + bay, [{"op": "replace", "path": "/node_count", "value": 2}],
                       version=V1_2)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": bay})
        self.assertError(self.get("/v1/bays/" + bay, headers=BOB), 404)

    def test_bad_input(self):
        self.assertError(self.post("/v1/bays", {"baymodel_id": "nope"}), 400,
                         "could not be found")
        t = self.template
        self.assertError(self.post("/v1/bays", {"baymodel_id": t, "node_count": 0}), 400,
                         "node_count")
        self.assertError(self.post("/v1/bays", {"baymodel_id": t, "keypair": "kp"}), 400,
                         "Unknown attribute")
        self.assertError(self.post("/v1/bays", {"baymodel_id": t, "cluster_template_id": t}),
                         400, "Unknown attribute")
        self.assertError(self.post("/v1/bays", {"baymodel_id": t, "stack_id": "x"}), 400,
                         "Cannot set read only field.")
        self.assertError(self.post("/v1/bays", {}), 400, "Mandatory field missing.")


if __name__ == "__main__":
    unittest.main()
