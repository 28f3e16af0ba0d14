"""Core service over HTTP against the real magnumd: versions, microversions, errors,
cluster templates, pagination and every bad-input case of the core-service issue."""
import http.client
import json
import os
import subprocess
import unittest
import uuid

import harness
from harness import Magnumd, template_body

ADMIN = {"X-Project-Id": "p-admin", "X-User-Id": "u-admin", "X-Roles": "admin"}
ALICE = {"X-Project-Id": "p-alice", "X-User-Id": "alice", "X-Roles": "member"}
BOB = {"X-Project-Id": "p-bob", "X-User-Id": "bob", "X-Roles": "member"}


class ServerTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config={"oslo_middleware": {"max_request_body_size": "4096"}})
        cls.m.start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertError(self, resp, status, detail_contains=None):
        self.assertEqual(resp.status, status, resp)
        self.assertIsNotNone(resp.json, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        self.assertEqual(err["code"], "client" if status < 500 else "server")
        self.assertEqual(err["request_id"], "")
        self.assertEqual(err["links"], [])
        self.assertEqual(err["title"], err["detail"].split(".")[0])
        if detail_contains:
            self.assertIn(detail_contains, err["detail"])
        return err

    def create_template(self, headers=None, **overrides):
        resp = self.m.post("/v1/clustertemplates", template_body(**overrides),
                           headers=headers or ALICE)
        self.assertEqual(resp.status, 201, resp)
        return resp.json


class VersionTest(ServerTestCase):
    def test_root_document(self):
        r = self.m.get("/", version=None)
        self.assertEqual(r.status, 200)
        v = r.json["versions"][0]
        self.assertEqual((v["id"], v["min_version"], v["max_version"]), ("v1", "1.1", "1.14"))
        self.assertTrue(v["links"][0]["href"].endswith("/v1/"))
        self.assertIsNone(r.header("OpenStack-API-Version"))

    def test_v1_document_lists_resources(self):
        r = self.m.get("/v1", version=None)
        self.assertEqual(r.status, 200)
        for key in ("clustertemplates", "clusters", "quotas", "certificates", "mservices",
                    "stats", "federations", "nodegroups", "credentials"):
            self.assertIn(key, r.json)
            self.assertEqual([l["rel"] for l in r.json[key]], ["self", "bookmark"])
        self.assertEqual(r.header("OpenStack-API-Version"),
                         "container-infrastructure-management 1.1")
        self.assertEqual(r.header("Vary"), "OpenStack-API-Version")

    def test_negotiation(self):
        cases = [(None, "1.1"), ("container-infra 1.5", "1.5"),
                 ("container-infra latest", "1.14"), ("container-infrastructure 1.9", "1.9"),
                 ("container-infrastructure-management 1.14", "1.14"),
                 ("CONTAINER-INFRA LATEST", "1.14")]
        for header, expected in cases:
            r = self.m.get("/v1/clustertemplates", version=header)
            self.assertEqual(r.status, 200, (header, r))
            self.assertEqual(r.header("OpenStack-API-Version"),
                             "container-infrastructure-management " + expected)
            self.assertEqual(r.header("OpenStack-API-Minimum-Version"),
                             "container-infrastructure-management 1.1")
            self.assertEqual(r.header("OpenStack-API-Maximum-Version"),
                             "container-infrastructure-management 1.14")

    def test_bad_microversions(self):
        r = self.m.get("/v1/clustertemplates", version="container-infra 1.15")
        self.assertEqual(r.status, 406)
        err = r.json["errors"][0]
        self.assertEqual(err["code"], "magnum.microversion-unsupported")
        self.assertEqual((err["min_version"], err["max_version"]), ("1.1", "1.14"))
        r = self.m.get("/v1/clustertemplates", version="container-infra 2.1")
        self.assertEqual(r.status, 406)
        self.assertError(self.m.get("/v1/clustertemplates", version="container-infra abc"), 406,
                         "Invalid value for OpenStack-API-Version header")
        self.assertError(self.m.get("/v1/clustertemplates", version="compute 1.2"), 406,
                         "Invalid service type")
        self.assertError(self.m.get("/v1/clustertemplates", version="1.2"), 406,
                         "Invalid service type")
        self.assertError(self.m.get("/v1", version="container-infra 1.x"), 406)

    def test_request_id_on_every_response(self):
        seen = set()
        for method, path in [("GET", "/"), ("GET", "/v1"), ("GET", "/v1/nope"),
                             ("PUT", "/v1/clustertemplates"), ("GET", "/v1/clustertemplates")]:
            r = self.m.request(method, path)
            rid = r.header("x-openstack-request-id")
            self.assertIsNotNone(rid, (method, path))
            self.assertTrue(rid.startswith("req-"))
            uuid.UUID(rid[4:])
            seen.add(rid)
        self.assertEqual(len(seen), 5)

    def test_unknown_routes_and_methods(self):
        self.assertError(self.m.get("/v1/nosuchthing"), 404)
        self.assertError(self.m.get("/v1/clustertemplates/a/b/c"), 404)
        self.assertError(self.m.request("PUT", "/v1/clustertemplates"), 405)
        self.assertError(self.m.request("POST", "/v1/clustertemplates/detail"), 405)
        self.assertError(self.m.request("PUT", "/v1/clustertemplates/x"), 405)

    def test_prefixless_and_trailing_slash(self):
        t = self.create_template(name="prefixless")
        for path in ["/clustertemplates/" + t["uuid"], "/v1/clustertemplates/" + t["uuid"] + "/",
                     "/clustertemplates/"]:
            r = self.m.get(path, headers=ALICE)
            self.assertEqual(r.status, 200, (path, r))

    def test_healthcheck(self):
        r = self.m.get("/healthcheck", version=None)
        self.assertEqual((r.status, r.raw), (200, "OK"))

    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.m.port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/v1/clustertemplates")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
        conn.close()


class ClusterTemplateTest(ServerTestCase):
    def test_create_defaults_and_location(self):
        r = self.m.post("/v1/clustertemplates", {"coe": "kubernetes", "image_id": "fake-image"},
                        headers=ALICE)
        self.assertEqual(r.status, 201, r)
        t = r.json
        self.assertRegex(t["name"], r"^[a-z]+-\d+-template$")
        expected = {"coe": "kubernetes", "image_id": "fake-image", "cluster_distro": "fake-os",
                    "network_driver": "flannel", "server_type": "vm", "floating_ip_enabled": True,
                    "master_lb_enabled": False, "public": False, "hidden": False,
                    "tls_disabled": False, "registry_enabled": False, "labels": {},
                    "driver": "fake", "project_id": "p-alice", "user_id": "alice",
                    "flavor_id": None, "keypair_id": None, "tags": None, "updated_at": None}
        for k, v in expected.items():
            self.assertEqual(t[k], v, k)
        self.assertRegex(t["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        self.assertEqual(r.header("Location"),
                         "http://127.0.0.1:%d/v1/clustertemplates/%s" % (self.m.port, t["uuid"]))
        self.assertEqual([l["rel"] for l in t["links"]], ["self", "bookmark"])
        self.assertNotIn("id", t)

    def test_labels_are_strings(self):
        t = self.create_template(labels={"a": True, "b": 1, "c": "x", "d": 1.5})
        self.assertEqual(t["labels"], {"a": "True", "b": "1", "c": "x", "d": "1.5"})

    def test_client_uuid_honoured_and_duplicate(self):
        u = str(uuid.uuid4())
        t = self.create_template(uuid=u)
        self.assertEqual(t["uuid"], u)
        r = self.m.post("/v1/clustertemplates", template_body(uuid=u), headers=ALICE)
        self.assertError(r, 409)

    def test_show_list_detail(self):
        t = self.create_template(name="showme")
        for ident in (t["uuid"], "showme"):
            r = self.m.get("/v1/clustertemplates/" + ident, headers=ALICE)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json, t)
        for path in ("/v1/clustertemplates", "/v1/clustertemplates/detail"):
            r = self.m.get(path, headers=ALICE)
            self.assertIn(t["uuid"], [x["uuid"] for x in r.json["clustertemplates"]])

    def test_ambiguous_name(self):
        self.create_template(name="twin")
        self.create_template(name="twin")
        self.assertError(self.m.get("/v1/clustertemplates/twin", headers=ALICE), 409,
                         "Multiple ClusterTemplates exist with same name")

    def test_not_found(self):
        self.assertError(self.m.get("/v1/clustertemplates/" + str(uuid.uuid4()), headers=ALICE),
                         404, "could not be found")
        self.assertError(self.m.delete("/v1/clustertemplates/nothere", headers=ALICE), 404)

    def test_patch(self):
        t = self.create_template(name="patchme", labels={"k": "v"})
        path = "/v1/clustertemplates/" + t["uuid"]
        r = self.m.patch(path, [{"op": "replace", "path": "/master_lb_enabled", "value": "True"},
                                {"op": "add", "path": "/labels/boot_volume_size", "value": "20"},
                                {"op": "replace", "path": "/docker_volume_size", "value": "7"}],
                         headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["master_lb_enabled"])
        self.assertEqual(r.json["docker_volume_size"], 7)
        self.assertEqual(r.json["labels"], {"k": "v", "boot_volume_size": "20"})
        self.assertIsNotNone(r.json["updated_at"])
        # Labels as a Python literal (what python-magnumclient sends).
        r = self.m.patch(path, [{"op": "replace", "path": "/labels",
                                 "value": "{'a': 'b', 'n': 1, 't': True}"}], headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["labels"], {"a": "b", "n": "1", "t": "True"})
        # remove resets to null; add works on a null attribute only.
        r = self.m.patch(path, [{"op": "remove", "path": "/flavor_id"}], headers=ALICE)
        self.assertIsNone(r.json["flavor_id"])
        r = self.m.patch(path, [{"op": "add", "path": "/flavor_id", "value": "m1.tiny"}],
                         headers=ALICE)
        self.assertEqual(r.json["flavor_id"], "m1.tiny")
        r = self.m.patch(path, [{"op": "replace", "path": "/name", "value": "renamed"}],
                         headers=ALICE)
        self.assertEqual(self.m.get("/v1/clustertemplates/renamed", headers=ALICE).json["uuid"],
                         t["uuid"])
        # persisted
        self.assertEqual(self.m.get(path, headers=ALICE).json["labels"],
                         {"a": "b", "n": "1", "t": "True"})

    def test_patch_bad_input(self):
        t = self.create_template(name="badpatch")
        path = "/v1/clustertemplates/" + t["uuid"]
        cases = [
            ({"op": "replace"}, "patch"),  # not an array
            ([{"op": "move", "path": "/name", "value": "x"}], "op"),
            ([{"op": "replace", "path": "name", "value": "x"}], "path"),
            ([{"op": "replace", "path": "/na me", "value": "x"}], "path"),
            ([{"op": "replace", "path": "/uuid", "value": str(uuid.uuid4())}],
             "internal attribute"),
            ([{"op": "replace", "path": "/project_id", "value": "x"}], "internal attribute"),
            ([{"op": "remove", "path": "/coe"}], "mandatory attribute"),
            ([{"op": "remove", "path": "/image_id"}], "mandatory attribute"),
            ([{"op": "replace", "path": "/name"}], "needs value"),
            ([{"op": "add", "path": "/nonexistent", "value": "x"}], "not allowed"),
            ([{"op": "add", "path": "/coe", "value": "swarm"}], "has existed"),
            ([{"op": "replace", "path": "/docker_volume_size", "value": "ten"}],
             "docker_volume_size"),
            ([{"op": "replace", "path": "/apiserver_port", "value": 80}], "apiserver_port"),
            ([{"op": "replace", "path": "/coe", "value": "nomad"}], "coe"),
            ([{"op": "replace", "path": "/labels", "value": "{'unterminated"}],
             "Couldn't apply patch"),
            ([{"op": "replace", "path": "/name", "value": {"a": 1}}], "value"),
            ([{"op": "replace", "path": "/network_driver", "value": "weave"}], "weave"),
            ([{"op": "replace", "path": "/image_id", "value": "no-such-image"}],
             "no-such-image"),
        ]
        for body, fragment in cases:
            r = self.m.patch(path, body, headers=ALICE)
            self.assertError(r, 400, fragment)
        r = self.m.request("PATCH", path, raw_body="[{", headers=ALICE)
        self.assertError(r, 400, "Request is not in valid JSON format")
        # nothing was written
        self.assertEqual(self.m.get(path, headers=ALICE).json, t)

    def test_delete(self):
        t = self.create_template(name="deleteme")
        r = self.m.delete("/v1/clustertemplates/" + t["uuid"], headers=ALICE)
        self.assertEqual((r.status, r.raw), (204, ""))
        self.assertError(self.m.get("/v1/clustertemplates/" + t["uuid"], headers=ALICE), 404)

    def test_visibility_and_publish(self):
        private = self.create_template(headers=ALICE, name="alice-private")
        public = self.create_template(headers=ADMIN, name="admin-public", public=True)
        hidden = self.create_template(headers=ADMIN, name="admin-hidden", public=True,
                                      hidden=True)
        listed = [t["uuid"] for t in
                  self.m.get("/v1/clustertemplates", headers=BOB).json["clustertemplates"]]
        self.assertIn(public["uuid"], listed)
        self.assertNotIn(private["uuid"], listed)
        self.assertNotIn(hidden["uuid"], listed)
        self.assertError(self.m.get("/v1/clustertemplates/" + private["uuid"], headers=BOB), 404)
        self.assertEqual(self.m.get("/v1/clustertemplates/" + public["uuid"],
                                    headers=BOB).status, 200)
        self.assertError(self.m.delete("/v1/clustertemplates/" + public["uuid"], headers=BOB),
                         403, "Policy doesn't allow clustertemplate:delete")
        admin_list = [t["uuid"] for t in
                      self.m.get("/v1/clustertemplates", headers=ADMIN).json["clustertemplates"]]
        self.assertTrue({private["uuid"], hidden["uuid"]} <= set(admin_list))
        # non-admins may not publish
        r = self.m.post("/v1/clustertemplates", template_body(public=True), headers=ALICE)
        self.assertError(r, 403, "Not authorized to set public or hidden flag")
        r = self.m.patch("/v1/clustertemplates/" + private["uuid"],
                         [{"op": "replace", "path": "/hidden", "value": True}], headers=ALICE)
        self.assertError(r, 403)
        # readers cannot create
        r = self.m.post("/v1/clustertemplates", template_body(),
                        headers={"X-Project-Id": "p-alice", "X-Roles": "reader"})
        self.assertError(r, 403, "clustertemplate:create")


class BadInputTest(ServerTestCase):
    def post(self, body=None, raw=None):
        return self.m.request("POST", "/v1/clustertemplates", body=body, raw_body=raw,
                              headers=ALICE)

    def test_bad_bodies(self):
        cases = [
            (None, "{not json", "Request is not in valid JSON format"),
            (None, "", "Request is not in valid JSON format"),
            ([template_body()], None, "expected a JSON object"),
            ("a string", None, "expected a JSON object"),
            (template_body(docker_volume_size="ten"), None, "docker_volume_size"),
            (template_body(docker_volume_size=0), None, "greater or equal to 1"),
            (template_body(docker_volume_size=2 ** 40), None, "lower or equal"),
            (template_body(apiserver_port=80), None, "apiserver_port"),
            (template_body(apiserver_port=70000), None, "apiserver_port"),
            (template_body(public="maybe"), None, "public"),
            (template_body(labels=["a"]), None, "labels"),
            (template_body(labels={"a": {"nested": 1}}), None, "labels"),
            (template_body(name=7), None, "name"),
            (template_body(name="x" * 256), None, "maximum character"),
            (template_body(name=""), None, "minimum character"),
            (template_body(uuid="not-a-uuid"), None, "Expected a uuid"),
            (template_body(bogus=1, other=2), None,
             "Unknown attribute for argument cluster_template: bogus, other"),
            (template_body(project_id="p-x"), None, "Cannot set read only field"),
            (template_body(created_at="2020-01-01T00:00:00"), None, "read only"),
            (template_body(links=[]), None, "read only"),
            ({"image_id": "fake-image"}, None, "coe. Value: 'None'. Mandatory field missing"),
            ({"coe": "kubernetes"}, None, "image_id"),
            (template_body(coe=None), None, "Mandatory field missing"),
            (template_body(coe="nomad"), None, "coe"),
            (template_body(server_type="mainframe"), None, "server_type"),
            (template_body(image_id="no-such-image"), None, "Image no-such-image could not be found"),
            (template_body(network_driver="weave"), None,
             "Network driver type weave is not supported"),
            (template_body(network_driver="cilium"), None, "is not allowed"),
            (template_body(coe="swarm", network_driver="calico"), None, "not supported"),
            (template_body(volume_driver="rexray"), None, "Volume driver type rexray"),
            (template_body(docker_storage_driver="devicemapper", docker_volume_size=2), None,
             "expecting minimum value 3GB"),
            (template_body(dns_nameserver="8.8.8.8,not-an-ip"), None, "not-an-ip"),
            (template_body(driver="nosuchdriver"), None, "Cluster driver (nosuchdriver) not supported"),
            (template_body(flavor_id="bad\u0001flavor"), None, "flavor"),
        ]
        before = self.m.get("/v1/clustertemplates", headers=ADMIN).json["clustertemplates"]
        for body, raw, fragment in cases:
            r = self.post(body=body, raw=raw)
            self.assertEqual(r.status, 400, (body, raw, r))
            err = r.json["errors"][0]
            self.assertIn(fragment, err["detail"], (body, raw))
        after = self.m.get("/v1/clustertemplates", headers=ADMIN).json["clustertemplates"]
        self.assertEqual(len(before), len(after), "a refused create left a row behind")

    def test_valid_edge_values(self):
        r = self.post(template_body(coe="swarm-mode", network_driver="docker",
                                    docker_storage_driver="devicemapper",
                                    docker_volume_size="3", apiserver_port=1024,
                                    dns_nameserver="8.8.8.8, 1.1.1.1", tags="",
                                    public="no", tls_disabled="yes", server_type="bm"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["docker_volume_size"], 3)
        self.assertTrue(r.json["tls_disabled"])
        self.assertFalse(r.json["public"])

    def test_body_over_limit(self):
        big = template_body(labels={"k%d" % i: "v" * 50 for i in range(200)})
        r = self.post(body=big)
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json["errors"][0]["status"], 413)
        self.assertIsNotNone(r.header("x-openstack-request-id"))
        # The server still answers afterwards.
        self.assertEqual(self.m.get("/v1").status, 200)

    def test_bad_query_arguments(self):
        cases = [("limit=-1", 400, "Limit must be positive"), ("limit=0", 400, "Limit must be"),
                 ("limit=abc", 400, "limit"), ("sort_key=nosuch", 400, "invalid field for sorting"),
                 ("sort_dir=up", 400, "Invalid sort direction"),
                 ("marker=not-a-uuid", 400, "Expected a uuid"),
                 ("marker=" + str(uuid.uuid4()), 404, "Marker"),
                 ("frobnicate=1", 400, "Unknown argument")]
        for qs, status, fragment in cases:
            r = self.m.get("/v1/clustertemplates?" + qs, headers=ALICE)
            self.assertError(r, status, fragment)


class PaginationTest(ServerTestCase):
    def test_walk_pages(self):
        hdr = {"X-Project-Id": "p-pages", "X-User-Id": "pager", "X-Roles": "member"}
        made = [self.create_template(headers=hdr, name="page-%02d" % i)["uuid"]
                for i in range(7)]
        seen = []
        url = "/v1/clustertemplates?limit=3"
        pages = 0
        while url:
            r = self.m.get(url, headers=hdr)
            self.assertEqual(r.status, 200, r)
            items = r.json["clustertemplates"]
            seen += [t["uuid"] for t in items]
            nxt = r.json.get("next")
            if nxt:
                self.assertEqual(len(items), 3)
                self.assertIn("sort_key=id&sort_dir=asc&limit=3&marker=" + items[-1]["uuid"], nxt)
                url = nxt.split(":%d" % self.m.port, 1)[1]
            else:
                url = None
            pages += 1
        self.assertEqual(seen, made)
        self.assertEqual(pages, 3)
        r = self.m.get("/v1/clustertemplates?sort_key=name&sort_dir=desc", headers=hdr)
        names = [t["name"] for t in r.json["clustertemplates"]]
        self.assertEqual(names, sorted(names, reverse=True))
        self.assertNotIn("next", r.json)
        r = self.m.get("/v1/clustertemplates/detail?limit=2&sort_key=name", headers=hdr)
        self.assertIn("/v1/clustertemplates/detail?sort_key=name", r.json["next"])


class ProcessTest(unittest.TestCase):
    def test_sigterm_graceful_and_data_persists(self):
        m = Magnumd()
        try:
            m.start()
            r = m.post("/v1/clustertemplates", template_body(name="survivor"))
            self.assertEqual(r.status, 201)
            self.assertEqual(m.stop(), 0)
            m.start()
            r = m.get("/v1/clustertemplates/survivor")
            self.assertEqual(r.status, 200, r)
        finally:
            m.cleanup()

    def test_invalid_config_refused(self):
        m = Magnumd(extra_config={"api": {"port": "notaport"}})
        try:
            with self.assertRaises(RuntimeError) as ctx:
                m.start(timeout=10)
            self.assertIn("invalid value 'notaport' for [api] port", str(ctx.exception))
        finally:
            m.cleanup()

    def test_unknown_option_warns(self):
        m = Magnumd(extra_config={"api": {"frobnicate": "1"}})
        try:
            m.start()
            self.assertIn("unknown option [api] frobnicate", m.log())
        finally:
            m.cleanup()

    def test_magnum_api_needs_migrated_schema(self):
        m = Magnumd(program="magnum-api")
        try:
            with self.assertRaises(RuntimeError) as ctx:
                m.start(timeout=10)
            self.assertIn("magnum-db-manage upgrade", str(ctx.exception))
            out = subprocess.run([harness.binary("magnum-db-manage"), "--config-file",
                                  m.config_path, "upgrade"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            m.start()
            r = m.post("/v1/clustertemplates", template_body(name="via-api"))
            self.assertEqual(r.status, 201, r)
            self.assertEqual(m.stop(), 0)
        finally:
            m.cleanup()

    def test_db_manage(self):
        m = Magnumd()
        try:
            out = subprocess.run([harness.binary("magnum-db-manage"), "--config-file",
                                  m.config_path, "version"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout.strip(), "0")
            out = subprocess.run([harness.binary("magnum-db-manage"), "--config-file",
                                  m.config_path, "upgrade"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            out = subprocess.run([harness.binary("magnum-db-manage"), "--config-file",
                                  m.config_path, "version"], capture_output=True, text=True)
            self.assertGreaterEqual(int(out.stdout.strip()), 1)
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
