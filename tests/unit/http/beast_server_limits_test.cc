// Tests of the server's strict HTTP checks and limits (issue 9): transfer codings, Host,
// invalid UTF-8 targets, header/body timeouts, the connection limit, header size limits,
// the worker queue bound, and the memory the server gives back after large requests.
// A real server on 127.0.0.1, port 0, with short timeouts so every test is quick.

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "magnum/http/message.h"
#include "magnum/http/server.h"
#include "unit/http/http_test_util.h"

namespace magnum::http {
namespace {

using namespace std::chrono_literals;
using namespace magnum::http::test;  // NOLINT: test helpers

// Polls `pred` every 20 ms for up to `timeout`.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

class LimitsTest : public BeastServerTest {
 protected:
  void StartStrict(ServerOptions options = {}) {
    options.error_renderer = JsonErrorRenderer;
    StartServer(options);
  }

  // Sends `raw` on a fresh connection; expects `status` in the API error format with a
  // request id, the connection closed after it, and the handler not called.
  void ExpectRefused(const std::string& raw, int status, const std::string& detail_part = "") {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(raw));
    auto r = client.Read();
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->status, status) << raw << "\n" << r->body;
    EXPECT_EQ(r->Header("Content-Type"), "application/json") << raw;
    EXPECT_NE(r->body.find("\"status\": " + std::to_string(status)), std::string::npos) << r->body;
    if (!detail_part.empty()) {
      EXPECT_NE(r->body.find(detail_part), std::string::npos) << r->body;
    }
    auto id = r->Header("x-openstack-request-id");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->rfind("req-", 0), 0u) << *id;
    EXPECT_TRUE(client.WaitClosed()) << raw;
    EXPECT_EQ(recorder_.Count(), 0u) << raw;
  }
};

std::string Chunked(std::string_view coding) {
  return "POST /v1/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: " + std::string(coding) +
         "\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
}

// Beast 1.81 ignores unknown codings (and reads no body unless `chunked` is the last one),
// so the body would have been parsed as the next request: request smuggling.
TEST_F(LimitsTest, UnknownTransferCodingsGet501NamingTheCoding) {
  StartStrict();
  ExpectRefused(Chunked("xchunked"), 501, "'xchunked'");
  ExpectRefused(Chunked("gzip"), 501, "'gzip'");
  ExpectRefused(Chunked("gzip, chunked"), 501, "'gzip'");
  ExpectRefused(Chunked("identity"), 501, "'identity'");
  ExpectRefused(Chunked("chunked, chunked"), 501, "more than once");
  ExpectRefused(Chunked("chunked, br"), 501, "'br'");
}

TEST_F(LimitsTest, ExactlyChunkedIsServed) {
  StartStrict();
  for (const char* coding : {"chunked", "Chunked", "chunked "}) {
    auto r = RoundTrip(Chunked(coding));
    ASSERT_TRUE(r) << coding;
    EXPECT_EQ(r->status, 200) << coding;
    EXPECT_EQ(r->body, "hello");
  }
}

TEST_F(LimitsTest, TransferEncodingWithContentLengthGets400) {
  StartStrict();
  // Content-Length after a coding Beast does not know: Beast accepts it; we do not.
  ExpectRefused(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
      400, "together");
  // Content-Length first, or after chunked: Beast's own 400.
  ExpectRefused(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n",
      400);
  ExpectRefused(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n",
      400);
}

TEST_F(LimitsTest, Http10WithTransferEncodingGets400) {
  StartStrict();
  ExpectRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                400, "HTTP/1.0");
}

TEST_F(LimitsTest, UnsupportedHttpVersionIsRefused) {
  StartStrict();
  ExpectRefused("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 400);  // Beast: bad version
  ExpectRefused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 400);
}

