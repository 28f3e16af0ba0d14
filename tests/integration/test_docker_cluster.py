# ctest-labels: docker
"""End to end with the `docker` driver and a real Docker Engine (the ctest fixtures start
dockerd when none runs and build the node images): a Swarm cluster of 1 manager and 2
workers made over the API, used with the docker CLI over its TLS endpoint with a
certificate Magnum signed, scaled up and down, a node killed and seen UNHEALTHY, upgraded
to another node image, deleted, and nothing left behind by label."""
import os
import shutil
import tempfile
import time
import unittest
import urllib.request

from docker_support import (DOCKER, NOTHING, OPENSSL, OPENSTACK, DockerEngine, DriverApi, run,
                            start_magnumd, wait_until)

ENGINE = DockerEngine()


class DockerSwarmClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ENGINE.available():
            raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                                 "(scripts/dockerd-ensure.sh) starts one" % ENGINE.path)
        if DOCKER is None or OPENSSL is None:
            raise AssertionError("the docker CLI and openssl are needed (install-deps.sh --test)")
        cls.m = start_magnumd()
        cls.tmp = tempfile.mkdtemp(prefix="magnum-docker-e2e-")

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.api = DriverApi(self, self.m, ENGINE)
        self.addCleanup(self.api.cleanup)

    def docker(self, env, *args, check=True, timeout=120):
        return run([DOCKER] + list(args), env=env, check=check, timeout=timeout)

    def client_env(self, cluster, name):
        """DOCKER_* for `cluster` with a client certificate from POST /v1/certificates for a
        CSR made with openssl (the flow of `openstack coe cluster config`)."""
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        run([OPENSSL, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=e2e-user",
             "-keyout", os.path.join(d, "key.pem"), "-out", os.path.join(d, "csr.pem")])
        with open(os.path.join(d, "csr.pem")) as f:
            csr = f.read()
        r = self.m.post("/v1/certificates", {"cluster_uuid": cluster["uuid"], "csr": csr})
        self.assertEqual(r.status, 201, r)
        with open(os.path.join(d, "cert.pem"), "w") as f:
            f.write(r.json["pem"] + "\n")
        r = self.m.get("/v1/certificates/" + cluster["uuid"])
        self.assertEqual(r.status, 200, r)
        with open(os.path.join(d, "ca.pem"), "w") as f:
            f.write(r.json["pem"] + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update({"DOCKER_HOST": cluster["api_address"], "DOCKER_TLS_VERIFY": "1",
                    "DOCKER_CERT_PATH": d, "HOME": self.tmp})
        return env

    def node_ls(self, env):
        out = self.docker(env, "node", "ls", "--format",
                          "{{.Hostname}} {{.Status}} {{.Availability}}").stdout
        return sorted(tuple(line.split()) for line in out.splitlines() if line.strip())

    def test_swarm_cluster_lifecycle(self):
        api = self.api
        tmpl = api.template(name="swarm-e2e")
        t0 = time.time()
        uuid_ = api.create(tmpl, "e2e", masters=1, nodes=2)
        c = api.wait(uuid_)
        create_s = time.time() - t0
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        print("\ncreate 1 manager + 2 workers: %.1f s" % create_s)

        # Facts reported by the driver.
        self.assertRegex(c["api_address"], r"^tcp://127\.0\.0\.1:\d+$")
        self.assertEqual(len(c["master_addresses"]), 1)
        self.assertEqual(len(c["node_addresses"]), 2)
        self.assertTrue(c["coe_version"].startswith("20.10"), c["coe_version"])
        objs = ENGINE.objects(uuid_)
        self.assertEqual(objs["containers"], ["e2e-master-0", "e2e-node-0", "e2e-node-1"])
        self.assertEqual(objs["volumes"], ["e2e-master-0-docker", "e2e-node-0-docker",
                                           "e2e-node-1-docker"])
        self.assertEqual(objs["networks"], ["e2e-net"])

        # Contained as the notes require: fixed IPs from the pool, no default route,
        # DNS to 127.0.0.1 only, API published on loopback only, never privileged.
        mgr = ENGINE.inspect("e2e-master-0")
        self.assertFalse(mgr["HostConfig"]["Privileged"])
        self.assertEqual(mgr["HostConfig"]["Dns"], ["127.0.0.1"])
        bindings = mgr["HostConfig"]["PortBindings"]["2376/tcp"]
        self.assertEqual([b["HostIp"] for b in bindings], ["127.0.0.1"])
        ip = mgr["NetworkSettings"]["Networks"]["e2e-net"]["IPAddress"]
        self.assertEqual([ip], c["master_addresses"])
        self.assertTrue(ip.startswith("10.213."), ip)
        routes = run([DOCKER, "exec", "e2e-node-0", "ip", "route"]).stdout
        self.assertNotIn("default", routes)

        # Each step is in the event log as it happened.
        events = api.events(uuid_)
        steps = [(e["step"], e["node"]) for e in events]
        for want in [("network", None), ("node", "e2e-master-0"), ("node", "e2e-node-0"),
                     ("node", "e2e-node-1"), ("swarm", "e2e-master-0"), ("join", "e2e-node-0"),
                     ("join", "e2e-node-1"), ("ready", None)]:
            self.assertIn(want, steps)

        # The user's view: docker CLI over TLS with a certificate Magnum signed.
        env = self.client_env(c, "user")
        self.assertEqual(self.node_ls(env), [("e2e-master-0", "Ready", "Active"),
                                             ("e2e-node-0", "Ready", "Active"),
                                             ("e2e-node-1", "Ready", "Active")])
        # No client certificate, or plain HTTP: refused.
        no_cert = dict(env)
        no_cert.pop("DOCKER_TLS_VERIFY")
        no_cert["DOCKER_CERT_PATH"] = self.tmp
        self.assertNotEqual(self.docker(no_cert, "node", "ls", check=False).returncode, 0)

        self.docker(env, "service", "create", "--detach", "--name", "web", "--replicas", "3",
                    "--init", "--no-resolve-image", "--endpoint-mode", "dnsrr",
                    "--publish", "mode=host,target=8080,published=8080",
                    "magnum-workload", "httpd", "-f", "-p", "8080", "-h", "/etc")

        def running_tasks():
            out = self.docker(env, "service", "ps", "web", "--filter", "desired-state=running",
                              "--format", "{{.Node}} {{.CurrentState}}").stdout
            nodes = [l.split()[0] for l in out.splitlines() if " Running " in " " + l + " "]
            return sorted(nodes) if len(nodes) == 3 else None
        self.assertEqual(wait_until(running_tasks, 60, what="3 running tasks"),
                         ["e2e-master-0", "e2e-node-0", "e2e-node-1"])
        # The service answers on a node (host-mode publish on the node's own address).
        body = wait_until(lambda: _fetch("http://%s:8080/passwd" % c["node_addresses"][0]), 20,
                          what="httpd on a node")
        self.assertIn("root:x:0:0", body)

        # python-magnumclient's flow, when installed: `openstack coe cluster config`.
        if OPENSTACK:
            d = os.path.join(self.tmp, "osc")
            os.makedirs(d)
            cenv = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
            cenv.update({"HOME": self.tmp, "SHELL": "/bin/bash"})
            out = run([OPENSTACK, "--os-auth-type", "none", "--os-endpoint",
                       "http://127.0.0.1:%d/v1" % self.m.port, "coe", "cluster", "config", "e2e",
                       "--dir", d, "--output-certs"], env=cenv).stdout
            exports = dict(line[len("export "):].split("=", 1) for line in out.splitlines()
                           if line.startswith("export "))
            self.assertEqual(exports["DOCKER_HOST"], c["api_address"])
            oenv = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
            oenv.update(exports)
            oenv["HOME"] = self.tmp
            self.assertEqual(len(self.node_ls(oenv)), 3)

        # Scale up: PATCH node_count.
        t0 = time.time()
        r = self.m.patch("/v1/clusters/e2e", [{"op": "replace", "path": "/node_count",
                                              "value": 3}])
        self.assertEqual(r.status, 202, r)
        c = api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"))
        print("scale +1 worker: %.1f s" % (time.time() - t0))
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(len(c["node_addresses"]), 3)
        self.assertIn(("e2e-node-2", "Ready", "Active"), self.node_ls(env))

        # Scale down to 1 with nodes_to_remove (by name): node-0 goes first, then the
        # highest index (node-2); each is drained, leaves, and is removed with its volume.
        r = self.m.post("/v1/clusters/e2e/actions/resize",
                        {"node_count": 1, "nodes_to_remove": ["e2e-node-0"]})
        self.assertEqual(r.status, 202, r)
        c = api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"))
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        self.assertEqual(len(c["node_addresses"]), 1)
        self.assertEqual([n[0] for n in self.node_ls(env)], ["e2e-master-0", "e2e-node-1"])
        objs = ENGINE.objects(uuid_)
        self.assertEqual(objs["containers"], ["e2e-master-0", "e2e-node-1"])
        self.assertEqual(objs["volumes"], ["e2e-master-0-docker", "e2e-node-1-docker"])
        steps = [(e["step"], e["node"]) for e in api.events(uuid_)]
        self.assertLess(steps.index(("remove", "e2e-node-0")), steps.index(("remove", "e2e-node-2")))

        # Health: HEALTHY, then a killed node container is noticed.
        c = wait_until(lambda: (lambda x: x if x["health_status"] == "HEALTHY" else None)(
            api.cluster(uuid_)), 20, what="HEALTHY")
        self.assertEqual(c["health_status_reason"].get("e2e-node-1.Ready"), "True")
        ENGINE.kill("e2e-node-1")
        t0 = time.time()
        c = wait_until(lambda: (lambda x: x if x["health_status"] == "UNHEALTHY" else None)(
            api.cluster(uuid_)), 20, what="UNHEALTHY")
        print("killed node noticed after %.1f s" % (time.time() - t0))
        self.assertEqual(c["health_status_reason"]["e2e-node-1.Ready"], "False")
        # Docker's state of the stopped container: "exited", or "removing" when a
        # reconciliation pass is replacing it at that moment.
        self.assertRegex(c["health_status_reason"]["e2e-node-1.reason"],
                         r"^node container is (exited|removing)\b")
        self.assertEqual(c["health_status_reason"]["e2e-master-0.Ready"], "True")

        # Delete: everything with the cluster's label goes.
        api.delete("e2e")
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)

    def test_upgrade_moves_nodes_to_another_image(self):
        api = self.api
        # A pinned variant of the node image (a new image id), what an upgrade moves to.
        script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts",
                              "build-node-image.sh")
        run(["bash", script, "--variant", "e2e-v2"], timeout=900)
        tmpl = api.template(name="swarm-up-1")
        target = api.template(name="swarm-up-2", image="swarm-node:e2e-v2")
        uuid_ = api.create(tmpl, "up", masters=1, nodes=1)
        c = api.wait(uuid_)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        port = c["api_address"]
        env = self.client_env(c, "up")
        self.docker(env, "service", "create", "--detach", "--name", "sleeper", "--replicas", "2",
                    "--init", "--no-resolve-image", "--endpoint-mode", "dnsrr",
                    "magnum-workload", "sleep", "3600")

        r = self.m.post("/v1/clusters/up/actions/upgrade",
                        {"cluster_template": target, "max_batch_size": 1})
        self.assertEqual(r.status, 202, r)
        c = api.wait(uuid_, statuses=("UPDATE_COMPLETE", "UPDATE_FAILED"), timeout=240)
        self.assertEqual(c["status"], "UPDATE_COMPLETE", c.get("status_reason"))
        for name in ("up-master-0", "up-node-0"):
            self.assertEqual(ENGINE.inspect(name)["Config"]["Image"], "magnum/swarm-node:e2e-v2")
        # Same nodes (identity kept in their volumes), same endpoint, service still there.
        self.assertEqual(c["api_address"], port)
        self.assertEqual(self.node_ls(env), [("up-master-0", "Ready", "Active"),
                                             ("up-node-0", "Ready", "Active")])
        out = self.docker(env, "service", "ls", "--format", "{{.Name}}").stdout.split()
        self.assertEqual(out, ["sleeper"])
        events = api.events(uuid_)
        upgraded = [e["node"] for e in events if e["step"] == "upgrade" and e["node"]]
        self.assertEqual(upgraded, ["up-node-0", "up-master-0"])  # workers first
        api.delete("up")
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)


    def test_nodegroups_map_to_labelled_workers(self):
        api = self.api
        uuid_ = api.create(api.template(name="swarm-ng"), "ngs", masters=1, nodes=0)
        c = api.wait(uuid_)
        self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
        env = self.client_env(c, "ngs")
        r = self.m.post("/v1/clusters/ngs/nodegroups",
                        {"name": "zone-b", "node_count": 2, "node_labels": {"zone": "b"}})
        self.assertEqual(r.status, 202, r)

        def ng_status():
            r = self.m.get("/v1/clusters/ngs/nodegroups/zone-b")
            s = r.json.get("status") if r.status == 200 else None
            return r.json if s in ("CREATE_COMPLETE", "CREATE_FAILED") else None
        ng = wait_until(ng_status, 120, what="nodegroup zone-b created")
        self.assertEqual(ng["status"], "CREATE_COMPLETE", ng.get("status_reason"))
        self.assertEqual(len(ng["node_addresses"]), 2)
        nodes = self.node_ls(env)
        self.assertEqual([n[0] for n in nodes], ["ngs-master-0", "ngs-node-0", "ngs-node-1"])
        labels = self.docker(env, "node", "inspect", "ngs-node-0", "--format",
                             "{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}").stdout
        self.assertEqual(sorted(labels.split()), ["magnum.nodegroup=zone-b", "zone=b"])

        r = self.m.delete("/v1/clusters/ngs/nodegroups/zone-b")
        self.assertEqual(r.status, 204, r)
        wait_until(lambda: self.m.get("/v1/clusters/ngs/nodegroups/zone-b").status == 404, 120,
                   what="nodegroup zone-b deleted")
        self.assertEqual([n[0] for n in self.node_ls(env)], ["ngs-master-0"])
        self.assertEqual(ENGINE.objects(uuid_)["containers"], ["ngs-master-0"])
        api.delete("ngs")
        self.assertEqual(ENGINE.objects(uuid_), NOTHING)


def _fetch(url):
    # Straight to the node (never through a proxy from the environment).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


if __name__ == "__main__":
    unittest.main()
