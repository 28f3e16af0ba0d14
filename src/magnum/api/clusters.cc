// /v1/clusters (§2.2): list, detail, show, create, PATCH, delete, actions/resize,
// actions/upgrade, our events extension, and the nodegroups sub-collection (§2.3).
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_ops.h"
#include "magnum/conductor/state_table.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/nodegroups.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"
#include "magnum/common/clock.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/driver.h"

namespace magnum::api {
namespace {

using db::Condition;

PolicyTarget TargetOf(const db::Row& cluster) {
  return PolicyTarget{cluster.GetString("project_id"), cluster.GetString("user_id")};
}

ApiResponse UuidResponse(const std::string& uuid) {
  return ApiResponse::Ok(Json{{"uuid", uuid}}, 202);
}

// `?rollback=<bool>` (≥ 1.3 only; strict boolean).
Result<bool> ParseRollback(const ApiRequest& req) {
  if (req.version.AtLeast(3)) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"rollback"}));
  } else {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
  }
  auto arg = req.Query("rollback");
  if (!arg) return false;
  MAGNUM_ASSIGN_OR_RETURN(Json v, ConvertField(FieldSpec{"rollback", FieldType::kBool}, *arg));
  return v.get<bool>();
}

class ClustersController final : public CollectionController {
 public:
  explicit ClustersController(const Services& s) : s_(s), ops_(s) {}

  ApiResult HandleSubresource(const ApiRequest& req,
                              const std::vector<std::string>& rest) override {
    const std::string& m = req.method();
    if (rest[1] == "nodegroups") {
      return HandleNodeGroups(ops_, req, rest[0],
                              std::vector<std::string>(rest.begin() + 2, rest.end()));
    }
    if (rest.size() == 2 && rest[1] == "events") {
      if (m == "GET") return Events(req, rest[0]);
      return Fail(MethodNotAllowed(req));
    }
    if (rest.size() == 3 && rest[1] == "actions" && (rest[2] == "resize" || rest[2] == "upgrade")) {
      if (m != "POST") return Fail(MethodNotAllowed(req));
      return rest[2] == "resize" ? Resize(req, rest[0]) : Upgrade(req, rest[0]);
    }
    return Fail(RouteNotFound(req));
  }

