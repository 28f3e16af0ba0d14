// Cluster field tables and rendering (§2.2), shared by the clusters controller and the
// legacy bays controller (§2.10). Pure functions over rows and JSON: no I/O, so they are
// unit-tested directly. Internal to the API module; thread-safe (immutable tables).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "magnum/api/fields.h"
#include "magnum/db/record.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::api {

// ---- Field tables --------------------------------------------------------------------

// The cluster body of POST /v1/clusters (and of PATCH re-validation). node_count,
// master_count and merge_labels are input-only (kNotStored): the counts live on the
// nodegroups.
const FieldList& ClusterFields();
// The legacy bay body (POST /v1/bays): baymodel_id, bay_create_timeout, node_count ≥ 1,
// no keypair/health/network fields.
const FieldList& BayFields();
// POST .../actions/resize and .../actions/upgrade bodies.
const FieldList& ClusterResizeFields();
const FieldList& ClusterUpgradeFields();

// ---- Status sets (§3.1, §3.2) ---------------------------------------------------------

// Which statuses an operation may start from is the conductor's state table
// (conductor/state_table.h), used through ClusterOps::CheckState.
bool IsFailedStatus(std::string_view status);  // *_FAILED of the failed set (faults)

// ---- Labels ----------------------------------------------------------------------------

struct LabelDiff {
  Json overridden = Json::object();  // in both, different value: the parent's value
  Json added = Json::object();       // only in `labels`: its value
  Json skipped = Json::object();     // only in `parent`: the parent's value
};
// Upstream get_labels_diff(parent, labels). Non-object inputs count as empty.
LabelDiff DiffLabels(const Json& parent, const Json& labels);

// ---- Nodegroup aggregation (§3.4) -----------------------------------------------------

struct NodeGroupTotals {
  int64_t node_count = 0;    // sum over non-master nodegroups
  int64_t master_count = 0;  // sum over master nodegroups
  Json node_addresses = Json::array();
  Json master_addresses = Json::array();
};
// Sums the stored nodegroups of one cluster (in the given order; rows through the mapper).
NodeGroupTotals SumNodeGroups(const std::vector<db::Row>& nodegroups);

// {nodegroup name: status_reason} of the nodegroups whose status ends in _FAILED.
Json CollectFaults(const std::vector<objects::NodeGroup>& nodegroups);
Json CollectFaults(const std::vector<db::Row>& nodegroups);

// ---- Rendering ---------------------------------------------------------------------------

struct ClusterRenderOptions {
  bool detail = true;                     // false: the brief list item
  int minor_version = 1;                  // < 13: stack_id; ≥ 13: cluster_id
  std::string base_url;                   // for links
  // Detail: labels_* diff against the template's labels ({} when neither is set).
  const objects::StringMap* template_label_map = nullptr;
  const Json* template_labels = nullptr;  // the same as JSON (used when the map is not set)
  bool with_faults = false;               // GET one: add `faults` when the status is failed
};

// A cluster's nodegroups, in order, pointing into storage kept elsewhere.
using NodeGroupRefs = std::vector<const objects::NodeGroup*>;

// Writes the API object of a cluster with its nodegroups (keys sorted, as always).
void WriteCluster(JsonWriter& w, const objects::Cluster& cluster, const NodeGroupRefs& nodegroups,
                  const ClusterRenderOptions& options);
// The same as JSON; stored rows go through the mappers.
Json RenderCluster(const objects::Cluster& cluster,
                   const std::vector<objects::NodeGroup>& nodegroups,
                   const ClusterRenderOptions& options);
Json RenderCluster(const db::Row& cluster, const std::vector<db::Row>& nodegroups,
                   const ClusterRenderOptions& options);

// One of the labels_* objects: keys of `labels` also in `parent` with another value (the
// parent's value), keys only in `labels`, or keys only in `parent` (absent maps are empty).
enum class LabelDiffPart { kOverridden, kAdded, kSkipped };
void WriteLabelDiff(JsonWriter& w, const objects::StringMap* parent,
                    const std::optional<objects::StringMap>& labels, LabelDiffPart part);

// Adds the three labels_* entries (WriteLabelDiff of the view's labels against its parent's)
// to a render plan: clusters against their template, nodegroups against their cluster.
template <typename View>
void AddLabelDiffs(RenderPlan<View>& plan, const objects::StringMap* (*parent)(const View&),
                   const std::optional<objects::StringMap>& (*labels)(const View&)) {
  for (const auto& entry : {std::pair{"labels_overridden", LabelDiffPart::kOverridden},
                            std::pair{"labels_added", LabelDiffPart::kAdded},
                            std::pair{"labels_skipped", LabelDiffPart::kSkipped}}) {
    const LabelDiffPart part = entry.second;  // (clang 14 cannot capture a binding)
    plan.Add(entry.first, [part, parent, labels](const View& v, JsonWriter& w) {
      WriteLabelDiff(w, parent(v), labels(v), part);
    });
  }
}

// Turns a rendered cluster into the legacy bay object: renames cluster_template_id →
// baymodel_id, create_timeout → bay_create_timeout, faults → bay_faults, drops the
// fields bays never had, re-points links at /bays.
Json ClusterToBay(const Json& cluster, bool detail, const std::string& base_url);

// The bay create/patch document → the equivalent cluster document (renames only).
Json BayToCluster(const Json& bay);

// ---- Create-time defaults (§2.2 step 6) ----------------------------------------------

// Fills a validated cluster document from its template (the template's API object):
// keypair when null, labels when absent/empty (merged over the template's when
// merge_labels), floating_ip_enabled/master_lb_enabled when absent, and
// docker_volume_size, master_flavor_id, flavor_id, fixed_network, fixed_subnet when
// absent or falsy.
Json ApplyTemplateDefaults(const Json& cluster, const Json& cluster_template);

// The worker nodegroup's min_node_count from the cluster label `min_node_count`
// (0 when absent); 400 unless a non-negative integer not above node_count.
Result<int64_t> MinNodeCountFromLabels(const Json& labels, int64_t node_count);

// ---- The autoscaling labels (extension, docs/api.md) ----------------------------------

// Whether `path` is one of the label paths a cluster PATCH may change as metadata:
// /labels/auto_scaling_enabled, /labels/min_node_count, /labels/max_node_count.
bool IsAutoscalingLabelPath(std::string_view path);

// The labels a cluster PATCH leaves when it changes `labels`: every operation of `patch` on
// `/labels` or below must name one of the autoscaling label paths (else 400 `cannot change
// cluster property(ies) labels.`, as for any other label), and the values it changes must
// be valid in `after` (the labels after the patch): auto_scaling_enabled a boolean
// (`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, any case), min_node_count and
// max_node_count non-negative integers with min ≤ max when both are set. 400 naming the
// label otherwise.
Result<objects::StringMap> AutoscalingLabelsAfter(const Json& patch, const Json& before,
                                                  const Json& after);

// The quota refusal (403) for a project limited to `limit` clusters.
Error QuotaExceeded(int64_t limit);

}  // namespace magnum::api
