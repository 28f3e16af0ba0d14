// The k8s_fedora_coreos_v1 driver (k8s_fedora_coreos_driver.h): the Driver, its options and
// the stack names. An operation's work is a Run (k8s_fedora_coreos_internal.h): the plan
// and state machine in operation_run.cc, the Heat calls in stack_calls.cc, the parameters
// in stack_parameters.cc, the progress record in progress.cc.
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "magnum/common/http_client.h"
#include "magnum/config/config.h"
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_internal.h"

namespace magnum::drivers::k8s {
namespace {

using clients::HeatEvent;
using clients::HeatResource;

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
    MAGNUM_ASSIGN_OR_RETURN(internal::Progress p, internal::Progress::Parse(progress));
    auto step = internal::Run(opt_, Provider(op.cluster()), http_, op, spec, p).Advance();
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
    clients::HeatClient heat(opt_.heat, Provider(cluster), http_);
    auto s = heat.GetStack(internal::StackRef{ClusterStackName(cluster), cluster.stack_id}.Path(),
                           false);
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

 private:
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

  Result<void> Loop(OperationContext& op, const OperationSpec& spec) {
    return RunUntilDone(
        op, [this, &op, &spec](std::string& progress) { return Advance(op, spec, progress); });
  }

  K8sFedoraCoreosOptions opt_;
  ClusterHeatAuth auth_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace

std::string ClusterStackName(const ClusterState& cluster) {
  return Sanitise(cluster.name, 30, "cluster") + "-" + cluster.uuid;
}

std::string NodeGroupStackName(const ClusterState& cluster, const NodeGroupState& nodegroup) {
  return Sanitise(cluster.name, 30, "cluster") + "-" + Sanitise(nodegroup.name, 30, "ng") + "-" +
         nodegroup.uuid;
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
