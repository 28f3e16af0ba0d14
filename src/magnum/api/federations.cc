// /v1/federations (§2.9), implemented for real: a federation is a row naming a host
// cluster, member clusters and properties. There is no backend work, so create and update
// complete synchronously (CREATE_COMPLETE / UPDATE_COMPLETE) once validated.
#include "magnum/api/federations.h"

#include <algorithm>
#include <set>

#include "magnum/api/cluster_scope.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"

namespace magnum::api {

namespace {

constexpr char kMemberPath[] = "/member_ids";

}  // namespace

Result<Json> RewriteMemberOps(const Json& patch, std::vector<std::string> members,
                              const std::string& federation_name, const ClusterResolver& resolve) {
  if (!patch.is_array()) return patch;  // ApplyJsonPatch reports the error
  Json out = Json::array();
  for (const auto& op : patch) {
    const bool member_op = op.is_object() && op.value("path", Json()) == kMemberPath &&
                           op.contains("value") && !op["value"].is_null() &&
                           (op.value("op", Json()) == "add" || op.value("op", Json()) == "remove");
    if (!member_op) {
      out.push_back(op);
      continue;
    }
    const Json& value = op["value"];
    if (!value.is_string()) {
      return Fail(InvalidField("value", value, "Wrong type. Expected a cluster UUID or name."));
    }
    const std::string ident = value.get<std::string>();
    if (op["op"] == "add") {
      MAGNUM_ASSIGN_OR_RETURN(std::string uuid, resolve(ident));
      if (std::find(members.begin(), members.end(), uuid) != members.end()) {
        return Fail(Error::Conflict("A cluster with UUID " + uuid +
                                    " is already a member of the federation " + federation_name +
                                    "."));
      }
      members.push_back(uuid);
    } else {
      std::string uuid = ident;
      if (IsUuidLike(ident)) {
        uuid = CanonicalUuid(ident);
      } else {
        auto resolved = resolve(ident);
        if (resolved) {
          uuid = *resolved;
        } else if (!resolved.error().Is(ErrorCode::kNotFound)) {
          return Fail(resolved.error());
        }
      }
      auto it = std::find(members.begin(), members.end(), uuid);
      if (it == members.end()) {
        return Fail(Error::NotFound("Cluster " + ident + " is not a member of the federation " +
                                    federation_name + "."));
      }
      members.erase(it);
    }
    out.push_back({{"op", "replace"}, {"path", kMemberPath}, {"value", Json(members).dump()}});
  }
  return out;
}

Result<void> ValidateFederationProperties(const Json& properties) {
  if (!properties.is_object()) {
    return Fail(Error::InvalidArgument("Please specify a `properties` dict for the federation."));
  }
  auto it = properties.find("dns-zone");
  if (it == properties.end() || it->is_null() ||
      (it->is_string() && it->get<std::string>().empty())) {
    return Fail(Error::InvalidArgument("No DNS zone specified. Please specify a `dns-zone`."));
  }
  return {};
}

namespace {

const FieldList& FederationFields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(
        MakeField("uuid", FieldType::kUuid));  // accepted and ignored: the server assigns it
    f.push_back(MakeField("name", FieldType::kString, kNamePattern, 1, 242));
    f.push_back(MakeField("hostcluster_id", FieldType::kString, kNone, 0, 255));
    f.push_back(MakeField("member_ids", FieldType::kStringList));
    FieldSpec status = MakeField("status", FieldType::kString, kReadOnly, 1, 255);
    status.choices = {"CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE",
                      "UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_COMPLETE",
                      "DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_COMPLETE"};
    f.push_back(status);
    f.push_back(MakeField("status_reason", FieldType::kString, kReadOnly));
    f.push_back(MakeField("properties", FieldType::kStrDict));
    f.push_back(MakeField("project_id", FieldType::kString, kHidden));
    f.push_back(MakeField("links", FieldType::kJson, kReadOnly | kNotStored));
    f.push_back(MakeField("created_at", FieldType::kTimestamp, kReadOnly));
    f.push_back(MakeField("updated_at", FieldType::kTimestamp, kReadOnly));
    return f;
  }();
  return fields;
}

const std::set<std::string>& BriefFields() {
  static const std::set<std::string> brief = {"uuid",       "name",   "hostcluster_id",
                                              "member_ids", "status", "properties"};
  return brief;
}

