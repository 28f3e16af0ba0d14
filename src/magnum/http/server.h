// The HTTP server: accepts connections, parses requests, hands them to a Handler on a
// worker pool (never on an I/O thread) and writes the responses back.
//
// Implementation: beast_server.cc (Boost.Beast). Keep-alive, a request body limit (413
// in the API error format above it), an `x-openstack-request-id` on every response, an
// access log line per request, graceful stop (in-flight requests finish).
// Start/Stop are called from one thread; the handler is called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum::http {

// Produces the response for a request. Runs on a worker thread; may block (database).
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9511;             // 0 = any free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 4;
  int64_t max_body_bytes = 114688;  // larger bodies get 413
  int idle_timeout_seconds = 60;    // keep-alive connections idle this long are closed
  bool access_log = true;
  // Renders errors the server produces itself (413, 400 for unparsable requests, 503 while
  // stopping) in the API's error format. Default: a plain-text body.
  std::function<Response(int status, const std::string& message)> error_renderer;
};

class Server {
 public:
  virtual ~Server() = default;

  // Binds and starts serving; returns when the server is listening.
  virtual Result<void> Start() = 0;
  // The bound port (after Start).
  virtual uint16_t port() const = 0;
  // Stops accepting, lets in-flight requests finish (up to `grace_ms`), then closes
  // every connection and joins the threads. Idempotent.
  virtual void Stop(int grace_ms = 10000) = 0;
};

std::unique_ptr<Server> NewServer(const ServerOptions& options, Handler handler);

}  // namespace magnum::http
