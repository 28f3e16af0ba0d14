#include "magnum/drivers/docker/docker_driver.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "magnum/config/config.h"
#include "magnum/drivers/docker/cluster_layout.h"
#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/image_builder.h"
#include "magnum/drivers/docker/subnet_pool.h"
#include "magnum/drivers/docker/tar_writer.h"

namespace magnum::drivers::docker {
namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view kImageName = "swarm-node";
constexpr std::string_view kNodeRepo = "magnum/swarm-node";
constexpr std::string_view kWorkloadLatest = "magnum-workload:latest";
constexpr std::string_view kApiPortKey = "2376/tcp";
constexpr int kApiPort = 2376;
constexpr int kSwarmPort = 2377;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::InvalidArgument("cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs fn(0..n-1) on n threads and returns the first error (by index).
Result<void> ParallelFor(size_t n, const std::function<Result<void>(size_t)>& fn) {
  if (n == 0) return {};
  if (n == 1) return fn(0);
  std::vector<std::optional<Error>> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      auto r = fn(i);
      if (!r) errors[i] = r.error();
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) return Fail(*e);
  }
  return {};
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class DockerDriver;

// What one node is to become: role, index, nodegroup and image.
struct NodePlan {
  bool master = false;
  int index = 0;
  std::string nodegroup_uuid;
  std::string node_image_id;  // template image id (swarm-node, swarm-node:<tag>)
  std::string node_ref;       // engine image reference
  int host_port = 0;          // masters: published 127.0.0.1 port (0 = any)
};

// The state of one operation on one cluster: the engine clients, the cluster's network
// and the TLS material, gathered as the operation needs them.
class Session {
 public:
  Session(DockerDriver* driver, OperationContext* op);

  Result<void> Create();
  Result<void> Resize(const std::string& ng_uuid, const std::vector<std::string>& nodes_to_remove);
  Result<void> CreateNodeGroup(const std::string& ng_uuid);
  Result<void> DeleteNodeGroup(const std::string& ng_uuid);
  Result<void> Upgrade(const TemplateState& target, const std::string& ng_uuid);
  Result<void> Delete();

 private:
  const ClusterState& cluster() const { return op_->cluster(); }
  DockerClient& host();
  Result<void> CheckCancelled(std::string_view step) const;
  Result<void> CheckEngine();
  // Resolves a template image id to an engine image reference (building the images when
  // needed) and makes sure the workload image is known.
  Result<std::string> ResolveImage(const std::string& image_id);
  Result<void> CreateNetwork();
  Result<void> LoadNetwork();
  Result<std::vector<NodeRecord>> ListNodes();
  Result<DockerClient*> NodeClient(const std::string& ip);
  Result<NodeRecord> StartNode(const NodePlan& plan);
  Result<void> WaitReady(const std::vector<NodeRecord>& nodes);
  Result<std::string> ContainerFailure(const NodeRecord& n);
  Result<NodeRecord> Manager(const std::vector<NodeRecord>& nodes);
  Result<void> Join(const NodeRecord& manager, const NodeRecord& node, const std::string& token,
                    std::string_view step);
  Result<void> WaitSwarmReady(const NodeRecord& manager, const std::vector<NodeRecord>& nodes);
  Result<void> ApplyLabels(const NodeRecord& manager, const std::vector<NodeRecord>& nodes);
  Result<void> SetAvailability(const NodeRecord& manager, const std::string& hostname,
                               const std::string& availability);
  Result<void> Drain(const NodeRecord& manager, const NodeRecord& node);
  Result<void> RemoveWorker(const NodeRecord& manager, const NodeRecord& node);
  Result<std::vector<NodeRecord>> Grow(const NodeGroupState& ng, int64_t count,
                                       const std::vector<NodeRecord>& existing);
  Result<void> ReplaceNode(const NodeRecord& manager, const NodeRecord& node,
                           const std::string& ref, const std::string& image_id);
  Result<void> ReportAddresses(const std::vector<NodeRecord>& nodes);
  Result<void> ReportApi(const NodeRecord& manager);
  Result<void> Sleep() const;

  DockerDriver* const driver_;
  OperationContext* const op_;
  std::string prefix_;
  std::string network_;
  Cidr subnet_;
  std::string workload_ref_;
  std::optional<IssuedCertificate> client_cert_;
  std::map<std::string, std::unique_ptr<DockerClient>> node_clients_;  // by IP
};

class DockerDriver final : public Driver {
 public:
  DockerDriver(DockerDriverOptions options, DockerDriverDeps deps)
      : options_(std::move(options)), deps_(std::move(deps)) {
    if (!deps_.transport_factory) {
      deps_.transport_factory = [](const DockerEndpoint& ep, std::function<bool()> abort) {
        return NewCurlTransport(ep, std::move(abort));
      };
    }
    DockerEndpoint ep{options_.docker_host, "", "", ""};
    if (!options_.ca_file.empty()) {
      auto ca = ReadFile(options_.ca_file);
      auto cert = ReadFile(options_.cert_file);
      auto key = ReadFile(options_.key_file);
      if (ca && cert && key) {
        ep.ca_pem = *ca;
        ep.cert_pem = *cert;
        ep.key_pem = *key;
      } else {
        host_error_ =
            Error::InvalidArgument("[docker] ca_file/cert_file/key_file: " + (!ca     ? ca.error()
                                                                              : !cert ? cert.error()
                                                                                      : key.error())
                                                                                 .message());
      }
    }
    host_ =
        std::make_unique<DockerClient>(deps_.transport_factory(ep, {}), options_.default_timeout);
    // images() runs on API request threads: a hung engine must not hold them long.
    probe_ = std::make_unique<DockerClient>(deps_.transport_factory(ep, {}), 2s);
    if (!deps_.images) {
      ScriptImageSourceOptions so;
      so.script = FindBuildScript(options_.image_build_script);
      so.cache_dir = options_.image_cache_dir;
      if (options_.docker_host.rfind("unix://", 0) == 0 ||
          (options_.docker_host.rfind("tcp://", 0) == 0 && options_.ca_file.empty())) {
        so.docker_host = options_.docker_host;
      }
      deps_.images = NewScriptImageSource(
          so, [this](const std::string& ref) { return host_->InspectImage(ref).has_value(); });
    }
    auto pool = ParseCidr(options_.subnet_pool);
    if (pool) {
      pool_ = *pool;
    } else {
      pool_error_ = pool.error().WithContext("[docker] subnet_pool");
    }
  }

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
    auto now = SteadyClock::now();
    if (now - images_listed_at_ > 5s || images_listed_at_ == SteadyClock::time_point()) {
      images_listed_at_ = now;
      variants_.clear();
      auto list = probe_->ListImages({{"label", {"magnum.node-image=swarm-node"}}});
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

  Result<void> CreateCluster(OperationContext& op) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.Create();
  }

