// The HTTP server adapter on Boost.Beast: the only file that includes Boost headers.
//
// Threads:
//   * `io_threads` threads run one io_context. Every connection (Session) lives on its own
//     strand; the acceptor and its retry timer live on another. Nothing blocks here.
//   * `worker_threads` threads (WorkerPool) run the Handler. A finished handler posts the
//     response back to the connection's strand, which writes it.
//   * Start/Stop run on the owner's thread.
//
// One request per connection is outstanding at a time (pipelined requests wait in the read
// buffer), so the worker queue holds at most one task per connection; it is bounded anyway
// (max_queued_requests, 503 above it). The number of connections is bounded too
// (max_connections, capped below RLIMIT_NOFILE): one above it gets a 503 (Refusal) and is
// closed without a Session.
//
// Timeouts (beast::tcp_stream expiry; on expiry the socket is closed, nothing is sent):
// a new connection must deliver its request header within header_timeout_seconds; a
// kept-alive connection waits idle_timeout_seconds for the first byte of its next request,
// then header_timeout_seconds for the rest of the header; a body gets body_timeout_seconds;
// every write gets idle_timeout_seconds.
//
// Memory: a connection's read buffer is shrunk back after a large request, and after a
// burst of requests, once the server has been quiet for memory_trim_idle_ms, the freed heap
// is returned to the OS (malloc_trim). Without that, glibc keeps the peak of a burst of
// large bodies (every arena's free lists) resident for good.
//
// Connection close after an error or `Connection: close` is a "lingering close": we shut
// down our sending side and read (and discard) until the peer closes or kLingerSeconds
// pass. Closing with unread data in the socket would send an RST, and the client could lose
// the 413/400 response we just wrote.

#include <pthread.h>
#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "magnum/common/strings.h"
#include "magnum/common/uuid.h"
#include "magnum/http/server.h"

namespace magnum::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr int kLingerSeconds = 5;             // lingering close: max wait for the peer's EOF
constexpr int kRefusalSeconds = 2;            // a refused connection: write 503 and drain
constexpr int kMaxRefusing = 64;              // refusals in progress; beyond, just close
constexpr int kReservedFds = 128;             // fds kept for everything but connections
constexpr size_t kFirstReadBytes = 1024;      // kept-alive: first read of the next request
constexpr size_t kIdleBufferBytes = 8192;     // a larger read buffer is shrunk between requests
constexpr char kRequestIdHeader[] = "x-openstack-request-id";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Set on io and worker threads: Stop() from one of them would join itself.
thread_local bool t_server_thread = false;

