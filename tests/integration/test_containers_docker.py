# ctest-labels: docker
"""Containers (/v1/containers, issue 15) on a real Swarm cluster of the `docker` driver: a
container created through the API on the cluster's own TLS Docker Engine, started,
exec'd (output and exit code), logged, paused and unpaused, stopped, changed and removed
outside Magnum with the docker CLI (the user's client configuration, as
test_docker_cluster does) and seen in its real state, deleted; bad input (unknown image,
a command that does not exist, execute on a stopped container, oversized output, an
execute that outlives its time bound); the same through the native CLI, magnumctl. Prints
API create-to-running against `docker run` on the same endpoint.

The image is the workload image the driver loads into every node (`magnum-workload`,
busybox-static): the clusters reach no registry."""
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import test_docker_cluster  # its client_env: the user's docker CLI configuration
from docker_support import DOCKER, OPENSSL, DockerEngine, DriverApi, run, start_magnumd
from harness import binary

ENGINE = DockerEngine()
IMAGE = "magnum-workload"
LABEL = "magnum.container.uuid"
EXECUTE_TIMEOUT = 4  # [containers] execute_timeout of this test's magnumd
REQUEST_TIMEOUT = 5  # [containers] request_timeout: each Engine request
# sh as PID 1 ignores SIGTERM unless trapped: trapped, a stop takes at most a second.
SERVE = ("sh -c 'echo started $GREETING; echo to-stderr >&2; trap \"exit 0\" TERM; "
         "while true; do sleep 1; done'")


