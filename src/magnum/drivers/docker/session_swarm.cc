// Session steps inside the swarm: joins, node labels and availability, removing workers,
// and what is reported back to the conductor (readiness and drains: session_wait.cc).
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

using namespace std::chrono_literals;

namespace {

// A node update the manager refused because another update came first ("update out of
// sequence": HTTP 500 from swarmkit) or a conflict (409): read the node again and retry.
bool RetryableUpdate(const Error& e) {
  EngineFailure f = ClassifyEngineError(e);
  return f == EngineFailure::kEngineError || f == EngineFailure::kConflict;
}

}  // namespace

Result<NodeRecord> Session::Manager(const std::vector<NodeRecord>& nodes) {
  for (const auto& n : nodes) {
    if (n.master && n.running()) return n;
  }
  return Fail(Error::Unavailable("no manager node of cluster " + cluster().name + " is running"));
}

Result<void> Session::Join(const NodeRecord& manager, const NodeRecord& node,
                           const std::string& token, std::string_view step) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled(step));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * c, NodeClient(node.ip));
  auto st = c->SwarmState();
  if (st && st->state == "active") return {};  // already a member (re-run)
  auto joined = c->SwarmJoin(node.ip + ":" + std::to_string(kSwarmPort), node.ip,
                             manager.ip + ":" + std::to_string(kSwarmPort), token);
  if (!joined) {
    op_->Warning(step, "node " + node.name + " could not join: " + joined.error().message(),
                 node.name);
    return Fail(joined.error());
  }
  op_->Event(step, "node " + node.name + " joined the swarm" + (node.master ? " as a manager" : ""),
             node.name);
  return {};
}

Result<void> Session::ApplyLabels(const NodeRecord& manager, const std::vector<NodeRecord>& nodes) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
    bool conflict = false;
    for (const auto& n : nodes) {
      const NodeGroupState* ng = cluster().FindNodeGroup(n.nodegroup_uuid);
      if (ng == nullptr) continue;
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const SwarmNode& s) { return s.hostname == n.name; });
      if (it == list.end()) continue;
      SwarmNode want = *it;
      for (const auto& [k, v] : SwarmLabelsFor(*ng)) want.labels[k] = v;
      if (want.labels == it->labels) continue;
      auto r = mc->UpdateNode(want);
      if (!r) {
        if (RetryableUpdate(r.error())) {
          conflict = true;
          continue;
        }
        return Fail(r.error());
      }
    }
    if (!conflict) return {};
  }
  return Fail(Error::Internal("could not set swarm node labels (concurrent updates)"));
}

Result<void> Session::SetAvailability(const NodeRecord& manager, const std::string& hostname,
                                      const std::string& availability) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const SwarmNode& s) { return s.hostname == hostname; });
    if (it == list.end()) return Fail(Error::NotFound("swarm node " + hostname + " not found"));
    if (it->availability == availability) return {};
    SwarmNode want = *it;
    want.availability = availability;
    auto r = mc->UpdateNode(want);
    if (r) return {};
    if (!RetryableUpdate(r.error())) return Fail(r.error());
  }
  return Fail(Error::Internal("could not set availability of " + hostname));
}

Result<std::vector<std::string>> Session::ActivateAll(const NodeRecord& manager,
                                                      const std::vector<NodeRecord>& nodes) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    bool inactive = std::any_of(list.begin(), list.end(), [&](const SwarmNode& s) {
      return s.hostname == n.name && s.availability != "active";
    });
    if (!inactive) continue;
    MAGNUM_RETURN_IF_ERROR(SetAvailability(manager, n.name, "active"));
    out.push_back(n.name);
  }
  return out;
}

Result<void> Session::RemoveWorker(const NodeRecord& manager, const NodeRecord& node) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("remove"));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  std::string swarm_id;
  {
    // A manager that does not answer (or a request cut by a stop) is no proof that the
    // node is out of the swarm: the removal stops here rather than leave a ghost entry.
    MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
    for (const auto& s : list) {
      if (s.hostname == node.name) swarm_id = s.id;
    }
  }
  if (!swarm_id.empty() && node.running()) {
    MAGNUM_RETURN_IF_ERROR(Drain(manager, {node}));
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * wc, NodeClient(node.ip));
    auto left = wc->SwarmLeave(false);
    if (!left) {
      op_->Warning("remove", "swarm leave on " + node.name + " failed: " + left.error().message(),
                   node.name);
    }
  }
  if (!swarm_id.empty()) {
    auto rm = mc->RemoveNode(swarm_id, true);
    if (!rm && !NoSuchObject(rm.error())) return Fail(rm.error());
  }
  auto rc = host().RemoveContainer(node.container_id, true, true);
  if (!rc && !NoSuchObject(rc.error())) return Fail(rc.error());
  auto rv = host().RemoveVolume(VolumeName(node.name), true);
  if (!rv && !NoSuchObject(rv.error())) return Fail(rv.error());
  op_->Event("remove", "node " + node.name + " removed", node.name);
  return {};
}

Result<std::vector<NodeRecord>> Session::SwarmManagers(const NodeRecord& manager,
                                                       const std::vector<NodeRecord>& nodes) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
  std::vector<NodeRecord> out;
  for (const auto& n : nodes) {
    bool is_manager = std::any_of(list.begin(), list.end(), [&](const SwarmNode& s) {
      return s.hostname == n.name && s.role == "manager";
    });
    if (is_manager) out.push_back(n);
  }
  return out;
}

Result<void> Session::ReportAddresses(const std::vector<NodeRecord>& nodes) {
  for (const auto& ng : cluster().nodegroups) {
    std::vector<std::string> addrs;
    for (const auto& n : nodes) {
      if (n.nodegroup_uuid == ng.uuid) addrs.push_back(n.ip);
    }
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.node_addresses = addrs;
    if (!network_.empty()) r.stack_id = network_;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  return {};
}

Result<void> Session::ReportApi(const NodeRecord& manager) {
  MAGNUM_ASSIGN_OR_RETURN(ContainerInfo info, host().InspectContainer(manager.container_id));
  auto port = info.host_ports.find(std::string(kApiPortKey));
  if (port == info.host_ports.end()) {
    return Fail(Error::Internal("manager " + manager.name + " publishes no API port"));
  }
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(EngineVersion v, mc->Version());
  ClusterReport r;
  r.stack_id = network_;
  r.api_address = "tcp://127.0.0.1:" + std::to_string(port->second);
  r.coe_version = v.version;
  r.container_version = v.version;
  return op_->Report(r);
}

Result<void> Session::ReportVersions(const NodeRecord& manager,
                                     const std::vector<NodeRecord>& nodes,
                                     const std::string& only) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
  for (const auto& ng : cluster().nodegroups) {
    if (!only.empty() && ng.uuid != only) continue;
    // The lowest version among its nodes (they agree unless an upgrade stopped half-way).
    std::string version;
    for (const auto& n : nodes) {
      if (n.nodegroup_uuid != ng.uuid) continue;
      for (const auto& s : list) {
        if (s.hostname != n.name || s.engine_version.empty()) continue;
        if (version.empty() || s.engine_version < version) version = s.engine_version;
      }
    }
    if (version.empty()) continue;  // no nodes: keeps what it had
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.version = version;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  return {};
}

}  // namespace magnum::drivers::docker
