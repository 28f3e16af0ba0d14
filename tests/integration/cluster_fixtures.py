"""Callers and fixtures shared by the lifecycle tests of certificates, credentials, stats,
quotas and federations: templates and clusters created over the API with the fake driver."""
import uuid

from harness import template_body

ADMIN = {"X-Project-Id": "p-admin", "X-User-Id": "u-admin", "X-Roles": "admin"}
ALICE = {"X-Project-Id": "p-alice", "X-User-Id": "alice", "X-Roles": "member"}
# Same project as Alice, another user.
CAROL = {"X-Project-Id": "p-alice", "X-User-Id": "carol", "X-Roles": "member"}
# Same project as Alice, read-only.
READER = {"X-Project-Id": "p-alice", "X-User-Id": "rita", "X-Roles": "reader"}
BOB = {"X-Project-Id": "p-bob", "X-User-Id": "bob", "X-Roles": "member"}

# Server configuration for tests that create clusters: 1024-bit keys make each cluster's
# certificate generation ~10x cheaper (the behaviour under test does not depend on it).
FAST_CERTS = {"x509": {"rsa_key_size": "1024"}}

TERMINAL = ("CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_COMPLETE", "UPDATE_FAILED")


def create_template(m, headers, **overrides):
    overrides.setdefault("name", "tmpl-" + uuid.uuid4().hex[:8])
    r = m.post("/v1/clustertemplates", template_body(**overrides), headers=headers)
    assert r.status == 201, r
    return r.json["uuid"]


def cluster_status(m, cluster, headers):
    r = m.get("/v1/clusters/" + cluster, headers=headers)
    return r.json.get("status") if r.status == 200 else None


def wait_status(m, cluster, headers, statuses=TERMINAL, timeout=20):
    def reached():
        status = cluster_status(m, cluster, headers)
        return status if status in statuses else None
    return m.wait_for(reached, timeout=timeout, what="cluster %s in %s" % (cluster, statuses))


def create_cluster(m, template, headers, wait=True, **body):
    """Creates a cluster (202) and, with `wait`, waits for CREATE_COMPLETE. Returns its uuid."""
    body.setdefault("name", "c" + uuid.uuid4().hex[:8])
    body["cluster_template_id"] = template
    body.setdefault("master_count", 1)
    body.setdefault("node_count", 1)
    r = m.post("/v1/clusters", body, headers=headers)
    assert r.status == 202, r
    cluster = r.json["uuid"]
    if wait:
        status = wait_status(m, cluster, headers)
        assert status == "CREATE_COMPLETE", (status, m.get("/v1/clusters/" + cluster,
                                                             headers=headers))
    return cluster


def delete_cluster(m, cluster, headers, wait=True):
    r = m.delete("/v1/clusters/" + cluster, headers=headers)
    assert r.status == 204, r
    if wait:
        m.wait_for(lambda: m.get("/v1/clusters/" + cluster, headers=headers).status == 404,
                   timeout=20, what="cluster %s gone" % cluster)
