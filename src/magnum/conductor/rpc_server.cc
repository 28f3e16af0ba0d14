#include "magnum/conductor/rpc_server.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/containers.h"
#include "magnum/conductor/upstream_rpc.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;

// Typed access to the request's members: a missing or mistyped member is kInvalidArgument.
class Args {
 public:
  explicit Args(const Json& j) : j_(j) {}

  Result<std::string> Str(const char* key, bool required = true) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      if (required) return Fail(Missing(key));
      return std::string();
    }
    if (!it->is_string()) return Fail(Bad(key, "a string"));
    return it->get<std::string>();
  }
  Result<int64_t> Int(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) return Fail(Missing(key));
    if (!it->is_number_integer()) return Fail(Bad(key, "an integer"));
    return it->get<int64_t>();
  }
  Result<bool> Bool(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return false;
    if (!it->is_boolean()) return Fail(Bad(key, "a boolean"));
    return it->get<bool>();
  }
  Result<std::vector<std::string>> StrList(const char* key) const {
    std::vector<std::string> out;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return out;
    if (!it->is_array()) return Fail(Bad(key, "a list of strings"));
    for (const auto& v : *it) {
      if (!v.is_string()) return Fail(Bad(key, "a list of strings"));
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  Caller GetCaller() const {
    Caller c;
    auto it = j_.find("context");
    if (it == j_.end() || !it->is_object()) return c;
    auto str = [&](const char* k) {
      auto f = it->find(k);
      return f != it->end() && f->is_string() ? f->get<std::string>() : std::string();
    };
    c.request_id = str("request_id");
    c.project_id = str("project_id");
    c.user_id = str("user_id");
    c.auth_token = str("auth_token");
    auto admin = it->find("is_admin");
    c.is_admin = admin != it->end() && admin->is_boolean() && admin->get<bool>();
    if (auto roles = it->find("roles"); roles != it->end() && roles->is_array()) {
      for (const auto& r : *roles) {
        if (r.is_string()) c.roles.push_back(r.get<std::string>());
      }
    }
    return c;
  }

 private:
  static Error Missing(const char* key) {
    return Error::InvalidArgument(std::string("RPC request lacks '") + key + "'");
  }
  static Error Bad(const char* key, const char* what) {
    return Error::InvalidArgument(std::string("RPC request member '") + key + "' is not " + what);
  }
  const Json& j_;
};

Result<std::string> Null(const Result<void>& r) {
  if (!r) return Fail(r.error());
  return std::string("null");
}

Result<std::string> Pem(const Result<std::string>& r) {
  if (!r) return Fail(r.error());
  return Json{{"pem", *r}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> ContainerReply(const Result<objects::Container>& r) {
  if (!r) return Fail(r.error());
  return "{\"container\":" + EncodeContainer(*r) + "}";
}

Result<std::string> OutputReply(const Result<CommandOutput>& r) {
  if (!r) return Fail(r.error());
  return EncodeCommandOutput(*r);
}

// container_*: {"context", "container_uuid", and "container" (create), "force" (delete),
// "command" (exec)}.
Result<std::string> DispatchContainer(ConductorApi* impl, const Caller& caller,
                                      const std::string& method, const Json& j) {
  Args a(j);
  if (method == "container_create") {
    auto it = j.find("container");
    if (it == j.end() || !it->is_object()) {
      return Fail(Error::InvalidArgument("RPC request lacks 'container'"));
    }
    MAGNUM_ASSIGN_OR_RETURN(objects::Container c, DecodeContainer(it->dump()));
    return ContainerReply(impl->ContainerCreate(caller, c));
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string uuid, a.Str("container_uuid"));
  if (method == "container_show") return ContainerReply(impl->ContainerShow(caller, uuid));
  if (auto action = ContainerActionOfMethod(method)) {
    return ContainerReply(impl->ContainerAct(caller, uuid, *action));
  }
  if (method == "container_delete") {
    MAGNUM_ASSIGN_OR_RETURN(bool force, a.Bool("force"));
    return Null(impl->ContainerDelete(caller, uuid, force));
  }
  if (method == "container_logs") return OutputReply(impl->ContainerLogs(caller, uuid));
  if (method == "container_exec") {
    MAGNUM_ASSIGN_OR_RETURN(std::string command, a.Str("command"));
    return OutputReply(impl->ContainerExecute(caller, uuid, command));
  }
  return Fail(Error::InvalidArgument("unknown conductor RPC method '" + method + "'"));
}

Result<std::string> Dispatch(ConductorApi* impl, const UpstreamRpc* upstream,
                             const std::string& method, const std::string& payload) {
  Json j = Json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::InvalidArgument("RPC payload for " + method + " is not a JSON object"));
  }
  Args a(j);
  if (method == "ping_conductor") return Null(impl->Ping());
  const Caller caller = a.GetCaller();
  if (method.rfind("container_", 0) == 0) return DispatchContainer(impl, caller, method, j);
  if (upstream && UpstreamRpc::IsUpstream(method, j)) {
    return upstream->Dispatch(caller, method, j);
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string uuid, a.Str("cluster_uuid"));
  if (method == "cluster_create") return Null(impl->ClusterCreate(caller, uuid));
  if (method == "cluster_delete") return Null(impl->ClusterDelete(caller, uuid));
  if (method == "cluster_update") {
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, a.Int("node_count"));
    MAGNUM_ASSIGN_OR_RETURN(bool rollback, a.Bool("rollback"));
    return Null(impl->ClusterUpdate(caller, uuid, n, rollback));
  }
  if (method == "cluster_resize") {
    MAGNUM_ASSIGN_OR_RETURN(std::string ng, a.Str("nodegroup", false));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, a.Int("node_count"));
    MAGNUM_ASSIGN_OR_RETURN(auto remove, a.StrList("nodes_to_remove"));
    return Null(impl->ClusterResize(caller, uuid, ng, n, remove));
  }
  if (method == "cluster_upgrade") {
    MAGNUM_ASSIGN_OR_RETURN(std::string t, a.Str("cluster_template"));
    MAGNUM_ASSIGN_OR_RETURN(int64_t batch, a.Int("max_batch_size"));
    MAGNUM_ASSIGN_OR_RETURN(std::string ng, a.Str("nodegroup", false));
    return Null(impl->ClusterUpgrade(caller, uuid, t, batch, ng));
  }
  if (method == "nodegroup_create" || method == "nodegroup_update" ||
      method == "nodegroup_delete") {
    MAGNUM_ASSIGN_OR_RETURN(std::string ng, a.Str("nodegroup"));
    if (method == "nodegroup_create") return Null(impl->NodeGroupCreate(caller, uuid, ng));
    if (method == "nodegroup_update") return Null(impl->NodeGroupUpdate(caller, uuid, ng));
    return Null(impl->NodeGroupDelete(caller, uuid, ng));
  }
  if (method == "get_ca_certificate") {
    MAGNUM_ASSIGN_OR_RETURN(std::string type, a.Str("ca_cert_type", false));
    return Pem(impl->GetCaCertificate(caller, uuid, type));
  }
  if (method == "sign_certificate") {
    MAGNUM_ASSIGN_OR_RETURN(std::string csr, a.Str("csr"));
    MAGNUM_ASSIGN_OR_RETURN(std::string type, a.Str("ca_cert_type", false));
    return Pem(impl->SignCertificate(caller, uuid, csr, type));
  }
  if (method == "rotate_ca_certificate") return Null(impl->RotateCaCertificate(caller, uuid));
  if (method == "credential_rotate") return Null(impl->RotateCredential(caller, uuid));
  return Fail(Error::InvalidArgument("unknown conductor RPC method '" + method + "'"));
}

}  // namespace

rpc::Handler NewConductorRpcHandler(ConductorApi* impl, db::Database* db) {
  std::shared_ptr<const UpstreamRpc> upstream;
  if (db) upstream = std::make_shared<const UpstreamRpc>(impl, db);
  return [impl, upstream](const std::string& method, const std::string& payload) {
    return Dispatch(impl, upstream.get(), method, payload);
  };
}

Result<void> ServeConductor(rpc::Transport* transport, const std::string& topic,
                            ConductorApi* impl, db::Database* db) {
  return transport->Serve(topic, NewConductorRpcHandler(impl, db));
}

}  // namespace magnum::conductor
