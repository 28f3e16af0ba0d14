"""Convergence tests of the `docker` driver (issue 17): stop magnumd (SIGKILL or SIGTERM) at
a point of an operation chosen by the cluster's events, restart it on the same database,
and check that what the API says is what runs: node counts and addresses of every
nodegroup equal the running node containers (one volume each) and `docker node ls` inside
the cluster's manager, every node Ready and Active. The time from the restart to that state
is recorded (docs/benchmarks.md)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from docker_support import (NOTHING, DockerEngine, DriverApi, docker_server_config, run,
                            wait_until)
from harness import Magnumd

ENGINE = DockerEngine()
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "build-node-image.sh")
TIMINGS = []  # (what, seconds from the restart to a converged cluster)


def require_engine():
    if not ENGINE.available():
        raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                             "(scripts/dockerd-ensure.sh) starts one" % ENGINE.path)


def print_timings():
    for what, secs in TIMINGS:
        print("converged after restart: %-40s %.2f s" % (what, secs))


def node_ls(manager):
    out = subprocess.run(["docker", "exec", manager, "docker", "node", "ls", "--format",
                          "{{.Hostname}} {{.Status}} {{.Availability}}"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        return None
    return sorted(tuple(line.split()) for line in out.stdout.splitlines() if line.strip())


class ConvergeCase(unittest.TestCase):
    """One magnumd on a work directory that survives its restarts."""

    host = "converge"
    extra = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="magnum-it-converge-")
        self.m = None
        self.api = None
        self.addCleanup(shutil.rmtree, self.dir, True)

    def tearDown(self):
        if self.api:
            self.api.cleanup()
        if self.m:
            self.m.stop()

    def start(self):
        sections = {"DEFAULT": {"host": self.host}}
        for k, v in self.extra.items():
            sections.setdefault(k, {}).update(v)
        self.m = Magnumd(extra_config=docker_server_config(**sections), workdir=self.dir,
                         test_drivers=False).start()
        clusters = self.api.clusters if self.api else []
        self.api = DriverApi(self, self.m, ENGINE)
        self.api.clusters = clusters
        return self.m

    def create_complete(self, template, name, masters=1, nodes=1):
        uuid_ = self.api.create(template, name, masters=masters, nodes=nodes)
        c = self.api.wait(uuid_)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        return uuid_

    # ---- stopping at an event ----------------------------------------------------------

    def mark(self, uuid_):
        """The number of the cluster's events so far (later ones are the next operation's)."""
        return len(self.api.events(uuid_))

    def stop_at(self, uuid_, since, step, how, text=""):
        """Stops magnumd (`how`: "kill" = SIGKILL, "term" = SIGTERM) as soon as an event of
        `step` (containing `text`) appears after the first `since` events; returns it."""
        def seen():
            for e in self.api.events(uuid_)[since:]:
                if e["step"] == step and text in e["message"]:
                    return e
            return None
        event = wait_until(seen, timeout=180, interval=0.02,
                           what="event %s %r of %s" % (step, text, uuid_))
        if how == "kill":
            self.m.kill()
        else:
            self.assertEqual(self.m.stop(sig=signal.SIGTERM), 0)
        return event

    def restart_and_converge(self, uuid_, what, status):
        """Restarts magnumd; waits for the interrupted operation's end (`status`) and for
        the cluster to converge; records and returns the seconds since the restart."""
        t0 = time.time()
        self.start()
        c = self.api.wait(uuid_, statuses=TERMINAL_OF[status], timeout=240)
        self.assertEqual(c["status"], status, c.get("status_reason"))
        self.converged(uuid_)
        secs = time.time() - t0
        TIMINGS.append((what, secs))
        return secs

    # ---- what the API says against what runs -------------------------------------------

    def nodegroups(self, uuid_):
        r = self.m.get("/v1/clusters/%s/nodegroups" % uuid_)
        self.assertEqual(r.status, 200, r)
        out = []
        for ng in r.json["nodegroups"]:
            d = self.m.get("/v1/clusters/%s/nodegroups/%s" % (uuid_, ng["uuid"]))
            self.assertEqual(d.status, 200, d)
            out.append(d.json)
        return out

    def mismatch(self, uuid_):
        """"" when the API, the node containers and the swarm agree, else what differs."""
        # A nodegroup whose create failed keeps the count it was asked for; what it has
        # is in its addresses (none once the failure was rolled back).
        ngs = self.nodegroups(uuid_)
        want = sum(len(ng.get("node_addresses") or []) if ng["status"] == "CREATE_FAILED"
                   else ng["node_count"] for ng in ngs)
        addrs = sum(len(ng.get("node_addresses") or []) for ng in ngs)
        label = "magnum.cluster.uuid=" + uuid_
        containers = ENGINE.containers(label)
        names = sorted(c["Names"][0].lstrip("/") for c in containers)
        running = [c for c in containers if c["State"] == "running"]
        volumes = ENGINE.volumes(label)
        if len(names) != want or len(running) != want:
            return "API %d nodes, containers %s (%d running)" % (want, names, len(running))
        if addrs != want:
            return "API %d nodes but %d addresses" % (want, addrs)
        if len(volumes) != want:
            return "%d volumes for %d nodes" % (len(volumes), want)
        masters = [n for n in names if "-master-" in n]
        if not masters:
            return "no manager container"
        ls = node_ls(masters[0])
        expected = sorted((n, "Ready", "Active") for n in names)
        if ls != expected:
            return "node ls %s, wanted %s" % (ls, expected)
        return ""

    def converged(self, uuid_, timeout=60):
        wait_until(lambda: self.mismatch(uuid_) == "", timeout, interval=0.2,
                   what="cluster %s converged (last mismatch: %s)" % (uuid_, self.mismatch(uuid_)))

    def delete_leaves_nothing(self, uuid_):
        self.api.delete(uuid_)
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def variant_template(self, tag, name):
        run(["bash", SCRIPT, "--variant", tag], timeout=900)
        # The docker driver lists the engine's node images at most every 5 s: an image built
        # (or, by a test running at the same time, found built) just now may not be known yet.
        deadline = time.monotonic() + 10
        while True:
            r = self.api.m.post("/v1/clustertemplates", {
                "name": name, "coe": "swarm-mode", "image_id": "swarm-node:" + tag,
                "server_type": "container", "external_network_id": "public"})
            if r.status != 400 or "could not be found" not in str(r) or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(r.status, 201, r)
        return r.json["uuid"]


TERMINAL_OF = {
    "CREATE_COMPLETE": ("CREATE_COMPLETE", "CREATE_FAILED"),
    "UPDATE_COMPLETE": ("UPDATE_COMPLETE", "UPDATE_FAILED"),
    "UPDATE_FAILED": ("UPDATE_COMPLETE", "UPDATE_FAILED"),
}
