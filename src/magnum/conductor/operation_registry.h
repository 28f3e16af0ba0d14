// The operations this conductor accepted and has not finished (cluster uuid -> operation),
// the stopping flag, and cancellation of a cluster's operations when a delete supersedes
// them. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "magnum/conductor/operation.h"

namespace magnum::conductor {

class OperationRegistry {
 public:
  // Registers `op`; with `supersede`, cancels the cluster's other operations (reason
  // kSuperseded). Returns those still unfinished.
  std::vector<OpPtr> Register(const OpPtr& op, bool supersede);
  // Forgets `op` (it finished); wakes WaitIdle.
  void Done(const OpPtr& op);

  bool Has(const std::string& cluster_uuid) const;
  // Whether an operation of the cluster acts on nodegroup `nodegroup_uuid`.
  bool HasNodeGroupOperation(const std::string& cluster_uuid,
                             const std::string& nodegroup_uuid) const;
  std::vector<OpPtr> Snapshot() const;
  size_t Size() const;
  bool WaitIdle(std::chrono::milliseconds timeout);

  // Refuses further work; false when already stopping.
  bool BeginStop();
  bool Stopping() const;
  // Marks the registry started; false when it was already.
  bool BeginStart();

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  // Guarded by mu_.
  bool started_ = false;
  bool stopping_ = false;
  std::multimap<std::string, OpPtr> ops_;
};

}  // namespace magnum::conductor
