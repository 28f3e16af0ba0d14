#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ (committed; rerun after changing this file).

Seeds are meaningful requests and documents: the bodies of tests/ and of the API spec
(docs/api.md, /work/shared/docs/api-v1.md), one file each, named after what they exercise.
The x509 seeds are made with the openssl CLI (fresh keys each run, so rerunning changes them).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- api_request
LATEST = "OpenStack-API-Version: container-infra latest\n"
JSON = "Content-Type: application/json\n"
HOST = "Host: 127.0.0.1:9511\n"


def req(name, method, target, body=None, headers=LATEST + HOST, ctype=JSON):
    text = f"{method} {target}\n{headers}"
    if body is not None:
        text += ctype
        text += "\n" + (body if isinstance(body, str) else json.dumps(body))
    else:
        text += "\n"
    write("api_request", name, text)


TEMPLATE = {"name": "k8s", "coe": "kubernetes", "image_id": "fake-image",
            "keypair_id": "kp", "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
            "docker_volume_size": 5, "network_driver": "flannel", "dns_nameserver": "8.8.8.8",
            "master_lb_enabled": True, "floating_ip_enabled": False, "public": False,
            "tls_disabled": False, "registry_enabled": False, "server_type": "vm",
            "labels": {"kube_tag": "v1.27.3", "min_node_count": "1"}, "hidden": False}
CLUSTER = {"name": "k1", "cluster_template_id": "{T}", "master_count": 1, "node_count": 2,
           "keypair": "kp", "create_timeout": 60, "labels": {"kube_tag": "v1"},
           "merge_labels": True, "master_lb_enabled": False, "floating_ip_enabled": False,
           "docker_volume_size": 3, "flavor_id": "m1.small"}

req("root", "GET", "/")
req("v1_root", "GET", "/v1/")
req("healthcheck", "GET", "/healthcheck")
req("templates_list", "GET", "/v1/clustertemplates?limit=1&sort_key=name&sort_dir=desc")
req("templates_detail", "GET", "/v1/clustertemplates/detail?marker={T}&limit=5")
req("templates_get_name", "GET", "/v1/clustertemplates/t1")
req("templates_create", "POST", "/v1/clustertemplates", TEMPLATE)
req("templates_create_null", "POST", "/v1/clustertemplates",
    {"name": "n", "coe": "kubernetes", "image_id": "i", "server_type": None,
     "docker_volume_size": None, "labels": None})
req("templates_create_empty_key", "POST", "/v1/clustertemplates", '{"":1}')
req("templates_patch", "PATCH", "/v1/clustertemplates/{T}",
    [{"op": "replace", "path": "/master_lb_enabled", "value": "true"},
     {"op": "add", "path": "/labels/x", "value": "1"},
     {"op": "replace", "path": "/docker_volume_size", "value": 5}])
req("templates_patch_literal", "PATCH", "/v1/clustertemplates/t1",
    [{"op": "replace", "path": "/labels", "value": "{'a': 'b', 'n': 1, 'ok': True}"}])
req("templates_patch_remove", "PATCH", "/v1/clustertemplates/{T}",
    [{"op": "remove", "path": "/coe"}, {"op": "remove", "path": "/labels/kube_tag"}])
req("templates_patch_internal", "PATCH", "/v1/clustertemplates/{T}",
    [{"op": "replace", "path": "/project_id", "value": "x"}])
req("templates_delete", "DELETE", "/v1/clustertemplates/t2")
req("clusters_list", "GET", "/v1/clusters?limit=2&sort_key=created_at&sort_dir=asc")
req("clusters_detail", "GET", "/v1/clusters/detail?marker={C}")
req("clusters_get", "GET", "/v1/clusters/{C}")
req("clusters_create", "POST", "/v1/clusters", CLUSTER)
req("clusters_create_min", "POST", "/v1/clusters", {"cluster_template_id": "t1"},
    headers="OpenStack-API-Version: container-infra 1.1\n" + HOST)
req("clusters_create_nulls", "POST", "/v1/clusters",
    {"cluster_template_id": "{T}", "node_count": None, "master_count": None, "labels": None})
req("clusters_patch", "PATCH", "/v1/clusters/{C}?rollback=True",
    [{"op": "replace", "path": "/node_count", "value": 3}])
req("clusters_patch_health", "PATCH", "/v1/clusters/c1",
    [{"op": "replace", "path": "/health_status", "value": "HEALTHY"},
     {"op": "replace", "path": "/health_status_reason", "value": "{'api': 'ok'}"}])
req("clusters_delete", "DELETE", "/v1/clusters/c2")
req("clusters_resize", "POST", "/v1/clusters/{C}/actions/resize",
    {"node_count": 3, "nodes_to_remove": ["n-1"], "nodegroup": "{NG}"},
    headers="OpenStack-API-Version: container-infra 1.7\n" + HOST)
req("clusters_resize_null", "POST", "/v1/clusters/{C}/actions/resize",
    {"node_count": None, "nodes_to_remove": None})
