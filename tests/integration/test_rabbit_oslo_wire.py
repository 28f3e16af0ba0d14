# ctest-labels: multinode
"""The oslo.messaging wire format, proved with upstream's own library (Debian's
python3-oslo.messaging) on a real RabbitMQ: a Python RPCClient (exchange `magnum`, topic
`magnum-conductor`) calls our magnum-conductor and gets its replies and failures; our
magnum-api's conductor calls reach a Python oslo.messaging RPC server (as they would a
Python magnum-conductor's) with the request context, and its replies come back."""
import shutil
import tempfile
import threading
import unittest
import uuid

from harness import Magnumd
from cluster_fixtures import ALICE, create_template
import rabbit_support as rs


@unittest.skipUnless(rs.broker_url(), "no RabbitMQ (ctest fixture rabbitmq)")
class OsloWireTest(unittest.TestCase):
    def setUp(self):
        import oslo_messaging
        self.messaging = oslo_messaging
        self.url = rs.private_vhost(self)
        self.dir = tempfile.mkdtemp(prefix="magnum-it-rabbit-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.transport = rs.oslo_transport(self.url)
        self.addCleanup(self.transport.cleanup)
        self.target = oslo_messaging.Target(topic="magnum-conductor", exchange="magnum")

    def client(self, timeout=20):
        return self.messaging.RPCClient(self.transport, self.target, timeout=timeout)

    def test_python_client_calls_our_conductor(self):
        api = Magnumd(extra_config=rs.rabbit_config(self.url, "rmq-api"), program="magnum-api",
                      workdir=self.dir)
        self.addCleanup(api.cleanup)
        rs.migrate(api)
        conductor = rs.start_conductor(self, self.dir, self.url)
        ctxt = {"project_id": "p-py", "user_id": "u-py", "request_id": "req-py-1",
                "is_admin": True}
        client = self.client()
        # Until the conductor consumes, a call finds no server (MessagingTimeout).
        for _ in range(100):
            try:
                self.assertIsNone(client.call(ctxt, "ping_conductor"))
                break
            except self.messaging.MessagingTimeout:
                self.assertIsNone(conductor.proc.poll(), conductor.log())
        else:
            self.fail("magnum-conductor never answered ping_conductor")
        # A failure travels as oslo's serialised exception: Python raises RemoteError.
        missing = str(uuid.uuid4())
        with self.assertRaises(self.messaging.RemoteError) as ctx:
            client.call(ctxt, "get_ca_certificate", cluster_uuid=missing, ca_cert_type=None)
        self.assertEqual(ctx.exception.exc_type, "NotFound")
        self.assertIn(missing, ctx.exception.value)
        # Unknown methods and missing arguments are refused, not crashes.
        with self.assertRaises(self.messaging.RemoteError) as ctx:
            client.call(ctxt, "no_such_method", cluster_uuid=missing)
        self.assertEqual(ctx.exception.exc_type, "Invalid")
        # A cast is taken (no reply) and the conductor goes on answering calls.
        client.cast(ctxt, "ping_conductor")
        self.assertIsNone(client.call(ctxt, "ping_conductor"))
        # The per-server queue <topic>.<host> reaches this conductor.
        direct = self.messaging.RPCClient(
            self.transport, self.messaging.Target(topic="magnum-conductor", exchange="magnum",
                                                  server="rmq-conductor"), timeout=20)
        self.assertIsNone(direct.call(ctxt, "ping_conductor"))
        self.assertIsNone(conductor.proc.poll())

    def test_our_api_calls_a_python_rpc_server(self):
        seen = []
        done = threading.Event()
        messaging = self.messaging

        class Endpoint:
            def cluster_create(self, ctxt, cluster_uuid):
                seen.append(("cluster_create", dict(ctxt), cluster_uuid))
                done.set()
                return None

            def get_ca_certificate(self, ctxt, cluster_uuid, ca_cert_type=None):
                seen.append(("get_ca_certificate", dict(ctxt), cluster_uuid))
                return {"pem": "-----BEGIN CERTIFICATE-----\nfrom-python\n"}

        server = messaging.get_rpc_server(
            self.transport, messaging.Target(topic="magnum-conductor", server="py-conductor",
                                             exchange="magnum"),
            [Endpoint()], executor="threading")
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        api = Magnumd(extra_config=rs.rabbit_config(self.url, "rmq-api"), program="magnum-api",
                      workdir=self.dir)
        self.addCleanup(api.cleanup)
        rs.migrate(api)
        api.start(timeout=40)
        template = create_template(api, ALICE)
        r = api.post("/v1/clusters", {"name": "from-api", "cluster_template_id": template,
                                      "master_count": 1, "node_count": 1}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        cluster = r.json["uuid"]
        self.assertTrue(done.wait(30), "the Python server got no cluster_create")
        method, ctxt, uuid_ = seen[0]
        self.assertEqual((method, uuid_), ("cluster_create", cluster))
        self.assertEqual(ctxt["project_id"], "p-alice")
        self.assertEqual(ctxt["user_id"], "alice")
        self.assertTrue(ctxt["request_id"].startswith("req-"), ctxt)
        # A reply with a result comes back to our API through its reply queue.
        ca = api.get("/v1/certificates/" + cluster, headers=ALICE)
        self.assertEqual(ca.status, 200, ca)
        self.assertIn("from-python", ca.json["pem"])
        self.assertEqual(seen[-1][0], "get_ca_certificate")


if __name__ == "__main__":
    unittest.main()
