"""Test harness: starts the real server binaries on a free loopback port with a
temporary database, and talks to them over HTTP (stdlib only).

    with Magnumd(extra_config={"drivers": {"enable_test_drivers": "true"}}) as m:
        status, headers, body = m.request("GET", "/v1/clustertemplates")

MAGNUM_BIN_DIR (set by ctest) names the directory holding the binaries. The database is
SQLite in the state directory, or with MAGNUM_TEST_DATABASE=mariadb a fresh database of its
own on the MariaDB server MAGNUM_TEST_MYSQL_URL (database_support.py); `Magnumd.database`
runs SQL on it in either mode.

With MAGNUM_TEST_LAYOUT=multinode (and MariaDB) a `Magnumd` of the program magnumd is the
multi-node layout of scripts/multinode/start.sh instead (multinode_support.Layout): two
magnum-api and two magnum-conductor processes on that database and a RabbitMQ virtual host
of their own, with the test's configuration; requests alternate between the two APIs, so
each test sees both and its clusters run on either conductor.
"""
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from database_support import database_for, database_from_url, mariadb_mode, release_database

BIN_DIR = os.environ.get(
    "MAGNUM_BIN_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))

LATEST = "container-infra latest"

LAYOUT = os.environ.get("MAGNUM_TEST_LAYOUT", "")
if LAYOUT not in ("", "multinode"):
    raise RuntimeError("MAGNUM_TEST_LAYOUT=%r: empty or multinode" % LAYOUT)
if LAYOUT and not mariadb_mode():
    raise RuntimeError("MAGNUM_TEST_LAYOUT=multinode needs MAGNUM_TEST_DATABASE=mariadb")


def layout_mode():
    return LAYOUT == "multinode"


def binary(name):
    path = os.path.join(BIN_DIR, name)
    if not os.path.exists(path):
        raise RuntimeError("binary %s not found: build first (make build)" % path)
    return path


def free_port():
    """A loopback port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path, sections):
    with open(path, "w") as f:
        for section, options in sections.items():
            f.write("[%s]\n" % section)
            for k, v in options.items():
                f.write("%s = %s\n" % (k, v))
            f.write("\n")


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def error_detail(self):
        return self.json["errors"][0]["detail"]

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.raw[:500])


class Magnumd:
    """A running magnumd (or another server binary) for one test class or case."""

    multinode = None  # the multinode_support.Layout standing for magnumd in layout mode

    def __init__(self, extra_config=None, program="magnumd", workdir=None, test_drivers=True):
        """`workdir`: a state directory the caller owns (and so its database, see
        database_support.release_database); by default a new one, removed by cleanup()."""
        self.program = program
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="magnum-it-")
        self.config_path = os.path.join(self.dir, "magnum-%s.conf" % program)
        own_url = (extra_config or {}).get("database", {}).get("connection")
        # The database the server runs on: the test's own, or the state directory's.
        self.database = database_from_url(own_url) if own_url else database_for(self.dir)
        sections = {
            "DEFAULT": {"state_path": self.dir, "debug": "false",
                        "log_file": os.path.join(self.dir, program + ".log")},
            "api": {"host": "127.0.0.1", "port": "0"},
            "database": {"connection": self.database.url},
            "drivers": {"enable_test_drivers": "true" if test_drivers else "false"},
        }
        for section, options in (extra_config or {}).items():
            sections.setdefault(section, {}).update(options)
        write_config(self.config_path, sections)
        self.proc = None
        self.port = None
        self.multinode = None
        if layout_mode() and program == "magnumd" and not own_url:
            from multinode_support import Layout  # it imports this module
            self.multinode = Layout(config=extra_config, directory=self.dir,
                                 database=self.database.name)
            self._turn = itertools.count()

    def _port(self):
        """The port of the next request: the two APIs in turn in layout mode."""
        if self.multinode is None:
            return self.port
        return self.multinode.ports[next(self._turn) % 2]

    def start(self, timeout=20):
        if self.multinode is not None:
            try:
                self.multinode.start()
            except Exception as e:
                self.multinode.halt()
                raise RuntimeError("the layout did not start: %s" % e) from e
            self.port = self.multinode.ports[0]
            return self
        self.proc = subprocess.Popen(
            [binary(self.program), "--config-file", self.config_path],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + timeout
        line = ""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("LISTENING "):
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
            if line == "" and self.proc.poll() is not None:
                break
        if self.port is None:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError("%s did not start: %s %s\n%s" % (self.program, line, err, self.log()))
        # Drain stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        return self

    def spawn(self):
        """Starts the program without waiting for a port (magnum-conductor listens on none);
        its output is discarded, its log file kept as with start()."""
        self.proc = subprocess.Popen([binary(self.program), "--config-file", self.config_path],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def running(self):
        """Whether the server runs: the process, or in layout mode all four processes."""
        if self.multinode is not None:
            from multinode_support import PROCESSES
            return all(self.multinode.pid(name) for name in PROCESSES)
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        if self.multinode is not None:
            return self.multinode.logs()
        path = os.path.join(self.dir, self.program + ".log")
        if os.path.exists(path):
            with open(path) as f:
                return f.read()[-20000:]
        return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.multinode is not None:
            # Every process of the layout; its directory, database and vhost stay.
            if sig == signal.SIGTERM:
                self.multinode.halt()
                return 0
            from multinode_support import PROCESSES
            for name in PROCESSES:
                if self.multinode.pid(name):
                    self.multinode.kill(name, sig)
            return -sig
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        if self.proc:
            for stream in (self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except Exception:
                    pass
        return rc

    def kill(self):
        """Hard stop (SIGKILL), as a crash would."""
        return self.stop(sig=signal.SIGKILL)

    def cleanup(self):
        if self.multinode is not None:
            if self.own_dir:
                self.multinode.stop()  # the processes, the database, the vhost and the directory
                release_database(self.dir)
            else:
                self.multinode.halt()
                self.multinode.drop_vhost()
                from multinode_support import release_ports
                release_ports(self.multinode.ports)
            return
        self.stop()
        if self.own_dir:
            release_database(self.dir)
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # ---- HTTP ---------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, version=LATEST, raw_body=None,
                timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self._port(), timeout=timeout)
        h = {"Accept": "application/json"}
        if version is not None:
            h["OpenStack-API-Version"] = version
        data = raw_body
        if body is not None:
            data = json.dumps(body)
        if data is not None:
            h["Content-Type"] = "application/json"
        if self.multinode is not None:
            # As behind a load balancer: one public address (the links in responses).
            h["Host"] = "127.0.0.1:%d" % self.port
        h.update(headers or {})
        if isinstance(data, str):
            data = data.encode()
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read().decode("utf-8", "replace")
        conn.close()
        return Response(resp.status, resp.getheaders(), raw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def wait_for(self, predicate, timeout=30, interval=0.05, what="condition"):
        """Polls predicate() until it returns a truthy value; returns that value."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


class RestartableServerTest(unittest.TestCase):
    """A test case whose magnumd keeps one state directory across stops, kills and
    restarts: `start()` starts (or restarts) it with the class's `config`."""
    config = {}
    dir_prefix = "magnum-it-restart-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.dir_prefix)
        self.db = database_for(self.dir)  # kept across the restarts
        self.m = None

    def tearDown(self):
        if self.m:
            self.m.cleanup()  # keeps self.dir (not the server's own)
        release_database(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self):
        self.m = Magnumd(extra_config=self.config, workdir=self.dir).start()
        return self.m


def single_process_only(reason):
    """Skips a test or class in layout mode (MAGNUM_TEST_LAYOUT=multinode): `reason` says
    what about it needs the one magnumd process."""
    return unittest.skipIf(layout_mode(),
                           "one magnumd only (MAGNUM_TEST_LAYOUT=multinode): " + reason)


def sqlite_only(reason):
    """Skips a test or class in MariaDB mode: `reason` says what about it is SQLite's."""
    return unittest.skipIf(mariadb_mode(), "SQLite only (MAGNUM_TEST_DATABASE=mariadb): " + reason)


def template_body(**overrides):
    """A valid cluster template body for the fake driver."""
    body = {"name": "t1", "coe": "kubernetes", "image_id": "fake-image",
            "flavor_id": "m1.small", "master_flavor_id": "m1.medium",
            "external_network_id": "public"}
    body.update(overrides)
    return body
