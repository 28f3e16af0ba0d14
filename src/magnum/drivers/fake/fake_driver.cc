#include "magnum/drivers/fake/fake_driver.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

namespace magnum::drivers {
namespace {

using Json = nlohmann::json;

// One step of an operation: what it records (and reports) when it runs.
struct FakeStep {
  std::string step;
  std::string message;
  std::string node;
  std::function<Result<void>(OperationContext&)> report;  // optional, after the event
};

std::string OperationName(OperationKind k) {
  switch (k) {
    case OperationKind::kCreate: return "create";
    case OperationKind::kResize: return "resize";
    case OperationKind::kUpgrade: return "upgrade";
    case OperationKind::kDelete: return "delete";
    case OperationKind::kNodeGroupCreate: return "nodegroup_create";
    case OperationKind::kNodeGroupUpdate: return "nodegroup_update";
    case OperationKind::kNodeGroupDelete: return "nodegroup_delete";
    case OperationKind::kRotateCa: return "rotate_ca";
    case OperationKind::kUpdate: return "update";
    case OperationKind::kRotateCredential: return "rotate_credential";
  }
  return "create";
}

OperationSpec SpecOf(OperationKind kind, const std::string& nodegroup_uuid = "") {
  OperationSpec s;
  s.kind = kind;
  s.nodegroup_uuid = nodegroup_uuid;
  return s;
}

// Adds `report` to the last step (a silent step when there is none yet).
void AddReport(std::vector<FakeStep>& steps,
               std::function<Result<void>(OperationContext&)> report) {
  if (steps.empty()) steps.push_back({"", "", "", nullptr});
  auto before = std::move(steps.back().report);
  steps.back().report = [before, report](OperationContext& op) -> Result<void> {
    if (before) MAGNUM_RETURN_IF_ERROR(before(op));
    return report(op);
  };
}

// The steps of `spec` on the cluster as the operation saw it at its start; the same list
// on every call (and after a restart), so a step index names one step.
Result<std::vector<FakeStep>> StepsOf(const ClusterState& c, const OperationSpec& spec) {
  std::vector<FakeStep> steps;
  const NodeGroupState* ng = nullptr;
  if (!spec.nodegroup_uuid.empty() && spec.kind != OperationKind::kNodeGroupDelete) {
    ng = c.FindNodeGroup(spec.nodegroup_uuid);
    if (ng == nullptr) {
      return Fail(Error::NotFound("Nodegroup " + spec.nodegroup_uuid + " could not be found."));
    }
  }
  switch (spec.kind) {
    case OperationKind::kCreate: {
      steps.push_back({"network", "network created", "", nullptr});
      std::vector<std::string> masters;
      int host = 10;
      for (const auto& g : c.nodegroups) {
        std::vector<std::string> addrs;
        for (int64_t i = 0; i < g.node_count; ++i) {
          steps.push_back({"node", "node started", c.name + "-" + g.name + "-" + std::to_string(i),
                           nullptr});
          addrs.push_back("192.0.2." + std::to_string(host++ % 250 + 1));
        }
        if (g.IsMaster()) masters.insert(masters.end(), addrs.begin(), addrs.end());
        NodeGroupReport r{g.uuid, addrs, "fake-" + c.uuid, {}, {}};
        AddReport(steps, [r](OperationContext& op) { return op.ReportNodeGroup(r); });
      }
      ClusterReport report;
      report.stack_id = "fake-" + c.uuid;
      report.api_address =
          "https://" + (masters.empty() ? std::string("192.0.2.1") : masters[0]) + ":6443";
      report.coe_version = "fake-1.0";
      report.container_version = "fake-1.0";
      steps.push_back({"cluster", "control plane formed", "",
                       [report](OperationContext& op) { return op.Report(report); }});
      break;
    }
    case OperationKind::kUpdate:  // handed over as kResize; the same steps
    case OperationKind::kResize: {
      std::vector<std::string> addrs = ng->node_addresses;
      for (const auto& r : spec.nodes_to_remove) std::erase(addrs, r);
      while (static_cast<int64_t>(addrs.size()) > ng->node_count) addrs.pop_back();
      int host = 100;
      while (static_cast<int64_t>(addrs.size()) < ng->node_count) {
        steps.push_back({"node", "node added", ng->name + "-" + std::to_string(addrs.size()),
                         nullptr});
        addrs.push_back("192.0.2." + std::to_string(host++ % 250 + 1));
      }
      NodeGroupReport r{ng->uuid, addrs, {}, {}, {}};
      steps.push_back({"nodegroup",
                       "nodegroup " + ng->name + " has " + std::to_string(ng->node_count) + " nodes",
                       "", [r](OperationContext& op) { return op.ReportNodeGroup(r); }});
      break;
    }
    case OperationKind::kUpgrade:
      for (const auto& g : c.nodegroups) {
        if (!spec.nodegroup_uuid.empty() && g.uuid != spec.nodegroup_uuid) continue;
        NodeGroupReport r{g.uuid, {}, {}, spec.target.image_id, spec.target.image_id};
        steps.push_back({"nodegroup", "nodegroup " + g.name + " moved to image " + spec.target.image_id,
                         "", [r](OperationContext& op) { return op.ReportNodeGroup(r); }});
      }
      break;
    case OperationKind::kDelete:
      steps.push_back({"nodes", "nodes removed", "", nullptr});
      steps.push_back({"network", "network removed", "", nullptr});
      break;
    case OperationKind::kNodeGroupCreate: {
      std::vector<std::string> addrs;
      for (int64_t i = 0; i < ng->node_count; ++i) {
        steps.push_back({"node", "node started", ng->name + "-" + std::to_string(i), nullptr});
        addrs.push_back("192.0.2." + std::to_string(200 + i % 50));
      }
      NodeGroupReport r{ng->uuid, addrs, "fake-" + ng->uuid, {}, {}};
      AddReport(steps, [r](OperationContext& op) { return op.ReportNodeGroup(r); });
      break;
    }
    case OperationKind::kNodeGroupUpdate:
      steps.push_back({"nodegroup", "nodegroup updated", "", nullptr});
      break;
    case OperationKind::kNodeGroupDelete:
      steps.push_back({"nodegroup", "nodegroup removed", "", nullptr});
      break;
    case OperationKind::kRotateCa:
      steps.push_back({"nodes", "new CA distributed to every node", "", nullptr});
      break;
    case OperationKind::kRotateCredential:  // a direct call, never advanced
      break;
  }
  return steps;
}

int64_t DelayMs(const ClusterState& c) {
  auto it = c.labels.find("fake_delay_ms");
  return it == c.labels.end() ? 0 : std::max<int64_t>(0, std::atoll(it->second.c_str()));
}

// Runs one step: fails when the labels inject a failure at this operation/step, else
// records the event and reports.
Result<void> RunStep(OperationContext& op, const std::string& operation, const FakeStep& s) {
  if (s.step.empty()) return s.report ? s.report(op) : Result<void>();  // a silent report
  const auto& labels = op.cluster().labels;
  if (auto it = labels.find("fake_fail"); it != labels.end()) {
    const std::string& spec = it->second;
    std::string fail_op = spec.substr(0, spec.find(':'));
    std::string fail_step =
        spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
    if (fail_op == operation && (fail_step.empty() || fail_step == s.step)) {
      op.Warning(s.step, "injected failure", s.node);
      return Fail(Error::Internal("fake driver: injected failure in " + operation +
                                  " at step '" + s.step + "'"));
    }
  }
  if (op.Cancelled()) {
    return Fail(Error::Unavailable("operation cancelled before step '" + s.step + "'"));
  }
  op.Event(s.step, s.message, s.node);
  if (s.report) MAGNUM_RETURN_IF_ERROR(s.report(op));
  return {};
}

class FakeDriver final : public Driver {
 public:
  FakeDriver(bool resumable, FakeDriverOptions options)
      : resumable_(resumable), uses_trust_(options.uses_trust) {}

