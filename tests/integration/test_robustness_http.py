# ctest-labels: robustness
"""An HTTP-level generator against one real magnumd (issue 9): >= 10,000 malformed requests
over every route, with every method, mutated headers, query strings and JSON bodies, and raw
protocol abuse over sockets, from several connections at once (keep-alive and not).

Asserts: no 5xx (but 501 for an unknown transfer coding or method and 505 for an unknown HTTP
version, which the HTTP layer is meant to answer), the process alive and /v1 answering within
1 s afterwards, every error response in the API error format with an x-openstack-request-id,
no request built to be refused accepted and no row written, and RSS within 2x the RSS at idle
after a warm-up.

Seeded and reproducible: MAGNUM_ROBUSTNESS_SEED=<n> replays a run (the seed is printed; each
request is generated from (seed, index) alone, whatever the thread interleaving).
MAGNUM_ROBUSTNESS_REQUESTS overrides the number of API-level requests (default 9000; the raw
protocol cases come on top)."""
import json
import os
import random
import socket
import threading
import time
import unittest
import uuid

from cluster_fixtures import ADMIN, ALICE, FAST_CERTS, create_cluster, create_template
from harness import Magnumd
from robustness_support import api_error_problems, db_snapshot, rss_kb, run_parallel

SEED = int(os.environ.get("MAGNUM_ROBUSTNESS_SEED", random.SystemRandom().randrange(1 << 31)))
API_REQUESTS = int(os.environ.get("MAGNUM_ROBUSTNESS_REQUESTS", "9000"))
RAW_REQUESTS = 1500
SLOW_SENDS = 12
WORKERS = 8
READ_TIMEOUT = 10.0

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "get", "FOO",
           "PROPFIND", "M-SEARCH")
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                    "CONNECT")

# Every route; {t} template, {c} cluster, {ng} nodegroup, {p} project, {r} quota resource,
# {f} federation.
ROUTES = [
    "/", "/v1", "/v1/", "/v1/clustertemplates", "/v1/clustertemplates/detail",
    "/v1/clustertemplates/{t}", "/v1/clusters", "/v1/clusters/detail", "/v1/clusters/{c}",
    "/v1/clusters/{c}/nodegroups", "/v1/clusters/{c}/nodegroups/{ng}",
    "/v1/clusters/{c}/actions/resize", "/v1/clusters/{c}/actions/upgrade",
    "/v1/certificates", "/v1/certificates/{c}", "/v1/quotas", "/v1/quotas/{p}/{r}",
    "/v1/federations", "/v1/federations/{f}", "/v1/baymodels", "/v1/baymodels/{t}", "/v1/bays",
    "/v1/bays/{c}", "/v1/mservices", "/v1/stats", "/v1/credentials/{c}",
    "/v1/clusters/{c}/events", "/healthcheck",
]

# Writes to existing resources that a junk body always refuses (or, for DELETE of the
# template, its use by the cluster). Any other write to an existing resource would be
# accepted by some junk (a CA rotation takes no body; a DELETE deletes): it targets a
# missing or junk identifier instead.
SAFE_REAL_WRITES = {
    ("POST", "/v1/clusters/{c}/nodegroups"), ("POST", "/v1/clusters/{c}/actions/resize"),
    ("POST", "/v1/clusters/{c}/actions/upgrade"), ("PATCH", "/v1/clusters/{c}"),
    ("PATCH", "/v1/clustertemplates/{t}"), ("PATCH", "/v1/clusters/{c}/nodegroups/{ng}"),
    ("PATCH", "/v1/quotas/{p}/{r}"), ("PATCH", "/v1/federations/{f}"),
    ("PATCH", "/v1/baymodels/{t}"), ("PATCH", "/v1/bays/{c}"),
    ("DELETE", "/v1/clustertemplates/{t}"), ("DELETE", "/v1/baymodels/{t}"),
}
JSON_PATCH_ROUTES = ("/v1/clustertemplates/{t}", "/v1/clusters/{c}",
                     "/v1/clusters/{c}/nodegroups/{ng}", "/v1/federations/{f}",
                     "/v1/baymodels/{t}", "/v1/bays/{c}")

