# ctest-labels: docker
"""Convergence of nodegroup create/delete and the rolling upgrade across magnumd stops
(issue 17), with a real Docker Engine: SIGKILL during a nodegroup create (at its first swarm
join), SIGTERM during its delete (at the first node removed), SIGTERM during an upgrade (at
its first drain: the interrupted upgrade of the issue that left a worker drained) and
SIGKILL during the upgrade back; after each restart the operation resumes and the API, the
node containers and `docker node ls` in the manager agree, every node Ready and Active (none
drained), every node on the target image; a delete then leaves nothing."""
import unittest

from converge_support import ENGINE, ConvergeCase, print_timings, require_engine


def setUpModule():
    require_engine()


def tearDownModule():
    print_timings()


class ConvergeNodeGroupsTest(ConvergeCase):
    host = "converge-ng"

    def upgrade(self, uuid_, template):
        r = self.m.post("/v1/clusters/%s/actions/upgrade" % uuid_,
                        {"cluster_template": template, "max_batch_size": 1})
        self.assertEqual(r.status, 202, r)

    def images(self, uuid_):
        label = "magnum.cluster.uuid=" + uuid_
        return {c["Names"][0].lstrip("/"): c["Image"] for c in ENGINE.containers(label)}

    def test_nodegroups_and_upgrade_resume_after_sigkill_and_sigterm(self):
        self.start()
        tmpl = self.api.template(name="swarm-cv-ng")
        v2 = self.variant_template("e2e-v2", "swarm-cv-ng-v2")
        uuid_ = self.create_complete(tmpl, "cvn")

        since = self.mark(uuid_)
        r = self.m.post("/v1/clusters/%s/nodegroups" % uuid_, {"name": "extra", "node_count": 2})
        self.assertEqual(r.status, 202, r)
        self.stop_at(uuid_, since, "join", "kill")
        self.restart_and_converge(uuid_, "nodegroup create (SIGKILL at the first join)",
                                  "UPDATE_COMPLETE")
        ng = self.m.get("/v1/clusters/%s/nodegroups/extra" % uuid_).json
        self.assertEqual(ng["status"], "CREATE_COMPLETE", ng.get("status_reason"))
        self.assertEqual(len(ng["node_addresses"]), 2)

        since = self.mark(uuid_)
        r = self.m.delete("/v1/clusters/%s/nodegroups/extra" % uuid_)
        self.assertEqual(r.status, 204, r)
        self.stop_at(uuid_, since, "remove", "term")
        self.restart_and_converge(uuid_, "nodegroup delete (SIGTERM at the first removal)",
                                  "UPDATE_COMPLETE")
        self.assertEqual(self.m.get("/v1/clusters/%s/nodegroups/extra" % uuid_).status, 404)

        since = self.mark(uuid_)
        self.upgrade(uuid_, v2)
        self.stop_at(uuid_, since, "drain", "term")
        self.restart_and_converge(uuid_, "upgrade (SIGTERM at the first drain)",
                                  "UPDATE_COMPLETE")
        self.assertEqual(set(self.images(uuid_).values()), {"magnum/swarm-node:e2e-v2"})

        since = self.mark(uuid_)
        self.upgrade(uuid_, tmpl)
        self.stop_at(uuid_, since, "drain", "kill")
        self.restart_and_converge(uuid_, "upgrade back (SIGKILL at the first drain)",
                                  "UPDATE_COMPLETE")
        self.assertNotIn("magnum/swarm-node:e2e-v2", set(self.images(uuid_).values()))
        self.delete_leaves_nothing(uuid_)


if __name__ == "__main__":
    unittest.main()
