# ctest-labels: keystone
"""The dashboard's same-origin Keystone sign-in (POST and DELETE /dashboard/session) on a
magnumd with `auth_strategy = keystone` against the real Keystone of the dev services: the
demo user signs in and the token works on the API, wrong credentials are 401 in the API's
error format, malformed bodies 400 and other media types 415, sign-out revokes the token in
Keystone (and the API refuses it at once, despite its token cache), an unreachable Keystone
is 503, neither password nor token reaches the log; without Keystone the route is unknown."""
import datetime
import unittest

from harness import Magnumd, free_port
from keystone_support import (http_call, issue_token, keystone_mode, require_env)

WRONG = "The username, password or project is wrong."


class DashboardKeystoneSessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.m = Magnumd(extra_config=keystone_mode(cls.env)).start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def sign_in(self, **overrides):
        demo = self.env["users"]["demo"]
        body = {"username": "demo", "password": demo["password"], "project_name": demo["project"]}
        body.update(overrides)
        return self.m.post("/dashboard/session", body={k: v for k, v in body.items()
                                                        if v is not None}, version=None)

    def sign_out(self, token):
        headers = {"X-Auth-Token": token} if token else {}
        return self.m.delete("/dashboard/session", version=None, headers=headers)

    def templates(self, token):
        return self.m.get("/v1/clustertemplates", headers={"X-Auth-Token": token})

    def test_demo_signs_in_and_the_token_works(self):
        r = self.sign_in()
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        doc = r.json
        self.assertEqual(set(doc), {"token", "expires_at", "user", "project", "roles"})
        self.assertEqual(doc["user"], {"id": self.env["users"]["demo"]["id"], "name": "demo"})
        self.assertEqual(doc["project"], {"id": self.env["projects"]["demo"],
                                          "name": self.env["users"]["demo"]["project"]})
        self.assertIn("member", doc["roles"])
        expires = datetime.datetime.strptime(doc["expires_at"][:19], "%Y-%m-%dT%H:%M:%S")
        self.assertGreater(expires, datetime.datetime.utcnow())
        # A real Keystone token of demo's project: the API takes it.
        listed = self.templates(doc["token"])
        self.assertEqual(listed.status, 200, listed)
        self.assertIn("clustertemplates", listed.json)
        # Neither the password nor the token is logged.
        log = self.m.log()
        self.assertNotIn(self.env["users"]["demo"]["password"], log)
        self.assertNotIn(doc["token"], log)

    def test_sign_in_by_project_id_and_explicit_domains(self):
        r = self.sign_in(project_name=None, project_id=self.env["projects"]["demo"],
                         user_domain_name="Default")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["project"]["id"], self.env["projects"]["demo"])
        r = self.sign_in(user_domain_name="Default", project_domain_name="Default")
        self.assertEqual(r.status, 201, r)

    def test_wrong_credentials_are_401(self):
        for overrides in ({"password": "not-the-password"}, {"username": "no-such-user"},
                          {"project_name": "no-such-project"},
                          # demo has no role on alt_demo's project
                          {"project_name": self.env["users"]["alt_demo"]["project"]}):
            r = self.sign_in(**overrides)
            self.assertEqual(r.status, 401, (overrides, r))
            self.assertEqual(r.error_detail(), WRONG)
            self.assertEqual(r.json["errors"][0]["status"], 401)
            self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertNotIn("not-the-password", self.m.log())

    def test_missing_or_malformed_fields_are_400(self):
        for body, words in (({"username": "demo", "project_name": "demo"}, "password is required"),
                            ({"password": "x", "project_name": "demo"}, "username is required"),
                            ({"username": "demo", "password": "x"}, "project_name"),
                            ({"username": "demo", "password": 5, "project_name": "demo"},
                             "must be a string"),
                            ([], "not a JSON object")):
            r = self.m.post("/dashboard/session", body=body, version=None)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(words, r.error_detail())
        r = self.m.request("POST", "/dashboard/session", raw_body="{not json", version=None)
        self.assertEqual(r.status, 400, r)
        r = self.m.request("POST", "/dashboard/session", version=None)  # no body at all
        self.assertEqual(r.status, 400, r)

    def test_other_content_types_are_refused(self):
        demo = self.env["users"]["demo"]
        form = "username=demo&password=%s&project_name=%s" % (demo["password"], demo["project"])
        for ctype in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
            r = self.m.request("POST", "/dashboard/session", raw_body=form, version=None,
                               headers={"Content-Type": ctype})
            # The API's media type check (every body must be application/json) answers
            # before the route: what a cross-site form post gets.
            self.assertEqual(r.status, 415, (ctype, r))
            self.assertIn("application/json", r.error_detail())

    def test_sign_out_revokes_the_token(self):
        r = self.sign_in()
        self.assertEqual(r.status, 201, r)
        token = r.json["token"]
        self.assertEqual(self.templates(token).status, 200)  # now in the API's token cache
        out = self.sign_out(token)
        self.assertEqual(out.status, 204, out)
        self.assertEqual(out.raw, "")
        after = self.templates(token)
        self.assertEqual(after.status, 401, after)
        # Revoked in Keystone itself, not only refused by this API.
        admin, _ = issue_token(self.env, "admin")
        status, _, _ = http_call("GET", self.env["auth_url"] + "/auth/tokens",
                                 headers={"X-Auth-Token": admin, "X-Subject-Token": token})
        self.assertEqual(status, 404)
        # Signing out again (the token is already gone) still succeeds.
        self.assertEqual(self.sign_out(token).status, 204)

    def test_sign_out_needs_a_token(self):
        r = self.sign_out(None)
        self.assertEqual(r.status, 401, r)

    def test_other_methods_are_405(self):
        r = self.m.request("PUT", "/dashboard/session", body={}, version=None)
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "POST, DELETE")


