// What the parts of the k8s_fedora_coreos_v1 driver (k8s_fedora_coreos_driver.h) share;
// included only by the .cc files of this directory. Every operation is a plan of batches of
// stack tasks (create, update or delete one stack), kept in the operation's progress record;
// one Run is one Advance call on one cluster:
//   operation_run.cc     planning, the poll-and-advance state machine, the retry back-off
//   stack_calls.cc       the Heat REST calls of a task: start, poll, events, failures, reports
//   stack_parameters.cc  the create requests and update parameters (with the node secrets)
//   progress.cc          the progress record's JSON
// A Run lives for one call and is confined to its thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "magnum/clients/heat_client.h"
#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"
#include "magnum/drivers/heat/hot.h"
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"

namespace magnum::drivers::k8s::internal {

// The key of the cluster stack's task (a worker nodegroup's is its uuid).
inline constexpr const char* kClusterKey = "cluster";
// The step of the cluster's event log the driver writes.
inline constexpr const char* kStep = "heat";

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

// The progress record: never a secret.
struct Progress {
  std::vector<std::vector<Task>> batches;
  size_t batch = 0;
  bool planned = false;
  std::map<std::string, StackRef> stacks;
  std::map<std::string, std::string> markers;  // stack key → last event id copied
  int retries = 0;                             // consecutive transient failures
  int64_t unreachable_since_ms = 0;            // the first of them (system clock, epoch)

  // "" = a fresh record; kInternal for one that is not ours.
  static Result<Progress> Parse(const std::string& text);
  std::string Dump() const;
};

// One Advance call on one cluster: `options` and `op` outlive it; `p` is updated in place
// (the caller persists it, also after an error).
class Run {
 public:
  Run(const K8sFedoraCoreosOptions& options, clients::HeatAuthProvider auth,
      std::shared_ptr<HttpClient> http, OperationContext& op, const OperationSpec& spec,
      Progress& p);
  Result<Step> Advance();

 private:
  // operation_run.cc
  Result<void> Plan();
  Result<bool> Drive(Task& t);  // true = the task is done
  Result<Step> Retry(const Error& e);
  const NodeGroupState* NodeGroup(const std::string& uuid) const;
  // kNotFound naming the nodegroup when the cluster has none of that uuid.
  Result<const NodeGroupState*> RequireNodeGroup(const std::string& uuid) const;
  StackRef& Ref(const std::string& key);

  // stack_calls.cc
  Result<void> Start(Task& t);
  Result<bool> Poll(Task& t);
  // The stack `stack` (a name or path); nullopt when Heat does not know it.
  Result<std::optional<clients::HeatStack>> FindStack(const std::string& stack);
  Result<void> CopyEvents(const std::string& key);
  Result<void> InitMarker(const std::string& key);
  Result<void> ReportStarted(const std::string& key, const std::string& stack_id);
  Result<void> ReportDone(const Task& t, const clients::HeatStack& s);
  Result<std::string> FailureOf(const std::string& key, const clients::HeatStack& s);
  Result<heat::ClusterStackOutputs> ClusterOutputs();

  // stack_parameters.cc
  Result<clients::HeatCreateRequest> CreateRequest(const std::string& key);
  Result<heat::StackParameters> UpdateParameters(const std::string& key);
  Result<heat::ClusterStackSpec> Spec(const TemplateState* tmpl = nullptr);
  Result<heat::NodeSecrets> Secrets(bool master);

  const K8sFedoraCoreosOptions& opt_;
  OperationContext& op_;
  const ClusterState& c_;
  const OperationSpec& spec_;
  Progress& p_;
  clients::HeatClient heat_;
  std::optional<heat::NodeSecrets> secrets_;
};

}  // namespace magnum::drivers::k8s::internal
