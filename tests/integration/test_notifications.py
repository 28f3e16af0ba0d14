# ctest-labels: multinode
"""Cluster notifications on a real RabbitMQ, read by upstream's own consumer: Debian's
python3-oslo.messaging notification listener (topic `notifications`, exchange `magnum`)
receives, from magnum-conductor with `[oslo_messaging_notifications] driver = messagingv2`,
create / update / delete with outcome pending then success (priority INFO), and a failed
create (fake driver label fake_fail=create) as failure (priority ERROR), each a CADF event
whose initiator is the caller and whose target is the cluster, with every key (CADF event,
cluster attachment, context) of what Debian's Magnum 15 itself sends; the notifications go on
after the broker closed the connections. magnumd with messagingv2 and no broker refuses to
start and says why; the log driver writes each notification to the log."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import Magnumd, binary
from cluster_fixtures import ALICE, FAST_CERTS, create_cluster, create_template, wait_status
import rabbit_support as rs

EVENT = "http://schemas.dmtf.org/cloud/audit/1.0/event"
CLUSTER = "service/magnum/cluster"

# Runs Debian's Magnum 15 notify_about_cluster_operation (oslo.messaging's `test` driver
# keeps what it would send) for a cluster object and prints the notification as JSON.
UPSTREAM = """
import datetime, json, sys
import magnum.conf
from magnum.common import context, rpc
from magnum.conductor import utils
from oslo_messaging.notify import _impl_test
import oslo_messaging
CONF = magnum.conf.CONF
CONF(["--config-file", sys.argv[1]], project="magnum")
oslo_messaging.set_transport_defaults("magnum")
rpc.init(CONF)
class Cluster: pass
c = Cluster()
for k in ("uuid name status status_reason project_id cluster_template_id keypair "
          "docker_volume_size labels master_flavor_id flavor_id stack_id health_status "
          "create_timeout api_address discovery_url node_addresses master_addresses "
          "node_count master_count updated_at").split():
    setattr(c, k, None)
c.uuid, c.name, c.status, c.project_id = "u", "n", "CREATE_IN_PROGRESS", "p"
c.created_at = datetime.datetime(2026, 12, 5, 1, 2, 3)
ctx = context.RequestContext(user_id="alice", project_id="p-alice", roles=["member"])
utils.notify_about_cluster_operation(ctx, "create", "pending", c)
ctxt, message, priority, retry = _impl_test.NOTIFICATIONS[0]
print(json.dumps({"ctxt": ctxt, "message": message}, default=str))
"""


def shape(value):
    """The keys of every object in `value`, nested (lists by their first element); values,
    empty objects and lists of values are all None (their contents differ)."""
    if isinstance(value, dict) and value:
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [shape(value[0])]
    return None


def upstream_notification(workdir):
    conf = os.path.join(workdir, "upstream-notify.conf")
    with open(conf, "w") as f:
        f.write("[DEFAULT]\nhost = upstream-host\ntransport_url = fake://\n"
                "[oslo_messaging_notifications]\ndriver = test\n")
    p = subprocess.run(["/usr/bin/python3", "-c", UPSTREAM, conf], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


class Received:
    """What the listener's endpoint got: (priority, ctxt, publisher_id, event_type, payload)."""

    def __init__(self):
        self.cv = threading.Condition()
        self.items = []

    def add(self, priority, ctxt, publisher_id, event_type, payload):
        with self.cv:
            self.items.append((priority, dict(ctxt), publisher_id, event_type, payload))
            self.cv.notify_all()

    def about(self, uuid):
        with self.cv:
            return [i for i in self.items if i[4].get("target", {}).get("id") == uuid]

    def wait(self, uuid, count, timeout=60):
        deadline = time.time() + timeout
        with self.cv:
            while time.time() < deadline:
                got = [i for i in self.items if i[4].get("target", {}).get("id") == uuid]
                if len(got) >= count:
                    return got
                self.cv.wait(0.2)
        raise AssertionError("notifications about %s: %r" % (uuid, self.about(uuid)))