void NameThisThread(const char* name) {
  pthread_setname_np(pthread_self(), name);  // best effort; names are for ps/gdb/tests
  t_server_thread = true;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 7230 token characters (header names).
bool IsToken(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsSafeHeaderValue(std::string_view v) {
  // Beast stores field lengths in 16 bits; CR/LF/NUL would allow header injection.
  return v.size() < 32768 && v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// RFC 7231 IMF-fixdate, cached per thread for the current second.
std::string_view HttpDate() {
  thread_local std::time_t cached_sec = 0;
  thread_local char buf[40];
  thread_local size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_sec || len == 0) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    len = n > 0 ? static_cast<size_t>(n) : 0;
    cached_sec = now;
  }
  return std::string_view(buf, len);
}

Response DefaultErrorResponse(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.SetHeader("Content-Type", "text/plain; charset=UTF-8");
  r.body = message;
  return r;
}

struct HeaderError {
  int status;
  std::string message;
};

// Strict HTTP checks Beast does not make (it ignores unknown transfer codings, reads a
// body-less request when `chunked` is not the only coding, accepts a missing Host, and
// accepts Content-Length after a non-chunked Transfer-Encoding), and the line limits.
std::optional<HeaderError> CheckHeader(const bhttp::request_header<>& h,
                                       const ServerOptions& options) {
  // (Versions other than 1.0 and 1.1 never get here: Beast's parser refuses them.)
  if (h.target().size() > options.max_header_line) {
    return HeaderError{414, fmt::format("Request target is longer than the limit of {} bytes",
                                        options.max_header_line)};
  }
  size_t hosts = 0, codings_fields = 0, lengths = 0;
  std::vector<std::string_view> codings;
  for (const auto& f : h) {
    if (f.name_string().size() + 2 + f.value().size() > options.max_header_line) {
      return HeaderError{431, fmt::format("Header '{}' is longer than the limit of {} bytes",
                                          Printable(f.name_string(), 64), options.max_header_line)};
    }
    switch (f.name()) {
      case bhttp::field::host:
        ++hosts;
        break;
      case bhttp::field::content_length:
        ++lengths;
        break;
      case bhttp::field::transfer_encoding: {
        ++codings_fields;
        std::string_view v = f.value();
        while (true) {
          size_t comma = v.find(',');
          codings.push_back(TrimBlanks(v.substr(0, comma)));
          if (comma == std::string_view::npos) break;
          v.remove_prefix(comma + 1);
        }
        break;
      }
      default:
        break;
    }
  }
  if (codings_fields > 0) {
    if (h.version() < 11) {
      return HeaderError{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
    }
    if (lengths > 0) {
      return HeaderError{400, "Transfer-Encoding and Content-Length together are not allowed"};
    }
    for (std::string_view coding : codings) {
      if (!IEquals(coding, "chunked")) {
        return HeaderError{501, fmt::format("Transfer-Encoding '{}' is not implemented; only "
                                            "'chunked' is",
                                            Printable(coding, 64))};
      }
    }
    if (codings.size() != 1) {
      return HeaderError{501, "Transfer-Encoding 'chunked' applied more than once is not "
                              "implemented; only a single 'chunked' is"};
    }
  }
  if (hosts > 1) return HeaderError{400, "More than one Host header"};
  if (hosts == 0 && h.version() >= 11) {
    return HeaderError{400, "Missing Host header (required in HTTP/1.1)"};
  }
  return std::nullopt;
}

// Converts a Response to the wire message: framing headers are ours, invalid headers are
// dropped, the request id and a Date are added. Returns the body length (for the log).
size_t ToWire(Response r, const std::string& request_id, unsigned version, bool head,
              bool* keep_alive, bhttp::response<bhttp::string_body>* res) {
  const int status = r.status;
  *res = {};
  res->version(version);
  res->result(static_cast<unsigned>(status));
  if (std::string_view reason = ReasonPhrase(status); reason != "Unknown") res->reason(reason);
  for (const auto& [name, value] : r.headers) {
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding")) continue;
    if (IEquals(name, "Connection")) {
      if (value.find("close") != std::string::npos) *keep_alive = false;
      continue;
    }
    if (!IsToken(name) || !IsSafeHeaderValue(value)) {
      spdlog::error("{}: dropping invalid response header '{}'", request_id, name.substr(0, 64));
      continue;
    }
    res->set(name, value);
  }
  res->set(kRequestIdHeader, request_id);
  if (res->find(bhttp::field::date) == res->end()) res->set(bhttp::field::date, HttpDate());
  // 1xx, 204 and 304 have no body; we send no Content-Length for them either (RFC 7230
  // 3.3.2 forbids it for 1xx/204; for 304 it would have to describe the 200's body).
  const bool bodiless = status / 100 == 1 || status == 204 || status == 304;
  const size_t body_len = bodiless ? 0 : r.body.size();
  if (!bodiless) res->set(bhttp::field::content_length, std::to_string(body_len));
  if (!bodiless && !head) res->body() = std::move(r.body);
  res->keep_alive(*keep_alive);
  return body_len;
}

// A fixed set of threads draining a bounded FIFO queue. Thread-safe.
class WorkerPool {
 public:
  explicit WorkerPool(size_t capacity) : capacity_(capacity) {}
  ~WorkerPool() { Shutdown(); }

  void Start(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }

  // Queues `task`; false when the queue is full or the pool is shut down.
  bool Submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_ || queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  // Drops queued tasks, waits for running ones, joins the threads. Idempotent.
  void Shutdown() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
      dropped.swap(queue_);
    }
    cv_.notify_all();
    dropped.clear();  // outside the lock: tasks own sessions whose destructors lock elsewhere
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  void Run() {
    NameThisThread("magnum-http-wk");
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
        if (queue_.empty()) return;  // shut down
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();  // tasks do not throw (BeastServer::Invoke catches)
    }
  }

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool shutdown_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;         // owner thread only
};

