// The lifecycle operations of a session: create, resize (grow and shrink), nodegroup
// create/delete, and delete.
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

Result<void> Session::Create() {
  const ClusterState& c = cluster();
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(c.cluster_template.image_id));
  MAGNUM_RETURN_IF_ERROR(CreateNetwork());

  // The plan: masters first (indices 0..), then the workers of every nodegroup.
  std::vector<NodePlan> plans;
  int masters = 0, workers = 0;
  std::string tmpl_image =
      c.cluster_template.image_id.empty() ? std::string(kImageName) : c.cluster_template.image_id;
  for (const auto& ng : c.nodegroups) {
    std::string image_id = ng.image_id.empty() ? tmpl_image : ng.image_id;
    std::string node_ref = ref;
    if (image_id != tmpl_image) {
      MAGNUM_ASSIGN_OR_RETURN(node_ref, ResolveImage(image_id));
    }
    for (int64_t i = 0; i < ng.node_count; ++i) {
      int index = ng.IsMaster() ? masters++ : workers++;
      plans.push_back({ng.IsMaster(), index, ng.uuid, image_id, node_ref, 0});
    }
  }
  std::stable_partition(plans.begin(), plans.end(), [](const NodePlan& p) { return p.master; });
  if (masters == 0) return Fail(Error::InvalidArgument("a cluster needs at least one master"));
  if (workers > 0 && workers - 1 > MaxWorkerIndex(subnet_)) {
    return Fail(Error::InvalidArgument("at most " + std::to_string(MaxWorkerIndex(subnet_) + 1) +
                                       " workers fit a cluster subnet"));
  }

  // Containers start a few at a time: most of a node's start-up is its own dockerd.
  std::vector<NodeRecord> nodes(plans.size());
  MAGNUM_RETURN_IF_ERROR(ParallelNodes(plans.size(), [&](size_t i) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(nodes[i], StartNode(plans[i]));
    return {};
  }));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(nodes));
  MAGNUM_RETURN_IF_ERROR(WaitReady(nodes));

  const NodeRecord& manager = nodes[0];
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("swarm"));
  auto init = mc->SwarmInit(manager.ip + ":" + std::to_string(kSwarmPort), manager.ip);
  if (!init) {
    op_->Warning("swarm", "swarm init on " + manager.name + " failed: " + init.error().message(),
                 manager.name);
    return Fail(init.error());
  }
  op_->Event("swarm", "swarm formed on " + manager.name + " (" + manager.ip + ":2377)",
             manager.name);
  MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());
  // Joins run one after another: they serialise on the manager anyway.
  for (size_t i = 1; i < nodes.size(); ++i) {
    MAGNUM_RETURN_IF_ERROR(
        Join(manager, nodes[i], nodes[i].master ? tokens.manager : tokens.worker, "join"));
  }
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(manager, nodes));
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, nodes));
  MAGNUM_RETURN_IF_ERROR(ReportApi(manager));
  MAGNUM_RETURN_IF_ERROR(ReportVersions(manager, nodes, ""));
  op_->Event("ready", "all " + std::to_string(nodes.size()) + " nodes are Ready");
  return {};
}

Result<std::vector<NodeRecord>> Session::Grow(const NodeGroupState& ng, int64_t count,
                                              const std::vector<NodeRecord>& existing) {
  if (count <= 0) return std::vector<NodeRecord>{};
  std::vector<int> taken;
  for (const auto& n : existing) {
    if (!n.master) taken.push_back(n.index);
  }
  std::vector<int> indices = FreeIndices(taken, static_cast<int>(count));
  std::string image_id = ng.image_id.empty() ? cluster().cluster_template.image_id : ng.image_id;
  // Keep the image the nodegroup runs now (it may have been upgraded past the template).
  for (const auto& n : existing) {
    if (n.nodegroup_uuid == ng.uuid && !n.node_image.empty()) image_id = n.node_image;
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(existing));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());

  std::vector<NodeRecord> added(indices.size());
  MAGNUM_RETURN_IF_ERROR(ParallelNodes(indices.size(), [&](size_t i) -> Result<void> {
    NodePlan plan{false, indices[i], ng.uuid, image_id, ref, 0};
    MAGNUM_ASSIGN_OR_RETURN(added[i], StartNode(plan));
    return {};
  }));
  MAGNUM_RETURN_IF_ERROR(WaitReady(added));
  for (const auto& n : added) MAGNUM_RETURN_IF_ERROR(Join(manager, n, tokens.worker, "join"));
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(manager, added));
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, added));
  return added;
}

