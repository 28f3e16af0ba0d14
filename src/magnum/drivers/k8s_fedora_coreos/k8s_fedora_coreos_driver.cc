// The k8s_fedora_coreos_v1 driver (k8s_fedora_coreos_driver.h): every operation is a plan of
// batches of stack tasks (create, update or delete one stack); Advance starts the tasks of
// the current batch, polls them, copies Heat's new events into the cluster's event log and
// moves to the next batch when all are done.
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "magnum/common/http_client.h"
#include "magnum/common/strings.h"
#include "magnum/config/config.h"
#include "magnum/drivers/heat/hot.h"

namespace magnum::drivers::k8s {
namespace {

using clients::HeatClient;
using clients::HeatEvent;
using clients::HeatResource;
using clients::HeatStack;
using clients::HeatState;
using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kClusterKey = "cluster";
constexpr const char* kStep = "heat";
// Events copied per poll at most (the rest come at the next poll).
constexpr int kEventsPerPoll = 100;
constexpr int kMaxDeleteAttempts = 3;

std::string Sanitise(const std::string& s, size_t at_most, const std::string& fallback) {
  std::string out;
  for (char c : s) {
    if (out.size() >= at_most) break;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out += ok ? c : '-';
  }
  if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z'))) {
    out = fallback + (out.empty() ? "" : "-" + out);
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(Error::InvalidArgument("[cluster_heat]: cannot read " + path));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// HMAC-SHA256(key, data): the per-cluster node secrets are derived from the CA key, so that
// every call (and every conductor) computes the same ones without storing them.
std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

// One stack's part of an operation.
struct Task {
  std::string key;     // kClusterKey or a nodegroup uuid
  std::string action;  // "create", "update", "delete"
  bool started = false;
  bool done = false;
  bool seen_in_progress = false;
  std::string before_status;   // update: the stack's status and updated_time before the
  std::string before_updated;  // PATCH (to tell our update's end from an earlier one's)
  int attempts = 0;
};

struct StackRef {
  std::string name;
  std::string id;
  std::string Path() const { return id.empty() ? name : name + "/" + id; }
};

struct Progress {
  std::vector<std::vector<Task>> batches;
  size_t batch = 0;
  bool planned = false;
  std::map<std::string, StackRef> stacks;
  std::map<std::string, std::string> markers;  // stack key → last event id copied
  int retries = 0;                              // consecutive transient failures
  int64_t unreachable_since_ms = 0;             // the first of them (system clock, epoch)

  static Result<Progress> Parse(const std::string& text) {
    Progress p;
    if (text.empty()) return p;
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_object()) return Fail(Error::Internal("heat driver: bad progress record"));
    try {
      p.planned = j.value("planned", false);
      p.batch = j.value("batch", size_t{0});
      p.retries = j.value("retries", 0);
      p.unreachable_since_ms = j.value("unreachable_since_ms", int64_t{0});
      for (const auto& b : j.value("batches", Json::array())) {
        std::vector<Task> tasks;
        for (const auto& t : b) {
          Task k;
          k.key = t.value("key", "");
          k.action = t.value("action", "");
          k.started = t.value("started", false);
          k.done = t.value("done", false);
          k.seen_in_progress = t.value("seen_in_progress", false);
          k.before_status = t.value("before_status", "");
          k.before_updated = t.value("before_updated", "");
          k.attempts = t.value("attempts", 0);
          tasks.push_back(std::move(k));
        }
        p.batches.push_back(std::move(tasks));
      }
      const Json stacks = j.value("stacks", Json::object());
      for (const auto& [k, v] : stacks.items()) {
        p.stacks[k] = StackRef{v.value("name", ""), v.value("id", "")};
      }
      p.markers = j.value("markers", std::map<std::string, std::string>{});
    } catch (const Json::exception& e) {
      return Fail(Error::Internal(std::string("heat driver: bad progress record: ") + e.what()));
    }
    return p;
  }

  std::string Dump() const {
    Json j;
    j["planned"] = planned;
    j["batch"] = batch;
    if (retries) j["retries"] = retries;
    if (unreachable_since_ms) j["unreachable_since_ms"] = unreachable_since_ms;
    Json bs = Json::array();
    for (const auto& b : batches) {
      Json tasks = Json::array();
      for (const Task& t : b) {
        Json k{{"key", t.key}, {"action", t.action}};
        if (t.started) k["started"] = true;
        if (t.done) k["done"] = true;
        if (t.seen_in_progress) k["seen_in_progress"] = true;
        if (!t.before_status.empty()) k["before_status"] = t.before_status;
        if (!t.before_updated.empty()) k["before_updated"] = t.before_updated;
        if (t.attempts) k["attempts"] = t.attempts;
        tasks.push_back(std::move(k));
      }
      bs.push_back(std::move(tasks));
    }
    j["batches"] = std::move(bs);
    Json st = Json::object();
    for (const auto& [k, v] : stacks) st[k] = Json{{"name", v.name}, {"id", v.id}};
    j["stacks"] = std::move(st);
    j["markers"] = markers;
    return j.dump();
  }
};

// A list output ("[\"a\", \"b\"]") as strings; non-strings and nulls are left out.
std::vector<std::string> ListOutput(const HeatStack& s, const std::string& key) {
  std::vector<std::string> out;
  auto it = s.outputs.find(key);
  if (it == s.outputs.end()) return out;
  Json j = Json::parse(it->second, nullptr, false);
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (v.is_string() && !v.get<std::string>().empty()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

std::string StringOutput(const HeatStack& s, const std::string& key) {
  auto it = s.outputs.find(key);
  if (it == s.outputs.end()) return "";
  Json j = Json::parse(it->second, nullptr, false);
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number()) return j.dump();
  return "";
}

bool Transient(const Error& e) { return e.Is(ErrorCode::kUnavailable); }

class K8sFedoraCoreosDriver;

// One Advance call on one cluster.
class Run {
 public:
  Run(const K8sFedoraCoreosDriver& d, OperationContext& op, const OperationSpec& spec,
      Progress& p);
  Result<Step> Advance();

 private:
  Result<void> Plan();
  Result<bool> Drive(Task& t);  // true = the task is done
  Result<void> Start(Task& t);
  Result<bool> Poll(Task& t);
  Result<void> CopyEvents(const std::string& key);
  Result<void> InitMarker(const std::string& key);
  Result<void> ReportDone(const Task& t, const HeatStack& s);
  Result<clients::HeatCreateRequest> CreateRequest(const std::string& key);
  Result<heat::StackParameters> UpdateParameters(const std::string& key);
  Result<heat::ClusterStackSpec> Spec(const TemplateState* tmpl = nullptr);
  Result<heat::NodeSecrets> Secrets(bool master);
  Result<heat::ClusterStackOutputs> ClusterOutputs();
  Result<std::string> FailureOf(const std::string& key, const HeatStack& s);
  const NodeGroupState* NodeGroup(const std::string& uuid) const;
  StackRef& Ref(const std::string& key);
  Result<Step> Retry(const Error& e);

  const K8sFedoraCoreosDriver& d_;
  OperationContext& op_;
  const ClusterState& c_;
  const OperationSpec& spec_;
  Progress& p_;
  HeatClient heat_;
  std::optional<heat::NodeSecrets> secrets_;
};

class K8sFedoraCoreosDriver final : public Driver {
 public:
  K8sFedoraCoreosDriver(K8sFedoraCoreosOptions o, ClusterHeatAuth auth,
                        std::shared_ptr<HttpClient> http)
      : opt_(std::move(o)), auth_(std::move(auth)), http_(std::move(http)) {
    if (!http_) {
      HttpTlsOptions tls;
      tls.ca_file = opt_.heat.service.ca_file;
      tls.insecure = opt_.heat.service.insecure;
      http_ = NewCurlHttpClient(tls);
    }
  }

  std::string_view name() const override { return kDriverName; }
  std::vector<Provides> provides() const override {
    return {{"vm", "fedora-coreos", "kubernetes"}};
  }
  bool UsesTrust() const override { return true; }
  Result<void> ValidateMasterSize(int64_t master_count) const override {
    if (master_count < 1) return Fail(Error::InvalidArgument("master_count must be 1 or more"));
    return {};
  }

  bool Resumable(OperationKind kind) const override {
    return kind != OperationKind::kRotateCredential;
  }

  Result<Step> Advance(OperationContext& op, const OperationSpec& spec,
                       std::string& progress) override {
    MAGNUM_ASSIGN_OR_RETURN(Progress p, Progress::Parse(progress));
    auto step = Run(*this, op, spec, p).Advance();
    progress = p.Dump();
    return step;
  }

  // The blocking entry points run the same plan to its end (used only where the conductor
  // does not drive Advance).
  Result<void> CreateCluster(OperationContext& op) override {
    return Loop(op, OperationSpec::Of(OperationKind::kCreate));
  }
  Result<void> ResizeNodeGroup(OperationContext& op, const std::string& ng,
                               const std::vector<std::string>& remove) override {
    return Loop(op, OperationSpec::Resize(ng, remove));
  }
  Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                              int64_t max_batch_size, const std::string& ng) override {
    return Loop(op, OperationSpec::Upgrade(target, max_batch_size, ng));
  }
  Result<void> DeleteCluster(OperationContext& op) override {
    return Loop(op, OperationSpec::Of(OperationKind::kDelete));
  }
  Result<void> CreateNodeGroup(OperationContext& op, const std::string& ng) override {
    return Loop(op, OperationSpec::Of(OperationKind::kNodeGroupCreate, ng));
  }
  Result<void> UpdateNodeGroup(OperationContext& op, const std::string& ng) override {
    return Loop(op, OperationSpec::Of(OperationKind::kNodeGroupUpdate, ng));
  }
  Result<void> DeleteNodeGroup(OperationContext& op, const std::string& ng) override {
    return Loop(op, OperationSpec::Of(OperationKind::kNodeGroupDelete, ng));
  }
  Result<void> RotateCaCertificate(OperationContext& op) override {
    return Loop(op, OperationSpec::Of(OperationKind::kRotateCa));
  }

  // Safety net: the cluster stack's state.
  Result<SyncReport> SyncStatus(const ClusterState& cluster) override {
    SyncReport r;
    if (cluster.stack_id.empty()) return r;
    HeatClient heat(opt_.heat, Provider(cluster), http_);
    auto s = heat.GetStack(ClusterStackName(cluster) + "/" + cluster.stack_id, false);
    if (!s) {
      if (s.error().Is(ErrorCode::kNotFound)) r.state = SyncReport::State::kGone;
      return r;
    }
    if (s->status.status == "DELETE_COMPLETE") {
      r.state = SyncReport::State::kGone;
    } else if (s->status.Failed()) {
      r.state = SyncReport::State::kFailed;
      r.reason = "Heat stack " + s->name + " " + s->status.status + ": " + s->status_reason;
    } else if (s->status.Complete()) {
      r.state = SyncReport::State::kComplete;
    }
    return r;
  }

  clients::HeatAuthProvider Provider(const ClusterState& cluster) const {
    ClusterHeatAuth auth = auth_;
    return [auth, cluster](bool renew) -> Result<clients::HeatAuth> {
      if (!auth) {
        return Fail(Error::FailedPrecondition(
            "the Heat driver has no credentials: it needs the OpenStack mode "
            "(auth_strategy = keystone) and the [trust] options"));
      }
      return auth(cluster, renew);
    };
  }

  const K8sFedoraCoreosOptions& options() const { return opt_; }
  const std::shared_ptr<HttpClient>& http() const { return http_; }

 private:
  Result<void> Loop(OperationContext& op, const OperationSpec& spec) {
    std::string progress;
    while (true) {
      MAGNUM_ASSIGN_OR_RETURN(Step step, Advance(op, spec, progress));
      if (step.done) return {};
      if (op.Cancelled()) return Fail(Error::Unavailable("the operation was cancelled"));
      std::this_thread::sleep_for(step.after);
    }
  }

  K8sFedoraCoreosOptions opt_;
  ClusterHeatAuth auth_;
  std::shared_ptr<HttpClient> http_;
};

Run::Run(const K8sFedoraCoreosDriver& d, OperationContext& op, const OperationSpec& spec,
         Progress& p)
    : d_(d),
      op_(op),
      c_(op.cluster()),
      spec_(spec),
      p_(p),
      heat_(d.options().heat, d.Provider(op.cluster()), d.http()) {}

const NodeGroupState* Run::NodeGroup(const std::string& uuid) const {
  for (const NodeGroupState& ng : c_.nodegroups) {
    if (ng.uuid == uuid) return &ng;
  }
  return nullptr;
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
      const NodeGroupState* ng = NodeGroup(ng_uuid);
      if (!ng) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
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
      const NodeGroupState* ng = ng_uuid.empty() ? nullptr : NodeGroup(ng_uuid);
      if (!ng_uuid.empty() && !ng) {
        return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
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
  milliseconds delay = d_.options().wait_interval * (1 << n);
  if (delay > d_.options().max_retry_delay) delay = d_.options().max_retry_delay;
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
  if (!has_deadline && now_ms + delay.count() - p_.unreachable_since_ms >=
                           d_.options().unreachable_timeout.count()) {
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
  op_.Warning(kStep, e.message() + "; retrying in " + std::to_string(delay.count() / 1000.0)
                                       .substr(0, 4) + " s");
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
    if (!all_done) return Step::PollAfter(d_.options().wait_interval);
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

Result<void> Run::InitMarker(const std::string& key) {
  if (p_.markers.count(key)) return {};
  StackRef& ref = Ref(key);
  clients::HeatEventQuery q;
  q.ascending = false;
  q.limit = 1;
  q.nested_depth = 2;
  auto events = heat_.ListEvents(ref.Path(), q);
  if (!events) {
    if (events.error().Is(ErrorCode::kNotFound)) return {};
    return Fail(events.error());
  }
  p_.markers[key] = events->empty() ? "" : events->front().id;
  return {};
}

Result<void> Run::Start(Task& t) {
  StackRef& ref = Ref(t.key);
  if (t.action == "create") {
    // After a crash the stack may exist already: adopt it by its deterministic name.
    if (ref.id.empty()) {
      auto found = heat_.GetStack(ref.name, false);
      if (found && found->status.status != "DELETE_COMPLETE") {
        ref.id = found->id;
      } else if (!found && !found.error().Is(ErrorCode::kNotFound)) {
        return Fail(found.error());
      }
    }
    if (ref.id.empty()) {
      MAGNUM_ASSIGN_OR_RETURN(clients::HeatCreateRequest req, CreateRequest(t.key));
      auto id = heat_.CreateStack(req);
      if (!id && id.error().Is(ErrorCode::kConflict)) {
        MAGNUM_ASSIGN_OR_RETURN(HeatStack s, heat_.GetStack(ref.name, false));
        id = s.id;
      }
      if (!id) {
        return Fail(Error(id.error().code(), "Heat refused to create stack " + ref.name + ": " +
                                                 id.error().message()));
      }
      ref.id = *id;
      p_.markers[t.key] = "";
      op_.Event(kStep, "stack " + ref.name + " created (" + ref.id + ")");
    }
    if (t.key == kClusterKey) {
      ClusterReport r;
      r.stack_id = ref.id;
      MAGNUM_RETURN_IF_ERROR(op_.Report(r));
      for (const NodeGroupState& ng : c_.nodegroups) {
        if (!ng.IsMaster()) continue;
        NodeGroupReport n;
        n.uuid = ng.uuid;
        n.stack_id = ref.id;
        MAGNUM_RETURN_IF_ERROR(op_.ReportNodeGroup(n));
      }
    } else {
      NodeGroupReport n;
      n.uuid = t.key;
      n.stack_id = ref.id;
      MAGNUM_RETURN_IF_ERROR(op_.ReportNodeGroup(n));
    }
    return {};
  }
  if (t.action == "delete") {
    if (ref.id.empty()) {
      auto found = heat_.GetStack(ref.name, false);
      if (!found) {
        if (found.error().Is(ErrorCode::kNotFound)) return {};  // never created
        return Fail(found.error());
      }
      ref.id = found->id;
    }
    MAGNUM_RETURN_IF_ERROR(InitMarker(t.key));
    MAGNUM_RETURN_IF_ERROR(heat_.DeleteStack(ref.Path()));
    ++t.attempts;
    op_.Event(kStep, "deleting stack " + ref.name);
    return {};
  }
  // update
  if (ref.id.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(HeatStack s, heat_.GetStack(ref.name, false));
    ref.id = s.id;
  }
  MAGNUM_ASSIGN_OR_RETURN(HeatStack before, heat_.GetStack(ref.Path(), false));
  if (before.status.InProgress()) {
    // Another operation's update still runs (e.g. one a crashed conductor started): wait.
    return Fail(Error::Unavailable("Heat stack " + ref.name + " is " + before.status.status));
  }
  t.before_status = before.status.status;
  t.before_updated = before.updated_time;
  MAGNUM_RETURN_IF_ERROR(InitMarker(t.key));
  MAGNUM_ASSIGN_OR_RETURN(heat::StackParameters params, UpdateParameters(t.key));
  clients::HeatUpdateRequest req;
  req.parameters = std::move(params);
  auto updated = heat_.UpdateStack(ref.Path(), req);
  if (!updated) {
    if (updated.error().Is(ErrorCode::kConflict)) {
      return Fail(Error::Unavailable("Heat stack " + ref.name + " is busy: " +
                                     updated.error().message()));
    }
    return Fail(Error(updated.error().code(), "Heat refused to update stack " + ref.name + ": " +
                                                  updated.error().message()));
  }
  op_.Event(kStep, "updating stack " + ref.name);
  return {};
}

Result<bool> Run::Poll(Task& t) {
  StackRef& ref = Ref(t.key);
  if (t.action == "delete") {
    if (ref.id.empty()) return true;
    auto s = heat_.GetStack(ref.Path(), false);
    if (!s) {
      if (s.error().Is(ErrorCode::kNotFound)) return true;
      return Fail(s.error());
    }
    if (s->status.status == "DELETE_COMPLETE") {
      op_.Event(kStep, "stack " + ref.name + " deleted");
      return true;
    }
    if (s->status.Failed() && s->status.action == "DELETE") {
      if (t.attempts < kMaxDeleteAttempts) {
        op_.Warning(kStep, "stack " + ref.name + " DELETE_FAILED (" + s->status_reason +
                               "); deleting again");
        MAGNUM_RETURN_IF_ERROR(heat_.DeleteStack(ref.Path()));
        ++t.attempts;
        return false;
      }
      MAGNUM_ASSIGN_OR_RETURN(std::string why, FailureOf(t.key, *s));
      return Fail(Error::Internal(why));
    }
    return false;
  }
  MAGNUM_ASSIGN_OR_RETURN(HeatStack s, heat_.GetStack(ref.Path(), false));
  if (s.status.InProgress()) {
    t.seen_in_progress = true;
    return false;
  }
  if (t.action == "update") {
    // Until our update shows, the stack still reports the previous operation's end.
    bool ours = s.status.action == "UPDATE" &&
                (t.seen_in_progress || s.updated_time != t.before_updated ||
                 t.before_status.rfind("UPDATE_", 0) != 0);
    if (!ours && !s.status.Failed()) return false;
  }
  if (s.status.Failed()) {
    MAGNUM_ASSIGN_OR_RETURN(std::string why, FailureOf(t.key, s));
    return Fail(Error::Internal(why));
  }
  if (!s.status.Complete()) return false;
  MAGNUM_ASSIGN_OR_RETURN(HeatStack full, heat_.GetStack(ref.Path(), true));
  MAGNUM_RETURN_IF_ERROR(ReportDone(t, full));
  op_.Event(kStep, "stack " + ref.name + " " + full.status.status);
  return true;
}

Result<void> Run::ReportDone(const Task& t, const HeatStack& s) {
  const std::string kube_tag = [&] {
    auto it = s.parameters.find("kube_tag");
    return it == s.parameters.end() ? std::string() : it->second;
  }();
  if (t.key == kClusterKey) {
    ClusterReport r;
    std::string host = StringOutput(s, "api_address");
    std::string port = StringOutput(s, "api_port");
    if (!host.empty()) {
      r.api_address = "https://" + host + ":" + (port.empty() ? "6443" : port);
    }
    if (!kube_tag.empty()) r.coe_version = kube_tag;
    MAGNUM_RETURN_IF_ERROR(op_.Report(r));
    std::vector<std::string> addresses = ListOutput(s, "master_addresses");
    if (addresses.empty()) addresses = ListOutput(s, "master_private_addresses");
    auto master_image = s.parameters.find("master_image");
    for (const NodeGroupState& ng : c_.nodegroups) {
      if (!ng.IsMaster()) continue;
      NodeGroupReport n;
      n.uuid = ng.uuid;
      n.stack_id = s.id;
      if (ng.is_default) n.node_addresses = addresses;
      if (!kube_tag.empty()) n.version = kube_tag;
      if (master_image != s.parameters.end() && !master_image->second.empty()) {
        n.image_id = master_image->second;
      }
      n.finished = true;  // the masters are this stack's: done even if a worker stack fails
      MAGNUM_RETURN_IF_ERROR(op_.ReportNodeGroup(n));
    }
    return {};
  }
  NodeGroupReport n;
  n.uuid = t.key;
  n.stack_id = s.id;
  n.finished = true;
  std::vector<std::string> addresses = ListOutput(s, "node_addresses");
  if (addresses.empty()) addresses = ListOutput(s, "node_private_addresses");
  n.node_addresses = addresses;
  if (!kube_tag.empty()) n.version = kube_tag;
  auto image = s.parameters.find("image");
  if (image != s.parameters.end() && !image->second.empty()) n.image_id = image->second;
  return op_.ReportNodeGroup(n);
}

Result<void> Run::CopyEvents(const std::string& key) {
  StackRef& ref = Ref(key);
  if (ref.id.empty()) return {};
  clients::HeatEventQuery q;
  q.marker = p_.markers[key];
  q.nested_depth = 2;
  q.limit = kEventsPerPoll;
  auto events = heat_.ListEvents(ref.Path(), q);
  if (!events) {
    // Events are progress only: a stack already gone or a refused marker is not a failure.
    if (events.error().Is(ErrorCode::kNotFound) ||
        events.error().Is(ErrorCode::kInvalidArgument)) {
      return {};
    }
    return Fail(events.error());
  }
  for (const HeatEvent& e : *events) {
    if (e.status.Failed()) {
      op_.Warning(kStep, DescribeEvent(e));
    } else {
      op_.Event(kStep, DescribeEvent(e));
    }
    p_.markers[key] = e.id;
  }
  return {};
}

Result<std::string> Run::FailureOf(const std::string& key, const HeatStack& s) {
  clients::HeatResourceQuery q;
  q.nested_depth = 5;
  q.status = {"FAILED"};
  std::string leaves;
  auto failed = heat_.ListResources(Ref(key).Path(), q);
  if (failed) leaves = DescribeFailedResources(*failed);
  std::string what = key == kClusterKey ? "" : [&] {
    const NodeGroupState* ng = NodeGroup(key);
    return ng ? " of nodegroup " + ng->name : std::string();
  }();
  std::string out = "Heat stack " + s.name + what + " " + s.status.status + ": ";
  out += leaves.empty() ? s.status_reason : leaves;
  if (!leaves.empty() && s.status_reason.find("imed out") != std::string::npos) {
    out += " (" + s.status_reason + ")";
  }
  return out;
}

Result<heat::ClusterStackSpec> Run::Spec(const TemplateState* tmpl) {
  ClusterState c = c_;
  if (tmpl) c.cluster_template = *tmpl;
  const TemplateState& t = c.cluster_template;
  const std::string fixed_network = c.fixed_network.empty() ? t.fixed_network : c.fixed_network;
  const std::string fixed_subnet = c.fixed_subnet.empty() ? t.fixed_subnet : c.fixed_subnet;
  return heat::MakeClusterStackSpec(c, fixed_network, fixed_subnet, t.external_network_id);
}

Result<heat::NodeSecrets> Run::Secrets(bool master) {
  if (secrets_ && (!master || !secrets_->apiserver_cert_pem.empty())) return *secrets_;
  MAGNUM_ASSIGN_OR_RETURN(IssuedCertificate ca, op_.ClusterCa());
  heat::NodeSecrets s;
  s.ca_cert_pem = ca.certificate_pem;
  s.ca_key_pem = ca.private_key_pem;
  s.bootstrap_token =
      heat::MakeBootstrapToken(Hmac(ca.private_key_pem, "magnum bootstrap token " + c_.uuid));
  s.certificate_key =
      heat::MakeCertificateKey(Hmac(ca.private_key_pem, "magnum certificate key " + c_.uuid));
  if (master) {
    MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec spec, Spec());
    // The service network's first address is the in-cluster API address.
    std::string service_ip = spec.labels.service_cidr.substr(0, spec.labels.service_cidr.find('/'));
    if (auto dot = service_ip.rfind('.'); dot != std::string::npos) {
      service_ip = service_ip.substr(0, dot + 1) + "1";
    }
    MAGNUM_ASSIGN_OR_RETURN(
        IssuedCertificate api,
        op_.IssueServerCertificate("kube-apiserver",
                                   {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                    "kubernetes.default.svc.cluster.local", "localhost"},
                                   {"127.0.0.1", service_ip}));
    s.apiserver_cert_pem = api.certificate_pem;
    s.apiserver_key_pem = api.private_key_pem;
  }
  secrets_ = s;
  return s;
}

Result<heat::ClusterStackOutputs> Run::ClusterOutputs() {
  MAGNUM_ASSIGN_OR_RETURN(HeatStack s, heat_.GetStack(Ref(kClusterKey).Path(), true));
  heat::ClusterStackOutputs o;
  o.api_host = StringOutput(s, "api_address");
  o.network = StringOutput(s, "network");
  o.subnet = StringOutput(s, "subnet");
  o.security_group = StringOutput(s, "worker_security_group");
  return o;
}

Result<clients::HeatCreateRequest> Run::CreateRequest(const std::string& key) {
  MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec spec, Spec());
  clients::HeatCreateRequest req;
  req.name = Ref(key).name;
  heat::RenderedStack rendered;
  if (key == kClusterKey) {
    MAGNUM_ASSIGN_OR_RETURN(rendered, heat::RenderClusterStack(spec));
    MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets secrets, Secrets(true));
    MAGNUM_ASSIGN_OR_RETURN(req.parameters, heat::ClusterStackParameters(spec, c_, secrets));
  } else {
    const NodeGroupState* ng = NodeGroup(key);
    if (!ng) return Fail(Error::NotFound("Nodegroup " + key + " could not be found."));
    // A nodegroup added later runs the version the cluster runs now (after an upgrade the
    // cluster's own labels still carry the kube_tag of its create).
    if (spec_.kind == OperationKind::kNodeGroupCreate && !c_.coe_version.empty()) {
      auto current = heat::ParseLabels({{"kube_tag", c_.coe_version}});
      if (current) spec.labels.kube_tag = current->kube_tag;
    }
    MAGNUM_ASSIGN_OR_RETURN(rendered, heat::RenderNodeGroupStack(spec));
    MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets secrets, Secrets(false));
    MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackOutputs outputs, ClusterOutputs());
    MAGNUM_ASSIGN_OR_RETURN(req.parameters,
                            heat::NodeGroupStackParameters(spec, c_, *ng, outputs, secrets));
  }
  req.template_json = std::move(rendered.template_json);
  req.files = std::move(rendered.files);
  for (const auto& [name, text] : d_.options().environment_files) {
    req.files[name] = text;
    req.environment_files.push_back(name);
  }
  for (const auto& [name, text] : d_.options().template_files) req.files[name] = text;
  req.timeout_mins = int(std::max<int64_t>(c_.create_timeout_minutes, 0));
  req.disable_rollback = true;
  return req;
}