req("clusters_upgrade", "POST", "/v1/clusters/{C}/actions/upgrade",
    {"cluster_template": "t2", "max_batch_size": 1, "nodegroup": "default-worker"},
    headers="OpenStack-API-Version: container-infra 1.8\n" + HOST)
req("nodegroups_list", "GET", "/v1/clusters/{C}/nodegroups?role=worker&limit=1")
req("nodegroups_detail", "GET", "/v1/clusters/c1/nodegroups/detail")
req("nodegroups_get", "GET", "/v1/clusters/{C}/nodegroups/{NG}")
req("nodegroups_create", "POST", "/v1/clusters/{C}/nodegroups",
    {"name": "ng3", "node_count": 2, "min_node_count": 1, "max_node_count": 5,
     "flavor_id": "m1.small", "image_id": "fake-image", "role": "gpu",
     "labels": {"a": "b"}, "merge_labels": True},
    headers="OpenStack-API-Version: container-infra 1.9\n" + HOST)
req("nodegroups_patch", "PATCH", "/v1/clusters/{C}/nodegroups/ng2",
    [{"op": "replace", "path": "/max_node_count", "value": 4},
     {"op": "replace", "path": "/min_node_count", "value": 1}])
req("nodegroups_delete", "DELETE", "/v1/clusters/{C}/nodegroups/ng2")
req("certificates_get", "GET", "/v1/certificates/{C}?ca_cert_type=etcd")
req("certificates_rotate", "PATCH", "/v1/certificates/{C}", "")
req("credentials_rotate", "PATCH", "/v1/credentials/{C}", None,
    headers="OpenStack-API-Version: container-infra 1.12\n" + HOST)
