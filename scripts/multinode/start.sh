#!/usr/bin/env bash
# Starts the multi-node layout on 127.0.0.1 (docs/deployment.md "Multi-node layout"): two
# magnum-api and two magnum-conductor processes of one build, each with its own config
# file, log and pid file, behind one MariaDB database and one RabbitMQ virtual host.
#
#   start.sh [--dir DIR] [--build BUILD] [--api-ports P1,P2] [--test-drivers]
#            [--auth noauth|keystone] [--database NAME] [--vhost NAME] [--host-prefix PFX]
#            [--mariadb-dir D] [--mariadb-port P] [--rabbitmq-state D] [--rabbitmq-port P]
#            [--set SECTION.KEY=VALUE]... [--only NAME,...]
#
# DIR (build/multinode) holds the layout's files; BUILD (build) its binaries (BUILD/bin).
# MariaDB (scripts/mariadb, default build/mariadb on 3317) and RabbitMQ (scripts/rabbitmq,
# default build/rabbitmq on 5682) are reused when they run, else started; stop.sh stops
# only what this script started. The layout gets the database NAME (magnum_multinode,
# migrated with magnum-db-manage upgrade) and the virtual host NAME (magnum_multinode), so
# that it never shares a conductor topic with anything else on the broker. The processes
# are named PFX-api-1, PFX-api-2, PFX-conductor-1, PFX-conductor-2 ([DEFAULT] host, the
# names GET /v1/mservices shows); the APIs listen on 127.0.0.1:P1 and :P2. --test-drivers
# loads the `fake` test driver; --auth is noauth by default (keystone needs the
# [keystone_authtoken] options, given with --set). --set adds an option to every config
# file. Idempotent: processes still running from DIR are kept (--only: start just these),
# so `start.sh` again with the same options restarts the ones that died.
#
# Prints the API endpoints (one URL a line, also in DIR/endpoints) once both conductors
# are up in GET /v1/mservices (noauth; with keystone: once the APIs answer).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
parse_args "$@"

for b in magnum-api magnum-conductor magnum-db-manage; do
  [ -x "$BUILD_DIR/bin/$b" ] || ndie "$BUILD_DIR/bin/$b is missing: build first (make build)"
done
exec 8>"$LAYOUT_DIR/.lock"
flock 8

# The database server and the broker (at the same time: each may take seconds to boot).
"$ROOT/scripts/mariadb/start.sh" --dir "$MARIADB_STATE" --port "$MARIADB_PORT" \
  --mark "$LAYOUT_DIR/mariadb.started" >"$LAYOUT_DIR/mariadb.url" 8>&- &
mariadb_starting=$!
rabbit_env "$ROOT/scripts/rabbitmq/start.sh" --mark "$LAYOUT_DIR/rabbitmq.started" 8>&- ||
  { wait "$mariadb_starting" || true; ndie "RabbitMQ did not start"; }
wait "$mariadb_starting" || ndie "MariaDB did not start"
rabbit_url="$(cat "$RABBITMQ_STATE/url")"
mysql_url="$(cat "$LAYOUT_DIR/mariadb.url")"
mysql_url="${mysql_url%%/magnum\?*}/$DATABASE?charset=utf8"
MYSQL_PWD=magnum-test-pass mariadb --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" -u magnum_test \
  -e "CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4"
# The virtual host and the user's permissions on it in one rabbitmqctl call (each call
# boots an Erlang VM); importing definitions adds what is missing and keeps what exists.
cat >"$LAYOUT_DIR/rabbitmq-definitions.json" <<JSON
{"vhosts": [{"name": "$VHOST"}],
 "permissions": [{"user": "magnum", "vhost": "$VHOST",
                  "configure": ".*", "write": ".*", "read": ".*"}]}
JSON
rabbit_env "$ROOT/scripts/rabbitmq/ctl.sh" -q import_definitions \
  "$LAYOUT_DIR/rabbitmq-definitions.json" >/dev/null || ndie "could not add the vhost $VHOST"
transport_url="${rabbit_url%/*}/$VHOST"

