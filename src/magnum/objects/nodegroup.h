// A nodegroup of a cluster (table nodegroup). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/status.h"
#include "magnum/objects/types.h"

namespace magnum::objects {

struct NodeGroup {
  int64_t id = 0;  // 0 = not stored yet
  std::string uuid;
  std::string name;
  std::string cluster_id;  // the cluster's uuid
  std::optional<std::string> project_id;
  std::optional<int64_t> docker_volume_size;
  std::optional<StringMap> labels;
  std::optional<std::string> flavor_id;
  std::optional<std::string> image_id;
  std::optional<StringList> node_addresses;
  std::optional<int64_t> node_count;
  std::optional<int64_t> max_node_count;
  std::optional<int64_t> min_node_count;
  std::optional<std::string> role;  // "master", "worker", or a user's role
  std::optional<bool> is_default;
  std::optional<std::string> stack_id;
  std::optional<ClusterStatus> status;
  std::optional<std::string> status_reason;
  std::optional<std::string> version;
  std::optional<StringMap> node_labels;
  std::optional<TaintList> node_taints;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool IsMaster() const { return role && *role == "master"; }

  bool operator==(const NodeGroup&) const = default;
};

}  // namespace magnum::objects
