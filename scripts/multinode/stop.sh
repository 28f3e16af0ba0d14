#!/usr/bin/env bash
# Stops the multi-node layout that scripts/multinode/start.sh started from the same state
# directory, and nothing else: the recorded pids of api-1, api-2, conductor-1 and
# conductor-2 while they still are those processes (TERM, then KILL after 20 s), then the
# MariaDB server and the RabbitMQ node only when start.sh started them.
#
#   stop.sh [--dir DIR] [--database NAME] [--vhost NAME] [--mariadb-dir D] [--mariadb-port P]
#           [--rabbitmq-state D] [--rabbitmq-port P] [--only NAME,...] [--purge]
#
# Give it the options start.sh had. --only: stop just these processes (nothing else).
# --purge also drops the layout's database and virtual host and removes DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
parse_args "$@"

[ -d "$LAYOUT_DIR" ] || exit 0
exec 8>"$LAYOUT_DIR/.lock"
flock 8

pids=()
for name in "${PROCESSES[@]}"; do
  selected "$name" || continue
  if pid="$(proc_pid "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$name:$pid")
  fi
done
for _ in $(seq 1 200); do
  left=0
  for entry in "${pids[@]+"${pids[@]}"}"; do proc_pid "${entry%%:*}" >/dev/null && left=1; done
  [ "$left" = 0 ] && break
  sleep 0.1
done
for entry in "${pids[@]+"${pids[@]}"}"; do
  name="${entry%%:*}"
  if pid="$(proc_pid "$name")"; then
    nlog "$name (pid $pid) ignored TERM for 20 s; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$LAYOUT_DIR/$name.pid"
  nlog "stopped $name (pid ${entry#*:})"
done
[ -n "$ONLY" ] && exit 0

if [ "$PURGE" = 1 ]; then
  if (exec 3<>"/dev/tcp/127.0.0.1/$MARIADB_PORT") 2>/dev/null; then
    MYSQL_PWD=magnum-test-pass mariadb --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" \
      -u magnum_test -e "DROP DATABASE IF EXISTS \`$DATABASE\`" || nlog "could not drop $DATABASE"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$RABBITMQ_PORT") 2>/dev/null; then
    rabbit_env "$ROOT/scripts/rabbitmq/ctl.sh" -q delete_vhost "$VHOST" >/dev/null 2>&1 || true
  fi
fi
rabbit_env "$ROOT/scripts/rabbitmq/stop.sh" --mark "$LAYOUT_DIR/rabbitmq.started" 8>&-
"$ROOT/scripts/mariadb/stop.sh" --dir "$MARIADB_STATE" --port "$MARIADB_PORT" \
  --mark "$LAYOUT_DIR/mariadb.started" 8>&-
if [ "$PURGE" = 1 ]; then
  case "$LAYOUT_DIR" in /|"") ndie "refusing to purge '$LAYOUT_DIR'" ;; esac
  rm -rf "$LAYOUT_DIR"
  nlog "removed $LAYOUT_DIR"
fi
