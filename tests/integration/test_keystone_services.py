# ctest-labels: keystone
"""The OpenStack dev services of scripts/openstack/start.sh answer as the Keystone tests
need: tokens for the admin, demo and alt_demo users, the catalog, and the Glance, Nova and
Neutron content (image, flavors, keypairs, networks), with the per-project visibility the
isolation tests rely on."""
import os
import subprocess
import unittest

from keystone_support import (catalog_url, http_call, issue_token, require_env)


class KeystoneServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.tokens = {u: issue_token(cls.env, u) for u in ("admin", "demo", "alt_demo", "magnum")}

    def role_names(self, user):
        return {r["name"] for r in self.tokens[user][1]["roles"]}

    def test_tokens_are_scoped_to_their_projects(self):
        for user in ("admin", "demo", "alt_demo"):
            body = self.tokens[user][1]
            project = self.env["users"][user]["project"]
            self.assertEqual(body["project"]["id"], self.env["projects"][project], user)
            self.assertEqual(body["project"]["domain"]["id"], "default")
            self.assertEqual(body["user"]["domain"]["id"], "default")
            self.assertIn("expires_at", body)
        self.assertIn("admin", self.role_names("admin"))
        self.assertIn("member", self.role_names("demo"))
        self.assertNotIn("admin", self.role_names("demo"))
        self.assertIn("member", self.role_names("alt_demo"))
        self.assertNotEqual(self.env["projects"]["demo"], self.env["projects"]["alt_demo"])

    def test_wrong_password_is_refused(self):
        from keystone_support import password_auth
        status, _, _ = http_call("POST", self.env["auth_url"] + "/auth/tokens",
                                 password_auth("demo", "not-the-password", "demo"))
        self.assertEqual(status, 401)

    def test_service_user_validates_a_user_token(self):
        # The call magnum-api makes for each new token: GET /v3/auth/tokens as the service.
        service_token = self.tokens["magnum"][0]
        status, _, doc = http_call("GET", self.env["auth_url"] + "/auth/tokens", headers={
            "X-Auth-Token": service_token, "X-Subject-Token": self.tokens["demo"][0]})
        self.assertEqual(status, 200)
        self.assertEqual(doc["token"]["user"]["name"], "demo")
        self.assertTrue(doc["token"]["catalog"])
        status, _, _ = http_call("GET", self.env["auth_url"] + "/auth/tokens", headers={
            "X-Auth-Token": service_token, "X-Subject-Token": "garbage"})
        self.assertEqual(status, 404)

    def test_catalog_lists_the_services_on_loopback(self):
        body = self.tokens["demo"][1]
        for stype in ("identity", "image", "compute", "network"):
            url = catalog_url(body, stype)
            self.assertIsNotNone(url, stype)
            self.assertTrue(url.startswith("http://127.0.0.1:"), url)
            for ep in [e for s in body["catalog"] if s["type"] == stype for e in s["endpoints"]]:
                self.assertEqual(ep["region_id"], self.env["region"])

    def test_glance_image_with_os_distro(self):
        tok, body = self.tokens["demo"]
        url = catalog_url(body, "image")
        status, _, doc = http_call("GET", url + "/v2/images?name=fedora-coreos",
                                   headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        self.assertEqual(len(doc["images"]), 1)
        image = doc["images"][0]
        self.assertEqual(image["os_distro"], "fedora-coreos")  # a top-level key in the raw API
        self.assertEqual(image["status"], "active")
        status, _, doc = http_call("GET", url + "/v2/images/" + self.env["images"]["no-distro"],
                                   headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        self.assertNotIn("os_distro", doc)

    def test_nova_flavors_and_per_user_keypairs(self):
        tok, body = self.tokens["demo"]
        url = catalog_url(body, "compute")
        status, _, doc = http_call("GET", url + "/flavors/detail", headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        flavors = {f["name"]: f for f in doc["flavors"]}
        self.assertEqual(flavors["m1.small"]["vcpus"], 1)
        self.assertEqual(flavors["m1.medium"]["ram"], 4096)
        status, _, _ = http_call("GET", url + "/os-keypairs/demokey", headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        alt = self.tokens["alt_demo"][0]
        status, _, _ = http_call("GET", url + "/os-keypairs/demokey", headers={"X-Auth-Token": alt})
        self.assertEqual(status, 404)

    def test_neutron_external_network_and_project_private_network(self):
        tok, body = self.tokens["demo"]
        url = catalog_url(body, "network")
        status, _, doc = http_call("GET", url + "/v2.0/networks?router%3Aexternal=True",
                                   headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        self.assertIn("public", [n["name"] for n in doc["networks"]])
        status, _, _ = http_call("GET", url + "/v2.0/networks/" + self.env["networks"]["private"],
                                 headers={"X-Auth-Token": tok})
        self.assertEqual(status, 200)
        alt = self.tokens["alt_demo"][0]
        status, _, _ = http_call("GET", url + "/v2.0/networks/" + self.env["networks"]["private"],
                                 headers={"X-Auth-Token": alt})
        self.assertEqual(status, 404)


class RegisterCatalogTest(unittest.TestCase):
    """scripts/openstack/register-catalog.sh puts magnum (container-infra) in the catalog."""

    def test_register_and_move_the_endpoints(self):
        env = require_env(self)
        script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "openstack",
                              "register-catalog.sh")
        admin = env["users"]["admin"]
        os_env = dict(os.environ, OS_AUTH_URL=env["auth_url"], OS_IDENTITY_API_VERSION="3",
                      OS_USERNAME="admin", OS_PASSWORD=admin["password"],
                      OS_PROJECT_NAME="admin", OS_USER_DOMAIN_NAME="Default",
                      OS_PROJECT_DOMAIN_NAME="Default", OS_REGION_NAME=env["region"])
        url = "http://127.0.0.1:%d/v1" % (19000 + os.getpid() % 1000)
        out = subprocess.run([script, "--url", url, "--password",
                              env["users"]["magnum"]["password"]], env=os_env,
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        _, body = issue_token(env, "demo")
        self.assertEqual(catalog_url(body, "container-infra"), url)
        self.assertEqual(catalog_url(body, "container-infra", "internal"), url)
        # The service user still logs in with its password.
        issue_token(env, "magnum")


if __name__ == "__main__":
    unittest.main()
