// The end of an operation: the terminal transition of the cluster and its nodegroups
// (success, failure, timeout, interruption), written in one transaction with the lease
// release after the fencing check, and the texts users see in status_reason and events.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/conductor/operation.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

struct ConductorCore;

// The node count a nodegroup keeps after a failed resize from `old_count` towards
// `requested`: the number of nodes the driver last reported (`addresses`) when that lies
// between the two (a shrink or a grow that stopped part-way, or whose rollback left nodes),
// else `old_count` (no report, or one that cannot be about this resize).
int64_t NodeCountAfterFailedResize(int64_t old_count, int64_t requested,
                                   const std::optional<std::vector<std::string>>& addresses);

class OutcomeWriter {
 public:
  explicit OutcomeWriter(ConductorCore* core) : core_(core) {}

  // The terminal transition of `op`, in one transaction with the lock release. Logs and
  // records an event; database errors are logged.
  void Write(Operation& op, bool success, const std::string& reason, bool release_lock);
  // The same inside the caller's transaction. A delete's success removes the cluster's
  // rows (`removed` is set). When the lock row is no longer ours, writes nothing and sets
  // op.fenced.
  Result<void> WriteTx(db::Database& tx, Operation& op, bool success, const std::string& reason,
                       bool release_lock, bool* removed);

  void FailTimeout(Operation& op, bool release_lock) {
    Write(op, false, TimeoutReason(op), release_lock);
  }

  // "create started (timeout 60 minutes)", "resize started: nodegroup ...".
  std::string StartText(const Operation& op) const;
  std::string SuccessText(const Operation& op) const;
  // "<op> failed at step '<step>' (node <n>): <error>".
  std::string FailureReason(Operation& op, const Error& e) const;
  // "<op> timed out after <t>; last completed step '<step>'".
  std::string TimeoutReason(Operation& op) const;
  // "conductor <host> stopped during <op>; <advice>".
  std::string ShutdownReason(const Operation& op, const std::string& host) const;

 private:
  Result<void> RemoveClusterTx(db::Database& tx, const std::string& uuid, bool* removed);

  ConductorCore* const core_;
};

}  // namespace magnum::conductor