  Result<void> ResizeNodeGroup(OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>& nodes_to_remove) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.Resize(ng_uuid, nodes_to_remove);
  }

  Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                              int64_t max_batch_size, const std::string& ng_uuid) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.Upgrade(target, ng_uuid);
  }

  Result<void> DeleteCluster(OperationContext& op) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.Delete();
  }

  Result<void> CreateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.CreateNodeGroup(ng_uuid);
  }

  Result<void> UpdateNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.Resize(ng_uuid, {});
  }

  Result<void> DeleteNodeGroup(OperationContext& op, const std::string& ng_uuid) override {
    auto lock = LockCluster(op.cluster().uuid);
    Session s(this, &op);
    return s.DeleteNodeGroup(ng_uuid);
  }

  Result<SyncReport> SyncStatus(const ClusterState& cluster) override {
    SyncReport r;
    if (cluster.status.rfind("DELETE_", 0) != 0) return r;
    MAGNUM_ASSIGN_OR_RETURN(auto containers, host_->ListContainers(ClusterFilter(cluster.uuid)));
    MAGNUM_ASSIGN_OR_RETURN(auto networks, host_->ListNetworks(ClusterFilter(cluster.uuid)));
    MAGNUM_ASSIGN_OR_RETURN(auto volumes, host_->ListVolumes(ClusterFilter(cluster.uuid)));
    if (containers.empty() && networks.empty() && volumes.empty()) {
      r.state = SyncReport::State::kGone;
      r.reason = "no container, volume or network of the cluster is left";
    }
    return r;
  }

  std::optional<Result<HealthReport>> PollHealth(const ClusterState& cluster) override {
    auto containers = host_->ListContainers(ClusterFilter(cluster.uuid));
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
      auto res = host_->Exec(
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

 private:
  friend class Session;

  std::unique_lock<std::mutex> LockCluster(const std::string& uuid) {
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

  Result<std::shared_ptr<const std::string>> WorkloadTar(const std::string& ref) {
    std::lock_guard lock(tar_mu_);
    auto it = workload_tars_.find(ref);
    if (it != workload_tars_.end()) return it->second;
    std::vector<std::string> names = {ref};
    auto latest = host_->InspectImage(std::string(kWorkloadLatest));
    auto mine = host_->InspectImage(ref);
    if (latest && mine && latest->id == mine->id && ref != kWorkloadLatest) {
      names.push_back(std::string(kWorkloadLatest));
    }
    MAGNUM_ASSIGN_OR_RETURN(std::string tar, host_->SaveImages(names));
    auto shared = std::make_shared<const std::string>(std::move(tar));
    workload_tars_[ref] = shared;
    return shared;
  }

  DockerDriverOptions options_;
  DockerDriverDeps deps_;
  std::unique_ptr<DockerClient> host_;
  std::unique_ptr<DockerClient> probe_;  // same engine, short timeout
  std::optional<Error> host_error_;      // bad TLS files for the host engine
  Cidr pool_;
  std::optional<Error> pool_error_;

  std::mutex subnet_mu_;  // serialises choosing and creating cluster networks

  std::mutex locks_mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> cluster_locks_;  // guarded by locks_mu_

  std::mutex tar_mu_;
  std::map<std::string, std::shared_ptr<const std::string>> workload_tars_;  // by tar_mu_

  mutable std::mutex images_mu_;
  mutable SteadyClock::time_point images_listed_at_;  // guarded by images_mu_
  mutable std::vector<std::string> variants_;         // guarded by images_mu_
};

// ---------------------------------------------------------------------------------------

Session::Session(DockerDriver* driver, OperationContext* op) : driver_(driver), op_(op) {}

DockerClient& Session::host() { return *driver_->host_; }

Result<void> Session::CheckCancelled(std::string_view step) const {
  if (op_->Cancelled()) {
    return Fail(Error::Unavailable("operation cancelled during step '" + std::string(step) + "'"));
  }
  return {};
}

Result<void> Session::Sleep() const {
  std::this_thread::sleep_for(driver_->options_.poll_interval);
  return {};
}

Result<void> Session::CheckEngine() {
  if (driver_->host_error_) return Fail(*driver_->host_error_);
  if (driver_->pool_error_) return Fail(*driver_->pool_error_);
  auto v = host().Version();
  if (!v) {
    op_->Warning("engine", v.error().message());
    return Fail(v.error());
  }
  op_->Event("engine",
             "Docker Engine " + v->version + " (API " + v->api_version + ") at " + host().url());
  return {};
}

Result<std::string> Session::ResolveImage(const std::string& image_id) {
  std::string id = image_id.empty() ? std::string(kImageName) : image_id;
  if (id != kImageName && id.rfind(std::string(kImageName) + ":", 0) != 0) {
    return Fail(Error::InvalidArgument("image " + id +
                                       " is not a node image of the docker driver (swarm-node "
                                       "or swarm-node:<tag>)"));
  }
  bool building = false;
  auto images = driver_->deps_.images->Ensure(
      [&](std::string_view line) {
        building = true;
        op_->Event("images", line);
      },
      [this] { return op_->Cancelled(); });
  if (!images) {
    op_->Warning("images", images.error().message());
    return Fail(images.error());
  }
  workload_ref_ = images->workload;
  std::string ref = images->node;
  if (id != kImageName) {
    ref = std::string(kNodeRepo) + id.substr(kImageName.size());
    auto found = host().InspectImage(ref);
    if (!found) {
      return Fail(Error::NotFound("node image " + ref + " (template image " + id +
                                  ") is not on the engine; build it with "
                                  "scripts/build-node-image.sh --variant " +
                                  id.substr(kImageName.size() + 1)));
    }
  }
  if (building) op_->Event("images", "node image " + ref + " ready");
  return ref;
}

Result<void> Session::CreateNetwork() {
  const ClusterState& c = cluster();
  std::lock_guard lock(driver_->subnet_mu_);
  // A create retried after a failure finds its network already there.
  MAGNUM_ASSIGN_OR_RETURN(auto mine, host().ListNetworks(ClusterFilter(c.uuid)));
  if (!mine.empty()) return LoadNetwork();

  bool disambiguate = false;
  std::vector<Cidr> refused;
  for (int attempt = 0; attempt < 16; ++attempt) {
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("network"));
    MAGNUM_ASSIGN_OR_RETURN(auto all, host().ListNetworks());
    std::string prefix = NamePrefix(c.name, c.uuid, disambiguate);
    bool name_taken = std::any_of(all.begin(), all.end(), [&](const NetworkInfo& n) {
      return n.name == NetworkName(prefix);
    });
    if (!name_taken && !disambiguate) {
      // Node containers of another cluster (or anyone) with our names?
      MAGNUM_ASSIGN_OR_RETURN(
          auto clash,
          host().ListContainers({{"name", {"^/" + prefix + "-(master|node)-[0-9]+$"}}}, true));
      name_taken = std::any_of(clash.begin(), clash.end(), [&](const ContainerSummary& s) {
        auto it = s.labels.find(std::string(kLabelCluster));
        return it == s.labels.end() || it->second != c.uuid;
      });
    }
    if (name_taken && !disambiguate) {
      disambiguate = true;
      continue;
    }
    std::vector<std::string> used;
    for (const auto& n : all) used.insert(used.end(), n.subnets.begin(), n.subnets.end());
    auto subnet = PickFreeSubnet(driver_->pool_, driver_->options_.subnet_prefix, used, refused);
    if (!subnet) {
      op_->Warning("network", subnet.error().message());
      return Fail(subnet.error());
    }
    NetworkSpec spec;
    spec.name = NetworkName(prefix);
    spec.subnet = subnet->ToString();
    spec.gateway = subnet->Address(1);
    spec.bridge_name = BridgeName(c.uuid);
    spec.labels = ClusterLabels(c);
    spec.labels[std::string(kLabelPrefix)] = prefix;
    auto created = host().CreateNetwork(spec);
    if (!created) {
      std::string msg = Lower(created.error().message());
      if (msg.find("overlap") != std::string::npos) {
        refused.push_back(*subnet);  // another process took it between list and create
        continue;
      }
      if (msg.find("already exists") != std::string::npos && !disambiguate) {
        disambiguate = true;
        continue;
      }
      op_->Warning("network", created.error().message());
      return Fail(created.error());
    }
    prefix_ = prefix;
    network_ = spec.name;
    subnet_ = *subnet;
    op_->Event("network", "network " + network_ + " created (subnet " + spec.subnet + ", bridge " +
                              spec.bridge_name + ")");
    return op_->Report(ClusterReport{network_, std::nullopt, std::nullopt, std::nullopt});
  }
  return Fail(Error::Unavailable("could not create the cluster network after 16 attempts"));
}

Result<void> Session::LoadNetwork() {
  MAGNUM_ASSIGN_OR_RETURN(auto nets, host().ListNetworks(ClusterFilter(cluster().uuid)));
  if (nets.empty()) {
    return Fail(Error::NotFound("the network of cluster " + cluster().uuid +
                                " is gone from the Docker Engine at " + host().url()));
  }
  const NetworkInfo& n = nets[0];
  if (n.subnets.empty()) return Fail(Error::Internal("network " + n.name + " has no subnet"));
  MAGNUM_ASSIGN_OR_RETURN(subnet_, ParseCidr(n.subnets[0]));
  network_ = n.name;
  auto it = n.labels.find(std::string(kLabelPrefix));
  prefix_ = it != n.labels.end() ? it->second : NamePrefix(cluster().name, cluster().uuid);
  return {};
}

Result<std::vector<NodeRecord>> Session::ListNodes() {
  MAGNUM_ASSIGN_OR_RETURN(auto containers, host().ListContainers(ClusterFilter(cluster().uuid)));
  return NodesFromContainers(containers);
}

Result<DockerClient*> Session::NodeClient(const std::string& ip) {
  auto it = node_clients_.find(ip);
  if (it != node_clients_.end()) return it->second.get();
  if (!client_cert_) {
    MAGNUM_ASSIGN_OR_RETURN(client_cert_, op_->IssueClientCertificate("admin", "system:masters"));
  }
  DockerEndpoint ep{"tcp://" + ip + ":" + std::to_string(kApiPort),
                    client_cert_->ca_certificate_pem, client_cert_->certificate_pem,
                    client_cert_->private_key_pem};
  auto client = std::make_unique<DockerClient>(
      driver_->deps_.transport_factory(ep, [op = op_] { return op->Cancelled(); }),
      driver_->options_.default_timeout);
  DockerClient* raw = client.get();
  node_clients_[ip] = std::move(client);
  return raw;
}

Result<NodeRecord> Session::StartNode(const NodePlan& plan) {
  const ClusterState& c = cluster();
  NodeRecord n;
  n.master = plan.master;
  n.index = plan.index;
  n.nodegroup_uuid = plan.nodegroup_uuid;
  n.name = NodeName(prefix_, plan.master, plan.index);
  MAGNUM_ASSIGN_OR_RETURN(
      n.ip, plan.master ? MasterAddress(subnet_, plan.index) : WorkerAddress(subnet_, plan.index));
  n.node_image = plan.node_image_id;
  n.image = plan.node_ref;
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("node"));
  MAGNUM_ASSIGN_OR_RETURN(
      IssuedCertificate cert,
      op_->IssueServerCertificate(n.name, {n.name, "localhost"}, {n.ip, "127.0.0.1"}));
  MAGNUM_ASSIGN_OR_RETURN(auto workload, driver_->WorkloadTar(workload_ref_));

  Labels labels = ClusterLabels(c);
  labels[std::string(kLabelNodeGroup)] = plan.nodegroup_uuid;
  labels[std::string(kLabelRole)] = plan.master ? "master" : "worker";
  labels[std::string(kLabelNodeIndex)] = std::to_string(plan.index);
  labels[std::string(kLabelNodeName)] = n.name;
  labels[std::string(kLabelNodeIp)] = n.ip;
  labels[std::string(kLabelNodeImage)] = plan.node_image_id;

  MAGNUM_RETURN_IF_ERROR(host().CreateVolume(VolumeName(n.name), labels));
  ContainerSpec spec;
  spec.name = n.name;
  spec.image = plan.node_ref;
  spec.hostname = n.name;
  spec.labels = labels;
  spec.nested_engine = true;
  spec.dns = {"127.0.0.1"};
  spec.volume_name = VolumeName(n.name);
  spec.volume_target = "/var/lib/docker";
  spec.network = network_;
  spec.ipv4_address = n.ip;
  if (plan.master) spec.loopback_ports[std::string(kApiPortKey)] = plan.host_port;
  MAGNUM_ASSIGN_OR_RETURN(n.container_id, host().CreateContainer(spec));

  TarWriter tar;
  MAGNUM_RETURN_IF_ERROR(tar.AddDirectory("etc/docker/tls", 0755));
  MAGNUM_RETURN_IF_ERROR(tar.AddFile("etc/docker/tls/ca.pem", cert.ca_certificate_pem, 0644));
  MAGNUM_RETURN_IF_ERROR(tar.AddFile("etc/docker/tls/server-cert.pem", cert.certificate_pem, 0644));
  MAGNUM_RETURN_IF_ERROR(tar.AddFile("etc/docker/tls/server-key.pem", cert.private_key_pem, 0600));
  MAGNUM_RETURN_IF_ERROR(tar.AddDirectory("images", 0755));
  MAGNUM_RETURN_IF_ERROR(tar.AddFile("images/magnum-workload.tar", *workload, 0644));
  MAGNUM_RETURN_IF_ERROR(host().PutArchive(n.container_id, "/", tar.Finish()));
  MAGNUM_RETURN_IF_ERROR(host().StartContainer(n.container_id));
  n.state = "running";
  op_->Event("node", "node " + n.name + " started (" + n.ip + ", image " + plan.node_ref + ")",
             n.name);
  return n;
}

