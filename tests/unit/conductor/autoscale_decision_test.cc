// DecideAutoscale and PolicyOf (autoscale_decision.h) on simulated time: each rule of growth
// (grace, packing, too-large tasks, joining nodes, maximum) and of shrinking (cool-down and
// its reset, threshold, fit elsewhere, least used first, minimum, masters), limits when the
// count is already outside them, and the effective policy from fields and labels.
#include "magnum/conductor/autoscale_decision.h"

#include <gtest/gtest.h>

namespace magnum::conductor {
namespace {

using namespace std::chrono_literals;
using Action = AutoscaleDecision::Action;
using drivers::PendingTask;
using drivers::Workload;
using drivers::WorkloadNode;

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;
const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

constexpr char kGroup[] = "ng-worker";

WorkloadNode Node(const std::string& name, double cpus, int64_t memory, double reserved_cpus = 0,
                  int64_t reserved_memory = 0, int tasks = -1) {
  WorkloadNode n;
  n.name = name;
  n.nodegroup_uuid = kGroup;
  n.ready = true;
  n.schedulable = true;
  n.cpus = cpus;
  n.memory_bytes = memory;
  n.reserved_cpus = reserved_cpus;
  n.reserved_memory_bytes = reserved_memory;
  n.running_tasks = tasks >= 0 ? tasks : (reserved_cpus > 0 || reserved_memory > 0 ? 1 : 0);
  return n;
}

WorkloadNode Master(const std::string& name, double cpus, int64_t memory, double reserved = 0) {
  WorkloadNode n = Node(name, cpus, memory, reserved);
  n.master = true;
  n.nodegroup_uuid = "ng-master";
  return n;
}

PendingTask Task(const std::string& id, const std::string& service, double cpus, int64_t memory,
                 TimePoint since = kT0, bool lacks_resources = true) {
  PendingTask t;
  t.id = id;
  t.service = service;
  t.cpus = cpus;
  t.memory_bytes = memory;
  t.lacks_resources = lacks_resources;
  t.reason = lacks_resources ? "no suitable node (insufficient resources on 2 nodes)"
                             : "no suitable node (scheduling constraints not satisfied)";
  t.since = since;
  return t;
}

NodeGroupPolicy Policy(int64_t node_count, int64_t min, std::optional<int64_t> max) {
  NodeGroupPolicy p;
  p.uuid = kGroup;
  p.name = "default-worker";
  p.enabled = true;
  p.node_count = node_count;
  p.min_node_count = min;
  p.max_node_count = max;
  return p;
}

AutoscaleOptions Options() {
  AutoscaleOptions o;
  o.pending_grace = 10s;
  o.scale_down_cooldown = 600s;
  o.scale_down_utilization_threshold = 0.5;
  return o;
}

bool Contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

// Runs passes at the given times on one workload, carrying the state; returns the last.
AutoscaleDecision Passes(const NodeGroupPolicy& p, const Workload& w,
                         std::initializer_list<std::chrono::seconds> at,
                         AutoscaleState* state = nullptr) {
  AutoscaleState local;
  AutoscaleState& s = state != nullptr ? *state : local;
  AutoscaleDecision d;
  for (auto t : at) {
    d = DecideAutoscale(p, w, s, kT0 + t, Options());
    s = d.next;
  }
  return d;
}

// ---- Growth ------------------------------------------------------------------------------

TEST(AutoscaleDecisionTest, GrowsOnlyForTasksLackingResourcesPastTheGrace) {
  Workload w;
  w.nodes = {Master("m0", 1, 2 * kGiB, 1), Node("w0", 2, 2 * kGiB, 2, 0)};
  w.pending = {Task("web.1", "web", 1.5, 256 * kMiB), Task("web.2", "web", 1.5, 256 * kMiB),
               Task("web.3", "web", 1.5, 256 * kMiB)};
  auto early = Passes(Policy(1, 1, 5), w, {9s});
  EXPECT_EQ(early.action, Action::kNone);
  EXPECT_TRUE(Contains(early.reason, "less than 10 s")) << early.reason;

  auto d = Passes(Policy(1, 1, 5), w, {10s});
  ASSERT_EQ(d.action, Action::kGrow) << d.reason;
  EXPECT_EQ(d.node_count, 4) << "1.5 CPUs each: one task per 2-CPU node";
  EXPECT_TRUE(d.nodes_to_remove.empty());
  EXPECT_TRUE(Contains(d.reason, "3 tasks of service web")) << d.reason;
  EXPECT_TRUE(Contains(d.reason, "insufficient resources")) << d.reason;
  EXPECT_TRUE(Contains(d.reason, "3 more nodes are needed")) << d.reason;
  EXPECT_TRUE(Contains(d.reason, "from 1 node to 4 nodes")) << d.reason;
  EXPECT_TRUE(d.hold.empty()) << d.hold;
}

TEST(AutoscaleDecisionTest, TasksPendingForOtherReasonsNeverMakeANode) {
  Workload w;
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0)};
  w.pending = {Task("db.1", "db", 1, kGiB, kT0, /*lacks_resources=*/false)};
  auto d = Passes(Policy(1, 1, 5), w, {60s});
  EXPECT_EQ(d.action, Action::kNone);
}

