#!/usr/bin/env bash
# Starts a private RabbitMQ node on 127.0.0.1 (Debian's rabbitmq-server) for the tests
# labelled `multinode`: node $MAGNUM_RABBITMQ_NODE (magnum-test-<port>@localhost), AMQP port
# $MAGNUM_RABBITMQ_PORT (5682), distribution port 20000 higher and its own Erlang port mapper on
# 4379, all on loopback; data, logs, cookie and config under $MAGNUM_RABBITMQ_STATE
# (/var/tmp/magnum-rabbitmq). Creates the user magnum and the vhost magnum, and writes
# the transport URL to $MAGNUM_RABBITMQ_STATE/url (and env.sh).
#
# A TLS listener as well when MAGNUM_RABBITMQ_SSL_PORT is set (127.0.0.1 only), with the
# PEM files MAGNUM_RABBITMQ_SSL_CACERT, _CERT and _KEY; the node asks for no client
# certificate unless MAGNUM_RABBITMQ_SSL_VERIFY_PEER=1 (then it requires one).
#
# Idempotent: a node already running from the state directory is reused.
# `start.sh --mark FILE` writes "rabbitmq" to FILE when this run started the node (and
# "epmd" when it started the port mapper), for `stop.sh --mark FILE` (the ctest fixture).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

mark=""
if [ "${1:-}" = "--mark" ]; then mark="${2:?--mark FILE}"; fi
[ -x "$RMQ_BIN/rabbitmq-server" ] || die "rabbitmq-server is not installed (scripts/install-deps.sh --test)"
mkdir -p "$RMQ_STATE" "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
exec 9>"$RMQ_STATE/.lock"
flock 9

started=()
if pid=$(live_pid); then
  log "node $RMQ_NODE already runs (pid $pid): reused"
  # Its user, vhost and URL were set up by the run that started it (the URL file is
  # written last): each rabbitmqctl call boots an Erlang VM (~0.8 s of CPU), and the
  # multi-node tests call this once per layout.
  if [ -s "$RMQ_STATE/url" ] && [ "$(cat "$RMQ_STATE/url")" = "$(rabbit_url)" ]; then
    log "ready: $(rabbit_url | sed 's/:[^:@]*@/:***@/')"
    exit 0
  fi
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$RMQ_PORT") 2>/dev/null; then
    die "port $RMQ_PORT on 127.0.0.1 is taken by something that is not our node (set MAGNUM_RABBITMQ_PORT)"
  fi
  cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.1 = 127.0.0.1:$RMQ_PORT
loopback_users = none
disk_free_limit.absolute = 50MB
log.file.level = info
log.console = false
CONF
  if [ -n "${MAGNUM_RABBITMQ_SSL_PORT:-}" ]; then
    for f in CACERT CERT KEY; do
      v="MAGNUM_RABBITMQ_SSL_$f"
      [ -r "${!v:-}" ] || die "$v must name a readable PEM file for the TLS listener"
    done
    if [ "${MAGNUM_RABBITMQ_SSL_VERIFY_PEER:-0}" = 1 ]; then
      verify="verify_peer"; need_cert=true
    else
      verify="verify_none"; need_cert=false
    fi
    cat >>"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.ssl.1 = 127.0.0.1:$MAGNUM_RABBITMQ_SSL_PORT
ssl_options.cacertfile = $MAGNUM_RABBITMQ_SSL_CACERT
ssl_options.certfile = $MAGNUM_RABBITMQ_SSL_CERT
ssl_options.keyfile = $MAGNUM_RABBITMQ_SSL_KEY
ssl_options.verify = $verify
ssl_options.fail_if_no_peer_cert = $need_cert
CONF
  fi
  echo "[]." >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  # Erlang distribution on loopback too (its port mapper is told so by ERL_EPMD_ADDRESS).
  echo "[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}]." >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  : >"$RABBITMQ_CONF_ENV_FILE"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$RMQ_EPMD_PORT") 2>/dev/null; then
    epmd -address 127.0.0.1 -port "$RMQ_EPMD_PORT" -daemon 9>&-
    started+=(epmd)
  fi
  t0=$(date +%s%N)
  setsid "$RMQ_BIN/rabbitmq-server" >"$RABBITMQ_LOG_BASE/console.out" 2>&1 </dev/null 9>&- &
  # The AMQP port opens at the end of the boot; polling it is cheaper than rabbitmqctl.
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$RMQ_PORT") 2>/dev/null; then break; fi
    sleep 0.1
  done
  ctl await_startup --timeout 30 >/dev/null || die "node $RMQ_NODE did not start (see $RABBITMQ_LOG_BASE)"
  started+=(rabbitmq)
  log "node $RMQ_NODE started on 127.0.0.1:$RMQ_PORT in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fi
if ! ctl list_vhosts | grep -qx "$RMQ_VHOST"; then ctl add_vhost "$RMQ_VHOST" >/dev/null; fi
if ! ctl list_users | awk '{print $1}' | grep -qx "$RMQ_USER"; then
  ctl add_user "$RMQ_USER" "$RMQ_PASSWORD" >/dev/null
fi
ctl set_permissions -p "$RMQ_VHOST" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
rabbit_url >"$RMQ_STATE/url"
{
  echo "export MAGNUM_TEST_RABBIT_URL='$(rabbit_url)'"
  echo "export MAGNUM_RABBITMQ_STATE='$RMQ_STATE'"
} >"$RMQ_STATE/env.sh"
if [ -n "$mark" ] && [ ${#started[@]} -gt 0 ]; then printf '%s\n' "${started[@]}" >>"$mark"; fi
log "ready: $(rabbit_url | sed 's/:[^:@]*@/:***@/')"
