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
#include "magnum/objects/mappers.h"

namespace magnum::api {
namespace {

using db::Condition;


using objects::Cluster;
using objects::NodeGroup;

// A cluster's labels ({} when it has none).
const objects::StringMap& LabelsOf(const Cluster& cluster) {
  static const objects::StringMap kNone;
  return cluster.labels ? *cluster.labels : kNone;
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
        return Fail(NodeGroupInvalidInput(attr, name, "not allowed on master nodegroups"));
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
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_, "nodegroup:get_all"));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            ops_.Find(req_, cluster_ident, "nodegroup:get_all_all_projects"));
    const std::string cluster_uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(
        Page page, ParsePage(req_, *s_.db, db::kNodeGroupTable, s_.config->api_max_limit,
                             db::Filter().Where(Condition::Eq("cluster_id", cluster_uuid))));
    std::vector<std::pair<std::string, std::string>> extra;
    if (auto role = req_.Query("role")) {
      page.query.filter.Where(Condition::Eq("role", *role));
      extra.emplace_back("role", *role);
    }
    MAGNUM_ASSIGN_OR_RETURN(auto ngs, objects::List<NodeGroup>(*s_.db, page.query));
    auto next = NextLink(
        req_, "clusters/" + cluster_uuid + "/nodegroups" + (detail ? "/detail" : ""), page,
        ngs.size(), ngs.empty() ? "" : ngs.back().uuid, extra);
    return ApiResponse::Raw(WriteCollection(
        "nodegroups", 900 * ngs.size() + 64,
        [&](JsonWriter& w) {
          for (const auto& ng : ngs) {
            WriteNodeGroup(w, ng, &LabelsOf(cluster), detail, req_.base_url);
          }
        },
        next));
  }

  ApiResult Get(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_, "nodegroup:get"));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            ops_.Find(req_, cluster_ident, "nodegroup:get_one_all_projects"));
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, FindNodeGroup(*s_.db, cluster.uuid, ident));
    return Render(ng, cluster, 200);
  }

  ApiResult Create(const std::string& cluster_ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req_));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(NodeGroupFields(), body, "nodegroup", true));
    for (const auto& f : NodeGroupFields()) {
      if (!doc.contains(f.name)) doc[f.name] = nullptr;
    }
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_, "nodegroup:create"));
    // Admins may add nodegroups to any project's cluster (upstream: 404, see docs).
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.uuid;
    const std::string name = doc["name"].get<std::string>();
    // The state first: a cluster still being created is busy, like for any operation.
    MAGNUM_RETURN_IF_ERROR(ops_.CheckState(conductor::ClusterOperation::kNodeGroupCreate, cluster));
    if (cluster.api_address.value_or("").empty()) {
      return Fail(Error::Conflict("Cluster API address is not available yet"));
    }
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t same_name,
        s_.db->Count(db::kNodeGroupTable, db::Filter()
                                              .Where(Condition::Eq("cluster_id", cluster_uuid))
                                              .Where(Condition::Eq("name", name))));
    if (same_name > 0) {
      return Fail(Error::Conflict("A node group with name " + name +
                                  " already exists in the cluster " + cluster.name.value_or("") +
                                  "."));
    }
    MAGNUM_RETURN_IF_ERROR(ValidateDocument(doc));
    if (doc["role"] == "master") {
      return Fail(
          Error::FailedPrecondition("Creating master nodegroups is currently not supported."));
    }
    // Defaults from the cluster (and its template's image).
    const Json cluster_labels = Json(LabelsOf(cluster));
    if (doc["image_id"].is_null()) {
      auto t = objects::GetOne<objects::ClusterTemplate>(
          *s_.db,
          db::Filter().Where(Condition::Eq("uuid", cluster.cluster_template_id.value_or(""))));
      if (t && *t && (*t)->image_id) doc["image_id"] = *(*t)->image_id;
    }
    if (doc["flavor_id"].is_null() && cluster.flavor_id) doc["flavor_id"] = *cluster.flavor_id;
    if (doc["docker_volume_size"].is_null() && cluster.docker_volume_size) {
      doc["docker_volume_size"] = *cluster.docker_volume_size;
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
    NodeGroup ng;
    ApplyFields(NodeGroupFields(), doc, &ng);
    ng.id = 0;
    ng.cluster_id = cluster_uuid;
    ng.project_id = cluster.project_id;
    ng.node_addresses = objects::StringList{};
    ng.is_default = false;
    ng.status = objects::ClusterStatus::kCreateInProgress;
    ng.status_reason.reset();
    ng.stack_id.reset();
    ng.version.reset();
    ng.created_at = NowDb(s_);
    ng.updated_at.reset();
    auto inserted = objects::Insert(*s_.db, ng);
    if (!inserted) {
      if (inserted.error().Is(ErrorCode::kAlreadyExists)) {
        return Fail(Error::Conflict("A node group with name " + name +
                                    " already exists in the cluster " + cluster.name.value_or("") +
                                    "."));
      }
      return Fail(inserted.error());
    }
    const std::string ng_uuid = inserted->uuid;
    auto started = conductor->NodeGroupCreate(CallerOf(req_), cluster_uuid, ng_uuid);
    if (!started) {
      // Refused: nothing happened, so the row goes again.
      (void)s_.db->Delete(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("uuid", ng_uuid)));
      return Fail(started.error());
    }
    NodeGroup current = *inserted;
    if (auto now = objects::GetOne<NodeGroup>(
            *s_.db, db::Filter().Where(Condition::Eq("uuid", ng_uuid)));
        now && *now) {
      current = **now;
    }
    Json out = RenderNodeGroup(current, &LabelsOf(cluster), true, req_.base_url);
    out["merge_labels"] = merge_labels;
    return ApiResponse::Ok(std::move(out), 202);
  }

  ApiResult Patch(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req_));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_, "nodegroup:update"));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, FindNodeGroup(*s_.db, cluster_uuid, ident));
    const Json before = RenderBoundFields(NodeGroupFields(), ng);
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
    if (changed.empty()) return Render(ng, cluster, 202);
    const std::string status(ng.status ? objects::Name(*ng.status) : "");
    MAGNUM_RETURN_IF_ERROR(
        ops_.CheckState(conductor::ClusterOperation::kNodeGroupUpdate, cluster, status));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    Json delta = Json::object();
    for (const auto& k : changed) delta[k] = after[k];
    NodeGroup patched = ng;
    ApplyFields(NodeGroupFields(), delta, &patched);
    patched.updated_at = NowDb(s_);
    const db::Filter by_id = db::Filter().Where(Condition::Eq("id", ng.id));
    db::Filter cas = by_id;
    cas.Where(ng.status ? Condition::Eq("status", status) : Condition::Null("status"));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        s_.db->Update(db::kNodeGroupTable, cas, objects::ChangedColumns(ng, patched)));
    if (n == 0) {
      MAGNUM_ASSIGN_OR_RETURN(NodeGroup now, FindNodeGroup(*s_.db, cluster_uuid, ng.uuid));
      MAGNUM_RETURN_IF_ERROR(
          ops_.CheckState(conductor::ClusterOperation::kNodeGroupUpdate, cluster,
                          now.status ? objects::Name(*now.status) : std::string_view()));
      return Fail(Error::Conflict("Nodegroup " + ng.name +
                                  " changed while the request was processed; try again."));
    }
    auto started = conductor->NodeGroupUpdate(CallerOf(req_), cluster_uuid, ng.uuid);
    if (!started) {
      // Refused: put the previous values back.
      NodeGroup restored = ng;
      restored.updated_at = patched.updated_at;
      (void)s_.db->Update(db::kNodeGroupTable, by_id, objects::ChangedColumns(patched, restored));
      return Fail(started.error());
    }
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup now, FindNodeGroup(*s_.db, cluster_uuid, ng.uuid));
    return Render(now, cluster, 202);
  }

  ApiResult Delete(const std::string& cluster_ident, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req_, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req_, "nodegroup:delete"));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster,
                            ops_.Find(req_, cluster_ident, "cluster:update_all_projects"));
    const std::string cluster_uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, FindNodeGroup(*s_.db, cluster_uuid, ident));
    if (ng.is_default.value_or(false)) {
      return Fail(Error::FailedPrecondition("Deleting a default nodegroup is not supported."));
    }
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    if (ng.status == objects::ClusterStatus::kDeleteInProgress) {
      return Fail(Error::Conflict("Nodegroup " + ng.name + " is already being deleted."));
    }
    MAGNUM_RETURN_IF_ERROR(ops_.CheckState(conductor::ClusterOperation::kNodeGroupDelete, cluster));
    MAGNUM_RETURN_IF_ERROR(conductor->NodeGroupDelete(CallerOf(req_), cluster_uuid, ng.uuid));
    return ApiResponse::NoContent();
  }

  ApiResponse Render(const NodeGroup& ng, const Cluster& cluster, int status) const {
    std::string body;
    JsonWriter w(&body);
    WriteNodeGroup(w, ng, &LabelsOf(cluster), true, req_.base_url);
    return ApiResponse::Raw(std::move(body), status);
  }

  const ClusterOps& ops_;
  const Services& s_;
  const ApiRequest& req_;
};

}  // namespace

