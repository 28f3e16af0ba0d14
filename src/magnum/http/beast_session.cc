// One HTTP connection (Session: reading requests, dispatch to a worker, plain responses,
// lingering close; its streamed responses are in beast_stream.cc) and the refusal of a
// connection above the limit (Refusal); see beast_server.cc for the threading and timeout
// model.

#include <array>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "magnum/common/uuid.h"
#include "magnum/http/beast_internal.h"

namespace magnum::http::internal {
namespace {

constexpr int kRefusalSeconds = 2;         // a refused connection: write 503 and drain
constexpr size_t kFirstReadBytes = 1024;   // kept-alive: first read of the next request
constexpr size_t kIdleBufferBytes = 8192;  // a larger read buffer is shrunk between requests
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

Session::Session(tcp::socket socket, BeastServer* server, uint64_t id)
    : server_(server),
      id_(id),
      executor_(socket.get_executor()),
      stream_(std::move(socket)),
      stream_timer_(executor_) {
  beast::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? "-" : ep.address().to_string();
}

Session::~Session() {
  // A stream still counted here was dropped with the io_context after Stop.
  if (streaming_ && streaming_->counted) server_->StreamFinished();
  server_->AddIdleBufferBytes(-reported_buffer_bytes_);
  server_->Unregister(id_);
}

void Session::Run() {
  asio::dispatch(executor_, [self = shared_from_this()] { self->ReadHeader(); });
}

void Session::CloseIfIdle() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->streaming_) return self->EndStream(StreamEnd::kServerStop);
    if (!self->in_exchange_) self->Close();
  });
}

void Session::CloseNow() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  // No io thread runs now, and workers hold their own reference: the producer goes now
  // rather than whenever the io_context drops the handlers holding this session.
  if (streaming_) streaming_->producer.reset();
}

// The pending read or write must finish within `seconds` (<= 0: the idle timeout; both
// <= 0: no timeout).
void Session::ArmTimer(int seconds, Phase phase) {
  phase_ = phase;
  if (seconds <= 0) seconds = server_->options().idle_timeout_seconds;
  armed_seconds_ = seconds;
  if (seconds > 0) {
    stream_.expires_after(std::chrono::seconds(seconds));
  } else {
    stream_.expires_never();
  }
}

// Starts reading the next request: on a new connection (or with pipelined bytes) the
// header timeout runs from now; on a kept-alive one, the first byte may take the idle
// timeout and the header timeout starts with it.
void Session::ReadHeader() {
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

void Session::ReadRestOfHeader() {
  ArmTimer(server_->options().header_timeout_seconds, Phase::kHeader);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
}

void Session::ReportIdleBuffer() {
  auto now = static_cast<int64_t>(buffer_.capacity());
  server_->AddIdleBufferBytes(now - reported_buffer_bytes_);
  reported_buffer_bytes_ = now;
}

void Session::OnHeader(beast::error_code ec, size_t /*bytes*/) {
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

void Session::ReadBody() {
  if (parser_->is_done()) return OnRequest({}, 0);
  ArmTimer(server_->options().body_timeout_seconds, Phase::kBody);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::OnRequest, shared_from_this()));
}

void Session::OnReadError(beast::error_code ec) {
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
      spdlog::info(
          "HTTP connection from {} closed: request header not complete within {} s "
          "([api] header_timeout)",
          remote_, armed_seconds_);
    } else if (phase_ == Phase::kBody) {
      spdlog::info(
          "HTTP connection from {} closed: {} {} {}: request body not complete "
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

void Session::OnRequest(beast::error_code ec, size_t /*bytes*/) {
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

  if (server_->options().try_inline) {
    if (std::optional<Response> answer = server_->TryInline(req)) {
      return Send(std::move(*answer), keep_alive);
    }
  }
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
void Session::SendServerError(int status, const std::string& message) {
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

void Session::Send(Response r, bool keep_alive) {
  keep_alive = keep_alive && !server_->stopping();
  int status = r.status;
  if (status < 100 || status > 999) {
    spdlog::error("{}: handler returned invalid HTTP status {}; sending 500", cur_.request_id,
                  status);
    r = server_->RenderError(500, "Internal Server Error");
    status = r.status;
  }
  if (r.stream && r.stream->producer && status / 100 == 2) return StartStream(std::move(r));
  r.stream.reset();
  const size_t body_len =
      ToWire(std::move(r), cur_.request_id, cur_.version, cur_.head, &keep_alive, &res_);

  ArmIdleTimer();
  bhttp::async_write(
      stream_, res_,
      [self = shared_from_this(), keep_alive, status, body_len](beast::error_code ec, size_t) {
        self->OnWrite(ec, keep_alive, status, body_len);
      });
}

void Session::OnWrite(beast::error_code ec, bool keep_alive, int status, size_t body_len) {
  if (server_->options().access_log) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cur_.start)
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

void Session::LingeringClose() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  buffer_.consume(buffer_.size());
  stream_.expires_after(std::chrono::seconds(kLingerSeconds));
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();  // EOF, timeout, reset, Stop
                            self->buffer_.consume(self->buffer_.size());
                            self->Drain();
                          });
}

void Session::Close() {
  if (in_exchange_) EndExchange();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

void Session::BeginExchange() {
  if (in_exchange_) return;
  in_exchange_ = true;
  cur_ = Exchange{};
  cur_.request_id = "req-" + GenerateUuid();
  cur_.start = std::chrono::steady_clock::now();
  server_->ExchangeStarted();
}

void Session::EndExchange() {
  if (!in_exchange_) return;
  in_exchange_ = false;
  server_->ExchangeFinished();
}

namespace {

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

  void Run(WireResponse res) {
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
  WireResponse res_;
  std::array<char, 1024> scratch_{};
};

}  // namespace

std::shared_ptr<Connection> NewSession(tcp::socket socket, BeastServer* server, uint64_t id) {
  return std::make_shared<Session>(std::move(socket), server, id);
}

void StartRefusal(tcp::socket socket, BeastServer* server, WireResponse res) {
  std::make_shared<Refusal>(std::move(socket), server)->Run(std::move(res));
}

}  // namespace magnum::http::internal
