#include "magnum/conductor/containers.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "magnum/common/clock.h"
#include "magnum/common/uuid.h"
#include "magnum/db/database.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/status.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using db::Filter;
using objects::Cluster;
using objects::ClusterStatus;
using objects::Container;
using objects::ContainerStatus;
using Json = nlohmann::json;

Filter ByUuidOf(const std::string& uuid) { return Filter().Where(Condition::Eq("uuid", uuid)); }
Filter ByIdOf(int64_t id) { return Filter().Where(Condition::Eq("id", id)); }

std::string ClusterName(const Cluster& c) { return c.name.value_or(c.uuid); }
std::string ContainerName(const Container& c) { return c.name.value_or(c.uuid); }

bool IsSwarm(const std::string& coe) { return coe == "swarm" || coe == "swarm-mode"; }

// Create is allowed where the cluster's manager answers: settled, or being updated.
bool AcceptsNewContainers(ClusterStatus s) {
  if (s == ClusterStatus::kDeleteComplete) return false;
  return objects::IsComplete(s) || s == ClusterStatus::kUpdateInProgress ||
         s == ClusterStatus::kUpdateFailed;
}

Error ClusterDeleting(const Cluster& c) {
  return Error::Conflict("Cluster " + ClusterName(c) +
                         " is being deleted; its containers go with it.");
}

Error GoneFromEngine(const Container& c) {
  return Error::Conflict("Container " + ContainerName(c) +
                         " is not on its cluster's Docker Engine any more (removed outside "
                         "Magnum); delete it.");
}

constexpr char kGoneReason[] =
    "The container is not on the cluster's Docker Engine any more (removed outside Magnum).";

std::optional<std::string> OptStr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

struct ContainerService::Target {
  Container row;
  std::optional<Cluster> cluster;  // nullopt: the cluster row is gone
};

// The container's cluster still exists (kConflict: delete the container) and, when
// `settled`, is not being deleted (kConflict).
Result<void> ContainerService::RequireCluster(const Target& t, bool settled) {
  if (!t.cluster) {
    return Fail(Error::Conflict("The cluster of container " + ContainerName(t.row) +
                                " no longer exists; delete the container."));
  }
  if (settled && t.cluster->status == ClusterStatus::kDeleteInProgress) {
    return Fail(ClusterDeleting(*t.cluster));
  }
  return {};
}

ContainerService::ContainerService(db::Database* db, const Clock* clock,
                                   ContainerServiceOptions options)
    : db_(db), clock_(clock), options_(options) {}

void ContainerService::SetEngine(std::shared_ptr<ContainerEngine> engine) {
  std::lock_guard<std::mutex> lock(engine_mu_);
  engine_ = std::move(engine);
}

std::shared_ptr<ContainerEngine> ContainerService::engine() const {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return engine_;
}

Result<std::shared_ptr<ContainerEngine>> ContainerService::RequireEngine() const {
  auto e = engine();
  if (!e) return Fail(NoContainerEngine());
  return e;
}

std::mutex& ContainerService::Stripe(const std::string& uuid) {
  return stripes_[std::hash<std::string>{}(uuid) % stripes_.size()];
}

Result<ContainerService::Target> ContainerService::Load(const std::string& uuid) const {
  MAGNUM_ASSIGN_OR_RETURN(auto row, objects::GetOne<Container>(*db_, ByUuidOf(uuid)));
  if (!row) return Fail(Error::NotFound("Container " + uuid + " could not be found."));
  Target t{std::move(*row), std::nullopt};
  if (t.row.bay_uuid) {
    MAGNUM_ASSIGN_OR_RETURN(t.cluster, objects::GetOne<Cluster>(*db_, ByUuidOf(*t.row.bay_uuid)));
  }
  return t;
}

Result<Container> ContainerService::Record(const Container& row, const ContainerObserved& seen) {
  Container after = row;
  after.status = seen.status;
  after.status_reason =
      seen.status_reason.empty() ? std::nullopt : std::optional<std::string>(seen.status_reason);
  if (!seen.docker_id.empty()) after.docker_id = seen.docker_id;
  if (after == row) return row;
  after.updated_at = FormatDbTimestamp(clock_->Now());
  MAGNUM_RETURN_IF_ERROR(objects::Update(*db_, ByIdOf(row.id), row, after));
  return after;
}

Result<Container> ContainerService::MarkGone(const Container& row) {
  ContainerObserved gone;
  gone.status = ContainerStatus::kError;
  gone.status_reason = kGoneReason;
  return Record(row, gone);
}

