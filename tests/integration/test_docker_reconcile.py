# ctest-labels: docker
"""Drift and failures of `docker` clusters (issue 17), with a real Docker Engine.

Reconciliation: with [conductor] reconcile_interval = 1, a worker container removed by hand
(`docker rm -f`), a stray container labelled with the cluster and a node drained through
the manager's engine are repaired by the periodic reconciliation, each repair a cluster
event, until the API, the containers and `docker node ls` agree again.

Failures name an action the API accepts, and the test performs it: a scale-up whose second
new worker cannot be created rolls back (the worker it started is removed, the count and
addresses restored) and says "resize the cluster again", which completes the resize; from
UPDATE_FAILED the upgrade's advice (resize to the current count, then upgrade) is accepted
and completes; a failed nodegroup create says "delete the nodegroup and create it again",
which works."""
import time
import unittest

from converge_support import (ENGINE, TIMINGS, ConvergeCase, print_timings, require_engine, run)


def setUpModule():
    require_engine()


def tearDownModule():
    print_timings()


def blocker(name):
    """A container holding the name a new node would take (its create is refused)."""
    status, _ = ENGINE.call("POST", "/containers/create?name=" + name,
                            {"Image": "magnum-workload:latest", "Cmd": ["sleep", "3600"]})
    assert status == 201, status


def unblock(name):
    ENGINE.call("DELETE", "/containers/%s?force=1" % name)


class DockerReconcileTest(ConvergeCase):
    host = "reconcile"
    extra = {"conductor": {"reconcile_interval": "1"}}

    def test_drift_is_repaired_and_reported_as_events(self):
        self.start()
        uuid_ = self.create_complete(self.api.template(name="swarm-rc"), "rc", nodes=2)
        self.converged(uuid_)
        since = self.mark(uuid_)

        t0 = time.time()
        status, _ = ENGINE.call("DELETE", "/containers/rc-node-1?force=1")
        self.assertEqual(status, 204)
        status, _ = ENGINE.call("POST", "/containers/create?name=rc-stray", {
            "Image": "magnum-workload:latest", "Cmd": ["sleep", "3600"],
            "Labels": {"magnum.cluster.uuid": uuid_}})
        self.assertEqual(status, 201)
        self.assertEqual(ENGINE.call("POST", "/containers/rc-stray/start")[0], 204)
        run(["docker", "exec", "rc-master-0", "docker", "node", "update", "--availability",
             "drain", "rc-node-0"])

        wanted = ["stray container rc-stray removed",
                  "nodegroup default-worker had 1 of 2 nodes: started rc-node-1",
                  "node rc-node-0 was not active: made active"]

        def repaired():
            msgs = [e["message"] for e in self.api.events(uuid_)[since:]
                    if e["step"] == "reconcile"]
            missing = [w for w in wanted if not any(w in m for m in msgs)]
            return not missing and self.mismatch(uuid_) == ""
        self.m.wait_for(repaired, timeout=120, interval=0.2, what="drift repaired")
        TIMINGS.append(("reconcile of 3 drifts (interval 1 s)", time.time() - t0))
        self.assertEqual(ENGINE.objects(uuid_)["containers"],
                         ["rc-master-0", "rc-node-0", "rc-node-1"])
        c = self.api.cluster(uuid_)
        self.assertEqual(c["status"], "CREATE_COMPLETE")
        self.assertEqual(len(c["node_addresses"]), 2)
        self.delete_leaves_nothing(uuid_)


