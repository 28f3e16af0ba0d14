"""Text the API stores comes back as it was sent, on every database (this file runs on SQLite
and, as integration.mariadb.test_stored_text, on MariaDB): names that differ only in case or
trailing blanks are different names, found one by one and listed in byte order; labels as
large as a request body may carry round-trip."""
import unittest
import urllib.parse

from cluster_fixtures import ALICE, FAST_CERTS, create_cluster
from harness import Magnumd, template_body

NAMES = ["t ", "t\t", "t", "T", "t\u00e9", "t\U0001F600"]
# The names test's own project: its lists hold only its templates.
CAROL = {"X-Project-Id": "p-carol", "X-User-Id": "carol", "X-Roles": "member"}


class StoredTextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=FAST_CERTS).start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def test_names_differing_in_case_or_trailing_blanks_are_distinct(self):
        uuids = {}
        for name in NAMES:
            r = self.m.post("/v1/clustertemplates", template_body(name=name), headers=CAROL)
            self.assertEqual(r.status, 201, r)
            uuids[name] = r.json["uuid"]
        for name in NAMES:
            with self.subTest(name=name):
                r = self.m.get("/v1/clustertemplates/" + urllib.parse.quote(name), headers=CAROL)
                self.assertEqual(r.status, 200, r)
                self.assertEqual((r.json["uuid"], r.json["name"]), (uuids[name], name))
        for direction, reverse in (("asc", False), ("desc", True)):
            r = self.m.get("/v1/clustertemplates?sort_key=name&sort_dir=" + direction,
                           headers=CAROL)
            self.assertEqual(r.status, 200, r)
            expected = sorted(NAMES, key=lambda n: n.encode(), reverse=reverse)
            self.assertEqual([t["name"] for t in r.json["clustertemplates"]], expected)
        # Paging by marker walks the same order.
        walked, marker = [], None
        while True:
            r = self.m.get("/v1/clustertemplates?sort_key=name&limit=2" +
                           ("&marker=" + marker if marker else ""), headers=CAROL)
            page = r.json["clustertemplates"]
            walked += [t["name"] for t in page]
            if len(page) < 2:
                break
            marker = page[-1]["uuid"]
        self.assertEqual(walked, sorted(NAMES, key=lambda n: n.encode()))
        for uuid in uuids.values():
            self.assertEqual(self.m.delete("/v1/clustertemplates/" + uuid,
                                           headers=CAROL).status, 204)

    def test_labels_as_large_as_a_request_round_trip(self):
        labels = {"big": "v" * (100 * 1024), "k\u00e9": "\U0001F600"}
        r = self.m.post("/v1/clustertemplates", template_body(name="big-labels", labels=labels),
                        headers=ALICE)
        self.assertEqual(r.status, 201, r)
        template = r.json["uuid"]
        self.assertEqual(self.m.get("/v1/clustertemplates/" + template,
                                    headers=ALICE).json["labels"], labels)
        cluster = create_cluster(self.m, template, ALICE, name="big-labels-c", labels=labels)
        shown = self.m.get("/v1/clusters/" + cluster, headers=ALICE).json
        self.assertEqual((shown["status"], shown["labels"]), ("CREATE_COMPLETE", labels))


if __name__ == "__main__":
    unittest.main()
