// The real ContainerEngine (container_engine.h): containers on the Docker Engine of a
// cluster's manager, reached at the cluster's api_address (tcp://host:port, TLS) with
// Magnum's own client certificate of that cluster (CN=admin, signed by the cluster CA, the
// x509keypair row of magnum_cert_ref) and the cluster CA as trust anchor.
//
// Each container is made with Config.Labels magnum.container.uuid=<uuid> and named after
// its Magnum name; it is found by its docker_id, else by that label. The command string is
// split into words like a POSIX shell would (SplitCommandWords) and run without a shell;
// memory ("512m") becomes HostConfig.Memory in bytes (objects::DockerMemoryBytes). Images are never
// pulled (the clusters reach no registry): an image must already be on the engine.
//
// Engine state → status: running → Running; paused → Paused; created/exited → Stopped;
// State.Error set → Error (reason: the engine's error); dead → Error; removing and
// anything else → Unknown.
//
// Execute: a time bound (ContainerLimits::execute_timeout) and an output bound
// (max_output_bytes, truncated=true beyond it). A command still running when the time runs
// out is left running in the container (the Engine API cannot stop an exec process); the
// result is then the output so far, truncated=true and exit_code -1. Logs keep the first
// max_output_bytes of the container's log.
//
// Thread-safe: every call makes its own transport (a new TLS connection) and keeps no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/conductor/container_engine.h"
#include "magnum/drivers/docker/docker_client.h"

namespace magnum::config {
struct Config;
}  // namespace magnum::config

namespace magnum::conductor {

class ClusterCertificates;

// Splits `command` into words like a POSIX shell (without expansions): blanks separate
// words; '...' keeps everything literally; "..." keeps everything but \" \\ \$ \` and
// backslash-newline; an unquoted backslash quotes the next character (backslash-newline
// disappears). kInvalidArgument for an unterminated quote or a trailing backslash.
// Shell operators (| ; & > < $(...)) are ordinary characters: no shell is invoked.
Result<std::vector<std::string>> SplitCommandWords(std::string_view command);

// The Engine's container state as a status (the table above). Pure.
ContainerObserved ObservedFromEngine(const drivers::docker::ContainerInfo& info);

// The label that marks Magnum's containers.
inline constexpr std::string_view kContainerUuidLabel = "magnum.container.uuid";

// Where the engine of a cluster is and the TLS material to reach it.
using ContainerEndpointSource =
    std::function<Result<drivers::docker::DockerEndpoint>(const objects::Cluster&)>;
using ContainerTransportFactory = std::function<std::unique_ptr<drivers::docker::DockerTransport>(
    const drivers::docker::DockerEndpoint&)>;

// The endpoint of a cluster from its row (api_address, magnum_cert_ref) and its stored
// certificates. kFailedPrecondition when the cluster has no Docker endpoint (no
// api_address yet, an api_address that is not tcp://, no Magnum certificate).
// `certificates` must outlive the returned function.
ContainerEndpointSource CertificateEndpointSource(ClusterCertificates* certificates);

struct DockerContainerEngineOptions {
  std::chrono::milliseconds request_timeout{30'000};  // per Engine request (not exec output)
  int stop_timeout_s = 10;                            // grace before SIGKILL on stop and reboot
  std::chrono::milliseconds exec_poll_interval{20};   // waiting for an exec's exit code
};

// The options a deployment sets: [containers] request_timeout.
DockerContainerEngineOptions DockerContainerEngineOptionsFrom(const config::Config& config);

// `transports` empty = NewCurlTransport.
std::unique_ptr<ContainerEngine> NewDockerContainerEngine(
    ContainerEndpointSource endpoints, DockerContainerEngineOptions options = {},
    ContainerTransportFactory transports = {});

}  // namespace magnum::conductor
