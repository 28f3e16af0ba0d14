#include "magnum/conductor/operation_record.h"

#include <nlohmann/json.hpp>

#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;

Result<drivers::Driver*> DriverOfCluster(ConductorCore& core, db::Database& d,
                                         const objects::Cluster& cluster) {
  MAGNUM_ASSIGN_OR_RETURN(drivers::TemplateState t, LoadTemplateState(d, cluster));
  return core.DriverFor(cluster.driver.value_or(""), t);
}

}  // namespace

objects::ClusterLock PersistedLock(const Operation& op) {
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
  if (op.ca_rotated) j["ca_rotated"] = true;
  // Who asked: the initiator of the end notification after a resume (notifications.h).
  j["caller"] = {{"request_id", op.caller.request_id},
                 {"project_id", op.caller.project_id},
                 {"user_id", op.caller.user_id},
                 {"is_admin", op.caller.is_admin}};
  objects::ClusterLock lock;
  lock.spec = j.dump();
  lock.progress = op.progress;
  if (op.control->deadline != TimePoint::max()) {
    lock.deadline_at = FormatDbTimestamp(op.control->deadline);
  }
  return lock;
}

Result<OpPtr> ResumableOperation(ConductorCore& core, const objects::Cluster& cluster,
                                 const objects::ClusterLock& lock) {
  const std::string spec = lock.spec.value_or("");
  if (spec.empty()) return OpPtr();
  Json j = Json::parse(spec, nullptr, false);
  if (!j.is_object()) return OpPtr();
  const auto kind = OperationNamed(j.value("operation", std::string()));
  if (!kind || j.value("in_progress", std::string()) != status::NameOf(cluster.status)) {
    return OpPtr();
  }
  MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, DriverOfCluster(core, *core.db, cluster));
  if (!Resumes(*driver, *kind)) return OpPtr();
  auto op = std::make_shared<Operation>(*kind);
  op->cluster_uuid = cluster.uuid;
  op->cluster_name = ClusterDisplayName(cluster);
  op->project_id = cluster.project_id.value_or("");
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
  op->ca_rotated = j.value("ca_rotated", false);
  if (auto c = j.find("caller"); c != j.end() && c->is_object()) {
    op->caller.request_id = c->value("request_id", std::string());
    op->caller.project_id = c->value("project_id", std::string());
    op->caller.user_id = c->value("user_id", std::string());
    op->caller.is_admin = c->value("is_admin", false);
  }
  op->progress = lock.progress.value_or("");
  TimePoint deadline;
  if (lock.deadline_at && ParseDbTimestamp(*lock.deadline_at, &deadline)) {
    op->control->deadline = deadline;
  }
  op->resumed = true;
  op->resumable = true;
  return op;
}

bool Resumes(const drivers::Driver& driver, OpKind kind) {
  return kind == OpKind::kRotateCa || driver.Resumable(DriverKindOf(kind));
}

bool DriverResumes(ConductorCore& core, db::Database& tx, const objects::Cluster& cluster,
                   OpKind kind) {
  auto driver = DriverOfCluster(core, tx, cluster);
  return driver && Resumes(**driver, kind);
}

}  // namespace magnum::conductor