class DockerFailureAdviceTest(ConvergeCase):
    host = "advice"
    extra = {"conductor": {"reconcile_enabled": "false"}}

    def resize(self, uuid_, count):
        r = self.m.post("/v1/clusters/%s/actions/resize" % uuid_, {"node_count": count})
        self.assertEqual(r.status, 202, r)
        return self.api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"), timeout=240)

    def test_failures_roll_back_and_name_an_action_that_works(self):
        t0 = time.time()

        def lap(what):
            print("%6.1f s  %s" % (time.time() - t0, what))
        self.start()
        tmpl = self.api.template(name="swarm-adv")
        v2 = self.variant_template("e2e-v2", "swarm-adv-v2")
        uuid_ = self.create_complete(tmpl, "adv")

        lap('# A failed scale-up 1 -> 3')
        # A failed scale-up 1 -> 3: adv-node-1 starts, adv-node-2 cannot be created.
        blocker("adv-node-2")
        self.addCleanup(unblock, "adv-node-2")
        c = self.resize(uuid_, 3)
        self.assertEqual(c["status"], "UPDATE_FAILED")
        reason = c["status_reason"]
        self.assertIn("rolled back: the 1 nodes it started (adv-node-1) were removed", reason)
        self.assertTrue(reason.endswith("; resize the cluster again"), reason)
        self.assertEqual(c["node_count"], 1)
        self.converged(uuid_)
        self.assertEqual(ENGINE.objects(uuid_)["containers"], ["adv-master-0", "adv-node-0"])
        lap('# The advice, performed')
        # The advice, performed: accepted, and it completes.
        unblock("adv-node-2")
        c = self.resize(uuid_, 3)
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        self.converged(uuid_)

        lap('# From UPDATE_FAILED')
        # From UPDATE_FAILED, the upgrade's advice: resize to the current count, then upgrade.
        blocker("adv-node-3")
        self.addCleanup(unblock, "adv-node-3")
        c = self.resize(uuid_, 4)
        self.assertEqual(c["status"], "UPDATE_FAILED")
        r = self.m.post("/v1/clusters/%s/actions/upgrade" % uuid_, {"cluster_template": v2})
        self.assertEqual(r.status, 400, r)  # why the advice goes through a resize
        c = self.resize(uuid_, 3)
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        r = self.m.post("/v1/clusters/%s/actions/upgrade" % uuid_,
                        {"cluster_template": v2, "max_batch_size": 3})
        self.assertEqual(r.status, 202, r)
        c = self.api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"), timeout=240)
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        self.converged(uuid_)

        lap('# A failed nodegroup create')
        # A failed nodegroup create (its node takes index 3, which is blocked).
        r = self.m.post("/v1/clusters/%s/nodegroups" % uuid_, {"name": "extra", "node_count": 1})
        self.assertEqual(r.status, 202, r)
        ng = self.m.wait_for(
            lambda: (lambda g: g if g.get("status", "").endswith("FAILED") or
                     g.get("status") == "CREATE_COMPLETE" else None)(
                self.m.get("/v1/clusters/%s/nodegroups/extra" % uuid_).json),
            timeout=120, what="nodegroup create ended")
        self.assertEqual(ng["status"], "CREATE_FAILED")
        c = self.api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"))
        self.assertTrue(c["status_reason"].endswith("delete the nodegroup and create it again"),
                        c["status_reason"])
        self.converged(uuid_)
        lap('r = self.m.delete("/v1/clusters/%s/nodeg')
        r = self.m.delete("/v1/clusters/%s/nodegroups/extra" % uuid_)
        self.assertEqual(r.status, 204, r)
        self.m.wait_for(lambda: self.m.get("/v1/clusters/%s/nodegroups/extra" % uuid_).status ==
                        404, timeout=120, what="nodegroup deleted")
        unblock("adv-node-3")
        r = self.m.post("/v1/clusters/%s/nodegroups" % uuid_, {"name": "extra", "node_count": 1})
        self.assertEqual(r.status, 202, r)
        ng = self.m.wait_for(
            lambda: (lambda g: g if g.get("status") in ("CREATE_COMPLETE", "CREATE_FAILED")
                     else None)(self.m.get("/v1/clusters/%s/nodegroups/extra" % uuid_).json),
            timeout=120, what="nodegroup created")
        self.assertEqual(ng["status"], "CREATE_COMPLETE", ng.get("status_reason"))
        self.api.wait(uuid_, statuses=("UPDATE_COMPLETE",))
        self.converged(uuid_)
        lap('self.delete_leaves_nothing(uuid_)')
        self.delete_leaves_nothing(uuid_)


if __name__ == "__main__":
    unittest.main()
