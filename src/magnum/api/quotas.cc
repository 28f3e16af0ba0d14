// /v1/quotas (§2.8): per-project hard limits. Admin only, except that anybody with the
// reader role may read their own project's quota.
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/objects/mappers.h"

namespace magnum::api {
namespace {

const FieldList& QuotaFields() {
  static const FieldList fields = [] {
    using objects::Quota;
    FieldList f;
    f.push_back(Bound(MakeField("id", FieldType::kInt, kReadOnly), &Quota::id));
    // Length 0 passes here so that "" gets the reference's "Must provide a valid project ID."
    f.push_back(Bound(MakeField("project_id", FieldType::kString, kNone, 0, 255), &Quota::project_id));
    FieldSpec resource = MakeField("resource", FieldType::kString, kNone, 1, 255);
    // "Container" (ours): the quota of /v1/containers (issue 15).
    resource.choices = {"Cluster", "Container"};
    resource.default_value = "Cluster";
    f.push_back(Bound(resource, &Quota::resource));
    FieldSpec hard_limit = MakeField("hard_limit", FieldType::kInt, kNone, 0, 2147483647);
    hard_limit.default_value = 1;
    f.push_back(Bound(hard_limit, &Quota::hard_limit));
    f.push_back(Bound(MakeField("created_at", FieldType::kTimestamp, kReadOnly), &Quota::created_at));
    f.push_back(Bound(MakeField("updated_at", FieldType::kTimestamp, kReadOnly), &Quota::updated_at));
    return f;
  }();
  return fields;
}

using objects::Quota;

Json RenderQuota(const Quota& q) { return RenderBoundFields(QuotaFields(), q); }

Error QuotaNotFound(const std::string& project, const std::string& resource) {
  return Error::NotFound("Quota could not be found: project_id " + project + " resource " +
                         resource + ".");
}

class QuotasController final : public Controller {
 public:
  explicit QuotasController(const Services& s) : s_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    const std::string& m = req.method();
    if (rest.empty()) {
      if (m == "GET") return List(req);
      if (m == "POST") return Create(req);
      return Fail(MethodNotAllowed(req));
    }
    if (rest.size() == 2) {
      if (m == "GET") return Get(req, rest[0], rest[1]);
      if (m == "PATCH") return Update(req, rest[0], rest[1]);
      if (m == "DELETE") return Delete(req, rest[0], rest[1]);
      return Fail(MethodNotAllowed(req));
    }
    return Fail(RouteNotFound(req));
  }

 private:
  // The resource named in a URL must be one the API knows (the reference would answer a
  // synthesized "Cluster" quota for any name).
  static Result<void> CheckResource(const std::string& resource) {
    return ConvertField(*FindField(QuotaFields(), "resource"), Json(resource)).map([](Json) {});
  }

  static db::Filter Key(const std::string& project, const std::string& resource) {
    return db::Filter()
        .Where(db::Condition::Eq("project_id", project))
        .Where(db::Condition::Eq("resource", resource));
  }

