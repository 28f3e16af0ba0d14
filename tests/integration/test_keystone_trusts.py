# ctest-labels: keystone
"""Per-cluster Keystone trusts against the real Keystone of the dev services: magnumd with
`auth_strategy = keystone`, [trust] (the seeded `magnum` domain and its admin) and the fake
test driver declaring that it uses a trust ([drivers] test_drivers_use_trust). A cluster
created as demo gets a trustee user in the magnum domain and a trust from demo on demo's
project (impersonation); the trust-scoped token works and carries the catalog; the API shows
none of it; the delete removes both. Without [trust] the create is refused with what to
configure and nothing is left in Keystone. The trust columns are read from magnumd's own
database (the API never shows them)."""
import unittest
import uuid

from harness import Magnumd
from keystone_support import http_call, issue_token, keystone_authtoken, require_env, \
    trust_config

TRUST_COLUMNS = ("trustee_username", "trustee_password", "trustee_user_id", "trust_id")


def magnumd_config(env, trust=True):
    cfg = {"DEFAULT": {"auth_strategy": "keystone"},
           "keystone_authtoken": keystone_authtoken(env),
           "drivers": {"test_drivers_use_trust": "true"}}
    if trust:
        cfg["trust"] = trust_config(env)
    return cfg


class TrustsCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        if "trust" not in cls.env:
            raise AssertionError("env.json has no trust domain: re-run scripts/openstack/start.sh")
        cls.demo, cls.demo_body = issue_token(cls.env, "demo")
        cls.admin, _ = issue_token(cls.env, "admin")
        cls.project = cls.env["projects"]["demo"]
        cls.tag = uuid.uuid4().hex[:8]
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        for m in cls.servers:
            m.cleanup()

    @classmethod
    def server(cls, trust):
        m = Magnumd(extra_config=magnumd_config(cls.env, trust)).start()
        cls.servers.append(m)
        return m

    def keystone(self, method, path, body=None, token=None):
        return http_call(method, self.env["auth_url"] + path, body,
                         headers={"X-Auth-Token": token or self.admin})

    def as_demo(self):
        return {"X-Auth-Token": self.demo}

    def make_cluster(self, m, name):
        r = m.post("/v1/clustertemplates", {"name": "t-" + name, "coe": "kubernetes",
                                            "image_id": "fake-image"}, headers=self.as_demo())
        self.assertEqual(r.status, 201, r.raw)
        r = m.post("/v1/clusters", {"name": name, "cluster_template_id": r.json["uuid"],
                                    "master_count": 1, "node_count": 1},
                   headers=self.as_demo())
        return r

    def row(self, m, cluster_uuid):
        rows = m.database.query("SELECT %s FROM cluster WHERE uuid = ?" %
                                ", ".join(TRUST_COLUMNS), (cluster_uuid,))
        return dict(zip(TRUST_COLUMNS, rows[0])) if rows else None

    def status(self, m, cluster_uuid):
        r = m.get("/v1/clusters/" + cluster_uuid, headers=self.as_demo())
        return r.json["status"] if r.status == 200 else r.status

    def trust_token(self, row):
        return http_call("POST", self.env["auth_url"] + "/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "id": row["trustee_user_id"], "password": row["trustee_password"]}}},
            "scope": {"OS-TRUST:trust": {"id": row["trust_id"]}}}})

    def test_cluster_trust_lifecycle(self):
        m = self.server(trust=True)
        r = self.make_cluster(m, "trusted-" + self.tag)
        self.assertEqual(r.status, 202, r.raw)
        cid = r.json["uuid"]
        m.wait_for(lambda: self.status(m, cid) == "CREATE_COMPLETE", timeout=60,
                   what="CREATE_COMPLETE")
        row = self.row(m, cid)
        self.assertEqual(row["trustee_username"], "%s_%s" % (cid, self.project))
        self.assertEqual(len(row["trustee_password"]), 32)
        self.assertTrue(row["trustee_password"].isalnum())

        # The trustee user, in the trustee domain.
        status, _, doc = self.keystone("GET", "/users/" + row["trustee_user_id"])
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["user"]["name"], row["trustee_username"])
        self.assertEqual(doc["user"]["domain_id"], self.env["trust"]["domain_id"])
        # The trust: demo on demo's project, impersonating, demo's roles.
        status, _, doc = self.keystone("GET", "/OS-TRUST/trusts/" + row["trust_id"])
        self.assertEqual(status, 200, doc)
        trust = doc["trust"]
        self.assertEqual(trust["trustor_user_id"], self.env["users"]["demo"]["id"])
        self.assertEqual(trust["trustee_user_id"], row["trustee_user_id"])
        self.assertEqual(trust["project_id"], self.project)
        self.assertIs(trust["impersonation"], True)
        self.assertIn("member", {role["name"] for role in trust["roles"]})

        # The trust-scoped token of the trustee acts as demo in demo's project.
        status, headers, doc = self.trust_token(row)
        self.assertEqual(status, 201, doc)
        token = doc["token"]
        self.assertEqual(token["user"]["id"], self.env["users"]["demo"]["id"])
        self.assertEqual(token["project"]["id"], self.project)
        self.assertEqual(token["OS-TRUST:trust"]["id"], row["trust_id"])
        types = {svc["type"] for svc in token["catalog"]}
        self.assertIn("identity", types)
        if "heat" in self.env:  # the heat service registered the orchestration entry
            self.assertIn("orchestration", types)
        # And it is a working token: Keystone validates it.
        status, _, _ = http_call("GET", self.env["auth_url"] + "/auth/tokens", headers={
            "X-Auth-Token": self.admin, "X-Subject-Token": headers["x-subject-token"]})
        self.assertEqual(status, 200)

        # Nothing of it through the API, nor in the log (the password, demo's token).
        for path in ("/v1/clusters/" + cid, "/v1/clusters/detail", "/v1/clusters/%s/events" % cid):
            r = m.get(path, headers=self.as_demo())
            self.assertEqual(r.status, 200, r.raw)
            for secret in (row["trustee_password"], row["trust_id"], row["trustee_user_id"]):
                self.assertNotIn(secret, r.raw, path)
        log = m.log()
        self.assertNotIn(row["trustee_password"], log)
        self.assertNotIn(self.demo, log)

        # The delete removes the trust and the trustee user.
        r = m.delete("/v1/clusters/" + cid, headers=self.as_demo())
        self.assertEqual(r.status, 204, r.raw)
        m.wait_for(lambda: self.status(m, cid) == 404, timeout=60, what="cluster gone")
        status, _, _ = self.keystone("GET", "/users/" + row["trustee_user_id"])
        self.assertEqual(status, 404)
        status, _, _ = self.keystone("GET", "/OS-TRUST/trusts/" + row["trust_id"])
        self.assertEqual(status, 404)
        status, _, _ = self.trust_token(row)
        self.assertEqual(status, 401)

    def test_create_without_trust_config_is_refused(self):
        m = self.server(trust=False)
        name = "untrusted-" + self.tag
        r = self.make_cluster(m, name)
        self.assertEqual(r.status, 400, r.raw)
        detail = r.error_detail()
        self.assertIn("Keystone trust", detail)
        self.assertIn("[trust] options trustee_domain_id", detail)
        # The row: a visible, deletable record of why; no trust written.
        r = m.get("/v1/clusters/" + name, headers=self.as_demo())
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json["status"], "CREATE_FAILED")
        cid = r.json["uuid"]
        self.assertEqual(self.row(m, cid), dict.fromkeys(TRUST_COLUMNS))
        # No trustee user in Keystone.
        status, _, doc = self.keystone("GET", "/users?domain_id=%s&name=%s_%s" % (
            self.env["trust"]["domain_id"], cid, self.project))
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["users"], [])
        r = m.delete("/v1/clusters/" + cid, headers=self.as_demo())
        self.assertEqual(r.status, 204, r.raw)
        m.wait_for(lambda: self.status(m, cid) == 404, timeout=60, what="cluster gone")


if __name__ == "__main__":
    unittest.main()