Result<std::string> Session::ContainerFailure(const NodeRecord& n) {
  auto info = host().InspectContainer(n.container_id);
  if (!info) {
    if (info.error().Is(ErrorCode::kNotFound)) return "container " + n.name + " was removed";
    return Fail(info.error());
  }
  if (info->running) return std::string();
  std::string why = "node container " + n.name + " is " + info->state + " (exit code " +
                    std::to_string(info->exit_code) + (info->oom_killed ? ", OOM-killed" : "") +
                    (info->error.empty() ? "" : ", " + info->error) + ")";
  auto logs = host().ContainerLogs(n.container_id, 5);
  if (logs && !logs->empty()) {
    std::string l = *logs;
    std::replace(l.begin(), l.end(), '\n', ' ');
    why += "; last log lines: " + l;
  }
  return why;
}

Result<void> Session::WaitReady(const std::vector<NodeRecord>& nodes) {
  // The operation's own deadline arrives as cancellation.
  auto deadline = SteadyClock::now() + driver_->options_.node_ready_timeout;
  std::vector<bool> ready(nodes.size(), false);
  std::vector<std::string> last_error(nodes.size());
  auto next_container_check = SteadyClock::now() + 1s;
  while (true) {
    bool all = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (ready[i]) continue;
      MAGNUM_ASSIGN_OR_RETURN(DockerClient * c, NodeClient(nodes[i].ip));
      // Short: a dead node's address does not even refuse (no ARP answer), it just hangs.
      auto img = c->InspectImage(workload_ref_, 1500ms);
      if (img) {
        ready[i] = true;
        continue;
      }
      // Not up yet (refused, reset) or not loaded yet (404): wait. Anything else is final.
      if (!img.error().Is(ErrorCode::kUnavailable) && !img.error().Is(ErrorCode::kNotFound)) {
        op_->Warning("node", "node " + nodes[i].name + ": " + img.error().message(), nodes[i].name);
        return Fail(img.error());
      }
      last_error[i] = img.error().message();
      all = false;
    }
    if (all) return {};
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("node"));
    if (SteadyClock::now() >= next_container_check) {
      next_container_check = SteadyClock::now() + 1s;
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (ready[i]) continue;
        MAGNUM_ASSIGN_OR_RETURN(std::string why, ContainerFailure(nodes[i]));
        if (!why.empty()) {
          op_->Warning("node", why, nodes[i].name);
          return Fail(Error::Internal(why));
        }
      }
    }
    if (SteadyClock::now() > deadline) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (ready[i]) continue;
        std::string why = "node " + nodes[i].name + " not ready in time: " + last_error[i];
        op_->Warning("node", why, nodes[i].name);
        return Fail(Error::Unavailable(why));
      }
    }
    Sleep();
  }
}

