# ctest-labels: multinode
"""Taking over a Python Magnum's database (issue 12): Debian's own `magnum-db-manage upgrade`
(python3-magnum 15) builds the upstream schema on MariaDB, Debian's python3-magnum objects
fill it (upstream_magnum_fill.py), then our `magnum-db-manage upgrade` converts it in place,
and our magnum-api and magnum-conductor serve every template, cluster, nodegroup,
certificate, quota and federation the Python objects read back, and accept new writes.
A cluster whose certificates the Python conductor's own code made (upstream_magnum_certs.py:
keys as encrypted PKCS#8 PEM under a passphrase in the row) gets CSRs signed by its CAs.
Also: a second upgrade changes nothing; an upgrade after a crash midway completes to the
same schema; a database at another alembic revision is refused untouched.

MAGNUM_TEST_MYSQL_URL (ctest fixture `mariadb`) names the shared server; each test makes
databases of its own there and drops them; the services talk over the RabbitMQ node of the
fixture `rabbitmq`, in a virtual host of the test's own."""
import json
import os
import subprocess
import tempfile
import unittest
import urllib.parse
import uuid

import rabbit_support as rs
from harness import Magnumd, binary
from cluster_fixtures import create_cluster, create_template

SERVER_URL = os.environ.get("MAGNUM_TEST_MYSQL_URL", "")
UPSTREAM_TOOL = "/usr/bin/magnum-db-manage"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-magnum and python3-pymysql
FILL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upstream_magnum_fill.py")
CERTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upstream_magnum_certs.py")
HEAD = "7da8489d6a68"
UPSTREAM_TABLES = ("cluster_template", "cluster", "nodegroup", "x509keypair",
                   "magnum_service", "quotas", "federation")


def project(name, user=None):
    return {"X-Project-Id": name, "X-User-Id": user or "u-" + name, "X-Roles": "member"}


ADMIN = {"X-Project-Id": "p-admin", "X-User-Id": "u-admin", "X-Roles": "admin"}


class Database:
    """One database of the test server; SQL through the `mariadb` client."""

    def __init__(self, test, server_url):
        self.server = urllib.parse.urlsplit(server_url)
        self.name = "magnum_takeover_" + uuid.uuid4().hex[:10]
        self.sql("CREATE DATABASE %s CHARACTER SET utf8" % self.name, use_db=False)
        test.addCleanup(self.sql, "DROP DATABASE IF EXISTS %s" % self.name, False)
        self.url = urllib.parse.urlunsplit(self.server._replace(path="/" + self.name))

    def sql(self, statement, use_db=True):
        u = self.server
        cmd = ["mariadb", "--no-defaults", "-N", "-B", "-h", u.hostname,
               "-P", str(u.port or 3306), "-u", urllib.parse.unquote(u.username or "")]
        env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(u.password or ""))
        p = subprocess.run(cmd + ([self.name] if use_db else []) + ["-e", statement],
                           capture_output=True, text=True, env=env, timeout=120)
        if p.returncode != 0:
            raise AssertionError("mariadb %r: %s" % (statement, p.stderr))
        return [line.split("\t") for line in p.stdout.splitlines()]

    def tables(self):
        return sorted(r[0] for r in self.sql("SHOW TABLES"))

    def schema(self):
        """SHOW CREATE TABLE of every table, every trigger's name, the alembic revision."""
        out = {}
        for t in self.tables():
            text = self.sql("SHOW CREATE TABLE `%s`" % t)[0][1]
            out[t] = " ".join(w for w in text.split() if not w.startswith("AUTO_INCREMENT="))
        out["triggers"] = sorted(r[0] for r in self.sql("SHOW TRIGGERS"))
        return out

    def checksums(self):
        return {t: self.sql("CHECKSUM TABLE `%s`" % t)[0][1] for t in self.tables()}


