// rpc/notifier.h: the oslo.messaging notification message and envelope, the drivers
// (messagingv2, messaging, log, noop) over a fake publisher, the configuration
// ([oslo_messaging_notifications]), and the RabbitMQ publisher when the broker is away
// (never blocks, bounded). The publisher against a real broker is in
// tests/integration/test_notifications.py (a Python oslo.messaging listener).
#include "magnum/rpc/notifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include <unistd.h>

#include "magnum/config/config.h"
#include "magnum/rpc/rabbit_notify_publisher.h"

namespace magnum::rpc {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

struct Published {
  std::string exchange, routing_key, body;
};

class FakePublisher final : public NotificationPublisher {
 public:
  explicit FakePublisher(std::vector<Published>* out) : out_(out) {}
  bool Publish(const std::string& exchange, const std::string& routing_key,
               std::string body) override {
    out_->push_back({exchange, routing_key, std::move(body)});
    return true;
  }

 private:
  std::vector<Published>* out_;
};

Notification Sample(const std::string& priority = "INFO") {
  Notification n;
  n.publisher_id = "container-infra.ctl-1";
  n.event_type = "magnum.cluster.create";
  n.priority = priority;
  n.payload = R"({"action":"create","outcome":"pending"})";
  n.context = R"({"user_id":"u1","project_id":"p1","auth_token":null})";
  return n;
}

std::unique_ptr<Notifier> Make(std::vector<std::string> drivers, std::vector<Published>* out,
                               std::vector<std::string> topics = {"notifications"}) {
  NotifierOptions o;
  o.drivers = std::move(drivers);
  o.topics = std::move(topics);
  auto n = NewNotifier(std::move(o), std::make_unique<FakePublisher>(out));
  EXPECT_TRUE(n) << n.error().message();
  return n ? std::move(*n) : nullptr;
}

TEST(NotifierTest, EnvelopeHoldsTheOsloMessage) {
  auto body = EncodeNotificationEnvelope(Sample(), "m-1", "2026-12-05 01:26:33.634233", "u-1");
  ASSERT_TRUE(body) << body.error().message();
  Json env = Json::parse(*body);
  ASSERT_EQ(env.size(), 2u) << *body;
  EXPECT_EQ(env["oslo.version"], "2.0");
  ASSERT_TRUE(env["oslo.message"].is_string()) << "the message travels as JSON text";
  Json msg = Json::parse(env["oslo.message"].get<std::string>());
  EXPECT_EQ(msg["message_id"], "m-1");
  EXPECT_EQ(msg["publisher_id"], "container-infra.ctl-1");
  EXPECT_EQ(msg["event_type"], "magnum.cluster.create");
  EXPECT_EQ(msg["priority"], "INFO");
  EXPECT_EQ(msg["timestamp"], "2026-12-05 01:26:33.634233");
  EXPECT_EQ(msg["payload"], Json::parse(Sample().payload)) << "a JSON object, not text";
  EXPECT_EQ(msg["_unique_id"], "u-1");
  EXPECT_EQ(msg["_context_user_id"], "u1");
  EXPECT_EQ(msg["_context_project_id"], "p1");
  EXPECT_TRUE(msg["_context_auth_token"].is_null());
  EXPECT_FALSE(msg.contains("context"));
}

TEST(NotifierTest, MessageFormatOneHasNoEnvelopeAndBadInputIsRefused) {
  auto body = EncodeNotificationMessage(Sample(), "m-1", "t", "u-1");
  ASSERT_TRUE(body);
  Json msg = Json::parse(*body);
  EXPECT_FALSE(msg.contains("oslo.version"));
  EXPECT_EQ(msg["event_type"], "magnum.cluster.create");
  Notification bad = Sample();
  bad.payload = "{not json";
  EXPECT_FALSE(EncodeNotificationMessage(bad, "m", "t", "u"));
  bad = Sample();
  bad.context = "[1]";
  EXPECT_FALSE(EncodeNotificationEnvelope(bad, "m", "t", "u"));
}

TEST(NotifierTest, TimestampAndMessageIdAsPythonPrintsThem) {
  using std::chrono::system_clock;
  const auto t = system_clock::time_point(std::chrono::seconds(1796347593)) + 634233us;
  EXPECT_EQ(NotificationTimestamp(t), "2026-12-04 01:26:33.634233");
  EXPECT_EQ(NotificationTimestamp(system_clock::time_point(std::chrono::seconds(1796347593))),
            "2026-12-04 01:26:33")
      << "str(datetime) leaves out a zero fraction";
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::string a = NewMessageId(), b = NewMessageId();
  EXPECT_TRUE(std::regex_match(a, uuid4)) << a;
  EXPECT_NE(a, b);
}

TEST(NotifierTest, MessagingV2PublishesToEveryTopicWithThePriorityInTheRoutingKey) {
  std::vector<Published> out;
  auto n = Make({"messagingv2"}, &out, {"notifications", "audit"});
  n->Notify(Sample("INFO"));
  n->Notify(Sample("ERROR"));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].exchange, "magnum");
  EXPECT_EQ(out[0].routing_key, "notifications.info");
  EXPECT_EQ(out[1].routing_key, "audit.info");
  EXPECT_EQ(out[2].routing_key, "notifications.error");
  EXPECT_EQ(out[3].routing_key, "audit.error");
  Json first = Json::parse(Json::parse(out[0].body)["oslo.message"].get<std::string>());
  Json second = Json::parse(Json::parse(out[1].body)["oslo.message"].get<std::string>());
  EXPECT_EQ(first["message_id"], second["message_id"]) << "one notification, two topics";
  EXPECT_NE(first["_unique_id"], second["_unique_id"]) << "one AMQP message each";
  Json error = Json::parse(Json::parse(out[2].body)["oslo.message"].get<std::string>());
  EXPECT_EQ(error["priority"], "ERROR");
  EXPECT_NE(error["message_id"], first["message_id"]);
}