# Known fields per body-taking route, and for some a field whose junk value alone makes the
# request invalid (the rest may be anything).
FIELDS = {
    "/v1/clustertemplates": ["name", "coe", "image_id", "flavor_id", "master_flavor_id",
                             "external_network_id", "labels", "server_type", "public",
                             "docker_volume_size", "network_driver", "tls_disabled"],
    "/v1/clusters": ["name", "cluster_template_id", "node_count", "master_count", "labels",
                     "keypair", "create_timeout", "discovery_url", "merge_labels",
                     "master_lb_enabled"],
    "/v1/clusters/{c}/nodegroups": ["name", "node_count", "min_node_count", "max_node_count",
                                    "role", "labels", "flavor_id", "image_id",
                                    "merge_labels"],
    "/v1/clusters/{c}/actions/resize": ["node_count", "nodes_to_remove", "nodegroup"],
    "/v1/clusters/{c}/actions/upgrade": ["cluster_template", "max_batch_size", "nodegroup"],
    "/v1/certificates": ["cluster_uuid", "bay_uuid", "csr", "ca_cert_type"],
    "/v1/quotas": ["project_id", "resource", "hard_limit"],
    "/v1/quotas/{p}/{r}": ["project_id", "resource", "hard_limit"],
    "/v1/federations": ["name", "hostcluster_id", "member_ids", "properties"],
    "/v1/baymodels": ["name", "coe", "image_id", "flavor_id", "external_network_id"],
    "/v1/bays": ["name", "baymodel_id", "node_count", "master_count", "bay_create_timeout"],
}
STRICT_FIELD = {
    "/v1/clustertemplates": "coe", "/v1/clusters": "cluster_template_id",
    "/v1/clusters/{c}/actions/resize": "node_count",
    "/v1/clusters/{c}/actions/upgrade": "cluster_template", "/v1/certificates": "csr",
    "/v1/quotas": "hard_limit", "/v1/quotas/{p}/{r}": "hard_limit",
    "/v1/federations": "hostcluster_id", "/v1/baymodels": "coe", "/v1/bays": "baymodel_id",
}
# Values none of the strict fields accepts.
STRICT_JUNK = [None, [], {}, "", "no-such-thing-%d", 1.5, 1e300, -7, True, "\udcff", [None],
               {"": 1}, "x" * 300]

JUNK_VALUES = [None, True, False, 0, -1, 1.5, 1e308, -1e308, 10 ** 30, -(10 ** 30),
               18446744073709551616, "", " ", "\u0000", "\udcff", "\ufeff", "名前", "x" * 5000,
               [], [None], {}, {"": None}, {"a": [1, {"b": None}]}, "1", "true", "null",
               "../../etc/passwd", "' OR 1=1 --", "%ff", "\r\nX-Injected: 1"]

BAD_IDS = ["%ff", "%c3%28", "%00", "..", "%2e%2e", "%2F", "x" * 3000, "%E5%90%8D", "'%20OR%201",
           "default-worker", "00000000-0000-0000-0000-000000000000", "%", "%zz", "a%20b", "~",
           "detail", "null", "-1"]

API_VERSIONS = ["container-infra 1.1", "container-infra latest", "container-infra 1.99",
                "container-infra abc", "container-infra 1.", "container-infra latest latest",
                "", "container-infra 01.01", "container-infra 1.4294967297",
                "container-infra -1.1", "x" * 3000, "compute 2.1", "container-infra 1.14\x01",
                "container-infra\t1.10", "container-infra 2.0", "container-infra 1.1.1",
                "CONTAINER-INFRA LATEST", "container-infra 0.9"]
CONTENT_TYPES = [None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                 "application/json; charset=latin1", "application/json-patch+json",
                 "multipart/form-data; boundary=x", "application/JSON", "", "*/*",
                 "application/json;;;", "application/jsonx", "application/\xff"]
ROLES = ["", "reader", "member", "admin", "admin,admin", "ADMIN", "reader,,", " " * 100,
         "r" * 5000, "admin\xff", "member, reader", "heat_stack_owner", ",", "nobody"]
PROJECTS = ["", "p-alice", "p-bob", "x" * 5000, "\xff\xfe", "../p-alice", "%00", "p alice",
            "p-admin"]
QUERY_JUNK = ["limit=-1", "limit=abc", "limit=99999999999999999999", "limit=", "limit=0",
              "limit=1.5", "marker=junk", "marker=%s", "sort_key=junk", "sort_key=%c3%28",
              "sort_key=", "sort_dir=sideways", "sort_dir=", "%ff", "%", "%zz=1", "a=b&&&",
              "detail=1", "fields=%ff", "limit=1&limit=2", "marker=", "sort_key=uuid;DROP",
              "x" * 4000, "=&=&=", "limit=%00", "name=%ff%fe", "ca_cert_type=%ff",
              "project_id=%ff", "limit=1e3", "sort_key=id&sort_dir=desc&limit=%ff"]


