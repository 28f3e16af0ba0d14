// Tests of the Beast server adapter: a real server on 127.0.0.1, port 0, driven by a small
// blocking POSIX-socket client.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "magnum/common/uuid.h"
#include "magnum/http/message.h"
#include "magnum/http/server.h"
#include "unit/http/http_test_util.h"

namespace magnum::http {
namespace {

using namespace std::chrono_literals;

using namespace magnum::http::test;  // NOLINT: test helpers

bool IsRequestId(const std::string& s) {
  static const std::regex kPattern("req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(s, kPattern);
}

TEST_F(BeastServerTest, EchoRoundTrip) {
  Recorder seen;
  StartServer({}, [&seen](const Request& req) {
    seen.Add(req);
    Response res;
    res.status = 201;
    res.SetHeader("X-Reply", "yes");
    res.SetHeader("Content-Type", "application/json");
    res.body = "echo:" + req.body;
    return res;
  });

  auto res = RoundTrip(MakeRequest(
      "POST", "/v1/clus%20ters?name=a+b&x=%2F&x=2",
      {"X-Custom-Header: Value 1", "content-type: application/json", "X-Multi: a", "X-Multi: b"},
      "{\"a\": 1}"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "echo:{\"a\": 1}");
  EXPECT_EQ(res->Header("x-reply"), "yes");
  EXPECT_EQ(res->Header("content-type"), "application/json");
  EXPECT_EQ(res->Header("content-length"), std::to_string(res->body.size()));
  EXPECT_TRUE(res->Header("date"));

  auto all = seen.All();
  ASSERT_EQ(all.size(), 1u);
  const Request& req = all[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1/clus%20ters?name=a+b&x=%2F&x=2");
  EXPECT_EQ(req.path, "/v1/clus ters");
  using Q = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(req.query, (Q{{"name", "a b"}, {"x", "/"}, {"x", "2"}}));
  EXPECT_EQ(req.Header("x-custom-header"), "Value 1");
  EXPECT_EQ(req.Header("X-CUSTOM-HEADER"), "Value 1");
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.Header("x-multi"), "a, b");
  EXPECT_EQ(req.Header("host"), "localhost");
  EXPECT_EQ(req.body, "{\"a\": 1}");
  EXPECT_EQ(req.remote_address, "127.0.0.1");
  EXPECT_TRUE(IsRequestId(req.request_id)) << req.request_id;
}

TEST_F(BeastServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/one", {}, "first")));
  auto r1 = client.Read();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(r1->body, "first");
  EXPECT_NE(r1->Header("Connection"), "close");
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/two", {}, "second")));
  auto r2 = client.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "second");
  auto all = recorder_.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].path, "/one");
  EXPECT_EQ(all[1].path, "/two");
}

TEST_F(BeastServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/a", {}, "A") + MakeRequest("POST", "/b", {}, "B") +
                          MakeRequest("GET", "/c")));
  for (const char* want : {"A", "B", "ok"}) {
    auto r = client.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, want);
  }
}

TEST_F(BeastServerTest, ConnectionCloseAndHttp10CloseAfterTheResponse) {
  StartServer();
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {"Connection: close"})));
    auto r = client.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {}, {}, "HTTP/1.0")));
    auto r = client.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_TRUE(client.WaitClosed());
  }
  {  // HTTP/1.0 with keep-alive stays open.
    TestClient client(port_);
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {"Connection: keep-alive"}, {}, "HTTP/1.0")));
    auto r = client.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Connection"), "keep-alive");
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {"Connection: keep-alive"}, {}, "HTTP/1.0")));
    EXPECT_TRUE(client.Read());
  }
}

TEST_F(BeastServerTest, EveryResponseCarriesAFreshRequestId) {
  StartServer();
  TestClient client(port_);
  std::set<std::string> ids;
  const std::string inbound = "req-" + GenerateUuid();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/", {"X-OpenStack-Request-ID: " + inbound})));
    auto r = client.Read();
    ASSERT_TRUE(r);
    auto id = r->Header("x-openstack-request-id");
    ASSERT_TRUE(id);
    EXPECT_TRUE(IsRequestId(*id)) << *id;
    EXPECT_NE(*id, inbound);  // the inbound id is logged, not adopted
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 3u);
  // The handler saw the same ids the client got.
  std::set<std::string> seen;
  for (const auto& req : recorder_.All()) seen.insert(req.request_id);
  EXPECT_EQ(seen, ids);
  // Errors the server produces itself carry one too.
  auto bad = RoundTrip("BROKEN\r\n\r\n");
  ASSERT_TRUE(bad);
  EXPECT_TRUE(IsRequestId(bad->Header("x-openstack-request-id").value_or("")));
}

