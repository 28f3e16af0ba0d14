# ctest-labels: lifecycle
"""The web dashboard's files, served by magnumd and magnum-api under /dashboard/
(api/dashboard.h, docs/api.md "Extension: dashboard"): the built-in files are those of
dashboard/ on disk byte for byte, with their headers; [api] dashboard_dir serves a directory
instead; [api] enable_dashboard = false turns it off.

The files are built into the binaries: after editing dashboard/, rebuild before running this.
"""
import gzip
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import harness
from harness import Magnumd, layout_mode

DASHBOARD = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "..", "..", "dashboard"))
CSP = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
         ".woff2": "font/woff2", ".ico": "image/x-icon"}


def fetch(port, target, headers=None, method="GET"):
    """(status, {lower-case header: value}, body bytes); `target` is sent as it is."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def files_on_disk():
    """The files the build embeds: relative paths under dashboard/, but dot-files."""
    out = []
    for root, dirs, names in os.walk(DASHBOARD):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in sorted(names):
            if not n.startswith("."):
                out.append(os.path.relpath(os.path.join(root, n), DASHBOARD).replace(os.sep, "/"))
    return out


def read(rel):
    with open(os.path.join(DASHBOARD, rel), "rb") as f:
        return f.read()


class DashboardTestCase(unittest.TestCase):
    def assertSecurityHeaders(self, headers):
        self.assertEqual(headers.get("content-security-policy"), CSP)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        self.assertEqual(headers.get("referrer-policy"), "no-referrer")

    def assertApiError(self, status, headers, body, expected):
        self.assertEqual(status, expected, body[:300])
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(json.loads(body)["errors"][0]["status"], expected)


class BuiltInDashboardTest(DashboardTestCase):
    """The default: the files of dashboard/ built into magnumd."""

    @classmethod
    def setUpClass(cls):
        cls.m = Magnumd().start()

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()

    def get(self, target, headers=None, method="GET"):
        return fetch(self.m._port(), target, headers, method)

    def test_index_is_dashboard_index_html_byte_for_byte(self):
        expected = read("index.html")
        for target in ("/dashboard/", "/dashboard/index.html", "/dashboard/clusters/c1"):
            with self.subTest(target=target):
                status, h, body = self.get(target)
                self.assertEqual(status, 200)
                self.assertEqual(body, expected, "rebuild after editing dashboard/")
                self.assertEqual(h["content-type"], "text/html; charset=utf-8")
                self.assertEqual(h["cache-control"], "no-cache")
                self.assertEqual(h["content-length"], str(len(expected)))
                self.assertNotIn("content-encoding", h)
                self.assertRegex(h["etag"], r'^"[0-9a-f]{32}"$')
                self.assertSecurityHeaders(h)
        # Revalidation: 304 without a body, the same ETag.
        _, h, _ = self.get("/dashboard/")
        status, h304, body = self.get("/dashboard/", {"If-None-Match": h["etag"]})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        self.assertEqual(h304["etag"], h["etag"])
        self.assertSecurityHeaders(h304)
        status, _, _ = self.get("/dashboard/", {"If-None-Match": '"0123"'})
        self.assertEqual(status, 200)

    def test_every_file_is_served_as_on_disk(self):
        files = files_on_disk()
        self.assertIn("index.html", files)
        scripts = [f for f in files if f.endswith((".js", ".css"))]
        for rel in files:
            with self.subTest(file=rel):
                expected = read(rel)
                target = "/dashboard/" + urllib.parse.quote(rel)
                status, h, body = self.get(target)
                self.assertEqual(status, 200)
                self.assertEqual(body, expected, "rebuild after editing dashboard/")
                ext = os.path.splitext(rel)[1].lower()
                if ext in TYPES:
                    self.assertEqual(h["content-type"], TYPES[ext])
                self.assertEqual(h["cache-control"],
                                 "no-cache" if ext == ".html" else "public, max-age=300")
                self.assertSecurityHeaders(h)
                # Compressed when asked and worth it; the same bytes once inflated.
                status, hz, zbody = self.get(target, {"Accept-Encoding": "gzip, br"})
                self.assertEqual(status, 200)
                if hz.get("content-encoding") == "gzip":
                    self.assertEqual(gzip.decompress(zbody), expected)
                    self.assertLess(len(zbody), len(expected))
                    self.assertEqual(hz["vary"], "Accept-Encoding")
                    self.assertNotEqual(hz["etag"], h["etag"])
                    self.assertEqual(h["vary"], "Accept-Encoding")
                    status, _, body = self.get(target, {"Accept-Encoding": "gzip",
                                                        "If-None-Match": hz["etag"]})
                    self.assertEqual((status, body), (304, b""))
                else:
                    self.assertNotIn("content-encoding", hz)
                    self.assertEqual(zbody, expected)
                # Refused encodings are respected.
                _, hn, nbody = self.get(target, {"Accept-Encoding": "gzip;q=0, *;q=0"})
                self.assertNotIn("content-encoding", hn)
                self.assertEqual(nbody, expected)
        # Text assets of any size worth compressing come compressed.
        big = [f for f in scripts if len(read(f)) > 2048]
        for rel in big:
            _, hz, _ = self.get("/dashboard/" + rel, {"Accept-Encoding": "gzip"})
            self.assertEqual(hz.get("content-encoding"), "gzip", rel)

    def test_head(self):
        status, h, body = self.get("/dashboard/", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(h["content-length"], str(len(read("index.html"))))
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")

    def test_redirect_and_routes(self):
        status, h, _ = self.get("/dashboard")
        self.assertEqual(status, 301)
        self.assertEqual(h["location"], "/dashboard/")
        status, h, _ = self.get("/dashboard?project=p1", method="HEAD")
        self.assertEqual(status, 301)
        self.assertEqual(h["location"], "/dashboard/?project=p1")
        status, h, body = self.get("/dashboard/no-such-file.js")
        self.assertApiError(status, h, body, 404)
        self.assertSecurityHeaders(h)
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            status, h, body = self.get("/dashboard/index.html", method=method)
            self.assertApiError(status, h, body, 405)
            self.assertEqual(h["allow"], "GET, HEAD")
        # The API is where it was.
        r = self.m.get("/v1/clustertemplates")
        self.assertEqual(r.status, 200, r)

    def test_traversal_and_odd_encodings_reach_nothing(self):
        secret = "/etc/hostname"
        for target in ("/dashboard/../etc/passwd", "/dashboard/../../../../etc/hostname",
                       "/dashboard/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/hostname",
                       "/dashboard/..%2f..%2f..%2f..%2fetc%2fhostname",
                       "/dashboard/%2E%2E%5C%2E%2E%5Cetc%5Chostname",
                       "/dashboard/./index.html", "/dashboard//index.html",
                       "/dashboard/.git/config", "/dashboard/%2fetc%2fhostname",
                       "/dashboard/index.html%00.js", "/dashboard/%c0%ae%c0%ae/etc/hostname",
                       "/dashboard/%ff", "/dashboard/%zz"):
            with self.subTest(target=target):
                status, h, body = self.get(target)
                self.assertIn(status, (400, 404), body[:200])
                self.assertEqual(h.get("content-type"), "application/json")
                with open(secret, "rb") as f:
                    content = f.read().strip()
                if content:
                    self.assertNotIn(content, body)

    @unittest.skipIf(layout_mode(), "magnumd is a layout of processes: no single log")
    def test_log_names_the_dashboard_url(self):
        line = "dashboard: http://127.0.0.1:%d/dashboard/" % self.m.port
        self.m.wait_for(lambda: line in self.m.log(), timeout=10, what=line)  # flushed each 1 s


@unittest.skipIf(layout_mode(), "options of one process: the single-process variants cover "
                 "them (BuiltInDashboardTest covers the layout's magnum-api processes)")
class DashboardOptionsTest(DashboardTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="magnum-dash-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, rel, data):
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def test_disabled_is_an_unknown_path(self):
        m = Magnumd(extra_config={"api": {"enable_dashboard": "false"}}).start()
        self.addCleanup(m.cleanup)
        for target in ("/dashboard", "/dashboard/", "/dashboard/index.html"):
            with self.subTest(target=target):
                status, h, body = fetch(m.port, target)
                self.assertApiError(status, h, body, 404)
                self.assertNotIn("content-security-policy", h)
        # The log is flushed each second: wait for the listening line.
        m.wait_for(lambda: "listening on" in m.log(), timeout=10, what="listening line")
        self.assertNotIn("dashboard: http", m.log())

    def test_dashboard_dir_is_read_per_request(self):
        site = os.path.join(self.tmp, "site")
        self.write("site/index.html", b"<!doctype html><p>dev page</p>")
        self.write("site/js/app.js", b"export const v = 1;\n" * 200)
        self.write("outside.txt", b"outside the directory")
        os.symlink(os.path.join(self.tmp, "outside.txt"), os.path.join(site, "leak.txt"))
        os.symlink(self.tmp, os.path.join(site, "up"))
        m = Magnumd(extra_config={"api": {"dashboard_dir": site}}).start()
        self.addCleanup(m.cleanup)

        status, h, body = fetch(m.port, "/dashboard/", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, body), (200, b"<!doctype html><p>dev page</p>"))
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertNotIn("content-encoding", h)
        self.assertSecurityHeaders(h)
        etag = h["etag"]
        status, h, body = fetch(m.port, "/dashboard/js/app.js")
        self.assertEqual((status, body), (200, b"export const v = 1;\n" * 200))
        self.assertEqual(h["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertEqual(fetch(m.port, "/dashboard/", {"If-None-Match": etag})[0], 304)

        # Edits show at once (no rebuild, no restart), with a new ETag.
        self.write("site/index.html", b"<!doctype html><p>edited</p>")
        status, h, body = fetch(m.port, "/dashboard/", {"If-None-Match": etag})
        self.assertEqual((status, body), (200, b"<!doctype html><p>edited</p>"))
        self.assertNotEqual(h["etag"], etag)

        # A symlink may lead out and back in: the file is inside, it is served.
        status, _, body = fetch(m.port, "/dashboard/up/site/js/app.js")
        self.assertEqual((status, body), (200, b"export const v = 1;\n" * 200))
        # Nothing outside the directory, symlinks included.
        for target in ("/dashboard/leak.txt", "/dashboard/up/outside.txt",
                       "/dashboard/../outside.txt", "/dashboard/%2e%2e/outside.txt"):
            with self.subTest(target=target):
                status, h, body = fetch(m.port, target)
                self.assertApiError(status, h, body, 404)
                self.assertNotIn(b"outside the directory", body)

    def test_dashboard_dir_must_be_a_directory(self):
        m = Magnumd(extra_config={"api": {"dashboard_dir": os.path.join(self.tmp, "absent")}})
        self.addCleanup(m.cleanup)
        with self.assertRaises(RuntimeError) as ctx:
            m.start(timeout=10)
        self.assertIn("[api] dashboard_dir", str(ctx.exception))

    def test_magnum_api_serves_it_too(self):
        m = Magnumd(program="magnum-api")
        self.addCleanup(m.cleanup)
        out = subprocess.run([harness.binary("magnum-db-manage"), "--config-file", m.config_path,
                              "upgrade"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        m.start()
        status, h, body = fetch(m.port, "/dashboard/")
        self.assertEqual(status, 200)
        self.assertEqual(body, read("index.html"))
        self.assertSecurityHeaders(h)
        line = "dashboard: http://127.0.0.1:%d/dashboard/" % m.port
        m.wait_for(lambda: line in m.log(), timeout=10, what=line)


if __name__ == "__main__":
    unittest.main()
