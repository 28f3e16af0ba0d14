#include "magnum/conductor/conductor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "magnum/certs/x509.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/certificates.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/event_log.h"
#include "magnum/conductor/heartbeat.h"
#include "magnum/conductor/operation_context.h"
#include "magnum/conductor/operation_runner.h"
#include "magnum/conductor/state_table.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/registry.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using db::Filter;
using db::Row;
using db::Value;
using CancelReason = OperationControl::CancelReason;
namespace st = status;

constexpr char kConductorBinary[] = "magnum-conductor";
// How old a lock-less *_IN_PROGRESS cluster must be to count as orphaned at start, or to
// be synced: the API inserts the row just before it calls ClusterCreate.
constexpr std::chrono::seconds kLocklessGrace{5};

using OpKind = ClusterOperation;

const char* OpName(OpKind k) { return RuleOf(k).name.data(); }

// What the user should do after an operation was interrupted (the state table's advice;
// `known` false: a lock named an operation this build does not know).
std::string NextStep(OpKind k, bool known = true) {
  if (!known) return "check the cluster, then retry the operation or delete it";
  return std::string(RuleOf(k).next_step);
}

std::string Label(const std::string& op_name) {
  std::string s = op_name;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

Filter ByUuid(const std::string& uuid) { return Filter().Where(Condition::Eq("uuid", uuid)); }
Filter ById(int64_t id) { return Filter().Where(Condition::Eq("id", id)); }
Filter LockOf(const std::string& uuid) {
  return Filter().Where(Condition::Eq("cluster_uuid", uuid));
}

std::vector<Value> InProgressValues() {
  std::vector<Value> v;
  for (const auto& s : st::InProgressStatuses()) v.emplace_back(s);
  return v;
}

// One accepted operation.
struct Operation {
  explicit Operation(OpKind k) : kind(k), name(OpName(k)) {}

  OpKind kind;
  bool known_kind = true;  // false: recovered from a lock naming an operation we do not know
  std::string name;  // lock row `operation` and event step
  std::string cluster_uuid;
  std::string cluster_name;
  std::string project_id;
  std::string in_progress;  // the cluster status written at acceptance
  std::string nodegroup_uuid;
  std::string nodegroup_name;
  bool nodegroup_is_default = false;
  int64_t node_count = 0;
  int64_t old_node_count = -1;  // -1 = nothing to restore
  std::vector<std::string> nodes_to_remove;
  std::string template_uuid;
  std::string template_image_id;
  int64_t max_batch_size = 1;
  bool rollback = false;
  std::string timeout_text;  // "60 minutes" or "0.5 seconds (label create_timeout_seconds)"
  int64_t lock_id = 0;
  // A live lease of another conductor this operation took over (a delete): that conductor
  // stops its operation when its next renewal fails; we wait for it until its lease expires.
  std::string displaced_owner;
  TimePoint displaced_until{};
  bool fenced = false;  // its outcome was not written: another conductor holds the cluster
  // Set when a delete is interrupted by a stop: its lock stays, so that the next start of
  // a conductor on this host resumes it at once.
  std::atomic<bool> keep_lock{false};
  std::shared_ptr<OperationControl> control = std::make_shared<OperationControl>();

  // Set by the worker while running.
  std::mutex mu;
  std::shared_ptr<OperationContextImpl> ctx;  // guarded by mu
  std::string failed_step;  // guarded by mu; a step outside the driver (certificates, ...)

  void SetFailedStep(const std::string& step) {
    std::lock_guard<std::mutex> lock(mu);
    failed_step = step;
  }
};

using OpPtr = std::shared_ptr<Operation>;

}  // namespace

ConductorOptions ConductorOptionsFromConfig(const config::Config& config) {
  ConductorOptions o;
  if (!config.host.empty()) o.host = config.host;
  o.workers = config.conductor_workers > 0 ? config.conductor_workers : 4;
  o.status_sync_interval = std::chrono::seconds(std::max(1, config.periodic_interval_max));
  o.health_poll_interval = std::chrono::seconds(std::max(1, config.health_polling_interval));
  o.report_interval = std::chrono::seconds(std::max(1, config.report_interval));
  o.service_down_time = std::chrono::seconds(std::max(1, config.service_down_time));
  o.lease_ttl = std::chrono::seconds(std::max(3, config.conductor_lease_ttl));
  return o;
}

struct ConductorService::Impl {
  Impl(ConductorDeps d, ConductorOptions o)
      : db(d.db),
        drivers(d.drivers),
        clock(d.clock),
        certs(std::move(d.certificates)),
        opt(std::move(o)),
        events(db, clock),
        runner(opt.workers) {}

  db::Database* const db;
  const drivers::DriverRegistry* const drivers;
  const Clock* const clock;
  const std::unique_ptr<ClusterCertificates> certs;
  const ConductorOptions opt;
  EventLog events;
  OperationRunner runner;
  std::unique_ptr<ServiceHeartbeat> heartbeat;
  std::thread timer;

  // Accept/recovery/sync of one cluster are serialised by its stripe. Lock order: a
  // stripe before mu, never the other way round.
  std::array<std::mutex, 64> stripes;

  mutable std::mutex mu;
  std::condition_variable idle_cv;   // ops became empty
  std::condition_variable timer_cv;  // timer_stop, or a new deadline
  // Guarded by mu.
  bool started = false;
  bool stopping = false;
  bool timer_stop = false;
  std::multimap<std::string, OpPtr> ops;  // accepted, not finished: cluster uuid -> op

  std::mutex& Stripe(const std::string& uuid) {
    return stripes[std::hash<std::string>{}(uuid) % stripes.size()];
  }
  std::string Now() const { return FormatDbTimestamp(clock->Now()); }

  // ---- bookkeeping ------------------------------------------------------------------

  bool IsStopping() const {
    std::lock_guard<std::mutex> lock(mu);
    return stopping;
  }

  bool HasOps(const std::string& uuid) const {
    std::lock_guard<std::mutex> lock(mu);
    return ops.count(uuid) != 0;
  }

