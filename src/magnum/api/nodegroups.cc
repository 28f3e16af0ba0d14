// /v1/clusters/{cluster}/nodegroups (§2.3).
#include "magnum/api/nodegroups.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_ops.h"
#include "magnum/conductor/state_table.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"

namespace magnum::api {
namespace {

using db::Condition;

Error InvalidInput(const std::string& attr, const std::string& nodegroup, const std::string& why) {
  return Error::Conflict(attr + " for " + nodegroup + " is invalid (" + why + ").");
}

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
      return Fail(InvalidInput(attr, ng, "invalid key prefix in '" + key + "'"));
    }
    name = std::string_view(key).substr(slash + 1);
  }
  if (!ValidLabelName(name, false)) {
    return Fail(InvalidInput(attr, ng, "invalid key '" + key + "'"));
  }
  return {};
}

Json Labels(const db::Row& row) {
  Json j = Json::parse(row.GetString("labels", "{}"), nullptr, false);
  return j.is_object() ? j : Json::object();
}

// Every validation of a nodegroup document (create, and PATCH after applying).
Result<void> ValidateDocument(const Json& ng) {
  auto integer = [&](const char* k, int64_t fallback) {
    auto it = ng.find(k);
    return it != ng.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
  };
  auto field = [&](const char* k) { return ng.value(k, Json(nullptr)); };
  const std::string name = ng.value("name", std::string());
  std::optional<int64_t> max;
  if (field("max_node_count").is_number_integer()) max = integer("max_node_count", 0);
  MAGNUM_RETURN_IF_ERROR(
      ValidateNodeGroupCounts(name, integer("node_count", 1), integer("min_node_count", 0), max));
  if (field("role") == "master") {
    for (const char* attr : {"node_labels", "node_taints"}) {
      if (!field(attr).is_null()) {
        return Fail(InvalidInput(attr, name, "not allowed on master nodegroups"));
      }
    }
  }
  MAGNUM_RETURN_IF_ERROR(ValidateNodeLabels(name, field("node_labels")));
  MAGNUM_RETURN_IF_ERROR(ValidateNodeTaints(name, field("node_taints")));
  return {};
}

class NodeGroupHandler {
 public:
  NodeGroupHandler(const ClusterOps& ops, const ApiRequest& req)
      : ops_(ops), s_(ops.services()), req_(req) {}

  ApiResult Handle(const std::string& cluster_ident, const std::vector<std::string>& rest) {
    MAGNUM_RETURN_IF_ERROR(RequireVersion(req_, 9, "nodegroups"));
    const std::string& m = req_.method();
    if (rest.empty()) {
      if (m == "GET") return List(cluster_ident, false);
      if (m == "POST") return Create(cluster_ident);
      return Fail(MethodNotAllowed(req_));
    }
    if (rest.size() == 1) {
      // python-magnumclient's `nodegroup list --detail` asks for .../nodegroups/detail.
      if (rest[0] == "detail" && m == "GET") return List(cluster_ident, true);
      if (m == "GET") return Get(cluster_ident, rest[0]);
      if (m == "PATCH") return Patch(cluster_ident, rest[0]);
      if (m == "DELETE") return Delete(cluster_ident, rest[0]);
      return Fail(MethodNotAllowed(req_));
    }
    return Fail(RouteNotFound(req_));
  }

