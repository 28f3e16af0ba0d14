// Builds the drivers::ClusterState snapshot a driver works on from the typed objects
// (cluster, its template, its nodegroups). Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

// The snapshot of cluster `cluster_uuid`: kNotFound "Cluster <uuid> could not be found."
// when there is no such row. A missing template leaves cluster_template empty (a delete
// must still be able to run); nodegroups are in id order. When `driver_name` is given it
// receives the cluster's `driver` ("" when unset).
Result<drivers::ClusterState> LoadClusterState(db::Database& db, const std::string& cluster_uuid,
                                               std::string* driver_name = nullptr);

drivers::ClusterState ClusterStateOf(const objects::Cluster& cluster,
                                     const objects::ClusterTemplate* cluster_template,
                                     const std::vector<objects::NodeGroup>& nodegroups);
drivers::TemplateState TemplateStateOf(const objects::ClusterTemplate& t);
drivers::NodeGroupState NodeGroupStateOf(const objects::NodeGroup& ng);

// The template of `cluster` as a driver sees it (empty when it has none or it is gone).
Result<drivers::TemplateState> LoadTemplateState(db::Database& db, const objects::Cluster& cluster);

}  // namespace magnum::conductor
