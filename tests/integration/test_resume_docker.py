# ctest-labels: docker
"""Resumable operations of the `docker` driver across magnumd crashes, with a real Docker
Engine: SIGKILL of magnumd while a Swarm cluster is being created (after its first node
container started) or deleted, a restart on the same database, and the operation resumes
from its persisted progress: the cluster reaches CREATE_COMPLETE with the right nodes,
healthy, or is gone with nothing left behind by label."""
import unittest

from converge_support import ENGINE, ConvergeCase, require_engine
from docker_support import NOTHING, wait_until


def setUpModule():
    require_engine()


class DockerResumeTest(ConvergeCase):
    host = "resume-docker"

    def messages(self, uuid_):
        return [e["message"] for e in self.api.events(uuid_)]

    def test_kill_mid_create_then_restart_completes_the_cluster(self):
        self.start()
        tmpl = self.api.template(name="swarm-resume")
        uuid_ = self.api.create(tmpl, "resume", masters=1, nodes=2)
        wait_until(lambda: any(e["step"] == "node" and " started " in e["message"]
                               for e in self.api.events(uuid_)),
                   timeout=180, interval=0.05, what="the first node container started")
        self.m.kill()
        self.assertNotEqual(ENGINE.objects(uuid_)["containers"], [])

        self.start()
        c = self.api.wait(uuid_, timeout=300)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(c["node_count"], 2)
        self.assertEqual(len(c["node_addresses"]), 2)
        self.assertEqual(len(c["master_addresses"]), 1)
        self.assertTrue(c["api_address"].startswith("tcp://127.0.0.1:"), c["api_address"])
        msgs = self.messages(uuid_)
        self.assertTrue(any(m.startswith("conductor resume-docker resumes the create") for m in
                            msgs), msgs)
        # Exactly the wanted containers, all running; the swarm sees every node Ready.
        objects = ENGINE.objects(uuid_)
        self.assertEqual(objects["containers"],
                         ["resume-master-0", "resume-node-0", "resume-node-1"])
        self.assertEqual(len(objects["volumes"]), 3)
        for name in objects["containers"]:
            self.assertTrue(ENGINE.inspect(name)["State"]["Running"], name)
        healthy = wait_until(lambda: (self.api.cluster(uuid_) or {}).get("health_status") ==
                             "HEALTHY" and self.api.cluster(uuid_), timeout=60,
                             what="the health poll sees every node Ready")
        self.assertEqual(healthy["health_status"], "HEALTHY", healthy.get("health_status_reason"))

        self.api.delete(uuid_)
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def test_kill_mid_delete_then_restart_finishes_it(self):
        self.start()
        tmpl = self.api.template(name="swarm-resume-del")
        uuid_ = self.api.create(tmpl, "resumedel", masters=1, nodes=1)
        c = self.api.wait(uuid_, timeout=240)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(self.m.delete("/v1/clusters/" + uuid_).status, 204)
        # Killed while the delete is under way: some of its containers are gone already.
        wait_until(lambda: len(ENGINE.objects(uuid_)["containers"]) < 2, timeout=60,
                   interval=0.02, what="the delete removing containers")
        self.m.kill()
        self.start()
        self.api.wait(uuid_, statuses=("GONE",), timeout=120)
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)


if __name__ == "__main__":
    unittest.main()
