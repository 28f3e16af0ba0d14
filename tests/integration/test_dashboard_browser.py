# ctest-labels: browser
"""The web dashboard (dashboard/, served under /dashboard/) end to end in headless Chromium
(Debian's chromium, chromium-driver, python3-selenium): sign in (noauth: project and role),
create a template through the form (a refused input shows the API's message verbatim), create a
cluster through the wizard (fake driver), watch its timeline reach CREATE_COMPLETE, resize,
download the client configuration (checked with openssl), see that a second project sees none
of it, the admin pages, delete. A screenshot of each page goes to
build/test-artifacts/dashboard/.

The browser gets a fresh profile in a temporary directory and may reach 127.0.0.1 only.
magnumd serves dashboard/ of this checkout through [api] dashboard_dir (the files as they are
now, under the dashboard's Content-Security-Policy; test_dashboard_serving checks the copy
built into the binary).
"""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN_DIR, Magnumd
from cluster_fixtures import FAST_CERTS

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD = os.path.join(REPO, "dashboard")
ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(BIN_DIR)), "test-artifacts", "dashboard")
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException, TimeoutException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

ALICE = {"X-Project-Id": "p-alice", "X-User-Id": "alice", "X-Roles": "member,reader"}
WAIT = 20  # seconds for any one condition


def new_browser(profile, downloads):
    """Headless Chromium whose every file (profile, caches, crash reports) is under the
    directory of `profile`."""
    home = os.path.dirname(profile)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_CACHE_HOME=os.path.join(home, "cache"))
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1280,860", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-extensions", "--disable-crash-reporter", "--lang=en-GB",
                # Loopback only: every other host name fails to resolve.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--proxy-server=direct://", "--proxy-bypass-list=*"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                           "download.prompt_for_download": False})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=env), options=opts)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": downloads})
    return driver


@unittest.skipUnless(CHROMIUM and CHROMEDRIVER and HAVE_SELENIUM,
                     "chromium, chromium-driver and python3-selenium are not installed")
