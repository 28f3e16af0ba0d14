#!/bin/bash
# Ours against Debian's magnum-api, both behind the real dev Keystone (docs/benchmarks.md,
# "Behind Keystone"): the 50-template list's request rate (goal: ours >= 1000x) and our
# auth overhead per request (cached token vs noauth, µs CPU).
#
#   bench/keystone_compare.sh [--duration S] [--connections N] [--templates N] [--keep]
#
# Starts the dev Keystone (scripts/openstack/start.sh, Keystone only) unless it runs
# already, installs nothing (bench/setup-original.sh --install-only does, as root), and on
# exit stops exactly what it started: the servers it ran and, through start.sh's mark
# file, the Keystone it started (a Keystone that was running is left running). Bounded:
# three wrk runs of --duration seconds (default 10), about two minutes in all.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN_DIR=${MAGNUM_BIN_DIR:-$ROOT/build/bin}

if ! "$HERE/setup-original.sh" --check; then
  echo "keystone_compare.sh: Debian's magnum-api is not installed (bench/setup-original.sh --install-only)" >&2
  exit 3
fi
[[ -x $BIN_DIR/magnumd ]] || { echo "keystone_compare.sh: no $BIN_DIR/magnumd (build first)" >&2; exit 3; }

MARK=$(mktemp /tmp/magnum-bench-ks-started.XXXXXX)
cleanup() {
  "$ROOT/scripts/openstack/stop.sh" --mark "$MARK" >&2 || true
  rm -f "$MARK"
}
trap cleanup EXIT
MAGNUM_OPENSTACK_SERVICES=keystone "$ROOT/scripts/openstack/start.sh" --mark "$MARK" >&2
MAGNUM_BIN_DIR=$BIN_DIR /usr/bin/python3 "$HERE/keystone_compare.py" "$@"
