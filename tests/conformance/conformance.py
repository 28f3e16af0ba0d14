"""Shared machinery of the conformance suite: the real python-magnumclient commands
(`openstack coe ...` from python3-openstackclient and the legacy `magnum` CLI, Debian
python3-magnumclient 4.0) run against a real magnumd without Keystone, each command a
process of its own (forked from the test process that imported the clients once:
forked_clients.py).

* `openstack --os-auth-type none --os-endpoint http://127.0.0.1:PORT/v1 coe ...`
  (the plugin always sends `OpenStack-API-Version: container-infra latest`).
* `magnum --os-token x --os-endpoint-override http://127.0.0.1:PORT/v1
  --magnum-api-version X.Y ...` (token + endpoint: the client's plain HTTP client, no
  Keystone; any token, magnumd in noauth mode ignores it).

Every command runs with `--debug` (on stderr; stdout is unchanged), so when a check fails the
report shows the command, its exit code and output, the HTTP exchange the client had, and
what was expected, without running anything a second time.

The server is tests/integration/harness.py's Magnumd (free port, temporary SQLite, the
`fake` driver), one per test class."""
import ast
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import Magnumd  # noqa: E402
import forked_clients  # noqa: E402

OPENSTACK = shutil.which("openstack", path="/usr/bin:/usr/local/bin")
MAGNUM = shutil.which("magnum", path="/usr/bin:/usr/local/bin")

# 1024-bit keys make each cluster's CA ~10x cheaper to generate.
FAST_CERTS = {"x509": {"rsa_key_size": "1024"}}

TERMINAL = ("CREATE_COMPLETE", "CREATE_FAILED", "UPDATE_COMPLETE", "UPDATE_FAILED",
            "DELETE_FAILED")