TEST(AutoscaleDecisionTest, PacksFirstFitDecreasingIntoFreeCapacityThenNewNodes) {
  struct Case {
    const char* what;
    std::vector<PendingTask> tasks;
    int64_t expected_count;
  };
  const std::vector<Case> cases = {
      // 4-CPU nodes, 1 CPU free on w0: 2+2 on a new node, 1 on w0, 1+0.5 on a second new one.
      {"cpu",
       {Task("a", "s", 1, kMiB), Task("b", "s", 2, kMiB), Task("c", "s", 2, kMiB),
        Task("d", "s", 1, kMiB), Task("e", "s", 0.5, kMiB)},
       3},
      // Memory counts as much: 6 GiB tasks on 8 GiB nodes take a node each.
      {"memory", {Task("a", "s", 0.1, 6 * kGiB), Task("b", "s", 0.1, 6 * kGiB)}, 3},
      // Everything fits in w0's free capacity: the scheduler just has not placed it yet.
      {"fits", {Task("a", "s", 0.5, kGiB), Task("b", "s", 0.5, kGiB)}, 1},
  };
  for (const auto& c : cases) {
    Workload w;
    w.nodes = {Node("w0", 4, 8 * kGiB, 3, 4 * kGiB)};
    w.pending = c.tasks;
    auto d = Passes(Policy(1, 1, 10), w, {30s});
    if (c.expected_count == 1) {
      EXPECT_EQ(d.action, Action::kNone) << c.what;
      EXPECT_TRUE(Contains(d.reason, "fit in the free capacity")) << d.reason;
    } else {
      EXPECT_EQ(d.action, Action::kGrow) << c.what << ": " << d.reason;
      EXPECT_EQ(d.node_count, c.expected_count) << c.what << ": " << d.reason;
    }
  }
}

TEST(AutoscaleDecisionTest, ATaskLargerThanANodeIsReportedAndMakesNoNode) {
  Workload w;
  w.nodes = {Node("w0", 2, 4 * kGiB, 2, 0)};
  w.pending = {Task("big.1", "big", 3, kGiB)};
  auto d = Passes(Policy(1, 1, 5), w, {30s});
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_TRUE(Contains(d.hold, "task big.1 of service big (3 CPUs and 1.0 GiB)")) << d.hold;
  EXPECT_TRUE(Contains(d.hold, "can never run")) << d.hold;
  EXPECT_TRUE(Contains(d.hold, "(2 CPUs and 4.0 GiB)")) << d.hold;

  // Beside one that fits, the other still makes its node and the big one is still reported.
  w.pending.push_back(Task("web.1", "web", 1, kGiB));
  auto both = Passes(Policy(1, 1, 5), w, {30s});
  ASSERT_EQ(both.action, Action::kGrow) << both.reason;
  EXPECT_EQ(both.node_count, 2);
  EXPECT_TRUE(Contains(both.hold, "big.1")) << both.hold;
  EXPECT_FALSE(Contains(both.hold, "web.1")) << both.hold;
}

