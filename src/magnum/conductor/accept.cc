#include "magnum/conductor/accept.h"

#include <spdlog/spdlog.h>

#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/operation_record.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;
using objects::Cluster;
using objects::ClusterStatus;
using objects::NodeGroup;

namespace {

// `after` (else `from`) moved to status `next`: status_reason cleared, updated `now`.
template <typename T>
T Transitioned(const T& from, const T* after, ClusterStatus next, std::string now) {
  T changed = after != nullptr ? *after : from;
  changed.status = next;
  changed.status_reason.reset();
  changed.updated_at = std::move(now);
  return changed;
}

}  // namespace

Result<void> AcceptPhase::Accept(const Caller& caller, const OpPtr& op, bool take_over,
                                 const AcceptFn& fn) {
  if (core_->registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  std::lock_guard<std::mutex> stripe(core_->Stripe(op->cluster_uuid));
  op->caller = caller;  // persisted with a resumable operation's spec
  bool start = false;
  auto r = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto cluster,
                            objects::GetOne<Cluster>(tx, ByUuid(op->cluster_uuid)));
    if (!cluster) {
      return Fail(Error::NotFound("Cluster " + op->cluster_uuid + " could not be found."));
    }
    op->cluster_name = ClusterDisplayName(*cluster);
    op->project_id = cluster->project_id.value_or("");
    MAGNUM_ASSIGN_OR_RETURN(start, fn(tx, *cluster, *op));
    if (!start) return {};
    // A resumable operation is persisted with its lease, so that any conductor can resume it.
    op->resumable = DriverResumes(*core_, tx, *cluster, op->kind);
    const objects::ClusterLock persisted =
        op->resumable ? PersistedLock(*op) : objects::ClusterLock();
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
  core_->notices.Started(*core_->db, *op);
  core_->executor->Submit(op);
  return {};
}

Result<void> AcceptPhase::CasCluster(db::Database& d, const Cluster& cluster,
                                     ClusterStatus next, const Cluster* after) const {
  const Cluster changed = Transitioned(cluster, after, next, core_->Now());
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t n,
      objects::Update(d,
                      ByUuid(cluster.uuid).Where(
                          Condition::Eq("status", status::NameOf(cluster.status))),
                      cluster, changed));
  if (n == 0) {
    return Fail(Error::Conflict("Cluster " + ClusterDisplayName(cluster) +
                                " changed while the request was processed; try again."));
  }
  return {};
}

Result<void> AcceptPhase::SetNodeGroupStatus(db::Database& d, const NodeGroup& ng,
                                             ClusterStatus next, const NodeGroup* after) const {
  const NodeGroup changed = Transitioned(ng, after, next, core_->Now());
  Filter f = ById(ng.id);
  if (!ng.status) {
    f.Where(Condition::Null("status"));
  } else {
    f.Where(Condition::Eq("status", status::NameOf(ng.status)));
  }
  MAGNUM_ASSIGN_OR_RETURN(int64_t n, objects::Update(d, f, ng, changed));
  if (n == 0) {
    return Fail(Error::Conflict("Nodegroup " + ng.name +
                                " changed while the request was processed; try again."));
  }
  return {};
}

Result<std::optional<NodeGroup>> AcceptPhase::FindNodeGroup(db::Database& d,
                                                            const std::string& cluster_uuid,
                                                            const std::string& ng_uuid) const {
  return objects::GetOne<NodeGroup>(
      d, ByUuid(ng_uuid).Where(Condition::Eq("cluster_id", cluster_uuid)));
}

Result<NodeGroup> AcceptPhase::NodeGroupOf(db::Database& d, const std::string& cluster_uuid,
                                           const std::string& ng_uuid) const {
  MAGNUM_ASSIGN_OR_RETURN(auto found, FindNodeGroup(d, cluster_uuid, ng_uuid));
  if (!found) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  return std::move(*found);
}

Result<NodeGroup> AcceptPhase::DefaultWorker(db::Database& d, const Cluster& cluster) const {
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", cluster.uuid))
      .Where(Condition::Eq("is_default", true))
      .Where(Condition::Ne("role", std::string("master")));
  MAGNUM_ASSIGN_OR_RETURN(auto rows, objects::List<NodeGroup>(d, q));
  if (rows.empty()) {
    return Fail(Error::NotFound("Cluster " + ClusterDisplayName(cluster) +
                                " has no default worker nodegroup."));
  }
  return std::move(rows.front());
}

}  // namespace magnum::conductor
