# ctest-labels: docker
"""Convergence of create and resize across magnumd stops (issue 17), with a real Docker
Engine: SIGTERM during a create (at the first swarm join), SIGKILL during a scale-up 1 -> 3
(at the first new node container), SIGTERM during a scale-down 3 -> 1 (at the first drain),
each chosen by the cluster's events; after the restart the operation resumes and the API's
counts and addresses, the node containers and `docker node ls` in the manager agree, every
node Ready and Active; a delete then leaves nothing."""
import unittest

from converge_support import ConvergeCase, print_timings, require_engine


def setUpModule():
    require_engine()


def tearDownModule():
    print_timings()


class ConvergeResizeTest(ConvergeCase):
    host = "converge-resize"

    def resize(self, uuid_, count):
        r = self.m.post("/v1/clusters/%s/actions/resize" % uuid_, {"node_count": count})
        self.assertEqual(r.status, 202, r)

    def test_create_and_resize_resume_after_sigterm_and_sigkill(self):
        self.start()
        tmpl = self.api.template(name="swarm-cv-resize")
        uuid_ = self.api.create(tmpl, "cvr", masters=1, nodes=1)
        self.stop_at(uuid_, 0, "join", "term")
        self.restart_and_converge(uuid_, "create (SIGTERM at the first join)", "CREATE_COMPLETE")
        msgs = [e["message"] for e in self.api.events(uuid_)]
        self.assertTrue(any("resumes the create" in m for m in msgs), msgs)

        since = self.mark(uuid_)
        self.resize(uuid_, 3)
        self.stop_at(uuid_, since, "node", "kill", text=" started ")
        self.restart_and_converge(uuid_, "scale up 1->3 (SIGKILL at a new node)",
                                  "UPDATE_COMPLETE")
        c = self.api.cluster(uuid_)
        self.assertEqual(c["node_count"], 3)
        self.assertEqual(len(c["node_addresses"]), 3)

        since = self.mark(uuid_)
        self.resize(uuid_, 1)
        self.stop_at(uuid_, since, "drain", "term")
        self.restart_and_converge(uuid_, "scale down 3->1 (SIGTERM at the first drain)",
                                  "UPDATE_COMPLETE")
        c = self.api.cluster(uuid_)
        self.assertEqual(c["node_count"], 1)
        self.assertEqual(len(c["node_addresses"]), 1)
        self.delete_leaves_nothing(uuid_)


if __name__ == "__main__":
    unittest.main()