TEST(NotifierTest, MessagingSendsFormatOneAndLogAndNoopPublishNothing) {
  std::vector<Published> out;
  Make({"messaging"}, &out)->Notify(Sample());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(Json::parse(out[0].body).contains("oslo.version"));
  EXPECT_EQ(Json::parse(out[0].body)["event_type"], "magnum.cluster.create");
  out.clear();
  Make({"log", "noop"}, &out)->Notify(Sample());
  EXPECT_TRUE(out.empty());
}

TEST(NotifierTest, UnknownDriverOrMissingBrokerIsRefused) {
  NotifierOptions o;
  o.drivers = {"routing"};
  auto n = NewNotifier(o, nullptr);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message().find("routing"), std::string::npos) << n.error().message();
  o.drivers = {"messagingv2"};
  EXPECT_FALSE(NewNotifier(o, nullptr)) << "messagingv2 needs a publisher";
}

class NotifierConfigTest : public ::testing::Test {
 protected:
  Result<config::Config> Load(const std::string& text) {
    const std::string path =
        ::testing::TempDir() + "notifier_test_" + std::to_string(getpid()) + ".conf";
    std::ofstream(path) << text;
    auto c = config::Load({path});
    std::remove(path.c_str());
    return c;
  }
};

TEST_F(NotifierConfigTest, UpstreamOptionsAndDefaults) {
  auto c = Load("[DEFAULT]\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->notification_drivers.empty()) << "off unless configured, as oslo";
  EXPECT_EQ(c->notification_topics, std::vector<std::string>{"notifications"});
  EXPECT_EQ(c->notification_retry, -1);
  auto off = OpenNotifier(*c);
  ASSERT_TRUE(off);
  EXPECT_EQ(*off, nullptr);

  c = Load(
      "[oslo_messaging_notifications]\ndriver = messagingv2\ndriver = log, noop\n"
      "topics = notifications, audit\ntransport_url = rabbit://u:p@127.0.0.1:1/v\nretry = 3\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->notification_drivers, (std::vector<std::string>{"messagingv2", "log", "noop"}))
      << "repeated lines accumulate (a MultiStrOpt)";
  EXPECT_EQ(c->notification_topics, (std::vector<std::string>{"notifications", "audit"}));
  EXPECT_EQ(c->notification_transport_url, "rabbit://u:p@127.0.0.1:1/v");
  EXPECT_EQ(c->notification_retry, 3);
  EXPECT_TRUE(c->warnings.empty());
}

TEST_F(NotifierConfigTest, UnknownDriverIsAConfigurationError) {
  auto c = Load("[oslo_messaging_notifications]\ndriver = kafka\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("[oslo_messaging_notifications] driver"), std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("messagingv2"), std::string::npos);
}

TEST_F(NotifierConfigTest, MessagingWithoutABrokerIsRefusedLogAndNoopNeedNone) {
  auto c = Load("[oslo_messaging_notifications]\ndriver = messagingv2\n");
  ASSERT_TRUE(c);
  auto n = OpenNotifier(*c);
  ASSERT_FALSE(n) << "the in-process bus carries no notifications";
  EXPECT_NE(n.error().message().find("transport_url"), std::string::npos) << n.error().message();

  c = Load("[oslo_messaging_notifications]\ndriver = noop\n");
  ASSERT_TRUE(c);
  n = OpenNotifier(*c);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, nullptr) << "noop alone sends nothing";

  c = Load("[oslo_messaging_notifications]\ndriver = log\n");
  ASSERT_TRUE(c);
  n = OpenNotifier(*c);
  ASSERT_TRUE(n);
  EXPECT_NE(*n, nullptr);

  c = Load("[oslo_messaging_notifications]\ndriver = messagingv2\n"
           "transport_url = rabbit://user:secret@[::1/v\n");
  ASSERT_TRUE(c);
  n = OpenNotifier(*c);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().message().find("secret"), std::string::npos) << n.error().message();
}

TEST_F(NotifierConfigTest, DefaultTransportUrlServesNotificationsToo) {
  // [DEFAULT] transport_url is used when the section names none (nothing listens on port 1:
  // opening does not connect, and notifying never blocks).
  auto c = Load("[DEFAULT]\ntransport_url = rabbit://u:p@127.0.0.1:1/\n"
                "[oslo_messaging_notifications]\ndriver = messagingv2\n");
  ASSERT_TRUE(c);
  auto n = OpenNotifier(*c);
  ASSERT_TRUE(n) << n.error().message();
  ASSERT_NE(*n, nullptr);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) (*n)->Notify(Sample());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

// Broker away: Publish never blocks, at most max_buffered bodies are kept, and the
// publisher stops within its drain timeout (plus one connection attempt).
TEST(RabbitNotifyPublisherTest, UnreachableBrokerNeitherBlocksNorGrowsWithoutBound) {
  RabbitNotifyOptions o;
  auto url = ParseTransportUrl("rabbit://u:p@127.0.0.1:1/");
  ASSERT_TRUE(url);
  o.url = *url;
  o.max_buffered = 5;
  o.retry_interval = 0;
  o.retry_backoff = 0;
  o.connect_timeout = 200ms;
  o.drain_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  {
    auto p = NewRabbitNotificationPublisher(o);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_TRUE(p->Publish("magnum", "notifications.info", std::string(100, 'x')));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "never waits for the broker";
    EXPECT_LE(p->Pending(), 5u) << "the oldest are dropped";
    EXPECT_GE(p->Pending(), 4u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "stops within its drain timeout";
}

}  // namespace
}  // namespace magnum::rpc
