#include "magnum/conductor/rpc_client.h"

#include <nlohmann/json.hpp>

#include "magnum/conductor/containers.h"
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

  // Containers: the upstream method names; the reply carries the container or the output.
  Result<objects::Container> ContainerCreate(const Caller& caller,
                                             const objects::Container& container) override {
    Json j = ContainerRequest(caller, container.uuid);
    j["container"] = Json::parse(EncodeContainer(container));
    return CallContainer("container_create", j);
  }
  Result<objects::Container> ContainerShow(const Caller& caller, const std::string& uuid) override {
    return CallContainer("container_show", ContainerRequest(caller, uuid));
  }
  Result<objects::Container> ContainerAct(const Caller& caller, const std::string& uuid,
                                          ContainerAction action) override {
    return CallContainer(ContainerActionMethod(action), ContainerRequest(caller, uuid));
  }
  Result<void> ContainerDelete(const Caller& caller, const std::string& uuid, bool force) override {
    Json j = ContainerRequest(caller, uuid);
    j["force"] = force;
    return CallVoid("container_delete", j);
  }
  Result<CommandOutput> ContainerLogs(const Caller& caller, const std::string& uuid) override {
    return CallOutput("container_logs", ContainerRequest(caller, uuid));
  }
  Result<CommandOutput> ContainerExecute(const Caller& caller, const std::string& uuid,
                                         const std::string& command) override {
    Json j = ContainerRequest(caller, uuid);
    j["command"] = command;
    return CallOutput("container_exec", j);
  }

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
  static Json ContainerRequest(const Caller& caller, const std::string& container_uuid) {
    Json j = Request(caller, "");
    j.erase("cluster_uuid");
    j["container_uuid"] = container_uuid;
    return j;
  }
  static Json NodeGroupRequest(const Caller& caller, const std::string& uuid,
                               const std::string& nodegroup_uuid) {
    Json j = Request(caller, uuid);
    j["nodegroup"] = nodegroup_uuid;
    return j;
  }

  Result<std::string> CallRaw(const std::string& method, const Json& payload) {
    // Logs and execute run on the Engine for up to [containers] execute_timeout (at most
    // 10 minutes) besides the conductor's own work.
    const bool long_call = method == "container_exec" || method == "container_logs";
    return transport_->Call(topic_, method,
                            payload.dump(-1, ' ', false, Json::error_handler_t::replace),
                            long_call ? timeout_ + std::chrono::minutes(10) : timeout_);
  }

  Result<objects::Container> CallContainer(const std::string& method, const Json& payload) {
    MAGNUM_ASSIGN_OR_RETURN(std::string reply, CallRaw(method, payload));
    Json j = Json::parse(reply, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("container")) {
      return Fail(Error::Internal("malformed reply to " + method + " from the conductor"));
    }
    auto c = DecodeContainer(j["container"].dump());
    if (!c)
      return Fail(Error::Internal("malformed reply to " + method +
                                  " from the conductor: " + c.error().message()));
    return c;
  }

  Result<CommandOutput> CallOutput(const std::string& method, const Json& payload) {
    MAGNUM_ASSIGN_OR_RETURN(std::string reply, CallRaw(method, payload));
    auto out = DecodeCommandOutput(reply);
    if (!out) return Fail(Error::Internal("malformed reply to " + method + " from the conductor"));
    return out;
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
