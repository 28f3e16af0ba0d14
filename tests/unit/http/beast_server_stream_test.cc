// Tests of streamed responses (Response::stream): a real server on 127.0.0.1, port 0, and a
// raw-socket client that decodes the chunked body as it arrives.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "magnum/http/message.h"
#include "magnum/http/server.h"
#include "unit/http/http_test_util.h"

namespace magnum::http {
namespace {

using namespace std::chrono_literals;
using namespace magnum::http::test;  // NOLINT: test helpers
using Clock = std::chrono::steady_clock;

// A producer driven by a function of the call number (0, 1, ...). Counts calls, records
// the calling threads' names, and notes its destruction. Thread-safe.
class FnProducer final : public StreamProducer {
 public:
  using Fn = std::function<StreamChunk(int call)>;
  FnProducer(Fn fn, std::shared_ptr<std::atomic<bool>> destroyed)
      : fn_(std::move(fn)), destroyed_(std::move(destroyed)) {}
  ~FnProducer() override { destroyed_->store(true); }

  StreamChunk Next() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads_.push_back(ThreadName());
    }
    return fn_(calls_++);
  }
  int calls() const { return calls_.load(); }
  std::vector<std::string> threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_;
  }

 private:
  Fn fn_;
  std::shared_ptr<std::atomic<bool>> destroyed_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::vector<std::string> threads_;
};

StreamChunk Data(std::string data, bool more = false, bool done = false) {
  StreamChunk c;
  c.data = std::move(data);
  c.more = more;
  c.done = done;
  return c;
}

// A raw connection that reads a streamed response as it comes.
class StreamClient {
 public:
  explicit StreamClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{0, 100 * 1000};  // recv wakes up every 100 ms to check deadlines
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~StreamClient() { Close(); }
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads until `done(raw)` holds or the connection closes (`eof`) or `timeout` passes.
  // Returns whether `done` held.
  bool ReadUntil(const std::function<bool(const std::string&)>& done,
                 std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = Clock::now() + timeout;
    while (!done(raw_)) {
      if (eof_ || Clock::now() > deadline) return false;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        raw_.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        eof_ = true;
      }
    }
    return true;
  }
  bool ReadToEof(std::chrono::milliseconds timeout = 5000ms) {
    return ReadUntil([this](const std::string&) { return eof_; }, timeout) || eof_;
  }

  const std::string& raw() const { return raw_; }
  bool eof() const { return eof_; }
  std::string Head() const {
    size_t end = raw_.find("\r\n\r\n");
    return end == std::string::npos ? "" : raw_.substr(0, end + 2);
  }
  std::string BodyBytes() const {
    size_t end = raw_.find("\r\n\r\n");
    return end == std::string::npos ? "" : raw_.substr(end + 4);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string raw_;
};

// Decodes a chunked body: the chunks' data in order; `complete` is set when the last chunk
// ("0\r\n\r\n") was seen. A malformed or partial chunk stops the decoding.
std::vector<std::string> Dechunk(const std::string& body, bool* complete) {
  std::vector<std::string> out;
  *complete = false;
  size_t pos = 0;
  while (true) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) return out;
    size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) {
      *complete = body.compare(eol, 4, "\r\n\r\n") == 0;
      return out;
    }
    if (body.size() < eol + 2 + size + 2) return out;
    out.push_back(body.substr(eol + 2, size));
    pos = eol + 2 + size + 2;
  }
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += p;
  return s;
}

bool HasLastChunk(const std::string& raw) {
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  bool complete = false;
  Dechunk(raw.substr(end + 4), &complete);
  return complete;
}

class StreamServerTest : public BeastServerTest {
 protected:
  // Serves every request with a stream from a new FnProducer(fn) (the last one is kept).
  void StartStreaming(FnProducer::Fn fn, int interval_ms = 10, int max_duration_ms = 0,
                      ServerOptions options = {}) {
    StartServer(options, [this, fn, interval_ms, max_duration_ms](const Request& req) {
      Response res;
      res.status = 200;
      res.SetHeader("Content-Type", "text/event-stream");
      if (req.path == "/plain") {
        res.body = "plain";
        return res;
      }
      auto producer = std::make_shared<FnProducer>(fn, destroyed_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        producer_ = producer;
      }
      res.stream = StreamBody{producer, interval_ms, max_duration_ms};
      if (req.path == "/notfound") res.status = 404;
      res.body = req.path == "/notfound" ? "missing" : "";
      return res;
    });
  }

