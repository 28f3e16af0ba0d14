// The conductor's periodic tasks, each a class with RunOnce() (ConductorService schedules
// them on its Scheduler; tests call RunOnce directly or advance a simulated clock):
//   RecoveryTask      (recovery_task.cc) clusters left *_IN_PROGRESS by a dead or stopped
//                     conductor: resumed or failed                  every status_sync_interval
//   StatusSyncTask    driver SyncStatus for *_IN_PROGRESS clusters nobody runs   same
//   HealthPollTask    driver PollHealth -> health_status(_reason)   every health_poll_interval
//                     (and of one cluster once an operation on it succeeded here)
//   LeaseRenewalTask  renews our leases; a lost one cancels its operation   lease_ttl / 3
//   HeartbeatTask     the ("magnum-conductor", host) service row    every report_interval
//   DeadlineTask      create deadlines (also scheduled at each deadline)
//   ReconcileTask     (reconcile_task.h) drift repairs of settled clusters  reconcile_interval
//   AutoscalerTask    (autoscaler_task.h) the built-in autoscaler   every [autoscaler] interval
// Thread-safe: each RunOnce may run on the scheduler thread or a test's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace magnum::objects {
struct Cluster;
}

namespace magnum::conductor {

struct ConductorCore;
class ServiceHeartbeat;

// The share of the clusters this conductor takes in a fleet-wide periodic pass (status
// sync, health polling, reconciliation) when several conductors run: the live ones
// (magnum_service rows of magnum-conductor heard from within service_down_time, not forced
// down; this one always) sorted by host, a cluster belonging to the one its UUID hashes to,
// so that each cluster is handled once per interval across the fleet. A conductor that dies
// leaves its share to the others once it is reported down. Taken once per pass.
class FleetShare {
 public:
  explicit FleetShare(ConductorCore& core);
  bool Mine(std::string_view cluster_uuid) const;

 private:
  std::string me_;
  std::vector<std::string> hosts_;
};

class PeriodicTask {
 public:
  virtual ~PeriodicTask() = default;
  virtual std::string_view name() const = 0;
  virtual void RunOnce() = 0;
};

class RecoveryTask final : public PeriodicTask {
 public:
  explicit RecoveryTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "recovery"; }
  void RunOnce() override { Recover(false); }
  // A cluster left *_IN_PROGRESS without any lock row counts as orphaned once its row is
  // older than 5 s with `at_start`, else older than service_down_time (the API inserts the
  // row just before it calls ClusterCreate).
  void Recover(bool at_start);

 private:
  void RecoverCluster(const std::string& uuid, bool at_start);
  ConductorCore* const core_;
};

class StatusSyncTask final : public PeriodicTask {
 public:
  explicit StatusSyncTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "status_sync"; }
  void RunOnce() override;

 private:
  ConductorCore* const core_;
};

class HealthPollTask final : public PeriodicTask {
 public:
  explicit HealthPollTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "health_poll"; }
  // This conductor's share (FleetShare) of the clusters in HealthPollStatuses().
  void RunOnce() override;
  // The cluster `uuid` alone when its status is one of HealthPollStatuses(), whoever's
  // share it is (an operation on it just succeeded here). Skipped like in RunOnce: labels
  // naming the auto-healer, a driver that does no health polling; errors are logged and
  // change nothing.
  void PollOne(const std::string& uuid);
  // Queues PollOne(uuid) on the worker pool (behind an earlier one of the cluster) and
  // returns: the end of an operation does not wait for the driver's health check.
  void PollSoon(const std::string& uuid);

 private:
  void Poll(const objects::Cluster& cluster);

  ConductorCore* const core_;
};

class LeaseRenewalTask final : public PeriodicTask {
 public:
  explicit LeaseRenewalTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "lease_renewal"; }
  void RunOnce() override;

 private:
  ConductorCore* const core_;
};

class HeartbeatTask final : public PeriodicTask {
 public:
  explicit HeartbeatTask(ServiceHeartbeat* heartbeat) : heartbeat_(heartbeat) {}
  std::string_view name() const override { return "heartbeat"; }
  void RunOnce() override;

 private:
  ServiceHeartbeat* const heartbeat_;
};

class DeadlineTask final : public PeriodicTask {
 public:
  explicit DeadlineTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "deadlines"; }
  void RunOnce() override;

 private:
  ConductorCore* const core_;
};

}  // namespace magnum::conductor
