# ctest-labels: multinode
"""The services on MariaDB (`[database] connection = mysql+pymysql://...`, issue 12):
magnumd creates, lists and deletes a template and a cluster with every row in MariaDB;
magnum-api and magnum-conductor share one MariaDB database; and a MariaDB server that stops
turns requests into 503s in the API's error format, then, once it is back, the same magnumd
serves again without a restart.

MAGNUM_TEST_MYSQL_URL (set by ctest, fixture `mariadb`: scripts/mariadb/start.sh) names the
shared test server; every test makes a database of its own there and drops it after. The
outage test starts and stops a MariaDB server of its own (scripts/mariadb/start.sh --dir),
so that the shared one never goes away under other tests."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from database_support import MariadbServer
from harness import Magnumd, binary, free_port
from cluster_fixtures import ADMIN, ALICE, create_cluster, create_template, wait_status

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                       "mariadb")
SERVER_URL = os.environ.get("MAGNUM_TEST_MYSQL_URL", "")


class Server:
    """The text interface bench/multinode_fleet.py uses (database names, results as the
    `mariadb -N -B` client prints them); tests use database_support.MariadbServer."""

    def __init__(self, url):
        self.server = MariadbServer(url)

    def sql(self, statement, database=None):
        rows = self.server.sql(statement, database=database)
        return "\n".join("\t".join("NULL" if v is None else str(v) for v in r) for r in rows)

    def database_url(self, name):
        return self.server.database_url(name)

    def new_database(self, test):
        db = self.server.new_database()
        test.addCleanup(db.drop)
        return db.name


def mariadb_config(url, host="mdb-host"):
    return {"DEFAULT": {"host": host, "report_interval": "1"},
            "database": {"connection": url},
            "x509": {"rsa_key_size": "1024"}}


@unittest.skipUnless(SERVER_URL, "MAGNUM_TEST_MYSQL_URL is not set (ctest fixture mariadb)")
class MagnumdOnMariadbTest(unittest.TestCase):
    def setUp(self):
        self.db = MariadbServer(SERVER_URL).new_database()
        self.addCleanup(self.db.drop)
        self.url = self.db.url

    def start(self, program="magnumd", host="mdb-host"):
        m = Magnumd(extra_config=mariadb_config(self.url, host), program=program)
        self.addCleanup(m.cleanup)
        return m.start(timeout=40)

    def count(self, table):
        return self.db.query('SELECT COUNT(*) FROM "%s"' % table)[0][0]

    def test_template_and_cluster_lifecycle(self):
        m = self.start()
        self.assertFalse(os.path.exists(os.path.join(m.dir, "magnum.sqlite")))
        template = create_template(m, ALICE, labels={"k": "v\u00e9\u20ac"})
        listed = m.get("/v1/clustertemplates", headers=ALICE).json["clustertemplates"]
        self.assertEqual([t["uuid"] for t in listed], [template])
        self.assertEqual(m.get("/v1/clustertemplates/" + template,
                               headers=ALICE).json["labels"], {"k": "v\u00e9\u20ac"})
        cluster = create_cluster(m, template, ALICE)
        clusters = m.get("/v1/clusters", headers=ALICE).json["clusters"]
        self.assertEqual([(c["uuid"], c["status"]) for c in clusters],
                         [(cluster, "CREATE_COMPLETE")])
        nodegroups = m.get("/v1/clusters/%s/nodegroups" % cluster, headers=ALICE).json
        self.assertEqual(sorted(n["role"] for n in nodegroups["nodegroups"]),
                         ["master", "worker"])
        # The rows are MariaDB's.
        self.assertEqual(self.count("cluster_template"), 1)
        self.assertEqual(self.count("cluster"), 1)
        self.assertEqual(self.count("nodegroup"), 2)
        self.assertEqual(self.db.query("SELECT status FROM cluster"), [("CREATE_COMPLETE",)])
        self.assertEqual(m.delete("/v1/clusters/" + cluster, headers=ALICE).status, 204)
        m.wait_for(lambda: m.get("/v1/clusters/" + cluster, headers=ALICE).status == 404,
                   timeout=30, what="cluster deleted")
        self.assertEqual(m.delete("/v1/clustertemplates/" + template, headers=ALICE).status, 204)
        self.assertEqual(m.get("/v1/clustertemplates", headers=ALICE).json["clustertemplates"], [])
        self.assertEqual(self.count("cluster"), 0)
        self.assertEqual(self.count("cluster_template"), 0)

    def test_api_and_conductor_processes_share_the_database(self):
        # As an operator deploys them: the schema first, with magnum-db-manage.
        for args in (["upgrade"], ["version"]):
            p = subprocess.run([binary("magnum-db-manage"), "--database-connection", self.url]
                               + args, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("magnum-test-pass", p.stdout + p.stderr)
        self.assertEqual(self.db.query("SELECT MAX(version) FROM schema_migrations"),
                         [(int(p.stdout.split()[-1]),)])
        api = self.start("magnum-api", host="mdb-api")
        conductor = Magnumd(extra_config=mariadb_config(self.url, "mdb-cond"),
                            program="magnum-conductor")
        self.addCleanup(conductor.cleanup)
        conductor.spawn()

        def both_up():
            rows = api.get("/v1/mservices", headers=ADMIN).json["mservices"]
            seen = {(r["host"], r["binary"]) for r in rows if r["state"] == "up"}
            return {("mdb-api", "magnum-api"), ("mdb-cond", "magnum-conductor")} <= seen
        api.wait_for(both_up, timeout=30, what="api and conductor heartbeats in MariaDB")
        self.assertIsNone(conductor.proc.poll(), conductor.log())
        template = create_template(api, ALICE)
        self.assertEqual(self.db.query("SELECT uuid FROM cluster_template"), [(template,)])


@unittest.skipUnless(SERVER_URL, "MAGNUM_TEST_MYSQL_URL is not set (ctest fixture mariadb)")
class MariadbOutageTest(unittest.TestCase):
    """magnumd on a MariaDB server of its own that stops and starts again."""

    def mariadb(self, script, *args):
        p = subprocess.run([os.path.join(SCRIPTS, script), "--dir", self.state, *args],
                           capture_output=True, text=True, timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="magnum-it-mariadb-")
        self.addCleanup(shutil.rmtree, self.state, ignore_errors=True)
        self.port = str(free_port())
        url = self.mariadb("start.sh", "--port", self.port)
        self.addCleanup(self.mariadb, "stop.sh")
        self.assertIn("127.0.0.1:%s/magnum" % self.port, url)
        self.m = Magnumd(extra_config=mariadb_config(url))
        self.addCleanup(self.m.cleanup)
        self.m.start(timeout=40)

    def assert_unavailable(self, r):
        self.assertEqual(r.status, 503, r)
        err = r.json["errors"][0]
        self.assertEqual(err["status"], 503)
        self.assertIn("database", err["detail"].lower())
        self.assertNotIn("magnum-test-pass", r.raw)

    def test_stopped_server_is_503_and_restarted_server_serves_without_a_restart(self):
        template = create_template(self.m, ALICE)
        self.mariadb("stop.sh")
        self.assert_unavailable(self.m.get("/v1/clustertemplates", headers=ALICE))
        self.assert_unavailable(self.m.post("/v1/clustertemplates",
                                            {"name": "t2", "coe": "kubernetes",
                                             "image_id": "fake-image",
                                             "flavor_id": "m1.small",
                                             "master_flavor_id": "m1.medium",
                                             "external_network_id": "public"},
                                            headers=ALICE))
        time.sleep(1.5)  # heartbeats and periodic tasks meet the outage too
        self.assertIsNone(self.m.proc.poll(), self.m.log())
        self.mariadb("start.sh", "--port", self.port)
        listed = self.m.wait_for(
            lambda: (lambda r: r.json["clustertemplates"] if r.status == 200 else None)(
                self.m.get("/v1/clustertemplates", headers=ALICE)),
            timeout=20, what="templates served again")
        self.assertEqual([t["uuid"] for t in listed], [template])
        cluster = create_cluster(self.m, template, ALICE)
        self.assertEqual(wait_status(self.m, cluster, ALICE), "CREATE_COMPLETE")


if __name__ == "__main__":
    unittest.main()
