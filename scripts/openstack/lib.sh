# Shared by scripts/openstack/*.sh (sourced, not run): where the dev services keep their
# state, which ports they use, and how a daemon is started, recorded and stopped.
#
# Everything lives under one state directory, $MAGNUM_OPENSTACK_STATE (default
# /var/tmp/magnum-openstack): one subdirectory per service with its config, data and log,
# and pids/<service>.pid for each process started here (a session leader: the service's
# workers are in its process group). stop.sh signals only the recorded process groups, and
# only while the recorded pid still runs the program it was started as.

# mariadbd is in /usr/sbin, which a non-login environment may leave out.
PATH="$PATH:/usr/sbin:/sbin"
OS_STATE="${MAGNUM_OPENSTACK_STATE:-/var/tmp/magnum-openstack}"
OS_HOST=127.0.0.1
KEYSTONE_PORT="${MAGNUM_KEYSTONE_PORT:-5000}"
GLANCE_PORT="${MAGNUM_GLANCE_PORT:-9292}"
NOVA_PORT="${MAGNUM_NOVA_PORT:-8774}"
NEUTRON_PORT="${MAGNUM_NEUTRON_PORT:-9696}"
MARIADB_PORT="${MAGNUM_OPENSTACK_MARIADB_PORT:-3308}"
KEYSTONE_URL="http://$OS_HOST:$KEYSTONE_PORT"
OS_REGION=RegionOne
# Development credentials for a loopback-only deployment (docs/openstack.md).
ADMIN_PASSWORD="${MAGNUM_OPENSTACK_ADMIN_PASSWORD:-adminpass}"
SERVICE_PASSWORD_SUFFIX=pass   # service user <name> has password <name>pass
DB_USER=osvc
DB_PASSWORD=osvcpass
# Every service, in start order; start.sh takes a subset (MAGNUM_OPENSTACK_SERVICES).
ALL_SERVICES="keystone glance nova mariadb neutron"
# Started only when MAGNUM_OPENSTACK_SERVICES names them (heat.sh: Heat and its broker).
OPTIONAL_SERVICES="heat"

log() { echo "openstack: $*" >&2; }
die() { log "$*"; exit 1; }

pid_file() { echo "$OS_STATE/pids/$1.pid"; }

# The pid recorded for service $1 when that process still runs program $2, else nothing.
live_pid() {
  local f pid
  f="$(pid_file "$1")"
  [ -r "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

# Starts "$@" as a new session (its own process group) with output to log file $2,
# records its pid for service $1.
spawn() {
  local name="$1" logf="$2"
  shift 2
  mkdir -p "$OS_STATE/pids"
  setsid "$@" >>"$logf" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
}

# Succeeds once URL $1 answers with an HTTP status (any) within $2 seconds while the
# process of service $3 lives. Every probe has its own timeout: a listening socket whose
# workers died never answers.
wait_http() {
  local url="$1" secs="$2" name="$3" prog="$4" i code
  for i in $(seq 1 $((secs * 5))); do
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null || true)"
    if [ -n "$code" ] && [ "$code" != "000" ]; then return 0; fi
    if ! live_pid "$name" "$prog" >/dev/null; then
      log "$name exited while starting; last lines of its log:"
      tail -n 30 "$OS_STATE/$name/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
  log "$name did not answer on $url within ${secs}s"
  return 1
}

# Stops the process group of service $1 (program $2): TERM, then KILL after 15 s.
stop_service() {
  local name="$1" prog="$2" pid i
  if ! pid="$(live_pid "$name" "$prog")"; then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 75); do
    kill -0 "$pid" 2>/dev/null || break
    # A stopped child not yet reaped counts as gone.
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
    log "$name (pid $pid) ignored TERM; killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
  log "stopped $name (pid $pid)"
}

# The program each service runs as (matched against /proc/<pid>/cmdline).
service_prog() {
  case "$1" in
    keystone) echo "keystone-wsgi-public" ;;
    glance) echo "glance-api" ;;
    nova) echo "nova-api" ;;
    mariadb) echo "mariadbd" ;;
    neutron) echo "neutron-server" ;;
    heat) echo "heat-api" ;;  # and heat-engine (heat.sh)
  esac
}

# The pid(s) of service $1 when it runs: a service with more than one process has its own
# <name>_live (heat.sh), the others are one recorded process group.
service_live() {
  if declare -F "$1_live" >/dev/null; then "$1_live"; else live_pid "$1" "$(service_prog "$1")"; fi
}

service_stop() {  # stops service $1 (<name>_stop when it has one)
  if declare -F "$1_stop" >/dev/null; then "$1_stop"; else stop_service "$1" "$(service_prog "$1")"; fi
}

. "$(dirname "${BASH_SOURCE[0]}")/heat.sh"
