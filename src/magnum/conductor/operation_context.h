// The conductor's implementation of drivers::OperationContext: what a driver sees of one
// running operation (cluster snapshot, event log, fact reports, cancellation, deadline,
// certificates from the cluster CA).
//
// Thread-safe: a driver may report from several threads of its own.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "magnum/common/clock.h"
#include "magnum/drivers/driver.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

class ClusterCertificates;
class EventLog;

// Cancellation state shared between the conductor and a running operation's context.
struct OperationControl {
  enum class CancelReason { kNone = 0, kSuperseded, kTimeout, kShutdown };

  std::atomic<bool> cancelled{false};
  std::atomic<CancelReason> reason{CancelReason::kNone};
  // Set once by whoever writes the operation's terminal state (the worker, or the
  // conductor at the deadline / at shutdown); the other side then discards its outcome.
  std::atomic<bool> finished{false};
  TimePoint deadline = TimePoint::max();  // immutable once the operation is submitted

  // Requests cancellation; the first reason sticks.
  void Cancel(CancelReason why) {
    CancelReason none = CancelReason::kNone;
    reason.compare_exchange_strong(none, why);
    cancelled.store(true);
  }
  // True for exactly one caller.
  bool MarkFinished() {
    bool expected = false;
    return finished.compare_exchange_strong(expected, true);
  }
};

class OperationContextImpl final : public drivers::OperationContext {
 public:
  // Every pointer must outlive the context. `operation` names the operation in events.
  OperationContextImpl(drivers::ClusterState cluster, std::string operation,
                       std::shared_ptr<OperationControl> control, db::Database* db,
                       EventLog* events, ClusterCertificates* certificates, const Clock* clock);

  const drivers::ClusterState& cluster() const override { return cluster_; }
  void Event(std::string_view step, std::string_view message, std::string_view node) override;
  void Warning(std::string_view step, std::string_view message, std::string_view node) override;
  Result<void> Report(const drivers::ClusterReport& report) override;
  Result<void> ReportNodeGroup(const drivers::NodeGroupReport& report) override;
  bool Cancelled() const override;
  TimePoint Deadline() const override { return control_->deadline; }
  TimePoint Now() const override { return clock_->Now(); }
  Result<drivers::IssuedCertificate> IssueServerCertificate(
      const std::string& common_name, const std::vector<std::string>& dns_sans,
      const std::vector<std::string>& ip_sans) override;
  // Issued once per operation and name (a resumable driver asks again at every poll; the
  // cluster's CA does not change while the operation holds the cluster).
  Result<drivers::IssuedCertificate> IssueClientCertificate(
      const std::string& common_name, const std::string& organization) override;
  Result<drivers::IssuedCertificate> ClusterCa() override;

  // Where the operation was when it failed: the step (and node) of the last warning, else
  // of the last event; empty when the driver recorded neither.
  struct StepInfo {
    std::string step;
    std::string node;
  };
  StepInfo FailingStep() const;
  // The step (and node) of the last info event (what completed last).
  StepInfo LastCompletedStep() const;

 private:
  const drivers::ClusterState cluster_;
  const std::string operation_;
  const std::shared_ptr<OperationControl> control_;
  db::Database* const db_;
  EventLog* const events_;
  ClusterCertificates* const certificates_;
  const Clock* const clock_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  StepInfo last_event_;
  StepInfo last_warning_;
  bool warned_ = false;
  std::map<std::pair<std::string, std::string>, drivers::IssuedCertificate> client_certs_;
};

}  // namespace magnum::conductor
