// The cluster labels the Heat driver for Kubernetes on Fedora CoreOS (k8s_fedora_coreos_v1)
// reads, parsed and validated into a typed value (docs/heat-driver.md lists each label and
// whether it is honoured). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::drivers::heat {

enum class NetworkDriver { kFlannel, kCalico };

std::string_view NetworkDriverName(NetworkDriver d);

// The labels' effective values (defaults filled in).
struct HeatLabels {
  std::string kube_tag = "v1.27.8";  // "v" + MAJOR.MINOR.PATCH[-suffix]
  NetworkDriver network_driver = NetworkDriver::kFlannel;
  std::string container_runtime = "containerd";  // the only runtime Kubernetes >= 1.24 keeps
  int64_t boot_volume_size = 0;                  // GiB; 0 = boot from the image (no volume)
  std::string boot_volume_type;                  // "" = the Cinder default type
  int64_t docker_volume_size = 0;                // GiB; 0 = no container storage volume
  std::string docker_volume_type;
  // A floating IP on the API load balancer; nullopt = as the template's floating_ip_enabled.
  std::optional<bool> master_lb_floating_ip_enabled;
  std::string flannel_backend = "vxlan";       // vxlan | host-gw | udp
  std::string pod_cidr = "10.100.0.0/16";      // flannel_network_cidr / calico_ipv4pool
  std::string service_cidr = "10.254.0.0/16";  // service_cluster_ip_range
  std::string fixed_subnet_cidr = "10.0.0.0/24";
  std::string availability_zone;
  std::string calico_tag = "v3.26.4";
  std::string flannel_tag = "v0.24.2";
  std::string selinux_mode = "enforcing";  // enforcing | permissive | disabled
  std::string kubelet_options;             // extra kubelet flags (one line)
};

using LabelMap = std::map<std::string, std::string>;

// The labels of a cluster as Magnum merges them: the template's, overridden by the
// cluster's own (a cluster created with labels carries the merged set already).
LabelMap MergeLabels(const LabelMap& template_labels, const LabelMap& cluster_labels);

// Parses `labels`. `network_driver` is the template's field ("" = flannel);
// `docker_volume_size` the cluster's (or template's) field, which the label of that name
// overrides. Errors: InvalidArgument naming the label and the accepted values.
Result<HeatLabels> ParseLabels(const LabelMap& labels, const std::string& network_driver = "",
                               std::optional<int64_t> docker_volume_size = std::nullopt);

}  // namespace magnum::drivers::heat
