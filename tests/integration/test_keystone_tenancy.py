# ctest-labels: keystone
"""Two Keystone projects against each other on every route of the API (magnumd with
`auth_strategy = keystone`, the real dev Keystone, the `fake` driver).

demo (project A) owns a private template, a cluster, a nodegroup, a federation and a
quota; alt_demo (project B, a member) then walks every route the router has
(tenancy_routes.discover() finds them; a route added without a walk here fails
test_every_route_is_walked) on A's objects, by uuid and by name, once plainly and once with
forged identity headers naming A and the admin role. Each answer must be exactly what a
nonexistent identifier gets (existence does not leak), lists show none of A's objects, and
no answer B gets contains any of A's identifiers or its CA (counted, asserted zero). A's
objects are unchanged afterwards. Then: the admin sees everything, a member gets 403 on
admin-only routes, public and hidden templates, no/garbage/expired tokens on every route
(401 with WWW-Authenticate), Keystone down on every route (503), and a broken policy file
refused at start with its line."""
import os
import socket
import subprocess
import sys
import tempfile
import unittest
import uuid

from harness import Magnumd, template_body
from keystone_support import (issue_token, keystone_authtoken, keystone_mode, require_env,
                              short_lived_token, sleep_past)
import tenancy_routes

FAST_CERTS = {"x509": {"rsa_key_size": "1024"}}
OLD = "container-infra 1.10"  # bays and baymodels
DONE = ("CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_COMPLETE", "UPDATE_FAILED")


def keystone_config(env, **authtoken):
    config = keystone_mode(env, **authtoken)
    config.update(FAST_CERTS)
    return config


def tpl(name, keypair=None, **overrides):
    """A template body the keystone-mode checks accept: the dev services' image
    fedora-coreos (os_distro fedora-coreos: the fake driver stands in for Kubernetes on
    Fedora CoreOS), Nova's flavors, Neutron's external network, the user's keypair."""
    body = template_body(name=name, image_id="fedora-coreos", **overrides)
    if keypair:
        body["keypair_id"] = keypair
    return body


def concrete(shape, project):
    """A path for a route shape with fresh identifiers (quotas: a project and Cluster)."""
    segs = shape.split("/")
    if segs[0] == "quotas" and len(segs) == 3:
        return "/v1/quotas/%s/Cluster" % project
    return "/v1/" + "/".join(str(uuid.uuid4()) if s == "{id}" else s for s in segs)


def walk_body(method):
    return {} if method in ("POST", "PATCH") else None


