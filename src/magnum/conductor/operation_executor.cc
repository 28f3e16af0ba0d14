#include "magnum/conductor/operation_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "magnum/conductor/certificates.h"
#include "magnum/conductor/cluster_lease.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation_record.h"
#include "magnum/conductor/outcome.h"
#include "magnum/conductor/periodic_tasks.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

// How often a delete that displaced another conductor's live lease looks again whether
// that lease ran out.
constexpr std::chrono::milliseconds kDisplacedPoll{50};

}  // namespace

void OperationExecutor::Submit(const OpPtr& op) {
  bool queued = core_->runner.Submit(
      op->cluster_uuid, [this, op] { RunStep(op); }, [this, op] { Dropped(op); });
  if (!queued) Dropped(op);
}

void OperationExecutor::RunStep(const OpPtr& op) {
  OperationControl& c = *op->control;
  bool ended = false;
  {
    std::lock_guard<std::mutex> lock(op->mu);
    ended = c.finished.load();
    if (!ended) op->in_step = true;
  }
  if (ended) {  // ended (deadline, shutdown, superseded) while it waited for this step
    core_->lease->Release(*op);
    core_->registry.Done(op);
    return;
  }
  if (!op->started) {
    if (c.cancelled.load() && c.reason.load() == CancelReason::kSuperseded) {
      c.MarkFinished();
      core_->events.AppendHandover(op->cluster_uuid, op->project_id, core_->opt.host,
                                   op->name + " cancelled before it started on conductor " +
                                       core_->opt.host + ": the cluster is being deleted");
      core_->registry.Done(op);
      return;
    }
    if (!op->resumed) {
      core_->events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                           core_->outcome->StartText(*op));
    }
    op->started = true;
  }
  // A delete that took over another conductor's live lease waits (without a thread) until
  // that conductor noticed and stopped, at most until its lease expires.
  if (!op->displaced_owner.empty()) {
    if (!op->waiting_announced) {
      op->waiting_announced = true;
      core_->events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                           "waiting for conductor " + op->displaced_owner +
                               " to stop its operation on the cluster (at most until its "
                               "lease expires)");
    }
    const TimePoint now = core_->clock->Now();
    if (now < op->displaced_until && !c.cancelled.load() && !DisplacedOwnerStopped(*op)) {
      {
        std::lock_guard<std::mutex> lock(op->mu);
        op->in_step = false;
      }
      core_->scheduler.At(std::min<TimePoint>(op->displaced_until, now + kDisplacedPoll),
                          [this, op] { Submit(op); });
      return;
    }
    op->displaced_owner.clear();
  }
  Result<drivers::Step> r = drivers::Step::Done();
  if (!op->prepared) {
    if (auto p = Prepare(*op); !p) r = Fail(p.error());
  }
  if (r && op->prepared) r = Advance(*op);
  if (r && !r->done) {
    if (!c.cancelled.load()) {
      {
        std::lock_guard<std::mutex> lock(op->mu);
        op->in_step = false;
      }
      if (r->after.count() <= 0) {
        Submit(op);  // at once, behind the cluster's other work
      } else {
        core_->scheduler.At(
            core_->clock->Now() + std::chrono::duration_cast<std::chrono::microseconds>(r->after),
            [this, op] { Submit(op); });
      }
      return;
    }
    r = Fail(Error::Unavailable("operation cancelled between two polls"));
  }
  Finish(op, r ? Result<void>() : Result<void>(Fail(r.error())));
  core_->registry.Done(op);
}

