#include "magnum/rpc/open_transport.h"

#include "magnum/rpc/amqp_tls.h"
#include "magnum/rpc/inproc_transport.h"
#include "magnum/rpc/rabbit_transport.h"

namespace magnum::rpc {

Result<std::unique_ptr<Transport>> OpenTransport(const config::Config& cfg) {
  if (IsInprocTransportUrl(cfg.transport_url)) {
    return NewInprocTransport();
  }
  MAGNUM_ASSIGN_OR_RETURN(TransportUrl url, ParseTransportUrl(cfg.transport_url));
  MAGNUM_RETURN_IF_ERROR(ApplyAmqpTls(cfg, &url));
  RabbitOptions o;
  o.url = std::move(url);
  o.control_exchange = cfg.control_exchange;
  o.server = cfg.host;
  o.amqp_durable_queues = cfg.amqp_durable_queues;
  o.amqp_auto_delete = cfg.amqp_auto_delete;
  o.rabbit_retry_interval = cfg.rabbit_retry_interval;
  o.rabbit_retry_backoff = cfg.rabbit_retry_backoff;
  o.rabbit_interval_max = cfg.rabbit_interval_max;
  o.heartbeat_timeout_threshold = cfg.heartbeat_timeout_threshold;
  o.rabbit_qos_prefetch_count = cfg.rabbit_qos_prefetch_count;
  o.rabbit_transient_queues_ttl = cfg.rabbit_transient_queues_ttl;
  o.dispatcher_threads = cfg.executor_thread_pool_size;
  return NewRabbitTransport(std::move(o));
}

std::string RedactedTransportUrl(const std::string& url) {
  if (IsInprocTransportUrl(url)) return url;
  auto parsed = ParseTransportUrl(url);
  return parsed ? parsed->Redacted() : std::string("<invalid transport_url>");
}

}  // namespace magnum::rpc
