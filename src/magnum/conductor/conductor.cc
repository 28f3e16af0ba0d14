// ConductorService: the accept functions of each operation (checks and first transition,
// run by AcceptPhase inside its transaction), the service's lifecycle, and the wiring of
// the parts (conductor_core.h lists them).
#include "magnum/conductor/conductor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "magnum/certs/x509.h"
#include "magnum/clients/keystone_trusts.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/accept.h"
#include "magnum/conductor/autoscaler_task.h"
#include "magnum/conductor/certificates.h"
#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/cluster_trust.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/containers.h"
#include "magnum/conductor/heartbeat.h"
#include "magnum/conductor/operation_executor.h"
#include "magnum/conductor/outcome.h"
#include "magnum/conductor/periodic_tasks.h"
#include "magnum/conductor/reconcile_task.h"
#include "magnum/conductor/state_table.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "magnum/objects/mappers.h"
#include "magnum/rpc/notifier.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using objects::Cluster;
using objects::ClusterStatus;
using objects::ClusterTemplate;
using objects::NodeGroup;
namespace st = status;

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
  o.container_limits.execute_timeout =
      std::chrono::seconds(std::max(1, config.containers_execute_timeout));
  o.container_limits.max_output_bytes =
      static_cast<size_t>(std::max(1, config.containers_max_output_bytes));
  o.max_containers_per_project = std::max(0, config.max_containers_per_project);
  if (config.conductor_reconcile_enabled) {
    o.reconcile_interval = std::chrono::seconds(std::max(1, config.conductor_reconcile_interval));
  }
  o.autoscaler.enabled = config.autoscaler_enabled;
  o.autoscaler.interval =
      std::chrono::milliseconds(std::max<int64_t>(100, config.autoscaler_interval_ms));
  o.autoscaler.scale_down_cooldown =
      std::chrono::milliseconds(std::max<int64_t>(0, config.autoscaler_scale_down_cooldown_ms));
  o.autoscaler.scale_down_utilization_threshold =
      std::clamp(config.autoscaler_scale_down_utilization_threshold, 0.0, 1.0);
  o.autoscaler.pending_grace =
      std::chrono::milliseconds(std::max<int64_t>(0, config.autoscaler_pending_grace_ms));
  return o;
}

struct ConductorService::Impl {
  Impl(ConductorDeps d, ConductorOptions o, ConductorApi* self)
      : core(std::move(d), std::move(o)),
        lease(&core),
        outcome(&core),
        executor(&core),
        accept(&core),
        recovery(&core),
        sync(&core),
        health(&core),
        renewal(&core),
        deadlines(&core),
        reconcile(&core),
        autoscaler(&core, self),
        containers(core.db, core.clock,
                   ContainerServiceOptions{core.opt.container_limits,
                                           core.opt.max_containers_per_project}) {
    core.lease = &lease;
    core.outcome = &outcome;
    core.executor = &executor;
    core.health = &health;
  }

  ConductorCore core;
  ClusterLease lease;
  OutcomeWriter outcome;
  OperationExecutor executor;
  AcceptPhase accept;
  RecoveryTask recovery;
  StatusSyncTask sync;
  HealthPollTask health;
  LeaseRenewalTask renewal;
  DeadlineTask deadlines;
  ReconcileTask reconcile;
  AutoscalerTask autoscaler;
  ContainerService containers;
  std::unique_ptr<ServiceHeartbeat> heartbeat;
  std::unique_ptr<HeartbeatTask> heartbeat_task;
};

ConductorService::ConductorService(ConductorDeps deps, ConductorOptions options) {
  std::shared_ptr<ContainerEngine> engine = std::move(deps.container_engine);
  impl_ = std::make_unique<Impl>(std::move(deps), std::move(options), this);
  impl_->containers.SetEngine(std::move(engine));
}

ConductorService::~ConductorService() { Stop(); }

