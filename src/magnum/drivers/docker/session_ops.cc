// The lifecycle operations of a session as phases: create, resize (grow and shrink),
// nodegroup create/delete, and delete (one idempotent phase).
#include <algorithm>
#include <atomic>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

// Phases of a create: "" (engine, images, network) -> nodes -> ready -> swarm -> finish.
// "ready" (every node's engine up) and "finish" (every node Ready in the swarm) wait by
// polls (session_wait.cc).
Result<Step> Session::CreatePhase(OpProgress& p) {
  const ClusterState& c = cluster();
  if (p.phase.empty()) {
    MAGNUM_RETURN_IF_ERROR(CheckEngine());
    MAGNUM_RETURN_IF_ERROR(ResolveImage(c.cluster_template.image_id));
    MAGNUM_RETURN_IF_ERROR(CreateNetwork());
    p.phase = "nodes";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  MAGNUM_RETURN_IF_ERROR(Resume());
  MAGNUM_ASSIGN_OR_RETURN(std::vector<NodePlan> plans, CreatePlans());
  MAGNUM_ASSIGN_OR_RETURN(auto existing, ListNodes());
  if (p.phase == "nodes") {
    // Containers start a few at a time: most of a node's start-up is its own dockerd.
    MAGNUM_ASSIGN_OR_RETURN(auto nodes, EnsureNodes(plans, existing));
    MAGNUM_RETURN_IF_ERROR(ReportAddresses(nodes));
    p.phase = "ready";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  // Past the start every planned node must be there; one that died is the failure it
  // reports (WaitReady and the swarm checks look at its container), it is not replaced.
  std::vector<NodeRecord> nodes;
  for (const auto& plan : plans) {
    const std::string name = NodeName(prefix_, plan.master, plan.index);
    auto it = std::find_if(existing.begin(), existing.end(),
                           [&](const NodeRecord& n) { return n.name == name; });
    if (it == existing.end()) {
      op_->Warning("node", "container " + name + " was removed", name);
      return Fail(Error::Internal("container " + name + " was removed"));
    }
    nodes.push_back(*it);
  }
  const NodeRecord& manager = nodes[0];
  if (p.phase == "ready") {
    MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, WaitReady(nodes, &p));
    if (waiting) return *waiting;
    p.phase = "swarm";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  if (p.phase == "swarm") {
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("swarm"));
    auto state = mc->SwarmState();
    if (!state || state->state != "active") {
      auto init = mc->SwarmInit(manager.ip + ":" + std::to_string(kSwarmPort), manager.ip);
      if (!init) {
        op_->Warning("swarm",
                     "swarm init on " + manager.name + " failed: " + init.error().message(),
                     manager.name);
        return Fail(init.error());
      }
      op_->Event("swarm", "swarm formed on " + manager.name + " (" + manager.ip + ":2377)",
                 manager.name);
    }
    MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());
    // Joins run one after another: they serialise on the manager anyway.
    for (size_t i = 1; i < nodes.size(); ++i) {
      MAGNUM_RETURN_IF_ERROR(
          Join(manager, nodes[i], nodes[i].master ? tokens.manager : tokens.worker, "join"));
    }
    p.phase = "finish";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, WaitSwarmReady(manager, nodes, &p));
  if (waiting) return *waiting;
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, nodes));
  MAGNUM_RETURN_IF_ERROR(ReportApi(manager));
  MAGNUM_RETURN_IF_ERROR(ReportVersions(manager, nodes, ""));
  op_->Event("ready", "all " + std::to_string(nodes.size()) + " nodes are Ready");
  return Step::Done();
}

Result<std::vector<NodePlan>> Session::CreatePlans() {
  const ClusterState& c = cluster();
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(c.cluster_template.image_id));
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
  return plans;
}

Result<std::vector<NodeRecord>> Session::EnsureNodes(const std::vector<NodePlan>& plans,
                                                     const std::vector<NodeRecord>& existing) {
  std::vector<NodeRecord> nodes(plans.size());
  std::vector<size_t> missing;
  for (size_t i = 0; i < plans.size(); ++i) {
    const std::string name = NodeName(prefix_, plans[i].master, plans[i].index);
    auto it = std::find_if(existing.begin(), existing.end(),
                           [&](const NodeRecord& n) { return n.name == name; });
    if (it != existing.end() && it->running()) {
      nodes[i] = *it;
      continue;
    }
    if (it != existing.end()) {
      // Created but never started (an interrupted start): start it afresh.
      auto r = host().RemoveContainer(it->container_id, true, false);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
    }
    missing.push_back(i);
  }
  MAGNUM_RETURN_IF_ERROR(ParallelNodes(missing.size(), [&](size_t k) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(nodes[missing[k]], StartNode(plans[missing[k]]));
    return {};
  }));
  return nodes;
}

