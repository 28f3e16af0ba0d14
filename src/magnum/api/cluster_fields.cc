#include "magnum/api/cluster_fields.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "magnum/api/pagination.h"
#include "magnum/common/strings.h"
#include "magnum/objects/mappers.h"

namespace magnum::api {
namespace {

const std::vector<std::string>& AllStatuses() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v;
    for (auto st : objects::kAllClusterStatuses) v.emplace_back(objects::Name(st));
    return v;
  }();
  return all;
}

using objects::Cluster;
using objects::NodeGroup;

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

// `f` bound to a member of Cluster.
template <typename M>
FieldSpec B(FieldSpec f, M Cluster::*member) {
  return Bound(std::move(f), member);
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
    f.push_back(B({"uuid", FieldType::kUuid}, &Cluster::uuid));
    f.push_back(B(Str("name", kNamePattern, 1, 242), &Cluster::name));
    f.push_back(B(Str("cluster_template_id", kMandatory), &Cluster::cluster_template_id));
    f.push_back(B(Str("keypair"), &Cluster::keypair));
    f.push_back(Int("node_count", 0, 1, kNotStored));
    f.push_back(Int("master_count", 1, 1, kNotStored));
    f.push_back(B(Int("docker_volume_size", 1), &Cluster::docker_volume_size));
    f.push_back(B({"labels", FieldType::kLabels}, &Cluster::labels));
    f.push_back(B(Str("master_flavor_id"), &Cluster::master_flavor_id));
    f.push_back(B(Str("flavor_id"), &Cluster::flavor_id));
    f.push_back(B(Int("create_timeout", 0, 60), &Cluster::create_timeout));
    f.push_back(B(Str("discovery_url"), &Cluster::discovery_url));
    FieldSpec status = ReadOnly("status");
    status.choices = AllStatuses();
    f.push_back(B(status, &Cluster::status));
    f.push_back(B(ReadOnly("status_reason"), &Cluster::status_reason));
    FieldSpec health = ReadOnly("health_status");
    health.choices = {"HEALTHY", "UNHEALTHY", "UNKNOWN"};
    f.push_back(B(health, &Cluster::health_status));
    f.push_back(B(ReadOnly("health_status_reason", FieldType::kStrDict), &Cluster::health_status_reason));
    f.push_back(B(ReadOnly("stack_id"), &Cluster::stack_id));
    f.push_back(ReadOnly("cluster_id", FieldType::kString, kNotStored));
    f.push_back(B(ReadOnly("api_address"), &Cluster::api_address));
    f.push_back(B(ReadOnly("coe_version"), &Cluster::coe_version));
    f.push_back(B(ReadOnly("container_version"), &Cluster::container_version));
    f.push_back(ReadOnly("node_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("master_addresses", FieldType::kStringList, kNotStored));
    f.push_back(B(Str("fixed_network"), &Cluster::fixed_network));
    f.push_back(B(Str("fixed_subnet"), &Cluster::fixed_subnet));
    f.push_back(B({"floating_ip_enabled", FieldType::kBool}, &Cluster::floating_ip_enabled));
    f.push_back(B({"master_lb_enabled", FieldType::kBool}, &Cluster::master_lb_enabled));
    FieldSpec merge{"merge_labels", FieldType::kBool, kNotStored};
    merge.default_value = false;
    f.push_back(merge);
    f.push_back(ReadOnly("labels_overridden", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("labels_added", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("labels_skipped", FieldType::kLabels, kNotStored));
    f.push_back(ReadOnly("faults", FieldType::kJson, kNotStored));
    f.push_back(B(ReadOnly("project_id"), &Cluster::project_id));
    f.push_back(B(ReadOnly("user_id"), &Cluster::user_id));
    f.push_back(ReadOnly("links", FieldType::kJson, kNotStored));
    f.push_back(B(ReadOnly("created_at", FieldType::kTimestamp), &Cluster::created_at));
    f.push_back(B(ReadOnly("updated_at", FieldType::kTimestamp), &Cluster::updated_at));
    return f;
  }();
  return fields;
}

const FieldList& BayFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(B({"uuid", FieldType::kUuid}, &Cluster::uuid));
    f.push_back(B(Str("name", kNamePattern, 1, 242), &Cluster::name));
    f.push_back(B(Str("baymodel_id", kMandatory), &Cluster::cluster_template_id));
    f.push_back(Int("node_count", 1, 1, kNotStored));
    f.push_back(Int("master_count", 1, 1, kNotStored));
    f.push_back(B(Int("docker_volume_size", 1), &Cluster::docker_volume_size));
    f.push_back(B({"labels", FieldType::kLabels}, &Cluster::labels));
    f.push_back(B(Str("master_flavor_id"), &Cluster::master_flavor_id));
    f.push_back(B(Str("flavor_id"), &Cluster::flavor_id));
    f.push_back(B(Int("bay_create_timeout", 0, 60), &Cluster::create_timeout));
    f.push_back(B(Str("discovery_url"), &Cluster::discovery_url));
    FieldSpec status = ReadOnly("status");
    status.choices = AllStatuses();
    f.push_back(B(status, &Cluster::status));
    f.push_back(B(ReadOnly("status_reason"), &Cluster::status_reason));
    f.push_back(B(ReadOnly("stack_id"), &Cluster::stack_id));
    f.push_back(B(ReadOnly("api_address"), &Cluster::api_address));
    f.push_back(B(ReadOnly("coe_version"), &Cluster::coe_version));
    f.push_back(B(ReadOnly("container_version"), &Cluster::container_version));
    f.push_back(ReadOnly("node_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("master_addresses", FieldType::kStringList, kNotStored));
    f.push_back(ReadOnly("bay_faults", FieldType::kJson, kNotStored));
    f.push_back(ReadOnly("links", FieldType::kJson, kNotStored));
    f.push_back(B(ReadOnly("created_at", FieldType::kTimestamp), &Cluster::created_at));
    f.push_back(B(ReadOnly("updated_at", FieldType::kTimestamp), &Cluster::updated_at));
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

namespace {

// Counts and addresses of one cluster's nodegroups, pointing into them.
struct Totals {
  int64_t node_count = 0;
  int64_t master_count = 0;
  std::vector<const std::string*> node_addresses;
  std::vector<const std::string*> master_addresses;
};

Totals Sum(const NodeGroupRefs& nodegroups) {
  Totals t;
  for (const NodeGroup* p : nodegroups) {
    const NodeGroup& ng = *p;
    const bool master = ng.IsMaster();
    (master ? t.master_count : t.node_count) += ng.node_count.value_or(0);
    if (!ng.node_addresses) continue;
    auto& into = master ? t.master_addresses : t.node_addresses;
    for (const auto& a : *ng.node_addresses) into.push_back(&a);
  }
  return t;
}

Json ToJson(const std::vector<const std::string*>& list) {
  Json out = Json::array();
  for (const auto* s : list) out.push_back(*s);
  return out;
}

template <typename T>
std::vector<T> ObjectsOf(const std::vector<db::Row>& rows) {
  std::vector<T> out;
  for (const auto& r : rows) out.push_back(objects::FromRow<T>(r).value_or(T{}));
  return out;
}

NodeGroupRefs RefsOf(const std::vector<NodeGroup>& nodegroups) {
  NodeGroupRefs out;
  out.reserve(nodegroups.size());
  for (const auto& ng : nodegroups) out.push_back(&ng);
  return out;
}

Json Faults(const NodeGroupRefs& nodegroups) {
  Json faults = Json::object();
  for (const NodeGroup* ng : nodegroups) {
    if (ng->status && objects::IsFailed(*ng->status)) {
      faults[ng->name] = ng->status_reason ? Json(*ng->status_reason) : Json(nullptr);
    }
  }
  return faults;
}

}  // namespace

NodeGroupTotals SumNodeGroups(const std::vector<db::Row>& rows) {
  const std::vector<NodeGroup> nodegroups = ObjectsOf<NodeGroup>(rows);
  const Totals t = Sum(RefsOf(nodegroups));
  NodeGroupTotals out;
  out.node_count = t.node_count;
  out.master_count = t.master_count;
  out.node_addresses = ToJson(t.node_addresses);
  out.master_addresses = ToJson(t.master_addresses);
  return out;
}

Json CollectFaults(const std::vector<NodeGroup>& nodegroups) {
  return Faults(RefsOf(nodegroups));
}

Json CollectFaults(const std::vector<db::Row>& nodegroups) {
  return CollectFaults(ObjectsOf<NodeGroup>(nodegroups));
}

// ---- Rendering ---------------------------------------------------------------------------

void WriteLabelDiff(JsonWriter& w, const objects::StringMap* parent,
                    const std::optional<objects::StringMap>& labels, LabelDiffPart part) {
  static const objects::StringMap kEmpty;
  const objects::StringMap& p = parent ? *parent : kEmpty;
  const objects::StringMap& l = labels ? *labels : kEmpty;
  w.BeginObject();
  if (part == LabelDiffPart::kSkipped) {
    for (const auto& [k, v] : p) {
      if (!l.count(k)) w.Key(k).String(v);
    }
  } else {
    for (const auto& [k, v] : l) {
      auto it = p.find(k);
      if (part == LabelDiffPart::kAdded && it == p.end()) w.Key(k).String(v);
      if (part == LabelDiffPart::kOverridden && it != p.end() && it->second != v) {
        w.Key(k).String(it->second);
      }
    }
  }
  w.EndObject();
}

namespace {

struct ClusterView {
  const Cluster* c;
  const NodeGroupRefs* nodegroups;
  const Totals* totals;
  const ClusterRenderOptions* o;
  const objects::StringMap* template_labels;
};

void WriteAddresses(JsonWriter& w, const std::vector<const std::string*>& list) {
  w.BeginArray();
  for (const auto* a : list) w.String(*a);
  w.EndArray();
}

void WriteOptionalText(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// The keys of a cluster: detail or brief (the list), stack_id or (≥ 1.13) cluster_id.
RenderPlan<ClusterView> ClusterPlan(bool detail, bool cluster_id) {
  static constexpr std::array<std::string_view, 17> kBrief = {
      "uuid",         "name",     "cluster_template_id", "keypair",          "node_count",
      "master_count", "docker_volume_size", "labels",   "master_flavor_id", "flavor_id",
      "create_timeout", "status", "health_status",       "stack_id",         "cluster_id",
      "merge_labels", "links"};
  RenderPlan<ClusterView> all;
  for (const auto& f : ClusterFields()) {
    if (!f.render || f.Has(kHidden) || f.Has(kNotStored)) continue;
    if (cluster_id && f.name == "stack_id") continue;
    if (!detail && !OneOf(f.name, kBrief)) continue;
    all.AddBound(f.name, &f.render, [](const ClusterView& v) -> const void* { return v.c; });
  }
  if (cluster_id) {
    all.Add("cluster_id",
            [](const ClusterView& v, JsonWriter& w) { WriteOptionalText(w, v.c->stack_id); });
  }
  all.Add("node_count", [](const ClusterView& v, JsonWriter& w) { w.Int(v.totals->node_count); });
  all.Add("master_count",
          [](const ClusterView& v, JsonWriter& w) { w.Int(v.totals->master_count); });
  all.Add("merge_labels", [](const ClusterView&, JsonWriter& w) { w.Bool(false); });
  all.Add("links", [](const ClusterView& v, JsonWriter& w) {
    WriteLinks(w, v.o->base_url, {"clusters/", v.c->uuid});
  });
  if (detail) {
    all.Add("node_addresses", [](const ClusterView& v, JsonWriter& w) {
      WriteAddresses(w, v.totals->node_addresses);
    });
    all.Add("master_addresses", [](const ClusterView& v, JsonWriter& w) {
      WriteAddresses(w, v.totals->master_addresses);
    });
    AddLabelDiffs<ClusterView>(
        all, [](const ClusterView& v) { return v.template_labels; },
        [](const ClusterView& v) -> const std::optional<objects::StringMap>& {
          return v.c->labels;
        });
    all.Add(
        "faults",
        [](const ClusterView& v, JsonWriter& w) {
          w.Raw(Faults(*v.nodegroups).dump(-1, ' ', false, Json::error_handler_t::replace));
        },
        [](const ClusterView& v) {
          return v.o->with_faults && v.c->status && IsFailedStatus(objects::Name(*v.c->status));
        });
  }
  return std::move(all.Done());
}

}  // namespace

void WriteCluster(JsonWriter& w, const Cluster& cluster, const NodeGroupRefs& nodegroups,
                  const ClusterRenderOptions& o) {
  static const RenderPlan<ClusterView> plans[2][2] = {
      {ClusterPlan(false, false), ClusterPlan(false, true)},
      {ClusterPlan(true, false), ClusterPlan(true, true)}};
  const Totals totals = Sum(nodegroups);
  objects::StringMap converted;
  const objects::StringMap* labels = o.template_label_map;
  if (labels == nullptr && o.template_labels != nullptr && o.template_labels->is_object()) {
    for (auto it = o.template_labels->begin(); it != o.template_labels->end(); ++it) {
      converted[it.key()] = binding::ScalarText(*it);
    }
    labels = &converted;
  }
  plans[o.detail][o.minor_version >= 13].Write(
      ClusterView{&cluster, &nodegroups, &totals, &o, labels}, w);
}

Json RenderCluster(const Cluster& cluster, const std::vector<NodeGroup>& nodegroups,
                   const ClusterRenderOptions& o) {
  std::string text;
  JsonWriter w(&text);
  WriteCluster(w, cluster, RefsOf(nodegroups), o);
  return Json::parse(text);
}

Json RenderCluster(const db::Row& cluster, const std::vector<db::Row>& nodegroups,
                   const ClusterRenderOptions& o) {
  return RenderCluster(objects::FromRow<Cluster>(cluster).value_or(Cluster{}),
                       ObjectsOf<NodeGroup>(nodegroups), o);
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

// ---- The autoscaling labels -------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, 3> kAutoscalingLabels = {"auto_scaling_enabled",
                                                                "min_node_count", "max_node_count"};

// A label value as text (labels are stored as strings; anything else as its JSON text).
std::string LabelText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A non-negative integer label: digits only.
Error BadLabel(std::string_view key, const std::string& value, std::string_view expected) {
  return Error::InvalidArgument("Label " + std::string(key) + " must be " + std::string(expected) +
                                ", got '" + value + "'.");
}

}  // namespace

bool IsAutoscalingLabelPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/labels/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view key = path.substr(kPrefix.size());
  return std::find(kAutoscalingLabels.begin(), kAutoscalingLabels.end(), key) !=
         kAutoscalingLabels.end();
}

Result<objects::StringMap> AutoscalingLabelsAfter(const Json& patch, const Json& before,
                                                  const Json& after) {
  const Error refused = Error::InvalidArgument("cannot change cluster property(ies) labels.");
  for (const auto& op : patch) {
    const std::string path = op.is_object() ? op.value("path", std::string()) : std::string();
    if ((path == "/labels" || path.rfind("/labels/", 0) == 0) && !IsAutoscalingLabelPath(path)) {
      return Fail(refused);
    }
  }
  const Json none = Json::object();
  const Json& old_labels = before.is_object() ? before : none;
  const Json& new_labels = after.is_object() ? after : none;
  std::set<std::string> changed;
  for (const auto& [k, v] : new_labels.items()) {
    if (!old_labels.contains(k) || old_labels[k] != v) changed.insert(k);
  }
  for (const auto& [k, v] : old_labels.items()) {
    if (!new_labels.contains(k)) changed.insert(k);
  }
  for (const auto& k : changed) {
    if (!IsAutoscalingLabelPath("/labels/" + k)) return Fail(refused);
  }
  auto value = [&](std::string_view key) -> std::optional<std::string> {
    auto it = new_labels.find(std::string(key));
    if (it == new_labels.end()) return std::nullopt;
    return LabelText(*it);
  };
  if (changed.count("auto_scaling_enabled")) {
    if (auto v = value("auto_scaling_enabled")) {
      // What the conductor's autoscaler reads as on or off (ParseBoolWord).
      if (!ParseBoolWord(*v)) {
        return Fail(BadLabel("auto_scaling_enabled", *v, "a boolean (true or false)"));
      }
    }
  }
  if (changed.count("min_node_count") || changed.count("max_node_count")) {
    std::optional<int64_t> counts[2];
    const std::array<std::string_view, 2> keys = {"min_node_count", "max_node_count"};
    for (size_t i = 0; i < keys.size(); ++i) {
      auto v = value(keys[i]);
      if (!v) continue;
      counts[i] = ParseNonNegativeInt(*v);
      if (!counts[i]) return Fail(BadLabel(keys[i], *v, "a non-negative integer"));
    }
    if (counts[0] && counts[1] && *counts[0] > *counts[1]) {
      return Fail(Error::InvalidArgument("Label min_node_count (" + std::to_string(*counts[0]) +
                                         ") should be less or equal to max_node_count (" +
                                         std::to_string(*counts[1]) + ")."));
    }
  }
  objects::StringMap out;
  for (const auto& [k, v] : new_labels.items()) out[k] = LabelText(v);
  return out;
}

Error QuotaExceeded(int64_t limit) {
  return Error::PermissionDenied(
      "Resource limit exceeded: You have reached the maximum clusters per project, " +
      std::to_string(limit) + ". You may delete a cluster to make room for a new one.");
}

}  // namespace magnum::api
