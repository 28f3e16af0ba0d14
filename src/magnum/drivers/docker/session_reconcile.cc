// The periodic reconciliation of one settled cluster (Driver::Reconcile): the engine is
// brought back to what the cluster's rows say. In order:
//   stray containers   labelled with the cluster but no node of it (unknown nodegroup, not
//                      named as its labels say, or beyond a worker nodegroup's node_count):
//                      removed with their volumes and swarm entries
//   dead workers       a worker container that is not running: removed (swarm entry,
//                      container, volume) and replaced below
//   missing workers    a worker nodegroup with fewer nodes than node_count: started at the
//                      lowest free indices
//   stopped managers   started again (the volume keeps the swarm identity); a manager
//                      whose container is gone is reported, not replaced
//   outside the swarm  a running node whose engine is not a swarm member: joined
//   ghost entries      swarm nodes without a running container, Down: removed from the swarm
//   drained nodes      made active
// Each repair is an event (step "reconcile"); a cluster that matches gets none. Every action
// checks the operation's cancellation (a delete or a stop ends the pass).
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

namespace {

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<void> Session::Reconcile() {
  const ClusterState& c = cluster();
  if (core_->host_error) return Fail(*core_->host_error);
  MAGNUM_RETURN_IF_ERROR(Resume());
  MAGNUM_ASSIGN_OR_RETURN(auto containers, host().ListContainers(ClusterFilter(c.uuid)));
  std::vector<NodeRecord> nodes = NodesFromContainers(containers);
  bool changed = false;

  // Stray containers: not nodes at all, or nodes the cluster does not have.
  std::vector<NodeRecord> strays;
  for (const auto& ct : containers) {
    bool node = std::any_of(nodes.begin(), nodes.end(),
                            [&](const NodeRecord& n) { return n.container_id == ct.id; });
    if (!node) {
      NodeRecord r;
      r.container_id = ct.id;
      r.name = ct.name.empty() ? ct.id.substr(0, 12) : ct.name;
      r.state = ct.state;
      strays.push_back(r);
    }
  }
  std::vector<NodeRecord> kept;
  for (const auto& n : nodes) {
    const NodeGroupState* ng = c.FindNodeGroup(n.nodegroup_uuid);
    bool stray = ng == nullptr || ng->uuid != n.nodegroup_uuid || ng->IsMaster() != n.master ||
                 n.name != NodeName(prefix_, n.master, n.index);
    (stray ? strays : kept).push_back(n);
  }
  // Beyond a worker nodegroup's count (running ones count; the highest indices go).
  for (const auto& ng : c.nodegroups) {
    if (ng.IsMaster()) continue;
    std::vector<NodeRecord> members;
    for (const auto& n : kept) {
      if (n.nodegroup_uuid == ng.uuid && n.running()) members.push_back(n);
    }
    if (static_cast<int64_t>(members.size()) <= ng.node_count) continue;
    MAGNUM_ASSIGN_OR_RETURN(auto extra, SelectNodesToRemove(members, {}, ng.node_count));
    for (const auto& e : extra) {
      strays.push_back(e);
      kept.erase(std::remove_if(kept.begin(), kept.end(),
                                [&](const NodeRecord& k) { return k.name == e.name; }),
                 kept.end());
    }
  }
  auto manager = Manager(kept);
  if (!manager) {
    // A stopped manager is started again first: nothing else can be repaired without one.
    for (const auto& n : kept) {
      if (!n.master || n.running()) continue;
      MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
      MAGNUM_RETURN_IF_ERROR(host().StartContainer(n.container_id));
      op_->Event("reconcile", "manager " + n.name + " was " + n.state + ": started again", n.name);
      changed = true;
    }
    MAGNUM_ASSIGN_OR_RETURN(containers, host().ListContainers(ClusterFilter(c.uuid)));
    std::vector<NodeRecord> again = NodesFromContainers(containers);
    for (auto& k : kept) {
      for (const auto& a : again) {
        if (a.container_id == k.container_id) k = a;
      }
    }
    manager = Manager(kept);
    if (!manager) return Fail(manager.error());
    MAGNUM_RETURN_IF_ERROR(WaitReady({*manager}));
  }
  for (const auto& s : strays) {
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
    if (s.master) {
      op_->Warning(
          "reconcile",
          "manager container " + s.name + " is not a node of the cluster; a manager is not removed",
          s.name);
      continue;
    }
    if (!s.ip.empty()) {
      MAGNUM_RETURN_IF_ERROR(RemoveWorker(*manager, s));  // also its swarm entry and volume
    } else {
      auto r = host().RemoveContainer(s.container_id, true, true);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
    }
    op_->Event("reconcile", "stray container " + s.name + " removed (not a node of the cluster)",
               s.name);
    changed = true;
  }

  // Dead workers go (and are replaced below); stopped managers are started again.
  std::vector<NodeRecord> live;
  for (const auto& n : kept) {
    if (n.running()) {
      live.push_back(n);
      continue;
    }
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
    if (n.master) {
      MAGNUM_RETURN_IF_ERROR(host().StartContainer(n.container_id));
      op_->Event("reconcile", "manager " + n.name + " was " + n.state + ": started again", n.name);
      NodeRecord started = n;
      started.state = "running";
      live.push_back(started);
    } else {
      MAGNUM_RETURN_IF_ERROR(RemoveWorker(*manager, n));
      op_->Event("reconcile",
                 "worker " + n.name + " was " + n.state + " (" + n.status + "): removed, replaced",
                 n.name);
    }
    changed = true;
  }
  // Ghost entries: swarm workers with no running container of their name (a container
  // removed by hand): removed from the swarm before a replacement takes the name.
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager->ip));
  MAGNUM_ASSIGN_OR_RETURN(auto swarm, mc->ListNodes());
  for (const auto& s : swarm) {
    bool backed = std::any_of(live.begin(), live.end(),
                              [&](const NodeRecord& n) { return n.name == s.hostname; });
    if (backed || s.role == "manager") continue;
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
    auto rm = mc->RemoveNode(s.id, true);
    if (!rm && !NoSuchObject(rm.error())) return Fail(rm.error());
    op_->Event(
        "reconcile",
        "swarm node " + s.hostname + " (" + s.state + ") has no container: removed from the swarm",
        s.hostname);
    changed = true;
  }
  // Missing nodes: workers started up to each nodegroup's count; managers only reported.
  int64_t masters = std::count_if(live.begin(), live.end(), [](const auto& n) { return n.master; });
  if (const NodeGroupState* m = c.DefaultMaster(); m != nullptr && masters < m->node_count) {
    op_->Warning("reconcile", "the cluster has " + std::to_string(masters) + " of " +
                                  std::to_string(m->node_count) +
                                  " managers; managers are not replaced");
  }
  for (const auto& ng : c.nodegroups) {
    if (ng.IsMaster()) continue;
    int64_t have = std::count_if(live.begin(), live.end(),
                                 [&](const NodeRecord& n) { return n.nodegroup_uuid == ng.uuid; });
    if (have >= ng.node_count) continue;
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
    std::vector<int> taken;
    for (const auto& n : live) {
      if (!n.master) taken.push_back(n.index);
    }
    std::vector<int> indices = FreeIndices(taken, static_cast<int>(ng.node_count - have));
    for (int i : indices) {
      // A volume left by a container removed by hand holds a swarm identity that is gone.
      auto rv = host().RemoveVolume(VolumeName(NodeName(prefix_, false, i)), true);
      if (!rv && !NoSuchObject(rv.error())) return Fail(rv.error());
    }
    MAGNUM_RETURN_IF_ERROR(Grow(ng, indices, live));
    std::vector<std::string> names;
    for (int i : indices) names.push_back(NodeName(prefix_, false, i));
    op_->Event("reconcile", "nodegroup " + ng.name + " had " + std::to_string(have) + " of " +
                                std::to_string(ng.node_count) + " nodes: started " + Names(names));
    changed = true;
  }
  MAGNUM_ASSIGN_OR_RETURN(auto current, ListNodes());
  std::vector<NodeRecord> members;
  for (const auto& n : current) {
    if (n.running() && n.name != manager->name) members.push_back(n);
  }
  // Outside the swarm: joined (after their engines answer).
  std::vector<std::string> outside;
  for (const auto& n : members) {
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * nc, NodeClient(n.ip));
    auto st = nc->SwarmState();
    if (!st || st->state != "active") outside.push_back(n.name);
  }
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("reconcile"));
  MAGNUM_RETURN_IF_ERROR(JoinMissing(*manager, members));
  for (const auto& name : outside) {
    op_->Event("reconcile", "node " + name + " was not in the swarm: joined", name);
    changed = true;
  }
  // Drained (or paused) nodes: active again.
  std::vector<NodeRecord> running;
  for (const auto& n : current) {
    if (n.running()) running.push_back(n);
  }
  MAGNUM_ASSIGN_OR_RETURN(auto activated, ActivateAll(*manager, running));
  for (const auto& name : activated) {
    op_->Event("reconcile", "node " + name + " was not active: made active", name);
    changed = true;
  }
  if (!changed) return {};
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(*manager, running));
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(*manager, running));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(current));
  op_->Event("reconcile", "the cluster matches its nodegroups again (" +
                              std::to_string(running.size()) + " nodes Ready)");
  return {};
}

}  // namespace magnum::drivers::docker