const FieldList& NodeGroupFields() {
  static const FieldList fields = [] {
    using NG = NodeGroup;
    auto str = [](std::string name, auto member, unsigned flags = kNone) {
      return Bound(FieldSpec{std::move(name), FieldType::kString, flags, 1, 255}, member);
    };
    auto ro = [](std::string name, auto member, FieldType type = FieldType::kString) {
      return Bound(FieldSpec{std::move(name), type, kReadOnly}, member);
    };
    auto computed = [](std::string name, FieldType type) {
      return FieldSpec{std::move(name), type, kReadOnly | kNotStored};
    };
    auto integer = [](std::string name, auto member, int64_t min, Json def) {
      FieldSpec f{std::move(name), FieldType::kInt, kNone, min, 2147483647};
      f.default_value = std::move(def);
      return Bound(std::move(f), member);
    };
    FieldList f;
    f.push_back(ro("id", &NG::id, FieldType::kInt));
    f.push_back(Bound(FieldSpec{"uuid", FieldType::kUuid}, &NG::uuid));
    f.push_back(str("name", &NG::name, kMandatory));
    f.push_back(ro("cluster_id", &NG::cluster_id));
    f.push_back(ro("project_id", &NG::project_id));
    f.push_back(integer("docker_volume_size", &NG::docker_volume_size, 1, nullptr));
    f.push_back(Bound(FieldSpec{"labels", FieldType::kLabels}, &NG::labels));
    FieldSpec merge{"merge_labels", FieldType::kBool, kNotStored};
    merge.default_value = false;
    f.push_back(merge);
    f.push_back(computed("labels_overridden", FieldType::kLabels));
    f.push_back(computed("labels_added", FieldType::kLabels));
    f.push_back(computed("labels_skipped", FieldType::kLabels));
    f.push_back(str("flavor_id", &NG::flavor_id));
    f.push_back(str("image_id", &NG::image_id));
    f.push_back(ro("node_addresses", &NG::node_addresses, FieldType::kStringList));
    f.push_back(integer("node_count", &NG::node_count, 0, 1));
    FieldSpec role = str("role", &NG::role);
    role.default_value = "worker";
    f.push_back(role);
    f.push_back(integer("min_node_count", &NG::min_node_count, 0, 0));
    f.push_back(integer("max_node_count", &NG::max_node_count, 0, nullptr));
    f.push_back(ro("is_default", &NG::is_default, FieldType::kBool));
    f.push_back(ro("stack_id", &NG::stack_id));
    f.push_back(ro("status", &NG::status));
    f.push_back(ro("status_reason", &NG::status_reason));
    f.push_back(ro("version", &NG::version));
    f.push_back(Bound(FieldSpec{"node_labels", FieldType::kStrDict}, &NG::node_labels));
    f.push_back(Bound(FieldSpec{"node_taints", FieldType::kJson}, &NG::node_taints));
    f.push_back(computed("links", FieldType::kJson));
    f.push_back(ro("created_at", &NG::created_at, FieldType::kTimestamp));
    f.push_back(ro("updated_at", &NG::updated_at, FieldType::kTimestamp));
    return f;
  }();
  return fields;
}

