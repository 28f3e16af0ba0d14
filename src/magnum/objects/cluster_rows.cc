#include "magnum/objects/cluster_rows.h"

#include "magnum/common/uuid.h"
#include "magnum/objects/mappers.h"

namespace magnum::objects {

NodeGroup DefaultNodeGroup(const Cluster& cluster, const std::string& name,
                           const std::string& role, int64_t node_count, int64_t min_node_count,
                           const std::optional<std::string>& flavor,
                           const std::optional<std::string>& image) {
  NodeGroup ng;
  ng.uuid = GenerateUuid();
  ng.name = name;
  ng.cluster_id = cluster.uuid;
  ng.project_id = cluster.project_id;
  ng.docker_volume_size = cluster.docker_volume_size;
  ng.labels = cluster.labels.value_or(StringMap{});
  ng.flavor_id = flavor;
  ng.image_id = image;
  ng.node_addresses = StringList{};
  ng.node_count = node_count;
  ng.min_node_count = min_node_count;
  ng.role = role;
  ng.is_default = true;
  ng.status = ClusterStatus::kCreateInProgress;
  ng.created_at = cluster.created_at;
  return ng;
}

Result<void> InsertClusterRows(db::Database& tx, const Cluster& cluster, const NodeGroup& master,
                               const NodeGroup& worker) {
  MAGNUM_RETURN_IF_ERROR(Insert(tx, cluster));
  MAGNUM_RETURN_IF_ERROR(Insert(tx, master));
  MAGNUM_RETURN_IF_ERROR(Insert(tx, worker));
  return {};
}

void MarkCreateNotStarted(db::Database& db, const Cluster& cluster, const std::string& why,
                          const DbTimestamp& now) {
  Cluster after = cluster;
  after.status = ClusterStatus::kCreateFailed;
  after.status_reason = "Cluster create could not be started: " + why;
  after.updated_at = now;
  // status, status_reason and updated_at: columns of both tables.
  const db::Row failed = ChangedColumns(cluster, after);
  const std::string in_progress(Name(ClusterStatus::kCreateInProgress));
  (void)db.Transaction([&](db::Database& tx) -> Result<void> {
    // A conductor that recorded the create (its lease row) runs it, or another resumes it,
    // even when its answer never came back (a reply lost, a conductor killed after
    // accepting): the create is not "not started" then.
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t leases,
        tx.Count(db::kClusterLockTable,
                 db::Filter().Where(db::Condition::Eq("cluster_uuid", cluster.uuid))));
    if (leases > 0) return {};
    MAGNUM_RETURN_IF_ERROR(tx.Update(db::kClusterTable,
                                     db::Filter()
                                         .Where(db::Condition::Eq("uuid", cluster.uuid))
                                         .Where(db::Condition::Eq("status", in_progress)),
                                     failed));
    MAGNUM_RETURN_IF_ERROR(tx.Update(db::kNodeGroupTable,
                                     db::Filter()
                                         .Where(db::Condition::Eq("cluster_id", cluster.uuid))
                                         .Where(db::Condition::Eq("status", in_progress)),
                                     failed));
    return {};
  });
}

}  // namespace magnum::objects
