# ctest-labels: docker
"""The built-in autoscaler (docs/autoscaling.md) on a real Swarm cluster of the docker driver.

One cluster for the class: 1 manager and 1 worker, the template's labels
auto_scaling_enabled=true, min_node_count=1, max_node_count=3, the autoscaler looking every
second with a short cool-down. Then, in order:

1. a service whose replicas each reserve 60% of a node's CPUs (one task per node; the
   manager takes one too) and that wants more nodes than the maximum allows: the cluster
   grows through the normal resize to exactly max_node_count, every task that fits runs, a
   manual resize while the autoscaler's resize runs is refused with the reason, and the
   count never goes above the maximum, also passes later;
2. the service removed: after the cool-down the idle workers are drained and removed, down
   to min_node_count and never below; the manager stays;
3. the label auto_scaling_enabled set to false by a cluster PATCH: a task left pending
   grows nothing; set to true again: the cluster grows for it.

Prints the figures of docs/benchmarks.md ("Autoscaling"): a pending task to the new node
Ready and the task running, and idle to scale-down complete, against the intervals set."""
import subprocess
import time
import unittest

from converge_support import node_ls, require_engine
from docker_support import DockerEngine, DriverApi, start_magnumd, wait_until

ENGINE = DockerEngine()
INTERVAL, GRACE, COOLDOWN = 1, 1, 8  # [autoscaler] interval, pending_grace, cool-down (s)
MIN, MAX = 1, 3
SERVICE = "hog"
FIGURES = []


