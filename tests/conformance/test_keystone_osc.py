# ctest-labels: client keystone
"""The conformance suite's Keystone mode (keystone_mode.py): `openstack coe` and the legacy
`magnum` CLI with password credentials, magnumd found through the Keystone catalog, as the
demo project's member, the alt_demo project's member and the admin: templates, clusters
(fake driver), nodegroups, the CA, stats, quotas and services, and what each project may
see of the other's."""
import os
import subprocess
import unittest

from keystone_mode import TEMPLATE_OPTIONS, KeystoneConformanceCase


class KeystoneCommandsTest(KeystoneConformanceCase):

    def create_template(self, name, user=None):
        run = self.osc("cluster", "template", "create", name, *TEMPLATE_OPTIONS, "-f", "json",
                       user=user)
        with self.about(run):
            self.assertIn("Request to create cluster template %s accepted" % name, run.stdout)
        return self.json_of(run)

    def test_a_project_manages_templates_clusters_nodegroups_and_its_ca(self):
        tpl = self.create_template("ks-tpl")
        self.assertEqual((tpl["name"], tpl["coe"], tpl["flavor_id"]),
                         ("ks-tpl", "kubernetes", "m1.small"))
        stored = self.api("/v1/clustertemplates/" + tpl["uuid"]).json
        self.assertEqual((stored["project_id"], stored["user_id"]),
                         (self.project(), self.ks["users"]["demo"]["id"]))
        shown = self.osc_json("cluster", "template", "show", "ks-tpl")
        self.assertEqual(shown["uuid"], tpl["uuid"])
        self.assertIn("ks-tpl", [t["name"] for t in self.osc_json("cluster", "template",
                                                                  "list")])

        run = self.osc("cluster", "create", "ks-c1", "--cluster-template", "ks-tpl",
                       "--master-count", "1", "--node-count", "1")
        with self.about(run):
            self.assertIn("Request to create cluster", run.stdout)
        uuid = self.api("/v1/clusters/ks-c1").json["uuid"]
        self.assertEqual(self.wait_cluster(uuid), "CREATE_COMPLETE")
        cluster = self.osc_json("cluster", "show", "ks-c1")
        self.assertEqual((cluster["uuid"], cluster["status"], cluster["project_id"]),
                         (uuid, "CREATE_COMPLETE", self.project()))
        self.assertEqual([c["name"] for c in self.osc_json("cluster", "list")], ["ks-c1"])

        self.osc("nodegroup", "create", "ks-c1", "ks-ng", "--node-count", "1")
        self.assertEqual(self.wait_nodegroup(uuid, "ks-ng"), "CREATE_COMPLETE")
        groups = {g["name"]: g for g in self.osc_json("nodegroup", "list", "ks-c1")}
        self.assertEqual(set(groups), {"default-master", "default-worker", "ks-ng"})

        # The CA: show, and a CSR signed by it (the creating user's right).
        ca = self.osc("ca", "show", "ks-c1").stdout
        self.assertTrue(ca.startswith("-----BEGIN CERTIFICATE-----"), ca)
        ca_file = os.path.join(self.home, "ks-ca.pem")
        with open(ca_file, "w") as f:
            f.write(ca)
        signed = self.osc("ca", "sign", "ks-c1", self.openssl_csr("ks-client", cn="demo"))
        verify = subprocess.run(["openssl", "verify", "-CAfile", ca_file], input=signed.stdout,
                                capture_output=True, text=True)
        self.assertIn("OK", verify.stdout, signed.stdout)
        self.assertEqual(self.props_of(self.osc("stats", "list", self.project())),
                         {"clusters": "1", "nodes": "3"})

        # The legacy CLI with the same password finds the same objects.
        run = self.magnum("1.10", "cluster-list")
        with self.about(run):
            self.assertIn("ks-c1", run.stdout)

        # The other project sees none of it.
        self.assertNotIn("ks-tpl", [t["name"] for t in self.osc_json(
            "cluster", "template", "list", user="alt_demo")])
        self.assertEqual(self.osc_json("cluster", "list", user="alt_demo"), [])
        for args in (("cluster", "template", "show", tpl["uuid"]), ("cluster", "show", uuid),
                     ("nodegroup", "list", uuid), ("ca", "show", uuid),
                     ("cluster", "delete", uuid)):
            run = self.osc(*args, user="alt_demo", ok=None)
            with self.about(run):
                self.assertIn("could not be found", run.output)

        self.osc("cluster", "delete", "ks-c1")
        self.assertEqual(self.wait_cluster(uuid, statuses=("GONE",)), "GONE")
        self.osc("cluster", "template", "delete", "ks-tpl")
        self.assertEqual(self.osc_json("cluster", "template", "list"), [])

    def test_admin_commands_and_a_member_refused(self):
        demo = self.project()
        created = self.props_of(self.osc("quotas", "create", "--project-id", demo,
                                         "--resource", "Cluster", "--hard-limit", "4",
                                         user="admin"))
        self.assertEqual((created["project_id"], created["hard_limit"]), (demo, "4"))
        # A member reads its own project's quota, but does not list or change quotas.
        shown = self.props_of(self.osc("quotas", "show", "--project-id", demo, "--resource",
                                       "Cluster"))
        self.assertEqual(shown["hard_limit"], "4")
        for args in (("quotas", "list"), ("service", "list"),
                     ("quotas", "update", "--project-id", demo, "--resource", "Cluster",
                      "--hard-limit", "100")):
            run = self.osc(*args, ok=None)
            with self.about(run):
                self.assertIn("(HTTP 403)", run.output)
        listed = self.table_of(self.osc("quotas", "list", "--all-tenants", user="admin"))
        self.assertIn([demo, "Cluster", "4"], listed[1:])
        services = self.osc_json("service", "list", user="admin")
        self.assertEqual({s["binary"] for s in services}, {"magnum-conductor", "magnum-api"})
        run = self.osc("quotas", "delete", "--project-id", demo, "--resource", "Cluster",
                       user="admin")
        with self.about(run):
            self.assertIn("has been accepted", run.stdout)


if __name__ == "__main__":
    unittest.main()
