// Nodegroups of a cluster (§2.3, mv ≥ 1.9): /v1/clusters/{cluster}/nodegroups[/{ng}],
// served by the clusters controller through HandleNodeGroups. The field table,
// rendering and validators are pure and unit-tested. Internal to the API module;
// thread-safe (stateless).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/fields.h"
#include "magnum/api/json_writer.h"
#include "magnum/db/record.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::db {
class Database;
}

namespace magnum::api {

class ClusterOps;

// Bound to objects::NodeGroup.
const FieldList& NodeGroupFields();

// 409 NodeGroupInvalidInput: "<attr> for <nodegroup> is invalid (<why>)."
Error NodeGroupInvalidInput(const std::string& attr, const std::string& nodegroup,
                            const std::string& why);

// The count rules of create and PATCH: if max is set, min ≤ max and node_count ≤ max;
// min ≤ node_count. 409 NodeGroupInvalidInput ("<attr> for <ng> is invalid (<why>).").
Result<void> ValidateNodeGroupCounts(const std::string& nodegroup, int64_t node_count,
                                     int64_t min_node_count, std::optional<int64_t> max_node_count);

// node_labels: null or a str→str dict whose keys are valid Kubernetes label keys outside
// the reserved kubernetes.io / k8s.io namespaces (except kubelet.kubernetes.io,
// node.kubernetes.io and the kubelet's own well-known labels) and whose values are valid
// label values. 409 NodeGroupInvalidInput.
Result<void> ValidateNodeLabels(const std::string& nodegroup, const Json& node_labels);

// node_taints: null or a list of {"key", "value"?, "effect"} objects, non-empty key,
// effect NoSchedule|PreferNoSchedule|NoExecute. 409 NodeGroupInvalidInput.
Result<void> ValidateNodeTaints(const std::string& nodegroup, const Json& node_taints);

// The API object of a nodegroup. Detail: every field, labels_* against the cluster's
// labels, links. Brief: uuid, name, flavor_id, image_id, node_count, role, is_default,
// stack_id, status, min/max_node_count (stored values), merge_labels false; no links.
void WriteNodeGroup(JsonWriter& w, const objects::NodeGroup& nodegroup,
                    const objects::StringMap* cluster_labels, bool detail,
                    const std::string& base_url);
// The same as JSON; a stored row goes through the mapper.
Json RenderNodeGroup(const objects::NodeGroup& nodegroup, const objects::StringMap* cluster_labels,
                     bool detail, const std::string& base_url);
Json RenderNodeGroup(const db::Row& nodegroup, const Json& cluster_labels, bool detail,
                     const std::string& base_url);

// A nodegroup of the cluster `cluster_uuid` by integer id, UUID or name (404
// "Nodegroup <ident> could not be found.").
Result<objects::NodeGroup> FindNodeGroup(db::Database& db, const std::string& cluster_uuid,
                                         const std::string& ident);

// Serves one request under /clusters/<cluster_ident>/nodegroups; `rest` = the segments
// after "nodegroups".
ApiResult HandleNodeGroups(const ClusterOps& ops, const ApiRequest& req,
                           const std::string& cluster_ident, const std::vector<std::string>& rest);

}  // namespace magnum::api
