// Containers on a cluster's own Docker Engine (issue 15): what the conductor asks of the
// Engine for /v1/containers. The conductor owns rows and state rules; this interface only
// talks to the Engine of the cluster (its TLS endpoint, with a client certificate the
// conductor issues from the cluster's CA). Tests replace it (unit tests) or run the real
// one against a docker-driver Swarm cluster (label docker).
//
// Errors (common/error.h codes), each message saying what failed and what to do next:
//   kInvalidArgument     the Engine refused the request (unknown image, a command that does
//                        not exist, bad memory) → API 400
//   kNotFound            the container is gone from the Engine → status Error/Unknown
//   kConflict            wrong state for the action (execute on a stopped container, delete
//                        of a running one without force) → API 409
//   kUnavailable         the Engine cannot be reached (timeout, refused) → API 503
//   kFailedPrecondition  the cluster has no container endpoint (COE, no api_address, TLS)
//                        → API 400
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "magnum/common/error.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/container.h"

namespace magnum::conductor {

enum class ContainerAction { kStart, kStop, kReboot, kPause, kUnpause };

// What the Engine says a container is now.
struct ContainerObserved {
  objects::ContainerStatus status = objects::ContainerStatus::kUnknown;
  std::string status_reason;  // "" unless Error/Unknown
  std::string docker_id;
};

struct CommandOutput {
  std::string output;      // stdout and stderr, in order, at most the limit
  bool truncated = false;  // more was produced than the limit
  int exit_code = -1;      // execute only; -1 for logs
};

struct ContainerLimits {
  std::chrono::milliseconds execute_timeout{60'000};
  size_t max_output_bytes = 1 << 20;
};

class ContainerEngine {
 public:
  virtual ~ContainerEngine() = default;
  // Creates (does not start) the container, labelled with its Magnum uuid; the image must be
  // present on the cluster's engine or pullable by it.
  virtual Result<ContainerObserved> Create(const objects::Cluster& cluster,
                                           const objects::Container& container) = 0;
  // The Engine's view; kNotFound when the Engine has no such container.
  virtual Result<ContainerObserved> Show(const objects::Cluster& cluster,
                                         const objects::Container& container) = 0;
  virtual Result<ContainerObserved> Act(const objects::Cluster& cluster,
                                        const objects::Container& container,
                                        ContainerAction action) = 0;
  virtual Result<CommandOutput> Logs(const objects::Cluster& cluster,
                                     const objects::Container& container,
                                     const ContainerLimits& limits) = 0;
  virtual Result<CommandOutput> Execute(const objects::Cluster& cluster,
                                        const objects::Container& container,
                                        const std::string& command,
                                        const ContainerLimits& limits) = 0;
  // Removes it; a container already gone is success. `force` also removes a running one.
  virtual Result<void> Remove(const objects::Cluster& cluster, const objects::Container& container,
                              bool force) = 0;
};

}  // namespace magnum::conductor
