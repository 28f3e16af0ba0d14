#include "magnum/conductor/notifications.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "magnum/common/uuid.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/db/database.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/nodegroup.h"
#include "magnum/rpc/notifier.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;
namespace st = status;

constexpr const char* kClusterType = "service/magnum/cluster";

template <typename T>
Json OrNull(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

const char* OutcomeName(CadfOutcome o) {
  switch (o) {
    case CadfOutcome::kPending:
      return "pending";
    case CadfOutcome::kSuccess:
      return "success";
    case CadfOutcome::kFailure:
      return "failure";
  }
  return "unknown";
}

// CADF's timestamp: "2026-12-05T01:26:33.633765+0000".
std::string CadfTime(TimePoint t) { return FormatDbTimestamp(t) + "+0000"; }

// The attachment upstream sends: the cluster's fields, counts and addresses summed over
// its master and worker nodegroups as its Cluster object does. "docker_volume_size:" is
// upstream's key, colon included.
Json ClusterData(const objects::Cluster& c, const std::vector<objects::NodeGroup>& ngs) {
  int64_t node_count = 0, master_count = 0;
  Json node_addresses = Json::array(), master_addresses = Json::array();
  for (const auto& ng : ngs) {
    const bool master = ng.IsMaster();
    (master ? master_count : node_count) += ng.node_count.value_or(0);
    for (const auto& a : ng.node_addresses.value_or(objects::StringList())) {
      (master ? master_addresses : node_addresses).push_back(a);
    }
  }
  Json content = Json::object();
  content["status"] = c.status ? Json(st::NameOf(c.status)) : Json(nullptr);
  content["status_reason"] = OrNull(c.status_reason);
  content["project_id"] = OrNull(c.project_id);
  content["created_at"] = OrNull(c.created_at);
  content["updated_at"] = OrNull(c.updated_at);
  content["cluster_template_id"] = OrNull(c.cluster_template_id);
  content["keypair"] = OrNull(c.keypair);
  content["docker_volume_size:"] = OrNull(c.docker_volume_size);
  content["labels"] = OrNull(c.labels);
  content["master_flavor_id"] = OrNull(c.master_flavor_id);
  content["flavor_id"] = OrNull(c.flavor_id);
  content["stack_id"] = OrNull(c.stack_id);
  content["health_status"] =
      c.health_status ? Json(std::string(objects::Name(*c.health_status))) : Json(nullptr);
  content["create_timeout"] = OrNull(c.create_timeout);
  content["api_address"] = OrNull(c.api_address);
  content["discovery_url"] = OrNull(c.discovery_url);
  content["node_addresses"] = std::move(node_addresses);
  content["master_addresses"] = std::move(master_addresses);
  content["node_count"] = node_count;
  content["master_count"] = master_count;
  return content;
}

// The request context as oslo.messaging packs it (`_context_*`), upstream's RequestContext
// fields; secrets are never sent (null, as oslo's notifier sanitises them).
Json ContextOf(const Caller& caller, bool known) {
  Json user = known && !caller.user_id.empty() ? Json(caller.user_id) : Json(nullptr);
  Json project = known && !caller.project_id.empty() ? Json(caller.project_id) : Json(nullptr);
  const auto text = [](const Json& j) { return j.is_null() ? std::string("-") : j.get<std::string>(); };
  Json c = Json::object();
  c["user"] = user;
  c["user_id"] = user;
  c["project"] = project;
  c["project_id"] = project;
  c["domain"] = nullptr;
  c["domain_id"] = nullptr;
  c["domain_name"] = nullptr;
  c["user_domain"] = nullptr;
  c["user_domain_id"] = nullptr;
  c["user_domain_name"] = nullptr;
  c["project_domain"] = nullptr;
  c["system_scope"] = nullptr;
  c["is_admin"] = known ? caller.is_admin : true;
  c["read_only"] = false;
  c["show_deleted"] = false;
  c["auth_token"] = nullptr;
  c["auth_token_info"] = nullptr;
  c["auth_url"] = nullptr;
  c["password"] = nullptr;
  c["is_admin_project"] = true;
  c["request_id"] = known && !caller.request_id.empty() ? Json(caller.request_id) : Json(nullptr);
  c["global_request_id"] = nullptr;
  c["resource_uuid"] = nullptr;
  c["roles"] = known ? Json(caller.roles) : Json::array();
  c["user_identity"] = text(user) + " " + text(project) + " - - -";
  c["user_name"] = nullptr;
  c["project_name"] = nullptr;
  c["trust_id"] = nullptr;
  c["all_tenants"] = !known;
  return c;
}

}  // namespace

