// The rolling upgrade: nodes replaced by containers of the new image on the same volume,
// address and host port, in batches (cluster_layout.h UpgradeBatches), workers first.
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

Result<void> Session::WaitRejoined(const std::vector<NodeRecord>& nodes) {
  // Back in the swarm: each node's own engine says its swarm state is active again.
  auto deadline = Now() + options().node_ready_timeout;
  std::vector<bool> active(nodes.size(), false);
  while (true) {
    bool all = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (active[i]) continue;
      MAGNUM_ASSIGN_OR_RETURN(DockerClient * nc, NodeClient(nodes[i].ip));
      auto st = nc->SwarmState();
      active[i] = st && st->state == "active";
      all = all && active[i];
    }
    if (all) return {};
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("upgrade"));
    if (Now() > deadline) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!active[i]) {
          return Fail(Error::Unavailable("node " + nodes[i].name + " did not rejoin the swarm"));
        }
      }
    }
    Sleep();
  }
}

Result<void> Session::ReplaceBatch(const NodeRecord& control, const std::vector<NodeRecord>& batch,
                                   const std::string& ref, const std::string& image_id) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("upgrade"));
  MAGNUM_RETURN_IF_ERROR(Drain(control, batch));
  std::vector<NodeRecord> fresh(batch.size());
  MAGNUM_RETURN_IF_ERROR(ParallelNodes(batch.size(), [&](size_t i) -> Result<void> {
    const NodeRecord& node = batch[i];
    MAGNUM_ASSIGN_OR_RETURN(ContainerInfo info, host().InspectContainer(node.container_id));
    int host_port = 0;
    if (auto p = info.host_ports.find(std::string(kApiPortKey)); p != info.host_ports.end()) {
      host_port = p->second;
    }
    // Graceful stop: the node's dockerd saves its swarm state in the volume, which the new
    // container reuses, so the node keeps its identity and membership.
    MAGNUM_RETURN_IF_ERROR(host().StopContainer(node.container_id, 10));
    MAGNUM_RETURN_IF_ERROR(host().RemoveContainer(node.container_id, true, false));
    NodePlan plan{node.master, node.index, node.nodegroup_uuid, image_id, ref, host_port};
    MAGNUM_ASSIGN_OR_RETURN(fresh[i], StartNode(plan));
    return {};
  }));
  MAGNUM_RETURN_IF_ERROR(WaitReady(fresh));
  MAGNUM_RETURN_IF_ERROR(WaitRejoined(fresh));
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(control, fresh));
  for (const auto& n : fresh) {
    MAGNUM_RETURN_IF_ERROR(SetAvailability(control, n.name, "active"));
    op_->Event("upgrade", "node " + n.name + " now runs " + ref, n.name);
  }
  return {};
}

Result<void> Session::Upgrade(const TemplateState& target, int64_t max_batch_size,
                              const std::string& ng_uuid) {
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  std::string image_id = target.image_id.empty() ? std::string(kImageName) : target.image_id;
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  MAGNUM_ASSIGN_OR_RETURN(ImageInfo target_image, host().InspectImage(ref));
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  const NodeGroupState* only = ng_uuid.empty() ? nullptr : cluster().FindNodeGroup(ng_uuid);
  if (!ng_uuid.empty() && only == nullptr) {
    return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  }
  std::vector<NodeRecord> todo;
  for (const auto& n : nodes) {
    if (only != nullptr && n.nodegroup_uuid != only->uuid) continue;
    if (n.image_id != target_image.id) todo.push_back(n);
  }
  int managers = static_cast<int>(
      std::count_if(nodes.begin(), nodes.end(), [](const NodeRecord& n) { return n.master; }));
  int moved = 0;
  for (const auto& batch : UpgradeBatches(todo, max_batch_size, managers)) {
    // Steer through a manager outside the batch when there is one (a lone manager
    // steers its own replacement: it comes back at the same address).
    NodeRecord control = manager;
    for (const auto& n : nodes) {
      bool in_batch = std::any_of(batch.begin(), batch.end(), [&](const NodeRecord& b) {
        return b.container_id == n.container_id;
      });
      if (n.master && n.running() && !in_batch) {
        control = n;
        break;
      }
    }
    MAGNUM_RETURN_IF_ERROR(ReplaceBatch(control, batch, ref, image_id));
    moved += static_cast<int>(batch.size());
  }
  for (const auto& ng : cluster().nodegroups) {
    if (only != nullptr && ng.uuid != only->uuid) continue;
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.image_id = image_id;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto after, ListNodes());
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord mgr, Manager(after));
  // A restarted manager learns the other nodes' state from their next heartbeats: done
  // when it sees every node Ready again.
  if (moved > 0) MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(mgr, after));
  MAGNUM_RETURN_IF_ERROR(ReportApi(mgr));
  MAGNUM_RETURN_IF_ERROR(ReportVersions(mgr, after, only != nullptr ? only->uuid : ""));
  op_->Event("upgrade", std::to_string(moved) + " nodes moved to " + ref + " (" + image_id + ")");
  return {};
}

}  // namespace magnum::drivers::docker
