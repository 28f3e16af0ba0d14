// The NotificationPublisher over RabbitMQ (rpc/notifier.h): a bounded queue of bodies and
// one thread that owns its own AmqpConnection and publishes them in order.
//
// Before the first publish of a routing key on a connection it declares the exchange (topic
// type; durable and auto-delete as amqp_durable_queues / amqp_auto_delete, like the RPC
// transport) and the queue named after the routing key, bound with that key — what
// oslo.messaging's rabbit driver does for notifications, so a consumer that starts later
// still gets them. While the broker is unreachable the bodies stay queued (at most
// `max_buffered`; the oldest are dropped first, with a warning) and the thread reconnects
// with the RPC transport's back-off. `retry` is [oslo_messaging_notifications] retry:
// -1 retries a body until it is sent (or pushed out), N >= 0 drops a body after N failed
// retries. Destruction waits up to `drain_timeout` for the queue to empty. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "magnum/rpc/notifier.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {

struct RabbitNotifyOptions {
  TransportUrl url;
  bool durable = false;
  bool auto_delete = false;
  int retry = -1;
  int retry_interval = 1;  // seconds; the RPC transport's rabbit_retry_* options
  int retry_backoff = 2;
  int interval_max = 30;
  int heartbeat = 60;  // seconds; 0 = none
  std::chrono::milliseconds connect_timeout{5000};
  size_t max_buffered = 1000;
  std::chrono::milliseconds drain_timeout{2000};
};

std::unique_ptr<NotificationPublisher> NewRabbitNotificationPublisher(RabbitNotifyOptions o);

}  // namespace magnum::rpc