TEST(AutoscaleDecisionTest, NewNodesAreSizedLikeTheGroupElseLikeAnyWorker) {
  Workload w;
  // The group's nodes are small (1 CPU); a worker of another group is large (8 CPUs).
  WorkloadNode other = Node("x0", 8, 16 * kGiB, 8, 0);
  other.nodegroup_uuid = "ng-other";
  w.nodes = {other, Node("w0", 1, 2 * kGiB, 1, 0), Node("w1", 1, 2 * kGiB, 1, 0)};
  w.pending = {Task("a", "s", 1, kMiB), Task("b", "s", 1, kMiB)};
  auto d = Passes(Policy(2, 1, 10), w, {30s});
  ASSERT_EQ(d.action, Action::kGrow) << d.reason;
  EXPECT_EQ(d.node_count, 4) << "two 1-CPU nodes, like the group's";

  // A group without a node: sized like the other worker (both tasks on one 8-CPU node).
  w.nodes = {other};
  auto empty = Passes(Policy(0, 0, 10), w, {30s});
  ASSERT_EQ(empty.action, Action::kGrow) << empty.reason;
  EXPECT_EQ(empty.node_count, 1);

  // No worker anywhere: nothing to size a node after.
  w.nodes = {Master("m0", 2, 2 * kGiB, 2)};
  auto none = Passes(Policy(0, 0, 10), w, {30s});
  EXPECT_EQ(none.action, Action::kNone);
  EXPECT_TRUE(Contains(none.hold, "no worker node")) << none.hold;
}

TEST(AutoscaleDecisionTest, NoGrowthWhileANodeOfTheGroupIsJoining) {
  Workload w;
  WorkloadNode joining = Node("w1", 2, 2 * kGiB);
  joining.ready = false;
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0), joining};
  w.pending = {Task("a", "s", 2, kMiB), Task("b", "s", 2, kMiB)};
  auto d = Passes(Policy(2, 1, 5), w, {30s});
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_TRUE(Contains(d.reason, "not ready: w1")) << d.reason;

  // A node the scheduler does not list yet counts as joining too.
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0)};
  auto unknown = Passes(Policy(2, 1, 5), w, {30s});
  EXPECT_EQ(unknown.action, Action::kNone);
  EXPECT_TRUE(Contains(unknown.reason, "1 of 2 known")) << unknown.reason;

  // Once it is ready (and full), the group grows.
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0), Node("w1", 2, 2 * kGiB, 2, 0)};
  auto ready = Passes(Policy(2, 1, 5), w, {30s});
  EXPECT_EQ(ready.action, Action::kGrow) << ready.reason;
  EXPECT_EQ(ready.node_count, 4);
}

TEST(AutoscaleDecisionTest, NeverAboveTheMaximumNorWithoutOne) {
  Workload w;
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0)};
  w.pending = {Task("a", "s", 2, kMiB), Task("b", "s", 2, kMiB), Task("c", "s", 2, kMiB)};

  auto capped = Passes(Policy(1, 1, 2), w, {30s});
  ASSERT_EQ(capped.action, Action::kGrow) << capped.reason;
  EXPECT_EQ(capped.node_count, 2);
  EXPECT_TRUE(Contains(capped.reason, "max_node_count 2 allows 1")) << capped.reason;

  auto at_max = Passes(Policy(1, 1, 1), w, {30s});
  EXPECT_EQ(at_max.action, Action::kNone);
  EXPECT_TRUE(Contains(at_max.hold, "is at its maximum (1 node of max_node_count 1)"))
      << at_max.hold;

  auto no_max = Passes(Policy(1, 1, std::nullopt), w, {30s});
  EXPECT_EQ(no_max.action, Action::kNone);
  EXPECT_TRUE(Contains(no_max.hold, "has no max_node_count")) << no_max.hold;

  // Already above the maximum (the limit was lowered): never grows further.
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0), Node("w1", 2, 2 * kGiB, 2, 0),
             Node("w2", 2, 2 * kGiB, 2, 0)};
  auto above = Passes(Policy(3, 1, 2), w, {30s});
  EXPECT_EQ(above.action, Action::kNone);
  EXPECT_FALSE(above.hold.empty());
}

