# ctest-labels: lifecycle
"""/v1/clusters (§2.2, §3) over HTTP against magnumd with the fake driver: the whole
lifecycle (create, show/list/detail per microversion, scale, resize, upgrade, events,
delete), failures and timeouts, races, and every bad input of the clusters issue."""
import threading
import unittest
import urllib.parse
import uuid

from harness import Magnumd
from cluster_fixtures import (ADMIN, ALICE, BOB, READER, create_cluster, create_template,
                              delete_cluster, wait_status)

# Fast certificates: every cluster create generates four RSA keys.
CONFIG = {"x509": {"rsa_key_size": "1024"}}

BRIEF = {"uuid", "name", "cluster_template_id", "keypair", "node_count", "master_count",
         "docker_volume_size", "labels", "master_flavor_id", "flavor_id", "create_timeout",
         "status", "health_status", "merge_labels", "links"}
DETAIL = BRIEF | {"discovery_url", "status_reason", "health_status_reason", "api_address",
                  "coe_version", "container_version", "node_addresses", "master_addresses",
                  "fixed_network", "fixed_subnet", "floating_ip_enabled", "master_lb_enabled",
                  "project_id", "user_id", "labels_overridden", "labels_added",
                  "labels_skipped", "created_at", "updated_at"}


def mv(minor):
    return "container-infra 1.%d" % minor


class ClusterTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd(extra_config=CONFIG).start()
        cls.template = create_template(cls.m, ALICE, labels={"kube_tag": "v1.30.1", "a": "t"},
                                       master_lb_enabled=True)

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def assertError(self, resp, status, fragment=None):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["errors"][0]
        self.assertEqual(err["status"], status)
        self.assertEqual(err["code"], "client" if status < 500 else "server")
        if fragment is not None:
            self.assertIn(fragment, err["detail"])
        return err["detail"]

    def show(self, cluster, headers=ALICE, **kw):
        r = self.m.get("/v1/clusters/" + cluster, headers=headers, **kw)
        self.assertEqual(r.status, 200, r)
        return r.json

    def post(self, body, headers=ALICE, **kw):
        return self.m.post("/v1/clusters", body, headers=headers, **kw)

    def patch(self, cluster, ops, headers=ALICE, query="", **kw):
        return self.m.patch("/v1/clusters/" + cluster + query, ops, headers=headers, **kw)

    def nodegroup(self, cluster, name, headers=ALICE):
        r = self.m.get("/v1/clusters/%s/nodegroups/%s" % (cluster, name), headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json


class ClusterLifecycleTest(ClusterTestCase):
    def test_full_lifecycle(self):
        r = self.post({"name": "life", "cluster_template_id": self.template, "master_count": 1,
                       "node_count": 2, "labels": {"extra": "1", "a": "mine"},
                       "merge_labels": True, "keypair": "kp"})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(set(r.json), {"uuid"})
        cluster = r.json["uuid"]
        # The row exists at once (inserted by the API), in progress or already done.
        self.assertIn(self.show(cluster)["status"], ("CREATE_IN_PROGRESS", "CREATE_COMPLETE"))
        self.assertEqual(wait_status(self.m, cluster, ALICE), "CREATE_COMPLETE")

        # Show at 1.12 (stack_id) and 1.13 (cluster_id): every field, nothing internal.
        old = self.show(cluster, version=mv(12))
        new = self.show(cluster, version=mv(13))
        self.assertEqual(set(old), DETAIL | {"stack_id"})
        self.assertEqual(set(new), DETAIL | {"cluster_id"})
        self.assertEqual(old["stack_id"], new["cluster_id"])
        self.assertTrue(new["cluster_id"])
        self.assertEqual((new["node_count"], new["master_count"]), (2, 1))
        self.assertEqual(len(new["node_addresses"]), 2)
        self.assertEqual(len(new["master_addresses"]), 1)
        self.assertEqual(new["labels"], {"kube_tag": "v1.30.1", "a": "mine", "extra": "1"})
        self.assertEqual(new["labels_overridden"], {"a": "t"})
        self.assertEqual(new["labels_added"], {"extra": "1"})
        self.assertEqual(new["labels_skipped"], {})
        self.assertEqual(new["merge_labels"], False)
        self.assertEqual(new["keypair"], "kp")
        self.assertEqual(new["flavor_id"], "m1.small")          # from the template
        self.assertEqual(new["master_flavor_id"], "m1.medium")  # from the template
        self.assertTrue(new["master_lb_enabled"])
        self.assertEqual((new["project_id"], new["user_id"]), ("p-alice", "alice"))
        self.assertTrue(new["api_address"])
        self.assertNotIn("faults", new)
        self.assertTrue(new["links"][0]["href"].endswith("/v1/clusters/" + cluster))
        # By name too.
        self.assertEqual(self.show("life")["uuid"], cluster)

        # Brief list and detail list, per microversion.
        for minor, key in ((12, "stack_id"), (13, "cluster_id")):
            r = self.m.get("/v1/clusters", headers=ALICE, version=mv(minor))
            item = [c for c in r.json["clusters"] if c["uuid"] == cluster][0]
            self.assertEqual(set(item), BRIEF | {key})
            r = self.m.get("/v1/clusters/detail", headers=ALICE, version=mv(minor))
            item = [c for c in r.json["clusters"] if c["uuid"] == cluster][0]
            self.assertEqual(set(item), DETAIL | {key})

        # Scale the default worker through PATCH.
        r = self.patch(cluster, [{"op": "replace", "path": "/node_count", "value": 3}],
                       query="?rollback=True")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": cluster})
        self.assertEqual(wait_status(self.m, cluster, ALICE), "UPDATE_COMPLETE")
        shown = self.show(cluster)
        self.assertEqual(shown["node_count"], 3)
        self.assertEqual(len(shown["node_addresses"]), 3)

        # Resize down, naming the node to take out.
        victim = shown["node_addresses"][0]
        r = self.m.post("/v1/clusters/%s/actions/resize" % cluster,
                        {"node_count": 2, "nodes_to_remove": [victim],
                         "nodegroup": "default-worker"}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {"uuid": cluster})
        self.assertEqual(wait_status(self.m, cluster, ALICE), "UPDATE_COMPLETE")
        shown = self.show(cluster)
        self.assertEqual(shown["node_count"], 2)
        self.assertNotIn(victim, shown["node_addresses"])
        self.assertEqual(self.nodegroup(cluster, "default-worker")["node_count"], 2)

        # Upgrade to another template (image fake-image-v2).
        target = create_template(self.m, ALICE, image_id="fake-image-v2", master_lb_enabled=True)
        r = self.m.post("/v1/clusters/%s/actions/upgrade" % cluster,
                        {"cluster_template": target, "max_batch_size": 1}, headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(wait_status(self.m, cluster, ALICE), "UPDATE_COMPLETE")
        self.assertEqual(self.nodegroup(cluster, "default-worker")["image_id"], "fake-image-v2")
        self.assertEqual(self.show(cluster)["cluster_template_id"], target)

        # The event log tells the story, in order, and pages by integer id.
        r = self.m.get("/v1/clusters/%s/events" % cluster, headers=ALICE)
        self.assertEqual(r.status, 200, r)
        events = r.json["events"]
        self.assertGreater(len(events), 5)
        self.assertEqual([e["id"] for e in events], sorted(e["id"] for e in events))
        for e in events:
            self.assertEqual(set(e), {"id", "step", "node", "level", "message", "created_at"})
        steps = [e["step"] for e in events]
        for step in ("network", "node", "cluster"):
            self.assertIn(step, steps)
        r = self.m.get("/v1/clusters/%s/events?limit=2" % cluster, headers=ALICE)
        self.assertEqual([e["id"] for e in r.json["events"]], [e["id"] for e in events[:2]])
        nxt = urllib.parse.urlsplit(r.json["next"])
        self.assertEqual(nxt.path, "/v1/clusters/%s/events" % cluster)
        r = self.m.get(nxt.path + "?" + nxt.query, headers=ALICE)
        self.assertEqual(r.json["events"][0]["id"], events[2]["id"])
        # Readers of the project may read it; other projects may not see the cluster.
        self.assertEqual(self.m.get("/v1/clusters/%s/events" % cluster, headers=READER).status, 200)
        self.assertEqual(self.m.get("/v1/clusters/%s/events" % cluster, headers=BOB).status, 404)

        # Delete: 204, then gone.
        r = self.m.delete("/v1/clusters/" + cluster, headers=ALICE)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, "")
        self.m.wait_for(lambda: self.m.get("/v1/clusters/" + cluster, headers=ALICE).status == 404,
                        timeout=20, what="cluster gone")
        self.assertError(self.m.get("/v1/clusters/" + cluster, headers=ALICE), 404,
                         "Cluster %s could not be found." % cluster)
        self.assertError(self.m.delete("/v1/clusters/" + cluster, headers=ALICE), 404)

    def test_health_patch_written_directly(self):
        cluster = create_cluster(self.m, self.template, ALICE)
        r = self.patch(cluster, [
            {"op": "replace", "path": "/health_status", "value": "UNHEALTHY"},
            {"op": "replace", "path": "/health_status_reason", "value": "{'api': 'down'}"}])
        self.assertEqual(r.status, 202, r)
        shown = self.show(cluster)
        self.assertEqual(shown["health_status"], "UNHEALTHY")
        self.assertEqual(shown["health_status_reason"], {"api": "down"})
        self.assertEqual(shown["status"], "CREATE_COMPLETE")  # no status change
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/health_status",
                                               "value": "SICK"}]), 400, "health_status")
        # Members of the project only: a reader may not patch.
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/health_status",
                                               "value": "HEALTHY"}], headers=READER), 403)

    def test_visibility_and_pagination(self):
        mine = [create_cluster(self.m, self.template, ALICE, wait=False) for _ in range(3)]
        bob_template = create_template(self.m, BOB)
        theirs = create_cluster(self.m, bob_template, BOB, wait=False)
        listed = [c["uuid"] for c in self.m.get("/v1/clusters", headers=ALICE).json["clusters"]]
        for c in mine:
            self.assertIn(c, listed)
        self.assertNotIn(theirs, listed)
        self.assertError(self.m.get("/v1/clusters/" + theirs, headers=ALICE), 404)
        self.assertError(self.m.delete("/v1/clusters/" + theirs, headers=ALICE), 404)
        # Admins see every project.
        admin = [c["uuid"] for c in self.m.get("/v1/clusters/detail", headers=ADMIN).json["clusters"]]
        self.assertIn(theirs, admin)
        self.assertIn(mine[0], admin)
        # Pages: next only when the page is full, then follow the marker.
        r = self.m.get("/v1/clusters?limit=2&sort_key=created_at", headers=ALICE)
        self.assertEqual(len(r.json["clusters"]), 2)
        nxt = urllib.parse.urlsplit(r.json["next"])
        q = dict(urllib.parse.parse_qsl(nxt.query))
        self.assertEqual((q["limit"], q["sort_key"], q["marker"]),
                         ("2", "created_at", r.json["clusters"][1]["uuid"]))
        r2 = self.m.get(nxt.path + "?" + nxt.query, headers=ALICE)
        self.assertNotIn(r.json["clusters"][0]["uuid"], [c["uuid"] for c in r2.json["clusters"]])
        self.assertNotIn("next", self.m.get("/v1/clusters?limit=1000", headers=ALICE).json)
        self.assertError(self.m.get("/v1/clusters?sort_key=node_count", headers=ALICE), 400,
                         "invalid field for sorting")
        self.assertError(self.m.get("/v1/clusters?limit=0", headers=ALICE), 400)
        self.assertError(self.m.get("/v1/clusters?marker=nope", headers=ALICE), 400)
        self.assertError(self.m.get("/v1/clusters?bogus=1", headers=ALICE), 400)
        # Names are not unique: an ambiguous name is a 409.
        for _ in range(2):
            create_cluster(self.m, self.template, ALICE, wait=False, name="twin")
        self.assertError(self.m.get("/v1/clusters/twin", headers=ALICE), 409,
                         "Multiple clusters exist with same name")
        for c in mine:
            self.m.wait_for(lambda: self.show(c)["status"] != "CREATE_IN_PROGRESS", timeout=20)

    def test_routes(self):
        cluster = create_cluster(self.m, self.template, ALICE, wait=False)
        self.assertError(self.m.get("/v1/clusters/%s/detail" % cluster, headers=ALICE), 404)
        self.assertError(self.m.get("/v1/clusters/%s/actions/resize" % cluster, headers=ALICE), 405)
        self.assertError(self.m.request("PUT", "/v1/clusters", headers=ALICE), 405)
        # Without the /v1 prefix and with a trailing slash.
        self.assertEqual(self.m.get("/clusters/%s/" % cluster, headers=ALICE).status, 200)
        wait_status(self.m, cluster, ALICE)


