# ctest-labels: lifecycle
"""/v1/quotas (§2.8) over HTTP against magnumd: admin CRUD, the synthesized default,
pagination with integer markers, all_tenants, every bad input, and enforcement on cluster
create."""
import unittest
import urllib.parse

from harness import Magnumd
from cluster_fixtures import (ADMIN, ALICE, BOB, FAST_CERTS, READER, create_cluster,
                              create_template)


class QuotaTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=dict(FAST_CERTS,
                                          quotas={"max_clusters_per_project": "20",
                                                  "max_containers_per_project": "7"}))
        cls.m.start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        self.assertEqual(err["code"], "client")
        if fragment is not None:
            self.assertIn(fragment, err["detail"])

    def create(self, project, hard_limit=5, headers=ADMIN, **extra):
        body = {"project_id": project, "resource": "Cluster", "hard_limit": hard_limit}
        body.update(extra)
        return self.m.post("/v1/quotas", body, headers=headers)


class QuotaCrudTest(QuotaTestCase):
    def test_create_get_update_delete(self):
        r = self.create("crud-project", 10)
        self.assertEqual(r.status, 201, r)
        q = r.json
        self.assertEqual(set(q), {"id", "project_id", "resource", "hard_limit", "created_at",
                                  "updated_at"})
        self.assertEqual((q["project_id"], q["resource"], q["hard_limit"]),
                         ("crud-project", "Cluster", 10))
        self.assertIsInstance(q["id"], int)
        self.assertRegex(q["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        self.assertIsNone(q["updated_at"])

        r = self.m.get("/v1/quotas/crud-project/Cluster", headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, q)

        # PATCH takes a quota object (not a JSON patch) and answers 202 with the quota.
        r = self.m.patch("/v1/quotas/crud-project/Cluster", {"hard_limit": 3}, headers=ADMIN)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["hard_limit"], 3)
        self.assertEqual(r.json["id"], q["id"])
        self.assertIsNotNone(r.json["updated_at"])
        # project_id/resource in the body are ignored: the URL names the quota.
        r = self.m.patch("/v1/quotas/crud-project/Cluster",
                         {"project_id": "elsewhere", "hard_limit": 4}, headers=ADMIN)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["project_id"], "crud-project")
        # An omitted hard_limit keeps the current value (upstream resets it to 1).
        r = self.m.patch("/v1/quotas/crud-project/Cluster", {}, headers=ADMIN)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["hard_limit"], 4)
        self.assertEqual(self.m.get("/v1/quotas/crud-project/Cluster",
                                    headers=ADMIN).json["hard_limit"], 4)

        r = self.m.delete("/v1/quotas/crud-project/Cluster", headers=ADMIN)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, "")
        # Gone: GET falls back to the default again; PATCH and DELETE are 404.
        r = self.m.get("/v1/quotas/crud-project/Cluster", headers=ADMIN)
        self.assertEqual(r.json, {"project_id": "crud-project", "resource": "Cluster",
                                  "hard_limit": 20})
        self.assertError(self.m.delete("/v1/quotas/crud-project/Cluster", headers=ADMIN), 404,
                         "Quota could not be found")
        self.assertError(self.m.patch("/v1/quotas/crud-project/Cluster", {"hard_limit": 1},
                                      headers=ADMIN), 404, "Quota could not be found")

    def test_defaults_on_create(self):
        r = self.m.post("/v1/quotas", {"project_id": "defaults-project"}, headers=ADMIN)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["resource"], r.json["hard_limit"]), ("Cluster", 1))
        # hard_limit 0 is allowed: the project may not create clusters at all.
        r = self.create("zero-project", 0)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["hard_limit"], 0)

    def test_missing_quota_is_the_configured_default(self):
        r = self.m.get("/v1/quotas/never-set/Cluster", headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"project_id": "never-set", "resource": "Cluster",
                                  "hard_limit": 20})

    def test_container_quotas(self):
        # Ours (issue 15): the quota of /v1/containers, default [quotas] max_containers_per_project.
        r = self.m.get("/v1/quotas/never-set/Container", headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"project_id": "never-set", "resource": "Container",
                                  "hard_limit": 7})
        r = self.create("ctr-project", 2, resource="Container")
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["resource"], r.json["hard_limit"]), ("Container", 2))
        # Independent of the project's Cluster quota.
        self.assertEqual(self.create("ctr-project", 4).status, 201)
        self.assertEqual(self.m.get("/v1/quotas/ctr-project/Container", headers=ADMIN).json[
            "hard_limit"], 2)
        self.assertEqual(self.m.get("/v1/quotas/ctr-project/Cluster", headers=ADMIN).json[
            "hard_limit"], 4)

    def test_duplicate_is_409(self):
        self.assertEqual(self.create("dup-project").status, 201)
        self.assertError(self.create("dup-project", 7), 409,
                         "Quota for project dup-project already exists for resource Cluster.")

    def test_any_project_id_is_accepted_without_keystone(self):
        # noauth has no Keystone to ask whether the project exists.
        r = self.create("no-such-project-" + "x" * 40)
        self.assertEqual(r.status, 201, r)


