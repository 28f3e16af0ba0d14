# ctest-labels: multinode
"""Upstream Magnum 15's own conductor client (Debian's python3-magnum:
magnum.conductor.api.API with its versioned-object serializer, over python3-oslo.messaging)
drives our magnum-conductor through a real RabbitMQ, exactly as a Python magnum-api would:
Cluster primitives in, Cluster and Certificate objects back, failures re-raised as
magnum.common.exception classes. Our magnum-api on the same database shows the results."""
import shutil
import tempfile
import unittest
import uuid

from harness import Magnumd
from cluster_fixtures import ALICE, create_template, wait_status
import rabbit_support as rs


def upstream_conductor_api(url, ctx_kwargs):
    """magnum.conductor.api.API on a transport to `url`, and its request context."""
    from oslo_config import cfg
    import oslo_messaging
    from magnum.common import context as mcontext
    from magnum.common import rpc as mrpc
    from magnum.conductor import api as conductor_api
    if not getattr(upstream_conductor_api, "parsed", False):
        cfg.CONF([], project="magnum-it")
        mrpc.set_defaults(control_exchange="magnum")  # as magnum's services do
        upstream_conductor_api.parsed = True
    # magnum.common.rpc.init(CONF), without its notifier: the exceptions it allows back.
    mrpc.TRANSPORT = oslo_messaging.get_rpc_transport(
        cfg.CONF, url=url, allowed_remote_exmods=mrpc.get_allowed_exmods())
    ctx = mcontext.make_context(**ctx_kwargs)
    return conductor_api.API(context=ctx), ctx, mrpc.TRANSPORT


