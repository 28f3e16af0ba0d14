// /v1/containers (issue 15): containers on a swarm cluster's Docker Engine, as Magnum's
// container API last was upstream (2016), with the differences docs/api.md lists. The rows
// are visible to their project (admins: all). Everything that touches the Engine or writes
// a row goes through the conductor (ConductorApi Container*), which owns the state rules;
// this controller checks the input, visibility and policy, and renders.
#include "magnum/api/containers.h"

#include <map>
#include <set>

#include "magnum/api/cluster_ops.h"
#include "magnum/api/cluster_scope.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/objects/container.h"
#include "magnum/objects/mappers.h"

namespace magnum::api {

Result<void> ValidateContainerName(std::string_view name) {
  auto bad = [&](const char* why) {
    return Fail(InvalidField("name", Json(std::string(name)), why));
  };
  if (name.empty() || name.size() > kMaxContainerNameLength) {
    return bad("A container name has 1 to 255 characters.");
  }
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) {
    return bad("A container name starts with a letter or digit ([a-zA-Z0-9][a-zA-Z0-9_.-]*).");
  }
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') {
      return bad(
          "A container name holds only letters, digits, '_', '.' and '-' "
          "([a-zA-Z0-9][a-zA-Z0-9_.-]*).");
    }
  }
  return {};
}

Result<int64_t> ParseDockerMemory(std::string_view text) {
  auto bytes = objects::DockerMemoryBytes(text);
  if (!bytes) return Fail(InvalidField("memory", Json(std::string(text)), bytes.error().message()));
  if (*bytes < kMinContainerMemoryBytes) {
    return Fail(
        InvalidField("memory", Json(std::string(text)), "Memory must be at least 4m (4 MiB)."));
  }
  return *bytes;
}

Result<void> ValidateContainerEnvironment(const objects::StringMap& environment) {
  size_t total = 0;
  for (const auto& [name, value] : environment) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos) {
      return Fail(InvalidField("environment", Json(name),
                               "An environment variable name is non-empty and holds no '='."));
    }
    if (value.find('\0') != std::string::npos) {
      return Fail(InvalidField("environment", Json(name),
                               "An environment variable value holds no NUL character."));
    }
    total += name.size() + value.size() + 2;
  }
  if (total > kMaxContainerEnvironmentBytes) {
    return Fail(Error::InvalidArgument("The environment is larger than " +
                                       std::to_string(kMaxContainerEnvironmentBytes) + " bytes."));
  }
  return {};
}