 private:
  ApiResult List(const std::string& cluster_ident, bool detail) {
    MAGNUM_RETURN_IF_ERROR(
        CheckQueryArgs(req_, {"limit", "marker", "sort_key", "sort_dir", "role"}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_.ctx, "nodegroup:get_all"));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster,
                            ops_.Find(req_, cluster_ident, "nodegroup:get_all_all_projects"));
    const std::string cluster_uuid = cluster.GetString("uuid");
    MAGNUM_ASSIGN_OR_RETURN(
        Page page, ParsePage(req_, *s_.db, db::kNodeGroupTable, s_.config->api_max_limit,
                             db::Filter().Where(Condition::Eq("cluster_id", cluster_uuid))));
    std::vector<std::pair<std::string, std::string>> extra;
    if (auto role = req_.Query("role")) {
      page.query.filter.Where(Condition::Eq("role", *role));
      extra.emplace_back("role", *role);
    }
    MAGNUM_ASSIGN_OR_RETURN(auto rows, s_.db->List(db::kNodeGroupTable, page.query));
    const Json cluster_labels = Labels(cluster);
    Json items = Json::array();
    for (const auto& r : rows) {
      items.push_back(RenderNodeGroup(r, cluster_labels, detail, req_.base_url));
    }
    Json body = {{"nodegroups", std::move(items)}};
    AddNextLink(&body, req_, "clusters/" + cluster_uuid + "/nodegroups" + (detail ? "/detail" : ""),
                page, rows.size(), rows.empty() ? "" : rows.back().GetString("uuid"), extra);
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_.ctx, "nodegroup:get"));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster,
                            ops_.Find(req_, cluster_ident, "nodegroup:get_one_all_projects"));
    MAGNUM_ASSIGN_OR_RETURN(db::Row ng, FindNodeGroup(*s_.db, cluster.GetString("uuid"), ident));
    return ApiResponse::Ok(RenderNodeGroup(ng, Labels(cluster), true, req_.base_url));
  }

  ApiResult Create(const std::string& cluster_ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req_));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(NodeGroupFields(), body, "nodegroup", true));
    for (const auto& f : NodeGroupFields()) {
      if (!doc.contains(f.name)) doc[f.name] = nullptr;
    }
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_.ctx, "nodegroup:create"));
    // Admins may add nodegroups to any project's cluster (upstream: 404, see docs).
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.GetString("uuid");
    const std::string name = doc["name"].get<std::string>();
    // The state first: a cluster still being created is busy, like for any operation.
    MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kNodeGroupCreate, cluster));
    if (cluster.GetString("api_address").empty()) {
      return Fail(Error::Conflict("Cluster API address is not available yet"));
    }
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t same_name,
        s_.db->Count(db::kNodeGroupTable, db::Filter()
                                              .Where(Condition::Eq("cluster_id", cluster_uuid))
                                              .Where(Condition::Eq("name", name))));
    if (same_name > 0) {
      return Fail(Error::Conflict("A node group with name " + name +
                                  " already exists in the cluster " + cluster.GetString("name") +
                                  "."));
    }
    MAGNUM_RETURN_IF_ERROR(ValidateDocument(doc));
    if (doc["role"] == "master") {
      return Fail(
          Error::FailedPrecondition("Creating master nodegroups is currently not supported."));
    }
    // Defaults from the cluster (and its template's image).
    const Json cluster_labels = Labels(cluster);
    if (doc["image_id"].is_null()) {
      auto t = s_.db->GetOne(
          db::kClusterTemplateTable,
          db::Filter().Where(Condition::Eq("uuid", cluster.GetString("cluster_template_id"))));
      if (t && *t && !(*t)->IsNull("image_id")) doc["image_id"] = (*t)->GetString("image_id");
    }
    if (doc["flavor_id"].is_null()) {
      if (auto f = cluster.GetOptionalString("flavor_id")) doc["flavor_id"] = *f;
    }
    if (doc["docker_volume_size"].is_null()) {
      if (auto v = cluster.GetOptionalInt("docker_volume_size")) doc["docker_volume_size"] = *v;
    }
    if (doc["labels"].is_null()) {
      doc["labels"] = cluster_labels;
    } else if (doc["merge_labels"] == true) {
      Json merged = cluster_labels;
      for (const auto& [k, v] : doc["labels"].items()) merged[k] = v;
      doc["labels"] = std::move(merged);
    }
    if (doc["flavor_id"].is_string()) {
      MAGNUM_RETURN_IF_ERROR(
          ops_.CheckFlavor(req_, doc["flavor_id"].get<std::string>(), doc["labels"]));
    }
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));

    const bool merge_labels = doc["merge_labels"] == true;
    doc["uuid"] = GenerateUuid();
    db::Row row = ToRow(NodeGroupFields(), doc);
    row.Erase("id");
    row.Set("cluster_id", cluster_uuid);
    row.Set("project_id", cluster.GetString("project_id"));
    row.Set("node_addresses", std::string("[]"));
    row.Set("is_default", false);
    row.Set("status", std::string("CREATE_IN_PROGRESS"));
    row.SetNull("status_reason");
    row.SetNull("stack_id");
    row.SetNull("version");
    row.Set("created_at", NowDb(s_));
    row.SetNull("updated_at");
    auto inserted = s_.db->Insert(db::kNodeGroupTable, row);
    if (!inserted) {
      if (inserted.error().Is(ErrorCode::kAlreadyExists)) {
        return Fail(Error::Conflict("A node group with name " + name +
                                    " already exists in the cluster " + cluster.GetString("name") +
                                    "."));
      }
      return Fail(inserted.error());
    }
    const std::string ng_uuid = inserted->GetString("uuid");
    auto started = conductor->NodeGroupCreate(CallerOf(req_), cluster_uuid, ng_uuid);
    if (!started) {
      // Refused: nothing happened, so the row goes again.
      (void)s_.db->Delete(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("uuid", ng_uuid)));
      return Fail(started.error());
    }
    db::Row current = *inserted;
    if (auto now =
            s_.db->GetOne(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("uuid", ng_uuid)));
        now && *now) {
      current = **now;
    }
    Json out = RenderNodeGroup(current, cluster_labels, true, req_.base_url);
    out["merge_labels"] = merge_labels;
    return ApiResponse::Ok(std::move(out), 202);
  }

  ApiResult Patch(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req_));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_.ctx, "nodegroup:update"));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.GetString("uuid");
    MAGNUM_ASSIGN_OR_RETURN(db::Row ng, FindNodeGroup(*s_.db, cluster_uuid, ident));
    const Json before = FromRow(NodeGroupFields(), ng);
    PatchRules rules;
    rules.internal_paths = CommonInternalPaths();
    static const std::set<std::string> kPatchable = {"min_node_count", "max_node_count",
                                                     "node_labels", "node_taints"};
    for (const auto& f : NodeGroupFields()) {
      if (!kPatchable.count(f.name)) rules.internal_paths.insert("/" + f.name);
    }
    rules.literal_paths = {"/node_labels", "/node_taints"};
    rules.remove_defaults = {{"min_node_count", 0}};
    MAGNUM_ASSIGN_OR_RETURN(Json after, ApplyJsonPatch(before, patch, NodeGroupFields(), rules));
    const std::set<std::string> changed = ChangedFields(before, after);
    MAGNUM_RETURN_IF_ERROR(ValidateDocument(after));
    const Json cluster_labels = Labels(cluster);
    if (changed.empty()) {
      return ApiResponse::Ok(RenderNodeGroup(ng, cluster_labels, true, req_.base_url), 202);
    }
    const std::string status = ng.GetString("status");
    MAGNUM_RETURN_IF_ERROR(
        conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kNodeGroupUpdate, cluster, status));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    Json delta = Json::object();
    Json undo = Json::object();
    for (const auto& k : changed) {
      delta[k] = after[k];
      undo[k] = before[k];
    }
    db::Row changes = ToRow(NodeGroupFields(), delta);
    changes.Set("updated_at", NowDb(s_));
    const int64_t id = ng.GetInt("id");
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        s_.db->Update(
            db::kNodeGroupTable,
            db::Filter().Where(Condition::Eq("id", id)).Where(Condition::Eq("status", status)),
            changes));
    if (n == 0) {
      MAGNUM_ASSIGN_OR_RETURN(db::Row now,
                              FindNodeGroup(*s_.db, cluster_uuid, ng.GetString("uuid")));
      MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kNodeGroupUpdate,
                                             cluster, now.GetString("status")));
      return Fail(Error::Conflict("Nodegroup " + ng.GetString("name") +
                                  " changed while the request was processed; try again."));
    }
    auto started = conductor->NodeGroupUpdate(CallerOf(req_), cluster_uuid, ng.GetString("uuid"));
    if (!started) {
      // Refused: put the previous values back.
      (void)s_.db->Update(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("id", id)),
                          ToRow(NodeGroupFields(), undo));
      return Fail(started.error());
    }
    MAGNUM_ASSIGN_OR_RETURN(db::Row now, FindNodeGroup(*s_.db, cluster_uuid, ng.GetString("uuid")));
    return ApiResponse::Ok(RenderNodeGroup(now, cluster_labels, true, req_.base_url), 202);
  }

  ApiResult Delete(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_.ctx, "nodegroup:delete"));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.GetString("uuid");
    MAGNUM_ASSIGN_OR_RETURN(db::Row ng, FindNodeGroup(*s_.db, cluster_uuid, ident));
    if (ng.GetBool("is_default")) {
      return Fail(Error::FailedPrecondition("Deleting a default nodegroup is not supported."));
    }
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    if (ng.GetString("status") == "DELETE_IN_PROGRESS") {
      return Fail(
          Error::Conflict("Nodegroup " + ng.GetString("name") + " is already being deleted."));
    }
    MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kNodeGroupDelete, cluster));
    MAGNUM_RETURN_IF_ERROR(
        conductor->NodeGroupDelete(CallerOf(req_), cluster_uuid, ng.GetString("uuid")));
    return ApiResponse::NoContent();
  }

  const ClusterOps& ops_;
  const Services& s_;
  const ApiRequest& req_;
};

}  // namespace

