#include "magnum/api/cluster_fields.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "magnum/api/pagination.h"

namespace magnum::api {
namespace {

const std::vector<std::string>& AllStatuses() {
  static const std::vector<std::string> all = {
      "CREATE_IN_PROGRESS",   "CREATE_FAILED",   "CREATE_COMPLETE",    "UPDATE_IN_PROGRESS",
      "UPDATE_FAILED",        "UPDATE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED",
      "DELETE_COMPLETE",      "RESUME_COMPLETE", "RESUME_FAILED",      "RESTORE_COMPLETE",
      "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",  "SNAPSHOT_COMPLETE",
      "CHECK_COMPLETE",       "ADOPT_COMPLETE"};
  return all;
}

FieldSpec Str(std::string name, unsigned flags = kNone, int64_t min = 1, int64_t max = 255) {
  return FieldSpec{std::move(name), FieldType::kString, flags, min, max};
}

FieldSpec Int(std::string name, int64_t min, Json def = nullptr, unsigned flags = kNone) {
  FieldSpec f{std::move(name), FieldType::kInt, flags, min, 2147483647};
  f.default_value = std::move(def);
  return f;
}

FieldSpec ReadOnly(std::string name, FieldType type = FieldType::kString, unsigned extra = kNone) {
  return FieldSpec{std::move(name), type, kReadOnly | extra};
}

bool IsFalsy(const Json& v) {
  return v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
         (v.is_number() && v == 0) || (v.is_boolean() && !v.get<bool>());
}

template <size_t N>
bool OneOf(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

}  // namespace

const FieldList& ClusterFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back({"uuid", FieldType::kUuid});
    f.push_back(Str("name", kNamePattern, 1, 242));
    f.push_back(Str("cluster_template_id", kMandatory));
    f.push_back(Str("keypair"));
    f.push_back(Int("node_count", 0, 1, kNotStored));
    f.push_back(Int("master_count", 1, 1, kNotStored));
    f.push_back(Int("docker_volume_size", 1));
    f.push_back({"labels", FieldType::kLabels});
    f.push_back(Str("master_flavor_id"));
    f.push_back(Str("flavor_id"));
    f.push_back(Int("create_timeout", 0, 60));
    f.push_back(Str("discovery_url"));
    FieldSpec status = ReadOnly("status");
    status.choices = AllStatuses();
    f.push_back(status);
    f.push_back(ReadOnly("status_reason"));
    FieldSpec health = ReadOnly("health_status");
    health.choices = {"HEALTHY", "UNHEALTHY", "UNKNOWN"};
    f.push_back(health);
    f.push_back(ReadOnly("health_status_reason", FieldType::kStrDict));
    f.push_back(ReadOnly("stack_id"));
    f.push_back(ReadOnly("cluster_id", FieldType::kString, kNotStored));
    f.push_back(ReadOnly("api_address"));
    f.push_back(ReadOnly("coe_version"));
    f.push_back(ReadOnly("container_version"));
    f.push_back(ReadOnly("node_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("master_addresses", FieldType::kStringList, kNotStored));
    f.push_back(Str("fixed_network"));
    f.push_back(Str("fixed_subnet"));
    f.push_back({"floating_ip_enabled", FieldType::kBool});
    f.push_back({"master_lb_enabled", FieldType::kBool});
    FieldSpec merge{"merge_labels", FieldType::kBool, kNotStored};
    merge.default_value = false;
    f.push_back(merge);
    f.push_back(ReadOnly("labels_overridden", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("labels_added", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("labels_skipped", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("faults", FieldType::kJson, kNotStored));
    f.push_back(ReadOnly("project_id"));
    f.push_back(ReadOnly("user_id"));
    f.push_back(ReadOnly("links", FieldType::kJson, kNotStored));
    f.push_back(ReadOnly("created_at", FieldType::kTimestamp));
    f.push_back(ReadOnly("updated_at", FieldType::kTimestamp));
    return f;
  }();
  return fields;
}

const FieldList& BayFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back({"uuid", FieldType::kUuid});
    f.push_back(Str("name", kNamePattern, 1, 242));
    f.push_back(Str("baymodel_id", kMandatory));
    f.push_back(Int("node_count", 1, 1, kNotStored));
    f.push_back(Int("master_count", 1, 1, kNotStored));
    f.push_back(Int("docker_volume_size", 1));
    f.push_back({"labels", FieldType::kLabels});
    f.push_back(Str("master_flavor_id"));
    f.push_back(Str("flavor_id"));
    FieldSpec timeout = Int("bay_create_timeout", 0, 60);
    timeout.column = "create_timeout";
    f.push_back(timeout);
    f.push_back(Str("discovery_url"));
    FieldSpec status = ReadOnly("status");
    status.choices = AllStatuses();
    f.push_back(status);
    f.push_back(ReadOnly("status_reason"));
    f.push_back(ReadOnly("stack_id"));
    f.push_back(ReadOnly("api_address"));
    f.push_back(ReadOnly("coe_version"));
    f.push_back(ReadOnly("container_version"));
    f.push_back(ReadOnly("node_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("master_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("bay_faults", FieldType::kJson, kNotStored));
    f.push_back(ReadOnly("links", FieldType::kJson, kNotStored));
    f.push_back(ReadOnly("created_at", FieldType::kTimestamp));
    f.push_back(ReadOnly("updated_at", FieldType::kTimestamp));
    return f;
  }();
  return fields;
}

const FieldList& ClusterResizeFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(Int("node_count", 0, nullptr, kMandatory));
    FieldSpec remove{"nodes_to_remove", FieldType::kStringList};
    remove.default_value = Json::array();
    f.push_back(remove);
    f.push_back(Str("nodegroup"));
    return f;
  }();
  return fields;
}

const FieldList& ClusterUpgradeFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(Str("cluster_template", kMandatory));
    f.push_back(Int("max_batch_size", 1, 1));
    f.push_back(Str("nodegroup"));
    return f;
  }();
  return fields;
}