template <typename T>
Result<T> ContainerService::GoneIfMissing(Result<T> answer, const Container& row) {
  if (!answer && answer.error().Is(ErrorCode::kNotFound)) {
    (void)MarkGone(row);
    return Fail(GoneFromEngine(row));
  }
  return answer;
}

Result<Container> ContainerService::Create(const Caller& caller, const Container& request) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  const std::string cluster_ident = request.bay_uuid.value_or("");
  MAGNUM_ASSIGN_OR_RETURN(auto cluster, objects::GetOne<Cluster>(*db_, ByUuidOf(cluster_ident)));
  if (!cluster) {
    return Fail(Error::InvalidArgument("Cluster " + cluster_ident + " could not be found."));
  }
  std::string coe;
  if (cluster->cluster_template_id) {
    MAGNUM_ASSIGN_OR_RETURN(auto tmpl, objects::GetOne<objects::ClusterTemplate>(
                                           *db_, ByUuidOf(*cluster->cluster_template_id)));
    if (tmpl) coe = tmpl->coe.value_or("");
  }
  if (!IsSwarm(coe)) {
    return Fail(Error::FailedPrecondition(
        "Cluster " + ClusterName(*cluster) + " has COE " + (coe.empty() ? "(none)" : coe) +
        "; containers need a swarm cluster (COE swarm or swarm-mode)."));
  }

  Container row = request;
  row.id = 0;
  if (row.uuid.empty()) row.uuid = GenerateUuid();
  if (!row.project_id) row.project_id = caller.project_id;
  if (!row.user_id) row.user_id = caller.user_id;
  row.bay_uuid = cluster->uuid;
  row.status = ContainerStatus::kUnknown;
  row.status_reason = "being created on the cluster's Docker Engine";
  row.docker_id.reset();
  row.created_at = FormatDbTimestamp(clock_->Now());
  row.updated_at.reset();
  const std::string project = row.project_id.value_or("");
  const int64_t default_limit = options_.max_containers_per_project;

  // Quota and the cluster's status, checked in the transaction that writes the row.
  MAGNUM_RETURN_IF_ERROR(db_->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto now, objects::GetOne<Cluster>(tx, ByUuidOf(cluster_ident)));
    if (!now) {
      return Fail(Error::InvalidArgument("Cluster " + cluster_ident + " could not be found."));
    }
    const ClusterStatus status = now->status.value_or(ClusterStatus::kCreateInProgress);
    if (status == ClusterStatus::kDeleteInProgress) return Fail(ClusterDeleting(*now));
    if (!AcceptsNewContainers(status)) {
      return Fail(Error::Conflict("Cluster " + ClusterName(*now) + " is " +
                                  std::string(objects::Name(status)) +
                                  "; containers can be created once its create or update "
                                  "completes."));
    }
    MAGNUM_ASSIGN_OR_RETURN(
        auto quota,
        objects::GetOne<objects::Quota>(
            tx, Filter()
                    .Where(Condition::Eq("project_id", project))
                    .Where(Condition::Eq("resource", std::string(kContainerQuotaResource)))));
    const int64_t limit = quota ? quota->hard_limit.value_or(0) : default_limit;
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t used,
        tx.Count(db::kContainerTable, Filter().Where(Condition::Eq("project_id", project))));
    if (used >= limit) {
      return Fail(Error::PermissionDenied(
          "Resource limit exceeded: You have reached the maximum containers per project, " +
          std::to_string(limit) + ". You may delete a container to make room for a new one."));
    }
    MAGNUM_ASSIGN_OR_RETURN(row, objects::Insert(tx, row));
    return {};
  }));

  std::lock_guard<std::mutex> lock(Stripe(row.uuid));
  auto created = engine->Create(*cluster, row);
  if (!created) {
    // Nothing half-written: the row goes again.
    auto removed = db_->Delete(db::kContainerTable, ByIdOf(row.id));
    if (!removed) {
      spdlog::error("container {}: create failed ({}) and its row could not be removed: {}",
                    row.uuid, created.error().message(), removed.error().message());
    }
    return Fail(created.error());
  }
  spdlog::info("container {} created on cluster {} (request {})", row.uuid, cluster->uuid,
               caller.request_id);
  return Record(row, *created);
}

