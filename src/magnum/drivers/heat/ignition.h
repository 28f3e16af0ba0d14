// Ignition (spec 3.3.0) user data of the Kubernetes nodes of the Heat driver
// (k8s_fedora_coreos_v1): the files and systemd units that install Kubernetes at the
// kube_tag label's version with kubeadm, bring the CNI of network_driver (flannel or calico)
// up on the first master, join the other masters and the workers to the API address, and
// report to a Heat wait condition when the node is up (or failed).
//
// Values Heat knows only per server (the wait handle, the API address of a load balancer,
// the secrets the driver passes as hidden parameters) are written as placeholder tokens
// (kPlaceholder* below) that the member templates replace with OS::Heat's str_replace. The
// tokens and every value Heat substitutes for them use only characters that need no escaping
// in JSON strings nor in "data:," URLs (letters, digits, - . _ ~ and, in unit contents only,
// : / for the endpoint URL), so the substituted text stays valid Ignition.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "magnum/drivers/heat/labels.h"

namespace magnum::drivers::heat {

inline constexpr std::string_view kIgnitionVersion = "3.3.0";

// Tokens the member templates replace (str_replace params).
inline constexpr std::string_view kPlaceholderWaitEndpoint = "__MAGNUM_WAIT_ENDPOINT__";
inline constexpr std::string_view kPlaceholderWaitToken = "__MAGNUM_WAIT_TOKEN__";
inline constexpr std::string_view kPlaceholderApiAddress = "__MAGNUM_API_ADDRESS__";
inline constexpr std::string_view kPlaceholderKubeTag = "__MAGNUM_KUBE_TAG__";
inline constexpr std::string_view kPlaceholderNodeIndex = "__MAGNUM_NODE_INDEX__";
inline constexpr std::string_view kPlaceholderBootstrapToken = "__MAGNUM_BOOTSTRAP_TOKEN__";
inline constexpr std::string_view kPlaceholderCertificateKey = "__MAGNUM_CERTIFICATE_KEY__";
inline constexpr std::string_view kPlaceholderCaCert = "__MAGNUM_CA_CERT_B64__";
inline constexpr std::string_view kPlaceholderCaKey = "__MAGNUM_CA_KEY_B64__";
inline constexpr std::string_view kPlaceholderApiserverCert = "__MAGNUM_APISERVER_CERT_B64__";
inline constexpr std::string_view kPlaceholderApiserverKey = "__MAGNUM_APISERVER_KEY_B64__";

enum class NodeRole { kMaster, kWorker };

// What one node's user data is made of. Strings may be literal values or the placeholders
// above; the *_b64 fields are base64 text (RFC 4648) of PEM, written into base64 data URLs.
struct IgnitionInputs {
  NodeRole role = NodeRole::kWorker;
  HeatLabels labels;
  std::string cluster_uuid;
  std::string api_address;  // host of the Kubernetes API (LB VIP or first master)
  int api_port = 6443;
  std::string node_index = "0";  // masters: 0 runs `kubeadm init`, the others join
  std::string bootstrap_token;   // kubeadm token "[a-z0-9]{6}.[a-z0-9]{16}"
  std::string certificate_key;   // masters: kubeadm --certificate-key (64 hex digits)
  std::string ca_cert_b64;
  std::string ca_key_b64;          // masters only
  std::string apiserver_cert_b64;  // masters only ("" = kubeadm issues its own)
  std::string apiserver_key_b64;   // masters only
  std::string wait_endpoint;       // OS::Heat::WaitConditionHandle endpoint
  std::string wait_token;          // and its token
  bool container_volume = false;   // a Cinder volume for /var/lib/containerd is attached
};

// The Ignition config (JSON text) of one node.
std::string RenderIgnition(const IgnitionInputs& in);

// The same with every placeholder: what the member templates embed in str_replace.
std::string RenderIgnitionTemplate(NodeRole role, const HeatLabels& labels,
                                   const std::string& cluster_uuid, bool container_volume);

}  // namespace magnum::drivers::heat
