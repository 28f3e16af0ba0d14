# ctest-labels: heat
"""The dev Heat (scripts/openstack/heat.sh) with the test-only stand-in environment
(tests/heat): what the Heat driver's tests rely on, checked against the real service.

A demo user's token finds the orchestration endpoint in the catalog; a stack of a
resource group of stand-in servers (OS::Nova::Server mapped to tests/heat/
standin-server.yaml, a Neutron network to OS::Heat::None) is created, read, scaled up with
PATCH, scaled down removing a named member, and deleted; a member whose name is in
standin_fail_names fails, and Heat says which and why.
"""
import json
import re
import time
import unittest
import uuid

from heat_support import STANDIN_ENV, HeatClient, require_heat, standin_files


def group_template():
    """A private network and a group of `count` servers named node-<index>; the members
    listed in `removal` are the ones a scale-down removes."""
    return {
        "heat_template_version": "2018-08-31",
        "parameters": {
            "count": {"type": "number", "default": 2},
            "removal": {"type": "comma_delimited_list", "default": []},
        },
        "resources": {
            "net": {"type": "OS::Neutron::Net", "properties": {"name": "smoke-net"}},
            "nodes": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {
                    "count": {"get_param": "count"},
                    "removal_policies": [{"resource_list": {"get_param": "removal"}}],
                    "resource_def": {
                        "type": "OS::Nova::Server",
                        "properties": {
                            "name": "node-%index%",
                            "image": "fedora-coreos",
                            "flavor": "m1.small",
                            "key_name": "demokey",
                            "networks": [{"network": {"get_resource": "net"}}],
                            "metadata": {"role": "worker"},
                        },
                    },
                },
            },
        },
        "outputs": {
            "names": {"value": {"get_attr": ["nodes", "name"]}},
            "addresses": {"value": {"get_attr": ["nodes", "accessIPv4"]}},
            "refs": {"value": {"get_attr": ["nodes", "refs_map"]}},
            "net": {"value": {"get_attr": ["net", "name"]}},
        },
    }


class HeatServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = require_heat(cls)
        cls.heat = HeatClient(cls.env, "demo")

    def setUp(self):
        self.created = []

    def tearDown(self):
        for name in self.created:
            status, _ = self.heat.stack(name, resolve_outputs=False)
            if status == 200:
                self.heat.delete(name)

    def create(self, body):
        name = "smoke-%s" % uuid.uuid4().hex[:8]
        body = dict(body, stack_name=name)
        status, _, doc = self.heat.call("POST", "/stacks", body)
        self.assertEqual(status, 201, doc)
        self.created.append(name)
        return name, doc["stack"]["id"]

    def test_endpoint_is_the_projects(self):
        self.assertEqual(self.heat.base,
                         "%s/%s" % (self.env["heat"]["url"], self.heat.project_id))
        status, _, doc = self.heat.call("GET", "/stacks")
        self.assertEqual(status, 200, doc)
        self.assertIsInstance(doc["stacks"], list)

    def test_group_create_scale_remove_delete(self):
        files = standin_files()
        name, sid = self.create({
            "template": group_template(),
            "environment": files[STANDIN_ENV],  # YAML text, as the C++ driver may send it
            "files": {k: v for k, v in files.items() if k != STANDIN_ENV},
            "timeout_mins": 10,
        })
        # By name, the stack answers 302 to /stacks/{name}/{id}.
        status, headers, _ = self.heat.call("GET", "/stacks/" + name, follow=False)
        self.assertEqual(status, 302)
        self.assertTrue(headers["location"].endswith("/stacks/%s/%s" % (name, sid)),
                        headers["location"])

        stack = self.heat.wait(name, "CREATE_COMPLETE")
        self.assertEqual(stack["id"], sid)
        out = self.heat.outputs(stack)
        self.assertEqual(out["names"], ["node-0", "node-1"])
        for addr in out["addresses"]:
            self.assertRegex(addr, r"^10\.0\.0\.[1-9][1-9]$")
        self.assertEqual(sorted(out["refs"]), ["0", "1"])
        # A member's reference is its nested stack's UUID, as a Nova server's is its id.
        for ref in out["refs"].values():
            self.assertRegex(ref, r"^[0-9a-f]{8}-[0-9a-f]{4}-")
        self.assertIsNone(out["net"])  # OS::Heat::None: every attribute is null
        # One output alone, as the driver reads them (only by name and id: Heat has no
        # redirect for /stacks/{name}/outputs).
        status, _, doc = self.heat.call("GET", "/stacks/%s/outputs/names" % name, follow=False)
        self.assertEqual(status, 404)
        status, _, doc = self.heat.call("GET", "/stacks/%s/%s/outputs/names" % (name, sid))
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["output"]["output_value"], ["node-0", "node-1"])
        # Listings report the original types, not the stand-ins.
        status, _, doc = self.heat.call("GET", "/stacks/%s/resources?nested_depth=1" % name)
        self.assertEqual(status, 200, doc)
        types = {(r["resource_name"], r["resource_type"]) for r in doc["resources"]}
        self.assertIn(("net", "OS::Neutron::Net"), types)
        self.assertIn(("nodes", "OS::Heat::ResourceGroup"), types)
        self.assertIn(("0", "OS::Nova::Server"), types)
        self.assertIn(("1", "OS::Nova::Server"), types)

        # Scale up: PATCH keeps the template, files and environment.
        status, _, doc = self.heat.call("PATCH", "/stacks/" + name,
                                        {"parameters": {"count": 3}})
        self.assertEqual(status, 202, doc)
        stack = self.heat.wait(name, "UPDATE_COMPLETE")
        self.assertEqual(self.heat.outputs(stack)["names"], ["node-0", "node-1", "node-2"])
        ref_of_1 = self.heat.outputs(stack)["refs"]["1"]

        # Scale down removing member "1" by name.
        status, _, doc = self.heat.call("PATCH", "/stacks/" + name,
                                        {"parameters": {"count": 2, "removal": "1"}})
        self.assertEqual(status, 202, doc)
        stack = self.heat.wait(name, "UPDATE_COMPLETE")
        out = self.heat.outputs(stack)
        self.assertEqual(out["names"], ["node-0", "node-2"])
        self.assertNotIn(ref_of_1, out["refs"].values())
        status, _, doc = self.heat.call("GET", "/stacks/%s/resources?nested_depth=1" % name)
        live = {r["resource_name"] for r in doc["resources"]
                if r["resource_type"] == "OS::Nova::Server"
                and r["resource_status"] != "DELETE_COMPLETE"}
        self.assertEqual(live, {"0", "2"})

        self.assertEqual(self.heat.delete(name), 204)
        self.created.remove(name)
        # Soft-deleted: by id DELETE_COMPLETE (or gone), by name 404.
        status, stack = self.heat.stack("%s/%s" % (name, sid), resolve_outputs=False)
        self.assertTrue(status == 404 or stack["stack_status"] == "DELETE_COMPLETE",
                        (status, stack))
        status, _ = self.heat.stack(name)
        self.assertEqual(status, 404)

    def test_failed_member_and_create_delay(self):
        # environment_files: the stand-in environment, then one whose parameter_defaults
        # reach the servers in the group's nested stacks. (With environment_files, Heat
        # ignores `environment`: every environment goes in `files`.)
        files = standin_files()
        files["knobs.yaml"] = json.dumps({"parameter_defaults": {
            "standin_fail_names": ["node-1"], "standin_create_secs": 4}})
        t0 = time.monotonic()
        name, _ = self.create({
            "template": group_template(),
            "files": files,
            "environment_files": [STANDIN_ENV, "knobs.yaml"],
            "disable_rollback": True,
        })
        stack = self.heat.wait(name, "CREATE_FAILED")
        self.assertGreaterEqual(time.monotonic() - t0, 4)
        self.assertIn("Test Resource failed", stack["stack_status_reason"])
        status, _, doc = self.heat.call(
            "GET", "/stacks/%s/resources?nested_depth=2&status=FAILED" % name)
        self.assertEqual(status, 200, doc)
        failed = {r["resource_name"]: r for r in doc["resources"]}
        self.assertIn("1", failed)  # the member, with its original type
        self.assertEqual(failed["1"]["resource_type"], "OS::Nova::Server")
        self.assertEqual(failed["1"]["resource_status"], "CREATE_FAILED")
        self.assertIn("Test Resource failed", failed["1"]["resource_status_reason"])
        self.assertNotIn("0", failed)
        # Member 0 took the create delay: its create events are >= 3 s apart (seconds).
        # Member 1 fails as member 0 ends (both wait 4 s): the stack can be CREATE_FAILED
        # a moment before member 0's CREATE_COMPLETE event is written, so wait for it.
        deadline = time.monotonic() + 30
        while True:
            status, _, doc = self.heat.call(
                "GET", "/stacks/%s/events?nested_depth=1&sort_dir=asc" % name)
            self.assertEqual(status, 200, doc)
            times = {e["resource_status"]: e["event_time"] for e in doc["events"]
                     if e["resource_name"] == "0"}
            if "CREATE_COMPLETE" in times or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertIn("CREATE_COMPLETE", times, doc["events"])
        secs = [time.mktime(time.strptime(times[s], "%Y-%m-%dT%H:%M:%SZ"))
                for s in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE")]
        self.assertGreaterEqual(secs[1] - secs[0], 3, times)
        # Outputs still resolve on a failed stack; the failed member's are null.
        out = self.heat.outputs(self.heat.stack(name)[1])
        self.assertEqual(out["names"][0], "node-0")
        self.assertTrue(re.match(r"^10\.0\.0\.", out["addresses"][0]), out)


if __name__ == "__main__":
    unittest.main()
