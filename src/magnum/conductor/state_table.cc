#include "magnum/conductor/state_table.h"

#include <array>

#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {
namespace {

using Op = ClusterOperation;
using Set = StatusSet;

constexpr std::string_view kUpdating = "UPDATE_IN_PROGRESS";

// One row per operation, in enum order.
constexpr std::array<OperationRule, 10> kRules = {{
    {Op::kCreate, "create", Set::kCreating, "Creating a cluster when status is", Set::kAny, "",
     "CREATE_IN_PROGRESS", false, "delete the cluster and create it again", Op::kDelete},
    {Op::kUpdate, "update", Set::kA, "Updating a cluster when status is", Set::kAny, "",
     kUpdating, true,
     "resize the cluster to the node count you want (the default worker nodegroup may not "
     "have it)",
     Op::kResize},
    {Op::kResize, "resize", Set::kB, "Resizing a cluster when status is", Set::kAny, "",
     kUpdating, true, "retry the resize (the nodegroup may not have the requested node count)",
     Op::kResize},
    {Op::kUpgrade, "upgrade", Set::kA, "Upgrading a cluster when status is", Set::kAny, "",
     kUpdating, true,
     "resize the cluster to its current node count (which makes it UPDATE_COMPLETE), then "
     "retry the upgrade",
     Op::kResize},
    {Op::kDelete, "delete", Set::kAny, "Deleting a cluster when status is", Set::kAny, "",
     "DELETE_IN_PROGRESS", false, "delete the cluster again", Op::kDelete},
    {Op::kNodeGroupCreate, "nodegroup_create", Set::kB,
     "Adding a nodegroup to a cluster when status is", Set::kCreating,
     "Creating a nodegroup when status is", kUpdating, true,
     "delete the nodegroup and create it again", Op::kNodeGroupDelete},
    {Op::kNodeGroupUpdate, "nodegroup_update", Set::kB,
     "Updating a nodegroup of a cluster when status is", Set::kB,
     "Updating a nodegroup when status is", kUpdating, true, "retry the nodegroup update",
     Op::kNodeGroupUpdate},
    {Op::kNodeGroupDelete, "nodegroup_delete", Set::kB,
     "Deleting a nodegroup of a cluster when status is", Set::kAny, "", kUpdating, true,
     "delete the nodegroup again", Op::kNodeGroupDelete},
    {Op::kRotateCa, "rotate_ca", Set::kA, "Updating a cluster when status is", Set::kAny, "",
     kUpdating, true,
     "resize the cluster to its current node count (which makes it UPDATE_COMPLETE), then "
     "rotate the CA certificate again",
     Op::kResize},
    {Op::kRotateCredential, "rotate_credential", Set::kB,
     "Rotating credentials when cluster status is", Set::kAny, "", "", false,
     "rotate the credentials again", Op::kRotateCredential},
}};

bool InSetA(std::string_view s) {
  static constexpr std::array<std::string_view, 8> kA = {
      "CREATE_COMPLETE",   "UPDATE_COMPLETE",   "RESUME_COMPLETE", "RESTORE_COMPLETE",
      "ROLLBACK_COMPLETE", "SNAPSHOT_COMPLETE", "CHECK_COMPLETE",  "ADOPT_COMPLETE"};
  for (auto a : kA) {
    if (s == a) return true;
  }
  return false;
}

Error NotSupported(std::string_view prefix, std::string_view status) {
  return Error::FailedPrecondition(std::string(prefix) + " \"" + std::string(status) +
                                   "\" is not supported.");
}

}  // namespace

const OperationRule& RuleOf(ClusterOperation op) {
  return kRules[static_cast<size_t>(op)];
}

std::optional<ClusterOperation> OperationNamed(std::string_view name) {
  for (const auto& r : kRules) {
    if (r.name == name) return r.op;
  }
  return std::nullopt;
}

bool InStatusSet(StatusSet set, std::string_view s) {
  switch (set) {
    case Set::kCreating: return s == "CREATE_IN_PROGRESS";
    case Set::kA: return InSetA(s);
    case Set::kB: return InSetA(s) || s == "UPDATE_IN_PROGRESS" || s == "UPDATE_FAILED";
    case Set::kAny: return true;
  }
  return false;
}

bool IsInProgressStatus(std::string_view s) { return s.ends_with("_IN_PROGRESS"); }

Error BusyRefusal(std::string_view cluster_name, std::string_view status,
                  std::string_view running_operation) {
  return Error::Conflict("Cluster " + std::string(cluster_name) + " is busy: " +
                         std::string(status) + " (" + std::string(running_operation) +
                         "); try again when it finishes.");
}

std::optional<Error> RefuseByState(ClusterOperation op, std::string_view cluster_name,
                                   std::string_view cluster_status,
                                   std::string_view running_operation,
                                   std::optional<std::string_view> nodegroup_status) {
  const OperationRule& rule = RuleOf(op);
  // A 409 names what was refused (the upstream text) and why (busy / deleted) in one
  // sentence: clients print the error's title, the text up to the first '.'.
  auto conflict = [&](const std::string& why) {
    return Error::Conflict(std::string(rule.cluster_refusal) + " \"" +
                           std::string(cluster_status) + "\" is not supported: " + why);
  };
  if (cluster_status == "DELETE_IN_PROGRESS") {
    return conflict("Cluster " + std::string(cluster_name) + " is being deleted.");
  }
  if (rule.exclusive && IsInProgressStatus(cluster_status)) {
    return conflict(BusyRefusal(cluster_name, cluster_status, running_operation).message());
  }
  if (!InStatusSet(rule.cluster, cluster_status)) {
    return NotSupported(rule.cluster_refusal, cluster_status);
  }
  if (nodegroup_status && !InStatusSet(rule.nodegroup, *nodegroup_status)) {
    return NotSupported(rule.nodegroup_refusal, *nodegroup_status);
  }
  return std::nullopt;
}

Result<std::string> RunningOperation(db::Database& db, const std::string& cluster_uuid,
                                     std::string_view status) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto lock, db.GetOne(db::kClusterLockTable,
                           db::Filter().Where(db::Condition::Eq("cluster_uuid", cluster_uuid))));
  if (lock) {
    std::string op = lock->GetString("operation");
    if (!op.empty()) return op;
  }
  if (status == "CREATE_IN_PROGRESS") return std::string("create");
  if (status == "DELETE_IN_PROGRESS") return std::string("delete");
  if (status == "ROLLBACK_IN_PROGRESS") return std::string("rollback");
  return std::string("update");
}

}  // namespace magnum::conductor
