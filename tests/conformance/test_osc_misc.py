# ctest-labels: client
"""`openstack coe ca show|sign|rotate`, `coe quotas create|list|show|update|delete`,
`coe stats list` and `coe service list` against magnumd without Keystone. Supersedes
tests/integration/test_client_misc.py."""
import os
import subprocess
import unittest

from conformance import ConformanceCase


class MiscCommandsTest(ConformanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # noauth: project "default", user "admin", roles admin,member,reader.
        for name, tls_disabled in [("k8s", False), ("notls", True)]:
            r = cls.m.post("/v1/clustertemplates", {
                "name": name, "coe": "kubernetes", "image_id": "fake-image",
                "external_network_id": "public", "tls_disabled": tls_disabled})
            assert r.status == 201, r
        cls.uuid = {}
        for name, template, nodes in [("c1", "k8s", 2), ("plain", "notls", 1)]:
            r = cls.m.post("/v1/clusters", {"name": name, "cluster_template_id": template,
                                            "master_count": 1, "node_count": nodes})
            assert r.status == 202, r
            cls.uuid[name] = r.json["uuid"]
        for name in cls.uuid:
            cls.m.wait_for(lambda: cls.m.get("/v1/clusters/" + name).json["status"] ==
                           "CREATE_COMPLETE", timeout=30, what=name)

    def test_ca_show_sign_rotate(self):
        shown = self.osc("ca", "show", "c1").stdout
        self.assertRegex(shown, r"^-----BEGIN CERTIFICATE-----\n[\s\S]+\n"
                                r"-----END CERTIFICATE-----\n$")
        self.assertEqual(self.osc("ca", "show", self.uuid["c1"]).stdout, shown)
        ca = os.path.join(self.home, "ca.pem")
        with open(ca, "w") as f:
            f.write(shown)
        csr = self.openssl_csr("client", cn="alice")
        run = self.osc("ca", "sign", "c1", csr)
        signed = run.stdout
        with self.about(run):
            self.assertRegex(run.stdout, r"^-----BEGIN CERTIFICATE-----\n[\s\S]+\n"
                                         r"-----END CERTIFICATE-----\n$")
            verify = subprocess.run(["openssl", "verify", "-CAfile", ca], input=run.stdout,
                                    capture_output=True, text=True)
            self.assertIn("OK", verify.stdout)

        # Client-side and server-side refusals.
        run = self.osc("ca", "sign", "c1", os.path.join(self.home, "missing.csr"))
        with self.about(run):  # the client prints this and exits 0
            self.assertEqual(run.stdout.strip(), "A CSR must be provided.")
        bad = os.path.join(self.home, "bad.csr")
        with open(bad, "w") as f:
            f.write("garbage")
        run = self.osc("ca", "sign", "c1", bad, ok=False)
        with self.about(run):
            self.assertIn("Received invalid csr garbage", run.output)
        run = self.osc("ca", "show", "nope", ok=False)
        with self.about(run):
            self.assertIn("Cluster nope could not be found (HTTP 404)", run.output)

        run = self.osc("ca", "rotate", "c1")
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "Request to rotate the CA certificate for "
                             "cluster %s has been accepted." % self.uuid["c1"])
        self.assertEqual(self.wait_cluster("c1"), "UPDATE_COMPLETE")
        rotated = self.osc("ca", "show", "c1").stdout
        self.assertNotEqual(rotated, shown)
        # A certificate from the old CA no longer verifies against the new one.
        with open(ca, "w") as f:
            f.write(rotated)
        verify = subprocess.run(["openssl", "verify", "-CAfile", ca], input=signed,
                                capture_output=True, text=True)
        self.assertNotEqual(verify.returncode, 0, verify.stdout)
        run = self.osc("ca", "rotate", "plain", ok=False)
        with self.about(run):
            self.assertIn("Rotating the CA certificate on a non-TLS cluster is not supported "
                          "(HTTP 400)", run.output)

    def test_quotas(self):
        created = self.props_of(self.osc("quotas", "create", "--project-id", "p1",
                                         "--resource", "Cluster", "--hard-limit", "5"))
        self.assertEqual(set(created), {"id", "project_id", "resource", "hard_limit",
                                        "created_at", "updated_at"})
        self.assertEqual((created["project_id"], created["resource"], created["hard_limit"],
                          created["updated_at"]), ("p1", "Cluster", "5", "-"))
        self.osc("quotas", "create", "--project-id", "p2", "--resource", "Cluster")
        listed = self.table_of(self.osc("quotas", "list", "--all-tenants"))
        self.assertEqual(listed, [["project_id", "resource", "hard_limit"],
                                  ["p1", "Cluster", "5"], ["p2", "Cluster", "1"]])
        listed = self.table_of(self.osc("quotas", "list", "--all-tenants", "--limit", "1",
                                        "--sort-key", "project_id", "--sort-dir", "desc"))
        self.assertEqual(listed[1:], [["p2", "Cluster", "1"]])
        listed = self.table_of(self.osc("quotas", "list", "--all-tenants", "--marker",
                                        created["id"]))
        self.assertEqual(listed[1:], [["p2", "Cluster", "1"]])
        # Without --all-tenants: the caller's project ("default") only.
        self.assertEqual(self.table_of(self.osc("quotas", "list")),
                         [["project_id", "resource", "hard_limit"]])

        shown = self.props_of(self.osc("quotas", "show", "--project-id", "p1", "--resource",
                                       "Cluster"))
        self.assertEqual(shown, created)
        updated = self.props_of(self.osc("quotas", "update", "--project-id", "p1",
                                         "--resource", "Cluster", "--hard-limit", "9"))
        self.assertEqual(updated["hard_limit"], "9")
        self.assertNotEqual(updated["updated_at"], "-")

        # These commands print the error and exit 0.
        for args, message in [
                (["create", "--project-id", "p1", "--resource", "Cluster", "--hard-limit", "1"],
                 "Create quota for project_id p1 resource Cluster failed: Quota for project p1 "
                 "already exists for resource Cluster (HTTP 409)"),
                (["create", "--project-id", "p3", "--resource", "Nope"],
                 "Create quota for project_id p3 resource Nope failed: "),
                (["update", "--project-id", "zz", "--resource", "Cluster", "--hard-limit", "3"],
                 "Update quota for project_id zz resource Cluster failed: "),
                (["delete", "--project-id", "zz", "--resource", "Cluster"],
                 "Quota delete failed for project id zz and resource Cluster :")]:
            run = self.osc("quotas", *args, ok=None)
            with self.about(run):
                self.assertIn(message, run.output)
                self.assertIn("(HTTP 4", run.output)

        run = self.osc("quotas", "delete", "--project-id", "p1", "--resource", "Cluster")
        with self.about(run):
            self.assertEqual(run.stdout.strip(), "Request to delete quota for project id p1 "
                             "and resource Cluster has been accepted.")
        # Deleted: the default limit again.
        shown = self.props_of(self.osc("quotas", "show", "--project-id", "p1", "--resource",
                                       "Cluster"))
        self.assertEqual(shown, {"project_id": "p1", "resource": "Cluster",
                                 "hard_limit": "20"})
        self.osc("quotas", "delete", "--project-id", "p2", "--resource", "Cluster")

    def test_client_configuration_forms(self):
        """The ways docs/client.md gives to point the clients at magnumd without Keystone."""
        def run(argv, env):
            full = self.env()
            full.update(env)
            out = subprocess.run(argv, capture_output=True, text=True, env=full, timeout=120,
                                 cwd=self.home)
            self.assertEqual(out.returncode, 0, "%s with %s:\n%s%s" % (argv, env, out.stdout,
                                                                      out.stderr))
            return out.stdout + out.stderr

        # openstack: environment variables, and a clouds.yaml entry.
        out = run(["openstack", "coe", "stats", "list", "default"],
                  {"OS_AUTH_TYPE": "none", "OS_ENDPOINT": self.endpoint})
        self.assertIn("| clusters | 2     |", out)
        cfg = os.path.join(self.home, ".config", "openstack")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "clouds.yaml"), "w") as f:
            f.write("clouds:\n  magnumd:\n    auth_type: none\n    auth:\n"
                    "      endpoint: %s\n" % self.endpoint)
        out = run(["openstack", "--os-cloud", "magnumd", "coe", "service", "list", "-f",
                   "value", "-c", "binary"], {})
        self.assertIn("magnum-api\n", out)
        self.assertIn("magnum-conductor\n", out)
        # magnum: OS_TOKEN + OS_ENDPOINT_OVERRIDE + MAGNUM_API_VERSION, and --bypass-url.
        out = run(["magnum", "--debug", "service-list"],
                  {"OS_TOKEN": "x", "OS_ENDPOINT_OVERRIDE": self.endpoint,
                   "MAGNUM_API_VERSION": "1.5"})
        self.assertIn("| magnum-api ", out)
        self.assertIn("OpenStack-API-Version: container-infra 1.5", out)
        out = run(["magnum", "--os-token", "x", "--bypass-url", self.endpoint,
                   "stats-list"], {})
        self.assertIn("| clusters | 2     |", out)

    def test_stats_and_services(self):
        # 2 clusters: 1 master + 2 nodes, 1 master + 1 node.
        self.assertEqual(self.props_of(self.osc("stats", "list", "default")),
                         {"clusters": "2", "nodes": "5"})
        self.assertEqual(self.props_of(self.osc("stats", "list", "other")),
                         {"clusters": "0", "nodes": "0"})
        services = self.osc_json("service", "list")
        self.assertEqual({s["binary"] for s in services}, {"magnum-conductor", "magnum-api"})
        for s in services:
            self.assertEqual(set(s), {"id", "host", "binary", "state", "disabled",
                                      "disabled_reason", "created_at", "updated_at"})
            self.assertEqual((s["state"], s["disabled"]), ("up", False))


if __name__ == "__main__":
    unittest.main()