Result<NodeRecord> Session::Manager(const std::vector<NodeRecord>& nodes) {
  for (const auto& n : nodes) {
    if (n.master && n.running()) return n;
  }
  return Fail(Error::Unavailable("no manager node of cluster " + cluster().name + " is running"));
}

Result<void> Session::Join(const NodeRecord& manager, const NodeRecord& node,
                           const std::string& token, std::string_view step) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled(step));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * c, NodeClient(node.ip));
  auto st = c->SwarmState();
  if (st && st->state == "active") return {};  // already a member (re-run)
  auto joined = c->SwarmJoin(node.ip + ":" + std::to_string(kSwarmPort), node.ip,
                             manager.ip + ":" + std::to_string(kSwarmPort), token);
  if (!joined) {
    op_->Warning(step, "node " + node.name + " could not join: " + joined.error().message(),
                 node.name);
    return Fail(joined.error());
  }
  op_->Event(step, "node " + node.name + " joined the swarm" + (node.master ? " as a manager" : ""),
             node.name);
  return {};
}

Result<void> Session::WaitSwarmReady(const NodeRecord& manager,
                                     const std::vector<NodeRecord>& nodes) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  auto deadline = SteadyClock::now() + driver_->options_.node_ready_timeout;
  std::string missing;
  auto next_container_check = SteadyClock::now() + 1s;
  while (true) {
    auto list = mc->ListNodes();
    if (list) {
      missing.clear();
      for (const auto& n : nodes) {
        auto it = std::find_if(list->begin(), list->end(), [&](const SwarmNode& s) {
          return s.hostname == n.name && s.state == "ready";
        });
        if (it == list->end()) missing += (missing.empty() ? "" : ", ") + n.name;
      }
      if (missing.empty()) return {};
    } else {
      missing = list.error().message();
    }
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("ready"));
    if (SteadyClock::now() >= next_container_check) {
      next_container_check = SteadyClock::now() + 1s;
      for (const auto& n : nodes) {
        MAGNUM_ASSIGN_OR_RETURN(std::string why, ContainerFailure(n));
        if (!why.empty()) {
          op_->Warning("ready", why, n.name);
          return Fail(Error::Internal(why));
        }
      }
    }
    if (SteadyClock::now() > deadline) {
      std::string why = "swarm nodes not Ready in time: " + missing;
      op_->Warning("ready", why);
      return Fail(Error::Unavailable(why));
    }
    Sleep();
  }
}

