// The HOT templates of the Heat driver for Kubernetes on Fedora CoreOS (k8s_fedora_coreos_v1)
// and the parameters the driver passes with them. Written here; rendered as JSON text (Heat
// reads JSON as YAML), with `heat_template_version` a string.
//
// Stacks (docs/heat-driver.md, "Stacks"):
//   * one cluster stack: private network, subnet and router (unless fixed_network is given),
//     the masters' and workers' security groups, the API load balancer when
//     master_lb_enabled, and the masters as an OS::Heat::ResourceGroup of the member
//     template kMasterTemplateFile;
//   * one stack per worker nodegroup: a ResourceGroup of kWorkerTemplateFile whose
//     removal_policies take the names or refs in the `nodes_to_remove` parameter.
// A member template holds one server with its port, optional floating IP, boot volume,
// container volume (OS::Cinder::Volume + attachment), its own wait condition (the node
// signals it from its Ignition user data when Kubernetes is up) and, on masters behind a
// load balancer, its Octavia pool member. Groups roll updates (kube_tag) by
// `update_max_batch_size`. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"
#include "magnum/drivers/heat/labels.h"

namespace magnum::drivers::heat {

inline constexpr const char* kHeatTemplateVersion = "2021-04-16";
inline constexpr const char* kMasterTemplateFile = "magnum-k8s-master.yaml";
inline constexpr const char* kWorkerTemplateFile = "magnum-k8s-worker.yaml";
// The nodegroup stack's parameter naming the members a scale-down removes first.
inline constexpr const char* kNodesToRemoveParam = "nodes_to_remove";

// A template with the nested templates it names: the `template` and `files` of Heat's
// POST /stacks.
struct RenderedStack {
  std::string template_json;
  std::map<std::string, std::string> files;
};

// What decides the shape of the stacks (fixed for the stack's life; PATCH keeps it).
struct ClusterStackSpec {
  std::string cluster_uuid;
  int64_t master_count = 1;
  std::string keypair;        // "" = no key pair on the servers
  std::string fixed_network;  // "" = the cluster stack creates network, subnet, router
  std::string fixed_subnet;   // with fixed_network: "" = its first subnet is not known
  std::string external_network = "public";
  std::string dns_nameserver = "8.8.8.8";
  bool master_lb_enabled = false;
  bool floating_ip_enabled = true;
  int64_t api_port = 6443;
  HeatLabels labels;

  // Whether the API load balancer gets a floating IP (the label, else floating_ip_enabled).
  bool LbFloatingIp() const {
    return master_lb_enabled && labels.master_lb_floating_ip_enabled.value_or(floating_ip_enabled);
  }
  // Whether the nodes' ports name a subnet (created, or fixed_subnet given).
  bool HasSubnet() const { return fixed_network.empty() || !fixed_subnet.empty(); }
  // Whether the cluster stack takes `external_network` (router, floating IPs).
  bool NeedsExternalNetwork() const {
    return floating_ip_enabled || fixed_network.empty() || LbFloatingIp();
  }
};

// The spec of `cluster` (labels merged and parsed; template fields the driver's
// TemplateState does not carry come as arguments). Errors: InvalidArgument (a bad label,
// network_driver, or more than one master without master_lb_enabled).
Result<ClusterStackSpec> MakeClusterStackSpec(const ClusterState& cluster,
                                              const std::string& fixed_network,
                                              const std::string& fixed_subnet,
                                              const std::string& external_network);

// The cluster stack (template + member template).
Result<RenderedStack> RenderClusterStack(const ClusterStackSpec& spec);
// The stack of one worker nodegroup (template + member template).
Result<RenderedStack> RenderNodeGroupStack(const ClusterStackSpec& spec);

// Secrets the nodes boot with (PEM text; hidden parameters, base64-encoded on the way).
struct NodeSecrets {
  std::string ca_cert_pem;
  std::string ca_key_pem;          // masters: kubeadm signs the other certificates with it
  std::string apiserver_cert_pem;  // masters: issued by the cluster CA for the API address
  std::string apiserver_key_pem;
  std::string bootstrap_token;  // "[a-z0-9]{6}.[a-z0-9]{16}" (MakeBootstrapToken)
  std::string certificate_key;  // 64 hex digits (MakeCertificateKey)
};

// Random values of the kubeadm formats, from `random_bytes` (at least 22 and 32 bytes).
std::string MakeBootstrapToken(const std::string& random_bytes);
std::string MakeCertificateKey(const std::string& random_bytes);

using StackParameters = std::map<std::string, std::string>;

// The cluster stack's parameters at create (and at update: PATCH sends only those that
// change). Errors: InvalidArgument (missing master flavor/image, malformed secrets).
Result<StackParameters> ClusterStackParameters(const ClusterStackSpec& spec,
                                               const ClusterState& cluster,
                                               const NodeSecrets& secrets,
                                               int64_t max_batch_size = 1);

// Where the nodegroup stacks attach: outputs of the cluster stack.
struct ClusterStackOutputs {
  std::string api_host;        // output api_address
  std::string network;         // output network
  std::string subnet;          // output subnet
  std::string security_group;  // output worker_security_group
};

// The `nodes_to_remove` parameter's value (comma_delimited_list) of member names or refs;
// kInvalidArgument for a name holding a comma.
Result<std::string> NodesToRemoveValue(const std::vector<std::string>& nodes_to_remove);

// A nodegroup stack's parameters. `nodes_to_remove`: member names or refs (server ids).
Result<StackParameters> NodeGroupStackParameters(
    const ClusterStackSpec& spec, const ClusterState& cluster, const NodeGroupState& nodegroup,
    const ClusterStackOutputs& outputs, const NodeSecrets& secrets,
    const std::vector<std::string>& nodes_to_remove = {}, int64_t max_batch_size = 1);

}  // namespace magnum::drivers::heat
