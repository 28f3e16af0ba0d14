// ConductorService: the conductor (api-v1.md §3). It implements ConductorApi, runs every
// long cluster operation through the cluster's driver and owns all status transitions.
//
// Accept phase (synchronous, on the caller's thread, a few milliseconds): under a
// per-cluster in-process mutex and inside one database transaction, checks the cluster's
// status (§3.2), writes the operation's first transition with a compare-and-set Update
// (the filter includes the expected status) and takes the cluster's row in table
// cluster_lock (conductor_id = our host). Refusals are errors:
//   * kFailedPrecondition: status not allowed, with the reference text
//     (`Updating a cluster when status is "CREATE_FAILED" is not supported.`);
//   * kConflict: `Cluster <name> is being deleted.` / `Cluster <name> is busy:
//     UPDATE_IN_PROGRESS (resize); try again when it finishes.`;
//   * kNotFound: no such cluster / nodegroup / template; kUnavailable: stopping.
// Delete is accepted from any status except DELETE_IN_PROGRESS; it cancels the running
// operation of the cluster (OperationContext::Cancelled() turns true) and runs after it.
//
// Run phase: a pool of `workers` threads runs operations as steps, one step per cluster at
// a time, clusters in parallel. A blocking driver runs the whole operation in one step; a
// resumable one (drivers/driver.h Advance) does a bounded piece per step and names when to
// poll again; between polls no thread is held (the next step waits on the scheduler) and
// the driver's progress record is persisted in the cluster's lock row. Every start, driver
// event/warning and end goes to table cluster_event; status_reason names the failing step
// and the error text. A create has a deadline (cluster.create_timeout minutes, 0 = none;
// the cluster label `create_timeout_seconds`, fractional, overrides it — a test and
// operations aid); at the deadline the create is cancelled and marked CREATE_FAILED, and
// whatever the driver returns later is discarded (facts it reports are still stored).
//
// Deleted clusters lose their rows: cluster, nodegroups, certificates, lock and events.
//
// Periodic tasks (periodic_tasks.h), on a Scheduler driven by the injected Clock: create
// deadlines; status sync every status_sync_interval for *_IN_PROGRESS clusters nobody runs
// (driver SyncStatus) plus orphan recovery; health polling every health_poll_interval; lease
// renewal every lease_ttl / 3; a heartbeat for ("magnum-conductor", host) every
// report_interval; reconciliation every reconcile_interval; the built-in autoscaler every
// autoscaler.interval (autoscaler_task.h).
//
// Restart recovery (Start, then periodically): every *_IN_PROGRESS cluster whose lock is
// absent (row older than a few seconds), ours, or whose lease expired (a lease-less row:
// whose owner's heartbeat is older than service_down_time) is taken over: an operation a
// resumable driver persisted resumes from its progress (its create deadline kept);
// DELETE_IN_PROGRESS runs the delete again; anything else becomes *_FAILED with
// `conductor <host> stopped during <operation>; <what to do next>`.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "magnum/conductor/conductor_api.h"
#include "magnum/rpc/notifier.h"

namespace magnum {
class Clock;
namespace db {
class Database;
}
namespace drivers {
class DriverRegistry;
}
namespace clients {
class TrustManager;
}
namespace config {
struct Config;
}
}  // namespace magnum