  // Registers `op`; with `supersede`, cancels the cluster's other operations. Returns the
  // names of the cancelled ones.
  std::vector<std::string> Register(const OpPtr& op, bool supersede) {
    std::vector<std::string> cancelled;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (supersede) {
        auto [b, e] = ops.equal_range(op->cluster_uuid);
        for (auto it = b; it != e; ++it) {
          if (!it->second->control->finished.load()) cancelled.push_back(it->second->name);
          it->second->control->Cancel(CancelReason::kSuperseded);
        }
      }
      ops.emplace(op->cluster_uuid, op);
    }
    timer_cv.notify_all();
    return cancelled;
  }

  void Done(const OpPtr& op) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto [b, e] = ops.equal_range(op->cluster_uuid);
      for (auto it = b; it != e; ++it) {
        if (it->second == op) {
          ops.erase(it);
          break;
        }
      }
    }
    idle_cv.notify_all();
  }

  void Submit(const OpPtr& op) {
    bool queued = runner.Submit(
        op->cluster_uuid, [this, op] { Run(op); }, [this, op] { Dropped(op); });
    if (!queued) Dropped(op);
  }

  // ---- database helpers -------------------------------------------------------------

  Result<bool> OwnerIsDown(db::Database& d, const std::string& owner) {
    MAGNUM_ASSIGN_OR_RETURN(
        auto row, d.GetOne(db::kMagnumServiceTable,
                           Filter()
                               .Where(Condition::Eq("host", owner))
                               .Where(Condition::Eq("binary", std::string(kConductorBinary)))));
    if (!row) return true;
    if (row->GetBool("forced_down")) return true;
    std::string seen = row->GetString("last_seen_up");
    if (seen.empty()) seen = row->GetString("updated_at");
    if (seen.empty()) seen = row->GetString("created_at");
    TimePoint t;
    if (!ParseDbTimestamp(seen, &t)) return true;
    return clock->Now() - t > opt.service_down_time;
  }

  std::string LeaseExpiry() const {
    return FormatDbTimestamp(clock->Now() +
                             std::chrono::duration_cast<std::chrono::microseconds>(opt.lease_ttl));
  }

  // A lock nobody works under any more: ours without a running operation, or another
  // conductor's whose lease expired (a row without a lease, from before leases: whose owner
  // is down).
  Result<bool> LockIsStale(db::Database& d, const Row& lock) {
    const std::string owner = lock.GetString("conductor_id");
    if (owner == opt.host) return !HasOps(lock.GetString("cluster_uuid"));
    if (auto expires = lock.GetOptionalString("lease_expires_at")) {
      TimePoint t;
      return !ParseDbTimestamp(*expires, &t) || clock->Now() >= t;
    }
    return OwnerIsDown(d, owner);
  }

  // Takes the cluster's lock row for `operation`: a held, live lock is kConflict unless
  // `take_over`. Returns the new row's id.
  Result<int64_t> TakeLock(db::Database& d, const Row& cluster, const std::string& operation,
                           bool take_over, Operation* taker = nullptr) {
    const std::string uuid = cluster.GetString("uuid");
    MAGNUM_ASSIGN_OR_RETURN(auto lock, d.GetOne(db::kClusterLockTable, LockOf(uuid)));
    if (lock) {
      MAGNUM_ASSIGN_OR_RETURN(bool stale, LockIsStale(d, *lock));
      if (!take_over && !stale) {
        return Fail(BusyRefusal(ClusterDisplayName(cluster), cluster.GetString("status"),
                                lock->GetString("operation")));
      }
      const std::string owner = lock->GetString("conductor_id");
      TimePoint until;
      if (taker != nullptr && !stale && owner != opt.host &&
          ParseDbTimestamp(lock->GetString("lease_expires_at"), &until)) {
        taker->displaced_owner = owner;
        taker->displaced_until = until;
      }
      MAGNUM_RETURN_IF_ERROR(d.Delete(db::kClusterLockTable, ById(lock->GetInt("id"))));
    }
    Row row;
    row.Set("cluster_uuid", uuid);
    row.Set("conductor_id", opt.host);
    row.Set("operation", operation);
    row.Set("created_at", Now());
    row.SetNull("updated_at");
    row.Set("lease_expires_at", LeaseExpiry());
    auto inserted = d.Insert(db::kClusterLockTable, row);
    if (!inserted) {
      if (inserted.error().code() == ErrorCode::kAlreadyExists) {
        return Fail(BusyRefusal(ClusterDisplayName(cluster), cluster.GetString("status"), operation));
      }
      return Fail(inserted.error());
    }
    return inserted->GetInt("id");
  }

  // Compare-and-set of the cluster status: kConflict when it is no longer `expected`.
  Result<void> CasCluster(db::Database& d, const Row& cluster, const std::string& expected,
                          const std::string& next, Row changes = Row()) {
    changes.Set("status", next);
    changes.SetNull("status_reason");
    changes.Set("updated_at", Now());
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

  Result<void> SetNodeGroupStatus(db::Database& d, const Row& ng, const std::string& next,
                                  Row changes = Row()) {
    changes.Set("status", next);
    changes.SetNull("status_reason");
    changes.Set("updated_at", Now());
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

  Result<std::optional<Row>> FindNodeGroup(db::Database& d, const std::string& cluster_uuid,
                                           const std::string& ng_uuid) {
    return d.GetOne(db::kNodeGroupTable,
                    ByUuid(ng_uuid).Where(Condition::Eq("cluster_id", cluster_uuid)));
  }

  Result<Row> DefaultWorker(db::Database& d, const Row& cluster) {
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

  Result<drivers::Driver*> DriverFor(const std::string& cluster_driver,
                                     const drivers::TemplateState& t) {
    if (!cluster_driver.empty()) return drivers->Get(cluster_driver);
    return drivers->ForTemplate(t.driver, t.server_type, t.cluster_distro, t.coe);
  }

  // ---- accept -----------------------------------------------------------------------

  // Checks and first transition, inside the accept transaction. false = accepted with
  // nothing to do (no operation is started).
  using AcceptFn = std::function<Result<bool>(db::Database& tx, const Row& cluster, Operation& op)>;

  Result<void> Accept(const Caller& caller, const OpPtr& op, bool take_over, const AcceptFn& fn) {
    if (IsStopping()) {
      return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
    }
    std::lock_guard<std::mutex> stripe(Stripe(op->cluster_uuid));
    bool start = false;
    auto r = db->Transaction([&](db::Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(auto cluster, tx.GetOne(db::kClusterTable, ByUuid(op->cluster_uuid)));
      if (!cluster) {
        return Fail(Error::NotFound("Cluster " + op->cluster_uuid + " could not be found."));
      }
      op->cluster_name = ClusterDisplayName(*cluster);
      op->project_id = cluster->GetString("project_id");
      MAGNUM_ASSIGN_OR_RETURN(start, fn(tx, *cluster, *op));
      if (!start) return {};
      MAGNUM_ASSIGN_OR_RETURN(op->lock_id, TakeLock(tx, *cluster, op->name, take_over, op.get()));
      return {};
    });
    if (!r) {
      spdlog::info("cluster {}: {} refused (request {}): {}", op->cluster_uuid, op->name,
                   caller.request_id, r.error().message());
      return r;
    }
    if (!start) return {};
    std::vector<std::string> cancelled = Register(op, take_over);
    for (const auto& c : cancelled) {
      events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kWarning,
                    op->name + " requested: cancelling the running " + c);
    }
    spdlog::info("cluster {}: {} accepted (request {})", op->cluster_uuid, op->name,
                 caller.request_id);
    Submit(op);
    return {};
  }

  // ---- run --------------------------------------------------------------------------

  void Run(const OpPtr& op) {
    OperationControl& c = *op->control;
    if (c.finished.load()) {  // ended (deadline, shutdown) before it could start
      ReleaseLock(*op);
      Done(op);
      return;
    }
    if (c.cancelled.load() && c.reason.load() == CancelReason::kSuperseded) {
      c.MarkFinished();
      events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                    op->name + " cancelled before it started: the cluster is being deleted");
      Done(op);
      return;
    }
    events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                  StartText(*op));
    Result<void> r = Execute(*op);
    Finish(op, r);
    Done(op);
  }

  std::string StartText(const Operation& op) {
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

  // Waits (until `op.displaced_until`, or until `op` is cancelled itself) for the conductor
  // whose live lease `op` took over to notice and stop: it cannot renew a lease it lost.
  void WaitForDisplacedOwner(Operation& op) {
    if (op.displaced_owner.empty()) return;
    events.Append(op.cluster_uuid, op.project_id, op.name, "", EventLevel::kInfo,
                  "waiting for conductor " + op.displaced_owner +
                      " to stop its operation on the cluster (at most until its lease expires)");
    while (clock->Now() < op.displaced_until && !op.control->cancelled.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  Result<void> Execute(Operation& op) {
    WaitForDisplacedOwner(op);
    std::string driver_name;
    auto state = LoadClusterState(*db, op.cluster_uuid, &driver_name);
    if (!state) {
      op.SetFailedStep("load");
      return Fail(state.error());
    }
    if (op.kind == OpKind::kCreate || op.kind == OpKind::kRotateCa) {
      auto refs = certs->Generate({state->uuid, state->name, state->project_id, state->user_id});
      if (refs) {
        auto saved = certs->SaveRefs(state->uuid, *refs);
        if (!saved) refs = Fail(saved.error());
      }
      if (!refs) {
        op.SetFailedStep("certificates");
        return Fail(refs.error());
      }
      events.Append(op.cluster_uuid, op.project_id, "certificates", "", EventLevel::kInfo,
                    "cluster CA, etcd CA, front-proxy CA and Magnum client certificate "
                    "generated");
      if (op.control->cancelled.load()) {
        op.SetFailedStep("certificates");
        return Fail(Error::Unavailable("operation cancelled before the driver ran"));
      }
    }
    auto driver = DriverFor(driver_name, state->cluster_template);
    if (!driver) {
      op.SetFailedStep("driver");
      return Fail(driver.error());
    }
    auto ctx = std::make_shared<OperationContextImpl>(std::move(*state), op.name, op.control, db,
                                                      &events, certs.get(), clock);
    {
      std::lock_guard<std::mutex> lock(op.mu);
      op.ctx = ctx;
    }
    drivers::Driver& d = **driver;
    switch (op.kind) {
      case OpKind::kCreate:
        return d.CreateCluster(*ctx);
      case OpKind::kUpdate:
      case OpKind::kResize:
        return d.ResizeNodeGroup(*ctx, op.nodegroup_uuid, op.nodes_to_remove);
      case OpKind::kUpgrade: {
        auto t = db->GetOne(db::kClusterTemplateTable, ByUuid(op.template_uuid));
        if (!t) return Fail(t.error());
        if (!*t) {
          op.SetFailedStep("template");
          return Fail(
              Error::NotFound("ClusterTemplate " + op.template_uuid + " could not be found."));
        }
        return d.UpgradeCluster(*ctx, TemplateStateFromRow(**t), op.max_batch_size,
                                op.nodegroup_uuid);
      }
      case OpKind::kDelete:
        return d.DeleteCluster(*ctx);
      case OpKind::kNodeGroupCreate:
        return d.CreateNodeGroup(*ctx, op.nodegroup_uuid);
      case OpKind::kNodeGroupUpdate:
        return d.UpdateNodeGroup(*ctx, op.nodegroup_uuid);
      case OpKind::kNodeGroupDelete:
        return d.DeleteNodeGroup(*ctx, op.nodegroup_uuid);
      case OpKind::kRotateCa:
        return d.RotateCaCertificate(*ctx);
      case OpKind::kRotateCredential:  // synchronous, never an accepted operation
        break;
    }
    return Fail(Error::Internal("unknown operation " + op.name));
  }

  OperationContextImpl::StepInfo StepOf(Operation& op, bool completed) {
    std::lock_guard<std::mutex> lock(op.mu);
    if (!completed && !op.failed_step.empty()) return {op.failed_step, ""};
    if (!op.ctx) return {};
    return completed ? op.ctx->LastCompletedStep() : op.ctx->FailingStep();
  }

  std::string FailureReason(Operation& op, const Error& e) {
    auto step = StepOf(op, false);
    if (step.step.empty()) step.step = "driver";
    std::string r = Label(op.name) + " failed at step '" + step.step + "'";
    if (!step.node.empty()) r += " (node " + step.node + ")";
    return r + ": " + e.message();
  }

  std::string TimeoutReason(Operation& op) {
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

  std::string ShutdownReason(const Operation& op) {
    return "conductor " + opt.host + " stopped during " + op.name + "; " +
           NextStep(op.kind, op.known_kind);
  }

  std::string SuccessText(const Operation& op) {
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

  void Finish(const OpPtr& op, const Result<void>& r) {
    OperationControl& c = *op->control;
    if (c.deadline != TimePoint::max() && clock->Now() >= c.deadline) {
      c.Cancel(CancelReason::kTimeout);
    }
    if (!c.MarkFinished()) {
      events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                    "the driver returned after the " + Label(op->name) + " had ended (" +
                        (r ? std::string("success") : r.error().message()) + "); result discarded");
      ReleaseLock(*op);
      return;
    }
    const CancelReason why = c.cancelled.load() ? c.reason.load() : CancelReason::kNone;
    if (why == CancelReason::kSuperseded) {
      events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                    op->name + " stopped: the cluster is being deleted" +
                        (r ? std::string() : " (" + r.error().message() + ")"));
      return;  // the delete owns the cluster and its lock now
    }
    if (why == CancelReason::kTimeout) {
      FailTimeout(*op, /*release_lock=*/true);
      return;
    }
    if (why == CancelReason::kShutdown && !r) {
      FailShutdown(*op);
      return;
    }
    if (r) {
      WriteOutcome(*op, true, SuccessText(*op), true);
    } else {
      WriteOutcome(*op, false, FailureReason(*op, r.error()), true);
    }
  }

  void Dropped(const OpPtr& op) {
    if (op->control->MarkFinished()) FailShutdown(*op);
    Done(op);
  }

  void FailTimeout(Operation& op, bool release_lock) {
    WriteOutcome(op, false, TimeoutReason(op), release_lock);
  }

  void FailShutdown(Operation& op) {
    if (op.kind == OpKind::kDelete) {
      events.Append(
          op.cluster_uuid, op.project_id, op.name, "", EventLevel::kWarning,
          "conductor " + opt.host + " is stopping: the delete resumes when a conductor starts");
      op.keep_lock = true;
      return;
    }
    WriteOutcome(op, false, ShutdownReason(op), true);
  }

  void ReleaseLock(const Operation& op) {
    if (op.lock_id == 0 || op.keep_lock.load()) return;
    if (auto r = db->Delete(db::kClusterLockTable, ById(op.lock_id)); !r) {
      spdlog::warn("cluster {}: cannot release lock: {}", op.cluster_uuid, r.error().message());
    }
  }

  // The terminal transition of `op` (success or failure), in one transaction with the
  // lock release. Logs and records an event; database errors are logged.
  void WriteOutcome(Operation& op, bool success, const std::string& reason, bool release_lock) {
    bool removed = false;
    auto r = db->Transaction([&](db::Database& tx) -> Result<void> {
      return WriteOutcomeTx(tx, op, success, reason, release_lock, &removed);
    });
    if (!r) {
      spdlog::error("cluster {}: cannot record the end of {}: {}", op.cluster_uuid, op.name,
                    r.error().message());
      return;
    }
    if (op.fenced) {
      events.Append(op.cluster_uuid, op.project_id, op.name, "", EventLevel::kWarning,
                    "the end of the " + Label(op.name) + " on conductor " + opt.host +
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
      events.Append(op.cluster_uuid, op.project_id, op.name, "", EventLevel::kInfo, reason);
      spdlog::info("cluster {}: {}", op.cluster_uuid, reason);
    } else {
      auto step = StepOf(op, false);
      events.Append(op.cluster_uuid, op.project_id, step.step.empty() ? op.name : step.step,
                    step.node, EventLevel::kError, reason);
      spdlog::warn("cluster {}: {}", op.cluster_uuid, reason);
    }
  }

  Result<void> RemoveClusterTx(db::Database& tx, const std::string& uuid, bool* removed) {
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        tx.Delete(db::kClusterTable,
                  ByUuid(uuid).Where(Condition::Eq("status", std::string(st::kDeleteInProgress)))));
    if (n == 0) return {};
    *removed = true;
    Filter by_cluster = Filter().Where(Condition::Eq("cluster_id", uuid));
    MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kNodeGroupTable, by_cluster));
    MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterEventTable, LockOf(uuid)));
    MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterLockTable, LockOf(uuid)));
    // Its certificates go in the same transaction: no crash can leave them behind.
    MAGNUM_RETURN_IF_ERROR(ClusterCertificates::DeleteForCluster(tx, uuid));
    return {};
  }

  Result<void> WriteOutcomeTx(db::Database& tx, Operation& op, bool success,
                              const std::string& reason, bool release_lock, bool* removed) {
    const std::string now = Now();
    if (op.lock_id != 0) {
      // Fencing: the lock row (its id is the token) must still be ours. When another
      // conductor took the cluster over, it writes the outcome, not us.
      MAGNUM_ASSIGN_OR_RETURN(
          int64_t held,
          tx.Count(db::kClusterLockTable,
                   ById(op.lock_id).Where(Condition::Eq("conductor_id", opt.host))));
      if (held == 0) {
        op.fenced = true;
        return {};
      }
    }
    if (success && op.in_progress == st::kDeleteInProgress) {
      return RemoveClusterTx(tx, op.cluster_uuid, removed);
    }
    Row changes;
    changes.Set("status", success ? st::CompleteOf(op.in_progress) : st::FailedOf(op.in_progress));
    changes.Set("status_reason", reason);
    changes.Set("updated_at", now);
    if (success && op.kind == OpKind::kUpgrade &&
        (op.nodegroup_uuid.empty() || op.nodegroup_is_default)) {
      changes.Set("cluster_template_id", op.template_uuid);
    }
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        tx.Update(db::kClusterTable,
                  ByUuid(op.cluster_uuid).Where(Condition::Eq("status", op.in_progress)), changes));
    if (n == 1) {
      MAGNUM_ASSIGN_OR_RETURN(auto cluster, tx.GetOne(db::kClusterTable, ByUuid(op.cluster_uuid)));
      db::ListQuery q;
      q.filter.Where(Condition::Eq("cluster_id", op.cluster_uuid))
          .Where(Condition::In("status", InProgressValues()));
      MAGNUM_ASSIGN_OR_RETURN(auto ngs, tx.List(db::kNodeGroupTable, q));
      for (const auto& ng : ngs) {
        const std::string ng_status = ng.GetString("status");
        if (success && op.kind == OpKind::kNodeGroupDelete &&
            ng.GetString("uuid") == op.nodegroup_uuid) {
          MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kNodeGroupTable, ById(ng.GetInt("id"))));
          continue;
        }
        Row ngc;
        ngc.Set("status", success ? st::CompleteOf(ng_status) : st::FailedOf(ng_status));
        if (success) {
          ngc.SetNull("status_reason");
        } else {
          ngc.Set("status_reason", reason);
        }
        ngc.Set("updated_at", now);
        if (success && op.kind == OpKind::kCreate && ng.IsNull("stack_id") && cluster &&
            !cluster->IsNull("stack_id")) {
          ngc.Set("stack_id", cluster->GetString("stack_id"));
        }
        if (success && op.kind == OpKind::kUpgrade && !op.template_image_id.empty()) {
          ngc.Set("image_id", op.template_image_id);
        }
        if (!success && (op.kind == OpKind::kUpdate || op.kind == OpKind::kResize) &&
            op.old_node_count >= 0 && ng.GetString("uuid") == op.nodegroup_uuid) {
          ngc.Set("node_count", op.old_node_count);
        }
        MAGNUM_RETURN_IF_ERROR(
            tx.Update(db::kNodeGroupTable,
                      ById(ng.GetInt("id")).Where(Condition::Eq("status", ng_status)), ngc));
      }
    } else {
      spdlog::warn("cluster {}: status is no longer {}; the end of {} is not recorded",
                   op.cluster_uuid, op.in_progress, op.name);
    }
    if (release_lock && op.lock_id != 0) {
      MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterLockTable, ById(op.lock_id)));
    }
    return {};
  }

  // ---- periodic ---------------------------------------------------------------------

  void RenewLeasesOnce() {
    std::vector<OpPtr> running;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [uuid, op] : ops) {
        if (op->lock_id != 0 && !op->control->finished.load()) running.push_back(op);
      }
    }
    for (const auto& op : running) {
      Row renew;
      renew.Set("lease_expires_at", LeaseExpiry());
      renew.Set("updated_at", Now());
      auto n = db->Update(db::kClusterLockTable,
                          ById(op->lock_id).Where(Condition::Eq("conductor_id", opt.host)), renew);
      if (!n) {  // the database is unreachable: keep working, retry at the next renewal
        spdlog::warn("cluster {}: cannot renew the lease of {}: {}", op->cluster_uuid, op->name,
                     n.error().message());
        continue;
      }
      if (*n == 1 || op->control->finished.load()) continue;
      // Taken over: a delete accepted by another conductor, or recovery after our lease
      // expired. Stop; the new owner records the outcome.
      op->control->Cancel(CancelReason::kSuperseded);
      events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kWarning,
                    "conductor " + opt.host + " lost the cluster lease (another conductor took "
                    "the cluster over); stopping the " + Label(op->name));
      spdlog::warn("cluster {}: lease of {} taken over; cancelling", op->cluster_uuid, op->name);
    }
  }

  void CheckDeadlines() {
    std::vector<OpPtr> due;
    const TimePoint now = clock->Now();
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [uuid, op] : ops) {
        if (op->control->deadline <= now && !op->control->finished.load()) due.push_back(op);
      }
    }
    for (const auto& op : due) {
      op->control->Cancel(CancelReason::kTimeout);
      if (op->control->MarkFinished()) FailTimeout(*op, /*release_lock=*/false);
    }
  }

  void TimerLoop() {
    using Steady = std::chrono::steady_clock;
    auto next_sync = Steady::now() + opt.status_sync_interval;
    auto next_health = Steady::now() + opt.health_poll_interval;
    const auto renew_every = std::max<Steady::duration>(opt.lease_ttl / 3, std::chrono::milliseconds(100));
    auto next_renew = Steady::now() + renew_every;
    std::unique_lock<std::mutex> lock(mu);
    while (!timer_stop) {
      auto wake = std::min({next_sync, next_health, next_renew});
      const TimePoint now = clock->Now();
      for (const auto& [uuid, op] : ops) {
        const TimePoint dl = op->control->deadline;
        if (dl == TimePoint::max() || op->control->finished.load()) continue;
        auto in = std::chrono::duration_cast<Steady::duration>(dl - now);
        wake = std::min(wake, Steady::now() + std::max(in, Steady::duration::zero()));
      }
      timer_cv.wait_until(lock, wake);
      if (timer_stop) break;
      lock.unlock();
      CheckDeadlines();
      if (Steady::now() >= next_renew) {
        RenewLeasesOnce();
        next_renew = Steady::now() + renew_every;
      }
      if (Steady::now() >= next_sync) {
        SyncStatusOnce();
        RecoverOnce(false);
        next_sync = Steady::now() + opt.status_sync_interval;
      }
      if (Steady::now() >= next_health) {
        PollHealthOnce();
        next_health = Steady::now() + opt.health_poll_interval;
      }
      lock.lock();
    }
  }

  Result<std::vector<Row>> ClustersWithStatus(const std::vector<std::string>& statuses) {
    std::vector<Value> v(statuses.begin(), statuses.end());
    db::ListQuery q;
    q.filter.Where(Condition::In("status", v));
    return db->List(db::kClusterTable, q);
  }

  void RecoverOnce(bool at_start) {
    auto clusters = ClustersWithStatus(st::InProgressStatuses());
    if (!clusters) {
      spdlog::warn("recovery: cannot list clusters: {}", clusters.error().message());
      return;
    }
    for (const auto& row : *clusters) {
      const std::string uuid = row.GetString("uuid");
      std::lock_guard<std::mutex> stripe(Stripe(uuid));
      if (HasOps(uuid)) continue;
      OpPtr resumed;
      std::string failed_reason;
      std::string project;
      auto r = db->Transaction([&](db::Database& tx) -> Result<void> {
        MAGNUM_ASSIGN_OR_RETURN(auto cluster, tx.GetOne(db::kClusterTable, ByUuid(uuid)));
        if (!cluster) return {};
        const std::string s = cluster->GetString("status");
        if (!st::IsInProgress(s)) return {};
        project = cluster->GetString("project_id");
        MAGNUM_ASSIGN_OR_RETURN(auto lock, tx.GetOne(db::kClusterLockTable, LockOf(uuid)));
        std::string owner = opt.host;
        std::string operation = OperationOfStatus(s);
        bool orphan = false;
        if (!lock) {
          std::string since = cluster->GetString("updated_at");
          if (since.empty()) since = cluster->GetString("created_at");
          TimePoint t;
          // The API inserts the row just before it calls ClusterCreate: give it a moment.
          const auto grace = at_start ? kLocklessGrace : opt.service_down_time;
          orphan = !ParseDbTimestamp(since, &t) || clock->Now() - t > grace;
        } else {
          owner = lock->GetString("conductor_id");
          if (!lock->GetString("operation").empty()) operation = lock->GetString("operation");
          if (owner == opt.host) {
            orphan = true;  // not running here (checked above): left by an earlier run
          } else {
            MAGNUM_ASSIGN_OR_RETURN(orphan, LockIsStale(tx, *lock));  // lease expired
          }
        }
        if (!orphan) return {};
        MAGNUM_ASSIGN_OR_RETURN(int64_t lock_id, TakeLock(tx, *cluster, operation, true));
        const auto kind = OperationNamed(operation);
        auto op = std::make_shared<Operation>(kind.value_or(OpKind::kUpdate));
        op->known_kind = kind.has_value();
        op->name = operation;
        op->cluster_uuid = uuid;
        op->cluster_name = ClusterDisplayName(*cluster);
        op->project_id = project;
        op->in_progress = s;
        op->lock_id = lock_id;
        if (s == st::kDeleteInProgress) {
          op->kind = OpKind::kDelete;
          op->name = OpName(OpKind::kDelete);
          resumed = op;
          return {};
        }
        failed_reason =
            "conductor " + owner + " stopped during " + operation + "; " +
            NextStep(op->kind, op->known_kind);
        bool removed = false;
        return WriteOutcomeTx(tx, *op, false, failed_reason, true, &removed);
      });
      if (!r) {
        spdlog::warn("recovery of cluster {}: {}", uuid, r.error().message());
        continue;
      }
      if (!failed_reason.empty()) {
        events.Append(uuid, project, "recovery", "", EventLevel::kError, failed_reason);
        spdlog::warn("cluster {}: {}", uuid, failed_reason);
      }
      if (resumed) {
        events.Append(uuid, project, "recovery", "", EventLevel::kWarning,
                      "resuming the delete interrupted by a conductor stop");
        spdlog::info("cluster {}: resuming delete", uuid);
        Register(resumed, false);
        Submit(resumed);
      }
    }
  }

  void SyncStatusOnce() {
    auto clusters = ClustersWithStatus(st::InProgressStatuses());
    if (!clusters) {
      spdlog::warn("status sync: cannot list clusters: {}", clusters.error().message());
      return;
    }
    for (const auto& row : *clusters) {
      const std::string uuid = row.GetString("uuid");
      // Only clusters nobody runs: no operation here, no lock row anywhere (a live owner
      // reports itself, a dead one is for recovery), and not just inserted by the API.
      auto unowned = [&]() -> bool {
        if (HasOps(uuid)) return false;
        auto lock = db->GetOne(db::kClusterLockTable, LockOf(uuid));
        return lock && !*lock;
      };
      std::string since = row.GetString("updated_at");
      if (since.empty()) since = row.GetString("created_at");
      TimePoint t;
      if (ParseDbTimestamp(since, &t) && clock->Now() - t < kLocklessGrace) continue;
      if (!unowned()) continue;
      std::string driver_name;
      auto state = LoadClusterState(*db, uuid, &driver_name);
      if (!state || !st::IsInProgress(state->status)) continue;
      auto driver = DriverFor(driver_name, state->cluster_template);
      if (!driver) continue;
      // The driver call runs without the cluster's stripe: accepts are never blocked on it.
      auto report = (*driver)->SyncStatus(*state);
      if (!report) {
        spdlog::warn("status sync of cluster {}: {}", uuid, report.error().message());
        continue;
      }
      using S = drivers::SyncReport::State;
      if (report->state == S::kUnchanged) continue;
      const std::string running = OperationOfStatus(state->status);
      Operation op(OperationNamed(running).value_or(OpKind::kUpdate));
      op.name = running;
      op.cluster_uuid = uuid;
      op.project_id = state->project_id;
      op.in_progress = state->status;
      bool success = report->state == S::kComplete ||
                     (report->state == S::kGone && state->status == st::kDeleteInProgress);
      std::string reason;
      if (success) {
        reason = Label(op.name) + " completed (status sync)";
      } else if (report->state == S::kGone) {
        reason = Label(op.name) + " failed (status sync): the cluster's resources are gone" +
                 (report->reason.empty() ? "" : ": " + report->reason);
      } else {
        reason = Label(op.name) + " failed (status sync)" +
                 (report->reason.empty() ? "" : ": " + report->reason);
      }
      std::lock_guard<std::mutex> stripe(Stripe(uuid));
      if (!unowned()) continue;                  // an operation started meanwhile
      WriteOutcome(op, success, reason, false);  // compare-and-set on the status read
    }
  }

  void PollHealthOnce() {
    auto clusters = ClustersWithStatus(st::HealthPollStatuses());
    if (!clusters) {
      spdlog::warn("health poll: cannot list clusters: {}", clusters.error().message());
      return;
    }
    for (const auto& row : *clusters) {
      const std::string uuid = row.GetString("uuid");
      drivers::StringMap labels = ParseStringMap(row.GetString("labels"));
      if (labels["auto_healing_enabled"] == "true" &&
          labels["auto_healing_controller"] == "magnum-auto-healer") {
        continue;  // that controller reports health itself
      }
      std::string driver_name;
      auto state = LoadClusterState(*db, uuid, &driver_name);
      if (!state) continue;
      auto driver = DriverFor(driver_name, state->cluster_template);
      if (!driver) continue;
      auto health = (*driver)->PollHealth(*state);
      if (!health) continue;  // the driver does no health polling
      if (!*health) {
        spdlog::info("health poll of cluster {}: {}", uuid, health->error().message());
        continue;
      }
      const std::string status(drivers::HealthStatusName((*health)->status));
      const std::string reason = StringMapToJson((*health)->reason);
      if (row.GetString("health_status") == status &&
          ParseStringMap(row.GetString("health_status_reason")) == (*health)->reason) {
        continue;
      }
      Row changes;
      changes.Set("health_status", status);
      changes.Set("health_status_reason", reason);
      changes.Set("updated_at", Now());
      if (auto u = db->Update(db::kClusterTable, ByUuid(uuid), changes); !u) {
        spdlog::warn("health poll of cluster {}: {}", uuid, u.error().message());
      }
    }
  }
};