// Absent attributes (no default) are omitted, as wsme renders them.
Json RenderFederation(const db::Row& row, const std::string& base_url, bool detail) {
  Json full = FromRow(FederationFields(), row);
  Json out = Json::object();
  for (const auto& [k, v] : full.items()) {
    if (detail || BriefFields().count(k)) out[k] = v;
  }
  if (out.contains("member_ids") && out["member_ids"].is_null()) out["member_ids"] = Json::array();
  out["links"] = MakeLinks(base_url, "federations/" + row.GetString("uuid"));
  return out;
}

// Federations `ctx` may see: its own project's; admins see all.
db::Filter FederationsInScope(const auth::RequestContext& ctx) {
  db::Filter f;
  if (!ctx.is_admin) f.Where(db::Condition::Eq("project_id", ctx.project_id));
  return f;
}

std::vector<std::string> StringsOf(const Json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const auto& v : list) out.push_back(v.get<std::string>());
  }
  return out;
}

// A column's current value as a CAS condition.
db::Condition Unchanged(const db::Row& row, const std::string& column) {
  if (row.IsNull(column)) return db::Condition::Null(column);
  return db::Condition::Eq(column, row.Get(column));
}

class FederationsController final : public CollectionController {
 public:
  explicit FederationsController(const Services& s) : s_(s) {}

 private:
  Result<db::Row> Lookup(const ApiRequest& req, const std::string& ident) {
    return LookupByIdent(*s_.db, db::kFederationTable, ident, FederationsInScope(req.ctx),
                         "Federation", "federations", "federation");
  }

  static PolicyTarget TargetOf(const db::Row& row) {
    return PolicyTarget{row.GetString("project_id"), ""};
  }

  ClusterResolver Resolver(const ApiRequest& req) {
    return [this, &req](const std::string& ident) -> Result<std::string> {
      MAGNUM_ASSIGN_OR_RETURN(db::Row c, FindCluster(*s_.db, req.ctx, ident));
      return c.GetString("uuid");
    };
  }

  // Every member must be a visible cluster; stored as UUIDs, each once.
  Result<Json> ResolveMembers(const ApiRequest& req, const Json& members) {
    Json out = Json::array();
    std::set<std::string> seen;
    ClusterResolver resolve = Resolver(req);
    for (const auto& m : StringsOf(members)) {
      MAGNUM_ASSIGN_OR_RETURN(std::string uuid, resolve(m));
      if (!seen.insert(uuid).second) {
        return Fail(
            Error::InvalidArgument("Cluster " + m + " is listed more than once in member_ids."));
      }
      out.push_back(uuid);
    }
    return out;
  }