Result<void> OperationExecutor::Prepare(Operation& op) {
  std::string driver_name;
  auto state = LoadClusterState(*core_->db, op.cluster_uuid, &driver_name);
  if (!state) {
    op.SetFailedStep("load");
    return Fail(state.error());
  }
  // A resumed create whose driver already started has its certificates; a rotation
  // records in its persisted spec that its new set is the cluster's (made once).
  const bool certs_made = op.kind == OpKind::kRotateCa ? op.ca_rotated
                                                       : op.resumed && !op.progress.empty();
  if ((op.kind == OpKind::kCreate || op.kind == OpKind::kRotateCa) && !certs_made) {
    auto refs = core_->certs->GenerateAndSave(
        {state->uuid, state->name, state->project_id, state->user_id});
    if (!refs) {
      op.SetFailedStep("certificates");
      return Fail(refs.error());
    }
    core_->events.Append(op.cluster_uuid, op.project_id, "certificates", "", EventLevel::kInfo,
                         "cluster CA, etcd CA, front-proxy CA and Magnum client certificate "
                         "generated");
    if (op.kind == OpKind::kRotateCa) {
      op.ca_rotated = true;
      PersistSpec(op);
    }
    if (op.control->cancelled.load()) {
      op.SetFailedStep("certificates");
      return Fail(Error::Unavailable("operation cancelled before the driver ran"));
    }
  }
  auto driver = core_->DriverFor(driver_name, state->cluster_template);
  if (!driver) {
    op.SetFailedStep("driver");
    return Fail(driver.error());
  }
  drivers::OperationSpec& spec = op.spec;
  spec.kind = DriverKindOf(op.kind);
  spec.nodegroup_uuid = op.nodegroup_uuid;
  spec.node_count = op.node_count;
  spec.nodes_to_remove = op.nodes_to_remove;
  spec.max_batch_size = op.max_batch_size;
  if (op.kind == OpKind::kUpgrade) {
    auto t = objects::GetOne<objects::ClusterTemplate>(*core_->db, ByUuid(op.template_uuid));
    if (!t) return Fail(t.error());
    if (!*t) {
      op.SetFailedStep("template");
      return Fail(Error::NotFound("ClusterTemplate " + op.template_uuid + " could not be found."));
    }
    spec.target = TemplateStateOf(**t);
  }
  if (op.kind == OpKind::kRotateCredential) {
    return Fail(Error::Internal("unknown operation " + op.name));
  }
  auto ctx = std::make_shared<OperationContextImpl>(std::move(*state), op.name, op.control,
                                                    core_->db, &core_->events, core_->certs.get(),
                                                    core_->clock);
  {
    std::lock_guard<std::mutex> lock(op.mu);
    op.ctx = ctx;
  }
  op.driver = *driver;
  op.resumable = Resumes(*op.driver, op.kind);
  op.prepared = true;
  return {};
}

Result<drivers::Step> OperationExecutor::Advance(Operation& op) {
  std::shared_ptr<OperationContextImpl> ctx;
  {
    std::lock_guard<std::mutex> lock(op.mu);
    ctx = op.ctx;
  }
  const std::string before = op.progress;
  auto r = op.driver->Advance(*ctx, op.spec, op.progress);
  if (op.resumable) PersistProgress(op, before);
  return r;
}

void OperationExecutor::PersistSpec(Operation& op) {
  if (!op.resumable || op.lock_id == 0) return;
  objects::ClusterLock changes;
  changes.spec = PersistedLock(op).spec;
  auto held = core_->lease->UpdateHeld(op, std::move(changes));
  if (!held) {
    spdlog::warn("cluster {}: cannot persist the spec of {}: {}", op.cluster_uuid, op.name,
                 held.error().message());
  }
}

void OperationExecutor::PersistProgress(Operation& op, const std::string& before) {
  if (op.progress == before || op.lock_id == 0) return;
  objects::ClusterLock changes;
  changes.progress = op.progress;
  auto held = core_->lease->UpdateHeld(op, std::move(changes));
  if (!held) {
    spdlog::warn("cluster {}: cannot persist the progress of {}: {}", op.cluster_uuid, op.name,
                 held.error().message());
  } else if (!*held) {
    op.control->Cancel(CancelReason::kSuperseded);  // another conductor holds the cluster
  }
}

