// The message bus between the API and the conductors: an abstract Transport.
//
// Requests and replies are JSON text, so an in-process bus (inproc_transport.h) and a
// broker-backed one (AMQP, later) are interchangeable: everything that crosses a Transport
// is serialisable by construction. A server registers one Handler per topic; callers send
// (topic, method, payload) either as a Call (waits for the reply) or a Cast (no reply).
//
// Errors travel as values: a Handler's Error comes back from Call with the same code and
// message (rpc/messages.h defines the reply envelope). Transport failures are kUnavailable
// (no server on the topic, timeout, transport stopped).
//
// Implementations are thread-safe: any thread may Call/Cast; handlers run on the
// transport's own dispatcher threads and must not block for long.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "magnum/common/error.h"

namespace magnum::rpc {

// Handles one request: (method, JSON payload) -> JSON reply or an Error. Must be
// thread-safe: a transport may run several requests of one topic at once.
using Handler =
    std::function<Result<std::string>(const std::string& method, const std::string& payload)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends a request and waits up to `timeout` for the reply. kUnavailable when no server
  // serves `topic`, on timeout, or once the transport is shut down; otherwise the
  // handler's reply or error.
  virtual Result<std::string> Call(const std::string& topic, const std::string& method,
                                   const std::string& payload,
                                   std::chrono::milliseconds timeout) = 0;

  // Sends a request without waiting; the handler's result is dropped (errors are logged).
  // kUnavailable when no server serves `topic` or the transport is shut down.
  virtual Result<void> Cast(const std::string& topic, const std::string& method,
                            const std::string& payload) = 0;

  // Registers `handler` for `topic`. kAlreadyExists if the topic is served already (in
  // process; a broker transport allows several servers per topic).
  virtual Result<void> Serve(const std::string& topic, Handler handler) = 0;

  // Stops serving `topic`: new requests fail with kUnavailable; requests already being
  // handled finish. Returns once no handler of `topic` runs any more.
  virtual void StopServing(const std::string& topic) = 0;

  // Stops every server and fails pending requests with kUnavailable. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace magnum::rpc
