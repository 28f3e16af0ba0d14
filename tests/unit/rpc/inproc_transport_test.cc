#include "magnum/rpc/inproc_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "magnum/rpc/messages.h"

namespace magnum::rpc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(InprocTransportTest, CallRoundTrip) {
  auto t = NewInprocTransport(2);
  ASSERT_TRUE(t->Serve(
      "topic", [](const std::string& method, const std::string& payload) -> Result<std::string> {
        return std::string(R"({"method":")") + method + R"(","payload":)" + payload + "}";
      }));
  auto r = t->Call("topic", "echo", R"({"a":[1,2]})", seconds(5));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, R"({"method":"echo","payload":{"a":[1,2]}})");
}

TEST(InprocTransportTest, EveryErrorCodeSurvivesTheWire) {
  auto t = NewInprocTransport(1);
  ASSERT_TRUE(
      t->Serve("topic", [](const std::string& method, const std::string&) -> Result<std::string> {
        auto code = ErrorCodeFromName(method);
        return Fail(Error(*code, "message for " + method + " with \"quotes\" and ünïcode"));
      }));
  for (ErrorCode c :
       {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kAlreadyExists,
        ErrorCode::kConflict, ErrorCode::kPermissionDenied, ErrorCode::kUnauthenticated,
        ErrorCode::kNotAcceptable, ErrorCode::kMethodNotAllowed, ErrorCode::kPayloadTooLarge,
        ErrorCode::kFailedPrecondition, ErrorCode::kUnavailable, ErrorCode::kInternal,
        ErrorCode::kUnsupportedMediaType}) {
    std::string name(ErrorCodeName(c));
    auto r = t->Call("topic", name, "{}", seconds(5));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), c) << name;
    EXPECT_EQ(r.error().message(), "message for " + name + " with \"quotes\" and ünïcode");
  }
}

// The queue is bounded: with the only dispatcher busy, requests beyond `max_queued` fail at
// once (503 at the API) instead of piling up; once it drains, requests go through again.
TEST(InprocTransportTest, QueueBeyondTheBoundIsRefusedNotGrown) {
  auto t = NewInprocTransport(1, 3);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> handled{0};
  ASSERT_TRUE(t->Serve("topic", [&](const std::string&, const std::string&) -> Result<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    ++handled;
    return std::string("{}");
  }));
  ASSERT_TRUE(t->Cast("topic", "block", "{}"));  // taken by the dispatcher (or queued)
  int accepted = 1;
  Result<void> last;
  for (int i = 0; i < 10; ++i) {
    last = t->Cast("topic", "more", "{}");
    if (!last) break;
    ++accepted;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(last.error().message().find("overloaded"), std::string::npos);
  EXPECT_LE(accepted, 4);  // 3 queued + at most 1 running
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  // Once the queue has drained, requests are taken again.
  const auto until = std::chrono::steady_clock::now() + seconds(5);
  while (handled.load() < accepted && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(handled.load(), accepted);
  auto r = t->Call("topic", "after", "{}", seconds(5));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(handled.load(), accepted + 1);
}

TEST(InprocTransportTest, CastIsDeliveredWithoutReply) {
  auto t = NewInprocTransport(1);
  std::promise<std::string> got;
  ASSERT_TRUE(t->Serve(
      "topic", [&](const std::string& method, const std::string& payload) -> Result<std::string> {
        got.set_value(method + payload);
        return Fail(Error::Internal("ignored for a cast"));
      }));
  ASSERT_TRUE(t->Cast("topic", "note", R"({"x":1})"));
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get(), R"(note{"x":1})");
}

TEST(InprocTransportTest, TransportFailuresAreUnavailable) {
  auto t = NewInprocTransport(1);
  auto none = t->Call("nobody", "m", "{}", seconds(1));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(t->Cast("nobody", "m", "{}"));

  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ASSERT_TRUE(t->Serve("slow", [&](const std::string&, const std::string&) -> Result<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    return std::string("null");
  }));
  auto late = t->Call("slow", "m", "{}", milliseconds(50));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), ErrorCode::kUnavailable);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  auto dup = t->Serve("slow", [](const std::string&, const std::string&) -> Result<std::string> {
    return std::string("null");
  });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  t->Shutdown();
  auto after = t->Call("slow", "m", "{}", seconds(1));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), ErrorCode::kUnavailable);
}

TEST(InprocTransportTest, BadReplyAndThrowingHandlerBecomeInternal) {
  auto t = NewInprocTransport(1);
  ASSERT_TRUE(t->Serve("bad", [](const std::string& m, const std::string&) -> Result<std::string> {
    if (m == "throw") throw std::runtime_error("boom");
    return std::string("not json");
  }));
  auto r1 = t->Call("bad", "reply", "{}", seconds(5));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code(), ErrorCode::kInternal);
  auto r2 = t->Call("bad", "throw", "{}", seconds(5));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r2.error().message().find("boom"), std::string::npos);
}

TEST(InprocTransportTest, DispatchersRunRequestsInParallel) {
  auto t = NewInprocTransport(3);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  ASSERT_TRUE(t->Serve("p", [&](const std::string&, const std::string&) -> Result<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    ++inside;
    cv.notify_all();
    if (!cv.wait_for(lock, seconds(5), [&] { return inside >= 3; })) {
      return Fail(Error::Internal("requests did not run in parallel"));
    }
    return std::string("true");
  }));
  std::vector<std::future<Result<std::string>>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return t->Call("p", "m", "{}", seconds(10)); }));
  }
  for (auto& c : calls) {
    auto r = c.get();
    EXPECT_TRUE(r) << r.error().message();
  }
}

TEST(InprocTransportTest, StopServingWaitsForRunningHandlers) {
  auto t = NewInprocTransport(2);
  std::atomic<bool> finished{false};
  std::promise<void> entered;
  ASSERT_TRUE(t->Serve("s", [&](const std::string&, const std::string&) -> Result<std::string> {
    entered.set_value();
    std::this_thread::sleep_for(milliseconds(100));  // simulated work, not a wait
    finished = true;
    return std::string("null");
  }));
  ASSERT_TRUE(t->Cast("s", "m", "{}"));
  entered.get_future().wait();
  t->StopServing("s");
  EXPECT_TRUE(finished.load());
  auto r = t->Call("s", "m", "{}", seconds(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST(InprocTransportTest, Urls) {
  EXPECT_TRUE(IsInprocTransportUrl(""));
  EXPECT_TRUE(IsInprocTransportUrl("inproc://"));
  EXPECT_TRUE(IsInprocTransportUrl("inproc://magnum"));
  EXPECT_FALSE(IsInprocTransportUrl("rabbit://guest:guest@localhost:5672/"));
}

}  // namespace
}  // namespace magnum::rpc