class TenancyCase(unittest.TestCase):
    """One magnumd; A's, B's and the admin's objects; the routes it answers."""

    @classmethod
    def setUpClass(cls):
        cls.env = require_env(cls)
        cls.m = Magnumd(extra_config=keystone_config(cls.env)).start()
        try:
            cls._fixtures()
        except Exception:
            cls.m.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    @classmethod
    def _fixtures(cls):
        env, m = cls.env, cls.m
        cls.A = {"X-Auth-Token": issue_token(env, "demo")[0]}
        cls.B = {"X-Auth-Token": issue_token(env, "alt_demo")[0]}
        cls.ADMIN = {"X-Auth-Token": issue_token(env, "admin")[0]}
        cls.pa, cls.pb = env["projects"]["demo"], env["projects"]["alt_demo"]
        tag = uuid.uuid4().hex[:8]

        def ok(r, status):
            assert r.status == status, r
            return r.json

        # The admin's public template and public hidden one.
        cls.pub = ok(m.post("/v1/clustertemplates", tpl("pub-" + tag, public=True),
                            headers=cls.ADMIN), 201)["uuid"]
        cls.hidden = ok(m.post("/v1/clustertemplates",
                               tpl("hidden-" + tag, public=True, hidden=True),
                               headers=cls.ADMIN), 201)["uuid"]
        # A's objects, with names found nowhere else.
        cls.a_names = {k: "asecret-%s-%s" % (k, tag) for k in ("tpl", "cl", "ng", "fed")}
        cls.a_tpl = ok(m.post("/v1/clustertemplates", tpl(cls.a_names["tpl"], "demokey"),
                              headers=cls.A), 201)["uuid"]
        cls.a_cl = ok(m.post("/v1/clusters", {"name": cls.a_names["cl"], "master_count": 1,
                                              "cluster_template_id": cls.a_tpl,
                                              "node_count": 1}, headers=cls.A), 202)["uuid"]
        b_tpl = ok(m.post("/v1/clustertemplates", tpl("bown-" + tag, "altkey"),
                          headers=cls.B), 201)["uuid"]
        cls.b_cl = ok(m.post("/v1/clusters", {"name": "bown-" + tag, "node_count": 1,
                                              "cluster_template_id": b_tpl},
                             headers=cls.B), 202)["uuid"]
        adm_cl = ok(m.post("/v1/clusters", {"name": "adm-" + tag, "node_count": 1,
                                            "cluster_template_id": cls.pub},
                           headers=cls.ADMIN), 202)["uuid"]
        for cl, h in ((cls.a_cl, cls.A), (cls.b_cl, cls.B), (adm_cl, cls.ADMIN)):
            cls.wait(cl, h)
        cls.a_ng = ok(m.post("/v1/clusters/%s/nodegroups" % cls.a_cl,
                             {"name": cls.a_names["ng"], "node_count": 1}, headers=cls.A),
                      202)["uuid"]
        m.wait_for(lambda: m.get("/v1/clusters/%s/nodegroups/%s" % (cls.a_cl, cls.a_ng),
                                 headers=cls.A).json["status"] in DONE, what="A's nodegroup")
        cls.a_fed = ok(m.post("/v1/federations", {
            "name": cls.a_names["fed"], "hostcluster_id": cls.a_cl, "member_ids": [],
            "properties": {"dns-zone": "a.example."}}, headers=cls.A), 202)["uuid"]
        # A's container: its cluster runs Kubernetes (the fake driver), which takes no
        # containers, so the row is written as a swarm cluster's container would be.
        cls.a_names["ctr"] = "asecret-ctr-" + tag
        cls.a_ctr = str(uuid.uuid4())
        m.database.execute(
            "INSERT INTO container (uuid, name, image, command, bay_uuid, status, project_id, "
            "user_id, created_at) VALUES (?, ?, 'busybox', 'sleep 1', ?, 'Stopped', ?, ?, "
            "'2026-12-05T00:00:00.000000')",
            (cls.a_ctr, cls.a_names["ctr"], cls.a_cl, cls.pa, env["users"]["demo"]["id"]))
        ok(m.post("/v1/quotas", {"project_id": cls.pa, "resource": "Cluster",
                                 "hard_limit": 7}, headers=cls.ADMIN), 201)
        ngs = ok(m.get("/v1/clusters/%s/nodegroups" % cls.a_cl, headers=cls.A), 200)
        cls.a_ca = ok(m.get("/v1/certificates/" + cls.a_cl, headers=cls.A), 200)["pem"]
        # What B must never see: every identifier of A and the body of A's CA.
        cls.secrets = set(cls.a_names.values()) | {
            cls.a_tpl, cls.a_cl, cls.a_ng, cls.a_fed, cls.a_ctr, cls.pa,
            env["users"]["demo"]["id"], cls.a_ca.splitlines()[1]}
        cls.secrets |= {ng["uuid"] for ng in ngs["nodegroups"]}
        cls.inventory_before_probe = cls.inventory()
        cls.routes, cls.probes = tenancy_routes.discover(m, cls.ADMIN, adm_cl)
        cls.inventory_after_probe = cls.inventory()
        cls.csr = cls._csr()

    @classmethod
    def inventory(cls):
        """Every object the admin sees: its uuid (project for quotas) and its update time
        (clusters: status and sizes; periodic tasks may touch their rows)."""
        m, h = cls.m, cls.ADMIN
        out = {}
        for path, key in (("/v1/clustertemplates/detail", "clustertemplates"),
                          ("/v1/clusters/detail", "clusters"),
                          ("/v1/federations/detail", "federations"),
                          ("/v1/quotas?all_tenants=true", "quotas")):
            out[key] = sorted((o.get("uuid") or o.get("project_id"), o.get("status"),
                               o.get("node_count"), None if key == "clusters" else
                               o.get("updated_at")) for o in m.get(path, headers=h).json[key])
        for cl, *_ in out["clusters"]:
            out[cl] = sorted((n["uuid"], n["node_count"]) for n in m.get(
                "/v1/clusters/%s/nodegroups" % cl, headers=h).json["nodegroups"])
        return out

    @classmethod
    def wait(cls, cluster, headers):
        cls.m.wait_for(lambda: cls.m.get("/v1/clusters/" + cluster, headers=headers).json[
            "status"] in DONE, timeout=60, what="cluster %s" % cluster)

    @staticmethod
    def _csr():
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", os.path.join(d, "k"), "-out", os.path.join(d, "csr"),
                            "-subj", "/CN=walker"], check=True, capture_output=True)
            with open(os.path.join(d, "csr")) as f:
                return f.read()

    def a_state(self):
        """What B's walk must leave as it was."""
        m, A = self.m, self.A
        cl = m.get("/v1/clusters/" + self.a_cl, headers=A).json
        ngs = m.get("/v1/clusters/%s/nodegroups" % self.a_cl, headers=A).json["nodegroups"]
        return {
            "tpl": {k: v for k, v in m.get("/v1/clustertemplates/" + self.a_tpl,
                                           headers=A).json.items() if k != "updated_at"},
            "cl": {k: cl[k] for k in ("name", "status", "node_count", "master_count",
                                      "cluster_template_id", "labels", "project_id")},
            "ngs": sorted((n["uuid"], n["name"], n["node_count"]) for n in ngs),
            "fed": m.get("/v1/federations/" + self.a_fed, headers=A).json,
            "ctr": m.database.query("SELECT name, status, bay_uuid, project_id FROM container "
                                    "WHERE uuid = ?", (self.a_ctr,)),
            "quota": m.get("/v1/quotas/%s/Cluster" % self.pa, headers=self.ADMIN).json,
            "ca": m.get("/v1/certificates/" + self.a_cl, headers=A).json["pem"],
        }


