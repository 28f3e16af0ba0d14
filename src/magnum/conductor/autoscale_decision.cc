#include "magnum/conductor/autoscale_decision.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "magnum/common/strings.h"

namespace magnum::conductor {
namespace {

using drivers::PendingTask;
using drivers::Workload;
using drivers::WorkloadNode;
using Action = AutoscaleDecision::Action;

// CPU counts are fractional: a reservation equal to the free capacity fits.
constexpr double kCpuEpsilon = 1e-9;

struct Room {
  double cpus = 0;
  int64_t memory = 0;
};

bool Fits(double cpus, int64_t memory, const Room& free) {
  return cpus <= free.cpus + kCpuEpsilon && memory <= free.memory;
}

double Utilisation(double reserved_cpus, int64_t reserved_memory, const WorkloadNode& n) {
  double u = 0;
  if (n.cpus > 0) u = std::max(u, reserved_cpus / n.cpus);
  if (n.memory_bytes > 0) {
    u = std::max(u, static_cast<double>(reserved_memory) / static_cast<double>(n.memory_bytes));
  }
  return u;
}

double Utilisation(const WorkloadNode& n) {
  return Utilisation(n.reserved_cpus, n.reserved_memory_bytes, n);
}

std::string Cpus(double cpus) { return fmt::format("{:g} CPU{}", cpus, cpus == 1 ? "" : "s"); }

std::string Memory(int64_t bytes) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  constexpr int64_t kGiB = int64_t{1} << 30;
  if (bytes >= kGiB) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / kGiB);
  return fmt::format("{} MiB", (bytes + kMiB - 1) / kMiB);
}

std::string Size(double cpus, int64_t memory) { return Cpus(cpus) + " and " + Memory(memory); }

int64_t Seconds(std::chrono::microseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::string Percent(double fraction) {
  return fmt::format("{:.0f}%", std::max(0.0, fraction) * 100.0);
}

std::string Tasks(size_t n) { return fmt::format("{} task{}", n, n == 1 ? "" : "s"); }

std::string Nodes(int64_t n) { return fmt::format("{} node{}", n, n == 1 ? "" : "s"); }

// "a, b and c" (at most `max` names, then "and N more").
std::string JoinNames(const std::vector<std::string>& names, size_t max = 5) {
  std::string out;
  const size_t shown = std::min(names.size(), max);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && shown == names.size()) ? " and " : ", ";
    out += names[i];
  }
  if (shown < names.size()) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

bool InGroup(const WorkloadNode& n, const NodeGroupPolicy& p) {
  return !n.master && n.nodegroup_uuid == p.uuid;
}

// The size of a new node of the group: the smallest of its nodes with a known capacity, else
// of the cluster's workers (ready ones first).
std::optional<Room> NewNodeSize(const Workload& w, const NodeGroupPolicy& p) {
  auto smallest = [&](auto&& pick) -> std::optional<Room> {
    std::optional<Room> r;
    for (const auto& n : w.nodes) {
      if (!pick(n) || n.cpus <= 0 || n.memory_bytes <= 0) continue;
      if (!r) {
        r = Room{n.cpus, n.memory_bytes};
      } else {
        r->cpus = std::min(r->cpus, n.cpus);
        r->memory = std::min(r->memory, n.memory_bytes);
      }
    }
    return r;
  };
  if (auto r = smallest([&](const WorkloadNode& n) { return InGroup(n, p) && n.ready; })) return r;
  if (auto r = smallest([&](const WorkloadNode& n) { return InGroup(n, p); })) return r;
  if (auto r = smallest([](const WorkloadNode& n) { return !n.master && n.ready; })) return r;
  return smallest([](const WorkloadNode& n) { return !n.master; });
}

// "3 tasks of service web (no suitable node (insufficient resources on 2 nodes)), pending for
// up to 42 s; 1 task of service db (...), pending for 12 s"
std::string DescribePending(const std::vector<const PendingTask*>& tasks, TimePoint now) {
  struct PerService {
    size_t count = 0;
    std::string reason;
    TimePoint oldest = TimePoint::max();
  };
  std::map<std::string, PerService> by_service;
  for (const PendingTask* t : tasks) {
    PerService& s = by_service[t->service.empty() ? t->id : t->service];
    ++s.count;
    if (s.reason.empty()) s.reason = t->reason;
    s.oldest = std::min(s.oldest, t->since);
  }
  std::string out;
  for (const auto& [service, s] : by_service) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} of service {}", Tasks(s.count), service);
    if (!s.reason.empty()) out += " (" + s.reason + ")";
    out +=
        fmt::format(", pending for {}{} s", s.count > 1 ? "up to " : "", Seconds(now - s.oldest));
  }
  return out;
}

