// Session steps against the host engine: the engine check, images, the cluster network,
// starting node containers and what a dead one's container says (the waits: session_wait.cc).
#include <algorithm>
#include <cstdio>

#include "magnum/drivers/docker/parallel.h"
#include "magnum/drivers/docker/session.h"
#include "magnum/drivers/docker/tar_writer.h"

namespace magnum::drivers::docker {

using namespace std::chrono_literals;

Session::Session(DriverCore* core, OperationContext* op) : core_(core), op_(op) {}

Result<void> Session::CheckCancelled(std::string_view step) const {
  if (op_->Cancelled()) {
    return Fail(Error::Unavailable("operation cancelled during step '" + std::string(step) + "'"));
  }
  return {};
}

Result<void> Session::ParallelNodes(size_t n, const std::function<Result<void>(size_t)>& fn) const {
  return BoundedParallelFor(n, static_cast<size_t>(std::max(1, options().max_parallel_nodes)), fn);
}

Result<void> Session::CheckEngine() {
  if (core_->host_error) return Fail(*core_->host_error);
  if (core_->config_error) return Fail(*core_->config_error);
  auto v = host().Version();
  if (!v) {
    op_->Warning("engine", v.error().message());
    return Fail(v.error());
  }
  auto info = host().Info();
  if (!info) {
    op_->Warning("engine", info.error().message());
    return Fail(info.error());
  }
  capacity_ = {info->ncpu, info->mem_total, info->cpu_cfs_quota, info->memory_limit};
  capacity_known_ = true;
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
  auto images = core_->deps.images->Ensure(
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
  std::lock_guard lock(core_->subnet_mu);
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
    auto subnet = PickFreeSubnet(core_->pool, options().subnet_prefix, used, refused);
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
      EngineFailure why = ClassifyEngineError(created.error());
      if (why == EngineFailure::kForbidden) {
        // 403 "Pool overlaps with other one": another process took the subnet between
        // our list and our create.
        refused.push_back(*subnet);
        continue;
      }
      if (why == EngineFailure::kConflict && !disambiguate) {
        disambiguate = true;  // 409: a network of that name appeared meanwhile
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
  std::lock_guard lock(clients_mu_);
  auto it = node_clients_.find(ip);
  if (it != node_clients_.end()) return it->second.get();
  if (!client_cert_) {
    MAGNUM_ASSIGN_OR_RETURN(client_cert_, op_->IssueClientCertificate("admin", "system:masters"));
  }
  DockerEndpoint ep{"tcp://" + ip + ":" + std::to_string(kApiPort),
                    client_cert_->ca_certificate_pem, client_cert_->certificate_pem,
                    client_cert_->private_key_pem};
  auto client = std::make_unique<DockerClient>(
      core_->deps.transport_factory(ep, [op = op_] { return op->Cancelled(); }),
      options().default_timeout);
  DockerClient* raw = client.get();
  node_clients_[ip] = std::move(client);
  return raw;
}

NodeLimits Session::LimitsFor(const NodePlan& plan) const {
  std::string flavor;
  if (const NodeGroupState* ng = cluster().FindNodeGroup(plan.nodegroup_uuid)) {
    flavor = ng->flavor_id;
  }
  if (flavor.empty()) flavor = plan.master ? cluster().master_flavor_id : cluster().flavor_id;
  return LimitsForFlavor(core_->flavors, flavor, capacity_);
}

namespace {

std::string DescribeLimits(const NodeLimits& l) {
  if (l.cpus <= 0 && l.memory_mib <= 0) return "no limits";
  char cpus[32];
  std::snprintf(cpus, sizeof cpus, "%g", l.cpus);
  return (l.cpus > 0 ? std::string(cpus) + " CPU" : std::string("any CPU")) + ", " +
         (l.memory_mib > 0 ? std::to_string(l.memory_mib) + " MiB" : std::string("any memory"));
}

}  // namespace

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
  MAGNUM_ASSIGN_OR_RETURN(auto workload, core_->WorkloadTar(workload_ref_));

  Labels labels = ClusterLabels(c);
  labels[std::string(kLabelNodeGroup)] = plan.nodegroup_uuid;
  labels[std::string(kLabelRole)] = plan.master ? "master" : "worker";
  labels[std::string(kLabelNodeIndex)] = std::to_string(plan.index);
  labels[std::string(kLabelNodeName)] = n.name;
  labels[std::string(kLabelNodeIp)] = n.ip;
  labels[std::string(kLabelNodeImage)] = plan.node_image_id;

  MAGNUM_RETURN_IF_ERROR(host().CreateVolume(VolumeName(n.name), labels));
  NodeLimits limits = LimitsFor(plan);
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
  spec.nano_cpus = NanoCpus(limits);
  spec.memory_bytes = MemoryBytes(limits);
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
  op_->Event("node",
             "node " + n.name + " started (" + n.ip + ", image " + plan.node_ref + ", " +
                 DescribeLimits(limits) + ")",
             n.name);
  return n;
}

Result<std::string> Session::ContainerFailure(const NodeRecord& n) {
  auto info = host().InspectContainer(n.container_id);
  if (!info) {
    if (NoSuchObject(info.error())) return "container " + n.name + " was removed";
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

}  // namespace magnum::drivers::docker