Result<void> Session::Resize(const std::string& ng_uuid,
                             const std::vector<std::string>& nodes_to_remove) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  std::vector<NodeRecord> members;
  for (const auto& n : nodes) {
    if (n.nodegroup_uuid == ng->uuid) members.push_back(n);
  }
  if (ng->IsMaster()) {
    if (static_cast<int64_t>(members.size()) != ng->node_count) {
      return Fail(Error::FailedPrecondition(
          "Resizing the master nodegroup is not supported by this driver."));
    }
    return ReportAddresses(nodes);
  }
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  MAGNUM_ASSIGN_OR_RETURN(auto removal,
                          SelectNodesToRemove(members, nodes_to_remove, ng->node_count));
  for (const auto& n : removal) MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, n));
  std::vector<NodeRecord> kept;
  for (const auto& n : nodes) {
    bool removed = std::any_of(removal.begin(), removal.end(), [&](const NodeRecord& r) {
      return r.container_id == n.container_id;
    });
    if (!removed) kept.push_back(n);
  }
  int64_t in_group = std::count_if(
      kept.begin(), kept.end(), [&](const NodeRecord& n) { return n.nodegroup_uuid == ng->uuid; });
  MAGNUM_ASSIGN_OR_RETURN(auto added, Grow(*ng, ng->node_count - in_group, kept));
  kept.insert(kept.end(), added.begin(), added.end());
  std::sort(kept.begin(), kept.end(), [](const NodeRecord& a, const NodeRecord& b) {
    if (a.master != b.master) return a.master;
    return a.index < b.index;
  });
  // node_labels may have changed (nodegroup update): apply them to every member.
  std::vector<NodeRecord> group;
  for (const auto& n : kept) {
    if (n.nodegroup_uuid == ng->uuid && n.running()) group.push_back(n);
  }
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, group));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(kept));
  if (!added.empty()) MAGNUM_RETURN_IF_ERROR(ReportVersions(manager, kept, ng->uuid));
  op_->Event("resize",
             "nodegroup " + ng->name + " has " + std::to_string(ng->node_count) + " nodes");
  return {};
}

Result<void> Session::CreateNodeGroup(const std::string& ng_uuid) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  if (ng->IsMaster()) {
    return Fail(Error::FailedPrecondition(
        "the docker driver does not support additional master nodegroups"));
  }
  return Resize(ng_uuid, {});
}

Result<void> Session::DeleteNodeGroup(const std::string& ng_uuid) {
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  std::string uuid = ng != nullptr ? ng->uuid : ng_uuid;
  if (ng != nullptr && ng->IsMaster()) {
    return Fail(Error::FailedPrecondition("the master nodegroup cannot be deleted"));
  }
  std::vector<NodeRecord> members;
  for (const auto& n : nodes) {
    if (n.nodegroup_uuid == uuid) members.push_back(n);
  }
  if (members.empty()) return {};
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  for (const auto& n : members) MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, n));
  op_->Event("nodegroup_delete", std::to_string(members.size()) + " nodes removed");
  return {};
}

Result<void> Session::Delete() {
  const ClusterState& c = cluster();
  if (core_->host_error) return Fail(*core_->host_error);
  Filters mine = ClusterFilter(c.uuid);
  // A 404 is fine everywhere below: the object went away by itself (or a racing delete).
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto containers, host().ListContainers(mine));
    MAGNUM_RETURN_IF_ERROR(ParallelNodes(containers.size(), [&](size_t i) -> Result<void> {
      auto r = host().RemoveContainer(containers[i].id, true, true);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
      return {};
    }));
    if (!containers.empty()) {
      op_->Event("delete", std::to_string(containers.size()) + " node containers removed");
    }
    MAGNUM_ASSIGN_OR_RETURN(auto volumes, host().ListVolumes(mine));
    for (const auto& v : volumes) {
      auto r = host().RemoveVolume(v.name, true);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
    }
    if (!volumes.empty()) op_->Event("delete", std::to_string(volumes.size()) + " volumes removed");
    MAGNUM_ASSIGN_OR_RETURN(auto networks, host().ListNetworks(mine));
    for (const auto& n : networks) {
      auto r = host().RemoveNetwork(n.id);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
      op_->Event("delete", "network " + n.name + " removed");
    }
    // Nothing may be left (a create still racing us would have added objects).
    MAGNUM_ASSIGN_OR_RETURN(auto c2, host().ListContainers(mine));
    MAGNUM_ASSIGN_OR_RETURN(auto v2, host().ListVolumes(mine));
    MAGNUM_ASSIGN_OR_RETURN(auto n2, host().ListNetworks(mine));
    if (c2.empty() && v2.empty() && n2.empty()) return {};
  }
  return Fail(Error::Internal("objects of cluster " + c.uuid +
                              " are still on the engine after 3 "
                              "deletion passes"));
}

}  // namespace magnum::drivers::docker