def manager_docker(manager, *args, check=True, timeout=60):
    """The docker CLI inside the manager's node container (the swarm's own engine)."""
    out = subprocess.run(["docker", "exec", manager, "docker"] + list(args),
                         capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError("docker %s on %s failed: %s" % (" ".join(args), manager,
                                                             out.stderr))
    return out.stdout


class AutoscalerDockerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_engine()
        cls.m = start_magnumd(autoscaler={
            "interval": str(INTERVAL), "pending_grace": str(GRACE),
            "scale_down_cooldown": str(COOLDOWN), "scale_down_utilization_threshold": "0.5"})
        cls.api = DriverApi(unittest.TestCase(), cls.m, ENGINE)
        try:
            r = cls.m.post("/v1/clustertemplates", {
                "name": "swarm-autoscaled", "coe": "swarm-mode", "image_id": "swarm-node",
                "server_type": "container", "external_network_id": "public",
                "labels": {"auto_scaling_enabled": "true", "min_node_count": str(MIN),
                           "max_node_count": str(MAX)}})
            assert r.status == 201, r
            cls.uuid = cls.api.create(r.json["uuid"], "auto", masters=1, nodes=1)
            c = cls.api.wait(cls.uuid, timeout=300)
            assert c["status"] == "CREATE_COMPLETE", c
            cls.manager = "auto-master-0"
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.api.cleanup()
        finally:
            cls.m.cleanup()
            for line in FIGURES:
                print(line)

    # ---- what runs ---------------------------------------------------------------------

    def cluster(self):
        c = self.api.cluster(self.uuid)
        self.assertIsNotNone(c)
        # Never outside the labels' range, whenever we look.
        self.assertLessEqual(c["node_count"], MAX, c)
        self.assertGreaterEqual(c["node_count"], MIN, c)
        return c

    def running_tasks(self):
        out = manager_docker(self.manager, "service", "ps", SERVICE, "--filter",
                             "desired-state=running", "--format",
                             "{{.Node}}|{{.CurrentState}}", check=False)
        return sorted(l.split("|")[0] for l in out.splitlines()
                      if l.split("|")[-1].startswith("Running"))

    def node_cpus(self):
        out = manager_docker(self.manager, "node", "inspect", "self", "--format",
                             "{{.Description.Resources.NanoCPUs}}")
        return int(out.strip()) / 1e9

    def autoscaler_events(self):
        return [e for e in self.api.events(self.uuid) if e["step"] == "autoscaler"]

    def settled(self, count):
        def reached():
            c = self.cluster()
            if c["status"] in ("UPDATE_COMPLETE", "CREATE_COMPLETE") and \
                    c["node_count"] == count:
                return c
            self.assertNotEqual(c["status"], "UPDATE_FAILED", c.get("status_reason"))
            return None
        return reached

    # ---- the flow ----------------------------------------------------------------------

    def test_1_grows_for_pending_tasks_up_to_the_maximum(self):
        cpus = self.node_cpus()
        reserve = round(cpus * 0.6, 2)  # one task per node
        replicas = MAX + 2  # manager + MAX workers take MAX + 1; one stays pending
        t0 = time.time()
        manager_docker(self.manager, "service", "create", "--detach", "--name", SERVICE,
                       "--replicas", str(replicas), "--reserve-cpu", str(reserve), "--init",
                       "--no-resolve-image", "--endpoint-mode", "dnsrr", "magnum-workload",
                       "sleep", "3600")
        # The manager and the worker take one task each; the others wait for nodes.
        wait_until(lambda: len(self.running_tasks()) >= 2, 60, 0.2, "2 running tasks")

        # The autoscaler's resize starts; a manual one meanwhile is refused, saying why.
        def growing():
            c = self.cluster()
            return c if c["status"] == "UPDATE_IN_PROGRESS" else None
        wait_until(growing, 60, 0.1, "the autoscaler's resize to start")
        reacted = time.time()
        r = self.m.post("/v1/clusters/%s/actions/resize" % self.uuid, {"node_count": 2})
        self.assertEqual(r.status, 409, r)
        self.assertIn("UPDATE_IN_PROGRESS", r.error_detail())

        first_new = None
        deadline = time.time() + 240
        while time.time() < deadline:
            running = self.running_tasks()
            if first_new is None and len(running) > 2:
                first_new = time.time()
            c = self.cluster()
            if c["status"] == "UPDATE_COMPLETE" and c["node_count"] == MAX and \
                    len(running) == MAX + 1:
                break
            self.assertNotEqual(c["status"], "UPDATE_FAILED", c.get("status_reason"))
            time.sleep(0.2)
        else:
            self.fail("not grown to %d with %d tasks running: %r, %r" %
                      (MAX, MAX + 1, self.cluster(), self.running_tasks()))
        all_running = time.time()
        # Every node of the swarm runs exactly one task; one replica stays pending.
        nodes = node_ls(self.manager)
        self.assertEqual(len(nodes), MAX + 1, nodes)
        self.assertTrue(all(s == "Ready" and a == "Active" for _, s, a in nodes), nodes)
        self.assertEqual(sorted(self.running_tasks()), sorted(h for h, _, _ in nodes))

        # Passes go on with a task still pending: the maximum holds.
        time.sleep(4 * INTERVAL)
        c = self.cluster()
        self.assertEqual((c["node_count"], c["status"]), (MAX, "UPDATE_COMPLETE"))
        events = self.autoscaler_events()
        grew = [e for e in events if "growing" in e["message"]]
        self.assertTrue(grew, events)
        self.assertIn(SERVICE, grew[0]["message"])
        self.assertTrue(any("max" in e["message"] for e in events), events)

        FIGURES.append("autoscaler: tasks pending to the resize started: %.1f s; to the first "
                       "new node Ready with its task running: %.1f s; to all %d workers (+%d) "
                       "Ready and every task that fits running: %.1f s ([autoscaler] interval "
                       "%d s, pending_grace %d s)" %
                       (reacted - t0, first_new - t0, MAX, MAX - 1, all_running - t0, INTERVAL,
                        GRACE))

    def test_2_shrinks_to_the_minimum_after_the_cooldown(self):
        wait_until(self.settled(MAX), 240, 0.5, "the grown cluster")
        manager_docker(self.manager, "service", "rm", SERVICE)
        idle = time.time()
        wait_until(lambda: not self.running_tasks(), 60, 0.2, "the tasks to stop")
        def shrinking():
            c = self.cluster()
            return c["status"] == "UPDATE_IN_PROGRESS" or c["node_count"] == MIN
        wait_until(shrinking, COOLDOWN + 60, 0.1, "the autoscaler's shrink to start")
        reacted = time.time()
        c = wait_until(self.settled(MIN), 180, 0.2, "the shrink to min_node_count")
        done = time.time()
        self.assertGreaterEqual(reacted - idle, COOLDOWN, "removed before the cool-down")
        self.assertEqual(len(c["node_addresses"]), MIN)
        nodes = node_ls(self.manager)
        self.assertEqual(len(nodes), MIN + 1, nodes)
        self.assertIn((self.manager, "Ready", "Active"), nodes)
        # Passes go on: never below the minimum.
        time.sleep(4 * INTERVAL)
        self.assertEqual(self.cluster()["node_count"], MIN)
        shrank = [e for e in self.autoscaler_events() if "shrinking" in e["message"]]
        self.assertTrue(shrank, self.autoscaler_events())
        FIGURES.append("autoscaler: service removed to the shrink started: %.1f s; to the "
                       "shrink from %d to %d workers complete: %.1f s (scale_down_cooldown %d s, "
                       "interval %d s)" % (reacted - idle, MAX, MIN, done - idle, COOLDOWN,
                                           INTERVAL))

    def test_3_a_label_update_turns_it_off_and_on(self):
        wait_until(self.settled(MIN), 240, 0.5, "the shrunk cluster")
        reserve = round(self.node_cpus() * 0.6, 2)
        r = self.m.patch("/v1/clusters/" + self.uuid, [
            {"op": "add", "path": "/labels/auto_scaling_enabled", "value": "false"}])
        self.assertEqual(r.status, 202, r)
        manager_docker(self.manager, "service", "create", "--detach", "--name", SERVICE,
                       "--replicas", "3", "--reserve-cpu", str(reserve), "--init",
                       "--no-resolve-image", "--endpoint-mode", "dnsrr", "magnum-workload",
                       "sleep", "3600")
        wait_until(lambda: len(self.running_tasks()) >= 2, 60, 0.2, "2 running tasks")
        # Off: passes go by with a task pending, and nothing changes.
        time.sleep(5 * INTERVAL + GRACE)
        c = self.cluster()
        self.assertEqual((c["node_count"], c["status"]), (MIN, "UPDATE_COMPLETE"))
        # On again: it grows for the pending task.
        r = self.m.patch("/v1/clusters/" + self.uuid, [
            {"op": "replace", "path": "/labels/auto_scaling_enabled", "value": "true"}])
        self.assertEqual(r.status, 202, r)
        wait_until(self.settled(MIN + 1), 240, 0.2, "the growth after turning it on")
        wait_until(lambda: len(self.running_tasks()) == 3, 60, 0.2, "3 running tasks")


if __name__ == "__main__":
    unittest.main()