// ---- ConductorService -----------------------------------------------------------------

ConductorService::ConductorService(ConductorDeps deps, ConductorOptions options)
    : impl_(std::make_unique<Impl>(std::move(deps), std::move(options))) {}

ConductorService::~ConductorService() { Stop(); }

Result<std::unique_ptr<ConductorService>> ConductorService::FromConfig(
    const config::Config& config, db::Database* db, const drivers::DriverRegistry* drivers,
    const Clock* clock) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyEncryptor encryptor,
                          ClusterCertificates::LoadEncryptor(config));
  ConductorDeps deps;
  deps.db = db;
  deps.drivers = drivers;
  deps.clock = clock;
  deps.certificates = std::make_unique<ClusterCertificates>(
      db, std::move(encryptor), certs::X509OptionsFromConfig(config), clock);
  return std::make_unique<ConductorService>(std::move(deps), ConductorOptionsFromConfig(config));
}

Result<void> ConductorService::Start() {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.started) return Fail(Error::Internal("ConductorService::Start called twice"));
    m.started = true;
  }
  m.heartbeat = std::make_unique<ServiceHeartbeat>(m.db, m.clock, m.opt.host, kConductorBinary,
                                                   m.opt.report_interval);
  m.heartbeat->Start();
  m.RecoverOnce(/*at_start=*/true);
  m.timer = std::thread([&m] { m.TimerLoop(); });
  spdlog::info("conductor {} started ({} workers)", m.opt.host, m.opt.workers);
  return {};
}

