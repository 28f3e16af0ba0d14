// ReconcileTask: the periodic reconciliation of settled clusters (docs/conductor.md,
// "Reconciliation"). For each cluster in a *_COMPLETE state or UPDATE_FAILED whose driver
// reconciles (Driver::Reconciles), and on which no operation runs (no live lease, none in
// this process), the task takes the cluster's lease (operation "reconcile"), so that an
// operation asked for meanwhile is refused as busy (a delete takes the lease over and
// cancels the pass), calls Driver::Reconcile, and releases the lease. The driver's repairs
// are cluster events; a failed pass is a warning event and changes no status.
// Every [conductor] reconcile_interval seconds on a worker; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "magnum/conductor/periodic_tasks.h"

namespace magnum::conductor {

struct ConductorCore;

class ReconcileTask final : public PeriodicTask {
 public:
  explicit ReconcileTask(ConductorCore* core) : core_(core) {}
  std::string_view name() const override { return "reconcile"; }
  void RunOnce() override;
  // One cluster; false when it was left alone (busy, not settled, gone, or its driver does
  // not reconcile).
  bool ReconcileCluster(const std::string& uuid);

 private:
  ConductorCore* const core_;
};

}  // namespace magnum::conductor