Result<void> Session::Grow(const NodeGroupState& ng, const std::vector<int>& wanted,
                           const std::vector<NodeRecord>& existing) {
  std::vector<int> indices;
  for (int i : wanted) {
    bool runs = std::any_of(existing.begin(), existing.end(), [&](const NodeRecord& n) {
      return !n.master && n.index == i && n.running();
    });
    if (!runs) indices.push_back(i);
  }
  if (indices.empty()) return {};
  std::string image_id = ng.image_id.empty() ? cluster().cluster_template.image_id : ng.image_id;
  // Keep the image the nodegroup runs now (it may have been upgraded past the template).
  for (const auto& n : existing) {
    if (n.nodegroup_uuid == ng.uuid && !n.node_image.empty()) image_id = n.node_image;
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  return ParallelNodes(indices.size(), [&](size_t i) -> Result<void> {
    NodePlan plan{false, indices[i], ng.uuid, image_id, ref, 0};
    MAGNUM_RETURN_IF_ERROR(StartNode(plan));
    return {};
  });
}

Result<std::optional<Step>> Session::JoinMissing(const NodeRecord& manager,
                                                 const std::vector<NodeRecord>& nodes,
                                                 OpProgress* p) {
  // Polled (p set): nodes that joined in an earlier poll are members now; while that poll's
  // swarm wait is under way it goes on over every node of `nodes`.
  std::vector<NodeRecord> outside;
  for (const auto& n : nodes) {
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * c, NodeClient(n.ip));
    auto st = c->SwarmState();
    if (!st || st->state != "active") outside.push_back(n);
  }
  const bool swarm_wait = p != nullptr && p->wait == "swarm";
  if (outside.empty() && !swarm_wait) return std::optional<Step>();
  if (!outside.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, WaitReady(outside, p));
    if (waiting) return waiting;
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
    MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());
    for (const auto& n : outside) {
      MAGNUM_RETURN_IF_ERROR(Join(manager, n, n.master ? tokens.manager : tokens.worker, "join"));
    }
  }
  return WaitSwarmReady(manager, outside.empty() ? nodes : outside, p);
}

// Phases of a resize: "" (choose the nodes to remove) -> remove -> grow (choose the new
// workers' indices, then start them) -> join. A grow that fails (not cancelled) is rolled
// back: the workers it started go again; a shrink that fails reports the nodes left.
Result<Step> Session::ResizePhase(const std::string& ng_uuid,
                                  const std::vector<std::string>& nodes_to_remove, OpProgress& p) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  auto step = ResizeStep(*ng, nodes_to_remove, p);
  if (step || op_->Cancelled()) return step;
  if (p.grow.empty() || (p.phase != "grow" && p.phase != "join")) {
    // A shrink that stopped part-way (or a grow that started nothing): what remains is
    // reported, so that the nodegroup's addresses, and the count the conductor keeps
    // (NodeCountAfterFailedResize), say what runs.
    if (auto after = ListNodes()) (void)ReportAddresses(*after);
    return step;
  }
  std::string rolled_back = RollbackGrow(*ng, p);
  return Fail(Error(step.error().code(), step.error().message() + "; " + rolled_back));
}

