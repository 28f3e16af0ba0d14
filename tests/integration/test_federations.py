# ctest-labels: lifecycle
"""/v1/federations (§2.9), implemented for real: a federation row with a host cluster,
member clusters, properties and a status; join/unjoin through PATCH; every bad input."""
import threading
import unittest
import urllib.parse
import uuid

from harness import Magnumd
from cluster_fixtures import (ADMIN, ALICE, BOB, CAROL, FAST_CERTS, READER, create_cluster,
                              create_template)

ZONE = {"dns-zone": "example.com."}
BRIEF = {"uuid", "name", "hostcluster_id", "member_ids", "status", "properties", "links"}
DETAIL = BRIEF | {"status_reason", "created_at", "updated_at"}


class FederationTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS)
        cls.m.start()
        t = create_template(cls.m, ALICE)
        # Rows exist as soon as the create is accepted: no need to wait for completion.
        cls.c1, cls.c2, cls.c3 = [create_cluster(cls.m, t, ALICE, wait=False, name=n)
                                  for n in ("host1", "member2", "member3")]
        cls.bob_cluster = create_cluster(cls.m, create_template(cls.m, BOB), BOB, wait=False,
                                         name="bobs")

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        if fragment is not None:
            self.assertIn(fragment, err["detail"])

    def create(self, headers=ALICE, **overrides):
        body = {"name": "fed-" + uuid.uuid4().hex[:6], "hostcluster_id": self.c1,
                "member_ids": [self.c2], "properties": dict(ZONE)}
        body.update(overrides)
        r = self.m.post("/v1/federations", body, headers=headers)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(list(r.json), ["uuid"])
        return r.json["uuid"]

    def get(self, ident, headers=ALICE):
        r = self.m.get("/v1/federations/" + ident, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json

    def patch(self, ident, ops, headers=ALICE, query=""):
        return self.m.patch("/v1/federations/" + ident + query, ops, headers=headers)


class FederationCrudTest(FederationTestCase):
    def test_create_and_show(self):
        fed = self.create(name="shown", member_ids=[self.c2, "member3"],
                          properties={"dns-zone": "example.com.", "extra": 5})
        f = self.get(fed)
        self.assertEqual(set(f), DETAIL)
        self.assertEqual(f["uuid"], fed)
        self.assertEqual(f["name"], "shown")
        self.assertEqual(f["hostcluster_id"], self.c1)
        self.assertEqual(f["member_ids"], [self.c2, self.c3])  # names resolved to UUIDs
        self.assertEqual(f["properties"], {"dns-zone": "example.com.", "extra": "5"})
        self.assertEqual(f["status"], "CREATE_COMPLETE")
        self.assertEqual(f["status_reason"], "CREATE completed successfully")
        self.assertIsNone(f["updated_at"])
        base = "http://127.0.0.1:%d" % self.m.port
        self.assertEqual(f["links"], [{"href": base + "/v1/federations/" + fed, "rel": "self"},
                                      {"href": base + "/federations/" + fed, "rel": "bookmark"}])
        self.assertEqual(self.get("shown")["uuid"], fed)
        # Unversioned: the default microversion serves it too.
        self.assertEqual(self.m.get("/v1/federations/" + fed, headers=ALICE,
                                    version=None).status, 200)

    def test_hostcluster_by_name_and_defaults(self):
        fed = self.create(name=None, hostcluster_id="host1", member_ids=None)
        f = self.get(fed)
        self.assertEqual(f["hostcluster_id"], self.c1)
        self.assertEqual(f["member_ids"], [])
        self.assertRegex(f["name"], r"^[a-z]+-\d+-federation$")
        # A client-supplied uuid is ignored: the server assigns one.
        mine = str(uuid.uuid4())
        self.assertNotEqual(self.create(uuid=mine), mine)

    def test_delete(self):
        fed = self.create()
        self.assertError(self.m.delete("/v1/federations/" + fed, headers=BOB), 404)
        self.assertError(self.m.delete("/v1/federations/" + fed, headers=READER), 403,
                         "federation:delete")
        r = self.m.delete("/v1/federations/" + fed, headers=ALICE)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, "")
        self.assertError(self.m.get("/v1/federations/" + fed, headers=ALICE), 404,
                         "Federation %s could not be found." % fed)
        self.assertError(self.m.delete("/v1/federations/" + fed, headers=ALICE), 404)
        self.assertError(self.patch(fed, []), 404)

    def test_ambiguous_name_is_409(self):
        self.create(name="twin")
        self.create(name="twin")
        self.assertError(self.m.get("/v1/federations/twin", headers=ALICE), 409,
                         "Multiple federations exist with same name. Please use the federation "
                         "uuid instead.")

    def test_visibility_and_policy(self):
        fed = self.create(name="private")
        self.assertError(self.m.get("/v1/federations/" + fed, headers=BOB), 404)
        self.assertNotIn(fed, [f["uuid"] for f in
                               self.m.get("/v1/federations", headers=BOB).json["federations"]])
        # Same project: any member (not only the creator) and readers can read.
        self.assertEqual(self.get(fed, headers=CAROL)["uuid"], fed)
        self.assertEqual(self.get(fed, headers=READER)["uuid"], fed)
        # Readers cannot write.
        self.assertError(self.m.post("/v1/federations", {"hostcluster_id": self.c1,
                                                         "properties": ZONE}, headers=READER),
                         403, "federation:create")
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": self.c3}], headers=READER), 403,
                         "federation:update")
        # Admins see every project's federations.
        self.assertEqual(self.get(fed, headers=ADMIN)["uuid"], fed)
        self.assertIn(fed, [f["uuid"] for f in
                            self.m.get("/v1/federations", headers=ADMIN).json["federations"]])
        nobody = {"X-Project-Id": "p-alice", "X-User-Id": "n", "X-Roles": "nobody"}
        self.assertError(self.m.get("/v1/federations", headers=nobody), 403,
                         "federation:get_all")
        self.assertError(self.m.get("/v1/federations/detail", headers=nobody), 403,
                         "federation:detail")
        self.assertError(self.m.get("/v1/federations/" + fed, headers=nobody), 403,
                         "federation:get")

    def test_routes(self):
        self.assertError(self.m.request("PUT", "/v1/federations", body={}, headers=ALICE), 405)
        self.assertError(self.m.request("POST", "/v1/federations/detail", body={},
                                        headers=ALICE), 405)
        self.assertError(self.m.request("POST", "/v1/federations/x", body={}, headers=ALICE),
                         405)
        self.assertError(self.m.get("/v1/federations/a/b", headers=ALICE), 404)
        self.assertError(self.m.get("/v1/federations/nope", headers=ALICE), 404,
                         "Federation nope could not be found.")