class Walker:
    """B's requests: records the routes walked, scans every answer for A's secrets."""

    def __init__(self, case, headers):
        self.t, self.m, self.h = case, case.m, headers
        self.walked = set()
        self.answers = 0
        self.leaks = []

    def call(self, route, path, body=None, version=None):
        method = route[0]
        self.walked.add(route)
        r = self.m.request(method, path, body=body, headers=self.h,
                           version=version or tenancy_routes.version_for(route[1].split("/")[0]))
        self.t.assertLess(r.status, 500, (route, path, r))
        # What B itself sent may come back (an echoed identifier is no leak).
        sent = set(path.split("?")[0].split("/"))
        if isinstance(body, dict):
            sent |= {v for v in body.values() if isinstance(v, str)}
        seen = r.raw + "\n" + "\n".join(v for _, v in r.headers)
        self.answers += 1
        for secret in self.t.secrets - sent:
            if secret in seen:
                self.leaks.append((route, path, secret, r.raw[:300]))
        return r

    def same_as_missing(self, route, path_fmt, ident, status, body_fn=None, version=None,
                        missing=None):
        """B's answer for A's `ident` equals the answer for an identifier that does not
        exist (with that identifier in its place) and has `status`."""
        if missing is None:
            missing = str(uuid.uuid4()) if len(ident) == 36 else "nosuch-" + uuid.uuid4().hex
        got = []
        for i in (ident, missing):
            path = path_fmt % i if "%s" in path_fmt else path_fmt
            r = self.call(route, path, body_fn(i) if body_fn else None, version)
            self.t.assertEqual(r.status, status, (route, path, i, r))
            got.append((r.raw.replace(i, "{x}"), sorted(
                k.lower() for k, _ in r.headers if k.lower() not in ("content-length",))))
        self.t.assertEqual(got[0], got[1], (route, "A's object answered unlike a missing one"))

    def listed(self, route, path, key, version=None):
        r = self.call(route, path, version=version)
        self.t.assertEqual(r.status, 200, (route, r))
        return [o.get("uuid") for o in r.json[key]]