Result<Container> ContainerService::Show(const Caller&, const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  MAGNUM_ASSIGN_OR_RETURN(Target t, Load(uuid));
  if (!t.cluster) {
    Container out = t.row;
    out.status = ContainerStatus::kError;
    out.status_reason = "Its cluster " + t.row.bay_uuid.value_or("") + " no longer exists.";
    return out;
  }
  auto seen = engine->Show(*t.cluster, t.row);
  if (seen) return Record(t.row, *seen);
  if (seen.error().Is(ErrorCode::kNotFound)) return MarkGone(t.row);
  Container out = t.row;  // what we cannot see is not written
  out.status = ContainerStatus::kUnknown;
  out.status_reason = "The cluster's Docker Engine could not be asked: " + seen.error().message();
  return out;
}

Result<Container> ContainerService::Act(const Caller& caller, const std::string& uuid,
                                        ContainerAction action) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  std::lock_guard<std::mutex> lock(Stripe(uuid));
  MAGNUM_ASSIGN_OR_RETURN(Target t, Load(uuid));
  MAGNUM_RETURN_IF_ERROR(RequireCluster(t, /*settled=*/true));
  if (action == ContainerAction::kPause || action == ContainerAction::kUnpause) {
    MAGNUM_ASSIGN_OR_RETURN(ContainerObserved seen,
                            GoneIfMissing(engine->Show(*t.cluster, t.row), t.row));
    MAGNUM_ASSIGN_OR_RETURN(t.row, Record(t.row, seen));
    const ContainerStatus need =
        action == ContainerAction::kPause ? ContainerStatus::kRunning : ContainerStatus::kPaused;
    if (seen.status != need) {
      return Fail(Error::Conflict("Container " + ContainerName(t.row) + " is " +
                                  std::string(objects::Name(seen.status)) + "; " +
                                  std::string(ContainerActionName(action)) + " needs a " +
                                  std::string(objects::Name(need)) + " container."));
    }
  }
  MAGNUM_ASSIGN_OR_RETURN(ContainerObserved done,
                          GoneIfMissing(engine->Act(*t.cluster, t.row, action), t.row));
  spdlog::info("container {}: {} (request {})", uuid, ContainerActionName(action),
               caller.request_id);
  return Record(t.row, done);
}

Result<void> ContainerService::Delete(const Caller& caller, const std::string& uuid, bool force) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  std::lock_guard<std::mutex> lock(Stripe(uuid));
  MAGNUM_ASSIGN_OR_RETURN(Target t, Load(uuid));
  if (t.cluster) {
    if (t.cluster->status == ClusterStatus::kDeleteInProgress) {
      return Fail(ClusterDeleting(*t.cluster));
    }
    auto seen = engine->Show(*t.cluster, t.row);
    if (!seen && !seen.error().Is(ErrorCode::kNotFound)) return Fail(seen.error());
    if (seen) {
      const bool live =
          seen->status == ContainerStatus::kRunning || seen->status == ContainerStatus::kPaused;
      if (live && !force) {
        (void)Record(t.row, *seen);
        return Fail(Error::Conflict("Container " + ContainerName(t.row) + " is " +
                                    std::string(objects::Name(seen->status)) +
                                    ": stop it first or pass force=true."));
      }
      MAGNUM_RETURN_IF_ERROR(engine->Remove(*t.cluster, t.row, force));
    }
  }
  MAGNUM_RETURN_IF_ERROR(db_->Delete(db::kContainerTable, ByIdOf(t.row.id)));
  spdlog::info("container {} deleted{} (request {})", uuid, force ? " (forced)" : "",
               caller.request_id);
  return {};
}

Result<CommandOutput> ContainerService::Logs(const Caller&, const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  MAGNUM_ASSIGN_OR_RETURN(Target t, Load(uuid));
  MAGNUM_RETURN_IF_ERROR(RequireCluster(t, /*settled=*/false));
  return GoneIfMissing(engine->Logs(*t.cluster, t.row, options_.limits), t.row);
}

Result<CommandOutput> ContainerService::Execute(const Caller& caller, const std::string& uuid,
                                                const std::string& command) {
  MAGNUM_ASSIGN_OR_RETURN(auto engine, RequireEngine());
  MAGNUM_ASSIGN_OR_RETURN(Target t, Load(uuid));
  MAGNUM_RETURN_IF_ERROR(RequireCluster(t, /*settled=*/true));
  MAGNUM_ASSIGN_OR_RETURN(ContainerObserved seen,
                          GoneIfMissing(engine->Show(*t.cluster, t.row), t.row));
  (void)Record(t.row, seen);
  if (seen.status != ContainerStatus::kRunning) {
    return Fail(Error::Conflict("Container " + ContainerName(t.row) + " is " +
                                std::string(objects::Name(seen.status)) +
                                "; execute needs a Running container: start it first."));
  }
  MAGNUM_ASSIGN_OR_RETURN(
      CommandOutput out,
      GoneIfMissing(engine->Execute(*t.cluster, t.row, command, options_.limits), t.row));
  spdlog::info("container {}: execute exited {} (request {})", uuid, out.exit_code,
               caller.request_id);
  return out;
}