Result<std::unique_ptr<ConductorService>> ConductorService::FromConfig(
    const config::Config& config, db::Database* db, const drivers::DriverRegistry* drivers,
    const Clock* clock, std::shared_ptr<clients::TrustManager> trusts) {
  MAGNUM_ASSIGN_OR_RETURN(certs::KeyEncryptor encryptor,
                          ClusterCertificates::LoadEncryptor(config));
  ConductorDeps deps;
  deps.db = db;
  deps.drivers = drivers;
  deps.clock = clock;
  deps.certificates = std::make_unique<ClusterCertificates>(
      db, std::move(encryptor), certs::X509OptionsFromConfig(config), clock);
  MAGNUM_ASSIGN_OR_RETURN(deps.notifier, rpc::OpenNotifier(config));
  deps.trusts = std::move(trusts);
  return std::make_unique<ConductorService>(std::move(deps), ConductorOptionsFromConfig(config));
}

Result<void> ConductorService::Start(const std::function<Result<void>()>& serve) {
  Impl& i = *impl_;
  ConductorCore& m = i.core;
  if (!m.registry.BeginStart()) {
    return Fail(Error::Internal("ConductorService::Start called twice"));
  }
  i.heartbeat = std::make_unique<ServiceHeartbeat>(m.db, m.clock, m.opt.host, kConductorBinary,
                                                   m.opt.report_interval);
  i.heartbeat_task = std::make_unique<HeartbeatTask>(i.heartbeat.get());
  i.recovery.Recover(/*at_start=*/true);
  const auto renew_every =
      std::max<std::chrono::milliseconds>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              m.opt.lease_ttl / 3),
                                          std::chrono::milliseconds(100));
  m.scheduler.Every(m.opt.report_interval, [&i] { i.heartbeat_task->RunOnce(); });
  m.scheduler.Every(renew_every, [&i] { i.renewal.RunOnce(); });
  // Status sync (with recovery) and health polling call drivers, which may take long: the
  // scheduler only queues them on the worker pool, so heartbeats, lease renewals and
  // deadlines never wait behind them.
  m.scheduler.Every(m.opt.status_sync_interval, [&i] {
    i.core.RunOnPool("periodic:status_sync", [&i] {
      i.sync.RunOnce();
      i.recovery.RunOnce();
    });
  });
  m.scheduler.Every(m.opt.health_poll_interval, [&i] {
    i.core.RunOnPool("periodic:health_poll", [&i] { i.health.RunOnce(); });
  });
  if (m.opt.reconcile_interval.count() > 0) {
    // On a worker (a repair may wait for nodes), one pass at a time.
    m.scheduler.Every(m.opt.reconcile_interval, [&i] {
      i.core.RunOnPool("periodic:reconcile", [&i] { i.reconcile.RunOnce(); });
    });
  }
  if (m.opt.autoscaler.enabled && m.opt.autoscaler.interval.count() > 0) {
    // On a worker (observing a cluster's scheduler is a network call), one pass at a time.
    m.scheduler.Every(m.opt.autoscaler.interval, [&i] {
      i.core.RunOnPool("periodic:autoscaler", [&i] { i.autoscaler.RunOnce(); });
    });
  }
  if (m.opt.run_timer_thread) m.scheduler.Start();
  if (serve) MAGNUM_RETURN_IF_ERROR(serve());
  i.heartbeat_task->RunOnce();
  spdlog::info("conductor {} started ({} workers)", m.opt.host, m.opt.workers);
  return {};
}

void ConductorService::Stop() {
  Impl& i = *impl_;
  ConductorCore& m = i.core;
  if (!m.registry.BeginStop()) return;
  m.scheduler.Stop();
  i.executor.StopAll();
  m.runner.Stop(m.opt.stop_grace, [&i] { i.executor.AbandonRunning(); });
  spdlog::info("conductor {} stopped", m.opt.host);
}

