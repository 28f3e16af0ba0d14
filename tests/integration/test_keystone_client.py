# ctest-labels: keystone
"""The python client with a password, finding magnumd through the Keystone catalog (no
endpoint override, no noauth): `openstack coe` as the demo user manages cluster templates
and clusters (fake driver), and the alt_demo project sees none of them."""
import json
import os
import subprocess
import unittest

from harness import Magnumd
from keystone_support import (issue_token, keystone_authtoken, openrc,
                              register_magnum_endpoint, require_env)


class KeystoneClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.m = Magnumd(extra_config={
            "DEFAULT": {"auth_strategy": "keystone"},
            "keystone_authtoken": keystone_authtoken(cls.env),
            "x509": {"rsa_key_size": "1024"}}).start()
        register_magnum_endpoint(cls.env, "http://127.0.0.1:%d/v1" % cls.m.port)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def coe(self, user, *args, ok=True):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("OS_"):
                del env[k]
        env.update(openrc(self.env, user))
        r = subprocess.run(["openstack", "coe"] + list(args), env=env, capture_output=True,
                           text=True, timeout=120)
        if ok:
            self.assertEqual(r.returncode, 0, "%s%s\nmagnumd (exit %s):\n%s" % (
                r.stdout, r.stderr, self.m.proc.poll(), self.m.log()[-3000:]))
        return r

    def test_templates_and_clusters_with_a_password(self):
        r = self.coe("demo", "cluster", "template", "create", "kt1", "--coe", "kubernetes",
                     "--image", "fake-image", "--external-network", "public",
                     "--flavor", "m1.small", "-f", "json")
        # The client prints "Request to create cluster template kt1 accepted" first.
        tpl = json.loads(r.stdout[r.stdout.index("{"):])
        demo_token, _ = issue_token(self.env, "demo")
        stored = self.m.get("/v1/clustertemplates/" + tpl["uuid"],
                            headers={"X-Auth-Token": demo_token})
        self.assertEqual(stored.status, 200, stored)
        self.assertEqual(stored.json["project_id"], self.env["projects"]["demo"])
        self.assertEqual(stored.json["user_id"], self.env["users"]["demo"]["id"])
        names = self.coe("demo", "cluster", "template", "list", "-f", "value", "-c", "name")
        self.assertIn("kt1", names.stdout.split())
        # Another project neither lists nor shows it.
        alt = self.coe("alt_demo", "cluster", "template", "list", "-f", "value", "-c", "name")
        self.assertNotIn("kt1", alt.stdout.split())
        r = self.coe("alt_demo", "cluster", "template", "show", tpl["uuid"], ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("could not be found", r.stderr)

        self.coe("demo", "cluster", "create", "kc1", "--cluster-template", "kt1",
                 "--node-count", "1")
        status = self.m.wait_for(lambda: self._status("kc1") in (
            "CREATE_COMPLETE", "CREATE_FAILED") and self._status("kc1"),
            timeout=60, interval=1, what="kc1 created")
        self.assertEqual(status, "CREATE_COMPLETE")
        alt = self.coe("alt_demo", "cluster", "list", "-f", "value", "-c", "name")
        self.assertNotIn("kc1", alt.stdout.split())
        self.coe("demo", "cluster", "delete", "kc1")
        self.m.wait_for(lambda: "kc1" not in self.coe(
            "demo", "cluster", "list", "-f", "value", "-c", "name").stdout.split(),
            timeout=60, interval=1, what="kc1 deleted")
        self.coe("demo", "cluster", "template", "delete", "kt1")

    def _status(self, name):
        r = self.coe("demo", "cluster", "show", name, "-f", "value", "-c", "status")
        return r.stdout.strip()


if __name__ == "__main__":
    unittest.main()