TEST(AutoscaleDecisionTest, HoldTextIsStableAcrossPasses) {
  Workload w;
  w.nodes = {Node("w0", 2, 2 * kGiB, 2, 0)};
  w.pending = {Task("a", "s", 2, kMiB)};
  AutoscaleState s;
  auto first = Passes(Policy(1, 1, 1), w, {30s}, &s);
  auto later = Passes(Policy(1, 1, 1), w, {60s, 90s}, &s);
  EXPECT_FALSE(first.hold.empty());
  EXPECT_EQ(first.hold, later.hold);
  EXPECT_NE(first.reason, later.reason) << "the reason tells how long, the hold does not";
}

// ---- Shrinking ---------------------------------------------------------------------------

Workload ThreeWorkersOneIdle() {
  Workload w;
  w.nodes = {Master("m0", 2, 4 * kGiB, 0), Node("w0", 4, 8 * kGiB, 3, kGiB),
             Node("w1", 4, 8 * kGiB, 3, kGiB), Node("w2", 4, 8 * kGiB, 0, 0)};
  return w;
}

TEST(AutoscaleDecisionTest, AnIdleNodeIsRemovedByNameAfterTheCooldown) {
  const Workload w = ThreeWorkersOneIdle();
  AutoscaleState s;
  auto first = Passes(Policy(3, 1, 5), w, {0s}, &s);
  EXPECT_EQ(first.action, Action::kNone);
  ASSERT_EQ(s.underused_since.count("w2"), 1u);
  EXPECT_EQ(s.underused_since.at("w2"), kT0);
  EXPECT_EQ(s.underused_since.count("w0"), 0u) << "75% used";
  EXPECT_EQ(s.underused_since.count("m0"), 0u) << "masters are not tracked";

  auto cooling = Passes(Policy(3, 1, 5), w, {599s}, &s);
  EXPECT_EQ(cooling.action, Action::kNone);
  EXPECT_TRUE(Contains(cooling.reason, "w2 (since")) << cooling.reason;

  auto d = Passes(Policy(3, 1, 5), w, {600s}, &s);
  ASSERT_EQ(d.action, Action::kShrink) << d.reason;
  EXPECT_EQ(d.node_count, 2);
  EXPECT_EQ(d.nodes_to_remove, (std::vector<std::string>{"w2"}));
  EXPECT_TRUE(Contains(d.reason, "w2 idle since " + FormatApiTimestamp(kT0))) << d.reason;
  EXPECT_TRUE(Contains(d.reason, "from 3 nodes to 2 nodes")) << d.reason;
}

TEST(AutoscaleDecisionTest, TheCooldownStartsOverWhenTheNodeGetsWorkAgain) {
  Workload idle = ThreeWorkersOneIdle();
  Workload busy = idle;
  busy.nodes[3].reserved_cpus = 3;  // w2 at 75%
  busy.nodes[3].running_tasks = 1;
  AutoscaleState s;
  Passes(Policy(3, 1, 5), idle, {0s, 300s}, &s);
  Passes(Policy(3, 1, 5), busy, {400s}, &s);
  EXPECT_EQ(s.underused_since.count("w2"), 0u);
  auto again = Passes(Policy(3, 1, 5), idle, {500s, 700s, 1099s}, &s);
  EXPECT_EQ(again.action, Action::kNone) << "idle since 500 s only: " << again.reason;
  EXPECT_EQ(s.underused_since.at("w2"), kT0 + 500s);
  auto d = Passes(Policy(3, 1, 5), idle, {1100s}, &s);
  ASSERT_EQ(d.action, Action::kShrink) << d.reason;
  EXPECT_EQ(d.nodes_to_remove, (std::vector<std::string>{"w2"}));

  // A node that stops being ready or schedulable starts over as well.
  Workload drained = idle;
  drained.nodes[3].schedulable = false;
  AutoscaleState t;
  Passes(Policy(3, 1, 5), idle, {0s}, &t);
  Passes(Policy(3, 1, 5), drained, {300s}, &t);
  auto after = Passes(Policy(3, 1, 5), idle, {600s}, &t);
  EXPECT_EQ(after.action, Action::kNone) << after.reason;
}

