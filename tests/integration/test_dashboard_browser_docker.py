# ctest-labels: browser docker
"""The dashboard with the real `docker` driver (test_dashboard_browser runs the same pages on
the test-only fake driver): in headless Chromium, a swarm-mode template through the form, a
cluster of one manager and one worker through the wizard, its timeline followed to
CREATE_COMPLETE, the client configuration downloaded from the page and used by the docker CLI
against the cluster's manager (`docker node ls` over TLS with the browser-made key), then the
cluster deleted from the page. Screenshots: build/test-artifacts/dashboard/docker-*.png.
"""
import os
import unittest

import test_dashboard_browser as browser
from docker_support import DOCKER, DockerEngine, docker_server_config, run

By = browser.By
Select = browser.Select
ENGINE = DockerEngine()
BOB = {"X-Project-Id": "p-docker", "X-User-Id": "bob", "X-Roles": "member,reader"}


class DockerDashboardTest(browser.BrowserCase):
    TEST_DRIVERS = False
    SHOTS = "docker-"

    @classmethod
    def magnumd_config(cls):
        return docker_server_config()

    @classmethod
    def setUpClass(cls):
        if not ENGINE.available():
            raise AssertionError("no Docker Engine at %s: the ctest fixture docker.engine.start "
                                 "starts one" % ENGINE.path)
        if DOCKER is None:
            raise AssertionError("the docker CLI is needed (install-deps.sh --test)")
        super().setUpClass()
        cls.clusters = []

    @classmethod
    def tearDownClass(cls):
        try:
            for c in cls.clusters:
                ENGINE.remove_cluster_objects(c)
        finally:
            super().tearDownClass()

    def test_swarm_cluster_from_the_pages(self):
        d = self.driver
        form = self.sign_in_noauth("p-docker", "bob")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.heading("Clusters")

        # A swarm-mode template for the docker driver.
        self.go("#/templates/new")
        self.heading("New cluster template")
        form = self.css("main form")
        self.fill(form, "name", "swarm")
        Select(form.find_element(By.NAME, "coe")).select_by_visible_text("swarm-mode")
        Select(form.find_element(By.NAME, "server_type")).select_by_visible_text("container")
        self.fill(form, "image_id", "swarm-node")
        self.fill(form, "external_network_id", "public")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.heading("swarm")
        templates = self.m.get("/v1/clustertemplates", headers=BOB).json["clustertemplates"]
        self.assertEqual([(t["coe"], t["server_type"], t["image_id"]) for t in templates],
                         [("swarm-mode", "container", "swarm-node")])

        # One manager and one worker through the wizard.
        self.go("#/clusters/new?template=" + templates[0]["uuid"])
        self.heading("New cluster")
        form = self.css("main form")
        nxt = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
        self.fill(form, "name", "bswarm")
        nxt.click()
        self.fill(form, "node_count", "1")
        nxt.click()
        nxt.click()
        self.until(lambda: "bswarm" in self.css(".review").text, "review step")
        nxt.click()
        self.heading("bswarm")
        cluster = d.current_url.rsplit("/", 1)[1]
        self.clusters.append(cluster)
        self.until(lambda: "CREATE_COMPLETE" in self.css(".badges").text, "CREATE_COMPLETE",
                   timeout=300)
        self.until(lambda: self.css("#op-progress").get_attribute("value") == "100",
                   "progress 100%")
        self.until(lambda: "all 2 nodes are Ready" in self.css("#timeline").text,
                   "the driver's last step in the timeline")
        self.shot("01-cluster")
        c = self.m.get("/v1/clusters/" + cluster, headers=BOB).json
        self.assertEqual((c["status"], c["master_count"], c["node_count"]),
                         ("CREATE_COMPLETE", 1, 1))

        # The client configuration from the page drives the cluster's engine.
        paths = self.download_config()
        self.assertEqual(list(paths), ["ca.pem", "key.pem", "cert.pem", "env.sh"])
        with open(paths["env.sh"]) as f:
            self.assertIn("export DOCKER_HOST=" + c["api_address"], f.read())
        self.shot("02-config")
        self.dialog().find_element(By.XPATH, ".//button[text()='Close']").click()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update({"DOCKER_HOST": c["api_address"], "DOCKER_TLS_VERIFY": "1",
                    "DOCKER_CERT_PATH": self.downloads, "HOME": self.tmp})
        out = run([DOCKER, "node", "ls", "--format", "{{.Hostname}} {{.Status}}"], env=env,
                  timeout=60).stdout
        nodes = sorted(line.split() for line in out.splitlines() if line.strip())
        self.assertEqual(len(nodes), 2, out)
        self.assertTrue(all(status == "Ready" for _, status in nodes), out)

        # Delete from the page; the page follows it until the cluster is gone.
        self.action("Delete")
        self.dialog().find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: self.m.get("/v1/clusters/" + cluster, headers=BOB).status == 404,
                   "cluster deleted", timeout=120)
        self.until(lambda: not any(ENGINE.objects(cluster).values()),
                   "the cluster's containers, volumes and networks removed", timeout=60)
        self.assertEqual(self.console_errors(), [])


if __name__ == "__main__":
    unittest.main()