Result<heat::StackParameters> Run::UpdateParameters(const std::string& key) {
  heat::StackParameters p;
  const NodeGroupState* ng = key == kClusterKey ? nullptr : NodeGroup(key);
  if (key != kClusterKey && !ng) {
    return Fail(Error::NotFound("Nodegroup " + key + " could not be found."));
  }
  switch (spec_.kind) {
    case OperationKind::kUpgrade: {
      MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec target, Spec(&spec_.target));
      // The target template's kube_tag wins over the one the cluster's labels carry from
      // its create (what an upgrade is for).
      if (spec_.target.labels.count("kube_tag")) {
        MAGNUM_ASSIGN_OR_RETURN(heat::HeatLabels own, heat::ParseLabels(spec_.target.labels));
        target.labels.kube_tag = own.kube_tag;
      }
      p["kube_tag"] = target.labels.kube_tag;
      p["update_max_batch_size"] = std::to_string(std::max<int64_t>(spec_.max_batch_size, 1));
      const std::string& old_image = c_.cluster_template.image_id;
      if (!spec_.target.image_id.empty() && spec_.target.image_id != old_image) {
        if (!ng) {
          p["master_image"] = spec_.target.image_id;
        } else if (ng->image_id.empty() || ng->image_id == old_image) {
          p["image"] = spec_.target.image_id;
        }
      }
      break;
    }
    case OperationKind::kRotateCa: {
      MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets s, Secrets(ng == nullptr));
      p["ca_cert_b64"] = Base64Encode(s.ca_cert_pem);
      p["bootstrap_token"] = s.bootstrap_token;
      if (!ng) {
        p["ca_key_b64"] = Base64Encode(s.ca_key_pem);
        p["apiserver_cert_b64"] = Base64Encode(s.apiserver_cert_pem);
        p["apiserver_key_b64"] = Base64Encode(s.apiserver_key_pem);
        p["certificate_key"] = s.certificate_key;
      }
      break;
    }
    default: {  // resize
      if (!ng) {
        p["master_count"] = std::to_string(std::max<int64_t>(c_.MasterCount(), 1));
      } else {
        p["node_count"] = std::to_string(ng->node_count);
        MAGNUM_ASSIGN_OR_RETURN(p[heat::kNodesToRemoveParam],
                                heat::NodesToRemoveValue(spec_.nodes_to_remove));
      }
      break;
    }
  }
  return p;
}

}  // namespace

