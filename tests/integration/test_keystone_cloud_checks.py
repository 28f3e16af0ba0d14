# ctest-labels: keystone
"""Template, cluster and quota checks against the real Glance, Nova, Neutron and Keystone of
the dev services (magnumd with `auth_strategy = keystone`): images from Glance give the
template its cluster_distro, an image without os_distro and unknown images, flavors,
keypairs and networks get upstream's codes and texts, another user's keypair and another
project's network are refused, a duplicated image name is a conflict, Glance unreachable or
a service missing from the catalog is 503 with nothing stored, and quota create checks the
project in Keystone."""
import unittest
import uuid

from harness import Magnumd
from keystone_support import http_call, issue_token, keystone_authtoken, require_env

# A region whose image endpoint is a closed loopback port (port 1 needs root to listen on,
# and nothing here does): Glance "down" for one magnumd without stopping the shared Glance.
DEAD_REGION = "MagnumTestDeadRegion"
DEAD_URL = "http://127.0.0.1:1"


def keystone_config(env, **sections):
    cfg = {"DEFAULT": {"auth_strategy": "keystone"},
           "keystone_authtoken": keystone_authtoken(env)}
    cfg.update(sections)
    return cfg


def full_template(name, **overrides):
    body = {"name": name, "coe": "kubernetes", "image_id": "fedora-coreos",
            "flavor_id": "m1.small", "master_flavor_id": "m1.medium", "keypair_id": "demokey",
            "external_network_id": "public", "fixed_network": "private",
            "fixed_subnet": "private-subnet"}
    body.update(overrides)
    return body


class CloudChecksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.m = Magnumd(extra_config=keystone_config(cls.env)).start()
        cls.demo, cls.demo_body = issue_token(cls.env, "demo")
        cls.alt, _ = issue_token(cls.env, "alt_demo")
        cls.admin, _ = issue_token(cls.env, "admin")
        cls.glance = cls._catalog_url(cls.demo_body, "image")
        # Two images of demo's project with one name: a name that is not unique.
        cls.dup_images = []
        for _ in range(2):
            status, _, doc = http_call("POST", cls.glance + "/v2/images", {
                "name": "magnum-test-dup", "disk_format": "qcow2", "container_format": "bare",
                "os_distro": "fedora-coreos"}, headers={"X-Auth-Token": cls.demo})
            assert status == 201, (status, doc)
            cls.dup_images.append(doc["id"])
        # An image naming its driver (the magnum_driver property).
        status, _, doc = http_call("POST", cls.glance + "/v2/images", {
            "name": "magnum-test-driver", "disk_format": "qcow2", "container_format": "bare",
            "os_distro": "fake-os", "magnum_driver": "fake-blocking"},
            headers={"X-Auth-Token": cls.demo})
        assert status == 201, (status, doc)
        cls.own_images = cls.dup_images + [doc["id"]]
        # A flavor without a root disk (admin's, public).
        cls.nova = cls._catalog_url(cls.demo_body, "compute")
        status, _, doc = http_call("POST", cls.nova + "/flavors", {"flavor": {
            "name": "magnum-test-nodisk", "id": "magnum-test-nodisk", "ram": 512, "vcpus": 1,
            "disk": 0}}, headers={"X-Auth-Token": cls.admin})
        assert status in (200, 409), (status, doc)

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "nova"):
            http_call("DELETE", cls.nova + "/flavors/magnum-test-nodisk",
                      headers={"X-Auth-Token": cls.admin})
        for image in getattr(cls, "own_images", getattr(cls, "dup_images", [])):
            http_call("DELETE", cls.glance + "/v2/images/" + image,
                      headers={"X-Auth-Token": cls.demo})
        cls.m.cleanup()

    @staticmethod
    def _catalog_url(token_body, service_type):
        for svc in token_body["catalog"]:
            if svc["type"] == service_type:
                for ep in svc["endpoints"]:
                    if ep["interface"] == "public" and ep["region_id"] == "RegionOne":
                        return ep["url"].rstrip("/")
        raise AssertionError("no %s endpoint" % service_type)

    def as_user(self, token):
        return {"X-Auth-Token": token}

    def create(self, body, token=None):
        return self.m.post("/v1/clustertemplates", body,
                           headers=self.as_user(token or self.demo))

    def assertError(self, r, status, detail):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.error_detail(), detail, r)

    def template_names(self, token=None):
        r = self.m.get("/v1/clustertemplates", headers=self.as_user(token or self.demo))
        self.assertEqual(r.status, 200, r)
        return {t["name"] for t in r.json["clustertemplates"]}

    # ---- accepted ----------------------------------------------------------------

    def test_template_by_names_takes_cluster_distro_from_glance(self):
        r = self.create(full_template("ck-names"))
        self.assertEqual(r.status, 201, (r, self.m.log()[-2000:]))
        self.assertEqual(r.json["cluster_distro"], "fedora-coreos")
        self.assertEqual(r.json["driver"], "fake")
        self.assertEqual(r.json["image_id"], "fedora-coreos")
        stored = self.m.get("/v1/clustertemplates/ck-names", headers=self.as_user(self.demo))
        self.assertEqual(stored.json["cluster_distro"], "fedora-coreos")
        self.assertEqual(stored.json["project_id"], self.env["projects"]["demo"])

    def test_template_by_ids(self):
        nets = self.env["networks"]
        r = self.create(full_template(
            "ck-ids", image_id=self.env["images"]["fedora-coreos"], flavor_id="2",
            master_flavor_id="3", external_network_id=nets["public"],
            fixed_network=nets["private"], fixed_subnet=nets["private-subnet"]))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["cluster_distro"], "fedora-coreos")

    def test_fake_image_from_glance(self):
        r = self.create({"name": "ck-fake", "coe": "kubernetes", "image_id": "fake-image"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["cluster_distro"], "fake-os")

    def test_image_property_magnum_driver_picks_the_driver(self):
        r = self.create({"name": "ck-driver", "coe": "kubernetes",
                         "image_id": "magnum-test-driver"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["driver"], "fake-blocking")
        self.assertEqual(r.json["cluster_distro"], "fake-os")

    # ---- refused -----------------------------------------------------------------

    def test_image_without_os_distro(self):
        r = self.create(full_template("ck-nodistro", image_id="no-distro"))
        self.assertError(r, 400, "Image no-distro doesn't contain os_distro field.")
        image = self.env["images"]["no-distro"]
        r = self.create(full_template("ck-nodistro", image_id=image))
        self.assertError(r, 400, "Image %s doesn't contain os_distro field." % image)
        self.assertNotIn("ck-nodistro", self.template_names())

    def test_unknown_image(self):
        self.assertError(self.create(full_template("ck-x", image_id="no-such-image")), 400,
                         "Image no-such-image could not be found.")
        missing = str(uuid.uuid4())
        self.assertError(self.create(full_template("ck-x", image_id=missing)), 400,
                         "Image %s could not be found." % missing)

    def test_duplicate_image_name_is_a_conflict(self):
        self.assertError(self.create(full_template("ck-x", image_id="magnum-test-dup")), 409,
                         "Multiple images exist with same name 'magnum-test-dup'. Please use "
                         "the image ID instead.")
        r = self.create(full_template("ck-dup-by-id", image_id=self.dup_images[0]))
        self.assertEqual(r.status, 201, r)

    def test_unknown_flavors(self):
        self.assertError(self.create(full_template("ck-x", flavor_id="m9.huge")), 400,
                         "Unable to find flavor m9.huge.")
        self.assertError(self.create(full_template("ck-x", master_flavor_id="99")), 400,
                         "Unable to find flavor 99.")

    def test_flavor_without_root_disk_needs_a_boot_volume(self):
        self.assertError(self.create(full_template("ck-x", flavor_id="magnum-test-nodisk")), 400,
                         "Flavor with zero root volume size is not supported when "
                         "boot_volume_size is zero.")
        r = self.create(full_template("ck-bootvol", master_flavor_id="magnum-test-nodisk",
                                      labels={"boot_volume_size": "10"}))
        self.assertEqual(r.status, 201, r)

    def test_keypairs_are_the_users_own(self):
        self.assertError(self.create(full_template("ck-x", keypair_id="nokey")), 404,
                         "Unable to find keypair nokey.")
        # alt_demo's keypair, asked for by demo.
        self.assertError(self.create(full_template("ck-x", keypair_id="altkey")), 404,
                         "Unable to find keypair altkey.")
        r = self.create({"name": "ck-alt", "coe": "kubernetes", "image_id": "fedora-coreos",
                         "keypair_id": "altkey"}, token=self.alt)
        self.assertEqual(r.status, 201, r)

    def test_networks(self):
        self.assertError(self.create(full_template("ck-x", external_network_id="private")), 400,
                         "Unable to find external network private.")
        self.assertError(self.create(full_template("ck-x", external_network_id="nonet")), 400,
                         "Unable to find external network nonet.")
        self.assertError(self.create(full_template("ck-x", fixed_network="nonet")), 400,
                         "Unable to find fixed network nonet.")
        self.assertError(self.create(full_template("ck-x", fixed_subnet="nosubnet")), 400,
                         "Unable to find fixed subnet nosubnet.")
        # The admin's public-subnet is not visible to demo; demo's private network is not
        # visible to alt_demo.
        self.assertError(self.create(full_template("ck-x", fixed_subnet="public-subnet")), 400,
                         "Unable to find fixed subnet public-subnet.")
        r = self.create({"name": "ck-x", "coe": "kubernetes", "image_id": "fedora-coreos",
                         "fixed_network": "private"}, token=self.alt)
        self.assertError(r, 400, "Unable to find fixed network private.")
        self.assertNotIn("ck-x", self.template_names())
        self.assertNotIn("ck-x", self.template_names(self.alt))

    def test_patch_to_an_image_without_os_distro_is_refused(self):
        r = self.create(full_template("ck-patch"))
        self.assertEqual(r.status, 201, r)
        r = self.m.patch("/v1/clustertemplates/ck-patch",
                         [{"op": "replace", "path": "/image_id", "value": "no-distro"}],
                         headers=self.as_user(self.demo))
        self.assertError(r, 400, "Image no-distro doesn't contain os_distro field.")
        r = self.m.get("/v1/clustertemplates/ck-patch", headers=self.as_user(self.demo))
        self.assertEqual(r.json["image_id"], "fedora-coreos")

    def test_cluster_with_another_users_keypair_is_refused(self):
        r = self.create(full_template("ck-for-cluster"))
        self.assertEqual(r.status, 201, r)
        r = self.m.post("/v1/clusters", {"name": "ckc", "cluster_template_id": "ck-for-cluster",
                                         "keypair": "altkey", "node_count": 1},
                        headers=self.as_user(self.demo))
        self.assertError(r, 404, "Unable to find keypair altkey.")
        r = self.m.get("/v1/clusters", headers=self.as_user(self.demo))
        self.assertEqual(r.json["clusters"], [])

    # ---- quotas ------------------------------------------------------------------

    def test_quota_create_checks_the_project_in_keystone(self):
        unknown = uuid.uuid4().hex
        r = self.m.post("/v1/quotas", {"project_id": unknown, "resource": "Cluster",
                                       "hard_limit": 3}, headers=self.as_user(self.admin))
        self.assertError(r, 404, "The project_id %s could not be found." % unknown)
        demo = self.env["projects"]["demo"]
        r = self.m.post("/v1/quotas", {"project_id": demo, "resource": "Cluster",
                                       "hard_limit": 3}, headers=self.as_user(self.admin))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["project_id"], demo)
        r = self.m.get("/v1/quotas?all_tenants=true", headers=self.as_user(self.admin))
        self.assertEqual([q["project_id"] for q in r.json["quotas"]], [demo])
        self.m.delete("/v1/quotas/%s/Cluster" % demo, headers=self.as_user(self.admin))


class ServiceDownTest(unittest.TestCase):
    """Glance unreachable (a region whose image endpoint is a closed port) and Nova missing
    from the catalog (a region with no compute endpoint): 503 naming the service, nothing
    stored."""

    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.admin, _ = issue_token(cls.env, "admin")
        cls.endpoint = cls._dead_region_endpoint()
        cls.glance_down = Magnumd(extra_config=keystone_config(
            cls.env, glance_client={"region_name": DEAD_REGION})).start()
        cls.no_nova = Magnumd(extra_config=keystone_config(
            cls.env, nova_client={"region_name": DEAD_REGION})).start()
        # Tokens issued after the region exists carry its endpoint in their catalog.
        cls.demo, _ = issue_token(cls.env, "demo")

    @classmethod
    def tearDownClass(cls):
        for m in ("glance_down", "no_nova"):
            if hasattr(cls, m):
                getattr(cls, m).cleanup()
        if getattr(cls, "endpoint", None):
            h = {"X-Auth-Token": cls.admin}
            http_call("DELETE", cls.env["auth_url"] + "/endpoints/" + cls.endpoint, headers=h)
            http_call("DELETE", cls.env["auth_url"] + "/regions/" + DEAD_REGION, headers=h)

    @classmethod
    def _dead_region_endpoint(cls):
        ks, h = cls.env["auth_url"], {"X-Auth-Token": cls.admin}
        http_call("POST", ks + "/regions", {"region": {"id": DEAD_REGION}}, headers=h)
        _, _, doc = http_call("GET", ks + "/services?type=image", headers=h)
        service = doc["services"][0]["id"]
        _, _, doc = http_call("GET", ks + "/endpoints?service_id=%s&region_id=%s" % (
            service, DEAD_REGION), headers=h)
        for ep in doc["endpoints"]:
            if ep["interface"] == "public" and ep["url"] == DEAD_URL:
                return ep["id"]
        status, _, doc = http_call("POST", ks + "/endpoints", {"endpoint": {
            "service_id": service, "interface": "public", "url": DEAD_URL,
            "region_id": DEAD_REGION, "enabled": True}}, headers=h)
        assert status == 201, (status, doc)
        return doc["endpoint"]["id"]

    def test_glance_unreachable_is_503_and_nothing_is_stored(self):
        h = {"X-Auth-Token": self.demo}
        r = self.glance_down.post("/v1/clustertemplates", full_template("ck-down"), headers=h)
        self.assertEqual(r.status, 503, r)
        detail = r.error_detail()
        self.assertIn("The image service (Glance) cannot be reached", detail)
        self.assertIn("[glance_client] region_name (%s)" % DEAD_REGION, detail)
        self.assertNotIn("127.0.0.1", detail)
        self.assertIn("GET %s/v2/images" % DEAD_URL, self.glance_down.log())
        r = self.glance_down.get("/v1/clustertemplates", headers=h)
        self.assertEqual(r.json["clustertemplates"], [])

    def test_nova_missing_from_the_catalog_is_503_and_nothing_is_stored(self):
        h = {"X-Auth-Token": self.demo}
        r = self.no_nova.post("/v1/clustertemplates", full_template("ck-down"), headers=h)
        self.assertEqual(r.status, 503, r)
        self.assertIn("The compute service (Nova) has no publicURL endpoint in the service "
                      "catalog", r.error_detail())
        r = self.no_nova.get("/v1/clustertemplates", headers=h)
        self.assertEqual(r.json["clustertemplates"], [])
        # Without the flavors (which need Nova) Glance and Neutron are asked and answer.
        r = self.no_nova.post("/v1/clustertemplates", full_template(
            "ck-no-flavors", flavor_id=None, master_flavor_id=None, keypair_id=None),
            headers=h)
        self.assertEqual(r.status, 201, r)


if __name__ == "__main__":
    unittest.main()
