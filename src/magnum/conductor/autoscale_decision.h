// The built-in autoscaler's decision for one nodegroup (docs/autoscaling.md): from what the
// cluster's scheduler reports (drivers::Workload), the nodegroup's limits and the time,
// whether to grow, to shrink (naming the nodes to remove) or to leave it, and why.
//
// Pure: no I/O and no clock reads (`now` is an argument); what must survive between passes
// (since when each node has been underused) is an AutoscaleState the caller keeps and hands
// back. AutoscalerTask (autoscaler_task.h) applies the decisions. Thread-safe (no shared
// state).
//
// Rules, in order:
//   * Growth only for tasks pending because no node has the resources
//     (PendingTask::lacks_resources) for at least pending_grace. They are packed, largest
//     first (first-fit decreasing on CPU and memory), into the free capacity of the ready,
//     schedulable nodes of the cluster, then into new nodes sized like the nodegroup's own
//     nodes (the smallest of them, as the scheduler counts them; a nodegroup without a node
//     is sized like any worker of the cluster). A task larger than such a node can never fit:
//     it is reported (hold) and makes no node. No growth while a node of the group is not
//     ready or fewer nodes of the group are known than its node_count (nodes still joining),
//     never above the maximum, never without a known maximum.
//   * Shrinking only while no task lacks resources: a ready, schedulable, non-master node of
//     the group whose utilisation (the larger of reserved/capacity for CPU and memory) has
//     stayed below scale_down_utilization_threshold (a node without a task always counts)
//     for scale_down_cooldown without a break, and whose reservation fits on the nodes that
//     stay, is removed by name; least used first; never below the minimum.
//   * node_count already outside [min, max]: only moves toward the range (no growth above
//     max, no shrinking below min); the autoscaler never grows just to reach min.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/drivers/driver.h"

namespace magnum::conductor {

// One nodegroup's effective autoscaling policy (PolicyOf below derives it).
struct NodeGroupPolicy {
  std::string uuid;
  std::string name;
  bool enabled = false;
  int64_t node_count = 0;  // the nodegroup's current node_count
  int64_t min_node_count = 1;
  std::optional<int64_t> max_node_count;  // nullopt: no maximum known, so no growth
};

struct AutoscaleOptions {
  std::chrono::milliseconds pending_grace{10'000};
  std::chrono::milliseconds scale_down_cooldown{600'000};
  double scale_down_utilization_threshold = 0.5;  // 0..1
};

// Carried from one pass to the next, per nodegroup: since when each of its nodes (by name)
// has been underused without a break. A node missing from the map is not underused (or was
// never seen: its cool-down starts at the next pass that sees it underused).
struct AutoscaleState {
  std::map<std::string, TimePoint> underused_since;

  bool operator==(const AutoscaleState&) const = default;
};

struct AutoscaleDecision {
  enum class Action { kNone, kGrow, kShrink };
  Action action = Action::kNone;
  int64_t node_count = 0;                    // the target (kGrow / kShrink)
  std::vector<std::string> nodes_to_remove;  // kShrink: node names, least used first
  // What was decided and why, for people: which service's tasks are pending and why, how
  // many nodes they need; which nodes have been underused since when. Set for every
  // change, and for kNone when something was considered ("" when nothing was).
  std::string reason;
  // A limit that holds back a change the workload asks for, as stable text (no durations,
  // no times, so that a caller can record it once): a task that can never fit on a node,
  // growth capped by (or impossible at) the maximum, no maximum known, no node to size new
  // nodes after. "" when nothing is held back.
  std::string hold;
  AutoscaleState next;  // the state to hand to the next pass
};

// The decision for `policy`'s nodegroup. `previous` is what the last pass returned in
// `next` ({} on the first pass). A disabled policy decides nothing and forgets the state.
AutoscaleDecision DecideAutoscale(const NodeGroupPolicy& policy, const drivers::Workload& workload,
                                  const AutoscaleState& previous, TimePoint now,
                                  const AutoscaleOptions& options);

// The effective policy of nodegroup `ng` of `cluster`:
//   enabled: `autoscaler_enabled` (the [autoscaler] enabled option) and the cluster label
//     auto_scaling_enabled true (true/yes/on/1, any case); master nodegroups never;
//   min: the nodegroup's min_node_count when above 0, else the cluster label
//     min_node_count (a non-negative integer), else 1;
//   max: the nodegroup's max_node_count when set, else the cluster label max_node_count (a
//     non-negative integer), else none (no growth).
// ClusterState::labels are the cluster's effective labels (the template's when the cluster
// was created without any, merged with them under merge_labels).
NodeGroupPolicy PolicyOf(const drivers::ClusterState& cluster, const drivers::NodeGroupState& ng,
                         bool autoscaler_enabled);

// The label auto_scaling_enabled of `labels` read as a boolean (absent or unparsable: false).
bool AutoscalingLabelEnabled(const drivers::StringMap& labels);

}  // namespace magnum::conductor
