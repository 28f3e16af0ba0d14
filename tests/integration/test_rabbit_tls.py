# ctest-labels: multinode
"""RPC over RabbitMQ with TLS ([oslo_messaging_rabbit] ssl, ssl_ca_file; `?ssl=1` in the
transport URL): a RabbitMQ node of this test's own (scripts/rabbitmq/start.sh with a TLS
listener, AMQP on MAGNUM_TEST_TLS_RABBITMQ_PORT (5687), TLS on the next port (5688),
certificates made here with the openssl CLI) serves magnum-api and magnum-conductor, which
take a cluster (test driver) to CREATE_COMPLETE over TLS connections only. A CA that did not
sign the broker's certificate leaves both processes running and the broker unreachable
(503 for operations, the verification failure and ssl_ca_file in the logs); files OpenSSL
cannot load and unsupported values stop the start-up with the option's name."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Magnumd, binary
from cluster_fixtures import ADMIN, ALICE, create_template, delete_cluster
import rabbit_support as rs

AMQP_PORT = int(os.environ.get("MAGNUM_TEST_TLS_RABBITMQ_PORT", "5687"))
TLS_PORT = AMQP_PORT + 1
SCRIPTS = rs.SCRIPTS
USER, PASSWORD, VHOST = "magnum", "magnum-tls-secret", "magnum"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".pem", cwd=d)


def make_certs(d):
    """ca.pem signs server.pem (127.0.0.1 and localhost); other-ca.pem signs nothing."""
    make_ca(d, "ca")
    make_ca(d, "other-ca")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=d)
    with open(os.path.join(d, "garbage.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")


def missing():
    if not os.path.exists("/usr/lib/rabbitmq/bin/rabbitmq-server"):
        return "rabbitmq-server is not installed"
    if not shutil.which("openssl"):
        return "no openssl CLI"
    return ""


@unittest.skipIf(missing(), missing())
class RabbitTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="magnum-it-rabbit-tls-")
        cls.certs = os.path.join(cls.dir, "certs")
        os.mkdir(cls.certs)
        make_certs(cls.certs)
        cls.mark = os.path.join(cls.dir, "started")
        cls.env = dict(
            os.environ, MAGNUM_RABBITMQ_STATE=os.path.join(cls.dir, "rabbitmq"),
            MAGNUM_RABBITMQ_PORT=str(AMQP_PORT),
            MAGNUM_RABBITMQ_NODE="magnum-tls-%d@localhost" % AMQP_PORT,
            MAGNUM_RABBITMQ_USER=USER, MAGNUM_RABBITMQ_PASSWORD=PASSWORD,
            MAGNUM_RABBITMQ_VHOST=VHOST, MAGNUM_RABBITMQ_SSL_PORT=str(TLS_PORT),
            MAGNUM_RABBITMQ_SSL_CACERT=cls.cert("ca.pem"),
            MAGNUM_RABBITMQ_SSL_CERT=cls.cert("server.pem"),
            MAGNUM_RABBITMQ_SSL_KEY=cls.cert("server.key"))
        cls.env.pop("MAGNUM_RABBITMQ_DIST_PORT", None)
        try:
            p = subprocess.run([os.path.join(SCRIPTS, "start.sh"), "--mark", cls.mark],
                               env=cls.env, capture_output=True, text=True, timeout=120)
            if p.returncode != 0:
                raise RuntimeError("TLS RabbitMQ node did not start: " + p.stderr)
        except BaseException:
            cls.tearDownClass()
            raise
        cls.url = "rabbit://%s:%s@127.0.0.1:%d/%s" % (USER, PASSWORD, TLS_PORT, VHOST)

    @classmethod
    def tearDownClass(cls):
        # Exactly what start.sh --mark started (this node; its port mapper if it started one).
        subprocess.run([os.path.join(SCRIPTS, "stop.sh"), "--mark", cls.mark], env=cls.env,
                       capture_output=True, timeout=120)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def cert(cls, name):
        return os.path.join(cls.certs, name)

    def ctl(self, *args):
        p = subprocess.run([os.path.join(SCRIPTS, "ctl.sh"), "-q", *args], env=self.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def config(self, host, url=None, **ssl):
        c = rs.rabbit_config(url or self.url, host)
        c["oslo_messaging_rabbit"].update(ssl)
        return c

    def server(self, program, config, workdir):
        s = Magnumd(extra_config=config, program=program, workdir=workdir)
        self.addCleanup(s.stop)
        return s

    def workdir(self):
        return tempfile.mkdtemp(prefix="w-", dir=self.dir)

    def api(self, workdir, **ssl):
        a = self.server("magnum-api", self.config("tls-api", **ssl), workdir)
        rs.migrate(a)
        return a.start(timeout=40)

    def _body(self, template):
        return {"name": "tls-c", "cluster_template_id": template, "master_count": 1,
                "node_count": 1}

    def test_cluster_over_tls(self):
        d = self.workdir()
        # The API by the options, the conductor by `?ssl=1` and the CA as URL query options;
        # the conductor's notifications publisher uses the same connection settings.
        api = self.api(d, ssl="true", ssl_ca_file=self.cert("ca.pem"))
        config = self.config(
            "tls-conductor", url=self.url + "?ssl=1&ssl_ca_file=" + self.cert("ca.pem"))
        config["oslo_messaging_notifications"] = {"driver": "messagingv2"}
        conductor = self.server("magnum-conductor", config, d)
        conductor.spawn()

        def up():
            rows = api.get("/v1/mservices", headers=ADMIN).json["mservices"]
            return any(r["binary"] == "magnum-conductor" and r["state"] == "up" for r in rows)
        api.wait_for(up, timeout=30, what="magnum-conductor heartbeat over TLS")
        template = create_template(api, ALICE)

        def try_create():
            r = api.post("/v1/clusters", self._body(template), headers=ALICE)
            if r.status == 503:
                return None
            assert r.status == 202, r
            return r.json["uuid"]
        cluster = api.wait_for(try_create, timeout=30, what="cluster create accepted")
        api.wait_for(lambda: api.get("/v1/clusters/" + cluster, headers=ALICE)
                     .json.get("status") == "CREATE_COMPLETE", timeout=30,
                     what="CREATE_COMPLETE")
        self.assertIsNone(conductor.proc.poll())

        def notified():
            out = self.ctl("list_queues", "--no-table-headers", "-p", VHOST, "name", "messages")
            counts = dict(line.split("\t") for line in out.splitlines() if "\t" in line)
            return int(counts.get("notifications.info", "0")) > 0
        api.wait_for(notified, timeout=20, what="a notification over TLS")
        # Every client connection of the node came in over TLS (and there are some).
        out = self.ctl("list_connections", "--no-table-headers", "port", "ssl", "ssl_protocol")
        rows = [line.split("\t") for line in out.splitlines() if line.strip()]
        self.assertTrue(rows, "no connections")
        for port, is_ssl, proto in rows:
            self.assertEqual((port, is_ssl), (str(TLS_PORT), "true"), rows)
            self.assertTrue(proto.startswith("tlsv1."), rows)
        delete_cluster(api, cluster, ALICE)

    def test_wrong_ca_is_unavailable_not_a_crash(self):
        d = self.workdir()
        wrong = self.cert("other-ca.pem")
        api = self.api(d, ssl="true", ssl_ca_file=wrong)
        conductor = self.server("magnum-conductor", self.config(
            "tls-conductor-wrong", ssl="true", ssl_ca_file=wrong), d)
        conductor.spawn()
        template = create_template(api, ALICE)
        r = api.post("/v1/clusters", self._body(template), headers=ALICE)
        self.assertEqual(r.status, 503, r)
        self.assertEqual(api.get("/v1/clustertemplates/" + template, headers=ALICE).status, 200)

        def logged(server):
            log = server.log()
            return "verif" in log and "ssl_ca_file" in log and wrong in log
        api.wait_for(lambda: logged(conductor), timeout=20, what="conductor logs the failure")
        api.wait_for(lambda: logged(api), timeout=20, what="API logs the failure")
        self.assertIsNone(conductor.proc.poll())
        self.assertIsNone(api.proc.poll())
        self.assertEqual(self.ctl("list_connections", "--no-table-headers", "port").strip(), "")

    def refused(self, expect, **ssl):
        """magnum-conductor with these options exits at start-up naming `expect`."""
        d = self.workdir()
        c = Magnumd(extra_config=self.config("tls-bad", **ssl), program="magnum-conductor",
                    workdir=d)
        p = subprocess.run([binary("magnum-conductor"), "--config-file", c.config_path],
                           capture_output=True, text=True, timeout=60)
        out = p.stdout + p.stderr + c.log()
        self.assertNotEqual(p.returncode, 0, out)
        self.assertLess(p.returncode, 128, out)  # an exit, not a signal
        self.assertIn(expect, out)

    def test_bad_options_stop_the_start_up(self):
        self.refused("[oslo_messaging_rabbit] ssl_ca_file '%s'" % self.cert("garbage.pem"),
                     ssl="true", ssl_ca_file=self.cert("garbage.pem"))
        self.refused("[oslo_messaging_rabbit] ssl_ca_file '%s'" % self.cert("absent.pem"),
                     ssl="true", ssl_ca_file=self.cert("absent.pem"))
        self.refused("[oslo_messaging_rabbit] ssl_cert_file", ssl="true",
                     ssl_cert_file=self.cert("server.pem"), ssl_key_file=self.cert("ca.key"))
        self.refused("[oslo_messaging_rabbit] ssl_version 'sslv3'", ssl="true",
                     ssl_version="sslv3")
        self.refused("[oslo_messaging_rabbit] ssl_enforce_fips_mode", ssl="true",
                     ssl_enforce_fips_mode="true")


if __name__ == "__main__":
    unittest.main()
