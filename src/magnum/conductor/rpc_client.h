// ConductorApi over an rpc::Transport: what the API process holds. Every method is an RPC
// Call on the conductor topic (method names of api-v1.md §3.7: cluster_create, ...), so the
// conductor's acceptance or refusal (Error code and message) comes back synchronously; the
// long work continues on the conductor. Payloads are JSON (see rpc_server.h for the
// format). Transport failures (no conductor, timeout) are kUnavailable. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "magnum/conductor/conductor_api.h"

namespace magnum::rpc {
class Transport;
}

namespace magnum::conductor {

// `transport` must outlive the client. `timeout` bounds each call (accept phases take
// milliseconds; certificate signing and upgrade acceptance a little more).
std::unique_ptr<ConductorApi> NewRpcConductorClient(
    rpc::Transport* transport, std::string topic,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace magnum::conductor
