// Internal to http/: what the Boost.Beast server's parts share. Only beast_*.cc include
// this (it pulls in Boost); everything else uses server.h.
//
// Parts: beast_server.cc (BeastServer: accept, limits, stop, memory trim), beast_session.cc
// (Session, one connection: read, timeouts, dispatch to a worker, write, lingering close;
// and the refusal of a connection above the limit), beast_stream.cc (a Session's streamed
// responses), beast_wire.cc (strict header checks, Response to the wire message),
// worker_pool.* (the handler threads). See beast_server.cc for the threading, timeout and
// memory model.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
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

// The status line and headers of a streamed response (Response::stream), as they go on the
// wire: HTTP/1.1 chunked (`*chunked` true), HTTP/1.0 delimited by the close; always
// `Connection: close` (the connection ends with the stream). Otherwise as ToWire.
std::string StreamHeader(Response r, const std::string& request_id, unsigned version,
                         bool* chunked);

// An accepted connection, as the server sees it (Session, below).
class Connection {
 public:
  virtual ~Connection() = default;
  // Starts reading requests (once, after the server registered the connection).
  virtual void Run() = 0;
  // Called by Stop: closes the connection unless a request is being served; ends a
  // streamed response at once.
  virtual void CloseIfIdle() = 0;
  // Called by Stop once the io threads are joined (so nothing else touches the stream).
  virtual void CloseNow() = 0;
};

class BeastServer;

// beast_session.cc: a Session on its own strand; on destruction it unregisters itself (`id`).
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
  // A streamed response began (after its exchange) / ended; Stop waits for them to end.
  void StreamStarted();
  void StreamFinished();
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

  mutable std::mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  int inflight_ = 0;  // guarded by inflight_mu_: exchanges begun and not yet written
  int streams_ = 0;   // guarded by inflight_mu_: streamed responses not yet ended

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

// beast_session.cc and beast_stream.cc: one accepted connection.

constexpr int kLingerSeconds = 5;  // lingering close: max wait for the peer's EOF

// Why a streamed response ended (for the log).
enum class StreamEnd { kNone, kDone, kClientGone, kServerStop, kMaxDuration, kWriteFailed };

// A streamed response (Response::stream) of a Session, from its headers until the connection
// closes. At most one of `polling`, `writing` and `waiting` is true; when none is,
// Session::StreamNext decides what comes next. (At namespace scope: clang cannot use the
// default member initializers of a class nested in one still being defined.)
struct Streaming {
  std::shared_ptr<StreamProducer> producer;  // reset when the stream ends
  std::chrono::milliseconds interval{250};
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool chunked = false;
  bool polling = false;    // a Next() call is queued or running on a worker
  bool writing = false;    // `out` is being written
  bool waiting = false;    // the interval timer is armed
  bool ready = true;       // call Next() without waiting (first call, `more`)
  bool finishing = false;  // the last chunk is being written, or the close lingers
  bool counted = true;     // counted in the server's open streams (and not yet logged)
  bool closed = false;
  StreamEnd end = StreamEnd::kNone;
  int status = 200;
  size_t bytes = 0;  // body bytes sent (framing excluded)
  std::string out;   // the chunk being written, with its framing
};

// One accepted connection. All members are confined to the connection's strand, except
// `executor_` and `server_`, which are immutable. Owned by shared_ptrs held by pending
// operations (and by a queued/running worker task while the handler runs).
class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, BeastServer* server, uint64_t id);
  ~Session() override;

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() override;
  void CloseIfIdle() override;
  void CloseNow() override;

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

  // beast_session.cc: requests and their (plain) responses.
  void ArmTimer(int seconds, Phase phase);
  void ArmIdleTimer() { ArmTimer(0, Phase::kOther); }
  void ReadHeader();
  void ReadRestOfHeader();
  void ReportIdleBuffer();
  void OnHeader(beast::error_code ec, size_t bytes);
  void ReadBody();
  void OnReadError(beast::error_code ec);
  void OnRequest(beast::error_code ec, size_t bytes);
  void SendServerError(int status, const std::string& message);
  void Send(Response r, bool keep_alive);
  void OnWrite(beast::error_code ec, bool keep_alive, int status, size_t body_len);
  void LingeringClose();
  void Drain();
  void Close();
  void BeginExchange();
  void EndExchange();

  // beast_stream.cc: a streamed response, from Send on.
  void StartStream(Response r);
  void WatchClient();
  void OnClientGone();
  void WriteStream();
  void OnStreamWrite(beast::error_code ec);
  void StreamNext();
  void PollStream();
  void OnStreamChunk(StreamChunk chunk);
  void EndStream(StreamEnd why);
  void FinishStream();
  void Linger();
  void CloseStream();
  void StreamEnded();

  BeastServer* const server_;
  const uint64_t id_;
  const asio::any_io_executor executor_;  // the connection's strand
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  WireResponse res_;
  Exchange cur_;
  bool in_exchange_ = false;  // from a request's header (or a read error) until its response
  bool keep_alive_ = false;   // of the request being served
  bool served_ = false;       // a response was written and the connection kept alive
  Phase phase_ = Phase::kOther;
  int armed_seconds_ = 0;              // the timeout of the pending read or write (for the log)
  int64_t reported_buffer_bytes_ = 0;  // our share of ServerStats::idle_buffer_bytes
  // A streamed response: its state, its interval/linger timer and the discarded reads.
  std::optional<Streaming> streaming_;
  asio::steady_timer stream_timer_;
  std::array<char, 512> scratch_{};
};

}  // namespace magnum::http::internal