void OperationExecutor::Finish(const OpPtr& op, const Result<void>& r) {
  OperationControl& c = *op->control;
  if (c.deadline != TimePoint::max() && core_->clock->Now() >= c.deadline) {
    c.Cancel(CancelReason::kTimeout);
  }
  if (!c.MarkFinished()) {
    core_->events.Append(op->cluster_uuid, op->project_id, op->name, "", EventLevel::kInfo,
                         "the driver returned after the " + Label(op->name) + " had ended (" +
                             (r ? std::string("success") : r.error().message()) +
                             "); result discarded");
    core_->lease->Release(*op);
    return;
  }
  const CancelReason why = c.cancelled.load() ? c.reason.load() : CancelReason::kNone;
  if (why == CancelReason::kSuperseded) {
    // A handover marker: a delete another conductor accepted waits for it (event_log.h).
    core_->events.AppendHandover(op->cluster_uuid, op->project_id, core_->opt.host,
                                 op->name + " stopped on conductor " + core_->opt.host +
                                     ": the cluster is being deleted" +
                                     (r ? std::string() : " (" + r.error().message() + ")"));
    return;  // the delete owns the cluster and its lock now
  }
  if (why == CancelReason::kTimeout) {
    core_->outcome->FailTimeout(*op, /*release_lock=*/true);
    return;
  }
  if (why == CancelReason::kShutdown && !r) {
    Interrupted(*op);
    return;
  }
  if (r) {
    core_->outcome->Write(*op, true, core_->outcome->SuccessText(*op), true);
    // A poll that ran while the operation changed the cluster (nodes still joining) may
    // have left an unhealthy health_status: look again now rather than an interval later.
    if (op->kind != OpKind::kDelete && !op->fenced && core_->health) {
      core_->health->PollSoon(op->cluster_uuid);
    }
  } else {
    core_->outcome->Write(*op, false, core_->outcome->FailureReason(*op, r.error()), true);
  }
}

void OperationExecutor::Dropped(const OpPtr& op) {
  if (op->control->MarkFinished()) Interrupted(*op);
  core_->registry.Done(op);
}

void OperationExecutor::Interrupted(Operation& op) {
  if (op.kind == OpKind::kDelete || op.resumable) {
    op.keep_lock = true;
    if (op.resumable && op.lock_id != 0) {
      // Release the lease but keep the row (the persisted operation): any conductor may
      // resume it at once.
      objects::ClusterLock expire;
      expire.lease_expires_at = core_->Now();
      if (auto r = core_->lease->UpdateHeld(op, std::move(expire)); !r) {
        spdlog::warn("cluster {}: cannot release the lease of {}: {}", op.cluster_uuid, op.name,
                     r.error().message());
      }
    }
    core_->events.Append(op.cluster_uuid, op.project_id, op.name, "", EventLevel::kWarning,
                         "conductor " + core_->opt.host + " is stopping: the " + Label(op.name) +
                             " resumes when a conductor starts");
    return;
  }
  core_->outcome->Write(op, false, core_->outcome->ShutdownReason(op, core_->opt.host), true);
}

bool OperationExecutor::DisplacedOwnerStopped(const Operation& op) const {
  if (op.displaced_handovers < 0) return false;  // unknown before: wait for the expiry
  return EventLog::Handovers(*core_->db, op.cluster_uuid, op.displaced_owner) >
         op.displaced_handovers;
}

void OperationExecutor::EndSuperseded(const std::vector<OpPtr>& ops) {
  for (const auto& op : ops) {
    if (!op->FinishIfIdle()) continue;
    // A handover marker: a delete another conductor accepted waits for it (event_log.h).
    core_->events.AppendHandover(
        op->cluster_uuid, op->project_id, core_->opt.host,
        op->name + (op->started ? " stopped" : " cancelled before it started") +
            " on conductor " + core_->opt.host + ": the cluster is being deleted");
    core_->registry.Done(op);
  }
}

void OperationExecutor::Expire(const OpPtr& op) {
  OperationControl& c = *op->control;
  if (c.finished.load() || c.deadline > core_->clock->Now()) return;
  c.Cancel(CancelReason::kTimeout);
  if (op->FinishIfIdle()) {
    core_->outcome->FailTimeout(*op, /*release_lock=*/true);
    core_->registry.Done(op);
  } else if (c.MarkFinished()) {
    // A driver call is still running: its lock goes when it returns.
    core_->outcome->FailTimeout(*op, /*release_lock=*/false);
  }
}

void OperationExecutor::StopAll() {
  auto ops = core_->registry.Snapshot();
  for (const auto& op : ops) op->control->Cancel(CancelReason::kShutdown);
  for (const auto& op : ops) {
    if (!op->FinishIfIdle()) continue;
    Interrupted(*op);
    core_->registry.Done(op);
  }
}

void OperationExecutor::AbandonRunning() {
  for (const auto& op : core_->registry.Snapshot()) {
    if (op->control->MarkFinished()) Interrupted(*op);
  }
}

}  // namespace magnum::conductor