class FederationCreateBadInputTest(FederationTestCase):
    def test_bad_bodies(self):
        ok = {"name": "x", "hostcluster_id": self.c1, "properties": ZONE}

        def body(**kw):
            b = dict(ok)
            for k, v in kw.items():
                if v is DROP:
                    b.pop(k, None)
                else:
                    b[k] = v
            return b

        cases = [
            (body(hostcluster_id=DROP), 400, "No hostcluster specified. Please specify a "
                                             "hostcluster_id."),
            (body(hostcluster_id=None), 400, "No hostcluster specified"),
            (body(hostcluster_id=""), 400, "No hostcluster specified"),
            (body(hostcluster_id="nope"), 404, "Cluster nope could not be found."),
            (body(hostcluster_id=str(uuid.uuid4())), 404, "could not be found"),
            (body(hostcluster_id=self.bob_cluster), 404, "could not be found"),  # invisible
            (body(hostcluster_id=5), 400, "hostcluster_id"),
            (body(properties=DROP), 400, "Please specify a `properties` dict for the "
                                         "federation."),
            (body(properties=None), 400, "Please specify a `properties` dict"),
            (body(properties={}), 400, "No DNS zone specified. Please specify a `dns-zone`."),
            (body(properties={"dns_zone": "x."}), 400, "No DNS zone specified"),
            (body(properties={"dns-zone": ""}), 400, "No DNS zone specified"),
            (body(properties={"dns-zone": None}), 400, "No DNS zone specified"),
            (body(properties="dns-zone=x"), 400, "properties"),
            (body(properties={"dns-zone": {"a": 1}}), 400, "properties"),
            (body(member_ids="abc"), 400, "member_ids"),
            (body(member_ids=[1]), 400, "member_ids"),
            (body(member_ids=["nope"]), 404, "Cluster nope could not be found."),
            (body(member_ids=[self.bob_cluster]), 404, "could not be found"),
            (body(member_ids=[self.c2, "member2"]), 400, "more than once"),
            (body(name="1starts-with-digit"), 400, "name"),
            (body(name="has space"), 400, "name"),
            (body(name=""), 400, "name"),
            (body(name="a" * 243), 400, "name"),
            (body(name=7), 400, "name"),
            (body(uuid="not-a-uuid"), 400, "uuid"),
            (body(status="CREATE_COMPLETE"), 400, "read only"),
            (body(status_reason="x"), 400, "read only"),
            (body(links=[]), 400, "read only"),
            (body(created_at="2020-01-01T00:00:00"), 400, "read only"),
            (body(project_id="p-bob"), 400, "Unknown attribute"),
            (body(color="red"), 400, "Unknown attribute for argument federation: color"),
        ]
        for b, status, fragment in cases:
            with self.subTest(body=b):
                self.assertError(self.m.post("/v1/federations", b, headers=ALICE), status,
                                 fragment)
        self.assertError(self.m.post("/v1/federations", raw_body="{", headers=ALICE), 400,
                         "valid JSON")
        self.assertError(self.m.post("/v1/federations", [ok], headers=ALICE), 400)
        self.assertError(self.m.post("/v1/federations?x=1", ok, headers=ALICE), 400,
                         "Unknown argument")
        # The longest valid name is fine.
        self.assertEqual(self.m.post("/v1/federations", body(name="a" * 242),
                                     headers=ALICE).status, 202)
        # None of the refused bodies left a row behind.
        names = [f["name"] for f in
                 self.m.get("/v1/federations", headers=ALICE).json["federations"]]
        self.assertEqual(names, ["a" * 242])


