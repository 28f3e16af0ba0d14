# ctest-labels: lifecycle
"""Resumable operations across magnumd crashes, control plane only (the resumable `fake`
test driver, slow steps): SIGKILL during a create or a resize, restart on the same state
directory, and the operation resumes from its persisted progress (no step is run twice)
and completes instead of failing; a SIGTERM leaves it in progress for the next start."""
from harness import RestartableServerTest
from cluster_fixtures import ALICE, create_cluster, create_template, wait_status

CONFIG = {"DEFAULT": {"host": "resume-host", "report_interval": "1"},
          "x509": {"rsa_key_size": "1024"}}


class ResumeFakeTest(RestartableServerTest):
    config = CONFIG
    dir_prefix = "magnum-it-resume-"

    def show(self, cluster):
        return self.m.get("/v1/clusters/" + cluster, headers=ALICE).json

    def events(self, cluster):
        return self.m.get("/v1/clusters/%s/events" % cluster, headers=ALICE).json["events"]

    def messages(self, cluster):
        return [e["message"] for e in self.events(cluster)]

    def wait_event(self, cluster, message, count=1):
        self.m.wait_for(lambda: self.messages(cluster).count(message) >= count,
                        what="%d x %r" % (count, message))

    def test_kill_mid_create_resumes_it(self):
        self.start()
        template = create_template(self.m, ALICE)
        cluster = create_cluster(self.m, template, ALICE, wait=False, node_count=2,
                                 labels={"fake_delay_ms": "400"})
        self.wait_event(cluster, "node started")  # the first node is up
        self.assertEqual(self.show(cluster)["status"], "CREATE_IN_PROGRESS")
        self.m.kill()
        self.start()
        self.assertEqual(wait_status(self.m, cluster, ALICE, timeout=30), "CREATE_COMPLETE")
        shown = self.show(cluster)
        self.assertEqual(shown["status_reason"], "Cluster create completed")
        self.assertEqual(shown["node_count"], 2)
        self.assertEqual(len(shown["node_addresses"]), 2)
        self.assertEqual(len(shown["master_addresses"]), 1)
        messages = self.messages(cluster)
        self.assertEqual(messages.count("network created"), 1)
        # Three nodes; the one whose step the kill may have cut short can be started twice.
        self.assertIn(messages.count("node started"), (3, 4))
        self.assertTrue(any(m.startswith("conductor resume-host resumes the create") for m in
                            messages), messages)
        self.assertEqual(self.m.delete("/v1/clusters/" + cluster, headers=ALICE).status, 204)
        self.m.wait_for(lambda: self.m.get("/v1/clusters/" + cluster, headers=ALICE).status == 404,
                        what="cluster deleted")

    def test_kill_mid_resize_resumes_it(self):
        self.start()
        template = create_template(self.m, ALICE)
        cluster = create_cluster(self.m, template, ALICE, node_count=1,
                                 labels={"fake_delay_ms": "300"})
        r = self.m.post("/v1/clusters/%s/actions/resize" % cluster,
                        {"node_count": 4, "nodegroup": "default-worker"}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.wait_event(cluster, "node added")
        self.m.kill()
        self.start()
        self.assertEqual(wait_status(self.m, cluster, ALICE, timeout=30), "UPDATE_COMPLETE")
        shown = self.show(cluster)
        self.assertEqual(shown["node_count"], 4)
        self.assertEqual(len(shown["node_addresses"]), 4)

    def test_graceful_stop_leaves_the_create_for_the_next_start(self):
        self.start()
        template = create_template(self.m, ALICE)
        cluster = create_cluster(self.m, template, ALICE, wait=False,
                                 labels={"fake_delay_ms": "400"})
        self.wait_event(cluster, "network created")
        self.assertEqual(self.m.stop(), 0)
        status = self.db.query("SELECT status FROM cluster WHERE uuid=?", (cluster,))[0][0]
        progress = self.db.query("SELECT progress FROM cluster_lock WHERE cluster_uuid=?",
                                 (cluster,))[0][0]
        self.assertEqual(status, "CREATE_IN_PROGRESS")
        self.assertIn('"step":', progress)
        self.start()
        self.assertEqual(wait_status(self.m, cluster, ALICE, timeout=30), "CREATE_COMPLETE")


if __name__ == "__main__":
    import unittest
    unittest.main()
