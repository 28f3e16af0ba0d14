"""The Keystone mode of the conformance suite: magnumd with `auth_strategy = keystone`
against the dev services' real Keystone (scripts/openstack/start.sh; ctest fixture
openstack_services), and the clients as a cloud's users run them: password credentials
(OS_* variables of tests/integration/keystone_support.openrc) and the endpoint found in
the Keystone catalog, no `--os-auth-type none`, no endpoint override.

    class MyTest(KeystoneConformanceCase):   # as ConformanceCase; `user` = whose openrc
        def test_x(self):
            self.osc("cluster", "template", "list")               # as demo
            self.osc("cluster", "list", user="alt_demo")          # as another project

Test files using it carry the ctest label `keystone` (one at a time: each points the shared
catalog's container-infra endpoint at its own magnumd)."""
from conformance import MAGNUM, OPENSTACK, ConformanceCase
from keystone_support import (issue_token, keystone_authtoken, openrc,
                              register_magnum_endpoint, require_env)

# What a template names in Keystone mode: resources of the dev services (Glance image with
# os_distro, Nova flavors, the per-user keypair, Neutron's external network).
TEMPLATE_OPTIONS = ["--coe", "kubernetes", "--image", "fake-image", "--external-network",
                    "public", "--flavor", "m1.small", "--master-flavor", "m1.medium"]


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
        register_magnum_endpoint(cls.ks, cls.endpoint)
        cls.tokens = {}

    def credentials(self, user):
        return openrc(self.ks, user or self.user)

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
