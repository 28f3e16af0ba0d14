#include "magnum/conductor/upstream_rpc.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "magnum/common/clock.h"
#include "magnum/conductor/operation.h"
#include "magnum/db/database.h"
#include "magnum/objects/cluster_rows.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/primitives.h"
#include "magnum/rpc/oslo_envelope.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;
using objects::Cluster;
using objects::ClusterStatus;
using objects::ClusterTemplate;
using objects::NodeGroup;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string NowDb() { return FormatDbTimestamp(SystemClock().Now()); }

Error BadArg(const std::string& what) {
  return rpc::AsUpstreamException(Error::InvalidArgument(what), "InvalidParameterValue");
}

// Upstream's exception class for an Error of ours (what a Python magnum-api re-raises).
Error Upstream(const Error& e) {
  if (e.message().rfind("[magnum.common.exception.", 0) == 0) return e;  // classed already
  const std::string& m = e.message();
  const char* cls = "MagnumException";
  switch (e.code()) {
    case ErrorCode::kNotFound:
      if (m.rfind("Nodegroup", 0) == 0 || m.rfind("NodeGroup", 0) == 0) {
        cls = "NodeGroupNotFound";
      } else if (m.rfind("ClusterTemplate", 0) == 0) {
        cls = "ClusterTemplateNotFound";
      } else {
        cls = "ClusterNotFound";
      }
      break;
    case ErrorCode::kInvalidArgument:
      cls = "InvalidParameterValue";
      break;
    case ErrorCode::kFailedPrecondition:
      cls = "NotSupported";
      break;
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
      cls = "Conflict";
      break;
    case ErrorCode::kPermissionDenied:
      cls = "NotAuthorized";
      break;
    case ErrorCode::kUnauthenticated:
      cls = "AuthorizationFailure";
      break;
    default:
      break;
  }
  return rpc::AsUpstreamException(e, cls);
}

// Typed access to upstream's arguments; a missing or mistyped one is InvalidParameterValue.
class UpArgs {
 public:
  explicit UpArgs(const Json& j) : j_(j) {}

  bool Has(const char* k) const { return j_.contains(k); }

  Result<int64_t> Int(const char* k) const {
    auto it = j_.find(k);
    if (it == j_.end() || !it->is_number_integer()) {
      return Fail(BadArg(std::string("argument '") + k + "' is not an integer"));
    }
    return it->get<int64_t>();
  }
  Result<std::optional<int64_t>> OptInt(const char* k) const {
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) return std::optional<int64_t>();
    MAGNUM_ASSIGN_OR_RETURN(int64_t v, Int(k));
    return std::optional<int64_t>(v);
  }
  Result<std::string> Str(const char* k, bool required) const {
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) {
      if (required) return Fail(BadArg(std::string("argument '") + k + "' is missing"));
      return std::string();
    }
    if (!it->is_string()) return Fail(BadArg(std::string("argument '") + k + "' is not a string"));
    return it->get<std::string>();
  }
  Result<bool> Bool(const char* k) const {
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) return false;
    if (!it->is_boolean()) return Fail(BadArg(std::string("argument '") + k + "' is not a boolean"));
    return it->get<bool>();
  }
  Result<std::vector<std::string>> StrList(const char* k) const {
    std::vector<std::string> out;
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) return out;
    const std::string bad = std::string("argument '") + k + "' is not a list of strings";
    if (!it->is_array()) return Fail(BadArg(bad));
    for (const auto& v : *it) {
      if (!v.is_string()) return Fail(BadArg(bad));
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  // The JSON text of an object argument (a primitive).
  Result<std::string> Object(const char* k) const {
    auto it = j_.find(k);
    if (it == j_.end() || !it->is_object()) {
      return Fail(BadArg(std::string("argument '") + k + "' is not a magnum_object primitive"));
    }
    return Dump(*it);
  }

  Result<objects::Decoded<Cluster>> ClusterArg() const {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, Object("cluster"));
    auto d = objects::DecodeClusterPrimitive(text);
    if (!d) return Fail(BadArg(d.error().message()));
    if (d->value.uuid.empty()) return Fail(BadArg("magnum_object Cluster: no uuid"));
    return d;
  }
  Result<objects::Decoded<NodeGroup>> NodeGroupArg() const {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, Object("nodegroup"));
    auto d = objects::DecodeNodeGroupPrimitive(text);
    if (!d) return Fail(BadArg(d.error().message()));
    if (d->value.uuid.empty()) return Fail(BadArg("magnum_object NodeGroup: no uuid"));
    return d;
  }

 private:
  const Json& j_;
};