// ---- Status sets -----------------------------------------------------------------------

bool IsFailedStatus(std::string_view s) {
  static constexpr std::array<std::string_view, 5> kFailed = {
      "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", "ROLLBACK_FAILED", "RESUME_FAILED"};
  return OneOf(s, kFailed);
}

// ---- Labels ----------------------------------------------------------------------------

LabelDiff DiffLabels(const Json& parent, const Json& labels) {
  LabelDiff d;
  const Json empty = Json::object();
  const Json& p = parent.is_object() ? parent : empty;
  const Json& l = labels.is_object() ? labels : empty;
  for (const auto& [k, v] : l.items()) {
    auto it = p.find(k);
    if (it == p.end()) {
      d.added[k] = v;
    } else if (*it != v) {
      d.overridden[k] = *it;
    }
  }
  for (const auto& [k, v] : p.items()) {
    if (!l.contains(k)) d.skipped[k] = v;
  }
  return d;
}

// ---- Nodegroup aggregation ------------------------------------------------------------

NodeGroupTotals SumNodeGroups(const std::vector<db::Row>& nodegroups) {
  NodeGroupTotals t;
  for (const auto& ng : nodegroups) {
    const bool master = ng.GetString("role") == "master";
    (master ? t.master_count : t.node_count) += ng.GetInt("node_count");
    Json addrs = Json::parse(ng.GetString("node_addresses", "[]"), nullptr, false);
    if (!addrs.is_array()) continue;
    Json& into = master ? t.master_addresses : t.node_addresses;
    for (const auto& a : addrs) {
      if (a.is_string()) into.push_back(a);
    }
  }
  return t;
}

Json CollectFaults(const std::vector<db::Row>& nodegroups) {
  Json faults = Json::object();
  for (const auto& ng : nodegroups) {
    if (ng.GetString("status").ends_with("_FAILED")) {
      auto reason = ng.GetOptionalString("status_reason");
      faults[ng.GetString("name")] = reason ? Json(*reason) : Json(nullptr);
    }
  }
  return faults;
}

// ---- Rendering ---------------------------------------------------------------------------

Json RenderCluster(const db::Row& cluster, const std::vector<db::Row>& nodegroups,
                   const ClusterRenderOptions& o) {
  Json out = FromRow(ClusterFields(), cluster);
  const NodeGroupTotals totals = SumNodeGroups(nodegroups);
  out["node_count"] = totals.node_count;
  out["master_count"] = totals.master_count;
  if (o.minor_version >= 13) {
    out["cluster_id"] = out["stack_id"];
    out.erase("stack_id");
  }
  out["merge_labels"] = false;
  out["links"] = MakeLinks(o.base_url, "clusters/" + cluster.GetString("uuid"));
  if (!o.detail) {
    static const std::array<std::string_view, 17> kBrief = {"uuid",
                                                            "name",
                                                            "cluster_template_id",
                                                            "keypair",
                                                            "node_count",
                                                            "master_count",
                                                            "docker_volume_size",
                                                            "labels",
                                                            "master_flavor_id",
                                                            "flavor_id",
                                                            "create_timeout",
                                                            "status",
                                                            "health_status",
                                                            "stack_id",
                                                            "cluster_id",
                                                            "merge_labels",
                                                            "links"};
    Json brief = Json::object();
    for (const auto& [k, v] : out.items()) {
      if (OneOf(k, kBrief)) brief[k] = v;
    }
    return brief;
  }
  out["node_addresses"] = totals.node_addresses;
  out["master_addresses"] = totals.master_addresses;
  LabelDiff diff =
      DiffLabels(o.template_labels ? *o.template_labels : Json::object(), out["labels"]);
  out["labels_overridden"] = std::move(diff.overridden);
  out["labels_added"] = std::move(diff.added);
  out["labels_skipped"] = std::move(diff.skipped);
  if (o.with_faults && IsFailedStatus(cluster.GetString("status"))) {
    out["faults"] = CollectFaults(nodegroups);
  }
  return out;
}