AutoscaleDecision Grow(const NodeGroupPolicy& p, const Workload& w, TimePoint now,
                       const AutoscaleOptions& o, AutoscaleDecision d) {
  std::vector<const PendingTask*> lacking, eligible;
  for (const auto& t : w.pending) {
    if (!t.lacks_resources) continue;
    lacking.push_back(&t);
    if (now - t.since >= o.pending_grace) eligible.push_back(&t);
  }
  if (eligible.empty()) {
    d.reason = fmt::format("{} lacking resources, pending for less than {} s: not growing yet",
                           Tasks(lacking.size()), Seconds(o.pending_grace));
    return d;
  }

  std::vector<std::string> joining;
  int64_t known = 0;
  for (const auto& n : w.nodes) {
    if (!InGroup(n, p)) continue;
    ++known;
    if (!n.ready) joining.push_back(n.name);
  }
  if (!joining.empty() || known < p.node_count) {
    d.reason = fmt::format("{}; nodegroup {} waits for its nodes to be ready before growing ({})",
                           DescribePending(eligible, now), p.name,
                           joining.empty() ? fmt::format("{} of {} known", known, p.node_count)
                                           : "not ready: " + JoinNames(joining));
    return d;
  }

  const std::optional<Room> size = NewNodeSize(w, p);
  if (!size) {
    d.hold = fmt::format(
        "{} lacking resources, but the cluster has no worker node to size "
        "new nodes of nodegroup {} after: not growing",
        Tasks(eligible.size()), p.name);
    d.reason = DescribePending(eligible, now) + "; " + d.hold;
    return d;
  }

  // First-fit decreasing: the largest task (relative to a new node) first, into the free
  // capacity of the ready schedulable nodes, then into new nodes.
  std::vector<const PendingTask*> items = eligible;
  auto weight = [&](const PendingTask* t) {
    return std::max(t->cpus / size->cpus,
                    static_cast<double>(t->memory_bytes) / static_cast<double>(size->memory));
  };
  std::stable_sort(items.begin(), items.end(), [&](const PendingTask* a, const PendingTask* b) {
    const double wa = weight(a), wb = weight(b);
    if (wa != wb) return wa > wb;
    return a->id < b->id;
  });
  std::vector<Room> existing, added;
  for (const auto& n : w.nodes) {
    if (!n.ready || !n.schedulable) continue;
    existing.push_back(Room{std::max(0.0, n.cpus - n.reserved_cpus),
                            std::max<int64_t>(0, n.memory_bytes - n.reserved_memory_bytes)});
  }
  std::vector<const PendingTask*> too_large;
  for (const PendingTask* t : items) {
    if (!Fits(t->cpus, t->memory_bytes, *size)) {
      too_large.push_back(t);
      continue;
    }
    auto place = [&](std::vector<Room>& bins) {
      for (Room& r : bins) {
        if (Fits(t->cpus, t->memory_bytes, r)) {
          r.cpus -= t->cpus;
          r.memory -= t->memory_bytes;
          return true;
        }
      }
      return false;
    };
    if (place(existing) || place(added)) continue;
    added.push_back(Room{size->cpus - t->cpus, size->memory - t->memory_bytes});
  }
  std::sort(too_large.begin(), too_large.end(),
            [](const PendingTask* a, const PendingTask* b) { return a->id < b->id; });
  if (!too_large.empty()) {
    std::vector<std::string> named;
    for (const PendingTask* t : too_large) {
      named.push_back(fmt::format("task {} of service {} ({})", t->id, t->service,
                                  Size(t->cpus, t->memory_bytes)));
    }
    d.hold = fmt::format("{} larger than a node of nodegroup {} ({}) can never run: {}",
                         too_large.size() == 1 ? "a task" : "tasks", p.name,
                         Size(size->cpus, size->memory), JoinNames(named));
  }
  const auto needed = static_cast<int64_t>(added.size());
  const std::string pending = DescribePending(eligible, now);
  if (needed == 0) {
    d.reason = pending + (too_large.size() == eligible.size()
                              ? "; " + d.hold
                              : "; they fit in the free capacity of the ready nodes: not growing");
    return d;
  }
  const std::string need =
      fmt::format("{} more {} needed ({} each)", needed, needed == 1 ? "node is" : "nodes are",
                  Size(size->cpus, size->memory));
  if (!p.max_node_count) {
    d.hold = fmt::format(
        "nodegroup {} has no max_node_count (nodegroup field or cluster label): "
        "not growing{}",
        p.name, d.hold.empty() ? "" : "; " + d.hold);
    d.reason = pending + "; " + need + "; " + d.hold;
    return d;
  }
  const int64_t max = *p.max_node_count;
  if (p.node_count >= max) {
    d.hold = fmt::format(
        "nodegroup {} is at its maximum ({} of max_node_count {}): tasks "
        "lack resources{}",
        p.name, Nodes(p.node_count), max, d.hold.empty() ? "" : "; " + d.hold);
    d.reason = pending + "; " + need + "; " + d.hold;
    return d;
  }
  d.action = Action::kGrow;
  d.node_count = std::min(p.node_count + needed, max);
  d.reason = pending + "; " + need;
  if (d.node_count < p.node_count + needed) {
    d.reason += fmt::format(", max_node_count {} allows {}", max, d.node_count - p.node_count);
  }
  if (!too_large.empty()) d.reason += "; " + d.hold;
  d.reason +=
      fmt::format(": nodegroup {} from {} to {}", p.name, Nodes(p.node_count), Nodes(d.node_count));
  return d;
}