Result<Cluster> StoredCluster(db::Database& db, const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(auto c, objects::GetOne<Cluster>(db, ByUuid(uuid)));
  if (!c) {
    return Fail(rpc::AsUpstreamException(
        Error::NotFound("Cluster " + uuid + " could not be found."), "ClusterNotFound"));
  }
  return *c;
}

Result<NodeGroup> StoredNodeGroup(db::Database& db, const std::string& cluster_uuid,
                                  const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto ng, objects::GetOne<NodeGroup>(
                   db, ByUuid(uuid).Where(db::Condition::Eq("cluster_id", cluster_uuid))));
  if (!ng) {
    return Fail(rpc::AsUpstreamException(
        Error::NotFound("Nodegroup " + uuid + " could not be found."), "NodeGroupNotFound"));
  }
  return *ng;
}

Result<std::string> ClusterReply(db::Database& db, const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(Cluster c, StoredCluster(db, uuid));
  return objects::EncodeClusterPrimitive(c);
}

Result<std::string> NullReply(const Result<void>& r) {
  if (!r) return Fail(r.error());
  return std::string("null");
}

// Label min_node_count of a new cluster's worker nodegroup (upstream reads it the same way).
Result<int64_t> MinNodeCount(const Cluster& c, int64_t node_count) {
  if (!c.labels) return 0;
  auto it = c.labels->find("min_node_count");
  if (it == c.labels->end()) return 0;
  const std::string& s = it->second;
  int64_t n = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n < 0 || n > node_count) {
    return Fail(BadArg("Label min_node_count must be an integer between 0 and node_count, got '" +
                       s + "'."));
  }
  return n;
}

Result<NodeGroup> DefaultWorker(db::Database& db, const std::string& cluster_uuid) {
  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("cluster_id", cluster_uuid));
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, objects::List<NodeGroup>(db, q));
  for (auto& ng : ngs) {
    if (ng.is_default.value_or(false) && !ng.IsMaster()) return std::move(ng);
  }
  return Fail(Error::NotFound("Nodegroup default-worker of cluster " + cluster_uuid +
                              " could not be found."));
}

}  // namespace

bool UpstreamRpc::IsUpstream(const std::string& method, const Json& args) {
  if (!args.is_object()) return false;
  if (method.rfind("object_", 0) == 0) return true;
  if (args.contains("cluster_uuid")) return false;
  if (args.contains("cluster")) return true;
  return method == "cluster_delete" && args.contains("uuid");
}

Result<std::string> UpstreamRpc::Dispatch(const Caller& caller, const std::string& method,
                                          const Json& args) const {
  auto r = Run(caller, method, args);
  if (!r) return Fail(Upstream(r.error()));
  return r;
}

