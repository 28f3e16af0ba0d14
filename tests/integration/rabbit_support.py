"""Shared by the tests/integration/test_rabbit_*.py tests (label `multinode`): the
RabbitMQ node of the ctest fixture `rabbitmq` (scripts/rabbitmq/start.sh), and a virtual
host of its own per test so that upstream's names (exchange `magnum`, topic
`magnum-conductor`) can be used while other tests use the same node.

MAGNUM_RABBITMQ_STATE (set by ctest) is the node's state directory; its file `url` holds
the transport URL. Without it the tests are skipped."""
import os
import subprocess
import urllib.parse
import uuid

from harness import Magnumd, binary

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                       "rabbitmq")
STATE = os.environ.get("MAGNUM_RABBITMQ_STATE", "")


def broker_url():
    """The fixture node's transport URL, or "" when there is none."""
    path = os.path.join(STATE, "url") if STATE else ""
    if not path or not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read().strip()


def ctl(*args):
    """rabbitmqctl on the fixture node."""
    p = subprocess.run([os.path.join(SCRIPTS, "ctl.sh"), "-q", *args], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, MAGNUM_RABBITMQ_STATE=STATE))
    if p.returncode != 0:
        raise AssertionError("rabbitmqctl %s: %s" % (" ".join(args), p.stderr))
    return p.stdout


def private_vhost(test):
    """A new virtual host for `test` (deleted after it); returns its transport URL."""
    url = urllib.parse.urlsplit(broker_url())
    vhost = "it-" + uuid.uuid4().hex[:10]
    ctl("add_vhost", vhost)
    test.addCleanup(ctl, "delete_vhost", vhost)
    ctl("set_permissions", "-p", vhost, urllib.parse.unquote(url.username), ".*", ".*", ".*")
    return urllib.parse.urlunsplit(url._replace(path="/" + vhost))


def rabbit_config(url, host):
    return {"DEFAULT": {"transport_url": url, "host": host, "report_interval": "1",
                        "rpc_response_timeout": "20"},
            "oslo_messaging_rabbit": {"rabbit_retry_interval": "1", "rabbit_retry_backoff": "0"},
            "x509": {"rsa_key_size": "1024"}}


def migrate(server):
    """magnum-db-manage upgrade on a Magnumd's config (magnum-api and -conductor do not)."""
    p = subprocess.run([binary("magnum-db-manage"), "--config-file", server.config_path,
                        "upgrade"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def start_conductor(test, workdir, url, host="rmq-conductor"):
    """magnum-conductor on `workdir`'s SQLite file, serving over RabbitMQ at `url`."""
    c = Magnumd(extra_config=rabbit_config(url, host), program="magnum-conductor",
                workdir=workdir)
    test.addCleanup(c.stop)
    return c.spawn()


def oslo_transport(url):
    """A Python oslo.messaging RPC transport (Debian's python3-oslo.messaging)."""
    from oslo_config import cfg
    import oslo_messaging
    # The global CONF: oslo.messaging registers some of its options there only.
    if not getattr(oslo_transport, "parsed", False):
        cfg.CONF([], project="magnum-it")
        oslo_transport.parsed = True
    return oslo_messaging.get_rpc_transport(cfg.CONF, url=url)
