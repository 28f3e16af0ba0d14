# ctest-labels: client keystone heat
"""`openstack coe` (Debian's python3-magnumclient) driving the Heat driver
`k8s_fedora_coreos_v1` against the real Keystone and Heat of the dev services, with the
TEST-ONLY stand-in environment of tests/heat: a Fedora CoreOS template (selected by the
Glance image's os_distro), `cluster create`, `cluster show` (status, stack, node
addresses), `cluster resize`, `cluster delete`, and the stacks gone from Heat afterwards.
The lifecycle in depth (failures, restarts, upgrade, nodegroups): tests/integration/
test_heat_driver.py."""
import os
import sys
import unittest

from keystone_mode import TEMPLATE_OPTIONS, KeystoneConformanceCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from heat_support import region_heat_client, require_heat, standin_cluster_heat  # noqa: E402
from keystone_support import trust_config  # noqa: E402


class HeatOscTest(KeystoneConformanceCase):
    @classmethod
    def setUpClass(cls):
        env = require_heat(cls)
        cls.server_config = {
            "drivers": {"enable_test_drivers": "false"},  # the fake driver also offers fedora-coreos
            "trust": trust_config(env),
            "cluster_heat": standin_cluster_heat("1"),
        }
        super().setUpClass()
        cls.heat = region_heat_client(env)

    def test_cluster_lifecycle_through_the_cli(self):
        tmpl = self.osc_json("cluster", "template", "create", "heat-osc-k8s", *TEMPLATE_OPTIONS,
                             "--network-driver", "flannel", "--labels", "kube_tag=v1.27.8")
        self.assertEqual(tmpl["cluster_distro"], "fedora-coreos")
        self.osc("cluster", "create", "heat-osc", "--cluster-template", "heat-osc-k8s",
                 "--master-count", "1", "--node-count", "2", "--timeout", "10")
        self.wait_cluster("heat-osc", ("CREATE_COMPLETE", "CREATE_FAILED"), timeout=240)
        shown = self.osc_json("cluster", "show", "heat-osc")
        self.assertEqual(shown["status"], "CREATE_COMPLETE", shown.get("status_reason"))
        self.assertEqual(shown["coe_version"], "v1.27.8")
        self.assertEqual(len(shown["node_addresses"]), 2, shown)
        self.assertTrue(shown["api_address"].startswith("https://"), shown)
        # The Heat stack's id: the API's `cluster_id` at this microversion (the client's
        # `stack_id` column stays empty there).
        stack_id = self.api("/v1/clusters/heat-osc").json["cluster_id"]
        self.assertTrue(stack_id)
        status, stack = self.heat.stack(stack_id, resolve_outputs=False)
        self.assertEqual(status, 200, stack)
        self.assertEqual(stack["stack_status"], "CREATE_COMPLETE")

        self.osc("cluster", "resize", "heat-osc", "3")
        self.wait_cluster("heat-osc", ("UPDATE_COMPLETE", "UPDATE_FAILED"), timeout=180)
        shown = self.osc_json("cluster", "show", "heat-osc")
        self.assertEqual(shown["status"], "UPDATE_COMPLETE", shown.get("status_reason"))
        self.assertEqual(shown["node_count"], 3)
        self.assertEqual(len(shown["node_addresses"]), 3, shown)

        self.osc("cluster", "delete", "heat-osc")
        self.wait_cluster("heat-osc", ("GONE", "DELETE_FAILED"), timeout=180)
        status, stack = self.heat.stack(stack_id, resolve_outputs=False)
        if status == 200:
            self.assertEqual(stack["stack_status"], "DELETE_COMPLETE", stack)
        else:
            self.assertEqual(status, 404, stack)
        self.osc("cluster", "template", "delete", "heat-osc-k8s")


if __name__ == "__main__":
    unittest.main()