Result<void> Session::ApplyLabels(const NodeRecord& manager, const std::vector<NodeRecord>& nodes) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
    bool conflict = false;
    for (const auto& n : nodes) {
      const NodeGroupState* ng = cluster().FindNodeGroup(n.nodegroup_uuid);
      if (ng == nullptr) continue;
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const SwarmNode& s) { return s.hostname == n.name; });
      if (it == list.end()) continue;
      SwarmNode want = *it;
      for (const auto& [k, v] : SwarmLabelsFor(*ng)) want.labels[k] = v;
      if (want.labels == it->labels) continue;
      auto r = mc->UpdateNode(want);
      if (!r) {
        if (r.error().Is(ErrorCode::kInternal) || r.error().Is(ErrorCode::kConflict)) {
          conflict = true;  // "update out of sequence": read again and retry
          continue;
        }
        return Fail(r.error());
      }
    }
    if (!conflict) return {};
  }
  return Fail(Error::Internal("could not set swarm node labels (concurrent updates)"));
}

Result<void> Session::SetAvailability(const NodeRecord& manager, const std::string& hostname,
                                      const std::string& availability) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const SwarmNode& s) { return s.hostname == hostname; });
    if (it == list.end()) return Fail(Error::NotFound("swarm node " + hostname + " not found"));
    if (it->availability == availability) return {};
    SwarmNode want = *it;
    want.availability = availability;
    auto r = mc->UpdateNode(want);
    if (r) return {};
    if (!r.error().Is(ErrorCode::kInternal) && !r.error().Is(ErrorCode::kConflict)) {
      return Fail(r.error());
    }
  }
  return Fail(Error::Internal("could not set availability of " + hostname));
}

Result<void> Session::Drain(const NodeRecord& manager, const NodeRecord& node) {
  auto set = SetAvailability(manager, node.name, "drain");
  if (!set) {
    if (set.error().Is(ErrorCode::kNotFound)) return {};  // never joined
    return Fail(set.error());
  }
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const SwarmNode& s) { return s.hostname == node.name; });
  if (it == list.end()) return {};
  auto deadline = SteadyClock::now() + 60s;
  while (true) {
    auto n = mc->RunningTaskCount(it->id);
    if (!n || *n == 0) break;
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("drain"));
    if (SteadyClock::now() > deadline) {
      op_->Warning("drain",
                   "node " + node.name + " still has " + std::to_string(*n) +
                       " running tasks after 60 s; removing it anyway",
                   node.name);
      break;
    }
    Sleep();
  }
  op_->Event("drain", "node " + node.name + " drained", node.name);
  return {};
}

