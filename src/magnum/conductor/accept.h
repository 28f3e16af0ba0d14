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
#include "magnum/objects/cluster.h"
#include "magnum/objects/nodegroup.h"

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
  using AcceptFn = std::function<Result<bool>(db::Database& tx, const objects::Cluster& cluster,
                                              Operation& op)>;

  // kUnavailable while stopping; kNotFound without the cluster; else what `fn` or the
  // lease refuses. `take_over`: a live lease of another operation is taken (delete).
  Result<void> Accept(const Caller& caller, const OpPtr& op, bool take_over, const AcceptFn& fn);

  // Compare-and-set of the cluster status from its status in `cluster` to `next` (clearing
  // status_reason), with the other changes of `after` (`cluster` when nullptr): kConflict
  // when the stored status is no longer the one read.
  Result<void> CasCluster(db::Database& d, const objects::Cluster& cluster,
                          objects::ClusterStatus next,
                          const objects::Cluster* after = nullptr) const;
  // Compare-and-set of a nodegroup's status (from the status in `ng`), with the other
  // changes of `after` (`ng` when nullptr).
  Result<void> SetNodeGroupStatus(db::Database& d, const objects::NodeGroup& ng,
                                  objects::ClusterStatus next,
                                  const objects::NodeGroup* after = nullptr) const;
  Result<std::optional<objects::NodeGroup>> FindNodeGroup(db::Database& d,
                                                          const std::string& cluster_uuid,
                                                          const std::string& ng_uuid) const;
  // kNotFound "Nodegroup <uuid> could not be found." when it is not a nodegroup of the
  // cluster.
  Result<objects::NodeGroup> NodeGroupOf(db::Database& d, const std::string& cluster_uuid,
                                         const std::string& ng_uuid) const;
  Result<objects::NodeGroup> DefaultWorker(db::Database& d, const objects::Cluster& cluster) const;

 private:
  ConductorCore* const core_;
};

}  // namespace magnum::conductor