class TwoProjectsTest(TenancyCase):

    def test_discovered_routes_are_the_walked_routes(self):
        # The walk below names its routes; the router must have exactly those.
        sys.stderr.write("\n%d routes discovered in %d probes\n" % (len(self.routes),
                                                                    self.probes))
        self.assertEqual(sorted(self.routes - WALKED), [], "routes nobody walks")
        self.assertEqual(sorted(WALKED - self.routes), [], "walked routes the router lacks")
        # The probe changed nothing.
        self.assertEqual(self.inventory_after_probe, self.inventory_before_probe)

    def test_other_project_walks_every_route(self):
        before = self.a_state()
        forged = dict(self.B)
        forged.update({"X-Project-Id": self.pa, "X-Tenant-Id": self.pa, "X-Roles": "admin",
                       "X-User-Id": self.env["users"]["demo"]["id"], "X-Project-Name": "demo",
                       "X-Identity-Status": "Confirmed", "X-Is-Admin-Project": "True"})
        total, checks = 0, 0
        for headers in (self.B, forged):
            w = Walker(self, headers)
            walk_as_other_project(self, w)
            self.assertEqual(sorted(self.routes - w.walked), [], "routes not walked")
            self.assertEqual(w.leaks, [], "A's secrets in B's answers")
            total += w.answers
            checks += w.answers * len(self.secrets)
        sys.stderr.write("\nB walked %d routes twice: %d answers x %d secrets = %d checks, "
                         "0 leaks\n" % (len(self.routes), total, len(self.secrets), checks))
        self.assertEqual(self.a_state(), before)

    def test_admin_sees_all(self):
        m, h = self.m, self.ADMIN
        uuids = [t["uuid"] for t in m.get("/v1/clustertemplates", headers=h).json[
            "clustertemplates"]]
        self.assertTrue({self.a_tpl, self.pub, self.hidden} <= set(uuids), uuids)
        for path in ("/v1/clusters", "/v1/clusters/detail"):
            uuids = [c["uuid"] for c in m.get(path, headers=h).json["clusters"]]
            self.assertTrue({self.a_cl, self.b_cl} <= set(uuids), (path, uuids))
        r = m.get("/v1/clusters/" + self.a_cl, headers=h)
        self.assertEqual((r.status, r.json["project_id"]), (200, self.pa), r)
        r = m.get("/v1/clustertemplates/" + self.a_names["tpl"], headers=h)
        self.assertEqual(r.status, 200, r)
        ngs = m.get("/v1/clusters/%s/nodegroups" % self.a_cl, headers=h)
        self.assertIn(self.a_ng, [n["uuid"] for n in ngs.json["nodegroups"]])
        self.assertEqual(m.get("/v1/clusters/%s/nodegroups/%s" % (self.a_cl, self.a_ng),
                               headers=h).status, 200)
        self.assertEqual(m.get("/v1/clusters/%s/events" % self.a_cl, headers=h).status, 200)
        # Ours: admins reach every project's cluster CA too (docs/api.md; upstream 404s).
        r = m.get("/v1/certificates/" + self.a_cl, headers=h)
        self.assertEqual((r.status, r.json.get("pem")), (200, self.a_ca), r)
        # Quotas: own project unless all_tenants (as upstream).
        own = m.get("/v1/quotas", headers=h).json["quotas"]
        self.assertNotIn(self.pa, [q["project_id"] for q in own])
        everyone = m.get("/v1/quotas?all_tenants=true", headers=h).json["quotas"]
        self.assertIn((self.pa, 7), [(q["project_id"], q["hard_limit"]) for q in everyone])
        self.assertEqual(m.get("/v1/quotas/%s/Cluster" % self.pa, headers=h).json[
            "hard_limit"], 7)
        a = m.get("/v1/stats?project_id=" + self.pa, headers=h).json
        b = m.get("/v1/stats?project_id=" + self.pb, headers=h).json
        total = m.get("/v1/stats", headers=h).json
        self.assertEqual(a["clusters"], 1)
        self.assertGreaterEqual(total["clusters"], a["clusters"] + b["clusters"] + 1)
        self.assertGreaterEqual(total["nodes"], a["nodes"] + b["nodes"])
        self.assertEqual(m.get("/v1/mservices", headers=h).status, 200)

    def test_member_on_admin_only_routes_is_403(self):
        m, A = self.m, self.A
        quota = {"project_id": self.pa, "resource": "Cluster", "hard_limit": 100}
        for method, path, body in (
                ("GET", "/v1/mservices", None), ("GET", "/v1/quotas", None),
                ("GET", "/v1/quotas?all_tenants=true", None), ("POST", "/v1/quotas", quota),
                ("PATCH", "/v1/quotas/%s/Cluster" % self.pa, quota),
                ("DELETE", "/v1/quotas/%s/Cluster" % self.pa, None),
                ("GET", "/v1/stats?project_id=" + self.pb, None),
                ("GET", "/v1/quotas/%s/Cluster" % self.pb, None),
                ("POST", "/v1/clustertemplates", tpl("pub-by-member", "demokey", public=True)),
                ("PATCH", "/v1/clustertemplates/" + self.a_tpl,
                 [{"op": "replace", "path": "/hidden", "value": True}])):
            r = m.request(method, path, body=body, headers=A)
            self.assertEqual(r.status, 403, (method, path, r))
        # A member reads its own project's quota and stats.
        self.assertEqual(m.get("/v1/quotas/%s/Cluster" % self.pa, headers=A).json[
            "hard_limit"], 7)
        self.assertEqual(m.get("/v1/stats", headers=A).json["clusters"], 1)

    def test_public_and_hidden_templates(self):
        m, B = self.m, self.B
        listed = [t["uuid"] for t in m.get("/v1/clustertemplates", headers=B).json[
            "clustertemplates"]]
        self.assertIn(self.pub, listed)
        self.assertNotIn(self.hidden, listed)
        self.assertEqual(m.get("/v1/clustertemplates/" + self.pub, headers=B).status, 200)
        self.assertEqual(m.get("/v1/clustertemplates/" + self.hidden, headers=B).status, 404)
        # Visible is not writable: the admin's public template is the admin's.
        r = m.patch("/v1/clustertemplates/" + self.pub,
                    [{"op": "replace", "path": "/name", "value": "mine"}], headers=B)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(m.delete("/v1/clustertemplates/" + self.pub, headers=B).status, 403)
        # Clusters from a public template are allowed; from a hidden one only for admins.
        r = m.post("/v1/clusters", {"name": "from-hidden", "cluster_template_id": self.hidden,
                                    "node_count": 1}, headers=B)
        self.assertEqual(r.status, 403, r)
        r = m.post("/v1/clusters", {"name": "from-pub", "cluster_template_id": self.pub,
                                    "node_count": 1}, headers=B)
        self.assertEqual(r.status, 202, r)
        self.wait(r.json["uuid"], B)
        self.assertEqual(m.delete("/v1/clusters/" + r.json["uuid"], headers=B).status, 204)

    def test_no_garbage_forged_or_expired_token_on_every_route_is_401(self):
        www = 'Keystone uri="%s"' % keystone_authtoken(self.env)["www_authenticate_uri"]
        expired = self.expiring_token()
        forged = {"X-Project-Id": self.pa, "X-Roles": "admin", "X-User-Id": "admin",
                  "X-Identity-Status": "Confirmed"}
        count = 0
        for headers in ({}, {"X-Auth-Token": "garbage"}, forged, {"X-Auth-Token": expired},
                        {"X-Auth-Token": "gAAAAAB" + "x" * 180}):
            for method, shape in sorted(self.routes):
                path = concrete(shape, self.pa)
                r = self.m.request(method, path, body=walk_body(method), headers=headers,
                                   version=tenancy_routes.version_for(shape.split("/")[0]))
                self.assertEqual(r.status, 401, (headers, method, path, r))
                self.assertEqual(r.header("WWW-Authenticate"), www, (method, path))
                count += 1
        sys.stderr.write("\n%d unauthenticated requests: all 401\n" % count)

    def expiring_token(self):
        """A demo token that has expired (an application credential living 4 s), used
        once while valid so that it sits in magnumd's token cache."""
        tok, expires = short_lived_token(self.env, self.A["X-Auth-Token"])
        self.assertEqual(self.m.get("/v1/clustertemplates",
                                    headers={"X-Auth-Token": tok}).status, 200)
        sleep_past(expires)
        return tok


