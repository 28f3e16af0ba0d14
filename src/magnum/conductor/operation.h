// Internal to the conductor: one accepted operation and the helpers every part shares
// (row filters, names, advice). Not part of the conductor's public interface.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/operation_context.h"
#include "magnum/conductor/state_table.h"
#include "magnum/db/record.h"

namespace magnum::rpc {
struct Notification;
}

namespace magnum::conductor {

using OpKind = ClusterOperation;
using CancelReason = OperationControl::CancelReason;

inline constexpr char kConductorBinary[] = "magnum-conductor";
// How old a lock-less *_IN_PROGRESS cluster must be to count as orphaned at start, or to be
// synced: the API inserts the row just before it calls ClusterCreate.
inline constexpr std::chrono::seconds kLocklessGrace{5};

inline const char* OpName(OpKind k) { return RuleOf(k).name.data(); }

// What the user should do after an operation was interrupted (the state table's advice;
// `known` false: a lock named an operation this build does not know).
std::string NextStep(OpKind k, bool known = true);
// "nodegroup_delete" -> "nodegroup delete".
std::string Label(const std::string& op_name);

db::Filter ByUuid(const std::string& uuid);
db::Filter ById(int64_t id);
db::Filter LockOf(const std::string& cluster_uuid);  // cluster_lock / cluster_event rows
std::vector<db::Value> InProgressValues();

// One accepted (or recovered) operation.
struct Operation {
  explicit Operation(OpKind k) : kind(k), name(OpName(k)) {}

  OpKind kind;
  bool known_kind = true;  // false: recovered from a lock naming an operation we do not know
  std::string name;        // lock row `operation` and event step
  std::string cluster_uuid;
  std::string cluster_name;
  std::string project_id;
  std::string in_progress;  // the cluster status written at acceptance
  std::string nodegroup_uuid;
  std::string nodegroup_name;
  bool nodegroup_is_default = false;
  int64_t node_count = 0;
  int64_t old_node_count = -1;  // -1 = nothing to restore
  std::vector<std::string> nodes_to_remove;
  std::string template_uuid;
  std::string template_image_id;
  int64_t max_batch_size = 1;
  bool rollback = false;
  std::string timeout_text;  // "60 minutes" or "0.5 seconds (label create_timeout_seconds)"
  int64_t lock_id = 0;
  // A live lease of another conductor this operation took over (a delete): that conductor
  // stops its operation when it finds the lease gone (its next renewal, or the end of its
  // running step) and leaves a handover marker (event_log.h); we wait for that marker, at
  // most until its lease expires. displaced_handovers: the markers it had left before.
  std::string displaced_owner;
  TimePoint displaced_until{};
  int64_t displaced_handovers = -1;
  bool fenced = false;  // its outcome was not written: another conductor holds the cluster
  // Set when the operation is left for a later conductor at a stop (a delete, or a
  // resumable operation): its lock row stays.
  std::atomic<bool> keep_lock{false};
  std::shared_ptr<OperationControl> control = std::make_shared<OperationControl>();
  Caller caller;  // who asked (empty: recovered or synced without a persisted caller)
  // The end's notification, prepared in the transaction that records the end and sent
  // once it committed (notifications.h); set and sent by the writer of the end only.
  std::shared_ptr<rpc::Notification> end_notice;

  // Run phase (operation_executor.cc). Only the step running at a time touches these.
  bool started = false;     // the start event was written
  bool prepared = false;    // certificates made, spec complete
  bool resumable = false;   // the driver advances it by polls (Driver::Resumable)
  bool resumed = false;     // recovered from a persisted operation
  bool waiting_announced = false;      // the wait for a displaced owner was announced
  drivers::Driver* driver = nullptr;   // set by the preparation
  drivers::OperationSpec spec;
  std::string progress;     // the driver's progress record, as persisted
  bool ca_rotated = false;  // rotate_ca: its new CA set is the cluster's (persisted in spec)

  std::mutex mu;
  std::shared_ptr<OperationContextImpl> ctx;  // guarded by mu
  std::string failed_step;  // guarded by mu; a step outside the driver (certificates, ...)
  bool in_step = false;     // guarded by mu: a worker runs a step of it now

  void SetFailedStep(const std::string& step) {
    std::lock_guard<std::mutex> lock(mu);
    failed_step = step;
  }
  // Between two steps (waiting for its next poll, or queued): marks it finished, so that no
  // further step runs. False while a step runs or when it already finished.
  bool FinishIfIdle() {
    std::lock_guard<std::mutex> lock(mu);
    return !in_step && control->MarkFinished();
  }
};

// The kind a driver is handed for an operation (ClusterUpdate runs as a resize).
drivers::OperationKind DriverKindOf(OpKind k);

using OpPtr = std::shared_ptr<Operation>;

}  // namespace magnum::conductor
