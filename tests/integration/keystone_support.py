"""Access to the OpenStack dev services of scripts/openstack/start.sh for the tests
labelled `keystone` (ctest starts the services once per run: fixture openstack_services).

The deployment is described by <state>/env.json (state: $MAGNUM_OPENSTACK_STATE, default
/var/tmp/magnum-openstack). stdlib only.
"""
import datetime
import http.client
import json
import os
import time
import unittest
import urllib.parse
import uuid

STATE = os.environ.get("MAGNUM_OPENSTACK_STATE", "/var/tmp/magnum-openstack")


def load_env():
    """The deployment, or None when the dev services were never started here."""
    path = os.path.join(STATE, "env.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def require_env(test):
    """The deployment; under ctest (MAGNUM_OPENSTACK_REQUIRED=1, the services started by the
    fixture) a missing one fails, elsewhere the test is skipped."""
    env = load_env()
    if env is None:
        why = "OpenStack dev services not started (scripts/openstack/start.sh)"
        if os.environ.get("MAGNUM_OPENSTACK_REQUIRED") == "1":
            raise AssertionError(why)
        raise unittest.SkipTest(why)
    return env


def http_call(method, url, body=None, headers=None, timeout=60):
    """(status, headers as a lower-case dict, parsed JSON or raw text)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    path = u.path + ("?" + u.query if u.query else "")
    conn.request(method, path, body=data, headers=h)
    resp = conn.getresponse()
    raw = resp.read().decode("utf-8", "replace")
    conn.close()
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = raw
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, doc


def password_auth(user, password, project, domain="Default"):
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": {"project": {"name": project, "domain": {"name": domain}}}}}


def issue_token(env, user):
    """(token id, token body) for one of env.json's users, scoped to its project."""
    u = env["users"][user]
    status, headers, doc = http_call("POST", env["auth_url"] + "/auth/tokens",
                                     password_auth(user, u["password"], u["project"]))
    if status != 201:
        raise AssertionError("token for %s: %d %s" % (user, status, doc))
    return headers["x-subject-token"], doc["token"]


def catalog_url(token_body, service_type, interface="public"):
    for svc in token_body.get("catalog", []):
        if svc["type"] == service_type:
            for ep in svc["endpoints"]:
                if ep["interface"] == interface:
                    return ep["url"]
    return None


def keystone_authtoken(env, **overrides):
    """The [keystone_authtoken] section of a magnumd that validates against the dev Keystone
    as the magnum service user."""
    base = env["auth_url"].rsplit("/v3", 1)[0]
    section = {"www_authenticate_uri": base, "auth_url": base, "username": "magnum",
               "password": env["users"]["magnum"]["password"], "project_name": "service",
               "user_domain_name": "Default", "project_domain_name": "Default",
               "region_name": env["region"]}
    section.update(overrides)
    return section


def keystone_mode(env, **authtoken):
    """magnumd's configuration for validating tokens against the dev Keystone
    ([keystone_authtoken] as keystone_authtoken(env, **authtoken))."""
    return {"DEFAULT": {"auth_strategy": "keystone"},
            "keystone_authtoken": keystone_authtoken(env, **authtoken)}


def trust_config(env, **overrides):
    """The [trust] section of a magnumd that creates per-cluster trustee users and trusts in
    the dev Keystone's `magnum` domain (seeded by scripts/openstack/seed.py)."""
    t = env["trust"]
    section = {"trustee_domain_id": t["domain_id"], "trustee_domain_admin_id": t["admin_id"],
               "trustee_domain_admin_password": t["admin_password"]}
    section.update(overrides)
    return section


def register_magnum_endpoint(env, url):
    """Points the container-infra service of the dev Keystone at `url` (REST, as admin; the
    same result as scripts/openstack/register-catalog.sh, in well under a second). The
    keystone tests share one catalog: ctest runs them one at a time (RESOURCE_LOCK)."""
    admin, _ = issue_token(env, "admin")
    h = {"X-Auth-Token": admin}
    ks = env["auth_url"]
    _, _, doc = http_call("GET", ks + "/services?type=container-infra", headers=h)
    if doc["services"]:
        svc = doc["services"][0]["id"]
    else:
        _, _, doc = http_call("POST", ks + "/services", {"service": {
            "name": "magnum", "type": "container-infra", "enabled": True}}, headers=h)
        svc = doc["service"]["id"]
    _, _, doc = http_call("GET", ks + "/endpoints?service_id=" + svc, headers=h)
    have = {e["interface"]: e for e in doc["endpoints"] if e.get("region_id") == env["region"]}
    for interface in ("public", "internal", "admin"):
        if interface in have:
            if have[interface]["url"] != url:
                http_call("PATCH", ks + "/endpoints/" + have[interface]["id"],
                          {"endpoint": {"url": url}}, headers=h)
        else:
            http_call("POST", ks + "/endpoints", {"endpoint": {
                "service_id": svc, "interface": interface, "url": url,
                "region_id": env["region"], "enabled": True}}, headers=h)


def openrc(env, user):
    """OS_* variables for the openstack CLI as `user` (password auth, no endpoint override)."""
    u = env["users"][user]
    return {"OS_AUTH_URL": env["auth_url"], "OS_IDENTITY_API_VERSION": "3",
            "OS_USERNAME": user, "OS_PASSWORD": u["password"], "OS_PROJECT_NAME": u["project"],
            "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": env["region"]}


def short_lived_token(env, user_token, user="demo", seconds=4):
    """(token, expiry) of a token of `user` that expires in `seconds`: an application
    credential that lapses then caps its tokens' expiry (`user_token`: one of its tokens)."""
    expires = datetime.datetime.utcnow() + datetime.timedelta(seconds=seconds)
    status, _, doc = http_call(
        "POST", env["auth_url"] + "/users/%s/application_credentials" % env["users"][user]["id"],
        {"application_credential": {"name": "short-%s" % uuid.uuid4().hex[:12],
                                    "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S")}},
        headers={"X-Auth-Token": user_token})
    if status != 201:
        raise AssertionError("application credential: %d %s" % (status, doc))
    cred = doc["application_credential"]
    status, headers, doc = http_call("POST", env["auth_url"] + "/auth/tokens", {
        "auth": {"identity": {"methods": ["application_credential"],
                              "application_credential": {"id": cred["id"],
                                                         "secret": cred["secret"]}}}})
    if status != 201:
        raise AssertionError("token of the application credential: %d %s" % (status, doc))
    return headers["x-subject-token"], expires


def sleep_past(expires, margin=1.5):
    time.sleep(max(0.0, (expires - datetime.datetime.utcnow()).total_seconds()) + margin)
