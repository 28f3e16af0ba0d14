// The cluster lease: one row per cluster in table cluster_lock naming the conductor that
// runs an operation on it (conductor_id), the operation, and when the lease expires
// (lease_expires_at). The owner renews it every lease_ttl / 3 while it works; the row's id
// is the fencing token (ids are never reused), so an owner that lost the lease (taken over
// by a delete, or by recovery after it expired) can tell and writes nothing. docs/conductor.md
// describes the protocol. Thread-safe; calls taking a `db::Database&` run inside the
// caller's transaction.
#pragma once

#include <string>

#include "magnum/common/error.h"
#include "magnum/conductor/operation.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_lock.h"
#include "magnum/objects/magnum_service.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

struct ConductorCore;

class ClusterLease {
 public:
  explicit ClusterLease(ConductorCore* core) : core_(core) {}

  // Whether the conductor `owner` stopped reporting (no heartbeat within service_down_time,
  // forced down, or never registered).
  Result<bool> OwnerIsDown(db::Database& d, const std::string& owner) const;
  // The same for a registered process's row.
  bool IsDown(const objects::MagnumService& row) const;

  // A lock nobody works under any more: ours without a running operation, or another
  // conductor's whose lease expired (a row without a lease, from before leases: whose
  // owner is down).
  Result<bool> IsStale(db::Database& d, const objects::ClusterLock& lock) const;

  // Takes the cluster's lock row for `operation`: a held, live lock is kConflict (the busy
  // refusal) unless `take_over`. With `taker`, a live lease of another conductor that is
  // taken over is recorded in it (displaced_owner/until). The persisted operation in
  // `carry` (spec, progress, deadline_at: a resumable one) is stored with the new row.
  // Returns the new row's id.
  Result<int64_t> Take(db::Database& d, const objects::Cluster& cluster,
                       const std::string& operation, bool take_over, Operation* taker = nullptr,
                       const objects::ClusterLock* carry = nullptr) const;

  enum class Renewal { kRenewed, kLost, kError };
  // Moves the expiry of `op`'s lease one ttl ahead; kLost when the row is no longer ours.
  Renewal Renew(const Operation& op) const;

  // Whether lock row `lock_id` is still ours (the fencing check before an outcome).
  Result<bool> Held(db::Database& d, int64_t lock_id) const;

  // Deletes `op`'s lock row (unless op.keep_lock); errors are logged.
  void Release(const Operation& op) const;

  // Writes the members `changes` sets (objects::SetColumns) to `op`'s lock row if it is
  // still ours; false when it is not.
  Result<bool> UpdateHeld(const Operation& op, objects::ClusterLock changes) const;

  // The expiry of a lease taken or renewed now.
  std::string Expiry() const;

 private:
  ConductorCore* const core_;
};

}  // namespace magnum::conductor