class DashboardSignInThrottleTest(unittest.TestCase):
    """Refused sign-ins are counted per address and per user in each API process (a magnumd
    of its own here: the other classes sign in from the same address)."""

    def test_the_sixth_refused_sign_in_within_a_minute_is_429(self):
        env = require_env(self)
        demo = env["users"]["demo"]
        with Magnumd(extra_config=keystone_mode(env)) as m:
            def sign_in(user, password):
                return m.post("/dashboard/session", body={
                    "username": user, "password": password, "project_name": demo["project"]},
                    version=None)
            for i in range(5):
                r = sign_in("no-such-user", "guess-%d" % i)
                self.assertEqual(r.status, 401, (i, r))
            r = sign_in("no-such-user", "guess-5")
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.json["errors"][0]["status"], 429)
            self.assertIn("Too many failed sign-ins", r.error_detail())
            self.assertTrue(1 <= int(r.header("Retry-After")) <= 60, r.header("Retry-After"))
            # The address is throttled too: even demo's right password is not tried now.
            self.assertEqual(sign_in("demo", demo["password"]).status, 429)
            self.assertIn("throttled", m.log())
            self.assertNotIn("guess-", m.log())


class DashboardSessionWithoutKeystoneTest(unittest.TestCase):
    def test_noauth_has_no_session_route(self):
        with Magnumd() as m:
            r = m.post("/dashboard/session", body={"username": "demo", "password": "x",
                                                   "project_name": "demo"}, version=None)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(m.delete("/dashboard/session", version=None,
                                      headers={"X-Auth-Token": "t"}).status, 404)

    def test_unreachable_keystone_is_503(self):
        env = require_env(self)
        base = "http://127.0.0.1:%d" % free_port()  # nothing listens there
        with Magnumd(extra_config=keystone_mode(env, auth_url=base,
                                                  www_authenticate_uri=base)) as m:
            r = m.post("/dashboard/session", body={"username": "demo", "password": "x",
                                                   "project_name": "demo"}, version=None)
            self.assertEqual(r.status, 503, r)
            self.assertIn("Keystone", r.error_detail())
            self.assertEqual(r.header("Cache-Control"), "no-store")


if __name__ == "__main__":
    unittest.main()