Result<void> Session::RemoveWorker(const NodeRecord& manager, const NodeRecord& node) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("remove"));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  std::string swarm_id;
  if (auto list = mc->ListNodes()) {
    for (const auto& s : *list) {
      if (s.hostname == node.name) swarm_id = s.id;
    }
  }
  if (!swarm_id.empty() && node.running()) {
    MAGNUM_RETURN_IF_ERROR(Drain(manager, node));
    MAGNUM_ASSIGN_OR_RETURN(DockerClient * wc, NodeClient(node.ip));
    auto left = wc->SwarmLeave(false);
    if (!left) {
      op_->Warning("remove", "swarm leave on " + node.name + " failed: " + left.error().message(),
                   node.name);
    }
  }
  if (!swarm_id.empty()) {
    auto rm = mc->RemoveNode(swarm_id, true);
    if (!rm && !rm.error().Is(ErrorCode::kNotFound)) return Fail(rm.error());
  }
  auto rc = host().RemoveContainer(node.container_id, true, true);
  if (!rc && !rc.error().Is(ErrorCode::kNotFound)) return Fail(rc.error());
  auto rv = host().RemoveVolume(VolumeName(node.name), true);
  if (!rv && !rv.error().Is(ErrorCode::kNotFound)) return Fail(rv.error());
  op_->Event("remove", "node " + node.name + " removed", node.name);
  return {};
}

Result<std::vector<NodeRecord>> Session::Grow(const NodeGroupState& ng, int64_t count,
                                              const std::vector<NodeRecord>& existing) {
  if (count <= 0) return std::vector<NodeRecord>{};
  std::vector<int> taken;
  for (const auto& n : existing) {
    if (!n.master) taken.push_back(n.index);
  }
  std::vector<int> indices = FreeIndices(taken, static_cast<int>(count));
  std::string image_id = ng.image_id.empty() ? cluster().cluster_template.image_id : ng.image_id;
  // Keep the image the nodegroup runs now (it may have been upgraded past the template).
  for (const auto& n : existing) {
    if (n.nodegroup_uuid == ng.uuid && !n.node_image.empty()) image_id = n.node_image;
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(existing));
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());

  std::vector<NodeRecord> added(indices.size());
  MAGNUM_RETURN_IF_ERROR(ParallelFor(indices.size(), [&](size_t i) -> Result<void> {
    NodePlan plan{false, indices[i], ng.uuid, image_id, ref, 0};
    MAGNUM_ASSIGN_OR_RETURN(added[i], StartNode(plan));
    return {};
  }));
  MAGNUM_RETURN_IF_ERROR(WaitReady(added));
  // Joins run one after another: NodeClient() is not thread-safe (it fills node_clients_)
  // and swarm joins serialise on the manager anyway.
  for (const auto& n : added) MAGNUM_RETURN_IF_ERROR(Join(manager, n, tokens.worker, "join"));
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(manager, added));
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, added));
  return added;
}

Result<void> Session::ReportAddresses(const std::vector<NodeRecord>& nodes) {
  for (const auto& ng : cluster().nodegroups) {
    std::vector<std::string> addrs;
    for (const auto& n : nodes) {
      if (n.nodegroup_uuid == ng.uuid) addrs.push_back(n.ip);
    }
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.node_addresses = addrs;
    if (!network_.empty()) r.stack_id = network_;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  return {};
}

Result<void> Session::ReportApi(const NodeRecord& manager) {
  MAGNUM_ASSIGN_OR_RETURN(ContainerInfo info, host().InspectContainer(manager.container_id));
  auto port = info.host_ports.find(std::string(kApiPortKey));
  if (port == info.host_ports.end()) {
    return Fail(Error::Internal("manager " + manager.name + " publishes no API port"));
  }
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(EngineVersion v, mc->Version());
  ClusterReport r;
  r.stack_id = network_;
  r.api_address = "tcp://127.0.0.1:" + std::to_string(port->second);
  r.coe_version = v.version;
  r.container_version = v.version;
  return op_->Report(r);
}

Result<void> Session::Create() {
  const ClusterState& c = cluster();
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(c.cluster_template.image_id));
  MAGNUM_RETURN_IF_ERROR(CreateNetwork());

  // The plan: masters first (indices 0..), then the workers of every nodegroup.
  std::vector<NodePlan> plans;
  int masters = 0, workers = 0;
  std::string tmpl_image =
      c.cluster_template.image_id.empty() ? std::string(kImageName) : c.cluster_template.image_id;
  for (const auto& ng : c.nodegroups) {
    std::string image_id = ng.image_id.empty() ? tmpl_image : ng.image_id;
    std::string node_ref = ref;
    if (image_id != tmpl_image) {
      MAGNUM_ASSIGN_OR_RETURN(node_ref, ResolveImage(image_id));
    }
    for (int64_t i = 0; i < ng.node_count; ++i) {
      int index = ng.IsMaster() ? masters++ : workers++;
      plans.push_back({ng.IsMaster(), index, ng.uuid, image_id, node_ref, 0});
    }
  }
  std::stable_partition(plans.begin(), plans.end(), [](const NodePlan& p) { return p.master; });
  if (masters == 0) return Fail(Error::InvalidArgument("a cluster needs at least one master"));
  if (workers > 0 && workers - 1 > MaxWorkerIndex(subnet_)) {
    return Fail(Error::InvalidArgument("at most " + std::to_string(MaxWorkerIndex(subnet_) + 1) +
                                       " workers fit a cluster subnet"));
  }

  // Containers start in parallel: most of a node's start-up is its own dockerd.
  std::vector<NodeRecord> nodes(plans.size());
  MAGNUM_RETURN_IF_ERROR(ParallelFor(plans.size(), [&](size_t i) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(nodes[i], StartNode(plans[i]));
    return {};
  }));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(nodes));
  MAGNUM_RETURN_IF_ERROR(WaitReady(nodes));

  const NodeRecord& manager = nodes[0];
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("swarm"));
  auto init = mc->SwarmInit(manager.ip + ":" + std::to_string(kSwarmPort), manager.ip);
  if (!init) {
    op_->Warning("swarm", "swarm init on " + manager.name + " failed: " + init.error().message(),
                 manager.name);
    return Fail(init.error());
  }
  op_->Event("swarm", "swarm formed on " + manager.name + " (" + manager.ip + ":2377)",
             manager.name);
  MAGNUM_ASSIGN_OR_RETURN(SwarmTokens tokens, mc->SwarmJoinTokens());
  for (size_t i = 1; i < nodes.size(); ++i) {
    MAGNUM_RETURN_IF_ERROR(
        Join(manager, nodes[i], nodes[i].master ? tokens.manager : tokens.worker, "join"));
  }
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(manager, nodes));
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, nodes));
  MAGNUM_RETURN_IF_ERROR(ReportApi(manager));
  op_->Event("ready", "all " + std::to_string(nodes.size()) + " nodes are Ready");
  return {};
}