Result<NodeGroup> FindNodeGroup(db::Database& db, const std::string& cluster_uuid,
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
  MAGNUM_ASSIGN_OR_RETURN(auto ng, objects::GetOne<NodeGroup>(db, f));
  if (!ng) return Fail(Error::NotFound("Nodegroup " + ident + " could not be found."));
  return std::move(*ng);
}


namespace {

struct NodeGroupView {
  const NodeGroup* ng;
  const objects::StringMap* cluster_labels;
  const std::string* base_url;
};

RenderPlan<NodeGroupView> NodeGroupPlan(bool detail) {
  static constexpr std::array<std::string_view, 12> kBrief = {
      "uuid",       "name",     "flavor_id", "image_id",       "node_count",     "role",
      "is_default", "stack_id", "status",    "min_node_count", "max_node_count", "merge_labels"};
  auto brief = [](std::string_view k) {
    return std::find(kBrief.begin(), kBrief.end(), k) != kBrief.end();
  };
  RenderPlan<NodeGroupView> plan;
  for (const auto& f : NodeGroupFields()) {
    if (!f.render || f.Has(kNotStored) || (!detail && !brief(f.name))) continue;
    const FieldSpec* spec = &f;
    if (f.name == "node_addresses") {
      plan.Add(f.name, [](const NodeGroupView& v, JsonWriter& w) {
        binding::Write(w, v.ng->node_addresses.value_or(objects::StringList{}), false);
      });
      continue;
    }
    plan.AddBound(f.name, &spec->render,
                  [](const NodeGroupView& v) -> const void* { return v.ng; });
  }
  plan.Add("merge_labels", [](const NodeGroupView&, JsonWriter& w) { w.Bool(false); });
  if (detail) {
    AddLabelDiffs<NodeGroupView>(
        plan, [](const NodeGroupView& v) { return v.cluster_labels; },
        [](const NodeGroupView& v) -> const std::optional<objects::StringMap>& {
          return v.ng->labels;
        });
    plan.Add("links", [](const NodeGroupView& v, JsonWriter& w) {
      WriteLinks(w, *v.base_url,
                 {"clusters/", v.ng->cluster_id, "/nodegroups/", v.ng->uuid});
    });
  }
  return std::move(plan.Done());
}

}  // namespace

