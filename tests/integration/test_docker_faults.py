# ctest-labels: docker
"""Faults around the `docker` driver with a real Docker Engine: an engine that cannot be
reached, a failing image build, an exhausted subnet pool, a node container killed during
create, a delete while the create runs, and two clusters created at once. Whatever
happens, nothing is left behind by label."""
import os
import stat
import tempfile
import threading
import time
import unittest

from docker_support import NOTHING, DockerEngine, DriverApi, start_magnumd, wait_until

ENGINE = DockerEngine()


def setUpModule():
    if not ENGINE.available():
        raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                             "(scripts/dockerd-ensure.sh) starts one" % ENGINE.path)


class DockerFaultTest(unittest.TestCase):
    def server(self, **sections):
        m = start_magnumd(**sections)
        self.addCleanup(m.cleanup)
        api = DriverApi(self, m, ENGINE)
        self.addCleanup(api.cleanup)  # runs first: removes what the clusters left
        return m, api

    def test_engine_unreachable_fails_create_with_a_clear_reason(self):
        sock = os.path.join(tempfile.gettempdir(), "magnum-no-engine-%d.sock" % os.getpid())
        m, api = self.server(docker={"host": "unix://" + sock})
        tmpl = api.template()  # the static node image is known without an engine
        uuid_ = api.create(tmpl, "noengine", nodes=1)
        c = api.wait(uuid_, timeout=30)
        self.assertEqual(c["status"], "CREATE_FAILED")
        self.assertIn("Docker Engine at unix://%s is not reachable" % sock, c["status_reason"])
        # The API still serves.
        self.assertEqual(m.get("/v1/clusters").status, 200)
        self.assertEqual(m.get("/v1/clusters/" + uuid_).status, 200)

    def test_image_build_failure(self):
        script = os.path.join(tempfile.mkdtemp(prefix="magnum-badbuild-"), "build.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho 'build-node-image: [1/3] debootstrap' >&2\n"
                    "echo 'build-node-image: error: debootstrap of the base failed' >&2\n"
                    "exit 1\n")
        os.chmod(script, stat.S_IRWXU)
        m, api = self.server(docker={"image_build_script": script})
        uuid_ = api.create(api.template(), "badimage", nodes=1)
        c = api.wait(uuid_, timeout=30)
        self.assertEqual(c["status"], "CREATE_FAILED")
        self.assertIn("node image build failed", c["status_reason"])
        self.assertIn("debootstrap of the base failed", c["status_reason"])
        # The build's progress lines were events.
        msgs = [e["message"] for e in api.events(uuid_) if e["step"] == "images"]
        self.assertIn("build-node-image: [1/3] debootstrap", msgs)
        api.delete(uuid_)
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def test_subnet_pool_exhausted(self):
        # A pool of exactly one /24, at the far end of the default pool.
        m, api = self.server(docker={"subnet_pool": "10.213.254.0/24"})
        tmpl = api.template()
        first = api.create(tmpl, "pool-a", nodes=0)
        c = api.wait(first)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(c["master_addresses"], ["10.213.254.10"])
        second = api.create(tmpl, "pool-b", nodes=0)
        c = api.wait(second)
        self.assertEqual(c["status"], "CREATE_FAILED")
        self.assertIn("subnet pool 10.213.254.0/24 exhausted", c["status_reason"])
        for u in (second, first):
            api.delete(u)
            self.assertEqual(ENGINE.objects(u), NOTHING)

    def test_node_killed_during_create(self):
        m, api = self.server()
        uuid_ = api.create(api.template(), "killed", nodes=2)
        victim = "killed-node-1"

        # Kill the node's container as soon as it runs (before it can be Ready).
        def kill_when_running():
            c = ENGINE.inspect(victim)
            if c and isinstance(c, dict) and c.get("State", {}).get("Running"):
                ENGINE.kill(victim)
                return True
            return None
        wait_until(kill_when_running, 30, interval=0.02, what="node container running")
        c = api.wait(uuid_, timeout=60)
        self.assertEqual(c["status"], "CREATE_FAILED")
        self.assertIn("node container %s is exited" % victim, c["status_reason"])
        warnings = [e for e in api.events(uuid_) if e["level"] == "warning"]
        self.assertIn(victim, [e["node"] for e in warnings])
        # A half-failed create is deleted completely.
        api.delete(uuid_)
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def test_delete_while_create_runs(self):
        m, api = self.server()
        uuid_ = api.create(api.template(), "racing", nodes=2)
        wait_until(lambda: any(e["step"] == "node" for e in api.events(uuid_)), 30,
                   interval=0.02, what="first node started")
        r = m.delete("/v1/clusters/" + uuid_)
        self.assertEqual(r.status, 204, r)
        api.wait(uuid_, statuses=("GONE", "DELETE_FAILED"), timeout=60)
        self.assertIsNone(api.cluster(uuid_))
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def test_two_clusters_at_once(self):
        # Two conductors (two magnumd processes) racing for the same first free subnet: the
        # loser's network create is refused by the engine and retried with the next one.
        servers = [self.server(), self.server()]
        tmpls = [api.template() for _, api in servers]
        uuids = [None, None]
        start = threading.Barrier(2)

        def create(i):
            start.wait()
            uuids[i] = servers[i][1].create(tmpls[i], "twin-%d" % i, nodes=1)
        threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        clusters = [servers[i][1].wait(uuids[i]) for i in range(2)]
        for c in clusters:
            self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        # No subnet, address or port clash; the names differ too (same name prefix "twin").
        subnets = []
        for u in uuids:
            nets = ENGINE.networks("magnum.cluster.uuid=" + u)
            self.assertEqual(len(nets), 1)
            subnets.append(nets[0]["IPAM"]["Config"][0]["Subnet"])
        self.assertNotEqual(subnets[0], subnets[1])
        self.assertNotEqual(clusters[0]["api_address"], clusters[1]["api_address"])
        self.assertFalse(set(clusters[0]["node_addresses"] + clusters[0]["master_addresses"]) &
                         set(clusters[1]["node_addresses"] + clusters[1]["master_addresses"]))
        for i in range(2):
            servers[i][1].delete(uuids[i])
            self.assertEqual(ENGINE.objects(uuids[i]), NOTHING)

    def test_same_cluster_name_twice(self):
        # Cluster names need not be unique: the second one's objects get a uuid suffix.
        m, api = self.server()
        tmpl = api.template()
        a = api.create(tmpl, "same", nodes=0)
        self.assertEqual(api.wait(a)["status"], "CREATE_COMPLETE")
        r = m.post("/v1/clusters", {"name": "same", "cluster_template_id": tmpl,
                                    "master_count": 1, "node_count": 0},
                   headers={"X-Project-Id": "other-project"})
        if r.status != 202:  # the API refused a duplicate name: nothing to test here
            return
        b = r.json["uuid"]
        api.clusters.append(b)
        c = wait_until(lambda: (lambda x: x if x.json and x.json.get("status", "").endswith(
            ("COMPLETE", "FAILED")) else None)(m.get("/v1/clusters/" + b, headers={
                "X-Project-Id": "other-project"})), 60, what="second cluster").json
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(ENGINE.objects(a)["containers"], ["same-master-0"])
        self.assertEqual(ENGINE.objects(b)["containers"], ["same-%s-master-0" % b[:8]])


if __name__ == "__main__":
    unittest.main()