Result<void> ContainerService::DeleteForCluster(db::Database& tx, const std::string& cluster_uuid) {
  MAGNUM_RETURN_IF_ERROR(
      tx.Delete(db::kContainerTable, Filter().Where(Condition::Eq("bay_uuid", cluster_uuid))));
  return {};
}

// ---- Wire form ----------------------------------------------------------------------

std::string EncodeContainer(const Container& c) {
  Json j = Json::object();
  j["id"] = c.id;
  j["uuid"] = c.uuid;
  auto put = [&j](const char* key, const std::optional<std::string>& v) {
    j[key] = v ? Json(*v) : Json(nullptr);
  };
  put("name", c.name);
  put("image", c.image);
  put("command", c.command);
  put("bay_uuid", c.bay_uuid);
  j["status"] = c.status ? Json(std::string(objects::Name(*c.status))) : Json(nullptr);
  put("status_reason", c.status_reason);
  put("memory", c.memory);
  j["environment"] = c.environment ? Json(*c.environment) : Json(nullptr);
  put("project_id", c.project_id);
  put("user_id", c.user_id);
  put("docker_id", c.docker_id);
  put("created_at", c.created_at);
  put("updated_at", c.updated_at);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Container> DecodeContainer(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::InvalidArgument("a container on the RPC wire is not a JSON object"));
  }
  Container c;
  if (auto it = j.find("id"); it != j.end() && it->is_number_integer()) c.id = it->get<int64_t>();
  c.uuid = OptStr(j, "uuid").value_or("");
  c.name = OptStr(j, "name");
  c.image = OptStr(j, "image");
  c.command = OptStr(j, "command");
  c.bay_uuid = OptStr(j, "bay_uuid");
  if (auto s = OptStr(j, "status")) {
    c.status = objects::ParseContainerStatus(*s);
    if (!c.status) return Fail(Error::InvalidArgument("unknown container status '" + *s + "'"));
  }
  c.status_reason = OptStr(j, "status_reason");
  c.memory = OptStr(j, "memory");
  if (auto it = j.find("environment"); it != j.end() && it->is_object()) {
    objects::StringMap env;
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        return Fail(
            Error::InvalidArgument("container environment value of '" + k + "' is not a string"));
      }
      env[k] = v.get<std::string>();
    }
    c.environment = std::move(env);
  }
  c.project_id = OptStr(j, "project_id");
  c.user_id = OptStr(j, "user_id");
  c.docker_id = OptStr(j, "docker_id");
  c.created_at = OptStr(j, "created_at");
  c.updated_at = OptStr(j, "updated_at");
  return c;
}

std::string EncodeCommandOutput(const CommandOutput& out) {
  return Json{{"output", out.output}, {"truncated", out.truncated}, {"exit_code", out.exit_code}}
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<CommandOutput> DecodeCommandOutput(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("output") || !j["output"].is_string()) {
    return Fail(Error::InvalidArgument("a command output on the RPC wire is malformed"));
  }
  CommandOutput out;
  out.output = j["output"].get<std::string>();
  // Another process's reply: each member's type is checked (a wrong one would throw).
  if (auto it = j.find("truncated"); it != j.end()) {
    if (!it->is_boolean()) {
      return Fail(Error::InvalidArgument("a command output's truncated is not a boolean"));
    }
    out.truncated = it->get<bool>();
  }
  if (auto it = j.find("exit_code"); it != j.end()) {
    const bool in_range = it->is_number_unsigned() ? it->get<uint64_t>() <= 255
                          : it->is_number_integer()
                              ? it->get<int64_t>() >= -1 && it->get<int64_t>() <= 255
                              : false;
    if (!in_range) {
      return Fail(Error::InvalidArgument("a command output's exit_code is not -1 … 255"));
    }
    out.exit_code = static_cast<int>(it->get<int64_t>());
  }
  return out;
}

}  // namespace magnum::conductor
