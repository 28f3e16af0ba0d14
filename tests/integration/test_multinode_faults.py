# ctest-labels: multinode
"""Faults of the multi-node layout (issue 12, "Faults"): 2 magnum-api + 2 magnum-conductor
processes started by scripts/multinode/start.sh on one MariaDB database and one RabbitMQ
virtual host (multinode_support.py), the `fake` test driver with slow steps.

- kill -9 of a conductor while 20 clusters are being created and 5 deleted: every cluster
  ends CREATE_COMPLETE or gone, the survivor takes the dead one's clusters over after the
  lease expires, and every driver step ran once (docs/architecture.md "Resume": a resumed
  operation calls Advance again from the saved progress, so only the step in flight at the
  kill may have run a second time, right before the takeover);
- conflicting PATCHes through the two APIs at once: one wins, the other gets 409 (cluster,
  docs/api.md "Synchronous acceptance"), or both apply (template fields): no lost update;
- mservices through either API lists the four processes; a killed conductor goes down;
- RabbitMQ restarted (a node of the layout's own) while creates arrive: nothing lost or run
  twice;
- MariaDB restarted (a server of the layout's own): 503 in the API's error format
  meanwhile, then service again without restarting any process."""
import concurrent.futures
import os
import re
import time
import unittest

from cluster_fixtures import ADMIN, ALICE, create_template
import multinode_support as ms

# Small lease, heartbeat and status-sync intervals so that a takeover takes seconds.
FLEET = {"DEFAULT": {"report_interval": "1", "service_down_time": "5", "debug": "true",
                     "periodic_interval_max": "1", "rpc_response_timeout": "30"},
         "conductor": {"lease_ttl": "3", "reconcile_enabled": "false"},
         "oslo_messaging_rabbit": {"rabbit_retry_interval": "1", "rabbit_retry_backoff": "0"},
         "quotas": {"max_clusters_per_project": "100"},
         # Health polls every second, each logged (debug) by the conductor that polls.
         "kubernetes": {"health_polling_interval": "1"},
         "x509": {"rsa_key_size": "1024"}}
DRIVER_STEPS = {"network", "node", "cluster", "nodes", "nodegroup"}


def events(api, cluster):
    r = api.get("/v1/clusters/%s/events?limit=1000" % cluster, headers=ALICE)
    assert r.status == 200, r
    return [(e["step"], e["message"], e["node"]) for e in r.json["events"]]


class FleetMixin:
    """Helpers of the test classes below (each on a layout of its own)."""

    def api(self, i):
        return self.layout.apis[i % 2]

    def create(self, i, template, name, delay_ms, node_count=2):
        return self.api(i).post("/v1/clusters", {
            "name": name, "cluster_template_id": template, "master_count": 1,
            "node_count": node_count, "labels": {"fake_delay_ms": str(delay_ms)}},
            headers=ALICE)

    def status(self, cluster):
        r = self.api1.get("/v1/clusters/" + cluster, headers=ALICE)
        if r.status == 404:
            return "GONE"
        assert r.status == 200, r
        return r.json["status"]

    def wait_statuses(self, clusters, wanted, timeout):
        def settled():
            got = {c: self.status(c) for c in clusters}
            return got if all(s in wanted for s in got.values()) else None
        return self.api1.wait_for(settled, timeout=timeout, interval=0.5,
                                  what="clusters in %s" % (wanted,))

    def assert_created_once(self, cluster, name, node_count=2):
        """The create of `cluster` ran each driver step once, but the step a takeover may
        have cut short, which may have run once more right before the resume."""
        evs = events(self.api2, cluster)
        resumes = [i for i, e in enumerate(evs) if e[0] == "recovery"]
        # The accepting transaction records the lease; its "create started" event follows
        # it, so a kill in between leaves a create that the takeover runs without one.
        started = evs.count(("create", "create started (timeout 60 minutes)", None))
        self.assertIn(started, (0, 1) if resumes else (1,), evs)
        self.assertEqual(evs.count(("create", "Cluster create completed", None)), 1, evs)
        self.assertIn(len([e for e in evs if e[0] == "certificates"]),
                      range(1, 2 + len(resumes)), evs)
        steps = [e for e in evs if e[0] in DRIVER_STEPS]
        expected = {("network", "network created", None),
                    ("node", "node started", name + "-default-master-0"),
                    ("cluster", "control plane formed", None)}
        expected |= {("node", "node started", "%s-default-worker-%d" % (name, i))
                     for i in range(node_count)}
        self.assertEqual(set(steps), expected, evs)
        for i in resumes:
            self.assertRegex(evs[i][1], r"^conductor it-conductor-\d resumes the create "
                                        r"interrupted on conductor it-conductor-\d\b")
        may_repeat = []
        for i in resumes:
            before = [e for e in evs[:i] if e[0] in DRIVER_STEPS]
            if before:
                may_repeat.append(before[-1])
        for step in expected:
            self.assertLessEqual(steps.count(step), 1 + may_repeat.count(step), (step, evs))
        return bool(resumes)


