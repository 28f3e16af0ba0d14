// What RabbitTransport declares on the broker and consumes from (oslo.messaging's layout,
// rabbit_transport.h): the control exchange, this transport's reply queue, and per served
// topic the queues `<topic>`, `<topic>.<server>` and `<topic>_fanout_<hex>` with their
// consumers. Remembers the consumer tags of the current connection so that deliveries are
// told apart. Used by the transport's I/O thread only (not thread-safe).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/rpc/amqp_connection.h"
#include "magnum/rpc/rabbit_transport.h"

namespace magnum::rpc {

class RabbitTopology {
 public:
  RabbitTopology(const RabbitOptions& options, std::string reply_q)
      : o_(options), reply_q_(std::move(reply_q)) {}

  // On a new connection: the exchange, the prefetch limit, the reply queue if it was ever
  // used, and `topics`.
  Result<void> SetUp(AmqpConnection* c, const std::vector<std::string>& topics);
  // The connection is gone: nothing is declared or consumed any more.
  void Reset();

  // Declares and consumes the reply queue (once per connection).
  Result<void> EnsureReplyQueue(AmqpConnection* c);
  // Declares the topic's queues and consumes from them (no-op when already consuming).
  Result<void> Subscribe(AmqpConnection* c, const std::string& topic);
  // Cancels the topic's consumers (its queues stay for other servers).
  Result<void> Unsubscribe(AmqpConnection* c, const std::string& topic);

  bool IsReply(const std::string& consumer_tag) const {
    return !reply_tag_.empty() && consumer_tag == reply_tag_;
  }
  // The topic a consumer serves, or nullptr (a cancelled consumer's late delivery).
  const std::string* TopicOf(const std::string& consumer_tag) const;

 private:
  const RabbitOptions& o_;
  const std::string reply_q_;
  bool reply_wanted_ = false;                      // a call was made once: redeclare on reconnect
  std::string reply_tag_;                          // "" = not consumed on this connection
  std::map<std::string, std::string> tag_topics_;  // consumer tag -> topic
  std::vector<std::pair<std::string, std::string>> topic_tags_;  // (topic, tag)
  std::map<std::string, std::string> fanout_queues_;             // topic -> its fanout queue
};

}  // namespace magnum::rpc