TEST(AutoscaleDecisionTest, UnderThresholdNodesMoveTheirTasksOnlyWhereTheyFit) {
  // w0 40% used, w1 30% used: both underused; w1 (least used) goes, its 1.2 CPUs fit on w0.
  Workload w;
  w.nodes = {Node("w0", 4, 8 * kGiB, 1.6, kGiB), Node("w1", 4, 8 * kGiB, 1.2, kGiB)};
  auto d = Passes(Policy(2, 1, 5), w, {0s, 600s});
  ASSERT_EQ(d.action, Action::kShrink) << d.reason;
  EXPECT_EQ(d.nodes_to_remove, (std::vector<std::string>{"w1"}));
  EXPECT_TRUE(Contains(d.reason, "w1 30% used since")) << d.reason;

  // Exactly at the threshold is not under it.
  Workload at = w;
  at.nodes[1].reserved_cpus = 2;
  at.nodes[0].reserved_cpus = 3;
  EXPECT_EQ(Passes(Policy(2, 1, 5), at, {0s, 600s}).action, Action::kNone);

  // w0 80% used has 0.8 CPU free: w1's 1.2 CPUs fit nowhere, so w1 stays.
  Workload full = w;
  full.nodes[0].reserved_cpus = 3.2;
  auto stays = Passes(Policy(2, 1, 5), full, {0s, 600s});
  EXPECT_EQ(stays.action, Action::kNone);
  EXPECT_TRUE(Contains(stays.reason, "fit on no other node: w1")) << stays.reason;
}

