# ctest-labels: keystone
"""magnumd with `auth_strategy = keystone` against the real Keystone of the dev services:
tokens of the demo users accepted with their Keystone identity, missing, garbage, revoked
and expired tokens refused with 401, forged identity headers ignored, Keystone unreachable
or refusing the service user answered with 503 (never allowed), and the version documents
and healthcheck free of tokens."""
import os
import time
import unittest

from harness import Magnumd, free_port, template_body
from keystone_support import (STATE, http_call, issue_token, keystone_authtoken, keystone_mode,
                              require_env, short_lived_token, sleep_past)


class KeystoneAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.m = Magnumd(extra_config=keystone_mode(cls.env)).start()
        cls.demo, cls.demo_body = issue_token(cls.env, "demo")
        cls.alt, _ = issue_token(cls.env, "alt_demo")

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertUnauthorized(self, r):
        self.assertEqual(r.status, 401, r)
        www = r.header("WWW-Authenticate")
        self.assertIsNotNone(www)
        self.assertEqual(www, 'Keystone uri="%s"' % keystone_authtoken(self.env)[
            "www_authenticate_uri"])

    def test_version_documents_and_healthcheck_need_no_token(self):
        for path in ("/", "/v1", "/healthcheck"):
            r = self.m.get(path)
            self.assertEqual(r.status, 200, (path, r))

    def test_missing_token_is_401(self):
        self.assertUnauthorized(self.m.get("/v1/clustertemplates"))

    def test_garbage_tokens_are_401(self):
        for tok in ("garbage", "gAAAAABnot-a-real-fernet-token", "x" * 4000):
            self.assertUnauthorized(self.m.get("/v1/clustertemplates",
                                               headers={"X-Auth-Token": tok}))

    def test_forged_identity_headers_without_token_are_401(self):
        r = self.m.get("/v1/clustertemplates", headers={
            "X-Project-Id": self.env["projects"]["admin"], "X-Roles": "admin",
            "X-User-Id": "admin"})
        self.assertUnauthorized(r)

    def test_valid_token_acts_as_its_keystone_project(self):
        r = self.m.post("/v1/clustertemplates", body=template_body(name="demo-tpl"),
                        headers={"X-Auth-Token": self.demo,
                                 # forged: must be ignored in keystone mode
                                 "X-Project-Id": self.env["projects"]["alt_demo"],
                                 "X-Roles": "admin"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["project_id"], self.env["projects"]["demo"])
        self.assertEqual(r.json["user_id"], self.env["users"]["demo"]["id"])
        uuid = r.json["uuid"]
        r = self.m.get("/v1/clustertemplates/" + uuid, headers={"X-Auth-Token": self.demo})
        self.assertEqual(r.status, 200, r)
        # Another project does not see demo's private template.
        r = self.m.get("/v1/clustertemplates/" + uuid, headers={"X-Auth-Token": self.alt})
        self.assertEqual(r.status, 404, r)
        listed = self.m.get("/v1/clustertemplates", headers={"X-Auth-Token": self.alt})
        self.assertEqual(listed.status, 200, listed)
        self.assertNotIn(uuid, [t["uuid"] for t in listed.json["clustertemplates"]])
        self.assertEqual(self.m.delete("/v1/clustertemplates/" + uuid,
                                       headers={"X-Auth-Token": self.demo}).status, 204)

    def test_member_forging_admin_role_is_not_admin(self):
        # /v1/mservices is admin-only upstream (admin_api).
        r = self.m.get("/v1/mservices", headers={"X-Auth-Token": self.demo, "X-Roles": "admin"})
        self.assertEqual(r.status, 403, r)

    def test_cached_token_makes_no_keystone_round_trip(self):
        # Counted on Keystone's side: its uwsgi request log has a line per validation.
        log = os.path.join(STATE, "keystone", "keystone.log")

        def validations():
            with open(log, errors="replace") as f:
                return sum(1 for line in f if "GET /v3/auth/tokens " in line)

        def settled():  # uwsgi writes the line just after answering
            last = validations()
            for _ in range(20):
                time.sleep(0.1)
                now = validations()
                if now == last:
                    return now
                last = now
            return last

        tok, _ = issue_token(self.env, "demo")
        before = settled()
        self.assertEqual(self.m.get("/v1/clustertemplates",
                                    headers={"X-Auth-Token": tok}).status, 200)
        first = settled()
        self.assertEqual(first, before + 1)
        for _ in range(25):
            self.assertEqual(self.m.get("/v1/clustertemplates",
                                        headers={"X-Auth-Token": tok}).status, 200)
        self.assertEqual(settled(), first)

    def test_revoked_token_is_401(self):
        tok, _ = issue_token(self.env, "demo")
        status, _, _ = http_call("DELETE", self.env["auth_url"] + "/auth/tokens",
                                 headers={"X-Auth-Token": tok, "X-Subject-Token": tok})
        self.assertEqual(status, 204)
        self.assertUnauthorized(self.m.get("/v1/clustertemplates", headers={"X-Auth-Token": tok}))

    def test_expired_token_is_401(self):
        # An application credential that expires in a few seconds caps its tokens' expiry.
        tok, expires = short_lived_token(self.env, self.demo)
        r = self.m.get("/v1/clustertemplates", headers={"X-Auth-Token": tok})
        self.assertEqual(r.status, 200, r)  # valid now (and cached no longer than its life)
        sleep_past(expires)
        self.assertUnauthorized(self.m.get("/v1/clustertemplates", headers={"X-Auth-Token": tok}))


class KeystoneUnavailableTest(unittest.TestCase):
    """Never allow when Keystone cannot be asked: 503 with a message naming it."""

    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)

    def check_503(self, config):
        with Magnumd(extra_config=config) as m:
            tok, _ = issue_token(self.env, "demo")
            r = m.get("/v1/clustertemplates", headers={"X-Auth-Token": tok})
            self.assertEqual(r.status, 503, r)
            self.assertIn("Keystone", r.raw)
            # Only a 401 asks the client to authenticate.
            self.assertIsNone(r.header("WWW-Authenticate"))
            self.assertEqual(m.get("/healthcheck").status, 200)

    def test_keystone_unreachable_is_503(self):
        url = "http://127.0.0.1:%d" % free_port()
        self.check_503(keystone_mode(self.env, auth_url=url, www_authenticate_uri=url,
                                       http_connect_timeout="2"))

    def test_service_user_refused_is_503(self):
        self.check_503(keystone_mode(self.env, password="wrong-password"))


class KeystoneConfigTest(unittest.TestCase):
    def test_keystone_without_credentials_refuses_to_start(self):
        m = Magnumd(extra_config={"DEFAULT": {"auth_strategy": "keystone"},
                                  "keystone_authtoken": {"auth_url": "http://127.0.0.1:5000"}})
        try:
            with self.assertRaises(RuntimeError) as cm:
                m.start(timeout=10)
            self.assertIn("keystone_authtoken", str(cm.exception))
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