const char* CadfAction(OpKind kind) {
  switch (kind) {
    case OpKind::kCreate:
      return "create";
    case OpKind::kDelete:
      return "delete";
    default:
      return "update";
  }
}

rpc::Notification ClusterNotification(const std::string& host, const objects::Cluster& cluster,
                                      const std::vector<objects::NodeGroup>& nodegroups,
                                      OpKind kind, CadfOutcome outcome, const Caller& caller,
                                      TimePoint now) {
  const bool known = !caller.user_id.empty() || !caller.project_id.empty();
  Json initiator = {{"typeURI", "service/security/account/user"}, {"id", GenerateUuid()}};
  const std::string user = known ? caller.user_id : "";
  const std::string project = known ? caller.project_id : cluster.project_id.value_or("");
  if (!user.empty()) initiator["user_id"] = user;
  if (!project.empty()) initiator["project_id"] = project;
  Json target = {{"typeURI", kClusterType}, {"id", cluster.uuid}};
  if (cluster.name) target["name"] = *cluster.name;
  target["attachments"] = Json::array({Json{{"typeURI", kClusterType},
                                            {"name", "cluster_data"},
                                            {"content", ClusterData(cluster, nodegroups)}}});
  Json event = Json::object();
  event["typeURI"] = "http://schemas.dmtf.org/cloud/audit/1.0/event";
  event["eventType"] = "activity";
  event["id"] = GenerateUuid();
  event["eventTime"] = CadfTime(now);
  event["action"] = CadfAction(kind);
  event["outcome"] = OutcomeName(outcome);
  event["observer"] = {{"typeURI", kClusterType}, {"id", GenerateUuid()}};
  event["initiator"] = std::move(initiator);
  event["target"] = std::move(target);

  rpc::Notification n;
  n.publisher_id = "container-infra." + host;
  n.event_type = std::string("magnum.cluster.") + CadfAction(kind);
  n.priority = outcome == CadfOutcome::kFailure ? "ERROR" : "INFO";
  n.payload = event.dump(-1, ' ', false, Json::error_handler_t::replace);
  n.context = ContextOf(caller, known).dump(-1, ' ', false, Json::error_handler_t::replace);
  return n;
}

ClusterNotifications::ClusterNotifications(std::unique_ptr<rpc::Notifier> notifier,
                                           std::string host, const Clock* clock)
    : notifier_(std::move(notifier)), host_(std::move(host)), clock_(clock) {}

ClusterNotifications::~ClusterNotifications() = default;

namespace {

Result<std::vector<objects::NodeGroup>> NodeGroupsOf(db::Database& db, const std::string& uuid) {
  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("cluster_id", uuid));
  return objects::List<objects::NodeGroup>(db, q);
}

}  // namespace

std::shared_ptr<rpc::Notification> ClusterNotifications::Build(db::Database& db,
                                                               const Operation& op,
                                                               CadfOutcome outcome) const {
  auto cluster = objects::GetOne<objects::Cluster>(db, ByUuid(op.cluster_uuid));
  auto ngs = NodeGroupsOf(db, op.cluster_uuid);
  if (!cluster || !*cluster || !ngs) {
    spdlog::warn("cluster {}: no {} notification for {}: cannot read the cluster",
                 op.cluster_uuid, outcome == CadfOutcome::kPending ? "start" : "end", op.name);
    return nullptr;
  }
  objects::Cluster& c = **cluster;
  if (outcome == CadfOutcome::kSuccess && op.in_progress == st::kDeleteInProgress) {
    c.status = objects::ClusterStatus::kDeleteComplete;  // its rows go in this transaction
  }
  return std::make_shared<rpc::Notification>(
      ClusterNotification(host_, c, *ngs, op.kind, outcome, op.caller, clock_->Now()));
}

void ClusterNotifications::Started(db::Database& db, const Operation& op) {
  if (!enabled()) return;
  if (auto n = Build(db, op, CadfOutcome::kPending)) Send(*n);
}

void ClusterNotifications::Ending(db::Database& tx, Operation& op, bool success) {
  op.end_notice.reset();
  if (!enabled()) return;
  op.end_notice = Build(tx, op, success ? CadfOutcome::kSuccess : CadfOutcome::kFailure);
}

void ClusterNotifications::Flush(Operation& op) {
  if (!op.end_notice) return;
  auto n = std::move(op.end_notice);
  op.end_notice.reset();
  Send(*n);
}

void ClusterNotifications::Send(const rpc::Notification& n) { notifier_->Notify(n); }

}  // namespace magnum::conductor