Result<void> Session::Resize(const std::string& ng_uuid,
                             const std::vector<std::string>& nodes_to_remove) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  std::vector<NodeRecord> members;
  for (const auto& n : nodes) {
    if (n.nodegroup_uuid == ng->uuid) members.push_back(n);
  }
  if (ng->IsMaster()) {
    if (static_cast<int64_t>(members.size()) != ng->node_count) {
      return Fail(Error::FailedPrecondition(
          "Resizing the master nodegroup is not supported by this driver."));
    }
    return ReportAddresses(nodes);
  }
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  MAGNUM_ASSIGN_OR_RETURN(auto removal,
                          SelectNodesToRemove(members, nodes_to_remove, ng->node_count));
  for (const auto& n : removal) MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, n));
  std::vector<NodeRecord> kept;
  for (const auto& n : nodes) {
    bool removed = std::any_of(removal.begin(), removal.end(), [&](const NodeRecord& r) {
      return r.container_id == n.container_id;
    });
    if (!removed) kept.push_back(n);
  }
  int64_t in_group = std::count_if(
      kept.begin(), kept.end(), [&](const NodeRecord& n) { return n.nodegroup_uuid == ng->uuid; });
  MAGNUM_ASSIGN_OR_RETURN(auto added, Grow(*ng, ng->node_count - in_group, kept));
  kept.insert(kept.end(), added.begin(), added.end());
  std::sort(kept.begin(), kept.end(), [](const NodeRecord& a, const NodeRecord& b) {
    if (a.master != b.master) return a.master;
    return a.index < b.index;
  });
  // node_labels may have changed (nodegroup update): apply them to every member.
  std::vector<NodeRecord> group;
  for (const auto& n : kept) {
    if (n.nodegroup_uuid == ng->uuid && n.running()) group.push_back(n);
  }
  MAGNUM_RETURN_IF_ERROR(ApplyLabels(manager, group));
  MAGNUM_RETURN_IF_ERROR(ReportAddresses(kept));
  op_->Event("resize",
             "nodegroup " + ng->name + " has " + std::to_string(ng->node_count) + " nodes");
  return {};
}

Result<void> Session::CreateNodeGroup(const std::string& ng_uuid) {
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  if (ng == nullptr) return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  if (ng->IsMaster()) {
    return Fail(Error::FailedPrecondition(
        "the docker driver does not support additional master nodegroups"));
  }
  return Resize(ng_uuid, {});
}

Result<void> Session::DeleteNodeGroup(const std::string& ng_uuid) {
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  const NodeGroupState* ng = cluster().FindNodeGroup(ng_uuid);
  std::string uuid = ng != nullptr ? ng->uuid : ng_uuid;
  if (ng != nullptr && ng->IsMaster()) {
    return Fail(Error::FailedPrecondition("the master nodegroup cannot be deleted"));
  }
  std::vector<NodeRecord> members;
  for (const auto& n : nodes) {
    if (n.nodegroup_uuid == uuid) members.push_back(n);
  }
  if (members.empty()) return {};
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  for (const auto& n : members) MAGNUM_RETURN_IF_ERROR(RemoveWorker(manager, n));
  op_->Event("nodegroup_delete", std::to_string(members.size()) + " nodes removed");
  return {};
}

Result<void> Session::ReplaceNode(const NodeRecord& manager, const NodeRecord& node,
                                  const std::string& ref, const std::string& image_id) {
  MAGNUM_RETURN_IF_ERROR(CheckCancelled("upgrade"));
  MAGNUM_RETURN_IF_ERROR(Drain(manager, node));
  MAGNUM_ASSIGN_OR_RETURN(ContainerInfo info, host().InspectContainer(node.container_id));
  int host_port = 0;
  if (auto p = info.host_ports.find(std::string(kApiPortKey)); p != info.host_ports.end()) {
    host_port = p->second;
  }
  // Graceful stop: the node's dockerd saves its swarm state in the volume, which the new
  // container reuses, so the node keeps its identity and membership.
  MAGNUM_RETURN_IF_ERROR(host().StopContainer(node.container_id, 10));
  MAGNUM_RETURN_IF_ERROR(host().RemoveContainer(node.container_id, true, false));
  NodePlan plan{node.master, node.index, node.nodegroup_uuid, image_id, ref, host_port};
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord fresh, StartNode(plan));
  MAGNUM_RETURN_IF_ERROR(WaitReady({fresh}));
  // Back in the swarm: its engine says active, and the manager sees it Ready.
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * nc, NodeClient(fresh.ip));
  auto deadline = SteadyClock::now() + driver_->options_.node_ready_timeout;
  while (true) {
    auto st = nc->SwarmState();
    if (st && st->state == "active") break;
    MAGNUM_RETURN_IF_ERROR(CheckCancelled("upgrade"));
    if (SteadyClock::now() > deadline) {
      return Fail(Error::Unavailable("node " + fresh.name + " did not rejoin the swarm"));
    }
    Sleep();
  }
  MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(manager, {fresh}));
  MAGNUM_RETURN_IF_ERROR(SetAvailability(manager, fresh.name, "active"));
  op_->Event("upgrade", "node " + fresh.name + " now runs " + ref, fresh.name);
  return {};
}