  ApiResult List(const ApiRequest& req, bool detail) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
    MAGNUM_RETURN_IF_ERROR(
        EnforcePolicy(req.ctx, detail ? "federation:detail" : "federation:get_all"));
    MAGNUM_ASSIGN_OR_RETURN(Page page,
                            ParsePage(req, *s_.db, db::kFederationTable, s_.config->api_max_limit,
                                      FederationsInScope(req.ctx)));
    MAGNUM_ASSIGN_OR_RETURN(auto rows, s_.db->List(db::kFederationTable, page.query));
    Json items = Json::array();
    for (const auto& r : rows) items.push_back(RenderFederation(r, req.base_url, detail));
    Json body = {{"federations", std::move(items)}};
    AddNextLink(&body, req, detail ? "federations/detail" : "federations", page, rows.size(),
                rows.empty() ? "" : rows.back().GetString("uuid"));
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(db::Row row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "federation:get", TargetOf(row)));
    return ApiResponse::Ok(RenderFederation(row, req.base_url, true));
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(FederationFields(), body, "federation", true));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "federation:create"));
    auto given = [&](const char* k) { return doc.contains(k) && !doc[k].is_null(); };
    if (!given("hostcluster_id") || doc["hostcluster_id"].get<std::string>().empty()) {
      return Fail(
          Error::InvalidArgument("No hostcluster specified. Please specify a hostcluster_id."));
    }
    MAGNUM_ASSIGN_OR_RETURN(db::Row host,
                            FindCluster(*s_.db, req.ctx, doc["hostcluster_id"].get<std::string>()));
    MAGNUM_RETURN_IF_ERROR(
        ValidateFederationProperties(given("properties") ? doc["properties"] : Json()));
    MAGNUM_ASSIGN_OR_RETURN(Json members, ResolveMembers(req, doc.value("member_ids", Json())));

    Json row_doc = {{"uuid", GenerateUuid()},
                    {"name", given("name") ? doc["name"] : Json(GenerateName("federation"))},
                    {"hostcluster_id", host.GetString("uuid")},
                    {"member_ids", members},
                    {"properties", doc["properties"]},
                    {"project_id", req.ctx.project_id}};
    db::Row row = ToRow(FederationFields(), row_doc);
    row.Set("status", std::string("CREATE_COMPLETE"));
    row.Set("status_reason", std::string("CREATE completed successfully"));
    row.Set("created_at", NowDb(s_));
    row.SetNull("updated_at");
    auto inserted = s_.db->Insert(db::kFederationTable, row);
    if (!inserted && inserted.error().Is(ErrorCode::kAlreadyExists)) {
      return Fail(Error::AlreadyExists("A federation with UUID " +
                                       row_doc["uuid"].get<std::string>() + " already exists."));
    }
    if (!inserted) return Fail(inserted.error());
    return ApiResponse::Ok(Json{{"uuid", inserted->GetString("uuid")}}, 202);
  }

  ApiResult Patch(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"rollback"}));
    if (auto rb = req.Query("rollback")) {
      // Accepted for compatibility; there is nothing to roll back.
      MAGNUM_RETURN_IF_ERROR(ConvertField(MakeField("rollback", FieldType::kBool), Json(*rb)));
    }
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req));
    // A concurrent join/unjoin makes the compare-and-set in PatchOnce fail: start over.
    for (int attempt = 0; attempt < 5; ++attempt) {
      MAGNUM_ASSIGN_OR_RETURN(db::Row row, Lookup(req, ident));
      MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "federation:update", TargetOf(row)));
      MAGNUM_ASSIGN_OR_RETURN(bool written, PatchOnce(req, row, patch));
      if (written) return ApiResponse::Ok(Json{{"uuid", row.GetString("uuid")}}, 202);
    }
    return Fail(
        Error::Conflict("Federation " + ident + " is being updated concurrently; try again."));
  }

  // Applies `patch` to `row`; false when another update got there first.
  Result<bool> PatchOnce(const ApiRequest& req, const db::Row& row, const Json& patch) {
    Json before = FromRow(FederationFields(), row);
    if (before["member_ids"].is_null()) before["member_ids"] = Json::array();
    MAGNUM_ASSIGN_OR_RETURN(Json rewritten, RewriteMemberOps(patch, StringsOf(before["member_ids"]),
                                                             row.GetString("name"), Resolver(req)));
    PatchRules rules;
    rules.internal_paths = CommonInternalPaths();
    rules.literal_paths = {"/member_ids", "/properties"};
    rules.remove_defaults = {{"member_ids", Json::array()}};
    MAGNUM_ASSIGN_OR_RETURN(Json after,
                            ApplyJsonPatch(before, rewritten, FederationFields(), rules));
    std::set<std::string> changed = ChangedFields(before, after);
    std::vector<std::string> disallowed;
    for (const auto& k : changed) {
      if (k != "member_ids" && k != "properties") disallowed.push_back(k);
    }
    if (!disallowed.empty()) {
      std::string list;
      for (const auto& k : disallowed) list += (list.empty() ? "" : ", ") + k;
      return Fail(Error::InvalidArgument("cannot change federation property(ies) " + list + "."));
    }
    if (changed.empty()) return true;
    MAGNUM_RETURN_IF_ERROR(ValidateFederationProperties(after["properties"]));
    MAGNUM_ASSIGN_OR_RETURN(after["member_ids"], ResolveMembers(req, after["member_ids"]));

    Json delta = {{"member_ids", after["member_ids"]}, {"properties", after["properties"]}};
    db::Row changes = ToRow(FederationFields(), delta);
    changes.Set("status", std::string("UPDATE_COMPLETE"));
    changes.Set("status_reason", std::string("UPDATE completed successfully"));
    changes.Set("updated_at", NowDb(s_));
    db::Filter cas;
    cas.Where(db::Condition::Eq("id", row.GetInt("id")));
    cas.Where(Unchanged(row, "member_ids"));
    cas.Where(Unchanged(row, "properties"));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, s_.db->Update(db::kFederationTable, cas, changes));
    return n > 0;
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(db::Row row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "federation:delete", TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n, s_.db->Delete(db::kFederationTable,
                                 db::Filter().Where(db::Condition::Eq("id", row.GetInt("id")))));
    if (n == 0) return Fail(Error::NotFound("Federation " + ident + " could not be found."));
    return ApiResponse::NoContent();
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewFederationsController(const Services& services) {
  return std::make_unique<FederationsController>(services);
}

}  // namespace magnum::api
