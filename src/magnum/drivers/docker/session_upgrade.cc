// The rolling upgrade as phases: "" (plan the batches, cluster_layout.h UpgradeBatches,
// workers first) -> batch (per batch: record its nodes, then replace them by containers of
// the new image on the same volume, address and host port) -> finish.
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

// One poll of the batch: its nodes still on the old image are drained (a wait), then
// stopped and started again from `ref`; a node already replaced is kept; one whose old
// container is gone is started from its record. Then the waits: the new engines up, back in
// the swarm, Ready in the manager's list. Every node ends active in the swarm (also one an
// interrupted upgrade left drained). Each poll decides from the engine's state, so a
// resumed batch goes on where it was.
Result<std::optional<Step>> Session::ReplaceInflight(const NodeRecord& control, OpProgress& p,
                                                     const std::string& ref,
                                                     const std::string& image_id,
                                                     const std::string& target_image) {
  const std::vector<InflightNode>& batch = p.inflight;
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("upgrade"));
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  auto find = [&](const std::string& name) -> const NodeRecord* {
    for (const auto& n : nodes) {
      if (n.name == name) return &n;
    }
    return nullptr;
  };
  std::vector<NodeRecord> old;
  for (const auto& b : batch) {
    const NodeRecord* n = find(b.name);
    // A stopped one (an interrupted replacement) cannot be drained, nor steer its drain.
    if (n != nullptr && n->image_id != target_image && n->running()) old.push_back(*n);
  }
  MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, Drain(control, old, &p));
  if (waiting) return waiting;
  std::vector<NodeRecord> fresh(batch.size());
  MAGNUM_RETURN_IF_ERROR(ParallelNodes(batch.size(), [&](size_t i) -> Result<void> {
    const InflightNode& b = batch[i];
    const NodeRecord* n = find(b.name);
    if (n != nullptr && n->image_id == target_image && n->running()) {
      fresh[i] = *n;
      return {};
    }
    if (n != nullptr) {
      // Graceful stop: the node's dockerd saves its swarm state in the volume, which the
      // new container reuses, so the node keeps its identity and membership.
      if (n->running()) MAGNUM_RETURN_IF_ERROR(host().StopContainer(n->container_id, 10));
      MAGNUM_RETURN_IF_ERROR(host().RemoveContainer(n->container_id, true, false));
    }
    NodePlan plan{b.master, b.index, b.nodegroup_uuid, image_id, ref, b.host_port};
    MAGNUM_ASSIGN_OR_RETURN(fresh[i], StartNode(plan));
    return {};
  }));
  MAGNUM_ASSIGN_OR_RETURN(waiting, WaitReady(fresh, &p));
  if (waiting) return waiting;
  MAGNUM_ASSIGN_OR_RETURN(waiting, WaitRejoined(fresh, &p));
  if (waiting) return waiting;
  MAGNUM_ASSIGN_OR_RETURN(waiting, WaitSwarmReady(control, fresh, &p));
  if (waiting) return waiting;
  for (const auto& n : fresh) {
    MAGNUM_RETURN_IF_ERROR(SetAvailability(control, n.name, "active"));
    op_->Event("upgrade", "node " + n.name + " now runs " + ref, n.name);
  }
  return std::optional<Step>();
}

std::string Session::RestoreBatch(const NodeRecord& control,
                                  const std::vector<InflightNode>& batch) {
  auto nodes = ListNodes();
  if (!nodes) return "its nodes could not be listed: " + nodes.error().message();
  std::vector<NodeRecord> restarted;
  std::string left;
  auto note = [&left](const std::string& what) { left += (left.empty() ? "" : ", ") + what; };
  for (const auto& b : batch) {
    auto it = std::find_if(nodes->begin(), nodes->end(),
                           [&](const NodeRecord& n) { return n.name == b.name; });
    if (it == nodes->end()) {
      note(b.name + " has no container");
      continue;
    }
    if (it->running()) continue;
    // Stopped for its replacement: started again (its volume keeps its swarm identity).
    if (auto r = host().StartContainer(it->container_id); r) {
      restarted.push_back(*it);
      op_->Event("upgrade", "node " + b.name + " started again after the failed batch", b.name);
    } else {
      note(b.name + " could not be started (" + r.error().message() + ")");
    }
  }
  if (!restarted.empty()) (void)WaitRejoined(restarted);
  std::vector<std::string> active;
  for (const auto& b : batch) {
    auto r = SetAvailability(control, b.name, "active");
    if (r) {
      active.push_back(b.name);
    } else if (!r.error().Is(ErrorCode::kNotFound)) {
      note(b.name + " is not active (" + r.error().message() + ")");
    }
  }
  std::string out = "the failed batch's nodes were made active again";
  if (!active.empty()) {
    std::string names;
    for (const auto& n : active) names += (names.empty() ? "" : ", ") + n;
    out += " (" + names + ")";
  }
  if (!left.empty()) {
    out += "; left: " + left;
    op_->Warning("upgrade", "after the failed batch: " + left);
  }
  return out;
}