Result<void> ConductorService::ClusterCreate(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kCreate);
  op->cluster_uuid = uuid;
  ConductorCore& m = impl_->core;
  AcceptPhase& a = impl_->accept;
  if (m.registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  // The cluster's trust, when its driver uses one: Keystone calls, so before the accept
  // transaction; the caller's token is not kept past this point.
  MAGNUM_RETURN_IF_ERROR(EnsureClusterTrust(m, caller, uuid));
  Caller without_token = caller;
  without_token.auth_token.clear();
  return a.Accept(
      without_token, op, false,
      [&m](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kCreate, c));
        o.in_progress = st::NameOf(c.status);
        const objects::StringMap labels = c.labels.value_or(objects::StringMap());
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
          const int64_t minutes = c.create_timeout.value_or(60);
          if (minutes > 0) {
            o.control->deadline = m.clock->Now() + std::chrono::minutes(minutes);
            o.timeout_text = std::to_string(minutes) + " minutes";
          }
        }
        Cluster touched = c;
        touched.updated_at = m.Now();
        touched.status_reason.reset();
        MAGNUM_ASSIGN_OR_RETURN(
            int64_t n,
            objects::Update(tx, ByUuid(o.cluster_uuid).Where(Condition::Eq("status", o.in_progress)),
                            c, touched));
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
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false, [&a](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kUpdate, c));
        MAGNUM_ASSIGN_OR_RETURN(NodeGroup worker, a.DefaultWorker(tx, c));
        const int64_t count = worker.node_count.value_or(0);
        if (count == o.node_count) return false;  // nothing changes
        o.nodegroup_uuid = worker.uuid;
        o.nodegroup_name = worker.name;
        o.old_node_count = count;
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        NodeGroup resized = worker;
        resized.node_count = o.node_count;
        MAGNUM_RETURN_IF_ERROR(
            a.SetNodeGroupStatus(tx, worker, ClusterStatus::kUpdateInProgress, &resized));
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
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false,
      [&a, nodegroup_uuid](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kResize, c));
        NodeGroup ng;
        if (nodegroup_uuid.empty()) {
          MAGNUM_ASSIGN_OR_RETURN(ng, a.DefaultWorker(tx, c));
        } else {
          MAGNUM_ASSIGN_OR_RETURN(ng, a.NodeGroupOf(tx, o.cluster_uuid, nodegroup_uuid));
        }
        o.nodegroup_uuid = ng.uuid;
        o.nodegroup_name = ng.name;
        o.old_node_count = ng.node_count.value_or(0);
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        NodeGroup resized = ng;
        resized.node_count = o.node_count;
        MAGNUM_RETURN_IF_ERROR(
            a.SetNodeGroupStatus(tx, ng, ClusterStatus::kUpdateInProgress, &resized));
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
  ConductorCore& m = impl_->core;
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false,
      [&m, &a, nodegroup_uuid](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kUpgrade, c));
        MAGNUM_ASSIGN_OR_RETURN(auto target,
                                objects::GetOne<ClusterTemplate>(tx, ByUuid(o.template_uuid)));
        if (!target) {
          return Fail(
              Error::NotFound("ClusterTemplate " + o.template_uuid + " could not be found."));
        }
        o.template_image_id = target->image_id.value_or("");
        MAGNUM_ASSIGN_OR_RETURN(drivers::TemplateState current, LoadTemplateState(tx, c));
        MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver,
                                m.DriverFor(c.driver.value_or(""), current));
        if (!driver->SupportsUpgrade()) {
          return Fail(Error::FailedPrecondition("Upgrading a cluster is not supported by the " +
                                                std::string(driver->name()) + " driver."));
        }
        std::vector<NodeGroup> targets;
        if (nodegroup_uuid.empty()) {
          db::ListQuery q;
          q.filter.Where(Condition::Eq("cluster_id", o.cluster_uuid));
          MAGNUM_ASSIGN_OR_RETURN(targets, objects::List<NodeGroup>(tx, q));
        } else {
          MAGNUM_ASSIGN_OR_RETURN(NodeGroup found,
                                  a.NodeGroupOf(tx, o.cluster_uuid, nodegroup_uuid));
          o.nodegroup_uuid = found.uuid;
          o.nodegroup_name = found.name;
          o.nodegroup_is_default = found.is_default.value_or(false);
          targets.push_back(std::move(found));
        }
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        for (const auto& ng : targets) {
          MAGNUM_RETURN_IF_ERROR(a.SetNodeGroupStatus(tx, ng, ClusterStatus::kUpdateInProgress));
        }
        return true;
      });
}