  ApiResult List(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(
        CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir", "all_tenants"}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "quota:get_all"));
    bool all_tenants = false;
    if (auto v = req.Query("all_tenants")) {
      FieldSpec spec = MakeField("all_tenants", FieldType::kBool);
      MAGNUM_ASSIGN_OR_RETURN(Json b, ConvertField(spec, Json(*v)));
      all_tenants = b.get<bool>();
    }
    const bool everything = req.ctx.is_admin && all_tenants;
    db::Filter scope;
    if (!everything) scope.Where(db::Condition::Eq("project_id", req.ctx.project_id));
    MAGNUM_ASSIGN_OR_RETURN(Page page,
                            ParsePage(req, *s_.db, db::kQuotaTable, s_.config->api_max_limit,
                                      std::move(scope), /*numeric_marker=*/true));
    MAGNUM_ASSIGN_OR_RETURN(auto rows, objects::List<Quota>(*s_.db, page.query));
    Json items = Json::array();
    for (const auto& r : rows) items.push_back(RenderQuota(r));
    Json body = {{"quotas", std::move(items)}};
    std::vector<std::pair<std::string, std::string>> extra;
    if (everything) extra.emplace_back("all_tenants", "True");
    AddNextLink(&body, req, "quotas", page, rows.size(),
                rows.empty() ? "" : std::to_string(rows.back().id), extra);
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& project, const std::string& resource) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "quota:get"));
    if (!req.ctx.is_admin && project != req.ctx.project_id) {
      return Fail(Error::PermissionDenied("Not authorized."));
    }
    MAGNUM_RETURN_IF_ERROR(CheckResource(resource));
    MAGNUM_ASSIGN_OR_RETURN(auto row, objects::GetOne<Quota>(*s_.db, Key(project, resource)));
    if (row) return ApiResponse::Ok(RenderQuota(*row));
    // No explicit quota: the configured default, without id or timestamps.
    return ApiResponse::Ok(
        Json{{"project_id", project},
             {"resource", resource},
             {"hard_limit", resource == "Container" ? s_.config->max_containers_per_project
                                                    : s_.config->max_clusters_per_project}});
  }

  ApiResult Create(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(QuotaFields(), body, "quota", true));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "quota:create"));
    if (!doc.contains("project_id") || doc["project_id"].is_null() ||
        doc["project_id"].get<std::string>().empty()) {
      return Fail(Error::InvalidArgument("Must provide a valid project ID."));
    }
    // The project must exist in Keystone (404 otherwise); without Keystone (noauth) it
    // cannot be checked and any non-empty id is accepted (clients/cloud_resources.h).
    const std::string project = doc["project_id"].get<std::string>();
    MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckProject(req.ctx, project));
    const std::string resource = doc["resource"].get<std::string>();
    Quota quota;
    ApplyFields(QuotaFields(), doc, &quota);
    quota.created_at = NowDb(s_);
    quota.updated_at.reset();
    auto inserted = objects::Insert(*s_.db, quota);
    if (!inserted && inserted.error().Is(ErrorCode::kAlreadyExists)) {
      return Fail(Error::AlreadyExists("Quota for project " + project +
                                       " already exists for resource " + resource + "."));
    }
    if (!inserted) return Fail(inserted.error());
    return ApiResponse::Ok(RenderQuota(*inserted), 201);
  }

  ApiResult Update(const ApiRequest& req, const std::string& project, const std::string& resource) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    // A quota object, not a JSON patch; project_id and resource come from the URL.
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(QuotaFields(), body, "quotapatch", false));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "quota:update"));
    MAGNUM_RETURN_IF_ERROR(CheckResource(resource));
    // Only what is set here is written: an omitted (or null) hard_limit keeps the current
    // value (the reference resets it to 1).
    Quota changes;
    if (doc.contains("hard_limit") && !doc["hard_limit"].is_null()) {
      changes.hard_limit = doc["hard_limit"].get<int64_t>();
    }
    changes.updated_at = NowDb(s_);
    MAGNUM_ASSIGN_OR_RETURN(int64_t n,
                            s_.db->Update(db::kQuotaTable, Key(project, resource),
                                          objects::ChangedColumns(Quota{}, changes)));
    if (n == 0) return Fail(QuotaNotFound(project, resource));
    MAGNUM_ASSIGN_OR_RETURN(auto row, objects::GetOne<Quota>(*s_.db, Key(project, resource)));
    if (!row) return Fail(QuotaNotFound(project, resource));
    return ApiResponse::Ok(RenderQuota(*row), 202);
  }

  ApiResult Delete(const ApiRequest& req, const std::string& project, const std::string& resource) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "quota:delete"));
    MAGNUM_RETURN_IF_ERROR(CheckResource(resource));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, s_.db->Delete(db::kQuotaTable, Key(project, resource)));
    if (n == 0) return Fail(QuotaNotFound(project, resource));
    return ApiResponse::NoContent();
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewQuotasController(const Services& services) {
  return std::make_unique<QuotasController>(services);
}

}  // namespace magnum::api