class Session;
class Refusal;

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler handler);
  ~BeastServer() override { Stop(0); }

  Result<void> Start() override;
  uint16_t port() const override { return port_.load(); }
  void Stop(int grace_ms) override;
  ServerStats stats() const override;

  // For sessions.
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  WorkerPool& pool() { return pool_; }
  Response Invoke(const Request& request);  // on a worker; never throws
  Response RenderError(int status, const std::string& message);  // never throws
  void ExchangeStarted();
  void ExchangeFinished();
  void Unregister(uint64_t id);
  void AddIdleBufferBytes(int64_t delta) { idle_buffer_bytes_ += delta; }
  void RefusalStarted() { ++refusing_; }
  void RefusalFinished() { --refusing_; }

 private:
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Refuse(tcp::socket socket, int64_t open);
  void ScheduleTrim();
  void MaybeTrim();
  std::vector<std::shared_ptr<Session>> LiveSessions();

  const ServerOptions options_;
  const Handler handler_;

  // Declared before ioc_ so that they outlive the handlers (and sessions) it destroys.
  std::mutex sessions_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mu_
  uint64_t next_session_id_ = 1;  // acceptor strand only

  std::mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  int inflight_ = 0;  // guarded by inflight_mu_: exchanges begun and not yet written

  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};

  // Limits and counters (see ServerStats). Declared before ioc_: sessions and refusals
  // destroyed with it update them.
  int64_t max_connections_ = 0;  // effective limit; set by Start
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<int> refusing_{0};
  std::atomic<int64_t> idle_buffer_bytes_{0};
  std::atomic<uint64_t> activity_{0};  // exchanges finished + connections closed
  std::atomic<int64_t> memory_trims_{0};
  std::atomic<int64_t> last_limit_warning_{0};  // steady seconds of the last warning

  asio::io_context ioc_;
  tcp::acceptor acceptor_;          // on its own strand
  asio::steady_timer accept_retry_;  // same strand
  asio::steady_timer trim_timer_;    // its own strand; with the two fields below
  uint64_t trim_seen_activity_ = 0;
  uint64_t trimmed_activity_ = 0;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  // Declared after ioc_: destroyed first, so dropped tasks release sessions while the
  // io_context their sockets belong to still exists.
  WorkerPool pool_;

  std::mutex stop_mu_;  // serializes Start/Stop
  bool started_ = false;  // guarded by stop_mu_
  bool stopped_ = false;  // guarded by stop_mu_
};