class ClusterFailureTest(ClusterTestCase):
    def test_injected_create_failure_names_the_step(self):
        cluster = create_cluster(self.m, self.template, ALICE, wait=False,
                                 labels={"fake_fail": "create:node"})
        self.assertEqual(wait_status(self.m, cluster, ALICE), "CREATE_FAILED")
        shown = self.show(cluster)
        self.assertIn("step 'node'", shown["status_reason"])
        self.assertIn("injected failure", shown["status_reason"])
        self.assertIn("faults", shown)
        self.assertIsInstance(shown["faults"], dict)
        events = self.m.get("/v1/clusters/%s/events" % cluster, headers=ALICE).json["events"]
        self.assertIn("warning", [e["level"] for e in events])
        # A failed cluster cannot be scaled (400), but it can be deleted.
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/node_count",
                                               "value": 2}]), 400,
                         'Updating a cluster when status is "CREATE_FAILED" is not supported.')
        delete_cluster(self.m, cluster, ALICE)

    def test_create_timeout(self):
        cluster = create_cluster(self.m, self.template, ALICE, wait=False,
                                 labels={"create_timeout_seconds": "0.3", "fake_delay_ms": "250"})
        self.assertEqual(wait_status(self.m, cluster, ALICE), "CREATE_FAILED")
        self.assertIn("timed out", self.show(cluster)["status_reason"])

    def test_update_while_deleting_and_delete_twice(self):
        cluster = create_cluster(self.m, self.template, ALICE, wait=False,
                                 labels={"fake_delay_ms": "300"})
        self.assertEqual(self.m.delete("/v1/clusters/" + cluster, headers=ALICE).status, 204)
        self.assertEqual(self.show(cluster)["status"], "DELETE_IN_PROGRESS")
        detail = self.assertError(
            self.patch(cluster, [{"op": "replace", "path": "/node_count", "value": 2}]), 409)
        self.assertIn("DELETE_IN_PROGRESS", detail)
        self.assertError(self.m.post("/v1/clusters/%s/actions/resize" % cluster,
                                     {"node_count": 2}, headers=ALICE), 409)
        self.assertError(self.m.delete("/v1/clusters/" + cluster, headers=ALICE), 409,
                         "already being deleted")
        self.m.wait_for(lambda: self.m.get("/v1/clusters/" + cluster, headers=ALICE).status == 404,
                        timeout=20, what="cluster gone")
        self.assertError(self.m.delete("/v1/clusters/" + cluster, headers=ALICE), 404)

    def test_concurrent_patches_one_wins(self):
        cluster = create_cluster(self.m, self.template, ALICE, labels={"fake_delay_ms": "150"})
        results = []
        barrier = threading.Barrier(2)

        def scale(n):
            barrier.wait()
            results.append(self.patch(cluster, [{"op": "replace", "path": "/node_count",
                                                 "value": n}]))
        threads = [threading.Thread(target=scale, args=(n,)) for n in (2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in results), [202, 409], results)
        loser = [r for r in results if r.status == 409][0]
        self.assertEqual(loser.json["errors"][0]["status"], 409)
        self.assertEqual(wait_status(self.m, cluster, ALICE), "UPDATE_COMPLETE")