# One config file per process.
write_config() {  # NAME PORT
  local name="$1" port="$2" set section key
  {
    echo "[DEFAULT]"
    echo "host = $HOST_PREFIX-$name"
    echo "state_path = $LAYOUT_DIR"
    echo "log_file = $LAYOUT_DIR/$name.log"
    echo "transport_url = $transport_url"
    echo "auth_strategy = $AUTH"
    echo "[api]"
    echo "host = 127.0.0.1"
    echo "port = $port"
    echo "[database]"
    echo "connection = $mysql_url"
    echo "[drivers]"
    echo "enable_test_drivers = $([ "$TEST_DRIVERS" = 1 ] && echo true || echo false)"
    for set in "${SETS[@]+"${SETS[@]}"}"; do
      section="${set%%.*}"; key="${set#*.}"
      [ "$section" != "$set" ] && [[ "$key" == *=* ]] || ndie "--set $set: SECTION.KEY=VALUE"
      printf '[%s]\n%s = %s\n' "$section" "${key%%=*}" "${key#*=}"
    done
  } >"$LAYOUT_DIR/$name.conf.new"
  mv "$LAYOUT_DIR/$name.conf.new" "$LAYOUT_DIR/$name.conf"
}
write_config api-1 "${API_PORT_LIST[0]}"
write_config api-2 "${API_PORT_LIST[1]}"
write_config conductor-1 0
write_config conductor-2 0

"$BUILD_DIR/bin/magnum-db-manage" --config-file "$LAYOUT_DIR/api-1.conf" upgrade >&2 ||
  ndie "magnum-db-manage upgrade failed"

binary_of() { case "$1" in api-*) echo magnum-api ;; *) echo magnum-conductor ;; esac; }
for name in "${PROCESSES[@]}"; do
  selected "$name" || continue
  if pid="$(proc_pid "$name")"; then
    nlog "$name runs (pid $pid): kept"
    continue
  fi
  setsid "$BUILD_DIR/bin/$(binary_of "$name")" --config-file "$LAYOUT_DIR/$name.conf" \
    >"$LAYOUT_DIR/$name.out" 2>&1 </dev/null 8>&- &
  echo $! >"$LAYOUT_DIR/$name.pid"
  nlog "started $name ($(binary_of "$name"), host $HOST_PREFIX-$name, pid $!)"
done

# Ready: both APIs listen, both conductors heartbeat.
: >"$LAYOUT_DIR/endpoints.new"
for port in "${API_PORT_LIST[@]}"; do echo "http://127.0.0.1:$port/v1" >>"$LAYOUT_DIR/endpoints.new"; done
conductors_up() {
  curl -sf -m 5 "http://127.0.0.1:${API_PORT_LIST[0]}/v1/mservices" \
    -H 'OpenStack-API-Version: container-infra latest' |
    python3 -c '
import json, sys
rows = json.load(sys.stdin)["mservices"]
up = {r["host"] for r in rows if r["binary"] == "magnum-conductor" and r["state"] == "up"}
sys.exit(0 if set(sys.argv[1:]) <= up else 1)' "$HOST_PREFIX-conductor-1" "$HOST_PREFIX-conductor-2"
}
ready=0
for _ in $(seq 1 600); do
  for name in "${PROCESSES[@]}"; do
    if selected "$name" && ! proc_pid "$name" >/dev/null; then
      tail -n 20 "$LAYOUT_DIR/$name.out" "$LAYOUT_DIR/$name.log" >&2 2>/dev/null || true
      ndie "$name exited while starting; see $LAYOUT_DIR/$name.log"
    fi
  done
  ok=1
  for port in "${API_PORT_LIST[@]}"; do
    curl -s -o /dev/null -m 5 "http://127.0.0.1:$port/" || ok=0
  done
  if [ "$ok" = 1 ] && { [ "$AUTH" != noauth ] || conductors_up; }; then ready=1; break; fi
  sleep 0.1
done
[ "$ready" = 1 ] || ndie "the layout was not ready within 60 s; logs in $LAYOUT_DIR"
mv "$LAYOUT_DIR/endpoints.new" "$LAYOUT_DIR/endpoints"
nlog "ready: database $DATABASE on 127.0.0.1:$MARIADB_PORT, vhost $VHOST on 127.0.0.1:$RABBITMQ_PORT"
cat "$LAYOUT_DIR/endpoints"