# The walk: every route B takes on A's objects. Each entry of WALKED is walked below.
WALKED = {
    ("GET", "clustertemplates"), ("POST", "clustertemplates"),
    ("GET", "clustertemplates/detail"), ("GET", "clustertemplates/{id}"),
    ("PATCH", "clustertemplates/{id}"), ("DELETE", "clustertemplates/{id}"),
    ("GET", "baymodels"), ("POST", "baymodels"), ("GET", "baymodels/detail"),
    ("GET", "baymodels/{id}"), ("PATCH", "baymodels/{id}"), ("DELETE", "baymodels/{id}"),
    ("GET", "clusters"), ("POST", "clusters"), ("GET", "clusters/detail"),
    ("GET", "clusters/{id}"), ("PATCH", "clusters/{id}"), ("DELETE", "clusters/{id}"),
    ("GET", "clusters/{id}/events"), ("POST", "clusters/{id}/actions/resize"),
    ("POST", "clusters/{id}/actions/upgrade"),
    ("GET", "clusters/{id}/nodegroups"), ("POST", "clusters/{id}/nodegroups"),
    ("GET", "clusters/{id}/nodegroups/detail"), ("GET", "clusters/{id}/nodegroups/{id}"),
    ("PATCH", "clusters/{id}/nodegroups/{id}"), ("DELETE", "clusters/{id}/nodegroups/{id}"),
    ("GET", "bays"), ("POST", "bays"), ("GET", "bays/detail"), ("GET", "bays/{id}"),
    ("PATCH", "bays/{id}"), ("DELETE", "bays/{id}"),
    ("POST", "certificates"), ("PATCH", "certificates"), ("GET", "certificates/{id}"),
    ("PATCH", "certificates/{id}"), ("PATCH", "credentials/{id}"),
    ("GET", "quotas"), ("POST", "quotas"), ("GET", "quotas/{id}/{id}"),
    ("PATCH", "quotas/{id}/{id}"), ("DELETE", "quotas/{id}/{id}"),
    ("GET", "stats"), ("GET", "mservices"),
    ("GET", "federations"), ("POST", "federations"), ("GET", "federations/detail"),
    ("GET", "federations/{id}"), ("PATCH", "federations/{id}"),
    ("DELETE", "federations/{id}"),
    ("GET", "containers"), ("POST", "containers"), ("GET", "containers/detail"),
    ("GET", "containers/{id}"), ("DELETE", "containers/{id}"),
    ("GET", "containers/{id}/logs"), ("PUT", "containers/{id}/execute"),
    ("PUT", "containers/{id}/start"), ("PUT", "containers/{id}/stop"),
    ("PUT", "containers/{id}/reboot"), ("PUT", "containers/{id}/pause"),
    ("PUT", "containers/{id}/unpause"),
}