// One accepted connection. All members are confined to the connection's strand, except
// `executor_` and `server_`, which are immutable. Owned by shared_ptrs held by pending
// operations (and by a queued/running worker task while the handler runs).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, BeastServer* server, uint64_t id)
      : server_(server),
        id_(id),
        executor_(socket.get_executor()),
        stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "-" : ep.address().to_string();
  }
  ~Session() {
    server_->AddIdleBufferBytes(-reported_buffer_bytes_);
    server_->Unregister(id_);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called by Stop: closes the connection unless a request is being served.
  void CloseIfIdle() {
    asio::post(executor_, [self = shared_from_this()] {
      if (!self->in_exchange_) self->Close();
    });
  }

  // Called by Stop once the io threads are joined (so nothing else touches the stream).
  void CloseNow() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  struct Exchange {
    std::string method = "-";
    std::string target = "-";
    std::string request_id;
    std::chrono::steady_clock::time_point start;
    unsigned version = 11;
    bool head = false;
  };

  // What the connection is waiting for (names the timeout in the log).
  enum class Phase { kIdle, kHeader, kBody, kOther };

  // The pending read or write must finish within `seconds` (<= 0: the idle timeout; both
  // <= 0: no timeout).
  void ArmTimer(int seconds, Phase phase) {
    phase_ = phase;
    if (seconds <= 0) seconds = server_->options().idle_timeout_seconds;
    armed_seconds_ = seconds;
    if (seconds > 0) {
      stream_.expires_after(std::chrono::seconds(seconds));
    } else {
      stream_.expires_never();
    }
  }
  void ArmIdleTimer() { ArmTimer(0, Phase::kOther); }

  // Starts reading the next request: on a new connection (or with pipelined bytes) the
  // header timeout runs from now; on a kept-alive one, the first byte may take the idle
  // timeout and the header timeout starts with it.
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(server_->options().max_header_bytes);
    int64_t limit = server_->options().max_body_bytes;
    if (limit >= 0) {
      parser_->body_limit(static_cast<uint64_t>(limit));
    } else {
      parser_->body_limit(boost::none);
    }
    // A large header grew the buffer (it is held whole, up to the header limit; bodies are
    // read in small pieces): give it back rather than hold it while the connection idles.
    if (buffer_.capacity() > kIdleBufferBytes) buffer_.shrink_to_fit();
    if (served_ && buffer_.size() == 0) {
      ArmTimer(server_->options().idle_timeout_seconds, Phase::kIdle);
      auto space = buffer_.prepare(kFirstReadBytes);
      ReportIdleBuffer();
      stream_.async_read_some(space, [self = shared_from_this()](beast::error_code ec, size_t n) {
        if (ec) return self->OnReadError(ec);
        self->buffer_.commit(n);
        self->ReadRestOfHeader();
      });
      return;
    }
    ReportIdleBuffer();
    ReadRestOfHeader();
  }

  void ReadRestOfHeader() {
    ArmTimer(server_->options().header_timeout_seconds, Phase::kHeader);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void ReportIdleBuffer() {
    auto now = static_cast<int64_t>(buffer_.capacity());
    server_->AddIdleBufferBytes(now - reported_buffer_bytes_);
    reported_buffer_bytes_ = now;
  }

  void OnHeader(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    BeginExchange();
    const auto& msg = parser_->get();
    cur_.method = std::string(msg.method_string());
    for (char& c : cur_.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    cur_.target = std::string(msg.target());
    cur_.version = msg.version() == 10 ? 10 : 11;  // we answer 1.x requests as 1.1
    cur_.head = msg.method() == bhttp::verb::head;
    if (auto error = CheckHeader(msg, server_->options())) {
      return SendServerError(error->status, error->message);
    }
    if (!parser_->is_done() && msg.version() >= 11 &&
        IEquals(msg[bhttp::field::expect], "100-continue")) {
      ArmIdleTimer();
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnRequest({}, 0);
    ArmTimer(server_->options().body_timeout_seconds, Phase::kBody);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRequest, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    static const auto& kHttpCategory = bhttp::make_error_code(bhttp::error::bad_target).category();
    if (ec == bhttp::error::body_limit) {
      return SendServerError(413, fmt::format("Request is larger than the limit of {} bytes",
                                              server_->options().max_body_bytes));
    }
    if (ec == bhttp::error::header_limit) {
      return SendServerError(431, fmt::format("Request header is larger than the limit of {} bytes",
                                              server_->options().max_header_bytes));
    }
    if (ec == beast::error::timeout) {
      // The stream closed the socket: nothing can be answered. A connection that never sent
      // a byte is routine (debug); a partial request is worth an info line.
      if (phase_ == Phase::kHeader && buffer_.size() == 0) {
        spdlog::debug("HTTP connection from {} closed: no request within {} s", remote_,
                      armed_seconds_);
      } else if (phase_ == Phase::kHeader) {
        spdlog::info("HTTP connection from {} closed: request header not complete within {} s "
                     "([api] header_timeout)",
                     remote_, armed_seconds_);
      } else if (phase_ == Phase::kBody) {
        spdlog::info("HTTP connection from {} closed: {} {} {}: request body not complete "
                     "within {} s ([api] body_timeout)",
                     remote_, cur_.request_id, cur_.method, cur_.target, armed_seconds_);
      } else {
        spdlog::debug("HTTP connection from {} closed: idle for {} s", remote_, armed_seconds_);
      }
      return Close();
    }
    if (ec.category() == kHttpCategory && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message && ec != bhttp::error::short_read) {
      return SendServerError(400, fmt::format("Malformed request: {}", ec.message()));
    }
    // The peer closed or reset, the idle timeout fired, or Stop closed us: nothing to answer.
    if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
        ec != beast::error::timeout) {
      spdlog::debug("HTTP connection from {} closed: {}", remote_, ec.message());
    }
    Close();
  }

  void OnRequest(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    auto& msg = parser_->get();
    const bool keep_alive = msg.keep_alive() && server_->options().keep_alive;

    Request req;
    req.method = cur_.method;
    req.target = cur_.target;
    req.request_id = cur_.request_id;
    req.remote_address = remote_;
    if (!ParseTarget(req.target, &req.path, &req.query)) {
      return Send(server_->RenderError(400, "Invalid request target"), keep_alive);
    }
    for (const auto& field : msg) {
      auto [it, inserted] =
          req.headers.try_emplace(std::string(field.name_string()), std::string(field.value()));
      if (!inserted) {  // repeated field: combine as a list (RFC 7230 3.2.2)
        it->second += ", ";
        it->second.append(field.value().data(), field.value().size());
      }
    }
    req.body = std::move(msg.body());
    parser_.reset();  // the header fields are copied: free them while the handler runs
    if (auto inbound = req.Header("X-OpenStack-Request-ID");
        inbound && inbound->size() > 4 && inbound->compare(0, 4, "req-") == 0 &&
        IsUuidLike(std::string_view(*inbound).substr(4))) {
      // Upstream treats a well-formed inbound id as the global request id; ours stays local.
      spdlog::debug("{}: global request id {}", cur_.request_id, *inbound);
    }
    keep_alive_ = keep_alive;

    bool queued = server_->pool().Submit([self = shared_from_this(), req = std::move(req)]() {
      Response res = self->server_->Invoke(req);
      asio::post(self->executor_, [self, res = std::move(res)]() mutable {
        self->Send(std::move(res), self->keep_alive_);
      });
    });
    if (!queued) {
      Send(server_->RenderError(503, "The server is overloaded or shutting down"), false);
    }
  }

  // Answers with an error the server produced itself, then closes.
  void SendServerError(int status, const std::string& message) {
    if (!in_exchange_ && parser_) {
      // An error while reading the header: the request line may have been parsed already;
      // use it for the log line (and to send no body to a HEAD).
      BeginExchange();
      const auto& msg = parser_->get();
      if (!msg.method_string().empty()) cur_.method = std::string(msg.method_string());
      if (!msg.target().empty()) cur_.target = std::string(msg.target());
      cur_.head = msg.method() == bhttp::verb::head;
      cur_.version = msg.version() == 10 ? 10 : 11;
    }
    BeginExchange();  // no-op when the header was read
    Send(server_->RenderError(status, message), false);
  }

  void Send(Response r, bool keep_alive) {
    keep_alive = keep_alive && !server_->stopping();
    int status = r.status;
    if (status < 100 || status > 999) {
      spdlog::error("{}: handler returned invalid HTTP status {}; sending 500", cur_.request_id,
                    status);
      r = server_->RenderError(500, "Internal Server Error");
      status = r.status;
    }
    const size_t body_len =
        ToWire(std::move(r), cur_.request_id, cur_.version, cur_.head, &keep_alive, &res_);

    ArmIdleTimer();
    bhttp::async_write(stream_, res_,
                       [self = shared_from_this(), keep_alive, status, body_len](
                           beast::error_code ec, size_t) {
                         self->OnWrite(ec, keep_alive, status, body_len);
                       });
  }

  void OnWrite(beast::error_code ec, bool keep_alive, int status, size_t body_len) {
    if (server_->options().access_log) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            cur_.start)
                      .count();
      spdlog::info("{} \"{} {}\" status: {} len: {} time: {:.3f}ms {}{}", remote_, cur_.method,
                   cur_.target, status, cur_.head ? 0 : body_len, ms, cur_.request_id,
                   ec ? " (write failed: " + ec.message() + ")" : "");
    }
    EndExchange();
    res_ = {};
    if (ec) return Close();
    if (!keep_alive) return LingeringClose();
    served_ = true;
    ReadHeader();
  }

  void LingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    buffer_.consume(buffer_.size());
    stream_.expires_after(std::chrono::seconds(kLingerSeconds));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();  // EOF, timeout, reset, Stop
                              self->buffer_.consume(self->buffer_.size());
                              self->Drain();
                            });
  }

  void Close() {
    if (in_exchange_) EndExchange();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  void BeginExchange() {
    if (in_exchange_) return;
    in_exchange_ = true;
    cur_ = Exchange{};
    cur_.request_id = "req-" + GenerateUuid();
    cur_.start = std::chrono::steady_clock::now();
    server_->ExchangeStarted();
  }

  void EndExchange() {
    if (!in_exchange_) return;
    in_exchange_ = false;
    server_->ExchangeFinished();
  }

  BeastServer* const server_;
  const uint64_t id_;
  const asio::any_io_executor executor_;  // the connection's strand
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Exchange cur_;
  bool in_exchange_ = false;  // from a request's header (or a read error) until its response
  bool keep_alive_ = false;   // of the request being served
  bool served_ = false;       // a response was written and the connection kept alive
  Phase phase_ = Phase::kOther;
  int armed_seconds_ = 0;  // the timeout of the pending read or write (for the log)
  int64_t reported_buffer_bytes_ = 0;  // our share of ServerStats::idle_buffer_bytes
};

