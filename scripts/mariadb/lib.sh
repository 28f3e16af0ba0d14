# Shared by scripts/mariadb/{start,stop}.sh (sourced): where the private test server keeps
# its state and how its process is recognised.
#
# One server per state directory DIR: DIR/data (datadir), DIR/mysqld.sock, DIR/mariadb.log,
# DIR/server.pid (the mariadbd we started: a session leader) and DIR/port.
PATH="$PATH:/usr/sbin:/sbin"   # mariadbd and mariadb-install-db are in /usr/sbin

MARIADB_DIR="${MAGNUM_MARIADB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/mariadb}"
MARIADB_PORT="${MAGNUM_MARIADB_PORT:-3317}"
MARIADB_HOST=127.0.0.1
# A loopback-only test server: fixed development credentials.
MARIADB_USER=magnum_test
MARIADB_PASSWORD=magnum-test-pass

mlog() { echo "mariadb: $*" >&2; }
mdie() { mlog "$*"; exit 1; }

# Parses --dir DIR, --port PORT, --mark FILE, --purge into MARIADB_DIR, MARIADB_PORT,
# MARK, PURGE.
MARK=""
PURGE=0
parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) MARIADB_DIR="$2"; shift 2 ;;
      --port) MARIADB_PORT="$2"; shift 2 ;;
      --mark) MARK="$2"; shift 2 ;;
      --purge) PURGE=1; shift ;;
      -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
      *) mdie "unknown argument $1" ;;
    esac
  done
  mkdir -p "$MARIADB_DIR"
  MARIADB_DIR="$(cd "$MARIADB_DIR" && pwd)"
}

# The pid of the mariadbd started from MARIADB_DIR when it still runs, else nothing (and
# failure): the recorded pid must still be a mariadbd whose datadir is ours.
server_pid() {
  local f="$MARIADB_DIR/server.pid" pid
  [ -r "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "mariadbd .*--datadir=$MARIADB_DIR/data " ||
    return 1
  echo "$pid"
}

# The client as the server's root over its socket.
root_client() {
  mariadb --no-defaults -uroot --socket="$MARIADB_DIR/mysqld.sock" "$@"
}