@unittest.skipUnless(rs.broker_url(), "no RabbitMQ (ctest fixture rabbitmq)")
class UpstreamCallsTest(unittest.TestCase):
    def setUp(self):
        self.url = rs.private_vhost(self)
        self.dir = tempfile.mkdtemp(prefix="magnum-it-upstream-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.api = Magnumd(extra_config=rs.rabbit_config(self.url, "rmq-api"),
                           program="magnum-api", workdir=self.dir)
        self.addCleanup(self.api.cleanup)
        rs.migrate(self.api)
        self.conductor = rs.start_conductor(self, self.dir, self.url)
        self.api.start(timeout=40)
        self.template = create_template(self.api, ALICE)
        self.rpc, self.ctx, transport = upstream_conductor_api(self.url, {
            "project_id": "p-alice", "user_id": "alice", "is_admin": False,
            "roles": ["member"], "request_id": "req-" + str(uuid.uuid4())})
        self.addCleanup(transport.cleanup)
        from magnum import objects
        from magnum.common import exception
        self.objects = objects
        self.exception = exception
        # Until the conductor consumes, the topic has no queue: wait for a ping.
        import oslo_messaging
        listener = oslo_messaging.RPCClient(
            transport, oslo_messaging.Target(topic="magnum-conductor"), timeout=2)
        for _ in range(60):
            try:
                listener.call({}, "ping_conductor")
                break
            except oslo_messaging.MessagingTimeout:
                self.assertIsNone(self.conductor.proc.poll(), "magnum-conductor exited")
        else:
            self.fail("magnum-conductor never answered ping_conductor")

    def new_cluster(self, name):
        """A Cluster object as upstream's API builds it for cluster_create (no id)."""
        return self.objects.Cluster(
            self.ctx, uuid=str(uuid.uuid4()), name=name, project_id="p-alice", user_id="alice",
            cluster_template_id=self.template, keypair=None, docker_volume_size=None,
            labels={}, master_flavor_id=None, flavor_id="m1.small", create_timeout=60,
            discovery_url=None, coe_version=None, container_version=None,
            fixed_network=None, fixed_subnet=None, floating_ip_enabled=True,
            master_lb_enabled=False)

    def test_lifecycle_through_upstreams_client(self):
        cluster = self.new_cluster("from-python")
        # cluster_create as a call: our reply deserialises into upstream's Cluster object.
        created = self.rpc.cluster_create(cluster, 1, 1, 60)
        self.assertIsInstance(created, self.objects.Cluster)
        self.assertEqual(created.uuid, cluster.uuid)
        self.assertIsInstance(created.id, int)
        self.assertEqual(created.status, "CREATE_IN_PROGRESS")
        # The same message again (a redelivery, as the API's cast): nothing twice.
        self.rpc.cluster_create_async(cluster, 1, 1, 60)
        self.assertEqual(wait_status(self.api, cluster.uuid, ALICE), "CREATE_COMPLETE")
        shown = self.api.get("/v1/clusters/" + cluster.uuid, headers=ALICE).json
        self.assertEqual((shown["name"], shown["node_count"], shown["master_count"]),
                         ("from-python", 1, 1))
        listed = self.api.get("/v1/clusters", headers=ALICE).json["clusters"]
        self.assertEqual([c["uuid"] for c in listed], [cluster.uuid])
        ngs = self.api.get("/v1/clusters/%s/nodegroups" % cluster.uuid, headers=ALICE)
        self.assertEqual(sorted(n["name"] for n in ngs.json["nodegroups"]),
                         ["default-master", "default-worker"])

        # get_ca_certificate: a Certificate object whose PEM is the one our API shows.
        cert = self.rpc.get_ca_certificate(created)
        self.assertIsInstance(cert, self.objects.Certificate)
        self.assertEqual(cert.cluster_uuid, cluster.uuid)
        self.assertEqual(cert.project_id, "p-alice")
        ours = self.api.get("/v1/certificates/" + cluster.uuid, headers=ALICE)
        self.assertEqual(ours.status, 200, ours)
        self.assertEqual(cert.pem, ours.json["pem"])

        # sign_certificate: the CSR comes back signed by that CA.
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        csr = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py-user")])).sign(
            key, hashes.SHA256())
        request = self.objects.Certificate(
            self.ctx, project_id="p-alice", user_id="alice", cluster_uuid=cluster.uuid,
            csr=csr.public_bytes(serialization.Encoding.PEM).decode())
        signed = self.rpc.sign_certificate(created, request)
        issued = x509.load_pem_x509_certificate(signed.pem.encode())
        ca = x509.load_pem_x509_certificate(cert.pem.encode())
        self.assertEqual(issued.issuer, ca.subject)
        self.assertEqual(issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                         "py-user")

        # cluster_update node_count=2 (a cast, as the API sends it).
        self.rpc.cluster_update_async(created, 2, None, {}, False)
        self.api.wait_for(
            lambda: self.api.get("/v1/clusters/" + cluster.uuid,
                                 headers=ALICE).json.get("node_count") == 2,
            timeout=30, what="node_count 2")
        self.assertEqual(wait_status(self.api, cluster.uuid, ALICE), "UPDATE_COMPLETE")

        # cluster_delete: gone.
        self.rpc.cluster_delete_async(cluster.uuid)
        self.api.wait_for(
            lambda: self.api.get("/v1/clusters/" + cluster.uuid, headers=ALICE).status == 404,
            timeout=30, what="cluster deleted")
        self.assertIsNone(self.conductor.proc.poll())

    def test_failures_are_upstreams_exceptions(self):
        ghost = self.new_cluster("ghost")
        ghost.id = 99
        # magnum.common.exception is allowed back: upstream's own class is re-raised.
        with self.assertRaises(self.exception.ClusterNotFound) as ctx:
            self.rpc.get_ca_certificate(ghost)
        self.assertIn(ghost.uuid, str(ctx.exception))
        with self.assertRaises(self.exception.ClusterNotFound):
            self.rpc.cluster_delete(ghost.uuid)
        # A template that does not exist.
        orphan = self.new_cluster("orphan")
        orphan.cluster_template_id = str(uuid.uuid4())
        with self.assertRaises(self.exception.ClusterTemplateNotFound):
            self.rpc.cluster_create(orphan, 1, 1, 60)
        self.assertEqual(self.api.get("/v1/clusters/" + orphan.uuid, headers=ALICE).status, 404)
        # A client that does not allow magnum's exceptions sees a RemoteError naming it.
        import oslo_messaging
        from oslo_config import cfg
        transport = oslo_messaging.get_rpc_transport(cfg.CONF, url=self.url)
        self.addCleanup(transport.cleanup)
        plain = oslo_messaging.RPCClient(
            transport, oslo_messaging.Target(topic="magnum-conductor", exchange="magnum"),
            timeout=20)
        with self.assertRaises(oslo_messaging.RemoteError) as ctx:
            plain.call({"project_id": "p-alice"}, "cluster_delete", uuid=ghost.uuid)
        self.assertEqual(ctx.exception.exc_type, "ClusterNotFound")
        self.assertIsNone(self.conductor.proc.poll())


if __name__ == "__main__":
    unittest.main()
