"""The Keystone mode of the conformance suite: magnumd with `auth_strategy = keystone`
against the dev services' real Keystone (scripts/openstack/start.sh; ctest fixture
openstack_services), and the clients as a cloud's users run them: password credentials
(OS_* variables of tests/integration/keystone_support.openrc) and the endpoint found in
the Keystone catalog, no `--os-auth-type none`, no endpoint override.

    class MyTest(KeystoneConformanceCase):   # as ConformanceCase; `user` = whose openrc
        def test_x(self):
            self.osc("cluster", "template", "list")               # as demo
            self.osc("cluster", "list", user="alt_demo")          # as another project

Each class registers its magnumd in the catalog in a region of its own (container-infra
endpoints in region `conformance-<port>`, removed at the end) and its clients name that
region: runs on the same Keystone do not redirect one another's clients. Test files using
it carry the ctest label `keystone`."""
import uuid

from conformance import MAGNUM, OPENSTACK, ConformanceCase
from keystone_support import http_call, issue_token, keystone_authtoken, openrc, require_env

# What a template names in Keystone mode: resources of the dev services (Glance's image
# fedora-coreos, whose os_distro the fake driver stands in for; Nova's flavors; Neutron's
# external network) and the demo user's keypair in Nova.
TEMPLATE_OPTIONS = ["--coe", "kubernetes", "--image", "fedora-coreos", "--external-network",
                    "public", "--flavor", "m1.small", "--master-flavor", "m1.medium",
                    "--keypair", "demokey"]


class KeystoneConformanceCase(ConformanceCase):
    user = "demo"

    @classmethod
    def setUpClass(cls):
        cls.ks = require_env(cls)
        config = {k: dict(v) for k, v in cls.server_config.items()}
        config.setdefault("DEFAULT", {})["auth_strategy"] = "keystone"
        config["keystone_authtoken"] = keystone_authtoken(cls.ks)
        cls.server_config = config
        super().setUpClass()
        cls.tokens = {}
        try:
            cls.region = cls._register_region()
        except Exception:
            cls.m.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls._unregister_region()
        finally:
            super().tearDownClass()

    @classmethod
    def _admin_call(cls, method, path, body=None):
        h = {"X-Auth-Token": issue_token(cls.ks, "admin")[0]}
        status, _, doc = http_call(method, cls.ks["auth_url"] + path, body, headers=h)
        if status >= 300 and not (method == "DELETE" and status == 404):
            raise AssertionError("Keystone %s %s: %d %s" % (method, path, status, doc))
        return doc

    @classmethod
    def _register_region(cls):
        """The container-infra endpoints of this magnumd, in a new region."""
        region = "conformance-%d-%s" % (cls.m.port, uuid.uuid4().hex[:6])
        services = cls._admin_call("GET", "/services?type=container-infra")["services"]
        if services:
            service = services[0]["id"]
        else:
            service = cls._admin_call("POST", "/services", {"service": {
                "name": "magnum", "type": "container-infra", "enabled": True}})["service"]["id"]
        cls._admin_call("POST", "/regions", {"region": {"id": region}})
        cls.endpoints = []
        for interface in ("public", "internal", "admin"):
            cls.endpoints.append(cls._admin_call("POST", "/endpoints", {"endpoint": {
                "service_id": service, "interface": interface, "url": cls.endpoint,
                "region_id": region, "enabled": True}})["endpoint"]["id"])
        return region

    @classmethod
    def _unregister_region(cls):
        for endpoint in getattr(cls, "endpoints", []):
            cls._admin_call("DELETE", "/endpoints/" + endpoint)
        if getattr(cls, "region", None):
            cls._admin_call("DELETE", "/regions/" + cls.region)

    def credentials(self, user):
        env = openrc(self.ks, user or self.user)
        env["OS_REGION_NAME"] = self.region
        return env

    def osc(self, *args, ok=True, version=None, env=None, user=None):
        """`openstack coe ...` with `user`'s password (default: the class's user)."""
        prefix = [OPENSTACK]
        if version is not None:
            prefix += ["--os-container-infra-api-version", version]
        e = self.credentials(user)
        e.update(env or {})
        return self.run_client(prefix, ["coe"] + list(args), ok, env=e)

    def osc_json(self, *args, user=None):
        return self.json_of(self.osc(*(list(args) + ["-f", "json"]), user=user))

    def magnum(self, version, *args, ok=True, env=None, user=None):
        """The legacy `magnum` CLI with `user`'s password, the endpoint from the catalog."""
        prefix = [MAGNUM]
        if version is not None:
            prefix += ["--magnum-api-version", version]
        e = self.credentials(user)
        e.update(env or {})
        return self.run_client(prefix, list(args), ok, env=e)

    def token(self, user=None):
        user = user or self.user
        if user not in self.tokens:
            self.tokens[user] = issue_token(self.ks, user)[0]
        return self.tokens[user]

    def api(self, path, user=None):
        """GET through the API with `user`'s token, for waiting; checks use the clients."""
        return self.m.get(path, headers={"X-Auth-Token": self.token(user)})

    def project(self, user=None):
        return self.ks["projects"][self.ks["users"][user or self.user]["project"]]
