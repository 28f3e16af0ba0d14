#!/usr/bin/env bash
# Stops the private RabbitMQ node of scripts/rabbitmq/start.sh (same state directory) and
# nothing else; keeps its data.
#   stop.sh               the node (and our port mapper on its private port)
#   stop.sh --mark FILE   only what `start.sh --mark FILE` started (nothing if FILE is
#                         absent: that run reused a node someone else had started)
#   stop.sh --purge       the node, then removes the state directory
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

which="rabbitmq epmd"
if [ "${1:-}" = "--mark" ]; then
  mark="${2:?--mark FILE}"
  [ -r "$mark" ] || { log "nothing to stop ($mark absent)"; exit 0; }
  which="$(tr '\n' ' ' <"$mark")"
  rm -f "$mark"
fi
[ -d "$RMQ_STATE" ] || exit 0
exec 9>"$RMQ_STATE/.lock"
flock 9
# The node first, then the port mapper it is registered with (the mark lists them in the
# order start.sh started them).
for what in rabbitmq epmd; do
  case " $which " in *" $what "*) ;; *) continue ;; esac
  case "$what" in
    rabbitmq)
      if pid=$(live_pid); then
        ctl stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        if [ -d "/proc/$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
        log "node $RMQ_NODE (pid $pid) stopped"
      fi ;;
    epmd)
      # Only the port mapper on our private port; it refuses while other nodes use it (a
      # test's own node, rabbitmqctl), so wait up to 60 s for them to go.
      for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$RMQ_EPMD_PORT") 2>/dev/null || break
        # (epmd -kill cannot reach it with ERL_EPMD_ADDRESS set, which lib.sh exports.)
        env -u ERL_EPMD_ADDRESS epmd -port "$RMQ_EPMD_PORT" -kill >/dev/null 2>&1 || true
        sleep 0.2
      done
      if (exec 3<>"/dev/tcp/127.0.0.1/$RMQ_EPMD_PORT") 2>/dev/null; then
        log "warning: the port mapper on 127.0.0.1:$RMQ_EPMD_PORT still serves nodes; left running"
      fi ;;
  esac
done
if [ "${1:-}" = "--purge" ]; then
  case "$RMQ_STATE" in /|"") die "refusing to purge '$RMQ_STATE'" ;; esac
  rm -rf "$RMQ_STATE"
  log "removed $RMQ_STATE"
fi
