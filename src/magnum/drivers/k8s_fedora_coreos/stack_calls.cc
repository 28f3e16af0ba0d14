// The Heat REST calls of the k8s_fedora_coreos_v1 driver's tasks
// (k8s_fedora_coreos_internal.h): starting a create, update or delete (adopting a stack a
// crashed call left), polling it to its end, copying Heat's events into the cluster's event
// log, describing a failure, and reporting the stack's outputs to the conductor.
#include <nlohmann/json.hpp>
#include <utility>

#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_internal.h"

namespace magnum::drivers::k8s::internal {
namespace {

using clients::HeatEvent;
using clients::HeatStack;
using Json = nlohmann::json;

// Events copied per poll at most (the rest come at the next poll).
constexpr int kEventsPerPoll = 100;
constexpr int kMaxDeleteAttempts = 3;

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

// The servers' addresses: output "<role>_addresses", else "<role>_private_addresses".
std::vector<std::string> Addresses(const HeatStack& s, const std::string& role) {
  std::vector<std::string> out = ListOutput(s, role + "_addresses");
  if (out.empty()) out = ListOutput(s, role + "_private_addresses");
  return out;
}

// A parameter as Heat echoes it; "" when absent.
std::string Parameter(const HeatStack& s, const std::string& key) {
  auto it = s.parameters.find(key);
  return it == s.parameters.end() ? std::string() : it->second;
}

}  // namespace

Result<std::optional<HeatStack>> Run::FindStack(const std::string& stack) {
  auto found = heat_.GetStack(stack, false);
  if (found) return std::optional<HeatStack>(std::move(*found));
  if (found.error().Is(ErrorCode::kNotFound)) return std::optional<HeatStack>();
  return Fail(found.error());
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
      MAGNUM_ASSIGN_OR_RETURN(std::optional<HeatStack> found, FindStack(ref.name));
      if (found && found->status.status != "DELETE_COMPLETE") ref.id = found->id;
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
    return ReportStarted(t.key, ref.id);
  }
  if (t.action == "delete") {
    if (ref.id.empty()) {
      MAGNUM_ASSIGN_OR_RETURN(std::optional<HeatStack> found, FindStack(ref.name));
      if (!found) return {};  // never created
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
      return Fail(
          Error::Unavailable("Heat stack " + ref.name + " is busy: " + updated.error().message()));
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
    MAGNUM_ASSIGN_OR_RETURN(std::optional<HeatStack> s, FindStack(ref.Path()));
    if (!s) return true;
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
    bool ours =
        s.status.action == "UPDATE" && (t.seen_in_progress || s.updated_time != t.before_updated ||
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

Result<void> Run::ReportStarted(const std::string& key, const std::string& stack_id) {
  if (key != kClusterKey) {
    NodeGroupReport n;
    n.uuid = key;
    n.stack_id = stack_id;
    return op_.ReportNodeGroup(n);
  }
  ClusterReport r;
  r.stack_id = stack_id;
  MAGNUM_RETURN_IF_ERROR(op_.Report(r));
  for (const NodeGroupState& ng : c_.nodegroups) {
    if (!ng.IsMaster()) continue;
    NodeGroupReport n;
    n.uuid = ng.uuid;
    n.stack_id = stack_id;
    MAGNUM_RETURN_IF_ERROR(op_.ReportNodeGroup(n));
  }
  return {};
}

Result<void> Run::ReportDone(const Task& t, const HeatStack& s) {
  const std::string kube_tag = Parameter(s, "kube_tag");
  if (t.key == kClusterKey) {
    ClusterReport r;
    std::string host = StringOutput(s, "api_address");
    std::string port = StringOutput(s, "api_port");
    if (!host.empty()) {
      r.api_address = "https://" + host + ":" + (port.empty() ? "6443" : port);
    }
    if (!kube_tag.empty()) r.coe_version = kube_tag;
    MAGNUM_RETURN_IF_ERROR(op_.Report(r));
    const std::vector<std::string> addresses = Addresses(s, "master");
    const std::string master_image = Parameter(s, "master_image");
    for (const NodeGroupState& ng : c_.nodegroups) {
      if (!ng.IsMaster()) continue;
      NodeGroupReport n;
      n.uuid = ng.uuid;
      n.stack_id = s.id;
      if (ng.is_default) n.node_addresses = addresses;
      if (!kube_tag.empty()) n.version = kube_tag;
      if (!master_image.empty()) n.image_id = master_image;
      n.finished = true;  // the masters are this stack's: done even if a worker stack fails
      MAGNUM_RETURN_IF_ERROR(op_.ReportNodeGroup(n));
    }
    return {};
  }
  NodeGroupReport n;
  n.uuid = t.key;
  n.stack_id = s.id;
  n.finished = true;
  n.node_addresses = Addresses(s, "node");
  if (!kube_tag.empty()) n.version = kube_tag;
  const std::string image = Parameter(s, "image");
  if (!image.empty()) n.image_id = image;
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
    if (events.error().Is(ErrorCode::kNotFound) || events.error().Is(ErrorCode::kInvalidArgument)) {
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

Result<heat::ClusterStackOutputs> Run::ClusterOutputs() {
  MAGNUM_ASSIGN_OR_RETURN(HeatStack s, heat_.GetStack(Ref(kClusterKey).Path(), true));
  heat::ClusterStackOutputs o;
  o.api_host = StringOutput(s, "api_address");
  o.network = StringOutput(s, "network");
  o.subnet = StringOutput(s, "subnet");
  o.security_group = StringOutput(s, "worker_security_group");
  return o;
}

}  // namespace magnum::drivers::k8s::internal
