#include "magnum/conductor/rpc_client.h"

#include <nlohmann/json.hpp>

#include "magnum/rpc/transport.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;

class RpcConductorClient final : public ConductorApi {
 public:
  RpcConductorClient(rpc::Transport* transport, std::string topic,
                     std::chrono::milliseconds timeout)
      : transport_(transport), topic_(std::move(topic)), timeout_(timeout) {}

  Result<void> ClusterCreate(const Caller& caller, const std::string& uuid) override {
    return CallVoid("cluster_create", Request(caller, uuid));
  }

  Result<void> ClusterUpdate(const Caller& caller, const std::string& uuid, int64_t node_count,
                             bool rollback) override {
    Json j = Request(caller, uuid);
    j["node_count"] = node_count;
    j["rollback"] = rollback;
    return CallVoid("cluster_update", j);
  }

  Result<void> ClusterResize(const Caller& caller, const std::string& uuid,
                             const std::string& nodegroup_uuid, int64_t node_count,
                             const std::vector<std::string>& nodes_to_remove) override {
    Json j = Request(caller, uuid);
    j["nodegroup"] = nodegroup_uuid;
    j["node_count"] = node_count;
    j["nodes_to_remove"] = nodes_to_remove;
    return CallVoid("cluster_resize", j);
  }

  Result<void> ClusterUpgrade(const Caller& caller, const std::string& uuid,
                              const std::string& template_uuid, int64_t max_batch_size,
                              const std::string& nodegroup_uuid) override {
    Json j = Request(caller, uuid);
    j["cluster_template"] = template_uuid;
    j["max_batch_size"] = max_batch_size;
    j["nodegroup"] = nodegroup_uuid;
    return CallVoid("cluster_upgrade", j);
  }

  Result<void> ClusterDelete(const Caller& caller, const std::string& uuid) override {
    return CallVoid("cluster_delete", Request(caller, uuid));
  }

  Result<void> NodeGroupCreate(const Caller& caller, const std::string& uuid,
                               const std::string& nodegroup_uuid) override {
    return CallVoid("nodegroup_create", NodeGroupRequest(caller, uuid, nodegroup_uuid));
  }
  Result<void> NodeGroupUpdate(const Caller& caller, const std::string& uuid,
                               const std::string& nodegroup_uuid) override {
    return CallVoid("nodegroup_update", NodeGroupRequest(caller, uuid, nodegroup_uuid));
  }
  Result<void> NodeGroupDelete(const Caller& caller, const std::string& uuid,
                               const std::string& nodegroup_uuid) override {
    return CallVoid("nodegroup_delete", NodeGroupRequest(caller, uuid, nodegroup_uuid));
  }

  Result<std::string> GetCaCertificate(const Caller& caller, const std::string& uuid,
                                       const std::string& ca_cert_type) override {
    Json j = Request(caller, uuid);
    j["ca_cert_type"] = ca_cert_type;
    return CallPem("get_ca_certificate", j);
  }

  Result<std::string> SignCertificate(const Caller& caller, const std::string& uuid,
                                      const std::string& csr_pem,
                                      const std::string& ca_cert_type) override {
    Json j = Request(caller, uuid);
    j["csr"] = csr_pem;
    j["ca_cert_type"] = ca_cert_type;
    return CallPem("sign_certificate", j);
  }

  Result<void> RotateCaCertificate(const Caller& caller, const std::string& uuid) override {
    return CallVoid("rotate_ca_certificate", Request(caller, uuid));
  }

  Result<void> RotateCredential(const Caller& caller, const std::string& uuid) override {
    return CallVoid("credential_rotate", Request(caller, uuid));
  }

  Result<void> Ping() override { return CallVoid("ping_conductor", Json::object()); }

 private:
  static Json Request(const Caller& caller, const std::string& uuid) {
    return Json{{"context",
                 {{"request_id", caller.request_id},
                  {"project_id", caller.project_id},
                  {"user_id", caller.user_id},
                  {"is_admin", caller.is_admin},
                  {"roles", caller.roles},
                  {"auth_token", caller.auth_token}}},
                {"cluster_uuid", uuid}};
  }
  static Json NodeGroupRequest(const Caller& caller, const std::string& uuid,
                               const std::string& nodegroup_uuid) {
    Json j = Request(caller, uuid);
    j["nodegroup"] = nodegroup_uuid;
    return j;
  }

  Result<std::string> CallRaw(const std::string& method, const Json& payload) {
    return transport_->Call(topic_, method,
                            payload.dump(-1, ' ', false, Json::error_handler_t::replace), timeout_);
  }

  Result<void> CallVoid(const std::string& method, const Json& payload) {
    MAGNUM_RETURN_IF_ERROR(CallRaw(method, payload));
    return {};
  }

  Result<std::string> CallPem(const std::string& method, const Json& payload) {
    MAGNUM_ASSIGN_OR_RETURN(std::string reply, CallRaw(method, payload));
    Json j = Json::parse(reply, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("pem") || !j["pem"].is_string()) {
      return Fail(Error::Internal("malformed reply to " + method + " from the conductor"));
    }
    return j["pem"].get<std::string>();
  }

  rpc::Transport* const transport_;
  const std::string topic_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<ConductorApi> NewRpcConductorClient(rpc::Transport* transport, std::string topic,
                                                    std::chrono::milliseconds timeout) {
  return std::make_unique<RpcConductorClient>(transport, std::move(topic), timeout);
}

}  // namespace magnum::conductor
