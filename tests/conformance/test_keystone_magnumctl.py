# ctest-labels: client keystone
"""magnumctl (the native client, docs/cli.md) in the conformance suite's Keystone mode
(keystone_mode.py): Keystone v3 password credentials from a clean environment (OS_* only)
or a clouds.yaml, magnumd found in the Keystone catalog (no endpoint override), as the demo
project's member, the alt_demo project's member and the admin: templates and a cluster
(fake driver, --wait), what the other project may see of them, quotas and services, a
wrong password. Each result is checked against what the API stored."""
import json
import os
import subprocess
import time
import unittest

from conformance import Run
from harness import binary
from keystone_mode import TEMPLATE_OPTIONS, KeystoneConformanceCase

CTL_TIMEOUT = 120


class KeystoneMagnumctlTest(KeystoneConformanceCase):

    # ---- running magnumctl ---------------------------------------------------------------

    def ctl_env(self, user=None, password=None):
        """Only what a user's openrc gives: password credentials and the catalog's region."""
        user = user or self.user
        u = self.ks["users"][user]
        return {"OS_AUTH_URL": self.ks["auth_url"], "OS_USERNAME": user,
                "OS_PASSWORD": password if password is not None else u["password"],
                "OS_PROJECT_NAME": u["project"], "OS_USER_DOMAIN_NAME": "Default",
                "OS_PROJECT_DOMAIN_NAME": "Default", "OS_REGION_NAME": self.region,
                "OS_INTERFACE": "public"}

    def ctl(self, *args, ok=True, user=None, env=None):
        """`magnumctl ARGS` with a clean environment (`env`, default: `user`'s openrc)."""
        argv = [binary("magnumctl")] + [str(a) for a in args]
        e = env if env is not None else self.ctl_env(user)
        t0 = time.time()
        proc = subprocess.run(argv, env=e, cwd=self.home, capture_output=True, text=True,
                              timeout=CTL_TIMEOUT)
        shown = " ".join(["%s=%s" % (k, v) for k, v in sorted(e.items())
                          if k not in ("OS_PASSWORD", "HOME")] + ["magnumctl"] + argv[1:])
        run = self.ran(Run(argv, shown, proc, time.time() - t0), ok)
        with self.about(run):
            self.assertNotIn("Traceback", run.stderr)
            self.assertGreaterEqual(run.rc, 0, "magnumctl died of a signal")
        return run

    def ctl_json(self, *args, user=None, env=None):
        return self.json_of(self.ctl(*(list(args) + ["-f", "json"]), user=user, env=env))

    def api_ok(self, path, user=None):
        r = self.api(path, user=user)
        self.assertLess(r.status, 300, "GET %s as %s: %r" % (path, user or self.user, r))
        return r.json

    def assertRefused(self, run, path, user, status):
        """`run` failed (exit 1) with the API's own message for GET `path` as `user`."""
        r = self.api(path, user=user)
        self.assertEqual(r.status, status, r)
        with self.about(run):
            self.assertEqual(run.rc, 1)
            self.assertEqual(run.stderr, "ERROR: %s (HTTP %d)\n" % (r.error_detail(), status))
            self.assertEqual(run.stdout, "")

    # ---- tests ---------------------------------------------------------------------------

    def test_a_project_manages_templates_and_a_cluster_the_other_cannot_see(self):
        demo = self.ks["users"]["demo"]
        tpl = self.ctl_json("cluster-template-create", "ctl-tpl", *TEMPLATE_OPTIONS)
        stored = self.api_ok("/v1/clustertemplates/" + tpl["uuid"])
        self.assertEqual((stored["name"], stored["coe"], stored["image_id"],
                          stored["flavor_id"], stored["master_flavor_id"],
                          stored["keypair_id"], stored["external_network_id"]),
                         ("ctl-tpl", "kubernetes", "fedora-coreos", "m1.small", "m1.medium",
                          "demokey", "public"))
        self.assertEqual((stored["project_id"], stored["user_id"]),
                         (self.project(), demo["id"]))
        self.assertEqual(tpl["uuid"], stored["uuid"])
        self.assertEqual(self.ctl_json("cluster-template-show", "ctl-tpl"), stored)
        listed = self.ctl_json("cluster-template-list")
        self.assertEqual([t["uuid"] for t in listed],
                         [t["uuid"] for t in self.api_ok("/v1/clustertemplates")
                          ["clustertemplates"]])
        self.assertIn(tpl["uuid"], [t["uuid"] for t in listed])

        run = self.ctl("cluster-create", "ctl-c1", "--cluster-template", "ctl-tpl",
                       "--master-count", "1", "--node-count", "1", "--wait",
                       "--wait-interval", "0.2", "--wait-timeout", "60", "-f", "json")
        cluster = self.json_of(run)
        with self.about(run):
            self.assertEqual(run.stderr.splitlines()[-1], "cluster ctl-c1 CREATE_COMPLETE")
        uuid = cluster["uuid"]
        stored = self.api_ok("/v1/clusters/" + uuid)
        self.assertEqual((stored["name"], stored["status"], stored["node_count"],
                          stored["master_count"], stored["cluster_template_id"]),
                         ("ctl-c1", "CREATE_COMPLETE", 1, 1, tpl["uuid"]))
        self.assertEqual((stored["project_id"], stored["user_id"]),
                         (self.project(), demo["id"]))
        self.assertEqual((cluster["status"], cluster["project_id"], cluster["user_id"]),
                         ("CREATE_COMPLETE", self.project(), demo["id"]))
        listed = self.ctl_json("cluster-list")
        self.assertEqual([(c["uuid"], c["name"], c["status"]) for c in listed],
                         [(uuid, "ctl-c1", "CREATE_COMPLETE")])
        table = self.ctl("cluster-list")
        rows = self.table_of(table)
        self.assertEqual(rows[0], ["uuid", "name", "keypair", "node_count", "master_count",
                                   "status", "health_status"])
        self.assertEqual([r[:2] for r in rows[1:]], [[uuid, "ctl-c1"]])

        # The other project sees none of it; showing it is the API's not-found.
        self.assertEqual(self.ctl_json("cluster-list", user="alt_demo"), [])
        self.assertNotIn(tpl["uuid"], [t["uuid"] for t in self.ctl_json(
            "cluster-template-list", user="alt_demo")])
        for ident in (uuid, "ctl-c1"):
            run = self.ctl("cluster-show", ident, user="alt_demo", ok=False)
            self.assertRefused(run, "/v1/clusters/" + ident, "alt_demo", 404)
        run = self.ctl("cluster-template-show", tpl["uuid"], user="alt_demo", ok=False)
        self.assertRefused(run, "/v1/clustertemplates/" + tpl["uuid"], "alt_demo", 404)

        self.check_clouds_yaml(uuid)

        run = self.ctl("cluster-delete", "ctl-c1", "--wait", "--wait-interval", "0.2",
                       "--wait-timeout", "60")
        with self.about(run):
            self.assertEqual(run.stderr.splitlines()[-1], "cluster ctl-c1 deleted")
        self.assertEqual(self.api("/v1/clusters/" + uuid).status, 404)
        self.ctl("cluster-template-delete", "ctl-tpl")
        self.assertEqual(self.api("/v1/clustertemplates/" + tpl["uuid"]).status, 404)
        self.assertEqual(self.ctl_json("cluster-template-list"), [])

    def check_clouds_yaml(self, cluster_uuid):
        """The demo credentials as a cloud of a clouds.yaml: ~/.config/openstack with
        OS_CLOUD, and OS_CLIENT_CONFIG_FILE with --os-cloud and the password in a
        secure.yaml beside it."""
        e = self.ctl_env("demo")
        cloud = {"auth": {"auth_url": e["OS_AUTH_URL"], "username": "demo",
                          "password": e["OS_PASSWORD"], "project_name": e["OS_PROJECT_NAME"],
                          "user_domain_name": "Default", "project_domain_name": "Default"},
                 "region_name": self.region, "interface": "public"}
        home = os.path.join(self.home, "cloud-home")
        conf = os.path.join(home, ".config", "openstack")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "clouds.yaml"), "w") as f:
            json.dump({"clouds": {"ks-demo": cloud}}, f)  # JSON is YAML
        listed = self.ctl_json("cluster-list", env={"HOME": home, "OS_CLOUD": "ks-demo"})
        self.assertEqual([c["uuid"] for c in listed], [cluster_uuid])

        other = os.path.join(self.home, "other-config")
        os.makedirs(other, exist_ok=True)
        public = {k: v for k, v in cloud.items() if k != "auth"}
        public["auth"] = {k: v for k, v in cloud["auth"].items() if k != "password"}
        with open(os.path.join(other, "my-clouds.yaml"), "w") as f:
            json.dump({"clouds": {"ks-other": public}}, f)
        with open(os.path.join(other, "secure.yaml"), "w") as f:
            json.dump({"clouds": {"ks-other": {"auth": {
                "password": cloud["auth"]["password"]}}}}, f)
        env = {"HOME": os.path.join(self.home, "empty-home"),
               "OS_CLIENT_CONFIG_FILE": os.path.join(other, "my-clouds.yaml")}
        listed = self.ctl_json("--os-cloud", "ks-other", "cluster-list", env=env)
        self.assertEqual([c["uuid"] for c in listed], [cluster_uuid])

    def test_b_admin_quotas_and_services(self):
        demo = self.project()
        path = "/v1/quotas/%s/Cluster" % demo
        created = self.ctl_json("quotas-create", "--project-id", demo, "--resource", "Cluster",
                                "--hard-limit", "4", user="admin")
        stored = self.api_ok(path, user="admin")
        self.assertEqual((stored["project_id"], stored["resource"], stored["hard_limit"]),
                         (demo, "Cluster", 4))
        self.assertEqual(created, stored)
        self.assertEqual(self.ctl_json("quotas-show", "--project-id", demo, "--resource",
                                       "Cluster", user="admin"), stored)
        # A member reads its own project's quota, but not the services.
        self.assertEqual(self.ctl_json("quotas-show", "--project-id", demo, "--resource",
                                       "Cluster")["hard_limit"], 4)
        run = self.ctl("service-list", ok=False)
        self.assertRefused(run, "/v1/mservices", "demo", 403)

        listed = self.ctl_json("quotas-list", "--all-tenants", user="admin")
        api_listed = self.api_ok("/v1/quotas?all_tenants=True", user="admin")["quotas"]
        self.assertEqual(listed, api_listed)
        self.assertIn((demo, "Cluster", 4),
                      [(q["project_id"], q["resource"], q["hard_limit"]) for q in listed])
        table = self.records_of(self.ctl("quotas-list", "--all-tenants", user="admin"))
        self.assertIn({"project_id": demo, "resource": "Cluster", "hard_limit": "4"}, table)

        services = self.ctl_json("service-list", user="admin")
        api_services = self.api_ok("/v1/mservices", user="admin")["mservices"]
        key = lambda s: (s["id"], s["host"], s["binary"])  # noqa: E731
        self.assertEqual(sorted(map(key, services)), sorted(map(key, api_services)))
        self.assertEqual({s["binary"] for s in services}, {"magnum-conductor", "magnum-api"})

        run = self.ctl("quotas-delete", "--project-id", demo, "--resource", "Cluster",
                       user="admin")
        with self.about(run):
            self.assertEqual(run.stdout, "Request to delete quota for project id %s and "
                             "resource Cluster has been accepted.\n" % demo)
        remaining = self.api_ok("/v1/quotas?all_tenants=True", user="admin")["quotas"]
        self.assertNotIn((demo, "Cluster"), [(q["project_id"], q["resource"])
                                              for q in remaining])
        self.assertEqual(self.ctl_json("quotas-list", "--all-tenants", user="admin"),
                         remaining)

    def test_c_a_wrong_password_is_refused_by_keystone(self):
        env = self.ctl_env("demo", password="not-the-password")
        for args in (("cluster-list",), ("cluster-template-list", "-f", "json")):
            run = self.ctl(*args, env=env, ok=False)
            with self.about(run):
                self.assertEqual(run.rc, 1)
                self.assertEqual(run.stdout, "")
                self.assertRegex(run.stderr, r"^ERROR: Keystone refused the credentials: .*"
                                 r"requires authentication.* \(HTTP 401\)\n$")


if __name__ == "__main__":
    unittest.main()
