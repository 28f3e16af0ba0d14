#!/usr/bin/env bash
# Which dev services started by scripts/openstack/start.sh run (exit 1 when none of them does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

any=1
for s in $ALL_SERVICES $OPTIONAL_SERVICES; do
  if pid="$(service_live "$s")"; then
    echo "$s running (pid $pid)"
    any=0
  else
    echo "$s stopped"
  fi
done
exit $any