Result<Step> Session::ResizeStep(const NodeGroupState& target,
                                 const std::vector<std::string>& nodes_to_remove, OpProgress& p) {
  const NodeGroupState* ng = &target;
  if (p.phase.empty()) {
    MAGNUM_RETURN_IF_ERROR(CheckEngine());
  }
  MAGNUM_RETURN_IF_ERROR(Resume());
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
    MAGNUM_RETURN_IF_ERROR(ReportAddresses(nodes));
    return Step::Done();
  }
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  if (p.phase.empty()) {
    // Never a manager: the master containers, and for a shrink also any worker the swarm
    // lists as a manager (promoted by hand).
    std::vector<NodeRecord> managers;
    for (const auto& n : nodes) {
      if (n.master) managers.push_back(n);
    }
    if (static_cast<int64_t>(members.size()) > ng->node_count || !nodes_to_remove.empty()) {
      MAGNUM_ASSIGN_OR_RETURN(auto promoted, SwarmManagers(manager, members));
      managers.insert(managers.end(), promoted.begin(), promoted.end());
    }
    // Chosen once and recorded: after a crash the same nodes go, whatever is left.
    MAGNUM_ASSIGN_OR_RETURN(
        auto removal, SelectNodesToRemove(members, nodes_to_remove, ng->node_count, managers));
    p.selected = true;
    p.nodes.clear();
    for (const auto& n : removal) p.nodes.push_back(n.name);
    p.phase = "remove";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  if (p.phase == "remove") {
    for (const auto& name : p.nodes) {
      auto it = std::find_if(members.begin(), members.end(),
                             [&](const NodeRecord& n) { return n.name == name; });
      if (it != members.end()) {
        // Promoted since it was chosen: a manager's removal could cost the swarm its quorum.
        MAGNUM_ASSIGN_OR_RETURN(auto promoted, SwarmManagers(manager, {*it}));
        if (!promoted.empty()) {
          op_->Warning("remove", "node " + name + " is a swarm manager now: not removed", name);
          return Fail(Error::FailedPrecondition(
              "node " + name +
              " became a swarm manager after the resize chose it; a resize "
              "never removes managers (docker node demote " +
              name + " first)"));
        }
        MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, *it));
        continue;
      }
      // Its container went before the crash; its volume may not have.
      auto rv = host().RemoveVolume(VolumeName(name), true);
      if (!rv && !NoSuchObject(rv.error())) return Fail(rv.error());
    }
    p.phase = "grow";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  if (p.phase == "grow") {
    std::vector<NodeRecord> kept;
    int64_t in_group = 0;
    for (const auto& n : nodes) {
      if (n.nodegroup_uuid == ng->uuid && !n.running()) {
        // Created but never started (an interrupted grow): replaced below.
        auto r = host().RemoveContainer(n.container_id, true, false);
        if (!r && !NoSuchObject(r.error())) return Fail(r.error());
        continue;
      }
      kept.push_back(n);
      in_group += n.nodegroup_uuid == ng->uuid;
    }
    if (!p.grow_planned) {
      // Chosen once and recorded before any starts: a resumed grow starts the same nodes,
      // and a failed one knows which to take away.
      std::vector<int> taken;
      for (const auto& n : kept) {
        if (!n.master) taken.push_back(n.index);
      }
      p.grow_planned = true;
      p.grow = FreeIndices(taken, static_cast<int>(std::max<int64_t>(0, ng->node_count - in_group)));
      return Step::PollAfter(std::chrono::milliseconds(0));
    }
    if (!p.grow.empty()) p.added = true;
    MAGNUM_RETURN_IF_ERROR(Grow(*ng, p.grow, kept));
    p.phase = "join";
    return Step::PollAfter(std::chrono::milliseconds(0));
  }
  // The chosen new workers all run (again, after a crash inside an earlier attempt's
  // rollback, or a node that went meanwhile: a stopped one is replaced).
  bool regrow = false;
  for (int index : p.grow) {
    const std::string name = NodeName(prefix_, false, index);
    auto it = std::find_if(nodes.begin(), nodes.end(),
                           [&](const NodeRecord& n) { return n.name == name; });
    if (it != nodes.end() && it->running()) continue;
    if (it != nodes.end()) {
      auto r = host().RemoveContainer(it->container_id, true, false);
      if (!r && !NoSuchObject(r.error())) return Fail(r.error());
    }
    regrow = true;
  }
  if (regrow) {
    MAGNUM_RETURN_IF_ERROR(Grow(*ng, p.grow, nodes));
    MAGNUM_ASSIGN_OR_RETURN(nodes, ListNodes());
  }
  std::vector<NodeRecord> group;
  for (const auto& n : nodes) {
    if (n.nodegroup_uuid == ng->uuid && n.running()) group.push_back(n);
  }
  MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> waiting, JoinMissing(manager, group, &p));
  if (waiting) return *waiting;
  // node_labels may have changed (nodegroup update): apply them to every member.
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, group));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(nodes));
  if (p.added) MAGNUM_RETURN_IF_ERROR(ReportVersions(manager, nodes, ng->uuid));
  op_->Event("resize",
             "nodegroup " + ng->name + " has " + std::to_string(ng->node_count) + " nodes");
  return Step::Done();
}

