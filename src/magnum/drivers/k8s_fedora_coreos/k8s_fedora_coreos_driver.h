// The Heat driver for Kubernetes on Fedora CoreOS (upstream name k8s_fedora_coreos_v1):
// clusters on an OpenStack cloud as Heat stacks (docs/heat-driver.md).
//
// Stacks: one cluster stack (network, security groups, API load balancer, masters) named
// "<cluster name>-<cluster uuid>", and one stack per worker nodegroup named
// "<cluster name>-<nodegroup name>-<nodegroup uuid>" (names sanitised), rendered by
// drivers/heat/hot.h. Every operation is resumable (Advance): the progress record holds the
// stacks' names and ids, which step of the plan runs, and the last Heat event seen, never a
// secret; each call starts or polls Heat and is safe to repeat after a crash (a create
// first looks the stack up by its deterministic name).
//
// Heat is called on the cluster's behalf through its trust (ClusterHeatAuth); the
// OpenStack mode's conductor creates the trust at cluster create (docs/openstack.md).
// Heat events go to the cluster's event log (step "heat"); a failed stack fails the
// operation with the failed resources and Heat's reasons. An unreachable Heat is retried
// with back-off until the operation's deadline, then fails naming Heat.
//
// Thread-safe across clusters (no mutable state but the shared HTTP client).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "magnum/clients/heat_client.h"
#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"

namespace magnum {
class HttpClient;
}
namespace magnum::config {
struct Config;
}

namespace magnum::drivers::k8s {

inline constexpr const char* kDriverName = "k8s_fedora_coreos_v1";

struct K8sFedoraCoreosOptions {
  clients::HeatClientOptions heat;                      // [heat_client]
  std::chrono::milliseconds wait_interval{500};         // [cluster_heat] wait_interval
  // [cluster_heat] unreachable_timeout: how long an operation without a deadline of its
  // own (a delete) retries an unreachable Heat before it fails.
  std::chrono::milliseconds unreachable_timeout{600000};
  // [cluster_heat] environment_files / template_files, read at start: base name → text.
  std::vector<std::pair<std::string, std::string>> environment_files;
  std::map<std::string, std::string> template_files;
  // Longest back-off between retries while Heat is unreachable.
  std::chrono::milliseconds max_retry_delay{30000};
};

// kInvalidArgument for a bad [heat_client] option or an unreadable extra file.
Result<K8sFedoraCoreosOptions> K8sFedoraCoreosOptionsFromConfig(const config::Config& config);

// The credentials of Heat calls for `cluster` (its trust); `renew` after a 401.
using ClusterHeatAuth =
    std::function<Result<clients::HeatAuth>(const ClusterState& cluster, bool renew)>;

// `http` null = libcurl with the [heat_client] TLS options.
std::unique_ptr<Driver> NewK8sFedoraCoreosDriver(K8sFedoraCoreosOptions options,
                                                 ClusterHeatAuth auth,
                                                 std::shared_ptr<HttpClient> http = nullptr);

// Exposed for tests.
// Heat stack names: letters, digits, '_', '-', '.', starting with a letter.
std::string ClusterStackName(const ClusterState& cluster);
std::string NodeGroupStackName(const ClusterState& cluster, const NodeGroupState& nodegroup);
// The leaf failures of a stack as one line: "<resource> (<type>) in <stack>: <reason>; ...".
std::string DescribeFailedResources(const std::vector<clients::HeatResource>& failed,
                                    size_t at_most = 3);
// One event as the cluster's event log shows it.
std::string DescribeEvent(const clients::HeatEvent& event);

}  // namespace magnum::drivers::k8s
