# ctest-labels: robustness docker
"""kill -9 of magnumd in the middle of a `docker`-driver cluster create (issue 9): after a
restart on the same state directory the create resumes (issue 10: the docker driver is
resumable) and the cluster is CREATE_COMPLETE, and once it is deleted no container, network
or volume of it is left on the engine (by label)."""
import shutil
import tempfile
import unittest

from docker_support import (NOTHING, DockerEngine, DriverApi, docker_server_config,
                            wait_until)
from harness import Magnumd

ENGINE = DockerEngine()


def setUpModule():
    if not ENGINE.available():
        raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                             "(scripts/dockerd-ensure.sh) starts one" % ENGINE.path)


class DockerCrashTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="magnum-it-dockercrash-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.m = None
        self.api = None

    def start(self):
        self.m = Magnumd(extra_config=docker_server_config(), test_drivers=False,
                         workdir=self.dir).start()
        self.addCleanup(self.m.stop)
        clusters = self.api.clusters if self.api else []
        self.api = DriverApi(self, self.m, ENGINE)
        self.api.clusters = clusters  # what the cleanup removes from the engine, whatever happens
        return self.m

    def kill_and_recover(self, moment, ready):
        """Creates a cluster, kills magnumd -9 once ready(uuid) holds, restarts, deletes."""
        self.start()
        self.addCleanup(lambda: self.api.cleanup())
        uuid_ = self.api.create(self.api.template(), "crash-" + moment.replace(" ", "-"), nodes=2)
        wait_until(lambda: ready(uuid_), 120, interval=0.02, what=moment)
        self.m.kill()
        left_at_kill = ENGINE.objects(uuid_)
        self.start()
        c = self.api.wait(uuid_, timeout=240)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c)
        self.assertEqual(c["status_reason"], "Cluster create completed")
        self.api.delete(uuid_, timeout=120)
        self.assertIsNone(self.api.cluster(uuid_))
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)
        db = self.m.database
        self.assertEqual(db.integrity_check(), ["ok"])
        for table, col in (("nodegroup", "cluster_id"), ("cluster_lock", "cluster_uuid"),
                           ("cluster_event", "cluster_uuid")):
            n = db.query('SELECT COUNT(*) FROM "%s" WHERE %s = ?' % (table, col), (uuid_,))[0][0]
            self.assertEqual(n, 0, table)
        n = db.query("SELECT COUNT(*) FROM x509keypair WHERE name LIKE ?", (uuid_ + "/%",))[0][0]
        self.assertEqual(n, 0, "x509keypair")
        self.m.stop()
        print("\n%s: at the kill the engine had %s" % (moment, left_at_kill))
        return left_at_kill

    def test_kill_once_the_first_node_runs(self):
        def node_running(u):
            objs = ENGINE.objects(u)
            return len(objs["containers"]) >= 1 and objs["networks"]
        left = self.kill_and_recover("first node container", node_running)
        self.assertTrue(left["containers"], left)  # the kill did leave something to clean up

    def test_kill_once_the_network_exists(self):
        self.kill_and_recover("network created", lambda u: ENGINE.objects(u)["networks"])


if __name__ == "__main__":
    unittest.main()
