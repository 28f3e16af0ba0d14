"""The multi-node layout of scripts/multinode/start.sh (2 magnum-api + 2 magnum-conductor
processes on one MariaDB database and one RabbitMQ virtual host) for the tests labelled
`multinode`: one layout per test class (`LayoutTestCase`), with its processes exposed (pid,
kill -9, restart one) and each API as a harness client.

By default the layout uses the ctest fixtures' MariaDB (MAGNUM_TEST_MYSQL_URL) and
RabbitMQ node (MAGNUM_RABBITMQ_STATE), in a database and a virtual host of its own; a
class that restarts the broker or the database server sets `own_rabbitmq` /
`own_mariadb` and gets a node or server of its own that the script starts and stops."""
import atexit
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

from harness import BIN_DIR, Magnumd
from cluster_fixtures import ADMIN

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts", "multinode")
MYSQL_URL = os.environ.get("MAGNUM_TEST_MYSQL_URL", "")
RABBIT_STATE = os.environ.get("MAGNUM_RABBITMQ_STATE", "")
RABBIT_PORT = os.environ.get("MAGNUM_RABBITMQ_PORT", "5682")
# The AMQP port of a layout's own node (`own_rabbitmq = True`): set by ctest, 2 above the
# shared node's (the broker-restart test of rpc.rabbit_restart has the one between).
OWN_RABBIT_PORT = int(os.environ.get("MAGNUM_TEST_LAYOUT_RABBITMQ_PORT", "5684"))
PROCESSES = ("api-1", "api-2", "conductor-1", "conductor-2")


def available():
    """Why the layout cannot run here, or "" (the ctest fixtures mariadb and rabbitmq)."""
    if not MYSQL_URL:
        return "MAGNUM_TEST_MYSQL_URL is not set (ctest fixture mariadb)"
    if not RABBIT_STATE or not os.path.exists(os.path.join(RABBIT_STATE, "url")):
        return "no RabbitMQ (ctest fixture rabbitmq)"
    return ""


