# ctest-labels: lifecycle
"""/v1/stats (§2.7): cluster and node counts per project (admins: all projects), with the
type and project checks."""
import unittest

from harness import Magnumd
from cluster_fixtures import (ADMIN, ALICE, BOB, FAST_CERTS, READER, create_cluster,
                              create_template, delete_cluster)


class StatsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS)
        cls.m.start()
        t_alice = create_template(cls.m, ALICE)
        t_bob = create_template(cls.m, BOB)
        # Nodes count every nodegroup, masters included: (1 + 2) + (1 + 3) for Alice.
        cls.alice_clusters = [create_cluster(cls.m, t_alice, ALICE, node_count=2),
                              create_cluster(cls.m, t_alice, ALICE, node_count=3)]
        cls.bob_cluster = create_cluster(cls.m, t_bob, BOB, node_count=1)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def stats(self, query="", headers=ALICE):
        r = self.m.get("/v1/stats" + query, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_own_project_by_default(self):
        self.assertEqual(self.stats(), {"clusters": 2, "nodes": 7})
        self.assertEqual(self.stats("?project_id=p-alice"), {"clusters": 2, "nodes": 7})
        self.assertEqual(self.stats(headers=READER), {"clusters": 2, "nodes": 7})
        self.assertEqual(self.stats(headers=BOB), {"clusters": 1, "nodes": 2})

    def test_type_is_cluster_in_any_case(self):
        for t in ("cluster", "Cluster", "CLUSTER"):
            self.assertEqual(self.stats("?type=" + t), {"clusters": 2, "nodes": 7})
        for t in ("nodes", "clusters", ""):
            with self.subTest(type=t):
                r = self.m.get("/v1/stats?type=" + t, headers=ALICE)
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.error_detail(),
                                 "Invalid stats type. Allowed values are 'cluster'")

    def test_admin_sees_any_project_and_the_totals(self):
        self.assertEqual(self.stats(headers=ADMIN), {"clusters": 3, "nodes": 9})
        self.assertEqual(self.stats("?project_id=p-bob", headers=ADMIN),
                         {"clusters": 1, "nodes": 2})
        self.assertEqual(self.stats("?project_id=p-alice&type=cluster", headers=ADMIN),
                         {"clusters": 2, "nodes": 7})
        self.assertEqual(self.stats("?project_id=nobody-here", headers=ADMIN),
                         {"clusters": 0, "nodes": 0})

    def test_other_project_is_403_for_non_admins(self):
        for headers in (ALICE, READER):
            r = self.m.get("/v1/stats?project_id=p-bob", headers=headers)
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_detail(), "Not authorized.")

    def test_policy_needs_a_reader_role(self):
        nobody = {"X-Project-Id": "p-alice", "X-User-Id": "n", "X-Roles": "nobody"}
        r = self.m.get("/v1/stats", headers=nobody)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.error_detail(), "Policy doesn't allow stats:get_all to be performed.")

    def test_bad_requests(self):
        r = self.m.get("/v1/stats?limit=1", headers=ALICE)
        self.assertEqual(r.status, 400, r)
        self.assertIn("Unknown argument", r.error_detail())
        self.assertEqual(self.m.request("POST", "/v1/stats", body={}, headers=ALICE).status, 405)
        self.assertEqual(self.m.get("/v1/stats/clusters", headers=ALICE).status, 404)
        # Unversioned in practice: served at the default microversion too.
        self.assertEqual(self.m.get("/v1/stats", headers=ALICE, version=None).status, 200)

    def test_counts_follow_the_clusters(self):
        m = Magnumd(extra_config=FAST_CERTS)
        m.start()
        try:
            t = create_template(m, ALICE)
            self.assertEqual(m.get("/v1/stats", headers=ALICE).json, {"clusters": 0, "nodes": 0})
            c = create_cluster(m, t, ALICE, node_count=4)
            self.assertEqual(m.get("/v1/stats", headers=ALICE).json, {"clusters": 1, "nodes": 5})
            delete_cluster(m, c, ALICE)
            self.assertEqual(m.get("/v1/stats", headers=ALICE).json, {"clusters": 0, "nodes": 0})
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