void ConductorService::Stop() {
  Impl& m = *impl_;
  std::vector<OpPtr> running;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.stopping) return;
    m.stopping = true;
    m.timer_stop = true;
    for (const auto& [uuid, op] : m.ops) running.push_back(op);
  }
  m.timer_cv.notify_all();
  if (m.timer.joinable()) m.timer.join();
  for (const auto& op : running) op->control->Cancel(CancelReason::kShutdown);
  m.runner.Stop(m.opt.stop_grace, [&m] {
    std::vector<OpPtr> overdue;
    {
      std::lock_guard<std::mutex> lock(m.mu);
      for (const auto& [uuid, op] : m.ops) overdue.push_back(op);
    }
    for (const auto& op : overdue) {
      if (op->control->MarkFinished()) m.FailShutdown(*op);
    }
  });
  if (m.heartbeat) m.heartbeat->Stop();
  spdlog::info("conductor {} stopped", m.opt.host);
}

Result<void> ConductorService::ClusterCreate(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kCreate);
  op->cluster_uuid = uuid;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false, [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kCreate, c));
        const std::string s = c.GetString("status");
        o.in_progress = s;
        const drivers::StringMap labels = ParseStringMap(c.GetString("labels"));
        auto it = labels.find("create_timeout_seconds");
        double seconds = 0;
        if (it != labels.end()) {
          char* end = nullptr;
          seconds = std::strtod(it->second.c_str(), &end);
          if (end == it->second.c_str() || !std::isfinite(seconds) || seconds < 0) seconds = 0;
        }
        if (seconds > 0) {
          o.control->deadline =
              m.clock->Now() + std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::duration<double>(seconds));
          o.timeout_text = it->second + " seconds (label create_timeout_seconds)";
        } else {
          const int64_t minutes = c.GetInt("create_timeout", 60);
          if (minutes > 0) {
            o.control->deadline = m.clock->Now() + std::chrono::minutes(minutes);
            o.timeout_text = std::to_string(minutes) + " minutes";
          }
        }
        Row touch;
        touch.Set("updated_at", m.Now());
        touch.SetNull("status_reason");
        MAGNUM_ASSIGN_OR_RETURN(
            int64_t n, tx.Update(db::kClusterTable,
                                 ByUuid(o.cluster_uuid).Where(Condition::Eq("status", s)), touch));
        if (n == 0) {
          return Fail(Error::Conflict("Cluster " + ClusterDisplayName(c) +
                                      " changed while the request was processed; try again."));
        }
        return true;
      });
}

