# ctest-labels: client
"""`openstack coe cluster template create|list|show|update|delete` with every option, against
magnumd without Keystone. Supersedes tests/integration/test_client_smoke.py."""
import unittest

from conformance import ConformanceCase

BASE = ["--coe", "kubernetes", "--image", "fake-image", "--external-network", "public"]

# Every column of `openstack coe cluster template show` (the client's own list).
SHOW_COLUMNS = {
    "insecure_registry", "labels", "updated_at", "floating_ip_enabled", "fixed_subnet",
    "master_flavor_id", "uuid", "no_proxy", "https_proxy", "tls_disabled", "keypair_id",
    "public", "http_proxy", "docker_volume_size", "server_type", "external_network_id",
    "cluster_distro", "image_id", "volume_driver", "registry_enabled", "docker_storage_driver",
    "apiserver_port", "name", "created_at", "network_driver", "fixed_network", "coe",
    "flavor_id", "master_lb_enabled", "dns_nameserver", "hidden", "tags"}


class TemplateCase(ConformanceCase):
    def create(self, name, *options):
        run = self.osc("cluster", "template", "create", name, *options, "-f", "json")
        with self.about(run):
            self.assertIn("Request to create cluster template %s accepted" % name, run.stdout)
        return self.json_of(run)


class ClusterTemplateListTest(TemplateCase):
    # Small pages, so that the client's pagination (it follows `next`) is exercised.
    server_config = {"api": {"max_limit": "3"}}

    def test_list_options_and_pagination(self):
        names = ["list-%d" % i for i in range(5)]
        for name in names:
            self.create(name, *BASE)
        # Without --limit the client asks for one page: [api] max_limit (3) items.
        page = self.osc_json("cluster", "template", "list")
        self.assertEqual(len(page), 3)
        self.assertEqual(set(page[0]), {"uuid", "name", "tags"})
        # With --limit the client follows the `next` links until it has enough.
        listed = self.osc_json("cluster", "template", "list", "--limit", "5", "--sort-key",
                               "name", "--sort-dir", "desc")
        self.assertEqual([t["name"] for t in listed], sorted(names, reverse=True))
        four = self.osc_json("cluster", "template", "list", "--limit", "4", "--sort-key",
                             "name")
        self.assertEqual([t["name"] for t in four], names[:4])
        fields = self.osc_json("cluster", "template", "list", "--limit", "1", "--sort-key",
                               "name", "--fields", "coe,image_id,public,server_type,"
                               "tls_disabled,registry_enabled,apiserver_port")
        self.assertEqual(fields, [{
            "uuid": four[0]["uuid"], "name": "list-0", "tags": None, "coe": "kubernetes",
            "image_id": "fake-image", "public": False, "server_type": "vm",
            "tls_disabled": False, "registry_enabled": False, "apiserver_port": None}])
        # --limit 0 ("everything" in the client's docstring) is sent as limit=0, which the
        # API refuses, as upstream.
        zero = self.osc("cluster", "template", "list", "--limit", "0", ok=False)
        with self.about(zero):
            self.assertIn("Limit must be positive (HTTP 400)", zero.output)
        bad_key = self.osc("cluster", "template", "list", "--sort-key", "nosuch", ok=False)
        with self.about(bad_key):
            self.assertIn("(HTTP 400)", bad_key.output)
        self.osc("cluster", "template", "delete", *names)
        self.assertEqual(self.osc_json("cluster", "template", "list"), [])


