"""Benchmark data: the same cluster templates and clusters in both servers.

Ours gets them through its API (clusters are created by the `fake` test driver and waited
for until CREATE_COMPLETE). The original cannot create (it needs Glance/Nova through a
Keystone catalog), so the rows of ours are copied into its SQLite database: same ids,
UUIDs, names, labels, nodegroups, timestamps. Stdlib only.

    load_ours(url, n_templates, n_clusters) -> {"templates": [uuid...], "clusters": [uuid...]}
    copy_rows(our_sqlite, original_sqlite) -> {table: rows copied}
    insert_clusters(our_sqlite, n, like_uuid) -> copies of one cluster (with nodegroups)
"""
import concurrent.futures
import http.client
import json
import sqlite3
import time
import uuid as uuidlib

# Every request of the benchmark is made as this caller (noauth headers in ours, the same
# headers read by the original's ContextHook once authtoken is out of its pipeline).
IDENTITY = {
    "X-Project-Id": "bench-project",
    "X-User-Id": "bench-user",
    "X-Roles": "member,reader",
}
VERSION = {"OpenStack-API-Version": "container-infra latest"}
HEADERS = dict(IDENTITY, **VERSION, Accept="application/json")

TABLES = ("cluster_template", "cluster", "nodegroup")


class Client:
    """A keep-alive JSON client for one server (one instance per thread)."""

    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(HEADERS)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, (json.loads(raw) if raw else None), raw
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def template_body(i):
    return {
        "name": "bench-tpl-%03d" % i,
        "coe": "kubernetes",
        "image_id": "fake-image",
        "flavor_id": "m1.small",
        "master_flavor_id": "m1.medium",
        "external_network_id": "public",
        "dns_nameserver": "8.8.8.8",
        "docker_volume_size": 10,
        "network_driver": "flannel",
        "labels": {"kube_tag": "v1.27.3", "bench_index": str(i)},
    }


def cluster_body(i, template_uuid):
    return {
        "name": "bench-c-%05d" % i,
        "cluster_template_id": template_uuid,
        "master_count": 1,
        "node_count": 2,
        "labels": {"bench_index": str(i)},
        "merge_labels": True,
    }


def _check(status, body, raw, want, what):
    if status != want:
        raise RuntimeError("%s: HTTP %d (want %d): %s" % (what, status, want, raw[:400]))
    return body


def create_templates(host, port, n, start=0):
    c = Client(host, port)
    out = []
    for i in range(start, start + n):
        s, b, raw = c.request("POST", "/v1/clustertemplates", template_body(i))
        out.append(_check(s, b, raw, 201, "template create")["uuid"])
    c.close()
    return out


def create_clusters(host, port, n, template_uuids, in_flight=8, start=0, poll_s=0.02,
                    timeout_s=600):
    """Creates n clusters, at most `in_flight` not yet CREATE_COMPLETE at any time.

    Returns (uuids, per-cluster seconds from POST to CREATE_COMPLETE, POST seconds).
    """
    def one(i):
        c = Client(host, port)
        t0 = time.monotonic()
        s, b, raw = c.request("POST", "/v1/clusters",
                              cluster_body(i, template_uuids[i % len(template_uuids)]))
        u = _check(s, b, raw, 202, "cluster create")["uuid"]
        t_post = time.monotonic() - t0
        deadline = t0 + timeout_s
        while True:
            s, b, raw = c.request("GET", "/v1/clusters/" + u)
            _check(s, b, raw, 200, "cluster get")
            if b["status"] == "CREATE_COMPLETE":
                break
            if b["status"].endswith("FAILED"):
                raise RuntimeError("cluster %s: %s %s" % (u, b["status"], b.get("status_reason")))
            if time.monotonic() > deadline:
                raise RuntimeError("cluster %s still %s after %ds" % (u, b["status"], timeout_s))
            time.sleep(poll_s)
        c.close()
        return u, time.monotonic() - t0, t_post

    uuids, total, post = [None] * n, [0.0] * n, [0.0] * n
    with concurrent.futures.ThreadPoolExecutor(max_workers=in_flight) as pool:
        futures = {pool.submit(one, start + k): k for k in range(n)}
        for f in concurrent.futures.as_completed(futures):
            k = futures[f]
            uuids[k], total[k], post[k] = f.result()
    return uuids, total, post


