// The in-process bus: a Transport whose requests go through a queue to dispatcher threads
// in the same process (magnumd's API and conductor). Payloads and replies are JSON text
// exactly as on a broker, and replies go through the rpc/messages.h envelope, so swapping
// in the AMQP transport changes no caller.
//
// Thread-safe. Requests are handled in FIFO order by `dispatcher_threads` threads (several
// requests of one topic may run at once). At most `max_queued` requests wait; beyond that a
// call or cast fails at once with kUnavailable (503 at the API: "The conductor is
// overloaded ..."). Destruction shuts the transport down.
#pragma once

#include <cstddef>
#include <memory>

#include "magnum/rpc/transport.h"

namespace magnum::rpc {

// True for transport URLs served by the in-process bus: "" and "inproc://..." (any suffix).
bool IsInprocTransportUrl(const std::string& url);

inline constexpr size_t kDefaultMaxQueuedRequests = 4096;

std::unique_ptr<Transport> NewInprocTransport(int dispatcher_threads = 4,
                                              size_t max_queued = kDefaultMaxQueuedRequests);

}  // namespace magnum::rpc