PORT_RESERVATIONS = "/tmp/magnum-it-ports"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _reserve(port):
    """Claims `port` for this test process across every test process of the machine (a file
    naming the claimer's pid; a dead claimer's file is taken over)."""
    os.makedirs(PORT_RESERVATIONS, exist_ok=True)
    path = os.path.join(PORT_RESERVATIONS, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    holder = int(f.read() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and _pid_alive(holder):
                return False
            try:
                os.unlink(path)  # a dead process's claim
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def release_ports(ports):
    for port in ports:
        try:
            os.unlink(os.path.join(PORT_RESERVATIONS, str(port)))
        except FileNotFoundError:
            pass


def free_ports(count, first=9600, last=9700):
    """`count` ports of 127.0.0.1 free now and claimed for this process (release_ports),
    below the ephemeral range (32768-): a port the kernel hands out to client connections
    could be taken before the layout binds it. Layouts of test processes running at once
    never pick the same port."""
    found = []
    candidates = list(range(first, last))
    random.shuffle(candidates)
    for port in candidates:
        if not _reserve(port):
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                release_ports([port])
                continue
        found.append(port)
        if len(found) == count:
            atexit.register(release_ports, list(found))
            return found
    release_ports(found)
    raise RuntimeError("no %d free ports in %d-%d" % (count, first, last))


class Api(Magnumd):
    """One magnum-api of the layout: the harness's HTTP client on its port."""

    def __init__(self, layout, name, port):  # noqa: super().__init__ would write a config
        self.layout, self.program, self.port = layout, name, port
        self.dir, self.proc, self.own_dir = layout.dir, None, False

    def log(self):
        return self.layout.log(self.program)


class Layout:
    """The processes of one scripts/multinode/start.sh run.

    `config`: {section: {key: value}} added to every process's config file;
    `own_mariadb`: a MariaDB server of the layout's own (another datadir and port);
    `own_rabbitmq`: a RabbitMQ node of its own (on OWN_RABBIT_PORT)."""

    def __init__(self, config=None, own_mariadb=False, own_rabbitmq=False, directory=None,
                 database=None):
        """`directory`: the state directory (a new one by default); `database`: the name of
        the layout's database on the shared server (a new one by default)."""
        self.dir = directory or tempfile.mkdtemp(prefix="magnum-it-multinode-")
        # The virtual host: one per state directory, so a layout started again on the same
        # directory (a restart) finds its queues.
        self.tag = "mn_" + (hashlib.sha1(os.path.realpath(self.dir).encode()).hexdigest()[:10]
                            if directory else uuid.uuid4().hex[:10])
        self.database = database or self.tag
        url = urllib.parse.urlsplit(MYSQL_URL)
        # The fixture's server: its datadir is in the build tree that runs the tests (build/,
        # build-asan/), which ctest names.
        shared_dir = os.environ.get("MAGNUM_TEST_MARIADB_DIR") or os.path.join(
            os.path.dirname(os.path.abspath(BIN_DIR)), "mariadb")
        mariadb = ["--mariadb-dir", shared_dir,
                   "--mariadb-port", str(url.port or 3306)]
        if own_mariadb:
            # The port after the shared server's (3318): not an ephemeral port, which a
            # client connection could take between picking and binding it.
            mariadb = ["--mariadb-dir", os.path.join(self.dir, "mariadb"),
                       "--mariadb-port", str((url.port or 3306) + 1)]
        self.mariadb_args = mariadb
        rabbit = ["--rabbitmq-state", RABBIT_STATE, "--rabbitmq-port", RABBIT_PORT]
        if own_rabbitmq:
            rabbit = ["--rabbitmq-state", os.path.join(self.dir, "rabbitmq"),
                      "--rabbitmq-port", str(OWN_RABBIT_PORT)]
        self.rabbit_args = rabbit
        self.ports = free_ports(2)
        self.common = ["--dir", self.dir, "--database", self.database, "--vhost", self.tag] + \
            mariadb + rabbit
        self.start_args = self.common + [
            "--build", os.path.dirname(os.path.abspath(BIN_DIR)),
            "--api-ports", "%d,%d" % tuple(self.ports), "--test-drivers", "--auth", "noauth",
            "--host-prefix", "it"]
        for section, options in (config or {}).items():
            for k, v in options.items():
                self.start_args += ["--set", "%s.%s=%s" % (section, k, v)]
        self.apis = [Api(self, "api-1", self.ports[0]), Api(self, "api-2", self.ports[1])]
        self.db_user = urllib.parse.unquote(url.username or "")
        self.db_password = urllib.parse.unquote(url.password or "")

    def sql(self, statement):
        """Runs SQL on the layout's database (the `mariadb` client); returns its output
        (tab-separated rows)."""
        p = subprocess.run(["mariadb", "--no-defaults", "-N", "-B", "-h", "127.0.0.1",
                            "-P", self.mariadb_args[3], "-u", self.db_user, self.database,
                            "-e", statement], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, MYSQL_PWD=self.db_password))
        assert p.returncode == 0, "mariadb %r: %s" % (statement, p.stderr)
        return p.stdout.strip()

    def rabbitmq(self, script, *args, check=True):
        """scripts/rabbitmq/SCRIPT on the layout's node (its own, or the shared one)."""
        state, port = self.rabbit_args[1], int(self.rabbit_args[3])
        env = dict(os.environ, MAGNUM_RABBITMQ_STATE=state, MAGNUM_RABBITMQ_PORT=str(port),
                   MAGNUM_RABBITMQ_DIST_PORT=str(port + 20000),
                   MAGNUM_RABBITMQ_NODE="magnum-test-%d@localhost" % port)
        p = subprocess.run([os.path.join(ROOT, "scripts", "rabbitmq", script), *args],
                           capture_output=True, text=True, timeout=180, env=env)
        assert p.returncode == 0 or not check, "%s %s: %s" % (script, args, p.stderr)
        return p.stdout

    def mariadb(self, script, check=True):
        """scripts/mariadb/SCRIPT (start.sh, stop.sh) on the layout's server."""
        p = subprocess.run([os.path.join(ROOT, "scripts", "mariadb", script),
                            "--dir", self.mariadb_args[1], "--port", self.mariadb_args[3]],
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0 or not check, "%s: %s" % (script, p.stderr)

    def run(self, script, *args, timeout=240):
        p = subprocess.run([os.path.join(SCRIPTS, script), *args], capture_output=True,
                           text=True, timeout=timeout)
        if p.returncode != 0:
            raise AssertionError("%s %s failed:\n%s\n%s" % (script, " ".join(args), p.stderr,
                                                          self.logs()))
        return p.stdout

    def start(self, only=None):
        """start.sh (again): starts what does not run (`only`: just these processes)."""
        out = self.run("start.sh", *self.start_args, *(["--only", only] if only else []))
        return out.split()

    def halt(self):
        """stop.sh without --purge: the processes stop; DIR, the database and the virtual
        host stay, and start() starts the processes again on them."""
        self.run("stop.sh", *self.common)

    def drop_vhost(self):
        """Deletes the layout's virtual host (after halt(), when DIR is not the layout's to
        purge)."""
        self.rabbitmq("ctl.sh", "-q", "delete_vhost", self.tag, check=False)

    def stop(self):
        """stop.sh --purge: the processes, what it started, the database and vhost, DIR.
        A server or node of the layout's own (under DIR) is stopped whatever its start
        recorded: a start that failed half-way recorded nothing."""
        try:
            if self.mariadb_args[1].startswith(self.dir):
                self.mariadb("stop.sh", check=False)
            if self.rabbit_args[1].startswith(self.dir):
                self.rabbitmq("ctl.sh", "stop", check=False)
            self.run("stop.sh", *self.common, "--purge")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            release_ports(self.ports)

    def host(self, name):
        """[DEFAULT] host of process `name` (its name in GET /v1/mservices)."""
        return "it-" + name

    def pid(self, name):
        """The pid of process `name` while it runs, else None."""
        try:
            with open(os.path.join(self.dir, name + ".pid")) as f:
                pid = int(f.read())
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if (os.path.join(self.dir, name + ".conf")).encode() not in f.read():
                    return None
            with open("/proc/%d/status" % pid) as f:
                if any(line.startswith("State:") and "Z" in line for line in f):
                    return None
            return pid
        except (OSError, ValueError):
            return None

    def kill(self, name, sig=signal.SIGKILL):
        """Signals process `name` (kill -9 by default) and waits until it is gone."""
        pid = self.pid(name)
        assert pid, "%s does not run" % name
        os.kill(pid, sig)
        deadline = time.time() + 30
        while self.pid(name) and time.time() < deadline:
            time.sleep(0.05)
        assert not self.pid(name), "%s (pid %d) survived signal %d" % (name, pid, sig)

    def log(self, name):
        text = ""
        for ext in (".log", ".out"):
            path = os.path.join(self.dir, name + ext)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f.read()[-8000:]
        return text

    def logs(self):
        text = "\n".join("--- %s\n%s" % (n, self.log(n)) for n in PROCESSES)
        path = os.path.join(self.mariadb_args[1], "mariadb.log")
        if self.mariadb_args[1].startswith(self.dir) and os.path.exists(path):
            with open(path, errors="replace") as f:
                text += "\n--- mariadb\n" + f.read()[-4000:]
        return text

    def services(self, api=0):
        r = self.apis[api].get("/v1/mservices", headers=ADMIN)
        assert r.status == 200, r
        return r.json["mservices"]


class LayoutTestCase(unittest.TestCase):
    """A test class on one layout, started in setUpClass and purged in tearDownClass."""
    config = {}
    own_mariadb = False
    own_rabbitmq = False

    @classmethod
    def setUpClass(cls):
        why = available()
        if why:
            raise unittest.SkipTest(why)
        cls.layout = Layout(cls.config, cls.own_mariadb, cls.own_rabbitmq)
        try:
            cls.layout.start()
        except Exception:
            cls.layout.stop()
            raise
        cls.api1, cls.api2 = cls.layout.apis

    @classmethod
    def tearDownClass(cls):
        cls.layout.stop()
