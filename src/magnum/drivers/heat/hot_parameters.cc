// The stacks' parameters (hot.h): what the driver passes at create and update.
#include <regex>

#include "magnum/common/strings.h"
#include "magnum/drivers/heat/hot.h"

namespace magnum::drivers::heat {
namespace {

// Nova server names: lower-case letters, digits and '-', at most 40 characters.
std::string NamePart(const std::string& name, const std::string& fallback) {
  std::string out;
  for (char c : name) {
    if (out.size() >= 40) break;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += char(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? fallback : out;
}

Result<std::string> Pem(const std::string& pem, const char* what) {
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return Fail(Error::InvalidArgument(std::string(what) + " is not PEM text"));
  }
  return Base64Encode(pem);
}

// The parameters of DeclareNodeParams (hot_templates.cc) for `role`.
Result<void> NodeParams(const ClusterStackSpec& s, const ClusterState& c,
                        const NodeSecrets& secrets, bool master, const std::string& prefix,
                        StackParameters& p) {
  static const std::regex token(R"(^[a-z0-9]{6}\.[a-z0-9]{16}$)");
  static const std::regex cert_key(R"(^[0-9a-f]{64}$)");
  if (!std::regex_match(secrets.bootstrap_token, token)) {
    return Fail(
        Error::InvalidArgument("bootstrap token is not of the form [a-z0-9]{6}.[a-z0-9]{16}"));
  }
  p["cluster_uuid"] = s.cluster_uuid;
  p["name_prefix"] = prefix;
  p["kube_tag"] = s.labels.kube_tag;
  p["api_port"] = std::to_string(s.api_port);
  p["wait_timeout"] = std::to_string(std::max<int64_t>(c.create_timeout_minutes, 1) * 60);
  if (!s.keypair.empty()) p["keypair"] = s.keypair;
  if (!s.labels.availability_zone.empty()) p["availability_zone"] = s.labels.availability_zone;
  if (s.floating_ip_enabled) p["external_network"] = s.external_network;
  if (s.labels.boot_volume_size > 0) {
    p["boot_volume_size"] = std::to_string(s.labels.boot_volume_size);
    if (!s.labels.boot_volume_type.empty()) p["boot_volume_type"] = s.labels.boot_volume_type;
  }
  if (s.labels.docker_volume_size > 0) {
    p["docker_volume_size"] = std::to_string(s.labels.docker_volume_size);
    if (!s.labels.docker_volume_type.empty()) {
      p["docker_volume_type"] = s.labels.docker_volume_type;
    }
  }
  MAGNUM_ASSIGN_OR_RETURN(p["ca_cert_b64"], Pem(secrets.ca_cert_pem, "CA certificate"));
  p["bootstrap_token"] = secrets.bootstrap_token;
  if (master) {
    if (!std::regex_match(secrets.certificate_key, cert_key)) {
      return Fail(Error::InvalidArgument("certificate key is not 64 hex digits"));
    }
    MAGNUM_ASSIGN_OR_RETURN(p["ca_key_b64"], Pem(secrets.ca_key_pem, "CA key"));
    MAGNUM_ASSIGN_OR_RETURN(p["apiserver_cert_b64"],
                            Pem(secrets.apiserver_cert_pem, "API server certificate"));
    MAGNUM_ASSIGN_OR_RETURN(p["apiserver_key_b64"],
                            Pem(secrets.apiserver_key_pem, "API server key"));
    p["certificate_key"] = secrets.certificate_key;
  }
  return {};
}

std::string FromAlphabet(const std::string& random_bytes, size_t n, std::string_view alphabet) {
  std::string out;
  for (size_t i = 0; i < n && i < random_bytes.size(); ++i) {
    out += alphabet[uint8_t(random_bytes[i]) % alphabet.size()];
  }
  return out;
}

// The masters' nodegroup (the default one first) and their count, from the snapshot alone
// (this library does not link the drivers' module).
const NodeGroupState* MasterGroup(const ClusterState& c) {
  const NodeGroupState* found = nullptr;
  for (const NodeGroupState& ng : c.nodegroups) {
    if (ng.IsMaster() && (!found || (ng.is_default && !found->is_default))) found = &ng;
  }
  return found;
}

int64_t MasterCount(const ClusterState& c) {
  int64_t n = 0;
  for (const NodeGroupState& ng : c.nodegroups) n += ng.IsMaster() ? ng.node_count : 0;
  return n;
}

}  // namespace

std::string MakeBootstrapToken(const std::string& random_bytes) {
  constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string all = FromAlphabet(random_bytes, 22, kAlphabet);
  if (all.size() < 22) return "";
  return all.substr(0, 6) + "." + all.substr(6, 16);
}

std::string MakeCertificateKey(const std::string& random_bytes) {
  constexpr char kHex[] = "0123456789abcdef";
  if (random_bytes.size() < 32) return "";
  std::string out;
  for (size_t i = 0; i < 32; ++i) {
    out += kHex[uint8_t(random_bytes[i]) >> 4];
    out += kHex[uint8_t(random_bytes[i]) & 15];
  }
  return out;
}

Result<ClusterStackSpec> MakeClusterStackSpec(const ClusterState& cluster,
                                              const std::string& fixed_network,
                                              const std::string& fixed_subnet,
                                              const std::string& external_network) {
  const TemplateState& t = cluster.cluster_template;
  ClusterStackSpec s;
  s.cluster_uuid = cluster.uuid;
  s.master_count = std::max<int64_t>(MasterCount(cluster), 1);
  s.keypair = cluster.keypair;
  s.fixed_network = fixed_network;
  s.fixed_subnet = fixed_subnet;
  if (!external_network.empty()) s.external_network = external_network;
  if (!t.dns_nameserver.empty()) s.dns_nameserver = t.dns_nameserver;
  s.master_lb_enabled = cluster.master_lb_enabled.value_or(t.master_lb_enabled);
  s.floating_ip_enabled = cluster.floating_ip_enabled.value_or(t.floating_ip_enabled);
  if (t.apiserver_port) s.api_port = *t.apiserver_port;
  std::optional<int64_t> volume =
      cluster.docker_volume_size ? cluster.docker_volume_size : t.docker_volume_size;
  MAGNUM_ASSIGN_OR_RETURN(
      s.labels, ParseLabels(MergeLabels(t.labels, cluster.labels), t.network_driver, volume));
  return s;
}

Result<StackParameters> ClusterStackParameters(const ClusterStackSpec& s, const ClusterState& c,
                                               const NodeSecrets& secrets, int64_t max_batch_size) {
  const NodeGroupState* master = MasterGroup(c);
  std::string flavor =
      master && !master->flavor_id.empty() ? master->flavor_id : c.master_flavor_id;
  std::string image =
      master && !master->image_id.empty() ? master->image_id : c.cluster_template.image_id;
  if (flavor.empty()) return Fail(Error::InvalidArgument("the cluster has no master flavor"));
  if (image.empty()) return Fail(Error::InvalidArgument("the cluster template has no image"));
  StackParameters p;
  MAGNUM_RETURN_IF_ERROR(NodeParams(s, c, secrets, true, NamePart(c.name, "k8s"), p));
  p["master_count"] = std::to_string(s.master_count);
  p["master_flavor"] = flavor;
  p["master_image"] = image;
  p["update_max_batch_size"] = std::to_string(std::max<int64_t>(max_batch_size, 1));
  p["node_cidr"] = s.labels.fixed_subnet_cidr;
  if (s.NeedsExternalNetwork()) p["external_network"] = s.external_network;
  if (s.fixed_network.empty()) {
    p["fixed_subnet_cidr"] = s.labels.fixed_subnet_cidr;
    p["dns_nameserver"] = s.dns_nameserver;
  } else {
    p["fixed_network"] = s.fixed_network;
    if (!s.fixed_subnet.empty()) p["fixed_subnet"] = s.fixed_subnet;
  }
  return p;
}

Result<StackParameters> NodeGroupStackParameters(const ClusterStackSpec& s, const ClusterState& c,
                                                 const NodeGroupState& ng,
                                                 const ClusterStackOutputs& outputs,
                                                 const NodeSecrets& secrets,
                                                 const std::vector<std::string>& nodes_to_remove,
                                                 int64_t max_batch_size) {
  if (outputs.api_host.empty() || outputs.network.empty() || outputs.security_group.empty()) {
    return Fail(Error::FailedPrecondition(
        "the cluster stack has no api_address, network or worker_security_group output yet"));
  }
  if (s.HasSubnet() && outputs.subnet.empty()) {
    return Fail(Error::FailedPrecondition("the cluster stack has no subnet output yet"));
  }
  if (ng.flavor_id.empty() || ng.image_id.empty()) {
    return Fail(Error::InvalidArgument("nodegroup " + ng.name + " has no flavor or image"));
  }
  StackParameters p;
  std::string prefix = NamePart(c.name, "k8s") + "-" + NamePart(ng.name, "worker");
  MAGNUM_RETURN_IF_ERROR(NodeParams(s, c, secrets, false, prefix, p));
  p["network"] = outputs.network;
  if (s.HasSubnet()) p["subnet"] = outputs.subnet;
  p["security_group"] = outputs.security_group;
  p["api_address"] = outputs.api_host;
  p["node_count"] = std::to_string(ng.node_count);
  p["flavor"] = ng.flavor_id;
  p["image"] = ng.image_id;
  p["update_max_batch_size"] = std::to_string(std::max<int64_t>(max_batch_size, 1));
  MAGNUM_ASSIGN_OR_RETURN(p[kNodesToRemoveParam], NodesToRemoveValue(nodes_to_remove));
  return p;
}

Result<std::string> NodesToRemoveValue(const std::vector<std::string>& nodes_to_remove) {
  std::string list;
  for (const std::string& n : nodes_to_remove) {
    if (n.find(',') != std::string::npos) {
      return Fail(Error::InvalidArgument("node name '" + n + "' contains a comma"));
    }
    list += (list.empty() ? "" : ",") + n;
  }
  return list;
}

}  // namespace magnum::drivers::heat