AutoscaleDecision Shrink(const NodeGroupPolicy& p, const Workload& w, TimePoint now,
                         const AutoscaleOptions& o, AutoscaleDecision d) {
  struct Candidate {
    const WorkloadNode* node;
    TimePoint since;
  };
  std::vector<Candidate> candidates;
  std::vector<std::string> cooling;
  for (const auto& n : w.nodes) {
    if (!InGroup(n, p)) continue;
    auto it = d.next.underused_since.find(n.name);
    if (it == d.next.underused_since.end()) continue;
    if (now - it->second >= o.scale_down_cooldown) {
      candidates.push_back(Candidate{&n, it->second});
    } else {
      cooling.push_back(fmt::format("{} (since {})", n.name, FormatApiTimestamp(it->second)));
    }
  }
  const std::string threshold = Percent(o.scale_down_utilization_threshold);
  if (candidates.empty()) {
    if (!cooling.empty()) {
      d.reason = fmt::format("underused (below {}) for less than {} s: {}", threshold,
                             Seconds(o.scale_down_cooldown), JoinNames(cooling));
    }
    return d;
  }
  const int64_t allowed = p.node_count - p.min_node_count;
  if (allowed <= 0) {
    d.reason = fmt::format(
        "nodegroup {} is at its minimum ({} of min_node_count {}): keeping "
        "its underused nodes",
        p.name, Nodes(p.node_count), p.min_node_count);
    return d;
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    const double ua = Utilisation(*a.node), ub = Utilisation(*b.node);
    if (ua != ub) return ua < ub;
    if (a.node->running_tasks != b.node->running_tasks) {
      return a.node->running_tasks < b.node->running_tasks;
    }
    if (a.since != b.since) return a.since < b.since;
    return a.node->name < b.node->name;
  });

  // Where the removed nodes' reservations go: the other ready, schedulable nodes, with what
  // has been moved onto them so far.
  struct Host {
    const WorkloadNode* node;
    double reserved_cpus;
    int64_t reserved_memory;
    bool removed = false;
  };
  std::vector<Host> hosts;
  for (const auto& n : w.nodes) {
    if (n.ready && n.schedulable)
      hosts.push_back(Host{&n, n.reserved_cpus, n.reserved_memory_bytes});
  }
  auto host_of = [&](const WorkloadNode* n) -> Host* {
    for (auto& h : hosts) {
      if (h.node == n) return &h;
    }
    return nullptr;
  };
  std::vector<std::string> described, stuck;
  for (const Candidate& c : candidates) {
    if (static_cast<int64_t>(d.nodes_to_remove.size()) >= allowed) break;
    Host* self = host_of(c.node);
    if (self == nullptr) continue;  // not ready or not schedulable: never a candidate
    const double cpus = self->reserved_cpus;
    const int64_t memory = self->reserved_memory;
    Host* target = nullptr;
    if (cpus > kCpuEpsilon || memory > 0) {
      for (auto& h : hosts) {
        if (&h == self || h.removed) continue;
        const Room free{h.node->cpus - h.reserved_cpus, h.node->memory_bytes - h.reserved_memory};
        if (Fits(cpus, memory, free)) {
          target = &h;
          break;
        }
      }
      if (target == nullptr) {
        stuck.push_back(c.node->name);
        continue;
      }
      target->reserved_cpus += cpus;
      target->reserved_memory += memory;
    }
    self->removed = true;
    d.nodes_to_remove.push_back(c.node->name);
    described.push_back(
        c.node->running_tasks == 0
            ? fmt::format("{} idle since {}", c.node->name, FormatApiTimestamp(c.since))
            : fmt::format("{} {} used since {}", c.node->name, Percent(Utilisation(*c.node)),
                          FormatApiTimestamp(c.since)));
  }
  if (d.nodes_to_remove.empty()) {
    d.reason = fmt::format("underused for {} s but their tasks fit on no other node: {}",
                           Seconds(o.scale_down_cooldown), JoinNames(stuck));
    return d;
  }
  d.action = Action::kShrink;
  d.node_count = p.node_count - static_cast<int64_t>(d.nodes_to_remove.size());
  d.reason = fmt::format(
      "no task lacks resources; {} below {} use for at least {} s ({}){}: nodegroup {} from {} "
      "to {}, removing {}",
      d.nodes_to_remove.size() == 1 ? "node" : "nodes", threshold, Seconds(o.scale_down_cooldown),
      JoinNames(described, 10),
      d.node_count == p.min_node_count
          ? fmt::format(", down to min_node_count {}", p.min_node_count)
          : "",
      p.name, Nodes(p.node_count), Nodes(d.node_count), JoinNames(d.nodes_to_remove, 10));
  return d;
}