@unittest.skipUnless(rs.broker_url(), "no RabbitMQ (ctest fixture rabbitmq)")
class NotificationsTest(unittest.TestCase):
    def setUp(self):
        import oslo_messaging
        self.url = rs.private_vhost(self)
        self.dir = tempfile.mkdtemp(prefix="magnum-it-notify-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.received = Received()
        received = self.received

        class Endpoint:
            def info(self, ctxt, publisher_id, event_type, payload, metadata):
                received.add("INFO", ctxt, publisher_id, event_type, payload)

            def error(self, ctxt, publisher_id, event_type, payload, metadata):
                received.add("ERROR", ctxt, publisher_id, event_type, payload)

        rs.oslo_transport(self.url)  # parses the global CONF once
        from oslo_config import cfg
        transport = oslo_messaging.get_notification_transport(cfg.CONF, url=self.url)
        self.addCleanup(transport.cleanup)
        listener = oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic="notifications", exchange="magnum")],
            [Endpoint()], executor="threading")
        listener.start()

        def stop_listener():
            listener.stop()
            listener.wait()
        self.addCleanup(stop_listener)

        self.api = Magnumd(extra_config=rs.rabbit_config(self.url, "rmq-api"),
                           program="magnum-api", workdir=self.dir)
        self.addCleanup(self.api.cleanup)
        rs.migrate(self.api)
        self.api.start(timeout=40)
        config = rs.rabbit_config(self.url, "notify-conductor")
        config["oslo_messaging_notifications"] = {"driver": "messagingv2"}
        self.conductor = Magnumd(extra_config=config, program="magnum-conductor",
                                 workdir=self.dir)
        self.addCleanup(self.conductor.stop)
        self.conductor.proc = subprocess.Popen(
            [binary("magnum-conductor"), "--config-file", self.conductor.config_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create(self, template, **labels):
        body = {"name": "n-" + str(len(labels)), "cluster_template_id": template,
                "master_count": 1, "node_count": 1, "labels": labels}

        def accepted():
            r = self.api.post("/v1/clusters", body, headers=ALICE)
            if r.status == 503:
                return None  # the conductor is not consuming yet
            self.assertEqual(r.status, 202, r)
            return r.json["uuid"]
        return self.api.wait_for(accepted, timeout=40, what="cluster create accepted")

    def check_event(self, item, uuid, priority, action, outcome, status):
        got_priority, ctxt, publisher, event_type, payload = item
        self.assertEqual(got_priority, priority, item)
        self.assertEqual(publisher, "container-infra.notify-conductor")
        self.assertEqual(event_type, "magnum.cluster." + action)
        self.assertEqual(payload["typeURI"], EVENT)
        self.assertEqual(payload["eventType"], "activity")
        self.assertEqual(payload["action"], action)
        self.assertEqual(payload["outcome"], outcome)
        self.assertTrue(payload["eventTime"].endswith("+0000"), payload["eventTime"])
        self.assertEqual(payload["initiator"]["typeURI"], "service/security/account/user")
        self.assertEqual(payload["initiator"]["project_id"], "p-alice")
        self.assertEqual(payload["initiator"]["user_id"], "alice")
        self.assertEqual(payload["observer"]["typeURI"], CLUSTER)
        self.assertEqual(payload["target"]["typeURI"], CLUSTER)
        self.assertEqual(payload["target"]["id"], uuid)
        content = payload["target"]["attachments"][0]["content"]
        self.assertEqual(payload["target"]["attachments"][0]["name"], "cluster_data")
        self.assertEqual(content["status"], status)
        self.assertEqual(content["project_id"], "p-alice")
        self.assertEqual(ctxt.get("project_id"), "p-alice")
        self.assertEqual(ctxt.get("user_id"), "alice")
        self.assertEqual(ctxt.get("roles"), ["member"])
        self.assertIsNone(ctxt.get("auth_token"))

    def test_create_update_delete_and_a_failed_create(self):
        template = create_template(self.api, ALICE)
        cluster = self.create(template)
        self.assertEqual(wait_status(self.api, cluster, ALICE, timeout=40), "CREATE_COMPLETE")
        r = self.api.patch("/v1/clusters/" + cluster,
                           [{"op": "replace", "path": "/node_count", "value": 2}], headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(wait_status(self.api, cluster, ALICE, statuses=("UPDATE_COMPLETE",
                                                                         "UPDATE_FAILED"),
                                     timeout=40), "UPDATE_COMPLETE")
        self.assertEqual(self.api.delete("/v1/clusters/" + cluster, headers=ALICE).status, 204)
        self.api.wait_for(lambda: self.api.get("/v1/clusters/" + cluster,
                                               headers=ALICE).status == 404,
                          timeout=40, what="cluster deleted")
        got = self.received.wait(cluster, 6)
        expected = [("INFO", "create", "pending", "CREATE_IN_PROGRESS"),
                    ("INFO", "create", "success", "CREATE_COMPLETE"),
                    ("INFO", "update", "pending", "UPDATE_IN_PROGRESS"),
                    ("INFO", "update", "success", "UPDATE_COMPLETE"),
                    ("INFO", "delete", "pending", "DELETE_IN_PROGRESS"),
                    ("INFO", "delete", "success", "DELETE_COMPLETE")]
        self.assertEqual(len(got), 6, got)
        for item, (priority, action, outcome, status) in zip(got, expected):
            self.check_event(item, cluster, priority, action, outcome, status)
        self.assertEqual(got[3][4]["target"]["attachments"][0]["content"]["node_count"], 2)

        failing = self.create(template, fake_fail="create")
        self.assertEqual(wait_status(self.api, failing, ALICE, timeout=40), "CREATE_FAILED")
        got = self.received.wait(failing, 2)
        self.check_event(got[0], failing, "INFO", "create", "pending", "CREATE_IN_PROGRESS")
        self.check_event(got[1], failing, "ERROR", "create", "failure", "CREATE_FAILED")
        time.sleep(1)  # nothing else arrives about either cluster
        self.assertEqual(len(self.received.about(cluster)), 6)
        self.assertEqual(len(self.received.about(failing)), 2)
        self.assertIsNone(self.conductor.proc.poll())

        # The same shape as what Debian's Magnum 15 sends: every key of the CADF event and
        # of the cluster attachment, and every context key.
        self.maxDiff = None
        upstream = upstream_notification(self.dir)
        ours = self.received.about(cluster)[0]
        self.assertEqual(shape(ours[4]), shape(upstream["message"]["payload"]))
        # (client_timeout is added by the receiving side's unpack_context)
        self.assertEqual(set(ours[1]) - {"client_timeout"}, set(upstream["ctxt"]))
        self.assertEqual(upstream["message"]["publisher_id"], "container-infra.upstream-host")
        self.assertEqual(upstream["message"]["event_type"], ours[3])
        self.assertEqual(upstream["message"]["priority"], ours[0])

    def test_notifications_go_on_after_the_broker_closed_the_connections(self):
        template = create_template(self.api, ALICE)
        first = self.create(template)
        self.assertEqual(wait_status(self.api, first, ALICE, timeout=40), "CREATE_COMPLETE")
        self.received.wait(first, 2)
        vhost = self.url.rsplit("/", 1)[1]
        closed = 0
        for line in rs.ctl("list_connections", "pid", "vhost").splitlines():
            fields = line.split("\t")
            if len(fields) == 2 and fields[1] == vhost:
                rs.ctl("close_connection", fields[0], "test: connection closed")
                closed += 1
        self.assertGreaterEqual(closed, 2, "the conductor's RPC and notification connections")
        second = self.create(template)
        self.assertEqual(wait_status(self.api, second, ALICE, timeout=40), "CREATE_COMPLETE")
        got = self.received.wait(second, 2)
        self.check_event(got[0], second, "INFO", "create", "pending", "CREATE_IN_PROGRESS")
        self.check_event(got[1], second, "INFO", "create", "success", "CREATE_COMPLETE")
        self.assertEqual(len(self.received.about(first)), 2, "nothing sent twice")


class EmbeddedWithoutBrokerTest(unittest.TestCase):
    def test_magnumd_refuses_messagingv2_without_a_broker(self):
        m = Magnumd(extra_config={"oslo_messaging_notifications": {"driver": "messagingv2"}})
        self.addCleanup(m.cleanup)
        p = subprocess.run([binary("magnumd"), "--config-file", m.config_path],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        said = p.stdout + p.stderr + m.log()
        self.assertIn("[oslo_messaging_notifications]", said)
        self.assertIn("transport_url", said)


class LogDriverTest(unittest.TestCase):
    def test_the_log_driver_writes_each_notification_to_the_log(self):
        config = {"oslo_messaging_notifications": {"driver": "log"}}
        config.update(FAST_CERTS)
        m = Magnumd(extra_config=config)
        self.addCleanup(m.cleanup)
        m.start(timeout=40)
        cluster = create_cluster(m, create_template(m, ALICE), ALICE)

        def logged():
            lines = [line for line in m.log().splitlines()
                     if "notification magnum.cluster.create: " in line]
            return lines if len(lines) >= 2 else None
        lines = m.wait_for(logged, timeout=20, what="two create notifications in the log")
        messages = [json.loads(line.split("notification magnum.cluster.create: ", 1)[1])
                    for line in lines]
        self.assertEqual([(n["priority"], n["payload"]["outcome"]) for n in messages],
                         [("INFO", "pending"), ("INFO", "success")])
        self.assertEqual(messages[1]["payload"]["target"]["id"], cluster)
        self.assertEqual(messages[1]["payload"]["initiator"]["project_id"], "p-alice")
        self.assertEqual(messages[1]["event_type"], "magnum.cluster.create")


if __name__ == "__main__":
    unittest.main()