Result<void> ConductorService::ClusterDelete(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kDelete);
  op->cluster_uuid = uuid;
  ConductorCore& m = impl_->core;
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, /*take_over=*/true,
      [&m, &a](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kDelete, c));
        o.in_progress = st::kDeleteInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kDeleteInProgress));
        // Every nodegroup, whatever its status (no compare-and-set: the delete takes over).
        db::ListQuery q;
        q.filter.Where(Condition::Eq("cluster_id", o.cluster_uuid));
        MAGNUM_ASSIGN_OR_RETURN(auto ngs, objects::List<NodeGroup>(tx, q));
        for (const auto& ng : ngs) {
          NodeGroup deleting = ng;
          deleting.status = ClusterStatus::kDeleteInProgress;
          deleting.status_reason.reset();
          deleting.updated_at = m.Now();
          MAGNUM_RETURN_IF_ERROR(objects::Update(tx, ById(ng.id), ng, deleting));
        }
        return true;
      });
}

Result<void> ConductorService::NodeGroupCreate(const Caller& caller, const std::string& uuid,
                                               const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kNodeGroupCreate);
  op->cluster_uuid = uuid;
  op->nodegroup_uuid = nodegroup_uuid;
  ConductorCore& m = impl_->core;
  AcceptPhase& a = impl_->accept;
  bool refused_by_state = false;
  auto r = a.Accept(
      caller, op, false,
      [&a, &refused_by_state](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, a.NodeGroupOf(tx, o.cluster_uuid, o.nodegroup_uuid));
        o.nodegroup_name = ng.name;
        if (auto refusal = RefuseNodeGroupState(ClusterOperation::kNodeGroupCreate,
                                                st::NameOf(ng.status))) {
          return Fail(*refusal);
        }
        refused_by_state = true;
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kNodeGroupCreate, c));
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        return true;
      });
  // refused_by_state stays true when the transaction fails after the nodegroup checks
  // (busy, state, lock).
  if (!r && refused_by_state) {
    // The API inserted the row for us; a refused create leaves nothing behind (unless an
    // operation of ours is working on that very nodegroup).
    if (!m.registry.HasNodeGroupOperation(uuid, nodegroup_uuid)) {
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
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false, [&a](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, a.NodeGroupOf(tx, o.cluster_uuid, o.nodegroup_uuid));
        o.nodegroup_name = ng.name;
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kNodeGroupUpdate, c,
                                                 st::NameOf(ng.status)));
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        MAGNUM_RETURN_IF_ERROR(a.SetNodeGroupStatus(tx, ng, ClusterStatus::kUpdateInProgress));
        return true;
      });
}

Result<void> ConductorService::NodeGroupDelete(const Caller& caller, const std::string& uuid,
                                               const std::string& nodegroup_uuid) {
  auto op = std::make_shared<Operation>(OpKind::kNodeGroupDelete);
  op->cluster_uuid = uuid;
  op->nodegroup_uuid = nodegroup_uuid;
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false, [&a](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, a.NodeGroupOf(tx, o.cluster_uuid, o.nodegroup_uuid));
        o.nodegroup_name = ng.name;
        if (ng.is_default.value_or(false)) {
          return Fail(Error::FailedPrecondition("Deleting a default nodegroup is not supported."));
        }
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kNodeGroupDelete, c));
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        MAGNUM_RETURN_IF_ERROR(a.SetNodeGroupStatus(tx, ng, ClusterStatus::kDeleteInProgress));
        return true;
      });
}

Result<std::string> ConductorService::GetCaCertificate(const Caller&, const std::string& uuid,
                                                       const std::string& ca_cert_type) {
  return impl_->core.certs->GetCaCertificate(uuid, ca_cert_type);
}

Result<std::string> ConductorService::SignCertificate(const Caller&, const std::string& uuid,
                                                      const std::string& csr_pem,
                                                      const std::string& ca_cert_type) {
  return impl_->core.certs->SignCsr(uuid, csr_pem, ca_cert_type);
}

