// What runs on a docker-driver cluster's Swarm, for the built-in autoscaler
// (Driver::ObserveWorkload, drivers/driver.h Workload; docs/docker-driver.md "Workload").
//
// The cluster's first running manager is asked GET /nodes, GET /tasks (desired state
// running) and GET /services. It is reached through the host engine, like the health poll,
// so no certificate is needed: each request is an exec, in the manager's container, of a
// small HTTP/1.0 client (perl, which every Debian image has) on the node engine's own
// socket /var/run/docker.sock. The replies are the Engine API's own JSON; the parsers are
// in engine_json.cc, the pure rest here. Everything is read-only.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/common/error.h"
#include "magnum/drivers/docker/cluster_layout.h"
#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/driver.h"

namespace magnum::drivers::docker {

// Whether a pending task's Status.Err is the Swarm scheduler's "no suitable node (...)"
// with "insufficient resources on N node(s)" among its reasons (swarmkit's ResourceFilter;
// other reasons, e.g. "scheduling constraints not satisfied on 1 node", do not count).
bool LacksResources(std::string_view err);

// An RFC 3339 time as the Engine writes it ("2026-12-05T21:49:29.123456789Z", or with a
// "+01:00" offset) as a UTC TimePoint (microseconds); false when it is not one.
bool ParseEngineTime(std::string_view text, TimePoint* out);

// One raw HTTP/1.x response as read from a socket: the status, the body (Content-Length
// honoured, chunked transfer decoded) and its content type. kInternal when it is not an
// HTTP response or was cut short.
Result<HttpReply> ParseRawHttpReply(std::string_view raw);

// The workload from the manager's answers and the cluster's node containers (pure):
//  * a node per node container, named as nodes_to_remove takes it, with its address on
//    the cluster network, nodegroup and role from its labels; from the swarm (matched by
//    hostname): Ready, availability active, capacity (Description.Resources), and the
//    reservations and number of its tasks that run or are about to (assigned .. running).
//    A container the swarm does not list is a node that is not ready and not schedulable;
//    a swarm entry without a container (the reconciliation removes those) is left out.
//  * a pending task per task the scheduler has not placed (no node; new, allocated or
//    pending), with its service's name, its reservations, `since` = its CreatedAt, and
//    `reason` = Status.Err (else Status.Message).
// kInternal for a task whose CreatedAt is not a time.
Result<Workload> BuildWorkload(const ClusterState& cluster,
                               const std::vector<NodeRecord>& containers,
                               const std::vector<SwarmNode>& nodes,
                               const std::vector<SwarmTask>& tasks,
                               const std::vector<SwarmService>& services);

// A transport to the engine inside the node container `container_id`, through `host`:
// each request (GET, no body) is an exec of the HTTP/1.0 client on /var/run/docker.sock
// in that container; a reply longer than `max_reply` bytes fails. Any failure to get an
// answer (the exec refused, the container stopped, the client failing) is kUnavailable;
// the node engine's own answer keeps its status. `host` must outlive the transport.
std::unique_ptr<DockerTransport> NewNodeSocketTransport(DockerClient* host,
                                                        std::string container_id,
                                                        std::string node_name,
                                                        size_t max_reply = size_t{32} << 20);

// The command the transport execs for `method` `path` (the API version prefix included).
std::vector<std::string> NodeSocketCommand(std::string_view method, const std::string& path);

}  // namespace magnum::drivers::docker