class QuotaBadInputTest(QuotaTestCase):
    def test_create_bad_bodies(self):
        cases = [
            ({"hard_limit": 1}, "Must provide a valid project ID."),
            ({"project_id": "", "hard_limit": 1}, "Must provide a valid project ID."),
            ({"project_id": None}, "Must provide a valid project ID."),
            ({"project_id": "p", "hard_limit": -1}, "hard_limit"),
            ({"project_id": "p", "hard_limit": "many"}, "hard_limit"),
            ({"project_id": "p", "hard_limit": 1.5}, "hard_limit"),
            ({"project_id": "p", "resource": "Volume"}, "resource"),
            ({"project_id": "p", "resource": "cluster"}, "resource"),
            ({"project_id": 5}, "project_id"),
            ({"project_id": "p" * 256}, "project_id"),
            ({"project_id": "p", "color": "red"}, "Unknown attribute"),
            ({"project_id": "p", "id": 99}, "read only"),
            ({"project_id": "p", "created_at": "2020-01-01T00:00:00"}, "read only"),
        ]
        for body, fragment in cases:
            with self.subTest(body=body):
                self.assertError(self.m.post("/v1/quotas", body, headers=ADMIN), 400, fragment)
        self.assertError(self.m.post("/v1/quotas", raw_body="{not json", headers=ADMIN), 400,
                         "valid JSON")
        self.assertError(self.m.post("/v1/quotas", [{"project_id": "p"}], headers=ADMIN), 400)

    def test_patch_bad_bodies(self):
        self.assertEqual(self.create("patch-bad").status, 201)
        path = "/v1/quotas/patch-bad/Cluster"
        for body, fragment in [({"hard_limit": -5}, "hard_limit"),
                               ({"hard_limit": "x"}, "hard_limit"),
                               ({"bogus": 1}, "Unknown attribute"),
                               ({"id": 3}, "read only"),
                               ([{"op": "replace", "path": "/hard_limit", "value": 3}], None)]:
            with self.subTest(body=body):
                self.assertError(self.m.patch(path, body, headers=ADMIN), 400, fragment)
        self.assertError(self.m.patch(path, raw_body="", headers=ADMIN), 400, "valid JSON")

    def test_unknown_resource_in_url_is_400(self):
        for method in ("GET", "PATCH", "DELETE"):
            with self.subTest(method=method):
                r = self.m.request(method, "/v1/quotas/p/Volume",
                                   body={"hard_limit": 1} if method == "PATCH" else None,
                                   headers=ADMIN)
                self.assertError(r, 400, "resource")

    def test_routes(self):
        self.assertError(self.m.request("PUT", "/v1/quotas", body={}, headers=ADMIN), 405)
        self.assertError(self.m.request("POST", "/v1/quotas/p/Cluster", body={}, headers=ADMIN),
                         405)
        self.assertError(self.m.get("/v1/quotas/p", headers=ADMIN), 404)
        self.assertError(self.m.get("/v1/quotas/p/Cluster/x", headers=ADMIN), 404)
        self.assertError(self.m.get("/v1/quotas/p/Cluster?x=1", headers=ADMIN), 400,
                         "Unknown argument")


class QuotaPolicyTest(QuotaTestCase):
    def test_admin_only_writes_and_listing(self):
        self.assertEqual(self.create("policy-project").status, 201)
        for headers in (ALICE, READER):
            with self.subTest(headers=headers):
                self.assertError(self.create("p-alice", headers=headers), 403,
                                 "quota:create")
                self.assertError(self.m.patch("/v1/quotas/policy-project/Cluster",
                                              {"hard_limit": 9}, headers=headers), 403,
                                 "quota:update")
                self.assertError(self.m.delete("/v1/quotas/policy-project/Cluster",
                                               headers=headers), 403, "quota:delete")
                self.assertError(self.m.get("/v1/quotas", headers=headers), 403,
                                 "quota:get_all")
        self.assertEqual(self.m.get("/v1/quotas/policy-project/Cluster",
                                    headers=ADMIN).json["hard_limit"], 5)

    def test_members_read_their_own_project_only(self):
        self.assertEqual(self.create("p-alice", 7).status, 201)
        for headers in (ALICE, READER):
            r = self.m.get("/v1/quotas/p-alice/Cluster", headers=headers)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["hard_limit"], 7)
        self.assertError(self.m.get("/v1/quotas/p-alice/Cluster", headers=BOB), 403,
                         "Not authorized.")
        # Without any role the policy refuses even the own project.
        nobody = {"X-Project-Id": "p-alice", "X-User-Id": "n", "X-Roles": "nobody"}
        self.assertError(self.m.get("/v1/quotas/p-alice/Cluster", headers=nobody), 403,
                         "quota:get")


