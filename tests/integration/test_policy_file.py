"""[oslo_policy] policy_file: an operator's YAML/JSON rules replace the built-in defaults of
the same name (docs/configuration.md "Policy"); a broken or missing set file stops startup."""
import json
import os
import unittest

from harness import Magnumd, template_body
from cluster_fixtures import ADMIN, ALICE, READER

DENIED = "Policy doesn't allow clustertemplate:create to be performed."


def server_with_policy(filename, text, set_option=True):
    """A magnumd whose state dir (beside its config file) holds `filename` with `text`."""
    m = Magnumd(extra_config={"oslo_policy": {"policy_file": filename}} if set_option else None)
    with open(os.path.join(m.dir, filename), "w") as f:
        f.write(text)
    return m


class PolicyFileTest(unittest.TestCase):
    def create(self, m, headers, name):
        return m.post("/v1/clustertemplates", template_body(name=name), headers=headers)

    def test_file_denies_members_and_admin_still_works(self):
        m = server_with_policy("admin-only.yaml",
                               "# template creation is for admins here\n"
                               "\"clustertemplate:create\": \"rule:context_is_admin\"\n")
        try:
            m.start()
            r = self.create(m, ALICE, "by-member")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_detail(), DENIED)
            self.assertEqual(self.create(m, ADMIN, "by-admin").status, 201)
            # Rules the file does not name keep their defaults.
            self.assertEqual(m.get("/v1/clustertemplates", headers=ALICE).status, 200)
            self.assertEqual(m.get("/v1/quotas", headers=ALICE).status, 403)
        finally:
            m.cleanup()

    def test_default_policy_yaml_beside_the_config_lets_readers_create(self):
        # Not set: the default name policy.yaml is found beside the config file.
        m = server_with_policy(
            "policy.yaml",
            "clustertemplate:create: \"role:reader and project_id:%(project_id)s\"\n",
            set_option=False)
        try:
            m.start()
            r = self.create(m, READER, "by-reader")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["project_id"], "p-alice")
        finally:
            m.cleanup()

    def test_json_file(self):
        m = server_with_policy("policy.json", json.dumps({"clustertemplate:create": "!"}))
        try:
            m.start()
            r = self.create(m, ADMIN, "never")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_detail(), DENIED)
        finally:
            m.cleanup()

    def test_without_a_file_the_defaults_apply(self):
        with Magnumd() as m:
            r = self.create(m, READER, "by-reader")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_detail(), DENIED)
            self.assertEqual(self.create(m, ALICE, "by-member").status, 201)

    def test_broken_file_stops_startup_naming_file_line_and_rule(self):
        m = server_with_policy("policy.yaml",
                               "cluster:get: \"@\"\n"
                               "clustertemplate:create: \"role:admin or\"\n")
        try:
            with self.assertRaises(RuntimeError) as cm:
                m.start()
            self.assertIn("policy.yaml:2: rule 'clustertemplate:create'", str(cm.exception))
            self.assertFalse(m.running())
            if m.proc is not None:  # one magnumd (not the multi-node layout)
                self.assertNotEqual(m.proc.returncode, 0)
        finally:
            m.cleanup()

    def test_missing_set_file_stops_startup(self):
        m = Magnumd(extra_config={"oslo_policy": {"policy_file": "does-not-exist.yaml"}})
        try:
            with self.assertRaises(RuntimeError) as cm:
                m.start()
            self.assertIn("[oslo_policy] policy_file does-not-exist.yaml not found",
                          str(cm.exception))
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
