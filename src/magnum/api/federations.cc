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
#include "magnum/objects/mappers.h"

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

using objects::Federation;

const FieldList& FederationFields() {
  static const FieldList fields = [] {
    using F = Federation;
    FieldList f;
    // uuid: accepted and ignored (the server assigns it).
    f.push_back(Bound(MakeField("uuid", FieldType::kUuid), &F::uuid));
    f.push_back(Bound(MakeField("name", FieldType::kString, kNamePattern, 1, 242), &F::name));
    f.push_back(
        Bound(MakeField("hostcluster_id", FieldType::kString, kNone, 0, 255), &F::hostcluster_id));
    f.push_back(Bound(MakeField("member_ids", FieldType::kStringList), &F::member_ids));
    FieldSpec status = MakeField("status", FieldType::kString, kReadOnly, 1, 255);
    for (auto st : objects::kAllFederationStatuses) status.choices.emplace_back(objects::Name(st));
    f.push_back(Bound(status, &F::status));
    f.push_back(Bound(MakeField("status_reason", FieldType::kString, kReadOnly), &F::status_reason));
    f.push_back(Bound(MakeField("properties", FieldType::kStrDict), &F::properties));
    f.push_back(Bound(MakeField("project_id", FieldType::kString, kHidden), &F::project_id));
    f.push_back(MakeField("links", FieldType::kJson, kReadOnly | kNotStored));
    f.push_back(Bound(MakeField("created_at", FieldType::kTimestamp, kReadOnly), &F::created_at));
    f.push_back(Bound(MakeField("updated_at", FieldType::kTimestamp, kReadOnly), &F::updated_at));
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
Json RenderFederation(const Federation& federation, const std::string& base_url, bool detail) {
  Json full = RenderBoundFields(FederationFields(), federation);
  Json out = Json::object();
  for (const auto& [k, v] : full.items()) {
    if (detail || BriefFields().count(k)) out[k] = v;
  }
  if (out.contains("member_ids") && out["member_ids"].is_null()) out["member_ids"] = Json::array();
  out["links"] = MakeLinks(base_url, "federations/" + federation.uuid);
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


class FederationsController final : public CollectionController {
 public:
  explicit FederationsController(const Services& s) : s_(s) {}

 private:
  Result<Federation> Lookup(const ApiRequest& req, const std::string& ident) {
    return LookupByIdent<Federation>(*s_.db, ident, FederationsInScope(req.ctx), "Federation",
                                     "federations", "federation");
  }

  static PolicyTarget FederationTarget(const Federation& f) {
    return PolicyTarget{f.project_id.value_or(""), ""};
  }

  ClusterResolver Resolver(const ApiRequest& req) {
    return [this, &req](const std::string& ident) -> Result<std::string> {
      MAGNUM_ASSIGN_OR_RETURN(objects::Cluster c, FindCluster(*s_.db, req.ctx, ident));
      return c.uuid;
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
        EnforcePolicy(req, detail ? "federation:detail" : "federation:get_all"));
    MAGNUM_ASSIGN_OR_RETURN(Page page,
                            ParsePage(req, *s_.db, db::kFederationTable, s_.config->api_max_limit,
                                      FederationsInScope(req.ctx)));
    MAGNUM_ASSIGN_OR_RETURN(auto rows, objects::List<Federation>(*s_.db, page.query));
    Json items = Json::array();
    for (const auto& r : rows) items.push_back(RenderFederation(r, req.base_url, detail));
    Json body = {{"federations", std::move(items)}};
    AddNextLink(&body, req, detail ? "federations/detail" : "federations", page, rows.size(),
                rows.empty() ? "" : rows.back().uuid);
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Federation row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "federation:get", FederationTarget(row)));
    return ApiResponse::Ok(RenderFederation(row, req.base_url, true));
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(FederationFields(), body, "federation", true));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "federation:create"));
    auto given = [&](const char* k) { return doc.contains(k) && !doc[k].is_null(); };
    if (!given("hostcluster_id") || doc["hostcluster_id"].get<std::string>().empty()) {
      return Fail(
          Error::InvalidArgument("No hostcluster specified. Please specify a hostcluster_id."));
    }
    MAGNUM_ASSIGN_OR_RETURN(objects::Cluster host,
                            FindCluster(*s_.db, req.ctx, doc["hostcluster_id"].get<std::string>()));
    MAGNUM_RETURN_IF_ERROR(
        ValidateFederationProperties(given("properties") ? doc["properties"] : Json()));
    MAGNUM_ASSIGN_OR_RETURN(Json members, ResolveMembers(req, doc.value("member_ids", Json())));

    Json row_doc = {{"uuid", GenerateUuid()},
                    {"name", given("name") ? doc["name"] : Json(GenerateName("federation"))},
                    {"hostcluster_id", host.uuid},
                    {"member_ids", members},
                    {"properties", doc["properties"]},
                    {"project_id", req.ctx.project_id}};
    Federation federation;
    ApplyFields(FederationFields(), row_doc, &federation);
    federation.status = objects::FederationStatus::kCreateComplete;
    federation.status_reason = "CREATE completed successfully";
    federation.created_at = NowDb(s_);
    federation.updated_at.reset();
    auto inserted = objects::Insert(*s_.db, federation);
    if (!inserted && inserted.error().Is(ErrorCode::kAlreadyExists)) {
      return Fail(Error::AlreadyExists("A federation with UUID " +
                                       row_doc["uuid"].get<std::string>() + " already exists."));
    }
    if (!inserted) return Fail(inserted.error());
    return ApiResponse::Ok(Json{{"uuid", inserted->uuid}}, 202);
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
      MAGNUM_ASSIGN_OR_RETURN(Federation row, Lookup(req, ident));
      MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "federation:update", FederationTarget(row)));
      MAGNUM_ASSIGN_OR_RETURN(bool written, PatchOnce(req, row, patch));
      if (written) return ApiResponse::Ok(Json{{"uuid", row.uuid}}, 202);
    }
    return Fail(
        Error::Conflict("Federation " + ident + " is being updated concurrently; try again."));
  }

  // Applies `patch` to `row`; false when another update got there first.
  Result<bool> PatchOnce(const ApiRequest& req, const Federation& row, const Json& patch) {
    Json before = RenderBoundFields(FederationFields(), row);
    if (before["member_ids"].is_null()) before["member_ids"] = Json::array();
    MAGNUM_ASSIGN_OR_RETURN(Json rewritten, RewriteMemberOps(patch, StringsOf(before["member_ids"]),
                                                             row.name.value_or(""), Resolver(req)));
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
    Federation updated = row;
    ApplyFields(FederationFields(), delta, &updated);
    updated.status = objects::FederationStatus::kUpdateComplete;
    updated.status_reason = "UPDATE completed successfully";
    updated.updated_at = NowDb(s_);
    const db::Row stored = objects::ToRow(row);
    db::Filter cas;
    cas.Where(db::Condition::Eq("id", row.id));
    cas.Where(objects::Unchanged(stored, "member_ids"));
    cas.Where(objects::Unchanged(stored, "properties"));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        s_.db->Update(db::kFederationTable, cas, objects::ChangedColumns(stored, objects::ToRow(updated))));
    return n > 0;
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Federation row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "federation:delete", FederationTarget(row)));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n, s_.db->Delete(db::kFederationTable,
                                 db::Filter().Where(db::Condition::Eq("id", row.id))));
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