class QuotaListTest(unittest.TestCase):
    """Listing in a server of its own, so the set of rows is known."""

    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd()
        cls.m.start()
        cls.ids = []
        for p in ["p-admin", "list-a", "list-b", "list-c", "list-d"]:
            r = cls.m.post("/v1/quotas", {"project_id": p, "hard_limit": 3}, headers=ADMIN)
            assert r.status == 201, r
            cls.ids.append(r.json["id"])

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def list(self, query=""):
        r = self.m.get("/v1/quotas" + query, headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_own_project_unless_all_tenants(self):
        self.assertEqual([q["project_id"] for q in self.list()["quotas"]], ["p-admin"])
        self.assertEqual([q["project_id"] for q in self.list("?all_tenants=false")["quotas"]],
                         ["p-admin"])
        for value in ("true", "True", "1", "yes"):
            self.assertEqual(len(self.list("?all_tenants=" + value)["quotas"]), 5)

    def test_all_tenants_is_ignored_for_non_admins(self):
        # quota:get_all is admin-only anyway: a member never gets a listing.
        r = self.m.get("/v1/quotas?all_tenants=true", headers=ALICE)
        self.assertEqual(r.status, 403, r)

    def test_pagination_with_integer_markers(self):
        seen = []
        query = "?all_tenants=true&limit=2"
        pages = 0
        while True:
            body = self.list(query)
            pages += 1
            seen += [q["id"] for q in body["quotas"]]
            if "next" not in body:
                break
            nxt = urllib.parse.urlsplit(body["next"])
            self.assertEqual(nxt.path, "/v1/quotas")
            args = urllib.parse.parse_qs(nxt.query)
            self.assertEqual(args["limit"], ["2"])
            self.assertEqual(args["sort_key"], ["id"])
            self.assertEqual(args["all_tenants"], ["True"])
            self.assertEqual(args["marker"], [str(body["quotas"][-1]["id"])])
            query = "?" + nxt.query
        self.assertEqual(seen, self.ids)
        self.assertEqual(pages, 3)  # 2 + 2 + 1, the last page without `next`

    def test_sorting(self):
        body = self.list("?all_tenants=1&sort_key=project_id&sort_dir=desc")
        names = [q["project_id"] for q in body["quotas"]]
        self.assertEqual(names, sorted(names, reverse=True))
        self.assertNotIn("next", body)

    def test_marker_after_the_last_row_is_an_empty_page(self):
        body = self.list("?all_tenants=1&marker=%d" % self.ids[-1])
        self.assertEqual(body["quotas"], [])
        self.assertNotIn("next", body)

    def test_bad_query_arguments(self):
        cases = [("?marker=abc", 400, "marker"), ("?marker=99999", 404, "Marker 99999"),
                 ("?limit=0", 400, "Limit must be positive"), ("?limit=x", 400, "limit"),
                 ("?sort_key=bogus", 400, "sort_key"), ("?sort_dir=up", 400, "sort direction"),
                 ("?all_tenants=maybe", 400, "all_tenants"), ("?project_id=x", 400,
                                                               "Unknown argument")]
        for query, status, fragment in cases:
            with self.subTest(query=query):
                r = self.m.get("/v1/quotas" + query, headers=ADMIN)
                self.assertEqual(r.status, status, r)
                self.assertIn(fragment, r.error_detail())


class QuotaEnforcementTest(QuotaTestCase):
    def test_cluster_create_beyond_the_quota_is_403(self):
        self.assertEqual(self.create("p-bob", 1).status, 201)
        template = create_template(self.m, BOB)
        create_cluster(self.m, template, BOB, wait=False)
        r = self.m.post("/v1/clusters", {"name": "second", "cluster_template_id": template},
                        headers=BOB)
        self.assertError(r, 403, "maximum clusters per project, 1")
        # Raising the quota lets the next one through.
        self.assertEqual(self.m.patch("/v1/quotas/p-bob/Cluster", {"hard_limit": 2},
                                      headers=ADMIN).status, 202)
        r = self.m.post("/v1/clusters", {"name": "second", "cluster_template_id": template},
                        headers=BOB)
        self.assertEqual(r.status, 202, r)


if __name__ == "__main__":
    unittest.main()