Result<std::string> UpstreamRpc::Run(const Caller& caller, const std::string& method,
                                     const Json& args) const {
  UpArgs a(args);
  db::Database& db = *db_;
  if (method.rfind("object_", 0) == 0) {
    return Fail(rpc::AsUpstreamException(
        Error::FailedPrecondition("The versioned-objects indirection API (" + method +
                                  ") is not served by this conductor."),
        "NotSupported"));
  }
  if (method == "cluster_delete") {
    std::string uuid;
    if (a.Has("uuid")) {
      MAGNUM_ASSIGN_OR_RETURN(uuid, a.Str("uuid", true));
    } else {
      MAGNUM_ASSIGN_OR_RETURN(auto c, a.ClusterArg());
      uuid = c.value.uuid;
    }
    return NullReply(impl_->ClusterDelete(caller, uuid));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto cluster, a.ClusterArg());
  const std::string uuid = cluster.value.uuid;
  if (method == "cluster_create") return ClusterCreate(caller, cluster.value, args);
  if (method == "cluster_update") {
    MAGNUM_ASSIGN_OR_RETURN(Cluster stored, StoredCluster(db, uuid));
    MAGNUM_ASSIGN_OR_RETURN(int64_t node_count, a.Int("node_count"));
    MAGNUM_ASSIGN_OR_RETURN(bool rollback, a.Bool("rollback"));
    // The health fields as the API sends them (a Cluster's own field types).
    Json health = {{"health_status", args.value("health_status", Json())},
                   {"health_status_reason", args.value("health_status_reason", Json())}};
    Json wrapped = {{"magnum_object.name", "Cluster"},
                    {"magnum_object.namespace", objects::kPrimitiveNamespace},
                    {"magnum_object.version", objects::kClusterPrimitiveVersion},
                    {"magnum_object.data", health}};
    auto h = objects::DecodeClusterPrimitive(Dump(wrapped));
    if (!h) return Fail(BadArg(h.error().message()));
    MAGNUM_ASSIGN_OR_RETURN(NodeGroup worker, DefaultWorker(db, uuid));
    const bool count_changes = worker.node_count.value_or(0) != node_count;
    const bool health_changes = stored.health_status != h->value.health_status ||
                                stored.health_status_reason != h->value.health_status_reason;
    if (!count_changes && !health_changes) return std::string("null");
    // The state check first (a refusal writes nothing), then the health fields.
    MAGNUM_RETURN_IF_ERROR(impl_->ClusterUpdate(caller, uuid, node_count, rollback));
    if (health_changes) {
      MAGNUM_ASSIGN_OR_RETURN(Cluster now, StoredCluster(db, uuid));
      Cluster after = now;
      after.health_status = h->value.health_status;
      after.health_status_reason = h->value.health_status_reason;
      MAGNUM_RETURN_IF_ERROR(objects::Update(db, ByUuid(uuid), now, after));
    }
    return ClusterReply(db, uuid);
  }
  if (method == "cluster_resize") {
    MAGNUM_ASSIGN_OR_RETURN(int64_t node_count, a.Int("node_count"));
    MAGNUM_ASSIGN_OR_RETURN(auto remove, a.StrList("nodes_to_remove"));
    std::string ng_uuid;
    if (a.Has("nodegroup") && !args["nodegroup"].is_null()) {
      MAGNUM_ASSIGN_OR_RETURN(auto ng, a.NodeGroupArg());
      ng_uuid = ng.value.uuid;
    }
    MAGNUM_RETURN_IF_ERROR(impl_->ClusterResize(caller, uuid, ng_uuid, node_count, remove));
    return ClusterReply(db, uuid);
  }
  if (method == "cluster_upgrade") {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, a.Object("cluster_template"));
    auto tmpl = objects::DecodeClusterTemplatePrimitive(text);
    if (!tmpl) return Fail(BadArg(tmpl.error().message()));
    if (tmpl->value.uuid.empty()) return Fail(BadArg("magnum_object ClusterTemplate: no uuid"));
    MAGNUM_ASSIGN_OR_RETURN(std::optional<int64_t> batch, a.OptInt("max_batch_size"));
    std::string ng_uuid;
    if (a.Has("nodegroup") && !args["nodegroup"].is_null()) {
      MAGNUM_ASSIGN_OR_RETURN(auto ng, a.NodeGroupArg());
      ng_uuid = ng.value.uuid;
    }
    MAGNUM_RETURN_IF_ERROR(
        impl_->ClusterUpgrade(caller, uuid, tmpl->value.uuid, batch.value_or(1), ng_uuid));
    return ClusterReply(db, uuid);
  }
  if (method == "nodegroup_create") {
    MAGNUM_ASSIGN_OR_RETURN(auto ng, a.NodeGroupArg());
    return NodeGroupCreate(caller, uuid, ng.value);
  }
  if (method == "nodegroup_update") {
    MAGNUM_ASSIGN_OR_RETURN(auto ng, a.NodeGroupArg());
    return NodeGroupUpdate(caller, uuid, ng);
  }
  if (method == "nodegroup_delete") {
    MAGNUM_ASSIGN_OR_RETURN(auto ng, a.NodeGroupArg());
    return NullReply(impl_->NodeGroupDelete(caller, uuid, ng.value.uuid));
  }
  if (method == "get_ca_certificate") {
    MAGNUM_ASSIGN_OR_RETURN(std::string type, a.Str("ca_cert_type", false));
    MAGNUM_ASSIGN_OR_RETURN(Cluster stored, StoredCluster(db, uuid));
    MAGNUM_ASSIGN_OR_RETURN(std::string pem, impl_->GetCaCertificate(caller, uuid, type));
    objects::Certificate cert;
    cert.project_id = stored.project_id;
    cert.user_id = stored.user_id;
    cert.cluster_uuid = uuid;
    cert.pem = std::move(pem);
    return objects::EncodeCertificatePrimitive(cert);
  }
  if (method == "sign_certificate") {
    MAGNUM_ASSIGN_OR_RETURN(std::string text, a.Object("certificate"));
    auto cert = objects::DecodeCertificatePrimitive(text);
    if (!cert) return Fail(BadArg(cert.error().message()));
    if (!cert->value.csr) return Fail(BadArg("magnum_object Certificate: no csr"));
    MAGNUM_RETURN_IF_ERROR(StoredCluster(db, uuid));
    MAGNUM_ASSIGN_OR_RETURN(
        std::string pem, impl_->SignCertificate(caller, uuid, *cert->value.csr,
                                                cert->value.ca_cert_type.value_or("")));
    objects::Certificate out = cert->value;
    if (!out.cluster_uuid) out.cluster_uuid = uuid;
    out.pem = std::move(pem);
    return objects::EncodeCertificatePrimitive(out);
  }
  if (method == "rotate_ca_certificate") {
    MAGNUM_RETURN_IF_ERROR(impl_->RotateCaCertificate(caller, uuid));
    return ClusterReply(db, uuid);
  }
  return Fail(rpc::AsUpstreamException(
      Error::InvalidArgument("unknown conductor RPC method '" + method + "'"),
      "InvalidParameterValue"));
}

