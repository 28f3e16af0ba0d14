// RabbitTransport against a real RabbitMQ: the private node of scripts/rabbitmq/start.sh.
// These tests run from the ctest entry rpc.rabbit_broker (label multinode, fixture
// rabbitmq), which sets MAGNUM_RABBITMQ_STATE (the node's state directory, holding its
// URL) and MAGNUM_RABBITMQ_CTL (scripts/rabbitmq/ctl.sh, for the broker restart). Without
// them (a plain unit run) they are skipped.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "magnum/rpc/oslo_envelope.h"
#include "magnum/rpc/rabbit_transport.h"

namespace magnum::rpc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string BrokerUrl() {
  const char* state = std::getenv("MAGNUM_RABBITMQ_STATE");
  if (!state) return "";
  std::ifstream in(std::string(state) + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

class RabbitBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = BrokerUrl();
    if (url_.empty()) GTEST_SKIP() << "no broker (run through ctest -L multinode)";
    topic_ = "test-" + NewOsloId().substr(0, 12);
  }

  std::unique_ptr<Transport> Open(const std::string& server, bool durable = false,
                                  int threads = 4) {
    RabbitOptions o;
    auto parsed = ParseTransportUrl(url_);
    EXPECT_TRUE(parsed) << parsed.error().message();
    o.url = *parsed;
    // An exchange's durability is fixed when declared: one exchange per setting.
    o.control_exchange = durable ? "magnum-test-durable" : "magnum-test";
    o.server = server;
    o.amqp_durable_queues = durable;
    o.rabbit_retry_interval = 0;
    o.rabbit_retry_backoff = 1;
    o.rabbit_interval_max = 1;
    o.heartbeat_timeout_threshold = 10;
    o.dispatcher_threads = threads;
    o.publish_timeout = seconds(20);
    return NewRabbitTransport(std::move(o));
  }

  // Serve and wait until a call reaches the server (the consumer is up).
  void ServeAndWait(Transport* server, Transport* client, Handler h) {
    ASSERT_TRUE(server->Serve(topic_, std::move(h)));
    const auto until = Clock::now() + seconds(20);
    while (Clock::now() < until) {
      if (client->Call(topic_, "ping", "{}", seconds(5))) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "the server never answered";
  }

  std::string url_, topic_;
};

Result<std::string> Echo(const std::string& method, const std::string& payload) {
  if (method == "fail") return Fail(Error::NotFound("cluster x not found"));
  return std::string(R"({"method":")") + method + R"(","payload":)" + payload + "}";
}

TEST_F(RabbitBrokerTest, CallGetsTheReplyAndErrorsKeepTheirCode) {
  auto server = Open("s1"), client = Open("c1");
  ServeAndWait(server.get(), client.get(), Echo);
  auto r =
      client->Call(topic_, "echo", R"({"a":[1,2],"context":{"project_id":"p1"}})", seconds(10));
  ASSERT_TRUE(r) << r.error().message();
  // The context travels as _context_* keys (plus oslo.context's older "project" name).
  EXPECT_EQ(r->rfind(R"({"method":"echo","payload":{"a":[1,2],"context":{)", 0), 0u) << *r;
  EXPECT_NE(r->find(R"("project_id":"p1")"), std::string::npos) << *r;
  auto e = client->Call(topic_, "fail", "{}", seconds(10));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(e.error().message(), "cluster x not found");
}

TEST_F(RabbitBrokerTest, CastRunsTheHandler) {
  auto server = Open("s1"), client = Open("c1");
  std::promise<std::string> got;
  std::atomic<int> casts{0};
  ServeAndWait(server.get(), client.get(),
               [&](const std::string& m, const std::string& p) -> Result<std::string> {
                 if (m == "note" && casts++ == 0) got.set_value(p);
                 return std::string("null");
               });
  ASSERT_TRUE(client->Cast(topic_, "note", R"({"n":7})"));
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), R"({"n":7})");
}