const FieldList& NodeGroupFields() {
  static const FieldList fields = [] {
    auto str = [](std::string name, unsigned flags = kNone) {
      return FieldSpec{std::move(name), FieldType::kString, flags, 1, 255};
    };
    auto ro = [](std::string name, FieldType type = FieldType::kString, unsigned extra = kNone) {
      return FieldSpec{std::move(name), type, kReadOnly | extra};
    };
    auto integer = [](std::string name, int64_t min, Json def) {
      FieldSpec f{std::move(name), FieldType::kInt, kNone, min, 2147483647};
      f.default_value = std::move(def);
      return f;
    };
    FieldList f;
    f.push_back(ro("id", FieldType::kInt));
    f.push_back({"uuid", FieldType::kUuid});
    f.push_back(str("name", kMandatory));
    f.push_back(ro("cluster_id"));
    f.push_back(ro("project_id"));
    f.push_back(integer("docker_volume_size", 1, nullptr));
    f.push_back({"labels", FieldType::kLabels});
    FieldSpec merge{"merge_labels", FieldType::kBool, kNotStored};
    merge.default_value = false;
    f.push_back(merge);
    f.push_back(ro("labels_overridden", FieldType::kLabels, kNotStored));
    f.push_back(ro("labels_added", FieldType::kLabels, kNotStored));
    f.push_back(ro("labels_skipped", FieldType::kLabels, kNotStored));
    f.push_back(str("flavor_id"));
    f.push_back(str("image_id"));
    f.push_back(ro("node_addresses", FieldType::kStringList));
    f.push_back(integer("node_count", 0, 1));
    FieldSpec role = str("role");
    role.default_value = "worker";
    f.push_back(role);
    f.push_back(integer("min_node_count", 0, 0));
    f.push_back(integer("max_node_count", 0, nullptr));
    f.push_back(ro("is_default", FieldType::kBool));
    f.push_back(ro("stack_id"));
    f.push_back(ro("status"));
    f.push_back(ro("status_reason"));
    f.push_back(ro("version"));
    f.push_back({"node_labels", FieldType::kStrDict});
    f.push_back({"node_taints", FieldType::kJson});
    f.push_back(ro("links", FieldType::kJson, kNotStored));
    f.push_back(ro("created_at", FieldType::kTimestamp));
    f.push_back(ro("updated_at", FieldType::kTimestamp));
    return f;
  }();
  return fields;
}

