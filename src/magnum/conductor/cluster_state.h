// Builds the drivers::ClusterState snapshot a driver works on from the database rows
// (cluster, its template, its nodegroups). Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"

namespace magnum::db {
class Database;
class Row;
}  // namespace magnum::db

namespace magnum::conductor {

// The snapshot of cluster `cluster_uuid`: kNotFound "Cluster <uuid> could not be found."
// when there is no such row. A missing template leaves cluster_template empty (a delete
// must still be able to run); nodegroups are in id order. When `driver_name` is given it
// receives the cluster row's `driver` column ("" when unset).
Result<drivers::ClusterState> LoadClusterState(db::Database& db, const std::string& cluster_uuid,
                                               std::string* driver_name = nullptr);

drivers::ClusterState ClusterStateFromRows(const db::Row& cluster, const db::Row* cluster_template,
                                           const std::vector<db::Row>& nodegroups);
drivers::TemplateState TemplateStateFromRow(const db::Row& row);
drivers::NodeGroupState NodeGroupStateFromRow(const db::Row& row);

// A JSON object column (labels, node_labels) as a string map; non-string values keep their
// JSON text; NULL or malformed text gives an empty map.
drivers::StringMap ParseStringMap(const std::string& json_text);
// A JSON array of strings (node_addresses); NULL or malformed text gives an empty list.
std::vector<std::string> ParseStringList(const std::string& json_text);
// JSON text of a string map / string list (for writing JSON columns).
std::string StringMapToJson(const drivers::StringMap& map);
std::string StringListToJson(const std::vector<std::string>& list);

}  // namespace magnum::conductor