TEST(AutoscaleDecisionTest, LeastUsedFirstAndNeverBelowTheMinimum) {
  Workload w;
  w.nodes = {Node("w0", 4, 8 * kGiB, 1.0, 0), Node("w1", 4, 8 * kGiB, 0, 0),
             Node("w2", 4, 8 * kGiB, 0.4, 0), Node("w3", 4, 8 * kGiB, 3.5, 0)};
  auto d = Passes(Policy(4, 2, 5), w, {0s, 600s});
  ASSERT_EQ(d.action, Action::kShrink) << d.reason;
  EXPECT_EQ(d.nodes_to_remove, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(d.node_count, 2);
  EXPECT_TRUE(Contains(d.reason, "down to min_node_count 2")) << d.reason;

  auto at_min = Passes(Policy(2, 2, 5), w, {0s, 600s});
  EXPECT_EQ(at_min.action, Action::kNone);
  EXPECT_TRUE(Contains(at_min.reason, "at its minimum")) << at_min.reason;

  // Below the minimum already (it was raised): never shrinks, and does not grow for it.
  auto below = Passes(Policy(4, 5, 6), w, {0s, 600s});
  EXPECT_EQ(below.action, Action::kNone);

  // Above the maximum: shrinking toward it goes on by the same rules (w0, holding w2's
  // tasks too by then, fits nowhere: it stays).
  auto above = Passes(Policy(4, 1, 2), w, {0s, 600s});
  ASSERT_EQ(above.action, Action::kShrink) << above.reason;
  EXPECT_EQ(above.nodes_to_remove, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(above.node_count, 2);
}

TEST(AutoscaleDecisionTest, MastersAndOtherGroupsAreNeverRemoved) {
  Workload w;
  WorkloadNode master = Node("m0", 2, 2 * kGiB);
  master.master = true;  // even when attributed to the group
  WorkloadNode other = Node("x0", 2, 2 * kGiB);
  other.nodegroup_uuid = "ng-other";
  w.nodes = {master, other, Node("w0", 2, 2 * kGiB, 1.5, 0)};
  auto d = Passes(Policy(1, 0, 5), w, {0s, 3600s});
  EXPECT_EQ(d.action, Action::kNone) << d.reason;
  EXPECT_TRUE(d.next.underused_since.empty());
}

TEST(AutoscaleDecisionTest, NoShrinkingWhileAnyTaskLacksResources) {
  Workload w = ThreeWorkersOneIdle();
  w.pending = {Task("huge.1", "huge", 64, kGiB, kT0 + 599s)};
  AutoscaleState s;
  auto d = Passes(Policy(3, 1, 5), w, {0s, 600s}, &s);
  EXPECT_EQ(d.action, Action::kNone) << d.reason;
  // Pending for another reason (a constraint): shrinking goes on.
  w.pending = {Task("pinned.1", "pinned", 1, kGiB, kT0, /*lacks_resources=*/false)};
  auto other = Passes(Policy(3, 1, 5), w, {601s}, &s);
  EXPECT_EQ(other.action, Action::kShrink) << other.reason;
}

TEST(AutoscaleDecisionTest, ADisabledPolicyDecidesNothingAndForgets) {
  const Workload w = ThreeWorkersOneIdle();
  AutoscaleState s;
  Passes(Policy(3, 1, 5), w, {0s}, &s);
  NodeGroupPolicy off = Policy(3, 1, 5);
  off.enabled = false;
  auto d = DecideAutoscale(off, w, s, kT0 + 3600s, Options());
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_TRUE(d.reason.empty());
  EXPECT_TRUE(d.next.underused_since.empty());
}

// ---- Policy ------------------------------------------------------------------------------

TEST(AutoscalePolicyTest, FieldsThenLabelsThenDefaults) {
  drivers::ClusterState c;
  drivers::NodeGroupState ng;
  ng.uuid = "u";
  ng.name = "default-worker";
  ng.role = "worker";
  ng.node_count = 2;

  c.labels = {{"auto_scaling_enabled", "True"}, {"min_node_count", "2"}, {"max_node_count", "4"}};
  auto p = PolicyOf(c, ng, true);
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.min_node_count, 2);
  EXPECT_EQ(p.max_node_count, std::optional<int64_t>(4));
  EXPECT_EQ(p.node_count, 2);
  EXPECT_FALSE(PolicyOf(c, ng, false).enabled) << "[autoscaler] enabled = false wins";

  ng.min_node_count = 3;
  ng.max_node_count = 6;
  p = PolicyOf(c, ng, true);
  EXPECT_EQ(p.min_node_count, 3) << "the nodegroup's fields first";
  EXPECT_EQ(p.max_node_count, std::optional<int64_t>(6));

  drivers::ClusterState bare;
  bare.labels = {{"auto_scaling_enabled", "true"}, {"max_node_count", "many"}};
  drivers::NodeGroupState plain = ng;
  plain.min_node_count = 0;
  plain.max_node_count.reset();
  p = PolicyOf(bare, plain, true);
  EXPECT_EQ(p.min_node_count, 1) << "default minimum";
  EXPECT_FALSE(p.max_node_count) << "no valid maximum: none";

  drivers::NodeGroupState master = plain;
  master.role = "master";
  EXPECT_FALSE(PolicyOf(bare, master, true).enabled);

  for (const char* v : {"false", "False", "0", "", "maybe"}) {
    bare.labels["auto_scaling_enabled"] = v;
    EXPECT_FALSE(PolicyOf(bare, plain, true).enabled) << v;
  }
  bare.labels.erase("auto_scaling_enabled");
  EXPECT_FALSE(PolicyOf(bare, plain, true).enabled);
}

}  // namespace
}  // namespace magnum::conductor