TEST_F(RabbitBrokerTest, CallTimesOutAsUnavailable) {
  auto server = Open("s1"), client = Open("c1");
  ServeAndWait(server.get(), client.get(),
               [](const std::string& m, const std::string&) -> Result<std::string> {
                 if (m == "slow") std::this_thread::sleep_for(milliseconds(1500));
                 return std::string("null");
               });
  const auto t0 = Clock::now();
  auto r = client->Call(topic_, "slow", "{}", milliseconds(300));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - t0, milliseconds(1200));
  // The late reply is dropped; the next call gets its own.
  std::this_thread::sleep_for(milliseconds(1500));
  auto ok = client->Call(topic_, "quick", "{}", seconds(10));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, "null");
}

TEST_F(RabbitBrokerTest, NoServerIsUnavailableAtOnce) {
  auto client = Open("c1");
  const auto t0 = Clock::now();
  auto r = client->Call(topic_, "ping", "{}", seconds(10));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("no server is listening on topic " + topic_),
            std::string::npos)
      << r.error().message();
  EXPECT_LT(Clock::now() - t0, seconds(8));
  auto c = client->Cast(topic_, "ping", "{}");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kUnavailable);

  auto server = Open("s1");
  ServeAndWait(server.get(), client.get(), Echo);
  server->StopServing(topic_);
  auto after = client->Call(topic_, "ping", "{}", seconds(5));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), ErrorCode::kUnavailable);
}

TEST_F(RabbitBrokerTest, TwoServersShareTheTopic) {
  auto a = Open("a", false, 2), b = Open("b", false, 2), client = Open("c1");
  std::mutex mu;
  std::map<std::string, int> by_server;
  auto handler = [&](const std::string& name) {
    return [&, name](const std::string& m, const std::string&) -> Result<std::string> {
      if (m == "work") {
        std::this_thread::sleep_for(milliseconds(100));
        std::lock_guard<std::mutex> lock(mu);
        ++by_server[name];
      }
      return "\"" + name + "\"";
    };
  };
  ServeAndWait(a.get(), client.get(), handler("a"));
  ServeAndWait(b.get(), client.get(), handler("b"));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      if (client->Call(topic_, "work", "{}", seconds(20))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(by_server["a"] + by_server["b"], 16);
  EXPECT_GE(by_server["a"], 3);
  EXPECT_GE(by_server["b"], 3);
}

TEST_F(RabbitBrokerTest, PerServerQueueReachesThatServer) {
  auto a = Open("node-a"), b = Open("node-b"), client = Open("c1");
  ServeAndWait(a.get(), client.get(),
               [](const std::string&, const std::string&) -> Result<std::string> {
                 return std::string("\"a\"");
               });
  ServeAndWait(b.get(), client.get(),
               [](const std::string&, const std::string&) -> Result<std::string> {
                 return std::string("\"b\"");
               });
  for (int i = 0; i < 4; ++i) {
    auto r = client->Call(topic_ + ".node-b", "who", "{}", seconds(10));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, "\"b\"");
  }
}

TEST_F(RabbitBrokerTest, FailoverSkipsADeadHost) {
  // A first host where nothing listens: the transport goes on to the live one.
  std::string url = url_;
  url.replace(url.find("://") + 3, 0, "nobody:x@127.0.0.1:1,");
  auto parsed = ParseTransportUrl(url);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->hosts.size(), 2u);
  RabbitOptions o;
  o.url = *parsed;
  o.control_exchange = "magnum-test";
  auto client = NewRabbitTransport(o);
  auto server = Open("s1");
  ServeAndWait(server.get(), client.get(), Echo);
  auto r = client->Call(topic_, "echo", "{}", seconds(10));
  ASSERT_TRUE(r) << r.error().message();
}