req("quotas_list", "GET", "/v1/quotas?all_tenants=true&limit=1", headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_get", "GET", "/v1/quotas/p2/Cluster", headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_create", "POST", "/v1/quotas",
    {"project_id": "aa5436ab58144c768ca4e9d2e9f5c3b2", "resource": "Cluster", "hard_limit": 10},
    headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_create_null", "POST", "/v1/quotas",
    {"project_id": "p3", "resource": None, "hard_limit": None},
    headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_patch", "PATCH", "/v1/quotas/p2/Cluster",
    {"project_id": "p2", "resource": "Cluster", "hard_limit": 7},
    headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_delete", "DELETE", "/v1/quotas/p2/Cluster", headers=LATEST + HOST + "X-Roles: admin\n")
req("quotas_reader_empty_key", "POST", "/v1/quotas", '{"":1}',
    headers=LATEST + HOST + "X-Roles: reader\n")
req("federations_create", "POST", "/v1/federations",
    {"name": "fed1", "hostcluster_id": "{C}", "member_ids": [],
     "properties": {"dns-zone": "example.com."}})
req("federations_list", "GET", "/v1/federations/detail?limit=3")
req("federations_patch", "PATCH", "/v1/federations/fed1",
    [{"op": "add", "path": "/member_ids", "value": "{C}"}])
req("baymodels_create", "POST", "/v1/baymodels",
    {"name": "bm", "coe": "kubernetes", "image_id": "fake-image", "labels": {"a": "b"}})
req("baymodels_list", "GET", "/v1/baymodels/detail")
req("bays_create", "POST", "/v1/bays",
    {"name": "b1", "baymodel_id": "{T}", "node_count": 1, "bay_create_timeout": 30})
req("bays_patch", "PATCH", "/v1/bays/c1", [{"op": "replace", "path": "/node_count", "value": 2}])
req("bays_get", "GET", "/v1/bays/{C}")
req("mservices", "GET", "/v1/mservices", headers=LATEST + HOST + "X-Roles: admin\n")
req("stats", "GET", "/v1/stats?project_id=p1&type=cluster")
req("stats_admin", "GET", "/v1/stats", headers=LATEST + HOST + "X-Roles: admin\n")
req("bad_version", "GET", "/v1/clusters", headers="OpenStack-API-Version: container-infra 1.99\n" + HOST)
req("legacy_version", "GET", "/v1/clusters", headers="X-OpenStack-Magnum-API-Version: 1.2\n" + HOST)
req("bad_media_type", "POST", "/v1/clusters", "node_count=1", ctype="Content-Type: application/x-www-form-urlencoded\n")
req("patch_media_type", "PATCH", "/v1/clusters/{C}",
    [{"op": "replace", "path": "/node_count", "value": 1}],
    ctype="Content-Type: application/json-patch+json\n")
req("cross_origin", "POST", "/v1/clusters", CLUSTER,
    headers=LATEST + HOST + "Origin: http://evil.example\n")
req("preflight", "OPTIONS", "/v1/clusters", None,
    headers=HOST + "Origin: http://127.0.0.1:9511\nAccess-Control-Request-Method: POST\n")
req("utf8_path", "GET", "/v1/clustertemplates/%ff")
req("utf8_query", "GET", "/v1/clusters?sort_key=%c3%28")
req("invalid_json", "POST", "/v1/clusters", '{"name": "x", ')
req("deep_json", "POST", "/v1/clustertemplates", "[" * 200 + "]" * 200)
# The dashboard's files (api/dashboard.h): routes, conditional and gzip requests, traversal.
DASH = HOST + "Accept-Encoding: gzip, br\nIf-None-Match: W/\"x\", \"y\"\n"
req("dashboard_root", "GET", "/dashboard/", headers=DASH)
req("dashboard_redirect", "HEAD", "/dashboard?x=1", headers=HOST)
req("dashboard_route", "GET", "/dashboard/clusters/{C}/events", headers=HOST)
req("dashboard_traversal", "GET", "/dashboard/%2e%2e/..%2f..%2fetc%2fpasswd", headers=HOST)
req("dashboard_method", "DELETE", "/dashboard/index.html", headers=HOST)

# ---------------------------------------------------------------- json_patch
RES = {"template": 0, "cluster": 1, "bay": 2, "nodegroup": 3}


def patch(name, res, doc):
    data = doc if isinstance(doc, str) else json.dumps(doc)
    write("json_patch", name, bytes([RES[res]]) + data.encode())


patch("template_replace", "template", [{"op": "replace", "path": "/docker_volume_size", "value": 5}])
patch("template_labels_literal", "template",
      [{"op": "replace", "path": "/labels", "value": "{'a': 'b', 'c': 1, 'd': None}"}])
patch("template_add_label", "template", [{"op": "add", "path": "/labels/kube_tag", "value": "v2"}])
patch("template_remove_mandatory", "template", [{"op": "remove", "path": "/image_id"}])
patch("template_remove_default", "template", [{"op": "remove", "path": "/floating_ip_enabled"}])
patch("template_internal", "template", [{"op": "replace", "path": "/uuid", "value": "x"}])
patch("template_bool_string", "template", [{"op": "replace", "path": "/public", "value": "True"}])
patch("cluster_node_count", "cluster", [{"op": "replace", "path": "/node_count", "value": "3"}])
patch("cluster_health", "cluster",
      [{"op": "replace", "path": "/health_status_reason", "value": "{'k': 'v'}"}])
patch("cluster_unknown", "cluster", [{"op": "add", "path": "/nonexistent", "value": 1}])
patch("cluster_bad_op", "cluster", [{"op": "move", "from": "/name", "path": "/keypair"}])
patch("cluster_null_value", "cluster", [{"op": "replace", "path": "/master_count", "value": None}])
patch("cluster_not_array", "cluster", {"op": "replace"})
patch("bay_node_count", "bay", [{"op": "replace", "path": "/node_count", "value": 2}])
patch("nodegroup_minmax", "nodegroup",
      [{"op": "replace", "path": "/max_node_count", "value": 4},
       {"op": "replace", "path": "/min_node_count", "value": 1}])
patch("nodegroup_labels", "nodegroup",
      [{"op": "replace", "path": "/node_labels", "value": "{'role': 'gpu'}"}])
patch("nodegroup_name", "nodegroup", [{"op": "replace", "path": "/name", "value": "x"}])
patch("escaped_path", "template", [{"op": "add", "path": "/labels/a~1b~0c", "value": "1"}])
patch("literal_dict", "cluster", "{'a': [1, 2.5, -3], 'b': (True, False, None), 'c': \"x\\n\"}")
patch("literal_nested", "template", "{'a': {'b': {'c': ['d', 'e']}}}")
patch("literal_string", "template", "'it''s' \"x\"")
patch("literal_numbers", "template", "[1e10, -0.0, 0x1f, 1_000, 9999999999999999999999]")

# ---------------------------------------------------------------- microversion
for name, value in [("absent", ""), ("latest", "container-infra latest"),
                    ("one_one", "container-infra 1.1"), ("max", "container-infra 1.14"),
                    ("long_name", "container-infrastructure-management 1.10"),
                    ("mid_name", "container-infrastructure 1.5"),
                    ("out_of_range", "container-infra 1.99"), ("major_2", "container-infra 2.0"),
                    ("bad_service", "compute 2.1"), ("bad_value", "container-infra 1"),
                    ("spaces", "  container-infra   1.3  "), ("case", "CONTAINER-INFRA Latest"),
                    ("list", "compute 2.1, container-infra 1.2"),
                    ("negative", "container-infra -1.-1"), ("huge", "container-infra 1.99999999999999999999")]:
    write("microversion", name, value)

# ---------------------------------------------------------------- dashboard_input
# First byte: 0 a POST /dashboard/session body, 1 an Accept header, 2 "<event>\0<data>".
for name, value in [
        ("login_name", b"\x00" + json.dumps({"username": "demo", "password": "pw",
                                              "project_name": "demo"}).encode()),
        ("login_id", b"\x00" + json.dumps({"username": "demo", "password": "pw", "project_id": "0123",
                                            "user_domain_name": "Default"}).encode()),
        ("login_both", b"\x00" + json.dumps({"username": "u", "password": "p", "project_name": "a",
                                              "project_id": "b"}).encode()),
        ("login_unknown_field", b"\x00" + json.dumps({"username": "u", "password": "p",
                                                       "project_name": "a", "x": 1}).encode()),
        ("login_not_object", b"\x00[1,2]"),
        ("accept_sse", b"\x01text/event-stream"),
        ("accept_list", b"\x01application/json;q=0.9, TEXT/Event-Stream ; q=1"),
        ("sse_status", b"\x02status\x00" + json.dumps({"status": "CREATE_IN_PROGRESS"}).encode()),
        ("sse_newlines", b"\x02event\x00line1\r\nline2\rline3\n")]:
    write("dashboard_input", name, value)

# ---------------------------------------------------------------- container_input
# First byte: 0 a command line, 1 a memory quantity, 2 an RPC reply's JSON, 3 a name.
for name, value in [
        ("command_plain", b"\x00sleep 1000"),
        ("command_quotes", b"\x00sh -c 'echo \"$GREETING\"; exit 3' \"a b\" c\\ d"),
        ("command_unterminated", b"\x00echo 'x"),
        ("memory_512m", b"\x01512m"), ("memory_bytes", b"\x014194304"),
        ("memory_huge", b"\x01999999999999999999g"), ("memory_bad", b"\x011.5g"),
        ("wire_container", b"\x02" + json.dumps({
            "id": 3, "uuid": "0d1f3c2e-6b1a-4c39-9a63-2f0d5b7e8a11", "name": "web",
            "image": "magnum-workload", "command": "sleep 1", "bay_uuid": "c1",
            "status": "Running", "status_reason": None, "memory": "64m",
            "environment": {"A": "1"}, "project_id": "p", "user_id": "u",
            "docker_id": "abc", "created_at": "2026-12-05T18:00:00.000000",
            "updated_at": None}).encode()),
        ("wire_output", b"\x02" + json.dumps({"output": "hello\n", "truncated": False,
                                               "exit_code": 3}).encode()),
        ("name_ok", b"\x03web-1.a_b"), ("name_bad", b"\x03-web")]:
    write("container_input", name, value)

# ---------------------------------------------------------------- http_target
for name, value in [("root", "/"), ("collection", "/v1/clusters"),
                    ("query", "/v1/clusters?limit=2&marker=8d5ea4f5-3c2e-4d5b-9d8e-5a3f1b2c7e10"),
                    ("escapes", "/v1/clustertemplates/a%20b%2Fc?name=x%26y&z=%3D"),
                    ("plus", "/v1/stats?project_id=a+b"), ("bad_escape", "/v1/x%zz"),
                    ("invalid_utf8", "/v1/clustertemplates/%ff"),
                    ("invalid_utf8_query", "/v1/clusters?sort_key=%c3%28"),
                    ("empty_value", "/v1/quotas?all_tenants&limit="),
                    ("repeated", "/v1/clusters?limit=1&limit=2"),
                    ("absolute_form", "http://127.0.0.1:9511/v1/clusters"),
                    ("asterisk", "*"), ("fragment", "/v1/clusters#frag"),
                    ("dot_segments", "/v1/../v1/./clusters//detail"),
                    ("nul", "/v1/clusters%00x?a=%00")]:
    write("http_target", name, value)

# ---------------------------------------------------------------- http_parser
def raw(name, text, chunk=0):
    write("http_parser", name, bytes([chunk]) + text.encode())


raw("get", "GET /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1:9511\r\nOpenStack-API-Version: container-infra latest\r\n\r\n")
raw("post_json", "POST /v1/clusters HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    "Content-Length: 47\r\n\r\n{\"cluster_template_id\": \"t1\", \"node_count\": 2}")
raw("chunked", "POST /v1/quotas HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n", chunk=1)
raw("chunked_ext_trailer", "POST /v1/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n", chunk=5)
raw("xchunked", "POST /v1/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
raw("gzip_chunked", "POST /v1/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
raw("cl_and_te", "POST /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
raw("double_cl", "POST /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
raw("http10", "GET / HTTP/1.0\r\n\r\n", chunk=2)
raw("no_host", "DELETE /v1/clusters/c1 HTTP/1.1\r\nConnection: close\r\n\r\n")
raw("expect", "PATCH /v1/clusters/c1 HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n[]", chunk=3)
raw("folded_header", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n  b\r\n\r\n")
raw("pipelined", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /v1/ HTTP/1.1\r\nHost: h\r\n\r\n")
raw("bare_lf", "GET /v1/clusters?limit=1 HTTP/1.1\nHost: h\n\n")
raw("bad_version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n")
raw("utf8_target", "GET /v1/clustertemplates/%ff?sort_key=%c3%28 HTTP/1.1\r\nHost: h\r\n\r\n")
raw("huge_cl", "POST /v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n")

# ---------------------------------------------------------------- query
QT = {"templates": 0, "clusters": 1, "nodegroups": 2, "federations": 3, "quotas": 4, "events": 5}


def q(name, table, text):
    write("query", name, bytes([QT[table]]) + text.encode())


q("limit", "clusters", "limit=2")
q("sort", "templates", "sort_key=name&sort_dir=desc")
q("marker", "clusters", "marker=11111111-1111-4111-8111-111111111111&limit=1")
q("marker_other_project", "clusters", "marker=33333333-3333-4333-8333-333333333333")
q("marker_upper", "nodegroups", "marker=22222222-2222-4222-8222-222222222222".upper().replace("MARKER", "marker"))
q("numeric_marker", "quotas", "marker=1&limit=1&sort_key=hard_limit")
q("bad_limit", "clusters", "limit=abc")
q("zero_limit", "clusters", "limit=0")
q("huge_limit", "federations", "limit=99999999999999999999")
q("bad_sort_key", "clusters", "sort_key=name;DROP TABLE cluster")
q("bad_sort_dir", "clusters", "sort_dir=sideways")
q("unknown_arg", "templates", "foo=bar&detail=true")
q("utf8", "clusters", "sort_key=%c3%28")
q("events", "events", "limit=5&sort_key=id&sort_dir=desc&marker=2")
q("all_tenants", "quotas", "all_tenants=true&limit=1")

# ---------------------------------------------------------------- config
ETC = os.path.join(HERE, "..", "etc", "magnum")
for fn in sorted(os.listdir(ETC)):
    if fn.endswith(".conf"):
        with open(os.path.join(ETC, fn), "rb") as f:
            write("config", fn, f.read())
for name, text in [
        ("defaults", "[DEFAULT]\ndebug = true\nhost = ctl-1\nstate_path = /tmp/x\n"),
        ("api", "[api]\nhost = 127.0.0.1\nport = 9511\nmax_limit = 50\nworkers = 2\n"),
        ("cors", "[cors]\nallowed_origin = http://a.example, http://b.example\nmax_age = 10\n"
                 "allow_methods = GET,POST\n"),
        ("database", "[database]\nconnection = sqlite:////var/lib/magnum/magnum.sqlite\n"
                     "busy_timeout_ms = 100\n"),
        ("x509", "[x509]\nallow_ca = True\nallowed_extensions = keyUsage,subjectAltName\n"
                 "allowed_key_usage = Digital Signature, Key Encipherment\nrsa_key_size = 4096\n"
                 "term_of_validity = 10\n"),
        ("drivers", "[drivers]\ndisabled_drivers = k8s_fedora_atomic_v1\nenable_test_drivers = true\n"),
        ("quotas", "[quotas]\nmax_clusters_per_project = 0\n"),
        ("bad_int", "[api]\nport = ninety\n"),
        ("bad_bool", "[DEFAULT]\ndebug = maybe\n"),
        ("unknown", "[nowhere]\nx = 1\n[DEFAULT]\nunknown_option = 2\n"),
        ("continuation", "[cors]\nallowed_origin = http://a.example,\n  http://b.example\n"),
        ("comments", "# c\n; c\n[DEFAULT] ; trailing\ndebug=false # not a comment?\n"),
        ("no_section", "debug = true\n"),
        ("overflow", "[api]\nport = 99999999999999999999\nmax_limit = -1\n")]:
    write("config", name + ".conf", text)

# ---------------------------------------------------------------- x509
def openssl(*args, input=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=input).stdout


with tempfile.TemporaryDirectory() as tmp:
    key = os.path.join(tmp, "k.pem")
    openssl("genrsa", "-out", key, "1024")
    ec = os.path.join(tmp, "ec.pem")
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec)

    def csr(name, subj, exts=(), k=key, der=False):
        args = ["req", "-new", "-key", k, "-subj", subj]
        for e in exts:
            args += ["-addext", e]
        pem = openssl(*args)
        write("x509", name, openssl("req", "-outform", "DER", input=pem) if der else pem)

    csr("csr_plain", "/CN=admin/O=system:masters")
    csr("csr_der", "/CN=node-1", der=True)
    csr("csr_san", "/CN=kubelet", ["subjectAltName=DNS:node-1,IP:192.0.2.7,IP:2001:db8::1"])
    csr("csr_key_usage", "/CN=x", ["keyUsage=critical,digitalSignature,keyEncipherment",
                                   "extendedKeyUsage=clientAuth,serverAuth"])
    csr("csr_ca", "/CN=x", ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"])
    csr("csr_ca_der", "/CN=x", ["basicConstraints=critical,CA:TRUE,pathlen:2"], der=True)
    csr("csr_disallowed", "/CN=x", ["nsComment=hello", "1.2.3.4=critical,DER:05:00"])
    csr("csr_ec", "/C=US/ST=S/L=L/O=o/OU=u/CN=ec", k=ec)
    csr("csr_multi_rdn", "/CN=a+O=b/emailAddress=x@example.com")
    crt = openssl("req", "-x509", "-new", "-key", key, "-subj", "/CN=self", "-days", "30",
                  "-addext", "subjectAltName=DNS:a,URI:http://x,email:a@b")
    write("x509", "cert_self_signed", crt)
    write("x509", "cert_der", openssl("x509", "-outform", "DER", input=crt))
    write("x509", "pem_truncated", crt[: len(crt) // 2])
    write("x509", "pem_wrong_label", crt.replace(b"CERTIFICATE", b"CERTIFICATE REQUEST"))
    write("x509", "pem_two_blocks", crt + crt)
    write("x509", "empty_der", b"\x30\x00")

# ---------------------------------------------------------------- engine_workload
# Parts joined by NUL: a Swarm manager's answers to GET /nodes, /tasks (desired-state
# running) and /services, each a raw reply as the node socket client prints it (HTTP/1.0,
# no Content-Length, as Docker 20.10 answers) or the JSON body alone; further parts are
# times and scheduler reasons (fuzz/engine_workload_fuzzer.cc). Containers of the target's
# cluster: c1-master-0, c1-node-0, c1-node-1, c1-node-2.
SWARM_HEAD = ("Api-Version: 1.41\r\nContent-Type: application/json\r\n"
              "Docker-Experimental: false\r\nOstype: linux\r\n"
              "Server: Docker/20.10.24+dfsg1 (linux)\r\n"
              "Date: Sat, 05 Dec 2026 22:34:35 GMT\r\n")
INSUFFICIENT = "no suitable node (insufficient resources on 1 node)"


def swarm_node(nid, host, addr, role, state, availability="active", labels=None, cpus=2,
               mem=24 << 30):
    return {"ID": nid, "Version": {"Index": 9},
            "CreatedAt": "2026-12-05T22:30:01.113562345Z", "UpdatedAt": "2026-12-05T22:30:02.5Z",
            "Spec": {"Labels": labels or {}, "Role": role, "Availability": availability},
            "Description": {"Hostname": host, "Platform": {"Architecture": "x86_64", "OS": "linux"},
                            "Resources": {"NanoCPUs": cpus * 10**9, "MemoryBytes": mem},
                            "Engine": {"EngineVersion": "20.10.24+dfsg1",
                                       "Plugins": [{"Type": "Network", "Name": "overlay"}]},
                            "TLSInfo": {"TrustRoot": "-----BEGIN CERTIFICATE-----\n..."}},
            "Status": {"State": state, "Addr": addr},
            **({"ManagerStatus": {"Leader": True, "Reachability": "reachable",
                                  "Addr": "10.213.0.10:2377"}} if role == "manager" else {})}


def swarm_task(tid, service, node, state, cpus=0.0, mem=0, err=None, desired="running",
               created="2026-12-05T22:34:24.341582896Z", slot=1):
    t = {"ID": tid, "Version": {"Index": 68}, "CreatedAt": created,
         "UpdatedAt": "2026-12-05T22:34:24.422596033Z", "Labels": {},
         "Spec": {"ContainerSpec": {"Image": "magnum-workload:latest", "Args": ["sleep", "1000"],
                                    "Init": False, "DNSConfig": {}, "Isolation": "default"},
                  "Resources": {"Limits": {}, "Reservations": {}}, "Placement": {},
                  "ForceUpdate": 0},
         "ServiceID": service, "Slot": slot,
         "Status": {"Timestamp": "2026-12-05T22:34:24.422488358Z", "State": state,
                    "Message": "pending task scheduling" if state == "pending" else state,
                    "PortStatus": {}},
         "DesiredState": desired}
    if cpus:
        t["Spec"]["Resources"]["Reservations"]["NanoCPUs"] = int(cpus * 10**9)
    if mem:
        t["Spec"]["Resources"]["Reservations"]["MemoryBytes"] = mem
    if node:
        t["NodeID"] = node
    if err:
        t["Status"]["Err"] = err
    return t


def swarm_service(sid, name, replicas=2, cpus=1.5):
    reservations = {"NanoCPUs": int(cpus * 10**9)}
    return {"ID": sid, "Version": {"Index": 61}, "CreatedAt": "2026-12-05T22:34:24.3Z",
            "Spec": {"Name": name, "Labels": {},
                     "TaskTemplate": {"ContainerSpec": {"Image": "magnum-workload:latest"},
                                      "Resources": {"Reservations": reservations}},
                     "Mode": {"Replicated": {"Replicas": replicas}}},
            "Endpoint": {"Spec": {}}}


NODES = [swarm_node("m0xq3k6xv1h2c8f1y0vzlsd2a", "c1-master-0", "10.213.0.10", "manager",
                    "ready"),
         swarm_node("4zn42k5ho09b0xpwjl3m882dd", "c1-node-0", "10.213.0.20", "worker", "ready"),
         # c1-node-1 re-joined: its old entry is down; the new one is ready, drained, and
         # labelled with its nodegroup (the container's label is lost in the target).
         swarm_node("w1oldq8j5lbt6xnd1c1a5e0k3", "c1-node-1", "10.213.0.21", "worker", "down"),
         swarm_node("w1j8y6kb2p0a9ur3v7c5n1m4q", "c1-node-1", "10.213.0.21", "worker", "ready",
                    "drain", {"magnum.nodegroup": "default-worker"}),
         # An entry without a container (removed by hand).
         swarm_node("ghost7wq2mz9x0a1b2c3d4e5f", "c1-node-7", "10.213.0.27", "worker", "down")]
TASKS = [swarm_task("jhn61tcbonfice4d39yensgli", "n7jxochw3ncybpqp6z7hlu2kx", None, "pending",
                    1.5, 64 << 20, INSUFFICIENT, slot=2),
         swarm_task("ovb994k8crs3za0dbmq22cnlc", "n7jxochw3ncybpqp6z7hlu2kx",
                    "4zn42k5ho09b0xpwjl3m882dd", "running", 1.5, 64 << 20),
         swarm_task("a8s7d6f5g4h3j2k1l0qwertyu", "n7jxochw3ncybpqp6z7hlu2kx",
                    "m0xq3k6xv1h2c8f1y0vzlsd2a", "starting", 0.25),
         swarm_task("old0task5d1x9c8v7b6n5m4l3", "n7jxochw3ncybpqp6z7hlu2kx",
                    "w1oldq8j5lbt6xnd1c1a5e0k3", "running", 0, 1 << 20),
         swarm_task("shut4down2a8b7c6d5e4f3g2h", "n7jxochw3ncybpqp6z7hlu2kx",
                    "4zn42k5ho09b0xpwjl3m882dd", "running", 4, desired="shutdown"),
         swarm_task("db0pending9z8y7x6w5v4u3t2", "dbsvc8k2j4h6g8f0d2s4a6q8w", None, "pending",
                    err="no suitable node (scheduling constraints not satisfied on 3 nodes)",
                    created="2026-12-05T23:34:24.5+01:00"),
         swarm_task("new0task1q2w3e4r5t6y7u8i9", "gone5service0a1b2c3d4e5f6", None, "new")]
SERVICES = [swarm_service("n7jxochw3ncybpqp6z7hlu2kx", "big"),
            swarm_service("dbsvc8k2j4h6g8f0d2s4a6q8w", "db", 1, 0)]


def http10(body, status="200 OK"):
    return "HTTP/1.0 " + status + "\r\n" + SWARM_HEAD + "\r\n" + body + "\n"


def chunked(body, size=300):
    out = "HTTP/1.1 200 OK\r\n" + SWARM_HEAD + "Transfer-Encoding: chunked\r\n\r\n"
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += "%x\r\n%s\r\n" % (len(piece.encode()), piece)
    return out + "0\r\n\r\n"


def with_length(body):
    return ("HTTP/1.1 200 OK\r\n" + SWARM_HEAD + "Content-Length: %d\r\n\r\n" % len(body.encode())
            + body)


def workload(name, nodes, tasks, services, *extra, wrap=lambda b: b):
    # The Engine's JSON is compact.
    parts = [x if isinstance(x, str) else wrap(json.dumps(x, separators=(",", ":")))
             for x in (nodes, tasks, services)]
    write("engine_workload", name, "\0".join(parts + list(extra)))


workload("json_bodies", NODES, TASKS, SERVICES)
workload("raw_http10_no_length", NODES, TASKS, SERVICES, wrap=http10)
workload("raw_chunked", NODES, TASKS, SERVICES, wrap=chunked)
workload("raw_content_length", NODES, TASKS, SERVICES, wrap=with_length)
workload("tasks_pending_insufficient", NODES[:2], TASKS[:2], SERVICES[:1], INSUFFICIENT,
         wrap=http10)
NOT_A_MANAGER = ('{"message":"This node is not a swarm manager. Use \\"docker swarm init\\" or '
                 '\\"docker swarm join\\" to connect this node to swarm and try again."}')
workload("not_a_manager", http10(NOT_A_MANAGER, "503 Service Unavailable"), "[]", "[]")
workload("bad_created_at", NODES[:1], [swarm_task("t9", "s", None, "pending", created="yesterday")],
         [], wrap=http10)
workload("times_and_reasons", "[]", "[]", "[]",
         "2026-12-05T22:34:24.341582896Z", "2026-12-05t22:34:24z", "2026-12-05T23:34:24.25+01:00",
         "2026-12-05T21:39:00-00:01", "2024-02-29T12:00:00Z", "2026-02-31T12:00:00Z",
         "2016-12-31T23:59:60Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999999-23:59",
         "1970-01-01T00:00:00Z", INSUFFICIENT,
         "no suitable node (scheduling constraints not satisfied on 1 node; insufficient resources "
         "on 2 nodes)", "no suitable node (host-mode port already in use on 1 node)",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\n[{}\r\n1\r\n]\r\n0\r\n\r\n")

print("seeds written to", CORPUS, file=sys.stderr)

# ---------------------------------------------------------------- autoscaler_memory
# The JSON of an autoscaler_state row (conductor/autoscaler_memory.h), as the conductor
# writes it, and near misses the decoder must turn into the empty memory.
def memory(name, doc):
    write("autoscaler_memory", name, doc if isinstance(doc, str) else json.dumps(doc))


T0 = "2026-12-05T10:15:30.123456"
memory("two_groups", {"version": 1, "groups": {
    "0b9c3b1e-6f0a-4a53-9d7c-6a3f8e0b1c2d": {"underused_since": {"w1": T0,
                                                                 "w2": "2026-12-05T10:16:00"},
                                               "hold_recorded": "at max_node_count 3"},
    "ng-2": {"underused_since": {"node \"q\" \u00e9": "2026-12-05T09:15:30"}}},
    "refusal_recorded": True, "observe_error_recorded": "docker exec failed: exit 1"})
memory("empty", {"version": 1, "groups": {}})
memory("hold_only", {"version": 1, "groups": {"ng": {"hold_recorded": "no free node"}}})
memory("empty_group", {"version": 1, "groups": {"ng": {}}})
memory("other_version", {"version": 2, "groups": {}})
memory("bad_timestamp", {"version": 1, "groups": {"ng": {"underused_since": {"w": "yesterday"}}}})
memory("wrong_types", {"version": 1, "groups": {"ng": {"underused_since": []}},
                       "refusal_recorded": "yes"})
memory("truncated", '{"version":1,"groups":{"ng":{"underused_since":{"w":"2026-12-')


# ---------------------------------------------------------------- dictionaries
# libFuzzer -dict files (fuzz/dict/<target>.dict): the words a mutation can hardly guess.
API_WORDS = [
    "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "/v1/", "/v1.json",
    "clustertemplates", "clusters", "nodegroups", "actions", "resize", "upgrade",
    "certificates", "credentials", "quotas", "federations", "baymodels", "bays", "mservices",
    "stats", "detail", "healthcheck", "{T}", "{C}", "{NG}", "{P}", "t1", "t2", "c1", "c2",
    "default-worker", "default-master", "ng2", "p2", "Cluster",
    "limit=", "marker=", "sort_key=", "sort_dir=", "rollback=", "all_tenants=", "ca_cert_type=",
    "project_id=", "type=", "role=",
    "OpenStack-API-Version: ", "container-infra ", "latest", "1.14", "1.9",
    "X-Roles: ", "admin", "reader", "member", "X-Project-Id: ", "X-User-Id: ",
    "Content-Type: ", "application/json", "application/json-patch+json", "Origin: ",
    "Host: ", "X-Forwarded-Host: ",
    "\"op\"", "\"path\"", "\"value\"", "\"add\"", "\"replace\"", "\"remove\"", "\"from\"",
    "\"name\"", "\"coe\"", "\"image_id\"", "\"labels\"", "\"node_count\"", "\"master_count\"",
    "\"server_type\"", "\"nodes_to_remove\"", "\"max_batch_size\"", "\"nodegroup\"",
    "\"cluster_template\"", "\"cluster_template_id\"", "\"baymodel_id\"", "\"hard_limit\"",
    "\"resource\"", "\"project_id\"", "\"hostcluster_id\"", "\"member_ids\"", "\"properties\"",
    "\"dns-zone\"", "\"csr\"", "\"cluster_uuid\"", "\"min_node_count\"", "\"max_node_count\"",
    "\"flavor_id\"", "\"master_flavor_id\"", "\"keypair\"", "\"merge_labels\"", "\"role\"",
    "\"docker_volume_size\"", "\"health_status\"", "\"health_status_reason\"",
    "\"create_timeout\"", "\"bay_create_timeout\"", "\"public\"", "\"hidden\"",
    "\"network_driver\"", "\"tls_disabled\"", "\"uuid\"", "null", "true", "false", "\"\"",
    "-----BEGIN CERTIFICATE REQUEST-----", "%ff", "%c3%28", "%00",
]
PATCH_WORDS = ["\"op\"", "\"path\"", "\"value\"", "\"add\"", "\"replace\"", "\"remove\"",
               "\"move\"", "\"copy\"", "\"test\"", "\"/labels\"", "\"/labels/", "~0", "~1",
               "\"/node_count\"", "\"/uuid\"", "\"/name\"", "\"/health_status_reason\"",
               "\"/node_labels\"", "\"/max_node_count\"", "\"/public\"", "True", "False", "None",
               "'", "{'", "'}", "(", ")", "0x", "1e", "null", "\"\\u0000\""]
HTTP_WORDS = ["HTTP/1.1", "HTTP/1.0", "\r\n", "\r\n\r\n", "Host: ", "Content-Length: ",
              "Transfer-Encoding: ", "chunked", "gzip", "Connection: ", "keep-alive", "close",
              "Expect: ", "100-continue", "Content-Type: ", "application/json", "0\r\n\r\n"]


def dictionary(target, words):
    d = os.path.join(HERE, "dict")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, target + ".dict"), "w") as f:
        for w in words:
            esc = "".join("\\" + c if c in "\\\"" else c if 32 <= ord(c) < 127
                          else "".join("\\x%02x" % b for b in c.encode()) for c in w)
            f.write('"' + esc + '"\n')


dictionary("api_request", API_WORDS)
dictionary("json_patch", PATCH_WORDS)
dictionary("http_parser", HTTP_WORDS)
