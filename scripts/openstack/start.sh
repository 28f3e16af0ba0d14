#!/usr/bin/env bash
# Starts the OpenStack dev services on 127.0.0.1 from Debian 12's packages (installed by
# scripts/install-deps.sh --test): Keystone (uwsgi, SQLite, fernet), Glance (file store),
# Nova API (osapi_compute only, SQLite) and Neutron server (ML2, no agents) with its own
# MariaDB. Each gets its own config, data and log under $MAGNUM_OPENSTACK_STATE (default
# /var/tmp/magnum-openstack); scripts/openstack/stop.sh stops exactly what this started.
#
# Idempotent: a service already running from this state directory is reused, content
# already there is kept. `start.sh --mark FILE` appends the names of the services this
# run started (not those reused) to FILE, for `stop.sh --mark FILE` (the ctest fixture). MAGNUM_OPENSTACK_SERVICES picks a subset in start order, e.g.
# "keystone" alone (default: keystone glance nova mariadb neutron; `heat`, after keystone,
# only when named: heat.sh). Prints the time each
# step took. Afterwards $MAGNUM_OPENSTACK_STATE/env.json describes the deployment and
# openrc.<user> files set OS_* variables for the openstack CLI (docs/openstack.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

mark=""
if [ "${1:-}" = "--mark" ]; then mark="${2:?--mark FILE}"; fi
services="${MAGNUM_OPENSTACK_SERVICES:-$ALL_SERVICES}"
case " $services " in *" neutron "*) case " $services " in *" mariadb "*) ;; *)
  services="${services/neutron/mariadb neutron}" ;; esac ;; esac
mkdir -p "$OS_STATE/pids"
# One start or stop at a time per state directory (two test runs at once).
exec 9>"$OS_STATE/.lock"
flock 9
export OS_STATE KEYSTONE_URL OS_HOST OS_REGION ADMIN_PASSWORD SERVICE_PASSWORD_SUFFIX \
  GLANCE_PORT NOVA_PORT NEUTRON_PORT HEAT_PORT

ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { local d=$(($(ms) - $1)); printf '%d.%d s' $((d / 1000)) $((d % 1000 / 100)); }
t_all=$(ms)
step() {  # step <what> <command...>: runs and reports its wall time
  local what="$1" t0
  shift
  t0=$(ms)
  "$@"
  log "$(printf '%-22s %s' "$what" "$(elapsed "$t0")")"
}

port_free_or_ours() {  # port_free_or_ours <service> <port>
  if live_pid "$1" "$(service_prog "$1")" >/dev/null; then return 0; fi
  if (exec 3<>"/dev/tcp/$OS_HOST/$2") 2>/dev/null; then
    die "port $2 on $OS_HOST is taken by a process that is not our $1 (set MAGNUM_*_PORT)"
  fi
}

ini_authtoken() {  # the [keystone_authtoken] section of service user $1
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_name = service
project_domain_name = Default
username = $1
password = $1$SERVICE_PASSWORD_SUFFIX
user_domain_name = Default
region_name = $OS_REGION
EOF
}

# ---- Keystone -------------------------------------------------------------------------
keystone_setup() {
  local d="$OS_STATE/keystone"
  mkdir -p "$d/fernet-keys" "$d/credential-keys"
  cat >"$d/keystone.conf" <<EOF
[DEFAULT]
log_file = $d/keystone-manage.log
[database]
connection = sqlite:///$d/keystone.sqlite
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $d/fernet-keys
[credential]
key_repository = $d/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
[catalog]
# Tests move the container-infra endpoint to their magnumd's port: a cached catalog would
# send the clients of the next test to the previous one's.
caching = false
EOF
  [ -e "$d/.bootstrapped" ] && return 0
  rm -f "$d/keystone.sqlite"
  # (keystone-manage prints eventlet noise at exit: kept in its log, not on the terminal.)
  km() { keystone-manage --config-file "$d/keystone.conf" "$@" >>"$d/keystone-manage.out" 2>&1; }
  km db_sync
  # WAL: the uwsgi workers' open read transactions then never make a write fail with
  # "database is locked" (seen with the default rollback journal).
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' \
    "$d/keystone.sqlite"
  km fernet_setup --keystone-user root --keystone-group root
  km credential_setup --keystone-user root --keystone-group root
  km bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone \
    --bootstrap-region-id "$OS_REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL/v3/" --bootstrap-internal-url "$KEYSTONE_URL/v3/" \
    --bootstrap-public-url "$KEYSTONE_URL/v3/"
  touch "$d/.bootstrapped"
}

