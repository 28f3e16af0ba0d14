#!/usr/bin/env bash
# Stops the OpenStack dev services that scripts/openstack/start.sh started from the same
# state directory ($MAGNUM_OPENSTACK_STATE), and nothing else: each recorded process group,
# while its pid still runs the program it was started as. Keeps the data (the next start
# reuses it).
#   stop.sh               every service started from the state directory
#   stop.sh --mark FILE   only those that `start.sh --mark FILE` started (none if FILE is
#                         absent: that run reused services someone else had started)
#   stop.sh --purge       every service, then removes the state directory
#   stop.sh NAME...       those services (keystone glance nova mariadb neutron heat)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

if [ -d "$OS_STATE" ]; then
  exec 9>"$OS_STATE/.lock"
  flock 9
fi
which="heat neutron mariadb nova glance keystone"
if [ "${1:-}" = "--mark" ]; then
  mark="${2:?--mark FILE}"
  [ -r "$mark" ] || { log "nothing to stop ($mark absent)"; exit 0; }
  listed=" $(tr '\n' ' ' <"$mark") "
  keep=""
  for s in $which; do case "$listed" in *" $s "*) keep="$keep $s" ;; esac; done
  which="$keep"
  rm -f "$mark"
elif [ $# -gt 0 ] && [ "$1" != "--purge" ]; then
  which="$*"
fi
for s in $which; do
  service_stop "$s"
done
if [ "${1:-}" = "--purge" ]; then
  case "$OS_STATE" in /|"") die "refusing to purge '$OS_STATE'" ;; esac
  rm -rf "$OS_STATE"
  log "removed $OS_STATE"
fi
