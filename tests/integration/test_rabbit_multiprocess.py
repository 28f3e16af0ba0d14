# ctest-labels: multinode
"""magnum-api and magnum-conductor as two processes over a real RabbitMQ (oslo.messaging
wire format, exchange `magnum`, topic `magnum-conductor`) on one SQLite file: a template
and a cluster (test driver) are created to CREATE_COMPLETE and deleted through the API;
with the conductor stopped, cluster operations answer 503 and the API goes on serving
reads; a new conductor picks the work up again."""
import shutil
import tempfile
import unittest

from harness import Magnumd
from cluster_fixtures import ADMIN, ALICE, create_template, delete_cluster
import rabbit_support as rs


@unittest.skipUnless(rs.broker_url(), "no RabbitMQ (ctest fixture rabbitmq)")
class ApiAndConductorOverRabbitTest(unittest.TestCase):
    def setUp(self):
        self.url = rs.private_vhost(self)
        self.dir = tempfile.mkdtemp(prefix="magnum-it-rabbit-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.api = Magnumd(extra_config=rs.rabbit_config(self.url, "rmq-api"),
                           program="magnum-api", workdir=self.dir)
        self.addCleanup(self.api.cleanup)
        rs.migrate(self.api)
        self.api.start(timeout=40)

    def conductor_up(self):
        def up():
            rows = self.api.get("/v1/mservices", headers=ADMIN).json["mservices"]
            return any(r["binary"] == "magnum-conductor" and r["state"] == "up" for r in rows)
        self.api.wait_for(up, timeout=30, what="magnum-conductor heartbeat")

    def test_cluster_lifecycle_across_processes(self):
        conductor = rs.start_conductor(self, self.dir, self.url)
        self.conductor_up()
        template = create_template(self.api, ALICE)
        # "up" in mservices means the conductor consumes its topic: the first create is
        # accepted (a 503 would leave a CREATE_FAILED cluster on the template).
        cluster = self._create(template)
        self.api.wait_for(lambda: self._status(cluster) == "CREATE_COMPLETE", timeout=30,
                          what="CREATE_COMPLETE")
        self.assertIsNone(conductor.proc.poll())
        delete_cluster(self.api, cluster, ALICE)
        self.assertEqual(self.api.delete("/v1/clustertemplates/" + template,
                                         headers=ALICE).status, 204)

    def test_no_conductor_is_503_then_a_new_one_takes_over(self):
        template = create_template(self.api, ALICE)
        r = self.api.post("/v1/clusters", self._body(template), headers=ALICE)
        self.assertEqual(r.status, 503, r)
        self.assertEqual(self.api.get("/v1/clustertemplates/" + template,
                                      headers=ALICE).status, 200)
        conductor = rs.start_conductor(self, self.dir, self.url)
        self.conductor_up()
        cluster = self._create(template)
        self.api.wait_for(lambda: self._status(cluster) == "CREATE_COMPLETE", timeout=30,
                          what="CREATE_COMPLETE")
        conductor.stop()
        r = self.api.delete("/v1/clusters/" + cluster, headers=ALICE)
        self.assertEqual(r.status, 503, r)
        rs.start_conductor(self, self.dir, self.url, host="rmq-conductor-2")
        self.api.wait_for(lambda: self.api.delete("/v1/clusters/" + cluster,
                                                  headers=ALICE).status == 204,
                          timeout=30, what="delete accepted by the new conductor")
        self.api.wait_for(lambda: self.api.get("/v1/clusters/" + cluster,
                                               headers=ALICE).status == 404,
                          timeout=30, what="cluster deleted")

    def _body(self, template):
        return {"name": "rmq-c", "cluster_template_id": template, "master_count": 1,
                "node_count": 1}

    def _create(self, template):
        r = self.api.post("/v1/clusters", self._body(template), headers=ALICE)
        self.assertEqual(r.status, 202, r)
        return r.json["uuid"]

    def _status(self, cluster):
        r = self.api.get("/v1/clusters/" + cluster, headers=ALICE)
        return r.json.get("status") if r.status == 200 else None


if __name__ == "__main__":
    unittest.main()