namespace magnum::conductor {

class ClusterCertificates;

// The built-in autoscaler (autoscaler_task.h, docs/autoscaling.md): [autoscaler] options.
struct AutoscalerOptions {
  bool enabled = true;  // false: no passes at all (the cluster label cannot turn it on)
  std::chrono::milliseconds interval{30'000};  // between two passes
  // How long a node must stay underused, without a break, before it is removed.
  std::chrono::milliseconds scale_down_cooldown{600'000};
  // Below this utilisation (the larger of reserved/capacity for CPU and memory, 0..1) a
  // node counts as underused; a node without a task always does.
  double scale_down_utilization_threshold = 0.5;
  // How long a task must have been pending for lack of resources before it makes a node.
  std::chrono::milliseconds pending_grace{10'000};
};

struct ConductorOptions {
  std::string host = "localhost";  // conductor_id in cluster_lock; host in magnum_service
  int workers = 4;                 // operations running at once
  std::chrono::milliseconds status_sync_interval{10'000};
  std::chrono::milliseconds health_poll_interval{60'000};
  std::chrono::milliseconds report_interval{10'000};
  std::chrono::milliseconds service_down_time{180'000};
  // At Stop(): how long running operations get to return after being cancelled before
  // their clusters are marked failed anyway.
  std::chrono::milliseconds stop_grace{5'000};
  // How long a cluster lease lasts without renewal. The owner renews the leases of its
  // running operations every lease_ttl / 3; a lease not renewed in time (its conductor died
  // or hangs) lets any conductor take the cluster over.
  std::chrono::milliseconds lease_ttl{30'000};
  // Between two reconciliation passes (ReconcileTask); 0 = none ([conductor]
  // reconcile_enabled = false).
  std::chrono::milliseconds reconcile_interval{0};
  // false: no scheduler thread; the caller runs due timers with RunDueTasks() (tests on a
  // ManualClock: simulated time, no sleeps).
  bool run_timer_thread = true;
  // Containers (containers.h): [containers] execute_timeout, max_output_bytes and
  // [quotas] max_containers_per_project.
  ContainerLimits container_limits;
  int64_t max_containers_per_project = 100;
  AutoscalerOptions autoscaler;
};

// [DEFAULT] host, [conductor] conductor_workers (0 = 4), periodic_interval_max,
// service_down_time, report_interval, [kubernetes] health_polling_interval, [containers]
// execute_timeout and max_output_bytes, [quotas] max_containers_per_project, [autoscaler].
ConductorOptions ConductorOptionsFromConfig(const config::Config& config);

struct ConductorDeps {
  db::Database* db = nullptr;                         // not owned; outlives the service
  const drivers::DriverRegistry* drivers = nullptr;   // not owned
  const Clock* clock = nullptr;                       // not owned
  std::unique_ptr<ClusterCertificates> certificates;  // owned
  // Cluster notifications (notifications.h); owned; nullptr = none.
  std::unique_ptr<rpc::Notifier> notifier;
  // Per-cluster Keystone trusts (clients/keystone_trusts.h); nullptr = none (noauth, or
  // [trust] not set): a create whose driver UsesTrust() is then refused.
  std::shared_ptr<clients::TrustManager> trusts;
  // The Docker Engines of the clusters, for /v1/containers (container_engine.h); nullptr =
  // none (every container call is refused with NoContainerEngine()). SetContainerEngine
  // may set it later.
  std::shared_ptr<ContainerEngine> container_engine;
};

class ConductorService final : public ConductorApi {
 public:
  ConductorService(ConductorDeps deps, ConductorOptions options);
  ~ConductorService() override;  // Stop()
  ConductorService(const ConductorService&) = delete;
  ConductorService& operator=(const ConductorService&) = delete;

  // Builds the service from the configuration (certificate key file, [x509] options) and
  // `trusts` (clients::TrustManagerFromConfig, the one the drivers were given; nullptr =
  // no trusts).
  static Result<std::unique_ptr<ConductorService>> FromConfig(
      const config::Config& config, db::Database* db, const drivers::DriverRegistry* drivers,
      const Clock* clock, std::shared_ptr<clients::TrustManager> trusts = nullptr);

  // Restart recovery, the scheduler thread, then `serve` (subscribing to the RPC topic),
  // and only then the first heartbeat: a conductor listed "up" already takes calls, so an
  // API that waits for it never gets "no server is listening". A failed `serve` fails the
  // start with nothing announced. Call once.
  Result<void> Start(const std::function<Result<void>()>& serve = {});
  // Refuses new operations and cancels the running ones. Operations a later conductor can
  // take up are left in progress: a resumable operation keeps its persisted record and its
  // lease is released (expired), a delete keeps its lock; what is left is marked failed
  // (`conductor <host> stopped during ...`). Waits up to stop_grace for running driver
  // calls, then joins every thread. Idempotent.
  void Stop();

  // ConductorApi.
  Result<void> ClusterCreate(const Caller& caller, const std::string& cluster_uuid) override;
  Result<void> ClusterUpdate(const Caller& caller, const std::string& cluster_uuid,
                             int64_t node_count, bool rollback) override;
  Result<void> ClusterResize(const Caller& caller, const std::string& cluster_uuid,
                             const std::string& nodegroup_uuid, int64_t node_count,
                             const std::vector<std::string>& nodes_to_remove) override;
  Result<void> ClusterUpgrade(const Caller& caller, const std::string& cluster_uuid,
                              const std::string& template_uuid, int64_t max_batch_size,
                              const std::string& nodegroup_uuid) override;
  Result<void> ClusterDelete(const Caller& caller, const std::string& cluster_uuid) override;
  Result<void> NodeGroupCreate(const Caller& caller, const std::string& cluster_uuid,
                               const std::string& nodegroup_uuid) override;
  Result<void> NodeGroupUpdate(const Caller& caller, const std::string& cluster_uuid,
                               const std::string& nodegroup_uuid) override;
  Result<void> NodeGroupDelete(const Caller& caller, const std::string& cluster_uuid,
                               const std::string& nodegroup_uuid) override;
  Result<std::string> GetCaCertificate(const Caller& caller, const std::string& cluster_uuid,
                                       const std::string& ca_cert_type) override;
  Result<std::string> SignCertificate(const Caller& caller, const std::string& cluster_uuid,
                                      const std::string& csr_pem,
                                      const std::string& ca_cert_type) override;
  Result<void> RotateCaCertificate(const Caller& caller, const std::string& cluster_uuid) override;
  Result<void> RotateCredential(const Caller& caller, const std::string& cluster_uuid) override;
  Result<void> Ping() override;
  Result<objects::Container> ContainerCreate(const Caller& caller,
                                             const objects::Container& container) override;
  Result<objects::Container> ContainerShow(const Caller& caller,
                                           const std::string& container_uuid) override;
  Result<objects::Container> ContainerAct(const Caller& caller, const std::string& container_uuid,
                                          ContainerAction action) override;
  Result<void> ContainerDelete(const Caller& caller, const std::string& container_uuid,
                               bool force) override;
  Result<CommandOutput> ContainerLogs(const Caller& caller,
                                      const std::string& container_uuid) override;
  Result<CommandOutput> ContainerExecute(const Caller& caller, const std::string& container_uuid,
                                         const std::string& command) override;

  // The engine container calls use from now on (nullptr: none, calls answer 503). Calls
  // already running finish with the one they started with.
  void SetContainerEngine(std::shared_ptr<ContainerEngine> engine);

  // One pass of each periodic task (the timer thread runs them; tests may call them).
  // A cluster left *_IN_PROGRESS without any lock row counts as orphaned once its row is
  // older than 5 s with `at_start`, else older than service_down_time (the API inserts the
  // row just before it calls ClusterCreate).
  void RecoverOnce(bool at_start = false);
  void SyncStatusOnce();
  void PollHealthOnce();
  // One reconciliation pass over the settled clusters (reconcile_task.h).
  void ReconcileOnce();
  // One pass of the built-in autoscaler over this conductor's share of the clusters
  // (autoscaler_task.h); a resize it starts runs in the background (WaitIdle waits for it).
  void AutoscaleOnce();
  // Renews the leases of this conductor's running operations; an operation whose lease was
  // taken over (a delete accepted by another conductor, or recovery after expiry) is
  // cancelled and will record nothing.
  void RenewLeasesOnce();
  // Runs every scheduled timer that is due on the clock (periodic tasks, deadlines, the
  // next poll of waiting operations); returns how many ran. With run_timer_thread false
  // this is the only way they run.
  size_t RunDueTasks();

  // Waits until no operation (nor the health poll queued when one ends) is queued or running
  // here; false on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout);
  // Operations accepted here and not finished yet.
  size_t ActiveOperations() const;

  const std::string& host() const;
  ClusterCertificates& certificates();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace magnum::conductor