  std::string_view name() const override { return resumable_ ? "fake" : "fake-blocking"; }

  std::vector<Provides> provides() const override {
    std::vector<Provides> out;
    for (const char* st : {"vm", "bm", "container"}) {
      for (const char* coe : {"kubernetes", "swarm", "swarm-mode", "mesos"}) {
        out.push_back({st, "fake-os", coe});
      }
      // In keystone mode the images come from Glance: the test driver stands in for
      // upstream's Kubernetes-on-Fedora-CoreOS driver (the dev Glance's fedora-coreos image).
      out.push_back({st, "fedora-coreos", "kubernetes"});
    }
    return out;
  }

  std::vector<KnownImage> images() const override {
    if (!resumable_) return {};
    return {{"fake-image", "fake-os", "test image of the fake driver"},
            {"fake-image-v2", "fake-os", "test image of the fake driver (upgrade target)"}};
  }

  bool test_only() const override { return true; }
  bool UsesTrust() const override { return uses_trust_; }

  bool Resumable(OperationKind kind) const override {
    return resumable_ && kind != OperationKind::kRotateCa;
  }

  // One step per call; the delay before a step is a poll.
  Result<Step> Advance(OperationContext& op, const OperationSpec& spec,
                       std::string& progress) override {
    MAGNUM_RETURN_IF_ERROR(CheckTrust(op, spec.kind));
    if (!Resumable(spec.kind)) return Driver::Advance(op, spec, progress);
    return AdvanceOne(op, spec, progress);
  }

