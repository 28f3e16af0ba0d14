#include "magnum/conductor/outcome.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "magnum/conductor/certificates.h"
#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/cluster_trust.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/containers.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using db::Filter;
using objects::Cluster;
using objects::NodeGroup;
namespace st = status;

OperationContextImpl::StepInfo StepOf(Operation& op, bool completed) {
  std::lock_guard<std::mutex> lock(op.mu);
  if (!completed && !op.failed_step.empty()) return {op.failed_step, ""};
  if (!op.ctx) return {};
  return completed ? op.ctx->LastCompletedStep() : op.ctx->FailingStep();
}

}  // namespace

std::string OutcomeWriter::StartText(const Operation& op) const {
  std::string t = Label(op.name) + " started";
  switch (op.kind) {
    case OpKind::kCreate:
      t += op.timeout_text.empty() ? " (no timeout)" : " (timeout " + op.timeout_text + ")";
      break;
    case OpKind::kUpdate:
    case OpKind::kResize:
      t += ": nodegroup " + op.nodegroup_name + " from " + std::to_string(op.old_node_count) +
           " to " + std::to_string(op.node_count) + " nodes";
      break;
    case OpKind::kUpgrade:
      t += ": to cluster template " + op.template_uuid +
           (op.nodegroup_uuid.empty() ? "" : " (nodegroup " + op.nodegroup_name + ")");
      break;
    case OpKind::kNodeGroupCreate:
    case OpKind::kNodeGroupUpdate:
    case OpKind::kNodeGroupDelete:
      t += ": nodegroup " + op.nodegroup_name;
      break;
    default:
      break;
  }
  return t;
}

std::string OutcomeWriter::SuccessText(const Operation& op) const {
  switch (op.kind) {
    case OpKind::kCreate:
      return "Cluster create completed";
    case OpKind::kUpdate:
      return "Cluster update completed";
    case OpKind::kResize:
      return "Cluster resize completed: nodegroup " + op.nodegroup_name + " has " +
             std::to_string(op.node_count) + " nodes";
    case OpKind::kUpgrade:
      return "Cluster upgrade completed";
    case OpKind::kDelete:
      return "Cluster delete completed";
    case OpKind::kNodeGroupCreate:
      return "Nodegroup " + op.nodegroup_name + " created";
    case OpKind::kNodeGroupUpdate:
      return "Nodegroup " + op.nodegroup_name + " updated";
    case OpKind::kNodeGroupDelete:
      return "Nodegroup " + op.nodegroup_name + " deleted";
    case OpKind::kRotateCa:
      return "CA certificate rotated";
    case OpKind::kRotateCredential:  // synchronous, never an accepted operation
      break;
  }
  return "Operation completed";
}

std::string OutcomeWriter::FailureReason(Operation& op, const Error& e) const {
  auto step = StepOf(op, false);
  if (step.step.empty()) step.step = "driver";
  std::string r = Label(op.name) + " failed at step '" + step.step + "'";
  if (!step.node.empty()) r += " (node " + step.node + ")";
  return r + ": " + e.message();
}

std::string OutcomeWriter::TimeoutReason(Operation& op) const {
  std::string r = Label(op.name) + " timed out after " + op.timeout_text;
  auto step = StepOf(op, true);
  if (!step.step.empty()) {
    r += "; last completed step '" + step.step + "'";
    if (!step.node.empty()) r += " (node " + step.node + ")";
  } else {
    r += " before any step completed";
  }
  return r;
}

std::string OutcomeWriter::ShutdownReason(const Operation& op, const std::string& host) const {
  return "conductor " + host + " stopped during " + op.name + "; " +
         NextStep(op.kind, op.known_kind);
}

void OutcomeWriter::Write(Operation& op, bool success, const std::string& reason,
                          bool release_lock) {
  if (success && op.in_progress == st::kDeleteInProgress) {
    // Keystone first (never inside the transaction); repeated harmlessly by a rerun.
    RemoveClusterTrust(*core_, op.cluster_uuid, op.project_id);
  }
  bool removed = false;
  auto r = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
    return WriteTx(tx, op, success, reason, release_lock, &removed);
  });
  if (!r) {
    spdlog::error("cluster {}: cannot record the end of {}: {}", op.cluster_uuid, op.name,
                  r.error().message());
    return;
  }
  if (!op.fenced) core_->notices.Flush(op);
  if (op.fenced) {
    // A handover marker: the conductor that took the cluster over waits for it.
    core_->events.AppendHandover(op.cluster_uuid, op.project_id, core_->opt.host,
                                 "the end of the " + Label(op.name) + " on conductor " +
                                     core_->opt.host +
                                     " is not recorded: another conductor took the cluster over");
    spdlog::warn("cluster {}: {} lost its lease; its end is not recorded", op.cluster_uuid,
                 op.name);
    return;
  }
  if (removed) {
    spdlog::info("cluster {}: deleted", op.cluster_uuid);
    return;  // its events went with it
  }
  if (success) {
    core_->events.Append(op.cluster_uuid, op.project_id, op.name, "", EventLevel::kInfo, reason);
    spdlog::info("cluster {}: {}", op.cluster_uuid, reason);
  } else {
    auto step = StepOf(op, false);
    core_->events.Append(op.cluster_uuid, op.project_id, step.step.empty() ? op.name : step.step,
                         step.node, EventLevel::kError, reason);
    spdlog::warn("cluster {}: {}", op.cluster_uuid, reason);
  }
}

