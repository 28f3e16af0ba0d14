// The conductor's RPC surface (§3.7), as the API calls it.
//
// Transport-free: the in-process implementation (embedded mode) calls the conductor
// directly through the in-process bus; the AMQP one (later issue) serialises every
// request to JSON (see rpc/messages.h) and waits for the reply. Every method returns once
// the conductor has ACCEPTED the operation: state checked and the operation's first
// transition written (e.g. UPDATE_IN_PROGRESS), so refusals come back synchronously as
// errors; the long work then continues in the background and its outcome is written to
// the database (status, status_reason, events). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/conductor/container_engine.h"
#include "magnum/objects/container.h"

namespace magnum::conductor {

// Who asked (serialisable subset of the request context).
struct Caller {
  std::string request_id;
  std::string project_id;
  std::string user_id;
  bool is_admin = false;
  std::vector<std::string> roles;
  // The caller's Keystone token ("" under noauth): the trustor's credential when the
  // conductor creates a cluster's trust. Secret: never logged, never persisted.
  std::string auth_token;
};

// Which CA (§2.4): "" or anything else = the cluster CA; "etcd"; "front_proxy"/"front-proxy".
std::string NormaliseCaType(const std::string& ca_cert_type);

class ConductorApi {
 public:
  virtual ~ConductorApi() = default;

  // The cluster row and its default nodegroups exist already (inserted by the API in
  // CREATE_IN_PROGRESS); generates the certificates, then runs the driver's create.
  // create_timeout (minutes, 0 = none) is enforced: CREATE_FAILED with a reason.
  virtual Result<void> ClusterCreate(const Caller& caller, const std::string& cluster_uuid) = 0;

  // PATCH node_count (default worker) and/or health fields. Health-only updates are
  // written without a status change. Refused unless the status allows it (§3.2).
  virtual Result<void> ClusterUpdate(const Caller& caller, const std::string& cluster_uuid,
                                     int64_t node_count, bool rollback) = 0;

  virtual Result<void> ClusterResize(const Caller& caller, const std::string& cluster_uuid,
                                     const std::string& nodegroup_uuid, int64_t node_count,
                                     const std::vector<std::string>& nodes_to_remove) = 0;

  virtual Result<void> ClusterUpgrade(const Caller& caller, const std::string& cluster_uuid,
                                      const std::string& template_uuid, int64_t max_batch_size,
                                      const std::string& nodegroup_uuid) = 0;

  // Any status; a running operation on the cluster is cancelled first.
  virtual Result<void> ClusterDelete(const Caller& caller, const std::string& cluster_uuid) = 0;

  // The nodegroup row exists already (inserted by the API in CREATE_IN_PROGRESS).
  virtual Result<void> NodeGroupCreate(const Caller& caller, const std::string& cluster_uuid,
                                       const std::string& nodegroup_uuid) = 0;
  // The API has written the patched fields; the conductor applies them.
  virtual Result<void> NodeGroupUpdate(const Caller& caller, const std::string& cluster_uuid,
                                       const std::string& nodegroup_uuid) = 0;
  virtual Result<void> NodeGroupDelete(const Caller& caller, const std::string& cluster_uuid,
                                       const std::string& nodegroup_uuid) = 0;

  // Certificates (synchronous calls): the CA certificate PEM; a CSR signed by the CA.
  virtual Result<std::string> GetCaCertificate(const Caller& caller,
                                               const std::string& cluster_uuid,
                                               const std::string& ca_cert_type) = 0;
  virtual Result<std::string> SignCertificate(const Caller& caller,
                                              const std::string& cluster_uuid,
                                              const std::string& csr_pem,
                                              const std::string& ca_cert_type) = 0;
  virtual Result<void> RotateCaCertificate(const Caller& caller,
                                           const std::string& cluster_uuid) = 0;
  virtual Result<void> RotateCredential(const Caller& caller, const std::string& cluster_uuid) = 0;

  // Liveness of at least one conductor.
  virtual Result<void> Ping() = 0;

  // Containers on a cluster's Docker Engine (issue 15; containers.h has the rules). Each is
  // a synchronous call: the reply carries the container as the Engine now sees it, or the
  // refusal. The API has already checked visibility (project) and the input. By default
  // (a conductor without a container engine) every call is refused with NoContainerEngine().
  // Creates the row and the Engine's container (created, not started); `container` names
  // the cluster (bay_uuid), name, image, command, memory, environment, project and user.
  virtual Result<objects::Container> ContainerCreate(const Caller& caller,
                                                     const objects::Container& container);
  // The row with its status read from the Engine (never an error for an unreachable Engine:
  // status Unknown with the reason).
  virtual Result<objects::Container> ContainerShow(const Caller& caller,
                                                   const std::string& container_uuid);
  // start, stop, reboot, pause, unpause: the container after the action.
  virtual Result<objects::Container> ContainerAct(const Caller& caller,
                                                  const std::string& container_uuid,
                                                  ContainerAction action);
  // Removes it from the Engine, then its row; `force` removes a running one.
  virtual Result<void> ContainerDelete(const Caller& caller, const std::string& container_uuid,
                                       bool force);
  virtual Result<CommandOutput> ContainerLogs(const Caller& caller,
                                              const std::string& container_uuid);
  virtual Result<CommandOutput> ContainerExecute(const Caller& caller,
                                                 const std::string& container_uuid,
                                                 const std::string& command);
};

// 503 "containers are not available: no container engine in this conductor".
Error NoContainerEngine();

// The upstream RPC method name of an action ("container_start", ...) and back.
std::string ContainerActionMethod(ContainerAction action);
std::optional<ContainerAction> ContainerActionOfMethod(std::string_view method);
// "start", "stop", ... (the API's path segment).
std::string_view ContainerActionName(ContainerAction action);

}  // namespace magnum::conductor