namespace {

using conductor::ContainerAction;
using objects::Container;
using objects::ContainerStatus;

const FieldList& ContainerFields() {
  static const FieldList fields = [] {
    using C = Container;
    FieldList f;
    f.push_back(Bound(MakeField("uuid", FieldType::kUuid, kReadOnly), &C::uuid));
    // The Docker name rule is checked by ValidateContainerName.
    f.push_back(
        Bound(MakeField("name", FieldType::kString, kNone, 1, kMaxContainerNameLength), &C::name));
    f.push_back(Bound(MakeField("image", FieldType::kString, kMandatory, 1, 255), &C::image));
    f.push_back(
        Bound(MakeField("command", FieldType::kString, kNone, 1, kMaxContainerCommandLength),
              &C::command));
    f.push_back(Bound(MakeField("bay_uuid", FieldType::kString, kNone, 1, 255), &C::bay_uuid));
    // Ours: the same as bay_uuid (a cluster UUID or name on input).
    f.push_back(MakeField("cluster_uuid", FieldType::kString, kNotStored, 1, 255));
    FieldSpec status = MakeField("status", FieldType::kString, kReadOnly, 1, 20);
    for (auto st : objects::kAllContainerStatuses) status.choices.emplace_back(objects::Name(st));
    f.push_back(Bound(status, &C::status));
    f.push_back(
        Bound(MakeField("status_reason", FieldType::kString, kReadOnly), &C::status_reason));
    f.push_back(Bound(MakeField("memory", FieldType::kString, kNone, 1, 32), &C::memory));
    f.push_back(Bound(MakeField("environment", FieldType::kStrDict), &C::environment));
    f.push_back(Bound(MakeField("project_id", FieldType::kString, kReadOnly), &C::project_id));
    f.push_back(Bound(MakeField("user_id", FieldType::kString, kReadOnly), &C::user_id));
    f.push_back(MakeField("links", FieldType::kJson, kReadOnly | kNotStored));
    f.push_back(Bound(MakeField("created_at", FieldType::kTimestamp, kReadOnly), &C::created_at));
    f.push_back(Bound(MakeField("updated_at", FieldType::kTimestamp, kReadOnly), &C::updated_at));
    return f;
  }();
  return fields;
}

const std::set<std::string>& BriefFields() {
  static const std::set<std::string> brief = {"uuid",    "name",   "bay_uuid", "image",
                                              "command", "status", "memory",   "environment"};
  return brief;
}

Json RenderContainer(const Container& c, const std::string& base_url, bool detail) {
  Json full = RenderBoundFields(ContainerFields(), c);
  Json out = Json::object();
  for (const auto& [k, v] : full.items()) {
    if (detail || BriefFields().count(k)) out[k] = v;
  }
  out["cluster_uuid"] = out.contains("bay_uuid") ? out["bay_uuid"] : Json();
  out["links"] = MakeLinks(base_url, "containers/" + c.uuid);
  return out;
}

// Containers `ctx` may see: its own project's; admins see all.
db::Filter ContainersInScope(const auth::RequestContext& ctx) {
  db::Filter f;
  if (!ctx.is_admin) f.Where(db::Condition::Eq("project_id", ctx.project_id));
  return f;
}

std::optional<ContainerAction> ActionNamed(const std::string& name) {
  for (ContainerAction a :
       {ContainerAction::kStart, ContainerAction::kStop, ContainerAction::kReboot,
        ContainerAction::kPause, ContainerAction::kUnpause}) {
    if (conductor::ContainerActionName(a) == name) return a;
  }
  return std::nullopt;
}

Result<bool> ParseForce(const ApiRequest& req) {
  auto v = req.Query("force");
  if (!v) return false;
  if (*v == "true" || *v == "True" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "False" || *v == "0") return false;
  return Fail(InvalidField("force", Json(*v), "Expected true or false."));
}

class ContainersController final : public CollectionController {
 public:
  explicit ContainersController(const Services& s) : s_(s) {}

 protected:
  // Containers are changed through their actions, never patched.
  ApiResult Patch(const ApiRequest& req, const std::string&) override {
    return Fail(MethodNotAllowed(req));
  }

  // Each sub-path spelled out as `rest[1] == "..."`: tests/integration/tenancy_routes.py
  // finds the API's routes by that form.
  ApiResult HandleSubresource(const ApiRequest& req,
                              const std::vector<std::string>& rest) override {
    const std::string& m = req.method();
    if (rest.size() == 2) {
      if (rest[1] == "logs") {
        if (m == "GET") return Logs(req, rest[0]);
        return Fail(MethodNotAllowed(req));
      }
      if (rest[1] == "execute") {
        if (m == "PUT") return Execute(req, rest[0]);
        return Fail(MethodNotAllowed(req));
      }
      if (rest[1] == "start" || rest[1] == "stop" || rest[1] == "reboot" || rest[1] == "pause" ||
          rest[1] == "unpause") {
        if (m == "PUT") return Act(req, rest[0], *ActionNamed(rest[1]));
        return Fail(MethodNotAllowed(req));
      }
    }
    return Fail(RouteNotFound(req));
  }

 private:
  Result<Container> Lookup(const ApiRequest& req, const std::string& ident) {
    return LookupByIdent<Container>(*s_.db, ident, ContainersInScope(req.ctx), "Container",
                                    "containers", "container");
  }

  Result<conductor::ConductorApi*> Conductor() const { return AvailableConductor(s_.conductor); }

