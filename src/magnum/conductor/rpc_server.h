// Serves a ConductorApi (normally the ConductorService) on an rpc::Transport topic: decodes
// each request, calls the implementation, encodes the reply.
//
// Request payload: {"context": {"request_id", "project_id", "user_id", "is_admin"},
//                   "cluster_uuid": ..., <method arguments by name>}
// Reply: null, or {"pem": "..."} for get_ca_certificate / sign_certificate.
// Methods: cluster_create, cluster_update(node_count, rollback), cluster_resize(nodegroup,
// node_count, nodes_to_remove), cluster_upgrade(cluster_template, max_batch_size,
// nodegroup), cluster_delete, nodegroup_create/update/delete(nodegroup),
// get_ca_certificate(ca_cert_type), sign_certificate(csr, ca_cert_type),
// rotate_ca_certificate, credential_rotate, ping_conductor.
// Containers (synchronous, upstream names): container_create(container),
// container_show, container_start/stop/reboot/pause/unpause, container_delete(force),
// container_logs, container_exec(command), each with "container_uuid" instead of
// "cluster_uuid"; the reply is {"container": {...}} or {"output", "truncated",
// "exit_code"} (containers.h has the wire form).
// An unknown method or a malformed payload is kInvalidArgument.
// With the conductor's database, upstream Magnum 15's request shapes are served as well
// (upstream_rpc.h: versioned-object primitives instead of "cluster_uuid").
#pragma once

#include <string>

#include "magnum/common/error.h"
#include "magnum/rpc/transport.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

class ConductorApi;

// The handler for one request; `impl` (and `db`) must outlive it. Thread-safe if `impl`
// is. `db` null: our own request shapes only.
rpc::Handler NewConductorRpcHandler(ConductorApi* impl, db::Database* db = nullptr);

// Serve(topic, NewConductorRpcHandler(impl, db)).
Result<void> ServeConductor(rpc::Transport* transport, const std::string& topic,
                            ConductorApi* impl, db::Database* db = nullptr);

}  // namespace magnum::conductor
