"""The API's response cache across processes: a magnumd (API and conductor) and a separate
magnum-api share one database; what one process writes (API writes, the conductor's status
updates, a write straight into the database) the other's cached GETs show at once, and
every response keeps its own request id."""
import os
import tempfile
import shutil
import unittest

from database_support import database_for, release_database
from harness import Magnumd, template_body

ALICE = {"X-Project-Id": "p-alice", "X-User-Id": "alice", "X-Roles": "member"}
BOB = {"X-Project-Id": "p-bob", "X-User-Id": "bob", "X-Roles": "member"}


class SharedDatabaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="magnum-it-cache-")
        cls.db = database_for(cls.dir)
        shared = {"database": {"connection": cls.db.url}}
        for sub in ("a", "b"):
            os.makedirs(os.path.join(cls.dir, sub))
        cls.a = Magnumd(extra_config=shared, workdir=os.path.join(cls.dir, "a")).start()
        cls.b = Magnumd(extra_config=shared, program="magnum-api",
                        workdir=os.path.join(cls.dir, "b")).start()

    @classmethod
    def tearDownClass(cls):
        cls.b.cleanup()
        cls.a.cleanup()
        release_database(cls.dir)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def names(self, server, headers=ALICE):
        r = server.get("/v1/clustertemplates", headers=headers)
        self.assertEqual(r.status, 200, r)
        return sorted(t["name"] for t in r.json["clustertemplates"])

    def test_writes_in_one_process_are_read_by_the_other(self):
        r = self.a.post("/v1/clustertemplates", template_body(name="rc-one"), headers=ALICE)
        self.assertEqual(r.status, 201, r)
        uuid = r.json["uuid"]
        # Filled and then answered from b's cache; each answer has its own request id.
        first = self.b.get("/v1/clustertemplates", headers=ALICE)
        second = self.b.get("/v1/clustertemplates", headers=ALICE)
        self.assertEqual(first.raw, second.raw)
        self.assertIn("rc-one", [t["name"] for t in second.json["clustertemplates"]])
        ids = {first.header("x-openstack-request-id"), second.header("x-openstack-request-id")}
        self.assertEqual(len(ids), 2)
        # Bob, another project, never gets Alice's cached list.
        self.assertNotIn("rc-one", self.names(self.b, BOB))

        # An update through a: b's next read shows it.
        r = self.a.patch("/v1/clustertemplates/" + uuid,
                         [{"op": "replace", "path": "/name", "value": "rc-renamed"}],
                         headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertIn("rc-renamed", self.names(self.b))
        self.assertNotIn("rc-one", self.names(self.b))
        r = self.b.get("/v1/clustertemplates/" + uuid, headers=ALICE)
        self.assertEqual(r.json["name"], "rc-renamed")

        # A delete through b: a's cached list (read just before) drops it.
        self.assertIn("rc-renamed", self.names(self.a))
        self.assertEqual(self.b.delete("/v1/clustertemplates/" + uuid, headers=ALICE).status, 204)
        self.assertNotIn("rc-renamed", self.names(self.a))
        self.assertNotIn("rc-renamed", self.names(self.b))

    def test_the_conductors_status_updates_reach_the_other_api(self):
        r = self.a.post("/v1/clustertemplates", template_body(name="rc-ct"), headers=ALICE)
        self.assertEqual(r.status, 201, r)
        r = self.a.post("/v1/clusters", {"name": "rc-c", "cluster_template_id": r.json["uuid"],
                                         "master_count": 1, "node_count": 1}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        uuid = r.json["uuid"]

        def status():
            r = self.b.get("/v1/clusters/" + uuid, headers=ALICE)
            return r.json["status"] if r.status == 200 else None

        self.b.wait_for(lambda: status() == "CREATE_COMPLETE", what="CREATE_COMPLETE through b")
        listed = self.b.get("/v1/clusters", headers=ALICE).json["clusters"]
        self.assertEqual([c["status"] for c in listed if c["uuid"] == uuid], ["CREATE_COMPLETE"])

    def test_a_write_straight_into_the_database_is_seen(self):
        r = self.a.post("/v1/clustertemplates", template_body(name="rc-raw"), headers=ALICE)
        self.assertEqual(r.status, 201, r)
        self.assertIn("rc-raw", self.names(self.b))
        self.assertIn("rc-raw", self.names(self.b))
        self.db.execute("UPDATE cluster_template SET name = 'rc-raw-2' WHERE name = 'rc-raw'")
        self.assertIn("rc-raw-2", self.names(self.b))
        self.assertIn("rc-raw-2", self.names(self.a))


if __name__ == "__main__":
    unittest.main()
