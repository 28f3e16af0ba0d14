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
// State: per cluster, nodegroup and node, since when the node has been underused, in memory
// only. A conductor restart, a cluster moving to another conductor of the fleet, a cluster
// leaving the settled statuses (during any operation, including the autoscaler's own
// resizes) or autoscaling being turned off forget it: the cool-down starts over, so a node
// is never removed early.
//
// Thread-safe: passes are serialised.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "magnum/conductor/autoscale_decision.h"
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
  struct GroupMemory {
    AutoscaleState state;
    std::string hold_recorded;  // the hold last recorded as an event ("" = none)
  };
  struct ClusterMemory {
    std::map<std::string, GroupMemory> groups;  // by nodegroup uuid
    bool refusal_recorded = false;
    std::string observe_error_recorded;
  };

  Outcome Autoscale(const std::string& uuid);  // pass_mu_ held

  ConductorCore* const core_;
  ConductorApi* const conductor_;
  std::mutex pass_mu_;                           // serialises passes
  std::map<std::string, ClusterMemory> memory_;  // by cluster uuid; guarded by pass_mu_
};

}  // namespace magnum::conductor
