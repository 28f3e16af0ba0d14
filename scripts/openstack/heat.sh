# The `heat` dev service (sourced by lib.sh, not run): a real OpenStack Heat from Debian's
# packages, heat-api on 127.0.0.1:$HEAT_PORT and heat-engine, each its own process group
# (pids/heat.pid is heat-api, pids/heat-engine.pid heat-engine), config, SQLite database
# and logs in $OS_STATE/heat. Opt-in: not in ALL_SERVICES; MAGNUM_OPENSTACK_SERVICES names
# it, after keystone, which must run (e.g. "keystone heat"). Its Keystone content (service
# user, roles, the stack user domain, the catalog entry) and the readiness wait are
# `seed.py heat`, the content step start.sh runs after heat_run.
#
# Broker: heat-api talks to heat-engine over RabbitMQ, on a virtual host of its own
# ($MAGNUM_HEAT_RABBITMQ_VHOST, default heat) of the node scripts/rabbitmq manages: the
# node the MAGNUM_RABBITMQ_* variables name (state $MAGNUM_RABBITMQ_STATE) is reused when it
# runs, else scripts/rabbitmq/start.sh starts it and heat/rabbitmq.started records that,
# so that stopping heat stops the node only then. heat/rabbitmq.env keeps the variables the
# start used, so the stop reaches the same node whatever its caller's environment.

HEAT_PORT="${MAGNUM_HEAT_PORT:-8004}"
HEAT_VHOST="${MAGNUM_HEAT_RABBITMQ_VHOST:-heat}"
HEAT_DIR="$OS_STATE/heat"
RABBITMQ_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../rabbitmq" && pwd)"

# Both processes' pids ("api engine") when both run.
heat_live() {
  local api engine
  api="$(live_pid heat heat-api)" && engine="$(live_pid heat-engine heat-engine)" &&
    echo "$api $engine"
}

heat_rabbit() {  # runs scripts/rabbitmq/$1 with the variables recorded at setup
  local script="$1"
  shift
  (
    # shellcheck disable=SC1091
    [ -r "$HEAT_DIR/rabbitmq.env" ] && . "$HEAT_DIR/rabbitmq.env"
    "$RABBITMQ_SCRIPTS/$script" "$@"
  )
}

heat_broker() {  # the node (reused or started), the vhost; prints the transport URL
  local v url
  : >"$HEAT_DIR/rabbitmq.env"
  for v in STATE PORT DIST_PORT EPMD_PORT NODE USER PASSWORD; do
    v="MAGNUM_RABBITMQ_$v"
    if [ -n "${!v:-}" ]; then printf 'export %s=%q\n' "$v" "${!v}" >>"$HEAT_DIR/rabbitmq.env"; fi
  done
  heat_rabbit start.sh --mark "$HEAT_DIR/rabbitmq.started" 9>&- >&2
  url="$(cat "${MAGNUM_RABBITMQ_STATE:-/var/tmp/magnum-rabbitmq}/url")"
  local user="${url#rabbit://}"
  user="${user%%:*}"
  # (Each rabbitmqctl call starts an Erlang VM, ~1.5 s: no listing first.)
  heat_rabbit ctl.sh -q add_vhost "$HEAT_VHOST" >/dev/null 2>&1 || true
  heat_rabbit ctl.sh -q set_permissions -p "$HEAT_VHOST" "$user" '.*' '.*' '.*' >/dev/null
  echo "${url%/*}/$HEAT_VHOST"
}

heat_setup() {
  local d="$HEAT_DIR" transport
  live_pid keystone keystone-wsgi-public >/dev/null ||
    die "heat needs keystone running: MAGNUM_OPENSTACK_SERVICES='keystone heat'"
  # Whatever half of an earlier heat still runs goes first (heat_live needs both).
  stop_service heat-engine heat-engine
  stop_service heat heat-api
  mkdir -p "$d/locks"
  transport="$(heat_broker)"
  { cat <<EOF
[DEFAULT]
transport_url = $transport
# One engine process: SQLite with several writers answers "database is locked".
num_engine_workers = 1
# Stacks act for their users through Keystone trusts (heat stores no passwords).
deferred_auth_method = trusts
# The domain of the users Heat creates for stacks (wait condition handles, signals).
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = heat_domain_admin$SERVICE_PASSWORD_SUFFIX
region_name_for_services = $OS_REGION
host = magnum-dev-heat
[database]
connection = sqlite:///$d/heat.sqlite
[heat_api]
bind_host = $OS_HOST
bind_port = $HEAT_PORT
workers = 1
[paste_deploy]
api_paste_config = /etc/heat/api-paste.ini
[clients_keystone]
auth_uri = $KEYSTONE_URL
[trustee]
auth_type = password
auth_url = $KEYSTONE_URL
username = heat
password = heat$SERVICE_PASSWORD_SUFFIX
user_domain_name = Default
[oslo_concurrency]
lock_path = $d/locks
EOF
    ini_authtoken heat; } >"$d/heat.conf"
  [ -e "$d/.synced" ] && return 0
  rm -f "$d/heat.sqlite"
  heat-manage --config-file "$d/heat.conf" db_sync >"$d/db-sync.log" 2>&1
  heat_sqlite_fixups "$d/heat.sqlite"
  touch "$d/.synced"
}

# Two changes to the fresh SQLite schema. WAL: the API's reads never block the engine's
# writes ("database is locked"). AUTOINCREMENT on every integer `id` key: SQLite otherwise
# hands a deleted row's id to the next row, and Heat deletes attribute rows by ids it
# remembered (MySQL never reuses them), which then removes another resource's properties:
# a scaled-up group read "ResourcePropertiesData with id N not found" and could not be
# deleted. The tables are empty here, so each is dropped and created again.
heat_sqlite_fixups() {
  python3 - "$1" <<'PY'
import re
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA foreign_keys=OFF")
pk = re.compile(r",\s*PRIMARY KEY \(id\)")
col = re.compile(r"\bid INTEGER NOT NULL,")
for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type='table'").fetchall():
    if not pk.search(sql) or not col.search(sql):
        continue
    if db.execute('SELECT count(*) FROM "%s"' % name).fetchone()[0]:
        continue
    indexes = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
        (name,))]
    db.execute("BEGIN")
    db.execute('DROP TABLE "%s"' % name)
    db.execute(pk.sub("", col.sub("id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,", sql, 1)))
    for index in indexes:
        db.execute(index)
    db.execute("COMMIT")
PY
}

# Starts both; the API answering on its port is enough here: `seed.py heat` then waits
# until an authenticated stack list answers 200 (the API, Keystone and the engine over RPC).
heat_run() {
  local d="$HEAT_DIR"
  spawn heat-engine "$d/heat-engine.out" heat-engine --config-file "$d/heat.conf" \
    --log-file "$d/heat-engine.log"
  spawn heat "$d/heat-api.out" heat-api --config-file "$d/heat.conf" \
    --log-file "$d/heat-api.log"
  wait_http "http://$OS_HOST:$HEAT_PORT/" 60 heat heat-api || {
    tail -n 20 "$d/heat-api.log" "$d/heat-engine.log" >&2 2>/dev/null || true
    return 1
  }
}

# Stops heat-api, heat-engine, then the RabbitMQ node only when heat_setup started it.
heat_stop() {
  stop_service heat heat-api
  stop_service heat-engine heat-engine
  if [ -r "$HEAT_DIR/rabbitmq.started" ]; then
    heat_rabbit stop.sh --mark "$HEAT_DIR/rabbitmq.started" 9>&-
  fi
}