Result<void> ConductorService::ClusterUpdate(const Caller& caller, const std::string& uuid,
                                             int64_t node_count, bool rollback) {
  auto op = std::make_shared<Operation>(OpKind::kUpdate);
  op->cluster_uuid = uuid;
  op->node_count = node_count;
  op->rollback = rollback;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false, [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kUpdate, c));
        const std::string s = c.GetString("status");
        MAGNUM_ASSIGN_OR_RETURN(Row worker, m.DefaultWorker(tx, c));
        if (worker.GetInt("node_count") == o.node_count) return false;  // nothing changes
        o.nodegroup_uuid = worker.GetString("uuid");
        o.nodegroup_name = worker.GetString("name");
        o.old_node_count = worker.GetInt("node_count");
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        Row ng;
        ng.Set("node_count", o.node_count);
        MAGNUM_RETURN_IF_ERROR(m.SetNodeGroupStatus(tx, worker, st::kUpdateInProgress, ng));
        return true;
      });
}

Result<void> ConductorService::ClusterResize(const Caller& caller, const std::string& uuid,
                                             const std::string& nodegroup_uuid, int64_t node_count,
                                             const std::vector<std::string>& nodes_to_remove) {
  auto op = std::make_shared<Operation>(OpKind::kResize);
  op->cluster_uuid = uuid;
  op->node_count = node_count;
  op->nodes_to_remove = nodes_to_remove;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false,
      [&m, nodegroup_uuid](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kResize, c));
        const std::string s = c.GetString("status");
        Row ng;
        if (nodegroup_uuid.empty()) {
          MAGNUM_ASSIGN_OR_RETURN(ng, m.DefaultWorker(tx, c));
        } else {
          MAGNUM_ASSIGN_OR_RETURN(auto found, m.FindNodeGroup(tx, o.cluster_uuid, nodegroup_uuid));
          if (!found)
            return Fail(Error::NotFound("Nodegroup " + nodegroup_uuid + " could not be found."));
          ng = *found;
        }
        o.nodegroup_uuid = ng.GetString("uuid");
        o.nodegroup_name = ng.GetString("name");
        o.old_node_count = ng.GetInt("node_count");
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        Row changes;
        changes.Set("node_count", o.node_count);
        MAGNUM_RETURN_IF_ERROR(m.SetNodeGroupStatus(tx, ng, st::kUpdateInProgress, changes));
        return true;
      });
}