  std::shared_ptr<FnProducer> producer() {
    std::lock_guard<std::mutex> lock(mu_);
    return producer_.lock();
  }

  // Polls `pred` every 5 ms for up to `timeout`.
  static bool Eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  std::shared_ptr<std::atomic<bool>> destroyed_ = std::make_shared<std::atomic<bool>>(false);
  std::mutex mu_;
  std::weak_ptr<FnProducer> producer_;  // guarded by mu_
};

TEST_F(StreamServerTest, ChunksArriveInOrderThenTheStreamEnds) {
  // call 0: "a" (more ready), 1: "" (nothing new), 2: "bb", 3: "ccc" and done.
  StartStreaming([](int call) {
    switch (call) {
      case 0:
        return Data("a", true);
      case 1:
        return Data("");
      case 2:
        return Data("bb");
      default:
        return Data("ccc", false, true);
    }
  });
  StreamClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/events")));
  ASSERT_TRUE(client.ReadToEof());
  const std::string head = client.Head();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("x-openstack-request-id: req-"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  bool complete = false;
  auto chunks = Dechunk(client.BodyBytes(), &complete);
  EXPECT_TRUE(complete);
  EXPECT_EQ(chunks, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_TRUE(Eventually([&] { return destroyed_->load(); }));
  EXPECT_EQ(server_->stats().open_streams, 0);
}

TEST_F(StreamServerTest, ProducerRunsOnWorkersAndHoldsNoneWhileWaiting) {
  // One worker thread and three open streams polled every 20 ms: ordinary requests are
  // still answered at once, so no stream holds the worker between its calls.
  ServerOptions options;
  options.worker_threads = 1;
  StartStreaming([](int call) { return Data(call == 0 ? "x" : ""); }, 20, 0, options);
  std::vector<std::unique_ptr<StreamClient>> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(std::make_unique<StreamClient>(port_));
    ASSERT_TRUE(streams.back()->Send(MakeRequest("GET", "/events")));
    ASSERT_TRUE(streams.back()->ReadUntil(
        [](const std::string& raw) { return raw.find("\r\n1\r\nx\r\n") != std::string::npos; }));
  }
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_streams == 3; }));
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    auto res = RoundTrip(MakeRequest("GET", "/plain"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "plain");
    EXPECT_LT(Clock::now() - start, 500ms);
  }
  auto p = producer();
  ASSERT_TRUE(p);
  EXPECT_TRUE(Eventually([&] { return p->calls() >= 5; }));  // keeps being polled
  for (const auto& name : p->threads()) EXPECT_EQ(name, "magnum-http-wk");
}

TEST_F(StreamServerTest, ClientDisconnectEndsTheStream) {
  StartStreaming([](int call) { return Data(call == 0 ? "hello" : ""); }, 10);
  {
    StreamClient client(port_);
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/events")));
    ASSERT_TRUE(client.ReadUntil(
        [](const std::string& raw) { return raw.find("hello") != std::string::npos; }));
    EXPECT_EQ(server_->stats().open_streams, 1);
  }  // closed
  // The pending read sees the close: the stream ends without waiting for a write to fail.
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_streams == 0; }, 1000ms));
  EXPECT_TRUE(Eventually([&] { return destroyed_->load(); }, 1000ms));
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_connections == 0; }, 1000ms));
}

TEST_F(StreamServerTest, StopEndsOpenStreamsAtOnce) {
  StartStreaming([](int call) { return Data(call == 0 ? "first" : ""); }, 50);
  StreamClient a(port_), b(port_);
  for (auto* c : {&a, &b}) {
    ASSERT_TRUE(c->Send(MakeRequest("GET", "/events")));
    ASSERT_TRUE(c->ReadUntil(
        [](const std::string& raw) { return raw.find("first") != std::string::npos; }));
  }
  auto start = Clock::now();
  server_->Stop(10000);
  auto took = Clock::now() - start;
  EXPECT_LT(took, 1000ms) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  for (auto* c : {&a, &b}) {
    EXPECT_TRUE(c->ReadToEof(2000ms));
    EXPECT_TRUE(HasLastChunk(c->raw())) << c->raw();  // ended cleanly, not cut
  }
  EXPECT_TRUE(destroyed_->load());
  EXPECT_EQ(server_->stats().open_streams, 0);
}