Result<void> Session::Upgrade(const TemplateState& target, const std::string& ng_uuid) {
  MAGNUM_RETURN_IF_ERROR(CheckEngine());
  MAGNUM_RETURN_IF_ERROR(LoadNetwork());
  std::string image_id = target.image_id.empty() ? std::string(kImageName) : target.image_id;
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, ResolveImage(image_id));
  MAGNUM_ASSIGN_OR_RETURN(ImageInfo target_image, host().InspectImage(ref));
  MAGNUM_ASSIGN_OR_RETURN(auto nodes, ListNodes());
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord manager, Manager(nodes));
  const NodeGroupState* only = ng_uuid.empty() ? nullptr : cluster().FindNodeGroup(ng_uuid);
  if (!ng_uuid.empty() && only == nullptr) {
    return Fail(Error::NotFound("Nodegroup " + ng_uuid + " could not be found."));
  }
  std::vector<NodeRecord> order;
  for (const auto& n : nodes) {
    if (only == nullptr || n.nodegroup_uuid == only->uuid) order.push_back(n);
  }
  // Workers first, managers last: the swarm keeps its control plane as long as possible.
  std::stable_partition(order.begin(), order.end(), [](const NodeRecord& n) { return !n.master; });
  int moved = 0;
  for (const auto& n : order) {
    if (n.image_id == target_image.id) continue;
    MAGNUM_RETURN_IF_ERROR(ReplaceNode(manager, n, ref, image_id));
    ++moved;
  }
  for (const auto& ng : cluster().nodegroups) {
    if (only != nullptr && ng.uuid != only->uuid) continue;
    NodeGroupReport r;
    r.uuid = ng.uuid;
    r.image_id = image_id;
    r.version = image_id;
    MAGNUM_RETURN_IF_ERROR(op_->ReportNodeGroup(r));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto after, ListNodes());
  MAGNUM_ASSIGN_OR_RETURN(NodeRecord mgr, Manager(after));
  // A restarted manager learns the other nodes' state from their next heartbeats: done
  // when it sees every node Ready again.
  if (moved > 0) MAGNUM_RETURN_IF_ERROR(WaitSwarmReady(mgr, after));
  MAGNUM_RETURN_IF_ERROR(ReportApi(mgr));
  op_->Event("upgrade", std::to_string(moved) + " nodes moved to " + ref + " (" + image_id + ")");
  return {};
}

Result<void> Session::Delete() {
  const ClusterState& c = cluster();
  if (driver_->host_error_) return Fail(*driver_->host_error_);
  Filters mine = ClusterFilter(c.uuid);
  for (int attempt = 0; attempt < 3; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(auto containers, host().ListContainers(mine));
    MAGNUM_RETURN_IF_ERROR(ParallelFor(containers.size(), [&](size_t i) -> Result<void> {
      auto r = host().RemoveContainer(containers[i].id, true, true);
      if (!r && !r.error().Is(ErrorCode::kNotFound)) return Fail(r.error());
      return {};
    }));
    if (!containers.empty()) {
      op_->Event("delete", std::to_string(containers.size()) + " node containers removed");
    }
    MAGNUM_ASSIGN_OR_RETURN(auto volumes, host().ListVolumes(mine));
    for (const auto& v : volumes) {
      auto r = host().RemoveVolume(v.name, true);
      if (!r && !r.error().Is(ErrorCode::kNotFound)) return Fail(r.error());
    }
    if (!volumes.empty()) op_->Event("delete", std::to_string(volumes.size()) + " volumes removed");
    MAGNUM_ASSIGN_OR_RETURN(auto networks, host().ListNetworks(mine));
    for (const auto& n : networks) {
      auto r = host().RemoveNetwork(n.id);
      if (!r && !r.error().Is(ErrorCode::kNotFound)) return Fail(r.error());
      op_->Event("delete", "network " + n.name + " removed");
    }
    // Nothing may be left (a create still racing us would have added objects).
    MAGNUM_ASSIGN_OR_RETURN(auto c2, host().ListContainers(mine));
    MAGNUM_ASSIGN_OR_RETURN(auto v2, host().ListVolumes(mine));
    MAGNUM_ASSIGN_OR_RETURN(auto n2, host().ListNetworks(mine));
    if (c2.empty() && v2.empty() && n2.empty()) return {};
  }
  return Fail(Error::Internal("objects of cluster " + c.uuid +
                              " are still on the engine after 3 "
                              "deletion passes"));
}

}  // namespace

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
  return o;
}

std::unique_ptr<Driver> NewDockerDriver(DockerDriverOptions options, DockerDriverDeps deps) {
  return std::make_unique<DockerDriver>(std::move(options), std::move(deps));
}

}  // namespace magnum::drivers::docker