@unittest.skipUnless(SERVER_URL, "MAGNUM_TEST_MYSQL_URL is not set (ctest fixture mariadb)")
@unittest.skipUnless(os.path.exists(UPSTREAM_TOOL), "python3-magnum is not installed")
@unittest.skipUnless(rs.broker_url(), "no RabbitMQ (ctest fixture rabbitmq)")
class DbTakeoverTest(unittest.TestCase):
    def upstream_database(self):
        """A database Debian's Magnum 15 built and filled; returns it and what it held."""
        db = Database(self, SERVER_URL)
        workdir = tempfile.mkdtemp(prefix="magnum-it-takeover-")
        conf = os.path.join(workdir, "magnum.conf")
        with open(conf, "w") as f:
            f.write("[database]\nconnection = %s\n" % db.url)
        self.upstream_conf = conf
        p = subprocess.run([UPSTREAM_TOOL, "--config-file", conf, "upgrade"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        self.assertEqual(db.sql("SELECT version_num FROM alembic_version"), [[HEAD]])
        p = subprocess.run([SYSTEM_PYTHON, FILL, conf], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        return db, json.loads(p.stdout)

    def python_certificates(self, db, held, name):
        """Cluster `name` gets real certificates from the Python conductor's own code (the
        fill script's are placeholders); `held` follows. Returns the cluster and its refs."""
        c = next(c for c in held["clusters"] if c["name"] == name)
        p = subprocess.run([SYSTEM_PYTHON, CERTS, self.upstream_conf, c["uuid"],
                            c["project_id"], c["user_id"]], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        out = json.loads(p.stdout)
        for ref in out["refs"].values():  # upstream's form: encrypted PKCS#8 + passphrase
            key, passphrase = db.sql("SELECT LEFT(private_key, 37), private_key_passphrase "
                                     "FROM x509keypair WHERE uuid = '%s'" % ref)[0]
            self.assertEqual(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----")
            self.assertRegex(passphrase, r"^\w{8,}$")
        c.update(ca_cert_ref=out["refs"]["ca_cert_ref"], updated_at=out["updated_at"])
        held["x509keypairs"].append(dict(uuid=c["ca_cert_ref"],
                                         certificate=out["certificates"][c["ca_cert_ref"]]))
        return c, out["refs"]

    def check_signing(self, api, db, cluster, refs):
        """POST /v1/certificates with the Python-made CAs; openssl verifies the results. A
        CA whose stored passphrase is wrong is a 500, and the services keep serving."""
        headers = project(cluster["project_id"], cluster["user_id"])
        work = tempfile.mkdtemp(prefix="magnum-it-takeover-csr-")
        path = lambda name: os.path.join(work, name)
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        path("key.pem"), "-subj", "/O=devs/CN=carol", "-out", path("csr.pem")],
                       check=True, capture_output=True, timeout=120)
        with open(path("csr.pem")) as f:
            csr = f.read()
        for ca_type in ("", "etcd", "front-proxy"):
            body = {"cluster_uuid": cluster["uuid"], "csr": csr}
            if ca_type:
                body["ca_cert_type"] = ca_type
            r = api.post("/v1/certificates", body, headers=headers)
            self.assertEqual(r.status, 201, (ca_type, r))
            ca = api.get("/v1/certificates/%s?ca_cert_type=%s" % (cluster["uuid"], ca_type),
                         headers=headers)
            self.assertEqual(ca.status, 200, ca)
            for name, pem in (("ca.pem", ca.json["pem"]), ("cert.pem", r.json["pem"])):
                with open(path(name), "w") as f:
                    f.write(pem + "\n")
            v = subprocess.run(["openssl", "verify", "-CAfile", path("ca.pem"),
                                path("cert.pem")], capture_output=True, text=True, timeout=60)
            self.assertEqual(v.returncode, 0, (ca_type, v.stdout, v.stderr))
            subject = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-in",
                                      path("cert.pem")], capture_output=True, text=True,
                                     timeout=60).stdout
            self.assertIn("CN = carol", subject)
            self.assertIn("issuer=CN = " + cluster["name"], subject)
        db.sql("UPDATE x509keypair SET private_key_passphrase = 'not-the-passphrase' "
               "WHERE uuid = '%s'" % refs["etcd_ca_cert_ref"])
        r = api.post("/v1/certificates", {"cluster_uuid": cluster["uuid"], "csr": csr,
                                          "ca_cert_type": "etcd"}, headers=headers)
        self.assertEqual(r.status, 500, r)
        self.assertEqual(len(r.json["errors"]), 1, r.json)
        r = api.post("/v1/certificates", {"cluster_uuid": cluster["uuid"], "csr": csr},
                     headers=headers)
        self.assertEqual(r.status, 201, r)

    def manage(self, db, *args):
        return subprocess.run([binary("magnum-db-manage"), "--database-connection", db.url,
                               *args], capture_output=True, text=True, timeout=300)

    def upgrade(self, db):
        p = self.manage(db, "upgrade")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def start_services(self, db):
        # magnum-api and magnum-conductor as an operator replaces the Python ones: one
        # database, RPC over RabbitMQ (a virtual host of this test's own).
        config = rs.rabbit_config(rs.private_vhost(self), "takeover-host")
        config["database"] = {"connection": db.url}
        api = Magnumd(extra_config=config, program="magnum-api")
        self.addCleanup(api.cleanup)
        api.start(timeout=40)
        conductor = Magnumd(extra_config=config, program="magnum-conductor")
        self.addCleanup(conductor.cleanup)
        conductor.proc = subprocess.Popen(
            [binary("magnum-conductor"), "--config-file", conductor.config_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def conductor_up():
            rows = api.get("/v1/mservices", headers=ADMIN).json["mservices"]
            return ("takeover-host", "magnum-conductor", "up") in {
                (r["host"], r["binary"], r["state"]) for r in rows}
        api.wait_for(conductor_up, timeout=60, what="conductor heartbeat")
        self.assertIsNone(conductor.proc.poll(), conductor.log())
        return api, conductor

    def assert_time(self, api_value, python_value):
        """Our API renders "2026-12-05T01:28:25+00:00"; Python read "2026-12-05T01:28:25"."""
        if python_value is None:
            self.assertIsNone(api_value)
        else:
            self.assertEqual(api_value, python_value + "+00:00")

    def test_every_row_is_served_and_writes_work(self):
        db, held = self.upstream_database()
        bobs, bobs_refs = self.python_certificates(db, held, "bobs")
        counts = {t: db.sql("SELECT COUNT(*) FROM %s" % t)[0][0] for t in UPSTREAM_TABLES}
        p = self.manage(db, "version")
        self.assertEqual(p.stdout.split(), ["0"])
        self.assertIn("Python Magnum database at alembic revision " + HEAD, p.stderr)
        p = self.upgrade(db)
        self.assertIn("Took over the Python Magnum database", p.stdout + p.stderr)
        self.assertEqual(self.manage(db, "version").stdout.split()[-1], "6")
        # No row lost; upstream's bookkeeping kept; ours recorded.
        self.assertEqual({t: db.sql("SELECT COUNT(*) FROM %s" % t)[0][0]
                          for t in UPSTREAM_TABLES}, counts)
        self.assertEqual(db.sql("SELECT version_num FROM alembic_version"), [[HEAD]])
        self.assertEqual([r[0] for r in db.sql("SELECT version FROM schema_migrations "
                                               "ORDER BY version")],
                         ["1", "2", "3", "4", "5", "6"])
        # A second upgrade is a no-op: same schema, same data.
        schema, sums = db.schema(), db.checksums()
        self.upgrade(db)
        self.assertEqual(db.schema(), schema)
        self.assertEqual(db.checksums(), sums)

        api, _ = self.start_services(db)
        self.check_templates(api, held["cluster_templates"])
        self.check_clusters(api, held)
        self.check_signing(api, db, bobs, bobs_refs)
        self.check_quotas_and_federations(api, held)

        # Writes on upstream rows: a quota changed, the unused hidden template deleted (a
        # template PATCH would re-check its image, which only the old cloud's Glance knows).
        alice = project("proj-alice")
        r = api.patch("/v1/quotas/proj-bob/Cluster", {"hard_limit": 9}, headers=ADMIN)
        self.assertIn(r.status, (200, 202), r)
        self.assertEqual(api.get("/v1/quotas/proj-bob/Cluster",
                                 headers=ADMIN).json["hard_limit"], 9)
        hidden = next(t for t in held["cluster_templates"] if t["name"] == "bob-hidden")
        bob = project("proj-bob", "user-bob")
        self.assertEqual(api.delete("/v1/clustertemplates/" + hidden["uuid"],
                                    headers=bob).status, 204)
        self.assertEqual(api.get("/v1/clustertemplates/" + hidden["uuid"],
                                 headers=bob).status, 404)
        # ... and a new cluster with the fake driver, then deleted.
        template = create_template(api, alice)
        cluster = create_cluster(api, template, alice, node_count=2)
        nodegroups = api.get("/v1/clusters/%s/nodegroups" % cluster, headers=alice).json
        self.assertEqual(sorted(n["role"] for n in nodegroups["nodegroups"]),
                         ["master", "worker"])
        self.assertEqual(api.delete("/v1/clusters/" + cluster, headers=alice).status, 204)
        api.wait_for(lambda: api.get("/v1/clusters/" + cluster, headers=alice).status == 404,
                     timeout=60, what="new cluster deleted")
        # The Python services are listed next to ours, down (they no longer report).
        services = api.get("/v1/mservices", headers=ADMIN).json["mservices"]
        self.assertTrue({("python-host", "magnum-conductor", "down"),
                         ("python-host", "magnum-api", "down")}
                        <= {(s["host"], s["binary"], s["state"]) for s in services}, services)

        # Rollback: the Python objects still read every cluster and template, and write; we
        # read what they wrote (their timestamps in their own text form).
        prod = next(c for c in held["clusters"] if c["name"] == "prod")
        p = subprocess.run([SYSTEM_PYTHON, FILL, "--read-back", self.upstream_conf,
                            prod["uuid"]], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        python = json.loads(p.stdout)
        self.assertEqual(python["clusters"], sorted(
            [c["uuid"], c["name"], c["status"], c["node_count"], c["created_at"]]
            for c in held["clusters"]))
        self.assertEqual(python["cluster_templates"], sorted(
            [t["uuid"] for t in held["cluster_templates"] if t["name"] != "bob-hidden"] +
            [template]))
        got = api.get("/v1/clusters/" + prod["uuid"], headers=alice).json
        self.assertEqual(got["status_reason"], "saved by the Python Magnum")
        self.assertRegex(got["updated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")

    def check_templates(self, api, held):
        for t in held:
            headers = project(t["project_id"])
            got = api.get("/v1/clustertemplates/" + t["uuid"], headers=headers)
            self.assertEqual(got.status, 200, got)
            got = got.json
            for key in ("uuid", "name", "project_id", "user_id", "public", "hidden", "labels",
                        "coe", "image_id", "docker_volume_size", "tags", "master_lb_enabled",
                        "floating_ip_enabled", "tls_disabled", "network_driver"):
                self.assertEqual(got[key], t[key], (key, got))
            self.assert_time(got["created_at"], t["created_at"])
            self.assert_time(got["updated_at"], t["updated_at"])
        # The public template is listed to another project, the private ones are not.
        listed = api.get("/v1/clustertemplates", headers=project("proj-carol")).json
        self.assertEqual([t["name"] for t in listed["clustertemplates"]], ["k8s-public"])

    def check_clusters(self, api, held):
        for c in held["clusters"]:
            headers = project(c["project_id"], c["user_id"])  # certificate:get: the owner
            got = api.get("/v1/clusters/" + c["uuid"], headers=headers)
            self.assertEqual(got.status, 200, got)
            got = got.json
            for key in ("uuid", "name", "project_id", "user_id", "cluster_template_id",
                        "status", "status_reason", "labels", "master_count", "node_count",
                        "api_address", "keypair", "health_status",
                        "health_status_reason", "create_timeout", "coe_version",
                        "discovery_url"):
                self.assertEqual(got[key], c[key], (key, got))
            self.assert_time(got["created_at"], c["created_at"])
            self.assert_time(got["updated_at"], c["updated_at"])
            # The cluster's CA as upstream's x509keypair store held it.
            ca = next(k for k in held["x509keypairs"] if k["uuid"] == c["ca_cert_ref"])
            # (The conductor's heartbeat may come before its RPC queue: 503 until then.)
            cert = api.wait_for(lambda: (lambda r: r if r.status != 503 else None)(
                api.get("/v1/certificates/" + c["uuid"], headers=headers)),
                timeout=30, what="the conductor serving certificates")
            self.assertEqual(cert.status, 200, cert)
            self.assertEqual(cert.json["pem"], ca["certificate"])
            mine = [n for n in held["nodegroups"] if n["cluster_id"] == c["uuid"]]
            listed = api.get("/v1/clusters/%s/nodegroups" % c["uuid"], headers=headers).json
            self.assertEqual(sorted(n["uuid"] for n in listed["nodegroups"]),
                             sorted(n["uuid"] for n in mine))
            for n in mine:
                got = api.get("/v1/clusters/%s/nodegroups/%s" % (c["uuid"], n["uuid"]),
                              headers=headers).json
                for key in ("uuid", "name", "cluster_id", "project_id", "role", "node_count",
                            "is_default", "labels", "node_addresses", "status",
                            "min_node_count", "max_node_count"):
                    self.assertEqual(got[key], n[key], (key, got))
                self.assert_time(got["created_at"], n["created_at"])
        listed = api.get("/v1/clusters", headers=project("proj-alice")).json["clusters"]
        self.assertEqual(sorted(c["name"] for c in listed), ["failed-one", "prod"])

    def check_quotas_and_federations(self, api, held):
        for q in held["quotas"]:
            got = api.get("/v1/quotas/%s/Cluster" % q["project_id"], headers=ADMIN)
            self.assertEqual(got.status, 200, got)
            self.assertEqual((got.json["project_id"], got.json["resource"],
                              got.json["hard_limit"]),
                             (q["project_id"], q["resource"], q["hard_limit"]))
            self.assert_time(got.json["created_at"], q["created_at"])
        for f in held["federations"]:
            got = api.get("/v1/federations/" + f["uuid"], headers=project(f["project_id"]))
            self.assertEqual(got.status, 200, got)
            for key in ("uuid", "name", "hostcluster_id", "member_ids", "status", "properties"):
                self.assertEqual(got.json[key], f[key], (key, got.json))

    def test_upgrade_after_a_crash_midway_completes_to_the_same_schema(self):
        clean, _ = self.upstream_database()
        crashed, _ = self.upstream_database()
        # A takeover that died after its first steps: one table's types changed but its
        # timestamps only partly rewritten, one key renamed, one of our columns added.
        crashed.sql("ALTER TABLE cluster DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, "
                    "MODIFY id BIGINT NOT NULL AUTO_INCREMENT, "
                    "MODIFY created_at VARCHAR(32), MODIFY updated_at VARCHAR(32)")
        crashed.sql("UPDATE cluster SET created_at = CONCAT(REPLACE(created_at, ' ', 'T'), "
                    "'.000000') WHERE name = 'prod'")
        crashed.sql("ALTER TABLE cluster_template RENAME INDEX uniq_baymodel0uuid TO "
                    "uniq_cluster_template0uuid")
        crashed.sql("ALTER TABLE cluster_template ADD COLUMN driver VARCHAR(255)")
        self.upgrade(clean)
        p = self.upgrade(crashed)
        self.assertIn("Took over", p.stdout + p.stderr)
        self.assertEqual(crashed.schema(), clean.schema())
        for db in (clean, crashed):
            stamps = db.sql("SELECT created_at FROM cluster UNION ALL "
                            "SELECT last_seen_up FROM magnum_service")
            self.assertTrue(all(len(s[0]) == 26 and s[0][10] == "T" and
                                s[0].endswith(".000000") for s in stamps), stamps)

    def test_other_revisions_are_refused_untouched(self):
        db, _ = self.upstream_database()
        db.sql("UPDATE alembic_version SET version_num = 'a0e7c8450ab1'")
        before = db.schema()
        self.assertIn("a0e7c8450ab1", self.manage(db, "version").stderr)
        p = self.manage(db, "upgrade")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("a0e7c8450ab1", p.stderr)
        self.assertIn("magnum-db-manage upgrade", p.stderr)
        self.assertIn(HEAD, p.stderr)
        after = db.schema()
        # Only our (empty) bookkeeping table may have appeared.
        after.pop("schema_migrations", None)
        self.assertEqual(after, before)
        self.assertEqual(db.sql("SELECT COUNT(*) FROM schema_migrations"), [["0"]])


if __name__ == "__main__":
    unittest.main()