Result<void> ConductorService::ClusterUpgrade(const Caller& caller, const std::string& uuid,
                                              const std::string& template_uuid,
                                              int64_t max_batch_size,
                                              const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kUpgrade);
  op->cluster_uuid = uuid;
  op->template_uuid = template_uuid;
  op->max_batch_size = max_batch_size < 1 ? 1 : max_batch_size;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false,
      [&m, nodegroup_uuid](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kUpgrade, c));
        const std::string s = c.GetString("status");
        MAGNUM_ASSIGN_OR_RETURN(auto target,
                                tx.GetOne(db::kClusterTemplateTable, ByUuid(o.template_uuid)));
        if (!target) {
          return Fail(
              Error::NotFound("ClusterTemplate " + o.template_uuid + " could not be found."));
        }
        o.template_image_id = target->GetString("image_id");
        drivers::TemplateState current;
        MAGNUM_ASSIGN_OR_RETURN(auto tmpl, tx.GetOne(db::kClusterTemplateTable,
                                                     ByUuid(c.GetString("cluster_template_id"))));
        if (tmpl) current = TemplateStateFromRow(*tmpl);
        MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver,
                                m.DriverFor(c.GetString("driver"), current));
        if (!driver->SupportsUpgrade()) {
          return Fail(Error::FailedPrecondition("Upgrading a cluster is not supported by the " +
                                                std::string(driver->name()) + " driver."));
        }
        std::vector<Row> targets;
        if (nodegroup_uuid.empty()) {
          db::ListQuery q;
          q.filter.Where(Condition::Eq("cluster_id", o.cluster_uuid));
          MAGNUM_ASSIGN_OR_RETURN(targets, tx.List(db::kNodeGroupTable, q));
        } else {
          MAGNUM_ASSIGN_OR_RETURN(auto found, m.FindNodeGroup(tx, o.cluster_uuid, nodegroup_uuid));
          if (!found)
            return Fail(Error::NotFound("Nodegroup " + nodegroup_uuid + " could not be found."));
          o.nodegroup_uuid = found->GetString("uuid");
          o.nodegroup_name = found->GetString("name");
          o.nodegroup_is_default = found->GetBool("is_default");
          targets.push_back(*found);
        }
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        for (const auto& ng : targets) {
          MAGNUM_RETURN_IF_ERROR(m.SetNodeGroupStatus(tx, ng, st::kUpdateInProgress));
        }
        return true;
      });
}