keystone_run() {
  local d="$OS_STATE/keystone"
  # uwsgi as Debian configures keystone-api, but on loopback, our files, one process (the
  # in-process cache - 30x faster token validation - is per process: with two, a catalog
  # change or a revocation seen by one stays unseen by the other for minutes), and
  # HTTP/1.1 keep-alive (plain --http-socket closes after each answer, and clients reusing
  # the connection then see "connection reset").
  OS_KEYSTONE_CONFIG_DIR="$d" OS_KEYSTONE_CONFIG_FILES=keystone.conf \
    spawn keystone "$d/keystone.log" uwsgi --plugin python3 \
    --http11-socket "$OS_HOST:$KEYSTONE_PORT" --wsgi-file /usr/bin/keystone-wsgi-public \
    --master --processes 1 --threads 4 --enable-threads --lazy-apps --die-on-term \
    --buffer-size 65535 --listen 100 --need-app --chdir "$d"
  wait_http "$KEYSTONE_URL/v3" 60 keystone keystone-wsgi-public
}

# ---- Glance ---------------------------------------------------------------------------
glance_setup() {
  local d="$OS_STATE/glance"
  mkdir -p "$d/images" "$d/staging" "$d/tasks" "$d/locks"
  { cat <<EOF
[DEFAULT]
bind_host = $OS_HOST
bind_port = $GLANCE_PORT
workers = 1
enabled_backends = file:file
log_file = $d/glance.log
[database]
connection = sqlite:///$d/glance.sqlite
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $d/images
[os_glance_staging_store]
filesystem_store_datadir = $d/staging
[os_glance_tasks_store]
filesystem_store_datadir = $d/tasks
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $d/locks
EOF
    ini_authtoken glance; } >"$d/glance-api.conf"
  [ -e "$d/.synced" ] && return 0
  glance-manage --config-file "$d/glance-api.conf" db_sync >"$d/db-sync.log" 2>&1
  touch "$d/.synced"
}

glance_run() {
  local d="$OS_STATE/glance"
  spawn glance "$d/glance.out" glance-api --config-file "$d/glance-api.conf"
  wait_http "http://$OS_HOST:$GLANCE_PORT/" 60 glance glance-api
}

# ---- Nova API -------------------------------------------------------------------------
nova_setup() {
  local d="$OS_STATE/nova"
  mkdir -p "$d/locks"
  { cat <<EOF
[DEFAULT]
enabled_apis = osapi_compute
osapi_compute_listen = $OS_HOST
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
state_path = $d
log_file = $d/nova.log
transport_url = fake:/
graceful_shutdown_timeout = 2
[api]
auth_strategy = keystone
[api_database]
connection = sqlite:///$d/nova_api.sqlite
[database]
connection = sqlite:///$d/nova.sqlite
[oslo_concurrency]
lock_path = $d/locks
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
EOF
    ini_authtoken nova; } >"$d/nova.conf"
  [ -e "$d/.synced" ] && return 0
  nova-manage --config-file "$d/nova.conf" api_db sync >"$d/db-sync.log" 2>&1
  nova-manage --config-file "$d/nova.conf" db sync >>"$d/db-sync.log" 2>&1
  touch "$d/.synced"
}

nova_run() {
  local d="$OS_STATE/nova"
  spawn nova "$d/nova.out" nova-api --config-file "$d/nova.conf"
  wait_http "http://$OS_HOST:$NOVA_PORT/" 60 nova nova-api
}

# ---- MariaDB (for Neutron) ------------------------------------------------------------
mariadb_setup() {
  local d="$OS_STATE/mariadb"
  mkdir -p "$d"
  [ -d "$d/data/mysql" ] && return 0
  mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql \
    --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1
}