TEST_F(BeastServerTest, BodyOverTheLimitGets413FromTheErrorRenderer) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.error_renderer = JsonErrorRenderer;
  StartServer(options);

  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("POST", "/v1/clusters", {}, std::string(4096, 'x'))));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_EQ(r->body,
            "{\"errors\": [{\"status\": 413, \"detail\": \"Request is larger than the limit of "
            "1024 bytes\"}]}");
  EXPECT_TRUE(r->Header("x-openstack-request-id"));
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(recorder_.Count(), 0u);

  // Exactly at the limit is fine.
  auto ok = RoundTrip(MakeRequest("POST", "/v1/clusters", {}, std::string(1024, 'y')));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body.size(), 1024u);
}

TEST_F(BeastServerTest, HugeBodyOverTheLimitIsDrainedSoTheClientGets413) {
  // The server answers after the header, then must drain the rest of the body rather than
  // reset the connection: a client still sending (python-requests, say) would get EPIPE or
  // ECONNRESET instead of the 413, and some stacks discard the response on a reset.
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestClient client(port_);
  const std::string body(8 << 20, 'x');
  bool sent = false;
  std::thread sender([&] { sent = client.Send(MakeRequest("POST", "/v1/clusters", {}, body)); });
  auto r = client.Read();
  sender.join();
  EXPECT_TRUE(sent);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(BeastServerTest, DeclaredContentLengthOverTheLimitIsRejectedBeforeTheBody) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);  // default renderer: text/plain
  TestClient client(port_);
  ASSERT_TRUE(client.Send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n"));
  auto r = client.Read();  // no body sent: the answer must not wait for it
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(r->body, "Request is larger than the limit of 1024 bytes");
}