Result<void> ConductorService::RotateCaCertificate(const Caller& caller, const std::string& uuid) {
  auto op = std::make_shared<Operation>(OpKind::kRotateCa);
  op->cluster_uuid = uuid;
  AcceptPhase& a = impl_->accept;
  return a.Accept(
      caller, op, false, [&a](db::Database& tx, const Cluster& c, Operation& o) -> Result<bool> {
        MAGNUM_ASSIGN_OR_RETURN(drivers::TemplateState tmpl, LoadTemplateState(tx, c));
        if (tmpl.tls_disabled) {
          return Fail(Error::FailedPrecondition(
              "Rotating the CA certificate on a non-TLS cluster is not supported"));
        }
        MAGNUM_RETURN_IF_ERROR(CheckClusterState(tx, ClusterOperation::kRotateCa, c));
        o.in_progress = st::kUpdateInProgress;
        MAGNUM_RETURN_IF_ERROR(a.CasCluster(tx, c, ClusterStatus::kUpdateInProgress));
        return true;
      });
}

Result<void> ConductorService::RotateCredential(const Caller& caller, const std::string& uuid) {
  ConductorCore& m = impl_->core;
  if (m.registry.Stopping()) {
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
  if (impl_->core.registry.Stopping()) return Fail(Error::Unavailable("The conductor is stopping."));
  return {};
}

// ---- Containers (containers.h) ---------------------------------------------------------

Result<objects::Container> ConductorService::ContainerCreate(const Caller& caller,
                                                             const objects::Container& container) {
  if (impl_->core.registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  return impl_->containers.Create(caller, container);
}

Result<objects::Container> ConductorService::ContainerShow(const Caller& caller,
                                                           const std::string& uuid) {
  return impl_->containers.Show(caller, uuid);
}

Result<objects::Container> ConductorService::ContainerAct(const Caller& caller,
                                                          const std::string& uuid,
                                                          ContainerAction action) {
  if (impl_->core.registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  return impl_->containers.Act(caller, uuid, action);
}

Result<void> ConductorService::ContainerDelete(const Caller& caller, const std::string& uuid,
                                               bool force) {
  if (impl_->core.registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  return impl_->containers.Delete(caller, uuid, force);
}

Result<CommandOutput> ConductorService::ContainerLogs(const Caller& caller,
                                                      const std::string& uuid) {
  return impl_->containers.Logs(caller, uuid);
}

Result<CommandOutput> ConductorService::ContainerExecute(const Caller& caller,
                                                         const std::string& uuid,
                                                         const std::string& command) {
  if (impl_->core.registry.Stopping()) {
    return Fail(Error::Unavailable("The conductor is stopping; try again shortly."));
  }
  return impl_->containers.Execute(caller, uuid, command);
}

void ConductorService::SetContainerEngine(std::shared_ptr<ContainerEngine> engine) {
  impl_->containers.SetEngine(std::move(engine));
}

void ConductorService::RecoverOnce(bool at_start) { impl_->recovery.Recover(at_start); }
void ConductorService::SyncStatusOnce() { impl_->sync.RunOnce(); }
void ConductorService::PollHealthOnce() { impl_->health.RunOnce(); }
void ConductorService::ReconcileOnce() { impl_->reconcile.RunOnce(); }
void ConductorService::AutoscaleOnce() { impl_->autoscaler.RunOnce(); }
void ConductorService::RenewLeasesOnce() { impl_->renewal.RunOnce(); }
size_t ConductorService::RunDueTasks() { return impl_->core.scheduler.RunDue(); }

bool ConductorService::WaitIdle(std::chrono::milliseconds timeout) {
  // Periodic jobs on the pool may start operations (recovery): pool, operations, pool.
  ConductorCore& m = impl_->core;
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto left = [until] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(until - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration{}));
  };
  return m.runner.WaitIdle(left()) && m.registry.WaitIdle(left()) && m.runner.WaitIdle(left());
}

size_t ConductorService::ActiveOperations() const { return impl_->core.registry.Size(); }

const std::string& ConductorService::host() const { return impl_->core.opt.host; }
ClusterCertificates& ConductorService::certificates() { return *impl_->core.certs; }

}  // namespace magnum::conductor
