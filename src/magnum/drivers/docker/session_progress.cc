// The docker driver's progress record, the dispatch of Advance() to the phases of each
// operation, and the blocking run of every phase.
#include <nlohmann/json.hpp>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

using Json = nlohmann::json;

Result<OpProgress> OpProgress::Parse(const std::string& text) {
  OpProgress p;
  if (text.empty()) return p;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return Fail(Error::Internal("docker driver: bad progress record " + text));
  p.phase = j.value("phase", std::string());
  p.selected = j.value("selected", false);
  p.nodes = j.value("nodes", std::vector<std::string>{});
  p.added = j.value("added", false);
  p.grow_planned = j.value("grow_planned", false);
  p.grow = j.value("grow", std::vector<int>{});
  p.planned = j.value("planned", false);
  p.batches = j.value("batches", std::vector<std::vector<std::string>>{});
  p.batch = j.value("batch", size_t{0});
  p.moved = j.value("moved", int64_t{0});
  if (auto w = j.find("wait"); w != j.end() && w->is_object()) {
    p.wait = w->value("what", std::string());
    p.wait_owner = w->value("owner", std::string());
    p.wait_deadline = w->value("deadline", int64_t{0});
    p.wait_check = w->value("check", int64_t{0});
  }
  if (auto d = j.find("drain_services"); d != j.end() && d->is_array()) {
    for (const auto& v : *d) {
      if (v.is_string()) p.drain_services.push_back(v.get<std::string>());
    }
  }
  if (auto d = j.find("drain_pending"); d != j.end() && d->is_array()) {
    for (const auto& v : *d) {
      if (v.is_string()) p.drain_pending.push_back(v.get<std::string>());
    }
  }
  for (const auto& n : j.value("inflight", Json::array())) {
    p.inflight.push_back({n.value("name", std::string()), n.value("master", false),
                          n.value("index", 0), n.value("nodegroup", std::string()),
                          n.value("host_port", 0)});
  }
  return p;
}

std::string OpProgress::Dump() const {
  Json j;
  j["phase"] = phase;
  if (selected) {
    j["selected"] = true;
    j["nodes"] = nodes;
  }
  if (added) j["added"] = true;
  if (grow_planned) {
    j["grow_planned"] = true;
    j["grow"] = grow;
  }
  if (planned) {
    j["planned"] = true;
    j["batches"] = batches;
    j["batch"] = batch;
    j["moved"] = moved;
  }
  if (!inflight.empty()) {
    Json in = Json::array();
    for (const auto& n : inflight) {
      in.push_back({{"name", n.name},
                    {"master", n.master},
                    {"index", n.index},
                    {"nodegroup", n.nodegroup_uuid},
                    {"host_port", n.host_port}});
    }
    j["inflight"] = in;
  }
  if (!drain_services.empty()) j["drain_services"] = drain_services;
  if (!drain_pending.empty()) j["drain_pending"] = drain_pending;
  if (!wait.empty()) {
    j["wait"] = {{"what", wait}, {"owner", wait_owner}, {"deadline", wait_deadline},
                 {"check", wait_check}};
  }
  return j.dump();
}

Result<Step> Session::Advance(const OperationSpec& spec, OpProgress& p) {
  switch (spec.kind) {
    case OperationKind::kCreate:
      return CreatePhase(p);
    case OperationKind::kUpdate:
    case OperationKind::kResize:
    case OperationKind::kNodeGroupUpdate:
      return ResizePhase(spec.nodegroup_uuid, spec.nodes_to_remove, p);
    case OperationKind::kNodeGroupCreate:
      return NodeGroupCreatePhase(spec.nodegroup_uuid, p);
    case OperationKind::kUpgrade:
      return UpgradePhase(spec.target, spec.max_batch_size, spec.nodegroup_uuid, p);
    case OperationKind::kDelete:
      MAGNUM_RETURN_IF_ERROR(Delete());
      return Step::Done();
    case OperationKind::kNodeGroupDelete:
      MAGNUM_RETURN_IF_ERROR(DeleteNodeGroup(spec.nodegroup_uuid));
      return Step::Done();
    case OperationKind::kRotateCa:
    case OperationKind::kRotateCredential:
      break;
  }
  return Fail(Error::FailedPrecondition("the docker driver does not support this operation"));
}

Result<void> Session::Run(const OperationSpec& spec) {
  OpProgress p;
  while (true) {
    MAGNUM_ASSIGN_OR_RETURN(Step s, Advance(spec, p));
    if (s.done) return {};
    if (s.after.count() > 0) core_->deps.time->Sleep(s.after);
  }
}

Result<void> Session::Resume() {
  if (core_->host_error) return Fail(*core_->host_error);
  if (core_->config_error) return Fail(*core_->config_error);
  if (network_.empty()) MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  if (!capacity_known_) {
    MAGNUM_ASSIGN_OR_RETURN(auto info, host().Info());
    capacity_ = {info.ncpu, info.mem_total, info.cpu_cfs_quota, info.memory_limit};
    capacity_known_ = true;
  }
  if (workload_ref_.empty()) {
    MAGNUM_RETURN_IF_ERROR(ResolveImage(cluster().cluster_template.image_id));
  }
  return {};
}

}  // namespace magnum::drivers::docker
