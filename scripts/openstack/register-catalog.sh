#!/usr/bin/env bash
# Registers magnum-api in a Keystone: the service user (role admin in the service project,
# what [keystone_authtoken] logs in as), the `magnum` service of type container-infra and
# its public, internal and admin endpoints, so that `openstack coe ...` finds the API from
# plain password credentials. Idempotent: what exists is kept, endpoints with another URL
# are updated.
#
# Uses the openstack CLI with the admin credentials in the OS_* environment (for the dev
# services: `. /var/tmp/magnum-openstack/openrc.admin`).
#   register-catalog.sh --url http://controller:9511/v1 [--region RegionOne]
#                       [--user magnum] [--password PW] [--project service]
set -euo pipefail

url="" region="${OS_REGION_NAME:-RegionOne}" user=magnum password="" project=service
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --user) user="$2"; shift 2 ;;
    --password) password="$2"; shift 2 ;;
    --project) project="$2"; shift 2 ;;
    *) echo "usage: $0 --url URL [--region R] [--user U] [--password P] [--project P]" >&2
       exit 2 ;;
  esac
done
[ -n "$url" ] || { echo "register-catalog: --url is required (e.g. http://host:9511/v1)" >&2; exit 2; }
[ -n "${OS_AUTH_URL:-}" ] || { echo "register-catalog: no OS_AUTH_URL (source an admin openrc)" >&2; exit 2; }

os() { openstack "$@"; }
say() { echo "register-catalog: $*"; }

if ! os project show "$project" -f value -c id >/dev/null 2>&1; then
  os project create --domain default --description "Service project" "$project" >/dev/null
  say "created project $project"
fi
if ! os user show --domain default "$user" -f value -c id >/dev/null 2>&1; then
  [ -n "$password" ] || { echo "register-catalog: user $user does not exist: --password needed" >&2; exit 2; }
  os user create --domain default --password "$password" "$user" >/dev/null
  say "created user $user"
elif [ -n "$password" ]; then
  os user set --password "$password" "$user"
fi
os role add --project "$project" --user "$user" admin
say "user $user has role admin in project $project"

svc="$(os service list -f value -c ID -c Type | awk '$2 == "container-infra" {print $1; exit}')"
if [ -z "$svc" ]; then
  svc="$(os service create --name magnum --description "Container Infrastructure Management Service" \
    -f value -c id container-infra)"
  say "created service magnum (container-infra) $svc"
fi
for interface in public internal admin; do
  existing="$(os endpoint list --service "$svc" --interface "$interface" --region "$region" \
    -f value -c ID -c URL)"
  if [ -z "$existing" ]; then
    os endpoint create --region "$region" "$svc" "$interface" "$url" >/dev/null
    say "created $interface endpoint $url"
  else
    id="${existing%% *}"
    if [ "${existing#* }" != "$url" ]; then
      os endpoint set --url "$url" "$id"
      say "updated $interface endpoint to $url"
    fi
  fi
done
say "done: container-infra at $url in $region"
