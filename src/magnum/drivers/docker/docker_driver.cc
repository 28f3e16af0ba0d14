// The docker driver's Driver implementation: identity, node images, the lifecycle entry
// points (Advance: one phase of a Session under the cluster's lock; the blocking methods
// run every phase), status sync and health.
#include "magnum/drivers/docker/docker_driver.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "magnum/config/config.h"
#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {
namespace {

using namespace std::chrono_literals;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::InvalidArgument("cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What to do after `kind` failed, from the status the failure leaves (each an action the
// API accepts from there: a failed update, resize or upgrade leaves UPDATE_FAILED, from
// which a resize is accepted and an upgrade is not).
std::string_view NextAction(OperationKind kind) {
  switch (kind) {
    case OperationKind::kCreate: return "delete the cluster and create it again";
    case OperationKind::kUpdate:
    case OperationKind::kResize: return "resize the cluster again";
    case OperationKind::kUpgrade:
      return "resize the cluster to its current node count (which makes it UPDATE_COMPLETE), "
             "then upgrade it again";
    case OperationKind::kDelete: return "delete the cluster again";
    case OperationKind::kNodeGroupCreate: return "delete the nodegroup and create it again";
    case OperationKind::kNodeGroupUpdate: return "update the nodegroup again";
    case OperationKind::kNodeGroupDelete: return "delete the nodegroup again";
    case OperationKind::kRotateCa:
    case OperationKind::kRotateCredential: break;
  }
  return "";
}

// Names this driver instance in the waits it records (OpProgress::wait_owner).
std::string RandomInstance() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

class DockerDriver final : public Driver {
 public:
  DockerDriver(DockerDriverOptions options, DockerDriverDeps deps)
      : core_(std::move(options), std::move(deps)) {}

  std::string_view name() const override { return "docker"; }

  std::vector<Provides> provides() const override {
    return {{"container", "debian", "swarm-mode"}, {"container", "debian", "swarm"}};
  }

  std::vector<KnownImage> images() const override {
    std::vector<KnownImage> out = {
        {std::string(kImageName), "debian",
         "Docker Swarm node: Debian 12 with docker.io, built locally from Debian packages "
         "(scripts/build-node-image.sh)"}};
    std::lock_guard lock(images_mu_);
    auto now = core_.deps.time->Now();
    if (images_listed_ == false || now - images_listed_at_ > 5s) {
      images_listed_ = true;
      images_listed_at_ = now;
      variants_.clear();
      auto list = core_.probe->ListImages({{"label", {"magnum.node-image=swarm-node"}}});
      if (list) {
        for (const auto& img : *list) {
          for (const auto& tag : img.repo_tags) {
            std::string repo = std::string(kNodeRepo) + ":";
            if (tag.rfind(repo, 0) == 0) {
              variants_.push_back(std::string(kImageName) + ":" + tag.substr(repo.size()));
            }
          }
        }
        std::sort(variants_.begin(), variants_.end());
      }
    }
    for (const auto& v : variants_) {
      out.push_back({v, "debian",
                     "Docker Swarm node, pinned image " + std::string(kNodeRepo) +
                         v.substr(kImageName.size())});
    }
    return out;
  }

  // Every operation but CA rotation runs as phases (session.h) and can be resumed.
  bool Resumable(OperationKind kind) const override { return kind != OperationKind::kRotateCa; }

  Result<Step> Advance(OperationContext& op, const OperationSpec& spec,
                       std::string& progress) override {
    if (!Resumable(spec.kind)) return Driver::Advance(op, spec, progress);
    auto lock = core_.LockCluster(op.cluster().uuid);
    MAGNUM_ASSIGN_OR_RETURN(OpProgress p, OpProgress::Parse(progress));
    auto step = Session(&core_, &op).Advance(spec, p);
    progress = p.Dump();
    // A failure names what to do next; a cancelled step is not a failure of the driver's
    // (a stop resumes it, a delete replaces it).
    if (!step && !op.Cancelled() && !NextAction(spec.kind).empty()) {
      return Fail(Error(step.error().code(),
                        step.error().message() + "; " + std::string(NextAction(spec.kind))));
    }
    return step;
  }

  bool Reconciles() const override { return true; }
  Result<void> Reconcile(OperationContext& op) override {
    auto lock = core_.LockCluster(op.cluster().uuid);
    return Session(&core_, &op).Reconcile();
  }

  Result<void> CreateCluster(OperationContext& op) override {
    return Run(op, OperationSpec::Of(OperationKind::kCreate));
  }
  Result<void> ResizeNodeGroup(OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>& nodes_to_remove) override {
    return Run(op, OperationSpec::Resize(ng_uuid, nodes_to_remove));
  }
  Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                              int64_t max_batch_size, const std::string& ng_uuid) override {
    return Run(op, OperationSpec::Upgrade(target, max_batch_size, ng_uuid));
  }
  Result<void> DeleteCluster(OperationContext& op) override {
    return Run(op, OperationSpec::Of(OperationKind::kDelete));
  }
  Result<void> CreateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Run(op, OperationSpec::Of(OperationKind::kNodeGroupCreate, ng_uuid));
  }
  Result<void> UpdateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Run(op, OperationSpec::Of(OperationKind::kNodeGroupUpdate, ng_uuid));
  }
  Result<void> DeleteNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    return Run(op, OperationSpec::Of(OperationKind::kNodeGroupDelete, ng_uuid));
  }

  Result<SyncReport> SyncStatus(const ClusterState& cluster) override {
    SyncReport r;
    if (cluster.status.rfind("DELETE_", 0) != 0) return r;
    DockerClient& host = *core_.host;
    MAGNUM_ASSIGN_OR_RETURN(auto containers, host.ListContainers(ClusterFilter(cluster.uuid)));
    MAGNUM_ASSIGN_OR_RETURN(auto networks, host.ListNetworks(ClusterFilter(cluster.uuid)));
    MAGNUM_ASSIGN_OR_RETURN(auto volumes, host.ListVolumes(ClusterFilter(cluster.uuid)));
    if (containers.empty() && networks.empty() && volumes.empty()) {
      r.state = SyncReport::State::kGone;
      r.reason = "no container, volume or network of the cluster is left";
    }
    return r;
  }

  std::optional<Result<HealthReport>> PollHealth(const ClusterState& cluster) override {
    DockerClient& host = *core_.host;
    auto containers = host.ListContainers(ClusterFilter(cluster.uuid));
    if (!containers) {
      HealthReport r;
      r.status = HealthStatus::kUnknown;
      r.reason["api"] = containers.error().message();
      return Result<HealthReport>(r);
    }
    std::vector<NodeRecord> nodes = NodesFromContainers(*containers);
    const NodeRecord* manager = nullptr;
    for (const auto& n : nodes) {
      if (n.master && n.running()) {
        manager = &n;
        break;
      }
    }
    std::optional<std::vector<NodeLsEntry>> swarm;
    std::string api_error;
    if (nodes.empty()) {
      api_error = "The cluster " + cluster.name + " has no node containers.";
    } else if (manager == nullptr) {
      api_error = "no manager node container is running";
    } else {
      auto res = host.Exec(
          manager->container_id,
          {"docker", "node", "ls", "--format", "{{.Hostname}}\t{{.Status}}\t{{.Availability}}"},
          10s);
      if (!res) {
        api_error = res.error().message();
      } else if (res->exit_code != 0) {
        std::string out = res->output;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        api_error = "docker node ls on " + manager->name + " failed: " + out;
      } else {
        swarm = ParseNodeLs(res->output);
      }
    }
    return Result<HealthReport>(ComputeHealth(nodes, swarm, api_error));
  }

  std::optional<Result<Workload>> ObserveWorkload(const ClusterState& cluster) override {
    return ObserveClusterWorkload(core_, cluster);
  }

 private:
  // The blocking form: every phase in one call, under the cluster's lock.
  Result<void> Run(OperationContext& op, const OperationSpec& spec) {
    auto lock = core_.LockCluster(op.cluster().uuid);
    return Session(&core_, &op).Run(spec);
  }

  DriverCore core_;

  mutable std::mutex images_mu_;
  mutable bool images_listed_ = false;                      // guarded by images_mu_
  mutable DriverTime::Clock::time_point images_listed_at_;  // guarded by images_mu_
  mutable std::vector<std::string> variants_;               // guarded by images_mu_
};

}  // namespace

