// The HTTP server: accepts connections, parses requests, hands them to a Handler on a
// worker pool (never on an I/O thread) and writes the responses back. An optional
// InlineHandler may answer a request on the I/O thread first, when it can without blocking.
//
// Implementation: beast_server.cc (Boost.Beast). Keep-alive, a request body limit (413
// in the API error format above it), an `x-openstack-request-id` on every response, an
// access log line per request, graceful stop (in-flight requests finish).
//
// Strict HTTP: a Transfer-Encoding other than exactly `chunked` is 501; Transfer-Encoding
// with Content-Length, or in an HTTP/1.0 request, is 400; an HTTP/1.1 request without
// exactly one Host is 400. Limits (see docs/operations.md "Limits"): open connections (503
// to the ones above), header size and line length (431/414), header-read, body-read and
// keep-alive idle timeouts (the connection is closed), the worker queue (503). Errors the
// server produces itself go through `error_renderer` and close the connection.
//
// Streamed responses (Response::stream, message.h): after the headers, the producer is
// asked for more on a timer of the connection (no thread is held while waiting; each call
// runs on the worker pool); every write must finish within the idle timeout; the stream
// ends when the producer is done, the client disconnects, its max duration passes or the
// server stops (Stop ends open streams at once), and the connection closes with it.
// Start/Stop are called from one thread; the handler is called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum::http {

// Produces the response for a request. Runs on a worker thread; may block (database).
using Handler = std::function<Response(const Request&)>;

// Optional: asked first, on the io thread, for a response it can give without blocking
// (e.g. from a cache); nullopt hands the request to a worker thread and the Handler as
// usual. Must be quick and must not block. Called concurrently; must not throw (an
// exception is logged and the request goes to the Handler).
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9511;             // 0 = any free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 4;
  int64_t max_body_bytes = 114688;  // larger bodies get 413
  // Every read and write must finish within this; a kept-alive connection waiting this long
  // for the first byte of its next request is closed. <= 0: no timeout.
  int idle_timeout_seconds = 60;
  // The request line and headers must arrive within this many seconds: counted from accept
  // on a new connection, from the first byte of the next request on a kept-alive one.
  // <= 0: the idle timeout applies instead.
  int header_timeout_seconds = 10;
  // The whole body must arrive within this many seconds after the header. <= 0: idle timeout.
  int body_timeout_seconds = 30;
  uint32_t max_header_bytes = 32768;  // request line + headers; larger: 431
  uint32_t max_header_line = 16384;   // one header line (431) or the request target (414)
  // Open connections; a connection above it gets an immediate 503 and is closed. Capped
  // below the process's RLIMIT_NOFILE. <= 0: no limit.
  int max_connections = 1000;
  size_t max_queued_requests = 1024;  // requests waiting for a worker; 503 above it
  bool keep_alive = true;             // false: every response closes the connection
  // After a burst of requests, once nothing has happened for this long, return freed heap
  // memory to the OS (glibc malloc_trim). <= 0: never.
  int memory_trim_idle_ms = 1000;
  bool access_log = true;
  InlineHandler try_inline;  // empty: every request goes to a worker thread
  // Renders errors the server produces itself (413, 400 for unparsable requests, 503 while
  // stopping) in the API's error format. Default: a plain-text body.
  std::function<Response(int status, const std::string& message)> error_renderer;
};

// Counters, for tests and debugging. Approximate while requests are in flight.
struct ServerStats {
  int64_t open_connections = 0;      // sessions alive (including lingering closes)
  int64_t max_connections = 0;       // the effective limit (after the RLIMIT_NOFILE cap); 0: none
  int64_t refused_connections = 0;   // answered 503 for the connection limit, since Start
  int64_t idle_buffer_bytes = 0;     // read-buffer capacity held by connections between requests
  int64_t memory_trims = 0;          // times freed heap memory was returned to the OS
  int64_t open_streams = 0;          // streamed responses (Response::stream) not yet ended
};

class Server {
 public:
  virtual ~Server() = default;

  // Binds and starts serving; returns when the server is listening.
  virtual Result<void> Start() = 0;
  // The bound port (after Start).
  virtual uint16_t port() const = 0;
  // Stops accepting, ends streamed responses, lets in-flight requests finish (up to
  // `grace_ms`), then closes every connection and joins the threads. Idempotent.
  virtual void Stop(int grace_ms = 10000) = 0;
  virtual ServerStats stats() const = 0;
};

std::unique_ptr<Server> NewServer(const ServerOptions& options, Handler handler);

}  // namespace magnum::http
