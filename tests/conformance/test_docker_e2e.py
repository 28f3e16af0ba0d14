# ctest-labels: client docker
"""End to end with the `docker` driver, the way a user goes, all through the real clients:
`openstack coe cluster template create` (swarm-mode, image swarm-node, server type
container) → `openstack coe cluster create` → `openstack coe cluster config --output-certs`
→ `docker node ls` → `docker service create` → the legacy `magnum cluster-config` → `openstack
coe cluster delete`, and nothing of the cluster left on the engine.

Skips (unittest skip with the reason) when the docker CLI is missing, no Docker Engine
answers, or magnumd has no docker driver. Under ctest the `docker_engine` and
`docker_images` fixtures start an engine and build the node images first."""
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
import unittest

from conformance import ConformanceCase

SOCKET = os.environ.get("MAGNUM_DOCKER_SOCKET", "/var/run/docker.sock")
DOCKER = shutil.which("docker", path="/usr/bin:/usr/local/bin")
LABEL = "magnum.cluster.uuid"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=5)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def engine_answers():
    conn = _UnixConnection(SOCKET)
    try:
        conn.request("GET", "/_ping")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class DockerEndToEndTest(ConformanceCase):
    # 2048-bit keys: OpenSSL 3 (the docker CLI's TLS peer) refuses 1024-bit ones.
    fast_certs = False

    @classmethod
    def setUpClass(cls):
        if DOCKER is None:
            raise unittest.SkipTest("the docker CLI is not installed")
        if not engine_answers():
            raise unittest.SkipTest("no Docker Engine answers on %s" % SOCKET)
        super().setUpClass()

    def host_docker(self, *args, check=True):
        """The docker CLI on the host's engine."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env["HOME"] = self.home
        out = subprocess.run([DOCKER, "--host", "unix://" + SOCKET] + list(args), env=env,
                             capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            self.flunk("docker %s failed: %s" % (" ".join(args), out.stderr))
        return out

    def cluster_docker(self, env, *args, check=True):
        """The docker CLI with the environment `cluster config` printed."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        full.update(env)
        full["HOME"] = self.home
        out = subprocess.run([DOCKER] + list(args), env=full, capture_output=True, text=True,
                             timeout=120)
        if check and out.returncode != 0:
            self.flunk("docker %s with %s failed (%d): %s" % (" ".join(args), env,
                                                             out.returncode, out.stderr))
        return out

    def leftovers(self, uuid):
        found = {}
        for kind, cmd in [("containers", ["ps", "-aq"]), ("volumes", ["volume", "ls", "-q"]),
                          ("networks", ["network", "ls", "-q"])]:
            out = self.host_docker(*cmd, "--filter", "label=%s=%s" % (LABEL, uuid)).stdout
            found[kind] = out.split()
        return found

    def remove_leftovers(self, uuid):
        if self.m.get("/v1/clusters/" + uuid).status == 200:
            self.m.delete("/v1/clusters/" + uuid)
            try:
                self.wait_cluster(uuid, statuses=("GONE", "DELETE_FAILED"), timeout=120)
            except AssertionError:
                pass
        objs = self.leftovers(uuid)
        if objs["containers"]:
            self.host_docker("rm", "-f", "-v", *objs["containers"], check=False)
        if objs["volumes"]:
            self.host_docker("volume", "rm", "-f", *objs["volumes"], check=False)
        if objs["networks"]:
            self.host_docker("network", "rm", *objs["networks"], check=False)

    def test_template_cluster_config_docker_delete(self):
        run = self.osc("cluster", "template", "create", "swarm", "--coe", "swarm-mode",
                       "--image", "swarm-node", "--server-type", "container",
                       "--external-network", "public", "-f", "json", ok=None)
        if run.rc != 0:
            # Without the docker driver the image is unknown (or the type unsupported).
            if re.search(r"Image swarm-node could not be found|not supported", run.output):
                self.skipTest("magnumd has no docker driver: %s" % run.client_stderr())
            self.flunk("expected the template to be created")
        tmpl = self.json_of(run)
        self.assertEqual((tmpl["coe"], tmpl["server_type"], tmpl["cluster_distro"]),
                         ("swarm-mode", "container", "debian"))

        run = self.osc("cluster", "create", "e2e", "--cluster-template", "swarm",
                       "--master-count", "1", "--node-count", "2")
        uuid = run.stdout.split()[4]
        self.addCleanup(self.remove_leftovers, uuid)
        t0 = time.time()
        status = self.wait_cluster(uuid, timeout=400)
        created_in = time.time() - t0
        shown = self.osc_json("cluster", "show", "e2e")
        self.assertEqual(status, "CREATE_COMPLETE", shown["status_reason"])
        self.assertRegex(shown["api_address"], r"^tcp://127\.0\.0\.1:\d+$")
        self.assertEqual((shown["master_count"], shown["node_count"],
                          len(shown["master_addresses"]), len(shown["node_addresses"])),
                         (1, 2, 1, 2))

        # The user's environment for the cluster, from the client.
        d = os.path.join(self.home, "e2e")
        os.makedirs(d)
        run = self.osc("cluster", "config", "e2e", "--dir", d, "--output-certs")
        with self.about(run):
            exports = dict(line[len("export "):].split("=", 1)
                           for line in run.stdout.splitlines() if line.startswith("export "))
            self.assertEqual(exports, {"DOCKER_HOST": shown["api_address"],
                                       "DOCKER_CERT_PATH": d, "DOCKER_TLS_VERIFY": "True"})
            self.assertEqual(sorted(os.listdir(d)), ["ca.pem", "cert.pem", "key.pem"])

        nodes = self.cluster_docker(exports, "node", "ls", "--format",
                                    "{{.Hostname}} {{.Status}} {{.ManagerStatus}}").stdout
        # Node names are <cluster>-master-N / <cluster>-node-N; the driver adds the first
        # eight characters of the uuid when another cluster on the engine has the same name
        # (e.g. another docker test running at the same time).
        prefix = "e2e-" + shown["uuid"][:8] + "-"
        names = sorted(n.replace(prefix, "e2e-", 1) for n in nodes.split("\n")[:-1])
        self.assertEqual(names, ["e2e-master-0 Ready Leader", "e2e-node-0 Ready ",
                                 "e2e-node-1 Ready "])

        self.cluster_docker(exports, "service", "create", "--detach", "--name", "sleeper",
                            "--replicas", "3", "--init", "--no-resolve-image",
                            "--endpoint-mode", "dnsrr", "magnum-workload", "sleep", "3600")

        def running():
            out = self.cluster_docker(exports, "service", "ps", "sleeper", "--filter",
                                      "desired-state=running", "--format",
                                      "{{.Node}} {{.CurrentState}}").stdout
            up = sorted(line.split()[0].replace(prefix, "e2e-", 1) for line in out.splitlines()
                        if " Running " in " %s " % line)
            return up if len(up) == 3 else None
        self.assertEqual(self.m.wait_for(running, timeout=90, interval=0.5, what="3 tasks"),
                         ["e2e-master-0", "e2e-node-0", "e2e-node-1"])

        # The legacy client's cluster-config writes the certificates as well.
        legacy = os.path.join(self.home, "legacy")
        os.makedirs(legacy)
        run = self.magnum("latest", "cluster-config", "e2e", "--dir", legacy)
        with self.about(run):
            env = dict(line[len("export "):].split("=", 1)
                       for line in run.stdout.splitlines() if line.startswith("export "))
            self.assertEqual(env["DOCKER_HOST"], shown["api_address"])
        services = self.cluster_docker(env, "service", "ls", "--format", "{{.Name}}").stdout
        self.assertEqual(services.split(), ["sleeper"])

        run = self.osc("cluster", "delete", "e2e")
        with self.about(run):
            self.assertEqual(run.stdout.strip(),
                             "Request to delete cluster e2e has been accepted.")
        self.wait_cluster(uuid, statuses=("GONE",), timeout=180)
        self.assertEqual(self.osc_json("cluster", "list"), [])
        self.assertEqual(self.leftovers(uuid), {"containers": [], "volumes": [],
                                                "networks": []})
        self.osc("cluster", "template", "delete", "swarm")
        print("\ndocker e2e: cluster created in %.1f s" % created_in)


if __name__ == "__main__":
    unittest.main()