class ClusterTemplateCommandsTest(TemplateCase):

    def test_create_with_every_option(self):
        created = self.create(
            "full", *BASE, "--keypair", "kp1", "--fixed-network", "net1", "--fixed-subnet",
            "sub1", "--network-driver", "calico", "--volume-driver", "cinder",
            "--dns-nameserver", "1.1.1.1", "--flavor", "m1.small", "--master-flavor",
            "m1.large", "--docker-volume-size", "4", "--docker-storage-driver", "overlay2",
            "--http-proxy", "http://proxy:3128", "--https-proxy", "https://proxy:3129",
            "--no-proxy", "localhost,10.0.0.1", "--labels", "kube_tag=v1.30.1",
            "--labels", "a=b", "--labels", "c=d", "--labels", "a=x", "--tls-disabled",
            "--public", "--registry-enabled", "--server-type", "bm", "--master-lb-enabled",
            "--floating-ip-disabled", "--hidden", "--tags", "t1", "--tags", "t2,t3")
        self.assertEqual(set(created), SHOW_COLUMNS)
        expected = {
            "name": "full", "coe": "kubernetes", "image_id": "fake-image",
            "external_network_id": "public", "keypair_id": "kp1", "fixed_network": "net1",
            "fixed_subnet": "sub1", "network_driver": "calico", "volume_driver": "cinder",
            "dns_nameserver": "1.1.1.1", "flavor_id": "m1.small", "master_flavor_id": "m1.large",
            "docker_volume_size": 4, "docker_storage_driver": "overlay2",
            "http_proxy": "http://proxy:3128", "https_proxy": "https://proxy:3129",
            "no_proxy": "localhost,10.0.0.1",
            # Several --labels: one KEY=VALUE each (a repeated key: values joined with
            # commas by the client); see test_create_defaults_and_flags for commas.
            "labels": {"kube_tag": "v1.30.1", "a": "b,x", "c": "d"},
            "tls_disabled": True, "public": True, "registry_enabled": True, "server_type": "bm",
            "master_lb_enabled": True, "floating_ip_enabled": False, "hidden": True,
            "cluster_distro": "fake-os", "insecure_registry": "-", "apiserver_port": "-",
            "updated_at": "-"}
        for key, value in expected.items():
            self.assertEqual(created[key], value, "field %s" % key)
        # The client joins the --tags through a set: any order.
        self.assertEqual(sorted(created["tags"].split(",")), ["t1", "t2", "t3"])
        self.assertRegex(created["uuid"], r"^[0-9a-f-]{36}$")
        self.assertRegex(created["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")

        shown = self.osc_json("cluster", "template", "show", "full")
        self.assertEqual(shown, created)
        self.assertEqual(self.osc_json("cluster", "template", "show", created["uuid"]), created)
        self.osc("cluster", "template", "delete", "full")

    def test_create_defaults_and_flags(self):
        created = self.create("plain", *BASE)
        expected = {"public": False, "hidden": False, "tls_disabled": False,
                    "registry_enabled": False, "master_lb_enabled": False,
                    "floating_ip_enabled": True, "server_type": "vm", "labels": {},
                    "keypair_id": "-", "master_flavor_id": "-", "docker_volume_size": "-",
                    "tags": "-", "fixed_network": "-", "volume_driver": "-",
                    # the server's default ([kubernetes] default network driver)
                    "network_driver": "flannel",
                    # the client's defaults (sent by `openstack`, not the API's)
                    "flavor_id": "m1.medium", "docker_storage_driver": "overlay2",
                    "dns_nameserver": "8.8.8.8"}
        for key, value in expected.items():
            self.assertEqual(created[key], value, "default of %s" % key)
        visible = self.create("visible", *BASE, "--visible", "--floating-ip-enabled",
                              "--server-type", "container", "--coe", "swarm-mode",
                              "--labels", "a=1,b=2;c=3")
        # One --labels: split on ',' and ';'.
        self.assertEqual((visible["hidden"], visible["floating_ip_enabled"],
                          visible["server_type"], visible["coe"], visible["labels"]),
                         (False, True, "container", "swarm-mode", {"a": "1", "b": "2", "c": "3"}))
        # Refused by the client itself (no request).
        both = self.osc("cluster", "template", "create", "x", *BASE, "--floating-ip-enabled",
                        "--floating-ip-disabled", ok=False)
        with self.about(both):
            self.assertIn("--floating-ip-enabled and --floating-ip-disabled are mutually "
                          "exclusive", both.output)
            self.assertNotIn("REQ: ", both.stderr)
        self.osc("cluster", "template", "delete", "plain", "visible")

    def test_create_refusals(self):
        cases = [
            (["--image", "no-such-image"], "no-such-image"),
            (["--coe", "nomad"], "Invalid input for field/attribute coe"),
            (["--server-type", "mainframe"], "server_type"),
            # The client prints the error title: the detail up to its first '.'.
            (["--dns-nameserver", "999.1.1.1"], "Provided DNS nameserver 999"),
            (["--network-driver", "weave"], "Network driver type weave is not supported"),
            (["--docker-storage-driver", "devicemapper", "--docker-volume-size", "2"],
             "docker volume size 2 GB is not valid, expecting minimum value 3GB for "
             "devicemapper storage driver"),
            (["--labels", "novalue"], "labels must be a list of KEY=VALUE not novalue"),
        ]
        for extra, message in cases:
            run = self.osc("cluster", "template", "create", "bad", *BASE, *extra, ok=False)
            with self.about(run):
                self.assertIn(message, run.output, "refusal of %s" % extra)
        listed = self.osc_json("cluster", "template", "list", "--limit", "100")
        self.assertNotIn("bad", [t["name"] for t in listed], "a refused create left a row")

    def test_update(self):
        created = self.create("upd", *BASE, "--labels", "a=1,b=2", "--http-proxy",
                              "http://p:1", "--docker-volume-size", "3")
        upd = lambda *a: self.osc_json("cluster", "template", "update", *a)  # noqa: E731
        # Several PATH=VALUE in one call: one JSON-patch op each, in one PATCH.
        got = upd("upd", "replace", "docker_volume_size=9", "name=upd2", "public=true")
        self.assertEqual((got["docker_volume_size"], got["name"], got["public"]),
                         (9, "upd2", True))
        self.assertEqual(got["uuid"], created["uuid"])
        self.assertNotEqual(got["updated_at"], "-")
        # /labels: the client sends the dict as a Python-repr string ("{'x': 'y'}").
        got = upd("upd2", "replace", "labels=x=y,z=w")
        self.assertEqual(got["labels"], {"x": "y", "z": "w"})
        # Nested label paths: the value is JSON-decoded when it parses (3 → 3, "3" stored).
        got = upd("upd2", "add", "labels/n=3", "labels/s=text")
        self.assertEqual(got["labels"], {"x": "y", "z": "w", "n": "3", "s": "text"})
        got = upd("upd2", "remove", "labels/x", "http_proxy")
        self.assertEqual((got["labels"], got["http_proxy"]), ({"z": "w", "n": "3", "s": "text"},
                                                             "-"))
        got = upd("upd2", "add", "apiserver_port=8443")
        self.assertEqual(got["apiserver_port"], 8443)
        got = upd("upd2", "replace", "hidden=True", "master_lb_enabled=true",
                  "floating_ip_enabled=false", "tls_disabled=true", "registry_enabled=1",
                  "dns_nameserver=1.1.1.1,8.8.4.4", "tags=x,y")
        self.assertEqual(
            [got[k] for k in ("hidden", "master_lb_enabled", "floating_ip_enabled",
                              "tls_disabled", "registry_enabled", "dns_nameserver", "tags")],
            [True, True, False, True, True, "1.1.1.1,8.8.4.4", "x,y"])
        self.assertEqual(self.osc_json("cluster", "template", "show", "upd2"), got)

        refusals = [
            (["add", "labels=c=3"], "The attribute /labels has existed, please use 'replace' "
                                    "operation instead"),
            (["replace", "nosuch=1"], "Couldn't apply patch"),
            (["remove", "coe"], "(HTTP 400)"),
            (["replace", "image_id=no-such-image"], "no-such-image"),
        ]
        for args, message in refusals:
            run = self.osc("cluster", "template", "update", "upd2", *args, ok=False)
            with self.about(run):
                self.assertIn(message, run.output)
        bad_op = self.osc("cluster", "template", "update", "upd2", "move", "a=b", ok=False)
        with self.about(bad_op):
            self.assertIn("invalid choice: 'move'", bad_op.output)
        self.osc("cluster", "template", "delete", "upd2")

    def test_update_and_delete_of_a_referenced_template(self):
        self.create("inuse", *BASE)
        run = self.osc("cluster", "create", "user", "--cluster-template", "inuse")
        self.wait_cluster("user")
        refused = self.osc("cluster", "template", "update", "inuse", "replace",
                           "docker_volume_size=5", ok=False)
        with self.about(refused):
            self.assertIn("is referenced by one or multiple clusters (HTTP 400)",
                          refused.output)
        # While clusters use it, a PATCH may change only public, only hidden, only tags or
        # only the name (upstream's rule): one field per call.
        for change, key, value in [("public=true", "public", True),
                                   ("hidden=true", "hidden", True),
                                   ("tags=a,b", "tags", "a,b")]:
            got = self.osc_json("cluster", "template", "update", "inuse", "replace", change)
            self.assertEqual(got[key], value)
        got = self.osc_json("cluster", "template", "update", "inuse", "replace", "name=inuse2")
        self.assertEqual(got["name"], "inuse2")
        got = self.osc_json("cluster", "template", "update", "inuse2", "replace", "name=inuse")
        refused = self.osc("cluster", "template", "update", "inuse", "replace", "public=false",
                           "hidden=false", ok=False)
        with self.about(refused):
            self.assertIn("is referenced by one or multiple clusters (HTTP 400)",
                          refused.output)
        # The client reports a failed delete on stdout and exits 0.
        run = self.osc("cluster", "template", "delete", "inuse", "nosuch")
        with self.about(run):
            self.assertRegex(run.stdout, r"Delete for cluster template inuse failed: "
                             r"ClusterTemplate [0-9a-f-]{36} is referenced by one or multiple "
                             r"clusters \(HTTP 400\)")
            self.assertIn("Delete for cluster template nosuch failed: ClusterTemplate nosuch "
                          "could not be found (HTTP 404)", run.stdout)
        self.osc("cluster", "delete", "user")
        self.wait_cluster("user", statuses=("GONE",))
        run = self.osc("cluster", "template", "delete", "inuse")
        with self.about(run):
            self.assertIn("Request to delete cluster template inuse has been accepted.",
                          run.stdout)
        gone = self.osc("cluster", "template", "show", "inuse", ok=False)
        with self.about(gone):
            self.assertIn("ClusterTemplate inuse could not be found (HTTP 404)", gone.output)

    def test_api_version_option(self):
        # The plugin takes the *major* version only and always sends `latest`.
        run = self.osc("cluster", "template", "list", version="1")
        with self.about(run):
            self.assertIn("OpenStack-API-Version: container-infra latest", run.stderr)
            self.assertIn("OpenStack-API-Version: container-infrastructure-management 1.14",
                          run.stderr)
        # A microversion there is a client-side error (KeyError '1.1'): nothing is sent.
        run = self.osc("cluster", "template", "list", version="1.1", ok=False)
        with self.about(run):
            self.assertIn("KeyError: '1.1'", run.stderr)
            self.assertNotIn("REQ: ", run.stderr)


if __name__ == "__main__":
    unittest.main()