Result<db::Row> FindNodeGroup(db::Database& db, const std::string& cluster_uuid,
                              const std::string& ident) {
  db::Filter f;
  f.Where(Condition::Eq("cluster_id", cluster_uuid));
  bool digits = !ident.empty() && ident.size() <= 18;
  for (char c : ident) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    int64_t id = 0;
    std::from_chars(ident.data(), ident.data() + ident.size(), id);
    f.Where(Condition::Eq("id", id));
  } else if (IsUuidLike(ident)) {
    f.Where(Condition::Eq("uuid", CanonicalUuid(ident)));
  } else {
    f.Where(Condition::Eq("name", ident));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto row, db.GetOne(db::kNodeGroupTable, f));
  if (!row) return Fail(Error::NotFound("Nodegroup " + ident + " could not be found."));
  return *row;
}

Result<void> ValidateNodeGroupCounts(const std::string& ng, int64_t node_count,
                                     int64_t min_node_count,
                                     std::optional<int64_t> max_node_count) {
  if (max_node_count) {
    if (*max_node_count < min_node_count) {
      return Fail(InvalidInput("max_node_count", ng,
                               "min_node_count (" + std::to_string(min_node_count) +
                                   ") should be less or equal to max_node_count (" +
                                   std::to_string(*max_node_count) + ")"));
    }
    if (node_count > *max_node_count) {
      return Fail(InvalidInput("max_node_count", ng,
                               "node_count (" + std::to_string(node_count) +
                                   ") should be less or equal to max_node_count (" +
                                   std::to_string(*max_node_count) + ")"));
    }
  }
  if (min_node_count > node_count) {
    return Fail(InvalidInput("min_node_count", ng,
                             "min_node_count (" + std::to_string(min_node_count) +
                                 ") should be less or equal to node_count (" +
                                 std::to_string(node_count) + ")"));
  }
  return {};
}

