// RecoveryTask: clusters left *_IN_PROGRESS by a conductor that is gone (its lease expired,
// it stopped reporting, or it was this host's previous process) are taken over: a delete
// is run again, an operation persisted by a resumable driver is resumed from its progress,
// anything else is marked *_FAILED with advice.
#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/operation_record.h"
#include "magnum/conductor/outcome.h"
#include "magnum/conductor/periodic_tasks.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

namespace st = status;

}  // namespace

void RecoveryTask::Recover(bool at_start) {
  auto clusters = core_->ClustersWithStatus(st::InProgressStatuses());
  if (!clusters) {
    spdlog::warn("recovery: cannot list clusters: {}", clusters.error().message());
    return;
  }
  for (const auto& cluster : *clusters) RecoverCluster(cluster.uuid, at_start);
}

void RecoveryTask::RecoverCluster(const std::string& uuid, bool at_start) {
  std::lock_guard<std::mutex> stripe(core_->Stripe(uuid));
  if (core_->registry.Has(uuid)) return;
  OpPtr resumed;
  OpPtr failed;  // ended here as failed: its notification goes once the end committed
  std::string previous_owner;
  std::string failed_reason;
  std::string project;
  auto r = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto cluster, objects::GetOne<objects::Cluster>(tx, ByUuid(uuid)));
    if (!cluster) return {};
    const std::string s = st::NameOf(cluster->status);
    if (!st::IsInProgress(s)) return {};
    project = cluster->project_id.value_or("");
    MAGNUM_ASSIGN_OR_RETURN(auto lock, objects::GetOne<objects::ClusterLock>(tx, LockOf(uuid)));
    std::string owner = core_->opt.host;
    std::string operation = OperationOfStatus(s);
    bool orphan = false;
    if (!lock) {
      std::string since = cluster->updated_at.value_or("");
      if (since.empty()) since = cluster->created_at.value_or("");
      TimePoint t;
      // The API inserts the row just before it calls ClusterCreate: give it a moment.
      const auto grace = at_start ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                        kLocklessGrace)
                                  : core_->opt.service_down_time;
      orphan = !ParseDbTimestamp(since, &t) || core_->clock->Now() - t > grace;
    } else {
      owner = lock->conductor_id;
      if (!lock->operation.value_or("").empty()) operation = *lock->operation;
      if (owner == core_->opt.host) {
        orphan = true;  // not running here (checked above): left by an earlier run
      } else {
        MAGNUM_ASSIGN_OR_RETURN(orphan, core_->lease->IsStale(tx, *lock));  // lease expired
      }
    }
    if (!orphan) return {};
    previous_owner = owner;
    // A persisted operation of a driver that can resume it: take the lease with it.
    if (lock) {
      MAGNUM_ASSIGN_OR_RETURN(resumed, ResumableOperation(*core_, *cluster, *lock));
    }
    MAGNUM_ASSIGN_OR_RETURN(int64_t lock_id,
                            core_->lease->Take(tx, *cluster, operation, true, nullptr,
                                               resumed ? &*lock : nullptr));
    if (resumed) {
      resumed->lock_id = lock_id;
      return {};
    }
    const auto kind = OperationNamed(operation);
    auto op = std::make_shared<Operation>(kind.value_or(OpKind::kUpdate));
    op->known_kind = kind.has_value();
    op->name = operation;
    op->cluster_uuid = uuid;
    op->cluster_name = ClusterDisplayName(*cluster);
    op->project_id = project;
    op->in_progress = s;
    op->lock_id = lock_id;
    if (s == st::kDeleteInProgress) {
      op->kind = OpKind::kDelete;
      op->name = OpName(OpKind::kDelete);
      resumed = op;
      return {};
    }
    failed_reason = "conductor " + owner + " stopped during " + operation + "; " +
                    NextStep(op->kind, op->known_kind);
    bool removed = false;
    failed = op;
    return core_->outcome->WriteTx(tx, *op, false, failed_reason, true, &removed);
  });
  if (!r) {
    spdlog::warn("recovery of cluster {}: {}", uuid, r.error().message());
    return;
  }
  if (failed && !failed->fenced) core_->notices.Flush(*failed);
  if (!failed_reason.empty()) {
    core_->events.Append(uuid, project, "recovery", "", EventLevel::kError, failed_reason);
    spdlog::warn("cluster {}: {}", uuid, failed_reason);
  }
  if (!resumed) return;
  if (resumed->resumed) {
    core_->events.Append(uuid, project, "recovery", "", EventLevel::kWarning,
                         "conductor " + core_->opt.host + " resumes the " + Label(resumed->name) +
                             " interrupted on conductor " + previous_owner +
                             (resumed->progress.empty() ? "" : " from its saved progress"));
    spdlog::info("cluster {}: resuming {}", uuid, resumed->name);
  } else {
    core_->events.Append(uuid, project, "recovery", "", EventLevel::kWarning,
                         "resuming the delete interrupted by a conductor stop");
    spdlog::info("cluster {}: resuming delete", uuid);
  }
  core_->registry.Register(resumed, false);
  if (resumed->control->deadline != TimePoint::max()) {
    core_->scheduler.At(resumed->control->deadline,
                        [ex = core_->executor, op = resumed] { ex->Expire(op); });
  }
  core_->executor->Submit(resumed);
}

}  // namespace magnum::conductor