TEST_F(StreamServerTest, MaxDurationEndsTheStream) {
  StartStreaming([](int) { return Data("."); }, 20, 300);
  StreamClient client(port_);
  auto start = Clock::now();
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/events")));
  ASSERT_TRUE(client.ReadToEof(3000ms));
  auto took = Clock::now() - start;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(HasLastChunk(client.raw())) << client.raw();
  bool complete = false;
  auto chunks = Dechunk(client.BodyBytes(), &complete);
  EXPECT_GE(chunks.size(), 3u);  // polled every 20 ms meanwhile
  EXPECT_TRUE(Eventually([&] { return server_->stats().open_streams == 0; }));
}

TEST_F(StreamServerTest, Http10StreamIsDelimitedByTheClose) {
  StartStreaming([](int call) {
    return call < 2 ? Data("part" + std::to_string(call), true) : Data("", false, true);
  });
  StreamClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/events", {}, {}, "HTTP/1.0")));
  ASSERT_TRUE(client.ReadToEof());
  EXPECT_EQ(client.Head().find("Transfer-Encoding"), std::string::npos) << client.Head();
  EXPECT_EQ(client.Head().find("Content-Length"), std::string::npos) << client.Head();
  EXPECT_EQ(client.BodyBytes(), "part0part1");
}

TEST_F(StreamServerTest, HeadGetsTheHeadersAlone) {
  StartStreaming([](int) { return Data("never", true); });
  StreamClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/events")));
  ASSERT_TRUE(client.ReadToEof());
  EXPECT_EQ(client.raw().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(client.BodyBytes(), "");
  auto p = producer();
  EXPECT_TRUE(!p || p->calls() == 0);
}

TEST_F(StreamServerTest, NonSuccessStatusIgnoresTheStream) {
  StartStreaming([](int) { return Data("never", true); });
  auto res = RoundTrip(MakeRequest("GET", "/notfound"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "missing");
  EXPECT_EQ(res->Header("Content-Length"), "7");
  EXPECT_TRUE(Eventually([&] { return destroyed_->load(); }));
}

TEST_F(StreamServerTest, ProducerExceptionEndsTheStreamCleanly) {
  StartStreaming([](int call) -> StreamChunk {
    if (call == 0) return Data("before");
    throw std::runtime_error("boom");
  });
  StreamClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/events")));
  ASSERT_TRUE(client.ReadToEof());
  bool complete = false;
  EXPECT_EQ(Joined(Dechunk(client.BodyBytes(), &complete)), "before");
  EXPECT_TRUE(complete);
}

TEST_F(StreamServerTest, SlowReaderBoundsTheProducer) {
  // Every call has 256 KiB ready at once, but a client that does not read fills the socket
  // buffers: the pending write stops the polling, so the stream holds one chunk.
  StartStreaming([](int) { return Data(std::string(256 * 1024, 'z'), true); });
  StreamClient client(port_);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/events")));
  std::shared_ptr<FnProducer> p;
  ASSERT_TRUE(Eventually([&] { return (p = producer()) != nullptr; }));
  // Once the buffers are full the count stands still.
  int before = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        int now = p->calls();
        std::this_thread::sleep_for(200ms);
        bool still = now == before && now == p->calls();
        before = p->calls();
        return still;
      },
      5000ms));
  EXPECT_LT(before, 200);  // bounded by the kernel's buffers, not by time
  // Reading resumes the polling.
  ASSERT_TRUE(client.ReadUntil(
      [&](const std::string& raw) {
        return raw.size() > static_cast<size_t>(before + 4) * 256 * 1024;
      },
      10000ms));
  EXPECT_GT(p->calls(), before);
}

}  // namespace
}  // namespace magnum::http