DriverCore::DriverCore(DockerDriverOptions opts, DockerDriverDeps d)
    : options(std::move(opts)), deps(std::move(d)), instance(RandomInstance()) {
  if (!deps.transport_factory) {
    deps.transport_factory = [](const DockerEndpoint& ep, std::function<bool()> abort) {
      return NewCurlTransport(ep, std::move(abort));
    };
  }
  if (!deps.time) deps.time = RealDriverTime();
  DockerEndpoint ep{options.docker_host, "", "", ""};
  if (!options.ca_file.empty()) {
    auto ca = ReadFile(options.ca_file);
    auto cert = ReadFile(options.cert_file);
    auto key = ReadFile(options.key_file);
    if (ca && cert && key) {
      ep.ca_pem = *ca;
      ep.cert_pem = *cert;
      ep.key_pem = *key;
    } else {
      const Error& e = !ca ? ca.error() : !cert ? cert.error() : key.error();
      host_error = Error::InvalidArgument("[docker] ca_file/cert_file/key_file: " + e.message());
    }
  }
  host = std::make_unique<DockerClient>(deps.transport_factory(ep, {}), options.default_timeout);
  // images() runs on API request threads: a hung engine must not hold them long.
  probe = std::make_unique<DockerClient>(deps.transport_factory(ep, {}), 2s);
  if (!deps.images) {
    ScriptImageSourceOptions so;
    so.script = FindBuildScript(options.image_build_script);
    so.cache_dir = options.image_cache_dir;
    if (options.docker_host.rfind("unix://", 0) == 0 ||
        (options.docker_host.rfind("tcp://", 0) == 0 && options.ca_file.empty())) {
      so.docker_host = options.docker_host;
    }
    deps.images = NewScriptImageSource(
        so, [this](const std::string& ref) { return host->InspectImage(ref).has_value(); });
  }
  auto parsed_pool = ParseCidr(options.subnet_pool);
  if (parsed_pool) {
    pool = *parsed_pool;
  } else {
    config_error = parsed_pool.error().WithContext("[docker] subnet_pool");
  }
  auto parsed_flavors = ParseFlavorLimits(options.flavor_limits);
  if (parsed_flavors) {
    flavors = *parsed_flavors;
  } else if (!config_error) {
    config_error = parsed_flavors.error();
  }
}