// A connection above max_connections: answered 503 and closed, without a Session. The
// write and a short drain of what the client sent (so the close does not reset the
// connection before the client reads the 503) are bounded by kRefusalSeconds.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, BeastServer* server) : server_(server), stream_(std::move(socket)) {
    server_->RefusalStarted();
  }
  ~Refusal() { server_->RefusalFinished(); }
  Refusal(const Refusal&) = delete;
  Refusal& operator=(const Refusal&) = delete;

  void Run(bhttp::response<bhttp::string_body> res) {
    res_ = std::move(res);
    stream_.expires_after(std::chrono::seconds(kRefusalSeconds));
    bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->Drain();
    });
  }

 private:
  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Drain();
                            });
  }
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  BeastServer* const server_;
  beast::tcp_stream stream_;
  bhttp::response<bhttp::string_body> res_;
  std::array<char, 1024> scratch_{};
};

BeastServer::BeastServer(const ServerOptions& options, Handler handler)
    : options_(options),
      handler_(std::move(handler)),
      ioc_(std::max(1, options.io_threads)),
      acceptor_(asio::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()),
      trim_timer_(asio::make_strand(ioc_)),
      pool_(std::max<size_t>(1, options.max_queued_requests)) {}

Result<void> BeastServer::Start() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (started_ || stopped_) return Fail(Error::FailedPrecondition("HTTP server already started"));
  const std::string where = fmt::format("{}:{}", options_.host, options_.port);

  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Fail(Error::Unavailable(fmt::format("cannot resolve {}: {}", where,
                                                 ec ? ec.message() : "no address")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view what) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Fail(Error::Unavailable(fmt::format("cannot {} {}: {}", what, where, ec.message())));
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind to");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  port_ = acceptor_.local_endpoint(ec).port();

  max_connections_ = options_.max_connections > 0 ? options_.max_connections : 0;
  if (rlimit rl{}; max_connections_ > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                   rl.rlim_cur != RLIM_INFINITY) {
    auto cap = std::max<int64_t>(1, static_cast<int64_t>(rl.rlim_cur) - kReservedFds);
    if (cap < max_connections_) {
      spdlog::warn("HTTP: at most {} connections instead of {} ([api] max_connections): the "
                   "open-files limit (RLIMIT_NOFILE) is {}; raise it (ulimit -n, LimitNOFILE=) "
                   "for more",
                   cap, max_connections_, static_cast<int64_t>(rl.rlim_cur));
      max_connections_ = cap;
    }
  }

  started_ = true;
  pool_.Start(std::max(1, options_.worker_threads));
  work_.emplace(ioc_.get_executor());
  asio::post(acceptor_.get_executor(), [this] { DoAccept(); });
  if (options_.memory_trim_idle_ms > 0) {
    asio::post(trim_timer_.get_executor(), [this] { ScheduleTrim(); });
  }
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] {
      NameThisThread("magnum-http-io");
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {  // not expected; keep serving the others
          spdlog::error("HTTP io thread: unexpected exception: {}", e.what());
        }
      }
    });
  }
  spdlog::info("HTTP server listening on {}:{} ({} io, {} worker threads, at most {} "
               "connections)",
               options_.host, port_.load(), std::max(1, options_.io_threads),
               std::max(1, options_.worker_threads), max_connections_);
  return {};
}

