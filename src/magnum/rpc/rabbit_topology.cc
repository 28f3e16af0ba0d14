#include "magnum/rpc/rabbit_topology.h"

#include <algorithm>

#include "magnum/rpc/oslo_envelope.h"

namespace magnum::rpc {

Result<void> RabbitTopology::SetUp(AmqpConnection* c, const std::vector<std::string>& topics) {
  MAGNUM_RETURN_IF_ERROR(c->DeclareExchange(
      {o_.control_exchange, "topic", o_.amqp_durable_queues, o_.amqp_auto_delete}));
  const int prefetch =
      o_.rabbit_qos_prefetch_count > 0 ? o_.rabbit_qos_prefetch_count : o_.dispatcher_threads;
  MAGNUM_RETURN_IF_ERROR(c->Qos(static_cast<uint16_t>(std::min(prefetch, 65535))));
  if (reply_wanted_) MAGNUM_RETURN_IF_ERROR(EnsureReplyQueue(c));
  for (const auto& t : topics) MAGNUM_RETURN_IF_ERROR(Subscribe(c, t));
  return {};
}

void RabbitTopology::Reset() {
  reply_tag_.clear();
  tag_topics_.clear();
  topic_tags_.clear();
}

Result<void> RabbitTopology::EnsureReplyQueue(AmqpConnection* c) {
  if (!reply_tag_.empty()) return {};
  // As upstream's reply queues: not durable, not auto-deleted, expiring when unused.
  MAGNUM_RETURN_IF_ERROR(
      c->DeclareQueue({reply_q_, false, false, int64_t{o_.rabbit_transient_queues_ttl} * 1000}));
  MAGNUM_ASSIGN_OR_RETURN(reply_tag_, c->Consume(reply_q_, /*no_ack=*/true));
  reply_wanted_ = true;
  return {};
}

Result<void> RabbitTopology::Subscribe(AmqpConnection* c, const std::string& topic) {
  for (const auto& [t, tag] : topic_tags_) {
    if (t == topic) return {};  // already consuming on this connection
  }
  std::vector<std::string> queues = {topic};
  if (!o_.server.empty()) queues.push_back(topic + "." + o_.server);
  for (const auto& q : queues) {
    MAGNUM_RETURN_IF_ERROR(c->DeclareQueue({q, o_.amqp_durable_queues, o_.amqp_auto_delete}));
    MAGNUM_RETURN_IF_ERROR(c->Bind(q, o_.control_exchange, q));
  }
  const std::string fanout = topic + "_fanout";
  std::string& fanout_q = fanout_queues_[topic];
  if (fanout_q.empty()) fanout_q = fanout + "_" + NewOsloId();
  MAGNUM_RETURN_IF_ERROR(c->DeclareExchange({fanout, "fanout", false, true}));
  MAGNUM_RETURN_IF_ERROR(
      c->DeclareQueue({fanout_q, false, false, int64_t{o_.rabbit_transient_queues_ttl} * 1000}));
  MAGNUM_RETURN_IF_ERROR(c->Bind(fanout_q, fanout, topic));
  queues.push_back(fanout_q);
  for (const auto& q : queues) {
    MAGNUM_ASSIGN_OR_RETURN(std::string tag, c->Consume(q, /*no_ack=*/false));
    tag_topics_[tag] = topic;
    topic_tags_.emplace_back(topic, tag);
  }
  return {};
}

Result<void> RabbitTopology::Unsubscribe(AmqpConnection* c, const std::string& topic) {
  for (auto it = topic_tags_.begin(); it != topic_tags_.end();) {
    if (it->first != topic) {
      ++it;
      continue;
    }
    tag_topics_.erase(it->second);
    MAGNUM_RETURN_IF_ERROR(c->Cancel(it->second));
    it = topic_tags_.erase(it);
  }
  return {};
}

const std::string* RabbitTopology::TopicOf(const std::string& consumer_tag) const {
  auto it = tag_topics_.find(consumer_tag);
  return it == tag_topics_.end() ? nullptr : &it->second;
}

}  // namespace magnum::rpc
