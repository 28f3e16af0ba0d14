#!/bin/bash
# Prepares the Python original (Debian 12's magnum-api 15.0.1 under uwsgi) for the
# benchmark: installs the packages when they are missing, then writes its configuration
# and an empty, stamped SQLite database under DIR. It does not start anything: bench
# (compare.py) starts `uwsgi --ini DIR/uwsgi.ini` itself so that it owns the process.
#
#   bench/setup-original.sh --dir DIR --port PORT --keystone-port KPORT [--no-install]
#   bench/setup-original.sh --install-only # install the packages (as root), nothing else
#   bench/setup-original.sh --check        # exit 0 when the packages are installed
#
# The recipe (facts measured on Debian 12 here, see docs/benchmarks.md):
#  * api-paste.ini is Debian's with `authtoken` left out of the pipeline, so identity comes
#    from the X-Project-Id / X-User-Id / X-Roles headers (the original has no auth option);
#  * every policy check still authenticates to Keystone (add_policy_attributes() asks for
#    trustee_domain_id): [keystone_authtoken] www_authenticate_uri points at
#    bench/keystone_stub.py on KPORT, which answers at once;
#  * `magnum-db-manage upgrade` fails on SQLite (ALTER TABLE in its migrations), so the
#    schema comes from magnum.db.sqlalchemy.models.Base.metadata.create_all, then
#    `magnum-db-manage stamp head`; the database is switched to WAL (two uwsgi processes
#    write to it);
#  * uwsgi as Debian's magnum-api-uwsgi.ini, but processes=2 threads=1 (one core each here;
#    Debian's 8x32 only adds contention on 2 cores), bound to 127.0.0.1:PORT, no logging
#    to /var/log.
# Exit codes: 0 ready, 2 usage, 3 not installed (with --no-install or --check), 1 failure.
set -euo pipefail

PY=/usr/bin/python3
PACKAGES=(magnum-api uwsgi uwsgi-plugin-python3 wrk)
DIR="" PORT="" KPORT="" INSTALL=1 CHECK=0 INSTALL_ONLY=0

usage() { sed -n '2,11p' "$0" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --keystone-port) KPORT="$2"; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --check) CHECK=1; shift ;;
    --install-only) INSTALL_ONLY=1; shift ;;
    -h|--help) usage ;;
    *) echo "setup-original.sh: unknown argument $1" >&2; usage ;;
  esac
done

installed() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || return 1
  done
  [[ -x /usr/bin/magnum-api-wsgi && -x /usr/bin/uwsgi && -x /usr/bin/wrk ]]
}

if [[ $CHECK == 1 ]]; then
  installed && exit 0 || exit 3
fi
[[ $INSTALL_ONLY == 1 || ( -n "$DIR" && -n "$PORT" && -n "$KPORT" ) ]] || usage

if ! installed; then
  if [[ $INSTALL == 0 ]]; then
    echo "setup-original.sh: ${PACKAGES[*]} not installed (run bench/setup-original.sh without --no-install as root)" >&2
    exit 3
  fi
  echo "setup-original.sh: installing ${PACKAGES[*]} from Debian (apt-get)" >&2
  # policy-rc.d (if present) keeps the packaged magnum-api service from starting on 9511.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" >&2
fi
[[ $INSTALL_ONLY == 0 ]] || exit 0

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# api-paste.ini: Debian's, without authtoken in the pipeline.
sed -E 's/^(pipeline = .*) authtoken (.*)$/\1 \2/' /etc/magnum/api-paste.ini >"$DIR/api-paste.ini"
if grep -qE '^pipeline = .*authtoken' "$DIR/api-paste.ini"; then
  echo "setup-original.sh: could not take authtoken out of /etc/magnum/api-paste.ini" >&2
  exit 1
fi

cat >"$DIR/magnum.conf" <<EOF
[DEFAULT]
state_path = $DIR
debug = false
log_file = $DIR/magnum-api.log
[api]
api_paste_config = $DIR/api-paste.ini
[database]
connection = sqlite:///$DIR/magnum.sqlite
[oslo_concurrency]
lock_path = $DIR
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KPORT/v3
[trust]
trustee_domain_id = bench-trustee-domain
trustee_domain_admin_id = bench-domain-admin
trustee_domain_admin_password = bench
[quotas]
max_clusters_per_project = 100000
EOF

cat >"$DIR/uwsgi.ini" <<EOF
[uwsgi]
# Debian's /etc/magnum/magnum-api-uwsgi.ini with 2x1 workers, bound to loopback, logging
# under DIR, and without rem-header = Content-Length (wrk counts a body read to EOF as a
# read error).
plugins = python3
master = true
thunder-lock = true
lazy-apps = true
no-orphans = true
die-on-term = true
enable-threads = true
processes = 2
threads = 1
listen = 100
buffer-size = 65535
add-header = Connection: close
http-socket = 127.0.0.1:$PORT
wsgi-file = /usr/bin/magnum-api-wsgi
pyargv = --config-file $DIR/magnum.conf
chdir = $DIR
disable-logging = false
logto = $DIR/uwsgi.log
EOF

rm -f "$DIR"/magnum.sqlite*
"$PY" - "$DIR/magnum.sqlite" <<'EOF'
import sys
import sqlalchemy
from magnum.db.sqlalchemy import models
engine = sqlalchemy.create_engine("sqlite:///" + sys.argv[1])
models.Base.metadata.create_all(engine)
with engine.connect() as c:
    mode = c.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
    if mode != "wal":
        sys.exit("journal_mode is %s, not wal" % mode)
EOF
magnum-db-manage --config-file "$DIR/magnum.conf" stamp head >"$DIR/db-manage.log" 2>&1 || {
  cat "$DIR/db-manage.log" >&2
  exit 1
}
echo "setup-original.sh: ready in $DIR (uwsgi --ini $DIR/uwsgi.ini; 127.0.0.1:$PORT)" >&2
