#include "magnum/conductor/accept.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/operation_record.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;
using db::Row;

Result<void> AcceptPhase::Accept(const Caller& caller, const OpPtr& op, bool take_over,
                                 const AcceptFn& fn) {
  if (core_->registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  std::lock_guard<std::mutex> stripe(core_->Stripe(op->cluster_uuid));
  bool start = false;
  auto r = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto cluster, tx.GetOne(db::kClusterTable, ByUuid(op->cluster_uuid)));
    if (!cluster) {
      return Fail(Error::NotFound("Cluster " + op->cluster_uuid + " could not be found."));
    }
    op->cluster_name = ClusterDisplayName(*cluster);
    op->project_id = cluster->GetString("project_id");
    MAGNUM_ASSIGN_OR_RETURN(start, fn(tx, *cluster, *op));
    if (!start) return {};
    // A resumable operation is persisted with its lease, so that any conductor can resume it.
    op->resumable = DriverResumes(*core_, tx, *cluster, op->kind);
    const Row persisted = op->resumable ? PersistedRow(*op) : Row();
    MAGNUM_ASSIGN_OR_RETURN(op->lock_id,
                            core_->lease->Take(tx, *cluster, op->name, take_over, op.get(),
                                               op->resumable ? &persisted : nullptr));
    return {};
  });
  if (!r) {
    spdlog::info("cluster {}: {} refused (request {}): {}", op->cluster_uuid, op->name,
                 caller.request_id, r.error().message());
    return r;
  }
  if (!start) return {};
  std::vector<OpPtr> superseded = core_->registry.Register(op, take_over);
  for (const auto& s : superseded) {
    core_->events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kWarning,
                         op->name + " requested: cancelling the running " + s->name);
  }
  core_->executor->EndSuperseded(superseded);
  spdlog::info("cluster {}: {} accepted (request {})", op->cluster_uuid, op->name,
               caller.request_id);
  if (op->control->deadline != TimePoint::max()) {
    core_->scheduler.At(op->control->deadline, [ex = core_->executor, op] { ex->Expire(op); });
  }
  core_->executor->Submit(op);
  return {};
}

Result<void> AcceptPhase::CasCluster(db::Database& d, const Row& cluster,
                                     const std::string& expected, const std::string& next,
                                     Row changes) const {
  changes.Set("status", next);
  changes.SetNull("status_reason");
  changes.Set("updated_at", core_->Now());
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n,
      d.Update(db::kClusterTable,
               ByUuid(cluster.GetString("uuid")).Where(Condition::Eq("status", expected)),
               changes));
  if (n == 0) {
    return Fail(Error::Conflict("Cluster " + ClusterDisplayName(cluster) +
                                " changed while the request was processed; try again."));
  }
  return {};
}

Result<void> AcceptPhase::SetNodeGroupStatus(db::Database& d, const Row& ng,
                                             const std::string& next, Row changes) const {
  changes.Set("status", next);
  changes.SetNull("status_reason");
  changes.Set("updated_at", core_->Now());
  Filter f = ById(ng.GetInt("id"));
  if (ng.IsNull("status")) {
    f.Where(Condition::Null("status"));
  } else {
    f.Where(Condition::Eq("status", ng.GetString("status")));
  }
  MAGNUM_ASSIGN_OR_RETURN(int64_t n, d.Update(db::kNodeGroupTable, f, changes));
  if (n == 0) {
    return Fail(Error::Conflict("Nodegroup " + ng.GetString("name") +
                                " changed while the request was processed; try again."));
  }
  return {};
}

Result<std::optional<Row>> AcceptPhase::FindNodeGroup(db::Database& d,
                                                      const std::string& cluster_uuid,
                                                      const std::string& ng_uuid) const {
  return d.GetOne(db::kNodeGroupTable,
                  ByUuid(ng_uuid).Where(Condition::Eq("cluster_id", cluster_uuid)));
}

Result<Row> AcceptPhase::NodeGroupOf(db::Database& d, const std::string& cluster_uuid,
                                     const std::string& ng_uuid) const {
  MAGNUM_ASSIGN_OR_RETURN(auto found, FindNodeGroup(d, cluster_uuid, ng_uuid));
  if (!found) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  return *found;
}

Result<Row> AcceptPhase::DefaultWorker(db::Database& d, const Row& cluster) const {
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", cluster.GetString("uuid")))
      .Where(Condition::Eq("is_default", true))
      .Where(Condition::Ne("role", std::string("master")));
  MAGNUM_ASSIGN_OR_RETURN(auto rows, d.List(db::kNodeGroupTable, q));
  if (rows.empty()) {
    return Fail(Error::NotFound("Cluster " + ClusterDisplayName(cluster) +
                                " has no default worker nodegroup."));
  }
  return rows.front();
}

}  // namespace magnum::conductor
