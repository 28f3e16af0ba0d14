// The rows of a new cluster: the cluster and its two default nodegroups (default-master,
// default-worker), all CREATE_IN_PROGRESS. One code path for everything that creates a
// cluster: our API's POST /v1/clusters and the conductor serving upstream's cluster_create.
// Pure functions and one transaction body; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/common/error.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::db {
class Database;
}

namespace magnum::objects {

// A default nodegroup of `cluster` (new UUID, its project, labels and docker volume size,
// no addresses, CREATE_IN_PROGRESS, created when the cluster was).
NodeGroup DefaultNodeGroup(const Cluster& cluster, const std::string& name,
                           const std::string& role, int64_t node_count, int64_t min_node_count,
                           const std::optional<std::string>& flavor,
                           const std::optional<std::string>& image);

// Inserts the cluster and its two default nodegroups through `tx` (call it inside a
// transaction); kAlreadyExists / kConflict from the database as they come.
Result<void> InsertClusterRows(db::Database& tx, const Cluster& cluster, const NodeGroup& master,
                               const NodeGroup& worker);

// After a create of new rows could not be started: the cluster and its nodegroups that are
// still CREATE_IN_PROGRESS become CREATE_FAILED, status_reason "Cluster create could not
// be started: <why>", so that a visible, deletable record says why nothing happens; unless
// a conductor holds the cluster's lease (it accepted the create but its answer was lost:
// the create runs). Best effort (a database error is ignored: the recovery task fails such
// orphans later).
void MarkCreateNotStarted(db::Database& db, const Cluster& cluster, const std::string& why,
                          const DbTimestamp& now);

}  // namespace magnum::objects