std::string ClusterStackName(const ClusterState& cluster) {
  return Sanitise(cluster.name, 30, "cluster") + "-" + cluster.uuid;
}

std::string NodeGroupStackName(const ClusterState& cluster, const NodeGroupState& nodegroup) {
  return Sanitise(cluster.name, 30, "cluster") + "-" + Sanitise(nodegroup.name, 30, "ng") +
         "-" + nodegroup.uuid;
}

std::string DescribeFailedResources(const std::vector<HeatResource>& failed, size_t at_most) {
  std::vector<const HeatResource*> leaves;
  for (const HeatResource& r : failed) {
    if (r.nested_stack_id.empty() && r.status.Failed()) leaves.push_back(&r);
  }
  if (leaves.empty()) {
    for (const HeatResource& r : failed) leaves.push_back(&r);
  }
  std::string out;
  size_t shown = 0;
  for (const HeatResource* r : leaves) {
    if (shown == at_most) {
      out += "; and " + std::to_string(leaves.size() - shown) + " more";
      break;
    }
    if (!out.empty()) out += "; ";
    out += "resource " + r->name;
    if (!r->type.empty()) out += " (" + r->type + ")";
    if (!r->stack_name.empty()) out += " in " + r->stack_name;
    out += " " + r->status.status;
    if (!r->status_reason.empty()) out += ": " + r->status_reason;
    ++shown;
  }
  return out;
}

