# ctest-labels: lifecycle
"""GET /v1/clusters/{id}/events with Accept: text/event-stream (the events extension's
stream, docs/api.md "Extension: cluster events") against magnumd with the fake driver: the
first cluster message, every event in id order without gaps, status changes within a poll of
the REST API showing them (the added latency is measured and printed), Last-Event-ID and
?marker= resumption, project scoping, `gone` after a delete, the JSON list without the
Accept header, and a server stop ending open streams at once."""
import calendar
import http.client
import json
import queue
import statistics
import threading
import time
import unittest

from harness import Magnumd, single_process_only
from cluster_fixtures import (ALICE, BOB, FAST_CERTS, create_cluster, create_template,
                              delete_cluster)

STREAM = {"Accept": "text/event-stream"}


class SseStream:
    """One open stream, read by a thread into a queue of messages: dicts with `event`, `id`
    (int or None), `data` (parsed JSON) and `t` (time.time() of arrival). Comments are
    counted; None in the queue marks the end of the stream."""

    def __init__(self, m, path, headers, timeout=30):
        self.conn = http.client.HTTPConnection("127.0.0.1", m.port, timeout=timeout)
        self.conn.request("GET", path, headers=dict(STREAM, **headers))
        self.resp = self.conn.getresponse()
        self.messages = queue.Queue()
        self.comments = 0
        self.ended = threading.Event()
        if self.resp.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def header(self, name):
        return self.resp.getheader(name)

    def _read(self):
        fields = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if fields:
                        self.messages.put({
                            "event": fields.get("event", "message"),
                            "id": int(fields["id"]) if "id" in fields else None,
                            "data": json.loads("\n".join(fields.get("data", []))),
                            "t": time.time()})
                    fields = {}
                elif line.startswith(":"):
                    self.comments += 1
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        fields.setdefault("data", []).append(value)
                    else:
                        fields[name] = value
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.messages.put({"event": "error", "id": None, "data": repr(e), "t": time.time()})
        finally:
            self.ended.set()
            self.messages.put(None)

    def next(self, timeout=20):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no stream message within %ss" % timeout)

    def until(self, predicate, timeout=30):
        """Messages up to and including the first for which predicate(msg) holds."""
        got = []
        deadline = time.time() + timeout
        while True:
            msg = self.next(max(0.1, deadline - time.time()))
            if msg is None:
                raise AssertionError("the stream ended first; got %r" % got[-5:])
            got.append(msg)
            if predicate(msg):
                return got

    def close(self):
        self.conn.close()


def api_time(text):
    """An API timestamp ("2026-12-05T14:00:01+00:00") as seconds since the epoch."""
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))


class RestPoller:
    """Polls the REST API every 20 ms in a thread: when each event id first appeared in the
    list, and when the cluster's status first was each value (time.time())."""

    def __init__(self, m, cluster, headers):
        self.m, self.cluster, self.headers = m, cluster, headers
        self.event_seen = {}
        self.status_seen = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            r = self.m.get("/v1/clusters/%s/events" % self.cluster, headers=self.headers)
            now = time.time()
            if r.status == 200:
                for e in r.json["events"]:
                    self.event_seen.setdefault(e["id"], now)
            r = self.m.get("/v1/clusters/" + self.cluster, headers=self.headers)
            now = time.time()
            if r.status == 200:
                self.status_seen.setdefault(r.json["status"], now)
            self.stop.wait(0.02)

    def wait_status(self, status, timeout=10.0):
        """Waits until a poll has seen the cluster in `status` (a loaded machine can starve
        the poller thread for a while after the stream has shown it)."""
        deadline = time.time() + timeout
        while status not in self.status_seen and time.time() < deadline:
            time.sleep(0.01)

    def finish(self):
        self.stop.set()
        self.thread.join(10)


class EventStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS).start()
        cls.template = create_template(cls.m, ALICE)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def events_list(self, cluster, headers=ALICE):
        r = self.m.get("/v1/clusters/%s/events" % cluster, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json["events"]

    def test_lifecycle_stream(self):
        # Each fake step waits 300 ms: the create takes a few seconds, seen live, and the
        # delete (two steps) is seen in progress.
        r = self.m.post("/v1/clusters", {"name": "live", "cluster_template_id": self.template,
                                         "master_count": 1, "node_count": 2,
                                         "labels": {"fake_delay_ms": "300"}}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        cluster = r.json["uuid"]
        poller = RestPoller(self.m, cluster, ALICE)
        stream = SseStream(self.m, "/v1/clusters/%s/events" % cluster, ALICE)
        try:
            self.assertEqual(stream.resp.status, 200)
            self.assertEqual(stream.header("Content-Type"), "text/event-stream")
            self.assertEqual(stream.header("Cache-Control"), "no-store")
            self.assertEqual(stream.header("X-Accel-Buffering"), "no")
            self.assertEqual(stream.header("Transfer-Encoding"), "chunked")

            first = stream.next()
            self.assertEqual(first["event"], "cluster", first)
            state = first["data"]
            self.assertEqual(state["uuid"], cluster)
            self.assertEqual(state["name"], "live")
            self.assertEqual(state["master_count"], 1)
            self.assertEqual(state["node_count"], 2)
            for key in ("status", "status_reason", "health_status", "updated_at"):
                self.assertIn(key, state)
            self.assertEqual(sorted(ng["role"] for ng in state["nodegroups"]),
                             ["master", "worker"])

            got = stream.until(lambda msg: msg["event"] == "cluster" and
                               msg["data"]["status"] == "CREATE_COMPLETE")
            complete_at = got[-1]["t"]
            self.assertNotIn("CREATE_FAILED", [g["data"].get("status") for g in got
                                               if g["event"] == "cluster"])
            # Every event, in id order, without gaps: the list as the REST API has it.
            events = [g for g in got if g["event"] == "event"]
            ids = [e["id"] for e in events]
            self.assertEqual(ids, sorted(set(ids)))
            listed = self.events_list(cluster)
            listed_ids = [e["id"] for e in listed]
            self.assertEqual(ids, listed_ids[:len(ids)])
            more = stream.until(lambda msg: msg["event"] == "event" and
                                msg["id"] == listed_ids[-1]) if ids[-1:] != listed_ids[-1:] \
                else []
            events += [g for g in more if g["event"] == "event"]
            self.assertEqual([e["id"] for e in events], listed_ids)
            # Each message's data is the list's object.
            self.assertEqual([e["data"] for e in events], listed)
            self.assertGreaterEqual(len(listed), 5)
            poller.wait_status("CREATE_COMPLETE")
            poller.finish()

            # The status change within 1 s of the REST API showing it.
            rest_at = poller.status_seen.get("CREATE_COMPLETE")
            self.assertIsNotNone(rest_at, poller.status_seen)
            status_lag = complete_at - rest_at
            self.assertLess(status_lag, 1.0)
            # Events: arrival on the stream against the 20 ms REST poller, and against
            # created_at (whole seconds: an upper bound of the conductor->stream latency).
            lags = [e["t"] - poller.event_seen[e["id"]] for e in events
                    if e["id"] in poller.event_seen]
            created = [e["t"] - api_time(e["data"]["created_at"]) for e in events]
            self.assertTrue(lags)
            self.assertLess(max(lags), 1.0)
            print("event stream latency: CREATE_COMPLETE %+.3f s after the REST API showed it; "
                  "events vs a 20 ms REST poller: median %+.3f s, max %+.3f s (%d events); "
                  "created_at (1 s resolution) -> arrival: median %.3f s, max %.3f s"
                  % (status_lag, statistics.median(lags), max(lags), len(lags),
                     statistics.median(created), max(created)))
            self.assertLess(max(created), 2.0)

            # Resumption: Last-Event-ID skips what was seen; so does ?marker=.
            seen = listed_ids[2]
            resumed = SseStream(self.m, "/v1/clusters/%s/events" % cluster,
                                dict(ALICE, **{"Last-Event-ID": str(seen)}))
            marked = SseStream(self.m, "/v1/clusters/%s/events?marker=%d" % (cluster, seen),
                               ALICE)
            try:
                for s in (resumed, marked):
                    self.assertEqual(s.resp.status, 200)
                    msgs = s.until(lambda msg: msg["id"] == listed_ids[-1])
                    self.assertEqual(msgs[0]["event"], "cluster")
                    self.assertEqual(msgs[0]["data"]["status"], "CREATE_COMPLETE")
                    self.assertEqual([g["id"] for g in msgs if g["event"] == "event"],
                                     [i for i in listed_ids if i > seen])
            finally:
                resumed.close()
                marked.close()

            # Delete: the delete's events, then `gone`, then the end.
            delete_at = time.time()
            r = self.m.delete("/v1/clusters/" + cluster, headers=ALICE)
            self.assertEqual(r.status, 204, r)
            tail = stream.until(lambda msg: msg["event"] == "gone")
            self.assertEqual(tail[-1]["data"], {"uuid": cluster})
            self.assertIn("DELETE_IN_PROGRESS", [g["data"]["status"] for g in tail
                                                 if g["event"] == "cluster"])
            self.assertLess(tail[-1]["t"] - delete_at, 15)
            self.assertIsNone(stream.next(5), "the stream must end after gone")
        finally:
            poller.finish()
            stream.close()

    def test_other_project_gets_404(self):
        cluster = create_cluster(self.m, self.template, ALICE)
        try:
            s = SseStream(self.m, "/v1/clusters/%s/events" % cluster, BOB)
            self.assertEqual(s.resp.status, 404)
            body = json.loads(s.resp.read())
            self.assertEqual(body["errors"][0]["status"], 404)
            s.close()
            # The token is never taken from the query string (noauth: the headers name the
            # caller); a query argument other than marker is refused.
            s = SseStream(self.m, "/v1/clusters/%s/events?token=x" % cluster, ALICE)
            self.assertEqual(s.resp.status, 400)
            s.close()
        finally:
            delete_cluster(self.m, cluster, ALICE)

    def test_without_accept_the_json_list(self):
        cluster = create_cluster(self.m, self.template, ALICE)
        try:
            r = self.m.get("/v1/clusters/%s/events" % cluster, headers=ALICE)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertIsNone(r.header("Transfer-Encoding"))
            self.assertTrue(r.json["events"])
            self.assertEqual(set(r.json["events"][0]),
                             {"id", "step", "node", "level", "message", "created_at"})
        finally:
            delete_cluster(self.m, cluster, ALICE)


@single_process_only("times the stop of the one magnumd holding the streams")
class EventStreamStopTest(unittest.TestCase):
    def test_stop_ends_open_streams_at_once(self):
        m = Magnumd(extra_config=FAST_CERTS).start()
        try:
            template = create_template(m, ALICE)
            cluster = create_cluster(m, template, ALICE)
            streams = [SseStream(m, "/v1/clusters/%s/events" % cluster, ALICE) for _ in range(3)]
            for s in streams:
                self.assertEqual(s.next()["event"], "cluster")
            start = time.time()
            m.stop()
            took = time.time() - start
            for s in streams:
                self.assertTrue(s.ended.wait(5), "the stream did not end")
                s.close()
            print("magnumd stopped in %.3f s with 3 event streams open" % took)
            self.assertLess(took, 5.0)
        finally:
            m.cleanup()


if __name__ == "__main__":
    unittest.main()
