#!/usr/bin/env bash
# Makes sure a Docker Engine answers on the host socket for the `docker`-labelled tests.
#
# When one already answers, does nothing. Otherwise starts Debian's `dockerd` with
# --iptables=false (the host's firewall is not ours to change) and records its pid in
# STATE_FILE so that scripts/dockerd-stop.sh stops exactly what this script started and
# nothing else. Usage: dockerd-ensure.sh [STATE_FILE]   (default ./dockerd-started.pid)
set -euo pipefail

state_file="${1:-$PWD/dockerd-started.pid}"
sock="${MAGNUM_DOCKER_SOCKET:-/var/run/docker.sock}"

engine_up() {
  curl -sf --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

if engine_up; then
  echo "dockerd-ensure: a Docker Engine already answers on $sock"
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  echo "dockerd-ensure: dockerd not installed (scripts/install-deps.sh --test installs docker.io)" >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
log="$(dirname "$state_file")/dockerd.log"
mkdir -p "$(dirname "$state_file")"
# setsid: dockerd must outlive this script and the ctest fixture that ran it.
$SUDO setsid dockerd --iptables=false --host "unix://$sock" >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$state_file"
for _ in $(seq 1 150); do
  if engine_up; then
    echo "dockerd-ensure: started dockerd (pid $pid, log $log)"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.2
done
echo "dockerd-ensure: dockerd did not come up; last lines of $log:" >&2
tail -n 20 "$log" >&2 || true
kill "$pid" 2>/dev/null || true
rm -f "$state_file"
exit 1