mariadb_run() {
  local d="$OS_STATE/mariadb" i
  chown -R mysql:mysql "$d"
  spawn mariadb "$d/mariadb.log" mariadbd --no-defaults --datadir="$d/data" \
    --socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" --port="$MARIADB_PORT" \
    --bind-address="$OS_HOST" --user=mysql --skip-name-resolve \
    --innodb-buffer-pool-size=64M --log-error="$d/mariadb.log"
  for i in $(seq 1 150); do
    mariadb --no-defaults -uroot --socket="$d/mysqld.sock" -e 'SELECT 1' >/dev/null 2>&1 &&
      break
    live_pid mariadb mariadbd >/dev/null || die "mariadbd exited; see $d/mariadb.log"
    sleep 0.2
  done
  mariadb --no-defaults -uroot --socket="$d/mysqld.sock" <<EOF
CREATE DATABASE IF NOT EXISTS neutron;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON neutron.* TO '$DB_USER'@'127.0.0.1';
EOF
}

# ---- Neutron server -------------------------------------------------------------------
neutron_setup() {
  local d="$OS_STATE/neutron"
  mkdir -p "$d/locks"
  { cat <<EOF
[DEFAULT]
bind_host = $OS_HOST
bind_port = $NEUTRON_PORT
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
core_plugin = ml2
service_plugins =
auth_strategy = keystone
notify_nova_on_port_status_changes = False
notify_nova_on_port_data_changes = False
state_path = $d
log_file = $d/neutron.log
# No agents, so no RPC peers: oslo.messaging's in-process driver instead of a broker (the
# default rabbit://localhost would retry forever, or reach someone else's broker).
transport_url = fake:/
graceful_shutdown_timeout = 2
api_paste_config = /etc/neutron/api-paste.ini
[database]
connection = mysql+pymysql://$DB_USER:$DB_PASSWORD@$OS_HOST:$MARIADB_PORT/neutron?charset=utf8
[oslo_concurrency]
lock_path = $d/locks
EOF
    ini_authtoken neutron; } >"$d/neutron.conf"
  cat >"$d/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = external
[ml2_type_vxlan]
vni_ranges = 1:1000
EOF
  [ -e "$d/.synced" ] && return 0
  neutron-db-manage --config-file "$d/neutron.conf" --config-file "$d/ml2_conf.ini" \
    upgrade head >"$d/db-sync.log" 2>&1
  touch "$d/.synced"
}

neutron_run() {
  local d="$OS_STATE/neutron"
  spawn neutron "$d/neutron.out" neutron-server --config-file "$d/neutron.conf" \
    --config-file "$d/ml2_conf.ini"
  wait_http "http://$OS_HOST:$NEUTRON_PORT/" 90 neutron neutron-server
}

# ---- main -----------------------------------------------------------------------------
port_of() {
  case "$1" in
    keystone) echo "$KEYSTONE_PORT" ;; glance) echo "$GLANCE_PORT" ;;
    nova) echo "$NOVA_PORT" ;; mariadb) echo "$MARIADB_PORT" ;; neutron) echo "$NEUTRON_PORT" ;;
    heat) echo "$HEAT_PORT" ;;
  esac
}

for s in $services; do
  if pid="$(service_live "$s")"; then
    log "$s already running (pid $pid): reused"
  else
    port_free_or_ours "$s" "$(port_of "$s")"
    step "$s setup" "${s}_setup"
    step "$s start" "${s}_run"
    log "$s started (pid $(cat "$(pid_file "$s")"))"
    if [ -n "$mark" ]; then echo "$s" >>"$mark"; fi
  fi
  [ "$s" = mariadb ] || step "$s content" python3 "$here/seed.py" "$s"
done

# openrc files for the openstack CLI.
for u in admin demo alt_demo; do
  case "$u" in admin) pw="$ADMIN_PASSWORD"; proj=admin ;; *) pw="${u}pass"; proj="$u" ;; esac
  cat >"$OS_STATE/openrc.$u" <<EOF
export OS_AUTH_URL=$KEYSTONE_URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$u
export OS_PASSWORD=$pw
export OS_PROJECT_NAME=$proj
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$OS_REGION
EOF
done
log "$(printf '%-22s %s' "all ($services)" "$(elapsed "$t_all")")"
