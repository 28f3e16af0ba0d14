#!/usr/bin/env bash
# rabbitmqctl for the private node of scripts/rabbitmq/start.sh, e.g.
#   scripts/rabbitmq/ctl.sh list_queues -p magnum name messages consumers
#   scripts/rabbitmq/ctl.sh stop_app; scripts/rabbitmq/ctl.sh start_app  (a broker restart)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
"$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"
