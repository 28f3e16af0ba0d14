#include "magnum/conductor/periodic_tasks.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/heartbeat.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/outcome.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {
namespace {

using db::Row;
namespace st = status;

}  // namespace

void StatusSyncTask::RunOnce() {
  auto clusters = core_->ClustersWithStatus(st::InProgressStatuses());
  if (!clusters) {
    spdlog::warn("status sync: cannot list clusters: {}", clusters.error().message());
    return;
  }
  for (const auto& row : *clusters) {
    const std::string uuid = row.GetString("uuid");
    // Only clusters nobody runs: no operation here, no lock row anywhere (a live owner
    // reports itself, a dead one is for recovery), and not just inserted by the API.
    auto unowned = [&]() -> bool {
      if (core_->registry.Has(uuid)) return false;
      auto lock = core_->db->GetOne(db::kClusterLockTable, LockOf(uuid));
      return lock && !*lock;
    };
    std::string since = row.GetString("updated_at");
    if (since.empty()) since = row.GetString("created_at");
    TimePoint t;
    if (ParseDbTimestamp(since, &t) && core_->clock->Now() - t < kLocklessGrace) continue;
    if (!unowned()) continue;
    std::string driver_name;
    auto state = LoadClusterState(*core_->db, uuid, &driver_name);
    if (!state || !st::IsInProgress(state->status)) continue;
    auto driver = core_->DriverFor(driver_name, state->cluster_template);
    if (!driver) continue;
    // The driver call runs without the cluster's stripe: accepts are never blocked on it.
    auto report = (*driver)->SyncStatus(*state);
    if (!report) {
      spdlog::warn("status sync of cluster {}: {}", uuid, report.error().message());
      continue;
    }
    using S = drivers::SyncReport::State;
    if (report->state == S::kUnchanged) continue;
    const std::string running = OperationOfStatus(state->status);
    Operation op(OperationNamed(running).value_or(OpKind::kUpdate));
    op.name = running;
    op.cluster_uuid = uuid;
    op.project_id = state->project_id;
    op.in_progress = state->status;
    bool success = report->state == S::kComplete ||
                   (report->state == S::kGone && state->status == st::kDeleteInProgress);
    std::string reason;
    if (success) {
      reason = Label(op.name) + " completed (status sync)";
    } else if (report->state == S::kGone) {
      reason = Label(op.name) + " failed (status sync): the cluster's resources are gone" +
               (report->reason.empty() ? "" : ": " + report->reason);
    } else {
      reason = Label(op.name) + " failed (status sync)" +
               (report->reason.empty() ? "" : ": " + report->reason);
    }
    std::lock_guard<std::mutex> stripe(core_->Stripe(uuid));
    if (!unowned()) continue;                            // an operation started meanwhile
    core_->outcome->Write(op, success, reason, false);  // compare-and-set on the status read
  }
}

void HealthPollTask::RunOnce() {
  auto clusters = core_->ClustersWithStatus(st::HealthPollStatuses());
  if (!clusters) {
    spdlog::warn("health poll: cannot list clusters: {}", clusters.error().message());
    return;
  }
  for (const auto& row : *clusters) {
    const std::string uuid = row.GetString("uuid");
    drivers::StringMap labels = ParseStringMap(row.GetString("labels"));
    if (labels["auto_healing_enabled"] == "true" &&
        labels["auto_healing_controller"] == "magnum-auto-healer") {
      continue;  // that controller reports health itself
    }
    std::string driver_name;
    auto state = LoadClusterState(*core_->db, uuid, &driver_name);
    if (!state) continue;
    auto driver = core_->DriverFor(driver_name, state->cluster_template);
    if (!driver) continue;
    auto health = (*driver)->PollHealth(*state);
    if (!health) continue;  // the driver does no health polling
    if (!*health) {
      spdlog::info("health poll of cluster {}: {}", uuid, health->error().message());
      continue;
    }
    const std::string status(drivers::HealthStatusName((*health)->status));
    const std::string reason = StringMapToJson((*health)->reason);
    if (row.GetString("health_status") == status &&
        ParseStringMap(row.GetString("health_status_reason")) == (*health)->reason) {
      continue;
    }
    Row changes;
    changes.Set("health_status", status);
    changes.Set("health_status_reason", reason);
    changes.Set("updated_at", core_->Now());
    if (auto u = core_->db->Update(db::kClusterTable, ByUuid(uuid), changes); !u) {
      spdlog::warn("health poll of cluster {}: {}", uuid, u.error().message());
    }
  }
}

void LeaseRenewalTask::RunOnce() {
  for (const auto& op : core_->registry.Snapshot()) {
    if (op->lock_id == 0 || op->control->finished.load()) continue;
    if (core_->lease->Renew(*op) != ClusterLease::Renewal::kLost) continue;
    if (op->control->finished.load()) continue;
    // Taken over: a delete accepted by another conductor, or recovery after our lease
    // expired. Stop; the new owner records the outcome.
    op->control->Cancel(CancelReason::kSuperseded);
    core_->events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kWarning,
                         "conductor " + core_->opt.host +
                             " lost the cluster lease (another conductor took the cluster "
                             "over); stopping the " +
                             Label(op->name));
    spdlog::warn("cluster {}: lease of {} taken over; cancelling", op->cluster_uuid, op->name);
    core_->executor->EndSuperseded({op});
  }
}

void HeartbeatTask::RunOnce() {
  if (auto r = heartbeat_->ReportOnce(); !r) {
    spdlog::warn("heartbeat of {} {}: {}", heartbeat_->binary(), heartbeat_->host(),
                 r.error().message());
  }
}

void DeadlineTask::RunOnce() {
  const TimePoint now = core_->clock->Now();
  for (const auto& op : core_->registry.Snapshot()) {
    if (op->control->deadline <= now && !op->control->finished.load()) {
      core_->executor->Expire(op);
    }
  }
}

}  // namespace magnum::conductor