void BeastServer::DoAccept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         beast::bind_front_handler(&BeastServer::OnAccept, this));
}

void BeastServer::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;  // stopping
  if (ec) {
    // E.g. EMFILE: back off instead of spinning on the still-pending connection.
    spdlog::warn("HTTP accept failed: {}; retrying in 100 ms", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) DoAccept();
    });
    return;
  }
  beast::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);  // small responses must not wait for ACKs
  const int64_t open = connections_.load();
  if (max_connections_ > 0 && open >= max_connections_) {
    Refuse(std::move(socket), open);
    DoAccept();
    return;
  }
  ++connections_;
  if (spdlog::should_log(spdlog::level::debug)) {
    beast::error_code ep_ec;
    auto ep = socket.remote_endpoint(ep_ec);
    spdlog::debug("HTTP connection from {} accepted ({} open, limit {})",
                  ep_ec ? "-" : ep.address().to_string(), open + 1, max_connections_);
  }
  auto session = std::make_shared<Session>(std::move(socket), this, next_session_id_);
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.emplace(next_session_id_, session);
  }
  ++next_session_id_;
  session->Run();
  DoAccept();
}

void BeastServer::Refuse(tcp::socket socket, int64_t open) {
  ++refused_;
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  const std::string remote = ec ? "-" : ep.address().to_string();
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
  if (now_s - last_limit_warning_.load() >= 60) {
    last_limit_warning_ = now_s;
    spdlog::warn("HTTP connection limit reached: {} connections open ([api] max_connections = "
                 "{}); new connections get 503 until some close (this warning at most once a "
                 "minute)",
                 open, max_connections_);
  }
  spdlog::debug("HTTP connection from {} refused: {} connections open, limit {}", remote, open,
                max_connections_);
  if (refusing_.load() >= kMaxRefusing) {
    socket.close(ec);  // already answering many: just close
    return;
  }
  const std::string request_id = "req-" + GenerateUuid();
  bool keep_alive = false;
  bhttp::response<bhttp::string_body> res;
  size_t len = ToWire(RenderError(503, "Too many connections; retry later"), request_id, 11,
                      false, &keep_alive, &res);
  res.set(bhttp::field::retry_after, "1");
  if (options_.access_log) {
    spdlog::info("{} \"- -\" status: 503 len: {} time: 0.000ms {} (connection limit {})", remote,
                 len, request_id, max_connections_);
  }
  std::make_shared<Refusal>(std::move(socket), this)->Run(std::move(res));
}

