# ctest-labels: client
"""The real python-magnumclient (`openstack coe ...`, Debian python3-magnumclient) against
magnumd for the CA, quota, stats and service commands. Auth type `none` with the endpoint
given explicitly, as in test_client_smoke."""
import json
import os
import shutil
import subprocess
import unittest

from harness import Magnumd
from cluster_fixtures import FAST_CERTS, create_cluster, create_template

OPENSTACK = shutil.which("openstack", path="/usr/bin:/usr/local/bin")


@unittest.skipIf(OPENSTACK is None, "python3-openstackclient is not installed")
class MiscClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS).start()
        # noauth defaults: project "default", user "admin", roles admin,member,reader.
        cls.cluster = create_cluster(cls.m, create_template(cls.m, {}), {}, name="k8s",
                                     node_count=2)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def osc(self, *args, expect_ok=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["HOME"] = self.m.dir
        cmd = [OPENSTACK, "--os-auth-type", "none",
               "--os-endpoint", "http://127.0.0.1:%d/v1" % self.m.port] + list(args)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if expect_ok and out.returncode != 0:
            self.fail("command failed: %s\nstdout: %s\nstderr: %s" %
                      (" ".join(cmd), out.stdout, out.stderr))
        return out

    def osc_json(self, *args):
        return json.loads(self.osc(*(list(args) + ["-f", "json"])).stdout)

    def osc_table(self, *args):
        """Rows of the prettytable these commands print (no -f json), header first."""
        rows = []
        for line in self.osc(*args).stdout.splitlines():
            if line.startswith("|"):
                rows.append([cell.strip() for cell in line.strip("|").split("|")])
        return rows

    def osc_properties(self, *args):
        rows = self.osc_table(*args)
        self.assertEqual(rows[0], ["Property", "Value"])
        return dict(rows[1:])

    def test_ca_show_sign_rotate(self):
        shown = self.osc("coe", "ca", "show", "k8s").stdout
        self.assertIn("-----BEGIN CERTIFICATE-----", shown)
        csr = os.path.join(self.m.dir, "client.csr")
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(self.m.dir, "client.key"), "-out", csr, "-subj",
                        "/CN=client"], check=True, capture_output=True)
        signed = self.osc("coe", "ca", "sign", "k8s", csr).stdout
        self.assertIn("-----BEGIN CERTIFICATE-----", signed)
        rotated = self.osc("coe", "ca", "rotate", "k8s").stdout
        self.assertIn(self.cluster, rotated)
        self.m.wait_for(
            lambda: self.m.get("/v1/clusters/k8s").json["status"] == "UPDATE_COMPLETE",
            timeout=20, what="rotation done")
        self.assertNotEqual(self.osc("coe", "ca", "show", "k8s").stdout, shown)
        bad = self.osc("coe", "ca", "show", "nope", expect_ok=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("could not be found", bad.stderr)

    def test_quotas(self):
        created = self.osc_properties("coe", "quotas", "create", "--project-id", "p1",
                                      "--resource", "Cluster", "--hard-limit", "5")
        self.assertEqual((created["project_id"], created["hard_limit"]), ("p1", "5"))
        listed = self.osc_table("coe", "quotas", "list", "--all-tenants")
        self.assertEqual(listed, [["project_id", "resource", "hard_limit"],
                                  ["p1", "Cluster", "5"]])
        shown = self.osc_properties("coe", "quotas", "show", "--project-id", "p1", "--resource",
                                    "Cluster")
        self.assertEqual(shown["hard_limit"], "5")
        updated = self.osc_properties("coe", "quotas", "update", "--project-id", "p1",
                                      "--resource", "Cluster", "--hard-limit", "9")
        self.assertEqual(updated["hard_limit"], "9")
        # The client prints the error and exits 0.
        dup = self.osc("coe", "quotas", "create", "--project-id", "p1", "--resource", "Cluster",
                       "--hard-limit", "1", expect_ok=False)
        self.assertIn("Quota for project p1 already exists for resource Cluster (HTTP 409)",
                      dup.stdout + dup.stderr)
        self.osc("coe", "quotas", "delete", "--project-id", "p1", "--resource", "Cluster")
        shown = self.osc_properties("coe", "quotas", "show", "--project-id", "p1", "--resource",
                                    "Cluster")
        self.assertEqual(shown["hard_limit"], "20")  # the default again

    def test_stats_and_services(self):
        self.assertEqual(self.osc_properties("coe", "stats", "list", "default"),
                         {"clusters": "1", "nodes": "3"})
        rows = self.osc_table("coe", "service", "list")
        services = [dict(zip(rows[0], r)) for r in rows[1:]]
        self.assertIn("magnum-conductor", [s["binary"] for s in services])
        self.assertEqual({s["state"] for s in services}, {"up"})


if __name__ == "__main__":
    unittest.main()
