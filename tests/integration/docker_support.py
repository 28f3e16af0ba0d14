"""Support for the tests of the `docker` cluster driver (ctest label `docker`): a stdlib
client of the host's Docker Engine over its unix socket, to look at and clean up what a
test's clusters left, and helpers that drive magnumd through the API.

Every object the driver makes carries the label magnum.cluster.uuid=<uuid>; a test records
the uuids of the clusters it creates and removes everything with those labels at the end,
whatever happened (DockerEngine.remove_cluster_objects)."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import uuid

from harness import Magnumd

SOCKET = os.environ.get("MAGNUM_DOCKER_SOCKET", "/var/run/docker.sock")
DOCKER = shutil.which("docker", path="/usr/bin:/usr/local/bin")
OPENSSL = shutil.which("openssl")
OPENSTACK = shutil.which("openstack", path="/usr/bin:/usr/local/bin")
LABEL = "magnum.cluster.uuid"
TERMINAL = ("CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_COMPLETE", "UPDATE_FAILED",
            "DELETE_FAILED")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class DockerEngine:
    """The host's Docker Engine API (v1.41) over its unix socket."""

    def __init__(self, path=SOCKET):
        self.path = path

    def call(self, method, path, body=None, timeout=60):
        conn = _UnixConnection(self.path, timeout)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, "/v1.41" + path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw

    def available(self):
        try:
            return self.call("GET", "/_ping", timeout=5)[0] == 200
        except OSError:
            return False

    def _filters(self, label):
        return urllib.parse.quote(json.dumps({"label": [label]}))

    def containers(self, label):
        return self.call("GET", "/containers/json?all=1&filters=" + self._filters(label))[1]

    def volumes(self, label):
        return self.call("GET", "/volumes?filters=" + self._filters(label))[1]["Volumes"] or []

    def networks(self, label):
        return self.call("GET", "/networks?filters=" + self._filters(label))[1]

    def objects(self, cluster_uuid):
        """Names of every container, volume and network of a cluster."""
        label = "%s=%s" % (LABEL, cluster_uuid)
        return {
            "containers": sorted(c["Names"][0].lstrip("/") for c in self.containers(label)),
            "volumes": sorted(v["Name"] for v in self.volumes(label)),
            "networks": sorted(n["Name"] for n in self.networks(label)),
        }

    def remove_cluster_objects(self, cluster_uuid):
        label = "%s=%s" % (LABEL, cluster_uuid)
        for c in self.containers(label):
            self.call("DELETE", "/containers/%s?force=1&v=1" % c["Id"])
        for v in self.volumes(label):
            self.call("DELETE", "/volumes/%s?force=1" % v["Name"])
        for n in self.networks(label):
            self.call("DELETE", "/networks/%s" % n["Id"])

    def inspect(self, name):
        return self.call("GET", "/containers/%s/json" % name)[1]

    def kill(self, name):
        status, _ = self.call("POST", "/containers/%s/kill" % name)
        assert status == 204, status


NOTHING = {"containers": [], "volumes": [], "networks": []}


def docker_server_config(**sections):
    """magnumd configuration for docker-driver tests: health polled every 2 s. (Keys stay
    2048-bit: OpenSSL 3 refuses 1024-bit client keys at its default security level.)"""
    cfg = {
        "kubernetes": {"health_polling_interval": "2"},
        "DEFAULT": {"periodic_interval_max": "2"},
    }
    for section, options in sections.items():
        cfg.setdefault(section, {}).update(options)
    return cfg


class DriverApi:
    """Drives magnumd's API for a docker-driver test and remembers what to clean up."""

    def __init__(self, test, m, engine):
        self.test = test
        self.m = m
        self.engine = engine
        self.clusters = []

    def template(self, name=None, image="swarm-node", coe="swarm-mode"):
        r = self.m.post("/v1/clustertemplates", {
            "name": name or "swarm-" + uuid.uuid4().hex[:6], "coe": coe, "image_id": image,
            "server_type": "container", "external_network_id": "public"})
        self.test.assertEqual(r.status, 201, r)
        return r.json["uuid"]

    def create(self, template, name, masters=1, nodes=2):
        r = self.m.post("/v1/clusters", {"name": name, "cluster_template_id": template,
                                         "master_count": masters, "node_count": nodes})
        self.test.assertEqual(r.status, 202, r)
        self.clusters.append(r.json["uuid"])
        return r.json["uuid"]

    def cluster(self, ident):
        r = self.m.get("/v1/clusters/" + ident)
        return r.json if r.status == 200 else None

    def wait(self, ident, statuses=TERMINAL, timeout=180):
        def reached():
            c = self.cluster(ident)
            if c is None:
                return {"status": "GONE"} if "GONE" in statuses else None
            return c if c["status"] in statuses else None
        return self.m.wait_for(reached, timeout=timeout, interval=0.1,
                               what="cluster %s in %s" % (ident, statuses))

    def events(self, ident):
        r = self.m.get("/v1/clusters/%s/events?limit=1000" % ident)
        self.test.assertEqual(r.status, 200, r)
        return r.json["events"]

    def delete(self, ident, timeout=120):
        r = self.m.delete("/v1/clusters/" + ident)
        self.test.assertEqual(r.status, 204, r)
        self.wait(ident, statuses=("GONE", "DELETE_FAILED"), timeout=timeout)

    def cleanup(self):
        """Deletes the test's clusters through the API first (so that no operation of the
        server, e.g. a reconciliation replacing a killed node, recreates a container after
        this), then removes whatever objects are left."""
        for c in self.clusters:
            try:
                if self.cluster(c) is not None:
                    self.m.delete("/v1/clusters/" + c)
                    self.wait(c, statuses=("GONE", "DELETE_FAILED"), timeout=60)
            except (OSError, AssertionError):
                pass  # a server that is gone or stuck: the objects go below
            try:
                self.engine.remove_cluster_objects(c)
            except OSError:
                pass


def run(cmd, env=None, timeout=120, check=True):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), out.returncode,
                                                          out.stdout, out.stderr))
    return out


def wait_until(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def start_magnumd(**sections):
    return Magnumd(extra_config=docker_server_config(**sections), test_drivers=False).start()
