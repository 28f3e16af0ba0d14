// AutoscalerTask: the built-in autoscaler (docs/autoscaling.md). Every [autoscaler]
// interval seconds, for this conductor's share of the clusters (FleetShare) that are settled
// (the *_COMPLETE statuses of the state table's set A) and have autoscaling enabled (the
// [autoscaler] enabled option and the cluster label auto_scaling_enabled), the task asks the
// cluster's driver for its scheduler's view (Driver::ObserveWorkload; a driver answering
// nullopt is not autoscaled by Magnum), decides for every non-master nodegroup in id order
// (DecideAutoscale, autoscale_decision.h) and applies the first change through the normal
// resize (ConductorApi::ClusterResize, with a system caller: admin, the cluster's project),
// so that state rules, lease, events, notifications and status are those of any resize. At
// most one change per cluster and pass: the resize makes the cluster busy, and the next pass
// after it looks again.
//
// Cluster events, step "autoscaler", none repeated pass after pass:
//   info     every accepted change, with its reason ("growing nodegroup ... : <reason>");
//   info     a refused resize (busy: another operation runs; or the status changed), once
//            until a resize is accepted or no change is wanted any more; the next pass tries
//            again;
//   warning  a hold (a task that can never fit, growth stopped by the maximum or by no
//            maximum), once per distinct hold and nodegroup;
//   warning  the driver could not observe the workload, once until it can again.
//
// State: per cluster, nodegroup and node, since when the node has been underused, and which
// of the events above were recorded (AutoscalerMemory, autoscaler_memory.h), in the
// cluster's autoscaler_state row (schema migration 6), the only copy: every pass reads it
// and writes it back when it changed. A conductor restart or another conductor of the fleet
// taking the cluster over carries on where the last pass left off. A cluster leaving the
// settled statuses (during any operation, including the autoscaler's own resizes),
// autoscaling being turned off, its driver not autoscaling or the cluster being deleted
// forget it (the row is deleted: by the pass of the conductor whose share the cluster is),
// so the cool-down starts over and a node is never removed early.
//
// Thread-safe: passes are serialised.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/conductor/autoscaler_memory.h"
#include "magnum/conductor/periodic_tasks.h"

namespace magnum::conductor {

struct ConductorCore;
class ConductorApi;

class AutoscalerTask final : public PeriodicTask {
 public:
  // `conductor` receives the resizes (the ConductorService that owns `core`); both outlive
  // the task.
  AutoscalerTask(ConductorCore* core, ConductorApi* conductor)
      : core_(core), conductor_(conductor) {}
  std::string_view name() const override { return "autoscaler"; }
  // One pass over this conductor's share (nothing when [autoscaler] enabled is false or the
  // conductor is stopping).
  void RunOnce() override;

  enum class Outcome {
    kSkipped,    // not settled, gone, not enabled, or its driver does not autoscale
    kUnchanged,  // observed and decided: nothing to change (or the workload unreadable)
    kResized,    // a resize was accepted
    kRefused,    // the resize was refused (busy); tried again on the next pass
  };
  // One cluster, whatever the fleet share.
  Outcome AutoscaleCluster(const std::string& uuid);

 private:
  Outcome Autoscale(const std::string& uuid);  // pass_mu_ held
  // The stored form of the cluster's memory ("" = no row).
  Result<std::string> LoadMemory(const std::string& uuid);
  // Writes `memory` when its stored form differs from `stored` (deletes the row when there
  // is nothing to remember). Failures are logged: the next pass reads the older row.
  void SaveMemory(const std::string& uuid, const AutoscalerMemory& memory,
                  const std::string& stored);
  void ForgetMemory(const std::string& uuid);  // deletes the row, if there is one
  void DeleteMemory(const std::string& uuid);  // deletes the row (known to be there)

  ConductorCore* const core_;
  ConductorApi* const conductor_;
  std::mutex pass_mu_;  // serialises passes
};

}  // namespace magnum::conductor