void BeastServer::Unregister(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.erase(id);
  }
  --connections_;
  ++activity_;
}

ServerStats BeastServer::stats() const {
  ServerStats s;
  s.open_connections = connections_.load();
  s.max_connections = max_connections_;
  s.refused_connections = refused_.load();
  s.idle_buffer_bytes = idle_buffer_bytes_.load();
  s.memory_trims = memory_trims_.load();
  return s;
}

// On the trim timer's strand. Trims once the activity counter has stood still for a whole
// period and nothing is in flight.
void BeastServer::ScheduleTrim() {
  trim_timer_.expires_after(std::chrono::milliseconds(options_.memory_trim_idle_ms));
  trim_timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopping()) return;
    MaybeTrim();
    ScheduleTrim();
  });
}

void BeastServer::MaybeTrim() {
  const uint64_t activity = activity_.load();
  if (activity == trimmed_activity_) return;  // nothing happened since the last trim
  if (activity != trim_seen_activity_) {      // still busy: wait for a quiet period
    trim_seen_activity_ = activity;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    if (inflight_ > 0) return;
  }
#if defined(__GLIBC__)
  auto start = std::chrono::steady_clock::now();
  malloc_trim(0);
  spdlog::debug("HTTP server idle: returned freed memory to the OS in {:.1f} ms",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
#endif
  ++memory_trims_;
  trimmed_activity_ = activity;
}

std::vector<std::shared_ptr<Session>> BeastServer::LiveSessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard<std::mutex> lock(sessions_mu_);
  out.reserve(sessions_.size());
  for (auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

void BeastServer::ExchangeStarted() {
  std::lock_guard<std::mutex> lock(inflight_mu_);
  ++inflight_;
}

void BeastServer::ExchangeFinished() {
  ++activity_;
  std::lock_guard<std::mutex> lock(inflight_mu_);
  if (--inflight_ == 0) inflight_cv_.notify_all();
}

Response BeastServer::Invoke(const Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    spdlog::error("{}: unhandled exception in handler for {} {}: {}", request.request_id,
                  request.method, request.target, e.what());
  } catch (...) {
    spdlog::error("{}: unhandled non-standard exception in handler for {} {}",
                  request.request_id, request.method, request.target);
  }
  return RenderError(500, "Internal Server Error");
}

Response BeastServer::RenderError(int status, const std::string& message) {
  if (options_.error_renderer) {
    try {
      Response r = options_.error_renderer(status, message);
      if (r.status >= 100 && r.status <= 999) return r;
      spdlog::error("HTTP error renderer returned invalid status {}", r.status);
    } catch (const std::exception& e) {
      spdlog::error("HTTP error renderer threw: {}", e.what());
    } catch (...) {
      spdlog::error("HTTP error renderer threw a non-standard exception");
    }
  }
  return DefaultErrorResponse(status, message);
}

void BeastServer::Stop(int grace_ms) {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (!started_ || stopped_) return;
  if (t_server_thread) {
    // Joining our own thread would deadlock: a broken invariant, so crash loudly.
    spdlog::critical("HTTP Server::Stop called from a server io/worker thread");
    std::abort();
  }
  stopped_ = true;
  stopping_.store(true, std::memory_order_release);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);

  // 1. Stop accepting. Waits for the acceptor strand (io threads never block, so this is
  //    prompt); afterwards new connections are refused.
  std::promise<void> closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    beast::error_code ec;
    accept_retry_.cancel();
    acceptor_.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  asio::post(trim_timer_.get_executor(), [this] { trim_timer_.cancel(); });

  // 2. Close idle keep-alive connections; busy ones close after writing their response
  //    (stopping() turns keep-alive off).
  for (auto& s : LiveSessions()) s->CloseIfIdle();

  // 3. Let in-flight exchanges finish, up to the grace period.
  {
    std::unique_lock<std::mutex> inflight_lock(inflight_mu_);
    if (!inflight_cv_.wait_until(inflight_lock, deadline, [this] { return inflight_ == 0; })) {
      spdlog::warn("HTTP server stopping with {} request(s) still in flight", inflight_);
    }
  }

  // 4. Stop the io threads, then close whatever is left (safe: no io thread runs now).
  work_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  for (auto& s : LiveSessions()) s->CloseNow();

  // 5. Drop queued requests and wait for running handlers (they cannot be interrupted).
  pool_.Shutdown();
  spdlog::info("HTTP server on port {} stopped", port_.load());
}

}  // namespace

std::unique_ptr<Server> NewServer(const ServerOptions& options, Handler handler) {
  return std::make_unique<BeastServer>(options, std::move(handler));
}

}  // namespace magnum::http
