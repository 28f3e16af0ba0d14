// A Transport over RabbitMQ in the oslo.messaging rabbit driver's wire format, so that
// our services and Python oslo.messaging services can call each other.
//
// Layout on the broker (as upstream): the control exchange (topic type, default
// "magnum"); per served topic the shared queue `<topic>` and the per-server queue
// `<topic>.<server>`, both bound to it with their names as routing keys; the fanout
// exchange `<topic>_fanout` with a queue `<topic>_fanout_<hex>` per server. A Call
// publishes to the control exchange with `_msg_id` and `_reply_q` (this transport's queue
// `reply_<hex>`, declared on first use, x-expires as rabbit_transient_queues_ttl) and the
// AMQP expiration set to its timeout; the server replies through the default exchange.
// Messages are in oslo_envelope.h's format.
//
// Semantics (transport.h): Call and Cast fail with kUnavailable when no server consumes
// the topic's queue (a passive declare), when the broker stays unreachable for
// publish_timeout (or the call's timeout if shorter), or on a call timeout. A request is
// acknowledged only after its handler returned (and, for a call, after the reply was
// sent): a handler that records its work before returning never loses a request to a
// crash or a broker restart
// (with amqp_durable_queues the queues and their persistent messages survive a restart).
// Requests seen again (same _unique_id, e.g. redelivered after a reconnect) are
// acknowledged without running the handler again; a call's reply is sent again.
//
// One I/O thread owns the connection (librabbitmq is not thread-safe) and reconnects after
// a failure, trying the URL's hosts in turn, waiting rabbit_retry_interval +
// n * rabbit_retry_backoff seconds (at most rabbit_interval_max) between rounds, then
// declares everything again and resumes consuming. Handlers run on `dispatcher_threads`
// threads; the broker sends each server at most `prefetch` unacknowledged requests.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "magnum/rpc/transport.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {

struct RabbitOptions {
  TransportUrl url;
  std::string control_exchange = "magnum";
  std::string server;  // this process's name in `<topic>.<server>`; "" = no such queue
  // [oslo_messaging_rabbit] (upstream names and defaults unless noted)
  bool amqp_durable_queues = false;
  bool amqp_auto_delete = false;
  int rabbit_retry_interval = 1;           // seconds
  int rabbit_retry_backoff = 2;            // seconds added per failed round
  int rabbit_interval_max = 30;            // seconds
  int heartbeat_timeout_threshold = 60;    // seconds; 0 = no heartbeats
  int rabbit_qos_prefetch_count = 0;       // 0 = dispatcher_threads (upstream: unlimited)
  int rabbit_transient_queues_ttl = 1800;  // seconds (x-expires of reply/fanout queues)
  int dispatcher_threads = 8;              // [DEFAULT] executor_thread_pool_size (upstream 64)
  std::chrono::milliseconds connect_timeout{5000};
  // How long a call or cast waits for a connection to the broker before kUnavailable.
  std::chrono::milliseconds publish_timeout{10000};
};

std::unique_ptr<Transport> NewRabbitTransport(RabbitOptions options);

}  // namespace magnum::rpc