Result<Step> Session::UpgradePhase(const TemplateState& target, int64_t max_batch_size,
                                   const std::string& ng_uuid, OpProgress& p) {
  if (p.phase.empty()) MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(Resume());
  std::string image_id = target.image_id.empty() ? std::string(kImageName) : target.image_id;
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  MAGNUM_ASSIGN_OR_RETURN(ImageInfo target_image, host().InspectImage(ref));
  const NodeGroupState* only = ng_uuid.empty() ? nullptr : cluster().FindNodeGroup(ng_uuid);
  if (!ng_uuid.empty() && only == nullptr) {
    return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  if (p.phase.empty()) {
    MAGNUM_RETURN_IF_ERROR(Manager(nodes));
    std::vector<NodeRecord> todo;
    for (const auto& n : nodes) {
      if (only != nullptr && n.nodegroup_uuid != only->uuid) continue;
      if (n.image_id != target_image.id) todo.push_back(n);
    }
    int managers = static_cast<int>(
        std::count_if(nodes.begin(), nodes.end(), [](const NodeRecord& n) { return n.master; }));
    p.planned = true;
    p.batches.clear();
    for (const auto& batch : UpgradeBatches(todo, max_batch_size, managers)) {
      std::vector<std::string> names;
      for (const auto& n : batch) names.push_back(n.name);
      p.batches.push_back(names);
    }
    p.batch = 0;
    p.phase = "batch";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  if (p.phase == "batch" && p.batch < p.batches.size()) {
    if (p.inflight.empty()) {
      // Recorded before anything of the batch changes: its containers may go.
      for (const auto& name : p.batches[p.batch]) {
        auto it = std::find_if(nodes.begin(), nodes.end(),
                               [&](const NodeRecord& n) { return n.name == name; });
        if (it == nodes.end()) continue;
        MAGNUM_ASSIGN_OR_RETURN(ContainerInfo info, host().InspectContainer(it->container_id));
        int host_port = 0;
        if (auto port = info.host_ports.find(std::string(kApiPortKey));
            port != info.host_ports.end()) {
          host_port = port->second;
        }
        p.inflight.push_back({it->name, it->master, it->index, it->nodegroup_uuid, host_port});
      }
      if (p.inflight.empty()) ++p.batch;
      return Step::PollAfter(std::chrono::milliseconds(0));
    }
    // Steer through a manager outside the batch when there is one (a lone manager steers
    // its own replacement: it comes back at the same address).
    std::optional<NodeRecord> control;
    for (const auto& n : nodes) {
      bool in_batch = std::any_of(p.inflight.begin(), p.inflight.end(),
                                  [&](const InflightNode& b) { return b.name == n.name; });
      if (n.master && n.running() && !in_batch) {
        control = n;
        break;
      }
    }
    if (!control) {
      for (const auto& b : p.inflight) {
        if (!b.master) continue;
        NodeRecord c;
        c.name = b.name;
        c.master = true;
        c.index = b.index;
        MAGNUM_ASSIGN_OR_RETURN(c.ip, MasterAddress(subnet_, b.index));
        control = c;
        break;
      }
    }
    if (!control) {
      MAGNUM_ASSIGN_OR_RETURN(control, Manager(nodes));
    }
    auto replaced = ReplaceInflight(*control, p, ref, image_id, target_image.id);
    if (!replaced) {
      // Cancelled (a stop: the upgrade resumes; a delete): the batch is left as it is.
      if (op_->Cancelled()) return Fail(replaced.error());
      std::string restored = RestoreBatch(*control, p.inflight);
      return Fail(Error(replaced.error().code(), replaced.error().message() + "; " + restored));
    }
    if (*replaced) return **replaced;  // a wait of the batch is under way
    p.moved += static_cast<int64_t>(p.inflight.size());
    p.inflight.clear();
    ++p.batch;
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  for (const auto& ng : cluster().nodegroups) {
    if (only != nullptr && ng.uuid != only->uuid) continue;
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.image_id = image_id;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord mgr, Manager(nodes));
  // A restarted manager learns the other nodes' state from their next heartbeats: done
  // when it sees every node Ready again.
  if (p.moved > 0) {
    MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, WaitSwarmReady(mgr, nodes, &p));
    if (waiting) return *waiting;
  }
  // No node stays drained: also one an earlier, interrupted upgrade left so and that is on
  // the target image already (so no batch of this one touched it).
  std::vector<NodeRecord> scope;
  for (const auto& n : nodes) {
    if (only == nullptr || n.nodegroup_uuid == only->uuid) scope.push_back(n);
  }
  MAGNUM_ASSIGN_OR_RETURN(auto activated, ActivateAll(mgr, scope));
  for (const auto& name : activated) {
    op_->Event("upgrade", "node " + name + " was left drained: made active again", name);
  }
  MAGNUM_RETURN_IF_ERROR(ReportApi(mgr));
  MAGNUM_RETURN_IF_ERROR(ReportVersions(mgr, nodes, only != nullptr ? only->uuid : ""));
  op_->Event("upgrade",
             std::to_string(p.moved) + " nodes moved to " + ref + " (" + image_id + ")");
  return Step::Done();
}

}  // namespace magnum::drivers::docker