Json ClusterToBay(const Json& cluster, bool detail, const std::string& base_url) {
  static const std::array<std::string_view, 14> kDropped = {"keypair",
                                                            "health_status",
                                                            "health_status_reason",
                                                            "project_id",
                                                            "user_id",
                                                            "cluster_id",
                                                            "labels_overridden",
                                                            "labels_added",
                                                            "labels_skipped",
                                                            "merge_labels",
                                                            "fixed_network",
                                                            "fixed_subnet",
                                                            "floating_ip_enabled",
                                                            "master_lb_enabled"};
  static const std::array<std::string_view, 13> kBrief = {"uuid",         "name",
                                                          "baymodel_id",  "docker_volume_size",
                                                          "labels",       "master_flavor_id",
                                                          "flavor_id",    "node_count",
                                                          "status",       "bay_create_timeout",
                                                          "master_count", "stack_id",
                                                          "links"};
  Json bay = Json::object();
  for (const auto& [k, v] : cluster.items()) {
    if (OneOf(k, kDropped)) continue;
    std::string key = k == "cluster_template_id" ? "baymodel_id"
                      : k == "create_timeout"    ? "bay_create_timeout"
                      : k == "faults"            ? "bay_faults"
                                                 : k;
    if (!detail && !OneOf(key, kBrief)) continue;
    bay[key] = v;
  }
  bay["links"] = MakeLinks(base_url, "bays/" + cluster.value("uuid", std::string()));
  return bay;
}

Json BayToCluster(const Json& bay) {
  Json out = Json::object();
  for (const auto& [k, v] : bay.items()) {
    std::string key = k == "baymodel_id"          ? "cluster_template_id"
                      : k == "bay_create_timeout" ? "create_timeout"
                      : k == "bay_faults"         ? "faults"
                                                  : k;
    out[key] = v;
  }
  return out;
}

// ---- Create-time defaults --------------------------------------------------------------

Json ApplyTemplateDefaults(const Json& cluster, const Json& tmpl) {
  Json c = cluster;
  auto absent = [&](const char* k) { return !c.contains(k) || c[k].is_null(); };
  auto tv = [&](const char* k) { return tmpl.contains(k) ? tmpl[k] : Json(nullptr); };
  if (absent("keypair")) c["keypair"] = tv("keypair_id");
  Json tlabels =
      tmpl.contains("labels") && tmpl["labels"].is_object() ? tmpl["labels"] : Json::object();
  if (absent("labels") || c["labels"].empty()) {
    c["labels"] = tlabels;
  } else if (c.value("merge_labels", false)) {
    Json merged = tlabels;
    for (const auto& [k, v] : c["labels"].items()) merged[k] = v;
    c["labels"] = std::move(merged);
  }
  if (absent("floating_ip_enabled")) c["floating_ip_enabled"] = tv("floating_ip_enabled");
  if (absent("master_lb_enabled")) c["master_lb_enabled"] = tv("master_lb_enabled");
  for (const char* k :
       {"docker_volume_size", "master_flavor_id", "flavor_id", "fixed_network", "fixed_subnet"}) {
    if (absent(k) || IsFalsy(c[k])) c[k] = tv(k);
  }
  return c;
}

Result<int64_t> MinNodeCountFromLabels(const Json& labels, int64_t node_count) {
  if (!labels.is_object() || !labels.contains("min_node_count")) return 0;
  const Json& v = labels["min_node_count"];
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  int64_t n = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n < 0) {
    return Fail(Error::InvalidArgument(
        "Label min_node_count must be a non-negative integer, got '" + s + "'."));
  }
  if (n > node_count) {
    return Fail(Error::InvalidArgument("Label min_node_count (" + std::to_string(n) +
                                       ") should be less or equal to node_count (" +
                                       std::to_string(node_count) + ")."));
  }
  return n;
}

Error QuotaExceeded(int64_t limit) {
  return Error::PermissionDenied(
      "Resource limit exceeded: You have reached the maximum clusters per project, " +
      std::to_string(limit) + ". You may delete a cluster to make room for a new one.");
}

}  // namespace magnum::api
