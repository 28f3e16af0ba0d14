# ctest-labels: lifecycle
"""The conductor inside magnumd across process stops (§3.5 restart safety): a create of a
driver that cannot resume (the `fake-blocking` test driver) cut short by a crash (SIGKILL)
or a graceful stop (SIGTERM) ends CREATE_FAILED with a reason that says so; an interrupted
delete resumes at the next start; nothing stays *_IN_PROGRESS. (Resumable drivers resume
instead: test_resume_fake.py.) Also: certificate material at rest, heartbeats,
magnum-conductor's refusal of broker URLs."""
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import RestartableServerTest, binary
from cluster_fixtures import ALICE, ADMIN, create_cluster, create_template, wait_status

CONFIG = {"DEFAULT": {"host": "restart-host", "report_interval": "1"},
          "x509": {"rsa_key_size": "1024"}}


class ConductorRestartTest(RestartableServerTest):
    config = CONFIG

    def show(self, cluster):
        return self.m.get("/v1/clusters/" + cluster, headers=ALICE)

    def events(self, cluster):
        return self.m.get("/v1/clusters/%s/events" % cluster, headers=ALICE).json["events"]

    def slow_cluster(self, delay_ms, wait=False):
        template = create_template(self.m, ALICE, driver="fake-blocking")
        cluster = create_cluster(self.m, template, ALICE, wait=wait,
                                 labels={"fake_delay_ms": str(delay_ms)})
        # The driver is running: its first event is in the log.
        self.m.wait_for(lambda: any(e["step"] == "create" for e in self.events(cluster)),
                        what="create started")
        return cluster

    def test_crash_mid_create_fails_it_with_a_reason(self):
        self.start()
        cluster = self.slow_cluster(5000)
        self.assertEqual(self.show(cluster).json["status"], "CREATE_IN_PROGRESS")
        self.m.kill()
        self.start()
        shown = self.show(cluster).json
        self.assertEqual(shown["status"], "CREATE_FAILED")
        self.assertEqual(shown["status_reason"],
                         "conductor restart-host stopped during create; delete the cluster and "
                         "create it again")
        levels = [(e["step"], e["level"]) for e in self.events(cluster)]
        self.assertIn(("recovery", "error"), levels)
        # The way out works.
        self.assertEqual(self.m.delete("/v1/clusters/" + cluster, headers=ALICE).status, 204)
        self.m.wait_for(lambda: self.show(cluster).status == 404, what="cluster deleted")

    def test_graceful_stop_mid_create_fails_it_at_once(self):
        self.start()
        cluster = self.slow_cluster(5000)
        self.assertEqual(self.m.stop(), 0)
        status, reason = self.db.query("SELECT status, status_reason FROM cluster WHERE uuid=?",
                                       (cluster,))[0]
        locks = self.db.query("SELECT COUNT(*) FROM cluster_lock")[0][0]
        self.assertEqual(status, "CREATE_FAILED")
        self.assertIn("conductor restart-host stopped during create", reason)
        self.assertEqual(locks, 0)

    def test_interrupted_delete_resumes(self):
        for stop in ("kill", "stop"):
            with self.subTest(stop=stop):
                self.start()
                template = create_template(self.m, ALICE)
                cluster = create_cluster(self.m, template, ALICE,
                                         labels={"fake_delay_ms": "300"}, wait=False)
                wait_status(self.m, cluster, ALICE, ("CREATE_COMPLETE",), timeout=30)
                self.assertEqual(self.m.delete("/v1/clusters/" + cluster, headers=ALICE).status,
                                 204)
                getattr(self.m, stop)()
                self.start()
                self.m.wait_for(lambda: self.show(cluster).status == 404, timeout=20,
                                what="delete resumed and finished")
                self.m.stop()

    def test_certificates_at_rest(self):
        self.start()
        template = create_template(self.m, ALICE)
        cluster = create_cluster(self.m, template, ALICE)
        key_file = os.path.join(self.dir, "magnum.key")
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        rows = self.db.query("SELECT name, certificate, private_key FROM x509keypair")
        self.assertEqual(sorted(r[0].split("/")[1] for r in rows),
                         ["ca", "etcd_ca", "front_proxy_ca", "magnum"])
        for name, cert, key in rows:
            self.assertTrue(name.startswith(cluster + "/"))
            self.assertIn("BEGIN CERTIFICATE", cert)
            self.assertNotIn("PRIVATE KEY", key)
            self.assertTrue(key.startswith("v1:"))
        ca = self.m.get("/v1/certificates/" + cluster, headers=ALICE).json["pem"]
        self.assertNotIn("PRIVATE", ca)

    def test_heartbeats_of_both_services(self):
        self.start()

        def both_twice():
            rows = self.m.get("/v1/mservices", headers=ADMIN).json["mservices"]
            mine = {r["binary"]: r for r in rows if r["host"] == "restart-host"}
            ok = (set(mine) == {"magnum-api", "magnum-conductor"} and
                  all(r["report_count"] >= 2 and r["state"] == "up" for r in mine.values()))
            return mine if ok else None
        self.m.wait_for(both_twice, timeout=15, what="two heartbeats of api and conductor")


class ConductorBinaryTest(unittest.TestCase):
    def test_refuses_a_broker_url(self):
        # rabbit:// is served (tests/integration/test_rabbit_*.py); other drivers are refused.
        d = tempfile.mkdtemp(prefix="magnum-it-cond-")
        try:
            conf = os.path.join(d, "magnum.conf")
            with open(conf, "w") as f:
                f.write("[DEFAULT]\ntransport_url = kafka://guest:guest@localhost:9092/\n"
                        "state_path = %s\n" % d)
            p = subprocess.run([binary("magnum-conductor"), "--config-file", conf],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("AMQP", p.stdout + p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
