// Internal to http/: what the Boost.Beast server's parts share. Only beast_*.cc include
// this (it pulls in Boost); everything else uses server.h.
//
// Parts: beast_server.cc (BeastServer: accept, limits, stop, memory trim), beast_session.cc
// (one connection: read, timeouts, dispatch to a worker, write, lingering close; and the
// refusal of a connection above the limit), beast_wire.cc (strict header checks, Response
// to the wire message), worker_pool.* (the handler threads). See beast_server.cc for the
// threading, timeout and memory model.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "magnum/http/server.h"
#include "magnum/http/worker_pool.h"

namespace magnum::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// The body of a response on the wire: its own string, or a string shared with other
// responses (Response::shared_body, e.g. a cached body), sent without a copy.
struct ResponseBody {
  struct value_type {
    std::string owned;
    std::shared_ptr<const std::string> shared;
    std::string_view view() const { return shared ? std::string_view(*shared) : owned; }
  };
  static std::uint64_t size(const value_type& v) { return v.view().size(); }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(const bhttp::header<isRequest, Fields>&, const value_type& body) : body_(body) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      std::string_view v = body_.view();
      return {{const_buffers_type(v.data(), v.size()), false}};
    }

   private:
    const value_type& body_;
  };
};
using WireResponse = bhttp::response<ResponseBody>;

// beast_wire.cc.
bool IEquals(std::string_view a, std::string_view b);
// RFC 7231 IMF-fixdate of now, cached per thread for the current second.
std::string_view HttpDate();
Response DefaultErrorResponse(int status, const std::string& message);

struct HeaderError {
  int status;
  std::string message;
};

// Strict HTTP checks Beast does not make (it ignores unknown transfer codings, reads a
// body-less request when `chunked` is not the only coding, accepts a missing Host, and
// accepts Content-Length after a non-chunked Transfer-Encoding), and the line limits.
std::optional<HeaderError> CheckHeader(const bhttp::request_header<>& h,
                                       const ServerOptions& options);

// Converts a Response to the wire message: framing headers are ours, invalid headers are
// dropped, the request id and a Date are added. Returns the body length (for the log).
size_t ToWire(Response r, const std::string& request_id, unsigned version, bool head,
              bool* keep_alive, WireResponse* res);

// beast_session.cc: an accepted connection, as the server sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  // Starts reading requests (once, after the server registered the connection).
  virtual void Run() = 0;
  // Called by Stop: closes the connection unless a request is being served.
  virtual void CloseIfIdle() = 0;
  // Called by Stop once the io threads are joined (so nothing else touches the stream).
  virtual void CloseNow() = 0;
};

class BeastServer;

// A connection on its own strand; on destruction it unregisters itself (`id`).
std::shared_ptr<Connection> NewSession(tcp::socket socket, BeastServer* server, uint64_t id);
// Answers `res` (a 503) on a connection above the limit and closes it, bounded in time.
void StartRefusal(tcp::socket socket, BeastServer* server, WireResponse res);

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
  // On the io thread: ServerOptions::try_inline's answer, or nullopt (also when it threw).
  std::optional<Response> TryInline(const Request& request);
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
  std::vector<std::shared_ptr<Connection>> LiveSessions();

  const ServerOptions options_;
  const Handler handler_;

  // Declared before ioc_ so that they outlive the handlers (and sessions) it destroys.
  std::mutex sessions_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> sessions_;  // guarded by sessions_mu_
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

}  // namespace magnum::http::internal
