// Internal to the conductor: what its parts share (dependencies, options, the event log,
// the operation registry, the scheduler and worker pool, per-cluster stripes) and the
// parts themselves, wired by ConductorService:
//   accept.*             accept phase: state checks, first transition, lease, submit
//   cluster_lease.*      cluster_lock rows: take, renew, release, fence, staleness
//   operation_executor.* run phase: preparation, driver steps, polls, the end
//   outcome.*            terminal transitions and their texts
//   periodic_tasks.*     recovery, status sync, health, renewal, heartbeat, deadlines
//   reconcile_task.*     periodic reconciliation of settled clusters
//   autoscaler_task.*    the built-in autoscaler (decisions: autoscale_decision.*)
//   scheduler.*          the timer queue on the injected clock
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/conductor/conductor.h"
#include "magnum/conductor/event_log.h"
#include "magnum/conductor/notifications.h"
#include "magnum/conductor/operation_registry.h"
#include "magnum/conductor/operation_runner.h"
#include "magnum/conductor/scheduler.h"
#include "magnum/db/record.h"
#include "magnum/drivers/driver.h"
#include "magnum/objects/cluster.h"

namespace magnum::drivers {
class DriverRegistry;
}
namespace magnum::clients {
class TrustManager;
}

namespace magnum::conductor {

class ClusterCertificates;
class ClusterLease;
class HealthPollTask;
class OutcomeWriter;
class OperationExecutor;
class AcceptPhase;

struct ConductorCore {
  ConductorCore(ConductorDeps d, ConductorOptions o);

  db::Database* const db;
  const drivers::DriverRegistry* const drivers;
  const Clock* const clock;
  const std::unique_ptr<ClusterCertificates> certs;
  const std::shared_ptr<clients::TrustManager> trusts;  // nullptr = none
  const ConductorOptions opt;
  EventLog events;
  ClusterNotifications notices;  // operation start/end notifications
  OperationRegistry registry;
  Scheduler scheduler;
  OperationRunner runner;

  // The parts (owned by ConductorService, set before Start).
  ClusterLease* lease = nullptr;
  OutcomeWriter* outcome = nullptr;
  OperationExecutor* executor = nullptr;
  HealthPollTask* health = nullptr;  // polls a cluster once an operation on it succeeded

  // Accept/recovery/sync of one cluster are serialised by its stripe. Lock order: a
  // stripe before any other conductor mutex.
  std::mutex& Stripe(const std::string& uuid);
  std::string Now() const { return FormatDbTimestamp(clock->Now()); }
  // The clusters whose status is one of `statuses`.
  Result<std::vector<objects::Cluster>> ClustersWithStatus(
      const std::vector<std::string>& statuses) const;
  // Queues `job` on the worker pool under `key` unless a run of it is still queued or
  // running there (a periodic task that overran its interval is not piled up).
  void RunOnPool(const std::string& key, std::function<void()> job);
  // The cluster's driver: by name when the cluster row names one, else by the template.
  Result<drivers::Driver*> DriverFor(const std::string& cluster_driver,
                                     const drivers::TemplateState& t) const;

 private:
  std::array<std::mutex, 64> stripes_;
};

}  // namespace magnum::conductor
