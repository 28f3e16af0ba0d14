#include "magnum/drivers/fake/fake_driver.h"

#include <chrono>
#include <thread>

namespace magnum::drivers {
namespace {

class FakeDriver final : public Driver {
 public:
  std::string_view name() const override { return "fake"; }

  std::vector<Provides> provides() const override {
    std::vector<Provides> out;
    for (const char* st : {"vm", "bm", "container"}) {
      for (const char* coe : {"kubernetes", "swarm", "swarm-mode", "mesos"}) {
        out.push_back({st, "fake-os", coe});
      }
    }
    return out;
  }

  std::vector<KnownImage> images() const override {
    return {{"fake-image", "fake-os", "test image of the fake driver"},
            {"fake-image-v2", "fake-os", "test image of the fake driver (upgrade target)"}};
  }

  bool test_only() const override { return true; }

  Result<void> CreateCluster(OperationContext& op) override {
    const ClusterState& c = op.cluster();
    MAGNUM_RETURN_IF_ERROR(Step(op, "create", "network", "network created"));
    std::vector<std::string> masters;
    int host = 10;
    for (const auto& ng : c.nodegroups) {
      std::vector<std::string> addrs;
      for (int64_t i = 0; i < ng.node_count; ++i) {
        std::string node = c.name + "-" + ng.name + "-" + std::to_string(i);
        MAGNUM_RETURN_IF_ERROR(Step(op, "create", "node", "node started", node));
        addrs.push_back("192.0.2." + std::to_string(host++ % 250 + 1));
      }
      if (ng.IsMaster()) masters.insert(masters.end(), addrs.begin(), addrs.end());
      MAGNUM_RETURN_IF_ERROR(op.ReportNodeGroup({ng.uuid, addrs, "fake-" + c.uuid, {}, {}}));
    }
    MAGNUM_RETURN_IF_ERROR(Step(op, "create", "cluster", "control plane formed"));
    ClusterReport report;
    report.stack_id = "fake-" + c.uuid;
    report.api_address = "https://" + (masters.empty() ? std::string("192.0.2.1") : masters[0]) +
                         ":6443";
    report.coe_version = "fake-1.0";
    report.container_version = "fake-1.0";
    return op.Report(report);
  }

  Result<void> ResizeNodeGroup(OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>& nodes_to_remove) override {
    const NodeGroupState* ng = op.cluster().FindNodeGroup(ng_uuid);
    if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
    std::vector<std::string> addrs = ng->node_addresses;
    for (const auto& r : nodes_to_remove) {
      std::erase(addrs, r);
    }
    while (static_cast<int64_t>(addrs.size()) > ng->node_count) addrs.pop_back();
    int host = 100;
    while (static_cast<int64_t>(addrs.size()) < ng->node_count) {
      MAGNUM_RETURN_IF_ERROR(Step(op, "resize", "node", "node added",
                                  ng->name + "-" + std::to_string(addrs.size())));
      addrs.push_back("192.0.2." + std::to_string(host++ % 250 + 1));
    }
    MAGNUM_RETURN_IF_ERROR(Step(op, "resize", "nodegroup",
                                "nodegroup " + ng->name + " has " +
                                    std::to_string(ng->node_count) + " nodes"));
    return op.ReportNodeGroup({ng->uuid, addrs, {}, {}, {}});
  }

  Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                              int64_t max_batch_size, const std::string& ng_uuid) override {
    for (const auto& ng : op.cluster().nodegroups) {
      if (!ng_uuid.empty() && ng.uuid != ng_uuid) continue;
      MAGNUM_RETURN_IF_ERROR(Step(op, "upgrade", "nodegroup",
                                  "nodegroup " + ng.name + " moved to image " + target.image_id));
      MAGNUM_RETURN_IF_ERROR(op.ReportNodeGroup({ng.uuid, {}, {}, target.image_id, target.image_id}));
    }
    return {};
  }

  Result<void> DeleteCluster(OperationContext& op) override {
    MAGNUM_RETURN_IF_ERROR(Step(op, "delete", "nodes", "nodes removed"));
    return Step(op, "delete", "network", "network removed");
  }

  Result<void> CreateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    const NodeGroupState* ng = op.cluster().FindNodeGroup(ng_uuid);
    if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
    std::vector<std::string> addrs;
    for (int64_t i = 0; i < ng->node_count; ++i) {
      MAGNUM_RETURN_IF_ERROR(Step(op, "nodegroup_create", "node", "node started",
                                  ng->name + "-" + std::to_string(i)));
      addrs.push_back("192.0.2." + std::to_string(200 + i % 50));
    }
    return op.ReportNodeGroup({ng->uuid, addrs, "fake-" + ng->uuid, {}, {}});
  }

  Result<void> UpdateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Step(op, "nodegroup_update", "nodegroup", "nodegroup updated");
  }

  Result<void> DeleteNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Step(op, "nodegroup_delete", "nodegroup", "nodegroup removed");
  }

  Result<void> RotateCaCertificate(OperationContext& op) override {
    return Step(op, "rotate_ca", "nodes", "new CA distributed to every node");
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
  // Runs one step: waits the configured delay (cancellable), records the event, and fails
  // when the labels inject a failure at this operation/step.
  static Result<void> Step(OperationContext& op, const std::string& operation,
                           const std::string& step, const std::string& message,
                           const std::string& node = "") {
    const auto& labels = op.cluster().labels;
    int64_t delay_ms = 0;
    if (auto it = labels.find("fake_delay_ms"); it != labels.end()) {
      delay_ms = std::atoll(it->second.c_str());
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < until) {
      if (op.Cancelled()) {
        return Fail(Error::Unavailable("operation cancelled during step '" + step + "'"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(delay_ms, 20)));
    }
    if (auto it = labels.find("fake_fail"); it != labels.end()) {
      std::string spec = it->second;
      std::string fail_op = spec.substr(0, spec.find(':'));
      std::string fail_step = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
      if (fail_op == operation && (fail_step.empty() || fail_step == step)) {
        op.Warning(step, "injected failure", node);
        return Fail(Error::Internal("fake driver: injected failure in " + operation + " at step '" +
                                    step + "'"));
      }
    }
    if (op.Cancelled()) {
      return Fail(Error::Unavailable("operation cancelled before step '" + step + "'"));
    }
    op.Event(step, message, node);
    return {};
  }
};

}  // namespace

std::unique_ptr<Driver> NewFakeDriver() { return std::make_unique<FakeDriver>(); }

}  // namespace magnum::drivers
