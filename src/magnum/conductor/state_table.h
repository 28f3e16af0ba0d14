// The cluster state table: for every cluster operation, the statuses it may start from, the
// status the cluster takes while it runs, and the one refusal for every other status. The
// API (early refusal, before anything is written) and the conductor (authoritative, inside
// the accepting transaction) both decide with it, so a state is refused with the same status
// code and text wherever it is noticed. docs/conductor.md renders the table.
//
// Pure data and functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"
#include "magnum/objects/cluster.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

// The cluster operations: one enum shared with the drivers (drivers/driver.h).
using ClusterOperation = drivers::OperationKind;

// Status sets of api-v1.md §3.2.
enum class StatusSet {
  kCreating,  // exactly CREATE_IN_PROGRESS (the API inserts the row so)
  kA,         // the *_COMPLETE statuses
  kB,         // A + UPDATE_IN_PROGRESS, UPDATE_FAILED
  kAny,
};

struct OperationRule {
  ClusterOperation op;
  std::string_view name;  // in locks, events and the busy message: "nodegroup_delete"
  StatusSet cluster;      // cluster statuses it may start from
  // Refusal text before ` "<status>" is not supported.`, e.g. `Resizing a cluster when status is`.
  std::string_view cluster_refusal;
  StatusSet nodegroup;  // statuses of the nodegroup it acts on (kAny: not checked)
  std::string_view nodegroup_refusal;
  std::string_view in_progress;  // the cluster's status while it runs
  // Refused while another operation runs on the cluster (the busy 409). Create runs in the
  // status the API gave it, delete takes over, credential rotation runs beside others.
  bool exclusive;
  // What a user can do after the operation failed or was cut off: an action the API accepts
  // from the status the failure leaves (`next_op` from FailedOf(in_progress)).
  std::string_view next_step;
  ClusterOperation next_op;
};

// The operation with lock/event name `name` ("nodegroup_delete"), if any.
std::optional<ClusterOperation> OperationNamed(std::string_view name);

const OperationRule& RuleOf(ClusterOperation op);
bool InStatusSet(StatusSet set, std::string_view status);

// "Cluster <name> is busy: <status> (<running>); try again when it finishes." (409)
Error BusyRefusal(std::string_view cluster_name, std::string_view status,
                  std::string_view running_operation);

// The one refusal of `op` for a cluster in `cluster_status` (and, for nodegroup operations,
// a nodegroup in `nodegroup_status`), or nullopt when the operation may start. In order:
//   * cluster DELETE_IN_PROGRESS: 409 `<cluster_refusal> "DELETE_IN_PROGRESS" is not
//     supported: Cluster <name> is being deleted.`
//   * cluster in another *_IN_PROGRESS and the operation exclusive: 409 `<cluster_refusal>
//     "<s>" is not supported: ` + the busy text naming `running_operation`
//   * cluster status outside the rule's set: 400 `<cluster_refusal> "<s>" is not supported.`
//   * nodegroup status outside the rule's set: 400 `<nodegroup_refusal> "<s>" ...`
std::optional<Error> RefuseByState(ClusterOperation op, std::string_view cluster_name,
                                   std::string_view cluster_status,
                                   std::string_view running_operation,
                                   std::optional<std::string_view> nodegroup_status = {});

// 400 `<nodegroup_refusal> "<s>" is not supported.` when `op` may not act on a nodegroup in
// `nodegroup_status` (the last check of RefuseByState), else nullopt.
std::optional<Error> RefuseNodeGroupState(ClusterOperation op, std::string_view nodegroup_status);

// RefuseByState for a cluster, as the API and the conductor check it: the cluster's name
// (its uuid when it has none) and, while it is *_IN_PROGRESS, the running operation from
// its lease in `db`.
Result<void> CheckClusterState(db::Database& db, ClusterOperation op,
                               const objects::Cluster& cluster,
                               std::optional<std::string_view> nodegroup_status = {});

// How messages name a cluster: its name, else its uuid.
std::string ClusterDisplayName(const objects::Cluster& cluster);

// The operation a bare *_IN_PROGRESS status stands for when no lock row says more:
// "create", "delete", "rollback", else "update".
std::string OperationOfStatus(std::string_view status);

}  // namespace magnum::conductor
