# ctest-labels: robustness
"""60 s of mixed load on one magnumd (issue 9): 64 connections at once (one keep-alive client
per thread), each doing reads (lists, shows, stats, nodegroups, events), template writes
(create, patch, delete) and cluster operations with the fake driver (create, delete while it
may still run, show until gone). Zero errors: every response is 2xx or one of the 4xx the
operation may meet by design (409 for a busy cluster, 404 for a cluster whose delete
finished). Reports req/s and latency percentiles.

MAGNUM_LOAD_SECONDS overrides the duration."""
import http.client
import json
import os
import random
import threading
import time
import unittest
import uuid

from cluster_fixtures import ALICE, create_cluster, create_template
from harness import LATEST, Magnumd, template_body
from robustness_support import percentile, rss_kb

SECONDS = float(os.environ.get("MAGNUM_LOAD_SECONDS", "60"))
CONNECTIONS = 64
CONFIG = {"x509": {"rsa_key_size": "1024"},
          "quotas": {"max_clusters_per_project": "100000"}}
HEADERS = {"Accept": "application/json", "OpenStack-API-Version": LATEST,
           "Content-Type": "application/json"}
HEADERS.update(ALICE)


class Client:
    """One keep-alive connection; reconnects after a connection error (counted)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = json.dumps(body) if body is not None else None
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=HEADERS)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        took = time.perf_counter() - t0
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return resp.status, payload, took

    def close(self):
        if self.conn is not None:
            self.conn.close()


class LoadTest(unittest.TestCase):
    def test_mixed_load_at_64_connections(self):
        m = Magnumd(extra_config=CONFIG).start()
        self.addCleanup(m.cleanup)
        template = create_template(m, ALICE, name="load-tmpl")
        cluster = create_cluster(m, template, ALICE, name="load-cluster")
        reads = ["/v1/clustertemplates", "/v1/clustertemplates/{t}", "/v1/clusters",
                 "/v1/clusters/{c}", "/v1/stats", "/v1/clusters/{c}/nodegroups",
                 "/v1/clusters/{c}/nodegroups/default-worker",
                 "/v1/clusters/{c}/events?limit=20", "/v1",
                 "/v1/clusters?limit=5&sort_key=name", "/v1/certificates/{c}"]

        lock = threading.Lock()
        latencies = {"read": [], "template": [], "cluster": []}
        counts = {}
        errors = []
        deadline = time.time() + SECONDS
        start_line = threading.Barrier(CONNECTIONS + 1)

        def note(kind, what, status, took, expected=()):
            with lock:
                latencies[kind].append(took)
                key = "%s %d" % (what, status)
                counts[key] = counts.get(key, 0) + 1
                if not (200 <= status < 300 or status in expected) and len(errors) < 50:
                    errors.append("%s -> %d" % (what, status))

        def worker(n):
            rnd = random.Random(n)
            c = Client(m.port)
            tmpl_state = None  # None -> create; uuid -> patch; ("del", uuid) -> delete
            my_cluster, cluster_step = None, 0
            start_line.wait()
            while time.time() < deadline:
                roll = rnd.random()
                try:
                    if roll < 0.6:
                        route = rnd.choice(reads)
                        path = route.replace("{t}", template).replace("{c}", cluster)
                        status, _, took = c.request("GET", path)
                        note("read", "GET " + route, status, took)
                    elif roll < 0.85:
                        if tmpl_state is None:
                            status, body, took = c.request("POST", "/v1/clustertemplates",
                                                           template_body(name="lt-%d-%s" % (
                                                               n, uuid.uuid4().hex[:8])))
                            note("template", "POST template", status, took)
                            if status == 201:
                                tmpl_state = body["uuid"]
                        elif isinstance(tmpl_state, str):
                            status, _, took = c.request(
                                "PATCH", "/v1/clustertemplates/" + tmpl_state,
                                [{"op": "add", "path": "/labels/k%d" % rnd.randrange(5),
                                  "value": "v"}])
                            note("template", "PATCH template", status, took)
                            tmpl_state = ("del", tmpl_state)
                        else:
                            status, _, took = c.request(
                                "DELETE", "/v1/clustertemplates/" + tmpl_state[1])
                            note("template", "DELETE template", status, took)
                            tmpl_state = None
                    else:
                        if my_cluster is None:
                            status, body, took = c.request("POST", "/v1/clusters", {
                                "name": "lc-%d-%s" % (n, uuid.uuid4().hex[:6]),
                                "cluster_template_id": template, "master_count": 1,
                                "node_count": 1, "labels": {"fake_delay_ms": "20"}})
                            note("cluster", "POST cluster", status, took)
                            if status == 202:
                                my_cluster, cluster_step = body["uuid"], 0
                        elif cluster_step == 0:
                            status, _, took = c.request("DELETE", "/v1/clusters/" + my_cluster)
                            # A create still running may refuse the delete as busy.
                            note("cluster", "DELETE cluster", status, took, expected=(409,))
                            if status == 204:
                                cluster_step = 1
                        else:
                            status, body, took = c.request("GET", "/v1/clusters/" + my_cluster)
                            note("cluster", "GET own cluster", status, took, expected=(404,))
                            if status == 404:
                                my_cluster = None
                            elif body and body.get("status") == "DELETE_FAILED":
                                cluster_step = 0
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        if len(errors) < 50:
                            errors.append("connection error: %r" % e)
                        counts["connection error"] = counts.get("connection error", 0) + 1
            c.close()

        threads = [threading.Thread(target=worker, args=(n,), daemon=True)
                   for n in range(CONNECTIONS)]
        for t in threads:
            t.start()
        start_line.wait()
        t0 = time.time()
        for t in threads:
            t.join(SECONDS + 120)
        duration = time.time() - t0
        self.assertFalse(any(t.is_alive() for t in threads), "workers still running")

        everything = [x for v in latencies.values() for x in v]
        total = len(everything)
        print("\nload: %d requests in %.1f s at %d connections: %.0f req/s; latency p50 %.1f "
              "ms, p99 %.1f ms, max %.1f ms" % (
                  total, duration, CONNECTIONS, total / duration,
                  percentile(everything, 50) * 1000, percentile(everything, 99) * 1000,
                  max(everything) * 1000))
        for kind, values in latencies.items():
            print("  %-8s %6d requests, p50 %.1f ms, p99 %.1f ms" % (
                kind, len(values), percentile(values, 50) * 1000, percentile(values, 99) * 1000))
        print("  responses: " + ", ".join("%s: %d" % kv for kv in sorted(counts.items())))
        print("  RSS at the end: %d kB" % rss_kb(m.proc.pid))
        self.assertIsNone(m.proc.poll(), "magnumd died")
        self.assertEqual(errors, [])
        self.assertGreater(counts.get("POST cluster 202", 0), 0)
        self.assertGreater(counts.get("DELETE template 204", 0), 0)
        r = m.get("/v1", timeout=1.0)
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
