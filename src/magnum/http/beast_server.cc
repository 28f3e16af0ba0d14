// The HTTP server adapter on Boost.Beast: the server (this file), its connections
// (beast_session.cc; their streamed responses, beast_stream.cc), the wire checks
// (beast_wire.cc) and the worker threads (worker_pool.*).
// Only these files include Boost headers (through beast_internal.h).
//
// Threads:
//   * `io_threads` threads run one io_context. Every connection (Session) lives on its own
//     strand; the acceptor and its retry timer live on another. Nothing blocks here.
//   * `worker_threads` threads (WorkerPool) run the Handler. A finished handler posts the
//     response back to the connection's strand, which writes it.
//   * `try_inline` (optional) runs on the connection's strand first; a response it gives is
//     written at once (no hand-off: two context switches fewer per request), nullopt goes
//     to the pool. It must not block. A shared body (Response::shared_body) is written from
//     the shared string, not copied.
//   * Start/Stop run on the owner's thread.
//   * A streamed response (Response::stream) stays on its connection's strand: after the
//     headers, a timer of the strand waits `interval_ms`, then the producer's Next() runs as
//     a worker task that posts its chunk back; the strand writes it and arms the timer
//     again. No thread waits between chunks; one chunk at most is held per stream. A read
//     stays pending meanwhile (what the client sends is discarded) so that a disconnect
//     ends the stream at once. Stop ends streams first (the last chunk is written, the
//     connection closed); the exchange itself ends once the headers are sent, so streams
//     do not hold off the idle memory trim.
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
// large bodies (every arena's free lists) resident for good. Because the server trims when
// idle, glibc's own trimming while busy is turned off (high trim and mmap thresholds, unless
// GLIBC_TUNABLES sets them): a response body is built on a worker thread and freed on an io
// thread, and glibc would otherwise give that arena's top back to the kernel on almost every
// request and fault it in again on the next (~25% of the CPU of a 50-template list).
//
// Connection close after an error or `Connection: close` is a "lingering close": we shut
// down our sending side and read (and discard) until the peer closes or kLingerSeconds
// pass. Closing with unread data in the socket would send an RST, and the client could lose
// the 413/400 response we just wrote.

#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "magnum/common/uuid.h"
#include "magnum/http/beast_internal.h"

namespace magnum::http {
namespace internal {
namespace {

constexpr int kMaxRefusing = 64;   // refusals in progress; beyond, just close
constexpr int kReservedFds = 128;  // fds kept for everything but connections

// While busy, keep freed heap instead of returning it at every free (see the file comment);
// the idle trim gives it back. Process-wide; once.
void KeepHeapWhileBusy() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables != nullptr && std::string_view(tunables).find("malloc.") != std::string_view::npos) {
      return;  // the operator chose
    }
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
  });
#endif
}

}  // namespace

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
  if (options_.memory_trim_idle_ms > 0) KeepHeapWhileBusy();
  pool_.Start(std::max(1, options_.worker_threads));
  work_.emplace(ioc_.get_executor());
  asio::post(acceptor_.get_executor(), [this] { DoAccept(); });
  if (options_.memory_trim_idle_ms > 0) {
    asio::post(trim_timer_.get_executor(), [this] { ScheduleTrim(); });
  }
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] {
      NameServerThread("magnum-http-io");
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
  auto session = NewSession(std::move(socket), this, next_session_id_);
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
  WireResponse res;
  size_t len = ToWire(RenderError(503, "Too many connections; retry later"), request_id, 11,
                      false, &keep_alive, &res);
  res.set(bhttp::field::retry_after, "1");
  if (options_.access_log) {
    spdlog::info("{} \"- -\" status: 503 len: {} time: 0.000ms {} (connection limit {})", remote,
                 len, request_id, max_connections_);
  }
  StartRefusal(std::move(socket), this, std::move(res));
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
  {
    std::lock_guard<std::mutex> lock(inflight_mu_);
    s.open_streams = streams_;
  }
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

std::vector<std::shared_ptr<Connection>> BeastServer::LiveSessions() {
  std::vector<std::shared_ptr<Connection>> out;
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

void BeastServer::StreamStarted() {
  std::lock_guard<std::mutex> lock(inflight_mu_);
  ++streams_;
}

void BeastServer::StreamFinished() {
  ++activity_;
  std::lock_guard<std::mutex> lock(inflight_mu_);
  if (--streams_ == 0 && inflight_ == 0) inflight_cv_.notify_all();
}

void BeastServer::ExchangeFinished() {
  ++activity_;
  std::lock_guard<std::mutex> lock(inflight_mu_);
  if (--inflight_ == 0 && streams_ == 0) inflight_cv_.notify_all();
}

namespace {

// fn(request), or nullopt when it throws (logged as an unhandled exception in `what`).
template <class Fn>
auto Guarded(const Request& request, std::string_view what, const Fn& fn)
    -> std::optional<std::invoke_result_t<const Fn&, const Request&>> {
  try {
    return fn(request);
  } catch (const std::exception& e) {
    spdlog::error("{}: unhandled exception in {} for {} {}: {}", request.request_id, what,
                  request.method, request.target, e.what());
  } catch (...) {
    spdlog::error("{}: unhandled non-standard exception in {} for {} {}", request.request_id,
                  what, request.method, request.target);
  }
  return std::nullopt;
}

}  // namespace

Response BeastServer::Invoke(const Request& request) {
  if (auto r = Guarded(request, "handler", handler_)) return std::move(*r);
  return RenderError(500, "Internal Server Error");
}

std::optional<Response> BeastServer::TryInline(const Request& request) {
  auto r = Guarded(request, "the inline handler", options_.try_inline);
  return r ? std::move(*r) : std::nullopt;
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
  if (OnServerThread()) {
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
  //    (stopping() turns keep-alive off). Streamed responses end now (their last chunk).
  for (auto& s : LiveSessions()) s->CloseIfIdle();

  // 3. Let in-flight exchanges and the ends of streams finish, up to the grace period.
  {
    std::unique_lock<std::mutex> inflight_lock(inflight_mu_);
    if (!inflight_cv_.wait_until(inflight_lock, deadline,
                                 [this] { return inflight_ == 0 && streams_ == 0; })) {
      spdlog::warn(
          "HTTP server stopping with {} request(s) still in flight and {} stream(s) "
          "open",
          inflight_, streams_);
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

}  // namespace internal

std::unique_ptr<Server> NewServer(const ServerOptions& options, Handler handler) {
  return std::make_unique<internal::BeastServer>(options, std::move(handler));
}

}  // namespace magnum::http
