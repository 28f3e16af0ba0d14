// The run phase: an accepted operation runs as a series of steps on the worker pool (one
// step of a cluster at a time, clusters in parallel). The first step prepares it (cluster
// snapshot, certificates for a create, the driver, the spec); every step then calls the
// driver's Advance() once. A blocking driver finishes in that one call; a resumable one
// answers "poll again after N ms", its progress record is persisted, and the next step is
// put on the scheduler: no thread is held in between. The end (success, failure, timeout,
// a delete superseding it, a stop) goes through OutcomeWriter. Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/conductor/operation.h"

namespace magnum::conductor {

struct ConductorCore;

class OperationExecutor {
 public:
  explicit OperationExecutor(ConductorCore* core) : core_(core) {}

  // Queues the next step of `op` behind the other work of its cluster.
  void Submit(const OpPtr& op);

  // A delete superseded `ops` (already cancelled): those waiting between two steps end now;
  // a running step ends when it returns.
  void EndSuperseded(const std::vector<OpPtr>& ops);
  // `op`'s deadline passed: it ends CREATE_FAILED now (a running driver call is abandoned;
  // whatever it returns later is discarded).
  void Expire(const OpPtr& op);
  // At Stop(): cancels every operation; those between steps end at once (left for the next
  // conductor, or failed: Interrupted()).
  void StopAll();
  // Called by the worker pool's stop for steps still running after the grace period.
  void AbandonRunning();

 private:
  void RunStep(const OpPtr& op);
  // The conductor `op` took the cluster from left a new handover marker (it stopped).
  bool DisplacedOwnerStopped(const Operation& op) const;
  // Cluster snapshot, certificates, driver, spec; an error names its step.
  Result<void> Prepare(Operation& op);
  Result<drivers::Step> Advance(Operation& op);
  void PersistProgress(Operation& op, const std::string& before);
  // Rewrites the persisted spec (a rotation's new CA set was saved).
  void PersistSpec(Operation& op);
  void Finish(const OpPtr& op, const Result<void>& r);
  void Dropped(const OpPtr& op);
  // The conductor stops while `op` runs: resumable operations (and deletes) are left for
  // the next conductor, the rest fail with the shutdown reason.
  void Interrupted(Operation& op);

  ConductorCore* const core_;
};

}  // namespace magnum::conductor