TEST_F(LimitsTest, Http11NeedsExactlyOneHost) {
  StartStrict();
  ExpectRefused("GET / HTTP/1.1\r\n\r\n", 400, "Missing Host");
  ExpectRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "More than one Host");
  // HTTP/1.0 needs none.
  auto r = RoundTrip("GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(LimitsTest, InvalidUtf8TargetsGet400) {
  StartStrict();
  for (const char* target : {"/v1/clustertemplates/%ff", "/v1/clusters?sort_key=%c3%28",
                             "/v1/%c0%af", "/v1/%ed%a0%80", "/v1/clusters/a%00b"}) {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(MakeRequest("GET", target)));
    auto r = client.Read();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_NE(r->body.find("Invalid request target"), std::string::npos) << r->body;
    EXPECT_TRUE(r->Header("x-openstack-request-id"));
  }
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(LimitsTest, ConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout) {
  ServerOptions options;
  options.header_timeout_seconds = 1;
  options.idle_timeout_seconds = 60;
  StartStrict(options);
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitClosed());
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 700ms);
  EXPECT_LT(waited, 4s);
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_connections == 0; }));
}

TEST_F(LimitsTest, SlowHeaderIsClosedAfterTheHeaderTimeout) {
  ServerOptions options;
  options.header_timeout_seconds = 1;
  StartStrict(options);
  TestClient client(port_);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHo"));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(client.Send("st: x\r\n"));  // still trickling: the timeout is not reset
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(LimitsTest, KeptAliveConnectionGetsTheIdleTimeoutBeforeItsNextRequest) {
  ServerOptions options;
  options.header_timeout_seconds = 1;
  options.idle_timeout_seconds = 60;
  StartStrict(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/one")));
  auto r1 = client.Read();
  ASSERT_TRUE(r1);
  std::this_thread::sleep_for(1500ms);  // longer than the header timeout: still open
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/two")));
  auto r2 = client.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(recorder_.Count(), 2u);
}

TEST_F(LimitsTest, SlowBodyIsClosedAfterTheBodyTimeout) {
  ServerOptions options;
  options.body_timeout_seconds = 1;
  StartStrict(options);
  TestClient client(port_);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab"));
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(LimitsTest, ConnectionsAboveTheLimitGet503AndAreClosed) {
  ServerOptions options;
  options.max_connections = 4;
  StartStrict(options);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(held.back()->Send(MakeRequest("GET", "/held")));  // served: it is counted
    auto r = held.back()->Read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  EXPECT_EQ(server_->stats().open_connections, 4);
  {
    TestClient fifth(port_);
    ASSERT_TRUE(fifth.connected());
    auto r = fifth.Read();  // answered without sending anything
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->Header("Content-Type"), "application/json");
    EXPECT_NE(r->body.find("Too many connections"), std::string::npos) << r->body;
    EXPECT_TRUE(r->Header("x-openstack-request-id"));
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(fifth.WaitClosed());
  }
  {
    TestClient sixth(port_);  // one that sends a request first gets the same
    ASSERT_TRUE(sixth.Send(MakeRequest("POST", "/x", {}, "body")));
    auto r = sixth.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
  }
  EXPECT_EQ(server_->stats().refused_connections, 2);
  EXPECT_EQ(server_->stats().open_connections, 4);
  EXPECT_EQ(recorder_.Count(), 4u);

  held.pop_back();  // one closes: a new connection is served again
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_connections == 3; }));
  auto r = RoundTrip(MakeRequest("GET", "/again"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The held ones still work.
  ASSERT_TRUE(held[0]->Send(MakeRequest("GET", "/still")));
  auto still = held[0]->Read();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

TEST_F(LimitsTest, ConnectionLimitIsCappedBelowTheOpenFilesLimit) {
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  ServerOptions options;
  options.max_connections = 2'000'000'000;
  StartStrict(options);
  if (rl.rlim_cur == RLIM_INFINITY) GTEST_SKIP() << "no open-files limit";
  EXPECT_LT(server_->stats().max_connections, static_cast<int64_t>(rl.rlim_cur));
  EXPECT_GT(server_->stats().max_connections, 0);
}

TEST_F(LimitsTest, HeaderSizeAndLineLimitsAreOptions) {
  ServerOptions options;
  options.max_header_bytes = 4096;
  options.max_header_line = 1024;
  StartStrict(options);
  // Many short lines over the total: 431.
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) {
    many.push_back("X-H" + std::to_string(i) + ": " + std::string(50, 'v'));
  }
  ExpectRefused(MakeRequest("GET", "/", many), 431, "4096");
  // One long line within the total: 431 naming the header.
  ExpectRefused(MakeRequest("GET", "/", {"X-Long: " + std::string(1100, 'v')}), 431, "X-Long");
  // A long target: 414.
  ExpectRefused(MakeRequest("GET", "/" + std::string(1100, 'a')), 414);
  auto ok = RoundTrip(MakeRequest("GET", "/", {"X-Fine: " + std::string(900, 'v')}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(LimitsTest, WorkerQueueIsBounded) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
  // Unblocks the handler however the test ends, so that Stop can join the worker.
  std::shared_ptr<void> unblock(nullptr, [&](void*) {
    try {
      release.set_value();
    } catch (const std::future_error&) {
    }
  });
  ServerOptions options;
  options.worker_threads = 1;
  options.max_queued_requests = 1;
  options.error_renderer = JsonErrorRenderer;
  StartServer(options, [&](const Request& req) {
    ++entered;
    released.wait();
    Response res;
    res.body = req.path;
    return res;
  });
  TestClient running(port_), queued(port_), refused(port_);
  ASSERT_TRUE(running.Send(MakeRequest("GET", "/running")));
  ASSERT_TRUE(Eventually([&] { return entered == 1; }));
  ASSERT_TRUE(queued.Send(MakeRequest("GET", "/queued")));
  std::this_thread::sleep_for(100ms);  // let it reach the queue
  ASSERT_TRUE(refused.Send(MakeRequest("GET", "/refused")));
  auto r = refused.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("overloaded"), std::string::npos);
  release.set_value();
  auto a = running.Read();
  auto b = queued.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "/running");
  EXPECT_EQ(b->body, "/queued");
}

TEST_F(LimitsTest, KeepAliveCanBeTurnedOff) {
  ServerOptions options;
  options.keep_alive = false;
  StartStrict(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

// The memory fix for issue 9 (RSS 17 -> 110 MB after bad requests, never returned): a
// kept-alive connection does not keep the read buffer a large header grew (the header must
// be in the buffer whole; a body is read in small pieces).
TEST_F(LimitsTest, ReadBufferIsShrunkAfterALargeRequest) {
  StartStrict();
  TestClient client(port_);
  std::vector<std::string> headers;
  for (int i = 0; i < 20; ++i) {
    headers.push_back("X-H" + std::to_string(i) + ": " + std::string(1000, 'h'));
  }
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/big", headers, std::string(100000, 'b'))));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), 100000u);
  // Between requests the connection holds at most a small buffer (without the shrink: the
  // 20 KiB the header needed).
  EXPECT_TRUE(Eventually([&] {
    int64_t held = server_->stats().idle_buffer_bytes;
    return held > 0 && held <= 8192;
  })) << server_->stats().idle_buffer_bytes;
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/next")));  // and it still serves
  auto next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(LimitsTest, FreedMemoryIsReturnedOnceTheServerIsQuiet) {
  ServerOptions options;
  options.memory_trim_idle_ms = 50;
  StartStrict(options);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server_->stats().memory_trims, 0);  // nothing happened: nothing to trim
  for (int i = 0; i < 5; ++i) {
    auto r = RoundTrip(MakeRequest("POST", "/big", {}, std::string(100000, 'b')));
    ASSERT_TRUE(r);
  }
  ASSERT_TRUE(Eventually([&] { return server_->stats().memory_trims >= 1; }));
  int64_t trims = server_->stats().memory_trims;
  std::this_thread::sleep_for(300ms);  // quiet: no further trims
  EXPECT_EQ(server_->stats().memory_trims, trims);
}

}  // namespace
}  // namespace magnum::http
