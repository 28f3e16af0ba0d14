// The accept phase (synchronous, on the caller's thread): under the cluster's stripe and
// inside one database transaction, the operation's own checks and first transition (an
// AcceptFn), then the cluster lease; once committed the operation is registered (a delete
// supersedes what runs on the cluster), its deadline scheduled and its first step queued.
// Also the row helpers the AcceptFns share. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "magnum/common/error.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/operation.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

struct ConductorCore;

class AcceptPhase {
 public:
  explicit AcceptPhase(ConductorCore* core) : core_(core) {}

  // Checks and first transition, inside the accept transaction. false = accepted with
  // nothing to do (no operation is started).
  using AcceptFn =
      std::function<Result<bool>(db::Database& tx, const db::Row& cluster, Operation& op)>;

  // kUnavailable while stopping; kNotFound without the cluster; else what `fn` or the
  // lease refuses. `take_over`: a live lease of another operation is taken (delete).
  Result<void> Accept(const Caller& caller, const OpPtr& op, bool take_over, const AcceptFn& fn);

  // Compare-and-set of the cluster status: kConflict when it is no longer `expected`.
  Result<void> CasCluster(db::Database& d, const db::Row& cluster, const std::string& expected,
                          const std::string& next, db::Row changes = db::Row()) const;
  // Compare-and-set of a nodegroup's status (from the status in `ng`).
  Result<void> SetNodeGroupStatus(db::Database& d, const db::Row& ng, const std::string& next,
                                  db::Row changes = db::Row()) const;
  Result<std::optional<db::Row>> FindNodeGroup(db::Database& d, const std::string& cluster_uuid,
                                               const std::string& ng_uuid) const;
  // kNotFound when `ng_uuid` is not a nodegroup of the cluster.
  Result<db::Row> NodeGroupOf(db::Database& d, const std::string& cluster_uuid,
                              const std::string& ng_uuid) const;
  Result<db::Row> DefaultWorker(db::Database& d, const db::Row& cluster) const;

 private:
  ConductorCore* const core_;
};

}  // namespace magnum::conductor
