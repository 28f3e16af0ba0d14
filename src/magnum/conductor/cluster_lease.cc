#include "magnum/conductor/cluster_lease.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/conductor_core.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;
using db::Row;

Result<bool> ClusterLease::OwnerIsDown(db::Database& d, const std::string& owner) const {
  MAGNUM_ASSIGN_OR_RETURN(
      auto row, d.GetOne(db::kMagnumServiceTable,
                         Filter()
                             .Where(Condition::Eq("host", owner))
                             .Where(Condition::Eq("binary", std::string(kConductorBinary)))));
  if (!row) return true;
  if (row->GetBool("forced_down")) return true;
  std::string seen = row->GetString("last_seen_up");
  if (seen.empty()) seen = row->GetString("updated_at");
  if (seen.empty()) seen = row->GetString("created_at");
  TimePoint t;
  if (!ParseDbTimestamp(seen, &t)) return true;
  return core_->clock->Now() - t > core_->opt.service_down_time;
}

std::string ClusterLease::Expiry() const {
  return FormatDbTimestamp(core_->clock->Now() + std::chrono::duration_cast<std::chrono::microseconds>(
                                                     core_->opt.lease_ttl));
}

Result<bool> ClusterLease::IsStale(db::Database& d, const Row& lock) const {
  const std::string owner = lock.GetString("conductor_id");
  if (owner == core_->opt.host) return !core_->registry.Has(lock.GetString("cluster_uuid"));
  if (auto expires = lock.GetOptionalString("lease_expires_at")) {
    TimePoint t;
    return !ParseDbTimestamp(*expires, &t) || core_->clock->Now() >= t;
  }
  return OwnerIsDown(d, owner);
}

Result<int64_t> ClusterLease::Take(db::Database& d, const Row& cluster,
                                   const std::string& operation, bool take_over,
                                   Operation* taker, const Row* carry) const {
  const std::string uuid = cluster.GetString("uuid");
  MAGNUM_ASSIGN_OR_RETURN(auto lock, d.GetOne(db::kClusterLockTable, LockOf(uuid)));
  if (lock) {
    MAGNUM_ASSIGN_OR_RETURN(bool stale, IsStale(d, *lock));
    if (!take_over && !stale) {
      return Fail(BusyRefusal(ClusterDisplayName(cluster), cluster.GetString("status"),
                              lock->GetString("operation")));
    }
    const std::string owner = lock->GetString("conductor_id");
    TimePoint until;
    if (taker != nullptr && !stale && owner != core_->opt.host &&
        ParseDbTimestamp(lock->GetString("lease_expires_at"), &until)) {
      taker->displaced_owner = owner;
      taker->displaced_until = until;
    }
    MAGNUM_RETURN_IF_ERROR(d.Delete(db::kClusterLockTable, ById(lock->GetInt("id"))));
  }
  Row row = carry != nullptr ? *carry : Row();
  row.Set("cluster_uuid", uuid);
  row.Set("conductor_id", core_->opt.host);
  row.Set("operation", operation);
  row.Set("created_at", core_->Now());
  row.SetNull("updated_at");
  row.Set("lease_expires_at", Expiry());
  auto inserted = d.Insert(db::kClusterLockTable, row);
  if (!inserted) {
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(
          BusyRefusal(ClusterDisplayName(cluster), cluster.GetString("status"), operation));
    }
    return Fail(inserted.error());
  }
  return inserted->GetInt("id");
}

ClusterLease::Renewal ClusterLease::Renew(const Operation& op) const {
  Row renew;
  renew.Set("lease_expires_at", Expiry());
  auto held = UpdateHeld(op, std::move(renew));
  if (!held) {  // the database is unreachable: keep working, retry at the next renewal
    spdlog::warn("cluster {}: cannot renew the lease of {}: {}", op.cluster_uuid, op.name,
                 held.error().message());
    return Renewal::kError;
  }
  return *held ? Renewal::kRenewed : Renewal::kLost;
}

Result<bool> ClusterLease::UpdateHeld(const Operation& op, Row changes) const {
  changes.Set("updated_at", core_->Now());
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n,
      core_->db->Update(db::kClusterLockTable,
                        ById(op.lock_id).Where(Condition::Eq("conductor_id", core_->opt.host)),
                        changes));
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