def load_ours(host, port, n_templates, n_clusters, in_flight=8):
    templates = create_templates(host, port, n_templates)
    clusters = []
    if n_clusters:
        clusters, _, _ = create_clusters(host, port, n_clusters, templates, in_flight=in_flight)
    return {"templates": templates, "clusters": clusters}


def _columns(conn, table):
    return [r[1] for r in conn.execute("PRAGMA table_info(%s)" % table)]


def _sqlalchemy_timestamp(v):
    # Ours stores "2026-11-22T02:44:12.123456"; SQLAlchemy's SQLite DateTime reads
    # "2026-11-22 02:44:12.123456".
    if isinstance(v, str) and len(v) >= 19 and v[10] == "T":
        return v[:10] + " " + v[11:]
    return v


def copy_rows(our_db, original_db, tables=TABLES):
    """Copies every row of `tables` from our database into the original's (common columns)."""
    src = sqlite3.connect("file:%s?mode=ro" % our_db, uri=True, timeout=30)
    dst = sqlite3.connect(original_db, timeout=30)
    counts = {}
    try:
        with dst:
            for table in tables:
                theirs = _columns(dst, table)
                ours = set(_columns(src, table))
                cols = [c for c in theirs if c in ours]
                ts = {i for i, c in enumerate(cols) if c in ("created_at", "updated_at")}
                rows = []
                for r in src.execute("SELECT %s FROM %s ORDER BY id" % (", ".join(cols), table)):
                    rows.append(tuple(_sqlalchemy_timestamp(v) if i in ts else v
                                      for i, v in enumerate(r)))
                dst.executemany("INSERT INTO %s (%s) VALUES (%s)" % (
                    table, ", ".join(cols), ", ".join("?" * len(cols))), rows)
                counts[table] = len(rows)
    finally:
        src.close()
        dst.close()
    return counts


def backup(src_db, dst_db):
    """A consistent copy of a live SQLite database (the backup API; WAL included)."""
    src = sqlite3.connect("file:%s?mode=ro" % src_db, uri=True, timeout=30)
    dst = sqlite3.connect(dst_db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def insert_clusters(our_db, n, like_uuid, name_prefix="bulk-c-"):
    """Inserts n copies of cluster `like_uuid` (and of its nodegroups) directly into our
    database, with new UUIDs and names: for list benchmarks that need more clusters than
    are worth creating through the conductor (each create generates CA keys)."""
    conn = sqlite3.connect(our_db, timeout=60)
    try:
        ccols = [c for c in _columns(conn, "cluster") if c != "id"]
        ncols = [c for c in _columns(conn, "nodegroup") if c != "id"]
        conn.row_factory = sqlite3.Row
        proto = conn.execute("SELECT * FROM cluster WHERE uuid = ?", (like_uuid,)).fetchone()
        if proto is None:
            raise RuntimeError("no cluster %s to copy" % like_uuid)
        ngs = conn.execute("SELECT * FROM nodegroup WHERE cluster_id = ? ORDER BY id",
                           (like_uuid,)).fetchall()
        c_sql = "INSERT INTO cluster (%s) VALUES (%s)" % (", ".join(ccols),
                                                         ", ".join("?" * len(ccols)))
        n_sql = "INSERT INTO nodegroup (%s) VALUES (%s)" % (", ".join(ncols),
                                                           ", ".join("?" * len(ncols)))
        with conn:
            for i in range(n):
                cu = str(uuidlib.uuid4())
                row = dict(proto)
                row.update(uuid=cu, name="%s%05d" % (name_prefix, i), stack_id=str(uuidlib.uuid4()))
                conn.execute(c_sql, [row[c] for c in ccols])
                for ng in ngs:
                    g = dict(ng)
                    g.update(uuid=str(uuidlib.uuid4()), cluster_id=cu)
                    conn.execute(n_sql, [g[c] for c in ncols])
    finally:
        conn.close()