def walk_as_other_project(t, w):
    """B (walker `w`) on every route against A's objects; `t` is the TenancyCase."""
    name_patch = [{"op": "replace", "path": "/name", "value": "pwned"}]
    size_patch = [{"op": "replace", "path": "/node_count", "value": 3}]
    a_idents = (t.a_cl, t.a_names["cl"])
    # Templates (and their legacy name, baymodels at 1.10).
    for coll, key, version in (("clustertemplates", "clustertemplates", None),
                               ("baymodels", "baymodels", OLD)):
        for suffix in ("", "/detail"):
            listed = w.listed(("GET", coll + suffix), "/v1/" + coll + suffix, key, version)
            t.assertNotIn(t.a_tpl, listed)
            t.assertIn(t.pub, listed)
            t.assertNotIn(t.hidden, listed)
        r = w.call(("POST", coll), "/v1/" + coll,
                   tpl("b-own-" + uuid.uuid4().hex[:6], "altkey"), version)
        t.assertEqual(r.status, 201, r)
        own = r.json["uuid"]
        for ident in (t.a_tpl, t.a_names["tpl"]):
            w.same_as_missing(("GET", coll + "/{id}"), "/v1/%s/%%s" % coll, ident, 404,
                              version=version)
            w.same_as_missing(("PATCH", coll + "/{id}"), "/v1/%s/%%s" % coll, ident, 404,
                              lambda i: name_patch, version)
            w.same_as_missing(("DELETE", coll + "/{id}"), "/v1/%s/%%s" % coll, ident, 404,
                              version=version)
        t.assertEqual(w.call(("DELETE", coll + "/{id}"), "/v1/%s/%s" % (coll, own),
                             version=version).status, 204)
    # Clusters and bays.
    for suffix in ("", "/detail"):
        t.assertEqual(w.listed(("GET", "clusters" + suffix), "/v1/clusters" + suffix,
                               "clusters"), [t.b_cl])
        t.assertEqual(w.listed(("GET", "bays" + suffix), "/v1/bays" + suffix, "bays", OLD),
                      [t.b_cl])
    for ident in (t.a_tpl, t.a_names["tpl"]):
        w.same_as_missing(("POST", "clusters"), "/v1/clusters", ident, 404,
                          lambda i: {"name": "steal", "cluster_template_id": i,
                                     "node_count": 1}, missing=None)
        w.same_as_missing(("POST", "bays"), "/v1/bays", ident, 400,
                          lambda i: {"name": "steal", "baymodel_id": i, "node_count": 1},
                          OLD)
        # B's own cluster upgraded to A's template.
        w.same_as_missing(("POST", "clusters/{id}/actions/upgrade"),
                          "/v1/clusters/%s/actions/upgrade" % t.b_cl, ident, 404,
                          lambda i: {"cluster_template": i})
    for ident in a_idents:
        for coll, version in (("clusters", None), ("bays", OLD)):
            path = "/v1/%s/%%s" % coll
            w.same_as_missing(("GET", coll + "/{id}"), path, ident, 404, version=version)
            w.same_as_missing(("PATCH", coll + "/{id}"), path, ident, 404,
                              lambda i: size_patch, version)
            w.same_as_missing(("DELETE", coll + "/{id}"), path, ident, 404, version=version)
        w.same_as_missing(("GET", "clusters/{id}/events"), "/v1/clusters/%s/events", ident,
                          404)
        w.same_as_missing(("POST", "clusters/{id}/actions/resize"),
                          "/v1/clusters/%s/actions/resize", ident, 404,
                          lambda i: {"node_count": 2})
        w.same_as_missing(("POST", "clusters/{id}/actions/upgrade"),
                          "/v1/clusters/%s/actions/upgrade", ident, 404,
                          lambda i: {"cluster_template": t.pub})
        # Nodegroups of A's cluster.
        ngs = "/v1/clusters/%s/nodegroups"
        w.same_as_missing(("GET", "clusters/{id}/nodegroups"), ngs, ident, 404)
        w.same_as_missing(("GET", "clusters/{id}/nodegroups/detail"), ngs + "/detail", ident,
                          404)
        w.same_as_missing(("POST", "clusters/{id}/nodegroups"), ngs, ident, 404,
                          lambda i: {"name": "steal", "node_count": 1})
        for ng in (t.a_ng, t.a_names["ng"]):
            one = ngs + "/" + ng
            w.same_as_missing(("GET", "clusters/{id}/nodegroups/{id}"), one, ident, 404)
            w.same_as_missing(("PATCH", "clusters/{id}/nodegroups/{id}"), one, ident, 404,
                              lambda i: size_patch)
            w.same_as_missing(("DELETE", "clusters/{id}/nodegroups/{id}"), one, ident, 404)
        # Certificates and credentials.
        w.same_as_missing(("GET", "certificates/{id}"), "/v1/certificates/%s", ident, 404)
        w.same_as_missing(("PATCH", "certificates/{id}"), "/v1/certificates/%s", ident, 404)
        w.same_as_missing(("POST", "certificates"), "/v1/certificates", ident, 400,
                          lambda i: {"cluster_uuid": i, "csr": t.csr})
        w.same_as_missing(("PATCH", "certificates"), "/v1/certificates", ident, 404,
                          lambda i: {"cluster_uuid": i})
        w.same_as_missing(("PATCH", "credentials/{id}"), "/v1/credentials/%s", ident, 404)
        w.same_as_missing(("POST", "federations"), "/v1/federations", ident, 404,
                          lambda i: {"name": "steal", "hostcluster_id": i,
                                     "properties": {"dns-zone": "b.example."}})
    # A's nodegroups named below B's own cluster.
    b_ngs = w.listed(("GET", "clusters/{id}/nodegroups"),
                     "/v1/clusters/%s/nodegroups" % t.b_cl, "nodegroups")
    t.assertEqual(len(b_ngs), 2)
    for ng in (t.a_ng, t.a_names["ng"]):
        one = "/v1/clusters/%s/nodegroups/%%s" % t.b_cl
        w.same_as_missing(("GET", "clusters/{id}/nodegroups/{id}"), one, ng, 404)
        w.same_as_missing(("PATCH", "clusters/{id}/nodegroups/{id}"), one, ng, 404,
                          lambda i: size_patch)
        w.same_as_missing(("DELETE", "clusters/{id}/nodegroups/{id}"), one, ng, 404)
    # Quotas: admin-only but a member's own project read; A's project is 403 like any.
    def quota(project):
        return {"project_id": project, "resource": "Cluster", "hard_limit": 100}
    t.assertEqual(w.call(("GET", "quotas"), "/v1/quotas?all_tenants=true").status, 403)
    w.same_as_missing(("POST", "quotas"), "/v1/quotas", t.pa, 403, quota,
                      missing=uuid.uuid4().hex)
    for method, body in (("GET", None), ("PATCH", quota), ("DELETE", None)):
        w.same_as_missing((method, "quotas/{id}/{id}"), "/v1/quotas/%s/Cluster", t.pa, 403,
                          body, missing=uuid.uuid4().hex)
    # Stats: B's own counts; A's project is 403 like any other.
    r = w.call(("GET", "stats"), "/v1/stats")
    t.assertEqual((r.status, r.json["clusters"]), (200, 1), r)
    w.same_as_missing(("GET", "stats"), "/v1/stats?project_id=%s", t.pa, 403,
                      missing=uuid.uuid4().hex)
    t.assertEqual(w.call(("GET", "mservices"), "/v1/mservices").status, 403)
    # Federations.
    for suffix in ("", "/detail"):
        t.assertEqual(w.listed(("GET", "federations" + suffix), "/v1/federations" + suffix,
                               "federations"), [])
    fed_patch = [{"op": "replace", "path": "/properties", "value": {"dns-zone": "b."}}]
    for ident in (t.a_fed, t.a_names["fed"]):
        w.same_as_missing(("GET", "federations/{id}"), "/v1/federations/%s", ident, 404)
        w.same_as_missing(("PATCH", "federations/{id}"), "/v1/federations/%s", ident, 404,
                          lambda i: fed_patch)
        w.same_as_missing(("DELETE", "federations/{id}"), "/v1/federations/%s", ident, 404)
    # Containers: none of A's listed; on A's cluster or A's container, B is answered as
    # for ones that do not exist.
    for suffix in ("", "/detail"):
        t.assertEqual(w.listed(("GET", "containers" + suffix), "/v1/containers" + suffix,
                               "containers"), [])
    for ident in a_idents:
        w.same_as_missing(("POST", "containers"), "/v1/containers", ident, 400,
                          lambda i: {"image": "busybox", "cluster_uuid": i})
    for ident in (t.a_ctr, t.a_names["ctr"]):
        one = "/v1/containers/%s"
        w.same_as_missing(("GET", "containers/{id}"), one, ident, 404)
        w.same_as_missing(("DELETE", "containers/{id}"), one, ident, 404)
        w.same_as_missing(("GET", "containers/{id}/logs"), one + "/logs", ident, 404)
        w.same_as_missing(("PUT", "containers/{id}/execute"), one + "/execute", ident, 404,
                          lambda i: {"command": "true"})
        for action in ("start", "stop", "reboot", "pause", "unpause"):
            w.same_as_missing(("PUT", "containers/{id}/" + action), one + "/" + action,
                              ident, 404)