Result<void> ConductorService::ClusterDelete(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kDelete);
  op->cluster_uuid = uuid;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, /*take_over=*/true,
      [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kDelete, c));
        const std::string s = c.GetString("status");
        o.in_progress = st::kDeleteInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kDeleteInProgress));
        Row ng;
        ng.Set("status", std::string(st::kDeleteInProgress));
        ng.SetNull("status_reason");
        ng.Set("updated_at", m.Now());
        MAGNUM_RETURN_IF_ERROR(tx.Update(
            db::kNodeGroupTable, Filter().Where(Condition::Eq("cluster_id", o.cluster_uuid)), ng));
        return true;
      });
}

Result<void> ConductorService::NodeGroupCreate(const Caller& caller, const std::string& uuid,
                                               const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kNodeGroupCreate);
  op->cluster_uuid = uuid;
  op->nodegroup_uuid = nodegroup_uuid;
  Impl& m = *impl_;
  bool refused_by_state = false;
  auto r = m.Accept(
      caller, op, false,
      [&m, &refused_by_state](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(auto ng, m.FindNodeGroup(tx, o.cluster_uuid, o.nodegroup_uuid));
        if (!ng)
          return Fail(Error::NotFound("Nodegroup " + o.nodegroup_uuid + " could not be found."));
        o.nodegroup_name = ng->GetString("name");
        if (auto refusal = RefuseNodeGroupState(ClusterOperation::kNodeGroupCreate,
                                                ng->GetString("status"))) {
          return Fail(*refusal);
        }
        refused_by_state = true;
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kNodeGroupCreate, c));
        const std::string s = c.GetString("status");
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        return true;
      });
  // refused_by_state stays true when the transaction fails after the nodegroup checks
  // (busy, state, lock).
  if (!r && refused_by_state) {
    // The API inserted the row for us; a refused create leaves nothing behind (unless an
    // operation of ours is working on that very nodegroup).
    bool ours = false;
    {
      std::lock_guard<std::mutex> lock(m.mu);
      auto [b, e] = m.ops.equal_range(uuid);
      for (auto it = b; it != e; ++it) ours = ours || it->second->nodegroup_uuid == nodegroup_uuid;
    }
    if (!ours) {
      (void)m.db->Delete(db::kNodeGroupTable,
                         ByUuid(nodegroup_uuid)
                             .Where(Condition::Eq("cluster_id", uuid))
                             .Where(Condition::Eq("status", std::string(st::kCreateInProgress))));
    }
  }
  return r;
}

