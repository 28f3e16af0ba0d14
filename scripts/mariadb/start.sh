#!/usr/bin/env bash
# Starts a private MariaDB server (Debian's mariadbd) for the tests, listening on
# 127.0.0.1 only, with its own datadir: the `multinode`-labelled tests' fixture.
#
#   start.sh [--dir DIR] [--port PORT] [--mark FILE]
#
# DIR (default $MAGNUM_MARIADB_DIR or build/mariadb) holds the data, socket, log and pid;
# PORT defaults to $MAGNUM_MARIADB_PORT or 3317. When a server started from DIR still runs
# it is reused; otherwise one is started and, with --mark, FILE records that this run
# started it (stop.sh --mark FILE then stops exactly that server). Creates the user
# magnum_test (password magnum-test-pass, every privilege: tests create and drop their own
# databases) and the database "magnum". Prints the SQLAlchemy URL on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
parse_args "$@"

command -v mariadbd >/dev/null ||
  mdie "mariadbd is not installed (scripts/install-deps.sh --test installs mariadb-server)"
exec 9>"$MARIADB_DIR/.lock"
flock 9

if pid="$(server_pid)"; then
  MARIADB_PORT="$(cat "$MARIADB_DIR/port")"
  mlog "reusing the server (pid $pid) of $MARIADB_DIR on port $MARIADB_PORT"
else
  user=(--user="$(id -un)")
  if [ ! -d "$MARIADB_DIR/data/mysql" ]; then
    rm -rf "$MARIADB_DIR/data"
    mariadb-install-db --no-defaults --datadir="$MARIADB_DIR/data" "${user[@]}" \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$MARIADB_DIR/install.log" 2>&1 || mdie "mariadb-install-db failed; see $MARIADB_DIR/install.log"
  fi
  rm -f "$MARIADB_DIR/mysqld.sock"
  # Durability is not a concern for test data: no fsync per commit, small buffers.
  setsid mariadbd --no-defaults --datadir="$MARIADB_DIR/data" "${user[@]}" \
    --socket="$MARIADB_DIR/mysqld.sock" --pid-file="$MARIADB_DIR/mysqld.pid" \
    --port="$MARIADB_PORT" --bind-address="$MARIADB_HOST" --skip-name-resolve \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
    --innodb-flush-log-at-trx-commit=0 --skip-log-bin --max-connections=1000 \
    --log-error="$MARIADB_DIR/mariadb.log" \
    >>"$MARIADB_DIR/mariadb.out" 2>&1 </dev/null 9>&- &
  spawned=$!
  echo "$spawned" >"$MARIADB_DIR/server.pid"
  echo "$MARIADB_PORT" >"$MARIADB_DIR/port"
  for _ in $(seq 1 300); do
    root_client -e 'SELECT 1' >/dev/null 2>&1 && break
    # Whether the child still lives, not whether it is mariadbd yet: under load the
    # forked shell may not have exec'd the server at the first checks.
    { kill -0 "$spawned" 2>/dev/null &&
      ! grep -q '^State:.*Z' "/proc/$spawned/status" 2>/dev/null; } || {
      tail -n 20 "$MARIADB_DIR/mariadb.log" >&2 2>/dev/null || true
      mdie "mariadbd exited while starting; see $MARIADB_DIR/mariadb.log"
    }
    sleep 0.1
  done
  root_client -e 'SELECT 1' >/dev/null 2>&1 || mdie "mariadbd did not answer within 30 s"
  [ -n "$MARK" ] && echo mariadb >>"$MARK"
  mlog "started mariadbd (pid $(cat "$MARIADB_DIR/server.pid")) on $MARIADB_HOST:$MARIADB_PORT, data in $MARIADB_DIR/data"
fi
root_client <<SQL
CREATE USER IF NOT EXISTS '$MARIADB_USER'@'$MARIADB_HOST' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MARIADB_USER'@'$MARIADB_HOST';
CREATE DATABASE IF NOT EXISTS magnum CHARACTER SET utf8mb4;
SQL
echo "mysql+pymysql://$MARIADB_USER:$MARIADB_PASSWORD@$MARIADB_HOST:$MARIADB_PORT/magnum?charset=utf8"