class KeystoneDownTest(unittest.TestCase):
    """Keystone unreachable (a closed port as auth_url): every route 503, never allowed."""

    def test_every_route_is_503(self):
        env = require_env(self)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % s.getsockname()[1]
        s.close()  # nothing listens there
        token = issue_token(env, "demo")[0]
        with Magnumd(extra_config=keystone_config(env, auth_url=url, www_authenticate_uri=url,
                                                  http_connect_timeout="2")) as m:
            for method, shape in sorted(WALKED):
                path = concrete(shape, env["projects"]["demo"])
                r = m.request(method, path, body=walk_body(method),
                              headers={"X-Auth-Token": token},
                              version=tenancy_routes.version_for(shape.split("/")[0]))
                self.assertEqual(r.status, 503, (method, path, r))
                self.assertIn("Keystone", r.error_detail())
                self.assertIsNone(r.header("WWW-Authenticate"), (method, path))
            self.assertEqual(m.get("/healthcheck").status, 200)


class KeystonePolicyFileTest(unittest.TestCase):
    """[oslo_policy] policy_file in keystone mode: applied to Keystone identities; a broken
    file stops the start with its file and line."""

    def server(self, text):
        env = require_env(self)
        config = keystone_config(env)
        config["oslo_policy"] = {"policy_file": "policy.yaml"}
        m = Magnumd(extra_config=config)
        with open(os.path.join(m.dir, "policy.yaml"), "w") as f:
            f.write(text)
        self.addCleanup(m.cleanup)
        return env, m

    def test_file_applies_to_keystone_roles(self):
        env, m = self.server("# admins only\n"
                             "\"clustertemplate:create\": \"role:admin\"\n")
        m.start()
        demo = {"X-Auth-Token": issue_token(env, "demo")[0], "X-Roles": "admin"}
        r = m.post("/v1/clustertemplates", tpl("by-member", "demokey"), headers=demo)
        self.assertEqual(r.status, 403, r)
        admin = {"X-Auth-Token": issue_token(env, "admin")[0]}
        self.assertEqual(m.post("/v1/clustertemplates", tpl("by-admin"), headers=admin).status,
                         201)

    def test_broken_file_refused_at_start_with_its_line(self):
        _, m = self.server("cluster:get: \"@\"\n"
                           "\n"
                           "clustertemplate:create: \"role:admin and (\"\n")
        with self.assertRaises(RuntimeError) as cm:
            m.start()
        self.assertIn("policy.yaml:3: rule 'clustertemplate:create'", str(cm.exception))
        self.assertNotEqual(m.proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