  ApiResult List(const ApiRequest& req, bool detail) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(
        req, {"limit", "marker", "sort_key", "sort_dir", "bay_ident", "cluster_ident"}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, detail ? "container:detail" : "container:get_all"));
    db::Filter scope = ContainersInScope(req.ctx);
    auto bay = req.Query("bay_ident");
    auto cluster = req.Query("cluster_ident");
    if (bay && cluster && *bay != *cluster) {
      return Fail(Error::InvalidArgument(
          "bay_ident and cluster_ident name the same thing; pass one of them."));
    }
    if (bay || cluster) {
      MAGNUM_ASSIGN_OR_RETURN(objects::Cluster c,
                              FindCluster(*s_.db, req.ctx, cluster ? *cluster : *bay));
      scope.Where(db::Condition::Eq("bay_uuid", c.uuid));
    }
    MAGNUM_ASSIGN_OR_RETURN(
        Page page, ParsePage(req, *s_.db, db::kContainerTable, s_.config->api_max_limit, scope));
    MAGNUM_ASSIGN_OR_RETURN(auto rows, objects::List<Container>(*s_.db, page.query));
    // The Engine's view per item (as upstream did); an Engine that cannot be reached makes
    // its cluster's items Unknown, asked once per cluster, never an error for the list.
    auto conductor = Conductor();
    const conductor::Caller caller = CallerOf(req);
    std::map<std::string, std::string> unreachable;  // cluster uuid -> reason
    Json items = Json::array();
    for (const auto& row : rows) {
      Container shown = row;
      const std::string cluster_uuid = row.bay_uuid.value_or("");
      auto known = unreachable.find(cluster_uuid);
      if (!conductor) {
        shown.status = ContainerStatus::kUnknown;
        shown.status_reason = conductor.error().message();
      } else if (known != unreachable.end()) {
        shown.status = ContainerStatus::kUnknown;
        shown.status_reason = known->second;
      } else {
        auto seen = (*conductor)->ContainerShow(caller, row.uuid);
        if (seen) {
          shown = std::move(*seen);
        } else {
          shown.status = ContainerStatus::kUnknown;
          shown.status_reason = seen.error().message();
        }
        if (shown.status == ContainerStatus::kUnknown) {
          unreachable[cluster_uuid] = shown.status_reason.value_or("");
        }
      }
      items.push_back(RenderContainer(shown, req.base_url, detail));
    }
    Json body = {{"containers", std::move(items)}};
    AddNextLink(&body, req, detail ? "containers/detail" : "containers", page, rows.size(),
                rows.empty() ? "" : rows.back().uuid);
    return ApiResponse::Ok(std::move(body));
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Container row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "container:get", TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_ASSIGN_OR_RETURN(Container shown, conductor->ContainerShow(CallerOf(req), row.uuid));
    return ApiResponse::Ok(RenderContainer(shown, req.base_url, true));
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(ContainerFields(), body, "container", true));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "container:create"));
    auto given = [&doc](const char* k) { return doc.contains(k) && !doc[k].is_null(); };
    Container c;
    if (given("name")) {
      c.name = doc["name"].get<std::string>();
      MAGNUM_RETURN_IF_ERROR(ValidateContainerName(*c.name));
    } else {
      c.name = GenerateName("container");
    }
    c.image = doc["image"].get<std::string>();
    if (given("command")) c.command = doc["command"].get<std::string>();
    if (given("memory")) {
      c.memory = doc["memory"].get<std::string>();
      MAGNUM_RETURN_IF_ERROR(ParseDockerMemory(*c.memory));
    }
    if (given("environment")) {
      objects::StringMap env;
      for (const auto& [k, v] : doc["environment"].items()) env[k] = v.get<std::string>();
      MAGNUM_RETURN_IF_ERROR(ValidateContainerEnvironment(env));
      c.environment = std::move(env);
    }
    // The cluster: bay_uuid (upstream) or cluster_uuid (ours), a UUID or a name.
    std::string ident;
    if (given("bay_uuid")) ident = doc["bay_uuid"].get<std::string>();
    if (given("cluster_uuid")) {
      const std::string other = doc["cluster_uuid"].get<std::string>();
      if (!ident.empty() && ident != other) {
        return Fail(Error::InvalidArgument(
            "bay_uuid and cluster_uuid name the same thing; pass one of them."));
      }
      ident = other;
    }
    if (ident.empty()) {
      return Fail(Error::InvalidArgument(
          "A container needs a cluster: pass cluster_uuid (or bay_uuid), a swarm cluster's "
          "UUID or name."));
    }
    auto cluster = FindCluster(*s_.db, req.ctx, ident);
    if (!cluster) {
      // As upstream: an unknown cluster on create is a bad request.
      if (cluster.error().Is(ErrorCode::kNotFound)) {
        return Fail(Error::InvalidArgument(cluster.error().message()));
      }
      return Fail(cluster.error());
    }
    c.bay_uuid = cluster->uuid;
    c.project_id = req.ctx.project_id;
    c.user_id = req.ctx.user_id;
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_ASSIGN_OR_RETURN(Container created, conductor->ContainerCreate(CallerOf(req), c));
    ApiResponse r = ApiResponse::Ok(RenderContainer(created, req.base_url, true), 201);
    r.headers["Location"] = req.base_url + "/v1/containers/" + created.uuid;
    return r;
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"force"}));
    MAGNUM_ASSIGN_OR_RETURN(bool force, ParseForce(req));
    MAGNUM_ASSIGN_OR_RETURN(Container row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "container:delete", TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_RETURN_IF_ERROR(conductor->ContainerDelete(CallerOf(req), row.uuid, force));
    return ApiResponse::NoContent();
  }

  ApiResult Act(const ApiRequest& req, const std::string& ident, ContainerAction action) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Container row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(
        req, "container:" + std::string(conductor::ContainerActionName(action)), TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_ASSIGN_OR_RETURN(Container after,
                            conductor->ContainerAct(CallerOf(req), row.uuid, action));
    return ApiResponse::Ok(RenderContainer(after, req.base_url, true));
  }

  ApiResult Logs(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Container row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "container:logs", TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_ASSIGN_OR_RETURN(conductor::CommandOutput out,
                            conductor->ContainerLogs(CallerOf(req), row.uuid));
    return ApiResponse::Ok(Json{{"output", out.output}, {"truncated", out.truncated}});
  }

  // The command: upstream's query parameter `command`, or ours, a JSON body {"command": ...}.
  Result<std::string> CommandOf(const ApiRequest& req) {
    std::optional<std::string> command = req.Query("command");
    if (!req.http->body.empty()) {
      MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
      if (!body.is_object()) {
        return Fail(Error::InvalidArgument("The execute body is an object {\"command\": ...}."));
      }
      for (const auto& [k, v] : body.items()) {
        if (k != "command")
          return Fail(
              Error::InvalidArgument("Unknown attribute for argument "
                                     "execute: " +
                                     k));
        if (!v.is_string()) {
          return Fail(InvalidField("command", v, "Wrong type. Expected a string."));
        }
        if (command && *command != v.get<std::string>()) {
          return Fail(Error::InvalidArgument(
              "The command is given twice (query and body) with different values."));
        }
        command = v.get<std::string>();
      }
    }
    if (!command || command->empty()) {
      return Fail(Error::InvalidArgument(
          "execute needs a command: ?command=<cmd> or a body {\"command\": \"<cmd>\"}."));
    }
    if (command->size() > kMaxContainerCommandLength) {
      return Fail(InvalidField(
          "command", Json(command->substr(0, 64) + "..."),
          "A command has at most " + std::to_string(kMaxContainerCommandLength) + " bytes."));
    }
    return *command;
  }

  ApiResult Execute(const ApiRequest& req, const std::string& ident) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"command"}));
    MAGNUM_ASSIGN_OR_RETURN(Container row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "container:execute", TargetOf(row)));
    MAGNUM_ASSIGN_OR_RETURN(std::string command, CommandOf(req));
    MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, Conductor());
    MAGNUM_ASSIGN_OR_RETURN(conductor::CommandOutput out,
                            conductor->ContainerExecute(CallerOf(req), row.uuid, command));
    return ApiResponse::Ok(
        Json{{"output", out.output}, {"exit_code", out.exit_code}, {"truncated", out.truncated}});
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewContainersController(const Services& services) {
  return std::make_unique<ContainersController>(services);
}

}  // namespace magnum::api