TEST_F(BeastServerTest, ChunkedBodyOverTheLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 10;
  StartServer(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n"));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(BeastServerTest, ChunkedBodyWithinTheLimitIsDecoded) {
  StartServer();
  auto r = RoundTrip(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abcde");
}

TEST_F(BeastServerTest, Expect100ContinueGetsAnInterimResponse) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

class MalformedRequestTest : public BeastServerTest,
                             public ::testing::WithParamInterface<std::string> {};

TEST_P(MalformedRequestTest, Gets400AndTheConnectionIsClosed) {
  ServerOptions options;
  options.error_renderer = JsonErrorRenderer;
  StartServer(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(GetParam()));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_NE(r->body.find("\"status\": 400"), std::string::npos) << r->body;
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(recorder_.Count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedRequestTest,
    ::testing::Values("NOT A REQUEST\r\n\r\n",
                      "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                      "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));

TEST_F(BeastServerTest, InvalidTargetGets400WithoutCallingTheHandler) {
  ServerOptions options;
  options.error_renderer = JsonErrorRenderer;
  StartServer(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/v1/%zz")));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("Invalid request target"), std::string::npos);
  EXPECT_EQ(recorder_.Count(), 0u);
  // The request itself was well-formed HTTP: the connection stays usable.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/fine")));
  auto ok = client.Read();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(BeastServerTest, OversizedHeaderGets431) {
  StartServer();
  auto r = RoundTrip(MakeRequest("GET", "/", {"X-Big: " + std::string(20000, 'h')}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(recorder_.Count(), 0u);
}

TEST_F(BeastServerTest, HandlerExceptionGives500AndTheServerKeepsServing) {
  ServerOptions options;
  options.error_renderer = JsonErrorRenderer;
  StartServer(options, [](const Request& req) -> Response {
    if (req.path == "/boom") throw std::runtime_error("kaboom");
    if (req.path == "/weird") throw 42;
    Response res;
    res.body = "fine";
    return res;
  });
  TestClient client(port_);
  for (const char* path : {"/boom", "/weird"}) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", path)));
    auto r = client.Read();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(r->body,
              "{\"errors\": [{\"status\": 500, \"detail\": \"Internal Server Error\"}]}");
    EXPECT_EQ(r->body.find("kaboom"), std::string::npos);  // logged, not leaked
  }
  // Same connection and a new one both still work.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto same = client.Read();
  ASSERT_TRUE(same);
  EXPECT_EQ(same->body, "fine");
  auto fresh = RoundTrip(MakeRequest("GET", "/"));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->body, "fine");
}

TEST_F(BeastServerTest, HandlerRunsOnAWorkerThreadNotTheIoThread) {
  ServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 2;
  std::promise<void> slow_entered;
  std::promise<void> release_slow;
  std::shared_future<void> release = release_slow.get_future().share();
  std::mutex mu;
  std::vector<std::pair<std::string, std::thread::id>> threads;  // guarded by mu
  StartServer(options, [&](const Request& req) {
    {
      std::lock_guard<std::mutex> lock(mu);
      threads.emplace_back(ThreadName(), std::this_thread::get_id());
    }
    if (req.path == "/slow") {
      slow_entered.set_value();
      release.wait_for(10s);  // bounded, so a broken server fails instead of hanging
    }
    Response res;
    res.body = req.path;
    return res;
  });

  TestClient slow(port_);
  ASSERT_TRUE(slow.Send(MakeRequest("GET", "/slow")));
  slow_entered.get_future().wait();
  // The only io thread is free while /slow blocks: another connection is served meanwhile.
  auto fast = RoundTrip(MakeRequest("GET", "/fast"));
  release_slow.set_value();
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->body, "/fast");
  auto slow_res = slow.Read();
  ASSERT_TRUE(slow_res);
  EXPECT_EQ(slow_res->body, "/slow");

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0].first, "magnum-http-wk");
  EXPECT_EQ(threads[1].first, "magnum-http-wk");
  EXPECT_NE(threads[0].second, threads[1].second);
  EXPECT_NE(threads[0].second, std::this_thread::get_id());
}

TEST_F(BeastServerTest, HeadSendsHeadersOnly) {
  StartServer({}, [](const Request& req) {
    Response res;
    res.SetHeader("Content-Type", "application/json");
    res.body = "{\"x\": 12345}";
    return res;
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/v1")));
  auto head = client.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "12");
  EXPECT_EQ(head->Header("Content-Type"), "application/json");
  // No body bytes followed: the next response parses cleanly.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/v1")));
  auto get = client.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->version, "HTTP/1.1");
  EXPECT_EQ(get->body, "{\"x\": 12345}");
}

TEST_F(BeastServerTest, ServerOwnsFramingHeaders) {
  StartServer({}, [](const Request& req) {
    Response res;
    if (req.path == "/nocontent") {
      res.status = 204;
      res.body = "ignored";
      return res;
    }
    res.SetHeader("Content-Length", "999");      // wrong: replaced by the real length
    res.SetHeader("Transfer-Encoding", "chunked");  // dropped
    res.SetHeader("X-Injected", "a\r\nSet-Cookie: evil=1");  // dropped, not split
    res.SetHeader("x-openstack-request-id", "req-forged");   // ours wins
    res.body = "abc";
    return res;
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Length"), "3");
  EXPECT_FALSE(r->Header("Transfer-Encoding"));
  EXPECT_FALSE(r->Header("X-Injected"));
  EXPECT_FALSE(r->Header("Set-Cookie"));
  EXPECT_TRUE(IsRequestId(r->Header("x-openstack-request-id").value_or("")));
  EXPECT_EQ(r->body, "abc");

  ASSERT_TRUE(client.Send(MakeRequest("DELETE", "/nocontent")));
  auto empty = client.Read();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 204);
  EXPECT_FALSE(empty->Header("Content-Length"));
  // Nothing was sent after the 204 header: the connection is in sync.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto next = client.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "abc");
}

TEST_F(BeastServerTest, IdleKeptAliveConnectionTimesOut) {
  ServerOptions options;
  options.idle_timeout_seconds = 1;  // the header timeout (10 s) only starts with a byte
  StartServer(options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(BeastServerTest, GracefulStopWaitsForAnInFlightRequest) {
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  StartServer({}, [&](const Request& req) {
    Response res;
    if (req.path == "/slow") {
      entered.set_value();
      std::this_thread::sleep_for(300ms);
      finished = true;
      res.body = "done";
    }
    return res;
  });

  TestClient idle(port_);  // keep-alive connection between requests when Stop comes
  ASSERT_TRUE(idle.Send(MakeRequest("GET", "/")));
  ASSERT_TRUE(idle.Read());

  std::optional<ClientResponse> slow_res;
  std::thread client_thread([&] {
    TestClient c(port_);
    if (c.Send(MakeRequest("GET", "/slow"))) slow_res = c.Read();
  });
  entered.get_future().wait();

  // Stop from another thread than the one that started the server, as a signal thread would.
  std::thread stopper([&] { server_->Stop(5000); });
  stopper.join();
  EXPECT_TRUE(finished);  // Stop returned only after the handler finished...
  client_thread.join();
  ASSERT_TRUE(slow_res);  // ...and its response was written.
  EXPECT_EQ(slow_res->status, 200);
  EXPECT_EQ(slow_res->body, "done");
  EXPECT_EQ(slow_res->Header("Connection"), "close");

  EXPECT_TRUE(idle.WaitClosed());
  TestClient late(port_);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);

  server_->Stop(5000);  // idempotent
}

TEST_F(BeastServerTest, StopClosesConnectionsWhenTheGracePeriodExpires) {
  std::promise<void> entered;
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  StartServer({}, [&](const Request&) {
    entered.set_value();
    release.wait_for(10s);
    return Response{};
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/stuck")));
  entered.get_future().wait();

  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_->Stop(100); });
  // The connection is closed once the grace period is over, though the handler still runs.
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  release_promise.set_value();  // Stop joins the worker running it
  stopper.join();
}

TEST_F(BeastServerTest, BindConflictReturnsUnavailable) {
  StartServer();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.access_log = false;
  auto second = NewServer(options, [](const Request&) { return Response{}; });
  auto started = second->Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(started.error().message().find("127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << started.error().message();
  EXPECT_NE(started.error().message().find(std::strerror(EADDRINUSE)), std::string::npos)
      << started.error().message();
  second->Stop();  // harmless on a server that never started
  // The first server is unaffected.
  auto r = RoundTrip(MakeRequest("GET", "/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(BeastServerTest, UnresolvableHostReturnsUnavailable) {
  ServerOptions options;
  options.host = "no-such-host.invalid";
  options.port = 0;
  auto server = NewServer(options, [](const Request&) { return Response{}; });
  auto started = server->Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code(), ErrorCode::kUnavailable);
}

TEST_F(BeastServerTest, ConcurrentClientsAreAllAnswered) {
  ServerOptions options;
  options.io_threads = 2;
  options.worker_threads = 4;
  StartServer(options);
  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      TestClient persistent(port_);
      for (int i = t; i < kRequests; i += kThreads) {
        const std::string body = "request-" + std::to_string(i);
        std::optional<ClientResponse> r;
        if (i % 2 == 0) {  // half on a keep-alive connection, half on fresh ones
          if (persistent.Send(MakeRequest("POST", "/c", {}, body))) r = persistent.Read();
        } else {
          r = RoundTrip(MakeRequest("POST", "/c", {"Connection: close"}, body));
        }
        if (r && r->status == 200 && r->body == body) ++answered;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(answered.load(), kRequests);
  EXPECT_EQ(recorder_.Count(), static_cast<size_t>(kRequests));
}

// Captures spdlog output for the duration of a test.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> AccessLines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      if (line.find(" status: ") != std::string::npos) lines.push_back(line);
    }
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(BeastServerLogTest, WritesOneAccessLinePerRequest) {
  LogCapture capture;
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  auto server = NewServer(options, [](const Request&) {
    Response res;
    res.body = "hello";
    return res;
  });
  ASSERT_TRUE(server->Start());
  std::string id;
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/v1/clusters?limit=2")));
    auto r = client.Read();
    ASSERT_TRUE(r);
    id = r->Header("x-openstack-request-id").value_or("");
  }
  server->Stop(1000);  // joins the io threads: the line is written by now
  auto lines = capture.AccessLines();
  ASSERT_EQ(lines.size(), 1u);
  std::regex pattern("127\\.0\\.0\\.1 \"GET /v1/clusters\\?limit=2\" status: 200 len: 5 "
                     "time: [0-9]+\\.[0-9]{3}ms " + id);
  EXPECT_TRUE(std::regex_match(lines[0], pattern)) << lines[0];
}

TEST(BeastServerLogTest, AccessLogCanBeDisabled) {
  LogCapture capture;
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.access_log = false;
  auto server = NewServer(options, [](const Request&) { return Response{}; });
  ASSERT_TRUE(server->Start());
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
    ASSERT_TRUE(client.Read());
  }
  server->Stop(1000);
  EXPECT_TRUE(capture.AccessLines().empty());
}

}  // namespace
}  // namespace magnum::http