Result<void> ValidateNodeLabels(const std::string& ng, const Json& node_labels) {
  if (node_labels.is_null()) return {};
  if (!node_labels.is_object()) {
    return Fail(InvalidInput("node_labels", ng, "expected a dict of strings"));
  }
  for (const auto& [key, value] : node_labels.items()) {
    MAGNUM_RETURN_IF_ERROR(ValidLabelKey("node_labels", ng, key));
    if (ReservedLabelKey(key)) {
      return Fail(InvalidInput(
          "node_labels", ng, "label key '" + key + "' is in a namespace reserved for Kubernetes"));
    }
    if (!value.is_string() || !ValidLabelName(value.get<std::string>(), true)) {
      return Fail(InvalidInput("node_labels", ng,
                               "invalid value " + value.dump() + " for label '" + key + "'"));
    }
  }
  return {};
}

Result<void> ValidateNodeTaints(const std::string& ng, const Json& node_taints) {
  if (node_taints.is_null()) return {};
  if (!node_taints.is_array()) {
    return Fail(InvalidInput("node_taints", ng, "expected a list of taints"));
  }
  for (const auto& t : node_taints) {
    if (!t.is_object()) {
      return Fail(InvalidInput("node_taints", ng, "taint " + t.dump() + " is not a dict"));
    }
    for (const auto& [k, v] : t.items()) {
      if (k != "key" && k != "value" && k != "effect") {
        return Fail(InvalidInput("node_taints", ng, "unknown taint attribute '" + k + "'"));
      }
    }
    if (!t.contains("key") || !t["key"].is_string() || t["key"].get<std::string>().empty()) {
      return Fail(InvalidInput("node_taints", ng, "taint " + t.dump() + " needs a non-empty key"));
    }
    MAGNUM_RETURN_IF_ERROR(ValidLabelKey("node_taints", ng, t["key"].get<std::string>()));
    if (t.contains("value") && !t["value"].is_null() &&
        (!t["value"].is_string() || !ValidLabelName(t["value"].get<std::string>(), true))) {
      return Fail(InvalidInput("node_taints", ng, "invalid taint value " + t["value"].dump()));
    }
    const Json effect = t.value("effect", Json(nullptr));
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      return Fail(InvalidInput(
          "node_taints", ng,
          "taint effect " + effect.dump() + " must be NoSchedule, PreferNoSchedule or NoExecute"));
    }
  }
  return {};
}

Json RenderNodeGroup(const db::Row& ng, const Json& cluster_labels, bool detail,
                     const std::string& base_url) {
  Json out = FromRow(NodeGroupFields(), ng);
  if (!out["node_addresses"].is_array()) out["node_addresses"] = Json::array();
  out["merge_labels"] = false;
  if (!detail) {
    static constexpr std::array<std::string_view, 12> kBrief = {
        "uuid",       "name",     "flavor_id", "image_id",       "node_count",     "role",
        "is_default", "stack_id", "status",    "min_node_count", "max_node_count", "merge_labels"};
    Json brief = Json::object();
    for (const auto& [k, v] : out.items()) {
      if (std::find(kBrief.begin(), kBrief.end(), k) != kBrief.end()) brief[k] = v;
    }
    return brief;
  }
  LabelDiff diff = DiffLabels(cluster_labels, out["labels"]);
  out["labels_overridden"] = std::move(diff.overridden);
  out["labels_added"] = std::move(diff.added);
  out["labels_skipped"] = std::move(diff.skipped);
  out["links"] = MakeLinks(
      base_url, "clusters/" + ng.GetString("cluster_id") + "/nodegroups/" + ng.GetString("uuid"));
  return out;
}

ApiResult HandleNodeGroups(const ClusterOps& ops, const ApiRequest& req,
                           const std::string& cluster_ident, const std::vector<std::string>& rest) {
  return NodeGroupHandler(ops, req).Handle(cluster_ident, rest);
}

}  // namespace magnum::api
