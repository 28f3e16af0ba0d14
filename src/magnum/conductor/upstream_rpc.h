// Upstream Magnum 15's conductor RPC API (magnum/conductor/api.py), served by our conductor
// next to our own request shapes, so that a Python magnum-api can drive it.
//
// Upstream's requests carry versioned-object primitives (objects/primitives.h) instead of
// our "cluster_uuid": a request is upstream's when it has no "cluster_uuid" and has a
// "cluster" argument, or is cluster_delete with "uuid", or is one of the object_* calls.
//
//   cluster_create(cluster, master_count, node_count, create_timeout) -> Cluster
//       inserts the cluster (no id yet) and its default nodegroups as our API does, then
//       starts the create; a uuid that is stored already (a redelivered message) inserts
//       nothing and starts nothing new.
//   cluster_update(cluster, node_count, health_status, health_status_reason, rollback)
//       -> Cluster, or null when nothing changes
//   cluster_delete(uuid) -> null
//   cluster_resize(cluster, node_count, nodes_to_remove, nodegroup) -> Cluster
//   cluster_upgrade(cluster, cluster_template, max_batch_size, nodegroup) -> Cluster
//   nodegroup_create(cluster, nodegroup) -> NodeGroup   (inserts the nodegroup row)
//   nodegroup_update(cluster, nodegroup) -> NodeGroup   (writes its changed counts)
//   nodegroup_delete(cluster, nodegroup) -> null
//   get_ca_certificate(cluster, ca_cert_type) -> Certificate {project_id, user_id,
//       cluster_uuid, pem}
//   sign_certificate(cluster, certificate) -> the Certificate with its pem
//   rotate_ca_certificate(cluster) -> Cluster
//   object_class_action / object_action / object_backport: refused (NotSupported). Not
//       enough for a real Python magnum-api process: its main() sets the objects'
//       indirection API (magnum/cmd/api.py), so its object reads and writes
//       (Cluster.get_by_uuid, NodeGroup.list, ClusterTemplate.save, ...) arrive here too.
// The stored rows are the truth: a primitive names its object (uuid); what the conductor
// acts on is read from the database. Failures carry upstream's exception class
// (rpc::AsUpstreamException): ClusterNotFound, NodeGroupNotFound, ClusterTemplateNotFound,
// InvalidParameterValue (malformed arguments or primitives), NotSupported (the state does
// not allow it), Conflict, NotAuthorized, MagnumException. Thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "magnum/common/error.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/objects/primitives.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

class UpstreamRpc {
 public:
  // `impl` and `db` (the conductor's database) must outlive this.
  UpstreamRpc(ConductorApi* impl, db::Database* db) : impl_(impl), db_(db) {}

  // Whether (method, args) is an upstream-shaped request (see above).
  static bool IsUpstream(const std::string& method, const nlohmann::json& args);

  // The reply's JSON text (a primitive or null), or the failure.
  Result<std::string> Dispatch(const Caller& caller, const std::string& method,
                               const nlohmann::json& args) const;

 private:
  Result<std::string> Run(const Caller& caller, const std::string& method,
                          const nlohmann::json& args) const;
  Result<std::string> ClusterCreate(const Caller& caller, const objects::Cluster& cluster,
                                    const nlohmann::json& args) const;
  Result<std::string> NodeGroupCreate(const Caller& caller, const std::string& cluster_uuid,
                                      const objects::NodeGroup& nodegroup) const;
  Result<std::string> NodeGroupUpdate(const Caller& caller, const std::string& cluster_uuid,
                                      const objects::Decoded<objects::NodeGroup>& nodegroup) const;

  ConductorApi* impl_;
  db::Database* db_;
};

}  // namespace magnum::conductor