# Lines of the clients' --debug output that make up the HTTP exchange.
_OSC_HTTP = re.compile(r"^(REQ: |RESP: |RESP BODY: )")
_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(")


class Run:
    """One finished client command."""

    def __init__(self, argv, shown, proc, seconds):
        self.argv = argv
        self.shown = shown  # the command as a user types it (without --debug)
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds

    @property
    def output(self):
        """stdout plus the client's own messages on stderr (not the debug log)."""
        return self.stdout + "\n" + self.client_stderr()

    def client_stderr(self):
        """The messages the client printed on stderr itself (its error), without the debug
        log around them."""
        msgs = []
        for line in self.stderr.splitlines():
            cleanup = re.match(r"^clean_up \w+: (.*)$", line)  # openstack: the error
            if cleanup:
                msgs.append(cleanup.group(1))
            elif line.startswith("ERROR: "):  # magnum: ERROR: b'...' under --debug
                text = line[len("ERROR: "):]
                if re.match(r"^b(['\"]).*\1$", text):
                    try:
                        text = ast.literal_eval(text).decode("utf-8", "replace")
                    except (ValueError, SyntaxError):
                        pass
                msgs.append("ERROR: " + text)
            elif ": error: " in line and not line.startswith(("DEBUG", "REQ", "RESP")):
                msgs.append(line)  # argparse
            elif re.match(r"^\w+(\.\w+)*(Error|Exception|Attribute): ", line):
                msgs.append(line)  # the last line of a traceback
        return "\n".join(dict.fromkeys(msgs))

    def http_exchange(self, limit=12000):
        """The requests and responses from the --debug log."""
        out = []
        in_response = False
        for line in self.stderr.splitlines():
            if _OSC_HTTP.match(line):
                out.append(line)
                in_response = False
            elif line.startswith("DEBUG (httpclient"):
                out.append(line)
                in_response = line.startswith("DEBUG (httpclient:159)")
            elif in_response:
                if _LOG_LINE.match(line) or line.startswith("Traceback"):
                    in_response = False
                else:
                    out.append(line)
        text = "\n".join(out).strip() or "(no HTTP exchange in the debug log)"
        if len(text) > limit:
            text = text[:limit // 2] + "\n[... %d characters ...]\n" % (len(text) - limit) + \
                text[-limit // 2:]
        return text

    def report(self):
        return ("\n---- command: %s\n---- exit code: %d (%.1f s)\n---- stdout:\n%s\n"
                "---- client message (stderr):\n%s\n---- HTTP exchange (--debug):\n%s\n----" %
                (self.shown, self.rc, self.seconds, self.stdout.rstrip()[-6000:],
                 self.client_stderr(), self.http_exchange()))


class ConformanceCase(unittest.TestCase):
    """A test class with its own magnumd. Subclasses may set `server_config`."""

    server_config = {}
    fast_certs = True  # [x509] rsa_key_size = 1024
    longMessage = True

    @classmethod
    def setUpClass(cls):
        if OPENSTACK is None or MAGNUM is None:
            raise unittest.SkipTest("python3-openstackclient / python3-magnumclient not installed")
        config = {k: dict(v) for k, v in FAST_CERTS.items()} if cls.fast_certs else {}
        # The fake driver's health poll (every 60 s by default) reports HEALTHY and would
        # overwrite a health_status a test has just set through the API.
        config.setdefault("kubernetes", {})["health_polling_interval"] = "86400"
        for section, options in cls.server_config.items():
            config.setdefault(section, {}).update(options)
        cls.commands = []  # seconds per client command, reported at the end
        cls.m = Magnumd(extra_config=config).start()
        cls.home = os.path.join(cls.m.dir, "home")
        os.makedirs(cls.home, exist_ok=True)
        cls.endpoint = "http://127.0.0.1:%d/v1" % cls.m.port

    @classmethod
    def tearDownClass(cls):
        cls.m.cleanup()
        if cls.commands:
            sys.stderr.write("\n%s: %d client commands, %.1f s in them (slowest %.1f s)\n" %
                             (cls.__name__, len(cls.commands), sum(cls.commands),
                              max(cls.commands)))

    def setUp(self):
        self.subject = None  # the run the next failed assertion reports

    # ---- failure reports ------------------------------------------------------------------

    def _formatMessage(self, msg, standardMsg):
        text = super()._formatMessage(msg, standardMsg)
        if self.subject is not None:
            text += "\n" + self.subject.report()
            if re.search(r"^(RESP: \[5\d\d\]|HTTP/1\.1 5\d\d )", self.subject.stderr, re.M):
                text += "\n---- magnumd log (a 5xx was answered):\n%s\n----" % \
                    self.m.log()[-4000:]
        return text

    def flunk(self, text):
        """Fails with `text` and the report of the subject command."""
        self.fail(self._formatMessage(None, text))

    @contextlib.contextmanager
    def about(self, run):
        """Assertions in the block report `run` (default: the last command run)."""
        previous, self.subject = self.subject, run
        try:
            yield run
        finally:
            self.subject = previous

    # ---- running the clients --------------------------------------------------------------

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OS_", "MAGNUM", "BYPASS_URL", "DOCKER_"))
               and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        env.update({"HOME": self.home, "SHELL": "/bin/bash", "NO_PROXY": "127.0.0.1,localhost",
                    "no_proxy": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore"})
        return env

    def run_client(self, prefix, args, ok, timeout=120, env=None):
        argv = prefix[:1] + ["--debug"] + prefix[1:] + [str(a) for a in args]
        shown = " ".join(shlex.quote(a) for a in prefix + [str(a) for a in args])
        full_env = self.env()
        full_env.update(env or {})
        t0 = time.time()
        proc = forked_clients.run(argv, full_env, cwd=self.home, timeout=timeout)
        return self.ran(Run(argv, shown, proc, time.time() - t0), ok)

    def ran(self, run, ok):
        """Records a finished client run (its time, the subject of failures) and checks its
        exit code: `ok` True = 0, False = not 0, None = either."""
        self.commands.append(run.seconds)
        self.subject = run
        if ok is True and run.rc != 0:
            self.flunk("expected exit code 0")
        if ok is False and run.rc == 0:
            self.flunk("expected the command to fail (non-zero exit code)")
        return run

    def osc(self, *args, ok=True, version=None, env=None):
        """`openstack coe ...`; ok=True: must succeed, False: must fail, None: either."""
        prefix = [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", self.endpoint]
        if version is not None:
            prefix += ["--os-container-infra-api-version", version]
        return self.run_client(prefix, ["coe"] + list(args), ok, env=env)

    def magnum(self, version, *args, ok=True, env=None):
        """The legacy `magnum` CLI at microversion `version` (None: the client default)."""
        prefix = [MAGNUM, "--os-token", "conformance", "--os-endpoint-override", self.endpoint]
        if version is not None:
            prefix += ["--magnum-api-version", version]
        return self.run_client(prefix, list(args), ok, env=env)

    # ---- output parsers -------------------------------------------------------------------

    def json_of(self, run):
        """The JSON document of a `-f json` command (after any 'Request ... accepted' line)."""
        self.subject = run
        text = run.stdout
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        try:
            return json.loads(text[min(starts):] if starts else text)
        except ValueError:
            self.flunk("expected JSON on stdout")

    def osc_json(self, *args):
        return self.json_of(self.osc(*(list(args) + ["-f", "json"])))

    def table_of(self, run):
        """Rows of the prettytable(s) on stdout, header first; continuation rows (empty first
        cell) are joined to the previous row with newlines."""
        self.subject = run
        rows = []
        header = None
        for line in run.stdout.splitlines():
            if not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip()[1:-1].split("|")]
            if header is None:
                header = cells
                rows.append(cells)
            elif cells == header:
                continue
            elif rows and len(rows) > 1 and cells[0] == "" and len(cells) == len(rows[-1]):
                rows[-1] = [a + ("\n" + b if b else "") for a, b in zip(rows[-1], cells)]
            else:
                rows.append(cells)
        if not rows:
            self.flunk("expected a table on stdout")
        return rows

    def records_of(self, run):
        """A list table as dicts keyed by the header."""
        rows = self.table_of(run)
        return [dict(zip(rows[0], r)) for r in rows[1:]]

    def props_of(self, run):
        """A Property/Value table as a dict."""
        rows = self.table_of(run)
        self.assertEqual(rows[0], ["Property", "Value"], "expected a Property/Value table")
        return {r[0]: r[1] for r in rows[1:]}

    @staticmethod
    def literal(text):
        """A value the legacy client printed with str(): dicts/lists as Python reprs."""
        if text == "-":
            return None
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text

    # ---- server state ---------------------------------------------------------------------

    def api(self, path):
        """GET through the API (stdlib), for waiting; checks go through the clients."""
        return self.m.get(path)

    def wait_cluster(self, ident, statuses=TERMINAL, timeout=30):
        def reached():
            r = self.api("/v1/clusters/" + ident)
            if r.status == 404:
                return "GONE" if "GONE" in statuses else None
            return r.json["status"] if r.json["status"] in statuses else None
        return self._wait(reached, timeout, "cluster %s in %s" % (ident, statuses))

    def wait_nodegroup(self, cluster, ng, statuses=TERMINAL, timeout=30):
        def reached():
            r = self.api("/v1/clusters/%s/nodegroups/%s" % (cluster, ng))
            if r.status == 404:
                return "GONE" if "GONE" in statuses else None
            return r.json["status"] if r.json["status"] in statuses else None
        return self._wait(reached, timeout, "nodegroup %s/%s in %s" % (cluster, ng, statuses))

    def _wait(self, predicate, timeout, what):
        try:
            return self.m.wait_for(predicate, timeout=timeout, interval=0.05, what=what)
        except AssertionError as e:
            self.flunk(str(e))

    def openssl_csr(self, name, cn="conformance"):
        """A new key and CSR under HOME; returns the CSR path."""
        key = os.path.join(self.home, name + ".key")
        csr = os.path.join(self.home, name + ".csr")
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", csr, "-subj", "/CN=" + cn], check=True,
                       capture_output=True)
        return csr
