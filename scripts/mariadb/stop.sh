#!/usr/bin/env bash
# Stops the private MariaDB server that scripts/mariadb/start.sh started from the same
# state directory, and nothing else (the recorded pid, while it still is a mariadbd on that
# datadir): TERM, then KILL after 30 s. Keeps the data unless --purge.
#
#   stop.sh [--dir DIR] [--mark FILE] [--purge]
#
# With --mark FILE: only when `start.sh --mark FILE` started the server (nothing when FILE
# is absent: that run reused a server someone else had started); FILE is removed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
parse_args "$@"

if [ -n "$MARK" ]; then
  if [ ! -r "$MARK" ] || ! grep -qx mariadb "$MARK"; then
    mlog "nothing to stop ($MARK does not record a start)"
    exit 0
  fi
  rm -f "$MARK"
fi
exec 9>"$MARIADB_DIR/.lock"
flock 9
if pid="$(server_pid)"; then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    server_pid >/dev/null || break
    sleep 0.1
  done
  if server_pid >/dev/null; then
    mlog "mariadbd (pid $pid) ignored TERM for 30 s; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  mlog "stopped mariadbd (pid $pid) of $MARIADB_DIR"
fi
rm -f "$MARIADB_DIR/server.pid"
if [ "$PURGE" = 1 ]; then
  case "$MARIADB_DIR" in /|"") mdie "refusing to purge '$MARIADB_DIR'" ;; esac
  rm -rf "$MARIADB_DIR"
  mlog "removed $MARIADB_DIR"
fi
