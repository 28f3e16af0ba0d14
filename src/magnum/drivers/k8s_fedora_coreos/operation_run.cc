// The poll-and-advance state machine of the k8s_fedora_coreos_v1 driver
// (k8s_fedora_coreos_internal.h): the plan of an operation, Advance starting and polling the
// tasks of the current batch and moving to the next batch when all are done, and the
// back-off while Heat is unreachable.
#include <algorithm>
#include <chrono>
#include <utility>

#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_internal.h"

namespace magnum::drivers::k8s::internal {
namespace {

using std::chrono::milliseconds;

bool Transient(const Error& e) { return e.Is(ErrorCode::kUnavailable); }

}  // namespace

Run::Run(const K8sFedoraCoreosOptions& options, clients::HeatAuthProvider auth,
         std::shared_ptr<HttpClient> http, OperationContext& op, const OperationSpec& spec,
         Progress& p)
    : opt_(options),
      op_(op),
      c_(op.cluster()),
      spec_(spec),
      p_(p),
      heat_(options.heat, std::move(auth), std::move(http)) {}

const NodeGroupState* Run::NodeGroup(const std::string& uuid) const {
  for (const NodeGroupState& ng : c_.nodegroups) {
    if (ng.uuid == uuid) return &ng;
  }
  return nullptr;
}

Result<const NodeGroupState*> Run::RequireNodeGroup(const std::string& uuid) const {
  const NodeGroupState* ng = NodeGroup(uuid);
  if (!ng) return Fail(Error::NotFound("Nodegroup " + uuid + " could not be found."));
  return ng;
}

StackRef& Run::Ref(const std::string& key) {
  auto it = p_.stacks.find(key);
  if (it != p_.stacks.end()) return it->second;
  StackRef r;
  if (key == kClusterKey) {
    r.name = ClusterStackName(c_);
    r.id = c_.stack_id;
  } else if (const NodeGroupState* ng = NodeGroup(key)) {
    r.name = NodeGroupStackName(c_, *ng);
    r.id = ng->stack_id;
    // A worker nodegroup without a stack of its own carries the cluster's.
    if (r.id == c_.stack_id) r.id.clear();
  }
  return p_.stacks[key] = r;
}

Result<void> Run::Plan() {
  auto workers = [&] {
    std::vector<std::string> out;
    for (const NodeGroupState& ng : c_.nodegroups) {
      if (!ng.IsMaster()) out.push_back(ng.uuid);
    }
    return out;
  };
  auto tasks = [](const std::vector<std::string>& keys, const char* action) {
    std::vector<Task> v;
    for (const auto& k : keys) {
      Task t;
      t.key = k;
      t.action = action;
      v.push_back(std::move(t));
    }
    return v;
  };
  std::string ng_uuid = spec_.nodegroup_uuid;
  switch (spec_.kind) {
    case OperationKind::kCreate:
      p_.batches = {tasks({kClusterKey}, "create")};
      if (auto w = workers(); !w.empty()) p_.batches.push_back(tasks(w, "create"));
      break;
    case OperationKind::kDelete:
      if (auto w = workers(); !w.empty()) p_.batches.push_back(tasks(w, "delete"));
      p_.batches.push_back(tasks({kClusterKey}, "delete"));
      break;
    case OperationKind::kUpdate:
    case OperationKind::kResize:
    case OperationKind::kNodeGroupUpdate: {
      if (ng_uuid.empty()) {
        const NodeGroupState* w = c_.DefaultWorker();
        if (!w) return Fail(Error::FailedPrecondition("the cluster has no worker nodegroup"));
        ng_uuid = w->uuid;
      }
      MAGNUM_ASSIGN_OR_RETURN(const NodeGroupState* ng, RequireNodeGroup(ng_uuid));
      p_.batches = {tasks({ng->IsMaster() ? std::string(kClusterKey) : ng_uuid}, "update")};
      break;
    }
    case OperationKind::kNodeGroupCreate:
      p_.batches = {tasks({ng_uuid}, "create")};
      break;
    case OperationKind::kNodeGroupDelete:
      p_.batches = {tasks({ng_uuid}, "delete")};
      break;
    case OperationKind::kUpgrade: {
      const NodeGroupState* ng = nullptr;
      if (!ng_uuid.empty()) {
        MAGNUM_ASSIGN_OR_RETURN(ng, RequireNodeGroup(ng_uuid));
      }
      if (!ng || ng->IsMaster()) p_.batches.push_back(tasks({kClusterKey}, "update"));
      if (!ng) {
        if (auto w = workers(); !w.empty()) p_.batches.push_back(tasks(w, "update"));
      } else if (!ng->IsMaster()) {
        p_.batches.push_back(tasks({ng_uuid}, "update"));
      }
      break;
    }
    case OperationKind::kRotateCa: {
      p_.batches = {tasks({kClusterKey}, "update")};
      if (auto w = workers(); !w.empty()) p_.batches.push_back(tasks(w, "update"));
      break;
    }
    case OperationKind::kRotateCredential:
      return Fail(Error::FailedPrecondition("credential rotation is not supported"));
  }
  p_.planned = true;
  op_.Event(kStep, "plan: " + std::to_string(p_.batches.size()) + " stack step(s)");
  return {};
}

Result<Step> Run::Retry(const Error& e) {
  const int n = std::min(p_.retries, 5);
  milliseconds delay = opt_.wait_interval * (1 << n);
  if (delay > opt_.max_retry_delay) delay = opt_.max_retry_delay;
  const TimePoint now = SystemClock().Now();
  const int64_t now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  if (p_.retries == 0 || p_.unreachable_since_ms == 0) p_.unreachable_since_ms = now_ms;
  const TimePoint deadline = op_.Deadline();
  const bool has_deadline = deadline.time_since_epoch().count() > 0 && deadline != TimePoint::max();
  const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(delay);
  if (has_deadline && now + wait >= deadline) {
    return Fail(Error::Unavailable(e.message() + " (gave up at the operation's deadline after " +
                                   std::to_string(p_.retries + 1) + " attempts)"));
  }
  if (!has_deadline &&
      now_ms + delay.count() - p_.unreachable_since_ms >= opt_.unreachable_timeout.count()) {
    // A delete has no deadline: it stops after [cluster_heat] unreachable_timeout, so that
    // the cluster does not sit in DELETE_IN_PROGRESS for ever; deleting again retries.
    return Fail(Error::Unavailable(
        e.message() + " (gave up after " +
        std::to_string((now_ms - p_.unreachable_since_ms) / 1000) + " s and " +
        std::to_string(p_.retries + 1) + " attempts ([cluster_heat] unreachable_timeout); " +
        (spec_.kind == OperationKind::kDelete ? "delete the cluster" : "run the operation") +
        " again once Heat answers)"));
  }
  ++p_.retries;
  op_.Warning(kStep, e.message() + "; retrying in " +
                         std::to_string(delay.count() / 1000.0).substr(0, 4) + " s");
  return Step::PollAfter(delay);
}

Result<Step> Run::Advance() {
  if (!p_.planned && spec_.kind == OperationKind::kDelete && c_.trust_id.empty()) {
    // The create failed before the cluster had a trust: nothing of it can be in Heat.
    bool any_stack = !c_.stack_id.empty();
    for (const NodeGroupState& ng : c_.nodegroups) any_stack |= !ng.stack_id.empty();
    if (!any_stack) {
      op_.Event(kStep, "no trust and no stack: nothing to delete in Heat");
      return Step::Done();
    }
  }
  if (!p_.planned) MAGNUM_RETURN_IF_ERROR(Plan());
  while (p_.batch < p_.batches.size()) {
    bool all_done = true;
    for (Task& t : p_.batches[p_.batch]) {
      if (t.done) continue;
      if (op_.Cancelled()) return Step::PollAfter(milliseconds(0));
      auto done = Drive(t);
      if (!done) {
        if (Transient(done.error())) return Retry(done.error());
        return Fail(done.error());
      }
      if (!*done) all_done = false;
    }
    p_.retries = 0;
    p_.unreachable_since_ms = 0;
    if (!all_done) return Step::PollAfter(opt_.wait_interval);
    ++p_.batch;
  }
  return Step::Done();
}

Result<bool> Run::Drive(Task& t) {
  if (!t.started) {
    MAGNUM_RETURN_IF_ERROR(Start(t));
    t.started = true;
  }
  MAGNUM_RETURN_IF_ERROR(CopyEvents(t.key));
  MAGNUM_ASSIGN_OR_RETURN(bool done, Poll(t));
  t.done = done;
  return done;
}

}  // namespace magnum::drivers::k8s::internal