  Result<void> CreateCluster(OperationContext& op) override {
    MAGNUM_RETURN_IF_ERROR(CheckTrust(op, OperationKind::kCreate));
    return Blocking(op, SpecOf(OperationKind::kCreate));
  }
  Result<void> ResizeNodeGroup(OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>& nodes_to_remove) override {
    OperationSpec s = SpecOf(OperationKind::kResize, ng_uuid);
    s.nodes_to_remove = nodes_to_remove;
    return Blocking(op, s);
  }
  Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                              int64_t max_batch_size, const std::string& ng_uuid) override {
    OperationSpec s = SpecOf(OperationKind::kUpgrade, ng_uuid);
    s.target = target;
    s.max_batch_size = max_batch_size;
    return Blocking(op, s);
  }
  Result<void> DeleteCluster(OperationContext& op) override {
    return Blocking(op, SpecOf(OperationKind::kDelete));
  }
  Result<void> CreateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Blocking(op, SpecOf(OperationKind::kNodeGroupCreate, ng_uuid));
  }
  Result<void> UpdateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Blocking(op, SpecOf(OperationKind::kNodeGroupUpdate, ng_uuid));
  }
  Result<void> DeleteNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Blocking(op, SpecOf(OperationKind::kNodeGroupDelete, ng_uuid));
  }
  Result<void> RotateCaCertificate(OperationContext& op) override {
    return Blocking(op, SpecOf(OperationKind::kRotateCa));
  }

  std::optional<Result<HealthReport>> PollHealth(const ClusterState& c) override {
    HealthReport r;
    auto it = c.labels.find("fake_health");
    std::string h = it == c.labels.end() ? "HEALTHY" : it->second;
    r.status = h == "UNHEALTHY" ? HealthStatus::kUnhealthy
               : h == "UNKNOWN" ? HealthStatus::kUnknown
                                : HealthStatus::kHealthy;
    r.reason["api"] = r.status == HealthStatus::kHealthy ? "ok" : "fake health " + h;
    return Result<HealthReport>(r);
  }

 private:
  // With uses_trust: a create runs only with the trust the conductor set up.
  Result<void> CheckTrust(OperationContext& op, OperationKind kind) const {
    const ClusterState& c = op.cluster();
    if (!uses_trust_ || kind != OperationKind::kCreate) return {};
    if (c.trust_id.empty() || c.trustee_user_id.empty() || c.trustee_password.empty() ||
        c.trustee_username.empty()) {
      return Fail(Error::FailedPrecondition("fake driver: the cluster has no trust"));
    }
    return {};
  }

  static Result<Step> AdvanceOne(OperationContext& op, const OperationSpec& spec,
                                 std::string& progress) {
    MAGNUM_ASSIGN_OR_RETURN(auto steps, StepsOf(op.cluster(), spec));
    Json p = progress.empty() ? Json::object() : Json::parse(progress, nullptr, false);
    if (!p.is_object()) return Fail(Error::Internal("fake driver: bad progress " + progress));
    const size_t next = p.value("step", size_t{0});
    const int64_t delay = DelayMs(op.cluster());
    if (next >= steps.size()) return Step::Done();
    if (delay > 0 && !p.value("waited", false)) {
      p["step"] = next;
      p["waited"] = true;
      progress = p.dump();
      return Step::PollAfter(std::chrono::milliseconds(delay));
    }
    MAGNUM_RETURN_IF_ERROR(RunStep(op, OperationName(spec.kind), steps[next]));
    p["step"] = next + 1;
    p["waited"] = false;
    progress = p.dump();
    if (next + 1 >= steps.size()) return Step::Done();
    return Step::PollAfter(std::chrono::milliseconds(0));
  }

  // The blocking form: the same steps in one call, the delays waited (cancellable).
  static Result<void> Blocking(OperationContext& op, const OperationSpec& spec) {
    return RunUntilDone(
        op, [&op, &spec](std::string& progress) { return AdvanceOne(op, spec, progress); });
  }

  const bool resumable_;
  const bool uses_trust_;
};

}  // namespace

std::unique_ptr<Driver> NewFakeDriver(FakeDriverOptions options) {
  return std::make_unique<FakeDriver>(true, options);
}
std::unique_ptr<Driver> NewBlockingFakeDriver(FakeDriverOptions options) {
  return std::make_unique<FakeDriver>(false, options);
}

}  // namespace magnum::drivers
