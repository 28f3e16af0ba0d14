# Shared settings of scripts/rabbitmq/*.sh: a private RabbitMQ node on 127.0.0.1 from
# Debian's rabbitmq-server, with its own node name, ports, Erlang port mapper, cookie,
# data, logs and config under $MAGNUM_RABBITMQ_STATE, so it never meets a system RabbitMQ.
RMQ_STATE="${MAGNUM_RABBITMQ_STATE:-/var/tmp/magnum-rabbitmq}"  # ctest and make: <build>/rabbitmq
RMQ_PORT="${MAGNUM_RABBITMQ_PORT:-5682}"
RMQ_DIST_PORT="${MAGNUM_RABBITMQ_DIST_PORT:-$((RMQ_PORT + 20000))}"
RMQ_EPMD_PORT="${MAGNUM_RABBITMQ_EPMD_PORT:-4379}"
RMQ_NODE="${MAGNUM_RABBITMQ_NODE:-magnum-test-$RMQ_PORT@localhost}"
RMQ_USER="${MAGNUM_RABBITMQ_USER:-magnum}"
RMQ_PASSWORD="${MAGNUM_RABBITMQ_PASSWORD:-magnum-test-secret}"
RMQ_VHOST="${MAGNUM_RABBITMQ_VHOST:-magnum}"
RMQ_BIN=/usr/lib/rabbitmq/bin

export HOME="$RMQ_STATE/home"  # the Erlang cookie lives here
export RABBITMQ_NODENAME="$RMQ_NODE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RMQ_PORT"
export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT="$RMQ_EPMD_PORT"
export RABBITMQ_MNESIA_BASE="$RMQ_STATE/mnesia"
export RABBITMQ_LOG_BASE="$RMQ_STATE/log"
export RABBITMQ_CONFIG_FILE="$RMQ_STATE/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_STATE/enabled_plugins"
export RABBITMQ_PID_FILE="$RMQ_STATE/rabbitmq.pid"
export RABBITMQ_CONF_ENV_FILE="$RMQ_STATE/rabbitmq-env.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_STATE/advanced.config"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

log() { echo "rabbitmq: $*" >&2; }
die() { log "$*"; exit 1; }
ctl() { "$RMQ_BIN/rabbitmqctl" -q -n "$RMQ_NODE" "$@"; }

# The pid of our node when it runs (its pid file names a live beam process).
live_pid() {
  local pid
  [ -r "$RABBITMQ_PID_FILE" ] || return 1
  pid=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q beam "/proc/$pid/comm" 2>/dev/null && echo "$pid"
}

rabbit_url() {
  echo "rabbit://$RMQ_USER:$RMQ_PASSWORD@127.0.0.1:$RMQ_PORT/$RMQ_VHOST"
}