 private:
  ApiResult List(const ApiRequest& req, bool detail) override {
    MAGNUM_ASSIGN_OR_RETURN(ClusterPage page, ops_.List(req, detail));
    Json body = {{"clusters", Json(page.items)}};
    AddNextLink(&body, req, detail ? "clusters/detail" : "clusters", page.page, page.rows.size(),
                page.rows.empty() ? "" : page.rows.back().GetString("uuid"));
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:get_one_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:get", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(Json out, ops_.Render(req, cluster, true, true));
    return ApiResponse::Ok(std::move(out));
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(ClusterFields(), body, "cluster", true));
    MAGNUM_ASSIGN_OR_RETURN(std::string uuid, ops_.Create(req, std::move(doc), false));
    return UuidResponse(uuid);
  }

  ApiResult Patch(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_ASSIGN_OR_RETURN(bool rollback, ParseRollback(req));
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:update_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:update", TargetOf(cluster)));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:update_health_status"));
    MAGNUM_ASSIGN_OR_RETURN(Json before, ops_.Render(req, cluster, true, false));
    PatchRules rules;
    rules.internal_paths = CommonInternalPaths();
    for (const char* p :
         {"/api_address", "/node_addresses", "/master_addresses", "/stack_id", "/cluster_id",
          "/ca_cert_ref", "/magnum_cert_ref", "/etcd_ca_cert_ref", "/front_proxy_ca_cert_ref"}) {
      rules.internal_paths.insert(p);
    }
    rules.mandatory_paths = {"/cluster_template_id"};
    rules.literal_paths = {"/labels", "/health_status_reason"};
    rules.remove_defaults = {
        {"node_count", 1}, {"master_count", 1}, {"create_timeout", 60}, {"merge_labels", false}};
    MAGNUM_ASSIGN_OR_RETURN(Json after, ApplyJsonPatch(before, patch, ClusterFields(), rules));
    std::set<std::string> changed = ChangedFields(before, after);
    std::string invalid;
    for (const auto& k : changed) {
      if (k != "node_count" && k != "health_status" && k != "health_status_reason") {
        invalid += (invalid.empty() ? "" : ", ") + k;
      }
    }
    if (!invalid.empty()) {
      return Fail(Error::InvalidArgument("cannot change cluster property(ies) " + invalid + "."));
    }
    ClusterUpdate update;
    update.rollback = rollback;
    for (const auto& op : patch) {
      if (op.is_object() && op.value("path", std::string()) == "/node_count") {
        update.node_count = after["node_count"].get<int64_t>();
      }
    }
    update.health_changed = changed.count("health_status") || changed.count("health_status_reason");
    update.health_status = after["health_status"];
    update.health_status_reason = after["health_status_reason"];
    MAGNUM_RETURN_IF_ERROR(ops_.Update(req, cluster, update));
    return UuidResponse(cluster.GetString("uuid"));
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:delete_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:delete", TargetOf(cluster)));
    MAGNUM_RETURN_IF_ERROR(ops_.Delete(req, cluster));
    return ApiResponse::NoContent();
  }

  // The nodegroup named in a resize/upgrade body, else the default worker.
  Result<db::Row> TargetNodeGroup(const db::Row& cluster, const Json& body) {
    const std::string uuid = cluster.GetString("uuid");
    if (body.contains("nodegroup") && body["nodegroup"].is_string()) {
      return FindNodeGroup(*s_.db, uuid, body["nodegroup"].get<std::string>());
    }
    MAGNUM_ASSIGN_OR_RETURN(auto ngs, ops_.NodeGroups(uuid));
    for (auto& ng : ngs) {
      if (ng.GetBool("is_default") && ng.GetString("role") != "master") return std::move(ng);
    }
    return Fail(Error::NotFound("Nodegroup default-worker could not be found."));
  }

  ApiResult Resize(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(RequireVersion(req, 7, "cluster resize"));
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc,
                            ValidateBody(ClusterResizeFields(), body, "cluster_resize_req", true));
    const int64_t node_count = doc["node_count"].get<int64_t>();
    if (node_count == 0 && !req.version.AtLeast(10)) {
      return Fail(Error::InvalidArgument(
          "Resizing a nodegroup to zero is not supported in the provided microversion."));
    }
    // Admins may resize any project's cluster (upstream: 404, see docs).
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:update_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:resize", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(db::Row ng, TargetNodeGroup(cluster, doc));
    if (ng.GetString("role") == "master") {
      MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, ops_.DriverFor(cluster));
      MAGNUM_RETURN_IF_ERROR(driver->ValidateMasterResize(node_count));
    } else {
      const int64_t min = ng.GetInt("min_node_count");
      const auto max = ng.GetOptionalInt("max_node_count");
      if (node_count < min || (max && node_count > *max)) {
        return Fail(Error::InvalidArgument(
            "Resizing " + ng.GetString("name") +
            " outside the allowed range: min_node_count = " + std::to_string(min) +
            ", max_node_count = " + (max ? std::to_string(*max) : std::string("None"))));
      }
    }
    MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kResize, cluster));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    std::vector<std::string> remove = doc["nodes_to_remove"].get<std::vector<std::string>>();
    MAGNUM_RETURN_IF_ERROR(conductor->ClusterResize(CallerOf(req), cluster.GetString("uuid"),
                                                    ng.GetString("uuid"), node_count, remove));
    return UuidResponse(cluster.GetString("uuid"));
  }

  ApiResult Upgrade(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(RequireVersion(req, 7, "cluster upgrade"));
    if (!req.version.AtLeast(8)) {
      return Fail(Error::FailedPrecondition(
          "Cluster upgrade is not supported in the provided microversion."));
    }
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(
        Json doc, ValidateBody(ClusterUpgradeFields(), body, "cluster_upgrade_req", true));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:upgrade_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:upgrade", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(
        db::Row tmpl, ops_.FindTemplate(req, doc["cluster_template"].get<std::string>(), false));
    const std::string template_uuid = tmpl.GetString("uuid");
    const std::string current_template = cluster.GetString("cluster_template_id");
    if (tmpl.GetBool("hidden") && !req.ctx.is_admin && template_uuid != current_template) {
      return Fail(Error::PermissionDenied("Not authorized."));
    }
    std::string nodegroup_uuid;  // "" = the whole cluster
    if (doc["nodegroup"].is_string()) {
      MAGNUM_ASSIGN_OR_RETURN(db::Row ng, TargetNodeGroup(cluster, doc));
      if (!ng.GetBool("is_default") && template_uuid != current_template) {
        auto current = s_.db->GetOne(db::kClusterTemplateTable,
                                     db::Filter().Where(Condition::Eq("uuid", current_template)));
        std::string name = current && *current ? (*current)->GetString("name") : current_template;
        return Fail(Error::Conflict(
            "Cluster Template is not valid for upgrade: Nodegroup " + ng.GetString("name") +
            " can be upgraded only to match cluster's template (" + name + ")."));
      }
      nodegroup_uuid = ng.GetString("uuid");
    }
    MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, ops_.DriverFor(cluster));
    if (!driver->SupportsUpgrade()) {
      return Fail(Error::FailedPrecondition("Upgrading a cluster is not supported by driver " +
                                            std::string(driver->name()) + "."));
    }
    MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kUpgrade, cluster));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    MAGNUM_RETURN_IF_ERROR(
        conductor->ClusterUpgrade(CallerOf(req), cluster.GetString("uuid"), template_uuid,
                                  doc["max_batch_size"].get<int64_t>(), nodegroup_uuid));
    return UuidResponse(cluster.GetString("uuid"));
  }

  // GET /v1/clusters/{ident}/events (extension): the cluster's event log in order.
  ApiResult Events(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
    MAGNUM_ASSIGN_OR_RETURN(db::Row cluster, ops_.Find(req, ident, "cluster:get_one_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:events", TargetOf(cluster)));
    const std::string uuid = cluster.GetString("uuid");
    MAGNUM_ASSIGN_OR_RETURN(
        Page page, ParsePage(req, *s_.db, db::kClusterEventTable, s_.config->api_max_limit,
                             db::Filter().Where(Condition::Eq("cluster_uuid", uuid)), true));
    MAGNUM_ASSIGN_OR_RETURN(auto rows, s_.db->List(db::kClusterEventTable, page.query));
    Json events = Json::array();
    for (const auto& r : rows) {
      auto text = [&](const char* k) {
        auto v = r.GetOptionalString(k);
        return v ? Json(*v) : Json(nullptr);
      };
      events.push_back({{"id", r.GetInt("id")},
                        {"step", text("step")},
                        {"node", text("node")},
                        {"level", text("level")},
                        {"message", text("message")},
                        {"created_at", r.IsNull("created_at")
                                           ? Json(nullptr)
                                           : Json(DbToApiTimestamp(r.GetString("created_at")))}});
    }
    Json body = {{"events", std::move(events)}};
    AddNextLink(&body, req, "clusters/" + uuid + "/events", page, rows.size(),
                rows.empty() ? "" : std::to_string(rows.back().GetInt("id")));
    return ApiResponse::Ok(std::move(body));
  }

  Services s_;
  ClusterOps ops_;
};

}  // namespace

std::unique_ptr<Controller> NewClustersController(const Services& services) {
  return std::make_unique<ClustersController>(services);
}

}  // namespace magnum::api
