#include "magnum/conductor/cluster_lease.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;
using objects::ClusterLock;

Result<bool> ClusterLease::OwnerIsDown(db::Database& d, const std::string& owner) const {
  MAGNUM_ASSIGN_OR_RETURN(
      auto row, objects::GetOne<objects::MagnumService>(
                    d, Filter()
                           .Where(Condition::Eq("host", owner))
                           .Where(Condition::Eq("binary", std::string(kConductorBinary)))));
  return !row || IsDown(*row);
}

bool ClusterLease::IsDown(const objects::MagnumService& row) const {
  if (row.forced_down.value_or(false)) return true;
  std::string seen = row.last_seen_up.value_or("");
  if (seen.empty()) seen = row.updated_at.value_or("");
  if (seen.empty()) seen = row.created_at.value_or("");
  TimePoint t;
  if (!ParseDbTimestamp(seen, &t)) return true;
  return core_->clock->Now() - t > core_->opt.service_down_time;
}

std::string ClusterLease::Expiry() const {
  return FormatDbTimestamp(core_->clock->Now() + std::chrono::duration_cast<std::chrono::microseconds>(
                                                     core_->opt.lease_ttl));
}

Result<bool> ClusterLease::IsStale(db::Database& d, const ClusterLock& lock) const {
  const std::string& owner = lock.conductor_id;
  if (owner == core_->opt.host) return !core_->registry.Has(lock.cluster_uuid);
  if (lock.lease_expires_at) {
    TimePoint t;
    return !ParseDbTimestamp(*lock.lease_expires_at, &t) || core_->clock->Now() >= t;
  }
  return OwnerIsDown(d, owner);
}

Result<int64_t> ClusterLease::Take(db::Database& d, const objects::Cluster& cluster,
                                   const std::string& operation, bool take_over,
                                   Operation* taker, const ClusterLock* carry) const {
  const std::string& uuid = cluster.uuid;
  const std::string status = status::NameOf(cluster.status);
  MAGNUM_ASSIGN_OR_RETURN(auto lock, objects::GetOne<ClusterLock>(d, LockOf(uuid)));
  if (lock) {
    MAGNUM_ASSIGN_OR_RETURN(bool stale, IsStale(d, *lock));
    if (!take_over && !stale) {
      return Fail(
          BusyRefusal(ClusterDisplayName(cluster), status, lock->operation.value_or("")));
    }
    const std::string& owner = lock->conductor_id;
    TimePoint until;
    if (taker != nullptr && !stale && owner != core_->opt.host &&
        ParseDbTimestamp(lock->lease_expires_at.value_or(""), &until)) {
      taker->displaced_owner = owner;
      taker->displaced_until = until;
      taker->displaced_handovers = EventLog::Handovers(d, uuid, owner);
    }
    MAGNUM_RETURN_IF_ERROR(d.Delete(db::kClusterLockTable, ById(lock->id)));
  }
  ClusterLock row;
  if (carry != nullptr) {
    row.spec = carry->spec;
    row.progress = carry->progress;
    row.deadline_at = carry->deadline_at;
  }
  row.cluster_uuid = uuid;
  row.conductor_id = core_->opt.host;
  row.operation = operation;
  row.created_at = core_->Now();
  row.lease_expires_at = Expiry();
  auto inserted = d.Insert(db::kClusterLockTable, objects::ToRow(row));
  if (!inserted) {
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(BusyRefusal(ClusterDisplayName(cluster), status, operation));
    }
    return Fail(inserted.error());
  }
  return objects::IdOf(*inserted).value_or(0);
}

ClusterLease::Renewal ClusterLease::Renew(const Operation& op) const {
  ClusterLock renew;
  renew.lease_expires_at = Expiry();
  auto held = UpdateHeld(op, std::move(renew));
  if (!held) {  // the database is unreachable: keep working, retry at the next renewal
    spdlog::warn("cluster {}: cannot renew the lease of {}: {}", op.cluster_uuid, op.name,
                 held.error().message());
    return Renewal::kError;
  }
  return *held ? Renewal::kRenewed : Renewal::kLost;
}

Result<bool> ClusterLease::UpdateHeld(const Operation& op, ClusterLock changes) const {
  changes.updated_at = core_->Now();
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n,
      core_->db->Update(db::kClusterLockTable,
                        ById(op.lock_id).Where(Condition::Eq("conductor_id", core_->opt.host)),
                        objects::SetColumns(changes)));
  return n == 1;
}

Result<bool> ClusterLease::Held(db::Database& d, int64_t lock_id) const {
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t held,
      d.Count(db::kClusterLockTable,
              ById(lock_id).Where(Condition::Eq("conductor_id", core_->opt.host))));
  return held != 0;
}

void ClusterLease::Release(const Operation& op) const {
  if (op.lock_id == 0 || op.keep_lock.load()) return;
  if (auto r = core_->db->Delete(db::kClusterLockTable, ById(op.lock_id)); !r) {
    spdlog::warn("cluster {}: cannot release lock: {}", op.cluster_uuid, r.error().message());
  }
}

}  // namespace magnum::conductor
