#include "magnum/conductor/operation_record.h"

#include <nlohmann/json.hpp>

#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/registry.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;

Result<drivers::Driver*> DriverOfCluster(ConductorCore& core, db::Database& d,
                                         const db::Row& cluster) {
  drivers::TemplateState t;
  MAGNUM_ASSIGN_OR_RETURN(
      auto tmpl, d.GetOne(db::kClusterTemplateTable, ByUuid(cluster.GetString("cluster_template_id"))));
  if (tmpl) t = TemplateStateFromRow(*tmpl);
  return core.DriverFor(cluster.GetString("driver"), t);
}

}  // namespace

db::Row PersistedRow(const Operation& op) {
  Json j;
  j["operation"] = op.name;
  j["in_progress"] = op.in_progress;
  j["nodegroup_uuid"] = op.nodegroup_uuid;
  j["nodegroup_name"] = op.nodegroup_name;
  j["nodegroup_is_default"] = op.nodegroup_is_default;
  j["node_count"] = op.node_count;
  j["old_node_count"] = op.old_node_count;
  j["nodes_to_remove"] = op.nodes_to_remove;
  j["template_uuid"] = op.template_uuid;
  j["template_image_id"] = op.template_image_id;
  j["max_batch_size"] = op.max_batch_size;
  j["rollback"] = op.rollback;
  j["timeout_text"] = op.timeout_text;
  db::Row row;
  row.Set("spec", j.dump());
  row.Set("progress", op.progress);
  if (op.control->deadline != TimePoint::max()) {
    row.Set("deadline_at", FormatDbTimestamp(op.control->deadline));
  } else {
    row.SetNull("deadline_at");
  }
  return row;
}

db::Row PersistedColumns(const db::Row& lock) {
  db::Row row;
  for (const char* c : {"spec", "progress", "deadline_at"}) {
    if (lock.IsNull(c)) {
      row.SetNull(c);
    } else {
      row.Set(c, lock.GetString(c));
    }
  }
  return row;
}

Result<OpPtr> ResumableOperation(ConductorCore& core, const db::Row& cluster,
                                 const db::Row& lock) {
  const std::string spec = lock.GetString("spec");
  if (spec.empty()) return OpPtr();
  Json j = Json::parse(spec, nullptr, false);
  if (!j.is_object()) return OpPtr();
  const auto kind = OperationNamed(j.value("operation", std::string()));
  if (!kind || j.value("in_progress", std::string()) != cluster.GetString("status")) {
    return OpPtr();
  }
  MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, DriverOfCluster(core, *core.db, cluster));
  if (!driver->Resumable(DriverKindOf(*kind))) return OpPtr();
  auto op = std::make_shared<Operation>(*kind);
  op->cluster_uuid = cluster.GetString("uuid");
  op->cluster_name = ClusterDisplayName(cluster);
  op->project_id = cluster.GetString("project_id");
  op->in_progress = j.value("in_progress", std::string());
  op->nodegroup_uuid = j.value("nodegroup_uuid", std::string());
  op->nodegroup_name = j.value("nodegroup_name", std::string());
  op->nodegroup_is_default = j.value("nodegroup_is_default", false);
  op->node_count = j.value("node_count", int64_t{0});
  op->old_node_count = j.value("old_node_count", int64_t{-1});
  op->nodes_to_remove = j.value("nodes_to_remove", std::vector<std::string>{});
  op->template_uuid = j.value("template_uuid", std::string());
  op->template_image_id = j.value("template_image_id", std::string());
  op->max_batch_size = j.value("max_batch_size", int64_t{1});
  op->rollback = j.value("rollback", false);
  op->timeout_text = j.value("timeout_text", std::string());
  op->progress = lock.GetString("progress");
  TimePoint deadline;
  if (!lock.IsNull("deadline_at") && ParseDbTimestamp(lock.GetString("deadline_at"), &deadline)) {
    op->control->deadline = deadline;
  }
  op->resumed = true;
  op->resumable = true;
  return op;
}

bool DriverResumes(ConductorCore& core, db::Database& tx, const db::Row& cluster, OpKind kind) {
  auto driver = DriverOfCluster(core, tx, cluster);
  return driver && (*driver)->Resumable(DriverKindOf(kind));
}

}  // namespace magnum::conductor