void WriteNodeGroup(JsonWriter& w, const NodeGroup& ng, const objects::StringMap* cluster_labels,
                    bool detail, const std::string& base_url) {
  static const RenderPlan<NodeGroupView> plans[2] = {NodeGroupPlan(false), NodeGroupPlan(true)};
  plans[detail].Write(NodeGroupView{&ng, cluster_labels, &base_url}, w);
}

Json RenderNodeGroup(const NodeGroup& ng, const objects::StringMap* cluster_labels, bool detail,
                     const std::string& base_url) {
  std::string text;
  JsonWriter w(&text);
  WriteNodeGroup(w, ng, cluster_labels, detail, base_url);
  return Json::parse(text);
}

Json RenderNodeGroup(const db::Row& ng, const Json& cluster_labels, bool detail,
                     const std::string& base_url) {
  objects::StringMap labels;
  if (cluster_labels.is_object()) {
    for (auto it = cluster_labels.begin(); it != cluster_labels.end(); ++it) {
      labels[it.key()] = binding::ScalarText(*it);
    }
  }
  return RenderNodeGroup(objects::FromRow<NodeGroup>(ng).value_or(NodeGroup{}), &labels, detail,
                         base_url);
}

ApiResult HandleNodeGroups(const ClusterOps& ops, const ApiRequest& req,
                           const std::string& cluster_ident, const std::vector<std::string>& rest) {
  return NodeGroupHandler(ops, req).Handle(cluster_ident, rest);
}

}  // namespace magnum::api