class FleetTest(FleetMixin, ms.LayoutTestCase):
    config = FLEET

    def test_conflicting_cluster_patches_one_wins(self):
        template = create_template(self.api1, ALICE)
        r = self.create(0, template, "patched", 500, node_count=1)
        self.assertEqual(r.status, 202, r)
        cluster = r.json["uuid"]
        self.wait_statuses([cluster], {"CREATE_COMPLETE"}, 30)
        # Slow updates (0.5 s a step), so that the PATCH that comes second meets the first
        # one's UPDATE_IN_PROGRESS in whichever API process it reaches.
        for rnd in range(3):
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(
                    lambda i: self.api(i).patch(
                        "/v1/clusters/" + cluster,
                        [{"op": "replace", "path": "/node_count", "value": 2 + 2 * rnd + i}],
                        headers=ALICE),
                    range(2)))
            codes = sorted(a.status for a in answers)
            self.assertEqual(codes, [202, 409], answers)
            loser = [a for a in answers if a.status == 409][0]
            self.assertEqual(loser.json["errors"][0]["status"], 409, loser)
            winner = answers.index([a for a in answers if a.status == 202][0])
            self.wait_statuses([cluster], {"UPDATE_COMPLETE"}, 30)
            shown = self.api2.get("/v1/clusters/" + cluster, headers=ALICE).json
            self.assertEqual(shown["node_count"], 2 + 2 * rnd + winner)
            self.assertEqual(len(shown["node_addresses"]), shown["node_count"])

    def test_conflicting_template_patches_lose_nothing(self):
        template = create_template(self.api1, ALICE, labels={"base": "1"})
        for rnd in range(10):
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(
                    lambda i: self.api(i).patch(
                        "/v1/clustertemplates/" + template,
                        [{"op": "add", "path": "/labels/k%d-%d" % (rnd, i), "value": "v"}],
                        headers=ALICE),
                    range(2)))
            for a in answers:
                self.assertIn(a.status, (200, 409), a)
            self.assertIn(200, [a.status for a in answers], answers)
            labels = self.api2.get("/v1/clustertemplates/" + template,
                                   headers=ALICE).json["labels"]
            for i, a in enumerate(answers):
                # A PATCH that was answered 200 is in the template: no lost update.
                if a.status == 200:
                    self.assertIn("k%d-%d" % (rnd, i), labels, (rnd, answers))
                    self.assertIn("k%d-%d" % (rnd, i), a.json["labels"])
            self.assertEqual(labels["base"], "1")

    def test_kill_conductor_during_creates_and_deletes(self):
        template = create_template(self.api1, ALICE)
        old = []
        for i in range(5):
            r = self.create(i, template, "old%d" % i, 600, node_count=1)
            self.assertEqual(r.status, 202, r)
            old.append(r.json["uuid"])
        self.wait_statuses(old, {"CREATE_COMPLETE"}, 60)
        names = ["new%02d" % i for i in range(20)]

        def send(i):
            if i % 5 == 1:  # the deletes among the creates
                r = self.api(i).delete("/v1/clusters/" + old[i // 5], headers=ALICE)
                self.assertEqual(r.status, 204, r)
                return None
            name = names[i - (i + 4) // 5]
            r = self.create(i, template, name, 500)
            self.assertEqual(r.status, 202, r)
            return (r.json["uuid"], name)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            created = [c for c in pool.map(send, range(25)) if c]
        self.assertEqual(sorted(n for _, n in created), names)
        # conductor-1 holds some of them (the bus shares the work out).
        held = self.api1.wait_for(
            lambda: int(self.layout.sql("SELECT COUNT(*) FROM cluster_lock WHERE "
                                        "conductor_id = 'it-conductor-1'")),
            timeout=10, interval=0.1, what="conductor-1 holding clusters")
        self.layout.kill("conductor-1")
        killed_at = time.time()
        self.addCleanup(self.layout.start, "conductor-1")
        self.wait_statuses([c for c, _ in created], {"CREATE_COMPLETE"}, 120)
        self.wait_statuses(old, {"GONE"}, 60)
        resumed = [self.assert_created_once(c, n) for c, n in created]
        self.assertGreaterEqual(sum(resumed), 1, "no create was taken over (held %d)" % held)
        for c, _ in created:
            for e in events(self.api1, c):
                if e[0] == "recovery":
                    self.assertIn("it-conductor-2 resumes the create interrupted on "
                                  "conductor it-conductor-1", e[1])
        # Nothing of the deleted clusters is left, nothing holds a lease any more.
        quoted = ", ".join("'%s'" % c for c in old)
        for table, column in (("cluster", "uuid"), ("nodegroup", "cluster_id"),
                              ("cluster_lock", "cluster_uuid")):
            self.assertEqual(self.layout.sql("SELECT COUNT(*) FROM %s WHERE %s IN (%s)" % (
                table, column, quoted)), "0", table)
        self.assertEqual(self.layout.sql("SELECT COUNT(*) FROM x509keypair WHERE " + " OR ".join(
            "name LIKE '%s/%%'" % c for c in old)), "0", "certificates of deleted clusters")
        self.assertEqual(self.layout.sql("SELECT COUNT(*) FROM cluster_lock"), "0")
        # The dead conductor goes down after service_down_time, the others stay up.
        for api in self.layout.apis:
            states = api.wait_for(lambda: self.states(api) if self.states(api).get(
                ("it-conductor-1", "magnum-conductor")) == "down" else None,
                timeout=30, what="conductor-1 down")
            self.assertGreaterEqual(time.time() - killed_at, 4)
            self.assertEqual(states[("it-conductor-2", "magnum-conductor")], "up")
            self.assertEqual(states[("it-api-1", "magnum-api")], "up")

    def states(self, api):
        r = api.get("/v1/mservices", headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        return {(s["host"], s["binary"]): s["state"] for s in r.json["mservices"]}

    def test_mservices_lists_every_process_through_either_api(self):
        want = {("it-api-1", "magnum-api"), ("it-api-2", "magnum-api"),
                ("it-conductor-1", "magnum-conductor"), ("it-conductor-2", "magnum-conductor")}
        for api in self.layout.apis:
            api.wait_for(lambda: {k for k, v in self.states(api).items() if v == "up"} == want,
                         timeout=30, what="the four processes up")
        one, two = (api.get("/v1/mservices", headers=ADMIN).json["mservices"]
                    for api in self.layout.apis)
        self.assertEqual([(s["id"], s["host"], s["binary"]) for s in one],
                         [(s["id"], s["host"], s["binary"]) for s in two])
        for s in one:
            self.assertGreaterEqual(s["report_count"], 1)
            self.assertIs(s["disabled"], False)

    def health_polls(self):
        """{conductor: [(cluster, host) of each health poll it logged so far]}."""
        polls = {}
        for name in ("conductor-1", "conductor-2"):
            with open(os.path.join(self.layout.dir, name + ".log"), errors="replace") as f:
                polls[name] = re.findall(r"health poll of cluster (\S+) by (\S+)", f.read())
        return polls

    def test_health_poll_runs_once_per_interval_across_the_fleet(self):
        template = create_template(self.api1, ALICE)
        clusters = [self.create(i, template, "hp%d" % i, 0, node_count=1).json["uuid"]
                    for i in range(8)]
        self.wait_statuses(clusters, {"CREATE_COMPLETE"}, 60)
        for api in self.layout.apis:  # both conductors live (after the kill test too)
            api.wait_for(lambda: all(v == "up" for v in self.states(api).values()),
                         timeout=30, what="every process up")
        time.sleep(2)  # every conductor has seen the other's heartbeat in its last poll
        before = {n: len(p) for n, p in self.health_polls().items()}
        window = 5
        time.sleep(window)
        polls = [p for n, ps in self.health_polls().items() for p in ps[before[n]:]
                 if p[0] in clusters]
        for c in clusters:
            hosts = [h for u, h in polls if u == c]
            # Once per 1 s interval: about `window` polls (not twice that), by one conductor.
            self.assertGreaterEqual(len(hosts), window - 2, (c, polls))
            self.assertLessEqual(len(hosts), window + 1, (c, polls))
            self.assertEqual(len(set(hosts)), 1, (c, polls))


class ServerRestartTest(FleetMixin, ms.LayoutTestCase):
    """On a RabbitMQ node and a MariaDB server of the layout's own (the shared ones are
    never restarted)."""
    config = FLEET
    own_rabbitmq = True
    own_mariadb = True

    def test_broker_restart_under_load_loses_and_repeats_nothing(self):
        template = create_template(self.api1, ALICE)
        before = {n: self.layout.pid(n) for n in ms.PROCESSES}
        answers = []

        def send():
            for i in range(20):
                r = self.create(i, template, "rmq%02d" % i, 300, node_count=1)
                answers.append((r, "rmq%02d" % i))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            sending = pool.submit(send)
            self.api1.wait_for(lambda: len(answers) >= 4, timeout=60, what="4 creates sent")
            self.layout.rabbitmq("ctl.sh", "stop")  # the node's process ends
            time.sleep(1)
            self.layout.rabbitmq("start.sh")
            sending.result(timeout=300)
        accepted = [(r.json["uuid"], name) for r, name in answers if r.status == 202]
        refused = [(r, name) for r, name in answers if r.status != 202]
        for r, _ in refused:  # only while the broker was away, in the API's error format
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json["errors"][0]["status"], 503, r)
        self.assertGreaterEqual(len(accepted), 10, answers)
        self.wait_statuses([c for c, _ in accepted], {"CREATE_COMPLETE"}, 120)
        for c, name in accepted:
            self.assertFalse(self.assert_created_once(c, name, node_count=1))  # none resumed
        # One cluster per request; a refused create never reached a driver.
        listed = self.api1.get("/v1/clusters?limit=1000", headers=ALICE).json["clusters"]
        self.assertEqual(sorted(c["name"] for c in listed), sorted(n for _, n in answers))
        by_name = {c["name"]: c for c in listed}
        for _, name in refused:
            self.assertEqual(by_name[name]["status"], "CREATE_FAILED")
            self.assertFalse([e for e in events(self.api1, by_name[name]["uuid"])
                              if e[0] in DRIVER_STEPS])
        # Every process reconnected by itself: new work flows through both APIs.
        after = [self.create(i, template, "after%d" % i, 0, node_count=1) for i in range(4)]
        for r in after:
            self.assertEqual(r.status, 202, r)
        self.wait_statuses([r.json["uuid"] for r in after], {"CREATE_COMPLETE"}, 60)
        self.assertEqual({n: self.layout.pid(n) for n in ms.PROCESSES}, before)


    def assert_unavailable(self, r):
        self.assertEqual(r.status, 503, r)
        err = r.json["errors"][0]
        self.assertEqual(err["status"], 503, r)
        self.assertIn("database", err["detail"].lower(), r)
        self.assertNotIn("magnum-test-pass", r.raw)

    def test_database_restart_is_503_then_service_without_a_restart(self):
        template = create_template(self.api1, ALICE)
        before = {n: self.layout.pid(n) for n in ms.PROCESSES}
        self.layout.mariadb("stop.sh")
        for api in self.layout.apis:
            self.assert_unavailable(api.get("/v1/clustertemplates", headers=ALICE))
            self.assert_unavailable(api.get("/v1/mservices", headers=ADMIN))
            self.assert_unavailable(self.create(0, template, "during", 0))
        time.sleep(2)  # heartbeats, lease renewals and status sync meet the outage too
        self.layout.mariadb("start.sh")
        for api in self.layout.apis:
            api.wait_for(lambda: api.get("/v1/clustertemplates", headers=ALICE).status == 200,
                         timeout=30, what="templates served again")
        clusters = []
        for i in range(2):
            r = self.create(i, template, "after%d" % i, 100, node_count=1)
            self.assertEqual(r.status, 202, r)
            clusters.append((r.json["uuid"], "after%d" % i))
        self.wait_statuses([c for c, _ in clusters], {"CREATE_COMPLETE"}, 60)
        for c, name in clusters:
            self.assert_created_once(c, name, node_count=1)
        # The heartbeats go on: every process up again, none restarted.
        counts = {(s["host"], s["binary"]): s["report_count"] for s in self.layout.services()}
        self.api2.wait_for(lambda: all(
            s["state"] == "up" and s["report_count"] > counts[(s["host"], s["binary"])]
            for s in self.layout.services(1)), timeout=30, what="heartbeats after the outage")
        self.assertEqual(len(counts), 4)
        self.assertEqual({n: self.layout.pid(n) for n in ms.PROCESSES}, before)


if __name__ == "__main__":
    unittest.main()
