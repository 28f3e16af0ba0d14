#include "magnum/conductor/state_table.h"

#include <array>

#include "magnum/conductor/cluster_status.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

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
    case Set::kCreating: return s == status::kCreateInProgress;
    case Set::kA: return status::InSetA(s);
    case Set::kB: return status::InSetB(s);
    case Set::kAny: return true;
  }
  return false;
}

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
  if (cluster_status == status::kDeleteInProgress) {
    return conflict("Cluster " + std::string(cluster_name) + " is being deleted.");
  }
  if (rule.exclusive && status::IsInProgress(cluster_status)) {
    return conflict(BusyRefusal(cluster_name, cluster_status, running_operation).message());
  }
  if (!InStatusSet(rule.cluster, cluster_status)) {
    return NotSupported(rule.cluster_refusal, cluster_status);
  }
  if (nodegroup_status) return RefuseNodeGroupState(op, *nodegroup_status);
  return std::nullopt;
}

std::optional<Error> RefuseNodeGroupState(ClusterOperation op, std::string_view nodegroup_status) {
  const OperationRule& rule = RuleOf(op);
  if (InStatusSet(rule.nodegroup, nodegroup_status)) return std::nullopt;
  return NotSupported(rule.nodegroup_refusal, nodegroup_status);
}

std::string ClusterDisplayName(const objects::Cluster& cluster) {
  return cluster.name && !cluster.name->empty() ? *cluster.name : cluster.uuid;
}

std::string OperationOfStatus(std::string_view s) {
  if (s == status::kCreateInProgress) return "create";
  if (s == status::kDeleteInProgress) return "delete";
  if (s == status::kRollbackInProgress) return "rollback";
  return "update";
}

Result<void> CheckClusterState(db::Database& db, ClusterOperation op,
                               const objects::Cluster& cluster,
                               std::optional<std::string_view> nodegroup_status) {
  const std::string s = status::NameOf(cluster.status);
  std::string running;
  if (status::IsInProgress(s)) {
    // The running operation: its lease's, else the one the status stands for.
    MAGNUM_ASSIGN_OR_RETURN(
        auto lock, objects::GetOne<objects::ClusterLock>(
                       db, db::Filter().Where(db::Condition::Eq("cluster_uuid", cluster.uuid))));
    if (lock) running = lock->operation.value_or("");
    if (running.empty()) running = OperationOfStatus(s);
  }
  if (auto refusal = RefuseByState(op, ClusterDisplayName(cluster), s, running, nodegroup_status)) {
    return Fail(*refusal);
  }
  return {};
}

}  // namespace magnum::conductor
