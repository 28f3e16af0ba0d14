#include "magnum/drivers/heat/labels.h"

#include <charconv>
#include <regex>
#include <string_view>

#include "magnum/common/strings.h"

namespace magnum::drivers::heat {
namespace {

Error Bad(std::string_view label, std::string_view value, std::string_view expected) {
  return Error::InvalidArgument("label " + std::string(label) + "='" + Printable(value, 64) +
                                "' is invalid: expected " + std::string(expected));
}

const std::string* Find(const LabelMap& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  return it == labels.end() ? nullptr : &it->second;
}

Result<void> Size(const LabelMap& labels, std::string_view key, int64_t* out) {
  const std::string* v = Find(labels, key);
  if (!v) return {};
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || ptr != v->data() + v->size() || n < 0 || n > 16384) {
    return Fail(Bad(key, *v, "a whole number of GiB from 0 to 16384"));
  }
  *out = n;
  return {};
}

Result<void> Bool(const LabelMap& labels, std::string_view key, std::optional<bool>* out) {
  const std::string* v = Find(labels, key);
  if (!v) return {};
  std::string l = AsciiLower(*v);
  if (l == "true") {
    *out = true;
  } else if (l == "false") {
    *out = false;
  } else {
    return Fail(Bad(key, *v, "true or false"));
  }
  return {};
}

Result<void> Matching(const LabelMap& labels, std::string_view key, const std::regex& re,
                      std::string_view expected, std::string* out) {
  const std::string* v = Find(labels, key);
  if (!v) return {};
  if (!std::regex_match(*v, re)) return Fail(Bad(key, *v, expected));
  *out = *v;
  return {};
}

Result<void> OneOf(const LabelMap& labels, std::string_view key,
                   std::initializer_list<std::string_view> allowed, std::string* out) {
  const std::string* v = Find(labels, key);
  if (!v) return {};
  std::string list;
  for (std::string_view a : allowed) {
    if (*v == a) {
      *out = *v;
      return {};
    }
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return Fail(Bad(key, *v, "one of " + list));
}

// An IPv4 CIDR with a prefix from 8 to 30 and no host bits outside the prefix checked
// loosely (Neutron and Kubernetes check the rest).
bool Ipv4Cidr(const std::string& s) {
  static const std::regex re(R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return false;
  for (int i = 1; i <= 4; ++i) {
    if (std::stoi(m[i].str()) > 255) return false;
  }
  int prefix = std::stoi(m[5].str());
  return prefix >= 8 && prefix <= 30;
}

Result<void> Cidr(const LabelMap& labels, std::string_view key, std::string* out) {
  const std::string* v = Find(labels, key);
  if (!v) return {};
  if (!Ipv4Cidr(*v)) return Fail(Bad(key, *v, "an IPv4 CIDR such as 10.100.0.0/16 (/8 to /30)"));
  *out = *v;
  return {};
}

}  // namespace

std::string_view NetworkDriverName(NetworkDriver d) {
  return d == NetworkDriver::kCalico ? "calico" : "flannel";
}

LabelMap MergeLabels(const LabelMap& template_labels, const LabelMap& cluster_labels) {
  LabelMap merged = template_labels;
  for (const auto& [k, v] : cluster_labels) merged[k] = v;
  return merged;
}

Result<HeatLabels> ParseLabels(const LabelMap& labels, const std::string& network_driver,
                               std::optional<int64_t> docker_volume_size) {
  HeatLabels out;
  // Kubernetes release tags: used in download URLs and shell, so nothing else may pass.
  static const std::regex kube_tag(R"(^v\d{1,2}\.\d{1,3}\.\d{1,3}(-[0-9A-Za-z.]{1,32})?$)");
  static const std::regex image_tag(R"(^v?[0-9A-Za-z][0-9A-Za-z._-]{0,63}$)");
  static const std::regex volume_type(R"(^[0-9A-Za-z][0-9A-Za-z ._:-]{0,254}$)");
  static const std::regex kubelet_opts(R"(^[0-9A-Za-z =,./:_-]{0,1024}$)");

  MAGNUM_RETURN_IF_ERROR(Matching(labels, "kube_tag", kube_tag,
                                  "a Kubernetes release tag such as v1.27.8", &out.kube_tag));
  if (network_driver.empty() || network_driver == "flannel") {
    out.network_driver = NetworkDriver::kFlannel;
  } else if (network_driver == "calico") {
    out.network_driver = NetworkDriver::kCalico;
  } else {
    return Fail(Error::InvalidArgument("network_driver '" + Printable(network_driver, 64) +
                                       "' is not supported by k8s_fedora_coreos_v1: expected "
                                       "flannel or calico"));
  }
  MAGNUM_RETURN_IF_ERROR(
      OneOf(labels, "container_runtime", {"containerd"}, &out.container_runtime));
  MAGNUM_RETURN_IF_ERROR(Size(labels, "boot_volume_size", &out.boot_volume_size));
  MAGNUM_RETURN_IF_ERROR(Matching(labels, "boot_volume_type", volume_type,
                                  "a Cinder volume type name", &out.boot_volume_type));
  if (docker_volume_size) {
    if (*docker_volume_size < 0) {
      return Fail(Error::InvalidArgument("docker_volume_size must not be negative"));
    }
    out.docker_volume_size = *docker_volume_size;
  }
  MAGNUM_RETURN_IF_ERROR(Size(labels, "docker_volume_size", &out.docker_volume_size));
  MAGNUM_RETURN_IF_ERROR(Matching(labels, "docker_volume_type", volume_type,
                                  "a Cinder volume type name", &out.docker_volume_type));
  MAGNUM_RETURN_IF_ERROR(
      Bool(labels, "master_lb_floating_ip_enabled", &out.master_lb_floating_ip_enabled));
  MAGNUM_RETURN_IF_ERROR(
      OneOf(labels, "flannel_backend", {"vxlan", "host-gw", "udp"}, &out.flannel_backend));
  MAGNUM_RETURN_IF_ERROR(Cidr(
      labels,
      out.network_driver == NetworkDriver::kCalico ? "calico_ipv4pool" : "flannel_network_cidr",
      &out.pod_cidr));
  MAGNUM_RETURN_IF_ERROR(Cidr(labels, "service_cluster_ip_range", &out.service_cidr));
  MAGNUM_RETURN_IF_ERROR(Cidr(labels, "fixed_subnet_cidr", &out.fixed_subnet_cidr));
  MAGNUM_RETURN_IF_ERROR(Matching(labels, "availability_zone", volume_type,
                                  "an availability zone name", &out.availability_zone));
  MAGNUM_RETURN_IF_ERROR(
      Matching(labels, "calico_tag", image_tag, "an image tag such as v3.26.4", &out.calico_tag));
  MAGNUM_RETURN_IF_ERROR(
      Matching(labels, "flannel_tag", image_tag, "an image tag such as v0.24.2", &out.flannel_tag));
  MAGNUM_RETURN_IF_ERROR(
      OneOf(labels, "selinux_mode", {"enforcing", "permissive", "disabled"}, &out.selinux_mode));
  MAGNUM_RETURN_IF_ERROR(Matching(labels, "kubelet_options", kubelet_opts,
                                  "kubelet flags of letters, digits and = , . / : _ - only",
                                  &out.kubelet_options));
  return out;
}

}  // namespace magnum::drivers::heat
