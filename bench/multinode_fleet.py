"""A multi-process Magnum on loopback for bench/multinode_scale.py: magnum-api and
magnum-conductor processes (build/bin) sharing one MariaDB database and one RabbitMQ
virtual host, both private to the run and made on the shared servers of the multinode tests
(MariaDB on 127.0.0.1:3317, RabbitMQ of build/rabbitmq: `make rabbitmq-start`,
scripts/mariadb/start.sh). Everything made is removed by close().

The processes are the harness's (tests/integration/harness.py) with the options of the
multinode tests (rabbit_support.rabbit_config, test_mariadb_storage's Server for SQL).
"""
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import rabbit_support  # noqa: E402
from cluster_fixtures import ADMIN  # noqa: E402
from test_mariadb_storage import Server  # noqa: E402

DEFAULT_MYSQL_URL = os.environ.get(
    "MAGNUM_TEST_MYSQL_URL",
    "mysql+pymysql://magnum_test:magnum-test-pass@127.0.0.1:3317/magnum?charset=utf8")
DEFAULT_RABBIT_STATE = os.environ.get("MAGNUM_RABBITMQ_STATE",
                                      os.path.join(ROOT, "build", "rabbitmq"))


class _Cleanups:
    """What rabbit_support.private_vhost and Server.new_database expect of a test case."""

    def __init__(self, stack):
        self.stack = stack

    def addCleanup(self, fn, *args, **kwargs):  # noqa: N802 (unittest's name)
        self.stack.callback(fn, *args, **kwargs)


class Fleet:
    """magnum-api × n and magnum-conductor × n on one private database and vhost."""

    def __init__(self, mysql_url=DEFAULT_MYSQL_URL, rabbit_state=DEFAULT_RABBIT_STATE,
                 conductor_config=None, keep=False):
        rabbit_support.STATE = rabbit_state
        if not rabbit_support.broker_url():
            raise RuntimeError("no RabbitMQ: %s/url is missing (make rabbitmq-start)" %
                               rabbit_state)
        self.stack = contextlib.ExitStack()
        self.cleanups = _Cleanups(self.stack)
        self.dir = tempfile.mkdtemp(prefix="magnum-bench-multinode-")
        if not keep:
            self.stack.callback(subprocess.run, ["rm", "-rf", self.dir])
        self.server = Server(mysql_url)
        self.server_url = urllib.parse.urlsplit(mysql_url)
        self.database = self.server.new_database(self.cleanups)
        self.db_url = self.server.database_url(self.database)
        self.vhost_url = rabbit_support.private_vhost(self.cleanups)
        self.vhost = self.vhost_url.rsplit("/", 1)[1]
        # One key for every process: CA keys written by one conductor are read by the others.
        self.key_file = os.path.join(self.dir, "magnum.key")
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32).hex().encode())
        os.close(fd)
        self.conductor_config = conductor_config or {}  # {section: {option: value}}
        self.apis = {}
        self.conductors = {}
        self.migrated = False

    def _config(self, host, extra=None):
        cfg = rabbit_support.rabbit_config(self.vhost_url, host)
        cfg["DEFAULT"]["rpc_response_timeout"] = "60"
        cfg["database"] = {"connection": self.db_url}
        cfg["certificates"] = {"encryption_key_file": self.key_file}
        cfg["quotas"] = {"max_clusters_per_project": "100000"}
        for section, options in (extra or {}).items():
            cfg.setdefault(section, {}).update(options)
        return cfg

    def _server(self, program, host, extra=None):
        workdir = os.path.join(self.dir, host)
        os.makedirs(workdir, exist_ok=True)
        return harness.Magnumd(extra_config=self._config(host, extra), program=program,
                               workdir=workdir)

    def start_api(self, name):
        api = self._server("magnum-api", name)
        if not self.migrated:
            rabbit_support.migrate(api)
            self.migrated = True
        api.start(timeout=60)
        self.stack.callback(api.stop)
        self.apis[name] = api
        return api

    def start_conductor(self, name, timeout=60, extra=None):
        """Starts (or restarts) conductor `name` and waits until it consumes the topic.
        `extra`: options over the fleet's conductor_config, at its first start."""
        c = self.conductors.get(name)
        if c is None:
            cfg = {s: dict(o) for s, o in self.conductor_config.items()}
            for section, options in (extra or {}).items():
                cfg.setdefault(section, {}).update(options)
            c = self._server("magnum-conductor", name, cfg)
            self.stack.callback(c.stop)
            self.conductors[name] = c
        assert c.proc is None or c.proc.poll() is not None, "conductor %s runs" % name
        c.proc = subprocess.Popen([harness.binary("magnum-conductor"), "--config-file",
                                   c.config_path], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        want = len(self.running_conductors())
        deadline = time.time() + timeout
        while self.topic_consumers() < want:
            if c.proc.poll() is not None:
                raise RuntimeError("magnum-conductor %s exited (%s): %s" % (
                    name, c.proc.returncode, c.log()[-3000:]))
            if time.time() > deadline:
                raise RuntimeError("magnum-conductor %s does not consume its topic" % name)
            time.sleep(0.5)
        return c

    def stop_conductor(self, name):
        c = self.conductors[name]
        rc = c.stop(sig=signal.SIGTERM, timeout=60)
        deadline = time.time() + 60
        while self.topic_consumers() > len(self.running_conductors()):
            if time.time() > deadline:
                raise RuntimeError("the broker still counts the stopped conductor %s" % name)
            time.sleep(0.5)
        return rc

    def running_conductors(self):
        return [n for n, c in self.conductors.items() if c.proc and c.proc.poll() is None]

    def topic_consumers(self, topic="magnum-conductor"):
        out = rabbit_support.ctl("list_queues", "-p", self.vhost, "name", "consumers")
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == topic:
                return int(parts[1])
        return 0

    def services_up(self, api):
        rows = api.get("/v1/mservices", headers=ADMIN).json["mservices"]
        return sorted((r["binary"], r["host"]) for r in rows if r["state"] == "up")

    def sql(self, statement):
        return self.server.sql(statement, database=self.database)

    def sql_client(self):
        """A `mariadb` client on the fleet's database that reads statements from its stdin
        and answers each at once (--unbuffered): for sampling during a run."""
        u = self.server_url
        env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(u.password or ""))
        return subprocess.Popen(
            ["mariadb", "--no-defaults", "-N", "-B", "--unbuffered", "-h", u.hostname,
             "-P", str(u.port or 3306), "-u", urllib.parse.unquote(u.username or ""),
             self.database], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def pids(self, kind):
        procs = self.apis if kind == "api" else self.conductors
        return {n: p.proc.pid for n, p in procs.items() if p.proc and p.proc.poll() is None}

    def close(self):
        self.stack.close()