Result<void> ConductorService::NodeGroupUpdate(const Caller& caller, const std::string& uuid,
                                               const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kNodeGroupUpdate);
  op->cluster_uuid = uuid;
  op->nodegroup_uuid = nodegroup_uuid;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false, [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(auto ng, m.FindNodeGroup(tx, o.cluster_uuid, o.nodegroup_uuid));
        if (!ng)
          return Fail(Error::NotFound("Nodegroup " + o.nodegroup_uuid + " could not be found."));
        o.nodegroup_name = ng->GetString("name");
        MAGNUM_RETURN_IF_ERROR(
            CheckClusterState(tx, ClusterOperation::kNodeGroupUpdate, c, ng->GetString("status")));
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, c.GetString("status"), st::kUpdateInProgress));
        MAGNUM_RETURN_IF_ERROR(m.SetNodeGroupStatus(tx, *ng, st::kUpdateInProgress));
        return true;
      });
}

Result<void> ConductorService::NodeGroupDelete(const Caller& caller, const std::string& uuid,
                                               const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kNodeGroupDelete);
  op->cluster_uuid = uuid;
  op->nodegroup_uuid = nodegroup_uuid;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false, [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(auto ng, m.FindNodeGroup(tx, o.cluster_uuid, o.nodegroup_uuid));
        if (!ng)
          return Fail(Error::NotFound("Nodegroup " + o.nodegroup_uuid + " could not be found."));
        o.nodegroup_name = ng->GetString("name");
        if (ng->GetBool("is_default")) {
          return Fail(Error::FailedPrecondition("Deleting a default nodegroup is not supported."));
        }
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kNodeGroupDelete, c));
        const std::string s = c.GetString("status");
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        MAGNUM_RETURN_IF_ERROR(m.SetNodeGroupStatus(tx, *ng, st::kDeleteInProgress));
        return true;
      });
}

Result<std::string> ConductorService::GetCaCertificate(const Caller&, const std::string& uuid,
                                                       const std::string& ca_cert_type) {
  return impl_->certs->GetCaCertificate(uuid, ca_cert_type);
}

Result<std::string> ConductorService::SignCertificate(const Caller&, const std::string& uuid,
                                                      const std::string& csr_pem,
                                                      const std::string& ca_cert_type) {
  return impl_->certs->SignCsr(uuid, csr_pem, ca_cert_type);
}

Result<void> ConductorService::RotateCaCertificate(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kRotateCa);
  op->cluster_uuid = uuid;
  Impl& m = *impl_;
  return m.Accept(
      caller, op, false, [&m](db::Database& tx, const Row& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(auto tmpl, tx.GetOne(db::kClusterTemplateTable,
                                                     ByUuid(c.GetString("cluster_template_id"))));
        if (tmpl && tmpl->GetBool("tls_disabled")) {
          return Fail(Error::FailedPrecondition(
              "Rotating the CA certificate on a non-TLS cluster is not supported"));
        }
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kRotateCa, c));
        const std::string s = c.GetString("status");
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(m.CasCluster(tx, c, s, st::kUpdateInProgress));
        return true;
      });
}

Result<void> ConductorService::RotateCredential(const Caller& caller, const std::string& uuid) {
  Impl& m = *impl_;
  if (m.IsStopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  std::string driver_name;
  MAGNUM_ASSIGN_OR_RETURN(drivers::ClusterState state, LoadClusterState(*m.db, uuid, &driver_name));
  if (auto refusal = RefuseByState(ClusterOperation::kRotateCredential,
                                   state.name.empty() ? uuid : state.name, state.status, "")) {
    return Fail(*refusal);
  }
  MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver,
                          m.DriverFor(driver_name, state.cluster_template));
  const std::string project = state.project_id;
  auto control = std::make_shared<OperationControl>();
  OperationContextImpl ctx(std::move(state), "rotate_credential", control, m.db, &m.events,
                           m.certs.get(), m.clock);
  auto r = driver->RotateCredential(ctx);
  m.events.Append(uuid, project, "rotate_credential", "",
                  r ? EventLevel::kInfo : EventLevel::kWarning,
                  r ? std::string("cloud credential rotated")
                    : "credential rotation refused: " + r.error().message());
  spdlog::info("cluster {}: credential rotation (request {}): {}", uuid, caller.request_id,
               r ? "done" : r.error().message());
  return r;
}

Result<void> ConductorService::Ping() {
  if (impl_->IsStopping()) return Fail(Error::Unavailable("The conductor is stopping."));
  return {};
}

void ConductorService::RecoverOnce(bool at_start) { impl_->RecoverOnce(at_start); }
void ConductorService::SyncStatusOnce() { impl_->SyncStatusOnce(); }
void ConductorService::PollHealthOnce() { impl_->PollHealthOnce(); }
void ConductorService::RenewLeasesOnce() { impl_->RenewLeasesOnce(); }

bool ConductorService::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->idle_cv.wait_for(lock, timeout, [this] { return impl_->ops.empty(); });
}

size_t ConductorService::ActiveOperations() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->ops.size();
}

const std::string& ConductorService::host() const { return impl_->opt.host; }
ClusterCertificates& ConductorService::certificates() { return *impl_->certs; }

}  // namespace magnum::conductor
