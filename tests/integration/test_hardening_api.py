"""Regression tests of issue 9's API findings against a real magnumd: bodies with empty keys
(which crashed the process), null for typed fields and invalid UTF-8 (500s), quota
hard_limit null (stored as 0), the cross-project marker oracle, non-JSON bodies (415) and
cross-origin browser requests under noauth (403)."""
import unittest

from cluster_fixtures import ADMIN, ALICE, BOB, FAST_CERTS, READER, create_cluster, create_template
from harness import Magnumd

# Every route that takes a body (POST, and PATCH for quotas).
BODY_ROUTES = [
    ("POST", "/v1/clustertemplates"), ("POST", "/v1/clusters"),
    ("POST", "/v1/clusters/{c}/nodegroups"), ("POST", "/v1/clusters/{c}/actions/resize"),
    ("POST", "/v1/clusters/{c}/actions/upgrade"), ("POST", "/v1/certificates"),
    ("POST", "/v1/quotas"), ("POST", "/v1/federations"), ("PATCH", "/v1/quotas/p-alice/Cluster"),
]
LEGACY_ROUTES = [("POST", "/v1/baymodels"), ("POST", "/v1/bays")]


def table_counts(db):
    return {n: db.query('SELECT COUNT(*) FROM "%s"' % n)[0][0] for n in db.tables()
            if n not in ("cluster_event", "magnum_service")}


class HardeningApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS).start()
        cls.db = cls.m.database
        cls.template = create_template(cls.m, ALICE)
        cls.cluster = create_cluster(cls.m, cls.template, ALICE)
        r = cls.m.post("/v1/quotas", {"project_id": "p-alice", "resource": "Cluster",
                                      "hard_limit": 5}, headers=ADMIN)
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertAlive(self):
        self.assertTrue(self.m.running(), "magnumd died:\n" + self.m.log())
        self.assertEqual(self.m.get("/v1").status, 200)

    def assertApiError(self, r, status, fragment=None):
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.header("x-openstack-request-id"), r)
        self.assertIsInstance(r.json, dict, r)
        err = r.json["errors"][0]
        self.assertEqual(err["status"], status)
        if fragment is not None:
            self.assertIn(fragment, err["detail"])

    def routes(self, legacy=False):
        routes = BODY_ROUTES + (LEGACY_ROUTES if legacy else [])
        return [(m, p.format(c=self.cluster)) for m, p in routes]

    def test_empty_and_odd_keys_are_400_for_every_role_and_route(self):
        before = table_counts(self.db)
        for who in (READER, ALICE, ADMIN):
            for method, path in self.routes():
                for body in ({"": 1}, {"": None, "name": "x"}, {"\u0000": {"": []}},
                             {"k" * 4000: 1}):
                    r = self.m.request(method, path, body=body, headers=who)
                    self.assertApiError(r, 400, "Unknown attribute")
            for method, path in self.routes(legacy=True)[-2:]:
                r = self.m.request(method, path, body={"": 1}, headers=who,
                                   version="container-infra 1.10")
                self.assertApiError(r, 400, "Unknown attribute")
        self.assertAlive()
        self.assertEqual(table_counts(self.db), before)

    def test_null_for_typed_fields_is_400(self):
        before = table_counts(self.db)
        c = self.cluster
        cases = [
            ("POST", "/v1/clustertemplates", {"coe": "kubernetes", "image_id": "fake-image",
                                              "server_type": None}, "server_type"),
            ("POST", "/v1/clustertemplates", {"coe": "kubernetes", "image_id": "fake-image",
                                              "public": None}, "public"),
            ("POST", "/v1/clusters", {"cluster_template_id": self.template, "node_count": None},
             "node_count"),
            ("POST", "/v1/clusters", {"cluster_template_id": self.template, "master_count": None},
             "master_count"),
            ("POST", "/v1/clusters/%s/actions/resize" % c,
             {"node_count": 1, "nodes_to_remove": None}, "nodes_to_remove"),
            ("POST", "/v1/clusters/%s/actions/resize" % c, {"node_count": None}, "node_count"),
            ("POST", "/v1/clusters/%s/actions/upgrade" % c,
             {"cluster_template": self.template, "max_batch_size": None}, "max_batch_size"),
            ("POST", "/v1/quotas", {"project_id": "p-x", "resource": None, "hard_limit": 1},
             "resource"),
            ("POST", "/v1/quotas", {"project_id": "p-x", "resource": "Cluster",
                                    "hard_limit": None}, "hard_limit"),
            ("PATCH", "/v1/quotas/p-alice/Cluster", {"project_id": "p-alice",
                                                     "resource": "Cluster", "hard_limit": None},
             "hard_limit"),
        ]
        for method, path, body, field in cases:
            r = self.m.request(method, path, body=body, headers=ADMIN)
            self.assertApiError(r, 400, "field/attribute %s. Value: 'None'" % field)
        self.assertAlive()
        self.assertEqual(table_counts(self.db), before)
        # The stored limit is untouched (it used to become 0).
        q = self.m.get("/v1/quotas/p-alice/Cluster", headers=ADMIN)
        self.assertEqual(q.json["hard_limit"], 5)

    def test_patch_remove_of_a_defaulted_field_resets_it(self):
        t = create_template(self.m, ALICE, public=False)
        r = self.m.patch("/v1/clustertemplates/" + t, [{"op": "replace", "path": "/server_type",
                                                         "value": None}], headers=ALICE)
        self.assertApiError(r, 400, "server_type")
        r = self.m.patch("/v1/clustertemplates/" + t, [{"op": "replace",
                                                         "path": "/floating_ip_enabled",
                                                         "value": False}], headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["floating_ip_enabled"])
        r = self.m.patch("/v1/clustertemplates/" + t, [{"op": "remove",
                                                         "path": "/floating_ip_enabled"}],
                         headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["floating_ip_enabled"])

    def test_invalid_utf8_in_path_and_query_is_400(self):
        for target in ("/v1/clustertemplates/%ff", "/v1/clusters/%c3%28",
                       "/v1/clustertemplates?sort_key=%c3%28", "/v1/clusters?marker=%ed%a0%80",
                       "/v1/quotas/%ff/Cluster"):
            r = self.m.get(target, headers=ADMIN)
            self.assertApiError(r, 400)
        self.assertAlive()

    def test_marker_of_another_projects_row_is_404_like_an_unknown_one(self):
        bob_template = create_template(self.m, BOB)
        unknown = "0d7b6f35-5a3e-4c8d-9a52-0a1d2c3b4e5f"
        for marker in (bob_template, unknown):
            r = self.m.get("/v1/clustertemplates?marker=" + marker, headers=ALICE)
            self.assertApiError(r, 404, "Marker %s could not be found." % marker)
        # Bob's own listing takes it; admins see every project's.
        self.assertEqual(self.m.get("/v1/clustertemplates?marker=" + bob_template,
                                    headers=BOB).status, 200)
        r = self.m.get("/v1/clusters?marker=" + self.cluster, headers=BOB)
        self.assertApiError(r, 404, "could not be found")
        self.assertEqual(self.m.get("/v1/clusters?marker=" + self.cluster,
                                    headers=ALICE).status, 200)

    def test_bodies_that_are_not_json_are_415_and_write_nothing(self):
        before = table_counts(self.db)
        body = '{"coe": "kubernetes", "image_id": "fake-image", "name": "form"}'
        for ctype in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data",
                      "application/xml"):
            r = self.m.request("POST", "/v1/clustertemplates", raw_body=body,
                               headers=dict(ALICE, **{"Content-Type": ctype}))
            self.assertApiError(r, 415, "Send the body as application/json")
        self.assertEqual(table_counts(self.db), before)
        # JSON-patch's own media type is taken for PATCH, as upstream.
        t = create_template(self.m, ALICE)
        r = self.m.request("PATCH", "/v1/clustertemplates/" + t,
                           raw_body='[{"op": "replace", "path": "/name", "value": "jp"}]',
                           headers=dict(ALICE, **{"Content-Type": "application/json-patch+json"}))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "jp")

    def test_cross_origin_requests_are_refused_under_noauth(self):
        before = table_counts(self.db)
        evil = dict(ALICE, Origin="http://evil.example")
        r = self.m.post("/v1/clustertemplates",
                        {"coe": "kubernetes", "image_id": "fake-image"}, headers=evil)
        self.assertApiError(r, 403, "Cross-origin request from http://evil.example refused")
        r = self.m.delete("/v1/clusters/" + self.cluster, headers=evil)
        self.assertApiError(r, 403)
        self.assertEqual(table_counts(self.db), before)
        own = dict(ALICE, Origin="http://127.0.0.1:%d" % self.m.port)
        self.assertEqual(self.m.get("/v1/clusters/" + self.cluster, headers=own).status, 200)


class ErrorFormatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd().start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def test_out_of_range_microversion_body_has_every_error_field(self):
        r = self.m.get("/v1/clusters", version="container-infra 1.99")
        self.assertEqual(r.status, 406)
        err = r.json["errors"][0]
        for key in ("request_id", "code", "status", "title", "detail", "links"):
            self.assertIn(key, err)
        self.assertEqual(err["code"], "magnum.microversion-unsupported")
        self.assertIsNotNone(r.header("x-openstack-request-id"))

    def test_healthcheck_takes_get_and_head_only(self):
        self.assertEqual(self.m.get("/healthcheck", version=None).status, 200)
        self.assertEqual(self.m.request("HEAD", "/healthcheck", version=None).status, 200)
        for method in ("POST", "DELETE", "PUT", "PATCH", "FROB"):
            r = self.m.request(method, "/healthcheck", version=None)
            self.assertEqual(r.status, 405, (method, r))
            self.assertEqual(r.json["errors"][0]["status"], 405)


class CorsConfiguredTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config={"cors": {"allowed_origin": "https://dash.example"}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def test_allowed_origin_preflight_and_headers(self):
        pre = self.m.request("OPTIONS", "/v1/clustertemplates", headers={
            "Origin": "https://dash.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(pre.status, 200, pre)
        self.assertEqual(pre.header("Access-Control-Allow-Origin"), "https://dash.example")
        self.assertIn("POST", pre.header("Access-Control-Allow-Methods"))
        r = self.m.get("/v1/clustertemplates", headers={"Origin": "https://dash.example"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://dash.example")
        r = self.m.get("/v1/clustertemplates", headers={"Origin": "https://other.example"})
        self.assertEqual(r.status, 403)


if __name__ == "__main__":
    unittest.main()
