# ctest-labels: robustness
"""A full disk under the database (issue 9): magnumd's SQLite file on a 4 MB file system
(tmpfs, or a loop-mounted ext4 image) that a filler file then fills. Writes get 503 in the
API error format with a message that says what to do, reads keep working, the file passes
PRAGMA integrity_check, and once the filler is gone writes succeed again without a restart."""
import os
import time
import unittest
import uuid

from cluster_fixtures import ALICE, FAST_CERTS
from harness import Magnumd, sqlite_only, template_body
from robustness_support import SmallFilesystem, api_error_problems, db_snapshot

# Labels make each template row a few kB, so that the WAL needs new pages quickly.
BIG_LABELS = {"pad%d" % i: "x" * 200 for i in range(10)}


@sqlite_only("the SQLite file on a small file system is what fills up (a MariaDB server's "
             "disk is the server's, and its outage is test_mariadb_storage's)")
class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.fs = SmallFilesystem(size_mb=4)
        self.addCleanup(self.fs.unmount)  # runs last: after magnumd has stopped
        self.fs.mount()
        if self.fs.unavailable:
            self.skipTest("no small file system can be mounted here: " + self.fs.unavailable)
        self.db = os.path.join(self.fs.path, "magnum.sqlite")
        cfg = dict(FAST_CERTS)
        cfg["database"] = {"connection": "sqlite:///" + self.db}
        cfg["DEFAULT"] = {"report_interval": "1"}  # heartbeats keep writing meanwhile
        self.m = Magnumd(extra_config=cfg).start()
        self.addCleanup(self.m.cleanup)

    def create(self, name=None):
        return self.m.post("/v1/clustertemplates",
                           template_body(name=name or "t-" + uuid.uuid4().hex[:10],
                                         labels=BIG_LABELS), headers=ALICE)

    def assertUnavailable(self, r):
        self.assertEqual(r.status, 503, r)
        self.assertEqual(api_error_problems(r.status, r.headers, r.raw), [])
        detail = r.error_detail()
        self.assertTrue(detail.startswith("The database is out of disk space. Free space on "
                                          "the file system holding %s and retry" % self.fs.path) or
                        detail.startswith("The database could not be read or written"), detail)
        self.assertIn(self.fs.path, detail)

    def test_full_disk_gives_503_reads_work_and_writes_recover(self):
        kept = self.create("kept")
        self.assertEqual(kept.status, 201, kept)
        filler = self.fs.fill()
        self.assertLess(self.fs.free_bytes(), 64 * 1024)

        # The WAL may still have room for a few commits; within a bounded number of writes,
        # the database needs new space and refuses.
        created, refused = [], []
        for _ in range(400):
            r = self.create()
            self.assertIn(r.status, (201, 503), r)
            if r.status == 201:
                created.append(r.json["uuid"])
            else:
                self.assertUnavailable(r)
                refused.append(r)
                if len(refused) >= 5:
                    break
        self.assertGreaterEqual(len(refused), 5, "no write was refused on a full disk; %d "
                                "created" % len(created))
        print("\nfile system: %s; writes before the first 503: %d" % (self.fs.kind, len(created)))

        # Other writes too: a PATCH, a DELETE, a cluster create.
        before = db_snapshot(self.m.database)
        r = self.m.patch("/v1/clustertemplates/kept",
                         [{"op": "add", "path": "/labels/more", "value": "y" * 1000}],
                         headers=ALICE)
        self.assertIn(r.status, (200, 503), r)
        if r.status == 503:
            self.assertUnavailable(r)
        r = self.m.post("/v1/clusters", {"name": "full", "cluster_template_id": "kept",
                                         "master_count": 1, "node_count": 1}, headers=ALICE)
        self.assertUnavailable(r)
        # The service's own writes (heartbeats every second) fail meanwhile; it stays up.
        time.sleep(2.5)
        # Reads keep working.
        r = self.m.get("/v1/clustertemplates?limit=1000", headers=ALICE)
        self.assertEqual(r.status, 200, r)
        self.assertIn("kept", [t["name"] for t in r.json["clustertemplates"]])
        self.assertEqual(self.m.get("/v1/clustertemplates/kept", headers=ALICE).status, 200)
        self.assertEqual(self.m.get("/v1").status, 200)
        self.assertIsNone(self.m.proc.poll(), "magnumd died:\n" + self.m.log())
        # Nothing half-written; the file is intact while the disk is full.
        if r.status == 503:
            self.assertEqual(db_snapshot(self.m.database), before)
        self.assertEqual(self.m.database.integrity_check(), ["ok"])
        # The operator finds it in the log, with the request id.
        self.assertIn("unavailable: The database is out of disk space", self.m.log())

        # Space returns: writes succeed again, no restart.
        os.unlink(filler)
        r = self.create("after")
        self.assertEqual(r.status, 201, r)
        for _ in range(20):
            self.assertEqual(self.create().status, 201)
        r = self.m.delete("/v1/clustertemplates/after", headers=ALICE)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.m.database.integrity_check(), ["ok"])
        pid = self.m.proc.pid
        self.assertIsNone(self.m.proc.poll())
        self.assertEqual(self.m.proc.pid, pid)

        # A clean stop leaves a database that opens and checks ok, WAL and all.
        self.assertEqual(self.m.stop(), 0)
        self.assertEqual(self.m.database.integrity_check(), ["ok"])

    def test_kill_while_full_then_restart_with_space(self):
        for i in range(5):
            self.assertEqual(self.create("before-%d" % i).status, 201)
        filler = self.fs.fill()
        statuses = [self.create().status for _ in range(30)]
        self.assertIn(503, statuses)
        self.assertNotIn(500, statuses)
        # A crash while writes are failing: the WAL and SHM files stay as they are.
        self.m.kill()
        self.assertEqual(self.m.database.integrity_check(), ["ok"])
        os.unlink(filler)
        self.m.start()
        names = [t["name"] for t in self.m.get("/v1/clustertemplates?limit=1000",
                                                headers=ALICE).json["clustertemplates"]]
        for i in range(5):
            self.assertIn("before-%d" % i, names)
        self.assertEqual(len(names), 5 + statuses.count(201))
        self.assertEqual(self.create("after-restart").status, 201)
        self.assertEqual(self.m.stop(), 0)
        self.assertEqual(self.m.database.integrity_check(), ["ok"])


if __name__ == "__main__":
    unittest.main()
