// How a cluster of the docker driver is laid out on the engine, as pure functions: object
// names, the labels that tie every object to its cluster, the nodes read back from
// container labels, which workers a shrink removes, and health from `node ls`.
// Everything the driver needs to know about a cluster is in the labels of its objects,
// so the driver keeps no state of its own across operations or restarts.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/driver.h"

namespace magnum::drivers::docker {

// Label keys. Every container, volume and network of a cluster carries kLabelCluster.
inline constexpr std::string_view kLabelCluster = "magnum.cluster.uuid";
inline constexpr std::string_view kLabelClusterName = "magnum.cluster.name";
inline constexpr std::string_view kLabelDriver = "magnum.driver";
inline constexpr std::string_view kLabelPrefix = "magnum.cluster.prefix";  // network only
inline constexpr std::string_view kLabelNodeGroup = "magnum.nodegroup.uuid";
inline constexpr std::string_view kLabelRole = "magnum.node.role";  // master | worker
inline constexpr std::string_view kLabelNodeName = "magnum.node.name";
inline constexpr std::string_view kLabelNodeIndex = "magnum.node.index";
inline constexpr std::string_view kLabelNodeIp = "magnum.node.ip";
inline constexpr std::string_view kLabelNodeImage = "magnum.node.image";  // template image_id

// The "label" filter selecting every object of `cluster_uuid`.
Filters ClusterFilter(std::string_view cluster_uuid);

// The labels every object of the cluster carries.
Labels ClusterLabels(const ClusterState& cluster);

// A DNS-label-safe prefix for object names: the cluster name lower-cased, characters
// outside [a-z0-9-] replaced by '-', trimmed to 40 characters; "cluster-<uuid8>" when
// nothing is left. With `disambiguate`, "-<uuid8>" is appended (another cluster owns the
// plain prefix).
std::string NamePrefix(std::string_view cluster_name, std::string_view cluster_uuid,
                       bool disambiguate = false);
// <prefix>-master-<i> / <prefix>-node-<i>; the container name, hostname and swarm hostname.
std::string NodeName(std::string_view prefix, bool master, int index);
std::string NetworkName(std::string_view prefix);
std::string VolumeName(std::string_view node_name);
// Linux bridge name (at most 15 characters): "mgn-<uuid8>".
std::string BridgeName(std::string_view cluster_uuid);

// A node as recorded in its container's labels, with the container's state.
struct NodeRecord {
  std::string container_id;
  std::string name;
  bool master = false;
  int index = 0;
  std::string nodegroup_uuid;
  std::string ip;
  std::string image;       // the container's image reference
  std::string image_id;    // and the image's id
  std::string node_image;  // the template image id it was created from
  std::string state;       // running, exited, created, ...
  std::string status;      // "Exited (137) 3 seconds ago"
  bool running() const { return state == "running"; }
};

// The nodes among `containers` (those with role/index labels), masters first, then by index.
std::vector<NodeRecord> NodesFromContainers(const std::vector<ContainerSummary>& containers);

// The `n` lowest worker indices not in `taken`.
std::vector<int> FreeIndices(const std::vector<int>& taken, int n);

// Whether `ref` names node `n`: its name (= hostname = swarm hostname), its address on the
// cluster network, or its container id (the full id or a prefix of at least 12 characters,
// as `docker ps` shortens it).
bool NodeMatches(const NodeRecord& n, std::string_view ref);

// Which of `workers` (one nodegroup, sorted by index) a shrink to `target` removes: first
// those named in `nodes_to_remove` (NodeMatches), then the highest indices. A manager is
// never chosen: neither a master container nor a node in `managers` (the cluster's master
// containers and any worker the swarm lists as a manager, promoted by hand). kInvalidArgument
// for a name that is not a node of the nodegroup, one that is a manager, when more are named
// than the shrink removes, or when too few non-managers are left to remove.
Result<std::vector<NodeRecord>> SelectNodesToRemove(const std::vector<NodeRecord>& workers,
                                                    const std::vector<std::string>& nodes_to_remove,
                                                    int64_t target,
                                                    const std::vector<NodeRecord>& managers = {});

// The batches a rolling upgrade replaces `nodes` in: workers first, in batches of
// `max_batch_size` (values below 1 count as 1), then managers, in batches small enough that
// the swarm keeps its raft quorum: of `manager_count` managers at most (manager_count-1)/2
// are down at once, and never more than max_batch_size (a lone manager goes by itself).
// Order within each kind is kept.
std::vector<std::vector<NodeRecord>> UpgradeBatches(const std::vector<NodeRecord>& nodes,
                                                    int64_t max_batch_size, int manager_count);

// One line of `docker node ls --format '{{.Hostname}}\t{{.Status}}\t{{.Availability}}'`.
struct NodeLsEntry {
  std::string hostname;
  std::string status;        // Ready, Down, Unknown, Disconnected
  std::string availability;  // Active, Pause, Drain
};
std::vector<NodeLsEntry> ParseNodeLs(std::string_view text);

// Health from the node containers and the manager's view of the swarm (`swarm` is empty
// with `api_error` set when the manager could not be asked). HEALTHY iff the manager
// answered and every node container runs and is Ready in the swarm. Reasons follow the
// reference monitor: "api" plus "<node>.Ready" = "True"/"False", and for a node that is not
// Ready a "<node>.reason" saying why.
HealthReport ComputeHealth(const std::vector<NodeRecord>& nodes,
                           const std::optional<std::vector<NodeLsEntry>>& swarm,
                           const std::string& api_error);

// The swarm node labels of a nodegroup: its node_labels plus magnum.nodegroup=<name>.
Labels SwarmLabelsFor(const NodeGroupState& ng);

}  // namespace magnum::drivers::docker
