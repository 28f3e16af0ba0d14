#!/usr/bin/env python3
"""Creates the dev services' content through their REST APIs (stdlib only, idempotent:
whatever exists already is found by name and kept). Run by scripts/openstack/start.sh.

    seed.py keystone|glance|nova|neutron|heat   (settings from the environment, see start.sh)

keystone: projects demo and alt_demo with member users demo and alt_demo, the service
project with service users glance, nova, neutron and magnum (role admin there), and the
image, compute and network services in the catalog. glance: public images fedora-coreos
(os_distro=fedora-coreos), no-distro (no os_distro) and fake-image (os_distro=fake-os, the
test driver's). nova: flavors m1.small and
m1.medium, keypairs demokey (user demo) and altkey (user alt_demo). neutron: external flat
network public with subnet public-subnet; network private with private-subnet owned by demo.
heat: service user heat, roles heat_stack_owner and heat_stack_user, the domain heat with
its admin heat_domain_admin, the orchestration service; then waits until demo's stack list
answers 200 (heat.sh).
Writes $OS_STATE/env.json with what tests need (URLs, users, ids).
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

STATE = os.environ["OS_STATE"]
KEYSTONE = os.environ["KEYSTONE_URL"]
HOST = os.environ.get("OS_HOST", "127.0.0.1")
REGION = os.environ.get("OS_REGION", "RegionOne")
ADMIN_PASSWORD = os.environ["ADMIN_PASSWORD"]
SUFFIX = os.environ.get("SERVICE_PASSWORD_SUFFIX", "pass")
PORTS = {"glance": os.environ.get("GLANCE_PORT", "9292"),
         "nova": os.environ.get("NOVA_PORT", "8774"),
         "neutron": os.environ.get("NEUTRON_PORT", "9696"),
         "heat": os.environ.get("HEAT_PORT", "8004")}

# name -> (project, password, role)
USERS = {
    "demo": ("demo", "demopass", "member"),
    "alt_demo": ("alt_demo", "alt_demopass", "member"),
    "glance": ("service", "glance" + SUFFIX, "admin"),
    "nova": ("service", "nova" + SUFFIX, "admin"),
    "neutron": ("service", "neutron" + SUFFIX, "admin"),
    "magnum": ("service", "magnum" + SUFFIX, "admin"),
}
SERVICES = [  # name, type, url
    ("glance", "image", "http://%s:%s" % (HOST, PORTS["glance"])),
    ("nova", "compute", "http://%s:%s/v2.1" % (HOST, PORTS["nova"])),
    ("neutron", "network", "http://%s:%s" % (HOST, PORTS["neutron"])),
]


def call(method, url, body=None, token=None, headers=None, raw=None, ok=(200, 201, 202, 204)):
    h = {"Accept": "application/json"}
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["X-Auth-Token"] = token
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
            return r.status, dict(r.headers), (json.loads(text) if text.strip() else None)
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        if e.code in ok:
            return e.code, dict(e.headers), None
        raise SystemExit("seed: %s %s -> %d %s" % (method, url, e.code, text[:400]))


def token(user, password, project, domain="Default"):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": {"project": {"name": project, "domain": {"name": domain}}}}}
    status, headers, doc = call("POST", KEYSTONE + "/v3/auth/tokens", body)
    return headers["X-Subject-Token"], doc["token"]


def admin_token():
    return token("admin", ADMIN_PASSWORD, "admin")[0]


def find_or_create(tok, collection, key, query, create_body):
    status, _, doc = call("GET", KEYSTONE + "/v3/%s?%s" % (collection, query), token=tok)
    if doc[collection]:
        return doc[collection][0]
    status, _, doc = call("POST", KEYSTONE + "/v3/" + collection, {key: create_body}, token=tok)
    return doc[key]


def load_env():
    path = os.path.join(STATE, "env.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def save_env(env):
    path = os.path.join(STATE, "env.json")
    with open(path + ".tmp", "w") as f:
        json.dump(env, f, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


def seed_keystone():
    tok = admin_token()
    env = load_env()
    env.update({"auth_url": KEYSTONE + "/v3", "region": REGION, "users": {}, "projects": {}})
    roles = {}
    for name in ("admin", "member", "reader"):
        roles[name] = find_or_create(tok, "roles", "role", "name=" + name, {"name": name})["id"]
    for name in ("admin", "service", "demo", "alt_demo"):
        p = find_or_create(tok, "projects", "project", "domain_id=default&name=" + name,
                           {"name": name, "domain_id": "default",
                            "description": "magnum dev services"})
        env["projects"][name] = p["id"]
    env["users"]["admin"] = {"password": ADMIN_PASSWORD, "project": "admin"}
    for name, (project, password, role) in USERS.items():
        u = find_or_create(tok, "users", "user", "domain_id=default&name=" + name,
                           {"name": name, "password": password, "domain_id": "default",
                            "default_project_id": env["projects"][project]})
        call("PUT", KEYSTONE + "/v3/projects/%s/users/%s/roles/%s" % (
            env["projects"][project], u["id"], roles[role]), token=tok)
        env["users"][name] = {"password": password, "project": project, "id": u["id"]}
    for name, stype, url in SERVICES:
        register_service(tok, name, stype, url)
    # Magnum's trustee domain ([trust]) and its admin, who creates the clusters' trustee
    # users (admin role on the domain, as upstream's install guide does).
    domain = find_or_create(tok, "domains", "domain", "name=magnum",
                            {"name": "magnum", "description": "trustee users of Magnum's clusters"})
    dadmin_password = "trustee_domain_admin" + SUFFIX
    dadmin = find_or_create(tok, "users", "user",
                            "domain_id=%s&name=trustee_domain_admin" % domain["id"],
                            {"name": "trustee_domain_admin", "domain_id": domain["id"],
                             "password": dadmin_password})
    call("PUT", KEYSTONE + "/v3/domains/%s/users/%s/roles/%s" % (
        domain["id"], dadmin["id"], roles["admin"]), token=tok)
    env["trust"] = {"domain_id": domain["id"], "domain_name": "magnum", "admin_id": dadmin["id"],
                    "admin_name": "trustee_domain_admin", "admin_password": dadmin_password}
    save_env(env)


def register_service(tok, name, stype, url):
    """The catalog entry of service `stype`, with public, internal and admin endpoints."""
    svc = find_or_create(tok, "services", "service", "type=" + stype,
                         {"name": name, "type": stype, "enabled": True})
    _, _, doc = call("GET", KEYSTONE + "/v3/endpoints?service_id=" + svc["id"], token=tok)
    have = {e["interface"] for e in doc["endpoints"]}
    for interface in ("public", "internal", "admin"):
        if interface not in have:
            call("POST", KEYSTONE + "/v3/endpoints", {"endpoint": {
                "service_id": svc["id"], "interface": interface, "url": url,
                "region_id": REGION, "enabled": True}}, token=tok)


def service_url(port, path=""):
    return "http://%s:%s%s" % (HOST, port, path)


def seed_glance():
    tok = admin_token()
    base = service_url(PORTS["glance"])
    env = load_env()
    env["images"] = {}
    # fake-image: the test driver's image (os_distro fake-os), for the keystone-mode tests
    # whose templates use the fake driver (the client and conformance tests).
    for name, props in (("fedora-coreos", {"os_distro": "fedora-coreos"}), ("no-distro", {}),
                        ("fake-image", {"os_distro": "fake-os"})):
        _, _, doc = call("GET", base + "/v2/images?name=" + name, token=tok)
        if doc["images"]:
            image = doc["images"][0]
        else:
            body = {"name": name, "disk_format": "qcow2", "container_format": "bare",
                    "visibility": "public"}
            body.update(props)
            _, _, image = call("POST", base + "/v2/images", body, token=tok)
        if image["status"] == "queued":
            call("PUT", base + "/v2/images/%s/file" % image["id"], token=tok,
                 raw=os.urandom(1024), headers={"Content-Type": "application/octet-stream"})
        env["images"][name] = image["id"]
    save_env(env)


def seed_nova():
    tok = admin_token()
    base = service_url(PORTS["nova"], "/v2.1")
    _, _, doc = call("GET", base + "/flavors/detail?is_public=None", token=tok)
    have = {f["name"] for f in doc["flavors"]}
    for fid, name, vcpus, ram, disk in (("2", "m1.small", 1, 2048, 20),
                                       ("3", "m1.medium", 2, 4096, 40)):
        if name not in have:
            call("POST", base + "/flavors", {"flavor": {
                "id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}}, token=tok)
    env = load_env()
    env["keypairs"] = {}
    for user, key in (("demo", "demokey"), ("alt_demo", "altkey")):
        u = USERS[user]
        utok = token(user, u[1], u[0])[0]
        status, _, _ = call("GET", base + "/os-keypairs/" + key, token=utok, ok=(200, 404))
        if status == 404:
            call("POST", base + "/os-keypairs", {"keypair": {"name": key}}, token=utok)
        env["keypairs"][user] = key
    save_env(env)


def seed_neutron():
    tok = admin_token()
    base = service_url(PORTS["neutron"], "/v2.0")
    env = load_env()
    env["networks"] = {}

    def network(t, name, body):
        _, _, doc = call("GET", base + "/networks?name=" + name, token=t)
        if doc["networks"]:
            return doc["networks"][0]
        body["name"] = name
        return call("POST", base + "/networks", {"network": body}, token=t)[2]["network"]

    def subnet(t, net, name, cidr, gateway, dhcp):
        _, _, doc = call("GET", base + "/subnets?name=" + name, token=t)
        if doc["subnets"]:
            return doc["subnets"][0]
        return call("POST", base + "/subnets", {"subnet": {
            "name": name, "network_id": net["id"], "ip_version": 4, "cidr": cidr,
            "gateway_ip": gateway, "enable_dhcp": dhcp}}, token=t)[2]["subnet"]

    public = network(tok, "public", {"router:external": True,
                                     "provider:network_type": "flat",
                                     "provider:physical_network": "external"})
    pub_sub = subnet(tok, public, "public-subnet", "172.24.4.0/24", "172.24.4.1", False)
    demo = USERS["demo"]
    dtok = token("demo", demo[1], demo[0])[0]
    private = network(dtok, "private", {})
    priv_sub = subnet(dtok, private, "private-subnet", "10.0.0.0/24", "10.0.0.1", True)
    env["networks"] = {"public": public["id"], "public-subnet": pub_sub["id"],
                       "private": private["id"], "private-subnet": priv_sub["id"]}
    save_env(env)


def pid_alive(name):
    """Whether the process recorded in pids/<name>.pid runs."""
    try:
        with open(os.path.join(STATE, "pids", name + ".pid")) as f:
            return os.path.exists("/proc/%s" % f.read().strip())
    except OSError:
        return False


def seed_heat():
    tok = admin_token()
    env = load_env()
    for name in ("heat_stack_owner", "heat_stack_user"):
        find_or_create(tok, "roles", "role", "name=" + name, {"name": name})
    admin_role = find_or_create(tok, "roles", "role", "name=admin", {"name": "admin"})["id"]
    service = find_or_create(tok, "projects", "project", "domain_id=default&name=service",
                             {"name": "service", "domain_id": "default"})["id"]
    heat = find_or_create(tok, "users", "user", "domain_id=default&name=heat",
                          {"name": "heat", "password": "heat" + SUFFIX,
                           "domain_id": "default", "default_project_id": service})
    call("PUT", KEYSTONE + "/v3/projects/%s/users/%s/roles/%s" % (
        service, heat["id"], admin_role), token=tok)
    # The stack user domain (heat.conf stack_user_domain_name) and its admin.
    domain = find_or_create(tok, "domains", "domain", "name=heat",
                            {"name": "heat", "description": "users Heat creates for stacks"})
    dadmin = find_or_create(tok, "users", "user", "domain_id=%s&name=heat_domain_admin" %
                            domain["id"], {"name": "heat_domain_admin", "domain_id": domain["id"],
                                           "password": "heat_domain_admin" + SUFFIX})
    call("PUT", KEYSTONE + "/v3/domains/%s/users/%s/roles/%s" % (
        domain["id"], dadmin["id"], admin_role), token=tok)
    base = "http://%s:%s/v1" % (HOST, PORTS["heat"])
    register_service(tok, "heat", "orchestration", base + "/%(tenant_id)s")
    env["heat"] = {"url": base, "stack_user_domain": domain["id"]}
    save_env(env)
    # Ready when a member's stack list answers 200: heat-api, its Keystone user and the
    # engine (the list is an RPC call) all work.
    demo = USERS["demo"]
    dtok, body = token("demo", demo[1], demo[0])
    url = "%s/%s/stacks" % (base, body["project"]["id"])
    deadline = time.monotonic() + 120
    last = "no answer"
    while time.monotonic() < deadline:
        for name in ("heat", "heat-engine"):
            if not pid_alive(name):
                raise SystemExit("seed: %s exited while starting (see %s/heat/%s.log)" %
                                 (name, STATE, "heat-api" if name == "heat" else name))
        req = urllib.request.Request(url, headers={"X-Auth-Token": dtok,
                                                   "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as e:
            last = "%d %s" % (e.code, e.read()[:200])
        except OSError as e:
            last = str(e)
        time.sleep(0.3)
    raise SystemExit("seed: heat did not list stacks within 120 s (%s)" % last)


if __name__ == "__main__":
    {"keystone": seed_keystone, "glance": seed_glance, "nova": seed_nova,
     "neutron": seed_neutron, "heat": seed_heat}[sys.argv[1]]()
