// /v1/bays (§2.10): the pre-1.11 name of clusters, served below microversion 1.11 with
// the old field names. A thin adaptor over ClusterOps: same checks, same rows, same
// conductor calls; cluster policies apply (the old bay:* rules are gone).
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_ops.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"

namespace magnum::api {
namespace {

using objects::Cluster;

class BaysController final : public CollectionController {
 public:
  explicit BaysController(const Services& s) : ops_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    // Removed at 1.11 (upstream: gone at every version; we keep them for old clients).
    if (req.version.AtLeast(11)) return Fail(RouteNotFound(req));
    return Route(req, rest);
  }

 private:
  Result<Json> RenderBay(const ApiRequest& req, const Cluster& cluster, bool with_faults) {
    MAGNUM_ASSIGN_OR_RETURN(Json c, ops_.Render(req, cluster, true, with_faults));
    return ClusterToBay(c, true, req.base_url);
  }

  Result<Cluster> Find(const ApiRequest& req, const std::string& ident, const char* rule) {
    auto row = ops_.Find(req, ident, rule);
    if (!row && row.error().Is(ErrorCode::kNotFound)) {
      return Fail(Error::NotFound("Bay " + ident + " could not be found."));
    }
    if (!row && row.error().Is(ErrorCode::kConflict)) {
      return Fail(
          Error::Conflict("Multiple bays exist with same name. Please use the bay uuid instead."));
    }
    return row;
  }

  ApiResult List(const ApiRequest& req, bool detail) override {
    MAGNUM_ASSIGN_OR_RETURN(ClusterPage page, ops_.List(req, detail));
    Json items = Json::array();
    for (const auto& c : ops_.RenderPage(req, page)) {
      items.push_back(ClusterToBay(c, detail, req.base_url));
    }
    Json body = {{"bays", std::move(items)}};
    AddNextLink(&body, req, detail ? "bays/detail" : "bays", page.page, page.clusters.size(),
                page.clusters.empty() ? "" : page.clusters.back().uuid);
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, Find(req, ident, "cluster:get_one_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:get", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(Json bay, RenderBay(req, cluster, true));
    return ApiResponse::Ok(std::move(bay));
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(BayFields(), body, "bay", true));
    MAGNUM_ASSIGN_OR_RETURN(std::string uuid, ops_.Create(req, BayToCluster(doc), true));
    if (req.version.AtLeast(2)) return ApiResponse::Ok(Json{{"uuid", uuid}}, 202);
    // 1.1 was synchronous: the bay as it is now (creation goes on in the background).
    MAGNUM_ASSIGN_OR_RETURN(Cluster row, ops_.Reload(uuid));
    MAGNUM_ASSIGN_OR_RETURN(Json bay, RenderBay(req, row, false));
    ApiResponse r = ApiResponse::Ok(std::move(bay), 201);
    r.headers["Location"] = req.base_url + "/v1/bays/" + uuid;
    return r;
  }

  ApiResult Patch(const ApiRequest& req, const std::string& ident) override {
    bool rollback = false;
    if (req.version.AtLeast(3)) {
      MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"rollback"}));
      if (auto arg = req.Query("rollback")) {
        MAGNUM_ASSIGN_OR_RETURN(Json v,
                                ConvertField(FieldSpec{"rollback", FieldType::kBool}, *arg));
        rollback = v.get<bool>();
      }
    } else {
      MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    }
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, Find(req, ident, "cluster:update_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:update", TargetOf(cluster)));
    MAGNUM_ASSIGN_OR_RETURN(Json before, RenderBay(req, cluster, false));
    PatchRules rules;
    rules.internal_paths = CommonInternalPaths();
    for (const char* p :
         {"/api_address", "/node_addresses", "/master_addresses", "/stack_id", "/ca_cert_ref",
          "/magnum_cert_ref", "/etcd_ca_cert_ref", "/front_proxy_ca_cert_ref"}) {
      rules.internal_paths.insert(p);
    }
    rules.mandatory_paths = {"/baymodel_id"};
    rules.literal_paths = {"/labels"};
    rules.remove_defaults = {{"node_count", 1}, {"master_count", 1}, {"bay_create_timeout", 60}};
    MAGNUM_ASSIGN_OR_RETURN(Json after, ApplyJsonPatch(before, patch, BayFields(), rules));
    std::string invalid;
    for (const auto& k : ChangedFields(before, after)) {
      if (k != "node_count") invalid += (invalid.empty() ? "" : ", ") + k;
    }
    if (!invalid.empty()) {
      return Fail(Error::InvalidArgument("cannot change bay property(ies) " + invalid + "."));
    }
    ClusterUpdate update;
    update.rollback = rollback;
    for (const auto& op : patch) {
      if (op.is_object() && op.value("path", std::string()) == "/node_count") {
        update.node_count = after["node_count"].get<int64_t>();
      }
    }
    MAGNUM_RETURN_IF_ERROR(ops_.Update(req, cluster, update));
    if (req.version.AtLeast(2)) {
      return ApiResponse::Ok(Json{{"uuid", cluster.uuid}}, 202);
    }
    MAGNUM_ASSIGN_OR_RETURN(Cluster row, ops_.Reload(cluster.uuid));
    MAGNUM_ASSIGN_OR_RETURN(Json bay, RenderBay(req, row, false));
    return ApiResponse::Ok(std::move(bay));
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, Find(req, ident, "cluster:delete_all_projects"));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:delete", TargetOf(cluster)));
    MAGNUM_RETURN_IF_ERROR(ops_.Delete(req, cluster));
    return ApiResponse::NoContent();
  }

  ClusterOps ops_;
};

}  // namespace

std::unique_ptr<Controller> NewBaysController(const Services& services) {
  return std::make_unique<BaysController>(services);
}

}  // namespace magnum::api