class BrowserCase(unittest.TestCase):
    """A magnumd serving dashboard/ and a headless Chromium, with the helpers a page flow
    uses. Subclasses choose the magnumd (magnumd_config, TEST_DRIVERS) and the screenshots'
    name prefix (SHOTS)."""
    TEST_DRIVERS = True
    SHOTS = ""

    @classmethod
    def magnumd_config(cls):
        return dict(FAST_CERTS)

    @classmethod
    def setUpClass(cls):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for old in os.listdir(ARTIFACTS):  # this run's screenshots only
            if old.endswith(".png") and old.startswith(cls.SHOTS) and (
                    cls.SHOTS or old[:1].isdigit() or old == "failed.png"):
                os.remove(os.path.join(ARTIFACTS, old))
        cls.tmp = tempfile.mkdtemp(prefix="magnum-browser-")
        cls.downloads = os.path.join(cls.tmp, "downloads")
        os.makedirs(cls.downloads)
        config = cls.magnumd_config()
        config.setdefault("api", {})["dashboard_dir"] = DASHBOARD
        cls.m = Magnumd(extra_config=config, test_drivers=cls.TEST_DRIVERS).start()
        cls.base = "http://127.0.0.1:%d/dashboard/" % cls.m.port
        cls.driver = new_browser(os.path.join(cls.tmp, "profile"), cls.downloads)
        cls.wait = WebDriverWait(cls.driver, WAIT)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls.m.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ---------------------------------------------------------------------

    def css(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, find, what):
        """Clicks what `find()` returns. The cluster page re-renders as its status arrives, so
        a button found a moment before may be replaced before the click: found and clicked
        again until a click lands (a stale element's click does nothing)."""
        def once():
            find().click()
            return True
        self.until(once, "a click on " + what)

    def action(self, label):
        """Clicks the cluster page's action button `label`."""
        self.click(lambda: self.css("#cluster-actions").find_element(
            By.XPATH, ".//button[text()='%s']" % label), label)

    def until(self, condition, what, timeout=WAIT):
        try:
            # The pages re-render: an element may go between finding and reading it.
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05, ignored_exceptions=(
                NoSuchElementException, StaleElementReferenceException)).until(
                    lambda d: condition())
        except TimeoutException:
            self.shot("failed")
            raise AssertionError("timed out waiting for %s; the page: %s" % (what, self.page_state()))

    def page_state(self):
        """Where the page is and what it shows, for a failure's message (CI keeps the log, not
        the screenshot)."""
        try:
            return json.dumps(self.driver.execute_script(
                "const m = document.querySelector('main');"
                "return {hash: location.hash, main: m ? m.innerText.slice(0, 400) : null,"
                " status: (document.getElementById('status') || {}).textContent || ''};"))
        except Exception as e:  # the browser itself is gone
            return "unknown (%s)" % e

    def visible(self, selector):
        def found():
            els = [e for e in self.driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]
            return els[0] if els else None
        return self.until(found, selector)

    def status_says(self, text):
        self.until(lambda: self.css("#status").text == text, "status line " + repr(text))

    def heading(self, text):
        self.until(lambda: self.css("main h1").text == text, "page heading " + text)

    def shot(self, name):
        """A screenshot of the whole page (the window grown to the document, at most 2,000 px)."""
        d = self.driver
        height = d.execute_script("return document.documentElement.scrollHeight")
        if height > 860:
            d.set_window_size(1280, min(2000, height + 130))
        d.save_screenshot(os.path.join(ARTIFACTS, self.SHOTS + name + ".png"))
        if height > 860:
            d.set_window_size(1280, 860)

    def fill(self, form, name, value):
        el = form.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)
        return el

    def go(self, route):
        self.driver.execute_script("location.hash = arguments[0]", route)

    def dialog(self):
        return self.visible("dialog[open]")

    def switch_identity(self, project, role):
        form = self.css("form.idform")
        self.fill(form, "project", project)
        Select(form.find_element(By.NAME, "roles")).select_by_visible_text(role)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: self.css("#status").text == "Now acting as project " + project,
                   "project " + project)

    def stream_supported(self, cluster):
        """Whether the API answers the cluster's events as text/event-stream."""
        conn = http.client.HTTPConnection("127.0.0.1", self.m.port, timeout=10)
        try:
            conn.request("GET", "/v1/clusters/%s/events" % cluster,
                         headers=dict(ALICE, Accept="text/event-stream"))
            resp = conn.getresponse()
            return resp.status == 200 and resp.getheader("Content-Type", "").startswith(
                "text/event-stream")
        finally:
            conn.close()

    def console_errors(self):
        """Browser console errors other than the HTTP errors the flow provokes on purpose."""
        out = []
        for e in self.driver.get_log("browser"):
            if e["level"] != "SEVERE":
                continue
            if "Failed to load resource: the server responded with a status of" in e["message"]:
                continue
            out.append(e["message"])
        return out

    def download_config(self, shot=None):
        """Opens the cluster page's client configuration, downloads every file it offers
        (after a screenshot `shot`) and returns {file name: downloaded path}, in page order."""
        d = self.driver
        self.action("Client configuration")
        links = self.until(lambda: d.find_elements(By.CSS_SELECTOR, "#config-files a[download]"),
                           "config files")
        if shot:
            self.shot(shot)
        paths = {}
        for a in links:
            paths[a.get_attribute("download")] = os.path.join(self.downloads,
                                                              a.get_attribute("download"))
            a.click()
        self.until(lambda: all(os.path.exists(p) for p in paths.values()) and
                   not any(f.endswith(".crdownload") for f in os.listdir(self.downloads)),
                   "downloads")
        return paths

    def sign_in_noauth(self, project, user):
        """The noauth form: `project` and `user` with roles member and reader."""
        self.driver.get(self.base)
        form = self.visible("main form")
        self.heading("Sign in")
        self.fill(form, "project", project)
        self.fill(form, "user", user)
        form.find_element(By.CSS_SELECTOR, "input[value=admin]").click()  # member, reader
        return form


