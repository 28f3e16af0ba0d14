# ctest-labels: client
"""Smoke test with the real python-magnumclient (Debian python3-magnumclient and
python3-openstackclient) against magnumd without Keystone: auth type `none` with the
endpoint given explicitly (--os-endpoint http://HOST:PORT/v1)."""
import json
import os
import shutil
import subprocess
import unittest

from harness import Magnumd

OPENSTACK = shutil.which("openstack", path="/usr/bin:/usr/local/bin")


@unittest.skipIf(OPENSTACK is None, "python3-openstackclient is not installed")
class OpenStackClientSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd().start()

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
            dbg = subprocess.run(cmd[:1] + ["--debug"] + cmd[1:], capture_output=True, text=True,
                                 env=env, timeout=120)
            self.fail("command failed: %s\nstdout: %s\nstderr: %s\n--debug:\n%s" %
                      (" ".join(cmd), out.stdout, out.stderr, dbg.stderr[-6000:]))
        return out

    def osc_json(self, *args):
        out = self.osc(*(list(args) + ["-f", "json"]))
        # Some commands print a line ("Request to create ... accepted") before the JSON.
        text = out.stdout
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        try:
            return json.loads(text[min(starts):] if starts else text)
        except ValueError:
            self.fail("not JSON from %s:\nstdout: %s\nstderr: %s" % (args, out.stdout, out.stderr))

    def test_cluster_template_lifecycle(self):
        created = self.osc_json("coe", "cluster", "template", "create", "smoke",
                                "--coe", "kubernetes", "--image", "fake-image",
                                "--external-network", "public", "--flavor", "m1.small",
                                "--labels", "kube_tag=v1.30.1,a=b",
                                "--docker-volume-size", "5", "--master-lb-enabled",
                                "--floating-ip-disabled")
        self.assertEqual(created["name"], "smoke")
        self.assertEqual(created["coe"], "kubernetes")
        self.assertEqual(created["docker_volume_size"], 5)
        self.assertTrue(created["master_lb_enabled"])
        self.assertFalse(created["floating_ip_enabled"])
        self.assertEqual(created["labels"], {"kube_tag": "v1.30.1", "a": "b"})

        listed = self.osc_json("coe", "cluster", "template", "list")
        self.assertIn("smoke", [t["name"] for t in listed])

        shown = self.osc_json("coe", "cluster", "template", "show", "smoke")
        self.assertEqual(shown["uuid"], created["uuid"])

        updated = self.osc_json("coe", "cluster", "template", "update", "smoke",
                                "replace", "docker_volume_size=9")
        self.assertEqual(updated["docker_volume_size"], 9)
        updated = self.osc_json("coe", "cluster", "template", "update", "smoke",
                                "replace", "labels=x=y")
        self.assertEqual(updated["labels"], {"x": "y"})

        bad = self.osc("coe", "cluster", "template", "create", "bad", "--coe", "kubernetes",
                       "--image", "no-such-image", "--external-network", "public",
                       expect_ok=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("no-such-image", bad.stderr + bad.stdout)

        self.osc("coe", "cluster", "template", "delete", "smoke")
        listed = self.osc_json("coe", "cluster", "template", "list")
        self.assertNotIn("smoke", [t["name"] for t in listed])


if __name__ == "__main__":
    unittest.main()
