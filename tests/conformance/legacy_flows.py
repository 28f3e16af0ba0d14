"""The legacy `magnum` CLI (python3-magnumclient 4.0) at one microversion, against magnumd
without Keystone: `magnum --os-token X --os-endpoint-override http://HOST:PORT/v1
--magnum-api-version V ...`. test_legacy_v1_1, test_legacy_v1_10 and test_legacy_latest run
these flows at 1.1, 1.10 and `latest` (in parallel ctest entries, each with its own server).

The 4.0 client ships cluster-template-*, cluster-*, ca-*, service-list, quotas-* and
stats-list; bay-* and baymodel-* are gone from it (the API still serves /v1/bays and
/v1/baymodels below 1.11: tests/integration/test_bays.py, test_baymodels.py)."""
import os
import re
import subprocess

from conformance import ConformanceCase

DEPRECATION = "WARNING: The magnum client is deprecated and will be removed in a future release."


class LegacyCliFlows(ConformanceCase):
    """Subclasses set VERSION ("1.1", "1.10", "latest") and MV (the number it means)."""

    VERSION = None
    MV = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.m.post("/v1/clustertemplates", {
            "name": "k8s", "coe": "kubernetes", "image_id": "fake-image",
            "external_network_id": "public", "flavor_id": "m1.small",
            "master_flavor_id": "m1.medium", "labels": {"kube_tag": "v1"}})
        assert r.status == 201, r
        cls.template = r.json["uuid"]

    def mag(self, *args, ok=True, env=None):
        return self.magnum(self.VERSION, *args, ok=ok, env=env)

    def mag_props(self, *args):
        return self.props_of(self.mag(*args))

    def sent_version(self, run):
        with self.about(run):
            self.assertIn("-H 'OpenStack-API-Version: container-infra %s'" % self.VERSION,
                          run.stderr)
            self.assertIn("OpenStack-API-Version: container-infrastructure-management 1.%d" %
                          self.MV, run.stderr)

    def wait_all(self, *names, statuses=("CREATE_COMPLETE", "UPDATE_COMPLETE")):
        for name in names:
            self.assertIn(self.wait_cluster(name), statuses)

    def test_cluster_templates(self):
        base = ["--coe", "kubernetes", "--image", "fake-image", "--external-network", "public"]
        # The client's default storage driver is devicemapper, which needs >= 3 GB (as
        # upstream's API: volume size None).
        run = self.mag("cluster-template-create", "small", *base, ok=False)
        with self.about(run):
            self.assertIn("docker volume size None GB is not valid, expecting minimum value 3GB "
                          "for devicemapper storage driver (HTTP 400)", run.output)
        run = self.mag("cluster-template-create", "lt", *base, "--docker-volume-size", "3",
                       "--keypair", "kp", "--fixed-network", "net", "--fixed-subnet", "sub",
                       "--network-driver", "calico", "--volume-driver", "cinder",
                       "--dns-nameserver", "1.1.1.1", "--flavor", "m1.small",
                       "--master-flavor", "m1.large", "--http-proxy", "http://p:1",
                       "--https-proxy", "https://p:2", "--no-proxy", "localhost",
                       "--labels", "a=1,b=2", "--tls-disabled", "--public",
                       "--registry-enabled", "--server-type", "bm", "--master-lb-enabled",
                       "--floating-ip-disabled", "--insecure-registry", "reg:5000", "--hidden")
        self.sent_version(run)
        with self.about(run):
            self.assertTrue(run.stdout.startswith(DEPRECATION))
        created = self.props_of(run)
        expected = {
            "name": "lt", "coe": "kubernetes", "image_id": "fake-image", "keypair_id": "kp",
            "external_network_id": "public", "fixed_network": "net", "fixed_subnet": "sub",
            "network_driver": "calico", "volume_driver": "cinder", "dns_nameserver": "1.1.1.1",
            "flavor_id": "m1.small", "master_flavor_id": "m1.large", "docker_volume_size": "3",
            "docker_storage_driver": "devicemapper", "http_proxy": "http://p:1",
            "https_proxy": "https://p:2", "no_proxy": "localhost", "tls_disabled": "True",
            "public": "True", "registry_enabled": "True", "server_type": "bm",
            "master_lb_enabled": "True", "floating_ip_enabled": "False",
            "insecure_registry": "reg:5000", "hidden": "True", "cluster_distro": "fake-os",
            "updated_at": "-", "apiserver_port": "-", "tags": "-"}
        for key, value in expected.items():
            self.assertEqual(created.get(key), value, "field %s" % key)
        self.assertEqual(self.literal(created["labels"]), {"a": "1", "b": "2"})
        self.assertEqual(self.mag_props("cluster-template-show", "lt"), created)

        self.mag("cluster-template-create", "lt2", *base, "--docker-storage-driver", "overlay2")
        rows = self.records_of(self.mag("cluster-template-list"))
        self.assertEqual([(r["name"], r["uuid"]) for r in rows],
                         [("k8s", self.template), ("lt", created["uuid"]),
                          ("lt2", rows[2]["uuid"])])
        rows = self.records_of(self.mag("cluster-template-list", "--limit", "1", "--sort-key",
                                        "name", "--sort-dir", "desc", "--fields",
                                        "coe,server_type"))
        # --fields columns are title-cased by the client.
        self.assertEqual(rows, [{"uuid": rows[0]["uuid"], "name": "lt2", "Coe": "kubernetes",
                                 "Server Type": "vm"}])
        rows = self.records_of(self.mag("cluster-template-list", "--detail"))
        self.assertEqual({r["name"]: r["docker_storage_driver"] for r in rows},
                         {"k8s": "-", "lt": "devicemapper", "lt2": "overlay2"})

        # Several ops in one PATCH; /labels as a Python-repr string.
        updated = self.mag_props("cluster-template-update", "lt", "replace", "labels=c=3",
                                 "name=lt-renamed", "public=false")
        self.assertEqual((self.literal(updated["labels"]), updated["name"], updated["public"]),
                         ({"c": "3"}, "lt-renamed", "False"))
        updated = self.mag_props("cluster-template-update", "lt-renamed", "remove",
                                 "http_proxy", "labels/c")
        self.assertEqual((updated["http_proxy"], self.literal(updated["labels"])), ("-", {}))

        run = self.mag("cluster-template-delete", "lt-renamed", "lt2", "nope")
        with self.about(run):
            self.assertIn("Request to delete cluster template lt-renamed has been accepted.",
                          run.stdout)
            self.assertIn("Request to delete cluster template lt2 has been accepted.",
                          run.stdout)
            self.assertIn("Delete for cluster template nope failed: ClusterTemplate nope could "
                          "not be found (HTTP 404)", run.stdout)
        rows = self.records_of(self.mag("cluster-template-list"))
        self.assertEqual([r["name"] for r in rows], ["k8s"])

    def test_clusters(self):
        tmpl = self.template
        run = self.mag("cluster-create", "lc1", "--cluster-template", "k8s", "--keypair", "kp",
                       "--docker-volume-size", "4", "--labels", "x=y", "--node-count", "2",
                       "--master-count", "1", "--discovery-url", "https://d/1",
                       "--timeout", "30")
        self.sent_version(run)
        with self.about(run):
            if self.MV == 1:
                # Clusters are created asynchronously at every microversion (202 {"uuid"});
                # the 4.0 client expects a full cluster at 1.1 and fails rendering it: it
                # prints the error, exits 0, and the cluster is there.
                self.assertIn("Create for cluster lc1 failed: 'links'", run.stdout)
            else:
                self.assertRegex(run.stdout, r"Request to create cluster [0-9a-f-]{36} has been "
                                             r"accepted\.")
        self.wait_all("lc1")

        shown = self.mag_props("cluster-show", "lc1")
        expected = {"name": "lc1", "status": "CREATE_COMPLETE", "keypair": "kp",
                    "docker_volume_size": "4", "node_count": "2", "master_count": "1",
                    "discovery_url": "https://d/1", "create_timeout": "30",
                    "cluster_template_id": tmpl, "coe_version": "fake-1.0",
                    "project_id": "default"}
        for key, value in expected.items():
            self.assertEqual(shown.get(key), value, "field %s" % key)
        self.assertEqual(self.literal(shown["labels"]), {"x": "y"})
        self.assertEqual(len(self.literal(shown["node_addresses"])), 2)
        # Below 1.13 the driver handle is stack_id, from 1.13 cluster_id.
        handle = "fake-" + shown["uuid"]
        if self.MV < 13:
            self.assertEqual((shown.get("stack_id"), "cluster_id" in shown), (handle, False))
        else:
            self.assertEqual((shown.get("cluster_id"), "stack_id" in shown), (handle, False))
        long = self.mag_props("cluster-show", "--long", "lc1")
        self.assertEqual((long["clustertemplate_name"], long["clustertemplate_coe"]),
                         ("k8s", "kubernetes"))

        # node_count 0: from 1.10.
        run = self.mag("cluster-create", "zero", "--cluster-template", tmpl, "--node-count", "0")
        with self.about(run):
            if self.MV < 10:
                self.assertIn("Create for cluster zero failed: Resizing a nodegroup to zero is "
                              "not supported in the provided microversion (HTTP 400)",
                              run.stdout)
            else:
                self.assertIn("Request to create cluster", run.stdout)
                self.wait_all("zero")

        rows = self.records_of(self.mag("cluster-list", "--fields", "health_status"))
        names = {r["name"]: r for r in rows}
        self.assertEqual(names["lc1"]["status"], "CREATE_COMPLETE")
        # --fields columns are title-cased by the client.
        self.assertEqual(set(names["lc1"]), {"uuid", "name", "keypair", "node_count",
                                             "master_count", "status", "Health Status"})
        self.assertEqual(("zero" in names), self.MV >= 10)
        rows = self.records_of(self.mag("cluster-list", "--limit", "1", "--sort-key", "name"))
        self.assertEqual([r["name"] for r in rows], ["lc1"])

        # Update: 202 {"uuid"} at every version; at 1.1 the client expects the cluster back.
        run = self.mag("cluster-update", "lc1", "replace", "node_count=3", ok=self.MV != 1)
        with self.about(run):
            if self.MV == 1:
                self.assertIn("ERROR: 'links'", run.output)
            else:
                self.assertIn("Request to update cluster lc1 has been accepted.", run.stdout)
        self.wait_all("lc1")
        self.assertEqual(self.mag_props("cluster-show", "lc1")["node_count"], "3")
        run = self.mag("cluster-update", "lc1", "--rollback", "replace", "node_count=2",
                       ok=self.MV >= 3)
        with self.about(run):
            if self.MV < 3:  # refused by the client itself
                self.assertIn("Rollback is not supported in API v1.1. Please use API v1.3+.",
                              run.output)
                self.assertNotIn("curl -i -X PATCH", run.stderr)
            else:
                self.assertIn("?rollback=True", run.stderr)
                self.wait_all("lc1")
                self.assertEqual(self.mag_props("cluster-show", "lc1")["node_count"], "2")
        run = self.mag("cluster-update", "lc1", "replace", "labels=a=b")
        with self.about(run):  # the client prints the error and exits 0
            self.assertIn("ERROR: cannot change cluster property(ies) labels.", run.stdout)

        # cluster-config always writes the certificates (unlike `openstack coe`).
        d = os.path.join(self.home, "cfg")
        os.makedirs(d)
        run = self.mag("cluster-config", "lc1", "--dir", d)
        with self.about(run):
            self.assertIn("export KUBECONFIG=%s/config" % d, run.stdout)
            self.assertEqual(sorted(os.listdir(d)), ["ca.pem", "cert.pem", "config", "key.pem"])
        verify = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(d, "ca.pem"),
                                 os.path.join(d, "cert.pem")], capture_output=True, text=True)
        self.assertIn("OK", verify.stdout)
        run = self.mag("cluster-config", "lc1", "--dir", d, ok=False)
        with self.about(run):
            self.assertIn("exists, aborting", run.output)

        names = ["lc1"] + (["zero"] if self.MV >= 10 else [])
        run = self.mag("cluster-delete", *names, "nope")
        with self.about(run):
            for name in names:
                self.assertIn("Request to delete cluster %s has been accepted." % name,
                              run.stdout)
            self.assertIn("Delete for cluster nope failed: Cluster nope could not be found "
                          "(HTTP 404)", run.stdout)
        for name in names:
            self.wait_cluster(name, statuses=("GONE",))
        self.assertEqual(self.records_of(self.mag("cluster-list")), [])

    def test_ca_quotas_stats_services(self):
        r = self.m.post("/v1/clusters", {"name": "c1", "cluster_template_id": "k8s",
                                         "master_count": 1, "node_count": 1})
        self.assertEqual(r.status, 202, r)
        uuid = r.json["uuid"]
        self.wait_all("c1")

        ca = self.mag("ca-show", "--cluster", "c1")
        self.sent_version(ca)
        pem = ca.stdout[ca.stdout.index("-----BEGIN"):]
        positional = self.mag("ca-show", "c1").stdout
        self.assertEqual(positional[positional.index("-----BEGIN"):], pem)
        ca_path = os.path.join(self.home, "ca.pem")
        with open(ca_path, "w") as f:
            f.write(pem)
        csr = self.openssl_csr("legacy", cn="legacy")
        run = self.mag("ca-sign", "--cluster", "c1", "--csr", csr)
        signed = run.stdout[run.stdout.index("-----BEGIN"):]
        verify = subprocess.run(["openssl", "verify", "-CAfile", ca_path], input=signed,
                                capture_output=True, text=True)
        with self.about(run):
            self.assertIn("OK", verify.stdout)
        # ca-rotate: the 202 {"uuid"} body (upstream's) breaks the token+endpoint client (it
        # builds a resource from its raw body stream): it exits 1, the rotation is done.
        run = self.mag("ca-rotate", "--cluster", "c1", ok=False)
        with self.about(run):
            self.assertIn("'_io.StringIO' object has no attribute 'items'", run.output)
            self.assertRegex(run.stderr, r"curl -i -X PATCH .*/v1/certificates/%s" % uuid)
            self.assertIn("HTTP/1.1 202 Accepted", run.stderr)
        self.wait_all("c1", statuses=("UPDATE_COMPLETE",))
        rotated = self.mag("ca-show", "c1").stdout
        self.assertNotEqual(rotated[rotated.index("-----BEGIN"):], pem)

        created = self.mag_props("quotas-create", "--project-id", "p1", "--resource",
                                 "Cluster", "--hard-limit", "3")
        self.assertEqual((created["project_id"], created["resource"], created["hard_limit"]),
                         ("p1", "Cluster", "3"))
        self.assertEqual(self.records_of(self.mag("quotas-list", "--all-tenants")),
                         [{"project_id": "p1", "resource": "Cluster", "hard_limit": "3"}])
        self.assertEqual(self.mag_props("quotas-show", "--project-id", "p1", "--resource",
                                        "Cluster"), created)
        updated = self.mag_props("quotas-update", "--project-id", "p1", "--resource",
                                 "Cluster", "--hard-limit", "4")
        self.assertEqual(updated["hard_limit"], "4")
        run = self.mag("quotas-delete", "--project-id", "p1", "--resource", "Cluster")
        with self.about(run):
            self.assertIn("Request to delete quota for project id p1 and resource Cluster has "
                          "been accepted.", run.stdout)
        self.assertEqual(self.mag_props("quotas-show", "--project-id", "p1", "--resource",
                                        "Cluster")["hard_limit"], "20")

        self.assertEqual(self.mag_props("stats-list", "--project-id", "default"),
                         {"clusters": "1", "nodes": "2"})
        self.assertEqual(self.mag_props("stats-list"), {"clusters": "1", "nodes": "2"})
        rows = self.records_of(self.mag("service-list"))
        self.assertEqual(sorted((r["binary"], r["state"], r["disabled"]) for r in rows),
                         [("magnum-api", "up", "False"), ("magnum-conductor", "up", "False")])
        self.assertTrue(all(re.match(r"^\d+$", r["id"]) for r in rows))
        # Leave no cluster for the other tests of the class.
        self.assertEqual(self.m.delete("/v1/clusters/c1").status, 204)
        self.wait_cluster("c1", statuses=("GONE",))