class DockerContainersTest(unittest.TestCase):
    api = None      # DriverApi of the class's cluster (made by the first test)
    cluster = None  # its API view
    env = None      # DOCKER_* for the docker CLI on its endpoint

    @classmethod
    def setUpClass(cls):
        if not ENGINE.available():
            raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                                 "(scripts/dockerd-ensure.sh) starts one" % ENGINE.path)
        if DOCKER is None or OPENSSL is None:
            raise AssertionError("the docker CLI and openssl are needed (install-deps.sh --test)")
        cls.m = start_magnumd(containers={"execute_timeout": str(EXECUTE_TIMEOUT),
                                          "request_timeout": str(REQUEST_TIMEOUT)})
        cls.tmp = tempfile.mkdtemp(prefix="magnum-containers-e2e-")

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.api is not None:
                cls.api.cleanup()
        finally:
            cls.m.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        cls = type(self)
        if cls.cluster is None:
            cls.api = DriverApi(self, self.m, ENGINE)
            tmpl = cls.api.template(name="swarm-containers")
            uuid_ = cls.api.create(tmpl, "ctr", masters=1, nodes=1)
            c = cls.api.wait(uuid_)
            self.assertEqual(c["status"], "CREATE_COMPLETE", c.get("status_reason"))
            cls.cluster = c
            cls.env = test_docker_cluster.DockerSwarmClusterTest.client_env(self, c, "user")

    # ---- helpers -----------------------------------------------------------------------

    def docker(self, *args, check=True):
        return run([DOCKER] + list(args), env=self.env, check=check, timeout=60)

    def create(self, name, command=None, image=IMAGE, **fields):
        body = {"name": name, "image": image, "cluster_uuid": self.cluster["uuid"]}
        if command is not None:
            body["command"] = command
        body.update(fields)
        return self.m.post("/v1/containers", body)

    def act(self, ident, action):
        return self.m.request("PUT", "/v1/containers/%s/%s" % (ident, action))

    def execute(self, ident, command):
        return self.m.request("PUT", "/v1/containers/%s/execute?command=%s" % (
            ident, urllib.parse.quote(command)), timeout=EXECUTE_TIMEOUT + 30)

    def show(self, ident):
        r = self.m.get("/v1/containers/" + ident)
        self.assertEqual(r.status, 200, r)
        return r.json

    def engine_state(self, name):
        out = self.docker("inspect", "--format", "{{json .State}}", name).stdout
        return json.loads(out)

    def labelled(self, uuid_):
        out = self.docker("ps", "-a", "--filter", "label=%s=%s" % (LABEL, uuid_),
                          "--format", "{{.Names}}").stdout
        return out.split()

    def force_delete(self, ident):
        r = self.m.delete("/v1/containers/%s?force=true" % ident)
        self.assertIn(r.status, (204, 404), r)

    # ---- tests -------------------------------------------------------------------------

    def test_container_lifecycle_on_the_cluster_engine(self):
        r = self.create("web", SERVE, memory="64m", environment={"GREETING": "hello world"})
        self.assertEqual(r.status, 201, r)
        c = r.json
        self.addCleanup(self.force_delete, c["uuid"])
        self.assertEqual(c["status"], "Stopped")
        self.assertEqual(c["cluster_uuid"], self.cluster["uuid"])
        self.assertEqual(c["bay_uuid"], self.cluster["uuid"])
        self.assertEqual(c["image"], IMAGE)
        self.assertEqual(c["memory"], "64m")
        self.assertEqual(c["environment"], {"GREETING": "hello world"})
        self.assertTrue((r.header("Location") or "").endswith("/v1/containers/" + c["uuid"]),
                        r.headers)

        # On the cluster's own engine: named, labelled, limited, created but not started.
        info = json.loads(self.docker("inspect", "web").stdout)[0]
        self.assertEqual(info["Config"]["Labels"][LABEL], c["uuid"])
        self.assertEqual(info["Config"]["Image"], IMAGE)
        self.assertEqual(info["Config"]["Cmd"][:2], ["sh", "-c"])
        self.assertIn("GREETING=hello world", info["Config"]["Env"])
        self.assertEqual(info["HostConfig"]["Memory"], 64 << 20)
        self.assertEqual(info["State"]["Status"], "created")

        r = self.act("web", "start")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "Running")
        self.assertTrue(self.engine_state("web")["Running"])

        # Execute: output of both streams and the exit code; the environment is there.
        r = self.execute("web", "sh -c 'echo out; echo err >&2; exit 3'")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["exit_code"], 3)
        self.assertEqual(sorted(r.json["output"].split()), ["err", "out"])
        self.assertFalse(r.json["truncated"])
        r = self.m.request("PUT", "/v1/containers/web/execute",
                           body={"command": "sh -c 'echo \"$GREETING\"'"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["output"], r.json["exit_code"]), ("hello world\n", 0))

        # Logs: stdout and stderr of the container's command.
        r = self.m.get("/v1/containers/web/logs")
        self.assertEqual(r.status, 200, r)
        self.assertIn("started hello world", r.json["output"])
        self.assertIn("to-stderr", r.json["output"])
        self.assertFalse(r.json["truncated"])

        # Pause / unpause, as the engine sees it; no execute while paused.
        r = self.act("web", "pause")
        self.assertEqual((r.status, r.json["status"]), (200, "Paused"), r)
        self.assertTrue(self.engine_state("web")["Paused"])
        self.assertEqual(self.execute("web", "true").status, 409)
        r = self.act("web", "unpause")
        self.assertEqual((r.status, r.json["status"]), (200, "Running"), r)
        self.assertFalse(self.engine_state("web")["Paused"])

        # Reboot: a new process (the log says "started" twice).
        r = self.act("web", "reboot")
        self.assertEqual((r.status, r.json["status"]), (200, "Running"), r)
        self.assertEqual(self.m.get("/v1/containers/web/logs").json["output"].count("started"), 2)

        # Stop; execute on a stopped container is a conflict.
        r = self.act("web", "stop")
        self.assertEqual((r.status, r.json["status"]), (200, "Stopped"), r)
        self.assertFalse(self.engine_state("web")["Running"])
        r = self.execute("web", "true")
        self.assertEqual(r.status, 409, r)
        self.assertIn("start it", r.raw)

        # Changed outside Magnum: started and stopped with the docker CLI, Magnum shows it.
        self.docker("start", "web")
        self.assertEqual(self.show("web")["status"], "Running")
        self.docker("stop", "-t", "5", "web")
        self.assertEqual(self.show("web")["status"], "Stopped")
        listed = {x["uuid"]: x for x in self.m.get("/v1/containers").json["containers"]}
        self.assertEqual(listed[c["uuid"]]["status"], "Stopped")
        self.docker("start", "web")
        self.assertEqual(self.show(c["uuid"])["status"], "Running")

        # Delete: a running one needs force; then it is gone from the engine too.
        r = self.m.delete("/v1/containers/web")
        self.assertEqual(r.status, 409, r)
        self.assertIn("force=true", r.raw)
        r = self.m.delete("/v1/containers/web?force=true")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.m.get("/v1/containers/web").status, 404)
        self.assertEqual(self.labelled(c["uuid"]), [])

    def ctl(self, *args, rc=0):
        """magnumctl (the native CLI) against this magnumd, as the noauth default identity."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
               "MAGNUM_URL": "http://127.0.0.1:%d" % self.m.port}
        r = subprocess.run([binary("magnumctl")] + list(args), env=env, capture_output=True,
                           text=True, timeout=EXECUTE_TIMEOUT + 60)
        if rc is not None:
            self.assertEqual(r.returncode, rc, "magnumctl %s\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), r.stdout, r.stderr))
        return r

    def test_container_commands_through_magnumctl(self):
        r = self.ctl("container-create", "cli", "--image", IMAGE, "--cluster", self.cluster["name"],
                     "--command", SERVE, "--environment", "GREETING=from-cli", "-f", "json")
        c = json.loads(r.stdout)
        self.addCleanup(self.force_delete, c["uuid"])
        self.assertEqual((c["status"], c["cluster_uuid"]), ("Stopped", self.cluster["uuid"]))
        self.assertEqual(json.loads(self.ctl("container-start", "cli", "-f", "json").stdout)["status"],
                         "Running")
        self.assertTrue(self.engine_state("cli")["Running"])
        # execute prints the output and exits with the command's code.
        r = self.ctl("container-execute", "cli", "--command", "sh -c 'echo $GREETING; exit 3'",
                     rc=3)
        self.assertEqual(r.stdout, "from-cli\n")
        r = self.ctl("container-logs", "cli")
        self.assertIn("started from-cli", r.stdout)
        self.assertEqual(json.loads(self.ctl("container-pause", "cli", "-f", "json").stdout)["status"],
                         "Paused")
        self.assertTrue(self.engine_state("cli")["Paused"])
        self.ctl("container-unpause", "cli")
        listed = json.loads(self.ctl("container-list", "--cluster", self.cluster["name"],
                                     "-f", "json").stdout)
        self.assertIn(("cli", "Running"), [(x["name"], x["status"]) for x in listed])
        # Refusals: the API's message verbatim, a non-zero exit.
        r = self.ctl("container-delete", "cli", rc=1)
        self.assertIn("force=true", r.stderr)
        self.ctl("container-stop", "cli")
        r = self.ctl("container-execute", "cli", "--command", "true", rc=1)
        self.assertIn("(HTTP 409)", r.stderr)
        self.ctl("container-delete", "cli")
        self.assertEqual(self.labelled(c["uuid"]), [])
        r = self.ctl("container-show", "cli", rc=1)
        self.assertIn("(HTTP 404)", r.stderr)

    def test_removed_outside_magnum_shows_error(self):
        r = self.create("gone", "sleep 1000")
        self.assertEqual(r.status, 201, r)
        uuid_ = r.json["uuid"]
        self.addCleanup(self.force_delete, uuid_)
        self.docker("rm", "-f", "gone")
        c = self.show(uuid_)
        self.assertEqual(c["status"], "Error")
        self.assertIn("removed outside Magnum", c["status_reason"])
        self.assertEqual(self.m.delete("/v1/containers/" + uuid_).status, 204)

    def test_bad_input(self):
        # Unknown image: 400 saying to load it; nothing written.
        before = self.m.get("/v1/containers").json["containers"]
        r = self.create("noimage", "true", image="no-such-image:1")
        self.assertEqual(r.status, 400, r)
        self.assertIn("no-such-image:1", r.raw)
        self.assertIn("must be loaded on the cluster's nodes", r.raw)
        self.assertEqual(self.m.get("/v1/containers").json["containers"], before)
        self.assertEqual(self.docker("ps", "-a", "--filter", "name=noimage", "--format",
                                     "{{.Names}}").stdout.split(), [])

        # A command that does not exist: created (Docker checks at start), start is a 400
        # and the container shows Error with the engine's reason.
        r = self.create("nocmd", "/no/such/program --flag")
        self.assertEqual(r.status, 201, r)
        self.addCleanup(self.force_delete, r.json["uuid"])
        r = self.act("nocmd", "start")
        self.assertEqual(r.status, 400, r)
        self.assertIn("/no/such/program", r.raw)
        c = self.show("nocmd")
        self.assertEqual(c["status"], "Error", c)
        self.assertIn("no such file or directory", c["status_reason"])

        # Execute: on a stopped container 409; a program that does not exist 400; output
        # above the bound truncated; a command past the time bound returns what it printed.
        r = self.create("busy", "sleep 1000")
        self.assertEqual(r.status, 201, r)
        self.addCleanup(self.force_delete, r.json["uuid"])
        self.assertEqual(self.execute("busy", "true").status, 409)
        self.assertEqual(self.act("busy", "start").status, 200)
        r = self.execute("busy", "no-such-program")
        self.assertEqual(r.status, 400, r)
        self.assertIn("no-such-program", r.raw)
        r = self.execute("busy", "sh -c 'yes 0123456789abcdef | head -c 3000000'")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["truncated"])
        self.assertEqual(len(r.json["output"].encode()), 1 << 20)
        t0 = time.time()
        r = self.execute("busy", "sh -c 'echo before; sleep 30'")
        took = time.time() - t0
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["output"], "before\n")
        self.assertEqual(r.json["exit_code"], -1)
        self.assertTrue(r.json["truncated"])
        self.assertLess(took, EXECUTE_TIMEOUT + 5)
        self.assertGreaterEqual(took, EXECUTE_TIMEOUT - 0.5)
        # Unbalanced quotes in a command: 400 before anything runs.
        self.assertEqual(self.execute("busy", "echo 'oops").status, 400)

    def manager_node(self):
        """The node container whose engine is the cluster's api_address (a port of the
        host's loopback published by that container)."""
        port = int(self.cluster["api_address"].rsplit(":", 1)[1])
        for c in ENGINE.containers("magnum.cluster.uuid=" + self.cluster["uuid"]):
            if any(p.get("PublicPort") == port for p in c.get("Ports") or []):
                return c["Id"]
        self.fail("no node container publishes " + self.cluster["api_address"])

    def test_unreachable_engine_is_503_and_nothing_written(self):
        """The manager node frozen (docker pause: its published port still takes the
        connection, the engine never answers): each call waits [containers] request_timeout; changes answer
        503 with what to do and leave nothing behind; reads show Unknown with the reason."""
        r = self.create("steady", "sleep 1000")
        self.assertEqual(r.status, 201, r)
        steady = r.json["uuid"]
        self.addCleanup(self.force_delete, steady)
        self.assertEqual(self.act(steady, "start").status, 200)
        before = sorted(c["uuid"] for c in self.m.get("/v1/containers").json["containers"])
        node = self.manager_node()
        status, _ = ENGINE.call("POST", "/containers/%s/pause" % node)
        self.assertEqual(status, 204)
        paused = True

        def unpause():
            if paused:
                ENGINE.call("POST", "/containers/%s/unpause" % node)
        self.addCleanup(unpause)

        t0 = time.time()
        r = self.create("never", "sleep 1000")
        took = time.time() - t0
        self.assertEqual(r.status, 503, r)
        self.assertIn("cannot be reached", r.error_detail())
        self.assertIn("check that the cluster's manager node is running", r.error_detail())
        self.assertGreaterEqual(took, REQUEST_TIMEOUT - 0.5)
        self.assertLess(took, REQUEST_TIMEOUT + 10)
        r = self.act(steady, "stop")
        self.assertEqual(r.status, 503, r)
        c = self.show(steady)
        self.assertEqual(c["status"], "Unknown", c)
        self.assertIn("cannot be reached", c["status_reason"])
        self.assertEqual(sorted(c["uuid"] for c in self.m.get("/v1/containers").json["containers"]),
                         before)

        status, _ = ENGINE.call("POST", "/containers/%s/unpause" % node)
        self.assertEqual(status, 204)
        paused = False
        # Back: the real state again, nothing of "never" on the Engine, and it can be made.
        self.assertEqual(self.show(steady)["status"], "Running")
        self.assertEqual(self.labelled_name("never"), [])
        r = self.create("never", "sleep 1000")
        self.assertEqual(r.status, 201, r)
        self.addCleanup(self.force_delete, r.json["uuid"])

    def labelled_name(self, name):
        out = self.docker("ps", "-a", "--filter", "name=^%s$" % name, "--format",
                          "{{.Names}}").stdout
        return out.split()

    def engine_run(self, name):
        """`docker run -d` as two Engine API calls (create, start) over TLS with the user's
        certificate: the Engine's own time, without the CLI's start-up."""
        d = self.env["DOCKER_CERT_PATH"]
        ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
        ctx.load_cert_chain(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))
        host, port = self.env["DOCKER_HOST"][len("tcp://"):].rsplit(":", 1)
        conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
        try:
            conn.request("POST", "/v1.41/containers/create?name=" + name,
                         body=json.dumps({"Image": IMAGE, "Cmd": ["sleep", "1000"]}),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            created = json.loads(r.read())
            self.assertEqual(r.status, 201, created)
            conn.request("POST", "/v1.41/containers/%s/start" % created["Id"])
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 204)
        finally:
            conn.close()

    def test_create_to_running_against_docker_run(self):
        """API create + start until Running, against `docker run -d` of the same image and
        command on the same endpoint (the CLI's own start-up included), and against the
        Engine API's create + start called directly."""
        api_s, cli_s, raw_s = [], [], []
        for i in range(5):
            t0 = time.time()
            r = self.create("perf-api-%d" % i, "sleep 1000")
            self.assertEqual(r.status, 201, r)
            self.addCleanup(self.force_delete, r.json["uuid"])
            r = self.act(r.json["uuid"], "start")
            self.assertEqual((r.status, r.json["status"]), (200, "Running"), r)
            api_s.append(time.time() - t0)
            t0 = time.time()
            self.docker("run", "-d", "--name", "perf-cli-%d" % i, IMAGE, "sleep", "1000")
            cli_s.append(time.time() - t0)
            self.addCleanup(self.docker, "rm", "-f", "perf-cli-%d" % i, check=False)
            t0 = time.time()
            self.engine_run("perf-raw-%d" % i)
            raw_s.append(time.time() - t0)
            self.addCleanup(self.docker, "rm", "-f", "perf-raw-%d" % i, check=False)

        def show(xs):
            return "median %.3f s (%s)" % (statistics.median(xs),
                                           " ".join("%.3f" % x for x in xs))
        api_med = statistics.median(api_s)
        print("\ncreate-to-running over %d runs: API %s; docker run %s; Engine API %s; "
              "ratio API/docker run %.2f, API/Engine API %.2f" % (
                  len(api_s), show(api_s), show(cli_s), show(raw_s),
                  api_med / statistics.median(cli_s), api_med / statistics.median(raw_s)))


if __name__ == "__main__":
    unittest.main()