std::unique_lock<std::mutex> DriverCore::LockCluster(const std::string& uuid) {
  std::shared_ptr<std::mutex> m;
  {
    std::lock_guard lock(locks_mu_);
    auto& slot = cluster_locks_[uuid];
    if (!slot) slot = std::make_shared<std::mutex>();
    m = slot;
  }
  // The map keeps the mutex alive for the life of the driver (a few bytes per cluster).
  return std::unique_lock<std::mutex>(*m);
}

Result<std::shared_ptr<const std::string>> DriverCore::WorkloadTar(const std::string& ref) {
  std::lock_guard lock(tar_mu_);
  auto it = workload_tars_.find(ref);
  if (it != workload_tars_.end()) return it->second;
  std::vector<std::string> names = {ref};
  auto latest = host->InspectImage(std::string(kWorkloadLatest));
  auto mine = host->InspectImage(ref);
  if (latest && mine && latest->id == mine->id && ref != kWorkloadLatest) {
    names.push_back(std::string(kWorkloadLatest));
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string tar, host->SaveImages(names));
  auto shared = std::make_shared<const std::string>(std::move(tar));
  workload_tars_[ref] = shared;
  return shared;
}

DockerDriverOptions DockerDriverOptionsFromConfig(const config::Config& config) {
  DockerDriverOptions o;
  o.docker_host = config.docker_host;
  o.ca_file = config.docker_ca_file;
  o.cert_file = config.docker_cert_file;
  o.key_file = config.docker_key_file;
  o.default_timeout = std::chrono::seconds(config.docker_default_timeout);
  o.subnet_pool = config.docker_subnet_pool;
  o.image_cache_dir = config.docker_image_cache_dir;
  o.image_build_script = config.docker_image_build_script;
  o.max_parallel_nodes = config.docker_max_parallel_nodes;
  o.flavor_limits = config.docker_flavor_limits;
  return o;
}

std::unique_ptr<Driver> NewDockerDriver(DockerDriverOptions options, DockerDriverDeps deps) {
  return std::make_unique<DockerDriver>(std::move(options), std::move(deps));
}

}  // namespace magnum::drivers::docker
