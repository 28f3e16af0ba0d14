# ctest-labels: robustness
"""kill -9 of magnumd during 50 cluster creates and 10 deletes (fake test driver, slow steps),
then a restart on the same state directory (issue 9): every cluster reaches a terminal state
within a bounded time, nothing stays in progress or locked, nothing is orphaned (nodegroups,
certificates, events and locks of clusters that are gone), the quota usage (stats) matches
the rows, and everything can then be deleted, leaving no row behind."""
import threading
import time
import unittest

from cluster_fixtures import ADMIN, ALICE, create_template
from harness import RestartableServerTest
from robustness_support import run_parallel

CONFIG = {"DEFAULT": {"host": "crash-host", "report_interval": "1"},
          "x509": {"rsa_key_size": "1024"}}
CREATES = 50
DELETES = 10
TERMINAL = ("CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_COMPLETE", "UPDATE_FAILED",
            "DELETE_FAILED", "GONE")


def orphans(db):
    """Rows that refer to a cluster that does not exist, by table."""
    found = {}
    queries = {
        "nodegroup": "SELECT uuid FROM nodegroup WHERE cluster_id NOT IN (SELECT uuid FROM cluster)",
        "x509keypair": "SELECT name FROM x509keypair WHERE substr(name, 1, 36) NOT IN "
                       "(SELECT uuid FROM cluster)",
        "cluster_event": "SELECT DISTINCT cluster_uuid FROM cluster_event WHERE cluster_uuid "
                         "NOT IN (SELECT uuid FROM cluster)",
        "cluster_lock": "SELECT cluster_uuid FROM cluster_lock WHERE cluster_uuid NOT IN "
                        "(SELECT uuid FROM cluster)",
    }
    for table, sql in queries.items():
        rows = db.query(sql)
        if rows:
            found[table] = [r[0] for r in rows]
    return found