def _json_bytes(obj):
    # Python's json writes lone surrogates as \udcff escapes: invalid UTF-16/UTF-8 in JSON.
    return json.dumps(obj).encode()


class Case:
    """One generated request: bytes to send and what it is, for reports."""

    def __init__(self, index, kind, desc, data, method="GET", write=False, raw=False,
                 allowed_5xx=(), half_close=False, slow=False, responses=1, expect=()):
        self.index = index
        self.kind = kind
        self.desc = desc
        self.data = data
        self.method = method
        self.write = write
        self.raw = raw
        self.allowed_5xx = allowed_5xx
        self.half_close = half_close
        self.slow = slow
        self.responses = responses
        self.expect = expect  # if not empty: the statuses the spec allows (issue 9)


class Generator:
    def __init__(self, seed, ids):
        self.seed = seed
        self.ids = ids  # placeholder -> existing identifier

    def rng(self, index):
        return random.Random(self.seed * 1000003 + index)

    # ---- API-level requests ---------------------------------------------------------

    def path_for(self, rnd, route, method):
        real_allowed = method.upper() not in WRITE_METHODS or (method, route) in SAFE_REAL_WRITES
        path = route
        for ph in ("{t}", "{c}", "{ng}", "{p}", "{r}", "{f}"):
            if ph not in path:
                continue
            roll = rnd.random()
            if roll < 0.5 and real_allowed and self.ids.get(ph):
                value = self.ids[ph]
            elif roll < 0.75:
                value = str(uuid.UUID(int=rnd.getrandbits(128)))
            else:
                value = rnd.choice(BAD_IDS)
            path = path.replace(ph, value)
        if rnd.random() < 0.05:
            path += rnd.choice(["/", "//", "/extra", "/%ff", "/..", "?", "#frag", ";x=1"])
        return path

    def query(self, rnd):
        if rnd.random() < 0.55:
            return ""
        parts = [rnd.choice(QUERY_JUNK) for _ in range(rnd.randint(1, 3))]
        parts = [p % str(uuid.UUID(int=rnd.getrandbits(128))) if "%s" in p else p
                 for p in parts]
        return "?" + "&".join(parts)

    def junk_value(self, rnd, depth=0):
        roll = rnd.random()
        if roll < 0.1 and depth < 3:
            return {rnd.choice(["", "a", "\u0000", "k" * 50]): self.junk_value(rnd, depth + 1)}
        if roll < 0.2 and depth < 3:
            return [self.junk_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
        return rnd.choice(JUNK_VALUES)

    def object_body(self, rnd, route):
        fields = FIELDS.get(route, ["name"])
        body = {}
        for f in rnd.sample(fields, rnd.randint(0, len(fields))):
            body[f] = self.junk_value(rnd)
        strict = STRICT_FIELD.get(route)
        if strict and rnd.random() < 0.5:
            v = rnd.choice(STRICT_JUNK)
            body[strict] = v % rnd.randrange(10 ** 6) if isinstance(v, str) and "%d" in v else v
        else:  # an unknown key: the usual 400 (an empty one crashed the process)
            body[rnd.choice(["", "\u0000", "bogus_key", "k" * 4000, "\udcff", " name",
                             "NAME", "name\u0000"])] = self.junk_value(rnd)
        return _json_bytes(body)

    def patch_body(self, rnd):
        ops = []
        for _ in range(rnd.randint(0, 3)):
            op = {}
            if rnd.random() < 0.9:
                op["op"] = rnd.choice(["add", "replace", "remove", "move", "copy", "test"])
            if rnd.random() < 0.9:
                op["path"] = rnd.choice(["/name", "/node_count", "/labels", "/labels/a",
                                         "/labels/", "/", "", "/uuid", "/status", "/~2",
                                         "/labels/~1x", "/node_count/0", "/hard_limit"])
            if rnd.random() < 0.7:
                op["value"] = self.junk_value(rnd)
            if rnd.random() < 0.2:
                op["from"] = rnd.choice(["/name", "", "/zzz", None])
            ops.append(op)
        # Always one op that nothing accepts.
        bad = rnd.choice([
            {"op": "bogus", "path": "/name", "value": "x"},
            {"op": "replace", "path": "/no_such_field_zz", "value": 1},
            {"op": None, "path": None},
            {"op": "replace"},
            {"path": "/name", "value": "x"},
            {"op": "replace", "path": "/name", "value": "x", "": 1},
            "not-an-op", 7, None, [],
        ])
        ops.insert(rnd.randint(0, len(ops)), bad)
        return _json_bytes(ops)

    def bad_body(self, rnd):
        # Refused by every route: not "[]", an empty JSON patch, which a PATCH by anyone whom
        # policy lets write (role names compare case-insensitively, as in oslo.policy: "ADMIN"
        # is admin) accepts as a no-op.
        return rnd.choice([
            b"", b"{", b"}", b"[", b"nul", b"{\"a\":}", b"\xff\xfe\xfd", b"{\"name\": \"\xff\"}",
            b"\xef\xbb\xbf{}", b"{}garbage", b"NaN", b"Infinity", b"{\"a\": NaN}",
            b"[" * 50000 + b"]" * 50000, b"{\"a\":" * 20000 + b"1" + b"}" * 20000,
            b"[" * 200000, b"1e999999", b"-", b"\"\\ud800\"", b"{\"\\u0000\": 1}",
            b"{\"a\": 1, \"a\": 2, \"\": 3}", b"[[]]", b"\"str\"", b"123", b"null", b"true",
            b"{\"a\": 123456789012345678901234567890}", b"\x00" * 100, b"{'a': 1}",
            b" " * 1000, b"{\"a\": \"\\x41\"}", b"[1,]", b"{\"a\":1,}",
        ])

    def body_for(self, rnd, route, method):
        if method.upper() not in ("POST", "PUT", "PATCH") and rnd.random() < 0.85:
            return None if rnd.random() < 0.8 else self.bad_body(rnd)
        roll = rnd.random()
        if roll < 0.3:
            return self.bad_body(rnd)
        if method == "PATCH" and route in JSON_PATCH_ROUTES:
            return self.patch_body(rnd)
        if method == "PATCH" and rnd.random() < 0.3:
            return self.patch_body(rnd)
        return self.object_body(rnd, route)

    def headers(self, rnd, method, body):
        h = [("Host", "127.0.0.1"), ("Accept", "application/json")]
        if rnd.random() < 0.7:
            h.append(("OpenStack-API-Version", rnd.choice(API_VERSIONS)))
        if rnd.random() < 0.15:
            h.append(("OpenStack-API-Version", rnd.choice(API_VERSIONS)))  # duplicated
        if rnd.random() < 0.15:
            h.append(("X-OpenStack-Magnum-API-Version", rnd.choice(["1.1", "latest", "x", ""])))
        if body is not None:
            ct = rnd.choice(CONTENT_TYPES) if rnd.random() < 0.5 else "application/json"
            if ct is not None:
                h.append(("Content-Type", ct))
        if rnd.random() < 0.5:
            h.append(("X-Roles", rnd.choice(ROLES)))
        if rnd.random() < 0.4:
            h.append(("X-Project-Id", rnd.choice(PROJECTS)))
        if rnd.random() < 0.2:
            h.append(("X-User-Id", rnd.choice(PROJECTS)))
        if rnd.random() < 0.05:
            h.append(("X-Roles", rnd.choice(ROLES)))  # duplicated
        if rnd.random() < 0.05:
            h.append(("X-Junk", "v" * rnd.choice([100, 4000, 7000, 20000])))
        if rnd.random() < 0.03:
            h.extend(("X-Many-%d" % i, "v") for i in range(rnd.choice([50, 150])))
        if rnd.random() < 0.05:
            h.append(("Origin", rnd.choice(["http://evil.example", "null", "http://127.0.0.1"])))
        if rnd.random() < 0.05:
            h.append(("Accept", rnd.choice(["text/html", "*/*", "application/xml", ""])))
        if rnd.random() < 0.05:
            h.append(("X-OpenStack-Request-ID", rnd.choice(
                ["req-" + str(uuid.uuid4()), "req-junk", "x" * 200, "\xff"])))
        if rnd.random() < 0.1:
            h.append(("Connection", "close"))
        return h

    def api_case(self, index):
        rnd = self.rng(index)
        route = rnd.choice(ROUTES)
        method = rnd.choice(METHODS)
        path = self.path_for(rnd, route, method) + self.query(rnd)
        body = self.body_for(rnd, route, method)
        headers = self.headers(rnd, method, body)
        data = "%s %s HTTP/1.1\r\n" % (method, path)
        head = data.encode("latin-1", "replace")
        for k, v in headers:
            head += k.encode() + b": " + v.encode("utf-8", "surrogateescape") + b"\r\n"
        payload = body if body is not None else b""
        if body is not None or method.upper() in ("POST", "PUT", "PATCH"):
            head += b"Content-Length: %d\r\n" % len(payload)
        head += b"\r\n"
        allowed = (501,) if method.upper() not in STANDARD_METHODS else ()
        return Case(index, "api %s %s" % (method, route), "%s %s body=%r headers=%r" % (
            method, path[:200], payload[:200], [(k, v[:60]) for k, v in headers]),
            head + payload, method=method,
            write=(method.upper() in WRITE_METHODS or method.upper() not in STANDARD_METHODS)
            and route != "/healthcheck",
            allowed_5xx=allowed)

    # ---- raw protocol abuse ---------------------------------------------------------

    def slow_case(self, index):
        """A short request sent a byte at a time (3 ms apart)."""
        rnd = self.rng(index)
        data = rnd.choice([
            b"GET /v1 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /v1/clusters?limit=%ff HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 6\r\n\r\n{\"\":1}",
            b"GET /v1 HTTP/1.1\nHost: x\n\n",
        ])
        return Case(index, "raw slow send", repr(data), data, method="RAW",
                    write=data.startswith(b"POST"), raw=True, half_close=True, slow=True)

    def raw_case(self, index):
        rnd = self.rng(index)
        target = rnd.choice(["/v1", "/v1/clusters", "/v1/clustertemplates", "/", "/healthcheck",
                             "/v1/stats"])
        crlf = b"\r\n"
        host = b"Host: 127.0.0.1\r\n"
        choices = [
            ("bad request line", rnd.choice([
                b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /v1 HTTP/1.1 extra\r\n\r\n",
                b"\x00\x01\x02\x03\r\n\r\n", b"GET  /v1  HTTP/1.1\r\n\r\n",
                b"GET /v1 http/1.1\r\n\r\n", b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
                b"GET http://evil.example/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
                b"\r\n\r\n\r\n", b"GET /v1\r\n\r\n", b"GET /v1 HTTP/1.1", b"G\xffT / HTTP/1.1\r\n\r\n",
                b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /v1/clusters/%ff HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /v1/clusters?sort_key=%c3%28 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /v1 HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\n",
                b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /v1 HTTP/0.9\r\n\r\n", b"GET /v1 HTTP/2.0\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            ]), (505, 501)),
            ("bare LF", b"GET " + target.encode() + b" HTTP/1.1\nHost: x\n\n", ()),
            ("header without colon", b"GET /v1 HTTP/1.1\r\nHost x\r\n\r\n", ()),
            ("space before colon", b"GET /v1 HTTP/1.1\r\nHost : x\r\n\r\n", ()),
            ("obs-fold", b"GET /v1 HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", ()),
            ("NUL in header", b"GET /v1 HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", ()),
            ("no Host 1.1", b"GET /v1 HTTP/1.1\r\n\r\n", (), (400,)),
            ("no Host 1.0", b"GET /v1 HTTP/1.0\r\n\r\n", ()),
            ("two Hosts", b"GET /v1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ()),
            ("oversized header", b"GET /v1 HTTP/1.1\r\nHost: x\r\nX-Big: " +
             b"a" * rnd.choice([9000, 70000, 300000]) + b"\r\n\r\n", ()),
            ("many headers", b"GET /v1 HTTP/1.1\r\nHost: x\r\n" +
             b"".join(b"X-H%d: v\r\n" % i for i in range(rnd.choice([200, 2000]))) + crlf, ()),
            ("bad chunked", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
             rnd.choice([b"zz\r\n{}\r\n0\r\n\r\n", b"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
                         b"2\r\n{}", b"2;ext=\xff\r\n{}\r\n0\r\n\r\n", b"-1\r\n\r\n",
                         b"3\r\n{}\r\n0\r\n\r\n", b"2\r\n{}\r\n0\r\nTrailer: \xff\r\n\r\n",
                         b"2\n{}\n0\n\n", b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"]), ()),
            ("unknown transfer coding", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nTransfer-Encoding: " +
             rnd.choice([b"xchunked", b"gzip", b"chunked, gzip", b"gzip, chunked", b"identity",
                         b"chunked, chunked", b"", b"\xff"]) + b"\r\n\r\n{\"\":1}", (501,),
             (400, 501)),
            ("TE and CL", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nContent-Length: 6\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n6\r\n{\"\":1}\r\n0\r\n\r\n", ()),
            ("bad Content-Length", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nContent-Length: " +
             rnd.choice([b"-1", b"abc", b"6, 7", b"99999999999999999999999", b"1e3", b" ",
                         b"0x10"]) + b"\r\n\r\n{\"\":1}", ()),
            ("two Content-Lengths", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\n"
             b"{\"\":1}", ()),
            ("body shorter than CL, closed", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"\":1}", ()),
            ("early close in header", b"GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-A: ", ()),
            ("expect 100-continue", b"POST /v1/clustertemplates HTTP/1.1\r\n" + host +
             b"Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 6\r\n"
             b"\r\n{\"\":1}", ()),
            ("upgrade", b"GET /v1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
             b"Upgrade: " + rnd.choice([b"h2c", b"websocket"]) + b"\r\n\r\n", ()),
        ]
        name, data, allowed, *expect = rnd.choice(choices)
        if rnd.random() < 0.08:  # pipelining: several requests in one send
            n = rnd.randint(2, 6)
            data = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode()
                            for _ in range(n - 1)) + b"GET /v1/%ff HTTP/1.1\r\nHost: x\r\n\r\n"
            return Case(index, "raw pipelining", "%d pipelined GETs" % n, data, raw=True,
                        half_close=True, responses=n)
        write = data.startswith(b"POST")
        return Case(index, "raw " + name, repr(data[:200]), data, method="RAW", write=write,
                    raw=True, allowed_5xx=allowed, half_close=True,
                    expect=expect[0] if expect else ())


def log_tail(m, n=6000):
    path = os.path.join(m.dir, m.program + ".log")
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return f.read()[-n:].decode("utf-8", "replace")


def read_response(sock, buf, method):
    """Reads one response from `sock` (buffered in `buf`, a bytearray). Returns (status,
    headers, body) or None when the peer closed before a complete response."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    del buf[:len(head) + 4]
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    status = int(parts[1])
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append((k.decode("latin-1").strip(), v.decode("latin-1").strip()))
    length = 0
    for k, v in headers:
        if k.lower() == "content-length":
            length = int(v)
    if method.upper() == "HEAD" or status in (100, 204, 304):
        length = 0
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    body = bytes(buf[:length])
    del buf[:length]
    if status == 100:  # the interim response: the real one follows
        return read_response(sock, buf, method)
    return status, headers, body


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.classes = {}
        self.statuses = {}
        self.no_response = 0
        self.failures = {"5xx": [], "format": [], "accepted": [], "hang": [], "client": [],
                         "protocol": []}
        self.kinds = {}  # failure signature -> count (uncapped)
        self.silent = {}  # kind of request -> connections closed without a response
        self.requests = 0
        self.slowest = []  # (seconds, index, kind, description), the slowest few

    def fail(self, what, case, detail, signature=None):
        with self.lock:
            sig = "%s: %s" % (what, signature or detail[:80])
            self.kinds[sig] = self.kinds.get(sig, 0) + 1
            if len(self.failures[what]) < 200:
                self.failures[what].append("#%d %s: %s -- %s" % (case.index, case.kind,
                                                                  detail[:300], case.desc[:400]))

    def record(self, case, resp):
        with self.lock:
            self.requests += 1
            if resp is None:
                self.no_response += 1
                self.silent[case.kind] = self.silent.get(case.kind, 0) + 1
            else:
                status = resp[0]
                self.statuses[status] = self.statuses.get(status, 0) + 1
                cls = "%dxx" % (status // 100)
                self.classes[cls] = self.classes.get(cls, 0) + 1
        if resp is None:
            if case.expect:
                self.fail("protocol", case, "closed without a response, expected one of %s"
                          % (case.expect,), "%s closed without a response" % case.kind)
            return
        status, headers, body = resp
        if status >= 500 and status not in case.allowed_5xx:
            self.fail("5xx", case, "%d %r" % (status, body[:200]), "%s %d" % (case.kind, status))
        if status >= 400:
            if case.method.upper() == "HEAD" and not body:
                ok = any(k.lower() == "x-openstack-request-id" for k, _ in headers)
                problems = [] if ok else ["no x-openstack-request-id header"]
            else:
                problems = api_error_problems(status, headers, body)
            if problems:
                self.fail("format", case, "%d %s" % (status, "; ".join(problems)),
                          "%d %s" % (status, problems[0][:40]))
        if case.expect and status not in case.expect:
            self.fail("protocol", case, "%d, expected one of %s" % (status, case.expect),
                      "%s answered %d" % (case.kind, status))
        if 200 <= status < 300 and case.write:
            self.fail("accepted", case, "%d %r" % (status, body[:200]), case.kind)


class Runner:
    def __init__(self, port, stats):
        self.port = port
        self.stats = stats
        self.local = threading.local()
        self.lock = threading.Lock()
        self.opened = []

    def close_all(self):
        with self.lock:
            for s in self.opened:
                s.close()
            self.opened = []

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=READ_TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def keepalive_socket(self):
        if getattr(self.local, "sock", None) is None:
            self.local.sock = self.connect()
            self.local.buf = bytearray()
            with self.lock:
                self.opened.append(self.local.sock)
        return self.local.sock, self.local.buf

    def drop_keepalive(self):
        s = getattr(self.local, "sock", None)
        if s is not None:
            s.close()
        self.local.sock = None

    def run_api(self, case):
        for attempt in range(2):
            sock, buf = self.keepalive_socket()
            try:
                sock.sendall(case.data)
                resp = read_response(sock, buf, case.method)
            except socket.timeout:
                self.drop_keepalive()
                self.stats.record(case, None)
                self.stats.fail("hang", case, "no response within %ss" % READ_TIMEOUT)
                return
            except (ConnectionResetError, BrokenPipeError):
                resp = None
            if resp is None:
                self.drop_keepalive()
                if attempt == 0:
                    continue  # the server closed the idle keep-alive connection: once more
                self.stats.record(case, None)
                return
            self.stats.record(case, resp)
            if any(k.lower() == "connection" and "close" in v.lower() for k, v in resp[1]):
                self.drop_keepalive()
            return

    def run_raw(self, case):
        sock = self.connect()
        buf = bytearray()
        try:
            try:
                if case.slow:
                    for i in range(len(case.data)):
                        sock.sendall(case.data[i:i + 1])
                        time.sleep(0.003)
                else:
                    sock.sendall(case.data)
                if case.half_close:
                    sock.shutdown(socket.SHUT_WR)
            except (ConnectionResetError, BrokenPipeError):
                pass  # refused mid-send (e.g. an oversized header): the answer may be there
            for _ in range(case.responses):
                try:
                    resp = read_response(sock, buf, "GET")
                except socket.timeout:
                    self.stats.record(case, None)
                    self.stats.fail("hang", case, "no response or close within %ss after the "
                                    "request (write side closed)" % READ_TIMEOUT)
                    return
                except (ConnectionResetError, BrokenPipeError, ValueError, IndexError):
                    resp = None
                self.stats.record(case, resp)
                if resp is None:
                    return
        finally:
            sock.close()

    def run(self, case):
        t0 = time.time()
        try:
            self._run(case)
        finally:
            took = time.time() - t0
            with self.stats.lock:
                self.stats.slowest.append((took, case.index, case.kind, case.desc[:150]))
                self.stats.slowest.sort(reverse=True)
                del self.stats.slowest[8:]

    def _run(self, case):
        try:
            if case.raw:
                self.run_raw(case)
            else:
                self.run_api(case)
        except OSError as e:
            self.stats.record(case, None)
            self.stats.fail("client", case, "client error %r" % e)


class HttpRobustnessTest(unittest.TestCase):
    def report(self, stats, duration, rss_idle, rss_after, latency):
        total = stats.requests
        print("robustness run: %d requests (%d API-level, %d raw protocol, %d slow sends) in "
              "%.1f s (%.0f req/s), %d connections in parallel" % (
                  total, API_REQUESTS, RAW_REQUESTS, SLOW_SENDS, duration, total / duration,
                  WORKERS))
        print("status classes: %s; closed without a response: %d" % (
            ", ".join("%s %d" % kv for kv in sorted(stats.classes.items())), stats.no_response))
        print("statuses: %s" % ", ".join("%d: %d" % kv for kv in sorted(stats.statuses.items())))
        if rss_after is not None:
            print("RSS idle after warm-up: %d kB, after the run: %d kB (%.2fx); /v1 after: "
                  "%.0f ms" % (rss_idle, rss_after, rss_after / rss_idle, latency * 1000))
        print("slowest: " + "; ".join("#%d %s %.2f s" % (i, k, t)
                                        for t, i, k, _ in stats.slowest[:5]))
        if stats.silent:
            print("closed without a response, by kind: %s" % ", ".join(
                "%s %d" % kv for kv in sorted(stats.silent.items())))
        if stats.kinds:
            print("failure signatures: " + "; ".join(
                "%s (%d)" % kv for kv in sorted(stats.kinds.items(), key=lambda kv: -kv[1])))
        for what, items in stats.failures.items():
            if items:
                print("FAILURES %s (%d%s; first 15):" % (what, len(items),
                                                         "+" if len(items) >= 200 else ""))
                for line in items[:15]:
                    print("  " + line[:600])

    def assertNoFailures(self, stats, what):
        items = stats.failures[what]
        if items:
            self.fail("%d%s %s failures (seed %d; signatures and the first 15 printed above), "
                      "first: %s" % (len(items), "+" if len(items) >= 200 else "", what, SEED,
                                     items[0][:800]))

    def test_malformed_requests(self):
        print("\nrobustness seed: %d (MAGNUM_ROBUSTNESS_SEED=%d replays this run)" % (SEED, SEED))
        cfg = dict(FAST_CERTS)
        cfg["kubernetes"] = {"health_polling_interval": "1"}
        m = Magnumd(extra_config=cfg).start()
        self.addCleanup(m.cleanup)
        db = m.database

        # What the routes point at: a template in use by a complete cluster, its default
        # worker nodegroup, a quota, and a federation if the service makes one.
        template = create_template(m, ALICE, name="robust-tmpl")
        cluster = create_cluster(m, template, ALICE, name="robust-cluster")
        r = m.post("/v1/quotas", {"project_id": "p-alice", "resource": "Cluster",
                                  "hard_limit": 50}, headers=ADMIN)
        self.assertEqual(r.status, 201, r)
        # The first health poll writes the cluster's health: before the snapshot.
        m.wait_for(lambda: m.get("/v1/clusters/" + cluster, headers=ALICE).json.get(
            "health_status") == "HEALTHY", timeout=60, what="first health poll")
        ids = {"{t}": template, "{c}": cluster, "{ng}": "default-worker", "{p}": "p-alice",
               "{r}": "Cluster", "{f}": None}
        r = m.post("/v1/federations", {"name": "robust-fed", "hostcluster_id": cluster,
                                       "properties": {"dns-zone": "example.com."}},
                   headers=ALICE)
        if r.status in (201, 202):
            ids["{f}"] = r.json["uuid"]
        gen = Generator(SEED, ids)
        stats = Stats()
        runner = Runner(m.port, stats)

        # Warm-up (requests of every kind, not counted), then the RSS at idle.
        warm = [gen.api_case(-1 - i) for i in range(600)] + \
            [gen.raw_case(-100000 - i) for i in range(100)]
        run_parallel(runner.run, warm, WORKERS)
        stats = Stats()
        runner.stats = stats
        time.sleep(1.0)
        rss_idle = rss_kb(m.proc.pid)
        before = db_snapshot(db)

        cases = [gen.api_case(i) for i in range(API_REQUESTS)] + \
            [gen.raw_case(API_REQUESTS + i) for i in range(RAW_REQUESTS)]
        slow = [gen.slow_case(API_REQUESTS + RAW_REQUESTS + i) for i in range(SLOW_SENDS)]
        random.Random(SEED).shuffle(cases)
        start = time.time()
        errors = run_parallel(runner.run, cases + slow, WORKERS)
        duration = time.time() - start
        runner.close_all()
        self.assertEqual(errors, [])

        rc = m.proc.poll()
        if rc is not None:
            self.report(stats, duration, rss_idle, None, None)
            self.fail("magnumd died (exit %s, seed %d); log tail:\n%s\nstderr:\n%s" % (
                rc, SEED, log_tail(m), m.proc.stderr.read()[-3000:]))
        # Alive, and /v1 answers within 1 s.
        t0 = time.time()
        r = m.get("/v1", timeout=1.0)
        latency = time.time() - t0
        time.sleep(1.0)
        rss_after = rss_kb(m.proc.pid)
        after = db_snapshot(db)
        self.report(stats, duration, rss_idle, rss_after, latency)
        self.assertEqual(r.status, 200, r)
        self.assertLess(latency, 1.0)

        total = stats.requests

        self.assertGreaterEqual(total, 10000)
        with self.subTest("no 5xx"):
            self.assertNoFailures(stats, "5xx")
        with self.subTest("API error format and request id"):
            self.assertNoFailures(stats, "format")
        with self.subTest("no hang"):
            self.assertNoFailures(stats, "hang")
        with self.subTest("strict HTTP: 400 without Host, 501/400 for unknown codings"):
            self.assertNoFailures(stats, "protocol")
        with self.subTest("client errors"):
            self.assertNoFailures(stats, "client")
        with self.subTest("no refused-by-construction request accepted"):
            self.assertNoFailures(stats, "accepted")
        with self.subTest("no row written"):
            self.assertEqual(set(after), set(before))
            for table in before:
                self.assertEqual(after[table], before[table], "table %s changed" % table)
        with self.subTest("RSS within 2x idle"):
            self.assertLessEqual(rss_after, 2 * rss_idle)


if __name__ == "__main__":
    unittest.main()
