#!/usr/bin/env bash
# Stops the dockerd that scripts/dockerd-ensure.sh started (pid in STATE_FILE), and only
# that one; does nothing when the engine was already running before. Usage:
# dockerd-stop.sh [STATE_FILE]   (default ./dockerd-started.pid)
set -euo pipefail

state_file="${1:-$PWD/dockerd-started.pid}"
[ -f "$state_file" ] || exit 0
pid="$(cat "$state_file")"
rm -f "$state_file"
# Only a dockerd: never signal a recycled pid that is something else.
if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "dockerd" ]; then
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { echo "dockerd-stop: stopped dockerd (pid $pid)"; exit 0; }
    sleep 0.2
  done
  echo "dockerd-stop: dockerd (pid $pid) still running after 20 s" >&2
  exit 1
fi
