// One AMQP 0-9-1 connection to RabbitMQ over librabbitmq (rabbitmq-c): the few operations
// the oslo.messaging wire format needs. Channel 1 carries declarations, consumers,
// publishes and acks; channel 2 only passive queue checks (a failed check closes it, and
// it is reopened).
//
// NOT thread-safe: one thread (RabbitTransport's I/O thread) owns a connection. Any error
// that leaves the connection unusable is kUnavailable; the owner then drops the object and
// opens a new one. librabbitmq types stay out of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "magnum/common/error.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {

struct ExchangeSpec {
  std::string name;
  std::string type;  // "topic", "direct" or "fanout"
  bool durable = false;
  bool auto_delete = false;
};

struct QueueSpec {
  std::string name;
  bool durable = false;
  bool auto_delete = false;
  int64_t expires_ms = 0;  // x-expires; 0 = none
};

struct Delivery {
  uint64_t delivery_tag = 0;
  std::string consumer_tag;
  std::string exchange;
  std::string routing_key;
  std::string body;
  bool redelivered = false;
};

class AmqpConnection {
 public:
  // Connects (TCP within `connect_timeout`), logs in (PLAIN) to `vhost` with `heartbeat`
  // seconds (0 = none) and opens both channels; over TLS when `tls.enabled` (rpc/amqp_tls.h).
  // kUnavailable with the broker's (or the TLS handshake's) reason; messages never hold the
  // password.
  static Result<std::unique_ptr<AmqpConnection>> Open(const BrokerHost& host,
                                                      const std::string& vhost, int heartbeat,
                                                      std::chrono::milliseconds connect_timeout,
                                                      const AmqpTls& tls = AmqpTls{});
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  // "host:port" (for logs).
  const std::string& peer() const { return peer_; }
  // False once an operation failed in a way that ends the connection.
  bool usable() const;

  Result<void> DeclareExchange(const ExchangeSpec& e);
  Result<void> DeclareQueue(const QueueSpec& q);
  Result<void> Bind(const std::string& queue, const std::string& exchange,
                    const std::string& routing_key);
  Result<void> Qos(uint16_t prefetch_count);
  // Starts a consumer; returns its tag.
  Result<std::string> Consume(const std::string& queue, bool no_ack);
  Result<void> Cancel(const std::string& consumer_tag);

  // A persistent JSON message (content_type application/json, utf-8, delivery_mode 2);
  // `expiration_ms` > 0 sets the AMQP expiration property.
  Result<void> Publish(const std::string& exchange, const std::string& routing_key,
                       const std::string& body, int64_t expiration_ms);
  Result<void> Ack(uint64_t delivery_tag);
  Result<void> Reject(uint64_t delivery_tag, bool requeue);

  // Consumers of `queue` (passive declare on channel 2); std::nullopt if the queue does
  // not exist.
  Result<std::optional<uint32_t>> ConsumerCount(const std::string& queue);

  // Waits up to `timeout` for the socket (or `wake_fd`, when >= 0 and readable) and
  // returns the next delivery if one arrived; std::nullopt otherwise. Sends and checks
  // heartbeats. kUnavailable when the connection is lost or closed by the broker.
  Result<std::optional<Delivery>> Next(std::chrono::milliseconds timeout, int wake_fd);

  // Closes politely (best effort).
  void Close();

 private:
  struct State;
  explicit AmqpConnection(std::unique_ptr<State> s, std::string peer);
  std::unique_ptr<State> s_;
  std::string peer_;
};

}  // namespace magnum::rpc