class DashboardBrowserTest(BrowserCase):
    # ---- the flow --------------------------------------------------------------------

    def test_dashboard_flow(self):
        d = self.driver
        started = time.time()

        # Sign-in: the API answers without a token, so the noauth form chooses the identity.
        form = self.sign_in_noauth("p-alice", "alice")
        self.shot("01-sign-in")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.heading("Clusters")
        self.until(lambda: self.css("#clusters").get_attribute("data-loaded") == "true",
                   "cluster list loaded")
        self.assertEqual(self.css("#cl-count").text, "No clusters yet.")
        session = json.loads(d.execute_script("return sessionStorage.getItem('magnum.session')"))
        self.assertEqual((session["project"], session["roles"]), ("p-alice", ["member", "reader"]))
        self.assertEqual(d.execute_script("return document.cookie"), "")
        # Admin pages are not offered to a member.
        self.assertNotIn("Services", self.css("#nav").text)

        # A template through the form. Client-side validation first: nothing is sent.
        self.css("a[href='#/templates']").click()
        self.heading("Cluster templates")
        self.css("a[href='#/templates/new']").click()
        self.heading("New cluster template")
        form = self.css("main form")
        self.fill(form, "name", "web-k8s")
        self.fill(form, "image_id", "no-such-image")
        self.fill(form, "flavor_id", "m1.small")
        self.fill(form, "master_flavor_id", "m1.medium")
        self.fill(form, "external_network_id", "public")
        self.fill(form, "labels", "kube_tag=v1.30.1, team=web")
        port = self.fill(form, "apiserver_port", "80")
        self.fill(form, "dns_nameserver", "8.8.8.8,1.2.3")
        submit = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
        submit.click()
        self.until(lambda: port.get_attribute("aria-invalid") == "true", "port marked invalid")
        self.assertEqual(self.css("#" + port.get_attribute("id") + "-err").text,
                         "An integer from 1024 to 65535.")
        self.assertIn('"1.2.3" is not an IPv4 address.', form.text)
        self.assertEqual(d.switch_to.active_element, port)  # focus on the first invalid field
        self.assertEqual(self.m.get("/v1/clustertemplates", headers=ALICE).json["clustertemplates"], [])
        # Valid for the form, refused by the API: its detail appears verbatim.
        self.fill(form, "apiserver_port", "6443")
        self.fill(form, "dns_nameserver", "8.8.8.8")
        refused = self.m.post("/v1/clustertemplates", {
            "name": "web-k8s", "coe": "kubernetes", "image_id": "no-such-image",
            "server_type": "vm"}, headers=ALICE)
        self.assertEqual(refused.status, 400, refused)
        submit.click()
        alert = self.visible("main form .alert")
        self.assertEqual(alert.find_element(By.CSS_SELECTOR, ".detail").text,
                         refused.error_detail())
        self.shot("02-template-refused")
        self.fill(form, "image_id", "fake-image")
        submit.click()
        self.heading("web-k8s")
        # The message of what was done outlives the route change it came with.
        self.status_says("Template web-k8s created")
        self.assertIn("kube_tag=v1.30.1, team=web", self.css("dl.props").text)
        templates = self.m.get("/v1/clustertemplates", headers=ALICE).json["clustertemplates"]
        self.assertEqual([(t["name"], t["apiserver_port"], t["labels"]) for t in templates],
                         [("web-k8s", 6443, {"kube_tag": "v1.30.1", "team": "web"})])
        template = templates[0]["uuid"]
        self.shot("03-template")

        # The edit dialog left by Cancel, then by Escape: gone from the page, nothing sent.
        before = self.m.get("/v1/clustertemplates/" + template, headers=ALICE).json
        edit = self.css("main .actions").find_element(By.XPATH, ".//button[text()='Edit']")
        for leave in ("Cancel", "Escape"):
            edit.click()
            dlg = self.dialog()
            self.fill(dlg, "docker_volume_size", "7")
            if leave == "Cancel":
                dlg.find_element(By.XPATH, ".//button[text()='Cancel']").click()
            else:
                dlg.find_element(By.NAME, "docker_volume_size").send_keys(Keys.ESCAPE)
            self.until(lambda: not d.find_elements(By.CSS_SELECTOR, "dialog"),
                       "edit dialog removed after " + leave)
            self.assertEqual(self.css("main h1").text, "web-k8s")
        self.assertEqual(self.m.get("/v1/clustertemplates/" + template, headers=ALICE).json,
                         before)

        # Update through the edit dialog (JSON-patch of the changed fields).
        edit.click()
        dlg = self.dialog()
        self.fill(dlg, "docker_volume_size", "5")
        self.fill(dlg, "labels", "kube_tag=v1.30.2")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), "edit dialog closed")
        # The page is shown again after the save; a route change made before that would be
        # undone by it (CI once saw the templates list replaced by the template page here).
        self.status_says("Template web-k8s saved")
        t = self.m.get("/v1/clustertemplates/" + template, headers=ALICE).json
        self.assertEqual((t["docker_volume_size"], t["labels"]), (5, {"kube_tag": "v1.30.2"}))

        self.go("#/templates")
        self.heading("Cluster templates")
        self.until(lambda: "web-k8s" in self.css("table.list").text, "template listed")
        self.shot("04-templates")

        # A cluster through the wizard, from the template's page.
        self.go("#/clusters/new?template=" + template)
        self.heading("New cluster")
        form = self.css("main form")
        nxt = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
        self.fill(form, "name", "9bad")
        nxt.click()
        self.until(lambda: form.find_element(By.NAME, "name").get_attribute("aria-invalid") == "true",
                   "cluster name refused")
        self.fill(form, "name", "demo")
        nxt.click()
        self.fill(form, "node_count", "1")
        nxt.click()
        self.fill(form, "keypair", "kp1")
        self.fill(form, "labels", "env=test")
        nxt.click()
        self.until(lambda: "demo" in self.css(".review").text, "review step")
        self.shot("05-cluster-wizard")
        nxt.click()
        self.heading("demo")
        self.status_says("Cluster demo is being created")
        cluster = d.current_url.rsplit("/", 1)[1]
        self.until(lambda: "Cluster create completed" in self.css("#timeline").text,
                   "the create's last event")
        self.until(lambda: self.css("#op-progress").get_attribute("value") == "100",
                   "progress 100%")
        self.until(lambda: "CREATE_COMPLETE" in self.css(".badges").text, "CREATE_COMPLETE")
        self.until(lambda: "default-worker" in self.css("#nodegroups").text, "nodegroups shown")
        self.assertIn("certificates", self.css("#timeline").text)
        # Live through the event stream where the API has it, else by polling.
        self.assertEqual(self.css(".live-mode").get_attribute("data-mode"),
                         "stream" if self.stream_supported(cluster) else "polling")
        c = self.m.get("/v1/clusters/" + cluster, headers=ALICE).json
        self.assertEqual((c["name"], c["keypair"], c["labels"]["env"]), ("demo", "kp1", "test"))
        self.shot("06-cluster")

        # Resize the default worker to 2 nodes.
        self.action("Resize")
        dlg = self.dialog()
        self.fill(dlg, "node_count", "2")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: "Cluster resize completed" in self.css("#timeline").text,
                   "the resize's last event")
        self.until(lambda: "UPDATE_COMPLETE" in self.css(".badges").text, "UPDATE_COMPLETE")
        self.until(lambda: self.css("#nodegroups tr[data-name=default-worker] td.num").text == "2",
                   "default-worker has 2 nodes")
        self.assertEqual(self.m.get("/v1/clusters/" + cluster, headers=ALICE).json["node_count"], 2)

        # Upgrade to another template of the same COE (image fake-image-v2).
        target = self.m.post("/v1/clustertemplates", {
            "name": "web-k8s-v2", "coe": "kubernetes", "image_id": "fake-image-v2",
            "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
            "external_network_id": "public"}, headers=ALICE)
        self.assertEqual(target.status, 201, target)
        self.action("Upgrade")
        dlg = self.dialog()
        Select(dlg.find_element(By.NAME, "cluster_template")).select_by_visible_text("web-k8s-v2")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: "Cluster upgrade completed" in self.css("#timeline").text,
                   "the upgrade's last event")
        self.until(lambda: "web-k8s-v2" in self.css("dl.props").text, "the new template shown")
        self.assertEqual(self.m.get("/v1/clusters/" + cluster, headers=ALICE).json[
            "cluster_template_id"], target.json["uuid"])

        # A nodegroup: added through its dialog, then deleted after confirmation.
        self.until(lambda: self.css("#nodegroups").is_displayed() and not self.css(
            "section button:not(.small)").get_attribute("disabled"), "actions enabled")
        self.click(lambda: d.find_element(By.XPATH, "//button[text()='Add nodegroup']"),
                   "Add nodegroup")
        dlg = self.dialog()
        self.fill(dlg, "name", "gpu")
        self.fill(dlg, "node_count", "1")
        self.fill(dlg, "min_node_count", "2")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: dlg.find_element(By.NAME, "min_node_count").get_attribute(
            "aria-invalid") == "true", "min above count refused in the form")
        self.fill(dlg, "min_node_count", "0")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: "CREATE_COMPLETE" in self.css("#nodegroups tr[data-name=gpu]").text,
                   "nodegroup gpu created")
        self.shot("06b-nodegroup")
        self.click(lambda: self.css("#nodegroups tr[data-name=gpu] button.danger"),
                   "nodegroup gpu's Delete")
        self.dialog().find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: not d.find_elements(By.CSS_SELECTOR, "#nodegroups tr[data-name=gpu]"),
                   "nodegroup gpu gone")
        self.assertEqual(sorted(n["name"] for n in self.m.get(
            "/v1/clusters/%s/nodegroups" % cluster, headers=ALICE).json["nodegroups"]),
            ["default-master", "default-worker"])

        # Client configuration: CA from the API, key and CSR made in the browser, signed.
        paths = self.download_config("07-cluster-config")
        self.assertEqual(list(paths), ["ca.pem", "key.pem", "cert.pem", "config", "env.sh"])
        with open(paths["ca.pem"]) as f:
            ca = f.read()
        self.assertEqual(ca.strip(), self.m.get("/v1/certificates/" + cluster,
                                                headers=ALICE).json["pem"].strip())
        verify = subprocess.run(["openssl", "verify", "-CAfile", paths["ca.pem"], paths["cert.pem"]],
                                capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        subject = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", paths["cert.pem"]],
                                 capture_output=True, text=True).stdout
        self.assertIn("O = system:masters", subject)
        self.assertIn("CN = admin", subject)
        pub = lambda args: subprocess.run(["openssl"] + args, capture_output=True, text=True).stdout
        self.assertEqual(pub(["x509", "-noout", "-pubkey", "-in", paths["cert.pem"]]),
                         pub(["pkey", "-pubout", "-in", paths["key.pem"]]))
        with open(paths["config"]) as f:
            kubeconfig = f.read()
        self.assertIn("server: " + c["api_address"], kubeconfig)
        self.assertIn("client-key-data: ", kubeconfig)
        self.dialog().find_element(By.XPATH, ".//button[text()='Close']").click()

        # The list shows the cluster with its status colour.
        self.go("#/clusters")
        self.heading("Clusters")
        row = self.visible("#clusters tr[data-uuid='%s']" % cluster)
        self.assertIn("st-ok", row.find_element(By.CSS_SELECTOR, ".badge").get_attribute("class"))
        # The list follows changes made elsewhere (its 5 s refresh).
        other = self.m.post("/v1/clusters", {"name": "other", "cluster_template_id": template,
                                             "master_count": 1, "node_count": 1}, headers=ALICE)
        self.assertEqual(other.status, 202, other)
        self.until(lambda: self.css("#clusters tr[data-uuid='%s']" % other.json["uuid"])
                   .get_attribute("data-status") == "CREATE_COMPLETE", "the other cluster listed",
                   timeout=15)
        self.assertEqual(self.css("#cl-count").text, "2 of 2 clusters")
        self.shot("08-clusters")

        # Another project sees none of it.
        self.switch_identity("p-bob", "member")
        self.until(lambda: self.css("#clusters").get_attribute("data-loaded") == "true",
                   "bob's cluster list")
        self.assertEqual(self.css("#cl-count").text, "No clusters yet.")
        self.go("#/templates")
        self.heading("Cluster templates")
        self.until(lambda: self.css("#tmpl-count").text == "0 of 0 templates", "bob's templates")
        self.go("#/clusters/" + cluster)
        self.until(lambda: "could not be found" in self.css("main .alert").text, "404 for bob")

        # Admin pages.
        self.switch_identity("p-admin", "admin")
        self.go("#/admin")
        self.heading("Quotas and stats")
        self.until(lambda: "2 clusters" in self.css(".stats").text, "stats over all projects")
        self.css("main section:nth-of-type(2) button.primary").click()
        dlg = self.dialog()
        self.fill(dlg, "project_id", "p-alice")
        self.fill(dlg, "hard_limit", "5")
        dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.until(lambda: "p-alice" in self.css("#quotas").text, "quota listed")
        self.shot("09-admin")
        self.go("#/services")
        self.heading("Magnum services")
        self.until(lambda: "magnum-conductor" in self.css("#services").text, "services")
        self.shot("10-services")

        # Back as Alice: delete with confirmation; the page follows it to the end.
        self.switch_identity("p-alice", "member")
        self.go("#/clusters/" + cluster)
        self.heading("demo")
        self.until(lambda: "UPDATE_COMPLETE" in self.css(".badges").text, "cluster shown")
        self.action("Delete")
        self.dialog().find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.visible("#gone")
        self.assertEqual(self.m.get("/v1/clusters/" + cluster, headers=ALICE).status, 404)
        self.shot("11-cluster-deleted")

        # The event-stream parser, fed the way a network delivers (split anywhere).
        messages = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import("./live.js").then(({SseParser}) => {
              const text = ': keep-alive\\n\\nevent: cluster\\ndata: {"status":"X"}\\n\\n' +
                           'id: 7\\r\\nevent: event\\r\\ndata: {"id":7,\\r\\ndata: "m":1}\\r\\n\\r\\n' +
                           'event: gone\\ndata:\\n\\n';
              done([1, 2, 5, text.length].map((n) => {
                const p = new SseParser();
                const out = [];
                for (let i = 0; i < text.length; i += n) out.push(...p.feed(text.slice(i, i + n)));
                return out;
              }));
            }, (e) => done(String(e)));""")
        self.assertEqual(messages, 4 * [[
            {"event": "cluster", "data": '{"status":"X"}', "id": None},
            {"event": "event", "data": '{"id":7,\n"m":1}', "id": "7"},
            {"event": "gone", "data": "", "id": None}]])

        # The polling fallback: the other cluster's page without the stream follows a
        # resize made elsewhere.
        d.execute_script("sessionStorage.setItem('magnum.live', 'poll')")
        self.go("#/clusters/" + other.json["uuid"])
        self.heading("other")
        self.until(lambda: self.css(".live-mode").get_attribute("data-mode") == "polling",
                   "polling mode")
        r = self.m.post("/v1/clusters/%s/actions/resize" % other.json["uuid"], {"node_count": 2},
                        headers=ALICE)
        self.assertEqual(r.status, 202, r)
        self.until(lambda: "Cluster resize completed" in self.css("#timeline").text,
                   "the resize seen by polling")
        self.until(lambda: "UPDATE_COMPLETE" in self.css(".badges").text, "UPDATE_COMPLETE polled")
        d.execute_script("sessionStorage.removeItem('magnum.live')")

        # A smaller laptop screen: no page scrolls sideways.
        d.set_window_size(1024, 700)
        for route, title in (("#/clusters/" + other.json["uuid"], "other"),
                             ("#/templates/new", "New cluster template")):
            self.go(route)
            self.heading(title)
            self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                                 d.execute_script("return document.documentElement.clientWidth"),
                                 route)
        d.save_screenshot(os.path.join(ARTIFACTS, "12-narrow.png"))
        d.set_window_size(1280, 860)

        # Sign-out forgets the identity.
        self.css("#identity button.link").click()
        self.heading("Sign in")
        self.assertIsNone(d.execute_script("return sessionStorage.getItem('magnum.session')"))

        self.maxDiff = None
        self.assertEqual(self.console_errors(), [])
        print("dashboard flow: %.1f s" % (time.time() - started))


if __name__ == "__main__":
    unittest.main()
