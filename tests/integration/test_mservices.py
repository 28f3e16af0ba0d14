# ctest-labels: lifecycle
"""/v1/mservices (§2.6): admin-only listing of the magnum processes that heartbeat into
table magnum_service, with state up/down from the age of the last heartbeat."""
import datetime
import unittest

from harness import Magnumd
from cluster_fixtures import ADMIN, ALICE, READER

KEYS = {"id", "host", "binary", "state", "disabled", "disabled_reason", "report_count",
        "created_at", "updated_at"}


def db_time(delta_seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


class MServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config={"DEFAULT": {"host": "it-host", "report_interval": "1",
                                                  "service_down_time": "60"}})
        cls.m.start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def services(self):
        r = self.m.get("/v1/mservices", headers=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json), ["mservices"])  # never a `next`
        return r.json["mservices"]

    def insert(self, host, binary, **columns):
        values = {"host": host, "binary": binary, "report_count": 3, "disabled": 0,
                  "forced_down": 0, "created_at": db_time(-3600)}
        values.update(columns)
        self.m.database.execute("INSERT INTO magnum_service (%s) VALUES (%s)" % (
            ", ".join('"%s"' % k for k in values), ", ".join("?" for _ in values)),
            list(values.values()))

    def by_host(self, host):
        return [s for s in self.services() if s["host"] == host]

    def test_the_embedded_conductor_registers_and_heartbeats(self):
        def conductor():
            rows = [s for s in self.services()
                    if s["binary"] == "magnum-conductor" and s["host"] == "it-host"]
            return rows[0] if rows and rows[0]["report_count"] >= 2 else None
        row = self.m.wait_for(conductor, timeout=10, what="two conductor heartbeats")
        self.assertEqual(set(row), KEYS)
        self.assertEqual(row["state"], "up")
        self.assertIs(row["disabled"], False)
        self.assertIsNone(row["disabled_reason"])
        self.assertIsInstance(row["id"], int)
        self.assertRegex(row["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        self.assertRegex(row["updated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")

    def test_state_from_the_heartbeat_age(self):
        self.insert("fresh", "magnum-conductor", last_seen_up=db_time(-5))
        self.insert("stale", "magnum-conductor", last_seen_up=db_time(-600),
                    updated_at=db_time(-1))  # last_seen_up wins over updated_at
        self.insert("updated-only", "magnum-conductor", updated_at=db_time(-10))
        self.insert("created-only", "magnum-conductor", created_at=db_time(-10))
        self.insert("old-created", "magnum-conductor", created_at=db_time(-600))
        self.insert("forced", "magnum-conductor", last_seen_up=db_time(-1), forced_down=1)
        self.insert("disabled", "magnum-conductor", last_seen_up=db_time(-1), disabled=1,
                    disabled_reason="maintenance")
        states = {s["host"]: s["state"] for s in self.services()}
        self.assertEqual(states["fresh"], "up")
        self.assertEqual(states["stale"], "down")
        self.assertEqual(states["updated-only"], "up")
        self.assertEqual(states["created-only"], "up")
        self.assertEqual(states["old-created"], "down")
        self.assertEqual(states["forced"], "down")
        self.assertEqual(states["disabled"], "up")
        disabled = self.by_host("disabled")[0]
        self.assertIs(disabled["disabled"], True)
        self.assertEqual(disabled["disabled_reason"], "maintenance")
        self.assertEqual(disabled["report_count"], 3)
        # Hidden columns stay hidden.
        self.assertNotIn("forced_down", disabled)
        self.assertNotIn("last_seen_up", disabled)

    def test_ordered_by_id_and_never_paginated(self):
        for i in range(5):
            self.insert("many-%d" % i, "magnum-api", last_seen_up=db_time(0))
        ids = [s["id"] for s in self.services()]
        self.assertEqual(ids, sorted(ids))
        self.assertGreaterEqual(len(ids), 5)

    def test_admin_only(self):
        for headers in (ALICE, READER):
            r = self.m.get("/v1/mservices", headers=headers)
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_detail(),
                             "Policy doesn't allow magnum-service:get_all to be performed.")

    def test_bad_requests(self):
        for query in ("?limit=1", "?marker=x", "?host=a"):
            with self.subTest(query=query):
                r = self.m.get("/v1/mservices" + query, headers=ADMIN)
                self.assertEqual(r.status, 400, r)
                self.assertIn("Unknown argument", r.error_detail())
        for method in ("POST", "PATCH", "DELETE", "PUT"):
            with self.subTest(method=method):
                r = self.m.request(method, "/v1/mservices", body={}, headers=ADMIN)
                self.assertEqual(r.status, 405, r)
        r = self.m.get("/v1/mservices/1", headers=ADMIN)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json["errors"][0]["status"], 404)


class ServiceDownTimeTest(unittest.TestCase):
    def test_configured_down_time(self):
        with Magnumd(extra_config={"DEFAULT": {"service_down_time": "20"}}) as m:
            for host, age in (("young", -10), ("old", -30)):
                m.database.execute('INSERT INTO magnum_service (host, "binary", report_count, '
                                   'last_seen_up, created_at) VALUES (?, ?, 1, ?, ?)',
                                   (host, "magnum-conductor", db_time(age), db_time(age)))
            r = m.get("/v1/mservices", headers=ADMIN)
            states = {s["host"]: s["state"] for s in r.json["mservices"]}
            self.assertEqual(states["young"], "up")
            self.assertEqual(states["old"], "down")


if __name__ == "__main__":
    unittest.main()