Result<std::string> UpstreamRpc::ClusterCreate(const Caller& caller, const Cluster& sent,
                                               const Json& args) const {
  UpArgs a(args);
  db::Database& db = *db_;
  MAGNUM_ASSIGN_OR_RETURN(int64_t master_count, a.Int("master_count"));
  MAGNUM_ASSIGN_OR_RETURN(int64_t node_count, a.Int("node_count"));
  MAGNUM_ASSIGN_OR_RETURN(std::optional<int64_t> timeout, a.OptInt("create_timeout"));
  if (master_count < 1 || node_count < 0) {
    return Fail(BadArg("master_count must be at least 1 and node_count at least 0"));
  }
  const std::string template_uuid = sent.cluster_template_id.value_or("");
  MAGNUM_ASSIGN_OR_RETURN(auto tmpl, objects::GetOne<ClusterTemplate>(db, ByUuid(template_uuid)));
  if (!tmpl) {
    return Fail(rpc::AsUpstreamException(
        Error::NotFound("ClusterTemplate " + template_uuid + " could not be found."),
        "ClusterTemplateNotFound"));
  }
  MAGNUM_ASSIGN_OR_RETURN(int64_t min_node_count, MinNodeCount(sent, node_count));

  // The rows as our API writes them: what the primitive carries, CREATE_IN_PROGRESS.
  Cluster cluster = sent;
  cluster.id = 0;
  if (!cluster.project_id) cluster.project_id = caller.project_id;
  if (!cluster.user_id) cluster.user_id = caller.user_id;
  if (timeout) cluster.create_timeout = *timeout;
  if (!cluster.docker_volume_size) cluster.docker_volume_size = tmpl->docker_volume_size;
  cluster.status = ClusterStatus::kCreateInProgress;
  cluster.status_reason.reset();
  cluster.driver.reset();  // resolved from the template, as for a cluster upstream created
  cluster.created_at = NowDb();
  cluster.updated_at.reset();
  auto or_template = [](const std::optional<std::string>& own,
                        const std::optional<std::string>& fallback) { return own ? own : fallback; };
  const NodeGroup master = objects::DefaultNodeGroup(
      cluster, "default-master", "master", master_count, 0,
      or_template(cluster.master_flavor_id, tmpl->master_flavor_id), tmpl->image_id);
  const NodeGroup worker = objects::DefaultNodeGroup(
      cluster, "default-worker", "worker", node_count, min_node_count,
      or_template(cluster.flavor_id, tmpl->flavor_id), tmpl->image_id);
  bool redelivered = false;
  MAGNUM_RETURN_IF_ERROR(db.Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto existing, objects::GetOne<Cluster>(tx, ByUuid(cluster.uuid)));
    if (existing) {
      redelivered = true;
      return {};
    }
    return objects::InsertClusterRows(tx, cluster, master, worker);
  }));
  auto started = impl_->ClusterCreate(caller, cluster.uuid);
  if (!started) {
    if (redelivered) {
      // The first delivery started it (or it has run): nothing is created twice.
      spdlog::info("cluster_create {} arrived again (request {}): {}", cluster.uuid,
                   caller.request_id, started.error().message());
    } else {
      objects::MarkCreateNotStarted(db, cluster, started.error().message(), NowDb());
      return Fail(started.error());
    }
  }
  return ClusterReply(db, cluster.uuid);
}