std::string Session::RollbackGrow(const NodeGroupState& ng, const OpProgress& p) {
  std::vector<std::string> removed, left;
  auto nodes = ListNodes();
  if (!nodes) return "the nodes it started could not be listed: " + nodes.error().message();
  auto manager = Manager(*nodes);
  for (int index : p.grow) {
    const std::string name = NodeName(prefix_, false, index);
    auto it = std::find_if(nodes->begin(), nodes->end(),
                           [&](const NodeRecord& n) { return !n.master && n.name == name; });
    Result<void> r;
    if (it != nodes->end() && manager) {
      r = RemoveWorker(*manager, *it);
    } else {
      if (it != nodes->end()) {
        r = host().RemoveContainer(it->container_id, true, true);
        if (!r && NoSuchObject(r.error())) r = {};
      }
      if (r) {
        r = host().RemoveVolume(VolumeName(name), true);
        if (!r && NoSuchObject(r.error())) r = {};
      }
    }
    if (r) {
      if (it != nodes->end()) removed.push_back(name);
    } else {
      left.push_back(name + " (" + r.error().message() + ")");
    }
  }
  if (auto after = ListNodes()) (void)ReportAddresses(*after);
  std::string out;
  if (!removed.empty()) {
    std::string names;
    for (const auto& n : removed) names += (names.empty() ? "" : ", ") + n;
    out = "rolled back: the " + std::to_string(removed.size()) + " nodes it started (" + names +
          ") were removed";
    op_->Event("rollback", out + "; nodegroup " + ng.name + " keeps its earlier nodes");
  } else {
    out = "rolled back: no node it started was left";
  }
  if (!left.empty()) {
    std::string names;
    for (const auto& n : left) names += (names.empty() ? "" : ", ") + n;
    out += "; still on the engine: " + names;
    op_->Warning("rollback", "could not remove " + names);
  }
  return out;
}

Result<Step> Session::NodeGroupCreatePhase(const std::string& ng_uuid, OpProgress& p) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  if (ng->IsMaster()) {
    return Fail(Error::FailedPrecondition(
        "the docker driver does not support additional master nodegroups"));
  }
  return ResizePhase(ng_uuid, {}, p);
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
  if (!members.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
    for (const auto& n : members) MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, n));
    op_->Event("nodegroup_delete", std::to_string(members.size()) + " nodes removed");
  }
  // Volumes of nodes whose container went before an interrupted delete stopped.
  Filters of_group = ClusterFilter(cluster().uuid);
  of_group["label"].push_back(std::string(kLabelNodeGroup) + "=" + uuid);
  MAGNUM_ASSIGN_OR_RETURN(auto volumes, host().ListVolumes(of_group));
  for (const auto& v : volumes) {
    auto r = host().RemoveVolume(v.name, true);
    if (!r && !NoSuchObject(r.error())) return Fail(r.error());
  }
  return {};
}

Result<void> Session::Delete() {
  const ClusterState& c = cluster();
  if (core_->host_error) return Fail(*core_->host_error);
  Filters mine = ClusterFilter(c.uuid);
  // A 404 is fine everywhere below: the object went away by itself (or a racing delete). A
  // 409 (a removal already in progress, e.g. one a killed conductor had sent, or a volume
  // still in use by such a container) is waited out: the next pass looks again.
  std::atomic<bool> conflict{false};  // set from the parallel container removals
  auto removed = [&conflict](const Result<void>& r) -> Result<void> {
    if (r || NoSuchObject(r.error())) return {};
    if (ClassifyEngineError(r.error()) == EngineFailure::kConflict) {
      conflict = true;
      return {};
    }
    return Fail(r.error());
  };
  const auto conflicts_until = Now() + options().node_ready_timeout;
  for (int attempt = 0; attempt < 3 || (conflict && Now() < conflicts_until); ++attempt) {
    if (conflict.exchange(false)) Sleep();
    MAGNUM_ASSIGN_OR_RETURN(auto containers, host().ListContainers(mine));
    MAGNUM_RETURN_IF_ERROR(ParallelNodes(containers.size(), [&](size_t i) -> Result<void> {
      return removed(host().RemoveContainer(containers[i].id, true, true));
    }));
    if (!containers.empty()) {
      op_->Event("delete", std::to_string(containers.size()) + " node containers removed");
    }
    MAGNUM_ASSIGN_OR_RETURN(auto volumes, host().ListVolumes(mine));
    for (const auto& v : volumes) MAGNUM_RETURN_IF_ERROR(removed(host().RemoveVolume(v.name, true)));
    if (!volumes.empty()) op_->Event("delete", std::to_string(volumes.size()) + " volumes removed");
    MAGNUM_ASSIGN_OR_RETURN(auto networks, host().ListNetworks(mine));
    for (const auto& n : networks) {
      MAGNUM_RETURN_IF_ERROR(removed(host().RemoveNetwork(n.id)));
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
