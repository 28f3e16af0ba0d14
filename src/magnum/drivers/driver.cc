#include "magnum/drivers/driver.h"

#include <algorithm>
#include <thread>

namespace magnum::drivers {
namespace {

class SystemWaiter final : public Waiter {
 public:
  TimePoint Now() override { return SystemClock().Now(); }
  void Sleep(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

Waiter& RealWaiter() {
  static SystemWaiter waiter;
  return waiter;
}

Result<void> RunUntilDone(OperationContext& op, const AdvanceFn& advance, Waiter& waiter) {
  using std::chrono::milliseconds;
  std::string progress;
  while (true) {
    MAGNUM_ASSIGN_OR_RETURN(Step step, advance(progress));
    if (step.done) return {};
    const TimePoint until = waiter.Now() + step.after;
    while (true) {
      const TimePoint deadline = op.Deadline();
      const bool has_deadline = deadline != TimePoint::max();
      const TimePoint op_now = has_deadline ? op.Now() : TimePoint();
      if (has_deadline && op_now >= deadline) {
        return Fail(Error::Unavailable("operation timed out: its deadline passed"));
      }
      if (op.Cancelled()) return Fail(Error::Unavailable("operation cancelled"));
      const TimePoint now = waiter.Now();
      if (now >= until) break;
      TimePoint::duration left = until - now;
      if (has_deadline) left = std::min<TimePoint::duration>(left, deadline - op_now);
      waiter.Sleep(std::min(kWaitSlice, std::chrono::ceil<milliseconds>(left)));
    }
  }
}

const NodeGroupState* ClusterState::FindNodeGroup(std::string_view uuid_or_name) const {
  for (const auto& ng : nodegroups) {
    if (ng.uuid == uuid_or_name || ng.name == uuid_or_name) return &ng;
  }
  return nullptr;
}

const NodeGroupState* ClusterState::DefaultMaster() const {
  for (const auto& ng : nodegroups) {
    if (ng.is_default && ng.IsMaster()) return &ng;
  }
  return nullptr;
}

const NodeGroupState* ClusterState::DefaultWorker() const {
  for (const auto& ng : nodegroups) {
    if (ng.is_default && !ng.IsMaster()) return &ng;
  }
  return nullptr;
}

int64_t ClusterState::MasterCount() const {
  int64_t n = 0;
  for (const auto& ng : nodegroups) n += ng.IsMaster() ? ng.node_count : 0;
  return n;
}

int64_t ClusterState::NodeCount() const {
  int64_t n = 0;
  for (const auto& ng : nodegroups) n += ng.IsMaster() ? 0 : ng.node_count;
  return n;
}

OperationSpec OperationSpec::Of(OperationKind kind, std::string nodegroup_uuid) {
  OperationSpec s;
  s.kind = kind;
  s.nodegroup_uuid = std::move(nodegroup_uuid);
  return s;
}

OperationSpec OperationSpec::Resize(std::string nodegroup_uuid,
                                    std::vector<std::string> nodes_to_remove) {
  OperationSpec s = Of(OperationKind::kResize, std::move(nodegroup_uuid));
  s.nodes_to_remove = std::move(nodes_to_remove);
  return s;
}

OperationSpec OperationSpec::Upgrade(TemplateState target, int64_t max_batch_size,
                                     std::string nodegroup_uuid) {
  OperationSpec s = Of(OperationKind::kUpgrade, std::move(nodegroup_uuid));
  s.target = std::move(target);
  s.max_batch_size = max_batch_size;
  return s;
}

Result<Step> Driver::Advance(OperationContext& op, const OperationSpec& spec, std::string&) {
  Result<void> r;
  switch (spec.kind) {
    case OperationKind::kCreate:
      r = CreateCluster(op);
      break;
    case OperationKind::kUpdate:
    case OperationKind::kResize:
      r = ResizeNodeGroup(op, spec.nodegroup_uuid, spec.nodes_to_remove);
      break;
    case OperationKind::kUpgrade:
      r = UpgradeCluster(op, spec.target, spec.max_batch_size, spec.nodegroup_uuid);
      break;
    case OperationKind::kDelete:
      r = DeleteCluster(op);
      break;
    case OperationKind::kNodeGroupCreate:
      r = CreateNodeGroup(op, spec.nodegroup_uuid);
      break;
    case OperationKind::kNodeGroupUpdate:
      r = UpdateNodeGroup(op, spec.nodegroup_uuid);
      break;
    case OperationKind::kNodeGroupDelete:
      r = DeleteNodeGroup(op, spec.nodegroup_uuid);
      break;
    case OperationKind::kRotateCa:
      r = RotateCaCertificate(op);
      break;
    case OperationKind::kRotateCredential:
      r = RotateCredential(op);
      break;
  }
  if (!r) return Fail(r.error());
  return Step::Done();
}

Result<void> Driver::ValidateMasterSize(int64_t master_count) const {
  if (master_count < 1 || master_count % 2 == 0) {
    return Fail(Error::InvalidArgument("master nodegroup size of " +
                                       std::to_string(master_count) +
                                       " is invalid, size cannot be an even number."));
  }
  return {};
}

Result<void> Driver::ValidateMasterResize(int64_t) const {
  return Fail(Error::FailedPrecondition(
      "Resizing the master nodegroup is not supported by this driver."));
}

Result<void> Driver::RotateCaCertificate(OperationContext&) {
  return Fail(Error::FailedPrecondition(
      "'rotate_ca_certificate' is not supported by this driver."));
}

Result<void> Driver::RotateCredential(OperationContext&) {
  return Fail(Error::FailedPrecondition("Credential rotation is not supported by driver."));
}

}  // namespace magnum::drivers