Result<void> OutcomeWriter::RemoveClusterTx(db::Database& tx, const std::string& uuid,
                                            bool* removed) {
  // The certificate rows its refs name (read before the row goes).
  std::vector<std::string> refs;
  MAGNUM_ASSIGN_OR_RETURN(std::optional<Cluster> cluster,
                          objects::GetOne<Cluster>(tx, ByUuid(uuid)));
  if (cluster) {
    for (const auto* ref : {&cluster->ca_cert_ref, &cluster->magnum_cert_ref,
                            &cluster->etcd_ca_cert_ref, &cluster->front_proxy_ca_cert_ref}) {
      if (ref->has_value() && !(*ref)->empty()) refs.push_back(**ref);
    }
  }
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Delete(db::kClusterTable,
                ByUuid(uuid).Where(Condition::Eq("status", std::string(st::kDeleteInProgress)))));
  if (n == 0) return {};
  *removed = true;
  Filter by_cluster = Filter().Where(Condition::Eq("cluster_id", uuid));
  MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kNodeGroupTable, by_cluster));
  // Its containers' rows (the Engine's containers went with the nodes).
  MAGNUM_RETURN_IF_ERROR(ContainerService::DeleteForCluster(tx, uuid));
  MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterEventTable, LockOf(uuid)));
  MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterLockTable, LockOf(uuid)));
  // What the autoscaler remembered of it (autoscaler_task.h).
  MAGNUM_RETURN_IF_ERROR(
      tx.Delete(db::kAutoscalerStateTable, Filter().Where(Condition::Eq("cluster_uuid", uuid))));
  // Its certificates go in the same transaction: no crash can leave them behind.
  MAGNUM_RETURN_IF_ERROR(ClusterCertificates::DeleteForCluster(tx, uuid, refs));
  return {};
}

Result<void> OutcomeWriter::WriteTx(db::Database& tx, Operation& op, bool success,
                                    const std::string& reason, bool release_lock,
                                    bool* removed) {
  const std::string now = core_->Now();
  if (op.lock_id != 0) {
    // Fencing: the lock row (its id is the token) must still be ours. When another
    // conductor took the cluster over, it writes the outcome, not us.
    MAGNUM_ASSIGN_OR_RETURN(bool held, core_->lease->Held(tx, op.lock_id));
    if (!held) {
      op.fenced = true;
      return {};
    }
  }
  if (success && op.in_progress == st::kDeleteInProgress) {
    core_->notices.Ending(tx, op, true);  // before its rows go
    MAGNUM_RETURN_IF_ERROR(RemoveClusterTx(tx, op.cluster_uuid, removed));
    if (!*removed) op.end_notice.reset();
    return {};
  }
  MAGNUM_ASSIGN_OR_RETURN(auto cluster, objects::GetOne<Cluster>(tx, ByUuid(op.cluster_uuid)));
  const Filter cas = ByUuid(op.cluster_uuid).Where(Condition::Eq("status", op.in_progress));
  int64_t n = 0;
  if (cluster && st::NameOf(cluster->status) == op.in_progress) {
    Cluster after = *cluster;
    after.status = st::Named(success ? st::CompleteOf(op.in_progress) : st::FailedOf(op.in_progress));
    after.status_reason = reason;
    after.updated_at = now;
    if (success && op.kind == OpKind::kUpgrade &&
        (op.nodegroup_uuid.empty() || op.nodegroup_is_default)) {
      after.cluster_template_id = op.template_uuid;
    }
    MAGNUM_ASSIGN_OR_RETURN(n, objects::Update(tx, cas, *cluster, after));
    cluster = std::move(after);
  }
  if (n == 1) {
    db::ListQuery q;
    q.filter.Where(Condition::Eq("cluster_id", op.cluster_uuid))
        .Where(Condition::In("status", InProgressValues()));
    MAGNUM_ASSIGN_OR_RETURN(auto ngs, objects::List<NodeGroup>(tx, q));
    for (const auto& ng : ngs) {
      const std::string ng_status = st::NameOf(ng.status);
      if (success && op.kind == OpKind::kNodeGroupDelete && ng.uuid == op.nodegroup_uuid) {
        MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kNodeGroupTable, ById(ng.id)));
        continue;
      }
      NodeGroup after = ng;
      after.status = st::Named(success ? st::CompleteOf(ng_status) : st::FailedOf(ng_status));
      if (success) {
        after.status_reason.reset();
      } else {
        after.status_reason = reason;
      }
      after.updated_at = now;
      if (success && op.kind == OpKind::kCreate && !ng.stack_id && cluster->stack_id) {
        after.stack_id = cluster->stack_id;
      }
      if (success && op.kind == OpKind::kUpgrade && !op.template_image_id.empty()) {
        after.image_id = op.template_image_id;
      }
      if (!success && (op.kind == OpKind::kUpdate || op.kind == OpKind::kResize) &&
          op.old_node_count >= 0 && ng.uuid == op.nodegroup_uuid) {
        after.node_count =
            NodeCountAfterFailedResize(op.old_node_count, op.node_count, ng.node_addresses);
      }
      MAGNUM_RETURN_IF_ERROR(objects::Update(
          tx, ById(ng.id).Where(Condition::Eq("status", ng_status)), ng, after));
    }
    core_->notices.Ending(tx, op, success);
  } else {
    spdlog::warn("cluster {}: status is no longer {}; the end of {} is not recorded",
                 op.cluster_uuid, op.in_progress, op.name);
  }
  if (release_lock && op.lock_id != 0) {
    MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterLockTable, ById(op.lock_id)));
  }
  return {};
}

int64_t NodeCountAfterFailedResize(int64_t old_count, int64_t requested,
                                   const std::optional<std::vector<std::string>>& addresses) {
  if (!addresses || requested < 0) return old_count;
  const auto n = static_cast<int64_t>(addresses->size());
  return n >= std::min(old_count, requested) && n <= std::max(old_count, requested) ? n
                                                                                    : old_count;
}

}  // namespace magnum::conductor