std::optional<int64_t> NonNegativeInt(const drivers::StringMap& labels, const char* key) {
  auto it = labels.find(key);
  if (it == labels.end()) return std::nullopt;
  return ParseNonNegativeInt(it->second);
}

}  // namespace

AutoscaleDecision DecideAutoscale(const NodeGroupPolicy& p, const Workload& w,
                                  const AutoscaleState& previous, TimePoint now,
                                  const AutoscaleOptions& o) {
  AutoscaleDecision d;
  if (!p.enabled) return d;
  // Underuse of the group's ready, schedulable nodes, continuous since the first pass that
  // saw it; any pass that sees a node used (or not ready, drained, gone) starts it over.
  for (const auto& n : w.nodes) {
    if (!InGroup(n, p) || !n.ready || !n.schedulable) continue;
    if (n.running_tasks > 0 && Utilisation(n) >= o.scale_down_utilization_threshold) continue;
    auto it = previous.underused_since.find(n.name);
    d.next.underused_since[n.name] = it != previous.underused_since.end() ? it->second : now;
  }
  const bool lacking = std::any_of(w.pending.begin(), w.pending.end(),
                                   [](const PendingTask& t) { return t.lacks_resources; });
  return lacking ? Grow(p, w, now, o, std::move(d)) : Shrink(p, w, now, o, std::move(d));
}

bool AutoscalingLabelEnabled(const drivers::StringMap& labels) {
  auto it = labels.find("auto_scaling_enabled");
  if (it == labels.end()) return false;
  return ParseBoolWord(it->second).value_or(false);
}

NodeGroupPolicy PolicyOf(const drivers::ClusterState& cluster, const drivers::NodeGroupState& ng,
                         bool autoscaler_enabled) {
  NodeGroupPolicy p;
  p.uuid = ng.uuid;
  p.name = ng.name;
  p.node_count = ng.node_count;
  p.enabled = autoscaler_enabled && !ng.IsMaster() && AutoscalingLabelEnabled(cluster.labels);
  if (ng.min_node_count > 0) {
    p.min_node_count = ng.min_node_count;
  } else if (auto m = NonNegativeInt(cluster.labels, "min_node_count")) {
    p.min_node_count = *m;
  } else {
    p.min_node_count = 1;
  }
  if (ng.max_node_count) {
    p.max_node_count = *ng.max_node_count;
  } else {
    p.max_node_count = NonNegativeInt(cluster.labels, "max_node_count");
  }
  return p;
}

}  // namespace magnum::conductor
