"""Access to the dev Heat (scripts/openstack/heat.sh) for the tests labelled `heat`, and
the test-only stand-in environment of tests/heat (servers, networks, load balancers and
volumes mapped to stand-ins). stdlib only.

ctest starts Heat once per run (fixture heat_service, on the keystone fixture's Keystone);
run by hand a test skips when Heat was never started here.
"""
import json
import os
import time
import unittest
import urllib.parse

from keystone_support import (catalog_url, http_call, issue_token, keystone_authtoken,
                              require_env, trust_config)

HEAT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "heat")
STANDIN_PROVIDER = "standin-server.yaml"
STANDIN_ENV = "standin-env.yaml"
# The provider templates standin-env.yaml maps servers, ports and floating IPs to.
STANDIN_PROVIDERS = (STANDIN_PROVIDER, "standin-port.yaml", "standin-floatingip.yaml")


def require_heat(test):
    """The deployment (env.json) with Heat in it; fails under ctest when Heat is missing."""
    env = require_env(test)
    if "heat" not in env:
        why = "Heat not started (MAGNUM_OPENSTACK_SERVICES='keystone heat' scripts/openstack/start.sh)"
        if os.environ.get("MAGNUM_OPENSTACK_REQUIRED") == "1":
            raise AssertionError(why)
        raise unittest.SkipTest(why)
    return env


def standin_files():
    """The `files` of a stack create that uses the stand-in environment: the environment
    itself (for environment_files) and the server provider it names."""
    files = {}
    for name in (STANDIN_ENV, STANDIN_PROVIDER):
        with open(os.path.join(HEAT_DIR, name)) as f:
            files[name] = f.read()
    return files


def standin_cluster_heat(wait_interval, extra_env_files=()):
    """magnumd's [cluster_heat] section that puts the Heat driver's stacks on the stand-ins:
    the stand-in environment (then `extra_env_files`) and the provider templates it names."""
    return {
        "wait_interval": wait_interval,
        "environment_files": ",".join([os.path.join(HEAT_DIR, STANDIN_ENV), *extra_env_files]),
        "template_files": ",".join(os.path.join(HEAT_DIR, p) for p in STANDIN_PROVIDERS),
    }


def driver_config(env, directory, knobs=None, wait_interval="1", **sections):
    """magnumd's configuration for the Heat driver: the OpenStack mode, trusts, the stand-in
    environment and, when `knobs` is given, a second environment file with those
    parameter_defaults (written to `directory`); `sections` are merged in last."""
    extra = []
    if knobs:
        path = os.path.join(directory, "heat-driver-knobs.yaml")
        with open(path, "w") as f:
            json.dump({"parameter_defaults": knobs}, f)
        extra.append(path)
    cfg = {
        "DEFAULT": {"auth_strategy": "keystone"},
        "keystone_authtoken": keystone_authtoken(env),
        "trust": trust_config(env),
        "cluster_heat": standin_cluster_heat(wait_interval, extra),
    }
    for section, options in sections.items():
        cfg.setdefault(section, {}).update(options)
    return cfg


def region_heat_client(env, user="demo"):
    """`user`'s Heat in the deployment's region (HeatClient takes the catalog's first
    orchestration endpoint, whatever its region; a test may add regions)."""
    heat = HeatClient(env, user)
    heat.base = "%s/%s" % (env["heat"]["url"].rstrip("/"), heat.project_id)
    return heat


class HeatClient:
    """A user's orchestration endpoint, found in the token's catalog."""

    def __init__(self, env, user):
        self.token, body = issue_token(env, user)
        self.project_id = body["project"]["id"]
        self.base = catalog_url(body, "orchestration")
        if not self.base:
            raise AssertionError("no orchestration endpoint in %s's catalog" % user)

    def call(self, method, path, body=None, follow=True, timeout=60):
        """(status, headers, doc). Heat answers 302 to /stacks/{name_or_id}[/...] with
        /stacks/{name}/{id}[/...]: the same method and body are sent there (follow)."""
        url = self.base + path
        headers = {"X-Auth-Token": self.token}
        for _ in range(3):
            status, h, doc = http_call(method, url, body, headers, timeout)
            if status != 302 or not follow:
                return status, h, doc
            url = urllib.parse.urljoin(url, h["location"])
        raise AssertionError("%s %s: redirected more than twice" % (method, path))

    def stack(self, name_or_id, resolve_outputs=True):
        q = "" if resolve_outputs else "?resolve_outputs=False"
        status, _, doc = self.call("GET", "/stacks/%s%s" % (name_or_id, q))
        return status, (doc or {}).get("stack") if status == 200 else doc

    def wait(self, name_or_id, want, timeout=180):
        """The stack once its status is no longer *_IN_PROGRESS; fails unless it is `want`."""
        deadline = time.monotonic() + timeout
        while True:
            status, stack = self.stack(name_or_id, resolve_outputs=False)
            if status != 200:
                raise AssertionError("stack %s: %d %s" % (name_or_id, status, stack))
            if not stack["stack_status"].endswith("_IN_PROGRESS"):
                break
            if time.monotonic() > deadline:
                raise AssertionError("stack %s still %s after %d s" %
                                     (name_or_id, stack["stack_status"], timeout))
            time.sleep(0.5)
        if stack["stack_status"] != want:
            raise AssertionError("stack %s is %s, not %s: %s" % (
                name_or_id, stack["stack_status"], want, stack.get("stack_status_reason")))
        return self.stack(name_or_id)[1]

    def outputs(self, stack):
        """{output_key: output_value} of a stack shown with its outputs."""
        return {o["output_key"]: o.get("output_value") for o in stack.get("outputs") or []}

    def delete(self, name_or_id, timeout=180):
        """Deletes and waits until the name answers 404; the DELETE's status."""
        status, _, _ = self.call("DELETE", "/stacks/%s" % name_or_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got, _ = self.stack(name_or_id, resolve_outputs=False)
            if got == 404:
                return status
            time.sleep(0.5)
        raise AssertionError("stack %s not gone %d s after DELETE" % (name_or_id, timeout))
