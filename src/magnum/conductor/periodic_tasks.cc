#include "magnum/conductor/periodic_tasks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/heartbeat.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/outcome.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

namespace st = status;

}  // namespace

FleetShare::FleetShare(ConductorCore& core) : me_(core.opt.host) {
  hosts_.push_back(me_);
  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("binary", std::string(kConductorBinary)));
  auto rows = objects::List<objects::MagnumService>(*core.db, q);
  if (!rows) return;  // this one alone: a share missed now is handled next interval
  for (const auto& row : *rows) {
    if (!row.host || *row.host == me_ || core.lease->IsDown(row)) continue;
    hosts_.push_back(*row.host);
  }
  std::sort(hosts_.begin(), hosts_.end());
}

bool FleetShare::Mine(std::string_view cluster_uuid) const {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: the same in every process
  for (unsigned char c : cluster_uuid) h = (h ^ c) * 1099511628211ULL;
  return hosts_[h % hosts_.size()] == me_;
}

void StatusSyncTask::RunOnce() {
  auto clusters = core_->ClustersWithStatus(st::InProgressStatuses());
  if (!clusters) {
    spdlog::warn("status sync: cannot list clusters: {}", clusters.error().message());
    return;
  }
  const FleetShare share(*core_);
  for (const auto& cluster : *clusters) {
    const std::string& uuid = cluster.uuid;
    if (!share.Mine(uuid)) continue;  // another live conductor syncs it
    // Only clusters nobody runs: no operation here, no lock row anywhere (a live owner
    // reports itself, a dead one is for recovery), and not just inserted by the API.
    auto unowned = [&]() -> bool {
      if (core_->registry.Has(uuid)) return false;
      auto lock = objects::GetOne<objects::ClusterLock>(*core_->db, LockOf(uuid));
      return lock && !*lock;
    };
    std::string since = cluster.updated_at.value_or("");
    if (since.empty()) since = cluster.created_at.value_or("");
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
  const FleetShare share(*core_);
  for (const auto& cluster : *clusters) {
    if (!share.Mine(cluster.uuid)) continue;  // another live conductor polls it
    Poll(cluster);
  }
}

void HealthPollTask::PollOne(const std::string& uuid) {
  auto cluster = objects::GetOne<objects::Cluster>(*core_->db, ByUuid(uuid));
  if (!cluster) {
    spdlog::warn("health poll of cluster {}: {}", uuid, cluster.error().message());
    return;
  }
  if (!*cluster) return;  // deleted meanwhile
  const auto& polled = st::HealthPollStatuses();
  if (std::find(polled.begin(), polled.end(), st::NameOf((*cluster)->status)) == polled.end()) {
    return;
  }
  Poll(**cluster);
}

void HealthPollTask::PollSoon(const std::string& uuid) {
  if (core_->registry.Stopping()) return;  // the next conductor's periodic poll sees it
  core_->runner.Submit("health_poll:" + uuid, [this, uuid] { PollOne(uuid); });
}

void HealthPollTask::Poll(const objects::Cluster& cluster) {
  const std::string& uuid = cluster.uuid;
  const objects::StringMap labels = cluster.labels.value_or(objects::StringMap());
  auto label = [&labels](const char* key) {
    auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
  };
  if (label("auto_healing_enabled") == "true" &&
      label("auto_healing_controller") == "magnum-auto-healer") {
    return;  // that controller reports health itself
  }
  std::string driver_name;
  auto state = LoadClusterState(*core_->db, uuid, &driver_name);
  if (!state) return;
  auto driver = core_->DriverFor(driver_name, state->cluster_template);
  if (!driver) return;
  auto health = (*driver)->PollHealth(*state);
  if (!health) return;  // the driver does no health polling
  spdlog::debug("health poll of cluster {} by {}", uuid, core_->opt.host);
  if (!*health) {
    spdlog::info("health poll of cluster {}: {}", uuid, health->error().message());
    return;
  }
  objects::Cluster after = cluster;
  after.health_status = (*health)->status;
  objects::NullableStringMap reason;
  for (const auto& [k, v] : (*health)->reason) reason.emplace(k, v);
  after.health_status_reason = std::move(reason);
  if (after == cluster) return;
  after.updated_at = core_->Now();
  if (auto u = objects::Update(*core_->db, ByUuid(uuid), cluster, after); !u) {
    spdlog::warn("health poll of cluster {}: {}", uuid, u.error().message());
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
