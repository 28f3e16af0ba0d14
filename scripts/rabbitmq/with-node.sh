#!/usr/bin/env bash
# Runs a command against a RabbitMQ node of its own, started for it and stopped after
# (for tests that restart or stop the broker, so that they never disturb the shared node
# of the `rabbitmq` ctest fixture):
#   with-node.sh --state DIR --port PORT --node NAME -- COMMAND...
# The command sees MAGNUM_RABBITMQ_STATE (DIR/url holds the transport URL) and
# MAGNUM_RABBITMQ_CTL (rabbitmqctl for that node). The distribution port is PORT + 20000.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
while [ $# -gt 0 ]; do
  case "$1" in
    --state) export MAGNUM_RABBITMQ_STATE="$2"; shift 2 ;;
    --port) export MAGNUM_RABBITMQ_PORT="$2"; unset MAGNUM_RABBITMQ_DIST_PORT; shift 2 ;;
    --node) export MAGNUM_RABBITMQ_NODE="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "with-node.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "with-node.sh: no command" >&2; exit 2; }
: "${MAGNUM_RABBITMQ_STATE:?--state DIR}"
mark="$MAGNUM_RABBITMQ_STATE.started"
rm -f "$mark"
trap '"$here/stop.sh" --mark "$mark"' EXIT
"$here/start.sh" --mark "$mark"
export MAGNUM_RABBITMQ_CTL="$here/ctl.sh"
"$@"