class ClusterBadInputTest(ClusterTestCase):
    def body(self, **kw):
        b = {"cluster_template_id": self.template, "master_count": 1, "node_count": 1}
        b.update(kw)
        return b

    def test_templates_hidden_foreign_missing(self):
        hidden = create_template(self.m, ADMIN, public=True, hidden=True)
        self.assertError(self.post(self.body(cluster_template_id=hidden)), 403, "Not authorized.")
        foreign = create_template(self.m, BOB)
        self.assertError(self.post(self.body(cluster_template_id=foreign)), 404,
                         "ClusterTemplate %s could not be found." % foreign)
        self.assertError(self.post(self.body(cluster_template_id=foreign), version=mv(9)), 400,
                         "could not be found")
        self.assertError(self.post(self.body(cluster_template_id="no-such")), 404)
        self.assertError(self.post(self.body(cluster_template_id="no-such"), version=mv(1)), 400)
        # Public templates of other projects are usable; so is the integer id.
        public = create_template(self.m, ADMIN, public=True)
        r = self.post(self.body(cluster_template_id=public))
        self.assertEqual(r.status, 202, r)
        tid = [t for t in self.m.get("/v1/clustertemplates", headers=ALICE).json[
            "clustertemplates"] if t["uuid"] == self.template]
        self.assertTrue(tid)

    def test_counts(self):
        self.assertError(self.post(self.body(node_count=-1)), 400, "node_count")
        self.assertError(self.post(self.body(master_count=0)), 400, "master_count")
        self.assertError(self.post(self.body(master_count=2)), 400,
                         "master nodegroup size of 2 is invalid")
        no_lb = create_template(self.m, ALICE)
        self.assertError(self.post(self.body(cluster_template_id=no_lb, master_count=3)), 400,
                         "master_count must be 1 when master_lb_enabled is False")
        self.assertError(self.post(self.body(node_count=0), version=mv(9)), 400,
                         "not supported in the provided microversion")
        r = self.post(self.body(node_count=0), version=mv(10))
        self.assertEqual(r.status, 202, r)
        self.assertEqual(wait_status(self.m, r.json["uuid"], ALICE), "CREATE_COMPLETE")
        self.assertEqual(self.show(r.json["uuid"])["node_count"], 0)
        self.assertError(self.post(self.body(labels={"min_node_count": "5"})), 400,
                         "min_node_count")

    def test_body_validation(self):
        self.assertError(self.post(self.body(name="1-starts-with-digit")), 400, "pattern")
        self.assertError(self.post(self.body(name="x" * 243)), 400, "242")
        self.assertError(self.post(self.body(bogus=1)), 400, "Unknown attribute for argument")
        for ro in ("stack_id", "api_address", "status", "node_addresses", "project_id",
                   "cluster_id"):
            self.assertError(self.post(self.body(**{ro: "x"})), 400, "Cannot set read only field.")
        self.assertError(self.post(self.body(node_count="many")), 400, "Expected an integer")
        self.assertError(self.post(self.body(labels=["a"])), 400, "labels")
        self.assertError(self.post(self.body(create_timeout=-1)), 400, "create_timeout")
        self.assertError(self.post({"node_count": 1}), 400, "Mandatory field missing.")
        self.assertError(self.m.post("/v1/clusters", raw_body="{not json", headers=ALICE), 400,
                         "Request is not in valid JSON format")
        # Stringly-typed values convert as wsme does.
        r = self.post(self.body(node_count="2", master_lb_enabled="yes",
                                labels={"n": 1, "b": True}))
        self.assertEqual(r.status, 202, r)
        shown = self.show(r.json["uuid"])
        self.assertEqual(shown["node_count"], 2)
        self.assertEqual(shown["labels"], {"n": "1", "b": "True"})
        self.assertTrue(shown["master_lb_enabled"])

    def test_policy(self):
        self.assertError(self.post(self.body(), headers=READER), 403,
                         "Policy doesn't allow cluster:create to be performed.")

    def test_quota_exhaustion(self):
        project = {"X-Project-Id": "p-quota", "X-User-Id": "q", "X-Roles": "member"}
        r = self.m.post("/v1/quotas", {"project_id": "p-quota", "resource": "Cluster",
                                       "hard_limit": 1}, headers=ADMIN)
        self.assertEqual(r.status, 201, r)
        template = create_template(self.m, project)
        create_cluster(self.m, template, project, wait=False)
        self.assertError(self.m.post("/v1/clusters", {"cluster_template_id": template},
                                     headers=project), 403,
                         "Resource limit exceeded: You have reached the maximum clusters per "
                         "project, 1. You may delete a cluster to make room for a new one.")

    def test_template_in_use(self):
        template = create_template(self.m, ALICE)
        create_cluster(self.m, template, ALICE, wait=False)
        self.assertError(self.m.delete("/v1/clustertemplates/" + template, headers=ALICE), 400,
                         "is referenced by one or multiple clusters")

    def test_patch_rules(self):
        cluster = create_cluster(self.m, self.template, ALICE)
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/name", "value": "n"}]),
                         400, "cannot change cluster property(ies) name.")
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/uuid",
                                               "value": str(uuid.uuid4())}]),
                         400, "'/uuid' is an internal attribute and can not be updated")
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/stack_id",
                                               "value": "x"}]), 400, "internal attribute")
        self.assertError(self.patch(cluster, [{"op": "remove", "path": "/cluster_template_id"}]),
                         400, "mandatory attribute")
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/node_count",
                                               "value": -1}]), 400, "node_count")
        self.assertError(self.patch(cluster, [{"op": "replace", "path": "/node_count",
                                               "value": 0}], version=mv(9)), 400,
                         "not supported in the provided microversion")
        self.assertError(self.patch(cluster, {"op": "replace"}), 400)
        # rollback: strict boolean, and only from 1.3.
        self.assertError(self.patch(cluster, [], query="?rollback=maybe"), 400, "rollback")
        self.assertError(self.patch(cluster, [], query="?rollback=true", version=mv(2)), 400,
                         "Unknown argument")
        self.assertEqual(self.patch(cluster, [], query="?rollback=false").status, 202)

    def test_actions(self):
        cluster = create_cluster(self.m, self.template, ALICE, labels={"min_node_count": "1"})
        resize = "/v1/clusters/%s/actions/resize" % cluster
        upgrade = "/v1/clusters/%s/actions/upgrade" % cluster
        self.assertError(self.m.post(resize, {"node_count": 2}, headers=ALICE, version=mv(6)), 406)
        self.assertError(self.m.post(resize, {"node_count": 0}, headers=ALICE), 400,
                         "Resizing default-worker outside the allowed range: min_node_count = 1, "
                         "max_node_count = None")
        self.assertError(self.m.post(resize, {}, headers=ALICE), 400, "Mandatory field missing.")
        self.assertError(self.m.post(resize, {"node_count": 1, "nodegroup": "nope"},
                                     headers=ALICE), 404, "Nodegroup nope could not be found.")
        self.assertError(self.m.post(resize, {"node_count": 3, "nodegroup": "default-master"},
                                     headers=ALICE), 400,
                         "Resizing the master nodegroup is not supported by this driver.")
        self.assertError(self.m.post(resize, {"node_count": 1, "bogus": 1}, headers=ALICE), 400)
        self.assertError(self.m.post(upgrade, {"cluster_template": self.template}, headers=ALICE,
                                     version=mv(6)), 406)
        self.assertError(self.m.post(upgrade, {"cluster_template": self.template}, headers=ALICE,
                                     version=mv(7)), 400,
                         "Cluster upgrade is not supported in the provided microversion.")
        self.assertError(self.m.post(upgrade, {"cluster_template": "nope"}, headers=ALICE), 404)
        self.assertError(self.m.post(upgrade, {"cluster_template": self.template,
                                               "max_batch_size": 0}, headers=ALICE), 400)
        self.assertError(self.m.post(resize, {"node_count": 2}, headers=READER), 403)


if __name__ == "__main__":
    unittest.main()