class CrashTest(RestartableServerTest):
    config = CONFIG
    dir_prefix = "magnum-it-crash-"

    def status(self, cluster):
        r = self.m.get("/v1/clusters/" + cluster, headers=ALICE)
        if r.status == 404:
            return "GONE"
        self.assertEqual(r.status, 200, r)
        return r.json["status"]

    def wait_all(self, clusters, statuses, timeout):
        deadline = time.time() + timeout
        pending = dict.fromkeys(clusters)
        while pending and time.time() < deadline:
            for c in list(pending):
                s = self.status(c)
                pending[c] = s
                if s in statuses:
                    del pending[c]
            if pending:
                time.sleep(0.2)
        self.assertEqual(pending, {}, "clusters not in %s after %d s" % (statuses, timeout))

    def create(self, template, name, delay_ms):
        r = self.m.post("/v1/clusters", {
            "name": name, "cluster_template_id": template, "master_count": 1, "node_count": 2,
            "labels": {"fake_delay_ms": str(delay_ms)}}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        return r.json["uuid"]

    def test_kill_during_creates_and_deletes(self):
        self.start()
        r = self.m.post("/v1/quotas", {"project_id": "p-alice", "resource": "Cluster",
                                       "hard_limit": CREATES + DELETES}, headers=ADMIN)
        self.assertEqual(r.status, 201, r)
        template = create_template(self.m, ALICE)
        # The clusters to delete: complete first, with slow steps so that their deletes run
        # for a while.
        doomed = [self.create(template, "doomed-%d" % i, 150) for i in range(DELETES)]
        self.wait_all(doomed, ("CREATE_COMPLETE",), 60)

        lock = threading.Lock()
        created, deleted = [], []

        def send(item):
            kind, arg = item
            if kind == "create":
                u = self.create(template, "crash-%d" % arg, 400)
                with lock:
                    created.append(u)
            else:
                r = self.m.delete("/v1/clusters/" + arg, headers=ALICE)
                self.assertEqual(r.status, 204, r)
                with lock:
                    deleted.append(arg)
        items = [("create", i) for i in range(CREATES)]
        for i, d in enumerate(doomed):
            items.insert(i * 5 + 2, ("delete", d))
        errors = run_parallel(send, items, 6)
        self.assertEqual(errors, [])
        self.assertEqual((len(created), len(deleted)), (CREATES, DELETES))

        # Kill once several creates are inside the driver (certificates made, steps run),
        # none has finished.
        def started():
            n = 0
            for c in created:
                r = self.m.get("/v1/clusters/%s/events" % c, headers=ALICE)
                if r.status == 200 and any(e["step"] == "create" for e in r.json["events"]):
                    n += 1
            return n >= 5
        self.m.wait_for(started, timeout=30, interval=0.1, what="5 creates in the driver")
        in_progress = [self.status(c) for c in created + deleted]
        self.m.kill()
        self.assertIn("CREATE_IN_PROGRESS", in_progress)
        print("\nat the kill: %s" % ", ".join("%s %d" % (s, in_progress.count(s))
                                              for s in sorted(set(in_progress))))

        t0 = time.time()
        self.start()
        everything = created + deleted
        self.wait_all(everything, TERMINAL, 120)
        self.wait_all(deleted, ("GONE",), 60)
        settle = time.time() - t0
        statuses = [self.status(c) for c in created]
        print("after restart (%.1f s to terminal): %s" % (settle, ", ".join(
            "%s %d" % (s, statuses.count(s)) for s in sorted(set(statuses)))))

        # Nothing in progress or locked; nothing orphaned; usage matches the rows.
        rows = self.db.query("SELECT status, COUNT(*) FROM cluster GROUP BY status")
        self.assertFalse([s for s, _ in rows if s.endswith("_IN_PROGRESS")], rows)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM cluster_lock")[0][0], 0)
        self.assertEqual(orphans(self.db), {})
        self.assertEqual(self.db.integrity_check(), ["ok"])
        for c in created:
            ngs = self.db.query("SELECT role FROM nodegroup WHERE cluster_id = ?", (c,))
            self.assertEqual(sorted(r[0] for r in ngs), ["master", "worker"], c)
        n_rows = self.db.query("SELECT COUNT(*) FROM cluster WHERE project_id = 'p-alice'")
        stats = self.m.get("/v1/stats?project_id=p-alice", headers=ADMIN)
        self.assertEqual(stats.status, 200, stats)
        self.assertEqual(stats.json["clusters"], n_rows[0][0])
        self.assertEqual(n_rows[0][0], CREATES)
        # The quota counts exactly the clusters left: with a limit of one more, one more
        # create fits and the next is refused.
        r = self.m.patch("/v1/quotas/p-alice/Cluster", {"hard_limit": CREATES + 1},
                         headers=ADMIN)
        self.assertEqual(r.status, 202, r)
        extra = self.create(template, "fits", 0)
        r = self.m.post("/v1/clusters", {"name": "over", "cluster_template_id": template,
                                         "master_count": 1, "node_count": 1}, headers=ALICE)
        self.assertEqual(r.status, 403, r)

        # Every cluster that is left can be deleted; nothing remains.
        def delete(c):
            r = self.m.delete("/v1/clusters/" + c, headers=ALICE)
            self.assertEqual(r.status, 204, r)
        self.wait_all([extra], TERMINAL, 30)
        self.assertEqual(run_parallel(delete, created + [extra], 6), [])
        self.wait_all(created + [extra], ("GONE",), 120)
        for table in ("cluster", "nodegroup", "x509keypair", "cluster_event", "cluster_lock"):
            self.assertEqual(self.db.query('SELECT COUNT(*) FROM "%s"' % table)[0][0], 0,
                             table)
        self.assertEqual(self.m.get("/v1/stats?project_id=p-alice",
                                    headers=ADMIN).json["clusters"], 0)


if __name__ == "__main__":
    unittest.main()