DROP = object()


class FederationPatchTest(FederationTestCase):
    def test_join_and_unjoin(self):
        fed = self.create(member_ids=[self.c2])
        r = self.patch(fed, [{"op": "add", "path": "/member_ids", "value": self.c3}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": fed})
        f = self.get(fed)
        self.assertEqual(f["member_ids"], [self.c2, self.c3])
        self.assertEqual(f["status"], "UPDATE_COMPLETE")
        self.assertEqual(f["status_reason"], "UPDATE completed successfully")
        self.assertIsNotNone(f["updated_at"])
        # Join by name; the host cluster may be a member too.
        self.assertEqual(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": "host1"}]).status, 202)
        self.assertEqual(self.get(fed)["member_ids"], [self.c2, self.c3, self.c1])
        # Unjoin by UUID and by name.
        self.assertEqual(self.patch(fed, [{"op": "remove", "path": "/member_ids",
                                           "value": self.c2}]).status, 202)
        self.assertEqual(self.patch(fed, [{"op": "remove", "path": "/member_ids",
                                           "value": "host1"}]).status, 202)
        self.assertEqual(self.get(fed)["member_ids"], [self.c3])

    def test_join_and_unjoin_errors(self):
        fed = self.create(name="joins", member_ids=[self.c2])
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": self.c2}]), 409,
                         "A cluster with UUID %s is already a member of the federation joins."
                         % self.c2)
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": "member2"}]), 409, "already a member")
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": "nope"}]), 404,
                         "Cluster nope could not be found.")
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                           "value": self.bob_cluster}]), 404)
        self.assertError(self.patch(fed, [{"op": "remove", "path": "/member_ids",
                                           "value": self.c3}]), 404,
                         "Cluster %s is not a member of the federation joins." % self.c3)
        self.assertError(self.patch(fed, [{"op": "add", "path": "/member_ids", "value": 5}]),
                         400)
        # Nothing changed.
        f = self.get(fed)
        self.assertEqual(f["member_ids"], [self.c2])
        self.assertEqual(f["status"], "CREATE_COMPLETE")

    def test_replace_members_and_properties(self):
        fed = self.create(member_ids=[self.c2])
        r = self.patch(fed, [{"op": "replace", "path": "/member_ids",
                              "value": "['%s', 'member3']" % self.c1}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(self.get(fed)["member_ids"], [self.c1, self.c3])
        r = self.patch(fed, [{"op": "add", "path": "/member_ids/-", "value": "member2"}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(self.get(fed)["member_ids"], [self.c1, self.c3, self.c2])
        r = self.patch(fed, [{"op": "remove", "path": "/member_ids"}])  # no value: all leave
        self.assertEqual(r.status, 202, r)
        self.assertEqual(self.get(fed)["member_ids"], [])
        r = self.patch(fed, [{"op": "replace", "path": "/properties/dns-zone", "value": "b.org."},
                             {"op": "add", "path": "/properties/ttl", "value": 30}])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(self.get(fed)["properties"], {"dns-zone": "b.org.", "ttl": "30"})
        r = self.patch(fed, [{"op": "replace", "path": "/properties",
                              "value": "{'dns-zone': 'c.net.'}"}], query="?rollback=True")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(self.get(fed)["properties"], {"dns-zone": "c.net."})

    def test_empty_patch_changes_nothing(self):
        fed = self.create()
        r = self.patch(fed, [])
        self.assertEqual(r.status, 202, r)
        f = self.get(fed)
        self.assertEqual(f["status"], "CREATE_COMPLETE")
        self.assertIsNone(f["updated_at"])

    def test_bad_patches(self):
        fed = self.create(name="badpatch", member_ids=[self.c2])
        cases = [
            ([{"op": "replace", "path": "/name", "value": "other"}],
             "cannot change federation property(ies) name."),
            ([{"op": "replace", "path": "/hostcluster_id", "value": self.c2}],
             "cannot change federation property(ies) hostcluster_id."),
            ([{"op": "replace", "path": "/status", "value": "CREATE_FAILED"}],
             "cannot change federation property(ies) status."),
            ([{"op": "replace", "path": "/name", "value": "x"},
              {"op": "replace", "path": "/status_reason", "value": "y"}],
             "cannot change federation property(ies) name, status_reason."),
            ([{"op": "replace", "path": "/uuid", "value": str(uuid.uuid4())}],
             "internal attribute"),
            ([{"op": "replace", "path": "/created_at", "value": "x"}], "internal attribute"),
            ([{"op": "add", "path": "/project_id", "value": "p-bob"}], "internal attribute"),
            ([{"op": "remove", "path": "/properties/dns-zone"}], "No DNS zone specified"),
            ([{"op": "remove", "path": "/properties"}], "Please specify a `properties` dict"),
            ([{"op": "replace", "path": "/properties", "value": "{'other': 'x'}"}],
             "No DNS zone specified"),
            ([{"op": "replace", "path": "/properties", "value": "{'unterminated"}],
             "Couldn't apply patch"),
            ([{"op": "replace", "path": "/member_ids", "value": "not a list"}],
             "Couldn't apply patch"),
            ([{"op": "replace", "path": "/member_ids", "value": "['nope']"}],
             "Cluster nope could not be found."),
            ([{"op": "replace", "path": "/member_ids",
               "value": "['%s', '%s']" % (self.c2, self.c2)}], "more than once"),
            ([{"op": "add", "path": "/member_ids"}], "needs value"),
            ([{"op": "add", "path": "/bogus", "value": "x"}], "not allowed"),
            ([{"op": "move", "path": "/member_ids", "value": "x"}], "op"),
            ([{"op": "replace", "path": "member_ids", "value": "x"}], "path"),
            ([{"op": "replace", "path": "/properties/dns-zone", "value": {"a": 1}}], "value"),
            ({"op": "replace"}, "patch"),
        ]
        for ops, fragment in cases:
            with self.subTest(ops=ops):
                self.assertError(self.patch(fed, ops), 400 if "not be found" not in fragment
                                 else 404, fragment)
        for query, fragment in (("?rollback=maybe", "rollback"), ("?x=1", "Unknown argument")):
            with self.subTest(query=query):
                self.assertError(self.patch(fed, [], query=query), 400, fragment)
        self.assertError(self.m.patch("/v1/federations/" + fed, raw_body="[", headers=ALICE),
                         400, "valid JSON")
        f = self.get(fed)
        self.assertEqual((f["name"], f["member_ids"], f["properties"], f["status"]),
                         ("badpatch", [self.c2], ZONE, "CREATE_COMPLETE"))

    def test_concurrent_joins_all_land(self):
        t = create_template(self.m, ALICE)
        extra = [create_cluster(self.m, t, ALICE, wait=False) for _ in range(4)]
        fed = self.create(member_ids=[])
        results = []

        def join(cluster):
            results.append(self.patch(fed, [{"op": "add", "path": "/member_ids",
                                             "value": cluster}]).status)

        threads = [threading.Thread(target=join, args=(c,)) for c in extra]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(results, [202] * 4)
        self.assertEqual(sorted(self.get(fed)["member_ids"]), sorted(extra))


class FederationListTest(unittest.TestCase):
    def test_brief_detail_and_pagination(self):
        m = Magnumd(extra_config=FAST_CERTS)
        m.start()
        try:
            t = create_template(m, ALICE)
            host = create_cluster(m, t, ALICE, wait=False)
            feds = []
            for i in range(3):
                r = m.post("/v1/federations", {"name": "f%d" % i, "hostcluster_id": host,
                                               "properties": ZONE}, headers=ALICE)
                self.assertEqual(r.status, 202, r)
                feds.append(r.json["uuid"])
            r = m.get("/v1/federations", headers=ALICE)
            self.assertEqual(r.status, 200, r)
            self.assertEqual([f["uuid"] for f in r.json["federations"]], feds)
            self.assertEqual(set(r.json["federations"][0]), BRIEF)
            self.assertNotIn("next", r.json)
            r = m.get("/v1/federations/detail", headers=ALICE)
            self.assertEqual(set(r.json["federations"][0]), DETAIL)
            for path in ("/v1/federations", "/v1/federations/detail"):
                seen, query, pages = [], "?limit=2", 0
                while True:
                    r = m.get(path + query, headers=ALICE)
                    self.assertEqual(r.status, 200, r)
                    pages += 1
                    seen += [f["uuid"] for f in r.json["federations"]]
                    if "next" not in r.json:
                        break
                    nxt = urllib.parse.urlsplit(r.json["next"])
                    self.assertEqual(nxt.path, path)
                    self.assertEqual(urllib.parse.parse_qs(nxt.query)["marker"], [seen[-1]])
                    query = "?" + nxt.query
                self.assertEqual((seen, pages), (feds, 2))
            r = m.get("/v1/federations?sort_key=name&sort_dir=desc", headers=ALICE)
            self.assertEqual([f["name"] for f in r.json["federations"]], ["f2", "f1", "f0"])
            for query, status in (("?limit=0", 400), ("?limit=x", 400), ("?marker=abc", 400),
                                  ("?marker=" + str(uuid.uuid4()), 404),
                                  ("?sort_key=bogus", 400), ("?sort_dir=sideways", 400),
                                  ("?all_tenants=1", 400)):
                with self.subTest(query=query):
                    self.assertEqual(m.get("/v1/federations" + query, headers=ALICE).status,
                                     status)
            self.assertEqual(m.get("/v1/federations", headers=BOB).json, {"federations": []})
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
