# ctest-labels: lifecycle
"""magnumctl (the native client, docs/cli.md) against magnumd with the fake driver, as a
user runs it: the endpoint and identity from the environment or clouds.yaml, templates and
clusters created, waited for, listed, resized, shown and deleted, output in table, JSON and
YAML read back, the API's refusals printed verbatim, containers answering whatever the
server says, cluster-config's files, and the bash completion script in a real bash."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from harness import Magnumd, binary
from cluster_fixtures import (ADMIN, ALICE, FAST_CERTS, create_cluster, create_template,
                              delete_cluster)

TIMEOUT = 120


def table_rows(text):
    """The cells of an ASCII table's rows (header first), borders dropped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def field_table(text):
    """A Field/Value table as a dict."""
    rows = table_rows(text)
    assert rows and rows[0] == ["Field", "Value"], text
    return {r[0]: r[1] for r in rows[1:]}


class MagnumctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS).start()
        cls.home = tempfile.mkdtemp(prefix="magnumctl-home-")
        cls.url = "http://127.0.0.1:%d" % cls.m.port
        cls.template = "tmpl-" + uuid.uuid4().hex[:8]
        r = cls.ctl_cls(["cluster-template-create", cls.template, "--coe", "kubernetes",
                         "--image", "fake-image", "--external-network", "public",
                         "--flavor", "m1.small", "--master-flavor", "m1.medium",
                         "--labels", "fake_delay_ms=50,kube_tag=v1.30.1"])
        assert r.returncode == 0, r
        cls.template_fields = field_table(r.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()
        shutil.rmtree(cls.home, ignore_errors=True)

    @classmethod
    def base_env(cls, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": cls.home,
               "MAGNUM_URL": cls.url, "OS_PROJECT_ID": ALICE["X-Project-Id"],
               "OS_USER_ID": ALICE["X-User-Id"], "OS_ROLES": ALICE["X-Roles"]}
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    @classmethod
    def ctl_cls(cls, args, env=None, cwd=None):
        return subprocess.run([binary("magnumctl")] + args, env=env or cls.base_env(),
                              cwd=cwd or cls.home, capture_output=True, text=True,
                              timeout=TIMEOUT)

    def ctl(self, *args, env=None, cwd=None, rc=0):
        r = self.ctl_cls(list(args), env=env, cwd=cwd)
        if rc is not None:
            self.assertEqual(r.returncode, rc, "magnumctl %s\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), r.stdout, r.stderr))
        return r

    def api_error(self, method, path, body=None, headers=ALICE):
        resp = self.m.request(method, path, body, headers=headers)
        self.assertGreaterEqual(resp.status, 400, resp)
        return "ERROR: %s (HTTP %d)\n" % (resp.error_detail(), resp.status)

    def create_cluster(self, *extra):
        name = "c" + uuid.uuid4().hex[:8]
        r = self.ctl("cluster-create", name, "--cluster-template", self.template,
                     "--master-count", "1", "--node-count", "2", "--wait",
                     "--wait-interval", "0.1", *extra)
        return name, r

    def test_cluster_lifecycle_with_wait(self):
        self.assertEqual(self.template_fields["name"], self.template)
        self.assertEqual(self.template_fields["coe"], "kubernetes")
        self.assertEqual(json.loads(self.template_fields["labels"]),
                         {"fake_delay_ms": "50", "kube_tag": "v1.30.1"})

        name, r = self.create_cluster()
        shown = field_table(r.stdout)
        self.assertEqual(shown["status"], "CREATE_COMPLETE")
        self.assertEqual(shown["node_count"], "2")
        # The progress: one plain line per change (stderr is a pipe), the events' messages,
        # then the final status.
        lines = r.stderr.splitlines()
        self.assertEqual(lines[0], "Request to create cluster %s accepted" % shown["uuid"])
        # Every event of the operation has its line: each node started, in order of id.
        for node in ("default-master-0", "default-worker-0", "default-worker-1"):
            self.assertEqual(len([l for l in lines if l.startswith("CREATE_IN_PROGRESS ") and
                                  l.endswith("node: node started (%s-%s)" % (name, node))]),
                             1, r.stderr)
        self.assertRegex(lines[-2], r"^CREATE_COMPLETE 100% \d+s")
        self.assertEqual(lines[-1], "cluster %s CREATE_COMPLETE" % name)
        api = self.m.get("/v1/clusters/" + name, headers=ALICE).json
        self.assertEqual(api["status"], "CREATE_COMPLETE")
        self.assertEqual(api["uuid"], shown["uuid"])

        # list: the table, and JSON parsed back.
        rows = table_rows(self.ctl("cluster-list").stdout)
        self.assertEqual(rows[0], ["uuid", "name", "keypair", "node_count", "master_count",
                                   "status", "health_status"])
        row = [r for r in rows[1:] if r[1] == name]
        self.assertEqual(len(row), 1, rows)
        self.assertEqual(row[0][0], api["uuid"])
        self.assertEqual(row[0][5], "CREATE_COMPLETE")
        listed = json.loads(self.ctl("cluster-list", "-f", "json").stdout)
        mine = [c for c in listed if c["name"] == name]
        self.assertEqual(mine[0]["uuid"], api["uuid"])
        self.assertEqual(mine[0]["node_count"], 2)

        # resize with --wait, JSON output of the chosen fields.
        r = self.ctl("cluster-resize", name, "3", "--wait", "--wait-interval", "0.1",
                     "-f", "json", "-c", "node_count", "-c", "status")
        self.assertEqual(json.loads(r.stdout), {"node_count": 3, "status": "UPDATE_COMPLETE"})
        self.assertIn("Request to resize cluster %s has been accepted." % api["uuid"], r.stderr)
        self.assertTrue(r.stderr.endswith("cluster %s UPDATE_COMPLETE\n" % name), r.stderr)
        api = self.m.get("/v1/clusters/" + name, headers=ALICE).json
        self.assertEqual(api["node_count"], 3)
        self.assertEqual(len(api["node_addresses"]), 3)

        # show in YAML and JSON: the same document as the API's.
        y = self.ctl("cluster-show", name, "-f", "yaml").stdout
        self.assertIn("\nstatus: UPDATE_COMPLETE\n", "\n" + y)
        self.assertIn("\nnode_count: 3\n", "\n" + y)
        self.assertIn("\nlabels:\n  fake_delay_ms: \"50\"\n", "\n" + y)
        shown = json.loads(self.ctl("cluster-show", name, "-f", "json").stdout)
        self.assertEqual(set(shown), set(api))
        for k in ("uuid", "name", "node_count", "master_count", "status", "labels",
                  "node_addresses", "cluster_template_id", "project_id"):
            self.assertEqual(shown[k], api[k], k)

        ngs = json.loads(self.ctl("nodegroup-list", name, "-f", "json").stdout)
        self.assertEqual(sorted((n["name"], n["node_count"]) for n in ngs),
                         [("default-master", 1), ("default-worker", 3)])

        # update through a JSON patch (node_count back to 1), waited for.
        r = self.ctl("cluster-update", name, "replace", "node_count=1", "--wait",
                     "--wait-interval", "0.1", "-f", "json")
        self.assertEqual(json.loads(r.stdout)["node_count"], 1)
        self.assertEqual(self.m.get("/v1/clusters/" + name, headers=ALICE).json["node_count"], 1)

        r = self.ctl("cluster-delete", name, "--wait", "--wait-interval", "0.1")
        self.assertIn("Request to delete cluster %s has been accepted." % name, r.stderr)
        self.assertTrue(r.stderr.endswith("cluster %s deleted\n" % name), r.stderr)
        self.assertEqual(self.m.get("/v1/clusters/" + name, headers=ALICE).status, 404)

    def test_template_update_and_delete(self):
        name = "upd-" + uuid.uuid4().hex[:8]
        self.ctl("cluster-template-create", "--name", name, "--coe", "kubernetes", "--image",
                 "fake-image", "--external-network", "public", "--labels", "a=0")
        r = self.ctl("cluster-template-update", name, "replace", "labels=a=1,b=x,y",
                     "docker_volume_size=5", "-f", "json")
        shown = json.loads(r.stdout)
        self.assertEqual(shown["labels"], {"a": "1", "b": "x,y"})
        self.assertEqual(shown["docker_volume_size"], 5)
        api = self.m.get("/v1/clustertemplates/" + name, headers=ALICE).json
        self.assertEqual(api["labels"], {"a": "1", "b": "x,y"})
        r = self.ctl("cluster-template-update", name, "remove", "docker_volume_size", "-f",
                     "yaml", "-c", "docker_volume_size")
        self.assertEqual(r.stdout, "docker_volume_size: null\n")
        r = self.ctl("cluster-template-delete", name, "nope-" + uuid.uuid4().hex[:6], rc=1)
        self.assertIn("Request to delete cluster template %s has been accepted." % name,
                      r.stderr)
        self.assertIn("ERROR: cluster template nope-", r.stderr)
        self.assertEqual(self.m.get("/v1/clustertemplates/" + name, headers=ALICE).status, 404)

    def test_failed_create_ends_with_the_reason_and_exit_1(self):
        name = "f" + uuid.uuid4().hex[:8]
        r = self.ctl("cluster-create", name, "--cluster-template", self.template,
                     "--labels", "fake_fail=create:node", "--wait", "--wait-interval", "0.1",
                     rc=1)
        api = self.m.get("/v1/clusters/" + name, headers=ALICE).json
        self.assertEqual(api["status"], "CREATE_FAILED")
        self.assertTrue(api["status_reason"])
        self.assertTrue(r.stderr.endswith("ERROR: cluster %s CREATE_FAILED: %s\n" % (
            name, api["status_reason"])), r.stderr)
        self.ctl("cluster-delete", name, "--wait", "--wait-interval", "0.1")

    def test_refused_requests_print_the_api_message_verbatim(self):
        body = {"name": "x", "cluster_template_id": "no-such-template", "node_count": 1,
                "master_count": 1}
        want = self.api_error("POST", "/v1/clusters", body)
        r = self.ctl("cluster-create", "x", "--cluster-template", "no-such-template",
                     "--node-count", "1", "--master-count", "1", rc=1)
        self.assertEqual(r.stderr, want)
        self.assertEqual(r.stdout, "")
        # A policy refusal: a reader may not create templates.
        reader = self.base_env(OS_ROLES="reader")
        want = self.api_error("POST", "/v1/clustertemplates",
                              {"name": "r", "coe": "kubernetes", "image_id": "fake-image",
                               "external_network_id": "public"},
                              headers=dict(ALICE, **{"X-Roles": "reader"}))
        r = self.ctl("cluster-template-create", "r", "--coe", "kubernetes", "--image",
                     "fake-image", "--external-network", "public", env=reader, rc=1)
        self.assertEqual(r.stderr, want)
        r = self.ctl("cluster-show", "nope-" + uuid.uuid4().hex[:6], rc=1)
        self.assertRegex(r.stderr, r"^ERROR: .+ \(HTTP 404\)\n$")

    def test_usage_errors_and_missing_configuration(self):
        r = self.ctl("cluster-list", env=self.base_env(MAGNUM_URL=None), rc=1)
        self.assertTrue(r.stderr.startswith(
            "ERROR: no Magnum endpoint or credentials configured"), r.stderr)
        self.assertIn("OS_CLOUD", r.stderr)
        r = self.ctl("cluster-list", "--format", "xml", rc=2)
        self.assertIn("--format takes table, json or yaml", r.stderr)
        r = self.ctl("cluster-frob", rc=2)
        self.assertIn("unknown command 'cluster-frob'", r.stderr)
        r = self.ctl("cluster-list", env=self.base_env(MAGNUM_URL="http://127.0.0.1:1"), rc=1)
        self.assertIn("cannot be reached", r.stderr)

    def test_clouds_yaml_and_endpoint_spellings(self):
        cwd = tempfile.mkdtemp(prefix="magnumctl-cwd-")
        self.addCleanup(shutil.rmtree, cwd, True)
        with open(os.path.join(cwd, "clouds.yaml"), "w") as f:
            f.write("clouds:\n  embedded:\n    auth_type: none\n    auth:\n"
                    "      endpoint: %s/v1\n      project_id: %s\n" % (
                        self.url, ALICE["X-Project-Id"]))
        env = self.base_env(MAGNUM_URL=None, OS_CLOUD="embedded")
        rows = table_rows(self.ctl("cluster-template-list", env=env, cwd=cwd).stdout)
        self.assertIn(self.template, [r[1] for r in rows[1:]])
        # The cloud is unknown elsewhere: the message names the files searched.
        r = self.ctl("cluster-template-list", "--os-cloud", "other", env=env, cwd=cwd, rc=1)
        self.assertIn("cloud 'other' not found in clouds.yaml", r.stderr)
        for var in ("OS_ENDPOINT_OVERRIDE", "BYPASS_URL", "OS_ENDPOINT"):
            env = self.base_env(MAGNUM_URL=None, **{var: self.url + "/v1/"})
            rows = table_rows(self.ctl("cluster-template-list", env=env).stdout)
            self.assertIn(self.template, [r[1] for r in rows[1:]], var)
        # Another project sees none of Alice's templates.
        env = self.base_env(OS_PROJECT_ID="p-other-" + uuid.uuid4().hex[:6])
        listed = json.loads(self.ctl("cluster-template-list", "-f", "json", env=env).stdout)
        self.assertNotIn(self.template, [t["name"] for t in listed])

    def test_legacy_bay_commands(self):
        rows = table_rows(self.ctl("baymodel-list").stdout)
        self.assertEqual(rows[0], ["uuid", "name"])
        self.assertIn(self.template, [r[1] for r in rows[1:]])
        name = "b" + uuid.uuid4().hex[:8]
        r = self.ctl("bay-create", name, "--baymodel", self.template, "--node-count", "1",
                     "--wait", "--wait-interval", "0.1")
        self.assertEqual(field_table(r.stdout)["status"], "CREATE_COMPLETE")
        bay = field_table(self.ctl("bay-show", name).stdout)
        self.assertEqual(bay["name"], name)
        self.assertIn("baymodel_id", bay)
        rows = table_rows(self.ctl("bay-list").stdout)
        self.assertIn(name, [r[1] for r in rows[1:]])
        self.ctl("bay-delete", name, "--wait", "--wait-interval", "0.1")
        self.assertEqual(self.m.get("/v1/clusters/" + name, headers=ALICE).status, 404)

    def test_cluster_config_writes_a_kubeconfig(self):
        name, _ = self.create_cluster()
        self.addCleanup(self.ctl, "cluster-delete", name, rc=None)
        out = tempfile.mkdtemp(prefix="magnumctl-config-")
        self.addCleanup(shutil.rmtree, out, True)
        r = self.ctl("cluster-config", name, "--dir", out, "--shell", "/bin/bash")
        self.assertEqual(r.stdout, "export KUBECONFIG=%s/config\n" % os.path.realpath(out))
        with open(os.path.join(out, "config")) as f:
            config = f.read()
        self.assertEqual(os.stat(os.path.join(out, "config")).st_mode & 0o777, 0o600)
        api = self.m.get("/v1/clusters/" + name, headers=ALICE).json
        ca = self.m.get("/v1/certificates/" + api["uuid"], headers=ALICE).json["pem"]
        ca_line = [l for l in config.splitlines() if "certificate-authority-data:" in l][0]
        self.assertEqual(base64.b64decode(ca_line.split(":", 1)[1].strip()).decode().strip(),
                         ca.strip())
        self.assertIn('server: "%s"' % api["api_address"], config)
        cert_line = [l for l in config.splitlines() if "client-certificate-data:" in l][0]
        cert = base64.b64decode(cert_line.split(":", 1)[1].strip()).decode()
        self.assertTrue(cert.startswith("-----BEGIN CERTIFICATE-----"), cert)
        # The certificate Magnum signed verifies against the cluster's CA.
        with open(os.path.join(out, "ca.check"), "w") as f:
            f.write(ca)
        with open(os.path.join(out, "cert.check"), "w") as f:
            f.write(cert)
        v = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(out, "ca.check"),
                            os.path.join(out, "cert.check")], capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # Files are not replaced without --force; csh syntax on request; certificate files.
        r = self.ctl("cluster-config", name, "--dir", out, rc=1)
        self.assertIn("config exists; pass --force to overwrite it", r.stderr)
        r = self.ctl("cluster-config", name, "--dir", out, "--force", "--output-certs",
                     "--shell", "/bin/tcsh")
        self.assertEqual(r.stdout, "setenv KUBECONFIG %s/config\n" % os.path.realpath(out))
        for f in ("ca.pem", "cert.pem", "key.pem"):
            self.assertTrue(os.path.exists(os.path.join(out, f)), f)
        self.assertEqual(os.stat(os.path.join(out, "key.pem")).st_mode & 0o777, 0o600)

    def test_cluster_config_for_swarm_mode(self):
        template = "swarm-" + uuid.uuid4().hex[:8]
        self.ctl("cluster-template-create", template, "--coe", "swarm-mode", "--image",
                 "fake-image", "--external-network", "public")
        name = "s" + uuid.uuid4().hex[:8]
        self.ctl("cluster-create", name, "--cluster-template", template, "--wait",
                 "--wait-interval", "0.1")
        self.addCleanup(self.ctl, "cluster-delete", name, rc=None)
        out = tempfile.mkdtemp(prefix="magnumctl-swarm-")
        self.addCleanup(shutil.rmtree, out, True)
        target = os.path.join(out, "certs")  # created by the command
        api = self.m.get("/v1/clusters/" + name, headers=ALICE).json
        r = self.ctl("cluster-config", name, "--dir", target, env=self.base_env(SHELL="/bin/sh"))
        self.assertEqual(r.stdout, "export DOCKER_HOST=%s\nexport DOCKER_CERT_PATH=%s\n"
                         "export DOCKER_TLS_VERIFY=True\n" % (api["api_address"],
                                                              os.path.realpath(target)))
        ca = self.m.get("/v1/certificates/" + api["uuid"], headers=ALICE).json["pem"]
        with open(os.path.join(target, "ca.pem")) as f:
            self.assertEqual(f.read().strip(), ca.strip())
        self.assertEqual(os.stat(os.path.join(target, "key.pem")).st_mode & 0o777, 0o600)
        v = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(target, "ca.pem"),
                            os.path.join(target, "cert.pem")], capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # The key written is the certificate's.
        cert_pub = subprocess.run(["openssl", "x509", "-noout", "-pubkey", "-in",
                                   os.path.join(target, "cert.pem")],
                                  capture_output=True, text=True, check=True).stdout
        key_pub = subprocess.run(["openssl", "pkey", "-pubout", "-in",
                                  os.path.join(target, "key.pem")],
                                 capture_output=True, text=True, check=True).stdout
        self.assertEqual(cert_pub, key_pub)

    def test_containers_answer_whatever_the_server_says(self):
        # /v1/containers is being built beside this client: whatever the server answers,
        # magnumctl shows it (a list, or the API's error verbatim with exit code 1).
        resp = self.m.get("/v1/containers", headers=ALICE)
        r = self.ctl("container-list", "-f", "json", rc=None)
        if resp.status == 200:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual([c["uuid"] for c in json.loads(r.stdout)],
                             [c["uuid"] for c in resp.json["containers"]])
        else:
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "ERROR: %s (HTTP %d)\n" % (resp.error_detail(),
                                                                   resp.status))
        missing = "nope-" + uuid.uuid4().hex[:6]
        want = self.api_error("GET", "/v1/containers/" + missing)
        r = self.ctl("container-show", missing, rc=1)
        self.assertEqual(r.stderr, want)
        want = self.api_error("PUT", "/v1/containers/%s/start" % missing)
        r = self.ctl("container-start", missing, rc=1)
        self.assertEqual(r.stderr, "ERROR: container %s: %s" % (missing, want[len("ERROR: "):]))
        # Create on an unknown cluster: the cluster look-up's refusal, verbatim.
        want = self.api_error("GET", "/v1/clusters/" + missing)
        r = self.ctl("container-create", "web", "--image", "nginx", "--cluster", missing, rc=1)
        self.assertEqual(r.stderr, want)
        # On a Kubernetes cluster: the server's refusal (400 with why, where /v1/containers
        # is served), verbatim; the request the client sends is the one made here.
        cluster = create_cluster(self.m, create_template(self.m, ALICE), ALICE)
        self.addCleanup(delete_cluster, self.m, cluster, ALICE, False)
        want = self.api_error("POST", "/v1/containers",
                              {"name": "web", "image": "nginx", "cluster_uuid": cluster})
        r = self.ctl("container-create", "web", "--image", "nginx", "--cluster", cluster, rc=1)
        self.assertEqual(r.stderr, want)

    def test_admin_quotas_stats_and_services(self):
        admin = self.base_env(OS_PROJECT_ID=ADMIN["X-Project-Id"],
                              OS_USER_ID=ADMIN["X-User-Id"], OS_ROLES=ADMIN["X-Roles"])
        project = "p-quota-" + uuid.uuid4().hex[:8]
        path = "/v1/quotas/%s/Cluster" % project

        def api_quota():
            r = self.m.get(path, headers=ADMIN)
            self.assertEqual(r.status, 200, r)
            return r.json

        # Bad input is refused before anything is sent: nothing stored.
        r = self.ctl("quotas-create", "--project-id", project, "--resource", "Cluster",
                     "--hard-limit", "many", env=admin, rc=2)
        self.assertIn("--hard-limit takes a whole number, not 'many'", r.stderr)
        r = self.ctl("quotas-create", "--resource", "Cluster", env=admin, rc=2)
        self.assertIn("--project-id <project-id> is required", r.stderr)
        self.assertNotIn("id", api_quota())

        # create: the table shows the stored quota.
        shown = field_table(self.ctl("quotas-create", "--project-id", project, "--resource",
                                     "Cluster", "--hard-limit", "3", env=admin).stdout)
        stored = api_quota()
        self.assertEqual(stored["hard_limit"], 3)
        self.assertEqual(shown["hard_limit"], "3")
        self.assertEqual(shown["project_id"], project)
        self.assertEqual(shown["id"], str(stored["id"]))
        # show: the API's document.
        r = self.ctl("quotas-show", "--project-id", project, "--resource", "Cluster", "-f",
                     "json", env=admin)
        self.assertEqual(json.loads(r.stdout), stored)
        # A second create is the API's refusal, verbatim.
        r = self.ctl("quotas-create", "--project-id", project, "--resource", "Cluster",
                     "--hard-limit", "4", env=admin, rc=1)
        self.assertRegex(r.stderr,
                         r"^ERROR: Quota for project .* already exists .*\(HTTP 409\)\n$")
        self.assertEqual(api_quota()["hard_limit"], 3)
        # update.
        r = self.ctl("quotas-update", "--project-id", project, "--resource", "Cluster",
                     "--hard-limit", "7", "-f", "json", env=admin)
        self.assertEqual(json.loads(r.stdout)["hard_limit"], 7)
        self.assertEqual(api_quota()["hard_limit"], 7)
        # list: the admin's own project without --all-tenants, every project with it.
        listed = json.loads(self.ctl("quotas-list", "-f", "json", env=admin).stdout)
        self.assertNotIn(project, [q["project_id"] for q in listed])
        rows = table_rows(self.ctl("quotas-list", "--all-tenants", "--sort-key", "id",
                                   "--sort-dir", "desc", env=admin).stdout)
        self.assertEqual(rows[0], ["project_id", "resource", "hard_limit"])
        self.assertIn([project, "Cluster", "7"], rows[1:])
        api_all = self.m.get("/v1/quotas?all_tenants=True&sort_key=id&sort_dir=desc",
                             headers=ADMIN).json["quotas"]
        self.assertEqual(rows[1:], [[q["project_id"], q["resource"], str(q["hard_limit"])]
                                    for q in api_all])
        # delete: the quota is gone (the API answers the configured default again).
        r = self.ctl("quotas-delete", "--project-id", project, "--resource", "Cluster",
                     env=admin)
        self.assertEqual(r.stdout, "Request to delete quota for project id %s and resource "
                         "Cluster has been accepted.\n" % project)
        self.assertNotIn("id", api_quota())
        listed = json.loads(self.ctl("quotas-list", "--all-tenants", "-f", "json",
                                     env=admin).stdout)
        self.assertNotIn(project, [q["project_id"] for q in listed])
        r = self.ctl("quotas-delete", "--project-id", project, "--resource", "Cluster",
                     env=admin, rc=1)
        self.assertIn("(HTTP 404)", r.stderr)

        # stats: one project's clusters and nodes, as the API counts them.
        owner = {"X-Project-Id": "p-stats-" + uuid.uuid4().hex[:8], "X-User-Id": "sam",
                 "X-Roles": "member"}
        empty = field_table(self.ctl("stats-list", "--project-id", owner["X-Project-Id"],
                                     env=admin).stdout)
        self.assertEqual(empty, {"clusters": "0", "nodes": "0"})
        cluster = create_cluster(self.m, create_template(self.m, owner), owner, node_count=2)
        self.addCleanup(delete_cluster, self.m, cluster, owner, False)
        r = self.ctl("stats-list", "--project-id", owner["X-Project-Id"], "-f", "json",
                     env=admin)
        self.assertEqual(json.loads(r.stdout), {"clusters": 1, "nodes": 3})
        self.assertEqual(json.loads(r.stdout), self.m.get(
            "/v1/stats?project_id=" + owner["X-Project-Id"], headers=ADMIN).json)
        every = json.loads(self.ctl("stats-list", "-f", "json", env=admin).stdout)
        self.assertEqual(set(every), {"clusters", "nodes"})
        self.assertGreaterEqual(every["clusters"], 1)
        self.assertGreaterEqual(every["nodes"], 3)

        # services: the API's rows, upstream's columns.
        rows = table_rows(self.ctl("service-list", env=admin).stdout)
        self.assertEqual(rows[0], ["id", "host", "binary", "state", "disabled",
                                   "disabled_reason", "created_at", "updated_at"])
        api = self.m.get("/v1/mservices", headers=ADMIN).json["mservices"]
        self.assertTrue(api)
        self.assertEqual(sorted((r[0], r[1], r[2]) for r in rows[1:]),
                         sorted((str(s["id"]), s["host"], s["binary"]) for s in api))
        # Not for members: the API's refusal.
        want = self.api_error("GET", "/v1/mservices")
        self.assertEqual(self.ctl("service-list", rc=1).stderr, want)

    def test_bash_completion_in_bash(self):
        script = self.ctl("completion", "bash").stdout

        def complete(*words):
            prog = ('source /dev/stdin; COMP_WORDS=(%s); COMP_CWORD=%d; _magnumctl; '
                    'printf "%%s\\n" "${COMPREPLY[@]}"' % (
                        " ".join("'%s'" % w for w in ("magnumctl",) + words), len(words)))
            p = subprocess.run(["bash", "-c", prog], input=script, capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            return [l for l in p.stdout.splitlines() if l]

        self.assertEqual(complete("cluster-re"), ["cluster-resize"])
        self.assertEqual(complete("--format", "json", "nodegroup-"),
                         ["nodegroup-create", "nodegroup-delete", "nodegroup-list",
                          "nodegroup-show", "nodegroup-update"])
        self.assertEqual(complete("cluster-resize", "c1", "--node"),
                         ["--nodegroup", "--nodes-to-remove"])
        self.assertEqual(complete("cluster-list", "-f", "y"), ["yaml"])
        self.assertIn("--os-cloud", complete("--os-c"))


if __name__ == "__main__":
    unittest.main()
