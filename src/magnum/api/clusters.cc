// /v1/clusters (§2.2): list, detail, show, create, PATCH, delete, actions/resize,
// actions/upgrade, our events extension, and the nodegroups sub-collection (§2.3).
#include <optional>
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_ops.h"
#include "magnum/api/controller.h"
#include "magnum/api/event_stream.h"
#include "magnum/api/fields.h"
#include "magnum/api/nodegroups.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/state_table.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/driver.h"

namespace magnum::api {
namespace {

using db::Condition;
using objects::Cluster;
using objects::NodeGroup;

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
    auto next = NextLink(req, detail ? "clusters/detail" : "clusters", page.page,
                         page.clusters.size(),
                         page.clusters.empty() ? "" : page.clusters.back().uuid);
    return ApiResponse::Raw(WriteCollection(
        "clusters", 1300 * page.clusters.size() + 64,
        [&](JsonWriter& w) { ops_.WritePage(w, req, page); }, next));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:get_one_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:get", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(std::string out, ops_.RenderText(req, cluster, true, true));
    return ApiResponse::Raw(std::move(out));
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
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:update_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:update", TargetOf(cluster)));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:update_health_status"));
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
    bool others = false;  // a change outside node_count, health and labels
    for (const auto& k : changed) {
      if (k != "node_count" && k != "health_status" && k != "health_status_reason") {
        invalid += (invalid.empty() ? "" : ", ") + k;
        others = others || k != "labels";
      }
    }
    if (others) {
      return Fail(Error::InvalidArgument("cannot change cluster property(ies) " + invalid + "."));
    }
    // Extension: the autoscaling labels may change (metadata, no conductor operation); any
    // other label change is refused by AutoscalingLabelsAfter with the message above.
    std::optional<objects::StringMap> labels;
    if (changed.count("labels") != 0) {
      MAGNUM_ASSIGN_OR_RETURN(labels,
                              AutoscalingLabelsAfter(patch, before["labels"], after["labels"]));
    }
    ClusterUpdate update;
    update.rollback = rollback;
    update.labels = std::move(labels);
    for (const auto& op : patch) {
      if (op.is_object() && op.value("path", std::string()) == "/node_count") {
        update.node_count = after["node_count"].get<int64_t>();
      }
    }
    update.health_changed = changed.count("health_status") || changed.count("health_status_reason");
    update.health_status = after["health_status"];
    update.health_status_reason = after["health_status_reason"];
    MAGNUM_RETURN_IF_ERROR(ops_.Update(req, cluster, update));
    return UuidResponse(cluster.uuid);
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:delete_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:delete", TargetOf(cluster)));
    MAGNUM_RETURN_IF_ERROR(ops_.Delete(req, cluster));
    return ApiResponse::NoContent();
  }

  // The nodegroup named in a resize/upgrade body, else the default worker.
  Result<NodeGroup> TargetNodeGroup(const Cluster& cluster, const Json& body) {
    const std::string& uuid = cluster.uuid;
    if (body.contains("nodegroup") && body["nodegroup"].is_string()) {
      return FindNodeGroup(*s_.db, uuid, body["nodegroup"].get<std::string>());
    }
    MAGNUM_ASSIGN_OR_RETURN(auto ngs, ops_.NodeGroups(uuid));
    for (auto& ng : ngs) {
      if (ng.is_default.value_or(false) && !ng.IsMaster()) return std::move(ng);
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
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:update_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:resize", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, TargetNodeGroup(cluster, doc));
    if (ng.IsMaster()) {
      MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, ops_.DriverFor(cluster));
      MAGNUM_RETURN_IF_ERROR(driver->ValidateMasterResize(node_count));
    } else {
      const int64_t min = ng.min_node_count.value_or(0);
      const auto max = ng.max_node_count;
      if (node_count < min || (max && node_count > *max)) {
        return Fail(Error::InvalidArgument(
            "Resizing " + ng.name +
            " outside the allowed range: min_node_count = " + std::to_string(min) +
            ", max_node_count = " + (max ? std::to_string(*max) : std::string("None"))));
      }
    }
    MAGNUM_RETURN_IF_ERROR(ops_.CheckState(conductor::ClusterOperation::kResize, cluster));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    std::vector<std::string> remove = doc["nodes_to_remove"].get<std::vector<std::string>>();
    MAGNUM_RETURN_IF_ERROR(
        conductor->ClusterResize(CallerOf(req), cluster.uuid, ng.uuid, node_count, remove));
    return UuidResponse(cluster.uuid);
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
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:upgrade_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:upgrade", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(
        objects::ClusterTemplate tmpl,
        ops_.FindTemplate(req, doc["cluster_template"].get<std::string>(), false));
    const std::string template_uuid = tmpl.uuid;
    const std::string current_template = cluster.cluster_template_id.value_or("");
    if (tmpl.hidden.value_or(false) && !req.ctx.is_admin && template_uuid != current_template) {
      return Fail(Error::PermissionDenied("Not authorized."));
    }
    std::string nodegroup_uuid;  // "" = the whole cluster
    if (doc["nodegroup"].is_string()) {
      MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, TargetNodeGroup(cluster, doc));
      if (!ng.is_default.value_or(false) && template_uuid != current_template) {
        auto current = objects::GetOne<objects::ClusterTemplate>(
            *s_.db, db::Filter().Where(Condition::Eq("uuid", current_template)));
        std::string name = current && *current ? (*current)->name.value_or("") : current_template;
        return Fail(Error::Conflict(
            "Cluster Template is not valid for upgrade: Nodegroup " + ng.name +
            " can be upgraded only to match cluster's template (" + name + ")."));
      }
      nodegroup_uuid = ng.uuid;
    }
    MAGNUM_ASSIGN_OR_RETURN(drivers::Driver * driver, ops_.DriverFor(cluster));
    if (!driver->SupportsUpgrade()) {
      return Fail(Error::FailedPrecondition("Upgrading a cluster is not supported by driver " +
                                            std::string(driver->name()) + "."));
    }
    MAGNUM_RETURN_IF_ERROR(ops_.CheckState(conductor::ClusterOperation::kUpgrade, cluster));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
    MAGNUM_RETURN_IF_ERROR(
        conductor->ClusterUpgrade(CallerOf(req), cluster.uuid, template_uuid,
                                  doc["max_batch_size"].get<int64_t>(), nodegroup_uuid));
    return UuidResponse(cluster.uuid);
  }

  // GET /v1/clusters/{ident}/events (extension): the cluster's event log in order. (With
  // Accept: text/event-stream, ApiApp routes it to EventStreams instead: event_stream.h.)
  ApiResult Events(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, ops_.Find(req, ident, "cluster:get_one_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:events", TargetOf(cluster)));
    const std::string& uuid = cluster.uuid;
    MAGNUM_ASSIGN_OR_RETURN(
        Page page, ParsePage(req, *s_.db, db::kClusterEventTable, s_.config->api_max_limit,
                             db::Filter().Where(Condition::Eq("cluster_uuid", uuid)), true));
    MAGNUM_ASSIGN_OR_RETURN(auto events, objects::List<objects::ClusterEvent>(*s_.db, page.query));
    auto next = NextLink(req, "clusters/" + uuid + "/events", page, events.size(),
                         events.empty() ? "" : std::to_string(events.back().id));
    std::string body = WriteCollection(
        "events", 200 * events.size() + 64,
        [&](JsonWriter& w) {
          for (const auto& e : events) WriteClusterEvent(w, e);
        },
        next);
    return ApiResponse::Raw(std::move(body));
  }

  Services s_;
  ClusterOps ops_;
};

}  // namespace

std::unique_ptr<Controller> NewClustersController(const Services& services) {
  return std::make_unique<ClustersController>(services);
}

}  // namespace magnum::api
