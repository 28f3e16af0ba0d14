#include "magnum/conductor/reconcile_task.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation_context.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

// The statuses a reconciliation looks at: settled ones (no operation should run).
const std::vector<std::string>& SettledStatuses() {
  static const std::vector<std::string> v = {
      "CREATE_COMPLETE",   "UPDATE_COMPLETE",  "UPDATE_FAILED",
      "RESUME_COMPLETE",   "RESTORE_COMPLETE", "ROLLBACK_COMPLETE",
      "SNAPSHOT_COMPLETE", "CHECK_COMPLETE",   "ADOPT_COMPLETE"};
  return v;
}

bool Settled(std::string_view s) {
  for (const auto& v : SettledStatuses()) {
    if (v == s) return true;
  }
  return false;
}

// The driver's side of a pass: the operation context of the conductor, whose Cancelled()
// also renews the lease now and then (a lost lease, a stop or a delete end the pass).
class ReconcileContext final : public drivers::OperationContext {
 public:
  ReconcileContext(ConductorCore* core, Operation* op, drivers::ClusterState state)
      : core_(core),
        op_(op),
        inner_(std::move(state), op->name, op->control, core->db, &core->events, core->certs.get(),
               core->clock),
        renewed_(core->clock->Now()) {}

  const drivers::ClusterState& cluster() const override { return inner_.cluster(); }
  void Event(std::string_view step, std::string_view message, std::string_view node) override {
    inner_.Event(step, message, node);
  }
  void Warning(std::string_view step, std::string_view message, std::string_view node) override {
    inner_.Warning(step, message, node);
  }
  Result<void> Report(const drivers::ClusterReport& r) override { return inner_.Report(r); }
  Result<void> ReportNodeGroup(const drivers::NodeGroupReport& r) override {
    return inner_.ReportNodeGroup(r);
  }
  bool Cancelled() const override {
    if (core_->registry.Stopping()) op_->control->Cancel(CancelReason::kShutdown);
    std::lock_guard<std::mutex> lock(mu_);
    if (!op_->control->cancelled.load() &&
        core_->clock->Now() - renewed_ > core_->opt.lease_ttl / 3) {
      renewed_ = core_->clock->Now();
      if (core_->lease->Renew(*op_) == ClusterLease::Renewal::kLost) {
        op_->control->Cancel(CancelReason::kSuperseded);
      }
    }
    return inner_.Cancelled();
  }
  TimePoint Deadline() const override { return inner_.Deadline(); }
  TimePoint Now() const override { return inner_.Now(); }
  Result<drivers::IssuedCertificate> IssueServerCertificate(
      const std::string& cn, const std::vector<std::string>& dns,
      const std::vector<std::string>& ips) override {
    return inner_.IssueServerCertificate(cn, dns, ips);
  }
  Result<drivers::IssuedCertificate> IssueClientCertificate(const std::string& cn,
                                                            const std::string& org) override {
    return inner_.IssueClientCertificate(cn, org);
  }

 private:
  ConductorCore* const core_;
  Operation* const op_;
  OperationContextImpl inner_;
  mutable std::mutex mu_;
  mutable TimePoint renewed_;  // guarded by mu_
};

}  // namespace

void ReconcileTask::RunOnce() {
  auto clusters = core_->ClustersWithStatus(SettledStatuses());
  if (!clusters) {
    spdlog::warn("reconcile: cannot list clusters: {}", clusters.error().message());
    return;
  }
  const FleetShare share(*core_);
  for (const auto& c : *clusters) {
    if (core_->registry.Stopping()) return;
    if (share.Mine(c.uuid)) ReconcileCluster(c.uuid);  // else another live conductor's
  }
}

bool ReconcileTask::ReconcileCluster(const std::string& uuid) {
  if (core_->registry.Has(uuid) || core_->registry.Stopping()) return false;
  std::string driver_name;
  auto state = LoadClusterState(*core_->db, uuid, &driver_name);
  if (!state || !Settled(state->status)) return false;
  auto driver = core_->DriverFor(driver_name, state->cluster_template);
  if (!driver || !(*driver)->Reconciles()) return false;

  auto op = std::make_shared<Operation>(OpKind::kUpdate);
  op->name = "reconcile";
  op->cluster_uuid = uuid;
  op->project_id = state->project_id;
  // Not an operation of the executor: finished from the start, so that a stop or a
  // delete never writes an outcome for it (they only cancel it).
  op->control->MarkFinished();
  {
    std::lock_guard<std::mutex> stripe(core_->Stripe(uuid));
    auto taken = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(auto cluster, objects::GetOne<objects::Cluster>(tx, ByUuid(uuid)));
      if (!cluster || status::NameOf(cluster->status) != state->status) {
        return Fail(Error::Conflict("cluster " + uuid + " changed"));
      }
      op->cluster_name = ClusterDisplayName(*cluster);
      MAGNUM_ASSIGN_OR_RETURN(op->lock_id, core_->lease->Take(tx, *cluster, op->name, false));
      return {};
    });
    if (!taken) return false;  // busy: another conductor's live lease, or changed meanwhile
    core_->registry.Register(op, false);  // busy for accepts here from now on
  }
  ReconcileContext ctx(core_, op.get(), *state);
  auto r = (*driver)->Reconcile(ctx);
  if (!r && !ctx.Cancelled()) {
    core_->events.Append(uuid, op->project_id, op->name, "", EventLevel::kWarning,
                         "reconcile failed: " + r.error().message());
    spdlog::warn("cluster {}: reconcile failed: {}", uuid, r.error().message());
  }
  {
    std::lock_guard<std::mutex> stripe(core_->Stripe(uuid));
    core_->lease->Release(*op);  // by its id: gone already when a delete took the lease over
    core_->registry.Done(op);
  }
  return true;
}

}  // namespace magnum::conductor