Result<std::string> UpstreamRpc::NodeGroupCreate(const Caller& caller,
                                                 const std::string& cluster_uuid,
                                                 const NodeGroup& sent) const {
  db::Database& db = *db_;
  if (!sent.cluster_id.empty() && sent.cluster_id != cluster_uuid) {
    return Fail(BadArg("magnum_object NodeGroup: cluster_id " + sent.cluster_id +
                       " is not the cluster's (" + cluster_uuid + ")"));
  }
  if (sent.name.empty()) return Fail(BadArg("magnum_object NodeGroup: no name"));
  MAGNUM_ASSIGN_OR_RETURN(Cluster cluster, StoredCluster(db, cluster_uuid));
  NodeGroup ng = sent;
  ng.id = 0;
  ng.cluster_id = cluster_uuid;
  if (!ng.project_id) ng.project_id = cluster.project_id;
  if (!ng.node_addresses) ng.node_addresses = objects::StringList{};
  if (!ng.role) ng.role = "worker";
  if (!ng.is_default) ng.is_default = false;
  ng.status = ClusterStatus::kCreateInProgress;
  ng.status_reason.reset();
  ng.created_at = NowDb();
  ng.updated_at.reset();
  bool redelivered = false;
  MAGNUM_RETURN_IF_ERROR(db.Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto existing, objects::GetOne<NodeGroup>(tx, ByUuid(ng.uuid)));
    if (existing) {
      redelivered = true;
      return {};
    }
    return objects::Insert(tx, ng).map([](const NodeGroup&) {});
  }));
  auto started = impl_->NodeGroupCreate(caller, cluster_uuid, ng.uuid);
  if (!started && !redelivered) return Fail(started.error());
  MAGNUM_ASSIGN_OR_RETURN(NodeGroup now, StoredNodeGroup(db, cluster_uuid, ng.uuid));
  return objects::EncodeNodeGroupPrimitive(now);
}

Result<std::string> UpstreamRpc::NodeGroupUpdate(const Caller& caller,
                                                 const std::string& cluster_uuid,
                                                 const objects::Decoded<NodeGroup>& sent) const {
  db::Database& db = *db_;
  MAGNUM_ASSIGN_OR_RETURN(NodeGroup ng, StoredNodeGroup(db, cluster_uuid, sent.value.uuid));
  // The counts the API patched: those it names as changed (every count it sent when it
  // names none).
  NodeGroup patched = ng;
  auto take = [&](const char* field, std::optional<int64_t> NodeGroup::*member) {
    if (sent.changes.empty() ? sent.Has(field) : sent.Changed(field)) {
      patched.*member = sent.value.*member;
    }
  };
  take("min_node_count", &NodeGroup::min_node_count);
  take("max_node_count", &NodeGroup::max_node_count);
  take("node_count", &NodeGroup::node_count);
  if (patched != ng) {
    patched.updated_at = NowDb();
    db::Filter cas = db::Filter().Where(db::Condition::Eq("id", ng.id));
    cas.Where(ng.status ? db::Condition::Eq("status", std::string(objects::Name(*ng.status)))
                        : db::Condition::Null("status"));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, objects::Update(db, cas, ng, patched));
    if (n == 0) {
      return Fail(Error::Conflict("Nodegroup " + ng.name +
                                  " changed while the request was processed; try again."));
    }
  }
  auto started = impl_->NodeGroupUpdate(caller, cluster_uuid, ng.uuid);
  if (!started) {
    if (patched != ng) {  // refused: the previous values back
      NodeGroup restored = ng;
      restored.updated_at = patched.updated_at;
      (void)objects::Update(db, db::Filter().Where(db::Condition::Eq("id", ng.id)), patched,
                            restored);
    }
    return Fail(started.error());
  }
  MAGNUM_ASSIGN_OR_RETURN(NodeGroup now, StoredNodeGroup(db, cluster_uuid, ng.uuid));
  return objects::EncodeNodeGroupPrimitive(now);
}

}  // namespace magnum::conductor