std::string DescribeEvent(const HeatEvent& e) {
  std::string out = e.resource_name + " " + e.status.status;
  if (!e.status_reason.empty() && e.status_reason != "state changed") {
    out += ": " + e.status_reason;
  }
  return out;
}

Result<K8sFedoraCoreosOptions> K8sFedoraCoreosOptionsFromConfig(const config::Config& config) {
  K8sFedoraCoreosOptions o;
  MAGNUM_ASSIGN_OR_RETURN(o.heat, clients::HeatClientOptionsFromConfig(config));
  o.wait_interval =
      std::chrono::milliseconds(std::max<int64_t>(config.cluster_heat_wait_interval_ms, 50));
  o.unreachable_timeout =
      std::chrono::seconds(std::max(config.cluster_heat_unreachable_timeout, 1));
  for (const std::string& path : config.cluster_heat_environment_files) {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    o.environment_files.emplace_back(BaseName(path), std::move(text));
  }
  for (const std::string& path : config.cluster_heat_template_files) {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    o.template_files[BaseName(path)] = std::move(text);
  }
  return o;
}

std::unique_ptr<Driver> NewK8sFedoraCoreosDriver(K8sFedoraCoreosOptions options,
                                                 ClusterHeatAuth auth,
                                                 std::shared_ptr<HttpClient> http) {
  return std::make_unique<K8sFedoraCoreosDriver>(std::move(options), std::move(auth),
                                                 std::move(http));
}

}  // namespace magnum::drivers::k8s
