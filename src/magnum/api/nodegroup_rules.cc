// Nodegroup input rules (§2.3): the count bounds and the Kubernetes label and taint syntax
// of node_labels / node_taints. Pure functions; thread-safe.
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "magnum/api/nodegroups.h"

namespace magnum::api {

Error NodeGroupInvalidInput(const std::string& attr, const std::string& nodegroup,
                            const std::string& why) {
  return Error::Conflict(attr + " for " + nodegroup + " is invalid (" + why + ").");
}

namespace {

// A DNS-1123 subdomain (the optional prefix of a label key).
bool ValidLabelPrefix(std::string_view p) {
  if (p.empty() || p.size() > 253) return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t dot = p.find('.', start);
    std::string_view part =
        p.substr(start, dot == std::string_view::npos ? p.size() - start : dot - start);
    if (part.empty() || part.size() > 63) return false;
    for (char c : part) {
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return false;
      }
    }
    if (part.front() == '-' || part.back() == '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// A label name or value: ≤ 63 of [A-Za-z0-9._-], alphanumeric at both ends (values may
// also be empty).
bool ValidLabelName(std::string_view s, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > 63) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool EndsWithDomain(std::string_view ns, std::string_view domain) {
  return ns == domain || (ns.size() > domain.size() && ns.ends_with(domain) &&
                          ns[ns.size() - domain.size() - 1] == '.');
}

// Kubernetes' NodeRestriction rule: kubernetes.io / k8s.io keys only when the kubelet
// itself may set them.
bool ReservedLabelKey(std::string_view key) {
  static constexpr std::array<std::string_view, 11> kKubeletLabels = {
      "kubernetes.io/arch",
      "kubernetes.io/os",
      "kubernetes.io/hostname",
      "beta.kubernetes.io/arch",
      "beta.kubernetes.io/os",
      "beta.kubernetes.io/instance-type",
      "node.kubernetes.io/instance-type",
      "node.kubernetes.io/windows-build",
      "topology.kubernetes.io/region",
      "topology.kubernetes.io/zone",
      "failure-domain.beta.kubernetes.io/region"};
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view ns = key.substr(0, slash);
  if (!EndsWithDomain(ns, "kubernetes.io") && !EndsWithDomain(ns, "k8s.io")) return false;
  if (EndsWithDomain(ns, "kubelet.kubernetes.io") || EndsWithDomain(ns, "node.kubernetes.io")) {
    return false;
  }
  if (key == "failure-domain.beta.kubernetes.io/zone") return false;
  for (auto k : kKubeletLabels) {
    if (key == k) return false;
  }
  return true;
}

Result<void> ValidLabelKey(const std::string& attr, const std::string& ng, const std::string& key) {
  size_t slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string::npos) {
    if (!ValidLabelPrefix(std::string_view(key).substr(0, slash))) {
      return Fail(NodeGroupInvalidInput(attr, ng, "invalid key prefix in '" + key + "'"));
    }
    name = std::string_view(key).substr(slash + 1);
  }
  if (!ValidLabelName(name, false)) {
    return Fail(NodeGroupInvalidInput(attr, ng, "invalid key '" + key + "'"));
  }
  return {};
}

}  // namespace

Result<void> ValidateNodeGroupCounts(const std::string& ng, int64_t node_count,
                                     int64_t min_node_count,
                                     std::optional<int64_t> max_node_count) {
  if (max_node_count) {
    if (*max_node_count < min_node_count) {
      return Fail(NodeGroupInvalidInput("max_node_count", ng,
                               "min_node_count (" + std::to_string(min_node_count) +
                                   ") should be less or equal to max_node_count (" +
                                   std::to_string(*max_node_count) + ")"));
    }
    if (node_count > *max_node_count) {
      return Fail(NodeGroupInvalidInput("max_node_count", ng,
                               "node_count (" + std::to_string(node_count) +
                                   ") should be less or equal to max_node_count (" +
                                   std::to_string(*max_node_count) + ")"));
    }
  }
  if (min_node_count > node_count) {
    return Fail(NodeGroupInvalidInput("min_node_count", ng,
                             "min_node_count (" + std::to_string(min_node_count) +
                                 ") should be less or equal to node_count (" +
                                 std::to_string(node_count) + ")"));
  }
  return {};
}

Result<void> ValidateNodeLabels(const std::string& ng, const Json& node_labels) {
  if (node_labels.is_null()) return {};
  if (!node_labels.is_object()) {
    return Fail(NodeGroupInvalidInput("node_labels", ng, "expected a dict of strings"));
  }
  for (const auto& [key, value] : node_labels.items()) {
    MAGNUM_RETURN_IF_ERROR(ValidLabelKey("node_labels", ng, key));
    if (ReservedLabelKey(key)) {
      return Fail(NodeGroupInvalidInput(
          "node_labels", ng, "label key '" + key + "' is in a namespace reserved for Kubernetes"));
    }
    if (!value.is_string() || !ValidLabelName(value.get<std::string>(), true)) {
      return Fail(NodeGroupInvalidInput("node_labels", ng,
                               "invalid value " + value.dump() + " for label '" + key + "'"));
    }
  }
  return {};
}

Result<void> ValidateNodeTaints(const std::string& ng, const Json& node_taints) {
  if (node_taints.is_null()) return {};
  if (!node_taints.is_array()) {
    return Fail(NodeGroupInvalidInput("node_taints", ng, "expected a list of taints"));
  }
  for (const auto& t : node_taints) {
    if (!t.is_object()) {
      return Fail(NodeGroupInvalidInput("node_taints", ng, "taint " + t.dump() + " is not a dict"));
    }
    for (const auto& [k, v] : t.items()) {
      if (k != "key" && k != "value" && k != "effect") {
        return Fail(NodeGroupInvalidInput("node_taints", ng, "unknown taint attribute '" + k + "'"));
      }
    }
    if (!t.contains("key") || !t["key"].is_string() || t["key"].get<std::string>().empty()) {
      return Fail(NodeGroupInvalidInput("node_taints", ng, "taint " + t.dump() + " needs a non-empty key"));
    }
    MAGNUM_RETURN_IF_ERROR(ValidLabelKey("node_taints", ng, t["key"].get<std::string>()));
    if (t.contains("value") && !t["value"].is_null() &&
        (!t["value"].is_string() || !ValidLabelName(t["value"].get<std::string>(), true))) {
      return Fail(NodeGroupInvalidInput("node_taints", ng, "invalid taint value " + t["value"].dump()));
    }
    const Json effect = t.value("effect", Json(nullptr));
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      return Fail(NodeGroupInvalidInput(
          "node_taints", ng,
          "taint effect " + effect.dump() + " must be NoSchedule, PreferNoSchedule or NoExecute"));
    }
  }
  return {};
}

}  // namespace magnum::api
