# Shared by scripts/multinode/{start,stop}.sh (sourced): the options of the multi-node
# layout and the processes it runs.
#
# One layout per state directory DIR: DIR/<name>.conf, DIR/<name>.log (the process's log
# file), DIR/<name>.out (its stdout and stderr) and DIR/<name>.pid for each of api-1, api-2,
# conductor-1 and conductor-2; DIR/magnum.key (the CA key encryption key every process
# shares: they share DIR as state_path); DIR/mariadb.started and DIR/rabbitmq.started (what
# start.sh started, for stop.sh); DIR/endpoints (one API URL a line).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

LAYOUT_DIR="$ROOT/build/multinode"
BUILD_DIR="$ROOT/build"
API_PORTS="9521,9522"
TEST_DRIVERS=0
AUTH=noauth
DATABASE=magnum_multinode
VHOST=magnum_multinode
HOST_PREFIX=mn
MARIADB_STATE="$ROOT/build/mariadb"
MARIADB_PORT=3317
RABBITMQ_STATE="$ROOT/build/rabbitmq"
RABBITMQ_PORT=5682
PURGE=0
SETS=()     # extra options: SECTION.KEY=VALUE
ONLY=""     # start.sh: these processes only (comma list), the others are left alone
PROCESSES=(api-1 api-2 conductor-1 conductor-2)

nlog() { echo "multinode: $*" >&2; }
ndie() { nlog "$*"; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) LAYOUT_DIR="$2"; shift 2 ;;
      --build) BUILD_DIR="$2"; shift 2 ;;
      --api-ports) API_PORTS="$2"; shift 2 ;;
      --test-drivers) TEST_DRIVERS=1; shift ;;
      --auth) AUTH="$2"; shift 2 ;;
      --database) DATABASE="$2"; shift 2 ;;
      --vhost) VHOST="$2"; shift 2 ;;
      --host-prefix) HOST_PREFIX="$2"; shift 2 ;;
      --mariadb-dir) MARIADB_STATE="$2"; shift 2 ;;
      --mariadb-port) MARIADB_PORT="$2"; shift 2 ;;
      --rabbitmq-state) RABBITMQ_STATE="$2"; shift 2 ;;
      --rabbitmq-port) RABBITMQ_PORT="$2"; shift 2 ;;
      --set) SETS+=("$2"); shift 2 ;;
      --only) ONLY="$2"; shift 2 ;;
      --purge) PURGE=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) ndie "unknown argument $1 (--help)" ;;
    esac
  done
  case "$AUTH" in noauth|keystone) ;; *) ndie "--auth is noauth or keystone" ;; esac
  [[ "$DATABASE" =~ ^[A-Za-z0-9_]+$ ]] || ndie "--database: letters, digits and _ only"
  mkdir -p "$LAYOUT_DIR"
  LAYOUT_DIR="$(cd "$LAYOUT_DIR" && pwd)"
  IFS=, read -r -a API_PORT_LIST <<<"$API_PORTS"
  [ "${#API_PORT_LIST[@]}" = 2 ] || ndie "--api-ports takes two ports, e.g. 9521,9522"
}

# The environment of scripts/rabbitmq/*.sh for the layout's node.
rabbit_env() {
  env MAGNUM_RABBITMQ_STATE="$RABBITMQ_STATE" MAGNUM_RABBITMQ_PORT="$RABBITMQ_PORT" \
    MAGNUM_RABBITMQ_DIST_PORT="$((RABBITMQ_PORT + 20000))" \
    MAGNUM_RABBITMQ_NODE="magnum-test-$RABBITMQ_PORT@localhost" "$@"
}

# The pid recorded for process NAME while it still is that process (its command line names
# its config file), else nothing (and failure).
proc_pid() {
  local f="$LAYOUT_DIR/$1.pid" pid
  [ -r "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--config-file $LAYOUT_DIR/$1.conf" || return 1
  echo "$pid"
}

# Whether NAME is one of the processes --only selects (all without --only).
selected() {
  [ -z "$ONLY" ] && return 0
  case ",$ONLY," in *",$1,"*) return 0 ;; esac
  return 1
}
