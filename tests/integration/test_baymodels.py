# ctest-labels: lifecycle
"""/v1/baymodels (§2.10): the legacy name of cluster templates, served below microversion
1.11 with the old representation (no driver, project_id, user_id); 404 from 1.11 on."""
import unittest
import urllib.parse

from harness import Magnumd, template_body
from cluster_fixtures import ADMIN, ALICE, BOB

V10 = "container-infra 1.10"


def baymodel_body(**overrides):
    # The same fields as a cluster template body (the fake driver's image).
    return template_body(**overrides)


class BayModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd()
        cls.m.start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def req(self, method, path, body=None, headers=ALICE, version=V10, **kw):
        return self.m.request(method, path, body=body, headers=headers, version=version, **kw)

    def create(self, headers=ALICE, **overrides):
        r = self.req("POST", "/v1/baymodels", baymodel_body(**overrides), headers=headers)
        self.assertEqual(r.status, 201, r)
        return r

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.json["errors"][0]["status"], status)
        if fragment is not None:
            self.assertIn(fragment, resp.error_detail())

    def test_create_and_read_with_the_old_representation(self):
        r = self.create(name="bm-create", labels={"a": 1}, dns_nameserver="8.8.8.8")
        bm = r.json
        for hidden in ("driver", "project_id", "user_id"):
            self.assertNotIn(hidden, bm)
        self.assertEqual(bm["name"], "bm-create")
        self.assertEqual(bm["coe"], "kubernetes")
        self.assertEqual(bm["labels"], {"a": "1"})
        self.assertEqual(bm["network_driver"], "flannel")
        self.assertEqual(bm["server_type"], "vm")
        self.assertIsNotNone(bm["cluster_distro"])
        self.assertEqual(r.header("Location"),
                         "http://127.0.0.1:%d/v1/baymodels/%s" % (self.m.port, bm["uuid"]))
        self.assertEqual([l["href"] for l in bm["links"]],
                         ["http://127.0.0.1:%d/v1/baymodels/%s" % (self.m.port, bm["uuid"]),
                          "http://127.0.0.1:%d/baymodels/%s" % (self.m.port, bm["uuid"])])
        for ident in (bm["uuid"], "bm-create"):
            got = self.req("GET", "/v1/baymodels/" + ident)
            self.assertEqual(got.status, 200, got)
            self.assertEqual(got.json, bm)
        # The same row is a cluster template, with the fields baymodels do not show.
        t = self.m.get("/v1/clustertemplates/" + bm["uuid"], headers=ALICE)
        self.assertEqual(t.status, 200, t)
        self.assertEqual(t.json["project_id"], "p-alice")
        self.assertEqual(t.json["driver"], "fake")

    def test_default_microversion_serves_baymodels(self):
        r = self.req("POST", "/v1/baymodels", baymodel_body(name="bm-v11"), version=None)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.req("GET", "/v1/baymodels", version=None).status, 200)
        self.assertEqual(self.req("GET", "/v1/baymodels", version="container-infra 1.1").status,
                         200)

    def test_generated_name(self):
        body = baymodel_body()
        del body["name"]
        r = self.req("POST", "/v1/baymodels", body)
        self.assertEqual(r.status, 201, r)
        self.assertRegex(r.json["name"], r"^[a-z]+-\d+-model$")

    def test_gone_from_1_11(self):
        bm = self.create(name="bm-gone").json
        for version in ("container-infra 1.11", "container-infra 1.14", "container-infra latest"):
            for method, path, body in [("GET", "/v1/baymodels", None),
                                       ("GET", "/v1/baymodels/detail", None),
                                       ("GET", "/v1/baymodels/" + bm["uuid"], None),
                                       ("POST", "/v1/baymodels", baymodel_body(name="x")),
                                       ("PATCH", "/v1/baymodels/" + bm["uuid"],
                                        [{"op": "replace", "path": "/name", "value": "y"}]),
                                       ("DELETE", "/v1/baymodels/" + bm["uuid"], None)]:
                with self.subTest(version=version, method=method, path=path):
                    self.assertError(self.req(method, path, body, version=version), 404)
        self.assertEqual(self.req("GET", "/v1/baymodels/" + bm["uuid"]).json["name"], "bm-gone")

    def test_list_detail_and_pagination(self):
        m = Magnumd()
        m.start()
        try:
            uuids = []
            for i in range(3):
                r = m.request("POST", "/v1/baymodels", baymodel_body(name="page-%d" % i),
                              headers=BOB, version=V10)
                self.assertEqual(r.status, 201, r)
                uuids.append(r.json["uuid"])
            for path in ("/v1/baymodels", "/v1/baymodels/detail"):
                r = m.request("GET", path + "?limit=2", headers=BOB, version=V10)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(list(r.json), ["baymodels", "next"])
                self.assertEqual([b["uuid"] for b in r.json["baymodels"]], uuids[:2])
                self.assertNotIn("driver", r.json["baymodels"][0])
                nxt = urllib.parse.urlsplit(r.json["next"])
                self.assertEqual(nxt.path, path)
                self.assertEqual(urllib.parse.parse_qs(nxt.query)["marker"], [uuids[1]])
                r = m.request("GET", path + "?" + nxt.query, headers=BOB, version=V10)
                self.assertEqual([b["uuid"] for b in r.json["baymodels"]], uuids[2:])
                self.assertNotIn("next", r.json)
            # Another project sees none of them.
            r = m.request("GET", "/v1/baymodels", headers=ALICE, version=V10)
            self.assertEqual(r.json, {"baymodels": []})
        finally:
            m.cleanup()

    def test_patch(self):
        bm = self.create(name="bm-patch", labels={"k": "v"}).json
        path = "/v1/baymodels/" + bm["uuid"]
        r = self.req("PATCH", path,
                     [{"op": "replace", "path": "/master_lb_enabled", "value": "true"},
                      {"op": "add", "path": "/labels/x", "value": "1"},
                      {"op": "replace", "path": "/docker_volume_size", "value": 5}])
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["master_lb_enabled"])
        self.assertEqual(r.json["labels"], {"k": "v", "x": "1"})
        self.assertEqual(r.json["docker_volume_size"], 5)
        self.assertNotIn("driver", r.json)
        r = self.req("PATCH", path, [{"op": "replace", "path": "/labels", "value": "{'a': 'b'}"}])
        self.assertEqual(r.json["labels"], {"a": "b"})
        self.assertEqual(self.req("GET", path).json["labels"], {"a": "b"})

    def test_patch_bad_input(self):
        bm = self.create(name="bm-badpatch").json
        path = "/v1/baymodels/" + bm["uuid"]
        cases = [
            ([{"op": "replace", "path": "/driver", "value": "fake"}], "driver"),
            ([{"op": "add", "path": "/driver", "value": "fake"}], "not allowed"),
            ([{"op": "replace", "path": "/project_id", "value": "x"}], "internal attribute"),
            ([{"op": "remove", "path": "/coe"}], "mandatory attribute"),
            ([{"op": "remove", "path": "/image_id"}], "mandatory attribute"),
            ([{"op": "replace", "path": "/docker_volume_size", "value": "ten"}],
             "docker_volume_size"),
            ([{"op": "replace", "path": "/network_driver", "value": "weave"}], "weave"),
            ([{"op": "replace", "path": "/name/x", "value": "1"}], "Couldn't apply patch"),
            ({"op": "replace"}, None),
        ]
        for body, fragment in cases:
            with self.subTest(body=body):
                self.assertError(self.req("PATCH", path, body), 400, fragment)
        self.assertEqual(self.req("GET", path).json["name"], "bm-badpatch")

    def test_create_bad_input(self):
        cases = [
            (baymodel_body(driver="fake"), "Unknown attribute for argument baymodel: driver"),
            (baymodel_body(project_id="x"), "Unknown attribute"),
            (baymodel_body(user_id="x"), "Unknown attribute"),
            (baymodel_body(coe="mesosphere"), "coe"),
            (baymodel_body(image_id=None), "Mandatory field missing"),
            (baymodel_body(image_id="no-such-image"), "no-such-image"),
            (baymodel_body(apiserver_port=80), "apiserver_port"),
            (baymodel_body(dns_nameserver="not-an-ip"), "not-an-ip"),
            (baymodel_body(network_driver="weave"), "weave"),
            (baymodel_body(labels=["a"]), "labels"),
            (baymodel_body(public="perhaps"), "public"),
            (baymodel_body(links=[]), "read only"),
        ]
        for body, fragment in cases:
            with self.subTest(body=body):
                self.assertError(self.req("POST", "/v1/baymodels", body), 400, fragment)
        self.assertError(self.req("POST", "/v1/baymodels", raw_body="{"), 400, "valid JSON")
        # public needs clustertemplate:publish (admin).
        self.assertError(self.req("POST", "/v1/baymodels", baymodel_body(public=True)), 403)
        self.assertEqual(self.req("POST", "/v1/baymodels", baymodel_body(name="pub", public=True),
                                  headers=ADMIN).status, 201)

    def test_not_found_conflict_and_routes(self):
        self.assertError(self.req("GET", "/v1/baymodels/nope"), 404,
                         "ClusterTemplate nope could not be found.")
        self.create(name="twin")
        self.create(name="twin")
        self.assertError(self.req("GET", "/v1/baymodels/twin"), 409, "Multiple")
        self.assertError(self.req("PUT", "/v1/baymodels", {}), 405)
        self.assertError(self.req("POST", "/v1/baymodels/detail", {}), 405)
        self.assertError(self.req("GET", "/v1/baymodels/a/b"), 404)
        self.assertError(self.req("GET", "/v1/baymodels?bogus=1"), 400, "Unknown argument")

    def test_delete(self):
        bm = self.create(name="bm-delete").json
        self.assertEqual(self.req("DELETE", "/v1/baymodels/" + bm["uuid"], headers=BOB).status,
                         404)  # another project does not see it
        r = self.req("DELETE", "/v1/baymodels/" + bm["uuid"])
        self.assertEqual(r.status, 204, r)
        self.assertError(self.req("GET", "/v1/baymodels/" + bm["uuid"]), 404)
        self.assertError(self.req("DELETE", "/v1/baymodels/" + bm["uuid"]), 404)


if __name__ == "__main__":
    unittest.main()