// No broker at all (runs in every unit run): calls and casts fail with kUnavailable after
// publish_timeout, naming the cause and never the password.
TEST(RabbitTransportTest, UnreachableBrokerIsUnavailable) {
  auto parsed = ParseTransportUrl("rabbit://magnum:Zq9-SECRET@127.0.0.1:1,127.0.0.1:2/v");
  ASSERT_TRUE(parsed);
  RabbitOptions o;
  o.url = *parsed;
  o.rabbit_retry_interval = 0;
  o.rabbit_retry_backoff = 0;
  o.publish_timeout = milliseconds(800);
  o.connect_timeout = milliseconds(1000);
  auto t = NewRabbitTransport(o);
  const auto t0 = Clock::now();
  auto r = t->Call("magnum-conductor", "ping_conductor", "{}", seconds(30));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - t0, seconds(5));
  EXPECT_NE(r.error().message().find("cannot connect to RabbitMQ at 127.0.0.1:"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find("Zq9-SECRET"), std::string::npos);
  auto c = t->Cast("magnum-conductor", "ping_conductor", "{}");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kUnavailable);
  // Serving waits for the broker no longer than connect_timeout; shutting down with
  // nothing connected is prompt.
  const auto serve_t0 = Clock::now();
  EXPECT_TRUE(t->Serve("magnum-conductor", Echo));
  EXPECT_LT(Clock::now() - serve_t0, milliseconds(2500));
  t->Shutdown();
  EXPECT_LT(Clock::now() - t0, seconds(8));
}

// Serve returns once its consumer is there, even on a transport just opened (its first
// connection still being made): a call made at once reaches it, with no "no server is
// listening". A conductor heartbeats after Serve, so "up" in mservices means it takes calls.
TEST_F(RabbitBrokerTest, ServeReturnsOnceConsumingSoACallAtOnceIsServed) {
  auto client = Open("c1");
  for (int i = 0; i < 3; ++i) {
    auto server = Open("s" + std::to_string(i));
    ASSERT_TRUE(server->Serve(topic_, Echo));
    auto r = client->Call(topic_, "echo", "{}", seconds(10));
    ASSERT_TRUE(r) << "round " << i << ": " << r.error().message();
    server->Shutdown();
  }
}

void Ctl(const char* what) {
  const char* ctl = std::getenv("MAGNUM_RABBITMQ_CTL");
  ASSERT_NE(ctl, nullptr);
  std::string cmd = std::string(ctl) + " " + what + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// Casts queued in durable queues survive a broker restart; each runs exactly once (a
// redelivered request already handled here is acknowledged without running again), and
// calls work again once the transport has reconnected.
TEST_F(RabbitBrokerTest, BrokerRestartReconnectsWithoutLosingWork) {
  if (!std::getenv("MAGNUM_RABBITMQ_CTL")) GTEST_SKIP() << "MAGNUM_RABBITMQ_CTL unset";
  auto server = Open("s1", /*durable=*/true, /*threads=*/1), client = Open("c1", true);
  std::mutex mu;
  std::map<int, int> runs;
  ServeAndWait(server.get(), client.get(),
               [&](const std::string& m, const std::string& p) -> Result<std::string> {
                 if (m == "job") {
                   std::this_thread::sleep_for(milliseconds(300));
                   std::lock_guard<std::mutex> lock(mu);
                   ++runs[std::atoi(p.c_str() + p.find(':') + 1)];
                 }
                 return std::string("null");
               });
  constexpr int kJobs = 12;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(client->Cast(topic_, "job", "{\"n\":" + std::to_string(i) + "}"));
  }
  std::this_thread::sleep_for(milliseconds(500));  // some run, most wait in the queue
  Ctl("stop_app");
  Ctl("start_app");
  const auto until = Clock::now() + seconds(60);
  Result<std::string> r = Fail(Error::Unavailable("not tried"));
  while (Clock::now() < until) {
    r = client->Call(topic_, "ping", "{}", seconds(5));
    if (r) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_TRUE(r) << "no call succeeded after the restart: " << r.error().message();
  while (Clock::now() < until) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (runs.size() == kJobs) break;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::this_thread::sleep_for(milliseconds(500));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(runs.size(), static_cast<size_t>(kJobs)) << "jobs lost in the restart";
  for (auto& [n, count] : runs) EXPECT_EQ(count, 1) << "job " << n << " ran " << count << " times";
}

}  // namespace
}  // namespace magnum::rpc
